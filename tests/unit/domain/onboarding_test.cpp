#include "domain/onboarding.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "tests/unit/domain/print.hpp"

namespace poort::domain {
namespace {

using namespace std::chrono_literals;
using status = municipality_status;

template <class T>
error code_of(const result<T>& r) {
  return r ? error::ok : domain_error_of(r.error());
}

class Onboarding : public ::testing::Test {
 protected:
  fake_clock clock_;
  const sys_time t0_ = clock_.now();

  const municipality amsterdam_{"GM0363", "Amsterdam", "00000001002564440000", "34366966", "002564440"};
  const municipality rotterdam_{"GM0599", "Rotterdam", "00000001123456782000", "24354561", "123456782"};
  const actor casework_{role::casework, {.kvk = "34366966"}, "cw-pseudonym"};
  const actor signatory_{role::signatory, {.rsin = "002564440"}, "sig-pseudonym"};
  const actor rotterdam_casework_{role::casework, {.kvk = "24354561"}, "cw-rdam"};
  const actor rotterdam_signatory_{role::signatory, {.kvk = "24354561", .rsin = "123456782"}, "sig-rdam"};
  const actor admin_{role::administrator, {}, "admin-1"};
  const conditions_document conditions_ =
      make_conditions_document("2026-1", "Aansluitvoorwaarden versie 2026-1\n");

  cohort_settings settings() const {
    return {.name = "Pilot voorjaar 2026",
            .kind = cohort_kind::pilot,
            .opens_at = t0_,
            .closes_at = t0_ + 14 * 24h,
            .capacity = 2,
            .connection_at = t0_ + 30 * 24h};
  }
  cohort make_cohort() const { return create_cohort("c-1", settings(), admin_).value(); }

  application make_application() const {
    return {.coordinator = {"A. Bakker", "nazorg@amsterdam.example.nl", "020-555 1234"},
            .wants_detention_notifications = true,
            .wants_information_sheets = true,
            .certificate_oin = amsterdam_.oin,
            .certificate_sha256 = std::string(64, 'a'),
            .push_endpoint = "https://nazorg.amsterdam.example.nl/api"};
  }

  onboarding registered() const {
    return register_municipality({}, amsterdam_, make_cohort(), casework_, t0_).value().onboarding;
  }
  onboarding accepted() const {
    return accept_conditions(registered(), amsterdam_, conditions_, conditions_.sha256, casework_, t0_)
        .value();
  }
  onboarding drafted() const {
    return save_application(accepted(), amsterdam_, make_application(), casework_, t0_).value();
  }
  signing shown(const onboarding& s) const {
    return {"_assertion-4f2a",
            application_sha256(*s.application, s.conditions->document, amsterdam_, make_cohort())};
  }
  onboarding signed_state() const {
    const onboarding d = drafted();
    return sign_application(d, amsterdam_, make_cohort(), shown(d), signatory_, t0_ + 1h).value();
  }
  onboarding approved() const { return approve_application(signed_state(), admin_, t0_).value(); }
  onboarding connected() const { return connect_now(approved(), admin_, t0_).value(); }
};

// --- cohorts -------------------------------------------------------------------

TEST_F(Onboarding, CreatesCohortWithoutRegistrations) {
  const auto c = create_cohort("c-1", settings(), admin_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, "c-1");
  EXPECT_EQ(c->settings, settings());
  EXPECT_EQ(c->registered, 0u);
  EXPECT_FALSE(c->closed_early);
}

TEST_F(Onboarding, OnlyAdministratorsManageCohorts) {
  EXPECT_EQ(code_of(create_cohort("c-1", settings(), casework_)), error::not_permitted);
  EXPECT_EQ(code_of(edit_cohort(make_cohort(), settings(), signatory_)), error::not_permitted);
  EXPECT_EQ(code_of(close_cohort_early(make_cohort(), casework_, t0_)), error::not_permitted);
}

TEST_F(Onboarding, CohortWindowCannotCloseBeforeItOpens) {
  auto s = settings();
  s.closes_at = s.opens_at - 1s;
  EXPECT_EQ(code_of(create_cohort("c", s, admin_)), error::cohort_window_invalid);
  s.closes_at = s.opens_at;
  EXPECT_EQ(code_of(create_cohort("c", s, admin_)), error::cohort_window_invalid);
  s.closes_at = s.opens_at + 1s;
  EXPECT_TRUE(create_cohort("c", s, admin_));
  EXPECT_EQ(condition_of(make_error_code(error::cohort_window_invalid)), condition::unprocessable);
}

TEST_F(Onboarding, CohortCapacityBounds) {
  auto s = settings();
  s.capacity = 0;
  EXPECT_EQ(code_of(create_cohort("c", s, admin_)), error::cohort_capacity_invalid);
  s.capacity = max_cohort_capacity + 1;
  EXPECT_EQ(code_of(create_cohort("c", s, admin_)), error::cohort_capacity_invalid);
  s.capacity = max_cohort_capacity;
  EXPECT_TRUE(create_cohort("c", s, admin_));
}

TEST_F(Onboarding, CohortNameAndConnectionDateAreChecked) {
  auto s = settings();
  s.name = "";
  EXPECT_EQ(code_of(create_cohort("c", s, admin_)), error::cohort_name_invalid);
  s.name = std::string(max_cohort_name_chars + 1, 'x');
  EXPECT_EQ(code_of(create_cohort("c", s, admin_)), error::cohort_name_invalid);
  s.name = "met\nregeleinde";
  EXPECT_EQ(code_of(create_cohort("c", s, admin_)), error::cohort_name_invalid);
  s = settings();
  s.connection_at = s.opens_at - 1s;
  EXPECT_EQ(code_of(create_cohort("c", s, admin_)), error::cohort_connection_date_invalid);
}

TEST_F(Onboarding, EditKeepsRegistrationsAndRefusesCapacityBelowThem) {
  cohort c = make_cohort();
  c.registered = 2;
  auto s = settings();
  s.name = "Pilot (verlengd)";
  s.closes_at += 24h;
  const auto edited = edit_cohort(c, s, admin_);
  ASSERT_TRUE(edited);
  EXPECT_EQ(edited->registered, 2u);
  EXPECT_EQ(edited->settings.name, "Pilot (verlengd)");
  s.capacity = 1;
  EXPECT_EQ(code_of(edit_cohort(c, s, admin_)), error::cohort_capacity_invalid);
  s.closes_at = s.opens_at;
  EXPECT_EQ(code_of(edit_cohort(c, s, admin_)), error::cohort_window_invalid);
}

TEST_F(Onboarding, CloseEarlyOnceAndOnlyWhileOpen) {
  const auto closed = close_cohort_early(make_cohort(), admin_, t0_ + 1h);
  ASSERT_TRUE(closed);
  EXPECT_TRUE(closed->closed_early);
  EXPECT_FALSE(registration_open(*closed, t0_ + 1h));
  EXPECT_EQ(code_of(close_cohort_early(*closed, admin_, t0_ + 2h)), error::cohort_closed);
  EXPECT_EQ(code_of(close_cohort_early(make_cohort(), admin_, t0_ + 14 * 24h)), error::cohort_closed);
}

TEST_F(Onboarding, RegistrationWindowIncludesOpeningAndExcludesClosingSecond) {
  const cohort c = make_cohort();
  EXPECT_FALSE(registration_open(c, t0_ - 1s));
  EXPECT_TRUE(registration_open(c, t0_));
  EXPECT_TRUE(registration_open(c, t0_ + 14 * 24h - 1s));
  EXPECT_FALSE(registration_open(c, t0_ + 14 * 24h));
}

// --- registration ----------------------------------------------------------------

TEST_F(Onboarding, RegistersInsideTheWindow) {
  clock_.advance(3h);
  const auto r = register_municipality({}, amsterdam_, make_cohort(), casework_, clock_.now());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->onboarding.status, status::registered);
  EXPECT_EQ(r->onboarding.cohort_id, "c-1");
  EXPECT_EQ(r->onboarding.registered_at, clock_.now());
  EXPECT_EQ(r->cohort.registered, 1u);
}

TEST_F(Onboarding, RegistrationWindowEdgesToTheSecond) {
  const cohort c = make_cohort();
  const auto at = [&](sys_time t) { return code_of(register_municipality({}, amsterdam_, c, casework_, t)); };
  EXPECT_EQ(at(t0_ - 1s), error::registration_not_open);
  EXPECT_EQ(at(t0_), error::ok);
  EXPECT_EQ(at(t0_ + 14 * 24h - 1s), error::ok);
  EXPECT_EQ(at(t0_ + 14 * 24h), error::registration_closed);
  EXPECT_EQ(at(t0_ + 15 * 24h), error::registration_closed);
}

TEST_F(Onboarding, FullCohortRefusesAtCapacity) {
  cohort c = make_cohort();  // capacity 2
  auto first = register_municipality({}, amsterdam_, c, casework_, t0_);
  ASSERT_TRUE(first);
  auto second = register_municipality({}, rotterdam_, first->cohort, rotterdam_casework_, t0_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->cohort.registered, 2u);
  const municipality utrecht{"GM0344", "Utrecht", "00000001001772924000", "30280353", "001772924"};
  const actor utrecht_casework{role::casework, {.kvk = "30280353"}, "cw-utr"};
  const auto third = register_municipality({}, utrecht, second->cohort, utrecht_casework, t0_);
  EXPECT_EQ(code_of(third), error::cohort_full);
  EXPECT_EQ(reason_code(error::cohort_full), "COHORT_FULL");
  EXPECT_NE(dutch_message(error::cohort_full).find("vol"), std::string_view::npos);
}

TEST_F(Onboarding, RegistrationClosedEarlyIsRefused) {
  const cohort c = close_cohort_early(make_cohort(), admin_, t0_).value();
  EXPECT_EQ(code_of(register_municipality({}, amsterdam_, c, casework_, t0_ + 1s)),
            error::registration_closed);
  EXPECT_NE(dutch_message(error::registration_closed).find("gesloten"), std::string_view::npos);
}

TEST_F(Onboarding, RegistersOncePerMunicipality) {
  for (const onboarding& s : {registered(), accepted(), drafted(), signed_state(), approved(), connected()}) {
    EXPECT_EQ(code_of(register_municipality(s, amsterdam_, make_cohort(), casework_, t0_)),
              error::already_registered)
        << to_string(s.status);
  }
  EXPECT_NE(dutch_message(error::already_registered).find("al aangemeld"), std::string_view::npos);
}

TEST_F(Onboarding, OnlyOwnCaseworkersRegister) {
  const cohort c = make_cohort();
  EXPECT_EQ(code_of(register_municipality({}, amsterdam_, c, signatory_, t0_)), error::not_permitted);
  EXPECT_EQ(code_of(register_municipality({}, amsterdam_, c, admin_, t0_)), error::not_permitted);
  EXPECT_EQ(code_of(register_municipality({}, amsterdam_, c, rotterdam_casework_, t0_)),
            error::other_organisation);
  const actor anonymous{role::casework, {}, "x"};  // no KvK, no RSIN: never matches
  EXPECT_EQ(code_of(register_municipality({}, municipality{}, c, anonymous, t0_)), error::other_organisation);
}

// --- conditions ------------------------------------------------------------------

TEST_F(Onboarding, AcceptsTheConditionsVersionShown) {
  clock_.advance(5min);
  const auto s =
      accept_conditions(registered(), amsterdam_, conditions_, conditions_.sha256, casework_, clock_.now());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, status::conditions_accepted);
  EXPECT_EQ(s->conditions->document, conditions_);
  EXPECT_EQ(s->conditions->accepted_at, clock_.now());
  EXPECT_EQ(s->conditions->accepted_by, "cw-pseudonym");
  EXPECT_EQ(conditions_.sha256, sha256_hex("Aansluitvoorwaarden versie 2026-1\n"));
}

TEST_F(Onboarding, RefusesConditionsNotCurrent) {
  const auto other = make_conditions_document("2025-9", "oud");
  EXPECT_EQ(code_of(accept_conditions(registered(), amsterdam_, conditions_, other.sha256, casework_, t0_)),
            error::conditions_outdated);
  EXPECT_EQ(code_of(accept_conditions({}, amsterdam_, conditions_, conditions_.sha256, casework_, t0_)),
            error::invalid_transition);
  EXPECT_EQ(
      code_of(accept_conditions(registered(), amsterdam_, conditions_, conditions_.sha256, signatory_, t0_)),
      error::not_permitted);
}

TEST_F(Onboarding, NewConditionsAfterSigningVoidTheSignature) {
  const onboarding s = signed_state();
  EXPECT_EQ(accept_conditions(s, amsterdam_, conditions_, conditions_.sha256, casework_, t0_).value(),
            s);  // the same version again changes nothing
  const auto v2 = make_conditions_document("2026-2", "Aansluitvoorwaarden versie 2026-2\n");
  const auto after = accept_conditions(s, amsterdam_, v2, v2.sha256, casework_, t0_);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, status::application_draft);
  EXPECT_FALSE(after->signature);
  EXPECT_EQ(after->conditions->document, v2);
  EXPECT_EQ(code_of(accept_conditions(approved(), amsterdam_, v2, v2.sha256, casework_, t0_)),
            error::application_locked);
}

// --- application and signature ---------------------------------------------------

TEST_F(Onboarding, SavesApplicationAsDraftAfterConditions) {
  EXPECT_EQ(code_of(save_application(registered(), amsterdam_, make_application(), casework_, t0_)),
            error::invalid_transition);
  const auto s = save_application(accepted(), amsterdam_, make_application(), casework_, t0_);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, status::application_draft);
  EXPECT_EQ(s->application, make_application());
}

TEST_F(Onboarding, ApplicationCertificateMustCarryTheMunicipalityOin) {
  application a = make_application();
  a.certificate_oin = rotterdam_.oin;
  EXPECT_EQ(code_of(save_application(accepted(), amsterdam_, a, casework_, t0_)),
            error::application_oin_mismatch);
  a.certificate_oin = "1234";
  EXPECT_EQ(code_of(save_application(accepted(), amsterdam_, a, casework_, t0_)), error::oin_invalid);
}

TEST_F(Onboarding, ApplicationIsValidatedFieldByField) {
  application a = make_application();
  a.coordinator.email = "geen-adres";
  a.coordinator.phone = "12";
  a.certificate_sha256 = "xyz";
  a.push_endpoint = "http://insecure.example.nl/";
  const validation_errors errors = validate_application(a, amsterdam_);
  EXPECT_EQ(errors, (validation_errors{{"/nazorgcoordinator/email", error::email_invalid},
                                       {"/nazorgcoordinator/telefoon", error::phone_invalid},
                                       {"/systeemcertificaat/sha256", error::fingerprint_invalid},
                                       {"/pushEndpoint", error::url_invalid}}));
  EXPECT_EQ(code_of(save_application(accepted(), amsterdam_, a, casework_, t0_)), error::email_invalid);
}

TEST_F(Onboarding, SignatoryOfTheSameOrganisationSigns) {
  const onboarding d = drafted();
  clock_.advance(2h);
  const auto s = sign_application(d, amsterdam_, make_cohort(), shown(d), signatory_, clock_.now());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, status::application_signed);
  EXPECT_EQ(to_string(s->status), "SIGNED");
  const signature& sig = *s->signature;
  EXPECT_EQ(sig.signatory_pseudonym, "sig-pseudonym");
  EXPECT_EQ(sig.signed_at, clock_.now());
  EXPECT_EQ(sig.assertion_id, "_assertion-4f2a");
  EXPECT_EQ(sig.conditions, conditions_);
  EXPECT_EQ(sig.application_sha256, sha256_hex(canonical_application_text(make_application(), conditions_,
                                                                          amsterdam_, make_cohort())));
  EXPECT_EQ(sig.text, canonical_application_text(make_application(), conditions_, amsterdam_, make_cohort()));
}

TEST_F(Onboarding, CaseworkUserCannotSign) {
  const onboarding d = drafted();
  EXPECT_EQ(code_of(sign_application(d, amsterdam_, make_cohort(), shown(d), casework_, t0_)),
            error::not_permitted);
  EXPECT_EQ(code_of(sign_application(d, amsterdam_, make_cohort(), shown(d), admin_, t0_)),
            error::not_permitted);
}

TEST_F(Onboarding, SignatoryOfAnotherMunicipalityCannotSign) {
  const onboarding d = drafted();
  EXPECT_EQ(code_of(sign_application(d, amsterdam_, make_cohort(), shown(d), rotterdam_signatory_, t0_)),
            error::other_organisation);
  EXPECT_EQ(condition_of(make_error_code(error::other_organisation)), condition::forbidden);
}

TEST_F(Onboarding, SignatureNeedsTheTextShownAndAnAssertion) {
  const onboarding d = drafted();
  signing stale = shown(d);
  stale.shown_sha256 = application_sha256(make_application(), make_conditions_document("x", "y"));
  EXPECT_EQ(code_of(sign_application(d, amsterdam_, make_cohort(), stale, signatory_, t0_)),
            error::application_changed);
  for (const std::string& id : {std::string{}, std::string(257, 'a'), std::string{"id with space"}}) {
    signing bad = shown(d);
    bad.assertion_id = id;
    EXPECT_EQ(code_of(sign_application(d, amsterdam_, make_cohort(), bad, signatory_, t0_)),
              error::assertion_id_invalid);
  }
  EXPECT_EQ(code_of(sign_application(accepted(), amsterdam_, make_cohort(), shown(d), signatory_, t0_)),
            error::invalid_transition);
  const onboarding s = signed_state();
  EXPECT_EQ(code_of(sign_application(s, amsterdam_, make_cohort(), shown(s), signatory_, t0_)),
            error::invalid_transition);
}

TEST_F(Onboarding, ChangingSignedApplicationVoidsSignatureAndAllowsResigning) {
  const onboarding s = signed_state();
  const std::string old_hash = s.signature->application_sha256;
  // Saving the very same application changes nothing.
  EXPECT_EQ(save_application(s, amsterdam_, make_application(), casework_, t0_).value(), s);

  application changed = make_application();
  changed.wants_information_sheets = false;
  const auto draft = save_application(s, amsterdam_, changed, casework_, t0_);
  ASSERT_TRUE(draft);
  EXPECT_EQ(draft->status, status::application_draft);
  EXPECT_FALSE(draft->signature);

  signing old{"_assertion-2", old_hash};
  EXPECT_EQ(code_of(sign_application(*draft, amsterdam_, make_cohort(), old, signatory_, t0_)),
            error::application_changed);
  const auto resigned =
      sign_application(*draft, amsterdam_, make_cohort(), shown(*draft), signatory_, t0_ + 3h);
  ASSERT_TRUE(resigned);
  EXPECT_EQ(resigned->status, status::application_signed);
  EXPECT_NE(resigned->signature->application_sha256, old_hash);
}

TEST_F(Onboarding, CanonicalTextIsFixedAndUnambiguous) {
  const application a = make_application();
  const std::string text = canonical_application_text(a, conditions_);
  EXPECT_EQ(text,
            "poort-aanvraag: 1\n"
            "aansluitvoorwaarden.versie: 2026-1\n"
            "aansluitvoorwaarden.sha256: " +
                conditions_.sha256 +
                "\n"
                "nazorgcoordinator.naam: A. Bakker\n"
                "nazorgcoordinator.email: nazorg@amsterdam.example.nl\n"
                "nazorgcoordinator.telefoon: 020-555 1234\n"
                "ontvangtDetentiemeldingen: ja\n"
                "ontvangtInformatiebladen: ja\n"
                "systeemcertificaat.oin: 00000001002564440000\n"
                "systeemcertificaat.sha256: " +
                std::string(64, 'a') +
                "\n"
                "pushEndpoint: https://nazorg.amsterdam.example.nl/api\n");
  EXPECT_EQ(canonical_application_text(a, conditions_), text);

  application b = a;
  b.push_endpoint.reset();
  EXPECT_EQ(canonical_application_text(b, conditions_).find("pushEndpoint"), std::string::npos);
  b = a;
  b.coordinator.name = "A.\nontvangtInformatiebladen: nee\\";
  EXPECT_NE(canonical_application_text(b, conditions_)
                .find("nazorgcoordinator.naam: A.\\nontvangtInformatiebladen: nee\\\\\n"),
            std::string::npos);
  EXPECT_NE(application_sha256(a, conditions_),
            application_sha256(a, make_conditions_document("2026-2", "anders")));
}

TEST_F(Onboarding, SignedTextNamesTheMunicipalityAndTheCohort) {
  const application a = make_application();
  const cohort k = make_cohort();
  const std::string text = canonical_application_text(a, conditions_, amsterdam_, k);
  // Version 2: the municipality and the cohort, then exactly the lines of version 1.
  const std::string v1 = canonical_application_text(a, conditions_);
  const std::string head =
      "poort-aanvraag: 2\n"
      "gemeente.naam: " +
      amsterdam_.name +
      "\n"
      "gemeente.gemeentecode: " +
      amsterdam_.gemeentecode +
      "\n"
      "gemeente.oin: " +
      amsterdam_.oin +
      "\n"
      "cohort.id: c-1\n"
      "cohort.naam: " +
      k.settings.name + "\n";
  EXPECT_EQ(text, head + v1.substr(v1.find('\n') + 1));
  EXPECT_EQ(application_sha256(a, conditions_, amsterdam_, k), sha256_hex(text));

  // Another municipality or cohort is another text, with another hash.
  municipality other = amsterdam_;
  other.name = "Amsterdam-Noord";
  EXPECT_NE(application_sha256(a, conditions_, other, k), application_sha256(a, conditions_, amsterdam_, k));
  cohort renamed = k;
  renamed.settings.name = "Najaar";
  EXPECT_NE(application_sha256(a, conditions_, amsterdam_, renamed),
            application_sha256(a, conditions_, amsterdam_, k));

  // A signature covers the text of the cohort the municipality is in, and no other.
  const onboarding d = drafted();
  cohort elsewhere = k;
  elsewhere.id = "c-2";
  EXPECT_EQ(code_of(sign_application(d, amsterdam_, elsewhere, shown(d), signatory_, t0_)),
            error::invalid_transition);
  // The hash of the version 1 text no longer signs.
  EXPECT_EQ(code_of(sign_application(d, amsterdam_, k, {"_a", application_sha256(a, conditions_)}, signatory_,
                                     t0_)),
            error::application_changed);
}

// --- review ---------------------------------------------------------------------------

TEST_F(Onboarding, AdministratorApprovesSignedApplication) {
  const auto s = approve_application(signed_state(), admin_, t0_ + 2h);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, status::approved);
  EXPECT_EQ(s->review->decision, review_decision::approved);
  EXPECT_EQ(s->review->decided_by, "admin-1");
  EXPECT_EQ(s->review->decided_at, t0_ + 2h);
  EXPECT_EQ(code_of(approve_application(signed_state(), signatory_, t0_)), error::not_permitted);
  EXPECT_EQ(code_of(approve_application(drafted(), admin_, t0_)), error::invalid_transition);
  EXPECT_EQ(code_of(save_application(*s, amsterdam_, make_application(), casework_, t0_)),
            error::application_locked);
}

TEST_F(Onboarding, RejectionNeedsABoundedReason) {
  const onboarding s = signed_state();
  EXPECT_EQ(code_of(reject_application(s, "", admin_, t0_)), error::reason_required);
  EXPECT_EQ(code_of(reject_application(s, " \n\t ", admin_, t0_)), error::reason_required);
  EXPECT_EQ(code_of(reject_application(s, std::string(max_reason_chars + 1, 'x'), admin_, t0_)),
            error::reason_too_long);
  EXPECT_TRUE(reject_application(s, std::string(max_reason_chars, 'x'), admin_, t0_));
  EXPECT_EQ(code_of(reject_application(s, "bel\x07", admin_, t0_)), error::value_invalid_characters);
  EXPECT_EQ(code_of(reject_application(s, "reden", casework_, t0_)), error::not_permitted);
  EXPECT_EQ(code_of(reject_application(drafted(), "reden", admin_, t0_)), error::invalid_transition);

  const auto r = reject_application(s, "  Verkeerde contactpersoon.\n", admin_, t0_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, status::rejected);
  EXPECT_EQ(r->review->decision, review_decision::rejected);
  EXPECT_EQ(r->review->reason, "Verkeerde contactpersoon.");
}

TEST_F(Onboarding, RejectedMunicipalityAmendsAndResigns) {
  const onboarding rejected = reject_application(signed_state(), "Contact ontbreekt", admin_, t0_).value();
  application amended = make_application();
  amended.coordinator.name = "B. de Boer";
  const onboarding draft = save_application(rejected, amsterdam_, amended, casework_, t0_).value();
  EXPECT_EQ(draft.status, status::application_draft);
  EXPECT_FALSE(draft.signature);
  const onboarding resigned =
      sign_application(draft, amsterdam_, make_cohort(), shown(draft), signatory_, t0_).value();
  EXPECT_EQ(resigned.status, status::application_signed);
  EXPECT_TRUE(approve_application(resigned, admin_, t0_));

  // Re-signing without changes is allowed too.
  const auto again =
      sign_application(rejected, amsterdam_, make_cohort(), shown(rejected), signatory_, t0_ + 1h);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, status::application_signed);
  EXPECT_EQ(again->signature->signed_at, t0_ + 1h);
}

// --- connection --------------------------------------------------------------------

TEST_F(Onboarding, DueForConnectionFromTheCohortDate) {
  const cohort c = make_cohort();
  const sys_time date = c.settings.connection_at;
  EXPECT_FALSE(due_for_connection(approved(), c, date - 1s));
  EXPECT_TRUE(due_for_connection(approved(), c, date));
  EXPECT_FALSE(due_for_connection(signed_state(), c, date));
  EXPECT_FALSE(due_for_connection(connected(), c, date));
  cohort other = c;
  other.id = "c-2";
  EXPECT_FALSE(due_for_connection(approved(), other, date));
}

TEST_F(Onboarding, ConnectsOnScheduleOnlyWhenDue) {
  const cohort c = make_cohort();
  const sys_time date = c.settings.connection_at;
  EXPECT_EQ(code_of(connect_on_schedule(approved(), c, date - 1s)), error::connection_date_not_reached);
  const auto s = connect_on_schedule(approved(), c, date);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, status::connected);
  EXPECT_EQ(s->connected_at, date);
  EXPECT_EQ(code_of(connect_on_schedule(signed_state(), c, date)), error::invalid_transition);
}

TEST_F(Onboarding, AdministratorConnectsAtOnce) {
  const auto s = connect_now(approved(), admin_, t0_ + 1h);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, status::connected);
  EXPECT_EQ(s->connected_at, t0_ + 1h);
  EXPECT_EQ(code_of(connect_now(approved(), casework_, t0_)), error::not_permitted);
  EXPECT_EQ(code_of(connect_now(signed_state(), admin_, t0_)), error::invalid_transition);
  EXPECT_EQ(code_of(connect_now(*s, admin_, t0_)), error::invalid_transition);
}

TEST_F(Onboarding, SuspendDisconnectAndReconnect) {
  const onboarding c = connected();
  EXPECT_EQ(code_of(suspend(c, "", admin_, t0_)), error::reason_required);
  EXPECT_EQ(code_of(suspend(c, "Storing", casework_, t0_)), error::not_permitted);
  EXPECT_EQ(code_of(suspend(approved(), "Storing", admin_, t0_)), error::invalid_transition);

  const onboarding suspended = suspend(c, "Certificaat verlopen", admin_, t0_).value();
  EXPECT_EQ(suspended.status, status::suspended);
  EXPECT_EQ(suspended.status_reason, "Certificaat verlopen");
  EXPECT_EQ(code_of(suspend(suspended, "nogmaals", admin_, t0_)), error::invalid_transition);

  const onboarding back = reconnect(suspended, admin_, t0_ + 24h).value();
  EXPECT_EQ(back.status, status::connected);
  EXPECT_EQ(back.status_reason, "");
  EXPECT_EQ(back.connected_at, t0_ + 24h);
  EXPECT_EQ(code_of(reconnect(back, admin_, t0_)), error::invalid_transition);

  const onboarding gone =
      disconnect(suspend(back, "x", admin_, t0_).value(), "Opgezegd", admin_, t0_).value();
  EXPECT_EQ(gone.status, status::disconnected);
  EXPECT_EQ(disconnect(back, "Opgezegd", admin_, t0_).value().status, status::disconnected);
  EXPECT_EQ(code_of(disconnect(gone, "Opgezegd", admin_, t0_)), error::invalid_transition);
  EXPECT_EQ(code_of(disconnect(back, std::string(max_reason_chars + 1, 'x'), admin_, t0_)),
            error::reason_too_long);
  EXPECT_EQ(code_of(reconnect(gone, signatory_, t0_)), error::not_permitted);
  EXPECT_EQ(reconnect(gone, admin_, t0_).value().status, status::connected);
}

TEST_F(Onboarding, StatusNamesRoundTrip) {
  for (int v = 0; v <= static_cast<int>(status::disconnected); ++v) {
    const auto s = static_cast<status>(v);
    EXPECT_EQ(parse_municipality_status(to_string(s)), s);
  }
  EXPECT_EQ(to_string(status::not_registered), "NOT_REGISTERED");
  EXPECT_EQ(to_string(status::conditions_accepted), "CONDITIONS_ACCEPTED");
  EXPECT_FALSE(parse_municipality_status("connected"));
  EXPECT_EQ(parse_role("MUNICIPAL_SYSTEM"), role::municipal_system);
  EXPECT_EQ(parse_cohort_kind("PILOT"), cohort_kind::pilot);
  EXPECT_FALSE(parse_cohort_kind("pilot"));
}

// --- application JSON ------------------------------------------------------------------

TEST_F(Onboarding, ParsesApplicationFile) {
  const auto body = read_file(POORT_SOURCE_DIR "/tests/data/domain/aanvraag.json").value();
  const auto a = parse_application(body, amsterdam_);
  ASSERT_TRUE(a) << describe(a.error());
  EXPECT_EQ(a->coordinator.name, "A. Bakker");
  EXPECT_TRUE(a->wants_detention_notifications);
  EXPECT_FALSE(a->wants_information_sheets);
  EXPECT_EQ(a->certificate_sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  EXPECT_EQ(a->push_endpoint, "https://nazorg.amsterdam.example.nl/api/v1/berichten");
  const std::string again = boost::json::serialize(to_json(*a));
  EXPECT_EQ(parse_application(again, amsterdam_).value(), *a);
}

TEST_F(Onboarding, ApplicationJsonListsEveryBadField) {
  const auto r = parse_application(
      R"({"nazorgcoordinator":{"naam":"","email":"x","telefoon":"020 5551234"},
          "ontvangtDetentiemeldingen":"ja","systeemcertificaat":{"oin":"00000001123456782000",
          "sha256":"00"},"extra":1})",
      amsterdam_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), (validation_errors{
                           {"/extra", error::unknown_field},
                           {"/nazorgcoordinator/naam", error::value_empty},
                           {"/nazorgcoordinator/email", error::email_invalid},
                           {"/ontvangtDetentiemeldingen", error::wrong_type},
                           {"/ontvangtInformatiebladen", error::field_required},
                       }));
}

TEST_F(Onboarding, ApplicationJsonChecksRulesAfterShape) {
  auto body = read_file(POORT_SOURCE_DIR "/tests/data/domain/aanvraag.json").value();
  const auto r = parse_application(body, rotterdam_);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), (validation_errors{{"/systeemcertificaat/oin", error::application_oin_mismatch}}));
  EXPECT_EQ(condition_of(r.error()), condition::unprocessable);
}

}  // namespace
}  // namespace poort::domain

namespace poort::domain {
namespace {

// Every command from every status, by an actor who may give it: the new
// status, or the refusal. One table, so that a change to the state machine
// shows up as a changed cell.
class OnboardingMatrix : public Onboarding {
 protected:
  onboarding rejected() const {
    return reject_application(signed_state(), "Onvolledig", admin_, t0_).value();
  }
  onboarding suspended() const { return suspend(connected(), "Storing", admin_, t0_).value(); }
  onboarding disconnected() const { return disconnect(connected(), "Opgezegd", admin_, t0_).value(); }
};

TEST_F(OnboardingMatrix, EveryCommandFromEveryStatus) {
  using E = error;
  using S = status;
  struct outcome {
    std::optional<S> next;
    E refusal = E::ok;
    outcome(S s) : next(s) {}     // NOLINT(google-explicit-constructor): table cells
    outcome(E e) : refusal(e) {}  // NOLINT(google-explicit-constructor)
  };
  const E inv = E::invalid_transition, locked = E::application_locked;
  application changed = make_application();
  changed.coordinator.phone = "020-555 9999";
  const std::vector<std::pair<std::string, std::function<result<onboarding>(const onboarding&)>>> commands = {
      {"accept",
       [&](const onboarding& s) {
         return accept_conditions(s, amsterdam_, conditions_, conditions_.sha256, casework_, t0_);
       }},
      {"save", [&](const onboarding& s) { return save_application(s, amsterdam_, changed, casework_, t0_); }},
      {"sign",
       [&](const onboarding& s) {
         const signing what = s.application && s.conditions ? shown(s) : signing{"_a", std::string(64, '0')};
         return sign_application(s, amsterdam_, make_cohort(), what, signatory_, t0_);
       }},
      {"approve", [&](const onboarding& s) { return approve_application(s, admin_, t0_); }},
      {"reject", [&](const onboarding& s) { return reject_application(s, "Reden", admin_, t0_); }},
      {"connect", [&](const onboarding& s) { return connect_now(s, admin_, t0_); }},
      {"suspend", [&](const onboarding& s) { return suspend(s, "Reden", admin_, t0_); }},
      {"disconnect", [&](const onboarding& s) { return disconnect(s, "Reden", admin_, t0_); }},
      {"reconnect", [&](const onboarding& s) { return reconnect(s, admin_, t0_); }},
  };
  //                         accept                    save                 sign           approve      reject
  //                         connect      suspend      disconnect       reconnect
  const std::vector<std::pair<onboarding, std::vector<outcome>>> table = {
      {{}, {inv, inv, inv, inv, inv, inv, inv, inv, inv}},
      {registered(), {S::conditions_accepted, inv, inv, inv, inv, inv, inv, inv, inv}},
      {accepted(), {S::conditions_accepted, S::application_draft, inv, inv, inv, inv, inv, inv, inv}},
      {drafted(),
       {S::application_draft, S::application_draft, S::application_signed, inv, inv, inv, inv, inv, inv}},
      {signed_state(),
       {S::application_signed, S::application_draft, inv, S::approved, S::rejected, inv, inv, inv, inv}},
      {approved(), {locked, locked, inv, inv, inv, S::connected, inv, inv, inv}},
      {rejected(), {S::rejected, S::application_draft, S::application_signed, inv, inv, inv, inv, inv, inv}},
      {connected(), {locked, locked, inv, inv, inv, inv, S::suspended, S::disconnected, inv}},
      {suspended(), {locked, locked, inv, inv, inv, inv, inv, S::disconnected, S::connected}},
      {disconnected(), {locked, locked, inv, inv, inv, inv, inv, inv, S::connected}},
  };
  for (const auto& [state, row] : table) {
    ASSERT_EQ(row.size(), commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
      const auto got = commands[i].second(state);
      const std::string where = std::string(to_string(state.status)) + " + " + commands[i].first;
      if (row[i].next) {
        ASSERT_TRUE(got) << where << ": " << reason_code(code_of(got));
        EXPECT_EQ(got->status, *row[i].next) << where;
      } else {
        EXPECT_EQ(code_of(got), row[i].refusal) << where;
      }
    }
  }
}

}  // namespace
}  // namespace poort::domain

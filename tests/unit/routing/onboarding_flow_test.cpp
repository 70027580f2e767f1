// The onboarding API in-process over a real store, with an injected clock:
// open cohort -> register -> accept conditions -> apply -> sign -> approve ->
// connect on the date; the Dutch refusals; voided signatures; the audit trail;
// e-mail notices queued in the same transaction.
#include "store/onboarding.hpp"

#include <gtest/gtest.h>

#include "common/crypto.hpp"
#include "routing/onboarding_routes.hpp"
#include "store/audit.hpp"
#include "tests/unit/routing/onboarding_test_util.hpp"

namespace poort::routing::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string application_body(std::string_view phone = "020-5551234", std::string_view pem_oin = oin_a) {
  return R"({"nazorgcoordinator":{"naam":"A. Bakker","email":"nazorg@amsterdam.example.nl","telefoon":")" +
         std::string(phone) +
         R"("},"ontvangtDetentiemeldingen":true,"ontvangtInformatiebladen":true,)"
         R"("systeemcertificaat":{"pem":"PEM:)" +
         std::string(pem_oin) + R"(b"},"pushEndpoint":"https://nazorg.amsterdam.example.nl/poort"})";
}

class OnboardingFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.clock.set(*parse_rfc3339("2026-03-01T09:00:00Z"));
    auto cfg = std::make_shared<config::config>();
    cfg->email.enabled = true;
    cfg->email.smtp_url = "smtp://127.0.0.1:1";
    cfg->email.from = "poort@justid.test";
    cfg->email.administrator_address = "aansluiten@justid.test";
    env_.config = cfg;
  }
  response as(const caller& who, http::verb method, const std::string& target, const std::string& body = "") {
    return env_.call(who, method, target, body);
  }
  std::string open_cohort(unsigned capacity = 2) {
    auto r = as(admin_, http::verb::post, "/api/v1/cohorten",
                R"({"naam":"Pilot voorjaar","soort":"PILOT","opentOp":"2026-03-01T09:00:00Z",)"
                R"("sluitOp":"2026-04-01T00:00:00Z","capaciteit":)" +
                    std::to_string(capacity) + R"(,"aansluitenOp":"2026-05-01T00:00:00Z"})");
    EXPECT_EQ(r.result_int(), 201u) << r.body();
    return std::string(body_of(r).at("id").as_string());
  }
  std::string publish(std::string_view version, std::string_view text) {
    auto r = as(admin_, http::verb::post, "/api/v1/aansluitvoorwaarden",
                R"({"versie":")" + std::string(version) + R"(","tekst":")" + std::string(text) + R"("})");
    EXPECT_EQ(r.result_int(), 201u) << r.body();
    return std::string(body_of(r).at("sha256").as_string());
  }
  json::object aansluiting(const caller& who) {
    auto r = as(who, http::verb::get, "/api/v1/gemeenten/GM0363/aansluiting");
    EXPECT_EQ(r.result_int(), 200u) << r.body();
    return body_of(r).as_object();
  }
  std::vector<store::audit_entry> audit(std::string_view action) {
    auto r = env_.db().read([&](store::reader& rd) {
      store::audit_filter f;
      f.action = std::string(action);
      return store::query_audit(rd, f);
    });
    EXPECT_TRUE(r);
    return r ? *r : std::vector<store::audit_entry>{};
  }
  std::vector<store::email_message> outbox() {
    auto r =
        env_.db().read([&](store::reader& rd) { return store::due_emails(rd, env_.clock.now() + 1h, 100); });
    EXPECT_TRUE(r);
    return r ? *r : std::vector<store::email_message>{};
  }
  std::string problem_code(const response& r) { return std::string(body_of(r).at("code").as_string()); }
  std::string problem_detail(const response& r) { return std::string(body_of(r).at("detail").as_string()); }

  onboarding_app env_;
  caller admin_{"admin", listener_kind::portal, make_user(auth::role::administrator, "", "admin-1"),
                std::nullopt};
  caller cw_a_{"cw A", listener_kind::portal, make_user(auth::role::casework, code_a, "cw-a"), std::nullopt};
  caller sig_a_{"sig A", listener_kind::portal, make_user(auth::role::signatory, code_a, "sig-a"),
                std::nullopt};
  caller cw_b_{"cw B", listener_kind::portal, make_user(auth::role::casework, code_b, "cw-b"), std::nullopt};
  caller sig_b_{"sig B", listener_kind::portal, make_user(auth::role::signatory, code_b, "sig-b"),
                std::nullopt};
};

// Verifies the whole path and that only CONNECTED shows in the registry for deliveries.
TEST_F(OnboardingFlow, FromCohortToConnectionOnTheDate) {
  const std::string cohort = open_cohort();
  const std::string conditions_sha = publish("2026-1", "Aansluitvoorwaarden versie 2026-1");
  EXPECT_EQ(conditions_sha, sha256_hex("Aansluitvoorwaarden versie 2026-1"));

  auto reg = as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding",
                R"({"cohortId":")" + cohort + R"("})");
  ASSERT_EQ(reg.result_int(), 201u) << reg.body();
  EXPECT_EQ(body_of(reg).at("status").as_string(), "REGISTERED");
  EXPECT_EQ(body_of(reg).at("actueleVoorwaarden").at("sha256").as_string(), conditions_sha);

  auto acc = as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/voorwaardenacceptatie",
                R"({"versie":"2026-1","sha256":")" + conditions_sha + R"("})");
  ASSERT_EQ(acc.result_int(), 200u) << acc.body();
  EXPECT_EQ(body_of(acc).at("status").as_string(), "CONDITIONS_ACCEPTED");

  auto app = as(cw_a_, http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag", application_body());
  ASSERT_EQ(app.result_int(), 200u) << app.body();
  auto view = body_of(app).as_object();
  EXPECT_EQ(view.at("status").as_string(), "APPLICATION_DRAFT");
  EXPECT_EQ(view.at("aanvraag").at("systeemcertificaat").at("oin").as_string(), oin_a);
  const std::string text(view.at("aanvraagTekst").as_string());
  const std::string hash(view.at("aanvraagSha256").as_string());
  EXPECT_EQ(hash, sha256_hex(text));
  EXPECT_NE(text.find("aansluitvoorwaarden.versie: 2026-1\n"), std::string::npos);
  // The text names the municipality and its cohort, as the signing page does.
  EXPECT_TRUE(text.starts_with("poort-aanvraag: 2\ngemeente.naam: "));
  EXPECT_NE(text.find("gemeente.gemeentecode: GM0363\n"), std::string::npos);
  EXPECT_NE(text.find("gemeente.oin: " + std::string(oin_a) + "\n"), std::string::npos);
  EXPECT_NE(text.find("cohort.id: " + cohort + "\n"), std::string::npos);
  EXPECT_NE(text.find("cohort.naam: Pilot voorjaar\n"), std::string::npos);
  EXPECT_EQ(view.at("cohortNaam").as_string(), "Pilot voorjaar");

  // A casework user cannot sign; a signatory of another municipality cannot either.
  auto by_casework = as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
                        R"({"aanvraagSha256":")" + hash + R"("})");
  EXPECT_EQ(by_casework.result_int(), 403u);
  auto by_other = as(sig_b_, http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
                     R"({"aanvraagSha256":")" + hash + R"("})");
  EXPECT_EQ(by_other.result_int(), 403u);
  EXPECT_EQ(problem_code(by_other), "other_organisation");

  env_.clock.advance(1h);
  auto sig = as(sig_a_, http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
                R"({"aanvraagSha256":")" + hash + R"("})");
  ASSERT_EQ(sig.result_int(), 200u) << sig.body();
  auto signature = body_of(sig).at("ondertekening").as_object();
  EXPECT_EQ(signature.at("ondertekenaar").as_string(), "sig-a");
  EXPECT_EQ(signature.at("assertionId").as_string(), "_assertion-sig-a");
  EXPECT_EQ(signature.at("aanvraagSha256").as_string(), hash);
  EXPECT_EQ(signature.at("voorwaardenVersie").as_string(), "2026-1");
  EXPECT_EQ(signature.at("ondertekendOp").as_string(), "2026-03-01T10:00:00Z");
  // Once signed, the view gives the text the signature covers, also after the
  // cohort was renamed.
  auto renamed =
      as(admin_, http::verb::put, "/api/v1/cohorten/" + cohort,
         R"({"naam":"Pilot voorjaar 2026","soort":"PILOT","opentOp":"2026-03-01T09:00:00Z",)"
         R"("sluitOp":"2026-04-01T00:00:00Z","capaciteit":2,"aansluitenOp":"2026-05-01T00:00:00Z"})");
  ASSERT_EQ(renamed.result_int(), 200u) << renamed.body();
  auto signed_view = aansluiting(sig_a_);
  EXPECT_EQ(signed_view.at("aanvraagTekst").as_string(), text);
  EXPECT_EQ(signed_view.at("aanvraagSha256").as_string(), hash);
  EXPECT_EQ(signed_view.at("cohortNaam").as_string(), "Pilot voorjaar 2026");

  auto approved =
      as(admin_, http::verb::post, "/api/v1/gemeenten/GM0363/beoordeling", R"({"besluit":"GOEDKEUREN"})");
  ASSERT_EQ(approved.result_int(), 200u) << approved.body();
  EXPECT_EQ(body_of(approved).at("status").as_string(), "APPROVED");

  // Not yet due: the scheduler connects nobody; on the date it connects A.
  env_.clock.set(*parse_rfc3339("2026-04-30T23:59:59Z"));
  auto early = store::connect_due(env_.db(), env_.clock.now());
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->empty());
  env_.clock.set(*parse_rfc3339("2026-05-01T00:00:00Z"));
  auto due = store::connect_due(env_.db(), env_.clock.now());
  ASSERT_TRUE(due);
  EXPECT_EQ(*due, std::vector<std::string>{"GM0363"});
  auto connected = aansluiting(sig_a_);
  EXPECT_EQ(connected.at("status").as_string(), "CONNECTED");
  EXPECT_EQ(connected.at("aangeslotenOp").as_string(), "2026-05-01T00:00:00Z");

  // The registry mirrors the status and the preferences of the application,
  // and the system certificate is now a known party.
  auto system = env_.db().read([](store::reader& r) {
    return store::find_connected_system(r, oin_a, std::string(64, 'b'), "2026-05-01");
  });
  ASSERT_TRUE(system && *system);
  EXPECT_TRUE((*system)->wil_detentiemeldingen);
  EXPECT_EQ((*system)->push_endpoint, "https://nazorg.amsterdam.example.nl/poort");
  auto wrong_cert = env_.db().read([](store::reader& r) {
    return store::find_connected_system(r, oin_a, std::string(64, 'c'), "2026-05-01");
  });
  ASSERT_TRUE(wrong_cert);
  EXPECT_FALSE(*wrong_cert);

  // Every transition is audited with its actor.
  ASSERT_EQ(audit("onboarding.register").size(), 1u);
  EXPECT_EQ(audit("onboarding.register")[0].record.actor, "user:eherkenning:cw-a");
  ASSERT_EQ(audit("onboarding.application.sign").size(), 1u);
  EXPECT_EQ(audit("onboarding.application.sign")[0].record.result, "success");
  // The signatory of B was stopped before the rules: audited as an access refusal.
  auto denied = audit("onboarding.access");
  ASSERT_EQ(denied.size(), 1u);
  EXPECT_EQ(denied[0].record.result, "denied:OTHER_ORGANISATION");
  EXPECT_EQ(denied[0].record.actor, "user:eherkenning:sig-b");
  EXPECT_EQ(audit("onboarding.application.sign")[0].record.object, "gemeente:GM0363");
  EXPECT_EQ(audit("onboarding.review.approve")[0].record.actor, "user:justid:admin-1");
  EXPECT_EQ(audit("onboarding.connect.scheduled")[0].record.actor, "poortd");

  // Suspend, disconnect, reconnect (administrators only, with reasons).
  auto suspend =
      as(admin_, http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging", R"({"actie":"OPSCHORTEN"})");
  EXPECT_EQ(suspend.result_int(), 422u);
  EXPECT_EQ(problem_detail(suspend), "Er is geen reden opgegeven. Geef een reden op.");
  suspend = as(admin_, http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging",
               R"({"actie":"OPSCHORTEN","reden":"Certificaat verlopen"})");
  ASSERT_EQ(suspend.result_int(), 200u);
  EXPECT_EQ(body_of(suspend).at("statusReden").as_string(), "Certificaat verlopen");
  auto gone = env_.db().read([](store::reader& r) {
    return store::find_connected_system(r, oin_a, std::string(64, 'b'), "2026-05-01");
  });
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  EXPECT_EQ(as(admin_, http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging",
               R"({"actie":"AFSLUITEN","reden":"Einde"})")
                .result_int(),
            200u);
  auto back = as(admin_, http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging",
                 R"({"actie":"HERAANSLUITEN"})");
  ASSERT_EQ(back.result_int(), 200u);
  EXPECT_EQ(body_of(back).at("status").as_string(), "CONNECTED");

  // Notices: registration received, needs signing, approved, and connected
  // on reconnection (connect_due above was called without a notice queue;
  // the daemon's scheduler passes one).
  std::vector<std::string> kinds;
  for (const auto& m : outbox()) kinds.push_back(m.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"registration_received", "application_needs_signing", "approved",
                                             "connected"}));
  auto audit_ok = store::verify_audit_chain(env_.db().file());
  ASSERT_TRUE(audit_ok);
  EXPECT_TRUE(audit_ok->ok);
}

// Verifies the refusals of registration, each with its reason in Dutch.
TEST_F(OnboardingFlow, RegistrationRefusalsSayWhyInDutch) {
  const std::string cohort = open_cohort(1);
  // Window not open yet.
  env_.clock.set(*parse_rfc3339("2026-03-01T08:59:59Z"));
  auto early = as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding",
                  R"({"cohortId":")" + cohort + R"("})");
  EXPECT_EQ(early.result_int(), 409u);
  EXPECT_EQ(
      problem_detail(early),
      "De aanmeldperiode van dit cohort is nog niet begonnen. Meld uw gemeente aan zodra de periode open "
      "is.");

  env_.clock.set(*parse_rfc3339("2026-03-01T09:00:00Z"));
  ASSERT_EQ(as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding",
               R"({"cohortId":")" + cohort + R"("})")
                .result_int(),
            201u);
  auto again = as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding",
                  R"({"cohortId":")" + cohort + R"("})");
  EXPECT_EQ(again.result_int(), 409u);
  EXPECT_EQ(problem_code(again), "already_registered");
  EXPECT_EQ(
      problem_detail(again),
      "Uw gemeente is al aangemeld. U hoeft niets meer te doen; de startpagina toont de volgende stap.");

  auto full = as(cw_b_, http::verb::post, "/api/v1/gemeenten/GM0599/aanmelding",
                 R"({"cohortId":")" + cohort + R"("})");
  EXPECT_EQ(full.result_int(), 409u);
  EXPECT_EQ(problem_code(full), "cohort_full");
  EXPECT_EQ(problem_detail(full),
            "Dit cohort is vol; er kunnen geen gemeenten meer worden aangemeld. Meld uw gemeente aan bij een "
            "volgend cohort.");
  EXPECT_EQ(body_of(full).at("title").as_string(), "Niet mogelijk");

  const std::string second = open_cohort(5);
  env_.clock.set(*parse_rfc3339("2026-04-01T00:00:00Z"));  // closes_at is exclusive
  auto closed = as(cw_b_, http::verb::post, "/api/v1/gemeenten/GM0599/aanmelding",
                   R"({"cohortId":")" + second + R"("})");
  EXPECT_EQ(closed.result_int(), 409u);
  EXPECT_EQ(problem_detail(closed),
            "De aanmeldperiode van dit cohort is gesloten. Meld uw gemeente aan bij een volgend cohort.");

  auto unknown = as(cw_b_, http::verb::post, "/api/v1/gemeenten/GM0599/aanmelding", R"({"cohortId":"nope"})");
  EXPECT_EQ(unknown.result_int(), 404u);
  EXPECT_EQ(problem_code(unknown), "cohort_unknown");

  // Refusals are audited too.
  auto records = audit("onboarding.register");
  ASSERT_EQ(records.size(), 5u);  // newest first; the unknown cohort wrote nothing
  EXPECT_EQ(records[0].record.result, "denied:REGISTRATION_CLOSED");
  EXPECT_EQ(records[1].record.result, "denied:COHORT_FULL");
}

// Verifies cohort administration: the window rule, closing early, and that a full cohort shows no room.
TEST_F(OnboardingFlow, CohortsAreManagedByAdministrators) {
  auto bad = as(admin_, http::verb::post, "/api/v1/cohorten",
                R"({"naam":"Fout","soort":"REGULAR","opentOp":"2026-04-01T00:00:00Z",)"
                R"("sluitOp":"2026-04-01T00:00:00Z","capaciteit":3,"aansluitenOp":"2026-05-01T00:00:00Z"})");
  EXPECT_EQ(bad.result_int(), 422u);
  EXPECT_EQ(
      problem_detail(bad),
      "De aanmeldperiode sluit voor of op het moment van openen. Kies een sluitmoment na het moment van "
      "openen.");
  auto unknown_kind =
      as(admin_, http::verb::post, "/api/v1/cohorten",
         R"({"naam":"Fout","soort":"SPECIAAL","opentOp":"x","sluitOp":"2026-04-01T00:00:00Z",)"
         R"("capaciteit":3,"aansluitenOp":"2026-05-01T00:00:00Z","extra":1})");
  EXPECT_EQ(unknown_kind.result_int(), 400u);
  EXPECT_EQ(body_of(unknown_kind).at("invalidParams").as_array().size(), 1u);  // unknown member first
  auto wrong_type = as(admin_, http::verb::post, "/api/v1/cohorten", "naam=x");
  EXPECT_EQ(wrong_type.result_int(), 400u);

  const std::string id = open_cohort(3);
  auto edited =
      as(admin_, http::verb::put, "/api/v1/cohorten/" + id,
         R"({"naam":"Pilot verlengd","soort":"PILOT","opentOp":"2026-03-01T09:00:00Z",)"
         R"("sluitOp":"2026-04-15T00:00:00Z","capaciteit":4,"aansluitenOp":"2026-05-01T00:00:00Z"})");
  ASSERT_EQ(edited.result_int(), 200u) << edited.body();
  EXPECT_EQ(body_of(edited).at("capaciteit").as_int64(), 4);
  EXPECT_TRUE(body_of(edited).at("aanmeldingOpen").as_bool());
  auto closed = as(admin_, http::verb::post, "/api/v1/cohorten/" + id + "/sluiting");
  ASSERT_EQ(closed.result_int(), 200u) << closed.body();
  EXPECT_TRUE(body_of(closed).at("vroegtijdigGesloten").as_bool());
  EXPECT_FALSE(body_of(closed).at("aanmeldingOpen").as_bool());
  auto twice = as(admin_, http::verb::post, "/api/v1/cohorten/" + id + "/sluiting");
  EXPECT_EQ(twice.result_int(), 409u);
  EXPECT_EQ(problem_code(twice), "cohort_closed");
  auto reg =
      as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding", R"({"cohortId":")" + id + R"("})");
  EXPECT_EQ(problem_code(reg), "registration_closed");
  EXPECT_EQ(audit("onboarding.cohort.close").size(), 2u);
}

// Verifies that changing a signed application voids the signature, and rejection allows amending and
// re-signing.
TEST_F(OnboardingFlow, ChangesVoidTheSignatureAndRejectionAllowsResigning) {
  const std::string cohort = open_cohort();
  const std::string sha = publish("2026-1", "Voorwaarden 1");
  as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding", R"({"cohortId":")" + cohort + R"("})");
  as(cw_a_, http::verb::post, "/api/v1/gemeenten/GM0363/voorwaardenacceptatie",
     R"({"versie":"2026-1","sha256":")" + sha + R"("})");

  // The certificate checks: untrusted, malformed, another municipality's OIN.
  auto untrusted = as(
      cw_a_, http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag",
      R"({"nazorgcoordinator":{"naam":"A","email":"a@b.nl","telefoon":"0201234567"},)"
      R"("ontvangtDetentiemeldingen":true,"ontvangtInformatiebladen":true,"systeemcertificaat":{"pem":"untrusted"}})");
  EXPECT_EQ(untrusted.result_int(), 422u);
  EXPECT_EQ(problem_code(untrusted), "certificate_untrusted");
  auto other_oin = as(cw_a_, http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag",
                      application_body("020-5551234", "00000001123456782000"));
  EXPECT_EQ(other_oin.result_int(), 422u);
  EXPECT_EQ(problem_code(other_oin), "application_oin_mismatch");
  EXPECT_EQ(body_of(other_oin).at("invalidParams").at(0).at("pointer").as_string(),
            "/systeemcertificaat/oin");
  auto wrong_media = env_.call(cw_a_, http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag",
                               application_body(), "text/plain");
  EXPECT_EQ(wrong_media.result_int(), 415u);

  auto saved = as(cw_a_, http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag", application_body());
  const std::string hash(body_of(saved).at("aanvraagSha256").as_string());
  ASSERT_EQ(as(sig_a_, http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
               R"({"aanvraagSha256":")" + hash + R"("})")
                .result_int(),
            200u);
  // The same application again changes nothing; a changed one voids the signature.
  EXPECT_EQ(body_of(as(cw_a_, http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag", application_body()))
                .at("status")
                .as_string(),
            "SIGNED");
  auto changed =
      as(cw_a_, http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag", application_body("020-5559999"));
  ASSERT_EQ(changed.result_int(), 200u);
  EXPECT_EQ(body_of(changed).at("status").as_string(), "APPLICATION_DRAFT");
  EXPECT_TRUE(body_of(changed).at("ondertekening").is_null());
  // Signing what was shown before the change is refused.
  auto stale = as(sig_a_, http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
                  R"({"aanvraagSha256":")" + hash + R"("})");
  EXPECT_EQ(stale.result_int(), 409u);
  EXPECT_EQ(problem_code(stale), "application_changed");
  const std::string hash2(body_of(changed).at("aanvraagSha256").as_string());
  ASSERT_EQ(as(sig_a_, http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
               R"({"aanvraagSha256":")" + hash2 + R"("})")
                .result_int(),
            200u);
  auto rejected = as(admin_, http::verb::post, "/api/v1/gemeenten/GM0363/beoordeling",
                     R"({"besluit":"AFWIJZEN","reden":"Telefoonnummer onbereikbaar"})");
  ASSERT_EQ(rejected.result_int(), 200u);
  EXPECT_EQ(body_of(rejected).at("beoordeling").at("besluit").as_string(), "AFGEWEZEN");
  // Re-sign the same application after a rejection.
  env_.clock.advance(1h);
  auto resigned = as(sig_a_, http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
                     R"({"aanvraagSha256":")" + hash2 + R"("})");
  ASSERT_EQ(resigned.result_int(), 200u);
  EXPECT_EQ(body_of(resigned).at("status").as_string(), "SIGNED");
  // Connect at once; then the application is locked.
  ASSERT_EQ(
      as(admin_, http::verb::post, "/api/v1/gemeenten/GM0363/beoordeling", R"({"besluit":"GOEDKEUREN"})")
          .result_int(),
      200u);
  ASSERT_EQ(
      as(admin_, http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging", R"({"actie":"AANSLUITEN"})")
          .result_int(),
      200u);
  auto locked =
      as(cw_a_, http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag", application_body("020-5550000"));
  EXPECT_EQ(problem_code(locked), "application_locked");

  // The signature history keeps the voided one with the exact text it signed.
  auto history = env_.db().read([](store::reader& r) -> result<std::int64_t> {
    return r.query_int64("SELECT count(*) FROM ondertekeningen WHERE vervallen_op IS NOT NULL");
  });
  ASSERT_TRUE(history);
  EXPECT_EQ(*history, 2);  // voided by the change, and the rejected one replaced by the re-signature
}

}  // namespace
}  // namespace poort::routing::test

// Unit tests of the deliveries store (issue 5): every rule of accept_delivery,
// the inbox, the outbox, retention and rekey, on a real SQLite file with an
// injected clock and randomness. The data key: data_key_test.cpp.

#include "store/deliveries.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <set>

#include "store/data_key.hpp"
#include "store/migrations.hpp"
#include "store/registry.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::store {
namespace {

namespace bj = boost::json;
using domain::basisvoorwaarde;
using std::chrono::days;

constexpr std::string_view kBsn = "123456782";
constexpr std::string_view kOtherBsn = "111222333";

data_key::key_bytes key_bytes(std::uint8_t fill) {
  data_key::key_bytes k{};
  k.fill(fill);
  return k;
}

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

// ------------------------------------------------------------ fixture

domain::persoon person(std::string_view bsn = kBsn) {
  return {std::string(bsn), "Jansenius", "Pieter Jan", domain::date{std::chrono::year{1990} / 4 / 17}};
}

domain::detentiemelding melding(const std::string& id, std::string gemeente = "GM0193",
                                domain::melding_soort soort = domain::melding_soort::begin,
                                std::optional<domain::date> release = domain::date{std::chrono::year{2026} /
                                                                                   9 / 1}) {
  domain::detentiemelding m;
  m.bericht_id = id;
  m.soort = soort;
  m.persoon = person();
  m.gebeurtenisdatum = domain::date{std::chrono::year{2026} / 3 / 2};
  m.verwachte_invrijheidstelling = release;
  m.gemeentecode = std::move(gemeente);
  m.grondslag = domain::grondslag::laatste_brp_adres;
  m.casemanager = {"M. de Vries", "m.devries@pi.example.nl", "+31 20 123 4567"};
  return m;
}

/// A sheet with one topic in each of `sections`, consent for `consent`.
domain::informatieblad sheet(const std::string& id, domain::basisvoorwaarde_set sections,
                             domain::basisvoorwaarde_set consent, std::int64_t versie = 1,
                             std::optional<std::string> vervangt = std::nullopt,
                             std::string_view bsn = kBsn) {
  static const std::map<basisvoorwaarde, domain::onderwerp> topic{
      {basisvoorwaarde::werk_en_inkomen, domain::onderwerp::werk},
      {basisvoorwaarde::onderdak, domain::onderwerp::huisvesting_na_detentie},
      {basisvoorwaarde::zorg, domain::onderwerp::zorgverzekering},
      {basisvoorwaarde::schulden, domain::onderwerp::schuldenoverzicht},
      {basisvoorwaarde::identiteitsbewijs, domain::onderwerp::geldig_identiteitsbewijs},
      {basisvoorwaarde::zorg_voor_thuis, domain::onderwerp::kinderen}};
  domain::informatieblad b;
  b.bericht_id = id;
  b.persoon = person(bsn);
  b.gemeentecode = "GM0193";
  b.toestemming = {"TV-1", domain::date{std::chrono::year{2026} / 3 / 10}, consent};
  for (auto s : sections.items())
    b.secties[s] = {{topic.at(s), true, "Toelichting bij " + std::string(domain::member_name(s))}};
  b.versie = versie;
  b.vervangt = std::move(vervangt);
  return b;
}

domain::intrekking withdrawal(const std::string& id, domain::basisvoorwaarde_set what,
                              std::string consent = "TV-1") {
  return {id, std::string(kBsn), "GM0193", std::move(consent), what};
}

template <class M>
incoming_delivery incoming(M m, std::string body = "") {
  if (body.empty()) body = bj::serialize(domain::to_json(m));
  return {std::move(m), "00000099000020010000", domain::body_sha256(body)};
}

/// `m` as sent by the prison `oin`, whose organisation also holds `organisation`.
template <class M>
incoming_delivery incoming_from(M m, std::string oin, std::vector<std::string> organisation = {}) {
  auto d = incoming(std::move(m));
  d.sender_oin = std::move(oin);
  d.sender_organisation = std::move(organisation);
  return d;
}

class DeliveryStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = database::open(test::store_config(dir_.path()), clock_, open_mode::migrate);
    ASSERT_TRUE(db) << db.error().message();
    db_ = std::move(*db);
    add_municipality("GM0193", domain::municipality_status::connected, true, true,
                     "https://gemeente.test/push");
    add_municipality("GM0300", domain::municipality_status::connected, true, false, "");
    add_municipality("GM0400", domain::municipality_status::approved, true, true, "");
  }

  void add_municipality(std::string code, domain::municipality_status s, bool meldingen, bool bladen,
                        std::string endpoint) {
    municipality_record m;
    m.gemeentecode = std::move(code);
    m.naam = "Gemeente";
    m.geldig_van = "2000-01-01";
    m.status = s;
    m.wil_detentiemeldingen = meldingen;
    m.wil_informatiebladen = bladen;
    m.push_endpoint = std::move(endpoint);
    ASSERT_TRUE(db_->write([&](transaction& tx) { return upsert_municipality(tx, m, clock_.now(), true); }));
  }

  delivery_outcome accept(const incoming_delivery& d) {
    delivery_outcome out;
    const auto sealed = seal_delivery(key_, d).value();
    auto w = db_->write([&](transaction& tx) -> result<void> {
      auto r = accept_delivery(tx, key_, settings_, sealed, who_, clock_.now());
      if (!r) return r.error();
      out = std::move(*r);
      return {};
    });
    EXPECT_TRUE(w) << w.error().message();
    return out;
  }

  std::optional<inbox_message> read(const std::string& id, const std::string& gemeente = "GM0193") {
    std::optional<inbox_message> out;
    EXPECT_TRUE(db_->write([&](transaction& tx) -> result<void> {
      auto r = read_message(tx, key_, gemeente, id, who_, clock_.now());
      if (!r) return r.error();
      out = std::move(*r);
      return {};
    }));
    return out;
  }

  /// The inbox listing (audited, so in a write transaction).
  result<std::vector<inbox_entry>> list(const inbox_filter& f) {
    std::vector<inbox_entry> out;
    auto w = db_->write([&](transaction& tx) -> result<void> {
      auto r = list_inbox(tx, key_, f, who_, clock_.now());
      if (!r) return r.error();
      out = std::move(*r);
      return {};
    });
    if (!w) return w.error();
    return out;
  }

  std::optional<domain::informatieblad> stored_sheet(const std::string& id) {
    auto m = read(id);
    if (!m || !m->content_json) return std::nullopt;
    auto s = domain::parse_informatieblad(*m->content_json);
    return s ? std::optional(*s) : std::nullopt;
  }

  std::int64_t scalar(const std::string& sql) { return test::raw_db(db_->file()).scalar(sql); }

  test::temp_dir dir_;
  fake_clock clock_{sys_time{std::chrono::sys_days{std::chrono::year{2026} / 3 / 15}}};
  fake_random rnd_;
  data_key key_{"k1", key_bytes(9), rnd_};
  delivery_settings settings_;
  audit_identity who_{"192.0.2.1", "party:00000099000020010000", "req-1"};
  std::unique_ptr<database> db_;
};

// ------------------------------------------------------------ accept

TEST_F(DeliveryStore, DetentionNotificationNeedsNoConsentAndIsStoredWhole) {
  auto out = accept(incoming(melding(uuid(1))));
  ASSERT_EQ(out.what, delivery_outcome::kind::created);
  EXPECT_EQ(out.rec.received_at, "2026-03-15T00:00:00.000Z");
  EXPECT_TRUE(out.push_queued);
  EXPECT_EQ(scalar("SELECT count(*) FROM leveringen"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM uitgaande_berichten WHERE status = 'WACHTEND'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.create' AND result = 'success'"),
            1);
  auto m = read(uuid(1));
  ASSERT_TRUE(m && m->content_json);
  EXPECT_EQ(*domain::parse_detentiemelding(*m->content_json), melding(uuid(1)));
}

TEST_F(DeliveryStore, DeliverySealedUnderAnotherKeyIsRefusedAndNothingKept) {
  data_key other{"k2", key_bytes(8), rnd_};
  const auto sealed = seal_delivery(other, incoming(melding(uuid(1)))).value();
  EXPECT_EQ(sealed.key_id, "k2");
  EXPECT_EQ(sealed.bsn_index, other.blind_index("bsn", std::string(kBsn)));
  auto w = db_->write([&](transaction& tx) -> result<void> {
    auto r = accept_delivery(tx, key_, settings_, sealed, who_, clock_.now());
    if (!r) return r.error();
    return {};
  });
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), make_error_code(common_error::crypto_error));
  EXPECT_EQ(scalar("SELECT count(*) FROM leveringen"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak"), 0);
}

TEST_F(DeliveryStore, RefusesWhatTheMunicipalityCannotReceiveAndAuditsIt) {
  struct refusal_case {
    incoming_delivery d;
    domain::error code;
  };
  auto unwanted_sheet = sheet(uuid(12), {basisvoorwaarde::zorg}, domain::basisvoorwaarde_set::all());
  unwanted_sheet.gemeentecode = "GM0300";
  const refusal_case cases[] = {
      {incoming(melding(uuid(10), "GM0400")), domain::error::not_connected},
      {incoming(melding(uuid(11), "GM9999")), domain::error::municipality_unknown},
      {incoming(unwanted_sheet), domain::error::not_wanted},
  };
  for (const auto& c : cases) {
    auto out = accept(c.d);
    EXPECT_EQ(out.what, delivery_outcome::kind::refused);
    EXPECT_EQ(out.refusal, make_error_code(c.code));
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM leveringen"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE result = 'denied:not_connected'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE result = 'denied:municipality_unknown'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE result = 'denied:not_wanted'"), 1);
}

TEST_F(DeliveryStore, WithdrawalIsAcceptedWhateverTheStatus) {
  // A withdrawal needs a sheet it concerns (issue 14): one held by GM0193,
  // which has since been suspended, so that nothing is pushed to it.
  ASSERT_EQ(accept(incoming(sheet(uuid(14), {basisvoorwaarde::zorg}, {basisvoorwaarde::zorg}))).what,
            delivery_outcome::kind::created);
  add_municipality("GM0193", domain::municipality_status::suspended, true, true,
                   "https://gemeente.test/push");
  auto w = withdrawal(uuid(13), {basisvoorwaarde::zorg});
  w.gemeentecode = "GM0400";
  auto out = accept(incoming(w));
  EXPECT_EQ(out.what, delivery_outcome::kind::created);
  EXPECT_FALSE(out.push_queued);
}

// Every one of the 64 consent combinations for a sheet with all six sections:
// only full consent is stored; otherwise each section without consent is named.
TEST_F(DeliveryStore, EveryConsentCombination) {
  const auto all = domain::basisvoorwaarde_set::all();
  for (unsigned bits = 0; bits < 64; ++bits) {
    domain::basisvoorwaarde_set consent;
    for (auto b : domain::all_basisvoorwaarden)
      if (bits & (1u << static_cast<unsigned>(b))) consent.insert(b);
    auto out = accept(incoming(sheet(uuid(100 + static_cast<int>(bits)), all, consent)));
    if (bits == 63) {
      EXPECT_EQ(out.what, delivery_outcome::kind::created);
      continue;
    }
    ASSERT_EQ(out.what, delivery_outcome::kind::refused) << bits;
    EXPECT_EQ(out.refusal, make_error_code(domain::error::consent_missing));
    std::vector<std::string> named, expected;
    for (const auto& f : out.fields) named.push_back(f.pointer);
    for (auto b : domain::all_basisvoorwaarden)
      if (!consent.contains(b)) expected.push_back("/secties/" + std::string(domain::member_name(b)));
    EXPECT_EQ(named, expected) << bits;
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM leveringen"), 1);
}

TEST_F(DeliveryStore, SameIdAndBodyIsARepeatAnotherBodyAConflict) {
  const auto m = melding(uuid(2));
  auto first = accept(incoming(m));
  clock_.advance(std::chrono::minutes(5));
  auto again = accept(incoming(m));
  EXPECT_EQ(again.what, delivery_outcome::kind::replayed);
  EXPECT_EQ(again.rec.received_at, first.rec.received_at);
  EXPECT_EQ(again.rec.body_sha256, first.rec.body_sha256);
  auto changed = m;
  changed.soort = domain::melding_soort::verlof;
  auto conflict = accept(incoming(changed));
  EXPECT_EQ(conflict.what, delivery_outcome::kind::refused);
  EXPECT_EQ(conflict.refusal, make_error_code(domain::error::bericht_id_conflict));
  // The same bytes from another prison: refused, as an id that is taken
  // (issue 14 item 7), not as "you reused it" (that prison never did).
  auto other_sender = incoming(m);
  other_sender.sender_oin = "00000099000020020000";
  auto taken = accept(other_sender);
  EXPECT_EQ(taken.what, delivery_outcome::kind::refused);
  EXPECT_EQ(taken.refusal, make_error_code(domain::error::bericht_id_taken));
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE result = 'denied:bericht_id_taken'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.replay'"), 1);
}

TEST_F(DeliveryStore, WithdrawalPurgesSectionsAndLaterSheetsFail) {
  using b = basisvoorwaarde;
  const domain::basisvoorwaarde_set sections{b::werk_en_inkomen, b::onderdak, b::identiteitsbewijs};
  ASSERT_EQ(accept(incoming(sheet(uuid(20), sections, sections))).what, delivery_outcome::kind::created);
  ASSERT_EQ(accept(incoming(sheet(uuid(21), {b::onderdak}, {b::onderdak}, 1, std::nullopt, kOtherBsn))).what,
            delivery_outcome::kind::created);

  auto out = accept(incoming(withdrawal(uuid(22), {b::onderdak, b::zorg})));
  ASSERT_EQ(out.what, delivery_outcome::kind::created);
  EXPECT_EQ(out.purged, std::vector<std::string>{uuid(20)}) << "another person's sheet is untouched";
  auto kept = stored_sheet(uuid(20));
  ASSERT_TRUE(kept);
  EXPECT_FALSE(kept->secties.contains(b::onderdak));
  EXPECT_TRUE(kept->secties.contains(b::werk_en_inkomen));
  EXPECT_FALSE(kept->toestemming.verleend.contains(b::onderdak));
  EXPECT_TRUE(stored_sheet(uuid(21)));

  auto later = accept(incoming(sheet(uuid(23), {b::onderdak}, {b::onderdak})));
  EXPECT_EQ(later.refusal, make_error_code(domain::error::consent_withdrawn));
  ASSERT_EQ(later.fields.size(), 1u);
  EXPECT_EQ(later.fields[0].pointer, "/secties/onderdak");
  // Under a new consent record the same section may be delivered again.
  auto renewed = sheet(uuid(24), {b::onderdak}, {b::onderdak});
  renewed.toestemming.id = "TV-2";
  EXPECT_EQ(accept(incoming(renewed)).what, delivery_outcome::kind::created);

  // Withdrawing everything purges the rest: a tombstone stays.
  accept(incoming(withdrawal(uuid(25), domain::basisvoorwaarde_set::all())));
  auto tomb = read(uuid(20));
  ASSERT_TRUE(tomb);
  EXPECT_FALSE(tomb->content_json);
  EXPECT_EQ(tomb->entry.purge_reason, "INGETROKKEN");
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE bericht_id = '" + uuid(20) + "' AND bsn_index = ''"),
            1);
}

// Verifies issue 14 item 2: a withdrawal reaches exactly the municipalities
// that hold the person's sheets under that consent (also one since
// suspended, whose notice waits and is not pushed), each about its own
// sheets; the municipality the prison named but which holds nothing hears
// nothing; partly purged sheets say which sections went, when and why.
TEST_F(DeliveryStore, WithdrawalReachesExactlyTheMunicipalitiesHoldingTheSheets) {
  using b = basisvoorwaarde;
  add_municipality("GM0500", domain::municipality_status::connected, true, true, "https://vijf.test/push");
  add_municipality("GM0600", domain::municipality_status::connected, true, true, "https://zes.test/push");
  const domain::basisvoorwaarde_set here{b::werk_en_inkomen, b::onderdak, b::identiteitsbewijs};
  ASSERT_EQ(accept(incoming(sheet(uuid(200), here, here))).what, delivery_outcome::kind::created);
  auto there = sheet(uuid(201), {b::onderdak, b::zorg}, {b::onderdak, b::zorg});
  there.gemeentecode = "GM0500";
  ASSERT_EQ(accept(incoming(there)).what, delivery_outcome::kind::created);
  auto stranger = sheet(uuid(203), {b::onderdak}, {b::onderdak}, 1, std::nullopt, kOtherBsn);
  stranger.gemeentecode = "GM0600";
  ASSERT_EQ(accept(incoming(stranger)).what, delivery_outcome::kind::created);
  add_municipality("GM0500", domain::municipality_status::suspended, true, true, "https://vijf.test/push");
  const auto pushes_before = scalar("SELECT count(*) FROM uitgaande_berichten");
  clock_.advance(std::chrono::hours(1));

  auto w = withdrawal(uuid(202), {b::onderdak});
  w.gemeentecode = "GM0600";  // named by the prison, but it holds no sheet of this person
  auto out = accept(incoming(w));
  ASSERT_EQ(out.what, delivery_outcome::kind::created);
  EXPECT_EQ(out.purged, (std::vector<std::string>{uuid(200), uuid(201)}));

  // GM0600 learns nothing: no entry, no BSN.
  EXPECT_FALSE(read(uuid(202), "GM0600"));
  EXPECT_FALSE(read(domain::notice_id(uuid(202), "GM0600"), "GM0600"));
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE gemeentecode = 'GM0600' AND soort = 'INTREKKING'"), 0);

  // GM0193 (the first holder) gets the notice under the prison's berichtId,
  // about its own sheet only.
  auto own = read(uuid(202), "GM0193");
  ASSERT_TRUE(own && own->content_json);
  auto own_json = bj::parse(*own->content_json).as_object();
  EXPECT_EQ(own_json.at("gemeentecode").as_string(), "GM0193");
  EXPECT_EQ(own_json.at("informatiebladen"), (bj::array{bj::value(uuid(200))}));
  EXPECT_EQ(own_json.at("persoon").at("bsn").as_string(), kBsn);

  // GM0500, suspended, gets its own notice, waiting in its inbox, not pushed.
  const std::string other_id = domain::notice_id(uuid(202), "GM0500");
  auto waiting = read(other_id, "GM0500");
  ASSERT_TRUE(waiting && waiting->content_json);
  EXPECT_EQ(waiting->entry.kind, domain::delivery_kind::intrekking);
  auto other_json = bj::parse(*waiting->content_json).as_object();
  EXPECT_EQ(other_json.at("berichtId").as_string(), other_id);
  EXPECT_EQ(other_json.at("informatiebladen"), (bj::array{bj::value(uuid(201))}));
  EXPECT_EQ(waiting->content_json->find(uuid(200)), std::string::npos);
  EXPECT_EQ(waiting->content_json->find(uuid(202)), std::string::npos) << "nothing of the other notice";
  EXPECT_FALSE(read(uuid(202), "GM0500")) << "the other notice is not GM0500's";
  EXPECT_EQ(scalar("SELECT count(*) FROM uitgaande_berichten") - pushes_before, 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM uitgaande_berichten WHERE bericht_id = '" + uuid(202) + "'"), 1);
  EXPECT_TRUE(out.push_queued);

  // The purge applied at both, also at the suspended municipality; the
  // reader sees which section went, when and why.
  auto here_now = read(uuid(200), "GM0193");
  ASSERT_TRUE(here_now && here_now->content_json);
  EXPECT_FALSE(domain::parse_informatieblad(*here_now->content_json)->secties.contains(b::onderdak));
  const std::vector<purged_section> marked{{b::onderdak, "2026-03-15T01:00:00.000Z", "INGETROKKEN"}};
  EXPECT_EQ(here_now->entry.purged_sections, marked);
  EXPECT_TRUE(here_now->entry.purged_at.empty()) << "the sheet itself stays";
  auto there_now = read(uuid(201), "GM0500");
  ASSERT_TRUE(there_now && there_now->content_json);
  auto reduced = domain::parse_informatieblad(*there_now->content_json);
  ASSERT_TRUE(reduced);
  EXPECT_EQ(reduced->secties.size(), 1u);
  EXPECT_TRUE(reduced->secties.contains(b::zorg));
  EXPECT_EQ(there_now->entry.purged_sections, marked);
  auto untouched = read(uuid(203), "GM0600");
  ASSERT_TRUE(untouched && untouched->content_json);
  EXPECT_TRUE(untouched->entry.purged_sections.empty());
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.create' AND object IN ('bericht:" +
             uuid(202) + "', 'bericht:" + other_id + "') AND result = 'success'"),
      2);
}

// Verifies that a withdrawal concerning no sheet held of that person (an
// unknown consent id, or a person of whom nothing is held) is refused, and
// that nothing but the refusal's audit record is stored.
TEST_F(DeliveryStore, WithdrawalMatchingNoSheetIsRefused) {
  using b = basisvoorwaarde;
  ASSERT_EQ(accept(incoming(sheet(uuid(210), {b::zorg}, {b::zorg}))).what, delivery_outcome::kind::created);
  const auto receipts = scalar("SELECT count(*) FROM leveringen");
  auto unknown_consent = withdrawal(uuid(211), {b::zorg}, "TV-9");
  auto nobody = withdrawal(uuid(212), domain::basisvoorwaarde_set::all());
  nobody.bsn = std::string(kOtherBsn);
  for (const auto& w : {unknown_consent, nobody}) {
    auto out = accept(incoming(w));
    EXPECT_EQ(out.what, delivery_outcome::kind::refused);
    EXPECT_EQ(out.refusal, make_error_code(domain::error::withdrawal_unmatched));
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM leveringen"), receipts);
  EXPECT_EQ(scalar("SELECT count(*) FROM intrekkingen"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE soort = 'INTREKKING'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE result = 'denied:withdrawal_unmatched'"), 2);
  EXPECT_TRUE(stored_sheet(uuid(210)));
}

// Verifies issue 14 item 3: only the prison that sent a sheet, or the prison
// of the same organisation the detainee moved to when it names the sheet,
// may supersede or withdraw it; anything else is refused (other_prison) with
// nothing changed, and a cross-prison action names both prisons in the audit.
TEST_F(DeliveryStore, OnlyTheSendingPrisonOrItsSuccessorActsOnASheet) {
  using b = basisvoorwaarde;
  const std::string pi_a = "00000099000020010000", pi_b = "00000099000020020000",
                    pi_c = "00000099000020030000";
  const std::vector<std::string> b_org{pi_a};  // A and B: one organisation; C another
  const domain::basisvoorwaarde_set both{b::zorg, b::onderdak};
  ASSERT_EQ(accept(incoming_from(sheet(uuid(220), both, both), pi_a)).what, delivery_outcome::kind::created);
  const auto receipts = scalar("SELECT count(*) FROM leveringen");

  // C, knowing the consent id and the berichtId, may neither supersede nor withdraw.
  auto by_c = accept(incoming_from(sheet(uuid(221), both, both, 2, uuid(220)), pi_c));
  EXPECT_EQ(by_c.what, delivery_outcome::kind::refused);
  EXPECT_EQ(by_c.refusal, make_error_code(domain::error::other_prison));
  auto w_c = withdrawal(uuid(222), {b::zorg});
  w_c.informatieblad_id = uuid(220);
  EXPECT_EQ(accept(incoming_from(w_c, pi_c)).refusal, make_error_code(domain::error::other_prison));
  // B, of A's organisation, must name the sheet: the consent id alone is not enough.
  EXPECT_EQ(accept(incoming_from(withdrawal(uuid(223), {b::zorg}), pi_b, b_org)).refusal,
            make_error_code(domain::error::other_prison));
  EXPECT_EQ(scalar("SELECT count(*) FROM leveringen"), receipts) << "nothing changed";
  EXPECT_EQ(scalar("SELECT count(*) FROM intrekkingen"), 0);
  auto intact = stored_sheet(uuid(220));
  ASSERT_TRUE(intact);
  EXPECT_TRUE(intact->secties.contains(b::zorg));
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE result = 'denied:other_prison'"), 3);

  // B names A's sheet: it may supersede it, and the audit names both prisons.
  who_.actor = "party:" + pi_b;  // as the route says who acts
  ASSERT_EQ(accept(incoming_from(sheet(uuid(224), both, both, 2, uuid(220)), pi_b, b_org)).what,
            delivery_outcome::kind::created);
  EXPECT_EQ(read(uuid(220))->entry.superseded_by, uuid(224));
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.supersede' AND object = 'bericht:" +
             uuid(220) + "' AND actor = 'party:" + pi_b + ";overgenomen_van=party:" + pi_a + "'"),
      1);

  // A's sheet under another consent: B withdraws it by naming it.
  auto other = sheet(uuid(225), {b::onderdak}, {b::onderdak});
  other.toestemming.id = "TV-3";
  ASSERT_EQ(accept(incoming_from(other, pi_a)).what, delivery_outcome::kind::created);
  auto w_b = withdrawal(uuid(226), {b::onderdak}, "TV-3");
  w_b.informatieblad_id = uuid(225);
  auto withdrawn = accept(incoming_from(w_b, pi_b, b_org));
  ASSERT_EQ(withdrawn.what, delivery_outcome::kind::created);
  EXPECT_EQ(withdrawn.purged, std::vector<std::string>{uuid(225)});
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.purge' AND object = 'bericht:" +
                   uuid(225) + "' AND actor = 'party:" + pi_b + ";overgenomen_van=party:" + pi_a + "'"),
            1);
  // B's own sheet: B acts on it without naming it; A (which did not send it) may not.
  EXPECT_EQ(accept(incoming_from(withdrawal(uuid(227), {b::zorg}), pi_a)).refusal,
            make_error_code(domain::error::other_prison));
  EXPECT_EQ(accept(incoming_from(withdrawal(uuid(228), {b::zorg}), pi_b, b_org)).what,
            delivery_outcome::kind::created);
}

TEST_F(DeliveryStore, NewerSheetSupersedesAndReplacementIsChecked) {
  using b = basisvoorwaarde;
  ASSERT_EQ(accept(incoming(sheet(uuid(30), {b::zorg}, {b::zorg}))).what, delivery_outcome::kind::created);
  auto other_person = sheet(uuid(31), {b::zorg}, {b::zorg}, 2, uuid(30), kOtherBsn);
  EXPECT_EQ(accept(incoming(other_person)).refusal, make_error_code(domain::error::replacement_other_person));
  auto unknown = accept(incoming(sheet(uuid(32), {b::zorg}, {b::zorg}, 2, uuid(99))));
  EXPECT_TRUE(unknown.replacement_unknown);

  ASSERT_EQ(accept(incoming(sheet(uuid(33), {b::zorg}, {b::zorg}, 2, uuid(30)))).what,
            delivery_outcome::kind::created);
  auto old = read(uuid(30));
  EXPECT_EQ(old->entry.superseded_by, uuid(33));
  EXPECT_FALSE(old->content_json);
  EXPECT_EQ(old->entry.purge_reason, "VERVANGEN");
  EXPECT_EQ(accept(incoming(sheet(uuid(34), {b::zorg}, {b::zorg}, 2, uuid(33)))).refusal,
            make_error_code(domain::error::replacement_not_newer));
}

// ------------------------------------------------------------ inbox

// Issue 17 item 3: the inbox is newest first by default, each entry with who
// it is about (name, date of birth, opened from the sealed content) and its
// key date (the release date: a notice's own, else the person's latest in
// that municipality); the cursor goes on in the list's order.
TEST_F(DeliveryStore, InboxIsNewestFirstWithPersonAndReleaseDate) {
  using b = basisvoorwaarde;
  ASSERT_EQ(accept(incoming(melding(uuid(100)))).what, delivery_outcome::kind::created);
  clock_.advance(std::chrono::hours(24));
  ASSERT_EQ(accept(incoming(sheet(uuid(101), {b::zorg}, {b::zorg}))).what, delivery_outcome::kind::created);
  clock_.advance(std::chrono::hours(24));
  auto other = melding(uuid(102), "GM0193", domain::melding_soort::einde, std::nullopt);
  other.persoon = {std::string(kOtherBsn), "Bakker", "Anna", domain::date{std::chrono::year{1985} / 1 / 2}};
  other.gebeurtenisdatum = domain::date{std::chrono::year{2026} / 3 / 16};
  ASSERT_EQ(accept(incoming(other)).what, delivery_outcome::kind::created);

  auto all = list({"GM0193"});
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->at(0).bericht_id, uuid(102));
  EXPECT_EQ(all->at(1).bericht_id, uuid(101));
  EXPECT_EQ(all->at(2).bericht_id, uuid(100));
  ASSERT_TRUE(all->at(0).summary);
  EXPECT_EQ(*all->at(0).summary, (inbox_summary{"Bakker", "Anna", "1985-01-02", "EINDE", "2026-03-16"}));
  EXPECT_EQ(all->at(0).release_date, "2026-03-16") << "an EINDE's release is its event";
  ASSERT_TRUE(all->at(1).summary);
  EXPECT_EQ(*all->at(1).summary, (inbox_summary{"Jansenius", "Pieter Jan", "1990-04-17", "", ""}));
  EXPECT_EQ(all->at(1).release_date, "2026-09-01") << "a sheet shows the person's announced release";
  EXPECT_EQ(all->at(2).summary->melding_soort, "BEGIN");
  EXPECT_EQ(all->at(2).release_date, "2026-09-01");

  auto first = list({"GM0193", std::nullopt, false, false, 0, 2});
  ASSERT_EQ(first->size(), 2u);
  auto next = list({"GM0193", std::nullopt, false, false, first->back().seq, 2});
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(next->at(0).bericht_id, uuid(100));
  auto oldest = list({"GM0193", std::nullopt, false, false, 0, 2, inbox_order::oldest_first});
  ASSERT_EQ(oldest->size(), 2u);
  EXPECT_EQ(oldest->at(0).bericht_id, uuid(100));
  EXPECT_EQ(oldest->at(1).bericht_id, uuid(101));

  // A purged entry has no summary and no key date.
  auto withdrawn = accept(incoming(withdrawal(uuid(103), domain::basisvoorwaarde_set::all())));
  ASSERT_EQ(withdrawn.what, delivery_outcome::kind::created);
  auto after = list({"GM0193", domain::delivery_kind::informatieblad});
  ASSERT_EQ(after->size(), 1u);
  EXPECT_FALSE(after->at(0).summary);
  EXPECT_EQ(after->at(0).release_date, "");
}

// Issue 17 item 3: filters by kind, unread and period, and a search by BSN
// through the blind index; every listing is audited as who saw which list,
// without the BSN.
TEST_F(DeliveryStore, InboxFiltersSearchByBsnAndAuditsEveryListing) {
  using b = basisvoorwaarde;
  accept(incoming(melding(uuid(110))));  // 2026-03-15
  clock_.advance(std::chrono::hours(24));
  accept(incoming(sheet(uuid(111), {b::zorg}, {b::zorg})));  // 2026-03-16
  clock_.advance(std::chrono::hours(24));
  auto other = melding(uuid(112));  // 2026-03-17, another person
  other.persoon = person(kOtherBsn);
  accept(incoming(other));
  accept(incoming(melding(uuid(113), "GM0300")));  // another municipality, same person
  ASSERT_TRUE(read(uuid(110)));

  auto ids = [](const result<std::vector<inbox_entry>>& r) {
    std::vector<std::string> out;
    if (r)
      for (const auto& e : *r) out.push_back(e.bericht_id);
    return out;
  };
  inbox_filter f{"GM0193"};
  f.kind = domain::delivery_kind::detentiemelding;
  EXPECT_EQ(ids(list(f)), (std::vector<std::string>{uuid(112), uuid(110)}));
  f.unread_only = true;
  EXPECT_EQ(ids(list(f)), (std::vector<std::string>{uuid(112)}));

  inbox_filter period{"GM0193"};
  period.received_from = domain::date{std::chrono::year{2026} / 3 / 16};
  period.received_until = domain::date{std::chrono::year{2026} / 3 / 16};
  EXPECT_EQ(ids(list(period)), (std::vector<std::string>{uuid(111)})) << "both days inclusive";
  period.received_until.reset();
  EXPECT_EQ(ids(list(period)), (std::vector<std::string>{uuid(112), uuid(111)}));

  inbox_filter search{"GM0193"};
  search.bsn = std::string(kBsn);
  EXPECT_EQ(ids(list(search)), (std::vector<std::string>{uuid(111), uuid(110)}))
      << "the person's entries in this municipality only";
  search.bsn = std::string(kOtherBsn);
  EXPECT_EQ(ids(list(search)), (std::vector<std::string>{uuid(112)}));
  search.bsn = "999999990";
  EXPECT_TRUE(ids(list(search)).empty());

  // One record per listing; the last one names its filter and what it showed.
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'inbox.list'"), 7);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'inbox.list' AND object = "
                   "'postvak:GM0193;volgorde=nieuwste;zoek=bsn;aantal=1;eerste=" +
                   uuid(112) + ";laatste=" + uuid(112) + "' AND actor = '" + who_.actor + "'"),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'inbox.list' AND object = "
                   "'postvak:GM0193;volgorde=nieuwste;soort=DETENTIEMELDING;ongelezen;aantal=1;eerste=" +
                   uuid(112) + ";laatste=" + uuid(112) + "'"),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'inbox.list' AND object LIKE "
                   "'%;vanaf=2026-03-16;tot=2026-03-16;aantal=1;%'"),
            1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'inbox.list' AND object LIKE "
                   "'%;zoek=bsn;aantal=0'"),
            1);
  for (auto bsn : {kBsn, kOtherBsn})
    EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE object LIKE '%" + std::string(bsn) +
                     "%' OR actor "
                     "LIKE '%" +
                     std::string(bsn) + "%'"),
              0);
}

// Issue 17 item 4: reading a sheet says which sections' consent was
// withdrawn under its consent record, also when the sheet itself never had
// them (sent after the withdrawal), so that the page can tell "withdrawn"
// from "no consent".
TEST_F(DeliveryStore, ReadingASheetSaysWhichSectionsWereWithdrawn) {
  using b = basisvoorwaarde;
  const domain::basisvoorwaarde_set consent{b::werk_en_inkomen, b::onderdak, b::zorg};
  ASSERT_EQ(accept(incoming(sheet(uuid(120), consent, consent))).what, delivery_outcome::kind::created);
  auto before = read(uuid(120));
  ASSERT_TRUE(before);
  EXPECT_TRUE(before->withdrawn.empty());

  ASSERT_EQ(accept(incoming(withdrawal(uuid(121), {b::onderdak}))).what, delivery_outcome::kind::created);
  auto after = read(uuid(120));
  ASSERT_TRUE(after && after->content_json);
  EXPECT_EQ(after->withdrawn, std::vector<b>{b::onderdak});
  ASSERT_EQ(after->entry.purged_sections.size(), 1u);

  // A newer version sent after the withdrawal, without that section.
  const domain::basisvoorwaarde_set rest{b::werk_en_inkomen, b::zorg};
  auto v2 = sheet(uuid(122), rest, consent, 2, uuid(120));
  ASSERT_EQ(accept(incoming(v2)).what, delivery_outcome::kind::created);
  auto newer = read(uuid(122));
  ASSERT_TRUE(newer && newer->content_json);
  EXPECT_TRUE(newer->entry.purged_sections.empty());
  EXPECT_EQ(newer->withdrawn, std::vector<b>{b::onderdak});
  // Another consent record: its own withdrawals only.
  auto renewed = sheet(uuid(123), {b::onderdak}, {b::onderdak});
  renewed.toestemming.id = "TV-2";
  ASSERT_EQ(accept(incoming(renewed)).what, delivery_outcome::kind::created);
  EXPECT_TRUE(read(uuid(123))->withdrawn.empty());
}

TEST_F(DeliveryStore, InboxIsPerMunicipalityAndReadsAreAudited) {
  accept(incoming(melding(uuid(40))));
  accept(incoming(melding(uuid(41), "GM0300")));
  EXPECT_FALSE(read(uuid(41), "GM0193")) << "another municipality's message looks like none";
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.read' AND result = 'denied:not_found'"),
      1);

  auto first = read(uuid(40));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->entry.read_at, "2026-03-15T00:00:00.000Z");
  clock_.advance(std::chrono::hours(1));
  EXPECT_EQ(read(uuid(40))->entry.read_at, "2026-03-15T00:00:00.000Z") << "the first read counts";
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.read' AND result = 'success'"),
            2);

  auto listed = list({"GM0193", std::nullopt, true, false, 0, 50});
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->empty()) << "no unread messages left";
  auto page = list({"GM0300", std::nullopt, false, false, 0, 50});
  ASSERT_EQ(page->size(), 1u);
  auto after = list({"GM0300", std::nullopt, false, false, page->back().seq, 50});
  EXPECT_TRUE(after->empty());
  EXPECT_FALSE(list({"GM0193", std::nullopt, false, false, 0, 0}));
}

// ------------------------------------------------------------ retention

TEST_F(DeliveryStore, PurgeTimeFollowsTheReleaseDate) {
  accept(incoming(sheet(uuid(50), {basisvoorwaarde::zorg}, {basisvoorwaarde::zorg})));
  // No release date known yet: received + 730 days.
  auto due = [&](sys_time t) { return *db_->read([&](reader& r) { return purge_candidates(r, t, 100); }); };
  EXPECT_TRUE(due(clock_.now() + days(729)).empty());
  EXPECT_EQ(due(clock_.now() + days(730)).size(), 1u);
  // A release date arrives: the sheet goes 183 days after it, with the notification.
  accept(incoming(melding(uuid(51))));
  const sys_time release{std::chrono::sys_days{std::chrono::year{2026} / 9 / 1}};
  EXPECT_TRUE(due(release + days(182)).empty());
  auto both = due(release + days(183));
  ASSERT_EQ(both.size(), 2u);

  std::vector<std::string> purged;
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = purge_expired(tx, release + days(183), who_, 100);
    if (!r) return r.error();
    purged = *r;
    return {};
  }));
  EXPECT_EQ(purged.size(), 2u);
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE inhoud IS NULL AND gewist_reden = 'BEWAARTERMIJN'"),
            2);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.purge'"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM leveringen"), 2) << "receipts stay";
}

TEST_F(DeliveryStore, AcknowledgementBasisPurgesAfterAcknowledgement) {
  settings_.basis = retention_basis::acknowledgement;
  settings_.retention = days(30);
  accept(incoming(melding(uuid(60))));
  clock_.advance(days(2));
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = acknowledge_message(tx, settings_, "GM0193", uuid(60), who_, clock_.now());
    if (!r) return r.error();
    EXPECT_TRUE(*r);
    return {};
  }));
  auto due = [&](sys_time t) {
    return db_->read([&](reader& r) { return purge_candidates(r, t, 100); })->size();
  };
  EXPECT_EQ(due(clock_.now() + days(29)), 0u);
  EXPECT_EQ(due(clock_.now() + days(30)), 1u);
}

// ------------------------------------------------------------ outbox

TEST_F(DeliveryStore, OutboxRecordsAttemptsAndGivingUp) {
  accept(incoming(melding(uuid(70))));
  accept(incoming(melding(uuid(71))));
  auto due = [&] { return *db_->read([&](reader& r) { return due_outbox(r, clock_.now(), 10); }); };
  ASSERT_EQ(due().size(), 2u);
  auto payload = db_->read([&](reader& r) { return push_payload(r, key_, uuid(70)); });
  ASSERT_TRUE(payload && *payload);
  EXPECT_EQ(bj::parse(**payload).at("inhoud").at("persoon").at("bsn").as_string(), kBsn);

  ASSERT_TRUE(
      db_->write([&](transaction& tx) { return record_push_delivered(tx, uuid(70), who_, clock_.now()); }));
  ASSERT_TRUE(db_->write([&](transaction& tx) {
    return record_push_failed(tx, uuid(71), "http_503", clock_.now() + std::chrono::seconds(2), false, who_,
                              clock_.now());
  }));
  EXPECT_TRUE(due().empty()) << "the retry is not due yet";
  clock_.advance(std::chrono::seconds(2));
  ASSERT_EQ(due().size(), 1u);
  EXPECT_EQ(due()[0].attempts, 1);
  EXPECT_EQ(due()[0].last_error, "http_503");
  ASSERT_TRUE(db_->write([&](transaction& tx) {
    return record_push_failed(tx, uuid(71), "timeout", clock_.now(), true, who_, clock_.now());
  }));
  auto counts = *db_->read([](reader& r) { return count_outbox(r); });
  EXPECT_EQ(counts.delivered, 1);
  EXPECT_EQ(counts.gave_up, 1);
  EXPECT_EQ(counts.pending, 0);
  auto given_up = *db_->read([](reader& r) { return list_outbox(r, "OPGEGEVEN", 10); });
  ASSERT_EQ(given_up.size(), 1u);
  EXPECT_EQ(given_up[0].bericht_id, uuid(71));
  auto status = *db_->read([&](reader& r) { return find_delivery(r, uuid(70)); });
  EXPECT_EQ(status->status, "DOORGESTUURD");
  EXPECT_EQ(
      scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.push' AND result = 'failed:gave_up'"),
      1);
}

// ------------------------------------------------------------ held pushes (issue 14 item 4)

TEST_F(DeliveryStore, PushForAMunicipalityNotConnectedIsHeldAuditedOnceAndResumes) {
  accept(incoming(melding(uuid(140))));
  auto start = [&] {
    push_start out = push_start::not_pending;
    auto w = db_->write([&](transaction& tx) -> result<void> {
      auto r = begin_push(tx, uuid(140), who_, clock_.now(), clock_.now() + std::chrono::minutes(5));
      if (!r) return r.error();
      out = *r;
      return {};
    });
    EXPECT_TRUE(w) << w.error().message();
    return out;
  };
  auto audited = [&](std::string_view action) {
    return scalar("SELECT count(*) FROM audit_log WHERE action = '" + std::string(action) + "'");
  };
  add_municipality("GM0193", domain::municipality_status::suspended, true, true,
                   "https://gemeente.test/push");
  EXPECT_EQ(start(), push_start::held);
  auto item = db_->read([](reader& r) { return list_outbox(r, "WACHTEND", 10); })->at(0);
  EXPECT_EQ(item.last_error, "held:suspended");
  EXPECT_EQ(item.held_at, "2026-03-15T00:00:00.000Z");
  EXPECT_EQ(item.next_attempt_at, "2026-03-15T00:05:00.000Z");
  EXPECT_TRUE(db_->read([&](reader& r) { return due_outbox(r, clock_.now(), 10); })->empty());
  // The worker looks again and again: held, and audited only the first time.
  for (int i = 0; i < 3; ++i) {
    clock_.advance(std::chrono::minutes(5));
    EXPECT_EQ(start(), push_start::held);
  }
  add_municipality("GM0193", domain::municipality_status::disconnected, true, true,
                   "https://gemeente.test/push");
  EXPECT_EQ(start(), push_start::held);
  EXPECT_EQ(audited("delivery.push.hold"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.push.hold' AND result = "
                   "'held:suspended' AND object = 'bericht:" +
                   uuid(140) + "'"),
            1);
  EXPECT_EQ(audited("delivery.push.attempt"), 0);
  auto counts = *db_->read([](reader& r) { return count_outbox(r); });
  EXPECT_EQ(counts.pending, 1);
  EXPECT_EQ(counts.held, 1);

  // Connected again: resumed, audited, and the attempt is audited before it is made.
  add_municipality("GM0193", domain::municipality_status::connected, true, true,
                   "https://gemeente.test/push");
  EXPECT_EQ(start(), push_start::send);
  EXPECT_EQ(audited("delivery.push.resume"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.push.attempt' AND result = "
                   "'started'"),
            1);
  item = db_->read([](reader& r) { return list_outbox(r, "WACHTEND", 10); })->at(0);
  EXPECT_EQ(item.held_at, "");
  EXPECT_EQ(item.last_error, "");
  ASSERT_TRUE(
      db_->write([&](transaction& tx) { return record_push_delivered(tx, uuid(140), who_, clock_.now()); }));
  EXPECT_EQ(start(), push_start::not_pending) << "delivered once; nothing more to send";
  EXPECT_EQ(audited("delivery.push.attempt"), 1);
}

TEST_F(DeliveryStore, PushIsHeldWhenTheRegistryPeriodEnded) {
  accept(incoming(melding(uuid(141))));
  municipality_record m;
  m.gemeentecode = "GM0193";
  m.naam = "Gemeente";
  m.geldig_van = "2000-01-01";
  m.geldig_tot = "2026-03-16";  // exclusive: valid until the end of 2026-03-15
  m.status = domain::municipality_status::connected;
  m.wil_detentiemeldingen = m.wil_informatiebladen = true;
  m.push_endpoint = "https://gemeente.test/push";
  ASSERT_TRUE(db_->write([&](transaction& tx) { return upsert_municipality(tx, m, clock_.now(), true); }));
  clock_.advance(days(1));
  push_start out = push_start::send;
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = begin_push(tx, uuid(141), who_, clock_.now(), clock_.now());
    if (!r) return r.error();
    out = *r;
    return {};
  }));
  EXPECT_EQ(out, push_start::held);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.push.hold' AND result = "
                   "'held:not_in_registry'"),
            1);
}

TEST_F(DeliveryStore, PushIsNotStartedWhenItsAuditRecordCannotBeWritten) {
  accept(incoming(melding(uuid(142))));
  {
    test::raw_db raw(db_->file());
    ASSERT_EQ(raw.exec("CREATE TRIGGER refuse_attempt BEFORE INSERT ON audit_log WHEN NEW.action = "
                       "'delivery.push.attempt' BEGIN SELECT RAISE(ABORT, 'no audit'); END"),
              0);
  }
  auto w = db_->write([&](transaction& tx) -> result<void> {
    auto r = begin_push(tx, uuid(142), who_, clock_.now(), clock_.now());
    if (!r) return r.error();
    return {};
  });
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), make_error_code(error::audit_write_failed));
  EXPECT_EQ(scalar("SELECT pogingen FROM uitgaande_berichten"), 0);
}

TEST_F(DeliveryStore, HeldPushPastRetentionIsPurgedWithTheRest) {
  accept(incoming(melding(uuid(143))));
  add_municipality("GM0193", domain::municipality_status::suspended, true, true,
                   "https://gemeente.test/push");
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = begin_push(tx, uuid(143), who_, clock_.now(), clock_.now());
    if (!r) return r.error();
    return {};
  }));
  const sys_time due{std::chrono::sys_days{std::chrono::year{2026} / 9 / 1} + days(183)};
  auto counts = *db_->read([&](reader& r) { return count_purge_due(r, due); });
  EXPECT_EQ(counts.postvak, 1);
  EXPECT_EQ(counts.uitgaande_berichten, 1);
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = purge_expired(tx, due, who_, 100);
    if (!r) return r.error();
    return {};
  }));
  EXPECT_EQ(scalar("SELECT count(*) FROM uitgaande_berichten WHERE status = 'VERVALLEN' AND laatste_fout = "
                   "'content_purged'"),
            1);
}

// ------------------------------------------------------------ retention of everything personal (item 5)

/// The database file and its WAL, as bytes.
std::string file_and_wal(const std::filesystem::path& db) {
  std::string bytes;
  for (auto suffix : {"", "-wal"}) {
    std::ifstream in(db.string() + suffix, std::ios::binary);
    bytes += std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  return bytes;
}

TEST_F(DeliveryStore, RetentionLeavesNothingThatIdentifiesThePerson) {
  // One of every kind of personal row: a notification, a sheet (kept in
  // part by the withdrawal), a withdrawal (its record and its notice), a
  // second municipality's notification, and the pushes queued for them.
  accept(incoming(melding(uuid(150))));
  accept(incoming(sheet(uuid(151), {basisvoorwaarde::zorg, basisvoorwaarde::schulden},
                        {basisvoorwaarde::zorg, basisvoorwaarde::schulden})));
  accept(incoming(withdrawal(uuid(152), {basisvoorwaarde::schulden})));
  accept(incoming(melding(uuid(153), "GM0300")));
  ASSERT_EQ(scalar("SELECT count(*) FROM intrekkingen"), 1);
  ASSERT_EQ(scalar("SELECT count(*) FROM uitgaande_berichten WHERE status = 'WACHTEND'"), 3);

  // What identifies the person in the file: the blind indexes (in clear) and
  // the sealed values (BSN, name, sheet, consent id). The BSN and name are
  // never in clear; their sealed forms are searched for.
  std::vector<std::string> needles{key_.blind_index("bsn", std::string(kBsn)),
                                   key_.blind_index("toestemming", "TV-1")};
  {
    for (const std::string sql : {"SELECT hex(inhoud) FROM postvak WHERE inhoud IS NOT NULL",
                                  "SELECT hex(sleutel) FROM intrekkingen"}) {
      sqlite3* h = nullptr;
      ASSERT_EQ(sqlite3_open_v2(db_->file().c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
      sqlite3_stmt* st = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr), SQLITE_OK);
      while (sqlite3_step(st) == SQLITE_ROW) {
        const std::string hex = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        std::string raw_bytes;
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
          raw_bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        // A distinctive run of the ciphertext (past the nonce).
        needles.push_back(raw_bytes.substr(12, 24));
      }
      sqlite3_finalize(st);
      sqlite3_close(h);
    }
  }
  ASSERT_EQ(needles.size(), 2u + 4u + 1u) << "two notifications, a sheet, a withdrawal notice; one sleutel";
  ASSERT_TRUE(store::database_checkpoint_truncate(db_->file(), std::chrono::seconds(5)));
  const std::string before = file_and_wal(db_->file());
  for (std::size_t i = 0; i < needles.size(); ++i)
    EXPECT_NE(before.find(needles[i]), std::string::npos) << "needle " << i << " before the purge";
  for (std::string_view clear : {kBsn, std::string_view("Jansenius"), std::string_view("Pieter Jan")})
    EXPECT_EQ(before.find(clear), std::string::npos) << clear << " is never in clear";

  const sys_time due{std::chrono::sys_days{std::chrono::year{2026} / 9 / 1} + days(183)};
  auto counts = *db_->read([&](reader& r) { return count_purge_due(r, due); });
  EXPECT_EQ(counts.postvak, 4);
  EXPECT_EQ(counts.intrekkingen, 1);
  EXPECT_EQ(counts.uitgaande_berichten, 3);
  // One day earlier nothing of it is due.
  auto early = *db_->read([&](reader& r) { return count_purge_due(r, due - days(1)); });
  EXPECT_EQ(early.postvak + early.intrekkingen + early.uitgaande_berichten, 0);

  clock_.set(due);
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = purge_expired(tx, clock_.now(), who_, 100);
    if (!r) return r.error();
    EXPECT_EQ(r->size(), 4u);
    auto w = purge_expired_withdrawals(tx, clock_.now(), who_, 100);
    if (!w) return w.error();
    EXPECT_EQ(*w, 1u);
    return {};
  }));
  ASSERT_TRUE(store::database_checkpoint_truncate(db_->file(), std::chrono::seconds(5)));
  const std::string after = file_and_wal(db_->file());
  for (std::size_t i = 0; i < needles.size(); ++i)
    EXPECT_EQ(after.find(needles[i]), std::string::npos) << "needle " << i << " after the purge";
  for (std::string_view clear : {kBsn, std::string_view("Jansenius"), std::string_view("Pieter Jan")})
    EXPECT_EQ(after.find(clear), std::string::npos) << clear;

  // Tombstones without personal data; the audit trail names what went.
  EXPECT_EQ(scalar("SELECT count(*) FROM leveringen"), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE inhoud IS NULL AND bsn_index = ''"), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM intrekkingen"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM uitgaande_berichten WHERE status = 'WACHTEND'"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'delivery.withdrawal.purge' AND object = "
                   "'bericht:" +
                   uuid(152) + "'"),
            1);
}

TEST_F(DeliveryStore, WithdrawalRecordStaysAsLongAsThePersonsEntries) {
  accept(incoming(sheet(uuid(160), {basisvoorwaarde::zorg}, {basisvoorwaarde::zorg})));
  accept(incoming(withdrawal(uuid(161), {basisvoorwaarde::schulden})));
  // No release date: received + 730 days, like the entries.
  auto due = [&](sys_time t) {
    return db_->read([&](reader& r) { return count_purge_due(r, t); })->intrekkingen;
  };
  EXPECT_EQ(due(clock_.now() + days(729)), 0);
  EXPECT_EQ(due(clock_.now() + days(730)), 1);
  // A release date announced later moves the entries and the withdrawal
  // with them; the withdrawal never goes before the person's entries.
  accept(incoming(melding(uuid(162), "GM0193", domain::melding_soort::begin,
                          domain::date{std::chrono::year{2029} / 1 / 1})));
  const sys_time release{std::chrono::sys_days{std::chrono::year{2029} / 1 / 1}};
  EXPECT_EQ(due(release + days(182)), 0);
  EXPECT_EQ(due(release + days(183)), 1);
  // Until it is purged, a sheet under the withdrawn consent is refused.
  auto later = accept(incoming(sheet(uuid(163), {basisvoorwaarde::schulden}, {basisvoorwaarde::schulden})));
  EXPECT_EQ(later.what, delivery_outcome::kind::refused);
}

// ------------------------------------------------------------ at rest

TEST_F(DeliveryStore, FileHoldsNoPersonalDataInClearAndRekeyMovesIt) {
  accept(incoming(melding(uuid(80))));
  accept(incoming(sheet(uuid(81), {basisvoorwaarde::zorg}, {basisvoorwaarde::zorg})));
  accept(incoming(withdrawal(uuid(82), {basisvoorwaarde::schulden})));
  db_->close();
  for (std::string_view needle : {kBsn, std::string_view("Jansenius"), std::string_view("Pieter Jan"),
                                  std::string_view("Toelichting bij zorg"), std::string_view("TV-1")}) {
    std::string bytes;
    for (auto suffix : {"", "-wal"}) {
      std::ifstream in(dir_.path() / (std::string("poort.db") + suffix), std::ios::binary);
      bytes += std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
    EXPECT_EQ(bytes.find(needle), std::string::npos) << needle;
  }

  auto db = database::open(test::store_config(dir_.path()), clock_, open_mode::require_current);
  ASSERT_TRUE(db);
  db_ = std::move(*db);
  key_ring next({{"k1", key_bytes(9)}, {"k2", key_bytes(10)}}, "k2",
                {{1, key_ring::derive_index_key(key_bytes(9))}, {2, key_bytes(11)}}, rnd_);
  std::size_t moved = 0;
  for (rekey_cursor cursor; !cursor.done;) {
    ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
      auto r = rekey_batch(tx, next, cursor, 100, who_, clock_.now());
      if (!r) return r.error();
      moved += *r;
      return {};
    }));
  }
  EXPECT_EQ(moved, 4u) << "three contents and one withdrawal";
  auto usage = *db_->read([&](reader& r) { return count_rows_by_key(r); });
  for (const auto& u : usage) {
    EXPECT_EQ(u.key_id, "k2") << u.table;
    EXPECT_EQ(u.index_version, 2) << u.table;
  }
  std::optional<inbox_message> m;
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = read_message(tx, next, "GM0193", uuid(81), who_, clock_.now());
    if (!r) return r.error();
    m = std::move(*r);
    return {};
  }));
  ASSERT_TRUE(m && m->content_json);
  EXPECT_FALSE(db_->write([&](transaction& tx) -> result<void> {
    auto r = read_message(tx, key_, "GM0193", uuid(81), who_, clock_.now());
    if (!r) return r.error();
    return {};
  })) << "the old key opens nothing any more";
}

// ------------------------------------------------------------ key ring (issue 14 item 1)

// poortd restarted on a rotated ring: a new active key k2 and a new blind-index
// version 2, the old key k1 and index version 1 still listed (as
// config/poort.example.toml shows), before `poortctl rekey` ran.
class KeyRotation : public DeliveryStore {
 protected:
  key_ring rotated_{{{"k1", key_bytes(9)}, {"k2", key_bytes(10)}},
                    "k2",
                    {{1, key_ring::derive_index_key(key_bytes(9))}, {2, key_bytes(11)}},
                    rnd_};
  // The old code path: one data key, and the blind index derived from it only.
  key_ring single_new_{"k2", key_bytes(10), rnd_};

  delivery_outcome accept_with(const key_ring& ring, const incoming_delivery& d) {
    delivery_outcome out;
    const auto sealed = seal_delivery(ring, d).value();
    auto w = db_->write([&](transaction& tx) -> result<void> {
      auto r = accept_delivery(tx, ring, settings_, sealed, who_, clock_.now());
      if (!r) return r.error();
      out = std::move(*r);
      return {};
    });
    EXPECT_TRUE(w) << w.error().message();
    return out;
  }

  // What accepting `d` under `ring` would do, rolled back.
  delivery_outcome try_with(const key_ring& ring, const incoming_delivery& d) {
    delivery_outcome out;
    const auto sealed = seal_delivery(ring, d).value();
    (void)db_->write([&](transaction& tx) -> result<void> {
      auto r = accept_delivery(tx, ring, settings_, sealed, who_, clock_.now());
      if (r) out = std::move(*r);
      return make_error_code(error::internal);  // roll back
    });
    return out;
  }

  result<std::optional<inbox_message>> read_with(const key_ring& ring, const std::string& id) {
    std::optional<inbox_message> out;
    auto w = db_->write([&](transaction& tx) -> result<void> {
      auto r = read_message(tx, ring, "GM0193", id, who_, clock_.now());
      if (!r) return r.error();
      out = std::move(*r);
      return {};
    });
    if (!w) return w.error();
    return out;
  }
};

// (a) After the rotation, a sheet under consent that was withdrawn before it
// is still refused: the withdrawal's index (version 1) is searched too. The
// old code path (the single new key, checked rolled back in the same test)
// accepts it: that is the failure this test guards.
TEST_F(KeyRotation, SheetUnderConsentWithdrawnBeforeTheRotationIsRefused) {
  const domain::basisvoorwaarde_set both{basisvoorwaarde::zorg, basisvoorwaarde::onderdak};
  ASSERT_EQ(accept(incoming(sheet(uuid(200), both, both))).what, delivery_outcome::kind::created);
  ASSERT_EQ(accept(incoming(withdrawal(uuid(201), {basisvoorwaarde::onderdak}))).what,
            delivery_outcome::kind::created);

  const auto later = incoming(sheet(uuid(202), both, both, 2));
  EXPECT_EQ(try_with(single_new_, later).what, delivery_outcome::kind::created)
      << "the single-key path loses the withdrawal: what this test must catch";
  auto out = accept_with(rotated_, later);
  ASSERT_EQ(out.what, delivery_outcome::kind::refused);
  EXPECT_EQ(out.refusal, make_error_code(domain::error::consent_withdrawn));
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE bericht_id = '" + uuid(202) + "'"), 0);
}

// (b) A withdrawal after the rotation purges the sheets sealed and indexed
// under the old key and index version; the single-key path finds none of them
// (and refuses the withdrawal as matching no sheet).
TEST_F(KeyRotation, WithdrawalAfterTheRotationPurgesSheetsUnderTheOldKey) {
  const domain::basisvoorwaarde_set both{basisvoorwaarde::zorg, basisvoorwaarde::onderdak};
  ASSERT_EQ(accept(incoming(sheet(uuid(210), both, both))).what, delivery_outcome::kind::created);
  ASSERT_EQ(accept(incoming(sheet(uuid(211), {basisvoorwaarde::zorg}, both))).what,
            delivery_outcome::kind::created);
  const auto w = incoming(withdrawal(uuid(212), domain::basisvoorwaarde_set::all()));
  EXPECT_TRUE(try_with(single_new_, w).purged.empty()) << "the single-key path purges nothing";

  auto out = accept_with(rotated_, w);
  ASSERT_EQ(out.what, delivery_outcome::kind::created);
  EXPECT_FALSE(out.purged.empty());
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE soort = 'INFORMATIEBLAD' AND inhoud IS NOT NULL"), 0);
  auto m = read_with(rotated_, uuid(211));
  ASSERT_TRUE(m && *m);
  EXPECT_FALSE((*m)->content_json);
  EXPECT_EQ((*m)->entry.purge_reason, "INGETROKKEN");
  // The withdrawal is stored under the new key and index version.
  EXPECT_EQ(scalar("SELECT count(*) FROM intrekkingen WHERE key_id = 'k2' AND index_versie = 2"), 1);
}

// A row under a key id that the ring does not list is a clear error, not a
// crash, and poortd's start-up check names it.
TEST_F(KeyRotation, RowUnderAKeyNotInTheRingIsAnUnknownKeyError) {
  ASSERT_EQ(accept(incoming(melding(uuid(220)))).what, delivery_outcome::kind::created);
  auto m = read_with(single_new_, uuid(220));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), make_error_code(error::unknown_key));
  auto usage = *db_->read([](reader& r) { return count_rows_by_key(r); });
  auto outside = usage_outside_ring(single_new_, usage);
  ASSERT_EQ(outside.size(), 1u);
  EXPECT_EQ(outside[0].key_id, "k1");
  EXPECT_TRUE(usage_outside_ring(rotated_, usage).empty());
}

// (c) A rekey in short batches while deliveries go on, killed in the middle
// (a batch that never commits, then a fresh start as after kill -9): it
// finishes, nothing is left under the old key or index version, the audit
// chain verifies, every message opens -- also with the old key and index
// version removed from the ring -- and the earlier withdrawal still applies.
TEST_F(KeyRotation, RekeyKilledInTheMiddleResumesAndFinishes) {
  const domain::basisvoorwaarde_set both{basisvoorwaarde::zorg, basisvoorwaarde::onderdak};
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(uuid(230 + i));
    ASSERT_EQ(accept(incoming(melding(ids.back()))).what, delivery_outcome::kind::created);
  }
  ids.push_back(uuid(240));
  ASSERT_EQ(accept(incoming(sheet(ids.back(), both, both))).what, delivery_outcome::kind::created);
  ids.push_back(uuid(241));
  ASSERT_EQ(accept(incoming(withdrawal(ids.back(), {basisvoorwaarde::onderdak}))).what,
            delivery_outcome::kind::created);
  const auto rows = scalar("SELECT count(*) FROM postvak WHERE inhoud IS NOT NULL") +
                    scalar("SELECT count(*) FROM intrekkingen");

  auto batch = [&](rekey_cursor& cursor, bool commit) -> std::size_t {
    std::size_t moved = 0;
    auto w = db_->write([&](transaction& tx) -> result<void> {
      auto r = rekey_batch(tx, rotated_, cursor, 2, who_, clock_.now());
      if (!r) return r.error();
      moved = *r;
      if (!commit) return make_error_code(error::internal);  // killed before COMMIT
      return {};
    });
    EXPECT_EQ(static_cast<bool>(w), commit);
    return commit ? moved : 0;
  };
  rekey_cursor first;
  EXPECT_EQ(batch(first, true), 2u);
  // Deliveries flow between batches, under the new key.
  ids.push_back(uuid(250));
  ASSERT_EQ(accept_with(rotated_, incoming(melding(ids.back()))).what, delivery_outcome::kind::created);
  rekey_cursor killed = first;
  batch(killed, false);
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE key_id = 'k2' AND inhoud IS NOT NULL"), 3)
      << "the killed batch left nothing behind";

  std::size_t moved = 0;
  int batches = 0;
  for (rekey_cursor again; !again.done && batches < 20; ++batches)
    moved += batch(again, true);  // a fresh run
  EXPECT_EQ(2 + moved, static_cast<std::size_t>(rows)) << "every row moved once, none twice";
  EXPECT_GE(batches, 3);
  for (const auto& u : *db_->read([](reader& r) { return count_rows_by_key(r); })) {
    EXPECT_EQ(u.key_id, "k2") << u.table;
    EXPECT_EQ(u.index_version, 2) << u.table;
  }
  auto verified = verify_audit_chain(db_->file());
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok) << verified->reason;

  key_ring only_new({{"k2", key_bytes(10)}}, "k2", {{2, key_bytes(11)}}, rnd_);
  for (const auto& id : ids) {
    auto m = read_with(only_new, id);
    ASSERT_TRUE(m) << id << ": " << m.error().message();
    ASSERT_TRUE(*m) << id;
    EXPECT_TRUE((*m)->content_json) << id;
  }
  auto later = accept_with(only_new, incoming(sheet(uuid(260), both, both, 2)));
  EXPECT_EQ(later.what, delivery_outcome::kind::refused);
  EXPECT_EQ(later.refusal, make_error_code(domain::error::consent_withdrawn));
}

// ------------------------------------------------------------ audit person reference (issue 14 item 6)

// The person's references under every index version of the ring.
std::vector<std::string> refs_of(const key_ring& ring, std::string_view bsn) {
  std::vector<std::string> out;
  for (const auto& v : ring.blind_indexes("bsn", bsn)) out.push_back(person_reference(v.version, v.index));
  return out;
}

// Records about a person carry a reference from the blind index (never the
// BSN); a search under every index version finds them across a rotation;
// clearing the references at the audit's retention leaves a chain that
// verifies, and then nothing links the records to the person.
TEST_F(KeyRotation, AuditRecordsAboutAPersonAreFoundByBlindIndexAndClearedWithTheChainIntact) {
  const domain::basisvoorwaarde_set both{basisvoorwaarde::zorg, basisvoorwaarde::onderdak};
  ASSERT_EQ(accept(incoming(sheet(uuid(270), both, both))).what, delivery_outcome::kind::created);
  ASSERT_TRUE(read(uuid(270)));
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = acknowledge_message(tx, settings_, "GM0193", uuid(270), who_, clock_.now());
    if (!r) return r.error();
    return {};
  }));
  ASSERT_EQ(accept(incoming(melding(uuid(271)))).what, delivery_outcome::kind::created);
  ASSERT_EQ(accept_with(rotated_, incoming(withdrawal(uuid(272), domain::basisvoorwaarde_set::all()))).what,
            delivery_outcome::kind::created);
  auto other = melding(uuid(273));
  other.persoon = person(kOtherBsn);
  ASSERT_EQ(accept(incoming(other)).what, delivery_outcome::kind::created);

  const auto refs = refs_of(rotated_, kBsn);
  auto found = *db_->read([&](reader& r) { return query_audit_by_person(r, refs, 100); });
  std::multiset<std::string> actions;
  for (const auto& e : found) {
    actions.insert(e.record.action + " " + e.record.object);
    EXPECT_EQ(e.person_ref.find(kBsn), std::string::npos);
  }
  EXPECT_EQ(actions, (std::multiset<std::string>{
                         "delivery.create bericht:" + uuid(270), "delivery.read bericht:" + uuid(270),
                         "delivery.acknowledge bericht:" + uuid(270), "delivery.create bericht:" + uuid(271),
                         "delivery.create bericht:" + uuid(272), "delivery.purge bericht:" + uuid(270)}));
  EXPECT_EQ(db_->read([&](reader& r) { return query_audit_by_person(r, refs_of(rotated_, kOtherBsn), 100); })
                ->size(),
            1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE persoon_ref LIKE '%" + std::string(kBsn) + "%'"), 0);

  clock_.advance(std::chrono::hours(1));
  std::size_t cleared = 0;
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto r = clear_audit_person_refs(tx, clock_.now(), who_, clock_.now());
    if (!r) return r.error();
    cleared = *r;
    return {};
  }));
  EXPECT_EQ(cleared, 7u);
  EXPECT_TRUE(db_->read([&](reader& r) { return query_audit_by_person(r, refs, 100); })->empty());
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE persoon_zout <> '' OR persoon_ref <> ''"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE persoon_commitment <> ''"), 7);
  auto verified = verify_audit_chain(db_->file());
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok) << verified->reason;
}

// The chain covers the reference through its commitment: a reference changed
// in the file (the append-only trigger dropped) breaks the chain there, and
// the trigger refuses any change but clearing.
TEST_F(KeyRotation, ChangedPersonReferenceBreaksTheChain) {
  ASSERT_EQ(accept(incoming(melding(uuid(280)))).what, delivery_outcome::kind::created);
  test::raw_db raw(db_->file());
  EXPECT_NE(
      raw.exec("UPDATE audit_log SET persoon_ref = '1:" + std::string(64, 'a') + "' WHERE persoon_ref <> ''"),
      0)
      << "the trigger allows clearing only";
  ASSERT_EQ(raw.exec("DROP TRIGGER audit_log_no_update"), 0);
  ASSERT_EQ(
      raw.exec("UPDATE audit_log SET persoon_ref = '1:" + std::string(64, 'a') + "' WHERE persoon_ref <> ''"),
      0);
  auto verified = verify_audit_chain(db_->file());
  ASSERT_TRUE(verified);
  EXPECT_FALSE(verified->ok);
  EXPECT_EQ(verified->reason, "person reference does not match its commitment");
}

// ------------------------------------------------------------ migration 7

/// Applies migrations 1 to `version` to an empty file, as an older poortctl
/// migrate would have, without the store.
void migrate_to(test::raw_db& raw, int version) {
  ASSERT_EQ(raw.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                     "applied_at TEXT NOT NULL) STRICT"),
            0);
  for (const auto& m : migrations()) {
    if (m.version > version) break;
    ASSERT_EQ(raw.exec(std::string(m.sql)), 0) << "migration " << m.version;
    ASSERT_EQ(raw.exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) +
                       ", 'before', '2026-01-01T00:00:00.000Z')"),
              0);
  }
}

// A database at schema version 6 with two inbox entries numbered out of
// receipt order (7 and 3), as cursors already handed out may be.
class DeliveryMigration : public DeliveryStore {
 protected:
  void SetUp() override {
    {
      test::raw_db raw(test::store_config(dir_.path()).database);
      ASSERT_NO_FATAL_FAILURE(migrate_to(raw, 6));
      for (const auto& [id, seq] : {std::pair{uuid(90), 7}, std::pair{uuid(91), 3}}) {
        ASSERT_EQ(raw.exec("INSERT INTO leveringen VALUES ('" + id +
                           "', 'DETENTIEMELDING', "
                           "'00000099000020010000', 'GM0193', '" +
                           std::string(64, 'a') + "', '2026-03-01T00:00:00.000Z')"),
                  0);
        ASSERT_EQ(
            raw.exec("INSERT INTO postvak (volgnummer, bericht_id, gemeentecode, soort, bsn_index, key_id, "
                     "inhoud, wissen_na, gewist_op, gewist_reden) VALUES (" +
                     std::to_string(seq) + ", '" + id +
                     "', 'GM0193', 'DETENTIEMELDING', '', 'k1', NULL, '2026-09-01T00:00:00.000Z', "
                     "'2026-03-02T00:00:00.000Z', 'BEWAARTERMIJN')"),
            0);
      }
    }
    DeliveryStore::SetUp();
  }
};

TEST_F(DeliveryMigration, EntriesKeepTheirNumbersAndAreFoundThroughTheirReceipt) {
  EXPECT_EQ(scalar("SELECT volgnummer FROM leveringen WHERE bericht_id = '" + uuid(90) + "'"), 7);
  EXPECT_EQ(scalar("SELECT volgnummer FROM leveringen WHERE bericht_id = '" + uuid(91) + "'"), 3);
  EXPECT_EQ(scalar("SELECT count(*) FROM pragma_index_list('postvak') WHERE \"unique\" = 1"), 0)
      << "no index of random berichtIds on postvak";
  {
    test::raw_db raw(db_->file());
    EXPECT_NE(raw.exec("UPDATE postvak SET soort = 'ANDERS'"), 0) << "the kinds are still checked";
    EXPECT_NE(raw.exec("UPDATE postvak SET gewist_reden = 'ANDERS'"), 0)
        << "the purge reasons are still checked";
    EXPECT_EQ(raw.exec("UPDATE postvak SET gewist_reden = 'INGETROKKEN'"), 0);
  }

  auto listed = list({"GM0193", std::nullopt, false, false, 0, 50, inbox_order::oldest_first});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(listed->at(0).seq, 3);
  EXPECT_EQ(listed->at(0).bericht_id, uuid(91));
  EXPECT_EQ(listed->at(1).seq, 7);

  auto status = db_->read([](reader& r) { return find_delivery(r, uuid(90)); });
  ASSERT_TRUE(status && *status);
  EXPECT_EQ((*status)->status, "GEWIST");

  auto acked = db_->write([&](transaction& tx) -> result<void> {
    auto r = acknowledge_message(tx, settings_, "GM0193", uuid(91), who_, clock_.now());
    if (!r) return r.error();
    EXPECT_TRUE(*r);
    return {};
  });
  ASSERT_TRUE(acked);
  EXPECT_EQ(scalar("SELECT count(*) FROM postvak WHERE bevestigd_op <> ''"), 1);
  EXPECT_EQ(scalar("SELECT volgnummer FROM postvak WHERE bevestigd_op <> ''"), 3);

  // Migration 8 rebuilt the receipts and the outbox with foreign keys off:
  // they are back on, and the value lists are still checked.
  ASSERT_TRUE(db_->write([](transaction& tx) -> result<void> {
    auto on = tx.query_int64("PRAGMA foreign_keys");
    EXPECT_TRUE(on && *on == 1);
    return {};
  }));
  {
    test::raw_db raw(db_->file());
    EXPECT_NE(raw.exec("UPDATE leveringen SET soort = 'ANDERS'"), 0);
    EXPECT_EQ(raw.exec("UPDATE leveringen SET soort = 'INTREKKING'"), 0);
  }

  // A new delivery's entry comes after the highest number, and its receipt names it.
  accept(incoming(melding(uuid(92))));
  EXPECT_EQ(scalar("SELECT volgnummer FROM postvak WHERE bericht_id = '" + uuid(92) + "'"), 8);
  EXPECT_EQ(scalar("SELECT volgnummer FROM leveringen WHERE bericht_id = '" + uuid(92) + "'"), 8);
  auto message = read(uuid(92));
  ASSERT_TRUE(message && message->content_json);
  EXPECT_EQ(*domain::parse_detentiemelding(*message->content_json), melding(uuid(92)));
}

// A rebuild that would leave a reference dangling is not committed: here an
// inbox entry whose receipt is missing (written with foreign keys off).
TEST(DeliveryMigrationCheck, RebuildWithDanglingReferenceIsRefusedAndNothingChanges) {
  test::temp_dir dir;
  const auto cfg = test::store_config(dir.path());
  {
    test::raw_db raw(cfg.database);
    ASSERT_NO_FATAL_FAILURE(migrate_to(raw, 7));
    ASSERT_EQ(
        raw.exec(
            "INSERT INTO postvak (volgnummer, bericht_id, gemeentecode, soort, bsn_index, key_id, inhoud, "
            "wissen_na, gewist_op, gewist_reden) VALUES (1, '" +
            uuid(99) +
            "', 'GM0193', 'DETENTIEMELDING', '', 'k1', NULL, '2026-09-01T00:00:00.000Z', "
            "'2026-03-02T00:00:00.000Z', 'BEWAARTERMIJN')"),
        0);
  }
  fake_clock clock{sys_time{std::chrono::sys_days{std::chrono::year{2026} / 3 / 15}}};
  auto db = database::open(cfg, clock, open_mode::migrate);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error(), make_error_code(error::constraint));
  EXPECT_EQ(schema_version(cfg.database).value(), 7);
  test::raw_db raw(cfg.database);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_new'"), 0);
}

}  // namespace
}  // namespace poort::store

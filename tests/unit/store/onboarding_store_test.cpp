// The onboarding store: the registry CSV (strict parser, per-line problems,
// all-or-nothing import), cohorts and conditions, the state round trip,
// transitions with their audit record in one transaction, and the e-mail outbox.
#include "store/onboarding.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/crypto.hpp"
#include "store/registry_import.hpp"
#include "store_test_util.hpp"

namespace poort::store {
namespace {

using namespace std::chrono_literals;
using domain::municipality_status;

constexpr std::string_view header = "gemeentecode,naam,kvk,rsin,oin,geldig_van,geldig_tot\n";

std::vector<csv_problem> problems_of(std::string_view text) {
  auto r = parse_registry_csv(text, true);
  return r ? std::vector<csv_problem>{} : r.error();
}

// Verifies that the sample file in config/ parses, derives OINs and honours quoting.
TEST(RegistryCsv, ParsesTheExampleFile) {
  std::ifstream in(std::string(POORT_SOURCE_DIR) + "/config/gemeenten.example.csv");
  std::stringstream text;
  text << in.rdbuf();
  auto rows = parse_registry_csv(text.str(), true);
  ASSERT_TRUE(rows) << rows.error().front().line << ": " << rows.error().front().message;
  ASSERT_GE(rows->size(), 5u);
  EXPECT_EQ(rows->front().line, 2u);
  EXPECT_EQ(rows->front().record.gemeentecode, "GM0363");
  EXPECT_EQ(rows->front().record.oin, "00000001002564440000");  // derived: 00000001 + RSIN + 000
  const auto& last = rows->back().record;
  EXPECT_EQ(last.naam, "Testgemeente \"Poort\" (alleen voor tests)");
  EXPECT_EQ(last.oin, "00000099000099990000");  // given explicitly
}

// Verifies that a test OIN (00000099...) is refused unless the config allows
// test OINs, with the line and without the value; a derived OIN is never one.
TEST(RegistryCsv, RefusesTestOinsUnlessAllowed) {
  const std::string text = std::string(header) +
                           "GM0344,Utrecht,30280353,123456800,,2014-01-01,\n"
                           "GM9999,Testgemeente,99999999,,00000099000099990000,2026-01-01,\n";
  auto refused = parse_registry_csv(text, false);
  ASSERT_FALSE(refused);
  ASSERT_EQ(refused.error().size(), 1u);
  EXPECT_EQ(refused.error()[0].line, 3u);
  EXPECT_NE(refused.error()[0].message.find("test OIN"), std::string::npos);
  EXPECT_EQ(refused.error()[0].message.find("00000099000099990000"), std::string::npos);
  auto allowed = parse_registry_csv(text, true);
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->back().record.oin, "00000099000099990000");
  EXPECT_TRUE(parse_registry_csv(text.substr(0, text.find("GM9999")), false));
}

// Verifies quoting rules: commas, doubled quotes and line breaks inside quotes; CRLF; a BOM.
TEST(RegistryCsv, HandlesQuotingAndLineEnds) {
  auto rows = parse_registry_csv(
      "\xEF\xBB\xBFgemeentecode,naam,kvk,rsin,oin,geldig_van,geldig_tot\r\n"
      "GM0001,\"Naam, met komma\",12345678,,00000003123456780000,2020-01-01,\r\n"
      "\r\n"
      "\"GM0002\",\"Twee\"\"\",,123456782,,2020-01-01,2021-01-01\r\n",
      true);
  ASSERT_TRUE(rows) << rows.error().front().message;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].record.naam, "Naam, met komma");
  EXPECT_EQ((*rows)[1].record.naam, "Twee\"");
  EXPECT_EQ((*rows)[1].line, 4u);
  EXPECT_EQ((*rows)[1].record.geldig_tot, "2021-01-01");
}

// Verifies that every bad line is reported with its number, without the offending values.
TEST(RegistryCsv, ReportsEveryProblemWithItsLine) {
  auto p = problems_of(std::string(header) +
                       "GM12,Naam,12345678,,,2020-01-01,\n"                       // 2: code; no oin (no rsin)
                       "GM0003,Naam,,123456789,,2020-02-30,\n"                    // 3: rsin eleven-test; date
                       "GM0004,,1234567,,,2020-01-01,2019-01-01\n"                // 4: naam; kvk; oin; order
                       "GM0005,Naam,12345678,,00000003123456780000,2020-01-01\n"  // 5: 6 fields
                       "GM0006,Naam,12345678,,00000003123456780000,2020-01-01,\n"
                       "GM0006,Naam 2,87654321,,00000003876543210000,2020-06-01,\n");  // 7: overlap with 6
  ASSERT_FALSE(p.empty());
  std::vector<std::size_t> lines;
  for (const auto& x : p) lines.push_back(x.line);
  EXPECT_EQ(lines, (std::vector<std::size_t>{2, 2, 3, 3, 4, 4, 4, 4, 5, 7}));
  EXPECT_EQ(p[0].message, "gemeentecode: must be GM + 4 digits");
  EXPECT_EQ(p[8].message, "expected 7 fields, found 6");
  EXPECT_EQ(p[9].message, "gemeentecode: overlapping validity with the same code as line 6");
  for (const auto& x : p) EXPECT_EQ(x.message.find("123456789"), std::string::npos) << x.message;
}

// Verifies structural refusals: header, quotes, empty file.
TEST(RegistryCsv, RefusesMalformedFiles) {
  EXPECT_EQ(problems_of("code,naam\nGM0001,x\n").front().message,
            "the header must be: gemeentecode,naam,kvk,rsin,oin,geldig_van,geldig_tot");
  EXPECT_EQ(problems_of(""), (std::vector<csv_problem>{{1, "the header is missing"}}));
  EXPECT_EQ(problems_of(header), (std::vector<csv_problem>{{1, "the file has no rows"}}));
  EXPECT_EQ(problems_of(std::string(header) + "GM0001,\"open,,,,2020-01-01,\n"),
            (std::vector<csv_problem>{{2, "unterminated quoted field"}}));
  EXPECT_EQ(problems_of(std::string(header) + "GM0001,na\"am,,,,2020-01-01,\n"),
            (std::vector<csv_problem>{{2, "quote inside an unquoted field"}}));
  EXPECT_EQ(problems_of(std::string(header) + "GM0001,\"naam\"x,,,,2020-01-01,\n"),
            (std::vector<csv_problem>{{2, "text after a closing quote"}}));
}

class OnboardingStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = database::open(test::store_config(dir_.path()), clock_, open_mode::migrate);
    ASSERT_TRUE(db) << db.error().message();
    db_ = std::move(*db);
  }
  result<import_summary> import(std::string_view rows) {
    auto parsed = parse_registry_csv(std::string(header) + std::string(rows), true);
    EXPECT_TRUE(parsed);
    if (!parsed) return make_error_code(error::invalid_argument);
    return import_registry(*db_, *parsed, "poortctl", clock_.now());
  }
  std::int64_t count(const std::string& sql) {
    return db_->read([&](reader& r) { return r.query_int64(sql); }).value();
  }

  test::temp_dir dir_;
  fake_clock clock_{*parse_rfc3339("2026-03-01T09:00:00Z")};
  std::unique_ptr<database> db_;
};

// Verifies that an import is all-or-nothing and that a re-import updates without touching the status.
TEST_F(OnboardingStore, RegistryImportIsAllOrNothing) {
  auto first =
      import("GM0363,Amsterdam,34366966,002564440,,2014-01-01,\nGM0599,Rotterdam,,123456782,,2014-01-01,\n");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->inserted, 2u);
  ASSERT_TRUE(db_->write([&](transaction& tx) {
    auto m = find_municipality(tx, "GM0363", "2026-03-01");
    return set_municipality_status(tx, (*m)->id, municipality_status::connected, clock_.now());
  }));
  // The second row overlaps GM0363's open period already in the registry: nothing is written.
  auto refused = import(
      "GM0599,Rotterdam (nieuw),,123456782,,2014-01-01,\nGM0363,Amsterdam,34366966,002564440,,2020-01-01,\n");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->overlapping_line, 3u);
  auto rdam = db_->read([](reader& r) { return find_municipality(r, "GM0599", "2026-03-01"); });
  EXPECT_EQ((*rdam)->naam, "Rotterdam");
  // A valid re-import updates names and keeps the onboarding status.
  auto again = import("GM0363,Gemeente Amsterdam,34366966,002564440,,2014-01-01,\n");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->updated, 1u);
  auto ams = db_->read([](reader& r) { return find_municipality(r, "GM0363", "2026-03-01"); });
  EXPECT_EQ((*ams)->naam, "Gemeente Amsterdam");
  EXPECT_EQ((*ams)->status, municipality_status::connected);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'registry.import'"), 2);
}

// Verifies conditions: versions, the current one, and that neither a version nor a text is published twice.
TEST_F(OnboardingStore, ConditionsAreVersionedAndImmutable) {
  auto add = [&](std::string_view v, std::string_view text) {
    return db_->write([&](transaction& tx) -> result<void> {
      auto d = add_conditions(tx, v, text, clock_.now());
      if (!d) return d.error();
      return {};
    });
  };
  ASSERT_TRUE(add("2026-1", "Tekst een"));
  clock_.advance(24h);
  ASSERT_TRUE(add("2026-2", "Tekst twee"));
  EXPECT_EQ(add("2026-2", "Andere tekst").error(), error::constraint);
  EXPECT_EQ(add("2026-3", "Tekst een").error(), error::constraint);
  EXPECT_EQ(add("versie met spatie", "x").error(), error::invalid_argument);
  auto current = db_->read([](reader& r) { return current_conditions(r); });
  ASSERT_TRUE(current && *current);
  EXPECT_EQ((*current)->document.version, "2026-2");
  EXPECT_EQ((*current)->text, "Tekst twee");
  EXPECT_EQ(db_->read([](reader& r) { return list_conditions(r); })->size(), 2u);
  test::raw_db raw(db_->file());
  EXPECT_NE(raw.exec("UPDATE aansluitvoorwaarden SET tekst = 'anders'"),
            SQLITE_OK);  // published text never changes
}

// Verifies a transition: the state round-trips through the store, the registry mirrors it, and
// the audit record commits with it; a refusal commits only its audit record.
TEST_F(OnboardingStore, TransitionsCommitWithTheirAuditRecord) {
  ASSERT_TRUE(import("GM0363,Amsterdam,34366966,002564440,,2014-01-01,\n"));
  const domain::actor admin{domain::role::administrator, {}, "admin-1"};
  const domain::actor casework{domain::role::casework, {.kvk = "34366966"}, "cw-1"};
  const domain::actor signatory{domain::role::signatory, {.rsin = "002564440"}, "sig-1"};
  auto cohort = domain::create_cohort(
      "c-1", {"Pilot", domain::cohort_kind::pilot, clock_.now(), clock_.now() + 24h, 1, clock_.now() + 48h},
      admin);
  ASSERT_TRUE(cohort);
  domain::conditions_document doc;
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    if (auto ok = insert_cohort(tx, *cohort, clock_.now()); !ok) return ok;
    auto d = add_conditions(tx, "2026-1", "Voorwaarden", clock_.now());
    if (!d) return d.error();
    doc = *d;
    return {};
  }));
  const audit_identity who{.origin = "192.0.2.1", .actor = "user:eherkenning:cw-1", .request_id = "r-1"};
  auto reg = run_registration(*db_, "GM0363", "c-1", casework, who, clock_.now());
  ASSERT_TRUE(reg);
  EXPECT_FALSE(reg->refusal);
  EXPECT_EQ(db_->read([](reader& r) { return find_cohort(r, "c-1"); }).value()->registered, 1u);

  const domain::application app{.coordinator = {"A. Bakker", "nazorg@amsterdam.example.nl", "0205551234"},
                                .wants_detention_notifications = true,
                                .wants_information_sheets = false,
                                .certificate_oin = "00000001002564440000",
                                .certificate_sha256 = std::string(64, 'a'),
                                .push_endpoint = std::nullopt};
  const sys_time now = clock_.now();
  for (const auto& step : std::vector<transition_fn>{
           [&](reader&, const municipality_record&m, const domain::onboarding&s) {
             return domain::accept_conditions(s, to_domain(m), doc, doc.sha256, casework, now);
           },
           [&](reader&, const municipality_record&m, const domain::onboarding&s) {
             return domain::save_application(s, to_domain(m), app, casework, now);
           },
           [&](reader&, const municipality_record&m, const domain::onboarding&s) {
             return domain::sign_application(
                 s, to_domain(m), *cohort,
                 {"_a1", domain::application_sha256(app, doc, to_domain(m), *cohort)}, signatory, now);
           }}) {
    auto out = run_transition(*db_, "GM0363", "test.step", who, now, step);
    ASSERT_TRUE(out);
    ASSERT_FALSE(out->refusal) << out->refusal.message();
  }
  auto loaded = db_->read([](reader& r) -> result<domain::onboarding> {
    auto m = find_municipality(r, "GM0363", "2026-03-01");
    return load_onboarding(r, (*m)->id);
  });
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->status, municipality_status::application_signed);
  EXPECT_EQ(loaded->application, app);
  ASSERT_TRUE(loaded->signature);
  EXPECT_EQ(loaded->signature->assertion_id, "_a1");
  const auto registry =
      db_->read([](reader& r) { return find_municipality(r, "GM0363", "2026-03-01"); }).value().value();
  const std::string signed_text = domain::canonical_application_text(app, doc, to_domain(registry), *cohort);
  EXPECT_EQ(loaded->signature->application_sha256,
            domain::application_sha256(app, doc, to_domain(registry), *cohort));
  EXPECT_EQ(count("SELECT count(*) FROM ondertekeningen WHERE tekst = '" + signed_text + "'"), 1);
  // The signature comes back with the exact text it covers.
  EXPECT_EQ(loaded->signature->text, signed_text);
  EXPECT_EQ(sha256_hex(loaded->signature->text), loaded->signature->application_sha256);
  EXPECT_EQ(db_->read([](reader& r) { return find_municipality(r, "GM0363", "2026-03-01"); }).value()->status,
            municipality_status::application_signed);

  // A refusal (a casework user cannot approve) writes nothing but its audit record.
  auto refused = run_transition(*db_, "GM0363", "test.approve", who, now,
                                [&](reader&, const municipality_record&, const domain::onboarding& s) {
                                  return domain::approve_application(s, casework, now);
                                });
  ASSERT_TRUE(refused);
  EXPECT_EQ(domain::domain_error_of(refused->refusal), domain::error::not_permitted);
  EXPECT_EQ(
      count(
          "SELECT count(*) FROM audit_log WHERE action = 'test.approve' AND result = 'denied:NOT_PERMITTED'"),
      1);
  EXPECT_EQ(count("SELECT count(*) FROM beoordelingen"), 0);

  // A failing follow-up (here: a notice that cannot be queued) rolls back the transition and its audit
  // record.
  auto failed = run_transition(
      *db_, "GM0363", "test.approve2", who, now,
      [&](reader&, const municipality_record&, const domain::onboarding& s) {
        return domain::approve_application(s, admin, now);
      },
      [](transaction& tx, const transition_outcome&) { return enqueue_email(tx, {}, fake_clock{}.now()); });
  EXPECT_FALSE(failed);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE action = 'test.approve2'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM aansluitingen WHERE status = 'SIGNED'"), 1);

  // An unknown municipality writes nothing.
  auto unknown = run_transition(*db_, "GM9999", "test.x", who, now,
                                [](reader&, const municipality_record&, const domain::onboarding& s) {
                                  return result<domain::onboarding>(s);
                                });
  EXPECT_EQ(unknown.error(), error::invalid_argument);
}

// Verifies the outbox: due messages, retries with a later due time, giving up, and sent ones.
TEST_F(OnboardingStore, EmailOutboxRetriesAndGivesUp) {
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    for (const char* to : {"a@example.nl", "b@example.nl"})
      if (auto ok = enqueue_email(tx, {0, "approved", to, "Onderwerp", "Tekst", 0}, clock_.now()); !ok)
        return ok;
    return {};
  }));
  auto due = db_->read([&](reader& r) { return due_emails(r, clock_.now(), 10); });
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 2u);
  ASSERT_TRUE(db_->write([&](transaction& tx) { return mark_email_sent(tx, (*due)[0].id, clock_.now()); }));
  ASSERT_TRUE(db_->write([&](transaction& tx) {
    return mark_email_failed(tx, (*due)[1].id, "io_error", clock_.now() + 60s, false, clock_.now());
  }));
  EXPECT_TRUE(db_->read([&](reader& r) { return due_emails(r, clock_.now() + 59s, 10); })->empty());
  auto retry = db_->read([&](reader& r) { return due_emails(r, clock_.now() + 60s, 10); });
  ASSERT_EQ(retry->size(), 1u);
  EXPECT_EQ(retry->front().attempts, 1);
  ASSERT_TRUE(db_->write([&](transaction& tx) {
    return mark_email_failed(tx, (*due)[1].id, "io_error", clock_.now() + 120s, true, clock_.now());
  }));
  EXPECT_TRUE(db_->read([&](reader& r) { return due_emails(r, clock_.now() + 24h, 10); })->empty());
  EXPECT_EQ(count("SELECT count(*) FROM email_outbox WHERE opgegeven_op IS NOT NULL"), 1);
}

}  // namespace
}  // namespace poort::store

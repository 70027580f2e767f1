// Regression test (issue 7, found under load by bench/run-deliveries-compare):
// accepting a delivery must cost the same however many entries the
// municipality's inbox already holds. Its person lookups (retention times,
// the person's sheets) once went through postvak_gemeente or a full scan of
// postvak instead of the BSN blind index, so every delivery read the whole
// inbox of its municipality and throughput fell as the inbox grew.
//
// The cost is measured in SQLite virtual-machine steps of the statements the
// writer runs for one delivery (a trace on every connection the process
// opens), not in time: deterministic, and independent of the machine.

#include "store/deliveries.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>

#include "store/data_key.hpp"
#include "store/database.hpp"
#include "store/registry.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::store {
namespace {

std::atomic<bool> counting{false};
std::atomic<std::uint64_t> vm_steps{0};

int on_statement_done(unsigned, void*, void* stmt, void*) {
  const int steps = sqlite3_stmt_status(static_cast<sqlite3_stmt*>(stmt), SQLITE_STMTSTATUS_VM_STEP, 1);
  if (counting) vm_steps += static_cast<std::uint64_t>(steps);
  return 0;
}

int trace_connection(sqlite3* db, char**, const sqlite3_api_routines*) {
  sqlite3_trace_v2(db, SQLITE_TRACE_PROFILE, on_statement_done, nullptr);
  return SQLITE_OK;
}

/// A valid BSN (eleven-test) for person n (0 <= n < 1,000,000), one per n.
std::string bsn(int n) {
  for (int v = 10'000'000 + n * 11;; ++v) {
    std::string d = std::to_string(v);
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += (d[i] - '0') * (9 - i);
    if (sum % 11 == 10) continue;
    return d + static_cast<char>('0' + sum % 11);
  }
}

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

domain::persoon person(int n) {
  return {bsn(n), "Jansenius", "Pieter Jan", domain::date{std::chrono::year{1990} / 4 / 17}};
}

incoming_delivery melding(int n) {
  domain::detentiemelding m;
  m.bericht_id = uuid(n);
  m.soort = domain::melding_soort::begin;
  m.persoon = person(n);
  m.gebeurtenisdatum = domain::date{std::chrono::year{2026} / 3 / 2};
  m.verwachte_invrijheidstelling = domain::date{std::chrono::year{2026} / 9 / 1};
  m.gemeentecode = "GM0193";
  m.grondslag = domain::grondslag::laatste_brp_adres;
  m.casemanager = {"M. de Vries", "m.devries@pi.example.nl", "+31 20 123 4567"};
  return {std::move(m), "00000099000020010000", std::string(64, 'a')};
}

incoming_delivery sheet(int n) {
  domain::informatieblad b;
  b.bericht_id = uuid(n);
  b.persoon = person(n);
  b.gemeentecode = "GM0193";
  b.toestemming = {"TV-1", domain::date{std::chrono::year{2026} / 3 / 10},
                   domain::basisvoorwaarde_set{domain::basisvoorwaarde::werk_en_inkomen}};
  b.secties[domain::basisvoorwaarde::werk_en_inkomen] = {{domain::onderwerp::werk, true, "Zoekt werk"}};
  b.versie = 1;
  return {std::move(b), "00000099000020010000", std::string(64, 'b')};
}

class DeliveryCost : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_auto_extension(reinterpret_cast<void (*)()>(trace_connection)), SQLITE_OK);
    auto db = database::open(test::store_config(dir_.path()), clock_, open_mode::migrate);
    ASSERT_TRUE(db) << db.error().message();
    db_ = std::move(*db);
    municipality_record m;
    m.gemeentecode = "GM0193";
    m.naam = "Gemeente";
    m.geldig_van = "2000-01-01";
    m.status = domain::municipality_status::connected;
    m.wil_detentiemeldingen = m.wil_informatiebladen = true;
    ASSERT_TRUE(db_->write([&](transaction& tx) { return upsert_municipality(tx, m, clock_.now(), true); }));
  }
  void TearDown() override {
    db_->close();
    sqlite3_cancel_auto_extension(reinterpret_cast<void (*)()>(trace_connection));
  }

  sealed_delivery make(int n) const {
    return seal_delivery(key_, GetParam() ? sheet(n) : melding(n)).value();
  }

  /// Accepts deliveries first..last-1 (each about another person) in one transaction.
  void fill(int first, int last) {
    ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
      for (int n = first; n < last; ++n) {
        auto r = accept_delivery(tx, key_, settings_, make(n), who_, clock_.now());
        if (!r) return r.error();
        if (r->what != delivery_outcome::kind::created) return make_error_code(error::internal);
      }
      return {};
    }));
  }

  /// The VM steps of accepting delivery n.
  std::uint64_t steps_for(int n) {
    const auto sealed = make(n);
    vm_steps = 0;
    counting = true;
    auto w = db_->write([&](transaction& tx) -> result<void> {
      auto r = accept_delivery(tx, key_, settings_, sealed, who_, clock_.now());
      if (!r) return r.error();
      return {};
    });
    counting = false;
    EXPECT_TRUE(w);
    return vm_steps;
  }

  test::temp_dir dir_;
  fake_clock clock_{sys_time{std::chrono::sys_days{std::chrono::year{2026} / 3 / 15}}};
  fake_random rnd_;
  data_key key_{"k1", data_key::key_bytes{}, rnd_};
  delivery_settings settings_;
  audit_identity who_{"127.0.0.1", "party:00000099000020010000", "req"};
  std::unique_ptr<database> db_;
};

// Verifies that a delivery's cost does not grow with its municipality's inbox.
TEST_P(DeliveryCost, DoesNotGrowWithTheInbox) {
  fill(1, 11);
  const auto small = steps_for(11);
  fill(12, 1012);
  const auto large = steps_for(1012);
  ASSERT_GT(small, 0u) << "the trace saw no statement";
  // A thousand more entries may deepen a B-tree by a level; a scan of them
  // would cost thousands of steps.
  EXPECT_LE(large, small + small / 5) << "10 entries: " << small << " steps; 1,010 entries: " << large;
}

INSTANTIATE_TEST_SUITE_P(Kinds, DeliveryCost, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Informatieblad" : "Detentiemelding"; });

}  // namespace
}  // namespace poort::store

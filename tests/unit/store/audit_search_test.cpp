// The audit trail search (store::query_audit with exact filters) and the
// indexes of migration 6 that let it walk one filter's records newest first.
#include "store/audit.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "tests/unit/store/store_test_util.hpp"

namespace poort::store {
namespace {

using namespace std::chrono_literals;

class AuditSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = database::open(test::store_config(dir_.path()), clock_, open_mode::migrate);
    ASSERT_TRUE(db) << db.error().message();
    db_ = std::move(*db);
  }
  void append(std::string action, std::string object, std::string actor) {
    ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
      auto ok = append_audit(tx, {action, object, "success", "192.0.2.1", actor, "", clock_.now()});
      if (!ok) return ok.error();
      return {};
    }));
    clock_.advance(1s);
  }
  std::vector<std::uint64_t> seqs(const audit_filter& f) {
    auto r = db_->read([&](reader& rd) { return query_audit(rd, f); });
    EXPECT_TRUE(r) << r.error().message();
    std::vector<std::uint64_t> out;
    if (r)
      for (const auto& e : *r) out.push_back(e.seq);
    return out;
  }
  /// The detail lines of SQLite's plan for `sql`, joined.
  std::string plan(const std::string& sql) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db_->file().c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr), SQLITE_OK);
    std::string out;
    while (sqlite3_step(st) == SQLITE_ROW)
      out += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 3))) + "\n";
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return out;
  }

  test::temp_dir dir_;
  fake_clock clock_{sys_time{std::chrono::sys_days{std::chrono::year{2026} / 6 / 1}}};
  std::unique_ptr<database> db_;
};

// Verifies exact object and actor matches (a prefix is not enough), combined filters, and
// paging backwards with before_seq.
TEST_F(AuditSearch, ExactFiltersCombineAndPage) {
  append("settings.change", "gemeente:GM0363", "user:eherkenning:a");   // 1
  append("settings.change", "gemeente:GM03630", "user:eherkenning:a");  // 2 (no real code; shows exactness)
  append("delivery.read", "bericht:1", "user:eherkenning:a");           // 3
  append("settings.change", "gemeente:GM0363", "user:eherkenning:ab");  // 4
  append("settings.change", "gemeente:GM0363", "user:eherkenning:a");   // 5

  EXPECT_EQ(seqs({.object = "gemeente:GM0363"}), (std::vector<std::uint64_t>{5, 4, 1}));
  EXPECT_EQ(seqs({.object_prefix = "gemeente:GM0363"}), (std::vector<std::uint64_t>{5, 4, 2, 1}));
  EXPECT_EQ(seqs({.actor = "user:eherkenning:a"}), (std::vector<std::uint64_t>{5, 3, 2, 1}));
  EXPECT_EQ(seqs({.actor = "user:eherkenning:a", .object = "gemeente:GM0363", .action = "settings.change"}),
            (std::vector<std::uint64_t>{5, 1}));
  EXPECT_EQ(seqs({.action = "settings.change", .before_seq = 4, .limit = 2}),
            (std::vector<std::uint64_t>{2, 1}));
  const sys_time start = clock_.now() - 5s;
  EXPECT_EQ(seqs({.action = "settings.change", .from = start + 1s, .until = start + 4s}),
            (std::vector<std::uint64_t>{4, 2}));
  auto too_long = db_->read([&](reader& r) { return query_audit(r, {.object = std::string(257, 'o')}); });
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error(), make_error_code(error::invalid_argument));
}

// Verifies that each exact filter's query shape walks its migration-6 index in seq order:
// no scan of the whole log and no sort, whatever the log's size.
TEST_F(AuditSearch, ExactFiltersWalkAnIndexNewestFirst) {
  append("login", "idp:justid", "user:justid:a");
  for (const std::string column : {"action", "actor", "object"}) {
    const std::string detail = plan("SELECT seq FROM audit_log WHERE 1 AND " + column +
                                    " = 'x' AND seq < 9 ORDER BY seq DESC LIMIT 51");
    EXPECT_NE(detail.find("INDEX audit_log_" + column + " (" + column + "=?"), std::string::npos) << detail;
    EXPECT_EQ(detail.find("TEMP B-TREE"), std::string::npos) << detail;
  }
}

}  // namespace
}  // namespace poort::store

// Unit tests of store::database when its environment fails: a full disk, a
// read-only file, a failed commit (split from database_test.cpp).

#include "store/database.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <vector>

#include "store_test_util.hpp"

namespace poort::store {
namespace {

using test::count_rows;
using test::create_test_table;
using test::insert_row;
using test::open_or_die;
using test::raw_db;
using test::store_config;
using test::temp_dir;
using test::writer_gate;

// ---- failures of the environment -------------------------------------------

// A page cap that leaves room for a few dozen rows above the migrated schema,
// whatever its size: the schema grows with every migration.
std::uint64_t cap_above_schema(const config::store& base, fake_clock& clock) {
  auto db = open_or_die(base, clock);
  auto pages = db->read([](reader& r) { return r.query_int64("PRAGMA page_count"); });
  db->close();
  return pages ? static_cast<std::uint64_t>(*pages) + 32 : 64;
}

TEST(Database, DiskFullAnswersUnavailableAndRecovers) {
  temp_dir dir;
  fake_clock clock;
  auto cfg = store_config(dir.path());
  cfg.max_page_count = cap_above_schema(cfg, clock);
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));
  EXPECT_TRUE(db->check_writable());

  const std::string body(1000, 'b');
  std::int64_t acked = 0;
  result<void> last = make_error_code(error::ok);
  for (std::int64_t id = 1; id <= 1000; ++id) {
    last = db->write(insert_row(id, body));
    if (!last) break;
    acked = id;
  }
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error(), make_error_code(error::disk_full));
  EXPECT_EQ(condition_of(last.error()), condition::unavailable);
  EXPECT_GT(acked, 10);
  auto health = db->check_writable();
  ASSERT_FALSE(health);
  EXPECT_EQ(condition_of(health.error()), condition::unavailable);
  EXPECT_EQ(count_rows(*db), acked);  // nothing unacknowledged was kept
  db->close();

  cfg.max_page_count = 0;  // space returns
  db = open_or_die(cfg, clock, open_mode::require_current);
  EXPECT_TRUE(db->check_writable());
  EXPECT_TRUE(db->write(insert_row(acked + 1, body)));
  EXPECT_EQ(count_rows(*db), acked + 1);
}

TEST(Database, DiskFullInBatchAcknowledgesOnlyWhatIsKept) {
  temp_dir dir;
  fake_clock clock;
  auto cfg = store_config(dir.path());
  cfg.max_page_count = cap_above_schema(cfg, clock);
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));
  const auto before = db->metrics();

  // Small rows first in the batch, then one too big for what is left. SQLite
  // may roll back only the big row's statement or the whole transaction; either
  // way an item is acknowledged exactly when its row is kept.
  std::vector<result<void>> outcomes(3, make_error_code(error::ok));
  std::latch answered{3};
  writer_gate gate;
  gate.hold(*db);
  for (int i = 0; i < 3; ++i)
    db->submit(insert_row(i + 1, std::string(i == 2 ? 400'000 : 10, 'b')), [&, i](result<void> r) {
      outcomes[i] = r;
      answered.count_down();
    });
  gate.release();
  answered.wait();
  ASSERT_FALSE(outcomes[2]);
  EXPECT_EQ(outcomes[2].error(), make_error_code(error::disk_full));
  for (int i = 0; i < 3; ++i) {
    auto kept = db->read([i](reader& r) -> result<std::int64_t> {
      auto st = r.prepare("SELECT count(*) FROM t WHERE id = ?");
      if (!st) return st.error();
      st->bind(1, std::int64_t{i + 1});
      if (auto row = st->step(); !row) return row.error();
      return st->column_int64(0);
    });
    EXPECT_EQ(kept.value(), outcomes[i] ? 1 : 0) << "item " << i;
    if (!outcomes[i]) {
      EXPECT_EQ(condition_of(outcomes[i].error()), condition::unavailable);
    }
  }
  EXPECT_EQ(db->metrics().transactions - before.transactions,
            static_cast<std::uint64_t>(outcomes[0].has_value() + outcomes[1].has_value() + 1));
  EXPECT_TRUE(db->write(insert_row(9)));  // the writer goes on
}

TEST(Database, ReadOnlyFileAnswersUnavailable) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  {
    auto db = open_or_die(cfg, clock);
    ASSERT_TRUE(create_test_table(*db));
    ASSERT_TRUE(db->write(insert_row(1)));
  }
  test::read_only_file guard{cfg.database};
  if (!guard.ok()) GTEST_SKIP() << "cannot make a file read-only here";

  auto db = open_or_die(cfg, clock, open_mode::require_current);
  auto w = db->write(insert_row(2));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error(), make_error_code(error::read_only));
  EXPECT_EQ(condition_of(w.error()), condition::unavailable);
  auto health = db->check_writable();
  ASSERT_FALSE(health);
  EXPECT_EQ(health.error(), make_error_code(error::read_only));
  EXPECT_EQ(count_rows(*db), 1);  // reads still work
  db->close();
}

TEST(Database, FailedCommitAcknowledgesNothingAndRecovers) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));
  ASSERT_TRUE(db->write(insert_row(1)));
  if (geteuid() != 0) GTEST_SKIP() << "needs root to make the open WAL file unwritable";

  std::vector<result<void>> outcomes(3, make_error_code(error::ok));
  {
    // The WAL is written at COMMIT: making it unwritable fails the COMMIT.
    std::filesystem::path wal = cfg.database;
    wal += "-wal";
    test::read_only_file guard{wal};
    if (!guard.ok()) GTEST_SKIP() << "file system without the immutable flag";
    std::latch answered{3};
    writer_gate gate;
    gate.hold(*db);
    for (int i = 0; i < 3; ++i)
      db->submit(insert_row(10 + i), [&, i](result<void> r) {
        outcomes[i] = r;
        answered.count_down();
      });
    gate.release();
    answered.wait();
    EXPECT_FALSE(db->check_writable());
  }
  for (const auto& r : outcomes) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(error::io_error));
    EXPECT_EQ(condition_of(r.error()), condition::unavailable);
  }
  EXPECT_GE(db->metrics().failed_commits, 1u);
  EXPECT_TRUE(db->check_writable());
  EXPECT_TRUE(db->write(insert_row(2)));
  db->close();

  db = open_or_die(cfg, clock, open_mode::require_current);
  EXPECT_EQ(count_rows(*db), 2);
}

}  // namespace
}  // namespace poort::store

// backup_database (store/backup.hpp): a consistent, checked, private copy of
// the live database, made while the writer goes on.

#include "store/backup.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store_test_util.hpp"

namespace poort::store {
namespace {

namespace fs = std::filesystem;
using test::raw_db;
using test::store_config;
using test::temp_dir;

audit_record record(int i, sys_time at) {
  return {.action = "delivery.read",
          .object = "bericht:" + std::to_string(i),
          .result = "success",
          .origin = "203.0.113.5",
          .actor = "oin:00000099000000000001",
          .request_id = "req-" + std::to_string(i),
          .at = at};
}

std::string file_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

class Backup : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = store_config(dir_.path());
    db_ = std::move(database::open(cfg_, clock_, open_mode::migrate).value());
  }

  result<void> append(int i) {
    return db_->write([&](transaction& tx) -> result<void> {
      auto seq = append_audit(tx, record(i, clock_.now()));
      if (!seq) return seq.error();
      return {};
    });
  }

  temp_dir dir_;
  fake_clock clock_;
  config::store cfg_;
  std::unique_ptr<database> db_;
};

// Verifies the copy: every committed record, its audit chain and head, the
// schema version, mode 0600, one self-contained file (not WAL), no partial
// file left, and the live database untouched.
TEST_F(Backup, CopiesEverythingCommittedIntoAPrivateCheckedFile) {
  for (int i = 1; i <= 50; ++i) ASSERT_TRUE(append(i));
  const fs::path target = dir_.path() / "backup.db";

  auto made = backup_database(cfg_.database, target);
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_EQ(made->audit_records, 50u);
  EXPECT_EQ(made->audit_head, audit_head(cfg_.database).value());
  EXPECT_EQ(made->schema_version, latest_schema_version());
  EXPECT_EQ(made->bytes, fs::file_size(target));
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(target.string() + ".partial"));

  auto chain = verify_audit_chain(target, std::array{made->audit_head});
  ASSERT_TRUE(chain);
  EXPECT_TRUE(chain->ok) << chain->reason;
  raw_db copy{target};
  EXPECT_EQ(copy.text("PRAGMA journal_mode"), "delete");
  EXPECT_EQ(copy.scalar("SELECT count(*) FROM audit_log"), 50);

  ASSERT_TRUE(append(51));  // the live database goes on
  EXPECT_EQ(audit_head(cfg_.database).value().seq, 51u);
}

// Verifies that a backup taken while the writer keeps committing is one
// snapshot: its chain verifies and ends at a record the live chain has.
TEST_F(Backup, IsOneSnapshotWhileTheWriterGoesOn) {
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(append(i));
  std::atomic<bool> stop{false};
  std::atomic<int> written{20};
  std::thread writer([&] {
    for (int i = 21; !stop.load(); ++i) {
      if (!append(i)) break;
      written.store(i);
    }
  });
  auto made = backup_database(cfg_.database, dir_.path() / "during.db");
  stop.store(true);
  writer.join();
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_GE(made->audit_records, 20u);
  EXPECT_LE(made->audit_records, static_cast<std::uint64_t>(written.load()));
  // The live chain has the copy's head at the same place.
  auto live = verify_audit_chain(cfg_.database, std::array{made->audit_head});
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->ok) << live->reason;
}

// Verifies that a backup never replaces a file: an existing target, or an
// existing "<target>.partial" (another backup, or one cut off), is refused and
// left as it was.
TEST_F(Backup, NeverReplacesAFile) {
  const fs::path target = dir_.path() / "backup.db";
  std::ofstream(target) << "not to be replaced";
  auto made = backup_database(cfg_.database, target);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error(), make_error_code(error::invalid_argument));
  EXPECT_EQ(file_bytes(target), "not to be replaced");

  const fs::path other = dir_.path() / "other.db";
  std::ofstream(other.string() + ".partial") << "another backup's";
  made = backup_database(cfg_.database, other);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error(), make_error_code(error::invalid_argument));
  EXPECT_EQ(file_bytes(other.string() + ".partial"), "another backup's");
  EXPECT_FALSE(fs::exists(other));
}

// Verifies that the copy holds live rows only: pages the live file keeps
// free after a delete are not copied (a page-by-page copy would take them).
TEST_F(Backup, HasNoFreePages) {
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    if (auto r = tx.exec("CREATE TABLE t (body TEXT NOT NULL)"); !r) return r;
    auto st = tx.prepare("INSERT INTO t (body) VALUES (?)");
    if (!st) return st.error();
    for (int i = 0; i < 100; ++i)
      if (auto r = st->bind(1, std::string(2'000, 'q')).run(); !r) return r;
    return {};
  }));
  ASSERT_TRUE(db_->write([](transaction& tx) { return tx.exec("DELETE FROM t"); }));
  std::int64_t live_free = 0;
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    live_free = tx.query_int64("PRAGMA freelist_count").value();
    return {};
  }));
  ASSERT_GT(live_free, 40);

  const fs::path target = dir_.path() / "backup.db";
  ASSERT_TRUE(backup_database(cfg_.database, target));
  raw_db copy{target};
  EXPECT_EQ(copy.scalar("PRAGMA freelist_count"), 0);
  EXPECT_EQ(copy.scalar("SELECT count(*) FROM t"), 0);
}

// Verifies that a source that cannot be opened fails cleanly and leaves no file.
TEST_F(Backup, MissingSourceLeavesNothing) {
  const fs::path target = dir_.path() / "backup.db";
  auto made = backup_database(dir_.path() / "no-such.db", target);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error(), make_error_code(error::io_error));
  EXPECT_FALSE(fs::exists(target));
  EXPECT_FALSE(fs::exists(target.string() + ".partial"));
  EXPECT_FALSE(fs::exists(dir_.path() / "no-such.db"));
}

}  // namespace
}  // namespace poort::store

// poort's process-wide SQLite settings (store::apply_sqlite_settings). They
// only take effect before SQLite initialises, so this binary has one test and
// opens nothing before it.

#include "store/sqlite.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::store {
namespace {

/// How many descriptors of this process are open on a file under `dir`
/// (SQLite unlinks its temporary files as it opens them).
int open_files_under(const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(fd.path(), ec);
    if (!ec && target.string().starts_with(dir.string() + "/")) ++n;
  }
  return n;
}

TEST(SqliteSettings, TakeEffectAtTheStoresFirstOpen) {
  test::temp_dir dir;
  const auto tmp = dir.path() / "tmp";
  std::filesystem::create_directory(tmp);
  // SQLite reads its temporary directory when it initialises, at the first open.
  ASSERT_EQ(setenv("SQLITE_TMPDIR", tmp.c_str(), 1), 0);
  poort::fake_clock clock{sys_time{std::chrono::sys_days{std::chrono::year{2026} / 3 / 15}}};
  auto db = database::open(test::store_config(dir.path()), clock, open_mode::migrate);
  ASSERT_TRUE(db) << db.error().message();
  EXPECT_TRUE(apply_sqlite_settings());

  // No memory statistics: SQLite then reports no memory in use.
  EXPECT_EQ(sqlite3_memory_used(), 0);

  // Every work item runs in a SAVEPOINT; an item that rewrites about 160 KiB
  // of existing pages keeps their undo copies in memory (SQLite's default
  // would spill them to a temporary file beyond 64 KiB).
  ASSERT_TRUE((*db)->write([](transaction& tx) -> result<void> {
    if (auto r = tx.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT"); !r) return r;
    return tx.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
        "INSERT INTO t (id, body) SELECT i, printf('%.3900c', 'a') FROM n");
  }));
  int spilled = -1;
  ASSERT_TRUE((*db)->write([&](transaction& tx) -> result<void> {
    if (auto r = tx.exec("UPDATE t SET body = printf('%.3900c', 'b')"); !r) return r;
    spilled = open_files_under(tmp);
    return {};
  }));
  EXPECT_EQ(spilled, 0) << "the statement journal went to a temporary file";
}

}  // namespace
}  // namespace poort::store

// Regression test: opening a read-write connection must not drop the POSIX
// locks that the process's other connections hold on the database file.
//
// Closing any descriptor of a file releases every fcntl lock the process holds
// on it. connection::open once did open()+close() on an existing database to
// fix its mode; after that (it ran for each checkpoint after a purge) another
// process that closed its last connection to the file could take the
// EXCLUSIVE lock, believe it was the last user, checkpoint and delete the WAL
// under poortd's readers, which then failed with SQLITE_IOERR_SHORT_READ.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/sqlite.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::store {
namespace {

TEST(PosixLocks, AnotherOpenKeepsTheLocksOfTheProcess) {
  test::temp_dir dir;
  const auto file = dir.path() / "t.db";
  auto writer = connection::open(file, connection::access::read_write, std::chrono::milliseconds(50));
  ASSERT_TRUE(writer) << writer.error().message();
  ASSERT_TRUE(writer->exec("PRAGMA journal_mode = WAL; CREATE TABLE t (v TEXT);"));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(writer->exec("INSERT INTO t VALUES (hex(randomblob(500)))"));
  auto reader = connection::open(file, connection::access::read_only, std::chrono::milliseconds(50));
  ASSERT_TRUE(reader) << reader.error().message();
  ASSERT_EQ(*reader->query_int64("SELECT count(*) FROM t"), 50);

  // A second read-write connection comes and goes (as for a checkpoint).
  { ASSERT_TRUE(connection::open(file, connection::access::read_write, std::chrono::milliseconds(50))); }

  // Another process opens the database and closes it again. While this
  // process holds its locks, that close must not be the "last connection"
  // close that checkpoints and deletes the WAL.
  const std::string cmd = "sqlite3 '" + file.string() + "' 'SELECT count(*) FROM t;' >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(std::filesystem::exists(file.string() + "-wal"));

  for (int i = 0; i < 50; ++i) ASSERT_TRUE(writer->exec("INSERT INTO t VALUES (hex(randomblob(500)))"));
  auto count = reader->query_int64("SELECT count(*) FROM t WHERE length(v) = 1000");
  ASSERT_TRUE(count) << count.error().message();
  EXPECT_EQ(*count, 100);
}

}  // namespace
}  // namespace poort::store

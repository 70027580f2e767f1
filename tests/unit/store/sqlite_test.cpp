#include "store/sqlite.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <vector>

#include "store_test_util.hpp"

namespace poort::store {
namespace {

using test::temp_dir;

TEST(SqliteErrors, MapOntoConditions) {
  struct row {
    int rc;
    error e;
    condition c;
  };
  const row table[] = {
      {SQLITE_BUSY, error::busy, condition::unavailable},
      {SQLITE_BUSY_SNAPSHOT, error::busy, condition::unavailable},
      {SQLITE_FULL, error::disk_full, condition::unavailable},
      {SQLITE_READONLY, error::read_only, condition::unavailable},
      {SQLITE_READONLY_DBMOVED, error::read_only, condition::unavailable},
      {SQLITE_IOERR_FSYNC, error::io_error, condition::unavailable},
      {SQLITE_CANTOPEN, error::io_error, condition::unavailable},
      {SQLITE_CONSTRAINT_UNIQUE, error::constraint, condition::conflict},
      {SQLITE_TOOBIG, error::too_big, condition::too_large},
      {SQLITE_CORRUPT, error::corrupt, condition::internal},
      {SQLITE_NOTADB, error::corrupt, condition::internal},
      {SQLITE_ERROR, error::sqlite, condition::internal},
      {SQLITE_MISUSE, error::sqlite, condition::internal},
  };
  for (const row& r : table) {
    EXPECT_EQ(error_from_sqlite(r.rc), r.e) << r.rc;
    EXPECT_EQ(condition_of(make_error_code(r.e)), r.c) << r.rc;
  }
  EXPECT_EQ(condition_of(make_error_code(error::audit_write_failed)), condition::unavailable);
  EXPECT_EQ(condition_of(make_error_code(error::closed)), condition::unavailable);
  EXPECT_EQ(condition_of(make_error_code(error::invalid_argument)), condition::bad_request);
}

class SqliteConnection : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = connection::open(dir_.path() / "x.db", connection::access::read_write,
                              std::chrono::milliseconds{1000});
    ASSERT_TRUE(c);
    conn_.emplace(std::move(*c));
    ASSERT_TRUE(conn_->exec("CREATE TABLE t (i INTEGER, s TEXT, b BLOB) STRICT"));
  }
  temp_dir dir_;
  std::optional<connection> conn_;
};

TEST_F(SqliteConnection, BindsAndReadsEveryType) {
  auto ins = conn_->prepare("INSERT INTO t (i, s, b) VALUES (?, ?, ?)");
  ASSERT_TRUE(ins);
  const std::uint8_t blob[] = {0, 1, 2, 255};
  ASSERT_TRUE(ins->bind(1, std::int64_t{-5}).bind(2, std::string_view{"a\0b", 3}).bind_blob(3, blob).run());
  ASSERT_TRUE(ins->bind_null(1).bind_null(2).bind_null(3).run());
  EXPECT_EQ(conn_->changes(), 1);

  auto sel = conn_->prepare("SELECT i, s, b FROM t ORDER BY rowid");
  ASSERT_TRUE(sel);
  ASSERT_TRUE(sel->step().value());
  EXPECT_EQ(sel->column_int64(0), -5);
  EXPECT_EQ(sel->column_text(1), (std::string_view{"a\0b", 3}));
  EXPECT_EQ(std::vector<std::uint8_t>(sel->column_blob(2).begin(), sel->column_blob(2).end()),
            std::vector<std::uint8_t>(std::begin(blob), std::end(blob)));
  ASSERT_TRUE(sel->step().value());
  EXPECT_TRUE(sel->column_is_null(0));
  EXPECT_TRUE(sel->column_text(1).empty());
  EXPECT_FALSE(sel->step().value());
}

TEST_F(SqliteConnection, BindErrorSurfacesAtStep) {
  auto ins = conn_->prepare("INSERT INTO t (i) VALUES (?)");
  ASSERT_TRUE(ins);
  ins->bind(2, std::int64_t{1});  // no parameter 2
  auto r = ins->run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(error::sqlite));
  ins->reset();
  EXPECT_TRUE(ins->bind(1, std::int64_t{1}).run());
}

TEST_F(SqliteConnection, StrictTableRefusesWrongType) {
  auto ins = conn_->prepare("INSERT INTO t (i) VALUES (?)");
  ASSERT_TRUE(ins);
  auto r = ins->bind(1, "not a number").run();
  ASSERT_FALSE(r);
  EXPECT_EQ(condition_of(r.error()), condition::conflict);
}

TEST_F(SqliteConnection, PrepareRefusesMoreThanOneStatement) {
  EXPECT_EQ(conn_->prepare("SELECT 1; SELECT 2").error(), make_error_code(error::sqlite));
  EXPECT_EQ(conn_->prepare("").error(), make_error_code(error::sqlite));
  EXPECT_TRUE(conn_->prepare("SELECT 1;  "));
  EXPECT_EQ(conn_->prepare("SELECT * FROM nowhere").error(), make_error_code(error::sqlite));
}

TEST_F(SqliteConnection, ReadOnlyConnectionRefusesWrites) {
  auto ro =
      connection::open(dir_.path() / "x.db", connection::access::read_only, std::chrono::milliseconds{1000});
  ASSERT_TRUE(ro);
  EXPECT_EQ(ro->exec("INSERT INTO t (i) VALUES (1)").error(), make_error_code(error::read_only));
  EXPECT_EQ(ro->query_int64("SELECT count(*) FROM t").value(), 0);
}

TEST(SqliteOpen, MissingDirectoryIsAnIoError) {
  temp_dir dir;
  auto c = connection::open(dir.path() / "no" / "such.db", connection::access::read_write,
                            std::chrono::milliseconds{1000});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), make_error_code(error::io_error));
}

TEST(SqliteOpen, GarbageFileIsCorrupt) {
  temp_dir dir;
  const auto file = dir.path() / "garbage.db";
  { std::ofstream(file) << std::string(8192, 'g'); }
  auto c = connection::open(file, connection::access::read_write, std::chrono::milliseconds{1000});
  auto r = c ? c->query_int64("SELECT count(*) FROM sqlite_schema") : result<std::int64_t>{c.error()};
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(error::corrupt));
}

}  // namespace
}  // namespace poort::store

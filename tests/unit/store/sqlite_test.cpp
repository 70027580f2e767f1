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

TEST_F(SqliteConnection, RowHelpersReadEveryRowInOrder) {
  ASSERT_TRUE(conn_->exec("INSERT INTO t (i, s) VALUES (1, 'een'), (2, 'twee'), (3, 'drie')"));
  auto sel = conn_->prepare("SELECT i, s FROM t WHERE i >= ? ORDER BY i");
  ASSERT_TRUE(sel);
  sel->bind(1, std::int64_t{2});
  auto rows = collect_rows(*sel, [](const statement& row) { return row.column_string(1); });
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, (std::vector<std::string>{"twee", "drie"}));

  sel->reset();
  sel->bind(1, std::int64_t{0});
  std::int64_t sum = 0;
  ASSERT_TRUE(for_each_row(*sel, [&](const statement& row) { sum += row.column_int64(0); }));
  EXPECT_EQ(sum, 6);

  sel->reset();
  sel->bind(1, std::int64_t{2});
  auto first = query_one(*sel, [](const statement& row) { return row.column_int64(0); });
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, std::optional<std::int64_t>{2});
  sel->reset();
  sel->bind(1, std::int64_t{9});
  auto none = query_one(*sel, [](const statement& row) { return row.column_int64(0); });
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

TEST_F(SqliteConnection, RowHelpersStopAtTheFirstError) {
  ASSERT_TRUE(conn_->exec("INSERT INTO t (i) VALUES (1), (2), (3)"));
  auto sel = conn_->prepare("SELECT i FROM t ORDER BY i");
  ASSERT_TRUE(sel);
  int calls = 0;
  auto each = for_each_row(*sel, [&](const statement& row) -> result<void> {
    ++calls;
    if (row.column_int64(0) == 2) return make_error_code(error::corrupt);
    return {};
  });
  ASSERT_FALSE(each);
  EXPECT_EQ(each.error(), make_error_code(error::corrupt));
  EXPECT_EQ(calls, 2);

  sel->reset();
  auto rows = collect_rows(*sel, [](const statement& row) -> result<std::int64_t> {
    if (row.column_int64(0) == 3) return make_error_code(error::corrupt);
    return row.column_int64(0);
  });
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error(), make_error_code(error::corrupt));

  sel->reset();
  auto one = query_one(
      *sel, [](const statement&) -> result<std::int64_t> { return make_error_code(error::corrupt); });
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error(), make_error_code(error::corrupt));

  auto bad = conn_->prepare("SELECT i FROM t WHERE i = ?");
  ASSERT_TRUE(bad);
  bad->bind(2, std::int64_t{1});  // no parameter 2: the bind error surfaces at the first step
  EXPECT_EQ(collect_rows(*bad, [](const statement& row) { return row.column_int64(0); }).error(),
            make_error_code(error::sqlite));
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

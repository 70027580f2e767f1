// Unit tests of the prepared-statement cache of store::connection: a
// statement is compiled once per connection and SQL text, and two statements
// of the same text alive at once never share one prepared statement.

#include <gtest/gtest.h>

#include <optional>

#include "store/sqlite.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::store {
namespace {

class StatementCache : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = connection::open(dir_.path() / "t.db", connection::access::read_write, std::chrono::seconds(5));
    ASSERT_TRUE(c) << c.error().message();
    conn_.emplace(std::move(*c));
    ASSERT_TRUE(conn_->exec("CREATE TABLE t (v INTEGER)"));
  }

  test::temp_dir dir_;
  std::optional<connection> conn_;
};

// Verifies that the second prepare of a text reuses the first statement
// (SQLite counts its runs), reset and with its bindings cleared.
TEST_F(StatementCache, ReusesTheStatementOfTheSameText) {
  for (std::int64_t i = 0; i < 3; ++i) {
    auto st = conn_->prepare("INSERT INTO t (v) VALUES (?)");
    ASSERT_TRUE(st);
    if (i < 2) st->bind(1, i);  // the third run must see no binding left over: NULL
    ASSERT_TRUE(st->run());
  }
  auto runs = conn_->prepare("SELECT count(*), count(v), sum(v) FROM t");
  ASSERT_TRUE(runs);
  ASSERT_TRUE(*runs->step());
  EXPECT_EQ(runs->column_int64(0), 3);
  EXPECT_EQ(runs->column_int64(1), 2) << "bindings are cleared when a statement goes back";
  EXPECT_EQ(runs->column_int64(2), 1);

  auto again = conn_->prepare("INSERT INTO t (v) VALUES (?)");
  ASSERT_TRUE(again);
  sqlite3_stmt* raw = nullptr;
  for (sqlite3_stmt* s = sqlite3_next_stmt(conn_->handle(), nullptr); s;
       s = sqlite3_next_stmt(conn_->handle(), s))
    if (std::string_view(sqlite3_sql(s)) == "INSERT INTO t (v) VALUES (?)") {
      EXPECT_EQ(raw, nullptr) << "one prepared statement per text";
      raw = s;
    }
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(sqlite3_stmt_status(raw, SQLITE_STMTSTATUS_RUN, 0), 3)
      << "the statement of the first prepare ran all three";
}

// Verifies that two live statements of one text are independent.
TEST_F(StatementCache, LiveStatementsOfOneTextAreSeparate) {
  auto a = conn_->prepare("SELECT ?");
  auto b = conn_->prepare("SELECT ?");
  ASSERT_TRUE(a && b);
  a->bind(1, std::int64_t{1});
  b->bind(1, std::int64_t{2});
  ASSERT_TRUE(*a->step());
  ASSERT_TRUE(*b->step());
  EXPECT_EQ(a->column_int64(0), 1);
  EXPECT_EQ(b->column_int64(0), 2);
}

// Verifies that a statement outliving its connection is finalized safely.
TEST_F(StatementCache, StatementMayOutliveItsConnection) {
  auto st = conn_->prepare("SELECT 1");
  ASSERT_TRUE(st);
  ASSERT_TRUE(*st->step());
  conn_.reset();
  SUCCEED();  // `st` is destroyed after the connection (AddressSanitizer checks it)
}

}  // namespace
}  // namespace poort::store

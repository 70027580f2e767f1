#pragma once
// SQLite, wrapped: owning handles with deleters, a prepared `statement`, a
// `connection`, and SQLite result codes turned into `store::error` right here.
//
// Every failure is logged once, where it happens, as a `store.sqlite_error`
// line with SQLite's extended result code, its message and the statement's
// SQL text. SQL text carries `?` placeholders only: callers bind every value
// and never format one into SQL, so no personal data reaches the log.
//
// Thread safety: a `connection` and its statements are used by one thread at
// a time (connections are opened with SQLITE_OPEN_NOMUTEX); different
// connections may be used concurrently.

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "store/error.hpp"

namespace poort::store {

struct sqlite_close {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct sqlite_finalize {
  void operator()(sqlite3_stmt* st) const noexcept { sqlite3_finalize(st); }
};
using sqlite_ptr = std::unique_ptr<sqlite3, sqlite_close>;
using sqlite_stmt_ptr = std::unique_ptr<sqlite3_stmt, sqlite_finalize>;

/// Applies poort's process-wide SQLite settings (no memory statistics;
/// statement journals in memory up to 256 KiB; store/sqlite.cpp says why)
/// unless that was tried before. `connection::open` calls it first.
/// Success: true, the settings are in effect. Failure: false when SQLite was
/// initialised before the first call (by code outside the store); SQLite's
/// defaults then apply and `store.sqlite_settings_skipped` is logged once.
bool apply_sqlite_settings();

/// The store error for a SQLite result code (primary or extended).
/// REQUIRES: `rc` is not SQLITE_OK, SQLITE_ROW or SQLITE_DONE.
error error_from_sqlite(int rc) noexcept;

class statement_cache;

/// A prepared statement. Movable, not copyable. On destruction it is reset,
/// its bindings cleared, and handed back to its connection's cache for the
/// next `prepare` of the same SQL (or finalized when the cache is full or the
/// connection is gone).
///
/// Binding never fails on the spot: the first bind error is remembered and
/// returned by the next `step()` or `run()`, so binds can be chained:
///
///   auto st = conn.prepare("INSERT INTO t (id, body) VALUES (?, ?)");
///   if (!st) return st.error();
///   st->bind(1, id).bind(2, body);
///   if (auto r = st->run(); !r) return r.error();
///
/// Rows are read with `for_each_row`, `collect_rows` or `query_one` (below).
class statement {
 public:
  statement(sqlite_stmt_ptr stmt, sqlite3* db, std::weak_ptr<statement_cache> home = {}) noexcept
      : stmt_(std::move(stmt)), db_(db), home_(std::move(home)) {}
  statement(statement&&) noexcept = default;
  statement& operator=(statement&&) noexcept = default;
  ~statement();

  /// Binds parameter `index` (1-based). Text and blobs are copied.
  statement& bind(int index, std::string_view text);
  statement& bind(int index, std::int64_t value);
  statement& bind_blob(int index, std::span<const std::uint8_t> value);
  statement& bind_null(int index);

  /// Evaluates the next step. Success: true when a row is available (read it
  /// with the column getters), false when the statement has finished.
  /// Failure: the mapped store error (also any earlier bind error).
  result<bool> step();

  /// Steps until the statement finishes (rows are skipped), then resets it so
  /// that it can run again; bindings are kept. Failure: as `step()`.
  result<void> run();

  /// Resets the statement to run again and clears its bindings.
  void reset() noexcept;

  /// Column getters, valid after `step()` returned true. `index` is 0-based.
  /// Text and blob views stay valid until the next step, reset or destruction.
  int column_count() const noexcept;
  bool column_is_null(int index) const noexcept;
  std::int64_t column_int64(int index) const noexcept;
  std::string_view column_text(int index) const noexcept;
  /// `column_text(index)` copied into a string.
  std::string column_string(int index) const { return std::string(column_text(index)); }
  std::span<const std::uint8_t> column_blob(int index) const noexcept;

 private:
  void remember_bind(int rc) noexcept;

  sqlite_stmt_ptr stmt_;
  sqlite3* db_;
  std::weak_ptr<statement_cache> home_;
  int bind_rc_ = SQLITE_OK;
};

namespace sqlite_detail {
template <class T>
struct row_value {
  using type = T;
  static constexpr bool is_result = false;
};
template <class T>
struct row_value<result<T>> {
  using type = T;
  static constexpr bool is_result = true;
};
template <class F>
using row_of = row_value<std::invoke_result_t<F&, const statement&>>;
}  // namespace sqlite_detail

// Reading rows. `fn` is called with the statement positioned on a row (read
// it with the column getters) and returns the value made of that row: a `T`,
// or a `result<T>` whose error stops the reading and is returned. The
// statement is the caller's (from `prepare`, bound), so caching is unchanged.
//
//   auto st = r.prepare("SELECT id, name FROM t WHERE kind = ?");
//   if (!st) return st.error();
//   st->bind(1, kind);
//   return collect_rows(*st, [](const statement& row) { return item{row.column_int64(0),
//   row.column_string(1)}; });

/// Calls `fn(row)` for every row until the statement finishes. `fn` returns
/// void, or `result<void>`. Failure: the error of `step()` or of `fn`.
template <class F>
result<void> for_each_row(statement& st, F&& fn) {
  for (;;) {
    auto has = st.step();
    if (!has) return has.error();
    if (!*has) return {};
    if constexpr (std::is_void_v<std::invoke_result_t<F&, const statement&>>) {
      fn(std::as_const(st));
    } else if (auto r = fn(std::as_const(st)); !r) {
      return r.error();
    }
  }
}

/// The values `fn` makes of every row, in order. Failure: as `for_each_row`.
template <class F>
result<std::vector<typename sqlite_detail::row_of<F>::type>> collect_rows(statement& st, F&& fn) {
  using row = sqlite_detail::row_of<F>;
  std::vector<typename row::type> out;
  for (;;) {
    auto has = st.step();
    if (!has) return has.error();
    if (!*has) return out;
    if constexpr (row::is_result) {
      auto v = fn(std::as_const(st));
      if (!v) return v.error();
      out.push_back(std::move(*v));
    } else {
      out.push_back(fn(std::as_const(st)));
    }
  }
}

/// The value `fn` makes of the first row, or nullopt when there is none (the
/// statement is not stepped further). Failure: as `for_each_row`.
template <class F>
result<std::optional<typename sqlite_detail::row_of<F>::type>> query_one(statement& st, F&& fn) {
  using row = sqlite_detail::row_of<F>;
  auto has = st.step();
  if (!has) return has.error();
  if (!*has) return std::optional<typename row::type>{};
  if constexpr (row::is_result) {
    auto v = fn(std::as_const(st));
    if (!v) return v.error();
    return std::optional<typename row::type>{std::move(*v)};
  } else {
    return std::optional<typename row::type>{fn(std::as_const(st))};
  }
}

/// An open SQLite database connection. Movable, not copyable; closed on
/// destruction (finish or destroy its statements first).
class connection {
 public:
  enum class access {
    read_write,  ///< creates the file (mode 0600) if it does not exist
    read_only,   ///< SQLITE_OPEN_READONLY and PRAGMA query_only
  };

  /// Opens `file` with extended result codes, `busy_timeout`, foreign keys
  /// on and trusted_schema off. Failure: io_error (cannot open or create),
  /// corrupt (not a database), or another mapped SQLite error.
  static result<connection> open(const std::filesystem::path& file, access mode,
                                 std::chrono::milliseconds busy_timeout);

  /// Runs one or more SQL statements that take no parameters (DDL, pragmas,
  /// transaction control). Failure: the mapped error of the first failing one.
  result<void> exec(std::string_view sql);

  /// Prepares exactly one SQL statement, or takes the one prepared earlier
  /// for the same text from the cache (compiling SQL costs tens of µs per
  /// statement: most of a delivery's SQLite time). Failure: sqlite (syntax,
  /// unknown table or column, more than one statement) or another mapped error.
  result<statement> prepare(std::string_view sql);

  /// Runs a statement that returns one integer (e.g. "PRAGMA page_count").
  /// Failure: the mapped error, or sqlite when it returns no row.
  result<std::int64_t> query_int64(std::string_view sql);

  /// True while a transaction is open (BEGIN not yet committed or rolled back).
  bool in_transaction() const noexcept;
  /// True if SQLite opened the main database read-only (e.g. file not writable).
  bool read_only() const noexcept;
  std::int64_t last_insert_rowid() const noexcept;
  /// Rows changed by the most recent INSERT, UPDATE or DELETE.
  std::int64_t changes() const noexcept;

  sqlite3* handle() const noexcept { return db_.get(); }

 private:
  explicit connection(sqlite_ptr db);

  sqlite_ptr db_;
  std::shared_ptr<statement_cache> cache_;  // after db_: finalized before the close
};

/// Logs a failed SQLite call (`store.sqlite_error`: operation, extended code,
/// SQLite's message, SQL text with placeholders) and returns its store error.
error_code sqlite_failure(sqlite3* db, int rc, std::string_view operation, std::string_view sql);

}  // namespace poort::store

#pragma once
// The views of a connection that store users get: a `reader` inside a read
// transaction (one consistent snapshot) and a `transaction` inside the
// writer's batch. Both are handed to a caller's function by `database` and
// are valid only during that call.
//
// Rules for callers: bind every value (never format one into SQL); do not run
// BEGIN, COMMIT, ROLLBACK, SAVEPOINT or RELEASE yourself.
//
// Thread safety: used only on the thread that `database` calls the function on.

#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "store/sqlite.hpp"

namespace poort::store {

/// Read access to one consistent snapshot of the database.
class reader {
 public:
  explicit reader(connection& conn) noexcept : conn_(conn) {}
  reader(const reader&) = delete;
  reader& operator=(const reader&) = delete;

  /// Prepares one statement. Failure: as `connection::prepare`.
  result<statement> prepare(std::string_view sql) { return conn_.prepare(sql); }
  /// Runs a parameterless query that returns one integer ("SELECT count(*)
  /// FROM t", "PRAGMA page_count"). Failure: as `connection::query_int64`.
  result<std::int64_t> query_int64(std::string_view sql) { return conn_.query_int64(sql); }

 protected:
  connection& conn_;
};

/// One work item inside the writer's batch: its changes commit together with
/// the rest of the batch, or are rolled back alone if the item fails.
/// A `transaction` is a `reader` too, and sees its own changes.
class transaction : public reader {
 public:
  using reader::reader;

  /// Runs parameterless SQL (e.g. DDL). Failure: as `connection::exec`.
  result<void> exec(std::string_view sql) { return conn_.exec(sql); }
  std::int64_t last_insert_rowid() const noexcept { return conn_.last_insert_rowid(); }
  std::int64_t changes() const noexcept { return conn_.changes(); }

  /// Marks this work item as failed with `ec` even if its function returns
  /// success: the writer then rolls it back and answers `ec`. `append_audit`
  /// uses this so that an audit failure cannot be ignored. The first mark wins.
  /// REQUIRES: `ec` is an error.
  void fail(error_code ec) noexcept {
    if (!failure_) failure_ = ec;
  }
  /// The error passed to the first `fail`, or no error.
  error_code failure() const noexcept { return failure_; }

 private:
  error_code failure_;
};

}  // namespace poort::store

#pragma once
// The store module's error codes and their mapping onto `poort::condition`.
//
// Every environment failure (disk full, read-only file, I/O error, lock held
// too long, writer closed or overloaded, failed audit write) maps onto
// `condition::unavailable`, so that a request whose change could not be made
// durable is answered 503 and never acknowledged (DESIGN §5, §6).

#include "common/error.hpp"

namespace poort::store {

enum class error {
  ok = 0,
  /// The database stayed locked by another connection for longer than
  /// `busy_timeout` (SQLITE_BUSY, SQLITE_LOCKED, SQLITE_PROTOCOL). -> unavailable
  busy,
  /// The disk is full or the file reached `max_page_count` (SQLITE_FULL). -> unavailable
  disk_full,
  /// The database file cannot be written (SQLITE_READONLY, SQLITE_PERM). -> unavailable
  read_only,
  /// The operating system refused a read, write, sync or open (SQLITE_IOERR,
  /// SQLITE_CANTOPEN, SQLITE_NOLFS). -> unavailable
  io_error,
  /// The database is closing or closed; nothing more is accepted. -> unavailable
  closed,
  /// Too many transactions are waiting for the writer. -> unavailable
  overloaded,
  /// The database's schema version is not the one this binary expects
  /// (`poortctl migrate` not run, or a newer binary migrated it). -> unavailable
  schema_mismatch,
  /// An audit record could not be written, so the change it records must not
  /// happen either (BIO 8.15.01). -> unavailable
  audit_write_failed,
  /// A UNIQUE, CHECK, NOT NULL or FOREIGN KEY constraint refused a row
  /// (SQLITE_CONSTRAINT). -> conflict
  constraint,
  /// A string or blob exceeds SQLite's limits (SQLITE_TOOBIG). -> too_large
  too_big,
  /// A caller passed an argument outside its documented limits. -> bad_request
  invalid_argument,
  /// The database file is damaged or not a database (SQLITE_CORRUPT,
  /// SQLITE_NOTADB). -> internal
  corrupt,
  /// Any other SQLite failure: a bad SQL statement, misuse, out of memory. -> internal
  sqlite,
  /// A work item threw an exception or broke the writer's transaction
  /// (e.g. ran COMMIT itself). -> internal
  internal,
  /// A row is sealed under a data key id that is not in the key ring
  /// (store/data_key.hpp): list the old key in [data_keys]. -> internal
  unknown_key,
};

const error_category& category() noexcept;

inline error_code make_error_code(error e) noexcept { return {static_cast<int>(e), category()}; }

}  // namespace poort::store

namespace boost::system {
template <>
struct is_error_code_enum<poort::store::error> : std::true_type {};
}  // namespace boost::system

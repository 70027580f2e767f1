#pragma once
// The schema, as an ordered list of migrations. A database records the
// migrations applied to it in `schema_migrations(version, name, applied_at)`;
// its schema version is the highest version there (0 for a new file).
//
// To change the schema, append a migration to the list in migrations.cpp with
// the next version number; never edit or reorder one that has shipped.
//
// Thread safety: the list is immutable.

#include <span>
#include <string_view>

namespace poort::store {

struct migration {
  int version;            ///< 1, 2, 3, ... without gaps
  std::string_view name;  ///< what it does, for `poortctl migrate` and the table
  std::string_view sql;   ///< one or more statements without parameters
  /// Rebuilds a table that others reference: runs with foreign keys off (as
  /// SQLite's procedure for such changes requires) and is committed only if
  /// `PRAGMA foreign_key_check` then finds nothing.
  bool rebuilds_referenced_table = false;
};

/// Every migration, by ascending version.
std::span<const migration> migrations() noexcept;

/// The schema version this binary expects: the last migration's version.
int latest_schema_version() noexcept;

}  // namespace poort::store

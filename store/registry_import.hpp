#pragma once
// `poortctl registry import FILE.csv`: the municipality registry from a CSV
// file (config/gemeenten.example.csv), checked completely and then written
// in one transaction, or not at all.
//
// The format (RFC 4180, UTF-8, comma-separated, CRLF or LF line ends, a
// field may be quoted with "..." and then contain commas, quotes as "" and
// line breaks), with this header, in this order:
//
//   gemeentecode,naam,kvk,rsin,oin,geldig_van,geldig_tot
//
//   gemeentecode  "GM" + 4 digits (CBS)                       required
//   naam          1..200 characters, no control characters     required
//   kvk           8 digits, or empty
//   rsin          9 digits passing the eleven-test, or empty
//   oin           20 digits; empty = derived from the RSIN ("00000001" + RSIN + "000")
//   geldig_van    YYYY-MM-DD, first day of validity             required
//   geldig_tot    YYYY-MM-DD, first day no longer valid, or empty (open-ended)
//
// A row needs a KvK number or an RSIN (the login finds a municipality by
// them), and an OIN (given or derived). Two rows of one code may not
// overlap in time, nor may two rows valid at the same time share a KvK
// number, RSIN or OIN: in the file, and (for the code) in the registry after
// the import. A row with a code and geldig_van already in the
// registry updates that row (name, numbers, end date); its onboarding status
// and preferences stay.
//
// Thread safety: pure functions, and a write through the database.

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/database.hpp"
#include "store/registry.hpp"

namespace poort::store {

inline constexpr std::size_t max_registry_csv_bytes = 4u << 20;
inline constexpr std::size_t max_registry_rows = 10'000;

/// One problem with the file: its 1-based line (0 for the file as a whole)
/// and an English message without the offending value.
struct csv_problem {
  std::size_t line = 0;
  std::string message;
  bool operator==(const csv_problem&) const = default;
};

/// One data row of the file and the line it starts on.
struct registry_row {
  std::size_t line = 0;
  municipality_record record;
};

/// Parses and checks the whole file. A test OIN (prefix 00000099) is a
/// problem unless `allow_test_oins` (the config's allow_test_oins).
/// Success: every row, in file order.
/// Failure: every problem found (at most 100 reported), in line order.
std::expected<std::vector<registry_row>, std::vector<csv_problem>> parse_registry_csv(std::string_view text,
                                                                                      bool allow_test_oins);

/// What `import_registry` did.
struct import_summary {
  std::size_t inserted = 0;
  std::size_t updated = 0;
  /// When set, nothing was written: the row on this line overlaps in time
  /// with another period of its code already in the registry.
  std::optional<std::size_t> overlapping_line;
};

/// Upserts every record in one transaction, with one audit record
/// ("registry.import", actor `actor`, origin "internal"). Nothing is written
/// when any row fails or overlaps (`overlapping`). Failure: constraint (e.g. a KvK number already used
/// by another municipality in the registry), or another store error.
result<import_summary> import_registry(database& db, const std::vector<registry_row>& rows,
                                       std::string_view actor, sys_time now);

}  // namespace poort::store

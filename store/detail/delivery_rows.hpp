#pragma once
// Internal to the deliveries store (store/deliveries_*.cpp): what the intake,
// the inbox, the outbox, retention and rekey share. Not part of the store's
// contract; see store/deliveries.hpp.
//
// Lookups of a person's entries say `bsn_index <> ''` so that SQLite can use
// the partial index postvak_persoon: without it they read the municipality's
// whole inbox (or all of postvak) for every delivery
// (tests/unit/store/deliveries_scaling_test.cpp).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "domain/delivery.hpp"
#include "store/deliveries.hpp"
#include "store/sqlite.hpp"
#include "store/transaction.hpp"

namespace poort::store::detail {

/// RFC 3339 UTC with milliseconds, as every delivery column stores times.
inline std::string stamp(sys_time t) { return format_rfc3339(t, true); }

/// The kind a `soort` column names, or nullopt.
std::optional<domain::delivery_kind> parse_kind(std::string_view s);

/// The AAD of a postvak entry's content and of a withdrawal's sealed key.
inline std::string content_aad(std::string_view id) { return "postvak/" + std::string(id) + "/inhoud"; }
inline std::string withdrawal_aad(std::string_view id) {
  return "intrekkingen/" + std::string(id) + "/sleutel";
}

/// Column `col` of the current row as bytes in a string_view (valid as
/// `statement::column_blob`), and a string's bytes for `bind_blob`.
inline std::string_view blob_view(const statement& st, int col) {
  auto b = st.column_blob(col);
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// The kind in column `col` (a `soort` column; detentiemelding if unknown).
inline domain::delivery_kind kind_column(const statement& row, int col) {
  return parse_kind(row.column_text(col)).value_or(domain::delivery_kind::detentiemelding);
}

/// The plaintext of a postvak entry's content: column `key_col` holds the
/// key id, `blob_col` the content sealed for `bericht_id`; opened with the
/// ring's key of that id.
/// Failure: unknown_key (an id not in the ring), crypto_error (tampered).
result<std::string> open_content(const data_key& key, const statement& row, int key_col, int blob_col,
                                 std::string_view bericht_id);

/// Appends the audit record of `action` on "bericht:<bericht_id>" in `tx`,
/// with the person reference `person_ref` (store/audit.hpp; "" = none).
result<void> audit(transaction& tx, const audit_identity& who, std::string action,
                   std::string_view bericht_id, std::string result_text, sys_time now,
                   std::string_view person_ref = {});

/// The person reference of postvak entry `bericht_id` (from its blind index
/// and index version), or "" when it has none (purged, or no such entry).
result<std::string> person_ref_of_entry(reader& r, std::string_view bericht_id);

/// "(?, ?, ...)" with `n` placeholders, for `column IN` a person's blind
/// indexes under every version.
std::string placeholders(std::size_t n);

/// Empties an entry's content and blind index: what stays is a tombstone.
result<void> purge_entry(transaction& tx, std::string_view bericht_id, std::string_view reason,
                         std::string_view superseded_by, sys_time now);

/// The withdrawals of consent that concern `sheet`: the same person and the
/// same consent record, under any blind-index version of the ring
/// (store/deliveries_intake.cpp).
result<std::vector<domain::intrekking>> withdrawals_for(reader& r, const data_key& key,
                                                        const domain::informatieblad& sheet);

/// Seals `json` under the ring's active key as the content of `bericht_id`,
/// with `bsn_index` computed under index version `index_version`.
result<void> reseal_content(transaction& tx, const data_key& key, std::string_view bericht_id,
                            std::string_view json, std::string_view bsn_index, std::int64_t index_version);

}  // namespace poort::store::detail

#include "store/deliveries.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "store/detail/delivery_rows.hpp"
#include "store/error.hpp"

namespace poort::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the deliveries store's own helpers

namespace bj = boost::json;

namespace {

// The BSN in a stored message's JSON (every kind carries /persoon/bsn).
std::optional<std::string> bsn_in(std::string_view json) {
  boost::system::error_code ec;
  auto v = bj::parse(json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* p = v.as_object().if_contains("persoon");
  if (!p || !p->is_object()) return std::nullopt;
  const auto* b = p->as_object().if_contains("bsn");
  if (!b || !b->is_string()) return std::nullopt;
  return std::string(b->as_string());
}

struct sealed_row {
  std::int64_t seq = 0;  ///< volgnummer / rowid: the cursor
  std::string id;        ///< berichtId
  std::string key_id;
  std::optional<std::string> sealed;  ///< nullopt: a tombstone
};

// Rows of `sql` (seq, id, key_id, blob) after `after`, not under the active
// key and version, at most `limit`; read in full before they are rewritten.
result<std::vector<sealed_row>> rows_to_move(transaction& tx, std::string_view sql, std::int64_t after,
                                             const data_key& key, std::size_t limit) {
  auto st = tx.prepare(sql);
  if (!st) return st.error();
  st->bind(1, after).bind(2, key.id()).bind(3, key.index_version()).bind(4, static_cast<std::int64_t>(limit));
  return collect_rows(*st, [](const statement& row) {
    sealed_row r{row.column_int64(0), row.column_string(1), row.column_string(2), std::nullopt};
    if (!row.column_is_null(3)) r.sealed = std::string(blob_view(row, 3));
    return r;
  });
}

result<void> move_entry(transaction& tx, const data_key& key, const sealed_row& r) {
  if (!r.sealed) {  // a tombstone: nothing sealed, no index
    auto up = tx.prepare("UPDATE postvak SET key_id = ?, index_versie = ? WHERE volgnummer = ?");
    if (!up) return up.error();
    up->bind(1, key.id()).bind(2, key.index_version()).bind(3, r.seq);
    return up->run();
  }
  auto plain = key.open(r.key_id, *r.sealed, content_aad(r.id));
  if (!plain) return plain.error();
  auto bsn = bsn_in(*plain);
  if (!bsn) return make_error_code(error::corrupt);
  return reseal_content(tx, key, r.id, *plain, key.blind_index("bsn", *bsn), key.index_version());
}

result<void> move_withdrawal(transaction& tx, const data_key& key, const sealed_row& r) {
  if (!r.sealed) return make_error_code(error::corrupt);
  auto plain = key.open(r.key_id, *r.sealed, withdrawal_aad(r.id));
  if (!plain) return plain.error();
  boost::system::error_code ec;
  auto v = bj::parse(*plain, ec);
  if (ec || !v.is_object() || !v.as_object().contains("bsn") || !v.as_object().contains("toestemmingId"))
    return make_error_code(error::corrupt);
  const std::string bsn(v.as_object().at("bsn").as_string());
  const std::string consent(v.as_object().at("toestemmingId").as_string());
  auto sealed = key.seal(*plain, withdrawal_aad(r.id));
  if (!sealed) return sealed.error();
  auto up = tx.prepare(
      "UPDATE intrekkingen SET sleutel = ?, key_id = ?, bsn_index = ?, toestemming_index = ?, index_versie = "
      "? "
      "WHERE rowid = ?");
  if (!up) return up.error();
  up->bind_blob(1, as_bytes(*sealed))
      .bind(2, key.id())
      .bind(3, key.blind_index("bsn", bsn))
      .bind(4, key.blind_index("toestemming", consent))
      .bind(5, key.index_version())
      .bind(6, r.seq);
  return up->run();
}

}  // namespace

result<std::size_t> rekey_batch(transaction& tx, const data_key& key, rekey_cursor& cursor, std::size_t limit,
                                const audit_identity& who, sys_time now) {
  if (limit == 0) return make_error_code(error::invalid_argument);
  if (auto r = tx.exec("PRAGMA secure_delete = ON"); !r) return r.error();
  std::size_t moved = 0;
  rekey_cursor next = cursor;
  auto entries =
      rows_to_move(tx,
                   "SELECT volgnummer, bericht_id, key_id, inhoud FROM postvak WHERE volgnummer > ? "
                   "AND (key_id <> ? OR index_versie <> ?) ORDER BY volgnummer LIMIT ?",
                   next.postvak, key, limit);
  if (!entries) return entries.error();
  for (const auto& r : *entries) {
    if (auto ok = move_entry(tx, key, r); !ok) return ok.error();
    next.postvak = r.seq;
    ++moved;
  }
  const bool postvak_done = entries->size() < limit;
  if (postvak_done) {
    const std::size_t remaining = limit - moved;  // > 0: postvak gave fewer than limit
    auto withdrawals =
        rows_to_move(tx,
                     "SELECT rowid, bericht_id, key_id, sleutel FROM intrekkingen WHERE rowid > ? "
                     "AND (key_id <> ? OR index_versie <> ?) ORDER BY rowid LIMIT ?",
                     next.intrekkingen, key, remaining);
    if (!withdrawals) return withdrawals.error();
    for (const auto& r : *withdrawals) {
      if (auto ok = move_withdrawal(tx, key, r); !ok) return ok.error();
      next.intrekkingen = r.seq;
      ++moved;
    }
    next.done = withdrawals->size() < remaining;
  }
  if (moved > 0) {
    audit_record rec{"data_key.rekey", "data_key:" + key.id(), "success", who.origin,
                     who.actor,        who.request_id,         now};
    if (auto a = append_audit(tx, rec); !a) return a.error();
  }
  cursor = next;
  return moved;
}

result<std::vector<key_usage>> count_rows_by_key(reader& r) {
  auto st = r.prepare(
      "SELECT 'postvak', key_id, index_versie, count(*) FROM postvak WHERE inhoud IS NOT NULL "
      "GROUP BY key_id, index_versie "
      "UNION ALL SELECT 'intrekkingen', key_id, index_versie, count(*) FROM intrekkingen "
      "GROUP BY key_id, index_versie ORDER BY 1, 2, 3");
  if (!st) return st.error();
  return collect_rows(*st, [](const statement& row) {
    return key_usage{row.column_string(0), row.column_string(1), row.column_int64(2), row.column_int64(3)};
  });
}

std::vector<key_usage> usage_outside_ring(const data_key& key, const std::vector<key_usage>& usage) {
  std::vector<key_usage> out;
  for (const auto& u : usage)
    if (!key.has_key(u.key_id) || !key.has_index_version(u.index_version)) out.push_back(u);
  return out;
}

}  // namespace poort::store

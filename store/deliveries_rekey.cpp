#include "store/deliveries.hpp"

#include <boost/json.hpp>

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
  std::string id;
  std::string sealed;
};

// Every (id, sealed blob) pair that `sql` selects, with `key_id` bound to its
// one parameter; read in full before the rows are rewritten.
result<std::vector<sealed_row>> sealed_rows(transaction& tx, std::string_view sql, std::string_view key_id) {
  auto st = tx.prepare(sql);
  if (!st) return st.error();
  st->bind(1, key_id);
  return collect_rows(*st, [](const statement& row) {
    return sealed_row{row.column_string(0), std::string(blob_view(row, 1))};
  });
}

}  // namespace

result<std::size_t> rekey(transaction& tx, const data_key& old_key, const data_key& new_key,
                          const audit_identity& who, sys_time now) {
  if (auto r = tx.exec("PRAGMA secure_delete = ON"); !r) return r.error();
  std::size_t count = 0;
  {
    auto rows = sealed_rows(
        tx, "SELECT bericht_id, inhoud FROM postvak WHERE key_id = ? AND inhoud IS NOT NULL", old_key.id());
    if (!rows) return rows.error();
    for (const auto& r : *rows) {
      auto plain = old_key.open(r.sealed, content_aad(r.id));
      if (!plain) return plain.error();
      auto bsn = bsn_in(*plain);
      if (!bsn) return make_error_code(error::corrupt);
      if (auto ok = reseal_content(tx, new_key, r.id, *plain, new_key.blind_index("bsn", *bsn)); !ok)
        return ok.error();
      ++count;
    }
    auto tomb = tx.prepare("UPDATE postvak SET key_id = ? WHERE key_id = ? AND inhoud IS NULL");
    if (!tomb) return tomb.error();
    tomb->bind(1, new_key.id()).bind(2, old_key.id());
    if (auto ok = tomb->run(); !ok) return ok.error();
  }
  {
    auto rows =
        sealed_rows(tx, "SELECT bericht_id, sleutel FROM intrekkingen WHERE key_id = ?", old_key.id());
    if (!rows) return rows.error();
    for (const auto& r : *rows) {
      auto plain = old_key.open(r.sealed, withdrawal_aad(r.id));
      if (!plain) return plain.error();
      boost::system::error_code ec;
      auto v = bj::parse(*plain, ec);
      if (ec || !v.is_object() || !v.as_object().contains("bsn") || !v.as_object().contains("toestemmingId"))
        return make_error_code(error::corrupt);
      const std::string bsn(v.as_object().at("bsn").as_string());
      const std::string consent(v.as_object().at("toestemmingId").as_string());
      auto sealed = new_key.seal(*plain, withdrawal_aad(r.id));
      if (!sealed) return sealed.error();
      auto up = tx.prepare(
          "UPDATE intrekkingen SET sleutel = ?, key_id = ?, bsn_index = ?, toestemming_index = ? "
          "WHERE bericht_id = ?");
      if (!up) return up.error();
      up->bind_blob(1, as_bytes(*sealed))
          .bind(2, new_key.id())
          .bind(3, new_key.blind_index("bsn", bsn))
          .bind(4, new_key.blind_index("toestemming", consent))
          .bind(5, r.id);
      if (auto ok = up->run(); !ok) return ok.error();
      ++count;
    }
  }
  audit_record rec{
      "data_key.rekey", "data_key:" + new_key.id(), "success", who.origin, who.actor, who.request_id, now};
  if (auto a = append_audit(tx, rec); !a) return a.error();
  return count;
}

result<std::int64_t> count_sealed_under_other_keys(reader& r, std::string_view key_id) {
  auto st = r.prepare(
      "SELECT (SELECT count(*) FROM postvak WHERE inhoud IS NOT NULL AND key_id <> ?) + "
      "(SELECT count(*) FROM intrekkingen WHERE key_id <> ?)");
  if (!st) return st.error();
  st->bind(1, key_id).bind(2, key_id);
  auto n = query_one(*st, [](const statement& row) { return row.column_int64(0); });
  if (!n) return n.error();
  return n->value_or(0);
}

}  // namespace poort::store

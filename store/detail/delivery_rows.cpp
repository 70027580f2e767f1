#include "store/detail/delivery_rows.hpp"

#include "store/audit.hpp"

namespace poort::store::detail {

using domain::delivery_kind;

std::optional<delivery_kind> parse_kind(std::string_view s) {
  for (auto k : {delivery_kind::detentiemelding, delivery_kind::informatieblad, delivery_kind::intrekking})
    if (domain::to_string(k) == s) return k;
  return std::nullopt;
}

result<std::string> open_content(const data_key& key, const statement& row, int key_col, int blob_col,
                                 std::string_view bericht_id) {
  return key.open(row.column_text(key_col), blob_view(row, blob_col), content_aad(bericht_id));
}

result<void> audit(transaction& tx, const audit_identity& who, std::string action,
                   std::string_view bericht_id, std::string result_text, sys_time now,
                   std::string_view person_ref) {
  audit_record rec;
  rec.action = std::move(action);
  rec.object = "bericht:" + std::string(bericht_id);
  rec.result = std::move(result_text);
  rec.origin = who.origin;
  rec.actor = who.actor;
  rec.request_id = who.request_id;
  rec.at = now;
  auto seq = append_audit(tx, rec, person_ref);
  if (!seq) return seq.error();
  return {};
}

result<std::string> person_ref_of_entry(reader& r, std::string_view bericht_id) {
  auto st = r.prepare(
      "SELECT bsn_index, index_versie FROM postvak WHERE volgnummer = (SELECT volgnummer FROM leveringen "
      "WHERE bericht_id = ?) AND bsn_index <> ''");
  if (!st) return st.error();
  st->bind(1, bericht_id);
  auto ref = query_one(
      *st, [](const statement& row) { return person_reference(row.column_int64(1), row.column_text(0)); });
  if (!ref) return ref.error();
  return ref->value_or(std::string());
}

std::string placeholders(std::size_t n) {
  std::string out = "(";
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out + ")";
}

result<void> purge_entry(transaction& tx, std::string_view bericht_id, std::string_view reason,
                         std::string_view superseded_by, sys_time now) {
  auto st = tx.prepare(
      "UPDATE postvak SET inhoud = NULL, bsn_index = '', gewist_op = ?, gewist_reden = ?, "
      "vervangen_door = CASE WHEN ? = '' THEN vervangen_door ELSE ? END "
      "WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE bericht_id = ?) AND gewist_op = ''");
  if (!st) return st.error();
  st->bind(1, stamp(now)).bind(2, reason).bind(3, superseded_by).bind(4, superseded_by).bind(5, bericht_id);
  return st->run();
}

result<void> reseal_content(transaction& tx, const data_key& key, std::string_view bericht_id,
                            std::string_view json, std::string_view bsn_index, std::int64_t index_version) {
  auto sealed = key.seal(json, content_aad(bericht_id));
  if (!sealed) return sealed.error();
  auto st = tx.prepare(
      "UPDATE postvak SET inhoud = ?, key_id = ?, bsn_index = ?, index_versie = ? "
      "WHERE volgnummer = (SELECT volgnummer FROM leveringen WHERE bericht_id = ?)");
  if (!st) return st.error();
  st->bind_blob(1, as_bytes(*sealed))
      .bind(2, key.id())
      .bind(3, bsn_index)
      .bind(4, index_version)
      .bind(5, bericht_id);
  return st->run();
}

}  // namespace poort::store::detail

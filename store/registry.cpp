#include "store/registry.hpp"

#include "store/error.hpp"

namespace poort::store {
namespace {

constexpr std::string_view municipality_columns =
    "id, gemeentecode, naam, kvk, rsin, oin, geldig_van, geldig_tot, status, wil_detentiemeldingen, "
    "wil_informatiebladen, push_endpoint, systeem_certificaat_sha256";

municipality_record row(const statement& st) {
  municipality_record m;
  m.id = st.column_int64(0);
  m.gemeentecode = st.column_text(1);
  m.naam = st.column_text(2);
  m.kvk = st.column_text(3);
  m.rsin = st.column_text(4);
  m.oin = st.column_text(5);
  m.geldig_van = st.column_text(6);
  m.geldig_tot = st.column_text(7);
  m.status = domain::parse_municipality_status(st.column_text(8))
                 .value_or(domain::municipality_status::not_registered);
  m.wil_detentiemeldingen = st.column_int64(9) != 0;
  m.wil_informatiebladen = st.column_int64(10) != 0;
  m.push_endpoint = st.column_text(11);
  m.systeem_certificaat_sha256 = st.column_text(12);
  return m;
}

// Runs a query that selects municipality_columns with one text parameter and a day.
result<std::optional<municipality_record>> find_one(reader& r, std::string_view where, std::string_view key,
                                                    std::string_view day) {
  std::string sql = "SELECT " + std::string(municipality_columns) + " FROM gemeenten WHERE " +
                    std::string(where) +
                    " = ? AND geldig_van <= ? AND (geldig_tot = '' OR geldig_tot > ?) "
                    "ORDER BY geldig_van DESC LIMIT 1";
  auto st = r.prepare(sql);
  if (!st) return st.error();
  st->bind(1, key).bind(2, day).bind(3, day);
  return query_one(*st, row);
}

}  // namespace

std::string day_of(sys_time t) { return format_rfc3339(t).substr(0, 10); }

result<std::optional<municipality_record>> find_municipality(reader& r, std::string_view gemeentecode,
                                                             std::string_view day) {
  return find_one(r, "gemeentecode", gemeentecode, day);
}

result<std::optional<municipality_record>> find_municipality_by_kvk(reader& r, std::string_view kvk,
                                                                    std::string_view day) {
  if (kvk.empty()) return std::optional<municipality_record>{};
  return find_one(r, "kvk", kvk, day);
}

result<std::optional<municipality_record>> find_municipality_by_rsin(reader& r, std::string_view rsin,
                                                                     std::string_view day) {
  if (rsin.empty()) return std::optional<municipality_record>{};
  return find_one(r, "rsin", rsin, day);
}

result<std::optional<municipality_record>> find_municipality_by_oin(reader& r, std::string_view oin,
                                                                    std::string_view day) {
  if (oin.empty()) return std::optional<municipality_record>{};
  return find_one(r, "oin", oin, day);
}

result<std::vector<municipality_record>> list_municipalities(reader& r) {
  auto st = r.prepare("SELECT " + std::string(municipality_columns) +
                      " FROM gemeenten ORDER BY gemeentecode, geldig_van");
  if (!st) return st.error();
  return collect_rows(*st, row);
}

result<void> upsert_municipality(transaction& tx, const municipality_record& m, sys_time now,
                                 bool overwrite_state) {
  const std::string at = format_rfc3339(now);
  std::string sql =
      "INSERT INTO gemeenten (gemeentecode, naam, kvk, rsin, oin, geldig_van, geldig_tot, status, "
      "wil_detentiemeldingen, wil_informatiebladen, push_endpoint, systeem_certificaat_sha256, "
      "bijgewerkt_op) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (gemeentecode, geldig_van) DO UPDATE SET naam = excluded.naam, kvk = excluded.kvk, "
      "rsin = excluded.rsin, oin = excluded.oin, geldig_tot = excluded.geldig_tot, "
      "bijgewerkt_op = excluded.bijgewerkt_op";
  if (overwrite_state)
    sql +=
        ", status = excluded.status, wil_detentiemeldingen = excluded.wil_detentiemeldingen, "
        "wil_informatiebladen = excluded.wil_informatiebladen, push_endpoint = excluded.push_endpoint, "
        "systeem_certificaat_sha256 = excluded.systeem_certificaat_sha256";
  auto st = tx.prepare(sql);
  if (!st) return st.error();
  st->bind(1, m.gemeentecode)
      .bind(2, m.naam)
      .bind(3, m.kvk)
      .bind(4, m.rsin)
      .bind(5, m.oin)
      .bind(6, m.geldig_van)
      .bind(7, m.geldig_tot)
      .bind(8, domain::to_string(m.status))
      .bind(9, std::int64_t{m.wil_detentiemeldingen})
      .bind(10, std::int64_t{m.wil_informatiebladen})
      .bind(11, m.push_endpoint)
      .bind(12, m.systeem_certificaat_sha256)
      .bind(13, at);
  return st->run();
}

result<void> set_municipality_status(transaction& tx, std::int64_t id, domain::municipality_status status,
                                     sys_time now) {
  auto st = tx.prepare("UPDATE gemeenten SET status = ?, bijgewerkt_op = ? WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, domain::to_string(status)).bind(2, format_rfc3339(now)).bind(3, id);
  auto ok = st->run();
  if (!ok) return ok;
  if (tx.changes() != 1) return make_error_code(error::invalid_argument);
  return {};
}

result<void> set_municipality_preferences(transaction& tx, std::int64_t id, bool wil_detentiemeldingen,
                                          bool wil_informatiebladen, std::string_view push_endpoint,
                                          std::string_view systeem_certificaat_sha256, sys_time now) {
  auto st = tx.prepare(
      "UPDATE gemeenten SET wil_detentiemeldingen = ?, wil_informatiebladen = ?, push_endpoint = ?, "
      "systeem_certificaat_sha256 = ?, bijgewerkt_op = ? WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, std::int64_t{wil_detentiemeldingen})
      .bind(2, std::int64_t{wil_informatiebladen})
      .bind(3, push_endpoint)
      .bind(4, systeem_certificaat_sha256)
      .bind(5, format_rfc3339(now))
      .bind(6, id);
  auto ok = st->run();
  if (!ok) return ok;
  if (tx.changes() != 1) return make_error_code(error::invalid_argument);
  return {};
}

}  // namespace poort::store

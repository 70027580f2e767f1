#include "store/login.hpp"

#include <chrono>

namespace poort::store {
namespace {

std::int64_t unix_seconds(sys_time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

sys_time from_unix(std::int64_t s) { return sys_time{std::chrono::seconds{s}}; }

// result<bool> cannot be built from an error_code implicitly (bool could take it).
result<bool> fail(error_code ec) { return {boost::system::in_place_error, ec}; }

// Runs a DELETE whose one parameter is a time. Success: the rows deleted.
result<std::int64_t> delete_by_time(transaction& tx, std::string_view sql, sys_time t) {
  auto st = tx.prepare(sql);
  if (!st) return st.error();
  st->bind(1, unix_seconds(t));
  if (auto ok = st->run(); !ok) return ok.error();
  return tx.changes();
}

constexpr std::string_view session_columns =
    "id_hash, role, idp, pseudonym, kvk, rsin, vestigingsnr, gemeentecode, assertion_id, assurance, "
    "csrf_token, created_at, last_seen, expires_at";

constexpr std::string_view request_columns =
    "request_id, relay_state, target, service, idp, created_at, consumed_at";

}  // namespace

result<void> insert_session(transaction& tx, const session_record& s) {
  auto st = tx.prepare("INSERT INTO sessions (" + std::string(session_columns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, s.id_hash)
      .bind(2, s.role)
      .bind(3, s.idp)
      .bind(4, s.pseudonym)
      .bind(5, s.kvk)
      .bind(6, s.rsin)
      .bind(7, s.vestigingsnr)
      .bind(8, s.gemeentecode)
      .bind(9, s.assertion_id)
      .bind(10, s.assurance)
      .bind(11, s.csrf_token)
      .bind(12, unix_seconds(s.created_at))
      .bind(13, unix_seconds(s.last_seen))
      .bind(14, unix_seconds(s.expires_at));
  return st->run();
}

result<std::optional<session_record>> find_session(reader& r, std::string_view id_hash) {
  auto st = r.prepare("SELECT " + std::string(session_columns) + " FROM sessions WHERE id_hash = ?");
  if (!st) return st.error();
  st->bind(1, id_hash);
  return query_one(*st, [](const statement& row) {
    session_record s;
    s.id_hash = row.column_text(0);
    s.role = row.column_text(1);
    s.idp = row.column_text(2);
    s.pseudonym = row.column_text(3);
    s.kvk = row.column_text(4);
    s.rsin = row.column_text(5);
    s.vestigingsnr = row.column_text(6);
    s.gemeentecode = row.column_text(7);
    s.assertion_id = row.column_text(8);
    s.assurance = row.column_text(9);
    s.csrf_token = row.column_text(10);
    s.created_at = from_unix(row.column_int64(11));
    s.last_seen = from_unix(row.column_int64(12));
    s.expires_at = from_unix(row.column_int64(13));
    return s;
  });
}

result<void> touch_session(transaction& tx, std::string_view id_hash, sys_time now) {
  auto st = tx.prepare("UPDATE sessions SET last_seen = ?1 WHERE id_hash = ?2 AND last_seen < ?1");
  if (!st) return st.error();
  st->bind(1, unix_seconds(now)).bind(2, id_hash);
  return st->run();
}

result<bool> delete_session(transaction& tx, std::string_view id_hash) {
  auto st = tx.prepare("DELETE FROM sessions WHERE id_hash = ?");
  if (!st) return fail(st.error());
  st->bind(1, id_hash);
  if (auto ok = st->run(); !ok) return fail(ok.error());
  return tx.changes() == 1;
}

result<std::int64_t> purge_sessions(transaction& tx, sys_time now, sys_time idle_since) {
  auto st = tx.prepare("DELETE FROM sessions WHERE expires_at <= ? OR last_seen < ?");
  if (!st) return st.error();
  st->bind(1, unix_seconds(now)).bind(2, unix_seconds(idle_since));
  if (auto ok = st->run(); !ok) return ok.error();
  return tx.changes();
}

result<void> insert_authn_request(transaction& tx, const authn_request_record& a) {
  auto st = tx.prepare("INSERT INTO authn_requests (" + std::string(request_columns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, a.request_id)
      .bind(2, a.relay_state)
      .bind(3, a.target)
      .bind(4, a.service)
      .bind(5, a.idp)
      .bind(6, unix_seconds(a.created_at));
  if (a.consumed_at)
    st->bind(7, unix_seconds(*a.consumed_at));
  else
    st->bind_null(7);
  return st->run();
}

result<std::optional<authn_request_record>> find_authn_request_by_relay_state(reader& r,
                                                                              std::string_view relay_state) {
  auto st =
      r.prepare("SELECT " + std::string(request_columns) + " FROM authn_requests WHERE relay_state = ?");
  if (!st) return st.error();
  st->bind(1, relay_state);
  return query_one(*st, [](const statement& row) {
    authn_request_record a;
    a.request_id = row.column_text(0);
    a.relay_state = row.column_text(1);
    a.target = row.column_text(2);
    a.service = row.column_text(3);
    a.idp = row.column_text(4);
    a.created_at = from_unix(row.column_int64(5));
    if (!row.column_is_null(6)) a.consumed_at = from_unix(row.column_int64(6));
    return a;
  });
}

result<bool> consume_authn_request(transaction& tx, std::string_view request_id, sys_time now,
                                   sys_time not_before) {
  auto st = tx.prepare(
      "UPDATE authn_requests SET consumed_at = ? WHERE request_id = ? AND consumed_at IS NULL AND created_at "
      ">= ?");
  if (!st) return fail(st.error());
  st->bind(1, unix_seconds(now)).bind(2, request_id).bind(3, unix_seconds(not_before));
  if (auto ok = st->run(); !ok) return fail(ok.error());
  return tx.changes() == 1;
}

result<std::int64_t> purge_authn_requests(transaction& tx, sys_time before) {
  return delete_by_time(tx, "DELETE FROM authn_requests WHERE created_at < ?", before);
}

result<std::int64_t> count_authn_requests(reader& r) {
  return r.query_int64("SELECT count(*) FROM authn_requests");
}

result<bool> record_assertion_id(transaction& tx, std::string_view assertion_id, sys_time expires_at,
                                 sys_time now) {
  // Inserts, or revives an entry that has expired; a live entry is left alone
  // (no row changes: a replay).
  auto st = tx.prepare(
      "INSERT INTO saml_assertions_seen (assertion_id, expires_at) VALUES (?1, ?2) "
      "ON CONFLICT (assertion_id) DO UPDATE SET expires_at = excluded.expires_at "
      "WHERE saml_assertions_seen.expires_at <= ?3");
  if (!st) return fail(st.error());
  st->bind(1, assertion_id).bind(2, unix_seconds(expires_at)).bind(3, unix_seconds(now));
  if (auto ok = st->run(); !ok) return fail(ok.error());
  return tx.changes() == 1;
}

result<std::int64_t> purge_assertion_ids(transaction& tx, sys_time now) {
  return delete_by_time(tx, "DELETE FROM saml_assertions_seen WHERE expires_at <= ?", now);
}

}  // namespace poort::store

#include "auth/database_session_store.hpp"

#include "common/log.hpp"
#include "store/registry.hpp"

namespace poort::auth {
namespace {

/// Runs `step(tx)`, which returns result<bool>, in one write transaction of
/// `db`. Success: its value, committed. Failure: its error or the store's.
template <class Step>
result<bool> write_bool(store::database& db, Step step) {
  bool value = false;
  auto ok = db.write([&](store::transaction& tx) -> result<void> {
    auto v = step(tx);
    if (!v) return v.error();
    value = *v;
    return {};
  });
  if (!ok) return {boost::system::in_place_error, ok.error()};
  return value;
}

}  // namespace

result<void> database_session_store::start_session(std::string_view previous_id_hash, sys_time now,
                                                   sys_time idle_since, const store::session_record& session,
                                                   const store::audit_record& audit) {
  return db_.write([&](store::transaction& tx) -> result<void> {
    if (!previous_id_hash.empty()) {
      if (auto gone = store::delete_session(tx, previous_id_hash); !gone) return gone.error();
    }
    if (auto purged = store::purge_sessions(tx, now, idle_since); !purged) return purged.error();
    if (auto ins = store::insert_session(tx, session); !ins) return ins.error();
    if (auto a = store::append_audit(tx, audit); !a) return a.error();
    return {};
  });
}

result<std::optional<store::session_record>> database_session_store::find_session(std::string_view id_hash) {
  return db_.read([&](store::reader& r) { return store::find_session(r, id_hash); });
}

void database_session_store::touch_session_later(std::string_view id_hash, sys_time now) {
  db_.submit([hash = std::string(id_hash),
              now](store::transaction& tx) { return store::touch_session(tx, hash, now); },
             [](result<void> done) {
               if (!done) log::warn("session.touch_failed", {{"error", done.error().message()}});
             });
}

void database_session_store::delete_session_later(std::string_view id_hash) {
  db_.submit(
      [hash = std::string(id_hash)](store::transaction& tx) -> result<void> {
        auto gone = store::delete_session(tx, hash);
        if (!gone) return gone.error();
        return {};
      },
      [](result<void>) {});
}

result<bool> database_session_store::end_session(std::string_view id_hash, const store::audit_record& audit) {
  return write_bool(db_, [&](store::transaction& tx) -> result<bool> {
    auto gone = store::delete_session(tx, id_hash);
    if (!gone || !*gone) return gone;
    if (auto a = store::append_audit(tx, audit); !a) return {boost::system::in_place_error, a.error()};
    return true;
  });
}

result<bool> database_session_store::add_authn_request(const store::authn_request_record& request,
                                                       sys_time expired_before, sys_time now,
                                                       std::int64_t max_pending) {
  return write_bool(db_, [&](store::transaction& tx) -> result<bool> {
    if (auto purged = store::purge_authn_requests(tx, expired_before); !purged)
      return {boost::system::in_place_error, purged.error()};
    if (auto purged = store::purge_assertion_ids(tx, now); !purged)
      return {boost::system::in_place_error, purged.error()};
    auto n = store::count_authn_requests(tx);
    if (!n) return {boost::system::in_place_error, n.error()};
    if (*n >= max_pending) return false;
    if (auto ins = store::insert_authn_request(tx, request); !ins)
      return {boost::system::in_place_error, ins.error()};
    return true;
  });
}

result<std::optional<store::authn_request_record>> database_session_store::find_authn_request(
    std::string_view relay_state) {
  return db_.read([&](store::reader& r) { return store::find_authn_request_by_relay_state(r, relay_state); });
}

result<bool> database_session_store::consume_authn_request(std::string_view request_id, sys_time now,
                                                           sys_time not_before) {
  return write_bool(db_, [&](store::transaction& tx) {
    return store::consume_authn_request(tx, request_id, now, not_before);
  });
}

result<bool> database_session_store::record_assertion_id(std::string_view assertion_id, sys_time expires_at,
                                                         sys_time now) {
  return write_bool(db_, [&](store::transaction& tx) {
    return store::record_assertion_id(tx, assertion_id, expires_at, now);
  });
}

result<std::optional<std::string>> database_session_store::find_municipality(std::string_view kvk,
                                                                             std::string_view rsin,
                                                                             sys_time at) {
  const std::string day = store::day_of(at);
  auto m = db_.read([&](store::reader& r) -> result<std::optional<store::municipality_record>> {
    auto by_kvk = store::find_municipality_by_kvk(r, kvk, day);
    if (!by_kvk || *by_kvk) return by_kvk;
    return store::find_municipality_by_rsin(r, rsin, day);
  });
  if (!m) return m.error();
  if (!*m) return std::optional<std::string>{};
  return std::optional<std::string>{(*m)->gemeentecode};
}

}  // namespace poort::auth

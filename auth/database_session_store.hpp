#pragma once
// `session_store` (auth/session_store.hpp) on store::database, the SQLite
// store: each call is one read or one write transaction of the store
// (store/login.hpp, store/registry.hpp, store/audit.hpp). The daemon's
// composition root builds one per runtime (daemon/server.cpp).
//
// It lives in auth/ because store/ may not include auth/; it is the only
// part of auth/ that knows store::database.
//
// Thread safety: as store::database (any thread; the writer serialises the
// writes). The `_later` calls go through `database::submit`.

#include <memory>

#include "auth/session_store.hpp"
#include "store/database.hpp"

namespace poort::auth {

class database_session_store final : public session_store {
 public:
  /// `db` must outlive the object.
  explicit database_session_store(store::database& db) : db_(db) {}

  result<void> start_session(std::string_view previous_id_hash, sys_time now, sys_time idle_since,
                             const store::session_record& session, const store::audit_record& audit) override;
  result<std::optional<store::session_record>> find_session(std::string_view id_hash) override;
  void touch_session_later(std::string_view id_hash, sys_time now) override;
  void delete_session_later(std::string_view id_hash) override;
  result<bool> end_session(std::string_view id_hash, const store::audit_record& audit) override;

  result<bool> add_authn_request(const store::authn_request_record& request, sys_time expired_before,
                                 sys_time now, std::int64_t max_pending) override;
  result<std::optional<store::authn_request_record>> find_authn_request(
      std::string_view relay_state) override;
  result<bool> consume_authn_request(std::string_view request_id, sys_time now, sys_time not_before) override;

  result<bool> record_assertion_id(std::string_view assertion_id, sys_time expires_at, sys_time now) override;

  result<std::optional<std::string>> find_municipality(std::string_view kvk, std::string_view rsin,
                                                       sys_time at) override;

 private:
  store::database& db_;
};

}  // namespace poort::auth

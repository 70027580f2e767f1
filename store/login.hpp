#pragma once
// Login state in the store (migration 3): portal sessions, the AuthnRequests
// we sent and are waiting for, and the SAML replay cache of assertion IDs.
//
// Sessions are keyed by the SHA-256 (hex) of the random id in the browser's
// cookie; the id itself is never stored. Times are whole Unix seconds (UTC).
//
// Callers: auth/session.hpp (sessions), auth/login.hpp (AuthnRequests),
// auth/store_replay_cache.hpp (assertion IDs), all through
// auth/database_session_store.hpp.
//
// Thread safety: free functions on a caller's reader/transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/transaction.hpp"

namespace poort::store {

/// One portal session as stored. `role` is "casework", "signatory" or
/// "administrator" (auth::role as text; the store does not know auth).
struct session_record {
  std::string id_hash;  ///< 64 lower-case hex: SHA-256 of the session id
  std::string role;
  std::string idp;
  std::string pseudonym;
  std::string kvk;
  std::string rsin;
  std::string vestigingsnr;
  std::string gemeentecode;  ///< "" for administrators
  std::string assertion_id;
  std::string assurance;
  std::string csrf_token;  ///< 43 characters (32 bytes base64url)
  sys_time created_at;
  sys_time last_seen;
  sys_time expires_at;  ///< absolute end
};

/// Inserts a new session. Failure: constraint (a field outside the schema's
/// CHECKs, or the id hash exists), or a mapped SQLite error.
result<void> insert_session(transaction& tx, const session_record& s);

/// The session with this id hash, if any (expired or not: the caller decides).
result<std::optional<session_record>> find_session(reader& r, std::string_view id_hash);

/// Sets last_seen = `now` (never backwards). Success also when no such session.
result<void> touch_session(transaction& tx, std::string_view id_hash, sys_time now);

/// Deletes the session. Success: true if it existed.
result<bool> delete_session(transaction& tx, std::string_view id_hash);

/// Deletes sessions that are past `now` (absolute) or idle since before
/// `idle_since`. Success: how many were deleted.
result<std::int64_t> purge_sessions(transaction& tx, sys_time now, sys_time idle_since);

/// An AuthnRequest we sent, waiting for its answer.
struct authn_request_record {
  std::string request_id;   ///< the AuthnRequest ID (the answer's InResponseTo)
  std::string relay_state;  ///< opaque random key, 16-80 characters
  std::string target;       ///< local path to return to, starts with '/'
  std::string service;      ///< "casework" | "signing" | "admin"
  std::string idp;          ///< config name of the IdP asked
  sys_time created_at;
  std::optional<sys_time> consumed_at;  ///< set once answered
};

result<void> insert_authn_request(transaction& tx, const authn_request_record& a);

/// The request with this RelayState, if any.
result<std::optional<authn_request_record>> find_authn_request_by_relay_state(reader& r,
                                                                              std::string_view relay_state);

/// Marks the request consumed at `now`, if it is not consumed yet and was
/// created at or after `not_before`. Success: true if it was consumed by
/// this call; false if it was consumed before, too old, or unknown.
result<bool> consume_authn_request(transaction& tx, std::string_view request_id, sys_time now,
                                   sys_time not_before);

/// Deletes requests created before `before`. Success: how many.
result<std::int64_t> purge_authn_requests(transaction& tx, sys_time before);

/// How many requests are stored (the caller caps pending logins).
result<std::int64_t> count_authn_requests(reader& r);

/// The replay cache: records `assertion_id` until `expires_at`, unless it is
/// recorded already and not yet expired at `now`.
/// Success: true if it was not present (or only an expired entry), false if
/// it is a replay.
result<bool> record_assertion_id(transaction& tx, std::string_view assertion_id, sys_time expires_at,
                                 sys_time now);

/// Deletes assertion IDs that expired before `now`. Success: how many.
result<std::int64_t> purge_assertion_ids(transaction& tx, sys_time now);

}  // namespace poort::store

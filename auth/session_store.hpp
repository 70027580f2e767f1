#pragma once
// What auth/ needs from persistence, and nothing more: portal sessions (with
// their CSRF tokens), the AuthnRequests we sent and wait for, the SAML replay
// cache of assertion IDs, and which municipality a KvK number or RSIN belongs
// to. `session_manager` (auth/session.hpp) and `login_flow` (auth/login.hpp)
// see only this interface.
//
// Implementations:
//   - auth/database_session_store.hpp: on store::database (the SQLite store),
//     wired in the daemon's composition root;
//   - an in-memory one for auth's unit tests (tests/unit/auth);
//   - a PostgreSQL backend implements the same interface.
//
// The records are the store's value types (store/login.hpp, store/audit.hpp):
// plain data that every backend shares, not a connection. Times are whole
// seconds (UTC).
//
// Every call is one atomic step (one transaction in a database): either all
// of it happens or nothing does, and an audit record is written in the same
// step as the change it records. A failure is the backend's error (e.g. a
// condition `unavailable` when it cannot be reached, `constraint` for a field
// outside the schema); the callers fail closed on any failure.
//
// Thread safety: every implementation may be called from several threads at
// once. Calls may block on I/O: call them from worker threads, never from the
// store's own writer thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/audit.hpp"
#include "store/login.hpp"

namespace poort::auth {

class session_store {
 public:
  virtual ~session_store() = default;

  // ---------------------------------------------------------------- sessions

  /// In one step: deletes the session `previous_id_hash` (when not ""),
  /// deletes the sessions past their absolute expiry at `now` or idle since
  /// before `idle_since`, inserts `session` and appends `audit`.
  /// Failure: nothing is changed (e.g. constraint: the id hash exists, or a
  /// field or the audit record is out of limits).
  virtual result<void> start_session(std::string_view previous_id_hash, sys_time now, sys_time idle_since,
                                     const store::session_record& session,
                                     const store::audit_record& audit) = 0;

  /// The session with this id hash, expired or not (the caller decides).
  virtual result<std::optional<store::session_record>> find_session(std::string_view id_hash) = 0;

  /// Sets the session's last_seen to `now` (never backwards; nothing when it
  /// is gone). Does not wait for the write; a failure is logged, not returned.
  virtual void touch_session_later(std::string_view id_hash, sys_time now) = 0;

  /// Deletes the session, if any. Does not wait for the write.
  virtual void delete_session_later(std::string_view id_hash) = 0;

  /// In one step: deletes the session and, if it existed, appends `audit`.
  /// Success: true if it existed (and the audit record is written), false if
  /// there was no such session (nothing is written).
  virtual result<bool> end_session(std::string_view id_hash, const store::audit_record& audit) = 0;

  // ----------------------------------------------------------- AuthnRequests

  /// In one step: deletes the AuthnRequests created before `expired_before`
  /// and the assertion IDs expired at `now`; then inserts `request`, unless
  /// `max_pending` requests or more are stored.
  /// Success: true if inserted, false if there were too many.
  virtual result<bool> add_authn_request(const store::authn_request_record& request, sys_time expired_before,
                                         sys_time now, std::int64_t max_pending) = 0;

  /// The request with this RelayState, if any (consumed or not).
  virtual result<std::optional<store::authn_request_record>> find_authn_request(
      std::string_view relay_state) = 0;

  /// Marks the request consumed at `now`, if it is not consumed yet and was
  /// created at or after `not_before`. Success: true if this call consumed
  /// it; false if it was consumed before, is too old, or is unknown.
  virtual result<bool> consume_authn_request(std::string_view request_id, sys_time now,
                                             sys_time not_before) = 0;

  // ------------------------------------------------------------ replay cache

  /// Records `assertion_id` until `expires_at`, unless it is recorded and not
  /// yet expired at `now`. Success: true if it was new (or only expired),
  /// false if it is a replay.
  virtual result<bool> record_assertion_id(std::string_view assertion_id, sys_time expires_at,
                                           sys_time now) = 0;

  // ---------------------------------------------------------------- registry

  /// The gemeentecode of the municipality registered, on the day of `at`
  /// (UTC), with KvK number `kvk`; if none (or `kvk` is ""), with RSIN `rsin`.
  /// Success: nullopt when neither names a municipality.
  virtual result<std::optional<std::string>> find_municipality(std::string_view kvk, std::string_view rsin,
                                                               sys_time at) = 0;
};

}  // namespace poort::auth

#pragma once
// Browser sessions of the portal (DESIGN §3, issue 3): server-side in the
// session store (auth/session_store.hpp), an opaque cookie in the browser.
//
//   Set-Cookie: __Host-poort-sessie=<32 random bytes, base64url>; Path=/; Secure; HttpOnly; SameSite=Lax
//
// The store keeps only the SHA-256 of the id. A session ends at its absolute
// expiry (`session.absolute_timeout_s` after login) or after
// `session.idle_timeout_s` without a request; either is an error whose
// condition is `reauthenticate` (the dispatcher answers 401 `not_logged_in`).
// Logging in always makes a new id (rotation) and deletes the session the
// browser came with. Each session has its own CSRF token, which every
// state-changing request must echo in `X-CSRF-Token`.
//
// SameSite=Lax, not Strict: the login ends with a chain of redirects that
// starts at the IdP's site (IdP -> 303 -> our ACS -> 303 -> the portal page).
// Browsers treat the whole chain as cross-site, so a Strict cookie set by the
// ACS would not be sent with the portal page it redirects to, nor when a user
// follows a link to the portal from e-mail. CSRF protection does not rest on
// SameSite: it is the token header, which a cross-site form cannot set.
//
// Thread safety: `session_manager` is immutable; its members may be called
// from several threads at once.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/session_store.hpp"
#include "auth/user.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "store/audit.hpp"

namespace poort::auth {

/// Why a request has no valid session. Every code maps onto
/// `condition::reauthenticate`.
enum class session_error {
  ok = 0,
  no_session,       ///< no session cookie
  cookie_invalid,   ///< a session cookie that is not 43 base64url characters
  unknown_session,  ///< no such session (logged out, purged, or forged)
  idle_timeout,     ///< no request for longer than session.idle_timeout_s
  expired,          ///< past session.absolute_timeout_s after login
};

const error_category& session_category() noexcept;
inline error_code make_error_code(session_error e) noexcept {
  return {static_cast<int>(e), session_category()};
}
/// Stable code for logs, e.g. "idle_timeout".
std::string_view reason_code(session_error e) noexcept;

inline constexpr std::string_view session_cookie_name = "__Host-poort-sessie";

/// The value of the session cookie in a Cookie header ("a=b; __Host-poort-sessie=..."),
/// or "" when there is none. The value is not checked here.
std::string_view find_session_cookie(std::string_view cookie_header) noexcept;

/// The Set-Cookie value that gives the browser session `id` (a session
/// cookie: no Max-Age, the server enforces expiry).
std::string session_set_cookie(std::string_view id);
/// The Set-Cookie value that removes the session cookie.
std::string session_clear_cookie();

class session_manager {
 public:
  /// `clock` and `rng` must outlive the manager. REQUIRES: `store` is not null.
  session_manager(std::shared_ptr<session_store> store, const clock& clock, random& rng,
                  config::session timeouts)
      : store_(std::move(store)), clock_(clock), rng_(rng), timeouts_(timeouts) {}

  struct started {
    std::string id;  ///< for the cookie only: never log it
    user who;        ///< with session_id_hash, csrf_token and logged_in_at set
  };

  /// Starts a session for `who` in one transaction: deletes the session of
  /// `previous_id` (the cookie the browser came with; may be ""), purges
  /// expired sessions, inserts the new one and appends `audit`.
  /// Success: the new id and user. Failure: the store's error (nothing is
  /// changed), e.g. unavailable or constraint for an out-of-schema field.
  result<started> start(user who, std::string_view previous_id, const store::audit_record& audit) const;

  /// The user of session `id` (the cookie value) at `clock.now()`, and
  /// records the activity (at most every `touch_interval`, without waiting
  /// for the write). Failure: a session_error, or a store error.
  result<user> authenticate(std::string_view id) const;

  /// Ends `who`'s session and appends `audit`, in one transaction.
  /// Failure: unknown_session (already gone; the audit record is not
  /// written), or a store error.
  result<void> end(const user& who, const store::audit_record& audit) const;

  /// last_seen is rewritten when it is older than this: idle expiry is exact
  /// to within this interval (1/10 of the idle timeout, at most 60 s).
  std::chrono::seconds touch_interval() const noexcept;

 private:
  std::shared_ptr<session_store> store_;
  const clock& clock_;
  random& rng_;
  config::session timeouts_;
};

}  // namespace poort::auth

namespace boost::system {
template <>
struct is_error_code_enum<poort::auth::session_error> : std::true_type {};
}  // namespace boost::system

#pragma once
// Refusals at the router into the audit log (issue 14 item 6): every 401 and
// 403 that app::check answers (no or an expired session, wrong role, CSRF
// token, unknown party or certificate, wrong party kind) is recorded with
// where it came from, who it was (as far as known) and why; bounded, so
// that a client hammering the gateway cannot flood the log.
//
// Coalescing. Refusals with the same origin, actor, reason and route are
// one *window*: the first opens it, and it is written as one record once
// `window` (one minute) has passed by the injected clock, with how many
// refusals it held. Until then nothing is written; `flush` writes the windows
// that have ended (poortd calls it every few seconds) and `flush_all` every
// window, ended or not (poortd calls it at shutdown, after the listeners are
// closed and before the store is). At most `max_windows` windows are open at
// a time; a refusal that would open another is counted in one overflow window
// (origin and actor "overflow").
//
// The record:
//   action     "access.refuse"
//   object     "route:<route name>;count=<n>" (n refusals in the window)
//   result     "denied:<reason>" (not_logged_in, wrong_role, csrf_token_invalid,
//              unknown_party, no_certificate, oin_missing, oin_malformed,
//              wrong_party_kind, ...)
//   origin     the client address
//   actor      "party:<oin>" for a known party; "certificate:sha256:<fingerprint>"
//              for a certificate of no registered party; the portal user's
//              actor with ";organisatie=gemeente:<code>" (or kvk:<number>)
//              when the session names one; else "anonymous"
//   request_id the first refused request's id
//   at         the first refusal of the window
// Fields are cut to the audit record's limits and to printable ASCII, so
// that what a client sends cannot make the record unwritable.
//
// Thread safety: every member may be called from any thread.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "common/clock.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"

namespace poort::routing {

struct request_context;

/// One refusal as app::check answered it.
struct access_refusal {
  std::string origin;
  std::string actor;
  std::string reason;  ///< the problem code, e.g. "wrong_role"
  std::string route;   ///< the route's name
  std::string request_id;
};

/// The refusal of `route` for `reason` in the request `ctx`.
access_refusal refusal_of(const request_context& ctx, std::string_view route, std::string_view reason);

class refusal_audit {
 public:
  /// `db` and `clock` outlive the object.
  refusal_audit(store::database& db, poort::clock& clock,
                std::chrono::seconds window = std::chrono::minutes(1), std::size_t max_windows = 4096);

  /// Counts `r` in its window (opening one if needed). Never waits for the store.
  void record(const access_refusal& r);

  /// Writes one record per window that has ended by the clock (all windows
  /// when `all`), in one transaction. A write that fails is logged and its
  /// windows are kept for the next flush.
  /// Success: the number of records written.
  result<std::size_t> flush(bool all = false);
  result<std::size_t> flush_all() { return flush(true); }

  /// Windows open now (for tests and metrics).
  std::size_t open_windows() const;

 private:
  using key = std::tuple<std::string, std::string, std::string, std::string>;  // origin, actor, reason, route
  struct window {
    sys_time opened;
    std::uint64_t count = 0;
    std::string request_id;
  };

  store::database& db_;
  poort::clock& clock_;
  std::chrono::seconds window_;
  std::size_t max_windows_;
  mutable std::mutex mu_;
  std::map<key, window> open_;  // guarded by mu_
};

}  // namespace poort::routing

#pragma once
// The application behind both listeners: the route table, the access checks
// that run before any handler, the handlers themselves, and the headers every
// response carries (security headers on the portal, `API-Version` on /api).
//
// The daemon owns the sockets and calls, per request:
//   1. `find(listener, method, target)` after the head is read (for the body limit),
//   2. `handle_async(match, request, context, done)` (or `handle`) once the body is in,
//   3. `finish(response, ...)` on every response, including the daemon's own
//      refusals (431, 413, 400), so that headers are uniform.
//
// Routes marked `async` (the prisons' deliveries) do their parsing, checks
// and sealing on the calling thread and hand the transaction to the store's
// writer; the response follows from the writer thread once the commit is
// durable. No thread waits per request, so an I/O thread can call
// `handle_async` directly.
//
// Thread safety: `handle` and `handle_async` may run concurrently on several
// threads; the app's own state is immutable or atomic. The services it is
// given must be too.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "routing/http.hpp"
#include "routing/metrics.hpp"
#include "routing/problem.hpp"
#include "routing/router.hpp"
#include "store/database.hpp"

namespace poort::routing {

/// A static file of the portal, preloaded in memory.
struct asset {
  std::string content_type;
  std::string body;
  std::string etag;
};

/// Preloads every regular file below `root` (at most 4 MiB in all, names of
/// [A-Za-z0-9._-] only, hidden files skipped), keyed by its URL path
/// ("/index.html", "/css/poort.css").
result<std::unordered_map<std::string, asset>> load_assets(const config::path& root);

struct login_services;       // routing/login_routes.hpp
struct onboarding_services;  // routing/onboarding_routes.hpp
struct delivery_services;    // routing/delivery_routes.hpp
class refusal_audit;         // routing/refusal_audit.hpp

/// What the app needs from the rest of the process.
struct services {
  poort::random* random = nullptr;
  /// The configuration in force (it changes on SIGHUP).
  std::function<std::shared_ptr<const config::config>()> current_config;
  /// Per-area services, built by the daemon (null = that area is not served).
  std::shared_ptr<const login_services> login;
  std::shared_ptr<const onboarding_services> onboarding;
  std::shared_ptr<const delivery_services> delivery;
  poort::clock* clock = nullptr;
  routing::metrics* metrics = nullptr;
  store::database* store = nullptr;  ///< outlives the app
  /// /readyz: is the store writable now? (a real write through the writer)
  std::function<result<void>()> store_writable;
  /// Portal: the logged-in person of this request (session cookie), or an
  /// error whose condition is `reauthenticate`. Unset = nobody is ever logged in.
  std::function<result<auth::user>(const request&)> authenticate_user;
  /// Where the access checks' refusals (401, 403) are counted for the audit
  /// log; null = not audited (tests of other things). Outlives the app.
  refusal_audit* refusals = nullptr;
};

class app {
 public:
  /// Builds the route table. `assets` are served on the portal listener.
  app(services s, std::unordered_map<std::string, asset> assets);

  const router& routes() const { return router_; }
  /// Route names by index, for `metrics`.
  static std::vector<std::string> route_names();

  match find(listener_kind listener, http::verb method, std::string_view target) const {
    return router_.find(listener, method, target);
  }

  /// Runs the access check of `m.found` and then its handler. For an unmatched
  /// request (`m.found == nullptr`) answers 404 or 405. For an `async` route
  /// it runs `handle_async` and waits for its answer.
  /// REQUIRES: not called on the store's writer thread (it may wait for it).
  response handle(const match& m, const request& req, request_context& ctx) const;

  /// The same checks and handler as `handle`, without waiting: `done` is
  /// called exactly once with the final response, on the calling thread
  /// (every route that is not `async`, and an async route's refusals) or on
  /// the store's writer thread once the commit is durable (or has failed).
  /// An exception of a handler is caught and answered with 500. `done` must
  /// not block or throw; it may be called before `handle_async` returns.
  /// REQUIRES: `*req` and `ctx` stay valid until `done` has been called.
  void handle_async(const match& m, const std::shared_ptr<const request>& req, request_context& ctx,
                    std::function<void(response)> done) const;

  /// Adds the headers every response carries. `target` is the request target
  /// (or "" when the request could not be parsed).
  static void finish(response& res, listener_kind listener, std::string_view target,
                     std::string_view request_id);

  /// The headers `finish` sets, as (name, value) pairs to `emit`, for a
  /// serialiser that writes them itself instead of adding them to the
  /// response first. They replace any field of the same name. `cacheable`:
  /// the response carries an ETag (a static asset).
  template <class Emit>
  static void for_each_common_header(listener_kind listener, std::string_view target,
                                     std::string_view request_id, bool cacheable, Emit&& emit) {
    emit("Server", "poort");
    if (!request_id.empty()) emit("X-Request-Id", request_id);
    if (target.starts_with("/api/")) emit("API-Version", api_version);
    if (listener == listener_kind::portal) {
      emit("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
      emit("Content-Security-Policy",
           "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
           "object-src 'none'");
      emit("X-Content-Type-Options", "nosniff");
      emit("X-Frame-Options", "DENY");
      emit("Referrer-Policy", "no-referrer");
      emit("Cross-Origin-Opener-Policy", "same-origin");
      emit("Cross-Origin-Resource-Policy", "same-origin");
      emit("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
      // Static assets may be cached (they carry an ETag); everything else may
      // hold personal data and is never stored.
      if (cacheable) {
        emit("Cache-Control", "no-cache");
      } else {
        emit("Cache-Control", "no-store");
        emit("Pragma", "no-cache");
      }
    } else {
      emit("Cache-Control", "no-store");
    }
  }

 private:
  void add_routes();
  /// Answers an unmatched request, or runs the route's access check: a
  /// response when refused, nullopt when its handler may run.
  std::optional<response> check(const match& m, const request& req, request_context& ctx) const;
  /// Resolves the portal user and checks the route's role and CSRF token;
  /// a response when refused.
  std::optional<response> check_user(const route& r, const request& req, request_context& ctx) const;
  /// The refusal `p` of route `r`: counted for the audit log, then answered.
  response refuse(const route& r, const request& req, const request_context& ctx, const problem& p) const;
  response serve_asset(const request& req, std::string_view path) const;

  services services_;
  std::unordered_map<std::string, asset> assets_;
  router router_;
};

/// A response of `content_type` with the version and keep-alive of `req`.
response make_response(const request& req, http::status status, std::string_view content_type,
                       std::string body);

/// A JSON response (`application/json`) with the version and keep-alive of `req`.
response make_json_response(const request& req, http::status status, std::string body);

}  // namespace poort::routing

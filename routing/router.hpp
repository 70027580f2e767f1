#pragma once
// The route table: (listener, method, path pattern) -> handler, with each
// route's body limit and the rule of who may call it.
//
// The daemon asks the router *after reading the request head and before
// reading the body*, so that the body limit of the route applies (413) and an
// unknown route is refused without reading a body at all.
//
// Patterns are literal segments and `{name}` placeholders matching one
// non-empty segment ("/api/v1/leveringen/{berichtId}"). Paths are matched
// exactly: no decoding, no dot-segment collapsing; a query string is ignored.
//
// Thread safety: a router is immutable once built and may be shared.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/peer.hpp"
#include "auth/user.hpp"
#include "config/config.hpp"
#include "routing/http.hpp"
#include "store/audit.hpp"

namespace poort::routing {

using config::listener_kind;

/// Which listeners a route is served on.
enum listener_set : unsigned { on_portal = 1u, on_system = 2u, on_both = 3u };

/// Who may call a route (checked by the dispatcher before the handler runs).
enum class access {
  anyone,            ///< health checks, static assets, login start
  loopback,          ///< only from 127.0.0.0/8 or ::1 (metrics)
  any_party,         ///< system listener: any registered party
  institution,       ///< system listener: a prison
  municipal_system,  ///< system listener: a municipality's system
  user,              ///< portal: any logged-in person
  casework,          ///< portal: a municipality's case worker
  signatory,         ///< portal: a municipality's authorised signatory
  municipal_user,    ///< portal: a case worker or a signatory
  administrator,     ///< portal: a Justid administrator
};

/// Everything a handler knows about the request besides the message itself.
/// An optional immutable value that copies share instead of duplicating: a
/// connection lends its identity to each of its requests, and connections
/// with the same certificate share one. Assigns from a value, an optional or
/// a shared pointer; reads like std::optional.
template <class T>
class shared_optional {
 public:
  shared_optional() = default;
  // The converting constructors are implicit on purpose, like std::optional's,
  // so that a context assigns from a value: `ctx.party = party;`.
  // NOLINTNEXTLINE(google-explicit-constructor): implicit like std::optional's
  shared_optional(std::nullopt_t) {}
  // NOLINTNEXTLINE(google-explicit-constructor): implicit like std::optional's
  shared_optional(T value) : p_(std::make_shared<const T>(std::move(value))) {}
  // NOLINTNEXTLINE(google-explicit-constructor): implicit like std::optional's
  shared_optional(std::optional<T> value) {
    if (value) p_ = std::make_shared<const T>(std::move(*value));
  }
  // NOLINTNEXTLINE(google-explicit-constructor): implicit like std::optional's
  shared_optional(std::shared_ptr<const T> p) : p_(std::move(p)) {}

  explicit operator bool() const noexcept { return p_ != nullptr; }
  bool has_value() const noexcept { return p_ != nullptr; }
  const T& operator*() const noexcept { return *p_; }
  const T* operator->() const noexcept { return p_.get(); }
  void reset() noexcept { p_.reset(); }
  /// The shared value itself (for moving it between owners).
  std::shared_ptr<const T>& share() noexcept { return p_; }

 private:
  std::shared_ptr<const T> p_;
};

struct request_context {
  listener_kind listener = listener_kind::portal;
  std::string request_id;
  std::string remote_address;                    ///< textual IP, no port
  shared_optional<auth::peer_certificate> peer;  ///< system listener: the verified certificate
  shared_optional<auth::party> party;            ///< system listener: the registered party, if known
  error_code party_error;                        ///< why `party` is empty
  std::optional<auth::user> user;                ///< portal listener: the logged-in person, if any
  std::vector<std::pair<std::string, std::string>> params;  ///< path placeholders

  std::string_view param(std::string_view name) const;
};

/// Who acts in this request, for its audit records (store::audit_identity
/// documents the format): the client address ("unknown" when there is
/// none); "party:<oin>" for a system certificate's party, the portal user's
/// auth::user::actor, else "anonymous", with ";namens=gemeente:<code>"
/// appended when `on_behalf_of` names a municipality; the request id.
store::audit_identity audit_identity_of(const request_context& ctx, std::string_view on_behalf_of = {});

using handler = std::function<response(const request&, request_context&)>;

/// A handler that does not wait: it answers through `done`, exactly once,
/// either before it returns (a refusal) or later from another thread (the
/// store's writer, once the commit is durable). `req` and `ctx` stay valid
/// until `done` has been called. See app::handle_async.
using async_handler = std::function<void(std::shared_ptr<const request> req, request_context& ctx,
                                         std::function<void(response)> done)>;

/// One route. Built with designated initializers, naming each field:
///   r.add({.name = "whoami", .method = http::verb::get, .pattern = "/api/v1/whoami",
///          .listeners = on_system, .who = access::any_party, .handle = ...});
struct route {
  std::string name;  ///< stable label for metrics and logs, e.g. "whoami"
  http::verb method = http::verb::get;
  std::string pattern;
  unsigned listeners = on_both;
  access who = access::anyone;
  std::size_t body_limit = 0;  ///< bytes; 0 = no body allowed
  bool blocking = false;       ///< waits on the store: run on a worker thread
  handler handle;              ///< empty when `async`
  /// Set for routes that hand their transaction to the store's writer and
  /// answer from there (app::handle_async); `handle_async` is then the handler.
  bool async = false;
  async_handler handle_async;
};

/// The outcome of a lookup.
struct match {
  const route* found = nullptr;  ///< the route, or nullptr
  std::size_t index = 0;         ///< position of `found` in the table (for metrics)
  int status = 0;                ///< when !found: 404, or 405 with `allow`
  std::string allow;             ///< when 405: the methods that exist for the path
  std::vector<std::pair<std::string, std::string>> params;
};

class router {
 public:
  /// Adds a route. REQUIRES: the pattern starts with '/', and no route with the
  /// same method, listener and pattern exists.
  void add(route r);

  match find(listener_kind listener, http::verb method, std::string_view target) const;

  const std::vector<route>& routes() const { return routes_; }

 private:
  std::vector<route> routes_;
};

/// The path of a request target, without the query string.
std::string_view target_path(std::string_view target);

}  // namespace poort::routing

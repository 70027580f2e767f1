#include "routing/app.hpp"

#include <boost/json.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "auth/session.hpp"
#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "common/log.hpp"
#include "routing/areas.hpp"
#include "routing/refusal_audit.hpp"

namespace poort::routing {
namespace {

bool is_loopback(std::string_view ip) {
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

std::string_view content_type_for(std::string_view path) {
  auto ends = [&](std::string_view s) { return path.ends_with(s); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".json")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  if (ends(".woff2")) return "font/woff2";
  if (ends(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool safe_name(std::string_view name) {
  if (name.empty() || name[0] == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

result<std::unordered_map<std::string, asset>> load_assets(const config::path& root) {
  namespace fs = std::filesystem;
  std::unordered_map<std::string, asset> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;  // no portal assets: API only
  std::size_t total = 0;
  for (fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end; !ec && it != end;
       it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!safe_name(name)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    auto body = read_file(it->path(), 4u << 20);
    if (!body) return body.error();
    total += body->size();
    if (total > (4u << 20)) return make_error_code(common_error::limit_exceeded);
    std::string url = "/" + fs::relative(it->path(), root).generic_string();
    asset a;
    a.content_type = std::string(content_type_for(url));
    a.etag = "\"" + sha256_hex(*body).substr(0, 32) + "\"";
    a.body = std::move(*body);
    out.emplace(std::move(url), std::move(a));
  }
  if (ec) return make_error_code(common_error::io_error);
  return out;
}

response make_response(const request& req, http::status status, std::string_view content_type,
                       std::string body) {
  response res{status, req.version()};
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

response make_json_response(const request& req, http::status status, std::string body) {
  return make_response(req, status, "application/json", std::move(body));
}

app::app(services s, std::unordered_map<std::string, asset> assets)
    : services_(std::move(s)), assets_(std::move(assets)) {
  add_routes();
}

std::vector<std::string> app::route_names() {
  app probe(services{}, {});
  std::vector<std::string> names;
  for (const auto& r : probe.router_.routes()) names.push_back(r.name);
  return names;
}

void app::add_routes() {
  router_.add({.name = "healthz",
               .method = http::verb::get,
               .pattern = "/healthz",
               .listeners = on_both,
               .who = access::anyone,
               .handle = [](const request& req, request_context&) {
                 return make_response(req, http::status::ok, "text/plain; charset=utf-8", "ok\n");
               }});
  router_.add(
      {.name = "readyz",
       .method = http::verb::get,
       .pattern = "/readyz",
       .listeners = on_both,
       .who = access::anyone,
       .blocking = true,
       .handle = [this](const request& req, request_context& ctx) {
         auto ok = services_.store_writable ? services_.store_writable() : result<void>{};
         if (!ok) {
           log::warn("readyz.not_ready", {{"request_id", ctx.request_id}, {"error", ok.error().message()}});
           return make_problem_response(req, problem::store_unavailable(), ctx.request_id);
         }
         return make_response(req, http::status::ok, "text/plain; charset=utf-8", "ready\n");
       }});
  router_.add({.name = "metrics",
               .method = http::verb::get,
               .pattern = "/metrics",
               .listeners = on_both,
               .who = access::loopback,
               .handle = [this](const request& req, request_context&) {
                 return make_response(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                                      services_.metrics ? services_.metrics->render() : std::string{});
               }});
  router_.add({.name = "whoami",
               .method = http::verb::get,
               .pattern = "/api/v1/whoami",
               .listeners = on_system,
               .who = access::any_party,
               .handle = [](const request& req, request_context& ctx) {
                 const auth::party& p = *ctx.party;
                 boost::json::object o;
                 o["oin"] = p.oin;
                 o["naam"] = p.name;
                 o["soort"] = p.kind == auth::party_kind::institution ? "PENITENTIAIRE_INRICHTING"
                                                                      : "GEMEENTELIJK_SYSTEEM";
                 o["gemeentecode"] = p.gemeentecode.empty() ? boost::json::value(nullptr)
                                                            : boost::json::value(p.gemeentecode);
                 o["certificaatVingerafdruk"] = ctx.peer ? ctx.peer->fingerprint_sha256 : std::string{};
                 return make_json_response(req, http::status::ok, boost::json::serialize(o));
               }});
  add_login_routes(router_, services_);
  add_onboarding_routes(router_, services_);
  add_delivery_routes(router_, services_);
  add_beheer_routes(router_, services_);
  add_settings_routes(router_, services_);
  // Static assets last: "/{asset}" would otherwise shadow single-segment routes.
  const auto asset_route = [this](std::string pattern, std::string_view fixed_path) {
    router_.add({.name = "asset",
                 .method = http::verb::get,
                 .pattern = std::move(pattern),
                 .listeners = on_portal,
                 .who = access::anyone,
                 .handle = [this, fixed_path](const request& req, request_context&) {
                   return serve_asset(req, fixed_path.empty() ? target_path(req.target()) : fixed_path);
                 }});
  };
  asset_route("/{asset}", {});
  asset_route("/", "/index.html");
  asset_route("/static/{dir}/{file}", {});
}

response app::serve_asset(const request& req, std::string_view path) const {
  auto it = assets_.find(std::string(path));
  if (it == assets_.end()) {
    // A missing top-level page gets the portal's "page not found" page; any other miss problem+json.
    const auto page = assets_.find("/niet-gevonden.html");
    if (!path.ends_with(".html") || path.find('/', 1) != std::string_view::npos || page == assets_.end())
      return make_problem_response(req, problem::not_found(), "");
    response res{http::status::not_found, req.version()};
    res.set(http::field::content_type, page->second.content_type);
    res.keep_alive(req.keep_alive());
    res.body() = req.method() == http::verb::head ? std::string{} : page->second.body;
    res.prepare_payload();
    if (req.method() == http::verb::head) res.content_length(page->second.body.size());
    return res;
  }
  if (req[http::field::if_none_match] == it->second.etag) {
    response res{http::status::not_modified, req.version()};
    res.set(http::field::etag, it->second.etag);
    res.keep_alive(req.keep_alive());
    return res;
  }
  response res{http::status::ok, req.version()};
  res.set(http::field::content_type, it->second.content_type);
  res.set(http::field::etag, it->second.etag);
  res.keep_alive(req.keep_alive());
  res.body() = req.method() == http::verb::head ? std::string{} : it->second.body;
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(it->second.body.size());
  return res;
}

std::optional<response> app::check_user(const route& r, const request& req, request_context& ctx) const {
  auto user = services_.authenticate_user
                  ? services_.authenticate_user(req)
                  : result<auth::user>(make_error_code(common_error::invalid_argument));
  if (!user) {
    // Only a missing, unknown or expired session means "log in again"; a
    // store that cannot answer must not tell the user their session expired.
    if (user.error().category() != auth::session_category() &&
        user.error() != make_error_code(common_error::invalid_argument)) {
      log::error("session.lookup_failed",
                 {{"request_id", ctx.request_id}, {"error", user.error().message()}});
      return make_problem_response(req, problem::session_unavailable(), ctx.request_id);
    }
    return refuse(r, req, ctx, problem::not_logged_in());
  }
  const auth::role role = user->role;
  const bool allowed =
      r.who == access::user || (r.who == access::casework && role == auth::role::casework) ||
      (r.who == access::signatory && role == auth::role::signatory) ||
      (r.who == access::municipal_user && (role == auth::role::casework || role == auth::role::signatory)) ||
      (r.who == access::administrator && role == auth::role::administrator);
  if (!allowed) {
    ctx.user = *user;  // the refusal's record names who was refused
    auto res = refuse(r, req, ctx, problem::wrong_role());
    ctx.user.reset();
    return res;
  }
  // CSRF: every state-changing request carries the session's token in a
  // header that a cross-site form cannot set.
  const auto method = req.method();
  if (method != http::verb::get && method != http::verb::head) {
    auto token = req["X-CSRF-Token"];
    if (user->csrf_token.empty() ||
        !constant_time_equal(std::string_view(token.data(), token.size()), user->csrf_token)) {
      ctx.user = *user;
      auto res = refuse(r, req, ctx, problem::csrf_token_invalid());
      ctx.user.reset();
      return res;
    }
  }
  ctx.user = std::move(*user);
  return std::nullopt;
}

response app::refuse(const route& r, const request& req, const request_context& ctx, const problem& p) const {
  if (services_.refusals != nullptr) services_.refusals->record(refusal_of(ctx, r.name, p.code));
  return make_problem_response(req, p, ctx.request_id);
}

std::optional<response> app::check(const match& m, const request& req, request_context& ctx) const {
  if (m.found == nullptr) {
    if (m.status == 405) {
      auto res = make_problem_response(req, problem::method_not_allowed(), ctx.request_id);
      res.set(http::field::allow, m.allow);
      return res;
    }
    return make_problem_response(req, problem::not_found(), ctx.request_id);
  }
  const route& r = *m.found;
  ctx.params = m.params;
  switch (r.who) {
    case access::anyone: break;
    case access::loopback:
      if (!is_loopback(ctx.remote_address))
        return make_problem_response(req, problem::not_found(), ctx.request_id);
      break;
    case access::any_party:
    case access::institution:
    case access::municipal_system:
      if (!ctx.party) return refuse(r, req, ctx, problem::party_refused(ctx.party_error));
      if ((r.who == access::institution && ctx.party->kind != auth::party_kind::institution) ||
          (r.who == access::municipal_system && ctx.party->kind != auth::party_kind::municipal_system))
        return refuse(r, req, ctx, problem::wrong_party_kind());
      break;
    case access::user:
    case access::casework:
    case access::signatory:
    case access::municipal_user:
    case access::administrator: return check_user(r, req, ctx);
  }
  return std::nullopt;
}

response app::handle(const match& m, const request& req, request_context& ctx) const {
  if (auto refused = check(m, req, ctx)) return std::move(*refused);
  if (!m.found->async) return m.found->handle(req, ctx);
  // Wait for the asynchronous handler (tests, and any caller without one).
  struct waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<response> res;
  };
  auto w = std::make_shared<waiter>();
  handle_async(m, std::make_shared<const request>(req), ctx, [w](response res) {
    std::lock_guard lock(w->mu);
    w->res = std::move(res);
    w->cv.notify_one();
  });
  std::unique_lock lock(w->mu);
  w->cv.wait(lock, [&w] { return w->res.has_value(); });
  return std::move(*w->res);
}

void app::handle_async(const match& m, const std::shared_ptr<const request>& req, request_context& ctx,
                       std::function<void(response)> done) const {
  const auto internal_error = [&ctx](const request& r, std::string_view what) {
    log::error("request.exception", {{"request_id", ctx.request_id}, {"what", what}});
    return make_problem_response(r, problem::internal_error(), ctx.request_id);
  };
  if (m.found == nullptr || !m.found->async) {
    std::optional<response> res;
    try {
      res = handle(m, *req, ctx);
    } catch (const std::exception& e) {
      res = internal_error(*req, e.what());
    }
    done(std::move(*res));
    return;
  }
  // `done` goes to the handler behind a guard that lets only the first call
  // through, so that an exception after the hand-off cannot answer twice.
  struct once {
    std::atomic<bool> called{false};
    std::function<void(response)> done;
  };
  auto guard = std::make_shared<once>();
  guard->done = std::move(done);
  const auto answer = [guard](response res) {
    if (!guard->called.exchange(true)) guard->done(std::move(res));
  };
  try {
    if (auto refused = check(m, *req, ctx)) return answer(std::move(*refused));
    m.found->handle_async(req, ctx, answer);
  } catch (const std::exception& e) {
    answer(internal_error(*req, e.what()));
  }
}

void app::finish(response& res, listener_kind listener, std::string_view target,
                 std::string_view request_id) {
  const bool cacheable = res.find(http::field::etag) != res.end();
  for_each_common_header(listener, target, request_id, cacheable,
                         [&res](std::string_view name, std::string_view value) { res.set(name, value); });
}

}  // namespace poort::routing

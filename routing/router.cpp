#include "routing/router.hpp"

namespace poort::routing {
namespace {

bool served_on(unsigned listeners, listener_kind k) {
  return (listeners & (k == listener_kind::portal ? on_portal : on_system)) != 0;
}

// Matches `path` against `pattern`, collecting placeholders into `params`.
bool match_pattern(std::string_view pattern, std::string_view path,
                   std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  while (!pattern.empty() && !path.empty()) {
    if (pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    auto pe = pattern.find('/');
    auto se = path.find('/');
    std::string_view pseg = pattern.substr(0, pe);
    std::string_view sseg = path.substr(0, se);
    if (pseg.size() >= 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (sseg.empty()) return false;
      params.emplace_back(std::string(pseg.substr(1, pseg.size() - 2)), std::string(sseg));
    } else if (pseg != sseg) {
      return false;
    }
    pattern.remove_prefix(pseg.size());
    path.remove_prefix(sseg.size());
  }
  return pattern.empty() && path.empty();
}

}  // namespace

std::string_view request_context::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

store::audit_identity audit_identity_of(const request_context& ctx, std::string_view on_behalf_of) {
  store::audit_identity who;
  who.origin = ctx.remote_address.empty() ? std::string("unknown") : ctx.remote_address;
  who.actor = ctx.party ? "party:" + ctx.party->oin : ctx.user ? ctx.user->actor() : std::string("anonymous");
  if (!on_behalf_of.empty()) who.actor += ";namens=gemeente:" + std::string(on_behalf_of);
  who.request_id = ctx.request_id;
  return who;
}

std::string_view target_path(std::string_view target) {
  auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

void router::add(route r) { routes_.push_back(std::move(r)); }

match router::find(listener_kind listener, http::verb method, std::string_view target) const {
  match m;
  const std::string_view path = target_path(target);
  std::vector<std::pair<std::string, std::string>> params;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const route& r = routes_[i];
    if (!served_on(r.listeners, listener)) continue;
    if (!match_pattern(r.pattern, path, params)) continue;
    if (r.method == method || (method == http::verb::head && r.method == http::verb::get)) {
      m.found = &r;
      m.index = i;
      m.params = std::move(params);
      return m;
    }
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += std::string(http::to_string(r.method));
  }
  m.status = m.allow.empty() ? 404 : 405;
  return m;
}

}  // namespace poort::routing

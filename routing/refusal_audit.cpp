#include "routing/refusal_audit.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "routing/router.hpp"

namespace poort::routing {
namespace {

/// `s` cut to `max` bytes of printable ASCII (others become '?'); `fallback` when empty.
std::string printable(std::string_view s, std::size_t max, std::string_view fallback = {}) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (out.empty()) out = fallback;
  return out;
}

}  // namespace

access_refusal refusal_of(const request_context& ctx, std::string_view route, std::string_view reason) {
  access_refusal r;
  r.origin = ctx.remote_address.empty() ? std::string("unknown") : ctx.remote_address;
  if (ctx.party) {
    r.actor = "party:" + ctx.party->oin;
  } else if (ctx.peer) {
    r.actor = "certificate:sha256:" + ctx.peer->fingerprint_sha256;
  } else if (ctx.user) {
    r.actor = ctx.user->actor();
    if (!ctx.user->gemeentecode.empty())
      r.actor += ";organisatie=gemeente:" + ctx.user->gemeentecode;
    else if (!ctx.user->kvk.empty())
      r.actor += ";organisatie=kvk:" + ctx.user->kvk;
  } else {
    r.actor = "anonymous";
  }
  r.reason = std::string(reason);
  r.route = std::string(route);
  r.request_id = ctx.request_id;
  return r;
}

refusal_audit::refusal_audit(store::database& db, poort::clock& clock, std::chrono::seconds window,
                             std::size_t max_windows)
    : db_(db), clock_(clock), window_(window), max_windows_(max_windows) {}

void refusal_audit::record(const access_refusal& r) {
  key k{printable(r.origin, 128, "unknown"), printable(r.actor, 200, "anonymous"),
        printable(r.reason, 57, "refused"), printable(r.route, 200)};
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = open_.find(k);
  if (it == open_.end() && open_.size() >= max_windows_)
    it = open_.find(k = key{"overflow", "overflow", std::get<2>(k), std::get<3>(k)});
  if (it == open_.end()) it = open_.emplace(std::move(k), window{now, 0, printable(r.request_id, 64)}).first;
  ++it->second.count;
}

result<std::size_t> refusal_audit::flush(bool all) {
  const auto now = clock_.now();
  std::vector<std::pair<key, window>> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = open_.begin(); it != open_.end();) {
      if (all || it->second.opened + window_ <= now) {
        due.emplace_back(it->first, it->second);
        it = open_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (due.empty()) return std::size_t{0};
  auto w = db_.write([&](store::transaction& tx) -> result<void> {
    for (const auto& [k, win] : due) {
      const auto& [origin, actor, reason, route] = k;
      store::audit_record rec{"access.refuse",
                              "route:" + route + ";count=" + std::to_string(win.count),
                              "denied:" + reason,
                              origin,
                              actor,
                              win.request_id,
                              win.opened};
      if (auto a = store::append_audit(tx, rec); !a) return a.error();
    }
    return {};
  });
  if (!w) {
    log::error("audit.refusals_failed", {{"records", due.size()}, {"error", w.error().message()}});
    std::lock_guard lock(mu_);
    for (auto& [k, win] : due) {
      auto [it, fresh] = open_.emplace(k, win);
      if (!fresh) {
        it->second.count += win.count;
        it->second.opened = std::min(it->second.opened, win.opened);
      }
    }
    return w.error();
  }
  return due.size();
}

std::size_t refusal_audit::open_windows() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

}  // namespace poort::routing

#include "saml/replay_cache.hpp"

#include <chrono>

namespace poort::saml {

result<bool> memory_replay_cache::insert_if_absent(std::string_view id, sys_time expires_at) {
  const sys_time now = clock_.now();
  std::lock_guard lock{mutex_};
  if (auto it = ids_.find(id); it != ids_.end()) {
    if (it->second > now) return false;
    ids_.erase(it);
  }
  if (ids_.size() >= capacity_) std::erase_if(ids_, [now](const auto& kv) { return kv.second <= now; });
  if (ids_.size() >= capacity_) return common_error::limit_exceeded;
  ids_.emplace(std::string{id}, expires_at);
  return true;
}

}  // namespace poort::saml

#include "daemon/admission.hpp"

#include <algorithm>
#include <chrono>

namespace poort::daemon {

bool rate_limiter::allow(const std::string& address, const config::limits& l) {
  if (l.requests_per_second_per_address == 0) return true;
  const double rate = l.requests_per_second_per_address;
  const double burst = l.burst_per_address ? l.burst_per_address : 2 * rate;
  const auto now = clock_.monotonic();
  std::lock_guard lock(mutex_);
  auto [it, inserted] = buckets_.try_emplace(address);
  bucket& b = it->second;
  if (inserted) {
    b.tokens = burst;
  } else {
    b.tokens = std::min(burst, b.tokens + rate * std::chrono::duration<double>(now - b.last).count());
  }
  b.last = now;
  const bool allowed = b.tokens >= 1;
  if (allowed) b.tokens -= 1;
  if (buckets_.size() > max_tracked) {
    // Bound the table: forget the buckets that would be full by now (a new
    // one would start full too). `b` has just been used: it is not full.
    std::erase_if(buckets_, [&](const auto& kv) {
      const double elapsed = std::chrono::duration<double>(now - kv.second.last).count();
      return kv.second.tokens + rate * elapsed >= burst;
    });
  }
  return allowed;
}

std::size_t rate_limiter::tracked() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

std::optional<routing::refusal> connection_caps::admit(std::size_t listener, const std::string& address,
                                                       const config::limits& l) {
  std::lock_guard lock(mutex_);
  if (per_listener_[listener] >= l.max_connections) return routing::refusal::connection_limit;
  auto it = per_address_.find(address);
  const std::size_t from_address = it == per_address_.end() ? 0 : it->second;
  if (from_address >= l.max_connections_per_address) return routing::refusal::address_limit;
  ++per_address_[address];
  ++per_listener_[listener];
  return std::nullopt;
}

void connection_caps::release(std::size_t listener, const std::string& address) {
  std::lock_guard lock(mutex_);
  --per_listener_[listener];
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t connection_caps::open_on(std::size_t listener) const {
  std::lock_guard lock(mutex_);
  return per_listener_[listener];
}

std::size_t connection_caps::open_from(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

std::shared_ptr<const auth::peer_certificate> identity_table::share(auth::peer_certificate cert) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = identities_.try_emplace(cert.fingerprint_sha256);
  if (!inserted)
    if (auto shared = it->second.lock()) return shared;
  auto fresh = std::make_shared<const auth::peer_certificate>(std::move(cert));
  it->second = fresh;
  if (identities_.size() > prune_at_) {
    std::erase_if(identities_, [](const auto& kv) { return kv.second.expired(); });
    prune_at_ = std::max<std::size_t>(1024, 2 * identities_.size());
  }
  return fresh;
}

std::size_t identity_table::size() const {
  std::lock_guard lock(mutex_);
  return identities_.size();
}

bool connection_registry::add(tracked_connection& c) {
  std::lock_guard lock(mutex_);
  c.prev_ = nullptr;
  c.next_ = head_;
  if (head_ != nullptr) head_->prev_ = &c;
  head_ = &c;
  if (sweeping_) return false;
  sweeping_ = true;
  return true;
}

bool connection_registry::remove(tracked_connection& c) {
  std::lock_guard lock(mutex_);
  if (c.prev_ != nullptr)
    c.prev_->next_ = c.next_;
  else
    head_ = c.next_;
  if (c.next_ != nullptr) c.next_->prev_ = c.prev_;
  c.prev_ = c.next_ = nullptr;
  return head_ == nullptr;
}

bool connection_registry::empty() const {
  std::lock_guard lock(mutex_);
  return head_ == nullptr;
}

}  // namespace poort::daemon

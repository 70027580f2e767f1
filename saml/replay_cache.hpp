#pragma once
// The replay cache: assertion IDs accepted before, kept until the assertion
// could no longer be accepted anyway. The durable implementations live with
// their callers (saml/ does no I/O): auth/store_replay_cache.hpp (the
// daemon's, in the store) and tools/poortctl/sqlite_replay_cache.hpp
// (`poortctl saml verify --replay-db`).
//
// Thread safety: every implementation may be called from several threads.

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

namespace poort::saml {

class replay_cache {
 public:
  virtual ~replay_cache() = default;
  /// Records `id` until `expires_at`, atomically with the check.
  /// Success: true if `id` was not present (now it is), false if it was (a replay).
  /// Failure: the cache could not record it (the caller must refuse: fail closed).
  virtual result<bool> insert_if_absent(std::string_view id, sys_time expires_at) = 0;
};

/// In memory, for one process; at most `capacity` live IDs (expired IDs are
/// dropped first; when still full, inserting fails with too_large).
class memory_replay_cache final : public replay_cache {
 public:
  explicit memory_replay_cache(const clock& clock, std::size_t capacity = 100'000)
      : clock_(clock), capacity_(capacity) {}
  result<bool> insert_if_absent(std::string_view id, sys_time expires_at) override;

 private:
  const clock& clock_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::map<std::string, sys_time, std::less<>> ids_;  // GUARDED_BY(mutex_)
};

}  // namespace poort::saml

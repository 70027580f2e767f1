#pragma once
// The replay cache: assertion IDs accepted before, kept until the assertion
// could no longer be accepted anyway.
//
// Thread safety: every implementation may be called from several threads.

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"

struct sqlite3;

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

/// A standalone SQLite file (`poortctl saml verify --replay-db`): survives
/// across processes; several processes may share it (SQLite locking, WAL).
class sqlite_replay_cache final : public replay_cache {
 public:
  /// Opens or creates the file and its table.
  /// Failure: common_error::io_error (cannot open or create it).
  static result<std::unique_ptr<sqlite_replay_cache>> create(const std::filesystem::path& file,
                                                             const clock& clock);
  ~sqlite_replay_cache() override;
  sqlite_replay_cache(const sqlite_replay_cache&) = delete;
  sqlite_replay_cache& operator=(const sqlite_replay_cache&) = delete;

  /// Failure: common_error::io_error (SQLite failed, e.g. busy beyond 5 s).
  result<bool> insert_if_absent(std::string_view id, sys_time expires_at) override;

 private:
  sqlite_replay_cache(sqlite3* db, const clock& clock) : db_(db), clock_(clock) {}
  sqlite3* db_;
  const clock& clock_;
  std::mutex mutex_;  // one connection, one statement at a time
};

}  // namespace poort::saml

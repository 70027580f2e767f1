#pragma once
// The replay cache of `poortctl saml verify --replay-db FILE`: assertion IDs
// in a standalone SQLite file (table saml_replay), so that a replay is
// refused across runs. Several processes may share the file (SQLite locking,
// WAL). Not the daemon's cache: that one is in the store
// (auth/store_replay_cache.hpp).
//
// Thread safety: may be called from several threads (one connection, one
// statement at a time).

#include <filesystem>
#include <memory>
#include <mutex>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "saml/replay_cache.hpp"

struct sqlite3;

namespace poort::poortctl {

class sqlite_replay_cache final : public saml::replay_cache {
 public:
  /// Opens or creates the file and its table. `clock` must outlive the cache.
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

}  // namespace poort::poortctl

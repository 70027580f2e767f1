#include "tools/poortctl/sqlite_replay_cache.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>

namespace poort::poortctl {
namespace {

std::int64_t to_unix(sys_time t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

struct stmt_deleter {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_deleter>;

bool exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace

result<std::unique_ptr<sqlite_replay_cache>> sqlite_replay_cache::create(const std::filesystem::path& file,
                                                                         const clock& clock) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(db);
    return common_error::io_error;
  }
  std::unique_ptr<sqlite_replay_cache> cache{new sqlite_replay_cache(db, clock)};
  sqlite3_busy_timeout(db, 5000);
  if (!exec(db, "PRAGMA journal_mode=WAL") || !exec(db, "PRAGMA synchronous=FULL") ||
      !exec(db,
            "CREATE TABLE IF NOT EXISTS saml_replay ("
            " id TEXT PRIMARY KEY NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID"))
    return common_error::io_error;
  return cache;
}

sqlite_replay_cache::~sqlite_replay_cache() { sqlite3_close(db_); }

result<bool> sqlite_replay_cache::insert_if_absent(std::string_view id, sys_time expires_at) {
  std::lock_guard lock{mutex_};
  const std::int64_t now = to_unix(clock_.now());
  if (!exec(db_, "BEGIN IMMEDIATE")) return common_error::io_error;
  auto rollback = [this] { exec(db_, "ROLLBACK"); };
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM saml_replay WHERE expires_at <= ?1", -1, &raw, nullptr) !=
      SQLITE_OK) {
    rollback();
    return common_error::io_error;
  }
  stmt_ptr purge{raw};
  sqlite3_bind_int64(purge.get(), 1, now);
  if (sqlite3_step(purge.get()) != SQLITE_DONE) {
    rollback();
    return common_error::io_error;
  }
  if (sqlite3_prepare_v2(db_, "INSERT OR IGNORE INTO saml_replay (id, expires_at) VALUES (?1, ?2)", -1, &raw,
                         nullptr) != SQLITE_OK) {
    rollback();
    return common_error::io_error;
  }
  stmt_ptr insert{raw};
  sqlite3_bind_text(insert.get(), 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(insert.get(), 2, to_unix(expires_at));
  if (sqlite3_step(insert.get()) != SQLITE_DONE) {
    rollback();
    return common_error::io_error;
  }
  const bool inserted = sqlite3_changes(db_) == 1;
  if (!exec(db_, "COMMIT")) {
    rollback();
    return common_error::io_error;
  }
  return inserted;
}

}  // namespace poort::poortctl

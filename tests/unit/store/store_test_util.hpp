#pragma once
// Helpers for the store tests: a temporary directory, a config pointing into
// it, a raw SQLite connection (independent of poort::store) to inspect and
// tamper with the file, a gate that holds the writer so that what is
// submitted meanwhile forms the next batch, and a way to make a file
// read-only even for root.

#include <fcntl.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "config/config.hpp"
#include "store/database.hpp"

namespace poort::store::test {

class temp_dir {
 public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "poort-store-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline config::store store_config(const std::filesystem::path& dir) {
  config::store cfg;
  cfg.database = dir / "poort.db";
  cfg.readers = 4;
  cfg.max_batch = 256;
  cfg.busy_timeout = std::chrono::milliseconds{5'000};
  return cfg;
}

/// A plain sqlite3 connection, outside poort::store.
class raw_db {
 public:
  explicit raw_db(const std::filesystem::path& file) {
    if (sqlite3_open(file.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("raw open failed");
    sqlite3_busy_timeout(db_, 5'000);
  }
  ~raw_db() { sqlite3_close(db_); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;

  /// Runs SQL; returns SQLite's result code.
  int exec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }
  /// The first column of the first row as an integer (-1 when there is no row).
  std::int64_t scalar(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db_));
    const std::int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db_));
    std::string v;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
      v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

/// Holds the writer inside a work item until released: everything submitted
/// while it is held is queued, and forms the next batch(es).
class writer_gate {
 public:
  database::work_fn item() {
    return [this](transaction&) -> result<void> {
      std::unique_lock lock(mu_);
      entered_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return open_; });
      return {};
    };
  }
  /// Submits the gate item and waits until the writer is inside it.
  void hold(database& db) {
    db.submit(item(), [](result<void>) {});
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

/// Makes a file unwritable for as long as it lives: chattr +i for root (who
/// ignores permission bits), chmod 0444 otherwise. `ok()` is false when the
/// file system does not support it.
class read_only_file {
 public:
  explicit read_only_file(std::filesystem::path file) : file_(std::move(file)) {
    if (geteuid() == 0) {
      ok_ = set_immutable(true);
    } else {
      ok_ = chmod(file_.c_str(), 0444) == 0;
    }
  }
  ~read_only_file() { undo(); }
  read_only_file(const read_only_file&) = delete;
  read_only_file& operator=(const read_only_file&) = delete;

  bool ok() const { return ok_; }
  void undo() {
    if (!ok_) return;
    if (geteuid() == 0)
      set_immutable(false);
    else
      chmod(file_.c_str(), 0600);
    ok_ = false;
  }

 private:
  bool set_immutable(bool on) {
    const int fd = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    int flags = 0;
    bool done = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    if (done) {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      done = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    ::close(fd);
    return done;
  }

  std::filesystem::path file_;
  bool ok_ = false;
};

/// A work item that inserts `id` into the test table `t` (created by `create_test_table`).
inline database::work_fn insert_row(std::int64_t id, std::string body = "x") {
  return [id, body = std::move(body)](transaction& tx) -> result<void> {
    auto st = tx.prepare("INSERT INTO t (id, body) VALUES (?, ?)");
    if (!st) return st.error();
    return st->bind(1, id).bind(2, body).run();
  };
}

inline result<void> create_test_table(database& db) {
  return db.write([](transaction& tx) {
    return tx.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT");
  });
}

/// Opens `cfg` (migrating by default) or throws: for set-up, not for the case under test.
inline std::unique_ptr<database> open_or_die(const config::store& cfg, poort::clock& clock,
                                             open_mode mode = open_mode::migrate) {
  auto db = database::open(cfg, clock, mode);
  if (!db) throw std::runtime_error("open failed: " + db.error().message());
  return std::move(*db);
}

/// The rows of the test table `t`, or -1 when the read fails.
inline std::int64_t count_rows(database& db) {
  auto n = db.read([](reader& r) { return r.query_int64("SELECT count(*) FROM t"); });
  return n ? *n : -1;
}

}  // namespace poort::store::test

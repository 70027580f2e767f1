#include "store/sqlite.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <unordered_map>

#include "common/log.hpp"

namespace poort::store {
namespace {

constexpr std::size_t max_logged_sql = 200;

}  // namespace

/// Process-wide SQLite settings, applied before SQLite initialises (the
/// first open); a no-op (SQLITE_MISUSE) if something initialised it earlier.
///  - No memory statistics: they take a global mutex on every allocation.
///  - Statement journals in memory up to 256 KiB: every work item of the
///    writer runs in a SAVEPOINT whose undo copy of each page it touches is
///    such a journal. With the default (64 KiB) one larger item spills it to
///    a temporary file, which SQLite then writes page by page for every later
///    item of the batch (about ten pwrite calls per delivery); in memory, one
///    chunk serves an item. Only rolling back one item reads it: durability
///    rests on the WAL either way.
bool apply_sqlite_settings() {
  static const bool applied = [] {
    const bool ok = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK &&
                    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 256 << 10) == SQLITE_OK;
    if (!ok)
      log::warn("store.sqlite_settings_skipped",
                {{"reason", "SQLite was initialised before the store opened its first database"}});
    return ok;
  }();
  return applied;
}

error error_from_sqlite(int rc) noexcept {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL: return error::busy;
    case SQLITE_FULL: return error::disk_full;
    case SQLITE_READONLY:
    case SQLITE_PERM: return error::read_only;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOLFS: return error::io_error;
    case SQLITE_CONSTRAINT: return error::constraint;
    case SQLITE_TOOBIG: return error::too_big;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return error::corrupt;
    default: return error::sqlite;
  }
}

error_code sqlite_failure(sqlite3* db, int rc, std::string_view operation, std::string_view sql) {
  const error e = error_from_sqlite(rc);
  const std::string_view message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const auto lvl = e == error::constraint ? log::level::debug : log::level::warn;
  log::write(
      lvl, "store.sqlite_error",
      {{"operation", operation}, {"code", rc}, {"message", message}, {"sql", sql.substr(0, max_logged_sql)}});
  return make_error_code(e);
}

// ---- statement cache ---------------------------------------------------------

/// A connection's idle prepared statements, by SQL text. A statement in use
/// is not in the cache, so two live statements never share one.
class statement_cache {
 public:
  static constexpr std::size_t capacity = 64;

  /// The idle statement for `sql`, or null.
  sqlite_stmt_ptr take(std::string_view sql) {
    auto it = idle_.find(sql);
    if (it == idle_.end()) return {};
    auto st = std::move(it->second);
    idle_.erase(it);
    return st;
  }

  /// Resets `st` and keeps it, unless the cache is full or holds that SQL
  /// already (then `st` is finalized).
  void put(sqlite_stmt_ptr st) {
    sqlite3_reset(st.get());
    sqlite3_clear_bindings(st.get());
    if (idle_.size() < capacity) idle_.try_emplace(sqlite3_sql(st.get()), std::move(st));
  }

 private:
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite_stmt_ptr, text_hash, std::equal_to<>> idle_;
};

// ---- statement -------------------------------------------------------------

statement::~statement() {
  if (!stmt_) return;
  if (auto cache = home_.lock()) cache->put(std::move(stmt_));
}

void statement::remember_bind(int rc) noexcept {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

statement& statement::bind(int index, std::string_view text) {
  remember_bind(
      sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

statement& statement::bind(int index, std::int64_t value) {
  remember_bind(sqlite3_bind_int64(stmt_.get(), index, value));
  return *this;
}

statement& statement::bind_blob(int index, std::span<const std::uint8_t> value) {
  remember_bind(sqlite3_bind_blob64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT));
  return *this;
}

statement& statement::bind_null(int index) {
  remember_bind(sqlite3_bind_null(stmt_.get(), index));
  return *this;
}

result<bool> statement::step() {
  using boost::system::in_place_error;
  if (bind_rc_ != SQLITE_OK)
    return {in_place_error, sqlite_failure(db_, bind_rc_, "bind", sqlite3_sql(stmt_.get()))};
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return {in_place_error, sqlite_failure(db_, rc, "step", sqlite3_sql(stmt_.get()))};
}

result<void> statement::run() {
  result<bool> more = step();
  while (more && *more) more = step();
  sqlite3_reset(stmt_.get());
  if (!more) return more.error();
  return {};
}

void statement::reset() noexcept {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_rc_ = SQLITE_OK;
}

int statement::column_count() const noexcept { return sqlite3_column_count(stmt_.get()); }

bool statement::column_is_null(int index) const noexcept {
  return sqlite3_column_type(stmt_.get(), index) == SQLITE_NULL;
}

std::int64_t statement::column_int64(int index) const noexcept {
  return sqlite3_column_int64(stmt_.get(), index);
}

std::string_view statement::column_text(int index) const noexcept {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), index));
  if (text == nullptr) return {};
  return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), index))};
}

std::span<const std::uint8_t> statement::column_blob(int index) const noexcept {
  const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), index));
  if (data == nullptr) return {};
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), index))};
}

// ---- connection ------------------------------------------------------------

connection::connection(sqlite_ptr db) : db_(std::move(db)), cache_(std::make_shared<statement_cache>()) {}

result<connection> connection::open(const std::filesystem::path& file, access mode,
                                    std::chrono::milliseconds busy_timeout) {
  apply_sqlite_settings();
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (mode == access::read_write) {
    // Personal data lives in this file: create it private before SQLite does
    // (SQLite gives the -wal and -shm files the database file's mode).
    // O_EXCL: never open (and so close) a descriptor of an existing database.
    // Closing any descriptor of a file drops every POSIX lock this process
    // holds on it, the other connections' too; a checkpoint could then
    // truncate the WAL under a reader (SQLITE_IOERR_SHORT_READ).
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  } else {
    flags |= SQLITE_OPEN_READONLY;
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  sqlite_ptr db{raw};
  if (rc != SQLITE_OK) return sqlite_failure(db.get(), rc, "open", {});
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout.count()));

  connection conn{std::move(db)};
  if (auto r = conn.exec("PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;"); !r) return r.error();
  if (mode == access::read_only) {
    if (auto r = conn.exec("PRAGMA query_only = ON;"); !r) return r.error();
  }
  return conn;
}

result<void> connection::exec(std::string_view sql) {
  const std::string text{sql};
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_failure(db_.get(), rc, "exec", sql);
  return {};
}

result<statement> connection::prepare(std::string_view sql) {
  if (auto cached = cache_->take(sql)) return statement{std::move(cached), db_.get(), cache_};
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &raw, &tail);
  sqlite_stmt_ptr stmt{raw};
  if (rc != SQLITE_OK) return sqlite_failure(db_.get(), rc, "prepare", sql);
  const std::string_view rest{tail, static_cast<std::size_t>(sql.data() + sql.size() - tail)};
  if (stmt == nullptr || rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    log::warn("store.sqlite_error", {{"operation", "prepare"},
                                     {"message", "expected exactly one statement"},
                                     {"sql", sql.substr(0, max_logged_sql)}});
    return make_error_code(error::sqlite);
  }
  return statement{std::move(stmt), db_.get(), cache_};
}

result<std::int64_t> connection::query_int64(std::string_view sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) {
    log::warn("store.sqlite_error",
              {{"operation", "query_int64"}, {"message", "no row"}, {"sql", sql.substr(0, max_logged_sql)}});
    return make_error_code(error::sqlite);
  }
  return st->column_int64(0);
}

bool connection::in_transaction() const noexcept { return sqlite3_get_autocommit(db_.get()) == 0; }

bool connection::read_only() const noexcept { return sqlite3_db_readonly(db_.get(), "main") == 1; }

std::int64_t connection::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_.get()); }

std::int64_t connection::changes() const noexcept { return sqlite3_changes64(db_.get()); }

}  // namespace poort::store

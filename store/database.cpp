#include "store/database.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <string>

#include "common/log.hpp"
#include "store/migrations.hpp"

namespace poort::store {
namespace {

constexpr std::size_t max_readers = 64;
constexpr std::size_t max_batch_limit = 10'000;
constexpr std::int64_t journal_size_limit_bytes = 64 << 20;
constexpr std::int64_t wal_autocheckpoint_pages = 8'000;  // 32 MiB of 4 KiB pages, under the limit above

/// The writer connection with the settings that durability rests on. SQLite
/// does not keep synchronous, max_page_count or journal_size_limit in the
/// file, so they are applied on every open.
result<std::unique_ptr<connection>> open_writer(const config::store& cfg) {
  auto opened = connection::open(cfg.database, connection::access::read_write, cfg.busy_timeout);
  if (!opened) return opened.error();
  auto conn = std::make_unique<connection>(std::move(*opened));

  auto mode = conn->prepare("PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  auto row = mode->step();
  if (!row) return row.error();
  if (!*row || mode->column_text(0) != "wal") {
    log::error("store.open_failed", {{"database", cfg.database.string()}, {"reason", "WAL mode refused"}});
    return make_error_code(conn->read_only() ? error::read_only : error::sqlite);
  }
  // secure_delete: purged personal data is overwritten, not left in free pages.
  // wal_autocheckpoint: a checkpoint copies each page once however often the
  // WAL holds it; deliveries touch random index pages (berichtId, BSN index,
  // audit object), so a longer WAL between checkpoints writes far fewer
  // pages per delivery. Every COMMIT is still fsynced to the WAL first.
  std::string pragmas =
      "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; "
      "PRAGMA wal_autocheckpoint = " +
      std::to_string(wal_autocheckpoint_pages) +
      "; "
      "PRAGMA journal_size_limit = " +
      std::to_string(journal_size_limit_bytes) + ";";
  if (cfg.max_page_count != 0)
    pragmas += " PRAGMA max_page_count = " + std::to_string(cfg.max_page_count) + ";";
  if (auto r = conn->exec(pragmas); !r) return r.error();
  if (conn->read_only()) log::warn("store.read_only", {{"database", cfg.database.string()}});
  return conn;
}

result<int> read_schema_version(connection& conn) {
  auto exists = conn.query_int64(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
  if (!exists) return exists.error();
  if (*exists == 0) return 0;
  auto version = conn.query_int64("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!version) return version.error();
  return static_cast<int>(*version);
}

/// Applies `m` and records it, in one transaction, unless another process
/// already did.
result<void> apply_migration(connection& conn, const migration& m, poort::clock& clock) {
  // PRAGMA foreign_keys cannot change inside a transaction: set it first, and
  // back on whatever happens.
  if (m.rebuilds_referenced_table) {
    if (auto r = conn.exec("PRAGMA foreign_keys = OFF"); !r) return r;
  }
  struct foreign_keys_back_on {
    connection& conn;
    bool off;
    ~foreign_keys_back_on() {
      if (off) (void)conn.exec("PRAGMA foreign_keys = ON");
    }
  } restore{conn, m.rebuilds_referenced_table};
  if (auto r = conn.exec("BEGIN IMMEDIATE"); !r) return r;
  auto outcome = [&]() -> result<void> {
    if (auto r = conn.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                           " applied_at TEXT NOT NULL) STRICT");
        !r)
      return r;
    auto version = read_schema_version(conn);
    if (!version) return version.error();
    if (*version >= m.version) return conn.exec("COMMIT");
    if (auto r = conn.exec(m.sql); !r) return r;
    if (m.rebuilds_referenced_table) {
      auto dangling = conn.query_int64("SELECT count(*) FROM pragma_foreign_key_check");
      if (!dangling) return dangling.error();
      if (*dangling != 0) {
        log::error("store.migration_broke_references", {{"version", m.version}, {"rows", *dangling}});
        return make_error_code(error::constraint);
      }
    }
    auto st = conn.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, format_rfc3339(clock.now(), true));
    if (auto r = st->run(); !r) return r;
    if (auto r = conn.exec("COMMIT"); !r) return r;
    log::info("store.migrated", {{"version", m.version}, {"name", m.name}});
    return {};
  }();
  if (conn.in_transaction()) (void)conn.exec("ROLLBACK");
  if (!outcome) log::error("store.migration_failed", {{"version", m.version}, {"name", m.name}});
  return outcome;
}

result<int> apply_migrations(connection& conn, poort::clock& clock) {
  auto version = read_schema_version(conn);
  if (!version) return version.error();
  if (*version > latest_schema_version()) {
    log::error("store.schema_mismatch", {{"found", *version},
                                         {"expected", latest_schema_version()},
                                         {"reason", "database is newer than this binary"}});
    return make_error_code(error::schema_mismatch);
  }
  for (const migration& m : migrations()) {
    if (m.version <= *version) continue;
    if (auto r = apply_migration(conn, m, clock); !r) return r.error();
  }
  return latest_schema_version();
}

bool valid_limits(const config::store& cfg) {
  return cfg.readers >= 1 && cfg.readers <= max_readers && cfg.max_batch >= 1 &&
         cfg.max_batch <= max_batch_limit;
}

}  // namespace

// ---- opening and closing ---------------------------------------------------

result<std::unique_ptr<database>> database::open(const config::store& cfg, poort::clock& clock,
                                                 open_mode mode) {
  if (!valid_limits(cfg)) {
    log::error("store.open_failed", {{"reason", "readers or max_batch out of range"},
                                     {"readers", cfg.readers},
                                     {"max_batch", cfg.max_batch}});
    return make_error_code(error::invalid_argument);
  }
  auto writer = open_writer(cfg);
  if (!writer) return writer.error();

  auto version =
      mode == open_mode::migrate ? apply_migrations(**writer, clock) : read_schema_version(**writer);
  if (!version) return version.error();
  if (*version != latest_schema_version()) {
    log::error(
        "store.schema_mismatch",
        {{"found", *version}, {"expected", latest_schema_version()}, {"reason", "run poortctl migrate"}});
    return make_error_code(error::schema_mismatch);
  }

  auto prepare = [&](std::string_view sql) { return (*writer)->prepare(sql); };
  auto begin = prepare("BEGIN IMMEDIATE");
  auto commit = prepare("COMMIT");
  auto rollback = prepare("ROLLBACK");
  auto savepoint = prepare("SAVEPOINT poort_item");
  auto release = prepare("RELEASE poort_item");
  auto rollback_to = prepare("ROLLBACK TO poort_item");
  for (auto* st : {&begin, &commit, &rollback, &savepoint, &release, &rollback_to})
    if (!*st) return st->error();
  writer_statements stmts{std::move(*begin),     std::move(*commit),  std::move(*rollback),
                          std::move(*savepoint), std::move(*release), std::move(*rollback_to)};

  std::vector<std::unique_ptr<connection>> readers;
  for (std::size_t i = 0; i < cfg.readers; ++i) {
    auto conn = connection::open(cfg.database, connection::access::read_only, cfg.busy_timeout);
    if (!conn) return conn.error();
    readers.push_back(std::make_unique<connection>(std::move(*conn)));
  }

  log::info("store.opened", {{"database", cfg.database.string()},
                             {"schema_version", *version},
                             {"readers", cfg.readers},
                             {"max_batch", cfg.max_batch}});
  return std::unique_ptr<database>(
      new database(cfg, clock, std::move(*writer), std::move(stmts), std::move(readers)));
}

database::database(const config::store& cfg, poort::clock& clock, std::unique_ptr<connection> writer,
                   writer_statements statements, std::vector<std::unique_ptr<connection>> readers)
    : file_(cfg.database),
      max_batch_(cfg.max_batch),
      clock_(clock),
      writer_(std::move(writer)),
      stmts_(std::move(statements)),
      idle_readers_(std::move(readers)),
      reader_count_(idle_readers_.size()),
      batch_size_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}),
      commit_seconds_(
          {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}),
      writer_thread_([this] { writer_loop(); }) {}

database::~database() { close(); }

void database::close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_thread_.join();
    stmts_.reset();
    writer_.reset();

    std::unique_lock lock(pool_mu_);
    pool_closed_ = true;
    pool_cv_.notify_all();
    pool_cv_.wait(lock, [this] { return idle_readers_.size() == reader_count_; });
    idle_readers_.clear();
    log::info("store.closed", {{"database", file_.string()}});
  });
}

// ---- writes ----------------------------------------------------------------

void database::submit(work_fn work, done_fn done) {
  error refusal = error::ok;
  {
    std::unique_lock lock(queue_mu_);
    if (stopping_) {
      refusal = error::closed;
    } else if (queue_.size() >= max_queue_depth) {
      refusal = error::overloaded;
    } else {
      queue_.push_back({std::move(work), std::move(done)});
      lock.unlock();
      queue_cv_.notify_one();
      return;
    }
  }
  failed_transactions_.fetch_add(1, std::memory_order_relaxed);
  done(make_error_code(refusal));
}

result<void> database::write(work_fn work) {
  struct waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<result<void>> outcome;
  } w;
  submit(std::move(work), [&w](result<void> r) {
    // Notify under the lock: once it is released, `w` may be gone.
    std::lock_guard lock(w.mu);
    w.outcome = r;
    w.cv.notify_one();
  });
  std::unique_lock lock(w.mu);
  w.cv.wait(lock, [&w] { return w.outcome.has_value(); });
  return *w.outcome;
}

void database::writer_loop() {
  std::vector<pending> batch;
  batch.reserve(max_batch_);
  std::function<void()> answers_begin, answers_end;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is answered
      const std::size_t n = std::min(queue_.size(), max_batch_);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (!answers_begin && answers_begin_) answers_begin = answers_begin_;  // set once
      if (!answers_end && answers_end_) answers_end = answers_end_;
    }
    run_batch(batch, answers_begin, answers_end);
    batch.clear();
  }
}

result<void> database::run_item(work_fn& work, error_code& batch_error) {
  if (auto r = stmts_->savepoint.run(); !r) {
    batch_error = r.error();
    return r;
  }
  transaction tx{*writer_};
  result<void> outcome = make_error_code(error::internal);
  try {
    outcome = work(tx);
  } catch (const std::exception& e) {
    log::error("store.work_threw", {{"what", e.what()}});
  } catch (...) {
    log::error("store.work_threw", {{"what", "unknown exception"}});
  }
  if (outcome && tx.failure()) outcome = tx.failure();

  if (!writer_->in_transaction()) {
    // SQLite rolled the whole transaction back (disk full, I/O error), or the
    // work ended it itself: nothing of this batch can be committed.
    if (outcome) {
      log::error("store.work_ended_transaction", {});
      outcome = make_error_code(error::internal);
    }
    batch_error = outcome.error();
    return outcome;
  }
  if (outcome) {
    if (auto r = stmts_->release.run(); !r) batch_error = r.error();
    return outcome;
  }
  // Undo this item alone; the batch goes on.
  if (auto r = stmts_->rollback_to.run(); !r)
    batch_error = r.error();
  else if (auto rel = stmts_->release.run(); !rel)
    batch_error = rel.error();
  return outcome;
}

void database::run_batch(std::vector<pending>& batch, const std::function<void()>& answers_begin,
                         const std::function<void()>& answers_end) {
  const mono_time started = clock_.monotonic();
  std::vector<result<void>> outcomes(batch.size());
  error_code batch_error;

  if (auto r = stmts_->begin.run(); !r) batch_error = r.error();
  for (std::size_t i = 0; i < batch.size() && !batch_error; ++i)
    outcomes[i] = run_item(batch[i].work, batch_error);
  if (!batch_error) {
    if (auto r = stmts_->commit.run(); !r) batch_error = r.error();
  }
  if (batch_error && writer_->in_transaction()) (void)stmts_->rollback.run();

  std::uint64_t failed = 0;
  for (auto& outcome : outcomes) {
    if (batch_error && outcome) outcome = batch_error;
    if (!outcome) ++failed;
  }
  failed_transactions_.fetch_add(failed, std::memory_order_relaxed);
  if (batch_error) {
    failed_commits_.fetch_add(1, std::memory_order_relaxed);
    log::error("store.batch_failed", {{"error", batch_error.message()}, {"transactions", batch.size()}});
  } else {
    commits_.fetch_add(1, std::memory_order_relaxed);
    transactions_.fetch_add(batch.size() - failed, std::memory_order_relaxed);
    batch_size_.observe(static_cast<double>(batch.size()));
    commit_seconds_.observe(std::chrono::duration<double>(clock_.monotonic() - started).count());
  }

  // Answer only now: the COMMIT is durable, or nothing of the batch was kept.
  if (answers_begin) answers_begin();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      batch[i].done(outcomes[i]);
    } catch (...) {
      log::error("store.done_threw", {});
    }
  }
  if (answers_end) answers_end();
}

void database::set_answer_hooks(std::function<void()> begin, std::function<void()> end) {
  std::lock_guard lock(queue_mu_);
  answers_begin_ = std::move(begin);
  answers_end_ = std::move(end);
}

// ---- reads -----------------------------------------------------------------

database::reader_lease::~reader_lease() {
  if (!conn_) return;
  if (conn_->in_transaction()) (void)conn_->exec("ROLLBACK");
  // Notify under the lock: once it is released, close() may destroy the pool.
  std::lock_guard lock(db_->pool_mu_);
  db_->idle_readers_.push_back(std::move(conn_));
  db_->pool_cv_.notify_all();
}

result<database::reader_lease> database::begin_read() {
  std::unique_ptr<connection> conn;
  {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [this] { return pool_closed_ || !idle_readers_.empty(); });
    if (pool_closed_) return make_error_code(error::closed);
    conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
  }
  reader_lease lease{*this, std::move(conn)};
  if (auto r = lease.conn().exec("BEGIN"); !r) return r.error();
  return lease;
}

// ---- health and metrics ----------------------------------------------------

result<void> database::check_writable() {
  const std::string now = format_rfc3339(clock_.now(), true);
  return write([&now](transaction& tx) -> result<void> {
    auto st = tx.prepare("UPDATE store_health SET checked_at = ? WHERE id = 1");
    if (!st) return st.error();
    if (auto r = st->bind(1, now).run(); !r) return r.error();
    auto max_pages = tx.query_int64("PRAGMA max_page_count");
    auto pages = tx.query_int64("PRAGMA page_count");
    auto freelist = tx.query_int64("PRAGMA freelist_count");
    for (auto* q : {&max_pages, &pages, &freelist})
      if (!*q) return q->error();
    const std::int64_t free_pages = *max_pages - *pages + *freelist;
    if (free_pages < min_free_pages) {
      log::warn("store.disk_full", {{"free_pages", free_pages}, {"max_page_count", *max_pages}});
      return make_error_code(error::disk_full);
    }
    return {};
  });
}

metrics_snapshot database::metrics() const {
  metrics_snapshot out;
  out.commits = commits_.load(std::memory_order_relaxed);
  out.failed_commits = failed_commits_.load(std::memory_order_relaxed);
  out.transactions = transactions_.load(std::memory_order_relaxed);
  out.failed_transactions = failed_transactions_.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(queue_mu_);
    out.queue_depth = queue_.size();
  }
  out.batch_size = batch_size_.snapshot();
  out.commit_seconds = commit_seconds_.snapshot();
  return out;
}

// ---- free functions --------------------------------------------------------

result<int> migrate(const config::store& cfg, poort::clock& clock) {
  auto writer = open_writer(cfg);
  if (!writer) return writer.error();
  return apply_migrations(**writer, clock);
}

result<int> schema_version(const std::filesystem::path& database_file) {
  // poortctl migrate probes a database that may not exist yet (the first
  // start): that is no SQLite failure to warn about (store.sqlite_error).
  std::error_code ec;
  if (!std::filesystem::exists(database_file, ec)) return make_error_code(error::io_error);
  auto conn = connection::open(database_file, connection::access::read_only, std::chrono::seconds{5});
  if (!conn) return conn.error();
  return read_schema_version(*conn);
}

}  // namespace poort::store

#pragma once
// The SQLite database behind poort (DESIGN §1, §5, §6): one file in WAL mode
// with synchronous=FULL, one writer thread that group-commits, and a pool of
// read-only connections.
//
// Writes. Callers hand the writer a work function. The writer takes what is
// queued (at most `max_batch`), runs BEGIN IMMEDIATE, runs each work function
// inside its own SAVEPOINT, then COMMITs once; with synchronous=FULL the WAL
// is fsynced before COMMIT returns. Only then is each caller answered. So one
// fsync makes a whole batch durable, and an answer of success means the
// change survives a crash or `kill -9`.
//   - A work item that fails (returns an error, calls `transaction::fail`, or
//     throws) is rolled back to its savepoint alone and answered with its own
//     error; the rest of the batch goes on.
//   - If the batch as a whole fails (BEGIN or COMMIT fails, or SQLite rolls
//     the transaction back, as it does on a full disk), every item is answered
//     with an error and nothing of the batch is acknowledged or kept.
//
// Reads. `read` borrows a pooled read-only connection and runs the function
// inside one read transaction (a consistent snapshot that sees every commit
// acknowledged before it began). Reads never wait for the writer.
//
//   auto db = store::database::open(cfg.store, clock, store::open_mode::require_current);
//   auto r = (*db)->write([&](store::transaction& tx) -> result<void> {
//     auto st = tx.prepare("INSERT INTO t (id) VALUES (?)");
//     if (!st) return st.error();
//     if (auto ok = st->bind(1, id).run(); !ok) return ok.error();
//     return store::append_audit(tx, record);
//   });
//   if (!r) ...  // condition::unavailable -> 503, nothing acknowledged
//
// Thread safety: every public member function may be called from any thread,
// except as noted (`close`, the destructor).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "store/error.hpp"
#include "store/metrics.hpp"
#include "store/sqlite.hpp"
#include "store/transaction.hpp"

namespace poort::store {

enum class open_mode {
  migrate,          ///< apply pending migrations on open (tests, first start, `poortctl migrate`)
  require_current,  ///< refuse a database whose schema version is not the latest (poortd)
};

class database {
 public:
  using work_fn = std::move_only_function<result<void>(transaction&)>;
  using done_fn = std::move_only_function<void(result<void>)>;

  /// Work items that may wait for the writer; `submit` refuses more (overloaded).
  static constexpr std::size_t max_queue_depth = 16'384;
  /// check_writable reports disk_full when fewer free pages remain under
  /// max_page_count than this.
  static constexpr std::int64_t min_free_pages = 16;

  /// Opens (creating if needed) `cfg.database`: the writer connection with
  /// journal_mode=WAL, synchronous=FULL, foreign_keys=ON, busy_timeout and
  /// `max_page_count` (when not 0), migrates or checks the schema per `mode`,
  /// opens `cfg.readers` read-only connections and starts the writer thread.
  /// A database file that SQLite can only open read-only opens (reads work,
  /// writes and `check_writable` answer read_only) unless it needs migrating.
  /// `clock` must outlive the database.
  /// Failure: invalid_argument (readers not in 1..64 or max_batch not in
  /// 1..10000), schema_mismatch (require_current and the version differs, or
  /// the file is newer than this binary), io_error (cannot open or create),
  /// read_only (migrations pending on a read-only file), corrupt, or another
  /// mapped SQLite error.
  static result<std::unique_ptr<database>> open(const config::store& cfg, poort::clock& clock,
                                                open_mode mode);

  /// Drains the queue and closes (`close()`).
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Queues `work` for the writer. `done` is called exactly once with the
  /// outcome, on the writer thread after the batch's COMMIT is durable (or
  /// has failed) - or at once on the calling thread with closed (after
  /// `close()` began) or overloaded (`max_queue_depth` items waiting).
  /// Success passed to `done`: the work's changes are committed durably.
  /// Errors passed to `done`: the work's own error; disk_full, read_only,
  /// io_error, busy when the batch failed; internal when the work threw or
  /// broke the transaction; closed; overloaded. None of them is committed.
  /// REQUIRES: `work` and `done` are callable. `work` does not call `write`,
  /// `check_writable` or `close`, nor begin, commit or roll back itself.
  /// `done` returns promptly, does not throw, and does not block on the writer.
  void submit(work_fn work, done_fn done);

  /// Called on the writer thread around the `done` calls of each group
  /// commit: `begin` before the first, `end` after the last, so that a caller
  /// can hand a whole group's answers to another thread in one go. Neither may
  /// throw or block on the writer. Set once; it applies from the next group
  /// commit on.
  void set_answer_hooks(std::function<void()> begin, std::function<void()> end);

  /// `submit` and wait for `done`. Success and failure: as passed to `done`.
  /// REQUIRES: not called on the writer thread (from a work or done function).
  result<void> write(work_fn work);

  /// Runs `fn(reader&)` on a pooled read-only connection inside one read
  /// transaction, waiting for a free connection when all are busy.
  /// `fn` returns `result<T>`; `read` returns what it returns.
  /// Failure: closed (database closing), or the error of BEGIN, or `fn`'s error.
  /// REQUIRES: `fn` does not call `read` (with every connection borrowed, that
  /// waits for ever); it may call `write`.
  template <class F>
  std::invoke_result_t<F&, reader&> read(F&& fn);

  /// For /readyz: rewrites the store_health row through the writer (so a
  /// read-only file, an I/O error or a stuck writer shows) and checks that at
  /// least `min_free_pages` pages remain under max_page_count.
  /// Failure: disk_full, read_only, io_error, busy, closed, overloaded.
  result<void> check_writable();

  metrics_snapshot metrics() const;

  /// Stops accepting work, answers everything already queued, joins the
  /// writer thread, waits until every borrowed reader is returned, and closes
  /// the connections. Idempotent.
  /// REQUIRES: not called from a work, done or read function.
  void close();

  const std::filesystem::path& file() const noexcept { return file_; }

 private:
  struct pending {
    work_fn work;
    done_fn done;
  };

  /// A borrowed reader connection inside a read transaction; ends the
  /// transaction and returns the connection to the pool on destruction.
  class reader_lease {
   public:
    reader_lease(database& db, std::unique_ptr<connection> conn) noexcept
        : db_(&db), conn_(std::move(conn)) {}
    reader_lease(reader_lease&&) noexcept = default;
    reader_lease& operator=(reader_lease&&) = delete;
    ~reader_lease();
    connection& conn() noexcept { return *conn_; }

   private:
    database* db_;
    std::unique_ptr<connection> conn_;
  };

  /// The writer's transaction-control statements, prepared once.
  struct writer_statements {
    statement begin, commit, rollback, savepoint, release, rollback_to;
  };

  database(const config::store& cfg, poort::clock& clock, std::unique_ptr<connection> writer,
           writer_statements statements, std::vector<std::unique_ptr<connection>> readers);

  result<reader_lease> begin_read();
  void writer_loop();
  void run_batch(std::vector<pending>& batch, const std::function<void()>& answers_begin,
                 const std::function<void()>& answers_end);
  result<void> run_item(work_fn& work, error_code& batch_error);

  const std::filesystem::path file_;
  const std::size_t max_batch_;
  poort::clock& clock_;

  // Used only by the writer thread while it runs; closed by close().
  std::unique_ptr<connection> writer_;
  std::optional<writer_statements> stmts_;

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<pending> queue_;  // guarded by queue_mu_
  bool stopping_ = false;      // guarded by queue_mu_

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<connection>> idle_readers_;  // guarded by pool_mu_
  const std::size_t reader_count_;
  bool pool_closed_ = false;  // guarded by pool_mu_

  std::once_flag close_once_;

  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> failed_commits_{0};
  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> failed_transactions_{0};
  histogram batch_size_;
  histogram commit_seconds_;

  std::function<void()> answers_begin_;  // guarded by queue_mu_
  std::function<void()> answers_end_;    // guarded by queue_mu_

  std::thread writer_thread_;  // last: starts after everything above is built
};

template <class F>
std::invoke_result_t<F&, reader&> database::read(F&& fn) {
  using R = std::invoke_result_t<F&, reader&>;
  auto lease = begin_read();
  if (!lease) return R{boost::system::in_place_error, lease.error()};
  reader r{lease->conn()};
  return fn(r);
}

/// Applies every pending migration to `cfg.database` (creating the file if
/// needed), each in its own transaction. Safe to run while poortd runs, and
/// twice: a migration already applied is skipped.
/// Success: the schema version now in effect (`latest_schema_version()`).
/// Failure: schema_mismatch (the file is newer than this binary), read_only,
/// io_error, busy, corrupt, or the mapped error of a failing migration (which
/// is then rolled back).
result<int> migrate(const config::store& cfg, poort::clock& clock);

/// The schema version of an existing database file (0 when none applied),
/// opened read-only. Failure: io_error (no such file: without opening or
/// logging anything), corrupt, or another mapped SQLite error.
result<int> schema_version(const std::filesystem::path& database_file);

}  // namespace poort::store

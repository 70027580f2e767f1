#include "store/database.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "store/migrations.hpp"
#include "store_test_util.hpp"

namespace poort::store {
namespace {

using test::count_rows;
using test::create_test_table;
using test::insert_row;
using test::open_or_die;
using test::raw_db;
using test::store_config;
using test::temp_dir;
using test::writer_gate;

// ---- opening and migrations ------------------------------------------------

TEST(Database, MigratesNewFileToLatestVersion) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  db->close();

  EXPECT_EQ(schema_version(cfg.database).value(), latest_schema_version());
  raw_db raw{cfg.database};
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_migrations"), latest_schema_version());
  EXPECT_EQ(raw.text("SELECT applied_at FROM schema_migrations WHERE version = 1"),
            format_rfc3339(clock.now(), true));
  EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
}

TEST(Database, MigrateIsIdempotent) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  EXPECT_EQ(migrate(cfg, clock).value(), latest_schema_version());
  clock.advance(std::chrono::hours{1});
  EXPECT_EQ(migrate(cfg, clock).value(), latest_schema_version());
  auto db = open_or_die(cfg, clock, open_mode::migrate);
  db->close();

  raw_db raw{cfg.database};
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM schema_migrations"), latest_schema_version());
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM store_health"), 1);
}

TEST(Database, RequireCurrentRefusesUnmigratedFile) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = database::open(cfg, clock, open_mode::require_current);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error(), make_error_code(error::schema_mismatch));
  EXPECT_EQ(condition_of(db.error()), condition::unavailable);

  ASSERT_TRUE(migrate(cfg, clock));
  EXPECT_TRUE(database::open(cfg, clock, open_mode::require_current));
}

TEST(Database, RefusesFileNewerThanBinary) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  ASSERT_TRUE(migrate(cfg, clock));
  {
    raw_db raw{cfg.database};
    ASSERT_EQ(raw.exec("INSERT INTO schema_migrations VALUES (" +
                       std::to_string(latest_schema_version() + 1) + ", 'future', '')"),
              SQLITE_OK);
  }
  EXPECT_EQ(migrate(cfg, clock).error(), make_error_code(error::schema_mismatch));
  EXPECT_EQ(database::open(cfg, clock, open_mode::migrate).error(), make_error_code(error::schema_mismatch));
  EXPECT_EQ(database::open(cfg, clock, open_mode::require_current).error(),
            make_error_code(error::schema_mismatch));
}

TEST(Database, SchemaVersionOfMissingFileIsAnError) {
  temp_dir dir;
  auto v = schema_version(dir.path() / "absent.db");
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), make_error_code(error::io_error));
}

// The probe of `poortctl migrate` on a first start: no store.sqlite_error warning.
TEST(Database, SchemaVersionOfMissingFileLogsNothing) {
  temp_dir dir;
  std::vector<std::string> lines;
  log::set_sink([&](std::string_view line) { lines.emplace_back(line); });
  auto v = schema_version(dir.path() / "absent.db");
  log::set_sink(nullptr);
  EXPECT_FALSE(v);
  EXPECT_TRUE(lines.empty()) << lines.front();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "absent.db"));
}

TEST(Database, RefusesOutOfRangeLimits) {
  temp_dir dir;
  fake_clock clock;
  auto cfg = store_config(dir.path());
  cfg.readers = 0;
  EXPECT_EQ(database::open(cfg, clock, open_mode::migrate).error(), make_error_code(error::invalid_argument));
  cfg = store_config(dir.path());
  cfg.max_batch = 0;
  EXPECT_EQ(database::open(cfg, clock, open_mode::migrate).error(), make_error_code(error::invalid_argument));
}

TEST(Database, CreatesPrivateFileWithDurableSettings) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  EXPECT_EQ(std::filesystem::status(cfg.database).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::int64_t synchronous = -1, foreign_keys = -1, secure_delete = -1;
  ASSERT_TRUE(db->write([&](transaction& tx) -> result<void> {
    synchronous = tx.query_int64("PRAGMA synchronous").value();
    foreign_keys = tx.query_int64("PRAGMA foreign_keys").value();
    secure_delete = tx.query_int64("PRAGMA secure_delete").value();
    return {};
  }));
  EXPECT_EQ(synchronous, 2);  // FULL
  EXPECT_EQ(foreign_keys, 1);
  EXPECT_EQ(secure_delete, 1);  // purged content is zeroed (store/deliveries.hpp relies on it)
}

TEST(Database, WriterCheckpointsEvery8000Pages) {
  temp_dir dir;
  fake_clock clock;
  auto db = open_or_die(store_config(dir.path()), clock);
  std::int64_t autocheckpoint = -1;
  ASSERT_TRUE(db->write([&](transaction& tx) -> result<void> {
    autocheckpoint = tx.query_int64("PRAGMA wal_autocheckpoint").value();
    return {};
  }));
  EXPECT_EQ(autocheckpoint, 8000);
}

// ---- group commit ----------------------------------------------------------

TEST(Database, GroupCommitBatchesQueuedTransactions) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));
  const auto before = db->metrics();

  constexpr int threads = 8, per_thread = 40;
  writer_gate gate;
  gate.hold(*db);
  std::latch submitted{threads};
  std::latch answered{threads * per_thread};
  std::atomic<int> succeeded{0};
  std::vector<std::jthread> submitters;
  for (int t = 0; t < threads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        db->submit(insert_row(t * per_thread + i), [&](result<void> r) {
          if (r) ++succeeded;
          answered.count_down();
        });
      }
      submitted.count_down();
    });
  }
  submitted.wait();
  EXPECT_EQ(db->metrics().queue_depth, static_cast<std::uint64_t>(threads * per_thread));
  gate.release();
  answered.wait();

  EXPECT_EQ(succeeded, threads * per_thread);
  const auto after = db->metrics();
  // The gate's batch, then 320 queued items in batches of 256 and 64.
  EXPECT_EQ(after.commits - before.commits, 3u);
  EXPECT_EQ(after.transactions - before.transactions, threads * per_thread + 1u);
  EXPECT_EQ(after.batch_size.sum - before.batch_size.sum, threads * per_thread + 1.0);
  EXPECT_EQ(after.queue_depth, 0u);

  db->close();
  db = open_or_die(cfg, clock, open_mode::require_current);
  EXPECT_EQ(count_rows(*db), threads * per_thread);
}

TEST(Database, ConcurrentBlockingWritersAreAllAnsweredAndKept) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));
  const auto before = db->metrics();

  constexpr int threads = 16, per_thread = 25;
  std::atomic<int> failures{0};
  {
    std::vector<std::jthread> writers;
    for (int t = 0; t < threads; ++t)
      writers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i)
          if (!db->write(insert_row(t * per_thread + i))) ++failures;
      });
  }
  EXPECT_EQ(failures, 0);
  const auto after = db->metrics();
  EXPECT_EQ(after.transactions - before.transactions, threads * per_thread + 0u);
  EXPECT_LE(after.commits - before.commits, after.transactions - before.transactions);

  db->close();
  db = open_or_die(cfg, clock, open_mode::require_current);
  EXPECT_EQ(count_rows(*db), threads * per_thread);
}

TEST(Database, FailingItemDoesNotPoisonItsBatch) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));
  ASSERT_TRUE(db->write(insert_row(100)));
  const auto before = db->metrics();

  std::vector<result<void>> outcomes(6, make_error_code(error::ok));
  std::latch answered{6};
  auto record = [&](int i) {
    return [&, i](result<void> r) {
      outcomes[i] = r;
      answered.count_down();
    };
  };
  writer_gate gate;
  gate.hold(*db);
  db->submit(insert_row(1), record(0));
  db->submit(
      [](transaction& tx) -> result<void> {
        if (auto r = insert_row(2)(tx); !r) return r;
        return make_error_code(error::invalid_argument);  // refuses after writing
      },
      record(1));
  db->submit(insert_row(3), record(2));
  db->submit([](transaction&) -> result<void> { throw std::runtime_error("boom"); }, record(3));
  db->submit(insert_row(100), record(4));  // duplicate key
  db->submit(insert_row(6), record(5));
  gate.release();
  answered.wait();

  EXPECT_TRUE(outcomes[0]);
  EXPECT_EQ(outcomes[1].error(), make_error_code(error::invalid_argument));
  EXPECT_TRUE(outcomes[2]);
  EXPECT_EQ(outcomes[3].error(), make_error_code(error::internal));
  EXPECT_EQ(outcomes[4].error(), make_error_code(error::constraint));
  EXPECT_EQ(condition_of(outcomes[4].error()), condition::conflict);
  EXPECT_TRUE(outcomes[5]);

  const auto after = db->metrics();
  EXPECT_EQ(after.commits - before.commits, 2u);  // the gate, then all six together
  EXPECT_EQ(after.failed_transactions - before.failed_transactions, 3u);
  EXPECT_EQ(after.failed_commits, before.failed_commits);

  auto ids = db->read([](reader& r) -> result<std::vector<std::int64_t>> {
    auto st = r.prepare("SELECT id FROM t ORDER BY id");
    if (!st) return st.error();
    std::vector<std::int64_t> out;
    for (auto row = st->step(); row && *row; row = st->step()) out.push_back(st->column_int64(0));
    return out;
  });
  EXPECT_EQ(ids.value(), (std::vector<std::int64_t>{1, 3, 6, 100}));
}

// Verifies that the answer hooks bracket the done calls of each group commit,
// on the writer thread: begin before the first answer, end after the last.
TEST(Database, AnswerHooksBracketEachGroupsAnswers) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));

  std::vector<std::string> events;  // touched on the writer thread only
  std::thread::id writer;
  db->set_answer_hooks(
      [&] {
        writer = std::this_thread::get_id();
        events.push_back("begin");
      },
      [&] { events.push_back("end"); });
  writer_gate gate;
  gate.hold(*db);  // the next three items queue up into one group
  std::latch answered{3};
  for (int i = 0; i < 3; ++i) {
    db->submit(insert_row(100 + i), [&, i](result<void> r) {
      EXPECT_TRUE(r);
      EXPECT_EQ(std::this_thread::get_id(), writer);
      events.push_back("done " + std::to_string(i));
      answered.count_down();
    });
  }
  gate.release();
  answered.wait();
  db->close();  // joins the writer: `events` is complete
  const std::vector<std::string> group = {"begin", "done 0", "done 1", "done 2", "end"};
  ASSERT_GE(events.size(), group.size());
  EXPECT_EQ(std::vector<std::string>(events.end() - group.size(), events.end()), group);
  EXPECT_NE(writer, std::this_thread::get_id());
}

TEST(Database, DoneIsCalledOnlyAfterCommit) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));

  raw_db outside{cfg.database};  // another connection, as another process would see it
  std::int64_t seen_during_work = -1, seen_in_done = -1;
  std::latch answered{1};
  db->submit(
      [&](transaction& tx) -> result<void> {
        if (auto r = insert_row(7)(tx); !r) return r;
        seen_during_work = outside.scalar("SELECT count(*) FROM t WHERE id = 7");
        return {};
      },
      [&](result<void> r) {
        EXPECT_TRUE(r);
        seen_in_done = outside.scalar("SELECT count(*) FROM t WHERE id = 7");
        answered.count_down();
      });
  answered.wait();
  EXPECT_EQ(seen_during_work, 0);
  EXPECT_EQ(seen_in_done, 1);
}

TEST(Database, AcknowledgedWritesSurviveProcessKill) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  {
    auto db = open_or_die(cfg, clock);
    ASSERT_TRUE(create_test_table(*db));
  }
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child writes for ever, reporting each acknowledged id, until killed.
    ::close(acks[0]);
    system_clock_source real_clock;
    auto db = database::open(cfg, real_clock, open_mode::require_current);
    if (!db) _exit(2);
    for (std::int64_t id = 1;; ++id) {
      if (!(*db)->write(insert_row(id))) _exit(3);
      if (::write(acks[1], &id, sizeof id) != sizeof id) _exit(4);
    }
  }
  ::close(acks[1]);
  std::int64_t last_acked = 0;
  while (last_acked < 200) ASSERT_EQ(::read(acks[0], &last_acked, sizeof last_acked), 8);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  ::close(acks[0]);

  auto db = open_or_die(cfg, clock, open_mode::require_current);
  auto present = db->read([&](reader& r) -> result<std::int64_t> {
    auto st = r.prepare("SELECT count(*) FROM t WHERE id <= ?");
    if (!st) return st.error();
    st->bind(1, last_acked);
    if (auto row = st->step(); !row) return row.error();
    return st->column_int64(0);
  });
  EXPECT_EQ(present.value(), last_acked);
}

// ---- reads -------------------------------------------------------------------

TEST(Database, ReadSeesOneSnapshot) {
  temp_dir dir;
  fake_clock clock;
  const auto cfg = store_config(dir.path());
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));
  ASSERT_TRUE(db->write(insert_row(1)));

  auto counts = db->read([&](reader& r) -> result<std::pair<std::int64_t, std::int64_t>> {
    auto first = r.query_int64("SELECT count(*) FROM t");
    if (!first) return first.error();
    if (auto w = db->write(insert_row(2)); !w) return w.error();  // commits meanwhile
    auto second = r.query_int64("SELECT count(*) FROM t");
    if (!second) return second.error();
    return std::pair{*first, *second};
  });
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->first, 1);
  EXPECT_EQ(counts->second, 1);
  EXPECT_EQ(count_rows(*db), 2);  // a new read sees the commit
}

TEST(Database, ReaderConnectionsRefuseWrites) {
  temp_dir dir;
  fake_clock clock;
  auto db = open_or_die(store_config(dir.path()), clock);
  ASSERT_TRUE(create_test_table(*db));
  auto r = db->read([](reader& r) -> result<void> {
    auto st = r.prepare("INSERT INTO t (id, body) VALUES (1, 'x')");
    if (!st) return st.error();
    return st->run();
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(error::read_only));
}

TEST(Database, ConcurrentReadersShareThePool) {
  temp_dir dir;
  fake_clock clock;
  auto cfg = store_config(dir.path());
  cfg.readers = 2;
  auto db = open_or_die(cfg, clock);
  ASSERT_TRUE(create_test_table(*db));

  constexpr int readers = 8, reads = 50, writes = 100;
  std::atomic<int> failures{0}, out_of_order{0};
  {
    std::vector<std::jthread> threads;
    threads.emplace_back([&] {
      for (int i = 1; i <= writes; ++i)
        if (!db->write(insert_row(i))) ++failures;
    });
    for (int t = 0; t < readers; ++t)
      threads.emplace_back([&] {
        std::int64_t previous = 0;
        for (int i = 0; i < reads; ++i) {
          auto n = db->read([](reader& r) { return r.query_int64("SELECT count(*) FROM t"); });
          if (!n) {
            ++failures;
            continue;
          }
          if (*n < previous) ++out_of_order;  // a later read never sees less
          previous = *n;
        }
      });
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(out_of_order, 0);
  EXPECT_EQ(count_rows(*db), writes);
}

TEST(Database, ReadWaitsForAFreeConnection) {
  temp_dir dir;
  fake_clock clock;
  auto cfg = store_config(dir.path());
  cfg.readers = 1;
  auto db = open_or_die(cfg, clock);

  std::latch first_inside{1}, let_first_finish{1};
  std::atomic<bool> first_done{false};
  std::atomic<bool> second_saw_first_done{false};
  std::jthread first([&] {
    (void)db->read([&](reader&) -> result<void> {
      first_inside.count_down();
      let_first_finish.wait();
      first_done = true;
      return {};
    });
  });
  first_inside.wait();
  std::jthread second([&] {
    (void)db->read([&](reader&) -> result<void> {
      second_saw_first_done = first_done.load();
      return {};
    });
  });
  let_first_finish.count_down();
  first.join();
  second.join();
  EXPECT_TRUE(second_saw_first_done);
}

// ---- closing -----------------------------------------------------------------

TEST(Database, CloseAnswersQueuedWorkThenRefuses) {
  temp_dir dir;
  fake_clock clock;
  auto db = open_or_die(store_config(dir.path()), clock);
  ASSERT_TRUE(create_test_table(*db));

  std::atomic<int> succeeded{0};
  writer_gate gate;
  gate.hold(*db);
  for (int i = 0; i < 5; ++i)
    db->submit(insert_row(i), [&](result<void> r) {
      if (r) ++succeeded;
    });
  std::jthread closer([&] { db->close(); });
  gate.release();
  closer.join();
  EXPECT_EQ(succeeded, 5);

  result<void> late = make_error_code(error::ok);
  db->submit(insert_row(99), [&](result<void> r) { late = r; });
  EXPECT_EQ(late.error(), make_error_code(error::closed));
  EXPECT_EQ(db->write(insert_row(98)).error(), make_error_code(error::closed));
  EXPECT_EQ(db->read([](reader& r) { return r.query_int64("SELECT 1"); }).error(),
            make_error_code(error::closed));
}

TEST(Database, RefusesWorkBeyondTheQueueLimit) {
  temp_dir dir;
  fake_clock clock;
  auto db = open_or_die(store_config(dir.path()), clock);

  std::atomic<int> succeeded{0};
  writer_gate gate;
  gate.hold(*db);
  for (std::size_t i = 0; i < database::max_queue_depth; ++i)
    db->submit([](transaction&) -> result<void> { return {}; },
               [&](result<void> r) {
                 if (r) ++succeeded;
               });
  result<void> refused = make_error_code(error::ok);
  db->submit([](transaction&) -> result<void> { return {}; }, [&](result<void> r) { refused = r; });
  ASSERT_FALSE(refused);  // answered at once, on this thread
  EXPECT_EQ(refused.error(), make_error_code(error::overloaded));
  EXPECT_EQ(condition_of(refused.error()), condition::unavailable);
  gate.release();
  db->close();
  EXPECT_EQ(succeeded, static_cast<int>(database::max_queue_depth));
}

TEST(Database, MetricsHistogramsAreCumulative) {
  temp_dir dir;
  fake_clock clock;
  auto db = open_or_die(store_config(dir.path()), clock);
  ASSERT_TRUE(create_test_table(*db));
  ASSERT_TRUE(db->write(insert_row(1)));
  const auto m = db->metrics();
  EXPECT_EQ(m.commits, 2u);
  EXPECT_EQ(m.transactions, 2u);
  ASSERT_EQ(m.batch_size.upper_bounds.size(), m.batch_size.cumulative_counts.size());
  EXPECT_EQ(m.batch_size.upper_bounds.front(), 1.0);
  EXPECT_EQ(m.batch_size.cumulative_counts.front(), 2u);  // both batches had one item
  EXPECT_EQ(m.batch_size.cumulative_counts.back(), 2u);
  EXPECT_EQ(m.batch_size.count, 2u);
  EXPECT_EQ(m.commit_seconds.count, 2u);
  EXPECT_EQ(m.commit_seconds.sum, 0.0);  // the fake clock stands still
}

}  // namespace
}  // namespace poort::store

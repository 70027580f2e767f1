// Durable transactions per second through the store's group-commit writer,
// with 1, 16 and 128 concurrent submitters. Each transaction inserts a 1 KiB
// row and its audit record, as a delivery does, and returns only when its
// batch's COMMIT is fsynced (WAL, synchronous=FULL).
//
// CMake (bench/CMakeLists.txt):
//   find_package(benchmark REQUIRED)
//   add_executable(store_bench store_bench.cpp)
//   target_link_libraries(store_bench PRIVATE poort::store benchmark::benchmark)
//
// Run: ./store_bench [--benchmark_min_time=5]. The database goes in a fresh
// directory under $POORT_BENCH_DIR (default: the system temp directory);
// point it at the disk that production uses, since fsync cost is the point.
// Output: items_per_second is durable transactions per second over all
// threads; "batch" is the mean number of transactions per commit.

#include <stdlib.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/clock.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"

namespace {

using namespace poort;

std::filesystem::path bench_dir;
poort::system_clock_source bench_clock;
std::unique_ptr<store::database> db;
std::atomic<std::int64_t> next_id{1};
const std::string body(1024, 'b');

void setup(const benchmark::State&) {
  const char* base = std::getenv("POORT_BENCH_DIR");
  std::string tmpl =
      ((base != nullptr ? std::filesystem::path{base} : std::filesystem::temp_directory_path()) /
       "poort-store-bench-XXXXXX")
          .string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  bench_dir = tmpl;
  config::store cfg;
  cfg.database = bench_dir / "bench.db";
  auto opened = store::database::open(cfg, bench_clock, store::open_mode::migrate);
  if (!opened) throw std::runtime_error("open failed: " + opened.error().message());
  db = std::move(*opened);
  auto created = db->write([](store::transaction& tx) {
    return tx.exec("CREATE TABLE delivery (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT");
  });
  if (!created) throw std::runtime_error("create failed: " + created.error().message());
}

void teardown(const benchmark::State&) {
  db.reset();
  std::filesystem::remove_all(bench_dir);
}

void BM_DurableTransaction(benchmark::State& state) {
  const auto commits_before = db->metrics().commits;
  for (auto _ : state) {
    const std::int64_t id = next_id.fetch_add(1);
    auto r = db->write([id](store::transaction& tx) -> poort::result<void> {
      auto st = tx.prepare("INSERT INTO delivery (id, body) VALUES (?, ?)");
      if (!st) return st.error();
      if (auto ok = st->bind(1, id).bind(2, body).run(); !ok) return ok;
      auto seq = store::append_audit(tx, {.action = "delivery.create",
                                          .object = "bericht:" + std::to_string(id),
                                          .result = "success",
                                          .origin = "127.0.0.1",
                                          .actor = "oin:00000099000000000001",
                                          .request_id = std::to_string(id),
                                          .at = bench_clock.now()});
      if (!seq) return seq.error();
      return {};
    });
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());  // items_per_second = durable tx/s, all threads
  if (state.thread_index() == 0) {
    // Approximate: measured when thread 0 finishes; the others finish with it.
    const auto commits = db->metrics().commits - commits_before;
    state.counters["batch"] =
        commits == 0 ? 0.0 : static_cast<double>(state.iterations() * state.threads()) / commits;
  }
}
BENCHMARK(BM_DurableTransaction)
    ->Setup(setup)
    ->Teardown(teardown)
    ->Threads(1)
    ->Threads(16)
    ->Threads(128)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

// Durable transactions per second through the store's group-commit writer.
//
// BM_DurableTransaction: 1, 16 and 128 concurrent submitters; each
// transaction inserts a 1 KiB row and its audit record and returns only when
// its batch's COMMIT is fsynced (WAL, synchronous=FULL).
//
// BM_AcceptDetentiemelding: the store's share of POST /api/v1/detentiemeldingen
// without TLS and HTTP: parse the body as the route does, seal it
// (store::seal_delivery) and hand store::accept_delivery to the writer; 64
// deliveries in flight, as bench/run-deliveries-compare's 64 connections.
// "cpu_us" is the process's CPU time (user + system, all threads) per durable
// delivery, the figure to compare with that benchmark's server CPU per request.
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
#include <sys/resource.h>

#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "domain/delivery.hpp"
#include "store/audit.hpp"
#include "store/data_key.hpp"
#include "store/database.hpp"
#include "store/deliveries.hpp"
#include "store/registry.hpp"

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

// ---- BM_AcceptDetentiemelding ----------------------------------------------

std::unique_ptr<store::data_key> key;
poort::os_random bench_random;

void setup_deliveries(const benchmark::State& state) {
  setup(state);
  store::municipality_record m;
  m.gemeentecode = "GM0193";
  m.naam = "Gemeente";
  m.geldig_van = "2000-01-01";
  m.status = domain::municipality_status::connected;
  m.wil_detentiemeldingen = true;
  m.wil_informatiebladen = true;
  auto added = db->write(
      [&](store::transaction& tx) { return store::upsert_municipality(tx, m, bench_clock.now(), true); });
  if (!added) throw std::runtime_error("municipality failed: " + added.error().message());
  store::data_key::key_bytes bytes{};
  bytes.fill(7);
  key = std::make_unique<store::data_key>("bench", bytes, bench_random);
}

void teardown_deliveries(const benchmark::State& state) {
  key.reset();
  teardown(state);
}

/// A detentiemelding body as bench/deliveries_load sends it, with a fresh
/// berichtId and a fresh valid BSN.
std::string melding_body(std::mt19937_64& rng, std::uint64_t n) {
  std::uint64_t digits = 10'000'000 + n % 89'000'000;  // 8 digits; the ninth is the check digit
  for (;; ++digits) {
    std::uint64_t sum = 0, d = digits;
    for (int weight = 2; weight <= 9; ++weight, d /= 10) sum += weight * (d % 10);
    if (sum % 11 != 10) {
      digits = digits * 10 + sum % 11;
      break;
    }
  }
  const std::uint64_t a = rng(), b = rng();
  char id[40];
  std::snprintf(id, sizeof id, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xffffu, static_cast<unsigned>(a) & 0xfffu,
                static_cast<unsigned>(b >> 48) & 0xfffu,
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  boost::json::object o{{"berichtId", id},
                        {"soort", "BEGIN"},
                        {"persoon",
                         {{"bsn", std::to_string(digits)},
                          {"geslachtsnaam", "van den Berghe-Oosterhuis"},
                          {"voornamen", "Pieter Johannes Cornelis Maria"},
                          {"geboortedatum", "1990-04-17"}}},
                        {"gebeurtenisdatum", "2026-03-02"},
                        {"verwachteInvrijheidstelling", "2026-09-01"},
                        {"gemeentecode", "GM0193"},
                        {"grondslag", "LAATSTE_BRP_ADRES"},
                        {"casemanager",
                         {{"naam", "Marieke de Vries-Jansen"},
                          {"email", "casemanager@pi-vught.dji.example.nl"},
                          {"telefoon", "+31 73 658 1234"}}}};
  std::string body = boost::json::serialize(o);
  body.resize(2048, ' ');  // JSON allows the trailing white space; the load generator pads the same way
  return body;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void BM_AcceptDetentiemelding(benchmark::State& state) {
  constexpr int in_flight = 64;
  std::mt19937_64 rng(42);
  std::uint64_t n = 0;
  const store::delivery_settings settings;
  const store::audit_identity who{"127.0.0.1", "party:00000099000020010000", ""};
  std::mutex mu;
  std::condition_variable cv;
  std::int64_t pending = 0;
  std::int64_t failed = 0;
  const auto commits_before = db->metrics().commits;
  const double cpu_before = process_cpu_seconds();
  for (auto _ : state) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return pending < in_flight; });
      ++pending;
    }
    const std::string body = melding_body(rng, n++);
    auto parsed = domain::parse_detentiemelding(body);
    if (!parsed) {
      state.SkipWithError("the body does not parse");
      break;
    }
    store::incoming_delivery incoming{std::move(*parsed), "00000099000020010000", domain::body_sha256(body)};
    auto sealed = store::seal_delivery(*key, std::move(incoming));
    if (!sealed) {
      state.SkipWithError("sealing failed");
      break;
    }
    auto shared = std::make_shared<store::sealed_delivery>(std::move(*sealed));
    db->submit(
        [shared, &settings, &who](store::transaction& tx) -> poort::result<void> {
          auto r = store::accept_delivery(tx, *key, settings, *shared, who, bench_clock.now());
          if (!r) return r.error();
          if (r->what != store::delivery_outcome::kind::created)
            return make_error_code(std::errc::invalid_argument);
          return {};
        },
        [&](poort::result<void> r) {
          std::lock_guard lock(mu);
          --pending;
          if (!r) ++failed;
          cv.notify_all();
        });
  }
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return pending == 0; });
  }
  if (failed != 0) state.SkipWithError("a delivery failed");
  const auto commits = db->metrics().commits - commits_before;
  state.SetItemsProcessed(state.iterations());
  state.counters["batch"] = commits == 0 ? 0.0 : static_cast<double>(state.iterations()) / commits;
  state.counters["cpu_us"] =
      (process_cpu_seconds() - cpu_before) * 1e6 / static_cast<double>(state.iterations());
}
BENCHMARK(BM_AcceptDetentiemelding)->Setup(setup_deliveries)->Teardown(teardown_deliveries)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

#pragma once
// The composition root of poortd: what a configuration becomes at start and
// at every SIGHUP (the TLS contexts, the party directory, the routes and
// their services), and the slot that holds the current one.
//
//   runtime_inputs in{store, clock, random, metrics, deliveries, current_config};
//   auto rt = build_runtime(cfg, in);  // fails on a TLS context or asset that cannot be loaded
//
// Thread safety: a runtime is immutable once built; connections hold the one
// they started with (a shared_ptr) while a reload installs the next.

#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/peer.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "routing/app.hpp"
#include "routing/metrics.hpp"
#include "store/database.hpp"
#include "store/deliveries.hpp"

namespace poort::daemon {

class deliveries_runtime;

/// Everything a connection needs that SIGHUP may replace.
struct runtime {
  std::shared_ptr<const config::config> cfg;
  /// One per configured listener: portal listeners first, then system ones.
  std::vector<const config::listener*> listeners;
  std::vector<std::shared_ptr<boost::asio::ssl::context>> tls;
  auth::party_directory parties;
  std::shared_ptr<const routing::app> app;
};

/// What the runtimes are built from that lives as long as the server.
struct runtime_inputs {
  store::database& store;
  poort::clock& clock;
  poort::random& random;
  routing::metrics& metrics;
  deliveries_runtime* deliveries = nullptr;  ///< none: no delivery routes' services
  /// The configuration of the runtime in use when a handler asks.
  std::function<std::shared_ptr<const config::config>()> current_config;
  /// Where the router's refusals are counted for the audit log (routing/refusal_audit.hpp).
  routing::refusal_audit* refusals = nullptr;
};

/// The runtime in use: read by every new connection and by the handlers'
/// `current_config`, replaced by a reload.
///
/// A mutex and a plain shared_ptr rather than std::atomic<std::shared_ptr>:
/// libstdc++ 12's atomic<shared_ptr>::load releases its internal lock with
/// memory_order_relaxed, so under the C++ memory model its read of the
/// pointer races with the next store's write. x86-64 hides that (the unlock
/// is a locked instruction), ThreadSanitizer does not: it reported the race
/// between a reload and the deliveries thread (issue 15, item 11), and reports
/// it in a ten-line program that does nothing else. A mutex is exact and
/// costs one uncontended lock per new connection.
///
/// Thread safety: `load` and `store` from any thread.
class runtime_slot {
 public:
  std::shared_ptr<const runtime> load() const {
    std::lock_guard lock(mutex_);
    return current_;
  }
  void store(std::shared_ptr<const runtime> next) {
    std::lock_guard lock(mutex_);
    current_.swap(next);  // the old runtime is released outside the lock (`next`'s destructor)
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const runtime> current_;  // guarded by mutex_
};

/// The runtime for `cfg`. Failure: a listener's TLS context, the web assets,
/// the onboarding or login services cannot be made (logged).
result<std::shared_ptr<const runtime>> build_runtime(std::shared_ptr<const config::config> cfg,
                                                     const runtime_inputs& in);

/// The store's metrics in the Prometheus text format, appended to `out`.
void render_store_metrics(std::string& out, const store::metrics_snapshot& m);

/// Rows holding sealed data per key id and per blind-index version
/// (store::count_rows_by_key), appended to `out`:
///   poort_store_rows_by_key{table="postvak",key_id="k1"} N
///   poort_store_rows_by_index_version{table="postvak",version="1"} N
void render_key_metrics(std::string& out, const std::vector<store::key_usage>& usage);

}  // namespace poort::daemon

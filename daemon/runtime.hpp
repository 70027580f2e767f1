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
};

/// The runtime for `cfg`. Failure: a listener's TLS context, the web assets,
/// the onboarding or login services cannot be made (logged).
result<std::shared_ptr<const runtime>> build_runtime(std::shared_ptr<const config::config> cfg,
                                                     const runtime_inputs& in);

/// The store's metrics in the Prometheus text format, appended to `out`.
void render_store_metrics(std::string& out, const store::metrics_snapshot& m);

}  // namespace poort::daemon

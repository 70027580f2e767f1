#pragma once
// The poortd process: listeners, connection sessions, the worker pool for
// handlers that wait on the store, signals (SIGTERM drains, SIGHUP reloads),
// and systemd notification.
//
// Lifecycle:
//   auto s = server::create(config_file, cfg);   // binds every address, opens the store
//   int rc = s->run();                            // blocks until drained; returns the exit code
//
// Ports: an address with port 0 binds an ephemeral port; `run` logs
// `listener.listening` with the real address for each, before READY=1.
//
// Thread safety: `run` is called once; everything else happens on the
// server's own threads. `request_stop` and `request_reload` may be called
// from any thread.

#include <filesystem>
#include <memory>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"

namespace poort::daemon {

class server {
 public:
  virtual ~server() = default;
  /// Validates nothing more: `cfg` is a loaded, valid config from `config_file`.
  /// Fails when an address cannot be bound or the store cannot be opened.
  /// The server reads time from `clock` (deadlines, rate limits, what the
  /// handlers see) and draws request ids and tokens from `random`; both must
  /// outlive it. Tests pass fakes to drive timeouts.
  static result<std::unique_ptr<server>> create(std::filesystem::path config_file,
                                                std::shared_ptr<const config::config> cfg,
                                                poort::clock& clock, poort::random& random);
  /// The same with the system clock and the operating system's randomness.
  static result<std::unique_ptr<server>> create(std::filesystem::path config_file,
                                                std::shared_ptr<const config::config> cfg);
  /// Serves until SIGTERM/SIGINT (or `request_stop`), then drains; returns 0 on
  /// a clean drain.
  virtual int run() = 0;
  virtual void request_stop() = 0;
  virtual void request_reload() = 0;
};

}  // namespace poort::daemon

#pragma once
// The deliveries area inside poortd (issue 5): the data key, the services the
// routes use, and the background worker that
//   - pushes outbox messages to municipalities' endpoints over mutual TLS with
//     poort's client certificate (`[deliveries] push_*`), idempotent by
//     berichtId (header `Idempotency-Key`), retried with capped exponential
//     back-off across restarts (the outbox is in the store), given up
//     (OPGEGEVEN, audited, in /metrics and GET /api/v1/beheer/uitgaande-berichten)
//     after `push_give_up_after`;
//   - purges content whose retention has passed, every `purge_interval`;
//   - empties the WAL after a purge, so purged content leaves the disk.
//
// The push protocol: `POST <push_endpoint>` with `Content-Type:
// application/json`, `Idempotency-Key: <berichtId>` and the body of GET
// /api/v1/berichten/{id}'s content form (store::push_payload). Any 2xx is
// delivered; anything else (or no answer within push_timeout) is retried.
//
// Pushes go through poortd's one outbound client (daemon/https_client.hpp):
// the endpoint's certificate chained to push_ca_bundle, every certificate of
// the chain checked against push_crl_files, the URL's host checked against it.
// Pushes connect only to public unicast addresses (`is_public_address`) of
// the endpoint's host, whether a name or an IP literal, unless
// `push_allow_private_addresses` is set: a signatory sets the endpoint URL,
// and must not be able to point poortd at an internal host (SSRF). The
// addresses judged are the ones connected to, so a name that resolves
// differently later (DNS rebinding) gains nothing. An endpoint with no
// public address fails the attempt with reason `endpoint_address_refused`,
// retried and given up like any other failure.
//
// Thread safety: `services`, `wake` and `content_purged` may be called from
// any thread; `start` and `stop` from the thread that owns the server.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "daemon/https_client.hpp"  // is_public_address: the push's address filter
#include "routing/delivery_routes.hpp"
#include "routing/metrics.hpp"
#include "store/database.hpp"

namespace poort::daemon {

/// The store settings that `cfg` describes.
store::delivery_settings delivery_settings_of(const config::deliveries& cfg);

class deliveries_runtime {
 public:
  /// Loads the key ring ([data_keys]; store/data_key.hpp).
  /// Success: the runtime, or nullptr when no key is configured anywhere (the
  /// area is then disabled: its routes answer 503; logged as a warning).
  /// Failure: a key is configured but cannot be read or is malformed;
  /// unknown_key when the database holds rows under a key id or index
  /// version that the ring does not list (logged with the id and count).
  /// `db`, `clock`, `random` and `metrics` must outlive the runtime.
  static result<std::unique_ptr<deliveries_runtime>> create(const config::config& cfg, store::database& db,
                                                            poort::clock& clock, poort::random& random,
                                                            routing::metrics& metrics);
  ~deliveries_runtime();
  deliveries_runtime(const deliveries_runtime&) = delete;
  deliveries_runtime& operator=(const deliveries_runtime&) = delete;

  /// The routes' services under `cfg` (rebuilt on every reload).
  std::shared_ptr<const routing::delivery_services> services(const config::config& cfg);

  /// Starts the worker; `current_config` gives the config in force.
  void start(std::function<std::shared_ptr<const config::config>()> current_config);
  /// Stops and joins the worker (an attempt in flight ends within push_timeout).
  void stop();
  /// Makes the worker look at the outbox now.
  void wake();

 private:
  struct counters;
  deliveries_runtime(std::shared_ptr<store::data_key> key, store::database& db, poort::clock& clock,
                     routing::metrics& metrics);
  void run();
  void push_due(const config::config& cfg);
  void purge_due(const config::deliveries& cfg);
  void checkpoint();
  void refresh_key_usage();

  std::shared_ptr<store::data_key> key_;
  store::database& db_;
  poort::clock& clock_;
  std::shared_ptr<counters> counters_;
  std::function<std::shared_ptr<const config::config>()> current_config_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;            // guarded by mu_
  bool woken_ = false;               // guarded by mu_
  bool checkpoint_pending_ = false;  // guarded by mu_
  std::thread worker_;
};

}  // namespace poort::daemon

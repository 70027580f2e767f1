#pragma once
// The daemon's side of onboarding (issue 4):
//   - the services of the onboarding routes (the check of an application's
//     system certificate against the system listener's client CA bundle),
//   - the party fallback that makes a CONNECTED municipality's system
//     certificate a known party on the system listener,
//   - the background jobs: connecting approved municipalities on their
//     cohort's connection date, and sending queued e-mail notices.
//
// Thread safety: the services and the fallback are thread-safe; the jobs
// object is started and stopped on the server's thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/peer.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "daemon/mailer.hpp"
#include "daemon/periodic_job.hpp"
#include "routing/onboarding_routes.hpp"
#include "store/database.hpp"

namespace poort::daemon {

/// Checks a PEM certificate as `onboarding_services::verify_system_certificate`
/// documents, as the system listener would: against the CA certificates in
/// `ca_bundle_pem` and the CRLs in `crl_pems` (each a PEM file's text), at
/// time `now`, X.509 strict, every certificate of the chain checked against
/// the CRLs when there are any (X509_V_FLAG_CRL_CHECK_ALL), with the clientAuth
/// extended key usage. A certificate with a test OIN is untrusted
/// (crypto_error) unless `allow_test_oins` (config::config::allow_test_oins).
result<routing::system_certificate> verify_system_certificate(std::string_view pem,
                                                              std::string_view ca_bundle_pem,
                                                              const std::vector<std::string>& crl_pems,
                                                              sys_time now, bool allow_test_oins);

/// The services for `cfg`: the CA bundle and CRLs of the first system
/// listener, read now (a reload builds new services). Failure: io_error when
/// a file cannot be read. With no system listener every check fails
/// (crypto_error).
result<std::shared_ptr<const routing::onboarding_services>> make_onboarding_services(
    const config::config& cfg, poort::clock& clock);

/// The fallback for auth::party_directory: a municipality whose registry OIN
/// is the certificate's, whose status is CONNECTED and whose application's
/// system certificate has this fingerprint is a `municipal_system` party.
/// A store failure is logged and answered "unknown" (fail closed).
auth::party_fallback registry_party_fallback(store::database& db, poort::clock& clock);

/// Periodic jobs: every `interval`, on the worker pool, connect the
/// municipalities due (store::connect_due, queuing "connected" notices) and
/// send due e-mail notices (when enabled). One run at a time.
class onboarding_jobs {
 public:
  using config_fn = std::function<std::shared_ptr<const config::config>()>;

  /// `send` replaces send_mail (tests); empty = send_mail with the current [email].
  onboarding_jobs(boost::asio::io_context& io, boost::asio::thread_pool& workers, store::database& db,
                  poort::clock& clock, config_fn current_config, mail_sender send = {},
                  std::chrono::milliseconds interval = std::chrono::seconds(5));

  /// Runs the jobs once now and then every interval.
  void start() { job_.start(); }
  /// Stops scheduling; a run in progress finishes (the worker pool's join waits for it).
  void stop() { job_.stop(); }

  /// One run of both jobs (what the timer triggers), for tests.
  void run_once();

 private:
  store::database& db_;
  poort::clock& clock_;
  config_fn current_config_;
  mail_sender send_;
  std::atomic<bool> running_{false};
  periodic_job job_;  // last: its job reads the members above
};

}  // namespace poort::daemon

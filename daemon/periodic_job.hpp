#pragma once
// A job that runs on the worker pool now and then every interval, until
// stopped: the scheduling that poortd's background jobs share (the onboarding
// jobs, daemon/onboarding.hpp; the audit anchor, daemon/audit_anchor.hpp).
//
// Thread safety: `start` and `stop` may be called from any thread, not
// concurrently with each other; the timer lives on a strand of the
// io_context. `io` and `workers` outlive the object; `io` stops (or runs the
// strand's last handler) before it is destroyed, and the pool's join waits
// for a run in progress.

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <functional>

namespace poort::daemon {

class periodic_job {
 public:
  /// `job` runs on `workers`, never on the io_context's threads.
  periodic_job(boost::asio::io_context& io, boost::asio::thread_pool& workers,
               std::chrono::milliseconds interval, std::function<void()> job);

  /// Runs the job now (on the pool) and arms the timer.
  void start();
  /// Stops scheduling and cancels the timer; a run in progress finishes.
  void stop();
  /// After `stop` (until the next `start`): true. For a job to end early.
  bool stopped() const noexcept { return stopped_; }

 private:
  void arm();

  boost::asio::thread_pool& workers_;
  std::chrono::milliseconds interval_;
  std::function<void()> job_;
  boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                    boost::asio::wait_traits<std::chrono::steady_clock>,
                                    boost::asio::strand<boost::asio::io_context::executor_type>>
      timer_;
  std::atomic<bool> stopped_{false};
};

}  // namespace poort::daemon

#include "daemon/periodic_job.hpp"

#include <boost/asio/post.hpp>

namespace poort::daemon {

periodic_job::periodic_job(boost::asio::io_context& io, boost::asio::thread_pool& workers,
                           std::chrono::milliseconds interval, std::function<void()> job)
    : workers_(workers), interval_(interval), job_(std::move(job)), timer_(boost::asio::make_strand(io)) {}

void periodic_job::start() {
  stopped_ = false;
  boost::asio::post(workers_, [this] { job_(); });
  boost::asio::post(timer_.get_executor(), [this] { arm(); });
}

void periodic_job::stop() {
  stopped_ = true;
  boost::asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

// On the strand.
void periodic_job::arm() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    boost::asio::post(workers_, [this] { job_(); });
    arm();
  });
}

}  // namespace poort::daemon

#pragma once
// Hands the store writer's answers to the connections' executors. While the
// writer answers a group commit (between `begin` and `end`, the store's answer
// hooks) the answers are collected and posted in one go: one wake-up of the
// I/O threads per group instead of one per answer (docs/performance.md).
//
// Thread safety: `deliver` from any thread; `begin`/`end` on the writer.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <functional>
#include <utility>
#include <vector>

namespace poort::daemon {

class answer_relay {
 public:
  explicit answer_relay(boost::asio::io_context& ioc) : ioc_(ioc) {}
  /// The writer starts answering a group: `deliver` on this thread collects.
  void begin() { collecting = this; }
  /// The group is answered: what was collected is posted to the I/O threads,
  /// which dispatch each answer to its executor.
  void end();
  /// Runs `answer` on `executor`: posted now, or with the group being answered
  /// when called on the writer between `begin` and `end`.
  void deliver(boost::asio::any_io_executor executor, std::function<void()> answer);

 private:
  boost::asio::io_context& ioc_;
  std::vector<std::pair<boost::asio::any_io_executor, std::function<void()>>> batch_;  // the writer's
  static thread_local answer_relay* collecting;  // the relay collecting on this thread
};

}  // namespace poort::daemon

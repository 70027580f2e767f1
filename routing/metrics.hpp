#pragma once
// Counters and histograms for /metrics, rendered in the Prometheus text
// exposition format (version 0.0.4).
//
// Everything is lock-free on the hot path (relaxed atomics); `render` reads a
// consistent-enough snapshot. Labels are fixed strings (route names, listener
// kinds, reason codes), never request data.
//
// Thread safety: all members may be used from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace poort::routing {

/// A fixed-bucket histogram of durations or sizes.
class histogram {
 public:
  explicit histogram(std::vector<double> upper_bounds);
  histogram(const histogram&) = delete;
  histogram& operator=(const histogram&) = delete;

  void observe(double value);
  /// Appends `name_bucket{labels,le=..}`, `name_sum`, `name_count` lines.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

  static std::vector<double> latency_buckets();  ///< 100 µs .. 10 s
  static std::vector<double> size_buckets();     ///< 1 .. 1024

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1 (+Inf)
  std::atomic<std::uint64_t> sum_micro_{0};               // sum x 1e6
};

/// Why a TLS handshake or connection was refused.
enum class refusal : unsigned {
  no_certificate,
  untrusted,
  expired,
  revoked,
  wrong_purpose,
  handshake_failed,
  handshake_timeout,
  connection_limit,
  address_limit,
  count  // number of reasons
};
std::string_view to_string(refusal r) noexcept;

class metrics {
 public:
  /// `route_names[i]` labels route index i; index route_names.size() is used
  /// for requests that matched no route.
  explicit metrics(std::vector<std::string> route_names);

  void request_done(std::size_t route_index, unsigned listener, unsigned status,
                    std::chrono::steady_clock::duration elapsed);
  void connection_opened(unsigned listener) {
    open_[listener].fetch_add(1, std::memory_order_relaxed);
    accepted_[listener].fetch_add(1, std::memory_order_relaxed);
  }
  void connection_closed(unsigned listener) { open_[listener].fetch_sub(1, std::memory_order_relaxed); }
  void refused(unsigned listener, refusal r) {
    refused_[listener][static_cast<unsigned>(r)].fetch_add(1, std::memory_order_relaxed);
  }
  std::int64_t open_connections(unsigned listener) const { return open_[listener].load(); }

  /// Extra text appended by `render` (e.g. the store's commit histograms).
  void add_source(std::function<void(std::string&)> source);

  std::string render() const;

 private:
  static constexpr unsigned listener_count = 2;  // 0 = portal, 1 = system
  static constexpr unsigned status_limit = 600;
  struct route_stats {
    std::unique_ptr<std::atomic<std::uint64_t>[]> by_status;  // listener_count * status_limit
    std::unique_ptr<histogram> latency;
  };
  std::vector<std::string> names_;
  std::vector<route_stats> routes_;
  std::array<std::atomic<std::int64_t>, listener_count> open_{};
  std::array<std::atomic<std::uint64_t>, listener_count> accepted_{};
  std::array<std::array<std::atomic<std::uint64_t>, static_cast<unsigned>(refusal::count)>, listener_count>
      refused_{};
  std::vector<std::function<void(std::string&)>> sources_;  // set before serving
};

}  // namespace poort::routing

#include "routing/metrics.hpp"

#include <cmath>

#include "routing/prometheus.hpp"

namespace poort::routing {
namespace {

const char* listener_name(unsigned l) { return l == 0 ? "portal" : "system"; }

}  // namespace

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<std::uint64_t>(std::llround(value * 1e6)), std::memory_order_relaxed);
}

void histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::vector<std::uint64_t> cumulative(bounds_.size());
  std::uint64_t count = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    count += counts_[i].load(std::memory_order_relaxed);
    if (i < bounds_.size()) cumulative[i] = count;
  }
  const double sum = static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
  prometheus_writer(out).histogram(name, labels, bounds_, cumulative, count, sum);
}

std::vector<double> histogram::latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> histogram::size_buckets() { return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}; }

std::string_view to_string(refusal r) noexcept {
  switch (r) {
    case refusal::no_certificate: return "no_certificate";
    case refusal::untrusted: return "untrusted";
    case refusal::expired: return "expired";
    case refusal::revoked: return "revoked";
    case refusal::wrong_purpose: return "wrong_purpose";
    case refusal::handshake_failed: return "handshake_failed";
    case refusal::handshake_timeout: return "handshake_timeout";
    case refusal::connection_limit: return "connection_limit";
    case refusal::address_limit: return "address_limit";
    case refusal::count: break;
  }
  return "unknown";
}

metrics::metrics(std::vector<std::string> route_names) : names_(std::move(route_names)) {
  names_.emplace_back("unmatched");
  routes_.resize(names_.size());
  for (auto& r : routes_) {
    r.by_status = std::make_unique<std::atomic<std::uint64_t>[]>(listener_count * status_limit);
    r.latency = std::make_unique<histogram>(histogram::latency_buckets());
  }
}

void metrics::request_done(std::size_t route_index, unsigned listener, unsigned status,
                           std::chrono::steady_clock::duration elapsed) {
  if (route_index >= routes_.size()) route_index = routes_.size() - 1;
  if (status >= status_limit) status = 500;
  auto& r = routes_[route_index];
  r.by_status[listener * status_limit + status].fetch_add(1, std::memory_order_relaxed);
  r.latency->observe(std::chrono::duration<double>(elapsed).count());
}

void metrics::add_source(std::function<void(std::string&)> source) { sources_.push_back(std::move(source)); }

std::string metrics::render() const {
  std::string out;
  out.reserve(16 * 1024);
  prometheus_writer w(out);
  const auto listener_label = [](unsigned l) { return std::string("listener=\"") + listener_name(l) + "\""; };
  w.family("poort_http_requests_total", "counter", "HTTP requests answered, by listener, route and status.");
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    for (unsigned l = 0; l < listener_count; ++l) {
      for (unsigned s = 100; s < status_limit; ++s) {
        const std::uint64_t n = routes_[i].by_status[l * status_limit + s].load(std::memory_order_relaxed);
        if (n == 0) continue;
        w.sample("poort_http_requests_total",
                 listener_label(l) + ",route=\"" + names_[i] + "\",status=\"" + std::to_string(s) + "\"", n);
      }
    }
  }
  w.family("poort_http_request_duration_seconds", "histogram",
           "Time from complete request head to response written.");
  for (std::size_t i = 0; i < routes_.size(); ++i)
    routes_[i].latency->render(out, "poort_http_request_duration_seconds", "route=\"" + names_[i] + "\"");
  w.family("poort_open_connections", "gauge", "Open client connections.");
  for (unsigned l = 0; l < listener_count; ++l)
    w.sample("poort_open_connections", listener_label(l),
             static_cast<std::int64_t>(open_[l].load(std::memory_order_relaxed)));
  w.family("poort_connections_accepted_total", "counter", "Accepted TCP connections.");
  for (unsigned l = 0; l < listener_count; ++l)
    w.sample("poort_connections_accepted_total", listener_label(l),
             static_cast<std::uint64_t>(accepted_[l].load(std::memory_order_relaxed)));
  w.family("poort_connections_refused_total", "counter",
           "Connections and TLS handshakes refused, by reason.");
  for (unsigned l = 0; l < listener_count; ++l)
    for (unsigned r = 0; r < static_cast<unsigned>(refusal::count); ++r)
      w.sample("poort_connections_refused_total",
               listener_label(l) + ",reason=\"" + std::string(to_string(static_cast<refusal>(r))) + "\"",
               static_cast<std::uint64_t>(refused_[l][r].load(std::memory_order_relaxed)));
  for (const auto& s : sources_) s(out);
  return out;
}

}  // namespace poort::routing

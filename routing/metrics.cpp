#include "routing/metrics.hpp"

#include <cmath>
#include <cstdio>

namespace poort::routing {
namespace {

const char* listener_name(unsigned l) { return l == 0 ? "portal" : "system"; }

void append_double(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  out += buf;
}

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
  std::uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name;
    out += "_bucket{";
    out += labels;
    out += sep;
    out += "le=\"";
    if (i == bounds_.size())
      out += "+Inf";
    else
      append_double(out, bounds_[i]);
    out += "\"} ";
    out += std::to_string(cumulative);
    out += '\n';
  }
  out += name;
  out += "_sum";
  if (!labels.empty()) (out += '{') += std::string(labels) += '}';
  out += ' ';
  append_double(out, static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6);
  out += '\n';
  out += name;
  out += "_count";
  if (!labels.empty()) (out += '{') += std::string(labels) += '}';
  out += ' ';
  out += std::to_string(cumulative);
  out += '\n';
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
  out += "# HELP poort_http_requests_total HTTP requests answered, by listener, route and status.\n";
  out += "# TYPE poort_http_requests_total counter\n";
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    for (unsigned l = 0; l < listener_count; ++l) {
      for (unsigned s = 100; s < status_limit; ++s) {
        auto n = routes_[i].by_status[l * status_limit + s].load(std::memory_order_relaxed);
        if (n == 0) continue;
        out += "poort_http_requests_total{listener=\"";
        out += listener_name(l);
        out += "\",route=\"";
        out += names_[i];
        out += "\",status=\"";
        out += std::to_string(s);
        out += "\"} ";
        out += std::to_string(n);
        out += '\n';
      }
    }
  }
  out += "# HELP poort_http_request_duration_seconds Time from complete request head to response written.\n";
  out += "# TYPE poort_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < routes_.size(); ++i)
    routes_[i].latency->render(out, "poort_http_request_duration_seconds", "route=\"" + names_[i] + "\"");
  out += "# HELP poort_open_connections Open client connections.\n";
  out += "# TYPE poort_open_connections gauge\n";
  for (unsigned l = 0; l < listener_count; ++l)
    out += std::string("poort_open_connections{listener=\"") + listener_name(l) + "\"} " +
           std::to_string(open_[l].load(std::memory_order_relaxed)) + "\n";
  out += "# HELP poort_connections_accepted_total Accepted TCP connections.\n";
  out += "# TYPE poort_connections_accepted_total counter\n";
  for (unsigned l = 0; l < listener_count; ++l)
    out += std::string("poort_connections_accepted_total{listener=\"") + listener_name(l) + "\"} " +
           std::to_string(accepted_[l].load(std::memory_order_relaxed)) + "\n";
  out += "# HELP poort_connections_refused_total Connections and TLS handshakes refused, by reason.\n";
  out += "# TYPE poort_connections_refused_total counter\n";
  for (unsigned l = 0; l < listener_count; ++l)
    for (unsigned r = 0; r < static_cast<unsigned>(refusal::count); ++r)
      out += std::string("poort_connections_refused_total{listener=\"") + listener_name(l) + "\",reason=\"" +
             std::string(to_string(static_cast<refusal>(r))) + "\"} " +
             std::to_string(refused_[l][r].load(std::memory_order_relaxed)) + "\n";
  for (const auto& s : sources_) s(out);
  return out;
}

}  // namespace poort::routing

#pragma once
// A writer of the Prometheus text exposition format (version 0.0.4), the
// one place that knows its syntax: every /metrics text of poort is written
// through it (routing/metrics.cpp; the daemon's store and push counters).
//
//   # HELP <name> <help>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<labels>} <value>
//
// Labels are passed pre-formatted (`name="value",...`); callers use fixed
// names and values, never input from a request. Numbers that are not whole
// are written with six significant digits ("%.6g").
//
// Thread safety: a writer appends to the string it was given; one per render.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace poort::routing {

class prometheus_writer {
 public:
  explicit prometheus_writer(std::string& out) : out_(out) {}

  /// The HELP and TYPE lines of metric family `name`.
  void family(std::string_view name, std::string_view type, std::string_view help);

  /// One sample line; no braces when `labels` is empty.
  void sample(std::string_view name, std::string_view labels, std::uint64_t value);
  void sample(std::string_view name, std::string_view labels, std::int64_t value);
  void sample(std::string_view name, std::string_view labels, double value);

  /// `family` and one unlabelled sample: a whole metric of one value.
  template <class T>
  void metric(std::string_view name, std::string_view type, std::string_view help, T value) {
    family(name, type, help);
    sample(name, {}, value);
  }

  /// The samples of one histogram: a `_bucket` line for each upper bound
  /// (with `cumulative[i]` observations at most `upper_bounds[i]`) and
  /// le="+Inf" (with `count`), then `_sum` and `_count`.
  /// REQUIRES: cumulative.size() == upper_bounds.size().
  void histogram(std::string_view name, std::string_view labels, std::span<const double> upper_bounds,
                 std::span<const std::uint64_t> cumulative, std::uint64_t count, double sum);

 private:
  void name_and_labels(std::string_view name, std::string_view suffix, std::string_view labels);

  std::string& out_;
};

}  // namespace poort::routing

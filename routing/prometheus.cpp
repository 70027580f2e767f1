#include "routing/prometheus.hpp"

#include <cstdio>

namespace poort::routing {
namespace {

void append_double(std::string& out, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  out += buf;
}

}  // namespace

void prometheus_writer::family(std::string_view name, std::string_view type, std::string_view help) {
  ((((out_ += "# HELP ") += name) += ' ') += help) += '\n';
  ((((out_ += "# TYPE ") += name) += ' ') += type) += '\n';
}

void prometheus_writer::name_and_labels(std::string_view name, std::string_view suffix,
                                        std::string_view labels) {
  (out_ += name) += suffix;
  if (!labels.empty()) ((out_ += '{') += labels) += '}';
  out_ += ' ';
}

void prometheus_writer::sample(std::string_view name, std::string_view labels, std::uint64_t value) {
  name_and_labels(name, {}, labels);
  (out_ += std::to_string(value)) += '\n';
}

void prometheus_writer::sample(std::string_view name, std::string_view labels, std::int64_t value) {
  name_and_labels(name, {}, labels);
  (out_ += std::to_string(value)) += '\n';
}

void prometheus_writer::sample(std::string_view name, std::string_view labels, double value) {
  name_and_labels(name, {}, labels);
  append_double(out_, value);
  out_ += '\n';
}

void prometheus_writer::histogram(std::string_view name, std::string_view labels,
                                  std::span<const double> upper_bounds,
                                  std::span<const std::uint64_t> cumulative, std::uint64_t count,
                                  double sum) {
  const std::string_view sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i <= upper_bounds.size(); ++i) {
    (((out_ += name) += "_bucket{") += labels) += sep;
    out_ += "le=\"";
    if (i == upper_bounds.size())
      out_ += "+Inf";
    else
      append_double(out_, upper_bounds[i]);
    (out_ += "\"} ") += std::to_string(i == upper_bounds.size() ? count : cumulative[i]);
    out_ += '\n';
  }
  name_and_labels(name, "_sum", labels);
  append_double(out_, sum);
  out_ += '\n';
  name_and_labels(name, "_count", labels);
  (out_ += std::to_string(count)) += '\n';
}

}  // namespace poort::routing

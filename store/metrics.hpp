#pragma once
// The store's metrics: counters and fixed-bucket histograms in the shape of
// Prometheus (cumulative bucket counts, count, sum). The store only counts;
// the daemon renders /metrics from `database::metrics()`.
//
// Thread safety: `histogram::observe` and `snapshot` may be called from any
// thread. A snapshot is not atomic as a whole: a concurrent observation may
// be in the sum but not yet in a bucket, which Prometheus tolerates.

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

namespace poort::store {

struct histogram_snapshot {
  std::vector<double> upper_bounds;              ///< the "le" labels, ascending (+Inf not included)
  std::vector<std::uint64_t> cumulative_counts;  ///< per upper bound: observations <= it
  std::uint64_t count = 0;                       ///< all observations (the +Inf bucket)
  double sum = 0;                                ///< sum of all observed values
};

/// A histogram with fixed upper bounds.
class histogram {
 public:
  /// REQUIRES: `upper_bounds` ascending and not empty.
  histogram(std::initializer_list<double> upper_bounds);

  void observe(double value) noexcept;
  histogram_snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  ///< bounds_.size() + 1 (+Inf), not cumulative
  std::atomic<double> sum_{0};
};

/// A snapshot of the database's counters (`database::metrics()`).
struct metrics_snapshot {
  std::uint64_t commits = 0;              ///< batches committed durably
  std::uint64_t failed_commits = 0;       ///< batches whose BEGIN, statements or COMMIT failed as a whole
  std::uint64_t transactions = 0;         ///< work items committed durably
  std::uint64_t failed_transactions = 0;  ///< work items answered with an error
  std::uint64_t queue_depth = 0;          ///< work items waiting for the writer now
  histogram_snapshot batch_size;          ///< work items per committed batch
  histogram_snapshot commit_seconds;      ///< BEGIN to durable COMMIT of a committed batch, seconds
};

}  // namespace poort::store

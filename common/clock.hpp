#pragma once
// Time, injected. Nothing in poort reads the wall clock directly: components
// take a `clock&` so that tests can move time to the exact edge of a window
// (`fake_clock::advance`).
//
// Thread safety: `system_clock_source` is stateless; `fake_clock` is safe to
// read from several threads while one thread advances it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace poort {

using sys_time = std::chrono::system_clock::time_point;
using mono_time = std::chrono::steady_clock::time_point;

class clock {
 public:
  virtual ~clock() = default;
  /// Wall-clock time (for timestamps, validity windows, expiry).
  virtual sys_time now() const = 0;
  /// Monotonic time (for durations, timeouts, rate limits).
  virtual mono_time monotonic() const = 0;
};

/// The real clocks.
class system_clock_source final : public clock {
 public:
  sys_time now() const override { return std::chrono::system_clock::now(); }
  mono_time monotonic() const override { return std::chrono::steady_clock::now(); }
};

/// A clock for tests that stands still until advanced.
class fake_clock final : public clock {
 public:
  explicit fake_clock(sys_time start = sys_time{std::chrono::seconds{1'790'000'000}})
      : wall_(start.time_since_epoch().count()) {}
  sys_time now() const override { return sys_time{sys_time::duration{wall_.load()}}; }
  mono_time monotonic() const override { return mono_time{mono_time::duration{mono_.load()}}; }
  void advance(std::chrono::nanoseconds d) {
    wall_ += std::chrono::duration_cast<sys_time::duration>(d).count();
    mono_ += std::chrono::duration_cast<mono_time::duration>(d).count();
  }
  void set(sys_time t) { wall_ = t.time_since_epoch().count(); }

 private:
  std::atomic<sys_time::rep> wall_;
  std::atomic<mono_time::rep> mono_{0};
};

/// RFC 3339 / xs:dateTime in UTC with optional milliseconds, e.g.
/// "2026-11-29T21:37:05Z" or "2026-11-29T21:37:05.123Z".
std::string format_rfc3339(sys_time t, bool millis = false);

/// Parses xs:dateTime / RFC 3339: "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)".
/// A time without a zone is refused (nullopt), as is any out-of-range field
/// and any year outside 1678..2261 (what `sys_time` can hold).
std::optional<sys_time> parse_rfc3339(std::string_view s);

/// Parses an ISO date "YYYY-MM-DD" to midnight UTC of that day; nullopt for
/// a malformed date or a year outside 1678..2261.
std::optional<sys_time> parse_date(std::string_view s);

}  // namespace poort

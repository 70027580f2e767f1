#pragma once
// Structured logging: one JSON object per line on stderr (journald keeps it).
//
//   log::info("listener.started", {{"listener", "portal"}, {"port", 8443}});
//   -> {"ts":"2026-11-29T21:37:05.123Z","level":"info","event":"listener.started",
//       "listener":"portal","port":8443}
//
// Rules for callers (DESIGN §5, §8): an event name is a fixed dotted string;
// field values never carry a BSN, a person's name or sheet content. Log the
// identifiers of objects (berichtId, OIN, request id) and reason codes.
//
// Thread safety: every function may be called from any thread; each line is
// written with a single write(2), so lines never interleave.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace poort::log {

/// `notice` is for the few lines that are evidence rather than diagnostics
/// (the audit chain's anchor, daemon/audit_anchor.hpp): the minimum level never
/// drops them, and it cannot be chosen as a minimum.
enum class level { debug = 0, info = 1, warn = 2, error = 3, notice = 4 };

template <class I>
concept non_bool_integral = std::is_integral_v<I> && !std::is_same_v<I, bool>;

/// One key/value pair of a log line.
struct field {
  using value_type = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
  std::string_view key;
  value_type value;

  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const char* v) : key(k), value(std::string_view{v}) {}
  field(std::string_view k, const std::string& v) : key(k), value(std::string_view{v}) {}
  field(std::string_view k, bool v) : key(k), value(v) {}
  field(std::string_view k, double v) : key(k), value(v) {}
  template <non_bool_integral I>
  field(std::string_view k, I v) {
    key = k;
    if constexpr (std::is_signed_v<I>)
      value = static_cast<std::int64_t>(v);
    else
      value = static_cast<std::uint64_t>(v);
  }
};

/// Lines below this level are dropped (never `notice` lines). Default: info.
void set_min_level(level lvl);
level min_level();
/// Parses "debug", "info", "warn" or "error".
bool parse_level(std::string_view s, level& out);

/// Replaces where lines go (default: stderr). For tests; pass nullptr to restore.
void set_sink(std::function<void(std::string_view line)> sink);

void write(level lvl, std::string_view event, std::initializer_list<field> fields);

inline void debug(std::string_view event, std::initializer_list<field> fields = {}) {
  write(level::debug, event, fields);
}
inline void info(std::string_view event, std::initializer_list<field> fields = {}) {
  write(level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<field> fields = {}) {
  write(level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<field> fields = {}) {
  write(level::error, event, fields);
}
/// Written whatever the minimum level (see `level::notice`).
inline void notice(std::string_view event, std::initializer_list<field> fields = {}) {
  write(level::notice, event, fields);
}

/// Appends `s` to `out` as a JSON string literal (with quotes), escaping
/// control characters, quotes and backslashes; invalid UTF-8 bytes become
/// U+FFFD so that a line is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

}  // namespace poort::log

#include "common/log.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <mutex>

#include "common/clock.hpp"

namespace poort::log {
namespace {

std::atomic<level> g_min{level::info};
std::mutex g_sink_mutex;
std::function<void(std::string_view)> g_sink;  // guarded by g_sink_mutex
std::atomic<bool> g_has_sink{false};

const char* level_name(level lvl) {
  switch (lvl) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
    case level::notice: return "notice";
  }
  return "info";
}

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report to
    }
    s.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Length of the valid UTF-8 sequence at the start of s, or 0 if invalid.
std::size_t utf8_sequence(std::string_view s) {
  auto c = static_cast<unsigned char>(s[0]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if ((static_cast<unsigned char>(s[i]) >> 6) != 0x2) return 0;
  if (n == 2 && c < 0xc2) return 0;  // overlong
  return n;
}

}  // namespace

void set_min_level(level lvl) { g_min = lvl; }
level min_level() { return g_min; }

bool parse_level(std::string_view s, level& out) {
  if (s == "debug")
    out = level::debug;
  else if (s == "info")
    out = level::info;
  else if (s == "warn")
    out = level::warn;
  else if (s == "error")
    out = level::error;
  else
    return false;
  return true;
}

void set_sink(std::function<void(std::string_view)> sink) {
  std::lock_guard lock(g_sink_mutex);
  g_sink = std::move(sink);
  g_has_sink = static_cast<bool>(g_sink);
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex_digits[] = "0123456789abcdef";
  out += '"';
  while (!s.empty()) {
    auto c = static_cast<unsigned char>(s[0]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence(s);
      if (n == 0) {
        out += "\xef\xbf\xbd";
        s.remove_prefix(1);
      } else {
        out.append(s.substr(0, n));
        s.remove_prefix(n);
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex_digits[c >> 4];
          out += hex_digits[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
    s.remove_prefix(1);
  }
  out += '"';
}

void write(level lvl, std::string_view event, std::initializer_list<field> fields) {
  if (lvl != level::notice && lvl < g_min.load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(128);
  line += "{\"ts\":\"";
  line += format_rfc3339(std::chrono::system_clock::now(), true);
  line += "\",\"level\":\"";
  line += level_name(lvl);
  line += "\",\"event\":";
  append_json_string(line, event);
  for (const auto& f : fields) {
    line += ',';
    append_json_string(line, f.key);
    line += ':';
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            append_json_string(line, v);
          } else if constexpr (std::is_same_v<T, bool>) {
            line += v ? "true" : "false";
          } else {
            char buf[32];
            auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
            line.append(buf, ec == std::errc{} ? p : buf);
          }
        },
        f.value);
  }
  line += "}\n";
  if (g_has_sink.load(std::memory_order_acquire)) {
    std::lock_guard lock(g_sink_mutex);
    if (g_sink) {
      g_sink(line);
      return;
    }
  }
  write_all(STDERR_FILENO, line);
}

}  // namespace poort::log

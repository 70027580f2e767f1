#include "common/clock.hpp"

#include <charconv>
#include <cstdio>

namespace poort {
namespace {

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

// sys_time counts nanoseconds in 64 bits: 1677-09-21 to 2262-04-11. Whole
// years inside that span, so that a zone offset cannot leave it either.
constexpr int min_year = 1678;
constexpr int max_year = 2261;

std::optional<std::chrono::sys_days> make_day(int y, int m, int d) {
  if (y < min_year || y > max_year) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

}  // namespace

std::string format_rfc3339(sys_time t, bool millis) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<milliseconds>(t - day)};
  char buf[40];
  if (millis) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lld.%03lldZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                  long(hms.minutes().count()), static_cast<long long>(hms.seconds().count()),
                  static_cast<long long>(hms.subseconds().count()));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02lldZ", int(ymd.year()),
                  unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                  long(hms.minutes().count()), static_cast<long long>(hms.seconds().count()));
  }
  return buf;
}

std::optional<sys_time> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  if (!parse_int(s.substr(0, 4), y) || !parse_int(s.substr(5, 2), m) || !parse_int(s.substr(8, 2), d))
    return std::nullopt;
  auto day = make_day(y, m, d);
  if (!day) return std::nullopt;
  return sys_time{*day};
}

std::optional<sys_time> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  if (s.size() < 20 || s.size() > 40) return std::nullopt;
  auto date = parse_date(s.substr(0, 10));
  if (!date || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (!parse_int(s.substr(11, 2), hh) || !parse_int(s.substr(14, 2), mm) || !parse_int(s.substr(17, 2), ss))
    return std::nullopt;
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  std::size_t i = 19;
  nanoseconds frac{0};
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    long long scale = 100'000'000;
    long long ns = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (scale > 0) {
        ns += (s[i] - '0') * scale;
        scale /= 10;
      }
      ++i;
    }
    if (i == start) return std::nullopt;
    frac = nanoseconds{ns};
  }
  if (i >= s.size()) return std::nullopt;  // a zone is required
  seconds offset{0};
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    if (s.size() - i != 6 || s[i + 3] != ':') return std::nullopt;
    int oh = 0, om = 0;
    if (!parse_int(s.substr(i + 1, 2), oh) || !parse_int(s.substr(i + 4, 2), om) || oh > 23 || om > 59)
      return std::nullopt;
    offset = hours{oh} + minutes{om};
    if (s[i] == '-') offset = -offset;
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  auto t = *date + hours{hh} + minutes{mm} + seconds{ss} - offset;
  return time_point_cast<sys_time::duration>(t + frac);
}

}  // namespace poort

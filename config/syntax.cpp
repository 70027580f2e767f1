#include "config/syntax.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace poort::config::detail {

bool is_digits(std::string_view s, std::size_t count) {
  return s.size() == count && std::ranges::all_of(s, [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool is_oin(std::string_view s) { return is_digits(s, 20); }

bool is_gemeentecode(std::string_view s) {
  return s.size() == 6 && s.starts_with("GM") && is_digits(s.substr(2), 4);
}

bool is_token(std::string_view s, std::size_t max, bool upper_and_dot) {
  return !s.empty() && s.size() <= max && std::ranges::all_of(s, [upper_and_dot](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '_' || c == '-' ||
           (upper_and_dot && (std::isupper(c) || c == '.'));
  });
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool is_numbered_urn(std::string_view s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  const std::string_view number = s.substr(prefix.size());
  return !number.empty() && number.size() <= 4 && is_digits(number, number.size());
}

bool is_https_origin(std::string_view s) {
  return s.size() > 8 && s.size() <= 256 && s.starts_with("https://") && !s.ends_with('/');
}

std::optional<endpoint> parse_address(std::string_view text) {
  const bool v6 = text.starts_with('[');
  const std::size_t separator = v6 ? text.find("]:") : text.rfind(':');
  if (separator == std::string_view::npos) return std::nullopt;
  const std::string host(v6 ? text.substr(1, separator - 1) : text.substr(0, separator));
  const std::string_view port_text = text.substr(separator + (v6 ? 2 : 1));
  unsigned port = 0;
  if (port_text.empty() || port_text.size() > 5 || !is_digits(port_text, port_text.size()) ||
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port).ec != std::errc{} ||
      port > 65535) {
    return std::nullopt;
  }
  const int family = v6 ? AF_INET6 : AF_INET;
  in6_addr address{};  // large enough for either family
  if (inet_pton(family, host.c_str(), &address) != 1) return std::nullopt;
  char canonical[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, &address, canonical, sizeof canonical);
  const std::string host_part = v6 ? "[" + std::string(canonical) + "]" : std::string(canonical);
  return endpoint{host_part + ':' + std::to_string(port), static_cast<std::uint16_t>(port)};
}

}  // namespace poort::config::detail

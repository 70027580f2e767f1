// The syntax of single configuration values: digits, OINs, gemeentecodes,
// tokens, UUIDs, numbered URNs, https origins and listener addresses. Pure
// functions of their argument (no I/O, no locale: ASCII only); the readers in
// config.cpp report a problem at the key whose value fails one of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace poort::config::detail {

/// Exactly `count` ASCII digits.
bool is_digits(std::string_view s, std::size_t count);
/// An OIN: 20 digits (the test prefix is checked elsewhere).
bool is_oin(std::string_view s);
/// "GM" and four digits.
bool is_gemeentecode(std::string_view s);
/// 1 to `max` characters of [a-z0-9_-], and with `upper_and_dot` also [A-Z.].
bool is_token(std::string_view s, std::size_t max, bool upper_and_dot = false);
/// 8-4-4-4-12 hex digits.
bool is_uuid(std::string_view s);
/// `prefix` followed by 1-4 digits, e.g. "urn:etoegang:DV:<oin>:entities:9000".
bool is_numbered_urn(std::string_view s, std::string_view prefix);
/// "https://" and a host (and port), no trailing slash, at most 256 bytes.
bool is_https_origin(std::string_view s);

/// A listener address in canonical form ("[::1]:8443" for "[0::1]:8443").
struct endpoint {
  std::string canonical;
  std::uint16_t port = 0;
};

/// Parses "IPv4:port" or "[IPv6]:port" with a port of 0-65535; nullopt if malformed.
std::optional<endpoint> parse_address(std::string_view text);

}  // namespace poort::config::detail

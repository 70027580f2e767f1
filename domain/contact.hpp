#pragma once
// Contact details of a person acting for an organisation (the nazorg
// coordinator of a municipality, the case manager of a prison), and the
// checks on e-mail addresses, telephone numbers and https URLs.
//
// Thread safety: value types and pure functions.

#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "domain/error.hpp"

namespace poort::domain {

/// A person to contact. JSON: {"naam", "email", "telefoon"}, all required.
struct contact {
  std::string name;   ///< 1..max_contact_name_chars code points
  std::string email;  ///< validate_email
  std::string phone;  ///< validate_phone
  bool operator==(const contact&) const = default;
};

inline constexpr std::size_t max_contact_name_chars = 200;
inline constexpr std::size_t max_email_bytes = 254;
inline constexpr std::size_t max_url_bytes = 2048;

/// A plausible address: one "@", a local part of 1..64 characters from
/// RFC 5322's atext and ".", a domain of at least two dot-separated labels of
/// letters, digits and inner hyphens; at most 254 bytes. Failure: email_invalid.
result<void> validate_email(std::string_view email) noexcept;

/// Digits with optional spaces, hyphens and parentheses, and an optional
/// leading "+"; 6..15 digits (E.164 at most 15), at most 32 characters.
/// Failure: phone_invalid.
result<void> validate_phone(std::string_view phone) noexcept;

/// An absolute https URL with a host, without user info or fragment, at most
/// 2048 bytes, without spaces or control characters. Failure: url_invalid.
result<void> validate_https_url(std::string_view url) noexcept;

}  // namespace poort::domain

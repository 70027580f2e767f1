#include "domain/contact.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

namespace poort::domain {
namespace {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// RFC 5322 atext, plus "." (dot-atom).
bool is_local_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || std::string_view{".!#$%&'*+/=?^_`{|}~-"}.contains(c);
}

bool valid_domain_label(std::string_view label) noexcept {
  return !label.empty() && label.size() <= 63 && label.front() != '-' && label.back() != '-' &&
         std::ranges::all_of(label, [](char c) { return is_alpha(c) || is_digit(c) || c == '-'; });
}

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return std::ranges::equal(a, b, [](char x, char y) {
    const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

}  // namespace

result<void> validate_email(std::string_view email) noexcept {
  const std::size_t at = email.find('@');
  if (email.size() > max_email_bytes || at == std::string_view::npos) return error::email_invalid;
  const std::string_view local = email.substr(0, at);
  std::string_view domain = email.substr(at + 1);
  if (local.empty() || local.size() > 64 || !std::ranges::all_of(local, is_local_char) ||
      local.front() == '.' || local.back() == '.' || local.contains(".."))
    return error::email_invalid;
  std::size_t labels = 0;
  while (true) {
    const std::size_t dot = domain.find('.');
    if (!valid_domain_label(domain.substr(0, dot))) return error::email_invalid;
    ++labels;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  if (labels < 2) return error::email_invalid;
  return {};
}

result<void> validate_phone(std::string_view phone) noexcept {
  if (phone.empty() || phone.size() > 32) return error::phone_invalid;
  std::size_t digits = 0;
  for (std::size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (is_digit(c))
      ++digits;
    else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || (c == '+' && i == 0)))
      return error::phone_invalid;
  }
  if (digits < 6 || digits > 15) return error::phone_invalid;
  return {};
}

result<void> validate_https_url(std::string_view url) noexcept {
  if (url.size() > max_url_bytes) return error::url_invalid;
  // parse_uri refuses spaces and control characters (RFC 3986).
  const auto parsed = boost::urls::parse_uri(boost::core::string_view{url.data(), url.size()});
  if (!parsed) return error::url_invalid;
  const boost::urls::url_view& u = *parsed;
  const auto scheme = u.scheme();
  if (!equals_ignoring_case(std::string_view{scheme.data(), scheme.size()}, "https") || !u.has_authority() ||
      u.encoded_host().empty() || u.has_userinfo() || u.has_fragment())
    return error::url_invalid;
  return {};
}

}  // namespace poort::domain

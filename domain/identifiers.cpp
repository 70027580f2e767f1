#include "domain/identifiers.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace poort::domain {
namespace {

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) noexcept { return std::ranges::all_of(s, is_digit); }

bool all_zeros(std::string_view s) noexcept {
  return std::ranges::all_of(s, [](char c) { return c == '0'; });
}

/// `n` digits, not all zeros.
bool plain_number(std::string_view s, std::size_t n) noexcept {
  return s.size() == n && all_digits(s) && !all_zeros(s);
}

bool nine_digits_eleven_test(std::string_view s) noexcept {
  return plain_number(s, 9) && passes_eleven_test(s);
}

enum class hex_case { lower, upper };

/// The case of a hex letter; nullopt for a digit (which has none).
std::optional<hex_case> hex_letter_case(char c) noexcept {
  if (c >= 'a' && c <= 'f') return hex_case::lower;
  if (c >= 'A' && c <= 'F') return hex_case::upper;
  return std::nullopt;
}

bool is_hex_digit(char c) noexcept { return is_digit(c) || hex_letter_case(c).has_value(); }

}  // namespace

bool passes_eleven_test(std::string_view digits) noexcept {
  if (digits.size() != 9 || !all_digits(digits)) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) sum += static_cast<int>(9 - i) * (digits[i] - '0');
  sum -= digits[8] - '0';
  return sum % 11 == 0;
}

result<void> validate_bsn(std::string_view bsn) noexcept {
  if (!nine_digits_eleven_test(bsn)) return error::bsn_invalid;
  return {};
}

result<void> validate_rsin(std::string_view rsin) noexcept {
  if (!nine_digits_eleven_test(rsin)) return error::rsin_invalid;
  return {};
}

result<void> validate_kvk(std::string_view kvk) noexcept {
  if (!plain_number(kvk, 8)) return error::kvk_invalid;
  return {};
}

result<void> validate_oin(std::string_view oin) noexcept {
  if (oin.size() != 20 || !all_digits(oin)) return error::oin_invalid;
  const std::string_view prefix = oin.substr(0, 8);
  const std::string_view rest = oin.substr(8);
  if (prefix == "00000001") {
    if (!rest.ends_with("000") || !nine_digits_eleven_test(rest.substr(0, 9))) return error::oin_invalid;
    return {};
  }
  if (prefix == "00000003") {
    if (!rest.ends_with("0000") || !plain_number(rest.substr(0, 8), 8)) return error::oin_invalid;
    return {};
  }
  constexpr std::array<std::string_view, 4> free_form{"00000002", "00000004", "00000006", "00000099"};
  if (std::ranges::find(free_form, prefix) == free_form.end() || all_zeros(rest)) return error::oin_invalid;
  return {};
}

result<std::string> oin_from_rsin(std::string_view rsin) {
  if (!nine_digits_eleven_test(rsin)) return error::rsin_invalid;
  return "00000001" + std::string{rsin} + "000";
}

result<std::string> oin_from_kvk(std::string_view kvk) {
  if (!plain_number(kvk, 8)) return error::kvk_invalid;
  return "00000003" + std::string{kvk} + "0000";
}

bool is_test_oin(std::string_view oin) noexcept { return oin.starts_with("00000099"); }

result<void> validate_gemeentecode(std::string_view code) noexcept {
  if (code.size() != 6 || !code.starts_with("GM") || !plain_number(code.substr(2), 4))
    return error::gemeentecode_invalid;
  return {};
}

result<void> validate_uuid(std::string_view uuid) noexcept {
  if (uuid.size() != 36) return error::uuid_invalid;
  std::optional<hex_case> seen_case;
  bool nil = true;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    const char c = uuid[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return error::uuid_invalid;
      continue;
    }
    if (!is_hex_digit(c)) return error::uuid_invalid;
    if (const auto k = hex_letter_case(c)) {
      if (seen_case && *seen_case != *k) return error::uuid_invalid;
      seen_case = k;
    }
    nil = nil && c == '0';
  }
  if (nil) return error::uuid_invalid;
  return {};
}

result<std::string> normalize_uuid(std::string_view uuid) {
  if (auto r = validate_uuid(uuid); !r) return r.error();
  std::string out{uuid};
  std::ranges::transform(
      out, out.begin(), [](char c) { return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

result<void> validate_vestigingsnummer(std::string_view number) noexcept {
  if (!plain_number(number, 12)) return error::vestigingsnummer_invalid;
  return {};
}

}  // namespace poort::domain

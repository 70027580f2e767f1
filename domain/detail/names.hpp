#pragma once
// Internal to poort::domain: tables between enumerators and their API names.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace poort::domain::detail {

template <class E, std::size_t N>
using name_table = std::array<std::pair<E, std::string_view>, N>;

/// The name of `e`, or "UNKNOWN" for a value outside the table.
template <class E, std::size_t N>
constexpr std::string_view name_of(const name_table<E, N>& names, E e) noexcept {
  for (const auto& [value, name] : names)
    if (value == e) return name;
  return "UNKNOWN";
}

/// The enumerator named exactly `s` (case-sensitive), or nullopt.
template <class E, std::size_t N>
constexpr std::optional<E> value_of(const name_table<E, N>& names, std::string_view s) noexcept {
  for (const auto& [value, name] : names)
    if (name == s) return value;
  return std::nullopt;
}

}  // namespace poort::domain::detail

#include "saml/assurance.hpp"

#include <array>
#include <utility>

namespace poort::saml {
namespace {
constexpr std::array<std::pair<assurance, std::string_view>, 5> levels{{
    {assurance::loa1, "urn:etoegang:core:assurance-class:loa1"},
    {assurance::loa2, "urn:etoegang:core:assurance-class:loa2"},
    {assurance::loa2plus, "urn:etoegang:core:assurance-class:loa2plus"},
    {assurance::loa3, "urn:etoegang:core:assurance-class:loa3"},
    {assurance::loa4, "urn:etoegang:core:assurance-class:loa4"},
}};
}  // namespace

std::optional<assurance> parse_assurance(std::string_view urn) noexcept {
  for (const auto& [level, name] : levels)
    if (name == urn) return level;
  return std::nullopt;
}

std::string_view assurance_urn(assurance a) noexcept {
  for (const auto& [level, name] : levels)
    if (level == a) return name;
  return {};
}

}  // namespace poort::saml

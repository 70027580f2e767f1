#pragma once
// eHerkenning levels of assurance (urn:etoegang:core:assurance-class:*),
// ordered loa1 < loa2 < loa2plus < loa3 < loa4.

#include <optional>
#include <string_view>

namespace poort::saml {

enum class assurance { loa1 = 1, loa2, loa2plus, loa3, loa4 };

/// The level named by exactly one of the five URNs; nullopt for anything
/// else (another prefix, "loa3x", trailing spaces, ...).
std::optional<assurance> parse_assurance(std::string_view urn) noexcept;
/// "urn:etoegang:core:assurance-class:loa3" etc.
std::string_view assurance_urn(assurance a) noexcept;

}  // namespace poort::saml

#pragma once
// SAML 2.0 artifacts (SAMLBind §3.6.4, type 0x0004) and the signed
// ArtifactResolve that redeems one over SOAP 1.1.
//
// Thread safety: pure functions, reentrant.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "saml/signature.hpp"

namespace poort::saml {

struct artifact {
  std::uint16_t endpoint_index = 0;          ///< the IdP's ArtifactResolutionService index
  std::array<std::uint8_t, 20> source_id{};  ///< SHA-1 of the issuer's entity ID
  std::array<std::uint8_t, 20> message_handle{};

  /// True if SourceID is SHA-1(`entity_id`).
  bool issued_by(std::string_view entity_id) const;
};

/// Parses a SAMLart value: base64 (at most 200 characters) of exactly 44
/// bytes, type code 0x0004. Failure: artifact_invalid.
result<artifact> parse_artifact(std::string_view samlart);

/// A fresh SAML ID: "_" followed by 40 hex digits (160 random bits).
std::string new_message_id(random& rng);

/// A signed ArtifactResolve, ready to POST.
struct artifact_resolve {
  std::string id;    ///< expect it as the ArtifactResponse's InResponseTo
  std::string soap;  ///< the SOAP 1.1 envelope (UTF-8 XML)
};

/// Builds `<samlp:ArtifactResolve>` for `samlart` from `sp_entity_id` to the
/// ArtifactResolutionService `destination`, signed with `key` (RSA-SHA256 or
/// ECDSA-SHA256, exc-c14n, enveloped; KeyInfo a KeyName when the key has
/// one), inside a SOAP 1.1 Envelope. ID and IssueInstant come from `rng`
/// and `clock`. Failures: artifact_invalid (not a valid artifact); key_invalid.
result<artifact_resolve> build_artifact_resolve(std::string_view samlart, std::string_view sp_entity_id,
                                                std::string_view destination, const signing_key& key,
                                                random& rng, const clock& clock);

}  // namespace poort::saml

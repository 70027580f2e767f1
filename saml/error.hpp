#pragma once
// Errors of the SAML module: one stable code per reason a message is refused.
//
// Each code has a snake_case name (`reason_code`) that is logged, printed by
// `poortctl saml verify` and never changes meaning. The category maps every
// code onto a `poort::condition`: a refused login is `reauthenticate` (the
// browser starts over, with a clear page for `authn_failed`), a broken input
// is `bad_request`, a broken configuration is `internal`.

#include <string_view>

#include "common/error.hpp"

namespace poort::saml {

enum class error {
  ok = 0,
  // parsing
  too_large,     ///< the input exceeds a size, depth or node limit
  doctype,       ///< the document has a DOCTYPE (internal subset or not)
  malformed,     ///< not well-formed XML, or not the SAML shape expected
  duplicate_id,  ///< two SAML elements carry the same ID
  // signatures
  signature_missing,    ///< a signature the policy requires is absent
  signature_profile,    ///< the signature breaks the SAML signature profile (XSW, transforms, Object, ...)
  signature_algorithm,  ///< SHA-1, HMAC or another algorithm below policy
  signature_invalid,    ///< the signed content was altered (a digest does not match)
  untrusted_key,        ///< not signed by any trusted IdP key
  decryption_failed,    ///< no configured SP key decrypts an encrypted element
  // protocol
  status_not_success,        ///< a Status other than Success (and not a cancel)
  authn_failed,              ///< the user cancelled or was not authenticated (Responder/AuthnFailed)
  assertion_count,           ///< not exactly one top-level Assertion
  issuer_mismatch,           ///< Issuer is not the IdP's entity ID
  audience_mismatch,         ///< no AudienceRestriction names our entity ID
  recipient_mismatch,        ///< bearer Recipient is not our ACS URL
  bearer_missing,            ///< no bearer SubjectConfirmation
  destination_mismatch,      ///< Response Destination is not our ACS URL
  in_response_to_unknown,    ///< InResponseTo is not the request we sent
  unsolicited,               ///< the Response has no InResponseTo
  expired,                   ///< NotOnOrAfter or IssueInstant age is past, beyond the skew
  not_yet_valid,             ///< NotBefore or IssueInstant is in the future, beyond the skew
  assurance_too_low,         ///< AuthnContextClassRef below the minimum, or not a known level
  service_mismatch,          ///< ServiceID / ServiceUUID is not the service requested
  legal_subject_missing,     ///< no LegalSubjectID (KvK number or RSIN)
  replayed,                  ///< the assertion ID was accepted before
  replay_cache_unavailable,  ///< the replay cache could not record the ID (fail closed)
  // artifacts and metadata
  artifact_invalid,  ///< a SAMLart that is not a type 0x0004 artifact of the right length
  metadata_invalid,  ///< IdP metadata that is malformed, unsigned when it must be, or has no entity
  metadata_expired,  ///< IdP metadata past its validUntil
  // configuration
  key_invalid,  ///< a configured key or certificate cannot be used
};

const error_category& saml_category() noexcept;

inline error_code make_error_code(error e) noexcept { return {static_cast<int>(e), saml_category()}; }

/// The stable snake_case name of `e` ("signature_invalid", "replayed", ...).
std::string_view reason_code(error e) noexcept;

/// A refusal: the stable code and a human-readable detail for the log. The
/// detail never carries identity values (KvK, RSIN, pseudonyms, NameID).
struct refusal {
  error reason = error::malformed;
  std::string detail;

  error_code code() const noexcept { return make_error_code(reason); }
};

}  // namespace poort::saml

namespace boost::system {
template <>
struct is_error_code_enum<poort::saml::error> : std::true_type {};
}  // namespace boost::system

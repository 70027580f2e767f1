#pragma once
// Validation of an eHerkenning login: a samlp:Response, a samlp:ArtifactResponse
// holding one, or a SOAP 1.1 envelope holding either. Every rule fails
// closed with one stable reason (saml/error.hpp), in this order (DESIGN §3):
//
//  1. parse safely (size, depth, no DOCTYPE, SAML IDs unique);
//  2. ArtifactResponse: its signature (required and verified), Status
//     Success, InResponseTo = our ArtifactResolve ID (when given);
//  3. Response: its signature (verified when present, before decryption),
//     Status (Responder/AuthnFailed -> authn_failed);
//  4. exactly one top-level Assertion or EncryptedAssertion; an
//     EncryptedAssertion is decrypted only when the ArtifactResponse or
//     Response around it carries a verified signature (else
//     signature_missing, before any decryption); EncryptedIDs and
//     EncryptedAttributes only after the Assertion's signature (step 5);
//     assertions inside Advice are never counted, read or trusted;
//  5. signatures: the Assertion's verified when present; it must be signed
//     when `want_assertions_signed`, and in any case something enclosing
//     it must be; only trusted IdP keys, never KeyInfo;
//  6. Issuer exact on every message and the Assertion;
//  7. Audience exact (every AudienceRestriction names our entity ID);
//  8. Destination exact when present; InResponseTo = our request
//     (absent: unsolicited); a bearer SubjectConfirmation with Recipient =
//     ACS URL, matching InResponseTo and a NotOnOrAfter still valid;
//  9. time: Conditions NotBefore/NotOnOrAfter, IssueInstants not in the
//     future nor older than `max_response_age`, all with `max_clock_skew`;
// 10. AuthnContextClassRef >= `minimum_assurance`;
// 11. ServiceID / ServiceUUID = the service requested (when given);
// 12. identity: LegalSubjectID (KvK and/or RSIN) required;
// 13. the assertion ID is new (replay cache).
//
// Thread safety: a `response_validator` is immutable after `create`;
// `validate` may run on several threads at once.

#include <chrono>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "config/config.hpp"
#include "saml/assurance.hpp"
#include "saml/dsig_verifier.hpp"
#include "saml/error.hpp"
#include "saml/replay_cache.hpp"
#include "saml/xml.hpp"

namespace poort::saml {

/// What a validator checks against; the same for every login at one IdP.
struct validator_settings {
  std::string sp_entity_id;   ///< our entity ID: Audience, EncryptedKey Recipient
  std::string acs_url;        ///< bearer Recipient and Response Destination
  std::string idp_entity_id;  ///< Issuer
  std::chrono::seconds max_clock_skew{60};
  std::chrono::seconds max_response_age{300};  ///< how old an IssueInstant may be
  assurance minimum_assurance = assurance::loa3;
  bool want_assertions_signed = true;
  parse_limits limits;
};

/// The settings from the daemon config for one IdP (entity ID from its
/// metadata) and our ACS URL. Failure: key_invalid if the configured
/// minimum assurance is not one of the five eHerkenning URNs.
result<validator_settings> settings_from_config(const config::saml& saml, std::string idp_entity_id,
                                                std::string acs_url);

/// What this particular login must answer.
struct expected_response {
  std::string request_id;           ///< the AuthnRequest ID we sent and have not consumed
  std::string artifact_resolve_id;  ///< our ArtifactResolve ID; empty for the POST binding
  std::string service_id;           ///< the ServiceID requested; empty: not checked
  std::string service_uuid;         ///< the ServiceUUID requested; empty: not checked
};

/// Who logged in. Identifier values are personal data: never log them.
struct identity {
  std::string idp_entity_id;
  std::string assertion_id;
  std::optional<std::string> name_id;
  std::optional<std::string> acting_subject_id;  ///< the eHerkenning specific pseudonym
  std::optional<std::string> kvk;                ///< LegalSubjectID, KvK number (8 digits)
  std::optional<std::string> rsin;               ///< LegalSubjectID, RSIN (9 digits)
  std::optional<std::string> vestigingsnr;       ///< ServiceRestriction (12 digits)
  std::optional<std::string> service_id;
  std::optional<std::string> service_uuid;
  assurance level = assurance::loa1;
  std::optional<std::string> session_index;
  std::optional<sys_time> authn_instant;
  sys_time not_on_or_after;  ///< the end of the bearer confirmation's validity
};

class response_validator {
 public:
  /// Loads the IdP's certificates as bare public keys and takes the SP's
  /// decryption keys, once. Failure: key_invalid.
  static result<response_validator> create(validator_settings settings,
                                           std::span<X509* const> idp_certificates,
                                           std::vector<evp_pkey_ptr> sp_keys);

  /// Validates `message` (see the file comment) at `clock.now()`, and on
  /// success records its assertion ID in `replays`.
  /// Success: the identity. Failure: the refusal with its reason code.
  checked<identity> validate(std::string_view message, const expected_response& expected, const clock& clock,
                             replay_cache& replays) const;

  const validator_settings& settings() const noexcept { return settings_; }

 private:
  response_validator(validator_settings s, trusted_keys k, std::vector<evp_pkey_ptr> sp)
      : settings_(std::move(s)), keys_(std::move(k)), sp_keys_(std::move(sp)) {}
  validator_settings settings_;
  trusted_keys keys_;
  std::vector<evp_pkey_ptr> sp_keys_;
};

}  // namespace poort::saml

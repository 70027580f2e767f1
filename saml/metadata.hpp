#pragma once
// SAML metadata: our signed SP metadata and eHerkenning service catalogue
// entry (generated from config), and the IdPs' metadata (loaded, checked).
//
// Thread safety: pure functions, reentrant.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "saml/assurance.hpp"
#include "saml/signature.hpp"

namespace poort::saml {

// --- our SP metadata ------------------------------------------------------

struct sp_service {
  unsigned index = 1;       ///< AttributeConsumingServiceIndex
  std::string service_id;   ///< urn:etoegang:DV:<OIN>:services:<index>; the RequestedAttribute Name
  std::string name;         ///< ServiceName (nl)
  std::string description;  ///< ServiceDescription (nl)
};

struct sp_metadata_params {
  std::string entity_id;
  std::string acs_url;                  ///< HTTP-Artifact AssertionConsumerService
  X509* current_certificate = nullptr;  ///< required
  X509* next_certificate = nullptr;     ///< optional: rollover
  std::vector<sp_service> services;     ///< the first is isDefault="true"
  std::string organization_name;        ///< optional Organization element
  std::string organization_url;
  std::optional<sys_time> valid_until;
};

/// A signed md:EntityDescriptor: SPSSODescriptor with AuthnRequestsSigned and
/// WantAssertionsSigned true, one KeyDescriptor (signing and encryption)
/// per certificate with KeyName = its SHA-256 fingerprint, the ACS, one
/// AttributeConsumingService per service; no NameIDFormat. The signature's
/// KeyInfo carries the signing certificate. The ID is derived from the
/// entity ID, so equal input gives equal output.
/// Failures: malformed (no certificate, no services, duplicate indexes); key_invalid.
result<std::string> build_sp_metadata(const sp_metadata_params& params, const signing_key& key);

/// The KeyName we publish for a certificate: lower-case hex SHA-256 of its DER.
std::string key_name_of(X509* cert);

// --- the eHerkenning service catalogue (urn:etoegang:1.13:service-catalog) ----

struct catalogue_service {
  std::string service_uuid;   ///< the ServiceDefinition UUID (mandates are registered on it)
  std::string instance_uuid;  ///< the ServiceInstance UUID
  std::string service_id;     ///< urn:etoegang:DV:<OIN>:services:<index>
  std::string name;           ///< <= 64 characters
  std::string description;    ///< <= 1024 characters
  std::string service_url;
  std::string privacy_policy_url;
  assurance level = assurance::loa3;
};

struct service_catalogue_params {
  std::string oin;                        ///< ServiceProviderID
  std::string organization_display_name;  ///< <= 64 characters
  std::string broker_oin;                 ///< HerkenningsmakelaarId
  std::string version;                    ///< e.g. "urn:etoegang:1.13:53"
  std::vector<catalogue_service> services;
  X509* encryption_certificate = nullptr;
  /// Optional, during a rollover: the next certificate, published beside the
  /// current one in every ServiceInstance (as the SP metadata does).
  X509* next_certificate = nullptr;
};

/// A signed esc:ServiceCatalogue with one ServiceDefinition and
/// ServiceInstance per service; entity-concerned types {RSIN, KvKnr} and
/// {KvKnr}, Vestigingsnr restriction allowed; each ServiceInstance's
/// ServiceCertificate is the current certificate, followed by a second one
/// with the next certificate when set. Failures: malformed (a name
/// or description over its limit, no services, no certificate); key_invalid.
result<std::string> build_service_catalogue(const service_catalogue_params& params, const signing_key& key,
                                            random& rng, const clock& clock);

// --- IdP metadata -------------------------------------------------------------

struct endpoint {
  std::string binding;
  std::string location;
};

struct idp_metadata {
  std::string entity_id;
  std::vector<x509_ptr> signing_certificates;
  std::vector<endpoint> single_sign_on;
  std::map<unsigned, endpoint> artifact_resolution;  ///< by index
  std::optional<sys_time> valid_until;
};

/// Loads the IdP `entity_id` (empty: the only IdP in the file) from an
/// md:EntityDescriptor or md:EntitiesDescriptor. When `metadata_signer` is
/// set, the root element must carry a valid signature by its key.
/// Failures: metadata_invalid (malformed, no such IdP, no signing
/// certificate, unsigned or badly signed when a signer is set);
/// metadata_expired (validUntil passed).
result<idp_metadata> parse_idp_metadata(std::string_view xml, std::string_view entity_id,
                                        X509* metadata_signer, const clock& clock);

}  // namespace poort::saml

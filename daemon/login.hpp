#pragma once
// Builds the login area from config (the file I/O part): our SAML signing key
// and certificates, each IdP's metadata file, the decryption keys, the TLS
// contexts of the artifact client; and the documents we hand to a broker
// (signed SP metadata, service catalogue entry) for `poortctl`.
//
// Called from `server_impl::build_runtime`, so SIGHUP reloads IdP metadata and
// keys; a reload whose metadata cannot be loaded is refused as a whole.
//
// Thread safety: reentrant.

#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "routing/login_routes.hpp"
#include "store/database.hpp"

namespace poort::daemon {

/// The login services for `cfg` (REQUIRES: cfg->saml.enabled). `db`, `clock`
/// and `rng` must outlive the result. Failure: the error of the first file
/// or metadata that cannot be used (logged with the IdP and file).
result<std::shared_ptr<const routing::login_services>> make_login_services(
    std::shared_ptr<const config::config> cfg, store::database& db, const clock& clock, random& rng);

/// Our signed SP metadata (saml/metadata.hpp `build_sp_metadata`): entity ID,
/// the ACS <base_url>/saml/acs (HTTP-Artifact), the current and, during a
/// rollover, the next certificate, one AttributeConsumingService per service.
/// Failure: a key or certificate that cannot be loaded, or saml::error.
result<std::string> sp_metadata_xml(const config::config& cfg);

/// What the service catalogue needs beyond the config.
struct catalogue_options {
  std::string broker_oin;          ///< HerkenningsmakelaarId: the broker's OIN
  std::string version;             ///< e.g. "urn:etoegang:1.13:53"
  std::string privacy_policy_url;  ///< default: <base_url>/privacy
};

/// The signed eHerkenning service catalogue entry for our services: each
/// service's ServiceUUID is the ServiceDefinition; its ServiceInstance UUID is
/// derived from it (UUIDv5, name "poort:service-instance"), so the entry is
/// stable across runs. Failure: as `sp_metadata_xml`.
result<std::string> service_catalogue_xml(const config::config& cfg, const catalogue_options& o,
                                          const clock& clock, random& rng);

}  // namespace poort::daemon

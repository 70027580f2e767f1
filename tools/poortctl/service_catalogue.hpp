#pragma once
// `poortctl service-catalogue`: the eHerkenning service catalogue entry we
// hand to the broker, built from config (saml/metadata.hpp
// `build_service_catalogue`) and signed with our SAML signing key.
//
// Thread safety: reentrant.

#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"

namespace poort::poortctl {

/// What the service catalogue needs beyond the config.
struct catalogue_options {
  std::string broker_oin;          ///< HerkenningsmakelaarId: the broker's OIN
  std::string version;             ///< e.g. "urn:etoegang:1.13:53"
  std::string privacy_policy_url;  ///< default: <base_url>/privacy
};

/// The signed eHerkenning service catalogue entry for our services: each
/// service's ServiceUUID is the ServiceDefinition; its ServiceInstance UUID is
/// derived from it (UUIDv5, name "poort:service-instance"), so the entry is
/// stable across runs. Failure: a key or certificate that cannot be loaded
/// (daemon/login.hpp `load_signing_key`), or saml::error.
result<std::string> service_catalogue_xml(const config::config& cfg, const catalogue_options& o,
                                          const clock& clock, random& rng);

}  // namespace poort::poortctl

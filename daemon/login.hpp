#pragma once
// Builds the login area from config (the file I/O part): our SAML signing key
// and certificates, each IdP's metadata file, the decryption keys, the TLS
// contexts of the artifact client; and our signed SP metadata (served at
// /saml/metadata, printed by `poortctl sp-metadata`).
//
// Called from `server_impl::build_runtime`, so SIGHUP reloads IdP metadata and
// keys; a reload whose metadata cannot be loaded is refused as a whole.
//
// Thread safety: reentrant.

#include <memory>
#include <string>

#include "auth/session_store.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "routing/login_routes.hpp"
#include "saml/signature.hpp"

namespace poort::daemon {

/// The login services for `cfg` (REQUIRES: cfg->saml.enabled), keeping
/// sessions, AuthnRequests and assertion IDs in `sessions` (e.g. an
/// auth::database_session_store on the daemon's store). `clock` and `rng` must
/// outlive the result. Failure: the error of the first file or metadata that
/// cannot be used (logged with the IdP and file).
result<std::shared_ptr<const routing::login_services>> make_login_services(
    std::shared_ptr<const config::config> cfg, std::shared_ptr<auth::session_store> sessions,
    const clock& clock, random& rng);

/// Our SAML signing key and its certificate (`saml.signing_key`,
/// `saml.signing_certificate`). Failure: a file that cannot be loaded (logged
/// with the file name), or a key unfit for signing.
result<saml::signing_key> load_signing_key(const config::saml& saml);

/// Our signed SP metadata (saml/metadata.hpp `build_sp_metadata`): entity ID,
/// the ACS <base_url>/saml/acs (HTTP-Artifact), the current and, during a
/// rollover, the next certificate, one AttributeConsumingService per service.
/// Failure: a key or certificate that cannot be loaded, or saml::error.
result<std::string> sp_metadata_xml(const config::config& cfg);

}  // namespace poort::daemon

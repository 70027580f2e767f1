#pragma once
// The login area of the portal (DESIGN §3; documented in api/login.openapi.json):
//
//   GET  /saml/login?service=casework|signing|admin[&idp=NAME][&target=/path]
//                        303 to the IdP (HTTP-Redirect binding, signed AuthnRequest)
//   GET  /saml/acs       SAMLart + RelayState (Artifact binding, resolved over mTLS)
//   POST /saml/acs       form: SAMLart or SAMLResponse (HTTP-POST binding) + RelayState
//                        success: 303 to the stored target with the session cookie;
//                        refusal: a Dutch HTML page (cancelled, unknown organisation,
//                        expired, failed, unavailable), never a 500 for a user's doing
//   POST /saml/logout    ends the session (X-CSRF-Token); 204 and the cookie cleared
//   GET  /saml/metadata  our signed SP metadata
//   GET  /api/v1/sessie  the logged-in user (role, gemeentecode, csrfToken) as JSON
//
// Every login and every refusal is audited ("login", "success" or
// "denied:<reason>"); a logout as ("logout", "success").
//
// Thread safety: `login_services` is immutable and shared by all threads.

#include <memory>
#include <string>

#include "auth/login.hpp"
#include "auth/session.hpp"
#include "auth/user.hpp"
#include "common/error.hpp"
#include "routing/http.hpp"

namespace poort::routing {

struct login_services {
  std::shared_ptr<const auth::login_flow> flow;
  std::shared_ptr<const auth::session_manager> sessions;
  /// Posts an ArtifactResolve to an IdP (daemon/artifact_client.hpp).
  auth::soap_transport soap;
  /// Our signed SP metadata, served at /saml/metadata.
  std::string sp_metadata;
};

/// The logged-in user of `req` from its session cookie: what the daemon
/// installs as `services::authenticate_user`. Failure: an auth::session_error
/// (condition reauthenticate) or a store error.
result<auth::user> authenticate_session(const login_services& s, const request& req);

}  // namespace poort::routing

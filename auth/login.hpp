#pragma once
// The eHerkenning login of the portal (DESIGN §3), without sockets:
//
//   begin:  service key (+ optional IdP name, return path)
//           -> AuthnRequest stored in the session store (ID, RelayState
//              key -> path, service, IdP; auth/session_store.hpp)
//           -> the IdP's HTTP-Redirect SSO URL with the signed request
//   finish: SAMLart (resolved by a signed ArtifactResolve through the
//           injected `soap_transport`) or SAMLResponse (HTTP-POST binding,
//           only from an IdP with `accept_post_binding`), with the RelayState
//           -> the stored request, consumed once and only within
//              saml.request_lifetime_s
//           -> saml::response_validator (replay cache in the session store)
//           -> role from the IdP's role mapping and the service; a
//              branch-restricted (Vestigingsnr) mandate cannot sign
//           -> municipality from KvK number, else RSIN (the session store's
//              registry lookup)
//           -> the user for a new session, and the path to return to.
//
// Every refusal carries one stable reason (a saml::reason_code or a
// login_error code), the page to show and the HTTP status. The caller audits
// it ("login", "denied:<reason>") and logs the detail, which never holds an
// identifier of a person or organisation.
//
// The AuthnRequest goes by HTTP-Redirect only: the portal's CSP has
// `form-action 'self'` and allows no inline script, so an auto-submitted
// HTTP-POST form to the IdP cannot work. An IdP whose metadata has no
// HTTP-Redirect SingleSignOnService is refused when loaded.
//
// Thread safety: a `login_flow` is immutable after construction; `begin` and
// `finish` may run on several threads at once (they block on the store and
// on the transport: call them from worker threads).

#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/session_store.hpp"
#include "auth/store_replay_cache.hpp"
#include "auth/user.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "saml/response.hpp"
#include "saml/signature.hpp"

namespace poort::auth {

/// Reasons of the login flow itself (the SAML checks have saml::error).
enum class login_error {
  ok = 0,
  service_unknown,             ///< /saml/login names no configured service          -> bad_request
  idp_unknown,                 ///< no (fitting) IdP for the service, or not configured -> bad_request
  target_invalid,              ///< the return path is not a local path                -> bad_request
  too_many_pending,            ///< too many unanswered AuthnRequests stored           -> unavailable
  relay_state_missing,         ///< the ACS got no (well-formed) RelayState            -> reauthenticate
  relay_state_unknown,         ///< no AuthnRequest has this RelayState                 -> reauthenticate
  request_consumed,            ///< the AuthnRequest was answered before (a replay)     -> reauthenticate
  request_expired,             ///< older than saml.request_lifetime_s                  -> reauthenticate
  message_missing,             ///< neither SAMLart nor SAMLResponse                    -> reauthenticate
  binding_not_allowed,         ///< a SAMLResponse (HTTP-POST) from an artifact-only IdP -> reauthenticate
  artifact_issuer_mismatch,    ///< the artifact's SourceID is not the IdP asked         -> reauthenticate
  artifact_endpoint_unknown,   ///< no SOAP ArtifactResolutionService with that index    -> reauthenticate
  artifact_resolution_failed,  ///< the IdP could not be reached or answered badly       -> unavailable
  service_not_allowed,         ///< the asserted service gives no role at this IdP       -> forbidden
  acting_subject_missing,      ///< neither ActingSubjectID nor NameID                   -> reauthenticate
  organisation_unknown,        ///< KvK number / RSIN of no municipality in the registry -> forbidden
  branch_restricted,           ///< a branch's (Vestigingsnr) mandate at the signing service -> forbidden
  internal_error,              ///< signing a request failed (a key problem)             -> internal
};

const error_category& login_category() noexcept;
inline error_code make_error_code(login_error e) noexcept { return {static_cast<int>(e), login_category()}; }
/// Stable snake_case code, e.g. "organisation_unknown".
std::string_view reason_code(login_error e) noexcept;

/// One HTTP POST of a SOAP message to an IdP's ArtifactResolutionService.
struct soap_call {
  std::string idp;           ///< config name of the IdP (selects its TLS settings)
  std::string url;           ///< https:// location from the IdP's metadata
  std::string content_type;  ///< "text/xml" or "application/soap+xml" (config)
  std::string body;
};
/// Sends `call` over mutual TLS and returns the response body (HTTP 200 with
/// a SOAP content type). Failure: any error; the login is then refused with
/// artifact_resolution_failed.
using soap_transport = std::function<result<std::string>(const soap_call&)>;

/// An IdP ready for logins: its config, what its metadata says, and the
/// validator built from both.
struct idp_profile {
  config::identity_provider config;
  std::string entity_id;
  std::string sso_redirect_url;                         ///< HTTP-Redirect SingleSignOnService
  std::map<unsigned, std::string> artifact_resolution;  ///< SOAP ArtifactResolutionService by index
  std::shared_ptr<const saml::response_validator> validator;
};

/// Builds the profile of `idp` from its metadata document (checked against
/// `metadata_signer` when not null) and our config; `sp_keys` decrypt the
/// EncryptedIDs. Failure: metadata_invalid (also when there is no
/// HTTP-Redirect SSO endpoint), metadata_expired, key_invalid.
result<idp_profile> make_idp_profile(const config::saml& saml, const config::identity_provider& idp,
                                     std::string_view metadata_xml, X509* metadata_signer,
                                     std::vector<evp_pkey_ptr> sp_keys, const clock& clock);

/// The page a refused login shows (Dutch, server-rendered by routing).
enum class login_page {
  cancelled,             ///< the user cancelled at the IdP (AuthnFailed)
  unknown_organisation,  ///< logged in for an organisation that is no municipality we know
  assurance_too_low,     ///< the login means is below the required level (EH3)
  expired,               ///< the login took too long or was answered already: start again
  failed,                ///< anything else that is refused
  unavailable,           ///< the IdP or the store cannot be reached now
};

struct login_refusal {
  std::string reason;  ///< stable code: saml::reason_code or login reason_code
  std::string detail;  ///< for the log; never identifiers
  login_page page = login_page::failed;
  int status = 400;                 ///< HTTP status of the page
  std::string service;              ///< the service asked for, when known ("try again" link)
  std::string idp;                  ///< the IdP's config name, when known
  std::string actor = "anonymous";  ///< audit actor: "user:<idp>:<pseudonym>" once known
};

template <class T>
using login_result = std::expected<T, login_refusal>;

/// What the ACS received.
struct acs_input {
  std::string samlart;        ///< SAMLart (GET query or POST form), or ""
  std::string saml_response;  ///< SAMLResponse (base64, HTTP-POST binding), or ""
  std::string relay_state;
};

struct login_success {
  user who;            ///< without session id hash and CSRF token (session_manager sets them)
  std::string target;  ///< local path to go to
};

/// True for a local absolute path that is safe to redirect to: starts with
/// one '/', at most 512 characters of visible ASCII, no '\\'.
bool is_local_path(std::string_view target) noexcept;

class login_flow {
 public:
  /// Most pending (unanswered, unexpired) AuthnRequests kept at once.
  static constexpr std::int64_t max_pending_requests = 100'000;

  /// `clock` and `rng` must outlive the flow. `idps` are the loaded
  /// profiles of `cfg->saml.identity_providers` (by config name).
  /// REQUIRES: `store` is not null.
  login_flow(std::shared_ptr<const config::config> cfg, saml::signing_key key, std::vector<idp_profile> idps,
             std::shared_ptr<session_store> store, const clock& clock, random& rng);

  /// Starts a login for service `service` ("casework", "signing", "admin")
  /// (and purges expired AuthnRequests and replay-cache entries)
  /// at IdP `idp` (its config name; "" = the first IdP whose role mapping fits
  /// the service: "administrator" for admin, else "municipality"), returning
  /// to `target` afterwards. Success: the URL to redirect the browser to.
  /// Failure: service_unknown, idp_unknown, target_invalid, too_many_pending,
  /// a store error (page unavailable) or key_invalid (page failed, 500).
  login_result<std::string> begin(std::string_view service, std::string_view idp,
                                  std::string_view target) const;

  /// Completes a login at the ACS (see the file comment for the order).
  /// Success: the user and the path to go to. Failure: the refusal.
  login_result<login_success> finish(const acs_input& in, const soap_transport& soap) const;

  std::string acs_url() const { return cfg_->saml.base_url + "/saml/acs"; }

 private:
  const idp_profile* find_idp(std::string_view name) const;
  /// The SAML message of an ACS request: resolved by artifact over `soap`
  /// (setting `expected.artifact_resolve_id`) or decoded from SAMLResponse.
  login_result<std::string> answer_message(const acs_input& in, const idp_profile& idp,
                                           saml::expected_response& expected,
                                           const soap_transport& soap) const;

  std::shared_ptr<const config::config> cfg_;
  saml::signing_key key_;
  std::vector<idp_profile> idps_;
  std::shared_ptr<session_store> store_;
  const clock& clock_;
  random& rng_;
  mutable store_replay_cache replays_;  // thread-safe; `validate` takes it non-const
};

}  // namespace poort::auth

namespace boost::system {
template <>
struct is_error_code_enum<poort::auth::login_error> : std::true_type {};
}  // namespace boost::system

#pragma once
// The eHerkenning AuthnRequest: asks for the Artifact binding, ForceAuthn,
// the service by AttributeConsumingServiceIndex, optionally a minimum level
// of assurance; sent signed by HTTP-POST (enveloped XML signature) or by
// HTTP-Redirect (DEFLATE + query signature over SAMLRequest, RelayState,
// SigAlg).
//
// Thread safety: pure functions, reentrant.

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/random.hpp"
#include "saml/assurance.hpp"
#include "saml/signature.hpp"

namespace poort::saml {

struct authn_request_params {
  std::string sp_entity_id;
  std::string destination;  ///< the IdP's SingleSignOnService location
  std::string acs_url;      ///< AssertionConsumerServiceURL (HTTP-Artifact)
  std::optional<unsigned> attribute_consuming_service_index;
  /// When set: RequestedAuthnContext Comparison="minimum" with this level.
  std::optional<assurance> requested_assurance;
};

struct authn_request {
  std::string id;   ///< remember it until the response comes (InResponseTo)
  std::string xml;  ///< the request document
};

/// The request for the HTTP-POST binding, with an enveloped signature
/// (exc-c14n, SHA-256, RSA/ECDSA-SHA256). Post `post_form_value(xml)` as
/// the SAMLRequest form field. Failure: key_invalid.
result<authn_request> build_authn_request_post(const authn_request_params& params, const signing_key& key,
                                               random& rng, const clock& clock);

/// base64 of `xml`: the value of the SAMLRequest form field.
std::string post_form_value(std::string_view xml);

/// The request for the HTTP-Redirect binding: `xml` is unsigned, and
/// `url` is the destination with "?SAMLRequest=..&RelayState=..&SigAlg=..&Signature=..",
/// the signature (RSA-SHA256) over the encoded query as sent.
struct redirect_request {
  std::string id;
  std::string xml;
  std::string url;
};
/// Failures: malformed (RelayState longer than 80 bytes); key_invalid (not
/// an RSA key, or signing failed).
result<redirect_request> build_authn_request_redirect(const authn_request_params& params,
                                                      std::string_view relay_state, const signing_key& key,
                                                      random& rng, const clock& clock);

/// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view s);

}  // namespace poort::saml

#pragma once
// The outbound HTTPS client of the login: posts a signed ArtifactResolve to
// an IdP's ArtifactResolutionService (SOAP 1.1) over mutual TLS and returns
// the answer (DESIGN §3; eherkenning.md §1).
//
// Per IdP, one `https_client` (daemon/https_client.hpp, shared with the push):
//   - our certificate: saml.tls_client_certificate / tls_client_key (the
//     PKIoverheid certificate with our OIN, which the broker checks);
//   - the server verified against the IdP's `artifact_resolution_ca` bundle,
//     with the host name (or IP address) of the URL checked against the
//     certificate; TLS 1.2 or 1.3 with poort's cipher policy (daemon/tls.hpp).
// Per call: a fresh connection ("Connection: close"), a deadline of
// `total_timeout` over resolve, connect, handshake, write and read; a
// response head of at most 16 KiB and a body of at most `max_response_bytes`;
// the answer must be 200 with a SOAP content type. URLs come from the IdP's
// trusted metadata, never from the request, so no address filter applies
// (loopback is allowed: tests).
//
// `post` blocks the calling thread (a worker thread of the ACS handler) for
// at most `total_timeout`; it runs its own private io_context.
//
// Thread safety: immutable after `create`; `post` may run on several threads.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "auth/login.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "daemon/https_client.hpp"

namespace poort::daemon {

class artifact_client {
 public:
  static constexpr std::size_t max_response_bytes = 1024 * 1024;
  static constexpr std::chrono::seconds total_timeout{10};

  /// Builds a TLS context per IdP of `saml`. Failure: io_error or
  /// crypto_error (a file cannot be loaded; logged with its name).
  static result<artifact_client> create(const config::saml& saml);

  /// POSTs `call.body` to `call.url` with the TLS context of `call.idp`.
  /// Success: the response body. Failures (each logged with the step and
  /// reason): invalid_argument (unknown IdP, not an https URL), io_error
  /// (resolve, connect, TLS or HTTP failed or timed out; a status other than
  /// 200; not a SOAP content type), limit_exceeded (answer too large).
  result<std::string> post(const auth::soap_call& call) const;

 private:
  std::map<std::string, std::shared_ptr<const https_client>, std::less<>> clients_;
};

}  // namespace poort::daemon

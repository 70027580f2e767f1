#pragma once
// TLS contexts for the listeners, built from config with poort's fixed policy
// (issue #2, NCSC TLS guidelines):
//   - TLS 1.2 and 1.3 only; TLS 1.2 suites ECDHE-ECDSA/ECDHE-RSA with AES-GCM or
//     CHACHA20-POLY1305; groups X25519, P-256, P-384; signature algorithms
//     SHA-256 or stronger; no renegotiation, no compression, no 0-RTT, no session
//     resumption (every connection is verified afresh against the current CRLs),
//     no TLS 1.3 tickets (DESIGN §9: they cost a re-parse of the client chain).
//   - ECDSA and RSA (>= 3072) server certificates, several per listener.
//   - system listener: client certificate required, chained to the configured CA
//     bundle, every certificate of the chain checked against the CRLs
//     (X509_V_FLAG_CRL_CHECK_ALL; no CRLs only with crl_optional), EKU
//     clientAuth present.
//
// Every OpenSSL callback is installed with the raw API and carries no heap
// state, so that a context may be freed (on reload) while old connections
// still use it: each SSL object holds its own reference to the SSL_CTX.

#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "config/config.hpp"
#include "routing/metrics.hpp"

namespace poort::daemon {

/// Builds the server context for `l`. Fails (with a log line naming the file)
/// when a certificate, key, CA bundle or CRL cannot be loaded.
result<std::shared_ptr<boost::asio::ssl::context>> make_server_context(const config::listener& l);

/// Adds every CRL in the PEM file `file` (at most 16 MiB) to `store`: the
/// listeners' client CRLs and the outbound client's server CRLs. False when
/// the file cannot be read or holds no CRL.
bool add_crls(X509_STORE* store, const std::filesystem::path& file);

/// Why a handshake on `ssl` failed, for metrics and the log.
routing::refusal classify_handshake_failure(SSL* ssl, const error_code& ec);

/// The cipher and group policy strings, exposed for tests and the bench.
inline constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
inline constexpr const char* tls13_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
inline constexpr const char* tls_groups = "X25519:P-256:P-384";
inline constexpr const char* tls_sigalgs =
    "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ed25519:"
    "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"
    "rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:"
    "RSA+SHA256:RSA+SHA384:RSA+SHA512";

}  // namespace poort::daemon

#include "daemon/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/error.hpp>

#include "common/crypto.hpp"
#include "common/log.hpp"

namespace poort::daemon {
namespace ssl = boost::asio::ssl;
namespace {

// Depth-0 check on top of OpenSSL's chain verification: the client
// certificate must explicitly carry the clientAuth EKU (a certificate without
// any EKU would pass OpenSSL's purpose check).
int verify_client(int preverify_ok, X509_STORE_CTX* store) {
  if (!preverify_ok) return 0;
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  if (cert == nullptr) return 0;
  const uint32_t flags = X509_get_extension_flags(cert);
  if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_INVALID_PURPOSE);
    return 0;
  }
  return 1;
}

error_code fail(std::string_view what, const config::path& file) {
  log::error("tls.load_failed",
             {{"what", what}, {"file", file.string()}, {"openssl", openssl_error_string()}});
  return make_error_code(common_error::crypto_error);
}

}  // namespace

bool add_crls(X509_STORE* store, const std::filesystem::path& file) {
  auto text = read_file(file, 16u << 20);
  if (!text) return false;
  bio_ptr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  int loaded = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_crl(store, crl);
    X509_CRL_free(crl);
    ++loaded;
  }
  ERR_clear_error();
  return loaded > 0;
}

result<std::shared_ptr<ssl::context>> make_server_context(const config::listener& l) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* c = ctx->native_handle();

  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
                             SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_ECDH_USE |
                             SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  SSL_CTX_clear_options(c, SSL_OP_NO_EXTENDED_MASTER_SECRET);
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(c, 0);
  SSL_CTX_set_max_early_data(c, 0);
  if (SSL_CTX_set_cipher_list(c, tls12_ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(c, tls13_ciphersuites) != 1 || SSL_CTX_set1_groups_list(c, tls_groups) != 1 ||
      SSL_CTX_set1_sigalgs_list(c, tls_sigalgs) != 1 ||
      SSL_CTX_set1_client_sigalgs_list(c, tls_sigalgs) != 1) {
    return fail("policy", {});
  }

  for (const auto& sc : l.certificates) {
    if (SSL_CTX_use_certificate_chain_file(c, sc.certificate.c_str()) != 1)
      return fail("certificate", sc.certificate);
    if (SSL_CTX_use_PrivateKey_file(c, sc.private_key.c_str(), SSL_FILETYPE_PEM) != 1)
      return fail("private_key", sc.private_key);
    if (SSL_CTX_check_private_key(c) != 1) return fail("key_mismatch", sc.private_key);
  }

  if (l.kind == config::listener_kind::system) {
    X509_STORE* store = SSL_CTX_get_cert_store(c);
    auto bundle = read_file(l.client_ca_bundle, 4u << 20);
    if (!bundle) return fail("client_ca_bundle", l.client_ca_bundle);
    auto cas = parse_certificates_pem(*bundle);
    if (!cas) return fail("client_ca_bundle", l.client_ca_bundle);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    for (auto& ca : *cas) {
      X509_STORE_add_cert(store, ca.get());
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(ca.get())));
    }
    SSL_CTX_set_client_CA_list(c, names);
    for (const auto& crl_file : l.crl_files)
      if (!add_crls(store, crl_file)) return fail("crl", crl_file);
    // Revocation of the whole chain: an intermediate CA revoked by its issuer
    // takes every certificate under it down. So each CA needs its CRL.
    unsigned long flags = X509_V_FLAG_X509_STRICT;
    if (!l.crl_files.empty()) flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
    X509_STORE_set_flags(store, flags);
    X509_STORE_set_purpose(store, X509_PURPOSE_SSL_CLIENT);
    SSL_CTX_set_verify_depth(c, 5);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE,
                       verify_client);
  } else {
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  }
  return ctx;
}

routing::refusal classify_handshake_failure(SSL* ssl, const error_code& ec) {
  using routing::refusal;
  if (ssl != nullptr) {
    switch (SSL_get_verify_result(ssl)) {
      case X509_V_OK: break;
      case X509_V_ERR_CERT_HAS_EXPIRED:
      case X509_V_ERR_CERT_NOT_YET_VALID: return refusal::expired;
      case X509_V_ERR_CERT_REVOKED: return refusal::revoked;
      case X509_V_ERR_INVALID_PURPOSE: return refusal::wrong_purpose;
      default: return refusal::untrusted;
    }
  }
  if (ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
    return refusal::no_certificate;
  return refusal::handshake_failed;
}

}  // namespace poort::daemon

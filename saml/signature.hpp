#pragma once
// XML signatures we make, with xmlsec1: enveloped, exc-c14n, SHA-256 digest,
// RSA- or ECDSA-SHA256, over our AuthnRequests, ArtifactResolves and
// metadata. (Signatures we receive are verified by saml/dsig_verifier.hpp.)
//
// Thread safety: `signing_key` is immutable after `create` and may be shared
// between threads; the functions are reentrant.

#include <xmlsec/keys.h>

#include <memory>
#include <string>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "saml/xml.hpp"

namespace poort::saml {

struct xmlsec_key_deleter {
  void operator()(xmlSecKey* k) const noexcept { xmlSecKeyDestroy(k); }
};
using xmlsec_key_ptr = std::unique_ptr<xmlSecKey, xmlsec_key_deleter>;

/// Our own signing key (RSA or EC), with its certificate for KeyInfo and
/// metadata, loaded once.
class signing_key {
 public:
  /// `certificate` may be null (then only `key_info::none` / `key_name`).
  /// Failure: key_invalid (not an RSA or EC private key, or an xmlsec1 failure).
  static result<signing_key> create(evp_pkey_ptr key, x509_ptr certificate, std::string key_name = {});

  EVP_PKEY* private_key() const noexcept { return key_.get(); }
  X509* certificate() const noexcept { return certificate_.get(); }
  const std::string& key_name() const noexcept { return key_name_; }
  /// The XML-DSig SignatureMethod URI this key signs with (RSA- or ECDSA-SHA256).
  std::string_view signature_method() const noexcept;
  const xmlSecKey* xmlsec_key() const noexcept { return xmlsec_key_.get(); }

 private:
  evp_pkey_ptr key_;
  x509_ptr certificate_;
  std::string key_name_;
  xmlsec_key_ptr xmlsec_key_;
};

/// What KeyInfo a signature we make carries.
enum class key_info { none, key_name, certificate };

/// Signs `element` (its ID registered) with an enveloped signature: exc-c14n,
/// SHA-256 digest, RSA- or ECDSA-SHA256. The Signature goes right after a
/// leading saml:Issuer child, else first. Failure: key_invalid.
result<void> sign_enveloped(xmlDoc* doc, xmlNode* element, const signing_key& key, key_info info);

/// Parses `xml` (one of our own documents), signs its root element, or the
/// message in its SOAP Body, with `sign_enveloped`, and serialises it.
/// Failures: key_invalid; malformed (not well-formed, no ID on the element).
result<std::string> sign_document(std::string_view xml, const signing_key& key, key_info info);

/// The base64 of a certificate's DER encoding (for X509Certificate elements).
std::string certificate_base64(X509* cert);

/// Bare xmlsec1 key for an OpenSSL key (public or private); shares `key`.
xmlsec_key_ptr make_xmlsec_key(EVP_PKEY* key);

}  // namespace poort::saml

#pragma once
// XML signatures under the SAML signature profile (OpenSAML's
// SignatureProfileValidator, tightened), verified and made with xmlsec1.
//
// Verification accepts exactly this shape, as a direct child of the signed
// element E:
//   <ds:Signature>
//     <ds:SignedInfo>  exc-c14n; RSA- or ECDSA-SHA256/384/512
//       exactly one <ds:Reference URI="#<ID of E>">, where the document's ID
//       table maps that ID to E itself (node pointer, not a string search);
//       transforms: enveloped and exc-c14n (InclusiveNamespaces allowed);
//       digest SHA-256/384/512
//     <ds:SignatureValue/> [<ds:KeyInfo/> ignored]   no <ds:Object>
// The key is one of the trusted IdP keys, never one from KeyInfo.
//
// Thread safety: `trusted_keys` and `signing_key` are immutable after
// `create` and may be shared between threads; the functions are reentrant.

#include <xmlsec/keys.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "saml/xml.hpp"

namespace poort::saml {

struct xmlsec_key_deleter {
  void operator()(xmlSecKey* k) const noexcept { xmlSecKeyDestroy(k); }
};
using xmlsec_key_ptr = std::unique_ptr<xmlSecKey, xmlsec_key_deleter>;

/// The public keys of the certificates an IdP signs with, each loaded once
/// as a bare xmlsec1 key (no certificate processing per message).
class trusted_keys {
 public:
  /// Success: one key per certificate. Failure: key_invalid (no
  /// certificates, or a key that is neither RSA >= 2048 bits nor EC).
  static result<trusted_keys> create(std::span<X509* const> certificates);

  struct entry {
    int evp_type;  ///< EVP_PKEY_RSA or EVP_PKEY_EC
    xmlsec_key_ptr key;
  };
  const std::vector<entry>& entries() const noexcept { return entries_; }

 private:
  std::vector<entry> entries_;
};

/// Verifies the signature that is a direct child of `element` (a SAML
/// element whose ID has been registered with `register_saml_ids`).
/// Success: false if `element` has no ds:Signature child; true if it has one
/// that meets the profile and verifies under one of `keys`.
/// Failures: signature_profile (more than one Signature, wrong reference,
/// other transforms, an Object, ...); signature_algorithm (SHA-1, HMAC,
/// other algorithms); signature_invalid (a digest does not match: the signed
/// content was altered); untrusted_key (the content is intact but no
/// trusted key verifies the SignatureValue).
checked<bool> verify_enveloped_signature(xmlDoc* doc, xmlNode* element, const trusted_keys& keys);

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

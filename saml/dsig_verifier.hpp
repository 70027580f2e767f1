#pragma once
// Verification of the one XML signature shape SAML messages and metadata use
// here: an enveloped signature over the very element that carries it. It is
// our own, deliberately narrow verifier (libxml2's exclusive c14n, OpenSSL
// digests and signatures), not xmlsec1's generic pipeline: anything outside
// the profile below is refused before any cryptography runs. xmlsec1 stays
// for signing and decryption, and the tests hold this verifier to it.
//
// The profile (everything else fails closed), as a direct child of the
// signed element E whose ID attribute is registered in the document:
//   <ds:Signature>                         exactly one such child of E
//     <ds:SignedInfo>
//       <ds:CanonicalizationMethod/>       exc-c14n without comments
//                                          [one ec:InclusiveNamespaces PrefixList]
//       <ds:SignatureMethod/>              RSA- or ECDSA-SHA256/384/512
//       <ds:Reference URI="#<ID of E>">    exactly one; the document's ID
//                                          table maps that ID to E itself
//         <ds:Transforms>                  exactly: enveloped-signature, then
//                                          exc-c14n [one InclusiveNamespaces]
//         <ds:DigestMethod/>               SHA-256/384/512
//         <ds:DigestValue/>
//     <ds:SignatureValue/>
//     [<ds:KeyInfo/>]                      ignored: never a source of keys
//   no ds:Object, nothing else.
// The digest is over E's subtree without comments and without this
// Signature's subtree (the enveloped transform), canonicalised with
// exclusive c14n; it is compared in constant time. SignedInfo is
// canonicalised from the parsed tree itself (never re-parsed) and its
// SignatureValue checked with each trusted key of the method's type
// (ECDSA values are r || s, converted to DER for OpenSSL).
//
// Thread safety: `trusted_keys` is immutable after `create` and may be
// shared between threads; `verify_enveloped_signature` is reentrant (one
// document per thread at a time).

#include <libxml/tree.h>

#include <span>
#include <vector>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "saml/xml.hpp"

namespace poort::saml {

/// The public keys of the certificates an IdP (or a metadata signer) signs
/// with, each taken once as a bare OpenSSL key (no certificate processing
/// per message).
class trusted_keys {
 public:
  /// Success: one key per certificate. Failure: key_invalid (no
  /// certificates, or a key that is neither RSA >= 2048 bits nor EC).
  static result<trusted_keys> create(std::span<X509* const> certificates);

  struct entry {
    int evp_type;  ///< EVP_PKEY_RSA or EVP_PKEY_EC
    evp_pkey_ptr key;
  };
  const std::vector<entry>& entries() const noexcept { return entries_; }

 private:
  std::vector<entry> entries_;
};

/// Verifies the signature that is a direct child of `element` (a SAML
/// element whose ID has been registered with `register_saml_ids`), under the
/// profile in the file comment.
/// Success: false if `element` has no ds:Signature child; true if it has one
/// that meets the profile and verifies under one of `keys`.
/// Failures: signature_profile (more than one Signature, a reference to
/// another element, other transforms or c14n with comments, an Object,
/// ...); signature_algorithm (a SignatureMethod or DigestMethod outside the
/// list: SHA-1, HMAC, ...); signature_invalid (the
/// digest does not match: the signed content was altered); untrusted_key
/// (the content is intact but no trusted key verifies the SignatureValue).
/// REQUIRES: `element` belongs to `doc`.
checked<bool> verify_enveloped_signature(xmlDoc* doc, xmlNode* element, const trusted_keys& keys);

}  // namespace poort::saml

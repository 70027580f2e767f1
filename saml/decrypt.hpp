#pragma once
// XML Encryption of SAML elements (EncryptedAssertion, EncryptedID,
// EncryptedAttribute), decrypted with OpenSSL.
//
// Key transport: RSA-OAEP (xmlenc#rsa-oaep-mgf1p and xmlenc11#rsa-oaep, with
// their DigestMethod / MGF). Data: AES-128/192/256-CBC and AES-128/192/256-GCM.
// The EncryptedKey may sit in EncryptedData/KeyInfo or beside the
// EncryptedData (peer placement); one whose Recipient names another entity
// is ignored; every remaining EncryptedKey is tried with every SP key.
//
// Thread safety: reentrant; the document belongs to the calling thread.

#include <openssl/evp.h>

#include <span>
#include <string_view>

#include "saml/xml.hpp"

namespace poort::saml {

/// Decrypts `wrapper` and replaces it in the tree by the decrypted element,
/// which must be one element named `expected_local` in the SAML assertion
/// namespace; the namespaces in scope at `wrapper` apply to it and stay in
/// scope (`wrapper`'s own declarations move onto it, so a signature over it
/// with an InclusiveNamespaces PrefixList still verifies, as after xmlsec1
/// --decrypt). SAML IDs in it are registered.
/// Success: the decrypted element, now in `wrapper`'s place (`wrapper` is freed).
/// Failures: decryption_failed (no usable EncryptedKey for `recipient`, no
/// key decrypts, unsupported algorithm, bad padding or tag, or plaintext
/// that is not the expected element); too_large; duplicate_id.
checked<xmlNode*> decrypt_element(xmlDoc* doc, xmlNode* wrapper, std::span<EVP_PKEY* const> keys,
                                  std::string_view recipient, std::string_view expected_local,
                                  const parse_limits& limits);

}  // namespace poort::saml

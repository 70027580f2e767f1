#pragma once
// xmlsec1 as the independent reference for poort's own signature verifier
// (saml/dsig_verifier.hpp), in the tests only: its verdict on a signature,
// and signatures of any template shape (shapes poort's signer never makes),
// by its C API or by its command-line tool.

#include <libxml/tree.h>
#include <openssl/evp.h>

#include <string>

namespace poort::saml::test {

inline constexpr char rsa_sha256[] = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
inline constexpr char sha256_digest[] = "http://www.w3.org/2001/04/xmlenc#sha256";

struct template_options {
  std::string method = rsa_sha256;
  std::string digest = sha256_digest;
  std::string prefix_list;              ///< of the exc-c14n Transform; empty: no InclusiveNamespaces
  std::string signed_info_prefix_list;  ///< of the CanonicalizationMethod
  std::string prefix = "ds";            ///< empty: the default namespace
};
/// An unsigned enveloped-signature template (the profile's shape) for the
/// element with `id`: Signature/SignedInfo (exc-c14n), one Reference with
/// the enveloped-signature and exc-c14n transforms, empty values.
std::string signature_template(const std::string& id, const template_options& o = {});

/// xmlsec1's verdict: xmlSecDSigCtxVerify of `signature` (its document's
/// SAML IDs registered) with `key` as the only key, the transforms limited to
/// the algorithms the profile allows (exc-c14n without comments,
/// enveloped-signature, SHA-256/384/512, RSA- and ECDSA-SHA256/384/512).
bool xmlsec_verifies(xmlNode* signature, EVP_PKEY* key);

/// The structural part of the profile, written here without saml/'s code:
/// `signature` is the one ds:Signature child of `element`, first or right
/// after saml:Issuer; it holds SignedInfo, SignatureValue and at most a
/// KeyInfo; SignedInfo holds CanonicalizationMethod, SignatureMethod and one
/// Reference with URI "#" + the element's ID, whose Transforms are exactly
/// enveloped-signature then exc-c14n.
bool profile_shape(const xmlNode* element, const xmlNode* signature);

/// `xml` with every ds:Signature template in it signed by xmlsec1's C API
/// with the private key in tests/data/saml/`key_file`, innermost first (any
/// template: two References, other transforms, ...). SAML IDs are registered
/// as the validator registers them. Throws on failure.
std::string xmlsec_sign_templates(const std::string& xml, const std::string& key_file);

/// `xml` with its first ds:Signature template (document order) signed by the
/// `xmlsec1` command-line tool with tests/data/saml/`key_file`, IDs of SAML
/// Response, ArtifactResponse, Assertion and EntityDescriptor elements
/// registered. Throws on failure.
std::string xmlsec1_cli_sign(const std::string& xml, const std::string& key_file);

}  // namespace poort::saml::test

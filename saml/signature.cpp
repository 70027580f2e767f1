#include "saml/signature.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

#include <algorithm>
#include <array>

namespace poort::saml {
namespace {

constexpr std::string_view exc_c14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr std::string_view enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

struct method {
  std::string_view uri;
  int evp_type;
};
constexpr std::array<method, 6> signature_methods{{
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", EVP_PKEY_RSA},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", EVP_PKEY_RSA},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", EVP_PKEY_RSA},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", EVP_PKEY_EC},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", EVP_PKEY_EC},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", EVP_PKEY_EC},
}};
constexpr std::array<std::string_view, 3> digest_methods{
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
};

struct dsig_ctx_deleter {
  void operator()(xmlSecDSigCtx* c) const noexcept { xmlSecDSigCtxDestroy(c); }
};
using dsig_ctx_ptr = std::unique_ptr<xmlSecDSigCtx, dsig_ctx_deleter>;

std::string algorithm_of(const xmlNode* n) { return attribute(n, "Algorithm").value_or(""); }

bool only_element_children(const xmlNode* n, std::string_view ns_uri, std::string_view local) {
  for (xmlNode* c = first_element(n); c; c = next_element(c))
    if (!is_element(c, ns_uri, local)) return false;
  return true;
}

// The transforms of the one Reference: enveloped and exc-c14n, each at most
// once; exc-c14n may carry InclusiveNamespaces.
checked<void> check_transforms(const xmlNode* reference) {
  xmlNode* transforms = child(reference, ns::ds, "Transforms");
  if (!transforms)
    return refuse(error::signature_profile, "the Reference has no enveloped-signature transform");
  bool seen_enveloped = false, seen_c14n = false;
  for (xmlNode* t = first_element(transforms); t; t = next_element(t)) {
    if (!is_element(t, ns::ds, "Transform"))
      return refuse(error::signature_profile, "unexpected element in Transforms");
    const std::string alg = algorithm_of(t);
    if (alg == enveloped && !seen_enveloped && !first_element(t)) {
      seen_enveloped = true;
    } else if (alg == exc_c14n && !seen_c14n && only_element_children(t, ns::ec, "InclusiveNamespaces")) {
      seen_c14n = true;
    } else {
      return refuse(error::signature_profile,
                    "a Reference transform other than enveloped-signature and exc-c14n");
    }
  }
  if (!seen_enveloped)
    return refuse(error::signature_profile, "the Reference has no enveloped-signature transform");
  return {};
}

// Checks the profile; returns the SignatureMethod's key type.
checked<int> check_profile(xmlDoc* doc, xmlNode* element, xmlNode* signature) {
  xmlNode* signed_info = first_element(signature);
  if (!is_element(signed_info, ns::ds, "SignedInfo"))
    return refuse(error::signature_profile, "Signature does not start with SignedInfo");
  xmlNode* value = next_element(signed_info);
  if (!is_element(value, ns::ds, "SignatureValue"))
    return refuse(error::signature_profile, "Signature has no SignatureValue after SignedInfo");
  for (xmlNode* c = next_element(value); c; c = next_element(c))
    if (!is_element(c, ns::ds, "KeyInfo"))
      return refuse(error::signature_profile, "Signature holds an Object or another element besides KeyInfo");

  xmlNode* c14n = first_element(signed_info);
  if (!is_element(c14n, ns::ds, "CanonicalizationMethod") || algorithm_of(c14n) != exc_c14n ||
      !only_element_children(c14n, ns::ec, "InclusiveNamespaces"))
    return refuse(error::signature_profile,
                  "SignedInfo canonicalization is not exclusive c14n without comments");
  xmlNode* sig_method = next_element(c14n);
  if (!is_element(sig_method, ns::ds, "SignatureMethod"))
    return refuse(error::signature_profile, "SignedInfo has no SignatureMethod");
  const std::string sig_alg = algorithm_of(sig_method);
  auto m = std::ranges::find(signature_methods, std::string_view{sig_alg}, &method::uri);
  if (m == signature_methods.end() || first_element(sig_method))
    return refuse(error::signature_algorithm,
                  "SignatureMethod is not RSA- or ECDSA-SHA256/384/512: " + sig_alg.substr(0, 100));

  xmlNode* reference = next_element(sig_method);
  if (!is_element(reference, ns::ds, "Reference") || next_element(reference))
    return refuse(error::signature_profile, "SignedInfo must hold exactly one Reference");
  const auto id = attribute(element, "ID");
  const auto uri = attribute(reference, "URI");
  if (!id || id->empty() || !uri || *uri != "#" + *id)
    return refuse(error::signature_profile, "the Reference does not point at the signed element's ID");
  xmlAttr* registered = xmlGetID(doc, BAD_CAST id->c_str());
  if (!registered || registered->parent != element)
    return refuse(error::signature_profile, "the Reference ID resolves to another element than the one read");
  if (auto t = check_transforms(reference); !t) return std::unexpected(t.error());

  xmlNode* transforms = child(reference, ns::ds, "Transforms");
  xmlNode* digest = transforms ? next_element(transforms) : first_element(reference);
  if (!is_element(digest, ns::ds, "DigestMethod") ||
      !is_element(next_element(digest), ns::ds, "DigestValue") || next_element(next_element(digest)))
    return refuse(error::signature_profile, "the Reference is not Transforms, DigestMethod, DigestValue");
  const std::string digest_alg = algorithm_of(digest);
  if (std::ranges::find(digest_methods, std::string_view{digest_alg}) == digest_methods.end())
    return refuse(error::signature_algorithm,
                  "DigestMethod is not SHA-256/384/512: " + digest_alg.substr(0, 100));
  return m->evp_type;
}

dsig_ctx_ptr make_verify_ctx() {
  dsig_ctx_ptr ctx{xmlSecDSigCtxCreate(nullptr)};
  if (!ctx) return ctx;
  ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
  for (xmlSecTransformId id : {xmlSecTransformExclC14NId, xmlSecTransformEnvelopedId, xmlSecTransformSha256Id,
                               xmlSecTransformSha384Id, xmlSecTransformSha512Id})
    if (xmlSecDSigCtxEnableReferenceTransform(ctx.get(), id) < 0) return nullptr;
  for (xmlSecTransformId id :
       {xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id, xmlSecTransformRsaSha384Id,
        xmlSecTransformRsaSha512Id, xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
        xmlSecTransformEcdsaSha512Id})
    if (xmlSecDSigCtxEnableSignatureTransform(ctx.get(), id) < 0) return nullptr;
  return ctx;
}

bool any_reference_failed(xmlSecDSigCtx* ctx) {
  const xmlSecSize n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
  for (xmlSecSize i = 0; i < n; ++i) {
    auto* ref = static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
    if (ref && ref->status == xmlSecDSigStatusInvalid) return true;
  }
  return false;
}

}  // namespace

xmlsec_key_ptr make_xmlsec_key(EVP_PKEY* key) {
  library_init();
  EVP_PKEY_up_ref(key);
  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(key);
  if (!data) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  xmlsec_key_ptr out{xmlSecKeyCreate()};
  if (!out || xmlSecKeySetValue(out.get(), data) < 0) {
    xmlSecKeyDataDestroy(data);
    return nullptr;
  }
  return out;
}

result<trusted_keys> trusted_keys::create(std::span<X509* const> certificates) {
  trusted_keys out;
  if (certificates.empty()) return error::key_invalid;
  for (X509* cert : certificates) {
    EVP_PKEY* pub = X509_get0_pubkey(cert);
    if (!pub) return error::key_invalid;
    const int type = EVP_PKEY_get_base_id(pub);
    if (!(type == EVP_PKEY_RSA && EVP_PKEY_get_bits(pub) >= 2048) && type != EVP_PKEY_EC)
      return error::key_invalid;
    auto key = make_xmlsec_key(pub);
    if (!key) return error::key_invalid;
    out.entries_.push_back({type, std::move(key)});
  }
  return out;
}

checked<bool> verify_enveloped_signature(xmlDoc* doc, xmlNode* element, const trusted_keys& keys) {
  const auto signatures = children(element, ns::ds, "Signature");
  if (signatures.empty()) return false;
  if (signatures.size() > 1)
    return refuse(error::signature_profile, "the element carries more than one Signature");
  auto evp_type = check_profile(doc, element, signatures.front());
  if (!evp_type) return std::unexpected(evp_type.error());

  bool tried = false;
  for (const auto& entry : keys.entries()) {
    if (entry.evp_type != *evp_type) continue;
    tried = true;
    dsig_ctx_ptr ctx = make_verify_ctx();
    if (!ctx) return refuse(error::signature_invalid, "cannot create an xmlsec1 signature context");
    ctx->signKey = xmlSecKeyDuplicate(entry.key.get());
    if (!ctx->signKey) return refuse(error::signature_invalid, "cannot use a trusted key");
    const int rc = xmlSecDSigCtxVerify(ctx.get(), signatures.front());
    if (rc == 0 && ctx->status == xmlSecDSigStatusSucceeded) return true;
    if (any_reference_failed(ctx.get()))
      return refuse(error::signature_invalid, "the signed content does not match its digest");
  }
  if (!tried) return refuse(error::untrusted_key, "no trusted key of the signature's type (RSA/EC)");
  return refuse(error::untrusted_key, "no trusted IdP key verifies the signature");
}

result<signing_key> signing_key::create(evp_pkey_ptr key, x509_ptr certificate, std::string key_name) {
  if (!key) return error::key_invalid;
  const int type = EVP_PKEY_get_base_id(key.get());
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) return error::key_invalid;
  signing_key out;
  out.xmlsec_key_ = make_xmlsec_key(key.get());
  if (!out.xmlsec_key_ || (xmlSecKeyGetType(out.xmlsec_key_.get()) & xmlSecKeyDataTypePrivate) == 0)
    return error::key_invalid;
  out.key_ = std::move(key);
  out.certificate_ = std::move(certificate);
  out.key_name_ = std::move(key_name);
  return out;
}

std::string_view signing_key::signature_method() const noexcept {
  return EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_EC ? signature_methods[3].uri
                                                         : signature_methods[0].uri;
}

std::string certificate_base64(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return {};
  std::string out = base64_encode(std::span<const std::uint8_t>{der, static_cast<std::size_t>(len)});
  OPENSSL_free(der);
  return out;
}

result<void> sign_enveloped(xmlDoc* doc, xmlNode* element, const signing_key& key, key_info info) {
  library_init();
  const auto id = attribute(element, "ID");
  if (!id) return error::malformed;
  const bool ec = EVP_PKEY_get_base_id(key.private_key()) == EVP_PKEY_EC;
  xmlNode* sig = xmlSecTmplSignatureCreateNsPref(
      doc, xmlSecTransformExclC14NId, ec ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id, nullptr,
      BAD_CAST "ds");
  if (!sig) return error::key_invalid;
  xmlNode* first = first_element(element);
  if (is_element(first, ns::saml, "Issuer"))
    xmlAddNextSibling(first, sig);
  else if (element->children)
    xmlAddPrevSibling(element->children, sig);
  else
    xmlAddChild(element, sig);
  const std::string uri = "#" + *id;
  xmlNode* ref =
      xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, nullptr, BAD_CAST uri.c_str(), nullptr);
  if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
      !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId))
    return error::key_invalid;

  dsig_ctx_ptr ctx{xmlSecDSigCtxCreate(nullptr)};
  if (!ctx) return error::key_invalid;
  ctx->signKey = xmlSecKeyDuplicate(const_cast<xmlSecKey*>(key.xmlsec_key()));
  if (!ctx->signKey || xmlSecDSigCtxSign(ctx.get(), sig) < 0 || ctx->status != xmlSecDSigStatusSucceeded)
    return error::key_invalid;

  // KeyInfo is outside SignedInfo, so it is added after signing.
  if (info == key_info::key_name && !key.key_name().empty()) {
    xmlNode* ki = xmlNewChild(sig, sig->ns, BAD_CAST "KeyInfo", nullptr);
    xmlNewTextChild(ki, sig->ns, BAD_CAST "KeyName", BAD_CAST key.key_name().c_str());
  } else if (info == key_info::certificate && key.certificate()) {
    xmlNode* ki = xmlNewChild(sig, sig->ns, BAD_CAST "KeyInfo", nullptr);
    xmlNode* data = xmlNewChild(ki, sig->ns, BAD_CAST "X509Data", nullptr);
    xmlNewTextChild(data, sig->ns, BAD_CAST "X509Certificate",
                    BAD_CAST certificate_base64(key.certificate()).c_str());
  }
  return {};
}

result<std::string> sign_document(std::string_view xml, const signing_key& key, key_info info) {
  parse_limits limits;
  limits.max_bytes = 4u << 20;
  auto doc = parse_document(xml, limits);
  if (!doc) return error::malformed;
  xmlNode* target = xmlDocGetRootElement(doc->get());
  if (is_element(target, ns::soap11, "Envelope")) target = first_element(child(target, ns::soap11, "Body"));
  if (!target || !register_id(doc->get(), target)) return error::malformed;
  if (auto r = sign_enveloped(doc->get(), target, key, info); !r) return r.error();
  return serialize(doc->get());
}

}  // namespace poort::saml

#include "saml/signature.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

namespace poort::saml {
namespace {

constexpr std::string_view rsa_sha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
constexpr std::string_view ecdsa_sha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";

struct dsig_ctx_deleter {
  void operator()(xmlSecDSigCtx* c) const noexcept { xmlSecDSigCtxDestroy(c); }
};
using dsig_ctx_ptr = std::unique_ptr<xmlSecDSigCtx, dsig_ctx_deleter>;

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
  return EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_EC ? ecdsa_sha256 : rsa_sha256;
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

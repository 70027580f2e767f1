#include "xmlsec_reference.hpp"

#include <unistd.h>

#include <xmlsec/crypto.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "saml/signature.hpp"
#include "saml/xml.hpp"
#include "saml_test_util.hpp"

namespace poort::saml::test {
namespace {

constexpr char ds[] = "http://www.w3.org/2000/09/xmldsig#";

struct dsig_ctx_deleter {
  void operator()(xmlSecDSigCtx* c) const noexcept { xmlSecDSigCtxDestroy(c); }
};
using dsig_ctx_ptr = std::unique_ptr<xmlSecDSigCtx, dsig_ctx_deleter>;

std::vector<const xmlNode*> element_children(const xmlNode* n) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  return out;
}

bool named(const xmlNode* n, const char* ns_uri, const char* local) {
  return n && n->ns && std::string_view{reinterpret_cast<const char*>(n->ns->href)} == ns_uri &&
         std::string_view{reinterpret_cast<const char*>(n->name)} == local;
}

std::string prop(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetNoNsProp(n, BAD_CAST name);
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

void collect_signatures(xmlNode* n, std::vector<xmlNode*>& out) {
  for (; n; n = n->next) {
    if (named(n, ds, "Signature")) out.push_back(n);
    if (n->type == XML_ELEMENT_NODE) collect_signatures(n->children, out);
  }
}

}  // namespace

std::string signature_template(const std::string& id, const template_options& o) {
  const std::string p = o.prefix.empty() ? "" : o.prefix + ":";
  const std::string decl = " xmlns" + (o.prefix.empty() ? "" : ":" + o.prefix) + "=\"" + ds + "\"";
  const auto inclusive = [](const std::string& list) {
    return list.empty() ? std::string{}
                        : "<ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" "
                          "PrefixList=\"" +
                              list + "\"/>";
  };
  return "<" + p + "Signature" + decl + "><" + p + "SignedInfo><" + p +
         "CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">" +
         inclusive(o.signed_info_prefix_list) + "</" + p + "CanonicalizationMethod><" + p +
         "SignatureMethod Algorithm=\"" + o.method + "\"/><" + p + "Reference URI=\"#" + id + "\"><" + p +
         "Transforms><" + p +
         "Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><" + p +
         "Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">" + inclusive(o.prefix_list) +
         "</" + p + "Transform></" + p + "Transforms><" + p + "DigestMethod Algorithm=\"" + o.digest +
         "\"/><" + p + "DigestValue/></" + p + "Reference></" + p + "SignedInfo><" + p +
         "SignatureValue/></" + p + "Signature>";
}

bool xmlsec_verifies(xmlNode* signature, EVP_PKEY* key) {
  dsig_ctx_ptr ctx{xmlSecDSigCtxCreate(nullptr)};
  if (!ctx) throw std::runtime_error("xmlSecDSigCtxCreate");
  ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
  for (xmlSecTransformId id : {xmlSecTransformExclC14NId, xmlSecTransformEnvelopedId, xmlSecTransformSha256Id,
                               xmlSecTransformSha384Id, xmlSecTransformSha512Id})
    xmlSecDSigCtxEnableReferenceTransform(ctx.get(), id);
  for (xmlSecTransformId id :
       {xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id, xmlSecTransformRsaSha384Id,
        xmlSecTransformRsaSha512Id, xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
        xmlSecTransformEcdsaSha512Id})
    xmlSecDSigCtxEnableSignatureTransform(ctx.get(), id);
  ctx->signKey = make_xmlsec_key(key).release();
  return xmlSecDSigCtxVerify(ctx.get(), signature) == 0 && ctx->status == xmlSecDSigStatusSucceeded;
}

bool profile_shape(const xmlNode* element, const xmlNode* signature) {
  const auto kids = element_children(element);
  std::size_t signatures = 0;
  for (const xmlNode* k : kids) signatures += named(k, ds, "Signature");
  if (signatures != 1 || kids.empty()) return false;
  const bool after_issuer = kids.size() > 1 &&
                            named(kids[0], "urn:oasis:names:tc:SAML:2.0:assertion", "Issuer") &&
                            kids[1] == signature;
  if (kids[0] != signature && !after_issuer) return false;

  const auto sig = element_children(signature);
  if (sig.size() < 2 || sig.size() > 3 || !named(sig[0], ds, "SignedInfo") ||
      !named(sig[1], ds, "SignatureValue") || (sig.size() == 3 && !named(sig[2], ds, "KeyInfo")))
    return false;
  const auto si = element_children(sig[0]);
  if (si.size() != 3 || !named(si[0], ds, "CanonicalizationMethod") || !named(si[1], ds, "SignatureMethod") ||
      !named(si[2], ds, "Reference") || prop(si[2], "URI") != "#" + prop(element, "ID"))
    return false;
  const auto ref = element_children(si[2]);
  if (ref.empty() || !named(ref[0], ds, "Transforms")) return false;
  const auto transforms = element_children(ref[0]);
  return transforms.size() == 2 &&
         prop(transforms[0], "Algorithm") == "http://www.w3.org/2000/09/xmldsig#enveloped-signature" &&
         prop(transforms[1], "Algorithm") == "http://www.w3.org/2001/10/xml-exc-c14n#";
}

std::string xmlsec_sign_templates(const std::string& xml, const std::string& key_file) {
  parse_limits limits;
  limits.max_bytes = 4u << 20;
  auto doc = parse_document(xml, limits);
  if (!doc) throw std::runtime_error("cannot parse the template: " + doc.error().detail);
  if (!register_saml_ids(doc->get(), xmlDocGetRootElement(doc->get())))
    throw std::runtime_error("cannot register the template's IDs");
  std::vector<xmlNode*> signatures;
  collect_signatures(xmlDocGetRootElement(doc->get()), signatures);
  auto key = private_key(key_file);
  for (auto it = signatures.rbegin(); it != signatures.rend(); ++it) {
    dsig_ctx_ptr ctx{xmlSecDSigCtxCreate(nullptr)};
    ctx->signKey = make_xmlsec_key(key.get()).release();
    if (!ctx->signKey || xmlSecDSigCtxSign(ctx.get(), *it) < 0)
      throw std::runtime_error("xmlsec1 cannot sign the template");
  }
  return serialize(doc->get());
}

std::string xmlsec1_cli_sign(const std::string& xml, const std::string& key_file) {
  const std::string base = std::string{POORT_BINARY_DIR} + "/saml-cli-sign-" + std::to_string(::getpid());
  std::ofstream{base + ".in.xml"} << xml;
  const std::string cmd = "xmlsec1 --sign --privkey-pem " + data_path(key_file) +
                          " --id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response"
                          " --id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:ArtifactResponse"
                          " --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion"
                          " --id-attr:ID urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"
                          " --output " +
                          base + ".out.xml " + base + ".in.xml >" + base + ".err 2>&1";
  const int rc = std::system(cmd.c_str());
  std::stringstream out, err;
  out << std::ifstream{base + ".out.xml"}.rdbuf();
  err << std::ifstream{base + ".err"}.rdbuf();
  for (const char* ext : {".in.xml", ".out.xml", ".err"}) std::remove((base + ext).c_str());
  if (rc != 0) throw std::runtime_error("xmlsec1 --sign failed: " + err.str().substr(0, 2000));
  return out.str();
}

}  // namespace poort::saml::test

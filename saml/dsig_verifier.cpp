#include "saml/dsig_verifier.hpp"

#include <libxml/c14n.h>
#include <libxml/valid.h>
#include <libxml/xmlIO.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "common/encoding.hpp"

namespace poort::saml {
namespace {

constexpr std::string_view exc_c14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr std::string_view enveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

enum class hash { sha256, sha384, sha512 };

// Fetched once: an implicit fetch per use (EVP_sha256()) costs a provider lookup.
const EVP_MD* evp_md(hash h) {
  static const std::array<EVP_MD*, 3> mds{EVP_MD_fetch(nullptr, "SHA2-256", nullptr),
                                          EVP_MD_fetch(nullptr, "SHA2-384", nullptr),
                                          EVP_MD_fetch(nullptr, "SHA2-512", nullptr)};
  return mds[static_cast<std::size_t>(h)];
}

struct signature_method {
  std::string_view uri;
  int evp_type;
  hash digest;
};
constexpr std::array<signature_method, 6> signature_methods{{
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", EVP_PKEY_RSA, hash::sha256},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", EVP_PKEY_RSA, hash::sha384},
    {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", EVP_PKEY_RSA, hash::sha512},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", EVP_PKEY_EC, hash::sha256},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", EVP_PKEY_EC, hash::sha384},
    {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", EVP_PKEY_EC, hash::sha512},
}};

struct digest_method {
  std::string_view uri;
  hash digest;
};
constexpr std::array<digest_method, 3> digest_methods{{
    {"http://www.w3.org/2001/04/xmlenc#sha256", hash::sha256},
    {"http://www.w3.org/2001/04/xmldsig-more#sha384", hash::sha384},
    {"http://www.w3.org/2001/04/xmlenc#sha512", hash::sha512},
}};

constexpr std::size_t max_prefix_list = 1024;  // bytes of a PrefixList attribute
constexpr std::size_t max_prefixes = 32;
constexpr std::size_t max_signature_value = 1024;  // bytes: RSA-8192

// What the profile check found, ready for the cryptography.
struct checked_signature {
  xmlNode* signed_info = nullptr;
  xmlNode* digest_value = nullptr;
  xmlNode* signature_value = nullptr;
  const signature_method* method = nullptr;
  hash digest = hash::sha256;
  std::vector<std::string> signed_info_prefixes;  ///< PrefixList of the CanonicalizationMethod
  std::vector<std::string> reference_prefixes;    ///< PrefixList of the exc-c14n Transform
};

std::string algorithm_of(const xmlNode* n) { return attribute(n, "Algorithm").value_or(""); }

// The PrefixList of the one optional ec:InclusiveNamespaces child of a
// CanonicalizationMethod or Transform, split at XML whitespace.
checked<std::vector<std::string>> inclusive_prefixes(const xmlNode* method) {
  std::vector<std::string> out;
  xmlNode* inclusive = first_element(method);
  if (!inclusive) return out;
  if (!is_element(inclusive, ns::ec, "InclusiveNamespaces") || next_element(inclusive) ||
      first_element(inclusive))
    return refuse(error::signature_profile, "exc-c14n carries something other than one InclusiveNamespaces");
  const auto list = attribute(inclusive, "PrefixList");
  if (!list || list->size() > max_prefix_list)
    return refuse(error::signature_profile, "InclusiveNamespaces without a PrefixList, or one too long");
  constexpr std::string_view space = " \t\r\n";
  std::string_view rest{*list};
  while (!rest.empty()) {
    const auto begin = rest.find_first_not_of(space);
    if (begin == std::string_view::npos) break;
    rest.remove_prefix(begin);
    const auto end = std::min(rest.find_first_of(space), rest.size());
    out.emplace_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  if (out.size() > max_prefixes)
    return refuse(error::signature_profile, "InclusiveNamespaces lists too many prefixes");
  return out;
}

// Where the SAML schemas put the Signature: first, or right after Issuer.
bool at_schema_position(const xmlNode* element, const xmlNode* signature) {
  const xmlNode* first = first_element(element);
  return first == signature || (is_element(first, ns::saml, "Issuer") && next_element(first) == signature);
}

// Transforms: exactly enveloped-signature, then exc-c14n. Success: the
// exc-c14n PrefixList.
checked<std::vector<std::string>> check_transforms(const xmlNode* transforms) {
  xmlNode* first = first_element(transforms);
  xmlNode* second = next_element(first);
  if (!is_element(first, ns::ds, "Transform") || algorithm_of(first) != enveloped || first_element(first) ||
      !is_element(second, ns::ds, "Transform") || algorithm_of(second) != exc_c14n || next_element(second))
    return refuse(error::signature_profile,
                  "the Reference transforms are not exactly enveloped-signature, then exc-c14n");
  return inclusive_prefixes(second);
}

checked<checked_signature> check_profile(xmlDoc* doc, xmlNode* element, xmlNode* signature) {
  checked_signature out;
  if (!at_schema_position(element, signature))
    return refuse(error::signature_profile, "the Signature is not the first child or right after Issuer");
  out.signed_info = first_element(signature);
  if (!is_element(out.signed_info, ns::ds, "SignedInfo"))
    return refuse(error::signature_profile, "Signature does not start with SignedInfo");
  out.signature_value = next_element(out.signed_info);
  if (!is_element(out.signature_value, ns::ds, "SignatureValue") || first_element(out.signature_value))
    return refuse(error::signature_profile, "Signature has no SignatureValue after SignedInfo");
  xmlNode* key_info = next_element(out.signature_value);
  if (key_info && (!is_element(key_info, ns::ds, "KeyInfo") || next_element(key_info)))
    return refuse(error::signature_profile, "Signature holds an Object or another element besides KeyInfo");

  xmlNode* c14n = first_element(out.signed_info);
  if (!is_element(c14n, ns::ds, "CanonicalizationMethod") || algorithm_of(c14n) != exc_c14n)
    return refuse(error::signature_profile,
                  "SignedInfo canonicalization is not exclusive c14n without comments");
  auto si_prefixes = inclusive_prefixes(c14n);
  if (!si_prefixes) return std::unexpected(si_prefixes.error());
  out.signed_info_prefixes = std::move(*si_prefixes);

  xmlNode* sig_method = next_element(c14n);
  if (!is_element(sig_method, ns::ds, "SignatureMethod"))
    return refuse(error::signature_profile, "SignedInfo has no SignatureMethod");
  const std::string sig_alg = algorithm_of(sig_method);
  const auto method = std::ranges::find(signature_methods, std::string_view{sig_alg}, &signature_method::uri);
  if (method == signature_methods.end() || first_element(sig_method))
    return refuse(error::signature_algorithm,
                  "SignatureMethod is not RSA- or ECDSA-SHA256/384/512: " + sig_alg.substr(0, 100));
  out.method = &*method;

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

  xmlNode* transforms = first_element(reference);
  if (!is_element(transforms, ns::ds, "Transforms"))
    return refuse(error::signature_profile, "the Reference has no enveloped-signature transform");
  auto ref_prefixes = check_transforms(transforms);
  if (!ref_prefixes) return std::unexpected(ref_prefixes.error());
  out.reference_prefixes = std::move(*ref_prefixes);

  xmlNode* digest = next_element(transforms);
  out.digest_value = next_element(digest);
  if (!is_element(digest, ns::ds, "DigestMethod") || !is_element(out.digest_value, ns::ds, "DigestValue") ||
      next_element(out.digest_value) || first_element(out.digest_value))
    return refuse(error::signature_profile, "the Reference is not Transforms, DigestMethod, DigestValue");
  const std::string digest_alg = algorithm_of(digest);
  const auto dm = std::ranges::find(digest_methods, std::string_view{digest_alg}, &digest_method::uri);
  if (dm == digest_methods.end() || first_element(digest))
    return refuse(error::signature_algorithm,
                  "DigestMethod is not SHA-256/384/512: " + digest_alg.substr(0, 100));
  out.digest = dm->digest;
  return out;
}

// --- canonicalisation ----------------------------------------------------------

// The nodes c14n renders, with XPath node-set semantics: `apex`'s subtree
// without `excluded`'s (the enveloped transform); an attribute or namespace
// node belongs to the set when its element does. Comments go by c14n's own
// without-comments mode.
struct node_subset {
  const xmlNode* apex;
  const xmlNode* excluded;
};

int in_subset(void* user, xmlNodePtr node, xmlNodePtr parent) {
  const auto* subset = static_cast<const node_subset*>(user);
  // libxml2 passes namespace nodes (xmlNs) cast to xmlNode, with their element as `parent`.
  const xmlNode* n = node && node->type == XML_NAMESPACE_DECL ? parent : node;
  for (; n; n = n->parent) {
    if (n == subset->excluded) return 0;
    if (n == subset->apex) return 1;
  }
  return 0;
}

int write_digest(void* ctx, const char* buffer, int len) {
  return EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx), buffer, static_cast<std::size_t>(len)) == 1 ? len
                                                                                                     : -1;
}

int write_string(void* ctx, const char* buffer, int len) {
  static_cast<std::string*>(ctx)->append(buffer, static_cast<std::size_t>(len));
  return len;
}

// Exclusive c14n (without comments) of `subset`, streamed to `write`.
bool canonicalize(xmlDoc* doc, const node_subset& subset, const std::vector<std::string>& prefixes,
                  xmlOutputWriteCallback write, void* ctx) {
  // xmlC14NExecute takes the prefix list as xmlChar** but only reads it.
  std::vector<xmlChar*> list;
  list.reserve(prefixes.size() + 1);
  for (const auto& p : prefixes) list.push_back(BAD_CAST p.c_str());
  list.push_back(nullptr);
  xmlOutputBuffer* out = xmlOutputBufferCreateIO(write, nullptr, ctx, nullptr);
  if (!out) return false;
  const int rc = xmlC14NExecute(doc, in_subset, const_cast<node_subset*>(&subset), XML_C14N_EXCLUSIVE_1_0,
                                prefixes.empty() ? nullptr : list.data(), 0, out);
  const int closed = xmlOutputBufferClose(out);
  return rc >= 0 && closed >= 0;
}

// --- cryptography ----------------------------------------------------------------

checked<void> check_digest(xmlDoc* doc, xmlNode* element, xmlNode* signature, const checked_signature& s) {
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), evp_md(s.digest), nullptr) != 1 ||
      !canonicalize(doc, {element, signature}, s.reference_prefixes, write_digest, ctx.get()) ||
      EVP_DigestFinal_ex(ctx.get(), digest, &digest_len) != 1) {
    ERR_clear_error();
    return refuse(error::signature_invalid, "cannot canonicalise and digest the signed element");
  }
  const auto expected = base64_decode(text(s.digest_value));
  if (!expected || expected->size() != digest_len || CRYPTO_memcmp(expected->data(), digest, digest_len) != 0)
    return refuse(error::signature_invalid, "the signed content does not match its digest");
  return {};
}

// The SignatureValue as OpenSSL takes it: RSA as is; ECDSA's r || s (each
// the size of the group order) as a DER ECDSA-Sig-Value.
std::optional<bytes> openssl_signature(const bytes& value, const trusted_keys::entry& key) {
  if (key.evp_type == EVP_PKEY_RSA) return value;
  const std::size_t half = (static_cast<std::size_t>(EVP_PKEY_get_bits(key.key.get())) + 7) / 8;
  if (half == 0 || value.size() != 2 * half) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(value.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(value.data() + half, static_cast<int>(half), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

bool signature_verifies(const trusted_keys::entry& key, const EVP_MD* md, std::string_view data,
                        const bytes& value) {
  const auto sig = openssl_signature(value, key);
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  const bool ok = sig && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.key.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), sig->data(), sig->size(),
                                   reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace

result<trusted_keys> trusted_keys::create(std::span<X509* const> certificates) {
  trusted_keys out;
  if (certificates.empty()) return error::key_invalid;
  for (X509* cert : certificates) {
    EVP_PKEY* pub = X509_get0_pubkey(cert);
    if (!pub) return error::key_invalid;
    const int type = EVP_PKEY_get_base_id(pub);
    if (!(type == EVP_PKEY_RSA && EVP_PKEY_get_bits(pub) >= 2048) && type != EVP_PKEY_EC)
      return error::key_invalid;
    EVP_PKEY_up_ref(pub);
    out.entries_.push_back({type, evp_pkey_ptr{pub}});
  }
  return out;
}

checked<bool> verify_enveloped_signature(xmlDoc* doc, xmlNode* element, const trusted_keys& keys) {
  const auto signatures = children(element, ns::ds, "Signature");
  if (signatures.empty()) return false;
  if (signatures.size() > 1)
    return refuse(error::signature_profile, "the element carries more than one Signature");
  xmlNode* signature = signatures.front();
  auto s = check_profile(doc, element, signature);
  if (!s) return std::unexpected(s.error());

  if (auto d = check_digest(doc, element, signature, *s); !d) return std::unexpected(d.error());

  std::string signed_info;
  if (!canonicalize(doc, {s->signed_info, nullptr}, s->signed_info_prefixes, write_string, &signed_info))
    return refuse(error::signature_invalid, "cannot canonicalise SignedInfo");
  const std::string value_text = text(s->signature_value);
  const auto value = value_text.size() <= 2 * max_signature_value ? base64_decode(value_text) : std::nullopt;

  bool tried = false;
  for (const auto& entry : keys.entries()) {
    if (entry.evp_type != s->method->evp_type) continue;
    tried = true;
    if (value && signature_verifies(entry, evp_md(s->method->digest), signed_info, *value)) return true;
  }
  if (!tried) return refuse(error::untrusted_key, "no trusted key of the signature's type (RSA/EC)");
  return refuse(error::untrusted_key, "no trusted IdP key verifies the signature");
}

}  // namespace poort::saml

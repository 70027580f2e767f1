#include "saml/decrypt.hpp"

#include <libxml/parser.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <array>
#include <optional>

#include "common/crypto.hpp"
#include "common/encoding.hpp"

namespace poort::saml {
namespace {

constexpr std::string_view rsa_oaep_mgf1p = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
constexpr std::string_view rsa_oaep11 = "http://www.w3.org/2009/xmlenc11#rsa-oaep";

struct block_cipher {
  std::string_view uri;
  const EVP_CIPHER* (*cipher)();
  bool gcm;
};
const std::array<block_cipher, 6> block_ciphers{{
    {"http://www.w3.org/2001/04/xmlenc#aes128-cbc", EVP_aes_128_cbc, false},
    {"http://www.w3.org/2001/04/xmlenc#aes192-cbc", EVP_aes_192_cbc, false},
    {"http://www.w3.org/2001/04/xmlenc#aes256-cbc", EVP_aes_256_cbc, false},
    {"http://www.w3.org/2009/xmlenc11#aes128-gcm", EVP_aes_128_gcm, true},
    {"http://www.w3.org/2009/xmlenc11#aes192-gcm", EVP_aes_192_gcm, true},
    {"http://www.w3.org/2009/xmlenc11#aes256-gcm", EVP_aes_256_gcm, true},
}};

const EVP_MD* digest_by_uri(std::string_view uri) {
  if (uri.empty() || uri == "http://www.w3.org/2000/09/xmldsig#sha1") return EVP_sha1();
  if (uri == "http://www.w3.org/2001/04/xmlenc#sha256") return EVP_sha256();
  if (uri == "http://www.w3.org/2001/04/xmldsig-more#sha384") return EVP_sha384();
  if (uri == "http://www.w3.org/2001/04/xmlenc#sha512") return EVP_sha512();
  return nullptr;
}

const EVP_MD* mgf_by_uri(std::string_view uri) {
  if (uri.empty() || uri == "http://www.w3.org/2009/xmlenc11#mgf1sha1") return EVP_sha1();
  if (uri == "http://www.w3.org/2009/xmlenc11#mgf1sha256") return EVP_sha256();
  if (uri == "http://www.w3.org/2009/xmlenc11#mgf1sha384") return EVP_sha384();
  if (uri == "http://www.w3.org/2009/xmlenc11#mgf1sha512") return EVP_sha512();
  return nullptr;
}

std::optional<bytes> cipher_value(const xmlNode* encrypted) {
  xmlNode* data = child(encrypted, ns::xenc, "CipherData");
  xmlNode* value = data ? child(data, ns::xenc, "CipherValue") : nullptr;
  if (!value) return std::nullopt;
  return base64_decode(text(value));
}

// The parameters of an EncryptedKey's RSA-OAEP, if supported.
struct oaep_params {
  const EVP_MD* digest;
  const EVP_MD* mgf;
  bytes label;
};

std::optional<oaep_params> read_oaep(const xmlNode* encrypted_key) {
  xmlNode* method = child(encrypted_key, ns::xenc, "EncryptionMethod");
  if (!method) return std::nullopt;
  const std::string alg = attribute(method, "Algorithm").value_or("");
  xmlNode* dm = child(method, ns::ds, "DigestMethod");
  oaep_params p{digest_by_uri(dm ? attribute(dm, "Algorithm").value_or("?") : ""), EVP_sha1(), {}};
  if (alg == rsa_oaep11) {
    xmlNode* mgf = child(method, ns::xenc11, "MGF");
    p.mgf = mgf_by_uri(mgf ? attribute(mgf, "Algorithm").value_or("?") : "");
  } else if (alg != rsa_oaep_mgf1p) {
    return std::nullopt;
  }
  if (xmlNode* label = child(method, ns::xenc, "OAEPparams")) {
    auto decoded = base64_decode(text(label));
    if (!decoded) return std::nullopt;
    p.label = std::move(*decoded);
  }
  if (!p.digest || !p.mgf) return std::nullopt;
  return p;
}

std::optional<bytes> rsa_oaep_decrypt(EVP_PKEY* key, const oaep_params& p, const bytes& in) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return std::nullopt;
  std::unique_ptr<EVP_PKEY_CTX, openssl_deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>> ctx{
      EVP_PKEY_CTX_new(key, nullptr)};
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), p.digest) <= 0 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), p.mgf) <= 0)
    return std::nullopt;
  if (!p.label.empty()) {
    auto* copy = static_cast<unsigned char*>(OPENSSL_memdup(p.label.data(), p.label.size()));
    if (!copy || EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), copy, static_cast<int>(p.label.size())) <= 0) {
      OPENSSL_free(copy);
      return std::nullopt;
    }
  }
  std::size_t len = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, in.data(), in.size()) <= 0) return std::nullopt;
  bytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, in.data(), in.size()) <= 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::optional<std::string> block_decrypt(const block_cipher& bc, const bytes& key, const bytes& in) {
  const EVP_CIPHER* cipher = bc.cipher();
  if (key.size() != static_cast<std::size_t>(EVP_CIPHER_get_key_length(cipher))) return std::nullopt;
  const std::size_t iv_len = bc.gcm ? 12 : 16, tag_len = bc.gcm ? 16 : 0;
  if (in.size() < iv_len + tag_len + (bc.gcm ? 0 : 16)) return std::nullopt;
  evp_cipher_ctx_ptr ctx{EVP_CIPHER_CTX_new()};
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1) return std::nullopt;
  if (bc.gcm &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv_len), nullptr) != 1)
    return std::nullopt;
  if (EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), in.data()) != 1) return std::nullopt;
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);  // XML Encryption padding is checked below
  const std::size_t body = in.size() - iv_len - tag_len;
  std::string out(body + 16, '\0');
  int n = 0, m = 0;
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_DecryptUpdate(ctx.get(), dst, &n, in.data() + iv_len, static_cast<int>(body)) != 1)
    return std::nullopt;
  if (bc.gcm && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_len),
                                    const_cast<std::uint8_t*>(in.data() + iv_len + body)) != 1)
    return std::nullopt;
  if (EVP_DecryptFinal_ex(ctx.get(), dst + n, &m) != 1) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) + static_cast<std::size_t>(m));
  if (!bc.gcm) {
    // XML Encryption (not PKCS#7): the last byte says how many bytes to drop.
    if (out.empty()) return std::nullopt;
    const auto pad = static_cast<unsigned char>(out.back());
    if (pad == 0 || pad > 16 || pad > out.size()) return std::nullopt;
    out.resize(out.size() - pad);
  }
  return out;
}

std::vector<xmlNode*> candidate_keys(const xmlNode* wrapper, const xmlNode* data,
                                     std::string_view recipient) {
  std::vector<xmlNode*> all;
  if (xmlNode* ki = child(data, ns::ds, "KeyInfo"))
    for (xmlNode* k : children(ki, ns::xenc, "EncryptedKey")) all.push_back(k);
  for (xmlNode* k : children(wrapper, ns::xenc, "EncryptedKey")) all.push_back(k);
  std::vector<xmlNode*> out;
  for (xmlNode* k : all) {
    const auto r = attribute(k, "Recipient");
    if (!r || *r == recipient) out.push_back(k);
  }
  return out;
}

// Moves the namespace declarations of `wrapper` onto `element`, which takes
// its place, so that the decrypted element keeps exactly the namespaces that
// were in scope when it was parsed (and that xmlsec1 --decrypt leaves in
// scope: it splices the plaintext into the wrapper). Nodes parsed in the
// wrapper's context point at these very declarations. A prefix `element`
// declares itself shadows the wrapper's, so nothing points at that one.
// Not xmlReconciliateNs: it re-declares what the subtree uses on `element`,
// drops what only attribute values use (xsi:type="xs:string", the xs of an
// InclusiveNamespaces PrefixList) and renames a default namespace declared
// below `element` to "default:", which changes the canonical form that was
// signed.
void keep_wrapper_namespaces(xmlNode* wrapper, xmlNode* element) {
  xmlNs* moved = wrapper->nsDef;
  wrapper->nsDef = nullptr;
  while (moved) {
    xmlNs* next = moved->next;
    moved->next = nullptr;
    bool shadowed = false;
    xmlNs** tail = &element->nsDef;
    for (; *tail; tail = &(*tail)->next)
      if (xmlStrEqual((*tail)->prefix, moved->prefix)) shadowed = true;
    if (shadowed)
      xmlFreeNs(moved);
    else
      *tail = moved;
    moved = next;
  }
}

// Parses `plaintext` in the namespace context of `wrapper` and puts the one
// element it holds in `wrapper`'s place.
checked<xmlNode*> replace_with_plaintext(xmlDoc* doc, xmlNode* wrapper, const std::string& plaintext,
                                         std::string_view expected_local, const parse_limits& limits) {
  xmlNode* list = nullptr;
  const xmlParserErrors rc =
      xmlParseInNodeContext(wrapper, plaintext.data(), static_cast<int>(plaintext.size()),
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING, &list);
  if (rc != XML_ERR_OK || !list) {
    if (list) xmlFreeNodeList(list);
    return refuse(error::decryption_failed, "the decrypted content is not well-formed XML");
  }
  // Exactly one element, with nothing but whitespace around it.
  xmlNode* element = nullptr;
  bool other = false;
  for (xmlNode* n = list; n; n = n->next) {
    if (n->type == XML_ELEMENT_NODE && !element)
      element = n;
    else if (n->type != XML_TEXT_NODE || !xmlIsBlankNode(n))
      other = true;
  }
  if (other || !is_element(element, ns::saml, expected_local)) {
    xmlFreeNodeList(list);
    return refuse(error::decryption_failed,
                  "the decrypted content is not one saml:" + std::string{expected_local});
  }
  xmlNode* rest = list == element ? element->next : list;
  xmlUnlinkNode(element);
  if (rest) xmlFreeNodeList(rest);
  list = element;
  xmlReplaceNode(wrapper, list);
  keep_wrapper_namespaces(wrapper, list);
  xmlFreeNode(wrapper);
  unsigned depth = 0;
  for (const xmlNode* p = list; p && p->type == XML_ELEMENT_NODE; p = p->parent) ++depth;
  if (auto r = check_subtree_limits(list, depth, limits); !r) return std::unexpected(r.error());
  if (auto r = register_saml_ids(doc, list); !r) return std::unexpected(r.error());
  return list;
}

}  // namespace

checked<xmlNode*> decrypt_element(xmlDoc* doc, xmlNode* wrapper, std::span<EVP_PKEY* const> keys,
                                  std::string_view recipient, std::string_view expected_local,
                                  const parse_limits& limits) {
  const auto datas = children(wrapper, ns::xenc, "EncryptedData");
  if (datas.size() != 1) return refuse(error::decryption_failed, "expected exactly one EncryptedData");
  xmlNode* data = datas.front();
  xmlNode* method = child(data, ns::xenc, "EncryptionMethod");
  const std::string alg = method ? attribute(method, "Algorithm").value_or("") : "";
  const block_cipher* bc = nullptr;
  for (const auto& c : block_ciphers)
    if (c.uri == alg) bc = &c;
  if (!bc)
    return refuse(error::decryption_failed, "unsupported data encryption algorithm: " + alg.substr(0, 100));
  const auto ciphertext = cipher_value(data);
  if (!ciphertext) return refuse(error::decryption_failed, "EncryptedData has no valid CipherValue");

  for (xmlNode* ek : candidate_keys(wrapper, data, recipient)) {
    const auto params = read_oaep(ek);
    const auto wrapped = cipher_value(ek);
    if (!params || !wrapped) continue;
    for (EVP_PKEY* key : keys) {
      const auto session_key = rsa_oaep_decrypt(key, *params, *wrapped);
      if (!session_key) continue;
      auto plaintext = block_decrypt(*bc, *session_key, *ciphertext);
      if (!plaintext) continue;
      return replace_with_plaintext(doc, wrapper, *plaintext, expected_local, limits);
    }
  }
  ERR_clear_error();
  return refuse(error::decryption_failed, "no configured SP key decrypts the element");
}

}  // namespace poort::saml

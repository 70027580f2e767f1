// Differential test of poort's own signature verifier (saml/dsig_verifier.hpp)
// against xmlsec1, the implementation it replaced on the verification path.
//
// Corpus: every signed message in tests/data/saml (and the benchmark's
// fixture), messages freshly signed by the xmlsec1 command-line tool (c14n
// corner cases: comments, PIs, CDATA, escaped characters, default and
// redeclared namespaces, PrefixLists, other algorithms) and by pysaml2 (the
// test IdP's eh_saml.py), and each of those with every mutation below applied
// to each signed element in it. For every signed element of every document
// and every key, the verifier must accept exactly when xmlsec1 verifies the
// signature and the signature has the profile's shape (checked by test code
// written without saml/), and a cryptographic refusal (signature_invalid,
// untrusted_key) must never meet an xmlsec1 success.
#include <dirent.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <set>

#include "common/encoding.hpp"
#include "saml/dsig_verifier.hpp"
#include "saml_test_util.hpp"
#include "xmlsec_reference.hpp"

namespace poort::saml {
namespace {

constexpr char ds[] = "http://www.w3.org/2000/09/xmldsig#";
constexpr char saml_ns[] = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr char samlp[] = "urn:oasis:names:tc:SAML:2.0:protocol";

parse_limits big_limits() {
  parse_limits l;
  l.max_bytes = 4u << 20;
  return l;
}

// Every element with a ds:Signature child, in document order.
void signed_elements(xmlNode* n, std::vector<xmlNode*>& out) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (child(n, ns::ds, "Signature")) out.push_back(n);
    signed_elements(n->children, out);
  }
}

struct key_case {
  std::string name;
  x509_ptr cert;
  trusted_keys keys;
};

std::vector<key_case>& all_keys() {
  static std::vector<key_case> keys = [] {
    std::vector<key_case> out;
    for (const char* name : {"idp-rsa.crt", "idp-ec.crt", "attacker.crt"}) {
      auto cert = test::certificate(name);
      X509* raw[] = {cert.get()};
      auto tk = trusted_keys::create(raw);
      if (!tk) throw std::runtime_error("bad key");
      out.push_back({name, std::move(cert), std::move(*tk)});
    }
    return out;
  }();
  return keys;
}

struct tally {
  std::size_t documents = 0, refused_before_verification = 0, comparisons = 0, accepted = 0;
  std::size_t refused_by_profile = 0, refused_by_crypto = 0;
  std::set<std::string> mutations_that_apply;
};

// Compares the two verifiers on every signed element of `xml`, with every key.
void compare(const std::string& label, const std::string& xml, tally& t) {
  ++t.documents;
  auto doc = parse_document(xml, big_limits());
  if (!doc || !register_saml_ids(doc->get(), xmlDocGetRootElement(doc->get()))) {
    ++t.refused_before_verification;  // the validator refuses these before any signature check
    return;
  }
  std::vector<xmlNode*> elements;
  signed_elements(xmlDocGetRootElement(doc->get()), elements);
  for (xmlNode* e : elements) {
    const auto sigs = children(e, ns::ds, "Signature");
    for (auto& k : all_keys()) {
      ++t.comparisons;
      const auto ours = verify_enveloped_signature(doc->get(), e, k.keys);
      const bool accepted = ours && *ours;
      const bool xmlsec =
          sigs.size() == 1 && test::xmlsec_verifies(sigs.front(), X509_get0_pubkey(k.cert.get()));
      const bool reference = xmlsec && test::profile_shape(e, sigs.front());
      const std::string where = label + " element " + attribute(e, "ID").value_or("?") + " key " + k.name +
                                (ours ? std::string{} : " refused: " + ours.error().detail);
      EXPECT_EQ(accepted, reference) << where << " (xmlsec1 alone: " << xmlsec << ")";
      if (accepted) {
        ++t.accepted;
      } else if (!ours && (ours.error().reason == error::signature_invalid ||
                           ours.error().reason == error::untrusted_key)) {
        ++t.refused_by_crypto;
        EXPECT_FALSE(xmlsec) << "cryptographic refusal of what xmlsec1 verifies: " << where;
      } else {
        ++t.refused_by_profile;
      }
    }
  }
}

// --- mutations of one signed element (return false when not applicable) ---------

using mutation = std::function<bool(xmlDoc*, xmlNode* element, xmlNode* signature)>;

xmlNode* reference_of(xmlNode* signature) {
  return child(child(signature, ns::ds, "SignedInfo"), ns::ds, "Reference");
}

// The first text node with non-blank content in `element`, outside `signature`.
xmlNode* first_text(xmlNode* n, xmlNode* signature) {
  for (; n; n = n->next) {
    if (n == signature) continue;
    if (n->type == XML_TEXT_NODE && n->content && n->content[0] && !xmlIsBlankNode(n)) return n;
    if (n->type == XML_ELEMENT_NODE)
      if (xmlNode* t = first_text(n->children, signature)) return t;
  }
  return nullptr;
}

xmlNode* first_child_element_not(xmlNode* element, xmlNode* signature) {
  for (xmlNode* c = first_element(element); c; c = next_element(c))
    if (c != signature) return c;
  return nullptr;
}

bool flip_base64_bit(xmlNode* value_node, std::size_t byte_from_end) {
  auto raw = base64_decode(text(value_node));
  if (!raw || raw->size() <= byte_from_end) return false;
  (*raw)[raw->size() - 1 - byte_from_end] ^= 0x01;
  xmlNodeSetContent(value_node, BAD_CAST base64_encode(*raw).c_str());
  return true;
}

const std::vector<std::pair<std::string, mutation>>& mutations() {
  static const std::vector<std::pair<std::string, mutation>> all{
      {"digest-bit",
       [](xmlDoc*, xmlNode*, xmlNode* s) {
         return flip_base64_bit(child(reference_of(s), ns::ds, "DigestValue"), 0);
       }},
      {"signature-value-bit",
       [](xmlDoc*, xmlNode*, xmlNode* s) { return flip_base64_bit(child(s, ns::ds, "SignatureValue"), 0); }},
      {"text-changed",
       [](xmlDoc*, xmlNode* e, xmlNode* s) {
         xmlNode* t = first_text(e->children, s);
         if (!t) return false;
         std::string v = reinterpret_cast<const char*>(t->content);
         v.back() = v.back() == 'x' ? 'y' : 'x';
         xmlNodeSetContent(t, BAD_CAST xml_escape(v).c_str());
         return true;
       }},
      {"attribute-added",
       [](xmlDoc*, xmlNode* e, xmlNode*) {
         return xmlNewProp(e, BAD_CAST "Consent", BAD_CAST "x") != nullptr;
       }},
      {"comment-in-text",  // c14n without comments: still valid
       [](xmlDoc* d, xmlNode* e, xmlNode* s) {
         xmlNode* t = first_text(e->children, s);
         if (!t) return false;
         xmlAddNextSibling(t, xmlNewDocComment(d, BAD_CAST "injected"));
         return true;
       }},
      {"pi-added",  // a processing instruction is part of c14n's output
       [](xmlDoc* d, xmlNode* e, xmlNode* s) {
         xmlNode* c = first_child_element_not(e, s);
         if (!c) return false;
         xmlAddPrevSibling(c, xmlNewDocPI(d, BAD_CAST "evil", BAD_CAST "x"));
         return true;
       }},
      {"whitespace-added",
       [](xmlDoc* d, xmlNode* e, xmlNode* s) {
         xmlNode* c = first_child_element_not(e, s);
         if (!c) return false;
         xmlAddPrevSibling(c, xmlNewDocText(d, BAD_CAST "\n"));
         return true;
       }},
      {"cdata-for-text",  // CDATA is rendered as its text: still valid
       [](xmlDoc* d, xmlNode* e, xmlNode* s) {
         xmlNode* t = first_text(e->children, s);
         if (!t) return false;
         xmlNode* cdata = xmlNewCDataBlock(d, t->content, xmlStrlen(t->content));
         xmlReplaceNode(t, cdata);
         xmlFreeNode(t);
         return true;
       }},
      {"unused-namespace-added",  // exc-c14n renders only visibly used namespaces: still valid
       [](xmlDoc*, xmlNode* e, xmlNode*) {
         return xmlNewNs(e, BAD_CAST "urn:poort:test:unused", BAD_CAST "unused") != nullptr;
       }},
      {"prefix-renamed",  // same expanded names, other prefix: c14n output differs
       [](xmlDoc*, xmlNode* e, xmlNode* s) {
         xmlNode* c = first_child_element_not(e, s);
         if (!c || !c->ns) return false;
         c->ns = xmlNewNs(c, c->ns->href, BAD_CAST "renamed");
         return true;
       }},
      {"ancestor-namespace-changed",  // matters only for prefixes in the PrefixList
       [](xmlDoc* d, xmlNode* e, xmlNode*) {
         xmlNode* root = xmlDocGetRootElement(d);
         if (root == e) return false;
         for (xmlNs* n = root->nsDef; n; n = n->next)
           if (n->prefix && xmlStrEqual(n->prefix, BAD_CAST "xs")) {
             xmlFree(const_cast<xmlChar*>(n->href));
             n->href = xmlStrdup(BAD_CAST "urn:poort:test:other-xs");
             return true;
           }
         return xmlNewNs(root, BAD_CAST "urn:poort:test:other", BAD_CAST "xacml-saml") != nullptr;
       }},
      {"prefix-list-dropped",
       [](xmlDoc*, xmlNode*, xmlNode* s) {
         xmlNode* transforms = child(reference_of(s), ns::ds, "Transforms");
         xmlNode* c14n = transforms ? next_element(first_element(transforms)) : nullptr;
         xmlNode* inclusive = c14n ? first_element(c14n) : nullptr;
         if (!inclusive) return false;
         xmlUnlinkNode(inclusive);
         xmlFreeNode(inclusive);
         return true;
       }},
      {"with-comments",
       [](xmlDoc*, xmlNode*, xmlNode* s) {
         xmlNode* transforms = child(reference_of(s), ns::ds, "Transforms");
         xmlNode* c14n = transforms ? next_element(first_element(transforms)) : nullptr;
         if (!c14n) return false;
         xmlSetProp(c14n, BAD_CAST "Algorithm",
                    BAD_CAST "http://www.w3.org/2001/10/xml-exc-c14n#WithComments");
         return true;
       }},
      {"signature-moved-last",
       [](xmlDoc*, xmlNode* e, xmlNode* s) {
         xmlUnlinkNode(s);
         xmlAddChild(e, s);
         return true;
       }},
      {"two-references",
       [](xmlDoc*, xmlNode*, xmlNode* s) {
         xmlNode* ref = reference_of(s);
         return ref && xmlAddNextSibling(ref, xmlCopyNode(ref, 1)) != nullptr;
       }},
      {"reference-to-parent",
       [](xmlDoc*, xmlNode* e, xmlNode* s) {
         const auto parent_id = e->parent ? attribute(e->parent, "ID") : std::nullopt;
         if (!parent_id) return false;
         xmlSetProp(reference_of(s), BAD_CAST "URI", BAD_CAST("#" + *parent_id).c_str());
         return true;
       }},
      {"object-added",
       [](xmlDoc*, xmlNode*, xmlNode* s) {
         return xmlNewChild(s, s->ns, BAD_CAST "Object", BAD_CAST "x") != nullptr;
       }},
      {"xsw-evil-copy-before",  // an evil copy with its own ID, carrying the original's signature
       [](xmlDoc*, xmlNode* e, xmlNode* s) {
         if (!e->parent || e->parent->type != XML_ELEMENT_NODE) return false;
         xmlNode* evil = xmlCopyNode(e, 1);
         xmlSetProp(evil, BAD_CAST "ID", BAD_CAST "_evil-copy");
         for (xmlNode* adv = evil->children; adv; adv = adv->next)
           if (is_element(adv, saml_ns, "Advice")) {
             xmlUnlinkNode(adv);
             xmlFreeNode(adv);
             break;
           }
         if (xmlNode* t = first_text(evil->children, nullptr)) xmlNodeSetContent(t, BAD_CAST "evil");
         xmlAddPrevSibling(e, evil);
         return s != nullptr;
       }},
      {"xsw-original-in-object",  // the original (unsigned) inside the evil copy's Signature Object
       [](xmlDoc*, xmlNode* e, xmlNode* s) {
         if (child(e, saml_ns, "Advice") || child(e, samlp, "Response") || child(e, saml_ns, "Assertion"))
           return false;  // nested IDs would be duplicated
         xmlNode* evil = xmlCopyNode(e, 1);
         if (xmlNode* t = first_text(evil->children, nullptr)) xmlNodeSetContent(t, BAD_CAST "evil");
         xmlReplaceNode(e, evil);
         xmlUnlinkNode(s);
         xmlFreeNode(s);
         xmlSetProp(e, BAD_CAST "ID", BAD_CAST "_moved-original");
         xmlNode* evil_sig = child(evil, ns::ds, "Signature");
         xmlAddChild(xmlNewChild(evil_sig, evil_sig->ns, BAD_CAST "Object", nullptr), e);
         return true;
       }},
  };
  return all;
}

// `xml` and every mutation of every signed element in it.
void compare_with_mutations(const std::string& label, const std::string& xml, tally& t) {
  compare(label, xml, t);
  auto doc = parse_document(xml, big_limits());
  ASSERT_TRUE(doc) << label;
  std::vector<xmlNode*> elements;
  signed_elements(xmlDocGetRootElement(doc->get()), elements);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    for (const auto& [name, mutate] : mutations()) {
      auto copy = parse_document(xml, big_limits());
      std::vector<xmlNode*> copies;
      signed_elements(xmlDocGetRootElement(copy->get()), copies);
      xmlNode* e = copies[i];
      if (!mutate(copy->get(), e, child(e, ns::ds, "Signature"))) continue;
      t.mutations_that_apply.insert(name);
      compare(label + " #" + std::to_string(i) + " " + name, serialize(copy->get()), t);
    }
  }
}

std::vector<std::string> xml_files(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 4 && name.ends_with(".xml")) out.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// --- templates for the xmlsec1 command-line tool ---------------------------------

// An assertion whose content exercises c14n: comments, a PI, CDATA, escaped
// characters in text and attributes, non-ASCII text, xml:lang, a default
// namespace, a redeclared prefix, unused declarations, xsi:type QNames whose
// prefix is declared only outside the signed element.
std::string tricky_assertion(const std::string& id, const std::string& signature) {
  return "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:unused=\"urn:unused\" "
         "ID=\"" +
         id + "\" Version=\"2.0\" IssueInstant=\"2026-03-01T09:59:30Z\"><saml:Issuer>" +
         std::string{test::idp_entity_id} + "</saml:Issuer>" + signature +
         "<!-- a comment --><?poort a processing instruction?>"
         "<saml:Subject><saml:NameID NameQualifier=\"a&amp;b &lt;c&gt; &quot;d&quot; &#9;e&#10;f&#13;\">"
         "user<!-- inside -->@example.nl &amp; &lt;x&gt; &#13; caf\xc3\xa9 "
         "\xe6\x97\xa5</saml:NameID></saml:Subject>"
         "<saml:AttributeStatement><saml:Attribute Name=\"n\" xml:lang=\"nl\">"
         "<saml:AttributeValue xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xsi:type=\"xs:string\">"
         "<![CDATA[<not markup> & ]]>text</saml:AttributeValue>"
         "<saml:AttributeValue><x:Inner xmlns:x=\"urn:x\" xmlns=\"urn:default\"><Deep b=\"2\" a=\"1\"/>"
         "<x:Deeper xmlns:x=\"urn:x-redeclared\"/></x:Inner></saml:AttributeValue>"
         "</saml:Attribute></saml:AttributeStatement></saml:Assertion>";
}

std::string in_response(const std::string& inner, const std::string& id = "_cli-response",
                        const std::string& signature = "") {
  return "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
         "xmlns=\"urn:outer-default\" xmlns:xacml-saml=\"urn:oasis:xacml:2.0:saml:assertion:schema:os\" "
         "ID=\"" +
         id + "\" Version=\"2.0\" IssueInstant=\"2026-03-01T09:59:30Z\"><saml:Issuer>" +
         std::string{test::idp_entity_id} + "</saml:Issuer>" + signature +
         "<samlp:Status><samlp:StatusCode "
         "Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>" +
         inner + "</samlp:Response>";
}

std::vector<std::pair<std::string, std::string>> cli_signed_corpus() {
  using test::signature_template;
  std::vector<std::pair<std::string, std::string>> out;
  const auto assertion = [](const std::string& id, const test::template_options& o, const std::string& key) {
    return test::xmlsec1_cli_sign(tricky_assertion(id, signature_template(id, o)), key);
  };
  const auto strip_decl = [](std::string xml) {
    if (xml.starts_with("<?xml")) xml.erase(0, xml.find("?>") + 2);
    return xml;
  };
  // Signed alone, then embedded (the Response's namespaces come in scope).
  for (const std::string list : {"", "xs", "xs #default", "xacml-saml xs unused"}) {
    const std::string id = "_cli-a-" + std::to_string(out.size());
    const std::string signed_alone = assertion(id, {.prefix_list = list}, "idp-rsa.key");
    out.emplace_back("cli assertion PrefixList '" + list + "'", signed_alone);
    out.emplace_back("cli assertion PrefixList '" + list + "' in a Response",
                     in_response(strip_decl(signed_alone)));
  }
  // Signed in place inside the Response: the ancestors' namespaces count.
  for (const std::string list : {"", "xs", "#default xacml-saml"}) {
    const std::string id = "_cli-b-" + std::to_string(out.size());
    const std::string xml = in_response(
        tricky_assertion(id, signature_template(id, {.prefix_list = list, .signed_info_prefix_list = list})));
    out.emplace_back("cli assertion signed in a Response, PrefixList '" + list + "'",
                     test::xmlsec1_cli_sign(xml, "idp-rsa.key"));
  }
  // Other algorithms, keys and prefixes.
  out.emplace_back("cli ecdsa-sha384 / sha512",
                   assertion("_cli-ec",
                             {.method = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
                              .digest = "http://www.w3.org/2001/04/xmlenc#sha512",
                              .prefix_list = "xs"},
                             "idp-ec.key"));
  out.emplace_back(
      "cli ecdsa-sha256 / sha256",
      assertion("_cli-ec2", {.method = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"}, "idp-ec.key"));
  out.emplace_back("cli rsa-sha512 / sha384",
                   assertion("_cli-512",
                             {.method = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
                              .digest = "http://www.w3.org/2001/04/xmldsig-more#sha384"},
                             "idp-rsa.key"));
  out.emplace_back("cli default-namespace Signature",
                   assertion("_cli-dflt", {.prefix_list = "xs", .prefix = ""}, "idp-rsa.key"));
  out.emplace_back("cli signed by the attacker key", assertion("_cli-att", {}, "attacker.key"));
  // A signed Response around a signed assertion (inner signed first).
  const std::string inner = strip_decl(assertion("_cli-inner", {.prefix_list = "xs"}, "idp-rsa.key"));
  out.emplace_back(
      "cli signed Response around a signed Assertion",
      test::xmlsec1_cli_sign(
          in_response(inner, "_cli-outer", signature_template("_cli-outer", {.prefix_list = "xs"})),
          "idp-rsa.key"));
  return out;
}

TEST(SignatureDifferential, SameVerdictAsXmlsec1OnEverySignedMessageAndMutation) {
  tally t;
  std::vector<std::string> files = xml_files(std::string{POORT_SOURCE_DIR} + "/tests/data/saml");
  files.push_back(std::string{POORT_SOURCE_DIR} + "/bench/saml-compare/plain-signed.xml");
  for (const auto& f : files) {
    auto text = read_file(f);
    ASSERT_TRUE(text) << f;
    compare_with_mutations(f.substr(f.rfind('/') + 1), *text, t);
  }
  const std::size_t fixture_docs = t.documents;

  for (const auto& [label, xml] : cli_signed_corpus()) compare_with_mutations(label, xml, t);
  const std::size_t cli_docs = t.documents - fixture_docs;

  const std::string out = std::string{POORT_BINARY_DIR} + "/saml-pysaml2-" + std::to_string(::getpid());
  const std::string cmd = "/usr/bin/python3 " + std::string{POORT_SOURCE_DIR} +
                          "/tests/unit/saml/pysaml2_sign.py " + test::data_path("") + " " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto py_files = xml_files(out);
  ASSERT_EQ(py_files.size(), 5u);
  for (const auto& f : py_files) {
    auto text = read_file(f);
    ASSERT_TRUE(text) << f;
    compare_with_mutations("pysaml2 " + f.substr(f.rfind('/') + 1), *text, t);
    std::remove(f.c_str());
  }
  rmdir(out.c_str());

  std::cout << "differential: " << t.documents << " documents (" << fixture_docs << " from fixtures, "
            << cli_docs << " from xmlsec1 CLI signatures, the rest from pysaml2; mutations included), "
            << t.comparisons << " verdicts: " << t.accepted << " accepted, " << t.refused_by_crypto
            << " refused on cryptography, " << t.refused_by_profile << " on the profile; "
            << t.refused_before_verification << " documents refused before verification (duplicate IDs)\n";
  EXPECT_EQ(t.mutations_that_apply.size(), mutations().size());
  EXPECT_GT(t.accepted, 100u);
  EXPECT_GT(t.refused_by_crypto, 500u);
}

}  // namespace
}  // namespace poort::saml

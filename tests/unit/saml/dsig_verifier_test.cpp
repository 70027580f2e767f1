// poort's own signature verifier (saml/dsig_verifier.hpp): the shapes it
// must refuse although xmlsec1 verifies them, tampering it must catch, and
// content it must accept or refuse exactly as exclusive c14n dictates. The
// signatures are made by xmlsec1 from templates (tests/unit/saml/xmlsec_reference.hpp).
#include "saml/dsig_verifier.hpp"

#include <gtest/gtest.h>

#include "common/encoding.hpp"
#include "saml_test_util.hpp"
#include "xmlsec_reference.hpp"

namespace poort::saml {
namespace {

using test::signature_template;
using test::template_options;

constexpr char assertion_id[] = "_built-assertion";
constexpr char response_id[] = "_built-response";

// The test helper's unsigned Response, its Assertion carrying `extra` and the
// signature template `tmpl` right after its Issuer.
std::string unsigned_with(const std::string& tmpl, const std::string& extra = "") {
  test::response_spec spec;
  spec.sign_assertion = false;
  spec.extra_assertion_content = extra;
  std::string xml = test::build_response(spec);
  const auto issuer_end = xml.find("</saml:Issuer>", xml.find("<saml:Assertion"));
  return xml.insert(issuer_end + 14, tmpl);
}

std::string signed_with(const std::string& tmpl, const std::string& extra = "",
                        const char* key = "idp-rsa.key") {
  return test::xmlsec_sign_templates(unsigned_with(tmpl, extra), key);
}

struct verdict {
  error reason = error::ok;    ///< ok: verified
  bool signed_element = true;  ///< false: no Signature child at all
  bool xmlsec = false;         ///< xmlsec1 verifies the element's (first) Signature with the same key
};

// Verifies the element with `id` in `xml` under `cert`, as the validator
// would (its parser and ID registration), and asks xmlsec1 too.
// `ask_xmlsec` false: for unsigned templates, on which xmlsec1 itself leaks.
verdict verify(const std::string& xml, const char* cert = "idp-rsa.crt", const char* id = assertion_id,
               bool ask_xmlsec = true) {
  auto doc = parse_document(xml, parse_limits{});
  EXPECT_TRUE(doc);
  EXPECT_TRUE(register_saml_ids(doc->get(), xmlDocGetRootElement(doc->get())));
  xmlNode* element = xmlGetID(doc->get(), BAD_CAST id)->parent;
  auto c = test::certificate(cert);
  X509* raw[] = {c.get()};
  auto keys = trusted_keys::create(raw);
  EXPECT_TRUE(keys);
  verdict v;
  if (xmlNode* sig = child(element, ns::ds, "Signature"); sig && ask_xmlsec)
    v.xmlsec = test::xmlsec_verifies(sig, X509_get0_pubkey(c.get()));
  auto r = verify_enveloped_signature(doc->get(), element, *keys);
  if (!r)
    v.reason = r.error().reason;
  else
    v.signed_element = *r;
  return v;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return pos == std::string::npos ? s : s.replace(pos, from.size(), to);
}

// The base64 text of the first `element` (ds:DigestValue, ds:SignatureValue)
// with the lowest bit of its last byte flipped.
std::string flip_last_bit(const std::string& xml, const std::string& element) {
  const auto begin = xml.find("<ds:" + element + ">") + element.size() + 5;
  const auto end = xml.find("</ds:" + element + ">", begin);
  auto raw = base64_decode(xml.substr(begin, end - begin));
  EXPECT_TRUE(raw);
  raw->back() ^= 0x01;
  std::string out = xml;
  return out.replace(begin, end - begin, base64_encode(*raw));
}

TEST(DsigVerifier, AcceptsTheProfileShape) {
  const auto v = verify(signed_with(signature_template(assertion_id)));
  EXPECT_EQ(v.reason, error::ok);
  EXPECT_TRUE(v.signed_element);
  EXPECT_TRUE(v.xmlsec);
  auto r = test::check(signed_with(signature_template(assertion_id)));
  EXPECT_TRUE(r) << r.error().detail;
}

TEST(DsigVerifier, RefusesTwoReferences) {
  std::string tmpl = signature_template(assertion_id);
  const auto begin = tmpl.find("<ds:Reference");
  const auto end = tmpl.find("</ds:Reference>") + 15;
  tmpl.insert(end, tmpl.substr(begin, end - begin));
  const auto v = verify(signed_with(tmpl));
  EXPECT_TRUE(v.xmlsec);  // both digests are right: only the profile refuses
  EXPECT_EQ(v.reason, error::signature_profile);
}

TEST(DsigVerifier, RefusesAReferenceToAnotherElement) {
  // Inside the Assertion, genuinely signing the whole Response.
  const auto v = verify(signed_with(signature_template(response_id)));
  EXPECT_TRUE(v.xmlsec);
  EXPECT_EQ(v.reason, error::signature_profile);
}

TEST(DsigVerifier, RefusesAnExtraOrMissingTransform) {
  const std::string exc =
      "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></ds:Transform>";
  const auto extra = verify(
      signed_with(replace(signature_template(assertion_id), "</ds:Transforms>", exc + "</ds:Transforms>")));
  EXPECT_TRUE(extra.xmlsec);
  EXPECT_EQ(extra.reason, error::signature_profile);
  const auto missing = verify(signed_with(replace(signature_template(assertion_id), exc, "")));
  EXPECT_EQ(missing.reason, error::signature_profile);
  const std::string tmpl = signature_template(assertion_id);
  const auto env_begin = tmpl.find("<ds:Transform ");
  const auto env_end = tmpl.find("/>", env_begin) + 2;
  std::string swapped = tmpl;
  swapped.erase(env_begin, env_end - env_begin);
  swapped =
      replace(swapped, "</ds:Transforms>", tmpl.substr(env_begin, env_end - env_begin) + "</ds:Transforms>");
  EXPECT_EQ(verify(unsigned_with(swapped), "idp-rsa.crt", assertion_id, false).reason,
            error::signature_profile);  // refused before any cryptography
}

TEST(DsigVerifier, RefusesC14nWithComments) {
  const std::string with = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
  const std::string tmpl = signature_template(assertion_id);
  const auto in_transform =
      verify(signed_with(replace(tmpl, "Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"",
                                 "Transform Algorithm=\"" + with + "\""),
                         "<!-- signed comment -->"));
  EXPECT_EQ(in_transform.reason, error::signature_profile);
  const auto in_signed_info = verify(signed_with(
      replace(tmpl, "CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"",
              "CanonicalizationMethod Algorithm=\"" + with + "\"")));
  EXPECT_EQ(in_signed_info.reason, error::signature_profile);
}

TEST(DsigVerifier, RefusesASignatureThatIsNotTheExpectedChild) {
  // Valid, but at the end of the Assertion instead of after its Issuer.
  test::response_spec spec;
  spec.sign_assertion = false;
  spec.extra_assertion_content = signature_template(assertion_id);
  const std::string last = test::xmlsec_sign_templates(test::build_response(spec), "idp-rsa.key");
  const auto v = verify(last);
  EXPECT_TRUE(v.xmlsec);
  EXPECT_EQ(v.reason, error::signature_profile);
  // Valid, but a grandchild (inside Subject): the Assertion itself is unsigned.
  std::string nested = unsigned_with("");
  nested = replace(nested, "<saml:Subject>", "<saml:Subject>" + signature_template(assertion_id));
  nested = test::xmlsec_sign_templates(nested, "idp-rsa.key");
  const auto g = verify(nested);
  EXPECT_EQ(g.reason, error::ok);
  EXPECT_FALSE(g.signed_element);
  auto r = test::check(nested);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, error::signature_missing);
}

TEST(DsigVerifier, RefusesADigestOffByOneBit) {
  const std::string good = signed_with(signature_template(assertion_id));
  const auto v = verify(flip_last_bit(good, "DigestValue"));
  EXPECT_FALSE(v.xmlsec);
  EXPECT_EQ(v.reason, error::signature_invalid);
}

TEST(DsigVerifier, RefusesASignatureValueOffByOneBit) {
  const std::string good = signed_with(signature_template(assertion_id));
  const auto v = verify(flip_last_bit(good, "SignatureValue"));
  EXPECT_FALSE(v.xmlsec);
  EXPECT_EQ(v.reason, error::untrusted_key);
  const std::string ec = signed_with(
      signature_template(assertion_id, {.method = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"}), "",
      "idp-ec.key");
  EXPECT_EQ(verify(ec, "idp-ec.crt").reason, error::ok);
  EXPECT_EQ(verify(flip_last_bit(ec, "SignatureValue"), "idp-ec.crt").reason, error::untrusted_key);
}

TEST(DsigVerifier, RefusesAWrongKey) {
  const std::string good = signed_with(signature_template(assertion_id));
  EXPECT_EQ(verify(good, "attacker.crt").reason, error::untrusted_key);
  EXPECT_EQ(verify(good, "idp-ec.crt").reason, error::untrusted_key);  // no key of the method's type
  const std::string by_attacker = signed_with(signature_template(assertion_id), "", "attacker.key");
  EXPECT_EQ(verify(by_attacker, "idp-rsa.crt").reason, error::untrusted_key);
  EXPECT_EQ(verify(by_attacker, "attacker.crt").reason, error::ok);
}

TEST(DsigVerifier, NamespacePrefixTrickChangesTheCanonicalForm) {
  const std::string good = signed_with(signature_template(assertion_id));
  // The same expanded names under another prefix: a namespace-aware reader
  // sees the same Subject, c14n does not.
  const std::string renamed = replace(
      replace(good, "<saml:Subject>", "<evil:Subject xmlns:evil=\"urn:oasis:names:tc:SAML:2.0:assertion\">"),
      "</saml:Subject>", "</evil:Subject>");
  const auto v = verify(renamed);
  EXPECT_FALSE(v.xmlsec);
  EXPECT_EQ(v.reason, error::signature_invalid);
  // An unused declaration is not rendered by exclusive c14n: still valid.
  const auto unused = verify(replace(good, "<saml:Subject>", "<saml:Subject xmlns:unused=\"urn:unused\">"));
  EXPECT_TRUE(unused.xmlsec);
  EXPECT_EQ(unused.reason, error::ok);
  // Moving the saml declaration from the Response onto the Assertion: same c14n output.
  const std::string moved =
      replace(replace(good, " xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_built-response\"",
                      " ID=\"_built-response\""),
              "<saml:Issuer>", "<saml:Issuer xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">");
  EXPECT_EQ(verify(replace(moved, "<saml:Assertion ",
                           "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" "))
                .reason,
            error::ok);
}

TEST(DsigVerifier, CommentsAndProcessingInstructionsAsC14nDictates) {
  const std::string inside = "<!-- a comment --><?poort-pi data?>";
  const std::string good = signed_with(signature_template(assertion_id), inside);
  EXPECT_EQ(verify(good).reason, error::ok);
  // Comments are not signed: removing or adding one keeps the signature.
  EXPECT_EQ(verify(replace(good, "<!-- a comment -->", "")).reason, error::ok);
  EXPECT_EQ(verify(replace(good, "<saml:Subject>", "<saml:Subject><!-- added -->")).reason, error::ok);
  // Processing instructions are: removing or adding one breaks it.
  EXPECT_EQ(verify(replace(good, "<?poort-pi data?>", "")).reason, error::signature_invalid);
  EXPECT_EQ(verify(replace(good, "<saml:Subject>", "<saml:Subject><?added?>")).reason,
            error::signature_invalid);
}

TEST(DsigVerifier, PrefixListChangesTheCanonicalForm) {
  // xs is declared on the Response only and used only inside an attribute
  // value, so exclusive c14n renders it only when the PrefixList names it.
  const std::string extra =
      "<saml:AttributeStatement><saml:Attribute Name=\"n\"><saml:AttributeValue "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:string\">v</saml:AttributeValue>"
      "</saml:Attribute></saml:AttributeStatement>";
  const auto with_xs = [](std::string xml, const std::string& uri) {
    return replace(xml, "<samlp:Response ", "<samlp:Response xmlns:xs=\"" + uri + "\" ");
  };
  const std::string listed = test::xmlsec_sign_templates(
      with_xs(unsigned_with(signature_template(assertion_id, {.prefix_list = "xs"}), extra),
              "http://www.w3.org/2001/XMLSchema"),
      "idp-rsa.key");
  const std::string unlisted = test::xmlsec_sign_templates(
      with_xs(unsigned_with(signature_template(assertion_id), extra), "http://www.w3.org/2001/XMLSchema"),
      "idp-rsa.key");
  EXPECT_EQ(verify(listed).reason, error::ok);
  EXPECT_EQ(verify(unlisted).reason, error::ok);
  const auto rebind = [](const std::string& xml) {
    return replace(xml, "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"", "xmlns:xs=\"urn:evil\"");
  };
  const auto listed_rebound = verify(rebind(listed));
  EXPECT_FALSE(listed_rebound.xmlsec);
  EXPECT_EQ(listed_rebound.reason, error::signature_invalid);
  const auto unlisted_rebound = verify(rebind(unlisted));
  EXPECT_TRUE(unlisted_rebound.xmlsec);
  EXPECT_EQ(unlisted_rebound.reason, error::ok);
  // A PrefixList in SignedInfo's CanonicalizationMethod is honoured too.
  EXPECT_EQ(
      verify(signed_with(signature_template(assertion_id, {.signed_info_prefix_list = "saml xs"}))).reason,
      error::ok);
}

TEST(DsigVerifier, RefusesMalformedInclusiveNamespacesAndObjects) {
  const std::string two =
      "<ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"xs\"/>"
      "<ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"saml\"/>";
  const std::string tmpl = signature_template(assertion_id, {.prefix_list = "xs"});
  const auto begin = tmpl.find("<ec:InclusiveNamespaces");
  std::string doubled = tmpl;
  doubled.replace(begin, tmpl.find("/>", begin) + 2 - begin, two);
  EXPECT_EQ(verify(unsigned_with(doubled), "idp-rsa.crt", assertion_id, false).reason,
            error::signature_profile);
  const std::string good = signed_with(signature_template(assertion_id));
  EXPECT_EQ(verify(replace(good, "</ds:SignatureValue>", "</ds:SignatureValue><ds:Object/>")).reason,
            error::signature_profile);
}

}  // namespace
}  // namespace poort::saml

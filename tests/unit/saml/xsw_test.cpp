// XML signature wrapping: the eight classes of Somorovsky et al., "On
// Breaking SAML: Be Whoever You Want to Be" (USENIX Security 2012), each
// built from a genuinely signed fixture by moving the signed element where
// a naive validator would still verify it while reading the evil one.
#include <gtest/gtest.h>

#include "saml/response.hpp"
#include "saml_test_util.hpp"

namespace poort::saml {
namespace {

using test::doc_handle;
using test::find;

constexpr char samlp[] = "urn:oasis:names:tc:SAML:2.0:protocol";
constexpr char saml_ns[] = "urn:oasis:names:tc:SAML:2.0:assertion";
constexpr char ds[] = "http://www.w3.org/2000/09/xmldsig#";

error reason(const std::string& xml, bool want_assertions_signed = true) {
  auto settings = test::default_settings();
  settings.want_assertions_signed = want_assertions_signed;
  auto r = test::check(xml, test::make_validator({"idp-rsa.crt"}, settings));
  return r ? error::ok : r.error().reason;
}

// Makes `assertion` (a copy) evil: another subject and, optionally, ID. Its
// copy of the Advice goes, so that the nested assertion's ID stays unique.
void make_evil(xmlNode* assertion, const char* id) {
  if (id) xmlSetProp(assertion, BAD_CAST "ID", BAD_CAST id);
  if (xmlNode* advice = find(assertion->children, saml_ns, "Advice")) {
    xmlUnlinkNode(advice);
    xmlFreeNode(advice);
  }
  xmlNode* name_id = find(assertion, saml_ns, "NameID");
  xmlNodeSetContent(name_id, BAD_CAST "evil-admin");
}

xmlNode* add_object(xmlNode* signature) {
  return xmlNewChild(signature, signature->ns, BAD_CAST "Object", nullptr);
}

// The signed-response fixture: the Response is signed, its Assertion not.
TEST(SignatureWrapping, Xsw1OriginalResponseInsideSignatureObject) {
  doc_handle d{test::fixture("signed-response.xml")};
  xmlNode* original = d.root();
  xmlNode* evil = xmlCopyNode(original, 1);
  xmlSetProp(evil, BAD_CAST "ID", BAD_CAST "_evil-response");
  make_evil(find(evil, saml_ns, "Assertion"), "_evil-assertion");
  xmlNode* signature = find(evil->children, ds, "Signature");
  xmlUnlinkNode(original);
  xmlDocSetRootElement(d.doc, evil);
  xmlNode* orig_sig = find(original->children, ds, "Signature");
  xmlUnlinkNode(orig_sig);
  xmlFreeNode(orig_sig);
  xmlAddChild(add_object(signature), original);
  EXPECT_EQ(reason(d.str(), false), error::signature_profile);
}

TEST(SignatureWrapping, Xsw2OriginalResponseBeforeDetachedSignature) {
  doc_handle d{test::fixture("signed-response.xml")};
  xmlNode* original = d.root();
  xmlNode* evil = xmlCopyNode(original, 1);
  xmlSetProp(evil, BAD_CAST "ID", BAD_CAST "_evil-response");
  make_evil(find(evil, saml_ns, "Assertion"), "_evil-assertion");
  xmlNode* signature = find(evil->children, ds, "Signature");
  xmlUnlinkNode(original);
  xmlDocSetRootElement(d.doc, evil);
  xmlNode* orig_sig = find(original->children, ds, "Signature");
  xmlUnlinkNode(orig_sig);
  xmlFreeNode(orig_sig);
  xmlAddPrevSibling(signature, original);
  EXPECT_EQ(reason(d.str(), false), error::signature_profile);
}

// The signed-assertion fixture: the Assertion is signed, the Response not.
TEST(SignatureWrapping, Xsw3EvilAssertionBeforeOriginal) {
  doc_handle d{test::fixture("signed-assertion.xml")};
  xmlNode* original = find(d.root()->children, saml_ns, "Assertion");
  xmlNode* evil = xmlCopyNode(original, 1);
  make_evil(evil, "_evil-assertion");
  xmlNode* sig = find(evil->children, ds, "Signature");
  xmlUnlinkNode(sig);
  xmlFreeNode(sig);
  xmlAddPrevSibling(original, evil);
  EXPECT_EQ(reason(d.str()), error::assertion_count);
  // With the same ID as the original, the duplicate is caught first.
  xmlSetProp(evil, BAD_CAST "ID", BAD_CAST "_assertion-1");
  EXPECT_EQ(reason(d.str()), error::duplicate_id);
}

TEST(SignatureWrapping, Xsw4OriginalAssertionInsideEvilAssertion) {
  doc_handle d{test::fixture("signed-assertion.xml")};
  xmlNode* original = find(d.root()->children, saml_ns, "Assertion");
  xmlNode* evil = xmlCopyNode(original, 1);
  make_evil(evil, "_evil-assertion");
  xmlNode* sig = find(evil->children, ds, "Signature");
  xmlUnlinkNode(sig);
  xmlFreeNode(sig);
  xmlReplaceNode(original, evil);
  xmlAddChild(evil, original);
  EXPECT_EQ(reason(d.str()), error::signature_missing);
}

TEST(SignatureWrapping, Xsw5SignatureMovedToEvilAssertionOriginalAppended) {
  doc_handle d{test::fixture("signed-assertion.xml")};
  xmlNode* original = find(d.root()->children, saml_ns, "Assertion");
  xmlNode* evil = xmlCopyNode(original, 1);
  make_evil(evil, nullptr);  // keeps the ID and the copied Signature
  xmlNode* orig_sig = find(original->children, ds, "Signature");
  xmlUnlinkNode(orig_sig);
  xmlFreeNode(orig_sig);
  xmlReplaceNode(original, evil);
  xmlAddChild(d.root(), original);
  xmlSetProp(original, BAD_CAST "ID", BAD_CAST "_moved");
  EXPECT_EQ(reason(d.str()), error::assertion_count);
}

TEST(SignatureWrapping, Xsw6OriginalAssertionInsideEvilSignatureObject) {
  doc_handle d{test::fixture("signed-assertion.xml")};
  xmlNode* original = find(d.root()->children, saml_ns, "Assertion");
  xmlNode* evil = xmlCopyNode(original, 1);
  make_evil(evil, "_evil-assertion");
  xmlNode* evil_sig = find(evil->children, ds, "Signature");
  xmlNode* orig_sig = find(original->children, ds, "Signature");
  xmlUnlinkNode(orig_sig);
  xmlFreeNode(orig_sig);
  xmlReplaceNode(original, evil);
  xmlAddChild(add_object(evil_sig), original);
  EXPECT_EQ(reason(d.str()), error::signature_profile);
}

TEST(SignatureWrapping, Xsw7OriginalAssertionInsideExtensions) {
  doc_handle d{test::fixture("signed-assertion.xml")};
  xmlNode* original = find(d.root()->children, saml_ns, "Assertion");
  xmlNode* evil = xmlCopyNode(original, 1);
  make_evil(evil, "_evil-assertion");
  xmlNode* sig = find(evil->children, ds, "Signature");
  xmlUnlinkNode(sig);
  xmlFreeNode(sig);
  xmlReplaceNode(original, evil);
  xmlNs* p = xmlSearchNsByHref(d.doc, d.root(), BAD_CAST samlp);
  xmlNode* extensions = xmlNewNode(p, BAD_CAST "Extensions");
  xmlAddPrevSibling(find(d.root()->children, samlp, "Status"), extensions);
  xmlAddChild(extensions, original);
  EXPECT_EQ(reason(d.str()), error::signature_missing);
  // An evil assertion that reuses the signed one's ID is a duplicate.
  xmlSetProp(evil, BAD_CAST "ID", BAD_CAST "_assertion-1");
  EXPECT_EQ(reason(d.str()), error::duplicate_id);
}

TEST(SignatureWrapping, Xsw8OriginalWithoutSignatureInsideObjectOfEvil) {
  doc_handle d{test::fixture("signed-assertion.xml")};
  xmlNode* original = find(d.root()->children, saml_ns, "Assertion");
  xmlNode* evil = xmlCopyNode(original, 1);
  make_evil(evil, nullptr);
  xmlNode* evil_sig = find(evil->children, ds, "Signature");
  xmlNode* orig_sig = find(original->children, ds, "Signature");
  xmlUnlinkNode(orig_sig);
  xmlFreeNode(orig_sig);
  xmlReplaceNode(original, evil);
  xmlAddChild(add_object(evil_sig), original);
  EXPECT_EQ(reason(d.str()), error::duplicate_id);
  xmlSetProp(original, BAD_CAST "ID", BAD_CAST "_elsewhere");
  EXPECT_EQ(reason(d.str()), error::signature_profile);
}

TEST(SignatureWrapping, ReferenceToAnotherElementIsRefused) {
  // A valid signature over the Response, moved into the Assertion: the
  // Reference points at the Response, not at the element that is read.
  doc_handle d{test::fixture("signed-response.xml")};
  xmlNode* sig = find(d.root()->children, ds, "Signature");
  xmlUnlinkNode(sig);
  xmlNode* assertion = find(d.root()->children, saml_ns, "Assertion");
  xmlAddChild(assertion, sig);
  EXPECT_EQ(reason(d.str(), false), error::signature_profile);
}

}  // namespace
}  // namespace poort::saml

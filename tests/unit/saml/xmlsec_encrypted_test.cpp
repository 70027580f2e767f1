// EncryptedAssertions made by libxmlsec1 itself (issue 15, item 1): the
// fixtures tests/data/saml/xmlsec-encrypted-*.xml are signed, encrypted and
// checked by the `xmlsec1` command-line tool (make-xmlsec-encrypted.py),
// never by poort's own code. The Assertion declares no namespace itself:
// saml comes from the Response, xs and xsi from the EncryptedAssertion, the
// Signature uses the dsig namespace as its default namespace, and the
// signature's exc-c14n has InclusiveNamespaces PrefixList="xs".

#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "saml/response.hpp"
#include "saml_test_util.hpp"

namespace poort::saml {
namespace {

using test::at;
using test::check;
using test::fixture;
using test::make_validator;

error reason(const checked<identity>& r) { return r ? error::ok : r.error().reason; }

// (data algorithm, envelope): "signed-response" is a signed Response (the
// POST binding's shape), "outer-xs" the same with xs declared on the Response
// (the reported case: the digest held, the SignedInfo of the default-namespace
// Signature did not: untrusted_key), "artifact" an unsigned Response in a
// signed ArtifactResponse in SOAP (the eHerkenning shape).
class XmlsecEncrypted : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  std::string name() const {
    return "xmlsec-encrypted-" + std::get<0>(GetParam()) + "-" + std::get<1>(GetParam()) + ".xml";
  }
};

TEST_P(XmlsecEncrypted, IsAcceptedWithItsIdentity) {
  const std::string xml = fixture(name());
  if (std::get<1>(GetParam()) == "outer-xs")
    ASSERT_NE(xml.find("Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
                       "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:xs="),
              std::string::npos)
        << "xs declared on the Response";
  else
    ASSERT_NE(xml.find("EncryptedAssertion xmlns:xs="), std::string::npos) << "xs declared on the wrapper";
  ASSERT_EQ(xml.find("<saml:Assertion"), std::string::npos) << "the Assertion is encrypted";
  auto e = test::default_expected();
  if (std::get<1>(GetParam()) == "artifact") e.artifact_resolve_id = test::artifact_resolve_id;
  auto r = check(xml, make_validator(), at(test::now_text), e);
  ASSERT_TRUE(r) << reason_code(r.error().reason) << ": " << r.error().detail;
  EXPECT_EQ(r->assertion_id,
            "_xmlsec-" + std::get<0>(GetParam()) + "-" + std::get<1>(GetParam()) + "-assertion");
  EXPECT_EQ(r->kvk, test::kvk);
  EXPECT_EQ(r->vestigingsnr, test::vestigingsnr);
  EXPECT_EQ(r->service_id, test::service_id);
  EXPECT_EQ(r->service_uuid, test::service_uuid);
  EXPECT_EQ(r->name_id, "transient-xmlsec");
  std::string pseudo;
  for (int i = 0; i < 8; ++i) pseudo += "b3c1d9e2";
  EXPECT_EQ(r->acting_subject_id, pseudo);
  EXPECT_EQ(r->level, assurance::loa3);
}

INSTANTIATE_TEST_SUITE_P(AlgorithmsAndEnvelopes, XmlsecEncrypted,
                         ::testing::Combine(::testing::Values("gcm", "cbc"),
                                            ::testing::Values("signed-response", "outer-xs", "artifact")));

// --- unsigned parts are never processed (issue 15, item 2) --------------------

// A validator whose only SP key is not the one the fixtures encrypt to:
// whatever it answers, it cannot be a successful decryption.
response_validator validator_with_wrong_sp_key() {
  auto cert = test::certificate("idp-rsa.crt");
  X509* raw[] = {cert.get()};
  std::vector<evp_pkey_ptr> keys;
  keys.push_back(test::private_key("attacker.key"));
  auto v = response_validator::create(test::default_settings(), raw, std::move(keys));
  EXPECT_TRUE(v);
  return std::move(*v);
}

// An EncryptedAssertion in a message whose signature nobody verified is
// refused before any decryption: a valid, a corrupted and an undecryptable
// ciphertext get the same answer, so the decryption is no oracle.
TEST(UnsignedParts, EncryptedAssertionOutsideASignedMessageIsNeverDecrypted) {
  for (const char* alg : {"gcm", "cbc"}) {
    const std::string xml = fixture(std::string("xmlsec-encrypted-") + alg + "-unsigned-response.xml");
    ASSERT_EQ(xml.find("<Signature"), std::string::npos) << "nothing outside the ciphertext is signed";
    auto r = check(xml);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().reason, error::signature_missing) << r.error().detail;
    // Corrupt the data ciphertext (the second CipherValue: the first is the EncryptedKey's).
    std::string corrupted = xml;
    auto at = corrupted.find("<xenc:CipherValue>", corrupted.find("</xenc:EncryptedKey>"));
    ASSERT_NE(at, std::string::npos);
    at += 18 + 20;
    corrupted[at] = corrupted[at] == 'A' ? 'B' : 'A';
    auto c = check(corrupted);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error().reason, r.error().reason);
    EXPECT_EQ(c.error().detail, r.error().detail);
    auto w = check(xml, validator_with_wrong_sp_key());
    ASSERT_FALSE(w);
    EXPECT_EQ(w.error().reason, r.error().reason) << "not decryption_failed: no decryption was tried";
    EXPECT_EQ(w.error().detail, r.error().detail);
  }
  // The same EncryptedAssertion under a verified signature is decrypted, and
  // then a wrong key is a decryption failure.
  EXPECT_TRUE(check(fixture("xmlsec-encrypted-gcm-signed-response.xml")));
  EXPECT_EQ(reason(check(fixture("xmlsec-encrypted-gcm-signed-response.xml"), validator_with_wrong_sp_key())),
            error::decryption_failed);
}

// An ArtifactResponse must be signed, whatever it holds: without its
// signature the otherwise valid message (a signed Assertion inside) is refused.
TEST(UnsignedParts, UnsignedArtifactResponseIsRefused) {
  auto e = test::default_expected();
  e.artifact_resolve_id = test::artifact_resolve_id;
  ASSERT_TRUE(check(fixture("artifact-response.xml"), make_validator(), at(test::now_text), e));
  test::doc_handle d(fixture("artifact-response.xml"));
  xmlNode* artifact_response =
      test::find(d.root(), "urn:oasis:names:tc:SAML:2.0:protocol", "ArtifactResponse");
  xmlNode* signature = test::find(artifact_response, "http://www.w3.org/2000/09/xmldsig#", "Signature");
  ASSERT_EQ(signature->parent, artifact_response);
  xmlUnlinkNode(signature);
  xmlFreeNode(signature);
  auto r = check(d.str(), make_validator(), at(test::now_text), e);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, error::signature_missing) << r.error().detail;
  // The same for the libxmlsec1 fixture, whose inner Response is unsigned too.
  test::doc_handle x(fixture("xmlsec-encrypted-cbc-artifact.xml"));
  xmlNode* xar = test::find(x.root(), "urn:oasis:names:tc:SAML:2.0:protocol", "ArtifactResponse");
  xmlNode* xsig = test::find(xar, "http://www.w3.org/2000/09/xmldsig#", "Signature");
  ASSERT_EQ(xsig->parent, xar);
  xmlUnlinkNode(xsig);
  xmlFreeNode(xsig);
  EXPECT_EQ(reason(check(x.str(), make_validator(), at(test::now_text), e)), error::signature_missing);
}

}  // namespace
}  // namespace poort::saml

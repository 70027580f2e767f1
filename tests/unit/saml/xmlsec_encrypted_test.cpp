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
// POST binding's shape), "artifact" an unsigned Response in a signed
// ArtifactResponse in SOAP (the eHerkenning shape).
class XmlsecEncrypted : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  std::string name() const {
    return "xmlsec-encrypted-" + std::get<0>(GetParam()) + "-" + std::get<1>(GetParam()) + ".xml";
  }
};

TEST_P(XmlsecEncrypted, IsAcceptedWithItsIdentity) {
  const std::string xml = fixture(name());
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
                                            ::testing::Values("signed-response", "artifact")));

}  // namespace
}  // namespace poort::saml

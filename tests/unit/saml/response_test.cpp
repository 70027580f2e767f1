#include "saml/response.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "saml_test_util.hpp"

namespace poort::saml {
namespace {

using namespace std::chrono_literals;
using test::at;
using test::build_response;
using test::check;
using test::fixture;
using test::make_validator;
using test::response_spec;

error reason(const checked<identity>& r) { return r ? error::ok : r.error().reason; }

// --- accepted shapes (fixtures signed by xmlsec1, encrypted by python3-cryptography)

TEST(ResponseValidator, AcceptsSignedAssertionWithEncryptedIds) {
  auto r = check(fixture("signed-assertion.xml"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->kvk, test::kvk);
  EXPECT_FALSE(r->rsin);
  EXPECT_EQ(r->acting_subject_id, "b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2");
  EXPECT_EQ(r->vestigingsnr, test::vestigingsnr);
  EXPECT_EQ(r->service_id, test::service_id);
  EXPECT_EQ(r->service_uuid, test::service_uuid);
  EXPECT_EQ(r->name_id, "transient-7f3a9c");
  EXPECT_EQ(r->level, assurance::loa3);
  EXPECT_EQ(r->assertion_id, "_assertion-1");
  EXPECT_EQ(r->session_index, "session-1");
  EXPECT_EQ(r->not_on_or_after, at("2026-03-01T10:04:00Z"));
}

TEST(ResponseValidator, AdviceAssertionsAreNeitherCountedNorRead) {
  // The Advice holds an assertion signed by an untrusted key, with another
  // LegalSubjectID: it must not make the count two, nor be verified, nor read.
  ASSERT_NE(fixture("signed-assertion.xml").find("<saml:Advice>"), std::string::npos);
  auto r = check(fixture("signed-assertion.xml"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->kvk, test::kvk);
}

TEST(ResponseValidator, AcceptsSignedResponseWhenAssertionSignaturesAreNotRequired) {
  auto settings = test::default_settings();
  settings.want_assertions_signed = false;
  auto r = check(fixture("signed-response.xml"), make_validator({"idp-rsa.crt"}, settings));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->kvk, test::kvk);
}

TEST(ResponseValidator, RefusesUnsignedAssertionByDefault) {
  EXPECT_EQ(reason(check(fixture("signed-response.xml"))), error::signature_missing);
}

TEST(ResponseValidator, AcceptsResponseAndAssertionBothSigned) {
  auto r = check(fixture("signed-both.xml"));
  ASSERT_TRUE(r) << r.error().detail;
}

TEST(ResponseValidator, AcceptsEcdsaSignature) {
  auto r = check(fixture("ecdsa.xml"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(reason(check(fixture("ecdsa.xml"), make_validator({"idp-rsa.crt"}))), error::untrusted_key);
}

TEST(ResponseValidator, AcceptsEncryptedAssertion) {
  auto r = check(fixture("encrypted-assertion.xml"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->assertion_id, "_assertion-enc");
  EXPECT_EQ(r->kvk, test::kvk);
}

TEST(ResponseValidator, RefusesEncryptedAssertionWithoutOurKey) {
  std::vector<x509_ptr> certs;
  certs.push_back(test::certificate("idp-rsa.crt"));
  X509* raw[] = {certs[0].get()};
  std::vector<evp_pkey_ptr> keys;
  keys.push_back(test::private_key("attacker.key"));
  auto v = response_validator::create(test::default_settings(), raw, std::move(keys));
  ASSERT_TRUE(v);
  EXPECT_EQ(reason(check(fixture("encrypted-assertion.xml"), *v)), error::decryption_failed);
}

TEST(ResponseValidator, AcceptsKvkAndRsinTogether) {
  auto r = check(fixture("kvk-rsin.xml"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->kvk, test::kvk);
  EXPECT_EQ(r->rsin, test::rsin);
}

TEST(ResponseValidator, AcceptsSoapArtifactResponse) {
  auto e = test::default_expected();
  e.artifact_resolve_id = test::artifact_resolve_id;
  auto r = check(fixture("artifact-response.xml"), make_validator(), at(test::now_text), e);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->kvk, test::kvk);
  e.artifact_resolve_id = "_another-resolve";
  EXPECT_EQ(reason(check(fixture("artifact-response.xml"), make_validator(), at(test::now_text), e)),
            error::in_response_to_unknown);
}

TEST(ResponseValidator, RefusesTamperedArtifactResponse) {
  std::string xml = fixture("artifact-response.xml");
  const auto pos = xml.find("Version=\"2.0\"");
  xml.replace(pos, 13, "Version=\"2.0\" Consent=\"x\"");
  EXPECT_EQ(reason(check(xml)), error::signature_invalid);
}

TEST(ResponseValidator, AcceptsOtherNamespacePrefixes) {
  auto r = check(fixture("other-prefixes.xml"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->kvk, test::kvk);
}

TEST(ResponseValidator, CancelIsAuthnFailed) {
  EXPECT_EQ(reason(check(fixture("cancel.xml"))), error::authn_failed);
}

// --- comments: never truncate a value --------------------------------------

TEST(ResponseValidator, CommentSignedIntoValueDoesNotTruncateIt) {
  auto r = check(fixture("comment-in-nameid.xml"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->name_id, "user@example.nl.evil.test");
}

TEST(ResponseValidator, CommentInjectedAfterSigningDoesNotChangeTheValue) {
  std::string xml = fixture("signed-assertion.xml");
  const auto pos = xml.find(">transient-7f3a9c<");
  ASSERT_NE(pos, std::string::npos);
  xml.replace(pos, 18, ">transient<!--injected-->-7f3a9c<");
  auto r = check(xml);
  ASSERT_TRUE(r) << r.error().detail;  // c14n drops comments: still the signed value
  EXPECT_EQ(r->name_id, "transient-7f3a9c");
}

// --- signatures ---------------------------------------------------------------

TEST(ResponseValidator, RefusesStrippedSignature) {
  std::string xml = fixture("signed-assertion.xml");
  const auto begin = xml.find("<ds:Signature");
  const auto end = xml.find("</ds:Signature>", begin) + 15;
  xml.erase(begin, end - begin);
  EXPECT_EQ(reason(check(xml)), error::signature_missing);
}

TEST(ResponseValidator, RefusesAlteredSignedContent) {
  std::string xml = fixture("signed-assertion.xml");
  const auto pos = xml.find(test::service_uuid);
  xml.replace(pos, 1, "9");
  EXPECT_EQ(reason(check(xml)), error::signature_invalid);
}

TEST(ResponseValidator, RefusesUntrustedSigningKey) {
  EXPECT_EQ(reason(check(fixture("signed-assertion.xml"), make_validator({"idp-ec.crt"}))),
            error::untrusted_key);
  EXPECT_EQ(reason(check(fixture("signed-assertion.xml"), make_validator({"attacker.crt"}))),
            error::untrusted_key);
}

TEST(ResponseValidator, IgnoresAttackerCertificateInKeyInfo) {
  EXPECT_EQ(reason(check(fixture("attacker-keyinfo.xml"))), error::untrusted_key);
}

TEST(ResponseValidator, RefusesSha1AndHmac) {
  EXPECT_EQ(reason(check(fixture("rsa-sha1.xml"))), error::signature_algorithm);
  EXPECT_EQ(reason(check(fixture("hmac.xml"))), error::signature_algorithm);
}

TEST(ResponseValidator, RefusesDuplicateIds) {
  std::string xml = fixture("signed-assertion.xml");
  xml.replace(xml.find("ID=\"_response-1\""), 16, "ID=\"_assertion-1\"");
  EXPECT_EQ(reason(check(xml)), error::duplicate_id);
}

TEST(ResponseValidator, RefusesSecondSignedAssertion) {
  response_spec spec;
  spec.assertion_id = "_second";
  std::string second = build_response(spec);
  second = second.substr(second.find("<saml:Assertion"));
  second = second.substr(0, second.find("</samlp:Response>"));
  std::string xml = fixture("signed-assertion.xml");
  xml.insert(xml.find("</samlp:Response>"), second);
  EXPECT_EQ(reason(check(xml)), error::assertion_count);
}

TEST(ResponseValidator, RefusesNoAssertion) {
  response_spec spec;
  std::string xml = build_response(spec);
  const auto begin = xml.find("<saml:Assertion");
  xml.erase(begin, xml.find("</samlp:Response>") - begin);
  EXPECT_EQ(reason(check(xml)), error::assertion_count);
}

// --- XML hazards -----------------------------------------------------------------

TEST(ResponseValidator, RefusesDoctypeXxeAndEntityExpansion) {
  const std::string body = fixture("signed-assertion.xml");
  EXPECT_EQ(reason(check("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" + body)), error::doctype);
  EXPECT_EQ(
      reason(check("<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                   "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>" +
                   body)),
      error::doctype);
  EXPECT_EQ(reason(check("<!DOCTYPE samlp:Response SYSTEM \"http://127.0.0.1:1/x.dtd\">" + body)),
            error::doctype);
}

TEST(ResponseValidator, RefusesOversizedAndTooDeepInput) {
  auto settings = test::default_settings();
  settings.limits.max_bytes = 1000;
  EXPECT_EQ(reason(check(fixture("signed-assertion.xml"), make_validator({"idp-rsa.crt"}, settings))),
            error::too_large);
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<a>";
  for (int i = 0; i < 100; ++i) deep += "</a>";
  EXPECT_EQ(reason(check(deep)), error::too_large);
  EXPECT_EQ(reason(check("<samlp:Response")), error::malformed);
}

// --- protocol rules (responses built and signed by the test helper) ---------------

TEST(ResponseValidator, AcceptsBuiltResponse) {
  auto r = check(build_response({}));
  ASSERT_TRUE(r) << r.error().detail;
}

TEST(ResponseValidator, RefusesWrongIssuer) {
  response_spec spec;
  spec.issuer = "urn:etoegang:HM:00000099000000000009:entities:9001";
  EXPECT_EQ(reason(check(build_response(spec))), error::issuer_mismatch);
}

TEST(ResponseValidator, RefusesAudienceThatOnlyLooksRight) {
  for (std::string audience : {std::string{test::sp_entity_id} + "0", std::string{test::sp_entity_id} + " ",
                               std::string{"urn:etoegang:DV:00000099000000000002:entities:900"}}) {
    response_spec spec;
    spec.audience = audience;
    EXPECT_EQ(reason(check(build_response(spec))), error::audience_mismatch) << audience;
  }
}

TEST(ResponseValidator, RefusesWrongRecipient) {
  response_spec spec;
  spec.recipient = "https://poort.test/saml/acs?x=1";
  EXPECT_EQ(reason(check(build_response(spec))), error::recipient_mismatch);
}

TEST(ResponseValidator, RefusesWrongDestinationButAllowsNone) {
  response_spec spec;
  spec.destination = "https://evil.test/saml/acs";
  EXPECT_EQ(reason(check(build_response(spec))), error::destination_mismatch);
  spec.destination.reset();
  EXPECT_TRUE(check(build_response(spec)));
}

TEST(ResponseValidator, RefusesAnotherRequestsResponse) {
  response_spec spec;
  spec.in_response_to = "_req-other";
  EXPECT_EQ(reason(check(build_response(spec))), error::in_response_to_unknown);
  response_spec bearer;
  bearer.bearer_in_response_to = "_req-other";
  EXPECT_EQ(reason(check(build_response(bearer))), error::in_response_to_unknown);
}

TEST(ResponseValidator, RefusesUnsolicitedResponse) {
  response_spec spec;
  spec.in_response_to.reset();
  EXPECT_EQ(reason(check(build_response(spec))), error::unsolicited);
}

TEST(ResponseValidator, TimeWindowEdgesHonourTheSkew) {
  response_spec spec;  // NotBefore 09:59:00, NotOnOrAfter 10:04:00, skew 60 s
  spec.issue_instant = spec.not_before;
  const std::string xml = build_response(spec);
  fake_clock clock{at("2026-03-01T09:58:00Z")};
  EXPECT_TRUE(check(xml, make_validator(), clock.now()));  // NotBefore - skew
  clock.advance(-1s);
  EXPECT_EQ(reason(check(xml, make_validator(), clock.now())), error::not_yet_valid);
  clock.set(at("2026-03-01T10:04:59Z"));  // NotOnOrAfter + skew - 1 s
  EXPECT_TRUE(check(xml, make_validator(), clock.now()));
  clock.advance(1s);
  EXPECT_EQ(reason(check(xml, make_validator(), clock.now())), error::expired);
}

TEST(ResponseValidator, BearerNotOnOrAfterIsEnforced) {
  response_spec spec;
  spec.bearer_not_on_or_after = "2026-03-01T09:58:59Z";
  EXPECT_EQ(reason(check(build_response(spec))), error::expired);
}

TEST(ResponseValidator, RefusesStaleOrFutureIssueInstant) {
  response_spec old;
  old.issue_instant = "2026-03-01T09:54:00Z";  // 6 min: beyond max age 300 s + skew 60 s
  old.not_before = old.issue_instant;
  EXPECT_EQ(reason(check(build_response(old))), error::expired);
  response_spec future;
  future.issue_instant = "2026-03-01T10:01:01Z";
  future.not_before = "2026-03-01T09:59:00Z";
  EXPECT_EQ(reason(check(build_response(future))), error::not_yet_valid);
}

TEST(ResponseValidator, RefusesAssuranceBelowMinimumOrLookAlike) {
  for (std::string loa :
       {"urn:etoegang:core:assurance-class:loa2plus", "urn:etoegang:core:assurance-class:loa3x",
        "urn:etoegang:core:assurance-class:loa33", "urn:evil:core:assurance-class:loa4",
        "urn:etoegang:core:assurance-class:loa4 ", ""}) {
    response_spec spec;
    spec.assurance = loa;
    EXPECT_EQ(reason(check(build_response(spec))), error::assurance_too_low) << loa;
  }
  response_spec loa4;
  loa4.assurance = "urn:etoegang:core:assurance-class:loa4";
  auto r = check(build_response(loa4));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->level, assurance::loa4);
}

TEST(ResponseValidator, ChecksRequestedService) {
  auto e = test::default_expected();
  e.service_id = test::service_id;
  e.service_uuid = test::service_uuid;
  EXPECT_TRUE(check(build_response({}), make_validator(), at(test::now_text), e));
  e.service_uuid = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(reason(check(build_response({}), make_validator(), at(test::now_text), e)),
            error::service_mismatch);
  e = test::default_expected();
  e.service_id = "urn:etoegang:DV:00000099000000000002:services:2";
  EXPECT_EQ(reason(check(build_response({}), make_validator(), at(test::now_text), e)),
            error::service_mismatch);
}

TEST(ResponseValidator, RefusesMissingLegalSubject) {
  response_spec spec;
  spec.legal_subject = false;
  EXPECT_EQ(reason(check(build_response(spec))), error::legal_subject_missing);
}

TEST(ResponseValidator, RefusesReplay) {
  const auto v = make_validator();
  fake_clock clock{at(test::now_text)};
  memory_replay_cache replays{clock};
  const std::string xml = fixture("signed-assertion.xml");
  ASSERT_TRUE(v.validate(xml, test::default_expected(), clock, replays));
  auto again = v.validate(xml, test::default_expected(), clock, replays);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, error::replayed);
}

TEST(ResponseValidator, RefusalDetailNeverCarriesIdentityValues) {
  response_spec spec;
  spec.audience = test::kvk;
  auto r = check(build_response(spec));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail.find(test::kvk), std::string::npos);
}

}  // namespace
}  // namespace poort::saml

// Artifacts, ArtifactResolve, AuthnRequest, SP metadata, service catalogue
// and IdP metadata. Signatures we make are checked by Debian's xmlsec1
// command-line tool, an implementation independent of ours.
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>

#include "common/encoding.hpp"
#include "saml/artifact.hpp"
#include "saml/authn_request.hpp"
#include "saml/metadata.hpp"
#include "saml/xml.hpp"
#include "saml_test_util.hpp"

namespace poort::saml {
namespace {

using test::at;

signing_key sp_signer(std::string key_name = "sp-key-1") {
  auto k = signing_key::create(test::private_key("sp.key"), test::certificate("sp.crt"), std::move(key_name));
  EXPECT_TRUE(k);
  return std::move(*k);
}

// Runs `xmlsec1 --verify` on `xml` with sp.crt; true if it verifies.
bool xmlsec1_verifies(const std::string& xml, const std::string& id_attr) {
  const std::string file =
      std::string{POORT_BINARY_DIR} + "/saml-verify-" + std::to_string(::getpid()) + ".xml";
  std::ofstream{file} << xml;
  const std::string cmd = "xmlsec1 --verify --pubkey-cert-pem " + test::data_path("sp.crt") +
                          " --id-attr:ID " + id_attr + " " + file + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  std::remove(file.c_str());
  return rc == 0;
}

std::string make_artifact(std::string_view issuer, std::uint16_t index, std::size_t extra = 0,
                          std::uint8_t type = 4) {
  bytes raw{0x00, type, static_cast<std::uint8_t>(index >> 8), static_cast<std::uint8_t>(index & 0xff)};
  const auto source = sha1(issuer);
  raw.insert(raw.end(), source.begin(), source.end());
  for (std::size_t i = 0; i < 20 + extra; ++i) raw.push_back(static_cast<std::uint8_t>(i));
  return base64_encode(raw);
}

TEST(Artifact, ParsesType4Artifact) {
  auto a = parse_artifact(make_artifact(test::idp_entity_id, 258));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->endpoint_index, 258);
  EXPECT_TRUE(a->issued_by(test::idp_entity_id));
  EXPECT_FALSE(a->issued_by("urn:etoegang:HM:00000099000000000009:entities:9001"));
  EXPECT_EQ(a->message_handle[19], 19);
}

TEST(Artifact, RefusesWrongLengthTypeOrEncoding) {
  EXPECT_EQ(parse_artifact(make_artifact(test::idp_entity_id, 1, 1)).error(), error::artifact_invalid);
  EXPECT_EQ(parse_artifact(make_artifact(test::idp_entity_id, 1, 0, 3)).error(), error::artifact_invalid);
  EXPECT_EQ(parse_artifact("AAQAAQ==").error(), error::artifact_invalid);
  EXPECT_EQ(parse_artifact("not*base64").error(), error::artifact_invalid);
  EXPECT_EQ(parse_artifact("").error(), error::artifact_invalid);
}

TEST(Artifact, BuildsSignedArtifactResolveInSoap) {
  fake_clock clock{at(test::now_text)};
  fake_random rng;
  const std::string art = make_artifact(test::idp_entity_id, 1);
  auto r = build_artifact_resolve(art, test::sp_entity_id, "https://idp.test/ars", sp_signer(), rng, clock);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id.size(), 41u);
  EXPECT_NE(r->soap.find("<soap11:Envelope"), std::string::npos);
  EXPECT_NE(r->soap.find("<samlp:Artifact>" + art + "</samlp:Artifact>"), std::string::npos);
  EXPECT_NE(r->soap.find("IssueInstant=\"2026-03-01T10:00:00Z\""), std::string::npos);
  EXPECT_NE(r->soap.find("xmldsig-more#rsa-sha256"), std::string::npos);
  EXPECT_NE(r->soap.find("<ds:KeyName>sp-key-1</ds:KeyName>"), std::string::npos);
  EXPECT_TRUE(xmlsec1_verifies(r->soap, "urn:oasis:names:tc:SAML:2.0:protocol:ArtifactResolve"));
  EXPECT_EQ(build_artifact_resolve("bogus", test::sp_entity_id, "x", sp_signer(), rng, clock).error(),
            error::artifact_invalid);
}

authn_request_params request_params() {
  authn_request_params p;
  p.sp_entity_id = test::sp_entity_id;
  p.destination = "https://idp.test/sso";
  p.acs_url = test::acs_url;
  p.attribute_consuming_service_index = 2;
  p.requested_assurance = assurance::loa3;
  return p;
}

TEST(AuthnRequest, PostRequestIsSignedAndComplete) {
  fake_clock clock{at(test::now_text)};
  fake_random rng;
  auto r = build_authn_request_post(request_params(), sp_signer(), rng, clock);
  ASSERT_TRUE(r);
  for (const char* part :
       {"ForceAuthn=\"true\"", "ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact\"",
        "AttributeConsumingServiceIndex=\"2\"", "Destination=\"https://idp.test/sso\"",
        "AssertionConsumerServiceURL=\"https://poort.test/saml/acs\"", "Comparison=\"minimum\"",
        "urn:etoegang:core:assurance-class:loa3", "xml-exc-c14n#"})
    EXPECT_NE(r->xml.find(part), std::string::npos) << part;
  EXPECT_NE(r->xml.find("ID=\"" + r->id + "\""), std::string::npos);
  EXPECT_TRUE(xmlsec1_verifies(r->xml, "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest"));
  EXPECT_EQ(base64_decode(post_form_value(r->xml)).value(), bytes(r->xml.begin(), r->xml.end()));
}

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      out += static_cast<char>(std::stoi(std::string{s.substr(i + 1, 2)}, nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

TEST(AuthnRequest, RedirectQueryIsSignedOverTheDeflatedRequest) {
  fake_clock clock{at(test::now_text)};
  fake_random rng;
  auto r = build_authn_request_redirect(request_params(), "rs-key-1", sp_signer(), rng, clock);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->url.starts_with("https://idp.test/sso?SAMLRequest="));
  EXPECT_EQ(r->xml.find("Signature"), std::string::npos);
  const std::string query = r->url.substr(r->url.find('?') + 1);
  const auto sig_at = query.find("&Signature=");
  const std::string signed_part = query.substr(0, sig_at);
  EXPECT_NE(
      signed_part.find(
          "&RelayState=rs-key-1&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"),
      std::string::npos);
  // The signature verifies with the SP certificate's public key.
  const auto signature = base64_decode(url_decode(query.substr(sig_at + 11))).value();
  auto cert = test::certificate("sp.crt");
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  ASSERT_EQ(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert.get())), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()),
            1);
  // SAMLRequest inflates to the request.
  const auto b64 = url_decode(signed_part.substr(12, signed_part.find('&') - 12));
  const auto deflated = base64_decode(b64).value();
  std::string inflated(8192, '\0');
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, -15), Z_OK);
  z.next_in = const_cast<Bytef*>(deflated.data());
  z.avail_in = static_cast<uInt>(deflated.size());
  z.next_out = reinterpret_cast<Bytef*>(inflated.data());
  z.avail_out = static_cast<uInt>(inflated.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  inflated.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(inflated, r->xml);
  EXPECT_EQ(
      build_authn_request_redirect(request_params(), std::string(81, 'x'), sp_signer(), rng, clock).error(),
      error::malformed);
}

sp_metadata_params metadata_params(X509* current, X509* next) {
  sp_metadata_params p;
  p.entity_id = test::sp_entity_id;
  p.acs_url = test::acs_url;
  p.current_certificate = current;
  p.next_certificate = next;
  p.services = {{1, test::service_id, "Casework", "Re-entry notifications"},
                {2, "urn:etoegang:DV:00000099000000000002:services:2", "Signing", "Sign the application"}};
  p.organization_name = "Justid (TEST)";
  p.organization_url = "https://poort.test/";
  return p;
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}

TEST(SpMetadata, IsSignedAndFollowsTheEherkenningProfile) {
  auto current = test::certificate("sp.crt");
  auto next = test::certificate("attacker.crt");
  auto xml = build_sp_metadata(metadata_params(current.get(), next.get()), sp_signer());
  ASSERT_TRUE(xml);
  EXPECT_TRUE(xmlsec1_verifies(*xml, "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"));
  EXPECT_NE(xml->find("AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\""), std::string::npos);
  EXPECT_EQ(count(*xml, "<md:KeyDescriptor>"), 2u);
  EXPECT_EQ(count(*xml, "<ds:KeyName>" + key_name_of(next.get()) + "</ds:KeyName>"), 1u);
  EXPECT_EQ(count(*xml, "isDefault=\"true\""), 2u);  // the ACS and one AttributeConsumingService
  EXPECT_NE(xml->find("<md:RequestedAttribute Name=\"" + std::string{test::service_id} + "\""),
            std::string::npos);
  EXPECT_NE(xml->find("bindings:HTTP-Artifact\" Location=\"https://poort.test/saml/acs\""),
            std::string::npos);
  EXPECT_EQ(xml->find("NameIDFormat"), std::string::npos);
  auto dup = metadata_params(current.get(), nullptr);
  dup.services[1].index = 1;
  EXPECT_EQ(build_sp_metadata(dup, sp_signer()).error(), error::malformed);
}

// Configured texts go into the metadata as text, whatever markup they hold
// (poort::xml_escape): the signature still verifies and the name reads back.
TEST(SpMetadata, ConfiguredTextsCannotAddMarkup) {
  const std::string name = "Justid & \"DJI\" <'s-Hertogenbosch><md:Extensions/>";
  auto current = test::certificate("sp.crt");
  auto p = metadata_params(current.get(), nullptr);
  p.organization_name = name;
  auto xml = build_sp_metadata(p, sp_signer());
  ASSERT_TRUE(xml);
  EXPECT_TRUE(xmlsec1_verifies(*xml, "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor"));
  auto doc = parse_document(*xml, {});
  ASSERT_TRUE(doc);
  const xmlNode* organization = child(xmlDocGetRootElement(doc->get()), ns::md, "Organization");
  ASSERT_NE(organization, nullptr);
  EXPECT_EQ(text(child(organization, ns::md, "OrganizationName")), name);
  EXPECT_EQ(text(child(organization, ns::md, "OrganizationDisplayName")), name);
  EXPECT_EQ(children(xmlDocGetRootElement(doc->get()), ns::md, "Extensions").size(), 0u);
}

TEST(ServiceCatalogue, IsSignedWithDefinitionsAndInstances) {
  fake_clock clock{at(test::now_text)};
  fake_random rng;
  auto cert = test::certificate("sp.crt");
  service_catalogue_params p;
  p.oin = "00000099000000000002";
  p.organization_display_name = "Justid (TEST)";
  p.broker_oin = "00000099000000000001";
  p.version = "urn:etoegang:1.13:53";
  p.encryption_certificate = cert.get();
  p.services = {{test::service_uuid, "0a1b2c3d-0000-4000-8000-000000000001", test::service_id, "Casework",
                 "Re-entry notifications", "https://poort.test/", "https://poort.test/privacy",
                 assurance::loa3}};
  auto xml = build_service_catalogue(p, sp_signer(), rng, clock);
  ASSERT_TRUE(xml);
  for (const char* part :
       {"<esc:ServiceProviderID>00000099000000000002</esc:ServiceProviderID>",
        "<esc:InstanceOfService>8d8a3b31-6a7e-4c5b-9d3e-3f0a2f8c1a01</esc:InstanceOfService>",
        "<esc:SSOSupport>false</esc:SSOSupport>", "<md:KeyDescriptor use=\"encryption\">",
        "urn:etoegang:core:assurance-class:loa3", "ServiceRestriction:Vestigingsnr"})
    EXPECT_NE(xml->find(part), std::string::npos) << part;
  p.services[0].name = std::string(65, 'n');
  EXPECT_EQ(build_service_catalogue(p, sp_signer(), rng, clock).error(), error::malformed);
}

// During a rollover the catalogue carries the next certificate like the SP
// metadata does, and xmlsec1 (not our verifier) verifies its signature; the
// level it states is the one it is given (issue 15, items 3 and 5).
TEST(ServiceCatalogue, CarriesTheNextCertificateAndVerifiesWithXmlsec1) {
  fake_clock clock{at(test::now_text)};
  fake_random rng;
  auto cert = test::certificate("sp.crt");
  auto next = test::certificate("attacker.crt");
  service_catalogue_params p;
  p.oin = "00000099000000000002";
  p.organization_display_name = "Justid (TEST)";
  p.broker_oin = "00000099000000000001";
  p.version = "urn:etoegang:1.13:53";
  p.encryption_certificate = cert.get();
  p.services = {{test::service_uuid, "0a1b2c3d-0000-4000-8000-000000000001", test::service_id, "Casework",
                 "Re-entry notifications", "https://poort.test/", "https://poort.test/privacy",
                 assurance::loa4}};
  auto without = build_service_catalogue(p, sp_signer(), rng, clock);
  ASSERT_TRUE(without);
  EXPECT_EQ(count(*without, "<esc:ServiceCertificate>"), 1u);
  EXPECT_EQ(count(*without, key_name_of(next.get())), 0u);
  EXPECT_TRUE(xmlsec1_verifies(*without, "urn:etoegang:1.13:service-catalog:ServiceCatalogue"));
  p.next_certificate = next.get();
  auto with = build_service_catalogue(p, sp_signer(), rng, clock);
  ASSERT_TRUE(with);
  EXPECT_EQ(count(*with, "<esc:ServiceCertificate>"), 2u);
  EXPECT_EQ(count(*with, "<ds:KeyName>" + key_name_of(next.get()) + "</ds:KeyName>"), 1u);
  EXPECT_EQ(count(*with, "<ds:KeyName>" + key_name_of(cert.get()) + "</ds:KeyName>"), 1u);
  EXPECT_EQ(count(*with, "<saml:AuthnContextClassRef>urn:etoegang:core:assurance-class:loa4<"), 1u);
  EXPECT_TRUE(xmlsec1_verifies(*with, "urn:etoegang:1.13:service-catalog:ServiceCatalogue"));
  // A changed byte breaks it for xmlsec1 too: the check can fail.
  std::string altered = *with;
  altered.replace(altered.find("Casework"), 8, "Caseworx");
  EXPECT_FALSE(xmlsec1_verifies(altered, "urn:etoegang:1.13:service-catalog:ServiceCatalogue"));
}

std::string idp_metadata_xml(const std::string& valid_until = "2027-01-01T00:00:00Z") {
  auto cert = test::certificate("idp-rsa.crt");
  return "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
         "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" ID=\"_md\" validUntil=\"" +
         valid_until +
         "\">"
         "<md:EntityDescriptor entityID=\"urn:other:sp\"><md:SPSSODescriptor "
         "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\"/></md:EntityDescriptor>"
         "<md:EntityDescriptor entityID=\"" +
         std::string{test::idp_entity_id} +
         "\">"
         "<md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">"
         "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>" +
         certificate_base64(cert.get()) +
         "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
         "<md:ArtifactResolutionService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:SOAP\" "
         "Location=\"https://idp.test/ars/1.13\" index=\"1\"/>"
         "<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
         "Location=\"https://idp.test/sso/1.13\"/></md:IDPSSODescriptor></md:EntityDescriptor>"
         "</md:EntitiesDescriptor>";
}

TEST(IdpMetadata, LoadsSigningCertificatesAndEndpoints) {
  fake_clock clock{at(test::now_text)};
  auto md = parse_idp_metadata(idp_metadata_xml(), test::idp_entity_id, nullptr, clock);
  ASSERT_TRUE(md);
  EXPECT_EQ(md->signing_certificates.size(), 1u);
  EXPECT_EQ(md->artifact_resolution.at(1).location, "https://idp.test/ars/1.13");
  EXPECT_EQ(md->single_sign_on.at(0).location, "https://idp.test/sso/1.13");
  EXPECT_EQ(md->valid_until, at("2027-01-01T00:00:00Z"));
  EXPECT_TRUE(parse_idp_metadata(idp_metadata_xml(), "", nullptr, clock));  // the only IdP
  EXPECT_EQ(parse_idp_metadata(idp_metadata_xml(), "urn:nobody", nullptr, clock).error(),
            error::metadata_invalid);
  EXPECT_EQ(parse_idp_metadata(idp_metadata_xml("2026-03-01T10:00:00Z"), "", nullptr, clock).error(),
            error::metadata_expired);
}

TEST(IdpMetadata, ChecksTheSignatureWhenASignerIsConfigured) {
  fake_clock clock{at(test::now_text)};
  auto signer_cert = test::certificate("sp.crt");
  auto other_cert = test::certificate("attacker.crt");
  EXPECT_EQ(parse_idp_metadata(idp_metadata_xml(), "", signer_cert.get(), clock).error(),
            error::metadata_invalid);
  auto signed_xml = sign_document(idp_metadata_xml(), sp_signer(), key_info::certificate);
  ASSERT_TRUE(signed_xml);
  EXPECT_TRUE(parse_idp_metadata(*signed_xml, "", signer_cert.get(), clock));
  EXPECT_EQ(parse_idp_metadata(*signed_xml, "", other_cert.get(), clock).error(), error::metadata_invalid);
}

}  // namespace
}  // namespace poort::saml

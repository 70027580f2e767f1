#pragma once
// Shared helpers of the SAML tests: the committed test-only keys and
// fixtures (tests/data/saml, made by make-fixtures.py with xmlsec1), a
// validator configured like the fixtures expect, and a builder of signed
// responses for the attack tables.

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "saml/response.hpp"
#include "saml/signature.hpp"

namespace poort::saml::test {

inline constexpr char now_text[] = "2026-03-01T10:00:00Z";
inline constexpr char idp_entity_id[] = "urn:etoegang:HM:00000099000000000001:entities:9001";
inline constexpr char sp_entity_id[] = "urn:etoegang:DV:00000099000000000002:entities:9000";
inline constexpr char acs_url[] = "https://poort.test/saml/acs";
inline constexpr char request_id[] = "_req-0001";
inline constexpr char artifact_resolve_id[] = "_ares-0001";
inline constexpr char service_id[] = "urn:etoegang:DV:00000099000000000002:services:1";
inline constexpr char service_uuid[] = "8d8a3b31-6a7e-4c5b-9d3e-3f0a2f8c1a01";
inline constexpr char kvk[] = "12345678";
inline constexpr char rsin[] = "123456782";
inline constexpr char vestigingsnr[] = "000012345678";

std::string data_path(const std::string& name);
std::string fixture(const std::string& name);
x509_ptr certificate(const std::string& name);
evp_pkey_ptr private_key(const std::string& name);
sys_time at(const char* rfc3339);

validator_settings default_settings();
/// A validator trusting the given IdP certificates, decrypting with sp.key.
response_validator make_validator(const std::vector<std::string>& idp_certs = {"idp-rsa.crt", "idp-ec.crt"},
                                  validator_settings settings = default_settings());
expected_response default_expected();

/// Validates at `now` (default: the fixtures' instant) with a fresh replay cache.
checked<identity> check(const std::string& xml, const response_validator& v = make_validator(),
                        sys_time now = at(now_text), const expected_response& e = default_expected());

/// The parameters of a response built and signed by `build_response`.
struct response_spec {
  std::string response_id = "_built-response";
  std::string assertion_id = "_built-assertion";
  std::string issuer = idp_entity_id;
  std::string audience = sp_entity_id;
  std::string recipient = acs_url;
  std::optional<std::string> destination = std::string{acs_url};
  std::optional<std::string> in_response_to = std::string{request_id};
  std::optional<std::string> bearer_in_response_to = std::string{request_id};
  std::string issue_instant = "2026-03-01T09:59:30Z";
  std::string not_before = "2026-03-01T09:59:00Z";
  std::string not_on_or_after = "2026-03-01T10:04:00Z";
  std::string bearer_not_on_or_after = "2026-03-01T10:04:00Z";
  std::string assurance = "urn:etoegang:core:assurance-class:loa3";
  bool legal_subject = true;
  std::string service_id = test::service_id;
  std::string service_uuid = test::service_uuid;
  std::string extra_assertion_content;  ///< appended to the Assertion before signing
  bool sign_assertion = true;
  std::string signing_key = "idp-rsa.key";
};
std::string build_response(const response_spec& spec);

/// Signs the element with `id` in `xml` (its own enveloped signature).
std::string sign_element(const std::string& xml, const std::string& id,
                         const std::string& key = "idp-rsa.key");

/// A libxml2 document for test-side tree surgery (XSW cases); parsed
/// without any of the validator's rules.
struct doc_handle {
  xmlDoc* doc;
  explicit doc_handle(const std::string& xml);
  ~doc_handle();
  doc_handle(const doc_handle&) = delete;
  doc_handle& operator=(const doc_handle&) = delete;
  xmlNode* root() const { return xmlDocGetRootElement(doc); }
  std::string str() const;
};
/// The first element (document order) with this namespace and name under `from`.
xmlNode* find(xmlNode* from, const char* ns_uri, const char* local);

}  // namespace poort::saml::test

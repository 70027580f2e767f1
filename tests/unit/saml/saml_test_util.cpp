#include "saml_test_util.hpp"

#include <libxml/parser.h>

#include <stdexcept>

namespace poort::saml::test {

std::string data_path(const std::string& name) {
  return std::string{POORT_SOURCE_DIR} + "/tests/data/saml/" + name;
}

std::string fixture(const std::string& name) {
  auto text = read_file(data_path(name));
  if (!text) throw std::runtime_error("missing fixture " + name);
  return *text;
}

x509_ptr certificate(const std::string& name) {
  auto c = load_certificate_file(data_path(name));
  if (!c) throw std::runtime_error("bad certificate " + name);
  return std::move(*c);
}

evp_pkey_ptr private_key(const std::string& name) {
  auto k = load_private_key_file(data_path(name));
  if (!k) throw std::runtime_error("bad key " + name);
  return std::move(*k);
}

sys_time at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

validator_settings default_settings() {
  validator_settings s;
  s.sp_entity_id = sp_entity_id;
  s.acs_url = acs_url;
  s.idp_entity_id = idp_entity_id;
  return s;
}

response_validator make_validator(const std::vector<std::string>& idp_certs, validator_settings settings) {
  std::vector<x509_ptr> certs;
  std::vector<X509*> raw;
  for (const auto& name : idp_certs) {
    certs.push_back(certificate(name));
    raw.push_back(certs.back().get());
  }
  std::vector<evp_pkey_ptr> keys;
  keys.push_back(private_key("sp.key"));
  auto v = response_validator::create(std::move(settings), raw, std::move(keys));
  if (!v) throw std::runtime_error("cannot create validator");
  return std::move(*v);
}

expected_response default_expected() {
  expected_response e;
  e.request_id = request_id;
  return e;
}

checked<identity> check(const std::string& xml, const response_validator& v, sys_time now,
                        const expected_response& e) {
  fake_clock clock{now};
  memory_replay_cache replays{clock};
  return v.validate(xml, e, clock, replays);
}

std::string build_response(const response_spec& s) {
  const std::string legal =
      s.legal_subject
          ? "<saml:Attribute Name=\"urn:etoegang:core:LegalSubjectID\"><saml:AttributeValue>"
            "<saml:NameID NameQualifier=\"urn:etoegang:1.9:EntityConcernedID:KvKnr\">12345678</saml:NameID>"
            "</saml:AttributeValue></saml:Attribute>"
          : "";
  std::string xml =
      "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
      s.response_id + "\" Version=\"2.0\" IssueInstant=\"" + s.issue_instant + "\"" +
      (s.destination ? " Destination=\"" + *s.destination + "\"" : "") +
      (s.in_response_to ? " InResponseTo=\"" + *s.in_response_to + "\"" : "") + "><saml:Issuer>" + s.issuer +
      "</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>"
      "</samlp:Status><saml:Assertion ID=\"" +
      s.assertion_id + "\" Version=\"2.0\" IssueInstant=\"" + s.issue_instant + "\"><saml:Issuer>" +
      s.issuer +
      "</saml:Issuer><saml:Subject><saml:NameID>subject-1</saml:NameID>"
      "<saml:SubjectConfirmation "
      "Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml:SubjectConfirmationData" +
      (s.bearer_in_response_to ? " InResponseTo=\"" + *s.bearer_in_response_to + "\"" : "") +
      " NotOnOrAfter=\"" + s.bearer_not_on_or_after + "\" Recipient=\"" + s.recipient +
      "\"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore=\"" + s.not_before +
      "\" NotOnOrAfter=\"" + s.not_on_or_after + "\"><saml:AudienceRestriction><saml:Audience>" + s.audience +
      "</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant=\"" +
      s.issue_instant + "\"><saml:AuthnContext><saml:AuthnContextClassRef>" + s.assurance +
      "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>"
      "<saml:Attribute Name=\"urn:etoegang:core:ServiceID\"><saml:AttributeValue>" +
      s.service_id +
      "</saml:AttributeValue></saml:Attribute><saml:Attribute Name=\"urn:etoegang:core:ServiceUUID\">"
      "<saml:AttributeValue>" +
      s.service_uuid + "</saml:AttributeValue></saml:Attribute>" + legal + "</saml:AttributeStatement>" +
      s.extra_assertion_content + "</saml:Assertion></samlp:Response>";
  return s.sign_assertion ? sign_element(xml, s.assertion_id, s.signing_key) : xml;
}

std::string sign_element(const std::string& xml, const std::string& id, const std::string& key) {
  auto doc = parse_document(xml, parse_limits{});
  if (!doc) throw std::runtime_error("cannot parse: " + doc.error().detail);
  if (!register_saml_ids(doc->get(), xmlDocGetRootElement(doc->get())))
    throw std::runtime_error("cannot register IDs");
  xmlAttr* attr = xmlGetID(doc->get(), BAD_CAST id.c_str());
  if (!attr) throw std::runtime_error("no element with ID " + id);
  auto signer = signing_key::create(private_key(key), nullptr);
  if (!signer || !sign_enveloped(doc->get(), attr->parent, *signer, key_info::none))
    throw std::runtime_error("cannot sign");
  return serialize(doc->get());
}

doc_handle::doc_handle(const std::string& xml)
    : doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr, XML_PARSE_NONET)) {
  if (!doc) throw std::runtime_error("test document does not parse");
}
doc_handle::~doc_handle() { xmlFreeDoc(doc); }
std::string doc_handle::str() const { return serialize(doc); }

xmlNode* find(xmlNode* from, const char* ns_uri, const char* local) {
  for (xmlNode* n = from; n; n = n->next) {
    if (is_element(n, ns_uri, local)) return n;
    if (xmlNode* c = find(n->children, ns_uri, local)) return c;
  }
  return nullptr;
}

}  // namespace poort::saml::test

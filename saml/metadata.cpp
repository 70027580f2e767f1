#include "saml/metadata.hpp"

#include <set>

#include "common/encoding.hpp"
#include "saml/dsig_verifier.hpp"
#include "saml/xml.hpp"

namespace poort::saml {
namespace {

constexpr char artifact_binding[] = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";

std::string key_descriptor(X509* cert, std::string_view use) {
  return "<md:KeyDescriptor" + (use.empty() ? std::string{} : " use=\"" + std::string{use} + "\"") +
         "><ds:KeyInfo><ds:KeyName>" + key_name_of(cert) + "</ds:KeyName><ds:X509Data><ds:X509Certificate>" +
         certificate_base64(cert) + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>";
}

std::optional<x509_ptr> certificate_from_base64(std::string_view b64) {
  const auto der = base64_decode(b64);
  if (!der) return std::nullopt;
  const unsigned char* p = der->data();
  x509_ptr cert{d2i_X509(nullptr, &p, static_cast<long>(der->size()))};
  if (!cert) return std::nullopt;
  return cert;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// --- IdP metadata helpers

checked<std::optional<sys_time>> valid_until(const xmlNode* n) {
  const auto v = attribute(n, "validUntil");
  if (!v) return std::optional<sys_time>{};
  const auto t = parse_rfc3339(*v);
  if (!t) return refuse(error::metadata_invalid, "validUntil is not an xs:dateTime");
  return t;
}

void find_entities(xmlNode* n, std::vector<xmlNode*>& out) {
  if (is_element(n, ns::md, "EntityDescriptor")) {
    out.push_back(n);
  } else if (is_element(n, ns::md, "EntitiesDescriptor")) {
    for (xmlNode* c = first_element(n); c; c = next_element(c)) find_entities(c, out);
  }
}

}  // namespace

std::string key_name_of(X509* cert) { return certificate_fingerprint_sha256(cert); }

result<std::string> build_sp_metadata(const sp_metadata_params& p, const signing_key& key) {
  if (!p.current_certificate || p.services.empty()) return error::malformed;
  std::set<unsigned> indexes;
  for (const auto& s : p.services)
    if (!indexes.insert(s.index).second) return error::malformed;
  std::string xml =
      "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
      "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" ID=\"_" +
      sha256_hex(p.entity_id).substr(0, 40) + "\" entityID=\"" + xml_escape(p.entity_id) + "\"";
  if (p.valid_until) xml += " validUntil=\"" + format_rfc3339(*p.valid_until) + "\"";
  xml +=
      "><md:SPSSODescriptor AuthnRequestsSigned=\"true\" WantAssertionsSigned=\"true\" "
      "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">";
  xml += key_descriptor(p.current_certificate, "");
  if (p.next_certificate) xml += key_descriptor(p.next_certificate, "");
  xml += "<md:AssertionConsumerService Binding=\"" + std::string{artifact_binding} + "\" Location=\"" +
         xml_escape(p.acs_url) + "\" index=\"0\" isDefault=\"true\"/>";
  bool first = true;
  for (const auto& s : p.services) {
    xml += "<md:AttributeConsumingService index=\"" + std::to_string(s.index) + "\"" +
           (first ? " isDefault=\"true\"" : "") + "><md:ServiceName xml:lang=\"nl\">" + xml_escape(s.name) +
           "</md:ServiceName>";
    if (!s.description.empty())
      xml +=
          "<md:ServiceDescription xml:lang=\"nl\">" + xml_escape(s.description) + "</md:ServiceDescription>";
    xml += "<md:RequestedAttribute Name=\"" + xml_escape(s.service_id) +
           "\" isRequired=\"false\"/>"
           "</md:AttributeConsumingService>";
    first = false;
  }
  xml += "</md:SPSSODescriptor>";
  if (!p.organization_name.empty())
    xml += "<md:Organization><md:OrganizationName xml:lang=\"nl\">" + xml_escape(p.organization_name) +
           "</md:OrganizationName><md:OrganizationDisplayName xml:lang=\"nl\">" +
           xml_escape(p.organization_name) +
           "</md:OrganizationDisplayName><md:OrganizationURL xml:lang=\"nl\">" +
           xml_escape(p.organization_url) + "</md:OrganizationURL></md:Organization>";
  xml += "</md:EntityDescriptor>";
  return sign_document(xml, key, key_info::certificate);
}

result<std::string> build_service_catalogue(const service_catalogue_params& p, const signing_key& key,
                                            random& rng, const clock& clock) {
  if (p.services.empty() || !p.encryption_certificate || utf8_length(p.organization_display_name) > 64)
    return error::malformed;
  std::string definitions, instances;
  for (const auto& s : p.services) {
    if (utf8_length(s.name) > 64 || utf8_length(s.description) > 1024) return error::malformed;
    definitions += "<esc:ServiceDefinition esc:IsPublic=\"true\"><esc:ServiceUUID>" +
                   xml_escape(s.service_uuid) + "</esc:ServiceUUID><esc:ServiceName xml:lang=\"nl\">" +
                   xml_escape(s.name) + "</esc:ServiceName><esc:ServiceDescription xml:lang=\"nl\">" +
                   xml_escape(s.description) + "</esc:ServiceDescription><saml:AuthnContextClassRef>" +
                   std::string{assurance_urn(s.level)} +
                   "</saml:AuthnContextClassRef><esc:HerkenningsmakelaarId>" + xml_escape(p.broker_oin) +
                   "</esc:HerkenningsmakelaarId>"
                   "<esc:EntityConcernedTypesAllowed setNumber=\"1\">urn:etoegang:1.9:EntityConcernedID:RSIN"
                   "</esc:EntityConcernedTypesAllowed>"
                   "<esc:EntityConcernedTypesAllowed setNumber=\"1\">urn:etoegang:1.9:EntityConcernedID:KvKnr"
                   "</esc:EntityConcernedTypesAllowed>"
                   "<esc:EntityConcernedTypesAllowed setNumber=\"2\">urn:etoegang:1.9:EntityConcernedID:KvKnr"
                   "</esc:EntityConcernedTypesAllowed>"
                   "<esc:ServiceRestrictionsAllowed>urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
                   "</esc:ServiceRestrictionsAllowed></esc:ServiceDefinition>";
    instances +=
        "<esc:ServiceInstance esc:IsPublic=\"true\"><esc:ServiceID>" + xml_escape(s.service_id) +
        "</esc:ServiceID><esc:ServiceUUID>" + xml_escape(s.instance_uuid) +
        "</esc:ServiceUUID><esc:InstanceOfService>" + xml_escape(s.service_uuid) +
        "</esc:InstanceOfService><esc:ServiceURL xml:lang=\"nl\">" + xml_escape(s.service_url) +
        "</esc:ServiceURL><esc:PrivacyPolicyURL xml:lang=\"nl\">" + xml_escape(s.privacy_policy_url) +
        "</esc:PrivacyPolicyURL><esc:HerkenningsmakelaarId>" + xml_escape(p.broker_oin) +
        "</esc:HerkenningsmakelaarId><esc:SSOSupport>false</esc:SSOSupport><esc:ServiceCertificate>" +
        key_descriptor(p.encryption_certificate, "encryption") + "</esc:ServiceCertificate>" +
        (p.next_certificate ? "<esc:ServiceCertificate>" + key_descriptor(p.next_certificate, "encryption") +
                                  "</esc:ServiceCertificate>"
                            : std::string{}) +
        "</esc:ServiceInstance>";
  }
  const std::string xml =
      "<esc:ServiceCatalogue xmlns:esc=\"urn:etoegang:1.13:service-catalog\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" "
      "xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
      "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" ID=\"_" +
      rng.hex(20) + "\" esc:IssueInstant=\"" + format_rfc3339(clock.now()) + "\" esc:Version=\"" +
      xml_escape(p.version) + "\"><esc:ServiceProvider esc:IsPublic=\"true\"><esc:ServiceProviderID>" +
      xml_escape(p.oin) + "</esc:ServiceProviderID><esc:OrganizationDisplayName xml:lang=\"nl\">" +
      xml_escape(p.organization_display_name) + "</esc:OrganizationDisplayName>" + definitions + instances +
      "</esc:ServiceProvider></esc:ServiceCatalogue>";
  return sign_document(xml, key, key_info::certificate);
}

result<idp_metadata> parse_idp_metadata(std::string_view xml, std::string_view entity_id,
                                        X509* metadata_signer, const clock& clock) {
  parse_limits limits;
  limits.max_bytes = 8u << 20;
  limits.max_nodes = 500'000;
  auto doc = parse_document(xml, limits);
  if (!doc) return error::metadata_invalid;
  xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!register_saml_ids(doc->get(), root)) return error::metadata_invalid;
  if (metadata_signer) {
    auto keys = trusted_keys::create(std::span<X509* const>{&metadata_signer, 1});
    if (!keys) return error::key_invalid;
    auto sig = verify_enveloped_signature(doc->get(), root, *keys);
    if (!sig || !*sig) return error::metadata_invalid;
  }
  const sys_time now = clock.now();
  auto root_until = valid_until(root);
  if (!root_until) return error::metadata_invalid;
  if (*root_until && **root_until <= now) return error::metadata_expired;

  std::vector<xmlNode*> entities;
  find_entities(root, entities);
  xmlNode* entity = nullptr;
  xmlNode* idp = nullptr;
  for (xmlNode* e : entities) {
    xmlNode* sso = child(e, ns::md, "IDPSSODescriptor");
    if (!sso) continue;
    const bool wanted = entity_id.empty() || attribute(e, "entityID").value_or("") == entity_id;
    if (!wanted) continue;
    if (entity) return error::metadata_invalid;  // ambiguous without an entity ID
    entity = e;
    idp = sso;
  }
  if (!entity) return error::metadata_invalid;
  auto entity_until = valid_until(entity);
  if (!entity_until) return error::metadata_invalid;
  if (*entity_until && **entity_until <= now) return error::metadata_expired;

  idp_metadata out;
  out.entity_id = attribute(entity, "entityID").value_or("");
  out.valid_until = *root_until;
  if (*entity_until && (!out.valid_until || **entity_until < *out.valid_until))
    out.valid_until = *entity_until;
  for (xmlNode* kd : children(idp, ns::md, "KeyDescriptor")) {
    if (attribute(kd, "use").value_or("signing") != "signing") continue;
    xmlNode* ki = child(kd, ns::ds, "KeyInfo");
    for (xmlNode* data : children(ki, ns::ds, "X509Data"))
      for (xmlNode* c : children(data, ns::ds, "X509Certificate")) {
        auto cert = certificate_from_base64(text(c));
        if (!cert) return error::metadata_invalid;
        out.signing_certificates.push_back(std::move(*cert));
      }
  }
  for (xmlNode* s : children(idp, ns::md, "SingleSignOnService"))
    out.single_sign_on.push_back(
        {attribute(s, "Binding").value_or(""), attribute(s, "Location").value_or("")});
  for (xmlNode* a : children(idp, ns::md, "ArtifactResolutionService")) {
    const std::string index = attribute(a, "index").value_or("");
    unsigned i = 0;
    if (index.empty() || index.size() > 5 || index.find_first_not_of("0123456789") != std::string::npos)
      return error::metadata_invalid;
    i = static_cast<unsigned>(std::stoul(index));
    out.artifact_resolution[i] = {attribute(a, "Binding").value_or(""),
                                  attribute(a, "Location").value_or("")};
  }
  if (out.entity_id.empty() || out.signing_certificates.empty()) return error::metadata_invalid;
  return out;
}

}  // namespace poort::saml

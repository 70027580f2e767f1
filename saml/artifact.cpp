#include "saml/artifact.hpp"

#include <algorithm>

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "saml/xml.hpp"

namespace poort::saml {

bool artifact::issued_by(std::string_view entity_id) const {
  const auto digest = sha1(entity_id);
  return std::ranges::equal(digest, source_id);
}

result<artifact> parse_artifact(std::string_view samlart) {
  if (samlart.empty() || samlart.size() > 200) return error::artifact_invalid;
  const auto raw = base64_decode(samlart);
  if (!raw || raw->size() != 44 || (*raw)[0] != 0x00 || (*raw)[1] != 0x04) return error::artifact_invalid;
  artifact a;
  a.endpoint_index = static_cast<std::uint16_t>(((*raw)[2] << 8) | (*raw)[3]);
  std::copy_n(raw->begin() + 4, 20, a.source_id.begin());
  std::copy_n(raw->begin() + 24, 20, a.message_handle.begin());
  return a;
}

std::string new_message_id(random& rng) {
  // Built in two steps: GCC 12 at -O3 warns falsely (-Wrestrict) on "_" + string.
  std::string id = "_";
  id += rng.hex(20);
  return id;
}

result<artifact_resolve> build_artifact_resolve(std::string_view samlart, std::string_view sp_entity_id,
                                                std::string_view destination, const signing_key& key,
                                                random& rng, const clock& clock) {
  if (!parse_artifact(samlart)) return error::artifact_invalid;
  artifact_resolve out;
  out.id = new_message_id(rng);
  const std::string xml =
      "<soap11:Envelope xmlns:soap11=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap11:Body>"
      "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
      "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
      out.id + "\" Version=\"2.0\" IssueInstant=\"" + format_rfc3339(clock.now()) + "\" Destination=\"" +
      xml_escape(destination) + "\"><saml:Issuer>" + xml_escape(sp_entity_id) +
      "</saml:Issuer><samlp:Artifact>" + xml_escape(samlart) +
      "</samlp:Artifact></samlp:ArtifactResolve></soap11:Body></soap11:Envelope>";
  auto signed_xml = sign_document(xml, key, key.key_name().empty() ? key_info::none : key_info::key_name);
  if (!signed_xml) return signed_xml.error();
  out.soap = std::move(*signed_xml);
  return out;
}

}  // namespace poort::saml

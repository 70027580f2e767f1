#include "tools/poortctl/service_catalogue.hpp"

#include <cstdint>
#include <span>
#include <string_view>

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "daemon/login.hpp"
#include "saml/assurance.hpp"
#include "saml/metadata.hpp"

namespace poort::poortctl {
namespace {

/// A name-based UUID (RFC 9562 version 5) of `name` in the namespace `ns`.
std::string uuid_v5(std::string_view ns, std::string_view name) {
  std::string hex;
  for (char c : ns)
    if (c != '-') hex += c;
  auto ns_bytes = from_hex(hex);
  std::string input(ns_bytes ? as_string_view(*ns_bytes) : std::string_view{});
  input += name;
  auto d = sha1(input);
  d[6] = static_cast<std::uint8_t>((d[6] & 0x0f) | 0x50);
  d[8] = static_cast<std::uint8_t>((d[8] & 0x3f) | 0x80);
  const std::string h = to_hex(std::span<const std::uint8_t>(d.data(), 16));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
         h.substr(20);
}

}  // namespace

result<std::string> service_catalogue_xml(const config::config& cfg, const catalogue_options& o,
                                          const clock& clock, random& rng) {
  const config::saml& saml = cfg.saml;
  auto key = daemon::load_signing_key(saml);
  if (!key) return key.error();
  saml::service_catalogue_params p;
  p.oin = saml.oin;
  p.organization_display_name = saml.organization_name;
  p.broker_oin = o.broker_oin;
  p.version = o.version;
  p.encryption_certificate = key->certificate();
  x509_ptr next;  // rollover: the next certificate too, as in the SP metadata
  if (!saml.next_signing_certificate.empty()) {
    auto c = load_certificate_file(saml.next_signing_certificate);
    if (!c) return c.error();
    next = std::move(*c);
  }
  p.next_certificate = next.get();
  const auto level = saml::parse_assurance(saml.minimum_assurance).value_or(saml::assurance::loa3);
  for (const auto& s : saml.services) {
    saml::catalogue_service c;
    c.service_uuid = s.service_uuid;
    c.instance_uuid = uuid_v5(s.service_uuid, "poort:service-instance");
    c.service_id = s.service_id;
    c.name = s.name;
    c.description = s.description;
    c.service_url = saml.base_url;
    c.privacy_policy_url = o.privacy_policy_url.empty() ? saml.base_url + "/privacy" : o.privacy_policy_url;
    c.level = level;
    p.services.push_back(std::move(c));
  }
  return saml::build_service_catalogue(p, *key, rng, clock);
}

}  // namespace poort::poortctl

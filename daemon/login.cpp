#include "daemon/login.hpp"

#include "auth/login.hpp"
#include "auth/session.hpp"
#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "common/log.hpp"
#include "daemon/artifact_client.hpp"
#include "saml/metadata.hpp"

namespace poort::daemon {
namespace {

constexpr std::size_t max_metadata_bytes = 4u << 20;

result<saml::signing_key> load_signing_key(const config::saml& saml) {
  auto key = load_private_key_file(saml.signing_key);
  if (!key) {
    log::error("saml.key_load_failed", {{"file", saml.signing_key.string()}});
    return key.error();
  }
  auto cert = load_certificate_file(saml.signing_certificate);
  if (!cert) {
    log::error("saml.key_load_failed", {{"file", saml.signing_certificate.string()}});
    return cert.error();
  }
  std::string name = saml::key_name_of(cert->get());
  return saml::signing_key::create(std::move(*key), std::move(*cert), std::move(name));
}

result<std::vector<evp_pkey_ptr>> load_decryption_keys(const config::saml& saml) {
  std::vector<evp_pkey_ptr> keys;
  const auto& files =
      saml.decryption_keys.empty() ? std::vector<config::path>{saml.signing_key} : saml.decryption_keys;
  for (const auto& f : files) {
    auto k = load_private_key_file(f);
    if (!k) {
      log::error("saml.key_load_failed", {{"file", f.string()}});
      return k.error();
    }
    keys.push_back(std::move(*k));
  }
  return keys;
}

result<auth::idp_profile> load_idp(const config::saml& saml, const config::identity_provider& idp,
                                   const clock& clock) {
  auto xml = read_file(idp.metadata, max_metadata_bytes);
  if (!xml) {
    log::error("saml.idp_metadata_failed",
               {{"idp", idp.name}, {"file", idp.metadata.string()}, {"error", "unreadable"}});
    return xml.error();
  }
  x509_ptr signer;
  if (!idp.metadata_signing_certificate.empty()) {
    auto c = load_certificate_file(idp.metadata_signing_certificate);
    if (!c) return c.error();
    signer = std::move(*c);
  }
  auto keys = load_decryption_keys(saml);
  if (!keys) return keys.error();
  auto p = auth::make_idp_profile(saml, idp, *xml, signer.get(), std::move(*keys), clock);
  if (!p) {
    log::error("saml.idp_metadata_failed",
               {{"idp", idp.name}, {"file", idp.metadata.string()}, {"error", p.error().message()}});
    return p.error();
  }
  log::info("saml.idp_loaded", {{"idp", idp.name},
                                {"entity_id", p->entity_id},
                                {"role_mapping", idp.role_mapping},
                                {"artifact_resolution_services", p->artifact_resolution.size()}});
  return p;
}

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

result<std::shared_ptr<const routing::login_services>> make_login_services(
    std::shared_ptr<const config::config> cfg, store::database& db, const clock& clock, random& rng) {
  const config::saml& saml = cfg->saml;
  auto metadata = sp_metadata_xml(*cfg);
  if (!metadata) return metadata.error();
  auto key = load_signing_key(saml);
  if (!key) return key.error();
  std::vector<auth::idp_profile> idps;
  for (const auto& idp : saml.identity_providers) {
    auto p = load_idp(saml, idp, clock);
    if (!p) return p.error();
    idps.push_back(std::move(*p));
  }
  auto client = artifact_client::create(saml);
  if (!client) return client.error();

  auto s = std::make_shared<routing::login_services>();
  s->sp_metadata = std::move(*metadata);
  s->sessions = std::make_shared<const auth::session_manager>(db, clock, rng, cfg->session);
  s->flow = std::make_shared<const auth::login_flow>(std::move(cfg), std::move(*key), std::move(idps), db,
                                                     clock, rng);
  s->soap = [c = std::make_shared<const artifact_client>(std::move(*client))](const auth::soap_call& call) {
    return c->post(call);
  };
  return std::shared_ptr<const routing::login_services>(std::move(s));
}

result<std::string> sp_metadata_xml(const config::config& cfg) {
  const config::saml& saml = cfg.saml;
  auto key = load_signing_key(saml);
  if (!key) return key.error();
  x509_ptr next;
  if (!saml.next_signing_certificate.empty()) {
    auto c = load_certificate_file(saml.next_signing_certificate);
    if (!c) return c.error();
    next = std::move(*c);
  }
  saml::sp_metadata_params p;
  p.entity_id = saml.entity_id;
  p.acs_url = saml.base_url + "/saml/acs";
  p.current_certificate = key->certificate();
  p.next_certificate = next.get();
  p.organization_name = saml.organization_name;
  p.organization_url = saml.base_url;
  for (const auto& s : saml.services) p.services.push_back({s.index, s.service_id, s.name, s.description});
  return saml::build_sp_metadata(p, *key);
}

result<std::string> service_catalogue_xml(const config::config& cfg, const catalogue_options& o,
                                          const clock& clock, random& rng) {
  const config::saml& saml = cfg.saml;
  auto key = load_signing_key(saml);
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

}  // namespace poort::daemon

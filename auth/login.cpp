#include "auth/login.hpp"

#include <algorithm>

#include "common/encoding.hpp"
#include "common/log.hpp"
#include "saml/artifact.hpp"
#include "saml/authn_request.hpp"
#include "saml/metadata.hpp"

namespace poort::auth {
namespace {

constexpr std::string_view redirect_binding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
constexpr std::string_view soap_binding = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";
constexpr std::size_t max_saml_response_chars = 512 * 1024;  // base64 of a 384 KiB document

class login_category_impl final : public error_category {
 public:
  const char* name() const noexcept override { return "poort.auth.login"; }
  std::string message(int ev) const override {
    return std::string(reason_code(static_cast<login_error>(ev)));
  }
  error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<login_error>(ev)) {
      case login_error::ok: return make_error_condition(condition::ok);
      case login_error::service_unknown:
      case login_error::idp_unknown:
      case login_error::target_invalid: return make_error_condition(condition::bad_request);
      case login_error::too_many_pending:
      case login_error::artifact_resolution_failed: return make_error_condition(condition::unavailable);
      case login_error::service_not_allowed:
      case login_error::branch_restricted:
      case login_error::organisation_unknown: return make_error_condition(condition::forbidden);
      case login_error::relay_state_missing:
      case login_error::relay_state_unknown:
      case login_error::request_consumed:
      case login_error::request_expired:
      case login_error::message_missing:
      case login_error::binding_not_allowed:
      case login_error::artifact_issuer_mismatch:
      case login_error::artifact_endpoint_unknown:
      case login_error::acting_subject_missing: return make_error_condition(condition::reauthenticate);
      case login_error::internal_error: return make_error_condition(condition::internal);
    }
    return make_error_condition(condition::internal);
  }
};

bool is_relay_state(std::string_view s) noexcept {
  if (s.size() < 16 || s.size() > 80) return false;
  return std::ranges::all_of(s, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

login_refusal refuse(login_error e, login_page page, int status, std::string detail = {}) {
  login_refusal r;
  r.reason = std::string(reason_code(e));
  r.detail = std::move(detail);
  r.page = page;
  r.status = status;
  return r;
}

login_refusal store_refusal(const error_code& ec) {
  login_refusal r;
  r.reason = "store_unavailable";
  r.detail = ec.message();
  r.page = login_page::unavailable;
  r.status = 503;
  return r;
}

login_refusal saml_refusal(const saml::refusal& s) {
  login_refusal r;
  r.reason = std::string(saml::reason_code(s.reason));
  r.detail = s.detail;
  switch (s.reason) {
    case saml::error::authn_failed:
      r.page = login_page::cancelled;
      r.status = 200;
      break;
    case saml::error::assurance_too_low:
      r.page = login_page::assurance_too_low;
      r.status = 403;
      break;
    case saml::error::replay_cache_unavailable:
      r.page = login_page::unavailable;
      r.status = 503;
      break;
    case saml::error::key_invalid:
      r.page = login_page::failed;
      r.status = 500;
      break;
    default: r.page = login_page::failed; r.status = 400;
  }
  return r;
}

const config::saml_service* find_service(const config::saml& saml, std::string_view key) {
  for (const auto& s : saml.services)
    if (s.key == key) return &s;
  return nullptr;
}

/// The configured service an assertion was issued for: by ServiceUUID, else by ServiceID.
const config::saml_service* asserted_service(const config::saml& saml, const saml::identity& id) {
  for (const auto& s : saml.services)
    if (id.service_uuid && *id.service_uuid == s.service_uuid) return &s;
  for (const auto& s : saml.services)
    if (id.service_id && *id.service_id == s.service_id) return &s;
  return nullptr;
}

bool fits(const config::identity_provider& idp, std::string_view service) {
  return (service == "admin") == (idp.role_mapping == "administrator");
}

}  // namespace

const error_category& login_category() noexcept {
  static const login_category_impl instance;
  return instance;
}

std::string_view reason_code(login_error e) noexcept {
  switch (e) {
    case login_error::ok: return "ok";
    case login_error::service_unknown: return "service_unknown";
    case login_error::idp_unknown: return "idp_unknown";
    case login_error::target_invalid: return "target_invalid";
    case login_error::too_many_pending: return "too_many_pending";
    case login_error::relay_state_missing: return "relay_state_missing";
    case login_error::relay_state_unknown: return "relay_state_unknown";
    case login_error::request_consumed: return "request_consumed";
    case login_error::request_expired: return "request_expired";
    case login_error::message_missing: return "message_missing";
    case login_error::binding_not_allowed: return "binding_not_allowed";
    case login_error::artifact_issuer_mismatch: return "artifact_issuer_mismatch";
    case login_error::artifact_endpoint_unknown: return "artifact_endpoint_unknown";
    case login_error::artifact_resolution_failed: return "artifact_resolution_failed";
    case login_error::service_not_allowed: return "service_not_allowed";
    case login_error::acting_subject_missing: return "acting_subject_missing";
    case login_error::organisation_unknown: return "organisation_unknown";
    case login_error::branch_restricted: return "branch_restricted";
    case login_error::internal_error: return "internal_error";
  }
  return "unknown";
}

bool is_local_path(std::string_view t) noexcept {
  if (t.empty() || t.size() > 512 || t[0] != '/') return false;
  if (t.size() > 1 && (t[1] == '/' || t[1] == '\\')) return false;  // "//host": another origin
  return std::ranges::all_of(t, [](char c) { return c > 0x20 && c < 0x7f && c != '\\'; });
}

result<idp_profile> make_idp_profile(const config::saml& saml, const config::identity_provider& idp,
                                     std::string_view metadata_xml, X509* metadata_signer,
                                     std::vector<evp_pkey_ptr> sp_keys, const clock& clock) {
  auto meta = saml::parse_idp_metadata(metadata_xml, "", metadata_signer, clock);
  if (!meta) return meta.error();
  idp_profile p;
  p.config = idp;
  p.entity_id = meta->entity_id;
  for (const auto& e : meta->single_sign_on) {
    if (e.binding == redirect_binding && e.location.starts_with("https://")) {
      p.sso_redirect_url = e.location;
      break;
    }
  }
  if (p.sso_redirect_url.empty()) {
    log::error("saml.idp_unusable",
               {{"idp", idp.name}, {"reason", "no https HTTP-Redirect SingleSignOnService"}});
    return saml::error::metadata_invalid;
  }
  for (const auto& [index, e] : meta->artifact_resolution)
    if (e.binding == soap_binding && e.location.starts_with("https://"))
      p.artifact_resolution[index] = e.location;
  auto settings = saml::settings_from_config(saml, p.entity_id, saml.base_url + "/saml/acs");
  if (!settings) return settings.error();
  std::vector<X509*> certs;
  for (const auto& c : meta->signing_certificates) certs.push_back(c.get());
  auto validator = saml::response_validator::create(std::move(*settings), certs, std::move(sp_keys));
  if (!validator) return validator.error();
  p.validator = std::make_shared<const saml::response_validator>(std::move(*validator));
  return p;
}

login_flow::login_flow(std::shared_ptr<const config::config> cfg, saml::signing_key key,
                       std::vector<idp_profile> idps, std::shared_ptr<session_store> store,
                       const clock& clock, random& rng)
    : cfg_(std::move(cfg)),
      key_(std::move(key)),
      idps_(std::move(idps)),
      store_(std::move(store)),
      clock_(clock),
      rng_(rng),
      replays_(store_, clock) {}

const idp_profile* login_flow::find_idp(std::string_view name) const {
  for (const auto& p : idps_)
    if (p.config.name == name) return &p;
  return nullptr;
}

login_result<std::string> login_flow::begin(std::string_view service, std::string_view idp_name,
                                            std::string_view target) const {
  const auto& saml = cfg_->saml;
  const config::saml_service* svc = find_service(saml, service);
  if (!svc) return std::unexpected(refuse(login_error::service_unknown, login_page::failed, 400));
  if (!is_local_path(target))
    return std::unexpected(refuse(login_error::target_invalid, login_page::failed, 400));
  const idp_profile* idp = nullptr;
  if (!idp_name.empty()) {
    idp = find_idp(idp_name);
  } else {
    for (const auto& p : idps_)
      if (fits(p.config, service)) {
        idp = &p;
        break;
      }
  }
  if (!idp || !fits(idp->config, service))
    return std::unexpected(refuse(login_error::idp_unknown, login_page::failed, 400));

  saml::authn_request_params params;
  params.sp_entity_id = saml.entity_id;
  params.destination = idp->sso_redirect_url;
  params.acs_url = acs_url();
  params.attribute_consuming_service_index = svc->index;
  const std::string relay_state = rng_.token(24);
  auto request = saml::build_authn_request_redirect(params, relay_state, key_, rng_, clock_);
  if (!request) {
    log::error("saml.authn_request_failed",
               {{"idp", idp->config.name}, {"error", request.error().message()}});
    return std::unexpected(
        refuse(login_error::internal_error, login_page::failed, 500, request.error().message()));
  }

  const sys_time now = clock_.now();
  store::authn_request_record rec;
  rec.request_id = request->id;
  rec.relay_state = relay_state;
  rec.target = std::string(target);
  rec.service = svc->key;
  rec.idp = idp->config.name;
  rec.created_at = now;
  auto added = store_->add_authn_request(rec, now - saml.request_lifetime, now, max_pending_requests);
  if (!added) return std::unexpected(store_refusal(added.error()));
  if (!*added) return std::unexpected(refuse(login_error::too_many_pending, login_page::unavailable, 503));
  return std::move(request->url);
}

login_result<std::string> login_flow::answer_message(const acs_input& in, const idp_profile& idp,
                                                     saml::expected_response& expected,
                                                     const soap_transport& soap) const {
  const auto& saml = cfg_->saml;
  if (!in.samlart.empty()) {
    auto art = saml::parse_artifact(in.samlart);
    if (!art)
      return std::unexpected(
          saml_refusal({saml::error::artifact_invalid, "SAMLart is not a type 0x0004 artifact"}));
    if (!art->issued_by(idp.entity_id))
      return std::unexpected(refuse(login_error::artifact_issuer_mismatch, login_page::failed, 400));
    auto endpoint = idp.artifact_resolution.find(art->endpoint_index);
    if (endpoint == idp.artifact_resolution.end())
      return std::unexpected(refuse(login_error::artifact_endpoint_unknown, login_page::failed, 400));
    auto resolve =
        saml::build_artifact_resolve(in.samlart, saml.entity_id, endpoint->second, key_, rng_, clock_);
    if (!resolve)
      return std::unexpected(
          refuse(login_error::internal_error, login_page::failed, 500, resolve.error().message()));
    expected.artifact_resolve_id = resolve->id;
    auto answer =
        soap({idp.config.name, endpoint->second, idp.config.soap_content_type, std::move(resolve->soap)});
    if (!answer)
      return std::unexpected(refuse(login_error::artifact_resolution_failed, login_page::unavailable, 502,
                                    answer.error().message()));
    return std::move(*answer);
  }
  if (!in.saml_response.empty()) {
    // The HTTP-POST binding only where it is configured: an eHerkenning
    // broker answers by artifact (AS "Bindings"), so a SAMLResponse claiming
    // to come from it is refused before it is even decoded.
    if (!idp.config.accept_post_binding)
      return std::unexpected(refuse(login_error::binding_not_allowed, login_page::failed, 400,
                                    "this IdP is not configured for the HTTP-POST binding"));
    if (in.saml_response.size() > max_saml_response_chars)
      return std::unexpected(saml_refusal({saml::error::too_large, "SAMLResponse exceeds the limit"}));
    auto decoded = base64_decode(in.saml_response);
    if (!decoded)
      return std::unexpected(saml_refusal({saml::error::malformed, "SAMLResponse is not base64"}));
    return std::string(decoded->begin(), decoded->end());
  }
  return std::unexpected(refuse(login_error::message_missing, login_page::failed, 400));
}

login_result<login_success> login_flow::finish(const acs_input& in, const soap_transport& soap) const {
  const auto& saml = cfg_->saml;
  if (!is_relay_state(in.relay_state))
    return std::unexpected(refuse(login_error::relay_state_missing, login_page::expired, 400));
  auto found = store_->find_authn_request(in.relay_state);
  if (!found) return std::unexpected(store_refusal(found.error()));
  if (!*found) return std::unexpected(refuse(login_error::relay_state_unknown, login_page::expired, 400));
  const store::authn_request_record request = std::move(**found);

  // Everything from here on knows which service and IdP the user asked for.
  auto refused = [&](login_refusal r) {
    r.service = request.service;
    r.idp = request.idp;
    return std::unexpected(std::move(r));
  };

  // Consume first: whatever happens next, this request is never answered twice.
  const sys_time now = clock_.now();
  auto consumed = store_->consume_authn_request(request.request_id, now, now - saml.request_lifetime);
  if (!consumed) return refused(store_refusal(consumed.error()));
  if (!*consumed) {
    return refused(request.consumed_at ? refuse(login_error::request_consumed, login_page::expired, 400)
                                       : refuse(login_error::request_expired, login_page::expired, 400));
  }

  const idp_profile* idp = find_idp(request.idp);
  const config::saml_service* svc = find_service(saml, request.service);
  if (!idp || !svc)  // the config changed since the login began
    return refused(refuse(login_error::idp_unknown, login_page::expired, 400));

  saml::expected_response expected;
  expected.request_id = request.request_id;
  expected.service_id = svc->service_id;
  expected.service_uuid = svc->service_uuid;
  auto message = answer_message(in, *idp, expected, soap);
  if (!message) return refused(std::move(message.error()));

  auto id = idp->validator->validate(*message, expected, clock_, replays_);
  if (!id) return refused(saml_refusal(id.error()));

  user who;
  who.idp = idp->config.name;
  who.assertion_id = id->assertion_id;
  who.assurance = std::string(saml::assurance_urn(id->level));
  who.kvk = id->kvk.value_or("");
  who.rsin = id->rsin.value_or("");
  who.vestigingsnr = id->vestigingsnr.value_or("");
  who.pseudonym = id->acting_subject_id.value_or(id->name_id.value_or(""));
  if (who.pseudonym.empty() || who.pseudonym.size() > 200)
    return refused(refuse(login_error::acting_subject_missing, login_page::failed, 400));
  const std::string actor = "user:" + who.idp + ":" + who.pseudonym;
  auto refused_by = [&](login_error e, login_page page, int status, std::string detail = {}) {
    auto r = refuse(e, page, status, std::move(detail));
    r.actor = actor;
    return refused(std::move(r));
  };

  // The role: from the IdP's role mapping and the service the assertion is for.
  const config::saml_service* asserted = asserted_service(saml, *id);
  if (!asserted || asserted->key != svc->key)
    return refused_by(login_error::service_not_allowed, login_page::failed, 403,
                      "asserted service is not the one asked");
  if (idp->config.role_mapping == "administrator") {
    who.role = role::administrator;
  } else if (svc->key == "casework") {
    who.role = role::casework;
  } else if (svc->key == "signing") {
    who.role = role::signatory;
  } else {
    return refused_by(login_error::service_not_allowed, login_page::failed, 403,
                      "service gives no municipal role");
  }

  // A Vestigingsnr restriction limits whom the user represents to one branch
  // (AS "ServiceRestriction"; it is no place). Signing the application binds
  // the municipality as a whole, which a branch's mandate does not cover;
  // case work is admitted and the session carries the restriction
  // (docs/eherkenning.md, "Branch restrictions").
  if (!who.vestigingsnr.empty() && who.role == role::signatory)
    return refused_by(login_error::branch_restricted, login_page::failed, 403,
                      "a mandate restricted to a branch cannot sign for the municipality");

  if (who.role != role::administrator) {
    auto m = store_->find_municipality(who.kvk, who.rsin, now);
    if (!m) {
      auto r = store_refusal(m.error());
      r.actor = actor;
      return refused(std::move(r));
    }
    if (!*m) return refused_by(login_error::organisation_unknown, login_page::unknown_organisation, 403);
    who.gemeentecode = std::move(**m);
  }
  return login_success{std::move(who), request.target};
}

}  // namespace poort::auth

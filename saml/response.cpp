#include "saml/response.hpp"

#include <algorithm>
#include <map>

#include "saml/decrypt.hpp"

namespace poort::saml {
namespace {

using std::chrono::seconds;

constexpr std::string_view status_success = "urn:oasis:names:tc:SAML:2.0:status:Success";
constexpr std::string_view status_responder = "urn:oasis:names:tc:SAML:2.0:status:Responder";
constexpr std::string_view status_authn_failed = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
constexpr std::string_view bearer = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
constexpr std::string_view entity_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
constexpr std::string_view attr_service_id = "urn:etoegang:core:ServiceID";
constexpr std::string_view attr_service_uuid = "urn:etoegang:core:ServiceUUID";
constexpr std::string_view attr_legal_subject = "urn:etoegang:core:LegalSubjectID";
constexpr std::string_view attr_acting_subject = "urn:etoegang:core:ActingSubjectID";
constexpr std::string_view attr_vestigingsnr = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr";

// Everything one validation carries along.
struct run {
  const validator_settings& settings;
  const expected_response& expected;
  std::span<EVP_PKEY* const> sp_keys;
  sys_time now;
  xmlDoc* doc;
};

bool all_digits(std::string_view s, std::size_t n) {
  return s.size() == n && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

// --- 2/3: messages and status ------------------------------------------

checked<void> check_status(const xmlNode* message, std::string_view what, bool cancel_is_authn_failed) {
  xmlNode* status = child(message, ns::samlp, "Status");
  xmlNode* code = status ? child(status, ns::samlp, "StatusCode") : nullptr;
  if (!code) return refuse(error::malformed, std::string{what} + " has no Status");
  const std::string top = attribute(code, "Value").value_or("");
  if (top == status_success) return {};
  xmlNode* sub = child(code, ns::samlp, "StatusCode");
  const std::string second = sub ? attribute(sub, "Value").value_or("") : "";
  if (cancel_is_authn_failed && top == status_responder && second == status_authn_failed)
    return refuse(error::authn_failed, std::string{what} + " status is Responder/AuthnFailed (cancelled)");
  return refuse(error::status_not_success, std::string{what} + " status is not Success");
}

// The SAML message in `root`: itself, or the one element of a SOAP Body.
checked<xmlNode*> unwrap_soap(xmlNode* root) {
  if (!is_element(root, ns::soap11, "Envelope")) return root;
  xmlNode* body = nullptr;
  for (xmlNode* c = first_element(root); c; c = next_element(c)) {
    if (is_element(c, ns::soap11, "Body") && !body)
      body = c;
    else if (!is_element(c, ns::soap11, "Header"))
      return refuse(error::malformed, "unexpected element in the SOAP Envelope");
  }
  xmlNode* message = first_element(body);
  if (!message || next_element(message))
    return refuse(error::malformed, "the SOAP Body must hold one message");
  return message;
}

// --- 6: issuers ---------------------------------------------------------

checked<void> check_issuer(const xmlNode* element, std::string_view idp, bool required,
                           std::string_view what) {
  const auto issuers = children(element, ns::saml, "Issuer");
  if (issuers.empty() && !required) return {};
  if (issuers.size() != 1) return refuse(error::issuer_mismatch, std::string{what} + " must have one Issuer");
  const auto format = attribute(issuers.front(), "Format");
  if ((format && *format != entity_format) || text(issuers.front()) != idp)
    return refuse(error::issuer_mismatch, std::string{what} + " Issuer is not the IdP's entity ID");
  return {};
}

// --- 9: time ------------------------------------------------------------

checked<std::optional<sys_time>> time_attribute(const xmlNode* n, const char* name) {
  const auto value = attribute(n, name);
  if (!value) return std::optional<sys_time>{};
  const auto t = parse_rfc3339(*value);
  if (!t) return refuse(error::malformed, std::string{name} + " is not an xs:dateTime");
  return t;
}

std::string window(std::string_view what, sys_time edge, seconds skew, sys_time now) {
  return std::string{what} + " " + format_rfc3339(edge) + " with " + std::to_string(skew.count()) +
         " s skew, now " + format_rfc3339(now);
}

checked<void> check_not_before(const run& r, std::optional<sys_time> nb, std::string_view what) {
  if (nb && r.now + r.settings.max_clock_skew < *nb)
    return refuse(error::not_yet_valid, window(what, *nb, r.settings.max_clock_skew, r.now));
  return {};
}

checked<void> check_not_on_or_after(const run& r, std::optional<sys_time> noa, std::string_view what) {
  if (noa && r.now >= *noa + r.settings.max_clock_skew)
    return refuse(error::expired, window(what, *noa, r.settings.max_clock_skew, r.now));
  return {};
}

checked<void> check_issue_instant(const run& r, const xmlNode* element, std::string_view what) {
  auto t = time_attribute(element, "IssueInstant");
  if (!t) return std::unexpected(t.error());
  if (!*t) return refuse(error::malformed, std::string{what} + " has no IssueInstant");
  const sys_time it = **t;
  if (r.now + r.settings.max_clock_skew < it)
    return refuse(error::not_yet_valid,
                  window(std::string{what} + " IssueInstant", it, r.settings.max_clock_skew, r.now));
  if (r.now >= it + r.settings.max_response_age + r.settings.max_clock_skew)
    return refuse(error::expired, window(std::string{what} + " IssueInstant (max age " +
                                             std::to_string(r.settings.max_response_age.count()) + " s)",
                                         it, r.settings.max_clock_skew, r.now));
  return {};
}

// --- 7: conditions ------------------------------------------------------

checked<void> check_conditions(const run& r, const xmlNode* assertion) {
  const auto all = children(assertion, ns::saml, "Conditions");
  if (all.size() != 1)
    return refuse(error::audience_mismatch, "the Assertion must have one Conditions element");
  const xmlNode* conditions = all.front();
  bool restricted = false;
  for (xmlNode* c = first_element(conditions); c; c = next_element(c)) {
    if (is_element(c, ns::saml, "AudienceRestriction")) {
      restricted = true;
      const auto audiences = children(c, ns::saml, "Audience");
      if (std::ranges::none_of(audiences, [&](xmlNode* a) { return text(a) == r.settings.sp_entity_id; }))
        return refuse(error::audience_mismatch, "an AudienceRestriction does not name our entity ID");
    } else if (!is_element(c, ns::saml, "OneTimeUse") && !is_element(c, ns::saml, "ProxyRestriction")) {
      return refuse(error::malformed, "the Conditions hold a condition we do not understand");
    }
  }
  if (!restricted) return refuse(error::audience_mismatch, "the Conditions have no AudienceRestriction");
  return {};
}

checked<sys_time> check_condition_times(const run& r, const xmlNode* assertion) {
  const xmlNode* conditions = child(assertion, ns::saml, "Conditions");
  auto nb = time_attribute(conditions, "NotBefore");
  if (!nb) return std::unexpected(nb.error());
  auto noa = time_attribute(conditions, "NotOnOrAfter");
  if (!noa) return std::unexpected(noa.error());
  if (auto c = check_not_before(r, *nb, "Conditions NotBefore"); !c) return std::unexpected(c.error());
  if (auto c = check_not_on_or_after(r, *noa, "Conditions NotOnOrAfter"); !c)
    return std::unexpected(c.error());
  return noa->value_or(sys_time::max());
}

// --- 8: bearer subject confirmation ---------------------------------------

// One bearer confirmation's data; success: its NotOnOrAfter.
checked<sys_time> check_bearer_data(const run& r, const xmlNode* confirmation) {
  const auto datas = children(confirmation, ns::saml, "SubjectConfirmationData");
  if (datas.size() != 1)
    return refuse(error::bearer_missing, "a bearer confirmation has no SubjectConfirmationData");
  const xmlNode* data = datas.front();
  if (attribute(data, "Recipient").value_or("") != r.settings.acs_url)
    return refuse(error::recipient_mismatch, "the bearer Recipient is not our ACS URL");
  const auto irt = attribute(data, "InResponseTo");
  if (!irt) return refuse(error::unsolicited, "the bearer confirmation has no InResponseTo");
  if (*irt != r.expected.request_id)
    return refuse(error::in_response_to_unknown, "the bearer InResponseTo is not the request we sent");
  auto nb = time_attribute(data, "NotBefore");
  if (!nb) return std::unexpected(nb.error());
  auto noa = time_attribute(data, "NotOnOrAfter");
  if (!noa) return std::unexpected(noa.error());
  if (!*noa) return refuse(error::malformed, "the bearer confirmation has no NotOnOrAfter");
  if (auto c = check_not_before(r, *nb, "SubjectConfirmationData NotBefore"); !c)
    return std::unexpected(c.error());
  if (auto c = check_not_on_or_after(r, *noa, "SubjectConfirmationData NotOnOrAfter"); !c)
    return std::unexpected(c.error());
  return **noa;
}

// Success: the NotOnOrAfter of the bearer confirmation that holds. When none
// holds, the first one's failure is the reason (Shibboleth keeps the most
// specific one too).
checked<sys_time> check_bearer(const run& r, const xmlNode* subject) {
  std::optional<refusal> first_failure;
  for (xmlNode* sc : children(subject, ns::saml, "SubjectConfirmation")) {
    if (attribute(sc, "Method").value_or("") != bearer) continue;
    auto ok = check_bearer_data(r, sc);
    if (ok) return ok;
    if (!first_failure) first_failure = ok.error();
  }
  if (first_failure) return std::unexpected(*first_failure);
  return refuse(error::bearer_missing, "the Subject has no bearer SubjectConfirmation");
}

// --- 10: assurance --------------------------------------------------------

checked<const xmlNode*> check_assurance(const run& r, const xmlNode* assertion, identity& id) {
  const auto statements = children(assertion, ns::saml, "AuthnStatement");
  if (statements.size() != 1) return refuse(error::malformed, "the Assertion must have one AuthnStatement");
  const xmlNode* statement = statements.front();
  xmlNode* context = child(statement, ns::saml, "AuthnContext");
  xmlNode* class_ref = context ? child(context, ns::saml, "AuthnContextClassRef") : nullptr;
  const auto level = class_ref ? parse_assurance(text(class_ref)) : std::nullopt;
  if (!level) return refuse(error::assurance_too_low, "AuthnContextClassRef is not an eHerkenning level");
  if (*level < r.settings.minimum_assurance)
    return refuse(error::assurance_too_low, "achieved " + std::string{assurance_urn(*level)} + ", required " +
                                                std::string{assurance_urn(r.settings.minimum_assurance)});
  auto sna = time_attribute(statement, "SessionNotOnOrAfter");
  if (!sna) return std::unexpected(sna.error());
  if (auto c = check_not_on_or_after(r, *sna, "SessionNotOnOrAfter"); !c) return std::unexpected(c.error());
  auto instant = time_attribute(statement, "AuthnInstant");
  if (!instant) return std::unexpected(instant.error());
  id.level = *level;
  id.authn_instant = *instant;
  id.session_index = attribute(statement, "SessionIndex");
  return statement;
}

// --- 11/12: attributes and identifiers --------------------------------------

using attribute_map = std::map<std::string, std::vector<xmlNode*>, std::less<>>;

// Every AttributeValue of the top-level Assertion's AttributeStatements,
// by attribute Name (EncryptedAttribute decrypted first).
checked<attribute_map> collect_attributes(const run& r, const xmlNode* assertion) {
  attribute_map out;
  for (xmlNode* statement : children(assertion, ns::saml, "AttributeStatement")) {
    for (xmlNode* encrypted : children(statement, ns::saml, "EncryptedAttribute")) {
      auto d = decrypt_element(r.doc, encrypted, r.sp_keys, r.settings.sp_entity_id, "Attribute",
                               r.settings.limits);
      if (!d) return std::unexpected(d.error());
    }
    for (xmlNode* attr : children(statement, ns::saml, "Attribute")) {
      auto& values = out[attribute(attr, "Name").value_or("")];
      for (xmlNode* v : children(attr, ns::saml, "AttributeValue")) values.push_back(v);
    }
  }
  return out;
}

// A NameID (plain, or decrypted from an EncryptedID) inside `parent`, or nullptr.
checked<xmlNode*> name_id_in(const run& r, xmlNode* parent) {
  if (xmlNode* plain = child(parent, ns::saml, "NameID")) return plain;
  if (xmlNode* encrypted = child(parent, ns::saml, "EncryptedID"))
    return decrypt_element(r.doc, encrypted, r.sp_keys, r.settings.sp_entity_id, "NameID", r.settings.limits);
  return static_cast<xmlNode*>(nullptr);
}

// The type in "urn:etoegang:<version>:EntityConcernedID:<type>", or "".
std::string_view entity_concerned_type(std::string_view qualifier) {
  constexpr std::string_view prefix = "urn:etoegang:";
  constexpr std::string_view middle = ":EntityConcernedID:";
  if (!qualifier.starts_with(prefix)) return {};
  qualifier.remove_prefix(prefix.size());
  const auto pos = qualifier.find(middle);
  if (pos == std::string_view::npos || pos == 0) return {};
  if (!std::ranges::all_of(qualifier.substr(0, pos),
                           [](char c) { return (c >= '0' && c <= '9') || c == '.'; }))
    return {};
  return qualifier.substr(pos + middle.size());
}

checked<void> set_once(std::optional<std::string>& slot, std::string value, std::string_view what) {
  if (slot && *slot != value)
    return refuse(error::malformed, "two different " + std::string{what} + " values");
  slot = std::move(value);
  return {};
}

checked<void> read_subject_ids(const run& r, const attribute_map& attrs, identity& id) {
  if (auto it = attrs.find(attr_legal_subject); it != attrs.end()) {
    for (xmlNode* value : it->second) {
      auto name_id = name_id_in(r, value);
      if (!name_id) return std::unexpected(name_id.error());
      if (!*name_id) continue;
      const std::string qualifier = attribute(*name_id, "NameQualifier").value_or("");
      const std::string_view type = entity_concerned_type(qualifier);
      std::string v = text(*name_id);
      if (type == "KvKnr") {
        if (!all_digits(v, 8))
          return refuse(error::malformed, "the LegalSubjectID KvK number is not 8 digits");
        if (auto s = set_once(id.kvk, std::move(v), "KvK"); !s) return s;
      } else if (type == "RSIN") {
        if (!all_digits(v, 9)) return refuse(error::malformed, "the LegalSubjectID RSIN is not 9 digits");
        if (auto s = set_once(id.rsin, std::move(v), "RSIN"); !s) return s;
      }
    }
  }
  if (auto it = attrs.find(attr_acting_subject); it != attrs.end()) {
    for (xmlNode* value : it->second) {
      auto name_id = name_id_in(r, value);
      if (!name_id) return std::unexpected(name_id.error());
      if (!*name_id) continue;
      const std::string qualifier = attribute(*name_id, "NameQualifier").value_or("");
      if (entity_concerned_type(qualifier) == "Pseudo")
        if (auto s = set_once(id.acting_subject_id, text(*name_id), "ActingSubjectID"); !s) return s;
    }
  }
  if (auto it = attrs.find(attr_vestigingsnr); it != attrs.end()) {
    if (it->second.size() != 1 || !all_digits(text(it->second.front()), 12))
      return refuse(error::malformed, "the Vestigingsnr restriction is not one 12-digit value");
    id.vestigingsnr = text(it->second.front());
  }
  if (!id.kvk && !id.rsin)
    return refuse(error::legal_subject_missing, "no LegalSubjectID with a KvK number or RSIN");
  return {};
}

// One of `values` must equal `wanted` (when given); success: the value kept.
checked<std::optional<std::string>> check_service(const attribute_map& attrs, std::string_view name,
                                                  std::string_view wanted) {
  std::vector<std::string> values;
  if (auto it = attrs.find(name); it != attrs.end())
    for (xmlNode* v : it->second) values.push_back(text(v));
  if (wanted.empty()) return values.empty() ? std::nullopt : std::optional<std::string>{values.front()};
  if (std::ranges::find(values, wanted) == values.end())
    return refuse(error::service_mismatch, std::string{name} + " is not the service requested");
  return std::optional<std::string>{std::string{wanted}};
}

// Steps 1-5 of response_validator::validate (saml/response.hpp): the
// Response (inside an ArtifactResponse when it came by artifact) and its one
// assertion, decrypted when encrypted, with every signature on the way
// verified and at least one of them covering the assertion.
struct located {
  xmlNode* artifact_response = nullptr;  // nullptr when the Response came alone
  xmlNode* response = nullptr;
  xmlNode* assertion = nullptr;
};

checked<located> locate_signed_assertion(const run& r, const trusted_keys& keys) {
  auto msg = unwrap_soap(xmlDocGetRootElement(r.doc));
  if (!msg) return std::unexpected(msg.error());
  xmlNode* artifact_response = nullptr;
  xmlNode* response = *msg;
  if (is_element(*msg, ns::samlp, "ArtifactResponse")) {
    artifact_response = *msg;
    const auto inner = children(artifact_response, ns::samlp, "Response");
    if (inner.size() != 1) return refuse(error::malformed, "the ArtifactResponse must hold one Response");
    response = inner.front();
  } else if (!is_element(*msg, ns::samlp, "Response")) {
    return refuse(error::malformed, "not a SAML Response or ArtifactResponse");
  }
  if (auto ids = register_saml_ids(r.doc, xmlDocGetRootElement(r.doc)); !ids)
    return std::unexpected(ids.error());

  // 2. ArtifactResponse
  bool enclosing_signed = false;
  if (artifact_response) {
    auto sig = verify_enveloped_signature(r.doc, artifact_response, keys);
    if (!sig) return std::unexpected(sig.error());
    if (!*sig) return refuse(error::signature_missing, "the ArtifactResponse is not signed");
    enclosing_signed = true;
    if (auto s = check_status(artifact_response, "ArtifactResponse", false); !s)
      return std::unexpected(s.error());
    if (!r.expected.artifact_resolve_id.empty() &&
        attribute(artifact_response, "InResponseTo").value_or("") != r.expected.artifact_resolve_id)
      return refuse(error::in_response_to_unknown,
                    "the ArtifactResponse does not answer our ArtifactResolve");
  }

  // 3. Response
  auto response_sig = verify_enveloped_signature(r.doc, response, keys);
  if (!response_sig) return std::unexpected(response_sig.error());
  enclosing_signed = enclosing_signed || *response_sig;
  if (auto s = check_status(response, "Response", true); !s) return std::unexpected(s.error());

  // 4. exactly one top-level assertion
  const auto plain = children(response, ns::saml, "Assertion");
  const auto encrypted = children(response, ns::saml, "EncryptedAssertion");
  if (plain.size() + encrypted.size() != 1)
    return refuse(
        error::assertion_count,
        "the Response holds " + std::to_string(plain.size() + encrypted.size()) + " top-level assertions");
  xmlNode* assertion = plain.empty() ? nullptr : plain.front();
  if (!assertion) {
    // Never decrypt what an attacker may have made: only ciphertext that a
    // verified signature covers is opened, so no answer or timing of the
    // decryption (padding, RSA-OAEP, well-formedness) can serve as an oracle.
    if (!enclosing_signed)
      return refuse(error::signature_missing,
                    "an EncryptedAssertion is decrypted only inside a signed Response or ArtifactResponse");
    auto d = decrypt_element(r.doc, encrypted.front(), r.sp_keys, r.settings.sp_entity_id, "Assertion",
                             r.settings.limits);
    if (!d) return std::unexpected(d.error());
    assertion = *d;
  }

  // 5. signatures
  auto assertion_sig = verify_enveloped_signature(r.doc, assertion, keys);
  if (!assertion_sig) return std::unexpected(assertion_sig.error());
  if (r.settings.want_assertions_signed && !*assertion_sig)
    return refuse(error::signature_missing, "the Assertion is not signed");
  if (!*assertion_sig && !enclosing_signed)
    return refuse(error::signature_missing, "neither the Assertion nor a message enclosing it is signed");
  return located{artifact_response, response, assertion};
}

}  // namespace

result<validator_settings> settings_from_config(const config::saml& saml, std::string idp_entity_id,
                                                std::string acs_url) {
  const auto level = parse_assurance(saml.minimum_assurance);
  if (!level) return error::key_invalid;
  validator_settings s;
  s.sp_entity_id = saml.entity_id;
  s.acs_url = std::move(acs_url);
  s.idp_entity_id = std::move(idp_entity_id);
  s.max_clock_skew = std::chrono::duration_cast<seconds>(saml.max_clock_skew);
  s.minimum_assurance = *level;
  return s;
}

result<response_validator> response_validator::create(validator_settings settings,
                                                      std::span<X509* const> idp_certificates,
                                                      std::vector<evp_pkey_ptr> sp_keys) {
  library_init();
  auto keys = trusted_keys::create(idp_certificates);
  if (!keys) return keys.error();
  for (const auto& k : sp_keys)
    if (!k || EVP_PKEY_get_base_id(k.get()) != EVP_PKEY_RSA) return error::key_invalid;
  return response_validator{std::move(settings), std::move(*keys), std::move(sp_keys)};
}

checked<identity> response_validator::validate(std::string_view message, const expected_response& expected,
                                               const clock& clock, replay_cache& replays) const {
  // 1. parse
  auto parsed = parse_document(message, settings_.limits);
  if (!parsed) return std::unexpected(parsed.error());
  xmlDoc* doc = parsed->get();
  std::vector<EVP_PKEY*> sp_keys;
  sp_keys.reserve(sp_keys_.size());
  for (const auto& k : sp_keys_) sp_keys.push_back(k.get());
  const run r{settings_, expected, sp_keys, clock.now(), doc};

  auto found = locate_signed_assertion(r, keys_);
  if (!found) return std::unexpected(found.error());
  xmlNode* const artifact_response = found->artifact_response;
  xmlNode* const response = found->response;
  xmlNode* const assertion = found->assertion;

  // 6. issuers
  if (artifact_response)
    if (auto c = check_issuer(artifact_response, settings_.idp_entity_id, false, "ArtifactResponse"); !c)
      return std::unexpected(c.error());
  if (auto c = check_issuer(response, settings_.idp_entity_id, false, "Response"); !c)
    return std::unexpected(c.error());
  if (auto c = check_issuer(assertion, settings_.idp_entity_id, true, "Assertion"); !c)
    return std::unexpected(c.error());

  // 7. audience
  if (auto c = check_conditions(r, assertion); !c) return std::unexpected(c.error());

  // 8. destination, correlation, bearer
  if (const auto dest = attribute(response, "Destination"); dest && *dest != settings_.acs_url)
    return refuse(error::destination_mismatch, "the Response Destination is not our ACS URL");
  const auto in_response_to = attribute(response, "InResponseTo");
  if (!in_response_to) return refuse(error::unsolicited, "the Response has no InResponseTo");
  if (*in_response_to != expected.request_id)
    return refuse(error::in_response_to_unknown, "the Response InResponseTo is not the request we sent");
  const auto subjects = children(assertion, ns::saml, "Subject");
  if (subjects.size() != 1) return refuse(error::bearer_missing, "the Assertion must have one Subject");
  auto bearer_until = check_bearer(r, subjects.front());
  if (!bearer_until) return std::unexpected(bearer_until.error());

  // 9. time
  auto conditions_until = check_condition_times(r, assertion);
  if (!conditions_until) return std::unexpected(conditions_until.error());
  if (artifact_response)
    if (auto c = check_issue_instant(r, artifact_response, "ArtifactResponse"); !c)
      return std::unexpected(c.error());
  if (auto c = check_issue_instant(r, response, "Response"); !c) return std::unexpected(c.error());
  if (auto c = check_issue_instant(r, assertion, "Assertion"); !c) return std::unexpected(c.error());

  identity id;
  id.idp_entity_id = settings_.idp_entity_id;
  id.assertion_id = attribute(assertion, "ID").value_or("");
  id.not_on_or_after = std::min(*bearer_until, *conditions_until);

  // 10. assurance
  if (auto a = check_assurance(r, assertion, id); !a) return std::unexpected(a.error());

  // 11. service
  auto attrs = collect_attributes(r, assertion);
  if (!attrs) return std::unexpected(attrs.error());
  auto service_id = check_service(*attrs, attr_service_id, expected.service_id);
  if (!service_id) return std::unexpected(service_id.error());
  auto service_uuid = check_service(*attrs, attr_service_uuid, expected.service_uuid);
  if (!service_uuid) return std::unexpected(service_uuid.error());
  id.service_id = std::move(*service_id);
  id.service_uuid = std::move(*service_uuid);

  // 12. identity
  auto name_id = name_id_in(r, subjects.front());
  if (!name_id) return std::unexpected(name_id.error());
  if (*name_id) id.name_id = text(*name_id);
  if (auto s = read_subject_ids(r, *attrs, id); !s) return std::unexpected(s.error());

  // 13. replay, last: only an otherwise acceptable assertion uses up its ID
  const auto fresh = replays.insert_if_absent(id.assertion_id, id.not_on_or_after + settings_.max_clock_skew);
  if (!fresh)
    return refuse(error::replay_cache_unavailable, "the replay cache cannot record the assertion ID");
  if (!*fresh) return refuse(error::replayed, "the assertion ID was accepted before");
  return id;
}

}  // namespace poort::saml

#include "domain/onboarding.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "common/crypto.hpp"
#include "domain/detail/json_reader.hpp"
#include "domain/detail/names.hpp"
#include "domain/identifiers.hpp"

namespace poort::domain {
namespace {

using status = municipality_status;

using detail::name_of;
using detail::name_table;
using detail::value_of;

constexpr name_table<role, 5> role_names{{
    {role::casework, "CASEWORK"},
    {role::signatory, "SIGNATORY"},
    {role::administrator, "ADMINISTRATOR"},
    {role::institution, "INSTITUTION"},
    {role::municipal_system, "MUNICIPAL_SYSTEM"},
}};

constexpr name_table<cohort_kind, 2> cohort_kind_names{{
    {cohort_kind::pilot, "PILOT"},
    {cohort_kind::regular, "REGULAR"},
}};

constexpr name_table<status, 10> status_names{{
    {status::not_registered, "NOT_REGISTERED"},
    {status::registered, "REGISTERED"},
    {status::conditions_accepted, "CONDITIONS_ACCEPTED"},
    {status::application_draft, "APPLICATION_DRAFT"},
    {status::application_signed, "SIGNED"},
    {status::approved, "APPROVED"},
    {status::rejected, "REJECTED"},
    {status::connected, "CONNECTED"},
    {status::suspended, "SUSPENDED"},
    {status::disconnected, "DISCONNECTED"},
}};

result<void> require_role(const actor& a, role r) noexcept {
  if (a.role != r) return error::not_permitted;
  return {};
}

/// A user of the municipality itself with role `r`.
result<void> require_own(const actor& a, const municipality& m, role r) noexcept {
  if (auto ok = require_role(a, r); !ok) return ok;
  if (!same_organisation(a, m)) return error::other_organisation;
  return {};
}

/// From APPROVED on, what was reviewed no longer changes.
bool locked(status s) noexcept {
  return s == status::approved || s == status::connected || s == status::suspended ||
         s == status::disconnected;
}

/// Back to an editable draft: whatever was signed is no longer what is there.
void void_signature(onboarding& s) {
  s.status = status::application_draft;
  s.signature.reset();
}

result<std::string> checked_reason(std::string_view reason) {
  const auto first = reason.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return error::reason_required;
  reason = reason.substr(first, reason.find_last_not_of(" \t\r\n") - first + 1);
  const error e = detail::check_text(reason, {.max_chars = max_reason_chars, .multiline = true});
  if (e == error::value_too_long) return error::reason_too_long;
  if (e != error::ok) return e;
  return std::string{reason};
}

bool is_lower_hex(std::string_view s) noexcept {
  return std::ranges::all_of(s, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// Fingerprint as typed by people: hex in either case, optionally with
/// colons between the bytes. The lower-case hex, or the input unchanged when
/// it has any other shape (validate_application then refuses it).
std::string normalize_fingerprint(std::string_view s) {
  std::string out;
  out.reserve(64);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ':' && s.size() == 95 && i % 3 == 2) continue;
    out += (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out.size() == 64 ? out : std::string{s};
}

void append_line(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  out += ": ";
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7F) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '\n';
}

}  // namespace

std::string_view to_string(role r) noexcept { return name_of(role_names, r); }
std::optional<role> parse_role(std::string_view s) noexcept { return value_of(role_names, s); }

bool same_organisation(const actor& a, const municipality& m) noexcept {
  const organisation& o = a.organisation;
  return (!o.kvk.empty() && o.kvk == m.kvk) || (!o.rsin.empty() && o.rsin == m.rsin);
}

std::string_view to_string(cohort_kind k) noexcept { return name_of(cohort_kind_names, k); }
std::optional<cohort_kind> parse_cohort_kind(std::string_view s) noexcept {
  return value_of(cohort_kind_names, s);
}

std::string_view to_string(municipality_status s) noexcept { return name_of(status_names, s); }
std::optional<municipality_status> parse_municipality_status(std::string_view s) noexcept {
  return value_of(status_names, s);
}

// --- cohorts ---------------------------------------------------------------

result<void> validate_cohort_settings(const cohort_settings& s) {
  if (detail::check_text(s.name, {.max_chars = max_cohort_name_chars}) != error::ok)
    return error::cohort_name_invalid;
  if (s.closes_at <= s.opens_at) return error::cohort_window_invalid;
  if (s.capacity == 0 || s.capacity > max_cohort_capacity) return error::cohort_capacity_invalid;
  if (s.connection_at < s.opens_at) return error::cohort_connection_date_invalid;
  return {};
}

result<cohort> create_cohort(std::string id, const cohort_settings& s, const actor& by) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (auto ok = validate_cohort_settings(s); !ok) return ok.error();
  return cohort{.id = std::move(id), .settings = s};
}

result<cohort> edit_cohort(const cohort& c, const cohort_settings& s, const actor& by) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (auto ok = validate_cohort_settings(s); !ok) return ok.error();
  if (s.capacity < c.registered) return error::cohort_capacity_invalid;
  cohort out = c;
  out.settings = s;
  return out;
}

result<cohort> close_cohort_early(const cohort& c, const actor& by, sys_time now) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (c.closed_early || now >= c.settings.closes_at) return error::cohort_closed;
  cohort out = c;
  out.closed_early = true;
  return out;
}

bool registration_open(const cohort& c, sys_time now) noexcept {
  return !c.closed_early && c.settings.opens_at <= now && now < c.settings.closes_at;
}

// --- conditions and application ---------------------------------------------

conditions_document make_conditions_document(std::string version, std::string_view text) {
  return {std::move(version), sha256_hex(text)};
}

validation_errors validate_application(const application& a, const municipality& m) {
  validation_errors errors;
  const auto check = [&](std::string pointer, result<void> r) {
    if (!r) detail::report(errors, std::move(pointer), domain_error_of(r.error()));
  };
  if (const error e = detail::check_text(a.coordinator.name, {.max_chars = max_contact_name_chars});
      e != error::ok)
    detail::report(errors, "/nazorgcoordinator/naam", e);
  check("/nazorgcoordinator/email", validate_email(a.coordinator.email));
  check("/nazorgcoordinator/telefoon", validate_phone(a.coordinator.phone));
  if (auto r = validate_oin(a.certificate_oin); !r)
    check("/systeemcertificaat/oin", r);
  else if (a.certificate_oin != m.oin)
    detail::report(errors, "/systeemcertificaat/oin", error::application_oin_mismatch);
  if (a.certificate_sha256.size() != 64 || !is_lower_hex(a.certificate_sha256))
    detail::report(errors, "/systeemcertificaat/sha256", error::fingerprint_invalid);
  if (a.push_endpoint) check("/pushEndpoint", validate_https_url(*a.push_endpoint));
  return errors;
}

validated<application> parse_application(std::string_view body, const municipality& m) {
  constexpr std::size_t max_body_bytes = 16 * 1024;
  validation_errors errors;
  const auto doc = detail::parse_document(body, max_body_bytes, 4, errors);
  if (!doc) return std::unexpected(std::move(errors));

  detail::object_reader r(*doc, "",
                          {"nazorgcoordinator", "ontvangtDetentiemeldingen", "ontvangtInformatiebladen",
                           "systeemcertificaat", "pushEndpoint"},
                          errors);
  std::optional<contact> coordinator;
  if (const auto* v = r.get("nazorgcoordinator", detail::presence::required))
    coordinator = detail::read_contact(*v, "/nazorgcoordinator", errors);
  const auto detention = r.boolean("ontvangtDetentiemeldingen");
  const auto sheets = r.boolean("ontvangtInformatiebladen");
  std::optional<std::string> oin, fingerprint;
  if (const auto* v = r.get("systeemcertificaat", detail::presence::required)) {
    detail::object_reader c(*v, "/systeemcertificaat", {"oin", "sha256"}, errors);
    oin = c.identifier("oin", validate_oin);
    fingerprint = c.text("sha256", {.max_chars = 95});
  }
  const auto push = r.text("pushEndpoint", {.max_chars = max_url_bytes}, detail::presence::optional);
  if (!errors.empty()) return std::unexpected(std::move(errors));
  if (!coordinator || !detention || !sheets || !oin || !fingerprint)
    return std::unexpected(validation_errors{{"", error::json_malformed}});  // fail closed

  application a{.coordinator = std::move(*coordinator),
                .wants_detention_notifications = *detention,
                .wants_information_sheets = *sheets,
                .certificate_oin = std::move(*oin),
                .certificate_sha256 = normalize_fingerprint(*fingerprint),
                .push_endpoint = push};
  errors = validate_application(a, m);
  if (!errors.empty()) return std::unexpected(std::move(errors));
  return a;
}

boost::json::object to_json(const application& a) {
  boost::json::object out{
      {"nazorgcoordinator",
       boost::json::object{
           {"naam", a.coordinator.name}, {"email", a.coordinator.email}, {"telefoon", a.coordinator.phone}}},
      {"ontvangtDetentiemeldingen", a.wants_detention_notifications},
      {"ontvangtInformatiebladen", a.wants_information_sheets},
      {"systeemcertificaat",
       boost::json::object{{"oin", a.certificate_oin}, {"sha256", a.certificate_sha256}}},
  };
  if (a.push_endpoint) out["pushEndpoint"] = *a.push_endpoint;
  return out;
}

namespace {
/// The lines from the conditions on: the same in versions 1 and 2.
void append_application(std::string& out, const application& a, const conditions_document& c) {
  append_line(out, "aansluitvoorwaarden.versie", c.version);
  append_line(out, "aansluitvoorwaarden.sha256", c.sha256);
  append_line(out, "nazorgcoordinator.naam", a.coordinator.name);
  append_line(out, "nazorgcoordinator.email", a.coordinator.email);
  append_line(out, "nazorgcoordinator.telefoon", a.coordinator.phone);
  append_line(out, "ontvangtDetentiemeldingen", a.wants_detention_notifications ? "ja" : "nee");
  append_line(out, "ontvangtInformatiebladen", a.wants_information_sheets ? "ja" : "nee");
  append_line(out, "systeemcertificaat.oin", a.certificate_oin);
  append_line(out, "systeemcertificaat.sha256", a.certificate_sha256);
  if (a.push_endpoint) append_line(out, "pushEndpoint", *a.push_endpoint);
}
}  // namespace

std::string canonical_application_text(const application& a, const conditions_document& c,
                                       const municipality& m, const cohort& k) {
  std::string out;
  append_line(out, "poort-aanvraag", "2");
  append_line(out, "gemeente.naam", m.name);
  append_line(out, "gemeente.gemeentecode", m.gemeentecode);
  append_line(out, "gemeente.oin", m.oin);
  append_line(out, "cohort.id", k.id);
  append_line(out, "cohort.naam", k.settings.name);
  append_application(out, a, c);
  return out;
}

std::string application_sha256(const application& a, const conditions_document& c, const municipality& m,
                               const cohort& k) {
  return sha256_hex(canonical_application_text(a, c, m, k));
}

std::string canonical_application_text(const application& a, const conditions_document& c) {
  std::string out;
  append_line(out, "poort-aanvraag", "1");
  append_application(out, a, c);
  return out;
}

std::string application_sha256(const application& a, const conditions_document& c) {
  return sha256_hex(canonical_application_text(a, c));
}

// --- transitions -------------------------------------------------------------

result<registration> register_municipality(const onboarding& s, const municipality& m, const cohort& c,
                                           const actor& by, sys_time now) {
  if (auto ok = require_own(by, m, role::casework); !ok) return ok.error();
  if (s.status != status::not_registered) return error::already_registered;
  if (c.closed_early || now >= c.settings.closes_at) return error::registration_closed;
  if (now < c.settings.opens_at) return error::registration_not_open;
  if (c.registered >= c.settings.capacity) return error::cohort_full;
  registration out{.onboarding = s, .cohort = c};
  out.onboarding.status = status::registered;
  out.onboarding.cohort_id = c.id;
  out.onboarding.registered_at = now;
  ++out.cohort.registered;
  return out;
}

result<onboarding> accept_conditions(const onboarding& s, const municipality& m,
                                     const conditions_document& current, std::string_view shown_sha256,
                                     const actor& by, sys_time now) {
  if (auto ok = require_own(by, m, role::casework); !ok) return ok.error();
  if (s.status == status::not_registered) return error::invalid_transition;
  if (locked(s.status)) return error::application_locked;
  if (shown_sha256 != current.sha256) return error::conditions_outdated;
  if (s.conditions && s.conditions->document == current) return s;
  onboarding out = s;
  out.conditions = accepted_conditions{current, now, by.pseudonym};
  if (s.status == status::registered)
    out.status = status::conditions_accepted;
  else if (s.status == status::application_signed || s.status == status::rejected)
    void_signature(out);
  return out;
}

result<onboarding> save_application(const onboarding& s, const municipality& m, application a,
                                    const actor& by, sys_time) {
  if (auto ok = require_own(by, m, role::casework); !ok) return ok.error();
  if (s.status == status::not_registered || s.status == status::registered) return error::invalid_transition;
  if (locked(s.status)) return error::application_locked;
  if (const auto errors = validate_application(a, m); !errors.empty()) return errors.front().code;
  if (s.application == a) return s;
  onboarding out = s;
  out.application = std::move(a);
  void_signature(out);
  return out;
}

result<onboarding> sign_application(const onboarding& s, const municipality& m, const cohort& k,
                                    const signing& what, const actor& by, sys_time now) {
  if (auto ok = require_own(by, m, role::signatory); !ok) return ok.error();
  if (s.status != status::application_draft && s.status != status::rejected) return error::invalid_transition;
  if (!s.application || !s.conditions) return error::invalid_transition;  // a corrupt state
  if (k.id != s.cohort_id) return error::invalid_transition;
  const auto printable = [](char c) { return c > 0x20 && c < 0x7F; };
  if (what.assertion_id.empty() || what.assertion_id.size() > 256 ||
      !std::ranges::all_of(what.assertion_id, printable))
    return error::assertion_id_invalid;
  const conditions_document& conditions = s.conditions->document;
  std::string text = canonical_application_text(*s.application, conditions, m, k);
  std::string hash = sha256_hex(text);
  if (what.shown_sha256 != hash) return error::application_changed;
  onboarding out = s;
  out.status = status::application_signed;
  out.signature = signature{.signatory_pseudonym = by.pseudonym,
                            .signed_at = now,
                            .assertion_id = what.assertion_id,
                            .conditions = conditions,
                            .application_sha256 = std::move(hash),
                            .text = std::move(text)};
  return out;
}

result<onboarding> approve_application(const onboarding& s, const actor& by, sys_time now) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (s.status != status::application_signed) return error::invalid_transition;
  onboarding out = s;
  out.status = status::approved;
  out.review = review{review_decision::approved, {}, now, by.pseudonym};
  return out;
}

result<onboarding> reject_application(const onboarding& s, std::string_view reason, const actor& by,
                                      sys_time now) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (s.status != status::application_signed) return error::invalid_transition;
  auto why = checked_reason(reason);
  if (!why) return why.error();
  onboarding out = s;
  out.status = status::rejected;
  out.review = review{review_decision::rejected, std::move(*why), now, by.pseudonym};
  return out;
}

bool due_for_connection(const onboarding& s, const cohort& c, sys_time now) noexcept {
  return s.status == status::approved && s.cohort_id == c.id && now >= c.settings.connection_at;
}

result<onboarding> connect_on_schedule(const onboarding& s, const cohort& c, sys_time now) {
  if (s.status != status::approved || s.cohort_id != c.id) return error::invalid_transition;
  if (now < c.settings.connection_at) return error::connection_date_not_reached;
  onboarding out = s;
  out.status = status::connected;
  out.connected_at = now;
  return out;
}

result<onboarding> connect_now(const onboarding& s, const actor& by, sys_time now) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (s.status != status::approved) return error::invalid_transition;
  onboarding out = s;
  out.status = status::connected;
  out.connected_at = now;
  return out;
}

result<onboarding> suspend(const onboarding& s, std::string_view reason, const actor& by, sys_time) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (s.status != status::connected) return error::invalid_transition;
  auto why = checked_reason(reason);
  if (!why) return why.error();
  onboarding out = s;
  out.status = status::suspended;
  out.status_reason = std::move(*why);
  return out;
}

result<onboarding> disconnect(const onboarding& s, std::string_view reason, const actor& by, sys_time) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (s.status != status::connected && s.status != status::suspended) return error::invalid_transition;
  auto why = checked_reason(reason);
  if (!why) return why.error();
  onboarding out = s;
  out.status = status::disconnected;
  out.status_reason = std::move(*why);
  return out;
}

result<onboarding> reconnect(const onboarding& s, const actor& by, sys_time now) {
  if (auto ok = require_role(by, role::administrator); !ok) return ok.error();
  if (s.status != status::suspended && s.status != status::disconnected) return error::invalid_transition;
  onboarding out = s;
  out.status = status::connected;
  out.status_reason.clear();
  out.connected_at = now;
  return out;
}

}  // namespace poort::domain

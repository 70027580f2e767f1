#include "routing/onboarding_routes.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <expected>

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "domain/identifiers.hpp"
#include "routing/app.hpp"
#include "routing/areas.hpp"
#include "routing/json_body.hpp"
#include "routing/onboarding_json.hpp"
#include "routing/onboarding_notices.hpp"
#include "routing/openapi.hpp"
#include "store/error.hpp"
#include "store/onboarding.hpp"

namespace poort::routing {
namespace {

namespace json = boost::json;

constexpr std::size_t small_body = 4 * 1024;
constexpr std::size_t application_body = 32 * 1024;
constexpr std::size_t conditions_body = 2 * 1024 * 1024;
constexpr std::size_t max_pem_bytes = 16 * 1024;

// --- responses ------------------------------------------------------------------

response problem_of(const request& req, const request_context& ctx, const problem& p) {
  return make_problem_response(req, p, ctx.request_id);
}

/// A refusal by the onboarding rules: the reason code and its Dutch sentence.
response refuse(const request& req, const request_context& ctx, domain::error e) {
  return problem_of(req, ctx, problem::refusal(e));
}

/// A domain refusal, or a failure of the store (503 / 500, logged).
response refuse(const request& req, const request_context& ctx, const error_code& ec) {
  if (const auto e = domain::domain_error_of(ec); e != domain::error::ok) return refuse(req, ctx, e);
  return store_failure_response(req, ctx.request_id, "onboarding.store_failed", ec);
}

response invalid(const request& req, const request_context& ctx, const domain::validation_errors& errors) {
  return problem_of(req, ctx, invalid_fields(errors));
}

response unavailable(const request& req, const request_context& ctx) {
  return problem_of(req, ctx, problem::service_unavailable());
}

/// The JSON object body with only `allowed` members, or the response that refuses it.
std::expected<json::object, response> read_object(const request& req, const request_context& ctx,
                                                  std::initializer_list<std::string_view> allowed) {
  auto body = read_json_object(req, allowed);
  if (!body) return std::unexpected(problem_of(req, ctx, body.error()));
  return std::move(*body);
}

response json_response(const request& req, http::status status, const json::value& v) {
  return make_json_response(req, status, json::serialize(v));
}

// --- who is asking -------------------------------------------------------------------

domain::actor actor_of(const auth::user& u) {
  domain::role role = domain::role::casework;
  if (u.role == auth::role::signatory) role = domain::role::signatory;
  if (u.role == auth::role::administrator) role = domain::role::administrator;
  return {role, {.kvk = u.kvk, .rsin = u.rsin, .oin = {}, .gemeentecode = u.gemeentecode}, u.pseudonym};
}

/// A municipal user may only reach their own municipality; an administrator
/// any. The refusal, if any; an attempt on another municipality is audited
/// ("onboarding.access", "denied:OTHER_ORGANISATION") when the store is there.
std::optional<response> check_scope(const services& s, const request& req, const request_context& ctx,
                                    std::string_view code) {
  if (!domain::validate_gemeentecode(code)) return refuse(req, ctx, domain::error::gemeentecode_invalid);
  if (!ctx.user) return refuse(req, ctx, domain::error::not_permitted);
  if (ctx.user->role == auth::role::administrator) return std::nullopt;
  if (!ctx.user->gemeentecode.empty() && ctx.user->gemeentecode == code) return std::nullopt;
  if (s.store && s.clock) {
    const auto rec =
        store::make_audit_record("onboarding.access", "gemeente:" + std::string(code),
                                 "denied:OTHER_ORGANISATION", audit_identity_of(ctx), s.clock->now());
    auto audited = s.store->write([&](store::transaction& tx) -> result<void> {
      if (auto ok = store::append_audit(tx, rec); !ok) return ok.error();
      return {};
    });
    if (!audited) return refuse(req, ctx, audited.error());
  }
  return refuse(req, ctx, domain::error::other_organisation);
}

// --- the handlers' shared steps -----------------------------------------------------------

/// The onboarding view of `code` now (404 when the registry has no such municipality).
response view(const services& s, const request& req, const request_context& ctx, std::string_view code,
              http::status status = http::status::ok) {
  const sys_time now = s.clock->now();
  struct found {
    store::municipality_record m;
    domain::onboarding state;
    std::optional<store::conditions_text> current;
    std::optional<domain::cohort> cohort;
  };
  auto r = s.store->read([&](store::reader& rd) -> result<std::optional<found>> {
    auto m = store::find_municipality(rd, code, store::day_of(now));
    if (!m) return m.error();
    if (!*m) return std::optional<found>{};
    auto state = store::load_onboarding(rd, (*m)->id);
    if (!state) return state.error();
    auto current = store::current_conditions(rd);
    if (!current) return current.error();
    std::optional<domain::cohort> cohort;
    if (!state->cohort_id.empty()) {
      auto c = store::find_cohort(rd, state->cohort_id);
      if (!c) return c.error();
      cohort = std::move(*c);
    }
    return std::optional<found>{found{**m, std::move(*state), std::move(*current), std::move(cohort)}};
  });
  if (!r) return refuse(req, ctx, r.error());
  if (!*r) return problem_of(req, ctx, problem::municipality_unknown());
  auto res = json_response(req, status, onboarding_json((*r)->m, (*r)->state, (*r)->current, (*r)->cohort));
  if (status == http::status::created)
    res.set(http::field::location, "/api/v1/gemeenten/" + std::string(code) + "/aansluiting");
  return res;
}

config::email email_config(const services& s) {
  auto cfg = s.current_config ? s.current_config() : nullptr;
  return cfg ? cfg->email : config::email{};
}

/// Runs one transition of municipality `code` and answers with its view;
/// `also` (if set) runs after a successful one in the same transaction.
response transition(const services& s, const request& req, const request_context& ctx, std::string_view code,
                    const std::string& action, const store::transition_fn& fn,
                    const store::after_fn& also = {}) {
  const sys_time now = s.clock->now();
  store::after_fn after = queue_notices(action, email_config(s), now);
  if (also)
    after = [notices = std::move(after), &also](store::transaction& tx,
                                                const store::transition_outcome& o) -> result<void> {
      if (auto ok = also(tx, o); !ok) return ok;
      return notices(tx, o);
    };
  auto out = store::run_transition(*s.store, code, action, audit_identity_of(ctx), now, fn, after);
  if (!out && out.error() == store::error::invalid_argument)
    return problem_of(req, ctx, problem::municipality_unknown());
  if (!out) return refuse(req, ctx, out.error());
  if (out->refusal) return refuse(req, ctx, out->refusal);
  return view(s, req, ctx, code);
}

/// Creates or changes a cohort with its audit record (store::run_cohort_change).
response cohort_change(const services& s, const request& req, const request_context& ctx,
                       const std::string& id, std::string_view action, bool create,
                       const store::cohort_fn& fn) {
  const sys_time now = s.clock->now();
  auto out = store::run_cohort_change(*s.store, id, action, create, audit_identity_of(ctx), now, fn);
  if (!out) return refuse(req, ctx, out.error());
  if (out->missing) return problem_of(req, ctx, problem::cohort_unknown());
  if (out->refusal) return refuse(req, ctx, out->refusal);
  auto res =
      json_response(req, create ? http::status::created : http::status::ok, cohort_json(out->cohort, now));
  if (create) res.set(http::field::location, "/api/v1/cohorten/" + id);
  return res;
}

/// The cohort settings in a body (every member required).
std::expected<domain::cohort_settings, response> read_cohort_settings(const request& req,
                                                                      const request_context& ctx) {
  auto body = read_object(req, ctx, {"naam", "soort", "opentOp", "sluitOp", "capaciteit", "aansluitenOp"});
  if (!body) return std::unexpected(std::move(body.error()));
  json_fields f(*body);
  auto name = f.text("naam", 400);
  auto kind_text = f.text("soort", 16);
  std::optional<domain::cohort_kind> kind;
  if (kind_text) {
    kind = domain::parse_cohort_kind(*kind_text);
    if (!kind) f.add("soort", domain::error::value_unknown);
  }
  auto opens = f.time("opentOp");
  auto closes = f.time("sluitOp");
  auto capacity = f.integer("capaciteit", 0, 1'000'000);
  auto connects = f.time("aansluitenOp");
  if (!f.errors().empty()) return std::unexpected(invalid(req, ctx, f.errors()));
  return domain::cohort_settings{*name,    *kind, *opens, *closes, static_cast<std::uint32_t>(*capacity),
                                 *connects};
}

/// The application body with its certificate checked: the domain's JSON
/// form ({"oin","sha256"} in place of {"pem"}; no "systeemcertificaat" when
/// the body leaves it out, to keep the current one), or the refusal. With a
/// certificate, `details` gets its subject and end of validity (if readable).
std::expected<json::object, response> application_with_certificate(
    const services& s, const request& req, const request_context& ctx,
    std::optional<store::certificate_details>& details) {
  auto body = read_object(req, ctx,
                          {"nazorgcoordinator", "ontvangtDetentiemeldingen", "ontvangtInformatiebladen",
                           "systeemcertificaat", "pushEndpoint"});
  if (!body) return std::unexpected(std::move(body.error()));
  const json::value* cert = body->if_contains("systeemcertificaat");
  if (cert == nullptr) return std::move(*body);
  if (cert->is_null())
    return std::unexpected(invalid(req, ctx, {{"/systeemcertificaat", domain::error::field_required}}));
  if (!cert->is_object())
    return std::unexpected(invalid(req, ctx, {{"/systeemcertificaat", domain::error::wrong_type}}));
  domain::validation_errors errors;
  for (const auto& [key, value] : cert->as_object())
    if (key != "pem")
      errors.push_back({"/systeemcertificaat" + json_pointer_for(key), domain::error::unknown_field});
  const json::value* pem = cert->as_object().if_contains("pem");
  if (pem == nullptr || !pem->is_string())
    errors.push_back({"/systeemcertificaat/pem",
                      pem == nullptr ? domain::error::field_required : domain::error::wrong_type});
  else if (pem->as_string().size() > max_pem_bytes)
    errors.push_back({"/systeemcertificaat/pem", domain::error::value_too_long});
  if (!errors.empty()) return std::unexpected(invalid(req, ctx, errors));

  auto checked = s.onboarding->verify_system_certificate(std::string_view(pem->as_string()));
  if (!checked) {
    const bool malformed = checked.error() == common_error::invalid_argument;
    return std::unexpected(
        problem_of(req, ctx, problem::certificate_refused(malformed, "/systeemcertificaat/pem")));
  }
  details = certificate_details_of(std::string_view(pem->as_string()), checked->sha256);
  (*body)["systeemcertificaat"] = {{"oin", checked->oin}, {"sha256", checked->sha256}};
  return std::move(*body);
}

// --- the handlers ------------------------------------------------------------------------

/// The onboarding area's handlers, one member function a route.
class onboarding_api {
 public:
  explicit onboarding_api(const services& s) : s_(s) {}

  // --- cohorts
  response cohorts_list(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto all = s_.store->read([](store::reader& rd) { return store::list_cohorts(rd); });
    if (!all) return refuse(req, ctx, all.error());
    json::array out;
    for (const auto& c : *all) out.push_back(cohort_json(c, s_.clock->now()));
    return json_response(req, http::status::ok, out);
  }

  response cohorts_read(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto c = s_.store->read([&](store::reader& rd) { return store::find_cohort(rd, ctx.param("cohortId")); });
    if (!c) return refuse(req, ctx, c.error());
    if (!*c) return problem_of(req, ctx, problem::cohort_unknown());
    return json_response(req, http::status::ok, cohort_json(**c, s_.clock->now()));
  }

  response cohorts_create(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock || !s_.random) return unavailable(req, ctx);
    auto settings = read_cohort_settings(req, ctx);
    if (!settings) return std::move(settings.error());
    const std::string id = s_.random->uuid_v4();
    const auto by = actor_of(*ctx.user);
    return cohort_change(s_, req, ctx, id, "onboarding.cohort.create", true,
                         [&](const domain::cohort*) { return domain::create_cohort(id, *settings, by); });
  }

  response cohorts_edit(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto settings = read_cohort_settings(req, ctx);
    if (!settings) return std::move(settings.error());
    const auto by = actor_of(*ctx.user);
    return cohort_change(s_, req, ctx, std::string(ctx.param("cohortId")), "onboarding.cohort.edit", false,
                         [&](const domain::cohort* c) { return domain::edit_cohort(*c, *settings, by); });
  }

  response cohorts_close(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    const auto by = actor_of(*ctx.user);
    const sys_time now = s_.clock->now();
    return cohort_change(s_, req, ctx, std::string(ctx.param("cohortId")), "onboarding.cohort.close", false,
                         [&](const domain::cohort* c) { return domain::close_cohort_early(*c, by, now); });
  }

  // --- connection conditions
  response conditions_list(const request& req, request_context& ctx) const {
    if (!s_.store) return unavailable(req, ctx);
    auto all = s_.store->read([](store::reader& rd) { return store::list_conditions(rd); });
    if (!all) return refuse(req, ctx, all.error());
    json::array out;
    for (const auto& c : *all)
      out.push_back({{"versie", c.document.version},
                     {"sha256", c.document.sha256},
                     {"gepubliceerdOp", format_rfc3339(c.published_at)},
                     {"actueel", out.empty()}});
    return json_response(req, http::status::ok, out);
  }

  response conditions_read(const request& req, request_context& ctx) const {
    if (!s_.store) return unavailable(req, ctx);
    auto c =
        s_.store->read([&](store::reader& rd) { return store::find_conditions(rd, ctx.param("versie")); });
    if (!c) return refuse(req, ctx, c.error());
    if (!*c) return problem_of(req, ctx, problem::conditions_unknown());
    return json_response(req, http::status::ok,
                         json::object{{"versie", (*c)->document.version},
                                      {"sha256", (*c)->document.sha256},
                                      {"gepubliceerdOp", format_rfc3339((*c)->published_at)},
                                      {"tekst", (*c)->text}});
  }

  response conditions_publish(const request& req, request_context& ctx) const {
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto body = read_object(req, ctx, {"versie", "tekst"});
    if (!body) return std::move(body.error());
    json_fields f(*body);
    auto version = f.text("versie", store::max_conditions_version_chars);
    auto text = f.text("tekst", store::max_conditions_bytes);
    if (version && !std::ranges::all_of(*version, [](unsigned char c) {
          return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
        }))
      f.add("versie", domain::error::value_invalid_characters);
    if (!f.errors().empty()) return invalid(req, ctx, f.errors());
    const sys_time now = s_.clock->now();
    const auto who = audit_identity_of(ctx);
    domain::conditions_document doc;
    auto written = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto added = store::add_conditions(tx, *version, *text, now);
      if (!added) return added.error();
      doc = *added;
      auto audited = store::append_audit(
          tx, store::make_audit_record("onboarding.conditions.publish", "voorwaarden:" + doc.version,
                                       "success", who, now));
      if (!audited) return audited.error();
      return {};
    });
    if (!written && written.error() == store::error::constraint)
      return problem_of(req, ctx, problem::conditions_exist());
    if (!written) return refuse(req, ctx, written.error());
    auto res = json_response(req, http::status::created,
                             json::object{{"versie", doc.version},
                                          {"sha256", doc.sha256},
                                          {"gepubliceerdOp", format_rfc3339(now)},
                                          {"actueel", true}});
    res.set(http::field::location, "/api/v1/aansluitvoorwaarden/" + doc.version);
    return res;
  }

  // --- municipalities
  response municipalities_list(const request& req, request_context& ctx) const {
    if (!s_.store) return unavailable(req, ctx);
    auto out = s_.store->read([](store::reader& rd) -> result<json::array> {
      auto all = store::list_municipalities(rd);
      if (!all) return all.error();
      json::array items;
      for (const auto& m : *all) {
        auto state = store::load_onboarding(rd, m.id);
        if (!state) return state.error();
        items.push_back(municipality_json(
            m, state->signature ? std::optional(state->signature->signed_at) : std::nullopt));
      }
      return items;
    });
    if (!out) return refuse(req, ctx, out.error());
    return json_response(req, http::status::ok, *out);
  }

  response onboarding_read(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(s_, req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    return view(s_, req, ctx, code);
  }

  response register_cohort(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(s_, req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto body = read_object(req, ctx, {"cohortId"});
    if (!body) return std::move(body.error());
    json_fields f(*body);
    auto cohort = f.text("cohortId", 64);
    if (!f.errors().empty()) return invalid(req, ctx, f.errors());
    const sys_time now = s_.clock->now();
    auto out = store::run_registration(*s_.store, code, *cohort, actor_of(*ctx.user), audit_identity_of(ctx),
                                       now, queue_notices("onboarding.register", email_config(s_), now));
    if (!out && out.error() == store::error::invalid_argument)
      return problem_of(req, ctx, problem::municipality_unknown());
    if (!out) return refuse(req, ctx, out.error());
    if (out->cohort_missing) return problem_of(req, ctx, problem::cohort_unknown());
    if (out->refusal) return refuse(req, ctx, out->refusal);
    return view(s_, req, ctx, code, http::status::created);
  }

  response conditions_accept(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(s_, req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto body = read_object(req, ctx, {"versie", "sha256"});
    if (!body) return std::move(body.error());
    json_fields f(*body);
    auto version = f.text("versie", store::max_conditions_version_chars);
    auto shown = f.text("sha256", 64);
    if (!f.errors().empty()) return invalid(req, ctx, f.errors());
    const auto by = actor_of(*ctx.user);
    const sys_time now = s_.clock->now();
    return transition(s_, req, ctx, code, "onboarding.conditions.accept",
                      [&](store::reader& rd, const store::municipality_record& m,
                          const domain::onboarding& s) -> result<domain::onboarding> {
                        auto current = store::current_conditions(rd);
                        if (!current) return current.error();
                        if (!*current || (*current)->document.version != *version)
                          return domain::error::conditions_outdated;
                        return domain::accept_conditions(s, store::to_domain(m), (*current)->document, *shown,
                                                         by, now);
                      });
  }

  response application_save(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(s_, req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock || !s_.onboarding || !s_.onboarding->verify_system_certificate)
      return unavailable(req, ctx);
    std::optional<store::certificate_details> details;
    auto body = application_with_certificate(s_, req, ctx, details);
    if (!body) return std::move(body.error());
    const auto by = actor_of(*ctx.user);
    const sys_time now = s_.clock->now();
    domain::validation_errors errors;
    auto out = transition(
        s_, req, ctx, code, "onboarding.application.save",
        [&](store::reader&, const store::municipality_record& m,
            const domain::onboarding& s) -> result<domain::onboarding> {
          // No certificate in the body: keep the current application's.
          json::object doc = *body;
          if (!doc.contains("systeemcertificaat")) {
            if (!s.application) {
              errors = {{"/systeemcertificaat", domain::error::field_required}};
              return errors.front().code;
            }
            doc["systeemcertificaat"] = domain::to_json(*s.application).at("systeemcertificaat");
          }
          auto parsed = domain::parse_application(json::serialize(doc), store::to_domain(m));
          if (!parsed) {
            errors = parsed.error();
            return errors.front().code;
          }
          return domain::save_application(s, store::to_domain(m), std::move(*parsed), by, now);
        },
        // The settings show the subject and validity of the certificate
        // pasted here (public data); one that does not fit is not kept.
        [&](store::transaction& tx, const store::transition_outcome&) -> result<void> {
          if (!details) return {};
          auto kept = store::save_certificate_details(tx, *details, now);
          if (!kept && kept.error() == store::error::invalid_argument) return {};
          return kept;
        });
    // A body that breaks a field rule is answered with every bad field
    // (the refusal is already audited with the first one's code).
    return errors.empty() ? out : invalid(req, ctx, errors);
  }

  response sign_application(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(s_, req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto body = read_object(req, ctx, {"aanvraagSha256"});
    if (!body) return std::move(body.error());
    json_fields f(*body);
    auto shown = f.text("aanvraagSha256", 64);
    if (!f.errors().empty()) return invalid(req, ctx, f.errors());
    const auto by = actor_of(*ctx.user);
    const domain::signing what{ctx.user->assertion_id, *shown};
    const sys_time now = s_.clock->now();
    return transition(s_, req, ctx, code, "onboarding.application.sign",
                      [&](store::reader& rd, const store::municipality_record& m,
                          const domain::onboarding& s) -> result<domain::onboarding> {
                        // The signed text names the cohort: read it in the same transaction.
                        auto cohort = store::find_cohort(rd, s.cohort_id);
                        if (!cohort) return cohort.error();
                        if (!*cohort) return domain::error::invalid_transition;
                        return domain::sign_application(s, store::to_domain(m), **cohort, what, by, now);
                      });
  }

  response review_application(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(s_, req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto body = read_object(req, ctx, {"besluit", "reden"});
    if (!body) return std::move(body.error());
    json_fields f(*body);
    auto decision = f.text("besluit", 16);
    auto reason = f.text("reden", 4 * domain::max_reason_chars, false);
    if (decision && *decision != "GOEDKEUREN" && *decision != "AFWIJZEN")
      f.add("besluit", domain::error::value_unknown);
    if (!f.errors().empty()) return invalid(req, ctx, f.errors());
    const bool approve = *decision == "GOEDKEUREN";
    const auto by = actor_of(*ctx.user);
    const sys_time now = s_.clock->now();
    return transition(s_, req, ctx, code, approve ? "onboarding.review.approve" : "onboarding.review.reject",
                      [&](store::reader&, const store::municipality_record&, const domain::onboarding& s) {
                        return approve ? domain::approve_application(s, by, now)
                                       : domain::reject_application(s, reason.value_or(""), by, now);
                      });
  }

  response change_status(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(s_, req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    auto body = read_object(req, ctx, {"actie", "reden"});
    if (!body) return std::move(body.error());
    json_fields f(*body);
    auto act = f.text("actie", 16);
    auto reason = f.text("reden", 4 * domain::max_reason_chars, false);
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> actions{{
        {"AANSLUITEN", "onboarding.connect.now"},
        {"OPSCHORTEN", "onboarding.suspend"},
        {"AFSLUITEN", "onboarding.disconnect"},
        {"HERAANSLUITEN", "onboarding.reconnect"},
    }};
    const auto found =
        act ? std::ranges::find(actions, *act, &decltype(actions)::value_type::first) : actions.end();
    if (act && found == actions.end()) f.add("actie", domain::error::value_unknown);
    if (!f.errors().empty()) return invalid(req, ctx, f.errors());
    const auto by = actor_of(*ctx.user);
    const sys_time now = s_.clock->now();
    const std::string why = reason.value_or("");
    const std::string_view which = found->first;
    return transition(s_, req, ctx, code, std::string(found->second),
                      [&](store::reader&, const store::municipality_record&, const domain::onboarding& s) {
                        if (which == "AANSLUITEN") return domain::connect_now(s, by, now);
                        if (which == "OPSCHORTEN") return domain::suspend(s, why, by, now);
                        if (which == "AFSLUITEN") return domain::disconnect(s, why, by, now);
                        return domain::reconnect(s, by, now);
                      });
  }

 private:
  const services& s_;
};

}  // namespace

void add_onboarding_routes(router& r, const services& s) {
  r.add({.name = "openapi",
         .method = http::verb::get,
         .pattern = "/api/v1/openapi.json",
         .listeners = on_both,
         .who = access::anyone,
         .handle = [](const request& req, request_context&) {
           return make_json_response(req, http::status::ok, openapi_document());
         }});
  // Every onboarding route is on the portal and waits on the store.
  struct entry {
    const char* name;
    http::verb method;
    const char* pattern;
    access who;
    std::size_t body_limit;
    response (onboarding_api::*handle)(const request&, request_context&) const;
  };
  static constexpr entry table[] = {
      {"onboarding.cohorts.list", http::verb::get, "/api/v1/cohorten", access::user, 0,
       &onboarding_api::cohorts_list},
      {"onboarding.cohorts.read", http::verb::get, "/api/v1/cohorten/{cohortId}", access::user, 0,
       &onboarding_api::cohorts_read},
      {"onboarding.cohorts.create", http::verb::post, "/api/v1/cohorten", access::administrator, small_body,
       &onboarding_api::cohorts_create},
      {"onboarding.cohorts.edit", http::verb::put, "/api/v1/cohorten/{cohortId}", access::administrator,
       small_body, &onboarding_api::cohorts_edit},
      {"onboarding.cohorts.close", http::verb::post, "/api/v1/cohorten/{cohortId}/sluiting",
       access::administrator, 0, &onboarding_api::cohorts_close},
      {"onboarding.conditions.list", http::verb::get, "/api/v1/aansluitvoorwaarden", access::user, 0,
       &onboarding_api::conditions_list},
      {"onboarding.conditions.read", http::verb::get, "/api/v1/aansluitvoorwaarden/{versie}", access::user, 0,
       &onboarding_api::conditions_read},
      {"onboarding.conditions.publish", http::verb::post, "/api/v1/aansluitvoorwaarden",
       access::administrator, conditions_body, &onboarding_api::conditions_publish},
      {"onboarding.municipalities.list", http::verb::get, "/api/v1/gemeenten", access::administrator, 0,
       &onboarding_api::municipalities_list},
      {"onboarding.read", http::verb::get, "/api/v1/gemeenten/{gemeentecode}/aansluiting", access::user, 0,
       &onboarding_api::onboarding_read},
      {"onboarding.register", http::verb::post, "/api/v1/gemeenten/{gemeentecode}/aanmelding",
       access::casework, small_body, &onboarding_api::register_cohort},
      {"onboarding.conditions.accept", http::verb::post,
       "/api/v1/gemeenten/{gemeentecode}/voorwaardenacceptatie", access::casework, small_body,
       &onboarding_api::conditions_accept},
      {"onboarding.application.save", http::verb::put, "/api/v1/gemeenten/{gemeentecode}/aanvraag",
       access::casework, application_body, &onboarding_api::application_save},
      {"onboarding.sign", http::verb::post, "/api/v1/gemeenten/{gemeentecode}/ondertekening",
       access::signatory, small_body, &onboarding_api::sign_application},
      {"onboarding.review", http::verb::post, "/api/v1/gemeenten/{gemeentecode}/beoordeling",
       access::administrator, small_body, &onboarding_api::review_application},
      {"onboarding.status", http::verb::post, "/api/v1/gemeenten/{gemeentecode}/statuswijziging",
       access::administrator, small_body, &onboarding_api::change_status},
  };
  // The api object lives as long as the handlers that share it.
  auto api = std::make_shared<const onboarding_api>(s);
  for (const auto& e : table)
    r.add({.name = e.name,
           .method = e.method,
           .pattern = e.pattern,
           .listeners = on_portal,
           .who = e.who,
           .body_limit = e.body_limit,
           .blocking = true,
           .handle = [api, h = e.handle](const request& req, request_context& ctx) {
             return (*api.*h)(req, ctx);
           }});
}

}  // namespace poort::routing

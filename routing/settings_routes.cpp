// A municipality's settings (issue 6; store/settings.hpp), on the portal
// listener (api/instellingen.openapi.json):
//
//   GET /api/v1/gemeenten/{gemeentecode}/instellingen   a user of that municipality, or an administrator
//   PUT /api/v1/gemeenten/{gemeentecode}/instellingen   an authorised signatory of that municipality
//
//   {"gemeentecode", "wilDetentiemeldingen", "wilInformatiebladen", "pushEndpoint": url|null,
//    "systeemcertificaat": {"onderwerp": dn|null, "geldigTot": time|null, "vingerafdruk"}|null,
//    "wijzigbaar": bool}
//
// PUT takes {"wilDetentiemeldingen", "wilInformatiebladen", "pushEndpoint"?,
// "systeemcertificaatPem"?} (a missing or null PEM keeps the current
// certificate). The certificate is checked exactly as the application's
// (onboarding_services::verify_system_certificate: the system listener's CA,
// valid now, clientAuth, an OIN) and its OIN must be the municipality's; the
// push endpoint as the application's (domain::validate_https_url). Changes
// are possible once the application was approved (store::settings_changeable),
// and are audited ("settings.change"). A user of another municipality is
// refused (403 other_organisation, audited as the onboarding routes do).

#include "store/settings.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>

#include <expected>

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "domain/contact.hpp"
#include "domain/error.hpp"
#include "domain/identifiers.hpp"
#include "routing/app.hpp"
#include "routing/areas.hpp"
#include "routing/json_body.hpp"
#include "routing/onboarding_routes.hpp"

namespace poort::routing {
namespace {

namespace json = boost::json;

constexpr std::size_t settings_body = 32 * 1024;
constexpr std::size_t max_pem_bytes = 16 * 1024;

response problem_of(const request& req, const request_context& ctx, const problem& p) {
  return make_problem_response(req, p, ctx.request_id);
}

/// A refusal with a domain reason: its code (lower case) and Dutch sentence.
response refuse(const request& req, const request_context& ctx, int status, domain::error e,
                std::vector<invalid_param> params = {}) {
  return problem_of(req, ctx, problem::refusal(e, std::move(params), status));
}

response unavailable(const request& req, const request_context& ctx) {
  return problem_of(req, ctx, problem::service_unavailable());
}

response store_failure(const request& req, const request_context& ctx, const error_code& ec) {
  return store_failure_response(req, ctx.request_id, "settings.store_failed", ec);
}

/// The view of the settings in force.
json::object settings_json(const store::municipality_record& m,
                           const std::optional<store::certificate_details>& details) {
  json::value certificate = nullptr;
  if (!m.systeem_certificaat_sha256.empty())
    certificate = json::object{
        {"onderwerp", details ? json::value(details->subject) : json::value(nullptr)},
        {"geldigTot", details ? json::value(format_rfc3339(details->not_after)) : json::value(nullptr)},
        {"vingerafdruk", m.systeem_certificaat_sha256}};
  return {{"gemeentecode", m.gemeentecode},
          {"wilDetentiemeldingen", m.wil_detentiemeldingen},
          {"wilInformatiebladen", m.wil_informatiebladen},
          {"pushEndpoint", m.push_endpoint.empty() ? json::value(nullptr) : json::value(m.push_endpoint)},
          {"systeemcertificaat", std::move(certificate)},
          {"wijzigbaar", store::settings_changeable(m.status)}};
}

/// The area's handlers and their shared steps.
class settings_api {
 public:
  explicit settings_api(const services& s) : s_(s) {}

  /// GET: the settings in force.
  response read(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    return view(req, ctx, code);
  }

  /// PUT: changes them.
  response update(const request& req, request_context& ctx) const {
    const auto code = ctx.param("gemeentecode");
    if (auto refused = check_scope(req, ctx, code)) return std::move(*refused);
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    return change(req, ctx, code);
  }

 private:
  /// The refusal when the logged-in user may not reach municipality `code`:
  /// an administrator reaches every one, anyone else only their own. An
  /// attempt on another municipality is audited.
  std::optional<response> check_scope(const request& req, const request_context& ctx,
                                      std::string_view code) const {
    if (!domain::validate_gemeentecode(code))
      return refuse(req, ctx, 400, domain::error::gemeentecode_invalid,
                    {{"/path/gemeentecode", "GEMEENTECODE_INVALID"}});
    if (ctx.user->role == auth::role::administrator) return std::nullopt;
    if (!ctx.user->gemeentecode.empty() && ctx.user->gemeentecode == code) return std::nullopt;
    if (!s_.store || !s_.clock) return unavailable(req, ctx);
    const auto rec =
        store::make_audit_record("settings.access", "gemeente:" + std::string(code),
                                 "denied:OTHER_ORGANISATION", audit_identity_of(ctx), s_.clock->now());
    auto audited = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto ok = store::append_audit(tx, rec);
      if (!ok) return ok.error();
      return {};
    });
    if (!audited) return store_failure(req, ctx, audited.error());
    return refuse(req, ctx, 403, domain::error::other_organisation);
  }

  response view(const request& req, const request_context& ctx, std::string_view code) const {
    struct found {
      store::municipality_record m;
      std::optional<store::certificate_details> details;
    };
    auto r = s_.store->read([&](store::reader& rd) -> result<std::optional<found>> {
      auto m = store::find_municipality(rd, code, store::day_of(s_.clock->now()));
      if (!m) return m.error();
      if (!*m) return std::optional<found>{};
      std::optional<store::certificate_details> details;
      if (!(*m)->systeem_certificaat_sha256.empty()) {
        auto d = store::find_certificate_details(rd, (*m)->systeem_certificaat_sha256);
        if (!d) return d.error();
        details = std::move(*d);
      }
      return std::optional<found>{found{std::move(**m), std::move(details)}};
    });
    if (!r) return store_failure(req, ctx, r.error());
    if (!*r) return refuse(req, ctx, 404, domain::error::municipality_unknown);
    return make_json_response(req, http::status::ok, json::serialize(settings_json((*r)->m, (*r)->details)));
  }

  /// The settings of a PUT body, with a new certificate checked; or the refusal.
  std::expected<store::municipality_settings, response> read_settings(const request& req,
                                                                      const request_context& ctx) const {
    if (!has_media_type(req, "application/json"))
      return std::unexpected(problem_of(req, ctx, problem::unsupported_media_type()));
    json::parse_options options;
    options.max_depth = 4;
    boost::system::error_code ec;
    json::value v = json::parse(req.body(), ec, {}, options);
    if (ec || !v.is_object()) return std::unexpected(refuse(req, ctx, 400, domain::error::json_malformed));
    const json::object& o = v.as_object();

    std::vector<invalid_param> bad;
    const auto add = [&](std::string pointer, domain::error e) {
      bad.push_back({std::move(pointer), std::string(domain::reason_code(e))});
    };
    for (const auto& [key, value] : o)
      if (key != "wilDetentiemeldingen" && key != "wilInformatiebladen" && key != "pushEndpoint" &&
          key != "systeemcertificaatPem")
        add(json_pointer_for(key), domain::error::unknown_field);
    store::municipality_settings out;
    const auto flag = [&](std::string_view key, bool& to) {
      const json::value* f = o.if_contains(key);
      if (f == nullptr || f->is_null())
        add("/" + std::string(key), domain::error::field_required);
      else if (!f->is_bool())
        add("/" + std::string(key), domain::error::wrong_type);
      else
        to = f->as_bool();
    };
    flag("wilDetentiemeldingen", out.wil_detentiemeldingen);
    flag("wilInformatiebladen", out.wil_informatiebladen);
    if (const json::value* e = o.if_contains("pushEndpoint"); e != nullptr && !e->is_null()) {
      if (!e->is_string())
        add("/pushEndpoint", domain::error::wrong_type);
      else if (!e->as_string().empty()) {
        const std::string url(e->as_string());
        if (!domain::validate_https_url(url))
          add("/pushEndpoint", domain::error::url_invalid);
        else
          out.push_endpoint = url;
      }
    }
    const json::value* pem = o.if_contains("systeemcertificaatPem");
    const bool new_certificate = pem != nullptr && !pem->is_null();
    if (new_certificate) {
      if (!pem->is_string())
        add("/systeemcertificaatPem", domain::error::wrong_type);
      else if (pem->as_string().empty())
        add("/systeemcertificaatPem", domain::error::value_empty);
      else if (pem->as_string().size() > max_pem_bytes)
        add("/systeemcertificaatPem", domain::error::value_too_long);
    }
    if (!bad.empty()) {
      return std::unexpected(problem_of(req, ctx, problem::invalid_body(std::move(bad))));
    }
    if (!new_certificate) return out;

    // The same check as the application's certificate (onboarding_routes.cpp).
    if (!s_.onboarding || !s_.onboarding->verify_system_certificate)
      return std::unexpected(unavailable(req, ctx));
    const std::string_view text(pem->as_string());
    auto checked = s_.onboarding->verify_system_certificate(text);
    std::optional<store::certificate_details> details;
    if (checked) details = certificate_details_of(text, checked->sha256);
    if (!checked || !details) {
      const bool malformed = !checked && checked.error() == common_error::invalid_argument;
      return std::unexpected(
          problem_of(req, ctx, problem::certificate_refused(malformed, "/systeemcertificaatPem")));
    }
    out.certificate = std::move(*details);
    out.certificate_oin = checked->oin;
    return out;
  }

  response change(const request& req, request_context& ctx, std::string_view code) const {
    auto settings = read_settings(req, ctx);
    if (!settings) return std::move(settings.error());
    auto outcome =
        store::change_settings(*s_.store, code, *settings, audit_identity_of(ctx), s_.clock->now());
    if (!outcome) return store_failure(req, ctx, outcome.error());
    using kind = store::settings_outcome::kind;
    switch (outcome->what) {
      case kind::unknown_municipality: return refuse(req, ctx, 404, domain::error::municipality_unknown);
      case kind::locked: return problem_of(req, ctx, problem::settings_locked());
      case kind::oin_mismatch:
        return refuse(req, ctx, 422, domain::error::application_oin_mismatch,
                      {{"/systeemcertificaatPem", "APPLICATION_OIN_MISMATCH"}});
      case kind::changed: break;
    }
    log::info("settings.changed", {{"request_id", ctx.request_id},
                                   {"gemeentecode", outcome->municipality.gemeentecode},
                                   {"new_certificate", settings->certificate.has_value()}});
    return view(req, ctx, code);
  }
  const services& s_;
};

}  // namespace

std::optional<store::certificate_details> certificate_details_of(std::string_view pem, std::string sha256) {
  auto cert = parse_certificate_pem(pem);
  if (!cert) return std::nullopt;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert->get()), 0,
                                 XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
    return std::nullopt;
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  std::tm tm{};
  if (size <= 0 || ASN1_TIME_to_tm(X509_get0_notAfter(cert->get()), &tm) != 1) return std::nullopt;
  const auto day = std::chrono::year_month_day{std::chrono::year{tm.tm_year + 1900},
                                               std::chrono::month{static_cast<unsigned>(tm.tm_mon + 1)},
                                               std::chrono::day{static_cast<unsigned>(tm.tm_mday)}};
  const sys_time not_after = std::chrono::sys_days{day} + std::chrono::hours{tm.tm_hour} +
                             std::chrono::minutes{tm.tm_min} + std::chrono::seconds{tm.tm_sec};
  return store::certificate_details{std::move(sha256), std::string(data, static_cast<std::size_t>(size)),
                                    not_after};
}

void add_settings_routes(router& r, const services& s) {
  // The api object lives as long as the handlers that share it.
  auto api = std::make_shared<const settings_api>(s);
  r.add({.name = "settings.read",
         .method = http::verb::get,
         .pattern = "/api/v1/gemeenten/{gemeentecode}/instellingen",
         .listeners = on_portal,
         .who = access::user,
         .blocking = true,
         .handle = [api](const request& req, request_context& ctx) { return api->read(req, ctx); }});
  r.add({.name = "settings.change",
         .method = http::verb::put,
         .pattern = "/api/v1/gemeenten/{gemeentecode}/instellingen",
         .listeners = on_portal,
         .who = access::signatory,
         .body_limit = settings_body,
         .blocking = true,
         .handle = [api](const request& req, request_context& ctx) { return api->update(req, ctx); }});
}

}  // namespace poort::routing

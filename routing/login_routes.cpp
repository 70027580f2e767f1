#include "routing/login_routes.hpp"

#include <boost/json.hpp>

#include <optional>
#include <utility>
#include <vector>

#include "common/encoding.hpp"
#include "common/log.hpp"
#include "routing/app.hpp"
#include "routing/areas.hpp"
#include "routing/json_body.hpp"
#include "store/audit.hpp"
#include "store/registry.hpp"

namespace poort::routing {
namespace {

constexpr std::size_t acs_body_limit = 768 * 1024;  // SAMLResponse (base64, percent-encoded) + RelayState
constexpr std::size_t max_form_fields = 16;

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes application/x-www-form-urlencoded text ('+' is a space).
std::optional<std::string> form_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

/// The fields of a query string or form body; nullopt when malformed or too many.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) continue;
    if (out.size() == max_form_fields) return std::nullopt;
    const auto eq = pair.find('=');
    auto key = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

/// The first value of `name`, or "".
std::string field(const std::vector<std::pair<std::string, std::string>>& fields, std::string_view name) {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return {};
}

std::string_view query_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

/// What a refused login page says: what happened, and what to do next.
struct page_text {
  std::string_view title;
  std::string_view explanation;
  std::string_view next_step;
};

page_text text_of(auth::login_page p) {
  switch (p) {
    case auth::login_page::cancelled:
      return {"Inloggen afgebroken",
              "U heeft het inloggen met eHerkenning afgebroken. U bent niet ingelogd. Er is niets veranderd.",
              "Wilt u toch inloggen? Kies dan “Opnieuw inloggen”."};
    case auth::login_page::unknown_organisation:
      return {"Organisatie niet bekend",
              "U bent ingelogd namens een organisatie die poort niet kent als gemeente.",
              "Log opnieuw in en kies daarbij uw gemeente. Hoort uw gemeente wel bekend te zijn? Neem dan "
              "contact op met Justid en noem het kenmerk hieronder."};
    case auth::login_page::assurance_too_low:
      return {"Inlogmiddel niet sterk genoeg",
              "Voor poort heeft u een eHerkenningsmiddel nodig van niveau EH3 of hoger. U logde in met een "
              "lager niveau. U bent niet ingelogd.",
              "Log opnieuw in met een middel van niveau EH3 of hoger. Heeft u dat niet? Vraag het aan bij "
              "degene die eHerkenning regelt in uw organisatie."};
    case auth::login_page::expired:
      return {"Inloggen verlopen", "Het inloggen duurde te lang, of deze inlogpoging is al gebruikt.",
              "Begin opnieuw met inloggen."};
    case auth::login_page::unavailable:
      return {"Inloggen tijdelijk niet mogelijk", "Door een storing kunt u nu niet inloggen.",
              "Probeer het over een paar minuten opnieuw."};
    case auth::login_page::failed: break;
  }
  return {"Inloggen mislukt", "Het inloggen met eHerkenning is niet gelukt. U bent niet ingelogd.",
          "Probeer het opnieuw. Lukt het weer niet? Neem dan contact op met Justid en noem het kenmerk "
          "hieronder."};
}

/// A Dutch page in the portal's layout (web/*.html): no script, no inline style.
response html_page(const request& req, unsigned status, page_text text, std::string_view again_href,
                   std::string_view reference, std::string_view reason) {
  std::string body =
      "<!doctype html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      xml_escape(text.title) +
      " – poort</title>\n<link rel=\"stylesheet\" href=\"/static/css/poort.css\">\n</head>\n<body>\n"
      "<a class=\"skip-link\" href=\"#inhoud\">Direct naar de inhoud</a>\n"
      "<header class=\"site-header\">\n<div class=\"site-header__bar\">\n"
      "<a class=\"site-name\" href=\"/\">poort <span class=\"site-name__ondertitel\">"
      "Gegevensuitwisseling re-integratie</span></a>\n</div>\n</header>\n"
      "<main id=\"inhoud\">\n<h1>" +
      xml_escape(text.title) + "</h1>\n<p id=\"uitleg\">" + xml_escape(text.explanation) +
      "</p>\n<h2>Wat kunt u doen?</h2>\n<p id=\"volgende-stap\">" + xml_escape(text.next_step) +
      "</p>\n<div class=\"knoppen\">\n";
  if (!again_href.empty())
    body += "<a class=\"knop\" id=\"opnieuw\" href=\"" + xml_escape(again_href) + "\">Opnieuw inloggen</a>\n";
  body += "<a href=\"/\">Naar de startpagina</a>\n</div>\n";
  if (!reference.empty())
    body += "<p id=\"referentie\" class=\"kenmerk\">Kenmerk voor Justid: <code>" + xml_escape(reference) +
            "</code>" +
            (reason.empty() ? std::string{} : " (reden: <code>" + xml_escape(reason) + "</code>)") + "</p>\n";
  body +=
      "</main>\n<footer class=\"site-footer\">\n<div>\n<p>poort wordt beheerd door Justid, de Justitiële "
      "Informatiedienst.</p>\n</div>\n</footer>\n</body>\n</html>\n";
  response res{static_cast<http::status>(status), req.version()};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

response not_configured(const request& req, const request_context& ctx) {
  return html_page(
      req, 503,
      {"Inloggen is niet beschikbaar", "Inloggen met eHerkenning is op deze omgeving niet ingeschakeld.",
       "Gebruik de omgeving die Justid u heeft gegeven, of neem contact op met Justid."},
      "", ctx.request_id, "login_not_configured");
}

std::string again_href(std::string_view service) {
  return service.empty() ? std::string{} : "/saml/login?service=" + std::string(service);
}

std::string_view api_role(auth::role r) {
  switch (r) {
    case auth::role::casework: return "MEDEWERKER";
    case auth::role::signatory: return "TEKENBEVOEGDE";
    case auth::role::administrator: return "BEHEERDER";
  }
  return "MEDEWERKER";
}

/// The area's handlers and their shared steps.
class login_api {
 public:
  explicit login_api(const services& s) : s_(s) {}

  /// GET /saml/metadata: our signed SP metadata.
  response metadata(const request& req, request_context& ctx) const {
    if (!s_.login || s_.login->sp_metadata.empty()) return not_configured(req, ctx);
    return make_response(req, http::status::ok, "application/samlmetadata+xml", s_.login->sp_metadata);
  }

  /// Audits a refused login and answers with its page.
  response refused_login(const request& req, const request_context& ctx, const auth::login_refusal& r) const {
    log::info("login.refused", {{"request_id", ctx.request_id},
                                {"idp", r.idp},
                                {"service", r.service},
                                {"reason", r.reason},
                                {"detail", r.detail}});
    auto who = audit_identity_of(ctx);
    who.actor = r.actor;  // nobody is logged in yet: the flow knows how far it got
    const auto a = store::make_audit_record("login", r.idp.empty() ? std::string{} : "idp:" + r.idp,
                                            "denied:" + r.reason, who, s_.clock->now());
    auto ok = s_.store->write([&](store::transaction& tx) -> result<void> {
      auto seq = store::append_audit(tx, a);
      if (!seq) return seq.error();
      return {};
    });
    if (!ok) {
      log::error("login.audit_failed", {{"request_id", ctx.request_id}, {"error", ok.error().message()}});
      return html_page(req, 503, text_of(auth::login_page::unavailable), again_href(r.service),
                       ctx.request_id, "audit_unavailable");
    }
    return html_page(req, static_cast<unsigned>(r.status), text_of(r.page), again_href(r.service),
                     ctx.request_id, r.reason);
  }

  response start_login(const request& req, request_context& ctx) const {
    if (!s_.login || !s_.login->flow) return not_configured(req, ctx);
    auto fields = parse_form(query_of(sv(req.target())));
    if (!fields)
      return html_page(req, 400, text_of(auth::login_page::failed), "", ctx.request_id, "malformed_query");
    const std::string service = field(*fields, "service");
    const std::string target = field(*fields, "target");
    auto url = s_.login->flow->begin(service, field(*fields, "idp"), target.empty() ? "/" : target);
    if (!url) {
      log::info("login.start_refused", {{"request_id", ctx.request_id}, {"reason", url.error().reason}});
      return html_page(req, static_cast<unsigned>(url.error().status), text_of(url.error().page), "",
                       ctx.request_id, url.error().reason);
    }
    response res{http::status::see_other, req.version()};
    res.set(http::field::location, *url);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }

  response complete_login(const request& req, request_context& ctx) const {
    if (!s_.login || !s_.login->flow || !s_.login->sessions) return not_configured(req, ctx);
    std::string_view text;
    if (req.method() == http::verb::post) {
      if (!has_media_type(req, "application/x-www-form-urlencoded")) {
        auth::login_refusal r;
        r.reason = "unsupported_media_type";
        r.status = 415;
        return refused_login(req, ctx, r);
      }
      text = req.body();
    } else {
      text = query_of(sv(req.target()));
    }
    auth::acs_input in;
    if (auto fields = parse_form(text)) {
      in.samlart = field(*fields, "SAMLart");
      in.relay_state = field(*fields, "RelayState");
      if (req.method() == http::verb::post) in.saml_response = field(*fields, "SAMLResponse");
    }
    auto done = s_.login->flow->finish(in, s_.login->soap);
    if (!done) return refused_login(req, ctx, done.error());

    const auth::user& who = done->who;
    auto identity = audit_identity_of(ctx);
    identity.actor = who.actor();  // the user who has just logged in
    const auto a = store::make_audit_record(
        "login", who.gemeentecode.empty() ? "idp:" + who.idp : "gemeente:" + who.gemeentecode, "success",
        identity, s_.clock->now());
    const auto previous = auth::find_session_cookie(sv(req[http::field::cookie]));
    auto started = s_.login->sessions->start(who, previous, a);
    if (!started) {
      log::error("login.session_failed",
                 {{"request_id", ctx.request_id}, {"error", started.error().message()}});
      return html_page(req, 503, text_of(auth::login_page::unavailable), again_href(""), ctx.request_id,
                       "store_unavailable");
    }
    log::info("login.success", {{"request_id", ctx.request_id},
                                {"idp", who.idp},
                                {"role", auth::to_string(who.role)},
                                {"gemeentecode", who.gemeentecode},
                                {"session", started->who.session_id_hash.substr(0, 16)}});
    response res{http::status::see_other, req.version()};
    res.set(http::field::location, done->target);
    res.set(http::field::set_cookie, auth::session_set_cookie(started->id));
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }

  response logout(const request& req, request_context& ctx) const {
    if (!s_.login || !s_.login->sessions) return not_configured(req, ctx);
    const auth::user& who = *ctx.user;
    const auto a = store::make_audit_record(
        "logout", who.gemeentecode.empty() ? "idp:" + who.idp : "gemeente:" + who.gemeentecode, "success",
        audit_identity_of(ctx), s_.clock->now());
    auto ended = s_.login->sessions->end(who, a);
    if (!ended && ended.error() != auth::session_error::unknown_session) {
      return make_problem_response(
          req,
          problem::store_unavailable("Uitloggen lukt nu niet. Probeer het over een paar minuten opnieuw."),
          ctx.request_id);
    }
    log::info("logout", {{"request_id", ctx.request_id}, {"session", who.session_id_hash.substr(0, 16)}});
    response res{http::status::no_content, req.version()};
    res.set(http::field::set_cookie, auth::session_clear_cookie());
    res.keep_alive(req.keep_alive());
    return res;
  }

  response current_session(const request& req, request_context& ctx) const {
    const auth::user& who = *ctx.user;
    boost::json::object o;
    o["rol"] = api_role(who.role);
    o["gemeentecode"] =
        who.gemeentecode.empty() ? boost::json::value(nullptr) : boost::json::value(who.gemeentecode);
    o["idp"] = who.idp;
    o["vestigingsnummer"] =
        who.vestigingsnr.empty() ? boost::json::value(nullptr) : boost::json::value(who.vestigingsnr);
    o["betrouwbaarheidsniveau"] = who.assurance;
    o["ingelogdOp"] = format_rfc3339(who.logged_in_at);
    if (s_.current_config)
      o["verlooptUiterlijkOp"] =
          format_rfc3339(who.logged_in_at + s_.current_config()->session.absolute_timeout);
    o["csrfToken"] = who.csrf_token;
    o["gemeentenaam"] = nullptr;
    if (!who.gemeentecode.empty() && s_.store && s_.clock) {
      auto found = s_.store->read([&](store::reader& r) {
        return store::find_municipality(r, who.gemeentecode, store::day_of(s_.clock->now()));
      });
      if (!found)
        return make_problem_response(
            req, problem::store_unavailable("Probeer het over een paar minuten opnieuw."), ctx.request_id);
      if (*found) o["gemeentenaam"] = (*found)->naam;
    }
    return make_json_response(req, http::status::ok, boost::json::serialize(o));
  }

 private:
  const services& s_;
};

}  // namespace

result<auth::user> authenticate_session(const login_services& s, const request& req) {
  if (!s.sessions) return auth::session_error::no_session;
  auto who = s.sessions->authenticate(auth::find_session_cookie(sv(req[http::field::cookie])));
  if (!who &&
      (who.error() == auth::session_error::idle_timeout || who.error() == auth::session_error::expired))
    log::info("session.ended", {{"reason", who.error().message()}});
  return who;
}

void add_login_routes(router& r, const services& s) {
  // The api object lives as long as the handlers that share it.
  auto api = std::make_shared<const login_api>(s);
  using method = response (login_api::*)(const request&, request_context&) const;
  const auto bind = [&api](method m) {
    return [api, m](const request& req, request_context& ctx) { return (*api.*m)(req, ctx); };
  };
  r.add({.name = "saml_login",
         .method = http::verb::get,
         .pattern = "/saml/login",
         .listeners = on_portal,
         .who = access::anyone,
         .blocking = true,
         .handle = bind(&login_api::start_login)});
  r.add({.name = "saml_acs",
         .method = http::verb::get,
         .pattern = "/saml/acs",
         .listeners = on_portal,
         .who = access::anyone,
         .blocking = true,
         .handle = bind(&login_api::complete_login)});
  r.add({.name = "saml_acs",
         .method = http::verb::post,
         .pattern = "/saml/acs",
         .listeners = on_portal,
         .who = access::anyone,
         .body_limit = acs_body_limit,
         .blocking = true,
         .handle = bind(&login_api::complete_login)});
  r.add({.name = "saml_logout",
         .method = http::verb::post,
         .pattern = "/saml/logout",
         .listeners = on_portal,
         .who = access::user,
         .blocking = true,
         .handle = bind(&login_api::logout)});
  r.add({.name = "saml_metadata",
         .method = http::verb::get,
         .pattern = "/saml/metadata",
         .listeners = on_portal,
         .who = access::anyone,
         .handle = bind(&login_api::metadata)});
  r.add({.name = "sessie",
         .method = http::verb::get,
         .pattern = "/api/v1/sessie",
         .listeners = on_portal,
         .who = access::user,
         .blocking = true,
         .handle = bind(&login_api::current_session)});
}

}  // namespace poort::routing

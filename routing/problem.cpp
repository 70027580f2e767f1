#include "routing/problem.hpp"

#include <boost/json.hpp>

#include "auth/peer.hpp"
#include "common/log.hpp"

namespace poort::routing {
namespace {

problem make(int status, std::string code, std::string detail, std::vector<invalid_param> params = {}) {
  return {status, std::move(code), problem_title(status), std::move(detail), std::move(params)};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
  return out;
}

}  // namespace

std::string problem_title(int status) {
  switch (status) {
    case 400: return "Ongeldig verzoek";
    case 401: return "Niet ingelogd";
    case 403: return "Toegang geweigerd";
    case 404: return "Niet gevonden";
    case 405: return "Methode niet toegestaan";
    case 409: return "Niet mogelijk";
    case 413: return "Verzoek te groot";
    case 415: return "Verkeerd mediatype";
    case 422: return "Niet geaccepteerd";
    case 429: return "Te veel verzoeken";
    case 431: return "Kopregels te groot";
    case 503: return "Niet beschikbaar";
    default: return "Interne fout";
  }
}

problem problem::malformed_request(std::string detail) {
  return make(400, "malformed_request", std::move(detail));
}

problem problem::ambiguous_framing() {
  return make(
      400, "ambiguous_framing",
      "Content-Length en Transfer-Encoding spreken elkaar tegen. Stuur het verzoek opnieuw met één van "
      "beide.");
}

problem problem::body_too_large(std::string detail, std::vector<invalid_param> params) {
  return make(413, "body_too_large", std::move(detail), std::move(params));
}

problem problem::too_many_requests() {
  return make(429, "rate_limited",
              "Er komen te veel verzoeken van dit adres. Wacht het aantal seconden uit Retry-After en "
              "probeer het dan opnieuw.");
}

problem problem::header_fields_too_large() {
  return make(431, "header_too_large",
              "De kopregels van het verzoek zijn groter dan is toegestaan. Stuur minder of kortere "
              "kopregels.");
}

problem problem::header_fields_too_many() {
  return make(431, "header_fields_too_many",
              "Het verzoek heeft meer kopregels dan is toegestaan. Stuur minder kopregels.");
}

problem problem::invalid_host() {
  return make(400, "invalid_host",
              "De Host-kopregel ontbreekt, komt twee keer voor of is ongeldig. Stuur precies één geldige "
              "Host-kopregel.");
}

problem problem::obsolete_line_folding() {
  return make(400, "obsolete_line_folding",
              "Een kopregel loopt door op de volgende regel (verouderde line folding). Zet elke kopregel "
              "op één regel.");
}

problem problem::not_found(std::string detail) {
  if (detail.empty())
    detail = "Dit adres of dit gegeven bestaat niet. Controleer het adres en probeer het opnieuw.";
  return make(404, "not_found", std::move(detail));
}

problem problem::method_not_allowed() {
  return make(405, "method_not_allowed",
              "Deze methode is op dit adres niet toegestaan. Gebruik een methode uit de Allow-kopregel.");
}

problem problem::not_logged_in() {
  return make(401, "not_logged_in",
              "Uw sessie is verlopen of u bent niet ingelogd. Log opnieuw in om verder te gaan.");
}

problem problem::session_unavailable() {
  problem p = make(503, "unavailable",
                   "Uw sessie kon nu niet worden gecontroleerd. Probeer het over een paar minuten opnieuw.");
  p.title = "Tijdelijk niet beschikbaar";
  return p;
}

problem problem::wrong_role() {
  return make(403, "wrong_role",
              "U mag dit niet doen met de rol waarmee u bent ingelogd. Log in met een rol die dit mag, of "
              "vraag uw beheerder om die rol.");
}

problem problem::csrf_token_invalid() {
  return make(403, "csrf_token_invalid",
              "De pagina is verouderd. Laad de pagina opnieuw en probeer het nog eens.");
}

problem problem::party_refused(const error_code& why) {
  return make(
      403, why ? why.message() : std::string(auth::reason_code(auth::error::unknown_party)),
      "Het clientcertificaat hoort niet bij een geregistreerde partij. Gebruik het systeemcertificaat "
      "dat bij poort is geregistreerd, of vraag Justid het certificaat te registreren.");
}

problem problem::wrong_party_kind() {
  return make(403, "wrong_party_kind",
              "Dit soort partij mag deze functie niet gebruiken. Gebruik het certificaat van het systeem "
              "dat voor deze functie is aangesloten.");
}

problem problem::internal_error(std::string detail) { return make(500, "internal_error", std::move(detail)); }

problem problem::store_unavailable(std::string detail) {
  return make(503, "service_unavailable", std::move(detail));
}

problem problem::service_unavailable(std::string detail) {
  return make(503, "service_unavailable", std::move(detail));
}

problem problem::unsupported_media_type() {
  return make(415, "unsupported_media_type",
              "Het verzoek heeft het verkeerde mediatype. Stuur de gegevens als application/json.");
}

problem problem::invalid_body(std::vector<invalid_param> params, std::string detail) {
  return make(400, "invalid_body", std::move(detail), std::move(params));
}

problem problem::invalid_query(std::vector<invalid_param> params) {
  problem p =
      make(400, "invalid_query",
           "Een of meer zoektermen zijn ongeldig. Herstel de zoektermen die in invalidParams staan en "
           "probeer het opnieuw.",
           std::move(params));
  p.title = "Ongeldige zoekvraag";
  return p;
}

problem problem::refusal(domain::error e, std::vector<invalid_param> params, int status) {
  if (status == 0) status = http_status(condition_of(domain::make_error_code(e)));
  return make(status, lower(domain::reason_code(e)), std::string(domain::dutch_message(e)),
              std::move(params));
}

problem problem::no_municipality() {
  return make(403, "no_municipality",
              "U werkt niet namens een gemeente. Alleen een gemeente kan berichten lezen.");
}

problem problem::replacement_unknown() {
  problem p = make(422, "replacement_unknown",
                   "Het informatieblad dat vervangt noemt, is voor deze gemeente onbekend of al gewist. "
                   "Controleer het berichtId in vervangt, of stuur een nieuw informatieblad met versie 1 "
                   "zonder vervangt.");
  p.title = "Vervangen informatieblad onbekend";
  return p;
}

problem problem::push_not_given_up() {
  return make(409, "push_not_given_up",
              "Alleen een bericht waarvan de aflevering is opgegeven, kan opnieuw worden aangeboden. Dit "
              "bericht wacht nog, is al afgeleverd of is vervallen.");
}

problem problem::push_not_connected() {
  return make(409, "not_connected",
              "De gemeente is niet meer aangesloten; het bericht wordt niet opnieuw aangeboden. Sluit de "
              "gemeente eerst weer aan als het bericht alsnog moet worden afgeleverd.");
}

problem problem::push_endpoint_missing() {
  return make(409, "push_endpoint_missing",
              "De gemeente heeft geen push-endpoint meer; het bericht staat in haar postvak. Er is niets te "
              "doen: de gemeente haalt het daar op.");
}

problem problem::push_endpoint_invalid() {
  return make(
      409, "push_endpoint_invalid",
      "Het push-endpoint van de gemeente is geen geldig https-adres; het bericht wordt niet opnieuw "
      "aangeboden. Het staat in het postvak van de gemeente. Vraag de gemeente een geldig endpoint in "
      "te stellen bij Instellingen en bied het bericht daarna opnieuw aan.");
}

problem problem::settings_locked() {
  return make(409, "settings_locked",
              "Uw gemeente is nog niet goedgekeurd. Wijzig deze gegevens in de aanvraag.");
}

problem problem::municipality_unknown() {
  return make(404, "municipality_unknown", "Deze gemeente is niet bekend. Controleer de gemeentecode.");
}

problem problem::cohort_unknown() {
  return make(404, "cohort_unknown", "Dit cohort bestaat niet. Kies een cohort uit de lijst.");
}

problem problem::conditions_unknown() {
  return make(404, "conditions_unknown",
              "Deze versie van de aansluitvoorwaarden bestaat niet. Kies een versie uit de "
              "lijst.");
}

problem problem::conditions_exist() {
  return make(409, "conditions_exist",
              "Deze versie of deze tekst is al eerder gepubliceerd. Geef een nieuw versienummer "
              "en een gewijzigde tekst.");
}

problem problem::certificate_refused(bool malformed, std::string pointer) {
  if (malformed)
    return make(400, "certificate_invalid",
                "Het systeemcertificaat is geen geldig PEM-certificaat met een OIN. Plak het hele "
                "certificaat, met de eerste en de laatste regel (BEGIN en END).",
                {{std::move(pointer), "CERTIFICATE_INVALID"}});
  return make(422, "certificate_untrusted",
              "Het systeemcertificaat is niet uitgegeven onder de vertrouwde CA, is verlopen of is niet "
              "geschikt voor clientauthenticatie. Gebruik een geldig certificaat van de vertrouwde CA dat "
              "clientauthenticatie toestaat.",
              {{std::move(pointer), "CERTIFICATE_UNTRUSTED"}});
}

std::vector<problem> problem::catalogue() {
  std::vector<problem> all{malformed_request(),
                           ambiguous_framing(),
                           body_too_large(),
                           too_many_requests(),
                           header_fields_too_large(),
                           header_fields_too_many(),
                           invalid_host(),
                           obsolete_line_folding(),
                           not_found(),
                           method_not_allowed(),
                           not_logged_in(),
                           session_unavailable(),
                           wrong_role(),
                           csrf_token_invalid(),
                           wrong_party_kind(),
                           internal_error(),
                           store_unavailable(),
                           service_unavailable(),
                           unsupported_media_type(),
                           invalid_body({}),
                           invalid_query(),
                           no_municipality(),
                           replacement_unknown(),
                           push_not_given_up(),
                           push_not_connected(),
                           push_endpoint_missing(),
                           push_endpoint_invalid(),
                           settings_locked(),
                           municipality_unknown(),
                           cohort_unknown(),
                           conditions_unknown(),
                           conditions_exist(),
                           certificate_refused(true, ""),
                           certificate_refused(false, "")};
  // Every party refusal (auth/peer.hpp), and every domain refusal (domain/error.hpp).
  all.push_back(party_refused({}));
  for (auto e : {auth::error::no_certificate, auth::error::oin_missing, auth::error::oin_malformed,
                 auth::error::unknown_party})
    all.push_back(party_refused(auth::make_error_code(e)));
  for (int e = static_cast<int>(domain::error::ok) + 1; e <= static_cast<int>(domain::last_error); ++e)
    all.push_back(refusal(static_cast<domain::error>(e)));
  return all;
}

response make_problem_response(unsigned http_version, const problem& p, std::string_view request_id) {
  boost::json::object body;
  body["type"] = "urn:poort:problem:" + p.code;
  body["title"] = p.title;
  body["status"] = p.status;
  body["code"] = p.code;
  if (!p.detail.empty()) body["detail"] = p.detail;
  if (!request_id.empty()) body["instance"] = "urn:poort:request:" + std::string(request_id);
  if (!p.invalid_params.empty()) {
    boost::json::array params;
    for (const auto& ip : p.invalid_params) params.push_back({{"pointer", ip.pointer}, {"code", ip.code}});
    body["invalidParams"] = std::move(params);
  }
  response res{static_cast<http::status>(p.status), http_version};
  res.set(http::field::content_type, "application/problem+json");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

response make_problem_response(const request& req, const problem& p, std::string_view request_id) {
  auto res = make_problem_response(req.version(), p, request_id);
  res.keep_alive(req.keep_alive());
  return res;
}

response store_failure_response(const request& req, std::string_view request_id, std::string_view event,
                                const error_code& ec) {
  log::error(event, {{"request_id", request_id}, {"error", ec.message()}});
  if (condition_of(ec) == condition::unavailable)
    return make_problem_response(req, problem::store_unavailable(), request_id);
  return make_problem_response(req, problem::internal_error(), request_id);
}

}  // namespace poort::routing

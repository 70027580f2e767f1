#pragma once
// RFC 9457 problem details: every refusal poort sends over HTTP.
//
//   {"type":"urn:poort:problem:unknown_party","title":"...","status":403,
//    "code":"unknown_party","detail":"...","instance":"<request id>"}
//
// `type` and `code` are stable and documented in the OpenAPI document
// (api/common.openapi.json, `Problem.code` lists every one); `title` and
// `detail` are for humans. Neither ever contains personal data or a stack
// trace (DESIGN §8): callers pass fixed texts, never echoed input values.
//
// The named constructors of `problem` are the catalogue of refusals: every
// route and the daemon's connection edge build their problems through them,
// so that one refusal has one code everywhere. `problem::catalogue()` lists
// every code they can produce (tests/unit/routing/problem_catalogue_test.cpp
// checks it against the OpenAPI document, both ways).

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "domain/error.hpp"
#include "routing/http.hpp"

namespace poort::routing {

/// One invalid field, as an RFC 6901 JSON pointer and a stable code.
struct invalid_param {
  std::string pointer;
  std::string code;
};

struct problem {
  int status = 500;
  std::string code;    ///< stable, snake_case
  std::string title;   ///< short, fixed text
  std::string detail;  ///< longer fixed text; no input values
  std::vector<invalid_param> invalid_params;

  // --- the connection edge (daemon/http_session.cpp; the connection is closed) ---

  /// 400 malformed_request: the request head or body could not be parsed.
  static problem malformed_request(
      std::string detail =
          "Het verzoek kon niet worden gelezen. Controleer de opbouw van het verzoek en stuur het "
          "opnieuw.");
  /// 400 ambiguous_framing: Content-Length and Transfer-Encoding disagree (request smuggling).
  static problem ambiguous_framing();
  /// 413 body_too_large: the body exceeds the route's (or the listener's) limit.
  static problem body_too_large(
      std::string detail =
          "Het bericht is groter dan is toegestaan. Verklein het bericht en stuur het opnieuw.",
      std::vector<invalid_param> params = {});
  /// 429 rate_limited: too many requests from this address (the caller adds Retry-After).
  static problem too_many_requests();
  /// 431 header_too_large: the request head exceeds the limit.
  static problem header_fields_too_large();
  /// 431 header_fields_too_many: more header fields than the listener allows.
  static problem header_fields_too_many();
  /// 400 invalid_host: no Host, two Host fields, or one outside RFC 3986's authority syntax.
  static problem invalid_host();
  /// 400 obsolete_line_folding: a header field continued on the next line (RFC 9112 §5.2).
  static problem obsolete_line_folding();

  // --- the dispatcher (routing/app.cpp) ---

  /// 404 not_found (a Dutch default detail when `detail` is empty).
  static problem not_found(std::string detail = {});
  /// 405 method_not_allowed (the caller adds Allow).
  static problem method_not_allowed();
  /// 401 not_logged_in: no, an unknown or an expired session.
  static problem not_logged_in();
  /// 503 unavailable: the session could not be checked (the store did not answer).
  static problem session_unavailable();
  /// 403 wrong_role: the logged-in role may not use this route.
  static problem wrong_role();
  /// 403 csrf_token_invalid: a state-changing request without the session's token.
  static problem csrf_token_invalid();
  /// 403: the client certificate is not a registered party; the code is the
  /// reason of `why` (auth::reason_code: no_certificate, oin_missing,
  /// oin_malformed, unknown_party), unknown_party when `why` is empty.
  static problem party_refused(const error_code& why);
  /// 403 wrong_party_kind: this kind of party may not use this route.
  static problem wrong_party_kind();
  /// 500 internal_error.
  static problem internal_error(
      std::string detail =
          "Het verzoek kon niet worden verwerkt. Probeer het later opnieuw; lukt het dan nog niet, "
          "neem contact op met Justid en noem het kenmerk uit instance.");

  // --- shared by the areas ---

  /// 503 service_unavailable: the store cannot take the request now (disk
  /// full, read only, busy) and nothing was changed.
  static problem store_unavailable(
      std::string detail =
          "De opslag is tijdelijk niet beschikbaar. Er is niets gewijzigd; probeer het over een "
          "paar minuten opnieuw.");
  /// 503 service_unavailable: this function is not configured on this server.
  static problem service_unavailable(
      std::string detail =
          "Deze functie is op dit moment niet beschikbaar. Probeer het later opnieuw, of vraag "
          "Justid of de functie is ingeschakeld.");
  /// 415 unsupported_media_type: the body is not application/json.
  static problem unsupported_media_type();
  /// 400 invalid_body: fields that break the schema, each in `params`.
  static problem invalid_body(std::vector<invalid_param> params,
                              std::string detail =
                                  "Een of meer velden zijn ongeldig. Herstel de velden die in invalidParams "
                                  "staan en stuur het opnieuw.");
  /// 400 invalid_query: query parameters that are invalid, each in `params`.
  static problem invalid_query(std::vector<invalid_param> params = {});
  /// A refusal by a domain rule: the reason code in lower case, the status
  /// of its condition (or `status` when not 0), and its Dutch sentence.
  static problem refusal(domain::error e, std::vector<invalid_param> params = {}, int status = 0);

  // --- one area each ---

  /// 403 no_municipality: the caller acts for no municipality (inbox).
  static problem no_municipality();
  /// 422 replacement_unknown: `vervangt` names a sheet not held (deliveries).
  static problem replacement_unknown();
  /// 409 push_not_given_up / not_connected / push_endpoint_missing (push requeue).
  static problem push_not_given_up();
  static problem push_not_connected();
  static problem push_endpoint_missing();
  /// 409 push_endpoint_invalid: the stored endpoint is no https URL (a value
  /// from before that rule); the municipality must set a new one.
  static problem push_endpoint_invalid();
  /// 409 settings_locked: settings change before the application was approved.
  static problem settings_locked();
  /// 404 municipality_unknown / cohort_unknown / conditions_unknown (onboarding).
  static problem municipality_unknown();
  static problem cohort_unknown();
  static problem conditions_unknown();
  /// 409 conditions_exist: the version or the text was published before.
  static problem conditions_exist();
  /// 400 certificate_invalid (not a PEM certificate with an OIN) or 422
  /// certificate_untrusted, with `pointer` (and its upper-case code) in invalidParams.
  static problem certificate_refused(bool malformed, std::string pointer);

  /// One problem of every kind the constructors above build, with every
  /// domain refusal and every party refusal: each code the API can answer.
  static std::vector<problem> catalogue();
};

/// The short title of a refusal with HTTP `status` ("Niet mogelijk" for 409).
std::string problem_title(int status);

/// Builds the response (status, `application/problem+json`, body) for `p`,
/// with the HTTP version and keep-alive of `req`.
response make_problem_response(const request& req, const problem& p, std::string_view request_id);

/// The same for a request that could not even be parsed (no request object).
response make_problem_response(unsigned http_version, const problem& p, std::string_view request_id);

/// The answer to a store call that failed with `ec`: 503
/// problem::store_unavailable when the store is unavailable
/// (condition::unavailable: disk full, read only, busy), else 500
/// internal_error. Logs `event` at error level with the request id and the
/// error's message (never input values).
response store_failure_response(const request& req, std::string_view request_id, std::string_view event,
                                const error_code& ec);

}  // namespace poort::routing

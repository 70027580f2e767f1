#pragma once
// RFC 9457 problem details: every refusal poort sends over HTTP.
//
//   {"type":"urn:poort:problem:unknown_party","title":"...","status":403,
//    "code":"unknown_party","detail":"...","instance":"<request id>"}
//
// `type` and `code` are stable and documented in the OpenAPI document; `title`
// and `detail` are for humans. Neither ever contains personal data or a stack
// trace (DESIGN §8): callers pass fixed texts, never echoed input values.

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
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
};

/// Builds the response (status, `application/problem+json`, body) for `p`,
/// with the HTTP version and keep-alive of `req`.
response make_problem_response(const request& req, const problem& p, std::string_view request_id);

/// The same for a request that could not even be parsed (no request object).
response make_problem_response(unsigned http_version, const problem& p, std::string_view request_id);

/// The answer to a store call that failed with `ec`: 503 store_unavailable
/// when the store is unavailable (condition::unavailable: disk full, read
/// only, busy), else 500 internal_error. Logs `event` with the request id and
/// the error's message (never input values).
response store_failure_response(const request& req, std::string_view request_id, std::string_view event,
                                const error_code& ec);

}  // namespace poort::routing

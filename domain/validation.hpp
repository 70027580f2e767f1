#pragma once
// Field-level validation results: every bad field of a request body as an
// RFC 6901 JSON pointer with a reason code, e.g.
//   {"pointer":"/persoon/bsn","code":"BSN_INVALID"}
// The offending value is never part of an error.
//
// Pointers name members with the schema's own (camelCase) names. A member
// the schema does not know is named in the pointer only when its name is
// plain ASCII letters of at most 64 characters; any other name is reported
// at the enclosing object's pointer, so that data smuggled into member names
// is not echoed.
//
// Thread safety: value types; the functions are reentrant.

#include <boost/json/array.hpp>

#include <cstddef>
#include <expected>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "domain/error.hpp"

namespace poort::domain {

/// One bad field.
struct field_error {
  std::string pointer;  ///< RFC 6901, "" for the whole body
  error code;
  bool operator==(const field_error&) const = default;
};

/// The bad fields of one body, in document order, at most
/// `max_reported_errors` of them (a body with more is still refused).
using validation_errors = std::vector<field_error>;

inline constexpr std::size_t max_reported_errors = 50;

/// A parsed and validated value, or every reason it was refused.
template <class T>
using validated = std::expected<T, validation_errors>;

/// `[{"pointer": ..., "code": ...}, ...]` for a problem+json body.
boost::json::array to_json(const validation_errors& errors);

using poort::condition_of;

/// The condition that decides the HTTP status of a refusal with these errors:
/// `too_large` if any error is, else `bad_request` if any error is (malformed
/// input wins over refused rules), else that of the first error; `ok` when
/// there are none.
condition condition_of(const validation_errors& errors) noexcept;

}  // namespace poort::domain

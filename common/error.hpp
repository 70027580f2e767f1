#pragma once
// poort-wide error vocabulary.
//
// Every module has its own `enum class error` with a category (Beast's
// http/error.hpp idiom). Each category maps its codes onto one of the few
// `poort::condition`s below through `default_error_condition`, and the HTTP
// layer switches only on the condition (DESIGN §8):
//
//   if (ec == poort::condition::forbidden) -> 403
//
// `result<T>` is the return type of every fallible call on a request path.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>

namespace poort {

using boost::system::error_category;
using boost::system::error_code;
using boost::system::error_condition;

/// The return type of every fallible operation: a value or an error_code.
template <class T>
using result = boost::system::result<T, error_code>;

/// What the caller should do about an error. Module error codes map onto
/// exactly one of these.
enum class condition {
  ok = 0,
  reauthenticate,  ///< the browser must log in (again): 302 to the login
  bad_request,     ///< the input is malformed: 400
  forbidden,       ///< the caller may not do this: 403
  not_found,       ///< no such object (or not visible to the caller): 404
  conflict,        ///< the request conflicts with the current state: 409
  too_large,       ///< the request exceeds a size limit: 413
  unprocessable,   ///< well formed but refused by a rule: 422
  unavailable,     ///< a dependency (store, disk) cannot take it now: 503
  internal,        ///< a bug or an unexpected failure: 500
};

const error_category& condition_category() noexcept;

inline error_condition make_error_condition(condition c) noexcept {
  return {static_cast<int>(c), condition_category()};
}

/// The HTTP status that a condition maps to.
int http_status(condition c) noexcept;

/// The condition an error_code belongs to (`internal` for foreign codes that
/// do not map onto any poort condition).
condition condition_of(const error_code& ec) noexcept;

/// Generic errors of the common module.
enum class common_error {
  ok = 0,
  invalid_argument,  ///< a caller passed something malformed
  io_error,          ///< a file could not be read or written
  crypto_error,      ///< OpenSSL reported a failure
  limit_exceeded,    ///< an input exceeded its configured limit
};

const error_category& common_category() noexcept;

inline error_code make_error_code(common_error e) noexcept {
  return {static_cast<int>(e), common_category()};
}

}  // namespace poort

namespace boost::system {
template <>
struct is_error_condition_enum<poort::condition> : std::true_type {};
template <>
struct is_error_code_enum<poort::common_error> : std::true_type {};
}  // namespace boost::system

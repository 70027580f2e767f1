#pragma once
// Reading JSON request bodies, shared by the route areas: the media type
// check, the object with only the members a route allows, typed reads of its
// members that collect every problem, and the problem that refuses them.
// Refusals carry fixed texts and JSON pointers, never input values: a member
// name is echoed in a pointer only when it is plain (`json_pointer_for`).
//
// Thread safety: pure functions; a `json_fields` belongs to one request.

#include <boost/json.hpp>

#include <cstdint>
#include <expected>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "domain/validation.hpp"
#include "routing/http.hpp"
#include "routing/problem.hpp"

namespace poort::routing {

/// Whether the Content-Type of `req` is `type` (case-insensitive; parameters
/// such as "; charset=utf-8" and blanks before them are ignored).
bool has_media_type(const request& req, std::string_view type);

/// "/<key>" for a member name of 1..64 ASCII letters, else "" (a name that is
/// not plain is not echoed).
std::string json_pointer_for(std::string_view key);

/// The refusal of a body that breaks field rules: the first error's reason
/// code (lower case) with its Dutch sentence, every error in invalidParams,
/// and the status of the errors' condition (400, or 413 for body_too_large).
problem invalid_fields(const domain::validation_errors& errors);

/// The JSON object body of `req` (nested at most `max_depth` deep) with only
/// `allowed` members; else the refusal: 415 unsupported_media_type, or
/// `invalid_fields` for malformed JSON or an unknown member.
std::expected<boost::json::object, problem> read_json_object(const request& req,
                                                             std::initializer_list<std::string_view> allowed,
                                                             std::size_t max_depth = 8);

/// Typed reads of the members of an object, collecting every problem as a
/// domain validation error with the member's pointer.
class json_fields {
 public:
  explicit json_fields(const boost::json::object& o) : o_(o) {}

  /// A string of at most `max_bytes`; `required`: present, not null and not empty.
  std::optional<std::string> text(std::string_view key, std::size_t max_bytes, bool required = true);
  /// A required RFC 3339 time.
  std::optional<sys_time> time(std::string_view key);
  /// A required integer in [min, max].
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  /// Records `e` for member `key`.
  void add(std::string_view key, domain::error e) { errors_.push_back({json_pointer_for(key), e}); }
  const domain::validation_errors& errors() const { return errors_; }

 private:
  std::nullopt_t refuse(std::string_view key, domain::error e) {
    add(key, e);
    return std::nullopt;
  }

  const boost::json::object& o_;
  domain::validation_errors errors_;
};

}  // namespace poort::routing

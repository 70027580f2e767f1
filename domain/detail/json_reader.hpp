#pragma once
// Internal to poort::domain: strict reading of JSON request bodies into
// domain structs, collecting every bad field as a JSON pointer
// (domain/validation.hpp). Not part of the module's public API.
//
// Thread safety: `object_reader` is a short-lived single-threaded helper;
// the free functions are reentrant.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "domain/contact.hpp"
#include "domain/validation.hpp"

namespace poort::domain::detail {

/// Adds one error unless `max_reported_errors` have been reported already.
void report(validation_errors& errors, std::string pointer, error code);

/// `parent` + "/" + `member`. Member names in pointers are schema names or
/// plain ASCII letters (validation.hpp), which RFC 6901 §3 does not escape.
std::string pointer_to(std::string_view parent, std::string_view member);
std::string pointer_to(std::string_view parent, std::size_t index);

/// Parses `body` as one standard JSON document (no comments, no trailing
/// commas, valid UTF-8), nested at most `max_depth` deep, in which no object
/// names a member twice or has more than 64 members. Larger than `max_bytes`
/// -> body_too_large; bad syntax or too deep -> json_malformed; a repeated
/// member -> duplicate_field at its pointer; too many members ->
/// too_many_items at the object. Each failure is reported to `errors` and
/// yields nullopt.
std::optional<boost::json::value> parse_document(std::string_view body, std::size_t max_bytes,
                                                 std::size_t max_depth, validation_errors& errors);

/// Limits of one text field, counted in Unicode code points.
struct text_rule {
  std::size_t max_chars;
  bool allow_empty = false;
  bool multiline = false;  ///< allow TAB, LF and CR
};

/// Checks text against `rule` (see read_text): error::ok or the reason.
error check_text(std::string_view s, text_rule rule) noexcept;

/// Checks a JSON value as text: a string (wrong_type), not empty unless
/// allowed (value_empty), at most `max_chars` code points (value_too_long),
/// without control characters (C0 other than the multiline ones, DEL, C1) or
/// bidirectional overrides (value_invalid_characters).
std::optional<std::string> read_text(const boost::json::value& v, const std::string& pointer, text_rule rule,
                                     validation_errors& errors);

/// A "YYYY-MM-DD" string of a year in 1900..2199 -> the day; else
/// date_invalid (or wrong_type).
std::optional<std::chrono::sys_days> read_date(const boost::json::value& v, const std::string& pointer,
                                               validation_errors& errors);

/// A string accepted by `validate`, whose own code is reported on failure.
std::optional<std::string> read_identifier(const boost::json::value& v, const std::string& pointer,
                                           result<void> (*validate)(std::string_view) noexcept,
                                           validation_errors& errors);

/// {"naam", "email", "telefoon"} (domain/contact.hpp).
std::optional<contact> read_contact(const boost::json::value& v, const std::string& pointer,
                                    validation_errors& errors);

/// Whether every part of a value was read.
template <class... T>
bool all_present(const std::optional<T>&... parts) noexcept {
  return (parts.has_value() && ...);
}

enum class presence { required, optional };

/// Reads the members of one JSON object against a closed list of member
/// names. Construction reports wrong_type when the value is no object, and
/// unknown_field for each member not in `members`. Each accessor reports a
/// missing (or null) required member as field_required and returns nullopt
/// for a member that is absent or bad; an optional member that is absent or
/// null is no error.
class object_reader {
 public:
  object_reader(const boost::json::value& v, std::string pointer,
                std::initializer_list<std::string_view> members, validation_errors& errors);

  bool is_object() const noexcept { return object_ != nullptr; }
  std::string pointer_to(std::string_view member) const;
  validation_errors& errors() const noexcept { return errors_; }

  /// The member's value, or nullptr (reported when required).
  const boost::json::value* get(std::string_view member, presence p);

  std::optional<std::string> text(std::string_view member, text_rule rule, presence p = presence::required);
  std::optional<bool> boolean(std::string_view member, presence p = presence::required);
  /// An integer in [min, max] (number_out_of_range); a fraction is wrong_type.
  std::optional<std::int64_t> integer(std::string_view member, std::int64_t min, std::int64_t max,
                                      presence p = presence::required);
  std::optional<std::chrono::sys_days> date(std::string_view member, presence p = presence::required);
  std::optional<std::string> identifier(std::string_view member,
                                        result<void> (*validate)(std::string_view) noexcept,
                                        presence p = presence::required);
  /// One of an enumeration's UPPER_SNAKE_CASE names (value_unknown).
  template <class E>
  std::optional<E> enumeration(std::string_view member, std::optional<E> (*parse)(std::string_view),
                               presence p = presence::required) {
    const boost::json::value* v = get(member, p);
    if (v == nullptr) return std::nullopt;
    return read_enumeration(*v, pointer_to(member), parse, errors_);
  }

  template <class E>
  static std::optional<E> read_enumeration(const boost::json::value& v, const std::string& pointer,
                                           std::optional<E> (*parse)(std::string_view),
                                           validation_errors& errors) {
    if (!v.is_string()) {
      report(errors, pointer, error::wrong_type);
      return std::nullopt;
    }
    const auto& s = v.get_string();
    auto e = parse(std::string_view{s.data(), s.size()});
    if (!e) report(errors, pointer, error::value_unknown);
    return e;
  }

 private:
  const boost::json::object* object_;
  std::string pointer_;
  validation_errors& errors_;
};

}  // namespace poort::domain::detail

#include "domain/validation.hpp"

#include <boost/json/object.hpp>

#include <algorithm>

namespace poort::domain {

boost::json::array to_json(const validation_errors& errors) {
  boost::json::array out;
  out.reserve(errors.size());
  for (const field_error& e : errors) {
    const std::string_view code = reason_code(e.code);
    out.push_back(boost::json::object{{"pointer", e.pointer},
                                      {"code", boost::json::string_view{code.data(), code.size()}}});
  }
  return out;
}

condition condition_of(const validation_errors& errors) noexcept {
  if (errors.empty()) return condition::ok;
  const auto any = [&](condition c) {
    return std::ranges::any_of(
        errors, [&](const field_error& e) { return poort::condition_of(make_error_code(e.code)) == c; });
  };
  if (any(condition::too_large)) return condition::too_large;
  if (any(condition::bad_request)) return condition::bad_request;
  return poort::condition_of(make_error_code(errors.front().code));
}

}  // namespace poort::domain

#pragma once
// GoogleTest printers for the domain's value types, so that a failed
// comparison shows pointers and reason codes.

#include <boost/json/serialize.hpp>

#include <ostream>

#include "domain/validation.hpp"

namespace poort::domain {

inline void PrintTo(const field_error& e, std::ostream* os) {
  *os << "{" << e.pointer << " " << reason_code(e.code) << "}";
}

inline std::string describe(const validation_errors& errors) {
  return boost::json::serialize(to_json(errors));
}

}  // namespace poort::domain

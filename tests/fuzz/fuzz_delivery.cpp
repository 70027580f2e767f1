// Fuzz target: the three delivery bodies of the prison API (domain/delivery:
// parse_detentiemelding, parse_informatieblad, parse_intrekking), each body
// through all three parsers (each refuses the others' shapes in its own way).
// What a parser accepts must round-trip: to_json, serialized, parses back to
// the same value; otherwise the target aborts.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/delivery.hpp"

namespace {

template <class T, class Parse>
void check(std::string_view body, Parse parse) {
  auto value = parse(body);
  if (!value) return;
  const std::string again = boost::json::serialize(poort::domain::to_json(*value));
  auto reparsed = parse(again);
  if (!reparsed || !(*reparsed == *value)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace poort::domain;
  const std::string_view body{reinterpret_cast<const char*>(data), size};
  if (size <= max_body_bytes(delivery_kind::detentiemelding)) {
    check<detentiemelding>(body, [](std::string_view b) { return parse_detentiemelding(b); });
    check<intrekking>(body, [](std::string_view b) { return parse_intrekking(b); });
  }
  if (size <= max_body_bytes(delivery_kind::informatieblad))
    check<informatieblad>(body, [](std::string_view b) { return parse_informatieblad(b); });
  return 0;
}

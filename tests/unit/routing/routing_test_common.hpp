#pragma once
// What the routing tests' environments share: the two municipalities of the
// registry and reading a JSON response body.

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "routing/http.hpp"
#include "store/registry.hpp"

namespace poort::routing::test {

inline constexpr std::string_view code_a = "GM0363";  // Amsterdam
inline constexpr std::string_view code_b = "GM0599";  // Rotterdam
inline constexpr std::string_view oin_a = "00000001002564440000";

/// A registry record valid since 2014, its OIN derived from the RSIN.
inline store::municipality_record test_municipality(std::string_view code, std::string naam, std::string kvk,
                                                    std::string rsin) {
  store::municipality_record m;
  m.gemeentecode = std::string(code);
  m.naam = std::move(naam);
  m.kvk = std::move(kvk);
  m.rsin = std::move(rsin);
  m.oin = "00000001" + m.rsin + "000";
  m.geldig_van = "2014-01-01";
  return m;
}

/// The response body as JSON; null when it is not JSON.
inline boost::json::value body_of(const response& r) {
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body(), ec);
  return ec ? boost::json::value{} : v;
}

}  // namespace poort::routing::test

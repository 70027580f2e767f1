#pragma once
// The fixed world of the SAML fuzz targets: the validator of the SAML unit
// tests (tests/data/saml: the test IdP's RSA and EC certificates, our SP
// decryption key, its entity IDs and ACS URL) and the fixtures' instant, so
// that the committed signed responses validate and mutations start from
// there. Built once per process; a fresh clock and replay cache per input
// keep every run independent of the ones before.

#include <cstdlib>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "saml/replay_cache.hpp"
#include "saml/response.hpp"

namespace poort::fuzz {

inline std::string saml_data(const char* name) {
  return std::string{POORT_SOURCE_DIR} + "/tests/data/saml/" + name;
}

inline const saml::response_validator& saml_validator() {
  static const saml::response_validator v = [] {
    std::vector<x509_ptr> certs;
    std::vector<X509*> raw;
    for (const char* name : {"idp-rsa.crt", "idp-ec.crt"}) {
      auto c = load_certificate_file(saml_data(name));
      if (!c) std::abort();
      certs.push_back(std::move(*c));
      raw.push_back(certs.back().get());
    }
    std::vector<evp_pkey_ptr> keys;
    auto k = load_private_key_file(saml_data("sp.key"));
    if (!k) std::abort();
    keys.push_back(std::move(*k));
    saml::validator_settings s;
    s.sp_entity_id = "urn:etoegang:DV:00000099000000000002:entities:9000";
    s.acs_url = "https://poort.test/saml/acs";
    s.idp_entity_id = "urn:etoegang:HM:00000099000000000001:entities:9001";
    auto validator = saml::response_validator::create(std::move(s), raw, std::move(keys));
    if (!validator) std::abort();
    return std::move(*validator);
  }();
  return v;
}

/// Validates `message` at the fixtures' instant with a fresh replay cache.
inline void validate_once(std::string_view message, const saml::expected_response& expected) {
  static const sys_time now = *parse_rfc3339("2026-03-01T10:00:00Z");
  fake_clock clock{now};
  saml::memory_replay_cache replays{clock};
  auto id = saml_validator().validate(message, expected, clock, replays);
  (void)id;
}

}  // namespace poort::fuzz

// Fuzz target: a SAML Response (POST binding) through the production
// validator, saml::response_validator::validate: safe parsing, signatures
// (RSA, ECDSA, XSW shapes), decryption, every profile rule.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "saml_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  poort::saml::expected_response expected;
  expected.request_id = "_req-0001";
  expected.service_id = "urn:etoegang:DV:00000099000000000002:services:1";
  expected.service_uuid = "8d8a3b31-6a7e-4c5b-9d3e-3f0a2f8c1a01";
  poort::fuzz::validate_once({reinterpret_cast<const char*>(data), size}, expected);
  return 0;
}

// Fuzz target: the artifact binding. A short input is also parsed as a
// SAMLart value (saml::parse_artifact); every input is validated as the
// IdP's answer to our ArtifactResolve (a SOAP 1.1 envelope holding a
// samlp:ArtifactResponse), as auth::login does with what the artifact
// client returns.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "saml/artifact.hpp"
#include "saml_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input{reinterpret_cast<const char*>(data), size};
  if (size <= 256) {
    if (auto art = poort::saml::parse_artifact(input))
      (void)art->issued_by("urn:etoegang:HM:00000099000000000001:entities:9001");
  }
  poort::saml::expected_response expected;
  expected.request_id = "_req-0001";
  expected.artifact_resolve_id = "_ares-0001";
  poort::fuzz::validate_once(input, expected);
  return 0;
}

// Google Benchmark: full validation of one signed eHerkenning response
// through poort::saml::response_validator, as the ACS does per login, on
//  - kvk_rsin: tests/data/saml/kvk-rsin.xml (RSA-3072 signed assertion,
//    Advice, two EncryptedIDs plus the ActingSubjectID, all three decrypted:
//    three RSA-3072 private-key operations per validation);
//  - plain: bench/saml-compare/plain-signed.xml (the same login with the
//    identifiers in plain NameIDs and no Advice: the fixture on which
//    bench/saml-compare/run compares poort with xmlsec1, OpenSAML, Lasso and
//    python3-saml). Figures: docs/performance.md.
//
// Target: saml_bench
//   sources: bench/saml_bench.cpp
//   links:   poort::saml benchmark::benchmark
//   defines: POORT_SOURCE_DIR="<repo root>" (for the fixture and keys)
#include <benchmark/benchmark.h>

#include <stdexcept>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "saml/response.hpp"

namespace {

using namespace poort;

std::string data(const std::string& name) {
  return std::string{POORT_SOURCE_DIR} + "/tests/data/saml/" + name;
}
std::string source(const std::string& path) { return std::string{POORT_SOURCE_DIR} + "/" + path; }

saml::response_validator make_validator() {
  saml::validator_settings s;
  s.sp_entity_id = "urn:etoegang:DV:00000099000000000002:entities:9000";
  s.acs_url = "https://poort.test/saml/acs";
  s.idp_entity_id = "urn:etoegang:HM:00000099000000000001:entities:9001";
  auto cert = load_certificate_file(data("idp-rsa.crt"));
  auto key = load_private_key_file(data("sp.key"));
  if (!cert || !key) throw std::runtime_error("missing test keys");
  X509* certs[] = {cert->get()};
  std::vector<evp_pkey_ptr> keys;
  keys.push_back(std::move(*key));
  auto v = saml::response_validator::create(s, certs, std::move(keys));
  if (!v) throw std::runtime_error("cannot create validator");
  return std::move(*v);
}

// Accepts every ID, so that the same response can be validated repeatedly.
class no_replay_cache final : public saml::replay_cache {
 public:
  result<bool> insert_if_absent(std::string_view, sys_time) override { return true; }
};

void BM_Validate(benchmark::State& state, const char* fixture) {
  const auto validator = make_validator();
  const auto xml = read_file(source(fixture));
  if (!xml) throw std::runtime_error("missing fixture");
  fake_clock clock{*parse_rfc3339("2026-03-01T10:00:00Z")};
  saml::expected_response expected;
  expected.request_id = "_req-0001";
  no_replay_cache replays;
  for (auto _ : state) {
    auto r = validator.validate(*xml, expected, clock, replays);
    if (!r) state.SkipWithError(r.error().detail.c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK_CAPTURE(BM_Validate, kvk_rsin, "tests/data/saml/kvk-rsin.xml")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Validate, plain, "bench/saml-compare/plain-signed.xml")->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

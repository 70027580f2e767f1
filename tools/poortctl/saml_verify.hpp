#pragma once
// `poortctl saml verify`: validates one saved response offline, with the
// same `response_validator` the daemon's ACS uses.
//
//   poortctl saml verify --response FILE --idp-entity-id ID --idp-cert PEM [--idp-cert PEM ...]
//       --sp-key PEM [--sp-key PEM ...] --sp-entity-id ID --acs-url URL --request-id ID
//       --now RFC3339 [--max-skew-s N] [--min-assurance URN] [--replay-db FILE]
//
// stdout gets one JSON object:
//   {"accepted":true,"identity":{"nameId":..,"actingSubjectId":..,"kvk":..,"rsin":..,
//    "vestigingsnr":..,"serviceId":..,"serviceUuid":..,"assurance":..}}     exit 0
//   {"accepted":false,"reason":"<stable code>","detail":"..."}              exit 1
// A usage error (missing flag, unreadable file) prints a message on stderr
// and exits 2. Without --replay-db every call has a fresh replay cache; with
// it, the IDs are kept in FILE (tools/poortctl/sqlite_replay_cache.hpp).
// The files are read here: saml/ itself does no I/O.
//
// Thread safety: reentrant.

#include <expected>
#include <filesystem>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "saml/response.hpp"

namespace poort::poortctl {

/// The parsed command line.
struct verify_options {
  std::filesystem::path response_file;
  std::vector<std::filesystem::path> idp_certificates;
  std::vector<std::filesystem::path> sp_keys;
  saml::validator_settings settings;  ///< sp/idp entity IDs, ACS URL, skew, minimum assurance
  std::string request_id;
  sys_time now;
  std::optional<std::filesystem::path> replay_db;
};

/// Parses the arguments after "saml verify" ("--flag value" or "--flag=value").
/// Failure: a usage message.
std::expected<verify_options, std::string> parse_verify_args(std::span<const std::string_view> args);

/// The whole command: `args` are the arguments after "saml verify".
/// Returns the exit code (0 accepted, 1 refused, 2 usage error).
int saml_verify_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace poort::poortctl

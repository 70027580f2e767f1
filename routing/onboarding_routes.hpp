#pragma once
// The onboarding area (issue 4; DESIGN §4), on the portal listener, JSON under
// /api/v1 (documented in api/onboarding.openapi.json):
//
//   any logged-in user (access::user):
//     GET  /api/v1/cohorten                         cohorts and whether registration is open
//     GET  /api/v1/cohorten/{cohortId}
//     GET  /api/v1/aansluitvoorwaarden              published versions, newest (current) first
//     GET  /api/v1/aansluitvoorwaarden/{versie}     one version with its text
//   a user of the municipality itself, or an administrator:
//     GET  /api/v1/gemeenten/{gemeentecode}/aansluiting   status, application, the exact text to sign
//   a case worker of the municipality itself (access::casework):
//     POST /api/v1/gemeenten/{gemeentecode}/aanmelding             {"cohortId"}
//     POST /api/v1/gemeenten/{gemeentecode}/voorwaardenacceptatie  {"versie","sha256"}
//     PUT  /api/v1/gemeenten/{gemeentecode}/aanvraag               the application (system certificate as
//     PEM)
//   a signatory of the municipality itself (access::signatory):
//     POST /api/v1/gemeenten/{gemeentecode}/ondertekening          {"aanvraagSha256"}
//   an administrator (access::administrator):
//     GET  /api/v1/gemeenten                        the registry with each municipality's status
//     POST /api/v1/cohorten, PUT /api/v1/cohorten/{cohortId}, POST /api/v1/cohorten/{cohortId}/sluiting
//     POST /api/v1/aansluitvoorwaarden              publish a version {"versie","tekst"}
//     POST /api/v1/gemeenten/{gemeentecode}/beoordeling      {"besluit":"GOEDKEUREN"|"AFWIJZEN","reden"}
//     POST /api/v1/gemeenten/{gemeentecode}/statuswijziging  {"actie":"AANSLUITEN"|"OPSCHORTEN"|
//                                                             "AFSLUITEN"|"HERAANSLUITEN","reden"}
//   anyone, both listeners:
//     GET  /api/v1/openapi.json                     the merged OpenAPI document (routing/openapi.hpp)
//
// A municipal user reaches only the gemeentecode of their own login; any
// other is refused (403 OTHER_ORGANISATION) before anything is read. Each
// refusal of the onboarding rules is a problem+json with the domain's reason
// code (lower case) and its Dutch sentence as `detail`. Every transition and
// every refused attempt is audited with its actor in the same transaction;
// a successful one may queue e-mail notices there too (routing/onboarding_notices.hpp).
//
// Thread safety: `onboarding_services` is immutable; its function must be
// thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "store/settings.hpp"

namespace poort::routing {

/// What poort knows of a municipality's system certificate after checking it.
struct system_certificate {
  std::string oin;     ///< subject serialNumber (20 digits)
  std::string sha256;  ///< lower-case hex fingerprint of the DER certificate
};

/// The subject DN (RFC 2253, UTF-8) and end of validity of the PEM
/// certificate `pem`, whose fingerprint is `sha256`: what the settings show
/// of a system certificate (store::find_certificate_details). nullopt when
/// `pem` is not one readable certificate. Defined in settings_routes.cpp.
std::optional<store::certificate_details> certificate_details_of(std::string_view pem, std::string sha256);

struct onboarding_services {
  /// Checks the PEM certificate of an application: one certificate that
  /// chains to the system listener's client CA bundle, valid now, usable for
  /// TLS client authentication, with an OIN in its subject serialNumber.
  /// Failure: common_error::invalid_argument (not a PEM certificate, no or a
  /// malformed OIN), common_error::crypto_error (untrusted, expired, wrong
  /// purpose).
  std::function<result<system_certificate>(std::string_view pem)> verify_system_certificate;
};

}  // namespace poort::routing

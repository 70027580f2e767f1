#pragma once
// A connected municipality's settings (GET/PUT /api/v1/gemeenten/{code}/instellingen):
// which deliveries it wants, its push endpoint and its system certificate.
//
// The registry row (store/registry.hpp: gemeenten.wil_*, push_endpoint,
// systeem_certificaat_sha256) is what is in force: deliveries, the push
// worker and the system listener (store::find_connected_system) all read
// it. The application approved during onboarding set it first; from then on
// an authorised signatory changes it here, without touching the signed
// application. Of a certificate uploaded here, or pasted in an application,
// poort also keeps its subject and end of validity (table
// systeemcertificaten, migration 6), to show them.
//
// Thread safety: free functions on a caller's reader/transaction/database.

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "domain/onboarding.hpp"
#include "store/database.hpp"
#include "store/onboarding.hpp"
#include "store/registry.hpp"
#include "store/transaction.hpp"

namespace poort::store {

/// What poort shows of a system certificate.
struct certificate_details {
  std::string sha256;   ///< lower-case hex fingerprint of the DER certificate
  std::string subject;  ///< the subject DN, RFC 2253 form, 1..1024 bytes of printable ASCII
  sys_time not_after;   ///< end of validity
};

/// The details of the certificate with fingerprint `sha256`, if poort has them
/// (none for a certificate given with an application saved before they were
/// kept for applications too).
result<std::optional<certificate_details>> find_certificate_details(reader& r, std::string_view sha256);

/// Keeps (or replaces) the details of certificate `d.sha256`: on a settings
/// change, and when an application is saved with a certificate (the routes).
/// Failure: invalid_argument (nothing written) when the fingerprint is not 64
/// characters or the subject is empty, over 1024 bytes or has control
/// characters; or a mapped error.
result<void> save_certificate_details(transaction& tx, const certificate_details& d, sys_time now);

/// Whether a municipality in `status` may change its settings here: once its
/// application was approved (APPROVED, CONNECTED, SUSPENDED, DISCONNECTED).
/// Before that, the application is where these are set.
bool settings_changeable(domain::municipality_status status) noexcept;

/// The settings a signatory submits.
struct municipality_settings {
  bool wil_detentiemeldingen = false;
  bool wil_informatiebladen = false;
  std::string push_endpoint;  ///< https URL, "" = no push
  /// A new system certificate (its OIN checked against the municipality's
  /// here), or nullopt to keep the current one.
  std::optional<certificate_details> certificate;
  std::string certificate_oin;  ///< the new certificate's OIN (when `certificate`)
};

struct settings_outcome {
  enum class kind {
    changed,
    unknown_municipality,  ///< no municipality with this code today (nothing written)
    locked,                ///< !settings_changeable(status)
    oin_mismatch,          ///< the new certificate's OIN is not the municipality's
  } what = kind::unknown_municipality;
  municipality_record municipality;  ///< after the change (as it was when refused)
};

/// Changes the settings of municipality `gemeentecode` in one transaction:
/// the registry row, the certificate's details (when a new one is given),
/// the push outbox items still waiting for it (sent to the new endpoint, or
/// VERVALLEN "push_endpoint_removed" when push was switched off), and the
/// audit record "settings.change" on "gemeente:<code>" ("success" or
/// "denied:SETTINGS_LOCKED" / "denied:APPLICATION_OIN_MISMATCH").
/// A changed certificate fingerprint takes effect on the system listener for
/// every connection set up after the commit (the old certificate is no
/// longer recognised).
/// Failure: invalid_argument (a field out of its limits), or a store error.
result<settings_outcome> change_settings(database& db, std::string_view gemeentecode,
                                         const municipality_settings& s, const audit_identity& who,
                                         sys_time now);

}  // namespace poort::store

#pragma once
// Who is calling on the `system` listener: the mutual-TLS peer (DESIGN §2).
//
// The TLS layer (daemon/) has already verified the chain, the CRL and the
// clientAuth EKU before any of this runs. Here the verified leaf certificate
// becomes a `peer_certificate` (its OIN from subject serialNumber), and the
// OIN is looked up in the `party_directory` of registered institutions and
// municipal systems. An OIN that is not registered is a `forbidden` refusal
// (403), never an anonymous caller. A test OIN (prefix 00000099) is refused
// (`test_oin`) unless the directory allows them (config `allow_test_oins`):
// anyone can get a certificate with one, so none may reach a party, neither a
// configured one nor one from the registry fallback.
//
// Thread safety: `party_directory` is immutable after construction; the daemon
// swaps whole directories on reload.

#include <openssl/x509.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "config/config.hpp"

namespace poort::auth {

enum class error {
  ok = 0,
  no_certificate,    ///< the peer presented no certificate
  oin_missing,       ///< the certificate has no subject serialNumber
  oin_malformed,     ///< serialNumber is not 20 digits
  unknown_party,     ///< the OIN is not a registered party
  wrong_party_kind,  ///< the party may not use this route (e.g. a prison reading an inbox)
  test_oin,          ///< a test OIN (00000099...) while allow_test_oins is off
};

const error_category& error_category_instance() noexcept;
inline error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category_instance()};
}
/// Stable code for problem+json bodies and logs, e.g. "unknown_party".
std::string_view reason_code(error e) noexcept;

/// What we know of a verified client certificate.
struct peer_certificate {
  std::string oin;                  ///< 20 digits from subject serialNumber
  std::string subject_common_name;  ///< for logs: an organisation name, never a person
  std::string fingerprint_sha256;   ///< hex, of the DER certificate
};

/// Reads the OIN and fingerprint of a (verified) certificate.
/// Fails with no_certificate (nullptr), oin_missing or oin_malformed.
result<peer_certificate> identify_certificate(X509* cert);

using party = config::party;
using party_kind = config::party_kind;

/// Looks up a certificate whose OIN is not configured, in a second source:
/// the registry of connected municipalities (daemon/onboarding.hpp), which
/// knows a municipality's system by its OIN *and* certificate fingerprint.
/// nullopt when it is not known there (or the source cannot answer).
/// Must be thread-safe.
using party_fallback = std::function<std::optional<party>(const peer_certificate&)>;

/// The registered parties that may connect to the system listener, by OIN:
/// the configured ones, then the optional fallback.
class party_directory {
 public:
  party_directory() = default;
  /// `allow_test_oins`: whether certificates with a test OIN may resolve
  /// (config::config::allow_test_oins).
  party_directory(const std::vector<party>& parties, party_fallback fallback, bool allow_test_oins);

  /// The configured party with this OIN, or nullptr.
  const party* find(std::string_view oin) const;
  std::size_t size() const { return by_oin_.size(); }
  const party_fallback& fallback() const { return fallback_; }
  bool allow_test_oins() const { return allow_test_oins_; }

 private:
  std::unordered_map<std::string, party> by_oin_;
  party_fallback fallback_;
  bool allow_test_oins_ = false;
};

/// Resolves a verified certificate to a registered party: a configured one,
/// else what the directory's fallback finds; `unknown_party` when neither
/// knows it. `test_oin` first, for a test OIN the directory does not allow.
result<party> resolve_party(const party_directory& directory, const peer_certificate& cert);

std::string_view to_string(party_kind k) noexcept;

}  // namespace poort::auth

namespace boost::system {
template <>
struct is_error_code_enum<poort::auth::error> : std::true_type {};
}  // namespace boost::system

#pragma once
// Internal to config/: the checks on the files a config names, so that
// `poortd --check-config` (and a SIGHUP reload) refuses a certificate, key,
// CA bundle or CRL that the daemon could not use. Each check returns nullopt
// when the file is usable, else one message that names the file and says what
// is wrong (never any key material).
//
// Thread safety: the functions are reentrant.

#include <openssl/evp.h>

#include <expected>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace poort::config::detail {

/// The contents of `file`, a regular file of at most `max_bytes`, or why it
/// cannot be read.
std::expected<std::string, std::string> read_text(const path& file, std::size_t max_bytes);

/// What a key is used for; it decides which keys are allowed.
enum class key_use {
  tls,   ///< RSA >= 3072 bits, or EC on P-256 or P-384
  saml,  ///< RSA >= 3072 bits (RSA-SHA256 signatures, RSA-OAEP key transport)
};

/// Why `key` may not be used for `use`; nullopt if it may.
std::optional<std::string> key_policy_violation(EVP_PKEY* key, key_use use);

/// Problems of a certificate chain and its private key, each reported at its own key.
struct pair_problems {
  std::optional<std::string> certificate;
  std::optional<std::string> private_key;
};

/// Checks a PEM certificate chain (leaf first, each certificate issued by the
/// next) and its unencrypted PEM private key: both parse, the key matches the
/// leaf and meets the policy of `use`.
pair_problems check_certificate_and_key(const path& certificate, const path& private_key, key_use use);

/// A PEM file with one certificate (the first is used).
std::optional<std::string> check_certificate(const path& file);
/// An unencrypted PEM private key that meets the policy of `use`.
std::optional<std::string> check_private_key(const path& file, key_use use);
/// A PEM bundle of at least one certificate.
std::optional<std::string> check_ca_bundle(const path& file);
/// A PEM file of at least one X509 CRL.
std::optional<std::string> check_crl_file(const path& file);
/// The data key: exactly 32 raw bytes, or 64 hex characters with an optional
/// trailing newline.
std::optional<std::string> check_data_key_file(const path& file);
/// A regular file that can be read and holds at most `max_bytes`.
std::optional<std::string> check_readable(const path& file, std::size_t max_bytes);

}  // namespace poort::config::detail

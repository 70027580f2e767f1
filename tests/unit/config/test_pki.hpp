#pragma once
// Test-only PKI: throw-away keys, self-signed certificates and CRLs made with
// the OpenSSL C API at test time, their PEM text, and a temporary directory to
// write them to. Never for production: the keys are fresh and unprotected.
//
// Every function throws std::runtime_error when OpenSSL fails (tests only).
// Thread safety: the functions are reentrant; a `temp_dir` belongs to one test.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/crypto.hpp"

namespace poort::test_pki {

enum class key_kind {
  rsa_2048,  ///< too short for poort's TLS policy
  rsa_3072,
  ec_p256,
  ec_p384,
  ec_secp256k1,  ///< a curve poort refuses
  ed25519,       ///< a key type poort refuses
};

/// A fresh key of `kind`.
evp_pkey_ptr make_key(key_kind kind);

/// A self-signed X.509 v3 certificate for `key` (SHA-256; Ed25519 signs
/// without a digest): subject and issuer CN = `common_name` and, if not
/// empty, serialNumber = `serial_number` (an OIN); basicConstraints CA:TRUE,
/// so it can stand in for a test CA; valid from an hour ago for a year.
x509_ptr make_self_signed(EVP_PKEY* key, std::string_view common_name, std::string_view serial_number = {});

/// An empty CRL (nothing revoked) issued and signed by `issuer`, next update in 30 days.
x509_crl_ptr make_crl(X509* issuer, EVP_PKEY* issuer_key);

std::string to_pem(EVP_PKEY* key);  ///< unencrypted PKCS#8
std::string to_pem(X509* certificate);
std::string to_pem(X509_CRL* crl);

/// Writes `text` to `file` (created or truncated, mode 0600).
void write_file(const std::filesystem::path& file, std::string_view text);

/// A new, empty directory in `parent` (by default the system temp
/// directory), removed with its contents when the object is destroyed.
class temp_dir {
 public:
  temp_dir() : temp_dir(std::filesystem::temp_directory_path()) {}
  explicit temp_dir(const std::filesystem::path& parent);
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// path() / name
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace poort::test_pki

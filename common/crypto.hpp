#pragma once
// OpenSSL, wrapped: owning handles with deleters, and the few primitives the
// other modules need (digests, HMAC, AES-256-GCM, PEM loading). Every
// OpenSSL failure becomes `common_error::crypto_error` (or `io_error` for a
// file that cannot be read) right here.
//
// Thread safety: the free functions are reentrant.

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/encoding.hpp"
#include "common/error.hpp"

namespace poort {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using x509_crl_ptr = std::unique_ptr<X509_CRL, openssl_deleter<X509_CRL, X509_CRL_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;
using evp_md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, openssl_deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using evp_cipher_ctx_ptr =
    std::unique_ptr<EVP_CIPHER_CTX, openssl_deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;

using sha256_digest = std::array<std::uint8_t, 32>;

/// The text of the oldest error in OpenSSL's thread-local queue (which is then
/// cleared), for log lines. Never contains key material.
std::string openssl_error_string();

sha256_digest sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
std::array<std::uint8_t, 20> sha1(std::string_view data);
sha256_digest hmac_sha256(std::string_view key, std::string_view data);

/// Reads a whole file, refusing files larger than `max_bytes`.
result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes = 16u << 20);

/// Parses the first PEM certificate in `pem`.
result<x509_ptr> parse_certificate_pem(std::string_view pem);
/// Parses every PEM certificate in `pem` (at least one).
result<std::vector<x509_ptr>> parse_certificates_pem(std::string_view pem);
/// Parses a PEM private key (PKCS#8, traditional RSA or EC; unencrypted).
result<evp_pkey_ptr> parse_private_key_pem(std::string_view pem);
result<x509_ptr> load_certificate_file(const std::filesystem::path& path);
result<evp_pkey_ptr> load_private_key_file(const std::filesystem::path& path);

/// SHA-256 fingerprint of a certificate's DER encoding, lower-case hex.
std::string certificate_fingerprint_sha256(X509* cert);
/// The subject's first serialNumber attribute (OID 2.5.4.5), empty if none.
std::string certificate_subject_serial_number(X509* cert);
/// The subject's first commonName, empty if none.
std::string certificate_subject_common_name(X509* cert);

/// AES-256-GCM with a random 12-byte nonce. Output: nonce || ciphertext || tag.
/// `aad` is authenticated but not encrypted.
result<std::string> aes256gcm_seal(std::span<const std::uint8_t, 32> key, std::string_view plaintext,
                                   std::string_view aad, std::span<const std::uint8_t, 12> nonce);
/// The inverse of `aes256gcm_seal`; fails (crypto_error) on any tampering.
result<std::string> aes256gcm_open(std::span<const std::uint8_t, 32> key, std::string_view sealed,
                                   std::string_view aad);

}  // namespace poort

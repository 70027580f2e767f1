#include "config/file_checks.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <expected>
#include <fstream>

#include "common/crypto.hpp"
#include "common/encoding.hpp"

namespace poort::config::detail {
namespace {

constexpr std::size_t max_pem_bytes = 1u << 20;      // one certificate chain or key
constexpr std::size_t max_bundle_bytes = 16u << 20;  // CA bundles and CRLs grow large

/// Wipes a buffer that held key material before it is freed.
struct cleansed_string {
  std::string text;
  ~cleansed_string() { OPENSSL_cleanse(text.data(), text.size()); }
};

/// Why `file` is not a readable regular file of at most `max_bytes`; nullopt if it is.
std::optional<std::string> unreadable(const path& file, std::size_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return "cannot read " + file.string() + ": no such file";
  }
  if (ec) return "cannot read " + file.string() + ": " + ec.message();
  if (!std::filesystem::is_regular_file(status)) return file.string() + " is not a regular file";
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return "cannot read " + file.string() + ": " + ec.message();
  if (size > max_bytes) {
    return file.string() + " is larger than " + std::to_string(max_bytes) + " bytes";
  }
  return std::nullopt;
}

std::expected<std::vector<x509_ptr>, std::string> load_certificates(const path& file, std::size_t max_bytes) {
  auto text = read_text(file, max_bytes);
  if (!text) return std::unexpected(text.error());
  auto certs = parse_certificates_pem(*text);
  if (!certs) return std::unexpected(file.string() + " holds no PEM certificate");
  return std::move(*certs);
}

std::expected<evp_pkey_ptr, std::string> load_key(const path& file) {
  auto text = read_text(file, max_pem_bytes);
  if (!text) return std::unexpected(text.error());
  const cleansed_string pem{std::move(*text)};
  auto key = parse_private_key_pem(pem.text);
  if (!key) return std::unexpected(file.string() + " holds no unencrypted PEM private key");
  return std::move(*key);
}

/// Why `chain` is not in order leaf first, each certificate issued by the next.
std::optional<std::string> chain_order_problem(const std::vector<x509_ptr>& chain, const path& file) {
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    if (X509_check_issued(chain[i + 1].get(), chain[i].get()) != X509_V_OK) {
      return "certificate " + std::to_string(i + 2) + " in " + file.string() + " did not issue certificate " +
             std::to_string(i + 1) + " (the leaf comes first, then each issuer)";
    }
  }
  return std::nullopt;
}

}  // namespace

std::expected<std::string, std::string> read_text(const path& file, std::size_t max_bytes) {
  if (auto why = unreadable(file, max_bytes)) return std::unexpected(*why);
  auto text = read_file(file, max_bytes);
  if (!text) return std::unexpected("cannot read " + file.string() + " (check its permissions)");
  return std::move(*text);
}

std::optional<std::string> key_policy_violation(EVP_PKEY* key, key_use use) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(key);
      if (bits < 3072) {
        return "RSA key of " + std::to_string(bits) + " bits; at least 3072 bits are required";
      }
      return std::nullopt;
    }
    case EVP_PKEY_EC: {
      if (use == key_use::saml) return std::string("EC key; SAML needs an RSA key of >= 3072 bits");
      char group[80] = {};
      std::size_t length = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) {
        ERR_clear_error();
        return std::string("EC key on an unnamed curve; only P-256 and P-384 are allowed");
      }
      const int nid = OBJ_sn2nid(group);
      if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) {
        return "EC key on curve " + std::string(group) + "; only P-256 and P-384 are allowed";
      }
      return std::nullopt;
    }
    default: {
      const char* type = EVP_PKEY_get0_type_name(key);
      return "unsupported " + std::string(type ? type : "unknown") + " key; use RSA (>= 3072 bits)" +
             (use == key_use::tls ? " or EC (P-256, P-384)" : "");
    }
  }
}

pair_problems check_certificate_and_key(const path& certificate, const path& private_key, key_use use) {
  pair_problems out;
  auto chain = load_certificates(certificate, max_pem_bytes);
  if (!chain) {
    out.certificate = chain.error();
  } else {
    out.certificate = chain_order_problem(*chain, certificate);
  }
  auto key = load_key(private_key);
  if (!key) {
    out.private_key = key.error();
  } else if (auto why = key_policy_violation(key->get(), use)) {
    out.private_key = private_key.string() + ": " + *why;
  } else if (chain && X509_check_private_key(chain->front().get(), key->get()) != 1) {
    ERR_clear_error();
    out.private_key = private_key.string() + " does not match the certificate in " + certificate.string();
  }
  return out;
}

std::optional<std::string> check_certificate(const path& file) {
  auto certs = load_certificates(file, max_pem_bytes);
  if (!certs) return certs.error();
  return std::nullopt;
}

std::optional<std::string> check_private_key(const path& file, key_use use) {
  auto key = load_key(file);
  if (!key) return key.error();
  if (auto why = key_policy_violation(key->get(), use)) return file.string() + ": " + *why;
  return std::nullopt;
}

std::optional<std::string> check_ca_bundle(const path& file) {
  auto certs = load_certificates(file, max_bundle_bytes);
  if (!certs) return certs.error();
  return std::nullopt;
}

std::optional<std::string> check_crl_file(const path& file) {
  auto text = read_text(file, max_bundle_bytes);
  if (!text) return text.error();
  bio_ptr bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  if (!bio) return "cannot read " + file.string() + ": out of memory";
  std::size_t count = 0;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
    X509_CRL_free(crl);
    ++count;
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (count == 0) return file.string() + " holds no PEM X509 CRL";
  return std::nullopt;
}

std::optional<std::string> check_data_key_file(const path& file) {
  auto text = read_text(file, 1024);
  if (!text) return text.error();
  const cleansed_string key{std::move(*text)};
  if (key.text.size() == 32) return std::nullopt;
  std::string_view hex = key.text;
  if (hex.ends_with('\n')) hex.remove_suffix(1);
  if (hex.ends_with('\r')) hex.remove_suffix(1);
  if (hex.size() == 64) {
    if (auto bytes = from_hex(hex)) {
      OPENSSL_cleanse(bytes->data(), bytes->size());
      return std::nullopt;
    }
  }
  return file.string() + " must hold exactly 32 raw bytes or 64 hex characters";
}

std::optional<std::string> check_readable(const path& file, std::size_t max_bytes) {
  if (auto why = unreadable(file, max_bytes)) return why;
  if (!std::ifstream(file, std::ios::binary)) {
    return "cannot read " + file.string() + " (check its permissions)";
  }
  return std::nullopt;
}

}  // namespace poort::config::detail

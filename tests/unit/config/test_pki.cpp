#include "tests/unit/config/test_pki.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace poort::test_pki {
namespace {

[[noreturn]] void fail(std::string_view what) {
  throw std::runtime_error(std::string(what) + ": " + openssl_error_string());
}

void require(bool ok, std::string_view what) {
  if (!ok) fail(what);
}

using x509_extension_ptr =
    std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

/// The digest to sign with: none for Ed25519, which hashes internally.
const EVP_MD* digest_for(EVP_PKEY* key) {
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

evp_pkey_ptr make_key(key_kind kind) {
  EVP_PKEY* key = nullptr;
  switch (kind) {
    case key_kind::rsa_2048: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}); break;
    case key_kind::rsa_3072: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{3072}); break;
    case key_kind::ec_p256: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case key_kind::ec_p384: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case key_kind::ec_secp256k1: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"); break;
    case key_kind::ed25519: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  require(key != nullptr, "key generation");
  return evp_pkey_ptr(key);
}

x509_ptr make_self_signed(EVP_PKEY* key, std::string_view common_name, std::string_view serial_number) {
  x509_ptr cert(X509_new());
  require(cert != nullptr, "X509_new");
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto add_entry = [name](const char* field, std::string_view value) {
    require(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(value.data()),
                                       static_cast<int>(value.size()), -1, 0) == 1,
            "subject name");
  };
  add_entry("CN", common_name);
  if (!serial_number.empty()) add_entry("serialNumber", serial_number);

  static std::atomic<long> next_serial{1};
  require(X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
              ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), next_serial++) == 1 &&
              X509_set_issuer_name(cert.get(), name) == 1 &&
              X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
              X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600) != nullptr &&
              X509_set_pubkey(cert.get(), key) == 1,
          "certificate fields");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    x509_extension_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    require(ext && X509_add_ext(cert.get(), ext.get(), -1) == 1, "certificate extension");
  }
  require(X509_sign(cert.get(), key, digest_for(key)) > 0, "X509_sign");
  return cert;
}

x509_crl_ptr make_crl(X509* issuer, EVP_PKEY* issuer_key) {
  x509_crl_ptr crl(X509_CRL_new());
  require(crl != nullptr, "X509_CRL_new");
  using asn1_time_ptr = std::unique_ptr<ASN1_TIME, openssl_deleter<ASN1_TIME, ASN1_TIME_free>>;
  asn1_time_ptr last(X509_gmtime_adj(nullptr, 0));
  asn1_time_ptr next(X509_gmtime_adj(nullptr, 30L * 24 * 3600));
  require(last && next && X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1 &&
              X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer)) == 1 &&
              X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1 &&
              X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1 &&
              X509_CRL_sign(crl.get(), issuer_key, digest_for(issuer_key)) > 0,
          "CRL");
  return crl;
}

std::string to_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  require(bio && PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM key");
  return bio_text(bio.get());
}

std::string to_pem(X509* certificate) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  require(bio && PEM_write_bio_X509(bio.get(), certificate) == 1, "PEM certificate");
  return bio_text(bio.get());
}

std::string to_pem(X509_CRL* crl) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  require(bio && PEM_write_bio_X509_CRL(bio.get(), crl) == 1, "PEM CRL");
  return bio_text(bio.get());
}

void write_file(const std::filesystem::path& file, std::string_view text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + file.string());
  const ssize_t written = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    throw std::runtime_error("cannot write " + file.string());
  }
}

temp_dir::temp_dir(const std::filesystem::path& parent) {
  std::filesystem::create_directories(parent);
  std::string pattern = (parent / "poort-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace poort::test_pki

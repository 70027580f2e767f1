#include "common/crypto.hpp"

#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <fstream>

namespace poort {

std::string openssl_error_string() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

sha256_digest sha256(std::string_view data) {
  sha256_digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

std::array<std::uint8_t, 20> sha1(std::string_view data) {
  std::array<std::uint8_t, 20> d{};
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  sha256_digest d{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data(), &len);
  return d;
}

result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error_code(common_error::io_error);
  std::string out;
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > max_bytes) return make_error_code(common_error::limit_exceeded);
  }
  if (in.bad()) return make_error_code(common_error::io_error);
  return out;
}

result<x509_ptr> parse_certificate_pem(std::string_view pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error_code(common_error::crypto_error);
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    return make_error_code(common_error::crypto_error);
  }
  return cert;
}

result<std::vector<x509_ptr>> parse_certificates_pem(std::string_view pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error_code(common_error::crypto_error);
  std::vector<x509_ptr> out;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (out.empty()) return make_error_code(common_error::crypto_error);
  return out;
}

result<evp_pkey_ptr> parse_private_key_pem(std::string_view pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return make_error_code(common_error::crypto_error);
  evp_pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return make_error_code(common_error::crypto_error);
  }
  return key;
}

result<x509_ptr> load_certificate_file(const std::filesystem::path& path) {
  auto text = read_file(path, 1u << 20);
  if (!text) return text.error();
  return parse_certificate_pem(*text);
}

result<evp_pkey_ptr> load_private_key_file(const std::filesystem::path& path) {
  auto text = read_file(path, 1u << 20);
  if (!text) return text.error();
  return parse_private_key_pem(*text);
}

std::string certificate_fingerprint_sha256(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  return to_hex(std::span<const std::uint8_t>(md, len));
}

namespace {
std::string subject_entry(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (!name) return {};
  int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return {};
  X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, idx);
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}
}  // namespace

std::string certificate_subject_serial_number(X509* cert) { return subject_entry(cert, NID_serialNumber); }
std::string certificate_subject_common_name(X509* cert) { return subject_entry(cert, NID_commonName); }

result<std::string> aes256gcm_seal(std::span<const std::uint8_t, 32> key, std::string_view plaintext,
                                   std::string_view aad, std::span<const std::uint8_t, 12> nonce) {
  evp_cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return make_error_code(common_error::crypto_error);
  std::string out(12 + plaintext.size() + 16, '\0');
  std::copy(nonce.begin(), nonce.end(), out.begin());
  int len = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                         static_cast<int>(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), o + 12, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + 12 + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, o + 12 + plaintext.size()) != 1) {
    ERR_clear_error();
    return make_error_code(common_error::crypto_error);
  }
  return out;
}

result<std::string> aes256gcm_open(std::span<const std::uint8_t, 32> key, std::string_view sealed,
                                   std::string_view aad) {
  if (sealed.size() < 28) return make_error_code(common_error::crypto_error);
  evp_cipher_ctx_ptr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return make_error_code(common_error::crypto_error);
  const auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  const std::size_t ct_len = sealed.size() - 28;
  std::string out(ct_len, '\0');
  int len = 0;
  unsigned char tag[16];
  std::copy(in + 12 + ct_len, in + 28 + ct_len, tag);
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), in) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                         static_cast<int>(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, in + 12,
                        static_cast<int>(ct_len)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) != 1) {
    ERR_clear_error();
    return make_error_code(common_error::crypto_error);
  }
  return out;
}

}  // namespace poort

#include "store/data_key.hpp"

#include <openssl/crypto.h>

#include <cstdlib>

#include "common/crypto.hpp"
#include "common/encoding.hpp"

namespace poort::store {
namespace {

constexpr std::string_view index_label = "poort blind index v1";
constexpr std::size_t max_key_file_bytes = 1024;

std::string_view as_chars(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

data_key::data_key(std::string id, const key_bytes& key, poort::random& random)
    : id_(std::move(id)), key_(key), random_(random) {
  const auto idx = hmac_sha256(as_chars(key_), index_label);
  std::copy(idx.begin(), idx.end(), index_key_.begin());
}

data_key::~data_key() {
  OPENSSL_cleanse(key_.data(), key_.size());
  OPENSSL_cleanse(index_key_.data(), index_key_.size());
}

result<std::string> data_key::seal(std::string_view plaintext, std::string_view aad) const {
  std::array<std::uint8_t, 12> nonce{};
  random_.fill(nonce);
  return aes256gcm_seal(key_, plaintext, aad, nonce);
}

result<std::string> data_key::open(std::string_view sealed, std::string_view aad) const {
  return aes256gcm_open(key_, sealed, aad);
}

std::string data_key::blind_index(std::string_view kind, std::string_view value) const {
  std::string input;
  input.reserve(kind.size() + 1 + value.size());
  input.append(kind);
  input.push_back('\0');
  input.append(value);
  return to_hex(hmac_sha256(as_chars(index_key_), input));
}

result<data_key::key_bytes> parse_data_key(std::string_view content) {
  data_key::key_bytes out{};
  if (content.size() == out.size()) {
    std::copy(content.begin(), content.end(), out.begin());
    return out;
  }
  if (content.ends_with('\n')) content.remove_suffix(1);
  if (content.ends_with('\r')) content.remove_suffix(1);
  if (content.size() != 2 * out.size()) return make_error_code(common_error::invalid_argument);
  auto bytes = from_hex(content);
  if (!bytes) return make_error_code(common_error::invalid_argument);
  std::copy(bytes->begin(), bytes->end(), out.begin());
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return out;
}

result<std::unique_ptr<data_key>> load_data_key(const config::data_keys& cfg,
                                                std::optional<std::filesystem::path> credentials_directory,
                                                poort::random& random) {
  std::filesystem::path file = cfg.key_file;
  if (file.empty() && credentials_directory) file = *credentials_directory / "data-key";
  if (file.empty()) return make_error_code(common_error::invalid_argument);
  auto content = read_file(file, max_key_file_bytes);
  if (!content) return content.error();
  auto key = parse_data_key(*content);
  OPENSSL_cleanse(content->data(), content->size());
  if (!key) return key.error();
  auto out = std::make_unique<data_key>(cfg.key_id, *key, random);
  OPENSSL_cleanse(key->data(), key->size());
  return out;
}

std::optional<std::filesystem::path> credentials_directory_from_environment() {
  const char* v = std::getenv("CREDENTIALS_DIRECTORY");  // NOLINT(concurrency-mt-unsafe): read at start-up
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::filesystem::path(v);
}

}  // namespace poort::store

#include "store/data_key.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "store/error.hpp"

namespace poort::store {
namespace {

constexpr std::string_view index_label = "poort blind index v1";
constexpr std::size_t max_key_file_bytes = 1024;

std::string_view as_chars(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Reads and parses one key file, wiping the copies it made.
result<key_ring::key_bytes> read_key(const std::filesystem::path& file) {
  auto content = read_file(file, max_key_file_bytes);
  if (!content) return content.error();
  auto key = parse_data_key(*content);
  OPENSSL_cleanse(content->data(), content->size());
  return key;
}

// Reads a key from `configured`, or else from the systemd credential
// `credential` when a credentials directory is given; invalid_argument when
// there is neither.
result<key_ring::key_bytes> read_ring_key(const std::filesystem::path& configured,
                                          std::string_view credential,
                                          const std::optional<std::filesystem::path>& credentials_directory) {
  if (!configured.empty()) return read_key(configured);
  if (credentials_directory) return read_key(*credentials_directory / credential);
  return make_error_code(common_error::invalid_argument);
}

}  // namespace

key_ring::key_bytes key_ring::derive_index_key(const key_bytes& sealing) {
  const auto idx = hmac_sha256(as_chars(sealing), index_label);
  key_bytes out{};
  std::copy(idx.begin(), idx.end(), out.begin());
  return out;
}

key_ring::key_ring(std::string id, const key_bytes& key, poort::random& random)
    : key_ring({sealing_key{std::move(id), key}}, {}, {index_key{1, derive_index_key(key)}}, random) {}

key_ring::key_ring(std::vector<sealing_key> keys, std::string_view active_id,
                   std::vector<index_key> index_keys, poort::random& random)
    : keys_(std::move(keys)), index_keys_(std::move(index_keys)), random_(random) {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].id == active_id) active_ = i;
  std::ranges::sort(index_keys_, {}, &index_key::version);
  active_index_ = index_keys_.empty() ? 0 : index_keys_.size() - 1;
}

key_ring::~key_ring() {
  for (auto& k : keys_) OPENSSL_cleanse(k.key.data(), k.key.size());
  for (auto& k : index_keys_) OPENSSL_cleanse(k.key.data(), k.key.size());
}

std::vector<std::string> key_ring::key_ids() const {
  std::vector<std::string> out;
  for (const auto& k : keys_) out.push_back(k.id);
  return out;
}

bool key_ring::has_key(std::string_view key_id) const noexcept {
  return std::ranges::any_of(keys_, [&](const sealing_key& k) { return k.id == key_id; });
}

result<std::string> key_ring::seal(std::string_view plaintext, std::string_view aad) const {
  std::array<std::uint8_t, 12> nonce{};
  random_.fill(nonce);
  return aes256gcm_seal(keys_[active_].key, plaintext, aad, nonce);
}

result<std::string> key_ring::open(std::string_view sealed, std::string_view aad) const {
  return aes256gcm_open(keys_[active_].key, sealed, aad);
}

result<std::string> key_ring::open(std::string_view key_id, std::string_view sealed,
                                   std::string_view aad) const {
  for (const auto& k : keys_)
    if (k.id == key_id) return aes256gcm_open(k.key, sealed, aad);
  return make_error_code(error::unknown_key);
}

std::vector<std::int64_t> key_ring::index_versions() const {
  std::vector<std::int64_t> out;
  for (const auto& k : index_keys_) out.push_back(k.version);
  return out;
}

bool key_ring::has_index_version(std::int64_t v) const noexcept {
  return std::ranges::any_of(index_keys_, [&](const index_key& k) { return k.version == v; });
}

namespace {
std::string index_under(const key_ring::key_bytes& key, std::string_view kind, std::string_view value) {
  std::string input;
  input.reserve(kind.size() + 1 + value.size());
  input.append(kind);
  input.push_back('\0');
  input.append(value);
  return to_hex(hmac_sha256(as_chars(key), input));
}
}  // namespace

std::string key_ring::blind_index(std::string_view kind, std::string_view value) const {
  return index_under(index_keys_[active_index_].key, kind, value);
}

std::vector<key_ring::versioned_index> key_ring::blind_indexes(std::string_view kind,
                                                               std::string_view value) const {
  std::vector<versioned_index> out;
  for (const auto& k : index_keys_) out.push_back({k.version, index_under(k.key, kind, value)});
  return out;
}

result<key_ring::key_bytes> parse_data_key(std::string_view content) {
  key_ring::key_bytes out{};
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

bool key_ring_configured(const config::data_keys& cfg,
                         const std::optional<std::filesystem::path>& credentials_directory) {
  return !cfg.keys.empty() || !cfg.key_file.empty() || credentials_directory.has_value();
}

result<std::unique_ptr<key_ring>> load_key_ring(const config::data_keys& cfg,
                                                std::optional<std::filesystem::path> credentials_directory,
                                                poort::random& random) {
  std::vector<key_ring::sealing_key> keys;
  std::vector<key_ring::index_key> index_keys;
  auto wipe = [&] {
    for (auto& k : keys) OPENSSL_cleanse(k.key.data(), k.key.size());
    for (auto& k : index_keys) OPENSSL_cleanse(k.key.data(), k.key.size());
  };
  std::string active = cfg.key_id;
  if (cfg.keys.empty()) {  // the single-key form
    auto key = read_ring_key(cfg.key_file, "data-key", credentials_directory);
    if (!key) return key.error();
    keys.push_back({cfg.key_id, *key});
    index_keys.push_back({1, key_ring::derive_index_key(*key)});
    OPENSSL_cleanse(key->data(), key->size());
  } else {
    active = cfg.active;
    for (const auto& k : cfg.keys) {
      auto key = read_ring_key(k.key_file, "data-key-" + k.id, credentials_directory);
      if (!key) {
        wipe();
        return key.error();
      }
      keys.push_back({k.id, *key});
      OPENSSL_cleanse(key->data(), key->size());
    }
    for (const auto& ik : cfg.index_keys) {
      if (!ik.derive_from.empty()) {
        auto from = std::ranges::find(keys, ik.derive_from, &key_ring::sealing_key::id);
        if (from == keys.end()) {
          wipe();
          return make_error_code(common_error::invalid_argument);
        }
        index_keys.push_back({ik.version, key_ring::derive_index_key(from->key)});
        continue;
      }
      auto key = read_ring_key(ik.key_file, "index-key-" + std::to_string(ik.version), credentials_directory);
      if (!key) {
        wipe();
        return key.error();
      }
      index_keys.push_back({ik.version, *key});
      OPENSSL_cleanse(key->data(), key->size());
    }
    if (index_keys.empty() || !std::ranges::any_of(keys, [&](const auto& k) { return k.id == active; })) {
      wipe();
      return make_error_code(common_error::invalid_argument);
    }
  }
  auto out = std::make_unique<key_ring>(keys, active, index_keys, random);
  wipe();
  return out;
}

std::optional<std::filesystem::path> credentials_directory_from_environment() {
  const char* v = std::getenv("CREDENTIALS_DIRECTORY");  // NOLINT(concurrency-mt-unsafe): read at start-up
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::filesystem::path(v);
}

}  // namespace poort::store

#pragma once
// Personal data at rest (issue 5 §4, issue 14 item 1): the key ring. It holds
// the AES-256-GCM keys that seal BSNs, names and information-sheet content in
// the SQLite file, and the HMAC keys of the blind index that lets the store
// find a person's rows by BSN without storing the BSN.
//
// Sealing keys. Each has an id (stored next to every sealed blob). One is
// active: `seal` uses it. Every key of the ring opens what it sealed:
// `open(key_id, ...)` picks the key by the id stored with the blob; an id
// that is not in the ring is the error `unknown_key` (poortd refuses to start
// with rows under such an id; `poortctl rekey` names it).
//
// `seal(plaintext, aad)` = AES-256-GCM with a fresh random 12-byte nonce from
// the injected `poort::random`; the stored blob is nonce || ciphertext || tag
// (common/crypto.hpp). The AAD binds a blob to its place
// ("postvak/<berichtId>/inhoud"), so a blob copied to another row or column
// does not open.
//
// Blind index. Its keys are separate from the sealing keys and versioned
// (1, 2, ...); every stored index records its version (`index_versie`). The
// highest version is active: new rows are indexed under it.
//   `blind_index(kind, value)` = hex HMAC-SHA256(index key, kind || 0x00 || value)
// under the active version; `blind_indexes(kind, value)` gives the index under
// every version in the ring, so that a lookup by BSN finds rows indexed under
// an older version until `poortctl rekey` has moved them all. Without the
// index key the index reveals nothing; with it, equal inputs give equal
// indexes. An index key is either configured (its own file) or derived from
// a sealing key: HMAC-SHA256(sealing key, "poort blind index v1"), which is
// what the single-key configuration (`data_keys.key_file` + `key_id`) always
// did, so that its existing indexes stay valid as version 1.
//
// Where the keys come from (`load_key_ring`): the single-key form
// (`data_keys.key_file`, else `$CREDENTIALS_DIRECTORY/data-key`) is one active
// key and index version 1 derived from it. The ring form lists
// [[data_keys.key]] (id, key_file; "" = `$CREDENTIALS_DIRECTORY/data-key-<id>`)
// and [[data_keys.index_key]] (version, key_file or derive_from). A key file
// holds 32 raw bytes or 64 hex characters (and an optional newline).
//
// Thread safety: a `key_ring` is immutable after construction; `seal` uses
// the random source, which is thread-safe.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"

namespace poort::store {

class key_ring {
 public:
  using key_bytes = std::array<std::uint8_t, 32>;

  struct sealing_key {
    std::string id;  ///< 1..32 of A-Z a-z 0-9 . _ -
    key_bytes key{};
  };
  struct index_key {
    std::int64_t version = 1;  ///< >= 1
    key_bytes key{};
  };

  /// One sealing key `id`, active, and index version 1 derived from it (the
  /// single-key configuration). REQUIRES: `random` outlives this.
  key_ring(std::string id, const key_bytes& key, poort::random& random);
  /// REQUIRES: `keys` not empty with distinct ids, one of them `active_id`;
  /// `index_keys` not empty with distinct versions; `random` outlives this.
  key_ring(std::vector<sealing_key> keys, std::string_view active_id, std::vector<index_key> index_keys,
           poort::random& random);
  ~key_ring();
  key_ring(const key_ring&) = delete;
  key_ring& operator=(const key_ring&) = delete;

  /// The active sealing key's id.
  const std::string& id() const noexcept { return keys_[active_].id; }
  /// Every sealing key id in the ring, the active one included.
  std::vector<std::string> key_ids() const;
  /// Whether `key_id` is in the ring.
  bool has_key(std::string_view key_id) const noexcept;

  /// nonce || ciphertext || tag of `plaintext` under the active key,
  /// authenticated with `aad`. Failure: crypto_error (OpenSSL failed).
  result<std::string> seal(std::string_view plaintext, std::string_view aad) const;
  /// The plaintext of a blob the active key sealed with the same `aad`.
  /// Failure: crypto_error (another key, another aad, or tampered).
  result<std::string> open(std::string_view sealed, std::string_view aad) const;
  /// The plaintext of a blob that key `key_id` sealed with `aad`.
  /// Failure: store::error::unknown_key (no such id in the ring),
  /// crypto_error (another aad, or tampered).
  result<std::string> open(std::string_view key_id, std::string_view sealed, std::string_view aad) const;

  /// The active blind-index version (the highest in the ring).
  std::int64_t index_version() const noexcept { return index_keys_[active_index_].version; }
  /// Every index version in the ring, ascending.
  std::vector<std::int64_t> index_versions() const;
  /// Whether index version `v` is in the ring.
  bool has_index_version(std::int64_t v) const noexcept;

  /// Lower-case hex HMAC of `value` under the active index key,
  /// domain-separated by `kind` ("bsn", "toestemming").
  std::string blind_index(std::string_view kind, std::string_view value) const;
  /// The same under every index version in the ring: {version, index},
  /// ascending by version (the active one last).
  struct versioned_index {
    std::int64_t version = 0;
    std::string index;
  };
  std::vector<versioned_index> blind_indexes(std::string_view kind, std::string_view value) const;

  /// The index key that the single-key form derives from a sealing key.
  static key_bytes derive_index_key(const key_bytes& sealing);

 private:
  std::vector<sealing_key> keys_;
  std::size_t active_ = 0;
  std::vector<index_key> index_keys_;  ///< ascending by version
  std::size_t active_index_ = 0;
  poort::random& random_;
};

/// The name callers used when there was one data key: a ring of one.
using data_key = key_ring;

/// Parses a key file's content: exactly 32 bytes, or 64 hex characters with an
/// optional trailing newline. Failure: invalid_argument.
result<key_ring::key_bytes> parse_data_key(std::string_view content);

/// Reads the ring as described above. `credentials_directory` is the value
/// of $CREDENTIALS_DIRECTORY (nullopt when unset).
/// Failure: invalid_argument (no key configured anywhere, a malformed key
/// file, or an inconsistent ring: config::parse reports those first),
/// io_error (a file cannot be read).
result<std::unique_ptr<key_ring>> load_key_ring(const config::data_keys& cfg,
                                                std::optional<std::filesystem::path> credentials_directory,
                                                poort::random& random);
/// The same; kept for callers of the single-key days.
inline result<std::unique_ptr<key_ring>> load_data_key(
    const config::data_keys& cfg, std::optional<std::filesystem::path> credentials_directory,
    poort::random& random) {
  return load_key_ring(cfg, std::move(credentials_directory), random);
}

/// Whether `cfg` names any key (a key file, the ring form, or a credential
/// directory that the single-key form falls back to).
bool key_ring_configured(const config::data_keys& cfg,
                         const std::optional<std::filesystem::path>& credentials_directory);

/// $CREDENTIALS_DIRECTORY, if set and not empty.
std::optional<std::filesystem::path> credentials_directory_from_environment();

}  // namespace poort::store

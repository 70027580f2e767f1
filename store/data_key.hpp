#pragma once
// Personal data at rest (issue 5 §4): the AES-256-GCM key that seals BSNs,
// names and information-sheet content in the SQLite file, and the HMAC key of
// the blind index that lets the store find a person's rows by BSN without
// storing the BSN.
//
// Sealing. `seal(plaintext, aad)` = AES-256-GCM with a fresh random 12-byte
// nonce from the injected `poort::random`; the stored blob is
// nonce || ciphertext || tag (common/crypto.hpp). The AAD binds a blob to its
// place ("postvak/<berichtId>/inhoud"), so a blob copied to another row or
// column does not open. The key id is stored next to each blob, so that
// `poortctl rekey` can find what an older key sealed.
//
// Blind index. index key = HMAC-SHA256(data key, "poort blind index v1");
// `blind_index(kind, value)` = hex HMAC-SHA256(index key, kind || 0x00 || value).
// Without the data key the index reveals nothing; with it, equal inputs give
// equal indexes (lookups by BSN). A new data key gives new indexes, so a
// rekey recomputes them.
//
// Where the key comes from (`load_data_key`): `data_keys.key_file` when set;
// otherwise `$CREDENTIALS_DIRECTORY/data-key` (a systemd credential,
// LoadCredential=data-key:/etc/poort/data.key) when that variable is set.
// The file holds 32 raw bytes or 64 hex characters (and an optional newline).
//
// Thread safety: a `data_key` is immutable after construction; `seal` uses
// the random source, which is thread-safe.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/random.hpp"
#include "config/config.hpp"

namespace poort::store {

class data_key {
 public:
  using key_bytes = std::array<std::uint8_t, 32>;

  /// REQUIRES: `id` is 1..32 printable ASCII characters; `random` outlives this.
  data_key(std::string id, const key_bytes& key, poort::random& random);
  ~data_key();
  data_key(const data_key&) = delete;
  data_key& operator=(const data_key&) = delete;

  const std::string& id() const noexcept { return id_; }

  /// nonce || ciphertext || tag of `plaintext`, authenticated with `aad`.
  /// Failure: crypto_error (OpenSSL failed).
  result<std::string> seal(std::string_view plaintext, std::string_view aad) const;
  /// The plaintext of a blob this key sealed with the same `aad`.
  /// Failure: crypto_error (another key, another aad, or tampered).
  result<std::string> open(std::string_view sealed, std::string_view aad) const;

  /// Lower-case hex HMAC of `value` under the index key, domain-separated by
  /// `kind` ("bsn", "toestemming").
  std::string blind_index(std::string_view kind, std::string_view value) const;

 private:
  std::string id_;
  key_bytes key_;
  key_bytes index_key_;
  poort::random& random_;
};

/// Parses a key file's content: exactly 32 bytes, or 64 hex characters with an
/// optional trailing newline. Failure: invalid_argument.
result<data_key::key_bytes> parse_data_key(std::string_view content);

/// Reads the data key as described above. `credentials_directory` is the value
/// of $CREDENTIALS_DIRECTORY (nullopt when unset).
/// Failure: invalid_argument (no key configured anywhere, or a malformed key
/// file), io_error (the file cannot be read).
result<std::unique_ptr<data_key>> load_data_key(const config::data_keys& cfg,
                                                std::optional<std::filesystem::path> credentials_directory,
                                                poort::random& random);

/// $CREDENTIALS_DIRECTORY, if set and not empty.
std::optional<std::filesystem::path> credentials_directory_from_environment();

}  // namespace poort::store

#pragma once
// Randomness, injected. Production code uses `os_random` (OpenSSL's CSPRNG);
// tests use `fake_random`, which is deterministic.
//
// Thread safety: both implementations may be called from several threads.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace poort {

class random {
 public:
  virtual ~random() = default;
  /// Fills `out` with random bytes. Never fails: a CSPRNG failure aborts the
  /// process (there is no safe way to go on without randomness).
  virtual void fill(std::span<std::uint8_t> out) = 0;

  /// `n` random bytes as lower-case hex (2n characters).
  std::string hex(std::size_t n);
  /// `n` random bytes as unpadded base64url.
  std::string token(std::size_t n);
  /// An RFC 9562 UUID version 4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx").
  std::string uuid_v4();
};

/// OpenSSL RAND_bytes.
class os_random final : public random {
 public:
  void fill(std::span<std::uint8_t> out) override;
};

/// A deterministic byte stream for tests (a counter mixed by splitmix64).
class fake_random final : public random {
 public:
  explicit fake_random(std::uint64_t seed = 42) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::atomic<std::uint64_t> state_;
};

}  // namespace poort

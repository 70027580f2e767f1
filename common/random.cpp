#include "common/random.hpp"

#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

#include "common/encoding.hpp"

namespace poort {

std::string random::hex(std::size_t n) {
  std::vector<std::uint8_t> b(n);
  fill(b);
  return to_hex(b);
}

std::string random::token(std::size_t n) {
  std::vector<std::uint8_t> b(n);
  fill(b);
  return base64url_encode(b);
}

std::string random::uuid_v4() {
  std::uint8_t b[16];
  fill(b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);
  std::string h = to_hex(b);
  return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) + '-' +
         h.substr(20);
}

void os_random::fill(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}

void fake_random::fill(std::span<std::uint8_t> out) {
  for (auto& byte : out) {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    byte = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
}

}  // namespace poort

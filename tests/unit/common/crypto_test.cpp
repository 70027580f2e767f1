#include "common/crypto.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace poort {
namespace {

TEST(Crypto, Sha256KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256Rfc4231Case2) {
  auto mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(to_hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, AesGcmRoundTripAndTamper) {
  std::array<std::uint8_t, 32> key{};
  key[0] = 1;
  std::array<std::uint8_t, 12> nonce{};
  auto sealed = aes256gcm_seal(key, "geheim", "aad", nonce);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->find("geheim"), std::string::npos);
  auto opened = aes256gcm_open(key, *sealed, "aad");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "geheim");
  EXPECT_FALSE(aes256gcm_open(key, *sealed, "other aad"));
  std::string bad = *sealed;
  bad[14] ^= 1;
  EXPECT_FALSE(aes256gcm_open(key, bad, "aad"));
  EXPECT_FALSE(aes256gcm_open(key, "short", "aad"));
}

TEST(Crypto, BadPemIsAnError) {
  auto c = parse_certificate_pem("not a certificate");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), make_error_code(common_error::crypto_error));
  EXPECT_FALSE(read_file("/nonexistent/poort/file"));
}

TEST(Errors, ConditionsMapToHttpStatus) {
  error_code ec = make_error_code(common_error::limit_exceeded);
  EXPECT_EQ(condition_of(ec), condition::too_large);
  EXPECT_TRUE(ec == condition::too_large);
  EXPECT_EQ(http_status(condition::too_large), 413);
  EXPECT_EQ(condition_of(error_code{}), condition::ok);
}

}  // namespace
}  // namespace poort

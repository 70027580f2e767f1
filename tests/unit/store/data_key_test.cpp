// Unit tests of the data key (store/data_key.hpp): AES-256-GCM sealing bound
// to its place by the AAD, the blind index (checked against its definition
// with OpenSSL directly), and where the key comes from.

#include "store/data_key.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <fstream>
#include <string>
#include <vector>

#include "common/crypto.hpp"
#include "store/error.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::store {
namespace {

constexpr std::string_view kBsn = "123456782";
constexpr std::string_view kOtherBsn = "111222333";

data_key::key_bytes key_bytes(std::uint8_t fill) {
  data_key::key_bytes k{};
  k.fill(fill);
  return k;
}

// HMAC-SHA256 straight from OpenSSL, independent of common/crypto.
std::string openssl_hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &n);
  return std::string(reinterpret_cast<const char*>(out.data()), n);
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

TEST(DataKey, SealsAndOpensWithTheSameAad) {
  fake_random rnd;
  data_key k("k1", key_bytes(1), rnd);
  auto sealed = k.seal("geheim", "postvak/x/inhoud");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), 12 + 6 + 16u);
  EXPECT_EQ(sealed->find("geheim"), std::string::npos);
  EXPECT_EQ(*k.open(*sealed, "postvak/x/inhoud"), "geheim");
}

TEST(DataKey, RefusesAnotherAadAnotherKeyAndTampering) {
  fake_random rnd;
  data_key k("k1", key_bytes(1), rnd), other("k2", key_bytes(2), rnd);
  auto sealed = *k.seal("geheim", "postvak/x/inhoud");
  EXPECT_FALSE(k.open(sealed, "postvak/y/inhoud"));
  EXPECT_FALSE(other.open(sealed, "postvak/x/inhoud"));
  for (std::size_t i : {std::size_t{0}, std::size_t{13}, sealed.size() - 1}) {
    auto t = sealed;
    t[i] = static_cast<char>(t[i] ^ 1);
    EXPECT_FALSE(k.open(t, "postvak/x/inhoud")) << "byte " << i;
  }
}

TEST(DataKey, NoncesAreFresh) {
  fake_random rnd;
  data_key k("k1", key_bytes(1), rnd);
  EXPECT_NE(*k.seal("x", "a"), *k.seal("x", "a"));
}

TEST(DataKey, BlindIndexIsStablePerKeyAndKind) {
  fake_random rnd;
  data_key k("k1", key_bytes(1), rnd), other("k2", key_bytes(2), rnd);
  EXPECT_EQ(k.blind_index("bsn", kBsn), k.blind_index("bsn", kBsn));
  EXPECT_EQ(k.blind_index("bsn", kBsn).size(), 64u);
  EXPECT_NE(k.blind_index("bsn", kBsn), k.blind_index("bsn", kOtherBsn));
  EXPECT_NE(k.blind_index("bsn", kBsn), k.blind_index("toestemming", kBsn));
  EXPECT_NE(k.blind_index("bsn", kBsn), other.blind_index("bsn", kBsn));
  EXPECT_EQ(k.blind_index("bsn", kBsn).find(kBsn), std::string::npos);
}

TEST(DataKey, ParsesRawAndHexKeyFilesOnly) {
  EXPECT_TRUE(parse_data_key(std::string(32, '\x07')));
  EXPECT_TRUE(parse_data_key(std::string(64, 'a')));
  EXPECT_TRUE(parse_data_key(std::string(64, 'A') + "\n"));
  EXPECT_TRUE(parse_data_key(std::string(64, 'a') + "\r\n"));
  EXPECT_FALSE(parse_data_key(std::string(31, '\x07')));
  EXPECT_FALSE(parse_data_key(std::string(63, 'a')));
  EXPECT_FALSE(parse_data_key(std::string(65, 'a')));
  EXPECT_FALSE(parse_data_key(std::string(64, 'g')));
  EXPECT_FALSE(parse_data_key(""));
}

TEST(DataKey, LoadsFromTheKeyFileElseTheSystemdCredential) {
  test::temp_dir dir;
  fake_random rnd;
  std::ofstream(dir.path() / "data-key") << std::string(64, 'b');
  std::ofstream(dir.path() / "own.key") << std::string(64, 'c');
  config::data_keys cfg;
  EXPECT_FALSE(load_data_key(cfg, std::nullopt, rnd)) << "no key anywhere";
  auto from_credential = load_data_key(cfg, dir.path(), rnd);
  ASSERT_TRUE(from_credential);
  EXPECT_EQ((*from_credential)->id(), "k1");
  cfg.key_file = dir.path() / "own.key";
  cfg.key_id = "k7";
  auto from_file = load_data_key(cfg, dir.path(), rnd);
  ASSERT_TRUE(from_file);
  EXPECT_EQ((*from_file)->id(), "k7");
  EXPECT_NE((*from_file)->blind_index("bsn", kBsn), (*from_credential)->blind_index("bsn", kBsn))
      << "the key file wins over the credential";
  cfg.key_file = dir.path() / "missing.key";
  EXPECT_FALSE(load_data_key(cfg, dir.path(), rnd));
}

TEST(DataKey, BlindIndexIsTheDocumentedHmac) {
  fake_random rnd;
  const auto raw = key_bytes(0x5a);
  data_key k("k1", raw, rnd);
  // index key = HMAC-SHA256(data key, "poort blind index v1");
  // blind_index(kind, value) = hex HMAC-SHA256(index key, kind || 0x00 || value).
  const std::string index_key = openssl_hmac(
      std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()), "poort blind index v1");
  EXPECT_EQ(k.blind_index("bsn", kBsn),
            hex(openssl_hmac(index_key, std::string("bsn") + '\0' + std::string(kBsn))));
  EXPECT_EQ(k.blind_index("toestemming", "T-1"),
            hex(openssl_hmac(index_key, std::string("toestemming\0T-1", 15))));
  // The separator keeps kind and value apart: ("bs", "n...") is another input than ("bsn", "...").
  EXPECT_NE(k.blind_index("bs", "n" + std::string(kBsn)), k.blind_index("bsn", kBsn));
  EXPECT_NE(k.blind_index("bsn", kBsn), hex(openssl_hmac(index_key, kBsn)));
}

TEST(DataKey, SealedBlobIsNonceFromTheRandomSourceThenCiphertextAndTag) {
  fake_random rnd(7), same(7);
  const auto raw = key_bytes(3);
  data_key k("k1", raw, rnd);
  std::array<std::uint8_t, 12> nonce{};
  same.fill(nonce);
  auto sealed = k.seal("inhoud", "postvak/a/inhoud");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->substr(0, 12), std::string(reinterpret_cast<const char*>(nonce.data()), nonce.size()));
  // The layout is common/crypto's, so the raw key opens it there too.
  EXPECT_EQ(aes256gcm_open(raw, *sealed, "postvak/a/inhoud").value(), "inhoud");
}

TEST(DataKey, EmptyPlaintextSealsAndShortBlobsDoNotOpen) {
  fake_random rnd;
  data_key k("k1", key_bytes(1), rnd);
  auto sealed = k.seal("", "postvak/x/inhoud");
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->size(), 12 + 16u);
  EXPECT_EQ(k.open(*sealed, "postvak/x/inhoud").value(), "");
  EXPECT_FALSE(k.open("", "postvak/x/inhoud"));
  EXPECT_FALSE(k.open(sealed->substr(0, 27), "postvak/x/inhoud"));
  EXPECT_FALSE(k.open(*sealed + "x", "postvak/x/inhoud"));
}

TEST(DataKey, HexAndRawKeyFilesGiveTheSameKey) {
  fake_random rnd;
  std::string raw(32, '\0');
  std::string hex_text;
  for (int i = 0; i < 32; ++i) raw[static_cast<std::size_t>(i)] = static_cast<char>(i * 7 + 1);
  hex_text = hex(raw);
  auto from_raw = parse_data_key(raw);
  auto from_hex = parse_data_key(hex_text + "\n");
  ASSERT_TRUE(from_raw);
  ASSERT_TRUE(from_hex);
  EXPECT_EQ(*from_raw, *from_hex);
  data_key a("k1", *from_raw, rnd), b("k1", *from_hex, rnd);
  EXPECT_EQ(a.blind_index("bsn", kBsn), b.blind_index("bsn", kBsn));
  EXPECT_EQ(b.open(*a.seal("x", "aad"), "aad").value(), "x");
}

// The ring (issue 14 item 1): one active key seals, every key opens what it
// sealed by id, an unknown id is unknown_key; the blind index is computed
// under every index version, the active (highest) one last; the single-key
// form's index (version 1) is the one derived from the key, as before.
TEST(KeyRing, SealsWithTheActiveKeyOpensByIdAndIndexesUnderEveryVersion) {
  fake_random rnd;
  data_key old_single("k1", key_bytes(1), rnd);
  auto old_sealed = old_single.seal("oud", "postvak/x/inhoud");
  ASSERT_TRUE(old_sealed);
  key_ring ring({{"k1", key_bytes(1)}, {"k2", key_bytes(2)}}, "k2",
                {{2, key_bytes(3)}, {1, key_ring::derive_index_key(key_bytes(1))}}, rnd);
  EXPECT_EQ(ring.id(), "k2");
  EXPECT_EQ(ring.index_version(), 2);
  EXPECT_EQ(*ring.open("k1", *old_sealed, "postvak/x/inhoud"), "oud");
  auto sealed = ring.seal("nieuw", "postvak/y/inhoud");
  ASSERT_TRUE(sealed);
  EXPECT_FALSE(old_single.open(*sealed, "postvak/y/inhoud")) << "sealed under k2, not k1";
  EXPECT_EQ(*ring.open("k2", *sealed, "postvak/y/inhoud"), "nieuw");
  auto unknown = ring.open("k9", *sealed, "postvak/y/inhoud");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), make_error_code(error::unknown_key));

  auto all = ring.blind_indexes("bsn", kBsn);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].version, 1);
  EXPECT_EQ(all[0].index, old_single.blind_index("bsn", kBsn)) << "version 1 is the single-key form's index";
  EXPECT_EQ(all[1].version, 2);
  EXPECT_EQ(all[1].index, ring.blind_index("bsn", kBsn));
  EXPECT_EQ(all[1].index,
            hex(openssl_hmac(std::string(32, '\x03'), "bsn" + std::string(1, '\0') + std::string(kBsn))))
      << "a configured index key is used as it is";
}

TEST(KeyRing, LoadsTheRingFormWithDerivedAndOwnIndexKeys) {
  test::temp_dir dir;
  fake_random rnd;
  std::ofstream(dir.path() / "k1.key") << std::string(64, 'b');
  std::ofstream(dir.path() / "k2.key") << std::string(64, 'c');
  std::ofstream(dir.path() / "i2.key") << std::string(64, 'd');
  config::data_keys single;
  single.key_file = dir.path() / "k1.key";
  auto before = load_key_ring(single, std::nullopt, rnd);
  ASSERT_TRUE(before);
  config::data_keys cfg;
  cfg.active = "k2";
  cfg.keys = {{"k1", dir.path() / "k1.key"}, {"k2", dir.path() / "k2.key"}};
  cfg.index_keys = {{1, "", "k1"}, {2, dir.path() / "i2.key", ""}};
  auto ring = load_key_ring(cfg, std::nullopt, rnd);
  ASSERT_TRUE(ring) << ring.error().message();
  EXPECT_EQ((*ring)->id(), "k2");
  EXPECT_EQ((*ring)->key_ids(), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ((*ring)->index_versions(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ((*ring)->blind_indexes("bsn", kBsn)[0].index, (*before)->blind_index("bsn", kBsn))
      << "index version 1 derived from k1 finds what the single-key configuration stored";
  cfg.keys[1].key_file.clear();
  std::ofstream(dir.path() / "data-key-k2") << std::string(64, 'c');
  EXPECT_TRUE(load_key_ring(cfg, dir.path(), rnd)) << "a key without a file comes from the credential";
  EXPECT_FALSE(load_key_ring(cfg, std::nullopt, rnd));
}

}  // namespace
}  // namespace poort::store

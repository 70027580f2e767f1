#include "common/encoding.hpp"

#include <gtest/gtest.h>

#include "common/random.hpp"

namespace poort {
namespace {

TEST(Encoding, HexRoundTrip) {
  EXPECT_EQ(to_hex(std::string_view{"\x00\xff\x10", 3}), "00ff10");
  auto b = from_hex("00FF10");
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, (bytes{0x00, 0xff, 0x10}));
  EXPECT_FALSE(from_hex("0"));
  EXPECT_FALSE(from_hex("zz"));
}

TEST(Encoding, Base64KnownVectors) {
  EXPECT_EQ(base64_encode(std::string_view{""}), "");
  EXPECT_EQ(base64_encode(std::string_view{"f"}), "Zg==");
  EXPECT_EQ(base64_encode(std::string_view{"fo"}), "Zm8=");
  EXPECT_EQ(base64_encode(std::string_view{"foo"}), "Zm9v");
  EXPECT_EQ(base64_encode(std::string_view{"foobar"}), "Zm9vYmFy");
  auto d = base64_decode("Zm9v\nYmFy");
  ASSERT_TRUE(d);
  EXPECT_EQ(as_string_view(*d), "foobar");
  EXPECT_EQ(as_string_view(*base64_decode("Zg==")), "f");
}

TEST(Encoding, Base64RejectsGarbage) {
  EXPECT_FALSE(base64_decode("Zm9v!"));
  EXPECT_FALSE(base64_decode("Zg=a"));
  EXPECT_FALSE(base64_decode("Z"));
  EXPECT_FALSE(base64_decode("Zh=="));  // non-canonical trailing bits
}

TEST(Encoding, Base64UrlRoundTrip) {
  fake_random rnd;
  for (std::size_t n = 0; n < 40; ++n) {
    bytes b(n);
    rnd.fill(b);
    auto e = base64url_encode(b);
    EXPECT_EQ(e.find_first_of("+/="), std::string::npos);
    auto d = base64url_decode(e);
    ASSERT_TRUE(d) << e;
    EXPECT_EQ(*d, b);
  }
}

TEST(Encoding, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

TEST(Encoding, XmlEscapeReplacesTheFiveMarkupCharacters) {
  EXPECT_EQ(xml_escape(""), "");
  EXPECT_EQ(xml_escape("plain text"), "plain text");
  EXPECT_EQ(xml_escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  // An existing reference is escaped again: the input is text, not markup.
  EXPECT_EQ(xml_escape("&amp;"), "&amp;amp;");
  // Neither quote can end an attribute of either kind.
  EXPECT_EQ(xml_escape("'\"").find_first_of("'\""), std::string::npos);
}

TEST(Encoding, XmlEscapeCopiesEveryOtherByte) {
  const std::string utf8 = "Gemeente 's-Hertogenbosch \xc3\xa9\xe2\x82\xac";  // é €
  EXPECT_EQ(xml_escape(utf8), "Gemeente &#39;s-Hertogenbosch \xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(xml_escape("a\tb\nc"), "a\tb\nc");
  EXPECT_EQ(xml_escape(std::string_view{"\0x", 2}), std::string(std::string_view{"\0x", 2}));
}

TEST(Random, UuidV4Shape) {
  fake_random rnd(7);
  auto u = rnd.uuid_v4();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos);
  EXPECT_NE(rnd.uuid_v4(), u);
  fake_random same(7);
  EXPECT_EQ(same.uuid_v4(), u);
}

}  // namespace
}  // namespace poort

#include "common/clock.hpp"

#include <gtest/gtest.h>

namespace poort {
namespace {

using namespace std::chrono;

TEST(Clock, FormatsRfc3339) {
  sys_time t = sys_days{year{2026} / 11 / 29} + hours{21} + minutes{37} + seconds{5} + milliseconds{7};
  EXPECT_EQ(format_rfc3339(t), "2026-11-29T21:37:05Z");
  EXPECT_EQ(format_rfc3339(t, true), "2026-11-29T21:37:05.007Z");
}

TEST(Clock, ParsesRfc3339WithZones) {
  auto base = parse_rfc3339("2026-11-29T21:37:05Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(*parse_rfc3339("2026-11-29T22:37:05+01:00"), *base);
  EXPECT_EQ(*parse_rfc3339("2026-11-29T20:37:05-01:00"), *base);
  auto frac = parse_rfc3339("2026-11-29T21:37:05.5Z");
  ASSERT_TRUE(frac);
  EXPECT_EQ(*frac - *base, milliseconds{500});
}

TEST(Clock, RefusesMalformedTimes) {
  EXPECT_FALSE(parse_rfc3339("2026-11-29T21:37:05"));  // no zone
  EXPECT_FALSE(parse_rfc3339("2026-02-30T21:37:05Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-29T24:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-29 21:37:05Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-29T21:37:05.Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-29T21:37:05Zjunk"));
  EXPECT_FALSE(parse_date("2026-1-01"));
}

// Found by fuzzing (fuzz_delivery): a year outside what sys_time holds
// overflowed the nanosecond count (undefined behaviour) instead of failing.
TEST(Clock, RefusesYearsOutsideSysTime) {
  EXPECT_FALSE(parse_date("1013-09-01"));
  EXPECT_FALSE(parse_date("0000-01-01"));
  EXPECT_FALSE(parse_date("1677-12-31"));
  EXPECT_FALSE(parse_date("2262-01-01"));
  EXPECT_FALSE(parse_date("9999-12-31"));
  EXPECT_FALSE(parse_rfc3339("1013-09-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:59:59+23:59"));
  ASSERT_TRUE(parse_date("1678-01-01"));
  ASSERT_TRUE(parse_date("2261-12-31"));
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("1678-01-01T00:00:00+23:59")), "1677-12-31T00:01:00Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2261-12-31T23:59:59-23:59")), "2262-01-01T23:58:59Z");
}

TEST(Clock, FakeClockAdvances) {
  fake_clock c;
  auto t0 = c.now();
  auto m0 = c.monotonic();
  c.advance(seconds{61});
  EXPECT_EQ(c.now() - t0, seconds{61});
  EXPECT_EQ(c.monotonic() - m0, seconds{61});
}

}  // namespace
}  // namespace poort

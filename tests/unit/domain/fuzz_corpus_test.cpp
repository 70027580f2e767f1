// Replays the fuzz corpus of the delivery bodies (tests/fuzz/corpus/delivery,
// seeds and the inputs that once crashed fuzz_delivery) through the three
// parsers, in the ordinary test builds: under scripts/test's ASan + UBSan
// build a regression shows up without libFuzzer.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>

#include "common/crypto.hpp"
#include "domain/delivery.hpp"

namespace poort::domain {
namespace {

// What fuzz_delivery checks: no crash, and what parses round-trips.
template <class Parse>
void expect_round_trip(std::string_view body, Parse parse) {
  auto value = parse(body);
  if (!value) return;
  auto again = parse(boost::json::serialize(to_json(*value)));
  ASSERT_TRUE(again);
  EXPECT_TRUE(*again == *value);
}

TEST(DeliveryFuzzCorpus, EveryFileParsesWithoutCrashingAndRoundTrips) {
  const std::filesystem::path dir = std::filesystem::path{POORT_SOURCE_DIR} / "tests/fuzz/corpus/delivery";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto body = read_file(entry.path(), max_body_bytes(delivery_kind::informatieblad));
    ASSERT_TRUE(body) << entry.path();
    SCOPED_TRACE(entry.path().filename().string());
    expect_round_trip(*body, [](std::string_view b) { return parse_detentiemelding(b); });
    expect_round_trip(*body, [](std::string_view b) { return parse_informatieblad(b); });
    expect_round_trip(*body, [](std::string_view b) { return parse_intrekking(b); });
    ++files;
  }
  EXPECT_GE(files, 4u);
}

// Found by fuzz_delivery: a release date in the year 1013 overflowed the
// nanosecond clock inside the date parser (undefined behaviour, reported by
// UBSan; tests/unit/common/clock_test.cpp checks the parser itself). It is a
// refused field.
TEST(DeliveryFuzzCorpus, YearOutsideTheClockIsARefusedField) {
  auto body = read_file(
      std::filesystem::path{POORT_SOURCE_DIR} / "tests/fuzz/corpus/delivery/regression-year-1013.json",
      max_body_bytes(delivery_kind::detentiemelding));
  ASSERT_TRUE(body);
  auto m = parse_detentiemelding(*body);
  ASSERT_FALSE(m);
  ASSERT_EQ(m.error().size(), 1u);
  EXPECT_EQ(m.error()[0].pointer, "/verwachteInvrijheidstelling");
  EXPECT_EQ(m.error()[0].code, error::date_invalid);
}

}  // namespace
}  // namespace poort::domain

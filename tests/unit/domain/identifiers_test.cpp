#include "domain/identifiers.hpp"

#include <gtest/gtest.h>

namespace poort::domain {
namespace {

error code_of(const result<void>& r) { return r ? error::ok : domain_error_of(r.error()); }

// Verifies known valid BSNs pass, and that every kind of near miss fails.
TEST(Bsn, AcceptsKnownValidNumbers) {
  EXPECT_TRUE(validate_bsn("111222333"));
  EXPECT_TRUE(validate_bsn("123456782"));
  EXPECT_TRUE(validate_bsn("999990019"));
}

TEST(Bsn, RefusesOneDigitOff) {
  EXPECT_EQ(code_of(validate_bsn("123456781")), error::bsn_invalid);
  EXPECT_EQ(code_of(validate_bsn("123456783")), error::bsn_invalid);
  EXPECT_EQ(code_of(validate_bsn("111222334")), error::bsn_invalid);
  EXPECT_EQ(code_of(validate_bsn("211222333")), error::bsn_invalid);
}

TEST(Bsn, RefusesAllZerosThoughItPassesTheEleventest) {
  EXPECT_TRUE(passes_eleven_test("000000000"));
  EXPECT_EQ(code_of(validate_bsn("000000000")), error::bsn_invalid);
}

TEST(Bsn, RefusesWrongLengths) {
  EXPECT_EQ(code_of(validate_bsn("12345678")), error::bsn_invalid);    // 8 digits
  EXPECT_EQ(code_of(validate_bsn("1234567820")), error::bsn_invalid);  // 10 digits
  EXPECT_EQ(code_of(validate_bsn("0123456782")), error::bsn_invalid);  // leading zero added
  EXPECT_EQ(code_of(validate_bsn("")), error::bsn_invalid);
}

TEST(Bsn, RefusesNonDigits) {
  EXPECT_EQ(code_of(validate_bsn("12345678a")), error::bsn_invalid);
  EXPECT_EQ(code_of(validate_bsn("1234 5678")), error::bsn_invalid);
  EXPECT_EQ(code_of(validate_bsn(" 23456782")), error::bsn_invalid);
  EXPECT_EQ(code_of(validate_bsn("-23456782")), error::bsn_invalid);
  EXPECT_EQ(code_of(validate_bsn(std::string_view{"12345678\0", 9})), error::bsn_invalid);
}

TEST(Bsn, ErrorMapsToBadRequest) {
  EXPECT_EQ(condition_of(make_error_code(error::bsn_invalid)), condition::bad_request);
}

TEST(Rsin, UsesTheElevenTest) {
  EXPECT_TRUE(validate_rsin("002564440"));  // Amsterdam
  EXPECT_EQ(code_of(validate_rsin("002564441")), error::rsin_invalid);
  EXPECT_EQ(code_of(validate_rsin("000000000")), error::rsin_invalid);
  EXPECT_EQ(code_of(validate_rsin("2564440")), error::rsin_invalid);
}

TEST(Kvk, AcceptsEightDigitsOnly) {
  EXPECT_TRUE(validate_kvk("34366966"));
  EXPECT_EQ(code_of(validate_kvk("3436696")), error::kvk_invalid);
  EXPECT_EQ(code_of(validate_kvk("343669660")), error::kvk_invalid);
  EXPECT_EQ(code_of(validate_kvk("3436696x")), error::kvk_invalid);
  EXPECT_EQ(code_of(validate_kvk("00000000")), error::kvk_invalid);
}

TEST(Oin, AcceptsTheStructuresOfTheOinStelsel) {
  EXPECT_TRUE(validate_oin("00000001002564440000"));  // Amsterdam, RSIN form
  EXPECT_TRUE(validate_oin("00000003343669660000"));  // KvK form
  EXPECT_TRUE(validate_oin("00000099000000000001"));  // test OIN
  EXPECT_TRUE(validate_oin("00000004123456789012"));  // SubOIN
}

TEST(Oin, RefusesBrokenStructures) {
  EXPECT_EQ(code_of(validate_oin("0000000100256444000")), error::oin_invalid);    // 19
  EXPECT_EQ(code_of(validate_oin("000000010025644400000")), error::oin_invalid);  // 21
  EXPECT_EQ(code_of(validate_oin("00000001002564441000")), error::oin_invalid);   // RSIN check
  EXPECT_EQ(code_of(validate_oin("00000001002564440001")), error::oin_invalid);   // suffix
  EXPECT_EQ(code_of(validate_oin("00000003343669660001")), error::oin_invalid);   // suffix
  EXPECT_EQ(code_of(validate_oin("00000005123456789012")), error::oin_invalid);   // prefix
  EXPECT_EQ(code_of(validate_oin("00000099000000000000")), error::oin_invalid);   // empty
  EXPECT_EQ(code_of(validate_oin("0000009900000000000A")), error::oin_invalid);
}

TEST(Oin, BuildsFromRsinAndKvk) {
  EXPECT_EQ(oin_from_rsin("002564440").value(), "00000001002564440000");
  EXPECT_EQ(oin_from_kvk("34366966").value(), "00000003343669660000");
  EXPECT_EQ(oin_from_rsin("002564441").error(), make_error_code(error::rsin_invalid));
  EXPECT_EQ(oin_from_kvk("1234567").error(), make_error_code(error::kvk_invalid));
  EXPECT_TRUE(validate_oin(oin_from_rsin("123456782").value()));
}

TEST(Oin, RecognisesTestPrefix) {
  EXPECT_TRUE(is_test_oin("00000099000000000001"));
  EXPECT_FALSE(is_test_oin("00000001002564440000"));
  EXPECT_FALSE(is_test_oin("0000009"));
}

TEST(Gemeentecode, AcceptsGmAndFourDigits) {
  EXPECT_TRUE(validate_gemeentecode("GM0363"));
  EXPECT_TRUE(validate_gemeentecode("GM0599"));
  for (const char* bad : {"gm0363", "GM363", "GM03630", "0363", "GM036a", "GM0000", "NL0363", ""})
    EXPECT_EQ(code_of(validate_gemeentecode(bad)), error::gemeentecode_invalid) << bad;
}

TEST(Uuid, AcceptsCanonicalLowerAndUpperCase) {
  EXPECT_TRUE(validate_uuid("3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b10"));
  EXPECT_TRUE(validate_uuid("3F2B8C1E-7D4A-4E2B-9C61-0A5D7E8F9B10"));
  EXPECT_EQ(normalize_uuid("3F2B8C1E-7D4A-4E2B-9C61-0A5D7E8F9B10").value(),
            "3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b10");
}

TEST(Uuid, RefusesOtherShapes) {
  for (const char* bad : {
           "3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b1",    // short
           "3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b100",  // long
           "3f2b8c1e7d4a-4e2b-9c61-0a5d7e8f9b10-",   // hyphen misplaced
           "{3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b1}",  // braces
           "3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b1g",   // not hex
           "3F2B8C1E-7d4a-4e2b-9c61-0a5d7e8f9b10",   // mixed case
           "00000000-0000-0000-0000-000000000000",   // nil
       })
    EXPECT_EQ(code_of(validate_uuid(bad)), error::uuid_invalid) << bad;
}

TEST(Vestigingsnummer, AcceptsTwelveDigits) {
  EXPECT_TRUE(validate_vestigingsnummer("000012345678"));
  EXPECT_EQ(code_of(validate_vestigingsnummer("00001234567")), error::vestigingsnummer_invalid);
  EXPECT_EQ(code_of(validate_vestigingsnummer("0000123456789")), error::vestigingsnummer_invalid);
  EXPECT_EQ(code_of(validate_vestigingsnummer("000000000000")), error::vestigingsnummer_invalid);
  EXPECT_EQ(code_of(validate_vestigingsnummer("00001234567x")), error::vestigingsnummer_invalid);
}

}  // namespace
}  // namespace poort::domain

#include "domain/error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace poort::domain {
namespace {

constexpr int first_code = static_cast<int>(error::bsn_invalid);
constexpr int last_code = static_cast<int>(last_error);

// Verifies that reason codes are stable-looking, unique, and that every code
// has a Dutch message and maps onto a real condition.
TEST(DomainError, EveryCodeIsDescribed) {
  std::set<std::string_view> seen;
  for (int v = first_code; v <= last_code; ++v) {
    const auto e = static_cast<error>(v);
    const std::string_view code = reason_code(e);
    EXPECT_NE(code, "UNKNOWN") << v;
    EXPECT_TRUE(seen.insert(code).second) << code;
    EXPECT_EQ(code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_"), std::string_view::npos) << code;
    EXPECT_FALSE(dutch_message(e).empty()) << code;
    const condition c = condition_of(make_error_code(e));
    EXPECT_NE(c, condition::ok) << code;
    EXPECT_NE(c, condition::internal) << code;
  }
}

// The table is indexed by the code: a value outside the enum (a corrupt
// error_code) is UNKNOWN and internal, never another code's row.
TEST(DomainError, ValuesOutsideTheEnumAreUnknown) {
  for (int v : {-1, last_code + 1, last_code + 1000}) {
    const auto e = static_cast<error>(v);
    EXPECT_EQ(reason_code(e), "UNKNOWN") << v;
    EXPECT_FALSE(dutch_message(e).empty()) << v;
    EXPECT_EQ(condition_of(make_error_code(e)), condition::internal) << v;
  }
  EXPECT_EQ(reason_code(error::ok), "OK");
}

TEST(DomainError, MapsRefusalsOntoConditions) {
  EXPECT_EQ(condition_of(make_error_code(error::cohort_full)), condition::conflict);
  EXPECT_EQ(condition_of(make_error_code(error::not_permitted)), condition::forbidden);
  EXPECT_EQ(condition_of(make_error_code(error::other_organisation)), condition::forbidden);
  EXPECT_EQ(condition_of(make_error_code(error::consent_missing)), condition::unprocessable);
  EXPECT_EQ(condition_of(make_error_code(error::not_connected)), condition::unprocessable);
  EXPECT_EQ(condition_of(make_error_code(error::unknown_field)), condition::bad_request);
  EXPECT_EQ(condition_of(make_error_code(error::body_too_large)), condition::too_large);
  EXPECT_EQ(condition_of(make_error_code(error::bericht_id_conflict)), condition::conflict);
  EXPECT_EQ(condition_of(make_error_code(error::withdrawal_unmatched)), condition::unprocessable);
  EXPECT_EQ(condition_of(make_error_code(error::other_prison)), condition::forbidden);
}

TEST(DomainError, RecoversTheDomainCodeOnlyFromItsOwnCategory) {
  EXPECT_EQ(domain_error_of(make_error_code(error::cohort_full)), error::cohort_full);
  EXPECT_EQ(domain_error_of(make_error_code(common_error::io_error)), error::ok);
  EXPECT_EQ(domain_error_of(error_code{}), error::ok);
  EXPECT_STREQ(domain_category().name(), "poort.domain");
}

}  // namespace
}  // namespace poort::domain

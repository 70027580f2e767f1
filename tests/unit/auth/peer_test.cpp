#include "auth/peer.hpp"

#include <gtest/gtest.h>

namespace poort::auth {
namespace {

const std::vector<party> parties{
    {"00000099000020010000", "PI Zwolle", party_kind::institution, ""},
    {"00000001123456782000", "PI Vught", party_kind::institution, ""},
};

peer_certificate cert(std::string oin) { return {std::move(oin), "pi.poort.test", std::string(64, 'a')}; }

// Verifies that a certificate with a test OIN resolves to no party while test
// OINs are not allowed, even when a party or the registry fallback knows it.
TEST(PartyDirectory, RefusesTestOinsUnlessAllowed) {
  int fallback_calls = 0;
  const party_fallback fallback = [&](const peer_certificate& c) -> std::optional<party> {
    ++fallback_calls;
    return party{c.oin, "Gemeente Zwolle", party_kind::municipal_system, "GM0193"};
  };
  const party_directory strict(parties, fallback, false);
  auto refused = resolve_party(strict, cert("00000099000020010000"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), make_error_code(error::test_oin));
  EXPECT_EQ(refused.error().message(), "test_oin");
  EXPECT_EQ(refused.error().default_error_condition(), make_error_condition(condition::forbidden));
  EXPECT_FALSE(resolve_party(strict, cert("00000099000030010000")));
  EXPECT_EQ(fallback_calls, 0) << "the registry was asked about a test OIN";

  auto production = resolve_party(strict, cert("00000001123456782000"));
  ASSERT_TRUE(production);
  EXPECT_EQ(production->name, "PI Vught");

  const party_directory test(parties, fallback, true);
  auto allowed = resolve_party(test, cert("00000099000020010000"));
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->name, "PI Zwolle");
  auto from_registry = resolve_party(test, cert("00000099000030010000"));
  ASSERT_TRUE(from_registry);
  EXPECT_EQ(from_registry->gemeentecode, "GM0193");
}

// Verifies that an unknown, non-test OIN is still unknown_party.
TEST(PartyDirectory, UnknownOinIsUnknownParty) {
  const party_directory d(parties, {}, false);
  auto r = resolve_party(d, cert("00000003123456780000"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(error::unknown_party));
}

}  // namespace
}  // namespace poort::auth

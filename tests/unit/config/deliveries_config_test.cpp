// The [deliveries] section of the config (issue 5): defaults, every key, and
// each refusal.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "config/config.hpp"
#include "tests/unit/config/test_pki.hpp"

namespace poort::config {
namespace {

class DeliveriesConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = test_pki::make_key(test_pki::key_kind::ec_p256);
    auto cert = test_pki::make_self_signed(key.get(), "poort push client");
    test_pki::write_file(dir_ / "push.key", test_pki::to_pem(key.get()));
    test_pki::write_file(dir_ / "push.crt", test_pki::to_pem(cert.get()));
    test_pki::write_file(dir_ / "ca.pem", test_pki::to_pem(cert.get()));
    test_pki::write_file(dir_ / "ca.crl", test_pki::to_pem(test_pki::make_crl(cert.get(), key.get()).get()));
  }

  // A config with a system listener-less portal-free minimum: one portal listener.
  load_result load(const std::string& deliveries) {
    std::string text = R"(
[[listener.portal]]
addresses = ["127.0.0.1:8443"]
[[listener.portal.certificate]]
certificate = "push.crt"
private_key = "push.key"
)" + deliveries;
    return parse(text, dir_.path());
  }

  test_pki::temp_dir dir_;
};

MATCHER_P(HasProblemAt, key, "") {
  if (arg.has_value()) return false;
  for (const auto& p : arg.error())
    if (p.key == key) return true;
  return false;
}

// Verifies the defaults: release date basis, 183 days, push off, public addresses only.
TEST_F(DeliveriesConfig, DefaultsWhenAbsent) {
  auto c = load("");
  ASSERT_TRUE(c.has_value());
  const auto& d = (*c)->deliveries;
  EXPECT_EQ(d.retention_basis, "release_date");
  EXPECT_EQ(d.retention_days, 183u);
  EXPECT_EQ(d.retention_without_release_days, 730u);
  EXPECT_EQ(d.purge_interval, seconds(3600));
  EXPECT_EQ(d.audit_person_reference_days, 1826u);
  EXPECT_TRUE(d.push_client_certificate.empty());
  EXPECT_EQ(d.push_initial_backoff, milliseconds(1000));
  EXPECT_EQ(d.push_max_backoff, milliseconds(300'000));
  EXPECT_EQ(d.push_give_up_after, seconds(3 * 86'400));
  EXPECT_FALSE(d.push_allow_private_addresses);
}

// Verifies that every key is read.
TEST_F(DeliveriesConfig, ReadsEveryKey) {
  auto c = load(R"(
[deliveries]
retention_basis = "acknowledgement"
retention_days = 30
retention_without_release_days = 90
purge_interval_s = 60
audit_person_reference_days = 0
push_client_certificate = "push.crt"
push_client_key = "push.key"
push_ca_bundle = "ca.pem"
push_crl_files = ["ca.crl"]
push_initial_backoff_ms = 100
push_max_backoff_ms = 2000
push_give_up_after_s = 600
push_timeout_ms = 5000
push_poll_interval_ms = 50
push_allow_private_addresses = true
)");
  ASSERT_TRUE(c.has_value()) << c.error().front().key << ": " << c.error().front().message;
  const auto& d = (*c)->deliveries;
  EXPECT_EQ(d.retention_basis, "acknowledgement");
  EXPECT_EQ(d.retention_days, 30u);
  EXPECT_EQ(d.retention_without_release_days, 90u);
  EXPECT_EQ(d.purge_interval, seconds(60));
  EXPECT_EQ(d.audit_person_reference_days, 0u);
  EXPECT_EQ(d.push_client_certificate, dir_ / "push.crt");
  EXPECT_EQ(d.push_client_key, dir_ / "push.key");
  EXPECT_EQ(d.push_ca_bundle, dir_ / "ca.pem");
  EXPECT_EQ(d.push_initial_backoff, milliseconds(100));
  EXPECT_EQ(d.push_max_backoff, milliseconds(2000));
  EXPECT_EQ(d.push_give_up_after, seconds(600));
  EXPECT_EQ(d.push_timeout, milliseconds(5000));
  EXPECT_EQ(d.push_poll_interval, milliseconds(50));
  EXPECT_TRUE(d.push_allow_private_addresses);
  EXPECT_EQ(d.push_crl_files, std::vector<std::filesystem::path>{dir_ / "ca.crl"});
  EXPECT_FALSE(d.push_crl_optional);
}

// Verifies that push needs CRLs for the endpoints' certificates unless
// push_crl_optional, which is then a warning.
TEST_F(DeliveriesConfig, PushNeedsCrlsUnlessOptional) {
  const std::string push =
      "[deliveries]\npush_client_certificate = \"push.crt\"\npush_client_key = \"push.key\"\n"
      "push_ca_bundle = \"ca.pem\"\n";
  EXPECT_THAT(load(push), HasProblemAt("deliveries.push_crl_files"));
  EXPECT_THAT(load(push + "push_crl_files = [\"push.crt\"]\n"), HasProblemAt("deliveries.push_crl_files[0]"));
  auto optional = load(push + "push_crl_optional = true\n");
  ASSERT_TRUE(optional.has_value());
  EXPECT_TRUE((*optional)->deliveries.push_crl_optional);
  ASSERT_EQ(warnings(**optional).size(), 1u);
  EXPECT_EQ(warnings(**optional)[0].key, "deliveries.push_crl_optional");
  auto with_crls = load(push + "push_crl_files = [\"ca.crl\"]\n");
  ASSERT_TRUE(with_crls.has_value());
  EXPECT_TRUE(warnings(**with_crls).empty());
}

// Verifies each refusal, named by its key.
TEST_F(DeliveriesConfig, RefusesBadValues) {
  EXPECT_THAT(load("[deliveries]\nretention_basis = \"never\"\n"),
              HasProblemAt("deliveries.retention_basis"));
  EXPECT_THAT(load("[deliveries]\nretention_days = -1\n"), HasProblemAt("deliveries.retention_days"));
  EXPECT_THAT(load("[deliveries]\npush_initial_backoff_ms = 5000\npush_max_backoff_ms = 1000\n"),
              HasProblemAt("deliveries.push_initial_backoff_ms"));
  EXPECT_THAT(load("[deliveries]\npush_client_certificate = \"push.crt\"\npush_ca_bundle = \"ca.pem\"\n"),
              HasProblemAt("deliveries.push_client_key"));
  EXPECT_THAT(load("[deliveries]\npush_client_certificate = \"push.crt\"\npush_client_key = \"push.key\"\n"),
              HasProblemAt("deliveries.push_ca_bundle"));
  EXPECT_THAT(load("[deliveries]\npush_ca_bundle = \"missing.pem\"\n"),
              HasProblemAt("deliveries.push_ca_bundle"));
  EXPECT_THAT(load("[deliveries]\nretention_dayz = 3\n"), HasProblemAt("deliveries.retention_dayz"));
  EXPECT_THAT(load("[deliveries]\npush_allow_private_addresses = \"yes\"\n"),
              HasProblemAt("deliveries.push_allow_private_addresses"));
}

// Verifies that the example config, which documents the section, still loads.
TEST_F(DeliveriesConfig, ExampleDocumentsTheSection) {
  std::ifstream in(std::filesystem::path(POORT_SOURCE_DIR) / "config/poort.example.toml");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_NE(text.find("[deliveries]"), std::string::npos);
  EXPECT_NE(text.find("retention_basis = \"release_date\""), std::string::npos);
  EXPECT_NE(text.find("push_allow_private_addresses = false"), std::string::npos);
}

// Verifies that the audit's person-reference retention is bounded on both sides.
TEST_F(DeliveriesConfig, AuditPersonReferenceDaysIsBounded) {
  EXPECT_TRUE(load("[deliveries]\naudit_person_reference_days = 36500\n").has_value());
  EXPECT_THAT(load("[deliveries]\naudit_person_reference_days = 36501\n"),
              HasProblemAt("deliveries.audit_person_reference_days"));
  EXPECT_THAT(load("[deliveries]\naudit_person_reference_days = -1\n"),
              HasProblemAt("deliveries.audit_person_reference_days"));
}

}  // namespace
}  // namespace poort::config

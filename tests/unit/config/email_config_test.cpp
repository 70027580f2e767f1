// The [email] section: off by default, checked completely when enabled.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.hpp"
#include "tests/unit/config/test_pki.hpp"

namespace poort::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;

class EmailConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = test_pki::make_key(test_pki::key_kind::ec_p256);
    auto cert = test_pki::make_self_signed(key.get(), "localhost");
    test_pki::write_file(dir_.path() / "ec.key", test_pki::to_pem(key.get()));
    test_pki::write_file(dir_.path() / "ec.crt", test_pki::to_pem(cert.get()));
    test_pki::write_file(dir_.path() / "password", "secret\n");
  }
  load_result parse_with(std::string_view email) {
    std::string text =
        "[[listener.portal]]\naddresses = [\"127.0.0.1:8443\"]\n"
        "[[listener.portal.certificate]]\ncertificate = \"ec.crt\"\nprivate_key = \"ec.key\"\n";
    text += email;
    return parse(text, dir_.path());
  }
  test_pki::temp_dir dir_;
};

auto problem_at(const std::string& key, const std::string& text) {
  return AllOf(Field(&problem::key, key), Field(&problem::message, HasSubstr(text)));
}

// Verifies that e-mail is off unless configured, and then needs nothing else.
TEST_F(EmailConfig, OffByDefault) {
  auto c = parse_with("");
  ASSERT_TRUE(c);
  EXPECT_FALSE((*c)->email.enabled);
  EXPECT_EQ((*c)->email.max_attempts, 10u);
  EXPECT_EQ((*c)->email.retry_interval, std::chrono::seconds(60));
  auto disabled = parse_with("[email]\nenabled = false\nsmtp_url = \"not checked\"\n");
  EXPECT_TRUE(disabled);
}

// Verifies that a complete enabled section is read into the struct.
TEST_F(EmailConfig, ReadsEnabledSection) {
  auto c = parse_with(
      "[email]\nenabled = true\nsmtp_url = \"smtp://127.0.0.1:2525\"\nfrom = \"poort@justid.test\"\n"
      "administrator_address = \"aansluiten@justid.test\"\nca_bundle = \"ec.crt\"\nusername = \"poort\"\n"
      "password_file = \"password\"\ntimeout_s = 5\nretry_interval_s = 30\nmax_attempts = 3\n");
  ASSERT_TRUE(c) << c.error().front().key << ": " << c.error().front().message;
  const email& e = (*c)->email;
  EXPECT_TRUE(e.enabled);
  EXPECT_EQ(e.smtp_url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(e.from, "poort@justid.test");
  EXPECT_EQ(e.administrator_address, "aansluiten@justid.test");
  EXPECT_EQ(e.ca_bundle, dir_.path() / "ec.crt");
  EXPECT_EQ(e.username, "poort");
  EXPECT_EQ(e.password_file, dir_.path() / "password");
  EXPECT_EQ(e.timeout, std::chrono::seconds(5));
  EXPECT_EQ(e.retry_interval, std::chrono::seconds(30));
  EXPECT_EQ(e.max_attempts, 3u);
}

// Verifies each refusal of an enabled section, all reported at once.
TEST_F(EmailConfig, RefusesIncompleteOrUnsafeSettings) {
  auto missing = parse_with("[email]\nenabled = true\n");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error(), Contains(problem_at("email.smtp_url", "required")));
  EXPECT_THAT(missing.error(), Contains(problem_at("email.from", "required")));

  auto bad = parse_with(
      "[email]\nenabled = true\nsmtp_url = \"smtps://user:pw@relay:465\"\nfrom = \"no-at-sign\"\n"
      "administrator_address = \"a@b@c\"\nusername = \"poort\"\nca_bundle = \"absent.pem\"\n"
      "max_attempts = 0\n");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error(), Contains(problem_at("email.smtp_url", "STARTTLS")));
  EXPECT_THAT(bad.error(), Contains(problem_at("email.from", "e-mail address")));
  EXPECT_THAT(bad.error(), Contains(problem_at("email.administrator_address", "e-mail address")));
  EXPECT_THAT(bad.error(), Contains(problem_at("email.password_file", "required with username")));
  EXPECT_THAT(bad.error(), Contains(Field(&problem::key, "email.ca_bundle")));
  EXPECT_THAT(bad.error(), Contains(Field(&problem::key, "email.max_attempts")));

  auto typo = parse_with("[email]\nenabeld = true\n");
  ASSERT_FALSE(typo);
  EXPECT_THAT(typo.error(), Contains(Field(&problem::key, "email.enabeld")));
}

}  // namespace
}  // namespace poort::config

#include "config/check.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/unit/config/test_pki.hpp"

namespace poort::config {
namespace {

TEST(CheckConfig, SaysSuccessfulAndReturnsZero) {
  test_pki::temp_dir dir;
  auto key = test_pki::make_key(test_pki::key_kind::ec_p256);
  test_pki::write_file(dir / "portal.key", test_pki::to_pem(key.get()));
  test_pki::write_file(dir / "portal.crt",
                       test_pki::to_pem(test_pki::make_self_signed(key.get(), "portal").get()));
  test_pki::write_file(dir / "poort.toml", R"(
[[listener.portal]]
addresses = ["127.0.0.1:0"]
[[listener.portal.certificate]]
certificate = "portal.crt"
private_key = "portal.key"
)");
  std::ostringstream out;
  EXPECT_EQ(check_config_main(dir / "poort.toml", out), 0);
  EXPECT_EQ(out.str(),
            "poortd: configuration file " + (dir / "poort.toml").string() + " test is successful\n");
}

// Verifies that a valid config that weakens a check passes with a warning line.
TEST(CheckConfig, WarnsAboutASystemListenerWithoutCrls) {
  test_pki::temp_dir dir;
  auto key = test_pki::make_key(test_pki::key_kind::ec_p256);
  test_pki::write_file(dir / "system.key", test_pki::to_pem(key.get()));
  test_pki::write_file(dir / "system.crt",
                       test_pki::to_pem(test_pki::make_self_signed(key.get(), "system").get()));
  const std::string listener = R"(
[[listener.system]]
addresses = ["127.0.0.1:0"]
client_ca_bundle = "system.crt"
[[listener.system.certificate]]
certificate = "system.crt"
private_key = "system.key"
)";
  const std::string file = (dir / "poort.toml").string();
  test_pki::write_file(file, listener);
  std::ostringstream refused;
  EXPECT_EQ(check_config_main(file, refused), 1);
  EXPECT_NE(refused.str().find(file + ": listener.system[0].crl_files: is required"), std::string::npos)
      << refused.str();

  test_pki::write_file(
      file, "[[listener.system]]\ncrl_optional = true" + listener.substr(listener.find("\naddresses")));
  std::ostringstream out;
  EXPECT_EQ(check_config_main(file, out), 0) << out.str();
  EXPECT_EQ(out.str(),
            file +
                ": listener.system[0].crl_optional: warning: no CRLs: revoked client certificates are "
                "accepted\npoortd: configuration file " +
                file + " test is successful\n");
}

TEST(CheckConfig, PrintsEveryProblemAndReturnsOne) {
  test_pki::temp_dir dir;
  const std::string file = (dir / "poort.toml").string();
  test_pki::write_file(file, "[store]\nreaders = 0\n");
  std::ostringstream out;
  EXPECT_EQ(check_config_main(file, out), 1);
  EXPECT_EQ(out.str(), file + ": store.readers: must be between 1 and 64 (is 0)\n" + file +
                           ": listener: at least one [[listener.portal]] or [[listener.system]] is required\n"
                           "poortd: configuration file " +
                           file + " test failed\n");
}

TEST(CheckConfig, SyntaxErrorHasNoKey) {
  test_pki::temp_dir dir;
  const std::string file = (dir / "poort.toml").string();
  test_pki::write_file(file, "[store\n");
  std::ostringstream out;
  EXPECT_EQ(check_config_main(file, out), 1);
  EXPECT_EQ(out.str().rfind(file + ": line 1, column ", 0), 0u) << out.str();
}

}  // namespace
}  // namespace poort::config

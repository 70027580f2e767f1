// Integration tests of issue 15's certificate rules against the real poortd:
// revocation of the whole client chain, no system listener without CRLs
// (unless crl_optional), and test OINs refused unless allow_test_oins.
// Intermediate CAs and CRLs come from tests/integration/chain-pki.sh under the
// development PKI's root. Loopback only.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace poort::test {
namespace {

/// The chain PKI (tests/integration/chain-pki.sh), made once per process.
const fs::path& chain_dir() {
  static const temp_dir dir;
  static const bool made = [] {
    const std::string cmd = std::string("bash '") + POORT_SOURCE_DIR + "/tests/integration/chain-pki.sh' '" +
                            dir.path().string() + "' '" + pki::shared().dir.string() + "'";
    return std::system(cmd.c_str()) == 0;
  }();
  EXPECT_TRUE(made);
  return dir.path();
}

std::string slurp(const fs::path& f) {
  std::ifstream in(f);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int run_with_output(const std::string& command, std::string& out) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return WEXITSTATUS(::pclose(p));
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class Certificates : public ::testing::Test {
 protected:
  /// Starts poortd on `text` (written as the config file); false when it does not start.
  bool start(const std::string& text) {
    config_ = dir_.path() / "poort.toml";
    write_file(config_, text);
    daemon_ = std::make_unique<daemon_process>(config_);
    return daemon_->start(std::chrono::seconds(20));
  }
  std::string dump() {
    std::string out;
    if (daemon_)
      for (const auto& l : daemon_->lines()) out += l + "\n";
    return out;
  }
  /// GET `target` on the system listener with the client certificate `client`
  /// (a PKI name, or an absolute path without ".crt"); status 0 when refused.
  response get(const std::string& target, const std::string& client) {
    tls_client c(daemon_->system_port(), client);
    if (c.connect()) return {};
    return c.request(http::verb::get, target);
  }
  std::string metrics() {
    for (int attempt = 0; attempt < 100; ++attempt) {
      tls_client c(daemon_->portal_port());
      if (!c.connect()) {
        auto r = c.request(http::verb::get, "/metrics");
        if (r.status == 200) return r.body;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
  }

  temp_dir dir_;
  fs::path config_;
  std::unique_ptr<daemon_process> daemon_;
};

// Verifies that a client certificate under a revoked intermediate CA is
// refused as revoked (X509_V_FLAG_CRL_CHECK_ALL), while one under a good
// intermediate is accepted; with only the leaf checked it would pass.
TEST_F(Certificates, RevokedIntermediateIsRefused) {
  const fs::path& c = chain_dir();
  const pki& p = pki::shared();
  std::string text = slurp(write_config(dir_.path()));
  text = replace(text, "crl_files = [\"" + p.file("crl.pem").string() + "\"]",
                 "crl_files = [\"" + (c / "root.crl").string() + "\", \"" + (c / "good-ca.crl").string() +
                     "\", \"" + (c / "revoked-ca.crl").string() + "\"]");
  ASSERT_TRUE(start(text)) << dump();

  auto good = get("/api/v1/whoami", (c / "via-good").string());
  ASSERT_EQ(good.status, 200u) << dump();
  EXPECT_EQ(boost::json::parse(good.body).as_object().at("oin").as_string(), p.oin("PI_1"));

  EXPECT_EQ(get("/api/v1/whoami", (c / "via-revoked").string()).status, 0u) << "accepted under a revoked CA";
  EXPECT_NE(metrics().find("poort_connections_refused_total{listener=\"system\",reason=\"revoked\"} 1"),
            std::string::npos)
      << metrics();
  // A certificate straight under the root is checked against the root's CRL too.
  EXPECT_EQ(get("/api/v1/whoami", "pi-1").status, 200u);
}

// Verifies that an intermediate without its own CRL cannot vouch for anyone:
// every CA of the chain needs a CRL.
TEST_F(Certificates, IntermediateWithoutCrlIsRefused) {
  const fs::path& c = chain_dir();
  const pki& p = pki::shared();
  std::string text = slurp(write_config(dir_.path()));
  text = replace(text, "crl_files = [\"" + p.file("crl.pem").string() + "\"]",
                 "crl_files = [\"" + (c / "root.crl").string() + "\"]");
  ASSERT_TRUE(start(text)) << dump();
  EXPECT_EQ(get("/api/v1/whoami", (c / "via-good").string()).status, 0u);
  EXPECT_EQ(get("/api/v1/whoami", "pi-1").status, 200u);
}

// Verifies that a system listener without CRLs does not start, naming the
// key, unless crl_optional = true, which --check-config and the log warn about.
TEST_F(Certificates, SystemListenerWithoutCrlRefusesToStart) {
  daemon_options o;
  o.with_crl = false;
  const std::string optional = slurp(write_config(dir_.path(), o));
  const std::string without = replace(optional, "crl_optional = true\n", "");

  EXPECT_FALSE(start(without)) << "started without CRLs";
  const std::string log = dump();
  EXPECT_NE(log.find("\"config.problem\""), std::string::npos) << log;
  EXPECT_NE(log.find("listener.system[0].crl_files"), std::string::npos) << log;

  std::string out;
  EXPECT_EQ(
      run_with_output(
          binary("daemon/poortd").string() + " --check-config --config '" + config_.string() + "'", out),
      1)
      << out;
  EXPECT_NE(out.find("listener.system[0].crl_files: is required"), std::string::npos) << out;

  daemon_.reset();
  ASSERT_TRUE(start(optional)) << dump();
  EXPECT_NE(dump().find("\"config.warning\""), std::string::npos);
  EXPECT_EQ(get("/api/v1/whoami", "pi-1").status, 200u);
  out.clear();
  EXPECT_EQ(
      run_with_output(
          binary("daemon/poortd").string() + " --check-config --config '" + config_.string() + "'", out),
      0)
      << out;
  EXPECT_NE(out.find("listener.system[0].crl_optional: warning: no CRLs"), std::string::npos) << out;
}

// Verifies that test OINs are refused without allow_test_oins: a party with
// one is a config problem, and a client certificate with one gets 403
// "test_oin" (not a lookup in the registry).
TEST_F(Certificates, TestOinRefusedWithoutTheFlag) {
  daemon_options o;
  o.allow_test_oins = false;
  const std::string text = slurp(write_config(dir_.path(), o));
  EXPECT_FALSE(start(text)) << "started with test OINs in [[party]]";
  EXPECT_NE(dump().find("party[0].oin"), std::string::npos) << dump();
  EXPECT_NE(dump().find("test OIN"), std::string::npos) << dump();

  daemon_.reset();
  ASSERT_TRUE(start(text.substr(0, text.find("[[party]]")))) << dump();
  auto r = get("/api/v1/whoami", "pi-1");
  ASSERT_EQ(r.status, 403u) << dump();
  EXPECT_EQ(boost::json::parse(r.body).as_object().at("code").as_string(), "test_oin");
}

}  // namespace
}  // namespace poort::test

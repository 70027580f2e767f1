#include "tools/poortctl/saml_verify.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "saml_test_util.hpp"

namespace poort::poortctl {
namespace {

namespace test = saml::test;
using test::data_path;

struct outcome {
  int code;
  std::string out;
  std::string err;
};

outcome run(std::vector<std::string> args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  std::ostringstream out, err;
  const int code = saml_verify_main(views, out, err);
  return {code, out.str(), err.str()};
}

std::vector<std::string> base_args(const std::string& response) {
  return {"--response", data_path(response),     "--idp-entity-id", test::idp_entity_id,
          "--idp-cert", data_path("idp-ec.crt"), "--idp-cert",      data_path("idp-rsa.crt"),
          "--sp-key",   data_path("sp.key"),     "--sp-entity-id",  test::sp_entity_id,
          "--acs-url",  test::acs_url,           "--request-id",    test::request_id,
          "--now",      test::now_text};
}

TEST(SamlVerifyCli, PrintsIdentityOnAcceptance) {
  auto r = run(base_args("kvk-rsin.xml"));
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, R"({"accepted":true,"identity":{"nameId":"transient-7f3a9c","actingSubjectId":")"
                   "b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2b3c1d9e2"
                   R"(","kvk":"12345678","rsin":"123456782","vestigingsnr":"000012345678","serviceId":")"
                   "urn:etoegang:DV:00000099000000000002:services:1"
                   R"(","serviceUuid":"8d8a3b31-6a7e-4c5b-9d3e-3f0a2f8c1a01","assurance":")"
                   "urn:etoegang:core:assurance-class:loa3\"}}\n");
}

TEST(SamlVerifyCli, PrintsReasonOnRefusal) {
  auto args = base_args("signed-assertion.xml");
  args.push_back("--min-assurance");
  args.push_back("urn:etoegang:core:assurance-class:loa4");
  auto r = run(args);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(r.out.starts_with(R"({"accepted":false,"reason":"assurance_too_low","detail":")")) << r.out;
  EXPECT_EQ(r.out.find(test::kvk), std::string::npos);
}

TEST(SamlVerifyCli, SkewFlagMovesTheWindow) {
  auto args = base_args("signed-assertion.xml");
  args[args.size() - 1] = "2026-03-01T10:04:30Z";  // past NotOnOrAfter, inside the default 60 s
  EXPECT_EQ(run(args).code, 0);
  args.push_back("--max-skew-s=0");
  auto r = run(args);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("\"reason\":\"expired\""), std::string::npos) << r.out;
}

TEST(SamlVerifyCli, UsageErrorsExitTwo) {
  EXPECT_EQ(run({}).code, 2);
  auto args = base_args("signed-assertion.xml");
  args.resize(args.size() - 2);  // no --now
  EXPECT_EQ(run(args).code, 2);
  args = base_args("no-such-file.xml");
  EXPECT_EQ(run(args).code, 2);
  args = base_args("signed-assertion.xml");
  args.push_back("--bogus");
  args.push_back("1");
  EXPECT_EQ(run(args).code, 2);
}

TEST(SamlVerifyCli, ReplayDbRemembersAcrossCalls) {
  const auto db =
      std::filesystem::path{POORT_BINARY_DIR} / ("saml-replay-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(db);
  auto args = base_args("signed-assertion.xml");
  EXPECT_EQ(run(args).code, 0);
  EXPECT_EQ(run(args).code, 0) << "without --replay-db every call has a fresh cache";
  args.push_back("--replay-db");
  args.push_back(db.string());
  EXPECT_EQ(run(args).code, 0);
  auto again = run(args);
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.out.find("\"reason\":\"replayed\""), std::string::npos) << again.out;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
}

}  // namespace
}  // namespace poort::poortctl

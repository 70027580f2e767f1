// The access policy of the onboarding routes: every route against every kind
// of caller, checked against one table. A caller is refused when the answer
// is 401 (not logged in), 403 (wrong role, other organisation, CSRF) or
// 404/405 from the router (the route does not exist on its listener); any
// other answer means the access check let it through to the rules.
#include "store/onboarding.hpp"

#include <gtest/gtest.h>

#include <set>

#include "routing/onboarding_routes.hpp"
#include "tests/unit/routing/onboarding_test_util.hpp"

namespace poort::routing::test {
namespace {

using namespace std::chrono_literals;

const std::set<std::string> everyone = {
    "anonymous",   "casework A",    "signatory A",        "casework B",
    "signatory B", "administrator", "prison certificate", "municipal system certificate"};
const std::set<std::string> logged_in = {"casework A", "signatory A", "casework B", "signatory B",
                                         "administrator"};
const std::set<std::string> admin = {"administrator"};

/// Route name -> the callers it allows. Paths use municipality A, so B's
/// users must be refused wherever A's own are allowed.
const std::map<std::string, std::set<std::string>> policy = {
    {"openapi", everyone},
    {"onboarding.cohorts.list", logged_in},
    {"onboarding.cohorts.read", logged_in},
    {"onboarding.cohorts.create", admin},
    {"onboarding.cohorts.edit", admin},
    {"onboarding.cohorts.close", admin},
    {"onboarding.conditions.list", logged_in},
    {"onboarding.conditions.read", logged_in},
    {"onboarding.conditions.publish", admin},
    {"onboarding.municipalities.list", admin},
    {"onboarding.read", {"casework A", "signatory A", "administrator"}},
    {"onboarding.register", {"casework A"}},
    {"onboarding.conditions.accept", {"casework A"}},
    {"onboarding.application.save", {"casework A"}},
    {"onboarding.sign", {"signatory A"}},
    {"onboarding.review", admin},
    {"onboarding.status", admin},
};

bool owned_by_onboarding(const std::string& name) {
  return name == "openapi" || name.starts_with("onboarding.");
}

std::string fill(std::string pattern, const std::string& cohort) {
  const auto replace = [&](std::string_view from, std::string_view to) {
    if (auto at = pattern.find(from); at != std::string::npos) pattern.replace(at, from.size(), to);
  };
  replace("{gemeentecode}", code_a);
  replace("{cohortId}", cohort);
  replace("{versie}", "2026-1");
  return pattern;
}

/// A body that passes the route's parsing, so that only access decides.
std::string body_for(const std::string& name, const std::string& cohort) {
  if (name == "onboarding.cohorts.create" || name == "onboarding.cohorts.edit")
    return R"({"naam":"Regulier 2027","soort":"REGULAR","opentOp":"2026-09-01T00:00:00Z",)"
           R"("sluitOp":"2026-12-01T00:00:00Z","capaciteit":50,"aansluitenOp":"2027-01-01T00:00:00Z"})";
  if (name == "onboarding.conditions.publish") return R"({"versie":"2026-9","tekst":"Nieuwe voorwaarden"})";
  if (name == "onboarding.register") return R"({"cohortId":")" + cohort + R"("})";
  if (name == "onboarding.conditions.accept")
    return R"({"versie":"2026-1","sha256":")" + std::string(64, '0') + R"("})";
  if (name == "onboarding.application.save")
    return R"({"nazorgcoordinator":{"naam":"A. Bakker","email":"nazorg@amsterdam.example.nl","telefoon":"020-5551234"},)"
           R"("ontvangtDetentiemeldingen":true,"ontvangtInformatiebladen":false,)"
           R"("systeemcertificaat":{"pem":"PEM:00000001002564440000a"}})";
  if (name == "onboarding.sign") return R"({"aanvraagSha256":")" + std::string(64, '0') + R"("})";
  if (name == "onboarding.review") return R"({"besluit":"AFWIJZEN","reden":"Onvolledig"})";
  if (name == "onboarding.status") return R"({"actie":"OPSCHORTEN","reden":"Onderhoud"})";
  return "";
}

class OnboardingAccess : public ::testing::Test {
 protected:
  void SetUp() override {
    auto admin_user = make_user(auth::role::administrator, "", "admin-setup");
    caller a{"setup", listener_kind::portal, admin_user, std::nullopt};
    auto created = env_.call(
        a, http::verb::post, "/api/v1/cohorten",
        R"({"naam":"Pilot","soort":"PILOT","opentOp":"2026-01-01T00:00:00Z",)"
        R"("sluitOp":"2027-01-01T00:00:00Z","capaciteit":5,"aansluitenOp":"2027-02-01T00:00:00Z"})");
    ASSERT_EQ(created.result_int(), 201u) << created.body();
    cohort_ = std::string(body_of(created).at("id").as_string());
    auto published = env_.call(a, http::verb::post, "/api/v1/aansluitvoorwaarden",
                               R"({"versie":"2026-1","tekst":"Aansluitvoorwaarden 2026-1"})");
    ASSERT_EQ(published.result_int(), 201u) << published.body();
  }

  onboarding_app env_;
  std::string cohort_;
};

// Verifies that every onboarding route is in the policy table, and every table entry is a route.
TEST_F(OnboardingAccess, TableCoversEveryRoute) {
  std::set<std::string> routes;
  for (const auto& r : env_.application().routes().routes())
    if (owned_by_onboarding(r.name)) routes.insert(r.name);
  std::set<std::string> table;
  for (const auto& [name, allowed] : policy) table.insert(name);
  EXPECT_EQ(routes, table);
}

// Verifies every route against every kind of caller: allowed or refused exactly as the table says.
TEST_F(OnboardingAccess, EveryRouteAgainstEveryCaller) {
  env_.clock.set(*parse_rfc3339("2026-06-01T12:00:00Z"));
  for (const auto& r : env_.application().routes().routes()) {
    if (!owned_by_onboarding(r.name)) continue;
    const auto& allowed = policy.at(r.name);
    for (const auto& who : all_callers()) {
      const std::string target = fill(r.pattern, cohort_);
      auto res = env_.call(who, r.method, target, body_for(r.name, cohort_));
      const unsigned status = res.result_int();
      const bool refused = status == 401 || status == 403 || status == 404 || status == 405;
      // A 404 from a handler (an unknown object) would hide a refusal: the
      // objects named in the paths all exist, so a 404 here is the router's.
      EXPECT_EQ(!refused, allowed.contains(who.name))
          << r.name << " " << target << " as " << who.name << ": " << status << " " << res.body();
      if (refused && who.listener == listener_kind::portal) {
        EXPECT_EQ(res[http::field::content_type], "application/problem+json") << r.name << " as " << who.name;
      }
    }
  }
}

// Verifies that a user of B is refused on A's municipality with the Dutch reason, and A's state stays
// unchanged.
TEST_F(OnboardingAccess, NoCallerReadsOrChangesAnotherMunicipality) {
  env_.clock.set(*parse_rfc3339("2026-06-01T12:00:00Z"));
  const auto callers = all_callers();
  const caller& cw_b = callers[3];
  auto read = env_.call(cw_b, http::verb::get, "/api/v1/gemeenten/GM0363/aansluiting");
  ASSERT_EQ(read.result_int(), 403u);
  EXPECT_EQ(body_of(read).at("code").as_string(), "other_organisation");
  EXPECT_EQ(body_of(read).at("detail").as_string(),
            "U bent ingelogd voor een andere organisatie dan deze gemeente.");
  EXPECT_EQ(read.body().find("Amsterdam"), std::string::npos);
  auto reg = env_.call(cw_b, http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding",
                       R"({"cohortId":")" + cohort_ + R"("})");
  EXPECT_EQ(reg.result_int(), 403u);
  // A user whose login names B but who targets A by KvK/RSIN cannot get past the domain either.
  auto state = env_.db().read([](store::reader& r) -> result<domain::onboarding> {
    auto m = store::find_municipality(r, code_a, "2026-06-01");
    if (!m) return m.error();
    return store::load_onboarding(r, (*m)->id);
  });
  ASSERT_TRUE(state);
  EXPECT_EQ(state->status, domain::municipality_status::not_registered);
}

// Verifies that state-changing requests without the session's CSRF token are refused.
TEST_F(OnboardingAccess, StateChangesNeedTheCsrfToken) {
  auto cw = make_user(auth::role::casework, code_a, "cw-a");
  cw.csrf_token = "the-real-token";
  env_.users[cw.pseudonym] = cw;
  request req{http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding", 11};
  req.set(http::field::content_type, "application/json");
  req.set("X-Test-User", cw.pseudonym);
  req.set("X-CSRF-Token", "forged");
  req.body() = R"({"cohortId":")" + cohort_ + R"("})";
  req.prepare_payload();
  request_context ctx;
  auto res = env_.application().handle(
      env_.application().find(listener_kind::portal, http::verb::post, std::string(req.target())), req, ctx);
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(body_of(res).at("code").as_string(), "csrf_token_invalid");
}

}  // namespace
}  // namespace poort::routing::test

// The administrators' routes over a real store: the audit trail search
// (filters, newest first, cursor paging, limits, the search audited) and a
// new attempt for a push that gave up.
#include <gtest/gtest.h>

#include "store/audit.hpp"
#include "store/deliveries.hpp"
#include "tests/unit/routing/portal_test_env.hpp"

namespace poort::routing::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class BeheerRoutes : public ::testing::Test {
 protected:
  response get(const std::string& target) { return env_.call(env_.admin(), http::verb::get, target); }
  response requeue(std::string_view id) {
    return env_.call(env_.admin(), http::verb::post,
                     "/api/v1/beheer/uitgaande-berichten/" + std::string(id) + "/nieuwe-poging");
  }
  /// Appends a record straight to the chain.
  void append(std::string action, std::string object, std::string actor) {
    ASSERT_TRUE(env_.db().write([&](store::transaction& tx) -> result<void> {
      auto ok =
          store::append_audit(tx, {action, object, "success", "192.0.2.7", actor, "r", env_.clock.now()});
      if (!ok) return ok.error();
      return {};
    }));
    env_.clock.advance(1s);
  }
  std::vector<std::string> actions(const json::value& page) {
    std::vector<std::string> out;
    for (const auto& r : page.at("auditregels").as_array()) out.emplace_back(r.at("actie").as_string());
    return out;
  }
  std::string code_of(const response& r) { return std::string(body_of(r).at("code").as_string()); }
  store::outbox_item outbox_item() {
    auto all = env_.db().read([](store::reader& r) { return store::list_outbox(r, "", 10); });
    EXPECT_TRUE(all && all->size() == 1);
    return all && !all->empty() ? all->front() : store::outbox_item{};
  }

  portal_env env_;
};

// Verifies each filter, the newest-first order, the row shape and that volgende pages to the end.
TEST_F(BeheerRoutes, AuditSearchFiltersAndPagesNewestFirst) {
  const auto start = env_.clock.now();
  for (int i = 0; i < 5; ++i) append("test.a", "gemeente:GM0363", "user:eherkenning:x");
  append("test.b", "gemeente:GM0599", "party:00000099000020010000");
  append("test.b", "", "user:eherkenning:y");

  auto by_action = get("/api/v1/beheer/auditregels?actie=test.a&limiet=2");
  ASSERT_EQ(by_action.result_int(), 200u) << by_action.body();
  auto page = body_of(by_action);
  ASSERT_EQ(page.at("auditregels").as_array().size(), 2u);
  const auto& first = page.at("auditregels").as_array()[0].as_object();
  EXPECT_EQ(first.at("actie").as_string(), "test.a");
  EXPECT_EQ(first.at("object").as_string(), "gemeente:GM0363");
  EXPECT_EQ(first.at("resultaat").as_string(), "success");
  EXPECT_EQ(first.at("herkomst").as_string(), "192.0.2.7");
  EXPECT_EQ(first.at("actor").as_string(), "user:eherkenning:x");
  EXPECT_EQ(first.at("requestId").as_string(), "r");
  EXPECT_EQ(first.at("tijdstip").as_string(), format_rfc3339(start + 4s, true));
  std::vector<std::int64_t> seen;
  for (auto cursor = page.at("volgende"); !cursor.is_null();) {
    for (const auto& r : page.at("auditregels").as_array()) seen.push_back(r.at("volgnummer").as_int64());
    auto next = get("/api/v1/beheer/auditregels?actie=test.a&limiet=2&na=" + json::serialize(cursor));
    ASSERT_EQ(next.result_int(), 200u);
    page = body_of(next);
    cursor = page.at("volgende");
  }
  for (const auto& r : page.at("auditregels").as_array()) seen.push_back(r.at("volgnummer").as_int64());
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_TRUE(std::ranges::is_sorted(seen, std::greater<>{})) << "newest first, no record twice";

  EXPECT_EQ(actions(body_of(get("/api/v1/beheer/auditregels?object=gemeente%3AGM0599"))),
            std::vector<std::string>{"test.b"});
  auto by_actor = body_of(get("/api/v1/beheer/auditregels?actor=user%3Aeherkenning%3Ay"));
  ASSERT_EQ(by_actor.at("auditregels").as_array().size(), 1u);
  EXPECT_TRUE(by_actor.at("auditregels").as_array()[0].at("object").is_null());
  EXPECT_TRUE(by_actor.at("volgende").is_null());
  // van inclusive, tot exclusive.
  auto window = body_of(get("/api/v1/beheer/auditregels?actie=test.a&van=" + format_rfc3339(start + 1s) +
                            "&tot=" + format_rfc3339(start + 3s)));
  EXPECT_EQ(window.at("auditregels").as_array().size(), 2u);
  // Empty parameters (an empty form field) filter nothing; the default page is 50.
  auto all = body_of(get("/api/v1/beheer/auditregels?actie=&object=&actor=&van=&tot="));
  EXPECT_GE(all.at("auditregels").as_array().size(), 7u);
}

// Verifies that every search is itself in the audit trail, as a read by the administrator.
TEST_F(BeheerRoutes, AuditSearchIsAudited) {
  ASSERT_EQ(get("/api/v1/beheer/auditregels?actie=login").result_int(), 200u);
  auto page = body_of(get("/api/v1/beheer/auditregels?actie=audit.search"));
  // The first search; the second is recorded after its own result was read.
  ASSERT_EQ(page.at("auditregels").as_array().size(), 1u);
  const auto& r = page.at("auditregels").as_array()[0];
  EXPECT_EQ(r.at("actor").as_string(), env_.session_of(env_.admin()).who.actor());
  EXPECT_EQ(r.at("resultaat").as_string(), "success");
  EXPECT_EQ(r.at("herkomst").as_string(), "192.0.2.10");
}

// Verifies the refusal of each bad parameter, with its pointer and code, and that nothing is audited.
TEST_F(BeheerRoutes, AuditSearchRefusesBadParameters) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"limiet=0", "/query/limiet"},   {"limiet=201", "/query/limiet"},
      {"limiet=x", "/query/limiet"},   {"na=0", "/query/na"},
      {"na=-3", "/query/na"},          {"van=2026-06-01", "/query/van"},
      {"tot=gisteren", "/query/tot"},  {"actie=" + std::string(65, 'a'), "/query/actie"},
      {"actor=a%0Ab", "/query/actor"}, {"soort=x", "/query"},
  };
  for (const auto& [query, pointer] : cases) {
    auto res = get("/api/v1/beheer/auditregels?" + query);
    ASSERT_EQ(res.result_int(), 400u) << query;
    EXPECT_EQ(code_of(res), "invalid_query") << query;
    EXPECT_EQ(body_of(res).at("invalidParams").as_array()[0].at("pointer").as_string(), pointer) << query;
  }
  auto searches = env_.db().read([](store::reader& r) {
    store::audit_filter f;
    f.action = "audit.search";
    return store::query_audit(r, f);
  });
  ASSERT_TRUE(searches);
  EXPECT_TRUE(searches->empty());
  EXPECT_EQ(get("/api/v1/beheer/auditregels?limiet=200").result_int(), 200u);
}

// Verifies the new attempt: a push that gave up is due again now (202), to the municipality's
// current endpoint, the worker is woken and the request is audited.
TEST_F(BeheerRoutes, RequeueGivesAGivenUpPushANewAttempt) {
  env_.stage(portal_env::level::delivered);
  ASSERT_EQ(outbox_item().status, "OPGEGEVEN");
  env_.clock.advance(1min);
  const int woken = env_.pushes_queued;
  auto res = requeue(message_id);
  ASSERT_EQ(res.result_int(), 202u) << res.body();
  auto body = body_of(res);
  EXPECT_EQ(body.at("berichtId").as_string(), message_id);
  EXPECT_EQ(body.at("status").as_string(), "WACHTEND");
  EXPECT_EQ(body.at("volgendePogingOp").as_string(), format_rfc3339(env_.clock.now(), true));
  EXPECT_EQ(env_.pushes_queued, woken + 1);
  auto due = env_.db().read([&](store::reader& r) { return store::due_outbox(r, env_.clock.now(), 10); });
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().endpoint, "https://nazorg.amsterdam.example.nl/poort");
  auto audit = body_of(get("/api/v1/beheer/auditregels?actie=delivery.push.requeue"));
  ASSERT_EQ(audit.at("auditregels").as_array().size(), 1u);
  EXPECT_EQ(audit.at("auditregels").as_array()[0].at("object").as_string(),
            "bericht:" + std::string(message_id));
  EXPECT_EQ(audit.at("auditregels").as_array()[0].at("resultaat").as_string(), "success");

  // Waiting again: a second request is a conflict, audited as refused.
  auto again = requeue(message_id);
  EXPECT_EQ(again.result_int(), 409u);
  EXPECT_EQ(code_of(again), "push_not_given_up");
  EXPECT_EQ(env_.pushes_queued, woken + 1);
}

// Verifies the refusals: unknown id (404), delivered push (409), a municipality no longer
// connected, without endpoint or with an invalid stored one (409); none changes the item.
TEST_F(BeheerRoutes, RequeueRefusals) {
  env_.stage(portal_env::level::delivered);
  const int woken = env_.pushes_queued;
  EXPECT_EQ(requeue("11111111-2222-4333-8444-999999999999").result_int(), 404u);
  EXPECT_EQ(requeue("not-a-uuid").result_int(), 404u);

  auto suspended = env_.call(env_.admin(), http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging",
                             R"({"actie":"OPSCHORTEN","reden":"Onderhoud"})");
  ASSERT_EQ(suspended.result_int(), 200u) << suspended.body();
  auto res = requeue(message_id);
  EXPECT_EQ(res.result_int(), 409u);
  EXPECT_EQ(code_of(res), "not_connected");
  ASSERT_EQ(env_.call(env_.admin(), http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging",
                      R"({"actie":"HERAANSLUITEN"})")
                .result_int(),
            200u);
  auto off = env_.call(env_.signatory_a(), http::verb::put, "/api/v1/gemeenten/GM0363/instellingen",
                       R"({"wilDetentiemeldingen":true,"wilInformatiebladen":true,"pushEndpoint":null})");
  ASSERT_EQ(off.result_int(), 200u) << off.body();
  res = requeue(message_id);
  EXPECT_EQ(res.result_int(), 409u);
  EXPECT_EQ(code_of(res), "push_endpoint_missing");

  // An endpoint stored before the https rule (the portal no longer accepts
  // one) is refused too: a new attempt would only fail again.
  ASSERT_TRUE(env_.db().write([](store::transaction& tx) -> result<void> {
    auto st = tx.prepare("UPDATE gemeenten SET push_endpoint = ? WHERE gemeentecode = 'GM0363'");
    if (!st) return st.error();
    st->bind(1, std::string_view("http://nazorg.amsterdam.example.nl/poort"));
    return st->run();
  }));
  res = requeue(message_id);
  EXPECT_EQ(res.result_int(), 409u);
  EXPECT_EQ(code_of(res), "push_endpoint_invalid");
  auto audit = body_of(get("/api/v1/beheer/auditregels?actie=delivery.push.requeue&limiet=1"));
  EXPECT_EQ(audit.at("auditregels").as_array()[0].at("resultaat").as_string(), "denied:endpoint_invalid");
  EXPECT_EQ(outbox_item().status, "OPGEGEVEN");
  EXPECT_EQ(env_.pushes_queued, woken);
}

}  // namespace
}  // namespace poort::routing::test

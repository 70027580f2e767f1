// auth's login logic (auth/login.hpp) against an in-memory session store:
// which AuthnRequest begin() records, and how finish() consumes it, checks
// the replay cache and finds the municipality, without a database or an IdP
// (responses are built and signed as saml_test's fixtures are, and come by
// the HTTP-POST binding). The whole login on the real daemon:
// tests/integration/login_test.cpp.

#include "auth/login.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "common/encoding.hpp"
#include "common/random.hpp"
#include "memory_session_store.hpp"
#include "saml_test_util.hpp"
#include "store/error.hpp"

namespace poort::auth {
namespace {

namespace fixture = saml::test;
using std::chrono::seconds;

constexpr char relay_state[] = "relay-state-0123456789";

std::shared_ptr<const config::config> make_config() {
  auto cfg = std::make_shared<config::config>();
  cfg->saml.enabled = true;
  cfg->saml.entity_id = fixture::sp_entity_id;
  cfg->saml.base_url = "https://poort.test";  // the ACS of the fixtures: https://poort.test/saml/acs
  cfg->saml.services = {{"casework", 1, fixture::service_id, fixture::service_uuid, "Casework", ""},
                        {"admin", 3, "urn:etoegang:DV:00000099000000000002:services:3",
                         "5b8e2f41-9c3a-4d7e-8f12-3a4b5c6d7e8f", "Beheer", ""}};
  config::identity_provider broker;
  broker.name = "broker";
  broker.role_mapping = "municipality";
  broker.accept_post_binding = true;  // the cases post the Response (HTTP-POST binding)
  cfg->saml.identity_providers = {broker};
  return cfg;
}

class LoginLogic : public ::testing::Test {
 protected:
  LoginLogic() {
    clock_.set(fixture::at(fixture::now_text));
    auto cfg = make_config();
    idp_profile broker;
    broker.config = cfg->saml.identity_providers[0];
    broker.entity_id = fixture::idp_entity_id;
    broker.sso_redirect_url = "https://idp.test/sso";
    broker.validator = std::make_shared<const saml::response_validator>(fixture::make_validator());
    auto key = saml::signing_key::create(fixture::private_key("sp.key"), fixture::certificate("sp.crt"));
    EXPECT_TRUE(key) << key.error().message();
    std::vector<idp_profile> idps;
    idps.push_back(std::move(broker));
    flow_ = std::make_unique<login_flow>(cfg, std::move(*key), std::move(idps), store_, clock_, rng_);
    store_->by_kvk[fixture::kvk] = "GM0193";
  }

  /// A pending AuthnRequest as begin() would have stored it, created `age` ago.
  void pending(const std::string& request_id, const std::string& relay, seconds age = seconds(0)) {
    store::authn_request_record r;
    r.request_id = request_id;
    r.relay_state = relay;
    r.target = "/berichten";
    r.service = "casework";
    r.idp = "broker";
    r.created_at = clock_.now() - age;
    store_->requests[request_id] = r;
  }

  /// The ACS input of a signed response to `request_id` (HTTP-POST binding).
  static acs_input posted(const std::string& request_id, const std::string& relay,
                          const std::string& assertion_id = "_built-assertion") {
    fixture::response_spec spec;
    spec.in_response_to = request_id;
    spec.bearer_in_response_to = request_id;
    spec.assertion_id = assertion_id;
    acs_input in;
    in.saml_response = base64_encode(fixture::build_response(spec));
    in.relay_state = relay;
    return in;
  }

  login_result<login_success> finish(const acs_input& in) {
    return flow_->finish(in, [](const soap_call&) -> result<std::string> {
      ADD_FAILURE() << "no artifact resolution expected";
      return make_error_code(common_error::io_error);
    });
  }

  fake_clock clock_;
  fake_random rng_;
  std::shared_ptr<test::memory_session_store> store_ = std::make_shared<test::memory_session_store>();
  std::unique_ptr<login_flow> flow_;
};

// Verifies that begin() stores the request it sends: its ID, a RelayState,
// the return path, the service and the IdP, at the current time.
TEST_F(LoginLogic, BeginStoresTheRequest) {
  auto url = flow_->begin("casework", "", "/berichten");
  ASSERT_TRUE(url) << url.error().reason;
  EXPECT_TRUE(url->starts_with("https://idp.test/sso?SAMLRequest=")) << *url;
  ASSERT_EQ(store_->requests.size(), 1u);
  const auto& r = store_->requests.begin()->second;
  EXPECT_EQ(r.target, "/berichten");
  EXPECT_EQ(r.service, "casework");
  EXPECT_EQ(r.idp, "broker");
  EXPECT_EQ(r.created_at, clock_.now());
  EXPECT_FALSE(r.consumed_at);
  EXPECT_NE(url->find("RelayState=" + r.relay_state), std::string::npos);
}

// Verifies begin()'s refusals before anything is stored.
TEST_F(LoginLogic, BeginRefusesUnknownServiceIdpAndTarget) {
  EXPECT_EQ(flow_->begin("other", "", "/").error().reason, "service_unknown");
  EXPECT_EQ(flow_->begin("casework", "", "https://evil.example/").error().reason, "target_invalid");
  EXPECT_EQ(flow_->begin("casework", "nobody", "/").error().reason, "idp_unknown");
  EXPECT_EQ(flow_->begin("admin", "", "/").error().reason, "idp_unknown");  // no administrator IdP
  EXPECT_TRUE(store_->requests.empty());
}

// Verifies that begin() purges expired requests and replay entries, and
// refuses with 503 when the store holds too many pending requests.
TEST_F(LoginLogic, BeginPurgesAndCapsPendingRequests) {
  pending("_old", "relay-state-old-0000000", seconds(901));
  store_->assertion_ids["_gone"] = clock_.now();
  ASSERT_TRUE(flow_->begin("casework", "", "/"));
  EXPECT_FALSE(store_->requests.contains("_old"));
  EXPECT_FALSE(store_->assertion_ids.contains("_gone"));

  for (std::int64_t i = static_cast<std::int64_t>(store_->requests.size());
       i < login_flow::max_pending_requests; ++i)
    pending("_r" + std::to_string(i), "relay-state-r" + std::to_string(i + 1'000'000'000));
  auto full = flow_->begin("casework", "", "/");
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().reason, "too_many_pending");
  EXPECT_EQ(full.error().status, 503);
  EXPECT_EQ(full.error().page, login_page::unavailable);
}

// Verifies a login through the interface: the request consumed, the
// assertion ID recorded, the municipality found by KvK number.
TEST_F(LoginLogic, FinishConsumesRecordsAndFindsMunicipality) {
  pending(fixture::request_id, relay_state);
  auto ok = finish(posted(fixture::request_id, relay_state));
  ASSERT_TRUE(ok) << ok.error().reason << ": " << ok.error().detail;
  EXPECT_EQ(ok->target, "/berichten");
  EXPECT_EQ(ok->who.role, role::casework);
  EXPECT_EQ(ok->who.gemeentecode, "GM0193");
  EXPECT_EQ(ok->who.idp, "broker");
  EXPECT_TRUE(store_->requests.at(fixture::request_id).consumed_at);
  EXPECT_TRUE(store_->assertion_ids.contains("_built-assertion"));
  EXPECT_TRUE(store_->sessions.empty());  // sessions are session_manager's
}

// Verifies that an organisation that is no municipality in the registry is
// refused with its own page, the actor known by then.
TEST_F(LoginLogic, FinishRefusesUnknownOrganisation) {
  store_->by_kvk.clear();
  pending(fixture::request_id, relay_state);
  auto unknown = finish(posted(fixture::request_id, relay_state));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().reason, "organisation_unknown");
  EXPECT_EQ(unknown.error().page, login_page::unknown_organisation);
  EXPECT_EQ(unknown.error().status, 403);
  EXPECT_EQ(unknown.error().actor, "user:broker:subject-1");
}

// Verifies that an assertion ID recorded in the store is a replay, even for
// another (pending) request.
TEST_F(LoginLogic, FinishRefusesAReplayedAssertion) {
  pending(fixture::request_id, relay_state);
  ASSERT_TRUE(finish(posted(fixture::request_id, relay_state)));
  pending("_req-0002", "relay-state-second-0000");
  auto again = finish(posted("_req-0002", "relay-state-second-0000"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "replayed");
}

// Verifies the RelayState and request checks: missing, unknown, answered
// before, and older than saml.request_lifetime_s.
TEST_F(LoginLogic, FinishRefusesUnknownConsumedAndExpiredRequests) {
  EXPECT_EQ(finish(posted(fixture::request_id, "short")).error().reason, "relay_state_missing");
  EXPECT_EQ(finish(posted(fixture::request_id, relay_state)).error().reason, "relay_state_unknown");

  pending(fixture::request_id, relay_state);
  acs_input nothing;
  nothing.relay_state = relay_state;
  auto missing = finish(nothing);
  EXPECT_EQ(missing.error().reason, "message_missing");
  EXPECT_EQ(missing.error().service, "casework");
  EXPECT_EQ(finish(posted(fixture::request_id, relay_state)).error().reason, "request_consumed");

  pending("_req-0002", "relay-state-second-0000", seconds(901));
  EXPECT_EQ(finish(posted("_req-0002", "relay-state-second-0000")).error().reason, "request_expired");
}

// Verifies that a store that cannot be reached gives the "unavailable" page
// (503) in begin() and finish(), never a login.
TEST_F(LoginLogic, StoreFailureIsUnavailable) {
  pending(fixture::request_id, relay_state);
  store_->fail_with = make_error_code(store::error::busy);
  auto begun = flow_->begin("casework", "", "/");
  ASSERT_FALSE(begun);
  EXPECT_EQ(begun.error().reason, "store_unavailable");
  EXPECT_EQ(begun.error().status, 503);
  auto finished = finish(posted(fixture::request_id, relay_state));
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().reason, "store_unavailable");
  EXPECT_EQ(finished.error().page, login_page::unavailable);
  EXPECT_FALSE(store_->requests.at(fixture::request_id).consumed_at);
}

}  // namespace
}  // namespace poort::auth

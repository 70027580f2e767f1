// A municipality's settings over a real store: what GET shows, what a
// signatory's PUT changes (and what the system listener then recognises),
// that later onboarding transitions keep it, and every refusal.
#include <gtest/gtest.h>

#include "store/audit.hpp"
#include "store/deliveries.hpp"
#include "store/onboarding.hpp"
#include "tests/unit/routing/portal_test_env.hpp"

namespace poort::routing::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using level = portal_env::level;

const std::string settings_path = "/api/v1/gemeenten/GM0363/instellingen";

std::string fingerprint(std::string_view pem) {
  auto cert = parse_certificate_pem(pem);
  return cert ? certificate_fingerprint_sha256(cert->get()) : std::string{};
}

class SettingsRoutes : public ::testing::Test {
 protected:
  response get(const caller& who) { return env_.call(who, http::verb::get, settings_path); }
  response put(const std::string& body, const caller* who = nullptr) {
    return env_.call(who ? *who : env_.signatory_a(), http::verb::put, settings_path, body);
  }
  static std::string body(bool meldingen, bool bladen, std::string endpoint, std::string pem = {}) {
    std::string b = R"({"wilDetentiemeldingen":)" + std::string(meldingen ? "true" : "false") +
                    R"(,"wilInformatiebladen":)" + std::string(bladen ? "true" : "false") +
                    R"(,"pushEndpoint":)" + (endpoint.empty() ? "null" : json_string(endpoint));
    if (!pem.empty()) b += R"(,"systeemcertificaatPem":)" + json_string(pem);
    return b + "}";
  }
  /// Whether the system listener would recognise a certificate of A with this fingerprint.
  bool recognised(const std::string& sha256) {
    auto found = env_.db().read([&](store::reader& r) {
      return store::find_connected_system(r, oin_a, sha256, store::day_of(env_.clock.now()));
    });
    EXPECT_TRUE(found);
    return found && found->has_value();
  }
  std::string code_of(const response& r) { return std::string(body_of(r).at("code").as_string()); }
  std::string first_param(const response& r) {
    const auto body = body_of(r);
    const auto& p = body.at("invalidParams").as_array().at(0);
    return std::string(p.at("pointer").as_string()) + " " + std::string(p.at("code").as_string());
  }

  portal_env env_;
};

// Verifies GET for A's users and an administrator: the application's settings, its certificate
// (fingerprint, and the subject and validity read from the PEM pasted in the application),
// and whether a change is possible.
TEST_F(SettingsRoutes, GetShowsTheSettingsInForce) {
  env_.stage(level::connected);
  for (const auto& who : {env_.casework_a(), env_.signatory_a(), env_.admin()}) {
    auto res = get(who);
    ASSERT_EQ(res.result_int(), 200u) << who.name << " " << res.body();
    auto o = body_of(res);
    EXPECT_EQ(o.at("gemeentecode").as_string(), "GM0363");
    EXPECT_TRUE(o.at("wilDetentiemeldingen").as_bool());
    EXPECT_TRUE(o.at("wilInformatiebladen").as_bool());
    EXPECT_EQ(o.at("pushEndpoint").as_string(), "https://nazorg.amsterdam.example.nl/poort");
    EXPECT_EQ(o.at("systeemcertificaat").at("vingerafdruk").as_string(),
              fingerprint(env_.application_certificate));
    // Issue 17: no longer "Onbekend" for a certificate pasted in full with the application.
    const auto& cert = o.at("systeemcertificaat");
    ASSERT_TRUE(cert.at("onderwerp").is_string()) << cert;
    EXPECT_NE(std::string_view(cert.at("onderwerp").as_string()).find("CN=systeem.test"),
              std::string_view::npos)
        << cert;
    EXPECT_NE(std::string_view(cert.at("onderwerp").as_string()).find(oin_a), std::string_view::npos) << cert;
    ASSERT_TRUE(cert.at("geldigTot").is_string()) << cert;
    auto until = parse_rfc3339(cert.at("geldigTot").as_string());
    ASSERT_TRUE(until);
    EXPECT_GT(*until, std::chrono::system_clock::now() + std::chrono::days(300));
    EXPECT_TRUE(o.at("wijzigbaar").as_bool());
  }
}

// Verifies a signatory's change: the new settings are in force, the new certificate's details
// are shown, the system listener recognises the new certificate and no longer the old one, and
// the change is audited.
TEST_F(SettingsRoutes, SignatoryChangesSettingsAndCertificate) {
  env_.stage(level::connected);
  const std::string old_sha = fingerprint(env_.application_certificate);
  ASSERT_TRUE(recognised(old_sha));
  const std::string pem = certificate_pem(oin_a, "systeem-2.test");
  auto res = put(body(false, true, "https://nieuw.amsterdam.example.nl/poort", pem));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  auto o = body_of(res);
  EXPECT_FALSE(o.at("wilDetentiemeldingen").as_bool());
  EXPECT_TRUE(o.at("wilInformatiebladen").as_bool());
  EXPECT_EQ(o.at("pushEndpoint").as_string(), "https://nieuw.amsterdam.example.nl/poort");
  const auto& cert = o.at("systeemcertificaat");
  EXPECT_EQ(cert.at("vingerafdruk").as_string(), fingerprint(pem));
  EXPECT_NE(std::string_view(cert.at("onderwerp").as_string()).find("CN=systeem-2.test"),
            std::string_view::npos)
      << cert;
  auto until = parse_rfc3339(cert.at("geldigTot").as_string());
  ASSERT_TRUE(until);
  EXPECT_GT(*until, std::chrono::system_clock::now() + std::chrono::days(300));
  EXPECT_EQ(body_of(get(env_.casework_a())), o) << "GET shows what PUT answered";

  EXPECT_TRUE(recognised(fingerprint(pem)));
  EXPECT_FALSE(recognised(old_sha));

  // The next detention notification is refused: A no longer wants them.
  auto delivery = env_.call(env_.prison(), http::verb::post, "/api/v1/detentiemeldingen",
                            portal_env::detention_body("11111111-2222-4333-8444-555555555555"));
  EXPECT_EQ(delivery.result_int(), 422u) << delivery.body();

  auto audit = env_.db().read([](store::reader& r) {
    store::audit_filter f;
    f.action = "settings.change";
    return store::query_audit(r, f);
  });
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().record.object, "gemeente:GM0363");
  EXPECT_EQ(audit->front().record.result, "success");
  EXPECT_EQ(audit->front().record.actor, env_.session_of(env_.signatory_a()).who.actor());
}

// Verifies that without a PEM the certificate stays, and that suspending and reconnecting
// (onboarding transitions) keep the changed settings instead of the application's.
TEST_F(SettingsRoutes, LaterTransitionsKeepTheSettings) {
  env_.stage(level::connected);
  const std::string sha = fingerprint(env_.application_certificate);
  ASSERT_EQ(put(body(true, false, "")).result_int(), 200u);
  for (const auto* action :
       {R"({"actie":"OPSCHORTEN","reden":"Onderhoud"})", R"({"actie":"HERAANSLUITEN"})"}) {
    auto r = env_.call(env_.admin(), http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging", action);
    ASSERT_EQ(r.result_int(), 200u) << r.body();
  }
  auto o = body_of(get(env_.casework_a()));
  EXPECT_TRUE(o.at("wilDetentiemeldingen").as_bool());
  EXPECT_FALSE(o.at("wilInformatiebladen").as_bool());
  EXPECT_TRUE(o.at("pushEndpoint").is_null());
  EXPECT_EQ(o.at("systeemcertificaat").at("vingerafdruk").as_string(), sha);
  EXPECT_TRUE(recognised(sha));
}

// Verifies that waiting pushes follow a new endpoint, and are dropped (VERVALLEN) when push is
// switched off; the messages stay in the inbox.
TEST_F(SettingsRoutes, WaitingPushesFollowTheEndpoint) {
  env_.stage(level::delivered);
  ASSERT_EQ(env_.call(env_.admin(), http::verb::post,
                      "/api/v1/beheer/uitgaande-berichten/" + std::string(message_id) + "/nieuwe-poging")
                .result_int(),
            202u);
  ASSERT_EQ(put(body(true, true, "https://elders.amsterdam.example.nl/in")).result_int(), 200u);
  auto due = env_.db().read([&](store::reader& r) { return store::due_outbox(r, env_.clock.now(), 10); });
  ASSERT_TRUE(due && due->size() == 1u);
  EXPECT_EQ(due->front().endpoint, "https://elders.amsterdam.example.nl/in");
  ASSERT_EQ(put(body(true, true, "")).result_int(), 200u);
  auto items = env_.db().read([](store::reader& r) { return store::list_outbox(r, "", 10); });
  ASSERT_TRUE(items && items->size() == 1u);
  EXPECT_EQ(items->front().status, "VERVALLEN");
  EXPECT_EQ(items->front().last_error, "push_endpoint_removed");
  EXPECT_EQ(env_.call(env_.casework_a(), http::verb::get, "/api/v1/berichten/" + std::string(message_id))
                .result_int(),
            200u);
}

// Verifies each refusal of a body or certificate, with its code and pointer; nothing changes.
TEST_F(SettingsRoutes, RefusesBadBodiesAndCertificates) {
  env_.stage(level::connected);
  const auto before = body_of(get(env_.casework_a()));
  struct bad_case {
    std::string body;
    unsigned status;
    std::string code;
    std::string param;  ///< "pointer CODE" of the first invalid param
  };
  const std::vector<bad_case> cases = {
      {body(true, true, "http://plain.example.nl/"), 400, "invalid_body", "/pushEndpoint URL_INVALID"},
      {body(true, true, "https://user@host.example.nl/"), 400, "invalid_body", "/pushEndpoint URL_INVALID"},
      {R"({"wilInformatiebladen":true})", 400, "invalid_body", "/wilDetentiemeldingen FIELD_REQUIRED"},
      {R"({"wilDetentiemeldingen":"ja","wilInformatiebladen":true})", 400, "invalid_body",
       "/wilDetentiemeldingen WRONG_TYPE"},
      {R"({"wilDetentiemeldingen":true,"wilInformatiebladen":true,"systeemcertificaat":{}})", 400,
       "invalid_body", "/systeemcertificaat UNKNOWN_FIELD"},
      {R"({"wilDetentiemeldingen":true,"wilInformatiebladen":true,"systeemcertificaatPem":""})", 400,
       "invalid_body", "/systeemcertificaatPem VALUE_EMPTY"},
      {body(true, true, "", "-----BEGIN CERTIFICATE-----\nbm90aGluZw==\n-----END CERTIFICATE-----\n"), 400,
       "certificate_invalid", "/systeemcertificaatPem CERTIFICATE_INVALID"},
      {body(true, true, "", certificate_pem(oin_a, "untrusted")), 422, "certificate_untrusted",
       "/systeemcertificaatPem CERTIFICATE_UNTRUSTED"},
      {body(true, true, "", certificate_pem(oin_b)), 422, "application_oin_mismatch",
       "/systeemcertificaatPem APPLICATION_OIN_MISMATCH"},
      {body(true, true, "", std::string(16 * 1024 + 1, 'x')), 400, "invalid_body",
       "/systeemcertificaatPem VALUE_TOO_LONG"},
  };
  for (const auto& c : cases) {
    auto res = put(c.body);
    ASSERT_EQ(res.result_int(), c.status) << c.body.substr(0, 120) << " " << res.body();
    EXPECT_EQ(code_of(res), c.code) << c.body.substr(0, 120);
    EXPECT_EQ(first_param(res), c.param) << c.body.substr(0, 120);
  }
  auto not_json = put("{", nullptr);
  EXPECT_EQ(not_json.result_int(), 400u);
  auto form = env_.call(env_.signatory_a(), http::verb::put, settings_path, "a=b",
                        "application/x-www-form-urlencoded");
  EXPECT_EQ(form.result_int(), 415u);
  EXPECT_EQ(body_of(get(env_.casework_a())), before);
}

// Verifies that before approval the settings cannot be changed here (409, audited), and that
// only a signatory of the municipality itself may change them.
TEST_F(SettingsRoutes, OnlyAfterApprovalAndOnlyBySignatory) {
  env_.stage(level::application_draft);
  auto o = body_of(get(env_.casework_a()));
  EXPECT_FALSE(o.at("wijzigbaar").as_bool());
  auto locked = put(body(true, true, ""));
  EXPECT_EQ(locked.result_int(), 409u);
  EXPECT_EQ(code_of(locked), "settings_locked");
  auto audit = env_.db().read([](store::reader& r) {
    store::audit_filter f;
    f.action = "settings.change";
    return store::query_audit(r, f);
  });
  ASSERT_TRUE(audit && audit->size() == 1u);
  EXPECT_EQ(audit->front().record.result, "denied:SETTINGS_LOCKED");

  const auto casework = env_.casework_a();
  auto by_casework = put(body(true, true, ""), &casework);
  EXPECT_EQ(by_casework.result_int(), 403u);
  EXPECT_EQ(code_of(by_casework), "wrong_role");
  const auto other = portal_env::user("signatory B", auth::role::signatory, code_b);
  auto by_other = put(body(true, true, ""), &other);
  EXPECT_EQ(by_other.result_int(), 403u);
  EXPECT_EQ(code_of(by_other), "other_organisation");
  EXPECT_EQ(env_.call(env_.admin(), http::verb::get, "/api/v1/gemeenten/GM9999/instellingen").result_int(),
            404u);
}

}  // namespace
}  // namespace poort::routing::test

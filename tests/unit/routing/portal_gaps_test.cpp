// What the portal pages need beyond the first version of the API: the
// municipality's name in the session, the sender's name in the inbox, an
// application saved without choosing its certificate again, `actueel` on a
// published version, when each application was signed, the "page not found"
// page, and Dutch problem texts.
#include <gtest/gtest.h>

#include "tests/unit/routing/portal_test_env.hpp"

namespace poort::routing::test {
namespace {

namespace json = boost::json;
using level = portal_env::level;

const std::string application_path = "/api/v1/gemeenten/GM0363/aanvraag";

std::string fingerprint(std::string_view pem) {
  auto cert = parse_certificate_pem(pem);
  return cert ? certificate_fingerprint_sha256(cert->get()) : std::string{};
}

/// A's application without "systeemcertificaat", with `telefoon`.
std::string application_without_certificate(std::string_view telefoon) {
  return R"({"nazorgcoordinator":{"naam":"A. Bakker","email":"nazorg@amsterdam.example.nl","telefoon":")" +
         std::string(telefoon) +
         R"("},"ontvangtDetentiemeldingen":true,"ontvangtInformatiebladen":true,)"
         R"("pushEndpoint":"https://nazorg.amsterdam.example.nl/poort"})";
}

class PortalGaps : public ::testing::Test {
 protected:
  portal_env env_;
};

// Verifies the session names the municipality from the registry, and null for an administrator.
TEST_F(PortalGaps, SessionNamesTheMunicipality) {
  auto a = env_.call(env_.casework_a(), http::verb::get, "/api/v1/sessie");
  ASSERT_EQ(a.result_int(), 200u) << a.body();
  EXPECT_EQ(body_of(a).at("gemeentenaam").as_string(), "Amsterdam");
  auto b = env_.call(portal_env::user("signatory B", auth::role::signatory, code_b), http::verb::get,
                     "/api/v1/sessie");
  EXPECT_EQ(body_of(b).at("gemeentenaam").as_string(), "Rotterdam");
  auto admin = env_.call(env_.admin(), http::verb::get, "/api/v1/sessie");
  ASSERT_EQ(admin.result_int(), 200u) << admin.body();
  EXPECT_TRUE(body_of(admin).at("gemeentenaam").is_null());
}

// Verifies the inbox list and a message name the sender from the configured parties next to
// its OIN, and give null when the configuration does not name that OIN.
TEST_F(PortalGaps, InboxNamesTheSender) {
  env_.stage(level::delivered);
  auto named = std::make_shared<config::config>();
  named->parties.push_back({std::string(prison_oin), "PI Zwolle", config::party_kind::institution, ""});
  env_.config = named;

  auto list = env_.call(env_.casework_a(), http::verb::get, "/api/v1/berichten");
  ASSERT_EQ(list.result_int(), 200u) << list.body();
  const auto item = body_of(list).at("berichten").at(0);
  EXPECT_EQ(item.at("afzenderOin").as_string(), prison_oin);
  EXPECT_EQ(item.at("afzenderNaam").as_string(), "PI Zwolle");
  auto one = env_.call(env_.casework_a(), http::verb::get, "/api/v1/berichten/" + std::string(message_id));
  ASSERT_EQ(one.result_int(), 200u) << one.body();
  EXPECT_EQ(body_of(one).at("afzenderNaam").as_string(), "PI Zwolle");

  env_.config = std::make_shared<config::config>();
  auto unnamed = env_.call(env_.casework_a(), http::verb::get, "/api/v1/berichten");
  const auto entry = body_of(unnamed).at("berichten").at(0);
  EXPECT_TRUE(entry.at("afzenderNaam").is_null());
  EXPECT_EQ(entry.at("afzenderOin").as_string(), prison_oin);
}

// Verifies a first application needs a certificate, and a later save without one keeps the
// current certificate: unchanged it keeps the signature, changed it voids it.
TEST_F(PortalGaps, ApplicationWithoutCertificateKeepsTheCurrentOne) {
  env_.stage(level::conditions_accepted);
  auto first = env_.call(env_.casework_a(), http::verb::put, application_path,
                         application_without_certificate("020-5551234"));
  ASSERT_EQ(first.result_int(), 400u) << first.body();
  const auto param = body_of(first).at("invalidParams").at(0);
  EXPECT_EQ(param.at("pointer").as_string(), "/systeemcertificaat");
  EXPECT_EQ(param.at("code").as_string(), "FIELD_REQUIRED");

  auto saved = env_.call(env_.casework_a(), http::verb::put, application_path, env_.application_body());
  ASSERT_EQ(saved.result_int(), 200u) << saved.body();
  const std::string hash(body_of(saved).at("aanvraagSha256").as_string());
  ASSERT_EQ(env_.call(env_.signatory_a(), http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
                      R"({"aanvraagSha256":")" + hash + R"("})")
                .result_int(),
            200u);

  auto same = env_.call(env_.casework_a(), http::verb::put, application_path,
                        application_without_certificate("020-5551234"));
  ASSERT_EQ(same.result_int(), 200u) << same.body();
  auto o = body_of(same);
  EXPECT_EQ(o.at("status").as_string(), "SIGNED");
  EXPECT_EQ(o.at("aanvraagSha256").as_string(), hash);
  EXPECT_FALSE(o.at("ondertekening").is_null());

  auto changed = env_.call(env_.casework_a(), http::verb::put, application_path,
                           application_without_certificate("020-5559999"));
  ASSERT_EQ(changed.result_int(), 200u) << changed.body();
  o = body_of(changed);
  EXPECT_EQ(o.at("status").as_string(), "APPLICATION_DRAFT");
  EXPECT_TRUE(o.at("ondertekening").is_null());
  EXPECT_EQ(o.at("aanvraag").at("systeemcertificaat").at("sha256").as_string(),
            fingerprint(env_.application_certificate));
  EXPECT_EQ(o.at("aanvraag").at("nazorgcoordinator").at("telefoon").as_string(), "020-5559999");
}

// Verifies the reply to publishing conditions says the new version is the current one.
TEST_F(PortalGaps, PublishedConditionsAreCurrent) {
  env_.stage(level::base);
  auto res = env_.call(env_.admin(), http::verb::post, "/api/v1/aansluitvoorwaarden",
                       R"({"versie":"2026-2","tekst":"Aansluitvoorwaarden 2026-2"})");
  ASSERT_EQ(res.result_int(), 201u) << res.body();
  EXPECT_TRUE(body_of(res).at("actueel").as_bool());
}

// Verifies the register says when each municipality's application was signed.
TEST_F(PortalGaps, MunicipalitiesListSaysWhenSigned) {
  const std::string signed_at = format_rfc3339(env_.clock.now());
  env_.stage(level::application_signed);
  env_.clock.advance(std::chrono::minutes(1));  // the answer is the signing time, not now
  auto res = env_.call(env_.admin(), http::verb::get, "/api/v1/gemeenten");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  std::map<std::string, json::value> by_code;
  const auto all = body_of(res);
  for (const auto& g : all.as_array())
    by_code[std::string(g.at("gemeentecode").as_string())] = g.at("ondertekendOp");
  ASSERT_EQ(by_code.size(), 2u);
  EXPECT_EQ(by_code["GM0363"].as_string(), signed_at);
  EXPECT_TRUE(by_code["GM0599"].is_null());
}

// Verifies an unknown message is refused in plain Dutch.
TEST_F(PortalGaps, InboxRefusalsAreDutch) {
  env_.stage(level::connected);
  auto res =
      env_.call(env_.casework_a(), http::verb::get, "/api/v1/berichten/00000000-0000-4000-8000-000000000001");
  ASSERT_EQ(res.result_int(), 404u) << res.body();
  EXPECT_EQ(
      body_of(res).at("detail").as_string(),
      "Dit bericht bestaat niet, of het is niet voor uw gemeente. Controleer het berichtId; een bericht "
      "voor een andere gemeente is hier niet te zien.");
  auto query = env_.call(env_.casework_a(), http::verb::get, "/api/v1/berichten?onbekend=1");
  ASSERT_EQ(query.result_int(), 400u) << query.body();
  EXPECT_EQ(
      body_of(query).at("detail").as_string(),
      "Een of meer zoektermen zijn ongeldig. Herstel de zoektermen die in invalidParams staan en probeer "
      "het opnieuw.");
}

// --- the "page not found" page ---------------------------------------------------------

const std::string not_found_page = "<!doctype html><title>Pagina niet gevonden – poort</title>";

response get(const app& a, const std::string& target) {
  request req{http::verb::get, target, 11};
  request_context ctx;
  ctx.listener = listener_kind::portal;
  ctx.request_id = "req-1";
  return a.handle(a.find(listener_kind::portal, http::verb::get, target), req, ctx);
}

std::unordered_map<std::string, asset> web_assets(bool with_not_found_page) {
  std::unordered_map<std::string, asset> assets;
  assets["/index.html"] = {"text/html; charset=utf-8", "<!doctype html><title>poort</title>", "\"i1\""};
  assets["/static/css/poort.css"] = {"text/css; charset=utf-8", "body{}", "\"c1\""};
  if (with_not_found_page)
    assets["/niet-gevonden.html"] = {"text/html; charset=utf-8", not_found_page, "\"n1\""};
  return assets;
}

// Verifies a missing top-level page answers 404 with the "page not found" page, and every
// other miss (not a page, below /static, no such page configured) 404 problem+json.
TEST(AssetMiss, UnknownPageGetsTheNotFoundPage) {
  const app a(services{}, web_assets(true));
  for (const std::string target : {"/bestaat-niet.html", "/bestaat-niet.html?terug=%2F"}) {
    auto res = get(a, target);
    EXPECT_EQ(res.result_int(), 404u) << target;
    EXPECT_EQ(res[http::field::content_type], "text/html; charset=utf-8") << target;
    EXPECT_EQ(res.body(), not_found_page) << target;
  }
  for (const std::string target :
       {"/bestaat-niet.txt", "/static/js/bestaat-niet.html", "/static/css/x.css"}) {
    auto res = get(a, target);
    EXPECT_EQ(res.result_int(), 404u) << target;
    EXPECT_EQ(res[http::field::content_type], "application/problem+json") << target;
  }
  EXPECT_EQ(get(a, "/index.html").result_int(), 200u);

  const app without(services{}, web_assets(false));
  auto res = get(without, "/bestaat-niet.html");
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(res[http::field::content_type], "application/problem+json");
}

}  // namespace
}  // namespace poort::routing::test

// Integration test of the eHerkenning login (issue 3): the real poortd, the
// test IdP of tests/idp (pysaml2) as child processes, and a plain HTTPS client
// playing the browser:
//
//   GET /saml/login -> 303 to the IdP -> IdP /test/login (headless) -> 303 (or a
//   POST form) to our ACS with SAMLart -> poortd resolves it over mutual TLS ->
//   303 with the session cookie -> GET /api/v1/sessie with the cookie.
//
// Three IdPs: the broker for municipalities (artifact by 303), Justid's IdP for
// administrators (artifact by POST form) and a second broker that answers with
// the HTTP-POST binding (SAMLResponse form). One environment (PKI, IdPs,
// poortd) is shared by all tests of the suite.

#include <signal.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "common/clock.hpp"
#include "harness.hpp"
#include "store/database.hpp"
#include "store/registry.hpp"
#include "store/sqlite.hpp"

namespace poort::test {
namespace {

/// The value of attribute `name` in the tag starting at `from`, and where it ends.
std::pair<std::string, std::size_t> attribute(const std::string& html, std::size_t from,
                                              const std::string& name) {
  const std::string key = name + "=\"";
  const auto start = html.find(key, from);
  if (start == std::string::npos) return {"", std::string::npos};
  const auto end = html.find('"', start + key.size());
  return {html.substr(start + key.size(), end - start - key.size()), end};
}

/// The action and hidden fields of the IdP's auto-submitting form, url-encoded.
std::pair<std::string, std::string> parse_post_form(const std::string& html) {
  const auto form = html.find("<form method=\"post\"");
  if (form == std::string::npos) return {};
  std::string action = html_unescape(attribute(html, form, "action").first);
  std::string body;
  for (auto at = html.find("<input type=\"hidden\"", form); at != std::string::npos;
       at = html.find("<input type=\"hidden\"", at + 1)) {
    auto [name, after_name] = attribute(html, at, "name");
    auto value = attribute(html, after_name, "value").first;
    if (!body.empty()) body += '&';
    body += url_encode(html_unescape(name)) + "=" + url_encode(html_unescape(value));
  }
  return {action, body};
}

response https(std::uint16_t port, http::verb method, const std::string& target, const std::string& body = "",
               const std::map<std::string, std::string>& headers = {}) {
  tls_client c(port);
  if (c.connect()) return {};
  return c.request(method, target, body, headers);
}

/// "name=value" of a Set-Cookie header.
std::string cookie_of(const response& r) {
  const std::string sc = r.header("set-cookie");
  return sc.substr(0, sc.find(';'));
}

/// The environment shared by the suite.
struct environment {
  temp_dir dir;
  std::uint16_t portal_port = 0;
  fs::path config;
  std::string config_text;
  child_process broker, admin, post_broker;
  std::unique_ptr<daemon_process> daemon;
};

environment* env = nullptr;

std::string config_text(const fs::path& dir, std::uint16_t port, int idle_timeout_s) {
  const pki& p = pki::shared();
  auto q = [](const fs::path& f) { return "\"" + f.string() + "\""; };
  const std::string oin = p.oin("JUSTID");
  std::ostringstream t;
  t << "allow_test_oins = true\n\n";
  t << "[daemon]\nthreads = 2\nworker_threads = 8\nweb_root = " << q(fs::path(POORT_SOURCE_DIR) / "web")
    << "\n\n";
  t << "[store]\ndatabase = " << q(dir / "poort.db") << "\n\n";
  t << "[session]\nidle_timeout_s = " << idle_timeout_s << "\nabsolute_timeout_s = 3600\n\n";
  t << "[[listener.portal]]\naddresses = [\"127.0.0.1:" << port << "\"]\n";
  t << "[[listener.portal.certificate]]\ncertificate = " << q(p.file("portal.crt"))
    << "\nprivate_key = " << q(p.file("portal.key")) << "\n\n";
  t << "[[listener.system]]\naddresses = [\"127.0.0.1:0\"]\nclient_ca_bundle = " << q(p.file("ca.crt"))
    << "\ncrl_files = [" << q(p.file("crl.pem")) << "]\n";
  t << "[[listener.system.certificate]]\ncertificate = " << q(p.file("system.crt"))
    << "\nprivate_key = " << q(p.file("system.key")) << "\n\n";
  t << "[saml]\nenabled = true\nentity_id = \"urn:etoegang:DV:" << oin << ":entities:9000\"\n"
    << "base_url = \"https://localhost:" << port << "\"\norganization_name = \"Justid\"\noin = \"" << oin
    << "\"\n"
    << "signing_certificate = " << q(p.file("sp-signing.crt"))
    << "\nsigning_key = " << q(p.file("sp-signing.key"))
    << "\ntls_client_certificate = " << q(p.file("sp-tls.crt"))
    << "\ntls_client_key = " << q(p.file("sp-tls.key")) << "\n\n";
  const std::tuple<const char*, int, const char*, const char*> services[] = {
      {"casework", 1, casework_uuid, "Re-integratie gedetineerden"},
      {"signing", 2, signing_uuid, "Aanvraag ondertekenen"},
      {"admin", 3, admin_uuid, "Beheer poort"}};
  for (const auto& [key, index, uuid, name] : services)
    t << "[[saml.service]]\nkey = \"" << key << "\"\nindex = " << index
      << "\nservice_id = \"urn:etoegang:DV:" << oin << ":services:" << index << "\"\nservice_uuid = \""
      << uuid << "\"\nname = \"" << name << "\"\n\n";
  const std::tuple<const char*, const char*, const char*, const char*> idps[] = {
      {"eherkenning", "broker", "municipality", "idp-signing"},
      {"justid", "admin", "administrator", "admin-idp-signing"},
      {"eherkenning-post", "post", "municipality", "idp-signing"}};
  for (const auto& [name, sub, mapping, signer] : idps)
    t << "[[saml.identity_provider]]\nname = \"" << name
      << "\"\nmetadata = " << q(dir / sub / "idp-metadata.xml")
      << "\nmetadata_signing_certificate = " << q(p.file(std::string(signer) + ".crt"))
      << "\nrole_mapping = \"" << mapping << "\"\nartifact_resolution_ca = " << q(p.file("ca.crt"))
      << "\nsoap_content_type = \"" << (std::string(sub) == "admin" ? "application/soap+xml" : "text/xml")
      << "\"\n\n";
  return t.str();
}

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return ::pclose(f) == 0 ? out : std::string{};
}

class Login : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new environment;
    const pki& p = pki::shared();
    const fs::path dir = env->dir.path();
    env->portal_port = free_port();
    for (const char* sub : {"broker", "admin", "post"}) {
      fs::create_directories(dir / sub);
      write_file(dir / sub / "idp-metadata.xml", "<placeholder/>\n");  // the IdP writes the real one
    }
    env->config = dir / "poort.toml";
    env->config_text = config_text(dir, env->portal_port, 600);
    write_file(env->config, env->config_text);

    // The registry: the test organisations Zwolle and Vught are municipalities.
    {
      fake_clock clock;
      config::store sc;
      sc.database = dir / "poort.db";
      auto db = store::database::open(sc, clock, store::open_mode::migrate);
      ASSERT_TRUE(db) << db.error().message();
      auto ok = (*db)->write([&](store::transaction& tx) -> result<void> {
        store::municipality_record zwolle{0,           "GM0193", "Zwolle",     "50000001",
                                          "001234560", "",       "2000-01-01", ""};
        store::municipality_record vught{0, "GM0865", "Vught", "50000002", "001234572", "", "2000-01-01", ""};
        if (auto r = store::upsert_municipality(tx, zwolle, clock.now()); !r) return r;
        return store::upsert_municipality(tx, vught, clock.now());
      });
      ASSERT_TRUE(ok) << ok.error().message();
    }

    const std::string metadata = run_capture(binary("daemon/poortctl").string() + " sp-metadata --config '" +
                                             env->config.string() + "'");
    ASSERT_NE(metadata.find("EntityDescriptor"), std::string::npos) << "poortctl sp-metadata failed";
    write_file(dir / "sp-metadata.xml", metadata);

    const std::string broker_id = "urn:etoegang:HM:" + p.oin("IDP") + ":entities:9001";
    ASSERT_TRUE(start_test_idp(env->broker, dir / "sp-metadata.xml", dir / "broker", broker_id, {}));
    ASSERT_TRUE(start_test_idp(env->admin, dir / "sp-metadata.xml", dir / "admin",
                               "urn:etoegang:HM:" + p.oin("ADMIN_IDP") + ":entities:9001",
                               {"--role", "admin", "--artifact-post"}));
    ASSERT_TRUE(start_test_idp(env->post_broker, dir / "sp-metadata.xml", dir / "post",
                               "urn:etoegang:HM:" + p.oin("IDP") + ":entities:9002", {"--post-binding"}));

    env->daemon = std::make_unique<daemon_process>(env->config);
    ASSERT_TRUE(env->daemon->start()) << dump();
  }

  static void TearDownTestSuite() {
    if (env && env->daemon) env->daemon->stop();
    delete env;
    env = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(env && env->daemon && env->daemon->running()) << "environment not started";
  }

  static std::string dump() {
    std::string out;
    if (env && env->daemon)
      for (const auto& l : env->daemon->lines()) out += l + "\n";
    return out;
  }

  static std::uint16_t port() { return env->portal_port; }

  /// One pass through the IdP: what it answers for the AuthnRequest in
  /// `idp_url` with the extra /test/login parameters `choices`.
  struct idp_answer {
    response idp;
    std::string acs_method;  ///< "GET" or "POST"
    std::string acs_target;
    std::string acs_body;
  };
  static idp_answer ask_idp(const std::string& idp_url, const std::string& choices) {
    idp_answer a;
    location sso = parse_location(idp_url);
    const auto q = sso.target.find('?');
    const std::string query = q == std::string::npos ? "" : sso.target.substr(q + 1);
    a.idp = https(sso.port, http::verb::get, "/test/login?" + query + choices);
    if (a.idp.status == 303) {
      a.acs_method = "GET";
      a.acs_target = parse_location(a.idp.header("location")).target;
    } else if (a.idp.status == 200) {
      auto [action, body] = parse_post_form(a.idp.body);
      a.acs_method = "POST";
      a.acs_target = parse_location(action).target;
      a.acs_body = body;
    }
    return a;
  }

  static response send_to_acs(const idp_answer& a, const std::map<std::string, std::string>& headers = {}) {
    if (a.acs_method == "GET") return https(port(), http::verb::get, a.acs_target, "", headers);
    auto h = headers;
    h["Content-Type"] = "application/x-www-form-urlencoded";
    return https(port(), http::verb::post, a.acs_target, a.acs_body, h);
  }

  /// The IdP URL that /saml/login redirects to.
  static std::string start(const std::string& query) {
    auto r = https(port(), http::verb::get, "/saml/login?" + query);
    EXPECT_EQ(r.status, 303u) << r.body;
    return r.header("location");
  }

  /// A whole login: /saml/login?<query> -> IdP (with `choices`) -> ACS.
  static response login(const std::string& query, const std::string& choices = "",
                        const std::map<std::string, std::string>& headers = {}) {
    auto a = ask_idp(start(query), choices);
    EXPECT_FALSE(a.acs_target.empty()) << "IdP answered " << a.idp.status << ": " << a.idp.body;
    return send_to_acs(a, headers);
  }

  static response sessie(const std::string& cookie) {
    return https(port(), http::verb::get, "/api/v1/sessie", "", {{"Cookie", cookie}});
  }

  /// result and actor of the newest audit record with `action`.
  static std::pair<std::string, std::string> last_audit(const std::string& action) {
    auto conn = store::connection::open(env->dir.path() / "poort.db", store::connection::access::read_only,
                                        std::chrono::milliseconds(5000));
    if (!conn) return {};
    auto st = conn->prepare("SELECT result, actor FROM audit_log WHERE action = ? ORDER BY seq DESC LIMIT 1");
    if (!st) return {};
    st->bind(1, action);
    auto has = st->step();
    if (!has || !*has) return {};
    return {std::string(st->column_text(0)), std::string(st->column_text(1))};
  }
};

boost::json::object json_of(const response& r) { return boost::json::parse(r.body).as_object(); }

// Verifies the whole Artifact-binding login of a case worker: a session cookie
// with the right attributes, the role and municipality in /api/v1/sessie, the
// target path kept under RelayState, and an audit record.
TEST_F(Login, CaseworkLoginGivesSessionWithRoleAndMunicipality) {
  auto r = login("service=casework&target=%2Finbox");
  ASSERT_EQ(r.status, 303u) << r.body << dump();
  EXPECT_EQ(r.header("location"), "/inbox");
  const std::string set_cookie = r.header("set-cookie");
  EXPECT_TRUE(set_cookie.starts_with("__Host-poort-sessie=")) << set_cookie;
  for (const char* attr : {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Lax"})
    EXPECT_NE(set_cookie.find(attr), std::string::npos) << attr;

  auto s = sessie(cookie_of(r));
  ASSERT_EQ(s.status, 200u) << s.body;
  auto o = json_of(s);
  EXPECT_EQ(o.at("rol").as_string(), "MEDEWERKER");
  EXPECT_EQ(o.at("gemeentecode").as_string(), "GM0193");
  EXPECT_EQ(o.at("idp").as_string(), "eherkenning");
  EXPECT_EQ(o.at("csrfToken").as_string().size(), 43u);
  EXPECT_EQ(s.header("cache-control"), "no-store");

  auto [result, actor] = last_audit("login");
  EXPECT_EQ(result, "success");
  EXPECT_TRUE(actor.starts_with("user:eherkenning:")) << actor;
}

// Verifies that the signing service gives the signatory role.
TEST_F(Login, SigningServiceGivesSignatory) {
  auto r = login("service=signing", "&organisatie=vught");
  ASSERT_EQ(r.status, 303u) << r.body;
  auto o = json_of(sessie(cookie_of(r)));
  EXPECT_EQ(o.at("rol").as_string(), "TEKENBEVOEGDE");
  EXPECT_EQ(o.at("gemeentecode").as_string(), "GM0865");
}

// Verifies that the administrators' IdP gives the administrator role, with the
// artifact delivered by POST and resolved with application/soap+xml.
TEST_F(Login, AdminIdpGivesAdministrator) {
  const std::string idp_url = start("service=admin");
  auto a = ask_idp(idp_url, "");
  ASSERT_EQ(a.acs_method, "POST") << a.idp.status << a.idp.body;
  EXPECT_NE(a.acs_body.find("SAMLart="), std::string::npos);
  auto r = send_to_acs(a);
  ASSERT_EQ(r.status, 303u) << r.body << dump();
  auto o = json_of(sessie(cookie_of(r)));
  EXPECT_EQ(o.at("rol").as_string(), "BEHEERDER");
  EXPECT_TRUE(o.at("gemeentecode").is_null());
  EXPECT_EQ(o.at("idp").as_string(), "justid");
}

// Verifies the HTTP-POST binding: the IdP posts the SAMLResponse itself.
TEST_F(Login, PostBindingResponseIsAccepted) {
  auto a = ask_idp(start("service=casework&idp=eherkenning-post"), "");
  ASSERT_EQ(a.acs_method, "POST") << a.idp.status << a.idp.body;
  EXPECT_NE(a.acs_body.find("SAMLResponse="), std::string::npos);
  auto r = send_to_acs(a);
  ASSERT_EQ(r.status, 303u) << r.body << dump();
  EXPECT_EQ(json_of(sessie(cookie_of(r))).at("rol").as_string(), "MEDEWERKER");
}

// Verifies that a cancelled login shows a Dutch page (not a 500), sets no
// cookie and is audited with its reason.
TEST_F(Login, CancelShowsDutchPageAndIsAudited) {
  auto r = login("service=casework", "&actie=annuleren");
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("<html lang=\"nl\">"), std::string::npos);
  EXPECT_NE(r.body.find("<h1>Inloggen afgebroken</h1>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<a class=\"skip-link\" href=\"#inhoud\">"), std::string::npos);
  EXPECT_NE(r.body.find("<main id=\"inhoud\">"), std::string::npos);
  EXPECT_NE(r.body.find("href=\"/saml/login?service=casework\">Opnieuw inloggen</a>"), std::string::npos);
  EXPECT_NE(r.body.find("/static/css/poort.css"), std::string::npos);
  EXPECT_EQ(r.body.find("<script"), std::string::npos);
  EXPECT_EQ(r.body.find("style="), std::string::npos);
  EXPECT_TRUE(r.header("set-cookie").empty());
  EXPECT_EQ(last_audit("login").first, "denied:authn_failed");
}

// Verifies that an organisation that is no known municipality gets a clear
// Dutch page and an audit record, and no session.
TEST_F(Login, UnknownOrganisationShowsDutchPage) {
  auto r = login("service=casework", "&organisatie=onbekend");
  EXPECT_EQ(r.status, 403u);
  EXPECT_NE(r.body.find("Organisatie niet bekend"), std::string::npos) << r.body;
  EXPECT_TRUE(r.header("set-cookie").empty());
  auto [result, actor] = last_audit("login");
  EXPECT_EQ(result, "denied:organisation_unknown");
  EXPECT_TRUE(actor.starts_with("user:eherkenning:")) << actor;
}

// Verifies that a login means below EH3 is refused with a page that says
// which level is needed, sets no cookie and is audited with its reason.
TEST_F(Login, LowAssuranceShowsDutchPageWithTheLevelNeeded) {
  auto r = login("service=casework", "&niveau=loa2plus");
  EXPECT_EQ(r.status, 403u);
  EXPECT_NE(r.body.find("<h1>Inlogmiddel niet sterk genoeg</h1>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("niveau EH3 of hoger"), std::string::npos);
  EXPECT_TRUE(r.header("set-cookie").empty());
  EXPECT_EQ(last_audit("login").first, "denied:assurance_too_low");
}

// Verifies that an artifact is good for one login only: the same ACS request
// again is refused, and so is a second answer to the same AuthnRequest.
TEST_F(Login, ReplayedArtifactAndReusedInResponseToAreRefused) {
  const std::string idp_url = start("service=casework");
  auto first = ask_idp(idp_url, "");
  auto second = ask_idp(idp_url, "");  // the IdP answers the same AuthnRequest again
  ASSERT_EQ(send_to_acs(first).status, 303u);

  auto replay = send_to_acs(first);
  EXPECT_EQ(replay.status, 400u);
  EXPECT_NE(replay.body.find("Inloggen verlopen"), std::string::npos) << replay.body;
  EXPECT_TRUE(replay.header("set-cookie").empty());
  EXPECT_EQ(last_audit("login").first, "denied:request_consumed");

  auto reused = send_to_acs(second);
  EXPECT_EQ(reused.status, 400u);
  EXPECT_TRUE(reused.header("set-cookie").empty());
  EXPECT_EQ(last_audit("login").first, "denied:request_consumed");
}

// Verifies that a RelayState we never issued is refused with a page.
TEST_F(Login, UnknownRelayStateIsRefused) {
  auto r = https(port(), http::verb::get, "/saml/acs?SAMLart=AAQAAA&RelayState=abcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(r.status, 400u);
  EXPECT_NE(r.body.find("Inloggen verlopen"), std::string::npos);
  EXPECT_EQ(last_audit("login").first, "denied:relay_state_unknown");
}

// Verifies that /saml/login refuses an unknown service and a non-local target.
TEST_F(Login, StartRefusesUnknownServiceAndForeignTarget) {
  EXPECT_EQ(https(port(), http::verb::get, "/saml/login?service=bogus").status, 400u);
  EXPECT_EQ(https(port(), http::verb::get, "/saml/login?service=casework&target=%2F%2Fevil.example").status,
            400u);
  EXPECT_EQ(
      https(port(), http::verb::get, "/saml/login?service=casework&target=https%3A%2F%2Fevil.example").status,
      400u);
  // The admin service belongs to the administrators' IdP only.
  EXPECT_EQ(https(port(), http::verb::get, "/saml/login?service=admin&idp=eherkenning").status, 400u);
}

// Verifies CSRF protection: a state-changing request without (or with a
// wrong) X-CSRF-Token is refused, and the session survives it.
TEST_F(Login, StateChangingRequestWithoutCsrfTokenIsForbidden) {
  auto r = login("service=casework");
  ASSERT_EQ(r.status, 303u);
  const std::string cookie = cookie_of(r);
  auto forged = https(port(), http::verb::post, "/saml/logout", "", {{"Cookie", cookie}});
  EXPECT_EQ(forged.status, 403u);
  EXPECT_NE(forged.body.find("csrf_token_invalid"), std::string::npos);
  auto wrong = https(port(), http::verb::post, "/saml/logout", "",
                     {{"Cookie", cookie}, {"X-CSRF-Token", std::string(43, 'A')}});
  EXPECT_EQ(wrong.status, 403u);
  EXPECT_EQ(sessie(cookie).status, 200u);
}

// Verifies logout: 204, the cookie cleared, the session gone, an audit record.
TEST_F(Login, LogoutEndsSession) {
  auto r = login("service=casework");
  ASSERT_EQ(r.status, 303u);
  const std::string cookie = cookie_of(r);
  const std::string token(json_of(sessie(cookie)).at("csrfToken").as_string());
  auto out =
      https(port(), http::verb::post, "/saml/logout", "", {{"Cookie", cookie}, {"X-CSRF-Token", token}});
  EXPECT_EQ(out.status, 204u);
  EXPECT_NE(out.header("set-cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(sessie(cookie).status, 401u);
  EXPECT_EQ(last_audit("logout").first, "success");
}

// Verifies that logging in again rotates the session id and ends the old one.
TEST_F(Login, LoginRotatesSessionId) {
  auto first = login("service=casework");
  ASSERT_EQ(first.status, 303u);
  const std::string old_cookie = cookie_of(first);
  auto second = login("service=signing", "", {{"Cookie", old_cookie}});
  ASSERT_EQ(second.status, 303u);
  EXPECT_NE(cookie_of(second), old_cookie);
  EXPECT_EQ(sessie(old_cookie).status, 401u);
  EXPECT_EQ(sessie(cookie_of(second)).status, 200u);
}

// Verifies that a session without requests for longer than the idle timeout
// ends (401), after a reload that sets the timeout to one second.
TEST_F(Login, IdleSessionExpires) {
  const std::size_t mark = env->daemon->line_count();
  write_file(env->config, config_text(env->dir.path(), port(), 1));
  env->daemon->signal(SIGHUP);
  ASSERT_TRUE(env->daemon->wait_for("reload.done", mark)) << dump();

  auto r = login("service=casework");
  ASSERT_EQ(r.status, 303u);
  const std::string cookie = cookie_of(r);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto s = sessie(cookie);
  EXPECT_EQ(s.status, 401u);
  EXPECT_NE(s.body.find("not_logged_in"), std::string::npos);

  const std::size_t mark2 = env->daemon->line_count();
  write_file(env->config, env->config_text);
  env->daemon->signal(SIGHUP);
  ASSERT_TRUE(env->daemon->wait_for("reload.done", mark2)) << dump();
}

// Verifies that a request without a session is 401 and a forged cookie too.
TEST_F(Login, NoOrForgedSessionIsUnauthorized) {
  EXPECT_EQ(https(port(), http::verb::get, "/api/v1/sessie").status, 401u);
  EXPECT_EQ(sessie("__Host-poort-sessie=" + std::string(43, 'x')).status, 401u);
  EXPECT_EQ(sessie("__Host-poort-sessie=short").status, 401u);
}

// Verifies that the signed SP metadata is served and names our ACS.
TEST_F(Login, ServesSignedSpMetadata) {
  auto r = https(port(), http::verb::get, "/saml/metadata");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type"), "application/samlmetadata+xml");
  EXPECT_NE(r.body.find("https://localhost:" + std::to_string(port()) + "/saml/acs"), std::string::npos);
  EXPECT_NE(r.body.find("Signature"), std::string::npos);
}

// Verifies that poortctl prints a signed service catalogue entry with our ServiceUUIDs.
TEST_F(Login, PoortctlPrintsServiceCatalogue) {
  const std::string xml = run_capture(binary("daemon/poortctl").string() + " service-catalogue --config '" +
                                      env->config.string() + "' --broker-oin " + pki::shared().oin("IDP"));
  EXPECT_NE(xml.find("ServiceCatalogue"), std::string::npos) << xml;
  for (const char* uuid : {casework_uuid, signing_uuid, admin_uuid})
    EXPECT_NE(xml.find(uuid), std::string::npos);
  EXPECT_NE(xml.find("Signature"), std::string::npos);
  // The same input gives the same instance UUIDs (derived, not random).
  const std::string again = run_capture(binary("daemon/poortctl").string() + " service-catalogue --config '" +
                                        env->config.string() + "' --broker-oin " + pki::shared().oin("IDP"));
  const auto uuids = [](const std::string& text) {
    static const std::regex re("ServiceUUID>([0-9a-f-]{36})<");
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
      out.push_back((*it)[1].str());
    return out;
  };
  EXPECT_GE(uuids(xml).size(), 6u);
  EXPECT_EQ(uuids(xml), uuids(again));
}

}  // namespace
}  // namespace poort::test

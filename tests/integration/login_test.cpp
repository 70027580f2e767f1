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
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <regex>
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

/// The three IdPs of the suite (see the file comment).
std::vector<test_idp> idps() { return {broker_idp(), admin_idp(), post_broker_idp()}; }

std::string config_text(const fs::path& dir, std::uint16_t port, int idle_timeout_s) {
  login_config_options o;
  o.portal_port = port;
  o.idps = idps();
  o.extra = "[session]\nidle_timeout_s = " + std::to_string(idle_timeout_s) + "\nabsolute_timeout_s = 3600\n";
  return login_config(dir, o);
}

/// The exit status (-1: not run) and stdout of `cmd`.
std::pair<int, std::string> run_status(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return {-1, out};
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const int status = ::pclose(f);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string run_capture(const std::string& cmd) {
  auto [status, out] = run_status(cmd);
  return status == 0 ? out : std::string{};
}

class Login : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env = new environment;
    const fs::path dir = env->dir.path();
    env->portal_port = free_port();
    prepare_test_idps(dir, idps());
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

    const std::string metadata = run_capture(binary("tools/poortctl/poortctl").string() +
                                             " sp-metadata --config '" + env->config.string() + "'");
    ASSERT_NE(metadata.find("EntityDescriptor"), std::string::npos) << "poortctl sp-metadata failed";
    write_file(dir / "sp-metadata.xml", metadata);

    ASSERT_TRUE(start_test_idp(env->broker, dir, broker_idp()));
    ASSERT_TRUE(start_test_idp(env->admin, dir, admin_idp()));
    ASSERT_TRUE(start_test_idp(env->post_broker, dir, post_broker_idp()));

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

// Verifies the branch restriction (issue 15, item 4): an assertion restricted
// to a vestigingsnummer gives a case worker's session that shows it in
// /api/v1/sessie; an unrestricted one shows null; the signing service refuses
// a restricted mandate (signing binds the municipality as a whole).
TEST_F(Login, BranchRestrictedAssertionIsShownAndCannotSign) {
  auto r = login("service=casework", "&vestigingsnr=000012345678");
  ASSERT_EQ(r.status, 303u) << r.body << dump();
  auto o = json_of(sessie(cookie_of(r)));
  EXPECT_EQ(o.at("rol").as_string(), "MEDEWERKER");
  EXPECT_EQ(o.at("gemeentecode").as_string(), "GM0193");
  EXPECT_EQ(o.at("vestigingsnummer").as_string(), "000012345678");

  auto plain = login("service=casework");
  ASSERT_EQ(plain.status, 303u) << plain.body;
  EXPECT_TRUE(json_of(sessie(cookie_of(plain))).at("vestigingsnummer").is_null());

  auto sign = login("service=signing", "&vestigingsnr=000012345678");
  EXPECT_EQ(sign.status, 403u) << sign.body;
  EXPECT_TRUE(cookie_of(sign).empty());
  EXPECT_NE(sign.body.find("branch_restricted"), std::string::npos) << sign.body;
  EXPECT_EQ(last_audit("login").first, "denied:branch_restricted");
}

// Verifies that the HTTP-POST binding is refused from an IdP not configured
// for it (the eHerkenning broker answers by artifact only), before the
// SAMLResponse is even read, and that the refusal is audited.
TEST_F(Login, PostBindingIsRefusedFromArtifactOnlyIdp) {
  const std::string idp_url = start("service=casework&idp=eherkenning");
  const auto at = idp_url.find("RelayState=");
  ASSERT_NE(at, std::string::npos) << idp_url;
  const std::string relay_state = idp_url.substr(at + 11, idp_url.find('&', at) - at - 11);
  // A real response of the POST broker, answering another request: never read.
  auto posted = ask_idp(start("service=casework&idp=eherkenning-post"), "");
  ASSERT_EQ(posted.acs_method, "POST");
  const auto field = posted.acs_body.find("SAMLResponse=");
  ASSERT_NE(field, std::string::npos);
  const std::string saml_response =
      posted.acs_body.substr(field, posted.acs_body.find('&', field) - field);  // still url-encoded
  auto r = https(port(), http::verb::post, "/saml/acs", saml_response + "&RelayState=" + relay_state,
                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_TRUE(cookie_of(r).empty());
  EXPECT_NE(r.body.find("binding_not_allowed"), std::string::npos) << r.body;
  EXPECT_EQ(last_audit("login").first, "denied:binding_not_allowed");
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
  const std::string xml =
      run_capture(binary("tools/poortctl/poortctl").string() + " service-catalogue --config '" +
                  env->config.string() + "' --broker-oin " + pki::shared().oin("IDP"));
  EXPECT_NE(xml.find("ServiceCatalogue"), std::string::npos) << xml;
  for (const char* uuid : {casework_uuid, signing_uuid, admin_uuid})
    EXPECT_NE(xml.find(uuid), std::string::npos);
  EXPECT_NE(xml.find("Signature"), std::string::npos);
  // The same input gives the same instance UUIDs (derived, not random).
  const std::string again =
      run_capture(binary("tools/poortctl/poortctl").string() + " service-catalogue --config '" +
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

/// True if `xmlsec1 --verify` (libxmlsec1, not poort's verifier) accepts the
/// signature of `xml`'s root, whose ID attribute is `id_attr`, under `cert`.
bool xmlsec1_verifies(const fs::path& dir, const std::string& xml, const std::string& id_attr,
                      const fs::path& cert) {
  const fs::path file = dir / "xmlsec1-verify.xml";
  write_file(file, xml);
  const int rc = std::system(("xmlsec1 --verify --pubkey-cert-pem '" + cert.string() + "' --id-attr:ID " +
                              id_attr + " '" + file.string() + "' >/dev/null 2>&1")
                                 .c_str());
  return rc == 0;
}

/// The base64 body of a PEM certificate, on one line (as in X509Certificate).
std::string pem_body(const fs::path& pem) {
  std::ifstream in(pem);
  std::string line, out;
  while (std::getline(in, line))
    if (!line.starts_with("-----")) out += line;
  return out;
}

// Verifies, with xmlsec1 --verify, the signatures of the SP metadata (as
// served and from poortctl) and of the service catalogue, also during a
// certificate rollover: both then carry the next certificate beside the
// current one, and the catalogue states the configured level (issue 15,
// items 3 and 5).
TEST_F(Login, MetadataAndCatalogueSignaturesVerifyWithXmlsec1DuringRollover) {
  const pki& p = pki::shared();
  const fs::path signer = p.file("sp-signing.crt");
  const std::string current = pem_body(signer), next = pem_body(p.file("sp-tls.crt"));
  ASSERT_FALSE(next.empty());
  const fs::path dir = env->dir.path();
  const std::string md_id = "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor";
  const std::string dc_id = "urn:etoegang:1.13:service-catalog:ServiceCatalogue";

  auto served = https(port(), http::verb::get, "/saml/metadata");
  ASSERT_EQ(served.status, 200u);
  EXPECT_TRUE(xmlsec1_verifies(dir, served.body, md_id, signer)) << served.body;
  std::string altered = served.body;
  altered.replace(altered.find("/saml/acs"), 9, "/saml/acz");
  EXPECT_FALSE(xmlsec1_verifies(dir, altered, md_id, signer)) << "the check can fail";

  // The same config with a next certificate (the rollover's first step).
  std::string rollover = env->config_text;
  const std::string key_line = "signing_key = \"" + p.file("sp-signing.key").string() + "\"\n";
  ASSERT_NE(rollover.find(key_line), std::string::npos);
  rollover.replace(rollover.find(key_line), key_line.size(),
                   key_line + "next_signing_certificate = \"" + p.file("sp-tls.crt").string() + "\"\n");
  const fs::path config = dir / "poort-rollover.toml";
  write_file(config, rollover);
  const std::string ctl = binary("tools/poortctl/poortctl").string();
  const std::string metadata = run_capture(ctl + " sp-metadata --config '" + config.string() + "'");
  const std::string catalogue =
      run_capture(ctl + " service-catalogue --config '" + config.string() + "' --broker-oin " + p.oin("IDP"));
  ASSERT_NE(metadata.find("EntityDescriptor"), std::string::npos) << "poortctl sp-metadata failed";
  ASSERT_NE(catalogue.find("ServiceCatalogue"), std::string::npos) << "poortctl service-catalogue failed";
  EXPECT_TRUE(xmlsec1_verifies(dir, metadata, md_id, signer)) << metadata;
  EXPECT_TRUE(xmlsec1_verifies(dir, catalogue, dc_id, signer)) << catalogue;
  for (const std::string* xml : {&metadata, &catalogue}) {
    EXPECT_NE(xml->find(next), std::string::npos) << "the next certificate is published";
    EXPECT_NE(xml->find(current), std::string::npos) << "beside the current one";
  }
  // Three services, each instance with the current and the next certificate.
  std::size_t certificates = 0;
  for (auto at = catalogue.find("<esc:ServiceCertificate>"); at != std::string::npos;
       at = catalogue.find("<esc:ServiceCertificate>", at + 1))
    ++certificates;
  EXPECT_EQ(certificates, 6u);
  // The catalogue states the level the validator requires (the default, EH3).
  EXPECT_NE(catalogue.find("<saml:AuthnContextClassRef>urn:etoegang:core:assurance-class:loa3<"),
            std::string::npos);
  EXPECT_EQ(catalogue.find("assurance-class:loa2"), std::string::npos);
}

// Verifies `poortctl saml verify` (the operator's offline check, the same
// validator as the ACS) on EncryptedAssertions made by libxmlsec1 itself
// (tests/data/saml/make-xmlsec-encrypted.py; issue 15, item 1): both data
// algorithms, in a signed Response and in a signed ArtifactResponse; it
// accepts them and prints the identity.
TEST(PoortctlSamlVerify, AcceptsXmlsecEncryptedAssertions) {
  const fs::path data = fs::path(POORT_SOURCE_DIR) / "tests" / "data" / "saml";
  for (const char* alg : {"gcm", "cbc"}) {
    for (const char* envelope : {"signed-response", "outer-xs", "artifact"}) {
      const std::string name = std::string("xmlsec-encrypted-") + alg + "-" + envelope + ".xml";
      const std::string cmd =
          binary("tools/poortctl/poortctl").string() + " saml verify --response '" + (data / name).string() +
          "' --idp-entity-id urn:etoegang:HM:00000099000000000001:entities:9001 --idp-cert '" +
          (data / "idp-rsa.crt").string() + "' --sp-key '" + (data / "sp.key").string() +
          "' --sp-entity-id urn:etoegang:DV:00000099000000000002:entities:9000"
          " --acs-url https://poort.test/saml/acs --request-id _req-0001 --now 2026-03-01T10:00:00Z";
      auto [status, out] = run_status(cmd);
      EXPECT_EQ(status, 0) << name << ": " << out;
      EXPECT_NE(out.find("\"accepted\":true"), std::string::npos) << name << ": " << out;
      EXPECT_NE(out.find("\"kvk\":\"12345678\""), std::string::npos) << name << ": " << out;
      EXPECT_NE(out.find("\"vestigingsnr\":\"000012345678\""), std::string::npos) << name << ": " << out;
      EXPECT_NE(out.find("\"nameId\":\"transient-xmlsec\""), std::string::npos) << name << ": " << out;
    }
  }
}

}  // namespace
}  // namespace poort::test

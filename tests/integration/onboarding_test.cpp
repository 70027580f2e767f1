// Integration tests of onboarding (issue 4):
//   - the mailer against a local SMTP sink (tests/integration/smtp_sink.py)
//     with STARTTLS, and the outbox's retry;
//   - the check of an application's system certificate against the PKI of
//     scripts/pki;
//   - the whole path through real HTTP with logins from the test IdP
//     (tests/idp): poortctl imports the registry and publishes the
//     conditions, an administrator opens a cohort, a case worker registers,
//     accepts the conditions and applies, a signatory signs, the
//     administrator approves, and the daemon's scheduler connects the
//     municipality on the cohort's date; then its system certificate is a
//     known party on the system listener and e-mail notices reached the sink;
//   - the portal's settings, audit search and push retry with real logins: a
//     signatory changes the system certificate (the system listener then
//     knows the new one and no longer the old), an administrator searches the
//     audit trail and puts a push that gave up back in the queue.

#include "daemon/onboarding.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "daemon/mailer.hpp"
#include "harness.hpp"
#include "store/database.hpp"
#include "store/onboarding.hpp"
#include "store/sqlite.hpp"

namespace poort::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

std::string slurp(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The SMTP sink as a child process, writing messages into its own directory.
class smtp_sink {
 public:
  bool start(std::vector<std::string> extra = {}) {
    const pki& p = pki::shared();
    std::vector<std::string> argv{"/usr/bin/python3",
                                  std::string(POORT_SOURCE_DIR) + "/tests/integration/smtp_sink.py",
                                  "--cert",
                                  p.file("portal.crt").string(),
                                  "--key",
                                  p.file("portal.key").string(),
                                  "--out",
                                  out_.path().string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (!proc_.start(argv)) return false;
    auto line = proc_.read_line(30s);
    if (!line || line->empty()) return false;
    port_ = static_cast<std::uint16_t>(std::stoi(*line));
    return true;
  }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  /// The messages received so far, in order.
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (int i = 1; fs::exists(out_.path() / (std::to_string(i) + ".eml")); ++i)
      out.push_back(slurp(out_.path() / (std::to_string(i) + ".eml")));
    return out;
  }
  const fs::path& dir() const { return out_.path(); }

 private:
  temp_dir out_;
  child_process proc_;
  std::uint16_t port_ = 0;
};

/// The decoded body of a message written by daemon::format_mail.
std::string body_of_mail(const std::string& eml) {
  const auto split = eml.find("\r\n\r\n");
  if (split == std::string::npos) return {};
  std::string b64 = eml.substr(split + 4);
  auto bytes = base64_decode(b64);
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string{};
}

config::email email_config(const smtp_sink& sink) {
  config::email e;
  e.enabled = true;
  e.smtp_url = sink.url();
  e.from = "poort@justid.test";
  e.ca_bundle = pki::shared().file("ca.crt");
  e.timeout = 10s;
  return e;
}

// --------------------------------------------------------------------------- mailer

// Verifies a message goes through STARTTLS to the sink with its headers and UTF-8 body intact.
TEST(Mailer, SendsThroughStartTls) {
  smtp_sink sink;
  ASSERT_TRUE(sink.start());
  const store::email_message m{7,
                               "approved",
                               "nazorg@zwolle.test",
                               "Aanvraag goedgekeurd - Súdwest-Fryslân",
                               "De aanvraag is goedgekeurd.\nMet vriendelijke groet, één team.",
                               0};
  auto sent = daemon::send_mail(email_config(sink), m, *parse_rfc3339("2026-11-29T21:37:05Z"));
  ASSERT_TRUE(sent) << sent.error().message();
  auto got = sink.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("To: <nazorg@zwolle.test>\r\n"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("From: <poort@justid.test>\r\n"), std::string::npos);
  EXPECT_NE(got[0].find("Date: Sun, 29 Nov 2026 21:37:05 +0000\r\n"), std::string::npos);
  EXPECT_NE(got[0].find("Subject: =?UTF-8?B?" + base64_encode(m.subject) + "?=\r\n"), std::string::npos);
  EXPECT_EQ(body_of_mail(got[0]), m.body);
}

// Verifies that a relay without STARTTLS, or with an untrusted certificate, gets nothing.
TEST(Mailer, RefusesPlainTextAndUntrustedRelays) {
  smtp_sink plain;
  ASSERT_TRUE(plain.start({"--no-starttls"}));
  const store::email_message m{1, "approved", "a@b.test", "Onderwerp", "Tekst", 0};
  EXPECT_FALSE(daemon::send_mail(email_config(plain), m, fake_clock{}.now()));
  EXPECT_TRUE(plain.messages().empty());

  smtp_sink tls;
  ASSERT_TRUE(tls.start());
  auto untrusted = email_config(tls);
  untrusted.ca_bundle = pki::shared().file("untrusted-ca.crt");
  EXPECT_FALSE(daemon::send_mail(untrusted, m, fake_clock{}.now()));
  EXPECT_TRUE(tls.messages().empty());
  // Header injection is refused before anything is sent.
  const store::email_message injected{2, "approved", "a@b.test\r\nBcc: c@d.test", "Onderwerp", "Tekst", 0};
  EXPECT_FALSE(daemon::send_mail(email_config(tls), injected, fake_clock{}.now()));
}

// Verifies SMTP AUTH with the password from its file.
TEST(Mailer, AuthenticatesWithThePasswordFile) {
  smtp_sink sink;
  ASSERT_TRUE(sink.start({"--user", "poort", "--password", "geheim"}));
  auto cfg = email_config(sink);
  cfg.username = "poort";
  cfg.password_file = sink.dir() / "password";
  write_file(cfg.password_file, "fout\n");
  const store::email_message m{1, "approved", "a@b.test", "Onderwerp", "Tekst", 0};
  EXPECT_FALSE(daemon::send_mail(cfg, m, fake_clock{}.now()));
  write_file(cfg.password_file, "geheim\n");
  EXPECT_TRUE(daemon::send_mail(cfg, m, fake_clock{}.now()));
  EXPECT_EQ(sink.messages().size(), 1u);
}

// Verifies the outbox: a failed send is retried after the interval, then delivered once.
TEST(Mailer, OutboxRetriesAFailedSend) {
  smtp_sink sink;
  ASSERT_TRUE(sink.start({"--fail-first", "1"}));
  temp_dir dir;
  fake_clock clock;
  config::store sc;
  sc.database = dir.path() / "poort.db";
  auto db = store::database::open(sc, clock, store::open_mode::migrate);
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->write([&](store::transaction& tx) {
    return store::enqueue_email(tx, {0, "connected", "nazorg@zwolle.test", "Aangesloten", "Aangesloten.", 0},
                                clock.now());
  }));
  auto cfg = email_config(sink);
  cfg.retry_interval = 60s;
  auto send = [&](const store::email_message& m) { return daemon::send_mail(cfg, m, clock.now()); };
  EXPECT_EQ(daemon::deliver_due_emails(**db, cfg, send, clock.now()).value(), 0u);  // 451 from the sink
  clock.advance(59s);
  EXPECT_EQ(daemon::deliver_due_emails(**db, cfg, send, clock.now()).value(), 0u);  // not due yet
  clock.advance(1s);
  EXPECT_EQ(daemon::deliver_due_emails(**db, cfg, send, clock.now()).value(), 1u);
  clock.advance(1h);
  EXPECT_EQ(daemon::deliver_due_emails(**db, cfg, send, clock.now()).value(), 0u);  // sent once only
  EXPECT_EQ(sink.messages().size(), 1u);
}

// -------------------------------------------------------------- system certificate

// Verifies the application's certificate check: chain, validity, revocation, purpose and OIN.
TEST(SystemCertificate, ChecksChainValidityRevocationAndPurpose) {
  const pki& p = pki::shared();
  const std::string ca = slurp(p.file("ca.crt"));
  const std::vector<std::string> crls{slurp(p.file("crl.pem"))};
  const sys_time now = std::chrono::system_clock::now();
  auto check = [&](const std::string& name) {
    return daemon::verify_system_certificate(slurp(p.file(name + ".crt")), ca, crls, now, true);
  };
  auto good = check("gemeente-1");
  ASSERT_TRUE(good) << good.error().message();
  EXPECT_EQ(good->oin, p.oin("GEMEENTE_1"));
  auto cert = load_certificate_file(p.file("gemeente-1.crt"));
  EXPECT_EQ(good->sha256, certificate_fingerprint_sha256(cert->get()));
  for (const std::string bad : {"expired", "revoked", "untrusted", "wrong-eku", "system"})
    EXPECT_EQ(check(bad).error(), common_error::crypto_error) << bad;
  EXPECT_EQ(daemon::verify_system_certificate("geen certificaat", ca, crls, now, true).error(),
            common_error::invalid_argument);
  EXPECT_EQ(daemon::verify_system_certificate(slurp(p.file("pi-1.crt")) + slurp(p.file("pi-2.crt")), ca, crls,
                                              now, true)
                .error(),
            common_error::invalid_argument);
}

// Verifies that an uploaded system certificate with a test OIN is untrusted
// unless the config allows test OINs (issue 15).
TEST(SystemCertificate, TestOinIsUntrustedUnlessAllowed) {
  const pki& p = pki::shared();
  const std::string ca = slurp(p.file("ca.crt"));
  const std::vector<std::string> crls{slurp(p.file("crl.pem"))};
  const std::string pem = slurp(p.file("gemeente-1.crt"));
  const sys_time now = std::chrono::system_clock::now();
  EXPECT_EQ(daemon::verify_system_certificate(pem, ca, crls, now, false).error(), common_error::crypto_error);
  EXPECT_TRUE(daemon::verify_system_certificate(pem, ca, crls, now, true));
}

// ------------------------------------------------------------------ the whole path

response https(std::uint16_t port, http::verb method, const std::string& target, const std::string& body = "",
               const std::map<std::string, std::string>& headers = {}, const std::string& client = "") {
  tls_client c(port, client);
  if (c.connect()) return {};
  return c.request(method, target, body, headers);
}

std::string run_capture(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return ::pclose(f) == 0 ? out : "FAILED: " + out;
}

json::object json_of(const response& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

/// A portal session: the cookie and the CSRF token.
struct session {
  std::string cookie;
  std::string csrf;
};

class OnboardingPath : public ::testing::Test {
 protected:
  void SetUp() override {
    const pki& p = pki::shared();
    const fs::path dir = dir_.path();
    port_ = free_port();
    ASSERT_TRUE(sink_.start());
    prepare_test_idps(dir, {broker_idp(), admin_idp()});
    config_ = dir / "poort.toml";
    write_file(config_, config_text());
    // The registry and the conditions through poortctl, as an operator would.
    const std::string ctl = binary("tools/poortctl/poortctl").string() + " ";
    const std::string cfg = " --config '" + config_.string() + "' 2>&1";
    ASSERT_EQ(run_capture(ctl + "migrate" + cfg).find("FAILED"), std::string::npos);
    write_file(dir / "gemeenten.csv",
               "gemeentecode,naam,kvk,rsin,oin,geldig_van,geldig_tot\n"
               "GM0193,Zwolle,50000001,001234560," +
                   p.oin("UNKNOWN") +
                   ",2000-01-01,\n"
                   "GM0865,Vught,50000002,001234572,,2000-01-01,\n");
    auto imported = run_capture(ctl + "registry import '" + (dir / "gemeenten.csv").string() + "'" + cfg);
    ASSERT_NE(imported.find("registry import: 2 new, 0 updated"), std::string::npos) << imported;
    write_file(dir / "voorwaarden.txt", "Aansluitvoorwaarden poort, versie 2026-1.\n");
    auto published = run_capture(ctl + "conditions add '" + (dir / "voorwaarden.txt").string() +
                                 "' --version 2026-1" + cfg);
    ASSERT_NE(published.find("published conditions 2026-1"), std::string::npos) << published;

    const std::string metadata = run_capture(ctl + "sp-metadata --config '" + config_.string() + "'");
    ASSERT_NE(metadata.find("EntityDescriptor"), std::string::npos) << "poortctl sp-metadata failed";
    write_file(dir / "sp-metadata.xml", metadata);
    ASSERT_TRUE(start_test_idp(broker_, dir, broker_idp()));
    ASSERT_TRUE(start_test_idp(admin_idp_, dir, admin_idp()));
    daemon_ = std::make_unique<daemon_process>(config_);
    ASSERT_TRUE(daemon_->start()) << dump();
  }
  void TearDown() override {
    if (daemon_) daemon_->stop();
  }

  std::string config_text() {
    login_config_options o;
    o.portal_port = port_;
    o.idps = {broker_idp(), admin_idp()};
    o.with_crl = true;
    o.extra = "[email]\nenabled = true\nsmtp_url = \"" + sink_.url() +
              "\"\nfrom = \"poort@justid.test\"\nadministrator_address = \"aansluiten@justid.test\"\n"
              "ca_bundle = \"" +
              pki::shared().file("ca.crt").string() + "\"\n";
    return login_config(dir_.path(), o);
  }

  /// A whole login through the test IdP: the session cookie and CSRF token.
  session login(const std::string& service, const std::string& choices) {
    auto start = https(port_, http::verb::get, "/saml/login?service=" + service);
    EXPECT_EQ(start.status, 303u) << start.body;
    location sso = parse_location(start.header("location"));
    const auto qm = sso.target.find('?');
    auto idp = https(sso.port, http::verb::get,
                     "/test/login?" + (qm == std::string::npos ? "" : sso.target.substr(qm + 1)) + choices);
    response acs;
    if (idp.status == 303) {
      acs = https(port_, http::verb::get, parse_location(idp.header("location")).target);
    } else {
      std::smatch m;
      static const std::regex action_re(R"re(<form method="post" action="([^"]*)")re");
      static const std::regex input_re(R"re(<input type="hidden" name="([^"]*)" value="([^"]*)">)re");
      EXPECT_TRUE(std::regex_search(idp.body, m, action_re)) << idp.status << " " << idp.body;
      const std::string action = html_unescape(m[1].str());
      std::string body;
      for (auto it = std::sregex_iterator(idp.body.begin(), idp.body.end(), input_re);
           it != std::sregex_iterator(); ++it) {
        if (!body.empty()) body += '&';
        body += url_encode(html_unescape((*it)[1].str())) + "=" + url_encode(html_unescape((*it)[2].str()));
      }
      acs = https(port_, http::verb::post, parse_location(action).target, body,
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
    }
    EXPECT_EQ(acs.status, 303u) << acs.body << dump();
    session s;
    const std::string sc = acs.header("set-cookie");
    s.cookie = sc.substr(0, sc.find(';'));
    auto me = https(port_, http::verb::get, "/api/v1/sessie", "", {{"Cookie", s.cookie}});
    EXPECT_EQ(me.status, 200u) << me.body;
    s.csrf = std::string(json_of(me).at("csrfToken").as_string());
    return s;
  }

  response call(const session& s, http::verb method, const std::string& target,
                const std::string& body = "") {
    std::map<std::string, std::string> h{{"Cookie", s.cookie}};
    if (method != http::verb::get) {
      h["X-CSRF-Token"] = s.csrf;
      h["Content-Type"] = "application/json";
    }
    return https(port_, method, target, body, h);
  }

  std::string dump() {
    std::string out;
    if (daemon_)
      for (const auto& l : daemon_->lines()) out += l + "\n";
    return out;
  }

  temp_dir dir_;
  std::uint16_t port_ = 0;
  fs::path config_;
  smtp_sink sink_;
  child_process broker_, admin_idp_;
  std::unique_ptr<daemon_process> daemon_;
};

// Verifies `poortctl cohort`: open (with the portal's rules: a window that
// closes before it opens is refused), list, close early, and a second close
// refused; every attempt audited with actor poortctl; bad arguments are a
// usage error that writes nothing.
TEST_F(OnboardingPath, PoortctlOpensListsAndClosesCohorts) {
  const std::string ctl = binary("tools/poortctl/poortctl").string() + " ";
  const std::string cfg = " --config '" + config_.string() + "' 2>&1";
  const std::string settings =
      "--name 'Cohort via poortctl' --kind REGULAR --opens-at 2020-01-06T00:00:00Z "
      "--closes-at 2099-01-01T00:00:00Z --capacity 10 --connection-at 2099-02-01T00:00:00Z";
  const std::string opened = run_capture(ctl + "cohort open " + settings + cfg);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(opened, m, std::regex("^opened cohort ([0-9a-f-]{36})\n"))) << opened;
  const std::string id = m[1];

  auto refused =
      run_capture(ctl + "cohort open --name Later --kind PILOT --opens-at 2027-01-01T00:00:00Z " +
                  "--closes-at 2026-01-01T00:00:00Z --capacity 5 --connection-at 2027-02-01T00:00:00Z" + cfg);
  EXPECT_NE(refused.find("FAILED: poortctl: refused: COHORT_WINDOW_INVALID"), std::string::npos) << refused;
  auto usage =
      run_capture(ctl + "cohort open --name X --kind WEEKLY --opens-at gisteren --capacity -1" + cfg);
  EXPECT_NE(usage.find("--kind wants PILOT or REGULAR"), std::string::npos) << usage;
  EXPECT_NE(usage.find("--opens-at wants an RFC 3339 time"), std::string::npos) << usage;
  EXPECT_NE(usage.find("--capacity wants a number"), std::string::npos) << usage;

  auto listed = run_capture(ctl + "cohort list" + cfg);
  EXPECT_NE(listed.find(id + " REGULAR registration 2020-01-06T00:00:00Z..2099-01-01T00:00:00Z (open) 0/10 "
                             "registered, connection 2099-02-01T00:00:00Z \"Cohort via poortctl\""),
            std::string::npos)
      << listed;
  EXPECT_NE(listed.find("1 cohort(s)"), std::string::npos) << listed;

  EXPECT_EQ(run_capture(ctl + "cohort close " + id + cfg), "closed cohort " + id + "\n");
  EXPECT_NE(run_capture(ctl + "cohort list" + cfg).find("(closed)"), std::string::npos);
  EXPECT_NE(run_capture(ctl + "cohort close " + id + cfg).find("refused: COHORT_CLOSED"), std::string::npos);
  EXPECT_NE(run_capture(ctl + "cohort close no-such-cohort" + cfg).find("no cohort no-such-cohort"),
            std::string::npos);

  auto conn = store::connection::open(dir_.path() / "poort.db", store::connection::access::read_only,
                                      std::chrono::seconds{5});
  ASSERT_TRUE(conn);
  const auto count = [&](const std::string& where) {
    return conn->query_int64("SELECT count(*) FROM audit_log WHERE actor = 'poortctl' AND " + where).value();
  };
  EXPECT_EQ(
      count("action = 'onboarding.cohort.create' AND result = 'success' AND object = 'cohort:" + id + "'"),
      1);
  EXPECT_EQ(count("action = 'onboarding.cohort.create' AND result = 'denied:COHORT_WINDOW_INVALID'"), 1);
  EXPECT_EQ(count("action = 'onboarding.cohort.close' AND result = 'success'"), 1);
  EXPECT_EQ(count("action = 'onboarding.cohort.close' AND result = 'denied:COHORT_CLOSED'"), 1);
  EXPECT_EQ(conn->query_int64("SELECT count(*) FROM cohorten").value(), 1);
}

// Verifies the whole path: open cohort -> register -> accept conditions -> apply -> sign -> approve ->
// connected by the daemon's scheduler on the date; then the system certificate is a party and the
// notices reached the SMTP sink.
TEST_F(OnboardingPath, FromCohortToConnectionThroughRealLogins) {
  const pki& p = pki::shared();
  // Before connection the municipality's system certificate is unknown.
  auto before = https(daemon_->system_port(), http::verb::get, "/api/v1/whoami", "", {}, "unknown-oin");
  EXPECT_EQ(before.status, 403u);

  const session admin = login("admin", "");
  const auto now = std::chrono::system_clock::now();
  const std::string connection_at = format_rfc3339(now + 4s);
  auto cohort =
      call(admin, http::verb::post, "/api/v1/cohorten",
           R"({"naam":"Pilot","soort":"PILOT","opentOp":")" + format_rfc3339(now - 1h) + R"(","sluitOp":")" +
               format_rfc3339(now + 24h) + R"(","capaciteit":10,"aansluitenOp":")" + connection_at + R"("})");
  ASSERT_EQ(cohort.status, 201u) << cohort.body << dump();
  const std::string cohort_id(json_of(cohort).at("id").as_string());

  const session casework = login("casework", "&organisatie=zwolle");
  auto reg = call(casework, http::verb::post, "/api/v1/gemeenten/GM0193/aanmelding",
                  R"({"cohortId":")" + cohort_id + R"("})");
  ASSERT_EQ(reg.status, 201u) << reg.body << dump();
  const auto conditions = json_of(reg).at("actueleVoorwaarden").as_object();
  EXPECT_EQ(conditions.at("sha256").as_string(), sha256_hex("Aansluitvoorwaarden poort, versie 2026-1.\n"));
  auto text = call(casework, http::verb::get, "/api/v1/aansluitvoorwaarden/2026-1");
  ASSERT_EQ(text.status, 200u);
  EXPECT_EQ(json_of(text).at("tekst").as_string(), "Aansluitvoorwaarden poort, versie 2026-1.\n");
  auto accepted =
      call(casework, http::verb::post, "/api/v1/gemeenten/GM0193/voorwaardenacceptatie",
           R"({"versie":"2026-1","sha256":")" + std::string(conditions.at("sha256").as_string()) + R"("})");
  ASSERT_EQ(accepted.status, 200u) << accepted.body;

  json::object application{
      {"nazorgcoordinator",
       {{"naam", "J. de Vries"}, {"email", "nazorg@zwolle.test"}, {"telefoon", "038-4982000"}}},
      {"ontvangtDetentiemeldingen", true},
      {"ontvangtInformatiebladen", true},
      {"systeemcertificaat", {{"pem", slurp(p.file("unknown-oin.crt"))}}}};
  auto applied =
      call(casework, http::verb::put, "/api/v1/gemeenten/GM0193/aanvraag", json::serialize(application));
  ASSERT_EQ(applied.status, 200u) << applied.body << dump();
  const std::string hash(json_of(applied).at("aanvraagSha256").as_string());

  // The case worker cannot sign; the signatory of the same organisation can.
  auto refused = call(casework, http::verb::post, "/api/v1/gemeenten/GM0193/ondertekening",
                      R"({"aanvraagSha256":")" + hash + R"("})");
  EXPECT_EQ(refused.status, 403u);
  const session signatory = login("signing", "&organisatie=zwolle&gebruiker=burgemeester");
  auto view = call(signatory, http::verb::get, "/api/v1/gemeenten/GM0193/aansluiting");
  ASSERT_EQ(view.status, 200u);
  EXPECT_EQ(json_of(view).at("aanvraagSha256").as_string(), hash);
  auto signed_ = call(signatory, http::verb::post, "/api/v1/gemeenten/GM0193/ondertekening",
                      R"({"aanvraagSha256":")" + hash + R"("})");
  ASSERT_EQ(signed_.status, 200u) << signed_.body << dump();
  const auto signature = json_of(signed_).at("ondertekening").as_object();
  EXPECT_FALSE(signature.at("assertionId").as_string().empty());
  EXPECT_FALSE(signature.at("ondertekenaar").as_string().empty());

  auto approved =
      call(admin, http::verb::post, "/api/v1/gemeenten/GM0193/beoordeling", R"({"besluit":"GOEDKEUREN"})");
  ASSERT_EQ(approved.status, 200u) << approved.body;
  EXPECT_EQ(json_of(approved).at("status").as_string(), "APPROVED");

  // The daemon's scheduler connects it once the date has come.
  std::string status;
  for (int i = 0; i < 60 && status != "CONNECTED"; ++i) {
    std::this_thread::sleep_for(500ms);
    status = std::string(json_of(call(admin, http::verb::get, "/api/v1/gemeenten/GM0193/aansluiting"))
                             .at("status")
                             .as_string());
  }
  ASSERT_EQ(status, "CONNECTED") << dump();
  EXPECT_GE(std::chrono::system_clock::now(), *parse_rfc3339(connection_at));

  // Its system certificate is now a known party on the system listener.
  auto who = https(daemon_->system_port(), http::verb::get, "/api/v1/whoami", "", {}, "unknown-oin");
  ASSERT_EQ(who.status, 200u) << who.body << dump();
  EXPECT_EQ(json_of(who).at("soort").as_string(), "GEMEENTELIJK_SYSTEEM");
  EXPECT_EQ(json_of(who).at("gemeentecode").as_string(), "GM0193");

  // The notices: registration, needs signing, approved, connected.
  std::vector<std::string> subjects;
  for (int i = 0; i < 40 && sink_.messages().size() < 4; ++i) std::this_thread::sleep_for(250ms);
  for (const auto& m : sink_.messages()) subjects.push_back(body_of_mail(m).substr(0, 40));
  ASSERT_EQ(subjects.size(), 4u) << dump();
  EXPECT_NE(sink_.messages()[0].find("To: <aansluiten@justid.test>"), std::string::npos);
  EXPECT_NE(sink_.messages()[3].find("To: <nazorg@zwolle.test>"), std::string::npos);
  EXPECT_NE(body_of_mail(sink_.messages()[3]).find("is aangesloten"), std::string::npos);

  // The OpenAPI document is served on both listeners.
  EXPECT_EQ(https(port_, http::verb::get, "/api/v1/openapi.json").status, 200u);
  EXPECT_EQ(https(daemon_->system_port(), http::verb::get, "/api/v1/openapi.json", "", {}, "pi-1").status,
            200u);
  auto audit = run_capture(binary("tools/poortctl/poortctl").string() + " audit verify --config '" +
                           config_.string() + "' 2>/dev/null");
  EXPECT_NE(audit.find("audit chain intact"), std::string::npos) << audit;
}

/// A second client certificate for `oin`, issued now by the test CA (openssl), written as
/// `<dir>/<name>.crt` and `.key`. Returns the path without extension ("" on failure).
std::string issue_client_certificate(const fs::path& dir, const std::string& name, const std::string& oin) {
  const pki& p = pki::shared();
  const fs::path base = dir / name;
  write_file(dir / (name + ".ext"),
             "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
             "extendedKeyUsage=clientAuth\n");
  const std::string q = "'";
  const std::string cmd =
      "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + q + base.string() +
      ".key' -subj '/C=NL/O=Gemeente Zwolle/serialNumber=" + oin + "/CN=" + name + ".poort.test' -out " + q +
      base.string() + ".csr' && openssl x509 -req -in " + q + base.string() + ".csr' -CA " + q +
      p.file("ca.crt").string() + "' -CAkey " + q + p.file("ca.key").string() + "' -set_serial 0x" +
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) +
      " -days 30 -sha256 -extfile " + q + (dir / (name + ".ext")).string() + "' -out " + q + base.string() +
      ".crt' 2>&1";
  const auto out = run_capture(cmd);
  return out.starts_with("FAILED") ? std::string{} : base.string();
}

// Verifies the portal's new routes through real logins: settings (read by the case worker,
// changed by the signatory only; a new system certificate replaces the old one on the system
// listener), the audit trail search with paging, and a new attempt for a push that gave up.
TEST_F(OnboardingPath, SettingsAuditSearchAndPushRetryThroughRealLogins) {
  const pki& p = pki::shared();
  const session admin = login("admin", "");
  const auto now = std::chrono::system_clock::now();
  auto cohort = call(admin, http::verb::post, "/api/v1/cohorten",
                     R"({"naam":"Pilot","soort":"PILOT","opentOp":")" + format_rfc3339(now - 1h) +
                         R"(","sluitOp":")" + format_rfc3339(now + 24h) +
                         R"(","capaciteit":10,"aansluitenOp":")" + format_rfc3339(now + 48h) + R"("})");
  ASSERT_EQ(cohort.status, 201u) << cohort.body << dump();
  const session casework = login("casework", "&organisatie=zwolle");
  ASSERT_EQ(call(casework, http::verb::post, "/api/v1/gemeenten/GM0193/aanmelding",
                 R"({"cohortId":")" + std::string(json_of(cohort).at("id").as_string()) + R"("})")
                .status,
            201u);
  ASSERT_EQ(call(casework, http::verb::post, "/api/v1/gemeenten/GM0193/voorwaardenacceptatie",
                 R"({"versie":"2026-1","sha256":")" +
                     sha256_hex("Aansluitvoorwaarden poort, versie 2026-1.\n") + R"("})")
                .status,
            200u);
  json::object application{
      {"nazorgcoordinator",
       {{"naam", "J. de Vries"}, {"email", "nazorg@zwolle.test"}, {"telefoon", "038-4982000"}}},
      {"ontvangtDetentiemeldingen", true},
      {"ontvangtInformatiebladen", true},
      {"systeemcertificaat", {{"pem", slurp(p.file("unknown-oin.crt"))}}},
      {"pushEndpoint", "https://nazorg.zwolle.test/poort"}};
  auto applied =
      call(casework, http::verb::put, "/api/v1/gemeenten/GM0193/aanvraag", json::serialize(application));
  ASSERT_EQ(applied.status, 200u) << applied.body;
  const session signatory = login("signing", "&organisatie=zwolle&gebruiker=burgemeester");
  ASSERT_EQ(call(signatory, http::verb::post, "/api/v1/gemeenten/GM0193/ondertekening",
                 R"({"aanvraagSha256":")" + std::string(json_of(applied).at("aanvraagSha256").as_string()) +
                     R"("})")
                .status,
            200u);
  ASSERT_EQ(
      call(admin, http::verb::post, "/api/v1/gemeenten/GM0193/beoordeling", R"({"besluit":"GOEDKEUREN"})")
          .status,
      200u);
  ASSERT_EQ(
      call(admin, http::verb::post, "/api/v1/gemeenten/GM0193/statuswijziging", R"({"actie":"AANSLUITEN"})")
          .status,
      200u);
  auto whoami = [&](const std::string& client) {
    return https(daemon_->system_port(), http::verb::get, "/api/v1/whoami", "", {}, client);
  };
  ASSERT_EQ(whoami("unknown-oin").status, 200u) << dump();
  // A keep-alive connection with the old certificate, open across the change below.
  tls_client kept(daemon_->system_port(), "unknown-oin");
  ASSERT_FALSE(kept.connect());
  ASSERT_EQ(kept.request(http::verb::get, "/api/v1/whoami").status, 200u);

  // --- settings: the case worker reads, only the signatory changes (with the CSRF token).
  const std::string path = "/api/v1/gemeenten/GM0193/instellingen";
  auto settings = call(casework, http::verb::get, path);
  ASSERT_EQ(settings.status, 200u) << settings.body;
  const auto old_cert = load_certificate_file(p.file("unknown-oin.crt"));
  EXPECT_EQ(json_of(settings).at("systeemcertificaat").at("vingerafdruk").as_string(),
            certificate_fingerprint_sha256(old_cert->get()));
  EXPECT_TRUE(json_of(settings).at("wijzigbaar").as_bool());
  const std::string second = issue_client_certificate(dir_.path(), "zwolle-2", p.oin("UNKNOWN"));
  ASSERT_FALSE(second.empty());
  const std::string change = json::serialize(json::object{{"wilDetentiemeldingen", true},
                                                          {"wilInformatiebladen", false},
                                                          {"pushEndpoint", "https://nieuw.zwolle.test/poort"},
                                                          {"systeemcertificaatPem", slurp(second + ".crt")}});
  EXPECT_EQ(call(casework, http::verb::put, path, change).status, 403u);
  EXPECT_EQ(https(port_, http::verb::put, path, change,
                  {{"Cookie", signatory.cookie}, {"Content-Type", "application/json"}})
                .status,
            403u)
      << "no CSRF token";
  for (const std::string bad : {"gemeente-1", "untrusted", "expired", "revoked"}) {
    auto refused =
        call(signatory, http::verb::put, path,
             json::serialize(json::object{{"wilDetentiemeldingen", true},
                                          {"wilInformatiebladen", true},
                                          {"systeemcertificaatPem", slurp(p.file(bad + ".crt"))}}));
    EXPECT_EQ(refused.status, 422u) << bad << " " << refused.body;
  }
  auto changed = call(signatory, http::verb::put, path, change);
  ASSERT_EQ(changed.status, 200u) << changed.body << dump();
  const auto view = json_of(changed);
  EXPECT_FALSE(view.at("wilInformatiebladen").as_bool());
  EXPECT_EQ(view.at("pushEndpoint").as_string(), "https://nieuw.zwolle.test/poort");
  EXPECT_NE(std::string_view(view.at("systeemcertificaat").at("onderwerp").as_string())
                .find("CN=zwolle-2.poort.test"),
            std::string_view::npos);
  EXPECT_FALSE(view.at("systeemcertificaat").at("geldigTot").is_null());
  // The system listener knows the new certificate and no longer the old one.
  auto as_new = whoami(second);
  ASSERT_EQ(as_new.status, 200u) << as_new.body << dump();
  EXPECT_EQ(json_of(as_new).at("gemeentecode").as_string(), "GM0193");
  EXPECT_EQ(whoami("unknown-oin").status, 403u);
  // The open connection loses the old certificate too, within the daemon's
  // recheck interval of one second.
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(kept.request(http::verb::get, "/api/v1/whoami").status, 403u);

  // --- a push that gave up, put back in the queue by an administrator.
  const std::string id = "0c0ffee0-1234-4abc-8def-000000000042";
  {
    auto db = store::connection::open(dir_.path() / "poort.db", store::connection::access::read_write, 10s);
    ASSERT_TRUE(db) << db.error().message();
    const std::string at = format_rfc3339(std::chrono::system_clock::now() - 48h, true);
    ASSERT_TRUE(
        db->exec("INSERT INTO leveringen (bericht_id, soort, afzender_oin, gemeentecode, body_sha256, "
                 "ontvangen_op) VALUES ('" +
                 id + "', 'DETENTIEMELDING', '" + p.oin("PI_1") + "', 'GM0193', '" + std::string(64, 'a') +
                 "', '" + at +
                 "'); INSERT INTO uitgaande_berichten (bericht_id, gemeentecode, endpoint, status, "
                 "pogingen, volgende_poging_op, laatste_fout, aangemaakt_op) VALUES ('" +
                 id + "', 'GM0193', 'https://nazorg.zwolle.test/poort', 'OPGEGEVEN', 12, '" + at +
                 "', 'http_503', '" + at + "')"));
  }
  const std::string retry = "/api/v1/beheer/uitgaande-berichten/" + id + "/nieuwe-poging";
  EXPECT_EQ(call(signatory, http::verb::post, retry).status, 403u);
  auto requeued = call(admin, http::verb::post, retry);
  ASSERT_EQ(requeued.status, 202u) << requeued.body << dump();
  EXPECT_EQ(json_of(requeued).at("status").as_string(), "WACHTEND");
  EXPECT_EQ(json_of(requeued).at("gemeentecode").as_string(), "GM0193");
  auto again = call(admin, http::verb::post, retry);
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(json_of(again).at("code").as_string(), "push_not_given_up");

  // --- the audit trail: the settings changes, paged; the search itself is audited.
  EXPECT_EQ(call(casework, http::verb::get, "/api/v1/beheer/auditregels").status, 403u);
  const std::string search =
      "/api/v1/beheer/auditregels?actie=settings.change&object=gemeente%3AGM0193&limiet=1";
  auto first = call(admin, http::verb::get, search);
  ASSERT_EQ(first.status, 200u) << first.body;
  const auto page1 = json_of(first);
  ASSERT_EQ(page1.at("auditregels").as_array().size(), 1u);
  EXPECT_EQ(page1.at("auditregels").as_array()[0].at("resultaat").as_string(), "success");
  ASSERT_FALSE(page1.at("volgende").is_null());
  auto second_page =
      json_of(call(admin, http::verb::get, search + "&na=" + json::serialize(page1.at("volgende"))));
  ASSERT_EQ(second_page.at("auditregels").as_array().size(), 1u);
  EXPECT_EQ(second_page.at("auditregels").as_array()[0].at("resultaat").as_string(),
            "denied:APPLICATION_OIN_MISMATCH");
  EXPECT_LT(second_page.at("auditregels").as_array()[0].at("volgnummer").as_int64(),
            page1.at("auditregels").as_array()[0].at("volgnummer").as_int64());
  auto retries = json_of(call(admin, http::verb::get, "/api/v1/beheer/auditregels?object=bericht%3A" + id));
  ASSERT_EQ(retries.at("auditregels").as_array().size(), 2u);
  EXPECT_EQ(retries.at("auditregels").as_array()[0].at("resultaat").as_string(), "denied:not_given_up");
  auto searches = json_of(call(admin, http::verb::get, "/api/v1/beheer/auditregels?actie=audit.search"));
  EXPECT_GE(searches.at("auditregels").as_array().size(), 3u);
  auto audit = run_capture(binary("tools/poortctl/poortctl").string() + " audit verify --config '" +
                           config_.string() + "' 2>/dev/null");
  EXPECT_NE(audit.find("audit chain intact"), std::string::npos) << audit;
}

}  // namespace
}  // namespace poort::test

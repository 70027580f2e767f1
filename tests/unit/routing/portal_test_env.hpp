#pragma once
// The whole application in-process over a real store in a temporary
// directory: real portal sessions (auth::session_manager; the caller sends
// the session cookie and its CSRF token), the onboarding services with a
// certificate check that parses real PEM certificates, the deliveries
// services with a data key, and callers of every kind on both listeners.
//
// `stage(level)` drives municipality A (GM0363) through onboarding over the
// API up to that level; at `delivered` a prison has delivered one detention
// notification to A (`message_id`) whose push to A's endpoint gave up; at
// `sheet_delivered` also an information sheet (`sheet_id`).

#include <stdlib.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "auth/database_session_store.hpp"
#include "auth/session.hpp"
#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/random.hpp"
#include "routing/app.hpp"
#include "routing/delivery_routes.hpp"
#include "routing/login_routes.hpp"
#include "routing/onboarding_routes.hpp"
#include "store/database.hpp"
#include "store/deliveries.hpp"
#include "store/registry.hpp"
#include "tests/unit/config/test_pki.hpp"
#include "tests/unit/routing/routing_test_common.hpp"

namespace poort::routing::test {

inline constexpr std::string_view oin_b = "00000001123456782000";
inline constexpr std::string_view prison_oin = "00000099000020010000";
inline constexpr std::string_view message_id = "3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b10";
inline constexpr std::string_view sheet_id = "3f2b8c1e-7d4a-4e2b-9c61-0a5d7e8f9b11";

/// A PEM certificate with `oin` as subject serialNumber. The test's
/// certificate check trusts it unless its common name is "untrusted".
inline std::string certificate_pem(std::string_view oin, std::string_view common_name = "systeem.test") {
  auto key = test_pki::make_key(test_pki::key_kind::ec_p256);
  auto cert = test_pki::make_self_signed(key.get(), common_name, oin);
  return test_pki::to_pem(cert.get());
}

inline std::string json_string(std::string_view s) { return boost::json::serialize(boost::json::value(s)); }

/// Who calls: a portal session (by role and municipality), a certificate's
/// party on the system listener, or nobody; from where.
struct caller {
  std::string name;
  listener_kind listener = listener_kind::portal;
  std::optional<auth::role> role;  ///< logged in with this role (a session)
  std::string gemeentecode;        ///< of the session's organisation
  std::optional<auth::party> party;
  error_code party_error;
  std::string remote_address = "192.0.2.10";
};

inline auth::party prison_party() {
  return {std::string(prison_oin), "PI Zwolle", auth::party_kind::institution, ""};
}
inline auth::party system_party(std::string_view code) {
  return {std::string(code == code_a ? oin_a : oin_b), code == code_a ? "Amsterdam" : "Rotterdam",
          auth::party_kind::municipal_system, std::string(code)};
}

class portal_env {
 public:
  enum class level {
    base,
    registered,
    conditions_accepted,
    application_draft,
    application_signed,
    connected,
    delivered,
    sheet_delivered,  ///< delivered, and the prison sent A a sheet (`sheet_id`) under TV-2026-000123
  };

  portal_env() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "poort-portal-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
    clock.set(*parse_rfc3339("2026-06-01T12:00:00Z"));
    config::store cfg;
    cfg.database = dir_ / "poort.db";
    auto db = store::database::open(cfg, clock, store::open_mode::migrate);
    if (!db) throw std::runtime_error("open: " + db.error().message());
    db_ = std::move(*db);
    for (auto m : {test_municipality(code_a, "Amsterdam", "34366966", "002564440"),
                   test_municipality(code_b, "Rotterdam", "", "123456782")}) {
      auto ok =
          db_->write([&](store::transaction& tx) { return store::upsert_municipality(tx, m, clock.now()); });
      if (!ok) throw std::runtime_error("registry");
    }

    sessions_ = std::make_shared<auth::session_manager>(std::make_shared<auth::database_session_store>(*db_),
                                                        clock, random, config->session);
    auto login = std::make_shared<login_services>();
    login->sessions = sessions_;
    login->sp_metadata = "<md:EntityDescriptor/>";
    auto onboarding = std::make_shared<onboarding_services>();
    onboarding->verify_system_certificate = [](std::string_view pem) -> result<system_certificate> {
      auto cert = parse_certificate_pem(pem);
      if (!cert) return make_error_code(common_error::invalid_argument);
      const std::string oin = certificate_subject_serial_number(cert->get());
      if (oin.size() != 20) return make_error_code(common_error::invalid_argument);
      if (certificate_subject_common_name(cert->get()) == "untrusted")
        return make_error_code(common_error::crypto_error);
      return system_certificate{oin, certificate_fingerprint_sha256(cert->get())};
    };
    auto delivery = std::make_shared<delivery_services>();
    store::data_key::key_bytes k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 1);
    delivery->key = std::make_shared<store::data_key>("k1", k, random);
    delivery->push_queued = [this] { ++pushes_queued; };

    services s;
    s.random = &random;
    s.clock = &clock;
    s.store = db_.get();
    s.login = login;
    s.onboarding = onboarding;
    s.delivery = delivery;
    s.current_config = [this] { return config; };
    s.authenticate_user = [login](const request& req) { return authenticate_session(*login, req); };
    std::unordered_map<std::string, asset> assets;
    assets["/index.html"] = {"text/html; charset=utf-8", "<!doctype html><title>poort</title>", "\"i1\""};
    assets["/static/css/poort.css"] = {"text/css; charset=utf-8", "body{}", "\"c1\""};
    app_ = std::make_unique<app>(std::move(s), std::move(assets));
  }
  ~portal_env() {
    app_.reset();
    db_->close();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  portal_env(const portal_env&) = delete;
  portal_env& operator=(const portal_env&) = delete;

  /// Sends a request as `who`. A caller with a role has a session (started
  /// on first use) whose cookie and CSRF token go with every request.
  response call(const caller& who, http::verb method, const std::string& target, const std::string& body = "",
                const std::string& content_type = "application/json") {
    request req{method, target, 11};
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
      if (!content_type.empty()) req.set(http::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    if (who.role) {
      const auto& s = session_of(who);
      req.set(http::field::cookie, std::string(auth::session_cookie_name) + "=" + s.id);
      req.set("X-CSRF-Token", s.who.csrf_token);
    }
    request_context ctx;
    ctx.listener = who.listener;
    ctx.request_id = "req-" + std::to_string(++requests_);
    ctx.remote_address = who.remote_address;
    ctx.party = who.party;
    ctx.party_error = who.party_error;
    auto m = app_->find(who.listener, method, target);
    return app_->handle(m, req, ctx);
  }

  /// The session of a caller with a role (one per name).
  const auth::session_manager::started& session_of(const caller& who) {
    auto it = sessions_by_caller_.find(who.name);
    if (it != sessions_by_caller_.end()) return it->second;
    auth::user u;
    u.role = *who.role;
    u.idp = u.role == auth::role::administrator ? "justid" : "eherkenning";
    u.pseudonym = "p-" + std::to_string(sessions_by_caller_.size() + 1);
    if (who.gemeentecode == code_a) u.kvk = "34366966";
    if (who.gemeentecode == code_b) u.rsin = "123456782";
    u.gemeentecode = who.gemeentecode;
    u.assertion_id = "_assertion-" + u.pseudonym;
    u.assurance = "urn:etoegang:core:assurance-class:loa3";
    store::audit_record a{"login", "idp:" + u.idp, "success", who.remote_address, u.actor(), "", clock.now()};
    auto started = sessions_->start(u, "", a);
    if (!started) throw std::runtime_error("session: " + started.error().message());
    return sessions_by_caller_.emplace(who.name, std::move(*started)).first->second;
  }

  // --- callers used by the staging steps
  static caller user(std::string name, auth::role r, std::string_view code) {
    caller c;
    c.name = std::move(name);
    c.role = r;
    c.gemeentecode = std::string(code);
    return c;
  }
  caller admin() const { return user("administrator", auth::role::administrator, ""); }
  caller casework_a() const { return user("casework A", auth::role::casework, code_a); }
  caller signatory_a() const { return user("signatory A", auth::role::signatory, code_a); }
  caller prison() const {
    caller c;
    c.name = "prison certificate";
    c.listener = listener_kind::system;
    c.party = prison_party();
    return c;
  }

  /// Drives A to `to`, expecting each step to succeed.
  void stage(level to) {
    auto expect = [](const response& r, unsigned status, std::string_view step) {
      if (r.result_int() != status)
        throw std::runtime_error(std::string(step) + ": " + std::to_string(r.result_int()) + " " + r.body());
    };
    auto created =
        call(admin(), http::verb::post, "/api/v1/cohorten",
             R"({"naam":"Pilot","soort":"PILOT","opentOp":"2026-01-01T00:00:00Z",)"
             R"("sluitOp":"2027-01-01T00:00:00Z","capaciteit":5,"aansluitenOp":"2027-02-01T00:00:00Z"})");
    expect(created, 201, "cohort");
    cohort_id = std::string(body_of(created).at("id").as_string());
    auto published = call(admin(), http::verb::post, "/api/v1/aansluitvoorwaarden",
                          R"({"versie":"2026-1","tekst":"Aansluitvoorwaarden 2026-1"})");
    expect(published, 201, "conditions");
    const std::string conditions_sha(body_of(published).at("sha256").as_string());
    if (to == level::base) return;
    expect(call(casework_a(), http::verb::post, "/api/v1/gemeenten/GM0363/aanmelding",
                R"({"cohortId":")" + cohort_id + R"("})"),
           201, "register");
    if (to == level::registered) return;
    expect(call(casework_a(), http::verb::post, "/api/v1/gemeenten/GM0363/voorwaardenacceptatie",
                R"({"versie":"2026-1","sha256":")" + conditions_sha + R"("})"),
           200, "accept");
    if (to == level::conditions_accepted) return;
    auto saved = call(casework_a(), http::verb::put, "/api/v1/gemeenten/GM0363/aanvraag", application_body());
    expect(saved, 200, "application");
    if (to == level::application_draft) return;
    const std::string hash(body_of(saved).at("aanvraagSha256").as_string());
    expect(call(signatory_a(), http::verb::post, "/api/v1/gemeenten/GM0363/ondertekening",
                R"({"aanvraagSha256":")" + hash + R"("})"),
           200, "sign");
    if (to == level::application_signed) return;
    expect(call(admin(), http::verb::post, "/api/v1/gemeenten/GM0363/beoordeling",
                R"({"besluit":"GOEDKEUREN"})"),
           200, "approve");
    expect(call(admin(), http::verb::post, "/api/v1/gemeenten/GM0363/statuswijziging",
                R"({"actie":"AANSLUITEN"})"),
           200, "connect");
    if (to == level::connected) return;
    expect(call(prison(), http::verb::post, "/api/v1/detentiemeldingen", detention_body(message_id)), 201,
           "delivery");
    give_up_push(message_id);
    if (to == level::delivered) return;
    expect(call(prison(), http::verb::post, "/api/v1/informatiebladen", sheet_body(sheet_id)), 201, "sheet");
  }

  /// Records that the push of `id` gave up (as the outbox worker would).
  void give_up_push(std::string_view id) {
    const store::audit_identity worker{"internal", "poortd", ""};
    auto ok = db_->write([&](store::transaction& tx) {
      return store::record_push_failed(tx, id, "http_503", clock.now(), true, worker, clock.now());
    });
    if (!ok) throw std::runtime_error("give up: " + ok.error().message());
  }

  /// A's application: both deliveries, push endpoint, `certificate` (A's by default).
  std::string application_body() const {
    return R"({"nazorgcoordinator":{"naam":"A. Bakker","email":"nazorg@amsterdam.example.nl",)"
           R"("telefoon":"020-5551234"},"ontvangtDetentiemeldingen":true,"ontvangtInformatiebladen":true,)"
           R"("systeemcertificaat":{"pem":)" +
           json_string(application_certificate) +
           R"(},"pushEndpoint":"https://nazorg.amsterdam.example.nl/poort"})";
  }

  static std::string detention_body(std::string_view id) {
    return R"({"berichtId":")" + std::string(id) +
           R"(","soort":"BEGIN","persoon":{"bsn":"123456782","geslachtsnaam":"Jansen",)"
           R"("voornamen":"Pieter Jan","geboortedatum":"1990-04-17"},"gebeurtenisdatum":"2026-03-02",)"
           R"("verwachteInvrijheidstelling":"2026-09-01","gemeentecode":"GM0363",)"
           R"("grondslag":"LAATSTE_BRP_ADRES","casemanager":{"naam":"M. de Vries",)"
           R"("email":"m.devries@pi-test.example.nl","telefoon":"+31 20 123 4567"}})";
  }
  static std::string sheet_body(std::string_view id) {
    return R"({"berichtId":")" + std::string(id) +
           R"(","persoon":{"bsn":"123456782","geslachtsnaam":"Jansen","voornamen":"Pieter Jan",)"
           R"("geboortedatum":"1990-04-17"},"gemeentecode":"GM0363","toestemming":{"id":"TV-2026-000123",)"
           R"("datum":"2026-03-10","basisvoorwaarden":{"werkEnInkomen":true,"onderdak":true,"zorg":true,)"
           R"("schulden":true,"identiteitsbewijs":true,"zorgVoorThuis":false}},"secties":{"werkEnInkomen":)"
           R"([{"onderwerp":"WERK","hulpNodig":true,"toelichting":"Zoekt werk."}]},"versie":1})";
  }
  static std::string withdrawal_body(std::string_view id) {
    return R"({"berichtId":")" + std::string(id) +
           R"(","persoon":{"bsn":"123456782"},"gemeentecode":"GM0363","toestemmingId":"TV-2026-000123",)"
           R"("basisvoorwaarden":["ONDERDAK"]})";
  }

  const app& application() const { return *app_; }
  store::database& db() { return *db_; }

  fake_clock clock;
  fake_random random;
  std::shared_ptr<const config::config> config = std::make_shared<config::config>();
  std::string cohort_id;
  std::string application_certificate = certificate_pem(oin_a);
  int pushes_queued = 0;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::database> db_;
  std::shared_ptr<auth::session_manager> sessions_;
  std::unique_ptr<app> app_;
  std::map<std::string, auth::session_manager::started> sessions_by_caller_;
  int requests_ = 0;
};

}  // namespace poort::routing::test

#pragma once
// An in-process app with the onboarding routes over a real store in a
// temporary directory, and callers of every kind (portal users of two
// municipalities, an administrator, certificates on the system listener).

#include <stdlib.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "routing/app.hpp"
#include "routing/onboarding_routes.hpp"
#include "store/database.hpp"
#include "store/registry.hpp"
#include "tests/unit/routing/routing_test_common.hpp"

namespace poort::routing::test {

/// Who calls: a portal user (by role and municipality), nobody, or a
/// certificate on the system listener.
struct caller {
  std::string name;
  listener_kind listener = listener_kind::portal;
  std::optional<auth::user> user;
  std::optional<auth::party> party;
};

inline auth::user make_user(auth::role role, std::string_view code, std::string pseudonym) {
  auth::user u;
  u.role = role;
  u.idp = role == auth::role::administrator ? "justid" : "eherkenning";
  u.pseudonym = std::move(pseudonym);
  if (code == code_a) {
    u.kvk = "34366966";
    u.gemeentecode = std::string(code_a);
  } else if (code == code_b) {
    u.rsin = "123456782";
    u.gemeentecode = std::string(code_b);
  }
  u.assertion_id = "_assertion-" + u.pseudonym;
  u.csrf_token = "csrf-" + u.pseudonym;
  u.session_id_hash = std::string(64, 'e');
  return u;
}

/// The callers of the access-policy table.
inline std::vector<caller> all_callers() {
  return {
      {"anonymous", listener_kind::portal, std::nullopt, std::nullopt},
      {"casework A", listener_kind::portal, make_user(auth::role::casework, code_a, "cw-a"), std::nullopt},
      {"signatory A", listener_kind::portal, make_user(auth::role::signatory, code_a, "sig-a"), std::nullopt},
      {"casework B", listener_kind::portal, make_user(auth::role::casework, code_b, "cw-b"), std::nullopt},
      {"signatory B", listener_kind::portal, make_user(auth::role::signatory, code_b, "sig-b"), std::nullopt},
      {"administrator", listener_kind::portal, make_user(auth::role::administrator, "", "admin-1"),
       std::nullopt},
      {"prison certificate", listener_kind::system, std::nullopt,
       auth::party{"00000099000020010000", "PI Zwolle", auth::party_kind::institution, ""}},
      {"municipal system certificate", listener_kind::system, std::nullopt,
       auth::party{std::string(oin_a), "Amsterdam", auth::party_kind::municipal_system, std::string(code_a)}},
  };
}

class onboarding_app {
 public:
  onboarding_app() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "poort-routing-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = tmpl;
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
    auto onboarding = std::make_shared<onboarding_services>();
    onboarding->verify_system_certificate = [](std::string_view pem) -> result<system_certificate> {
      if (pem == "untrusted") return make_error_code(common_error::crypto_error);
      if (!pem.starts_with("PEM:")) return make_error_code(common_error::invalid_argument);
      return system_certificate{std::string(pem.substr(4, 20)), std::string(64, pem.back())};
    };
    services s;
    s.random = &random;
    s.clock = &clock;
    s.store = db_.get();
    s.onboarding = onboarding;
    s.current_config = [this] { return config; };
    s.authenticate_user = [this](const request& req) -> result<auth::user> {
      auto it = users.find(std::string(req["X-Test-User"]));
      if (it == users.end()) return make_error_code(common_error::invalid_argument);
      return it->second;
    };
    app_ = std::make_unique<app>(std::move(s), std::unordered_map<std::string, asset>{});
  }
  ~onboarding_app() {
    app_.reset();
    db_->close();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// Sends a request as `who`; a portal user's session is "logged in" for it.
  response call(const caller& who, http::verb method, const std::string& target, const std::string& body = "",
                const std::string& content_type = "application/json") {
    request req{method, target, 11};
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
      req.set(http::field::content_type, content_type);
      req.body() = body;
      req.prepare_payload();
    }
    request_context ctx;
    ctx.listener = who.listener;
    ctx.request_id = "req-" + std::to_string(++requests_);
    ctx.remote_address = "192.0.2.10";
    if (who.user) {
      users[who.user->pseudonym] = *who.user;
      req.set("X-Test-User", who.user->pseudonym);
      req.set("X-CSRF-Token", who.user->csrf_token);
    }
    ctx.party = who.party;
    auto m = app_->find(who.listener, method, target);
    return app_->handle(m, req, ctx);
  }

  const app& application() const { return *app_; }
  store::database& db() { return *db_; }

  fake_clock clock;
  fake_random random;
  std::shared_ptr<const config::config> config = std::make_shared<config::config>();
  std::map<std::string, auth::user> users;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::database> db_;
  std::unique_ptr<app> app_;
  int requests_ = 0;
};

}  // namespace poort::routing::test

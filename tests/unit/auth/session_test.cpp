#include "auth/session.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "auth/database_session_store.hpp"
#include "auth/login.hpp"
#include "auth/store_replay_cache.hpp"
#include "common/clock.hpp"
#include "common/random.hpp"

namespace poort::auth {
namespace {

using std::chrono::seconds;

class Sessions : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "poort-auth-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    config::store sc;
    sc.database = dir_ / "poort.db";
    auto db = store::database::open(sc, clock_, store::open_mode::migrate);
    ASSERT_TRUE(db) << db.error().message();
    db_ = std::move(*db);
    timeouts_.idle_timeout = seconds(600);
    timeouts_.absolute_timeout = seconds(3600);
    store_ = std::make_shared<database_session_store>(*db_);
    sessions_ = std::make_unique<session_manager>(store_, clock_, rng_, timeouts_);
  }
  void TearDown() override {
    sessions_.reset();
    store_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static user someone() {
    user u;
    u.role = role::casework;
    u.idp = "eherkenning";
    u.pseudonym = std::string(64, 'a');
    u.kvk = "50000001";
    u.gemeentecode = "GM0193";
    u.assertion_id = "_assertion";
    u.assurance = "urn:etoegang:core:assurance-class:loa3";
    return u;
  }
  static store::audit_record audit(std::string action = "login") {
    store::audit_record a;
    a.action = std::move(action);
    a.result = "success";
    a.origin = "127.0.0.1";
    a.actor = "user:eherkenning:" + std::string(64, 'a');
    return a;
  }
  session_manager::started start(std::string_view previous = "") {
    auto s = sessions_->start(someone(), previous, audit());
    EXPECT_TRUE(s) << s.error().message();
    return *s;
  }
  /// Waits until every write submitted so far is committed (the writer is FIFO).
  void flush() {
    ASSERT_TRUE(db_->write([](store::transaction&) -> result<void> { return {}; }));
  }
  std::int64_t audit_count() {
    return db_->read([](store::reader& r) { return r.query_int64("SELECT count(*) FROM audit_log"); })
        .value();
  }

  std::filesystem::path dir_;
  fake_clock clock_;
  fake_random rng_;
  config::session timeouts_;
  std::unique_ptr<store::database> db_;
  std::shared_ptr<database_session_store> store_;
  std::unique_ptr<session_manager> sessions_;
};

// Verifies that a new session has a 43-character id and CSRF token, is found
// again by its id, and that its start is audited in the same transaction.
TEST_F(Sessions, StartedSessionAuthenticates) {
  auto s = start();
  EXPECT_EQ(s.id.size(), 43u);
  EXPECT_EQ(s.who.csrf_token.size(), 43u);
  EXPECT_EQ(s.who.session_id_hash.size(), 64u);
  auto who = sessions_->authenticate(s.id);
  ASSERT_TRUE(who) << who.error().message();
  EXPECT_EQ(who->role, role::casework);
  EXPECT_EQ(who->gemeentecode, "GM0193");
  EXPECT_EQ(who->csrf_token, s.who.csrf_token);
  EXPECT_EQ(who->session_id_hash, s.who.session_id_hash);
  EXPECT_EQ(audit_count(), 1);
}

// Verifies the idle timeout, to the second, and that activity extends it.
TEST_F(Sessions, IdleTimeoutEndsSessionAndActivityExtendsIt) {
  auto s = start();
  clock_.advance(seconds(599));
  ASSERT_TRUE(sessions_->authenticate(s.id));  // records the activity
  flush();
  clock_.advance(seconds(599));
  ASSERT_TRUE(sessions_->authenticate(s.id));
  flush();
  clock_.advance(seconds(600));
  auto who = sessions_->authenticate(s.id);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error(), session_error::idle_timeout);
  EXPECT_EQ(who.error(), condition::reauthenticate);
  flush();
  EXPECT_EQ(sessions_->authenticate(s.id).error(), session_error::unknown_session);  // removed
}

// Verifies the absolute timeout, whatever the activity.
TEST_F(Sessions, AbsoluteTimeoutEndsActiveSession) {
  auto s = start();
  for (int i = 0; i < 7; ++i) {  // 3500 s, active every 500 s
    clock_.advance(seconds(500));
    ASSERT_TRUE(sessions_->authenticate(s.id)) << i;
    flush();
  }
  clock_.advance(seconds(99));
  ASSERT_TRUE(sessions_->authenticate(s.id));
  clock_.advance(seconds(1));
  EXPECT_EQ(sessions_->authenticate(s.id).error(), session_error::expired);
}

// Verifies that logging in again ends the session the browser came with.
TEST_F(Sessions, StartRotatesPreviousSession) {
  auto first = start();
  auto second = start(first.id);
  EXPECT_NE(first.id, second.id);
  EXPECT_NE(first.who.csrf_token, second.who.csrf_token);
  EXPECT_EQ(sessions_->authenticate(first.id).error(), session_error::unknown_session);
  EXPECT_TRUE(sessions_->authenticate(second.id));
}

// Verifies logout: the session is gone, the logout audited once.
TEST_F(Sessions, EndRemovesSession) {
  auto s = start();
  ASSERT_TRUE(sessions_->end(s.who, audit("logout")));
  EXPECT_EQ(sessions_->authenticate(s.id).error(), session_error::unknown_session);
  EXPECT_EQ(sessions_->end(s.who, audit("logout")).error(), session_error::unknown_session);
  EXPECT_EQ(audit_count(), 2);
}

// Verifies that missing, malformed and unknown ids are refused with their reason.
TEST_F(Sessions, RefusesMissingMalformedAndUnknownIds) {
  EXPECT_EQ(sessions_->authenticate("").error(), session_error::no_session);
  EXPECT_EQ(sessions_->authenticate("short").error(), session_error::cookie_invalid);
  EXPECT_EQ(sessions_->authenticate(std::string(42, 'a') + "!").error(), session_error::cookie_invalid);
  EXPECT_EQ(sessions_->authenticate(std::string(43, 'a')).error(), session_error::unknown_session);
}

// Verifies that a session whose audit record cannot be written is not started.
TEST_F(Sessions, StartFailsWhenAuditFails) {
  auto bad = audit();
  bad.action = "";  // out of the audit record's limits
  EXPECT_FALSE(sessions_->start(someone(), "", bad));
  EXPECT_EQ(
      db_->read([](store::reader& r) { return r.query_int64("SELECT count(*) FROM sessions"); }).value(), 0);
}

// Verifies the store-backed replay cache.
TEST_F(Sessions, StoreReplayCacheRefusesReplay) {
  store_replay_cache cache(store_, clock_);
  EXPECT_EQ(cache.insert_if_absent("_a1", clock_.now() + seconds(60)).value(), true);
  EXPECT_EQ(cache.insert_if_absent("_a1", clock_.now() + seconds(60)).value(), false);
  EXPECT_EQ(cache.insert_if_absent("_a2", clock_.now() + seconds(60)).value(), true);
}

// Verifies that the session cookie is found among others, and only by its exact name.
TEST(SessionCookie, FoundByExactName) {
  EXPECT_EQ(find_session_cookie("a=b; __Host-poort-sessie=XYZ; c=d"), "XYZ");
  EXPECT_EQ(find_session_cookie("__Host-poort-sessie=XYZ"), "XYZ");
  EXPECT_EQ(find_session_cookie("x__Host-poort-sessie=XYZ; poort-sessie=Q"), "");
  EXPECT_EQ(find_session_cookie(""), "");
  const std::string set = session_set_cookie("ID");
  EXPECT_EQ(set, "__Host-poort-sessie=ID; Path=/; Secure; HttpOnly; SameSite=Lax");
  EXPECT_NE(session_clear_cookie().find("Max-Age=0"), std::string::npos);
}

// Verifies which return paths are local.
TEST(LocalPath, OnlyLocalAbsolutePaths) {
  EXPECT_TRUE(is_local_path("/"));
  EXPECT_TRUE(is_local_path("/inbox?x=1"));
  EXPECT_FALSE(is_local_path(""));
  EXPECT_FALSE(is_local_path("inbox"));
  EXPECT_FALSE(is_local_path("//evil.example/"));
  EXPECT_FALSE(is_local_path("/\\evil.example/"));
  EXPECT_FALSE(is_local_path("https://evil.example/"));
  EXPECT_FALSE(is_local_path("/a b"));
  EXPECT_FALSE(is_local_path("/\r\nSet-Cookie: x"));
  EXPECT_FALSE(is_local_path("/" + std::string(512, 'a')));
}

// Verifies that every login reason has a stable code and a condition.
TEST(LoginError, ReasonCodesAndConditions) {
  EXPECT_EQ(reason_code(login_error::organisation_unknown), "organisation_unknown");
  EXPECT_EQ(make_error_code(login_error::organisation_unknown), condition::forbidden);
  EXPECT_EQ(make_error_code(login_error::request_consumed), condition::reauthenticate);
  EXPECT_EQ(make_error_code(login_error::artifact_resolution_failed), condition::unavailable);
}

}  // namespace
}  // namespace poort::auth

// auth's session logic (auth/session.hpp) against an in-memory session store:
// what session_manager decides (ids, expiry, touch interval, rotation, what
// it asks the store to write) independent of any database. The same manager
// on the SQLite store: session_test.cpp.

#include "auth/session.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/random.hpp"
#include "memory_session_store.hpp"
#include "store/error.hpp"

namespace poort::auth {
namespace {

using std::chrono::seconds;

class SessionLogic : public ::testing::Test {
 protected:
  SessionLogic() {
    timeouts_.idle_timeout = seconds(600);
    timeouts_.absolute_timeout = seconds(3600);
    sessions_ = std::make_unique<session_manager>(store_, clock_, rng_, timeouts_);
  }
  static user someone() {
    user u;
    u.role = role::signatory;
    u.idp = "eherkenning";
    u.pseudonym = "pseudonym-1";
    u.kvk = "50000001";
    u.gemeentecode = "GM0193";
    u.assertion_id = "_assertion";
    u.assurance = "urn:etoegang:core:assurance-class:loa3";
    return u;
  }
  static store::audit_record audit(std::string action) {
    store::audit_record a;
    a.action = std::move(action);
    a.result = "success";
    a.origin = "127.0.0.1";
    a.actor = "user:eherkenning:pseudonym-1";
    return a;
  }
  session_manager::started start(std::string_view previous = "") {
    auto s = sessions_->start(someone(), previous, audit("login"));
    EXPECT_TRUE(s) << s.error().message();
    return *s;
  }
  const store::session_record& stored(const session_manager::started& s) {
    return store_->sessions.at(s.who.session_id_hash);
  }

  fake_clock clock_;
  fake_random rng_;
  config::session timeouts_;
  std::shared_ptr<test::memory_session_store> store_ = std::make_shared<test::memory_session_store>();
  std::unique_ptr<session_manager> sessions_;
};

// Verifies what a new session puts in the store: the SHA-256 of the id (never
// the id), the user, the CSRF token, the times, and the audit record with it.
TEST_F(SessionLogic, StartStoresHashOfIdWithUserAndAudit) {
  const auto s = start();
  ASSERT_EQ(store_->sessions.size(), 1u);
  const auto& rec = stored(s);
  EXPECT_EQ(rec.id_hash, sha256_hex(s.id));
  EXPECT_NE(rec.id_hash, s.id);
  EXPECT_EQ(rec.role, "signatory");
  EXPECT_EQ(rec.gemeentecode, "GM0193");
  EXPECT_EQ(rec.csrf_token, s.who.csrf_token);
  EXPECT_EQ(rec.created_at, rec.last_seen);
  EXPECT_EQ(rec.expires_at, rec.created_at + seconds(3600));
  ASSERT_EQ(store_->audits.size(), 1u);
  EXPECT_EQ(store_->audits[0].action, "login");
}

// Verifies rotation: the session the browser came with is deleted, and a
// malformed previous id deletes nothing.
TEST_F(SessionLogic, StartDeletesOnlyAWellFormedPreviousSession) {
  const auto first = start();
  const auto second = start("not-a-session-id");
  EXPECT_EQ(store_->sessions.size(), 2u);
  const auto third = start(first.id);
  EXPECT_EQ(store_->sessions.size(), 2u);
  EXPECT_FALSE(store_->sessions.contains(first.who.session_id_hash));
  EXPECT_TRUE(sessions_->authenticate(second.id));
  EXPECT_TRUE(sessions_->authenticate(third.id));
}

// Verifies that starting a session also purges the expired and idle ones.
TEST_F(SessionLogic, StartPurgesExpiredAndIdleSessions) {
  const auto old = start();
  clock_.advance(seconds(601));  // idle since before now - idle_timeout
  start();
  EXPECT_FALSE(store_->sessions.contains(old.who.session_id_hash));
  EXPECT_EQ(store_->sessions.size(), 1u);
}

// Verifies that activity is recorded only once per touch interval
// (min(60 s, idle/10)).
TEST_F(SessionLogic, TouchesAtMostOncePerInterval) {
  EXPECT_EQ(sessions_->touch_interval(), seconds(60));
  const auto s = start();
  clock_.advance(seconds(59));
  ASSERT_TRUE(sessions_->authenticate(s.id));
  EXPECT_EQ(store_->touches, 0);
  clock_.advance(seconds(1));
  ASSERT_TRUE(sessions_->authenticate(s.id));
  EXPECT_EQ(store_->touches, 1);
  EXPECT_EQ(stored(s).last_seen, clock_.now());
  ASSERT_TRUE(sessions_->authenticate(s.id));
  EXPECT_EQ(store_->touches, 1);

  config::session short_idle;
  short_idle.idle_timeout = seconds(300);
  EXPECT_EQ(session_manager(store_, clock_, rng_, short_idle).touch_interval(), seconds(30));
}

// Verifies the idle timeout at the exact second, and that the session is removed.
TEST_F(SessionLogic, IdleSessionIsRefusedAndRemoved) {
  const auto s = start();
  clock_.advance(seconds(599));
  ASSERT_TRUE(sessions_->authenticate(s.id));
  clock_.advance(seconds(600));
  EXPECT_EQ(sessions_->authenticate(s.id).error(), session_error::idle_timeout);
  EXPECT_TRUE(store_->sessions.empty());
  EXPECT_EQ(sessions_->authenticate(s.id).error(), session_error::unknown_session);
}

// Verifies that past the absolute expiry the reason is `expired`, also when
// the session is idle as well.
TEST_F(SessionLogic, AbsoluteExpiryWinsOverIdle) {
  const auto s = start();
  clock_.advance(seconds(3600));
  EXPECT_EQ(sessions_->authenticate(s.id).error(), session_error::expired);
  EXPECT_TRUE(store_->sessions.empty());
}

// Verifies that a stored session with a role auth does not know is no session.
TEST_F(SessionLogic, UnknownStoredRoleIsUnknownSession) {
  const auto s = start();
  store_->sessions.at(s.who.session_id_hash).role = "superuser";
  EXPECT_EQ(sessions_->authenticate(s.id).error(), session_error::unknown_session);
}

// Verifies that the user comes back from the store as it went in.
TEST_F(SessionLogic, AuthenticateReturnsTheStoredUser) {
  const auto s = start();
  auto who = sessions_->authenticate(s.id);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->role, role::signatory);
  EXPECT_EQ(who->pseudonym, "pseudonym-1");
  EXPECT_EQ(who->kvk, "50000001");
  EXPECT_EQ(who->assertion_id, "_assertion");
  EXPECT_EQ(who->csrf_token, s.who.csrf_token);
  EXPECT_EQ(who->session_id_hash, s.who.session_id_hash);
  EXPECT_EQ(who->logged_in_at, s.who.logged_in_at);
}

// Verifies logout: audited only when there was a session to end.
TEST_F(SessionLogic, EndAuditsOnlyAnExistingSession) {
  const auto s = start();
  ASSERT_TRUE(sessions_->end(s.who, audit("logout")));
  EXPECT_TRUE(store_->sessions.empty());
  EXPECT_EQ(sessions_->end(s.who, audit("logout")).error(), session_error::unknown_session);
  ASSERT_EQ(store_->audits.size(), 2u);
  EXPECT_EQ(store_->audits[1].action, "logout");
}

// Verifies that a store failure is passed on as it is (unavailable, not a
// reason to log in again), and that nothing is cached around it.
TEST_F(SessionLogic, StoreFailureIsPassedOn) {
  const auto s = start();
  store_->fail_with = make_error_code(store::error::busy);
  auto who = sessions_->authenticate(s.id);
  ASSERT_FALSE(who);
  EXPECT_EQ(who.error(), store::error::busy);
  EXPECT_EQ(who.error(), condition::unavailable);
  EXPECT_EQ(sessions_->start(someone(), "", audit("login")).error(), store::error::busy);
  EXPECT_EQ(sessions_->end(s.who, audit("logout")).error(), store::error::busy);
  store_->fail_with.reset();
  EXPECT_TRUE(sessions_->authenticate(s.id));
}

}  // namespace
}  // namespace poort::auth

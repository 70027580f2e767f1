#include "store/login.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "store_test_util.hpp"

namespace poort::store {
namespace {

using std::chrono::seconds;

class LoginStore : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = database::open(test::store_config(dir_.path()), clock_, open_mode::migrate);
    ASSERT_TRUE(db) << db.error().message();
    db_ = std::move(*db);
  }
  authn_request_record request(std::string id, std::string relay) {
    authn_request_record a;
    a.request_id = std::move(id);
    a.relay_state = std::move(relay);
    a.target = "/";
    a.service = "casework";
    a.idp = "eherkenning";
    a.created_at = clock_.now();
    return a;
  }
  result<bool> consume(const std::string& id, seconds lifetime) {
    bool out = false;
    auto ok = db_->write([&](transaction& tx) -> result<void> {
      auto c = consume_authn_request(tx, id, clock_.now(), clock_.now() - lifetime);
      if (!c) return c.error();
      out = *c;
      return {};
    });
    if (!ok) return {boost::system::in_place_error, ok.error()};
    return out;
  }
  result<bool> record(const std::string& id, sys_time expires) {
    bool out = false;
    auto ok = db_->write([&](transaction& tx) -> result<void> {
      auto r = record_assertion_id(tx, id, expires, clock_.now());
      if (!r) return r.error();
      out = *r;
      return {};
    });
    if (!ok) return {boost::system::in_place_error, ok.error()};
    return out;
  }

  test::temp_dir dir_;
  fake_clock clock_;
  std::unique_ptr<database> db_;
};

// Verifies that an AuthnRequest is found by its RelayState and consumed exactly once.
TEST_F(LoginStore, AuthnRequestIsConsumedOnce) {
  ASSERT_TRUE(db_->write(
      [&](transaction& tx) { return insert_authn_request(tx, request("_r1", "relay-state-0001")); }));
  auto found = db_->read([](reader& r) { return find_authn_request_by_relay_state(r, "relay-state-0001"); });
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->request_id, "_r1");
  EXPECT_FALSE((*found)->consumed_at);
  EXPECT_EQ(consume("_r1", seconds(900)).value(), true);
  EXPECT_EQ(consume("_r1", seconds(900)).value(), false);
  found = db_->read([](reader& r) { return find_authn_request_by_relay_state(r, "relay-state-0001"); });
  EXPECT_TRUE((*found)->consumed_at);
}

// Verifies that an AuthnRequest older than its lifetime cannot be consumed, one second earlier it can.
TEST_F(LoginStore, AuthnRequestExpiresAfterLifetime) {
  ASSERT_TRUE(db_->write(
      [&](transaction& tx) { return insert_authn_request(tx, request("_r1", "relay-state-0001")); }));
  ASSERT_TRUE(db_->write(
      [&](transaction& tx) { return insert_authn_request(tx, request("_r2", "relay-state-0002")); }));
  clock_.advance(seconds(901));
  EXPECT_EQ(consume("_r1", seconds(900)).value(), false);
  EXPECT_EQ(consume("_r2", seconds(901)).value(), true);
}

// Verifies that the schema refuses a target that is not a local path.
TEST_F(LoginStore, SchemaRefusesForeignTarget) {
  auto a = request("_r1", "relay-state-0001");
  a.target = "https://evil.example/";
  EXPECT_FALSE(db_->write([&](transaction& tx) { return insert_authn_request(tx, a); }));
}

// Verifies the replay cache: a live ID is a replay, an expired one may be recorded again.
TEST_F(LoginStore, AssertionIdIsAReplayUntilItExpires) {
  const sys_time expires = clock_.now() + seconds(300);
  EXPECT_EQ(record("_a1", expires).value(), true);
  EXPECT_EQ(record("_a1", expires).value(), false);
  clock_.advance(seconds(299));
  EXPECT_EQ(record("_a1", clock_.now() + seconds(300)).value(), false);
  clock_.advance(seconds(1));
  EXPECT_EQ(record("_a1", clock_.now() + seconds(300)).value(), true);
}

// Verifies that purging removes expired and idle sessions and keeps live ones.
TEST_F(LoginStore, PurgeRemovesExpiredAndIdleSessions) {
  auto session = [&](char c, sys_time expires) {
    session_record s;
    s.id_hash = std::string(64, c);
    s.role = "casework";
    s.idp = "eherkenning";
    s.pseudonym = "p";
    s.gemeentecode = "GM0193";
    s.assertion_id = "_a";
    s.csrf_token = std::string(43, 'x');
    s.created_at = s.last_seen = clock_.now();
    s.expires_at = expires;
    return s;
  };
  const sys_time t0 = clock_.now();
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    if (auto r = insert_session(tx, session('a', t0 + seconds(100))); !r) return r;
    return insert_session(tx, session('b', t0 + seconds(1000)));
  }));
  clock_.advance(seconds(100));
  ASSERT_TRUE(
      db_->write([&](transaction& tx) { return touch_session(tx, std::string(64, 'b'), clock_.now()); }));
  ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
    auto n = purge_sessions(tx, clock_.now(), clock_.now() - seconds(50));
    if (!n) return n.error();
    EXPECT_EQ(*n, 1);
    return {};
  }));
  auto a = db_->read([](reader& r) { return find_session(r, std::string(64, 'a')); });
  auto b = db_->read([](reader& r) { return find_session(r, std::string(64, 'b')); });
  EXPECT_FALSE(*a);
  ASSERT_TRUE(*b);
  EXPECT_EQ((*b)->last_seen, clock_.now());
}

}  // namespace
}  // namespace poort::store

// The dispatcher's session check: only a missing, unknown or expired session
// is "log in again" (401); a session store that cannot answer is 503, so that
// nobody is told their session expired when the server failed.
#include "auth/session.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "routing/app.hpp"
#include "store/error.hpp"

namespace poort::routing {
namespace {

class SessionCheck : public ::testing::Test {
 protected:
  response get_sessie(error_code failure) {
    services s;
    s.random = &rnd_;
    s.clock = &clock_;
    s.authenticate_user = [failure](const request&) -> result<auth::user> { return failure; };
    app a(std::move(s), {});
    request req{http::verb::get, "/api/v1/sessie", 11};
    request_context ctx;
    ctx.listener = config::listener_kind::portal;
    ctx.request_id = "test-1";
    ctx.remote_address = "192.0.2.7";
    return a.handle(a.find(ctx.listener, req.method(), std::string(req.target())), req, ctx);
  }

  fake_clock clock_;
  fake_random rnd_;
};

TEST_F(SessionCheck, MissingOrExpiredSessionIsUnauthorized) {
  for (auto e : {auth::session_error::no_session, auth::session_error::unknown_session,
                 auth::session_error::idle_timeout, auth::session_error::expired}) {
    auto res = get_sessie(make_error_code(e));
    EXPECT_EQ(res.result_int(), 401u) << res.body();
    EXPECT_NE(res.body().find("\"not_logged_in\""), std::string::npos);
  }
}

TEST_F(SessionCheck, StoreFailureIsUnavailableNotUnauthorized) {
  auto res = get_sessie(make_error_code(store::error::io_error));
  EXPECT_EQ(res.result_int(), 503u) << res.body();
  EXPECT_NE(res.body().find("\"unavailable\""), std::string::npos);
}

}  // namespace
}  // namespace poort::routing

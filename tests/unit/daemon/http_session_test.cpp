// Unit tests of the socket-free parts of a connection: the response bytes
// (daemon/http_serialize.hpp) and the request ids (daemon/http_session.hpp).
// The session itself is tested against the real daemon
// (tests/integration/daemon_test.cpp).

#include "daemon/http_session.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>

#include <set>
#include <string>

#include "common/random.hpp"
#include "daemon/http_serialize.hpp"
#include "routing/app.hpp"

namespace poort::daemon {
namespace {

namespace http = boost::beast::http;

routing::response text_response(unsigned version, std::string body) {
  routing::response res{http::status::ok, version};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// Verifies that the serialised response is what Beast's serialiser writes
// for the same response after routing::app::finish (the common headers).
TEST(SerializeResponse, MatchesBeastAfterFinish) {
  for (auto listener : {config::listener_kind::portal, config::listener_kind::system}) {
    for (unsigned version : {10u, 11u}) {
      auto res = text_response(version, "hello");
      std::string out;
      serialize_response(res, listener, "/healthz", "abc123-1", out);

      auto expected = res;
      routing::app::finish(expected, listener, "/healthz", "abc123-1");
      http::response_parser<http::string_body> parser;
      parser.eager(true);
      boost::system::error_code ec;
      parser.put(boost::asio::buffer(out), ec);
      ASSERT_FALSE(ec) << ec.message() << "\n" << out;
      ASSERT_TRUE(parser.is_done()) << out;
      const auto& got = parser.get();
      EXPECT_EQ(got.version(), version);
      EXPECT_EQ(got.result_int(), 200u);
      EXPECT_EQ(got.body(), "hello");
      for (const auto& f : expected) EXPECT_EQ(got[f.name_string()], f.value()) << f.name_string();
      std::size_t fields = 0;
      for (const auto& f : got) {
        (void)f;
        ++fields;
      }
      std::size_t expected_fields = 0;
      for (const auto& f : expected) {
        (void)f;
        ++expected_fields;
      }
      EXPECT_EQ(fields, expected_fields) << out;
      EXPECT_TRUE(out.starts_with(version == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n")) << out;
    }
  }
}

// Verifies that a common header replaces the handler's field of the same name
// instead of appearing twice, and that the output buffer is reused (cleared).
TEST(SerializeResponse, CommonHeadersReplaceTheHandlersAndBufferIsCleared) {
  auto res = text_response(11, "x");
  res.set("X-Request-Id", "from-the-handler");
  std::string out = "left over";
  serialize_response(res, config::listener_kind::portal, "/", "req-7", out);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(out.find("from-the-handler"), std::string::npos) << out;
  EXPECT_NE(out.find("req-7"), std::string::npos) << out;
  EXPECT_EQ(out.find("left over"), std::string::npos);
  EXPECT_TRUE(out.ends_with("\r\n\r\nx"));
}

// Verifies that request ids are "<6 hex>-<counter in hex>", distinct, and
// short enough for std::string's inline buffer.
TEST(RequestIds, PrefixAndCounter) {
  fake_random random;
  request_ids ids(random);
  std::set<std::string> seen;
  std::string first;
  for (int i = 0; i < 20; ++i) {
    auto id = ids.next();
    if (i == 0) first = id;
    EXPECT_TRUE(seen.insert(id).second) << id;
    EXPECT_LE(id.size(), 15u) << id;
  }
  ASSERT_EQ(first.size(), 8u);
  EXPECT_EQ(first.substr(6), "-0");
  EXPECT_EQ(first.find_first_not_of("0123456789abcdef"), 6u);
  EXPECT_TRUE(seen.contains(first.substr(0, 7) + "13"));  // the 20th: 0x13
}

}  // namespace
}  // namespace poort::daemon

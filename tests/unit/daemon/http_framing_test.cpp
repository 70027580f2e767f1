#include "daemon/http_framing.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>

#include <optional>
#include <string_view>

namespace poort::daemon {
namespace {

namespace http = boost::beast::http;

// Parses `head` (a complete request head) and applies the framing rule;
// nullopt when Beast itself refuses the head.
std::optional<bool> unambiguous(std::string_view head) {
  http::request_parser<http::string_body> parser;
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec && ec != http::error::need_more) return std::nullopt;
  if (!parser.is_header_done()) return std::nullopt;
  return framing_is_unambiguous(parser);
}

TEST(HttpFraming, AcceptsPlainRequests) {
  EXPECT_EQ(unambiguous("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), true);
  EXPECT_EQ(unambiguous("GET / HTTP/1.0\r\n\r\n"), true);
  EXPECT_EQ(unambiguous("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"), true);
  EXPECT_EQ(unambiguous("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), true);
  EXPECT_EQ(unambiguous("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED\r\n\r\n"), true);
}

// Beast accepts these heads; the rule refuses them.
TEST(HttpFraming, RefusesTwoContentLengths) {
  EXPECT_EQ(unambiguous("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"),
            false);
}

TEST(HttpFraming, RefusesCodingsOtherThanChunkedAlone) {
  EXPECT_EQ(unambiguous("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), false);
  EXPECT_EQ(unambiguous("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), false);
}

// Beast refuses these heads itself (the daemon answers 400 "malformed"); the
// rule would too, should a later Beast let them through.
TEST(HttpFraming, BeastRefusesTheRestItself) {
  EXPECT_EQ(
      unambiguous("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
      std::nullopt);
  EXPECT_EQ(
      unambiguous(
          "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
      std::nullopt);
  EXPECT_EQ(unambiguous("GET / HTTP/1.2\r\nHost: x\r\n\r\n"), std::nullopt);
  EXPECT_EQ(unambiguous("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), std::nullopt);
}

}  // namespace
}  // namespace poort::daemon

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

// Parses `head` and applies all the head rules with `max_fields`; nullopt
// when Beast itself refuses the head.
std::optional<head_verdict> verdict(std::string_view head, std::size_t max_fields = 100) {
  http::request_parser<http::string_body> parser;
  parser.eager(false);
  boost::beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec && ec != http::error::need_more) return std::nullopt;
  if (!parser.is_header_done()) return std::nullopt;
  return check_request_head(parser, has_obsolete_line_folding(head.substr(0, used)), max_fields);
}

TEST(HttpHeadRules, AcceptsPlainRequests) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), head_verdict::ok);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: localhost:8443\r\nAccept: */*\r\n\r\n"), head_verdict::ok);
  EXPECT_EQ(verdict("GET / HTTP/1.0\r\n\r\n"), head_verdict::ok);           // HTTP/1.0 needs no Host
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost:\r\n\r\n"), head_verdict::ok);  // empty: no authority
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"), head_verdict::ok);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: 192.0.2.7\r\n\r\n"), head_verdict::ok);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: poort.example.nl:\r\n\r\n"), head_verdict::ok);  // empty port
}

// RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host.
TEST(HttpHeadRules, HostMissingOrRepeated) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\n\r\n"), head_verdict::invalid_host);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n"), head_verdict::invalid_host);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), head_verdict::invalid_host);
  EXPECT_EQ(verdict("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), head_verdict::invalid_host);
}

TEST(HttpHeadRules, HostSyntax) {
  for (std::string_view bad : {"a b", "user@host", "host:80x", "host:80:81", "[::1", "[]", "[::1]x",
                               "[::1]:a", "ho/st", "ho?st", "%zz", "a%4", "h\"st", "h<st", "\x7f"}) {
    EXPECT_FALSE(host_is_valid(bad)) << bad;
    const std::string head = "GET / HTTP/1.1\r\nHost: " + std::string(bad) + "\r\n\r\n";
    const auto v = verdict(head);
    if (v) {
      EXPECT_EQ(*v, head_verdict::invalid_host) << bad;  // (or Beast refuses it itself)
    }
  }
  for (std::string_view good :
       {"", "x", "poort.example.nl", "poort.example.nl:443", "192.0.2.7:1", "[::1]", "[2001:db8::1]:9443",
        "[v1.fe80::a+en1]", "a%41b", "xn--bcher-kva.example", "a_b~c!$&'()*+,;=d"}) {
    EXPECT_TRUE(host_is_valid(good)) << good;
  }
}

// RFC 9112 §5.2: obsolete line folding is refused (Beast would unfold it).
TEST(HttpHeadRules, ObsoleteLineFolding) {
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"), head_verdict::line_folding);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n"), head_verdict::line_folding);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nX-A: a\r\n b\r\nHost: x\r\n\r\n"), head_verdict::line_folding);
  EXPECT_TRUE(has_obsolete_line_folding("GET / HTTP/1.1\r\nHost: x\r\n  y\r\n\r\n"));
  EXPECT_FALSE(has_obsolete_line_folding("GET / HTTP/1.1\r\nHost: x\r\nX-A: a b\r\n\r\n"));
  EXPECT_FALSE(has_obsolete_line_folding("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_FALSE(has_obsolete_line_folding(""));
}

TEST(HttpHeadRules, HeaderFieldCount) {
  std::string head = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 1; i < 100; ++i) head += "X-F" + std::to_string(i) + ": v\r\n";  // 100 fields with Host
  EXPECT_EQ(verdict(head + "\r\n"), head_verdict::ok);
  EXPECT_EQ(verdict(head + "X-F100: v\r\n\r\n"), head_verdict::too_many_fields);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\n\r\n", 2), head_verdict::ok);
  EXPECT_EQ(verdict("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n", 2), head_verdict::too_many_fields);
}

// The framing rule is part of the head rules.
TEST(HttpHeadRules, IncludesTheFramingRule) {
  EXPECT_EQ(verdict("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"),
            head_verdict::ambiguous_framing);
}

}  // namespace
}  // namespace poort::daemon

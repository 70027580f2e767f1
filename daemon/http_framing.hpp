#pragma once
// The request-framing rule of both listeners, against request smuggling:
// checked on a parsed head before any body is read. Free of sockets, so that
// the HTTP fuzz target (tests/fuzz/fuzz_http.cpp) runs the daemon's check.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <iterator>

namespace poort::daemon {

/// True when the head in `parser` frames its message unambiguously: HTTP/1.0
/// or 1.1, at most one Content-Length, and Transfer-Encoding only as a single
/// "chunked" (no other coding) and never together with Content-Length.
/// False: the request is refused with 400 and the connection closed.
/// REQUIRES: parser.is_header_done().
inline bool framing_is_unambiguous(
    const boost::beast::http::request_parser<boost::beast::http::string_body>& parser) {
  namespace http = boost::beast::http;
  const auto& head = parser.get();
  if (head.version() != 10 && head.version() != 11) return false;
  const auto count = [&head](http::field f) {
    const auto range = head.equal_range(f);
    return std::distance(range.first, range.second);
  };
  const auto content_lengths = count(http::field::content_length);
  const auto transfer_encodings = count(http::field::transfer_encoding);
  if (content_lengths > 1) return false;
  if (transfer_encodings == 0) return true;
  return transfer_encodings == 1 && content_lengths == 0 && parser.chunked() &&
         boost::beast::iequals(head[http::field::transfer_encoding], "chunked");
}

}  // namespace poort::daemon

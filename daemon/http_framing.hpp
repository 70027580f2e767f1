#pragma once
// The request-head rules of both listeners, checked on a parsed head before
// any body is read: the framing rule against request smuggling, and the
// HTTP/1.1 message rules of RFC 9112 §3.2 (Host) and §5.2 (no obsolete line
// folding) with a bound on the number of header fields. Free of sockets, so
// that the HTTP fuzz target (tests/fuzz/fuzz_http.cpp) runs the daemon's
// checks.

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstring>
#include <iterator>
#include <string_view>

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

/// True when the raw bytes of a request head (as the parser consumed them)
/// contain obsolete line folding (RFC 9112 §5.2): a line after the request
/// line that starts with a space or a tab. Beast unfolds such a value into
/// one line, so the rule needs the bytes. The bytes may be given in pieces,
/// provided no piece ends between a line's LF and its first character; Beast
/// consumes a head in one piece.
inline bool has_obsolete_line_folding(std::string_view head_bytes) {
  const char* p = head_bytes.data();
  const char* const end = p + head_bytes.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)))) != nullptr) {
    if (++p == end) break;
    if (*p == ' ' || *p == '\t') return true;
  }
  return false;
}

/// True when `value` is a valid Host field value (RFC 9110 §7.2: uri-host
/// [":" port], with RFC 3986's host syntax): empty (allowed for a target
/// without an authority), an IP-literal in brackets, or a reg-name / IPv4
/// address of unreserved characters, sub-delims and percent-encodings; the
/// port, if any, is digits only. No userinfo, spaces or other characters.
inline bool host_is_valid(std::string_view value) {
  const auto digits_only = [](std::string_view s) {
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return true;
  };
  const auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  const auto unreserved_or_sub_delim = [](char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
  };
  if (value.empty()) return true;
  if (value.front() == '[') {  // IP-literal: IPv6address / IPvFuture
    const auto close = value.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (char c : value.substr(1, close - 1))
      if (!unreserved_or_sub_delim(c) && c != ':') return false;
    const auto rest = value.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && digits_only(rest.substr(1)));
  }
  const auto colon = value.find(':');
  const auto host = value.substr(0, colon);
  if (colon != std::string_view::npos && !digits_only(value.substr(colon + 1))) return false;
  for (std::size_t i = 0; i < host.size(); ++i) {
    const char c = host[i];
    if (c == '%') {
      if (i + 2 >= host.size() || !hex(host[i + 1]) || !hex(host[i + 2])) return false;
      i += 2;
      continue;
    }
    if (!unreserved_or_sub_delim(c)) return false;
  }
  return true;
}

/// The verdict of `check_request_head`.
enum class head_verdict {
  ok,
  ambiguous_framing,  ///< 400: framing_is_unambiguous refuses it
  invalid_host,       ///< 400: HTTP/1.1 without Host, two Host fields, or a malformed one
  line_folding,       ///< 400: obsolete line folding
  too_many_fields,    ///< 431: more than the listener's max_header_fields
};

/// All the head rules, in the order the daemon applies them. `folded`: what
/// `has_obsolete_line_folding` said of the head's bytes.
/// REQUIRES: parser.is_header_done().
inline head_verdict check_request_head(
    const boost::beast::http::request_parser<boost::beast::http::string_body>& parser, bool folded,
    std::size_t max_fields) {
  namespace http = boost::beast::http;
  const auto& head = parser.get();
  std::size_t fields = 0;
  for (auto it = head.begin(); it != head.end(); ++it)
    if (++fields > max_fields) return head_verdict::too_many_fields;
  if (!framing_is_unambiguous(parser)) return head_verdict::ambiguous_framing;
  if (folded) return head_verdict::line_folding;
  const auto hosts = head.equal_range(http::field::host);
  const auto host_count = std::distance(hosts.first, hosts.second);
  if (host_count > 1 || (host_count == 0 && head.version() == 11)) return head_verdict::invalid_host;
  if (host_count == 1 && !host_is_valid(hosts.first->value())) return head_verdict::invalid_host;
  return head_verdict::ok;
}

}  // namespace poort::daemon

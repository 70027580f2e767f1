#pragma once
// The HTTP message types that handlers see. Beast's message containers only:
// no sockets, no I/O (that is daemon/).

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

namespace poort::routing {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

/// The version of the API served under /api/v1 (NL API Design Rules
/// /core/version-header: every /api response carries `API-Version`).
inline constexpr const char* api_version = "1.0.0";

}  // namespace poort::routing

#include "daemon/artifact_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include "common/log.hpp"
#include "daemon/tls.hpp"

namespace poort::daemon {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

result<std::shared_ptr<ssl::context>> client_context(const config::saml& saml,
                                                     const config::identity_provider& idp) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  const auto fail = [&](std::string_view what, const std::filesystem::path& file) -> error_code {
    log::error(
        "saml.ars_tls_config_failed",
        {{"idp", idp.name}, {"what", what}, {"file", file.string()}, {"error", openssl_error_string()}});
    return make_error_code(common_error::crypto_error);
  };
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(native, tls13_ciphersuites) != 1 ||
      SSL_CTX_set1_groups_list(native, tls_groups) != 1)
    return fail("policy", {});
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(native, saml.tls_client_certificate.c_str()) != 1)
    return fail("tls_client_certificate", saml.tls_client_certificate);
  if (SSL_CTX_use_PrivateKey_file(native, saml.tls_client_key.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail("tls_client_key", saml.tls_client_key);
  if (SSL_CTX_load_verify_locations(native, idp.artifact_resolution_ca.c_str(), nullptr) != 1)
    return fail("artifact_resolution_ca", idp.artifact_resolution_ca);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

struct target {
  std::string host;  ///< name or IP address (no brackets)
  bool is_ip = false;
  std::string port;
  std::string path;  ///< path and query
};

result<target> parse_target(std::string_view url) {
  auto u = boost::urls::parse_uri(url);
  if (!u || u->scheme() != "https" || u->host_address().empty())
    return make_error_code(common_error::invalid_argument);
  target t;
  t.host = u->host_address();
  t.is_ip = u->host_type() == boost::urls::host_type::ipv4 || u->host_type() == boost::urls::host_type::ipv6;
  t.port = u->has_port() ? std::string(u->port()) : "443";
  t.path = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  return t;
}

/// One exchange; the outcome is left in `out` / `step` / `ec`.
struct exchange {
  beast::ssl_stream<beast::tcp_stream>& stream;
  tcp::resolver& resolver;
  net::steady_timer& deadline;
  const target& to;
  const auth::soap_call& call;
  std::string step = "resolve";
  boost::system::error_code ec;
  unsigned status = 0;
  std::string content_type;
  std::string body;
  bool too_large = false;

  net::awaitable<void> run() {
    auto [rec, endpoints] = co_await resolver.async_resolve(to.host, to.port, use_tuple);
    ec = rec;
    if (ec) co_return finish();
    step = "connect";
    auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_tuple);
    (void)ep;
    ec = cec;
    if (ec) co_return finish();
    step = "tls_handshake";
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    ec = hec;
    if (ec) co_return finish();

    step = "write";
    http::request<http::string_body> req{http::verb::post, to.path, 11};
    const std::string host = to.host.find(':') != std::string::npos ? "[" + to.host + "]" : to.host;
    req.set(http::field::host, to.port == "443" ? host : host + ":" + to.port);
    req.set(http::field::user_agent, "poort");
    req.set(http::field::content_type, call.content_type + "; charset=utf-8");
    if (call.content_type == "text/xml")
      req.set("SOAPAction", "\"http://www.oasis-open.org/committees/security\"");
    req.set(http::field::connection, "close");
    req.body() = call.body;
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
    (void)wn;
    ec = wec;
    if (ec) co_return finish();

    step = "read";
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(artifact_client::max_response_bytes);
    auto [rdec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
    (void)rn;
    if (rdec == http::error::body_limit) too_large = true;
    ec = rdec;
    if (ec) co_return finish();
    auto res = parser.release();
    status = res.result_int();
    content_type = std::string(res[http::field::content_type]);
    body = std::move(res.body());
    finish();
  }

  void finish() { deadline.cancel(); }
};

}  // namespace

result<artifact_client> artifact_client::create(const config::saml& saml) {
  artifact_client c;
  for (const auto& idp : saml.identity_providers) {
    auto ctx = client_context(saml, idp);
    if (!ctx) return ctx.error();
    c.contexts_.emplace(idp.name, std::move(*ctx));
  }
  return c;
}

result<std::string> artifact_client::post(const auth::soap_call& call) const {
  auto ctx = contexts_.find(call.idp);
  auto to = parse_target(call.url);
  if (ctx == contexts_.end() || !to) {
    log::warn("saml.ars_call_refused", {{"idp", call.idp}, {"reason", "unknown IdP or not an https URL"}});
    return make_error_code(common_error::invalid_argument);
  }

  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, *ctx->second);
  SSL* ssl = stream.native_handle();
  if (to->is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), to->host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, to->host.c_str());
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl, to->host.c_str());
  }
  net::steady_timer deadline(ioc);
  deadline.expires_after(total_timeout);
  bool timed_out = false;
  deadline.async_wait([&](boost::system::error_code ec) {
    if (ec) return;  // cancelled: the exchange finished first
    timed_out = true;
    resolver.cancel();
    beast::get_lowest_layer(stream).cancel();
  });
  exchange x{stream, resolver, deadline, *to, call};
  net::co_spawn(ioc, x.run(), net::detached);
  ioc.run();

  const auto failed = [&](std::string_view reason, error_code result) -> error_code {
    log::warn("saml.ars_call_failed",
              {{"idp", call.idp},
               {"step", x.step},
               {"reason", reason},
               {"status", x.status},
               {"verify",
                x.step == "tls_handshake" ? X509_verify_cert_error_string(SSL_get_verify_result(ssl)) : ""}});
    return result;
  };
  if (timed_out) return failed("timeout", make_error_code(common_error::io_error));
  if (x.too_large) return failed("response_too_large", make_error_code(common_error::limit_exceeded));
  if (x.ec) return failed(x.ec.message(), make_error_code(common_error::io_error));
  if (x.status != 200) return failed("http_status", make_error_code(common_error::io_error));
  const std::string_view type = std::string_view(x.content_type).substr(0, x.content_type.find(';'));
  if (type != "text/xml" && type != "application/soap+xml")
    return failed("content_type", make_error_code(common_error::io_error));
  return std::move(x.body);
}

}  // namespace poort::daemon

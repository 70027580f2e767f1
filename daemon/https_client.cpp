#include "daemon/https_client.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
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

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "common/crypto.hpp"
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

/// An IPv4 range: the first address and the prefix length.
struct ipv4_range {
  std::uint32_t first;
  unsigned bits;
};

/// IPv4 ranges that are not public unicast (IANA special-purpose registry).
constexpr std::array<ipv4_range, 14> non_public_ipv4{{
    {0x00000000, 8},   // 0/8 "this network"
    {0x0A000000, 8},   // 10/8 private
    {0x64400000, 10},  // 100.64/10 shared address space (CGNAT)
    {0x7F000000, 8},   // 127/8 loopback
    {0xA9FE0000, 16},  // 169.254/16 link-local
    {0xAC100000, 12},  // 172.16/12 private
    {0xC0000000, 24},  // 192.0.0/24 IETF protocol assignments
    {0xC0000200, 24},  // 192.0.2/24 documentation (TEST-NET-1)
    {0xC0A80000, 16},  // 192.168/16 private
    {0xC6120000, 15},  // 198.18/15 benchmarking
    {0xC6336400, 24},  // 198.51.100/24 documentation (TEST-NET-2)
    {0xCB007100, 24},  // 203.0.113/24 documentation (TEST-NET-3)
    {0xE0000000, 4},   // 224/4 multicast
    {0xF0000000, 4},   // 240/4 reserved, with 255.255.255.255 broadcast
}};

bool is_public_ipv4(const net::ip::address_v4& a) {
  const std::uint32_t v = a.to_uint();
  return std::ranges::none_of(non_public_ipv4, [v](const ipv4_range& r) {
    return (v >> (32 - r.bits)) == (r.first >> (32 - r.bits));
  });
}

bool is_public_ipv6(const net::ip::address_v6& a) {
  const auto b = a.to_bytes();
  // IPv4-compatible ::/96, IPv4-mapped ::ffff:0:0/96 and NAT64 64:ff9b::/96
  // carry an IPv4 address in their last 32 bits.
  constexpr std::array<std::uint8_t, 12> compatible{}, mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff},
      nat64{0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  for (const auto& prefix : {compatible, mapped, nat64}) {
    if (std::equal(prefix.begin(), prefix.end(), b.begin()))
      return is_public_ipv4(net::ip::address_v4({b[12], b[13], b[14], b[15]}));
  }
  if ((b[0] & 0xE0) != 0x20) return false;  // outside 2000::/3
  // 6to4 2002::/16 carries an IPv4 address in bits 16-47: a relay would
  // forward to it.
  if (b[0] == 0x20 && b[1] == 0x02) return is_public_ipv4(net::ip::address_v4({b[2], b[3], b[4], b[5]}));
  // 2001::/23 IETF protocol assignments: Teredo 2001::/32 (its client address
  // obfuscated in the last 32 bits), benchmarking, ORCHID; no push endpoint.
  if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xFE) == 0) return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return false;  // 2001:db8::/32
  if (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0) return false;            // 3fff::/20
  return true;
}

/// The parts of an https:// URL that a call needs.
struct target {
  std::string host;  ///< name or IP address, without brackets
  bool is_ip = false;
  std::string port;
  std::string host_header;  ///< as written in the URL: [v6]:port
  std::string path;         ///< path and query
};

std::optional<target> parse_target(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u || u->scheme() != "https" || u->host_address().empty() || u->has_userinfo()) return std::nullopt;
  target t;
  t.host = u->host_address();
  t.is_ip = u->host_type() == boost::urls::host_type::ipv4 || u->host_type() == boost::urls::host_type::ipv6;
  t.port = u->has_port() ? std::string(u->port()) : "443";
  t.host_header = std::string(u->encoded_host_and_port());
  t.path = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) t.path += "?" + std::string(u->encoded_query());
  return t;
}

/// One call, run to completion on a private io_context.
struct exchange {
  beast::ssl_stream<beast::tcp_stream>& stream;
  tcp::resolver& resolver;
  const target& to;
  const https_request& req;
  const https_call_options& options;
  std::chrono::steady_clock::time_point deadline;
  https_step step = https_step::resolve;
  boost::system::error_code ec;
  bool resolve_timed_out = false;
  bool too_large = false;
  https_response out;

  net::awaitable<void> run() {
    auto ex = co_await net::this_coro::executor;
    // The resolver has no expiry of its own: a timer cancels it.
    net::steady_timer resolve_deadline(ex);
    resolve_deadline.expires_at(deadline);
    resolve_deadline.async_wait([this](boost::system::error_code wec) {
      if (wec) return;  // cancelled: resolved in time
      resolve_timed_out = true;
      resolver.cancel();
    });
    // A literal is taken as it is: no DNS.
    const auto flags = to.is_ip ? tcp::resolver::numeric_host | tcp::resolver::numeric_service
                                : tcp::resolver::numeric_service;
    auto [rec, resolved] = co_await resolver.async_resolve(to.host, to.port, flags, use_tuple);
    resolve_deadline.cancel();
    if ((ec = rec)) co_return;

    step = https_step::address;
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : resolved) {
      if (!options.public_addresses_only || is_public_address(entry.endpoint().address()))
        endpoints.push_back(entry.endpoint());
    }
    if (endpoints.empty()) co_return;

    step = https_step::connect;
    beast::get_lowest_layer(stream).expires_at(deadline);
    auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_tuple);
    (void)ep;
    if ((ec = cec)) co_return;
    step = https_step::tls_handshake;
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    if ((ec = hec)) co_return;

    step = https_step::write;
    http::request<http::string_body> msg{http::verb::post, to.path, 11};
    msg.set(http::field::host, to.host_header);
    msg.set(http::field::user_agent, "poort");
    msg.set(http::field::content_type, req.content_type);
    for (const auto& [name, value] : req.headers) msg.set(name, value);
    msg.set(http::field::connection, "close");
    msg.body() = req.body;
    msg.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, msg, use_tuple);
    (void)wn;
    if ((ec = wec)) co_return;

    step = https_step::read;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(options.max_response_bytes);
    auto [rdec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
    (void)rn;
    if (rdec == http::error::body_limit) too_large = true;
    if ((ec = rdec)) co_return;
    auto res = parser.release();
    out.status = res.result_int();
    out.content_type = std::string(res[http::field::content_type]);
    out.body = std::move(res.body());
    // The answer is in: a close_notify, bounded, whatever comes of it.
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(use_tuple);
  }
};

}  // namespace

bool is_public_address(const net::ip::address& a) {
  return a.is_v4() ? is_public_ipv4(a.to_v4()) : is_public_ipv6(a.to_v6());
}

std::string_view to_string(https_step s) noexcept {
  switch (s) {
    case https_step::url: return "url";
    case https_step::resolve: return "resolve";
    case https_step::address: return "address";
    case https_step::connect: return "connect";
    case https_step::tls_handshake: return "tls_handshake";
    case https_step::write: return "write";
    case https_step::read: return "read";
  }
  return "unknown";
}

result<https_client> https_client::create(const https_client_tls& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  const auto fail = [&](std::string_view what, const std::filesystem::path& file) -> error_code {
    log::error("https_client.config_failed", {{"purpose", tls.purpose},
                                              {"what", what},
                                              {"file", file.string()},
                                              {"openssl", openssl_error_string()}});
    return make_error_code(common_error::crypto_error);
  };
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(native, tls13_ciphersuites) != 1 ||
      SSL_CTX_set1_groups_list(native, tls_groups) != 1 ||
      SSL_CTX_set1_sigalgs_list(native, tls_sigalgs) != 1)
    return fail("policy", {});
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(native, tls.client_certificate.c_str()) != 1)
    return fail("client_certificate", tls.client_certificate);
  if (SSL_CTX_use_PrivateKey_file(native, tls.client_key.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail("client_key", tls.client_key);
  if (SSL_CTX_check_private_key(native) != 1) return fail("key_mismatch", tls.client_key);
  if (SSL_CTX_load_verify_locations(native, tls.ca_bundle.c_str(), nullptr) != 1)
    return fail("ca_bundle", tls.ca_bundle);
  if (!tls.crl_files.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(native);
    for (const auto& file : tls.crl_files)
      if (!add_crls(store, file)) return fail("crl", file);
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  return https_client(std::move(ctx));
}

std::expected<https_response, https_failure> https_client::post(const https_request& req,
                                                                const https_call_options& options) const {
  auto to = parse_target(req.url);
  if (!to) return std::unexpected(https_failure{https_step::url, false, false, "not an https URL", ""});

  net::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, *ctx_);
  SSL* ssl = stream.native_handle();
  // The one host check: the URL's host against the server certificate.
  if (to->is_ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), to->host.c_str()) != 1)
      return std::unexpected(https_failure{https_step::url, false, false, "bad IP address", ""});
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set_tlsext_host_name(ssl, to->host.c_str()) != 1 || SSL_set1_host(ssl, to->host.c_str()) != 1)
      return std::unexpected(https_failure{https_step::url, false, false, "bad host name", ""});
  }
  exchange x{stream, resolver, *to, req, options, std::chrono::steady_clock::now() + options.timeout};
  net::co_spawn(ioc, x.run(), net::detached);
  ioc.run();

  if (x.step == https_step::address)
    return std::unexpected(https_failure{x.step, false, false, "no public address", ""});
  if (x.ec || x.resolve_timed_out) {
    https_failure f{x.step, x.resolve_timed_out || x.ec == beast::error::timeout, x.too_large, x.ec.message(),
                    ""};
    if (x.step == https_step::tls_handshake && SSL_get_verify_result(ssl) != X509_V_OK)
      f.verify = X509_verify_cert_error_string(SSL_get_verify_result(ssl));
    return std::unexpected(std::move(f));
  }
  return std::move(x.out);
}

}  // namespace poort::daemon

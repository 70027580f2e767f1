// Integration tests of the poortd foundation: the real daemon on 127.0.0.1
// (port 0) with the development PKI of scripts/pki, talked to over real TLS.

#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <cerrno>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "harness.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"

namespace poort::test {
namespace {

class Daemon : public ::testing::Test {
 protected:
  void start(const daemon_options& o = {}) {
    config_ = write_config(dir_.path(), o);
    daemon_ = std::make_unique<daemon_process>(config_);
    ASSERT_TRUE(daemon_->start()) << dump();
  }
  std::string dump() {
    std::string out;
    if (daemon_)
      for (const auto& l : daemon_->lines()) out += l + "\n";
    return out;
  }
  response get(std::uint16_t port, const std::string& target, const std::string& client = "") {
    tls_client c(port, client);
    if (c.connect()) return {};
    return c.request(http::verb::get, target);
  }
  // A connection slot may still be held by a connection the client just closed
  // (the server has not seen the close yet): retry briefly.
  std::string metrics() {
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto r = get(daemon_->portal_port(), "/metrics");
      if (r.status == 200) return r.body;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
  }

  temp_dir dir_;
  fs::path config_;
  std::unique_ptr<daemon_process> daemon_;
};

// Verifies that the portal answers over TLS with the security headers.
TEST_F(Daemon, PortalServesHealthOverTlsWithSecurityHeaders) {
  start();
  auto r = get(daemon_->portal_port(), "/healthz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_NE(r.header("strict-transport-security").find("max-age="), std::string::npos);
  EXPECT_NE(r.header("content-security-policy").find("default-src 'self'"), std::string::npos);
  EXPECT_NE(r.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_FALSE(r.header("x-request-id").empty());
}

// Verifies that /readyz reports the store writable.
TEST_F(Daemon, ReadyzAnswersWhenStoreWritable) {
  start();
  EXPECT_EQ(get(daemon_->portal_port(), "/readyz").status, 200u);
  EXPECT_EQ(get(daemon_->system_port(), "/readyz", "pi-1").status, 200u);
}

// Verifies that a registered prison is recognised by the OIN in its certificate.
TEST_F(Daemon, WhoamiNamesTheParty) {
  start();
  auto r = get(daemon_->system_port(), "/api/v1/whoami", "pi-1");
  ASSERT_EQ(r.status, 200u) << dump();
  EXPECT_EQ(r.header("api-version"), "1.0.0");
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("oin").as_string(), pki::shared().oin("PI_1"));
  EXPECT_EQ(v.at("naam").as_string(), "PI Zwolle");
  EXPECT_EQ(v.at("soort").as_string(), "PENITENTIAIRE_INRICHTING");

  auto g = get(daemon_->system_port(), "/api/v1/whoami", "gemeente-1");
  ASSERT_EQ(g.status, 200u);
  auto gv = boost::json::parse(g.body).as_object();
  EXPECT_EQ(gv.at("soort").as_string(), "GEMEENTELIJK_SYSTEEM");
  EXPECT_EQ(gv.at("gemeentecode").as_string(), pki::shared().env.at("GEMEENTE_1_CODE"));
}

// Verifies that a certificate chained to the CA but with an unregistered OIN gets 403 problem+json.
TEST_F(Daemon, UnknownOinGetsForbiddenProblem) {
  start();
  auto r = get(daemon_->system_port(), "/api/v1/whoami", "unknown-oin");
  ASSERT_EQ(r.status, 403u) << dump();
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v.at("code").as_string(), "unknown_party");
  EXPECT_EQ(v.at("type").as_string(), "urn:poort:problem:unknown_party");
  EXPECT_EQ(v.at("status").as_int64(), 403);
}

// Verifies that the system listener refuses every client certificate that is not acceptable.
TEST_F(Daemon, SystemListenerRefusesBadClientCertificates) {
  start();
  for (const std::string who : {"", "untrusted", "expired", "revoked", "wrong-eku"}) {
    tls_client c(daemon_->system_port(), who);
    auto ec = c.connect();
    if (!ec) {
      // TLS 1.3: the server's verdict arrives after the client's Finished.
      auto r = c.request(http::verb::get, "/api/v1/whoami");
      EXPECT_EQ(r.status, 0u) << "certificate '" << who << "' was accepted";
    }
  }
  auto m = metrics();
  EXPECT_NE(m.find("poort_connections_refused_total{listener=\"system\",reason=\"no_certificate\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("reason=\"untrusted\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("reason=\"expired\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("reason=\"revoked\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("reason=\"wrong_purpose\"} 1"), std::string::npos) << m;
  // And a good one still works.
  EXPECT_EQ(get(daemon_->system_port(), "/api/v1/whoami", "pi-2").status, 200u);
}

// Verifies that only TLS 1.2 and 1.3 are spoken.
TEST_F(Daemon, RefusesOldProtocolVersions) {
  start();
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    tls_client c(daemon_->portal_port());
    SSL_set_min_proto_version(c.stream().native_handle(), version);
    SSL_set_max_proto_version(c.stream().native_handle(), version);
    SSL_set_security_level(c.stream().native_handle(), 0);
    EXPECT_TRUE(c.connect()) << "TLS version " << version << " was accepted";
  }
  tls_client c12(daemon_->portal_port());
  SSL_set_max_proto_version(c12.stream().native_handle(), TLS1_2_VERSION);
  ASSERT_FALSE(c12.connect());
  EXPECT_EQ(c12.request(http::verb::get, "/healthz").status, 200u);
}

// Verifies the header size limit on both sides of the boundary (431 beyond).
TEST_F(Daemon, HeaderLimitBothSides) {
  start({.portal_limits = "max_header_bytes = 2048\n"});
  // The request head is the request line, the headers and the final CRLF.
  auto head_with = [](std::size_t filler) {
    return "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Fill: " + std::string(filler, 'a') + "\r\n\r\n";
  };
  const std::size_t overhead = head_with(0).size();
  {
    tls_client c(daemon_->portal_port());
    ASSERT_FALSE(c.connect());
    c.send_raw(head_with(2048 - overhead));
    EXPECT_EQ(c.read_response().status, 200u);
  }
  {
    tls_client c(daemon_->portal_port());
    ASSERT_FALSE(c.connect());
    c.send_raw(head_with(2048 - overhead + 1));
    auto r = c.read_response();
    EXPECT_EQ(r.status, 431u);
    EXPECT_TRUE(c.closed_by_peer());
  }
}

// Verifies that ambiguous message framing is refused with 400 and the connection closed.
TEST_F(Daemon, RefusesAmbiguousFraming) {
  start();
  const std::string cases[] = {
      "POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n",
      "POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
      "POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd",
      "POST /api/v1/whoami HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n",
  };
  for (const auto& raw : cases) {
    tls_client c(daemon_->system_port(), "pi-1");
    auto ec = c.connect();
    ASSERT_FALSE(ec) << ec.message() << "\n" << dump();
    c.send_raw(raw);
    auto r = c.read_response();
    EXPECT_EQ(r.status, 400u) << raw;
    EXPECT_TRUE(c.closed_by_peer()) << raw;
  }
}

// The listeners as a test sees them: port and client certificate.
struct listener_under_test {
  const char* name;
  std::uint16_t port;
  const char* client;
};

// Verifies the HTTP/1.1 message rules (RFC 9112 §3.2, §5.2) on both
// listeners: a missing, repeated or malformed Host, obsolete line folding and
// too many header fields are refused and the connection closed.
TEST_F(Daemon, RefusesHeadsThatBreakHttp11Rules) {
  start({.system_limits = "max_header_fields = 20\n"});
  const auto fields = [](int n) {  // n header fields, Host among them
    std::string h = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n";
    for (int i = 1; i < n; ++i) h += "X-F" + std::to_string(i) + ": v\r\n";
    return h + "\r\n";
  };
  struct refused_case {
    std::string raw;
    unsigned status;
    std::string code;
  };
  const std::vector<refused_case> cases = {
      {"GET /healthz HTTP/1.1\r\n\r\n", 400, "invalid_host"},
      {"GET /healthz HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n", 400, "invalid_host"},
      {"GET /healthz HTTP/1.1\r\nHost: local host\r\n\r\n", 400, "invalid_host"},
      {"GET /healthz HTTP/1.1\r\nHost: user@localhost\r\n\r\n", 400, "invalid_host"},
      {"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\n\r\n", 400, "obsolete_line_folding"},
  };
  const listener_under_test listeners[] = {{"portal", daemon_->portal_port(), ""},
                                           {"system", daemon_->system_port(), "pi-1"}};
  for (const auto& l : listeners) {
    for (const auto& c : cases) {
      tls_client client(l.port, l.client);
      ASSERT_FALSE(client.connect()) << l.name;
      client.send_raw(c.raw);
      auto r = client.read_response();
      EXPECT_EQ(r.status, c.status) << l.name << ": " << c.raw;
      EXPECT_NE(r.body.find("\"" + c.code + "\""), std::string::npos) << l.name << ": " << r.body;
      EXPECT_TRUE(client.closed_by_peer()) << l.name << ": " << c.raw;
    }
    // The field count: the default of 100 on the portal, 20 configured on the system listener.
    const int limit = l.client[0] == '\0' ? 100 : 20;
    {
      tls_client client(l.port, l.client);
      ASSERT_FALSE(client.connect());
      client.send_raw(fields(limit));
      EXPECT_EQ(client.read_response().status, 200u) << l.name;
    }
    {
      tls_client client(l.port, l.client);
      ASSERT_FALSE(client.connect());
      client.send_raw(fields(limit + 1));
      auto r = client.read_response();
      EXPECT_EQ(r.status, 431u) << l.name;
      EXPECT_NE(r.body.find("\"header_fields_too_many\""), std::string::npos) << r.body;
      EXPECT_TRUE(client.closed_by_peer()) << l.name;
    }
    // HTTP/1.0 needs no Host; one valid Host with a port is fine.
    for (const std::string raw :
         {"GET /healthz HTTP/1.0\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"}) {
      tls_client client(l.port, l.client);
      ASSERT_FALSE(client.connect());
      client.send_raw(raw);
      EXPECT_EQ(client.read_response().status, 200u) << l.name << ": " << raw;
    }
  }
}

// Verifies that a body above the listener's hard cap (1 MiB by default) is
// answered 413 body_too_large on both listeners, and that a client that sends
// the whole body before it reads gets that answer rather than a reset.
TEST_F(Daemon, BodyAboveTheHardCapIs413) {
  start();
  const listener_under_test listeners[] = {{"portal", daemon_->portal_port(), ""},
                                           {"system", daemon_->system_port(), "pi-1"}};
  const std::size_t size = 1024 * 1024 + 1;
  for (const auto& l : listeners) {
    tls_client client(l.port, l.client);
    ASSERT_FALSE(client.connect());
    client.send_raw(
        "POST /api/v1/whoami HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(size) + "\r\n\r\n" + std::string(size, 'a'));
    auto r = client.read_response();
    EXPECT_EQ(r.status, 413u) << l.name << "\n" << dump();
    EXPECT_NE(r.body.find("\"body_too_large\""), std::string::npos) << l.name << ": " << r.body;
    EXPECT_TRUE(client.closed_by_peer()) << l.name;
  }
}

// Verifies that 5,000 pipelined requests sent in one write are all answered:
// the session serves requests that are already buffered in a loop of constant
// stack depth (it overflowed the ASan build's stack when each one nested).
TEST_F(Daemon, DeepPipelineIsServed) {
  start();
  constexpr int count = 5000;
  std::string requests;
  for (int i = 0; i < count; ++i) requests += "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
  tls_client c(daemon_->portal_port());
  ASSERT_FALSE(c.connect());
  // Written and read at once (one outstanding write and one read on the
  // stream), so that neither side waits for the other's buffers.
  auto& ioc = static_cast<net::io_context&>(net::query(c.stream().get_executor(), net::execution::context));
  ioc.restart();
  int answered = 0, ok = 0;
  boost::system::error_code write_error, read_error;
  net::async_write(c.stream(), net::buffer(requests),
                   [&](boost::system::error_code ec, std::size_t) { write_error = ec; });
  boost::beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  std::function<void()> read_next = [&] {
    parser.emplace();
    http::async_read(c.stream(), buffer, *parser, [&](boost::system::error_code ec, std::size_t) {
      if (ec) {
        read_error = ec;
        return;
      }
      ++answered;
      if (parser->get().result_int() == 200) ++ok;
      if (answered < count) read_next();
    });
  };
  read_next();
  ioc.run_for(std::chrono::seconds(120));
  EXPECT_FALSE(write_error) << write_error.message();
  EXPECT_FALSE(read_error) << read_error.message() << "\n" << dump();
  EXPECT_EQ(answered, count);
  EXPECT_EQ(ok, count);
  ASSERT_TRUE(daemon_->running());
  EXPECT_EQ(get(daemon_->portal_port(), "/healthz").status, 200u) << dump();
}

// Verifies keep-alive, including HTTP/1.0 with "Connection: Keep-Alive" as ApacheBench sends it.
TEST_F(Daemon, KeepAliveForHttp11AndHttp10) {
  start();
  tls_client c(daemon_->system_port(), "pi-1");
  ASSERT_FALSE(c.connect());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.request(http::verb::get, "/healthz").status, 200u);
  for (int i = 0; i < 3; ++i) {
    auto r = c.request(http::verb::get, "/healthz", "", {{"Connection", "Keep-Alive"}}, 10);
    EXPECT_EQ(r.status, 200u);
    EXPECT_TRUE(r.keep_alive);
  }
  auto last = c.request(http::verb::get, "/healthz", "", {{"Connection", "close"}});
  EXPECT_EQ(last.status, 200u);
  EXPECT_TRUE(c.closed_by_peer());
}

// Verifies unknown routes and methods.
TEST_F(Daemon, UnknownRouteAndMethod) {
  start();
  EXPECT_EQ(get(daemon_->system_port(), "/api/v1/nope", "pi-1").status, 404u);
  tls_client c(daemon_->system_port(), "pi-1");
  ASSERT_FALSE(c.connect());
  auto r = c.request(http::verb::delete_, "/api/v1/whoami");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.header("allow"), "GET");
}

// Verifies the per-address connection limit on both sides of the boundary.
TEST_F(Daemon, ConnectionsPerAddressBothSides) {
  start({.portal_limits = "max_connections_per_address = 3\n"});
  std::vector<std::unique_ptr<tls_client>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<tls_client>(daemon_->portal_port()));
    ASSERT_FALSE(open.back()->connect());
    ASSERT_EQ(open.back()->request(http::verb::get, "/healthz").status, 200u);
  }
  tls_client fourth(daemon_->portal_port());
  auto ec = fourth.connect();
  EXPECT_TRUE(ec || fourth.request(http::verb::get, "/healthz").status == 0u);
  open.pop_back();
  // The slot is freed once the server sees the close; retry until it has.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    tls_client again(daemon_->portal_port());
    served = !again.connect() && again.request(http::verb::get, "/healthz").status == 200u;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(served);
  EXPECT_NE(metrics().find("reason=\"address_limit\"} "), std::string::npos);
}

// Verifies that an idle keep-alive connection is closed after the idle timeout, and kept before it.
TEST_F(Daemon, IdleTimeoutClosesConnection) {
  start({.portal_limits = "idle_timeout_ms = 1500\n"});
  tls_client c(daemon_->portal_port());
  ASSERT_FALSE(c.connect());
  ASSERT_EQ(c.request(http::verb::get, "/healthz").status, 200u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(c.request(http::verb::get, "/healthz").status, 200u);  // well within the timeout
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(10)));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1400));
}

// Verifies that a client that never completes the handshake or the head is disconnected.
TEST_F(Daemon, HandshakeAndHeaderTimeouts) {
  start({.portal_limits = "handshake_timeout_ms = 500\nheader_timeout_ms = 500\n"});
  {
    net::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), daemon_->portal_port()));
    char c;
    boost::system::error_code ec;
    s.read_some(net::buffer(&c, 1), ec);  // the server closes without a word
    EXPECT_TRUE(ec);
  }
  {
    tls_client c(daemon_->portal_port());
    ASSERT_FALSE(c.connect());
    c.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // no final CRLF
    EXPECT_TRUE(c.closed_by_peer());
  }
  EXPECT_NE(metrics().find("reason=\"handshake_timeout\"} 1"), std::string::npos);
}

// Verifies that the first request's head must be complete within the header
// timeout of the handshake: waiting before the first byte counts, so sending
// one byte just before the timeout does not buy a second one.
TEST_F(Daemon, FirstHeadIsTimedFromTheHandshake) {
  start({.portal_limits = "header_timeout_ms = 1000\n"});
  tls_client c(daemon_->portal_port());
  ASSERT_FALSE(c.connect());
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  c.send_raw("G");
  EXPECT_TRUE(c.closed_by_peer(std::chrono::seconds(10)));
  // Closed about 1,000 ms after the handshake (the sweep runs every 100 ms);
  // timed from the first byte it would be 1,800 ms or later.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1700));
}

// Verifies that a slow reader is reset once a response misses the write timeout,
// with more pipelined requests waiting. scripts/slow-clients found that such a
// connection was ended with a normal close: the kernel kept trickling the unsent
// responses to the slow reader for minutes, holding the send buffer, and the
// client never learned it was cut off; the failed write was also ignored and
// the next pipelined request served.
TEST_F(Daemon, WriteTimeoutResetsSlowReader) {
  start({.portal_limits = "write_timeout_ms = 500\n"});
  tls_client slow(daemon_->portal_port());
  auto& socket = slow.stream().next_layer();
  socket.open(tcp::v4());
  socket.set_option(net::socket_base::receive_buffer_size(4096));  // a tiny window
  ASSERT_FALSE(slow.connect());
  std::string pipelined;
  for (int i = 0; i < 200; ++i) pipelined += "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
  slow.send_raw(pipelined);
  // For 3 s, read 5 bytes of ciphertext every 100 ms from the socket itself:
  // every response takes far longer than the write timeout.
  const int fd = socket.native_handle();
  char buf[64 * 1024];
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(::recv(fd, buf, 5, 0), 5);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // By now the server has given up: the gauge counts only the metrics request's
  // own connection. Reading fast, what is queued comes out and then the reset
  // (a normal close would end in EOF once the kernel had sent everything).
  EXPECT_NE(metrics().find("poort_open_connections{listener=\"portal\"} 1\n"), std::string::npos);
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
  }
  EXPECT_EQ(n, -1);
  EXPECT_EQ(errno, ECONNRESET);
}

// Verifies that SIGHUP swaps the server certificate while an established connection keeps working.
TEST_F(Daemon, ReloadSwapsCertificateWithoutDroppingConnections) {
  start();
  auto fingerprint = [](tls_client& c) {
    X509* cert = SSL_get0_peer_certificate(c.stream().native_handle());
    unsigned char md[32];
    unsigned len = 0;
    X509_digest(cert, EVP_sha256(), md, &len);
    return std::string(reinterpret_cast<char*>(md), len);
  };
  tls_client old_conn(daemon_->system_port(), "pi-1");
  ASSERT_FALSE(old_conn.connect());
  ASSERT_EQ(old_conn.request(http::verb::get, "/healthz").status, 200u);
  const auto before = fingerprint(old_conn);

  write_config(dir_.path(), {.system_certificate = "portal"});
  const auto mark = daemon_->line_count();
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(daemon_->wait_for("reload.done", mark)) << dump();

  tls_client fresh(daemon_->system_port(), "pi-1");
  ASSERT_FALSE(fresh.connect());
  EXPECT_EQ(fresh.request(http::verb::get, "/healthz").status, 200u);
  EXPECT_NE(fingerprint(fresh), before);
  EXPECT_EQ(old_conn.request(http::verb::get, "/api/v1/whoami").status, 200u);
}

// Verifies that a bad new config is refused on SIGHUP and the old one stays.
TEST_F(Daemon, ReloadRefusesBadConfig) {
  start();
  std::ofstream(config_, std::ios::app) << "\nthis is = not [valid toml\n";
  const auto mark = daemon_->line_count();
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(daemon_->wait_for("reload.refused", mark)) << dump();
  EXPECT_EQ(get(daemon_->system_port(), "/api/v1/whoami", "pi-1").status, 200u);
}

// Verifies that SIGTERM with an idle connection exits 0 promptly.
TEST_F(Daemon, SigtermExitsCleanly) {
  start();
  tls_client idle(daemon_->portal_port());
  ASSERT_FALSE(idle.connect());
  ASSERT_EQ(idle.request(http::verb::get, "/healthz").status, 200u);
  EXPECT_EQ(daemon_->stop(SIGTERM), 0) << dump();
}

// Verifies that a request whose head is still arriving when SIGTERM comes is
// answered, that new connections are refused, and that poortd exits 0.
TEST_F(Daemon, SigtermFinishesRequestsInFlight) {
  start();
  tls_client busy(daemon_->system_port(), "pi-1");
  ASSERT_FALSE(busy.connect());
  busy.send_raw("GET /api/v1/whoami HTTP/1.1\r\nHost: localhost\r\n");  // head not complete yet
  std::this_thread::sleep_for(std::chrono::milliseconds(100));          // let the server start reading
  const auto mark = daemon_->line_count();
  daemon_->signal(SIGTERM);
  ASSERT_TRUE(daemon_->wait_for("server.draining", mark)) << dump();
  tls_client late(daemon_->system_port(), "pi-1");
  EXPECT_TRUE(late.connect() || late.request(http::verb::get, "/healthz").status == 0u);
  busy.send_raw("\r\n");
  auto r = busy.read_response();
  EXPECT_EQ(r.status, 200u) << dump();
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(daemon_->stop(SIGTERM), 0) << dump();
}

/// Runs `command` through the shell; its exit status and output (stdout and stderr).
int run_with_output(const std::string& command, std::string& out) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return WEXITSTATUS(::pclose(p));
}

// Verifies that `poortctl audit verify` accepts an intact chain and names the
// first record altered in the database file.
TEST(PoortctlAudit, FindsRecordAlteredInDatabaseFile) {
  temp_dir dir;
  config::store cfg;
  cfg.database = dir.path() / "poort.db";
  system_clock_source clock;
  {
    auto db = store::database::open(cfg, clock, store::open_mode::migrate);
    ASSERT_TRUE(db);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE((*db)->write([&](store::transaction& tx) -> result<void> {
        auto seq = store::append_audit(
            tx, {"delivery.create", "bericht:" + std::to_string(i), "success", "127.0.0.1",
                 "party:00000099000020010000", "r-" + std::to_string(i), clock.now()});
        if (!seq) return seq.error();
        return {};
      }));
    }
    (*db)->close();
  }
  auto run = [&](std::string& out) {
    return run_with_output(binary("tools/poortctl/poortctl").string() + " audit verify --database '" +
                               cfg.database.string() + "'",
                           out);
  };
  std::string out;
  EXPECT_EQ(run(out), 0) << out;
  EXPECT_NE(out.find("intact: 5 records"), std::string::npos) << out;

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(cfg.database.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "DROP TRIGGER audit_log_no_update;"
                         "UPDATE audit_log SET result = 'denied:not_connected' WHERE seq = 3;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  out.clear();
  EXPECT_EQ(run(out), 1) << out;
  EXPECT_NE(out.find("BROKEN at record 3"), std::string::npos) << out;
}

/// The chain hash as store/audit.hpp documents it, computed independently.
std::string documented_audit_hash(sqlite3* raw, int seq) {
  std::string encoding =
      "poort-audit-v1\n" + std::to_string(std::to_string(seq).size()) + ":" + std::to_string(seq) + "\n";
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(raw,
                     "SELECT prev_hash, at, action, object, result, origin, actor, request_id"
                     " FROM audit_log WHERE seq = ?",
                     -1, &st, nullptr);
  sqlite3_bind_int(st, 1, seq);
  if (sqlite3_step(st) == SQLITE_ROW)
    for (int c = 0; c < 8; ++c) {
      const std::string f = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
      encoding += std::to_string(f.size()) + ":" + f + "\n";
    }
  sqlite3_finalize(st);
  return sha256_hex(encoding);
}

// Verifies that `poortctl audit verify` checks the anchors poortd logs to the
// journal: a chain rewritten with every later hash recomputed, which verifies
// on its own, fails against an anchor, and so does a chain cut below one.
TEST(PoortctlAudit, AnchorsFromTheJournalCatchRewriteAndCutTail) {
  temp_dir dir;
  config::store cfg;
  cfg.database = dir.path() / "poort.db";
  system_clock_source clock;
  // poortd's anchor lines (daemon/audit_anchor.hpp) among other journal lines.
  std::string journal = "Started poortd.service - poort gateway.\n";
  auto log_anchor = [&] {
    const auto head = store::audit_head(cfg.database).value();
    journal += R"({"ts":"2026-11-30T07:00:00.000Z","level":"notice","event":"audit.anchor","seq":)" +
               std::to_string(head.seq) + R"(,"hash":")" + head.hash + "\"}\n" +
               R"({"ts":"2026-11-30T07:00:00.001Z","level":"info","event":"server.ready","listeners":2})" +
               "\n";
    return head;
  };
  {
    auto db = store::database::open(cfg, clock, store::open_mode::migrate);
    ASSERT_TRUE(db);
    auto append = [&](int i) {
      ASSERT_TRUE((*db)->write([&](store::transaction& tx) -> result<void> {
        auto seq = store::append_audit(
            tx, {"delivery.create", "bericht:" + std::to_string(i), "success", "127.0.0.1",
                 "party:00000099000020010000", "r-" + std::to_string(i), clock.now()});
        if (!seq) return seq.error();
        return {};
      }));
    };
    for (int i = 1; i <= 4; ++i) append(i);
    log_anchor();
    for (int i = 5; i <= 6; ++i) append(i);
    (*db)->close();
  }
  const auto at6 = log_anchor();
  const fs::path journal_file = dir.path() / "journal.txt";
  write_file(journal_file, journal);
  const std::string verify =
      binary("tools/poortctl/poortctl").string() + " audit verify --database '" + cfg.database.string() + "'";
  const std::string with_journal = verify + " --anchors-from '" + journal_file.string() + "'";

  std::string out;
  EXPECT_EQ(run_with_output(with_journal, out), 0) << out;
  EXPECT_NE(out.find("intact: 6 records; anchors matched: 2, the newest at record 6"), std::string::npos)
      << out;
  out.clear();
  EXPECT_EQ(run_with_output("cat '" + journal_file.string() + "' | " + verify + " --anchors-from -", out), 0)
      << out;
  out.clear();
  EXPECT_EQ(run_with_output(verify + " --anchor 6:" + at6.hash, out), 0) << out;
  out.clear();
  EXPECT_EQ(run_with_output(verify + " --anchor 6:" + at6.hash.substr(1), out), 2) << out;
  out.clear();
  const fs::path quiet = dir.path() / "quiet.txt";
  write_file(quiet, "Started poortd.service - poort gateway.\n");
  EXPECT_EQ(run_with_output(verify + " --anchors-from '" + quiet.string() + "'", out), 1) << out;
  EXPECT_NE(out.find("no audit.anchor line"), std::string::npos) << out;

  // An insider rewrites record 5 and recomputes the hashes of records 5 and 6.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(cfg.database.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
                         "UPDATE audit_log SET result = 'denied:not_connected' WHERE seq = 5;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto rehash = [&](int seq) {
    const std::string link = "UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE seq = " +
                             std::to_string(seq - 1) + ") WHERE seq = " + std::to_string(seq);
    if (sqlite3_exec(raw, link.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return false;
    const std::string hash = "UPDATE audit_log SET hash = '" + documented_audit_hash(raw, seq) +
                             "' WHERE seq = " + std::to_string(seq);
    return sqlite3_exec(raw, hash.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  };
  ASSERT_TRUE(rehash(5));
  ASSERT_TRUE(rehash(6));
  out.clear();
  EXPECT_EQ(run_with_output(verify, out), 0) << "the rehashed chain links: " << out;
  out.clear();
  EXPECT_EQ(run_with_output(with_journal, out), 1) << out;
  EXPECT_NE(out.find("BROKEN at record 6: hash differs from anchor 6"), std::string::npos) << out;

  // Cutting the rewritten records off leaves a chain that links, below the anchor.
  ASSERT_EQ(sqlite3_exec(raw, "DELETE FROM audit_log WHERE seq > 4", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  out.clear();
  EXPECT_EQ(run_with_output(verify, out), 0) << out;
  out.clear();
  EXPECT_EQ(run_with_output(with_journal, out), 1) << out;
  EXPECT_NE(out.find("BROKEN at record 5: anchor 6 is beyond the end of the log"), std::string::npos) << out;
}

// Verifies that poortd logs the audit chain head at start and shutdown, and that poortctl verifies against
// it.
TEST_F(Daemon, LogsAuditAnchorsThatPoortctlVerifies) {
  start();
  ASSERT_TRUE(daemon_->wait_for("\"event\":\"audit.anchor\"")) << dump();
  ASSERT_EQ(daemon_->stop(SIGTERM), 0) << dump();
  const auto lines = daemon_->lines();
  EXPECT_GE(std::ranges::count_if(
                lines, [](const std::string& l) { return l.find("\"audit.anchor\"") != std::string::npos; }),
            2)
      << dump();
  std::string journal;
  for (const auto& l : lines) journal += l + "\n";
  write_file(dir_.path() / "journal.txt", journal);
  std::string out;
  EXPECT_EQ(run_with_output(binary("tools/poortctl/poortctl").string() + " audit verify --config '" +
                                config_.string() + "' --anchors-from '" +
                                (dir_.path() / "journal.txt").string() + "'",
                            out),
            0)
      << out;
}

// Verifies that --check-config reports problems with their key path and exits 1, or exits 0.
TEST(CheckConfig, ReportsProblemsOrSuccess) {
  temp_dir dir;
  auto file = write_config(dir.path());
  auto run = [&](const fs::path& f, std::string& out) {
    return run_with_output(binary("daemon/poortd").string() + " --check-config --config '" + f.string() + "'",
                           out);
  };
  std::string out;
  EXPECT_EQ(run(file, out), 0) << out;
  EXPECT_NE(out.find("test is successful"), std::string::npos);
  std::ofstream(file, std::ios::app) << "\n[daemon_typo]\nx = 1\n";
  out.clear();
  EXPECT_EQ(run(file, out), 1) << out;
  EXPECT_NE(out.find("daemon_typo"), std::string::npos) << out;
}

// Verifies that the alert rules and the dashboard in contrib/ name only metric
// families a running poortd exports (a renamed metric would silently disable
// an alert), and that every family poortd exports has a HELP and TYPE line.
TEST_F(Daemon, MonitoringFilesNameOnlyExportedMetrics) {
  // With a data key, so that the deliveries area (and its push metrics) runs.
  const fs::path key = dir_.path() / "data.key";
  std::ofstream(key) << "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  daemon_options o;
  o.extra = "[data_keys]\nkey_file = \"" + key.string() + "\"\nkey_id = \"k1\"\n";
  start(o);
  const std::string text = metrics();
  ASSERT_FALSE(text.empty()) << dump();
  std::set<std::string> families;
  std::set<std::string> histograms;
  std::set<std::string> with_help;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex(R"(# TYPE (\S+) (\S+))"))) {
      families.insert(m[1]);
      if (m[2] == "histogram") histograms.insert(m[1]);
    } else if (std::regex_match(line, m, std::regex(R"(# HELP (\S+) .+)"))) {
      with_help.insert(m[1]);
    }
  }
  EXPECT_EQ(families, with_help);
  ASSERT_TRUE(families.contains("poort_store_commits_total")) << text;

  std::size_t named = 0;
  for (const char* file :
       {"/contrib/prometheus/poortd-alerts.yml", "/contrib/grafana/poortd-dashboard.json"}) {
    std::ifstream in(std::string(POORT_SOURCE_DIR) + file);
    ASSERT_TRUE(in) << file;
    const std::string body{std::istreambuf_iterator<char>(in), {}};
    const std::regex name(R"(\bpoort_[a-z_]+)");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), name); it != std::sregex_iterator(); ++it) {
      std::string n = it->str();
      for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (n.ends_with(suffix) && histograms.contains(n.substr(0, n.size() - suffix.size()))) {
          n.resize(n.size() - suffix.size());
          break;
        }
      }
      EXPECT_TRUE(families.contains(n)) << file << " names " << it->str() << ", which poortd does not export";
      ++named;
    }
  }
  EXPECT_GT(named, 20u);
}

}  // namespace
}  // namespace poort::test

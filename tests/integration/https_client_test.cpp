// poortd's one outbound HTTPS client (daemon/https_client.hpp) against a TLS
// server in this process on 127.0.0.1: the host check for both of its uses
// (artifact resolution, push), the address filter only when asked, and the
// server chain checked against CRLs. Certificates: the development PKI and
// tests/integration/chain-pki.sh. Loopback only.

#include "daemon/https_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <thread>

#include "config/config.hpp"
#include "daemon/artifact_client.hpp"
#include "harness.hpp"

namespace poort::test {
namespace {

namespace beast = boost::beast;

/// The chain PKI (tests/integration/chain-pki.sh), made once per process.
const fs::path& chain_dir() {
  static const temp_dir dir;
  static const bool made = [] {
    const std::string cmd = std::string("bash '") + POORT_SOURCE_DIR + "/tests/integration/chain-pki.sh' '" +
                            dir.path().string() + "' '" + pki::shared().dir.string() + "'";
    return std::system(cmd.c_str()) == 0;
  }();
  EXPECT_TRUE(made);
  return dir.path();
}

/// A TLS server on 127.0.0.1 with certificate `crt`/`key` that answers every
/// POST with 200 and a SOAP body, and counts the requests it read.
class tls_server {
 public:
  tls_server(const fs::path& crt, const fs::path& key)
      : ctx_(ssl::context::tls_server),
        acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    ctx_.use_certificate_chain_file(crt.string());
    ctx_.use_private_key_file(key.string(), ssl::context::pem);
    thread_ = std::thread([this] { run(); });
  }
  ~tls_server() {
    stopping_ = true;
    boost::system::error_code ec;
    tcp::socket poke(ioc_);
    poke.connect(acceptor_.local_endpoint(), ec);  // wakes the accept
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int requests() const { return requests_; }

 private:
  void run() {
    while (!stopping_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      ssl::stream<tcp::socket> stream(std::move(socket), ctx_);
      stream.handshake(ssl::stream_base::server, ec);
      if (ec) continue;  // the client refused our certificate
      beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(stream, buffer, req, ec);
      if (ec) continue;
      ++requests_;
      http::response<http::string_body> res{http::status::ok, 11};
      res.set(http::field::content_type, "text/xml; charset=utf-8");
      res.body() = "<ok/>";
      res.prepare_payload();
      http::write(stream, res, ec);
      stream.shutdown(ec);
    }
  }

  net::io_context ioc_;
  ssl::context ctx_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

/// The push's client: poort's development client certificate, the PKI's CA.
daemon::https_client_tls push_tls(std::vector<fs::path> crls = {}) {
  const pki& p = pki::shared();
  return {.purpose = "push",
          .client_certificate = p.file("sp-tls.crt"),
          .client_key = p.file("sp-tls.key"),
          .ca_bundle = p.file("ca.crt"),
          .crl_files = std::move(crls)};
}

daemon::https_request push_request(const std::string& url) {
  return {
      .url = url, .content_type = "application/json", .headers = {{"Idempotency-Key", "x"}}, .body = "{}"};
}

/// The login's artifact client with one IdP, "eh", trusting the PKI's CA.
daemon::artifact_client artifact_client() {
  const pki& p = pki::shared();
  config::saml saml;
  saml.tls_client_certificate = p.file("sp-tls.crt");
  saml.tls_client_key = p.file("sp-tls.key");
  config::identity_provider idp;
  idp.name = "eh";
  idp.artifact_resolution_ca = p.file("ca.crt");
  saml.identity_providers.push_back(idp);
  auto c = daemon::artifact_client::create(saml);
  EXPECT_TRUE(c);
  return std::move(*c);
}

auth::soap_call soap(const std::string& url) { return {"eh", url, "text/xml", "<ArtifactResolve/>"}; }

std::string base(std::uint16_t port, const std::string& host = "127.0.0.1") {
  return "https://" + host + ":" + std::to_string(port);
}

// Verifies that both uses of the client accept a server whose certificate
// names the URL's host, by name and by IP address.
TEST(HttpsClient, MatchingHostIsAcceptedForBothUses) {
  const pki& p = pki::shared();
  tls_server server(p.file("system.crt"), p.file("system.key"));
  auto push = daemon::https_client::create(push_tls({p.file("crl.pem")}));
  ASSERT_TRUE(push);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    auto r = push->post(push_request(base(server.port(), host) + "/push"), {});
    ASSERT_TRUE(r) << daemon::to_string(r.error().step) << ": " << r.error().detail;
    EXPECT_EQ(r->status, 200u);
    auto a = artifact_client().post(soap(base(server.port(), host) + "/ars"));
    ASSERT_TRUE(a) << a.error().message();
    EXPECT_EQ(*a, "<ok/>");
  }
  EXPECT_EQ(server.requests(), 4);
}

// Verifies that a server whose certificate is for another host is refused in
// the TLS handshake, by the push and by the artifact resolution alike.
TEST(HttpsClient, HostNameMismatchIsRefusedForBothUses) {
  const fs::path& c = chain_dir();
  tls_server server(c / "other-host.crt", c / "other-host.key");
  auto push = daemon::https_client::create(push_tls());
  ASSERT_TRUE(push);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    auto r = push->post(push_request(base(server.port(), host) + "/push"), {});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().step, daemon::https_step::tls_handshake);
    EXPECT_NE(r.error().verify.find("mismatch"), std::string::npos) << r.error().verify;
    auto a = artifact_client().post(soap(base(server.port(), host) + "/ars"));
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error(), common_error::io_error);
  }
  EXPECT_EQ(server.requests(), 0);
}

// Verifies that the public-address filter applies only when asked: loopback
// is refused before connecting with it, and reached without it.
TEST(HttpsClient, AddressFilterOnlyWhenAsked) {
  const pki& p = pki::shared();
  tls_server server(p.file("system.crt"), p.file("system.key"));
  auto client = daemon::https_client::create(push_tls());
  ASSERT_TRUE(client);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    auto refused = client->post(push_request(base(server.port(), host) + "/push"),
                                {.timeout = std::chrono::seconds(5), .public_addresses_only = true});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().step, daemon::https_step::address);
    auto allowed = client->post(push_request(base(server.port(), host) + "/push"),
                                {.timeout = std::chrono::seconds(5), .public_addresses_only = false});
    ASSERT_TRUE(allowed) << daemon::to_string(allowed.error().step);
    EXPECT_EQ(allowed->status, 200u);
  }
  EXPECT_EQ(server.requests(), 2);
  // The artifact resolution never filters (its URLs come from trusted metadata).
  EXPECT_TRUE(artifact_client().post(soap(base(server.port()) + "/ars")));
}

// Verifies that with CRLs a revoked server certificate is refused (the push
// checks the municipality's certificate against the CRLs), and that the CRL
// is what refuses it.
TEST(HttpsClient, RevokedServerCertificateIsRefusedWithCrls) {
  const fs::path& c = chain_dir();
  tls_server server(c / "revoked-server.crt", c / "revoked-server.key");
  auto with_crls = daemon::https_client::create(push_tls({c / "root.crl"}));
  ASSERT_TRUE(with_crls);
  auto r = with_crls->post(push_request(base(server.port()) + "/push"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().step, daemon::https_step::tls_handshake);
  EXPECT_NE(r.error().verify.find("revoked"), std::string::npos) << r.error().verify;

  auto without = daemon::https_client::create(push_tls());
  ASSERT_TRUE(without);
  EXPECT_TRUE(without->post(push_request(base(server.port()) + "/push"), {}));
}

// Verifies that a URL that is not https:// with a host is refused before any I/O.
TEST(HttpsClient, RefusesNonHttpsUrls) {
  auto client = daemon::https_client::create(push_tls());
  ASSERT_TRUE(client);
  for (const std::string url :
       {"http://127.0.0.1/x", "https:///x", "https://user@127.0.0.1/x", "not a url"}) {
    auto r = client->post(push_request(url), {});
    ASSERT_FALSE(r) << url;
    EXPECT_EQ(r.error().step, daemon::https_step::url) << url;
  }
}

}  // namespace
}  // namespace poort::test

#pragma once
// poortd's one outbound HTTPS client (issue 15): the artifact resolution of
// the login (daemon/artifact_client.hpp) and the push to municipalities'
// endpoints (daemon/deliveries.hpp) both post through it, so that the server
// check, the host name check and the address filter are written once.
//
// Per client, one TLS context built from `https_client_tls`:
//   - our certificate and key (mutual TLS);
//   - the server's chain verified against `ca_bundle` and, when `crl_files`
//     are given, every certificate of it against the CRLs
//     (X509_V_FLAG_CRL_CHECK_ALL: each CA of the chain needs its CRL);
//   - TLS 1.2 or 1.3 with poort's cipher, group and signature policy
//     (daemon/tls.hpp), no compression, no renegotiation.
// Per call:
//   - the URL must be https:// with a host; the host of the URL is checked
//     against the server certificate: an IP literal against its IP SANs, a
//     name against its DNS names (SNI set, no partial wildcards);
//   - an IP literal is not looked up; a name is resolved, and with
//     `public_addresses_only` only the public unicast addresses among the
//     results (`is_public_address`) are connected to (a name that resolves
//     to another address later gains nothing: the addresses judged are the
//     ones connected to);
//   - one deadline (`timeout`) over resolve, connect, handshake, write and
//     read; a response head of at most 16 KiB and a body of at most
//     `max_response_bytes`; then a close_notify, bounded to one second.
//
// `post` blocks the calling thread for at most `timeout` (plus the bounded
// close) on a private io_context.
//
// Thread safety: immutable after `create`; `post` may run on several threads.

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace poort::daemon {

/// Whether an outbound call may connect to `a` when only public addresses are
/// allowed: true for a public unicast address. False for IPv4 0/8, 10/8,
/// 100.64/10 (CGNAT), 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.0.2/24,
/// 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4 (multicast) and
/// 240/4 (reserved and broadcast). IPv6 outside global unicast 2000::/3 is
/// refused (among others ::, ::1, fc00::/7, fe80::/10, ff00::/8), and within
/// it the documentation ranges 2001:db8::/32 and 3fff::/20; IPv4-compatible
/// ::/96 (:: and ::1 included), IPv4-mapped ::ffff:0:0/96 and NAT64
/// 64:ff9b::/96 are judged by their IPv4 part. Pure; thread-safe.
bool is_public_address(const boost::asio::ip::address& a);

/// The TLS side of a client: who we are and whom we trust.
struct https_client_tls {
  std::string purpose;                       ///< for log lines, e.g. "saml.ars:eherkenning", "push"
  std::filesystem::path client_certificate;  ///< PEM chain, leaf first
  std::filesystem::path client_key;
  std::filesystem::path ca_bundle;               ///< the server's chain must end here
  std::vector<std::filesystem::path> crl_files;  ///< empty = no revocation check
};

/// One request. The content type goes into Content-Type as it is.
struct https_request {
  std::string url;  ///< https://host[:port]/path[?query]
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra fields
  std::string body;
};

struct https_call_options {
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_response_bytes = 64 * 1024;
  bool public_addresses_only = false;  ///< see `is_public_address`
};

struct https_response {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

/// Where a call failed.
enum class https_step {
  url,            ///< not an https:// URL with a host
  resolve,        ///< the name did not resolve
  address,        ///< public_addresses_only and no public address left
  connect,        ///< no TCP connection
  tls_handshake,  ///< TLS failed, e.g. the certificate or host name check
  write,
  read,
};

std::string_view to_string(https_step s) noexcept;

struct https_failure {
  https_step step = https_step::url;
  bool timed_out = false;  ///< the deadline passed during `step`
  bool too_large = false;  ///< the response exceeded max_response_bytes
  std::string detail;      ///< the error's message (no personal data)
  std::string verify;      ///< tls_handshake: the certificate check's reason, if it failed
};

class https_client {
 public:
  /// Builds the TLS context. Failure: crypto_error (a file cannot be loaded,
  /// logged as "https_client.config_failed" with the purpose and the file).
  static result<https_client> create(const https_client_tls& tls);

  /// POSTs `req`. Success: the response, whatever its status.
  std::expected<https_response, https_failure> post(const https_request& req,
                                                    const https_call_options& options) const;

 private:
  explicit https_client(std::shared_ptr<boost::asio::ssl::context> ctx) : ctx_(std::move(ctx)) {}
  std::shared_ptr<boost::asio::ssl::context> ctx_;
};

}  // namespace poort::daemon

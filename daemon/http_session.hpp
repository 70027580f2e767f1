#pragma once
// One client connection: the TLS handshake, then HTTP/1.1 requests with
// keep-alive until the client leaves, a limit is hit or the server drains.
//
//   session_services svc{...};                      // what the server lends every connection
//   auto s = std::make_shared<http_session>(svc, std::move(socket), rt, listener, ip);
//   registry.add(*s);                               // the server's deadline sweep sees it
//   net::dispatch(s->executor(), [s] { s->start(); });
//
// The request path is built for the keep-alive case (docs/performance.md):
// between requests no coroutine is alive (an idle connection is a pending
// wait and this object); a request that is already buffered is read, parsed,
// handled and written without waiting, with one read and one write; deadlines
// are stored time points (daemon/tls_stream.hpp) that the server's sweep
// checks with the injected clock.
//
// Thread safety: all member functions run on the connection's executor,
// except `deadline_due` (any thread).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "daemon/admission.hpp"
#include "daemon/answer_relay.hpp"
#include "daemon/runtime.hpp"
#include "daemon/task.hpp"
#include "daemon/tls_stream.hpp"
#include "routing/metrics.hpp"

namespace poort::daemon {

class http_session;

/// Request ids "<prefix>-<counter in hex>": the prefix is random per process
/// and short enough that an id fits std::string's inline buffer.
/// Thread safety: `next` from any thread.
class request_ids {
 public:
  explicit request_ids(poort::random& random) : prefix_(random.hex(3)) {}
  std::string next();

 private:
  std::string prefix_;
  std::atomic<std::uint64_t> counter_{0};
};

/// What the server lends every connection: the narrow interface between a
/// session and the server. Everything here outlives the sessions.
struct session_services {
  poort::clock& clock;
  routing::metrics& metrics;
  answer_relay& relay;
  boost::asio::thread_pool& workers;  ///< runs the handlers that wait on the store
  rate_limiter& rates;
  identity_table& identities;
  request_ids& ids;
  const std::atomic<bool>& draining;  ///< the server drains: no keep-alive
  /// Called once by each session's destructor, on any thread, with its
  /// listener and address: its slots are free.
  std::function<void(http_session&, std::size_t listener, const std::string& address)> closed;
};

class http_session final : public std::enable_shared_from_this<http_session>, public tracked_connection {
 public:
  /// Serves `socket` on listener `listener` of `rt` (an index into
  /// rt->listeners); `address` is the peer's IP address as text.
  http_session(const session_services& svc, boost::asio::ip::tcp::socket socket,
               std::shared_ptr<const runtime> rt, std::size_t listener, std::string address);
  ~http_session();

  /// Starts the connection: the TLS handshake, then requests until the
  /// client leaves, a limit is hit or the server drains.
  void start();
  /// The server starts draining: an idle connection is closed now; a busy one
  /// after its current response.
  void drain();
  /// The drain bound has passed: closes the socket.
  void force_close();
  /// Any thread: has the current phase's deadline passed? (the sweeper's hint)
  bool deadline_due(mono_time now) const override { return stream_.deadline_due(now); }
  /// Ends the pending wait if its deadline has passed (by the injected clock).
  void expire_if_due() { stream_.expire_if_due(svc_.clock.monotonic()); }

  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

 private:
  using parser_type = boost::beast::http::request_parser<boost::beast::http::string_body>;
  using error_code = boost::system::error_code;
  struct exchange;
  /// What reading a request head learnt of its bytes.
  struct head_scan {
    std::size_t bytes = 0;  ///< the head's size
    bool folded = false;    ///< obsolete line folding (daemon/http_framing.hpp)
  };
  enum class refusal_kind : unsigned;
  class resumer;
  struct socket_wait;
  struct on_workers;
  struct async_answer;
  class identity_lease;

  /// The handshake and the identification of the peer; then the first wait.
  void on_handshake(error_code ec);
  /// Acknowledges the handshake's last flight at once (TCP_QUICKACK), so that
  /// a Nagle client's request does not wait for the delayed ACK.
  void acknowledge_now();
  /// Waits (without a coroutine) until the next request starts to arrive,
  /// then serves it in `serve_ready`.
  void wait_for_request();
  /// Called when the socket is readable (or OpenSSL holds bytes) after an
  /// idle wait, or when that wait failed.
  void on_readable(error_code ec);
  /// Serves requests while their bytes are there; true: wait for the next.
  task<bool> serve_ready();
  /// Serves one request; false when the connection must end.
  task<bool> serve_one();
  // The steps of serve_one. Each returns the refusal that ends the exchange,
  // if any.
  task<std::optional<refusal_kind>> read_head(exchange& x);
  std::optional<refusal_kind> admit_request(exchange& x);
  task<std::optional<refusal_kind>> read_body(exchange& x);
  /// Answers with the refusal `why` (or closes silently) and counts it; false.
  task<bool> refuse(exchange& x, refusal_kind why);
  /// After a 413: reads and drops what the client still sends of the body,
  /// up to its Content-Length and at most twice the hard cap (1 MiB at least),
  /// within the body timeout and at most `linger_time`. False: the client
  /// left or the time ran out.
  task<bool> discard_body(exchange& x);
  /// Whether the request asked for "100 Continue" (and so sends no body
  /// before it gets one, which a refusal never sends).
  static bool expects_continue(exchange& x);
  /// Runs the handler, writes its response, counts and logs it; false when
  /// the connection must end.
  task<bool> answer(exchange& x);
  /// Ends the connection: a reset after a failed write, else a bounded
  /// close_notify (none while draining).
  void end();
  /// Logs an exception that escaped a coroutine; true if there was one.
  static bool failed(const std::exception_ptr& e);
  /// Reads from the connection into `buffer_` and feeds `parser` until its
  /// header (`header_only`) or the whole message is in. Reads are attempted at
  /// once; only when OpenSSL needs the socket does it wait, until `deadline`.
  /// `head` learns the head's size and whether it folds lines. Errors: the parser's
  /// (header_limit, body_limit, bad_...), partial_message (the peer closed
  /// inside a message), end_of_stream (closed before one), timeout, a TLS or
  /// socket error.
  task<error_code> read_message(parser_type& parser, bool header_only, mono_time deadline, head_scan& head);
  /// Writes all of [data, data + size) within the write timeout; false when it
  /// could not (timeout, reset): the connection must then end. The bytes may
  /// be a per-thread buffer: they are copied before any wait.
  task<bool> write_all(const char* data, std::size_t size);
  /// Writes one response within the write timeout; false when it could not.
  task<bool> send(routing::response res, std::string_view target);
  routing::response handle(const routing::match& m, const routing::request& req);
  /// Looks up the party of `peer_` (configured, else the registry) into
  /// `party_` / `party_error_`. REQUIRES: peer_.
  void resolve_party();
  mono_time now() const { return svc_.clock.monotonic(); }

  const session_services& svc_;
  std::shared_ptr<const runtime> rt_;
  const config::listener& cfg_;
  std::size_t listener_index_;
  unsigned metric_listener_;
  tls_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<std::string> pending_write_;  ///< a response waiting for the socket
  std::string ip_;
  // Who is calling (system listener), known from the handshake; shared with
  // the other connections that present the same certificate.
  std::shared_ptr<const auth::peer_certificate> peer_;
  std::shared_ptr<const auth::party> party_;
  error_code party_error_;
  routing::request_context* ctx_ = nullptr;  ///< the request being served (on serve_one's frame)
  std::coroutine_handle<> serving_;          ///< the request coroutine while it is suspended
  std::size_t requests_ = 0;
  bool idle_ = true;
  bool draining_ = false;
  mono_time party_resolved_at_;
  bool registry_party_ = false;  ///< not a configured party: looked up again on keep-alive
  bool write_failed_ = false;    ///< a response missed the write timeout: reset, do not linger
};

}  // namespace poort::daemon

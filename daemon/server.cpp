#include "daemon/server.hpp"

#include <openssl/ssl.h>
#include <systemd/sd-daemon.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "auth/peer.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/random.hpp"
#include "daemon/audit_anchor.hpp"
#include "daemon/deliveries.hpp"
#include "daemon/http_framing.hpp"
#include "daemon/login.hpp"
#include "daemon/onboarding.hpp"
#include "daemon/task.hpp"
#include "daemon/tls.hpp"
#include "daemon/tls_stream.hpp"
#include "routing/app.hpp"
#include "routing/metrics.hpp"
#include "store/database.hpp"

namespace poort::daemon {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using net::awaitable;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

/// How long a registry party looked up for a keep-alive connection stays
/// valid before the next request looks it up again.
constexpr auto party_recheck_interval = std::chrono::seconds(1);

/// How often the deadlines of all connections are checked: a timeout fires
/// at most this much late (and never early).
constexpr auto sweep_interval = std::chrono::milliseconds(100);

unsigned metric_listener(config::listener_kind k) { return k == config::listener_kind::portal ? 0 : 1; }
std::string_view listener_name(config::listener_kind k) {
  return k == config::listener_kind::portal ? "portal" : "system";
}

/// Everything a connection needs that SIGHUP may replace. Sessions hold a
/// shared_ptr to the runtime they started with.
struct runtime {
  std::shared_ptr<const config::config> cfg;
  /// One per configured listener: portal listeners first, then system ones.
  std::vector<const config::listener*> listeners;
  std::vector<std::shared_ptr<ssl::context>> tls;
  auth::party_directory parties;
  std::shared_ptr<const routing::app> app;
};

/// Parses "127.0.0.1:8443" or "[::1]:8443".
result<tcp::endpoint> parse_address(std::string_view text) {
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find("]:");
    if (close == std::string_view::npos) return make_error_code(common_error::invalid_argument);
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return make_error_code(common_error::invalid_argument);
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned short p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc{} || ptr != port.data() + port.size())
    return make_error_code(common_error::invalid_argument);
  boost::system::error_code aec;
  auto addr = net::ip::make_address(std::string(host), aec);
  if (aec) return make_error_code(common_error::invalid_argument);
  return tcp::endpoint{addr, p};
}

std::string format_endpoint(const tcp::endpoint& ep) {
  if (ep.address().is_v6()) return "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

void render_histogram(std::string& out, std::string_view name, const store::histogram_snapshot& h) {
  for (std::size_t i = 0; i < h.upper_bounds.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g", h.upper_bounds[i]);
    out += std::string(name) + "_bucket{le=\"" + le + "\"} " + std::to_string(h.cumulative_counts[i]) + "\n";
  }
  out += std::string(name) + "_bucket{le=\"+Inf\"} " + std::to_string(h.count) + "\n";
  char sum[32];
  std::snprintf(sum, sizeof sum, "%.6f", h.sum);
  out += std::string(name) + "_sum " + sum + "\n";
  out += std::string(name) + "_count " + std::to_string(h.count) + "\n";
}

void render_store_metrics(std::string& out, const store::metrics_snapshot& m) {
  out +=
      "# HELP poort_store_commits_total Group commits made durable.\n# TYPE poort_store_commits_total "
      "counter\n";
  out += "poort_store_commits_total " + std::to_string(m.commits) + "\n";
  out +=
      "# HELP poort_store_failed_commits_total Group commits that failed as a whole.\n"
      "# TYPE poort_store_failed_commits_total counter\n";
  out += "poort_store_failed_commits_total " + std::to_string(m.failed_commits) + "\n";
  out +=
      "# HELP poort_store_transactions_total Transactions committed durably.\n"
      "# TYPE poort_store_transactions_total counter\n";
  out += "poort_store_transactions_total " + std::to_string(m.transactions) + "\n";
  out +=
      "# HELP poort_store_failed_transactions_total Transactions answered with an error.\n"
      "# TYPE poort_store_failed_transactions_total counter\n";
  out += "poort_store_failed_transactions_total " + std::to_string(m.failed_transactions) + "\n";
  out +=
      "# HELP poort_store_queue_depth Transactions waiting for the writer.\n# TYPE poort_store_queue_depth "
      "gauge\n";
  out += "poort_store_queue_depth " + std::to_string(m.queue_depth) + "\n";
  out +=
      "# HELP poort_store_batch_size Transactions per group commit.\n# TYPE poort_store_batch_size "
      "histogram\n";
  render_histogram(out, "poort_store_batch_size", m.batch_size);
  out +=
      "# HELP poort_store_commit_duration_seconds BEGIN to durable COMMIT of a group commit.\n"
      "# TYPE poort_store_commit_duration_seconds histogram\n";
  render_histogram(out, "poort_store_commit_duration_seconds", m.commit_seconds);
}

class server_impl;

/// Hands the store writer's answers to the connections' executors. While the
/// writer answers a group commit they are collected and posted in one go:
/// one wake-up of the I/O thread per group instead of one per answer.
/// Thread safety: `deliver` from any thread; `begin`/`end` on the writer.
class answer_relay {
 public:
  explicit answer_relay(net::io_context& ioc) : ioc_(ioc) {}
  void begin() { collecting = this; }
  void end() {
    collecting = nullptr;
    if (batch_.empty()) return;
    net::post(ioc_, [items = std::move(batch_)]() mutable {
      for (auto& [executor, answer] : items) net::dispatch(executor, std::move(answer));
    });
    batch_ = {};
  }
  void deliver(net::any_io_executor executor, std::function<void()> answer) {
    if (collecting == this) {
      batch_.emplace_back(std::move(executor), std::move(answer));
      return;
    }
    net::post(executor, std::move(answer));
  }

 private:
  net::io_context& ioc_;
  std::vector<std::pair<net::any_io_executor, std::function<void()>>> batch_;  // the writer's
  static thread_local answer_relay* collecting;  // the relay collecting on this thread
};

thread_local answer_relay* answer_relay::collecting = nullptr;

/// One client connection: TLS handshake, then HTTP/1.1 requests with
/// keep-alive until the client leaves, a limit is hit or the server drains.
class session : public std::enable_shared_from_this<session> {
 public:
  session(server_impl& srv, tcp::socket socket, std::shared_ptr<const runtime> rt, std::size_t listener,
          std::string ip);
  ~session();

  /// Starts the connection: the TLS handshake, then requests until the
  /// client leaves, a limit is hit or the server drains. Between requests no
  /// coroutine is alive: an idle connection is a pending wait and this object.
  void start();
  /// Called on the session's executor when the server starts draining: an idle
  /// connection is closed now; a busy one after its current response.
  void drain();
  /// Called on the session's executor when the drain bound has passed.
  void force_close();
  /// Any thread: has the current phase's deadline passed? (the sweeper's hint)
  bool deadline_due(std::chrono::steady_clock::time_point now) const { return stream_.deadline_due(now); }
  /// Called on the session's executor: ends the pending wait if its deadline
  /// has passed.
  void expire_if_due() { stream_.expire_if_due(std::chrono::steady_clock::now()); }

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  using parser_type = http::request_parser<http::string_body>;
  using time_point = std::chrono::steady_clock::time_point;

  /// The handshake and the identification of the peer; false: refused.
  awaitable<bool> handshake();
  /// Waits (without a coroutine) until the next request starts to arrive,
  /// then serves it in `serve_ready`.
  void wait_for_request();
  /// Serves requests while their bytes are there; true: wait for the next.
  task<bool> serve_ready();
  /// Ends the connection: a reset after a failed write, else a bounded
  /// close_notify (none while draining).
  void end();
  /// Logs an exception that escaped a coroutine; true if there was one.
  static bool failed(const std::exception_ptr& e);
  task<bool> serve_one();
  /// Reads from the connection into `buffer_` and feeds `parser` until its
  /// header (`header_only`) or the whole message is in. Reads are attempted at
  /// once; only when OpenSSL needs the socket does it wait, until `deadline`.
  /// `header_bytes` grows by the bytes the head took. Errors: the parser's
  /// (header_limit, body_limit, bad_...), partial_message (the peer closed
  /// inside a message), end_of_stream (closed before one), timeout, a TLS or
  /// socket error.
  task<error_code> read_message(parser_type& parser, bool header_only, time_point deadline,
                                std::size_t& header_bytes);
  /// Feeds [data, data + size) to `parser` until it has the head
  /// (`header_only`) or the whole message, or needs more bytes; returns the
  /// bytes it took (`header_bytes` grows by those of the head). `ec`: the
  /// parser's error, if any (never need_more).
  static std::size_t parse(parser_type& parser, const char* data, std::size_t size, bool header_only,
                           std::size_t& header_bytes, error_code& ec);
  /// Writes all of [data, data + size) within the write timeout; false when it
  /// could not (timeout, reset): the connection must then end. The bytes may
  /// be a per-thread buffer: they are copied before any wait.
  task<bool> write_all(const char* data, std::size_t size);
  /// Writes one response within the write timeout; false when it could not.
  task<bool> send(routing::response res, std::string_view target);
  /// A refusal that ends the connection. (A plain function: GCC 12 mishandles
  /// temporaries with destructors inside co_await expressions, so refusals are
  /// built as named locals before they are sent.) REQUIRES: a request is served.
  routing::response refusal(unsigned version, const routing::problem& p) const;
  routing::response handle(const routing::match& m, const routing::request& req);
  /// Looks up the party of `peer_` (configured, else the registry) into
  /// `party_` / `party_error_`. REQUIRES: peer_.
  void resolve_party();
  /// Called when the socket is readable (or OpenSSL holds bytes) after an
  /// idle wait, or when that wait failed.
  void on_readable(error_code ec);

  /// Resumes a request coroutine from a completion. Dropped without having
  /// been called (its executor is gone: shutdown), it destroys the whole
  /// coroutine, so that the frames and this session do not leak.
  class resumer {
   public:
    resumer(std::shared_ptr<session> s, std::coroutine_handle<> h) : s_(std::move(s)), h_(h) {}
    resumer(resumer&& other) noexcept : s_(std::move(other.s_)), h_(std::exchange(other.h_, {})) {}
    resumer& operator=(resumer&&) = delete;
    ~resumer() {
      if (h_ && s_->serving_) std::exchange(s_->serving_, {}).destroy();
    }
    void operator()() { std::exchange(h_, {}).resume(); }
    session& owner() const { return *s_; }

   private:
    std::shared_ptr<session> s_;
    std::coroutine_handle<> h_;
  };

  /// `co_await socket_wait{...}`: until the socket is readable or writable
  /// (as OpenSSL wants); timeout once the deadline is swept.
  struct socket_wait {
    session& s;
    tls_stream::io_result::kind want;
    error_code ec;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      s.stream_.socket().async_wait(
          want == tls_stream::io_result::want_write ? tcp::socket::wait_write : tcp::socket::wait_read,
          net::bind_allocator(std::allocator<void>(),
                              [this, r = resumer(s.shared_from_this(), h)](error_code e) mutable {
                                ec = s.stream_.map(e);
                                r();
                              }));
    }
    error_code await_resume() const noexcept { return ec; }
  };

  /// `co_await on_workers{...}`: runs the handler on the worker pool (it waits
  /// on the store) and resumes on the connection's executor.
  struct on_workers {
    session& s;
    const routing::match& m;
    const routing::request& req;
    routing::response res;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    routing::response await_resume() { return std::move(res); }
  };

  /// `co_await async_answer{...}`: hands the request to an `async` route
  /// (routing::app::handle_async) and resumes on the connection's executor
  /// with its answer, which comes from the store's writer.
  struct async_answer {
    session& s;
    const routing::match& m;
    std::shared_ptr<const routing::request> req;
    routing::response res;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    routing::response await_resume() { return std::move(res); }
  };

  /// Lends the connection's identity to the context of one request for as
  /// long as it is served: moved in and back, so that an idle connection
  /// keeps no request context and a request copies no strings.
  class identity_lease {
   public:
    identity_lease(session& s, routing::request_context& ctx) : s_(s), ctx_(ctx) {
      ctx.listener = s.cfg_.kind;
      ctx.remote_address = std::move(s.ip_);
      ctx.peer.share() = std::move(s.peer_);
      ctx.party.share() = std::move(s.party_);
      ctx.party_error = s.party_error_;
      s.ctx_ = &ctx;
    }
    ~identity_lease() {
      s_.ip_ = std::move(ctx_.remote_address);
      s_.peer_ = std::move(ctx_.peer.share());
      s_.party_ = std::move(ctx_.party.share());
      s_.ctx_ = nullptr;
    }
    identity_lease(const identity_lease&) = delete;
    identity_lease& operator=(const identity_lease&) = delete;

   private:
    session& s_;
    routing::request_context& ctx_;
  };

  server_impl& server_;
  std::shared_ptr<const runtime> rt_;
  const config::listener& cfg_;
  std::size_t listener_index_;
  unsigned metric_listener_;
  tls_stream stream_;
  beast::flat_buffer buffer_;
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
  std::chrono::steady_clock::time_point party_resolved_at_;
  bool registry_party_ = false;  ///< not a configured party: looked up again on keep-alive
  bool write_failed_ = false;    ///< a response missed the write timeout: reset, do not linger

  // The server's list of live sessions (guarded by its sessions_mutex_).
  friend class server_impl;
  session* prev_ = nullptr;
  session* next_ = nullptr;
};

class server_impl final : public server, public std::enable_shared_from_this<server_impl> {
 public:
  server_impl(std::filesystem::path file, std::shared_ptr<const config::config> cfg);
  ~server_impl() override;

  result<void> init();
  int run() override;
  void request_stop() override {
    net::post(ioc_, [this] { begin_drain(); });
  }
  void request_reload() override {
    net::post(ioc_, [this] { reload(); });
  }

  // For sessions.
  std::shared_ptr<const runtime> current() const { return rt_.load(); }
  routing::metrics& metrics() { return *metrics_; }
  net::thread_pool& workers() { return workers_; }
  answer_relay& relay() { return relay_; }
  poort::random& random() { return random_; }
  bool draining() const { return draining_.load(); }
  std::string next_request_id();
  bool rate_allowed(const std::string& ip, const config::limits& l);
  void session_started(session* s);
  /// The one immutable copy of this certificate's identity that all its
  /// connections share.
  std::shared_ptr<const auth::peer_certificate> shared_identity(auth::peer_certificate cert);
  void session_ended(session* s, std::size_t listener, const std::string& ip);

 private:
  result<std::shared_ptr<const runtime>> build_runtime(std::shared_ptr<const config::config> cfg);
  awaitable<void> accept_loop(std::size_t listener, std::shared_ptr<tcp::acceptor> acceptor);
  void begin_drain();
  void finish_drain();
  void reload();
  void arm_watchdog();
  /// Every `sweep_interval`, ends the waits of sessions whose deadline has
  /// passed; runs while there are sessions.
  void sweep();
  /// The live sessions that may be posted to. REQUIRES: sessions_mutex_ held.
  std::vector<std::shared_ptr<session>> live_sessions_locked();
  void handle_signals();

  std::filesystem::path file_;
  std::shared_ptr<const config::config> initial_;
  unsigned io_threads_ = 1;
  system_clock_source clock_;
  os_random random_;
  net::io_context ioc_;
  net::thread_pool workers_;
  net::signal_set signals_;
  net::steady_timer drain_timer_;
  net::steady_timer sweep_timer_;
  answer_relay relay_{ioc_};
  net::steady_timer watchdog_timer_;
  std::chrono::microseconds watchdog_interval_{0};
  std::atomic<std::shared_ptr<const runtime>> rt_;
  std::unique_ptr<routing::metrics> metrics_;
  std::unique_ptr<store::database> store_;
  std::unique_ptr<deliveries_runtime> deliveries_;  // after store_: destroyed (stopped) first
  std::unique_ptr<onboarding_jobs>
      onboarding_jobs_;  // connection scheduler, e-mail outbox (daemon/onboarding.hpp)
  std::unique_ptr<audit_anchor_timer>
      audit_anchors_;  // the chain head to the journal (daemon/audit_anchor.hpp)
  std::vector<std::pair<std::size_t, std::shared_ptr<tcp::acceptor>>> acceptors_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> forced_{false};
  std::atomic<std::uint64_t> request_counter_{0};
  std::string request_prefix_;

  std::mutex sessions_mutex_;
  session* sessions_ = nullptr;  // guarded by sessions_mutex_

  std::mutex identities_mutex_;
  // By certificate fingerprint; expired entries are dropped as the table grows.
  std::unordered_map<std::string, std::weak_ptr<const auth::peer_certificate>> identities_;
  std::size_t identities_prune_at_ = 1024;                    // guarded by identities_mutex_
  bool sweeping_ = false;                                     // guarded by sessions_mutex_
  std::unordered_map<std::string, std::size_t> per_address_;  // guarded by sessions_mutex_
  std::vector<std::size_t> per_listener_;                     // guarded by sessions_mutex_

  struct bucket {
    double tokens = 0;
    mono_time last;
  };
  std::mutex rate_mutex_;
  std::unordered_map<std::string, bucket> buckets_;  // guarded by rate_mutex_
};

// ---------------------------------------------------------------- session

void session::async_answer::await_suspend(std::coroutine_handle<> h) {
  // std::function wants a copyable callable: the resumer is shared.
  auto resume = std::make_shared<resumer>(s.shared_from_this(), h);
  s.rt_->app->handle_async(m, req, *s.ctx_, [this, resume](routing::response answer) {
    res = std::move(answer);
    session& owner = resume->owner();
    owner.server_.relay().deliver(owner.executor(), [resume] { (*resume)(); });
  });
}

void session::on_workers::await_suspend(std::coroutine_handle<> h) {
  net::post(s.server_.workers(), [this, r = resumer(s.shared_from_this(), h)]() mutable {
    res = s.handle(m, req);
    net::post(s.executor(), std::move(r));
  });
}

session::session(server_impl& srv, tcp::socket socket, std::shared_ptr<const runtime> rt,
                 std::size_t listener, std::string ip)
    : server_(srv),
      rt_(std::move(rt)),
      cfg_(*rt_->listeners[listener]),
      listener_index_(listener),
      metric_listener_(metric_listener(cfg_.kind)),
      stream_(std::move(socket), rt_->tls[listener]->native_handle()),
      ip_(std::move(ip)) {
  server_.metrics().connection_opened(metric_listener_);
}

// Only a failing mutex or allocation could throw here: that ends the process
// (std::terminate), as it should.
session::~session() {  // NOLINT(bugprone-exception-escape)
  server_.metrics().connection_closed(metric_listener_);
  server_.session_ended(this, listener_index_, ip_);
}

void session::drain() {
  draining_ = true;
  if (idle_) stream_.cancel();
}

void session::force_close() { stream_.close(); }

void session::resolve_party() {
  party_error_ = {};
  const auth::party* configured = rt_->parties.find(peer_->oin);
  registry_party_ = configured == nullptr;
  if (configured != nullptr) {
    party_ = std::shared_ptr<const auth::party>(rt_, configured);  // lives as long as the runtime
  } else if (auto party = auth::resolve_party(rt_->parties, *peer_)) {
    party_ = std::make_shared<const auth::party>(std::move(*party));
  } else {
    party_.reset();
    party_error_ = party.error();
  }
  party_resolved_at_ = std::chrono::steady_clock::now();
}

void session::start() {
  net::co_spawn(executor(), handshake(), [self = shared_from_this()](const std::exception_ptr& e, bool ok) {
    if (!failed(e) && ok) self->wait_for_request();
  });
}

bool session::failed(const std::exception_ptr& e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log::error("session.exception", {{"what", ex.what()}});
  } catch (...) {
    log::error("session.exception", {{"what", "unknown"}});
  }
  return true;
}

awaitable<bool> session::handshake() {
  stream_.expires_after(cfg_.limits.handshake_timeout);
  auto [hec] = co_await stream_.async_handshake(use_tuple);
  if (hec) {
    auto reason = hec == beast::error::timeout ? routing::refusal::handshake_timeout
                                               : classify_handshake_failure(stream_.native_handle(), hec);
    server_.metrics().refused(metric_listener_, reason);
    log::info(
        "tls.handshake_refused",
        {{"listener", listener_name(cfg_.kind)}, {"reason", routing::to_string(reason)}, {"remote", ip_}});
    co_return false;
  }
  if (cfg_.kind == config::listener_kind::system) {
    X509* cert = SSL_get0_peer_certificate(stream_.native_handle());
    auto peer = auth::identify_certificate(cert);
    if (!peer) {
      party_error_ = peer.error();
    } else {
      peer_ = server_.shared_identity(std::move(*peer));
      resolve_party();
    }
  }
  co_return true;
}

void session::wait_for_request() {
  if (draining_) return end();
  // The buffer is empty between requests: an idle connection holds no
  // request state (docs/performance.md).
  if (buffer_.capacity() != 0) buffer_.shrink_to_fit();
  idle_ = true;
  const auto& lim = cfg_.limits;
  stream_.expires_after(requests_ == 0 ? lim.header_timeout : lim.idle_timeout);
  // A plain wait (no composed operation, no coroutine): the only operation
  // an idle connection holds.
  if (stream_.has_pending()) {
    net::post(executor(), [self = shared_from_this()] { self->on_readable({}); });
    return;
  }
  // Allocated at its exact size (not in a recycled, larger block): it is
  // what every idle connection holds.
  stream_.socket().async_wait(
      tcp::socket::wait_read,
      net::bind_allocator(std::allocator<void>(), [self = shared_from_this()](error_code ec) {
        self->on_readable(self->stream_.map(ec));
      }));
}

void session::on_readable(error_code ec) {
  idle_ = false;
  if (ec || draining_) return end();  // timeout, drain, reset
  daemon::start(
      serve_ready(),
      [self = shared_from_this()](const std::exception_ptr& e, std::optional<bool> again) {
        if (failed(e) || !again || !*again) return self->end();
        self->wait_for_request();
      },
      &serving_);
}

task<bool> session::serve_ready() {
  const auto& lim = cfg_.limits;
  do {
    // A municipal system is known from the registry, where a signatory may
    // replace its certificate and an administrator may suspend it: on a
    // keep-alive connection the lookup is repeated, at most once a second.
    if (registry_party_ && std::chrono::steady_clock::now() - party_resolved_at_ >= party_recheck_interval)
      resolve_party();
    if (!co_await serve_one()) co_return false;
    ++requests_;
    if (lim.max_requests_per_connection && requests_ >= lim.max_requests_per_connection) co_return false;
    if (draining_) co_return false;
  } while (buffer_.size() != 0);  // a pipelined request is already here
  co_return true;
}

void session::end() {
  // A client that stopped reading gets a reset: a close_notify would only wait
  // behind the unread data, and a normal close would leave the kernel holding
  // the send buffer for the slow reader.
  // (Closed here: Asio clears SO_LINGER when a socket is closed by its destructor.)
  if (write_failed_) {
    error_code ignored;
    stream_.socket().set_option(net::socket_base::linger(true, 0), ignored);
    stream_.socket().close(ignored);
    return;
  }
  // Best-effort close_notify, bounded; a draining server does not wait for it.
  if (draining_) return;
  stream_.expires_after(std::chrono::seconds(2));
  stream_.async_shutdown([self = shared_from_this()](error_code) {});
}

routing::response session::refusal(unsigned version, const routing::problem& p) const {
  auto res = routing::make_problem_response(version, p, ctx_->request_id);
  res.keep_alive(false);
  return res;
}

std::size_t session::parse(parser_type& parser, const char* data, std::size_t size, bool header_only,
                           std::size_t& header_bytes, error_code& ec) {
  std::size_t used = 0;
  ec = {};
  while (used < size && !(header_only ? parser.is_header_done() : parser.is_done())) {
    const bool in_head = !parser.is_header_done();
    const std::size_t n = parser.put(net::const_buffer(data + used, size - used), ec);
    used += n;
    if (in_head) header_bytes += n;
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || n == 0) break;
  }
  return used;
}

task<error_code> session::read_message(parser_type& parser, bool header_only, time_point deadline,
                                       std::size_t& header_bytes) {
  const auto complete = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  for (;;) {
    error_code ec;
    if (buffer_.size() != 0) {
      buffer_.consume(parse(parser, static_cast<const char*>(buffer_.data().data()), buffer_.size(),
                            header_only, header_bytes, ec));
      if (ec) co_return ec;
      if (complete()) co_return error_code{};
    }
    // More bytes are needed. With nothing buffered they are read into this
    // thread's scratch buffer and parsed from there: only what is left over
    // (a body, the next pipelined request, an incomplete head) is copied into
    // the connection's buffer. A head must be whole in one buffer (Beast
    // parses it in one piece), so that buffer grows up to the header limit.
    thread_local std::array<char, 16 * 1024> scratch;
    const bool direct = buffer_.size() == 0;
    net::mutable_buffer space =
        direct
            ? net::buffer(scratch)
            : buffer_.prepare(std::clamp<std::size_t>(buffer_.capacity() - buffer_.size(), 4096, 64 * 1024));
    auto r = stream_.read_now(space.data(), space.size());
    if (r.status == tls_stream::io_result::done) {
      if (!direct) {
        buffer_.commit(r.bytes);
        continue;
      }
      const std::size_t used = parse(parser, scratch.data(), r.bytes, header_only, header_bytes, ec);
      if (ec) co_return ec;
      if (used < r.bytes) {
        auto rest = buffer_.prepare(r.bytes - used);
        std::memcpy(rest.data(), scratch.data() + used, r.bytes - used);
        buffer_.commit(r.bytes - used);
      }
      if (complete()) co_return error_code{};
      continue;
    }
    if (r.status == tls_stream::io_result::failed) {
      if (r.error == net::error::eof || r.error == net::ssl::error::stream_truncated)
        co_return parser.got_some() ? error_code(http::error::partial_message)
                                    : error_code(http::error::end_of_stream);
      co_return r.error;
    }
    stream_.set_deadline(deadline);
    socket_wait wait{*this, r.status, {}};
    if (auto wec = co_await wait) co_return wec;
  }
}

task<bool> session::write_all(const char* data, std::size_t size) {
  auto r = stream_.write_now(data, size);
  if (r.status == tls_stream::io_result::done) co_return true;
  if (r.status != tls_stream::io_result::failed) {
    // OpenSSL wants the same bytes again once the socket is ready: keep them
    // here, since `data` may be reused while this connection waits.
    pending_write_ = std::make_unique<std::string>(data, size);
    stream_.expires_after(cfg_.limits.write_timeout);
    while (r.status == tls_stream::io_result::want_read || r.status == tls_stream::io_result::want_write) {
      socket_wait wait{*this, r.status, {}};
      if (auto ec = co_await wait) {
        r = {tls_stream::io_result::failed, 0, ec};
        break;
      }
      r = stream_.write_now(pending_write_->data(), pending_write_->size());
    }
    pending_write_.reset();
    if (r.status == tls_stream::io_result::done) co_return true;
  }
  write_failed_ = true;
  co_return false;
}

/// The serialised response, head and body, in `out` (which is cleared first),
/// with the headers every response carries (routing::app::finish) written
/// directly rather than added to the response's fields first. The handler's
/// fields are written as they are (handlers set Content-Length; no response
/// is chunked), except those that a common header replaces.
void serialize(const routing::response& res, config::listener_kind listener, std::string_view target,
               std::string_view request_id, std::string& out) {
  struct header {
    std::string_view name, value;
  };
  std::array<header, 16> common;
  std::size_t n = 0;
  routing::app::for_each_common_header(listener, target, request_id, res.find(http::field::etag) != res.end(),
                                       [&](std::string_view name, std::string_view value) {
                                         common[n++] = {name, value};
                                       });
  const auto replaced = [&](std::string_view name) {
    for (std::size_t i = 0; i < n; ++i)
      if (beast::iequals(common[i].name, name)) return true;
    return false;
  };

  out.clear();
  const auto reason = res.reason();
  std::size_t need = 16 + reason.size() + 2 + res.body().size();
  for (const auto& f : res) need += f.name_string().size() + f.value().size() + 4;
  for (std::size_t i = 0; i < n; ++i) need += common[i].name.size() + common[i].value.size() + 4;
  out.reserve(need);
  out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  char status[4];
  const unsigned code = res.result_int() % 1000;
  status[0] = static_cast<char>('0' + code / 100);
  status[1] = static_cast<char>('0' + code / 10 % 10);
  status[2] = static_cast<char>('0' + code % 10);
  status[3] = ' ';
  out.append(status, 4);
  out += reason;
  out += "\r\n";
  const auto append = [&out](std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  };
  for (const auto& f : res)
    if (!replaced(f.name_string())) append(f.name_string(), f.value());
  for (std::size_t i = 0; i < n; ++i) append(common[i].name, common[i].value);
  out += "\r\n";
  out += res.body();
}

task<bool> session::send(routing::response res, std::string_view target) {
  if (draining_ || server_.draining()) res.keep_alive(false);
  // One buffer per I/O thread: filled and written before this coroutine can
  // suspend (write_all copies what has to wait).
  thread_local std::string out;
  serialize(res, cfg_.kind, target, ctx_->request_id, out);
  if (out.capacity() > 256 * 1024) {  // do not keep a large asset's worth per thread
    std::string big = std::move(out);
    out = std::string();
    co_return co_await write_all(big.data(), big.size());
  }
  co_return co_await write_all(out.data(), out.size());
}

routing::response session::handle(const routing::match& m, const routing::request& req) {
  try {
    return rt_->app->handle(m, req, *ctx_);
  } catch (const std::exception& e) {
    log::error("request.exception", {{"request_id", ctx_->request_id}, {"what", e.what()}});
    return routing::make_problem_response(
        req, {500, "internal_error", "Interne fout", "The request could not be completed.", {}},
        ctx_->request_id);
  }
}

// Serves one request. Returns false when the connection must end.
task<bool> session::serve_one() {
  const auto& lim = cfg_.limits;

  idle_ = false;

  const auto started = std::chrono::steady_clock::now();
  routing::request_context ctx;
  identity_lease lease(*this, ctx);
  ctx.request_id = server_.next_request_id();
  parser_type parser;
  // Beast's own check is approximate (it fires when that many bytes are
  // buffered without a complete head); the exact limit is checked below on the
  // bytes the head really took.
  parser.header_limit(static_cast<std::uint32_t>(lim.max_header_bytes + 1));
  parser.body_limit(lim.max_body_bytes);
  parser.eager(false);

  // A later request's head must be complete within header_timeout of its
  // first byte. The first request's within header_timeout of the handshake:
  // waiting for its first byte counts (wait_for_request set that deadline),
  // so a client cannot take the timeout twice by sending one byte late.
  const auto head_deadline = requests_ == 0 ? stream_.deadline() : started + lim.header_timeout;
  std::size_t hn = 0;
  const auto hec = co_await read_message(parser, true, head_deadline, hn);
  if (hec == http::error::header_limit || (!hec && hn > lim.max_header_bytes)) {
    {
      auto refused = refusal(
          11, {431, "header_too_large", "Kopregels te groot", "The request head exceeds the limit.", {}});
      co_await send(std::move(refused), "");
    }
    server_.metrics().request_done(SIZE_MAX, metric_listener_, 431,
                                   std::chrono::steady_clock::now() - started);
    co_return false;
  }
  if (hec == beast::error::timeout || hec == net::error::operation_aborted ||
      hec == http::error::end_of_stream || hec == net::error::eof ||
      hec == net::ssl::error::stream_truncated) {
    co_return false;
  }
  if (hec) {
    {
      auto refused =
          refusal(11, {400, "malformed_request", "Ongeldig verzoek", "The request could not be parsed.", {}});
      co_await send(std::move(refused), "");
    }
    server_.metrics().request_done(SIZE_MAX, metric_listener_, 400,
                                   std::chrono::steady_clock::now() - started);
    co_return false;
  }

  const auto& head = parser.get();
  const unsigned version = head.version();
  if (!framing_is_unambiguous(parser)) {  // request smuggling
    {
      auto refused =
          refusal(version == 10 ? 10 : 11,
                  {400, "ambiguous_framing", "Ongeldig verzoek", "The request framing is ambiguous.", {}});
      co_await send(std::move(refused), "");
    }
    server_.metrics().request_done(SIZE_MAX, metric_listener_, 400,
                                   std::chrono::steady_clock::now() - started);
    co_return false;
  }

  const std::string target(head.target());
  auto m = rt_->app->find(cfg_.kind, head.method(), target);
  const bool has_body = parser.chunked() || (parser.content_length() && *parser.content_length() > 0);

  std::size_t limit = 0;
  if (m.found) limit = std::min(m.found->body_limit, lim.max_body_bytes);
  if (has_body && m.found && (parser.chunked() || *parser.content_length() > limit)) {
    if (!parser.chunked()) {
      {
        auto refused = refusal(
            version, {413, "body_too_large", "Verzoek te groot", "The request body exceeds the limit.", {}});
        co_await send(std::move(refused), "");
      }
      server_.metrics().request_done(m.index, metric_listener_, 413,
                                     std::chrono::steady_clock::now() - started);
      co_return false;
    }
  }
  if (!server_.rate_allowed(ip_, lim)) {
    auto res = routing::make_problem_response(
        version, {429, "rate_limited", "Te veel verzoeken", "Too many requests from this address.", {}},
        ctx.request_id);
    res.set(http::field::retry_after, "1");
    res.keep_alive(false);
    co_await send(std::move(res), target);
    server_.metrics().request_done(m.index, metric_listener_, 429,
                                   std::chrono::steady_clock::now() - started);
    co_return false;
  }

  bool close_after = false;
  if (has_body) {
    if (!m.found) {
      close_after = true;  // answer 404/405 without reading a body we do not want
    } else {
      if (head[http::field::expect] == "100-continue" && buffer_.size() == 0 && !stream_.has_pending()) {
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!co_await write_all(cont.data(), cont.size())) co_return false;
      }
      parser.body_limit(limit);
      parser.eager(true);
      std::size_t ignored_head = 0;
      const auto bec = co_await read_message(
          parser, false, std::chrono::steady_clock::now() + lim.body_timeout, ignored_head);
      if (bec == http::error::body_limit) {
        {
          auto refused =
              refusal(version,
                      {413, "body_too_large", "Verzoek te groot", "The request body exceeds the limit.", {}});
          co_await send(std::move(refused), "");
        }
        server_.metrics().request_done(m.index, metric_listener_, 413,
                                       std::chrono::steady_clock::now() - started);
        co_return false;
      }
      if (bec) {
        if (bec != beast::error::timeout && bec != net::error::operation_aborted && bec != net::error::eof) {
          auto refused = refusal(
              version,
              {400, "malformed_request", "Ongeldig verzoek", "The request body could not be read.", {}});
          co_await send(std::move(refused), "");
        }
        co_return false;
      }
    }
  }

  routing::request req = parser.release();
  const http::verb method = req.method();
  routing::response res;
  if (m.found && m.found->async) {
    // The prisons' deliveries: checked and sealed here, committed by the
    // store's writer, answered from there once durable; nothing waits.
    async_answer answer{*this, m, std::make_shared<const routing::request>(std::move(req)), {}};
    res = co_await answer;
  } else if (m.found && m.found->blocking) {
    // Handlers that wait on the store run on the worker pool; this coroutine
    // resumes on its own strand when the response is ready.
    on_workers work{*this, m, req, {}};
    res = co_await work;
  } else {
    res = handle(m, req);
  }
  if (method == http::verb::head) {
    auto len = res.body().size();
    res.body().clear();
    if (len) res.content_length(len);
  }
  if (close_after) res.keep_alive(false);
  const unsigned status = res.result_int();
  // A response that could not be written in time (a slow reader) ends the
  // connection: the TLS stream holds a half-written record, and pipelined
  // requests must not be served after it.
  const bool keep_alive = res.keep_alive() && !draining_;
  const bool written = co_await send(std::move(res), target);
  const bool keep = keep_alive && written;
  const auto elapsed = std::chrono::steady_clock::now() - started;
  server_.metrics().request_done(m.found ? m.index : SIZE_MAX, metric_listener_, status, elapsed);
  if (status >= 400 || method != http::verb::get) {
    log::info("http.request",
              {{"request_id", ctx.request_id},
               {"listener", listener_name(cfg_.kind)},
               {"method", std::string_view(http::to_string(method))},
               {"route", m.found ? std::string_view(m.found->name) : std::string_view("unmatched")},
               {"status", status},
               {"party", ctx.party ? std::string_view(ctx.party->oin) : std::string_view()},
               {"duration_us", std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()}});
  }
  co_return keep;
}

// ----------------------------------------------------------------- server

server_impl::server_impl(std::filesystem::path file, std::shared_ptr<const config::config> cfg)
    : file_(std::move(file)),
      ioc_(static_cast<int>(cfg->daemon.threads ? cfg->daemon.threads
                                                : std::max(1u, std::thread::hardware_concurrency()))),
      workers_(std::max(1u, cfg->daemon.worker_threads)),
      signals_(ioc_),
      drain_timer_(ioc_),
      sweep_timer_(ioc_),
      watchdog_timer_(ioc_) {
  io_threads_ = cfg->daemon.threads ? cfg->daemon.threads : std::max(1u, std::thread::hardware_concurrency());
  request_prefix_ = random_.hex(3);  // "a1b2c3-1f": fits std::string's inline buffer
  metrics_ = std::make_unique<routing::metrics>(routing::app::route_names());
  initial_ = std::move(cfg);
}

server_impl::~server_impl() {
  workers_.join();
  if (store_) store_->close();
}

std::string server_impl::next_request_id() {
  char buf[32];
  const std::size_t prefix = request_prefix_.size();
  std::memcpy(buf, request_prefix_.data(), prefix);
  buf[prefix] = '-';
  auto n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  auto [p, ec] = std::to_chars(buf + prefix + 1, buf + sizeof buf, n, 16);
  (void)ec;
  return std::string(buf, p);
}

bool server_impl::rate_allowed(const std::string& ip, const config::limits& l) {
  if (l.requests_per_second_per_address == 0) return true;
  const double rate = l.requests_per_second_per_address;
  const double burst = l.burst_per_address ? l.burst_per_address : 2 * rate;
  const auto now = clock_.monotonic();
  std::lock_guard lock(rate_mutex_);
  auto [it, inserted] = buckets_.try_emplace(ip);
  bucket& b = it->second;
  if (inserted) {
    b.tokens = burst;
  } else {
    b.tokens = std::min(burst, b.tokens + rate * std::chrono::duration<double>(now - b.last).count());
  }
  b.last = now;
  if (buckets_.size() > 100'000) {  // bound the table: forget full buckets
    std::erase_if(buckets_, [&](const auto& kv) { return kv.second.tokens >= burst; });
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void server_impl::session_started(session* s) {
  std::lock_guard lock(sessions_mutex_);
  s->next_ = sessions_;
  if (sessions_ != nullptr) sessions_->prev_ = s;
  sessions_ = s;
  if (!sweeping_) {
    sweeping_ = true;
    net::post(ioc_, [this] { sweep(); });
  }
}

std::shared_ptr<const auth::peer_certificate> server_impl::shared_identity(auth::peer_certificate cert) {
  std::lock_guard lock(identities_mutex_);
  auto [it, inserted] = identities_.try_emplace(cert.fingerprint_sha256);
  if (!inserted)
    if (auto shared = it->second.lock()) return shared;
  auto fresh = std::make_shared<const auth::peer_certificate>(std::move(cert));
  it->second = fresh;
  if (identities_.size() > identities_prune_at_) {
    std::erase_if(identities_, [](const auto& kv) { return kv.second.expired(); });
    identities_prune_at_ = std::max<std::size_t>(1024, 2 * identities_.size());
  }
  return fresh;
}

std::vector<std::shared_ptr<session>> server_impl::live_sessions_locked() {
  std::vector<std::shared_ptr<session>> live;
  for (session* p = sessions_; p != nullptr; p = p->next_)
    if (auto s = p->weak_from_this().lock()) live.push_back(std::move(s));
  return live;
}

void server_impl::sweep() {
  std::vector<std::shared_ptr<session>> due;
  {
    std::lock_guard lock(sessions_mutex_);
    if (sessions_ == nullptr) {
      sweeping_ = false;  // the next session restarts the sweep
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    for (session* p = sessions_; p != nullptr; p = p->next_)
      if (p->deadline_due(now))
        if (auto s = p->weak_from_this().lock()) due.push_back(std::move(s));
  }
  for (auto& s : due) net::post(s->executor(), [s] { s->expire_if_due(); });
  sweep_timer_.expires_after(sweep_interval);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) sweep();
  });
}

void server_impl::session_ended(session* s, std::size_t listener, const std::string& ip) {
  bool last = false;
  {
    std::lock_guard lock(sessions_mutex_);
    if (s->prev_ != nullptr)
      s->prev_->next_ = s->next_;
    else
      sessions_ = s->next_;
    if (s->next_ != nullptr) s->next_->prev_ = s->prev_;
    --per_listener_[listener];
    auto it = per_address_.find(ip);
    if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
    last = sessions_ == nullptr;
  }
  if (last && draining_) net::post(ioc_, [this] { finish_drain(); });
}

result<std::shared_ptr<const runtime>> server_impl::build_runtime(std::shared_ptr<const config::config> cfg) {
  auto rt = std::make_shared<runtime>();
  for (const auto& l : cfg->portal) rt->listeners.push_back(&l);
  for (const auto& l : cfg->system) rt->listeners.push_back(&l);
  for (const auto* l : rt->listeners) {
    auto ctx = make_server_context(*l);
    if (!ctx) return ctx.error();
    rt->tls.push_back(*ctx);
  }
  // A CONNECTED municipality's system certificate is a party too (daemon/onboarding.hpp).
  rt->parties =
      auth::party_directory(cfg->parties, registry_party_fallback(*store_, clock_), cfg->allow_test_oins);
  auto assets = routing::load_assets(cfg->daemon.web_root);
  if (!assets) {
    log::error("assets.load_failed",
               {{"web_root", cfg->daemon.web_root.string()}, {"error", assets.error().message()}});
    return assets.error();
  }
  routing::services svc;
  svc.clock = &clock_;
  svc.metrics = metrics_.get();
  svc.store = store_.get();
  svc.random = &random_;
  svc.current_config = [this] { return rt_.load()->cfg; };
  svc.store_writable = [db = store_.get()]() -> result<void> { return db->check_writable(); };
  auto onboarding = make_onboarding_services(*cfg, clock_);  // onboarding area (daemon/onboarding.hpp)
  if (!onboarding) return onboarding.error();
  svc.onboarding = *onboarding;
  if (deliveries_) svc.delivery = deliveries_->services(*cfg);  // deliveries area (daemon/deliveries.hpp)
  // The login area (daemon/login.hpp).
  if (cfg->saml.enabled) {
    auto login = make_login_services(cfg, *store_, clock_, random_);
    if (!login) return login.error();
    svc.login = *login;
    svc.authenticate_user = [l = *login](const routing::request& req) {
      return routing::authenticate_session(*l, req);
    };
  }
  rt->app = std::make_shared<routing::app>(std::move(svc), std::move(*assets));
  rt->cfg = std::move(cfg);
  return std::shared_ptr<const runtime>(std::move(rt));
}

result<void> server_impl::init() {
  auto db = store::database::open(initial_->store, clock_, store::open_mode::migrate);
  if (!db) {
    log::error("store.open_failed",
               {{"database", initial_->store.database.string()}, {"error", db.error().message()}});
    return db.error();
  }
  store_ = std::move(*db);
  store_->set_answer_hooks([this] { relay_.begin(); }, [this] { relay_.end(); });
  metrics_->add_source([db = store_.get()](std::string& out) { render_store_metrics(out, db->metrics()); });
  auto deliveries = deliveries_runtime::create(*initial_, *store_, clock_, random_, *metrics_);
  if (!deliveries) return deliveries.error();
  deliveries_ = std::move(*deliveries);
  onboarding_jobs_ =
      std::make_unique<onboarding_jobs>(ioc_, workers_, *store_, clock_, [this] { return rt_.load()->cfg; });
  audit_anchors_ = std::make_unique<audit_anchor_timer>(ioc_, workers_, *store_);
  auto built = build_runtime(std::move(initial_));
  if (!built) return built.error();
  const auto& rt = *built;
  rt_.store(rt);
  per_listener_.assign(rt->listeners.size(), 0);
  for (std::size_t i = 0; i < rt->listeners.size(); ++i) {
    for (const auto& address : rt->listeners[i]->addresses) {
      auto ep = parse_address(address);
      if (!ep) return ep.error();
      auto acceptor = std::make_shared<tcp::acceptor>(ioc_);
      boost::system::error_code ec;
      acceptor->open(ep->protocol(), ec);
      if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
      if (!ec && ep->address().is_v6()) acceptor->set_option(net::ip::v6_only(true), ec);
      if (!ec) acceptor->bind(*ep, ec);
      if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
      if (ec) {
        log::error("listener.bind_failed", {{"listener", listener_name(rt->listeners[i]->kind)},
                                            {"address", address},
                                            {"error", ec.message()}});
        return make_error_code(common_error::io_error);
      }
      acceptors_.emplace_back(i, std::move(acceptor));
    }
  }
  return {};
}

awaitable<void> server_impl::accept_loop(std::size_t listener, std::shared_ptr<tcp::acceptor> acceptor) {
  for (;;) {
    // Each connection runs on its own strand; with a single I/O thread the
    // io_context itself serialises everything and a strand is pure overhead.
    net::any_io_executor conn_exec = io_threads_ == 1 ? net::any_io_executor(ioc_.get_executor())
                                                      : net::any_io_executor(net::make_strand(ioc_));
    auto [ec, socket] = co_await acceptor->async_accept(conn_exec, use_tuple);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) co_return;
      // EMFILE and friends: back off briefly instead of spinning.
      log::warn("listener.accept_failed", {{"error", ec.message()}});
      net::steady_timer t(ioc_, std::chrono::milliseconds(50));
      co_await t.async_wait(use_tuple);
      continue;
    }
    if (draining_) co_return;
    auto rt = rt_.load();
    const auto& lcfg = *rt->listeners[listener];
    const unsigned ml = metric_listener(lcfg.kind);
    boost::system::error_code eec;
    auto remote = socket.remote_endpoint(eec);
    if (eec) continue;
    std::string ip = remote.address().to_string();
    std::optional<routing::refusal> refused;
    {
      std::lock_guard lock(sessions_mutex_);
      if (per_listener_[listener] >= lcfg.limits.max_connections) {
        refused = routing::refusal::connection_limit;
      } else if (per_address_[ip] >= lcfg.limits.max_connections_per_address) {
        refused = routing::refusal::address_limit;
      } else {
        ++per_address_[ip];
        ++per_listener_[listener];
      }
      if (refused && per_address_[ip] == 0) per_address_.erase(ip);
    }
    if (refused) {
      metrics_->refused(ml, *refused);
      socket.close(eec);
      continue;
    }
    socket.set_option(tcp::no_delay(true), eec);
    auto s = std::make_shared<session>(*this, std::move(socket), rt, listener, ip);
    session_started(s.get());
    net::dispatch(s->executor(), [s] { s->start(); });
  }
}

void server_impl::begin_drain() {
  if (draining_.exchange(true)) return;
  sd_notify(0, "STOPPING=1\nSTATUS=draining");
  log::info("server.draining", {{"drain_timeout_ms", rt_.load()->cfg->shutdown.drain_timeout.count()}});
  for (auto& [i, a] : acceptors_) {
    boost::system::error_code ec;
    a->close(ec);
  }
  signals_.cancel();
  watchdog_timer_.cancel();
  if (onboarding_jobs_) onboarding_jobs_->stop();
  if (audit_anchors_) audit_anchors_->stop();
  std::vector<std::shared_ptr<session>> live;
  {
    std::lock_guard lock(sessions_mutex_);
    live = live_sessions_locked();
  }
  if (live.empty()) {
    finish_drain();
    return;
  }
  for (auto& s : live) net::post(s->executor(), [s] { s->drain(); });
  drain_timer_.expires_after(rt_.load()->cfg->shutdown.drain_timeout);
  drain_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    forced_ = true;
    std::vector<std::shared_ptr<session>> rest;
    {
      std::lock_guard lock(sessions_mutex_);
      rest = live_sessions_locked();
    }
    log::warn("server.drain_timeout", {{"connections", rest.size()}});
    for (auto& s : rest) net::post(s->executor(), [s] { s->force_close(); });
    // Give forced closes a moment, then stop regardless.
    drain_timer_.expires_after(std::chrono::seconds(1));
    drain_timer_.async_wait([this](boost::system::error_code) { finish_drain(); });
  });
}

void server_impl::finish_drain() {
  drain_timer_.cancel();
  ioc_.stop();
}

void server_impl::reload() {
  if (draining_) return;
  sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
             static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 std::chrono::steady_clock::now().time_since_epoch())
                                                 .count()));
  auto loaded = config::load_file(file_);
  auto done = [] { sd_notify(0, "READY=1\nSTATUS=serving"); };
  if (!loaded) {
    for (const auto& p : loaded.error())
      log::error("reload.config_problem", {{"key", p.key}, {"message", p.message}});
    log::error("reload.refused", {{"reason", "invalid_config"}});
    done();
    return;
  }
  auto current = rt_.load();
  auto restart = config::restart_required(*current->cfg, **loaded);
  if (!restart.empty()) {
    for (const auto& k : restart) log::error("reload.needs_restart", {{"key", k}});
    log::error("reload.refused", {{"reason", "restart_required"}});
    done();
    return;
  }
  auto next = build_runtime(*loaded);
  if (!next) {
    log::error("reload.refused", {{"reason", "tls_or_assets"}, {"error", next.error().message()}});
    done();
    return;
  }
  log::level lvl;
  if (log::parse_level((*next)->cfg->logging.level, lvl)) log::set_min_level(lvl);
  rt_.store(*next);
  log::info("reload.done", {{"parties", (*next)->parties.size()}});
  done();
}

void server_impl::arm_watchdog() {
  if (watchdog_interval_.count() == 0) return;
  watchdog_timer_.expires_after(watchdog_interval_);
  watchdog_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || draining_) return;
    sd_notify(0, "WATCHDOG=1");
    arm_watchdog();
  });
}

void server_impl::handle_signals() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      log::info("signal.reload");
      reload();
      handle_signals();
      return;
    }
    log::info("signal.stop", {{"signal", sig}});
    begin_drain();
  });
}

int server_impl::run() {
  auto rt = rt_.load();
  for (auto& [i, a] : acceptors_) {
    log::info("listener.listening", {{"listener", listener_name(rt->listeners[i]->kind)},
                                     {"address", format_endpoint(a->local_endpoint())}});
    net::co_spawn(ioc_, accept_loop(i, a), net::detached);
  }
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  handle_signals();
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
    arm_watchdog();
  }
  if (deliveries_) deliveries_->start([this] { return rt_.load()->cfg; });
  onboarding_jobs_->start();
  audit_anchors_->start();  // an anchor now, then every 10 minutes
  sd_notify(0, "READY=1\nSTATUS=serving");
  log::info("server.ready", {{"listeners", acceptors_.size()}});

  const unsigned n =
      rt->cfg->daemon.threads ? rt->cfg->daemon.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < n; ++i) threads.emplace_back([this] { ioc_.run(); });
  ioc_.run();
  for (auto& t : threads) t.join();
  workers_.join();
  if (deliveries_) deliveries_->stop();
  store_->close();                   // drains queued writes: every answered request is committed
  log_audit_anchor(store_->file());  // the head as closed: every committed record
  log::info("server.stopped", {{"forced", forced_.load()}});
  return 0;
}

}  // namespace

result<std::unique_ptr<server>> server::create(std::filesystem::path config_file,
                                               std::shared_ptr<const config::config> cfg) {
  auto s = std::make_unique<server_impl>(std::move(config_file), std::move(cfg));
  auto ok = s->init();
  if (!ok) return ok.error();
  return std::unique_ptr<server>(std::move(s));
}

}  // namespace poort::daemon

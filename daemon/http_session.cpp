#include "daemon/http_session.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "common/log.hpp"
#include "daemon/http_framing.hpp"
#include "daemon/http_serialize.hpp"
#include "daemon/tls.hpp"
#include "routing/problem.hpp"

namespace poort::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

namespace {

/// How long a registry party looked up for a keep-alive connection stays
/// valid before the next request looks it up again.
constexpr auto party_recheck_interval = std::chrono::seconds(1);
/// How long a refused body is read and dropped at most (discard_body).
constexpr auto linger_time = std::chrono::seconds(5);

unsigned metric_listener(config::listener_kind k) { return k == config::listener_kind::portal ? 0 : 1; }
std::string_view listener_name(config::listener_kind k) {
  return k == config::listener_kind::portal ? "portal" : "system";
}

}  // namespace

std::string request_ids::next() {
  char buf[32];
  const std::size_t prefix = prefix_.size();
  std::memcpy(buf, prefix_.data(), prefix);
  buf[prefix] = '-';
  auto n = counter_.fetch_add(1, std::memory_order_relaxed);
  auto [p, ec] = std::to_chars(buf + prefix + 1, buf + sizeof buf, n, 16);
  (void)ec;
  return std::string(buf, p);
}

// ------------------------------------------------------- awaiters and helpers

/// Resumes a request coroutine from a completion. Dropped without having
/// been called (its executor is gone: shutdown), it destroys the whole
/// coroutine, so that the frames and the session do not leak.
class http_session::resumer {
 public:
  resumer(std::shared_ptr<http_session> s, std::coroutine_handle<> h) : s_(std::move(s)), h_(h) {}
  resumer(resumer&& other) noexcept : s_(std::move(other.s_)), h_(std::exchange(other.h_, {})) {}
  resumer& operator=(resumer&&) = delete;
  ~resumer() {
    if (h_ && s_->serving_) std::exchange(s_->serving_, {}).destroy();
  }
  void operator()() { std::exchange(h_, {}).resume(); }
  http_session& owner() const { return *s_; }

 private:
  std::shared_ptr<http_session> s_;
  std::coroutine_handle<> h_;
};

/// `co_await socket_wait{...}`: until the socket is readable or writable
/// (as OpenSSL wants); timeout once the deadline is swept.
struct http_session::socket_wait {
  http_session& s;
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
struct http_session::on_workers {
  http_session& s;
  const routing::match& m;
  const routing::request& req;
  routing::response res;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    net::post(s.svc_.workers, [this, r = resumer(s.shared_from_this(), h)]() mutable {
      res = s.handle(m, req);
      net::post(s.executor(), std::move(r));
    });
  }
  routing::response await_resume() { return std::move(res); }
};

/// `co_await async_answer{...}`: hands the request to an `async` route
/// (routing::app::handle_async) and resumes on the connection's executor
/// with its answer, which comes from the store's writer.
struct http_session::async_answer {
  http_session& s;
  const routing::match& m;
  std::shared_ptr<const routing::request> req;
  routing::response res;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    // std::function wants a copyable callable: the resumer is shared.
    auto resume = std::make_shared<resumer>(s.shared_from_this(), h);
    s.rt_->app->handle_async(m, req, *s.ctx_, [this, resume](routing::response answer) {
      res = std::move(answer);
      http_session& owner = resume->owner();
      owner.svc_.relay.deliver(owner.executor(), [resume] { (*resume)(); });
    });
  }
  routing::response await_resume() { return std::move(res); }
};

/// Lends the connection's identity to the context of one request for as
/// long as it is served: moved in and back, so that an idle connection
/// keeps no request context and a request copies no strings.
class http_session::identity_lease {
 public:
  identity_lease(http_session& s, routing::request_context& ctx) : s_(s), ctx_(ctx) {
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
  http_session& s_;
  routing::request_context& ctx_;
};

/// Why a request ends before (or instead of) its handler.
enum class http_session::refusal_kind : unsigned {
  silent,             ///< timeout, reset, the peer left: close without an answer
  header_too_large,   ///< 431
  malformed_head,     ///< 400: the head could not be parsed
  ambiguous_framing,  ///< 400: request smuggling (daemon/http_framing.hpp)
  invalid_host,       ///< 400: HTTP/1.1 without Host, two Host fields, or a malformed one
  line_folding,       ///< 400: obsolete line folding (RFC 9112 §5.2)
  too_many_fields,    ///< 431: more header fields than max_header_fields
  body_too_large,     ///< 413
  rate_limited,       ///< 429, Retry-After: 1
  malformed_body,     ///< 400: the body could not be read
};

/// One request being served: its context, the identity lent to it, its
/// parser and what is known of it so far.
struct http_session::exchange {
  exchange(http_session& s, mono_time started) : started(started), lease(s, ctx) {}
  mono_time started;
  routing::request_context ctx;
  identity_lease lease;
  parser_type parser;
  head_scan head;         ///< what the head's bytes showed
  unsigned version = 11;  ///< of the answer: 10 for an HTTP/1.0 request
  std::string target;
  routing::match route;
  bool route_known = false;  ///< `route` has been looked up
  bool has_body = false;
  std::size_t body_limit = 0;  ///< the route's, within the listener's hard cap
  bool close_after = false;    ///< answered without reading the body: close after
  std::size_t metric_route() const { return route.found ? route.index : SIZE_MAX; }
};

// ---------------------------------------------------------------- lifecycle

http_session::http_session(const session_services& svc, tcp::socket socket, std::shared_ptr<const runtime> rt,
                           std::size_t listener, std::string address)
    : svc_(svc),
      rt_(std::move(rt)),
      cfg_(*rt_->listeners[listener]),
      listener_index_(listener),
      metric_listener_(metric_listener(cfg_.kind)),
      stream_(std::move(socket), rt_->tls[listener]->native_handle()),
      ip_(std::move(address)) {
  svc_.metrics.connection_opened(metric_listener_);
}

// Only a failing mutex or allocation could throw here: that ends the process
// (std::terminate), as it should.
http_session::~http_session() {  // NOLINT(bugprone-exception-escape)
  svc_.metrics.connection_closed(metric_listener_);
  svc_.closed(*this, listener_index_, ip_);
}

void http_session::drain() {
  draining_ = true;
  if (idle_) stream_.cancel();
}

void http_session::force_close() { stream_.close(); }

void http_session::resolve_party() {
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
  party_resolved_at_ = now();
}

void http_session::start() {
  stream_.set_deadline(now() + cfg_.limits.handshake_timeout);
  stream_.async_handshake([self = shared_from_this()](error_code ec) { self->on_handshake(ec); });
}

void http_session::on_handshake(error_code hec) {
  if (hec) {
    auto reason = hec == beast::error::timeout ? routing::refusal::handshake_timeout
                                               : classify_handshake_failure(stream_.native_handle(), hec);
    svc_.metrics.refused(metric_listener_, reason);
    log::info(
        "tls.handshake_refused",
        {{"listener", listener_name(cfg_.kind)}, {"reason", routing::to_string(reason)}, {"remote", ip_}});
    return;
  }
  acknowledge_now();
  if (cfg_.kind == config::listener_kind::system) {
    X509* cert = SSL_get0_peer_certificate(stream_.native_handle());
    auto peer = auth::identify_certificate(cert);
    if (!peer) {
      party_error_ = peer.error();
    } else {
      peer_ = svc_.identities.share(std::move(*peer));
      resolve_party();
    }
  }
  wait_for_request();
}

void http_session::acknowledge_now() {
  // With session tickets off, the server sends nothing after the client's
  // Finished. A client that keeps Nagle on and writes its request in a second
  // small segment holds it until that Finished is acknowledged, which the
  // kernel's delayed ACK postpones by up to 40 ms on every new connection.
  // TCP_QUICKACK acknowledges what has been received now (docs/performance.md).
  const int one = 1;
  ::setsockopt(stream_.socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

bool http_session::failed(const std::exception_ptr& e) {
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

void http_session::wait_for_request() {
  if (draining_) return end();
  // The buffer is empty between requests: an idle connection holds no
  // request state (docs/performance.md).
  if (buffer_.capacity() != 0) buffer_.shrink_to_fit();
  idle_ = true;
  const auto& lim = cfg_.limits;
  stream_.set_deadline(now() + (requests_ == 0 ? lim.header_timeout : lim.idle_timeout));
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

void http_session::on_readable(error_code ec) {
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

task<bool> http_session::serve_ready() {
  const auto& lim = cfg_.limits;
  do {
    // A municipal system is known from the registry, where a signatory may
    // replace its certificate and an administrator may suspend it: on a
    // keep-alive connection the lookup is repeated, at most once a second.
    if (registry_party_ && now() - party_resolved_at_ >= party_recheck_interval) resolve_party();
    if (!co_await serve_one()) co_return false;
    ++requests_;
    if (lim.max_requests_per_connection && requests_ >= lim.max_requests_per_connection) co_return false;
    if (draining_) co_return false;
  } while (buffer_.size() != 0);  // a pipelined request is already here
  co_return true;
}

void http_session::end() {
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
  stream_.set_deadline(now() + std::chrono::seconds(2));
  stream_.async_shutdown([self = shared_from_this()](error_code) {});
}

// ------------------------------------------------------------ one request

task<bool> http_session::serve_one() {
  idle_ = false;
  exchange x(*this, now());
  x.ctx.request_id = svc_.ids.next();
  if (auto refused = co_await read_head(x)) co_return co_await refuse(x, *refused);
  if (auto refused = admit_request(x)) co_return co_await refuse(x, *refused);
  if (auto refused = co_await read_body(x)) co_return co_await refuse(x, *refused);
  co_return co_await answer(x);
}

task<std::optional<http_session::refusal_kind>> http_session::read_head(exchange& x) {
  const auto& lim = cfg_.limits;
  // Beast's own check is approximate (it fires when that many bytes are
  // buffered without a complete head); the exact limit is checked below on the
  // bytes the head really took.
  x.parser.header_limit(static_cast<std::uint32_t>(lim.max_header_bytes + 1));
  // No body limit yet: Beast would refuse a Content-Length above it before
  // the head is complete; admit_request compares it (413) once the head is in.
  x.parser.body_limit(boost::none);
  x.parser.eager(false);
  // A later request's head must be complete within header_timeout of its
  // first byte. The first request's within header_timeout of the handshake:
  // waiting for its first byte counts (wait_for_request set that deadline),
  // so a client cannot take the timeout twice by sending one byte late.
  const auto deadline = requests_ == 0 ? stream_.deadline() : x.started + lim.header_timeout;
  const auto ec = co_await read_message(x.parser, true, deadline, x.head);
  if (ec == http::error::header_limit || (!ec && x.head.bytes > lim.max_header_bytes))
    co_return refusal_kind::header_too_large;
  if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
      ec == http::error::end_of_stream || ec == net::error::eof || ec == net::ssl::error::stream_truncated)
    co_return refusal_kind::silent;
  if (ec) co_return refusal_kind::malformed_head;
  co_return std::nullopt;
}

std::optional<http_session::refusal_kind> http_session::admit_request(exchange& x) {
  const auto& head = x.parser.get();
  if (head.version() == 10) x.version = 10;
  switch (check_request_head(x.parser, x.head.folded, cfg_.limits.max_header_fields)) {
    case head_verdict::ok: break;
    case head_verdict::ambiguous_framing: return refusal_kind::ambiguous_framing;  // request smuggling
    case head_verdict::invalid_host: return refusal_kind::invalid_host;
    case head_verdict::line_folding: return refusal_kind::line_folding;
    case head_verdict::too_many_fields: return refusal_kind::too_many_fields;
  }
  x.target = std::string(head.target());
  x.route = rt_->app->find(cfg_.kind, head.method(), x.target);
  x.route_known = true;
  x.has_body = x.parser.chunked() || (x.parser.content_length() && *x.parser.content_length() > 0);
  // The route's limit within the listener's hard cap; an unknown route gets
  // the hard cap (it is answered 404/405 without reading the body).
  x.body_limit = cfg_.limits.max_body_bytes;
  if (x.route.found) x.body_limit = std::min(x.route.found->body_limit, x.body_limit);
  if (x.has_body && !x.parser.chunked() && *x.parser.content_length() > x.body_limit)
    return refusal_kind::body_too_large;
  if (!svc_.rates.allow(ip_, cfg_.limits)) return refusal_kind::rate_limited;
  return std::nullopt;
}

task<std::optional<http_session::refusal_kind>> http_session::read_body(exchange& x) {
  if (!x.has_body) co_return std::nullopt;
  if (!x.route.found) {
    x.close_after = true;  // answer 404/405 without reading a body we do not want
    co_return std::nullopt;
  }
  const auto& head = x.parser.get();
  if (head[http::field::expect] == "100-continue" && buffer_.size() == 0 && !stream_.has_pending()) {
    static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
    if (!co_await write_all(cont.data(), cont.size())) co_return refusal_kind::silent;
  }
  x.parser.body_limit(x.body_limit);
  x.parser.eager(true);
  head_scan ignored;
  const auto ec = co_await read_message(x.parser, false, now() + cfg_.limits.body_timeout, ignored);
  if (ec == http::error::body_limit) co_return refusal_kind::body_too_large;
  if (ec == beast::error::timeout || ec == net::error::operation_aborted || ec == net::error::eof)
    co_return refusal_kind::silent;
  if (ec) co_return refusal_kind::malformed_body;
  co_return std::nullopt;
}

task<bool> http_session::refuse(exchange& x, refusal_kind why) {
  if (why == refusal_kind::silent) co_return false;
  // Head-level refusals answer in HTTP/1.1 and for no route: nothing of the
  // request is trusted yet.
  const bool head_level = why == refusal_kind::header_too_large || why == refusal_kind::malformed_head;
  const unsigned version = head_level ? 11 : x.version;
  const std::size_t route = head_level || !x.route_known ? SIZE_MAX : x.metric_route();
  using routing::problem;
  problem p;
  switch (why) {
    case refusal_kind::header_too_large: p = problem::header_fields_too_large(); break;
    case refusal_kind::malformed_head: p = problem::malformed_request(); break;
    case refusal_kind::ambiguous_framing: p = problem::ambiguous_framing(); break;
    case refusal_kind::invalid_host: p = problem::invalid_host(); break;
    case refusal_kind::line_folding: p = problem::obsolete_line_folding(); break;
    case refusal_kind::too_many_fields: p = problem::header_fields_too_many(); break;
    case refusal_kind::body_too_large: p = problem::body_too_large(); break;
    case refusal_kind::rate_limited: p = problem::too_many_requests(); break;
    case refusal_kind::malformed_body:
      p = problem::malformed_request(
          "De inhoud van het verzoek kon niet worden gelezen. Stuur het verzoek opnieuw.");
      break;
    case refusal_kind::silent: break;
  }
  // (A named local: GCC 12 mishandles temporaries with destructors inside
  // co_await expressions.)
  auto res = routing::make_problem_response(version, p, x.ctx.request_id);
  res.keep_alive(false);
  if (why == refusal_kind::rate_limited) res.set(http::field::retry_after, "1");
  const bool written =
      co_await send(std::move(res), why == refusal_kind::rate_limited ? std::string_view(x.target) : "");
  svc_.metrics.request_done(route, metric_listener_, static_cast<unsigned>(p.status), now() - x.started);
  // A client that sends its whole body before it reads (Python's http.client)
  // would see a reset instead of the answer if the connection closed on its
  // unread bytes: take them first, up to a bound.
  // A client that waits for "100 Continue" sends no body: nothing to take.
  if (written && why == refusal_kind::body_too_large && !expects_continue(x)) co_await discard_body(x);
  co_return false;
}

task<bool> http_session::answer(exchange& x) {
  routing::request req = x.parser.release();
  const http::verb method = req.method();
  const auto& m = x.route;
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
  if (x.close_after) res.keep_alive(false);
  const unsigned status = res.result_int();
  // A response that could not be written in time (a slow reader) ends the
  // connection: the TLS stream holds a half-written record, and pipelined
  // requests must not be served after it.
  const bool keep_alive = res.keep_alive() && !draining_;
  const bool written = co_await send(std::move(res), x.target);
  const auto elapsed = now() - x.started;
  svc_.metrics.request_done(x.metric_route(), metric_listener_, status, elapsed);
  if (status >= 400 || method != http::verb::get) {
    log::info("http.request",
              {{"request_id", x.ctx.request_id},
               {"listener", listener_name(cfg_.kind)},
               {"method", std::string_view(http::to_string(method))},
               {"route", m.found ? std::string_view(m.found->name) : std::string_view("unmatched")},
               {"status", status},
               {"party", x.ctx.party ? std::string_view(x.ctx.party->oin) : std::string_view()},
               {"duration_us", std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()}});
  }
  co_return keep_alive&& written;
}

bool http_session::expects_continue(exchange& x) {
  const auto expect = x.parser.get()[http::field::expect];
  return boost::beast::iequals(std::string_view(expect.data(), expect.size()), "100-continue");
}

task<bool> http_session::discard_body(exchange& x) {
  const auto& lim = cfg_.limits;
  std::size_t left = std::max<std::size_t>(2 * lim.max_body_bytes, std::size_t{1} << 20);
  if (const auto declared = x.parser.content_length()) left = std::min<std::size_t>(left, *declared);
  const std::size_t buffered = std::min(left, buffer_.size());
  buffer_.consume(buffered);
  left -= buffered;
  // A lingering close, as nginx's: bounded in bytes and in time, so that a
  // client that declared a body and then sends nothing costs us little.
  const auto deadline = now() + std::min<std::chrono::steady_clock::duration>(lim.body_timeout, linger_time);
  thread_local std::array<char, 16 * 1024> sink;
  while (left != 0) {
    auto r = stream_.read_now(sink.data(), std::min(left, sink.size()));
    if (r.status == tls_stream::io_result::done) {
      left -= std::min(left, r.bytes);
      continue;
    }
    if (r.status == tls_stream::io_result::failed) co_return false;  // the client left
    stream_.set_deadline(deadline);
    socket_wait wait{*this, r.status, {}};
    if (co_await wait) co_return false;  // timeout, reset
  }
  co_return true;
}

routing::response http_session::handle(const routing::match& m, const routing::request& req) {
  try {
    return rt_->app->handle(m, req, *ctx_);
  } catch (const std::exception& e) {
    log::error("request.exception", {{"request_id", ctx_->request_id}, {"what", e.what()}});
    return routing::make_problem_response(req, routing::problem::internal_error(), ctx_->request_id);
  }
}

// ------------------------------------------------------------ bytes on the wire

namespace {

/// Feeds [data, data + size) to `parser` until it has the head
/// (`header_only`) or the whole message, or needs more bytes; returns the
/// bytes it took (`head` learns of those of the head). `ec`: the parser's
/// error, if any (never need_more).
template <class Parser, class HeadScan>
std::size_t parse(Parser& parser, const char* data, std::size_t size, bool header_only, HeadScan& head,
                  error_code& ec) {
  std::size_t used = 0;
  ec = {};
  while (used < size && !(header_only ? parser.is_header_done() : parser.is_done())) {
    const bool in_head = !parser.is_header_done();
    const std::size_t n = parser.put(net::const_buffer(data + used, size - used), ec);
    if (in_head) {
      head.bytes += n;
      // Beast consumes a head in one piece, so no line break is split.
      if (n != 0 && has_obsolete_line_folding({data + used, n})) head.folded = true;
    }
    used += n;
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec || n == 0) break;
  }
  return used;
}

}  // namespace

task<error_code> http_session::read_message(parser_type& parser, bool header_only, mono_time deadline,
                                            head_scan& head) {
  const auto complete = [&] { return header_only ? parser.is_header_done() : parser.is_done(); };
  for (;;) {
    error_code ec;
    if (buffer_.size() != 0) {
      buffer_.consume(parse(parser, static_cast<const char*>(buffer_.data().data()), buffer_.size(),
                            header_only, head, ec));
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
      const std::size_t used = parse(parser, scratch.data(), r.bytes, header_only, head, ec);
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

task<bool> http_session::write_all(const char* data, std::size_t size) {
  auto r = stream_.write_now(data, size);
  if (r.status == tls_stream::io_result::done) co_return true;
  if (r.status != tls_stream::io_result::failed) {
    // OpenSSL wants the same bytes again once the socket is ready: keep them
    // here, since `data` may be reused while this connection waits.
    pending_write_ = std::make_unique<std::string>(data, size);
    stream_.set_deadline(now() + cfg_.limits.write_timeout);
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

task<bool> http_session::send(routing::response res, std::string_view target) {
  if (draining_ || svc_.draining.load()) res.keep_alive(false);
  // One buffer per I/O thread: filled and written before this coroutine can
  // suspend (write_all copies what has to wait).
  thread_local std::string out;
  serialize_response(res, cfg_.kind, target, ctx_->request_id, out);
  if (out.capacity() > 256 * 1024) {  // do not keep a large asset's worth per thread
    std::string big = std::move(out);
    out = std::string();
    co_return co_await write_all(big.data(), big.size());
  }
  co_return co_await write_all(out.data(), out.size());
}

}  // namespace poort::daemon

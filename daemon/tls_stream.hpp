#pragma once
// A server-side TLS connection in which OpenSSL reads and writes the socket
// itself (SSL_set_fd), as nginx does. It replaces Asio's `ssl::stream`, which
// keeps four 17 KiB buffers per connection (its own two and a BIO pair) and
// copies every byte through them: with SSL_MODE_RELEASE_BUFFERS an idle
// connection holds only OpenSSL's own state (docs/performance.md).
//
// Reads and writes are attempted synchronously (`read_now`, `write_now`: one
// SSL_read_ex / SSL_write_ex on the non-blocking socket); only when OpenSSL
// wants the socket does the caller wait for it (`async_wait_socket`). On a
// keep-alive connection a request then costs one wait for the next request
// and no other asynchronous operation.
//
// Deadline: `set_deadline(t)` records when the connection's current phase
// must end; it costs a store, no timer operation. The stream has no timer of
// its own: its owner calls `expire_if_due` from time to time (the server
// sweeps all connections every 100 ms), which cancels the pending wait so that
// it fails with `beast::error::timeout`. A deadline therefore fires up to one
// sweep late, never early.
//
// Thread safety: as a socket. All calls must run on the connection's
// executor, except `deadline_due`, which any thread may call.
// REQUIRES: at most one wait pending at a time.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>

namespace poort::daemon {

class tls_stream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using error_code = boost::system::error_code;
  using tcp = boost::asio::ip::tcp;
  using time_point = std::chrono::steady_clock::time_point;

  /// The outcome of one synchronous attempt.
  struct io_result {
    enum kind { done, want_read, want_write, failed } status;
    std::size_t bytes = 0;  ///< done: bytes read or written
    error_code error;       ///< failed: eof, stream_truncated, reset, ...
  };

  /// Takes the socket; the SSL object is made from `ctx` in server mode.
  tls_stream(tcp::socket socket, SSL_CTX* ctx) : socket_(std::move(socket)), ssl_(SSL_new(ctx)) {
    if (ssl_ != nullptr) {
      SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
      SSL_set_accept_state(ssl_);
      SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
      // Read whole records (and what follows them) in one read(2) instead of
      // the 5-byte record header first and the rest in a second call.
      SSL_set_read_ahead(ssl_, 1);
    }
    error_code ec;
    socket_.non_blocking(true, ec);
  }
  ~tls_stream() {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }
  tls_stream(const tls_stream&) = delete;
  tls_stream& operator=(const tls_stream&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  SSL* native_handle() noexcept { return ssl_; }
  tcp::socket& socket() noexcept { return socket_; }

  /// Waits pending now or started later fail with beast::error::timeout once
  /// `t` has passed and `expire_if_due` has been called (until the next
  /// call). `time_point::max()`: no deadline.
  void set_deadline(time_point t) {
    timed_out_ = false;
    deadline_.store(t.time_since_epoch().count(), std::memory_order_relaxed);
  }
  /// The deadline last set (`time_point::max()` once it has fired or when
  /// none was set).
  time_point deadline() const {
    return time_point(time_point::duration(deadline_.load(std::memory_order_relaxed)));
  }
  /// Has the deadline passed at `now`? (Any thread; a hint for the sweeper.)
  bool deadline_due(time_point now) const {
    return deadline_.load(std::memory_order_relaxed) <= now.time_since_epoch().count();
  }
  /// If the deadline has passed at `now`: the pending wait (and any later
  /// one, until the next `set_deadline`) fails with beast::error::timeout.
  void expire_if_due(time_point now) {
    if (!deadline_due(now)) return;
    deadline_.store(time_point::max().time_since_epoch().count(), std::memory_order_relaxed);
    timed_out_ = true;
    cancel();
  }
  /// Cancels pending waits (they complete with operation_aborted).
  void cancel() {
    error_code ignored;
    socket_.cancel(ignored);
  }
  void close() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  /// One SSL_read_ex into [data, data + size). REQUIRES: size > 0.
  io_result read_now(void* data, std::size_t size) {
    std::size_t n = 0;
    const auto r = attempt([&] { return SSL_read_ex(ssl_, data, size, &n); });
    return outcome(r, n);
  }
  /// One SSL_write_ex of [data, data + size). It writes all or nothing: after
  /// want_read/want_write the same bytes must be presented again (they may
  /// have moved: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
  io_result write_now(const void* data, std::size_t size) {
    std::size_t n = 0;
    const auto r = attempt([&] { return SSL_write_ex(ssl_, data, size, &n); });
    return outcome(r, n);
  }
  /// Does OpenSSL hold bytes of the peer that a read would return or use?
  bool has_pending() const { return ssl_ != nullptr && SSL_has_pending(ssl_) == 1; }

  /// What a failed wait means: operation_aborted after the deadline is a timeout.
  error_code map(error_code ec) const {
    if (ec == boost::asio::error::operation_aborted && timed_out_) return boost::beast::error::timeout;
    return ec;
  }

  /// Waits until the socket is readable (want_read) or writable (want_write).
  template <class Token>
  auto async_wait_socket(io_result::kind want, Token&& token) {
    return boost::asio::async_compose<Token, void(error_code)>(
        [this, want, started = false](auto& self, error_code ec = {}) mutable {
          if (!started) {
            started = true;
            socket_.async_wait(
                want == io_result::want_write ? tcp::socket::wait_write : tcp::socket::wait_read,
                std::move(self));
            return;
          }
          self.complete(map(ec));
        },
        token, socket_);
  }

  template <class Token>
  auto async_handshake(Token&& token) {
    return run([](SSL* ssl) { return SSL_do_handshake(ssl); }, std::forward<Token>(token));
  }

  /// Sends close_notify without waiting for the peer's.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run(
        [](SSL* ssl) {
          const int r = SSL_shutdown(ssl);
          return r >= 0 ? 1 : r;
        },
        std::forward<Token>(token));
  }

 private:
  // Runs one OpenSSL call with a clean error queue; returns its result and
  // SSL_get_error's verdict.
  template <class Call>
  std::pair<int, int> attempt(Call call) {
    if (ssl_ == nullptr) return {-1, SSL_ERROR_SSL};
    ERR_clear_error();
    const int r = call();
    return {r, r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, r)};
  }

  io_result outcome(std::pair<int, int> r, std::size_t n) {
    if (ssl_ == nullptr)
      return {io_result::failed, 0, make_error_code(boost::system::errc::not_enough_memory)};
    switch (r.second) {
      case SSL_ERROR_NONE: return {io_result::done, n, {}};
      case SSL_ERROR_WANT_READ: return {io_result::want_read, 0, {}};
      case SSL_ERROR_WANT_WRITE: return {io_result::want_write, 0, {}};
      default: return {io_result::failed, 0, translate(r.second)};
    }
  }

  // Runs `call` until OpenSSL no longer wants the socket. The first attempt
  // happens in the initiating call; if it finishes there, the completion is
  // posted (never invoked inline).
  template <class Call, class Token>
  auto run(Call call, Token&& token) {
    return boost::asio::async_compose<Token, void(error_code)>(
        [this, call, state = 0, result = error_code{}](auto& self, error_code wait_ec = {}) mutable {
          if (state == 2) {
            self.complete(result);
            return;
          }
          const bool first_call = state == 0;
          state = 1;
          if (wait_ec) {
            self.complete(map(wait_ec));
            return;
          }
          const auto r = outcome(attempt([&] { return call(ssl_); }), 0);
          if (r.status == io_result::want_read || r.status == io_result::want_write) {
            socket_.async_wait(
                r.status == io_result::want_read ? tcp::socket::wait_read : tcp::socket::wait_write,
                std::move(self));
            return;
          }
          if (!first_call) {
            self.complete(r.error);
            return;
          }
          state = 2;
          result = r.error;
          boost::asio::post(socket_.get_executor(), std::move(self));
        },
        token, socket_);
  }

  error_code translate(int err) {
    namespace ssl_error = boost::asio::ssl::error;
    if (err == SSL_ERROR_ZERO_RETURN) return boost::asio::error::eof;
    const unsigned long e = ERR_peek_last_error();
    if (err == SSL_ERROR_SYSCALL && e == 0) {
      const int sys = errno;
      ERR_clear_error();
      if (sys != 0) return error_code(sys, boost::system::system_category());
      return ssl_error::stream_truncated;  // the peer closed TCP without close_notify
    }
    ERR_clear_error();
    if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return ssl_error::stream_truncated;
    if (e != 0) return error_code(static_cast<int>(e), boost::asio::error::get_ssl_category());
    return ssl_error::stream_truncated;
  }

  tcp::socket socket_;
  SSL* ssl_;
  std::atomic<time_point::rep> deadline_{time_point::max().time_since_epoch().count()};
  bool timed_out_ = false;
};

}  // namespace poort::daemon

#pragma once
// A server-side TLS stream in which OpenSSL reads and writes the socket itself
// (SSL_set_fd); when OpenSSL wants to read or write, the operation waits for
// the socket with `async_wait`. It replaces Asio's `ssl::stream`, which keeps
// four 17 KiB buffers per connection (its own two and a BIO pair) and copies
// every byte through them: with SSL_MODE_RELEASE_BUFFERS an idle connection
// then holds only OpenSSL's own state (docs/performance.md).
//
// It is an AsyncReadStream and AsyncWriteStream, so Beast's http::async_read
// and async_write work on it, and it carries its own deadline like
// beast::tcp_stream: `expires_after(d)` makes the pending and following
// operations fail with `beast::error::timeout` once `d` has passed.
//
// Thread safety: as a socket. All operations and the deadline must run on the
// stream's executor (the connection's strand). REQUIRES: at most one read and
// one write operation pending at a time, as with any Asio stream.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/append.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <array>
#include <chrono>
#include <cstring>

namespace poort::daemon {

class tls_stream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using error_code = boost::system::error_code;
  using tcp = boost::asio::ip::tcp;

  /// Takes the socket; the SSL object is made from `ctx` in server mode.
  tls_stream(tcp::socket socket, SSL_CTX* ctx)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), ssl_(SSL_new(ctx)) {
    if (ssl_ != nullptr) {
      SSL_set_fd(ssl_, static_cast<int>(socket_.native_handle()));
      SSL_set_accept_state(ssl_);
      SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
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

  /// Operations pending now or started later fail with beast::error::timeout
  /// once `d` has passed (until the next call).
  void expires_after(std::chrono::steady_clock::duration d) {
    timed_out_ = false;
    const unsigned generation = ++generation_;
    timer_.expires_after(d);
    timer_.async_wait([this, generation](error_code ec) {
      if (ec) return;  // replaced or cancelled; `this` may be gone
      if (generation != generation_) return;
      timed_out_ = true;
      error_code ignored;
      socket_.cancel(ignored);
    });
  }
  void expires_never() {
    ++generation_;
    timer_.cancel();
  }
  /// Cancels pending operations (they complete with operation_aborted).
  void cancel() {
    error_code ignored;
    socket_.cancel(ignored);
  }
  void close() {
    error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  template <class Token>
  auto async_handshake(Token&& token) {
    return run(
        [](SSL* ssl, std::size_t& n) {
          n = 0;
          return SSL_do_handshake(ssl);
        },
        std::forward<Token>(token));
  }

  /// Sends close_notify without waiting for the peer's.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return run(
        [](SSL* ssl, std::size_t& n) {
          n = 0;
          const int r = SSL_shutdown(ssl);
          return r >= 0 ? 1 : r;
        },
        std::forward<Token>(token));
  }

  /// Completes when a read would make progress (data from the peer, or data
  /// OpenSSL already holds), without any buffer: the idle wait of a keep-alive
  /// connection.
  template <class Token>
  auto async_wait_readable(Token&& token) {
    return boost::asio::async_compose<Token, void(error_code)>(
        [this, started = false](auto& self, error_code ec = {}) mutable {
          if (!started) {
            started = true;
            if (SSL_has_pending(ssl_)) {
              boost::asio::post(socket_.get_executor(), boost::asio::append(std::move(self), error_code{}));
              return;
            }
            socket_.async_wait(tcp::socket::wait_read, std::move(self));
            return;
          }
          self.complete(map(ec));
        },
        token, socket_);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    boost::asio::mutable_buffer b = first(buffers);
    return run([b](SSL* ssl, std::size_t& n) { return SSL_read_ex(ssl, b.data(), b.size(), &n); },
               std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    // Several buffers (a response head and body) are coalesced into one TLS
    // record of up to 16 KiB; each attempt copies them again, so a retry
    // after WANT_WRITE presents the same bytes (MOVING_WRITE_BUFFER mode).
    std::size_t count = 0;
    boost::asio::const_buffer single;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::const_buffer c(*it);
      if (c.size() == 0) continue;
      if (count++ == 0) single = c;
    }
    if (count <= 1) {
      return run(
          [single](SSL* ssl, std::size_t& n) { return SSL_write_ex(ssl, single.data(), single.size(), &n); },
          std::forward<Token>(token));
    }
    return run(
        [buffers](SSL* ssl, std::size_t& n) {
          thread_local std::array<char, 16 * 1024> scratch;
          const std::size_t len = boost::asio::buffer_copy(boost::asio::buffer(scratch), buffers);
          return SSL_write_ex(ssl, scratch.data(), len, &n);
        },
        std::forward<Token>(token));
  }

 private:
  template <class Buffers>
  static boost::asio::mutable_buffer first(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() != 0) return b;
    }
    return {};
  }

  error_code map(error_code ec) const {
    if (ec == boost::asio::error::operation_aborted && timed_out_) return boost::beast::error::timeout;
    return ec;
  }

  // Runs `attempt` until OpenSSL no longer wants the socket. The first attempt
  // happens in the initiating call; if it finishes there, the completion is
  // posted (never invoked inline).
  template <class Attempt, class Token>
  auto run(Attempt attempt, Token&& token) {
    return boost::asio::async_compose<Token, void(error_code, std::size_t)>(
        [this, attempt, state = 0, result_ec = error_code{}, result_n = std::size_t{0}](
            auto& self, error_code wait_ec = {}) mutable {
          if (state == 2) {
            self.complete(result_ec, result_n);
            return;
          }
          const bool first_call = state == 0;
          state = 1;
          if (wait_ec) {
            self.complete(map(wait_ec), 0);
            return;
          }
          if (ssl_ == nullptr) {
            finish(self, first_call, state, result_ec, result_n,
                   make_error_code(boost::system::errc::not_enough_memory), 0);
            return;
          }
          ERR_clear_error();
          std::size_t n = 0;
          const int r = attempt(ssl_, n);
          if (r == 1) {
            finish(self, first_call, state, result_ec, result_n, error_code{}, n);
            return;
          }
          const int err = SSL_get_error(ssl_, r);
          if (err == SSL_ERROR_WANT_READ) {
            socket_.async_wait(tcp::socket::wait_read, std::move(self));
            return;
          }
          if (err == SSL_ERROR_WANT_WRITE) {
            socket_.async_wait(tcp::socket::wait_write, std::move(self));
            return;
          }
          finish(self, first_call, state, result_ec, result_n, translate(err), 0);
        },
        token, socket_);
  }

  template <class Self>
  void finish(Self& self, bool first_call, int& state, error_code& result_ec, std::size_t& result_n,
              error_code ec, std::size_t n) {
    if (!first_call) {
      self.complete(ec, n);
      return;
    }
    state = 2;
    result_ec = ec;
    result_n = n;
    boost::asio::post(socket_.get_executor(), std::move(self));
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
  boost::asio::steady_timer timer_;
  SSL* ssl_;
  unsigned generation_ = 0;
  bool timed_out_ = false;
};

}  // namespace poort::daemon

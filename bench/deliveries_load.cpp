// deliveries_load: a keep-alive mutual-TLS load generator for
// POST /api/v1/detentiemeldingen (issue 5 performance, issue 7 crash tests).
//
//   deliveries_load --port N --cert FILE --key FILE --ca FILE
//                   [--host 127.0.0.1] [--path /api/v1/detentiemeldingen]
//                   [--connections 32] [--seconds 10 | --requests N]
//                   [--gemeentecode GM0193] [--body-bytes 2048] [--threads 1]
//                   [--ids-file FILE] [--lost-file FILE] [--timeout-ms 30000]
//   deliveries_load --print-body [--body-bytes N] [--gemeentecode GMnnnn]
//
// Each of --connections connections completes one TLS handshake (client
// certificate --cert/--key, server checked against --ca, name not checked:
// loopback) and then sends requests back to back over HTTP/1.1 keep-alive,
// one outstanding request per connection. When the server closes a
// connection (Connection: close, EOF, reset) or it cannot be opened, the
// connection is opened again after 50 ms, until the run ends.
//
// Every body is a valid detentiemelding (api/deliveries.openapi.json) of
// exactly --body-bytes bytes: a fresh random UUID v4 as berichtId and a fresh
// BSN that passes the eleven-test (so that every delivery is new and about a
// different person: the same BSN again would make the store move the person's
// earlier retention times), names near their limits, pretty-printed and padded
// with JSON whitespace up to the size.
//
// --ids-file FILE   appends the berichtId of every 201, one per line,
//                   flushed as written (survives the generator being killed).
// --lost-file FILE  appends "<unix ns when the request was fully written>
//                   <what>" for every request that was sent but got no whole
//                   response (EOF, reset, timeout): the SIGTERM check
//                   compares these times with the signal's.
//
// Report (stdout): requests/s of complete responses, latency percentiles
// (write of the request to the whole response), counts per status and per
// error, and one last line `summary key=value ...` for scripts.
// Exit status: 0 after the run (whatever the statuses), 2 on a usage or setup
// error.

#include <signal.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string path = "/api/v1/detentiemeldingen";
  std::string cert, key, ca;
  std::string gemeentecode = "GM0193";
  std::string ids_file, lost_file;
  unsigned connections = 32;
  unsigned threads = 1;
  double seconds = 10;
  std::uint64_t requests = 0;  // 0 = run for `seconds`
  std::size_t body_bytes = 2048;
  std::chrono::milliseconds timeout{30'000};
  bool print_body = false;
};

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "deliveries_load: " << why
            << "\nusage: deliveries_load --port N --cert FILE --key FILE --ca FILE [--host H] [--path P]\n"
               "         [--connections N] [--seconds S | --requests N] [--gemeentecode GMnnnn]\n"
               "         [--body-bytes N] [--threads N] [--ids-file FILE] [--lost-file FILE]\n"
               "         [--timeout-ms N]\n"
               "       deliveries_load --print-body [--body-bytes N] [--gemeentecode GMnnnn]\n";
  std::exit(2);
}

options parse_options(int argc, char** argv) {
  options o;
  auto number = [](std::string_view name, const char* v, double lo, double hi) {
    char* end = nullptr;
    const double d = std::strtod(v, &end);
    if (end == v || *end != '\0' || d < lo || d > hi) usage(std::string(name) + " out of range");
    return d;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--print-body") {
      o.print_body = true;
      continue;
    }
    if (i + 1 >= argc) usage("missing value for " + std::string(a));
    const char* v = argv[++i];
    if (a == "--host")
      o.host = v;
    else if (a == "--port")
      o.port = v;
    else if (a == "--path")
      o.path = v;
    else if (a == "--cert")
      o.cert = v;
    else if (a == "--key")
      o.key = v;
    else if (a == "--ca")
      o.ca = v;
    else if (a == "--gemeentecode")
      o.gemeentecode = v;
    else if (a == "--ids-file")
      o.ids_file = v;
    else if (a == "--lost-file")
      o.lost_file = v;
    else if (a == "--connections")
      o.connections = static_cast<unsigned>(number(a, v, 1, 10'000));
    else if (a == "--threads")
      o.threads = static_cast<unsigned>(number(a, v, 1, 64));
    else if (a == "--seconds")
      o.seconds = number(a, v, 0.1, 86'400);
    else if (a == "--requests")
      o.requests = static_cast<std::uint64_t>(number(a, v, 1, 1e12));
    else if (a == "--body-bytes")
      o.body_bytes = static_cast<std::size_t>(number(a, v, 1024, 16 * 1024));
    else if (a == "--timeout-ms")
      o.timeout = std::chrono::milliseconds(static_cast<long>(number(a, v, 100, 3.6e6)));
    else
      usage("unknown option " + std::string(a));
  }
  if (o.print_body) return o;
  if (o.port.empty() || o.cert.empty() || o.key.empty() || o.ca.empty())
    usage("--port, --cert, --key and --ca are required");
  if (o.gemeentecode.size() != 6) usage("--gemeentecode must be GMnnnn");
  return o;
}

// ------------------------------------------------------------------ the body

/// The request bytes (head and body) with the places of the berichtId and BSN.
struct request_template {
  std::string bytes;
  std::size_t id_at = 0;   // 36 characters
  std::size_t bsn_at = 0;  // 9 digits
};

std::string repeat_to(std::string_view unit, std::size_t chars) {
  std::string s;
  while (s.size() < chars) s += unit;
  s.resize(chars);
  while (!s.empty() && s.back() == ' ') s.back() = 'a';
  return s;
}

request_template make_template(const options& o) {
  const std::string id(36, 'I'), bsn(9, 'B');  // placeholders, filled per request
  // Names near their limits (200 code points), ASCII so the size is exact.
  const std::string surname = "van den Berghe-" + repeat_to("Oosterhuis ", 150);
  const std::string given = repeat_to("Pieter Johannes Cornelis Maria ", 120);
  const std::string manager = repeat_to("Marieke de Vries-Jansen ", 80);
  std::string json = "{\n  \"berichtId\": \"" + id +
                     "\",\n"
                     "  \"soort\": \"BEGIN\",\n"
                     "  \"persoon\": {\n"
                     "    \"bsn\": \"" +
                     bsn +
                     "\",\n"
                     "    \"geslachtsnaam\": \"" +
                     surname +
                     "\",\n"
                     "    \"voornamen\": \"" +
                     given +
                     "\",\n"
                     "    \"geboortedatum\": \"1990-04-17\"\n"
                     "  },\n"
                     "  \"gebeurtenisdatum\": \"2026-03-02\",\n"
                     "  \"verwachteInvrijheidstelling\": \"2026-09-01\",\n"
                     "  \"gemeentecode\": \"" +
                     o.gemeentecode +
                     "\",\n"
                     "  \"grondslag\": \"LAATSTE_BRP_ADRES\",\n"
                     "  \"casemanager\": {\n"
                     "    \"naam\": \"" +
                     manager +
                     "\",\n"
                     "    \"email\": \"casemanager.detentie-en-reintegratie@pi-vught.dji.example.nl\",\n"
                     "    \"telefoon\": \"+31 73 658 1234\"\n"
                     "  }\n";
  if (json.size() + 2 > o.body_bytes) usage("--body-bytes too small for the notification");
  json += std::string(o.body_bytes - json.size() - 2, ' ');  // JSON whitespace
  json += "}\n";

  request_template t;
  t.bytes = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port +
            "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: " +
            std::to_string(json.size()) + "\r\n\r\n";
  const std::size_t body_at = t.bytes.size();
  t.bytes += json;
  t.id_at = body_at + json.find(id);
  t.bsn_at = body_at + json.find(bsn);
  return t;
}

/// Fresh identities for each request: a random UUID v4 and a BSN from a
/// counter (8 digits) with its eleven-test check digit.
class identities {
 public:
  explicit identities(std::uint64_t seed) : rng_(seed), next_bsn_(10'000'000 + seed % 80'000'000) {}

  void fill(std::string& req, const request_template& t) {
    static constexpr char hex[] = "0123456789abcdef";
    const std::uint64_t a = rng_(), b = rng_();
    char* id = req.data() + t.id_at;
    int bit = 0;
    for (int i = 0; i < 36; ++i) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        id[i] = '-';
        continue;
      }
      unsigned nibble = static_cast<unsigned>(((bit < 64 ? a >> bit : b >> (bit - 64))) & 15);
      bit += 4;
      if (i == 14) nibble = 4;                 // version 4
      if (i == 19) nibble = 8 | (nibble & 3);  // variant 10xx
      id[i] = hex[nibble];
    }
    char* bsn = req.data() + t.bsn_at;
    for (;;) {
      const std::uint64_t n = 10'000'000 + (next_bsn_++ % 90'000'000);
      std::uint64_t sum = 0, m = n;
      for (int i = 7; i >= 0; --i) {
        bsn[i] = static_cast<char>('0' + m % 10);
        sum += (m % 10) * static_cast<std::uint64_t>(9 - i);
        m /= 10;
      }
      const std::uint64_t check = sum % 11;  // 9*d1+...+2*d8 - d9 = 0 (mod 11)
      if (check == 10) continue;
      bsn[8] = static_cast<char>('0' + check);
      return;
    }
  }

  std::string_view id(const std::string& req, const request_template& t) const {
    return std::string_view(req).substr(t.id_at, 36);
  }

 private:
  std::mt19937_64 rng_;
  std::uint64_t next_bsn_;
};

// ------------------------------------------------------------------ results

/// Appends lines to a file and flushes each one (shared by the connections).
class line_file {
 public:
  explicit line_file(const std::string& path) {
    if (path.empty()) return;
    f_ = std::fopen(path.c_str(), "a");
    if (f_ == nullptr) usage("cannot open " + path);
  }
  ~line_file() {
    if (f_) std::fclose(f_);
  }
  void write(std::string_view line) {
    if (!f_) return;
    std::lock_guard lock(mu_);
    std::fwrite(line.data(), 1, line.size(), f_);
    std::fputc('\n', f_);
    std::fflush(f_);
  }

 private:
  std::FILE* f_ = nullptr;
  std::mutex mu_;
};

/// What one connection saw; merged at the end.
struct tally {
  std::vector<std::uint32_t> latency_us;
  std::map<unsigned, std::uint64_t> statuses;
  std::map<std::string, std::uint64_t> errors;
  std::uint64_t connects = 0;
};

struct shared_state {
  const options& opt;
  const request_template& tmpl;
  ssl::context& tls;
  tcp::resolver::results_type endpoints;
  steady::time_point deadline;
  std::atomic<std::uint64_t> budget;  // requests still to start (--requests)
  std::atomic<bool> stop{false};
  line_file ids, lost;

  bool take_one() {
    if (stop.load(std::memory_order_relaxed) || steady::now() >= deadline) return false;
    if (opt.requests == 0) return true;
    auto left = budget.load();
    while (left > 0 && !budget.compare_exchange_weak(left, left - 1)) {
    }
    return left > 0;
  }
};

std::string error_name(const boost::system::error_code& ec) {
  if (ec == net::error::eof || ec == http::error::end_of_stream || ec == ssl::error::stream_truncated)
    return "eof";
  if (ec == net::error::connection_reset || ec == net::error::broken_pipe) return "reset";
  if (ec == net::error::operation_aborted) return "timeout";
  if (ec == net::error::connection_refused) return "refused";
  return "other";
}

std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

net::awaitable<void> connection(shared_state& s, tally& t, std::uint64_t seed) {
  auto ex = co_await net::this_coro::executor;
  identities ids(seed);
  std::string req = s.tmpl.bytes;
  net::steady_timer pause(ex), watchdog(ex);
  boost::beast::flat_buffer buffer;

  while (!s.stop && steady::now() < s.deadline) {
    ssl::stream<tcp::socket> stream(ex, s.tls);
    auto [cec, ep] = co_await net::async_connect(stream.next_layer(), s.endpoints, use_tuple);
    if (!cec) {
      stream.next_layer().set_option(tcp::no_delay(true));
      auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
      cec = hec;
    }
    if (cec) {
      ++t.errors[cec == net::error::connection_refused ? "connect_refused" : "connect_failed"];
      pause.expires_after(std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    ++t.connects;
    buffer.clear();
    for (bool open = true; open && s.take_one();) {
      ids.fill(req, s.tmpl);
      // A timeout closes the socket, which ends the pending operation.
      watchdog.expires_after(s.opt.timeout);
      watchdog.async_wait([&stream](boost::system::error_code ec) {
        if (!ec) stream.next_layer().close(ec);
      });
      const auto started = steady::now();
      auto [wec, wn] = co_await net::async_write(stream, net::buffer(req), use_tuple);
      if (wec) {  // not (wholly) sent: not a lost request
        ++t.errors["write_" + error_name(wec)];
        watchdog.cancel();
        break;
      }
      const std::int64_t sent_ns = unix_ns();
      http::response_parser<http::string_body> parser;
      parser.body_limit(64 * 1024);
      auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
      watchdog.cancel();
      if (rec) {
        const std::string what = "lost_" + (stream.next_layer().is_open() ? error_name(rec) : "timeout");
        ++t.errors[what];
        s.lost.write(std::to_string(sent_ns) + " " + what);
        break;
      }
      const auto& res = parser.get();
      t.latency_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - started).count(),
          UINT32_MAX)));
      ++t.statuses[res.result_int()];
      if (res.result_int() == 201) s.ids.write(ids.id(req, s.tmpl));
      open = res.keep_alive();
    }
    watchdog.cancel();
    boost::system::error_code ignored;
    stream.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream.next_layer().close(ignored);
    if (s.opt.requests != 0 && s.budget.load() == 0) break;
  }
}

double percentile(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  const options opt = parse_options(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  if (opt.print_body) {  // one body, with the identities of its first request
    const request_template tmpl = make_template(opt);
    std::string req = tmpl.bytes;
    identities(1).fill(req, tmpl);
    std::cout << req.substr(req.find("\r\n\r\n") + 4);
    return 0;
  }

  ssl::context tls(ssl::context::tls_client);
  try {
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    tls.use_certificate_chain_file(opt.cert);
    tls.use_private_key_file(opt.key, ssl::context::pem);
    tls.load_verify_file(opt.ca);
    tls.set_verify_mode(ssl::verify_peer);
  } catch (const std::exception& e) {
    usage(std::string("TLS setup: ") + e.what());
  }
  const request_template tmpl = make_template(opt);

  std::vector<std::unique_ptr<net::io_context>> loops;
  for (unsigned i = 0; i < opt.threads; ++i) loops.push_back(std::make_unique<net::io_context>(1));
  tcp::resolver resolver(*loops[0]);
  boost::system::error_code rec;
  auto endpoints = resolver.resolve(opt.host, opt.port, rec);
  if (rec) usage("cannot resolve " + opt.host + ":" + opt.port);

  const auto started = steady::now();
  shared_state s{opt,
                 tmpl,
                 tls,
                 endpoints,
                 started + std::chrono::duration_cast<steady::duration>(
                               std::chrono::duration<double>(opt.requests ? 1e9 : opt.seconds)),
                 {opt.requests},
                 {false},
                 line_file(opt.ids_file),
                 line_file(opt.lost_file)};

  // SIGINT/SIGTERM: start no more requests, finish those in flight, report.
  net::signal_set signals(*loops[0], SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) s.stop = true;
  });

  std::vector<tally> tallies(opt.connections);
  std::random_device seed_source;
  const std::uint64_t seed = (std::uint64_t{seed_source()} << 32) ^ seed_source();
  std::atomic<unsigned> running{opt.connections};
  for (unsigned c = 0; c < opt.connections; ++c) {
    auto& loop = *loops[c % loops.size()];
    net::co_spawn(loop, connection(s, tallies[c], seed + 7919 * c), [&, c](std::exception_ptr e) {
      if (e) ++tallies[c].errors["exception"];
      if (--running == 0) net::post(*loops[0], [&] { signals.cancel(); });
    });
  }
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < loops.size(); ++i) threads.emplace_back([&, i] { loops[i]->run(); });
  loops[0]->run();
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(steady::now() - started).count();

  tally all;
  for (auto& t : tallies) {
    all.latency_us.insert(all.latency_us.end(), t.latency_us.begin(), t.latency_us.end());
    for (auto& [k, v] : t.statuses) all.statuses[k] += v;
    for (auto& [k, v] : t.errors) all.errors[k] += v;
    all.connects += t.connects;
  }
  std::sort(all.latency_us.begin(), all.latency_us.end());
  const std::size_t done = all.latency_us.size();
  std::uint64_t ok2xx = 0;
  for (auto& [k, v] : all.statuses)
    if (k >= 200 && k < 300) ok2xx += v;

  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << "deliveries_load: https://" << opt.host << ":" << opt.port << opt.path << ", " << opt.connections
      << " connections, " << opt.threads << " thread(s), body " << opt.body_bytes << " bytes\n";
  out << "  responses      " << done << " in " << elapsed << " s = " << done / elapsed
      << "/s (2xx: " << ok2xx / elapsed << "/s)\n";
  out.precision(2);
  out << "  latency ms     p50 " << percentile(all.latency_us, 50) << "  p90 "
      << percentile(all.latency_us, 90) << "  p99 " << percentile(all.latency_us, 99) << "  p99.9 "
      << percentile(all.latency_us, 99.9) << "  max " << percentile(all.latency_us, 100) << "\n";
  out << "  statuses      ";
  for (auto& [k, v] : all.statuses) out << " " << k << "=" << v;
  out << "\n  errors        ";
  for (auto& [k, v] : all.errors) out << " " << k << "=" << v;
  out << (all.errors.empty() ? " none" : "") << "\n  connections    " << all.connects << " opened\n";
  out.precision(1);
  out << "summary seconds=" << elapsed << " responses=" << done << " rps=" << done / elapsed
      << " rps_2xx=" << ok2xx / elapsed;
  out.precision(3);
  out << " p50_ms=" << percentile(all.latency_us, 50) << " p90_ms=" << percentile(all.latency_us, 90)
      << " p99_ms=" << percentile(all.latency_us, 99) << " max_ms=" << percentile(all.latency_us, 100);
  for (auto& [k, v] : all.statuses) out << " status_" << k << "=" << v;
  for (auto& [k, v] : all.errors) out << " " << k << "=" << v;
  out << " connects=" << all.connects << "\n";
  std::cout << out.str() << std::flush;
  return 0;
}

#include "daemon/deliveries.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "common/log.hpp"
#include "store/deliveries.hpp"

namespace poort::daemon {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

constexpr std::size_t push_batch = 32;
constexpr std::size_t purge_batch = 500;
constexpr std::size_t max_response_bytes = 64 * 1024;

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

const store::audit_identity& internal_actor() {
  static const store::audit_identity who{"internal", "poortd", ""};
  return who;
}

/// The outcome of one push attempt: delivered, or a reason code.
struct push_attempt {
  bool delivered = false;
  std::string reason;
};

net::awaitable<push_attempt> push_one(ssl::context& ctx, const boost::urls::url_view& url, std::string body,
                                      std::string bericht_id, std::chrono::milliseconds timeout,
                                      bool allow_private) {
  auto ex = co_await net::this_coro::executor;
  const std::string host(url.host_address());
  const std::string port = url.has_port() ? std::string(url.port()) : std::string("443");
  std::string target(url.encoded_target());
  if (target.empty()) target = "/";

  beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
  beast::get_lowest_layer(stream).expires_after(timeout);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()))
    co_return push_attempt{false, "tls_setup"};
  stream.set_verify_callback(ssl::host_name_verification(host));

  // An IP literal is taken as it is (no DNS); either way only the addresses
  // judged here are connected to.
  const bool literal =
      url.host_type() == boost::urls::host_type::ipv4 || url.host_type() == boost::urls::host_type::ipv6;
  tcp::resolver resolver(ex);
  auto [rec, resolved] = co_await resolver.async_resolve(
      host, port,
      literal ? tcp::resolver::numeric_host | tcp::resolver::numeric_service : tcp::resolver::numeric_service,
      use_tuple);
  if (rec) co_return push_attempt{false, "resolve_failed"};
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : resolved) {
    if (allow_private || is_public_address(entry.endpoint().address())) endpoints.push_back(entry.endpoint());
  }
  if (endpoints.empty()) co_return push_attempt{false, "endpoint_address_refused"};
  auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_tuple);
  if (cec) co_return push_attempt{false, cec == beast::error::timeout ? "timeout" : "connect_failed"};
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  if (hec) co_return push_attempt{false, hec == beast::error::timeout ? "timeout" : "tls_failed"};

  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, url.encoded_host_and_port());
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "poort");
  req.set("Idempotency-Key", bericht_id);
  req.body() = std::move(body);
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
  if (wec) co_return push_attempt{false, wec == beast::error::timeout ? "timeout" : "write_failed"};

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_response_bytes);
  auto [rdec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (rdec) co_return push_attempt{false, rdec == beast::error::timeout ? "timeout" : "read_failed"};
  const unsigned status = parser.get().result_int();
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));
  co_await stream.async_shutdown(use_tuple);
  if (status >= 200 && status < 300) co_return push_attempt{true, ""};
  co_return push_attempt{false, "http_" + std::to_string(status)};
}

/// One push, run to completion on a private io_context.
push_attempt push(ssl::context& ctx, std::string_view endpoint, std::string body, std::string bericht_id,
                  std::chrono::milliseconds timeout, bool allow_private) {
  auto url = boost::urls::parse_absolute_uri(endpoint);
  if (!url || url->scheme() != "https" || url->host_address().empty()) return {false, "endpoint_invalid"};
  net::io_context ioc;
  push_attempt out{false, "internal"};
  net::co_spawn(ioc, push_one(ctx, *url, std::move(body), std::move(bericht_id), timeout, allow_private),
                [&](const std::exception_ptr& e, push_attempt a) {
                  if (!e) out = std::move(a);
                });
  ioc.run();
  return out;
}

result<std::shared_ptr<ssl::context>> make_client_context(const config::deliveries& d) {
  try {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->use_certificate_chain_file(d.push_client_certificate.string());
    ctx->use_private_key_file(d.push_client_key.string(), ssl::context::pem);
    ctx->load_verify_file(d.push_ca_bundle.string());
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
  } catch (const std::exception& e) {
    log::error("push.tls_context_failed", {{"error", e.what()}});
    return make_error_code(common_error::crypto_error);
  }
}

/// Back-off after `failures` failed attempts: initial x 2^(failures-1), capped.
std::chrono::milliseconds backoff(const config::deliveries& d, std::int64_t failures) {
  auto delay = d.push_initial_backoff;
  for (std::int64_t i = 1; i < failures && delay < d.push_max_backoff; ++i) delay *= 2;
  return std::min(delay, d.push_max_backoff);
}

}  // namespace

bool is_public_address(const net::ip::address& a) {
  return a.is_v4() ? is_public_ipv4(a.to_v4()) : is_public_ipv6(a.to_v6());
}

struct deliveries_runtime::counters {
  std::atomic<std::uint64_t> push_attempts{0};
  std::atomic<std::uint64_t> push_failures{0};
  std::atomic<std::uint64_t> pushed{0};
  std::atomic<std::uint64_t> gave_up{0};
  std::atomic<std::uint64_t> purged{0};
  std::atomic<std::int64_t> pending{0};
  std::atomic<std::int64_t> given_up_now{0};

  void render(std::string& out) const {
    auto line = [&](std::string_view name, std::string_view type, std::string_view help, auto v) {
      out += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " + std::string(name) + " " +
             std::string(type) + "\n" + std::string(name) + " " + std::to_string(v) + "\n";
    };
    line("poort_push_attempts_total", "counter", "Push attempts to municipal endpoints.",
         push_attempts.load());
    line("poort_push_failures_total", "counter", "Push attempts that failed (retried or given up).",
         push_failures.load());
    line("poort_push_delivered_total", "counter", "Messages delivered to municipal endpoints.",
         pushed.load());
    line("poort_push_given_up_total", "counter", "Messages given up after push_give_up_after.",
         gave_up.load());
    line("poort_push_pending", "gauge", "Messages waiting in the push outbox.", pending.load());
    line("poort_push_given_up", "gauge", "Messages in state OPGEGEVEN (administrators must act).",
         given_up_now.load());
    line("poort_deliveries_purged_total", "counter", "Message contents purged by the retention job.",
         purged.load());
  }
};

store::delivery_settings delivery_settings_of(const config::deliveries& cfg) {
  store::delivery_settings s;
  s.basis = cfg.retention_basis == "acknowledgement" ? store::retention_basis::acknowledgement
                                                     : store::retention_basis::release_date;
  s.retention = std::chrono::days(cfg.retention_days);
  s.retention_without_release = std::chrono::days(cfg.retention_without_release_days);
  return s;
}

result<std::unique_ptr<deliveries_runtime>> deliveries_runtime::create(const config::config& cfg,
                                                                       store::database& db,
                                                                       poort::clock& clock,
                                                                       poort::random& random,
                                                                       routing::metrics& metrics) {
  const auto creds = store::credentials_directory_from_environment();
  if (cfg.data_keys.key_file.empty() && !creds) {
    log::warn("deliveries.disabled", {{"reason", "no_data_key"}});
    return std::unique_ptr<deliveries_runtime>{};
  }
  auto key = store::load_data_key(cfg.data_keys, creds, random);
  if (!key) {
    log::error("deliveries.data_key_failed", {{"error", key.error().message()}});
    return key.error();
  }
  std::shared_ptr<store::data_key> shared = std::move(*key);
  auto other =
      db.read([&](store::reader& r) { return store::count_sealed_under_other_keys(r, shared->id()); });
  if (other && *other > 0)
    log::warn("deliveries.sealed_under_other_key", {{"rows", *other}, {"hint", "run poortctl rekey"}});
  return std::unique_ptr<deliveries_runtime>(new deliveries_runtime(std::move(shared), db, clock, metrics));
}

deliveries_runtime::deliveries_runtime(std::shared_ptr<store::data_key> key, store::database& db,
                                       poort::clock& clock, routing::metrics& metrics)
    : key_(std::move(key)), db_(db), clock_(clock), counters_(std::make_shared<counters>()) {
  metrics.add_source([c = counters_](std::string& out) { c->render(out); });
}

deliveries_runtime::~deliveries_runtime() { stop(); }

std::shared_ptr<const routing::delivery_services> deliveries_runtime::services(const config::config& cfg) {
  auto s = std::make_shared<routing::delivery_services>();
  s->key = key_;
  s->settings = delivery_settings_of(cfg.deliveries);
  s->push_queued = [this] { wake(); };
  // Synchronous, so that a withdrawal's 201 means the content is off the disk.
  s->content_purged = [this] { checkpoint(); };
  return s;
}

void deliveries_runtime::start(std::function<std::shared_ptr<const config::config>()> current_config) {
  current_config_ = std::move(current_config);
  worker_ = std::thread([this] { run(); });
}

void deliveries_runtime::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void deliveries_runtime::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void deliveries_runtime::checkpoint() {
  const auto cfg = current_config_ ? current_config_() : nullptr;
  const auto busy = cfg ? cfg->store.busy_timeout : std::chrono::milliseconds(5'000);
  auto ok = store::database_checkpoint_truncate(db_.file(), busy);
  if (ok) return;
  log::warn("deliveries.checkpoint_deferred", {{"error", ok.error().message()}});
  std::lock_guard lock(mu_);
  checkpoint_pending_ = true;
}

void deliveries_runtime::run() {
  auto next_purge = std::chrono::steady_clock::now();
  for (;;) {
    const auto cfg = current_config_();
    push_due(*cfg);
    if (std::chrono::steady_clock::now() >= next_purge) {
      purge_due();
      next_purge = std::chrono::steady_clock::now() + cfg->deliveries.purge_interval;
    }
    bool retry_checkpoint = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, cfg->deliveries.push_poll_interval, [this] { return stopping_ || woken_; });
      if (stopping_) return;
      woken_ = false;
      retry_checkpoint = std::exchange(checkpoint_pending_, false);
    }
    if (retry_checkpoint) checkpoint();
  }
}

void deliveries_runtime::push_due(const config::config& cfg) {
  const auto& d = cfg.deliveries;
  auto counts = db_.read([](store::reader& r) { return store::count_outbox(r); });
  if (counts) {
    counters_->pending = counts->pending;
    counters_->given_up_now = counts->gave_up;
  }
  if (d.push_client_certificate.empty() || !counts || counts->pending == 0) return;
  auto due = db_.read([&](store::reader& r) { return store::due_outbox(r, clock_.now(), push_batch); });
  if (!due || due->empty()) return;
  auto ctx = make_client_context(d);
  if (!ctx) return;
  for (const auto& item : *due) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    auto payload = db_.read([&](store::reader& r) { return store::push_payload(r, *key_, item.bericht_id); });
    if (!payload) {
      log::error("push.payload_failed",
                 {{"bericht_id", item.bericht_id}, {"error", payload.error().message()}});
      continue;
    }
    if (!*payload) {
      auto w = db_.write([&](store::transaction& tx) {
        return store::record_push_obsolete(tx, item.bericht_id, clock_.now());
      });
      if (!w)
        log::error("push.record_failed", {{"bericht_id", item.bericht_id}, {"error", w.error().message()}});
      continue;
    }
    ++counters_->push_attempts;
    auto attempt = push(**ctx, item.endpoint, std::move(**payload), item.bericht_id, d.push_timeout,
                        d.push_allow_private_addresses);
    const auto now = clock_.now();
    result<void> recorded;
    if (attempt.delivered) {
      ++counters_->pushed;
      log::info("push.delivered", {{"bericht_id", item.bericht_id},
                                   {"gemeentecode", item.gemeentecode},
                                   {"attempts", item.attempts + 1}});
      recorded = db_.write([&](store::transaction& tx) {
        return store::record_push_delivered(tx, item.bericht_id, internal_actor(), now);
      });
    } else {
      ++counters_->push_failures;
      auto created = parse_rfc3339(item.created_at).value_or(now);
      const bool give_up = now - created >= d.push_give_up_after;
      if (give_up) ++counters_->gave_up;
      const auto next = now + backoff(d, item.attempts + 1);
      log::write(give_up ? log::level::error : log::level::warn, give_up ? "push.given_up" : "push.failed",
                 {{"bericht_id", item.bericht_id},
                  {"gemeentecode", item.gemeentecode},
                  {"reason", attempt.reason},
                  {"attempts", item.attempts + 1}});
      recorded = db_.write([&](store::transaction& tx) {
        return store::record_push_failed(tx, item.bericht_id, attempt.reason, next, give_up, internal_actor(),
                                         now);
      });
    }
    if (!recorded)
      log::error("push.record_failed",
                 {{"bericht_id", item.bericht_id}, {"error", recorded.error().message()}});
  }
}

void deliveries_runtime::purge_due() {
  std::size_t total = 0;
  for (std::size_t batch = purge_batch; batch == purge_batch;) {
    batch = 0;
    auto w = db_.write([&](store::transaction& tx) -> result<void> {
      auto r = store::purge_expired(tx, clock_.now(), internal_actor(), purge_batch);
      if (!r) return r.error();
      batch = r->size();
      return {};
    });
    if (!w) {
      log::error("retention.purge_failed", {{"error", w.error().message()}});
      break;
    }
    total += batch;
  }
  if (total == 0) return;
  counters_->purged += total;
  log::info("retention.purged", {{"messages", total}});
  checkpoint();
}

}  // namespace poort::daemon

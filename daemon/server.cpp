#include "daemon/server.hpp"

#include <systemd/sd-daemon.h>

#include <boost/asio/as_tuple.hpp>
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

#include <algorithm>
#include <atomic>
#include <charconv>
#include <mutex>
#include <thread>

#include "common/log.hpp"
#include "daemon/admission.hpp"
#include "daemon/answer_relay.hpp"
#include "daemon/audit_anchor.hpp"
#include "daemon/deliveries.hpp"
#include "daemon/http_session.hpp"
#include "daemon/onboarding.hpp"
#include "daemon/periodic_job.hpp"
#include "daemon/runtime.hpp"
#include "routing/metrics.hpp"
#include "routing/refusal_audit.hpp"
#include "store/database.hpp"

namespace poort::daemon {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using net::awaitable;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

/// How often the deadlines of all connections are checked: a timeout fires
/// at most this much late (and never early).
constexpr auto sweep_interval = std::chrono::milliseconds(100);

unsigned metric_listener(config::listener_kind k) { return k == config::listener_kind::portal ? 0 : 1; }
std::string_view listener_name(config::listener_kind k) {
  return k == config::listener_kind::portal ? "portal" : "system";
}

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

/// The server: listeners and their accept loops, the sweep of connection
/// deadlines, drain on SIGTERM, reload on SIGHUP, systemd notification. The
/// connections themselves are http_sessions (daemon/http_session.hpp), which
/// see the server only through `session_services`.
class server_impl final : public server {
 public:
  server_impl(std::filesystem::path file, std::shared_ptr<const config::config> cfg, poort::clock& clock,
              poort::random& random);
  ~server_impl() override;

  result<void> init();
  int run() override;
  void request_stop() override {
    net::post(control_, [this] { begin_drain(); });
  }
  void request_reload() override {
    net::post(control_, [this] { reload(); });
  }

 private:
  awaitable<void> accept_loop(std::size_t listener, std::shared_ptr<tcp::acceptor> acceptor);
  /// A session's destructor: frees its slots; the last one ends a drain.
  void session_closed(http_session& s, std::size_t listener, const std::string& ip);
  void begin_drain();
  void finish_drain();
  void reload();
  void arm_watchdog();
  /// Every `sweep_interval`, ends the waits of sessions whose deadline has
  /// passed (by the injected clock); runs while there are sessions.
  void sweep();
  /// The live sessions that may be posted to.
  std::vector<std::shared_ptr<http_session>> live_sessions();
  void handle_signals();
  runtime_inputs runtime_inputs_for();

  std::filesystem::path file_;
  std::shared_ptr<const config::config> initial_;
  unsigned io_threads_ = 1;
  poort::clock& clock_;
  poort::random& random_;
  // What sessions use, up to their destructors: declared before ioc_, whose
  // destruction may destroy the last sessions with its pending handlers.
  std::atomic<bool> draining_{false};
  std::unique_ptr<routing::metrics> metrics_;
  rate_limiter rates_{clock_};  // admission control (daemon/admission.hpp)
  identity_table identities_;
  std::unique_ptr<connection_caps> caps_;  // one slot count per listener, made by init
  connection_registry sessions_;
  std::unique_ptr<request_ids> request_ids_;
  std::unique_ptr<session_services> session_services_;
  net::io_context ioc_;
  // The server's own state (signals, drain, sweep, watchdog, reload) runs on
  // one strand, so that with several I/O threads no two of its handlers run
  // at once. Each acceptor has a strand of its own (accept_loop).
  using control_executor = net::strand<net::io_context::executor_type>;
  control_executor control_;
  net::thread_pool workers_;
  net::signal_set signals_;
  using control_timer =
      net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>,
                                control_executor>;
  control_timer drain_timer_;
  control_timer sweep_timer_;
  answer_relay relay_{ioc_};
  control_timer watchdog_timer_;
  std::chrono::microseconds watchdog_interval_{0};
  runtime_slot rt_;  // the current runtime (daemon/runtime.hpp)
  std::unique_ptr<store::database> store_;
  // The router's refusals, coalesced per minute (routing/refusal_audit.hpp):
  // ended windows written every few seconds, the rest at shutdown.
  std::unique_ptr<routing::refusal_audit> refusals_;
  std::unique_ptr<periodic_job> refusal_flush_;
  std::unique_ptr<deliveries_runtime> deliveries_;  // after store_: destroyed (stopped) first
  std::unique_ptr<onboarding_jobs>
      onboarding_jobs_;  // connection scheduler, e-mail outbox (daemon/onboarding.hpp)
  std::unique_ptr<audit_anchor_timer>
      audit_anchors_;  // the chain head to the journal (daemon/audit_anchor.hpp)
  std::vector<std::pair<std::size_t, std::shared_ptr<tcp::acceptor>>> acceptors_;
  std::atomic<bool> forced_{false};
};

server_impl::server_impl(std::filesystem::path file, std::shared_ptr<const config::config> cfg,
                         poort::clock& clock, poort::random& random)
    : file_(std::move(file)),
      clock_(clock),
      random_(random),
      ioc_(static_cast<int>(cfg->daemon.threads ? cfg->daemon.threads
                                                : std::max(1u, std::thread::hardware_concurrency()))),
      control_(net::make_strand(ioc_)),
      workers_(std::max(1u, cfg->daemon.worker_threads)),
      signals_(control_),
      drain_timer_(control_),
      sweep_timer_(control_),
      watchdog_timer_(control_) {
  io_threads_ = cfg->daemon.threads ? cfg->daemon.threads : std::max(1u, std::thread::hardware_concurrency());
  request_ids_ = std::make_unique<request_ids>(random_);
  metrics_ = std::make_unique<routing::metrics>(routing::app::route_names());
  session_services_ = std::make_unique<session_services>(
      session_services{clock_, *metrics_, relay_, workers_, rates_, identities_, *request_ids_, draining_,
                       [this](http_session& s, std::size_t listener, const std::string& ip) {
                         session_closed(s, listener, ip);
                       }});
  initial_ = std::move(cfg);
}

server_impl::~server_impl() {
  workers_.join();
  if (store_) store_->close();
}

runtime_inputs server_impl::runtime_inputs_for() {
  return {*store_,        clock_, random_, *metrics_, deliveries_.get(), [this] { return rt_.load()->cfg; },
          refusals_.get()};
}

std::vector<std::shared_ptr<http_session>> server_impl::live_sessions() {
  std::vector<std::shared_ptr<http_session>> live;
  // Every tracked connection is an http_session (only accept_loop adds).
  sessions_.for_each([&](tracked_connection& c) {
    if (auto s = static_cast<http_session&>(c).weak_from_this().lock()) live.push_back(std::move(s));
  });
  return live;
}

void server_impl::sweep() {
  std::vector<std::shared_ptr<http_session>> due;
  const bool any = sessions_.sweep(clock_.monotonic(), [&](tracked_connection& c) {
    if (auto s = static_cast<http_session&>(c).weak_from_this().lock()) due.push_back(std::move(s));
  });
  if (!any) return;  // the next session restarts the sweep
  for (auto& s : due) net::post(s->executor(), [s] { s->expire_if_due(); });
  sweep_timer_.expires_after(sweep_interval);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) sweep();
  });
}

void server_impl::session_closed(http_session& s, std::size_t listener, const std::string& ip) {
  const bool last = sessions_.remove(s);
  caps_->release(listener, ip);
  if (last && draining_) net::post(control_, [this] { finish_drain(); });
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
  refusals_ = std::make_unique<routing::refusal_audit>(*store_, clock_);
  refusal_flush_ = std::make_unique<periodic_job>(ioc_, workers_, std::chrono::seconds(5),
                                                  [r = refusals_.get()] { (void)r->flush(); });
  auto built = build_runtime(std::move(initial_), runtime_inputs_for());
  if (!built) return built.error();
  const auto& rt = *built;
  rt_.store(rt);
  caps_ = std::make_unique<connection_caps>(rt->listeners.size());
  for (std::size_t i = 0; i < rt->listeners.size(); ++i) {
    for (const auto& address : rt->listeners[i]->addresses) {
      auto ep = parse_address(address);
      if (!ep) return ep.error();
      // The accept loop and the close in begin_drain both run on this strand:
      // an acceptor is not safe for concurrent use.
      auto acceptor = std::make_shared<tcp::acceptor>(net::make_strand(ioc_));
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
    if (auto refused = caps_->admit(listener, ip, lcfg.limits)) {
      metrics_->refused(ml, *refused);
      socket.close(eec);
      continue;
    }
    socket.set_option(tcp::no_delay(true), eec);
    auto s = std::make_shared<http_session>(*session_services_, std::move(socket), rt, listener, ip);
    if (sessions_.add(*s)) net::post(control_, [this] { sweep(); });
    net::dispatch(s->executor(), [s] { s->start(); });
  }
}

void server_impl::begin_drain() {
  if (draining_.exchange(true)) return;
  sd_notify(0, "STOPPING=1\nSTATUS=draining");
  log::info("server.draining", {{"drain_timeout_ms", rt_.load()->cfg->shutdown.drain_timeout.count()}});
  for (auto& [i, a] : acceptors_) {
    net::post(a->get_executor(), [a] {
      boost::system::error_code ec;
      a->close(ec);
    });
  }
  signals_.cancel();
  watchdog_timer_.cancel();
  if (onboarding_jobs_) onboarding_jobs_->stop();
  if (audit_anchors_) audit_anchors_->stop();
  if (refusal_flush_) refusal_flush_->stop();
  auto live = live_sessions();
  if (live.empty()) {
    finish_drain();
    return;
  }
  for (auto& s : live) net::post(s->executor(), [s] { s->drain(); });
  drain_timer_.expires_after(rt_.load()->cfg->shutdown.drain_timeout);
  drain_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    forced_ = true;
    auto rest = live_sessions();
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
             static_cast<unsigned long long>(
                 std::chrono::duration_cast<std::chrono::microseconds>(clock_.monotonic().time_since_epoch())
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
  auto next = build_runtime(*loaded, runtime_inputs_for());
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
    net::co_spawn(a->get_executor(), accept_loop(i, a), net::detached);
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
  refusal_flush_->start();
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
  (void)refusals_->flush_all();      // every refusal answered is in the audit log
  store_->close();                   // drains queued writes: every answered request is committed
  log_audit_anchor(store_->file());  // the head as closed: every committed record
  log::info("server.stopped", {{"forced", forced_.load()}});
  return 0;
}

}  // namespace

result<std::unique_ptr<server>> server::create(std::filesystem::path config_file,
                                               std::shared_ptr<const config::config> cfg) {
  static system_clock_source system_clock;
  static os_random system_random;
  return create(std::move(config_file), std::move(cfg), system_clock, system_random);
}

result<std::unique_ptr<server>> server::create(std::filesystem::path config_file,
                                               std::shared_ptr<const config::config> cfg, poort::clock& clock,
                                               poort::random& random) {
  auto s = std::make_unique<server_impl>(std::move(config_file), std::move(cfg), clock, random);
  auto ok = s->init();
  if (!ok) return ok.error();
  return std::unique_ptr<server>(std::move(s));
}

}  // namespace poort::daemon

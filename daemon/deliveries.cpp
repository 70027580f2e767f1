#include "daemon/deliveries.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "common/log.hpp"
#include "daemon/https_client.hpp"
#include "daemon/runtime.hpp"
#include "routing/prometheus.hpp"
#include "store/deliveries.hpp"
#include "store/error.hpp"

namespace poort::daemon {
namespace {

constexpr std::size_t push_batch = 32;
constexpr std::size_t purge_batch = 500;
constexpr std::size_t max_response_bytes = 64 * 1024;

const store::audit_identity& internal_actor() {
  static const store::audit_identity who{"internal", "poortd", ""};
  return who;
}

/// The outcome of one push attempt: delivered, or a reason code.
struct push_attempt {
  bool delivered = false;
  std::string reason;
};

/// One push through the shared outbound client (daemon/https_client.hpp);
/// its failures become the outbox's reason codes.
push_attempt push(const https_client& client, std::string_view endpoint, std::string body,
                  std::string bericht_id, std::chrono::milliseconds timeout, bool allow_private) {
  auto res = client.post({.url = std::string(endpoint),
                          .content_type = "application/json",
                          .headers = {{"Idempotency-Key", std::move(bericht_id)}},
                          .body = std::move(body)},
                         {.timeout = timeout,
                          .max_response_bytes = max_response_bytes,
                          .public_addresses_only = !allow_private});
  if (res) {
    if (res->status >= 200 && res->status < 300) return {true, ""};
    return {false, "http_" + std::to_string(res->status)};
  }
  const https_failure& f = res.error();
  if (f.timed_out) return {false, "timeout"};
  switch (f.step) {
    case https_step::url: return {false, "endpoint_invalid"};
    case https_step::resolve: return {false, "resolve_failed"};
    case https_step::address: return {false, "endpoint_address_refused"};
    case https_step::connect: return {false, "connect_failed"};
    case https_step::tls_handshake: return {false, "tls_failed"};
    case https_step::write: return {false, "write_failed"};
    case https_step::read: return {false, "read_failed"};
  }
  return {false, "internal"};
}

result<https_client> make_push_client(const config::deliveries& d) {
  auto client = https_client::create({.purpose = "push",
                                      .client_certificate = d.push_client_certificate,
                                      .client_key = d.push_client_key,
                                      .ca_bundle = d.push_ca_bundle,
                                      .crl_files = d.push_crl_files});
  if (!client) log::error("push.tls_context_failed", {{"error", client.error().message()}});
  return client;
}

/// Back-off after `failures` failed attempts: initial x 2^(failures-1), capped.
std::chrono::milliseconds backoff(const config::deliveries& d, std::int64_t failures) {
  auto delay = d.push_initial_backoff;
  for (std::int64_t i = 1; i < failures && delay < d.push_max_backoff; ++i) delay *= 2;
  return std::min(delay, d.push_max_backoff);
}

}  // namespace

struct deliveries_runtime::counters {
  std::atomic<std::uint64_t> push_attempts{0};
  std::atomic<std::uint64_t> push_failures{0};
  std::atomic<std::uint64_t> pushed{0};
  std::atomic<std::uint64_t> gave_up{0};
  std::atomic<std::uint64_t> purged{0};
  std::atomic<std::int64_t> pending{0};
  std::atomic<std::int64_t> given_up_now{0};
  std::atomic<std::int64_t> held_now{0};
  std::atomic<std::uint64_t> audit_failures{0};
  /// Rows per key id and index version (refreshed by the worker, at most
  /// once a minute: a count over postvak is not for every scrape).
  mutable std::mutex usage_mu;
  std::vector<store::key_usage> usage;  // guarded by usage_mu
  bool usage_known = false;             // guarded by usage_mu

  void render(std::string& out) const {
    {
      std::lock_guard lock(usage_mu);
      if (usage_known) render_key_metrics(out, usage);
    }
    routing::prometheus_writer w(out);
    w.metric("poort_push_attempts_total", "counter", "Push attempts to municipal endpoints.",
             push_attempts.load());
    w.metric("poort_push_failures_total", "counter", "Push attempts that failed (retried or given up).",
             push_failures.load());
    w.metric("poort_push_delivered_total", "counter", "Messages delivered to municipal endpoints.",
             pushed.load());
    w.metric("poort_push_given_up_total", "counter", "Messages given up after push_give_up_after.",
             gave_up.load());
    w.metric("poort_push_pending", "gauge", "Messages waiting in the push outbox.", pending.load());
    w.metric("poort_push_given_up", "gauge", "Messages in state OPGEGEVEN (administrators must act).",
             given_up_now.load());
    w.metric("poort_push_held", "gauge",
             "Messages waiting for a municipality that is not connected (suspended, disconnected, out of the "
             "registry).",
             held_now.load());
    w.metric("poort_push_audit_failures_total", "counter",
             "Pushes not sent because their audit record could not be written.", audit_failures.load());
    w.metric("poort_deliveries_purged_total", "counter", "Message contents purged by the retention job.",
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
  if (!store::key_ring_configured(cfg.data_keys, creds)) {
    log::warn("deliveries.disabled", {{"reason", "no_data_key"}});
    return std::unique_ptr<deliveries_runtime>{};
  }
  auto key = store::load_data_key(cfg.data_keys, creds, random);
  if (!key) {
    log::error("deliveries.data_key_failed", {{"error", key.error().message()}});
    return key.error();
  }
  std::shared_ptr<store::data_key> shared = std::move(*key);
  // Rows the ring cannot open or find (a key id or an index version that is
  // not listed) would switch consent checks off for their persons: refuse to
  // start rather than accept sheets that a withdrawal forbids.
  auto usage = db.read([](store::reader& r) { return store::count_rows_by_key(r); });
  if (!usage) return usage.error();
  for (const auto& u : store::usage_outside_ring(*shared, *usage)) {
    log::error("deliveries.key_not_in_ring", {{"table", u.table},
                                              {"key_id", u.key_id},
                                              {"index_version", u.index_version},
                                              {"rows", u.rows},
                                              {"hint", "list the old key and index key in [data_keys]"}});
    return make_error_code(store::error::unknown_key);
  }
  std::int64_t old_rows = 0;
  for (const auto& u : *usage)
    if (u.key_id != shared->id() || u.index_version != shared->index_version()) old_rows += u.rows;
  if (old_rows > 0)
    log::warn("deliveries.sealed_under_older_key", {{"rows", old_rows}, {"hint", "run poortctl rekey"}});
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

void deliveries_runtime::refresh_key_usage() {
  auto usage = db_.read([](store::reader& r) { return store::count_rows_by_key(r); });
  if (!usage) return;  // the next refresh tries again; /metrics keeps the last counts
  std::lock_guard lock(counters_->usage_mu);
  counters_->usage = std::move(*usage);
  counters_->usage_known = true;
}

void deliveries_runtime::run() {
  auto next_purge = std::chrono::steady_clock::now();
  auto next_usage = std::chrono::steady_clock::now();
  for (;;) {
    const auto cfg = current_config_();
    if (std::chrono::steady_clock::now() >= next_usage) {
      refresh_key_usage();
      next_usage = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    }
    push_due(*cfg);
    if (std::chrono::steady_clock::now() >= next_purge) {
      purge_due(cfg->deliveries);
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
    counters_->held_now = counts->held;
  }
  if (d.push_client_certificate.empty() || !counts || counts->pending == 0) return;
  auto due = db_.read([&](store::reader& r) { return store::due_outbox(r, clock_.now(), push_batch); });
  if (!due || due->empty()) return;
  auto client = make_push_client(d);
  if (!client) return;
  for (const auto& item : *due) {
    store::push_start start = store::push_start::not_pending;
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
    // Issue 14 items 4 and 6: a municipality that is not connected gets
    // nothing (the item is held, audited once); otherwise the attempt is
    // audited before any byte leaves, and not made if that record fails.
    auto started = db_.write([&](store::transaction& tx) -> result<void> {
      auto s = store::begin_push(tx, item.bericht_id, internal_actor(), clock_.now(),
                                 clock_.now() + d.push_max_backoff);
      if (!s) return s.error();
      start = *s;
      return {};
    });
    if (!started) {
      ++counters_->audit_failures;
      log::error("push.not_sent", {{"bericht_id", item.bericht_id},
                                   {"reason", "audit_failed"},
                                   {"error", started.error().message()}});
      continue;
    }
    if (start != store::push_start::send) continue;
    ++counters_->push_attempts;
    auto attempt = push(*client, item.endpoint, std::move(**payload), item.bericht_id, d.push_timeout,
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

void deliveries_runtime::purge_due(const config::deliveries& cfg) {
  // Runs `purge` (one batch per transaction, at most purge_batch rows) until a
  // batch comes back short; the rows purged, or as many as went before an error.
  const auto in_batches = [&](auto purge) {
    std::size_t total = 0;
    for (std::size_t batch = purge_batch; batch == purge_batch;) {
      batch = 0;
      auto w = db_.write([&](store::transaction& tx) -> result<void> {
        auto r = purge(tx);
        if (!r) return r.error();
        batch = *r;
        return {};
      });
      if (!w) {
        log::error("retention.purge_failed", {{"error", w.error().message()}});
        break;
      }
      total += batch;
    }
    return total;
  };
  const std::size_t total = in_batches([&](store::transaction& tx) -> result<std::size_t> {
    auto r = store::purge_expired(tx, clock_.now(), internal_actor(), purge_batch);
    if (!r) return r.error();
    return r->size();
  });
  const std::size_t withdrawals = in_batches([&](store::transaction& tx) {
    return store::purge_expired_withdrawals(tx, clock_.now(), internal_actor(), purge_batch);
  });
  // The audit's own retention of person references (issue 14 item 6): the
  // records stay, their reference and salt are emptied, the chain verifies.
  std::size_t references = 0;
  if (cfg.audit_person_reference_days > 0) {
    const auto now = clock_.now();
    const auto before = now - std::chrono::days(cfg.audit_person_reference_days);
    auto w = db_.write([&](store::transaction& tx) -> result<void> {
      auto r = store::clear_audit_person_refs(tx, before, internal_actor(), now);
      if (!r) return r.error();
      references = *r;
      return {};
    });
    if (!w) log::error("retention.audit_references_failed", {{"error", w.error().message()}});
  }
  if (total == 0 && withdrawals == 0 && references == 0) return;
  counters_->purged += total;
  log::info("retention.purged",
            {{"messages", total}, {"withdrawals", withdrawals}, {"audit_person_references", references}});
  checkpoint();
}

}  // namespace poort::daemon

#include "daemon/runtime.hpp"

#include <map>
#include <utility>

#include "auth/database_session_store.hpp"
#include "common/log.hpp"
#include "daemon/deliveries.hpp"
#include "daemon/login.hpp"
#include "daemon/onboarding.hpp"
#include "daemon/tls.hpp"
#include "routing/prometheus.hpp"

namespace poort::daemon {

result<std::shared_ptr<const runtime>> build_runtime(std::shared_ptr<const config::config> cfg,
                                                     const runtime_inputs& in) {
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
      auth::party_directory(cfg->parties, registry_party_fallback(in.store, in.clock), cfg->allow_test_oins);
  auto assets = routing::load_assets(cfg->daemon.web_root);
  if (!assets) {
    log::error("assets.load_failed",
               {{"web_root", cfg->daemon.web_root.string()}, {"error", assets.error().message()}});
    return assets.error();
  }
  routing::services svc;
  svc.clock = &in.clock;
  svc.metrics = &in.metrics;
  svc.store = &in.store;
  svc.random = &in.random;
  svc.current_config = in.current_config;
  svc.refusals = in.refusals;
  svc.store_writable = [db = &in.store]() -> result<void> { return db->check_writable(); };
  auto onboarding = make_onboarding_services(*cfg, in.clock);  // onboarding area (daemon/onboarding.hpp)
  if (!onboarding) return onboarding.error();
  svc.onboarding = *onboarding;
  if (in.deliveries != nullptr)
    svc.delivery = in.deliveries->services(*cfg);  // deliveries area (daemon/deliveries.hpp)
  // The login area (daemon/login.hpp).
  if (cfg->saml.enabled) {
    auto login = make_login_services(cfg, std::make_shared<auth::database_session_store>(in.store), in.clock,
                                     in.random);
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

void render_store_metrics(std::string& out, const store::metrics_snapshot& m) {
  routing::prometheus_writer w(out);
  w.metric("poort_store_commits_total", "counter", "Group commits made durable.", m.commits);
  w.metric("poort_store_failed_commits_total", "counter", "Group commits that failed as a whole.",
           m.failed_commits);
  w.metric("poort_store_transactions_total", "counter", "Transactions committed durably.", m.transactions);
  w.metric("poort_store_failed_transactions_total", "counter", "Transactions answered with an error.",
           m.failed_transactions);
  w.metric("poort_store_queue_depth", "gauge", "Transactions waiting for the writer.", m.queue_depth);
  const auto histogram = [&w](std::string_view name, std::string_view help,
                              const store::histogram_snapshot& h) {
    w.family(name, "histogram", help);
    w.histogram(name, {}, h.upper_bounds, h.cumulative_counts, h.count, h.sum);
  };
  histogram("poort_store_batch_size", "Transactions per group commit.", m.batch_size);
  histogram("poort_store_commit_duration_seconds", "BEGIN to durable COMMIT of a group commit.",
            m.commit_seconds);
}

void render_key_metrics(std::string& out, const std::vector<store::key_usage>& usage) {
  // Key ids are config tokens (A-Z a-z 0-9 . _ -): safe as label values.
  std::map<std::pair<std::string, std::string>, std::int64_t> by_key, by_version;
  for (const auto& u : usage) {
    by_key[{u.table, u.key_id}] += u.rows;
    by_version[{u.table, std::to_string(u.index_version)}] += u.rows;
  }
  routing::prometheus_writer w(out);
  w.family("poort_store_rows_by_key", "gauge",
           "Rows holding sealed personal data, per table and data key id (poortctl rekey moves them).");
  for (const auto& [k, n] : by_key)
    w.sample("poort_store_rows_by_key", "table=\"" + k.first + "\",key_id=\"" + k.second + "\"", n);
  w.family("poort_store_rows_by_index_version", "gauge",
           "Rows holding sealed personal data, per table and blind-index version.");
  for (const auto& [k, n] : by_version)
    w.sample("poort_store_rows_by_index_version", "table=\"" + k.first + "\",version=\"" + k.second + "\"",
             n);
}

}  // namespace poort::daemon

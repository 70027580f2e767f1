#include "daemon/runtime.hpp"

#include <cstdio>

#include "auth/database_session_store.hpp"
#include "common/log.hpp"
#include "daemon/deliveries.hpp"
#include "daemon/login.hpp"
#include "daemon/onboarding.hpp"
#include "daemon/tls.hpp"

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

namespace {

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

}  // namespace

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

}  // namespace poort::daemon

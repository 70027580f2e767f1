#include "daemon/onboarding.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "routing/onboarding_notices.hpp"
#include "store/onboarding.hpp"
#include "store/registry.hpp"

namespace poort::daemon {
namespace {

using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, openssl_deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using store_ptr = std::unique_ptr<X509_STORE, openssl_deleter<X509_STORE, X509_STORE_free>>;

error_code untrusted() { return make_error_code(common_error::crypto_error); }
error_code malformed() { return make_error_code(common_error::invalid_argument); }

}  // namespace

result<routing::system_certificate> verify_system_certificate(std::string_view pem,
                                                              std::string_view ca_bundle_pem,
                                                              const std::vector<std::string>& crl_pems,
                                                              sys_time now, bool allow_test_oins) {
  auto certs = parse_certificates_pem(pem);
  if (!certs || certs->size() != 1) return malformed();
  X509* cert = certs->front().get();
  auto id = auth::identify_certificate(cert);
  if (!id) return malformed();
  if (!allow_test_oins && config::is_test_oin(id->oin)) return untrusted();

  auto cas = parse_certificates_pem(ca_bundle_pem);
  if (!cas) return untrusted();
  store_ptr trust(X509_STORE_new());
  if (!trust) return untrusted();
  for (auto& ca : *cas) X509_STORE_add_cert(trust.get(), ca.get());
  unsigned long flags = X509_V_FLAG_X509_STRICT;
  for (const auto& text : crl_pems) {
    bio_ptr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_crl(trust.get(), crl);
      X509_CRL_free(crl);
      flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
    }
    ERR_clear_error();
  }
  store_ctx_ptr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), trust.get(), cert, nullptr) != 1) return untrusted();
  X509_STORE_CTX_set_flags(ctx.get(), flags);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_CLIENT);
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(now));
  const bool chained = X509_verify_cert(ctx.get()) == 1;
  ERR_clear_error();
  const uint32_t ext = X509_get_extension_flags(cert);
  const bool client = (ext & EXFLAG_XKUSAGE) && (X509_get_extended_key_usage(cert) & XKU_SSL_CLIENT);
  if (!chained || !client) return untrusted();
  return routing::system_certificate{id->oin, id->fingerprint_sha256};
}

result<std::shared_ptr<const routing::onboarding_services>> make_onboarding_services(
    const config::config& cfg, poort::clock& clock) {
  std::string bundle;
  std::vector<std::string> crls;
  if (!cfg.system.empty()) {
    const auto& l = cfg.system.front();
    auto text = read_file(l.client_ca_bundle, 4u << 20);
    if (!text) return text.error();
    bundle = std::move(*text);
    for (const auto& file : l.crl_files) {
      auto crl = read_file(file, 16u << 20);
      if (!crl) return crl.error();
      crls.push_back(std::move(*crl));
    }
  }
  auto s = std::make_shared<routing::onboarding_services>();
  s->verify_system_certificate =
      [bundle = std::move(bundle), crls = std::move(crls), &clock,
       allow_test_oins = cfg.allow_test_oins](std::string_view pem) -> result<routing::system_certificate> {
    if (bundle.empty()) return untrusted();
    return verify_system_certificate(pem, bundle, crls, clock.now(), allow_test_oins);
  };
  return std::shared_ptr<const routing::onboarding_services>(std::move(s));
}

auth::party_fallback registry_party_fallback(store::database& db, poort::clock& clock) {
  return [&db, &clock](const auth::peer_certificate& cert) -> std::optional<auth::party> {
    auto found = db.read([&](store::reader& r) {
      return store::find_connected_system(r, cert.oin, cert.fingerprint_sha256, store::day_of(clock.now()));
    });
    if (!found) {
      log::warn("party.registry_lookup_failed", {{"oin", cert.oin}, {"error", found.error().message()}});
      return std::nullopt;
    }
    if (!*found) return std::nullopt;
    return auth::party{(*found)->oin, (*found)->naam, auth::party_kind::municipal_system,
                       (*found)->gemeentecode};
  };
}

onboarding_jobs::onboarding_jobs(boost::asio::io_context& io, boost::asio::thread_pool& workers,
                                 store::database& db, poort::clock& clock, config_fn current_config,
                                 mail_sender send, std::chrono::milliseconds interval)
    : db_(db),
      clock_(clock),
      current_config_(std::move(current_config)),
      send_(std::move(send)),
      job_(io, workers, interval, [this] { run_once(); }) {}

void onboarding_jobs::run_once() {
  if (job_.stopped() || running_.exchange(true)) return;
  const auto cfg = current_config_();
  const config::email email = cfg ? cfg->email : config::email{};
  const sys_time now = clock_.now();
  auto connected =
      store::connect_due(db_, now, routing::queue_notices("onboarding.connect.scheduled", email, now));
  if (!connected)
    log::warn("onboarding.connect_due_failed", {{"error", connected.error().message()}});
  else
    for (const auto& code : *connected) log::info("onboarding.connected", {{"gemeentecode", code}});
  if (email.enabled) {
    const mail_sender send =
        send_ ? send_ : [&email, now](const store::email_message& m) { return send_mail(email, m, now); };
    if (auto sent = deliver_due_emails(db_, email, send, now); !sent)
      log::warn("email.outbox_failed", {{"error", sent.error().message()}});
  }
  running_ = false;
}

}  // namespace poort::daemon

#include "auth/peer.hpp"

#include "common/crypto.hpp"

namespace poort::auth {
namespace {

class category_impl final : public error_category {
 public:
  const char* name() const noexcept override { return "poort.auth"; }
  std::string message(int ev) const override { return std::string(reason_code(static_cast<error>(ev))); }
  error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<error>(ev)) {
      case error::ok: return make_error_condition(condition::ok);
      case error::no_certificate:
      case error::oin_missing:
      case error::oin_malformed:
      case error::unknown_party:
      case error::wrong_party_kind:
      case error::test_oin: return make_error_condition(condition::forbidden);
    }
    return make_error_condition(condition::internal);
  }
};

bool is_oin(std::string_view s) {
  if (s.size() != 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

const error_category& error_category_instance() noexcept {
  static const category_impl instance;
  return instance;
}

std::string_view reason_code(error e) noexcept {
  switch (e) {
    case error::ok: return "ok";
    case error::no_certificate: return "no_certificate";
    case error::oin_missing: return "oin_missing";
    case error::oin_malformed: return "oin_malformed";
    case error::unknown_party: return "unknown_party";
    case error::wrong_party_kind: return "wrong_party_kind";
    case error::test_oin: return "test_oin";
  }
  return "unknown";
}

std::string_view to_string(party_kind k) noexcept {
  switch (k) {
    case party_kind::institution: return "institution";
    case party_kind::municipal_system: return "municipal_system";
  }
  return "unknown";
}

result<peer_certificate> identify_certificate(X509* cert) {
  if (cert == nullptr) return make_error_code(error::no_certificate);
  peer_certificate out;
  out.oin = certificate_subject_serial_number(cert);
  if (out.oin.empty()) return make_error_code(error::oin_missing);
  if (!is_oin(out.oin)) return make_error_code(error::oin_malformed);
  out.subject_common_name = certificate_subject_common_name(cert);
  out.fingerprint_sha256 = certificate_fingerprint_sha256(cert);
  return out;
}

party_directory::party_directory(const std::vector<party>& parties, party_fallback fallback,
                                 bool allow_test_oins)
    : fallback_(std::move(fallback)), allow_test_oins_(allow_test_oins) {
  for (const auto& p : parties) by_oin_.emplace(p.oin, p);
}

const party* party_directory::find(std::string_view oin) const {
  auto it = by_oin_.find(std::string(oin));
  return it == by_oin_.end() ? nullptr : &it->second;
}

result<party> resolve_party(const party_directory& directory, const peer_certificate& cert) {
  if (!directory.allow_test_oins() && config::is_test_oin(cert.oin)) return make_error_code(error::test_oin);
  if (const party* p = directory.find(cert.oin)) return *p;
  if (directory.fallback())
    if (auto found = directory.fallback()(cert)) return std::move(*found);
  return make_error_code(error::unknown_party);
}

}  // namespace poort::auth

#include "saml/error.hpp"

#include <string>

namespace poort::saml {
namespace {

class saml_category_impl final : public error_category {
 public:
  const char* name() const noexcept override { return "poort.saml"; }
  std::string message(int ev) const override { return std::string{reason_code(static_cast<error>(ev))}; }
  error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<error>(ev)) {
      case error::ok: return make_error_condition(condition::ok);
      case error::too_large: return make_error_condition(condition::too_large);
      case error::doctype:
      case error::malformed:
      case error::artifact_invalid: return make_error_condition(condition::bad_request);
      case error::replay_cache_unavailable: return make_error_condition(condition::unavailable);
      case error::metadata_invalid:
      case error::metadata_expired:
      case error::key_invalid: return make_error_condition(condition::internal);
      default: return make_error_condition(condition::reauthenticate);
    }
  }
};

}  // namespace

const error_category& saml_category() noexcept {
  static const saml_category_impl instance;
  return instance;
}

std::string_view reason_code(error e) noexcept {
  switch (e) {
    case error::ok: return "ok";
    case error::too_large: return "too_large";
    case error::doctype: return "doctype";
    case error::malformed: return "malformed";
    case error::duplicate_id: return "duplicate_id";
    case error::signature_missing: return "signature_missing";
    case error::signature_profile: return "signature_profile";
    case error::signature_algorithm: return "signature_algorithm";
    case error::signature_invalid: return "signature_invalid";
    case error::untrusted_key: return "untrusted_key";
    case error::decryption_failed: return "decryption_failed";
    case error::status_not_success: return "status_not_success";
    case error::authn_failed: return "authn_failed";
    case error::assertion_count: return "assertion_count";
    case error::issuer_mismatch: return "issuer_mismatch";
    case error::audience_mismatch: return "audience_mismatch";
    case error::recipient_mismatch: return "recipient_mismatch";
    case error::bearer_missing: return "bearer_missing";
    case error::destination_mismatch: return "destination_mismatch";
    case error::in_response_to_unknown: return "in_response_to_unknown";
    case error::unsolicited: return "unsolicited";
    case error::expired: return "expired";
    case error::not_yet_valid: return "not_yet_valid";
    case error::assurance_too_low: return "assurance_too_low";
    case error::service_mismatch: return "service_mismatch";
    case error::legal_subject_missing: return "legal_subject_missing";
    case error::replayed: return "replayed";
    case error::replay_cache_unavailable: return "replay_cache_unavailable";
    case error::artifact_invalid: return "artifact_invalid";
    case error::metadata_invalid: return "metadata_invalid";
    case error::metadata_expired: return "metadata_expired";
    case error::key_invalid: return "key_invalid";
  }
  return "unknown";
}

}  // namespace poort::saml

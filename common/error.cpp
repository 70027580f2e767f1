#include "common/error.hpp"

namespace poort {
namespace {

class condition_category_impl final : public error_category {
 public:
  const char* name() const noexcept override { return "poort.condition"; }
  std::string message(int ev) const override {
    switch (static_cast<condition>(ev)) {
      case condition::ok: return "ok";
      case condition::reauthenticate: return "authentication required";
      case condition::bad_request: return "bad request";
      case condition::forbidden: return "forbidden";
      case condition::not_found: return "not found";
      case condition::conflict: return "conflict";
      case condition::too_large: return "too large";
      case condition::unprocessable: return "unprocessable";
      case condition::unavailable: return "unavailable";
      case condition::internal: return "internal error";
    }
    return "unknown condition";
  }
};

class common_category_impl final : public error_category {
 public:
  const char* name() const noexcept override { return "poort.common"; }
  std::string message(int ev) const override {
    switch (static_cast<common_error>(ev)) {
      case common_error::ok: return "ok";
      case common_error::invalid_argument: return "invalid argument";
      case common_error::io_error: return "i/o error";
      case common_error::crypto_error: return "cryptographic operation failed";
      case common_error::limit_exceeded: return "limit exceeded";
    }
    return "unknown error";
  }
  error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<common_error>(ev)) {
      case common_error::ok: return make_error_condition(condition::ok);
      case common_error::invalid_argument: return make_error_condition(condition::bad_request);
      case common_error::limit_exceeded: return make_error_condition(condition::too_large);
      case common_error::io_error: return make_error_condition(condition::unavailable);
      case common_error::crypto_error: return make_error_condition(condition::internal);
    }
    return make_error_condition(condition::internal);
  }
};

}  // namespace

const error_category& condition_category() noexcept {
  static const condition_category_impl instance;
  return instance;
}

const error_category& common_category() noexcept {
  static const common_category_impl instance;
  return instance;
}

int http_status(condition c) noexcept {
  switch (c) {
    case condition::ok: return 200;
    case condition::reauthenticate: return 401;
    case condition::bad_request: return 400;
    case condition::forbidden: return 403;
    case condition::not_found: return 404;
    case condition::conflict: return 409;
    case condition::too_large: return 413;
    case condition::unprocessable: return 422;
    case condition::unavailable: return 503;
    case condition::internal: return 500;
  }
  return 500;
}

condition condition_of(const error_code& ec) noexcept {
  if (!ec) return condition::ok;
  const error_condition cond = ec.default_error_condition();
  if (cond.category() == condition_category()) return static_cast<condition>(cond.value());
  return condition::internal;
}

}  // namespace poort

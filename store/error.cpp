#include "store/error.hpp"

namespace poort::store {
namespace {

class category_impl final : public error_category {
 public:
  const char* name() const noexcept override { return "poort.store"; }

  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::ok: return "ok";
      case error::busy: return "database is locked";
      case error::disk_full: return "database or disk is full";
      case error::read_only: return "database is read-only";
      case error::io_error: return "database i/o error";
      case error::closed: return "database is closed";
      case error::overloaded: return "too many transactions waiting";
      case error::schema_mismatch: return "database schema version mismatch";
      case error::audit_write_failed: return "audit record could not be written";
      case error::constraint: return "constraint violated";
      case error::too_big: return "value too big for the database";
      case error::invalid_argument: return "invalid argument";
      case error::corrupt: return "database is corrupt";
      case error::sqlite: return "database error";
      case error::internal: return "internal store error";
      case error::unknown_key: return "sealed under a data key id that is not in [data_keys]";
    }
    return "unknown store error";
  }

  error_condition default_error_condition(int ev) const noexcept override {
    switch (static_cast<error>(ev)) {
      case error::ok: return make_error_condition(condition::ok);
      case error::busy:
      case error::disk_full:
      case error::read_only:
      case error::io_error:
      case error::closed:
      case error::overloaded:
      case error::schema_mismatch:
      case error::audit_write_failed: return make_error_condition(condition::unavailable);
      case error::constraint: return make_error_condition(condition::conflict);
      case error::too_big: return make_error_condition(condition::too_large);
      case error::invalid_argument: return make_error_condition(condition::bad_request);
      case error::corrupt:
      case error::sqlite:
      case error::internal:
      case error::unknown_key: return make_error_condition(condition::internal);
    }
    return make_error_condition(condition::internal);
  }
};

}  // namespace

const error_category& category() noexcept {
  static const category_impl instance;
  return instance;
}

}  // namespace poort::store

#include "auth/user.hpp"

namespace poort::auth {

std::string_view to_string(role r) noexcept {
  switch (r) {
    case role::casework: return "casework";
    case role::signatory: return "signatory";
    case role::administrator: return "administrator";
  }
  return "unknown";
}

std::string user::actor() const { return "user:" + idp + ":" + pseudonym; }

}  // namespace poort::auth

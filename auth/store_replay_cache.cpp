#include "auth/store_replay_cache.hpp"

namespace poort::auth {

result<bool> store_replay_cache::insert_if_absent(std::string_view id, sys_time expires_at) {
  return store_->record_assertion_id(id, expires_at, clock_.now());
}

}  // namespace poort::auth

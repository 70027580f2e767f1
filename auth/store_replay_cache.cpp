#include "auth/store_replay_cache.hpp"

#include "store/login.hpp"

namespace poort::auth {

result<bool> store_replay_cache::insert_if_absent(std::string_view id, sys_time expires_at) {
  const sys_time now = clock_.now();
  bool fresh = false;
  auto ok = db_.write([&](store::transaction& tx) -> result<void> {
    auto recorded = store::record_assertion_id(tx, id, expires_at, now);
    if (!recorded) return recorded.error();
    fresh = *recorded;
    return {};
  });
  if (!ok) return {boost::system::in_place_error, ok.error()};
  return fresh;
}

}  // namespace poort::auth

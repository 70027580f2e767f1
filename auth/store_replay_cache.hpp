#pragma once
// The SAML replay cache of the daemon (DESIGN §3): assertion IDs in the
// store (table saml_assertions_seen, migration 3), so that a replay is
// refused across restarts and by every worker thread. It lives in auth/
// because store/ may not include saml/.
//
// Thread safety: may be called from several threads (the store's writer
// serialises the check-and-insert).

#include "common/clock.hpp"
#include "saml/replay_cache.hpp"
#include "store/database.hpp"

namespace poort::auth {

class store_replay_cache final : public saml::replay_cache {
 public:
  /// `db` and `clock` must outlive the cache.
  store_replay_cache(store::database& db, const clock& clock) : db_(db), clock_(clock) {}

  /// Success: true if `id` was new (now recorded durably until `expires_at`),
  /// false if it is a replay. Failure: the store's error (the caller refuses).
  /// REQUIRES: not called on the store's writer thread.
  result<bool> insert_if_absent(std::string_view id, sys_time expires_at) override;

 private:
  store::database& db_;
  const clock& clock_;
};

}  // namespace poort::auth

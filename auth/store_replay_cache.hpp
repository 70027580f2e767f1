#pragma once
// The SAML replay cache of the daemon (DESIGN §3): assertion IDs in the
// session store (auth/session_store.hpp `record_assertion_id`; in the SQLite
// store the table saml_assertions_seen, migration 3), so that a replay is
// refused across restarts and by every worker thread.
//
// Thread safety: may be called from several threads (the session store
// serialises the check-and-insert).

#include <memory>

#include "auth/session_store.hpp"
#include "common/clock.hpp"
#include "saml/replay_cache.hpp"

namespace poort::auth {

class store_replay_cache final : public saml::replay_cache {
 public:
  /// `clock` must outlive the cache. REQUIRES: `store` is not null.
  store_replay_cache(std::shared_ptr<session_store> store, const clock& clock)
      : store_(std::move(store)), clock_(clock) {}

  /// Success: true if `id` was new (now recorded durably until `expires_at`),
  /// false if it is a replay. Failure: the store's error (the caller refuses).
  /// REQUIRES: not called on the store's writer thread.
  result<bool> insert_if_absent(std::string_view id, sys_time expires_at) override;

 private:
  std::shared_ptr<session_store> store_;
  const clock& clock_;
};

}  // namespace poort::auth

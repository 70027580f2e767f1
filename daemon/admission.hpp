#pragma once
// Admission control of the listeners, free of sockets so that it can be tested
// on its own (tests/unit/daemon/admission_test.cpp):
//
//   rate_limiter          a token bucket per remote address (429 when empty)
//   connection_caps       open connections per listener and per address
//   identity_table        one immutable copy of a client certificate's
//                         identity, shared by all connections that present it
//   connection_registry   the live connections, and which of them have a
//                         deadline that has passed (the deadline sweep)
//
// Deadlines are stored time points (daemon/tls_stream.hpp): nothing here arms
// a timer. The server calls `connection_registry::sweep` every 100 ms with the
// injected clock's time (docs/performance.md).
//
// Thread safety: every class here may be used from several threads at once.

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/peer.hpp"
#include "common/clock.hpp"
#include "config/config.hpp"
#include "routing/metrics.hpp"

namespace poort::daemon {

/// Token buckets per address: `requests_per_second_per_address` tokens a
/// second, up to `burst_per_address` (0: twice the rate); a new address
/// starts with a full bucket. A rate of 0 allows everything.
class rate_limiter {
 public:
  explicit rate_limiter(const poort::clock& clock) : clock_(clock) {}
  /// Takes a token of `address`'s bucket; false when it has none.
  bool allow(const std::string& address, const config::limits& l);
  /// Addresses with a bucket. Full buckets are forgotten once more than
  /// `max_tracked` addresses have one.
  std::size_t tracked() const;
  static constexpr std::size_t max_tracked = 100'000;

 private:
  struct bucket {
    double tokens = 0;
    mono_time last;
  };
  const poort::clock& clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;  // guarded by mutex_
};

/// Open connections per listener (`max_connections`) and per remote address
/// of a listener's limits (`max_connections_per_address`, counted over all
/// listeners, as the address's slots are).
class connection_caps {
 public:
  explicit connection_caps(std::size_t listeners) : per_listener_(listeners, 0) {}
  /// Takes a slot for a connection from `address` on `listener`, or names the
  /// cap that refuses it (connection_limit, address_limit).
  /// REQUIRES: listener < the count given to the constructor.
  std::optional<routing::refusal> admit(std::size_t listener, const std::string& address,
                                        const config::limits& l);
  /// Gives back a slot taken by `admit`.
  void release(std::size_t listener, const std::string& address);
  std::size_t open_on(std::size_t listener) const;
  std::size_t open_from(const std::string& address) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::size_t> per_listener_;                     // guarded by mutex_
  std::unordered_map<std::string, std::size_t> per_address_;  // guarded by mutex_
};

/// The identities of client certificates by SHA-256 fingerprint, held weakly:
/// an identity lives as long as a connection uses it.
class identity_table {
 public:
  /// The copy of `cert`'s identity that the other connections presenting the
  /// same certificate hold, or a new one.
  std::shared_ptr<const auth::peer_certificate> share(auth::peer_certificate cert);
  /// Entries in the table (expired ones are dropped as it grows).
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<const auth::peer_certificate>> identities_;  // guarded
  std::size_t prune_at_ = 1024;  // guarded by mutex_
};

/// What the registry knows of a connection: a place in its list and whether
/// the deadline of its current phase has passed.
class tracked_connection {
 public:
  /// Any thread: has the deadline passed at `now`?
  virtual bool deadline_due(mono_time now) const = 0;

 protected:
  tracked_connection() = default;
  ~tracked_connection() = default;
  tracked_connection(const tracked_connection&) = delete;
  tracked_connection& operator=(const tracked_connection&) = delete;

 private:
  friend class connection_registry;
  tracked_connection* prev_ = nullptr;  // guarded by the registry's mutex
  tracked_connection* next_ = nullptr;
};

/// The live connections, as an intrusive list (no allocation per connection).
class connection_registry {
 public:
  /// Adds `c`. True when the sweep is not running: the caller starts it.
  /// REQUIRES: `c` is in no registry.
  bool add(tracked_connection& c);
  /// Removes `c`; true when the registry is now empty. REQUIRES: `c` was added.
  bool remove(tracked_connection& c);
  bool empty() const;
  /// Calls `f(tracked_connection&)` for each connection, under the lock (`f`
  /// must not call back into the registry).
  template <class F>
  void for_each(F f) {
    std::lock_guard lock(mutex_);
    for (tracked_connection* p = head_; p != nullptr; p = p->next_) f(*p);
  }
  /// One round of the sweep: calls `f` (under the lock) for each connection
  /// whose deadline has passed at `now`. False when there is no connection:
  /// the sweep stops, and the next `add` asks for it to be started again.
  template <class F>
  bool sweep(mono_time now, F f) {
    std::lock_guard lock(mutex_);
    if (head_ == nullptr) {
      sweeping_ = false;
      return false;
    }
    for (tracked_connection* p = head_; p != nullptr; p = p->next_)
      if (p->deadline_due(now)) f(*p);
    return true;
  }

 private:
  mutable std::mutex mutex_;
  tracked_connection* head_ = nullptr;  // guarded by mutex_
  bool sweeping_ = false;               // guarded by mutex_
};

}  // namespace poort::daemon

#pragma once
// An in-memory `auth::session_store` for auth's unit tests: the thing under
// test is auth's logic (session_manager, login_flow), so the store is a test
// double that keeps everything in maps and records what it was asked. The
// real implementation (auth/database_session_store.hpp) has its own tests
// against the SQLite store (session_test.cpp).
//
// `fail_with`, when set, makes every call fail with that error (the `_later`
// calls then do nothing), as a store that cannot be reached.
//
// Thread safety: one mutex around everything.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/session_store.hpp"

namespace poort::auth::test {

class memory_session_store final : public session_store {
 public:
  result<void> start_session(std::string_view previous_id_hash, sys_time now, sys_time idle_since,
                             const store::session_record& session,
                             const store::audit_record& audit) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return *fail_with;
    if (sessions.contains(session.id_hash)) return make_error_code(common_error::invalid_argument);
    if (!previous_id_hash.empty()) sessions.erase(std::string(previous_id_hash));
    std::erase_if(sessions, [&](const auto& kv) {
      return kv.second.expires_at <= now || kv.second.last_seen < idle_since;
    });
    sessions.emplace(session.id_hash, session);
    audits.push_back(audit);
    return {};
  }

  result<std::optional<store::session_record>> find_session(std::string_view id_hash) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return *fail_with;
    auto it = sessions.find(std::string(id_hash));
    if (it == sessions.end()) return std::optional<store::session_record>{};
    return std::optional<store::session_record>{it->second};
  }

  void touch_session_later(std::string_view id_hash, sys_time now) override {
    std::lock_guard lock{mutex_};
    ++touches;
    if (fail_with) return;
    if (auto it = sessions.find(std::string(id_hash)); it != sessions.end() && it->second.last_seen < now)
      it->second.last_seen = now;
  }

  void delete_session_later(std::string_view id_hash) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return;
    sessions.erase(std::string(id_hash));
  }

  result<bool> end_session(std::string_view id_hash, const store::audit_record& audit) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return {boost::system::in_place_error, *fail_with};
    if (sessions.erase(std::string(id_hash)) == 0) return false;
    audits.push_back(audit);
    return true;
  }

  result<bool> add_authn_request(const store::authn_request_record& request, sys_time expired_before,
                                 sys_time now, std::int64_t max_pending) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return {boost::system::in_place_error, *fail_with};
    std::erase_if(requests, [&](const auto& kv) { return kv.second.created_at < expired_before; });
    std::erase_if(assertion_ids, [&](const auto& kv) { return kv.second <= now; });
    if (static_cast<std::int64_t>(requests.size()) >= max_pending) return false;
    requests.emplace(request.request_id, request);
    return true;
  }

  result<std::optional<store::authn_request_record>> find_authn_request(
      std::string_view relay_state) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return *fail_with;
    for (const auto& [id, r] : requests)
      if (r.relay_state == relay_state) return std::optional<store::authn_request_record>{r};
    return std::optional<store::authn_request_record>{};
  }

  result<bool> consume_authn_request(std::string_view request_id, sys_time now,
                                     sys_time not_before) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return {boost::system::in_place_error, *fail_with};
    auto it = requests.find(std::string(request_id));
    if (it == requests.end() || it->second.consumed_at || it->second.created_at < not_before) return false;
    it->second.consumed_at = now;
    return true;
  }

  result<bool> record_assertion_id(std::string_view assertion_id, sys_time expires_at,
                                   sys_time now) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return {boost::system::in_place_error, *fail_with};
    auto [it, inserted] = assertion_ids.try_emplace(std::string(assertion_id), expires_at);
    if (inserted) return true;
    if (it->second > now) return false;
    it->second = expires_at;
    return true;
  }

  result<std::optional<std::string>> find_municipality(std::string_view kvk, std::string_view rsin,
                                                       sys_time) override {
    std::lock_guard lock{mutex_};
    if (fail_with) return *fail_with;
    if (auto it = by_kvk.find(std::string(kvk)); !kvk.empty() && it != by_kvk.end())
      return std::optional<std::string>{it->second};
    if (auto it = by_rsin.find(std::string(rsin)); !rsin.empty() && it != by_rsin.end())
      return std::optional<std::string>{it->second};
    return std::optional<std::string>{};
  }

  // What the store holds; tests read and set these directly (not while auth
  // calls the store from other threads).
  std::map<std::string, store::session_record> sessions;        ///< by id hash
  std::vector<store::audit_record> audits;                      ///< appended in order
  std::map<std::string, store::authn_request_record> requests;  ///< by request ID
  std::map<std::string, sys_time> assertion_ids;                ///< -> expires_at
  std::map<std::string, std::string> by_kvk, by_rsin;           ///< -> gemeentecode
  int touches = 0;                                              ///< touch_session_later calls
  std::optional<error_code> fail_with;

 private:
  std::mutex mutex_;
};

}  // namespace poort::auth::test

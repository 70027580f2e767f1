#include "auth/session.hpp"

#include <algorithm>

#include "common/crypto.hpp"
#include "common/encoding.hpp"

namespace poort::auth {
namespace {

class session_category_impl final : public error_category {
 public:
  const char* name() const noexcept override { return "poort.auth.session"; }
  std::string message(int ev) const override {
    return std::string(reason_code(static_cast<session_error>(ev)));
  }
  error_condition default_error_condition(int ev) const noexcept override {
    if (static_cast<session_error>(ev) == session_error::ok) return make_error_condition(condition::ok);
    return make_error_condition(condition::reauthenticate);
  }
};

constexpr std::size_t id_bytes = 32;
constexpr std::size_t id_chars = 43;  // base64url, unpadded

bool is_session_id(std::string_view id) noexcept {
  if (id.size() != id_chars) return false;
  return std::ranges::all_of(id, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::optional<role> parse_role(std::string_view s) {
  if (s == "casework") return role::casework;
  if (s == "signatory") return role::signatory;
  if (s == "administrator") return role::administrator;
  return std::nullopt;
}

user user_of(const store::session_record& s, role r) {
  user u;
  u.session_id_hash = s.id_hash;
  u.role = r;
  u.idp = s.idp;
  u.pseudonym = s.pseudonym;
  u.kvk = s.kvk;
  u.rsin = s.rsin;
  u.vestigingsnr = s.vestigingsnr;
  u.gemeentecode = s.gemeentecode;
  u.assertion_id = s.assertion_id;
  u.assurance = s.assurance;
  u.csrf_token = s.csrf_token;
  u.logged_in_at = s.created_at;
  return u;
}

}  // namespace

const error_category& session_category() noexcept {
  static const session_category_impl instance;
  return instance;
}

std::string_view reason_code(session_error e) noexcept {
  switch (e) {
    case session_error::ok: return "ok";
    case session_error::no_session: return "no_session";
    case session_error::cookie_invalid: return "cookie_invalid";
    case session_error::unknown_session: return "unknown_session";
    case session_error::idle_timeout: return "idle_timeout";
    case session_error::expired: return "expired";
  }
  return "unknown";
}

std::string_view find_session_cookie(std::string_view header) noexcept {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) pair.remove_prefix(1);
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) pair.remove_suffix(1);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == session_cookie_name) return pair.substr(eq + 1);
  }
  return {};
}

std::string session_set_cookie(std::string_view id) {
  return std::string(session_cookie_name) + "=" + std::string(id) +
         "; Path=/; Secure; HttpOnly; SameSite=Lax";
}

std::string session_clear_cookie() {
  return std::string(session_cookie_name) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax";
}

std::chrono::seconds session_manager::touch_interval() const noexcept {
  return std::min<std::chrono::seconds>(std::chrono::seconds{60}, timeouts_.idle_timeout / 10);
}

result<session_manager::started> session_manager::start(user who, std::string_view previous_id,
                                                        const store::audit_record& audit) const {
  const sys_time now = clock_.now();
  const std::string id = rng_.token(id_bytes);
  who.session_id_hash = sha256_hex(id);
  who.csrf_token = rng_.token(32);
  who.logged_in_at = std::chrono::time_point_cast<std::chrono::seconds>(now);

  store::session_record rec;
  rec.id_hash = who.session_id_hash;
  rec.role = std::string(to_string(who.role));
  rec.idp = who.idp;
  rec.pseudonym = who.pseudonym;
  rec.kvk = who.kvk;
  rec.rsin = who.rsin;
  rec.vestigingsnr = who.vestigingsnr;
  rec.gemeentecode = who.gemeentecode;
  rec.assertion_id = who.assertion_id;
  rec.assurance = who.assurance;
  rec.csrf_token = who.csrf_token;
  rec.created_at = who.logged_in_at;
  rec.last_seen = who.logged_in_at;
  rec.expires_at = who.logged_in_at + timeouts_.absolute_timeout;
  const std::string previous_hash = is_session_id(previous_id) ? sha256_hex(previous_id) : std::string{};

  auto ok = store_->start_session(previous_hash, now, now - timeouts_.idle_timeout, rec, audit);
  if (!ok) return ok.error();
  return started{id, std::move(who)};
}

result<user> session_manager::authenticate(std::string_view id) const {
  if (id.empty()) return session_error::no_session;
  if (!is_session_id(id)) return session_error::cookie_invalid;
  const std::string hash = sha256_hex(id);
  auto found = store_->find_session(hash);
  if (!found) return found.error();
  if (!*found) return session_error::unknown_session;
  const store::session_record& s = **found;
  const auto r = parse_role(s.role);
  if (!r) return session_error::unknown_session;

  const sys_time now = clock_.now();
  const bool expired = now >= s.expires_at;
  const bool idle = now - s.last_seen >= timeouts_.idle_timeout;
  if (expired || idle) {
    // Remove it now rather than at the next purge; nobody waits for this.
    store_->delete_session_later(hash);
    return expired ? session_error::expired : session_error::idle_timeout;
  }
  if (now - s.last_seen >= touch_interval()) store_->touch_session_later(hash, now);
  return user_of(s, *r);
}

result<void> session_manager::end(const user& who, const store::audit_record& audit) const {
  auto gone = store_->end_session(who.session_id_hash, audit);
  if (!gone) return gone.error();
  if (!*gone) return session_error::unknown_session;
  return {};
}

}  // namespace poort::auth

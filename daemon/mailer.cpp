#include "daemon/mailer.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "common/crypto.hpp"
#include "common/encoding.hpp"
#include "common/log.hpp"

namespace poort::daemon {
namespace {

using curl_ptr = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using slist_ptr = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

bool header_safe(std::string_view s) {
  return std::ranges::none_of(s, [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

bool ascii(std::string_view s) {
  return std::ranges::all_of(s, [](unsigned char c) { return c < 0x80; });
}

/// RFC 2047 B-encoding for a header value that is not plain ASCII.
std::string encode_header(std::string_view s) {
  if (ascii(s)) return std::string(s);
  return "=?UTF-8?B?" + base64_encode(s) + "?=";
}

/// Base64 in lines of 76 characters (RFC 2045).
std::string base64_lines(std::string_view body) {
  const std::string b = base64_encode(body);
  std::string out;
  for (std::size_t i = 0; i < b.size(); i += 76) {
    out += b.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

/// "Sun, 29 Nov 2026 21:37:05 +0000"
std::string rfc5322_date(sys_time t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_payload(char* out, std::size_t size, std::size_t count, void* user) {
  auto* u = static_cast<upload*>(user);
  const std::size_t n = std::min(size * count, u->data.size() - u->offset);
  std::memcpy(out, u->data.data() + u->offset, n);
  u->offset += n;
  return n;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

result<std::string> format_mail(const config::email& cfg, const store::email_message& m, sys_time now,
                                std::string_view message_id) {
  if (!header_safe(m.to) || !header_safe(cfg.from) || !header_safe(m.subject) || !header_safe(message_id) ||
      !ascii(m.to) || !ascii(cfg.from))
    return make_error_code(common_error::invalid_argument);
  std::string out;
  out += "Date: " + rfc5322_date(now) + "\r\n";
  out += "From: <" + cfg.from + ">\r\n";
  out += "To: <" + m.to + ">\r\n";
  out += "Subject: " + encode_header(m.subject) + "\r\n";
  out += "Message-ID: <" + std::string(message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "\r\n";
  out += base64_lines(m.body);
  return out;
}

result<void> send_mail(const config::email& cfg, const store::email_message& m, sys_time now) {
  global_init();
  const auto at = cfg.from.find('@');
  const std::string domain = at == std::string::npos ? "poort" : cfg.from.substr(at + 1);
  const std::string id =
      "poort." + std::to_string(m.id) + "." +
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()) +
      "@" + domain;
  auto text = format_mail(cfg, m, now, id);
  if (!text) return text.error();
  std::string password;
  if (!cfg.username.empty()) {
    auto file = read_file(cfg.password_file, 4096);
    if (!file) return make_error_code(common_error::invalid_argument);
    password = file->substr(0, file->find_first_of("\r\n"));
  }

  curl_ptr curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return make_error_code(common_error::io_error);
  CURL* c = curl.get();
  const std::string from = "<" + cfg.from + ">";
  slist_ptr rcpt(curl_slist_append(nullptr, ("<" + m.to + ">").c_str()), &curl_slist_free_all);
  upload payload{*text};
  char why[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, cfg.smtp_url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
  curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));  // STARTTLS or fail
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!cfg.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, cfg.ca_bundle.c_str());
  if (!cfg.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, cfg.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &read_payload);
  curl_easy_setopt(c, CURLOPT_READDATA, &payload);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(std::chrono::milliseconds(cfg.timeout).count()));
  curl_easy_setopt(
      c, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(std::min<std::int64_t>(10'000, std::chrono::milliseconds(cfg.timeout).count())));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, why);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    log::warn("email.send_failed", {{"id", m.id}, {"kind", m.kind}, {"curl", curl_easy_strerror(rc)}});
    return make_error_code(common_error::io_error);
  }
  return {};
}

result<std::size_t> deliver_due_emails(store::database& db, const config::email& cfg, const mail_sender& send,
                                       sys_time now, std::size_t batch) {
  auto due = db.read([&](store::reader& r) { return store::due_emails(r, now, batch); });
  if (!due) return due.error();
  std::size_t sent = 0;
  for (const auto& m : *due) {
    auto ok = send(m);
    result<void> recorded;
    if (ok) {
      ++sent;
      recorded = db.write([&](store::transaction& tx) { return store::mark_email_sent(tx, m.id, now); });
      log::info("email.sent", {{"id", m.id}, {"kind", m.kind}});
    } else {
      const auto attempts = m.attempts + 1;
      const bool give_up = attempts >= static_cast<std::int64_t>(cfg.max_attempts);
      auto delay = cfg.retry_interval * (std::int64_t{1} << std::min<std::int64_t>(attempts - 1, 20));
      delay = std::min<std::chrono::seconds>(delay, std::chrono::hours(1));
      recorded = db.write([&](store::transaction& tx) {
        return store::mark_email_failed(tx, m.id, ok.error().message(), now + delay, give_up, now);
      });
      if (give_up) log::error("email.given_up", {{"id", m.id}, {"kind", m.kind}, {"attempts", attempts}});
    }
    if (!recorded) return recorded.error();
  }
  return sent;
}

}  // namespace poort::daemon

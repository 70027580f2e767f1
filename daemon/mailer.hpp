#pragma once
// E-mail notices over SMTP with STARTTLS (libcurl), and the outbox worker
// step that sends what the onboarding transitions queued (routing/onboarding_notices.hpp).
//
// A failed send never affects the transition that queued it: the message
// stays in the outbox and is retried after `retry_interval`, doubling per
// attempt up to one hour, until `max_attempts`; then it is given up and
// logged (by id and kind, never the address or the text).
//
// Thread safety: `send_mail` is reentrant (one curl handle per call);
// `deliver_due_emails` may run on any thread, one at a time.

#include <functional>
#include <string>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "store/database.hpp"
#include "store/onboarding.hpp"

namespace poort::daemon {

/// The RFC 5322 message (CRLF lines; Subject RFC 2047-encoded, body base64,
/// UTF-8) that `send_mail` transmits, with Message-ID `<message_id>`. Failure: invalid_argument when an
/// address or the subject holds CR, LF or other control characters.
result<std::string> format_mail(const config::email& cfg, const store::email_message& m, sys_time now,
                                std::string_view message_id);

/// Sends one message through `cfg.smtp_url`, requiring STARTTLS and
/// verifying the relay's certificate (against `cfg.ca_bundle` when set), with
/// SMTP AUTH when `cfg.username` is set, within `cfg.timeout`.
/// Failure: invalid_argument (see format_mail, or an unreadable password
/// file), io_error (the relay refused or could not be reached; the curl
/// reason is logged).
result<void> send_mail(const config::email& cfg, const store::email_message& m, sys_time now);

using mail_sender = std::function<result<void>(const store::email_message&)>;

/// Sends up to `batch` due messages with `send`, recording each outcome in
/// the outbox. Success: the number sent. Failure: a store error.
result<std::size_t> deliver_due_emails(store::database& db, const config::email& cfg, const mail_sender& send,
                                       sys_time now, std::size_t batch = 20);

}  // namespace poort::daemon

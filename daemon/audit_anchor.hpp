#pragma once
// The audit chain's external anchor (store/audit.hpp, docs/security.md T6).
//
// poortd logs the chain head as one JSON line,
//
//   {"ts":"2026-11-30T07:00:00.000Z","level":"notice","event":"audit.anchor","seq":1234,"hash":"<64 hex>"}
//
// at start, every `audit_anchor_interval` and at clean shutdown. The line goes
// to stderr and so to the journal, outside the database file: someone who can
// rewrite the file but not the journal cannot make the chain match it again.
// `poortctl audit verify --anchors-from FILE` reads the lines back
// (`parse_audit_anchors`) and checks the chain against every one. The line is
// logged at `notice`, which no `[logging] level` drops (common/log.hpp).
//
// Thread safety: the functions are reentrant; `audit_anchor_timer` says its own.

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "daemon/periodic_job.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"

namespace poort::daemon {

/// How often poortd logs the head: what a rewrite of the file can hide is at
/// most the records of the last interval (plus those since the last start).
inline constexpr std::chrono::minutes audit_anchor_interval{10};

/// Lines longer than this in an anchors file are refused (journald splits
/// lines at 48 KiB by default, so a journal export never has one).
inline constexpr std::size_t max_anchor_file_line = 64 * 1024;
/// Distinct anchors accepted from one file (a year of 10-minute anchors is 52,560).
inline constexpr std::size_t max_anchor_file_anchors = 1'000'000;

/// Logs the head of `db`'s chain as `audit.anchor` (notice), or
/// `audit.anchor_failed` (warning, with the error) when it cannot be read.
void log_audit_anchor(store::database& db);

/// The same from the database file, read-only: for after `database::close`,
/// when the head includes every committed record.
void log_audit_anchor(const std::filesystem::path& database_file);

/// Logs an anchor (`log_audit_anchor`) on the worker pool at `start` and then
/// every `interval`, until `stop`. The timer runs on a strand of `io`.
/// Thread safety: `start` and `stop` may be called from any thread, not
/// concurrently with each other. `io`, `workers` and `db` outlive the object;
/// `io` stops (or runs the strand's last handler) before it is destroyed, and
/// the pool's join waits for an anchor in progress.
class audit_anchor_timer {
 public:
  audit_anchor_timer(boost::asio::io_context& io, boost::asio::thread_pool& workers, store::database& db,
                     std::chrono::milliseconds interval = audit_anchor_interval);

  /// Logs an anchor now (on the pool), and arms the timer.
  void start() { job_.start(); }
  /// Stops scheduling and cancels the timer; an anchor being logged finishes.
  void stop() { job_.stop(); }

 private:
  periodic_job job_;
};

/// Reads `in` line by line (a journal export: `journalctl -u poortd -o cat`,
/// or with the default format, where each line may carry a prefix before the
/// JSON object) and collects every `audit.anchor` line's {seq, hash}.
/// A line is an anchor line when it contains "audit.anchor" in quotes and,
/// from its first '{', is a JSON object whose "event" is "audit.anchor";
/// every other line is ignored.
/// Success: the distinct anchors, sorted by seq (possibly none).
/// Failure: a message naming the 1-based line, without the line's content:
/// a line containing "audit.anchor" in quotes that is not JSON, or an anchor
/// line without a non-negative integer "seq" and a well-formed "hash"
/// (`store::is_well_formed`); a line longer than `max_anchor_file_line`;
/// more than `max_anchor_file_anchors` distinct anchors; a read error.
std::expected<std::vector<store::audit_anchor>, std::string> parse_audit_anchors(std::istream& in);

}  // namespace poort::daemon

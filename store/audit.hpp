#pragma once
// The hash-chained audit log (DESIGN §6; BIO 8.15.01: log events with what,
// on what, outcome, from where, by whom and when).
//
// Every login, read, delivery, transition and admin action appends a record
// with `append_audit` inside the same `transaction` as the change it records:
// both commit or neither does, and a record that cannot be written fails the
// request (the work item fails even if its function ignores the error).
//
// Records carry identifiers only, never personal data: no BSN, no name, no
// information-sheet content (DESIGN §5). Every field is printable ASCII.
//
// The chain. Records are numbered seq = 1, 2, 3, ... Each stores prev_hash
// (the previous record's hash; 64 '0' characters for seq 1) and
//
//   hash = lower-case hex( SHA-256( encoding ) )
//
// where `encoding` is the ASCII line "poort-audit-v1\n" followed by nine
// length-prefixed fields, in this order:
//
//   seq, prev_hash, at, action, object, result, origin, actor, request_id
//
// each written as <decimal byte length> ":" <bytes> "\n", with seq in
// decimal without leading zeros and `at` as stored (RFC 3339 UTC with
// milliseconds, "2026-11-29T21:37:05.123Z"). Length prefixes make the
// encoding unambiguous whatever the fields contain. Changing a field, deleting
// or inserting a record, or reordering records breaks the chain at the first
// record affected; `verify_audit_chain` finds it.
//
// Person references (issue 14 item 6). A record that concerns a person
// (a delivery accepted, read, acknowledged, superseded, purged or pushed)
// carries `person_reference(version, bsn_index)`: "<version>:" + hex
// SHA-256("poort audit person\n" || the person's blind index under that
// index version) -- derived from the blind index, never from the BSN itself,
// and useless without the index key. The chain does not cover the reference
// itself but a commitment to it:
//
//   salt       = 16 random bytes, hex (stored beside the reference)
//   commitment = hex SHA-256( "poort-audit-person\n" || len:salt\n || len:reference\n )
//
// and such a record's hash uses the encoding "poort-audit-v2\n", the nine
// fields above and the commitment as a tenth (records without a reference
// keep "poort-audit-v1\n" and nine fields, so older chains verify as
// before). At the audit's retention `clear_audit_person_refs` empties the
// reference and the salt; the commitment stays, so every hash still matches.
// Without the salt the commitment cannot be tested against a guessed
// reference: once cleared, nothing links the record to the person. While the
// reference is there, `verify_audit_chain` also checks it against the
// commitment, so a changed reference breaks the chain at its record.
//
// Anchors. The chain alone cannot show that it was rewritten by someone with
// write access to the file: they can change a record and recompute every
// later hash, or delete the newest records, and the result links. An anchor is
// the chain head {seq, hash} (`audit_head`) written somewhere the file's
// writer cannot rewrite: poortd logs it to the journal as `audit.anchor`
// (daemon/audit_anchor.hpp). `verify_audit_chain` with anchors then also
// requires that record `seq` exists with exactly that hash. Since each hash
// covers the previous one, an anchor pins every record up to its seq: a
// rewrite of any of them, or a cut below the anchor, fails verification.
// Records after the newest anchor are covered only by the chain.
//
// Thread safety: the functions are reentrant; `append_audit` is serialised by
// the single writer.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/transaction.hpp"

namespace poort::store {

/// Who does something, for the audit record: the three fields that every
/// record of one request shares. routing::audit_identity_of derives it from a
/// request; the daemon's own jobs and poortctl name themselves.
struct audit_identity {
  /// Where the request came from: the client address ("203.0.113.5",
  /// "2001:db8::1"), "unknown" when the connection had none, or "internal"
  /// for the daemon's own jobs and poortctl.
  std::string origin;
  /// Who acted:
  ///   "party:<oin>"             a system certificate (a prison, a municipality's system)
  ///   "user:<idp>:<pseudonym>"  a portal user (auth::user::actor)
  ///   "anonymous"               nobody identified yet (a refused login)
  ///   "poortd", "poortctl"      the daemon's own jobs, the command-line tool
  /// with ";namens=gemeente:<gemeentecode>" appended when the act is on a
  /// municipality's behalf (reading or acknowledging its inbox).
  std::string actor;
  /// The request id that the log lines of the same request carry; may be empty.
  std::string request_id;
};

/// One audit event. Limits are in bytes; every field is printable ASCII.
struct audit_record {
  /// What was done: a fixed dotted name, e.g. "login", "delivery.create",
  /// "delivery.read", "application.sign", "admin.cohort.open". 1..64.
  std::string action;
  /// What it was done to, as a typed identifier: "bericht:<uuid>",
  /// "gemeente:GM0363", "cohort:<id>"; empty when there is none. 0..256.
  std::string object;
  /// The outcome: "success", or a refusal reason code such as
  /// "denied:not_connected" or "failed:signature". 1..64.
  std::string result;
  /// Where the request came from, as `audit_identity::origin` describes. 1..128.
  std::string origin;
  /// Who acted, as `audit_identity::actor` describes. 1..256.
  std::string actor;
  /// The request id that the log lines of the same request carry; may be
  /// empty. 0..64.
  std::string request_id;
  /// When, from the injected clock; stored with millisecond precision.
  sys_time at;
};

/// The record of `action` on `object` with `result`, by `who`, at `at`.
inline audit_record make_audit_record(std::string action, std::string object, std::string result,
                                      const audit_identity& who, sys_time at) {
  return {std::move(action), std::move(object), std::move(result), who.origin, who.actor, who.request_id, at};
}

/// An audit record as stored, with its place in the chain.
struct audit_entry {
  std::uint64_t seq = 0;
  audit_record record;
  std::string prev_hash;
  std::string hash;
  std::string person_ref;         ///< "" when none, or cleared at retention
  std::string person_commitment;  ///< "" when the record never had a reference
};

/// The person reference of a record about the person whose blind index
/// (store/data_key.hpp) under index version `index_version` is `bsn_index`.
/// REQUIRES: bsn_index not empty.
std::string person_reference(std::int64_t index_version, std::string_view bsn_index);

/// Appends `record` to the chain inside `tx`, with `person_ref` (from
/// `person_reference`; "" = the record concerns no person).
/// Success: the record's seq; it commits with the rest of `tx`.
/// Failure: audit_write_failed, for a field out of its limits or not
/// printable ASCII, or when SQLite refuses the insert (the underlying error is
/// logged). On failure `tx` is also marked failed (`transaction::fail`), so
/// the whole work item is rolled back and answered with audit_write_failed
/// even if the caller ignores this result.
result<std::uint64_t> append_audit(transaction& tx, const audit_record& record,
                                   std::string_view person_ref = {});

/// The newest records (at most `limit`, 1..max_audit_query_limit) whose person
/// reference is one of `refs` (a person's references under every index
/// version), newest first. Failure: invalid_argument, or a mapped SQLite error.
result<std::vector<audit_entry>> query_audit_by_person(reader& r, std::span<const std::string> refs,
                                                       std::size_t limit);

/// Records that still carry a person reference, per index version (the
/// number before ':' in the reference), ascending: an index key must stay in
/// [data_keys] until its references are cleared, or `poortctl audit search`
/// no longer finds them.
result<std::vector<std::pair<std::int64_t, std::int64_t>>> count_audit_person_refs(reader& r);

/// Clears the person reference and salt of every record made before
/// `before` (the audit's retention), and appends an "audit.person_refs.clear"
/// record (object "audit:<the newest seq cleared>"). The chain still verifies:
/// it covers the commitment, which stays.
/// Success: the number of records cleared. Failure: store errors.
result<std::size_t> clear_audit_person_refs(transaction& tx, sys_time before, const audit_identity& who,
                                            sys_time now);

/// A chain head as recorded outside the database: the newest record's seq
/// and hash, or seq 0 and the genesis hash (64 '0' characters) for an empty log.
struct audit_anchor {
  std::uint64_t seq = 0;
  std::string hash;  ///< 64 lower-case hex characters

  friend bool operator==(const audit_anchor&, const audit_anchor&) = default;
  friend auto operator<=>(const audit_anchor&, const audit_anchor&) = default;
};

/// True when `a.hash` is 64 lower-case hex characters, the genesis hash when
/// `a.seq` is 0, and `a.seq` fits a stored seq (at most INT64_MAX).
bool is_well_formed(const audit_anchor& a);

/// The head of the chain in `r`'s snapshot (one indexed row).
/// Failure: a mapped SQLite error.
result<audit_anchor> audit_head(reader& r);

/// The head of the chain in `database_file`, opened read-only (usable after
/// `database::close`, and while poortd writes).
/// Failure: io_error (no such file), or another mapped SQLite error.
result<audit_anchor> audit_head(const std::filesystem::path& database_file);

/// What `verify_audit_chain` found.
struct verify_report {
  bool ok = false;                             ///< the whole chain links, every hash and every anchor matches
  std::uint64_t records = 0;                   ///< records checked (up to the first bad one)
  std::uint64_t anchors = 0;                   ///< distinct anchors matched (when ok: all of them)
  std::optional<std::uint64_t> first_bad_seq;  ///< where the chain breaks, when !ok
  std::string reason;                          ///< what is wrong there, when !ok; never record content
};

/// Opens `database_file` read-only and walks the chain in seq order inside
/// one read transaction (safe while poortd writes). A record breaks the chain
/// when its seq is not the previous seq + 1 (a record was deleted or
/// inserted: first_bad_seq is the missing seq), when its prev_hash is not the
/// previous record's hash (reordered, inserted or re-hashed records), or when
/// its hash does not match its fields (an altered field).
/// In the same walk every anchor is checked (duplicates count once; anchors
/// may come in any order):
///   - record `anchor.seq` has a hash other than `anchor.hash`: the chain
///     breaks there (first_bad_seq = anchor.seq): that record or an earlier
///     one was rewritten and the chain re-hashed;
///   - the log ends before `anchor.seq`: the chain breaks at the first
///     missing record (first_bad_seq = the last seq + 1): the tail was cut.
/// An anchor with seq 0 names the empty log: it matches the genesis hash only.
/// The reason names the anchor's seq, never a record's content. The walk
/// stops at the first break.
/// Success: the report (ok or not). Failure: invalid_argument (an anchor not
/// `is_well_formed`), io_error (no such file), schema_mismatch (no audit_log
/// table), corrupt, or another mapped error.
result<verify_report> verify_audit_chain(const std::filesystem::path& database_file,
                                         std::span<const audit_anchor> anchors = {});

/// Filters for `query_audit`; empty / unset fields match everything.
/// The exact filters (action, actor, object) are backed by indexes
/// (migration 6), so a page costs its own rows whatever the log's size.
struct audit_filter {
  std::string actor;                        ///< exact match
  std::string object;                       ///< exact match
  std::string object_prefix;                ///< records whose object starts with this
  std::string action;                       ///< exact match
  std::optional<sys_time> from;             ///< at >= from
  std::optional<sys_time> until;            ///< at < until
  std::optional<std::uint64_t> before_seq;  ///< seq < before_seq (paging backwards)
  std::size_t limit = 100;                  ///< 1..max_audit_query_limit
};

constexpr std::size_t max_audit_query_limit = 1000;

/// The newest records matching `filter`, newest first.
/// Failure: invalid_argument (limit not in 1..max_audit_query_limit, or a
/// filter string longer than its field's limit), or a mapped SQLite error.
result<std::vector<audit_entry>> query_audit(reader& r, const audit_filter& filter);

}  // namespace poort::store

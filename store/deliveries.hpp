#pragma once
// Deliveries from prisons to municipalities, persisted (migration 5; issue 5).
//
// Tables:
//   leveringen           one row per accepted delivery: the receipt (berichtId,
//                        kind, sending institution's OIN, municipality, SHA-256
//                        of the body, time received) and the number of its
//                        inbox entry (`volgnummer`; migration 7), through
//                        which the entry is found by berichtId. Never deleted.
//   postvak              the municipality's inbox entry for that delivery: the
//                        message sealed under the data key (`inhoud`), the BSN
//                        blind index, read / acknowledged / superseded / purged
//                        state, and when the content must go (`wissen_na`).
//                        A purge empties `inhoud` and the blind index and
//                        leaves the row as a tombstone.
//   intrekkingen         every withdrawal of consent: blind indexes of the
//                        person and the consent record, the withdrawn
//                        conditions, and the two sealed (for rekey). Kept, so
//                        that later sheets under that consent keep failing,
//                        until `wissen_na` (migration 10): the latest purge
//                        time of the person's entries; then deleted
//                        (purge_expired_withdrawals).
//   uitgaande_berichten  the push outbox: one row per delivery to push; held
//                        (`vastgehouden_op`) while its municipality is not
//                        connected (begin_push).
//
// What the file holds in clear: identifiers (berichtId, OINs, CBS codes),
// kinds, versions, timestamps, release dates and reason codes; never a BSN,
// a name, or sheet content. Writers set `PRAGMA secure_delete` so that the
// pages of purged content are zeroed; `database_checkpoint_truncate` then
// empties the WAL (daemon/deliveries.cpp calls it after every purge).
//
// Every function that changes or reads personal data appends its audit
// record inside the same transaction (store/audit.hpp); the object is always
// "bericht:<berichtId>", never personal data; the actor carries on whose
// behalf ("party:<oin>;namens=gemeente:GMnnnn").
//
// Thread safety: free functions on a caller's reader/transaction.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "domain/delivery.hpp"
#include "store/audit.hpp"
#include "store/data_key.hpp"
#include "store/transaction.hpp"

namespace poort::store {

/// When content is purged (issue 5 §7).
enum class retention_basis {
  /// `retention` after the release date: a detention notification's own
  /// (EINDE: the event; else the expected release); for other messages the
  /// latest release date announced for the person in that municipality,
  /// which a later notification moves.
  release_date,
  acknowledgement,  ///< `retention` after the municipality acknowledged the message
};

struct delivery_settings {
  retention_basis basis = retention_basis::release_date;
  std::chrono::days retention{183};
  /// For messages about a person whose release date is unknown (and, with the
  /// acknowledgement basis, messages never acknowledged): after receipt.
  std::chrono::days retention_without_release{730};
};

/// A parsed, validated delivery as it arrived.
struct incoming_delivery {
  std::variant<domain::detentiemelding, domain::informatieblad, domain::intrekking> message;
  std::string sender_oin;
  std::string body_sha256;  ///< domain::body_sha256 of the exact body
  /// The OINs of the other prisons of the sender's organisation (party
  /// configuration): who may take over its sheets (domain::check_sheet_action).
  std::vector<std::string> sender_organisation{};

  domain::delivery_kind kind() const noexcept;
  const std::string& bericht_id() const;
  const std::string& gemeentecode() const;
};

/// A delivery with the work that needs no transaction already done, so that
/// the store's single writer does not spend its time on it: the message
/// sealed for the inbox and the person's blind index.
struct sealed_delivery {
  incoming_delivery incoming;
  std::string key_id;              ///< the data key that sealed `content`
  std::string content;             ///< the message (domain::to_json form), sealed as postvak inhoud
  std::string bsn_index;           ///< blind index of the person's BSN under the active index version
  std::int64_t index_version = 1;  ///< that version
};

/// Seals `d` under `key` (any thread).
/// Failure: crypto_error.
result<sealed_delivery> seal_delivery(const data_key& key, incoming_delivery d);

/// What the prison gets back: proof of durable receipt.
struct receipt {
  std::string bericht_id;
  domain::delivery_kind kind = domain::delivery_kind::detentiemelding;
  std::string received_at;  ///< RFC 3339 UTC with milliseconds
  std::string body_sha256;
};

struct delivery_outcome {
  enum class kind {
    created,   ///< stored now (201)
    replayed,  ///< the same berichtId and body again: the original receipt (200)
    refused,   ///< a rule refused it; nothing but the audit record is stored
  } what = kind::refused;
  receipt rec;  ///< created, replayed
  /// refused: a domain::error (municipality_unknown, not_connected, not_wanted,
  /// consent_missing / consent_withdrawn with `fields`, replacement_*,
  /// bericht_id_conflict, withdrawal_unmatched) or replacement_unknown below.
  error_code refusal;
  bool replacement_unknown = false;  ///< refused: `vervangt` names no sheet held for this municipality
  domain::validation_errors fields;  ///< refused on consent: every section, as a pointer
  bool push_queued = false;          ///< created: an outbox row was added
  std::vector<std::string> purged;   ///< created intrekking: sheets whose sections were purged
};

/// Applies every rule of issue 5 §2 and §3 to `d` inside `tx` and, when it
/// passes, stores the delivery, its inbox entry, its outbox entry (when the
/// municipality has a push endpoint and the message is deliverable to it) and
/// the audit record, all in `tx`. An intrekking also purges the withdrawn
/// sections of the person's earlier sheets wherever they are (audited per
/// sheet; a sheet that keeps sections lists the purged ones in
/// `inbox_entry::purged_sections`), and goes, instead of to the municipality
/// it names, to every municipality holding such a sheet, whatever its status,
/// each a notice of its own (domain::plan_withdrawal: its own receipt row and
/// inbox entry, pushed only when CONNECTED); one concerning no sheet held is
/// refused (withdrawal_unmatched). A newer sheet
/// marks the person's older sheets in that municipality superseded and purges
/// their content. Refusals are audited too ("denied:<reason>") and returned as
/// `refused`, so the refusal's record commits.
/// Failure: a store error (the caller answers 503/500; nothing is kept);
/// crypto_error when `d` was sealed under another key than `key`.
result<delivery_outcome> accept_delivery(transaction& tx, const data_key& key, const delivery_settings& s,
                                         const sealed_delivery& d, const audit_identity& who, sys_time now);

/// Status of a delivery for its sender (GET /api/v1/leveringen/{id}).
struct delivery_status {
  receipt rec;
  std::string sender_oin;
  std::string gemeentecode;
  /// "IN_POSTVAK", "DOORGESTUURD", "GELEZEN", "BEVESTIGD" or "GEWIST" (the
  /// furthest state reached; received is implied: nothing is visible before
  /// the atomic commit).
  std::string status;
  std::string pushed_at, read_at, acknowledged_at, purged_at;  ///< "" = not (yet)
};
result<std::optional<delivery_status>> find_delivery(reader& r, std::string_view bericht_id);

// --------------------------------------------------------------- inbox

/// A section purged from a sheet that is otherwise kept (issue 14): which,
/// when and why, so that the reader sees what was removed.
struct purged_section {
  domain::basisvoorwaarde section = domain::basisvoorwaarde::werk_en_inkomen;
  std::string purged_at;  ///< RFC 3339
  std::string reason;     ///< "INGETROKKEN"
  bool operator==(const purged_section&) const = default;
};

/// What tells a case worker who an entry is about (issue 17 item 3), opened
/// from the sealed content when the inbox is listed; never stored in clear.
struct inbox_summary {
  /// The person as the message names them; "" for an intrekking, which names
  /// the person by BSN only (the BSN is never part of a summary).
  std::string geslachtsnaam, voornamen;
  std::string geboortedatum;     ///< YYYY-MM-DD, or ""
  std::string melding_soort;     ///< detentiemelding: BEGIN, EINDE or VERLOF; else ""
  std::string gebeurtenisdatum;  ///< detentiemelding: the date of the event; else ""
  bool operator==(const inbox_summary&) const = default;
};

/// One inbox entry's metadata (no personal data), and, from `list_inbox`,
/// its summary.
struct inbox_entry {
  std::int64_t seq = 0;  ///< cursor order
  std::string bericht_id;
  domain::delivery_kind kind = domain::delivery_kind::detentiemelding;
  std::string sender_oin;
  std::string received_at;
  std::string read_at, acknowledged_at, superseded_by, purged_at;  ///< "" = not
  std::string purge_reason;                     ///< "", "BEWAARTERMIJN", "INGETROKKEN", "VERVANGEN"
  std::int64_t version = 0;                     ///< informatieblad versie, else 0
  std::vector<purged_section> purged_sections;  ///< informatieblad: sections withdrawn since, in order
  /// The entry's key date, a release date (YYYY-MM-DD): a detention
  /// notification's own (its expected release, or the event of an EINDE),
  /// else the latest one announced for the person in this municipality;
  /// "" when none is known or the content is gone. Filled by `list_inbox`.
  std::string release_date{};
  /// Who the entry is about; nullopt when the content is gone. Filled by
  /// `list_inbox`.
  std::optional<inbox_summary> summary{};
};

enum class inbox_order { newest_first, oldest_first };

struct inbox_filter {
  std::string gemeentecode;  ///< required
  std::optional<domain::delivery_kind> kind;
  bool unread_only = false;
  bool unacknowledged_only = false;
  /// Cursor: the entries after entry number `after_seq` in the list's order
  /// (older ones when newest first, newer ones when oldest first); 0 = from
  /// the start.
  std::int64_t after_seq = 0;
  std::size_t limit = 50;  ///< 1..max_inbox_page
  inbox_order order = inbox_order::newest_first;
  /// Only the entries about the person with this BSN (a search: found
  /// through the blind index, so entries whose content is gone are not
  /// found). The BSN is never stored, logged or audited.
  std::optional<std::string> bsn{};
  /// Only the entries received on or after / on or before these days (UTC).
  std::optional<domain::date> received_from{}, received_until{};
};
inline constexpr std::size_t max_inbox_page = 200;

/// The municipality's entries matching `f`, newest first unless `f.order`
/// says otherwise, each with its summary and release date opened under
/// `key` (at most max_inbox_page contents per call). The listing is audited
/// in `tx` as who saw which list (NEN 7513): one "inbox.list" record whose
/// object is "postvak:<gemeentecode>" followed by the filter, the number of
/// entries and the first and last berichtId shown
/// (";soort=INFORMATIEBLAD;ongelezen;zoek=bsn;aantal=25;eerste=<id>;laatste=<id>"),
/// never the BSN; if the record cannot be written, nothing is listed.
/// Failure: invalid_argument (limit out of range, no gemeentecode),
/// crypto_error when a content does not open under `key`, or a store error.
result<std::vector<inbox_entry>> list_inbox(transaction& tx, const data_key& key, const inbox_filter& f,
                                            const audit_identity& who, sys_time now);

/// An entry with its content: the message's JSON (domain::to_json form) or
/// nullopt once purged.
struct inbox_message {
  inbox_entry entry;
  std::optional<std::string> content_json;
  /// informatieblad with content: the basic conditions whose consent the
  /// person withdrew under this sheet's consent record (at any time, also
  /// before this sheet was sent; a purge also takes them out of the sheet's
  /// own `toestemming`), so that the reader can tell a section missing for
  /// lack of consent from one withdrawn (issue 17 item 4). In the order of
  /// domain::all_basisvoorwaarden.
  std::vector<domain::basisvoorwaarde> withdrawn{};
};

/// Reads the entry `bericht_id` of `gemeentecode`: marks it read the first
/// time, and appends a "delivery.read" audit record. nullopt when there is no
/// such entry for this municipality (another municipality's message looks the
/// same as none). Failure: store errors; crypto_error when the content does
/// not open under `key` (another key: run `poortctl rekey`).
result<std::optional<inbox_message>> read_message(transaction& tx, const data_key& key,
                                                  std::string_view gemeentecode, std::string_view bericht_id,
                                                  const audit_identity& who, sys_time now);

/// Acknowledges receipt (idempotent: the first time counts), audited as
/// "delivery.acknowledge"; with the acknowledgement basis, the content is due
/// for purging `s.retention` later. nullopt as for `read_message`.
result<std::optional<inbox_entry>> acknowledge_message(transaction& tx, const delivery_settings& s,
                                                       std::string_view gemeentecode,
                                                       std::string_view bericht_id, const audit_identity& who,
                                                       sys_time now);

// --------------------------------------------------------------- push outbox

struct outbox_item {
  std::string bericht_id;
  std::string gemeentecode;
  std::string endpoint;
  std::string status;  ///< "WACHTEND", "AFGELEVERD", "OPGEGEVEN", "VERVALLEN"
  std::int64_t attempts = 0;
  std::string next_attempt_at;
  std::string last_error;  ///< a reason code, never content
  std::string created_at;
  std::string delivered_at;
  std::string held_at;  ///< WACHTEND but held since then (begin_push); "" = not held
};

/// Pending items whose next attempt is due at `now`, oldest first.
result<std::vector<outbox_item>> due_outbox(reader& r, sys_time now, std::size_t limit);
/// Items with `status` ("" = all), newest first (administrators).
result<std::vector<outbox_item>> list_outbox(reader& r, std::string_view status, std::size_t limit);
/// Counts per status, for /metrics.
struct outbox_counts {
  std::int64_t pending = 0, delivered = 0, gave_up = 0, obsolete = 0;
  std::int64_t held = 0;  ///< of `pending`: held for a municipality that is not connected
};
result<outbox_counts> count_outbox(reader& r);

/// The JSON pushed for `bericht_id` (the same object as GET
/// /api/v1/berichten/{id} returns), or nullopt when the content is gone.
result<std::optional<std::string>> push_payload(reader& r, const data_key& key, std::string_view bericht_id);

/// What `begin_push` decided.
enum class push_start {
  send,         ///< audited as "delivery.push.attempt" "started": send it now
  held,         ///< the municipality is not connected: not sent (audited once, when first held)
  not_pending,  ///< no such item, or it is no longer WACHTEND: nothing to do
};

/// Run before every push attempt, in its own transaction, before any byte
/// leaves (issue 14 items 4 and 6). Looks up the item's municipality in the
/// registry valid on `now`:
///   - CONNECTED with a push endpoint: appends "delivery.push.attempt"
///     "started" (and, when the item was held, clears the hold with
///     "delivery.push.resume" "success"); answers `send`. The caller sends
///     only after this transaction committed: if the record cannot be
///     written, nothing is sent.
///   - anything else (SUSPENDED, DISCONNECTED, no record valid today, no
///     endpoint): the item is held, not sent; its next look is at
///     `recheck_at`. The first time it is held it is audited as
///     "delivery.push.hold" "held:<reason>" (reason: suspended,
///     disconnected, not_in_registry, not_connected, no_endpoint) and
///     `last_error` says "held:<reason>"; later looks while it stays held
///     write nothing to the audit log.
/// A held item's content is purged with the rest when its retention passes;
/// the worker then marks it VERVALLEN (`record_push_obsolete`).
/// Failure: a store error (audit_write_failed included): send nothing.
result<push_start> begin_push(transaction& tx, std::string_view bericht_id, const audit_identity& who,
                              sys_time now, sys_time recheck_at);

/// The push was accepted by the receiver: AFGELEVERD, audited as
/// "delivery.push" (a transfer of personal data).
result<void> record_push_delivered(transaction& tx, std::string_view bericht_id, const audit_identity& who,
                                   sys_time now);
/// The push failed with `reason`: the next attempt at `next_attempt`, or
/// OPGEGEVEN when `give_up` (audited as "delivery.push" "failed:gave_up").
result<void> record_push_failed(transaction& tx, std::string_view bericht_id, std::string_view reason,
                                sys_time next_attempt, bool give_up, const audit_identity& who, sys_time now);
/// The content was purged before it could be pushed: VERVALLEN.
result<void> record_push_obsolete(transaction& tx, std::string_view bericht_id, sys_time now);

/// What an administrator's request for a new push attempt found.
struct requeue_outcome {
  enum class kind {
    requeued,          ///< OPGEGEVEN -> WACHTEND, due now
    not_found,         ///< no outbox item with this berichtId
    not_given_up,      ///< the item is not OPGEGEVEN (still waiting, delivered, or obsolete)
    not_connected,     ///< the municipality is no longer CONNECTED
    no_endpoint,       ///< the municipality no longer has a push endpoint
    endpoint_invalid,  ///< its stored endpoint is not a valid_push_endpoint (an older value)
  } what = kind::not_found;
  outbox_item item;  ///< the item after the request (all but not_found)
};
/// Puts a push that gave up (OPGEGEVEN) back in the queue, due at `now`, to
/// the municipality's current push endpoint, provided the municipality is
/// still CONNECTED and has one that is a valid_push_endpoint (a stored value
/// from before that rule is refused: it would only fail again). The item
/// keeps its creation time, so the worker makes one new attempt: if that
/// fails too, it gives up again.
/// Audited as "delivery.push.requeue" "success" or "denied:<reason>" (all
/// outcomes but not_found, whose record names the id all the same).
/// Failure: a store error.
result<requeue_outcome> requeue_push(transaction& tx, std::string_view bericht_id, const audit_identity& who,
                                     sys_time now);

// --------------------------------------------------------------- retention

struct purge_candidate {
  std::string bericht_id;
  std::string gemeentecode;
  domain::delivery_kind kind = domain::delivery_kind::detentiemelding;
  std::string purge_after;  ///< RFC 3339
};
/// Entries whose content is due for purging at `now`, earliest first.
result<std::vector<purge_candidate>> purge_candidates(reader& r, sys_time now, std::size_t limit);
/// Purges the content of every due entry (at most `limit`), each audited as
/// "delivery.purge" "success"; the rows stay as tombstones (no content, no
/// blind index). A push still waiting or held for a purged entry becomes
/// VERVALLEN ("content_purged").
/// Success: the berichtIds purged.
result<std::vector<std::string>> purge_expired(transaction& tx, sys_time now, const audit_identity& who,
                                               std::size_t limit);
/// Deletes the withdrawal records (intrekkingen: the blind indexes of the
/// person and the consent id, and both sealed) whose purge time has passed
/// (at most `limit`): the latest purge time of the person's entries when
/// the withdrawal came, moved later with them (issue 14 item 5). Each is
/// audited as "delivery.withdrawal.purge" "success" on "bericht:<id>"; the
/// receipt (leveringen) and the notices' inbox tombstones stay, without
/// personal data. After this, a sheet under that consent is no longer
/// refused for it: by then everything about the person is gone too.
/// Success: how many were deleted.
result<std::size_t> purge_expired_withdrawals(transaction& tx, sys_time now, const audit_identity& who,
                                              std::size_t limit);
/// What a purge at `now` would remove, per table (`poortctl purge --dry-run`).
struct purge_counts {
  std::int64_t postvak = 0;              ///< inbox entries whose content and blind index go
  std::int64_t intrekkingen = 0;         ///< withdrawal records deleted
  std::int64_t uitgaande_berichten = 0;  ///< waiting or held pushes that become VERVALLEN
};
result<purge_counts> count_purge_due(reader& r, sys_time now);

// --------------------------------------------------------------- rekey

/// Where a rekey is: the last postvak volgnummer and intrekkingen rowid
/// looked at. A fresh cursor starts at the beginning; since rows already
/// under the active key and index version are never selected, a rekey that
/// was killed simply starts again (nothing is done twice).
struct rekey_cursor {
  std::int64_t postvak = 0;
  std::int64_t intrekkingen = 0;
  bool done = false;  ///< both tables walked to the end
};

/// Moves at most `limit` rows after `cursor` that are not under the ring's
/// active key and index version: re-seals their content under the active
/// key, recomputes their blind indexes under the active index version
/// (tombstones only get the new key id and version), and advances `cursor`.
/// Appends one "data_key.rekey" audit record when it moved anything. Meant
/// for one short transaction per batch, so that poortd's deliveries keep
/// flowing between them.
/// Success: the number of rows moved. Failure: unknown_key (a row sealed under
/// a key id that is not in the ring), crypto_error (a value does not open),
/// corrupt, or a store error.
result<std::size_t> rekey_batch(transaction& tx, const data_key& key, rekey_cursor& cursor, std::size_t limit,
                                const audit_identity& who, sys_time now);

/// Rows holding sealed data (postvak entries with content, withdrawals) per
/// table, key id and blind-index version: what /metrics shows and what a
/// rekey reports as left under old keys.
struct key_usage {
  std::string table;  ///< "postvak" or "intrekkingen"
  std::string key_id;
  std::int64_t index_version = 1;
  std::int64_t rows = 0;
};
result<std::vector<key_usage>> count_rows_by_key(reader& r);

/// The rows of `usage` that `key` cannot serve: a key id or an index version
/// not in the ring (poortd refuses to start on them).
std::vector<key_usage> usage_outside_ring(const data_key& key, const std::vector<key_usage>& usage);

/// Runs PRAGMA wal_checkpoint(TRUNCATE) on a connection of its own, so that
/// purged content leaves the WAL too. Waits (busy timeout) for readers.
/// Failure: busy (readers kept the WAL), or another mapped SQLite error.
result<void> database_checkpoint_truncate(const std::filesystem::path& database_file,
                                          std::chrono::milliseconds busy_timeout);

}  // namespace poort::store

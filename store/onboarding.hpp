#pragma once
// Persistence of onboarding (migration 4): cohorts, the published connection
// conditions, the onboarding state of each municipality with its signatures
// and reviews, and the outbox of e-mail notices.
//
// The rules live in domain/onboarding.hpp. The pattern of every transition:
//
//   db.write([&](transaction& tx) -> result<void> {
//     auto m = find the municipality; auto before = load_onboarding(tx, m->id);
//     auto after = domain::<transition>(before, ...);       // pure
//     if (!after) -> append_audit(... "denied:<CODE>") and report the refusal
//     save_onboarding(tx, *m, before, *after, now);         // state + registry status
//     append_audit(tx, ...);                                // same transaction
//   });
//
// `run_transition` below does exactly that for the transitions of one
// municipality, so that routes and the scheduler share it.
//
// Thread safety: free functions on a caller's reader/transaction; the
// database serialises writers.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "domain/onboarding.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"
#include "store/registry.hpp"
#include "store/transaction.hpp"

namespace poort::store {

// --- cohorts ---------------------------------------------------------------

/// Inserts a new cohort. Failure: constraint (the id exists), or a mapped error.
result<void> insert_cohort(transaction& tx, const domain::cohort& c, sys_time now);
/// Writes settings, `closed_early` and `registered` of an existing cohort.
/// Failure: invalid_argument (no such cohort), constraint, or a mapped error.
result<void> update_cohort(transaction& tx, const domain::cohort& c, sys_time now);
result<std::optional<domain::cohort>> find_cohort(reader& r, std::string_view id);
/// Every cohort, newest registration window first.
result<std::vector<domain::cohort>> list_cohorts(reader& r);

// --- connection conditions ----------------------------------------------------

struct conditions_text {
  domain::conditions_document document;
  std::string text;
  sys_time published_at;
};

inline constexpr std::size_t max_conditions_bytes = 1024 * 1024;
inline constexpr std::size_t max_conditions_version_chars = 64;

/// Publishes `text` (UTF-8, 1 byte..max_conditions_bytes) as `version`
/// (1..64 of [A-Za-z0-9._-]); it becomes the current version.
/// Failure: invalid_argument (bad version or text), constraint (the version
/// or the same text was published before), or a mapped error.
result<domain::conditions_document> add_conditions(transaction& tx, std::string_view version,
                                                   std::string_view text, sys_time now);
/// The newest published version, if any.
result<std::optional<conditions_text>> current_conditions(reader& r);
result<std::optional<conditions_text>> find_conditions(reader& r, std::string_view version);
/// Every version, newest first, without the texts.
result<std::vector<conditions_text>> list_conditions(reader& r);

// --- onboarding state ---------------------------------------------------------

/// The state of municipality `gemeente_id` (NOT_REGISTERED when it has no row).
/// Failure: corrupt (a stored value does not parse), or a mapped error.
result<domain::onboarding> load_onboarding(reader& r, std::int64_t gemeente_id);

/// Writes `after` for `m` (inserting the row on registration), records a new
/// signature or review in their history tables, marks a voided signature,
/// and mirrors the status into the registry (gemeenten.status) and, when the
/// application changed, its delivery preferences (wil_*, push_endpoint,
/// systeem_certificaat_sha256; later changed in store/settings.hpp).
/// `before` is what load_onboarding returned in the same transaction.
result<void> save_onboarding(transaction& tx, const municipality_record& m, const domain::onboarding& before,
                             const domain::onboarding& after, sys_time now);

/// The municipality's domain view (code, name, OIN, KvK, RSIN).
domain::municipality to_domain(const municipality_record& m);

/// What a transition did.
struct transition_outcome {
  /// The domain refusal (a domain::error), or empty on success. A refusal is
  /// still committed: its audit record says "denied:<CODE>".
  error_code refusal;
  municipality_record municipality;  ///< as before the change
  domain::onboarding before;
  domain::onboarding after;  ///< == before when refused
};

/// Computes the new state from the current one; a domain error is a refusal.
/// It may read (in the same transaction) what else it needs, e.g. the cohort.
using transition_fn =
    std::function<result<domain::onboarding>(reader&, const municipality_record&, const domain::onboarding&)>;
/// Called after a successful transition inside the same transaction (e.g. to
/// queue an e-mail notice); its failure fails the whole change.
using after_fn = std::function<result<void>(transaction&, const transition_outcome&)>;

/// Loads the municipality valid today with `gemeentecode` and its state,
/// applies `fn`, saves the result and appends the audit record
/// (action, object "gemeente:<code>", "success" or "denied:<CODE>") in one
/// transaction. Failure: invalid_argument when the municipality is unknown
/// (nothing written); a store error (nothing written).
result<transition_outcome> run_transition(database& db, std::string_view gemeentecode,
                                          std::string_view action, const audit_identity& who, sys_time now,
                                          const transition_fn& fn, const after_fn& after = {});

/// What a cohort change did.
struct cohort_outcome {
  bool missing = false;   ///< no cohort with that id (nothing written)
  error_code refusal;     ///< the domain refusal, committed with its "denied:<CODE>" record
  domain::cohort cohort;  ///< the cohort as saved, on success
};
/// Computes the new cohort from the existing one (null when creating).
using cohort_fn = std::function<result<domain::cohort>(const domain::cohort* existing)>;
/// Creates (`create`: cohort `id` must be new) or changes cohort `id` through
/// `fn`, saves it and appends the audit record (action, "cohort:<id>",
/// "success" or "denied:<CODE>"), in one transaction. The portal's cohort
/// routes and `poortctl cohort` share it.
/// Failure: a store error, or a non-domain error of `fn` (nothing written).
result<cohort_outcome> run_cohort_change(database& db, std::string_view id, std::string_view action,
                                         bool create, const audit_identity& who, sys_time now,
                                         const cohort_fn& fn);

/// What a registration did; `cohort_missing` when there is no cohort with
/// that id (nothing written then).
struct registration_outcome : transition_outcome {
  bool cohort_missing = false;
};
/// Registers municipality `gemeentecode` in cohort `cohort_id`
/// (domain::register_municipality), counts it in the cohort and appends the
/// audit record "onboarding.register", in one transaction.
/// Failure as run_transition.
result<registration_outcome> run_registration(database& db, std::string_view gemeentecode,
                                              std::string_view cohort_id, const domain::actor& by,
                                              const audit_identity& who, sys_time now,
                                              const after_fn& after = {});

/// Connects every APPROVED municipality whose cohort's connection date has
/// come (domain::connect_on_schedule), each in its own transaction with the
/// audit record "onboarding.connect.scheduled" by "poortd".
/// Success: the gemeentecodes connected. Failure: the first store error (the
/// ones before it stay connected).
result<std::vector<std::string>> connect_due(database& db, sys_time now, const after_fn& after = {});

/// The connected municipality whose registry OIN is `oin` and whose system
/// certificate fingerprint is `fingerprint_sha256`, valid on `day`.
result<std::optional<municipality_record>> find_connected_system(reader& r, std::string_view oin,
                                                                 std::string_view fingerprint_sha256,
                                                                 std::string_view day);

// --- e-mail outbox --------------------------------------------------------------

struct email_message {
  std::int64_t id = 0;
  std::string kind;  ///< "registration_received", "application_needs_signing", ...
  std::string to;
  std::string subject;
  std::string body;
  std::int64_t attempts = 0;
};

/// Queues a message, due now. Failure: invalid_argument (a field outside the
/// table's limits), or a mapped error.
result<void> enqueue_email(transaction& tx, const email_message& m, sys_time now);
/// Up to `limit` unsent messages due at `now`, oldest first.
result<std::vector<email_message>> due_emails(reader& r, sys_time now, std::size_t limit);
result<void> mark_email_sent(transaction& tx, std::int64_t id, sys_time now);
/// Records a failed attempt: due again at `retry_at`, or given up when
/// `give_up` (`error` is a short reason code, no personal data).
result<void> mark_email_failed(transaction& tx, std::int64_t id, std::string_view error, sys_time retry_at,
                               bool give_up, sys_time now);

}  // namespace poort::store

#pragma once
// poortctl commands of the deliveries area (issue 5):
//
//   poortctl purge [--config FILE] [--dry-run]
//       purge the content of every message whose retention has passed (as
//       poortd does every [deliveries] purge_interval_s); with --dry-run,
//       list what would go (berichtId, gemeentecode, kind, due time) and
//       change nothing. Tombstones and the audit trail stay.
//   poortctl rekey [--config FILE] [--batch N] [--pause-ms N]
//       move everything not yet under the active data key and blind-index
//       version of the key ring ([data_keys]: the old keys listed beside the
//       new active one) to them: re-seal, recompute the blind indexes. Runs
//       while poortd serves: N rows per short transaction (default 200),
//       each batch audited, progress printed per batch, a pause between
//       batches (default 10 ms). Killed, it is simply run again: a row already
//       moved is not selected. At the end it prints what is left under each
//       older key id and index version (nothing, unless rows were added by
//       a poortd that runs on an older configuration) and how many audit
//       person references each index version still has.
//       Rotation: list the new key and a new index key in [data_keys] with
//       the old ones kept, make the new ones active, restart poortd, run
//       rekey; remove an old key once nothing is left under it (and, for an
//       index version, once its audit references are cleared).
//   poortctl audit search --bsn [--config FILE] [--limit N]
//       reads one BSN from stdin (never from the command line), computes its
//       blind index under every index version of the ring, and prints the
//       audit records that concern that person: when, action, object,
//       outcome, who (with on whose behalf) and from where; newest first.
//   poortctl audit clear-person-refs --older-than-days N [--config FILE]
//       clears the person reference of every audit record older than N days
//       (the audit's retention); the chain still verifies (store/audit.hpp).
//
// Both return 0 on success, 1 on failure, 2 on a usage error; they print to
// `out` / `err` and never print personal data.

#include <istream>
#include <ostream>
#include <span>
#include <string_view>

namespace poort::poortctl {

int purge_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
int rekey_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
/// `in` gives the BSN.
int audit_search_main(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
                      std::ostream& err);
int audit_clear_refs_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace poort::poortctl

#pragma once
// poortctl commands of the deliveries area (issue 5):
//
//   poortctl purge [--config FILE] [--dry-run]
//       purge the content of every message whose retention has passed (as
//       poortd does every [deliveries] purge_interval_s); with --dry-run,
//       list what would go (berichtId, gemeentecode, kind, due time) and
//       change nothing. Tombstones and the audit trail stay.
//   poortctl rekey --old-key-file FILE --old-key-id ID [--config FILE]
//       re-encrypt everything sealed under the old data key with the key
//       that the config now names ([data_keys] or the systemd credential),
//       and recompute the blind indexes; one transaction, audited.
//       Rotation: stop poortd, point [data_keys] at the new key (new key_id),
//       run rekey with the old key, start poortd.
//
// Both return 0 on success, 1 on failure, 2 on a usage error; they print to
// `out` / `err` and never print personal data.

#include <ostream>
#include <span>
#include <string_view>

namespace poort::poortctl {

int purge_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);
int rekey_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace poort::poortctl

#pragma once
// Online backup of the database file (`poortctl backup`).
//
// `backup_database` copies the live database, while poortd keeps writing, into
// a new file: `VACUUM INTO` inside one read transaction, so the copy is one
// consistent snapshot (every commit acknowledged before the copy began, none
// after). Only live rows are copied: content purged before the backup is not in
// it, and the copy has no free pages. The copy is then converted to a single
// self-contained file (journal_mode=DELETE), checked (PRAGMA integrity_check,
// the audit chain) and made durable (fsync of file and directory) before it
// gets its name; a file at `target` is therefore always complete and checked.
//
// The copy holds what the database holds: personal data stays encrypted under
// the data key, which is not in the file (store/data_key.hpp); keep the key's
// backup apart from the database's.
//
// Restore: stop poortd, move the backup to the configured store.database
// (removing any -wal and -shm files beside the old one), `poortctl migrate`,
// start poortd. poortd's audit.anchor lines logged after the backup name records
// the restored file does not have: `poortctl audit verify --anchors-from`
// then reports them as missing, which is what happened.
//
// Thread safety: reentrant; any number of backups may run beside poortd.

#include <cstdint>
#include <filesystem>

#include "common/error.hpp"
#include "store/audit.hpp"

namespace poort::store {

struct backup_report {
  std::uintmax_t bytes = 0;  ///< size of the copy
  int schema_version = 0;    ///< the copy's schema version
  std::uint64_t audit_records = 0;
  audit_anchor audit_head;  ///< the copy's newest audit record (seq 0 when none)
};

/// Copies `source` to `target` as described above. The copy is made as
/// "<target>.partial" (mode 0600, created exclusively) and renamed to `target`
/// once checked; on failure nothing is left at either name.
/// Failure: invalid_argument (`target` or its ".partial" exists, or `source`
/// and `target` are the same), io_error (cannot open `source`, create or sync
/// the copy, or rename it), corrupt (the copy fails integrity_check or its
/// audit chain does not verify), or another mapped SQLite error.
result<backup_report> backup_database(const std::filesystem::path& source,
                                      const std::filesystem::path& target);

}  // namespace poort::store

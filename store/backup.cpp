#include "store/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>

#include "common/log.hpp"
#include "store/database.hpp"
#include "store/sqlite.hpp"

namespace poort::store {
namespace {

namespace fs = std::filesystem;

/// A backup waits this long for the source to be readable (a migration or a
/// checkpoint that holds it); it never holds up poortd's writer.
constexpr std::chrono::milliseconds source_busy_timeout{30'000};

/// Removes the partial copy (and a rollback journal SQLite may have left)
/// unless the backup got through.
struct partial_file {
  fs::path path;
  bool keep = false;
  ~partial_file() {
    if (keep) return;
    std::error_code ignored;
    fs::remove(path, ignored);
    fs::remove(fs::path(path.string() + "-journal"), ignored);
  }
};

result<void> fsync_path(const fs::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return make_error_code(error::io_error);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return make_error_code(error::io_error);
  return {};
}

error_code refuse(std::string_view reason, const fs::path& target) {
  log::error("store.backup_failed", {{"target", target.string()}, {"reason", reason}});
  return make_error_code(error::invalid_argument);
}

/// PRAGMA integrity_check on the copy (one row, "ok"); then the copy's
/// newest audit record, on the same connection.
result<audit_anchor> check_integrity(const fs::path& copy) {
  auto conn = connection::open(copy, connection::access::read_only, source_busy_timeout);
  if (!conn) return conn.error();
  {
    auto st = conn->prepare("PRAGMA integrity_check(1)");
    if (!st) return st.error();
    auto row = st->step();
    if (!row) return row.error();
    if (!*row || st->column_text(0) != "ok") {
      log::error("store.backup_failed",
                 {{"target", copy.string()}, {"reason", "integrity_check of the copy failed"}});
      return make_error_code(error::corrupt);
    }
  }
  reader r{*conn};
  return audit_head(r);
}

}  // namespace

result<backup_report> backup_database(const fs::path& source, const fs::path& target) {
  if (target.empty() || !target.has_filename()) return refuse("no target file name", target);
  std::error_code ec;
  const auto target_type = fs::symlink_status(target, ec).type();
  if (target_type == fs::file_type::none) return refuse("cannot look at the target's directory", target);
  if (target_type != fs::file_type::not_found)
    return refuse("the target exists; a backup never replaces a file", target);
  partial_file partial{fs::path(target.string() + ".partial")};

  // Created here, private and exclusively: VACUUM INTO fills an empty file,
  // and a second backup to the same name fails instead of sharing it.
  const int fd = ::open(partial.path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    partial.keep = true;  // not ours
    if (errno == EEXIST)
      return refuse("<target>.partial exists: another backup runs, or one was cut off", target);
    log::error("store.backup_failed", {{"target", target.string()}, {"reason", "cannot create the copy"}});
    return make_error_code(error::io_error);
  }
  ::close(fd);

  {
    // Read-only at the SQLite level; query_only would also refuse writing the
    // copy, so it is lifted on this connection alone.
    auto src = connection::open(source, connection::access::read_only, source_busy_timeout);
    if (!src) return src.error();
    if (auto r = src->exec("PRAGMA query_only = OFF"); !r) return r.error();
    auto st = src->prepare("VACUUM INTO ?");
    if (!st) return st.error();
    if (auto r = st->bind(1, partial.path.string()).run(); !r) return r.error();
  }

  auto head = check_integrity(partial.path);
  if (!head) return head.error();
  backup_report out;
  auto version = schema_version(partial.path);
  if (!version) return version.error();
  out.schema_version = *version;
  auto chain = verify_audit_chain(partial.path);
  if (!chain) return chain.error();
  if (!chain->ok) {
    log::error("store.backup_failed",
               {{"target", target.string()}, {"reason", "the copy's audit chain does not verify"}});
    return make_error_code(error::corrupt);
  }
  out.audit_records = chain->records;
  if (out.audit_records > 0) out.audit_head = std::move(*head);

  // SQLite does not sync what VACUUM INTO writes: sync the file, give it its
  // name without replacing anything (link fails if the name was taken
  // meanwhile), and sync the directory that holds the name.
  if (auto r = fsync_path(partial.path, O_RDONLY); !r) return r.error();
  if (::link(partial.path.c_str(), target.c_str()) != 0) {
    if (errno == EEXIST) return refuse("the target appeared during the backup", target);
    log::error("store.backup_failed", {{"target", target.string()}, {"reason", "cannot name the copy"}});
    return make_error_code(error::io_error);
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (auto r = fsync_path(dir, O_RDONLY | O_DIRECTORY); !r) {
    std::error_code ignored;
    fs::remove(target, ignored);
    return r.error();
  }
  out.bytes = fs::file_size(target, ec);
  log::info("store.backup_made", {{"target", target.string()},
                                  {"bytes", static_cast<std::uint64_t>(out.bytes)},
                                  {"audit_records", out.audit_records}});
  return out;  // `partial` removes the extra name
}

}  // namespace poort::store

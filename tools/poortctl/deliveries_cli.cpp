#include "tools/poortctl/deliveries_cli.hpp"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "domain/identifiers.hpp"
#include "store/audit.hpp"
#include "store/data_key.hpp"
#include "store/database.hpp"
#include "store/deliveries.hpp"

namespace poort::poortctl {
namespace {

constexpr std::size_t purge_batch = 500;

struct args_in {
  std::filesystem::path config = "/etc/poort/poort.toml";
  bool dry_run = false;
  std::size_t batch = 200;
  std::chrono::milliseconds pause{10};
  bool bsn = false;
  std::size_t limit = 100;
  std::int64_t older_than_days = -1;
};

enum class command { purge, rekey, audit_search, audit_clear };

bool parse_number(std::string_view text, std::int64_t min, std::int64_t max, std::int64_t& out) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max) return false;
  out = v;
  return true;
}

/// Parses the options; nullopt (after a message) on anything unknown.
std::optional<args_in> parse(std::span<const std::string_view> args, command c, std::ostream& err) {
  args_in a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    std::int64_t n = 0;
    if (args[i] == "--config" && has_value) {
      a.config = std::string(args[++i]);
    } else if (c == command::purge && args[i] == "--dry-run") {
      a.dry_run = true;
    } else if (c == command::rekey && args[i] == "--batch" && has_value &&
               parse_number(args[++i], 1, 100'000, n)) {
      a.batch = static_cast<std::size_t>(n);
    } else if (c == command::rekey && args[i] == "--pause-ms" && has_value &&
               parse_number(args[++i], 0, 60'000, n)) {
      a.pause = std::chrono::milliseconds(n);
    } else if (c == command::rekey && (args[i] == "--old-key-file" || args[i] == "--old-key-id")) {
      err << "poortctl: rekey takes the old key from [data_keys] now: list it there as a [[data_keys.key]] "
             "beside the new active one (config/poort.example.toml)\n";
      return std::nullopt;
    } else if (c == command::audit_search && args[i] == "--bsn") {
      a.bsn = true;
    } else if (c == command::audit_search && args[i] == "--limit" && has_value &&
               parse_number(args[++i], 1, static_cast<std::int64_t>(store::max_audit_query_limit), n)) {
      a.limit = static_cast<std::size_t>(n);
    } else if (c == command::audit_clear && args[i] == "--older-than-days" && has_value &&
               parse_number(args[++i], 0, 36'500, n)) {
      a.older_than_days = n;
    } else {
      err << "poortctl: unknown or malformed argument '" << args[i] << "'\n";
      return std::nullopt;
    }
  }
  if (c == command::audit_search && !a.bsn) {
    err << "poortctl: audit search needs --bsn (the BSN is read from stdin)\n";
    return std::nullopt;
  }
  if (c == command::audit_clear && a.older_than_days < 0) {
    err << "poortctl: audit clear-person-refs needs --older-than-days N\n";
    return std::nullopt;
  }
  return a;
}

std::shared_ptr<const config::config> load(const std::filesystem::path& file, std::ostream& err) {
  auto cfg = config::load_file(file);
  if (!cfg) {
    for (const auto& p : cfg.error())
      err << file.string() << ": " << (p.key.empty() ? "" : p.key + ": ") << p.message << "\n";
    return nullptr;
  }
  return *cfg;
}

const store::audit_identity poortctl_actor{"internal", "poortctl", ""};

/// The database of `cfg` at the current schema; nullptr (said on `err`) when it cannot be opened.
std::unique_ptr<store::database> open_database(const config::config& cfg, poort::clock& clock,
                                               std::ostream& err) {
  auto db = store::database::open(cfg.store, clock, store::open_mode::require_current);
  if (!db) {
    err << "poortctl: cannot open " << cfg.store.database.string() << ": " << db.error().message() << "\n";
    return nullptr;
  }
  return std::move(*db);
}

}  // namespace

int purge_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  auto a = parse(args, command::purge, err);
  if (!a) return 2;
  auto cfg = load(a->config, err);
  if (!cfg) return 1;
  system_clock_source clock;
  auto db = open_database(*cfg, clock, err);
  if (!db) return 1;
  const auto now = clock.now();
  if (a->dry_run) {
    auto due = db->read([&](store::reader& r) { return store::purge_candidates(r, now, 1'000'000); });
    if (!due) {
      err << "poortctl: " << due.error().message() << "\n";
      return 1;
    }
    auto counts = db->read([&](store::reader& r) { return store::count_purge_due(r, now); });
    if (!counts) {
      err << "poortctl: " << counts.error().message() << "\n";
      return 1;
    }
    for (const auto& c : *due)
      out << c.bericht_id << " " << c.gemeentecode << " " << domain::to_string(c.kind) << " due "
          << c.purge_after << "\n";
    out << "per table: postvak " << counts->postvak << " (content and blind index), intrekkingen "
        << counts->intrekkingen << " (withdrawal records), uitgaande_berichten "
        << counts->uitgaande_berichten << " (pushes that become VERVALLEN)\n";
    out << "would purge " << due->size() << " message(s); nothing changed\n";
    return 0;
  }
  std::size_t total = 0;
  for (std::size_t batch = purge_batch; batch == purge_batch;) {
    batch = 0;
    auto w = db->write([&](store::transaction& tx) -> result<void> {
      auto r = store::purge_expired(tx, now, poortctl_actor, purge_batch);
      if (!r) return r.error();
      batch = r->size();
      return {};
    });
    if (!w) {
      err << "poortctl: purge failed after " << total << " message(s): " << w.error().message() << "\n";
      return 1;
    }
    total += batch;
  }
  std::size_t withdrawals = 0;
  for (std::size_t batch = purge_batch; batch == purge_batch;) {
    batch = 0;
    auto w = db->write([&](store::transaction& tx) -> result<void> {
      auto r = store::purge_expired_withdrawals(tx, now, poortctl_actor, purge_batch);
      if (!r) return r.error();
      batch = *r;
      return {};
    });
    if (!w) {
      err << "poortctl: purge failed after " << withdrawals << " withdrawal(s): " << w.error().message()
          << "\n";
      return 1;
    }
    withdrawals += batch;
  }
  db->close();
  if (total > 0 || withdrawals > 0) {
    if (auto ok = store::database_checkpoint_truncate(cfg->store.database, cfg->store.busy_timeout); !ok)
      err << "poortctl: warning: the WAL could not be emptied now (" << ok.error().message()
          << "); poortd empties it at its next purge\n";
  }
  out << "purged " << total << " message(s)";
  if (withdrawals > 0) out << " and " << withdrawals << " withdrawal record(s)";
  out << "\n";
  return 0;
}

namespace {

/// What is under each key id and index version other than the active ones.
void report_left(const store::data_key& key, const std::vector<store::key_usage>& usage, std::ostream& out) {
  std::map<std::string, std::int64_t> by_key;
  std::map<std::int64_t, std::int64_t> by_version;
  for (const auto& u : usage) {
    if (u.key_id != key.id()) by_key[u.key_id] += u.rows;
    if (u.index_version != key.index_version()) by_version[u.index_version] += u.rows;
  }
  for (const auto& id : key.key_ids())
    if (id != key.id()) out << "left under key " << id << ": " << by_key[id] << " row(s)\n";
  for (const auto& [id, n] : by_key)
    if (!key.has_key(id)) out << "left under key " << id << " (not in [data_keys]): " << n << " row(s)\n";
  for (const auto v : key.index_versions())
    if (v != key.index_version())
      out << "left under index version " << v << ": " << by_version[v] << " row(s)\n";
}

}  // namespace

int rekey_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  auto a = parse(args, command::rekey, err);
  if (!a) return 2;
  auto cfg = load(a->config, err);
  if (!cfg) return 1;
  os_random random;
  auto key = store::load_key_ring(cfg->data_keys, store::credentials_directory_from_environment(), random);
  if (!key) {
    err << "poortctl: cannot load the key ring of [data_keys]: " << key.error().message() << "\n";
    return 1;
  }
  system_clock_source clock;
  auto db = open_database(*cfg, clock, err);
  if (!db) return 1;
  auto before = db->read([](store::reader& r) { return store::count_rows_by_key(r); });
  if (!before) {
    err << "poortctl: " << before.error().message() << "\n";
    return 1;
  }
  bool outside = false;
  for (const auto& u : store::usage_outside_ring(**key, *before)) {
    err << "poortctl: " << u.rows << " row(s) of " << u.table << " under key " << u.key_id
        << ", index version " << u.index_version << ", which [data_keys] does not list: add that key first\n";
    outside = true;
  }
  if (outside) return 1;
  out << "rekey to key " << (*key)->id() << ", index version " << (*key)->index_version() << "\n";
  store::rekey_cursor cursor;
  std::size_t total = 0;
  for (std::size_t batch = 1; !cursor.done; ++batch) {
    std::size_t moved = 0;
    store::rekey_cursor next;
    auto w = db->write([&](store::transaction& tx) -> result<void> {
      next = cursor;
      auto r = store::rekey_batch(tx, **key, next, a->batch, poortctl_actor, clock.now());
      if (!r) return r.error();
      moved = *r;
      return {};
    });
    if (!w) {
      err << "poortctl: rekey stopped after " << total << " row(s): " << w.error().message()
          << " (run it again: what was moved stays moved)\n";
      return 1;
    }
    cursor = next;
    total += moved;
    if (moved > 0)
      out << "batch " << batch << ": " << moved << " row(s) moved, " << total << " in all\n" << std::flush;
    if (!cursor.done && a->pause.count() > 0) std::this_thread::sleep_for(a->pause);
  }
  auto after = db->read([](store::reader& r) { return store::count_rows_by_key(r); });
  auto refs = db->read([](store::reader& r) { return store::count_audit_person_refs(r); });
  db->close();
  if (total > 0) {
    if (auto ok = store::database_checkpoint_truncate(cfg->store.database, cfg->store.busy_timeout); !ok)
      err << "poortctl: warning: the WAL could not be emptied now (" << ok.error().message() << ")\n";
  }
  out << "moved " << total << " row(s) to key " << (*key)->id() << ", index version "
      << (*key)->index_version() << "\n";
  if (after) report_left(**key, *after, out);
  if (refs)
    for (const auto& [version, n] : *refs)
      if (version != (*key)->index_version())
        out << "audit person references under index version " << version << ": " << n
            << " (keep that index key until they are cleared)\n";
  return 0;
}

int audit_search_main(std::span<const std::string_view> args, std::istream& in, std::ostream& out,
                      std::ostream& err) {
  auto a = parse(args, command::audit_search, err);
  if (!a) return 2;
  std::string bsn;
  std::getline(in, bsn);
  if (!bsn.empty() && bsn.back() == '\r') bsn.pop_back();
  if (!domain::validate_bsn(bsn)) {
    err << "poortctl: stdin does not hold a valid BSN (9 digits, elfproef)\n";
    return 2;
  }
  auto cfg = load(a->config, err);
  if (!cfg) return 1;
  os_random random;
  auto key = store::load_key_ring(cfg->data_keys, store::credentials_directory_from_environment(), random);
  if (!key) {
    err << "poortctl: cannot load the key ring of [data_keys]: " << key.error().message() << "\n";
    return 1;
  }
  std::vector<std::string> refs;
  for (const auto& v : (*key)->blind_indexes("bsn", bsn))
    refs.push_back(store::person_reference(v.version, v.index));
  std::fill(bsn.begin(), bsn.end(), '0');
  system_clock_source clock;
  auto db = open_database(*cfg, clock, err);
  if (!db) return 1;
  auto found = db->read([&](store::reader& r) { return store::query_audit_by_person(r, refs, a->limit); });
  if (!found) {
    err << "poortctl: " << found.error().message() << "\n";
    return 1;
  }
  for (const auto& e : *found)
    out << e.seq << " " << format_rfc3339(e.record.at, true) << " " << e.record.action << " "
        << e.record.object << " " << e.record.result << " " << e.record.actor << " " << e.record.origin
        << "\n";
  out << found->size() << " audit record(s) concern this person\n";
  return 0;
}

int audit_clear_refs_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  auto a = parse(args, command::audit_clear, err);
  if (!a) return 2;
  auto cfg = load(a->config, err);
  if (!cfg) return 1;
  system_clock_source clock;
  auto db = open_database(*cfg, clock, err);
  if (!db) return 1;
  const auto now = clock.now();
  std::size_t cleared = 0;
  auto w = db->write([&](store::transaction& tx) -> result<void> {
    auto r =
        store::clear_audit_person_refs(tx, now - std::chrono::days(a->older_than_days), poortctl_actor, now);
    if (!r) return r.error();
    cleared = *r;
    return {};
  });
  if (!w) {
    err << "poortctl: " << w.error().message() << "\n";
    return 1;
  }
  out << "cleared the person reference of " << cleared << " audit record(s)\n";
  return 0;
}

}  // namespace poort::poortctl

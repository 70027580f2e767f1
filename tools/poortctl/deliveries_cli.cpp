#include "tools/poortctl/deliveries_cli.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "store/data_key.hpp"
#include "store/database.hpp"
#include "store/deliveries.hpp"

namespace poort::poortctl {
namespace {

constexpr std::size_t purge_batch = 500;

struct args_in {
  std::filesystem::path config = "/etc/poort/poort.toml";
  bool dry_run = false;
  std::filesystem::path old_key_file;
  std::string old_key_id;
};

/// Parses the options; nullopt (after a message) on anything unknown.
std::optional<args_in> parse(std::span<const std::string_view> args, bool rekey, std::ostream& err) {
  args_in a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--config" && has_value) {
      a.config = std::string(args[++i]);
    } else if (!rekey && args[i] == "--dry-run") {
      a.dry_run = true;
    } else if (rekey && args[i] == "--old-key-file" && has_value) {
      a.old_key_file = std::string(args[++i]);
    } else if (rekey && args[i] == "--old-key-id" && has_value) {
      a.old_key_id = std::string(args[++i]);
    } else {
      err << "poortctl: unknown argument '" << args[i] << "'\n";
      return std::nullopt;
    }
  }
  if (rekey && (a.old_key_file.empty() || a.old_key_id.empty())) {
    err << "poortctl: rekey needs --old-key-file and --old-key-id\n";
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

}  // namespace

int purge_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  auto a = parse(args, false, err);
  if (!a) return 2;
  auto cfg = load(a->config, err);
  if (!cfg) return 1;
  system_clock_source clock;
  auto db = store::database::open(cfg->store, clock, store::open_mode::require_current);
  if (!db) {
    err << "poortctl: cannot open " << cfg->store.database.string() << ": " << db.error().message() << "\n";
    return 1;
  }
  const auto now = clock.now();
  if (a->dry_run) {
    auto due = (*db)->read([&](store::reader& r) { return store::purge_candidates(r, now, 1'000'000); });
    if (!due) {
      err << "poortctl: " << due.error().message() << "\n";
      return 1;
    }
    auto counts = (*db)->read([&](store::reader& r) { return store::count_purge_due(r, now); });
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
    auto w = (*db)->write([&](store::transaction& tx) -> result<void> {
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
    auto w = (*db)->write([&](store::transaction& tx) -> result<void> {
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
  (*db)->close();
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

int rekey_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  auto a = parse(args, true, err);
  if (!a) return 2;
  auto cfg = load(a->config, err);
  if (!cfg) return 1;
  os_random random;
  auto new_key =
      store::load_data_key(cfg->data_keys, store::credentials_directory_from_environment(), random);
  if (!new_key) {
    err << "poortctl: cannot load the configured data key: " << new_key.error().message() << "\n";
    return 1;
  }
  config::data_keys old_cfg{a->old_key_file, a->old_key_id};
  auto old_key = store::load_data_key(old_cfg, std::nullopt, random);
  if (!old_key) {
    err << "poortctl: cannot load the old data key: " << old_key.error().message() << "\n";
    return 1;
  }
  if ((*old_key)->id() == (*new_key)->id()) {
    err << "poortctl: the new key needs another key_id than the old one\n";
    return 2;
  }
  system_clock_source clock;
  auto db = store::database::open(cfg->store, clock, store::open_mode::require_current);
  if (!db) {
    err << "poortctl: cannot open " << cfg->store.database.string() << ": " << db.error().message() << "\n";
    return 1;
  }
  std::size_t count = 0;
  auto w = (*db)->write([&](store::transaction& tx) -> result<void> {
    auto r = store::rekey(tx, **old_key, **new_key, poortctl_actor, clock.now());
    if (!r) return r.error();
    count = *r;
    return {};
  });
  if (!w) {
    err << "poortctl: rekey failed, nothing changed: " << w.error().message() << "\n";
    return 1;
  }
  (*db)->close();
  if (auto ok = store::database_checkpoint_truncate(cfg->store.database, cfg->store.busy_timeout); !ok)
    err << "poortctl: warning: the WAL could not be emptied now (" << ok.error().message() << ")\n";
  out << "re-encrypted " << count << " value(s) from key " << (*old_key)->id() << " to key "
      << (*new_key)->id() << "\n";
  return 0;
}

}  // namespace poort::poortctl

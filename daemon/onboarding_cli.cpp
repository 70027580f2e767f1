#include "daemon/onboarding_cli.hpp"

#include <filesystem>
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "config/config.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/onboarding.hpp"
#include "store/registry_import.hpp"

namespace poort::daemon {
namespace {

constexpr std::string_view actor = "poortctl";

struct parsed_args {
  std::filesystem::path config = "/etc/poort/poort.toml";
  std::optional<std::string> version;
  std::vector<std::string> positional;
  bool ok = true;
};

parsed_args parse(std::span<const std::string_view> args, bool takes_version, std::ostream& err) {
  parsed_args a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--config" && has_value) {
      a.config = std::string(args[++i]);
    } else if (takes_version && args[i] == "--version" && has_value) {
      a.version = std::string(args[++i]);
    } else if (!args[i].starts_with("--")) {
      a.positional.emplace_back(args[i]);
    } else {
      err << "poortctl: unknown argument '" << args[i] << "'\n";
      a.ok = false;
    }
  }
  return a;
}

std::unique_ptr<store::database> open_store(const std::filesystem::path& config_file, poort::clock& clock,
                                            std::ostream& err) {
  auto cfg = config::load_file(config_file);
  if (!cfg) {
    for (const auto& p : cfg.error())
      err << config_file.string() << ": " << (p.key.empty() ? "" : p.key + ": ") << p.message << "\n";
    return nullptr;
  }
  auto db = store::database::open((*cfg)->store, clock, store::open_mode::require_current);
  if (!db) {
    err << "poortctl: cannot open " << (*cfg)->store.database.string() << ": " << db.error().message()
        << (db.error() == store::error::schema_mismatch ? " (run poortctl migrate)" : "") << "\n";
    return nullptr;
  }
  return std::move(*db);
}

}  // namespace

int registry_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] != "import") return 2;
  auto a = parse(args.subspan(1), false, err);
  if (!a.ok || a.positional.size() != 1) return 2;
  const std::string& file = a.positional[0];
  auto text = read_file(file, store::max_registry_csv_bytes);
  if (!text) {
    err << file << ": cannot read (" << text.error().message() << "; at most 4 MiB)\n";
    return 1;
  }
  auto rows = store::parse_registry_csv(*text);
  if (!rows) {
    for (const auto& p : rows.error()) err << file << ":" << p.line << ": " << p.message << "\n";
    err << "poortctl: nothing imported\n";
    return 1;
  }
  system_clock_source clock;
  auto db = open_store(a.config, clock, err);
  if (!db) return 1;
  auto done = store::import_registry(*db, *rows, actor, clock.now());
  if (!done) {
    err << "poortctl: import failed, nothing imported: " << done.error().message() << "\n";
    return 1;
  }
  if (done->overlapping_line) {
    err << file << ":" << *done->overlapping_line
        << ": gemeentecode: overlaps another validity period of this code in the registry\n"
        << "poortctl: nothing imported\n";
    return 1;
  }
  out << "registry import: " << done->inserted << " new, " << done->updated << " updated\n";
  return 0;
}

int conditions_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] != "add") return 2;
  auto a = parse(args.subspan(1), true, err);
  if (!a.ok || a.positional.size() != 1 || !a.version) return 2;
  const std::string& file = a.positional[0];
  auto text = read_file(file, store::max_conditions_bytes);
  if (!text || text->empty() || text->find('\0') != std::string::npos) {
    err << file << ": cannot read, empty, larger than 1 MiB or not text\n";
    return 1;
  }
  system_clock_source clock;
  auto db = open_store(a.config, clock, err);
  if (!db) return 1;
  const sys_time now = clock.now();
  domain::conditions_document doc;
  auto written = db->write([&](store::transaction& tx) -> result<void> {
    auto added = store::add_conditions(tx, *a.version, *text, now);
    if (!added) return added.error();
    doc = *added;
    auto audited = store::append_audit(tx, {"onboarding.conditions.publish", "voorwaarden:" + doc.version,
                                            "success", "internal", std::string(actor), "", now});
    if (!audited) return audited.error();
    return {};
  });
  if (!written) {
    if (written.error() == store::error::invalid_argument)
      err << "poortctl: the version must be 1-64 characters of A-Z a-z 0-9 . _ -\n";
    else if (written.error() == store::error::constraint)
      err << "poortctl: this version, or this exact text, was published before\n";
    else
      err << "poortctl: cannot publish: " << written.error().message() << "\n";
    return 1;
  }
  out << "published conditions " << doc.version << " sha256 " << doc.sha256 << "\n";
  return 0;
}

}  // namespace poort::daemon

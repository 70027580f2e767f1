#include "tools/poortctl/onboarding_cli.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "domain/error.hpp"
#include "domain/onboarding.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/onboarding.hpp"
#include "store/registry_import.hpp"

namespace poort::poortctl {
namespace {

constexpr std::string_view actor = "poortctl";

struct parsed_args {
  std::filesystem::path config = "/etc/poort/poort.toml";
  std::map<std::string, std::string, std::less<>> options;  ///< by option name, e.g. "--version"
  std::vector<std::string> positional;
  bool ok = true;

  std::optional<std::string> option(std::string_view name) const {
    const auto it = options.find(name);
    return it == options.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

/// Parses --config FILE, each of `options` with its value, and positional
/// arguments; anything else is printed as unknown and makes `ok` false.
parsed_args parse(std::span<const std::string_view> args, std::span<const std::string_view> options,
                  std::ostream& err) {
  parsed_args a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--config" && has_value) {
      a.config = std::string(args[++i]);
    } else if (has_value && std::ranges::find(options, args[i]) != options.end()) {
      a.options.insert_or_assign(std::string(args[i]), std::string(args[i + 1]));
      ++i;
    } else if (!args[i].starts_with("--")) {
      a.positional.emplace_back(args[i]);
    } else {
      err << "poortctl: unknown argument '" << args[i] << "'\n";
      a.ok = false;
    }
  }
  return a;
}

/// Loads `config_file` (printing its problems) and opens its store; nullptr
/// on failure. `loaded`, when given, receives the config.
std::unique_ptr<store::database> open_store(const std::filesystem::path& config_file, poort::clock& clock,
                                            std::ostream& err,
                                            std::shared_ptr<const config::config>* loaded = nullptr) {
  auto cfg = config::load_file(config_file);
  if (!cfg) {
    for (const auto& p : cfg.error())
      err << config_file.string() << ": " << (p.key.empty() ? "" : p.key + ": ") << p.message << "\n";
    return nullptr;
  }
  if (loaded != nullptr) *loaded = *cfg;
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
  auto a = parse(args.subspan(1), {}, err);
  if (!a.ok || a.positional.size() != 1) return 2;
  const std::string& file = a.positional[0];
  auto text = read_file(file, store::max_registry_csv_bytes);
  if (!text) {
    err << file << ": cannot read (" << text.error().message() << "; at most 4 MiB)\n";
    return 1;
  }
  system_clock_source clock;
  std::shared_ptr<const config::config> cfg;
  auto db = open_store(a.config, clock, err, &cfg);
  if (!db) return 1;
  // The config says whether test OINs may be imported (allow_test_oins).
  auto rows = store::parse_registry_csv(*text, cfg->allow_test_oins);
  if (!rows) {
    for (const auto& p : rows.error()) err << file << ":" << p.line << ": " << p.message << "\n";
    err << "poortctl: nothing imported\n";
    return 1;
  }
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
  constexpr std::array<std::string_view, 1> version_option{"--version"};
  auto a = parse(args.subspan(1), version_option, err);
  const auto version = a.option("--version");
  if (!a.ok || a.positional.size() != 1 || !version) return 2;
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
    auto added = store::add_conditions(tx, *version, *text, now);
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

namespace {

/// poortctl acts as a Justid administrator; its records name it "poortctl".
const domain::actor cli_admin{domain::role::administrator, {}, std::string(actor)};

/// The options of `cohort open`, every one required.
constexpr std::array<std::string_view, 6> cohort_settings_options{
    "--name", "--kind", "--opens-at", "--closes-at", "--capacity", "--connection-at"};

/// The settings from `a`'s cohort options, or every problem printed and nullopt.
std::optional<domain::cohort_settings> cohort_settings_of(const parsed_args& a, std::ostream& err) {
  domain::cohort_settings s;
  bool ok = true;
  const auto time = [&](const char* flag, sys_time& out) {
    const auto v = a.option(flag);
    auto t = v ? parse_rfc3339(*v) : std::nullopt;
    if (!t) {
      err << "poortctl: " << flag << " wants an RFC 3339 time, e.g. 2027-01-04T00:00:00Z\n";
      ok = false;
      return;
    }
    out = *t;
  };
  if (const auto name = a.option("--name"); !name) {
    err << "poortctl: --name is required\n";
    ok = false;
  } else {
    s.name = *name;
  }
  const auto kind_text = a.option("--kind");
  auto kind = kind_text ? domain::parse_cohort_kind(*kind_text) : std::nullopt;
  if (!kind) {
    err << "poortctl: --kind wants PILOT or REGULAR\n";
    ok = false;
  } else {
    s.kind = *kind;
  }
  time("--opens-at", s.opens_at);
  time("--closes-at", s.closes_at);
  time("--connection-at", s.connection_at);
  std::uint32_t capacity = 0;
  const std::string text = a.option("--capacity").value_or("");
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), capacity);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    err << "poortctl: --capacity wants a number of municipalities\n";
    ok = false;
  }
  s.capacity = capacity;
  if (!ok) return std::nullopt;
  return s;
}

/// Runs store::run_cohort_change as poortctl; prints the outcome.
int change_cohort(store::database& db, const std::string& id, std::string_view action, bool create,
                  const store::cohort_fn& change, std::ostream& out, std::ostream& err) {
  auto done = store::run_cohort_change(db, id, action, create,
                                       {.origin = "internal", .actor = std::string(actor), .request_id = ""},
                                       system_clock_source{}.now(), change);
  if (!done) {
    err << "poortctl: cannot change the cohort: " << done.error().message() << "\n";
    return 1;
  }
  if (done->missing) {
    err << "poortctl: no cohort " << id << "\n";
    return 1;
  }
  if (done->refusal) {
    err << "poortctl: refused: " << domain::reason_code(domain::domain_error_of(done->refusal)) << "\n";
    return 1;
  }
  out << (create ? "opened cohort " : "closed cohort ") << id << "\n";
  return 0;
}

}  // namespace

int cohort_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return 2;
  const std::string_view command = args[0];
  auto o = parse(args.subspan(1),
                 command == "open" ? std::span<const std::string_view>(cohort_settings_options)
                                   : std::span<const std::string_view>(),
                 err);
  if (!o.ok) return 2;
  system_clock_source clock;

  if (command == "list") {
    if (!o.positional.empty()) return 2;
    auto db = open_store(o.config, clock, err);
    if (!db) return 1;
    auto all = db->read([](store::reader& r) { return store::list_cohorts(r); });
    if (!all) {
      err << "poortctl: " << all.error().message() << "\n";
      return 1;
    }
    const sys_time now = clock.now();
    for (const auto& c : *all) {
      const char* state = domain::registration_open(c, now)               ? "open"
                          : c.closed_early || now >= c.settings.closes_at ? "closed"
                                                                          : "not yet open";
      out << c.id << " " << domain::to_string(c.settings.kind) << " registration "
          << format_rfc3339(c.settings.opens_at) << ".." << format_rfc3339(c.settings.closes_at) << " ("
          << state << ") " << c.registered << "/" << c.settings.capacity << " registered, connection "
          << format_rfc3339(c.settings.connection_at) << " \"" << c.settings.name << "\"\n";
    }
    out << all->size() << " cohort(s)\n";
    return 0;
  }
  if (command == "open") {
    if (!o.positional.empty()) return 2;
    auto settings = cohort_settings_of(o, err);
    if (!settings) return 2;
    auto db = open_store(o.config, clock, err);
    if (!db) return 1;
    os_random rng;
    const std::string id = rng.uuid_v4();
    return change_cohort(
        *db, id, "onboarding.cohort.create", true,
        [&](const domain::cohort*) { return domain::create_cohort(id, *settings, cli_admin); }, out, err);
  }
  if (command == "close") {
    if (o.positional.size() != 1) return 2;
    auto db = open_store(o.config, clock, err);
    if (!db) return 1;
    const sys_time now = clock.now();
    return change_cohort(
        *db, o.positional[0], "onboarding.cohort.close", false,
        [&](const domain::cohort* c) { return domain::close_cohort_early(*c, cli_admin, now); }, out, err);
  }
  return 2;
}

}  // namespace poort::poortctl

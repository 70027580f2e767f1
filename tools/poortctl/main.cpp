// poortctl: the operator's tool next to poortd (DESIGN §7).
//
//   poortctl migrate [--config FILE]          apply pending schema migrations
//   poortctl audit verify [--config FILE | --database FILE] [--anchor SEQ:HASH ...]
//                         [--anchors-from FILE ...]
//                                             check the audit hash chain, and that
//                                             it still holds every anchor poortd
//                                             logged (daemon/audit_anchor.hpp)
//   poortctl saml verify --response FILE ...  validate a SAML response offline (saml_verify.hpp)
//   poortctl registry import FILE.csv [--config FILE]      (onboarding_cli.hpp)
//   poortctl conditions add FILE --version V [--config FILE]
//   poortctl cohort list|open|close ...       (onboarding_cli.hpp)
//   poortctl backup --to FILE [--config FILE | --database FILE]
//                                             a checked online copy (store/backup.hpp)
//   poortctl purge [--config FILE] [--dry-run]   (deliveries_cli.hpp)
//   poortctl rekey [--config FILE] [--batch N] [--pause-ms N]   (deliveries_cli.hpp)
//   poortctl audit search --bsn [--config FILE] [--limit N]      BSN on stdin (deliveries_cli.hpp)
//   poortctl audit clear-person-refs --older-than-days N [--config FILE]
//   poortctl sp-metadata [--config FILE]      print our signed SAML SP metadata
//   poortctl service-catalogue [--config FILE] --broker-oin OIN [--version V] [--privacy-url URL]
//                                             print our signed eHerkenning service catalogue entry
//                                             (service_catalogue.hpp)
//   poortctl openapi                          print the API's OpenAPI document (routing/openapi.hpp),
//                                             as GET /api/v1/openapi.json serves it
//
// Exit codes: 0 success, 1 a negative result (broken chain, refused response,
// failed migration), 2 a usage error.

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "daemon/audit_anchor.hpp"
#include "daemon/login.hpp"
#include "routing/openapi.hpp"
#include "store/audit.hpp"
#include "store/backup.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "tools/poortctl/deliveries_cli.hpp"
#include "tools/poortctl/onboarding_cli.hpp"
#include "tools/poortctl/saml_verify.hpp"
#include "tools/poortctl/service_catalogue.hpp"

namespace {

constexpr const char* usage_text =
    "usage: poortctl COMMAND [ARGS]\n"
    "\n"
    "  migrate [--config FILE]\n"
    "      apply the pending schema migrations to the configured database\n"
    "  audit verify [--config FILE | --database FILE] [--anchor SEQ:HASH ...] [--anchors-from FILE ...]\n"
    "      walk the hash-chained audit log; report the first broken link. Each anchor (the\n"
    "      chain head poortd logs as audit.anchor) must still be in the chain: --anchor gives\n"
    "      one, --anchors-from reads every audit.anchor line of FILE (- for stdin), e.g. the\n"
    "      output of journalctl -u poortd -o cat\n"
    "  saml verify --response FILE --idp-entity-id ID --idp-cert PEM [--idp-cert PEM ...]\n"
    "      --sp-key PEM [--sp-key PEM ...] --sp-entity-id ID --acs-url URL --request-id ID\n"
    "      --now RFC3339 [--max-skew-s N] [--min-assurance URN] [--replay-db FILE]\n"
    "      validate a SAML Response, ArtifactResponse or SOAP envelope as the ACS does;\n"
    "      prints one JSON object\n"
    "  sp-metadata [--config FILE]\n"
    "      print the signed SAML SP metadata to hand to the eHerkenning broker\n"
    "  service-catalogue [--config FILE] --broker-oin OIN [--version URN] [--privacy-url URL]\n"
    "      print the signed eHerkenning service catalogue entry for the configured services\n"
    "  openapi\n"
    "      print the OpenAPI document that GET /api/v1/openapi.json serves (for linting and publishing)\n"
    "  registry import FILE.csv [--config FILE]\n"
    "      import the municipality registry (gemeentecode,naam,kvk,rsin,oin,geldig_van,geldig_tot);\n"
    "      all rows or none\n"
    "  conditions add FILE --version V [--config FILE]\n"
    "      publish FILE as version V of the connection conditions (aansluitvoorwaarden)\n"
    "  cohort list [--config FILE]\n"
    "  cohort open --name N --kind PILOT|REGULAR --opens-at T --closes-at T --capacity N\n"
    "      --connection-at T [--config FILE]\n"
    "  cohort close ID [--config FILE]\n"
    "      list the cohorts; open one, or close its registration early, as a Justid\n"
    "      administrator would in the portal (same rules, audited); T in RFC 3339\n"
    "  backup --to FILE [--config FILE | --database FILE]\n"
    "      copy the database while poortd runs into FILE (new, mode 0600): one consistent\n"
    "      snapshot without purged content, checked (integrity, audit chain) and synced before\n"
    "      it gets its name; audited in the database as store.backup. The data key is not in it\n"
    "  purge [--config FILE] [--dry-run]\n"
    "      purge message contents and withdrawal records whose retention has passed; --dry-run\n"
    "      lists what would go, with counts per table, and changes nothing\n"
    "  rekey [--config FILE] [--batch N] [--pause-ms N]\n"
    "      move personal data to the active key and blind-index version of [data_keys], in short\n"
    "      batches while poortd serves; run again after an interruption; reports what is left\n"
    "      under each older key id and index version\n"
    "  audit search --bsn [--config FILE] [--limit N]\n"
    "      read a BSN from stdin and print the audit records that concern that person\n"
    "  audit clear-person-refs --older-than-days N [--config FILE]\n"
    "      clear the person reference of audit records older than N days (the chain still verifies)\n"
    "\n"
    "  --config defaults to /etc/poort/poort.toml\n";

int usage() {
  std::cerr << usage_text;
  return 2;
}

// Parses [--config FILE] [--database FILE] from args.
struct common_args {
  std::filesystem::path config = "/etc/poort/poort.toml";
  std::filesystem::path database;
  bool ok = true;
};

common_args parse_common(std::span<const std::string_view> args, bool allow_database) {
  common_args out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      out.config = std::string(args[++i]);
    } else if (allow_database && args[i] == "--database" && i + 1 < args.size()) {
      out.database = std::string(args[++i]);
    } else {
      std::cerr << "poortctl: unknown argument '" << args[i] << "'\n";
      out.ok = false;
    }
  }
  return out;
}

std::shared_ptr<const poort::config::config> load(const std::filesystem::path& file) {
  auto cfg = poort::config::load_file(file);
  if (!cfg) {
    for (const auto& p : cfg.error())
      std::cerr << file.string() << ": " << (p.key.empty() ? "" : p.key + ": ") << p.message << "\n";
    return nullptr;
  }
  return *cfg;
}

int cmd_migrate(std::span<const std::string_view> args) {
  auto a = parse_common(args, false);
  if (!a.ok) return usage();
  auto cfg = load(a.config);
  if (!cfg) return 1;
  poort::system_clock_source clock;
  auto before = poort::store::schema_version(cfg->store.database);
  auto v = poort::store::migrate(cfg->store, clock);
  if (!v) {
    std::cerr << "poortctl: migration failed: " << v.error().message() << "\n";
    return 1;
  }
  std::cout << "poortctl: " << cfg->store.database.string() << ": schema version "
            << (before ? std::to_string(*before) : std::string("0")) << " -> " << *v << "\n";
  return 0;
}

/// Parses "SEQ:HASH" (the seq and hash of an audit.anchor line) into `out`.
bool parse_anchor(std::string_view text, poort::store::audit_anchor& out) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view seq = text.substr(0, colon);
  const auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), out.seq);
  out.hash = std::string(text.substr(colon + 1));
  return ec == std::errc{} && end == seq.data() + seq.size() && poort::store::is_well_formed(out);
}

/// Adds the anchors of the log lines in `file` ("-": stdin) to `anchors`.
/// Failure: prints why and returns false. A file without any anchor line is a
/// failure: most likely the wrong file or unit, and it would check nothing.
bool read_anchors(const std::string& file, std::vector<poort::store::audit_anchor>& anchors) {
  std::ifstream f;
  if (file != "-") {
    f.open(file);
    if (!f) {
      std::cerr << "poortctl: cannot open " << file << "\n";
      return false;
    }
  }
  auto found = poort::daemon::parse_audit_anchors(file == "-" ? std::cin : f);
  if (!found) {
    std::cerr << "poortctl: " << file << ": " << found.error() << "\n";
    return false;
  }
  if (found->empty()) {
    std::cerr << "poortctl: " << file << ": no audit.anchor line\n";
    return false;
  }
  anchors.insert(anchors.end(), found->begin(), found->end());
  return true;
}

int cmd_audit_verify(std::span<const std::string_view> args) {
  std::vector<poort::store::audit_anchor> anchors;
  std::vector<std::string> anchor_files;
  std::vector<std::string_view> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--anchor" && has_value) {
      if (!parse_anchor(args[++i], anchors.emplace_back())) {
        std::cerr << "poortctl: --anchor wants SEQ:HASH (HASH: 64 lower-case hex characters)\n";
        return usage();
      }
    } else if (args[i] == "--anchors-from" && has_value) {
      anchor_files.emplace_back(args[++i]);
    } else {
      rest.push_back(args[i]);
    }
  }
  auto a = parse_common(rest, true);
  if (!a.ok) return usage();
  for (const auto& anchor_file : anchor_files)
    if (!read_anchors(anchor_file, anchors)) return 1;
  std::filesystem::path file = a.database;
  if (file.empty()) {
    auto cfg = load(a.config);
    if (!cfg) return 1;
    file = cfg->store.database;
  }
  auto report = poort::store::verify_audit_chain(file, anchors);
  if (!report) {
    std::cerr << "poortctl: cannot verify " << file.string() << ": " << report.error().message() << "\n";
    return 1;
  }
  if (report->ok) {
    std::cout << "audit chain intact: " << report->records << " records";
    if (!anchors.empty()) {
      const std::uint64_t newest = std::ranges::max(anchors, {}, &poort::store::audit_anchor::seq).seq;
      std::cout << "; anchors matched: " << report->anchors << ", the newest at record " << newest
                << " (records after it, covered by the chain alone: " << report->records - newest << ")";
    }
    std::cout << "\n";
    return 0;
  }
  std::cout << "audit chain BROKEN at record " << (report->first_bad_seq ? *report->first_bad_seq : 0) << ": "
            << report->reason << " (" << report->records << " records verified before it)\n";
  return 1;
}

int cmd_backup(std::span<const std::string_view> args) {
  std::filesystem::path to;
  std::vector<std::string_view> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--to" && i + 1 < args.size()) {
      to = std::string(args[++i]);
    } else {
      rest.push_back(args[i]);
    }
  }
  auto a = parse_common(rest, true);
  if (!a.ok || to.empty()) return usage();
  poort::config::store store_cfg;
  if (a.database.empty()) {
    auto cfg = load(a.config);
    if (!cfg) return 1;
    store_cfg = cfg->store;
  } else {
    store_cfg.database = a.database;
  }
  auto made = poort::store::backup_database(store_cfg.database, to);
  if (!made) {
    std::cerr << "poortctl: backup of " << store_cfg.database.string()
              << " failed: " << made.error().message() << " (details in the log line above)\n";
    return 1;
  }
  // A bulk copy of (encrypted) personal data is audited like any read of it;
  // a copy that cannot be audited is not kept.
  poort::system_clock_source clock;
  auto audited = [&]() -> poort::result<void> {
    auto db = poort::store::database::open(store_cfg, clock, poort::store::open_mode::require_current);
    if (!db) return db.error();
    const poort::store::audit_record rec{.action = "store.backup",
                                         .object = "audit:" + std::to_string(made->audit_head.seq),
                                         .result = "success",
                                         .origin = "internal",
                                         .actor = "poortctl",
                                         .request_id = "",
                                         .at = clock.now()};
    return (*db)->write([&](poort::store::transaction& tx) -> poort::result<void> {
      auto seq = poort::store::append_audit(tx, rec);
      if (!seq) return seq.error();
      return {};
    });
  }();
  if (!audited) {
    std::error_code ignored;
    std::filesystem::remove(to, ignored);
    std::cerr << "poortctl: the backup could not be audited (" << audited.error().message()
              << "); it was removed\n";
    return 1;
  }
  std::cout << "backup written: " << to.string() << " (" << made->bytes << " bytes, schema version "
            << made->schema_version << ", " << made->audit_records << " audit record(s)";
  if (made->audit_records > 0)
    std::cout << ", the newest " << made->audit_head.seq << ":" << made->audit_head.hash;
  std::cout << ")\n";
  return 0;
}

int cmd_sp_metadata(std::span<const std::string_view> args) {
  auto a = parse_common(args, false);
  if (!a.ok) return usage();
  auto cfg = load(a.config);
  if (!cfg) return 1;
  auto xml = poort::daemon::sp_metadata_xml(*cfg);
  if (!xml) {
    std::cerr << "poortctl: cannot build the SP metadata: " << xml.error().message() << "\n";
    return 1;
  }
  std::cout << *xml << "\n";
  return 0;
}

int cmd_service_catalogue(std::span<const std::string_view> args) {
  poort::poortctl::catalogue_options o;
  o.version = "urn:etoegang:1.13:1";
  std::vector<std::string_view> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--broker-oin" && has_value) {
      o.broker_oin = std::string(args[++i]);
    } else if (args[i] == "--version" && has_value) {
      o.version = std::string(args[++i]);
    } else if (args[i] == "--privacy-url" && has_value) {
      o.privacy_policy_url = std::string(args[++i]);
    } else {
      rest.push_back(args[i]);
    }
  }
  auto a = parse_common(rest, false);
  if (!a.ok || o.broker_oin.empty()) return usage();
  auto cfg = load(a.config);
  if (!cfg) return 1;
  poort::system_clock_source clock;
  poort::os_random rng;
  auto xml = poort::poortctl::service_catalogue_xml(*cfg, o, clock, rng);
  if (!xml) {
    std::cerr << "poortctl: cannot build the service catalogue: " << xml.error().message() << "\n";
    return 1;
  }
  std::cout << *xml << "\n";
  return 0;
}

/// The merged OpenAPI document on stdout; 1 when the fragments do not merge.
int cmd_openapi(std::span<const std::string_view> args) {
  if (!args.empty()) return usage();
  auto doc = poort::routing::merge_openapi(poort::routing::embedded_openapi_fragments());
  if (!doc) {
    std::cerr << "poortctl: the OpenAPI fragments do not merge: " << doc.error() << "\n";
    return 1;
  }
  std::cout << boost::json::serialize(*doc) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A command prints what it did; the store's routine log lines (opened,
  // closed, migrated) would only bury it. Warnings and errors still show.
  poort::log::set_min_level(poort::log::level::warn);
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage_text;
    return args.empty() ? 2 : 0;
  }
  std::span<const std::string_view> rest(args);
  try {
    if (args[0] == "migrate") return cmd_migrate(rest.subspan(1));
    if (args[0] == "backup") return cmd_backup(rest.subspan(1));
    if (args.size() >= 2 && args[0] == "audit" && args[1] == "verify")
      return cmd_audit_verify(rest.subspan(2));
    if (args.size() >= 2 && args[0] == "audit" && (args[1] == "search" || args[1] == "clear-person-refs")) {
      const int rc = args[1] == "search"
                         ? poort::poortctl::audit_search_main(rest.subspan(2), std::cin, std::cout, std::cerr)
                         : poort::poortctl::audit_clear_refs_main(rest.subspan(2), std::cout, std::cerr);
      return rc == 2 ? usage() : rc;
    }
    if (args[0] == "registry" || args[0] == "conditions" || args[0] == "cohort") {
      const int rc =
          args[0] == "registry"     ? poort::poortctl::registry_main(rest.subspan(1), std::cout, std::cerr)
          : args[0] == "conditions" ? poort::poortctl::conditions_main(rest.subspan(1), std::cout, std::cerr)
                                    : poort::poortctl::cohort_main(rest.subspan(1), std::cout, std::cerr);
      return rc == 2 ? usage() : rc;
    }
    if (args.size() >= 2 && args[0] == "saml" && args[1] == "verify")
      return poort::poortctl::saml_verify_main(rest.subspan(2), std::cout, std::cerr);
    if (args[0] == "purge" || args[0] == "rekey") {
      const int rc = args[0] == "purge" ? poort::poortctl::purge_main(rest.subspan(1), std::cout, std::cerr)
                                        : poort::poortctl::rekey_main(rest.subspan(1), std::cout, std::cerr);
      return rc == 2 ? usage() : rc;
    }
    if (args[0] == "sp-metadata") return cmd_sp_metadata(rest.subspan(1));
    if (args[0] == "openapi") return cmd_openapi(rest.subspan(1));
    if (args[0] == "service-catalogue") return cmd_service_catalogue(rest.subspan(1));
  } catch (const std::exception& e) {
    std::cerr << "poortctl: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "poortctl: unknown command\n";
  return usage();
}

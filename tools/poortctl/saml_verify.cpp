#include "tools/poortctl/saml_verify.hpp"

#include <charconv>

#include "common/crypto.hpp"
#include "common/log.hpp"
#include "tools/poortctl/sqlite_replay_cache.hpp"

namespace poort::poortctl {
namespace {

constexpr std::string_view usage =
    "usage: poortctl saml verify --response FILE --idp-entity-id ID --idp-cert PEM [--idp-cert PEM ...]\n"
    "    --sp-key PEM [--sp-key PEM ...] --sp-entity-id ID --acs-url URL --request-id ID\n"
    "    --now RFC3339 [--max-skew-s N] [--min-assurance URN] [--replay-db FILE]\n";

void json_field(std::string& out, std::string_view key, const std::optional<std::string>& value) {
  log::append_json_string(out, key);
  out += ':';
  if (value)
    log::append_json_string(out, *value);
  else
    out += "null";
}

std::string accepted_json(const saml::identity& id) {
  std::string out = R"({"accepted":true,"identity":{)";
  json_field(out, "nameId", id.name_id);
  out += ',';
  json_field(out, "actingSubjectId", id.acting_subject_id);
  out += ',';
  json_field(out, "kvk", id.kvk);
  out += ',';
  json_field(out, "rsin", id.rsin);
  out += ',';
  json_field(out, "vestigingsnr", id.vestigingsnr);
  out += ',';
  json_field(out, "serviceId", id.service_id);
  out += ',';
  json_field(out, "serviceUuid", id.service_uuid);
  out += ',';
  json_field(out, "assurance", std::string{saml::assurance_urn(id.level)});
  out += "}}";
  return out;
}

std::string refused_json(const saml::refusal& r) {
  std::string out = R"({"accepted":false,"reason":)";
  log::append_json_string(out, saml::reason_code(r.reason));
  out += R"(,"detail":)";
  log::append_json_string(out, r.detail);
  out += '}';
  return out;
}

}  // namespace

std::expected<verify_options, std::string> parse_verify_args(std::span<const std::string_view> args) {
  verify_options o;
  std::optional<sys_time> now;
  bool have_response = false, have_idp = false, have_sp = false, have_acs = false, have_request = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    std::string_view value;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else {
      if (i + 1 >= args.size()) return std::unexpected("missing value for " + std::string{flag});
      value = args[++i];
    }
    if (flag == "--response") {
      o.response_file = value;
      have_response = true;
    } else if (flag == "--idp-entity-id") {
      o.settings.idp_entity_id = value;
      have_idp = true;
    } else if (flag == "--idp-cert") {
      o.idp_certificates.emplace_back(value);
    } else if (flag == "--sp-key") {
      o.sp_keys.emplace_back(value);
    } else if (flag == "--sp-entity-id") {
      o.settings.sp_entity_id = value;
      have_sp = true;
    } else if (flag == "--acs-url") {
      o.settings.acs_url = value;
      have_acs = true;
    } else if (flag == "--request-id") {
      o.request_id = value;
      have_request = true;
    } else if (flag == "--now") {
      now = parse_rfc3339(value);
      if (!now) return std::unexpected("--now is not an RFC 3339 time");
    } else if (flag == "--max-skew-s") {
      unsigned n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || p != value.data() + value.size() || n > 3600)
        return std::unexpected("--max-skew-s must be 0..3600");
      o.settings.max_clock_skew = std::chrono::seconds{n};
    } else if (flag == "--min-assurance") {
      const auto level = saml::parse_assurance(value);
      if (!level) return std::unexpected("--min-assurance is not an urn:etoegang:core:assurance-class URN");
      o.settings.minimum_assurance = *level;
    } else if (flag == "--replay-db") {
      o.replay_db = std::filesystem::path{value};
    } else {
      return std::unexpected("unknown option " + std::string{flag});
    }
  }
  if (!have_response || !have_idp || !have_sp || !have_acs || !have_request || !now ||
      o.idp_certificates.empty() || o.sp_keys.empty())
    return std::unexpected(std::string{"missing a required option"});
  o.now = *now;
  return o;
}

int saml_verify_main(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  auto options = parse_verify_args(args);
  if (!options) {
    err << "poortctl saml verify: " << options.error() << '\n' << usage;
    return 2;
  }
  std::vector<x509_ptr> certs;
  for (const auto& path : options->idp_certificates) {
    auto pem = read_file(path, 1 << 20);
    auto parsed = pem ? parse_certificates_pem(*pem) : result<std::vector<x509_ptr>>{pem.error()};
    if (!parsed) {
      err << "poortctl saml verify: cannot load certificate " << path << '\n';
      return 2;
    }
    for (auto& c : *parsed) certs.push_back(std::move(c));
  }
  std::vector<evp_pkey_ptr> keys;
  for (const auto& path : options->sp_keys) {
    auto key = load_private_key_file(path);
    if (!key) {
      err << "poortctl saml verify: cannot load private key " << path << '\n';
      return 2;
    }
    keys.push_back(std::move(*key));
  }
  auto message = read_file(options->response_file, options->settings.limits.max_bytes + 1);
  if (!message) {
    err << "poortctl saml verify: cannot read " << options->response_file << '\n';
    return 2;
  }
  std::vector<X509*> raw_certs;
  raw_certs.reserve(certs.size());
  for (const auto& c : certs) raw_certs.push_back(c.get());
  auto validator = saml::response_validator::create(options->settings, raw_certs, std::move(keys));
  if (!validator) {
    err << "poortctl saml verify: unusable IdP certificate or SP key (RSA >= 2048 or EC; SP keys RSA)\n";
    return 2;
  }

  fake_clock clock{options->now};
  std::unique_ptr<saml::replay_cache> replays;
  if (options->replay_db) {
    auto db = sqlite_replay_cache::create(*options->replay_db, clock);
    if (!db) {
      err << "poortctl saml verify: cannot open the replay database " << *options->replay_db << '\n';
      return 2;
    }
    replays = std::move(*db);
  } else {
    replays = std::make_unique<saml::memory_replay_cache>(clock);
  }

  saml::expected_response expected;
  expected.request_id = options->request_id;
  const auto outcome = validator->validate(*message, expected, clock, *replays);
  if (!outcome) {
    out << refused_json(outcome.error()) << '\n';
    return 1;
  }
  out << accepted_json(*outcome) << '\n';
  return 0;
}

}  // namespace poort::poortctl

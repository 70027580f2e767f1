#include "config/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "common/log.hpp"
#include "config/file_checks.hpp"
#include "config/syntax.hpp"
#include "config/table_reader.hpp"

namespace poort::config {
namespace {

using detail::key_use;
using detail::table_reader;

constexpr std::size_t max_config_bytes = 1u << 20;
constexpr std::size_t max_metadata_bytes = 16u << 20;
constexpr std::int64_t kib = 1024;
constexpr std::int64_t mib = 1024 * kib;
constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t day_s = 86'400;

using detail::endpoint;
using detail::is_digits;
using detail::is_gemeentecode;
using detail::is_https_origin;
using detail::is_numbered_urn;
using detail::is_oin;
using detail::is_token;
using detail::is_uuid;
using detail::parse_address;

using seen_list = std::vector<std::pair<std::string, std::string>>;  ///< value, key path

/// Reports a problem at `key` when `value` is already in `seen`, then adds it.
void check_unique(table_reader& t, std::string_view key, const std::string& value, seen_list& seen) {
  const auto same = std::ranges::find(seen, value, &seen_list::value_type::first);
  if (same != seen.end()) t.add_problem(key, "duplicates " + same->second);
  seen.emplace_back(value, t.key_path(key));
}

/// State shared by the readers of one file, for the checks across tables.
struct parse_state {
  seen_list addresses;  ///< canonical address, key path
  seen_list oins;
  bool allow_test_oins = false;
};

/// Reports a test OIN at `key` unless test OINs are allowed.
void check_test_oin(table_reader& t, std::string_view key, std::string_view oin, const parse_state& state) {
  if (!state.allow_test_oins && is_test_oin(oin)) {
    t.add_problem(
        key, "is a test OIN (prefix 00000099), refused unless allow_test_oins = true (test systems only)");
  }
}

/// Checks a certificate and its key when both are set (a missing one is
/// reported by `require`), else whichever one is set.
void check_pair(table_reader& t, std::string_view certificate_key, const path& certificate,
                std::string_view private_key_key, const path& private_key, key_use use) {
  if (!certificate.empty() && !private_key.empty()) {
    auto problems = detail::check_certificate_and_key(certificate, private_key, use);
    if (problems.certificate) t.add_problem(certificate_key, *problems.certificate);
    if (problems.private_key) t.add_problem(private_key_key, *problems.private_key);
    return;
  }
  if (!certificate.empty()) {
    if (auto why = detail::check_certificate(certificate)) t.add_problem(certificate_key, *why);
  }
  if (!private_key.empty()) {
    if (auto why = detail::check_private_key(private_key, use)) t.add_problem(private_key_key, *why);
  }
}

void read_limits(table_reader& t, struct limits& l) {
  t.read("max_connections", l.max_connections, 1, 1'000'000);
  t.read("max_connections_per_address", l.max_connections_per_address, 1, 1'000'000);
  t.read("max_header_bytes", l.max_header_bytes, 1 * kib, 1 * mib);
  t.read("max_header_fields", l.max_header_fields, 1, 10'000);
  t.read("max_body_bytes", l.max_body_bytes, 1, 64 * mib);
  t.read("handshake_timeout_ms", l.handshake_timeout, 1, hour_ms);
  t.read("header_timeout_ms", l.header_timeout, 1, hour_ms);
  t.read("body_timeout_ms", l.body_timeout, 1, hour_ms);
  t.read("idle_timeout_ms", l.idle_timeout, 1, hour_ms);
  t.read("write_timeout_ms", l.write_timeout, 1, hour_ms);
  t.read("max_requests_per_connection", l.max_requests_per_connection, 0, 1'000'000'000);
  t.read("requests_per_second_per_address", l.requests_per_second_per_address, 0, 1'000'000);
  t.read("burst_per_address", l.burst_per_address, 0, 2'000'000);
  if (l.max_connections_per_address > l.max_connections) {
    t.add_problem("max_connections_per_address", "must not exceed max_connections");
  }
  if (l.requests_per_second_per_address == 0 && l.burst_per_address != 0) {
    t.add_problem("burst_per_address", "needs requests_per_second_per_address > 0");
  }
  if (l.burst_per_address == 0) l.burst_per_address = 2 * l.requests_per_second_per_address;
}

void read_listener(table_reader& t, listener& l, parse_state& state) {
  const bool system = l.kind == listener_kind::system;
  t.require("addresses");
  t.read("addresses", l.addresses, 16);
  for (std::size_t i = 0; i < l.addresses.size(); ++i) {
    const std::string key = t.key_path("addresses") + '[' + std::to_string(i) + ']';
    const auto address = parse_address(l.addresses[i]);
    if (!address) {
      t.add_problem_at(key, "must be IPv4:port or [IPv6]:port with a port of 0-65535");
      continue;
    }
    const auto same = std::ranges::find(state.addresses, address->canonical, &seen_list::value_type::first);
    if (address->port != 0 && same != state.addresses.end()) {
      t.add_problem_at(key, "duplicates " + same->second);
    }
    state.addresses.emplace_back(address->canonical, key);
  }

  t.require("certificate", "at least one [[" + t.key_path("certificate") + "]] is required");
  t.read_tables("certificate", 8, [&](table_reader& c) {
    server_certificate sc;
    c.require("certificate");
    c.require("private_key");
    c.read("certificate", sc.certificate);
    c.read("private_key", sc.private_key);
    check_pair(c, "certificate", sc.certificate, "private_key", sc.private_key, key_use::tls);
    l.certificates.push_back(std::move(sc));
  });

  t.read("client_ca_bundle", l.client_ca_bundle);
  t.read("crl_files", l.crl_files, 64);
  t.read("crl_optional", l.crl_optional);
  if (system) {
    if (l.crl_files.empty() && !l.crl_optional) {
      t.add_problem("crl_files",
                    "is required: client certificates are checked against CRLs (crl_optional = true runs "
                    "without revocation checks)");
    }
    t.require("client_ca_bundle", "is required: a system listener verifies client certificates");
    if (!l.client_ca_bundle.empty()) {
      if (auto why = detail::check_ca_bundle(l.client_ca_bundle)) t.add_problem("client_ca_bundle", *why);
    }
    for (std::size_t i = 0; i < l.crl_files.size(); ++i) {
      if (auto why = detail::check_crl_file(l.crl_files[i])) {
        t.add_problem_at(t.key_path("crl_files") + '[' + std::to_string(i) + ']', *why);
      }
    }
  } else {
    for (std::string_view key : {"client_ca_bundle", "crl_files", "crl_optional"}) {
      if (t.contains(key)) t.add_problem(key, "only a system listener takes client certificates");
    }
  }
  t.read_table("limits", [&](table_reader& lt) { read_limits(lt, l.limits); });
}

void read_party(table_reader& t, party& p, parse_state& state) {
  std::string kind;
  t.require("oin");
  t.require("name");
  t.require("kind");
  t.read("oin", p.oin);
  t.read("name", p.name);
  t.read("kind", kind);
  t.read("gemeentecode", p.gemeentecode);
  t.read("organisation", p.organisation);

  if (!p.oin.empty() && !is_oin(p.oin)) {
    t.add_problem("oin", "must be 20 digits");
  } else if (!p.oin.empty()) {
    check_unique(t, "oin", p.oin, state.oins);
    check_test_oin(t, "oin", p.oin, state);
  }
  if (p.name.size() > 200) t.add_problem("name", "must be at most 200 characters");
  if (t.contains("organisation") && (p.organisation.empty() || p.organisation.size() > 200))
    t.add_problem("organisation", "must be 1 to 200 characters");

  if (kind == "institution") {
    p.kind = party_kind::institution;
    if (t.contains("gemeentecode")) t.add_problem("gemeentecode", "only a municipal_system has one");
  } else if (kind == "municipal_system") {
    p.kind = party_kind::municipal_system;
    if (t.contains("organisation")) t.add_problem("organisation", "only an institution has one");
    t.require("gemeentecode", "is required for a municipal_system");
    if (!p.gemeentecode.empty() && !is_gemeentecode(p.gemeentecode)) {
      t.add_problem("gemeentecode", "must be GM followed by 4 digits");
    }
  } else if (!kind.empty()) {
    t.add_problem("kind", "must be \"institution\" or \"municipal_system\"");
  }
}

void read_daemon(table_reader& t, struct daemon& d) {
  t.read("threads", d.threads, 0, 1024);
  t.read("worker_threads", d.worker_threads, 1, 1024);
  t.read("web_root", d.web_root);
  t.read("public_portal_url", d.public_portal_url);
  if (d.web_root.empty()) t.add_problem("web_root", "must not be empty");
  if (!d.public_portal_url.empty() && !is_https_origin(d.public_portal_url)) {
    t.add_problem("public_portal_url", "must be an https:// URL without a trailing /");
  }
}

/// A plausible address for config checks: one "@" with text on both sides.
bool is_mail_address(std::string_view s) {
  const auto at = s.find('@');
  return s.size() <= 254 && at != std::string_view::npos && at > 0 && at + 1 < s.size() &&
         s.find('@', at + 1) == std::string_view::npos && std::ranges::none_of(s, [](unsigned char c) {
           return c <= ' ' || c == 0x7F || c == '<' || c == '>';
         });
}

/// Reads [email]. Every key is always read; what is required only when enabled.
void read_email(table_reader& t, struct email& e) {
  t.read("enabled", e.enabled);
  t.read("smtp_url", e.smtp_url);
  t.read("from", e.from);
  t.read("administrator_address", e.administrator_address);
  t.read("ca_bundle", e.ca_bundle);
  t.read("username", e.username);
  t.read("password_file", e.password_file);
  t.read("timeout_s", e.timeout, 1, 600);
  t.read("retry_interval_s", e.retry_interval, 1, day_s);
  t.read("max_attempts", e.max_attempts, 1, 1000);
  if (!e.enabled) return;
  t.require("smtp_url");
  t.require("from");
  if (!e.smtp_url.empty() && (!e.smtp_url.starts_with("smtp://") || e.smtp_url.size() <= 7 ||
                              e.smtp_url.size() > 256 || e.smtp_url.find('@') != std::string::npos)) {
    t.add_problem("smtp_url", "must be smtp://host[:port] (STARTTLS is required; no credentials in the URL)");
  }
  if (!e.from.empty() && !is_mail_address(e.from)) t.add_problem("from", "must be an e-mail address");
  if (!e.administrator_address.empty() && !is_mail_address(e.administrator_address)) {
    t.add_problem("administrator_address", "must be an e-mail address");
  }
  if (!e.ca_bundle.empty()) {
    if (auto why = detail::check_ca_bundle(e.ca_bundle)) t.add_problem("ca_bundle", *why);
  }
  if (!e.username.empty() && e.password_file.empty()) {
    t.add_problem("password_file", "is required with username");
  }
  if (!e.password_file.empty()) {
    if (auto why = detail::check_readable(e.password_file, 4096)) t.add_problem("password_file", *why);
  }
}

void read_deliveries(table_reader& t, struct deliveries& d) {
  t.read("retention_basis", d.retention_basis);
  t.read("retention_days", d.retention_days, 0, 36'500);
  t.read("retention_without_release_days", d.retention_without_release_days, 1, 36'500);
  t.read("purge_interval_s", d.purge_interval, 1, day_s);
  t.read("audit_person_reference_days", d.audit_person_reference_days, 0, 36'500);
  t.read("push_client_certificate", d.push_client_certificate);
  t.read("push_client_key", d.push_client_key);
  t.read("push_ca_bundle", d.push_ca_bundle);
  t.read("push_crl_files", d.push_crl_files, 64);
  t.read("push_crl_optional", d.push_crl_optional);
  t.read("push_initial_backoff_ms", d.push_initial_backoff, 1, hour_ms);
  t.read("push_max_backoff_ms", d.push_max_backoff, 1, 24 * hour_ms);
  t.read("push_give_up_after_s", d.push_give_up_after, 1, 365 * day_s);
  t.read("push_timeout_ms", d.push_timeout, 1, 10 * 60'000);
  t.read("push_poll_interval_ms", d.push_poll_interval, 10, hour_ms);
  t.read("push_allow_private_addresses", d.push_allow_private_addresses);
  if (d.retention_basis != "release_date" && d.retention_basis != "acknowledgement") {
    t.add_problem("retention_basis", "must be \"release_date\" or \"acknowledgement\"");
  }
  if (d.push_initial_backoff > d.push_max_backoff) {
    t.add_problem("push_initial_backoff_ms", "must not exceed push_max_backoff_ms");
  }
  if (d.push_client_certificate.empty() != d.push_client_key.empty()) {
    t.add_problem(d.push_client_key.empty() ? "push_client_key" : "push_client_certificate",
                  "push_client_certificate and push_client_key go together");
  }
  check_pair(t, "push_client_certificate", d.push_client_certificate, "push_client_key", d.push_client_key,
             key_use::tls);
  if (!d.push_client_certificate.empty() && d.push_ca_bundle.empty()) {
    t.add_problem("push_ca_bundle", "is required with push_client_certificate");
  }
  if (!d.push_ca_bundle.empty()) {
    if (auto why = detail::check_ca_bundle(d.push_ca_bundle)) t.add_problem("push_ca_bundle", *why);
  }
  if (!d.push_client_certificate.empty() && d.push_crl_files.empty() && !d.push_crl_optional) {
    t.add_problem("push_crl_files",
                  "is required with push_client_certificate: endpoint certificates are checked against CRLs "
                  "(push_crl_optional = true pushes without revocation checks)");
  }
  for (std::size_t i = 0; i < d.push_crl_files.size(); ++i) {
    if (auto why = detail::check_crl_file(d.push_crl_files[i])) {
      t.add_problem_at(t.key_path("push_crl_files") + '[' + std::to_string(i) + ']', *why);
    }
  }
}

void read_store(table_reader& t, struct store& s) {
  t.read("database", s.database);
  t.read("readers", s.readers, 1, 64);
  t.read("max_batch", s.max_batch, 1, 65'536);
  t.read("busy_timeout_ms", s.busy_timeout, 1, hour_ms);
  t.read("max_page_count", s.max_page_count, 0, std::numeric_limits<std::uint32_t>::max() - 1);
  if (s.database.empty()) t.add_problem("database", "must not be empty");
}

void read_data_keys(table_reader& t, struct data_keys& k) {
  t.read("key_file", k.key_file);
  t.read("key_id", k.key_id);
  t.read("active", k.active);
  if (!is_token(k.key_id, 32, true)) {
    t.add_problem("key_id", "must be 1-32 characters of A-Z a-z 0-9 . _ -");
  }
  if (!k.key_file.empty()) {
    if (auto why = detail::check_data_key_file(k.key_file)) t.add_problem("key_file", *why);
  }
  // The ring form (store/data_key.hpp): sealing keys with ids, one active,
  // and blind-index keys with versions.
  t.read_tables("key", 64, [&](table_reader& e) {
    data_key_entry entry;
    e.read("id", entry.id);
    e.read("key_file", entry.key_file);
    if (!is_token(entry.id, 32, true)) e.add_problem("id", "must be 1-32 characters of A-Z a-z 0-9 . _ -");
    if (std::ranges::any_of(k.keys, [&](const data_key_entry& o) { return o.id == entry.id; }))
      e.add_problem("id", "is listed twice");
    if (!entry.key_file.empty())
      if (auto why = detail::check_data_key_file(entry.key_file)) e.add_problem("key_file", *why);
    k.keys.push_back(std::move(entry));
  });
  t.read_tables("index_key", 64, [&](table_reader& e) {
    index_key_entry entry;
    e.require("version");
    e.read("version", entry.version, 1, 1'000'000);
    e.read("key_file", entry.key_file);
    e.read("derive_from", entry.derive_from);
    if (!entry.key_file.empty() && !entry.derive_from.empty())
      e.add_problem("derive_from", "give key_file or derive_from, not both");
    if (!entry.derive_from.empty() &&
        !std::ranges::any_of(k.keys, [&](const data_key_entry& o) { return o.id == entry.derive_from; }))
      e.add_problem("derive_from", "must name the id of a [[data_keys.key]]");
    if (entry.version != 0 && std::ranges::any_of(k.index_keys, [&](const index_key_entry& o) {
          return o.version == entry.version;
        }))
      e.add_problem("version", "is listed twice");
    if (!entry.key_file.empty())
      if (auto why = detail::check_data_key_file(entry.key_file)) e.add_problem("key_file", *why);
    k.index_keys.push_back(std::move(entry));
  });
  if (k.keys.empty()) {
    if (!k.active.empty()) t.add_problem("active", "needs the keys listed as [[data_keys.key]]");
    if (!k.index_keys.empty()) t.add_problem("index_key", "needs the keys listed as [[data_keys.key]]");
    return;
  }
  if (!k.key_file.empty()) t.add_problem("key_file", "give either key_file or [[data_keys.key]], not both");
  if (k.active.empty() ||
      !std::ranges::any_of(k.keys, [&](const data_key_entry& o) { return o.id == k.active; }))
    t.add_problem("active", "must name the id of a [[data_keys.key]]");
  if (k.index_keys.empty()) t.add_problem("index_key", "at least one [[data_keys.index_key]] is required");
}

void read_saml_service(table_reader& t, const struct saml& saml, saml_service& s, seen_list& keys,
                       seen_list& indexes) {
  t.read("key", s.key);
  t.read("index", s.index, 1, 9'999);
  t.read("service_id", s.service_id);
  t.read("service_uuid", s.service_uuid);
  t.read("name", s.name);
  t.read("description", s.description);
  if (!saml.enabled) return;

  for (std::string_view key : {"key", "index", "service_id", "service_uuid", "name"}) {
    t.require(key);
  }
  if (!s.key.empty()) {
    if (s.key != "casework" && s.key != "signing" && s.key != "admin") {
      t.add_problem("key", "must be \"casework\", \"signing\" or \"admin\"");
    }
    check_unique(t, "key", s.key, keys);
  }
  check_unique(t, "index", std::to_string(s.index), indexes);
  const std::string expected_id = "urn:etoegang:DV:" + saml.oin + ":services:" + std::to_string(s.index);
  if (!s.service_id.empty() && s.service_id != expected_id) {
    t.add_problem("service_id", "must be " + expected_id + " (from saml.oin and index)");
  }
  if (!s.service_uuid.empty() && !is_uuid(s.service_uuid)) {
    t.add_problem("service_uuid", "must be a UUID");
  }
  if (s.name.size() > 64) t.add_problem("name", "must be at most 64 characters");
  if (s.description.size() > 1024) t.add_problem("description", "must be at most 1024 characters");
}

void read_identity_provider(table_reader& t, bool enabled, identity_provider& idp, seen_list& names) {
  t.read("name", idp.name);
  t.read("metadata", idp.metadata);
  t.read("metadata_signing_certificate", idp.metadata_signing_certificate);
  t.read("role_mapping", idp.role_mapping);
  t.read("artifact_resolution_ca", idp.artifact_resolution_ca);
  t.read("soap_content_type", idp.soap_content_type);
  t.read("accept_post_binding", idp.accept_post_binding);
  if (!enabled) return;

  for (std::string_view key : {"name", "metadata", "role_mapping", "artifact_resolution_ca"}) {
    t.require(key);
  }
  if (!idp.name.empty()) {
    if (!is_token(idp.name, 32)) t.add_problem("name", "must be 1-32 characters of a-z 0-9 _ -");
    check_unique(t, "name", idp.name, names);
  }
  if (!idp.metadata.empty()) {
    if (auto why = detail::check_readable(idp.metadata, max_metadata_bytes)) {
      t.add_problem("metadata", *why);
    }
  }
  if (!idp.metadata_signing_certificate.empty()) {
    if (auto why = detail::check_certificate(idp.metadata_signing_certificate)) {
      t.add_problem("metadata_signing_certificate", *why);
    }
  }
  if (!idp.role_mapping.empty() && idp.role_mapping != "municipality" &&
      idp.role_mapping != "administrator") {
    t.add_problem("role_mapping", "must be \"municipality\" or \"administrator\"");
  }
  if (!idp.artifact_resolution_ca.empty()) {
    if (auto why = detail::check_ca_bundle(idp.artifact_resolution_ca)) {
      t.add_problem("artifact_resolution_ca", *why);
    }
  }
  if (idp.soap_content_type != "text/xml" && idp.soap_content_type != "application/soap+xml") {
    t.add_problem("soap_content_type", "must be \"text/xml\" or \"application/soap+xml\"");
  }
}

constexpr std::string_view assurance_levels[] = {
    "urn:etoegang:core:assurance-class:loa2", "urn:etoegang:core:assurance-class:loa2plus",
    "urn:etoegang:core:assurance-class:loa3", "urn:etoegang:core:assurance-class:loa4"};

/// Reads [saml]. Every key is always read, so types, ranges and typos are
/// caught; what is required and the files named are checked only when enabled.
void read_saml(table_reader& t, struct saml& s, const parse_state& state) {
  t.read("enabled", s.enabled);
  t.read("entity_id", s.entity_id);
  t.read("base_url", s.base_url);
  t.read("organization_name", s.organization_name);
  t.read("oin", s.oin);
  t.read("signing_certificate", s.signing_certificate);
  t.read("signing_key", s.signing_key);
  t.read("next_signing_certificate", s.next_signing_certificate);
  t.read("decryption_keys", s.decryption_keys, 8);
  t.read("tls_client_certificate", s.tls_client_certificate);
  t.read("tls_client_key", s.tls_client_key);
  t.read("minimum_assurance", s.minimum_assurance);
  t.read("max_clock_skew_s", s.max_clock_skew, 0, 300);
  t.read("request_lifetime_s", s.request_lifetime, 1, day_s);
  seen_list service_keys, service_indexes, idp_names;
  t.read_tables("service", 16, [&](table_reader& item) {
    saml_service service;
    read_saml_service(item, s, service, service_keys, service_indexes);
    s.services.push_back(std::move(service));
  });
  t.read_tables("identity_provider", 16, [&](table_reader& item) {
    identity_provider idp;
    read_identity_provider(item, s.enabled, idp, idp_names);
    s.identity_providers.push_back(std::move(idp));
  });
  if (!s.enabled) return;

  for (std::string_view key : {"entity_id", "base_url", "organization_name", "oin", "signing_certificate",
                               "signing_key", "tls_client_certificate", "tls_client_key"}) {
    t.require(key);
  }
  t.require("service", "at least one [[saml.service]] is required");
  t.require("identity_provider", "at least one [[saml.identity_provider]] is required");
  if (!s.oin.empty() && !is_oin(s.oin)) t.add_problem("oin", "must be 20 digits");
  if (!s.oin.empty()) check_test_oin(t, "oin", s.oin, state);
  const std::string entity_prefix = "urn:etoegang:DV:" + s.oin + ":entities:";
  if (!s.entity_id.empty() && !is_numbered_urn(s.entity_id, entity_prefix)) {
    t.add_problem("entity_id", "must be " + entity_prefix + "<index of 0-9999> (from saml.oin)");
  }
  if (!s.base_url.empty() && !is_https_origin(s.base_url)) {
    t.add_problem("base_url", "must be an https:// URL without a trailing /");
  }
  if (std::ranges::find(assurance_levels, s.minimum_assurance) == std::end(assurance_levels)) {
    t.add_problem("minimum_assurance",
                  "must be urn:etoegang:core:assurance-class:loa2, loa2plus, loa3 or loa4");
  } else if (s.minimum_assurance == assurance_levels[0] || s.minimum_assurance == assurance_levels[1]) {
    // EH3 is a floor, not a default: municipal users reach criminal-justice data.
    for (const auto& idp : s.identity_providers) {
      if (idp.role_mapping == "municipality") {
        t.add_problem("minimum_assurance", "must be loa3 or loa4: EH3 is the floor for municipal logins (" +
                                               std::string(s.minimum_assurance) +
                                               " with identity_provider \"" + idp.name +
                                               "\", role_mapping = \"municipality\")");
        break;
      }
    }
  }
  check_pair(t, "signing_certificate", s.signing_certificate, "signing_key", s.signing_key, key_use::saml);
  if (!s.next_signing_certificate.empty()) {
    if (auto why = detail::check_certificate(s.next_signing_certificate)) {
      t.add_problem("next_signing_certificate", *why);
    }
  }
  for (std::size_t i = 0; i < s.decryption_keys.size(); ++i) {
    if (auto why = detail::check_private_key(s.decryption_keys[i], key_use::saml)) {
      t.add_problem_at(t.key_path("decryption_keys") + '[' + std::to_string(i) + ']', *why);
    }
  }
  if (s.decryption_keys.empty() && !s.signing_key.empty()) s.decryption_keys = {s.signing_key};
  check_pair(t, "tls_client_certificate", s.tls_client_certificate, "tls_client_key", s.tls_client_key,
             key_use::tls);
}

void read_config(table_reader& root, config& c) {
  parse_state state;
  root.read("allow_test_oins", c.allow_test_oins);
  state.allow_test_oins = c.allow_test_oins;
  root.read_table("daemon", [&](table_reader& t) { read_daemon(t, c.daemon); });
  root.read_table("logging", [&](table_reader& t) {
    t.read("level", c.logging.level);
    log::level ignored;
    if (!log::parse_level(c.logging.level, ignored)) {
      t.add_problem("level", "must be \"debug\", \"info\", \"warn\" or \"error\"");
    }
  });
  root.read_table("store", [&](table_reader& t) { read_store(t, c.store); });
  root.read_table("data_keys", [&](table_reader& t) { read_data_keys(t, c.data_keys); });
  root.read_table("deliveries", [&](table_reader& t) { read_deliveries(t, c.deliveries); });
  root.read_table("session", [&](table_reader& t) {
    t.read("idle_timeout_s", c.session.idle_timeout, 1, day_s);
    t.read("absolute_timeout_s", c.session.absolute_timeout, 1, 7 * day_s);
    if (c.session.idle_timeout > c.session.absolute_timeout) {
      t.add_problem("idle_timeout_s", "must not exceed absolute_timeout_s");
    }
  });
  root.read_table("shutdown",
                  [&](table_reader& t) { t.read("drain_timeout_ms", c.shutdown.drain_timeout, 1, hour_ms); });
  root.read_table("listener", [&](table_reader& t) {
    const auto read_listeners = [&](std::string_view key, listener_kind kind, std::vector<listener>& out) {
      t.read_tables(key, 16, [&](table_reader& item) {
        listener l;
        l.kind = kind;
        read_listener(item, l, state);
        out.push_back(std::move(l));
      });
    };
    read_listeners("portal", listener_kind::portal, c.portal);
    read_listeners("system", listener_kind::system, c.system);
  });
  if (c.portal.empty() && c.system.empty()) {
    root.add_problem("listener", "at least one [[listener.portal]] or [[listener.system]] is required");
  }
  root.read_tables("party", 100'000, [&](table_reader& t) {
    party p;
    read_party(t, p, state);
    c.parties.push_back(std::move(p));
  });
  root.read_table("saml", [&](table_reader& t) { read_saml(t, c.saml, state); });
  root.read_table("email", [&](table_reader& t) { read_email(t, c.email); });
  if (c.saml.enabled && c.portal.empty()) {
    root.add_problem("saml.enabled", "SAML login needs a [[listener.portal]]");
  }
}

std::unexpected<std::vector<problem>> one_problem(std::string message) {
  return std::unexpected(std::vector<problem>{{"", std::move(message)}});
}

std::expected<std::shared_ptr<config>, std::vector<problem>> parse_mutable(std::string_view text,
                                                                           const path& base_dir) {
  if (text.size() > max_config_bytes) return one_problem("the file is larger than 1 MiB");
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    const toml::source_position where = e.source().begin;
    return one_problem("line " + std::to_string(where.line) + ", column " + std::to_string(where.column) +
                       ": " + std::string(e.description()));
  }
  std::vector<problem> problems;
  auto c = std::make_shared<config>();
  table_reader reader(root, "", base_dir, problems);
  read_config(reader, *c);
  reader.reject_unknown_keys();
  if (!problems.empty()) return std::unexpected(std::move(problems));
  return c;
}

void compare_addresses(std::string_view kind, const std::vector<listener>& current,
                       const std::vector<listener>& next, std::vector<std::string>& out) {
  const std::string key = "listener." + std::string(kind);
  if (current.size() != next.size()) {
    out.push_back(key);
    return;
  }
  for (std::size_t i = 0; i < current.size(); ++i) {
    if (current[i].addresses != next[i].addresses) {
      out.push_back(key + '[' + std::to_string(i) + "].addresses");
    }
  }
}

}  // namespace

load_result parse(std::string_view text, const path& base_dir) {
  auto c = parse_mutable(text, base_dir);
  if (!c) return std::unexpected(std::move(c.error()));
  return std::move(*c);
}

load_result load_file(const path& file) {
  std::error_code ec;
  const path absolute = std::filesystem::absolute(file, ec).lexically_normal();
  if (ec) return one_problem("cannot read " + file.string() + ": " + ec.message());
  auto text = detail::read_text(absolute, max_config_bytes);
  if (!text) return one_problem(text.error());
  auto c = parse_mutable(*text, absolute.parent_path());
  if (!c) return std::unexpected(std::move(c.error()));
  (*c)->source = absolute;
  return std::move(*c);
}

std::vector<problem> warnings(const config& c) {
  std::vector<problem> out;
  for (std::size_t i = 0; i < c.system.size(); ++i) {
    if (c.system[i].crl_files.empty()) {
      out.push_back({"listener.system[" + std::to_string(i) + "].crl_optional",
                     "no CRLs: revoked client certificates are accepted"});
    }
  }
  if (!c.deliveries.push_client_certificate.empty() && c.deliveries.push_crl_files.empty()) {
    out.push_back({"deliveries.push_crl_optional", "no CRLs: revoked endpoint certificates are accepted"});
  }
  if (c.allow_test_oins) {
    out.push_back({"allow_test_oins", "test OINs (prefix 00000099) are accepted: for test systems only"});
  }
  return out;
}

std::vector<std::string> restart_required(const config& current, const config& next) {
  std::vector<std::string> out;
  compare_addresses("portal", current.portal, next.portal, out);
  compare_addresses("system", current.system, next.system, out);
  const auto check = [&out](bool changed, const char* key) {
    if (changed) out.emplace_back(key);
  };
  check(current.store.database != next.store.database, "store.database");
  check(current.store.readers != next.store.readers, "store.readers");
  check(current.store.max_batch != next.store.max_batch, "store.max_batch");
  check(current.store.busy_timeout != next.store.busy_timeout, "store.busy_timeout_ms");
  check(current.store.max_page_count != next.store.max_page_count, "store.max_page_count");
  check(current.data_keys.key_file != next.data_keys.key_file, "data_keys.key_file");
  check(current.data_keys.key_id != next.data_keys.key_id, "data_keys.key_id");
  check(current.data_keys.active != next.data_keys.active, "data_keys.active");
  check(current.data_keys.keys != next.data_keys.keys, "data_keys.key");
  check(current.data_keys.index_keys != next.data_keys.index_keys, "data_keys.index_key");
  check(current.daemon.threads != next.daemon.threads, "daemon.threads");
  check(current.daemon.worker_threads != next.daemon.worker_threads, "daemon.worker_threads");
  return out;
}

}  // namespace poort::config

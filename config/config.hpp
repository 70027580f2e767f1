#pragma once
// poort's configuration: typed, immutable structs parsed once from TOML
// (`config/poort.example.toml` documents every key and its default).
//
// Nothing else in poort reads TOML: the daemon loads a `config` at start-up
// and on SIGHUP, validates it completely (`load_file`), and hands out
// `std::shared_ptr<const config>`; a reload that fails leaves the old one in
// place. Relative paths in the file are resolved against the directory of the
// config file.
//
// Thread safety: a loaded `config` is immutable and may be shared freely.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace poort::config {

using std::chrono::milliseconds;
using std::chrono::seconds;
using path = std::filesystem::path;

/// A server certificate chain (leaf first) and its private key. A listener may
/// carry several, e.g. one ECDSA and one RSA (>= 3072 bits); OpenSSL picks per
/// handshake.
struct server_certificate {
  path certificate;  ///< PEM, leaf first, then intermediates
  path private_key;  ///< PEM, unencrypted, readable only by poortd
};

/// Limits and timeouts of one listener. Every read has a limit (DESIGN §7).
struct limits {
  std::size_t max_connections = 10'000;                   ///< open connections on this listener
  std::size_t max_connections_per_address = 256;          ///< open connections per client IP
  std::size_t max_header_bytes = std::size_t{16} * 1024;  ///< request line + headers (431 beyond)
  std::size_t max_header_fields = 100;                    ///< header fields in a request head (431 beyond)
  std::size_t max_body_bytes = std::size_t{1024} * 1024;  ///< hard cap; routes may set less (413 beyond)
  milliseconds handshake_timeout{10'000};                 ///< TLS handshake
  milliseconds header_timeout{10'000};                    ///< to end of headers, from handshake or first byte
  milliseconds body_timeout{30'000};                      ///< reading the body
  milliseconds idle_timeout{60'000};                      ///< keep-alive wait for the next request
  milliseconds write_timeout{30'000};                     ///< writing one response
  std::size_t max_requests_per_connection = 0;            ///< 0 = unlimited
  std::uint32_t requests_per_second_per_address = 0;      ///< 0 = no rate limit; else token bucket
  std::uint32_t burst_per_address = 0;                    ///< bucket size; parse sets 2 x rate if not given
};

enum class listener_kind { portal, system };

struct listener {
  listener_kind kind = listener_kind::portal;
  std::vector<std::string> addresses;  ///< "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:0"
  std::vector<server_certificate> certificates;
  /// system listener only: CA bundle that client certificates must chain to.
  path client_ca_bundle;
  /// system listener only: CRL files (PEM), checked for every certificate of a
  /// client's chain (leaf and intermediates: X509_V_FLAG_CRL_CHECK_ALL), so each
  /// CA in client_ca_bundle needs its CRL here.
  std::vector<path> crl_files;
  /// system listener only: true lets it start without any CRL (no revocation
  /// check at all; `--check-config` warns). false (the default): crl_files is required.
  bool crl_optional = false;
  struct limits limits;
};

/// Who a client certificate on the system listener may belong to (DESIGN §2).
enum class party_kind {
  institution,       ///< a prison (PI) that pushes deliveries
  municipal_system,  ///< a municipality's back-office system that pulls its inbox
};

/// A party known by the OIN in its certificate's subject serialNumber.
struct party {
  std::string oin;   ///< 20 digits
  std::string name;  ///< display name, e.g. "PI Zwolle"
  party_kind kind = party_kind::institution;
  std::string gemeentecode;  ///< municipal_system only: "GMnnnn"
  /// institution only: prisons with the same value belong to one organisation,
  /// so that the prison a detainee was moved to may supersede or withdraw the
  /// earlier prison's sheet (domain::check_sheet_action); "" = none (1..200).
  std::string organisation;
};

struct store {
  path database = "/var/lib/poort/poort.db";
  std::size_t readers = 4;           ///< read-only connections in the pool
  std::size_t max_batch = 256;       ///< transactions per group commit, at most
  milliseconds busy_timeout{5'000};  ///< SQLite busy handler
  std::uint64_t max_page_count = 0;  ///< 0 = SQLite default; caps the file size
};

/// A sealing key of the ring form ([[data_keys.key]]).
struct data_key_entry {
  std::string id;  ///< 1-32 of A-Z a-z 0-9 . _ -; stored with each ciphertext
  path key_file;   ///< 32 raw bytes or 64 hex; "" = $CREDENTIALS_DIRECTORY/data-key-<id>
  bool operator==(const data_key_entry&) const = default;
};

/// A blind-index key of the ring form ([[data_keys.index_key]]).
struct index_key_entry {
  unsigned version = 0;     ///< 1..1000000; the highest listed is active
  path key_file;            ///< its own key; "" with derive_from = "" means
                            ///< $CREDENTIALS_DIRECTORY/index-key-<version>
  std::string derive_from;  ///< or: derived from this sealing key (what the single-key form does)
  bool operator==(const index_key_entry&) const = default;
};

/// Personal data at rest (issues 5, 14): the key ring of store/data_key.hpp.
/// Single-key form: `key_file` + `key_id` (one active key, index version 1
/// derived from it). Ring form: `active` + `keys` + `index_keys`; then
/// `key_file` must be "".
struct data_keys {
  path key_file;  ///< 32 raw bytes or 64 hex characters; "" = none configured
  std::string key_id = "k1";
  std::string active;                       ///< ring form: the id of the sealing key
  std::vector<data_key_entry> keys;         ///< ring form: every sealing key (old ones open only)
  std::vector<index_key_entry> index_keys;  ///< ring form: every blind-index version still in use
};

struct logging {
  std::string level = "info";  ///< debug | info | warn | error
};

/// An identity provider: its metadata and how its assertions map to roles.
struct identity_provider {
  std::string name;                   ///< short key, e.g. "eherkenning", "justid"
  path metadata;                      ///< SAML metadata file of the IdP
  path metadata_signing_certificate;  ///< optional: metadata must be signed by this
  std::string role_mapping;           ///< "municipality" (by ServiceUUID) or "administrator"
  /// TLS for the ArtifactResolutionService: CA bundle to trust; our client cert
  /// is the SP's TLS certificate.
  path artifact_resolution_ca;
  std::string soap_content_type = "text/xml";  ///< or "application/soap+xml"
  /// Accept a SAMLResponse by the HTTP-POST binding from this IdP. Off: only
  /// artifacts (the eHerkenning profile: a broker answers by artifact).
  bool accept_post_binding = false;
};

/// A service of ours in the eHerkenning catalogue.
struct saml_service {
  std::string key;           ///< "casework" | "signing" | "admin"
  unsigned index = 1;        ///< AttributeConsumingServiceIndex
  std::string service_id;    ///< urn:etoegang:DV:<OIN>:services:<index>
  std::string service_uuid;  ///< mandates are registered against this
  std::string name;          ///< ServiceName (nl)
  std::string description;
};

struct saml {
  bool enabled = false;
  std::string entity_id;  ///< urn:etoegang:DV:<OIN>:entities:<index>
  std::string base_url;   ///< public portal URL, e.g. https://poort.example.nl
  std::string organization_name;
  std::string oin;
  path signing_certificate;  ///< current SP certificate (PEM)
  path signing_key;
  path next_signing_certificate;      ///< optional: rollover, published in metadata
  std::vector<path> decryption_keys;  ///< every SP key tried for EncryptedKey; default {signing_key}
  path tls_client_certificate;        ///< mutual TLS towards the ArtifactResolutionService
  path tls_client_key;
  /// The level every login must reach; with an IdP of role_mapping
  /// "municipality" below loa3 is a configuration error (EH3 is a floor).
  std::string minimum_assurance = "urn:etoegang:core:assurance-class:loa3";
  seconds max_clock_skew{60};
  seconds request_lifetime{900};  ///< how long an AuthnRequest ID stays answerable
  std::vector<saml_service> services;
  std::vector<identity_provider> identity_providers;
};

struct session {
  seconds idle_timeout{15 * 60};
  seconds absolute_timeout{8 * 60 * 60};
};

struct shutdown {
  milliseconds drain_timeout{10'000};  ///< SIGTERM: in-flight requests get this long
};

/// E-mail notices of onboarding (registration received, application needs
/// signing, approved, rejected, connected), sent through an SMTP relay with
/// STARTTLS required. Off by default.
struct email {
  bool enabled = false;
  std::string smtp_url;               ///< "smtp://relay.example.nl:587" (STARTTLS is always required)
  std::string from;                   ///< sender address
  std::string administrator_address;  ///< Justid's mailbox for "registration received"; "" = none
  path ca_bundle;                     ///< CA bundle that the relay's certificate must chain to; "" = system's
  std::string username;               ///< SMTP AUTH user; "" = no authentication
  path password_file;                 ///< the SMTP AUTH password (first line); required with username
  seconds timeout{30};                ///< one SMTP conversation
  seconds retry_interval{60};         ///< after a failed send; doubles per attempt, at most one hour
  unsigned max_attempts = 10;         ///< then the notice is given up (and logged)
};

/// Deliveries (issue 5): retention of personal data and the push outbox.
struct deliveries {
  /// When content is purged: "release_date" (retention_days after the
  /// person's release date) or "acknowledgement" (retention_days after the
  /// municipality acknowledged it). Tombstones and the audit trail stay.
  std::string retention_basis = "release_date";
  unsigned retention_days = 183;                  ///< about 6 months
  unsigned retention_without_release_days = 730;  ///< no release date known (or never acknowledged)
  seconds purge_interval{3'600};                  ///< how often poortd purges what is due
  /// How long an audit record keeps its person reference (store/audit.hpp):
  /// the purge job clears the references of records older than this, and
  /// the hash chain still verifies. 0 = never cleared by poortd (only by
  /// `poortctl audit clear-person-refs`). About five years by default.
  unsigned audit_person_reference_days = 1'826;
  /// Push to municipal endpoints over mutual TLS: poort's client certificate
  /// and key ("" = push disabled; messages then wait in the outbox), and the
  /// CA bundle that the endpoints' server certificates must chain to.
  path push_client_certificate;
  path push_client_key;
  path push_ca_bundle;
  /// CRLs (PEM) of the CAs in push_ca_bundle: the endpoint's whole chain is
  /// checked against them (X509_V_FLAG_CRL_CHECK_ALL). Required with push
  /// unless push_crl_optional.
  std::vector<path> push_crl_files;
  bool push_crl_optional = false;  ///< true: push without revocation checks (`--check-config` warns)
  milliseconds push_initial_backoff{1'000};  ///< after the first failure; doubles per attempt
  milliseconds push_max_backoff{300'000};    ///< the cap of the back-off
  seconds push_give_up_after{3 * 86'400};    ///< then OPGEGEVEN (administrators see it)
  milliseconds push_timeout{10'000};         ///< one push: connect, handshake, request, response
  milliseconds push_poll_interval{1'000};    ///< how often the outbox is checked when idle
  /// Pushes connect only to public unicast addresses of the endpoint's host
  /// (no loopback, private, link-local, CGNAT, multicast, reserved or
  /// documentation ranges), so that a signatory cannot point them at an
  /// internal host. true allows every address: test rigs and closed networks.
  bool push_allow_private_addresses = false;
};

struct daemon {
  unsigned threads = 0;          ///< I/O threads; 0 = one per core
  unsigned worker_threads = 32;  ///< threads for handlers that wait on the store
  path web_root = "/usr/share/poort/web";
  std::string public_portal_url;  ///< used in redirects and printed by the demo
};

// `struct x x;`: a member named after its type needs the elaborated type for g++.
struct config {
  /// Whether OINs with the test prefix `00000099` are accepted: in [[party]],
  /// saml.oin, client certificates on the system listener (auth/peer.hpp),
  /// uploaded system certificates and `poortctl registry import`. Anyone may
  /// issue a certificate with a test OIN, so production refuses them; the
  /// development PKI (scripts/pki), the demo and the tests set this.
  bool allow_test_oins = false;
  std::vector<listener> portal;  ///< usually one; each with its own addresses
  std::vector<listener> system;
  std::vector<party> parties;
  struct store store;
  struct data_keys data_keys;
  struct logging logging;
  struct saml saml;
  struct session session;
  struct shutdown shutdown;
  struct daemon daemon;
  struct deliveries deliveries;
  struct email email;
  path source;  ///< the file this was loaded from
};

/// One problem found in a config file, with its TOML key path
/// (e.g. "listener.system[0].client_ca_bundle"). The key is "" for a problem
/// with the file as a whole: unreadable, too large, or a TOML syntax error
/// (the message then starts with "line L, column C: ").
struct problem {
  std::string key;
  std::string message;
};

using load_result = std::expected<std::shared_ptr<const config>, std::vector<problem>>;

/// The prefix of test OINs (Logius OIN-stelsel), refused unless allow_test_oins.
inline constexpr std::string_view test_oin_prefix = "00000099";

/// Whether `oin` carries the test prefix.
inline bool is_test_oin(std::string_view oin) { return oin.starts_with(test_oin_prefix); }

/// What a valid config allows but an operator should know, with its key
/// path: a system listener without CRLs (crl_optional), push without CRLs
/// (push_crl_optional), test OINs allowed (allow_test_oins). Pure.
std::vector<problem> warnings(const config& c);

/// Parses and validates `text` (TOML); relative paths resolve against `base_dir`.
/// Every problem is reported, not only the first. Validation includes loading
/// each certificate, key, CA bundle and CRL it names (so `--check-config`
/// catches an unreadable key), checking that a key matches its certificate,
/// and the TLS policy (RSA >= 3072 bits, EC P-256/P-384).
load_result parse(std::string_view text, const path& base_dir);

/// Reads `file` (at most 1 MiB) and calls `parse` with its directory.
load_result load_file(const path& file);

/// The settings that SIGHUP may change without a restart: certificates, CA
/// bundles, CRLs, limits, parties, log level, session, SAML. Returns the key
/// paths whose change needs a restart, empty if `next` may replace `current`:
/// "listener.portal" / "listener.system" (a listener added or removed),
/// "listener.<kind>[i].addresses", every "store.*" key (the store applies them
/// when it opens the database), "data_keys.key_file", "data_keys.key_id",
/// "data_keys.active", "data_keys.key", "data_keys.index_key",
/// "daemon.threads", "daemon.worker_threads".
std::vector<std::string> restart_required(const config& current, const config& next);

}  // namespace poort::config

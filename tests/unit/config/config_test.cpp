#include "config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/unit/config/test_pki.hpp"

namespace poort::config {

void PrintTo(const problem& p, std::ostream* os) { *os << '{' << p.key << ": " << p.message << '}'; }

namespace {

using test_pki::key_kind;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

/// A problem at exactly `key` whose message contains `text`.
MATCHER_P2(Problem, key, text, "") { return arg.key == key && arg.message.find(text) != std::string::npos; }

MATCHER_P(ProblemAt, key, "") { return arg.key == key; }

using std::filesystem::path;

/// Writes a key and a self-signed certificate for it as NAME.key and NAME.crt.
void write_pair(const path& dir, const std::string& name, key_kind kind) {
  auto key = test_pki::make_key(kind);
  auto cert = test_pki::make_self_signed(key.get(), name);
  test_pki::write_file(dir / (name + ".key"), test_pki::to_pem(key.get()));
  test_pki::write_file(dir / (name + ".crt"), test_pki::to_pem(cert.get()));
}

/// Writes every file the tests name into `dir`.
void write_test_files(const path& dir) {
  write_pair(dir, "ec", key_kind::ec_p256);
  write_pair(dir, "ec384", key_kind::ec_p384);
  write_pair(dir, "rsa3072", key_kind::rsa_3072);
  write_pair(dir, "rsa2048", key_kind::rsa_2048);
  write_pair(dir, "k1", key_kind::ec_secp256k1);
  write_pair(dir, "ed25519", key_kind::ed25519);
  test_pki::write_file(dir / "other-ec.key", test_pki::to_pem(test_pki::make_key(key_kind::ec_p256).get()));

  auto ca_key = test_pki::make_key(key_kind::ec_p256);
  auto ca = test_pki::make_self_signed(ca_key.get(), "Test CA");
  test_pki::write_file(dir / "ca.pem", test_pki::to_pem(ca.get()));
  test_pki::write_file(dir / "crl.pem", test_pki::to_pem(test_pki::make_crl(ca.get(), ca_key.get()).get()));

  std::ifstream ec(dir / "ec.crt"), rsa(dir / "rsa3072.crt");
  std::stringstream chain;
  chain << ec.rdbuf() << rsa.rdbuf();  // rsa3072 did not issue ec
  test_pki::write_file(dir / "wrong-order.crt", chain.str());

  test_pki::write_file(dir / "garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n");
  test_pki::write_file(dir / "data-raw.key", std::string(32, '\x07'));
  test_pki::write_file(dir / "data-hex.key", std::string(64, 'a') + "\n");
  test_pki::write_file(dir / "data-short.key", std::string(31, '\x07'));
  test_pki::write_file(dir / "data-nonhex.key", std::string(64, 'g'));
  test_pki::write_file(dir / "metadata.xml", "<md:EntityDescriptor/>");
}

/// The directory of the test files. They are made on first use and kept in
/// the build tree: RSA key generation is slow and ctest runs every test in a
/// process of its own. A fresh directory is renamed into place, so test
/// processes running in parallel never see a half-written one.
const path& test_files() {
  static const path dir = [] {
    const path kept = path(POORT_BINARY_DIR) / "tests/unit/config/pki-v1";
    if (std::filesystem::exists(kept / "complete")) return kept;
    test_pki::temp_dir fresh(kept.parent_path());
    write_test_files(fresh.path());
    test_pki::write_file(fresh / "complete", "");
    std::error_code lost_the_race;  // another process renamed its directory first: use that one
    std::filesystem::rename(fresh.path(), kept, lost_the_race);
    if (lost_the_race && !std::filesystem::exists(kept / "complete")) {
      throw std::runtime_error("cannot keep the test files in " + kept.string());
    }
    return kept;
  }();
  return dir;
}

/// A valid portal listener.
constexpr std::string_view portal = R"(
[[listener.portal]]
addresses = ["127.0.0.1:8443"]
[[listener.portal.certificate]]
certificate = "@DIR@/ec.crt"
private_key = "@DIR@/ec.key"
)";

/// A valid system listener.
constexpr std::string_view system_listener = R"(
[[listener.system]]
addresses = ["127.0.0.1:9443"]
client_ca_bundle = "@DIR@/ca.pem"
crl_files = ["@DIR@/crl.pem"]
[[listener.system.certificate]]
certificate = "@DIR@/rsa3072.crt"
private_key = "@DIR@/rsa3072.key"
)";

/// A valid, enabled [saml] section (needs a portal listener).
constexpr std::string_view saml_enabled = R"(
[saml]
enabled = true
entity_id = "urn:etoegang:DV:00000099000000000099:entities:9001"
base_url = "https://poort.test"
organization_name = "Justid"
oin = "00000099000000000099"
signing_certificate = "@DIR@/rsa3072.crt"
signing_key = "@DIR@/rsa3072.key"
tls_client_certificate = "@DIR@/ec.crt"
tls_client_key = "@DIR@/ec.key"
[[saml.service]]
key = "casework"
index = 1
service_id = "urn:etoegang:DV:00000099000000000099:services:1"
service_uuid = "6f2c1e8a-3b4d-4c5e-9f60-718293a4b5c6"
name = "Casework"
[[saml.identity_provider]]
name = "eherkenning"
metadata = "@DIR@/metadata.xml"
role_mapping = "municipality"
artifact_resolution_ca = "@DIR@/ca.pem"
)";

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class ConfigTest : public ::testing::Test {
 protected:
  static const path& dir() { return test_files(); }
  static std::string file(std::string_view name) { return (dir() / name).string(); }

  /// Parses `text` with "@DIR@" replaced by the directory of the test files;
  /// test OINs are allowed when the text has one (the tests' OINs are test
  /// OINs; the key is put first only then, so other texts keep their lines).
  static load_result parse_text(std::string_view text) {
    if (text.find("00000099") == std::string_view::npos) return parse_strict(text);
    return parse_strict("allow_test_oins = true\n" + std::string(text));
  }

  /// `parse_text` without allowing test OINs.
  static load_result parse_strict(std::string_view text) {
    return parse(replace_all(std::string(text), "@DIR@", dir().string()), dir());
  }

  static std::shared_ptr<const config> parsed(std::string_view text) {
    auto c = parse_text(text);
    EXPECT_TRUE(c.has_value()) << ::testing::PrintToString(c.error());
    return c ? *c : nullptr;
  }

  static std::vector<problem> problems(std::string_view text) {
    auto c = parse_text(text);
    EXPECT_FALSE(c.has_value()) << "parsed without problems";
    return c ? std::vector<problem>{} : c.error();
  }

  /// A portal listener whose single certificate entry is `certificate` and `key`.
  static std::string portal_with(std::string_view certificate, std::string_view key) {
    return replace_all(replace_all(std::string(portal), "ec.crt", certificate), "ec.key", key);
  }
};

// --- valid configurations ---------------------------------------------------

TEST_F(ConfigTest, MinimalConfigKeepsTheDefaults) {
  auto c = parsed(portal);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->portal.size(), 1u);
  EXPECT_TRUE(c->system.empty());
  EXPECT_EQ(c->portal[0].kind, listener_kind::portal);
  EXPECT_THAT(c->portal[0].addresses, ElementsAre("127.0.0.1:8443"));
  ASSERT_EQ(c->portal[0].certificates.size(), 1u);
  EXPECT_EQ(c->portal[0].certificates[0].certificate, dir() / "ec.crt");
  EXPECT_EQ(c->portal[0].certificates[0].private_key, dir() / "ec.key");
  EXPECT_EQ(c->portal[0].limits.idle_timeout, milliseconds(60'000));
  EXPECT_EQ(c->portal[0].limits.max_body_bytes, 1024u * 1024u);
  EXPECT_EQ(c->store.database, "/var/lib/poort/poort.db");
  EXPECT_EQ(c->store.readers, 4u);
  EXPECT_EQ(c->logging.level, "info");
  EXPECT_FALSE(c->saml.enabled);
  EXPECT_TRUE(c->source.empty());
}

TEST_F(ConfigTest, FullConfigIsReadIntoTheStructs) {
  const std::string text = std::string(portal) + R"(
[listener.portal.limits]
max_connections = 500
max_connections_per_address = 20
max_header_bytes = 8192
max_body_bytes = 67108864
handshake_timeout_ms = 5000
header_timeout_ms = 6000
body_timeout_ms = 7000
idle_timeout_ms = 8000
write_timeout_ms = 9000
max_requests_per_connection = 100
requests_per_second_per_address = 10
)" + std::string(system_listener) +
                           R"(
[[listener.system.certificate]]
certificate = "@DIR@/ec384.crt"
private_key = "@DIR@/ec384.key"

[daemon]
threads = 2
worker_threads = 8
web_root = "web"
public_portal_url = "https://poort.test"

[logging]
level = "debug"

[store]
database = "state/poort.db"
readers = 2
max_batch = 64
busy_timeout_ms = 250
max_page_count = 100000

[data_keys]
key_file = "@DIR@/data-hex.key"
key_id = "k2"

[session]
idle_timeout_s = 600
absolute_timeout_s = 3600

[shutdown]
drain_timeout_ms = 2500

[[party]]
oin = "00000099000000000001"
name = "PI Zwolle"
kind = "institution"

[[party]]
oin = "00000099000000000002"
name = "Gemeente Utrecht"
kind = "municipal_system"
gemeentecode = "GM0344"
)" + std::string(saml_enabled) +
                           R"(
[[saml.service]]
key = "signing"
index = 2
service_id = "urn:etoegang:DV:00000099000000000099:services:2"
service_uuid = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"
name = "Signing"
description = "Sign the application"
[[saml.identity_provider]]
name = "justid"
metadata = "@DIR@/metadata.xml"
metadata_signing_certificate = "@DIR@/ca.pem"
role_mapping = "administrator"
artifact_resolution_ca = "@DIR@/ca.pem"
soap_content_type = "application/soap+xml"
)";
  auto c = parsed(text);
  ASSERT_TRUE(c);

  const limits& l = c->portal[0].limits;
  EXPECT_EQ(l.max_connections, 500u);
  EXPECT_EQ(l.max_connections_per_address, 20u);
  EXPECT_EQ(l.max_header_bytes, 8192u);
  EXPECT_EQ(l.max_body_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(l.handshake_timeout, milliseconds(5000));
  EXPECT_EQ(l.header_timeout, milliseconds(6000));
  EXPECT_EQ(l.body_timeout, milliseconds(7000));
  EXPECT_EQ(l.idle_timeout, milliseconds(8000));
  EXPECT_EQ(l.write_timeout, milliseconds(9000));
  EXPECT_EQ(l.max_requests_per_connection, 100u);
  EXPECT_EQ(l.requests_per_second_per_address, 10u);
  EXPECT_EQ(l.burst_per_address, 20u) << "defaults to twice the rate";

  ASSERT_EQ(c->system.size(), 1u);
  EXPECT_EQ(c->system[0].kind, listener_kind::system);
  EXPECT_EQ(c->system[0].client_ca_bundle, dir() / "ca.pem");
  EXPECT_THAT(c->system[0].crl_files, ElementsAre(dir() / "crl.pem"));
  EXPECT_EQ(c->system[0].certificates.size(), 2u);

  EXPECT_EQ(c->daemon.threads, 2u);
  EXPECT_EQ(c->daemon.worker_threads, 8u);
  EXPECT_EQ(c->daemon.web_root, dir() / "web");
  EXPECT_EQ(c->daemon.public_portal_url, "https://poort.test");
  EXPECT_EQ(c->logging.level, "debug");
  EXPECT_EQ(c->store.database, dir() / "state/poort.db");
  EXPECT_EQ(c->store.readers, 2u);
  EXPECT_EQ(c->store.max_batch, 64u);
  EXPECT_EQ(c->store.busy_timeout, milliseconds(250));
  EXPECT_EQ(c->store.max_page_count, 100000u);
  EXPECT_EQ(c->data_keys.key_file, dir() / "data-hex.key");
  EXPECT_EQ(c->data_keys.key_id, "k2");
  EXPECT_EQ(c->session.idle_timeout, seconds(600));
  EXPECT_EQ(c->session.absolute_timeout, seconds(3600));
  EXPECT_EQ(c->shutdown.drain_timeout, milliseconds(2500));

  ASSERT_EQ(c->parties.size(), 2u);
  EXPECT_EQ(c->parties[0].oin, "00000099000000000001");
  EXPECT_EQ(c->parties[0].name, "PI Zwolle");
  EXPECT_EQ(c->parties[0].kind, party_kind::institution);
  EXPECT_EQ(c->parties[1].kind, party_kind::municipal_system);
  EXPECT_EQ(c->parties[1].gemeentecode, "GM0344");

  const struct saml& s = c->saml;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.entity_id, "urn:etoegang:DV:00000099000000000099:entities:9001");
  EXPECT_EQ(s.oin, "00000099000000000099");
  EXPECT_EQ(s.signing_key, dir() / "rsa3072.key");
  EXPECT_THAT(s.decryption_keys, ElementsAre(dir() / "rsa3072.key")) << "defaults to signing_key";
  EXPECT_EQ(s.minimum_assurance, "urn:etoegang:core:assurance-class:loa3");
  EXPECT_EQ(s.max_clock_skew, seconds(60));
  ASSERT_EQ(s.services.size(), 2u);
  EXPECT_EQ(s.services[1].key, "signing");
  EXPECT_EQ(s.services[1].index, 2u);
  EXPECT_EQ(s.services[1].description, "Sign the application");
  ASSERT_EQ(s.identity_providers.size(), 2u);
  EXPECT_EQ(s.identity_providers[0].soap_content_type, "text/xml");
  EXPECT_EQ(s.identity_providers[1].role_mapping, "administrator");
  EXPECT_EQ(s.identity_providers[1].metadata_signing_certificate, dir() / "ca.pem");
  EXPECT_EQ(s.identity_providers[1].soap_content_type, "application/soap+xml");
}

TEST_F(ConfigTest, AcceptsEveryAllowedKeyType) {
  for (std::string_view pair : {"ec", "ec384", "rsa3072"}) {
    SCOPED_TRACE(pair);
    const std::string name(pair);
    EXPECT_TRUE(parsed(portal_with(name + ".crt", name + ".key")));
  }
}

TEST_F(ConfigTest, AcceptsBothAddressFamiliesAndRepeatedPortZero) {
  auto c = parsed(replace_all(std::string(portal), R"(["127.0.0.1:8443"])",
                              R"(["0.0.0.0:0", "0.0.0.0:0", "[::]:8443", "[2001:db8::1]:65535"])"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->portal[0].addresses.size(), 4u);
}

TEST_F(ConfigTest, InlineCertificateArrayIsTheSameAsArrayOfTables) {
  auto c = parsed(R"(
[[listener.portal]]
addresses = ["127.0.0.1:0"]
certificate = [{ certificate = "@DIR@/ec.crt", private_key = "@DIR@/ec.key" }]
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->portal[0].certificates.size(), 1u);
}

TEST_F(ConfigTest, DataKeyFileMayBeRawOrHex) {
  for (std::string_view name : {"data-raw.key", "data-hex.key"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(
        parsed(std::string(portal) + "[data_keys]\nkey_file = \"@DIR@/" + std::string(name) + "\"\n"));
  }
}

// The key ring form of [data_keys] (issue 14 item 1): sealing keys with ids,
// one active, and versioned blind-index keys, own or derived.
TEST_F(ConfigTest, DataKeyRingFormIsRead) {
  auto c = parsed(std::string(portal) + R"(
[data_keys]
active = "k2"
[[data_keys.key]]
id = "k1"
key_file = "@DIR@/data-raw.key"
[[data_keys.key]]
id = "k2"
key_file = "@DIR@/data-hex.key"
[[data_keys.index_key]]
version = 1
derive_from = "k1"
[[data_keys.index_key]]
version = 2
key_file = "@DIR@/data-hex.key"
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->data_keys.active, "k2");
  ASSERT_EQ(c->data_keys.keys.size(), 2u);
  EXPECT_EQ(c->data_keys.keys[1].key_file, dir() / "data-hex.key");
  ASSERT_EQ(c->data_keys.index_keys.size(), 2u);
  EXPECT_EQ(c->data_keys.index_keys[0].derive_from, "k1");
  EXPECT_EQ(c->data_keys.index_keys[1].version, 2u);
}

TEST_F(ConfigTest, InconsistentDataKeyRingIsAProblem) {
  EXPECT_THAT(problems(std::string(portal) + R"(
[data_keys]
key_file = "@DIR@/data-raw.key"
active = "k3"
[[data_keys.key]]
id = "k1"
[[data_keys.key]]
id = "k1"
[[data_keys.index_key]]
version = 1
derive_from = "k9"
[[data_keys.index_key]]
version = 1
key_file = "@DIR@/data-raw.key"
derive_from = "k1"
)"),
              UnorderedElementsAre(Problem("data_keys.key[1].id", "listed twice"),
                                   Problem("data_keys.index_key[0].derive_from", "must name"),
                                   Problem("data_keys.index_key[1].derive_from", "not both"),
                                   Problem("data_keys.index_key[1].version", "listed twice"),
                                   Problem("data_keys.key_file", "not both"),
                                   Problem("data_keys.active", "must name")));
  EXPECT_THAT(problems(std::string(portal) + "[data_keys]\nactive = \"k1\"\n"),
              ElementsAre(Problem("data_keys.active", "[[data_keys.key]]")));
}

TEST_F(ConfigTest, RelativePathsResolveAgainstTheBaseDirectory) {
  auto c = parsed(R"(
[[listener.portal]]
addresses = ["127.0.0.1:0"]
[[listener.portal.certificate]]
certificate = "ec.crt"
private_key = "./sub/../ec.key"
[store]
database = "/abs/poort.db"
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->portal[0].certificates[0].certificate, dir() / "ec.crt");
  EXPECT_EQ(c->portal[0].certificates[0].private_key, dir() / "ec.key");
  EXPECT_EQ(c->store.database, "/abs/poort.db");
}

TEST_F(ConfigTest, LoadFileSetsSourceAndResolvesAgainstItsDirectory) {
  test_pki::temp_dir config_dir;
  std::filesystem::copy_file(dir() / "ec.crt", config_dir / "portal.crt");
  std::filesystem::copy_file(dir() / "ec.key", config_dir / "portal.key");
  test_pki::write_file(config_dir / "poort.toml", R"(
[[listener.portal]]
addresses = ["127.0.0.1:0"]
[[listener.portal.certificate]]
certificate = "portal.crt"
private_key = "portal.key"
)");
  auto c = load_file(config_dir / "poort.toml");
  ASSERT_TRUE(c) << ::testing::PrintToString(c.error());
  EXPECT_EQ((*c)->source, config_dir / "poort.toml");
  EXPECT_EQ((*c)->portal[0].certificates[0].certificate, config_dir / "portal.crt");
}

TEST_F(ConfigTest, LoadFileReportsAMissingFile) {
  auto c = load_file(dir() / "absent.toml");
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error(), ElementsAre(Problem("", "no such file")));
}

// --- the example file -------------------------------------------------------

/// The example with the /etc/poort/ files it names copied to `root`.
std::string example_with_files(const path& root) {
  std::filesystem::create_directories(root / "tls");
  std::filesystem::create_directories(root / "saml");
  for (auto [from, to] : {std::pair{"ec.crt", "tls/portal-ec.crt"},
                          {"ec.key", "tls/portal-ec.key"},
                          {"rsa3072.crt", "tls/portal-rsa.crt"},
                          {"rsa3072.key", "tls/portal-rsa.key"},
                          {"ca.pem", "tls/client-ca.pem"},
                          {"crl.pem", "tls/client-ca.crl"},
                          {"ec384.crt", "tls/system-ec.crt"},
                          {"ec384.key", "tls/system-ec.key"},
                          {"rsa3072.crt", "saml/sp.crt"},
                          {"rsa3072.key", "saml/sp.key"},
                          {"ec.crt", "saml/tls-client.crt"},
                          {"ec.key", "saml/tls-client.key"},
                          {"metadata.xml", "saml/eherkenning-metadata.xml"},
                          {"ca.pem", "saml/eherkenning-ca.pem"}}) {
    std::filesystem::copy_file(test_files() / from, root / to);
  }
  std::ifstream in(path(POORT_SOURCE_DIR) / "config/poort.example.toml");
  std::stringstream text;
  text << in.rdbuf();
  return replace_all(text.str(), "/etc/poort/", root.string() + "/");
}

TEST_F(ConfigTest, ExampleFileParsesAndDocumentsTheDefaults) {
  test_pki::temp_dir root;
  const std::string example = example_with_files(root.path());
  ASSERT_THAT(example, Not(IsEmpty()));

  auto c = parse(example, root.path());
  ASSERT_TRUE(c) << ::testing::PrintToString(c.error());
  const config defaults;
  const limits default_limits;
  const limits& l = (*c)->portal[0].limits;
  EXPECT_EQ(l.max_connections, default_limits.max_connections);
  EXPECT_EQ(l.max_connections_per_address, default_limits.max_connections_per_address);
  EXPECT_EQ(l.max_header_bytes, default_limits.max_header_bytes);
  EXPECT_EQ(l.max_body_bytes, default_limits.max_body_bytes);
  EXPECT_EQ(l.handshake_timeout, default_limits.handshake_timeout);
  EXPECT_EQ(l.header_timeout, default_limits.header_timeout);
  EXPECT_EQ(l.body_timeout, default_limits.body_timeout);
  EXPECT_EQ(l.idle_timeout, default_limits.idle_timeout);
  EXPECT_EQ(l.write_timeout, default_limits.write_timeout);
  EXPECT_EQ(l.max_requests_per_connection, default_limits.max_requests_per_connection);
  EXPECT_EQ(l.requests_per_second_per_address, default_limits.requests_per_second_per_address);
  EXPECT_EQ(l.burst_per_address, default_limits.burst_per_address);
  EXPECT_EQ((*c)->daemon.threads, defaults.daemon.threads);
  EXPECT_EQ((*c)->daemon.worker_threads, defaults.daemon.worker_threads);
  EXPECT_EQ((*c)->daemon.web_root, defaults.daemon.web_root);
  EXPECT_EQ((*c)->store.database, defaults.store.database);
  EXPECT_EQ((*c)->store.readers, defaults.store.readers);
  EXPECT_EQ((*c)->store.max_batch, defaults.store.max_batch);
  EXPECT_EQ((*c)->store.busy_timeout, defaults.store.busy_timeout);
  EXPECT_EQ((*c)->store.max_page_count, defaults.store.max_page_count);
  EXPECT_EQ((*c)->data_keys.key_id, defaults.data_keys.key_id);
  EXPECT_EQ((*c)->logging.level, defaults.logging.level);
  EXPECT_EQ((*c)->session.idle_timeout, defaults.session.idle_timeout);
  EXPECT_EQ((*c)->session.absolute_timeout, defaults.session.absolute_timeout);
  EXPECT_EQ((*c)->shutdown.drain_timeout, defaults.shutdown.drain_timeout);
  EXPECT_EQ((*c)->saml.enabled, defaults.saml.enabled);
  EXPECT_EQ((*c)->saml.minimum_assurance, defaults.saml.minimum_assurance);
  EXPECT_EQ((*c)->saml.max_clock_skew, defaults.saml.max_clock_skew);
  EXPECT_EQ((*c)->saml.request_lifetime, defaults.saml.request_lifetime);
  EXPECT_EQ((*c)->saml.identity_providers[0].soap_content_type, identity_provider{}.soap_content_type);
  EXPECT_EQ((*c)->portal[0].certificates.size(), 2u);
  EXPECT_EQ((*c)->parties.size(), 2u);
}

TEST_F(ConfigTest, ExampleFileParsesWithSamlEnabled) {
  test_pki::temp_dir root;
  const std::string example =
      replace_all(example_with_files(root.path()), "enabled = false", "enabled = true");
  auto c = parse(example, root.path());
  ASSERT_TRUE(c) << ::testing::PrintToString(c.error());
  EXPECT_TRUE((*c)->saml.enabled);
  EXPECT_EQ((*c)->saml.services.size(), 2u);
  EXPECT_EQ((*c)->saml.identity_providers.size(), 1u);
}

// --- syntax, unknown keys and types -----------------------------------------

TEST_F(ConfigTest, SyntaxErrorNamesLineAndColumn) {
  EXPECT_THAT(problems("[store]\nreaders = = 4\n"), ElementsAre(Problem("", "line 2, column")));
}

TEST_F(ConfigTest, UnknownKeysAreReportedWithTheirFullPath) {
  EXPECT_THAT(
      problems(std::string(portal) + R"(
[listener.portal.limits]
idle_timeout = 5
[store]
reader = 4
[saml]
enable = true
[[party]]
oin = "00000099000000000001"
name = "PI"
kind = "institution"
gemeente = "GM0344"
[typo]
)"),
      UnorderedElementsAre(Problem("listener.portal[0].limits.idle_timeout", "unknown key"),
                           Problem("store.reader", "unknown key"), Problem("saml.enable", "unknown key"),
                           Problem("party[0].gemeente", "unknown key"), Problem("typo", "unknown key")));
}

TEST_F(ConfigTest, WrongTypesAreProblems) {
  EXPECT_THAT(problems(std::string(portal) + R"(
[store]
readers = "4"
busy_timeout_ms = 1.5
[saml]
enabled = 1
[daemon]
web_root = ["a"]
[logging]
level = 3
[[listener.system]]
addresses = "127.0.0.1:9443"
crl_optional = true
)"),
              UnorderedElementsAre(Problem("store.readers", "must be an integer"),
                                   Problem("store.busy_timeout_ms", "must be an integer"),
                                   Problem("saml.enabled", "must be true or false"),
                                   Problem("daemon.web_root", "must be a string"),
                                   Problem("logging.level", "must be a string"),
                                   Problem("listener.system[0].addresses", "must be an array of strings"),
                                   ProblemAt("listener.system[0].certificate"),
                                   ProblemAt("listener.system[0].client_ca_bundle")));
}

TEST_F(ConfigTest, ATableWhereAnArrayOfTablesBelongsIsAProblem) {
  EXPECT_THAT(problems(R"(
[listener.portal]
addresses = ["127.0.0.1:0"]
[store]
database = { path = "x" }
)"),
              UnorderedElementsAre(Problem("listener.portal", "[[listener.portal]]"),
                                   Problem("store.database", "must be a string"),
                                   Problem("listener", "at least one")));
}

// --- ranges -----------------------------------------------------------------

TEST_F(ConfigTest, OutOfRangeValuesAreProblems) {
  EXPECT_THAT(
      problems(std::string(portal) + R"(
[listener.portal.limits]
max_header_bytes = 1023
max_body_bytes = 67108865
idle_timeout_ms = 0
write_timeout_ms = -5
max_connections = 0
[store]
readers = 0
[daemon]
worker_threads = 0
[session]
idle_timeout_s = 0
[shutdown]
drain_timeout_ms = 0
[saml]
max_clock_skew_s = 301
)"),
      UnorderedElementsAre(Problem("listener.portal[0].limits.max_header_bytes", "between 1024 and 1048576"),
                           Problem("listener.portal[0].limits.max_body_bytes", "between 1 and 67108864"),
                           Problem("listener.portal[0].limits.idle_timeout_ms", "between 1 and 3600000"),
                           Problem("listener.portal[0].limits.write_timeout_ms", "(is -5)"),
                           Problem("listener.portal[0].limits.max_connections", "between 1 and"),
                           Problem("store.readers", "between 1 and 64"),
                           Problem("daemon.worker_threads", "between 1 and 1024"),
                           Problem("session.idle_timeout_s", "between 1 and 86400"),
                           Problem("shutdown.drain_timeout_ms", "between 1 and"),
                           Problem("saml.max_clock_skew_s", "between 0 and 300")));
}

TEST_F(ConfigTest, LimitsAreTestedOnBothSides) {
  const auto with_limits = [](std::string_view limits) {
    return std::string(portal) + "[listener.portal.limits]\n" + std::string(limits) + "\n";
  };
  EXPECT_TRUE(parsed(with_limits("max_header_bytes = 1024\nmax_body_bytes = 67108864")));
  EXPECT_THAT(problems(with_limits("max_header_bytes = 1023")),
              ElementsAre(ProblemAt("listener.portal[0].limits.max_header_bytes")));
  EXPECT_THAT(problems(with_limits("max_body_bytes = 67108865")),
              ElementsAre(ProblemAt("listener.portal[0].limits.max_body_bytes")));
}

TEST_F(ConfigTest, MaxHeaderFieldsDefaultsTo100AndIsBounded) {
  const auto with_limits = [](std::string_view limits) {
    return std::string(portal) + "[listener.portal.limits]\n" + std::string(limits) + "\n";
  };
  EXPECT_EQ(limits{}.max_header_fields, 100u);
  auto c = parsed(with_limits("max_header_fields = 10000"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->portal[0].limits.max_header_fields, 10000u);
  EXPECT_TRUE(parsed(with_limits("max_header_fields = 1")));
  EXPECT_THAT(problems(with_limits("max_header_fields = 0")),
              ElementsAre(ProblemAt("listener.portal[0].limits.max_header_fields")));
  EXPECT_THAT(problems(with_limits("max_header_fields = 10001")),
              ElementsAre(ProblemAt("listener.portal[0].limits.max_header_fields")));
}

TEST_F(ConfigTest, InconsistentSettingsAreProblems) {
  EXPECT_THAT(
      problems(std::string(portal) + R"(
[listener.portal.limits]
max_connections = 10
max_connections_per_address = 11
burst_per_address = 5
[session]
idle_timeout_s = 7200
absolute_timeout_s = 3600
[logging]
level = "verbose"
[daemon]
public_portal_url = "http://poort.test"
[store]
database = ""
[data_keys]
key_id = "has space"
)"),
      UnorderedElementsAre(
          Problem("listener.portal[0].limits.max_connections_per_address", "max_connections"),
          Problem("listener.portal[0].limits.burst_per_address", "requests_per_second"),
          Problem("session.idle_timeout_s", "absolute_timeout_s"), Problem("logging.level", "debug"),
          Problem("daemon.public_portal_url", "https://"), Problem("store.database", "must not be empty"),
          Problem("data_keys.key_id", "1-32 characters")));
}

// --- listeners --------------------------------------------------------------

TEST_F(ConfigTest, MalformedAddressesAreProblems) {
  const std::vector<std::string> bad = {"127.0.0.1",    "localhost:8443", "127.0.0.1:65536", "127.0.0.1:-1",
                                        "::1:8443",     "[::1]8443",      "[::1]:",          "256.0.0.1:80",
                                        "127.0.0.1:8x", "[127.0.0.1]:80", "127.0.0.1:08443x"};
  for (const std::string& address : bad) {
    SCOPED_TRACE(address);
    EXPECT_THAT(problems(replace_all(std::string(portal), "127.0.0.1:8443", address)),
                ElementsAre(Problem("listener.portal[0].addresses[0]", "IPv4:port or [IPv6]:port")));
  }
}

TEST_F(ConfigTest, DuplicateAddressesAreProblemsEvenWhenSpelledDifferently) {
  const std::string text =
      replace_all(std::string(portal), R"(["127.0.0.1:8443"])", R"(["[::1]:8443", "127.0.0.1:8443"])") +
      replace_all(std::string(system_listener), R"(["127.0.0.1:9443"])",
                  R"(["127.0.0.1:9443", "[0:0::1]:8443", "127.0.0.1:8443"])");
  EXPECT_THAT(problems(text),
              UnorderedElementsAre(
                  Problem("listener.system[0].addresses[1]", "duplicates listener.portal[0].addresses[0]"),
                  Problem("listener.system[0].addresses[2]", "duplicates listener.portal[0].addresses[1]")));
}

TEST_F(ConfigTest, NoListenerAtAllIsAProblem) {
  EXPECT_THAT(problems("[logging]\nlevel = \"info\"\n"),
              ElementsAre(Problem("listener", "at least one [[listener.portal]] or [[listener.system]]")));
}

TEST_F(ConfigTest, ListenerWithoutAddressesOrCertificatesIsAProblem) {
  EXPECT_THAT(problems(R"(
[[listener.portal]]
addresses = []
[[listener.portal]]
certificate = []
)"),
              UnorderedElementsAre(Problem("listener.portal[0].addresses", "is required"),
                                   Problem("listener.portal[0].certificate", "at least one"),
                                   Problem("listener.portal[1].addresses", "is required"),
                                   Problem("listener.portal[1].certificate", "at least one")));
}

TEST_F(ConfigTest, CertificateEntryNeedsBothFiles) {
  EXPECT_THAT(problems(R"(
[[listener.portal]]
addresses = ["127.0.0.1:0"]
[[listener.portal.certificate]]
certificate = "@DIR@/ec.crt"
[[listener.portal.certificate]]
private_key = ""
)"),
              UnorderedElementsAre(Problem("listener.portal[0].certificate[0].private_key", "is required"),
                                   Problem("listener.portal[0].certificate[1].certificate", "is required"),
                                   Problem("listener.portal[0].certificate[1].private_key", "is required")));
}

TEST_F(ConfigTest, SystemListenerNeedsAClientCaBundle) {
  EXPECT_THAT(problems(replace_all(std::string(system_listener), "client_ca_bundle", "#")),
              ElementsAre(Problem("listener.system[0].client_ca_bundle", "is required")));
}

TEST_F(ConfigTest, PortalListenerTakesNoClientCertificates) {
  EXPECT_THAT(problems(R"(
[[listener.portal]]
addresses = ["127.0.0.1:8443"]
client_ca_bundle = "@DIR@/ca.pem"
crl_files = []
certificate = [{ certificate = "@DIR@/ec.crt", private_key = "@DIR@/ec.key" }]
)"),
              UnorderedElementsAre(Problem("listener.portal[0].client_ca_bundle", "only a system listener"),
                                   Problem("listener.portal[0].crl_files", "only a system listener")));
}

// --- file checks ------------------------------------------------------------

TEST_F(ConfigTest, WeakOrUnsupportedKeysAreRefusedAtTheKeyPath) {
  for (auto [name, message] :
       {std::pair{"rsa2048", "RSA key of 2048 bits"}, std::pair{"k1", "curve secp256k1"},
        std::pair{"ed25519", "unsupported ED25519 key"}}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(problems(portal_with(std::string(name) + ".crt", std::string(name) + ".key")),
                ElementsAre(Problem("listener.portal[0].certificate[0].private_key", message)));
  }
}

TEST_F(ConfigTest, KeyThatDoesNotMatchTheCertificateIsAProblem) {
  EXPECT_THAT(problems(portal_with("ec.crt", "other-ec.key")),
              ElementsAre(Problem("listener.portal[0].certificate[0].private_key",
                                  "does not match the certificate")));
}

TEST_F(ConfigTest, UnreadableOrMalformedFilesAreProblems) {
  EXPECT_THAT(problems(portal_with("absent.crt", "garbage.pem")),
              UnorderedElementsAre(Problem("listener.portal[0].certificate[0].certificate", "no such file"),
                                   Problem("listener.portal[0].certificate[0].private_key",
                                           "no unencrypted PEM private key")));
  EXPECT_THAT(problems(portal_with("garbage.pem", "ec.key")),
              ElementsAre(Problem("listener.portal[0].certificate[0].certificate", "no PEM certificate")));
  EXPECT_THAT(problems(portal_with("ec.crt", "")),  // a directory
              ElementsAre(Problem("listener.portal[0].certificate[0].private_key", "not a regular file")));
}

TEST_F(ConfigTest, ChainMustStartWithTheLeafAndFollowItsIssuers) {
  EXPECT_THAT(
      problems(portal_with("wrong-order.crt", "ec.key")),
      ElementsAre(Problem("listener.portal[0].certificate[0].certificate", "did not issue certificate 1")));
}

TEST_F(ConfigTest, MalformedCaBundleAndCrlAreProblems) {
  const std::string text = replace_all(replace_all(std::string(system_listener), "ca.pem", "garbage.pem"),
                                       R"(["@DIR@/crl.pem"])", R"(["@DIR@/crl.pem", "@DIR@/ca.pem"])");
  EXPECT_THAT(problems(text),
              UnorderedElementsAre(Problem("listener.system[0].client_ca_bundle", "no PEM certificate"),
                                   Problem("listener.system[0].crl_files[1]", "no PEM X509 CRL")));
}

TEST_F(ConfigTest, MalformedDataKeyFilesAreProblems) {
  for (std::string_view name : {"data-short.key", "data-nonhex.key", "ec.key"}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(
        problems(std::string(portal) + "[data_keys]\nkey_file = \"@DIR@/" + std::string(name) + "\"\n"),
        ElementsAre(Problem("data_keys.key_file", "32 raw bytes or 64 hex characters")));
  }
}

// --- parties ----------------------------------------------------------------

TEST_F(ConfigTest, PartyProblemsNameTheirEntry) {
  EXPECT_THAT(
      problems(std::string(portal) + R"(
[[party]]
oin = "0000009900000000001"
name = "PI Short"
kind = "institution"
[[party]]
oin = "00000099000000000002"
name = "Gemeente A"
kind = "municipal_system"
[[party]]
oin = "00000099000000000003"
name = "Gemeente B"
kind = "municipal_system"
gemeentecode = "GM34"
[[party]]
oin = "00000099000000000002"
name = "PI Duplicate"
kind = "institution"
gemeentecode = "GM0344"
[[party]]
oin = "0000009900000000000X"
kind = "prison"
)"),
      UnorderedElementsAre(Problem("party[0].oin", "20 digits"),
                           Problem("party[1].gemeentecode", "required for a municipal_system"),
                           Problem("party[2].gemeentecode", "GM followed by 4 digits"),
                           Problem("party[3].oin", "duplicates party[1].oin"),
                           Problem("party[3].gemeentecode", "only a municipal_system"),
                           Problem("party[4].oin", "20 digits"), Problem("party[4].name", "is required"),
                           Problem("party[4].kind", "\"institution\" or \"municipal_system\"")));
}

// Verifies the prisons' organisation (issue 14): read for an institution,
// refused when empty, too long, or on a municipal system.
TEST_F(ConfigTest, PartyOrganisationIsAnInstitutionsOnly) {
  auto c = parsed(std::string(portal) + R"(
[[party]]
oin = "00000099000000000001"
name = "PI Zwolle"
kind = "institution"
organisation = "DJI"
[[party]]
oin = "00000099000000000004"
name = "PI Vught"
kind = "institution"
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->parties.at(0).organisation, "DJI");
  EXPECT_EQ(c->parties.at(1).organisation, "");
  EXPECT_THAT(problems(std::string(portal) + R"(
[[party]]
oin = "00000099000000000001"
name = "PI Zwolle"
kind = "institution"
organisation = ""
[[party]]
oin = "00000099000000000002"
name = "Gemeente A"
kind = "municipal_system"
gemeentecode = "GM0344"
organisation = "DJI"
[[party]]
oin = "00000099000000000003"
name = "PI Lang"
kind = "institution"
organisation = ")" + std::string(201, 'x') +
                       R"("
)"),
              UnorderedElementsAre(Problem("party[0].organisation", "1 to 200 characters"),
                                   Problem("party[1].organisation", "only an institution"),
                                   Problem("party[2].organisation", "1 to 200 characters")));
}

// --- saml -------------------------------------------------------------------

TEST_F(ConfigTest, DisabledSamlIsNotChecked) {
  EXPECT_TRUE(parsed(std::string(portal) + R"(
[saml]
enabled = false
oin = "not an oin"
[[saml.service]]
key = "other"
)"));
}

TEST_F(ConfigTest, EnabledSamlIsValid) {
  auto c = parsed(std::string(portal) + std::string(saml_enabled));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->saml.enabled);
}

TEST_F(ConfigTest, EnabledSamlRequiresItsSettings) {
  EXPECT_THAT(
      problems(std::string(portal) + "[saml]\nenabled = true\n"),
      UnorderedElementsAre(
          Problem("saml.entity_id", "is required"), Problem("saml.base_url", "is required"),
          Problem("saml.organization_name", "is required"), Problem("saml.oin", "is required"),
          Problem("saml.signing_certificate", "is required"), Problem("saml.signing_key", "is required"),
          Problem("saml.tls_client_certificate", "is required"),
          Problem("saml.tls_client_key", "is required"), Problem("saml.service", "at least one"),
          Problem("saml.identity_provider", "at least one")));
}

TEST_F(ConfigTest, EnabledSamlChecksValuesAndFiles) {
  std::string text = std::string(portal) + std::string(saml_enabled) + R"(
[[saml.service]]
key = "casework"
index = 1
service_id = "urn:etoegang:DV:00000099000000000099:services:3"
service_uuid = "not-a-uuid"
name = "Duplicate"
[[saml.identity_provider]]
name = "eherkenning"
metadata = "@DIR@/absent.xml"
role_mapping = "root"
artifact_resolution_ca = "@DIR@/garbage.pem"
soap_content_type = "application/xml"
)";
  text = replace_all(text, "entities:9001", "entities:x");
  text = replace_all(text, "https://poort.test", "https://poort.test/");
  text = replace_all(text, "signing_key = \"@DIR@/rsa3072.key\"",
                     "signing_key = \"@DIR@/rsa3072.key\"\nminimum_assurance = \"loa3\"\n"
                     "decryption_keys = [\"@DIR@/ec.key\"]");
  EXPECT_THAT(problems(text),
              UnorderedElementsAre(
                  Problem("saml.entity_id", "urn:etoegang:DV:00000099000000000099:entities:"),
                  Problem("saml.base_url", "without a trailing /"), Problem("saml.minimum_assurance", "loa3"),
                  Problem("saml.decryption_keys[0]", "SAML needs an RSA key"),
                  Problem("saml.service[1].key", "duplicates saml.service[0].key"),
                  Problem("saml.service[1].index", "duplicates saml.service[0].index"),
                  Problem("saml.service[1].service_id", "services:1"),
                  Problem("saml.service[1].service_uuid", "UUID"),
                  Problem("saml.identity_provider[1].name", "duplicates"),
                  Problem("saml.identity_provider[1].metadata", "no such file"),
                  Problem("saml.identity_provider[1].role_mapping", "administrator"),
                  Problem("saml.identity_provider[1].artifact_resolution_ca", "no PEM certificate"),
                  Problem("saml.identity_provider[1].soap_content_type", "text/xml")));
}

// EH3 is a floor, not a default (issue 15, item 3): below loa3 is a
// configuration error as soon as an IdP maps to municipal roles, and
// --check-config names the key and the IdP.
TEST_F(ConfigTest, MunicipalIdpNeedsAtLeastEh3) {
  for (const char* level : {"loa2", "loa2plus"}) {
    std::string text = std::string(portal) + std::string(saml_enabled);
    text = replace_all(text, "signing_key = \"@DIR@/rsa3072.key\"",
                       std::string("signing_key = \"@DIR@/rsa3072.key\"\nminimum_assurance = ") +
                           "\"urn:etoegang:core:assurance-class:" + level + "\"");
    EXPECT_THAT(problems(text),
                ElementsAre(Problem("saml.minimum_assurance", "EH3 is the floor for municipal logins")))
        << level;
    EXPECT_THAT(problems(text), ElementsAre(Problem("saml.minimum_assurance", "\"eherkenning\"")));
    // Only administrators' IdPs: a lower level is the operator's choice.
    EXPECT_TRUE(
        parse_text(replace_all(text, "role_mapping = \"municipality\"", "role_mapping = \"administrator\"")))
        << level;
  }
  for (const char* level : {"loa3", "loa4"}) {
    std::string text = std::string(portal) + std::string(saml_enabled);
    text = replace_all(text, "signing_key = \"@DIR@/rsa3072.key\"",
                       std::string("signing_key = \"@DIR@/rsa3072.key\"\nminimum_assurance = ") +
                           "\"urn:etoegang:core:assurance-class:" + level + "\"");
    auto c = parse_text(text);
    ASSERT_TRUE(c) << level;
    EXPECT_EQ((*c)->saml.minimum_assurance, std::string("urn:etoegang:core:assurance-class:") + level);
  }
}

TEST_F(ConfigTest, SamlSigningKeyMustBeRsa) {
  std::string text = std::string(portal) + std::string(saml_enabled);
  text = replace_all(text, "signing_certificate = \"@DIR@/rsa3072.crt\"",
                     "signing_certificate = \"@DIR@/ec.crt\"");
  text = replace_all(text, "signing_key = \"@DIR@/rsa3072.key\"", "signing_key = \"@DIR@/ec.key\"");
  EXPECT_THAT(problems(text), ElementsAre(Problem("saml.signing_key", "SAML needs an RSA key")));
}

TEST_F(ConfigTest, EnabledSamlNeedsAPortal) {
  EXPECT_THAT(problems(std::string(system_listener) + std::string(saml_enabled)),
              ElementsAre(Problem("saml.enabled", "[[listener.portal]]")));
}

// --- all at once --------------------------------------------------------------

TEST_F(ConfigTest, ReportsEveryProblemNotOnlyTheFirst) {
  EXPECT_THAT(problems(R"(
[[listener.system]]
addresses = ["127.0.0.1"]
crl_optional = true
[[listener.system.certificate]]
certificate = "@DIR@/rsa2048.crt"
private_key = "@DIR@/rsa2048.key"
[listener.system.limits]
idle_timeout_ms = 0
[store]
readers = 0
[[party]]
oin = "123"
name = "X"
kind = "municipal_system"
[bogus]
)"),
              ElementsAre(Problem("store.readers", "between 1 and 64"),
                          Problem("listener.system[0].addresses[0]", "IPv4:port"),
                          Problem("listener.system[0].certificate[0].private_key", "2048 bits"),
                          Problem("listener.system[0].client_ca_bundle", "is required"),
                          Problem("listener.system[0].limits.idle_timeout_ms", "between 1 and"),
                          Problem("party[0].oin", "20 digits"),
                          Problem("party[0].gemeentecode", "is required"), Problem("bogus", "unknown key")));
}

TEST_F(ConfigTest, OversizedTextIsRefused) {
  EXPECT_THAT(problems(std::string(portal) + "# " + std::string(1u << 20, 'x')),
              ElementsAre(Problem("", "larger than 1 MiB")));
}

// --- issue 15: CRLs and test OINs -------------------------------------------

TEST_F(ConfigTest, SystemListenerWithoutCrlIsRefusedUnlessOptional) {
  const std::string without =
      replace_all(std::string(system_listener), "crl_files = [\"@DIR@/crl.pem\"]\n", "");
  EXPECT_THAT(problems(without), ElementsAre(Problem("listener.system[0].crl_files", "is required")));
  EXPECT_THAT(problems(replace_all(without, "client_ca_bundle", "crl_files = []\nclient_ca_bundle")),
              ElementsAre(Problem("listener.system[0].crl_files", "is required")));

  auto optional = parsed(replace_all(without, "client_ca_bundle", "crl_optional = true\nclient_ca_bundle"));
  ASSERT_TRUE(optional);
  EXPECT_TRUE(optional->system[0].crl_optional);
  EXPECT_THAT(warnings(*optional), Contains(Problem("listener.system[0].crl_optional", "no CRLs")));

  auto with_crl = parsed(system_listener);
  ASSERT_TRUE(with_crl);
  EXPECT_FALSE(with_crl->system[0].crl_optional);
  EXPECT_THAT(warnings(*with_crl), Not(Contains(ProblemAt("listener.system[0].crl_optional"))));
  EXPECT_THAT(problems(replace_all(std::string(portal), "\"127.0.0.1:8443\"]",
                                   "\"127.0.0.1:8443\"]\ncrl_optional = true")),
              ElementsAre(Problem("listener.portal[0].crl_optional", "only a system listener")));
}

TEST_F(ConfigTest, TestOinsAreRefusedUnlessAllowed) {
  const std::string party = R"(
[[party]]
oin = "00000099000000000001"
name = "PI Zwolle"
kind = "institution"
[[party]]
oin = "00000001123456782000"
name = "PI Vught"
kind = "institution"
)";
  auto refused = parse_strict(std::string(portal) + party + std::string(saml_enabled));
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.error(), UnorderedElementsAre(Problem("party[0].oin", "test OIN"),
                                                    Problem("saml.oin", "allow_test_oins = true")));

  auto allowed =
      parse_strict("allow_test_oins = true\n" + std::string(portal) + party + std::string(saml_enabled));
  ASSERT_TRUE(allowed) << ::testing::PrintToString(allowed.error());
  EXPECT_TRUE((*allowed)->allow_test_oins);
  EXPECT_EQ((*allowed)->parties[0].oin, "00000099000000000001");
  EXPECT_THAT(warnings(**allowed), Contains(Problem("allow_test_oins", "test OINs")));

  auto production = parse_strict(std::string(portal) + party.substr(party.find("[[party]]", 2)));
  ASSERT_TRUE(production) << ::testing::PrintToString(production.error());
  EXPECT_FALSE((*production)->allow_test_oins);
  EXPECT_THAT(warnings(**production), IsEmpty());
  auto wrong_type = parse_strict("allow_test_oins = \"yes\"\n" + std::string(portal));
  ASSERT_FALSE(wrong_type);
  EXPECT_THAT(wrong_type.error(), ElementsAre(Problem("allow_test_oins", "true or false")));
}

// --- restart_required -------------------------------------------------------

TEST_F(ConfigTest, RestartRequiredListsWhatSighupCannotChange) {
  const std::string base = std::string(portal) + std::string(system_listener);
  auto current = parsed(base);
  ASSERT_TRUE(current);
  EXPECT_THAT(restart_required(*current, *current), IsEmpty());

  // Reloadable: certificates, CA bundle, CRLs, limits, parties, log level.
  std::string changed = replace_all(replace_all(base, "ec.crt", "ec384.crt"), "ec.key", "ec384.key");
  changed = replace_all(changed, R"(crl_files = ["@DIR@/crl.pem"])", "crl_files = []\ncrl_optional = true");
  auto reloadable = parsed(changed + R"(
[listener.system.limits]
idle_timeout_ms = 1000
[logging]
level = "warn"
[[party]]
oin = "00000099000000000001"
name = "PI Zwolle"
kind = "institution"
)");
  ASSERT_TRUE(reloadable);
  EXPECT_THAT(restart_required(*current, *reloadable), IsEmpty());

  auto moved = parsed(replace_all(base, "127.0.0.1:9443", "127.0.0.1:9444") + R"(
[store]
database = "/elsewhere/poort.db"
readers = 8
[daemon]
threads = 3
worker_threads = 4
[data_keys]
key_file = "@DIR@/data-raw.key"
)");
  ASSERT_TRUE(moved);
  EXPECT_THAT(restart_required(*current, *moved),
              ElementsAre("listener.system[0].addresses", "store.database", "store.readers",
                          "data_keys.key_file", "daemon.threads", "daemon.worker_threads"));

  auto fewer = parsed(portal);
  ASSERT_TRUE(fewer);
  EXPECT_THAT(restart_required(*current, *fewer), ElementsAre("listener.system"));
}

}  // namespace
}  // namespace poort::config

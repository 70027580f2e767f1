// Integration tests of the deliveries area (issue 5): the real poortd on
// 127.0.0.1 with the development PKI of scripts/pki, over real mutual TLS.
// Municipalities are made CONNECTED by writing registry rows into the
// database file before poortd starts (onboarding is another area).

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

#include "common/clock.hpp"
#include "common/crypto.hpp"
#include "common/random.hpp"
#include "harness.hpp"
#include "store/data_key.hpp"
#include "store/database.hpp"
#include "store/registry.hpp"

namespace poort::test {
namespace {

namespace bj = boost::json;

constexpr std::string_view kBsn = "123456782";
constexpr std::string_view kSurname = "Jansenius";
constexpr std::string_view kGivenNames = "Pieter Jan";
constexpr std::string_view kSheetText = "Zoekt werk in de bouw";
constexpr std::string_view kKeyHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// Municipalities in the registry: GM0193 is gemeente-1 (connected, wants
// both); GM0200 is gemeente-2 (connected); GM0300 only wants notifications;
// GM0400 is not connected. GM9999 is unknown.
const std::string kOwn = "GM0193";
const std::string kOther = "GM0200";

std::string uuid(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", n);
  return buf;
}

bj::object persoon() {
  return {{"bsn", kBsn},
          {"geslachtsnaam", kSurname},
          {"voornamen", kGivenNames},
          {"geboortedatum", "1990-04-17"}};
}

std::string melding(const std::string& id, const std::string& gemeente, std::string_view soort = "BEGIN") {
  bj::object o{
      {"berichtId", id},
      {"soort", soort},
      {"persoon", persoon()},
      {"gebeurtenisdatum", "2026-03-02"},
      {"verwachteInvrijheidstelling", "2026-09-01"},
      {"gemeentecode", gemeente},
      {"grondslag", "LAATSTE_BRP_ADRES"},
      {"casemanager",
       {{"naam", "M. de Vries"}, {"email", "m.devries@pi.example.nl"}, {"telefoon", "+31 20 123 4567"}}}};
  return bj::serialize(o);
}

/// A sheet with sections werkEnInkomen, onderdak and identiteitsbewijs under
/// consent "TV-1" (consent for every condition in `consented`).
std::string sheet(const std::string& id, const std::string& gemeente,
                  std::vector<std::string> consented = {"werkEnInkomen", "onderdak", "zorg", "schulden",
                                                        "identiteitsbewijs"},
                  bool with_zorg_voor_thuis = false, int versie = 1, const std::string& vervangt = "") {
  bj::object consent;
  for (auto k : {"werkEnInkomen", "onderdak", "zorg", "schulden", "identiteitsbewijs", "zorgVoorThuis"})
    consent[k] = std::find(consented.begin(), consented.end(), k) != consented.end();
  bj::object secties{
      {"werkEnInkomen",
       bj::array{bj::object{{"onderwerp", "WERK"}, {"hulpNodig", true}, {"toelichting", kSheetText}}}},
      {"onderdak", bj::array{bj::object{{"onderwerp", "HUISVESTING_NA_DETENTIE"},
                                        {"hulpNodig", true},
                                        {"toelichting", "Geen woning na vrijlating"}}}},
      {"identiteitsbewijs",
       bj::array{bj::object{{"onderwerp", "GELDIG_IDENTITEITSBEWIJS"}, {"hulpNodig", false}}}}};
  if (with_zorg_voor_thuis)
    secties["zorgVoorThuis"] = bj::array{bj::object{{"onderwerp", "KINDEREN"}, {"hulpNodig", false}}};
  bj::object o{{"berichtId", id},
               {"persoon", persoon()},
               {"gemeentecode", gemeente},
               {"toestemming", {{"id", "TV-1"}, {"datum", "2026-03-10"}, {"basisvoorwaarden", consent}}},
               {"secties", secties},
               {"versie", versie}};
  if (!vervangt.empty()) o["vervangt"] = vervangt;
  return bj::serialize(o);
}

std::string intrekking(const std::string& id, const std::string& gemeente, bj::value basisvoorwaarden) {
  bj::object o{{"berichtId", id},
               {"persoon", {{"bsn", kBsn}}},
               {"gemeentecode", gemeente},
               {"toestemmingId", "TV-1"},
               {"basisvoorwaarden", basisvoorwaarden}};
  return bj::serialize(o);
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Everything on disk for the database: the file, its WAL and shared memory.
std::string database_bytes(const fs::path& db) {
  return file_bytes(db) + file_bytes(db.string() + "-wal") + file_bytes(db.string() + "-shm");
}

/// One column of one row, as raw bytes (read with plain SQLite, not poort).
std::string query_blob(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  std::string out;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 0));
      out.assign(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(h);
  return out;
}

/// Runs `sql` on the database file beside poortd (plain SQLite); true when it succeeded.
bool exec_sql(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  bool ok = sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK;
  if (ok) {
    sqlite3_busy_timeout(h, 10'000);
    ok = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  sqlite3_close(h);
  return ok;
}

/// A second municipality's system certificate (gemeente-2, GM0200), issued by
/// the development CA into `dir`.
void issue_gemeente_2(const fs::path& dir, const std::string& oin) {
  const pki& p = pki::shared();
  const fs::path ext = dir / "client.ext";
  std::ofstream(ext) << "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n"
                        "extendedKeyUsage=clientAuth\n";
  const std::string key = (dir / "gemeente-2.key").string(), crt = (dir / "gemeente-2.crt").string();
  // The serial file goes in `dir`: beside the shared CA, tests running in
  // parallel raced on it (openssl read another's half-written ca.srl).
  const std::string cmd =
      "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '" + key +
      "' 2>/dev/null && "
      "openssl req -new -key '" +
      key + "' -subj '/C=NL/O=Gemeente Twee/serialNumber=" + oin +
      "/CN=gemeente-2.poort.test' 2>/dev/null | openssl x509 -req -CA '" + p.file("ca.crt").string() +
      "' -CAkey '" + p.file("ca.key").string() + "' -CAserial '" + (dir / "ca.srl").string() +
      "' -CAcreateserial -days 30 -extfile '" + ext.string() + "' -out '" + crt + "' 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
}

/// Polls `pred` every 50 ms for at most 30 s; its last value.
template <class Pred>
bool wait_until(Pred pred) {
  for (int i = 0; i < 600 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return pred();
}

/// A municipality's push endpoint on 127.0.0.1 (deliveries/push_receiver.py)
/// that answers 503 to its first `fail_first` POSTs; stopped when destroyed.
class push_receiver {
 public:
  push_receiver(const fs::path& state, int fail_first) : state_(state) {
    const pki& p = pki::shared();
    const std::string cmd = "python3 '" + std::string(POORT_SOURCE_DIR) +
                            "/tests/integration/deliveries/push_receiver.py' --cert '" +
                            p.file("idp-tls.crt").string() + "' --key '" + p.file("idp-tls.key").string() +
                            "' --ca '" + p.file("ca.crt").string() + "' --state '" + state.string() +
                            "' --fail-first " + std::to_string(fail_first) + " & echo $!";
    f_ = ::popen(cmd.c_str(), "r");
    char line[128] = {};
    if (!f_ || !std::fgets(line, sizeof line, f_)) return;
    pid_ = static_cast<pid_t>(std::atoi(line));
    if (std::fgets(line, sizeof line, f_) && std::string_view(line).starts_with("PORT "))
      port_ = std::atoi(line + 5);
  }
  ~push_receiver() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
    if (f_) ::pclose(f_);
  }
  push_receiver(const push_receiver&) = delete;
  push_receiver& operator=(const push_receiver&) = delete;

  /// The listening port; 0 if the receiver did not start.
  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/berichten"; }
  /// {"requests", "failures", "stored", "duplicates", "client_oins"}, rewritten after every request.
  bj::object state() const {
    const std::string text = file_bytes(state_);
    return text.empty() ? bj::object{} : bj::parse(text).as_object();
  }

 private:
  fs::path state_;
  FILE* f_ = nullptr;
  pid_t pid_ = 0;
  int port_ = 0;
};

/// [deliveries] lines that enable push with poort's development certificate,
/// followed by `extra`.
std::string push_section(const std::string& extra) {
  const pki& p = pki::shared();
  return "push_client_certificate = \"" + p.file("sp-tls.crt").string() + "\"\npush_client_key = \"" +
         p.file("sp-tls.key").string() + "\"\npush_ca_bundle = \"" + p.file("ca.crt").string() +
         "\"\npush_crl_files = [\"" + p.file("crl.pem").string() + "\"]\n" + extra;
}

class Deliveries : public ::testing::Test {
 protected:
  static constexpr const char* kGemeente2Oin = "00000099000030020000";

  void SetUp() override {
    std::ofstream(dir_.path() / "data.key") << kKeyHex << "\n";
    issue_gemeente_2(dir_.path(), kGemeente2Oin);
  }

  /// Writes the config and the registry rows, then starts poortd.
  void start(const std::string& deliveries_section = "", const std::string& push_endpoint = "") {
    write_test_config(deliveries_section);
    seed_registry(push_endpoint);
    daemon_ = std::make_unique<daemon_process>(config_);
    ASSERT_TRUE(daemon_->start()) << dump();
  }

  /// (Re)writes the config file with `deliveries_section` as [deliveries].
  void write_test_config(const std::string& deliveries_section) {
    daemon_options o;
    o.prison_organisation = prison_organisation_;
    o.extra =
        "[[party]]\noin = \"" + std::string(kGemeente2Oin) +
        "\"\nname = \"Gemeente Twee\"\nkind = \"municipal_system\"\ngemeentecode = \"" + kOther + "\"\n\n" +
        (data_keys_section_.empty() ? "[data_keys]\nkey_file = \"" + (dir_.path() / key_file_).string() +
                                          "\"\nkey_id = \"" + key_id_ + "\"\n\n"
                                    : data_keys_section_) +
        "[deliveries]\n" + deliveries_section;
    config_ = write_config(dir_.path(), o);
  }

  void seed_registry(const std::string& push_endpoint) {
    config::store cfg;
    cfg.database = db_file();
    system_clock_source clock;
    auto db = store::database::open(cfg, clock, store::open_mode::migrate);
    ASSERT_TRUE(db) << db.error().message();
    auto add = [&](std::string code, domain::municipality_status status, bool meldingen, bool bladen,
                   std::string endpoint) {
      store::municipality_record m;
      m.gemeentecode = std::move(code);
      m.naam = "Gemeente " + m.gemeentecode;
      m.geldig_van = "2000-01-01";
      m.status = status;
      m.wil_detentiemeldingen = meldingen;
      m.wil_informatiebladen = bladen;
      m.push_endpoint = std::move(endpoint);
      auto w = (*db)->write([&](store::transaction& tx) {
        return store::upsert_municipality(tx, m, clock.now(), /*overwrite_state=*/true);
      });
      ASSERT_TRUE(w) << w.error().message();
    };
    using st = domain::municipality_status;
    add(kOwn, st::connected, true, true, push_endpoint);
    add(kOther, st::connected, true, true, "");
    add("GM0300", st::connected, true, false, "");
    add("GM0400", st::registered, true, true, "");
    (*db)->close();
  }

  fs::path db_file() const { return dir_.path() / "poort.db"; }

  /// Queues a push for `id` to `endpoint` with push switched off (no client
  /// certificate), then stops poortd: the push waits in the outbox.
  void queue_push_then_stop(const std::string& id, const std::string& endpoint) {
    start("", endpoint);
    ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(id, kOwn)).status, 201u) << dump();
    ASSERT_EQ(query_blob(db_file(), "SELECT status FROM uitgaande_berichten WHERE bericht_id = '" + id + "'"),
              "WACHTEND");
    ASSERT_EQ(daemon_->stop(), 0);
  }

  /// Starts poortd again (the registry as it is now) with push switched on.
  void restart_with_push(const std::string& timing) {
    write_test_config(push_section(timing));
    daemon_ = std::make_unique<daemon_process>(config_);
    ASSERT_TRUE(daemon_->start()) << dump();
  }

  std::string count_of(const std::string& where) {
    return query_blob(db_file(), "SELECT CAST(count(*) AS TEXT) FROM audit_log WHERE " + where);
  }

  std::string dump() {
    std::string out;
    if (daemon_)
      for (const auto& l : daemon_->lines()) out += l + "\n";
    return out;
  }

  response call(const std::string& who, http::verb method, const std::string& target,
                const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    tls_client c(daemon_->system_port(), who == "gemeente-2" ? "" : who);
    if (who == "gemeente-2") {
      SSL_use_certificate_file(c.stream().native_handle(), (dir_.path() / "gemeente-2.crt").c_str(),
                               SSL_FILETYPE_PEM);
      SSL_use_PrivateKey_file(c.stream().native_handle(), (dir_.path() / "gemeente-2.key").c_str(),
                              SSL_FILETYPE_PEM);
    }
    if (c.connect()) return {};
    if (!body.empty() && !headers.contains("Content-Type")) headers["Content-Type"] = "application/json";
    return c.request(method, target, body, headers);
  }

  response post(const std::string& path, const std::string& body, const std::string& who = "pi-1") {
    return call(who, http::verb::post, path, body);
  }

  static bj::object json(const response& r) { return bj::parse(r.body).as_object(); }

  /// The municipality system reads message `id`; its JSON.
  bj::object read(const std::string& id, const std::string& who = "gemeente-1") {
    auto r = call(who, http::verb::get, "/api/v1/berichten/" + id);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? json(r) : bj::object{};
  }

  /// Runs poortctl with `args` and this test's config; its exit status and stdout.
  /// Runs poortctl with `args`; `stdin_file` (if not empty) as its stdin.
  std::pair<int, std::string> poortctl(const std::string& args, const fs::path& stdin_file = {}) {
    const std::string cmd = binary("tools/poortctl/poortctl").string() + " " + args + " --config '" +
                            config_.string() + "'" +
                            (stdin_file.empty() ? std::string() : " < '" + stdin_file.string() + "'");
    FILE* f = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (f && std::fgets(buf, sizeof buf, f)) out += buf;
    const int st = f ? ::pclose(f) : -1;
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
  }

  temp_dir dir_;
  std::string key_file_ = "data.key";
  std::string key_id_ = "k1";
  std::string data_keys_section_;    ///< the whole [data_keys] section; "" = the single-key form above
  std::string prison_organisation_;  ///< of pi-1 and pi-2 in the party configuration; "" = none
  fs::path config_;
  std::unique_ptr<daemon_process> daemon_;
};

// Verifies that each kind is delivered, listed, read and acknowledged, and
// that the prison sees the status of its own delivery only.
TEST_F(Deliveries, EachKindDeliveredReadAndAcknowledged) {
  start();
  const std::string bodies[] = {melding(uuid(1), kOwn), sheet(uuid(2), kOwn),
                                intrekking(uuid(3), kOwn, bj::array{"ZORG"})};
  const char* paths[] = {"/api/v1/detentiemeldingen", "/api/v1/informatiebladen", "/api/v1/intrekkingen"};
  const char* kinds[] = {"DETENTIEMELDING", "INFORMATIEBLAD", "INTREKKING"};
  for (int i = 0; i < 3; ++i) {
    auto r = post(paths[i], bodies[i]);
    ASSERT_EQ(r.status, 201u) << r.body << dump();
    auto receipt = json(r);
    EXPECT_EQ(receipt.at("berichtId").as_string(), uuid(i + 1));
    EXPECT_EQ(receipt.at("soort").as_string(), kinds[i]);
    EXPECT_EQ(receipt.at("bodySha256").as_string(), sha256_hex(bodies[i]));
    EXPECT_EQ(receipt.at("ontvangenOp").as_string().size(), 24u);
    EXPECT_EQ(r.header("location"), "/api/v1/leveringen/" + uuid(i + 1));
    EXPECT_EQ(r.header("api-version"), "1.0.0");
  }

  // Oldest first on request (a system that pulls in order); newest is the default.
  auto list = call("gemeente-1", http::verb::get, "/api/v1/berichten?limiet=2&volgorde=oudste");
  ASSERT_EQ(list.status, 200u) << list.body;
  auto page = json(list);
  ASSERT_EQ(page.at("berichten").as_array().size(), 2u);
  EXPECT_TRUE(page.at("meer").as_bool());
  auto next =
      call("gemeente-1", http::verb::get,
           "/api/v1/berichten?volgorde=oudste&na=" + std::string(page.at("volgendeCursor").as_string()));
  ASSERT_EQ(json(next).at("berichten").as_array().size(), 1u);
  EXPECT_EQ(json(next).at("berichten").as_array()[0].at("soort").as_string(), "INTREKKING");
  EXPECT_EQ(list.body.find(kBsn), std::string::npos) << "lists carry no personal data";

  for (int i = 0; i < 3; ++i) {
    auto m = read(uuid(i + 1));
    EXPECT_EQ(m.at("soort").as_string(), kinds[i]);
    EXPECT_EQ(m.at("inhoud").at("persoon").at("bsn").as_string(), kBsn);
    EXPECT_FALSE(m.at("gelezenOp").is_null());
    auto ack =
        call("gemeente-1", http::verb::post, "/api/v1/berichten/" + uuid(i + 1) + "/ontvangstbevestiging");
    ASSERT_EQ(ack.status, 200u) << ack.body;
    EXPECT_FALSE(json(ack).at("bevestigdOp").is_null());
  }
  auto unread = call("gemeente-1", http::verb::get, "/api/v1/berichten?ongelezen=true");
  EXPECT_TRUE(json(unread).at("berichten").as_array().empty());

  auto status = call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(1));
  ASSERT_EQ(status.status, 200u) << status.body;
  EXPECT_EQ(json(status).at("status").as_string(), "BEVESTIGD");
  EXPECT_EQ(status.body.find(kBsn), std::string::npos) << "no content flows back";
  EXPECT_EQ(call("pi-2", http::verb::get, "/api/v1/leveringen/" + uuid(1)).status, 404u);
  EXPECT_EQ(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(99)).status, 404u);

  // Every read of a person's data is in the audit trail, with on whose behalf.
  auto audit = query_blob(db_file(),
                          "SELECT group_concat(actor, '|') FROM audit_log WHERE action = 'delivery.read' "
                          "AND object = 'bericht:" +
                              uuid(2) + "'");
  EXPECT_NE(audit.find("party:" + pki::shared().oin("GEMEENTE_1") + ";namens=gemeente:GM0193"),
            std::string::npos)
      << audit;
}

// Verifies every refusal, each a problem+json with a stable code and nothing stored.
TEST_F(Deliveries, RefusalsAreClearProblems) {
  start();
  auto expect = [&](const response& r, unsigned status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    if (r.status == status) {
      EXPECT_EQ(json(r).at("code").as_string(), code) << r.body;
    }
    EXPECT_EQ(r.body.find(kBsn), std::string::npos) << "no personal data in errors";
  };
  expect(post("/api/v1/detentiemeldingen", melding(uuid(10), "GM0400")), 422, "not_connected");
  expect(post("/api/v1/informatiebladen", sheet(uuid(11), "GM0300")), 422, "not_wanted");
  expect(post("/api/v1/detentiemeldingen", melding(uuid(12), "GM9999")), 422, "municipality_unknown");

  // A section without consent: 422 naming it.
  auto no_consent =
      post("/api/v1/informatiebladen", sheet(uuid(13), kOwn, {"werkEnInkomen", "identiteitsbewijs"}));
  expect(no_consent, 422, "consent_missing");
  const auto refused = json(no_consent);
  const auto& params = refused.at("invalidParams").as_array();
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].at("pointer").as_string(), "/secties/onderdak");

  // Validation: every bad field as a JSON pointer.
  auto bad = bj::parse(melding(uuid(14), kOwn)).as_object();
  bad["persoon"].as_object()["bsn"] = "123456789";
  bad["soort"] = "ONBEKEND";
  auto invalid = post("/api/v1/detentiemeldingen", bj::serialize(bad));
  expect(invalid, 400, "invalid_body");
  std::set<std::string> pointers;
  const auto invalid_body = json(invalid);
  for (const auto& p : invalid_body.at("invalidParams").as_array())
    pointers.insert(std::string(p.at("pointer").as_string()));
  EXPECT_EQ(pointers, (std::set<std::string>{"/persoon/bsn", "/soort"}));

  auto wrong_type = call("pi-1", http::verb::post, "/api/v1/detentiemeldingen", melding(uuid(15), kOwn),
                         {{"Content-Type", "text/plain"}});
  expect(wrong_type, 415, "unsupported_media_type");
  expect(post("/api/v1/detentiemeldingen", melding(uuid(16), kOwn), "gemeente-1"), 403, "wrong_party_kind");

  // Nothing was stored.
  for (int i = 10; i <= 16; ++i)
    EXPECT_EQ(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(i)).status, 404u);
  auto inbox = call("gemeente-1", http::verb::get, "/api/v1/berichten");
  EXPECT_TRUE(json(inbox).at("berichten").as_array().empty()) << inbox.body;
}

// Verifies idempotency: the same id and body give the same receipt (200); another body 409.
TEST_F(Deliveries, IdempotentReplayAndConflict) {
  start();
  const auto body = melding(uuid(20), kOwn);
  auto first = post("/api/v1/detentiemeldingen", body);
  ASSERT_EQ(first.status, 201u) << first.body;
  auto again = post("/api/v1/detentiemeldingen", body);
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(json(again), json(first));
  auto other = post("/api/v1/detentiemeldingen", melding(uuid(20), kOwn, "VERLOF"));
  EXPECT_EQ(other.status, 409u) << other.body;
  EXPECT_EQ(json(other).at("code").as_string(), "bericht_id_conflict");
  auto list = call("gemeente-1", http::verb::get, "/api/v1/berichten");
  EXPECT_EQ(json(list).at("berichten").as_array().size(), 1u);
}

// Verifies that a withdrawal purges the withdrawn sections from the database
// file itself (read with SQLite and the key, and scanned byte for byte), tells
// the municipality, and makes later sheets under that consent fail.
TEST_F(Deliveries, WithdrawalPurgesContentFromTheFile) {
  start();
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(30), kOwn)).status, 201u) << dump();
  const std::string before =
      query_blob(db_file(), "SELECT inhoud FROM postvak WHERE bericht_id = '" + uuid(30) + "'");
  ASSERT_GT(before.size(), 64u);
  ASSERT_NE(database_bytes(db_file()).find(before.substr(12, 48)), std::string::npos)
      << "the test can see it";

  auto w = post("/api/v1/intrekkingen", intrekking(uuid(31), kOwn, bj::array{"ONDERDAK", "WERK_EN_INKOMEN"}));
  ASSERT_EQ(w.status, 201u) << w.body;

  // The old ciphertext is gone from the file, the WAL and the free pages.
  EXPECT_EQ(database_bytes(db_file()).find(before.substr(12, 48)), std::string::npos);
  // What remains, opened with the key, has no withdrawn section.
  fake_random rnd;
  auto key = store::parse_data_key(kKeyHex);
  ASSERT_TRUE(key);
  store::data_key k("k1", *key, rnd);
  const std::string after =
      query_blob(db_file(), "SELECT inhoud FROM postvak WHERE bericht_id = '" + uuid(30) + "'");
  auto plain = k.open(after, "postvak/" + uuid(30) + "/inhoud");
  ASSERT_TRUE(plain);
  auto secties = bj::parse(*plain).at("secties").as_object();
  EXPECT_FALSE(secties.contains("onderdak"));
  EXPECT_FALSE(secties.contains("werkEnInkomen"));
  EXPECT_TRUE(secties.contains("identiteitsbewijs"));

  // The municipality got the notice; the API shows the reduced sheet.
  auto inbox = json(call("gemeente-1", http::verb::get, "/api/v1/berichten?soort=INTREKKING"));
  ASSERT_EQ(inbox.at("berichten").as_array().size(), 1u);
  EXPECT_FALSE(read(uuid(30)).at("inhoud").at("secties").as_object().contains("onderdak"));

  // A later sheet under the same consent with a withdrawn section fails.
  auto later = post("/api/v1/informatiebladen", sheet(uuid(32), kOwn));
  EXPECT_EQ(later.status, 422u) << later.body;
  EXPECT_EQ(json(later).at("code").as_string(), "consent_withdrawn");
}

// Verifies issue 14 item 2 with two municipality systems: a withdrawal reaches
// exactly the municipalities that hold a sheet of the person under that
// consent, each a notice about its own sheet; the municipality the prison
// named but which holds nothing (GM0300) gets nothing; the partly purged
// sheets say which section went, when and why.
TEST_F(Deliveries, WithdrawalReachesOnlyTheMunicipalitiesHoldingTheSheets) {
  start();
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(120), kOwn)).status, 201u) << dump();
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(121), kOther)).status, 201u) << dump();
  auto w = post("/api/v1/intrekkingen", intrekking(uuid(122), "GM0300", bj::array{"ONDERDAK"}));
  ASSERT_EQ(w.status, 201u) << w.body;
  EXPECT_EQ(json(w).at("berichtId").as_string(), uuid(122));

  // Nothing of it is stored for GM0300.
  EXPECT_EQ(query_blob(db_file(), "SELECT count(*) FROM postvak WHERE gemeentecode = 'GM0300'"), "0");

  // gemeente-1 (the first holder) reads the notice under the prison's id,
  // about its own sheet only.
  auto own = read(uuid(122));
  EXPECT_EQ(own.at("soort").as_string(), "INTREKKING");
  EXPECT_EQ(own.at("inhoud").at("gemeentecode").as_string(), kOwn);
  EXPECT_EQ(own.at("inhoud").at("informatiebladen"), (bj::array{bj::value(uuid(120))}));

  // gemeente-2 has a notice of its own, about its own sheet, under another id.
  auto listed = json(call("gemeente-2", http::verb::get, "/api/v1/berichten?soort=INTREKKING"));
  ASSERT_EQ(listed.at("berichten").as_array().size(), 1u) << bj::serialize(listed);
  const std::string other_id(listed.at("berichten").as_array()[0].at("berichtId").as_string());
  EXPECT_NE(other_id, uuid(122));
  auto other = call("gemeente-2", http::verb::get, "/api/v1/berichten/" + other_id);
  ASSERT_EQ(other.status, 200u) << other.body;
  EXPECT_EQ(json(other).at("inhoud").at("informatiebladen"), (bj::array{bj::value(uuid(121))}));
  EXPECT_EQ(other.body.find(uuid(120)), std::string::npos) << "nothing about gemeente-1's sheet";
  EXPECT_EQ(call("gemeente-2", http::verb::get, "/api/v1/berichten/" + uuid(122)).status, 404u);
  EXPECT_EQ(call("gemeente-1", http::verb::get, "/api/v1/berichten/" + other_id).status, 404u);

  // Both sheets lost the section, and say so.
  for (const auto& [who, id] : {std::pair{"gemeente-1", uuid(120)}, std::pair{"gemeente-2", uuid(121)}}) {
    auto m = read(id, who);
    ASSERT_FALSE(m.empty()) << who;
    EXPECT_FALSE(m.at("inhoud").at("secties").as_object().contains("onderdak")) << who;
    EXPECT_TRUE(m.at("inhoud").at("secties").as_object().contains("identiteitsbewijs")) << who;
    const auto& purged = m.at("gewisteSecties").as_array();
    ASSERT_EQ(purged.size(), 1u) << who;
    EXPECT_EQ(purged[0].at("basisvoorwaarde").as_string(), "ONDERDAK");
    EXPECT_EQ(purged[0].at("gewistReden").as_string(), "INGETROKKEN");
    EXPECT_EQ(purged[0].at("gewistOp").as_string().size(), 24u);
    EXPECT_TRUE(m.at("gewistOp").is_null()) << "the sheet itself stays";
  }
}

// Verifies that a withdrawal that concerns no sheet held of that person (an
// unknown consent id) is refused with a clear problem, and nothing is stored
// or shown.
TEST_F(Deliveries, WithdrawalMatchingNoSheetIsRefused) {
  start();
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(130), kOwn)).status, 201u) << dump();
  auto body = bj::parse(intrekking(uuid(131), kOwn, "ALLE")).as_object();
  body["toestemmingId"] = "TV-9";
  auto r = post("/api/v1/intrekkingen", bj::serialize(body));
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  EXPECT_EQ(json(r).at("code").as_string(), "withdrawal_unmatched");
  EXPECT_FALSE(json(r).at("title").as_string().empty());
  EXPECT_EQ(r.body.find(kBsn), std::string::npos);
  EXPECT_EQ(r.body.find("TV-9"), std::string::npos);
  EXPECT_EQ(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(131)).status, 404u);
  auto inbox = json(call("gemeente-1", http::verb::get, "/api/v1/berichten?soort=INTREKKING"));
  EXPECT_TRUE(inbox.at("berichten").as_array().empty());
  EXPECT_FALSE(read(uuid(130)).at("inhoud").is_null());
}

// Verifies issue 14 item 3 with two prisons and two municipalities: another
// prison may neither supersede nor withdraw a sheet, even knowing its
// berichtId and consent id (403, nothing changed); once the party
// configuration puts both prisons in one organisation, the prison the
// detainee moved to may, by naming the earlier sheet, and the audit names
// both prisons.
TEST_F(Deliveries, OnlyTheSendingPrisonOrTheOneTheDetaineeMovedToActsOnASheet) {
  start();
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(140), kOwn)).status, 201u) << dump();
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(141), kOther)).status, 201u) << dump();
  auto forbidden = [&](const response& r) {
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    if (r.status == 403) {
      EXPECT_EQ(json(r).at("code").as_string(), "other_prison");
    }
    EXPECT_EQ(r.body.find(kBsn), std::string::npos);
  };
  auto naming = [](const std::string& id, const std::string& gemeente, const std::string& sheet_id) {
    auto o = bj::parse(intrekking(id, gemeente, bj::array{"ONDERDAK"})).as_object();
    if (!sheet_id.empty()) o["informatiebladId"] = sheet_id;
    return bj::serialize(o);
  };
  const auto all =
      std::vector<std::string>{"werkEnInkomen", "onderdak", "zorg", "schulden", "identiteitsbewijs"};
  forbidden(post("/api/v1/informatiebladen", sheet(uuid(142), kOwn, all, false, 2, uuid(140)), "pi-2"));
  forbidden(post("/api/v1/intrekkingen", naming(uuid(143), kOwn, uuid(140)), "pi-2"));
  for (const auto& [who, id] : {std::pair{"gemeente-1", uuid(140)}, std::pair{"gemeente-2", uuid(141)}}) {
    auto m = read(id, who);
    ASSERT_FALSE(m.empty());
    EXPECT_TRUE(m.at("inhoud").at("secties").as_object().contains("onderdak")) << who;
    EXPECT_TRUE(m.at("vervangenDoor").is_null()) << who;
    EXPECT_TRUE(json(call(who, http::verb::get, "/api/v1/berichten?soort=INTREKKING"))
                    .at("berichten")
                    .as_array()
                    .empty());
  }
  EXPECT_EQ(call("pi-2", http::verb::get, "/api/v1/leveringen/" + uuid(143)).status, 404u);

  // pi-1 and pi-2 in one organisation: pi-2 must still name the sheet.
  ASSERT_EQ(daemon_->stop(), 0);
  prison_organisation_ = "DJI";
  start();
  forbidden(post("/api/v1/intrekkingen", naming(uuid(144), kOwn, ""), "pi-2"));
  auto w = post("/api/v1/intrekkingen", naming(uuid(145), kOwn, uuid(140)), "pi-2");
  ASSERT_EQ(w.status, 201u) << w.body;
  for (const auto& [who, id] : {std::pair{"gemeente-1", uuid(140)}, std::pair{"gemeente-2", uuid(141)}}) {
    EXPECT_FALSE(read(id, who).at("inhoud").at("secties").as_object().contains("onderdak")) << who;
  }
  const std::string both =
      "party:" + pki::shared().oin("PI_2") + ";overgenomen_van=party:" + pki::shared().oin("PI_1");
  EXPECT_EQ(
      query_blob(db_file(),
                 "SELECT count(*) FROM audit_log WHERE action = 'delivery.purge' AND actor = '" + both + "'"),
      "2");
  // A new version without the withdrawn section, naming the earlier sheet.
  auto v2_body = bj::parse(sheet(uuid(146), kOwn, all, false, 2, uuid(140))).as_object();
  v2_body["secties"].as_object().erase("onderdak");
  auto v2 = post("/api/v1/informatiebladen", bj::serialize(v2_body), "pi-2");
  ASSERT_EQ(v2.status, 201u) << v2.body;
  EXPECT_EQ(read(uuid(140)).at("vervangenDoor").as_string(), uuid(146));
  EXPECT_EQ(query_blob(db_file(),
                       "SELECT count(*) FROM audit_log WHERE action = 'delivery.supersede' AND actor = '" +
                           both + "'"),
            "1");
}

// Verifies that a newer sheet supersedes the older one (whose content goes).
TEST_F(Deliveries, NewerSheetSupersedesTheOlder) {
  start();
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(40), kOwn)).status, 201u);
  auto v2 =
      post("/api/v1/informatiebladen",
           sheet(uuid(41), kOwn, {"werkEnInkomen", "onderdak", "identiteitsbewijs"}, false, 2, uuid(40)));
  ASSERT_EQ(v2.status, 201u) << v2.body;
  auto old = read(uuid(40));
  EXPECT_EQ(old.at("vervangenDoor").as_string(), uuid(41));
  EXPECT_TRUE(old.at("inhoud").is_null());
  EXPECT_EQ(old.at("gewistReden").as_string(), "VERVANGEN");
  // Replacing with a version that is not newer is refused.
  auto stale =
      post("/api/v1/informatiebladen",
           sheet(uuid(42), kOwn, {"werkEnInkomen", "onderdak", "identiteitsbewijs"}, false, 2, uuid(41)));
  EXPECT_EQ(stale.status, 409u) << stale.body;
}

// Verifies that the database file holds no BSN and no name in clear.
TEST_F(Deliveries, DatabaseFileHoldsNoPersonInClear) {
  start();
  ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(50), kOwn)).status, 201u);
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(51), kOwn)).status, 201u);
  ASSERT_EQ(post("/api/v1/intrekkingen", intrekking(uuid(52), kOwn, bj::array{"ZORG"})).status, 201u);
  read(uuid(51));
  ASSERT_EQ(daemon_->stop(), 0);  // checkpoint into the main file as well
  const std::string bytes = database_bytes(db_file());
  ASSERT_GT(bytes.size(), 4096u);
  for (std::string_view needle : {kBsn, kSurname, kGivenNames, kSheetText, std::string_view("TV-1")})
    EXPECT_EQ(bytes.find(needle), std::string::npos) << needle << " is in the database file";
  std::string log;
  for (const auto& l : daemon_->lines()) log += l;
  for (std::string_view needle : {kBsn, kSurname, kSheetText})
    EXPECT_EQ(log.find(needle), std::string::npos) << needle << " is in the log";
}

// Verifies that a municipality's system reads only its own inbox, and a prison none.
TEST_F(Deliveries, InboxIsTheMunicipalitysOwn) {
  start();
  ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(60), kOther)).status, 201u);
  ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(61), kOwn)).status, 201u);
  EXPECT_EQ(call("gemeente-1", http::verb::get, "/api/v1/berichten/" + uuid(60)).status, 404u);
  EXPECT_EQ(
      call("gemeente-1", http::verb::post, "/api/v1/berichten/" + uuid(60) + "/ontvangstbevestiging").status,
      404u);
  auto own = json(call("gemeente-1", http::verb::get, "/api/v1/berichten"));
  ASSERT_EQ(own.at("berichten").as_array().size(), 1u);
  EXPECT_EQ(own.at("berichten").as_array()[0].at("berichtId").as_string(), uuid(61));
  EXPECT_EQ(read(uuid(60), "gemeente-2").at("berichtId").as_string(), uuid(60));
  EXPECT_EQ(call("gemeente-2", http::verb::get, "/api/v1/berichten/" + uuid(61)).status, 404u);

  auto prison = call("pi-1", http::verb::get, "/api/v1/berichten");
  EXPECT_EQ(prison.status, 403u);
  EXPECT_EQ(json(prison).at("code").as_string(), "wrong_party_kind");
  EXPECT_EQ(call("pi-1", http::verb::get, "/api/v1/berichten/" + uuid(61)).status, 403u);
}

// Verifies that a 201 is durable: kill -9 right after it, and the delivery is there after restart.
TEST_F(Deliveries, ReceiptSurvivesKillNine) {
  start();
  auto r = post("/api/v1/detentiemeldingen", melding(uuid(70), kOwn));
  ASSERT_EQ(r.status, 201u);
  daemon_->stop(SIGKILL);
  ASSERT_TRUE(daemon_->start()) << dump();
  auto status = call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(70));
  ASSERT_EQ(status.status, 200u) << status.body;
  EXPECT_EQ(json(status).at("ontvangenOp"), json(r).at("ontvangenOp"));
  EXPECT_EQ(read(uuid(70)).at("inhoud").at("persoon").at("geslachtsnaam").as_string(), kSurname);
}

// Verifies retention: `poortctl purge --dry-run` tells what would go and
// changes nothing; `poortctl purge` purges it, leaving a tombstone and the audit trail.
TEST_F(Deliveries, PurgeDryRunThenPurge) {
  start("purge_interval_s = 86400\n");
  // Released long ago: due since 183 days after 2020-01-06.
  auto old = bj::parse(melding(uuid(100), kOwn, "EINDE")).as_object();
  old["gebeurtenisdatum"] = "2020-01-06";
  old.erase("verwachteInvrijheidstelling");
  ASSERT_EQ(post("/api/v1/detentiemeldingen", bj::serialize(old)).status, 201u) << dump();
  ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(101), kOwn)).status, 201u);

  auto [dry_rc, dry] = poortctl("purge --dry-run");
  EXPECT_EQ(dry_rc, 0) << dry;
  EXPECT_NE(dry.find(uuid(100) + " GM0193 DETENTIEMELDING due 2020-07-07T00:00:00.000Z"), std::string::npos)
      << dry;
  EXPECT_EQ(dry.find(uuid(101)), std::string::npos) << dry;
  EXPECT_NE(dry.find("would purge 1 message(s)"), std::string::npos) << dry;
  EXPECT_NE(dry.find("per table: postvak 1 (content and blind index), intrekkingen 0 (withdrawal records), "
                     "uitgaande_berichten 0"),
            std::string::npos)
      << dry;
  EXPECT_FALSE(read(uuid(100)).at("inhoud").is_null()) << "a dry run changes nothing";

  auto [rc, text] = poortctl("purge");
  EXPECT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("purged 1 message(s)"), std::string::npos) << text;
  auto tomb = read(uuid(100));
  EXPECT_TRUE(tomb.at("inhoud").is_null());
  EXPECT_EQ(tomb.at("gewistReden").as_string(), "BEWAARTERMIJN");
  EXPECT_EQ(json(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(100))).at("status").as_string(),
            "GEWIST");
  EXPECT_FALSE(read(uuid(101)).at("inhoud").is_null());
  EXPECT_EQ(query_blob(db_file(),
                       "SELECT CAST(count(*) AS TEXT) FROM audit_log WHERE action = 'delivery.purge' "
                       "AND actor = 'poortctl' AND object = 'bericht:" +
                           uuid(100) + "'"),
            "1");
}

// Verifies key rotation (issue 14 item 1): poortd restarted on a key ring with
// a new active key and index version (the old ones listed) still refuses a
// sheet under consent withdrawn before, and shows rows per key id in
// /metrics; `poortctl rekey` moves every row while poortd serves, in batches,
// reports nothing left under the old key and index version; the audit chain
// verifies; lookups by BSN keep working; `poortctl audit search --bsn` (the
// BSN on stdin) lists the records about the person.
TEST_F(Deliveries, RekeyMovesEverythingToTheNewKey) {
  start();
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(110), kOwn)).status, 201u);
  ASSERT_EQ(post("/api/v1/intrekkingen", intrekking(uuid(111), kOwn, bj::array{"ONDERDAK"})).status, 201u);
  ASSERT_EQ(daemon_->stop(), 0);

  std::ofstream(dir_.path() / "data2.key") << std::string(64, '7') << "\n";
  std::ofstream(dir_.path() / "index2.key") << std::string(64, '8') << "\n";
  data_keys_section_ = "[data_keys]\nactive = \"k2\"\n[[data_keys.key]]\nid = \"k1\"\nkey_file = \"" +
                       (dir_.path() / "data.key").string() +
                       "\"\n[[data_keys.key]]\nid = \"k2\"\nkey_file = \"" +
                       (dir_.path() / "data2.key").string() +
                       "\"\n[[data_keys.index_key]]\nversion = 1\nderive_from = \"k1\"\n"
                       "[[data_keys.index_key]]\nversion = 2\nkey_file = \"" +
                       (dir_.path() / "index2.key").string() + "\"\n\n";
  start();  // rewrites the config with the ring (poortd warns about the old rows)
  auto refused = post("/api/v1/informatiebladen", sheet(uuid(112), kOwn));
  EXPECT_EQ(refused.status, 422u) << "the withdrawal under index version 1 still counts: " << refused.body;
  std::string metrics;
  EXPECT_TRUE(wait_until([&] {
    tls_client c(daemon_->portal_port());
    metrics = c.connect() ? std::string() : c.request(http::verb::get, "/metrics").body;
    return metrics.find("poort_store_rows_by_key{") != std::string::npos;
  })) << metrics;
  EXPECT_NE(metrics.find("poort_store_rows_by_key{table=\"postvak\",key_id=\"k1\"} 2"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("poort_store_rows_by_index_version{table=\"intrekkingen\",version=\"1\"} 1"),
            std::string::npos)
      << metrics;

  auto [rc, text] = poortctl("rekey --batch 1 --pause-ms 0");  // while poortd serves
  ASSERT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("batch 3: 1 row(s) moved, 3 in all"), std::string::npos) << text;
  EXPECT_NE(text.find("moved 3 row(s) to key k2, index version 2"), std::string::npos) << text;
  EXPECT_NE(text.find("left under key k1: 0 row(s)"), std::string::npos) << text;
  EXPECT_NE(text.find("left under index version 1: 0 row(s)"), std::string::npos) << text;
  EXPECT_EQ(query_blob(db_file(), "SELECT group_concat(DISTINCT key_id) FROM postvak"), "k2");
  auto [vrc, verified] = poortctl("audit verify");
  EXPECT_EQ(vrc, 0) << verified;

  EXPECT_EQ(read(uuid(110)).at("inhoud").at("persoon").at("bsn").as_string(), kBsn);
  // The earlier withdrawal still applies (blind indexes recomputed) ...
  auto later = post("/api/v1/informatiebladen", sheet(uuid(113), kOwn));
  EXPECT_EQ(later.status, 422u) << later.body;
  // ... and a new one still finds the person's sheet by BSN.
  ASSERT_EQ(post("/api/v1/intrekkingen", intrekking(uuid(114), kOwn, "ALLE")).status, 201u);
  auto purged = read(uuid(110));
  EXPECT_TRUE(purged.at("inhoud").is_null());
  EXPECT_EQ(purged.at("gewistReden").as_string(), "INGETROKKEN");

  std::ofstream(dir_.path() / "bsn.txt") << kBsn << "\n";
  auto [src, found] = poortctl("audit search --bsn", dir_.path() / "bsn.txt");
  ASSERT_EQ(src, 0) << found;
  EXPECT_NE(found.find("delivery.create bericht:" + uuid(110) + " success party:"), std::string::npos)
      << found;
  EXPECT_NE(found.find("delivery.purge bericht:" + uuid(110)), std::string::npos) << found;
  EXPECT_EQ(found.find(kBsn), std::string::npos);
}

// Verifies `poortctl backup` beside the running daemon: a checked copy with
// every delivery and no BSN in clear, whose audit chain verifies against the
// head it reports; the backup is audited in the live database; a second
// backup to the same name is refused; the daemon goes on taking deliveries;
// restored, the backup serves what it holds and nothing later.
TEST_F(Deliveries, BackupWhileRunningIsCheckedAndAudited) {
  start();
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(120 + i), kOwn)).status, 201u) << dump();
  const fs::path target = dir_.path() / "backup.db";
  auto [rc, text] = poortctl("backup --to '" + target.string() + "'");
  ASSERT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("backup written: " + target.string()), std::string::npos) << text;
  EXPECT_EQ(query_blob(target, "SELECT CAST(count(*) AS TEXT) FROM leveringen"), "3");
  std::ifstream copy(target, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(copy), std::istreambuf_iterator<char>()};
  EXPECT_EQ(bytes.find(kBsn), std::string::npos) << "personal data stays encrypted in the copy";

  const auto newest = text.find("the newest ");
  ASSERT_NE(newest, std::string::npos) << text;
  const std::string anchor = text.substr(newest + 11, text.find(')', newest) - newest - 11);
  auto [vrc, verified] = poortctl("audit verify --database '" + target.string() + "' --anchor " + anchor);
  EXPECT_EQ(vrc, 0) << verified;
  EXPECT_NE(verified.find("anchors matched: 1"), std::string::npos) << verified;
  EXPECT_EQ(
      query_blob(db_file(),
                 "SELECT CAST(count(*) AS TEXT) FROM audit_log WHERE action = 'store.backup' AND actor = "
                 "'poortctl' AND object = 'audit:" +
                     anchor.substr(0, anchor.find(':')) + "'"),
      "1");

  auto [again_rc, again] = poortctl("backup --to '" + target.string() + "'");
  EXPECT_EQ(again_rc, 1) << again;
  EXPECT_EQ(query_blob(target, "SELECT CAST(count(*) AS TEXT) FROM leveringen"), "3");
  EXPECT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(123), kOwn)).status, 201u);

  // Restore as the README says: stop, put the backup in place, migrate, start.
  ASSERT_EQ(daemon_->stop(), 0);
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(db_file().string() + suffix);
  fs::rename(target, db_file());
  auto [mrc, migrated] = poortctl("migrate");
  ASSERT_EQ(mrc, 0) << migrated;
  ASSERT_TRUE(daemon_->start()) << dump();
  EXPECT_EQ(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(120)).status, 200u);
  EXPECT_EQ(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(123)).status, 404u)
      << "delivered after the backup";
  EXPECT_FALSE(read(uuid(121)).at("inhoud").is_null());
  EXPECT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(123), kOwn)).status, 201u);
}

// Verifies that a malformed chunked body is refused with 400 and the connection closed.
TEST_F(Deliveries, MalformedChunkedBodyRefused) {
  start();
  for (const char* path : {"/api/v1/detentiemeldingen", "/api/v1/informatiebladen", "/api/v1/intrekkingen"}) {
    tls_client c(daemon_->system_port(), "pi-1");
    ASSERT_FALSE(c.connect());
    c.send_raw(std::string("POST ") + path +
               " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               "zz\r\n{}\r\n0\r\n\r\n");
    auto r = c.read_response();
    EXPECT_EQ(r.status, 400u) << path;
    EXPECT_TRUE(c.closed_by_peer()) << path;
  }
  EXPECT_TRUE(
      json(call("gemeente-1", http::verb::get, "/api/v1/berichten")).at("berichten").as_array().empty());
}

// Verifies each POST route's body limit on both sides of the boundary.
TEST_F(Deliveries, BodyLimitOfEachRouteBothSides) {
  start("", "");
  struct route_case {
    const char* path;
    std::size_t limit;
    std::string body;
  };
  const route_case cases[] = {
      {"/api/v1/detentiemeldingen", 16 * 1024, melding(uuid(80), kOwn)},
      {"/api/v1/informatiebladen", 512 * 1024, sheet(uuid(81), kOwn)},
      {"/api/v1/intrekkingen", 16 * 1024, intrekking(uuid(82), kOwn, bj::array{"ZORG"})}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    // JSON with trailing whitespace: the same message, padded to the limit.
    std::string at_limit = c.body + std::string(c.limit - c.body.size(), ' ');
    EXPECT_EQ(post(c.path, at_limit).status, 201u);
    // One byte more: refused from the declared length, before the body is
    // read. The client waits for "100 Continue" so that it never writes into
    // a connection the server has already closed.
    tls_client client(daemon_->system_port(), "pi-1");
    ASSERT_FALSE(client.connect());
    client.send_raw(std::string("POST ") + c.path +
                    " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                    "Expect: 100-continue\r\nContent-Length: " + std::to_string(c.limit + 1) + "\r\n\r\n");
    auto over = client.read_response();
    EXPECT_EQ(over.status, 413u);
    EXPECT_TRUE(client.closed_by_peer());
  }
}

// Verifies push: the receiver fails the first attempts, poortd restarts in
// between, and each message reaches the receiver's idempotent store exactly once.
TEST_F(Deliveries, PushRetriesAcrossRestartAndDeliversOnce) {
  const pki& p = pki::shared();
  push_receiver receiver(dir_.path() / "receiver.json", 3);
  ASSERT_GT(receiver.port(), 0);

  start(push_section("push_initial_backoff_ms = 200\npush_max_backoff_ms = 400\npush_poll_interval_ms = 50\n"
                     "push_allow_private_addresses = true\n"),
        receiver.url());
  ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(90), kOwn)).status, 201u);
  ASSERT_EQ(post("/api/v1/informatiebladen", sheet(uuid(91), kOwn)).status, 201u);

  // The first attempts fail; restart poortd in the middle of the retries.
  ASSERT_TRUE(wait_until([&] {
    return receiver.state().contains("failures") && receiver.state().at("failures").as_int64() >= 2;
  })) << dump();
  ASSERT_EQ(daemon_->stop(), 0);
  ASSERT_TRUE(daemon_->start()) << dump();

  ASSERT_TRUE(wait_until([&] { return receiver.state().at("stored").as_object().size() == 2; })) << dump();
  auto s = receiver.state();
  const auto& stored = s.at("stored").as_object();
  ASSERT_TRUE(stored.contains(uuid(90)));
  ASSERT_TRUE(stored.contains(uuid(91)));
  EXPECT_EQ(stored.at(uuid(91)).at("inhoud").at("persoon").at("bsn").as_string(), kBsn);
  EXPECT_EQ(stored.at(uuid(90)).at("berichtId").as_string(), uuid(90));
  EXPECT_EQ(s.at("failures").as_int64(), 3);
  EXPECT_EQ(s.at("requests").as_int64(), 5 + s.at("duplicates").as_int64());
  EXPECT_EQ(s.at("client_oins").as_array(), bj::array{bj::value(p.oin("JUSTID"))});

  // poortd records the delivery after the receiver has answered.
  std::string status;
  EXPECT_TRUE(wait_until([&] {
    status = json(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(90))).at("status").as_string();
    return status == "DOORGESTUURD";
  })) << status;
  std::string metrics;
  EXPECT_TRUE(wait_until([&] {
    tls_client c(daemon_->portal_port());
    metrics = c.connect() ? std::string() : c.request(http::verb::get, "/metrics").body;
    return metrics.find("poort_push_pending 0\n") != std::string::npos;
  })) << metrics;
  EXPECT_NE(metrics.find("poort_push_attempts_total"), std::string::npos);
}

// Verifies that a push that keeps failing is given up after the configured
// time, visibly: state OPGEGEVEN in the store and in /metrics.
TEST_F(Deliveries, PushGivenUpAfterConfiguredTime) {
  push_receiver receiver(dir_.path() / "receiver.json", 1000000);
  ASSERT_GT(receiver.port(), 0);
  start(push_section("push_initial_backoff_ms = 100\npush_max_backoff_ms = 200\npush_poll_interval_ms = 50\n"
                     "push_give_up_after_s = 1\npush_allow_private_addresses = true\n"),
        receiver.url());
  ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(120), kOwn)).status, 201u);
  std::string metrics;
  for (int i = 0; i < 200 && metrics.find("poort_push_given_up 1\n") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    tls_client c(daemon_->portal_port());
    metrics = c.connect() ? std::string() : c.request(http::verb::get, "/metrics").body;
  }
  EXPECT_NE(metrics.find("poort_push_given_up 1\n"), std::string::npos) << metrics;
  EXPECT_EQ(query_blob(db_file(), "SELECT status || ' ' || laatste_fout FROM uitgaande_berichten"),
            "OPGEGEVEN http_503");
  EXPECT_EQ(json(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(120))).at("status").as_string(),
            "IN_POSTVAK")
      << "the message stays readable in the inbox";
}

// Verifies the SSRF guard: with the default settings a push to 127.0.0.1 is
// refused before any connection (the receiver sees nothing, the outbox row
// records endpoint_address_refused through the normal retry path, the log
// names the message but not the URL); once push_allow_private_addresses is
// set by a reload (SIGHUP), the same message is delivered.
TEST_F(Deliveries, PushToPrivateAddressRefusedUntilAllowed) {
  push_receiver receiver(dir_.path() / "receiver.json", 0);
  ASSERT_GT(receiver.port(), 0);
  const std::string timing =
      "push_initial_backoff_ms = 100\npush_max_backoff_ms = 200\npush_poll_interval_ms = 50\n";
  start(push_section(timing), receiver.url());
  ASSERT_EQ(post("/api/v1/detentiemeldingen", melding(uuid(130), kOwn)).status, 201u);

  const std::string outbox =
      "SELECT status || ' ' || laatste_fout FROM uitgaande_berichten WHERE bericht_id = '" + uuid(130) + "'";
  const std::string retried =
      "SELECT CAST(pogingen >= 3 AS TEXT) FROM uitgaande_berichten WHERE bericht_id = '" + uuid(130) + "'";
  ASSERT_TRUE(wait_until([&] { return query_blob(db_file(), retried) == "1"; })) << dump();
  EXPECT_EQ(query_blob(db_file(), outbox), "WACHTEND endpoint_address_refused");
  EXPECT_EQ(receiver.state().at("requests").as_int64(), 0);
  EXPECT_EQ(json(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(130))).at("status").as_string(),
            "IN_POSTVAK");
  const auto lines = daemon_->lines();
  const auto refused = std::ranges::find_if(lines, [](const std::string& l) {
    return l.find("push.failed") != std::string::npos &&
           l.find("endpoint_address_refused") != std::string::npos;
  });
  ASSERT_NE(refused, lines.end()) << dump();
  EXPECT_NE(refused->find(uuid(130)), std::string::npos) << *refused;
  EXPECT_NE(refused->find(kOwn), std::string::npos) << *refused;
  const std::string authority = "127.0.0.1:" + std::to_string(receiver.port());
  for (const auto& l : lines) EXPECT_EQ(l.find(authority), std::string::npos) << l;

  const std::size_t from = daemon_->line_count();
  write_test_config(push_section(timing + "push_allow_private_addresses = true\n"));
  daemon_->signal(SIGHUP);
  ASSERT_TRUE(daemon_->wait_for("reload.done", from)) << dump();
  ASSERT_TRUE(wait_until([&] { return receiver.state().at("stored").as_object().contains(uuid(130)); }))
      << dump();
  EXPECT_EQ(receiver.state().at("requests").as_int64(), 1);
  EXPECT_TRUE(wait_until([&] { return query_blob(db_file(), outbox).starts_with("AFGELEVERD"); }))
      << query_blob(db_file(), outbox);
  EXPECT_EQ(json(call("pi-1", http::verb::get, "/api/v1/leveringen/" + uuid(130))).at("status").as_string(),
            "DOORGESTUURD");
}

// Issue 14 item 4: a push queued for a municipality that is then suspended
// is held by the real worker (nothing reaches the receiver), audited once
// as held however often the worker looks, and sent exactly once when the
// municipality is connected again.
TEST_F(Deliveries, PushHeldWhileSuspendedIsSentOnceOnReconnection) {
  push_receiver receiver(dir_.path() / "receiver.json", 0);
  ASSERT_GT(receiver.port(), 0);
  const std::string id = uuid(140);
  ASSERT_NO_FATAL_FAILURE(queue_push_then_stop(id, receiver.url()));
  ASSERT_TRUE(exec_sql(db_file(), "UPDATE gemeenten SET status = 'SUSPENDED' WHERE gemeentecode = 'GM0193'"));
  ASSERT_NO_FATAL_FAILURE(restart_with_push(
      "push_initial_backoff_ms = 100\npush_max_backoff_ms = 100\npush_poll_interval_ms = 50\n"
      "push_allow_private_addresses = true\n"));

  const std::string held = "action = 'delivery.push.hold' AND object = 'bericht:" + id + "'";
  ASSERT_TRUE(wait_until([&] { return count_of(held) == "1"; })) << dump();
  // The worker looks again every 100 ms: still held, still one record.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(count_of(held), "1");
  EXPECT_EQ(count_of(held + " AND result = 'held:suspended' AND actor = 'poortd'"), "1");
  EXPECT_EQ(count_of("action = 'delivery.push.attempt'"), "0");
  EXPECT_FALSE(receiver.state().contains("requests") && receiver.state().at("requests").as_int64() > 0)
      << "nothing was sent while suspended";
  EXPECT_EQ(query_blob(db_file(), "SELECT status || ' ' || laatste_fout FROM uitgaande_berichten"),
            "WACHTEND held:suspended");

  // Connected again (as an administrator's reconnection leaves the registry).
  ASSERT_TRUE(exec_sql(db_file(), "UPDATE gemeenten SET status = 'CONNECTED' WHERE gemeentecode = 'GM0193'"));
  ASSERT_TRUE(wait_until([&] { return receiver.state().at("stored").as_object().contains(id); })) << dump();
  ASSERT_TRUE(wait_until([&] {
    return query_blob(db_file(), "SELECT status FROM uitgaande_berichten") == "AFGELEVERD";
  })) << dump();
  EXPECT_EQ(receiver.state().at("requests").as_int64(), 1);
  EXPECT_EQ(count_of("action = 'delivery.push.resume' AND object = 'bericht:" + id + "'"), "1");
  EXPECT_EQ(count_of("action = 'delivery.push.attempt' AND result = 'started'"), "1");
  EXPECT_EQ(count_of("action = 'delivery.push' AND result = 'success'"), "1");
  EXPECT_EQ(count_of(held), "1");
}

// Issue 14 item 6: the push is audited before its bytes leave; when that
// record cannot be written the real worker sends nothing (the receiver sees
// no request) and tries again later; once the audit log takes records again
// the push is sent, once.
TEST_F(Deliveries, PushNotSentWhenItsAuditRecordCannotBeWritten) {
  push_receiver receiver(dir_.path() / "receiver.json", 0);
  ASSERT_GT(receiver.port(), 0);
  const std::string id = uuid(141);
  ASSERT_NO_FATAL_FAILURE(queue_push_then_stop(id, receiver.url()));
  ASSERT_TRUE(exec_sql(db_file(),
                       "CREATE TRIGGER refuse_push_audit BEFORE INSERT ON audit_log WHEN NEW.action = "
                       "'delivery.push.attempt' BEGIN SELECT RAISE(ABORT, 'audit refused'); END"));
  ASSERT_NO_FATAL_FAILURE(restart_with_push(
      "push_initial_backoff_ms = 100\npush_max_backoff_ms = 100\npush_poll_interval_ms = 50\n"
      "push_allow_private_addresses = true\n"));
  ASSERT_TRUE(daemon_->wait_for("push.not_sent")) << dump();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(receiver.state().contains("requests") && receiver.state().at("requests").as_int64() > 0)
      << "nothing is sent without its audit record";
  EXPECT_EQ(query_blob(db_file(), "SELECT status || ' ' || pogingen FROM uitgaande_berichten"), "WACHTEND 0");

  ASSERT_TRUE(exec_sql(db_file(), "DROP TRIGGER refuse_push_audit"));
  ASSERT_TRUE(wait_until([&] { return receiver.state().at("stored").as_object().contains(id); })) << dump();
  EXPECT_EQ(receiver.state().at("requests").as_int64(), 1);
  EXPECT_EQ(count_of("action = 'delivery.push.attempt' AND object = 'bericht:" + id + "'"), "1");
}

}  // namespace
}  // namespace poort::test

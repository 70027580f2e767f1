// The deliveries worker's retention job (daemon/deliveries.cpp) with an
// injected clock: the audit's own retention of person references
// (issue 14 item 6; store/audit.hpp).

#include "daemon/deliveries.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "common/clock.hpp"
#include "common/random.hpp"
#include "config/config.hpp"
#include "routing/metrics.hpp"
#include "store/audit.hpp"
#include "store/database.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::daemon {
namespace {

using store::test::raw_db;
using store::test::temp_dir;

class DeliveriesRetention : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto key = dir_.path() / "data.key";
    std::ofstream(key) << "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    std::filesystem::permissions(key,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    auto cfg = std::make_shared<config::config>();
    cfg->store = store::test::store_config(dir_.path());
    cfg->data_keys.key_file = key;
    cfg->data_keys.key_id = "k1";
    cfg_ = cfg;
    db_ = std::move(store::database::open(cfg_->store, clock_, store::open_mode::migrate).value());
  }

  // An audit record about a person, written now (by the fake clock).
  void audit_about_a_person(const std::string& object) {
    const store::audit_identity who{"internal", "poortd", ""};
    ASSERT_TRUE(db_->write([&](store::transaction& tx) -> result<void> {
      auto a = store::append_audit(
          tx, store::make_audit_record("delivery.read", object, "success", who, clock_.now()),
          store::person_reference(1, std::string(64, 'a')));
      if (!a) return a.error();
      return {};
    }));
  }

  std::string reference_of(const std::string& object) {
    raw_db raw(cfg_->store.database);
    return raw.text("SELECT persoon_ref FROM audit_log WHERE object = '" + object + "'");
  }

  // Runs the worker (its first round purges at once) until `done` or 30 s.
  template <class Pred>
  bool run_worker_until(Pred done) {
    routing::metrics metrics({"other"});
    auto rt = deliveries_runtime::create(*cfg_, *db_, clock_, random_, metrics);
    if (!rt || *rt == nullptr) return false;
    (*rt)->start([this] { return cfg_; });
    bool ok = false;
    for (int i = 0; i < 300 && !(ok = done()); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (*rt)->stop();
    return ok;
  }

  temp_dir dir_;
  fake_clock clock_;
  fake_random random_;
  std::shared_ptr<config::config> cfg_;
  std::unique_ptr<store::database> db_;
};

// Verifies that the retention job clears the person reference of audit
// records older than audit_person_reference_days, keeps younger ones, and
// leaves a chain that verifies.
TEST_F(DeliveriesRetention, AuditPersonReferencesAreClearedAfterTheConfiguredDays) {
  cfg_->deliveries.audit_person_reference_days = 30;
  audit_about_a_person("bericht:old");
  clock_.advance(std::chrono::days(31));
  audit_about_a_person("bericht:new");
  ASSERT_FALSE(reference_of("bericht:old").empty());

  EXPECT_TRUE(run_worker_until([&] { return reference_of("bericht:old").empty(); }));
  EXPECT_FALSE(reference_of("bericht:new").empty());
  raw_db raw(cfg_->store.database);
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM audit_log WHERE action = 'audit.person_refs.clear'"), 1);
  auto report = store::verify_audit_chain(cfg_->store.database);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->ok) << report->reason;
}

}  // namespace
}  // namespace poort::daemon

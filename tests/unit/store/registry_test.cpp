#include "store/registry.hpp"

#include <gtest/gtest.h>

#include "common/clock.hpp"
#include "store_test_util.hpp"

namespace poort::store {
namespace {

using domain::municipality_status;

class Registry : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = database::open(test::store_config(dir_.path()), clock_, open_mode::migrate);
    ASSERT_TRUE(db) << db.error().message();
    db_ = std::move(*db);
  }
  municipality_record zwolle(std::string van = "2019-01-01", std::string tot = "") {
    municipality_record m;
    m.gemeentecode = "GM0193";
    m.naam = "Zwolle";
    m.kvk = "50000001";
    m.rsin = "001234560";
    m.oin = "00000001001234560000";
    m.geldig_van = std::move(van);
    m.geldig_tot = std::move(tot);
    return m;
  }
  result<std::optional<municipality_record>> find(std::string_view code, std::string_view day) {
    return db_->read([&](reader& r) { return find_municipality(r, code, day); });
  }

  test::temp_dir dir_;
  fake_clock clock_;
  std::unique_ptr<database> db_;
};

// Verifies that a record is found inside its validity period and not outside it.
TEST_F(Registry, FindsByCodeWithinValidityPeriod) {
  ASSERT_TRUE(db_->write([&](transaction& tx) {
    return upsert_municipality(tx, zwolle("2019-01-01", "2027-01-01"), clock_.now());
  }));
  EXPECT_FALSE(find("GM0193", "2018-12-31").value().has_value());
  auto in = find("GM0193", "2019-01-01");
  ASSERT_TRUE(in && *in);
  EXPECT_EQ((*in)->naam, "Zwolle");
  EXPECT_EQ((*in)->status, municipality_status::not_registered);
  EXPECT_TRUE(find("GM0193", "2026-12-31").value().has_value());
  EXPECT_FALSE(find("GM0193", "2027-01-01").value().has_value());  // geldig_tot is exclusive
  auto by_kvk = db_->read([&](reader& r) { return find_municipality_by_kvk(r, "50000001", "2020-06-01"); });
  ASSERT_TRUE(by_kvk && *by_kvk);
  auto by_rsin =
      db_->read([&](reader& r) { return find_municipality_by_rsin(r, "001234560", "2020-06-01"); });
  ASSERT_TRUE(by_rsin && *by_rsin);
  auto none = db_->read([&](reader& r) { return find_municipality_by_kvk(r, "", "2020-06-01"); });
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
}

// Verifies that a re-import keeps status and preferences unless told to overwrite them.
TEST_F(Registry, UpsertKeepsStateUnlessOverwritten) {
  ASSERT_TRUE(db_->write([&](transaction& tx) { return upsert_municipality(tx, zwolle(), clock_.now()); }));
  auto id = (*find("GM0193", "2020-01-01"))->id;
  ASSERT_TRUE(db_->write([&](transaction& tx) {
    auto ok = set_municipality_status(tx, id, municipality_status::connected, clock_.now());
    if (!ok) return ok;
    return set_municipality_preferences(tx, id, true, false, "https://gemeente.example/poort", "ab",
                                        clock_.now());
  }));
  auto renamed = zwolle();
  renamed.naam = "Gemeente Zwolle";
  ASSERT_TRUE(db_->write([&](transaction& tx) { return upsert_municipality(tx, renamed, clock_.now()); }));
  auto m = *find("GM0193", "2020-01-01");
  EXPECT_EQ(m->naam, "Gemeente Zwolle");
  EXPECT_EQ(m->status, municipality_status::connected);
  EXPECT_TRUE(m->wil_detentiemeldingen);
  EXPECT_FALSE(m->wil_informatiebladen);
  EXPECT_EQ(m->push_endpoint, "https://gemeente.example/poort");

  renamed.status = municipality_status::suspended;
  ASSERT_TRUE(
      db_->write([&](transaction& tx) { return upsert_municipality(tx, renamed, clock_.now(), true); }));
  EXPECT_EQ((*find("GM0193", "2020-01-01"))->status, municipality_status::suspended);
}

// Verifies that the schema refuses malformed codes and that updating a missing row is an error.
TEST_F(Registry, RefusesMalformedRowsAndMissingIds) {
  auto bad = zwolle();
  bad.gemeentecode = "GM19";
  EXPECT_FALSE(db_->write([&](transaction& tx) { return upsert_municipality(tx, bad, clock_.now()); }));
  EXPECT_FALSE(db_->write([&](transaction& tx) {
    return set_municipality_status(tx, 4242, municipality_status::connected, clock_.now());
  }));
  auto all = db_->read([&](reader& r) { return list_municipalities(r); });
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
}

}  // namespace
}  // namespace poort::store

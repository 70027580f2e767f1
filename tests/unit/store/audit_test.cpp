#include "store/audit.hpp"

#include <gtest/gtest.h>

#include <array>
#include <latch>
#include <span>
#include <string>

#include "common/crypto.hpp"
#include "store/database.hpp"
#include "store_test_util.hpp"

namespace poort::store {
namespace {

using test::create_test_table;
using test::insert_row;
using test::raw_db;
using test::store_config;
using test::temp_dir;
using test::writer_gate;

/// The chain hash as store/audit.hpp documents it, computed here independently.
std::string documented_hash(const std::vector<std::string>& fields) {
  std::string encoding = "poort-audit-v1\n";
  for (const std::string& f : fields) encoding += std::to_string(f.size()) + ":" + f + "\n";
  return sha256_hex(encoding);
}

/// The documented hash of record `seq` as it is stored now.
std::string stored_record_hash(raw_db& raw, int seq) {
  std::vector<std::string> fields{std::to_string(seq)};
  for (const char* column :
       {"prev_hash", "at", "action", "object", "result", "origin", "actor", "request_id"})
    fields.push_back(
        raw.text(std::string{"SELECT "} + column + " FROM audit_log WHERE seq = " + std::to_string(seq)));
  return documented_hash(fields);
}

audit_record sample(int i, sys_time at) {
  return {.action = i % 2 == 0 ? "delivery.create" : "delivery.read",
          .object = "bericht:3f0c6e1a-0000-4000-8000-" + std::to_string(100000000000 + i),
          .result = "success",
          .origin = "203.0.113.5",
          .actor = i % 3 == 0 ? "oin:00000099000000000001" : "user:pseudo-" + std::to_string(i % 3),
          .request_id = "req-" + std::to_string(i),
          .at = at};
}

class AuditChain : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = store_config(dir_.path());
    db_ = std::move(database::open(cfg_, clock_, open_mode::migrate).value());
  }

  /// Appends `n` records, one transaction each, a second apart.
  void append(int n) {
    for (int i = 0; i < n; ++i) {
      const audit_record rec = sample(next_++, clock_.now());
      ASSERT_TRUE(db_->write([&](transaction& tx) -> result<void> {
        auto seq = append_audit(tx, rec);
        if (!seq) return seq.error();
        return {};
      }));
      clock_.advance(std::chrono::seconds{1});
    }
  }

  /// Closes the database and tampers with the file as an attacker with raw
  /// access would: the append-only triggers go first.
  void tamper(const std::string& sql) {
    db_->close();
    raw_db raw{cfg_.database};
    ASSERT_EQ(raw.exec("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"), SQLITE_OK);
    ASSERT_EQ(raw.exec(sql), SQLITE_OK);
  }

  verify_report verify() { return verify_audit_chain(cfg_.database).value(); }

  temp_dir dir_;
  fake_clock clock_;
  config::store cfg_;
  std::unique_ptr<database> db_;
  int next_ = 1;
};

TEST_F(AuditChain, EmptyChainVerifies) {
  const auto report = verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records, 0u);
}

TEST_F(AuditChain, AppendedChainVerifies) {
  append(20);
  db_->close();
  const auto report = verify();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records, 20u);
  EXPECT_FALSE(report.first_bad_seq);
}

TEST_F(AuditChain, VerifiesWhileTheDatabaseIsOpen) {
  append(3);
  const auto report = verify();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records, 3u);
}

TEST_F(AuditChain, HashFollowsTheDocumentedEncoding) {
  append(2);
  db_->close();
  raw_db raw{cfg_.database};
  const std::string zeros(64, '0');
  EXPECT_EQ(raw.text("SELECT prev_hash FROM audit_log WHERE seq = 1"), zeros);

  const audit_record rec = sample(2, clock_.now() - std::chrono::seconds{1});
  const std::string prev = raw.text("SELECT hash FROM audit_log WHERE seq = 1");
  EXPECT_EQ(raw.text("SELECT prev_hash FROM audit_log WHERE seq = 2"), prev);
  EXPECT_EQ(raw.text("SELECT hash FROM audit_log WHERE seq = 2"),
            documented_hash({"2", prev, format_rfc3339(rec.at, true), rec.action, rec.object, rec.result,
                             rec.origin, rec.actor, rec.request_id}));
}

TEST_F(AuditChain, FindsAlteredField) {
  append(10);
  tamper("UPDATE audit_log SET actor = 'oin:00000099000000000666' WHERE seq = 7");
  const auto report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 7u);
  EXPECT_EQ(report.records, 6u);
  EXPECT_NE(report.reason.find("hash does not match"), std::string::npos) << report.reason;
}

TEST_F(AuditChain, FindsAlteredTime) {
  append(5);
  tamper("UPDATE audit_log SET at = '2020-01-01T00:00:00.000Z' WHERE seq = 2");
  EXPECT_EQ(verify().first_bad_seq, 2u);
}

TEST_F(AuditChain, FindsRecordRehashedAfterAlteration) {
  append(5);
  // The attacker alters record 3 and recomputes its hash: record 3 verifies,
  // but record 4 no longer links to it.
  tamper("UPDATE audit_log SET result = 'denied' WHERE seq = 3");
  {
    raw_db raw{cfg_.database};
    ASSERT_EQ(raw.exec("UPDATE audit_log SET hash = '" + stored_record_hash(raw, 3) + "' WHERE seq = 3"),
              SQLITE_OK);
  }
  const auto report = verify();
  EXPECT_EQ(report.first_bad_seq, 4u);
  EXPECT_EQ(report.records, 3u);
  EXPECT_NE(report.reason.find("record 3"), std::string::npos) << report.reason;
}

TEST_F(AuditChain, FindsDeletedRecord) {
  append(10);
  tamper("DELETE FROM audit_log WHERE seq = 5");
  const auto report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5u);
  EXPECT_EQ(report.records, 4u);
  EXPECT_NE(report.reason.find("missing"), std::string::npos) << report.reason;
}

TEST_F(AuditChain, FindsDeletedFirstRecord) {
  append(3);
  tamper("DELETE FROM audit_log WHERE seq = 1");
  EXPECT_EQ(verify().first_bad_seq, 1u);
}

TEST_F(AuditChain, FindsSwappedRecords) {
  append(10);
  // Swap every column but seq between records 3 and 4.
  tamper(
      "CREATE TEMP TABLE s AS SELECT * FROM audit_log WHERE seq IN (3, 4);"
      "UPDATE audit_log SET (at, action, object, result, origin, actor, request_id, prev_hash, hash)"
      " = (SELECT at, action, object, result, origin, actor, request_id, prev_hash, hash FROM s"
      "    WHERE s.seq = 7 - audit_log.seq) WHERE seq IN (3, 4);");
  const auto report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3u);
  EXPECT_NE(report.reason.find("prev_hash"), std::string::npos) << report.reason;
}

TEST_F(AuditChain, FindsInsertedRecord) {
  append(4);
  tamper(
      "INSERT INTO audit_log (seq, at, action, object, result, origin, actor, request_id, prev_hash, hash)"
      " SELECT 5, at, action, object, 'forged', origin, actor, request_id,"
      " hash, hash FROM audit_log WHERE seq = 4");
  EXPECT_EQ(verify().first_bad_seq, 5u);
}

TEST_F(AuditChain, AuditLogIsAppendOnlyForTheApplication) {
  append(2);
  auto update = db_->write([](transaction& tx) { return tx.exec("UPDATE audit_log SET result = 'x'"); });
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error(), make_error_code(error::constraint));
  auto del = db_->write([](transaction& tx) { return tx.exec("DELETE FROM audit_log"); });
  EXPECT_FALSE(del);
  db_->close();
  EXPECT_TRUE(verify().ok);
}

TEST_F(AuditChain, FailedAuditWriteFailsTheWorkItem) {
  ASSERT_TRUE(create_test_table(*db_));
  audit_record bad = sample(1, clock_.now());
  bad.actor = "user:\n";  // not printable: refused
  // The work ignores append_audit's result; the item fails regardless.
  auto r = db_->write([&](transaction& tx) -> result<void> {
    if (auto w = insert_row(1)(tx); !w) return w;
    (void)append_audit(tx, bad);
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(error::audit_write_failed));
  EXPECT_EQ(condition_of(r.error()), condition::unavailable);
  auto rows = db_->read([](reader& rd) { return rd.query_int64("SELECT count(*) FROM t"); });
  EXPECT_EQ(rows.value(), 0);
}

TEST_F(AuditChain, MissingAuditTableFailsTheRequestButNotItsBatch) {
  ASSERT_TRUE(create_test_table(*db_));
  {
    raw_db raw{cfg_.database};
    ASSERT_EQ(raw.exec("ALTER TABLE audit_log RENAME TO audit_log_gone"), SQLITE_OK);
  }
  const audit_record rec = sample(1, clock_.now());
  result<void> audited = make_error_code(error::ok), plain = make_error_code(error::ok);
  std::latch answered{2};
  writer_gate gate;
  gate.hold(*db_);
  db_->submit(
      [&](transaction& tx) -> result<void> {
        if (auto w = insert_row(1)(tx); !w) return w;
        auto seq = append_audit(tx, rec);
        if (!seq) return seq.error();
        return {};
      },
      [&](result<void> r) {
        audited = r;
        answered.count_down();
      });
  db_->submit(insert_row(2), [&](result<void> r) {
    plain = r;
    answered.count_down();
  });
  gate.release();
  answered.wait();
  ASSERT_FALSE(audited);
  EXPECT_EQ(audited.error(), make_error_code(error::audit_write_failed));
  EXPECT_TRUE(plain);
  auto ids = db_->read([](reader& rd) { return rd.query_int64("SELECT sum(id) FROM t"); });
  EXPECT_EQ(ids.value(), 2);  // only the item without audit
}

TEST_F(AuditChain, RefusesFieldsOutOfLimits) {
  auto attempt = [&](audit_record rec) {
    return db_->write([&](transaction& tx) -> result<void> {
      auto seq = append_audit(tx, rec);
      if (!seq) return seq.error();
      return {};
    });
  };
  const audit_record good = sample(1, clock_.now());
  EXPECT_TRUE(attempt(good));
  auto too_long = good;
  too_long.action = std::string(65, 'a');
  EXPECT_EQ(attempt(too_long).error(), make_error_code(error::audit_write_failed));
  auto max_len = good;
  max_len.action = std::string(64, 'a');
  EXPECT_TRUE(attempt(max_len));
  auto no_actor = good;
  no_actor.actor.clear();
  EXPECT_FALSE(attempt(no_actor));
  auto non_ascii = good;
  non_ascii.object = "gemeente:\xc3\xa9";
  EXPECT_FALSE(attempt(non_ascii));
  db_->close();
  const auto report = verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.records, 2u);
}

TEST_F(AuditChain, QueryFilters) {
  const sys_time start = clock_.now();
  append(30);  // records 1..30 at start + 0..29 s
  auto query = [&](audit_filter f) {
    return db_->read([&](reader& r) { return query_audit(r, f); }).value();
  };

  auto all = query({});
  ASSERT_EQ(all.size(), 30u);
  EXPECT_EQ(all.front().seq, 30u);  // newest first
  EXPECT_EQ(all.back().seq, 1u);
  EXPECT_EQ(all.back().record.action, sample(1, start).action);
  EXPECT_EQ(all.back().record.at, start);
  EXPECT_EQ(all.back().prev_hash, std::string(64, '0'));
  EXPECT_EQ(all[0].prev_hash, all[1].hash);

  EXPECT_EQ(query({.actor = "oin:00000099000000000001"}).size(), 10u);
  EXPECT_EQ(query({.object_prefix = "bericht:"}).size(), 30u);
  EXPECT_EQ(query({.object_prefix = "bericht:3f0c6e1a-0000-4000-8000-100000000007"}).size(), 1u);
  EXPECT_EQ(query({.object_prefix = "gemeente:"}).size(), 0u);
  EXPECT_EQ(query({.action = "delivery.read"}).size(), 15u);
  auto window = query({.from = start + std::chrono::seconds{10}, .until = start + std::chrono::seconds{20}});
  ASSERT_EQ(window.size(), 10u);
  EXPECT_EQ(window.front().seq, 20u);
  EXPECT_EQ(window.back().seq, 11u);
  auto page = query({.before_seq = 11, .limit = 5});
  ASSERT_EQ(page.size(), 5u);
  EXPECT_EQ(page.front().seq, 10u);
  EXPECT_EQ(query({.limit = 1000}).size(), 30u);
}

TEST_F(AuditChain, QueryRefusesOutOfRangeLimit) {
  for (const std::size_t limit : {std::size_t{0}, max_audit_query_limit + 1}) {
    auto r = db_->read([&](reader& rd) { return query_audit(rd, {.limit = limit}); });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), make_error_code(error::invalid_argument));
  }
}

// Anchors: the chain head recorded outside the file pins every record up to it.
class AuditAnchors : public AuditChain {
 protected:
  audit_anchor head() {
    return db_->read([](reader& r) { return audit_head(r); }).value();
  }

  using AuditChain::verify;
  verify_report verify(std::span<const audit_anchor> anchors) {
    return verify_audit_chain(cfg_.database, anchors).value();
  }

  /// What an insider with write access does: sets `sql_set` on record `seq`,
  /// then recomputes the hash of that record and of every later one, so that
  /// the chain links again.
  void rewrite_and_rehash(int seq, const std::string& sql_set) {
    tamper("UPDATE audit_log SET " + sql_set + " WHERE seq = " + std::to_string(seq));
    raw_db raw{cfg_.database};
    const int last = std::stoi(raw.text("SELECT max(seq) FROM audit_log"));
    for (int s = seq; s <= last; ++s) {
      if (s > seq) {
        ASSERT_EQ(raw.exec("UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE seq = " +
                           std::to_string(s - 1) + ") WHERE seq = " + std::to_string(s)),
                  SQLITE_OK);
      }
      ASSERT_EQ(raw.exec("UPDATE audit_log SET hash = '" + stored_record_hash(raw, s) +
                         "' WHERE seq = " + std::to_string(s)),
                SQLITE_OK);
    }
  }
};

TEST_F(AuditAnchors, HeadOfTheEmptyLogIsTheGenesis) {
  const audit_anchor h = head();
  EXPECT_EQ(h.seq, 0u);
  EXPECT_EQ(h.hash, std::string(64, '0'));
  const std::array anchors{h};
  const auto report = verify(anchors);
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.anchors, 1u);
}

TEST_F(AuditAnchors, HeadIsTheNewestRecord) {
  append(3);
  const audit_anchor h = head();
  db_->close();
  raw_db raw{cfg_.database};
  EXPECT_EQ(h.seq, 3u);
  EXPECT_EQ(h.hash, raw.text("SELECT hash FROM audit_log WHERE seq = 3"));
  EXPECT_EQ(audit_head(cfg_.database).value(), h);  // the same from the closed file
}

TEST_F(AuditAnchors, IntactChainMatchesEveryAnchor) {
  const audit_anchor empty = head();
  append(4);
  const audit_anchor at4 = head();
  append(6);
  const audit_anchor at10 = head();
  // In any order, repeated as a quiet log repeats them.
  const std::array anchors{at10, empty, at4, at10, at4};
  const auto report = verify(anchors);
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.records, 10u);
  EXPECT_EQ(report.anchors, 3u);
}

TEST_F(AuditAnchors, RewrittenAndRehashedChainFailsOnlyByItsAnchor) {
  append(4);
  const audit_anchor at4 = head();
  append(6);
  rewrite_and_rehash(3, "result = 'denied:not_connected'");

  EXPECT_TRUE(verify().ok) << "the rehashed chain links";
  const std::array anchors{at4};
  const auto report = verify(anchors);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4u);
  EXPECT_EQ(report.records, 3u);
  EXPECT_NE(report.reason.find("anchor 4"), std::string::npos) << report.reason;
  EXPECT_EQ(report.reason.find("denied"), std::string::npos) << "no record content: " << report.reason;
}

TEST_F(AuditAnchors, RewriteOfTheAnchoredRecordItselfFails) {
  append(5);
  const audit_anchor at5 = head();
  rewrite_and_rehash(5, "actor = 'oin:00000099000000000666'");
  const std::array anchors{at5};
  const auto report = verify(anchors);
  EXPECT_EQ(report.first_bad_seq, 5u);
  EXPECT_EQ(report.records, 4u);
}

TEST_F(AuditAnchors, RecordsAfterTheLastAnchorAreCoveredOnlyByTheChain) {
  append(4);
  const audit_anchor at4 = head();
  append(2);
  rewrite_and_rehash(5, "result = 'denied:not_connected'");
  const std::array anchors{at4};
  EXPECT_TRUE(verify(anchors).ok) << "documented limit: a rewrite after the newest anchor passes";
}

TEST_F(AuditAnchors, CutTailFails) {
  append(10);
  const audit_anchor at10 = head();
  tamper("DELETE FROM audit_log WHERE seq > 7");

  EXPECT_TRUE(verify().ok) << "the shorter chain links";
  const std::array anchors{at10};
  const auto report = verify(anchors);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 8u);
  EXPECT_EQ(report.records, 7u);
  EXPECT_NE(report.reason.find("anchor 10"), std::string::npos) << report.reason;
}

TEST_F(AuditAnchors, AnchorBeyondTheHeadFails) {
  append(3);
  const std::array anchors{head(), audit_anchor{5, std::string(64, 'a')}};
  const auto report = verify(anchors);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4u);
  EXPECT_EQ(report.records, 3u);
  EXPECT_EQ(report.anchors, 1u);
  EXPECT_NE(report.reason.find("anchor 5"), std::string::npos) << report.reason;
}

TEST_F(AuditAnchors, MalformedAnchorIsAnError) {
  append(1);
  const std::string good = head().hash;
  for (const audit_anchor& bad :
       {audit_anchor{1, good.substr(1)}, audit_anchor{1, good + "0"}, audit_anchor{1, std::string(64, 'g')},
        audit_anchor{1, std::string(64, 'A')}, audit_anchor{0, good}}) {
    const std::array anchors{bad};
    auto r = verify_audit_chain(cfg_.database, anchors);
    ASSERT_FALSE(r) << bad.seq << ":" << bad.hash;
    EXPECT_EQ(r.error(), make_error_code(error::invalid_argument));
  }
  const std::array anchors{audit_anchor{1, good}};
  EXPECT_TRUE(verify(anchors).ok);
}

TEST(AuditVerify, MissingFileIsAnError) {
  temp_dir dir;
  auto r = verify_audit_chain(dir.path() / "absent.db");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(error::io_error));
}

TEST(AuditVerify, FileWithoutAuditTableIsAnError) {
  temp_dir dir;
  {
    raw_db raw{dir.path() / "other.db"};
    raw.exec("CREATE TABLE x (y)");
  }
  auto r = verify_audit_chain(dir.path() / "other.db");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(error::schema_mismatch));
}

}  // namespace
}  // namespace poort::store

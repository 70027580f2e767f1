#include "daemon/audit_anchor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "tests/unit/store/store_test_util.hpp"

namespace poort::daemon {
namespace {

using store::test::temp_dir;

/// Takes the log lines while it lives.
class captured_log {
 public:
  captured_log() {
    log::set_sink([this](std::string_view line) {
      const std::lock_guard lock(mu_);
      lines_.emplace_back(line);
      cv_.notify_all();
    });
  }
  ~captured_log() { log::set_sink(nullptr); }
  captured_log(const captured_log&) = delete;
  captured_log& operator=(const captured_log&) = delete;

  /// The lines of `event`, parsed.
  std::vector<boost::json::object> events(std::string_view event) {
    const std::lock_guard lock(mu_);
    return events_locked(event);
  }
  /// All lines as one text, as `journalctl -o cat` would print them.
  std::string text() {
    const std::lock_guard lock(mu_);
    std::string out;
    for (const auto& l : lines_) out += l;
    return out;
  }
  /// Waits until `n` lines of `event` have been logged (or a minute passed).
  bool wait_for(std::string_view event, std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::minutes(1), [&] { return events_locked(event).size() >= n; });
  }

 private:
  std::vector<boost::json::object> events_locked(std::string_view event) const {
    std::vector<boost::json::object> out;
    for (const auto& l : lines_) {
      auto v = boost::json::parse(l);
      if (v.as_object().at("event").as_string() == event) out.push_back(v.as_object());
    }
    return out;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;  // guarded by mu_
};

class AuditAnchorLog : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.database = dir_.path() / "poort.db";
    db_ = std::move(store::database::open(cfg_, clock_, store::open_mode::migrate).value());
  }

  void append(int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(db_->write([&](store::transaction& tx) -> result<void> {
        auto seq = store::append_audit(tx, {.action = "delivery.read",
                                            .object = "bericht:" + std::to_string(i),
                                            .result = "success",
                                            .origin = "203.0.113.5",
                                            .actor = "oin:00000099000000000001",
                                            .request_id = "r-" + std::to_string(i),
                                            .at = clock_.now()});
        if (!seq) return seq.error();
        return {};
      }));
  }

  store::audit_anchor head() {
    return db_->read([](store::reader& r) { return store::audit_head(r); }).value();
  }

  temp_dir dir_;
  fake_clock clock_;
  config::store cfg_;
  std::unique_ptr<store::database> db_;
};

TEST_F(AuditAnchorLog, LogsTheChainHeadAsOneJsonLine) {
  captured_log log;
  log_audit_anchor(*db_);
  append(3);
  // No configured level drops an anchor.
  log::set_min_level(log::level::error);
  log_audit_anchor(*db_);
  log::set_min_level(log::level::info);

  const auto anchors = log.events("audit.anchor");
  ASSERT_EQ(anchors.size(), 2u);
  EXPECT_EQ(anchors[0].at("level").as_string(), "notice");
  EXPECT_EQ(anchors[0].at("seq").to_number<std::uint64_t>(), 0u);
  EXPECT_EQ(anchors[0].at("hash").as_string(), std::string(64, '0'));
  EXPECT_EQ(anchors[1].at("seq").to_number<std::uint64_t>(), 3u);
  EXPECT_EQ(anchors[1].at("hash").as_string(), head().hash);
  EXPECT_EQ(anchors[1].size(), 5u) << "ts, level, event, seq, hash and nothing else";
}

TEST_F(AuditAnchorLog, LogsTheHeadOfTheClosedFile) {
  append(2);
  const store::audit_anchor before_close = head();
  db_->close();
  captured_log log;
  log_audit_anchor(cfg_.database);
  const auto anchors = log.events("audit.anchor");
  ASSERT_EQ(anchors.size(), 1u);
  EXPECT_EQ(anchors[0].at("seq").to_number<std::uint64_t>(), before_close.seq);
  EXPECT_EQ(anchors[0].at("hash").as_string(), before_close.hash);
}

TEST_F(AuditAnchorLog, UnreadableHeadLogsAFailureAndNoAnchor) {
  captured_log log;
  log_audit_anchor(dir_.path() / "absent.db");
  EXPECT_TRUE(log.events("audit.anchor").empty());
  ASSERT_EQ(log.events("audit.anchor_failed").size(), 1u);
  EXPECT_EQ(log.events("audit.anchor_failed")[0].at("level").as_string(), "warn");
}

TEST_F(AuditAnchorLog, ItsOwnLinesParseBackAndVerify) {
  std::string journal;
  {
    captured_log log;
    log_audit_anchor(*db_);
    append(3);
    log_audit_anchor(*db_);
    append(2);
    log_audit_anchor(*db_);
    log_audit_anchor(*db_);  // a quiet interval repeats the head
    journal = log.text();
  }
  std::istringstream in(journal);
  const auto anchors = parse_audit_anchors(in);
  ASSERT_TRUE(anchors) << anchors.error();
  ASSERT_EQ(anchors->size(), 3u);
  EXPECT_EQ((*anchors)[0].seq, 0u);
  EXPECT_EQ((*anchors)[1].seq, 3u);
  EXPECT_EQ((*anchors)[2], head());
  db_->close();
  const auto report = store::verify_audit_chain(cfg_.database, *anchors).value();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.anchors, 3u);
}

// The timer runs a real io_context and worker pool with a 1 ms interval; the
// test waits for the lines, not for time.
TEST_F(AuditAnchorLog, TimerLogsAtStartAndEveryInterval) {
  captured_log log;
  boost::asio::io_context io;
  boost::asio::thread_pool workers(1);
  audit_anchor_timer timer(io, workers, *db_, std::chrono::milliseconds(1));
  timer.start();
  std::thread runner([&io] { io.run(); });  // returns once the stopped timer has no more work
  EXPECT_TRUE(log.wait_for("audit.anchor", 3));
  timer.stop();
  runner.join();
  workers.join();
  const std::size_t logged = log.events("audit.anchor").size();
  EXPECT_GE(logged, 3u);
  io.restart();
  io.run();  // nothing left: the timer is not re-armed after stop
  EXPECT_EQ(log.events("audit.anchor").size(), logged);
}

const std::string hash_a(64, 'a');
const std::string hash_b(64, 'b');

std::expected<std::vector<store::audit_anchor>, std::string> parse(const std::string& text) {
  std::istringstream in(text);
  return parse_audit_anchors(in);
}

TEST(AuditAnchorParse, ReadsAnchorLinesAndIgnoresTheRest) {
  const auto anchors = parse(
      "Started poortd.service - poort gateway.\n"
      "{\"ts\":\"2026-11-30T07:00:00.000Z\",\"level\":\"info\",\"event\":\"server.ready\",\"listeners\":2}\n"
      "{\"ts\":\"2026-11-30T07:00:00.001Z\",\"level\":\"notice\",\"event\":\"audit.anchor\",\"seq\":7,"
      "\"hash\":"
      "\"" +
      hash_b +
      "\"}\n"
      "{\"level\":\"warn\",\"event\":\"audit.anchor_failed\",\"error\":\"database is locked\"}\n"
      "{\"level\":\"info\",\"event\":\"http.request\",\"note\":\"audit.anchor\"}\n"
      // journalctl's default format puts a prefix before the message
      "Nov 30 07:10:00 host poortd[812]: "
      "{\"level\":\"notice\",\"event\":\"audit.anchor\",\"seq\":2,\"hash\":\"" +
      hash_a + "\"}\r\n" + "{\"event\":\"audit.anchor\",\"seq\":7,\"hash\":\"" + hash_b +
      "\"}\n"  // a repeat
      "{\"event\":\"audit.anchor\",\"seq\":0,\"hash\":\"" +
      std::string(64, '0') + "\"}");  // the last line without a newline
  ASSERT_TRUE(anchors) << anchors.error();
  const std::vector<store::audit_anchor> expected{{0, std::string(64, '0')}, {2, hash_a}, {7, hash_b}};
  EXPECT_EQ(*anchors, expected);
}

TEST(AuditAnchorParse, NoAnchorLinesIsAnEmptyResult) {
  const auto anchors = parse("\n\nStarted poortd.service.\n{\"event\":\"server.ready\"}\n");
  ASSERT_TRUE(anchors) << anchors.error();
  EXPECT_TRUE(anchors->empty());
}

TEST(AuditAnchorParse, RefusesMalformedAnchorLinesNamingTheLine) {
  const std::string secret(64, 'c');  // must not appear in the message
  const std::vector<std::string> bad_lines{
      "{\"event\":\"audit.anchor\",\"seq\":-1,\"hash\":\"" + secret + "\"}",
      "{\"event\":\"audit.anchor\",\"seq\":1.5,\"hash\":\"" + secret + "\"}",
      "{\"event\":\"audit.anchor\",\"seq\":\"4\",\"hash\":\"" + secret + "\"}",
      "{\"event\":\"audit.anchor\",\"hash\":\"" + secret + "\"}",
      "{\"event\":\"audit.anchor\",\"seq\":4}",
      "{\"event\":\"audit.anchor\",\"seq\":4,\"hash\":\"" + secret.substr(1) + "\"}",
      "{\"event\":\"audit.anchor\",\"seq\":4,\"hash\":\"" + std::string(64, 'C') + "\"}",
      "{\"event\":\"audit.anchor\",\"seq\":0,\"hash\":\"" + secret + "\"}",
      "{\"event\":\"audit.anchor\",\"seq\":4,\"hash\":\"" + secret,
      "poortd: \"audit.anchor\" seq 4",
  };
  for (const std::string& bad : bad_lines) {
    const auto anchors = parse("Started poortd.service.\n" + bad + "\n");
    ASSERT_FALSE(anchors) << bad;
    EXPECT_TRUE(anchors.error().starts_with("line 2: ")) << anchors.error();
    EXPECT_EQ(anchors.error().find("ccc"), std::string::npos) << anchors.error();
  }
}

TEST(AuditAnchorParse, RefusesOverlongLinesOnly) {
  EXPECT_TRUE(parse(std::string(max_anchor_file_line, 'x') + "\n"));
  const auto anchors = parse("ok\n" + std::string(max_anchor_file_line + 1, 'x') + "\n");
  ASSERT_FALSE(anchors);
  EXPECT_TRUE(anchors.error().starts_with("line 2 is longer than")) << anchors.error();
}

}  // namespace
}  // namespace poort::daemon

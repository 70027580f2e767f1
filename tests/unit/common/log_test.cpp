#include "common/log.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace poort {
namespace {

struct captured {
  std::vector<std::string> lines;
  captured() {
    log::set_sink([this](std::string_view l) { lines.emplace_back(l); });
  }
  ~captured() { log::set_sink(nullptr); }
};

TEST(Log, WritesOneJsonObjectPerLine) {
  captured c;
  log::info("listener.started", {{"listener", "portal"}, {"port", 8443}, {"tls", true}});
  ASSERT_EQ(c.lines.size(), 1u);
  ASSERT_EQ(c.lines[0].back(), '\n');
  auto v = boost::json::parse(c.lines[0]).as_object();
  EXPECT_EQ(v.at("event").as_string(), "listener.started");
  EXPECT_EQ(v.at("level").as_string(), "info");
  EXPECT_EQ(v.at("port").as_int64(), 8443);
  EXPECT_TRUE(v.at("tls").as_bool());
}

TEST(Log, EscapesControlCharactersAndBadUtf8) {
  captured c;
  log::warn("x", {{"v", std::string_view{"a\"b\\\n\x01\xff", 7}}});
  ASSERT_EQ(c.lines.size(), 1u);
  auto v = boost::json::parse(c.lines[0]).as_object();
  EXPECT_EQ(v.at("v").as_string(), "a\"b\\\n\x01\xef\xbf\xbd");
}

TEST(Log, DropsBelowMinimumLevel) {
  captured c;
  log::set_min_level(log::level::warn);
  log::info("dropped");
  log::error("kept");
  log::set_min_level(log::level::info);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_NE(c.lines[0].find("kept"), std::string::npos);
}

TEST(Log, NoticeIsWrittenWhateverTheMinimumLevel) {
  captured c;
  log::set_min_level(log::level::error);
  log::notice("evidence", {{"seq", 7}});
  log::warn("dropped");
  log::set_min_level(log::level::info);
  ASSERT_EQ(c.lines.size(), 1u);
  auto v = boost::json::parse(c.lines[0]).as_object();
  EXPECT_EQ(v.at("level").as_string(), "notice");
  EXPECT_EQ(v.at("event").as_string(), "evidence");
  log::level parsed = log::level::info;
  EXPECT_FALSE(log::parse_level("notice", parsed)) << "not a minimum level";
}

}  // namespace
}  // namespace poort

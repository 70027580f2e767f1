#include "daemon/admission.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace poort::daemon {
namespace {

using namespace std::chrono_literals;

config::limits rate(std::uint32_t per_second, std::uint32_t burst) {
  config::limits l;
  l.requests_per_second_per_address = per_second;
  l.burst_per_address = burst;
  return l;
}

// Verifies that a new address starts with a full bucket and is refused once it is empty.
TEST(RateLimiter, NewAddressHasAFullBucket) {
  fake_clock clock;
  rate_limiter r(clock);
  const auto l = rate(1, 3);
  EXPECT_TRUE(r.allow("192.0.2.1", l));
  EXPECT_TRUE(r.allow("192.0.2.1", l));
  EXPECT_TRUE(r.allow("192.0.2.1", l));
  EXPECT_FALSE(r.allow("192.0.2.1", l));
  // Another address has its own bucket.
  EXPECT_TRUE(r.allow("192.0.2.2", l));
}

// Verifies that tokens come back at the configured rate, by the injected clock.
TEST(RateLimiter, RefillsAtTheRate) {
  fake_clock clock;
  rate_limiter r(clock);
  const auto l = rate(10, 1);
  EXPECT_TRUE(r.allow("192.0.2.1", l));
  EXPECT_FALSE(r.allow("192.0.2.1", l));
  clock.advance(99ms);  // 0.99 token
  EXPECT_FALSE(r.allow("192.0.2.1", l));
  clock.advance(2ms);  // 0.99 + 0.02: one whole token (the refused call took none)
  EXPECT_TRUE(r.allow("192.0.2.1", l));
  EXPECT_FALSE(r.allow("192.0.2.1", l));
  // Never more than the burst, however long the address was quiet.
  clock.advance(1h);
  EXPECT_TRUE(r.allow("192.0.2.1", l));
  EXPECT_FALSE(r.allow("192.0.2.1", l));
}

// Verifies that the burst defaults to twice the rate and that a rate of 0 allows everything.
TEST(RateLimiter, DefaultBurstAndNoLimit) {
  fake_clock clock;
  rate_limiter r(clock);
  const auto l = rate(2, 0);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.allow("192.0.2.1", l)) << i;
  EXPECT_FALSE(r.allow("192.0.2.1", l));
  const auto unlimited = rate(0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(r.allow("192.0.2.9", unlimited));
  EXPECT_EQ(r.tracked(), 1u);  // an unlimited listener keeps no buckets
}

// Verifies that the bucket table stays bounded: full buckets are forgotten.
TEST(RateLimiter, ForgetsFullBucketsBeyondTheBound) {
  fake_clock clock;
  rate_limiter r(clock);
  const auto l = rate(1000, 1000);
  for (std::size_t i = 0; i <= rate_limiter::max_tracked; ++i)
    ASSERT_TRUE(r.allow("a" + std::to_string(i), l));
  EXPECT_GT(r.tracked(), rate_limiter::max_tracked);  // none was full: all kept
  clock.advance(1s);                                  // every bucket full again
  EXPECT_TRUE(r.allow("new", l));
  EXPECT_EQ(r.tracked(), 1u);
}

config::limits caps(std::size_t per_listener, std::size_t per_address) {
  config::limits l;
  l.max_connections = per_listener;
  l.max_connections_per_address = per_address;
  return l;
}

// Verifies the per-listener cap and that a released slot can be taken again.
TEST(ConnectionCaps, PerListener) {
  connection_caps c(2);
  const auto l = caps(2, 10);
  EXPECT_FALSE(c.admit(0, "192.0.2.1", l));
  EXPECT_FALSE(c.admit(0, "192.0.2.2", l));
  EXPECT_EQ(c.admit(0, "192.0.2.3", l), routing::refusal::connection_limit);
  EXPECT_FALSE(c.admit(1, "192.0.2.3", l));  // the other listener has its own count
  EXPECT_EQ(c.open_on(0), 2u);
  c.release(0, "192.0.2.1");
  EXPECT_FALSE(c.admit(0, "192.0.2.3", l));
  EXPECT_EQ(c.open_on(0), 2u);
  EXPECT_EQ(c.open_on(1), 1u);
}

// Verifies the per-address cap, counted over the listeners, and that a refusal takes no slot.
TEST(ConnectionCaps, PerAddress) {
  connection_caps c(2);
  const auto l = caps(100, 2);
  EXPECT_FALSE(c.admit(0, "192.0.2.1", l));
  EXPECT_FALSE(c.admit(1, "192.0.2.1", l));
  EXPECT_EQ(c.admit(0, "192.0.2.1", l), routing::refusal::address_limit);
  EXPECT_EQ(c.open_from("192.0.2.1"), 2u);
  EXPECT_EQ(c.open_on(0), 1u);
  EXPECT_FALSE(c.admit(0, "192.0.2.2", l));
  c.release(1, "192.0.2.1");
  c.release(0, "192.0.2.1");
  EXPECT_EQ(c.open_from("192.0.2.1"), 0u);
  EXPECT_FALSE(c.admit(0, "192.0.2.1", l));
}

auth::peer_certificate cert(const std::string& fingerprint) {
  return {"00000001234567890000", "PI Test", fingerprint};
}

// Verifies that connections presenting the same certificate share one identity while one lives.
TEST(IdentityTable, SharesOneCopyPerCertificate) {
  identity_table t;
  auto a = t.share(cert("aa"));
  auto b = t.share(cert("aa"));
  auto other = t.share(cert("bb"));
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), other.get());
  EXPECT_EQ(a->fingerprint_sha256, "aa");
  // Once no connection holds it, the next connection gets a fresh copy.
  a.reset();
  b.reset();
  auto c = t.share(cert("aa"));
  EXPECT_EQ(c->fingerprint_sha256, "aa");
  EXPECT_EQ(c.use_count(), 1);
}

// Verifies that expired entries are dropped as the table grows.
TEST(IdentityTable, PrunesExpiredEntries) {
  identity_table t;
  for (int i = 0; i < 3000; ++i) t.share(cert("fp" + std::to_string(i)));  // none kept
  EXPECT_LE(t.size(), 1025u);
  std::vector<std::shared_ptr<const auth::peer_certificate>> held;
  for (int i = 0; i < 1500; ++i) held.push_back(t.share(cert("held" + std::to_string(i))));
  EXPECT_GE(t.size(), 1500u);
  for (int i = 0; i < 1500; ++i) EXPECT_EQ(t.share(cert("held" + std::to_string(i))).get(), held[i].get());
}

struct fake_connection : tracked_connection {
  explicit fake_connection(std::string n) : name(std::move(n)) {}
  bool deadline_due(mono_time now) const override { return deadline <= now; }
  std::string name;
  mono_time deadline = mono_time::max();
};

std::vector<std::string> swept(connection_registry& r, mono_time now, bool* any = nullptr) {
  std::vector<std::string> names;
  const bool ran =
      r.sweep(now, [&](tracked_connection& c) { names.push_back(static_cast<fake_connection&>(c).name); });
  if (any != nullptr) *any = ran;
  return names;
}

// Verifies that the sweep finds exactly the connections whose deadline has passed by the injected clock.
TEST(ConnectionRegistry, SweepFindsDueDeadlines) {
  fake_clock clock;
  connection_registry r;
  fake_connection a("a"), b("b"), c("c");
  EXPECT_TRUE(r.add(a));  // the first connection starts the sweep
  EXPECT_FALSE(r.add(b));
  EXPECT_FALSE(r.add(c));
  a.deadline = clock.monotonic() + 100ms;
  b.deadline = clock.monotonic() + 200ms;
  EXPECT_TRUE(swept(r, clock.monotonic()).empty());
  clock.advance(99ms);
  EXPECT_TRUE(swept(r, clock.monotonic()).empty());  // never early
  clock.advance(1ms);
  EXPECT_EQ(swept(r, clock.monotonic()), std::vector<std::string>{"a"});
  clock.advance(150ms);
  auto due = swept(r, clock.monotonic());
  std::sort(due.begin(), due.end());
  EXPECT_EQ(due, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(r.remove(a));
  EXPECT_EQ(swept(r, clock.monotonic()), std::vector<std::string>{"b"});
  EXPECT_FALSE(r.remove(c));
  EXPECT_TRUE(r.remove(b));  // the last one
  EXPECT_TRUE(r.empty());
}

// Verifies that the sweep stops with the last connection and is asked for again by the next one.
TEST(ConnectionRegistry, SweepStopsWhenEmptyAndRestarts) {
  fake_clock clock;
  connection_registry r;
  fake_connection a("a");
  EXPECT_TRUE(r.add(a));
  bool any = false;
  swept(r, clock.monotonic(), &any);
  EXPECT_TRUE(any);
  EXPECT_TRUE(r.remove(a));
  swept(r, clock.monotonic(), &any);
  EXPECT_FALSE(any);  // stopped
  fake_connection b("b");
  EXPECT_TRUE(r.add(b));  // restart it
  EXPECT_FALSE(r.add(a));
  std::vector<std::string> all;
  r.for_each([&](tracked_connection& c) { all.push_back(static_cast<fake_connection&>(c).name); });
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"a", "b"}));
  r.remove(a);
  r.remove(b);
}

}  // namespace
}  // namespace poort::daemon

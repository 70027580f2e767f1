// is_public_address: the addresses that pushes may connect to by default
// (daemon/deliveries.hpp). Each non-public range at its first and last
// address, and the neighbours just outside it.

#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "daemon/deliveries.hpp"

namespace poort::daemon {
namespace {

struct address_case {
  const char* address;
  bool is_public;
};

void expect_cases(std::initializer_list<address_case> cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address);
    EXPECT_EQ(is_public_address(boost::asio::ip::make_address(c.address)), c.is_public);
  }
}

// Verifies each non-public IPv4 range at its edges, and the neighbours just outside.
TEST(PublicAddress, Ipv4RangesAtTheirEdges) {
  expect_cases({
      // 0/8 "this network"
      {"0.0.0.0", false},
      {"0.255.255.255", false},
      {"1.0.0.0", true},
      // 10/8 private
      {"9.255.255.255", true},
      {"10.0.0.0", false},
      {"10.255.255.255", false},
      {"11.0.0.0", true},
      // 100.64/10 CGNAT
      {"100.63.255.255", true},
      {"100.64.0.0", false},
      {"100.127.255.255", false},
      {"100.128.0.0", true},
      // 127/8 loopback
      {"126.255.255.255", true},
      {"127.0.0.0", false},
      {"127.0.0.1", false},
      {"127.255.255.255", false},
      {"128.0.0.0", true},
      // 169.254/16 link-local (cloud metadata services live here)
      {"169.253.255.255", true},
      {"169.254.0.0", false},
      {"169.254.169.254", false},
      {"169.254.255.255", false},
      {"169.255.0.0", true},
      // 172.16/12 private
      {"172.15.255.255", true},
      {"172.16.0.0", false},
      {"172.31.255.255", false},
      {"172.32.0.0", true},
      // 192.0.0/24 IETF protocol assignments
      {"191.255.255.255", true},
      {"192.0.0.0", false},
      {"192.0.0.255", false},
      {"192.0.1.0", true},
      // 192.0.2/24 documentation
      {"192.0.1.255", true},
      {"192.0.2.0", false},
      {"192.0.2.255", false},
      {"192.0.3.0", true},
      // 192.168/16 private
      {"192.167.255.255", true},
      {"192.168.0.0", false},
      {"192.168.255.255", false},
      {"192.169.0.0", true},
      // 198.18/15 benchmarking
      {"198.17.255.255", true},
      {"198.18.0.0", false},
      {"198.19.255.255", false},
      {"198.20.0.0", true},
      // 198.51.100/24 documentation
      {"198.51.99.255", true},
      {"198.51.100.0", false},
      {"198.51.100.255", false},
      {"198.51.101.0", true},
      // 203.0.113/24 documentation
      {"203.0.112.255", true},
      {"203.0.113.0", false},
      {"203.0.113.255", false},
      {"203.0.114.0", true},
      // 224/4 multicast, then 240/4 reserved up to the broadcast address
      {"223.255.255.255", true},
      {"224.0.0.0", false},
      {"239.255.255.255", false},
      {"240.0.0.0", false},
      {"255.255.255.254", false},
      {"255.255.255.255", false},
      // ordinary public addresses
      {"8.8.8.8", true},
      {"145.21.0.1", true},
  });
}

// Verifies the IPv6 ranges: only global unicast 2000::/3, without the
// documentation ranges, edges and neighbours included.
TEST(PublicAddress, Ipv6RangesAtTheirEdges) {
  expect_cases({
      // unspecified and loopback
      {"::", false},
      {"::1", false},
      // 2000::/3 global unicast is the only public space
      {"1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
      {"2000::", true},
      {"3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"4000::", false},
      // 2001::/23 IETF protocol assignments (Teredo 2001::/32 among them)
      {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"2001::", false},
      {"2001:0:4136:e378:8000:63bf:3fff:fdd2", false},  // Teredo
      {"2001:2::1", false},                             // benchmarking
      {"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", false},
      {"2001:200::", true},
      // 2001:db8::/32 documentation
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"2001:db8::", false},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false},
      {"2001:db9::", true},
      // 3fff::/20 documentation
      {"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"3fff::", false},
      {"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", false},
      {"3fff:1000::", true},
      // fc00::/7 unique local
      {"fc00::", false},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
      // fe80::/10 link-local
      {"fe80::", false},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
      // ff00::/8 multicast
      {"ff00::", false},
      {"ff02::1", false},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
      // ordinary public addresses
      {"2a00:1450:4001::1", true},
      {"2001:4860:4860::8888", true},
  });
}

// Verifies that IPv6 addresses carrying an IPv4 address are judged by it:
// IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96 and
// 6to4 2002::/16.
TEST(PublicAddress, EmbeddedIpv4JudgedByItsIpv4Part) {
  expect_cases({
      // mapped
      {"::ffff:8.8.8.8", true},
      {"::ffff:0.0.0.0", false},
      {"::ffff:127.0.0.1", false},
      {"::ffff:10.0.0.1", false},
      {"::ffff:169.254.169.254", false},
      {"::ffff:192.168.1.1", false},
      {"::ffff:255.255.255.255", false},
      {"::fffe:8.8.8.8", false},  // next to the mapped range: outside 2000::/3
      // compatible
      {"::8.8.8.8", true},
      {"::127.0.0.1", false},
      {"::10.0.0.1", false},
      // NAT64
      {"64:ff9b::8.8.8.8", true},
      {"64:ff9b::127.0.0.1", false},
      {"64:ff9b::192.168.0.1", false},
      {"64:ff9b::1:808:808", false},  // outside the /96: not translated, not global unicast
      // 6to4 2002::/16: the IPv4 address in bits 16-47, whatever follows
      {"2002:808:808::1", true},
      {"2002:7f00:1::", false},                           // 127.0.0.1
      {"2002:a00:1:ffff::1", false},                      // 10.0.0.1
      {"2002:a9fe:a9fe::", false},                        // 169.254.169.254
      {"2002:c0a8:101::1", false},                        // 192.168.1.1
      {"2002::", false},                                  // 0.0.0.0
      {"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},  // just below 2002::/16
      {"2003::1", true},                                  // just above
  });
}

}  // namespace
}  // namespace poort::daemon

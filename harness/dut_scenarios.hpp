// Scenarios written against a Dut, run by harness/stack_dut_test.cpp on the
// in-process core and by harness/kernel_dut_test.cpp on the Linux kernel: the
// same bytes, the same expectations, so a scenario that passes on Linux and
// on hardstack tests hardstack against Linux's behaviour, not against our
// reading of the RFC. Boost.Test assertions; included by tests only.
#pragma once

#include <boost/test/unit_test.hpp>

#include "test_bench.hpp"

namespace hardstack::harness::scenarios {

// RFC 792 / ICMP4-1: an echo reply with the same identifier, sequence and data.
inline void ipv4_echo(TestBench& bench, const DutIdentity& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  BOOST_TEST(bench.pcap_status());
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() /
                          icmp_echo_request(0x4853, 1, "hardstack bench")));
  BOOST_TEST(
      bench.expect_ipv4(src(*dut.ipv4), dst(*peer.peer_ipv4), ethernet(src(dut.mac), dst(peer.peer_mac)),
                        icmp(echo_reply(identifier(0x4853), sequence(1), payload("hardstack bench")))));
  BOOST_TEST(bench.neighbor_answers() >= 1u);  // the DUT asked for our MAC (ARP) and got it
}

// RFC 4443 4.2 / ICMP6-1, after the DUT resolved the peer with an NS (RFC 4861 7.2).
inline void ipv6_echo(TestBench& bench, const DutIdentity& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  BOOST_TEST(
      bench.inject(bench.link_to_dut() / bench.ipv6_to_dut() / icmpv6_echo_request(0x4853, 7, "over IPv6")));
  BOOST_TEST(bench.expect_ipv6(src(*dut.ipv6), dst(*peer.peer_ipv6),
                               ethernet(src(dut.mac), dst(peer.peer_mac)),
                               icmpv6(echo_reply(identifier(0x4853), sequence(7), payload("over IPv6")))));
  BOOST_TEST(bench.neighbor_answers() >= 1u);
}

// RFC 1122 3.2.2.1 / V4-HDR-6: a protocol nobody handles gets protocol
// unreachable (code 2) quoting the datagram, once.
inline void ipv4_protocol_unreachable(TestBench& bench, const DutIdentity& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const Packet datagram = bench.ipv4_to_dut().identification(0x4242).protocol(253) / payload("experimental");
  BOOST_TEST(bench.inject(bench.link_to_dut() / datagram));
  BOOST_TEST(bench.expect_ipv4(src(*dut.ipv4), dst(*peer.peer_ipv4),
                               icmp(dest_unreachable(code(2), quote(datagram),
                                                     quoted_ipv4(src(*peer.peer_ipv4), dst(*dut.ipv4),
                                                                 identification(0x4242), protocol(253))))));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(200)));
}

// RFC 8200 4 / V6-EXT-2: an unknown Next Header gets param problem code 1
// pointing at the Next Header field that named it (byte 6 of the IPv6 header).
inline void ipv6_unknown_next_header(TestBench& bench, const DutIdentity& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const Packet datagram = bench.ipv6_to_dut().next_header(253) / payload("experimental....");
  BOOST_TEST(bench.inject(bench.link_to_dut() / datagram));
  BOOST_TEST(bench.expect_ipv6(src(*dut.ipv6), dst(*peer.peer_ipv6),
                               icmpv6(param_problem(code(1), pointer(6), quote(datagram)))));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(200)));
}

}  // namespace hardstack::harness::scenarios

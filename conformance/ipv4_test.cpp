// IPv4 conformance (REQUIREMENTS.md V4-HDR-*, V4-OPT-*, V4-FRAG-*). Test
// cases are named by requirement ID. Every silent discard also shows the same
// packet, made valid, being answered (the positive control).
#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"
#include "ipv4_support.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::DropReason;

namespace {

const wire::Ipv4Address other_on_link{{192, 0, 2, 77}};
const wire::Ipv4Address directed_broadcast{{192, 0, 2, 255}};
const wire::Ipv4Address limited_broadcast{{255, 255, 255, 255}};
const wire::Ipv4Address all_hosts{{224, 0, 0, 1}};

// One silent discard: nothing sent, the reason recorded once and last, no ICMP suppressed either.
void expect_silent_discard(Ipv4Fixture& t, DropReason reason) {
  BOOST_TEST(t.sent_ip().empty());
  BOOST_TEST(t.stack.drops(reason) == 1u);
  BOOST_TEST(t.stack.last_drop() == reason);
  BOOST_TEST(t.new_drops() == 1u);
  BOOST_TEST(t.stack.stats().icmp.out_msgs == 0u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(V4_HDR)

BOOST_FIXTURE_TEST_CASE(V4_HDR_1_bad_version_silently_discarded, Ipv4Fixture) {
  for (const std::uint8_t version : {0, 5, 6, 15}) {
    inject(from_peer(ipv4(peer4, our4).version(version)) / icmp_echo_request(1, 1, "ping"));
  }
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_bad_version) == 4u);
  BOOST_TEST(stack.last_drop() == DropReason::ipv4_bad_version);
  BOOST_TEST(stack.stats().ipv4.in_receives == 4u);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 4u);  // LINUX ip_rcv_core
  BOOST_TEST(stack.stats().ipv4.in_delivers == 0u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_2_ihl_below_5_discarded, Ipv4Fixture) {
  for (const std::uint8_t ihl : {0, 1, 4})
    inject(from_peer(ipv4(peer4, our4).ihl(ihl)) / icmp_echo_request(1, 1));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_header_malformed) == 3u);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 3u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_2_header_past_the_data_discarded, Ipv4Fixture) {
  // IHL 15 (60 bytes) in a 28-byte datagram; and fewer than 20 bytes in all.
  inject(from_peer(ipv4(peer4, our4).ihl(15)) / icmp_echo_request(1, 1));
  auto short_frame = raw(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_echo_request(1, 1));
  short_frame.resize(14 + 19);
  inject(short_frame);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_header_malformed) == 2u);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 2u);
  BOOST_TEST(stack.stats().ipv4.in_truncated_pkts == 0u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_2_total_length_below_header_discarded, Ipv4Fixture) {
  inject(from_peer(ipv4(peer4, our4).total_length(19)) / icmp_echo_request(1, 1));
  // With options: IHL 6 (24 bytes) and a total length of 20.
  inject(from_peer(ipv4(peer4, our4).options(router_alert()).total_length(20)) / icmp_echo_request(1, 1));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_header_malformed) == 2u);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 2u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_2_total_length_beyond_data_discarded, Ipv4Fixture) {
  // 20 + 8 + 4 = 32 bytes received, the header says 33.
  inject(from_peer(ipv4(peer4, our4).total_length(33)) / icmp_echo_request(1, 1, "abcd"));
  expect_silent_discard(*this, DropReason::ipv4_truncated);
  BOOST_TEST(stack.stats().ipv4.in_truncated_pkts == 1u);  // LINUX: InTruncatedPkts, not InHdrErrors
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 0u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_2_bytes_beyond_total_length_trimmed, Ipv4Fixture) {
  // Link padding after the datagram: the echo data and the transport's
  // payload end at the total length.
  inject(from_peer(ipv4(peer4, our4)) / icmp_echo_request(0x42, 3, "data") / padding(20, 0xee));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], total_length(32),
                         icmp(echo_reply(identifier(0x42), sequence(3), payload("data")))));

  inject(from_peer(ipv4(peer4, our4)) / udp(1, 2) / payload("abc") / padding(30, 0xee));
  BOOST_TEST_REQUIRE(udp_stub.ipv4.size() == 1u);
  BOOST_TEST(udp_stub.ipv4[0].payload.size() == 11u);  // 8-byte UDP header + "abc"
  BOOST_TEST(udp_stub.ipv4[0].datagram.size() == 31u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_3_bad_checksum_silently_discarded, Ipv4Fixture) {
  inject(from_peer(ipv4(peer4, our4).bad_checksum()) / icmp_echo_request(1, 1));
  expect_silent_discard(*this, DropReason::ipv4_bad_checksum);
  BOOST_TEST(stack.stats().ipv4.in_csum_errors == 1u);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 1u);  // LINUX: both
  // No "checksum not used" value in IPv4: 0 is checked like any other.
  inject(from_peer(ipv4(peer4, our4).checksum(0)) / icmp_echo_request(1, 1));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_bad_checksum) == 2u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_4_multicast_or_broadcast_source_discarded, Ipv4Fixture) {
  for (const auto source : {wire::Ipv4Address{{224, 0, 0, 5}}, wire::Ipv4Address{{239, 1, 2, 3}},
                            limited_broadcast, directed_broadcast}) {
    inject(from_peer(ipv4(source, our4)) / icmp_echo_request(1, 1));
    BOOST_TEST(sent_ip().empty());
  }
  BOOST_TEST(stack.drops(DropReason::ipv4_martian_source) == 4u);
  BOOST_TEST(stack.last_drop() == DropReason::ipv4_martian_source);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 4u);
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_4_unspecified_or_own_source_discarded, Ipv4Fixture) {
  // LINUX: 0.0.0.0/8 only towards the limited broadcast; our own address
  // coming from outside is spoofed (fib_validate_source).
  inject(from_peer(ipv4("0.0.0.0", our4)) / icmp_echo_request(1, 1));
  inject(from_peer(ipv4("0.1.2.3", our4)) / icmp_echo_request(1, 1));
  inject(from_peer(ipv4(our4, our4)) / icmp_echo_request(1, 1));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_martian_source) == 3u);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 3u);
  // 0.0.0.0 to the limited broadcast is a host without an address yet (DHCP).
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4("0.0.0.0", limited_broadcast) / udp(68, 67));
  BOOST_TEST_REQUIRE(udp_stub.ipv4.size() == 1u);
  BOOST_TEST(udp_stub.ipv4[0].meta.to_broadcast);
  BOOST_TEST(stack.drops(DropReason::ipv4_martian_source) == 3u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_4_loopback_on_device_discarded, Ipv4Fixture) {
  inject(from_peer(ipv4("127.0.0.1", our4)) / icmp_echo_request(1, 1));
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 1u);  // a source no host may use
  inject(from_peer(ipv4(peer4, "127.0.0.1")) / icmp_echo_request(1, 1));
  inject(from_peer(ipv4(peer4, "127.1.2.3")) / udp(1, 2));
  BOOST_TEST(stack.stats().ipv4.in_addr_errors == 2u);  // a destination not for us
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_loopback_on_device) == 3u);
  BOOST_TEST(stack.last_drop() == DropReason::ipv4_loopback_on_device);
  BOOST_TEST(udp_stub.ipv4.empty());
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_5_not_for_us_discarded_without_icmp, Ipv4Fixture) {
  // A host does not forward, and sends no ICMP about it (not even for an
  // unknown protocol); RFC 4293: InAddrErrors.
  inject(from_peer(ipv4(peer4, other4)) / icmp_echo_request(1, 1));
  inject(from_peer(ipv4(peer4, other_on_link)) / icmp_echo_request(1, 1));
  inject(from_peer(ipv4(peer4, other4).protocol(253)) / payload("x"));
  inject(from_peer(ipv4(peer4, "0.0.0.0")) / icmp_echo_request(1, 1));
  // A multicast group this host has not joined.
  inject(eth(peer_mac, "01:00:5e:01:02:03") / ipv4(peer4, "239.1.2.3") / udp(1, 2));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_not_for_us) == 5u);
  BOOST_TEST(stack.stats().ipv4.in_addr_errors == 5u);
  BOOST_TEST(stack.stats().icmp.suppressed == 0u);  // no error was even considered
  BOOST_TEST(udp_stub.ipv4.empty());
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_5_broadcast_and_all_hosts_are_for_us, Ipv4Fixture) {
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, directed_broadcast) / udp(1, 2));
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, limited_broadcast) / udp(1, 2));
  inject(eth(peer_mac, "01:00:5e:00:00:01") / ipv4(peer4, all_hosts) / udp(1, 2));
  BOOST_TEST_REQUIRE(udp_stub.ipv4.size() == 3u);
  BOOST_TEST(udp_stub.ipv4[0].meta.to_broadcast);
  BOOST_TEST(udp_stub.ipv4[1].meta.to_broadcast);
  BOOST_TEST(udp_stub.ipv4[2].meta.to_multicast);
  BOOST_TEST(udp_stub.ipv4[2].meta.destination == all_hosts);
  BOOST_TEST(stack.stats().ipv4.in_delivers == 3u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V4_HDR_6_unknown_protocol_protocol_unreachable, Ipv4Fixture) {
  const auto offending =
      raw(ipv4(peer4, our4).protocol(253).identification(0x1234).tos(0x03) / payload("ip-in-what"));
  inject(from_peer(ipv4(peer4, our4).protocol(253).identification(0x1234).tos(0x03)) / payload("ip-in-what"));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], ethernet(src(our_mac), dst(peer_mac)), src(our4), dst(peer4), ttl(64),
                         dscp(48), dont_fragment(false), icmp(dest_unreachable(code(2), quote(offending)))));
  BOOST_TEST(stack.drops(DropReason::ipv4_unknown_protocol) == 1u);
  BOOST_TEST(stack.stats().ipv4.in_unknown_protos == 1u);
  BOOST_TEST(stack.stats().ipv4.in_delivers == 0u);
  BOOST_TEST(stack.stats().icmp.out_dest_unreachs == 1u);
  BOOST_TEST(stack.stats().icmp.out_msgs == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

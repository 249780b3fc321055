// ICMPv4 conformance (REQUIREMENTS.md ICMP4-1..5). ICMP4-6 belongs to the
// transports; the network layer's share of it (errors reach the transport
// that sent the quoted datagram) is checked here with a stub, under names
// that do not claim the ID.
#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"
#include "ipv4_support.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::DropReason;

namespace {

struct BroadcastEchoFixture : Ipv4Fixture {
  BroadcastEchoFixture()
      : Ipv4Fixture(with_config([](net::StackConfig& c) { c.echo_ignore_broadcasts = false; })) {}
};
struct IgnoreAllFixture : Ipv4Fixture {
  IgnoreAllFixture() : Ipv4Fixture(with_config([](net::StackConfig& c) { c.echo_ignore_all = true; })) {}
};
struct SmallMtuFixture : Ipv4Fixture {
  SmallMtuFixture() : Ipv4Fixture(with_config([](net::StackConfig&) {}, 300)) {}
};
struct RateLimitFixture : Ipv4Fixture {
  RateLimitFixture()
      : Ipv4Fixture(with_config([](net::StackConfig& c) {
          c.icmp_rate_limit.burst = 3;
          c.icmp_rate_limit.interval = net::Duration::seconds(1);
        })) {}
};

// A UDP datagram this host sent to the peer (what an error from the peer quotes).
std::vector<std::byte> our_udp_datagram() {
  return raw(ipv4(our4, peer4).identification(0x4242) / udp(40000, 53) / payload("query"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ICMP4)

BOOST_FIXTURE_TEST_CASE(ICMP4_1_echo_request_answered_with_same_identifier_sequence_data, Ipv4Fixture) {
  const auto data = payload(56, 0xa5);
  inject(from_peer(ipv4(peer4, our4).identification(9).tos(0x10)) / icmp_echo_request(0x1234, 0x5678) / data);
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  // Source: the address the request went to; TTL the default; the request's TOS; DF clear (LINUX).
  BOOST_TEST(expect_ipv4(out[0], ethernet(src(our_mac), dst(peer_mac)), src(our4), dst(peer4), ttl(64),
                         dscp(4), protocol(1), dont_fragment(false), more_fragments(false),
                         fragment_offset(0), ihl(5),
                         icmp(echo_reply(code(0), identifier(0x1234), sequence(0x5678), data))));
  const auto& st = stack.stats();
  BOOST_TEST(st.icmp.in_msgs == 1u);
  BOOST_TEST(st.icmp.in_echos == 1u);
  BOOST_TEST(st.icmp.out_msgs == 1u);
  BOOST_TEST(st.icmp.out_echo_replies == 1u);
  BOOST_TEST(st.ipv4.in_delivers == 1u);
  BOOST_TEST(st.ipv4.out_requests == 1u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_1_echo_with_empty_and_odd_data, Ipv4Fixture) {
  inject(from_peer(ipv4(peer4, our4)) / icmp_echo_request(1, 2));
  inject(from_peer(ipv4(peer4, our4)) / icmp_echo_request(3, 4, "odd"));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_ipv4(out[0], total_length(28), icmp(echo_reply(identifier(1), sequence(2)))));
  BOOST_TEST(
      expect_ipv4(out[1], total_length(31), icmp(echo_reply(identifier(3), sequence(4), payload("odd")))));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_1_echo_to_broadcast_ignored_by_default, Ipv4Fixture) {
  // RFC 1122 3.2.2.6 MAY; LINUX icmp_echo_ignore_broadcasts = 1 (counted in InErrors).
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, directed_broadcast) /
         icmp_echo_request(1, 1));
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, limited_broadcast) /
         icmp_echo_request(1, 2));
  inject(eth(peer_mac, "01:00:5e:00:00:01") / ipv4(peer4, "224.0.0.1") / icmp_echo_request(1, 3));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_echo_ignored) == 3u);
  BOOST_TEST(stack.stats().icmp.in_errors == 3u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(ICMP4_1_echo_to_broadcast_answered_when_allowed, BroadcastEchoFixture) {
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, directed_broadcast) /
         icmp_echo_request(5, 6, "all"));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  // From our address on the interface, to the sender, unicast.
  BOOST_TEST(expect_ipv4(out[0], ethernet(dst(peer_mac)), src(our4), dst(peer4),
                         icmp(echo_reply(identifier(5), sequence(6), payload("all")))));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_1_echo_ignored_with_echo_ignore_all, IgnoreAllFixture) {
  inject(from_peer(ipv4(peer4, our4)) / icmp_echo_request(1, 1));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_echo_ignored) == 1u);
  BOOST_TEST(stack.stats().icmp.in_echos == 1u);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_2_never_about_an_icmp_error, Ipv4Fixture) {
  // A parameter problem is due (RR pointer 3), but the datagram is itself an
  // ICMP error (or of a type unknown, which LINUX takes as an error).
  const auto bad_rr = hex("07 03 03 00");
  inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr)) / icmp_dest_unreachable(3, our_udp_datagram()));
  inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr)) / icmp_time_exceeded(0, our_udp_datagram()));
  inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr)) / icmp_param_problem(20, our_udp_datagram()));
  inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr)) / icmp_raw(42, 0, 0));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_bad_options) == 4u);
  BOOST_TEST(stack.stats().icmp.suppressed == 4u);
  BOOST_TEST(stack.stats().icmp.out_parm_probs == 0u);
  // Control: the same options on an echo request (not an error) are answered with the error.
  inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr)) / icmp_echo_request(1, 1));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], icmp(param_problem(code(0), pointer(22)))));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_2_never_about_the_types_linux_counts_as_errors, Ipv4Fixture) {
  // LINUX icmp_pointers marks the unassigned and obsolete types 1, 2, 6, 7, 9
  // and 10 as errors: a datagram carrying one never gets an ICMP error back
  // (found by stack_packets: corpus/regressions/stack_packets/).
  const auto bad_rr = hex("07 03 03 00");
  for (std::uint8_t type : {1, 2, 6, 7, 9, 10})
    inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr)) / icmp_raw(type, 0, 0));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_bad_options) == 6u);
  BOOST_TEST(stack.stats().icmp.suppressed == 6u);
  // Control: the informational types 13 to 18 are answered.
  for (std::uint8_t type : {13, 15, 17})
    inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr)) / icmp_raw(type, 0, 0));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  for (const auto& f : out) BOOST_TEST(expect_ipv4(f, icmp(param_problem(code(0), pointer(22)))));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_2_never_about_a_broadcast_or_multicast_datagram, Ipv4Fixture) {
  // Protocol unreachable is due for each; none is sent.
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, directed_broadcast).protocol(253) /
         payload("x"));
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, limited_broadcast).protocol(253) /
         payload("x"));
  inject(eth(peer_mac, "01:00:5e:00:00:01") / ipv4(peer4, "224.0.0.1").protocol(253) / payload("x"));
  // A unicast datagram in a link-level broadcast or multicast frame (RFC 1122 3.2.2).
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, our4).protocol(253) / payload("x"));
  inject(eth(peer_mac, "01:00:5e:00:00:01") / ipv4(peer4, our4).protocol(253) / payload("x"));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_unknown_protocol) == 5u);
  BOOST_TEST(stack.stats().icmp.suppressed == 5u);
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
  // Control: unicast in a unicast frame.
  inject(from_peer(ipv4(peer4, our4).protocol(253)) / payload("x"));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], icmp(dest_unreachable(code(2)))));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_2_never_about_a_non_initial_fragment, Ipv4Fixture) {
  const auto bad_rr = hex("07 03 03 00");
  inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr).identification(5).fragment_offset(2)) /
         payload(16, 1));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_bad_options) == 1u);
  BOOST_TEST(stack.stats().icmp.suppressed == 1u);
  // Control: the first fragment with the same options gets the error.
  inject(from_peer(ipv4(peer4, our4).raw_options(bad_rr).identification(5).more_fragments()) /
         payload(16, 1));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], icmp(param_problem(pointer(22)))));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_2_never_to_a_source_that_is_not_unicast, Ipv4Fixture) {
  // 0.0.0.0 may only reach the limited broadcast (where ICMP4-2 already
  // forbids an answer); multicast and broadcast sources never get past input.
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4("0.0.0.0", limited_broadcast).protocol(253) /
         payload("x"));
  inject(from_peer(ipv4("224.0.0.9", our4).protocol(253)) / payload("x"));
  inject(from_peer(ipv4(limited_broadcast, our4).protocol(253)) / payload("x"));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
  BOOST_TEST(stack.drops(DropReason::ipv4_martian_source) == 2u);
  BOOST_TEST(stack.drops(DropReason::ipv4_unknown_protocol) == 1u);
  BOOST_TEST(stack.stats().icmp.suppressed == 1u);
  // A Class E source (RFC 1122 3.2.2 names it) is accepted as LINUX does, but
  // never answered with an error (found by stack_packets).
  inject(from_peer(ipv4("250.1.2.3", our4).protocol(253)) / payload("x"));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_unknown_protocol) == 2u);
  BOOST_TEST(stack.stats().icmp.suppressed == 2u);
  // Control: a unicast source gets its protocol unreachable.
  inject(from_peer(ipv4(peer4, our4).protocol(253)) / payload("x"));
  BOOST_TEST(sent_ip().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_3_error_quotes_the_whole_small_datagram, Ipv4Fixture) {
  const auto offending =
      raw(ipv4(peer4, our4).protocol(253).identification(1).options(router_alert()) / payload(100, 0x33));
  inject(from_peer(ipv4(peer4, our4).protocol(253).identification(1).options(router_alert())) /
         payload(100, 0x33));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], total_length(20 + 8 + 124), ihl(5),
                         icmp(dest_unreachable(code(2), quote(offending)))));  // options quoted, none sent
}

BOOST_FIXTURE_TEST_CASE(ICMP4_3_error_quote_stops_at_576_bytes, Ipv4Fixture) {
  const auto offending = raw(ipv4(peer4, our4).protocol(253).identification(2) / payload(1000, 0x44));
  inject(from_peer(ipv4(peer4, our4).protocol(253).identification(2)) / payload(1000, 0x44));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], total_length(576),
                         icmp(dest_unreachable(code(2), quote(first_bytes(offending, 548))))));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_3_error_quote_fits_a_small_mtu, SmallMtuFixture) {
  // LINUX: the error is at most the route's MTU when that is under 576.
  const auto offending = raw(ipv4(peer4, our4).protocol(253).identification(3) / payload(270, 0x55));
  inject(from_peer(ipv4(peer4, our4).protocol(253).identification(3)) / payload(270, 0x55));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], total_length(300), more_fragments(false),
                         icmp(dest_unreachable(code(2), quote(first_bytes(offending, 272))))));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_4_bad_checksum_discarded, Ipv4Fixture) {
  inject(from_peer(ipv4(peer4, our4)) / icmp_echo_request(1, 1, "x").bad_checksum());
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_bad_checksum) == 1u);
  BOOST_TEST(stack.last_drop() == DropReason::icmp_bad_checksum);
  const auto& st = stack.stats().icmp;
  BOOST_TEST(st.in_msgs == 1u);
  BOOST_TEST(st.in_csum_errors == 1u);
  BOOST_TEST(st.in_errors == 1u);
  BOOST_TEST(st.in_echos == 0u);  // not counted by type before the checksum
  // Shorter than the 8-byte header.
  inject(from_peer(ipv4(peer4, our4).protocol(1)) / payload(hex("0800f7ff00")));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_malformed) == 1u);
  BOOST_TEST(stack.stats().icmp.in_errors == 2u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(ICMP4_4_unknown_types_ignored, Ipv4Fixture) {
  // Past the last type (LINUX: an error, InErrors) and known types this host
  // does not act on (source quench, redirect, timestamp, information,
  // address mask, router discovery, unassigned): no answer, counted.
  for (const std::uint8_t type : {19, 42, 255})
    inject(from_peer(ipv4(peer4, our4)) / icmp_raw(type, 0, 0, "x"));
  BOOST_TEST(stack.stats().icmp.in_errors == 3u);
  for (const std::uint8_t type : {1, 2, 4, 5, 6, 7, 9, 10, 13, 14, 15, 16, 17, 18})
    inject(from_peer(ipv4(peer4, our4)) /
           icmp_raw(type, 0, 0, hex("0000000000000000 0000000000000000 00000000")));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_unknown_type) == 17u);
  BOOST_TEST(stack.stats().icmp.in_errors == 3u);
  BOOST_TEST(stack.stats().icmp.in_msgs == 17u);
  BOOST_TEST(echo_answered());
}

BOOST_FIXTURE_TEST_CASE(ICMP4_5_errors_rate_limited_by_token_bucket, RateLimitFixture) {
  for (int i = 0; i < 5; ++i) inject(from_peer(ipv4(peer4, our4).protocol(253)) / payload("x"));
  BOOST_TEST(sent_ip().size() == 3u);  // the burst
  BOOST_TEST(stack.stats().icmp.out_rate_limited == 2u);
  BOOST_TEST(stack.stats().icmp.out_dest_unreachs == 3u);
  // Echo replies are not errors: not limited (LINUX icmp_ratemask).
  for (std::uint16_t i = 0; i < 5; ++i) inject(from_peer(ipv4(peer4, our4)) / icmp_echo_request(1, i));
  BOOST_TEST(sent_ip().size() == 5u);
  // One token a second.
  advance(net::Duration::milliseconds(999));
  inject(from_peer(ipv4(peer4, our4).protocol(253)) / payload("x"));
  BOOST_TEST(sent_ip().empty());
  advance(net::Duration::milliseconds(1));
  inject(from_peer(ipv4(peer4, our4).protocol(253)) / payload("x"));
  BOOST_TEST(sent_ip().size() == 1u);
  BOOST_TEST(stack.stats().icmp.out_rate_limited == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

// The network layer's part of ICMP4-6: errors reach the transport.
BOOST_AUTO_TEST_SUITE(ICMP4_upper_layer)

BOOST_FIXTURE_TEST_CASE(errors_about_our_datagrams_reach_the_transport, Ipv4Fixture) {
  const auto quoted = our_udp_datagram();
  inject(from_peer(ipv4(gateway4, our4)) / icmp_dest_unreachable(3, quoted));
  inject(from_peer(ipv4(gateway4, our4)) / icmp_dest_unreachable(4, quoted).next_hop_mtu(1400));
  inject(from_peer(ipv4(gateway4, our4)) / icmp_param_problem(9, quoted));
  inject(from_peer(ipv4(gateway4, our4)) / icmp_time_exceeded(0, quoted));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST_REQUIRE(udp_stub.errors.size() == 4u);
  const auto& e = udp_stub.errors[0];
  BOOST_TEST(!e.report.ipv6);
  BOOST_TEST(e.report.type == 3);
  BOOST_TEST(e.report.code == 3);
  BOOST_TEST(e.report.info == 0u);
  BOOST_TEST(e.report.interface == eth0);
  BOOST_TEST(e.report.reporter_v4 == gateway4);
  BOOST_TEST(e.report.quoted_source_v4 == our4);
  BOOST_TEST(e.report.quoted_destination_v4 == peer4);
  BOOST_TEST(e.report.protocol == udp_protocol);
  const std::vector<std::byte> transport(quoted.begin() + 20, quoted.end());
  BOOST_TEST((e.quoted_transport == transport));
  BOOST_TEST(udp_stub.errors[1].report.info == 1400u);  // RFC 1191 next-hop MTU
  BOOST_TEST(udp_stub.errors[2].report.type == 12);
  BOOST_TEST(udp_stub.errors[2].report.info == 9u);  // the pointer
  BOOST_TEST(udp_stub.errors[3].report.type == 11);
  const auto& st = stack.stats().icmp;
  BOOST_TEST(st.in_dest_unreachs == 2u);
  BOOST_TEST(st.in_parm_probs == 1u);
  BOOST_TEST(st.in_time_excds == 1u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(errors_for_no_one_are_not_passed_up, Ipv4Fixture) {
  const auto quoted = our_udp_datagram();
  // LINUX icmp_unreach: reassembly timeouts and unknown unreachable codes concern no transport.
  inject(from_peer(ipv4(peer4, our4)) / icmp_time_exceeded(1, quoted));
  inject(from_peer(ipv4(peer4, our4)) / icmp_dest_unreachable(16, quoted));
  // Errors sent to a broadcast address are bogus (LINUX: InErrors).
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, directed_broadcast) /
         icmp_dest_unreachable(3, quoted));
  // About a protocol no transport is registered for.
  inject(from_peer(ipv4(peer4, our4)) /
         icmp_dest_unreachable(3, raw(ipv4(our4, peer4).protocol(200) / payload(8, 0))));
  BOOST_TEST(udp_stub.errors.empty());
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.stats().icmp.in_errors == 1u);
  BOOST_TEST(stack.drops(DropReason::icmp_malformed) == 1u);
  BOOST_TEST(stack.drops(DropReason::no_transport) == 1u);
}

BOOST_FIXTURE_TEST_CASE(unresolved_neighbor_reported_to_the_sender_as_host_unreachable, Ipv4Fixture) {
  // LINUX arp_error_report -> ipv4_link_failure: host unreachable, which for
  // a datagram of ours reaches the transport that sent it; nothing goes on the wire but ARP.
  const wire::Ipv4Address silent{{192, 0, 2, 77}};
  net::Ipv4SendParams p;
  p.destination = silent;
  p.protocol = udp_protocol;
  const auto segment = hex("9c40 0035 000d 0000 7175657279");
  BOOST_TEST_REQUIRE(stack.send_ipv4(p, segment, clock.now()).has_value());
  run_for(net::Duration::seconds(5));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST_REQUIRE(udp_stub.errors.size() == 1u);
  const auto& e = udp_stub.errors[0];
  BOOST_TEST(e.report.type == 3);
  BOOST_TEST(e.report.code == 1);
  BOOST_TEST(e.report.quoted_source_v4 == our4);
  BOOST_TEST(e.report.quoted_destination_v4 == silent);
  BOOST_TEST(e.report.protocol == udp_protocol);
  BOOST_TEST((e.quoted_transport == segment));
  BOOST_TEST(stack.drops(DropReason::neighbor_unreachable) == 1u);
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
}

BOOST_FIXTURE_TEST_CASE(port_unreachable_when_the_transport_has_no_listener, Ipv4Fixture) {
  udp_stub.answer = net::DeliveryResult::port_unreachable;
  const auto offending = raw(ipv4(peer4, our4).identification(77) / udp(5000, 9) / payload("nobody"));
  inject(from_peer(ipv4(peer4, our4).identification(77)) / udp(5000, 9) / payload("nobody"));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], src(our4), dst(peer4), icmp(dest_unreachable(code(3), quote(offending)))));
  BOOST_TEST(stack.drops(DropReason::no_transport) == 1u);
  BOOST_TEST(stack.stats().ipv4.in_delivers == 1u);  // LINUX: delivered to UDP, which answered
}

BOOST_AUTO_TEST_SUITE_END()

// IPv6 (RFC 8200, 2675, 5095, 5722, 6946, 7112): V6-HDR-*, V6-EXT-*, V6-FRAG-*.
#include <algorithm>

#include "hardstack/harness/hex.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "ipv6_fixture.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::DropReason;
using net::Duration;

namespace {

// The IPv6 datagram of an Ethernet frame.
wire::Bytes datagram_of(const std::vector<std::byte>& frame) { return wire::Bytes(frame).subspan(14); }

StackFixtureOptions mtu_9000() {
  StackFixtureOptions o;
  o.mtu = 9000;
  return o;
}
using Mtu9000 = Ipv6FixtureWith<mtu_9000>;

StackFixtureOptions small_reassembly() {
  StackFixtureOptions o;
  o.config.reassembly_v6.max_fragments_per_datagram = 4;
  o.config.reassembly_v6.memory_cap = 16 * 1024;
  return o;
}
using SmallReassembly = Ipv6FixtureWith<small_reassembly>;

}  // namespace

// ---- V6-HDR ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(V6_HDR)

BOOST_FIXTURE_TEST_CASE(V6_HDR_1_version_not_6_discarded, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6).version(4) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_version) == 1u);
  BOOST_TEST(stack.last_drop() == DropReason::ipv6_bad_version);
  BOOST_TEST(ip6().in_receives == 1u);
  BOOST_TEST(ip6().in_hdr_errors == 1u);
  inject(from_peer(ipv6(peer6, our6) / echo()));  // control
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply()));
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_1_payload_length_beyond_the_bytes_discarded, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6).payload_length(13) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_truncated) == 1u);
  BOOST_TEST(ip6().in_truncated_pkts == 1u);
  BOOST_TEST(ip6().in_hdr_errors == 0u);
  inject(from_peer(ipv6(peer6, our6).payload_length(12) / echo()));  // control
  BOOST_TEST(sent_ip().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_1_shorter_than_the_fixed_header_discarded, Ipv6Fixture) {
  auto frame = raw(from_peer(ipv6(peer6, our6) / echo()));
  frame.resize(14 + 39);
  inject(frame);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_truncated) == 1u);
  BOOST_TEST(ip6().in_hdr_errors == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_1_trailing_bytes_trimmed_never_delivered, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / echo(1, "data")) / padding(hex("deadbeefdeadbeef")));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply(1, "data")));  // the padding is not echoed
  inject(from_peer(ipv6(peer6, our6) / udp(1000, 2000) / payload("abc")) / padding(6, 0xff));
  BOOST_TEST_REQUIRE(transport.delivered.size() == 1u);
  BOOST_TEST(transport.delivered[0].payload.size() == 8u + 3u);
  BOOST_TEST(transport.delivered[0].datagram.size() == 40u + 11u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_2_multicast_source_discarded, Ipv6Fixture) {
  inject(from_peer(ipv6(all_nodes, our6) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_martian_source) == 1u);
  BOOST_TEST(ip6().in_hdr_errors == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_2_loopback_address_on_a_device_discarded, Ipv6Fixture) {
  const wire::Ipv6Address lo{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  inject(from_peer(ipv6(lo, our6) / echo()));
  inject(from_peer(ipv6(peer6, lo) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_loopback_on_device) == 2u);
  BOOST_TEST(ip6().in_hdr_errors == 2u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_2_interface_local_and_reserved_scope_groups_discarded, Ipv6Fixture) {
  // RFC 4291 2.7: ff01:: never comes from another node; scope 0 is reserved.
  const wire::Ipv6Address ff01{{0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  const wire::Ipv6Address ff00{{0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
  inject(eth(peer_mac, group_mac(ff01)) / ipv6(peer6, ff01) / echo());
  inject(eth(peer_mac, group_mac(ff00)) / ipv6(peer6, ff00) / echo());
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_not_for_us) == 2u);
  BOOST_TEST(ip6().in_hdr_errors == 2u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_2_destination_not_ours_discarded_a_host_does_not_forward, Ipv6Fixture) {
  // Unknown next header: to us it would be answered (V6-EXT-2); not to us, silence.
  inject(from_peer(ipv6(peer6, other6).next_header(unknown_protocol) / payload(8, 0)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_not_for_us) == 1u);
  BOOST_TEST(ip6().in_addr_errors == 1u);
  BOOST_TEST(icmp6().suppressed == 0u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_2_group_not_joined_discarded, Ipv6Fixture) {
  const wire::Ipv6Address all_routers{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
  inject(eth(peer_mac, group_mac(all_routers)) / ipv6(peer6, all_routers) / echo());
  inject(eth(peer_mac, group_mac(solicited_node_of(other6))) / ipv6(peer6, solicited_node_of(other6)) /
         echo());
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_not_for_us) == 2u);
  BOOST_TEST(ip6().in_addr_errors == 2u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_2_solicited_node_group_of_our_address_accepted, Ipv6Fixture) {
  const auto g = solicited_node_of(our6);
  inject(eth(peer_mac, group_mac(g)) / ipv6(peer6, g) / echo());
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply()));
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_2_link_local_address_of_another_link_not_ours_here, Ipv6Fixture) {
  const wire::Ipv6Address not_ours{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99}};
  inject(from_peer(ipv6(peer_ll, not_ours) / echo()));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_not_for_us) == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_HDR_2_our_own_address_as_source_accepted_as_linux_does, Ipv6Fixture) {
  // LINUX ip6_rcv_core has no check on it; the answer goes to ourselves
  // through loopback and never onto the link.
  inject(from_peer(ipv6(our6, our6) / echo()));
  run_for(Duration::milliseconds(1));
  BOOST_TEST(sent().empty());
  BOOST_TEST(icmp6().in_echos == 1u);
  BOOST_TEST(icmp6().out_echo_replies == 1u);
  BOOST_TEST(icmp6().in_echo_replies == 1u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- V6-EXT ----------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(V6_EXT)

BOOST_FIXTURE_TEST_CASE(V6_EXT_1_hop_by_hop_after_another_header_param_problem_code_1, Ipv6Fixture) {
  const Packet p = ipv6(peer6, our6) / destination_options(padn(6)) / hop_by_hop(padn(6)) / echo();
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  // @40: the Destination Options header's Next Header field named it.
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(1, 40, p)));
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
  BOOST_TEST(ip6().in_unknown_protos == 1u);
  BOOST_TEST(icmp6().out_parm_probs == 1u);
  inject(from_peer(ipv6(peer6, our6) / hop_by_hop(padn(6)) / destination_options(padn(6)) / echo()));
  BOOST_TEST(sent_ip().size() == 1u);  // control: first, it is fine
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_1_second_hop_by_hop_param_problem_code_1, Ipv6Fixture) {
  const Packet p = ipv6(peer6, our6) / hop_by_hop(padn(6)) / hop_by_hop(padn(6)) / echo();
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(1, 40, p)));
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_2_unknown_next_header_param_problem_code_1_at_its_field, Ipv6Fixture) {
  const Packet direct = ipv6(peer6, our6).next_header(unknown_protocol) / payload(8, 1);
  inject(from_peer(direct));
  const Packet after =
      ipv6(peer6, our6) / destination_options(padn(6)).next_header(unknown_protocol) / payload(8, 1);
  inject(from_peer(after));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(1, 6, direct)));
  BOOST_TEST(expect_frame(out[1], param_problem_from_us(1, 40, after)));
  BOOST_TEST(stack.drops(DropReason::ipv6_unknown_next_header) == 2u);
  BOOST_TEST(ip6().in_unknown_protos == 2u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_2_no_next_header_consumed_silently, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6).next_header(59) / payload(8, 0)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(ip6().in_delivers == 1u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_3_padding_and_unknown_00_options_skipped, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / destination_options(pad1(), padn(5)) / echo(1)));
  inject(from_peer(ipv6(peer6, our6) / hop_by_hop(tlv(0x1e, hex("0102"))) / echo(2)));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_frame(out[0], echo_reply(1)));
  BOOST_TEST(expect_frame(out[1], echo_reply(2)));
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_3_unknown_01_option_discards_silently, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / destination_options(tlv(0x5e, hex("0000"))) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_option_discard) == 1u);
  BOOST_TEST(ip6().in_hdr_errors == 1u);
  BOOST_TEST(icmp6().suppressed == 0u);
  inject(from_peer(ipv6(peer6, our6) / destination_options(tlv(0x1e, hex("0000"))) / echo()));
  BOOST_TEST(sent_ip().size() == 1u);  // control: 00 is skipped
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_3_unknown_10_and_11_options_param_problem_code_2_at_the_option, Ipv6Fixture) {
  const Packet p10 = ipv6(peer6, our6) / destination_options(padn(2), tlv(0x9e, hex("00"))) / echo();
  const Packet p11 = ipv6(peer6, our6) / hop_by_hop(tlv(0xde, hex("0000"))) / echo();
  inject(from_peer(p10));
  inject(from_peer(p11));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(2, 44, p10)));
  BOOST_TEST(expect_frame(out[1], param_problem_from_us(2, 42, p11)));
  BOOST_TEST(stack.drops(DropReason::ipv6_option_discard) == 2u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_3_hop_by_hop_acted_on_before_the_destination_check, Ipv6Fixture) {
  // LINUX ipv6_parse_hopopts runs before the routing decision: an option in
  // the Hop-by-Hop header is answered even for a datagram not for us.
  const Packet p = ipv6(peer6, other6) / hop_by_hop(tlv(0x9e, hex("0000"))) / echo();
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(2, 42, p)));
  // The same option in a Destination Options header of it: not for us, silent.
  inject(from_peer(ipv6(peer6, other6) / destination_options(tlv(0x9e, hex("0000"))) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_not_for_us) == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_4_option_past_its_header_discarded, Ipv6Fixture) {
  // Option 0x1e claims 10 bytes of data; 4 remain in the 8-byte header.
  inject(from_peer(ipv6(peer6, our6) / destination_options().raw_options(hex("1e0a00000000")) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
  BOOST_TEST(ip6().in_hdr_errors == 1u);
  BOOST_TEST(icmp6().out_parm_probs == 0u);
  inject(from_peer(ipv6(peer6, our6) / destination_options().raw_options(hex("1e0400000000")) / echo()));
  BOOST_TEST(sent_ip().size() == 1u);  // control: it fits
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_5_more_than_7_padding_bytes_in_a_row_discarded, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / destination_options().raw_options(hex("00000000000000000000000000")) /
                   echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
  inject(from_peer(ipv6(peer6, our6) / destination_options().raw_options(hex("000000000000")) / echo()));
  BOOST_TEST(sent_ip().size() == 1u);  // control: 6 bytes
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_5_padn_with_data_discarded, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / destination_options().raw_options(hex("010400010000")) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_5_more_than_8_options_in_a_header_discarded, Ipv6Fixture) {
  const auto opt = tlv(0x1e, {});
  inject(from_peer(ipv6(peer6, our6) / destination_options(opt, opt, opt, opt, opt, opt, opt, opt, opt) /
                   echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
  inject(from_peer(ipv6(peer6, our6) / destination_options(opt, opt, opt, opt, opt, opt, opt, opt) / echo()));
  BOOST_TEST(sent_ip().size() == 1u);  // control: 8
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_6_router_alert_of_wrong_length_discarded, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / hop_by_hop().raw_options(hex("0503000000")) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
  inject(from_peer(ipv6(peer6, our6) / hop_by_hop(router_alert(0)) / echo()));
  BOOST_TEST(sent_ip().size() == 1u);  // control
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_6_jumbo_value_up_to_65535_param_problem_at_the_value, Ipv6Fixture) {
  // Payload Length 0, Jumbo at 4n+2 (offset 42) with a value that fits 16 bits.
  const Packet p = ipv6(peer6, our6).payload_length(0) / hop_by_hop(jumbo_payload(1000)) / echo();
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(0, 44, p)));
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_6_jumbo_with_a_payload_length_param_problem_at_the_option, Ipv6Fixture) {
  const Packet p = ipv6(peer6, our6) / hop_by_hop(jumbo_payload(70000)) / echo();
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(0, 42, p)));
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_6_payload_length_0_without_jumbo_param_problem_at_4, Ipv6Fixture) {
  const Packet p = ipv6(peer6, our6).payload_length(0) / hop_by_hop(padn(6)) / echo();
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(0, 4, p)));
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_6_misaligned_jumbo_discarded, Ipv6Fixture) {
  // Jumbo at offset 43 (4n+3): LINUX ipv6_hop_jumbo drops it silently.
  inject(from_peer(ipv6(peer6, our6).payload_length(0) / hop_by_hop(pad1(), jumbo_payload(70000)) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
  BOOST_TEST(icmp6().out_parm_probs == 0u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_6_jumbo_beyond_the_bytes_discarded_as_truncated, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6).payload_length(0) / hop_by_hop(jumbo_payload(70000)) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_truncated) == 1u);
  BOOST_TEST(ip6().in_truncated_pkts == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_6_jumbo_with_a_fragment_header_param_problem, Ipv6Fixture) {
  // A real jumbogram (RFC 2675: over 65535 bytes of payload), handed to the
  // stack directly: a Fragment header in it is answered @ that header (48).
  const Packet p = ipv6(peer6, our6).payload_length(0) / hop_by_hop(jumbo_payload(70016)) / frag(0, true, 1) /
                   payload(70000, 0x11);
  stack.input(eth0, raw(from_peer(p)), clock.now());
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) /
                                      icmpv6_param_problem(0, 48, first_bytes(raw(p), 1232))));
  // Without it, a valid jumbogram, which no link here carries: dropped (V6-HDR-1).
  stack.input(eth0,
              raw(from_peer(ipv6(peer6, our6).payload_length(0) / hop_by_hop(jumbo_payload(70008)) /
                            payload(70000, 0x11))),
              clock.now());
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 2u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_7_routing_header_with_segments_left_0_ignored, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / routing(4, 0, hex("00000000")) / echo(1)));
  inject(from_peer(ipv6(peer6, our6) / routing_type0(0, {other6}) / echo(2)));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_frame(out[0], echo_reply(1)));
  BOOST_TEST(expect_frame(out[1], echo_reply(2)));
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_7_rh0_and_unknown_types_with_segments_left_param_problem_at_routing_type,
                        Ipv6Fixture) {
  const Packet rh0 = ipv6(peer6, our6) / routing_type0(1, {other6}) / echo(1);
  const Packet unknown = ipv6(peer6, our6) / routing(200, 1, hex("00000000")) / echo(2);
  inject(from_peer(rh0));
  inject(from_peer(unknown));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(0, 42, rh0)));
  BOOST_TEST(expect_frame(out[1], param_problem_from_us(0, 42, unknown)));
  BOOST_TEST(stack.drops(DropReason::ipv6_routing_header) == 2u);
  BOOST_TEST(ip6().in_hdr_errors == 2u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_8_destination_options_before_and_after_routing_and_repeats_accepted,
                        Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / destination_options(padn(6)) / routing(4, 0, hex("00000000")) /
                   destination_options(padn(6)) / echo(1)));
  inject(from_peer(ipv6(peer6, our6) / destination_options(padn(6)) / destination_options(padn(6)) /
                   routing(4, 0, hex("00000000")) / routing(4, 0, hex("00000000")) /
                   destination_options(padn(6)) / echo(2)));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_frame(out[0], echo_reply(1)));
  BOOST_TEST(expect_frame(out[1], echo_reply(2)));
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_8_chain_bounded_in_count, Ipv6Fixture) {
  Packet p16 = ipv6(peer6, our6);
  for (int i = 0; i < 16; ++i) p16 = p16 / destination_options(padn(6));
  inject(from_peer(p16 / echo(1)));
  BOOST_TEST(sent_ip().size() == 1u);  // 16 headers: the limit
  Packet p17 = ipv6(peer6, our6);
  for (int i = 0; i < 17; ++i) p17 = p17 / destination_options(padn(6));
  inject(from_peer(p17 / echo(2)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
  BOOST_TEST(icmp6().out_parm_probs == 0u);
}

BOOST_FIXTURE_TEST_CASE(V6_EXT_8_chain_bounded_in_bytes, Mtu9000) {
  // Destination Options headers of 2048 bytes (8 options each): two make
  // 4096 bytes of chain, the limit; three are dropped.
  auto big = [] {
    Ipv6OptionsLayer l = destination_options();
    for (int i = 0; i < 7; ++i) l.options.push_back(tlv(0x1e, std::vector<std::byte>(255)));
    l.options.push_back(tlv(0x1e, std::vector<std::byte>(245)));
    return l;
  };
  inject(from_peer(ipv6(peer6, our6) / big() / big() / echo(1)));
  BOOST_TEST(sent_ip().size() == 1u);
  inject(from_peer(ipv6(peer6, our6) / big() / big() / big() / echo(2)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- V6-FRAG ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(V6_FRAG)

namespace {
// The datagram of a frame (Ethernet header off), as bytes.
std::vector<std::byte> ip_part(const std::vector<std::byte>& frame) {
  return {frame.begin() + 14, frame.end()};
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(V6_FRAG_1_reassembly_keyed_by_source_destination_identification, Ipv6Fixture) {
  // Same identification, another destination; same pair, another identification.
  const auto a = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1000, 1))), {512}, 7);
  const auto b = fragment_ipv6(from_peer(ipv6(peer6, our_ll()) / echo(2, data_of(1000, 2))), {512}, 7);
  const auto c = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(3, data_of(1000, 3))), {512}, 8);
  BOOST_TEST_REQUIRE(a.size() == 2u);
  inject_all({a[0], b[0], c[0], c[1], b[1], a[1]});
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(expect_frame(out[0], echo_reply(3, data_of(1000, 3))));
  BOOST_TEST(expect_frame(
      out[1], eth(our_mac, peer_mac) / ipv6(our_ll(), peer6) / icmpv6_echo_reply(0x77, 2, data_of(1000, 2))));
  BOOST_TEST(expect_frame(out[2], echo_reply(1, data_of(1000, 1))));
  BOOST_TEST(stack.reassembly_v6_counters().reasm_oks == 3u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_2_non_last_fragment_not_multiple_of_8_param_problem_at_4, Ipv6Fixture) {
  const Packet p = ipv6(peer6, our6) / frag(1, true, 9).next_header(58) / payload(13, 0x42);
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(0, 4, p)));
  BOOST_TEST(stack.drops(DropReason::ipv6_fragment) == 1u);
  BOOST_TEST(ip6().in_hdr_errors == 1u);
  BOOST_TEST(stack.reassembly_v6_counters().reasm_reqds == 0u);
  // Control: 16 bytes are held (no answer yet).
  inject(from_peer(ipv6(peer6, our6) / frag(1, true, 9).next_header(58) / payload(16, 0x42)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.reassembly_v6_counters().reasm_reqds == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_3_fragment_past_65535_param_problem_at_the_offset_field, Ipv6Fixture) {
  const Packet more =
      ipv6(peer6, our6) / frag(8190, true, 9).next_header(58) / payload(16, 0);  // ends at 65536
  const Packet last =
      ipv6(peer6, our6) / frag(8191, false, 9).next_header(58) / payload(8, 0);  // ends at 65536
  inject(from_peer(more));
  inject(from_peer(last));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(0, 42, more)));
  BOOST_TEST(expect_frame(out[1], param_problem_from_us(0, 42, last)));
  BOOST_TEST(stack.drops(DropReason::ipv6_fragment) == 2u);
  // Control: ending at 65535 exactly is held.
  inject(from_peer(ipv6(peer6, our6) / frag(8191, false, 9).next_header(58) / payload(7, 0)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_fragment) == 2u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_4_overlap_discards_the_datagram_silently, Ipv6Fixture) {
  const auto frags = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1400))), {512, 512}, 11);
  BOOST_TEST_REQUIRE(frags.size() == 3u);
  inject(frags[0]);
  // 512 bytes at offset 256: overlaps the first.
  inject(from_peer(ipv6(peer6, our6) / frag(32, true, 11).next_header(58) / payload(512, 0)));
  BOOST_TEST(stack.drops(DropReason::ipv6_fragment) == 1u);
  BOOST_TEST(stack.reassembly_v6_counters().reasm_overlaps == 1u);
  BOOST_TEST(stack.reassembly_v6_counters().reasm_fails == 1u);
  inject(frags[1]);
  inject(frags[2]);
  BOOST_TEST(sent_ip().empty());  // the first fragment went with the datagram
  BOOST_TEST(icmp6().out_parm_probs == 0u);
  // Control: the same fragments without the overlap, under a fresh identification.
  inject_all(fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1400))), {512, 512}, 12));
  BOOST_TEST(sent_ip().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_4_exact_duplicate_ignored, Ipv6Fixture) {
  const auto frags = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1400))), {512, 512}, 13);
  inject_all({frags[0], frags[1], frags[1], frags[2]});
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply(1, data_of(1400))));
  BOOST_TEST(stack.reassembly_v6_counters().duplicates == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_5_atomic_fragment_processed_alone_not_merged, Ipv6Fixture) {
  const auto frags = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1000))), {512}, 5);
  inject(frags[0]);  // a queue is pending under identification 5
  inject(from_peer(ipv6(peer6, our6) / frag(0, false, 5) / echo(2)));
  auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply(2)));
  inject(frags[1]);  // the pending datagram is intact
  out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply(1, data_of(1000))));
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_6_first_fragment_without_the_whole_chain_param_problem_code_3, Ipv6Fixture) {
  // RFC 7112: a 16-byte Destination Options header of which 8 bytes came.
  const Packet cut_header =
      ipv6(peer6, our6) / frag(0, true, 3).next_header(60) / payload(hex("3a01000000000000"));
  // The chain is whole but the UDP header is in the next fragment.
  const Packet no_upper =
      ipv6(peer6, our6) / frag(0, true, 4).next_header(60) / payload(hex("1100010400000000"));
  inject(from_peer(cut_header));
  inject(from_peer(no_upper));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(3, 0, cut_header)));
  BOOST_TEST(expect_frame(out[1], param_problem_from_us(3, 0, no_upper)));
  BOOST_TEST(stack.drops(DropReason::ipv6_incomplete_chain) == 2u);
  BOOST_TEST(ip6().in_hdr_errors == 2u);
  BOOST_TEST(stack.reassembly_v6_counters().reasm_reqds == 0u);
  // An ICMPv6 header cut off the same way: dropped, and no error about a
  // datagram that may be an ICMPv6 error (LINUX is_ineligible: no type byte).
  inject(from_peer(ipv6(peer6, our6) / frag(0, true, 5).next_header(60) / payload(hex("3a00010400000000"))));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_incomplete_chain) == 3u);
  BOOST_TEST(icmp6().suppressed == 1u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_7_timeout_after_60s_time_exceeded_with_the_first_fragment, Ipv6Fixture) {
  const auto frags = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1000))), {512}, 21);
  inject(frags[0]);
  run_for(Duration::milliseconds(59999));
  BOOST_TEST(sent_ip().empty());
  run_for(Duration::milliseconds(1));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(
      out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_time_exceeded(1, ip_part(frags[0]))));
  BOOST_TEST(stack.drops(DropReason::ipv6_reassembly_timeout) == 1u);
  BOOST_TEST(stack.reassembly_v6_counters().reasm_timeout == 1u);
  BOOST_TEST(icmp6().out_time_excds == 1u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_7_timeout_without_the_first_fragment_sends_nothing, Ipv6Fixture) {
  const auto frags = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1000))), {512}, 22);
  inject(frags[1]);
  run_for(Duration::seconds(61));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_reassembly_timeout) == 1u);
  BOOST_TEST(icmp6().out_time_excds == 0u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_8_fragments_per_datagram_bounded, SmallReassembly) {
  const auto five =
      fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1000))), {200, 200, 200, 200}, 31);
  BOOST_TEST_REQUIRE(five.size() == 5u);
  inject_all(five);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_fragment) >= 1u);
  BOOST_TEST(stack.reassembly_v6_counters().reasm_fails >= 1u);
  inject_all(fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1000))), {304, 304, 304}, 32));
  BOOST_TEST(sent_ip().size() == 1u);  // control: 4 fragments
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_8_memory_capped_and_a_valid_datagram_still_answered, SmallReassembly) {
  for (std::uint32_t id = 100; id < 160; ++id) {
    inject(fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(2000))), {1024}, id)[0]);
    BOOST_TEST_REQUIRE(stack.reassembly_memory() <= 16u * 1024u);
  }
  BOOST_TEST(stack.reassembly_v6_counters().evictions > 0u);
  inject_all(fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(7, data_of(2000))), {1024}, 999));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 2u);  // the reply, in two fragments
  BOOST_TEST(stack.reassembly_memory() <= 16u * 1024u);
}

namespace {
// Reassembles the fragments the stack sent (one datagram, in order).
struct Reassembled {
  std::vector<std::byte> unfragmentable;  // of the first fragment, Fragment header excluded
  std::vector<std::byte> fragmentable;
  std::vector<std::uint32_t> ids;
};
Reassembled reassemble(const std::vector<std::vector<std::byte>>& frames) {
  Reassembled r;
  std::size_t expected = 0;
  for (const auto& f : frames) {
    const auto dg = datagram_of(f);
    const auto ip = wire::Ipv6View::parse(dg);
    BOOST_TEST_REQUIRE(ip.has_value());
    const auto chain = wire::Ipv6ExtChain::walk(*ip);
    BOOST_TEST_REQUIRE(chain.has_value());
    BOOST_TEST_REQUIRE(chain->fragment_header_offset != 0u);
    const auto fh = wire::Ipv6FragmentHeaderView::parse(ip->datagram(), chain->fragment_header_offset);
    BOOST_TEST_REQUIRE(fh.has_value());
    BOOST_TEST(fh->fragment_offset_bytes() == expected);
    const auto data = ip->datagram().subspan(chain->fragment_header_offset + 8);
    if (fh->more_fragments()) BOOST_TEST(data.size() % 8 == 0u);
    if (r.ids.empty())
      r.unfragmentable.assign(
          ip->datagram().begin(),
          ip->datagram().begin() + static_cast<std::ptrdiff_t>(chain->fragment_header_offset));
    else
      BOOST_TEST(to_hex(ip->datagram().first(chain->fragment_header_offset).subspan(8)) ==
                 to_hex(std::span(r.unfragmentable).subspan(8)));  // the same unfragmentable part
    r.ids.push_back(fh->identification());
    r.fragmentable.insert(r.fragmentable.end(), data.begin(), data.end());
    expected += data.size();
    BOOST_TEST(f.size() <= 1514u);
  }
  return r;
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(V6_FRAG_9_source_fragments_copying_the_unfragmentable_part, Ipv6Fixture) {
  const auto udp_bytes = raw(udp(4000, 4001) / payload(data_of(3000)));
  const auto hbh = raw(hop_by_hop(router_alert(0)));
  net::Ipv6SendParams p;
  p.destination = peer6;
  p.next_header = udp_protocol;
  p.hop_by_hop = hbh;
  BOOST_TEST_REQUIRE(stack.send_ipv6(p, udp_bytes, clock.now()).has_value());
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  const auto r = reassemble(out);
  BOOST_TEST(to_hex(r.fragmentable) == to_hex(udp_bytes));
  BOOST_TEST(r.ids[0] == r.ids[1]);
  BOOST_TEST(r.ids[1] == r.ids[2]);
  // Hop-by-Hop in every fragment, naming the Fragment header.
  for (const auto& f : out)
    BOOST_TEST(expect_ipv6(f, src(our6), dst(peer6), next_header(0), hop_by_hop_header(next_header(44))));
  BOOST_TEST(expect_ipv6(out[2], fragment_header(more_fragments(false))));
  BOOST_TEST(ip6().frag_oks == 1u);
  BOOST_TEST(ip6().frag_creates == 3u);
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_9_fragmented_echo_answered_in_fragments, Ipv6Fixture) {
  inject_all(fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(4, data_of(3000))), {1448, 1448}, 40));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  const auto r = reassemble(out);
  const auto reply = raw(ipv6(our6, peer6) / icmpv6_echo_reply(0x77, 4, data_of(3000)));
  BOOST_TEST(to_hex(r.fragmentable) == to_hex(std::span(reply).subspan(40)));
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_9_identifications_differ_per_datagram, Ipv6Fixture) {
  net::Ipv6SendParams p;
  p.destination = peer6;
  p.next_header = udp_protocol;
  const auto udp_bytes = raw(udp(4000, 4001) / payload(data_of(2000)));
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 4; ++i) {
    BOOST_TEST_REQUIRE(stack.send_ipv6(p, udp_bytes, clock.now()).has_value());
    ids.push_back(reassemble(sent_ip()).ids[0]);
  }
  for (std::size_t i = 1; i < ids.size(); ++i) BOOST_TEST(ids[i] != ids[i - 1]);
  BOOST_TEST(ids[0] > 0xffu);  // not a small counter (RFC 7739): drawn from entropy
}

BOOST_FIXTURE_TEST_CASE(V6_FRAG_9_pmtu_do_too_big_gets_emsgsize, Ipv6Fixture) {
  net::Ipv6SendParams p;
  p.destination = peer6;
  p.next_header = udp_protocol;
  p.pmtu = net::PmtuDiscovery::do_;
  const auto big = raw(udp(4000, 4001) / payload(data_of(1500)));
  const auto r = stack.send_ipv6(p, big, clock.now());
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error() == EMSGSIZE);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(ip6().frag_fails == 1u);
  BOOST_TEST(stack.drops(DropReason::message_too_big) == 1u);
  const auto fits = raw(udp(4000, 4001) / payload(data_of(1452)));  // 40 + 1460 = 1500
  BOOST_TEST(stack.send_ipv6(p, fits, clock.now()).has_value());
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].size() == 1514u);
}

BOOST_AUTO_TEST_SUITE_END()

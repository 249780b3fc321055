// ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861): ICMP6-1..5, ND-1.
#include "hardstack/harness/hex.hpp"
#include "ipv6_fixture.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::DropReason;
using net::Duration;

namespace {

Packet unknown_protocol_packet(const wire::Ipv6Address& src, const wire::Ipv6Address& dst,
                               std::size_t n = 8) {
  return ipv6(src, dst).next_header(unknown_protocol) / payload(n, 0xab);
}

// Our UDP datagram as a peer quotes it back in an error.
Packet our_udp_datagram() { return ipv6(our6, peer6) / udp(5000, 53) / payload("query"); }

// Unknown option types whose two high bits are 11 and 10 (RFC 8200 4.2).
constexpr std::uint8_t option_11 = 0xde;
constexpr std::uint8_t option_10 = 0x9e;

std::vector<std::byte> address_bytes(const wire::Ipv6Address& a) {
  std::vector<std::byte> b;
  for (auto o : a.octets) b.push_back(std::byte{o});
  return b;
}

StackFixtureOptions echo_ignore_all() {
  StackFixtureOptions o;
  o.config.echo_ignore_all = true;
  return o;
}
using EchoIgnoreAll = Ipv6FixtureWith<echo_ignore_all>;

StackFixtureOptions rate_limited() {
  StackFixtureOptions o;
  o.config.icmpv6_rate_limit.burst = 3;
  o.config.icmpv6_rate_limit.interval = Duration::milliseconds(1000);
  return o;
}
using RateLimited = Ipv6FixtureWith<rate_limited>;

}  // namespace

BOOST_AUTO_TEST_SUITE(ICMP6)

// ---- ICMP6-1: echo ------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(ICMP6_1_echo_request_answered_with_same_identifier_sequence_data, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / icmpv6_echo_request(0x1234, 7, "hello, ipv6")));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6).hop_limit(64) /
                                      icmpv6_echo_reply(0x1234, 7, "hello, ipv6")));
  BOOST_TEST(icmp6().in_echos == 1u);
  BOOST_TEST(icmp6().out_echo_replies == 1u);
  BOOST_TEST(ip6().in_delivers == 1u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(ICMP6_1_echo_with_empty_data_answered, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / icmpv6_echo_request(1, 65535)));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_echo_reply(1, 65535)));
}

BOOST_FIXTURE_TEST_CASE(ICMP6_1_echo_to_all_nodes_answered_from_interface_address, Ipv6Fixture) {
  // LINUX icmpv6_echo_reply: a group destination is answered from the
  // interface's address chosen for the requester (global for a global one).
  inject(eth(peer_mac, group_mac(all_nodes)) / ipv6(peer6, all_nodes) / icmpv6_echo_request(9, 1, "group"));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_echo_reply(9, 1, "group")));
}

BOOST_FIXTURE_TEST_CASE(ICMP6_1_echo_from_link_local_resolved_then_answered_from_link_local, Ipv6Fixture) {
  // The requester's link-local address is not in the neighbour cache: the
  // reply waits for resolution (ND-1), then goes from our link-local address.
  inject(from_peer(ipv6(peer_ll, our_ll()) / icmpv6_echo_request(3, 4, "ll")));
  auto out = sent();  // the solicitation goes out from the same poll
  BOOST_TEST_REQUIRE(out.size() == 1u);
  const auto group = solicited_node_of(peer_ll);
  BOOST_TEST(expect_frame(out[0], eth(our_mac, group_mac(group)) / ipv6(our_ll(), group).hop_limit(255) /
                                      nd_ns(peer_ll).options(slla(our_mac))));
  inject(from_peer(ipv6(peer_ll, our_ll()).hop_limit(255) /
                   nd_na(peer_ll).solicited().override_flag().options(tlla(peer_mac))));
  out = sent();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our_ll(), peer_ll) / icmpv6_echo_reply(3, 4, "ll")));
}

BOOST_FIXTURE_TEST_CASE(ICMP6_1_echo_ignored_when_echo_ignore_all, EchoIgnoreAll) {
  inject(from_peer(ipv6(peer6, our6) / icmpv6_echo_request(1, 1)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_echo_ignored) == 1u);
  BOOST_TEST(icmp6().in_echos == 1u);
}

// ---- ICMP6-2: never-send rules ----------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(ICMP6_2_no_error_about_an_icmpv6_error, Ipv6Fixture) {
  // A param problem is due (option 11xxxxxx), but the datagram is an ICMPv6 error.
  inject(from_peer(ipv6(peer6, our6) / destination_options(tlv(option_11, hex("0000"))) /
                   icmpv6_dest_unreachable(4, raw(our_udp_datagram()))));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_option_discard) == 1u);
  BOOST_TEST(icmp6().suppressed == 1u);
  BOOST_TEST(icmp6().out_parm_probs == 0u);
  // Control: the same about an echo request is answered (code 2 @ the option).
  const Packet echo =
      ipv6(peer6, our6) / destination_options(tlv(option_11, hex("0000"))) / icmpv6_echo_request(1, 1);
  inject(from_peer(echo));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(
      out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_param_problem(2, 42, raw(echo))));
}

BOOST_FIXTURE_TEST_CASE(ICMP6_2_no_error_about_an_icmpv6_error_behind_a_long_chain, Ipv6Fixture) {
  // A Hop-by-Hop header after 8 others is due a param problem (V6-EXT-1); the
  // ICMPv6 error comes 19 headers in, past the input walk's limit, and is
  // still recognised (found by ipv6_input).
  Packet p = ipv6(peer6, our6);
  for (int i = 0; i < 8; ++i) p = p / destination_options(padn(6));
  p = p / hop_by_hop(padn(6));
  for (int i = 0; i < 10; ++i) p = p / destination_options(padn(6));
  inject(from_peer(p / icmpv6_dest_unreachable(4, raw(our_udp_datagram()))));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 1u);
  BOOST_TEST(icmp6().suppressed == 1u);
  // Control: an echo request there is answered (code 1 @ the 8th header's Next Header).
  Packet q = ipv6(peer6, our6);
  for (int i = 0; i < 8; ++i) q = q / destination_options(padn(6));
  q = q / hop_by_hop(padn(6));
  for (int i = 0; i < 10; ++i) q = q / destination_options(padn(6));
  q = q / icmpv6_echo_request(1, 1);
  inject(from_peer(q));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_param_problem(1, 96, raw(q))));
}

BOOST_FIXTURE_TEST_CASE(ICMP6_2_no_error_about_a_redirect, Ipv6Fixture) {
  inject(from_peer(ipv6(peer_ll, our6).hop_limit(255) / destination_options(tlv(option_11, hex("0000"))) /
                   nd_redirect(peer_ll, other6)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_option_discard) == 1u);
  BOOST_TEST(icmp6().suppressed == 1u);
}

BOOST_FIXTURE_TEST_CASE(ICMP6_2_no_error_about_a_datagram_to_a_group, Ipv6Fixture) {
  inject(eth(peer_mac, group_mac(all_nodes)) / unknown_protocol_packet(peer6, all_nodes));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_unknown_next_header) == 1u);
  BOOST_TEST(icmp6().suppressed == 1u);
  BOOST_TEST(ip6().in_unknown_protos == 1u);
  // Control: to our unicast address, code 1 @ 6.
  const Packet p = unknown_protocol_packet(peer6, our6);
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_param_problem(1, 6, raw(p))));
}

BOOST_FIXTURE_TEST_CASE(ICMP6_2_no_error_about_a_link_layer_multicast_or_broadcast_frame, Ipv6Fixture) {
  // RFC 4443 2.4 (e.4, e.5): our unicast address, but a group / broadcast frame.
  inject(eth(peer_mac, group_mac(all_nodes)) / unknown_protocol_packet(peer6, our6));
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / unknown_protocol_packet(peer6, our6));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_unknown_next_header) == 2u);
  BOOST_TEST(icmp6().suppressed == 2u);
}

BOOST_FIXTURE_TEST_CASE(ICMP6_2_option_type_10_answered_even_to_a_group, Ipv6Fixture) {
  // RFC 4443 2.4 (e.3) exception: code 2 for an option whose type starts 10.
  const Packet p =
      ipv6(peer6, all_nodes) / destination_options(tlv(option_10, hex("0000"))) / icmpv6_echo_request(1, 1);
  inject(eth(peer_mac, group_mac(all_nodes)) / p);
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_param_problem(2, 42, raw(p))));
  BOOST_TEST(stack.drops(DropReason::ipv6_option_discard) == 1u);
  // ...but not one starting 11 (RFC 8200 4.2).
  inject(eth(peer_mac, group_mac(all_nodes)) / ipv6(peer6, all_nodes) /
         destination_options(tlv(option_11, hex("0000"))) / icmpv6_echo_request(1, 1));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_option_discard) == 2u);
  BOOST_TEST(icmp6().suppressed == 1u);
}

BOOST_FIXTURE_TEST_CASE(ICMP6_2_no_error_to_the_unspecified_source, Ipv6Fixture) {
  inject(from_peer(unknown_protocol_packet(wire::Ipv6Address{}, our6)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_unknown_next_header) == 1u);
  BOOST_TEST(icmp6().suppressed == 1u);
}

// ---- ICMP6-3: the quote ---------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(ICMP6_3_error_quotes_as_much_as_fits_in_1280_bytes, Ipv6Fixture) {
  const Packet p = unknown_protocol_packet(peer6, our6, 1400);  // 1440 bytes
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].size() == 14u + 1280u);
  BOOST_TEST(expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6).hop_limit(64) /
                                      icmpv6_param_problem(1, 6, first_bytes(raw(p), 1232))));
}

BOOST_FIXTURE_TEST_CASE(ICMP6_3_short_datagram_quoted_whole_without_link_padding, Ipv6Fixture) {
  const Packet p = unknown_protocol_packet(peer6, our6, 8);
  inject(from_peer(p) / padding(30, 0xee));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_frame(out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_param_problem(1, 6, raw(p))));
}

// ---- ICMP6-4: checksum, unknown types --------------------------------------------------

BOOST_FIXTURE_TEST_CASE(ICMP6_4_bad_checksum_discarded, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / icmpv6_echo_request(1, 1, "x").bad_checksum()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_bad_checksum) == 1u);
  BOOST_TEST(stack.last_drop() == DropReason::icmp_bad_checksum);
  BOOST_TEST(icmp6().in_csum_errors == 1u);
  BOOST_TEST(icmp6().in_errors == 1u);
  BOOST_TEST(icmp6().in_echos == 0u);
  inject(from_peer(ipv6(peer6, our6) / icmpv6_echo_request(1, 1, "x")));
  BOOST_TEST(sent_ip().size() == 1u);  // control
}

BOOST_FIXTURE_TEST_CASE(ICMP6_4_checksum_covers_the_pseudo_header, Ipv6Fixture) {
  // The checksum is right for a datagram to other6; the header says our6.
  inject(from_peer(ipv6(peer6, other6).patch(24, address_bytes(our6)) / icmpv6_echo_request(1, 1, "x")));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_bad_checksum) == 1u);
}

BOOST_FIXTURE_TEST_CASE(ICMP6_4_unknown_informational_type_ignored, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / icmpv6_raw(200, 0, hex("00000000"))));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_unknown_type) == 1u);
  BOOST_TEST(icmp6().in_msgs == 1u);
  BOOST_TEST(icmp6().in_errors == 0u);
}

BOOST_FIXTURE_TEST_CASE(ICMP6_4_unknown_error_type_passed_to_the_upper_layer, Ipv6Fixture) {
  // RFC 4443 2.4 (d).
  const auto quoted = raw(our_udp_datagram());
  std::vector<std::byte> body = hex("0000002a");
  body.insert(body.end(), quoted.begin(), quoted.end());
  inject(from_peer(ipv6(peer6, our6) / icmpv6_raw(100, 3, body)));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST_REQUIRE(transport.errors.size() == 1u);
  const auto& r = transport.errors[0].report;
  BOOST_TEST(r.ipv6);
  BOOST_TEST(r.type == 100u);
  BOOST_TEST(r.code == 3u);
  BOOST_TEST(r.info == 42u);
  BOOST_TEST(r.protocol == udp_protocol);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(ICMP6_4_truncated_message_discarded, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6).next_header(58) / payload(hex("8000"))));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_malformed) == 1u);
  BOOST_TEST(icmp6().in_errors == 1u);
}

// ---- ICMP6-5: rate limit -----------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(ICMP6_5_errors_rate_limited_by_a_token_bucket, RateLimited) {
  for (int i = 0; i < 5; ++i) inject(from_peer(unknown_protocol_packet(peer6, our6)));
  BOOST_TEST(sent_ip().size() == 3u);
  BOOST_TEST(icmp6().out_parm_probs == 3u);
  BOOST_TEST(icmp6().out_rate_limited == 2u);
  BOOST_TEST(stack.drops(DropReason::ipv6_unknown_next_header) == 5u);
  advance(Duration::milliseconds(1000));  // one token back
  inject(from_peer(unknown_protocol_packet(peer6, our6)));
  inject(from_peer(unknown_protocol_packet(peer6, our6)));
  BOOST_TEST(sent_ip().size() == 1u);
  BOOST_TEST(icmp6().out_rate_limited == 3u);
}

BOOST_FIXTURE_TEST_CASE(ICMP6_5_echo_replies_are_not_rate_limited, RateLimited) {
  for (std::uint16_t i = 0; i < 10; ++i) inject(from_peer(ipv6(peer6, our6) / icmpv6_echo_request(1, i)));
  BOOST_TEST(sent_ip().size() == 10u);
  BOOST_TEST(icmp6().out_rate_limited == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- Errors received: handed to the transport -------------------------------------------

BOOST_AUTO_TEST_SUITE(ICMP6_ERRORS_IN)

BOOST_FIXTURE_TEST_CASE(port_unreachable_reported_to_the_transport, Ipv6Fixture) {
  const auto quoted = raw(our_udp_datagram());
  inject(from_peer(ipv6(peer6, our6) / icmpv6_dest_unreachable(4, quoted)));
  BOOST_TEST_REQUIRE(transport.errors.size() == 1u);
  const auto& e = transport.errors[0];
  BOOST_TEST(e.report.type == 1u);
  BOOST_TEST(e.report.code == 4u);
  BOOST_TEST(e.report.info == 0u);
  BOOST_TEST(e.report.interface == eth0);
  BOOST_TEST(e.report.reporter_v6 == peer6);
  BOOST_TEST(e.report.quoted_source_v6 == our6);
  BOOST_TEST(e.report.quoted_destination_v6 == peer6);
  BOOST_TEST(e.report.protocol == udp_protocol);
  BOOST_TEST(to_hex(e.quoted_transport) == to_hex(std::span(quoted).subspan(40)));
  BOOST_TEST(icmp6().in_dest_unreachs == 1u);
}

BOOST_FIXTURE_TEST_CASE(packet_too_big_reports_the_mtu, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) / icmpv6_packet_too_big(1400, raw(our_udp_datagram()))));
  BOOST_TEST_REQUIRE(transport.errors.size() == 1u);
  BOOST_TEST(transport.errors[0].report.type == 2u);
  BOOST_TEST(transport.errors[0].report.info == 1400u);
  BOOST_TEST(icmp6().in_pkt_too_bigs == 1u);
}

BOOST_FIXTURE_TEST_CASE(error_quoting_a_datagram_not_ours_dropped, Ipv6Fixture) {
  inject(from_peer(ipv6(peer6, our6) /
                   icmpv6_dest_unreachable(4, raw(ipv6(other6, peer6) / udp(5000, 53) / payload("x")))));
  BOOST_TEST(transport.errors.empty());
  BOOST_TEST(stack.drops(DropReason::icmp_malformed) == 1u);
}

BOOST_FIXTURE_TEST_CASE(error_quoting_less_than_the_transport_header_dropped, Ipv6Fixture) {
  const auto quoted = raw(our_udp_datagram());
  inject(from_peer(ipv6(peer6, our6) / icmpv6_dest_unreachable(4, first_bytes(quoted, 44))));
  BOOST_TEST(transport.errors.empty());
  BOOST_TEST(stack.drops(DropReason::icmp_malformed) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- ND-1: neighbour solicitation and advertisement -----------------------------------------

BOOST_AUTO_TEST_SUITE(ND)

namespace {
// A neighbour's solicitation for `target`, multicast to its solicited-node group.
Packet ns_from(const wire::MacAddress& mac, const wire::Ipv6Address& src, const wire::Ipv6Address& target) {
  const auto group = solicited_node_of(target);
  return eth(mac, group_mac(group)) / ipv6(src, group).hop_limit(255) / nd_ns(target).options(slla(mac));
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(ND_1_multicast_ns_for_our_address_answered_with_solicited_override_na, Ipv6Fixture) {
  inject(ns_from(third_mac, third6, our6));
  const auto out = sent();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], eth(our_mac, third_mac) / ipv6(our6, third6).hop_limit(255) /
                                      nd_na(our6).solicited().override_flag().options(tlla(our_mac))));
  // RFC 4861 7.2.3: the sender is learnt from its source link-layer option.
  const auto entry = stack.nd_entry(eth0, third6);
  BOOST_TEST_REQUIRE(entry.has_value());
  BOOST_TEST(entry->mac == third_mac);
  BOOST_TEST(entry->state != net::NeighborState::incomplete);
  BOOST_TEST(icmp6().in_neighbor_solicits == 1u);
  BOOST_TEST(icmp6().out_neighbor_advertisements == 1u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(ND_1_unicast_ns_answered_without_target_link_layer_option, Ipv6Fixture) {
  // LINUX ndisc_recv_ns: a unicast (NUD) probe gets S=1, O=0 and no option.
  inject(from_peer(ipv6(peer6, our6).hop_limit(255) / nd_ns(our6).options(slla(peer_mac))));
  const auto out = sent();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(
      out[0], eth(our_mac, peer_mac) / ipv6(our6, peer6).hop_limit(255) / nd_na(our6).solicited()));
}

BOOST_FIXTURE_TEST_CASE(ND_1_dad_probe_answered_to_all_nodes, Ipv6Fixture) {
  // RFC 4861 7.2.4: unspecified source -> NA to ff02::1, S=0, O=1, option included.
  const auto group = solicited_node_of(our6);
  inject(eth(third_mac, group_mac(group)) / ipv6(wire::Ipv6Address{}, group).hop_limit(255) / nd_ns(our6));
  const auto out = sent();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], eth(our_mac, group_mac(all_nodes)) / ipv6(our6, all_nodes).hop_limit(255) /
                                      nd_na(our6).override_flag().options(tlla(our_mac))));
  BOOST_TEST(!stack.nd_entry(eth0, wire::Ipv6Address{}).has_value());
}

BOOST_FIXTURE_TEST_CASE(ND_1_ns_with_hop_limit_not_255_discarded, Ipv6Fixture) {
  const auto group = solicited_node_of(our6);
  inject(eth(third_mac, group_mac(group)) / ipv6(third6, group).hop_limit(254) /
         nd_ns(our6).options(slla(third_mac)));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_bad_hop_limit) == 1u);
  BOOST_TEST(stack.last_drop() == DropReason::nd_bad_hop_limit);
  BOOST_TEST(!stack.nd_entry(eth0, third6).has_value());
  inject(ns_from(third_mac, third6, our6));  // control
  BOOST_TEST(sent().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(ND_1_option_of_length_zero_discards_the_whole_message, Ipv6Fixture) {
  // The source link-layer option is valid, the one after it has length 0.
  const auto group = solicited_node_of(our6);
  inject(eth(third_mac, group_mac(group)) / ipv6(third6, group).hop_limit(255) /
         nd_ns(our6).options(slla(third_mac)).raw_options(hex("0e00000000000000")));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_bad_option) == 1u);
  BOOST_TEST(!stack.nd_entry(eth0, third6).has_value());  // nothing learnt from it
  inject(ns_from(third_mac, third6, our6));               // control
  BOOST_TEST(sent().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(ND_1_option_running_past_the_message_discards_it, Ipv6Fixture) {
  // Length 2 (16 bytes) with 8 present.
  const auto group = solicited_node_of(our6);
  inject(eth(third_mac, group_mac(group)) / ipv6(third6, group).hop_limit(255) /
         nd_ns(our6).raw_options(hex("0102020000000003")));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_bad_option) == 1u);
  BOOST_TEST(!stack.nd_entry(eth0, third6).has_value());
}

BOOST_FIXTURE_TEST_CASE(ND_1_ns_for_an_address_not_ours_not_answered, Ipv6Fixture) {
  inject(ns_from(third_mac, third6, other6));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_not_for_us) == 1u);
}

BOOST_FIXTURE_TEST_CASE(ND_1_ns_for_a_multicast_target_discarded, Ipv6Fixture) {
  const auto group = solicited_node_of(our6);
  inject(eth(third_mac, group_mac(group)) / ipv6(third6, group).hop_limit(255) / nd_ns(all_nodes));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_malformed) == 1u);
}

BOOST_FIXTURE_TEST_CASE(ND_1_ns_with_code_not_zero_discarded, Ipv6Fixture) {
  const auto group = solicited_node_of(our6);
  inject(eth(third_mac, group_mac(group)) / ipv6(third6, group).hop_limit(255) /
         nd_ns(our6).options(slla(third_mac)).code(1));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_malformed) == 1u);
  BOOST_TEST(!stack.nd_entry(eth0, third6).has_value());
}

BOOST_FIXTURE_TEST_CASE(ND_1_dad_probe_not_to_the_solicited_node_group_discarded, Ipv6Fixture) {
  // RFC 4861 7.1.1: unspecified source -> solicited-node destination, no SLLA.
  inject(eth(third_mac, group_mac(all_nodes)) / ipv6(wire::Ipv6Address{}, all_nodes).hop_limit(255) /
         nd_ns(our6));
  const auto group = solicited_node_of(our6);
  inject(eth(third_mac, group_mac(group)) / ipv6(wire::Ipv6Address{}, group).hop_limit(255) /
         nd_ns(our6).options(slla(third_mac)));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_malformed) == 2u);
}

BOOST_FIXTURE_TEST_CASE(ND_1_resolution_sends_ns_and_the_na_releases_the_queued_reply, Ipv6Fixture) {
  // An echo from a neighbour we do not know: the reply waits for resolution.
  inject(eth(third_mac, our_mac) / ipv6(third6, our6) / icmpv6_echo_request(5, 6, "who"));
  auto out = sent();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  const auto group = solicited_node_of(third6);
  // RFC 4861 7.2.2: from the queued packet's source, with our link-layer address.
  BOOST_TEST(expect_frame(out[0], eth(our_mac, group_mac(group)) / ipv6(our6, group).hop_limit(255) /
                                      nd_ns(third6).options(slla(our_mac))));
  BOOST_TEST(stack.nd_entry(eth0, third6)->state == net::NeighborState::incomplete);
  inject(eth(third_mac, our_mac) / ipv6(third6, our6).hop_limit(255) /
         nd_na(third6).solicited().override_flag().options(tlla(third_mac)));
  out = sent();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_frame(out[0], eth(our_mac, third_mac) / ipv6(our6, third6) / icmpv6_echo_reply(5, 6, "who")));
  BOOST_TEST(stack.nd_entry(eth0, third6)->state == net::NeighborState::reachable);
  BOOST_TEST(icmp6().out_neighbor_solicits == 1u);
  BOOST_TEST(icmp6().in_neighbor_advertisements == 1u);
}

BOOST_FIXTURE_TEST_CASE(ND_1_solicited_na_to_a_group_discarded, Ipv6Fixture) {
  inject(eth(third_mac, our_mac) / ipv6(third6, our6) / icmpv6_echo_request(5, 6, "who"));
  (void)sent();
  // RFC 4861 7.1.2: S must be 0 when the destination is multicast.
  inject(eth(third_mac, group_mac(all_nodes)) / ipv6(third6, all_nodes).hop_limit(255) /
         nd_na(third6).solicited().override_flag().options(tlla(third_mac)));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_malformed) == 1u);
  BOOST_TEST(stack.nd_entry(eth0, third6)->state == net::NeighborState::incomplete);
  // Control: unsolicited (S=0) to all nodes is taken.
  inject(eth(third_mac, group_mac(all_nodes)) / ipv6(third6, all_nodes).hop_limit(255) /
         nd_na(third6).override_flag().options(tlla(third_mac)));
  BOOST_TEST(sent().size() == 1u);
  BOOST_TEST(stack.nd_entry(eth0, third6)->mac == third_mac);
}

BOOST_FIXTURE_TEST_CASE(ND_1_na_with_hop_limit_not_255_discarded, Ipv6Fixture) {
  inject(eth(third_mac, our_mac) / ipv6(third6, our6) / icmpv6_echo_request(5, 6, "who"));
  (void)sent();
  inject(eth(third_mac, our_mac) / ipv6(third6, our6).hop_limit(64) /
         nd_na(third6).solicited().override_flag().options(tlla(third_mac)));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_bad_hop_limit) == 1u);
  BOOST_TEST(stack.nd_entry(eth0, third6)->state == net::NeighborState::incomplete);
}

BOOST_FIXTURE_TEST_CASE(ND_1_override_na_changes_a_known_address, Ipv6Fixture) {
  const wire::MacAddress moved{{0x02, 0, 0, 0, 0, 0x22}};
  // O=0 with another address: the reachable entry only goes stale (RFC 4861 7.2.5).
  inject(from_peer(ipv6(peer6, our6).hop_limit(255) / nd_na(peer6).options(tlla(moved))));
  BOOST_TEST(stack.nd_entry(eth0, peer6)->mac == peer_mac);
  BOOST_TEST(stack.nd_entry(eth0, peer6)->state == net::NeighborState::stale);
  inject(from_peer(ipv6(peer6, our6).hop_limit(255) / nd_na(peer6).override_flag().options(tlla(moved))));
  BOOST_TEST(stack.nd_entry(eth0, peer6)->mac == moved);
}

BOOST_FIXTURE_TEST_CASE(ND_1_unanswered_resolution_reports_address_unreachable, Ipv6Fixture) {
  // Our UDP datagram to a neighbour that never answers: after 3 solicitations
  // one second apart (RFC 4861 7.3.3) the transport hears of it, as Linux
  // reports it: ICMPv6 address unreachable through loopback.
  net::Ipv6SendParams p;
  p.destination = third6;
  p.next_header = udp_protocol;
  const auto dgram = raw(udp(5000, 53) / payload("q"));
  BOOST_TEST(stack.send_ipv6(p, dgram, clock.now()).has_value());
  run_for(Duration::seconds(5));
  std::size_t solicitations = 0;
  for (const auto& f : sent())
    if (expect_ipv6(f, icmpv6(neighbor_solicitation(target(third6))))) ++solicitations;
  BOOST_TEST(solicitations == 3u);
  BOOST_TEST(stack.drops(DropReason::neighbor_unreachable) == 1u);
  BOOST_TEST_REQUIRE(transport.errors.size() == 1u);
  const auto& r = transport.errors[0].report;
  BOOST_TEST(r.type == 1u);
  BOOST_TEST(r.code == 3u);
  BOOST_TEST(r.quoted_source_v6 == our6);
  BOOST_TEST(r.quoted_destination_v6 == third6);
  BOOST_TEST(icmp6().out_dest_unreachs == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

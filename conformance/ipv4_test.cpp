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

BOOST_FIXTURE_TEST_CASE(V4_HDR_4_loopback_addresses_stay_on_loopback, Ipv4Fixture) {
  // Sent by this host to 127/8 or to its own address: through loopback,
  // from 127.0.0.1 / that address, and accepted there.
  net::Ipv4SendParams p;
  p.protocol = udp_protocol;
  const auto data = hex("0001 0002 0009 0000 41");
  for (const auto to : {wire::Ipv4Address{{127, 0, 0, 1}}, wire::Ipv4Address{{127, 9, 9, 9}}, our4}) {
    p.destination = to;
    BOOST_TEST_REQUIRE(stack.send_ipv4(p, data, clock.now()).has_value());
  }
  BOOST_TEST(sent().empty());  // nothing on the Ethernet link
  stack.poll(clock.now());
  BOOST_TEST_REQUIRE(udp_stub.ipv4.size() == 3u);
  BOOST_TEST(udp_stub.ipv4[0].meta.interface == net::loopback_interface);
  BOOST_TEST(udp_stub.ipv4[0].meta.source == (wire::Ipv4Address{{127, 0, 0, 1}}));
  BOOST_TEST(udp_stub.ipv4[1].meta.source == (wire::Ipv4Address{{127, 0, 0, 1}}));
  BOOST_TEST(udp_stub.ipv4[1].meta.destination == (wire::Ipv4Address{{127, 9, 9, 9}}));
  BOOST_TEST(udp_stub.ipv4[2].meta.source == our4);
  BOOST_TEST(udp_stub.ipv4[2].meta.interface == net::loopback_interface);
  BOOST_TEST((udp_stub.ipv4[2].payload == data));
  BOOST_TEST(new_drops() == 0u);
  // A source from 127/8 towards the link is refused (LINUX: EINVAL).
  p.destination = peer4;
  p.source = wire::Ipv4Address{{127, 0, 0, 1}};
  const auto r = stack.send_ipv4(p, data, clock.now());
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error() == EINVAL);
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

namespace {

// A datagram whose options area is `area` gets parameter problem code 0
// pointing at `pointer`, quoting it whole, and is not delivered.
void expect_param_problem(Ipv4Fixture& t, const std::vector<std::byte>& area, std::uint8_t pointer_value) {
  const auto drops_before = t.stack.drops(DropReason::ipv4_bad_options);
  const auto hdr_errors_before = t.stack.stats().ipv4.in_hdr_errors;
  const auto offending =
      raw(ipv4(peer4, our4).identification(0x0bad).raw_options(area) / udp(1, 2) / payload("x"));
  t.inject(t.from_peer(ipv4(peer4, our4).identification(0x0bad).raw_options(area)) / udp(1, 2) /
           payload("x"));
  const auto out = t.sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u, "options " << to_hex(area));
  BOOST_TEST(expect_ipv4(out[0], src(our4), dst(peer4), ttl(64), ihl(5),
                         icmp(param_problem(code(0), pointer(pointer_value), quote(offending)))),
             "options " << to_hex(area));
  BOOST_TEST(t.stack.drops(DropReason::ipv4_bad_options) == drops_before + 1);
  BOOST_TEST(t.stack.last_drop() == DropReason::ipv4_bad_options);
  BOOST_TEST(t.stack.stats().ipv4.in_hdr_errors == hdr_errors_before + 1);
  BOOST_TEST(t.udp_stub.ipv4.empty());
}

// A datagram whose options area is `area` reaches the UDP stub; returns the options it was handed.
std::vector<std::byte> delivered_options(Ipv4Fixture& t, const std::vector<std::byte>& area) {
  const auto before = t.udp_stub.ipv4.size();
  t.inject(t.from_peer(ipv4(peer4, our4).raw_options(area)) / udp(1, 2) / payload("x"));
  BOOST_TEST_REQUIRE(t.udp_stub.ipv4.size() == before + 1, "options " << to_hex(area));
  BOOST_TEST(t.sent_ip().empty());
  return t.udp_stub.ipv4.back().options;
}

std::vector<std::byte> be32(std::uint32_t v) {
  return {std::byte(v >> 24), std::byte((v >> 16) & 0xff), std::byte((v >> 8) & 0xff), std::byte(v & 0xff)};
}

std::vector<std::byte> concat(std::initializer_list<std::vector<std::byte>> parts) {
  std::vector<std::byte> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The RFC 791 timestamp the stack writes at virtual time `now`.
std::uint32_t timestamp_at(net::Instant now) {
  return static_cast<std::uint32_t>((now.ns() / 1'000'000) % 86'400'000) | 0x8000'0000u;
}

struct SourceRouteFixture : Ipv4Fixture {
  SourceRouteFixture()
      : Ipv4Fixture(with_config([](net::StackConfig& c) { c.accept_source_route = true; })) {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(V4_OPT)

BOOST_FIXTURE_TEST_CASE(V4_OPT_1_bad_length_param_problem_at_type_byte, Ipv4Fixture) {
  // LINUX ip_options_compile: a length byte that is missing, below 2 or past
  // the area points at the option's type byte.
  expect_param_problem(*this, hex("88 01 00 00"), 20);              // length 1
  expect_param_problem(*this, hex("01 88 00 00"), 21);              // length 0
  expect_param_problem(*this, hex("01 01 01 44"), 23);              // no length byte left
  expect_param_problem(*this, hex("44 09 05 00"), 20);              // runs past the area
  expect_param_problem(*this, hex("01 07 08 04 00 00 00 00"), 21);  // RR of 8 in the 7 left
  BOOST_TEST(stack.stats().icmp.out_parm_probs == 5u);
  BOOST_TEST(udp_delivered());
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_1_eol_ends_the_list_nop_is_one_byte, Ipv4Fixture) {
  // After EOL, whatever follows is padding (never parsed as options).
  BOOST_TEST((delivered_options(*this, hex("00 88 01 ff")) == hex("00 88 01 ff")));
  BOOST_TEST((delivered_options(*this, hex("01 01 01 00")) == hex("01 01 01 00")));
  BOOST_TEST((delivered_options(*this, hex("01 94 04 00 00 00 00 00")) == hex("01 94 04 00 00 00 00 00")));
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_1_other_field_errors_point_at_the_field, Ipv4Fixture) {
  expect_param_problem(*this, hex("07 07 03 00 00 00 00 00"), 22);  // RR pointer below 4: the pointer
  expect_param_problem(*this, hex("44 08 05 02 00 00 00 00"), 23);  // TS flag 2: the flags byte
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_2_unknown_options_skipped_by_length, Ipv4Fixture) {
  // Unassigned kinds, copied or not, and security / stream ID (RFC 6814 obsolete).
  BOOST_TEST((delivered_options(*this, hex("99 04 ab cd 1e 02 01 00")) == hex("99 04 ab cd 1e 02 01 00")));
  BOOST_TEST((delivered_options(*this, hex("88 04 12 34")) == hex("88 04 12 34")));
  BOOST_TEST((delivered_options(*this, hex("82 0b 00 00 00 00 00 00 00 00 00 00")) ==
              hex("82 0b 00 00 00 00 00 00 00 00 00 00")));
  BOOST_TEST(new_drops() == 0u);
  BOOST_TEST(stack.stats().ipv4.in_delivers == 3u);
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_3_record_route_length_and_pointer_checked, Ipv4Fixture) {
  expect_param_problem(*this, hex("07 02 00 00"), 21);              // length 2: the length byte
  expect_param_problem(*this, hex("07 07 00 00 00 00 00 00"), 22);  // pointer 0
  expect_param_problem(*this, hex("07 07 05 00 00 00 00 00"), 22);  // pointer leaves no whole slot
  expect_param_problem(*this, hex("07 07 04 00 00 00 00 07 03 04 00"),
                       27);  // a second RR (LINUX: its type byte)
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_3_record_route_records_this_host, Ipv4Fixture) {
  // RFC 791 / LINUX: a host that receives a datagram with room records its address.
  const auto area = hex("07 0b 04 00000000 00000000 00");
  BOOST_TEST(
      (delivered_options(*this, area) == concat({hex("07 0b 08"), be32(our4.to_u32()), hex("00000000 00")})));
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_3_full_record_route_passed_unchanged, Ipv4Fixture) {
  const auto full = hex("07 07 08 c6336407 00");  // one slot, recorded; pointer past the end
  BOOST_TEST((delivered_options(*this, full) == full));
  // An echo reply carries it back as it is (RFC 1122 3.2.2.6).
  inject(from_peer(ipv4(peer4, our4).raw_options(full)) / icmp_echo_request(1, 1));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], ihl(7), field("options", to_hex(full)), icmp(echo_reply(identifier(1)))));
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_3_echo_reply_records_the_route_back, Ipv4Fixture) {
  // ping -R: the peer recorded itself; we record on the way in and on the
  // way out (LINUX ip_options_compile, then ip_options_echo + ip_options_build).
  const auto area = concat({hex("07 0f 08"), be32(peer4.to_u32()), hex("00000000 00000000 00")});
  inject(from_peer(ipv4(peer4, our4).raw_options(area)) / icmp_echo_request(2, 3, "rr"));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  const auto expected =
      concat({hex("07 0f 10"), be32(peer4.to_u32()), be32(our4.to_u32()), be32(our4.to_u32()), hex("00")});
  BOOST_TEST(expect_ipv4(out[0], src(our4), dst(peer4), ihl(9), field("options", to_hex(expected)),
                         icmp(echo_reply(identifier(2), sequence(3), payload("rr")))));
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_4_timestamp_length_pointer_flag_checked, Ipv4Fixture) {
  expect_param_problem(*this, hex("44 03 05 00"), 21);              // length 3
  expect_param_problem(*this, hex("44 08 04 00 00 00 00 00"), 22);  // pointer 4
  expect_param_problem(*this, hex("44 08 07 00 00 00 00 00"), 22);  // no whole slot left
  expect_param_problem(*this, hex("44 08 05 01 00 00 00 00"), 22);  // flag 1: no 8-byte slot
  expect_param_problem(*this, hex("44 08 05 0f 00 00 00 00"), 23);  // flag 15
  expect_param_problem(*this, hex("44 08 09 f0 00 00 00 01"), 23);  // full, overflow at 15
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_4_full_timestamp_increments_overflow, Ipv4Fixture) {
  BOOST_TEST((delivered_options(*this, hex("44 08 09 20 00000001")) == hex("44 08 09 30 00000001")));
  BOOST_TEST((delivered_options(*this, hex("44 0c 0d e1 c0000202 00000001")) ==
              hex("44 0c 0d f1 c0000202 00000001")));
  // LINUX: a full prespecified list is left alone, even at 15.
  BOOST_TEST((delivered_options(*this, hex("44 0c 0d f3 c0000202 00000001")) ==
              hex("44 0c 0d f3 c0000202 00000001")));
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_4_timestamps_recorded_as_the_flag_says, Ipv4Fixture) {
  advance(net::Duration::milliseconds(1234));
  const auto ts = be32(timestamp_at(clock.now()));
  const auto us = be32(our4.to_u32());
  const auto zero = be32(0);
  // Timestamps only; with addresses; prespecified (ours, then someone else's).
  BOOST_TEST((delivered_options(*this, concat({hex("44 0c 05 00"), zero, zero})) ==
              concat({hex("44 0c 09 00"), ts, zero})));
  BOOST_TEST((delivered_options(*this, concat({hex("44 0c 05 01"), zero, zero})) ==
              concat({hex("44 0c 0d 01"), us, ts})));
  const auto other = be32(other4.to_u32());
  BOOST_TEST((delivered_options(*this, concat({hex("44 14 05 03"), us, zero, other, zero})) ==
              concat({hex("44 14 0d 03"), us, ts, other, zero})));
  BOOST_TEST((delivered_options(*this, concat({hex("44 14 05 03"), other, zero, us, zero})) ==
              concat({hex("44 14 05 03"), other, zero, us, zero})));
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_5_source_routed_datagram_dropped_by_default, Ipv4Fixture) {
  // LINUX accept_source_route = 0: dropped whether hops are left or not.
  for (const auto& area :
       {hex("83 07 04 c0000201 00"), hex("89 07 04 c0000201 00"), hex("83 07 08 c0000201 00")}) {
    inject(from_peer(ipv4(peer4, our4).raw_options(area)) / udp(1, 2));
  }
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(udp_stub.ipv4.empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_source_route) == 3u);
  BOOST_TEST(stack.last_drop() == DropReason::ipv4_source_route);
  BOOST_TEST(stack.stats().ipv4.in_discards == 3u);
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
  BOOST_TEST(udp_delivered());
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_5_source_route_length_pointer_and_count_checked, Ipv4Fixture) {
  expect_param_problem(*this, hex("83 02 00 00"), 21);                    // length 2
  expect_param_problem(*this, hex("89 07 03 c0000201 00"), 22);           // pointer 3
  expect_param_problem(*this, hex("83 07 04 c0000201 83 03 04 00"), 27);  // a second source route
  BOOST_TEST(stack.drops(DropReason::ipv4_source_route) == 0u);
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_5_source_route_accepted_when_enabled, SourceRouteFixture) {
  // The route is complete: delivered. Hops left: a host does not forward.
  const auto done = hex("83 07 08 c0000201 00");
  BOOST_TEST((delivered_options(*this, done) == done));
  inject(from_peer(ipv4(peer4, our4).raw_options(hex("83 07 04 c6336407 00"))) / udp(1, 2));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_not_for_us) == 1u);
  BOOST_TEST(stack.drops(DropReason::ipv4_source_route) == 0u);
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_6_router_alert_length_is_4, Ipv4Fixture) {
  expect_param_problem(*this, hex("94 03 00 00"), 21);
  expect_param_problem(*this, hex("94 02 00 00"), 21);
  expect_param_problem(*this, hex("94 06 00 00 00 00 00 00"), 21);
  BOOST_TEST((delivered_options(*this, hex("94 04 00 00")) == hex("94 04 00 00")));
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_7_output_options_validated_and_padded, Ipv4Fixture) {
  net::Ipv4SendParams p;
  p.destination = peer4;
  p.protocol = 253;
  const auto data = std::vector<std::byte>(10, std::byte{0x5a});
  // RR with one slot: 7 bytes, padded with EOL to 8; this host recorded at output (LINUX ip_options_build).
  const auto rr = hex("07 07 04 00000000");
  p.options = rr;
  BOOST_TEST_REQUIRE(stack.send_ipv4(p, data, clock.now()).has_value());
  auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_ipv4(out[0], src(our4), dst(peer4), ihl(7), total_length(38),
                  field("options", to_hex(concat({hex("07 07 08"), be32(our4.to_u32()), hex("00")})))));
  // Refused with EINVAL: more than 40 bytes; a bad length; a second RR.
  const std::vector<std::byte> too_long(41, std::byte{1});
  for (const auto& bad : {too_long, hex("07 01"), hex("44 09 05 00"), hex("07 03 04 07 03 04")}) {
    p.options = bad;
    const auto r = stack.send_ipv4(p, data, clock.now());
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error() == EINVAL);
  }
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.stats().ipv4.out_requests == 1u);
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_7_only_copied_options_in_later_fragments, Ipv4Fixture) {
  // RR (copied flag clear) and Router Alert (set): 12 bytes of options.
  net::Ipv4SendParams p;
  p.destination = peer4;
  p.protocol = 253;
  const auto options = hex("07 07 04 00000000 94 04 00 00 00");
  p.options = options;
  p.pmtu = net::PmtuDiscovery::dont;
  const std::vector<std::byte> data(3000, std::byte{0x11});
  const auto sent = stack.send_ipv4(p, data, clock.now());
  BOOST_TEST_REQUIRE(sent.has_value());
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  const auto first_options = concat({hex("07 07 08"), be32(our4.to_u32()), hex("94 04 00 00 00")});
  // 1500 - 32 = 1468, down to 1464; then 1500 - 24 = 1476, down to 1472.
  BOOST_TEST(expect_ipv4(out[0], ihl(8), total_length(32 + 1464), more_fragments(true), fragment_offset(0),
                         field("options", to_hex(first_options))));
  BOOST_TEST(expect_ipv4(out[1], ihl(6), total_length(24 + 1472), more_fragments(true), fragment_offset(183),
                         field("options", to_hex(hex("94 04 00 00")))));
  BOOST_TEST(expect_ipv4(out[2], ihl(6), total_length(24 + 64), more_fragments(false), fragment_offset(367),
                         field("options", to_hex(hex("94 04 00 00")))));
}

BOOST_FIXTURE_TEST_CASE(V4_OPT_7_source_route_goes_to_its_first_hop, Ipv4Fixture) {
  // LINUX: the socket lists the hops; the datagram goes to the first, the
  // option carries the rest and then the final destination.
  net::Ipv4SendParams p;
  p.destination = other4;
  p.protocol = 253;
  const auto loose = concat({hex("83 0b 04"), be32(peer4.to_u32()), hex("cb007105")});
  p.options = loose;
  BOOST_TEST_REQUIRE(stack.send_ipv4(p, hex("00"), clock.now()).has_value());
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(
      out[0], ethernet(dst(peer_mac)), dst(peer4), ihl(8),
      field("options", to_hex(concat({hex("83 0b 04 cb007105"), be32(other4.to_u32()), hex("00")})))));
  // A strict route whose first hop is not on-link: EHOSTUNREACH.
  BOOST_TEST_REQUIRE(stack.set_default_gateway(gateway4).has_value());
  const auto strict = concat({hex("89 07 04"), be32(other4.to_u32())});
  p.options = strict;
  const auto r = stack.send_ipv4(p, hex("00"), clock.now());
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error() == EHOSTUNREACH);
  BOOST_TEST(stack.stats().ipv4.out_no_routes == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// An echo request of `data_len` bytes of data from the peer, identification
// `id`, cut into fragments of `sizes` bytes (then the rest).
std::vector<std::vector<std::byte>> fragmented_echo(std::uint16_t id, std::size_t data_len,
                                                    const std::vector<std::size_t>& sizes) {
  return fragment_ipv4(eth(peer_mac, our_mac) / ipv4(peer4, our4).identification(id) /
                           icmp_echo_request(id, 1) / payload(data_len, 0x61),
                       sizes);
}

// Positive control for reassembly: a fragmented echo is reassembled and answered.
bool fragmented_echo_answered(Ipv4Fixture& t, std::uint16_t id = 0x600d) {
  t.inject_all(fragmented_echo(id, 100, {48}));
  const auto out = t.sent_ip();
  return out.size() == 1 &&
         static_cast<bool>(expect_ipv4(out[0], icmp(echo_reply(identifier(id), payload(100, 0x61)))));
}

struct SmallReassemblyFixture : Ipv4Fixture {
  SmallReassemblyFixture()
      : Ipv4Fixture(with_config([](net::StackConfig& c) {
          c.reassembly_v4.memory_cap = 64 * 1024;
          c.reassembly_v4.max_fragments_per_datagram = 8;
        })) {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(V4_FRAG)

BOOST_FIXTURE_TEST_CASE(V4_FRAG_1_reassembly_keyed_by_source_destination_protocol_id, Ipv4Fixture) {
  // Same identification, three datagrams: ICMP and UDP from the peer, UDP from
  // another host. Interleaved, each comes out whole.
  const wire::Ipv4Address third{{192, 0, 2, 3}};
  const auto echo = fragmented_echo(7, 64, {24});
  const auto udp_a =
      fragment_ipv4(from_peer(ipv4(peer4, our4).identification(7)) / udp(1, 2) / payload(40, 0xa1), {16});
  const auto udp_b = fragment_ipv4(
      eth(peer_mac, our_mac) / ipv4(third, our4).identification(7) / udp(1, 2) / payload(40, 0xb2), {16});
  inject_all({echo[0], udp_a[0], udp_b[0], udp_b[1], udp_a[1], echo[1]});
  BOOST_TEST_REQUIRE(udp_stub.ipv4.size() == 2u);
  BOOST_TEST(udp_stub.ipv4[0].meta.source == third);
  BOOST_TEST(udp_stub.ipv4[0].payload.size() == 48u);
  BOOST_TEST(udp_stub.ipv4[1].meta.source == peer4);
  BOOST_TEST(std::to_integer<int>(udp_stub.ipv4[1].payload[8]) == 0xa1);
  BOOST_TEST(std::to_integer<int>(udp_stub.ipv4[0].payload[8]) == 0xb2);
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], icmp(echo_reply(identifier(7), payload(64, 0x61)))));
  const auto& r = stack.reassembly_v4_counters();
  BOOST_TEST(r.reasm_reqds == 6u);
  BOOST_TEST(r.reasm_oks == 3u);
  BOOST_TEST(r.reasm_fails == 0u);
  BOOST_TEST(stack.stats().ipv4.in_delivers == 3u);
  BOOST_TEST(stack.stats().ipv4.in_receives == 6u);
  BOOST_TEST(new_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_2_past_65535_discards_the_datagram, Ipv4Fixture) {
  // Ping of death: a first fragment, then one at offset 65520 with 24 bytes
  // (20 + 65520 + 24 > 65535).
  inject(from_peer(ipv4(peer4, our4).identification(66).more_fragments()) / icmp_echo_request(66, 1) /
         payload(1472, 0x50));
  inject(from_peer(ipv4(peer4, our4).identification(66).fragment_offset(8190).protocol(1)) /
         payload(24, 0x50));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 1u);
  BOOST_TEST(stack.last_drop() == DropReason::ipv4_fragment);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_fails == 1u);
  BOOST_TEST(stack.reassembly_memory() == 0u);  // the whole datagram went
  // Nothing left to time out, so no time exceeded either.
  run_for(net::Duration::seconds(31));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_reassembly_timeout) == 0u);
  BOOST_TEST(fragmented_echo_answered(*this));
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_3_overlap_discards_the_whole_datagram, Ipv4Fixture) {
  const auto f = fragmented_echo(33, 64, {24, 24});  // data [0,24) [24,48) [48,72)
  inject(f[0]);
  // [16, 40): overlaps the first.
  inject(from_peer(ipv4(peer4, our4).identification(33).protocol(1).fragment_offset(2).more_fragments()) /
         payload(24, 0x61));
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 1u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_overlaps == 1u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
  // The rest arrives: it starts a new datagram, which never completes.
  inject(f[1]);
  inject(f[2]);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.stats().ipv4.in_delivers == 0u);
  BOOST_TEST(fragmented_echo_answered(*this));
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_3_exact_duplicate_ignored, Ipv4Fixture) {
  const auto f = fragmented_echo(34, 64, {24, 24});
  inject_all({f[0], f[1], f[1], f[0], f[2]});
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], icmp(echo_reply(identifier(34), payload(64, 0x61)))));
  BOOST_TEST(stack.reassembly_v4_counters().duplicates == 2u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_fails == 0u);
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 2u);  // each duplicate discarded, counted
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_4_non_last_fragment_not_multiple_of_8_discarded, Ipv4Fixture) {
  inject(from_peer(ipv4(peer4, our4).identification(44).more_fragments()) / icmp_echo_request(44, 1) /
         payload(12, 0x61));  // 20 bytes of data, MF set
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 1u);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 1u);  // LINUX: a header error, not ReasmFails
  BOOST_TEST(stack.reassembly_v4_counters().reasm_fails == 0u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
  BOOST_TEST(fragmented_echo_answered(*this));
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_5_timeout_sends_time_exceeded_quoting_first_fragment, Ipv4Fixture) {
  const auto f = fragmented_echo(55, 1200, {600});
  inject(f[0]);
  run_for(net::Duration::milliseconds(29'999));
  BOOST_TEST(sent_ip().empty());
  run_for(net::Duration::milliseconds(1));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  // 576 bytes at most: the first 548 of the first fragment (20 + 8 + 600 bytes).
  BOOST_TEST(expect_ipv4(out[0], src(our4), dst(peer4), ttl(64), total_length(576),
                         icmp(time_exceeded(code(1), quote(first_bytes(ip_of(f[0]), 548))))));
  BOOST_TEST(stack.drops(DropReason::ipv4_reassembly_timeout) == 1u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_timeout == 1u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_fails == 1u);
  BOOST_TEST(stack.stats().icmp.out_time_excds == 1u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
  // The rest, late: a new queue that never completes.
  inject(f[1]);
  BOOST_TEST(sent_ip().empty());
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_5_no_time_exceeded_without_first_fragment, Ipv4Fixture) {
  const auto f = fragmented_echo(56, 1200, {600});
  inject(f[1]);
  run_for(net::Duration::seconds(31));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_reassembly_timeout) == 1u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_timeout == 1u);
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
  BOOST_TEST(stack.stats().icmp.suppressed == 0u);
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_6_memory_cap_holds_under_incomplete_datagrams, SmallReassemblyFixture) {
  // 40 first fragments of 4 KiB that never complete: the cap (64 KiB) holds,
  // the oldest datagrams are evicted and counted as failures.
  for (std::uint16_t id = 1; id <= 40; ++id) {
    inject(from_peer(ipv4(peer4, our4).identification(id).more_fragments().protocol(253)) /
           payload(4096, 0x01));
    BOOST_TEST_REQUIRE(stack.reassembly_memory() <= 64u * 1024u);
  }
  const auto& r = stack.reassembly_v4_counters();
  BOOST_TEST(r.evictions > 0u);
  BOOST_TEST(r.reasm_fails == r.evictions);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(fragmented_echo_answered(*this));
  BOOST_TEST(stack.reassembly_memory() <= 64u * 1024u);
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_6_fragments_per_datagram_bounded, SmallReassemblyFixture) {
  // A datagram in 8-byte fragments: the 9th discards it (bound 8).
  for (std::uint16_t k = 0; k < 9; ++k)
    inject(from_peer(ipv4(peer4, our4)
                         .identification(99)
                         .protocol(253)
                         .fragment_offset(static_cast<std::uint16_t>(k))
                         .more_fragments()) /
           payload(8, 0x02));
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 1u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_fails == 1u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(fragmented_echo_answered(*this));
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_7_output_fragmented_with_8_byte_aligned_data, Ipv4Fixture) {
  net::Ipv4SendParams p;
  p.destination = peer4;
  p.protocol = 253;
  p.pmtu = net::PmtuDiscovery::want;
  std::vector<std::byte> data(3000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 7);
  BOOST_TEST_REQUIRE(stack.send_ipv4(p, data, clock.now()).has_value());
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  const auto id = wire::load_be16(ip_of(out[0]), 4);
  // 1480 + 1480 + 40, DF clear on every fragment (WANT fragments what does not fit).
  const std::size_t lens[] = {1480, 1480, 40};
  std::vector<std::byte> joined;
  for (std::size_t k = 0; k < 3; ++k) {
    BOOST_TEST(expect_ipv4(out[k], src(our4), dst(peer4), identification(id), dont_fragment(false),
                           more_fragments(k < 2), fragment_offset(static_cast<std::uint16_t>(k * 185)),
                           total_length(static_cast<std::uint16_t>(20 + lens[k]))));
    const auto ip = ip_of(out[k]);
    joined.insert(joined.end(), ip.begin() + 20, ip.end());
  }
  BOOST_TEST((joined == data));
  BOOST_TEST(stack.stats().ipv4.frag_oks == 1u);
  BOOST_TEST(stack.stats().ipv4.frag_creates == 3u);
  // A small one with WANT: DF set.
  BOOST_TEST_REQUIRE(stack.send_ipv4(p, std::span(data).first(100), clock.now()).has_value());
  auto small = sent_ip();
  BOOST_TEST_REQUIRE(small.size() == 1u);
  BOOST_TEST(expect_ipv4(small[0], dont_fragment(true), more_fragments(false)));
  // DONT: DF clear.
  p.pmtu = net::PmtuDiscovery::dont;
  BOOST_TEST_REQUIRE(stack.send_ipv4(p, std::span(data).first(100), clock.now()).has_value());
  small = sent_ip();
  BOOST_TEST_REQUIRE(small.size() == 1u);
  BOOST_TEST(expect_ipv4(small[0], dont_fragment(false)));
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_7_dont_fragment_too_big_is_emsgsize, Ipv4Fixture) {
  net::Ipv4SendParams p;
  p.destination = peer4;
  p.protocol = 253;
  const std::vector<std::byte> data(1481);
  for (const auto pmtu : {net::PmtuDiscovery::do_, net::PmtuDiscovery::probe}) {
    p.pmtu = pmtu;
    const auto r = stack.send_ipv4(p, data, clock.now());
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error() == EMSGSIZE);
  }
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.stats().ipv4.frag_fails == 2u);
  BOOST_TEST(stack.drops(DropReason::message_too_big) == 2u);
  // 1480 fits, with DF.
  BOOST_TEST_REQUIRE(stack.send_ipv4(p, std::span(data).first(1480), clock.now()).has_value());
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], dont_fragment(true), total_length(1500)));
  // Past 65535 in all: EMSGSIZE whatever the setting.
  p.pmtu = net::PmtuDiscovery::dont;
  const std::vector<std::byte> huge(65516);
  const auto r = stack.send_ipv4(p, huge, clock.now());
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error() == EMSGSIZE);
}

BOOST_FIXTURE_TEST_CASE(V4_FRAG_7_large_echo_reassembled_and_reply_fragmented, Ipv4Fixture) {
  inject_all(fragmented_echo(77, 4000, {1480, 1480}));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  // 4008 bytes of ICMP: 1480 + 1480 + 1048.
  BOOST_TEST(expect_ipv4(out[0], total_length(1500), more_fragments(true), fragment_offset(0),
                         dont_fragment(false)));
  BOOST_TEST(expect_ipv4(out[1], total_length(1500), more_fragments(true), fragment_offset(185)));
  BOOST_TEST(expect_ipv4(out[2], total_length(1068), more_fragments(false), fragment_offset(370)));
  BOOST_TEST(stack.reassembly_v4_counters().reasm_oks == 1u);
  BOOST_TEST(stack.stats().ipv4.frag_creates == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

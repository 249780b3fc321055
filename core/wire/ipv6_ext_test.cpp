#include "ipv6_ext.hpp"

#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {

// ICMPv6 echo request id 0x1234 seq 1 "hardstack" (17 bytes), checksum as Scapy computes it.
constexpr std::string_view echo = "8000f76b12340001 68617264737461636b";

// IPv6 header (2001:db8::1 -> 2001:db8::2, hop limit 64) with next header `nh`
// and then `payload`; the payload length is exact unless given.
std::vector<std::byte> v6(std::uint8_t nh, std::string_view payload, int plen = -1) {
  auto b = hex("60000000 0000 0040 20010db8000000000000000000000001 20010db8000000000000000000000002");
  const auto p = hex(payload);
  const std::size_t len = plen < 0 ? p.size() : static_cast<std::size_t>(plen);
  b[4] = static_cast<std::byte>(len >> 8);
  b[5] = static_cast<std::byte>(len & 0xff);
  b[6] = static_cast<std::byte>(nh);
  b.insert(b.end(), p.begin(), p.end());
  return b;
}

// A jumbogram of 40 + 65536 bytes: payload length 0, then `chain` (starting
// with the Hop-by-Hop header), then zeros.
std::vector<std::byte> jumbo_packet(std::string_view chain) {
  auto b = v6(0, chain, 0);
  b.resize(40 + 65536);
  return b;
}

Ipv6View view_of(const std::vector<std::byte>& packet) {
  auto v = Ipv6View::parse(packet);
  BOOST_REQUIRE(v);
  return *v;
}

Ipv6ExtChain walk_ok(const std::vector<std::byte>& packet, const Ipv6ExtLimits& limits = {}) {
  auto c = Ipv6ExtChain::walk(view_of(packet), limits);
  if (!c) BOOST_FAIL("walk failed: " << describe(c.error()));
  return *c;
}

ParseError walk_error(const std::vector<std::byte>& packet, const Ipv6ExtLimits& limits = {}) {
  auto c = Ipv6ExtChain::walk(view_of(packet), limits);
  BOOST_REQUIRE(!c);
  // The representation walks the same way and fails the same way.
  auto r = Ipv6ExtChainRepr::parse(view_of(packet), limits);
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error() == c.error()));
  return c.error();
}

Ipv6ExtChainRepr chain_repr(const std::vector<std::byte>& packet) {
  auto r = Ipv6ExtChainRepr::parse(view_of(packet));
  if (!r) BOOST_FAIL("chain repr failed: " << describe(r.error()));
  return *r;
}

bool equal_bytes(Bytes a, const std::vector<std::byte>& b) { return same_bytes(a, b); }

// Scapy: IPv6() / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / IPv6ExtHdrDestOpt(options=[PadN(4
// zeros)])
//        / IPv6ExtHdrSegmentRouting(addresses=["2001:db8::3"], segleft=0) / TCP(SYN)
const std::string_view three_headers =
    "60000000003c0040 20010db8000000000000000000000001 20010db8000000000000000000000002"
    "3c00050200000100 2b00010400000000 0602040000000000 20010db8000000000000000000000003"
    "9c400050000003e8000000005002200093f50000";

}  // namespace

// ---- The chain walk ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(three_extension_headers_walk_to_tcp) {
  const auto packet = hex(three_headers);
  const auto c = walk_ok(packet);
  BOOST_TEST((c.end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST((c.next_header == Ipv6NextHeader::tcp));
  BOOST_TEST(c.next_header_offset == 56u);  // the Routing header's Next Header field
  BOOST_TEST(c.end_offset == 80u);
  BOOST_TEST(c.chain_end == 80u);
  BOOST_TEST(c.chain_len() == 40u);
  BOOST_TEST(c.header_count == 3u);
  BOOST_TEST(c.router_alert.value_or(0xffff) == 0);
  BOOST_TEST(c.router_alert_offset == 42u);
  BOOST_TEST(!c.jumbo_payload_length.has_value());
  BOOST_TEST(c.routing_header_offset == 56u);
  BOOST_TEST(c.fragment_header_offset == 0u);
}

BOOST_AUTO_TEST_CASE(no_extension_headers) {
  const auto packet = v6(58, echo);
  const auto c = walk_ok(packet);
  BOOST_TEST((c.end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST((c.next_header == Ipv6NextHeader::icmpv6));
  BOOST_TEST(c.next_header_offset == 6u);
  BOOST_TEST(c.end_offset == 40u);
  BOOST_TEST(c.header_count == 0u);
  // 59 ends the walk like an upper layer; the bytes after it are not looked at.
  const auto none = v6(59, "3c00000000000000");
  BOOST_TEST((walk_ok(none).next_header == Ipv6NextHeader::no_next_header));
}

BOOST_AUTO_TEST_CASE(V6_EXT_1_hop_by_hop_not_first) {
  // Pointer: the Next Header field that named the Hop-by-Hop header.
  const auto after_dst = v6(60, "0000010400000000 3a00010400000000" + std::string(echo));
  BOOST_TEST((walk_error(after_dst) == ParseError{WireError::hop_by_hop_not_first, 40}));
  const auto after_routing = v6(43, "0000040000000000 3a00010400000000" + std::string(echo));
  BOOST_TEST((walk_error(after_routing) == ParseError{WireError::hop_by_hop_not_first, 40}));
  const auto twice = v6(0, "0000010400000000 3a00010400000000" + std::string(echo));
  BOOST_TEST((walk_error(twice) == ParseError{WireError::hop_by_hop_not_first, 40}));
  const auto third = v6(60, "3c00010400000000 0000010400000000 3a00010400000000");
  BOOST_TEST((walk_error(third) == ParseError{WireError::hop_by_hop_not_first, 48}));
}

BOOST_AUTO_TEST_CASE(V6_EXT_2_unknown_next_header_is_reported_with_its_field) {
  const auto direct = v6(253, "6578706572696d656e74");
  const auto c = walk_ok(direct);
  BOOST_TEST((c.end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST(static_cast<int>(c.next_header) == 253);
  BOOST_TEST(c.next_header_offset == 6u);
  const auto after_dst = v6(60, "8f00010400000000 756e6b6e6f776e21");
  const auto d = walk_ok(after_dst);
  BOOST_TEST(static_cast<int>(d.next_header) == 143);
  BOOST_TEST(d.next_header_offset == 40u);
  BOOST_TEST(d.end_offset == 48u);
}

BOOST_AUTO_TEST_CASE(V6_EXT_3_unknown_options_report_their_action) {
  struct Case {
    std::uint8_t type;
    TlvAction action;
  };
  for (const Case k : {Case{0x7e, TlvAction::discard}, Case{0xbe, TlvAction::discard_icmp},
                       Case{0xfe, TlvAction::discard_icmp_unless_multicast}}) {
    for (const std::uint8_t header : {std::uint8_t{0}, std::uint8_t{60}}) {
      auto packet = v6(header, "3a00000261620000" + std::string(echo));
      packet[42] = static_cast<std::byte>(k.type);
      const auto c = walk_ok(packet);
      BOOST_TEST((c.end == Ipv6ChainEnd::unknown_option));
      BOOST_TEST(static_cast<int>(c.unknown_option.type) == k.type);
      BOOST_TEST(c.unknown_option.offset == 42u);  // the code 2 pointer: the option type byte
      BOOST_TEST((c.unknown_option.action() == k.action));
      BOOST_TEST(c.end_offset == 42u);
      BOOST_TEST((c.next_header == Ipv6NextHeader::icmpv6));
      BOOST_TEST(c.next_header_offset == 40u);
      BOOST_TEST(c.chain_end == 48u);
    }
  }
  // 00: skipped, the walk goes on to the upper layer.
  const auto skip = v6(60, "3a003e0261620000" + std::string(echo));
  BOOST_TEST((walk_ok(skip).end == Ipv6ChainEnd::upper_layer));
  // A skipped one, then one to act on.
  const auto skip_then_icmp = v6(60, "3a003e00be000000" + std::string(echo));
  const auto c = walk_ok(skip_then_icmp);
  BOOST_TEST(c.unknown_option.offset == 44u);
  BOOST_TEST((c.unknown_option.action() == TlvAction::discard_icmp));
}

BOOST_AUTO_TEST_CASE(V6_EXT_3_hop_by_hop_options_are_unknown_in_destination_options) {
  // Router Alert in Destination Options: an unknown option with action 00.
  const auto ra = v6(60, "3a00050200000000" + std::string(echo));
  const auto c = walk_ok(ra);
  BOOST_TEST((c.end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST(!c.router_alert.has_value());
  // Jumbo Payload there: unknown with action 11 (as Linux's ip6_parse_tlv).
  const auto jumbo = v6(60, "3a00c20400010000" + std::string(echo));
  const auto j = walk_ok(jumbo);
  BOOST_TEST((j.end == Ipv6ChainEnd::unknown_option));
  BOOST_TEST((j.unknown_option.action() == TlvAction::discard_icmp_unless_multicast));
}

BOOST_AUTO_TEST_CASE(V6_EXT_3_walk_stops_at_an_unknown_option_before_later_errors) {
  // Linux acts on the option before it reads the bad PadN after it; the
  // representation, which keeps everything, reports the PadN.
  const auto packet = v6(60, "3a00be0001020009" + std::string(echo));
  const auto c = walk_ok(packet);
  BOOST_TEST((c.end == Ipv6ChainEnd::unknown_option));
  BOOST_TEST(c.unknown_option.offset == 42u);
  auto r = Ipv6ExtChainRepr::parse(view_of(packet));
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error() == ParseError{WireError::bad_padding, 47}));
}

BOOST_AUTO_TEST_CASE(V6_EXT_4_option_running_past_its_header) {
  const auto past = v6(60, "3a003e003e0a0000" + std::string(echo));
  BOOST_TEST((walk_error(past) == ParseError{WireError::bad_option_length, 44}));
  // A type byte as the header's last byte has no length byte.
  const auto last_byte = v6(60, "3a0001030000003e" + std::string(echo));
  BOOST_TEST((walk_error(last_byte) == ParseError{WireError::bad_option_length, 47}));
  // Exactly filling the header is fine.
  const auto exact = v6(60, "3a003e0400000000" + std::string(echo));
  BOOST_TEST((walk_ok(exact).end == Ipv6ChainEnd::upper_layer));
}

BOOST_AUTO_TEST_CASE(V6_EXT_5_padding_runs_and_padn_contents) {
  // Seven Pad1 in a row: allowed.
  const auto pad1_x7 = v6(60, "3a013e026162 00000000000000 3e0161" + std::string(echo));
  BOOST_TEST((walk_ok(pad1_x7).end == Ipv6ChainEnd::upper_layer));
  // Eight: the eighth byte is the pointer.
  const auto pad1_x14 = v6(60, "3a01 0000000000000000000000000000" + std::string(echo));
  BOOST_TEST((walk_error(pad1_x14) == ParseError{WireError::bad_padding, 49}));
  // PadN of 7 bytes: allowed.
  const auto padn_7 = v6(60, "3a013e00 01050000000000 3e03616263" + std::string(echo));
  BOOST_TEST((walk_ok(padn_7).end == Ipv6ChainEnd::upper_layer));
  // Pad1 then PadN(7): 8 in a row, pointer at the eighth byte (inside the PadN).
  const auto pad1_padn7 = v6(60, "3a01 00 01050000000000 010400000000" + std::string(echo));
  BOOST_TEST((walk_error(pad1_padn7) == ParseError{WireError::bad_padding, 49}));
  // PadN(2) then PadN(6).
  const auto padn_padn = v6(60, "3a01 0100 010400000000 3e0400000000" + std::string(echo));
  BOOST_TEST((walk_error(padn_padn) == ParseError{WireError::bad_padding, 49}));
  // Trailing padding after an option counts too.
  const auto trailing = v6(60, "3a013e00 000000000000000000000000" + std::string(echo));
  BOOST_TEST((walk_error(trailing) == ParseError{WireError::bad_padding, 51}));
  // A non-padding option ends the run.
  const auto reset = v6(60, "3a01 00000000000000 3e00 0000000000" + std::string(echo));
  BOOST_TEST((walk_ok(reset).end == Ipv6ChainEnd::upper_layer));
  // RFC 4942 2.1.9.5: PadN data is zeros; pointer at the non-zero byte.
  const auto nonzero = v6(60, "3a00010400000900" + std::string(echo));
  BOOST_TEST((walk_error(nonzero) == ParseError{WireError::bad_padding, 46}));
}

BOOST_AUTO_TEST_CASE(V6_EXT_5_options_per_header_bound) {
  const auto eight = v6(60, "3a02 3e003e003e003e003e003e003e003e00 010400000000" + std::string(echo));
  BOOST_TEST((walk_ok(eight).end == Ipv6ChainEnd::upper_layer));
  const auto nine = v6(60, "3a02 3e003e003e003e003e003e003e003e00 3e00 01020000" + std::string(echo));
  BOOST_TEST((walk_error(nine) == ParseError{WireError::too_many_options, 58}));
  // Configurable: a bound of 2 stops the third option.
  const auto three = v6(60, "3a003e003e003e00" + std::string(echo));
  Ipv6ExtLimits two;
  two.max_options_per_header = 2;
  BOOST_TEST((walk_error(three, two) == ParseError{WireError::too_many_options, 46}));
  // The bound is per header.
  const auto spread = v6(60, "3c003e003e000100 3a003e003e000100" + std::string(echo));
  BOOST_TEST((walk_ok(spread, two).end == Ipv6ChainEnd::upper_layer));
}

BOOST_AUTO_TEST_CASE(V6_EXT_6_router_alert) {
  const auto good = v6(0, "3a00050200010100" + std::string(echo));
  const auto c = walk_ok(good);
  BOOST_TEST(c.router_alert.value_or(0) == 1);
  BOOST_TEST(c.router_alert_offset == 42u);
  const auto long_ra = v6(0, "3a00050400000000" + std::string(echo));
  BOOST_TEST((walk_error(long_ra) == ParseError{WireError::bad_option_length, 42}));
  const auto short_ra = v6(0, "3a00050100 000000" + std::string(echo));
  BOOST_TEST((walk_error(short_ra) == ParseError{WireError::bad_option_length, 42}));
  // Twice: the last one wins (Linux records the last).
  const auto twice = v6(0, "3a01 05020000 05020007 010400000000" + std::string(echo));
  const auto t = walk_ok(twice);
  BOOST_TEST(t.router_alert.value_or(0) == 7);
  BOOST_TEST(t.router_alert_offset == 46u);
  // Scapy MLD report: IPv6(dst="ff02::16", hlim=1) / HopByHop([RouterAlert(0)]) / ICMPv6MLReport
  const auto mld =
      hex("6000000000200001 20010db8000000000000000000000001 ff020000000000000000000000000016"
          "3a00050200000100 830051d400000000 ff0200000000000000000001ff000001");
  const auto m = walk_ok(mld);
  BOOST_TEST(m.router_alert.value_or(0xffff) == 0);
  BOOST_TEST((m.next_header == Ipv6NextHeader::icmpv6));
  BOOST_TEST(m.end_offset == 48u);
}

BOOST_AUTO_TEST_CASE(V6_EXT_6_jumbo_payload_option) {
  const auto good = jumbo_packet("1100c20400010000");
  const auto c = walk_ok(good);
  BOOST_TEST(c.jumbo_payload_length.value_or(0) == 65536u);
  BOOST_TEST(c.jumbo_offset == 42u);
  BOOST_TEST((c.next_header == Ipv6NextHeader::udp));
  // Length 3: Linux drops silently.
  const auto len3 = v6(0, "1100c20300010000 9c40003500000000", 0);
  BOOST_TEST((walk_error(len3) == ParseError{WireError::bad_option_length, 42}));
  // Not at 4n+2: after PadN(2) it sits at 44, after Pad1 at 43.
  const auto at44 = v6(0, "1101 0100 c20400011170 010400000000 9c40003500000000", 0);
  BOOST_TEST((walk_error(at44) == ParseError{WireError::bad_option_value, 44}));
  const auto at43 = v6(0, "1101 00 c20400011170 00000000000000 9c40003500000000", 0);
  BOOST_TEST((walk_error(at43) == ParseError{WireError::bad_option_value, 43}));
  // RFC 2675 3: a value <= 65535, pointer at the Jumbo Payload Length.
  const auto small = v6(0, "1100c2040000ffff 9c40003500000000", 0);
  BOOST_TEST((walk_error(small) == ParseError{WireError::bad_option_value, 44}));
  // RFC 2675 3: Payload Length not 0, pointer at the option type.
  const auto with_length = v6(0, "1100c20400011170 9c40003500000000");
  BOOST_TEST((walk_error(with_length) == ParseError{WireError::bad_total_length, 42}));
  // RFC 2675 3: Payload Length 0 and no Jumbo option, pointer at the Payload Length.
  const auto missing = v6(0, "1100010400000000 9c40003500000000", 0);
  BOOST_TEST((walk_error(missing) == ParseError{WireError::bad_total_length, 4}));
  // RFC 2675 3: a Fragment header in a jumbogram, pointer at its first byte.
  const auto fragmented = jumbo_packet("2c00c20400010000 110000014a4a4a4a");
  BOOST_TEST((walk_error(fragmented) == ParseError{WireError::bad_field, 48}));
  // Two Jumbo options.
  const auto twice = jumbo_packet("1101c20400010000 0100c20400010000");
  BOOST_TEST((walk_error(twice) == ParseError{WireError::duplicate_option, 50}));
}

BOOST_AUTO_TEST_CASE(V6_EXT_7_routing_header_segments_left) {
  // Scapy: IPv6ExtHdrRouting(addresses=["2001:db8::3", "2001:db8::4"], segleft=2) (RH0)
  const auto rh0 =
      hex("6000000000302b40 20010db8000000000000000000000001 20010db8000000000000000000000002"
          "3a04000200000000 20010db8000000000000000000000003 20010db8000000000000000000000004"
          "8000121112340001");
  const auto c = walk_ok(rh0);
  BOOST_TEST((c.end == Ipv6ChainEnd::routing));
  BOOST_TEST(c.end_offset == 40u);
  BOOST_TEST(c.routing_header_offset == 40u);
  BOOST_TEST((c.next_header == Ipv6NextHeader::icmpv6));
  BOOST_TEST(c.next_header_offset == 40u);
  BOOST_TEST(c.chain_end == 80u);
  auto rh = Ipv6RoutingHeaderView::parse(view_of(rh0).datagram(), c.routing_header_offset);
  BOOST_REQUIRE(rh);
  BOOST_TEST((rh->routing_type() == Ipv6RoutingType::source_route));
  BOOST_TEST(rh->segments_left() == 2);
  BOOST_TEST(rh->routing_type_offset() == 42u);  // V6-EXT-7 pointer
  BOOST_TEST(rh->header_len() == 40u);
  BOOST_TEST(rh->data().size() == 36u);
  BOOST_TEST((rh->next_header() == Ipv6NextHeader::icmpv6));
  // Segments Left 0, whatever the type: ignored, the walk goes on.
  const auto unknown_sl0 = v6(43, "3a02fa0000000000 20010db8000000000000000000000003" + std::string(echo));
  const auto u = walk_ok(unknown_sl0);
  BOOST_TEST((u.end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST(u.routing_header_offset == 40u);
  BOOST_TEST(u.end_offset == 64u);
  // An unknown type with Segments Left 1: the stack's decision.
  const auto unknown_sl1 = v6(43, "3a02fa0100000000 20010db8000000000000000000000003" + std::string(echo));
  BOOST_TEST((walk_ok(unknown_sl1).end == Ipv6ChainEnd::routing));
}

BOOST_AUTO_TEST_CASE(V6_EXT_8_any_order_any_number_bounded) {
  // Destination Options before and after Routing, then an atomic fragment.
  const auto ordered =
      v6(60, "2b00010400000000 3c00040000000000 2c00010400000000 3a00000000000007" + std::string(echo));
  const auto c = walk_ok(ordered);
  BOOST_TEST((c.end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST(c.header_count == 4u);
  BOOST_TEST(c.fragment_header_offset == 64u);
  BOOST_TEST(c.next_header_offset == 64u);
  // Sixteen headers pass the default bound; the seventeenth is refused at
  // the Next Header field that names it.
  std::string sixteen;
  for (int i = 0; i < 15; ++i) sixteen += "3c00010400000000";
  const auto at_bound = v6(60, sixteen + "3a00010400000000" + std::string(echo));
  BOOST_TEST(walk_ok(at_bound).header_count == 16u);
  const auto over = v6(60, sixteen + "3c00010400000000 3a00010400000000" + std::string(echo));
  BOOST_TEST((walk_error(over) == ParseError{WireError::chain_too_long, 160}));
  // Configurable bounds: headers, and bytes.
  const auto three = v6(60, "3c00010400000000 3c00010400000000 3a00010400000000" + std::string(echo));
  Ipv6ExtLimits two_headers;
  two_headers.max_headers = 2;
  BOOST_TEST((walk_error(three, two_headers) == ParseError{WireError::chain_too_long, 48}));
  Ipv6ExtLimits sixteen_bytes;
  sixteen_bytes.max_chain_bytes = 16;
  BOOST_TEST((walk_error(three, sixteen_bytes) == ParseError{WireError::chain_too_long, 48}));
  Ipv6ExtLimits twenty_four_bytes;
  twenty_four_bytes.max_chain_bytes = 24;
  BOOST_TEST(walk_ok(three, twenty_four_bytes).header_count == 3u);
}

BOOST_AUTO_TEST_CASE(headers_cut_short) {
  // Fewer than 8 bytes left for a header: truncated at the datagram's end.
  const auto six = v6(60, "3a00010200 00");
  BOOST_TEST((walk_error(six) == ParseError{WireError::truncated, 46}));
  const auto nothing = v6(60, "");
  BOOST_TEST((walk_error(nothing) == ParseError{WireError::truncated, 40}));
  const auto frag5 = v6(44, "3a00000800");
  BOOST_TEST((walk_error(frag5) == ParseError{WireError::truncated, 45}));
  const auto nothing_after = v6(60, "3c00010400000000");
  BOOST_TEST((walk_error(nothing_after) == ParseError{WireError::truncated, 48}));
  // Hdr Ext Len past the datagram: the length field is the pointer.
  const auto long_dst = v6(60, "3a03010400000000");
  BOOST_TEST((walk_error(long_dst) == ParseError{WireError::bad_header_length, 41}));
  const auto long_rt = v6(43, "3a02040000000000 0000000000000000");
  BOOST_TEST((walk_error(long_rt) == ParseError{WireError::bad_header_length, 41}));
  // The payload length, not the buffer, bounds the chain.
  auto trimmed = v6(60, "3a01010400000000", 8);
  const auto more = hex("3e0400000000 0000");
  trimmed.insert(trimmed.end(), more.begin(), more.end());
  BOOST_TEST((walk_error(trimmed) == ParseError{WireError::bad_header_length, 41}));
}

// ---- Fragments ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(fragment_first_middle_last) {
  // Scapy: IPv6() / IPv6ExtHdrFragment(id=0xc0ffee, offset=0, m=1) / UDP(40000 -> 53) / 40 zero bytes
  const auto first =
      hex("6000000000382c40 20010db8000000000000000000000001 20010db8000000000000000000000002"
          "1100000100c0ffee 9c400035003007a4" +
          std::string(80, '0'));
  const auto c = walk_ok(first);
  BOOST_TEST((c.end == Ipv6ChainEnd::fragment));
  BOOST_TEST((c.next_header == Ipv6NextHeader::udp));
  BOOST_TEST(c.next_header_offset == 40u);
  BOOST_TEST(c.end_offset == 48u);  // fragment data starts here
  BOOST_TEST(c.fragment_header_offset == 40u);
  auto fh = Ipv6FragmentHeaderView::parse(view_of(first).datagram(), c.fragment_header_offset);
  BOOST_REQUIRE(fh);
  BOOST_TEST(fh->fragment_offset() == 0);
  BOOST_TEST(fh->more_fragments());
  BOOST_TEST(fh->identification() == 0xc0ffeeu);
  BOOST_TEST(!fh->is_atomic());
  BOOST_TEST(fh->fragment_offset_field_offset() == 42u);

  const auto middle = v6(44, "3a00003100c0ffee" + std::string(96, '0'));
  const auto m = walk_ok(middle);
  BOOST_TEST((m.end == Ipv6ChainEnd::fragment));
  auto mh = Ipv6FragmentHeaderView::parse(view_of(middle).datagram(), 40);
  BOOST_REQUIRE(mh);
  BOOST_TEST(mh->fragment_offset() == 6);
  BOOST_TEST(mh->fragment_offset_bytes() == 48u);
  BOOST_TEST(mh->more_fragments());

  const auto last = v6(44, "3a00006000c0ffee 0102030405060708");
  auto lh = Ipv6FragmentHeaderView::parse(view_of(last).datagram(), 40);
  BOOST_REQUIRE(lh);
  BOOST_TEST(lh->fragment_offset() == 12);
  BOOST_TEST(!lh->more_fragments());
  BOOST_TEST((walk_ok(last).end == Ipv6ChainEnd::fragment));
}

BOOST_AUTO_TEST_CASE(V6_FRAG_5_atomic_fragment_is_walked_through) {
  const auto atomic = v6(44, "3a00000000000007" + std::string(echo));
  const auto c = walk_ok(atomic);
  BOOST_TEST((c.end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST((c.next_header == Ipv6NextHeader::icmpv6));
  BOOST_TEST(c.fragment_header_offset == 40u);
  BOOST_TEST(c.end_offset == 48u);
  // Reserved fields do not make it a fragment; they are visible.
  const auto reserved = v6(44, "3aff000600000008" + std::string(echo));
  BOOST_TEST((walk_ok(reserved).end == Ipv6ChainEnd::upper_layer));
  auto fh = Ipv6FragmentHeaderView::parse(view_of(reserved).datagram(), 40);
  BOOST_REQUIRE(fh);
  BOOST_TEST(fh->is_atomic());
  BOOST_TEST(fh->reserved() == 0xff);
  BOOST_TEST(fh->reserved_bits() == 3);
}

BOOST_AUTO_TEST_CASE(V6_FRAG_2_non_last_fragment_multiple_of_8) {
  const auto thirteen = v6(44, "3a0000010000000a 8000f76b12340001 6861726473");
  BOOST_TEST((walk_error(thirteen) == ParseError{WireError::bad_total_length, 4}));
  // The last fragment may have any length.
  const auto last = v6(44, "3a0000100000000a 6861726473");
  BOOST_TEST((walk_ok(last).end == Ipv6ChainEnd::fragment));
}

BOOST_AUTO_TEST_CASE(V6_FRAG_3_fragment_past_65535) {
  // Offset 8189 (65512 bytes) + 32 bytes: pointer at the Fragment Offset field.
  const auto over = v6(44, "3a00ffe90000000b" + std::string(64, '0'));
  BOOST_TEST((walk_error(over) == ParseError{WireError::bad_field, 42}));
  // Offset 8191 (65528) + 7 bytes ends at 65535 exactly.
  const auto at_limit = v6(44, "3a00fff80000000c 01020304050607");
  BOOST_TEST((walk_ok(at_limit).end == Ipv6ChainEnd::fragment));
}

BOOST_AUTO_TEST_CASE(V6_FRAG_6_first_fragment_must_hold_the_whole_chain) {
  // TCP needs 20 bytes in the first fragment; 8 are there. Code 3, pointer 0.
  const auto tiny_tcp = v6(44, "0600000100000001 9c40005000000000");
  BOOST_TEST((walk_error(tiny_tcp) == ParseError{WireError::incomplete_header_chain, 0}));
  // ICMPv6 needs 8.
  const auto icmp8 = v6(44, "3a00000100000002 8000f76b12340001");
  BOOST_TEST((walk_ok(icmp8).end == Ipv6ChainEnd::fragment));
  // A Destination Options header after the Fragment header, cut by the end of the fragment.
  const auto cut_dst = v6(44, "3c00000100000003 3c00010400000000 3a01000000000000");
  BOOST_TEST((walk_error(cut_dst) == ParseError{WireError::incomplete_header_chain, 0}));
  // Destination Options then 16 bytes of TCP: still short.
  const auto short_tcp = v6(44, "3c00000100000004 0600010400000000" + std::string(32, '0'));
  BOOST_TEST((walk_error(short_tcp) == ParseError{WireError::incomplete_header_chain, 0}));
  // ...and with 24 bytes the chain is whole.
  const auto whole = v6(44, "3c00000100000005 0600010400000000" + std::string(48, '0'));
  const auto w = walk_ok(whole);
  BOOST_TEST((w.end == Ipv6ChainEnd::fragment));
  BOOST_TEST((w.next_header == Ipv6NextHeader::destination_options));
  // Non-first fragments carry no headers of their own to check.
  const auto later = v6(44, "0600000900000006 0102030405060708");
  BOOST_TEST((walk_ok(later).end == Ipv6ChainEnd::fragment));
}

BOOST_AUTO_TEST_CASE(empty_fragment_is_dropped) {
  const auto empty = v6(44, "3a00002900000007");
  BOOST_TEST((walk_error(empty) == ParseError{WireError::truncated, 48}));
}

// ---- Views -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(options_view_iterates_every_option_with_its_offset) {
  const auto packet = v6(0, "3a01 05020001 00 3e0161 c9020102 0100" + std::string(echo));
  const auto ip = view_of(packet);
  auto hbh = Ipv6OptionsHeaderView::parse(ip.datagram(), 40);
  BOOST_REQUIRE(hbh);
  BOOST_TEST(hbh->header_len() == 16u);
  BOOST_TEST((hbh->next_header() == Ipv6NextHeader::icmpv6));
  std::vector<std::pair<int, std::size_t>> seen;
  std::vector<TlvAction> actions;
  for (const auto& opt : *hbh) {
    seen.emplace_back(static_cast<int>(opt.type), opt.offset);
    actions.push_back(opt.action());
  }
  const std::vector<std::pair<int, std::size_t>> want{
      {0x05, 42}, {0x00, 46}, {0x3e, 47}, {0xc9, 50}, {0x01, 54}};
  BOOST_TEST((seen == want));
  BOOST_TEST((actions[3] == TlvAction::discard_icmp_unless_multicast));
  auto it = hbh->begin();
  BOOST_TEST(equal_bytes(it->data, hex("0001")));
  BOOST_TEST(!it->is_padding());
  ++it;
  BOOST_TEST(it->is_padding());
  BOOST_TEST(it->data.empty());
}

BOOST_AUTO_TEST_CASE(options_view_stops_on_bytes_that_are_not_an_option) {
  // The length byte of the last option runs past the header: iteration ends before it.
  const auto packet = v6(60, "3a00 3e00 3e09 0000" + std::string(echo));
  const auto ip = view_of(packet);
  auto dst = Ipv6OptionsHeaderView::parse(ip.datagram(), 40);
  BOOST_REQUIRE(dst);
  std::size_t n = 0;
  for (const auto& opt : *dst) {
    BOOST_TEST(opt.offset == 42u);
    ++n;
  }
  BOOST_TEST(n == 1u);
}

BOOST_AUTO_TEST_CASE(header_views_check_their_bounds) {
  const auto packet = v6(60, "3a01010400000000 3e0400000000 0000");
  const auto dg = view_of(packet).datagram();
  BOOST_TEST((Ipv6OptionsHeaderView::parse(dg, 60).error() == ParseError{WireError::truncated, 56}));
  BOOST_TEST((Ipv6OptionsHeaderView::parse(dg, 50).error() == ParseError{WireError::truncated, 56}));
  BOOST_TEST((Ipv6RoutingHeaderView::parse(dg, 42).error() == ParseError{WireError::bad_header_length, 43}));
  BOOST_TEST((Ipv6FragmentHeaderView::parse(dg, 49).error() == ParseError{WireError::truncated, 56}));
  BOOST_TEST(Ipv6FragmentHeaderView::parse(dg, 48).has_value());
}

// ---- Representations ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(chain_repr_round_trip_is_byte_exact_for_scapy_packet) {
  const auto packet = hex(three_headers);
  const auto r = chain_repr(packet);
  BOOST_REQUIRE(r.headers.size() == 3u);
  BOOST_TEST((r.headers[0].kind == Ipv6NextHeader::hop_by_hop));
  const auto& hbh = std::get<Ipv6OptionsHeaderRepr>(r.headers[0].header);
  BOOST_TEST((hbh.next_header == Ipv6NextHeader::destination_options));
  BOOST_REQUIRE(hbh.options.size() == 1u);
  BOOST_TEST((hbh.options[0].type == Ipv6OptionType::router_alert));
  BOOST_TEST(equal_bytes(hbh.options[0].data, hex("0000")));
  const auto& dst = std::get<Ipv6OptionsHeaderRepr>(r.headers[1].header);
  BOOST_TEST((dst.next_header == Ipv6NextHeader::routing));
  BOOST_TEST(dst.options.empty());
  const auto& rt = std::get<Ipv6RoutingHeaderRepr>(r.headers[2].header);
  BOOST_TEST((rt.routing_type == Ipv6RoutingType::segment_routing));
  BOOST_TEST(rt.segments_left == 0);
  BOOST_TEST(rt.data.size() == 20u);
  BOOST_TEST((rt.next_header == Ipv6NextHeader::tcp));
  BOOST_TEST(r.chain_len() == 40u);
  BOOST_TEST((r.first_header(Ipv6NextHeader::tcp) == Ipv6NextHeader::hop_by_hop));

  std::array<std::byte, 40> out{};
  auto n = r.emit(out);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 40u);
  BOOST_TEST(std::equal(out.begin(), out.end(), packet.begin() + 40));
}

BOOST_AUTO_TEST_CASE(chain_repr_stops_after_a_non_atomic_fragment_and_keeps_routing) {
  const auto packet = v6(43, "2c02000100000000 20010db8000000000000000000000003 3a00000100000009" +
                                 std::string(echo) + "00000000000000");
  const auto c = walk_ok(packet);
  BOOST_TEST((c.end == Ipv6ChainEnd::routing));
  const auto r = chain_repr(packet);
  BOOST_REQUIRE(r.headers.size() == 2u);
  const auto& f = std::get<Ipv6FragmentHeaderRepr>(r.headers[1].header);
  BOOST_TEST(f.identification == 9u);
  BOOST_TEST(f.more_fragments);
  BOOST_TEST(!f.is_atomic());
  BOOST_TEST((f.next_header == Ipv6NextHeader::icmpv6));
}

BOOST_AUTO_TEST_CASE(options_emit_compacts_padding_and_reparses_equal) {
  // 7 bytes of PadN, an option, 3 Pad1, another option: 16 bytes on the wire.
  const auto header = hex("3a01 3e00 01050000000000 3e00 000000");
  auto parsed = Ipv6OptionsHeaderRepr::parse(header, false);
  BOOST_REQUIRE(parsed);
  BOOST_TEST(parsed->options.size() == 2u);
  BOOST_TEST(parsed->header_len(false) == 8u);
  std::array<std::byte, 8> out{};
  BOOST_REQUIRE(parsed->emit(out, false));
  BOOST_TEST(std::equal(out.begin(), out.end(), hex("3a00 3e00 3e00 0100").begin()));
  auto again = Ipv6OptionsHeaderRepr::parse(out, false);
  BOOST_REQUIRE(again);
  BOOST_TEST((*again == *parsed));
}

BOOST_AUTO_TEST_CASE(options_emit_aligns_jumbo_in_hop_by_hop_only) {
  const auto ra = hex("0000");
  const auto jumbo = hex("00010000");
  const auto one = hex("aa");
  Ipv6OptionsHeaderRepr h;
  h.next_header = Ipv6NextHeader::udp;
  BOOST_REQUIRE(h.options.push_back({Ipv6OptionType::router_alert, ra}));
  BOOST_REQUIRE(h.options.push_back({Ipv6OptionType::jumbo_payload, jumbo}));
  std::array<std::byte, 16> out{};
  auto n = h.emit(out, true);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 16u);
  const auto want = hex("1101 05020000 c20400010000 01020000");
  BOOST_TEST(std::equal(want.begin(), want.end(), out.begin()));

  Ipv6OptionsHeaderRepr k;
  k.next_header = Ipv6NextHeader::udp;
  BOOST_REQUIRE(k.options.push_back({static_cast<Ipv6OptionType>(0x3e), one}));
  BOOST_REQUIRE(k.options.push_back({Ipv6OptionType::jumbo_payload, jumbo}));
  BOOST_REQUIRE(k.emit(out, true));
  const auto aligned = hex("1101 3e01aa 00 c20400010000 01020000");
  BOOST_TEST(std::equal(aligned.begin(), aligned.end(), out.begin()));
  // In Destination Options 0xc2 is just an unrecognised option.
  BOOST_REQUIRE(k.emit(out, false));
  const auto packed = hex("1101 3e01aa c20400010000 0103000000");
  BOOST_TEST(std::equal(packed.begin(), packed.end(), out.begin()));
  // And the aligned one parses back, in a jumbogram.
  auto packet = jumbo_packet("");
  std::copy(aligned.begin(), aligned.end(), packet.begin() + 40);
  const auto c = walk_ok(packet);
  BOOST_TEST(c.jumbo_payload_length.value_or(0) == 65536u);
  BOOST_TEST(c.jumbo_offset == 46u);
}

BOOST_AUTO_TEST_CASE(options_emit_edges) {
  Ipv6OptionsHeaderRepr empty;
  empty.next_header = Ipv6NextHeader::no_next_header;
  std::array<std::byte, 8> out{};
  BOOST_TEST(empty.emit(out, false).value() == 8u);
  const auto want = hex("3b00 0104 00000000");
  BOOST_TEST(std::equal(want.begin(), want.end(), out.begin()));
  std::array<std::byte, 7> small{};
  BOOST_TEST((empty.emit(small, false).error() == WireError::buffer_too_small));

  const auto pad = hex("0000");
  Ipv6OptionsHeaderRepr with_pad;
  BOOST_REQUIRE(with_pad.options.push_back({Ipv6OptionType::padn, pad}));
  BOOST_TEST((with_pad.emit(out, false).error() == WireError::unrepresentable));

  const std::vector<std::byte> big(256);
  Ipv6OptionsHeaderRepr too_long_option;
  BOOST_REQUIRE(too_long_option.options.push_back({static_cast<Ipv6OptionType>(0x3e), big}));
  std::array<std::byte, 4096> large{};
  BOOST_TEST((too_long_option.emit(large, false).error() == WireError::unrepresentable));

  // Eight options of 257 bytes: 2058 > 2048.
  const std::vector<std::byte> full(255);
  Ipv6OptionsHeaderRepr too_long_header;
  for (int i = 0; i < 8; ++i)
    BOOST_REQUIRE(too_long_header.options.push_back({static_cast<Ipv6OptionType>(0x3e), full}));
  BOOST_TEST(too_long_header.header_len(false) == 2064u);
  BOOST_TEST((too_long_header.emit(large, false).error() == WireError::unrepresentable));
}

BOOST_AUTO_TEST_CASE(options_header_parsed_on_its_own) {
  // CMSG-7: an IPV6_HOPOPTS / IPV6_DSTOPTS buffer must be exactly its header.
  const auto good = hex("3a00 05020000 0100");
  auto r = Ipv6OptionsHeaderRepr::parse(good, true);
  BOOST_REQUIRE(r);
  BOOST_TEST((r->options[0].type == Ipv6OptionType::router_alert));
  const auto short_buffer = hex("3a01 05020000 0100");
  BOOST_TEST((Ipv6OptionsHeaderRepr::parse(short_buffer, true).error() ==
              ParseError{WireError::bad_header_length, 1}));
  const auto long_buffer = hex("3a00 05020000 0100 0000000000000000");
  BOOST_TEST((Ipv6OptionsHeaderRepr::parse(long_buffer, true).error() ==
              ParseError{WireError::bad_header_length, 1}));
  const auto six = hex("3a00 01020000");
  BOOST_TEST((Ipv6OptionsHeaderRepr::parse(six, true).error() == ParseError{WireError::truncated, 6}));
  // Offsets count from the header; Jumbo alignment too (a header starts 8-aligned).
  const auto misaligned = hex("1101 0100 c20400010000 010400000000");
  BOOST_TEST(
      (Ipv6OptionsHeaderRepr::parse(misaligned, true).error() == ParseError{WireError::bad_option_value, 4}));
  // No Payload Length to compare a Jumbo option with.
  const auto jumbo = hex("1100 c20400010000");
  BOOST_TEST(Ipv6OptionsHeaderRepr::parse(jumbo, true).has_value());
  // Ten options against a bound of 8, and against a raised bound beyond the repr's capacity.
  const auto many = hex("3a02 3e003e003e003e003e003e003e003e003e003e00 0100");
  BOOST_TEST(
      (Ipv6OptionsHeaderRepr::parse(many, false).error() == ParseError{WireError::too_many_options, 18}));
  Ipv6ExtLimits loose;
  loose.max_options_per_header = 100;
  BOOST_TEST(Ipv6OptionsHeaderRepr::parse(many, false, loose).value().options.size() == 10u);
}

BOOST_AUTO_TEST_CASE(routing_repr_parse_and_emit) {
  const auto header = hex("3a02000100000000 20010db8000000000000000000000003");
  auto r = Ipv6RoutingHeaderRepr::parse(header);
  BOOST_REQUIRE(r);
  BOOST_TEST((r->routing_type == Ipv6RoutingType::source_route));
  BOOST_TEST(r->segments_left == 1);
  BOOST_TEST(r->header_len() == 24u);
  std::array<std::byte, 24> out{};
  BOOST_TEST(r->emit(out).value() == 24u);
  BOOST_TEST(std::equal(header.begin(), header.end(), out.begin()));
  std::array<std::byte, 23> small{};
  BOOST_TEST((r->emit(small).error() == WireError::buffer_too_small));
  Ipv6RoutingHeaderRepr odd = *r;
  const auto three = hex("000000");
  odd.data = three;
  BOOST_TEST((odd.emit(out).error() == WireError::unrepresentable));
  const auto cut = hex("3a02000100000000 20010db8");
  BOOST_TEST((Ipv6RoutingHeaderRepr::parse(cut).error() == ParseError{WireError::bad_header_length, 1}));
}

BOOST_AUTO_TEST_CASE(fragment_repr_parse_and_emit) {
  const auto header = hex("11ff ffeb 01020304");
  auto r = Ipv6FragmentHeaderRepr::parse(header);
  BOOST_REQUIRE(r);
  BOOST_TEST(r->fragment_offset == 0x1ffd);
  BOOST_TEST(r->reserved == 0xff);
  BOOST_TEST(r->reserved_bits == 1);
  BOOST_TEST(r->more_fragments);
  BOOST_TEST(r->identification == 0x01020304u);
  std::array<std::byte, 8> out{};
  BOOST_TEST(r->emit(out).value() == 8u);
  BOOST_TEST(std::equal(header.begin(), header.end(), out.begin()));
  Ipv6FragmentHeaderRepr wide = *r;
  wide.fragment_offset = 0x2000;
  BOOST_TEST((wide.emit(out).error() == WireError::unrepresentable));
  wide = *r;
  wide.reserved_bits = 4;
  BOOST_TEST((wide.emit(out).error() == WireError::unrepresentable));
  std::array<std::byte, 7> small{};
  BOOST_TEST((r->emit(small).error() == WireError::buffer_too_small));
  const auto seven = hex("11ff ffeb 010203");
  BOOST_TEST((Ipv6FragmentHeaderRepr::parse(seven).error() == ParseError{WireError::truncated, 7}));
  const auto nine = hex("11ff ffeb 01020304 05");
  BOOST_TEST((Ipv6FragmentHeaderRepr::parse(nine).error() == ParseError{WireError::bad_header_length, 8}));
}

BOOST_AUTO_TEST_CASE(chain_emit_refuses_inconsistent_chains) {
  Ipv6OptionsHeaderRepr dst;
  dst.next_header = Ipv6NextHeader::fragment;
  Ipv6FragmentHeaderRepr frag;
  frag.next_header = Ipv6NextHeader::udp;
  frag.identification = 42;
  Ipv6ExtChainRepr chain;
  BOOST_REQUIRE(chain.headers.push_back(Ipv6ExtHeaderRepr::destination_options(dst)));
  BOOST_REQUIRE(chain.headers.push_back(Ipv6ExtHeaderRepr::fragment(frag)));
  BOOST_TEST(chain.chain_len() == 16u);
  std::array<std::byte, 64> out{};
  BOOST_TEST(chain.emit(out).value() == 16u);
  const auto want = hex("2c00 0104 00000000 1100 0000 0000002a");
  BOOST_TEST(std::equal(want.begin(), want.end(), out.begin()));
  std::array<std::byte, 15> small{};
  BOOST_TEST((chain.emit(small).error() == WireError::buffer_too_small));
  // A Next Header that does not name the header after it.
  std::get<Ipv6OptionsHeaderRepr>(chain.headers[0].header).next_header = Ipv6NextHeader::routing;
  BOOST_TEST((chain.emit(out).error() == WireError::unrepresentable));
  // Hop-by-Hop second.
  Ipv6ExtChainRepr hbh_second;
  dst.next_header = Ipv6NextHeader::hop_by_hop;
  BOOST_REQUIRE(hbh_second.headers.push_back(Ipv6ExtHeaderRepr::destination_options(dst)));
  BOOST_REQUIRE(hbh_second.headers.push_back(Ipv6ExtHeaderRepr::hop_by_hop(Ipv6OptionsHeaderRepr{})));
  BOOST_TEST((hbh_second.emit(out).error() == WireError::unrepresentable));
  // A kind that does not match its value.
  Ipv6ExtHeaderRepr wrong{Ipv6NextHeader::routing, Ipv6OptionsHeaderRepr{}};
  BOOST_TEST((wrong.emit(out).error() == WireError::unrepresentable));
}

BOOST_AUTO_TEST_CASE(built_datagram_walks_as_built) {
  // Ipv6Repr + chain repr + ICMPv6 bytes: what a sender does.
  const auto ra = hex("0000");
  Ipv6OptionsHeaderRepr hbh;
  hbh.next_header = Ipv6NextHeader::fragment;
  BOOST_REQUIRE(hbh.options.push_back({Ipv6OptionType::router_alert, ra}));
  Ipv6FragmentHeaderRepr frag;
  frag.next_header = Ipv6NextHeader::icmpv6;
  frag.identification = 0x01020304;
  Ipv6ExtChainRepr chain;
  BOOST_REQUIRE(chain.headers.push_back(Ipv6ExtHeaderRepr::hop_by_hop(hbh)));
  BOOST_REQUIRE(chain.headers.push_back(Ipv6ExtHeaderRepr::fragment(frag)));
  const auto icmp = hex(echo);
  std::array<std::byte, 128> buf{};
  auto chain_bytes = chain.emit(MutableBytes(buf).subspan(40));
  BOOST_REQUIRE(chain_bytes);
  std::copy(icmp.begin(), icmp.end(), buf.begin() + 40 + static_cast<std::ptrdiff_t>(*chain_bytes));
  Ipv6Repr ip;
  ip.src = *Ipv6Address::from_string("2001:db8::1");
  ip.dst = *Ipv6Address::from_string("ff02::1");
  ip.next_header = chain.first_header(Ipv6NextHeader::icmpv6);
  ip.payload_len = static_cast<std::uint16_t>(*chain_bytes + icmp.size());
  std::array<std::byte, 40> fixed{};
  BOOST_REQUIRE(ip.emit(fixed));
  std::copy(fixed.begin(), fixed.end(), buf.begin());
  const std::vector<std::byte> packet(buf.begin(), buf.begin() + 40 + ip.payload_len);
  const auto c = walk_ok(packet);
  BOOST_TEST((c.end == Ipv6ChainEnd::upper_layer));
  BOOST_TEST((c.next_header == Ipv6NextHeader::icmpv6));
  BOOST_TEST(c.fragment_header_offset == 48u);
  BOOST_TEST(c.end_offset == 56u);
  BOOST_TEST(c.router_alert.value_or(0xffff) == 0);
  BOOST_TEST((chain_repr(packet) == chain));
}

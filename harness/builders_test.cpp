// The builders against Scapy: each expected hex string is what Scapy 2.5
// printed for the packet written in the comment above it
// (/usr/bin/python3 -c 'from scapy.all import *; print(raw(...).hex())').
// Then the overrides, checked by the wire layer's parsers with exact errors.
#include "builders.hpp"

#include <boost/test/unit_test.hpp>

#include "hardstack/wire/ipv6_ext.hpp"
#include "hex.hpp"

using namespace hardstack::harness;
namespace w = hardstack::wire;

namespace {
const auto m1 = mac("02:00:00:00:00:01");
const auto m2 = mac("02:00:00:00:00:02");
const auto a4 = ip4("192.0.2.1");
const auto b4 = ip4("192.0.2.2");
const auto a6 = ip6("2001:db8::1");
const auto b6 = ip6("2001:db8::2");

std::string built(const Packet& p) { return to_hex(p.build()); }
}  // namespace

BOOST_AUTO_TEST_SUITE(as_scapy_builds_them)

BOOST_AUTO_TEST_CASE(udp_over_ipv4_with_router_alert) {
  // Ether(src=m1, dst=m2)/IP(src=a4, dst=b4, ttl=1, id=1, options=[IPOption_Router_Alert()])
  //   /UDP(sport=1234, dport=7)/Raw(b"hi")
  const Packet p = eth(m1, m2) / ipv4(a4, b4).ttl(1).identification(1).options(router_alert()) /
                   udp(1234, 7) / payload("hi");
  BOOST_TEST(
      built(p) ==
      "020000000002020000000001080046000022000100000111a0c2c0000201c00002029404000004d20007000a0e946869");
  BOOST_TEST((p.link_type() == hardstack::net::LinkType::ethernet));
}

BOOST_AUTO_TEST_CASE(ipv6_hop_by_hop_fragment_echo_request) {
  // IPv6(src=a6, dst=b6)/IPv6ExtHdrHopByHop(options=[RouterAlert()])
  //   /IPv6ExtHdrFragment(offset=0, m=1, id=0x12345678)/ICMPv6EchoRequest(id=1, seq=2, data=b"ping")
  const Packet p = ipv6(a6, b6) / hop_by_hop(router_alert()) / frag(0, true, 0x12345678) /
                   icmpv6_echo_request(1, 2, "ping");
  BOOST_TEST(built(p) ==
             "60000000001c004020010db800000000000000000000000120010db8000000000000000000000002"
             "2c000502000001003a00000112345678800045700001000270696e67");
  BOOST_TEST((p.link_type() == hardstack::net::LinkType::raw_ip));
}

BOOST_AUTO_TEST_CASE(tcp_syn_with_mss) {
  // IP(src=a4, dst=b4, id=1)/TCP(sport=40000, dport=80, flags="S", seq=1000, window=8192, options=[("MSS",
  // 1460)])
  const Packet p =
      ipv4(a4, b4).identification(1) / tcp(40000, 80).flags("S").seq(1000).window(8192).mss(1460);
  BOOST_TEST(built(p) ==
             "4500002c000100004006f6c7c0000201c00002029c400050000003e8000000006002200053aa0000020405b4");
}

BOOST_AUTO_TEST_CASE(tcp_syn_with_linux_option_layout_over_ipv6) {
  // IPv6(src=a6, dst=b6)/TCP(sport=40000, dport=80, flags="S", seq=1, window=65535, options=[('MSS', 1460),
  //   ('SAckOK', b''), ('Timestamp', (7, 0)), ('NOP', None), ('WScale', 7)])
  const Packet p = ipv6(a6, b6) / tcp(40000, 80)
                                      .flags(w::TcpFlag::syn)
                                      .seq(1)
                                      .mss(1460)
                                      .sack_permitted()
                                      .timestamps(7, 0)
                                      .window_scale(7);
  BOOST_TEST(built(p) ==
             "600000000028064020010db800000000000000000000000120010db8000000000000000000000002"
             "9c4000500000000100000000a002ffff4ff30000020405b40402080a000000070000000001030307");
}

BOOST_AUTO_TEST_CASE(arp_request_who_has) {
  // Ether(src=m1, dst="ff:ff:ff:ff:ff:ff")/ARP(op=1, hwsrc=m1, psrc=a4, hwdst="00:00:00:00:00:00", pdst=b4)
  const Packet p = eth(m1, "ff:ff:ff:ff:ff:ff") / arp_request(m1, "192.0.2.1", "192.0.2.2");
  BOOST_TEST(built(p) ==
             "ffffffffffff02000000000108060001080006040001020000000001c0000201000000000000c0000202");
}

BOOST_AUTO_TEST_CASE(neighbor_solicitation_with_source_link_layer_address) {
  // Ether(src=m1, dst="33:33:ff:00:00:02")/IPv6(src="fe80::1", dst="ff02::1:ff00:2", hlim=255)
  //   /ICMPv6ND_NS(tgt="fe80::2")/ICMPv6NDOptSrcLLAddr(lladdr=m1)
  const Packet p = eth(m1, "33:33:ff:00:00:02") / ipv6("fe80::1", "ff02::1:ff00:2").hop_limit(255) /
                   nd_ns("fe80::2").options(slla(m1));
  BOOST_TEST(built(p) ==
             "3333ff00000202000000000186dd6000000000203afffe800000000000000000000000000001"
             "ff0200000000000000000001ff000002"
             "87007a9700000000fe8000000000000000000000000000020101020000000001");
}

BOOST_AUTO_TEST_CASE(neighbor_advertisement_solicited_override) {
  // IPv6(src="fe80::2", dst="fe80::1", hlim=255)/ICMPv6ND_NA(R=0, S=1, O=1, tgt="fe80::2")
  //   /ICMPv6NDOptDstLLAddr(lladdr=m2)
  const Packet p = ipv6("fe80::2", "fe80::1").hop_limit(255) /
                   nd_na("fe80::2").solicited().override_flag().options(tlla(m2));
  BOOST_TEST(built(p) ==
             "6000000000203afffe800000000000000000000000000002fe800000000000000000000000000001"
             "8800181a60000000fe8000000000000000000000000000020201020000000002");
}

BOOST_AUTO_TEST_CASE(icmp_echo_request_with_dont_fragment) {
  // Ether(src=m1, dst=m2)/IP(src=a4, dst=b4, id=1, flags="DF")/ICMP(type=8, id=0x1234, seq=1)/Raw(b"abc")
  const Packet p =
      eth(m1, m2) / ipv4(a4, b4).identification(1).dont_fragment() / icmp_echo_request(0x1234, 1, "abc");
  const auto expected =
      "02000000000202000000000108004500001f000140004001b6d9c0000201c00002020800216812340001616263";
  BOOST_TEST(built(p) == expected);
  // ICMP()/Raw(): data after the message is its data, as in Scapy.
  BOOST_TEST(built(eth(m1, m2) / ipv4(a4, b4).identification(1).dont_fragment() /
                   icmp_echo_request(0x1234, 1) / payload("abc")) == expected);
}

BOOST_AUTO_TEST_CASE(icmp_port_unreachable_quoting_a_packet) {
  // q = raw(IP(src=a4, dst=b4, id=1)/UDP(sport=1234, dport=7)/Raw(b"hi"))
  // IP(src=b4, dst=a4, id=1)/ICMP(type=3, code=3)/Raw(q)
  const Packet p = ipv4(b4, a4).identification(1) /
                   icmp_dest_unreachable(3, ipv4(a4, b4).identification(1) / udp(1234, 7) / payload("hi"));
  BOOST_TEST(
      built(p) ==
      "4500003a000100004001f6bec0000202c00002010303811c000000004500001e000100004011f6cac0000201c0000202"
      "04d20007000a0e946869");
}

BOOST_AUTO_TEST_CASE(icmpv6_parameter_problem_quoting_an_unrecognised_option) {
  // q6 = raw(IPv6(src=a6, dst=b6)/IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x80, optdata=b"\0\0")])
  //   /UDP(sport=1, dport=2))
  // IPv6(src=b6, dst=a6)/ICMPv6ParamProblem(code=2, ptr=42)/Raw(q6)
  const Packet quoted = ipv6(a6, b6) / destination_options(tlv(0x80, hex("0000"))) / udp(1, 2);
  BOOST_TEST(built(quoted) ==
             "6000000000103c4020010db800000000000000000000000120010db8000000000000000000000002"
             "1100800200000100000100020008a466");
  const Packet p = ipv6(b6, a6) / icmpv6_param_problem(2, 42, quoted);
  BOOST_TEST(built(p) ==
             "6000000000403a4020010db800000000000000000000000220010db8000000000000000000000001"
             "040271aa0000002a6000000000103c4020010db800000000000000000000000120010db80000000000"
             "000000000000021100800200000100000100020008a466");
}

BOOST_AUTO_TEST_CASE(udp_checksum_uses_the_final_destination_of_a_type_0_routing_header) {
  // RFC 8200 8.1. IPv6(src=a6, dst=b6)/IPv6ExtHdrRouting(addresses=["2001:db8::3"], segleft=1)
  //   /UDP(sport=1, dport=2)/Raw(b"x")
  const Packet p = ipv6(a6, b6) / routing_type0(1, {ip6("2001:db8::3")}) / udp(1, 2) / payload("x");
  BOOST_TEST(built(p) ==
             "6000000000212b4020010db800000000000000000000000120010db8000000000000000000000002"
             "110200010000000020010db80000000000000000000000030001000200092c6378");
}

BOOST_AUTO_TEST_CASE(ipv4_fragments_as_scapy_fragment) {
  // d = IP(src=a4, dst=b4, id=7)/UDP(sport=1234, dport=7)/Raw(b"0123456789abcdefghijklmnopqrst")
  // fragment(d, fragsize=16)
  const Packet d = ipv4(a4, b4).identification(7) / udp(1234, 7) / payload("0123456789abcdefghijklmnopqrst");
  const auto fragments = fragment_ipv4(d, {16, 16});
  BOOST_REQUIRE(fragments.size() == 3u);
  BOOST_TEST(to_hex(fragments[0]) ==
             "45000024000720004011d6bec0000201c000020204d20007002649893031323334353637");
  BOOST_TEST(to_hex(fragments[1]) ==
             "45000024000720024011d6bcc0000201c000020238396162636465666768696a6b6c6d6e");
  BOOST_TEST(to_hex(fragments[2]) == "4500001a000700044011f6c4c0000201c00002026f7071727374");
}

BOOST_AUTO_TEST_CASE(ipv6_fragments_copy_the_unfragmentable_part) {
  // full = IPv6(src=a6, dst=b6)/IPv6ExtHdrHopByHop(options=[RouterAlert()])
  //   /ICMPv6EchoRequest(id=1, seq=2, data=b"abcdefghijklmnopqrst"); icmp = raw(full[ICMPv6EchoRequest])
  // IPv6(...)/IPv6ExtHdrHopByHop(nh=44, ...)/IPv6ExtHdrFragment(nh=58, offset=0, m=1, id=99)/Raw(icmp[:16])
  // IPv6(...)/IPv6ExtHdrHopByHop(nh=44, ...)/IPv6ExtHdrFragment(nh=58, offset=2, m=0, id=99)/Raw(icmp[16:])
  const Packet full =
      ipv6(a6, b6) / hop_by_hop(router_alert()) / icmpv6_echo_request(1, 2, "abcdefghijklmnopqrst");
  BOOST_TEST(built(full) ==
             "600000000024004020010db800000000000000000000000120010db8000000000000000000000002"
             "3a000502000001008000fbfe000100026162636465666768696a6b6c6d6e6f7071727374");
  const auto fragments = fragment_ipv6(full, {16}, 99);
  BOOST_REQUIRE(fragments.size() == 2u);
  BOOST_TEST(to_hex(fragments[0]) ==
             "600000000020004020010db800000000000000000000000120010db8000000000000000000000002"
             "2c000502000001003a000001000000638000fbfe000100026162636465666768");
  BOOST_TEST(to_hex(fragments[1]) ==
             "60000000001c004020010db800000000000000000000000120010db8000000000000000000000002"
             "2c000502000001003a00001000000063696a6b6c6d6e6f7071727374");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(computed_fields)

BOOST_AUTO_TEST_CASE(next_layer_names_ethertype_protocol_and_next_header) {
  const auto v4 = (eth(m1, m2) / ipv4(a4, b4) / tcp(1, 2)).build();
  BOOST_TEST(w::load_be16(v4, 12) == 0x0800);
  BOOST_TEST(w::load_u8(v4, 14 + 9) == 6);
  const auto v6 = (eth(m1, m2) / ipv6(a6, b6) / destination_options() / udp(1, 2)).build();
  BOOST_TEST(w::load_be16(v6, 12) == 0x86dd);
  BOOST_TEST(w::load_u8(v6, 14 + 6) == 60);
  BOOST_TEST(w::load_u8(v6, 14 + 40) == 17);
  // Nothing after IPv6: No Next Header (59); after IPv4: 0, as Scapy.
  BOOST_TEST(w::load_u8(raw(ipv6(a6, b6)), 6) == 59);
  BOOST_TEST(w::load_u8(raw(ipv4(a4, b4)), 9) == 0);
  // A fragment given as bytes after eth(): EtherType by its version nibble.
  const auto datagram = (ipv6(a6, b6) / udp(1, 2)).build();
  BOOST_TEST(w::load_be16((eth(m1, m2) / payload(datagram)).build(), 12) == 0x86dd);
  // Given values win over computed ones.
  BOOST_TEST(w::load_u8((ipv4(a4, b4).protocol(250) / udp(1, 2)).build(), 9) == 250);
  BOOST_TEST(w::load_be16((eth(m1, m2).type(0x1234) / ipv4(a4, b4)).build(), 12) == 0x1234);
}

BOOST_AUTO_TEST_CASE(padding_counts_in_no_length_or_checksum) {
  // ARP padded to Ethernet's 60-byte minimum; IPv4 with link padding past its Total Length.
  const auto arp = (eth(m1) / arp_request(m1, a4, b4) / padding(18)).build();
  BOOST_TEST(arp.size() == 60u);
  const auto padded = (ipv4(a4, b4) / udp(1, 2) / payload("x") / padding(3, 0xaa)).build();
  const auto plain = (ipv4(a4, b4) / udp(1, 2) / payload("x")).build();
  BOOST_REQUIRE(padded.size() == plain.size() + 3);
  BOOST_TEST(std::equal(plain.begin(), plain.end(), padded.begin()));
  BOOST_TEST(to_hex(std::span(padded).last(3)) == "aaaaaa");
}

BOOST_AUTO_TEST_CASE(ipv6_options_keep_explicit_padding_in_order) {
  // With PadN given, the options go out as written: PadN (4 bytes), RA, then PadN to 16 bytes.
  const auto p = (ipv6(a6, b6) / hop_by_hop(padn(4), router_alert(2))).build();
  BOOST_TEST(to_hex(std::span(p).subspan(40)) ==
             "3b01"
             "01020000"
             "05020002"
             "010400000000");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(overrides_make_wrong_packets)

BOOST_AUTO_TEST_CASE(ipv4_bad_checksum_never_verifies) {
  const auto good = (ipv4(a4, b4) / udp(1, 2)).build();
  const auto bad = (ipv4(a4, b4).bad_checksum() / udp(1, 2)).build();
  BOOST_TEST(w::Ipv4View::parse(good).has_value());
  const auto view = w::Ipv4View::parse(bad);
  BOOST_REQUIRE(!view);
  BOOST_TEST((view.error() == w::ParseError{w::WireError::bad_checksum, 10}));
  BOOST_TEST((w::load_be16(bad, 10) ^ w::load_be16(good, 10)) == 1);
  // An explicit value is written as given.
  BOOST_TEST(w::load_be16(raw(ipv4(a4, b4).checksum(0xbeef)), 10) == 0xbeef);
}

BOOST_AUTO_TEST_CASE(ipv4_wrong_lengths_keep_a_valid_checksum) {
  // Total Length 9 (< IHL*4): the checksum is recomputed, so the length check is what fails.
  const auto short_total = (ipv4(a4, b4).total_length(9) / udp(1, 2)).build();
  const auto v = w::Ipv4View::parse(short_total);
  BOOST_REQUIRE(!v);
  BOOST_TEST((v.error() == w::ParseError{w::WireError::bad_total_length, 2}));
  const auto small_ihl = raw(ipv4(a4, b4).ihl(4));
  BOOST_TEST((w::Ipv4View::parse(small_ihl).error() == w::ParseError{w::WireError::bad_header_length, 0}));
  const auto v5 = raw(ipv4(a4, b4).version(5));
  BOOST_TEST((w::Ipv4View::parse(v5).error() == w::ParseError{w::WireError::bad_version, 0}));
}

BOOST_AUTO_TEST_CASE(ipv4_raw_options_go_out_as_given) {
  // An LSRR whose length (2) is below its minimum (3): the walker's error at its length byte.
  const auto bytes = (ipv4(a4, b4).raw_options(hex("8302")) / udp(1, 2)).build();
  BOOST_TEST(w::load_u8(bytes, 0) == 0x46);  // IHL 6: 2 bytes padded to 4
  const auto view = w::Ipv4View::parse(bytes);
  BOOST_REQUIRE(view);
  const auto repr = w::Ipv4Repr::parse(*view);
  BOOST_REQUIRE(!repr);
  BOOST_TEST((repr.error() == w::ParseError{w::WireError::bad_option_length, 21}));
}

BOOST_AUTO_TEST_CASE(reserved_flag_and_patch) {
  const auto evil = raw(ipv4(a4, b4).reserved_flag().dont_fragment());
  BOOST_TEST(w::load_be16(evil, 6) == 0xc000);
  BOOST_TEST(w::Ipv4View::parse(evil).has_value());  // checksum recomputed after the flag
  const auto patched = raw(ipv4(a4, b4).patch(8, hex("01")));
  BOOST_TEST(w::load_u8(patched, 8) == 1);
  BOOST_TEST(w::Ipv4View::parse(patched).has_value());
}

BOOST_AUTO_TEST_CASE(udp_bad_checksum_and_lengths) {
  const auto bad = (ipv4(a4, b4) / udp(1, 2).bad_checksum() / payload("x")).build();
  const auto view = w::UdpView::parse(std::span(bad).subspan(20));
  BOOST_REQUIRE(view);
  BOOST_TEST((w::UdpRepr::parse(*view, w::PseudoHeader::v4(a4, b4)).error() ==
              w::ParseError{w::WireError::bad_checksum, 6}));
  // Length 9 of 12 bytes: a datagram with trailing bytes, whose checksum covers the 9 (UDP-1).
  const auto trailing = (ipv4(a4, b4) / udp(1, 2).length(9) / payload("xyz")).build();
  const auto t = w::UdpView::parse(std::span(trailing).subspan(20));
  BOOST_REQUIRE(t);
  BOOST_TEST(t->trailing_len() == 2u);
  BOOST_TEST(w::UdpRepr::parse(*t, w::PseudoHeader::v4(a4, b4)).has_value());
  // Length 40 of 9 bytes.
  const auto long_len = (ipv4(a4, b4) / udp(1, 2).length(40) / payload("x")).build();
  BOOST_TEST((w::UdpView::parse(std::span(long_len).subspan(20)).error() ==
              w::ParseError{w::WireError::bad_length, 4}));
  // Over IPv6 a zero checksum is an error (RFC 8200 8.1).
  const auto zero = (ipv6(a6, b6) / udp(1, 2).checksum(0)).build();
  const auto z = w::UdpView::parse(std::span(zero).subspan(40));
  BOOST_TEST((w::UdpRepr::parse(*z, w::PseudoHeader::v6(a6, b6)).error() ==
              w::ParseError{w::WireError::bad_checksum, 6}));
}

BOOST_AUTO_TEST_CASE(tcp_raw_options_and_data_offset) {
  // MSS with length 3: kept as given, data offset 6, checksum valid.
  const auto seg = (ipv4(a4, b4) / tcp(1, 2).flags("S").raw_options(hex("020305"))).build();
  const auto view = w::TcpView::parse(std::span(seg).subspan(20));
  BOOST_REQUIRE(view);
  BOOST_TEST(view->data_offset() == 6);
  BOOST_TEST(to_hex(view->options()) == "02030500");
  BOOST_TEST(view->verify_checksum(w::PseudoHeader::v4(a4, b4)));
  // Data offset 15 in a 20-byte segment.
  const auto lying = (ipv4(a4, b4) / tcp(1, 2).data_offset(15)).build();
  BOOST_TEST((w::TcpView::parse(std::span(lying).subspan(20)).error() ==
              w::ParseError{w::WireError::bad_header_length, 12}));
  BOOST_TEST(tcp_flags("FSRPAUEC").bits() == 0xff);
  BOOST_TEST((tcp(1, 2).flags(flag::syn | flag::ack).repr.flags == tcp_flags("SA")));
}

BOOST_AUTO_TEST_CASE(ipv6_hop_by_hop_with_a_run_of_padding) {
  // RFC 4942 2.1.9.5 / Linux: more than 7 bytes of padding in a row.
  const auto bytes = (ipv6(a6, b6) / hop_by_hop().raw_options(hex("0106 000000000000")) / udp(1, 2)).build();
  const auto view = w::Ipv6View::parse(bytes);
  BOOST_REQUIRE(view);
  const auto chain = w::Ipv6ExtChain::walk(*view);
  BOOST_REQUIRE(!chain);
  BOOST_TEST((chain.error() == w::ParseError{w::WireError::bad_padding, 49}));
  // Hdr Ext Len past the datagram.
  const auto lying = (ipv6(a6, b6) / hop_by_hop(router_alert()).header_ext_len(5)).build();
  const auto lv = w::Ipv6View::parse(lying);
  BOOST_TEST((w::Ipv6ExtChain::walk(*lv).error() == w::ParseError{w::WireError::bad_header_length, 41}));
}

BOOST_AUTO_TEST_CASE(nd_option_of_length_zero) {
  // ND-1: an option of length 0 invalidates the message.
  const auto bytes =
      (ipv6("fe80::1", "ff02::1:ff00:2").hop_limit(255) / nd_ns("fe80::2").raw_options(hex("0100"))).build();
  const auto view = w::Ipv6View::parse(bytes);
  const auto msg = w::Icmpv6View::parse(view->payload(), w::PseudoHeader::v6(view->src(), view->dst()));
  BOOST_REQUIRE(msg);  // the checksum covers the raw option
  BOOST_TEST((w::Icmpv6Repr::parse(*msg).error() == w::ParseError{w::WireError::bad_option_length, 25}));
  // A multicast target, which the wire layer would refuse to emit.
  const auto mcast = (ipv6("fe80::1", "ff02::1").hop_limit(255) / nd_ns("ff02::1")).build();
  const auto mv = w::Ipv6View::parse(mcast);
  const auto mm = w::Icmpv6View::parse(mv->payload(), w::PseudoHeader::v6(mv->src(), mv->dst()));
  BOOST_REQUIRE(mm);
  BOOST_TEST((w::Icmpv6Repr::parse(*mm).error() == w::ParseError{w::WireError::bad_field, 8}));
}

BOOST_AUTO_TEST_CASE(icmp_code_override_and_raw_types) {
  const auto bytes = (ipv4(a4, b4) / icmp_echo_request(1, 1).code(5)).build();
  const auto v = w::Icmpv4View::parse(std::span(bytes).subspan(20));
  BOOST_REQUIRE(v);
  BOOST_TEST(v->code() == 5);
  // icmp_raw of a type with a kind of its own: an echo request 8 bytes long.
  const auto raw = (ipv4(a4, b4) / icmp_raw(8, 0, 0x00010002)).build();
  const auto rv = w::Icmpv4View::parse(std::span(raw).subspan(20));
  BOOST_REQUIRE(rv);
  BOOST_TEST((rv->type() == w::Icmpv4Type::echo_request));
  BOOST_TEST(rv->sequence_number() == 2);
  const auto v6 = (ipv6(a6, b6) / icmpv6_raw(128, 0, hex("00010002"))).build();
  const auto v6v = w::Icmpv6View::parse(std::span(v6).subspan(40), w::PseudoHeader::v6(a6, b6));
  BOOST_REQUIRE(v6v);
  BOOST_TEST((v6v->type() == w::Icmpv6Type::echo_request));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fragmentation)

BOOST_AUTO_TEST_CASE(ipv4_first_fragment_keeps_all_options_later_ones_the_copied) {
  // V4-OPT-7: Router Alert (copied flag set) goes in every fragment, RR (clear) in the first only.
  const Packet d = eth(m1, m2) / ipv4(a4, b4).identification(9).options(record_route(2), router_alert()) /
                   udp(1, 2) / payload(24, 0x61);
  const auto fragments = fragment_ipv4(d, {16});
  BOOST_REQUIRE(fragments.size() == 2u);
  for (const auto& f : fragments) BOOST_TEST(w::load_be16(f, 12) == 0x0800);  // Ethernet kept
  const auto first = w::Ipv4View::parse(std::span(fragments[0]).subspan(14));
  const auto second = w::Ipv4View::parse(std::span(fragments[1]).subspan(14));
  BOOST_REQUIRE(first);
  BOOST_REQUIRE(second);
  BOOST_TEST(first->header_len() == 20u + 16u);  // RR 11 + RA 4, padded
  BOOST_TEST(second->header_len() == 24u);       // RA only
  BOOST_TEST(first->more_fragments());
  BOOST_TEST(!second->more_fragments());
  BOOST_TEST(second->fragment_offset() == 2);
  BOOST_TEST(first->payload_len() == 16u);
  BOOST_TEST(second->payload_len() == 16u);  // 8 + 24 - 16
}

BOOST_AUTO_TEST_CASE(ipv6_fragment_after_routing_header) {
  // Destination Options before a Routing header are per-fragment; the Fragment header follows the Routing
  // header.
  const Packet d = ipv6(a6, b6) / destination_options(tlv(0x1e, hex("0000"))) /
                   routing(4, 0, hex("00000000")) / udp(1, 2) / payload(40, 0x62);
  const auto bytes = d.build();
  const auto fragments = fragment_ipv6(bytes, {24}, 5);
  BOOST_REQUIRE(fragments.size() == 2u);
  const auto v = w::Ipv6View::parse(fragments[1]);
  BOOST_REQUIRE(v);
  BOOST_TEST((v->next_header() == w::Ipv6NextHeader::destination_options));
  BOOST_TEST(w::load_u8(fragments[1], 48) == 44);  // the Routing header's Next Header
  const auto fh = w::Ipv6FragmentHeaderView::parse(v->datagram(), 56);
  BOOST_REQUIRE(fh);
  BOOST_TEST(fh->fragment_offset() == 3);
  BOOST_TEST(!fh->more_fragments());
  BOOST_TEST(fh->identification() == 5u);
  BOOST_TEST((fh->next_header() == w::Ipv6NextHeader::udp));
  BOOST_TEST(v->payload_len() == 8u + 8u + 8u + 24u);  // DO, RH, FH, 48 - 24 bytes of data
}

BOOST_AUTO_TEST_CASE(sizes_that_fill_the_datagram_leave_no_empty_last_fragment) {
  const Packet d = ipv4(a4, b4) / payload(16, 0);
  BOOST_TEST(fragment_ipv4(d, {8, 8}).size() == 2u);
  BOOST_TEST(fragment_ipv4(d, {}).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

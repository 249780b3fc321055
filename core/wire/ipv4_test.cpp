#include "ipv4.hpp"

#include <boost/test/unit_test.hpp>

#include "checksum.hpp"
#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {

// Scapy: IP(src="192.0.2.1", dst="192.0.2.2", id=0x1234) / UDP(sport=40000, dport=7) / b"hardstack"
constexpr std::string_view kUdp =
    "45000025123400004011e490c0000201c0000202 9c4000070011c4e268617264737461636b";
// Scapy: the same with flags="DF" / TCP SYN to port 80.
constexpr std::string_view kTcpSyn =
    "45000028123440004006a498c0000201c0000202 9c40005000000001000000005002ffff8f4d0000";
// Scapy: IP(tos=0xb8) / ICMP echo request id 7 seq 1 / b"ping".
constexpr std::string_view kIcmpEcho = "45b80020123400004001e3edc0000201c0000202 080019270007000170696e67";
// Scapy: fragment() of a 520-byte ICMP datagram, the second 200-byte piece (MF, offset 25).
constexpr std::string_view kFragmentHeader = "450000dc123420194001c3d0c0000201c0000202";
// Scapy: MF, offset 0, options LSRR(192.0.2.10), RR (one slot), Router Alert, NOP.
constexpr std::string_view kWithOptions =
    "4a00003812342000401191a4c0000201c0000202 830704c000020a 07070400000000 94040000 01 00"
    "000102030405060708090a0b0c0d0e0f";

// Puts a correct header checksum into `packet` (IHL taken from byte 0).
std::vector<std::byte> with_checksum(std::vector<std::byte> packet) {
  const std::size_t hlen = std::size_t{static_cast<std::uint8_t>(packet[0]) & 0x0fu} * 4;
  std::span<std::byte> header(packet.data(), std::min(hlen, packet.size()));
  store_be16(header, ipv4_field::checksum.begin, 0);
  store_be16(header, ipv4_field::checksum.begin, internet_checksum(header));
  return packet;
}

ParseError view_error(const std::vector<std::byte>& packet, ChecksumMode mode = ChecksumMode::verify) {
  auto r = Ipv4View::parse(packet, mode);
  BOOST_REQUIRE(!r);
  return r.error();
}

// Parses, emits and parses again: equal values, same payload bytes.
void check_round_trip(const std::vector<std::byte>& packet) {
  auto view = Ipv4View::parse(packet);
  BOOST_REQUIRE(view);
  auto repr = Ipv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  std::vector<std::byte> out(repr->total_len());
  auto n = repr->emit(out, view->payload());
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == repr->total_len());
  auto again = Ipv4View::parse(out);
  BOOST_REQUIRE(again);
  BOOST_TEST(same_bytes(again->payload(), view->payload()));
  auto again_repr = Ipv4Repr::parse(*again);
  BOOST_REQUIRE(again_repr);
  BOOST_TEST((*again_repr == *repr));
}

}  // namespace

// ---- valid packets -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(udp_packet_fields) {
  const auto packet = hex(kUdp);
  auto view = Ipv4View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->version() == 4);
  BOOST_TEST(view->ihl() == 5);
  BOOST_TEST(view->header_len() == 20u);
  BOOST_TEST(view->dscp() == 0);
  BOOST_TEST(view->ecn() == 0);
  BOOST_TEST(view->total_len() == 37);
  BOOST_TEST(view->identification() == 0x1234);
  BOOST_TEST(!view->reserved_flag());
  BOOST_TEST(!view->dont_fragment());
  BOOST_TEST(!view->more_fragments());
  BOOST_TEST(view->fragment_offset() == 0);
  BOOST_TEST(!view->is_fragment());
  BOOST_TEST(view->ttl() == 64);
  BOOST_TEST(view->protocol() == 17);
  BOOST_TEST(view->checksum() == 0xe490);
  BOOST_TEST(view->src().to_string() == "192.0.2.1");
  BOOST_TEST(view->dst().to_string() == "192.0.2.2");
  BOOST_TEST(view->options().empty());
  BOOST_TEST(view->payload().size() == 17u);
  BOOST_TEST(view->payload_len() == 17u);
  BOOST_TEST((view->payload()[0] == std::byte{0x9c}));

  auto repr = Ipv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->src.to_string() == "192.0.2.1");
  BOOST_TEST(repr->dst.to_string() == "192.0.2.2");
  BOOST_TEST(repr->protocol == 17);
  BOOST_TEST(repr->ttl == 64);
  BOOST_TEST(repr->identification == 0x1234);
  BOOST_TEST(repr->payload_len == 17);
  BOOST_TEST(repr->options.empty());
  BOOST_TEST(repr->header_len() == 20u);
  // Emitting gives back Scapy's bytes exactly, checksum included.
  std::array<std::byte, 64> out{};
  auto n = repr->emit(out, view->payload());
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == packet.size());
  BOOST_TEST(std::equal(packet.begin(), packet.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(tcp_syn_has_dont_fragment) {
  const auto packet = hex(kTcpSyn);
  auto view = Ipv4View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->dont_fragment());
  BOOST_TEST(view->protocol() == 6);
  auto repr = Ipv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->dont_fragment);
  std::array<std::byte, 64> out{};
  BOOST_REQUIRE(repr->emit(out, view->payload()));
  BOOST_TEST(std::equal(packet.begin(), packet.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(dscp_and_ecn_split_the_tos_byte) {
  const auto echo = hex(kIcmpEcho);
  auto view = Ipv4View::parse(echo);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->dscp() == 46);  // 0xb8: EF
  BOOST_TEST(view->ecn() == 0);
  BOOST_TEST(view->protocol() == 1);
  auto ce = hex(kUdp);
  ce[1] = std::byte{0xbb};  // EF + CE
  const auto packet = with_checksum(ce);
  auto ce_view = Ipv4View::parse(packet);
  BOOST_REQUIRE(ce_view);
  BOOST_TEST(ce_view->dscp() == 46);
  BOOST_TEST(ce_view->ecn() == 3);
  auto repr = Ipv4Repr::parse(*ce_view);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->dscp == 46);
  BOOST_TEST(repr->ecn == 3);
  std::array<std::byte, 64> out{};
  BOOST_REQUIRE(repr->emit(out, ce_view->payload()));
  BOOST_TEST(std::equal(packet.begin(), packet.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(V4_HDR_2_bytes_past_total_length_are_never_exposed) {
  auto padded = hex(kUdp);
  padded.resize(padded.size() + 17, std::byte{0xee});  // Ethernet minimum-size padding
  auto view = Ipv4View::parse(padded);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->bytes().size() == 37u);
  BOOST_TEST(view->payload().size() == 17u);
  BOOST_TEST((view->payload().back() == std::byte{0x6b}));
  auto repr = Ipv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->payload_len == 17);
}

BOOST_AUTO_TEST_CASE(fragment_fields) {
  // The header alone with a fake 200-byte payload (total length 220).
  auto packet = hex(kFragmentHeader);
  packet.resize(220);
  auto view = Ipv4View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->more_fragments());
  BOOST_TEST(view->fragment_offset() == 25);
  BOOST_TEST(view->fragment_offset_bytes() == 200u);
  BOOST_TEST(view->is_fragment());
  auto repr = Ipv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->more_fragments);
  BOOST_TEST(repr->fragment_offset == 25);
  BOOST_TEST(repr->fragment_offset_bytes() == 200u);
  BOOST_TEST(repr->payload_len == 200);
  check_round_trip(packet);

  // Last fragment: offset only, MF clear, still a fragment.
  auto last = hex(kFragmentHeader);
  last[6] = std::byte{0x00};
  last.resize(220);
  const auto last_packet = with_checksum(last);
  auto last_view = Ipv4View::parse(last_packet);
  BOOST_REQUIRE(last_view);
  BOOST_TEST(!last_view->more_fragments());
  BOOST_TEST(last_view->is_fragment());
}

BOOST_AUTO_TEST_CASE(packet_with_options_decodes_and_round_trips) {
  const auto packet = hex(kWithOptions);
  auto view = Ipv4View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->header_len() == 40u);
  BOOST_TEST(view->options().size() == 20u);
  BOOST_TEST(view->payload().size() == 16u);
  auto repr = Ipv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  BOOST_REQUIRE(repr->options.size() == 4u);
  BOOST_TEST(repr->options.has_source_route());
  BOOST_TEST(repr->options.source_route()->addresses()[0].to_string() == "192.0.2.10");
  BOOST_TEST(repr->options.router_alert().value_or(1) == 0);
  BOOST_TEST(repr->options.record_route()->pointer() == 4);
  BOOST_TEST(repr->header_len() == 40u);
  // Same options, same order: the emitted packet is Scapy's byte for byte.
  std::array<std::byte, 64> out{};
  auto n = repr->emit(out, view->payload());
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == packet.size());
  BOOST_TEST(std::equal(packet.begin(), packet.end(), out.begin()));
  // A non-first fragment would carry only LSRR and Router Alert (V4-OPT-7).
  Ipv4Repr later = *repr;
  later.options = repr->options.copied_only();
  later.fragment_offset = 2;
  BOOST_TEST(later.options.size() == 2u);
  BOOST_TEST(later.header_len() == 32u);
  n = later.emit(out, view->payload());
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 48u);
  const auto expected_options = hex("830704c000020a 94040000 00");
  BOOST_TEST(std::equal(expected_options.begin(), expected_options.end(), out.begin() + 20));
  auto later_view = Ipv4View::parse(std::span<const std::byte>(out).first(*n));
  BOOST_REQUIRE(later_view);
  BOOST_TEST((Ipv4Repr::parse(*later_view).value() == later));
}

BOOST_AUTO_TEST_CASE(round_trip_drops_bytes_after_eol_and_shrinks_ihl) {
  // IHL 7: NOP, EOL, then bytes that are not options at all.
  const auto packet =
      with_checksum(hex("47000020123400004011 0000 c0000201c0000202 0100 0700ffff 0000"
                        "deadbeef"));
  auto view = Ipv4View::parse(packet);
  BOOST_REQUIRE(view);
  auto repr = Ipv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->options.size() == 1u);
  BOOST_TEST(repr->header_len() == 24u);
  BOOST_TEST(repr->payload_len == 4);
  check_round_trip(packet);
}

BOOST_AUTO_TEST_CASE(reserved_flag_is_seen_but_not_kept) {
  // RFC 791 says zero; Linux ignores it. The value drops it, emit writes zero.
  auto evil = hex(kUdp);
  evil[6] = std::byte{0x80};
  const auto packet = with_checksum(evil);
  auto view = Ipv4View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->reserved_flag());
  BOOST_TEST(!view->dont_fragment());
  auto repr = Ipv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  std::array<std::byte, 64> out{};
  BOOST_REQUIRE(repr->emit(out, view->payload()));
  BOOST_TEST((out[6] == std::byte{0x00}));
  check_round_trip(packet);
}

// ---- malformed headers, in Linux ip_rcv order --------------------------------------

BOOST_AUTO_TEST_CASE(V4_HDR_2_short_buffers_are_truncated) {
  const std::vector<std::byte> empty;
  BOOST_TEST((view_error(empty) == ParseError{WireError::truncated, 0}));
  auto packet = hex(kUdp);
  packet.resize(19);
  BOOST_TEST((view_error(packet) == ParseError{WireError::truncated, 19}));
  packet.resize(1);
  BOOST_TEST((view_error(packet) == ParseError{WireError::truncated, 1}));
}

BOOST_AUTO_TEST_CASE(V4_HDR_1_version_other_than_4) {
  auto v6 = hex(kUdp);
  v6[0] = std::byte{0x65};
  BOOST_TEST((view_error(with_checksum(v6)) == ParseError{WireError::bad_version, 0}));
  // Version is checked before IHL (both live in byte 0).
  v6[0] = std::byte{0x64};
  BOOST_TEST((view_error(v6) == ParseError{WireError::bad_version, 0}));
  // ...and before the header checksum.
  v6[0] = std::byte{0x05};
  BOOST_TEST((view_error(v6) == ParseError{WireError::bad_version, 0}));
}

BOOST_AUTO_TEST_CASE(V4_HDR_2_ihl_below_5) {
  auto packet = hex(kUdp);
  packet[0] = std::byte{0x44};
  BOOST_TEST((view_error(with_checksum(packet)) == ParseError{WireError::bad_header_length, 0}));
  packet[0] = std::byte{0x40};
  BOOST_TEST((view_error(packet) == ParseError{WireError::bad_header_length, 0}));
}

BOOST_AUTO_TEST_CASE(V4_HDR_2_ihl_past_the_bytes_is_truncated) {
  // IHL 6 in a 20-byte buffer; IHL 15 in 37 bytes: missing bytes start at the end.
  auto packet = hex(kUdp);
  packet[0] = std::byte{0x46};
  std::vector<std::byte> twenty(packet.begin(), packet.begin() + 20);
  BOOST_TEST((view_error(twenty) == ParseError{WireError::truncated, 20}));
  packet[0] = std::byte{0x4f};
  BOOST_TEST((view_error(packet) == ParseError{WireError::truncated, 37}));
}

BOOST_AUTO_TEST_CASE(V4_HDR_3_bad_header_checksum) {
  auto packet = hex(kUdp);
  packet[11] ^= std::byte{0x01};
  BOOST_TEST((view_error(packet) == ParseError{WireError::bad_checksum, 10}));
  // A zero checksum field is not "no checksum" in IPv4.
  packet[10] = packet[11] = std::byte{0};
  BOOST_TEST((view_error(packet) == ParseError{WireError::bad_checksum, 10}));
  // ChecksumMode::ignore lets it through with every field intact.
  auto ignored = Ipv4View::parse(packet, ChecksumMode::ignore);
  BOOST_REQUIRE(ignored);
  BOOST_TEST(ignored->checksum() == 0);
  BOOST_TEST(ignored->total_len() == 37);
  // The checksum covers options too.
  auto options = hex(kWithOptions);
  options[27] ^= std::byte{0x10};
  BOOST_TEST((view_error(options) == ParseError{WireError::bad_checksum, 10}));
  // The payload is not covered.
  auto payload = hex(kUdp);
  payload[30] ^= std::byte{0xff};
  BOOST_TEST(Ipv4View::parse(payload).has_value());
}

BOOST_AUTO_TEST_CASE(V4_HDR_3_checksum_is_checked_before_total_length) {
  auto packet = hex(kUdp);
  packet[3] = std::byte{200};  // total length 200 > 37, checksum now wrong
  BOOST_TEST((view_error(packet) == ParseError{WireError::bad_checksum, 10}));
  BOOST_TEST((view_error(packet, ChecksumMode::ignore) == ParseError{WireError::bad_total_length, 2}));
}

BOOST_AUTO_TEST_CASE(V4_HDR_2_total_length_bounds) {
  auto packet = hex(kUdp);
  // More than arrived.
  packet[3] = std::byte{38};
  BOOST_TEST((view_error(with_checksum(packet)) == ParseError{WireError::bad_total_length, 2}));
  packet[2] = std::byte{0xff};
  packet[3] = std::byte{0xff};
  BOOST_TEST((view_error(with_checksum(packet)) == ParseError{WireError::bad_total_length, 2}));
  // Less than the header: 19, 0; and 20 with a 24-byte header.
  packet[2] = std::byte{0};
  packet[3] = std::byte{19};
  BOOST_TEST((view_error(with_checksum(packet)) == ParseError{WireError::bad_total_length, 2}));
  packet[3] = std::byte{0};
  BOOST_TEST((view_error(with_checksum(packet)) == ParseError{WireError::bad_total_length, 2}));
  auto options = hex("46000014123400004011 0000 c0000201c0000202 01010101 0000");
  BOOST_TEST((view_error(with_checksum(options)) == ParseError{WireError::bad_total_length, 2}));
  // Exactly the header: a valid empty datagram.
  packet[3] = std::byte{20};
  const auto header_only = with_checksum(packet);
  auto view = Ipv4View::parse(header_only);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->payload().empty());
}

BOOST_AUTO_TEST_CASE(option_errors_point_into_the_header) {
  // RR with pointer 3: parameter problem at byte 22.
  const auto bad_pointer = with_checksum(hex("46000018123400004011 0000 c0000201c0000202 07030300"));
  auto view = Ipv4View::parse(bad_pointer);
  BOOST_REQUIRE(view);  // the view does not look at options
  BOOST_TEST((Ipv4Repr::parse(*view).error() == ParseError{WireError::bad_option_pointer, 22}));
  // Timestamp full with overflow 15 after a NOP: at its flags byte, 24.
  const auto overflow =
      with_checksum(hex("48000020123400004011 0000 c0000201c0000202 01 44 08 09 f0 00000001 000000"));
  auto overflow_view = Ipv4View::parse(overflow);
  BOOST_REQUIRE(overflow_view);
  BOOST_TEST((Ipv4Repr::parse(*overflow_view).error() == ParseError{WireError::option_overflow, 24}));
}

// ---- emit ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(emit_refuses_small_buffers) {
  Ipv4Repr repr;
  repr.payload_len = 4;
  const auto payload = hex("01020304");
  std::array<std::byte, 23> short_by_one{};
  BOOST_TEST((repr.emit(short_by_one, payload).error() == WireError::buffer_too_small));
  std::array<std::byte, 19> no_header{};
  BOOST_TEST((repr.emit_header(no_header).error() == WireError::buffer_too_small));
  std::array<std::byte, 24> exact{};
  BOOST_TEST(repr.emit(exact, payload).value_or(0) == 24u);
  BOOST_REQUIRE(repr.options.push_back(Ipv4Option::router_alert(0)));
  BOOST_TEST((repr.emit(exact, payload).error() == WireError::buffer_too_small));
}

BOOST_AUTO_TEST_CASE(emit_refuses_unrepresentable_values) {
  std::array<std::byte, 128> out{};
  const auto payload = hex("01020304");
  Ipv4Repr ok;
  ok.payload_len = 4;
  BOOST_TEST(ok.emit(out, payload).has_value());
  auto bad = ok;
  bad.dscp = 64;
  BOOST_TEST((bad.emit(out, payload).error() == WireError::unrepresentable));
  bad = ok;
  bad.ecn = 4;
  BOOST_TEST((bad.emit(out, payload).error() == WireError::unrepresentable));
  bad = ok;
  bad.fragment_offset = 0x2000;
  BOOST_TEST((bad.emit_header(out).error() == WireError::unrepresentable));
  bad = ok;
  bad.payload_len = 5;  // payload is 4 bytes
  BOOST_TEST((bad.emit(out, payload).error() == WireError::unrepresentable));
  bad = ok;
  bad.payload_len = 65516;  // 20 + 65516 > 65535
  BOOST_TEST((bad.emit_header(out).error() == WireError::unrepresentable));
  bad.payload_len = 65515;
  BOOST_TEST(bad.emit_header(out).value_or(0) == 20u);
  // Options over 40 bytes cannot be built (V4-OPT-7): the eleventh Router
  // Alert is refused, ten make a 60-byte header.
  bad = ok;
  for (int i = 0; i < 10; ++i) BOOST_REQUIRE(bad.options.push_back(Ipv4Option::router_alert(0)));
  BOOST_TEST(!bad.options.push_back(Ipv4Option::router_alert(0)));
  BOOST_TEST(bad.emit(out, payload).value_or(0) == 64u);
  bad.payload_len = 65476;  // 60 + 65476 > 65535
  BOOST_TEST((bad.emit_header(out).error() == WireError::unrepresentable));
}

BOOST_AUTO_TEST_CASE(emit_header_leaves_room_for_the_payload) {
  Ipv4Repr repr;
  repr.src = Ipv4Address::from_string("192.0.2.1").value();
  repr.dst = Ipv4Address::from_string("192.0.2.2").value();
  repr.protocol = 17;
  repr.identification = 0x1234;
  repr.payload_len = 17;
  std::array<std::byte, 20> header{};
  auto n = repr.emit_header(header);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 20u);
  const auto expected = hex(kUdp);
  BOOST_TEST(std::equal(header.begin(), header.end(), expected.begin()));
}

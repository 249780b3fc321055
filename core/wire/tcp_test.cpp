#include "tcp.hpp"

#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"
#include "inline_vector.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;
using hardstack::harness::to_hex;

namespace {
const auto v4 = PseudoHeader::v4(Ipv4Address::from_u32(0xc0000201), Ipv4Address::from_u32(0xc0000202));
const auto v4_reply = PseudoHeader::v4(Ipv4Address::from_u32(0xc0000202), Ipv4Address::from_u32(0xc0000201));
const auto v6_reply =
    PseudoHeader::v6(*Ipv6Address::from_string("2001:db8::2"), *Ipv6Address::from_string("2001:db8::1"));

// Scapy, IP(src="192.0.2.1", dst="192.0.2.2")/TCP(sport=40000, dport=80,
// seq=0x01020304, flags="S", window=64240, options=[MSS 1460, SAckOK,
// Timestamp (123456, 0), NOP, WScale 7]): a Linux-shaped SYN.
const auto scapy_syn4 =
    hex("9c40 0050 01020304 00000000 a002 faf0 4633 0000"
        "020405b4 0402080a 0001e240 00000000 01030307");
// Scapy, IPv6(src="2001:db8::2", dst="2001:db8::1")/TCP(sport=80, dport=40000,
// seq=0xfffffff0, ack=0x01020305, flags="SA", window=65160, options=[MSS 1440,
// SAckOK, Timestamp (7777, 123456), NOP, WScale 7]).
const auto scapy_synack6 =
    hex("0050 9c40 fffffff0 01020305 a012 fe88 4cdb 0000"
        "020405a0 0402080a 00001e61 0001e240 01030307");
// Scapy, IPv4 as the SYN, flags="PA", seq=0x01020305, ack=0xfffffff1,
// window=502, options=[NOP NOP Timestamp (123500, 7777) NOP NOP SAck (100,
// 200, 300, 400)], payload "GET / HTTP/1.0\r\n\r\n".
const auto scapy_data4 =
    hex("9c40 0050 01020305 fffffff1 d018 01f6 16a2 0000"
        "0101080a 0001e26c 00001e61 01010512 00000064 000000c8 0000012c 00000190"
        "474554202f20485454502f312e300d0a0d0a");
// Scapy, 192.0.2.2 -> 192.0.2.1: TCP(sport=80, dport=40000, seq=1000, flags="R", window=0).
const auto scapy_rst4 = hex("0050 9c40 000003e8 00000000 5004 0000 8b64 0000");
// Scapy, 192.0.2.1 -> 192.0.2.2: flags="FA", seq=2000, ack=3000, window=502.
const auto scapy_finack4 = hex("9c40 0050 000007d0 00000bb8 5011 01f6 79c1 0000");
// Scapy: flags="PAU", urgptr=3, payload "abc".
const auto scapy_urg4 = hex("9c40 0050 000007d0 00000bb8 5038 01f6 b531 0003 616263");
// Scapy: flags="FSRPAUECN", reserved=7: every bit of bytes 12-13 below the data offset.
const auto scapy_allflags4 = hex("0001 0002 00000000 00000000 5fff 0000 1bdf 0000");

ParseError view_error(const std::vector<std::byte>& bytes) {
  auto r = TcpView::parse(bytes);
  BOOST_REQUIRE(!r);
  return r.error();
}

TcpRepr parse_repr(const std::vector<std::byte>& bytes, const PseudoHeader& pseudo) {
  auto view = TcpView::parse(bytes);
  BOOST_REQUIRE(view);
  auto repr = TcpRepr::parse(*view, pseudo);
  BOOST_REQUIRE(repr);
  return *repr;
}

// Emitting the parsed value gives back the exact bytes (true of Linux-shaped
// option layouts, which the emitter reproduces), and re-parses equal.
void check_exact_round_trip(const std::vector<std::byte>& bytes, const PseudoHeader& pseudo) {
  auto view = TcpView::parse(bytes);
  BOOST_REQUIRE(view);
  const auto repr = parse_repr(bytes, pseudo);
  std::array<std::byte, 128> out{};
  auto n = repr.emit(out, view->payload(), pseudo);
  BOOST_REQUIRE(n);
  BOOST_TEST(to_hex(Bytes(out).first(*n)) == to_hex(bytes));
  auto again_view = TcpView::parse(Bytes(out).first(*n));
  BOOST_REQUIRE(again_view);
  auto again = TcpRepr::parse(*again_view, pseudo);
  BOOST_REQUIRE(again);
  BOOST_TEST((*again == repr));
}
}  // namespace

BOOST_AUTO_TEST_CASE(TCP_HDR_1_scapy_syn_fields) {
  auto view = TcpView::parse(scapy_syn4);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->src_port() == 40000);
  BOOST_TEST(view->dst_port() == 80);
  BOOST_TEST(view->seq().value() == 0x01020304u);
  BOOST_TEST(view->ack().value() == 0u);
  BOOST_TEST(view->data_offset() == 10);
  BOOST_TEST(view->header_len() == 40u);
  BOOST_TEST((view->flags() == TcpFlags(TcpFlag::syn)));
  BOOST_TEST(view->window() == 64240);
  BOOST_TEST(view->checksum() == 0x4633);
  BOOST_TEST(view->urgent_pointer() == 0);
  BOOST_TEST(view->options().size() == 20u);
  BOOST_TEST(view->payload().empty());
  BOOST_TEST(view->verify_checksum(v4));
  // (Swapping source and destination would not change the sum: another address.)
  BOOST_TEST(!view->verify_checksum(
      PseudoHeader::v4(Ipv4Address::from_u32(0xc0000201), Ipv4Address::from_u32(0xc0000203))));

  const auto repr = parse_repr(scapy_syn4, v4);
  BOOST_TEST(repr.options.maximum_segment_size.value_or(0) == 1460);
  BOOST_TEST(repr.options.sack_permitted);
  BOOST_TEST((repr.options.timestamps.value_or(TcpTimestamps{}) == TcpTimestamps{123456, 0}));
  BOOST_TEST(repr.options.window_scale.value_or(TcpWindowScale{}).shift == 7);
  BOOST_TEST(repr.options.sack_blocks.empty());
  BOOST_TEST(repr.payload_len == 0u);
  check_exact_round_trip(scapy_syn4, v4);
}

BOOST_AUTO_TEST_CASE(TCP_HDR_1_scapy_ipv6_syn_ack_with_sequence_near_the_wrap) {
  const auto repr = parse_repr(scapy_synack6, v6_reply);
  BOOST_TEST(repr.src_port == 80);
  BOOST_TEST(repr.seq.value() == 0xfffffff0u);
  BOOST_TEST(repr.ack.value() == 0x01020305u);
  BOOST_TEST((repr.flags == (TcpFlag::syn | TcpFlag::ack)));
  BOOST_TEST(repr.window == 65160);
  BOOST_TEST(repr.options.maximum_segment_size.value_or(0) == 1440);
  BOOST_TEST((repr.options.timestamps.value_or(TcpTimestamps{}) == TcpTimestamps{7777, 123456}));
  check_exact_round_trip(scapy_synack6, v6_reply);
}

BOOST_AUTO_TEST_CASE(TCP_HDR_1_scapy_data_segment_with_sack_blocks) {
  auto view = TcpView::parse(scapy_data4);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->header_len() == 52u);
  BOOST_TEST(view->payload().size() == 18u);
  const auto repr = parse_repr(scapy_data4, v4);
  BOOST_TEST((repr.flags == (TcpFlag::psh | TcpFlag::ack)));
  BOOST_TEST(repr.ack.value() == 0xfffffff1u);
  BOOST_REQUIRE(repr.options.sack_blocks.size() == 2u);
  BOOST_TEST((repr.options.sack_blocks[0] == TcpSackBlock{100, 200}));
  BOOST_TEST((repr.options.sack_blocks[1] == TcpSackBlock{300, 400}));
  BOOST_TEST(repr.payload_len == 18u);
  check_exact_round_trip(scapy_data4, v4);
}

BOOST_AUTO_TEST_CASE(TCP_HDR_1_rst_fin_and_urgent_segments) {
  const auto rst = parse_repr(scapy_rst4, v4_reply);
  BOOST_TEST((rst.flags == TcpFlags(TcpFlag::rst)));
  BOOST_TEST(rst.flags.rst());
  BOOST_TEST(!rst.flags.ack());
  BOOST_TEST(rst.seq.value() == 1000u);
  check_exact_round_trip(scapy_rst4, v4_reply);

  const auto fin = parse_repr(scapy_finack4, v4);
  BOOST_TEST(fin.flags.fin());
  BOOST_TEST(fin.flags.ack());
  BOOST_TEST(!fin.flags.syn());
  BOOST_TEST(fin.ack.value() == 3000u);
  check_exact_round_trip(scapy_finack4, v4);

  const auto urg = parse_repr(scapy_urg4, v4);
  BOOST_TEST(urg.flags.urg());
  BOOST_TEST(urg.flags.psh());
  BOOST_TEST(urg.urgent_pointer == 3);
  BOOST_TEST(urg.payload_len == 3u);
  check_exact_round_trip(scapy_urg4, v4);
}

BOOST_AUTO_TEST_CASE(TCP_HDR_1_every_flag_and_the_reserved_bits_are_kept) {
  auto view = TcpView::parse(scapy_allflags4);
  BOOST_REQUIRE(view);
  const TcpFlags f = view->flags();
  BOOST_TEST(f.bits() == 0xfffu);
  BOOST_TEST(f.control_bits() == 0xffu);
  BOOST_TEST(f.reserved() == 0xfu);
  BOOST_TEST((f.fin() && f.syn() && f.rst() && f.psh() && f.ack() && f.urg() && f.ece() && f.cwr()));
  check_exact_round_trip(scapy_allflags4, v4);
  // Reserved bits alone, and ECE/CWR alone.
  BOOST_TEST(TcpFlags::from_bits(0x0a00).reserved() == 0xau);
  BOOST_TEST(TcpFlags::from_bits(0x0a00).control_bits() == 0u);
  BOOST_TEST((TcpFlags::from_bits(0x00c0) == (TcpFlag::ece | TcpFlag::cwr)));
  // The data offset nibble never leaks into the flags.
  BOOST_TEST(TcpFlags::from_bits(0xf012).bits() == 0x012u);
}

BOOST_AUTO_TEST_CASE(TCP_HDR_1_malformed_headers_report_error_and_offset) {
  const std::vector<std::byte> empty;
  BOOST_TEST((TcpView::parse(empty).error() == ParseError{WireError::truncated, 0}));
  // 19 bytes.
  BOOST_TEST((view_error(hex("9c40 0050 00000000 00000000 5002 0000 0000 00")) ==
              ParseError{WireError::truncated, 19}));
  // Data offset 4, 0: below the 20-byte header.
  BOOST_TEST((view_error(hex("9c40 0050 00000000 00000000 4002 0000 0000 0000")) ==
              ParseError{WireError::bad_header_length, 12}));
  BOOST_TEST((view_error(hex("9c40 0050 00000000 00000000 0002 0000 0000 0000")) ==
              ParseError{WireError::bad_header_length, 12}));
  // Data offset 15 (60 bytes) with only 20; offset 6 with 23 bytes.
  BOOST_TEST((view_error(hex("9c40 0050 00000000 00000000 f002 0000 0000 0000")) ==
              ParseError{WireError::bad_header_length, 12}));
  BOOST_TEST((view_error(hex("9c40 0050 00000000 00000000 6002 0000 0000 0000 010101")) ==
              ParseError{WireError::bad_header_length, 12}));
}

BOOST_AUTO_TEST_CASE(TCP_HDR_1_data_offset_5_and_15_boundaries_parse) {
  const auto five = hex("9c40 0050 00000000 00000000 5002 0000 0000 0000");
  auto v5 = TcpView::parse(five);
  BOOST_REQUIRE(v5);
  BOOST_TEST(v5->options().empty());
  BOOST_TEST(v5->payload().empty());
  // Offset 15: 40 bytes of NOPs, then 2 payload bytes.
  std::vector<std::byte> fifteen = hex("9c40 0050 00000000 00000000 f002 0000 0000 0000");
  fifteen.insert(fifteen.end(), 40, std::byte{0x01});
  fifteen.push_back(std::byte{0xaa});
  fifteen.push_back(std::byte{0xbb});
  auto v15 = TcpView::parse(fifteen);
  BOOST_REQUIRE(v15);
  BOOST_TEST(v15->header_len() == 60u);
  BOOST_TEST(v15->options().size() == 40u);
  BOOST_TEST(to_hex(v15->payload()) == "aabb");
  auto walker = v15->option_walker();
  BOOST_TEST(!walker.next());
  BOOST_TEST((walker.stop() == TcpOptionStopNote{TcpOptionStop::end_of_header, 60}));
}

BOOST_AUTO_TEST_CASE(TCP_HDR_1_bad_checksum_at_16_unless_ignored) {
  auto bad = scapy_syn4;
  bad[17] = std::byte{0x34};
  auto view = TcpView::parse(bad);
  BOOST_REQUIRE(view);
  BOOST_TEST((TcpRepr::parse(*view, v4).error() == ParseError{WireError::bad_checksum, 16}));
  BOOST_TEST(TcpRepr::parse(*view, v4, ChecksumMode::ignore).has_value());
  // The right bytes against the wrong pseudo-header.
  auto good = TcpView::parse(scapy_synack6);
  BOOST_REQUIRE(good);
  BOOST_TEST((TcpRepr::parse(*good, v4).error() == ParseError{WireError::bad_checksum, 16}));
  // A payload byte changed.
  auto data = scapy_data4;
  data.back() = std::byte{0x0b};
  auto changed = TcpView::parse(data);
  BOOST_REQUIRE(changed);
  BOOST_TEST((TcpRepr::parse(*changed, v4).error() == ParseError{WireError::bad_checksum, 16}));
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_option_trouble_never_rejects_the_segment) {
  // MSS, then a kind with length 0: the segment parses, the MSS is kept.
  auto segment = hex("9c40 0050 00000001 00000000 7002 ffff 0000 0000 020405b4 fe00 0000");
  auto view = TcpView::parse(segment);
  BOOST_REQUIRE(view);
  auto repr = TcpRepr::parse(*view, v4, ChecksumMode::ignore);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->options.maximum_segment_size.value_or(0) == 1460);
  BOOST_TEST(repr->options.unknown.empty());
  auto walker = view->option_walker();
  BOOST_REQUIRE(walker.next());
  BOOST_TEST(!walker.next());
  BOOST_TEST((walker.stop() == TcpOptionStopNote{TcpOptionStop::length_too_small, 25}));
  // Re-emitted, the value is the same (what was not read is not part of it).
  std::array<std::byte, 64> out{};
  auto n = repr->emit(out, view->payload(), v4);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 24u);
  auto again_view = TcpView::parse(Bytes(out).first(*n));
  BOOST_REQUIRE(again_view);
  auto again = TcpRepr::parse(*again_view, v4);
  BOOST_REQUIRE(again);
  BOOST_TEST((*again == *repr));
}

BOOST_AUTO_TEST_CASE(emit_builds_a_syn_like_linux) {
  TcpRepr syn;
  syn.src_port = 40000;
  syn.dst_port = 80;
  syn.seq = SeqNum(0x01020304);
  syn.flags = TcpFlag::syn;
  syn.window = 64240;
  syn.options.maximum_segment_size = 1460;
  syn.options.sack_permitted = true;
  syn.options.timestamps = TcpTimestamps{123456, 0};
  syn.options.window_scale = TcpWindowScale{7};
  BOOST_TEST(syn.header_len().value_or(0) == 40u);
  std::array<std::byte, 40> out{};
  auto n = syn.emit(out, {}, v4);
  BOOST_REQUIRE(n);
  BOOST_TEST(to_hex(out) == to_hex(scapy_syn4));
}

BOOST_AUTO_TEST_CASE(emit_refuses_small_buffers_and_bad_values) {
  TcpRepr r;
  r.flags = TcpFlag::ack;
  r.payload_len = 3;
  const auto payload = hex("616263");
  std::array<std::byte, 22> small{};
  BOOST_TEST((r.emit(small, payload, v4).error() == WireError::buffer_too_small));
  std::array<std::byte, 19> tiny{};
  TcpRepr bare;
  BOOST_TEST((bare.emit(tiny, {}, v4).error() == WireError::buffer_too_small));
  std::array<std::byte, 64> out{};
  BOOST_TEST((r.emit(out, hex("61"), v4).error() == WireError::unrepresentable));
  // Options that cannot fit in 40 bytes.
  TcpRepr big;
  big.options.timestamps = TcpTimestamps{1, 2};
  for (std::uint32_t i = 0; i < 4; ++i) BOOST_REQUIRE(big.options.sack_blocks.push_back({i, i + 1}));
  BOOST_TEST((big.header_len().error() == WireError::unrepresentable));
  BOOST_TEST((big.emit(out, {}, v4).error() == WireError::unrepresentable));
  // Over IPv4 the pseudo-header length is 16 bits: 65516 + 20 is one too many.
  std::vector<std::byte> huge(65516);
  std::vector<std::byte> huge_out(65600);
  TcpRepr h;
  h.payload_len = huge.size();
  BOOST_TEST((h.emit(huge_out, huge, v4).error() == WireError::unrepresentable));
  h.payload_len = huge.size() - 1;
  BOOST_TEST(h.emit(huge_out, Bytes(huge).first(h.payload_len), v4).value_or(0) == 65535u);
  // Over IPv6 the length is 32 bits.
  h.payload_len = huge.size();
  BOOST_TEST(h.emit(huge_out, huge, v6_reply).value_or(0) == 65536u);
}

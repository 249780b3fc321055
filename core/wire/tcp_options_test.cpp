#include "tcp_options.hpp"

#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;
using hardstack::harness::to_hex;

namespace {

TcpOptionsParse parse(const std::vector<std::byte>& area) { return TcpOptions::parse(area); }

TcpOptionStopNote note(TcpOptionStop reason, std::uint32_t offset) { return {reason, offset}; }

std::string emitted(const TcpOptions& o) {
  std::array<std::byte, 40> out{};
  auto n = o.emit(out);
  BOOST_REQUIRE(n);
  return to_hex(Bytes(out).first(*n));
}

// Parse -> emit -> parse gives the same value, and the emitted area is a
// multiple of 4 within 40 bytes that reads to the end without trouble.
void check_round_trip(const std::vector<std::byte>& area) {
  const auto first = TcpOptions::parse(area);
  std::array<std::byte, 40> out{};
  auto n = first.options.emit(out);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n % 4 == 0u);
  BOOST_TEST(*n <= 40u);
  auto len = first.options.encoded_len();
  BOOST_REQUIRE(len);
  BOOST_TEST(*len == *n);
  const auto second = TcpOptions::parse(Bytes(out).first(*n));
  BOOST_TEST((second.options == first.options), to_hex(area) << " -> " << to_hex(Bytes(out).first(*n)));
  BOOST_TEST(second.ignored == 0u);
  BOOST_TEST((second.stop.reason == TcpOptionStop::end_of_header ||
              second.stop.reason == TcpOptionStop::end_of_option_list));
}

}  // namespace

// ---- The walker (TCP-OPT-1 layout rules) ----

BOOST_AUTO_TEST_CASE(TCP_OPT_1_walker_yields_tlvs_skips_nops_and_reports_clean_end) {
  const auto area = hex("01 01 0204 05b4 01 fd04 abcd");
  TcpOptionWalker w(area);
  auto mss = w.next();
  BOOST_REQUIRE(mss);
  BOOST_TEST(mss->kind == 2);
  BOOST_TEST(mss->offset == 22u);  // counted from the TCP header: 20 + 2 NOPs
  BOOST_TEST(to_hex(mss->data) == "05b4");
  auto exp = w.next();
  BOOST_REQUIRE(exp);
  BOOST_TEST(exp->kind == 253);
  BOOST_TEST(exp->offset == 27u);
  BOOST_TEST(to_hex(exp->data) == "abcd");
  BOOST_TEST(!w.next());
  BOOST_TEST((w.stop() == note(TcpOptionStop::end_of_header, 31)));
  BOOST_TEST(!w.next());  // stays stopped
  BOOST_TEST(std::string(to_string(TcpOptionStop::length_past_header)) == "length_past_header");
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_empty_area_and_nop_only_area) {
  const std::vector<std::byte> empty;
  TcpOptionWalker w(empty);
  BOOST_TEST(!w.next());
  BOOST_TEST((w.stop() == note(TcpOptionStop::end_of_header, 20)));
  const auto nops = hex("01010101");
  TcpOptionWalker w2(nops);
  BOOST_TEST(!w2.next());
  BOOST_TEST((w2.stop() == note(TcpOptionStop::end_of_header, 24)));
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_eol_ends_the_list_even_mid_area) {
  // MSS, EOL, then a timestamp that must not be read.
  const auto area = hex("020405b4 00 080a 00000001 00000002 0000 00");
  const auto p = parse(area);
  BOOST_TEST(p.options.maximum_segment_size.value_or(0) == 1460);
  BOOST_TEST(!p.options.timestamps.has_value());
  BOOST_TEST((p.stop == note(TcpOptionStop::end_of_option_list, 24)));
  const auto eol_first = hex("00 020405b4 000000");
  const auto q = parse(eol_first);
  BOOST_TEST(!q.options.maximum_segment_size.has_value());
  BOOST_TEST((q.stop == note(TcpOptionStop::end_of_option_list, 20)));
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_length_below_2_stops_parsing_keeping_what_came_before) {
  // Linux tcp_parse_options: opsize < 2 -> "silly options", return.
  for (const char* bad : {"00", "01"}) {
    const auto area = hex(std::string("0402 fe") + bad + "0000 020405b4");
    const auto p = parse(area);
    BOOST_TEST(p.options.sack_permitted);
    BOOST_TEST(!p.options.maximum_segment_size.has_value());
    BOOST_TEST(p.options.unknown.empty());
    BOOST_TEST((p.stop == note(TcpOptionStop::length_too_small, 23)), bad);
  }
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_length_running_past_the_header_stops_parsing) {
  // Linux: opsize > length -> "don't parse partial options", return.
  const auto area = hex("01 0303 07 080b 00000001 00000002");  // TS claims 11 of 10 bytes left
  const auto p = parse(area);
  BOOST_TEST(p.options.window_scale.has_value());
  BOOST_TEST(!p.options.timestamps.has_value());
  BOOST_TEST((p.stop == note(TcpOptionStop::length_past_header, 25)));
  // Length 255 in a 4-byte area.
  const auto big = hex("01 01 1eff");
  BOOST_TEST((parse(big).stop == note(TcpOptionStop::length_past_header, 23)));
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_kind_in_the_last_byte_has_no_length) {
  // Linux/FreeBSD: length < 2 bytes left -> stop before reading a length byte.
  const auto area = hex("010101 02");
  TcpOptionWalker w(area);
  BOOST_TEST(!w.next());
  BOOST_TEST((w.stop() == note(TcpOptionStop::missing_length, 24)));  // where the length would be
  const auto unknown_last = hex("020405b4 01010101 fe");  // odd area: only a direct caller can pass it
  const auto p = parse(unknown_last);
  BOOST_TEST(p.options.maximum_segment_size.value_or(0) == 1460);
  BOOST_TEST((p.stop == note(TcpOptionStop::missing_length, 29)));
}

// ---- Each option, good and wrong lengths ----

BOOST_AUTO_TEST_CASE(TCP_OPT_1_mss_length_4_others_ignored) {
  const auto good = hex("020405b4");
  BOOST_TEST(parse(good).options.maximum_segment_size.value_or(0) == 1460);
  for (const char* area : {"0203 05 01", "020505b4 00 000000", "0202 0101"}) {
    const auto bytes = hex(area);
    const auto p = parse(bytes);
    BOOST_TEST(!p.options.maximum_segment_size.has_value(), area);
    BOOST_TEST(p.ignored == 1u, area);
  }
  // Zero is kept raw: whether to use it is the connection's choice (Linux ignores 0).
  const auto zero = hex("02040000");
  BOOST_TEST(parse(zero).options.maximum_segment_size.value_or(1) == 0);
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_window_scale_length_3_and_shift_above_14_treated_as_14) {
  const auto seven = hex("01 030307");
  const auto p = parse(seven);
  BOOST_REQUIRE(p.options.window_scale.has_value());
  BOOST_TEST(p.options.window_scale->shift == 7);
  BOOST_TEST(p.options.window_scale->effective_shift() == 7);
  for (const auto& [raw, effective] :
       {std::pair{14, 14}, std::pair{15, 14}, std::pair{255, 14}, std::pair{0, 0}}) {
    std::vector<std::byte> area = hex("01 0303 00");
    area[3] = static_cast<std::byte>(raw);
    const auto q = parse(area);
    BOOST_REQUIRE(q.options.window_scale.has_value());
    BOOST_TEST(q.options.window_scale->shift == raw);
    BOOST_TEST(q.options.window_scale->effective_shift() == effective);
  }
  for (const char* area : {"0302 0101", "030407 00"}) {
    const auto bytes = hex(area);
    const auto q = parse(bytes);
    BOOST_TEST(!q.options.window_scale.has_value(), area);
    BOOST_TEST(q.ignored == 1u, area);
  }
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_sack_permitted_length_2) {
  const auto good = hex("0101 0402");
  BOOST_TEST(parse(good).options.sack_permitted);
  const auto three = hex("040300 01");
  const auto p = parse(three);
  BOOST_TEST(!p.options.sack_permitted);
  BOOST_TEST(p.ignored == 1u);
  BOOST_TEST((p.stop == note(TcpOptionStop::end_of_header, 24)));
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_sack_one_to_four_blocks_and_bad_lengths) {
  for (std::size_t n = 1; n <= 4; ++n) {
    std::vector<std::byte> area = hex("0101 05");
    area.push_back(static_cast<std::byte>(2 + 8 * n));
    for (std::size_t i = 0; i < n; ++i) {
      const auto block = hex("0000000a 00000014");
      area.insert(area.end(), block.begin(), block.end());
      area.back() = static_cast<std::byte>(0x14 + i);
    }
    const auto p = parse(area);
    BOOST_TEST(p.options.sack_blocks.size() == n);
    BOOST_TEST((p.options.sack_blocks[n - 1] == TcpSackBlock{10, static_cast<std::uint32_t>(20 + n - 1)}));
    BOOST_TEST(p.ignored == 0u);
  }
  // Five blocks need 42 bytes: more than any option area holds.
  std::vector<std::byte> five = hex("052a");
  five.resize(40);
  BOOST_TEST((parse(five).stop == note(TcpOptionStop::length_past_header, 21)));
  BOOST_TEST(parse(five).options.sack_blocks.empty());
  // Linux: opsize >= 10 and (opsize - 2) % 8 == 0, else ignored.
  for (const char* area :
       {"0502 0101", "0509 0000000a 000000 01", "0503 00 01", "050b 0000000a 00000014 00 01"}) {
    const auto bytes = hex(area);
    const auto p = parse(bytes);
    BOOST_TEST(p.options.sack_blocks.empty(), area);
    BOOST_TEST(p.ignored == 1u, area);
  }
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_timestamps_length_10) {
  const auto good = hex("0101 080a 0001e240 00001e61");
  const auto p = parse(good);
  BOOST_REQUIRE(p.options.timestamps.has_value());
  BOOST_TEST(p.options.timestamps->tsval == 123456u);
  BOOST_TEST(p.options.timestamps->tsecr == 7777u);
  for (const char* area : {"0809 0001e240 00001e 0101", "080b 0001e240 00001e61 00 00"}) {
    const auto bytes = hex(area);
    const auto q = parse(bytes);
    BOOST_TEST(!q.options.timestamps.has_value(), area);
    BOOST_TEST(q.ignored == 1u, area);
  }
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_wrong_length_known_option_is_skipped_by_its_length) {
  // MSS with length 6 is skipped as a whole; the WS after it is still read.
  const auto area = hex("0206 05b4 0000 030307 00");
  const auto p = parse(area);
  BOOST_TEST(!p.options.maximum_segment_size.has_value());
  BOOST_TEST(p.options.window_scale.value_or(TcpWindowScale{}).shift == 7);
  BOOST_TEST(p.ignored == 1u);
  BOOST_TEST((p.stop == note(TcpOptionStop::end_of_option_list, 29)));
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_unknown_kinds_are_skipped_by_length_and_kept) {
  // Fast Open cookie (34), MPTCP (30), an experiment (254 with RFC 6994 ExID), user timeout (28).
  const auto area = hex("2206 a1a2a3a4 1e03 00 fe04 f989 1c04 8001 010101");
  const auto p = parse(area);
  BOOST_REQUIRE(p.options.unknown.size() == 4u);
  BOOST_TEST(p.options.unknown[0].kind == 34);
  BOOST_TEST(to_hex(p.options.unknown[0].data.span()) == "a1a2a3a4");
  BOOST_TEST(p.options.unknown[1].kind == 30);
  BOOST_TEST(to_hex(p.options.unknown[1].data.span()) == "00");
  BOOST_TEST(p.options.unknown[2].kind == 254);
  BOOST_TEST(p.options.unknown[3].kind == 28);
  BOOST_TEST(p.ignored == 0u);
  BOOST_TEST((p.stop == note(TcpOptionStop::end_of_header, 40)));
  // A bare kind+length (2 bytes) is a valid empty option.
  const auto bare = hex("1302 0101");
  BOOST_TEST(parse(bare).options.unknown.size() == 1u);
  BOOST_TEST(parse(bare).options.unknown[0].data.empty());
  // Twenty 2-byte unknown options fill 40 bytes and all fit.
  std::vector<std::byte> twenty;
  for (int i = 0; i < 20; ++i) {
    twenty.push_back(std::byte{0xfd});
    twenty.push_back(std::byte{0x02});
  }
  BOOST_TEST(parse(twenty).options.unknown.size() == 20u);
  check_round_trip(twenty);
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_repeated_options_last_one_counts) {
  // Linux overwrites mss_clamp / snd_wscale / rcv_tsval and the SACK pointer as it walks.
  const auto area = hex("020405b4 02040218 030302 030305 0101 080a 00000001 00000002 00");
  const auto p = parse(area);
  BOOST_TEST(p.options.maximum_segment_size.value_or(0) == 0x218);
  BOOST_TEST(p.options.window_scale.value_or(TcpWindowScale{}).shift == 5);
  const auto sacks = hex("050a 00000001 00000002 0512 00000003 00000004 00000005 00000006");
  const auto q = parse(sacks);
  BOOST_REQUIRE(q.options.sack_blocks.size() == 2u);
  BOOST_TEST((q.options.sack_blocks[0] == TcpSackBlock{3, 4}));
  check_round_trip(area);
  check_round_trip(sacks);
}

// ---- Emitting ----

BOOST_AUTO_TEST_CASE(emit_lays_out_a_syn_exactly_as_linux_does) {
  // Linux SYN: MSS, SACK-permitted folded before TS, NOP WS (the layout Scapy
  // shows for a Linux SYN: 020405b4 0402080a ... 01030307).
  TcpOptions o;
  o.maximum_segment_size = 1460;
  o.sack_permitted = true;
  o.timestamps = TcpTimestamps{123456, 0};
  o.window_scale = TcpWindowScale{7};
  BOOST_TEST(emitted(o) == "020405b40402080a0001e2400000000001030307");
  // Without SACK-permitted: NOP NOP TS.
  o.sack_permitted = false;
  BOOST_TEST(emitted(o) ==
             "020405b4"
             "0101080a0001e24000000000"
             "01030307");
  // SACK-permitted without TS: NOP NOP SACK-permitted.
  TcpOptions s;
  s.sack_permitted = true;
  BOOST_TEST(emitted(s) == "01010402");
}

BOOST_AUTO_TEST_CASE(emit_lays_out_sack_blocks_after_nop_nop) {
  TcpOptions o;
  o.timestamps = TcpTimestamps{123500, 7777};
  BOOST_REQUIRE(o.sack_blocks.push_back({100, 200}));
  BOOST_REQUIRE(o.sack_blocks.push_back({300, 400}));
  BOOST_TEST(emitted(o) ==
             "0101080a0001e26c00001e61"
             "01010512000000640000"
             "00c80000012c00000190");
  // No options: nothing at all.
  BOOST_TEST(emitted(TcpOptions{}).empty());
}

BOOST_AUTO_TEST_CASE(emit_pads_unknown_options_with_trailing_nops) {
  TcpOptions o;
  TcpUnknownOption cookie;
  cookie.kind = 34;
  for (std::uint8_t b : {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6})
    BOOST_REQUIRE(cookie.data.push_back(std::byte{b}));
  BOOST_REQUIRE(o.unknown.push_back(cookie));
  BOOST_TEST(emitted(o) == "2208a1a2a3a4a5a6");
  cookie.data.clear();
  BOOST_REQUIRE(cookie.data.push_back(std::byte{0x01}));
  o.unknown.clear();
  BOOST_REQUIRE(o.unknown.push_back(cookie));
  BOOST_TEST(emitted(o) == "22030101");
}

BOOST_AUTO_TEST_CASE(emit_packs_when_the_aligned_layout_exceeds_40_bytes) {
  // WS + TS + 3 SACK blocks: 39 bytes as received, 44 in Linux's layout.
  const auto area =
      hex("030307 080a 00000001 00000002 051a 00000001 00000002 00000003 00000004 00000005 00000006 00");
  BOOST_REQUIRE(area.size() == 40u);
  const auto p = parse(area);
  BOOST_TEST(p.options.sack_blocks.size() == 3u);
  BOOST_TEST(emitted(p.options) ==
             "080a0000000100000002"
             "030307"
             "051a000000010000000200000003000000040000000500000006"
             "00");
  check_round_trip(area);
}

BOOST_AUTO_TEST_CASE(emit_refuses_what_cannot_be_represented) {
  // TS + 4 SACK blocks: 44 bytes even packed.
  TcpOptions big;
  big.timestamps = TcpTimestamps{1, 2};
  for (std::uint32_t i = 0; i < 4; ++i) BOOST_REQUIRE(big.sack_blocks.push_back({i, i + 1}));
  std::array<std::byte, 60> out{};
  BOOST_TEST((big.emit(out).error() == WireError::unrepresentable));
  BOOST_TEST((big.encoded_len().error() == WireError::unrepresentable));
  // An "unknown" option using an interpreted kind would read back differently.
  for (std::uint8_t kind : {0, 1, 2, 3, 4, 5, 8}) {
    TcpOptions o;
    TcpUnknownOption u;
    u.kind = kind;
    BOOST_REQUIRE(o.unknown.push_back(u));
    BOOST_TEST((o.emit(out).error() == WireError::unrepresentable), int{kind});
  }
  // MSS + TS + a 30-byte unknown option: 44 bytes even packed.
  TcpOptions full;
  full.maximum_segment_size = 1460;
  full.timestamps = TcpTimestamps{1, 2};
  TcpUnknownOption u;
  u.kind = 253;
  for (int i = 0; i < 28; ++i) BOOST_REQUIRE(u.data.push_back(std::byte{0x55}));
  BOOST_REQUIRE(full.unknown.push_back(u));
  BOOST_TEST((full.emit(out).error() == WireError::unrepresentable));
  BOOST_TEST((full.encoded_len().error() == WireError::unrepresentable));
}

BOOST_AUTO_TEST_CASE(unknown_options_hold_at_most_40_bytes) {
  // Two 21-byte unknown options (42 bytes) could never be emitted: the second is refused.
  TcpOptions two;
  TcpUnknownOption u;
  u.kind = 253;
  for (int i = 0; i < 19; ++i) BOOST_REQUIRE(u.data.push_back(std::byte{0x55}));
  BOOST_REQUIRE(two.unknown.push_back(u));
  BOOST_TEST(!two.unknown.push_back(u));
  BOOST_TEST(two.unknown.size() == 1u);
  BOOST_TEST(two.unknown.bytes().size() == 21u);
  // 19 bytes are left: a 19-byte option (17 data bytes) fits exactly.
  const std::vector<std::byte> seventeen(17, std::byte{0x66});
  BOOST_TEST(!two.unknown.push_back(254, std::vector<std::byte>(18)));
  BOOST_REQUIRE(two.unknown.push_back(254, seventeen));
  BOOST_TEST(two.unknown.size() == 2u);
  BOOST_TEST(!two.unknown.push_back(254, {}));
  // Aligned layout (21 + 3 NOPs + 19 + 1 NOP) exceeds 40: packed, as received.
  BOOST_TEST(two.encoded_len().value_or(0) == 40u);
  std::array<std::byte, 40> out{};
  BOOST_REQUIRE(two.emit(out));
  const auto again = TcpOptions::parse(out);
  BOOST_TEST((again.options == two));
  BOOST_TEST(again.ignored == 0u);
  // clear() empties the value.
  two.unknown.clear();
  BOOST_TEST(two.unknown.empty());
  BOOST_TEST((two == TcpOptions{}));
}

BOOST_AUTO_TEST_CASE(unknown_options_are_read_in_place) {
  const auto area = hex("2206 a1a2a3a4 1e03 00 fe04 f989 1c04 8001 010101");
  const auto p = parse(area);
  BOOST_REQUIRE(p.options.unknown.size() == 4u);
  // Views borrow from the value: the data outlives the expression that read it.
  const Bytes cookie = p.options.unknown[0].data;
  BOOST_TEST(to_hex(cookie) == "a1a2a3a4");
  BOOST_TEST((cookie.data() == p.options.unknown.bytes().data() + 2));
  BOOST_TEST(to_hex(p.options.unknown.bytes()) ==
             "2206a1a2a3a4"
             "1e0300"
             "fe04f989"
             "1c048001");
  std::vector<std::uint8_t> kinds;
  for (const auto& u : p.options.unknown) kinds.push_back(u.kind);
  BOOST_TEST((kinds == std::vector<std::uint8_t>{34, 30, 254, 28}));
  BOOST_TEST(p.options.unknown.begin()->kind == 34);
  BOOST_TEST((p.options.unknown[3] == TcpUnknownOptionView{28, TcpOptionData(Bytes(area).subspan(15, 2))}));
  // Past the end: an empty view, never a read outside the value.
  BOOST_TEST(p.options.unknown[4].kind == 0);
  BOOST_TEST(p.options.unknown[4].data.empty());
  // The same options pushed one by one make an equal value.
  TcpOptions built;
  for (const auto u : p.options.unknown) BOOST_REQUIRE(built.unknown.push_back(u.kind, u.data));
  BOOST_TEST((built == p.options));
}

BOOST_AUTO_TEST_CASE(emit_refuses_a_small_buffer) {
  TcpOptions o;
  o.maximum_segment_size = 536;
  o.window_scale = TcpWindowScale{2};
  std::array<std::byte, 7> small{};
  BOOST_TEST((o.emit(small).error() == WireError::buffer_too_small));
  std::array<std::byte, 8> exact{};
  BOOST_TEST(o.emit(exact).value_or(0) == 8u);
  BOOST_TEST(to_hex(exact) == "0204021801030302");
}

BOOST_AUTO_TEST_CASE(round_trips_for_odd_layouts) {
  for (const char* area : {
           "", "00000000", "01010101 01010101",
           "0204ffff 0402 030300 080affffffffffffffff 00",  // packed as sent, no NOPs
           "030310 0101 0402 0101 080a 00000001 00000002",  // shift 16 raw
           "fd06 01020304 1c04 8001 2203 aa 00",            // unknown options, odd sizes
           "0206 05b4 0000 030307 00",                      // ignored MSS
           "0402 fe01 0000",                                // stopped by length 1
           "01 0303 07 080b 00000001 00000002",             // stopped past header
       }) {
    check_round_trip(hex(area));
  }
}

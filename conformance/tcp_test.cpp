// TCP conformance (REQUIREMENTS.md, TCP-OPT-1): the option rules, first as the
// wire layer parses an option area on its own, then as the stack acts on a
// SYN's options (tcp_fixture.hpp). The state machine's IDs are in
// tcp_state_test.cpp and tcp_close_test.cpp.
#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"
#include "hardstack/wire/tcp.hpp"
#include "tcp_fixture.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {

// A SYN from 40000 to 80 whose option area is `options` (hex, a multiple of 4 bytes).
std::vector<std::byte> syn_with_options(std::string_view options) {
  const auto area = hex(options);
  BOOST_REQUIRE(area.size() % 4 == 0 && area.size() <= 40);
  auto segment = hex("9c40 0050 00000001 00000000 0002 faf0 0000 0000");
  segment[12] = static_cast<std::byte>((5 + area.size() / 4) << 4);
  segment.insert(segment.end(), area.begin(), area.end());
  return segment;
}

TcpOptionsParse options_of(const std::vector<std::byte>& segment) {
  auto view = TcpView::parse(segment);
  BOOST_REQUIRE(view);
  return TcpOptions::parse(view->options());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(TCP_OPT)

BOOST_AUTO_TEST_CASE(TCP_OPT_1_known_options_with_their_lengths) {
  // MSS 1460, SACK-permitted, Timestamps 7/0, NOP, WS 7: Linux's SYN layout.
  const auto seg = syn_with_options("020405b4 0402 080a 00000007 00000000 01 030307");
  const auto p = options_of(seg);
  BOOST_TEST(p.options.maximum_segment_size.value_or(0) == 1460);
  BOOST_TEST(p.options.sack_permitted);
  BOOST_REQUIRE(p.options.timestamps);
  BOOST_TEST(p.options.timestamps->tsval == 7u);
  BOOST_TEST(p.options.timestamps->tsecr == 0u);
  BOOST_REQUIRE(p.options.window_scale);
  BOOST_TEST(p.options.window_scale->effective_shift() == 7);
  BOOST_TEST((p.stop.reason == TcpOptionStop::end_of_header));
  BOOST_TEST(p.ignored == 0);
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_sack_blocks_2_plus_8n_at_most_4) {
  // NOP NOP SACK with 4 blocks (34 bytes): all four kept, in order.
  const auto four = options_of(
      syn_with_options("0101 0522 00000001 00000002 00000003 00000004 00000005 00000006 00000007 00000008"));
  BOOST_REQUIRE(four.options.sack_blocks.size() == 4u);
  BOOST_TEST(four.options.sack_blocks[3].left == 7u);
  BOOST_TEST(four.options.sack_blocks[3].right == 8u);
  // A SACK length that is not 2 + 8n (11) is ignored, counted, and parsing goes on to the MSS.
  const auto odd = options_of(syn_with_options("050b 00000001 00000002 00 020405b4 00"));
  BOOST_TEST(odd.options.sack_blocks.empty());
  BOOST_TEST(odd.ignored == 1);
  BOOST_TEST(odd.options.maximum_segment_size.value_or(0) == 1460);
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_window_scale_above_14_is_treated_as_14) {
  // RFC 7323 2.3: a shift of 15 is used as 14 (and the raw value is kept).
  const auto p = options_of(syn_with_options("01 03030f"));
  BOOST_REQUIRE(p.options.window_scale);
  BOOST_TEST(p.options.window_scale->shift == 15);
  BOOST_TEST(p.options.window_scale->effective_shift() == 14);
  const auto at_limit = options_of(syn_with_options("01 03030e"));
  BOOST_TEST(at_limit.options.window_scale->effective_shift() == 14);
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_wrong_length_for_a_known_kind_is_ignored) {
  // MSS with length 3 and Timestamps with length 9 are skipped by their length;
  // the WS after them still counts.
  const auto p = options_of(syn_with_options("020305 0809 00000000000000 01 030302"));
  BOOST_TEST(!p.options.maximum_segment_size);
  BOOST_TEST(!p.options.timestamps);
  BOOST_TEST(p.ignored == 2);
  BOOST_REQUIRE(p.options.window_scale);
  BOOST_TEST(p.options.window_scale->shift == 2);
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_unknown_options_are_skipped_by_their_length) {
  // Kind 0x1e (MPTCP) length 6, then MSS: the MSS is found, the unknown kept as is.
  const auto p = options_of(syn_with_options("1e06 00000000 020405b4 0000"));
  BOOST_TEST(p.options.maximum_segment_size.value_or(0) == 1460);
  BOOST_REQUIRE(p.options.unknown.size() == 1u);
  BOOST_TEST(p.options.unknown[0].kind == 0x1e);
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_eol_ends_the_list) {
  // EOL, then what would be an MSS: padding, not an option.
  const auto p = options_of(syn_with_options("00 020405b4 000000"));
  BOOST_TEST(!p.options.maximum_segment_size);
  BOOST_TEST((p.stop == TcpOptionStopNote{TcpOptionStop::end_of_option_list, 20}));
}

BOOST_AUTO_TEST_CASE(TCP_OPT_1_length_below_2_or_past_the_header_stops_parsing) {
  // WS ok, then a length of 1: parsing stops at that length byte; the MSS after it is not read,
  // what came before is kept, and the segment itself is not an error.
  const auto silly = options_of(syn_with_options("030302 1e01 020405b4 000000"));
  BOOST_TEST(silly.options.window_scale.has_value());
  BOOST_TEST(!silly.options.maximum_segment_size);
  BOOST_TEST((silly.stop == TcpOptionStopNote{TcpOptionStop::length_too_small, 24}));
  // Length 0 likewise (a walker that trusted it would loop forever).
  const auto zero = options_of(syn_with_options("1e00 020405b4 0000"));
  BOOST_TEST((zero.stop == TcpOptionStopNote{TcpOptionStop::length_too_small, 21}));
  BOOST_TEST(!zero.options.maximum_segment_size);
  // An MSS whose length runs past the 4-byte area.
  const auto partial = options_of(syn_with_options("01 0204 05"));
  BOOST_TEST((partial.stop == TcpOptionStopNote{TcpOptionStop::length_past_header, 22}));
  BOOST_TEST(!partial.options.maximum_segment_size);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- The stack acting on a SYN's options ---------------------------------------------------

namespace {

using hardstack::conformance::TcpFixture;
using hardstack::conformance::TcpPeer;
using hardstack::conformance::TcpSegment;
namespace conf = hardstack::conformance;

// The SYN-ACK the stack's listener answers a SYN whose option area is
// `area` (hex) with; `p` learns the stack's ISN.
TcpSegment synack_for(TcpFixture& f, TcpPeer& p, std::string_view area) {
  return f.syn_ack_for(p, p.segment("S").raw_options(hex(area)));
}

// The connection's TCP_INFO once the bench completed the handshake.
tcp_info established(TcpFixture& f, TcpPeer& p, int listener) {
  p.sends("A");
  p.fd = f.sockets.accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_TEST_REQUIRE(p.fd >= 0);
  return f.info(p.fd);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(TCP_OPT_STACK)

BOOST_FIXTURE_TEST_CASE(TCP_OPT_1_stack_answers_each_known_option_of_a_syn, TcpFixture) {
  const int l = listener();
  TcpPeer p(*this, false, conf::bench_port, conf::listen_port);
  // MSS 1400, SACK-permitted, Timestamps 7/0, NOP, WS 2.
  const auto synack = synack_for(*this, p, "02040578 0402 080a 00000007 00000000 01 030302");
  BOOST_TEST(synack == p.expect("SA").with_seq(p.dut_iss).mss(1460).sack_permitted().timestamps(0, 7).wscale(
                           conf::stack_wscale));
  p.timestamps = true;
  p.tsval = 7;
  const auto i = established(*this, p, l);
  BOOST_TEST(i.tcpi_options == (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE));
  BOOST_TEST(i.tcpi_snd_wscale == 2);
  BOOST_TEST(i.tcpi_snd_mss == 1400u - 12u);  // the peer's 1400, less the timestamps on every segment
}

BOOST_FIXTURE_TEST_CASE(TCP_OPT_1_stack_takes_a_window_scale_above_14_as_14, TcpFixture) {
  const int l = listener();
  TcpPeer p(*this, false, conf::bench_port, conf::listen_port);
  const auto synack = synack_for(*this, p, "01 03030f");  // NOP, WS 15
  BOOST_TEST(synack.options.window_scale.has_value());
  const auto i = established(*this, p, l);
  BOOST_TEST(i.tcpi_snd_wscale == 14);  // RFC 7323 2.3
}

BOOST_FIXTURE_TEST_CASE(TCP_OPT_1_stack_skips_unknown_options_and_bad_lengths, TcpFixture) {
  const int l = listener();
  TcpPeer p(*this, false, conf::bench_port, conf::listen_port);
  // Kind 0x1e length 6, an MSS of length 3 (ignored, skipped by its length), NOP, WS 2.
  const auto synack = synack_for(*this, p, "1e06 00000000 020305 01 030302 00");
  BOOST_TEST(synack == p.expect("SA").with_seq(p.dut_iss).mss(1460).wscale(conf::stack_wscale));
  const auto i = established(*this, p, l);
  BOOST_TEST(i.tcpi_snd_mss == 536u);  // no usable MSS: RFC 9293 3.7.1's default
  BOOST_TEST(i.tcpi_snd_wscale == 2);
}

BOOST_FIXTURE_TEST_CASE(TCP_OPT_1_stack_stops_at_a_bad_length_and_still_answers, TcpFixture) {
  const int l = listener();
  TcpPeer p(*this, false, conf::bench_port, conf::listen_port);
  // WS 2, then a length of 1: parsing stops there (the MSS after it is not
  // read); what came before counts and the SYN is answered (LINUX tcp_parse_options).
  const auto synack = synack_for(*this, p, "030302 1e01 020405b4 000000");
  BOOST_TEST(synack == p.expect("SA").with_seq(p.dut_iss).mss(1460).wscale(conf::stack_wscale));
  const auto i = established(*this, p, l);
  BOOST_TEST(i.tcpi_snd_mss == 536u);
  BOOST_TEST(i.tcpi_snd_wscale == 2);
  BOOST_TEST(transport_drops() == 0u);  // not a malformed segment
}

BOOST_AUTO_TEST_SUITE_END()

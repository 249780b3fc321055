#include "icmpv6.hpp"

#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <string>

#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {

Ipv6Address ip6(std::string_view text) { return Ipv6Address::from_string(text).value(); }

// The error messages below were sent 2001:db8::1 -> 2001:db8::2 (Scapy
// computed the checksums) and quote this 48-byte packet:
// IPv6 2001:db8::2 -> 2001:db8::7, UDP 5000 -> 53.
const PseudoHeader global = PseudoHeader::v6(ip6("2001:db8::1"), ip6("2001:db8::2"));
const std::string invoking_hex =
    "600000000008114020010db800000000000000000000000220010db800000000000000000000000713880035000890a6";

ParseError view_error(const std::string& text, ChecksumMode mode = ChecksumMode::verify) {
  const auto bytes = hex(text);
  auto r = Icmpv6View::parse(bytes, global, mode);
  BOOST_REQUIRE(!r);
  return r.error();
}

Icmpv6Repr parse_ok(const std::vector<std::byte>& bytes) {
  auto view = Icmpv6View::parse(bytes, global);
  BOOST_REQUIRE(view);
  auto repr = Icmpv6Repr::parse(*view);
  BOOST_REQUIRE(repr);
  return *repr;
}

void check_round_trip(const std::vector<std::byte>& bytes, const Icmpv6Repr& repr) {
  std::array<std::byte, 256> out{};
  auto n = repr.emit(out, global);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == bytes.size());
  BOOST_TEST(repr.buffer_len() == bytes.size());
  BOOST_TEST(std::equal(bytes.begin(), bytes.end(), out.begin()));
  auto again = Icmpv6View::parse(Bytes(out).first(*n), global);
  BOOST_REQUIRE(again);
  auto again_repr = Icmpv6Repr::parse(*again);
  BOOST_REQUIRE(again_repr);
  BOOST_TEST((*again_repr == repr));
}

}  // namespace

BOOST_AUTO_TEST_CASE(ICMP6_1_echo_request_fields_and_reply) {
  const auto packet = hex("8000 8075 1234 0001 6162636465666768");
  auto view = Icmpv6View::parse(packet, global);
  BOOST_REQUIRE(view);
  BOOST_TEST((view->type() == Icmpv6Type::echo_request));
  BOOST_TEST(view->checksum() == 0x8075);
  BOOST_TEST(!view->is_error());
  BOOST_TEST(view->body().size() == 12u);
  auto repr = Icmpv6Repr::parse(*view);
  BOOST_REQUIRE(repr);
  const auto& echo = std::get<Icmpv6EchoRequest>(repr->message);
  BOOST_TEST(echo.identifier == 0x1234);
  BOOST_TEST(echo.sequence_number == 1);
  BOOST_TEST(same_bytes(echo.data, hex("6162636465666768")));
  check_round_trip(packet, *repr);

  // The reply with the same identifier, sequence and data, type 129.
  const Icmpv6Repr reply{Icmpv6EchoReply{echo.identifier, echo.sequence_number, echo.data}};
  std::array<std::byte, 16> out{};
  BOOST_REQUIRE(reply.emit(out, global));
  auto reply_view = Icmpv6View::parse(out, global);
  BOOST_REQUIRE(reply_view);
  BOOST_TEST((reply_view->type() == Icmpv6Type::echo_reply));
  BOOST_TEST(same_bytes(Bytes(out).subspan(4), Bytes(packet).subspan(4)));
}

BOOST_AUTO_TEST_CASE(error_messages_fields_and_round_trip) {
  const auto unreachable = hex("0104 31e5 00000000" + invoking_hex);
  auto u = parse_ok(unreachable);
  const auto& um = std::get<Icmpv6DestinationUnreachable>(u.message);
  BOOST_TEST((um.code == Icmpv6UnreachableCode::port_unreachable));
  BOOST_TEST(same_bytes(um.invoking_packet, hex(invoking_hex)));
  BOOST_TEST(u.is_error());
  check_round_trip(unreachable, u);

  const auto too_big = hex("0200 2be9 00000500" + invoking_hex);
  auto p = parse_ok(too_big);
  BOOST_TEST(std::get<Icmpv6PacketTooBig>(p.message).mtu == 1280u);
  check_round_trip(too_big, p);

  const auto exceeded = hex("0301 2fe8 00000000" + invoking_hex);
  auto t = parse_ok(exceeded);
  BOOST_TEST((std::get<Icmpv6TimeExceeded>(t.message).code ==
              Icmpv6TimeExceededCode::fragment_reassembly_time_exceeded));
  check_round_trip(exceeded, t);

  const auto problem = hex("0401 2ee2 00000006" + invoking_hex);
  auto pp = parse_ok(problem);
  const auto& ppm = std::get<Icmpv6ParameterProblem>(pp.message);
  BOOST_TEST((ppm.code == Icmpv6ParameterProblemCode::unrecognized_next_header));
  BOOST_TEST(ppm.pointer == 6u);
  BOOST_TEST(pp.code() == 1);
  check_round_trip(problem, pp);
}

BOOST_AUTO_TEST_CASE(ICMP6_4_checksum_covers_the_pseudo_header) {
  const auto packet = hex("8000 8075 1234 0001 6162636465666768");
  // The same bytes from another source do not verify: the pseudo-header counts.
  const auto other_source = PseudoHeader::v6(ip6("2001:db8::9"), ip6("2001:db8::2"));
  auto r = Icmpv6View::parse(packet, other_source);
  BOOST_REQUIRE(!r);
  BOOST_TEST((r.error() == ParseError{WireError::bad_checksum, 2}));
  BOOST_TEST(Icmpv6View::parse(packet, other_source, ChecksumMode::ignore).has_value());
  BOOST_TEST((view_error("8000 8075 1234 0001 6162636465666769") == ParseError{WireError::bad_checksum, 2}));
}

BOOST_AUTO_TEST_CASE(truncated_base_and_per_type_minimum_lengths) {
  const std::vector<std::byte> empty;
  BOOST_TEST((Icmpv6View::parse(empty, global).error() == ParseError{WireError::truncated, 0}));
  BOOST_TEST((view_error("80 00 00") == ParseError{WireError::truncated, 3}));
  // Echo and every error need 8 bytes.
  for (const char* type : {"80", "81", "01", "02", "03", "04"}) {
    BOOST_TEST((view_error(std::string(type) + "00 0000 000000", ChecksumMode::ignore) ==
                ParseError{WireError::truncated, 7}));
  }
  // A type without a kind of its own needs only the base header.
  const auto bare = hex("c800 0000");
  auto other = Icmpv6View::parse(bare, global, ChecksumMode::ignore);
  BOOST_REQUIRE(other);
  BOOST_TEST(icmpv6_min_len(200) == 4u);
  BOOST_TEST(icmpv6_min_len(137) == 40u);
  // The checksum is checked first (as LINUX icmpv6_rcv does), then the type's length.
  BOOST_TEST((view_error("8000 0000 1234") == ParseError{WireError::bad_checksum, 2}));
}

BOOST_AUTO_TEST_CASE(ICMP6_4_unknown_types_and_mld_parse_as_other) {
  // MLD query (130) from Scapy to ff02::1, an unassigned informational type and an unknown error type.
  const auto mld_pseudo = PseudoHeader::v6(ip6("fe80::1"), ip6("ff02::1"));
  const auto mld = hex("8200 5917 2710 0000 00000000000000000000000000000000");
  auto view = Icmpv6View::parse(mld, mld_pseudo);
  BOOST_REQUIRE(view);
  auto repr = Icmpv6Repr::parse(*view);
  BOOST_REQUIRE(repr);
  const auto& o = std::get<Icmpv6Other>(repr->message);
  BOOST_TEST(o.type == 130);
  BOOST_TEST(o.body.size() == 20u);
  BOOST_TEST(!repr->is_error());

  std::array<std::byte, 8> out{};
  const auto body = hex("01020304");
  const Icmpv6Repr unknown_error{Icmpv6Other{100, 7, body}};
  BOOST_TEST(unknown_error.is_error());
  auto n = unknown_error.emit(out, global);
  BOOST_REQUIRE(n);
  auto back = Icmpv6View::parse(Bytes(out).first(*n), global);
  BOOST_REQUIRE(back);
  BOOST_TEST((Icmpv6Repr::parse(*back).value() == unknown_error));
}

BOOST_AUTO_TEST_CASE(emit_refuses_small_buffers_and_other_with_a_known_type) {
  const auto invoking = hex(invoking_hex);
  const Icmpv6Repr too_big{Icmpv6PacketTooBig{1280, invoking}};
  BOOST_TEST(too_big.buffer_len() == 56u);
  std::array<std::byte, 55> small{};
  BOOST_TEST((too_big.emit(small, global).error() == WireError::buffer_too_small));
  std::array<std::byte, 64> out{};
  BOOST_TEST(
      (Icmpv6Repr{Icmpv6Other{128, 0, invoking}}.emit(out, global).error() == WireError::unrepresentable));
  BOOST_TEST(
      (Icmpv6Repr{Icmpv6Other{135, 0, invoking}}.emit(out, global).error() == WireError::unrepresentable));
}

BOOST_AUTO_TEST_CASE(ICMP6_3_error_quote_keeps_the_error_within_1280_bytes) {
  // A 1500-byte packet: 1280 - 40 - 8 = 1232 bytes quoted (LINUX icmp6_send).
  std::vector<std::byte> big(1500);
  big[0] = std::byte{0x60};
  big[4] = std::byte{0x05};
  big[5] = std::byte{0xb4};  // payload length 1460
  BOOST_TEST(icmpv6_error_quote_len(big) == 1232u);
  BOOST_TEST(40 + 8 + icmpv6_error_quote(big).size() == 1280u);
  // A short packet is quoted whole; link padding after 40 + Payload Length is not.
  const auto invoking = hex(invoking_hex);
  BOOST_TEST(icmpv6_error_quote_len(invoking) == 48u);
  auto padded = invoking;
  padded.resize(64);
  BOOST_TEST(icmpv6_error_quote_len(padded) == 48u);
  // Payload length 0 (jumbogram or bogus): the bytes as received.
  auto jumbo = padded;
  jumbo[5] = std::byte{0};
  BOOST_TEST(icmpv6_error_quote_len(jumbo) == 64u);
  // A truncated header is quoted as it is (SEC-ICMP-1 is the stack's to refuse).
  BOOST_TEST(icmpv6_error_quote_len(Bytes(invoking).first(3)) == 3u);
  BOOST_TEST(icmpv6_error_quote_len(invoking, 47) == 0u);
  BOOST_TEST(icmpv6_error_quote_len(invoking, 50) == 2u);
}

#include "icmpv4.hpp"

#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {

// IPv4 192.0.2.2 -> 198.51.100.7, DF, UDP 5000 -> 53 (Scapy), 28 bytes: what
// the error messages below quote.
constexpr std::string_view invoking_hex = "4500001c0002400040114e92c0000202c6336407138800350008ffe3";

ParseError view_error(std::string_view text, ChecksumMode mode = ChecksumMode::verify) {
  const auto bytes = hex(text);
  auto r = Icmpv4View::parse(bytes, mode);
  BOOST_REQUIRE(!r);
  return r.error();
}

// Representation-level errors; the checksum is not the point there.
ParseError repr_error(std::string_view text) {
  const auto bytes = hex(text);
  auto view = Icmpv4View::parse(bytes, ChecksumMode::ignore);
  BOOST_REQUIRE(view);
  auto r = Icmpv4Repr::parse(*view);
  BOOST_REQUIRE(!r);
  return r.error();
}

// parse -> emit gives back exactly `bytes` (Scapy's checksum included), and
// the emitted bytes parse to an equal value.
void check_round_trip(const std::vector<std::byte>& bytes, const Icmpv4Repr& repr) {
  std::array<std::byte, 128> out{};
  auto n = repr.emit(out);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == bytes.size());
  BOOST_TEST(repr.buffer_len() == bytes.size());
  BOOST_TEST(std::equal(bytes.begin(), bytes.end(), out.begin()));
  const Bytes emitted = Bytes(out).first(*n);
  auto again = Icmpv4View::parse(emitted);
  BOOST_REQUIRE(again);
  auto again_repr = Icmpv4Repr::parse(*again);
  BOOST_REQUIRE(again_repr);
  BOOST_TEST((*again_repr == repr));
}

}  // namespace

BOOST_AUTO_TEST_CASE(ICMP4_1_echo_request_fields_and_round_trip) {
  const auto packet = hex("0800 5435 1234 0001 6162636465666768");
  auto view = Icmpv4View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST((view->type() == Icmpv4Type::echo_request));
  BOOST_TEST(view->code() == 0);
  BOOST_TEST(view->checksum() == 0x5435);
  BOOST_TEST(view->rest_of_header() == 0x12340001u);
  BOOST_TEST(view->data().size() == 8u);
  auto repr = Icmpv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  const auto* echo = std::get_if<Icmpv4EchoRequest>(&repr->message);
  BOOST_REQUIRE(echo);
  BOOST_TEST(echo->identifier == 0x1234);
  BOOST_TEST(echo->sequence_number == 1);
  BOOST_TEST(same_bytes(echo->data, hex("6162636465666768")));
  BOOST_TEST(repr->type() == 8);
  check_round_trip(packet, *repr);
}

BOOST_AUTO_TEST_CASE(ICMP4_1_echo_reply_is_the_request_with_type_0) {
  const auto request_bytes = hex("0800 5435 1234 0001 6162636465666768");
  const auto reply_bytes = hex("0000 5c35 1234 0001 6162636465666768");
  auto request = Icmpv4Repr::parse(*Icmpv4View::parse(request_bytes));
  BOOST_REQUIRE(request);
  const auto& req = std::get<Icmpv4EchoRequest>(request->message);
  const Icmpv4Repr reply{Icmpv4EchoReply{req.identifier, req.sequence_number, req.data}};
  check_round_trip(reply_bytes, reply);
  // Echo values compare by content: the same data elsewhere is equal.
  const auto data_copy = hex("6162636465666768");
  BOOST_TEST((reply == Icmpv4Repr{Icmpv4EchoReply{0x1234, 1, data_copy}}));
  BOOST_TEST(!(reply == Icmpv4Repr{Icmpv4EchoReply{0x1234, 2, data_copy}}));
  BOOST_TEST(!(reply == Icmpv4Repr{Icmpv4EchoRequest{0x1234, 1, data_copy}}));
}

BOOST_AUTO_TEST_CASE(RFC1191_fragmentation_needed_carries_next_hop_mtu) {
  const auto packet = hex(std::string("0304 e3da 0000 0578") + std::string(invoking_hex));
  auto view = Icmpv4View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->next_hop_mtu() == 1400);
  auto repr = Icmpv4Repr::parse(*view);
  BOOST_REQUIRE(repr);
  const auto& m = std::get<Icmpv4DestinationUnreachable>(repr->message);
  BOOST_TEST((m.code == Icmpv4UnreachableCode::fragmentation_needed));
  BOOST_TEST(m.next_hop_mtu == 1400);
  BOOST_TEST(same_bytes(m.invoking_datagram, hex(invoking_hex)));
  check_round_trip(packet, *repr);
}

BOOST_AUTO_TEST_CASE(port_unreachable_ignores_the_unused_word) {
  const auto packet = hex(std::string("0303 e953 0000 0000") + std::string(invoking_hex));
  auto repr = Icmpv4Repr::parse(*Icmpv4View::parse(packet));
  BOOST_REQUIRE(repr);
  const auto& m = std::get<Icmpv4DestinationUnreachable>(repr->message);
  BOOST_TEST((m.code == Icmpv4UnreachableCode::port_unreachable));
  BOOST_TEST(m.next_hop_mtu == 0);
  BOOST_TEST(repr->code() == 3);
  check_round_trip(packet, *repr);
  // RFC 1191: the MTU word is read only for code 4 (unused bits are ignored on receipt).
  const auto junk = hex(std::string("0303 0000 0000 0578") + std::string(invoking_hex));
  auto junk_repr = Icmpv4Repr::parse(*Icmpv4View::parse(junk, ChecksumMode::ignore));
  BOOST_REQUIRE(junk_repr);
  BOOST_TEST(std::get<Icmpv4DestinationUnreachable>(junk_repr->message).next_hop_mtu == 0);
}

BOOST_AUTO_TEST_CASE(time_exceeded_parameter_problem_redirect) {
  const auto te = hex(std::string("0b00 e156 0000 0000") + std::string(invoking_hex));
  auto te_repr = Icmpv4Repr::parse(*Icmpv4View::parse(te));
  BOOST_REQUIRE(te_repr);
  BOOST_TEST((std::get<Icmpv4TimeExceeded>(te_repr->message).code ==
              Icmpv4TimeExceededCode::ttl_exceeded_in_transit));
  check_round_trip(te, *te_repr);

  const auto pp = hex(std::string("0c00 d756 0900 0000") + std::string(invoking_hex));
  auto pp_view = Icmpv4View::parse(pp);
  BOOST_REQUIRE(pp_view);
  BOOST_TEST(pp_view->pointer() == 9);
  auto pp_repr = Icmpv4Repr::parse(*pp_view);
  BOOST_REQUIRE(pp_repr);
  const auto& p = std::get<Icmpv4ParameterProblem>(pp_repr->message);
  BOOST_TEST(p.pointer == 9);
  BOOST_TEST((p.code == Icmpv4ParameterProblemCode::pointer_indicates_error));
  check_round_trip(pp, *pp_repr);

  const auto rd = hex(std::string("0501 2457 c00002fe") + std::string(invoking_hex));
  auto rd_repr = Icmpv4Repr::parse(*Icmpv4View::parse(rd));
  BOOST_REQUIRE(rd_repr);
  const auto& r = std::get<Icmpv4Redirect>(rd_repr->message);
  BOOST_TEST((r.code == Icmpv4RedirectCode::host));
  BOOST_TEST(r.gateway.to_string() == "192.0.2.254");
  check_round_trip(rd, *rd_repr);
}

BOOST_AUTO_TEST_CASE(timestamp_and_reply_are_exactly_20_bytes) {
  const auto ts = hex("0d00 ef07 0007 0009 000003e8 00000000 00000000");
  auto ts_repr = Icmpv4Repr::parse(*Icmpv4View::parse(ts));
  BOOST_REQUIRE(ts_repr);
  const auto& t = std::get<Icmpv4Timestamp>(ts_repr->message);
  BOOST_TEST(t.identifier == 7);
  BOOST_TEST(t.sequence_number == 9);
  BOOST_TEST(t.originate_timestamp == 1000u);
  check_round_trip(ts, *ts_repr);

  const auto tsr = hex("0e00 da7f 0007 0009 000003e8 000007d0 00000bb8");
  auto tsr_repr = Icmpv4Repr::parse(*Icmpv4View::parse(tsr));
  BOOST_REQUIRE(tsr_repr);
  const auto& r = std::get<Icmpv4TimestampReply>(tsr_repr->message);
  BOOST_TEST(r.receive_timestamp == 2000u);
  BOOST_TEST(r.transmit_timestamp == 3000u);
  check_round_trip(tsr, *tsr_repr);

  // One byte too many: bad_length at byte 20; four too few: truncated where they start.
  BOOST_TEST((repr_error("0d00 ef06 0007 0009 000003e8 00000000 00000000 01") ==
              ParseError{WireError::bad_length, 20}));
  BOOST_TEST((repr_error("0d00 ef07 0007 0009 000003e8 00000000") == ParseError{WireError::truncated, 16}));
  BOOST_TEST((repr_error("0e00 f2ff 0007 0009") == ParseError{WireError::truncated, 8}));
}

BOOST_AUTO_TEST_CASE(ICMP4_4_unknown_and_deprecated_types_parse_as_other) {
  const auto unknown = hex("2a05 45e3 deadbeef 78797a");
  auto repr = Icmpv4Repr::parse(*Icmpv4View::parse(unknown));
  BOOST_REQUIRE(repr);
  const auto& o = std::get<Icmpv4Other>(repr->message);
  BOOST_TEST(o.type == 42);
  BOOST_TEST(o.code == 5);
  BOOST_TEST(o.rest_of_header == 0xdeadbeefu);
  BOOST_TEST(same_bytes(o.data, hex("78797a")));
  check_round_trip(unknown, *repr);

  const auto quench = hex(std::string("0400 e856 0000 0000") + std::string(invoking_hex));
  auto quench_repr = Icmpv4Repr::parse(*Icmpv4View::parse(quench));
  BOOST_REQUIRE(quench_repr);
  BOOST_TEST(std::get<Icmpv4Other>(quench_repr->message).type == 4);
  check_round_trip(quench, *quench_repr);
}

BOOST_AUTO_TEST_CASE(ICMP4_4_malformed_headers_report_error_and_offset) {
  const std::vector<std::byte> empty;
  BOOST_TEST((Icmpv4View::parse(empty).error() == ParseError{WireError::truncated, 0}));
  BOOST_TEST((view_error("08") == ParseError{WireError::truncated, 1}));
  BOOST_TEST((view_error("0800 5435 1234 00") == ParseError{WireError::truncated, 7}));
  // One data bit flipped: the checksum no longer verifies; ignore mode reaches past it.
  BOOST_TEST((view_error("0800 5435 1234 0001 6162636465666769") == ParseError{WireError::bad_checksum, 2}));
  const auto flipped = hex("0800 5435 1234 0001 6162636465666769");
  BOOST_TEST(Icmpv4View::parse(flipped, ChecksumMode::ignore).has_value());
  // Truncation is reported before the checksum, with either mode.
  BOOST_TEST((view_error("0800 0000", ChecksumMode::ignore) == ParseError{WireError::truncated, 4}));
}

BOOST_AUTO_TEST_CASE(emit_refuses_small_buffers_and_unrepresentable_values) {
  const auto data = hex("6162636465666768");
  const Icmpv4Repr echo{Icmpv4EchoRequest{1, 2, data}};
  std::array<std::byte, 15> small{};
  BOOST_TEST((echo.emit(small).error() == WireError::buffer_too_small));
  std::array<std::byte, 16> exact{};
  BOOST_TEST(echo.emit(exact).value_or(0) == 16u);
  std::array<std::byte, 19> ts_small{};
  BOOST_TEST((Icmpv4Repr{Icmpv4Timestamp{}}.emit(ts_small).error() == WireError::buffer_too_small));

  std::array<std::byte, 64> out{};
  // An "other" naming echo request would read back as an echo request.
  BOOST_TEST((Icmpv4Repr{Icmpv4Other{8, 0, 0, data}}.emit(out).error() == WireError::unrepresentable));
  // A next-hop MTU only exists for code 4.
  const Icmpv4Repr bad_mtu{Icmpv4DestinationUnreachable{Icmpv4UnreachableCode::port_unreachable, 1400, data}};
  BOOST_TEST((bad_mtu.emit(out).error() == WireError::unrepresentable));
}

BOOST_AUTO_TEST_CASE(ICMP4_3_error_quotes_up_to_576_bytes_in_total) {
  // A 1500-byte datagram: 576 - 20 (IP) - 8 (ICMP) = 548 bytes quoted.
  std::vector<std::byte> big(1500);
  big[0] = std::byte{0x45};
  big[2] = std::byte{0x05};
  big[3] = std::byte{0xdc};
  BOOST_TEST(icmpv4_error_quote_len(big) == 548u);
  BOOST_TEST(icmpv4_error_quote(big).size() == 548u);
  // With 4 bytes of IP options on the error itself, 4 fewer.
  BOOST_TEST(icmpv4_error_quote_len(big, 24) == 544u);
  // A short datagram is quoted whole (header + 8 bytes at least, ICMP4-3).
  const auto invoking = hex(invoking_hex);
  BOOST_TEST(icmpv4_error_quote_len(invoking) == 28u);
  // Link padding after Total Length (28) is not quoted.
  auto padded = invoking;
  padded.resize(46);
  BOOST_TEST(icmpv4_error_quote_len(padded) == 28u);
  // A Total Length below the header it names is not trusted.
  auto bogus = padded;
  bogus[3] = std::byte{0x04};
  BOOST_TEST(icmpv4_error_quote_len(bogus) == 46u);
  // A limit below the headers leaves no room.
  BOOST_TEST(icmpv4_error_quote_len(invoking, 20, 27) == 0u);
  BOOST_TEST(icmpv4_error_quote_len(invoking, 20, 30) == 2u);
  const std::vector<std::byte> empty;
  BOOST_TEST(icmpv4_error_quote_len(empty) == 0u);
}

BOOST_AUTO_TEST_CASE(ICMP4_3_fragmentation_needed_built_from_the_quote_fits_576) {
  // The stack's use: quote the offending datagram, emit the error, add a 20-byte IP header.
  std::vector<std::byte> offending(1500);
  offending[0] = std::byte{0x45};
  offending[2] = std::byte{0x05};
  offending[3] = std::byte{0xdc};
  const Icmpv4Repr error{Icmpv4DestinationUnreachable{Icmpv4UnreachableCode::fragmentation_needed, 1400,
                                                      icmpv4_error_quote(offending)}};
  std::array<std::byte, 600> out{};
  auto n = error.emit(out);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 556u);
  BOOST_TEST(20 + *n == icmpv4_error_max_len);
  auto view = Icmpv4View::parse(Bytes(out).first(*n));
  BOOST_REQUIRE(view);
  BOOST_TEST(view->next_hop_mtu() == 1400);
  BOOST_TEST(std::equal(offending.begin(), offending.begin() + 548, view->data().begin()));
}

#include "udp.hpp"

#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"
#include "inline_vector.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {
const auto v4 = PseudoHeader::v4(Ipv4Address::from_u32(0xc0000201), Ipv4Address::from_u32(0xc0000202));
const auto v6 =
    PseudoHeader::v6(*Ipv6Address::from_string("2001:db8::1"), *Ipv6Address::from_string("2001:db8::2"));

// Scapy: IP(src="192.0.2.1", dst="192.0.2.2")/UDP(sport=5353, dport=53)/b"hello"
const auto scapy_udp4 = hex("14e9 0035 000d 22e0 68656c6c6f");
// Scapy: IPv6(src="2001:db8::1", dst="2001:db8::2")/UDP(sport=5353, dport=53)/b"hello"
const auto scapy_udp6 = hex("14e9 0035 000d 4b6f 68656c6c6f");

ParseError view_error(const std::vector<std::byte>& bytes) {
  auto r = UdpView::parse(bytes);
  BOOST_REQUIRE(!r);
  return r.error();
}
ParseError repr_error(const std::vector<std::byte>& bytes, const PseudoHeader& pseudo,
                      ChecksumMode mode = ChecksumMode::verify) {
  auto view = UdpView::parse(bytes);
  BOOST_REQUIRE(view);
  auto r = UdpRepr::parse(*view, pseudo, mode);
  BOOST_REQUIRE(!r);
  return r.error();
}
void check_round_trip(const std::vector<std::byte>& bytes, const PseudoHeader& pseudo) {
  auto view = UdpView::parse(bytes);
  BOOST_REQUIRE(view);
  auto repr = UdpRepr::parse(*view, pseudo);
  BOOST_REQUIRE(repr);
  std::array<std::byte, 128> out{};
  auto n = repr->emit(out, view->payload(), pseudo);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == view->datagram().size());
  const auto again_view = UdpView::parse(Bytes(out).first(*n));
  BOOST_REQUIRE(again_view);
  auto again = UdpRepr::parse(*again_view, pseudo);
  BOOST_REQUIRE(again);
  BOOST_TEST((*again == *repr));
  BOOST_TEST(same_bytes(again_view->payload(), view->payload()));
}
}  // namespace

BOOST_AUTO_TEST_CASE(UDP_1_scapy_ipv4_datagram_parses_with_exact_fields) {
  auto view = UdpView::parse(scapy_udp4);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->src_port() == 5353);
  BOOST_TEST(view->dst_port() == 53);
  BOOST_TEST(view->length() == 13);
  BOOST_TEST(view->checksum() == 0x22e0);
  BOOST_TEST(view->has_checksum());
  BOOST_TEST(view->verify_checksum(v4));
  BOOST_TEST(!view->verify_checksum(v6));
  BOOST_TEST(view->trailing_len() == 0u);
  BOOST_TEST((view->payload().size() == 5 && view->payload()[0] == std::byte{'h'}));
  auto repr = UdpRepr::parse(*view, v4);
  BOOST_REQUIRE(repr);
  BOOST_TEST((*repr == UdpRepr{5353, 53, 5}));
  // emit reproduces Scapy's bytes, checksum included.
  std::array<std::byte, 13> out{};
  auto n = repr->emit(out, view->payload(), v4);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 13u);
  BOOST_TEST(std::equal(scapy_udp4.begin(), scapy_udp4.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(UDP_2_scapy_ipv6_datagram_verifies_with_rfc8200_pseudo_header) {
  auto view = UdpView::parse(scapy_udp6);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->checksum() == 0x4b6f);
  BOOST_TEST(view->verify_checksum(v6));
  auto repr = UdpRepr::parse(*view, v6);
  BOOST_REQUIRE(repr);
  std::array<std::byte, 13> out{};
  BOOST_REQUIRE(repr->emit(out, view->payload(), v6));
  BOOST_TEST(std::equal(scapy_udp6.begin(), scapy_udp6.end(), out.begin()));
  check_round_trip(scapy_udp4, v4);
  check_round_trip(scapy_udp6, v6);
}

BOOST_AUTO_TEST_CASE(UDP_1_length_field_below_8_or_past_the_bytes_is_bad_length_at_4) {
  const std::vector<std::byte> empty;
  BOOST_TEST((UdpView::parse(empty).error() == ParseError{WireError::truncated, 0}));
  BOOST_TEST((view_error(hex("14e9 0035 0008 00")) == ParseError{WireError::truncated, 7}));
  BOOST_TEST((view_error(hex("14e9 0035 0007 0000")) == ParseError{WireError::bad_length, 4}));
  BOOST_TEST((view_error(hex("14e9 0035 0000 0000")) == ParseError{WireError::bad_length, 4}));
  // Length 14 with 13 bytes: claims more than the IP layer delivered.
  BOOST_TEST((view_error(hex("14e9 0035 000e 0000 68656c6c6f")) == ParseError{WireError::bad_length, 4}));
  BOOST_TEST((view_error(hex("14e9 0035 ffff 0000")) == ParseError{WireError::bad_length, 4}));
}

BOOST_AUTO_TEST_CASE(UDP_1_header_only_datagram_has_empty_payload) {
  const auto bytes = hex("0001 0002 0008 0000");
  auto view = UdpView::parse(bytes);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->payload().empty());
  auto repr = UdpRepr::parse(*view, v4);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->payload_len == 0u);
  check_round_trip(bytes, v4);
}

BOOST_AUTO_TEST_CASE(UDP_1_bytes_beyond_the_length_field_are_trimmed) {
  // The Scapy datagram followed by 3 bytes of link-layer padding.
  auto padded = scapy_udp4;
  for (int i = 0; i < 3; ++i) padded.push_back(std::byte{0xee});
  auto view = UdpView::parse(padded);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->datagram().size() == 13u);
  BOOST_TEST(view->payload().size() == 5u);
  BOOST_TEST(view->trailing_len() == 3u);
  // The checksum covers the 13 datagram bytes only, so it still verifies.
  auto repr = UdpRepr::parse(*view, v4);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->payload_len == 5u);
  check_round_trip(padded, v4);
}

BOOST_AUTO_TEST_CASE(UDP_2_ipv4_zero_checksum_means_none) {
  const auto bytes = hex("14e9 0035 000d 0000 68656c6c6f");
  auto view = UdpView::parse(bytes);
  BOOST_REQUIRE(view);
  BOOST_TEST(!view->has_checksum());
  auto repr = UdpRepr::parse(*view, v4);
  BOOST_REQUIRE(repr);
  BOOST_TEST(repr->payload_len == 5u);
  // Re-emitting adds a checksum; the value is the same.
  check_round_trip(bytes, v4);
}

BOOST_AUTO_TEST_CASE(UDP_2_ipv6_zero_checksum_is_discarded_in_both_modes) {
  const auto bytes = hex("14e9 0035 000d 0000 68656c6c6f");
  BOOST_TEST((repr_error(bytes, v6) == ParseError{WireError::bad_checksum, 6}));
  BOOST_TEST((repr_error(bytes, v6, ChecksumMode::ignore) == ParseError{WireError::bad_checksum, 6}));
}

BOOST_AUTO_TEST_CASE(UDP_2_nonzero_checksum_must_verify) {
  auto wrong = scapy_udp4;
  wrong[7] = std::byte{0xe1};
  BOOST_TEST((repr_error(wrong, v4) == ParseError{WireError::bad_checksum, 6}));
  // A flipped payload bit is caught too.
  auto flipped = scapy_udp6;
  flipped[12] = std::byte{'p'};
  BOOST_TEST((repr_error(flipped, v6) == ParseError{WireError::bad_checksum, 6}));
  // The v4 datagram against the v6 pseudo-header does not verify.
  BOOST_TEST((repr_error(scapy_udp4, v6) == ParseError{WireError::bad_checksum, 6}));
  // `ignore` skips verification of a non-zero checksum.
  auto view = UdpView::parse(wrong);
  BOOST_REQUIRE(view);
  BOOST_TEST(UdpRepr::parse(*view, v4, ChecksumMode::ignore).has_value());
}

BOOST_AUTO_TEST_CASE(UDP_2_computed_zero_checksum_is_sent_as_all_ones) {
  // Payload chosen so the one's-complement sum of pseudo-header + datagram is
  // 0xffff: ports 0/0, length 10, pseudo 192.0.2.1 -> 192.0.2.2 proto 17.
  // Sum without payload: c000+0201+c000+0202+0011+000a + 0+0+000a = 0x18428
  // -> 0x8429; a payload word of 0x7bd6 brings it to 0xffff.
  const UdpRepr repr{0, 0, 2};
  const auto payload = hex("7bd6");
  std::array<std::byte, 10> out{};
  auto n = repr.emit(out, payload, v4);
  BOOST_REQUIRE(n);
  BOOST_TEST(load_be16(out, udp_field::checksum.begin) == 0xffff);
  // And 0xffff verifies.
  auto view = UdpView::parse(out);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->verify_checksum(v4));
  auto again = UdpRepr::parse(*view, v4);
  BOOST_REQUIRE(again);
  BOOST_TEST((*again == repr));
}

BOOST_AUTO_TEST_CASE(emit_refuses_small_buffers_and_mismatched_or_oversized_payloads) {
  const UdpRepr repr{1, 2, 5};
  const auto payload = hex("0102030405");
  std::array<std::byte, 12> small{};
  BOOST_TEST((repr.emit(small, payload, v4).error() == WireError::buffer_too_small));
  std::array<std::byte, 7> tiny{};
  BOOST_TEST((UdpRepr{1, 2, 0}.emit(tiny, {}, v4).error() == WireError::buffer_too_small));
  std::array<std::byte, 64> ok{};
  BOOST_TEST((repr.emit(ok, hex("0102"), v4).error() == WireError::unrepresentable));
  // 65528 bytes of payload make 65536: one more than the length field holds.
  std::vector<std::byte> big(65528);
  std::vector<std::byte> out(70000);
  BOOST_TEST((UdpRepr{1, 2, big.size()}.emit(out, big, v6).error() == WireError::unrepresentable));
  big.pop_back();
  auto n = UdpRepr{1, 2, big.size()}.emit(out, big, v6);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 65535u);
}

#include "ipv6.hpp"

#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {

// Scapy: IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest(id=0x1234, seq=1, data=b"hardstack")
const std::string_view echo_request =
    "6000000000113a40 20010db8000000000000000000000001 20010db8000000000000000000000002"
    "8000f76b12340001 68617264737461636b";

// The fixed header with next header `nh` and payload length `plen`, src 2001:db8::1, dst 2001:db8::2.
std::vector<std::byte> fixed_header(std::uint8_t nh, std::uint16_t plen) {
  std::vector<std::byte> b =
      hex("60000000 0000 0040 20010db8000000000000000000000001 20010db8000000000000000000000002");
  b[4] = static_cast<std::byte>(plen >> 8);
  b[5] = static_cast<std::byte>(plen & 0xff);
  b[6] = static_cast<std::byte>(nh);
  return b;
}

void append(std::vector<std::byte>& to, const std::vector<std::byte>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

ParseError view_error(const std::vector<std::byte>& bytes) {
  auto r = Ipv6View::parse(bytes);
  BOOST_REQUIRE(!r);
  return r.error();
}

// A jumbogram: Payload Length 0, Hop-by-Hop [Jumbo(value)] then UDP, `total` bytes in all.
std::vector<std::byte> jumbogram(std::uint32_t value, std::size_t total) {
  auto b = fixed_header(0, 0);
  append(b, hex("11 00 c2 04"));
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::byte>((value >> shift) & 0xff));
  b.resize(total);
  return b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(echo_request_fields) {
  const auto packet = hex(echo_request);
  auto view = Ipv6View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->version() == 6);
  BOOST_TEST(view->traffic_class() == 0);
  BOOST_TEST(view->flow_label() == 0u);
  BOOST_TEST(view->payload_len() == 17);
  BOOST_TEST(static_cast<int>(view->next_header()) == 58);
  BOOST_TEST(view->hop_limit() == 64);
  BOOST_TEST(view->src().to_string() == "2001:db8::1");
  BOOST_TEST(view->dst().to_string() == "2001:db8::2");
  BOOST_TEST(view->payload().size() == 17u);
  BOOST_TEST(view->datagram_len() == 57u);
  BOOST_TEST(!view->is_jumbogram());
  BOOST_TEST(!view->payload_length_missing());
}

BOOST_AUTO_TEST_CASE(traffic_class_and_flow_label) {
  // Scapy: IPv6(tc=0xb8, fl=0xabcde, hlim=1) / UDP(sport=40000, dport=53) / b"payload!"
  const auto packet =
      hex("6b8abcde00101101 20010db8000000000000000000000001 20010db8000000000000000000000002"
          "9c40003500104a93 7061796c6f616421");
  auto view = Ipv6View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->traffic_class() == 0xb8);
  BOOST_TEST(view->flow_label() == 0xabcdeu);
  BOOST_TEST(view->hop_limit() == 1);
  BOOST_TEST((view->next_header() == Ipv6NextHeader::udp));
  const auto repr = Ipv6Repr::parse(*view);
  BOOST_TEST(repr.traffic_class == 0xb8);
  BOOST_TEST(repr.flow_label == 0xabcdeu);
  std::array<std::byte, 64> out{};
  auto n = repr.emit(out, view->payload());
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == packet.size());
  BOOST_TEST(std::equal(packet.begin(), packet.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(V6_HDR_1_trailing_bytes_are_trimmed) {
  auto packet = hex(echo_request);
  append(packet, hex("00000000 00000000 000000"));  // Ethernet minimum-size padding
  auto view = Ipv6View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->payload().size() == 17u);
  BOOST_TEST(view->datagram_len() == 57u);
  BOOST_TEST(view->bytes().size() == 68u);
  // A payload length shorter than the upper layer's bytes wins too.
  auto short_len = hex(echo_request);
  short_len[5] = std::byte{8};
  auto cut = Ipv6View::parse(short_len);
  BOOST_REQUIRE(cut);
  BOOST_TEST(cut->payload().size() == 8u);
}

BOOST_AUTO_TEST_CASE(V6_HDR_1_malformed_headers) {
  const std::vector<std::byte> empty;
  BOOST_TEST((Ipv6View::parse(empty).error() == ParseError{WireError::truncated, 0}));
  auto short_header = hex(echo_request);
  short_header.resize(39);
  BOOST_TEST((view_error(short_header) == ParseError{WireError::truncated, 39}));
  auto v4 = hex(echo_request);
  v4[0] = std::byte{0x45};
  BOOST_TEST((view_error(v4) == ParseError{WireError::bad_version, 0}));
  auto v0 = hex(echo_request);
  v0[0] = std::byte{0x06};
  BOOST_TEST((view_error(v0) == ParseError{WireError::bad_version, 0}));
  // Payload length one past the bytes received.
  auto long_len = hex(echo_request);
  long_len[5] = std::byte{18};
  BOOST_TEST((view_error(long_len) == ParseError{WireError::bad_total_length, 4}));
  // Payload length 0xffff on a 40-byte datagram.
  const auto huge = fixed_header(59, 0xffff);
  BOOST_TEST((view_error(huge) == ParseError{WireError::bad_total_length, 4}));
}

BOOST_AUTO_TEST_CASE(payload_length_zero_without_hop_by_hop_is_empty) {
  auto packet = fixed_header(59, 0);
  append(packet, hex("deadbeef"));
  auto view = Ipv6View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->payload().empty());
  BOOST_TEST(!view->payload_length_missing());
}

BOOST_AUTO_TEST_CASE(V6_EXT_6_jumbogram_length_comes_from_the_jumbo_option) {
  const auto exact = jumbogram(65536, 40 + 65536);
  auto view = Ipv6View::parse(exact);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->is_jumbogram());
  BOOST_TEST(view->payload_len() == 0);
  BOOST_TEST(view->payload().size() == 65536u);
  // Link padding after a jumbogram is trimmed like any other.
  const auto padded = jumbogram(65536, 40 + 65536 + 20);
  auto padded_view = Ipv6View::parse(padded);
  BOOST_REQUIRE(padded_view);
  BOOST_TEST(padded_view->datagram_len() == 40u + 65536u);
  // RFC 2675 3 (Linux: truncated packet): a Jumbo length past the bytes, pointer at its length field.
  const auto cut = jumbogram(65536, 40 + 65535);
  BOOST_TEST((view_error(cut) == ParseError{WireError::bad_total_length, 44}));
}

BOOST_AUTO_TEST_CASE(payload_length_zero_with_unusable_jumbo_leaves_the_walk_to_decide) {
  // Jumbo value 65535 is not a jumbogram: the view keeps every byte, the walk reports it.
  auto small_value = jumbogram(65535, 80);
  auto view = Ipv6View::parse(small_value);
  BOOST_REQUIRE(view);
  BOOST_TEST(!view->is_jumbogram());
  BOOST_TEST(view->payload_length_missing());
  BOOST_TEST(view->payload().size() == 40u);
  // Only 40 bytes: no Hop-by-Hop header to look in.
  const auto bare = fixed_header(0, 0);
  auto bare_view = Ipv6View::parse(bare);
  BOOST_REQUIRE(bare_view);
  BOOST_TEST(bare_view->payload().empty());
  BOOST_TEST(bare_view->payload_length_missing());
  // A Hop-by-Hop header claiming more than is there: no jumbo found.
  auto long_hbh = fixed_header(0, 0);
  append(long_hbh, hex("11 01 c2 04 00 01 00 00"));
  auto long_view = Ipv6View::parse(long_hbh);
  BOOST_REQUIRE(long_view);
  BOOST_TEST(!long_view->is_jumbogram());
  // A misaligned jumbo (behind a PadN) is not used either.
  auto misaligned = fixed_header(0, 0);
  append(misaligned, hex("11 01 01 00 c2 04 00 01 00 00 01 04 00 00 00 00"));
  misaligned.resize(40 + 65536);
  auto misaligned_view = Ipv6View::parse(misaligned);
  BOOST_REQUIRE(misaligned_view);
  BOOST_TEST(!misaligned_view->is_jumbogram());
}

BOOST_AUTO_TEST_CASE(jumbo_behind_other_options_is_found) {
  // HBH: RA, PadN(2)... jumbo at 50 (4n+2), then padding to 16 bytes.
  auto packet = fixed_header(0, 0);
  append(packet, hex("11 01 05 02 00 00 01 02 00 00 c2 04 00 01 00 00"));
  packet.resize(40 + 65536);
  auto view = Ipv6View::parse(packet);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->is_jumbogram());
  BOOST_TEST(view->payload().size() == 65536u);
}

BOOST_AUTO_TEST_CASE(repr_round_trip) {
  const auto packet = hex(echo_request);
  auto view = Ipv6View::parse(packet);
  BOOST_REQUIRE(view);
  const auto repr = Ipv6Repr::parse(*view);
  BOOST_TEST(repr.payload_len == 17);
  BOOST_TEST((repr.next_header == Ipv6NextHeader::icmpv6));
  BOOST_TEST(repr.hop_limit == 64);
  std::array<std::byte, 57> out{};
  auto n = repr.emit(out, view->payload());
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 57u);
  BOOST_TEST(std::equal(packet.begin(), packet.end(), out.begin()));
  auto again = Ipv6View::parse(out);
  BOOST_REQUIRE(again);
  BOOST_TEST((Ipv6Repr::parse(*again) == repr));
}

BOOST_AUTO_TEST_CASE(emit_refuses_small_buffer_and_wide_flow_label) {
  Ipv6Repr repr;
  repr.src = *Ipv6Address::from_string("2001:db8::1");
  repr.dst = *Ipv6Address::from_string("2001:db8::2");
  std::array<std::byte, 39> small{};
  BOOST_TEST((repr.emit(small).error() == WireError::buffer_too_small));
  std::array<std::byte, 44> header_only{};
  const auto payload = hex("0102030405");
  BOOST_TEST((repr.emit(header_only, payload).error() == WireError::buffer_too_small));
  std::array<std::byte, 45> fits{};
  repr.payload_len = 5;
  BOOST_TEST(repr.emit(fits, payload).value() == 45u);
  repr.flow_label = 0x100000;
  BOOST_TEST((repr.emit(fits, payload).error() == WireError::unrepresentable));
  repr.flow_label = 0xfffff;
  BOOST_REQUIRE(repr.emit(fits, payload));
  auto view = Ipv6View::parse(fits);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->flow_label() == 0xfffffu);
  BOOST_TEST(view->traffic_class() == 0);
}

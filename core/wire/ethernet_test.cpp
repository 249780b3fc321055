#include "ethernet.hpp"

#include <boost/test/unit_test.hpp>

#include "arp.hpp"
#include "hardstack/harness/hex.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {
ParseError eth_error(std::string_view text) {
  const auto bytes = hex(text);
  auto r = EthernetView::parse(bytes);
  BOOST_REQUIRE(!r);
  return r.error();
}
ParseError arp_error(std::string_view text) {
  const auto bytes = hex(text);
  auto r = ArpView::parse(bytes);
  BOOST_REQUIRE(!r);
  return r.error();
}
}  // namespace

BOOST_AUTO_TEST_CASE(untagged_frame_parses_and_round_trips) {
  const auto frame = hex("ffffffffffff 020000000001 0806 deadbeef");
  auto view = EthernetView::parse(frame);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->destination().is_broadcast());
  BOOST_TEST(view->source().to_string() == "02:00:00:00:00:01");
  BOOST_TEST(static_cast<int>(view->ethertype()) == 0x0806);
  BOOST_TEST(!view->is_tagged());
  BOOST_TEST(view->payload().size() == 4u);

  const auto repr = EthernetRepr::parse(*view);
  std::array<std::byte, 64> out{};
  auto n = repr.emit(out, view->payload());
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == frame.size());
  BOOST_TEST(std::equal(frame.begin(), frame.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(vlan_tagged_frame_exposes_inner_type_and_tci) {
  const auto frame = hex("020000000002 020000000001 8100 a00a 86dd 60");
  auto view = EthernetView::parse(frame);
  BOOST_REQUIRE(view);
  BOOST_TEST(view->is_tagged());
  BOOST_TEST(view->vlan_tci() == 0xa00a);
  BOOST_TEST(static_cast<int>(view->ethertype()) == 0x86dd);
  BOOST_TEST(view->header_len() == 18u);
  const auto repr = EthernetRepr::parse(*view);
  BOOST_TEST(repr.vlan_tci.value_or(0) == 0xa00a);
  std::array<std::byte, 64> out{};
  auto n = repr.emit(out, view->payload());
  BOOST_REQUIRE(n);
  BOOST_TEST(std::equal(frame.begin(), frame.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(malformed_frames_report_error_and_offset) {
  // Empty, 13 bytes, a tag without its 4 bytes, a double tag.
  const std::vector<std::byte> empty;
  BOOST_TEST((EthernetView::parse(empty).error() == ParseError{WireError::truncated, 0}));
  BOOST_TEST((eth_error("ffffffffffff 020000000001 08") == ParseError{WireError::truncated, 13}));
  BOOST_TEST((eth_error("ffffffffffff 020000000001 8100 00") == ParseError{WireError::truncated, 15}));
  BOOST_TEST(
      (eth_error("ffffffffffff 020000000001 8100 0001 8100") == ParseError{WireError::unsupported, 16}));
}

BOOST_AUTO_TEST_CASE(emit_refuses_small_buffer) {
  EthernetRepr repr;
  std::array<std::byte, 13> small{};
  BOOST_TEST((repr.emit(small).error() == WireError::buffer_too_small));
  std::array<std::byte, 20> ok{};
  BOOST_TEST((repr.emit(ok, hex("0102 0304 0506 07")).error() == WireError::buffer_too_small));
}

BOOST_AUTO_TEST_CASE(arp_request_parses_and_round_trips) {
  const auto packet = hex("0001 0800 06 04 0001 020000000001 c0000201 000000000000 c0000202");
  auto view = ArpView::parse(packet);
  BOOST_REQUIRE(view);
  auto repr = ArpRepr::parse(*view);
  BOOST_REQUIRE(repr);
  BOOST_TEST((repr->operation == ArpOperation::request));
  BOOST_TEST(repr->sender_protocol_address.to_string() == "192.0.2.1");
  BOOST_TEST(repr->target_protocol_address.to_string() == "192.0.2.2");
  BOOST_TEST(repr->sender_hardware_address.to_string() == "02:00:00:00:00:01");
  std::array<std::byte, 28> out{};
  BOOST_REQUIRE(repr->emit(out));
  BOOST_TEST(std::equal(packet.begin(), packet.end(), out.begin()));
}

BOOST_AUTO_TEST_CASE(arp_malformed_cases) {
  // Fixed part cut short; addresses cut short (hlen 6, plen 4 need 28 bytes).
  BOOST_TEST((arp_error("0001 0800 06") == ParseError{WireError::truncated, 5}));
  BOOST_TEST((arp_error("0001 0800 06 04 0001 0200") == ParseError{WireError::truncated, 10}));
  // Views accept other sizes; the Ethernet/IPv4 representation points at the odd field.
  const auto tr_bytes = hex("0006 0800 06 04 0001 020000000001 c0000201 000000000000 c0000202");
  auto token_ring = ArpView::parse(tr_bytes);
  BOOST_REQUIRE(token_ring);
  BOOST_TEST((ArpRepr::parse(*token_ring).error() == ParseError{WireError::unsupported, 0}));
  const auto ipx_bytes = hex("0001 8137 06 04 0001 020000000001 c0000201 000000000000 c0000202");
  auto ipx = ArpView::parse(ipx_bytes);
  BOOST_REQUIRE(ipx);
  BOOST_TEST((ArpRepr::parse(*ipx).error() == ParseError{WireError::unsupported, 2}));
  const auto plen6_bytes = hex("0001 0800 06 06 0001 020000000001 c00002010000 000000000000 c00002020000");
  auto plen6 = ArpView::parse(plen6_bytes);
  BOOST_REQUIRE(plen6);
  BOOST_TEST((ArpRepr::parse(*plen6).error() == ParseError{WireError::bad_length, 5}));
  const auto op3_bytes = hex("0001 0800 06 04 0003 020000000001 c0000201 000000000000 c0000202");
  auto op3 = ArpView::parse(op3_bytes);
  BOOST_REQUIRE(op3);
  BOOST_TEST((ArpRepr::parse(*op3).error() == ParseError{WireError::bad_field, 6}));
  // Zero-size addresses: the view is 8 bytes and must not read past them.
  const auto zero_bytes = hex("0001 0800 00 00 0001");
  auto zero = ArpView::parse(zero_bytes);
  BOOST_REQUIRE(zero);
  BOOST_TEST(zero->packet_len() == 8u);
  BOOST_TEST(zero->target_protocol_address().empty());
}

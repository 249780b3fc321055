#include "ndp.hpp"

#include <algorithm>
#include <array>
#include <boost/test/unit_test.hpp>
#include <string>

#include "hardstack/harness/hex.hpp"
#include "icmpv6.hpp"

using namespace hardstack::wire;
using hardstack::harness::hex;

namespace {

Ipv6Address ip6(std::string_view text) { return Ipv6Address::from_string(text).value(); }

const PseudoHeader link_local_to_all_routers = PseudoHeader::v6(ip6("fe80::1"), ip6("ff02::2"));
const PseudoHeader link_local_to_all_nodes = PseudoHeader::v6(ip6("fe80::1"), ip6("ff02::1"));
const PseudoHeader link_local_to_solicited_node = PseudoHeader::v6(ip6("fe80::1"), ip6("ff02::1:ff00:2"));

// NS header for target 2001:db8::2, code 0, checksum not computed: malformed
// cases parse with ChecksumMode::ignore, their point is elsewhere.
const std::string ns_head = "8700 0000 00000000 20010db8000000000000000000000002";
const std::string slla_option = "0101 020000000001";

Icmpv6Repr parse_ok(const std::vector<std::byte>& bytes, const PseudoHeader& pseudo) {
  auto view = Icmpv6View::parse(bytes, pseudo);
  BOOST_REQUIRE(view);
  auto repr = Icmpv6Repr::parse(*view);
  BOOST_REQUIRE(repr);
  return *repr;
}

ParseError nd_error(const std::string& text) {
  const auto bytes = hex(text);
  auto view = Icmpv6View::parse(bytes, link_local_to_all_nodes, ChecksumMode::ignore);
  if (!view) return view.error();
  auto repr = Icmpv6Repr::parse(*view);
  BOOST_REQUIRE(!repr);
  return repr.error();
}

Icmpv6Repr nd_ok(const std::string& text, std::vector<std::byte>& storage) {
  storage = hex(text);
  auto view = Icmpv6View::parse(storage, link_local_to_all_nodes, ChecksumMode::ignore);
  BOOST_REQUIRE(view);
  auto repr = Icmpv6Repr::parse(*view);
  BOOST_REQUIRE(repr);
  return *repr;
}

// Emits `repr`, expects exactly `bytes` (but the checksum for hand-made
// input with a zero one), and parses the result back equal.
void check_round_trip(const std::vector<std::byte>& bytes, const Icmpv6Repr& repr, const PseudoHeader& pseudo,
                      bool compare_checksum = true) {
  std::array<std::byte, 512> out{};
  auto n = repr.emit(out, pseudo);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == bytes.size());
  BOOST_TEST(std::equal(bytes.begin(), bytes.begin() + 2, out.begin()));
  BOOST_TEST(std::equal(bytes.begin() + 4, bytes.end(), out.begin() + 4));
  if (compare_checksum) BOOST_TEST(std::equal(bytes.begin() + 2, bytes.begin() + 4, out.begin() + 2));
  auto again = Icmpv6View::parse(Bytes(out).first(*n), pseudo);
  BOOST_REQUIRE(again);
  auto again_repr = Icmpv6Repr::parse(*again);
  BOOST_REQUIRE(again_repr);
  BOOST_TEST((*again_repr == repr));
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(router_solicitation_with_source_link_layer_address) {
  const auto packet = hex("8500 7a2c 00000000 0101020000000001");
  const auto repr = parse_ok(packet, link_local_to_all_routers);
  const auto& rs = std::get<NdRouterSolicitation>(repr.message);
  BOOST_REQUIRE(rs.options.size() == 1u);
  BOOST_TEST(std::get<NdSourceLinkLayerAddress>(rs.options[0]).address.to_string() == "02:00:00:00:00:01");
  check_round_trip(packet, repr, link_local_to_all_routers);
}

BOOST_AUTO_TEST_CASE(router_advertisement_with_every_common_option) {
  // Scapy: chlim 64, M, prf 1, lifetime 1800, reachable 30000, retrans 1000;
  // SLLA, MTU 1500, prefix 2001:db8::/64 L A, RDNSS with two servers.
  const auto packet =
      hex("8600 3a9a 40 88 0708 00007530 000003e8"
          "0101 020000000001"
          "0501 0000 000005dc"
          "0304 40 c0 00015180 00003840 00000000 20010db8000000000000000000000000"
          "1905 0000 00000258 20010db8000000000000000000000053 20010db8000000000000000000000054");
  const auto repr = parse_ok(packet, link_local_to_all_nodes);
  const auto& ra = std::get<NdRouterAdvertisement>(repr.message);
  BOOST_TEST(ra.cur_hop_limit == 64);
  BOOST_TEST(ra.managed_address_configuration);
  BOOST_TEST(!ra.other_configuration);
  BOOST_TEST(ra.reserved_flags == 0x08);  // RFC 4191 Prf = 01 (high)
  BOOST_TEST(ra.router_lifetime == 1800);
  BOOST_TEST(ra.reachable_time == 30000u);
  BOOST_TEST(ra.retrans_timer == 1000u);
  BOOST_REQUIRE(ra.options.size() == 4u);
  BOOST_TEST(std::get<NdSourceLinkLayerAddress>(ra.options[0]).address.to_string() == "02:00:00:00:00:01");
  BOOST_TEST(std::get<NdMtu>(ra.options[1]).mtu == 1500u);
  const auto& prefix = std::get<NdPrefixInformation>(ra.options[2]);
  BOOST_TEST(prefix.prefix_length == 64);
  BOOST_TEST(prefix.on_link);
  BOOST_TEST(prefix.autonomous);
  BOOST_TEST(prefix.reserved_flags == 0);
  BOOST_TEST(prefix.valid_lifetime == 86400u);
  BOOST_TEST(prefix.preferred_lifetime == 14400u);
  BOOST_TEST(prefix.prefix.to_string() == "2001:db8::");
  const auto& dns = std::get<NdRecursiveDnsServer>(ra.options[3]);
  BOOST_TEST(dns.lifetime == 600u);
  BOOST_REQUIRE(dns.count() == 2u);
  BOOST_TEST(dns.address(0).to_string() == "2001:db8::53");
  BOOST_TEST(dns.address(1).to_string() == "2001:db8::54");
  check_round_trip(packet, repr, link_local_to_all_nodes);
}

BOOST_AUTO_TEST_CASE(neighbor_solicitation_and_advertisement) {
  const auto ns_bytes = hex("8700 4b5f 00000000 20010db8000000000000000000000002 0101020000000001");
  const auto ns_repr = parse_ok(ns_bytes, link_local_to_solicited_node);
  const auto& ns = std::get<NdNeighborSolicitation>(ns_repr.message);
  BOOST_TEST(ns.target.to_string() == "2001:db8::2");
  BOOST_REQUIRE(ns.options.size() == 1u);
  BOOST_TEST(std::holds_alternative<NdSourceLinkLayerAddress>(ns.options[0]));
  check_round_trip(ns_bytes, ns_repr, link_local_to_solicited_node);

  const auto na_pseudo = PseudoHeader::v6(ip6("fe80::2"), ip6("fe80::1"));
  const auto na_bytes = hex("8800 e8e1 60000000 20010db8000000000000000000000002 0201020000000002");
  const auto na_repr = parse_ok(na_bytes, na_pseudo);
  const auto& na = std::get<NdNeighborAdvertisement>(na_repr.message);
  BOOST_TEST(!na.router);
  BOOST_TEST(na.solicited);
  BOOST_TEST(na.override_flag);
  BOOST_TEST(na.target.to_string() == "2001:db8::2");
  BOOST_TEST(std::get<NdTargetLinkLayerAddress>(na.options[0]).address.to_string() == "02:00:00:00:00:02");
  check_round_trip(na_bytes, na_repr, na_pseudo);
}

BOOST_AUTO_TEST_CASE(redirect_with_target_link_layer_address_and_redirected_header) {
  const auto pseudo = PseudoHeader::v6(ip6("fe80::1"), ip6("2001:db8::2"));
  const std::string invoking =
      "600000000008114020010db800000000000000000000000220010db800000000000000000000000713880035000890a6";
  const auto packet =
      hex("8900 a375 00000000 fe800000000000000000000000000099 20010db8000000000000000000000007"
          "0201020000000099 0407000000000000" +
          invoking);
  const auto repr = parse_ok(packet, pseudo);
  const auto& r = std::get<NdRedirect>(repr.message);
  BOOST_TEST(r.target.to_string() == "fe80::99");
  BOOST_TEST(r.destination.to_string() == "2001:db8::7");
  BOOST_REQUIRE(r.options.size() == 2u);
  BOOST_TEST(std::get<NdTargetLinkLayerAddress>(r.options[0]).address.to_string() == "02:00:00:00:00:99");
  BOOST_TEST(same_bytes(std::get<NdRedirectedHeader>(r.options[1]).packet, hex(invoking)));
  check_round_trip(packet, repr, pseudo);
}

BOOST_AUTO_TEST_CASE(SEC_ND_1_option_length_zero_invalidates_the_message) {
  // ND-1: the length byte of the first option is at 25, of the second at 33.
  BOOST_TEST((nd_error(ns_head + "0100 020000000001") == ParseError{WireError::bad_option_length, 25}));
  BOOST_TEST((nd_error(ns_head + slla_option + "0e00 000000000000") ==
              ParseError{WireError::bad_option_length, 33}));
  // RS options start at 8, RA at 16, Redirect at 40.
  BOOST_TEST(
      (nd_error("8500 0000 00000000 0100 020000000001") == ParseError{WireError::bad_option_length, 9}));
  BOOST_TEST((nd_error("8600 0000 40000708 00000000 00000000 0500 0000000005dc") ==
              ParseError{WireError::bad_option_length, 17}));
  BOOST_TEST((nd_error("8900 0000 00000000 fe800000000000000000000000000099 20010db8000000000000000000000007"
                       "0400 000000000000") == ParseError{WireError::bad_option_length, 41}));
}

BOOST_AUTO_TEST_CASE(ND_1_options_are_bounded_by_the_message) {
  // Length 2 (16 bytes) with 8 left; length 1 with 7 left; a lone byte.
  BOOST_TEST((nd_error(ns_head + "0102 020000000001") == ParseError{WireError::bad_option_length, 25}));
  BOOST_TEST((nd_error(ns_head + "0101 0200000000") == ParseError{WireError::bad_option_length, 25}));
  BOOST_TEST((nd_error(ns_head + slla_option + "01") == ParseError{WireError::truncated, 33}));
  BOOST_TEST((nd_error(ns_head + "ff") == ParseError{WireError::truncated, 25}));
}

BOOST_AUTO_TEST_CASE(option_walker_reports_each_option_and_stops_at_an_error) {
  const auto area = hex("0101 020000000001 fe01 aabbccddeeff 0100");
  NdOptionReader reader(area, 24);
  auto first = reader.next();
  BOOST_REQUIRE(first);
  BOOST_REQUIRE(first->has_value());
  BOOST_TEST((*first)->type == 1);
  BOOST_TEST((*first)->offset == 24u);
  BOOST_TEST((*first)->length_units() == 1u);
  auto second = reader.next();
  BOOST_REQUIRE(second);
  BOOST_REQUIRE(second->has_value());
  BOOST_TEST((*second)->type == 0xfe);
  BOOST_TEST((*second)->offset == 32u);
  BOOST_TEST(same_bytes((*second)->data(), hex("aabbccddeeff")));
  auto third = reader.next();
  BOOST_REQUIRE(!third);
  BOOST_TEST((third.error() == ParseError{WireError::bad_option_length, 41}));
  // The walker does not move past an error.
  auto again = reader.next();
  BOOST_REQUIRE(!again);
  BOOST_TEST((again.error() == ParseError{WireError::bad_option_length, 41}));

  const std::vector<std::byte> none;
  NdOptionReader empty(none, 8);
  auto end = empty.next();
  BOOST_REQUIRE(end);
  BOOST_TEST(!end->has_value());
}

BOOST_AUTO_TEST_CASE(prefix_information_and_mtu_have_fixed_lengths) {
  const std::string ra_head = "8600 0000 40000708 00000000 00000000";
  // Prefix Information of length 3 (the option at 16: its length byte at 17).
  BOOST_TEST((nd_error(ra_head + "0303 40c0 00015180 00003840 00000000 20010db800000000") ==
              ParseError{WireError::bad_option_length, 17}));
  // Prefix length 129: the prefix-length byte at 18.
  BOOST_TEST((nd_error(ra_head + "0304 81c0 00015180 00003840 00000000 20010db8000000000000000000000000") ==
              ParseError{WireError::bad_option_value, 18}));
  // MTU of length 2.
  BOOST_TEST((nd_error(ra_head + "0502 0000 000005dc 0000000000000000") ==
              ParseError{WireError::bad_option_length, 17}));
}

BOOST_AUTO_TEST_CASE(RFC8106_rdnss_length_is_odd_and_at_least_3) {
  const std::string ra_head = "8600 0000 40000708 00000000 00000000";
  const std::string server = "20010db8000000000000000000000053";
  // Length 1 (no address), 2 and 4 (half an address: the CVE-2020-16898 shape).
  BOOST_TEST((nd_error(ra_head + "1901 0000 00000258") == ParseError{WireError::bad_option_length, 17}));
  BOOST_TEST((nd_error(ra_head + "1902 0000 00000258 0000000000000000") ==
              ParseError{WireError::bad_option_length, 17}));
  BOOST_TEST((nd_error(ra_head + "1904 0000 00000258" + server + "0000000000000000") ==
              ParseError{WireError::bad_option_length, 17}));
  std::vector<std::byte> storage;
  const auto repr = nd_ok(ra_head + "1903 0000 00000258" + server, storage);
  const auto& dns = std::get<NdRecursiveDnsServer>(std::get<NdRouterAdvertisement>(repr.message).options[0]);
  BOOST_TEST(dns.count() == 1u);
  BOOST_TEST(dns.address(0).to_string() == "2001:db8::53");
}

BOOST_AUTO_TEST_CASE(unknown_options_and_other_link_layer_sizes_are_kept) {
  std::vector<std::byte> storage;
  // A nonce (14) and a 2-unit source link-layer address (not Ethernet).
  const auto repr = nd_ok(ns_head + "0e01 0102030405 06" + "0102 0102030405060708090a0b0c0d0e", storage);
  const auto& ns = std::get<NdNeighborSolicitation>(repr.message);
  BOOST_REQUIRE(ns.options.size() == 2u);
  const auto& nonce = std::get<NdUnknownOption>(ns.options[0]);
  BOOST_TEST(nonce.type == 14);
  BOOST_TEST(same_bytes(nonce.data, hex("010203040506")));
  const auto& wide = std::get<NdUnknownOption>(ns.options[1]);
  BOOST_TEST(wide.type == 1);
  BOOST_TEST(wide.data.size() == 14u);
  check_round_trip(storage, repr, link_local_to_all_nodes, false);
}

BOOST_AUTO_TEST_CASE(more_than_16_options_is_too_many) {
  std::vector<std::byte> storage;
  const auto sixteen = nd_ok(ns_head + repeat(slla_option, 16), storage);
  BOOST_TEST(std::get<NdNeighborSolicitation>(sixteen.message).options.size() == 16u);
  // Option 17 starts at 24 + 16 * 8 = 152.
  BOOST_TEST((nd_error(ns_head + repeat(slla_option, 17)) == ParseError{WireError::too_many_options, 152}));
}

BOOST_AUTO_TEST_CASE(nd_messages_check_code_targets_and_lengths) {
  // RFC 4861 7.1.1: code 0 only; no multicast target.
  BOOST_TEST((nd_error("8701 0000 00000000 20010db8000000000000000000000002") ==
              ParseError{WireError::bad_field, 1}));
  BOOST_TEST((nd_error("8700 0000 00000000 ff020000000000000000000000000001") ==
              ParseError{WireError::bad_field, 8}));
  BOOST_TEST((nd_error("8800 0000 60000000 ff020000000000000000000000000001") ==
              ParseError{WireError::bad_field, 8}));
  BOOST_TEST((nd_error("8501 0000 00000000") == ParseError{WireError::bad_field, 1}));
  // RFC 4861 8.1: a multicast destination; a global target that is not the destination.
  BOOST_TEST(
      (nd_error("8900 0000 00000000 fe800000000000000000000000000099 ff020000000000000000000000000001") ==
       ParseError{WireError::bad_field, 24}));
  BOOST_TEST(
      (nd_error("8900 0000 00000000 20010db8000000000000000000000099 20010db8000000000000000000000007") ==
       ParseError{WireError::bad_field, 8}));
  std::vector<std::byte> storage;
  const auto on_link =
      nd_ok("8900 0000 00000000 20010db8000000000000000000000007 20010db8000000000000000000000007", storage);
  BOOST_TEST(std::get<NdRedirect>(on_link.message).target.to_string() == "2001:db8::7");
  // Minimum lengths (RFC 4861 6.1, 7.1, 8.1), at the view.
  BOOST_TEST((nd_error("8500 0000 000000") == ParseError{WireError::truncated, 7}));
  BOOST_TEST((nd_error("8600 0000 40000708 00000000 000000") == ParseError{WireError::truncated, 15}));
  BOOST_TEST((nd_error("8700 0000 00000000 20010db80000000000000000000000") ==
              ParseError{WireError::truncated, 23}));
  BOOST_TEST((nd_error("8800 0000 60000000") == ParseError{WireError::truncated, 8}));
  BOOST_TEST((nd_error("8900 0000 00000000 fe800000000000000000000000000099 20010db800000000000000000000") ==
              ParseError{WireError::truncated, 38}));
}

BOOST_AUTO_TEST_CASE(option_emit_pads_and_refuses_what_would_not_read_back) {
  std::array<std::byte, 4096> out{};
  // A redirected packet of 5 bytes is padded to 8: the option is 16 bytes.
  const auto five = hex("6000000000");
  auto n = emit_nd_option(NdRedirectedHeader{five}, out);
  BOOST_REQUIRE(n);
  BOOST_TEST(*n == 16u);
  BOOST_TEST(std::to_integer<int>(out[1]) == 2);
  // An unknown option with 3 data bytes: 8 in all.
  const auto three = hex("010203");
  BOOST_TEST(emit_nd_option(NdUnknownOption{200, three}, out).value_or(0) == 8u);

  const auto six = hex("020000000001");
  BOOST_TEST((emit_nd_option(NdUnknownOption{1, six}, out).error() == WireError::unrepresentable));
  BOOST_TEST((emit_nd_option(NdUnknownOption{25, six}, out).error() == WireError::unrepresentable));
  BOOST_TEST((emit_nd_option(NdRecursiveDnsServer{600, {}}, out).error() == WireError::unrepresentable));
  BOOST_TEST((emit_nd_option(NdRecursiveDnsServer{600, Bytes(out).first(15)}, out).error() ==
              WireError::unrepresentable));
  NdPrefixInformation too_long_prefix;
  too_long_prefix.prefix_length = 129;
  BOOST_TEST((emit_nd_option(too_long_prefix, out).error() == WireError::unrepresentable));
  NdPrefixInformation flag_twice;
  flag_twice.reserved_flags = 0x80;
  BOOST_TEST((emit_nd_option(flag_twice, out).error() == WireError::unrepresentable));
  // 255 units is the most a length byte says.
  const std::vector<std::byte> big(2040 - 8 + 1);
  BOOST_TEST((emit_nd_option(NdRedirectedHeader{big}, out).error() == WireError::unrepresentable));
  BOOST_TEST(emit_nd_option(NdRedirectedHeader{Bytes(big).first(2032)}, out).value_or(0) == 2040u);

  std::array<std::byte, 7> small{};
  BOOST_TEST((emit_nd_option(NdMtu{1500}, small).error() == WireError::buffer_too_small));
}

BOOST_AUTO_TEST_CASE(message_emit_refuses_small_buffers_and_invalid_values) {
  NdNeighborSolicitation ns;
  ns.target = ip6("2001:db8::2");
  BOOST_REQUIRE(ns.options.push_back(NdSourceLinkLayerAddress{MacAddress{{2, 0, 0, 0, 0, 1}}}));
  const Icmpv6Repr repr{ns};
  BOOST_TEST(repr.buffer_len() == 32u);
  std::array<std::byte, 31> small{};
  BOOST_TEST((repr.emit(small, link_local_to_solicited_node).error() == WireError::buffer_too_small));
  std::array<std::byte, 32> exact{};
  BOOST_TEST(repr.emit(exact, link_local_to_solicited_node).value_or(0) == 32u);
  // Same bytes as Scapy's NS above.
  const auto scapy = hex("8700 4b5f 00000000 20010db8000000000000000000000002 0101020000000001");
  BOOST_TEST(std::equal(scapy.begin(), scapy.end(), exact.begin()));

  std::array<std::byte, 128> out{};
  ns.target = ip6("ff02::1");
  BOOST_TEST((Icmpv6Repr{ns}.emit(out, link_local_to_all_nodes).error() == WireError::unrepresentable));
  NdRedirect redirect;
  redirect.target = ip6("2001:db8::99");
  redirect.destination = ip6("2001:db8::7");
  BOOST_TEST((Icmpv6Repr{redirect}.emit(out, link_local_to_all_nodes).error() == WireError::unrepresentable));
  NdRouterAdvertisement ra;
  ra.reserved_flags = 0x40;
  BOOST_TEST((Icmpv6Repr{ra}.emit(out, link_local_to_all_nodes).error() == WireError::unrepresentable));
}

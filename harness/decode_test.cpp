#include "decode.hpp"

#include <boost/test/unit_test.hpp>

#include "builders.hpp"
#include "hardstack/net/entropy.hpp"
#include "hex.hpp"

using namespace hardstack::harness;
namespace w = hardstack::wire;

namespace {
const auto m1 = mac("02:00:00:00:00:01");
const auto m2 = mac("02:00:00:00:00:02");
const auto a4 = ip4("192.0.2.1");
const auto b4 = ip4("192.0.2.2");
const auto a6 = ip6("2001:db8::1");
const auto b6 = ip6("2001:db8::2");

std::string value_of(const DecodedLayer& l, std::string_view name) {
  const auto* f = l.field(name);
  return f ? f->value : "(none)";
}
}  // namespace

BOOST_AUTO_TEST_CASE(arp_frame_prints_one_line_per_layer) {
  const std::vector<std::byte> frame = eth(m1) / arp_request(m1, a4, b4) / padding(18);
  const auto d = decode(frame);
  BOOST_TEST(!d.error);
  BOOST_TEST(d.size == 60u);
  BOOST_TEST(d.to_string() ==
             "Ethernet: dst=ff:ff:ff:ff:ff:ff src=02:00:00:00:00:01 type=0x0806 (ARP)\n"
             "ARP: operation=1 (request) sender_mac=02:00:00:00:00:01 sender_ip=192.0.2.1 "
             "target_mac=00:00:00:00:00:00 target_ip=192.0.2.2\n");
}

BOOST_AUTO_TEST_CASE(icmp_error_quote_is_decoded_one_level_in) {
  const std::vector<std::byte> frame = eth(m2, m1) / ipv4(b4, a4).ttl(1) /
                                       icmp_dest_unreachable(3, ipv4(a4, b4) / udp(1234, 7) / payload("hi"));
  const auto d = decode(frame);
  BOOST_TEST(!d.error);
  BOOST_REQUIRE(d.layers.size() == 5u);
  BOOST_TEST(d.layers[2].name == "ICMPv4");
  BOOST_TEST(d.layers[2].offset == 34u);
  BOOST_TEST(value_of(d.layers[2], "message") == "destination_unreachable");
  BOOST_TEST(d.layers[2].field("code")->note == "port_unreachable");
  BOOST_TEST(d.layers[2].checksum_ok.value_or(false));
  BOOST_TEST(d.layers[3].name == "IPv4");
  BOOST_TEST(d.layers[3].depth == 1u);
  BOOST_TEST(d.layers[3].offset == 42u);
  BOOST_TEST(!d.layers[3].checksum_ok.has_value());  // quotes are not verified
  BOOST_TEST(d.layers[4].name == "UDP");
  BOOST_TEST(value_of(d.layers[4], "payload") == "6869");
  BOOST_TEST((d.find("IPv4", 1) == &d.layers[3]));
  BOOST_TEST((d.find("IPv4") == &d.layers[1]));
  BOOST_TEST(d.find("TCP") == nullptr);
}

BOOST_AUTO_TEST_CASE(bad_checksum_is_reported_with_the_correct_value) {
  const auto good = raw(ipv4(a4, b4) / udp(1, 2) / payload("x"));
  const auto bad = raw(ipv4(a4, b4) / udp(1, 2).checksum(0x1234) / payload("x"));
  const auto d = decode(raw_ip(bad));
  BOOST_TEST(!d.error);  // the fields are still there
  const auto& udp_layer = d.layers.at(1);
  BOOST_TEST(!udp_layer.checksum_ok.value_or(true));
  BOOST_TEST(udp_layer.field("checksum")->note == "bad, correct " + format::hex16(w::load_be16(good, 26)));
  // IPv4 without a UDP checksum: none, which is fine (RFC 768).
  const auto none = decode(raw_ip(raw(ipv4(a4, b4) / udp(1, 2).checksum(0))));
  BOOST_TEST(none.layers.at(1).field("checksum")->note == "none");
  BOOST_TEST(!none.layers.at(1).checksum_ok.has_value());
}

BOOST_AUTO_TEST_CASE(decoding_stops_at_the_first_malformed_layer) {
  const auto five = hex("0102030405");
  const auto d = decode(five);
  BOOST_TEST(d.layers.empty());
  BOOST_REQUIRE(d.error);
  BOOST_TEST(d.error->to_string() == "Ethernet: truncated at byte 5");
  // IPv4 with an option of length 1: the header is shown, then the option error.
  const std::vector<std::byte> bad_option = eth(m1, m2) / ipv4(a4, b4).raw_options(hex("0701")) / udp(1, 2);
  const auto o = decode(bad_option);
  BOOST_REQUIRE(o.layers.size() == 2u);
  BOOST_TEST(value_of(o.layers[1], "options") == "07010000");
  BOOST_REQUIRE(o.error);
  BOOST_TEST(o.error->to_string() == "IPv4: bad_option_length at byte 34");  // the option's type byte
}

BOOST_AUTO_TEST_CASE(fragments_show_data_and_a_first_fragment_as_far_as_it_goes) {
  const Packet datagram = ipv6(a6, b6) / udp(1, 2) / payload(40, 0x61);
  const auto fragments = fragment_ipv6(datagram, {16}, 7);
  const auto first = decode(raw_ip(fragments[0]));
  BOOST_TEST(!first.error);
  BOOST_REQUIRE(first.layers.size() == 3u);
  BOOST_TEST(first.layers[1].name == "Fragment");
  BOOST_TEST(value_of(first.layers[1], "more_fragments") == "true");
  BOOST_TEST(value_of(first.layers[1], "identification") == "7");
  BOOST_TEST(first.layers[2].name == "data");
  BOOST_TEST(first.layers[2].field("payload")->note == "not decoded as UDP: bad_length at byte 52");
  const auto v4 = fragment_ipv4(ipv4(a4, b4) / icmp_echo_request(1, 2, std::vector<std::byte>(40)), {16});
  const auto v4_first = decode(raw_ip(v4[0]));
  BOOST_REQUIRE(v4_first.layers.size() == 2u);
  BOOST_TEST(v4_first.layers[1].name == "ICMPv4");  // the 8-byte header is all ICMP needs
  BOOST_TEST(v4_first.layers[1].field("checksum")->note == "not verified");
  const auto v4_second = decode(raw_ip(v4[1]));
  BOOST_TEST(v4_second.layers.at(1).field("payload")->note == "fragment data");
}

BOOST_AUTO_TEST_CASE(tcp_options_and_where_their_walk_stopped) {
  const std::vector<std::byte> seg =
      eth(m1, m2) / ipv4(a4, b4) / tcp(1, 2).flags("SA").raw_options(hex("020405b4 0402 01 0a"));
  const auto d = decode(seg);
  BOOST_TEST(!d.error);
  const auto& t = d.layers.at(2);
  BOOST_TEST(value_of(t, "flags") == "SA");
  BOOST_TEST(value_of(t, "mss") == "1460");
  BOOST_TEST(value_of(t, "sack_permitted") == "true");
  BOOST_TEST(value_of(t, "options_stop") == "missing_length");
  BOOST_TEST(t.field("options_stop")->note == "at byte 62");  // where kind 10's length byte would be
}

BOOST_AUTO_TEST_CASE(nd_messages_and_extension_headers) {
  const auto na = decode(eth(m2, m1) / ipv6("fe80::2", "fe80::1").hop_limit(255) /
                         nd_na("fe80::2").solicited().options(tlla(m2)));
  const auto& icmp = na.layers.at(2);
  BOOST_TEST(value_of(icmp, "message") == "neighbor_advertisement");
  BOOST_TEST(value_of(icmp, "solicited") == "true");
  BOOST_TEST(value_of(icmp, "override") == "false");
  BOOST_TEST(value_of(icmp, "tlla") == "02:00:00:00:00:02");
  const auto hbh = decode(ipv6(a6, b6) / hop_by_hop(router_alert(0)) / icmpv6_echo_request(1, 1));
  BOOST_TEST(hbh.layers.at(1).to_string() ==
             "Hop-by-Hop: next_header=58 (ICMPv6) header_ext_len=0 router_alert=0");
  BOOST_TEST(hbh.layers.at(2).name == "ICMPv6");
}

BOOST_AUTO_TEST_CASE(long_hex_values_are_cut_when_printed) {
  BOOST_TEST(format::abbreviated("0102") == "0102");
  const std::string long_hex(200, 'a');
  BOOST_TEST(format::abbreviated(long_hex) == std::string(64, 'a') + "...(100 bytes)");
  BOOST_TEST(format::abbreviated(std::string(200, 'x')) == std::string(200, 'x'));  // not hex
  BOOST_TEST(format::tcp_flags(0x012) == "SA");
  BOOST_TEST(format::tcp_flags(0x1ff) == "FSRPAUECN");
}

BOOST_AUTO_TEST_CASE(any_bytes_decode_to_layers_or_an_error) {
  // Mutations of valid frames of every kind, and truncations: the decoder only
  // reads through the wire layer's checked views (run under ASan/UBSan).
  const std::vector<std::vector<std::byte>> seeds = {
      raw(eth(m2, m1) / ipv4(b4, a4).options(record_route(2)) /
          icmp_dest_unreachable(3, ipv4(a4, b4) / udp(1234, 7) / payload("hi"))),
      raw(eth(m2, m1) / ipv6(b6, a6) / hop_by_hop(router_alert()) / routing_type0(1, {a6}) /
          frag(0, true, 1) /
          icmpv6_param_problem(2, 42,
                               ipv6(a6, b6) / destination_options(tlv(0x80, hex("0000"))) / udp(1, 2))),
      raw(eth(m2, m1) / ipv4(a4, b4) / tcp(1, 2).flags("SA").mss(1460).sack({{1, 2}}).timestamps(1, 2) /
          payload("x")),
      raw(eth(m2, m1) / ipv6("fe80::1", "fe80::2") / nd_ra().options(slla(m1), w::NdMtu{1500})),
      raw(eth(m1) / arp_request(m1, a4, b4)),
  };
  hardstack::net::SeededEntropy entropy(3);
  std::size_t decoded = 0;
  for (int round = 0; round < 4000; ++round) {
    auto frame = seeds[entropy.uniform(static_cast<std::uint32_t>(seeds.size()))];
    const auto flips = 1 + entropy.uniform(3);
    for (std::uint32_t i = 0; i < flips; ++i)
      frame[entropy.uniform(static_cast<std::uint32_t>(frame.size()))] = std::byte(entropy.uniform(256));
    frame.resize(entropy.uniform(static_cast<std::uint32_t>(frame.size()) + 1));
    const auto d = decode(frame);
    if (!d.error) ++decoded;
    for (const auto& l : d.layers) BOOST_REQUIRE(l.offset <= frame.size());
    BOOST_REQUIRE(!d.to_string().empty() || frame.empty());
  }
  BOOST_TEST(decoded > 100u);
}

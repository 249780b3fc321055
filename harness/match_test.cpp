#include "match.hpp"

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "hex.hpp"

using namespace hardstack::harness;

namespace {
const auto m1 = mac("02:00:00:00:00:01");
const auto m2 = mac("02:00:00:00:00:02");
const auto a4 = ip4("192.0.2.1");
const auto b4 = ip4("192.0.2.2");
const auto a6 = ip6("2001:db8::1");
const auto b6 = ip6("2001:db8::2");

// The mismatch lines of a report: between its first line and "expected".
std::string problems(const MatchResult& r) {
  const auto& m = r.message();
  const auto begin = m.find('\n', 1);
  const auto end = m.find("\nexpected");
  if (begin == std::string::npos || end == std::string::npos) return m;
  return m.substr(begin + 1, end - begin);
}

// Port unreachable from b to a, quoting a's UDP datagram; TTL 1.
const Packet quoted_udp = ipv4(a4, b4).identification(1) / udp(1234, 7) / payload("hi");
const std::vector<std::byte> port_unreachable =
    eth(m2, m1) / ipv4(b4, a4).identification(1).ttl(1) / icmp_dest_unreachable(3, quoted_udp);
}  // namespace

BOOST_AUTO_TEST_SUITE(matching_frames)

BOOST_AUTO_TEST_CASE(named_fields_match_and_the_rest_may_be_anything) {
  BOOST_TEST(expect_ipv4(port_unreachable));
  BOOST_TEST(expect_ipv4(port_unreachable, src(b4), dst(a4), ttl(1), dont_fragment(false),
                         icmp(dest_unreachable(code(3), quote(quoted_udp)))));
  BOOST_TEST(expect_ipv4(port_unreachable, ethernet(src(m2), dst(m1), ethertype(0x0800))));
  BOOST_TEST(
      expect_ipv4(port_unreachable, icmp(quoted_ipv4(src(a4), udp(sport(1234), dport(7), payload("hi"))))));
  BOOST_TEST(expect_ethernet(port_unreachable, dst(m1)));
  BOOST_TEST(!expect_ipv6(port_unreachable));
}

BOOST_AUTO_TEST_CASE(a_mismatch_reports_each_field_then_both_packets) {
  const auto r = expect_ipv4(port_unreachable, src(b4), ttl(64), icmp(dest_unreachable(code(2))));
  BOOST_TEST(!r);
  BOOST_TEST(
      r.message() ==
      "\nexpect_ipv4: the frame does not match\n"
      "  IPv4.ttl: expected 64, got 1\n"
      "  ICMPv4.code: expected 2, got 3 (port_unreachable)\n"
      "expected:\n"
      "  IPv4: src=192.0.2.2 ttl=64\n"
      "    ICMPv4: message=destination_unreachable code=2\n"
      "actual (72 bytes, Ethernet):\n"
      "  Ethernet: dst=02:00:00:00:00:01 src=02:00:00:00:00:02 type=0x0800 (IPv4)\n"
      "  IPv4: version=4 ihl=5 dscp=0 ecn=0 total_length=58 identification=1 dont_fragment=false "
      "more_fragments=false fragment_offset=0 ttl=1 protocol=1 (ICMP) checksum=0x35bf (ok) src=192.0.2.2 "
      "dst=192.0.2.1\n"
      "  ICMPv4: message=destination_unreachable type=3 code=3 (port_unreachable) checksum=0x811c (ok) "
      "quote=4500001e000100004011f6cac0000201c000020204d20007000a0e946869\n"
      "    IPv4: version=4 ihl=5 dscp=0 ecn=0 total_length=30 identification=1 dont_fragment=false "
      "more_fragments=false fragment_offset=0 ttl=64 protocol=17 (UDP) checksum=0xf6ca (not verified) "
      "src=192.0.2.1 dst=192.0.2.2\n"
      "    UDP: sport=1234 dport=7 length=10 checksum=0x0e94 (not verified) payload=6869\n");
  std::ostringstream printed;  // what BOOST_TEST shows
  printed << r;
  BOOST_TEST(printed.str() == r.message());
}

BOOST_AUTO_TEST_CASE(ipv6_param_problem_with_pointer_and_quote) {
  const Packet offending = ipv6(a6, b6) / destination_options(tlv(0x80, hex("0000"))) / udp(1, 2);
  const std::vector<std::byte> frame = ipv6(b6, a6) / icmpv6_param_problem(2, 42, offending);
  BOOST_TEST(expect_ipv6(raw_ip(frame), src(b6), icmpv6(param_problem(code(2), pointer(42)))));
  BOOST_TEST(expect_ipv6(
      raw_ip(frame),
      icmpv6(quoted_ipv6(destination_options_header(field("option_128", "0000")), udp(dport(2))))));
  const auto r =
      expect_ipv6(raw_ip(frame), icmpv6(param_problem(code(1), pointer(40)), quoted_ipv6(udp(dport(3)))));
  BOOST_TEST(problems(r) ==
             "  ICMPv6.code: expected 1, got 2 (unrecognized_option)\n"
             "  ICMPv6.pointer: expected 40, got 42\n"
             "  quoted UDP.dport: expected 3, got 2\n");
  BOOST_TEST(r.message().find("actual (104 bytes, raw IP):\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_layers_and_fields) {
  const std::vector<std::byte> arp = eth(m1) / arp_request(m1, a4, b4);
  BOOST_TEST(problems(expect_ipv4(arp, ttl(1))) == "  no IPv4 layer (the frame has Ethernet, ARP)\n");
  BOOST_TEST(expect_arp(arp, operation(1), sender_ip(a4), target_ip(b4), target_mac({})));
  BOOST_TEST(problems(expect_ipv4(port_unreachable, udp())) ==
             "  no UDP layer after IPv4 (the frame has Ethernet, IPv4, ICMPv4)\n");
  BOOST_TEST(problems(expect_ipv4(port_unreachable, icmp(quoted_ipv6()))) ==
             "  no IPv6 layer quoted in ICMPv4 (the frame has Ethernet, IPv4, ICMPv4)\n");
  const std::vector<std::byte> syn = eth(m1, m2) / ipv4(a4, b4) / tcp(40000, 80).flags("S").mss(1460);
  BOOST_TEST(expect_ipv4(syn, tcp(flags("S"), mss(1460), absent("window_scale"), sack_permitted(false))));
  BOOST_TEST(expect_ipv4(syn, tcp(flags(flag::syn), sport(40000), dport(80), seq(0), ack(0), window(65535))));
  BOOST_TEST(problems(expect_ipv4(syn, tcp(flags("SA"), window_scale(7), absent("mss")))) ==
             "  TCP.flags: expected SA, got S\n"
             "  TCP.window_scale: expected 7, got none\n"
             "  TCP.mss: expected none, got 1460\n");
}

BOOST_AUTO_TEST_CASE(frames_a_stack_never_sends_fail_any_matcher) {
  // A wrong checksum, named with the right one.
  const std::vector<std::byte> bad = eth(m1, m2) / ipv4(a4, b4) / tcp(1, 2).flags("SA").checksum(0x1234);
  const auto r = expect_ipv4(bad, tcp(flags("SA")));
  BOOST_TEST(!r);
  BOOST_TEST(problems(r).find("  TCP.checksum: 0x1234 (bad, correct 0x") == 0u);
  // A frame that does not decode.
  const std::vector<std::byte> long_udp = eth(m1, m2) / ipv4(a4, b4) / udp(1, 2).length(40) / payload("x");
  BOOST_TEST(problems(expect_ipv4(long_udp, ttl(64))) ==
             "  the frame does not decode: UDP: bad_length at byte 38\n");
}

BOOST_AUTO_TEST_CASE(fragments_nd_and_extension_headers) {
  const auto fragments = fragment_ipv6(eth(m1, m2) / ipv6(a6, b6) / udp(1, 2) / payload(40, 0x61), {16}, 7);
  BOOST_TEST(expect_ipv6(fragments[0], next_header(44),
                         fragment_header(fragment_offset(0), more_fragments(), identification(7))));
  BOOST_TEST(expect_ipv6(fragments[1], fragment_header(fragment_offset(2), more_fragments(false))));
  const std::vector<std::byte> na = eth(m2, m1) / ipv6("fe80::2", "fe80::1").hop_limit(255) /
                                    nd_na("fe80::2").solicited().override_flag().options(tlla(m2));
  BOOST_TEST(expect_ipv6(na, hop_limit(255),
                         icmpv6(neighbor_advertisement(target(ip6("fe80::2")), router(false), solicited(),
                                                       override_flag(), tlla(m2)))));
  BOOST_TEST(problems(expect_ipv6(na, icmpv6(neighbor_solicitation()))) ==
             "  ICMPv6.message: expected neighbor_solicitation, got neighbor_advertisement\n");
  const std::vector<std::byte> mld = eth(m1, m2) / ipv6(a6, "ff02::16").hop_limit(1) /
                                     hop_by_hop(router_alert(0)) / icmpv6_raw(143, 0, hex("00000000"));
  BOOST_TEST(expect_ipv6(mld, hop_by_hop_header(router_alert(0)), icmpv6(type(143))));
  const std::vector<std::byte> opts = eth(m1, m2) / ipv4(a4, b4).options(router_alert()) / udp(1, 2);
  BOOST_TEST(expect_ipv4(opts, ihl(6), options(router_alert())));
  BOOST_TEST(!expect_ipv4(opts, options()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(whole_frames)

BOOST_AUTO_TEST_CASE(equal_frames_match) {
  const Packet reply = eth(m2, m1) / ipv4(b4, a4) / icmp_echo_reply(1, 2, "ping");
  const std::vector<std::byte> bytes = reply;
  BOOST_TEST(expect_frame(bytes, reply));
}

BOOST_AUTO_TEST_CASE(field_differences_then_layer_differences_then_bytes) {
  const std::vector<std::byte> actual = eth(m2, m1) / ipv4(b4, a4) / icmp_echo_reply(1, 2, "ping");
  const auto r = expect_frame(actual, eth(m2, m1) / ipv4(b4, a4) / icmp_echo_reply(1, 3, "ping"));
  BOOST_TEST(problems(r) ==
             "  ICMPv4.checksum: expected 0x212b (ok), got 0x212c (ok)\n"  // Scapy: ICMP(type=0, id=1,
                                                                           // seq=3)/b"ping"
             "  ICMPv4.sequence: expected 3, got 2\n");
  BOOST_TEST(r.message().find("expected (46 bytes, Ethernet):\n  Ethernet:") != std::string::npos);
  const auto layers = expect_frame(actual, eth(m2, m1) / ipv4(b4, a4) / udp(1, 2));
  BOOST_TEST(problems(layers).find("  layer 2: expected UDP, got ICMPv4\n") != std::string::npos);
  const auto extra =
      expect_frame(actual, eth(m2, m1) / ipv4(b4, a4) / icmp_echo_reply(1, 2, "ping") / padding(4));
  BOOST_TEST(problems(extra) == "  the bytes differ from byte 46 (46 bytes, expected 50)\n");
}

BOOST_AUTO_TEST_SUITE_END()

// Known attacks on IPv6 stacks (SEC-*), from public descriptions: each a
// crafted sequence with the safe outcome asserted, then a well-formed packet
// that is still answered.
#include "hardstack/harness/hex.hpp"
#include "ipv6_fixture.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::DropReason;
using net::Duration;

namespace {

// The stack still answers a plain echo request.
void still_answers(Ipv6Fixture& f, std::uint16_t seq = 99) {
  f.inject(from_peer(ipv6(peer6, our6) / echo(seq)));
  const auto out = f.sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply(seq)));
}

StackFixtureOptions mtu_9000() {
  StackFixtureOptions o;
  o.mtu = 9000;
  return o;
}
using BigMtu = Ipv6FixtureWith<mtu_9000>;

const wire::Ipv6Address router_ll{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};
const wire::MacAddress router_mac{{0x02, 0, 0, 0, 0, 0xfe}};

// An ND option with Length 0 (8 bytes: type, 0, six bytes).
std::vector<std::byte> zero_length_option(std::uint8_t type) {
  std::vector<std::byte> o(8);
  o[0] = std::byte{type};
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(SEC_IPV6)

// ---- SEC-RH-1: Routing Header type 0 (CVE-2007-2242 class) ------------------------------------

BOOST_FIXTURE_TEST_CASE(SEC_RH_1_rh0_with_segments_left_param_problem, Ipv6Fixture) {
  // The amplification packet: RH0 bouncing between two hosts many times. A
  // host processes none of it: param problem @ Routing Type, nothing forwarded.
  std::vector<wire::Ipv6Address> hops;
  for (int i = 0; i < 40; ++i) hops.push_back(i % 2 == 0 ? other6 : peer6);
  const Packet p = ipv6(peer6, our6) / routing_type0(40, hops) / echo();
  inject(from_peer(p));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], param_problem_from_us(0, 42, p)));
  BOOST_TEST(stack.drops(DropReason::ipv6_routing_header) == 1u);
  still_answers(*this);
}

BOOST_FIXTURE_TEST_CASE(SEC_RH_1_unknown_routing_types_with_segments_left_param_problem, Ipv6Fixture) {
  for (const std::uint8_t type : {1, 2, 3, 4, 5, 253, 255}) {
    const Packet p = ipv6(peer6, our6) / routing(type, 1, hex("000000000000000000000000")) / echo();
    inject(from_peer(p));
    const auto out = sent_ip();
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(expect_frame(out[0], param_problem_from_us(0, 42, p)));
  }
  BOOST_TEST(stack.drops(DropReason::ipv6_routing_header) == 7u);
  // To a group: dropped, and the error is one a group destination never gets.
  inject(eth(peer_mac, group_mac(all_nodes)) / ipv6(peer6, all_nodes) / routing_type0(1, {other6}) / echo());
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_routing_header) == 8u);
  BOOST_TEST(icmp6().suppressed == 1u);
  still_answers(*this);
}

// ---- SEC-ND-1: ND options of length 0 (Bad Neighbor class, CVE-2020-16898) -----------------------

BOOST_FIXTURE_TEST_CASE(SEC_ND_1_ns_with_a_zero_length_option_anywhere_discarded, Ipv6Fixture) {
  const auto group = solicited_node_of(our6);
  const auto base = eth(third_mac, group_mac(group)) / ipv6(third6, group).hop_limit(255);
  // First, after a valid option, and before a valid option.
  inject(base / nd_ns(our6).raw_options(zero_length_option(1)));
  inject(base / nd_ns(our6).options(slla(third_mac)).raw_options(zero_length_option(14)));
  inject(base / nd_ns(our6).raw_options(zero_length_option(24)).options(slla(third_mac)));
  // An option whose length byte is 0 where the 8-byte unit loop would never end.
  inject(base / nd_ns(our6).raw_options(hex("0100")));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_bad_option) == 4u);
  BOOST_TEST(!stack.nd_entry(eth0, third6).has_value());  // no state change
  inject(base / nd_ns(our6).options(slla(third_mac)));    // a valid NS is still answered
  BOOST_TEST(sent().size() == 1u);
  BOOST_TEST(stack.nd_entry(eth0, third6)->mac == third_mac);
}

BOOST_FIXTURE_TEST_CASE(SEC_ND_1_na_with_a_zero_length_option_discarded, Ipv6Fixture) {
  inject(eth(third_mac, our_mac) / ipv6(third6, our6) / echo(3));  // resolution of third6 starts
  (void)sent();
  const wire::MacAddress attacker{{0x02, 0, 0, 0, 0, 0x66}};
  inject(
      eth(attacker, our_mac) / ipv6(third6, our6).hop_limit(255) /
      nd_na(third6).solicited().override_flag().options(tlla(attacker)).raw_options(zero_length_option(2)));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(DropReason::nd_bad_option) == 1u);
  BOOST_TEST(stack.nd_entry(eth0, third6)->state == net::NeighborState::incomplete);
  inject(eth(third_mac, our_mac) / ipv6(third6, our6).hop_limit(255) /
         nd_na(third6).solicited().override_flag().options(tlla(third_mac)));
  const auto out = sent();
  BOOST_TEST_REQUIRE(out.size() == 1u);  // the queued reply, to the right address
  BOOST_TEST(expect_ethernet(out[0], dst(third_mac)));
}

BOOST_FIXTURE_TEST_CASE(SEC_ND_1_ra_with_a_zero_length_option_discarded, Ipv6Fixture) {
  const auto ra = [](const std::vector<std::byte>& extra) {
    return eth(router_mac, group_mac(all_nodes)) / ipv6(router_ll, all_nodes).hop_limit(255) /
           nd_ra().router_lifetime(1800).options(slla(router_mac)).raw_options(extra);
  };
  inject(ra(zero_length_option(3)));
  inject(ra(zero_length_option(25)));
  // RDNSS with an even length (CVE-2020-16898 itself): refused too.
  inject(
      ra(hex("1902000000000e10"
             "20010db8000000000000000000000053")));
  BOOST_TEST(stack.drops(DropReason::nd_bad_option) == 3u);
  BOOST_TEST(!stack.nd_entry(eth0, router_ll).has_value());
  inject(ra({}));  // valid: the router's address is learnt
  BOOST_TEST(stack.nd_entry(eth0, router_ll)->mac == router_mac);
  BOOST_TEST(sent().empty());
  still_answers(*this);
}

BOOST_FIXTURE_TEST_CASE(SEC_ND_1_redirect_with_a_zero_length_option_discarded, Ipv6Fixture) {
  const auto redirect = [](const std::vector<std::byte>& extra) {
    return eth(router_mac, our_mac) / ipv6(router_ll, our6).hop_limit(255) /
           nd_redirect(peer_ll, other6).options(tlla(peer_mac)).raw_options(extra);
  };
  inject(redirect(zero_length_option(4)));
  BOOST_TEST(stack.drops(DropReason::nd_bad_option) == 1u);
  inject(redirect({}));  // valid, and not acted on
  BOOST_TEST(stack.drops(DropReason::nd_bad_option) == 1u);
  BOOST_TEST(stack.drops(DropReason::icmp_unknown_type) == 1u);
  BOOST_TEST(sent().empty());
  still_answers(*this);
}

// ---- SEC-FRAG-6: overlapping IPv6 fragments (teardrop for IPv6) -----------------------------------

BOOST_FIXTURE_TEST_CASE(SEC_FRAG_6_ipv6_overlapping_fragments_discard_the_datagram, Ipv6Fixture) {
  // Each pattern: the datagram is discarded (RFC 5722), nothing answered, no memory left.
  struct Overlap {
    std::uint16_t offset_units;
    std::size_t length;
    bool more;
  };
  const Overlap patterns[] = {
      {1, 64, true},    // starts inside the first fragment
      {60, 16, true},   // wholly inside
      {0, 512, true},   // same offset, same length, other bytes (not a duplicate)
      {62, 8, false},   // a last fragment ending inside the data held
      {63, 600, true},  // straddles the end of the first
  };
  std::uint32_t id = 1000;
  for (const auto& o : patterns) {
    ++id;
    const auto frags = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1000))), {512}, id);
    inject(frags[0]);
    inject(from_peer(ipv6(peer6, our6) / frag(o.offset_units, o.more, id).next_header(58) /
                     payload(o.length, 0xee)));
    inject(frags[1]);
    BOOST_TEST(sent_ip().empty());
  }
  // Four overlaps (RFC 5722) and a last fragment ending inside the data held.
  BOOST_TEST(stack.reassembly_v6_counters().reasm_overlaps == 4u);
  BOOST_TEST(stack.reassembly_v6_counters().reasm_fails == 5u);
  BOOST_TEST(stack.reassembly_v6_counters().reasm_oks == 0u);
  run_for(Duration::seconds(61));  // what later fragments started expires
  BOOST_TEST(stack.reassembly_memory() == 0u);
  BOOST_TEST(icmp6().out_time_excds == 0u);  // none of those queues had a first fragment
  still_answers(*this);
}

// ---- SEC-FRAG-7: atomic fragments with a pending queue's identification (RFC 6946) ---------------

BOOST_FIXTURE_TEST_CASE(SEC_FRAG_7_atomic_fragment_with_a_pending_id_not_merged, Ipv6Fixture) {
  // An off-path attacker that guessed the identification sends atomic
  // fragments under it to poison the queue: each is a datagram of its own.
  const auto frags = fragment_ipv6(from_peer(ipv6(peer6, our6) / echo(1, data_of(1000))), {512}, 77);
  inject(frags[0]);
  inject(
      from_peer(ipv6(peer6, our6) / frag(0, false, 77).next_header(58) / payload(512, 0xee)));  // bad ICMPv6
  inject(from_peer(ipv6(peer6, our6) / frag(0, false, 77) / echo(2)));
  auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply(2)));
  BOOST_TEST(stack.drops(DropReason::icmp_bad_checksum) == 1u);
  inject(frags[1]);
  out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], echo_reply(1, data_of(1000))));
  BOOST_TEST(stack.reassembly_v6_counters().reasm_overlaps == 0u);
}

// ---- SEC-FRAG-8: first fragment without the whole header chain (RFC 7112) ------------------------

BOOST_FIXTURE_TEST_CASE(SEC_FRAG_8_first_fragment_without_the_full_chain_dropped, Ipv6Fixture) {
  // Firewall evasion: the upper-layer header pushed into the second fragment
  // by a long Destination Options header.
  Ipv6OptionsLayer pad = destination_options();
  for (int i = 0; i < 5; ++i) pad.options.push_back(tlv(0x1e, std::vector<std::byte>(200)));
  const Packet whole = ipv6(peer6, our6) / pad / udp(1000, 2000) / payload(data_of(100));
  const auto frags = fragment_ipv6(from_peer(whole), {1000}, 55);  // the chain is 1016 bytes
  BOOST_TEST_REQUIRE(frags.size() == 2u);
  inject(frags[0]);
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv6(out[0], src(our6), dst(peer6), icmpv6(param_problem(code(3), pointer(0)))));
  BOOST_TEST(stack.drops(DropReason::ipv6_incomplete_chain) == 1u);
  inject(frags[1]);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(transport.delivered.empty());  // never reassembled
  run_for(Duration::seconds(61));
  BOOST_TEST(sent_ip().empty());  // no first fragment was held: no time exceeded
  BOOST_TEST(stack.reassembly_memory() == 0u);
  still_answers(*this);
}

// ---- SEC-EXT-1: long extension-header chains and padding ------------------------------------------

BOOST_FIXTURE_TEST_CASE(SEC_EXT_1_long_chains_and_padding_dropped_with_bounded_work, BigMtu) {
  // 1000 Destination Options headers: the walk stops at the 17th.
  Packet many = ipv6(peer6, our6);
  for (int i = 0; i < 1000; ++i) many = many / destination_options(padn(6));
  inject(from_peer(many / echo()));
  // A 2048-byte header of Pad1 only (RFC 4942 2.1.9.5: covert channel / CPU).
  inject(from_peer(ipv6(peer6, our6) / destination_options().raw_options(std::vector<std::byte>(2046)) /
                   echo()));
  // 200 zero-length unknown options in one header (over max options per header).
  std::vector<std::byte> crowd;
  for (int i = 0; i < 200; ++i) crowd.insert(crowd.end(), {std::byte{0x1e}, std::byte{0}});
  inject(from_peer(ipv6(peer6, our6) / destination_options().raw_options(crowd) / echo()));
  // A Hop-by-Hop header claiming 2048 bytes of which 8 are there.
  inject(from_peer(ipv6(peer6, our6) / hop_by_hop(padn(6)).header_ext_len(255) / echo()));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv6_bad_extension) == 4u);
  BOOST_TEST(ip6().in_hdr_errors == 4u);
  BOOST_TEST(icmp6().out_parm_probs == 0u);
  still_answers(*this);
}

// ---- SEC-ICMP-2: ICMPv6 errors quoting truncated or malformed IPv6 headers ------------------------

BOOST_FIXTURE_TEST_CASE(SEC_ICMP_2_errors_quoting_malformed_ipv6_headers_dropped, Ipv6Fixture) {
  const auto ours = raw(ipv6(our6, peer6) / udp(5000, 53) / payload("query"));
  auto cut = [&](std::size_t n) {
    return std::vector<std::byte>(ours.begin(), ours.begin() + static_cast<std::ptrdiff_t>(n));
  };
  const std::vector<std::vector<std::byte>> quotes = {
      {},                                        // nothing quoted
      cut(39),                                   // a cut IPv6 header
      cut(44),                                   // half a UDP header
      raw(ipv6(other6, peer6) / udp(5000, 53)),  // not our datagram
      raw(ipv6(our6, peer6) / destination_options(padn(6)).header_ext_len(200) /
          udp(5000, 53)),                                                           // chain past the quote
      raw(ipv6(our6, peer6) / frag(8, false, 1).next_header(17) / payload(16, 0)),  // a non-first fragment
  };
  for (const auto& q : quotes) inject(from_peer(ipv6(peer6, our6) / icmpv6_dest_unreachable(4, q)));
  // A chain of 100 headers in the quote: the walk is bounded.
  Packet chain = ipv6(our6, peer6);
  for (int i = 0; i < 100; ++i) chain = chain / destination_options(padn(6));
  inject(from_peer(ipv6(peer6, our6) / icmpv6_dest_unreachable(4, raw(chain / udp(5000, 53)))));
  // An error message cut inside its own header.
  inject(from_peer(ipv6(peer6, our6) / icmpv6_raw(1, 4)));
  BOOST_TEST(transport.errors.empty());
  BOOST_TEST(stack.drops(DropReason::icmp_malformed) == 8u);
  BOOST_TEST(sent_ip().empty());  // and no error about an error
  inject(from_peer(ipv6(peer6, our6) / icmpv6_dest_unreachable(4, ours)));
  BOOST_TEST(transport.errors.size() == 1u);  // a well-formed one is still reported
  still_answers(*this);
}

BOOST_AUTO_TEST_SUITE_END()

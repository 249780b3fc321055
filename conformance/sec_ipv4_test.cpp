// Known attacks on IPv4 stacks (REQUIREMENTS.md SEC-*), each a crafted
// sequence from a public description, with the safe outcome asserted: the
// drop and its reason, the RFC's ICMP (or none), memory within its caps, and
// the stack still answering a well-formed packet afterwards.
#include <boost/test/unit_test.hpp>

#include "hardstack/harness/hex.hpp"
#include "ipv4_support.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::DropReason;
using V4Reassembler = net::Reassembler<net::Ipv4Family>;

namespace {

// A UDP-numbered fragment from `source` to us: `offset_units` * 8, `len` bytes.
std::vector<std::byte> fragment_from(wire::Ipv4Address source, std::uint16_t id, std::uint16_t offset_units,
                                     bool more, std::size_t len, std::uint8_t protocol = 17) {
  return eth(peer_mac, our_mac) /
         ipv4(source, our4)
             .identification(id)
             .protocol(protocol)
             .fragment_offset(offset_units)
             .more_fragments(more) /
         payload(len, 0x5a);
}

// Positive control: a UDP datagram in two fragments reaches the stub whole.
bool fragmented_udp_delivered(Ipv4Fixture& t, std::uint16_t id = 0x600d) {
  const auto before = t.udp_stub.ipv4.size();
  t.inject_all(
      fragment_ipv4(t.from_peer(ipv4(peer4, our4).identification(id)) / udp(7, 9) / payload(64, 0x42), {40}));
  return t.udp_stub.ipv4.size() == before + 1 && t.udp_stub.ipv4.back().payload.size() == 72;
}

struct FloodFixture : Ipv4Fixture {
  FloodFixture()
      : Ipv4Fixture(with_config([](net::StackConfig& c) { c.reassembly_v4.memory_cap = 64 * 1024; })) {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(SEC_IPV4)

BOOST_FIXTURE_TEST_CASE(SEC_FRAG_1_teardrop_overlap_discards_datagram, Ipv4Fixture) {
  // Teardrop (CVE-1997-0014 class): the second fragment starts inside the
  // first and ends before it, the "negative length" that crashed stacks that
  // trimmed overlaps. RFC 5722 / LINUX: the whole datagram goes (this one,
  // a last fragment ending before data already held, as inconsistent).
  inject(fragment_from(peer4, 1, 0, true, 32));  // [0, 32)
  inject(fragment_from(peer4, 1, 3, false, 4));  // [24, 28): inside, and the last
  // Contained, same start different bytes, and spanning variants.
  inject(fragment_from(peer4, 2, 0, true, 32));
  inject(fragment_from(peer4, 2, 1, true, 8));
  inject(fragment_from(peer4, 3, 1, true, 16));
  inject(eth(peer_mac, our_mac) /
         ipv4(peer4, our4).identification(3).protocol(17).fragment_offset(1).more_fragments() /
         payload(16, 0x77));
  inject(fragment_from(peer4, 4, 2, true, 8));
  inject(fragment_from(peer4, 4, 0, true, 40));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(udp_stub.ipv4.empty());
  const auto& r = stack.reassembly_v4_counters();
  BOOST_TEST(r.reasm_overlaps == 3u);
  BOOST_TEST(r.reasm_fails == 4u);
  BOOST_TEST(r.reasm_oks == 0u);
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 4u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
  // Nothing left behind to time out.
  run_for(net::Duration::seconds(31));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(fragmented_udp_delivered(*this));
}

BOOST_FIXTURE_TEST_CASE(SEC_FRAG_2_ping_of_death_discarded, Ipv4Fixture) {
  // Ping of death (CVE-1999-0128): fragments of an echo request that
  // reassemble past 65535 bytes. 44 fragments of 1480 bytes, then 500 more
  // at offset 65120: 20 + 65620 > 65535.
  const std::uint16_t id = 0xdead;
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4).identification(id).more_fragments() /
         icmp_echo_request(id, 1) / payload(1472, 0x41));
  for (std::uint16_t k = 1; k < 44; ++k)
    inject(fragment_from(peer4, id, static_cast<std::uint16_t>(k * 185), true, 1480, 1));
  BOOST_TEST(stack.reassembly_memory() > 60000u);  // held so far: it could still be fine
  inject(fragment_from(peer4, id, 65120 / 8, false, 500, 1));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 1u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_fails == 1u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_oks == 0u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
  BOOST_TEST(stack.stats().icmp.in_echos == 0u);
  // A last fragment alone that ends past 65535 is refused before any queue exists.
  inject(fragment_from(peer4, 0xbeef, 8190, false, 100, 1));
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 2u);
  BOOST_TEST(stack.reassembly_memory() == 0u);
  BOOST_TEST(fragmented_udp_delivered(*this));
}

BOOST_FIXTURE_TEST_CASE(SEC_FRAG_3_rfc1858_tiny_fragments_never_reach_tcp, Ipv4Fixture) {
  // RFC 1858 3.1 tiny fragment: the first fragment holds 8 bytes of TCP
  // header (ports, sequence number); the flags come at offset 8. RFC 1858
  // 3.2 / RFC 3128: a TCP fragment with offset 1 (8 bytes) is dropped, so the
  // flags can never arrive apart from the ports, nor overwrite them.
  const auto syn = fragment_ipv4(from_peer(ipv4(peer4, our4).identification(0x1858)) /
                                     tcp(40000, 22).flags("S").seq(1) / payload("blocked"),
                                 {8});
  BOOST_TEST_REQUIRE(syn.size() == 2u);
  inject_all(syn);
  BOOST_TEST(tcp_stub.ipv4.empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 1u);
  BOOST_TEST(stack.last_drop() == DropReason::ipv4_fragment);
  BOOST_TEST(stack.stats().ipv4.in_hdr_errors == 1u);
  // The tiny first fragment waits for a second that cannot come, then expires.
  run_for(net::Duration::seconds(30));
  auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], icmp(time_exceeded(code(1), quote(ip_of(syn[0]))))));
  BOOST_TEST(tcp_stub.ipv4.empty());

  // RFC 3128 tiny overlapping fragment: a whole header with ACK, then an
  // offset-8 fragment rewriting the flags to SYN. Dropped by the same rule
  // (and by the overlap rule were it not).
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4).identification(0x3128).more_fragments() /
         tcp(40000, 22).flags("A").seq(1) / payload(4, 0));
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4).identification(0x3128).protocol(6).fragment_offset(1) /
         payload(hex("00000000 5002 ffff")));
  BOOST_TEST(tcp_stub.ipv4.empty());
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 2u);

  // Controls: the same SYN cut at 16 bytes reaches TCP; a UDP datagram cut at 8 bytes too.
  inject_all(fragment_ipv4(from_peer(ipv4(peer4, our4).identification(0x1859)) /
                               tcp(40000, 22).flags("S").seq(1) / payload("allowed"),
                           {16}));
  BOOST_TEST_REQUIRE(tcp_stub.ipv4.size() == 1u);
  BOOST_TEST(tcp_stub.ipv4[0].payload.size() == 27u);
  inject_all(
      fragment_ipv4(from_peer(ipv4(peer4, our4).identification(0x185a)) / udp(1, 2) / payload("udp"), {8}));
  BOOST_TEST(udp_stub.ipv4.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(SEC_FRAG_4_incomplete_fragment_flood_stays_under_cap, FloodFixture) {
  // Rose attack: first fragments that never complete, from many sources,
  // faster than they time out. The cap (64 KiB here) holds after every
  // fragment, and a fragmented echo whose two halves arrive with less than
  // the cap of flood between them is still answered.
  constexpr std::size_t cap = 64 * 1024;
  std::size_t peak = 0;
  auto flood = [&](std::uint32_t from, std::uint32_t count) {
    for (std::uint32_t n = from; n < from + count; ++n) {
      const wire::Ipv4Address source{
          {10, static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n & 0xff), 1}};
      // Offsets scattered over the datagram, never the last fragment.
      inject(fragment_from(source, static_cast<std::uint16_t>(n), static_cast<std::uint16_t>((n * 37) % 512),
                           true, 1024));
      peak = std::max(peak, stack.reassembly_memory());
    }
  };
  flood(0, 500);
  BOOST_TEST(peak <= cap);
  BOOST_TEST(peak > cap / 2);  // the flood did fill it
  const auto& r = stack.reassembly_v4_counters();
  BOOST_TEST(r.evictions > 400u);
  const auto echo = fragment_ipv4(eth(peer_mac, our_mac) / ipv4(peer4, our4).identification(0xec40) /
                                      icmp_echo_request(0xec40, 1) / payload(1000, 0x61),
                                  {504});
  inject(echo[0]);
  flood(500, 20);
  inject(echo[1]);
  flood(520, 500);
  BOOST_TEST(peak <= cap);
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], dst(peer4), icmp(echo_reply(identifier(0xec40), payload(1000, 0x61)))));
  BOOST_TEST(r.reasm_oks == 1u);
  BOOST_TEST(r.reasm_fails == r.evictions);
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 0u);  // evictions are not this fragment's fault
  // Everything drains with time: no time exceeded for queues whose first fragment never came.
  run_for(net::Duration::seconds(31));
  BOOST_TEST(stack.reassembly_memory() == 0u);
  BOOST_TEST(sent_ip().empty());
}

BOOST_FIXTURE_TEST_CASE(SEC_FRAG_5_fragmentsmack_tiny_fragments_bounded, Ipv4Fixture) {
  // FragmentSmack (CVE-2018-5391): a stream of tiny fragments of one
  // datagram, out of order, to make every insertion walk a long list. The
  // per-datagram bound (64) discards the datagram on the 65th: at most 64
  // are ever held, and each costs a bounded walk.
  const std::size_t bound = 64;
  const std::size_t most = V4Reassembler::queue_cost() + bound * V4Reassembler::fragment_cost(0, 8);
  std::size_t peak = 0;
  for (std::uint16_t k = 0; k < 1000; ++k) {
    const auto units = static_cast<std::uint16_t>(1 + (k * 613) % 4000);  // a permutation, offset 0 excluded
    inject(fragment_from(peer4, 0x5a5a, units, true, 8));
    peak = std::max(peak, stack.reassembly_memory());
  }
  BOOST_TEST(peak <= most);
  // Every 65th fragment discards the 64 held: 15 datagrams given up, 25 fragments held.
  const auto& r = stack.reassembly_v4_counters();
  BOOST_TEST(r.reasm_fails == 15u);
  BOOST_TEST(stack.drops(DropReason::ipv4_fragment) == 15u);
  BOOST_TEST(stack.reassembly_memory() <=
             V4Reassembler::queue_cost() + 25 * V4Reassembler::fragment_cost(0, 8));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(fragmented_udp_delivered(*this));
}

BOOST_FIXTURE_TEST_CASE(SEC_TUN_1_ip_in_ip_bogus_inner_header_protocol_unreachable, Ipv4Fixture) {
  // Ripple20 class (CVE-2020-11896): IP-in-IP whose inner header claims more
  // than is there. No tunnel here: protocol 4 is unreachable, the inner
  // header is never parsed, and the quote copies bytes, never past the datagram.
  const std::vector<std::vector<std::byte>> inners = {
      hex("4f 00 ffff 0000 0000 40 11 0000 0a000001 c0000201"),     // IHL 15, total 65535, 20 bytes
      hex("45 00 0014 0000 2000 40 04 0000 c0000202 c0000201"),     // an IP-in-IP fragment inside
      hex("4f"),                                                    // one byte
      {},                                                           // nothing
      hex("46 00 0008 0000 0000 40 01 0000 c0000202 c0000201 44"),  // options past the data
  };
  std::uint16_t id = 1;
  for (const auto& inner : inners) {
    const auto offending = raw(ipv4(peer4, our4).identification(id).protocol(4) / payload(inner));
    inject(from_peer(ipv4(peer4, our4).identification(id).protocol(4)) / payload(inner));
    const auto out = sent_ip();
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(expect_ipv4(out[0], src(our4), dst(peer4), icmp(dest_unreachable(code(2), quote(offending)))));
    ++id;
  }
  // A long inner datagram: the quote stops at 576 bytes in all.
  auto long_inner = hex("4f 00 ffff 0000 0000 40 11 0000 0a000001 c0000201");
  long_inner.resize(1200, std::byte{0x4f});
  const auto offending = raw(ipv4(peer4, our4).identification(id).protocol(4) / payload(long_inner));
  inject(from_peer(ipv4(peer4, our4).identification(id).protocol(4)) / payload(long_inner));
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], total_length(576),
                         icmp(dest_unreachable(code(2), quote(first_bytes(offending, 548))))));
  BOOST_TEST(stack.drops(DropReason::ipv4_unknown_protocol) == 6u);
  BOOST_TEST(stack.stats().ipv4.in_unknown_protos == 6u);
  BOOST_TEST(udp_stub.ipv4.empty());
  BOOST_TEST(udp_delivered());
}

BOOST_FIXTURE_TEST_CASE(SEC_ICMP_1_errors_quoting_malformed_headers_dropped, Ipv4Fixture) {
  // ICMP errors whose quote is not a usable IPv4 header (the class of bugs
  // where the error handler parses the quote without bounds): none reaches
  // a transport, each is counted (InErrors), none is answered.
  const auto good = raw(ipv4(our4, peer4).identification(1) / udp(40000, 53) / payload("query"));
  auto cut = [&](std::size_t n) { return first_bytes(good, n); };
  auto patched = [&](std::size_t at, std::uint8_t v) {
    auto b = good;
    b[at] = std::byte{v};
    return b;
  };
  const std::vector<std::vector<std::byte>> quotes = {
      {},                 // nothing quoted
      cut(1),             // one byte
      cut(19),            // a header cut short
      cut(20),            // a header and no transport bytes
      cut(27),            // 7 of the 8 transport bytes RFC 792 requires
      patched(0, 0x44),   // IHL 4
      patched(0, 0x40),   // IHL 0
      patched(0, 0x4f),   // IHL 15: the header runs past the quote
      patched(0, 0x65),   // version 6
      patched(12, 0x0a),  // a source that is not ours
      patched(7, 0x01),   // a non-initial fragment
  };
  for (const auto& q : quotes) {
    inject(from_peer(ipv4(peer4, our4)) / icmp_dest_unreachable(3, q));
    inject(from_peer(ipv4(peer4, our4)) / icmp_time_exceeded(0, q));
    inject(from_peer(ipv4(peer4, our4)) / icmp_param_problem(0, q));
  }
  BOOST_TEST(udp_stub.errors.empty());
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.drops(DropReason::icmp_malformed) == 33u);
  BOOST_TEST(stack.stats().icmp.in_errors == 33u);
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
  // Control: the well-formed quote reaches UDP.
  inject(from_peer(ipv4(peer4, our4)) / icmp_dest_unreachable(3, good));
  BOOST_TEST(udp_stub.errors.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(SEC_OPT_1_option_lengths_that_wrap_get_param_problem, Ipv4Fixture) {
  // Lengths 0, 1 and 255, and a type with no length byte, at the very end of
  // a 40-byte area: each is a parameter problem at its type byte (LINUX), and
  // nothing is read past the header.
  auto area_ending = [](std::initializer_list<std::uint8_t> tail) {
    std::vector<std::byte> area(40 - tail.size(), std::byte{1});  // NOPs
    for (const auto b : tail) area.push_back(std::byte{b});
    return area;
  };
  struct Case {
    std::vector<std::byte> area;
    std::uint8_t pointer;
  };
  const std::vector<Case> cases = {
      {area_ending({0x44}), 59},        // TS type, no length byte
      {area_ending({0x07, 0x00}), 58},  // RR length 0
      {area_ending({0x07, 0x01}), 58},  // RR length 1
      {area_ending({0x99, 0xff}), 58},  // unknown, length 255
      {area_ending({0x83, 0xff, 0x04}), 57},
      {hex("07 ff 04 00"), 20},  // RR length 255 in a 4-byte area
  };
  std::uint16_t id = 1;
  for (const auto& c : cases) {
    const auto offending = raw(ipv4(peer4, our4).identification(id).raw_options(c.area) / udp(1, 2));
    inject(from_peer(ipv4(peer4, our4).identification(id).raw_options(c.area)) / udp(1, 2));
    const auto out = sent_ip();
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(expect_ipv4(out[0], icmp(param_problem(code(0), pointer(c.pointer), quote(offending)))));
    ++id;
  }
  BOOST_TEST(stack.drops(DropReason::ipv4_bad_options) == cases.size());
  BOOST_TEST(udp_stub.ipv4.empty());
  // Pointers that wrap are not lengths: RR and TS with pointer 255 are full,
  // passed (TS counts the overflow).
  inject(from_peer(ipv4(peer4, our4).raw_options(hex("07 07 ff 00000000 00"))) / udp(1, 2));
  inject(from_peer(ipv4(peer4, our4).raw_options(hex("44 08 ff 00 00000000"))) / udp(1, 2));
  BOOST_TEST_REQUIRE(udp_stub.ipv4.size() == 2u);
  BOOST_TEST((udp_stub.ipv4[0].options == hex("07 07 ff 00000000 00")));
  BOOST_TEST((udp_stub.ipv4[1].options == hex("44 08 ff 10 00000000")));
  BOOST_TEST(sent_ip().empty());
}

BOOST_AUTO_TEST_SUITE_END()

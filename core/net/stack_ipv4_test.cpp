// The IPv4 path's helpers that are not requirement-shaped: RR/TS recording,
// the options an echo reply carries back, the RFC 791 timestamp,
// identifications, and the never-send rules no input can reach (the
// conformance suites cover the rest through the Stack).
#include <boost/test/unit_test.hpp>
#include <memory>
#include <ostream>
#include <set>
#include <vector>

#include "hardstack/harness/hex.hpp"
#include "hardstack/wire/ipv4_options.hpp"
#include "stack_internal.hpp"

namespace hardstack::wire {
std::ostream& operator<<(std::ostream& os, const Ipv4Address& a) { return os << a.to_string(); }
}  // namespace hardstack::wire

using namespace hardstack;
using namespace hardstack::net;
using hardstack::harness::hex;

namespace {

const wire::Ipv4Address us{{192, 0, 2, 1}};
const wire::Ipv4Address peer{{192, 0, 2, 2}};
const wire::Ipv4Address other{{198, 51, 100, 7}};

// A device that takes every frame and never receives one.
struct NullDevice final : Device {
  LinkType link_type() const override { return LinkType::ethernet; }
  std::size_t mtu() const override { return 1500; }
  bool transmit(std::span<const std::byte>) override { return true; }
  std::optional<std::size_t> receive(std::span<std::byte>) override { return std::nullopt; }
};

// A Stack::Impl with loopback and one Ethernet interface holding 192.0.2.1/24 and 203.0.113.9/24.
struct ImplFixture {
  NullDevice device;
  SeededEntropy entropy{42};
  std::unique_ptr<Stack::Impl> impl;

  ImplFixture() {
    StackConfig c;
    auto routes = RouteTable::create(c.routes);
    auto r4 = Reassembler<Ipv4Family>::create(c.reassembly_v4, entropy);
    auto r6 = Reassembler<Ipv6Family>::create(c.reassembly_v6, entropy);
    auto b4 = TokenBucket::create(c.icmp_rate_limit);
    auto b6 = TokenBucket::create(c.icmpv6_rate_limit);
    BOOST_REQUIRE(routes && r4 && r6 && b4 && b6);
    impl = std::make_unique<Stack::Impl>(c, entropy, std::move(*routes), std::move(*r4), std::move(*r6), *b4,
                                         *b6);
    impl->interfaces.emplace_back().id = InterfaceId{0};  // loopback: no device
    Interface& eth = impl->interfaces.emplace_back();
    eth.id = InterfaceId{1};
    eth.device = &device;
    eth.link_type = LinkType::ethernet;
    eth.ipv4.push_back(Ipv4Address4{us, 24, wire::Ipv4Address{{192, 0, 2, 255}}});
    eth.ipv4.push_back(
        Ipv4Address4{wire::Ipv4Address{{203, 0, 113, 9}}, 24, wire::Ipv4Address{{203, 0, 113, 255}}});
  }
  Interface& eth() { return impl->interfaces[1]; }
  Interface& lo() { return impl->interfaces[0]; }

  std::vector<std::byte> stamped(std::vector<std::byte> area, bool receiving, std::uint32_t ts = 0x80000001) {
    impl->ipv4_stamp_options(area, us, ts, receiving);
    return area;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(timestamp)

BOOST_AUTO_TEST_CASE(milliseconds_of_the_day_with_the_high_bit_set) {
  // RFC 791: not "milliseconds since midnight UT" (no wall clock): high-order bit set.
  BOOST_TEST(Stack::Impl::ipv4_timestamp(Instant::from_ns(0)) == 0x80000000u);
  BOOST_TEST(Stack::Impl::ipv4_timestamp(Instant::from_ns(1'234'999'999)) == (0x80000000u | 1234u));
  const std::int64_t day_ns = 86'400'000LL * 1'000'000;
  BOOST_TEST(Stack::Impl::ipv4_timestamp(Instant::from_ns(day_ns + 5'000'000)) == (0x80000000u | 5u));
  BOOST_TEST(Stack::Impl::ipv4_timestamp(Instant::from_ns(day_ns - 1'000'000)) ==
             (0x80000000u | 86'399'999u));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(stamp_options, ImplFixture)

BOOST_AUTO_TEST_CASE(record_route_with_room_records_and_advances) {
  BOOST_TEST((stamped(hex("07 0b 04 00000000 00000000 00"), true) == hex("07 0b 08 c0000201 00000000 00")));
  BOOST_TEST((stamped(hex("07 0b 08 c0000202 00000000 00"), false) == hex("07 0b 0c c0000202 c0000201 00")));
  // After NOPs and another option.
  BOOST_TEST(
      (stamped(hex("01 94 04 00 00 07 07 04 00000000"), true) == hex("01 94 04 00 00 07 07 08 c0000201")));
}

BOOST_AUTO_TEST_CASE(record_route_without_room_unchanged) {
  for (const auto& area : {hex("07 07 08 c0000202 00"),          // full
                           hex("07 09 08 c0000202 0000 00 00"),  // 2 bytes left: no whole slot
                           hex("07 07 03 00000000 00")}) {       // a pointer that did not validate
    BOOST_TEST((stamped(area, true) == area));
    BOOST_TEST((stamped(area, false) == area));
  }
}

BOOST_AUTO_TEST_CASE(timestamps_as_the_flag_says) {
  BOOST_TEST((stamped(hex("44 0c 05 00 00000000 00000000"), true, 0x80000abc) ==
              hex("44 0c 09 00 80000abc 00000000")));
  BOOST_TEST((stamped(hex("44 0c 05 01 00000000 00000000"), true, 0x80000abc) ==
              hex("44 0c 0d 01 c0000201 80000abc")));
  // Prespecified: only the slot naming one of our addresses (any interface's).
  BOOST_TEST(
      (stamped(hex("44 0c 05 03 cb007109 00000000"), true, 7) == hex("44 0c 0d 03 cb007109 00000007")));
  BOOST_TEST(
      (stamped(hex("44 0c 05 03 c6336407 00000000"), true, 7) == hex("44 0c 05 03 c6336407 00000000")));
  // Unknown flag: nothing to do (the walker rejects it on receive).
  BOOST_TEST((stamped(hex("44 08 05 02 00000000"), true) == hex("44 08 05 02 00000000")));
}

BOOST_AUTO_TEST_CASE(full_timestamp_overflow_counted_on_receive_only) {
  BOOST_TEST((stamped(hex("44 08 09 20 00000001"), true) == hex("44 08 09 30 00000001")));
  BOOST_TEST((stamped(hex("44 08 09 20 00000001"), false) == hex("44 08 09 20 00000001")));
  // At 15 it stays (the walker rejected it on receive); prespecified never counts.
  BOOST_TEST((stamped(hex("44 08 09 f0 00000001"), true) == hex("44 08 09 f0 00000001")));
  BOOST_TEST((stamped(hex("44 0c 0d 23 c0000201 00000001"), true) == hex("44 0c 0d 23 c0000201 00000001")));
  // Room for a timestamp, not for an address and a timestamp: unchanged.
  BOOST_TEST(
      (stamped(hex("44 0c 09 01 c0000201 0000 0000"), false) == hex("44 0c 09 01 c0000201 0000 0000")));
}

BOOST_AUTO_TEST_CASE(malformed_areas_never_written_out_of_bounds) {
  // The stamper trusts nothing: lengths 0, 1, past the area, a lone type byte.
  for (const auto& area : {hex("07"), hex("07 00 04 00"), hex("07 01"), hex("07 ff 04 00"), hex("44 03 05"),
                           hex("07 02"), hex("00 07 07 04 00000000")}) {
    BOOST_TEST((stamped(area, true) == area));
  }
  std::vector<std::byte> empty;
  impl->ipv4_stamp_options(empty, us, 1, true);
  BOOST_TEST(empty.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(identification, ImplFixture)

BOOST_AUTO_TEST_CASE(per_destination_counters) {
  // No time passes: one destination's IDs step by one.
  const auto a0 = impl->next_ipv4_id(peer);
  const auto a1 = impl->next_ipv4_id(peer);
  const auto a2 = impl->next_ipv4_id(peer);
  BOOST_TEST(static_cast<std::uint16_t>(a1 - a0) == 1u);
  BOOST_TEST(static_cast<std::uint16_t>(a2 - a1) == 1u);
  // Another destination: its own counter, not the next value of this one.
  std::set<std::uint16_t> firsts;
  for (std::uint8_t n = 1; n < 200; ++n) firsts.insert(impl->next_ipv4_id(wire::Ipv4Address{{10, 0, 0, n}}));
  BOOST_TEST(firsts.size() > 150u);  // 256 random counters: few collisions
  // Time passing: a random step, at most the idle time in milliseconds (+1).
  impl->latest = impl->latest + Duration::milliseconds(100);
  const auto a3 = impl->next_ipv4_id(peer);
  const auto step = static_cast<std::uint16_t>(a3 - a2);
  BOOST_TEST(step >= 1u);
  BOOST_TEST(step <= 101u);
}

BOOST_AUTO_TEST_CASE(same_seed_same_ids_other_seed_other_ids) {
  ImplFixture other_stack;
  BOOST_TEST(impl->next_ipv4_id(peer) == other_stack.impl->next_ipv4_id(peer));
  ImplFixture third;
  third.entropy = SeededEntropy(43);
  third.impl->ipv4_state.id_seeded = false;
  std::vector<std::uint16_t> a, b;
  for (std::uint8_t n = 1; n < 20; ++n) {
    a.push_back(impl->next_ipv4_id(wire::Ipv4Address{{10, 0, 0, n}}));
    b.push_back(third.impl->next_ipv4_id(wire::Ipv4Address{{10, 0, 0, n}}));
  }
  BOOST_TEST((a != b));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(never_send, ImplFixture)

BOOST_AUTO_TEST_CASE(no_error_to_a_source_that_is_not_unicast) {
  // ICMP4-2's last rule: input drops these sources as martians first, so
  // only a direct call reaches it.
  const std::vector<std::byte> base =
      hex("45000020 0001 0000 40 fd 0000 c0000202 c0000201 0000000000000000 0000000000000000");
  auto with_source = [&](wire::Ipv4Address s) {
    auto d = base;
    s.store(d, 12);
    return d;
  };
  const LinkInfo unicast{};
  for (const auto source : {wire::Ipv4Address{}, wire::Ipv4Address{{0, 1, 2, 3}},
                            wire::Ipv4Address{{255, 255, 255, 255}}, wire::Ipv4Address{{192, 0, 2, 255}},
                            wire::Ipv4Address{{224, 0, 0, 1}}, wire::Ipv4Address{{127, 0, 0, 1}}}) {
    impl->send_icmpv4_error(eth(), with_source(source), unicast, 3, 2, 0, Instant{});
  }
  // Shorter than a header: nothing to tell who sent it.
  impl->send_icmpv4_error(eth(), std::vector<std::byte>(19), unicast, 3, 2, 0, Instant{});
  BOOST_TEST(impl->stats.icmp.suppressed == 7u);
  BOOST_TEST(impl->stats.icmp.out_msgs == 0u);
  BOOST_TEST(impl->stats.icmp.out_rate_limited == 0u);
}

BOOST_AUTO_TEST_CASE(select_address_prefers_the_peers_subnet) {
  BOOST_TEST(impl->ipv4_select_address(eth(), peer) == us);
  BOOST_TEST(impl->ipv4_select_address(eth(), wire::Ipv4Address{{203, 0, 113, 50}}) ==
             (wire::Ipv4Address{{203, 0, 113, 9}}));
  BOOST_TEST(impl->ipv4_select_address(eth(), other) == us);  // the first
  BOOST_TEST(impl->ipv4_select_address(lo(), other) == wire::Ipv4Address{});
  BOOST_TEST(impl->ipv4_is_any_broadcast(wire::Ipv4Address{{203, 0, 113, 255}}));
  BOOST_TEST(!impl->ipv4_is_any_broadcast(peer));
}

BOOST_AUTO_TEST_SUITE_END()

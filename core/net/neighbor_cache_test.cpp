#include "neighbor_cache.hpp"

#include <algorithm>
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

using namespace hardstack;
using namespace hardstack::net;
using wire::Ipv4Address;
using wire::Ipv6Address;
using wire::MacAddress;

namespace hardstack::net {
std::ostream& operator<<(std::ostream& os, Instant t) { return os << t.ns() << "ns"; }
std::ostream& operator<<(std::ostream& os, Duration d) { return os << d.count_ns() << "ns"; }
}  // namespace hardstack::net

namespace {

Instant at_ms(std::int64_t ms) { return Instant::from_ns(1'000'000'000'000) + Duration::milliseconds(ms); }
const Instant t0 = at_ms(0);

MacAddress mac(std::uint8_t n) { return {{0x02, 0x00, 0x00, 0x00, 0x00, n}}; }

std::vector<std::byte> packet(std::size_t size, std::uint8_t fill) {
  return std::vector<std::byte>(size, std::byte{fill});
}

// Addresses of the family, numbered.
struct V4 {
  using Address = Ipv4Address;
  static Address addr(std::uint32_t n) { return Ipv4Address::from_u32(0xc0000200u + n); }  // 192.0.2.n
  static NeighborConfig config() { return NeighborConfig::arp(); }
};
struct V6 {
  using Address = Ipv6Address;
  static Address addr(std::uint32_t n) {
    Ipv6Address a{{0x20, 0x01, 0x0d, 0xb8}};
    a.octets[14] = static_cast<std::uint8_t>(n >> 8);
    a.octets[15] = static_cast<std::uint8_t>(n & 0xff);
    return a;
  }
  static NeighborConfig config() { return NeighborConfig::nd(); }
};
using Families = boost::mpl::list<V4, V6>;

template <typename Address>
struct Recorder final : NeighborEvents<Address> {
  struct Solicited {
    Address target;
    std::optional<MacAddress> unicast_to;
    std::uint8_t attempt;
    std::vector<std::byte> first_queued;
  };
  struct Sent {
    Address neighbor;
    MacAddress mac;
    std::vector<std::byte> packet;
  };
  struct Dropped {
    Address neighbor;
    NeighborDrop reason;
    std::vector<std::byte> packet;
  };
  std::vector<Solicited> solicited;
  std::vector<Sent> sent;
  std::vector<Dropped> drops;
  // Called after recording: a stack that calls the cache back from its callbacks.
  std::function<void(const Address&, NeighborDrop)> after_drop;
  std::function<void(const Address&)> after_resolved;

  void solicit(const Solicitation<Address>& s) override {
    solicited.push_back({s.target, s.unicast_to, s.attempt, {s.first_queued.begin(), s.first_queued.end()}});
  }
  void resolved(const Address& n, const MacAddress& m, std::span<const std::byte> p) override {
    sent.push_back({n, m, {p.begin(), p.end()}});
    if (after_resolved) after_resolved(n);
  }
  void dropped(const Address& n, NeighborDrop r, std::span<const std::byte> p) override {
    drops.push_back({n, r, {p.begin(), p.end()}});
    if (after_drop) after_drop(n, r);
  }
  void clear() {
    solicited.clear();
    sent.clear();
    drops.clear();
  }
};

template <typename F>
struct Bench {
  using Address = typename F::Address;
  SeededEntropy entropy;
  NeighborCache<Address> cache;
  Recorder<Address> events;

  explicit Bench(NeighborConfig config = F::config(), std::uint64_t seed = 1)
      : entropy(seed), cache(NeighborCache<Address>::create(config, entropy).value()) {}

  Result<EnqueueStatus, NeighborDrop> enqueue(std::uint32_t n, const std::vector<std::byte>& p, Instant now) {
    return cache.enqueue(F::addr(n), p, now, events);
  }
  void poll(Instant now) { cache.poll(now, events); }
  NeighborState state(std::uint32_t n) const { return cache.find(F::addr(n)).value().state; }
  AdvertisementResult advertise(std::uint32_t n, std::optional<MacAddress> m, AdvertisementFlags f,
                                Instant now) {
    return cache.on_advertisement(F::addr(n), m, f, now, events);
  }
  SolicitationOutcome solicitation(std::uint32_t n, MacAddress m, Instant now) {
    return cache.on_solicitation(F::addr(n), m, now, events);
  }
  // Drives `n` to reachable with `m` through a solicited advertisement.
  void make_reachable(std::uint32_t n, MacAddress m, Instant now) {
    BOOST_REQUIRE(enqueue(n, packet(10, 0xee), now).has_value());
    poll(now);
    BOOST_REQUIRE(advertise(n, m, {.solicited = true, .override = true}, now).outcome ==
                  AdvertisementOutcome::updated);
    BOOST_REQUIRE(state(n) == NeighborState::reachable);
    events.clear();
  }
};

constexpr AdvertisementFlags solicited_override{.solicited = true, .override = true};
constexpr AdvertisementFlags unsolicited_override{.solicited = false, .override = true};
constexpr AdvertisementFlags unsolicited_no_override{};
constexpr AdvertisementFlags solicited_no_override{.solicited = true};

}  // namespace

// ---- Configuration --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(linux_defaults) {
  const NeighborConfig arp = NeighborConfig::arp();
  const NeighborConfig nd = NeighborConfig::nd();
  BOOST_TEST(arp.base_reachable_time.count_ms() == 30000);
  BOOST_TEST(arp.retrans_time.count_ms() == 1000);
  BOOST_TEST(arp.delay_first_probe_time.count_ms() == 5000);
  BOOST_TEST(arp.multicast_solicit == 3);
  BOOST_TEST(arp.unicast_solicit == 3);
  BOOST_TEST(arp.max_entries == 1024u);
  BOOST_TEST(arp.gc_floor == 128u);
  BOOST_TEST(arp.gc_stale_time.count_ms() == 60000);
  BOOST_TEST(arp.queue_packets_per_entry == 3);
  BOOST_TEST(arp.min_solicit_interval.count_ms() == 1000);
  BOOST_TEST(arp.locktime.count_ms() == 1000);
  BOOST_TEST(nd.locktime.count_ms() == 0);
  BOOST_TEST(nd.reachable_time_redraw.count_ms() == 300000);
}

BOOST_AUTO_TEST_CASE(config_errors_are_rejected_at_create) {
  SeededEntropy entropy(1);
  auto expect = [&](NeighborConfig c, NeighborConfigError e) {
    auto r = ArpCache::create(c, entropy);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error() == e), to_string(e));
    BOOST_TEST(std::string(to_string(e)).size() > 10u);
  };
  using E = NeighborConfigError;
  NeighborConfig c;
  c.max_entries = 0;
  expect(c, E::max_entries_out_of_range);
  c = {};
  c.max_entries = ArpCache::kMaxEntries + 1;
  expect(c, E::max_entries_out_of_range);
  c = {};
  c.gc_floor = c.max_entries + 1;
  expect(c, E::gc_floor_above_max_entries);
  c = {};
  c.queue_packets_per_entry = 0;
  expect(c, E::queue_packets_zero);
  c = {};
  c.queue_bytes = 0;
  expect(c, E::queue_bytes_too_small);
  c.queue_bytes = ArpCache::queued_packet_cost(1) - 1;
  expect(c, E::queue_bytes_too_small);
  c = {};
  c.base_reachable_time = Duration::zero();
  expect(c, E::reachable_time_out_of_range);
  c.base_reachable_time = Duration::seconds(3600) + Duration::nanoseconds(1);
  expect(c, E::reachable_time_out_of_range);
  c = {};
  c.retrans_time = Duration::zero();
  expect(c, E::retrans_time_not_positive);
  c = {};
  c.delay_first_probe_time = Duration::zero();
  expect(c, E::delay_probe_time_not_positive);
  c = {};
  c.multicast_solicit = 0;
  expect(c, E::solicit_count_zero);
  c = {};
  c.unicast_solicit = 0;
  expect(c, E::solicit_count_zero);
  for (int field = 0; field < 4; ++field) {
    c = {};
    const Duration minus = Duration::nanoseconds(-1);
    (field == 0   ? c.gc_stale_time
     : field == 1 ? c.recycle_min_age
     : field == 2 ? c.min_solicit_interval
                  : c.locktime) = minus;
    expect(c, E::negative_duration);
  }
  c = {};
  c.reachable_time_redraw = Duration::zero();
  expect(c, E::redraw_interval_not_positive);

  // The smallest accepted values.
  c = {};
  c.max_entries = 1;
  c.gc_floor = 1;
  c.queue_bytes = ArpCache::queued_packet_cost(1);
  c.base_reachable_time = Duration::milliseconds(1);
  BOOST_TEST(ArpCache::create(c, entropy).has_value());
  c.max_entries = ArpCache::kMaxEntries;
  c.base_reachable_time = Duration::seconds(3600);
  BOOST_TEST(NdCache::create(c, entropy).has_value());
}

BOOST_AUTO_TEST_CASE(RFC4861_6_3_4_router_advertised_times_are_checked_and_applied) {
  Bench<V6> b;
  BOOST_TEST((b.cache.set_base_reachable_time(Duration::zero(), t0).error() ==
              NeighborConfigError::reachable_time_out_of_range));
  BOOST_TEST(
      (b.cache.set_retrans_time(Duration::zero()).error() == NeighborConfigError::retrans_time_not_positive));
  BOOST_REQUIRE(b.cache.set_base_reachable_time(Duration::seconds(2), t0).has_value());
  BOOST_TEST(
      (b.cache.reachable_time() >= Duration::seconds(1) && b.cache.reachable_time() < Duration::seconds(3)));
  BOOST_REQUIRE(b.cache.set_retrans_time(Duration::seconds(4)).has_value());
  BOOST_REQUIRE(b.enqueue(1, packet(20, 1), t0).has_value());
  b.poll(t0);
  BOOST_TEST(b.cache.next_deadline() == at_ms(4000));
}

// ---- RFC 4861 7.3.3 / 7.2: the state machine --------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_3_3_send_to_unknown_neighbour_creates_incomplete_and_solicits, F,
                              Families) {
  Bench<F> b;
  BOOST_TEST(!b.cache.lookup(F::addr(1), t0).has_value());
  BOOST_TEST(b.cache.next_deadline() == Instant::never());
  const auto p = packet(60, 0xab);
  BOOST_TEST((b.enqueue(1, p, t0).value() == EnqueueStatus::queued));
  BOOST_TEST((b.state(1) == NeighborState::incomplete));
  BOOST_TEST(b.cache.queued_packets() == 1u);
  BOOST_TEST(b.cache.queued_bytes() == NeighborCache<typename F::Address>::queued_packet_cost(60));
  BOOST_TEST(b.events.solicited.empty());  // sent from poll
  BOOST_TEST(b.cache.next_deadline() == t0);
  b.poll(t0);
  BOOST_REQUIRE(b.events.solicited.size() == 1u);
  BOOST_TEST((b.events.solicited[0].target == F::addr(1)));
  BOOST_TEST(!b.events.solicited[0].unicast_to.has_value());  // multicast NS / broadcast ARP
  BOOST_TEST(b.events.solicited[0].attempt == 1);
  BOOST_TEST((b.events.solicited[0].first_queued == p));  // RFC 4861 7.2.2 source choice
  BOOST_TEST(b.cache.next_deadline() == at_ms(1000));
  BOOST_TEST(!b.cache.lookup(F::addr(1), t0).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_3_3_incomplete_retransmits_every_retrans_timer_then_fails, F,
                              Families) {
  Bench<F> b;
  BOOST_REQUIRE(b.enqueue(1, packet(40, 1), t0).has_value());
  BOOST_REQUIRE(b.enqueue(1, packet(41, 2), t0).has_value());
  b.poll(t0);
  b.poll(at_ms(999));
  BOOST_TEST(b.events.solicited.size() == 1u);
  b.poll(at_ms(1000));
  b.poll(at_ms(2000));
  BOOST_REQUIRE(b.events.solicited.size() == 3u);  // MAX_MULTICAST_SOLICIT
  BOOST_TEST(b.events.solicited[1].attempt == 2);
  BOOST_TEST(b.events.solicited[2].attempt == 3);
  BOOST_TEST(!b.events.solicited[2].unicast_to.has_value());
  b.poll(at_ms(2999));
  BOOST_TEST((b.state(1) == NeighborState::incomplete));
  BOOST_TEST(b.events.drops.empty());
  b.poll(at_ms(3000));  // one RetransTimer after the last: give up
  BOOST_TEST((b.state(1) == NeighborState::failed));
  BOOST_TEST(b.events.solicited.size() == 3u);
  BOOST_REQUIRE(b.events.drops.size() == 2u);  // in order, for ICMP unreachable
  BOOST_TEST((b.events.drops[0].reason == NeighborDrop::resolution_failed));
  BOOST_TEST((b.events.drops[0].packet == packet(40, 1)));
  BOOST_TEST((b.events.drops[1].packet == packet(41, 2)));
  BOOST_TEST((b.events.drops[1].neighbor == F::addr(1)));
  BOOST_TEST(b.cache.queued_packets() == 0u);
  BOOST_TEST(b.cache.queued_bytes() == 0u);
  BOOST_TEST(b.cache.stats().resolutions_failed == 1u);
  BOOST_TEST(b.cache.stats().solicitations == 3u);
  BOOST_TEST(b.cache.next_deadline() == Instant::never());  // below gc_floor: kept, no timer
}

BOOST_AUTO_TEST_CASE_TEMPLATE(
    RFC4861_7_2_5_solicited_advertisement_resolves_incomplete_and_sends_queue_in_order, F, Families) {
  Bench<F> b;
  for (std::uint8_t i = 1; i <= 3; ++i) BOOST_REQUIRE(b.enqueue(1, packet(30 + i, i), t0).has_value());
  b.poll(t0);
  const auto r = b.advertise(1, mac(7), solicited_override, at_ms(200));
  BOOST_TEST((r == AdvertisementResult{AdvertisementOutcome::updated, false}));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
  BOOST_REQUIRE(b.events.sent.size() == 3u);
  for (std::uint8_t i = 0; i < 3; ++i) {
    BOOST_TEST((b.events.sent[i].neighbor == F::addr(1)));
    BOOST_TEST((b.events.sent[i].mac == mac(7)));
    BOOST_TEST((b.events.sent[i].packet == packet(31u + i, static_cast<std::uint8_t>(i + 1))));
  }
  BOOST_TEST(b.cache.queued_packets() == 0u);
  BOOST_TEST(b.cache.queued_bytes() == 0u);
  BOOST_TEST((b.cache.lookup(F::addr(1), at_ms(300)) == mac(7)));
  BOOST_TEST(b.cache.next_deadline() == at_ms(200) + b.cache.reachable_time());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_5_unsolicited_advertisement_resolves_incomplete_as_stale, F,
                              Families) {
  Bench<F> b;
  BOOST_REQUIRE(b.enqueue(1, packet(30, 1), t0).has_value());
  b.poll(t0);
  BOOST_TEST((b.advertise(1, mac(7), unsolicited_no_override, t0).outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_TEST(b.events.sent.size() == 1u);
  BOOST_TEST(b.cache.next_deadline() == Instant::never());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_5_advertisement_without_link_address_on_incomplete_is_discarded, F,
                              Families) {
  Bench<F> b;
  BOOST_REQUIRE(b.enqueue(1, packet(30, 1), t0).has_value());
  b.poll(t0);
  BOOST_TEST((b.advertise(1, std::nullopt, solicited_override, t0).outcome ==
              AdvertisementOutcome::missing_link_address));
  BOOST_TEST((b.state(1) == NeighborState::incomplete));
  BOOST_TEST(b.events.sent.empty());
  BOOST_TEST(b.cache.queued_packets() == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_5_advertisement_never_creates_an_entry, F, Families) {
  Bench<F> b;  // Linux arp_accept = 0 for ARP replies nobody asked for
  for (const auto flags : {solicited_override, unsolicited_override, unsolicited_no_override}) {
    BOOST_TEST(
        (b.advertise(1, mac(7), flags, t0) == AdvertisementResult{AdvertisementOutcome::no_entry, false}));
  }
  BOOST_TEST(b.cache.size() == 0u);
  BOOST_TEST(!b.cache.find(F::addr(1)).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_3_3_reachable_times_out_to_stale, F, Families) {
  Bench<F> b;
  b.make_reachable(1, mac(7), t0);
  const Duration rt = b.cache.reachable_time();
  BOOST_TEST((rt >= Duration::seconds(15) && rt < Duration::seconds(45)));
  b.poll(t0 + rt - Duration::nanoseconds(1));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
  b.poll(t0 + rt);
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_TEST(b.events.solicited.empty());  // stale: no traffic, no probes
  BOOST_TEST(b.cache.next_deadline() == Instant::never());
  BOOST_TEST((b.cache.find(F::addr(1))->mac == mac(7)));
}

BOOST_AUTO_TEST_CASE(RFC4861_6_3_2_reachable_time_is_uniform_in_half_to_one_and_a_half_base) {
  std::set<std::int64_t> seen;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Bench<V6> b(V6::config(), seed);
    const Duration rt = b.cache.reachable_time();
    BOOST_REQUIRE((rt >= Duration::seconds(15) && rt < Duration::seconds(45)));
    seen.insert(rt.count_ms() / 1000);
  }
  BOOST_TEST(seen.size() >= 25u);  // spread over the 30 one-second buckets
  BOOST_TEST(*seen.begin() == 15);
  BOOST_TEST(*seen.rbegin() == 44);
}

BOOST_AUTO_TEST_CASE(RFC4861_6_3_4_reachable_time_is_redrawn_every_300_s_like_linux) {
  Bench<V6> b;
  std::set<std::int64_t> values{b.cache.reachable_time().count_ns()};
  b.make_reachable(1, mac(1), t0);  // first use: schedules the redraw at t0 + 300 s
  BOOST_TEST(b.cache.reachable_time().count_ns() == *values.begin());
  BOOST_TEST(b.cache.on_confirmation(V6::addr(1), at_ms(299'999)));
  BOOST_TEST(b.cache.reachable_time().count_ns() == *values.begin());
  for (int i = 1; i <= 5; ++i) {
    BOOST_TEST(b.cache.on_confirmation(V6::addr(1), at_ms(300'000 * i)));
    const Duration rt = b.cache.reachable_time();
    BOOST_TEST((rt >= Duration::seconds(15) && rt < Duration::seconds(45)));
    values.insert(rt.count_ns());
  }
  BOOST_TEST(values.size() >= 5u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_3_3_sending_to_stale_enters_delay_then_probes_unicast_then_fails, F,
                              Families) {
  Bench<F> b;
  BOOST_REQUIRE((b.solicitation(1, mac(9), t0) == SolicitationOutcome::created));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  const Instant t1 = at_ms(10'000);
  BOOST_TEST((b.cache.lookup(F::addr(1), t1) == mac(9)));  // sent at once with the stale address
  BOOST_TEST((b.state(1) == NeighborState::delay));
  BOOST_TEST(b.cache.next_deadline() == t1 + Duration::seconds(5));  // DELAY_FIRST_PROBE_TIME
  b.poll(t1 + Duration::milliseconds(4999));
  BOOST_TEST(b.events.solicited.empty());
  b.poll(t1 + Duration::seconds(5));
  BOOST_TEST((b.state(1) == NeighborState::probe));
  BOOST_REQUIRE(b.events.solicited.size() == 1u);
  BOOST_TEST((b.events.solicited[0].unicast_to == mac(9)));  // unicast to the cached address
  BOOST_TEST(b.events.solicited[0].attempt == 1);
  BOOST_TEST(b.events.solicited[0].first_queued.empty());
  BOOST_TEST((b.cache.lookup(F::addr(1), t1 + Duration::seconds(5)) == mac(9)));  // still used while probing
  b.poll(t1 + Duration::seconds(6));
  b.poll(t1 + Duration::seconds(7));
  BOOST_REQUIRE(b.events.solicited.size() == 3u);  // MAX_UNICAST_SOLICIT
  BOOST_TEST((b.events.solicited[2].unicast_to == mac(9)));
  BOOST_TEST(b.events.solicited[2].attempt == 3);
  b.poll(t1 + Duration::milliseconds(7999));
  BOOST_TEST((b.state(1) == NeighborState::probe));
  b.poll(t1 + Duration::seconds(8));
  BOOST_TEST((b.state(1) == NeighborState::failed));
  BOOST_TEST(b.events.drops.empty());  // nothing was queued
  BOOST_TEST(!b.cache.lookup(F::addr(1), t1 + Duration::seconds(8)).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_3_3_enqueue_to_stale_sends_at_once_and_enters_delay, F, Families) {
  Bench<F> b;
  BOOST_REQUIRE((b.solicitation(1, mac(9), t0) == SolicitationOutcome::created));
  BOOST_TEST((b.enqueue(1, packet(50, 5), at_ms(100)).value() == EnqueueStatus::sent));
  BOOST_REQUIRE(b.events.sent.size() == 1u);
  BOOST_TEST((b.events.sent[0].mac == mac(9)));
  BOOST_TEST((b.events.sent[0].packet == packet(50, 5)));
  BOOST_TEST((b.state(1) == NeighborState::delay));
  BOOST_TEST(b.cache.queued_packets() == 0u);
  BOOST_TEST((b.enqueue(1, packet(51, 6), at_ms(200)).value() == EnqueueStatus::sent));  // delay: sent too
  BOOST_TEST(b.events.sent.size() == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_3_1_upper_layer_confirmation_makes_any_known_entry_reachable, F,
                              Families) {
  for (const NeighborState from :
       {NeighborState::stale, NeighborState::delay, NeighborState::probe, NeighborState::reachable}) {
    Bench<F> b;
    BOOST_REQUIRE((b.solicitation(1, mac(9), t0) == SolicitationOutcome::created));
    Instant now = t0;
    if (from != NeighborState::stale) b.cache.lookup(F::addr(1), now);
    if (from == NeighborState::probe) {
      now = at_ms(5000);
      b.poll(now);
    }
    if (from == NeighborState::reachable) BOOST_REQUIRE(b.cache.on_confirmation(F::addr(1), now));
    BOOST_REQUIRE((b.state(1) == from));
    now += Duration::milliseconds(500);
    BOOST_TEST(b.cache.on_confirmation(F::addr(1), now));
    BOOST_TEST((b.state(1) == NeighborState::reachable));
    BOOST_TEST(b.cache.next_deadline() == now + b.cache.reachable_time());
    const auto probes_before = b.events.solicited.size();
    b.poll(now + Duration::seconds(10));  // no probe: confirmed
    BOOST_TEST(b.events.solicited.size() == probes_before);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_3_1_confirmation_needs_a_link_address, F, Families) {
  Bench<F> b;
  BOOST_TEST(!b.cache.on_confirmation(F::addr(1), t0));  // no entry
  BOOST_TEST(b.cache.size() == 0u);
  BOOST_REQUIRE(b.enqueue(1, packet(20, 1), t0).has_value());
  BOOST_TEST(!b.cache.on_confirmation(F::addr(1), t0));  // incomplete
  BOOST_TEST((b.state(1) == NeighborState::incomplete));
  for (int s = 0; s <= 3; ++s) b.poll(at_ms(1000 * s));
  BOOST_REQUIRE((b.state(1) == NeighborState::failed));
  BOOST_TEST(!b.cache.on_confirmation(F::addr(1), at_ms(3000)));  // failed
  BOOST_TEST((b.state(1) == NeighborState::failed));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_5_solicited_advertisement_answers_probe, F, Families) {
  Bench<F> b;
  BOOST_REQUIRE((b.solicitation(1, mac(9), t0) == SolicitationOutcome::created));
  b.cache.lookup(F::addr(1), t0);
  b.poll(at_ms(5000));
  BOOST_REQUIRE((b.state(1) == NeighborState::probe));
  BOOST_TEST(
      (b.advertise(1, mac(9), solicited_no_override, at_ms(5100)).outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
  BOOST_TEST(b.cache.find(F::addr(1))->solicitations == 0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_5_override_clear_different_address_demotes_reachable_only, F,
                              Families) {
  Bench<F> b;
  b.make_reachable(1, mac(7), t0);
  // a. reachable -> stale, address kept, nothing else changes
  const auto r = b.advertise(1, mac(8), solicited_no_override, at_ms(2000));
  BOOST_TEST((r == AdvertisementResult{AdvertisementOutcome::marked_stale, false}));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_TEST((b.cache.find(F::addr(1))->mac == mac(7)));
  // b. any other state: ignored, MUST NOT update
  BOOST_TEST(
      (b.advertise(1, mac(8), solicited_no_override, at_ms(3000)).outcome == AdvertisementOutcome::ignored));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  b.cache.lookup(F::addr(1), at_ms(3000));
  BOOST_REQUIRE((b.state(1) == NeighborState::delay));
  BOOST_TEST((b.advertise(1, mac(8), unsolicited_no_override, at_ms(3100)).outcome ==
              AdvertisementOutcome::ignored));
  BOOST_TEST((b.state(1) == NeighborState::delay));
  b.poll(at_ms(8000));
  BOOST_REQUIRE((b.state(1) == NeighborState::probe));
  BOOST_TEST(
      (b.advertise(1, mac(8), solicited_no_override, at_ms(8100)).outcome == AdvertisementOutcome::ignored));
  BOOST_TEST((b.state(1) == NeighborState::probe));
  BOOST_TEST((b.cache.find(F::addr(1))->mac == mac(7)));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_5_override_set_installs_new_address, F, Families) {
  Bench<F> b;
  b.make_reachable(1, mac(7), t0);
  // Unsolicited, different: address updated, stale.
  BOOST_TEST(
      (b.advertise(1, mac(8), unsolicited_override, at_ms(2000)).outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_TEST((b.cache.find(F::addr(1))->mac == mac(8)));
  // Solicited, different: updated and reachable.
  BOOST_TEST(
      (b.advertise(1, mac(9), solicited_override, at_ms(4000)).outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
  BOOST_TEST((b.cache.find(F::addr(1))->mac == mac(9)));
  BOOST_TEST(b.cache.next_deadline() == at_ms(4000) + b.cache.reachable_time());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_5_same_or_no_address_updates_only_per_solicited_flag, F, Families) {
  Bench<F> b;
  b.make_reachable(1, mac(7), t0);
  // Unsolicited with the same address, Override clear: state unchanged,
  // reachable timer not restarted.
  BOOST_TEST((b.advertise(1, mac(7), unsolicited_no_override, at_ms(5000)).outcome ==
              AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
  BOOST_TEST(b.cache.next_deadline() == t0 + b.cache.reachable_time());
  // Solicited without a target address option: reachable, timer restarted.
  BOOST_TEST((b.advertise(1, std::nullopt, solicited_no_override, at_ms(6000)).outcome ==
              AdvertisementOutcome::updated));
  BOOST_TEST(b.cache.next_deadline() == at_ms(6000) + b.cache.reachable_time());
  BOOST_TEST((b.cache.find(F::addr(1))->mac == mac(7)));
  // Stale + unsolicited same address: stays stale.
  b.poll(at_ms(6000) + b.cache.reachable_time());
  BOOST_REQUIRE((b.state(1) == NeighborState::stale));
  BOOST_TEST(
      (b.advertise(1, mac(7), unsolicited_override, at_ms(90'000)).outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  // Stale + solicited same address: reachable.
  BOOST_TEST((b.advertise(1, mac(7), solicited_no_override, at_ms(90'000)).outcome ==
              AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
}

BOOST_AUTO_TEST_CASE(RFC4861_7_2_5_is_router_follows_the_router_flag_and_its_loss_is_reported) {
  Bench<V6> b;
  BOOST_REQUIRE(b.enqueue(1, packet(20, 1), t0).has_value());
  BOOST_TEST((b.advertise(1, mac(7), {.solicited = true, .override = true, .router = true}, t0) ==
              AdvertisementResult{AdvertisementOutcome::updated, false}));
  BOOST_TEST(b.cache.find(V6::addr(1))->is_router);
  // Ignored advertisements change nothing, IsRouter included.
  BOOST_TEST((b.advertise(1, mac(8), {.solicited = true, .override = false, .router = false}, at_ms(10)) ==
              AdvertisementResult{AdvertisementOutcome::marked_stale, false}));
  BOOST_TEST(b.cache.find(V6::addr(1))->is_router);
  // A solicitation never modifies IsRouter (RFC 4861 7.2.3).
  BOOST_TEST((b.solicitation(1, mac(8), at_ms(20)) == SolicitationOutcome::updated));
  BOOST_TEST(b.cache.find(V6::addr(1))->is_router);
  // Accepted with R clear: IsRouter true -> false, reported once.
  BOOST_TEST((b.advertise(1, mac(8), {.solicited = true, .override = false, .router = false}, at_ms(30)) ==
              AdvertisementResult{AdvertisementOutcome::updated, true}));
  BOOST_TEST(!b.cache.find(V6::addr(1))->is_router);
  BOOST_TEST((b.advertise(1, mac(8), {.solicited = true, .override = false, .router = false}, at_ms(40)) ==
              AdvertisementResult{AdvertisementOutcome::updated, false}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_3_solicitation_creates_stale_entry_and_sends_nothing, F, Families) {
  Bench<F> b;
  BOOST_TEST((b.solicitation(1, mac(9), t0) == SolicitationOutcome::created));
  const auto info = b.cache.find(F::addr(1));
  BOOST_REQUIRE(info.has_value());
  BOOST_TEST((*info == NeighborInfo{NeighborState::stale, mac(9), false, 0, 0}));
  b.poll(at_ms(100'000));
  BOOST_TEST(b.events.solicited.empty());
  BOOST_TEST(b.cache.next_deadline() == Instant::never());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_3_solicitation_updates_address_to_stale_or_changes_nothing, F,
                              Families) {
  Bench<F> b;
  b.make_reachable(1, mac(7), t0);
  BOOST_TEST((b.solicitation(1, mac(7), at_ms(100)) == SolicitationOutcome::unchanged));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
  BOOST_TEST((b.solicitation(1, mac(8), at_ms(200)) == SolicitationOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_TEST((b.cache.find(F::addr(1))->mac == mac(8)));
  // From probe, too.
  b.cache.lookup(F::addr(1), at_ms(300));
  b.poll(at_ms(5300));
  BOOST_REQUIRE((b.state(1) == NeighborState::probe));
  BOOST_TEST((b.solicitation(1, mac(9), at_ms(5400)) == SolicitationOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_TEST(b.cache.find(F::addr(1))->solicitations == 0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_3_solicitation_resolves_incomplete_and_sends_queue, F, Families) {
  Bench<F> b;
  BOOST_REQUIRE(b.enqueue(1, packet(20, 1), t0).has_value());
  BOOST_REQUIRE(b.enqueue(1, packet(21, 2), t0).has_value());
  b.poll(t0);
  BOOST_TEST((b.solicitation(1, mac(5), at_ms(300)) == SolicitationOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_REQUIRE(b.events.sent.size() == 2u);
  BOOST_TEST((b.events.sent[0].packet == packet(20, 1)));
  BOOST_TEST((b.events.sent[1].mac == mac(5)));
  BOOST_TEST(b.cache.queued_bytes() == 0u);
  b.poll(at_ms(10'000));
  BOOST_TEST(b.events.solicited.size() == 1u);  // retransmissions stopped
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC4861_7_2_3_unspecified_or_multicast_source_is_not_learned, F, Families) {
  Bench<F> b;
  typename F::Address unspecified{};
  typename F::Address multicast{};
  multicast.octets[0] = std::is_same_v<F, V4> ? 224 : 0xff;
  BOOST_TEST((b.cache.on_solicitation(unspecified, mac(1), t0, b.events) == SolicitationOutcome::ignored));
  BOOST_TEST((b.cache.on_solicitation(multicast, mac(1), t0, b.events) == SolicitationOutcome::ignored));
  BOOST_TEST(b.cache.size() == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(linux_failed_entry_learns_from_advertisement_or_restarts_on_send, F, Families) {
  Bench<F> b;
  BOOST_REQUIRE(b.enqueue(1, packet(20, 1), t0).has_value());
  for (int s = 0; s <= 3; ++s) b.poll(at_ms(1000 * s));
  BOOST_REQUIRE((b.state(1) == NeighborState::failed));
  b.events.clear();
  // Sending again: incomplete, solicited again from the next poll.
  BOOST_TEST((b.enqueue(1, packet(22, 3), at_ms(5000)).value() == EnqueueStatus::queued));
  BOOST_TEST((b.state(1) == NeighborState::incomplete));
  BOOST_TEST(b.cache.next_deadline() == at_ms(5000));
  b.poll(at_ms(5000));
  BOOST_REQUIRE(b.events.solicited.size() == 1u);
  BOOST_TEST(b.events.solicited[0].attempt == 1);
  // A late reply to a failed entry is accepted as for incomplete (Linux).
  for (int s = 6; s <= 8; ++s) b.poll(at_ms(1000 * s));
  BOOST_REQUIRE((b.state(1) == NeighborState::failed));
  BOOST_TEST(
      (b.advertise(1, mac(3), solicited_override, at_ms(9000)).outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
}

// ---- RFC 1122 2.3.2.1: at most one solicitation per second per destination ----------

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC1122_2_3_2_1_solicitations_to_one_destination_at_most_once_per_second, F,
                              Families) {
  NeighborConfig c = F::config();
  c.retrans_time = Duration::milliseconds(200);  // faster than the flood limit allows
  Bench<F> b(c);
  BOOST_REQUIRE(b.enqueue(1, packet(20, 1), t0).has_value());
  for (std::int64_t ms = 0; ms <= 2200; ms += 100) b.poll(at_ms(ms));
  BOOST_REQUIRE(b.events.solicited.size() == 3u);     // at 0, 1000, 2000
  BOOST_TEST((b.state(1) == NeighborState::failed));  // 200 ms after the third
  // A new packet right after the failure waits for the interval to pass.
  BOOST_REQUIRE(b.enqueue(1, packet(20, 2), at_ms(2500)).has_value());
  BOOST_TEST(b.cache.next_deadline() == at_ms(3000));
  b.poll(at_ms(2999));
  BOOST_TEST(b.events.solicited.size() == 3u);
  b.poll(at_ms(3000));
  BOOST_TEST(b.events.solicited.size() == 4u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(RFC1122_2_3_2_1_probe_after_recent_solicitation_is_delayed, F, Families) {
  NeighborConfig c = F::config();
  c.delay_first_probe_time = Duration::milliseconds(100);
  Bench<F> b(c);
  BOOST_REQUIRE(b.enqueue(1, packet(20, 1), t0).has_value());
  b.poll(t0);  // multicast solicitation at t0
  BOOST_REQUIRE(
      (b.advertise(1, mac(4), unsolicited_override, at_ms(10)).outcome == AdvertisementOutcome::updated));
  BOOST_REQUIRE((b.state(1) == NeighborState::stale));
  b.cache.lookup(F::addr(1), at_ms(20));
  b.poll(at_ms(120));  // delay over: probe due, but the last solicitation was 120 ms ago
  BOOST_TEST((b.state(1) == NeighborState::probe));
  BOOST_TEST(b.events.solicited.size() == 1u);
  BOOST_TEST(b.cache.next_deadline() == at_ms(1000));
  b.poll(at_ms(1000));
  BOOST_REQUIRE(b.events.solicited.size() == 2u);
  BOOST_TEST((b.events.solicited[1].unicast_to == mac(4)));
}

// ---- Queues -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(per_entry_queue_keeps_the_newest_three_packets, F, Families) {
  Bench<F> b;
  for (std::uint8_t i = 1; i <= 3; ++i) BOOST_REQUIRE(b.enqueue(1, packet(100, i), t0).has_value());
  BOOST_TEST(b.events.drops.empty());
  BOOST_TEST((b.enqueue(1, packet(100, 4), t0).value() == EnqueueStatus::queued));
  BOOST_REQUIRE(b.events.drops.size() == 1u);
  BOOST_TEST((b.events.drops[0].reason == NeighborDrop::queue_full));
  BOOST_TEST((b.events.drops[0].packet == packet(100, 1)));  // the oldest
  BOOST_TEST(b.cache.queued_packets() == 3u);
  BOOST_TEST(b.cache.queued_bytes() == 3 * NeighborCache<typename F::Address>::queued_packet_cost(100));
  BOOST_TEST(b.cache.find(F::addr(1))->queued_packets == 3);
  BOOST_TEST(b.cache.stats().queue_drops == 1u);
  b.poll(t0);
  BOOST_TEST((b.events.solicited[0].first_queued == packet(100, 2)));
  b.advertise(1, mac(1), solicited_override, t0);
  BOOST_REQUIRE(b.events.sent.size() == 3u);
  BOOST_TEST((b.events.sent[0].packet == packet(100, 2)));
  BOOST_TEST((b.events.sent[2].packet == packet(100, 4)));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(byte_cap_drops_the_oldest_queued_packet_of_the_cache, F, Families) {
  using Cache = NeighborCache<typename F::Address>;
  NeighborConfig c = F::config();
  c.queue_bytes = 3 * Cache::queued_packet_cost(100);
  Bench<F> b(c);
  BOOST_REQUIRE(b.enqueue(1, packet(100, 1), t0).has_value());
  BOOST_REQUIRE(b.enqueue(2, packet(100, 2), at_ms(1)).has_value());
  BOOST_REQUIRE(b.enqueue(3, packet(100, 3), at_ms(2)).has_value());
  BOOST_TEST(b.cache.queued_bytes() == c.queue_bytes);
  BOOST_TEST(b.events.drops.empty());
  // Full: the oldest packet of the cache (destination 1) makes room.
  BOOST_REQUIRE(b.enqueue(4, packet(100, 4), at_ms(3)).has_value());
  BOOST_REQUIRE(b.events.drops.size() == 1u);
  BOOST_TEST((b.events.drops[0].reason == NeighborDrop::queue_bytes));
  BOOST_TEST((b.events.drops[0].neighbor == F::addr(1)));
  BOOST_TEST((b.events.drops[0].packet == packet(100, 1)));
  BOOST_TEST(b.cache.queued_bytes() == c.queue_bytes);
  BOOST_TEST(b.cache.find(F::addr(1))->queued_packets == 0);
  // A bigger one displaces as many as it needs, oldest first: 2 and 3.
  BOOST_REQUIRE(b.enqueue(5, packet(250, 5), at_ms(4)).has_value());
  BOOST_REQUIRE(b.events.drops.size() == 3u);
  BOOST_TEST((b.events.drops[1].neighbor == F::addr(2)));
  BOOST_TEST((b.events.drops[2].neighbor == F::addr(3)));
  BOOST_TEST((b.events.drops[2].reason == NeighborDrop::queue_bytes));
  BOOST_TEST(b.cache.queued_packets() == 2u);  // 4 and 5
  BOOST_TEST(b.cache.queued_bytes() == Cache::queued_packet_cost(100) + Cache::queued_packet_cost(250));
  BOOST_TEST(b.cache.stats().queue_drops == 3u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(oversized_packet_and_non_unicast_next_hop_are_refused, F, Families) {
  using Cache = NeighborCache<typename F::Address>;
  NeighborConfig c = F::config();
  c.queue_bytes = Cache::queued_packet_cost(1000);
  Bench<F> b(c);
  BOOST_TEST((b.enqueue(1, packet(1001, 1), t0).error() == NeighborDrop::packet_too_big));
  BOOST_TEST(b.cache.size() == 0u);
  BOOST_TEST((b.enqueue(1, packet(1000, 1), t0).value() == EnqueueStatus::queued));
  typename F::Address multicast{};
  multicast.octets[0] = std::is_same_v<F, V4> ? 239 : 0xff;
  const auto p = packet(10, 0);
  BOOST_TEST(
      (b.cache.enqueue(typename F::Address{}, p, t0, b.events).error() == NeighborDrop::invalid_target));
  BOOST_TEST((b.cache.enqueue(multicast, p, t0, b.events).error() == NeighborDrop::invalid_target));
  if constexpr (std::is_same_v<F, V4>) {
    BOOST_TEST((b.cache.enqueue(Ipv4Address::from_u32(0xffffffffu), p, t0, b.events).error() ==
                NeighborDrop::invalid_target));
  }
  BOOST_TEST(b.cache.size() == 1u);
  BOOST_TEST(std::string(to_string(NeighborDrop::invalid_target)).size() > 5u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(empty_packet_is_queued_and_costs_the_overhead, F, Families) {
  Bench<F> b;
  BOOST_REQUIRE(b.enqueue(1, {}, t0).has_value());
  BOOST_TEST(b.cache.queued_bytes() == NeighborCache<typename F::Address>::kQueuedPacketOverhead);
  b.advertise(1, mac(1), solicited_override, t0);
  BOOST_REQUIRE(b.events.sent.size() == 1u);
  BOOST_TEST(b.events.sent[0].packet.empty());
}

// ---- Table bounds, recycling, GC ----------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(full_table_recycles_failed_then_stale_then_delay_probe_then_old_entries, F,
                              Families) {
  NeighborConfig c = F::config();
  c.max_entries = 5;
  c.gc_floor = 5;
  Bench<F> b(c);
  // 1: failed; 2: stale (used later than 3); 3: stale; 4: probe; 5: reachable.
  BOOST_REQUIRE(b.enqueue(1, packet(10, 1), t0).has_value());
  for (int s = 0; s <= 3; ++s) b.poll(at_ms(1000 * s));
  BOOST_REQUIRE((b.state(1) == NeighborState::failed));
  b.solicitation(3, mac(3), at_ms(3000));
  b.solicitation(2, mac(2), at_ms(3100));
  b.solicitation(4, mac(4), at_ms(3200));
  b.cache.lookup(F::addr(4), at_ms(3200));
  b.make_reachable(5, mac(5), at_ms(3300));
  b.poll(at_ms(8200));
  BOOST_REQUIRE((b.state(4) == NeighborState::probe));
  BOOST_REQUIRE(b.cache.size() == 5u);
  const Instant t = at_ms(10'300);
  b.poll(t);  // 4 probes again
  b.events.clear();
  BOOST_TEST((b.solicitation(11, mac(11), t) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(1)).has_value());  // failed first
  BOOST_TEST((b.solicitation(12, mac(12), t + Duration::milliseconds(10)) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(3)).has_value());  // then the least recently used stale
  BOOST_TEST(b.cache.find(F::addr(2)).has_value());
  BOOST_TEST((b.solicitation(13, mac(13), t + Duration::milliseconds(20)) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(2)).has_value());
  // Now 4 (probe), 5 (reachable since 3.3 s), 11, 12, 13 (stale): stale first.
  BOOST_TEST((b.solicitation(14, mac(14), t + Duration::milliseconds(30)) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(11)).has_value());
  BOOST_TEST(b.events.drops.empty());
  BOOST_TEST(b.cache.stats().recycled == 4u);
  BOOST_TEST(b.cache.size() == 5u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(full_table_recycles_probe_before_old_reachable_and_spares_recent_solicitors, F,
                              Families) {
  NeighborConfig c = F::config();
  c.max_entries = 2;
  c.gc_floor = 2;
  Bench<F> b(c);
  b.make_reachable(1, mac(1), t0);  // solicited at t0, reachable since t0
  b.solicitation(2, mac(2), t0);
  b.cache.lookup(F::addr(2), t0);
  b.poll(at_ms(5000));  // 2: delay -> probe, probe sent at 5 s
  BOOST_REQUIRE((b.state(2) == NeighborState::probe));
  // At 5.5 s: 2 probed 0.5 s ago (RFC 1122 2.3.2.1), 1 reachable for 5.5 s: 1 goes.
  BOOST_TEST((b.solicitation(3, mac(3), at_ms(5500)) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(1)).has_value());
  BOOST_TEST(b.cache.find(F::addr(2)).has_value());
  // At 6.0 s: 2 probes again (poll), so 3 (stale) goes first; then 2 at 7.0 s.
  b.poll(at_ms(6000));
  BOOST_TEST((b.solicitation(4, mac(4), at_ms(6000)) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(3)).has_value());
  BOOST_TEST((b.solicitation(5, mac(5), at_ms(6500)) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(4)).has_value());  // 2 probed at 6 s: spared
  BOOST_TEST((b.solicitation(6, mac(6), at_ms(7000)) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(5)).has_value());  // stale still before probe
  b.events.clear();
  b.poll(at_ms(7000));  // third probe of 2
  BOOST_TEST(b.events.solicited.size() == 1u);
  // Only probe (2, solicited now) and stale (6): 6 goes, not 2.
  BOOST_TEST((b.solicitation(7, mac(7), at_ms(7500)) == SolicitationOutcome::created));
  BOOST_TEST(!b.cache.find(F::addr(6)).has_value());
  BOOST_TEST(b.cache.find(F::addr(2)).has_value());
  // At 8 s, 1 s after its last probe: stale 7 first, then the probing 2
  // rather than the young incomplete 8; then nothing is left to take.
  BOOST_TEST((b.enqueue(8, packet(10, 8), at_ms(8000)).value() == EnqueueStatus::queued));
  BOOST_TEST(!b.cache.find(F::addr(7)).has_value());
  BOOST_TEST((b.enqueue(9, packet(10, 9), at_ms(8000)).value() == EnqueueStatus::queued));
  BOOST_TEST(!b.cache.find(F::addr(2)).has_value());
  BOOST_TEST(b.cache.find(F::addr(8)).has_value());
  BOOST_TEST((b.enqueue(10, packet(10, 10), at_ms(8000)).error() == NeighborDrop::table_full));
  BOOST_TEST(b.events.drops.empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(full_table_of_young_entries_refuses_new_ones, F, Families) {
  NeighborConfig c = F::config();
  c.max_entries = 3;
  c.gc_floor = 3;
  Bench<F> b(c);
  for (std::uint32_t n = 1; n <= 3; ++n) BOOST_REQUIRE(b.enqueue(n, packet(10, 1), t0).has_value());
  b.poll(t0);  // all three solicited now: none may be recycled for 1 s, nor (incomplete) for 5 s
  BOOST_TEST((b.enqueue(4, packet(10, 4), at_ms(500)).error() == NeighborDrop::table_full));
  BOOST_TEST((b.solicitation(4, mac(4), at_ms(500)) == SolicitationOutcome::table_full));
  BOOST_TEST(b.cache.stats().table_full == 2u);
  BOOST_TEST(b.cache.size() == 3u);
  BOOST_TEST(b.events.drops.empty());
  // Once failed (3 s, queues answered with resolution_failed) they are recycled.
  for (int s = 1; s <= 3; ++s) b.poll(at_ms(1000 * s));
  BOOST_REQUIRE(b.events.drops.size() == 3u);
  BOOST_TEST((b.enqueue(4, packet(10, 4), at_ms(3000)).value() == EnqueueStatus::queued));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(recycled_incomplete_entry_drops_its_queue_with_reason, F, Families) {
  NeighborConfig c = F::config();
  c.max_entries = 1;
  c.gc_floor = 1;
  c.multicast_solicit = 100;
  c.retrans_time = Duration::seconds(10);
  Bench<F> b(c);
  BOOST_REQUIRE(b.enqueue(1, packet(10, 1), t0).has_value());
  BOOST_REQUIRE(b.enqueue(1, packet(11, 2), t0).has_value());
  b.poll(t0);
  // Incomplete since t0, last solicitation at t0: recyclable from t0 + 5 s.
  BOOST_TEST((b.enqueue(2, packet(12, 3), at_ms(4999)).error() == NeighborDrop::table_full));
  BOOST_TEST((b.enqueue(2, packet(12, 3), at_ms(5000)).value() == EnqueueStatus::queued));
  BOOST_REQUIRE(b.events.drops.size() == 2u);
  BOOST_TEST((b.events.drops[0].reason == NeighborDrop::entry_recycled));
  BOOST_TEST((b.events.drops[0].packet == packet(10, 1)));
  BOOST_TEST((b.events.drops[1].packet == packet(11, 2)));
  BOOST_TEST(b.cache.queued_packets() == 1u);
  BOOST_TEST(b.cache.queued_bytes() == NeighborCache<typename F::Address>::queued_packet_cost(12));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(linux_gc_removes_unused_stale_entries_only_above_gc_floor, F, Families) {
  NeighborConfig c = F::config();
  c.gc_floor = 3;
  Bench<F> b(c);
  b.solicitation(1, mac(1), t0);
  b.solicitation(2, mac(2), at_ms(1000));
  BOOST_TEST(b.cache.next_deadline() == Instant::never());  // 2 < gc_floor
  b.poll(at_ms(1'000'000));
  BOOST_TEST(b.cache.size() == 2u);
  b.solicitation(3, mac(3), at_ms(1'000'000));
  b.cache.lookup(F::addr(3), at_ms(1'000'000));          // 3 is in use (delay)
  BOOST_TEST(b.cache.next_deadline() == at_ms(60'000));  // 1's gc_stale_time after its last use
  b.poll(at_ms(1'000'000));
  BOOST_TEST(!b.cache.find(F::addr(1)).has_value());
  BOOST_TEST(!b.cache.find(F::addr(2)).has_value());  // removed in the same pass (Linux: all eligible)
  BOOST_TEST(b.cache.find(F::addr(3)).has_value());
  BOOST_TEST(b.cache.stats().collected == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(hash_index_survives_fill_removal_and_refill, F, Families) {
  NeighborConfig c = F::config();
  c.max_entries = 64;
  c.gc_floor = 0;
  Bench<F> b(c);
  for (int round = 0; round < 3; ++round) {
    const Instant t = at_ms(100'000 * round);
    for (std::uint32_t i = 0; i < 64; ++i) {
      const std::uint32_t n = round == 1 ? 63 - i : i * 7 + static_cast<std::uint32_t>(round) * 1000;
      BOOST_REQUIRE(
          (b.solicitation(n, mac(static_cast<std::uint8_t>(i)), t) == SolicitationOutcome::created));
    }
    BOOST_TEST(b.cache.size() == 64u);
    for (std::uint32_t i = 0; i < 64; ++i) {
      const std::uint32_t n = round == 1 ? 63 - i : i * 7 + static_cast<std::uint32_t>(round) * 1000;
      BOOST_REQUIRE(b.cache.find(F::addr(n)).has_value());
      BOOST_TEST((b.cache.find(F::addr(n))->mac == mac(static_cast<std::uint8_t>(i))));
    }
    b.poll(t + Duration::seconds(60));  // gc_floor 0: every stale entry collected
    BOOST_TEST(b.cache.size() == 0u);
    BOOST_TEST(b.cache.next_deadline() == Instant::never());
  }
}

// ---- Time -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(next_deadline_is_the_earliest_timer_and_backwards_time_does_not_move, F,
                              Families) {
  Bench<F> b;
  BOOST_REQUIRE(b.enqueue(1, packet(10, 1), at_ms(0)).has_value());
  BOOST_REQUIRE(b.enqueue(2, packet(10, 2), at_ms(300)).has_value());
  BOOST_TEST(b.cache.next_deadline() == at_ms(0));
  b.poll(at_ms(300));
  BOOST_TEST(b.events.solicited.size() == 2u);
  BOOST_TEST(b.cache.next_deadline() == at_ms(1300));
  b.poll(at_ms(100));  // earlier than before: taken as 300 ms
  BOOST_TEST(b.events.solicited.size() == 2u);
  BOOST_TEST(b.cache.next_deadline() == at_ms(1300));
  b.advertise(1, mac(1), unsolicited_no_override, at_ms(50));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_TEST(b.cache.lookup(F::addr(1), at_ms(60)).has_value());
  BOOST_TEST(b.cache.next_deadline() == at_ms(1300));  // delay until 5.3 s, 2 at 1.3 s
}

// ---- ARP specifics (Linux arp_process) ---------------------------------------------

BOOST_AUTO_TEST_CASE(linux_arp_locktime_first_reply_wins_unless_gratuitous) {
  Bench<V4> b;
  BOOST_REQUIRE(b.enqueue(1, packet(10, 1), t0).has_value());
  b.poll(t0);
  BOOST_REQUIRE(
      (b.advertise(1, mac(1), solicited_override, at_ms(100)).outcome == AdvertisementOutcome::updated));
  // The same address again: accepted, and it does not extend the lock.
  BOOST_TEST(
      (b.advertise(1, mac(1), solicited_override, at_ms(600)).outcome == AdvertisementOutcome::updated));
  // A different address within 1 s of the last change: ignored outright.
  BOOST_TEST(
      (b.advertise(1, mac(2), solicited_override, at_ms(1099)).outcome == AdvertisementOutcome::ignored));
  BOOST_TEST((b.cache.find(V4::addr(1))->mac == mac(1)));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
  // 1 s after the change at 100 ms: overrides again.
  BOOST_TEST(
      (b.advertise(1, mac(2), solicited_override, at_ms(1100)).outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.cache.find(V4::addr(1))->mac == mac(2)));
  // Gratuitous ARP bypasses the lock.
  BOOST_TEST((b.advertise(1, mac(3), {.solicited = false, .override = true, .gratuitous = true}, at_ms(1200))
                  .outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.cache.find(V4::addr(1))->mac == mac(3)));
  BOOST_TEST((b.state(1) == NeighborState::stale));
  BOOST_TEST(
      (b.advertise(1, mac(4), unsolicited_override, at_ms(1300)).outcome == AdvertisementOutcome::ignored));
  BOOST_TEST((b.cache.find(V4::addr(1))->mac == mac(3)));
}

BOOST_AUTO_TEST_CASE(RFC826_request_for_us_creates_reply_to_nobody_does_not) {
  Bench<V4> b;
  // ARP reply (unicast to us) from 192.0.2.1 without an entry: no entry (arp_accept = 0).
  BOOST_TEST((b.advertise(1, mac(1), solicited_override, t0).outcome == AdvertisementOutcome::no_entry));
  // ARP request for our address from 192.0.2.1: learned, stale.
  BOOST_TEST((b.solicitation(1, mac(1), t0) == SolicitationOutcome::created));
  // Then the reply refreshes it (RFC 826 merge).
  BOOST_TEST(
      (b.advertise(1, mac(1), solicited_override, at_ms(10)).outcome == AdvertisementOutcome::updated));
  BOOST_TEST((b.state(1) == NeighborState::reachable));
}

// ---- Callbacks that call the cache back -----------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(callbacks_may_call_the_cache_back_even_to_recycle_the_failing_entry, F,
                              Families) {
  NeighborConfig c = F::config();
  c.max_entries = 1;
  c.gc_floor = 1;
  Bench<F> b(c);
  BOOST_REQUIRE(b.enqueue(1, packet(20, 1), t0).has_value());
  BOOST_REQUIRE(b.enqueue(1, packet(21, 2), t0).has_value());
  for (int s = 0; s <= 2; ++s) b.poll(at_ms(1000 * s));
  // On each failed packet, the stack sends an ICMP error to another on-link
  // host: the only entry is the failing one, which gets recycled for it.
  std::vector<Result<EnqueueStatus, NeighborDrop>> nested;
  b.events.after_drop = [&](const typename F::Address&, NeighborDrop reason) {
    if (reason == NeighborDrop::resolution_failed) nested.push_back(b.enqueue(2, packet(30, 9), at_ms(3000)));
  };
  b.poll(at_ms(3000));
  BOOST_REQUIRE(b.events.drops.size() == 2u);  // both packets answered, once each, in order
  BOOST_TEST((b.events.drops[0].packet == packet(20, 1)));
  BOOST_TEST((b.events.drops[1].packet == packet(21, 2)));
  BOOST_TEST((b.events.drops[1].neighbor == F::addr(1)));
  BOOST_TEST((b.events.drops[1].reason == NeighborDrop::resolution_failed));
  BOOST_REQUIRE(nested.size() == 2u);
  BOOST_TEST((nested[0].value() == EnqueueStatus::queued));  // recycled the failed entry
  BOOST_TEST((nested[1].value() == EnqueueStatus::queued));
  BOOST_TEST(!b.cache.find(F::addr(1)).has_value());
  BOOST_TEST((b.state(2) == NeighborState::incomplete));
  BOOST_TEST(b.cache.queued_packets() == 2u);
  BOOST_TEST(b.cache.queued_bytes() == 2 * NeighborCache<typename F::Address>::queued_packet_cost(30));
  // Resolution hands them over; a lookup from inside resolved() sees the entry resolved.
  std::vector<std::optional<MacAddress>> seen;
  b.events.after_resolved = [&](const typename F::Address& n) {
    seen.push_back(b.cache.lookup(n, at_ms(3100)));
  };
  b.advertise(2, mac(2), solicited_override, at_ms(3100));
  BOOST_REQUIRE(b.events.sent.size() == 2u);
  BOOST_REQUIRE(seen.size() == 2u);
  BOOST_TEST((seen[0] == mac(2)));
  BOOST_TEST(b.cache.queued_packets() == 0u);
}

// ---- Random operations: invariants ------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(random_operations_keep_caps_conservation_and_the_flood_limit, F, Families) {
  using Address = typename F::Address;
  using Cache = NeighborCache<Address>;
  NeighborStats total;
  std::size_t reasons[7] = {};
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    NeighborConfig c = F::config();
    c.max_entries = 6;
    c.gc_floor = seed % 2 == 0 ? 0 : 4;
    c.queue_packets_per_entry = 2;
    c.queue_bytes = 5 * Cache::queued_packet_cost(64);
    c.retrans_time = Duration::milliseconds(seed % 3 == 0 ? 300 : 1000);
    c.recycle_min_age = Duration::milliseconds(seed % 4 == 0 ? 0 : 5000);
    Bench<F> b(c, seed);
    SeededEntropy rng(seed * 7919);
    std::map<decltype(Address{}.octets), Instant>
        last_solicit;  // no std::string: intwrap flags libstdc++'s compare
    std::size_t accepted = 0, sent_at_once = 0;
    Instant now = t0;
    int depth = 0;
    if (seed % 3 == 1) {
      // Answer failures with a packet elsewhere (ICMP to the sender) and
      // look up from inside resolved(), as a stack would.
      b.events.after_drop = [&](const Address&, NeighborDrop reason) {
        if (reason != NeighborDrop::resolution_failed || depth > 2) return;
        ++depth;
        const auto r = b.enqueue(rng.uniform(12), packet(28, 0x77), now);
        if (r.has_value()) ++(*r == EnqueueStatus::sent ? sent_at_once : accepted);
        --depth;
      };
      b.events.after_resolved = [&](const Address&) {
        b.cache.lookup(F::addr(rng.uniform(12)), now);
        b.cache.on_confirmation(F::addr(rng.uniform(12)), now);
      };
    }
    auto check = [&] {
      BOOST_REQUIRE(b.cache.queued_bytes() <= c.queue_bytes);
      BOOST_REQUIRE(b.cache.size() <= c.max_entries);
      // Every accepted packet is queued, sent or dropped, exactly once.
      BOOST_REQUIRE(accepted ==
                    b.cache.queued_packets() + (b.events.sent.size() - sent_at_once) + b.events.drops.size());
      std::size_t found = 0, queued = 0;
      for (std::uint32_t n = 0; n < 12; ++n) {
        if (auto info = b.cache.find(F::addr(n))) {
          ++found;
          queued += info->queued_packets;
          if (info->queued_packets) BOOST_REQUIRE((info->state == NeighborState::incomplete));
        }
      }
      BOOST_REQUIRE(found == b.cache.size());
      BOOST_REQUIRE(queued == b.cache.queued_packets());
    };
    auto record_solicits = [&](std::size_t from) {
      for (std::size_t i = from; i < b.events.solicited.size(); ++i) {
        const auto key = b.events.solicited[i].target.octets;
        if (auto it = last_solicit.find(key); it != last_solicit.end())
          BOOST_REQUIRE_MESSAGE(now - it->second >= c.min_solicit_interval,
                                "RFC 1122 2.3.2.1 for " << b.events.solicited[i].target.to_string());
        last_solicit[key] = now;
      }
    };
    for (int op = 0; op < 3000; ++op) {
      const std::uint32_t n = rng.uniform(12);
      const std::size_t solicits_before = b.events.solicited.size();
      switch (rng.uniform(8)) {
        case 0:
        case 1: {
          const auto p = packet(rng.uniform(100), static_cast<std::uint8_t>(op));
          const std::size_t sent_before = b.events.sent.size();
          auto r = b.enqueue(n, p, now);
          if (r.has_value()) {
            if (*r == EnqueueStatus::sent) {
              BOOST_REQUIRE(b.events.sent.size() >= sent_before + 1);
              ++sent_at_once;
            } else {
              ++accepted;
            }
          } else {
            BOOST_REQUIRE(
                (r.error() == NeighborDrop::table_full || r.error() == NeighborDrop::packet_too_big));
          }
          break;
        }
        case 2: b.cache.lookup(F::addr(n), now); break;
        case 3:
          b.advertise(n, mac(static_cast<std::uint8_t>(rng.uniform(3))),
                      {.solicited = rng.uniform(2) == 1,
                       .override = rng.uniform(2) == 1,
                       .router = rng.uniform(2) == 1,
                       .gratuitous = rng.uniform(4) == 0},
                      now);
          break;
        case 4: b.solicitation(n, mac(static_cast<std::uint8_t>(rng.uniform(3))), now); break;
        case 5: b.cache.on_confirmation(F::addr(n), now); break;
        default:
          now += Duration::milliseconds(rng.uniform(1500));
          BOOST_REQUIRE(b.cache.next_deadline() >= t0);
          b.poll(now);
          break;
      }
      record_solicits(solicits_before);
      check();
    }
    // Everything time-driven drains (once nothing sends any more): the
    // deadline runs out, queues empty.
    b.events.after_drop = nullptr;
    b.events.after_resolved = nullptr;
    for (int i = 0; i < 100 && b.cache.next_deadline() != Instant::never(); ++i) {
      const std::size_t before = b.events.solicited.size();
      now = std::max(now, b.cache.next_deadline());
      b.poll(now);
      record_solicits(before);
      check();
    }
    BOOST_TEST(b.cache.next_deadline() == Instant::never());
    BOOST_TEST(b.cache.queued_packets() == 0u);
    if (c.gc_floor == 0) BOOST_TEST(b.cache.size() == 0u);
    const NeighborStats& st = b.cache.stats();
    total.created += st.created;
    total.recycled += st.recycled;
    total.collected += st.collected;
    total.resolutions_failed += st.resolutions_failed;
    total.solicitations += st.solicitations;
    total.table_full += st.table_full;
    total.queue_drops += st.queue_drops;
    for (const auto& d : b.events.drops) ++reasons[static_cast<int>(d.reason)];
  }
  // The walk reached every path it is meant to check.
  BOOST_TEST(total.recycled > 0u);
  BOOST_TEST(total.collected > 0u);
  BOOST_TEST(total.resolutions_failed > 0u);
  BOOST_TEST(total.solicitations > 0u);
  BOOST_TEST(total.table_full > 0u);
  BOOST_TEST(total.queue_drops > 0u);
  for (const NeighborDrop r : {NeighborDrop::queue_full, NeighborDrop::queue_bytes,
                               NeighborDrop::resolution_failed, NeighborDrop::entry_recycled})
    BOOST_TEST(reasons[static_cast<int>(r)] > 0u, to_string(r));
  BOOST_TEST_MESSAGE("created " << total.created << " recycled " << total.recycled << " collected "
                                << total.collected << " failed " << total.resolutions_failed
                                << " solicitations " << total.solicitations << " table_full "
                                << total.table_full << " queue_drops " << total.queue_drops);
}

// Stack core (stack.cpp): configuration validation, interfaces and addresses,
// the link layer, ARP, polling. IPv4/IPv6 behaviour is tested by the
// conformance suites; this file needs no harness (core tests depend on core only).
#include "stack.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <deque>
#include <ostream>
#include <vector>

#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ethernet.hpp"

using namespace hardstack;
using namespace hardstack::net;
using wire::Ipv4Address;
using wire::Ipv6Address;
using wire::MacAddress;

namespace hardstack::net {
std::ostream& operator<<(std::ostream& os, ConfigErrorCode e) { return os << to_string(e); }
std::ostream& operator<<(std::ostream& os, DropReason r) { return os << to_string(r); }
std::ostream& operator<<(std::ostream& os, InterfaceId i) { return os << "if" << static_cast<unsigned>(i); }
std::ostream& operator<<(std::ostream& os, Instant t) { return os << t.ns() << "ns"; }
}  // namespace hardstack::net
namespace hardstack::wire {
std::ostream& operator<<(std::ostream& os, const Ipv4Address& a) { return os << a.to_string(); }
std::ostream& operator<<(std::ostream& os, const Ipv6Address& a) { return os << a.to_string(); }
std::ostream& operator<<(std::ostream& os, const MacAddress& a) { return os << a.to_string(); }
}  // namespace hardstack::wire

namespace {

Ipv4Address v4(const char* s) { return Ipv4Address::from_string(s).value(); }
Ipv6Address v6(const char* s) { return Ipv6Address::from_string(s).value(); }
constexpr MacAddress our_mac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr MacAddress peer_mac{{0x02, 0, 0, 0, 0, 0x02}};

// A device whose receive queue the test fills and whose transmissions it reads.
class FakeDevice final : public Device {
 public:
  explicit FakeDevice(LinkType link = LinkType::ethernet, std::size_t mtu = 1500) : link_(link), mtu_(mtu) {}
  LinkType link_type() const override { return link_; }
  std::size_t mtu() const override { return mtu_; }
  bool transmit(std::span<const std::byte> frame) override {
    if (refuse) return false;
    sent.emplace_back(frame.begin(), frame.end());
    return true;
  }
  std::optional<std::size_t> receive(std::span<std::byte> buffer) override {
    if (queue.empty()) return std::nullopt;
    const auto& f = queue.front();
    const std::size_t n = std::min(f.size(), buffer.size());
    std::copy_n(f.begin(), n, buffer.begin());
    queue.pop_front();
    return n;
  }
  std::deque<std::vector<std::byte>> queue;
  std::vector<std::vector<std::byte>> sent;
  bool refuse = false;

 private:
  LinkType link_;
  std::size_t mtu_;
};

std::vector<std::byte> ethernet(const MacAddress& src, const MacAddress& dst, std::uint16_t type,
                                std::span<const std::byte> payload) {
  wire::EthernetRepr e;
  e.source = src;
  e.destination = dst;
  e.ethertype = static_cast<wire::EtherType>(type);
  std::vector<std::byte> out(14 + payload.size());
  BOOST_REQUIRE(e.emit(out, payload));
  return out;
}

std::vector<std::byte> arp_frame(wire::ArpOperation op, const MacAddress& sha, const Ipv4Address& sip,
                                 const MacAddress& tha, const Ipv4Address& tip, const MacAddress& dst) {
  wire::ArpRepr a{op, sha, sip, tha, tip};
  std::array<std::byte, wire::ArpRepr::packet_len()> body{};
  BOOST_REQUIRE(a.emit(body));
  return ethernet(sha, dst, 0x0806, body);
}

struct Fixture {
  SeededEntropy entropy{7};
  FakeDevice device;
  Stack stack = Stack::create({}, entropy).value();
  InterfaceId eth0{};
  Fixture() {
    InterfaceConfig c;
    c.name = "eth0";
    c.mac = our_mac;
    eth0 = stack.add_interface(device, c).value();
    BOOST_REQUIRE(stack.add_address(eth0, v4("192.0.2.1"), 24));
  }
};

// 4000 bytes to 192.0.2.2 with DF clear: three fragments at MTU 1500.
void send_4000_bytes_to_the_peer(Stack& stack, Instant now) {
  Ipv4SendParams p;
  p.destination = v4("192.0.2.2");
  p.protocol = 253;
  p.pmtu = PmtuDiscovery::dont;
  const std::vector<std::byte> data(4000, std::byte{0x42});
  BOOST_REQUIRE(stack.send_ipv4(p, data, now));
}

template <typename T>
ConfigErrorCode error_of(const Result<T, ConfigError>& r) {
  BOOST_REQUIRE(!r.has_value());
  return r.error().code;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(configuration)

BOOST_AUTO_TEST_CASE(defaults_create_a_stack_with_loopback) {
  SeededEntropy e(1);
  auto s = Stack::create({}, e);
  BOOST_REQUIRE(s);
  BOOST_TEST(s->is_local(v4("127.0.0.1")));
  BOOST_TEST(s->is_local(v6("::1")));
  BOOST_TEST(s->mtu(loopback_interface) == 65536u);
  BOOST_TEST(s->next_deadline() == Instant::never());
  BOOST_TEST(s->select_source(v4("127.0.0.5")).value() == v4("127.0.0.1"));
  BOOST_TEST(error_of(Result<void, ConfigError>(Unexpected(ConfigError{ConfigErrorCode::bad_ttl}))) ==
             ConfigErrorCode::bad_ttl);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_refused_with_the_component_named) {
  SeededEntropy e(1);
  StackConfig c;
  c.default_ttl = 0;
  BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::bad_ttl);
  c = {};
  c.default_hop_limit = 0;
  BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::bad_ttl);
  c = {};
  c.reassembly_v4.memory_cap = 0;
  auto r = Stack::create(c, e);
  BOOST_TEST(error_of(r) == ConfigErrorCode::reassembly_v4);
  BOOST_TEST(r.error().message().find("IPv4 reassembly") != std::string::npos);
  BOOST_TEST(r.error().message().find(to_string(ReassemblyConfigError::memory_cap_too_small)) !=
             std::string::npos);
  c = {};
  c.reassembly_v6.max_fragments_per_datagram = 0;
  BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::reassembly_v6);
  c = {};
  c.arp.max_entries = 0;
  BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::neighbor_arp);
  c = {};
  c.nd.queue_packets_per_entry = 0;
  BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::neighbor_nd);
  c = {};
  c.icmp_rate_limit.burst = 0;
  BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::icmp_rate_limit);
  c = {};
  c.icmpv6_rate_limit.interval = Duration::zero();
  BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::icmpv6_rate_limit);
  for (auto field : {&StackConfig::max_interfaces, &StackConfig::max_addresses_per_interface,
                     &StackConfig::poll_frame_budget, &StackConfig::loopback_queue_packets}) {
    c = {};
    c.*field = 0;
    BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::bad_limits);
  }
  c = {};
  c.routes.max_routes = 0;
  BOOST_TEST(error_of(Stack::create(c, e)) == ConfigErrorCode::routes);
}

BOOST_AUTO_TEST_CASE(ethernet_interface_needs_a_unicast_mac) {
  SeededEntropy e(1);
  auto s = Stack::create({}, e).value();
  FakeDevice d;
  BOOST_TEST(error_of(s.add_interface(d, {})) == ConfigErrorCode::mac_required);
  InterfaceConfig c;
  c.mac = MacAddress::broadcast();
  BOOST_TEST(error_of(s.add_interface(d, c)) == ConfigErrorCode::mac_required);
  c.mac = MacAddress{{0x01, 0, 0x5e, 0, 0, 1}};
  BOOST_TEST(error_of(s.add_interface(d, c)) == ConfigErrorCode::mac_required);
  FakeDevice tun(LinkType::raw_ip, 1500);
  BOOST_TEST(s.add_interface(tun, {}).has_value());  // raw IP needs none
}

BOOST_AUTO_TEST_CASE(mtu_floors_per_family) {
  SeededEntropy e(1);
  auto s = Stack::create({}, e).value();
  FakeDevice small(LinkType::raw_ip, 67);
  const auto id = s.add_interface(small, {}).value();
  auto r = s.add_address(id, v4("192.0.2.1"), 24);
  BOOST_TEST(error_of(r) == ConfigErrorCode::mtu_too_small_ipv4);
  BOOST_TEST(r.error().message().find("68") != std::string::npos);
  FakeDevice v4only(LinkType::raw_ip, 1279);
  const auto id2 = s.add_interface(v4only, {}).value();
  BOOST_TEST(s.add_address(id2, v4("192.0.2.1"), 24).has_value());
  BOOST_TEST(error_of(s.add_address(id2, v6("2001:db8::1"), 64)) == ConfigErrorCode::mtu_too_small_ipv6);
  FakeDevice big(LinkType::raw_ip, 65536);
  BOOST_TEST(error_of(s.add_interface(big, {})) == ConfigErrorCode::mtu_too_large);
  InterfaceConfig c;
  c.mtu = 1280;  // the configured MTU wins over the device's
  const auto id3 = s.add_interface(big, c).value();
  BOOST_TEST(s.mtu(id3) == 1280u);
}

BOOST_AUTO_TEST_CASE(link_local_from_eui64_only_where_ipv6_fits) {
  SeededEntropy e(1);
  auto s = Stack::create({}, e).value();
  FakeDevice d;
  InterfaceConfig c;
  c.mac = MacAddress{{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}};
  const auto id = s.add_interface(d, c).value();
  BOOST_TEST(s.link_local_address(id).value() == v6("fe80::211:22ff:fe33:4455"));
  BOOST_TEST(s.is_local(v6("fe80::211:22ff:fe33:4455")));
  FakeDevice small(LinkType::ethernet, 1000);
  c.mac = MacAddress{{0x02, 0, 0, 0, 0, 0x77}};
  const auto id2 = s.add_interface(small, c).value();
  BOOST_TEST(!s.link_local_address(id2).has_value());
  FakeDevice d3;
  c.mac = MacAddress{{0x02, 0, 0, 0, 0, 0x78}};
  c.ipv6_link_local = false;
  BOOST_TEST(!s.link_local_address(s.add_interface(d3, c).value()).has_value());
}

BOOST_FIXTURE_TEST_CASE(addresses_must_be_unicast_unique_and_bounded, Fixture) {
  BOOST_TEST(error_of(stack.add_address(eth0, v4("192.0.2.1"), 24)) == ConfigErrorCode::duplicate_address);
  FakeDevice other;
  InterfaceConfig c;
  c.mac = peer_mac;
  const auto eth1 = stack.add_interface(other, c).value();
  BOOST_TEST(error_of(stack.add_address(eth1, v4("192.0.2.1"), 24)) == ConfigErrorCode::duplicate_address);
  BOOST_TEST(error_of(stack.add_address(eth1, v4("224.0.0.1"), 4)) == ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v4("255.255.255.255"), 32)) ==
             ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v4("0.0.0.0"), 0)) == ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v4("127.0.0.2"), 8)) == ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v4("240.0.0.1"), 8)) == ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v4("198.51.100.0"), 24)) ==
             ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v4("198.51.100.255"), 24)) ==
             ConfigErrorCode::address_not_unicast);
  BOOST_TEST(stack.add_address(eth1, v4("198.51.100.0"), 31).has_value());  // RFC 3021
  BOOST_TEST(error_of(stack.add_address(eth1, v4("198.51.100.9"), 33)) == ConfigErrorCode::bad_prefix_length);
  BOOST_TEST(error_of(stack.add_address(eth1, v6("ff02::1"), 64)) == ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v6("::"), 64)) == ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v6("::1"), 128)) == ConfigErrorCode::address_not_unicast);
  BOOST_TEST(error_of(stack.add_address(eth1, v6("2001:db8::1"), 129)) == ConfigErrorCode::bad_prefix_length);
  BOOST_TEST(stack.add_address(eth1, v6("2001:db8::1"), 64).has_value());
  BOOST_TEST(error_of(stack.add_address(eth0, v6("2001:db8::1"), 64)) == ConfigErrorCode::duplicate_address);
  BOOST_TEST(error_of(stack.add_address(InterfaceId{99}, v4("10.0.0.1"), 8)) ==
             ConfigErrorCode::no_such_interface);
}

BOOST_AUTO_TEST_CASE(interface_and_address_counts_are_bounded) {
  SeededEntropy e(1);
  StackConfig cfg;
  cfg.max_interfaces = 2;  // loopback + one
  cfg.max_addresses_per_interface = 2;
  auto s = Stack::create(cfg, e).value();
  FakeDevice a(LinkType::raw_ip), b(LinkType::raw_ip);
  const auto id = s.add_interface(a, {}).value();
  BOOST_TEST(error_of(s.add_interface(b, {})) == ConfigErrorCode::too_many_interfaces);
  BOOST_TEST(s.add_address(id, v4("10.0.0.1"), 8).has_value());
  BOOST_TEST(s.add_address(id, v4("10.0.0.2"), 8).has_value());
  BOOST_TEST(error_of(s.add_address(id, v4("10.0.0.3"), 8)) == ConfigErrorCode::too_many_addresses);
}

BOOST_AUTO_TEST_CASE(register_protocol_refuses_the_stacks_own_and_duplicates) {
  struct Null final : TransportProtocol {
    DeliveryResult deliver_ipv4(const Ipv4Delivery&, wire::Bytes, Instant) override {
      return DeliveryResult::delivered;
    }
    DeliveryResult deliver_ipv6(const Ipv6Delivery&, wire::Bytes, Instant) override {
      return DeliveryResult::delivered;
    }
    void icmp_error(const IcmpErrorReport&, Instant) override {}
  } udp, other;
  SeededEntropy e(1);
  auto s = Stack::create({}, e).value();
  for (std::uint8_t p : {0, 1, 43, 44, 58, 59, 60})
    BOOST_TEST(error_of(s.register_protocol(p, udp)) == ConfigErrorCode::protocol_reserved);
  BOOST_TEST(s.register_protocol(17, udp).has_value());
  BOOST_TEST(error_of(s.register_protocol(17, other)) == ConfigErrorCode::protocol_taken);
}

BOOST_FIXTURE_TEST_CASE(gateway_must_be_on_link, Fixture) {
  BOOST_TEST(error_of(stack.set_default_gateway(v4("203.0.113.1"))) == ConfigErrorCode::routes);
  BOOST_TEST(stack.set_default_gateway(v4("192.0.2.254")).has_value());
  BOOST_TEST(stack.select_source(v4("203.0.113.9")).value() == v4("192.0.2.1"));
  BOOST_TEST(stack.select_source(v6("2001:db8::9")).error() == ENETUNREACH);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(link_layer)

BOOST_FIXTURE_TEST_CASE(arp_request_for_us_is_answered_and_the_sender_learnt, Fixture) {
  device.queue.push_back(arp_frame(wire::ArpOperation::request, peer_mac, v4("192.0.2.2"), MacAddress{},
                                   v4("192.0.2.1"), MacAddress::broadcast()));
  stack.poll(Instant::from_ns(1));
  BOOST_REQUIRE_EQUAL(device.sent.size(), 1u);
  const bool same = device.sent[0] == arp_frame(wire::ArpOperation::reply, our_mac, v4("192.0.2.1"), peer_mac,
                                                v4("192.0.2.2"), peer_mac);
  BOOST_TEST(same, "the ARP reply's bytes");
  const auto entry = stack.arp_entry(eth0, v4("192.0.2.2"));
  BOOST_REQUIRE(entry);
  BOOST_TEST(entry->mac == peer_mac);
  BOOST_TEST(stack.stats().link.arp_requests_in == 1u);
  BOOST_TEST(stack.stats().link.arp_replies_out == 1u);
  BOOST_TEST(stack.total_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(arp_from_a_multicast_or_loopback_sender_is_dropped_unanswered, Fixture) {
  device.queue.push_back(arp_frame(wire::ArpOperation::request, peer_mac, v4("224.0.0.1"), MacAddress{},
                                   v4("192.0.2.1"), MacAddress::broadcast()));
  device.queue.push_back(arp_frame(wire::ArpOperation::request, peer_mac, v4("127.0.0.1"), MacAddress{},
                                   v4("192.0.2.1"), MacAddress::broadcast()));
  stack.poll(Instant::from_ns(1));
  BOOST_TEST(device.sent.empty());
  BOOST_TEST(stack.drops(DropReason::arp_malformed) == 2u);
  BOOST_TEST(!stack.arp_entry(eth0, v4("224.0.0.1")).has_value());
}

BOOST_FIXTURE_TEST_CASE(unsolicited_arp_reply_creates_no_entry, Fixture) {
  // RFC 4861 7.2.5 / LINUX arp_accept=0: replies only update entries we have.
  device.queue.push_back(
      arp_frame(wire::ArpOperation::reply, peer_mac, v4("192.0.2.2"), our_mac, v4("192.0.2.1"), our_mac));
  stack.poll(Instant::from_ns(1));
  BOOST_TEST(!stack.arp_entry(eth0, v4("192.0.2.2")).has_value());
  BOOST_TEST(device.sent.empty());
}

BOOST_FIXTURE_TEST_CASE(frames_not_for_us_and_unknown_types_are_dropped_with_reasons, Fixture) {
  const std::array<std::byte, 46> body{};
  device.queue.push_back(ethernet(peer_mac, MacAddress{{0x02, 0, 0, 0, 0, 0x99}}, 0x0800, body));
  device.queue.push_back(ethernet(peer_mac, our_mac, 0x88cc, body));  // LLDP
  device.queue.push_back(std::vector<std::byte>(10));
  auto tagged = ethernet(peer_mac, our_mac, 0x0800, body);
  const std::array<std::byte, 4> tag{std::byte{0x81}, std::byte{0x00}, std::byte{0x00}, std::byte{0x05}};
  tagged.insert(tagged.begin() + 12, tag.begin(), tag.end());  // 802.1Q VLAN 5, inner type IPv4
  device.queue.push_back(tagged);
  stack.poll(Instant::from_ns(1));
  BOOST_TEST(stack.drops(DropReason::frame_not_for_us) == 1u);
  BOOST_TEST(stack.drops(DropReason::unknown_ethertype) == 2u);
  BOOST_TEST(stack.drops(DropReason::frame_too_short) == 1u);
  BOOST_TEST(stack.stats().link.rx_frames == 4u);
  BOOST_TEST(device.sent.empty());
}

BOOST_FIXTURE_TEST_CASE(poll_reads_at_most_the_budget_per_device, Fixture) {
  const std::array<std::byte, 46> body{};
  for (int i = 0; i < 100; ++i) device.queue.push_back(ethernet(peer_mac, our_mac, 0x88cc, body));
  stack.poll(Instant::from_ns(1));
  BOOST_TEST(stack.stats().link.rx_frames == 64u);
  BOOST_TEST(device.queue.size() == 36u);
  stack.poll(Instant::from_ns(2));
  BOOST_TEST(device.queue.empty());
}

BOOST_FIXTURE_TEST_CASE(a_refused_transmit_is_counted, Fixture) {
  device.refuse = true;
  device.queue.push_back(arp_frame(wire::ArpOperation::request, peer_mac, v4("192.0.2.2"), MacAddress{},
                                   v4("192.0.2.1"), MacAddress::broadcast()));
  stack.poll(Instant::from_ns(1));
  BOOST_TEST(stack.drops(DropReason::device_busy) == 1u);
  BOOST_TEST(stack.stats().link.tx_frames == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_fragmented_datagram_waits_whole_for_its_neighbour, Fixture) {
  // 4000 bytes at MTU 1500: three fragments queued behind one ARP request,
  // all sent once the reply comes (LINUX unres_qlen_bytes holds 64 KiB).
  send_4000_bytes_to_the_peer(stack, Instant::from_ns(1));
  // The solicitation is due at once: the host's next poll, now, sends it.
  BOOST_TEST(stack.next_deadline() <= Instant::from_ns(1));
  stack.poll(Instant::from_ns(1));
  BOOST_REQUIRE_EQUAL(device.sent.size(), 1u);  // the ARP request
  BOOST_TEST(stack.arp_entry(eth0, v4("192.0.2.2"))->queued_packets == 3u);
  device.queue.push_back(
      arp_frame(wire::ArpOperation::reply, peer_mac, v4("192.0.2.2"), our_mac, v4("192.0.2.1"), our_mac));
  stack.poll(Instant::from_ns(2));
  BOOST_REQUIRE_EQUAL(device.sent.size(), 4u);
  std::size_t carried = 0;
  for (std::size_t i = 1; i < 4; ++i) {
    BOOST_TEST(device.sent[i].size() <= 14u + 1500u);
    carried += device.sent[i].size() - 14 - 20;
  }
  BOOST_TEST(carried == 4000u);
  BOOST_TEST(stack.drops(DropReason::neighbor_queue) == 0u);
}

BOOST_AUTO_TEST_CASE(input_on_an_unknown_interface_is_ignored) {
  SeededEntropy e(1);
  auto s = Stack::create({}, e).value();
  const std::array<std::byte, 20> junk{};
  s.input(InterfaceId{42}, junk, Instant::from_ns(1));
  BOOST_TEST(s.stats().link.rx_frames == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(checkpoint)

namespace {

// The first of two fragments from the peer: held for reassembly until it times out.
std::vector<std::byte> first_fragment_frame() {
  std::vector<std::byte> ip(28, std::byte{0x5a});
  wire::store_be32(ip, 0, 0x4500001cu);  // version 4, IHL 5, total length 28
  wire::store_be32(ip, 4, 0x12342000u);  // identification 0x1234, MF, offset 0
  wire::store_be32(ip, 8, 0x40110000u);  // TTL 64, UDP, checksum 0 for now
  v4("192.0.2.2").store(ip, 12);
  v4("192.0.2.1").store(ip, 16);
  wire::store_be16(ip, 10, wire::internet_checksum(std::span<const std::byte>(ip).first(20)));
  return ethernet(peer_mac, our_mac, 0x0800, ip);
}

// Traffic that leaves something in every part of the stack: a datagram
// fragmented (identifications from the entropy) and queued behind ARP, the
// neighbour learnt, a fragment held then timed out (ICMP time exceeded), a
// frame dropped. Returns every frame sent, in order.
std::vector<std::vector<std::byte>> exchange(Stack& stack, FakeDevice& device) {
  device.sent.clear();
  send_4000_bytes_to_the_peer(stack, Instant::from_ns(1));
  stack.poll(Instant::from_ns(1));
  device.queue.push_back(
      arp_frame(wire::ArpOperation::reply, peer_mac, v4("192.0.2.2"), our_mac, v4("192.0.2.1"), our_mac));
  device.queue.push_back(first_fragment_frame());
  device.queue.push_back(ethernet(peer_mac, our_mac, 0x88cc, std::vector<std::byte>(46)));
  stack.poll(Instant::from_ns(2));
  for (int i = 0; i < 100 && stack.next_deadline() <= Instant::from_ns(2) + Duration::seconds(40); ++i)
    stack.poll(std::max(stack.next_deadline(), Instant::from_ns(2)));
  return device.sent;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(restore_forgets_everything_since_the_checkpoint_and_runs_as_a_fresh_stack, Fixture) {
  const Stack configured = stack.checkpoint();
  const SeededEntropy entropy_then = entropy;
  const auto first = exchange(stack, device);
  BOOST_TEST(first.size() == 5u);  // ARP request, 3 fragments, time exceeded
  BOOST_TEST(stack.arp_entry(eth0, v4("192.0.2.2")).has_value());
  BOOST_TEST(stack.stats().icmp.out_time_excds == 1u);
  BOOST_TEST(stack.reassembly_v4_counters().reasm_timeout == 1u);
  BOOST_TEST(stack.drops(DropReason::unknown_ethertype) == 1u);

  stack.restore(configured);
  entropy = entropy_then;
  BOOST_TEST(!stack.arp_entry(eth0, v4("192.0.2.2")).has_value());
  BOOST_TEST((stack.stats().link == LinkStats{}));
  BOOST_TEST((stack.stats().ipv4 == IpStats{}));
  BOOST_TEST((stack.stats().icmp == IcmpStats{}));
  BOOST_TEST((stack.reassembly_v4_counters() == ReassemblyCounters{}));
  BOOST_TEST(stack.total_drops() == 0u);
  BOOST_TEST(!stack.last_drop().has_value());
  BOOST_TEST(stack.next_deadline() == Instant::never());
  BOOST_TEST(stack.is_local(v4("192.0.2.1")));  // the configuration stays
  BOOST_TEST(stack.select_source(v4("192.0.2.9")).value() == v4("192.0.2.1"));

  // Byte for byte what it sent the first time, and what a new stack sends.
  const auto again = exchange(stack, device);
  BOOST_TEST((again == first), "the frames after restore()");
  BOOST_TEST(stack.stats().icmp.out_time_excds == 1u);
  Fixture fresh;
  BOOST_TEST((exchange(fresh.stack, fresh.device) == first), "the frames of a fresh stack");
}

BOOST_FIXTURE_TEST_CASE(restore_brings_back_what_the_checkpoint_held, Fixture) {
  device.queue.push_back(arp_frame(wire::ArpOperation::request, peer_mac, v4("192.0.2.2"), MacAddress{},
                                   v4("192.0.2.1"), our_mac));
  device.queue.push_back(first_fragment_frame());
  stack.poll(Instant::from_ns(1));
  const std::size_t held = stack.reassembly_memory();
  BOOST_TEST(held > 0u);
  const Stack checkpoint = stack.checkpoint();
  BOOST_TEST(checkpoint.reassembly_memory() == held);
  BOOST_TEST(checkpoint.arp_entry(eth0, v4("192.0.2.2")).has_value());

  stack.poll(Instant::from_ns(1) + Duration::seconds(3600));  // the fragment expires, the entry ages
  BOOST_TEST(stack.reassembly_memory() == 0u);
  BOOST_TEST((stack.arp_entry(eth0, v4("192.0.2.2")) != checkpoint.arp_entry(eth0, v4("192.0.2.2"))));
  stack.restore(checkpoint);
  BOOST_TEST(stack.reassembly_memory() == held);
  BOOST_TEST((stack.arp_entry(eth0, v4("192.0.2.2")) == checkpoint.arp_entry(eth0, v4("192.0.2.2"))));

  // The neighbour cache's callbacks reach the restored stack, not the checkpoint:
  // an unknown neighbour's ARP request is counted here.
  const auto before = device.sent.size();
  Ipv4SendParams p;
  p.destination = v4("192.0.2.3");
  p.protocol = 253;
  BOOST_REQUIRE(stack.send_ipv4(p, std::vector<std::byte>(8), Instant::from_ns(2)));
  stack.poll(Instant::from_ns(2));
  BOOST_TEST(device.sent.size() == before + 1);
  BOOST_TEST(stack.stats().link.arp_requests_out == 1u);
  BOOST_TEST(checkpoint.stats().link.arp_requests_out == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

#pragma once

// The in-process stack as the device under test, on one Ethernet link whose
// other end is the test (the remote peer). Virtual time; every test case leaves
// <build>/conformance-pcap/<suite>/<case>.pcap with both directions.
//
//   BOOST_FIXTURE_TEST_CASE(V4_HDR_1_bad_version_silently_discarded, StackFixture) {
//     auto bad = raw(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_echo(1, 1));
//     bad[14] = std::byte{0x55};
//     inject(bad);
//     BOOST_TEST(sent().empty());
//     ...
//   }
//
// Addresses: documentation prefixes (RFC 5737, RFC 3849).

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "hardstack/harness/builders.hpp"
#include "hardstack/harness/memory_link.hpp"
#include "hardstack/harness/pcap.hpp"
#include "hardstack/harness/print.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"

namespace hardstack::conformance {

inline constexpr wire::MacAddress our_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
inline constexpr wire::MacAddress peer_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};
inline constexpr wire::Ipv4Address our4{{192, 0, 2, 1}};
inline constexpr wire::Ipv4Address peer4{{192, 0, 2, 2}};
inline constexpr wire::Ipv4Address other4{{198, 51, 100, 7}};  // not on the link, not ours
inline constexpr wire::Ipv4Address gateway4{{192, 0, 2, 254}};
inline constexpr wire::Ipv6Address our6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};
inline constexpr wire::Ipv6Address peer6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}};
inline constexpr wire::Ipv6Address other6{{0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07}};

struct StackFixtureOptions {
  net::StackConfig config{};
  std::size_t mtu = 1500;
  bool learn_peer = true;       // pre-resolve the peer's MAC (ARP and ND) so answers go out at once
  std::uint64_t seed = 0x5eed;  // the stack's entropy
  std::string pcap_suffix{};    // for a case with several fixtures: "<case><suffix>.pcap"
};

class StackFixture {
 public:
  StackFixture() : StackFixture(StackFixtureOptions{}) {}
  virtual ~StackFixture() = default;
  StackFixture(const StackFixture&) = delete;
  StackFixture& operator=(const StackFixture&) = delete;
  explicit StackFixture(const StackFixtureOptions& options)
      : entropy(options.seed), device(make_device(options.mtu)), stack(make_stack(options.config)) {
    const auto name = boost::unit_test::framework::current_test_case().p_name.get();
    const auto suite = boost::unit_test::framework::get<boost::unit_test::test_suite>(
                           boost::unit_test::framework::current_test_case().p_parent_id)
                           .p_name.get();
    const char* dir = std::getenv("HARDSTACK_PCAP_DIR");
    const auto base = std::filesystem::path(dir != nullptr ? dir : "conformance-pcap") / suite;
    std::filesystem::create_directories(base);
    pcap_path = (base / (name + options.pcap_suffix + ".pcap")).string();
    if (pcap.open(pcap_path, harness::pcap_link_type(device.link_type()))) device.set_tap(&pcap);

    net::InterfaceConfig ic;
    ic.name = "eth0";
    ic.mac = our_mac;
    auto id = stack.add_interface(device, ic);
    if (!id) BOOST_FAIL("add_interface: " << id.error().message());
    eth0 = *id;
    auto a4 = stack.add_address(eth0, our4, 24);
    if (!a4) BOOST_FAIL("add_address v4: " << a4.error().message());
    if (options.mtu >= 1280) {
      auto a6 = stack.add_address(eth0, our6, 64);
      if (!a6) BOOST_FAIL("add_address v6: " << a6.error().message());
    }
    if (options.learn_peer) learn_peer(options.mtu >= 1280);
    baseline_drops = stack.total_drops();
  }

  // The frame reaches the stack's device and the stack polls once at the current time.
  void inject(const std::vector<std::byte>& frame) {
    BOOST_REQUIRE(device.inject(frame));
    poll();
  }
  void inject_all(const std::vector<std::vector<std::byte>>& frames) {
    for (const auto& f : frames) inject(f);
  }
  // Advances virtual time and polls the stack at the new time.
  void advance(net::Duration d) {
    clock.advance(d);
    poll();
  }
  // Polls at every deadline up to `d` from now (timers fire at their exact instants).
  void run_for(net::Duration d) {
    const auto end = clock.now() + d;
    for (;;) {
      const auto next = stack.next_deadline();
      if (next > end) break;
      if (next > clock.now()) clock.set(next);
      poll();
      if (next <= clock.now() && stack.next_deadline() <= clock.now()) {
        // A deadline that does not move after a poll: step on to avoid spinning.
        clock.advance(net::Duration::milliseconds(1));
        if (clock.now() > end) break;
      }
    }
    if (clock.now() < end) clock.set(end);
    poll();
  }
  // The stack polls at the current time; then polled() sees what it did.
  void poll() {
    stack.poll(clock.now());
    polled();
  }
  // For a fixture that watches every poll (the TCP fixture takes the frames sent).
  virtual void polled() {}
  // Every frame the stack sent since the last call.
  std::vector<std::vector<std::byte>> sent() { return device.take_all(); }
  // The same without neighbour traffic (ARP, and ICMPv6 neighbour solicitations /
  // advertisements), which reachability timers send on their own schedule.
  std::vector<std::vector<std::byte>> sent_ip() {
    std::vector<std::vector<std::byte>> out;
    for (auto& f : device.take_all())
      if (!is_neighbor_traffic(f)) out.push_back(std::move(f));
    return out;
  }
  static bool is_neighbor_traffic(const std::vector<std::byte>& f) {
    if (f.size() < 14) return false;
    const auto type = (std::to_integer<unsigned>(f[12]) << 8) | std::to_integer<unsigned>(f[13]);
    if (type == 0x0806) return true;
    // IPv6, next header ICMPv6 (no extension headers), type 135 / 136.
    return type == 0x86dd && f.size() >= 55 && std::to_integer<unsigned>(f[20]) == 58 &&
           (std::to_integer<unsigned>(f[54]) == 135 || std::to_integer<unsigned>(f[54]) == 136);
  }
  std::optional<std::vector<std::byte>> take() { return device.take(); }
  // Drops recorded since the fixture finished its setup.
  std::uint64_t new_drops() const { return stack.total_drops() - baseline_drops; }

  harness::VirtualClock clock;
  net::SeededEntropy entropy;
  harness::CaptureDevice device;
  net::Stack stack;
  harness::PcapWriter pcap;
  std::string pcap_path;
  net::InterfaceId eth0{};
  std::uint64_t baseline_drops = 0;

 private:
  harness::CaptureDevice make_device(std::size_t mtu) {
    harness::CaptureDeviceConfig c;
    c.mtu = mtu;
    auto d = harness::CaptureDevice::create(c, clock);
    BOOST_REQUIRE(d);
    return std::move(d.value());
  }
  net::Stack make_stack(const net::StackConfig& config) {
    auto s = net::Stack::create(config, entropy);
    if (!s) BOOST_FAIL("Stack::create: " << s.error().message());
    return std::move(s.value());
  }
  // The peer asks for our addresses (ARP request, neighbour solicitation): the
  // stack learns the peer's MAC from them and answers; the answers are consumed.
  void learn_peer(bool with_ipv6) {
    using namespace harness;
    inject(eth(peer_mac, wire::MacAddress::broadcast()) / arp_request(peer_mac, peer4, our4));
    inject(eth(peer_mac, our_mac) / arp_reply(peer_mac, peer4, our_mac, our4));
    if (with_ipv6) {
      inject(eth(peer_mac, net_multicast_mac(our6)) / ipv6(peer6, solicited(our6)).hop_limit(255) /
             nd_ns(our6).options(slla(peer_mac)));
      inject(eth(peer_mac, our_mac) / ipv6(peer6, our6).hop_limit(255) /
             nd_na(peer6).solicited().override_flag().options(tlla(peer_mac)));
    }
    device.take_all();
  }
  static wire::Ipv6Address solicited(const wire::Ipv6Address& a) {
    return {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, a.octets[13], a.octets[14], a.octets[15]}};
  }
  static wire::MacAddress net_multicast_mac(const wire::Ipv6Address& a) {
    const auto g = solicited(a);
    return {{0x33, 0x33, g.octets[12], g.octets[13], g.octets[14], g.octets[15]}};
  }
};

}  // namespace hardstack::conformance

#pragma once

// What the IPv4 suites share (ipv4_test.cpp, icmpv4_test.cpp,
// sec_ipv4_test.cpp): a fixture with a transport stub on UDP's protocol
// number, the positive control every silent-discard test runs, and helpers
// for the bytes an ICMP error quotes.

#include <cstddef>
#include <ostream>
#include <vector>

#include "hardstack/harness/match.hpp"
#include "stack_fixture.hpp"
#include "transport_stub.hpp"

namespace hardstack::conformance {

inline constexpr std::uint8_t udp_protocol = 17;
inline constexpr std::uint8_t tcp_protocol = 6;
inline constexpr wire::Ipv4Address directed_broadcast{{192, 0, 2, 255}};  // of our4's /24
inline constexpr wire::Ipv4Address limited_broadcast{{255, 255, 255, 255}};

// Fixture options with the stack's configuration edited: with_config([](auto& c) { ... }).
inline StackFixtureOptions with_config(void (*edit)(net::StackConfig&), std::size_t mtu = 1500) {
  StackFixtureOptions o;
  edit(o.config);
  o.mtu = mtu;
  return o;
}

// The IP datagram inside an Ethernet frame.
inline std::vector<std::byte> ip_of(const std::vector<std::byte>& frame) {
  return frame.size() < 14 ? std::vector<std::byte>{}
                           : std::vector<std::byte>(frame.begin() + 14, frame.end());
}

// The first n bytes of a datagram (an ICMP error's quote).
inline std::vector<std::byte> first_bytes(const std::vector<std::byte>& datagram, std::size_t n) {
  return {datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(std::min(n, datagram.size()))};
}

class Ipv4Fixture : public StackFixture {
 public:
  Ipv4Fixture() : Ipv4Fixture(StackFixtureOptions{}) {}
  explicit Ipv4Fixture(const StackFixtureOptions& options) : StackFixture(options) {
    BOOST_REQUIRE(stack.register_protocol(udp_protocol, udp_stub));
    BOOST_REQUIRE(stack.register_protocol(tcp_protocol, tcp_stub));
  }

  // A datagram from the peer to us, in an Ethernet frame.
  harness::Packet from_peer(const harness::Ipv4Layer& ip) const {
    return harness::eth(peer_mac, our_mac) / ip;
  }

  // Positive control: a well-formed echo request from the peer to `to` is
  // answered with one echo reply carrying its identifier, sequence and data.
  harness::MatchResult echo_answered(wire::Ipv4Address to = our4) {
    using namespace harness;
    inject(eth(peer_mac, our_mac) / ipv4(peer4, to).identification(0x7777) /
           icmp_echo_request(0xbeef, 7, "positive control"));
    const auto out = sent_ip();
    if (out.size() != 1)
      return MatchResult::mismatch("\nexpected one echo reply, got " + std::to_string(out.size()));
    return expect_ipv4(out[0], src(to), dst(peer4),
                       icmp(echo_reply(identifier(0xbeef), sequence(7), payload("positive control"))));
  }

  // Positive control for datagrams the stub takes: a UDP-numbered datagram
  // from the peer reaches the stub.
  bool udp_delivered(wire::Ipv4Address to = our4) {
    using namespace harness;
    const auto before = udp_stub.ipv4.size();
    inject(eth(peer_mac, our_mac) / ipv4(peer4, to) / udp(1000, 2000) / payload("control"));
    return udp_stub.ipv4.size() == before + 1 && sent_ip().empty();
  }

  TransportStub udp_stub;
  TransportStub tcp_stub;
};

}  // namespace hardstack::conformance

#pragma once

// What the IPv6, ICMPv6 and IPv6 SEC suites share on top of StackFixture:
// addresses of the IPv6 neighbours, their groups, frames to and from us, and
// a transport stub that records what the stack hands up.

#include <algorithm>
#include <vector>

#include "hardstack/harness/match.hpp"
#include "stack_fixture.hpp"

namespace hardstack::net {
inline std::ostream& operator<<(std::ostream& os, NeighborState s) { return os << to_string(s); }
}  // namespace hardstack::net

namespace hardstack::conformance {

inline constexpr wire::Ipv6Address all_nodes{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};
inline constexpr wire::Ipv6Address peer_ll{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}};
inline constexpr wire::Ipv6Address third6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03}};
inline constexpr wire::MacAddress third_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x03}};

// RFC 4291 2.7.1: ff02::1:ffXX:XXXX.
inline wire::Ipv6Address solicited_node_of(const wire::Ipv6Address& a) {
  return {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, a.octets[13], a.octets[14], a.octets[15]}};
}
// RFC 2464 7: 33:33 and the group's last 32 bits.
inline wire::MacAddress group_mac(const wire::Ipv6Address& g) {
  return {{0x33, 0x33, g.octets[12], g.octets[13], g.octets[14], g.octets[15]}};
}

// An IPv6 packet from the peer to us, in a frame to our MAC.
inline harness::Packet from_peer(const harness::Packet& ip) { return harness::eth(peer_mac, our_mac) / ip; }

// A Next Header nobody handles: the stack answers param problem code 1 (V6-EXT-2).
inline constexpr std::uint8_t unknown_protocol = 253;

// The echo request positive controls send, and the frame that answers it.
inline harness::Packet echo(std::uint16_t seq = 1, harness::ByteArg data = "ping") {
  return harness::icmpv6_echo_request(0x77, seq, std::move(data));
}
inline harness::Packet echo_reply(std::uint16_t seq = 1, harness::ByteArg data = "ping") {
  using namespace harness;
  return eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_echo_reply(0x77, seq, std::move(data));
}
// The parameter problem the stack sends the peer about `offending`.
inline harness::Packet param_problem_from_us(std::uint8_t code, std::uint32_t pointer,
                                             const harness::Packet& offending) {
  using namespace harness;
  return eth(our_mac, peer_mac) / ipv6(our6, peer6) / icmpv6_param_problem(code, pointer, raw(offending));
}

inline std::vector<std::byte> first_bytes(const std::vector<std::byte>& b, std::size_t n) {
  return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(std::min(n, b.size()))};
}
// n bytes of a pattern that differs with `seed`.
inline std::vector<std::byte> data_of(std::size_t n, std::uint8_t seed = 0) {
  std::vector<std::byte> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = std::byte(static_cast<std::uint8_t>(i * 7 + seed));
  return d;
}

// Records deliveries and ICMPv6 errors; answers port unreachable when asked.
struct RecordingTransport final : net::TransportProtocol {
  struct Delivered {
    net::Ipv6Delivery meta;
    std::vector<std::byte> datagram;
    std::vector<std::byte> payload;
  };
  struct Reported {
    net::IcmpErrorReport report;
    std::vector<std::byte> quoted_transport;
  };
  std::vector<Delivered> delivered;
  std::vector<Reported> errors;
  bool refuse = false;  // answer port_unreachable

  net::DeliveryResult deliver_ipv4(const net::Ipv4Delivery&, wire::Bytes, net::Instant) override {
    return net::DeliveryResult::delivered;
  }
  net::DeliveryResult deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload,
                                   net::Instant) override {
    delivered.push_back(
        {meta, {meta.datagram.begin(), meta.datagram.end()}, {payload.begin(), payload.end()}});
    delivered.back().meta.datagram = {};
    return refuse ? net::DeliveryResult::port_unreachable : net::DeliveryResult::delivered;
  }
  void icmp_error(const net::IcmpErrorReport& report, net::Instant) override {
    errors.push_back({report, {report.quoted_transport.begin(), report.quoted_transport.end()}});
    errors.back().report.quoted_transport = {};
  }
};

inline constexpr std::uint8_t udp_protocol = 17;

class Ipv6Fixture : public StackFixture {
 public:
  Ipv6Fixture() : Ipv6Fixture(StackFixtureOptions{}) {}
  explicit Ipv6Fixture(const StackFixtureOptions& options) : StackFixture(options), base(stack.stats()) {
    BOOST_REQUIRE(stack.register_protocol(udp_protocol, transport));
  }
  // Counters moved since the fixture's setup (learning the peer sends and
  // receives ND messages).
  net::IpStats ip6() const;
  net::IcmpStats icmp6() const;
  wire::Ipv6Address our_ll() const { return *stack.link_local_address(eth0); }

  net::StackStats base;
  RecordingTransport transport;
};

// An Ipv6Fixture whose stack is made with Options(): Boost fixtures take no
// arguments (using RateLimited = Ipv6FixtureWith<rate_limited_options>).
template <StackFixtureOptions (*Options)()>
struct Ipv6FixtureWith : Ipv6Fixture {
  Ipv6FixtureWith() : Ipv6Fixture(Options()) {}
};

inline net::IpStats Ipv6Fixture::ip6() const {
  const auto& a = stack.stats().ipv6;
  const auto& b = base.ipv6;
  net::IpStats d;
  d.in_receives = a.in_receives - b.in_receives;
  d.in_hdr_errors = a.in_hdr_errors - b.in_hdr_errors;
  d.in_csum_errors = a.in_csum_errors - b.in_csum_errors;
  d.in_truncated_pkts = a.in_truncated_pkts - b.in_truncated_pkts;
  d.in_addr_errors = a.in_addr_errors - b.in_addr_errors;
  d.in_unknown_protos = a.in_unknown_protos - b.in_unknown_protos;
  d.in_discards = a.in_discards - b.in_discards;
  d.in_delivers = a.in_delivers - b.in_delivers;
  d.out_requests = a.out_requests - b.out_requests;
  d.out_discards = a.out_discards - b.out_discards;
  d.out_no_routes = a.out_no_routes - b.out_no_routes;
  d.frag_oks = a.frag_oks - b.frag_oks;
  d.frag_fails = a.frag_fails - b.frag_fails;
  d.frag_creates = a.frag_creates - b.frag_creates;
  return d;
}

inline net::IcmpStats Ipv6Fixture::icmp6() const {
  const auto& a = stack.stats().icmpv6;
  const auto& b = base.icmpv6;
  net::IcmpStats d;
  d.in_msgs = a.in_msgs - b.in_msgs;
  d.in_errors = a.in_errors - b.in_errors;
  d.in_csum_errors = a.in_csum_errors - b.in_csum_errors;
  d.in_echos = a.in_echos - b.in_echos;
  d.in_echo_replies = a.in_echo_replies - b.in_echo_replies;
  d.in_dest_unreachs = a.in_dest_unreachs - b.in_dest_unreachs;
  d.in_time_excds = a.in_time_excds - b.in_time_excds;
  d.in_parm_probs = a.in_parm_probs - b.in_parm_probs;
  d.in_pkt_too_bigs = a.in_pkt_too_bigs - b.in_pkt_too_bigs;
  d.in_neighbor_solicits = a.in_neighbor_solicits - b.in_neighbor_solicits;
  d.in_neighbor_advertisements = a.in_neighbor_advertisements - b.in_neighbor_advertisements;
  d.out_msgs = a.out_msgs - b.out_msgs;
  d.out_errors = a.out_errors - b.out_errors;
  d.out_echo_replies = a.out_echo_replies - b.out_echo_replies;
  d.out_dest_unreachs = a.out_dest_unreachs - b.out_dest_unreachs;
  d.out_time_excds = a.out_time_excds - b.out_time_excds;
  d.out_parm_probs = a.out_parm_probs - b.out_parm_probs;
  d.out_neighbor_solicits = a.out_neighbor_solicits - b.out_neighbor_solicits;
  d.out_neighbor_advertisements = a.out_neighbor_advertisements - b.out_neighbor_advertisements;
  d.out_rate_limited = a.out_rate_limited - b.out_rate_limited;
  d.suppressed = a.suppressed - b.suppressed;
  return d;
}

}  // namespace hardstack::conformance

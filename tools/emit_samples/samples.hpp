// What every emit_samples sample set shares: the Sample list, the addresses,
// the byte arena that reprs borrow from, one emitter per layer (each through
// its repr's emit()) and short constructors for the reprs. Defined in
// samples.cpp; the sets themselves are in samples_v4.cpp and samples_v6.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hardstack/wire/error.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "hardstack/wire/result.hpp"
#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/udp.hpp"

namespace hardstack::tools::samples {

using Buf = std::vector<std::byte>;

[[noreturn]] void die(const std::string& what, wire::WireError e);

template <typename T>
T must(Result<T, wire::WireError> r, const std::string& what) {
  if (!r) die(what, r.error());
  return *r;
}

extern const wire::MacAddress mac_a;
extern const wire::MacAddress mac_b;
wire::Ipv4Address v4(const char* s);
wire::Ipv6Address v6(const char* s);
extern const wire::Ipv4Address ip4_a;
extern const wire::Ipv4Address ip4_b;
extern const wire::Ipv6Address ip6_a;
extern const wire::Ipv6Address ip6_b;
extern const wire::Ipv6Address ll_a;
extern const wire::Ipv6Address ll_b;

// Reprs borrow payloads, quotes and option data: these keep them for the run.
wire::Bytes keep(Buf b);
wire::Bytes text(std::string_view s);
wire::Bytes pattern(std::size_t n, unsigned mul = 1);
wire::Bytes zeros(std::size_t n);
wire::Bytes concat(wire::Bytes a, wire::Bytes b);
wire::Bytes address_list(std::initializer_list<wire::Ipv6Address> addresses, std::size_t lead = 0);

// ---- Emitters: each layer through its repr's emit() ------------------------------

wire::Bytes emit_ipv4(wire::Ipv4Repr ip, wire::Bytes payload);
wire::Bytes emit_udp(wire::UdpRepr udp, wire::Bytes payload, const wire::PseudoHeader& pseudo);
wire::Bytes emit_tcp(wire::TcpRepr tcp, wire::Bytes payload, const wire::PseudoHeader& pseudo);
wire::Bytes emit_icmp(const wire::Icmpv4Repr& icmp);
wire::Bytes emit_icmpv6(const wire::Icmpv6Repr& icmp, const wire::PseudoHeader& pseudo);

// The IPv6 header, the extension headers, then the upper-layer bytes. The
// Payload Length is the bytes' (0 with a Jumbo option: `jumbo`).
wire::Bytes emit_ipv6(wire::Ipv6Repr ip, const wire::Ipv6ExtChainRepr& chain, wire::Ipv6NextHeader upper,
                      wire::Bytes upper_bytes, bool jumbo = false);

// ---- Samples ---------------------------------------------------------------------

struct Sample {
  std::string name;
  std::string protocols;  // tshark's frame.protocols, e.g. "eth:ethertype:arp"
  Buf frame;
};

class Samples {
 public:
  void add(std::string name, std::string protocols, wire::EtherType type, wire::Bytes payload,
           std::optional<std::uint16_t> vlan = std::nullopt, wire::MacAddress dst = mac_b);
  const std::vector<Sample>& all() const { return all_; }

 private:
  std::vector<Sample> all_;
};

wire::Ipv4Repr ip4(std::uint8_t protocol, wire::Ipv4Address src = ip4_a, wire::Ipv4Address dst = ip4_b);
wire::Ipv6Repr ip6(wire::Ipv6Address src = ip6_a, wire::Ipv6Address dst = ip6_b, std::uint8_t hop_limit = 64);
wire::UdpRepr udp(std::uint16_t src = 40000, std::uint16_t dst = 40001);
wire::TcpRepr tcp(wire::TcpFlags flags, std::uint32_t seq = 1000, std::uint32_t ack = 0);

// An IPv4 datagram carrying UDP `payload`, checksummed over `final_dst`.
wire::Bytes v4_udp(wire::Ipv4Repr ip, wire::Bytes payload,
                   std::optional<wire::Ipv4Address> final_dst = std::nullopt);

// ---- The sample sets, in the order main() writes them ----------------------------

// samples_v4.cpp
void arp_samples(Samples& s);
void ipv4_samples(Samples& s);
void udp_samples(Samples& s);
void tcp_samples(Samples& s, bool over_v6);  // over IPv4, or IPv6 with no extension headers
void icmp_samples(Samples& s);

// samples_v6.cpp
void ipv6_samples(Samples& s);
void udp6_samples(Samples& s);
void icmpv6_samples(Samples& s);

}  // namespace hardstack::tools::samples

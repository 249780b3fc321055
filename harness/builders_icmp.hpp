// ICMP, ICMPv6 and Neighbor Discovery layers for the packet builders
// (builders.hpp is what tests include).
#pragma once

#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

#include "builders_common.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ndp.hpp"

namespace hardstack::harness {

// ---- ICMP ----------------------------------------------------------------------------

// An ICMP or ICMPv6 message: its representation, whose borrowed bytes (echo
// data, the quoted packet, ND option data) are filled from `data` and the
// option specs when the packet is built.
struct Icmpv4Layer : Checksummed<Icmpv4Layer> {
  wire::Icmpv4Message message;
  std::vector<std::byte> data;  // echo data, quoted datagram or Icmpv4Other data

  Icmpv4Layer type(std::uint8_t v) const { return with_u8(0, v); }
  Icmpv4Layer code(std::uint8_t v) const { return with_u8(1, v); }
  // RFC 1191 next-hop MTU of a destination unreachable (code 4).
  Icmpv4Layer next_hop_mtu(std::uint16_t mtu) const {
    return with_be16(wire::icmpv4_field::next_hop_mtu.begin, mtu);
  }
};
Icmpv4Layer icmp_echo_request(std::uint16_t identifier, std::uint16_t sequence, ByteArg data = {});
Icmpv4Layer icmp_echo_reply(std::uint16_t identifier, std::uint16_t sequence, ByteArg data = {});
Icmpv4Layer icmp_dest_unreachable(std::uint8_t code, ByteArg quote);
Icmpv4Layer icmp_time_exceeded(std::uint8_t code, ByteArg quote);
Icmpv4Layer icmp_param_problem(std::uint8_t pointer, ByteArg quote);  // code 0; .code(n) for others
Icmpv4Layer icmp_redirect(std::uint8_t code, Ipv4Arg gateway, ByteArg quote);
// Any type: the 4 bytes after the checksum, then data.
Icmpv4Layer icmp_raw(std::uint8_t type, std::uint8_t code, std::uint32_t rest_of_header, ByteArg data = {});

// An ND option for nd_*(...).options(...): slla(mac), tlla(mac),
// wire::NdPrefixInformation{...}, wire::NdMtu{...}, or nd_option(type, data).
struct NdRawOption {
  std::uint8_t type = 0;
  std::vector<std::byte> data;  // after type and length; zero-padded to 8 bytes with them
};
using NdOptionSpec = std::variant<wire::NdSourceLinkLayerAddress, wire::NdTargetLinkLayerAddress,
                                  wire::NdPrefixInformation, wire::NdMtu, NdRawOption>;
inline wire::NdSourceLinkLayerAddress slla(MacArg m) { return {m.value}; }
inline wire::NdTargetLinkLayerAddress tlla(MacArg m) { return {m.value}; }
NdRawOption nd_option(std::uint8_t type, ByteArg data);

struct Icmpv6Layer : Checksummed<Icmpv6Layer> {
  wire::Icmpv6Message message;
  std::vector<std::byte> data;  // echo data, quoted packet or Icmpv6Other body
  std::vector<NdOptionSpec> nd_options;
  std::vector<std::byte> raw_nd_options;  // appended after the ND options, as given

  Icmpv6Layer type(std::uint8_t v) const { return with_u8(0, v); }
  Icmpv6Layer code(std::uint8_t v) const { return with_u8(1, v); }
  template <typename... Options>
  Icmpv6Layer options(const Options&... opts) const {
    Icmpv6Layer l = *this;
    (l.nd_options.push_back(NdOptionSpec(opts)), ...);
    return l;
  }
  Icmpv6Layer raw_options(ByteArg bytes) const {
    Icmpv6Layer l = *this;
    l.raw_nd_options.insert(l.raw_nd_options.end(), bytes.bytes.begin(), bytes.bytes.end());
    return l;
  }
  // Neighbor Advertisement flags (RFC 4861 4.4).
  Icmpv6Layer router(bool v = true) const;
  Icmpv6Layer solicited(bool v = true) const;
  Icmpv6Layer override_flag(bool v = true) const;
  // Router Advertisement fields (RFC 4861 4.2).
  Icmpv6Layer cur_hop_limit(std::uint8_t v) const;
  Icmpv6Layer managed(bool v = true) const;
  Icmpv6Layer other_configuration(bool v = true) const;
  Icmpv6Layer router_lifetime(std::uint16_t seconds) const;
  Icmpv6Layer reachable_time(std::uint32_t ms) const;
  Icmpv6Layer retrans_timer(std::uint32_t ms) const;
};
Icmpv6Layer icmpv6_echo_request(std::uint16_t identifier, std::uint16_t sequence, ByteArg data = {});
Icmpv6Layer icmpv6_echo_reply(std::uint16_t identifier, std::uint16_t sequence, ByteArg data = {});
Icmpv6Layer icmpv6_dest_unreachable(std::uint8_t code, ByteArg quote);
Icmpv6Layer icmpv6_packet_too_big(std::uint32_t mtu, ByteArg quote);
Icmpv6Layer icmpv6_time_exceeded(std::uint8_t code, ByteArg quote);
Icmpv6Layer icmpv6_param_problem(std::uint8_t code, std::uint32_t pointer, ByteArg quote);
// Any type: everything after the checksum.
Icmpv6Layer icmpv6_raw(std::uint8_t type, std::uint8_t code, ByteArg body = {});
Icmpv6Layer nd_rs();
Icmpv6Layer nd_ra();
Icmpv6Layer nd_ns(Ipv6Arg target);
Icmpv6Layer nd_na(Ipv6Arg target);
Icmpv6Layer nd_redirect(Ipv6Arg target, Ipv6Arg destination);

}  // namespace hardstack::harness

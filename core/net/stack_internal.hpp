#pragma once

// Stack::Impl, shared by stack.cpp (configuration, link layer, ARP, loopback,
// timers, drop accounting), stack_ipv4.cpp (IPv4 input/output, options,
// fragmentation, ICMPv4) and stack_ipv6.cpp (IPv6 input/output, extension
// headers, fragmentation, ICMPv6, neighbour discovery). Not installed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "hardstack/wire/address.hpp"
#include "hardstack/wire/bytes.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "stack.hpp"

namespace hardstack::wire {
class Ipv4View;
class Ipv4Options;
class Icmpv4View;
struct Ipv4Repr;
}  // namespace hardstack::wire

namespace hardstack::net {

// How the frame reached us at the link layer (Linux skb->pkt_type).
enum class LinkDestination : std::uint8_t { host, broadcast, multicast, loopback };

struct LinkInfo {
  LinkDestination destination = LinkDestination::host;
  wire::MacAddress source_mac;  // meaningful on Ethernet links only
  bool link_unicast() const {
    return destination == LinkDestination::host || destination == LinkDestination::loopback;
  }
};

struct Ipv4Address4 {
  wire::Ipv4Address address;
  std::uint8_t prefix_length = 0;
  wire::Ipv4Address broadcast;  // subnet-directed broadcast (address itself for /31 and /32)
};

struct Ipv6Address6 {
  wire::Ipv6Address address;
  std::uint8_t prefix_length = 0;
};

// Neighbour cache callbacks for one interface (the caches are per interface,
// as Linux's are keyed by device and address).
struct ArpEventsAdapter final : NeighborEvents<wire::Ipv4Address> {
  Stack::Impl* stack = nullptr;
  InterfaceId interface {};
  Instant now;
  void solicit(const Solicitation<wire::Ipv4Address>& solicitation) override;
  void resolved(const wire::Ipv4Address& neighbor, const wire::MacAddress& mac,
                std::span<const std::byte> packet) override;
  void dropped(const wire::Ipv4Address& neighbor, NeighborDrop reason,
               std::span<const std::byte> packet) override;
};

struct NdEventsAdapter final : NeighborEvents<wire::Ipv6Address> {
  Stack::Impl* stack = nullptr;
  InterfaceId interface {};
  Instant now;
  void solicit(const Solicitation<wire::Ipv6Address>& solicitation) override;
  void resolved(const wire::Ipv6Address& neighbor, const wire::MacAddress& mac,
                std::span<const std::byte> packet) override;
  void dropped(const wire::Ipv6Address& neighbor, NeighborDrop reason,
               std::span<const std::byte> packet) override;
};

struct Interface {
  InterfaceId id{};
  std::string name;
  Device* device = nullptr;  // null for loopback
  LinkType link_type = LinkType::raw_ip;
  wire::MacAddress mac;
  std::size_t mtu = 0;  // IP MTU
  std::vector<Ipv4Address4> ipv4;
  std::vector<Ipv6Address6> ipv6;  // link-local first when present
  std::optional<ArpCache> arp;     // Ethernet links only
  std::optional<NdCache> nd;
  ArpEventsAdapter arp_events;
  NdEventsAdapter nd_events;

  bool is_loopback() const { return device == nullptr; }
  bool ethernet() const { return link_type == LinkType::ethernet; }
  // The interface's own IPv4 address equal to `a`, if any.
  const Ipv4Address4* find_ipv4(const wire::Ipv4Address& a) const;
  const Ipv6Address6* find_ipv6(const wire::Ipv6Address& a) const;
  // `a` is 255.255.255.255 or the directed broadcast of one of our subnets.
  bool is_ipv4_broadcast(const wire::Ipv4Address& a) const;
  // ff02::1, or the solicited-node group of one of our addresses.
  bool joined_ipv6_group(const wire::Ipv6Address& a) const;
};

struct LoopbackPacket {
  bool ipv6 = false;
  std::vector<std::byte> datagram;
};

// One received frame: made at the first poll, never zeroed. Its bytes never
// outlive a poll, so a copy of the stack (Stack::checkpoint, restore) keeps
// its own buffer, or starts without one.
struct RxBuffer {
  std::unique_ptr<std::byte[]> bytes;
  RxBuffer() = default;
  RxBuffer(const RxBuffer&) {}
  RxBuffer& operator=(const RxBuffer&) { return *this; }
  RxBuffer(RxBuffer&&) noexcept = default;
  RxBuffer& operator=(RxBuffer&&) noexcept = default;
  ~RxBuffer() = default;
};

// Bytes one call builds a datagram or message in, grown to the largest built
// and never read after the call. A copy of the stack keeps its own buffer
// (or starts without one) instead of copying the last thing built there.
class ScratchBytes : public std::vector<std::byte> {
 public:
  ScratchBytes() = default;
  // Deliberately not the vector's copy: a copy starts empty.
  ScratchBytes(const ScratchBytes&) noexcept  // NOLINT(bugprone-copy-constructor-init)
      : std::vector<std::byte>() {}
  ScratchBytes& operator=(const ScratchBytes&) noexcept { return *this; }
  ScratchBytes(ScratchBytes&&) noexcept = default;
  ScratchBytes& operator=(ScratchBytes&&) noexcept = default;
  ~ScratchBytes() = default;
};

// Copyable member by member (Stack::checkpoint, restore): whatever is added
// here is copied with the rest; only the adapters' `stack` needs setting after.
struct Stack::Impl {
  StackConfig config;
  Entropy* entropy = nullptr;
  std::deque<Interface> interfaces;  // stable addresses: the adapters point into them
  RouteTable routes;
  Reassembler<Ipv4Family> reassembly_v4;
  Reassembler<Ipv6Family> reassembly_v6;
  TokenBucket icmp_bucket;
  TokenBucket icmpv6_bucket;
  std::array<TransportProtocol*, 256> protocols{};
  std::vector<TransportProtocol*> transports;  // each registered handler once, for timers
  StackStats stats;
  std::array<std::uint64_t, drop_reason_count> drop_counts{};
  std::uint64_t total_drops = 0;
  std::optional<DropReason> last_drop;
  std::deque<LoopbackPacket> loopback_queue;
  Instant latest;
  RxBuffer rx_buffer;
  ScratchBytes tx_buffer;          // one frame being built (link header + datagram)
  std::uint32_t ipv4_next_id = 0;  // seeded from entropy; see next_ipv4_id()

  Impl(const StackConfig& c, Entropy& e, RouteTable&& r, Reassembler<Ipv4Family>&& r4,
       Reassembler<Ipv6Family>&& r6, TokenBucket b4, TokenBucket b6)
      : config(c),
        entropy(&e),
        routes(std::move(r)),
        reassembly_v4(std::move(r4)),
        reassembly_v6(std::move(r6)),
        icmp_bucket(b4),
        icmpv6_bucket(b6) {}

  // --- stack.cpp ----------------------------------------------------------
  // After a copy (checkpoint, restore): the neighbour callbacks reach this Impl.
  void point_adapters_here();
  void drop(DropReason reason);
  // A send refused for want of a route: counted in `st` (OutNoRoutes) and as
  // a no_route drop; `e` comes back.
  Unexpected<Errno> no_route(IpStats& st, Errno e);
  // A send whose routing failed with `e`: no_route() when there is none
  // (ENETUNREACH), else `e` as it is.
  Unexpected<Errno> route_failed(IpStats& st, Errno e);
  Interface* interface(InterfaceId id);
  const Interface* interface(InterfaceId id) const;
  Instant clamp(Instant now);  // never earlier than `latest`
  void link_input(Interface& in, wire::Bytes frame, Instant now);
  void arp_input(Interface& in, wire::Bytes packet, const LinkInfo& link, Instant now);
  void send_arp(Interface& out, std::uint16_t operation, const wire::MacAddress& destination_mac,
                const wire::MacAddress& target_mac, const wire::Ipv4Address& sender_ip,
                const wire::Ipv4Address& target_ip);
  // Hands a finished IPv4 / IPv6 datagram to the link: loopback queue, or
  // Ethernet framing with the neighbour's MAC (resolving it first: the datagram
  // waits in the neighbour queue), or as-is on raw IP links. `neighbor` is the
  // next hop (gateway or destination). Failures are counted (and dropped) here.
  // `headroom`: how many bytes before datagram.data() are the stack's own
  // output buffer, free to overwrite (see link_headroom).
  Result<void, Errno> transmit_ipv4(Interface& out, const wire::Ipv4Address& neighbor, wire::Bytes datagram,
                                    Instant now, std::size_t headroom = 0);
  Result<void, Errno> transmit_ipv6(Interface& out, const wire::Ipv6Address& neighbor, wire::Bytes datagram,
                                    Instant now, std::size_t headroom = 0);
  // Frames `datagram` for `destination_mac` (Ethernet) and hands it to the
  // device: the link header goes into the headroom when there is enough,
  // else datagram and header are copied into tx_buffer.
  bool transmit_frame(Interface& out, const wire::MacAddress& destination_mac, std::uint16_t ethertype,
                      wire::Bytes datagram, std::size_t headroom = 0);
  // IP output builds datagrams this far into its buffers (ipv4_state.datagram,
  // ipv6_tx), so that the Ethernet header is written in front of them rather
  // than the datagram copied behind one.
  static constexpr std::size_t link_headroom = wire::ethernet_field::header_len;
  void loopback_enqueue(bool ipv6, wire::Bytes datagram);
  void drain_loopback(Instant now);
  // Interface owning `address` (unicast, IPv4), if any.
  Interface* ipv4_owner(const wire::Ipv4Address& address);
  const Interface* ipv4_owner(const wire::Ipv4Address& address) const;
  Interface* ipv6_owner(const wire::Ipv6Address& address);

  // --- stack_ipv4.cpp, stack_icmpv4.cpp -----------------------------------
  void ipv4_input(Interface& in, wire::Bytes packet, const LinkInfo& link, Instant now);
  Result<void, Errno> ipv4_output(const Ipv4SendParams& params, wire::Bytes payload, Instant now);
  // Sends an ICMPv4 error about `offending` (the datagram as received, IP header
  // first) unless ICMP4-2 forbids it or the rate limit holds it back (ICMP4-5).
  // `rest` is the 4 bytes after the checksum (pointer << 24, next-hop MTU...).
  void send_icmpv4_error(Interface& in, wire::Bytes offending, const LinkInfo& link, std::uint8_t type,
                         std::uint8_t code, std::uint32_t rest, Instant now);
  void ipv4_poll(Instant now);  // reassembly timeouts -> time exceeded (V4-FRAG-5)
  std::uint16_t next_ipv4_id(const wire::Ipv4Address& destination);
  // A neighbour never answered: ICMP host unreachable to the datagram's source when it is not ours.
  void ipv4_unreachable_neighbor(Interface& out, wire::Bytes datagram, Instant now);
  // Shared by stack_ipv4.cpp and stack_icmpv4.cpp:
  // How a datagram for this host was addressed (LINUX rt_type, RTCF_BROADCAST / RTCF_MULTICAST).
  enum class Ipv4Cast : std::uint8_t { unicast, broadcast, multicast };
  // Where one outgoing datagram goes: interface, neighbour to resolve, source address.
  struct Ipv4Route {
    Interface* out = nullptr;
    wire::Ipv4Address neighbor;
    wire::Ipv4Address source;
    bool via_gateway = false;
  };
  // LINUX ip_route_output: a local destination goes through loopback; a
  // `source` (0.0.0.0: choose) must be ours (EINVAL); no route: ENETUNREACH.
  Result<Ipv4Route, Errno> ipv4_route_output(const wire::Ipv4Address& destination,
                                             const wire::Ipv4Address& source,
                                             std::optional<InterfaceId> interface);
  // Emits `header` + `payload` and hands it to the link, fragmented when it
  // is larger than the route's MTU and `pmtu` allows (V4-FRAG-7). Sets the
  // identification, DF, MF and offset; records RR/TS with the route's source.
  Result<void, Errno> ipv4_transmit(const Ipv4Route& route, wire::Ipv4Repr& header, wire::Bytes payload,
                                    PmtuDiscovery pmtu, Instant now);
  // Local delivery of a whole datagram (after reassembly): ICMP or a transport.
  void ipv4_deliver(Interface& in, const wire::Ipv4View& datagram, Ipv4Cast cast, const LinkInfo& link,
                    Instant now);
  // ICMP input (stack_icmpv4.cpp): `datagram` is the whole IPv4 datagram
  // (header as received), `options` its options area with RR/TS recorded.
  void icmpv4_input(Interface& in, const wire::Ipv4View& datagram, Ipv4Cast cast, wire::Bytes options,
                    const LinkInfo& link, Instant now);
  void icmpv4_echo(Interface& in, const wire::Ipv4View& datagram, Ipv4Cast cast,
                   const wire::Icmpv4View& request, wire::Bytes options, Instant now);
  void icmpv4_error_input(Interface& in, const wire::Ipv4View& datagram, const wire::Icmpv4View& message,
                          Instant now);
  // `a` is 255.255.255.255 or the directed broadcast of any interface's subnet.
  bool ipv4_is_any_broadcast(const wire::Ipv4Address& a) const;
  // LINUX inet_select_addr: the address of `in` on `peer`'s subnet, else its first.
  wire::Ipv4Address ipv4_select_address(const Interface& in, const wire::Ipv4Address& peer) const;
  // RFC 791 3.1 / LINUX ip_options_compile (receive) and ip_options_build
  // (output): records `address` and `timestamp` in the Record Route and
  // Timestamp options of `area`, an options area that validated, where they
  // have room; a prespecified timestamp only when its address is ours. When
  // `receiving`, a full Timestamp option's overflow counter is incremented.
  void ipv4_stamp_options(wire::MutableBytes area, const wire::Ipv4Address& address, std::uint32_t timestamp,
                          bool receiving) const;
  // RFC 791 3.1 Internet Timestamp for `now`: no wall clock here, so
  // milliseconds of the stack's clock modulo a day, with the high-order bit
  // set ("not with respect to midnight UT").
  static std::uint32_t ipv4_timestamp(Instant now);
  // IPv4 state (stack_ipv4.cpp); the other helpers are free functions there.
  struct Ipv4State {
    ScratchBytes datagram;                   // output: the datagram or fragment being built
    ScratchBytes icmp;                       // output: the ICMP message being built
    std::array<std::byte, 40> rx_options{};  // input: the options handed up, RR/TS recorded
    SipHashKey id_key;                       // next_ipv4_id: per-destination counters
    std::array<std::uint32_t, 256> id_counters{};
    std::array<Instant, 256> id_stamps{};
    bool id_seeded = false;
    bool in_output = false;  // an ICMP error raised while a datagram goes out is not sent
  } ipv4_state;

  // --- stack_ipv6.cpp -----------------------------------------------------
  void ipv6_input(Interface& in, wire::Bytes packet, const LinkInfo& link, Instant now);
  Result<void, Errno> ipv6_output(const Ipv6SendParams& params, wire::Bytes payload, Instant now);
  // Sends an ICMPv6 error about `offending` unless ICMP6-2 forbids it or the rate
  // limit holds it back (ICMP6-5). `allow_multicast` is RFC 4443 2.4 (e.3/e.4)'s
  // exception: Packet Too Big, and param problem code 2 for an option type 10xxxxxx.
  void send_icmpv6_error(Interface& in, wire::Bytes offending, const LinkInfo& link, std::uint8_t type,
                         std::uint8_t code, std::uint32_t rest, bool allow_multicast, Instant now);
  void ipv6_poll(Instant now);  // reassembly timeouts (V6-FRAG-7)
  void send_neighbor_solicitation(Interface& out, const Solicitation<wire::Ipv6Address>& solicitation);
  void ipv6_unreachable_neighbor(Interface& out, wire::Bytes datagram, Instant now);
  // Input after the header checks: the chain's verdict, reassembly, delivery.
  void ipv6_chain_error(Interface& in, const wire::Ipv6View& ip, const wire::ParseError& error,
                        const LinkInfo& link, Instant now);
  void ipv6_after_chain(Interface& in, const wire::Ipv6View& ip, const wire::Ipv6ExtChain& chain,
                        const LinkInfo& link, bool reassembled, Instant now);
  void ipv6_unknown_option(Interface& in, const wire::Ipv6View& ip, const wire::Ipv6ExtChain& chain,
                           const LinkInfo& link, Instant now);
  void ipv6_fragment_input(Interface& in, const wire::Ipv6View& ip, const wire::Ipv6ExtChain& chain,
                           const LinkInfo& link, Instant now);
  void ipv6_deliver(Interface& in, const wire::Ipv6View& ip, const wire::Ipv6ExtChain& chain,
                    const LinkInfo& link, Instant now);
  // Output: where a datagram to `destination` goes (loopback for our own
  // addresses, the route table otherwise) and from which source.
  struct Ipv6Route {
    Interface* out = nullptr;
    wire::Ipv6Address neighbor;
    wire::Ipv6Address source;
  };
  Result<Ipv6Route, Errno> ipv6_route(const wire::Ipv6Address& destination,
                                      const std::optional<wire::Ipv6Address>& source,
                                      std::optional<InterfaceId> interface);
  // Builds the datagram (fragments when it exceeds the MTU and `pmtu` allows)
  // in ipv6_tx and hands it to transmit_ipv6. `params` gives the header
  // fields and the extension headers (already validated).
  Result<void, Errno> ipv6_emit(const Ipv6Route& route, const Ipv6SendParams& params, std::uint8_t hop_limit,
                                wire::Bytes payload, Instant now);
  // The address this interface answers `to` from: link-local for a link-local
  // peer, else a global one when it has one (RFC 6724 rule 2, by scope).
  std::optional<wire::Ipv6Address> ipv6_interface_source(const Interface& in,
                                                         const wire::Ipv6Address& to) const;
  std::uint32_t next_ipv6_fragment_id(const wire::Ipv6Address& source, const wire::Ipv6Address& destination);
  // --- stack_icmpv6.cpp ---------------------------------------------------
  void icmpv6_input(Interface& in, const wire::Ipv6View& ip, std::size_t offset, const LinkInfo& link,
                    Instant now);
  void icmpv6_error_input(Interface& in, const wire::Ipv6View& ip, std::uint8_t type, std::uint8_t code,
                          wire::Bytes body, Instant now);
  void nd_input(Interface& in, const wire::Ipv6View& ip, wire::Bytes message, const LinkInfo& link,
                Instant now);
  // An ICMPv6 message (checksum filled in here) from `source` to `destination`.
  Result<void, Errno> send_icmpv6(const Interface& in, const wire::Ipv6Address& source,
                                  const wire::Ipv6Address& destination, wire::MutableBytes message,
                                  Instant now);
  // A Neighbor Discovery message (checksum included) with hop limit 255
  // straight onto `out`'s link: to `mac` when given, else through the
  // neighbour cache. False when it could not be sent.
  bool send_nd(Interface& out, const wire::Ipv6Address& source, const wire::Ipv6Address& destination,
               const std::optional<wire::MacAddress>& mac, wire::Bytes message, Instant now);

  ScratchBytes ipv6_tx;    // IPv6 output: the datagram or fragment being built
  ScratchBytes icmpv6_tx;  // ICMPv6 output: the message being built
  SipHashKey ipv6_id_key;  // fragment identifications (RFC 7739), drawn on first use
  std::array<std::uint32_t, 64> ipv6_id_counters{};
  bool ipv6_id_ready = false;
};

// Solicited-node multicast address of `a` (RFC 4291 2.7.1): ff02::1:ffXX:XXXX.
wire::Ipv6Address solicited_node(const wire::Ipv6Address& a);
// fe80::/10 (RFC 4291 2.5.6).
inline bool is_link_local(const wire::Ipv6Address& a) {
  return a.octets[0] == 0xfe && (a.octets[1] & 0xc0) == 0x80;
}
// ff02::1, the all-nodes group every interface joins (RFC 4291 2.7.1).
inline constexpr wire::Ipv6Address all_nodes_group{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};
// LINUX ipv4_is_zeronet: 0.0.0.0/8, "this network" (RFC 1122 3.2.1.3).
inline bool is_zeronet(const wire::Ipv4Address& a) { return a.octets[0] == 0; }
// 240.0.0.0/4, Class E (RFC 1122 3.2.1.3 (e)).
inline bool is_class_e(const wire::Ipv4Address& a) { return (a.octets[0] & 0xf0) == 0xf0; }
// RFC 2464 7 / RFC 1112 6.4: the Ethernet group address of an IP multicast address.
wire::MacAddress multicast_mac(const wire::Ipv6Address& a);
wire::MacAddress multicast_mac(const wire::Ipv4Address& a);

}  // namespace hardstack::net

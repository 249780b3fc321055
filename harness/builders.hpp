// Packet builders that read like Scapy, on top of the wire layer's
// representations and emit():
//
//   eth(peer_mac, our_mac) / ipv4("192.0.2.1", "192.0.2.2").ttl(1).options(router_alert()) / udp(1234, 7)
//       / payload("hi")
//   ipv6(a, b) / hop_by_hop(router_alert()) / frag(0, true, 7) / icmpv6_echo_request(1, 2, "ping")
//   tcp(40000, 80).flags(flag::syn).seq(1000).mss(1460)        (or .flags("S"), Scapy's letters)
//
// Layers are values; `/` stacks them into a Packet, which converts to the
// frame's bytes (std::vector<std::byte>). What is not given is computed, as
// Scapy does: EtherType, IPv4 Protocol and IPv6 Next Header from the layer
// that follows; lengths from what follows; checksums, with the pseudo-header
// of the enclosing IP layer (for IPv6 with a type 0 Routing header whose
// Segments Left > 0, its last address: RFC 8200 8.1). Fields not set are 0,
// except TTL / Hop Limit (64) and the TCP window (65535).
//
// Conformance tests need wrong packets too. Every override is applied after
// the layer is emitted, then the layer's checksum is recomputed over the
// result (unless it is overridden itself):
//   - named overrides: ipv4(...).ihl(4).total_length(9), udp(...).length(3),
//     hop_by_hop(...).header_ext_len(9), tcp(...).data_offset(15), ...
//   - raw option bytes: ipv4(...).raw_options(hex("8903..")), tcp(...).raw_options(..),
//     hop_by_hop().raw_options(..), nd_ns(t).raw_options(hex("0100...")) (length 0)
//   - any bytes of the layer: .patch(offset, bytes) (from the layer's first byte)
//   - the checksum: .checksum(0x1234), or .bad_checksum() (never valid).
// Pseudo-headers come from the IP layer's fields, not from patched bytes.
//
// Builders are for tests: a value the wire layer cannot emit (IPv4 options
// over 40 bytes, a port list that does not parse...) aborts with a message
// naming it, as hex() does with a bad literal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "builders_common.hpp"
#include "builders_icmp.hpp"
#include "hardstack/net/device.hpp"
#include "hardstack/wire/address.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv4_options.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/udp.hpp"

namespace hardstack::harness {

// ---- Link layer ---------------------------------------------------------------

struct EthLayer : Patchable<EthLayer> {
  wire::EthernetRepr repr;
  std::optional<std::uint16_t> ethertype;  // else from the next layer

  EthLayer type(std::uint16_t t) const { return set(&EthLayer::ethertype, std::optional<std::uint16_t>(t)); }
  EthLayer vlan(std::uint16_t tci) const {
    EthLayer l = *this;
    l.repr.vlan_tci = tci;
    return l;
  }

 private:
  template <typename M, typename V>
  EthLayer set(M member, V v) const {
    EthLayer l = *this;
    l.*member = v;
    return l;
  }
};
// Ether(src=..., dst=...); Scapy's defaults without a resolver.
EthLayer eth(MacArg src = wire::MacAddress{}, MacArg dst = wire::MacAddress::broadcast());

struct ArpLayer : Patchable<ArpLayer> {
  wire::ArpRepr repr;
  ArpLayer operation(std::uint16_t op) const {
    ArpLayer l = *this;
    l.repr.operation = static_cast<wire::ArpOperation>(op);
    return l;
  }
  ArpLayer target_mac(MacArg m) const {
    ArpLayer l = *this;
    l.repr.target_hardware_address = m.value;
    return l;
  }
  // RFC 826 fields past the repr's Ethernet/IPv4 pairing, for bad packets.
  ArpLayer hardware_type(std::uint16_t v) const { return with_be16(wire::arp_field::hardware_type.begin, v); }
  ArpLayer protocol_type(std::uint16_t v) const { return with_be16(wire::arp_field::protocol_type.begin, v); }
};
// who-has target_ip tell sender_ip (target MAC zero).
ArpLayer arp_request(MacArg sender_mac, Ipv4Arg sender_ip, Ipv4Arg target_ip);
ArpLayer arp_reply(MacArg sender_mac, Ipv4Arg sender_ip, MacArg target_mac, Ipv4Arg target_ip);

// ---- IPv4 ------------------------------------------------------------------------

// The IPv4 Router Alert option (RFC 2113) and the IPv6 one (RFC 2711): one
// spelling for both, ipv4(...).options(router_alert()) and hop_by_hop(router_alert()).
struct RouterAlert {
  std::uint16_t value = 0;
};
constexpr RouterAlert router_alert(std::uint16_t value = 0) { return {value}; }

// An IPv4 option for ipv4(...).options(...): an Ipv4Option or a RouterAlert.
struct Ipv4OptionArg {
  wire::Ipv4Option option;
  Ipv4OptionArg(const wire::Ipv4Option& o) : option(o) {}  // NOLINT(google-explicit-constructor)
  Ipv4OptionArg(RouterAlert ra) : option(wire::Ipv4Option::router_alert(ra.value)) {}  // NOLINT
};
wire::Ipv4Option ipv4_nop();
// RR, LSRR, SSRR with these address slots (0.0.0.0 for empty ones).
wire::Ipv4Option record_route(const std::vector<wire::Ipv4Address>& slots, std::uint8_t pointer = 4);
wire::Ipv4Option record_route(std::size_t empty_slots, std::uint8_t pointer = 4);
wire::Ipv4Option loose_source_route(const std::vector<wire::Ipv4Address>& slots, std::uint8_t pointer = 4);
wire::Ipv4Option strict_source_route(const std::vector<wire::Ipv4Address>& slots, std::uint8_t pointer = 4);
wire::Ipv4Option ipv4_timestamp(wire::Ipv4TimestampFlag flag,
                                const std::vector<wire::Ipv4TimestampEntry>& entries,
                                std::uint8_t pointer = 5, std::uint8_t overflow = 0);
// Any kind but EOL and NOP, from the bytes after its length byte.
wire::Ipv4Option ipv4_option(std::uint8_t type, ByteArg data);

struct Ipv4Layer : Checksummed<Ipv4Layer> {
  wire::Ipv4Repr repr;
  std::optional<std::uint8_t> protocol_value;             // else from the next layer
  std::optional<std::vector<std::byte>> raw_option_area;  // instead of repr.options

  Ipv4Layer ttl(std::uint8_t v) const {
    return edit([&](auto& r) { r.ttl = v; });
  }
  Ipv4Layer dscp(std::uint8_t v) const {
    return edit([&](auto& r) { r.dscp = v; });
  }
  Ipv4Layer ecn(std::uint8_t v) const {
    return edit([&](auto& r) { r.ecn = v; });
  }
  // The whole second byte (DSCP and ECN), as Scapy's tos.
  Ipv4Layer tos(std::uint8_t v) const {
    return edit([&](auto& r) {
      r.dscp = static_cast<std::uint8_t>(v >> 2);
      r.ecn = static_cast<std::uint8_t>(v & 3);
    });
  }
  Ipv4Layer identification(std::uint16_t v) const {
    return edit([&](auto& r) { r.identification = v; });
  }
  Ipv4Layer dont_fragment(bool v = true) const {
    return edit([&](auto& r) { r.dont_fragment = v; });
  }
  Ipv4Layer more_fragments(bool v = true) const {
    return edit([&](auto& r) { r.more_fragments = v; });
  }
  // In 8-byte units, as on the wire and in Scapy's frag.
  Ipv4Layer fragment_offset(std::uint16_t units) const {
    return edit([&](auto& r) { r.fragment_offset = units; });
  }
  // RFC 791's reserved flag (RFC 3514's evil bit).
  Ipv4Layer reserved_flag(bool v = true) const { return with_u8(6, v ? 0x80 : 0x00, 0x80); }
  Ipv4Layer protocol(std::uint8_t p) const {
    Ipv4Layer l = *this;
    l.protocol_value = p;
    return l;
  }
  template <typename... Options>
  Ipv4Layer options(const Options&... opts) const {
    Ipv4Layer l = *this;
    (l.add_option(Ipv4OptionArg(opts)), ...);
    return l;
  }
  // The options area as given, zero-padded to 4 bytes (IHL follows).
  Ipv4Layer raw_options(ByteArg area) const {
    Ipv4Layer l = *this;
    l.raw_option_area = std::move(area.bytes);
    return l;
  }
  Ipv4Layer version(std::uint8_t v) const { return with_u8(0, static_cast<std::uint8_t>(v << 4), 0xf0); }
  Ipv4Layer ihl(std::uint8_t words) const { return with_u8(0, words, 0x0f); }
  Ipv4Layer total_length(std::uint16_t v) const { return with_be16(wire::ipv4_field::total_length.begin, v); }

 private:
  template <typename F>
  Ipv4Layer edit(F f) const {
    Ipv4Layer l = *this;
    f(l.repr);
    return l;
  }
  void add_option(const Ipv4OptionArg& o);
};
Ipv4Layer ipv4(Ipv4Arg src, Ipv4Arg dst);

// ---- IPv6 and its extension headers ----------------------------------------------

struct Ipv6Layer : Patchable<Ipv6Layer> {
  wire::Ipv6Repr repr;
  std::optional<std::uint8_t> next_header_value;      // else from the next layer
  std::optional<std::uint16_t> payload_length_value;  // else from what follows (0 above 65535)

  Ipv6Layer hop_limit(std::uint8_t v) const {
    return edit([&](auto& r) { r.hop_limit = v; });
  }
  Ipv6Layer traffic_class(std::uint8_t v) const {
    return edit([&](auto& r) { r.traffic_class = v; });
  }
  Ipv6Layer flow_label(std::uint32_t v) const {
    return edit([&](auto& r) { r.flow_label = v; });
  }
  Ipv6Layer next_header(std::uint8_t v) const {
    Ipv6Layer l = *this;
    l.next_header_value = v;
    return l;
  }
  Ipv6Layer payload_length(std::uint16_t v) const {
    Ipv6Layer l = *this;
    l.payload_length_value = v;
    return l;
  }
  Ipv6Layer version(std::uint8_t v) const { return with_u8(0, static_cast<std::uint8_t>(v << 4), 0xf0); }

 private:
  template <typename F>
  Ipv6Layer edit(F f) const {
    Ipv6Layer l = *this;
    f(l.repr);
    return l;
  }
};
Ipv6Layer ipv6(Ipv6Arg src, Ipv6Arg dst);

// A TLV option of a Hop-by-Hop or Destination Options header (RFC 8200 4.2).
struct TlvOption {
  std::uint8_t type = 0;
  std::vector<std::byte> data;  // Option Data; none for Pad1
  TlvOption() = default;
  TlvOption(std::uint8_t t, std::vector<std::byte> d) : type(t), data(std::move(d)) {}
  TlvOption(RouterAlert ra);  // NOLINT(google-explicit-constructor): RFC 2711, value in 2 bytes
};
TlvOption pad1();
TlvOption padn(std::size_t total_len);  // 2 or more: type, length and total_len - 2 zeros
TlvOption jumbo_payload(std::uint32_t length);
TlvOption tlv(std::uint8_t type, ByteArg data);

// Hop-by-Hop or Destination Options. Without Pad1/PadN among the options the
// wire layer lays them out (Jumbo at 4n+2, padding at the end); with any of
// them, the options go out exactly in the order given and only the end is
// padded to 8 bytes.
struct Ipv6OptionsLayer : Patchable<Ipv6OptionsLayer> {
  bool hop_by_hop = true;
  std::vector<TlvOption> options;
  std::optional<std::vector<std::byte>> raw_area;  // after the first 2 bytes, zero-padded to 8
  std::optional<std::uint8_t> next_header_value;

  Ipv6OptionsLayer raw_options(ByteArg area) const {
    Ipv6OptionsLayer l = *this;
    l.raw_area = std::move(area.bytes);
    return l;
  }
  Ipv6OptionsLayer next_header(std::uint8_t v) const {
    Ipv6OptionsLayer l = *this;
    l.next_header_value = v;
    return l;
  }
  Ipv6OptionsLayer header_ext_len(std::uint8_t v) const { return with_u8(1, v); }
};
template <typename... Options>
Ipv6OptionsLayer hop_by_hop(const Options&... opts) {
  Ipv6OptionsLayer l;
  (l.options.push_back(TlvOption(opts)), ...);
  return l;
}
template <typename... Options>
Ipv6OptionsLayer destination_options(const Options&... opts) {
  Ipv6OptionsLayer l;
  l.hop_by_hop = false;
  (l.options.push_back(TlvOption(opts)), ...);
  return l;
}

struct Ipv6RoutingLayer : Patchable<Ipv6RoutingLayer> {
  std::uint8_t routing_type = 0;
  std::uint8_t segments_left = 0;
  std::vector<std::byte> data;  // after Segments Left; 4 + size a multiple of 8
  std::optional<std::uint8_t> next_header_value;

  Ipv6RoutingLayer next_header(std::uint8_t v) const {
    Ipv6RoutingLayer l = *this;
    l.next_header_value = v;
    return l;
  }
  Ipv6RoutingLayer header_ext_len(std::uint8_t v) const { return with_u8(1, v); }
  // RFC 8200 8.1: the final destination, for type 0 with Segments Left > 0.
  std::optional<wire::Ipv6Address> final_destination() const;
};
Ipv6RoutingLayer routing(std::uint8_t routing_type, std::uint8_t segments_left, ByteArg data);
// RH0 (RFC 2460, deprecated by RFC 5095): 4 reserved bytes, then the addresses.
Ipv6RoutingLayer routing_type0(std::uint8_t segments_left, const std::vector<wire::Ipv6Address>& addresses);

struct Ipv6FragmentLayer : Patchable<Ipv6FragmentLayer> {
  wire::Ipv6FragmentHeaderRepr repr;
  std::optional<std::uint8_t> next_header_value;

  Ipv6FragmentLayer next_header(std::uint8_t v) const {
    Ipv6FragmentLayer l = *this;
    l.next_header_value = v;
    return l;
  }
  Ipv6FragmentLayer reserved(std::uint8_t v) const {
    Ipv6FragmentLayer l = *this;
    l.repr.reserved = v;
    return l;
  }
  Ipv6FragmentLayer reserved_bits(std::uint8_t v) const {
    Ipv6FragmentLayer l = *this;
    l.repr.reserved_bits = v;
    return l;
  }
};
// offset in 8-byte units, as on the wire and in Scapy's IPv6ExtHdrFragment.
Ipv6FragmentLayer frag(std::uint16_t offset_units, bool more_fragments, std::uint32_t identification);

// ---- Transport ---------------------------------------------------------------------

// A Length below the bytes present makes a datagram with trailing bytes: its
// checksum covers the first `length` bytes with that length in the
// pseudo-header, as a receiver that trims it computes (UDP-1). A Length
// above them: the checksum covers the bytes present, as Scapy's.
struct UdpLayer : Checksummed<UdpLayer> {
  wire::UdpRepr repr;
  std::optional<std::uint16_t> length_value;

  UdpLayer length(std::uint16_t v) const {
    UdpLayer l = *this;
    l.length_value = v;
    return l;
  }
};
UdpLayer udp(std::uint16_t src_port, std::uint16_t dst_port);

// Scapy's flag letters: F S R P A U E C (and N, the reserved bit RFC 3540 used).
wire::TcpFlags tcp_flags(std::string_view letters);

// The control bits by name: tcp(1, 2).flags(flag::syn | flag::ack), and the matcher flags(flag::rst).
namespace flag {
inline constexpr wire::TcpFlag fin = wire::TcpFlag::fin;
inline constexpr wire::TcpFlag syn = wire::TcpFlag::syn;
inline constexpr wire::TcpFlag rst = wire::TcpFlag::rst;
inline constexpr wire::TcpFlag psh = wire::TcpFlag::psh;
inline constexpr wire::TcpFlag ack = wire::TcpFlag::ack;
inline constexpr wire::TcpFlag urg = wire::TcpFlag::urg;
inline constexpr wire::TcpFlag ece = wire::TcpFlag::ece;
inline constexpr wire::TcpFlag cwr = wire::TcpFlag::cwr;
}  // namespace flag

struct TcpLayer : Checksummed<TcpLayer> {
  wire::TcpRepr repr;
  std::optional<std::vector<std::byte>> raw_option_area;  // instead of repr.options

  TcpLayer flags(wire::TcpFlags f) const {
    return edit([&](auto& r) { r.flags = f; });
  }
  TcpLayer flags(std::string_view letters) const { return flags(tcp_flags(letters)); }
  TcpLayer flags(const char* letters) const { return flags(tcp_flags(letters)); }
  TcpLayer seq(std::uint32_t v) const {
    return edit([&](auto& r) { r.seq = wire::SeqNum(v); });
  }
  TcpLayer ack(std::uint32_t v) const {
    return edit([&](auto& r) { r.ack = wire::SeqNum(v); });
  }
  TcpLayer window(std::uint16_t v) const {
    return edit([&](auto& r) { r.window = v; });
  }
  TcpLayer urgent_pointer(std::uint16_t v) const {
    return edit([&](auto& r) { r.urgent_pointer = v; });
  }
  // Options, laid out as Linux's tcp_options_write() does (tcp_options.hpp).
  TcpLayer mss(std::uint16_t v) const {
    return edit([&](auto& r) { r.options.maximum_segment_size = v; });
  }
  TcpLayer window_scale(std::uint8_t shift) const {
    return edit([&](auto& r) { r.options.window_scale = wire::TcpWindowScale{shift}; });
  }
  TcpLayer sack_permitted() const {
    return edit([&](auto& r) { r.options.sack_permitted = true; });
  }
  TcpLayer timestamps(std::uint32_t tsval, std::uint32_t tsecr) const {
    return edit([&](auto& r) { r.options.timestamps = wire::TcpTimestamps{tsval, tsecr}; });
  }
  TcpLayer sack(std::initializer_list<wire::TcpSackBlock> blocks) const;
  TcpLayer option(std::uint8_t kind, ByteArg data) const;
  // The option area as given, zero-padded (EOL) to 4 bytes; data offset follows.
  TcpLayer raw_options(ByteArg area) const {
    TcpLayer l = *this;
    l.raw_option_area = std::move(area.bytes);
    return l;
  }
  TcpLayer data_offset(std::uint8_t words) const {
    return with_u8(12, static_cast<std::uint8_t>(words << 4), 0xf0);
  }

 private:
  template <typename F>
  TcpLayer edit(F f) const {
    TcpLayer l = *this;
    f(l.repr);
    return l;
  }
};
TcpLayer tcp(std::uint16_t src_port, std::uint16_t dst_port);

// ---- Packets ----------------------------------------------------------------------------

using Layer = std::variant<EthLayer, ArpLayer, Ipv4Layer, Ipv6Layer, Ipv6OptionsLayer, Ipv6RoutingLayer,
                           Ipv6FragmentLayer, UdpLayer, TcpLayer, Icmpv4Layer, Icmpv6Layer, Payload, Padding>;

class Packet {
 public:
  Packet() = default;
  template <typename L>
  requires std::is_constructible_v<Layer, L> Packet(
      L layer) {  // NOLINT(google-explicit-constructor): a layer is a one-layer packet
    layers_.emplace_back(std::move(layer));
  }

  // The frame: every layer emitted, outermost first.
  std::vector<std::byte> build() const;
  operator std::vector<std::byte>() const { return build(); }  // NOLINT(google-explicit-constructor)
  // Ethernet when the first layer is eth(), else raw IP.
  net::LinkType link_type() const;

  const std::vector<Layer>& layers() const { return layers_; }
  Packet& append(const Packet& inner) {
    layers_.insert(layers_.end(), inner.layers_.begin(), inner.layers_.end());
    return *this;
  }

 private:
  std::vector<Layer> layers_;
};

// Scapy's raw(): the bytes of a packet or of a single layer.
inline std::vector<std::byte> raw(const Packet& p) { return p.build(); }

template <typename T>
concept PacketPart = std::is_constructible_v<Layer, T> || std::is_same_v<T, Packet>;

// Stacks `inner` on `outer`: Scapy's `/`.
template <PacketPart A, PacketPart B>
Packet operator/(A outer, B inner) {
  Packet p(std::move(outer));
  p.append(Packet(std::move(inner)));
  return p;
}

// ---- Fragmentation ------------------------------------------------------------------------

// Splits a datagram into fragments whose data (the fragmentable part) takes
// `sizes` bytes each, in order, and one more fragment for what is left. Every
// size but the last fragment's must be a multiple of 8 (use frag() or
// ipv4(...).fragment_offset() by hand for a datagram that breaks the rule).
// A packet that starts with eth() keeps its Ethernet header on every fragment.
//
// IPv4 (RFC 791 3.2): each fragment has the header with the offset and MF
// set, the first all options, the others only the copied ones (V4-OPT-7).
// A datagram that is already a fragment is split further (offsets add up,
// the last keeps its MF).
std::vector<std::vector<std::byte>> fragment_ipv4(const Packet& packet,
                                                  const std::vector<std::size_t>& sizes);
std::vector<std::vector<std::byte>> fragment_ipv4(std::span<const std::byte> datagram,
                                                  const std::vector<std::size_t>& sizes);
// IPv6 (RFC 8200 4.5): the unfragmentable part (the IPv6 header, Hop-by-Hop,
// a Routing header and the Destination Options before it) is copied into
// every fragment, followed by a Fragment header with `identification`.
std::vector<std::vector<std::byte>> fragment_ipv6(const Packet& packet, const std::vector<std::size_t>& sizes,
                                                  std::uint32_t identification);
std::vector<std::vector<std::byte>> fragment_ipv6(std::span<const std::byte> datagram,
                                                  const std::vector<std::size_t>& sizes,
                                                  std::uint32_t identification);

}  // namespace hardstack::harness

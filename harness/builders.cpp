#include "builders.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "builders_internal.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "hardstack/wire/overloaded.hpp"

namespace hardstack::harness {

namespace detail {

void builder_failure(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::fputs("hardstack::harness builders: ", stderr);
  std::vfprintf(stderr, format, args);
  std::fputc('\n', stderr);
  va_end(args);
  std::abort();
}

std::size_t emitted(const wire::EmitResult& r, const char* what) {
  if (!r) builder_failure("%s: the wire layer cannot emit it (%s)", what, wire::to_string(r.error()));
  return *r;
}

}  // namespace detail

using detail::builder_failure;
using detail::emitted;

// ---- Arguments -------------------------------------------------------------------

wire::MacAddress mac(std::string_view text) {
  const auto a = wire::MacAddress::from_string(text);
  if (!a) builder_failure("bad MAC address \"%.*s\"", static_cast<int>(text.size()), text.data());
  return *a;
}
wire::Ipv4Address ip4(std::string_view text) {
  const auto a = wire::Ipv4Address::from_string(text);
  if (!a) builder_failure("bad IPv4 address \"%.*s\"", static_cast<int>(text.size()), text.data());
  return *a;
}
wire::Ipv6Address ip6(std::string_view text) {
  const auto a = wire::Ipv6Address::from_string(text);
  if (!a) builder_failure("bad IPv6 address \"%.*s\"", static_cast<int>(text.size()), text.data());
  return *a;
}

ByteArg::ByteArg(const Packet& p) : bytes(p.build()) {}
ByteArg::ByteArg(std::string_view text) {
  bytes.reserve(text.size());
  for (const char c : text) bytes.push_back(static_cast<std::byte>(c));
}

// ---- Layer constructors ---------------------------------------------------------------

EthLayer eth(MacArg src, MacArg dst) {
  EthLayer l;
  l.repr.source = src.value;
  l.repr.destination = dst.value;
  return l;
}

ArpLayer arp_request(MacArg sender_mac, Ipv4Arg sender_ip, Ipv4Arg target_ip) {
  ArpLayer l;
  l.repr = {wire::ArpOperation::request, sender_mac.value, sender_ip.value, wire::MacAddress{},
            target_ip.value};
  return l;
}

ArpLayer arp_reply(MacArg sender_mac, Ipv4Arg sender_ip, MacArg target_mac, Ipv4Arg target_ip) {
  ArpLayer l;
  l.repr = {wire::ArpOperation::reply, sender_mac.value, sender_ip.value, target_mac.value, target_ip.value};
  return l;
}

namespace {
wire::Ipv4Option checked(Result<wire::Ipv4Option, wire::WireError> r, const char* what) {
  if (!r) builder_failure("%s: %s", what, wire::to_string(r.error()));
  return *r;
}
}  // namespace

wire::Ipv4Option ipv4_nop() { return wire::Ipv4Option::no_operation(); }
wire::Ipv4Option record_route(const std::vector<wire::Ipv4Address>& slots, std::uint8_t pointer) {
  return checked(wire::Ipv4Option::route(wire::Ipv4OptionKind::record_route, pointer, slots),
                 "record_route()");
}
wire::Ipv4Option record_route(std::size_t empty_slots, std::uint8_t pointer) {
  return record_route(std::vector<wire::Ipv4Address>(empty_slots), pointer);
}
wire::Ipv4Option loose_source_route(const std::vector<wire::Ipv4Address>& slots, std::uint8_t pointer) {
  return checked(wire::Ipv4Option::route(wire::Ipv4OptionKind::loose_source_route, pointer, slots),
                 "loose_source_route()");
}
wire::Ipv4Option strict_source_route(const std::vector<wire::Ipv4Address>& slots, std::uint8_t pointer) {
  return checked(wire::Ipv4Option::route(wire::Ipv4OptionKind::strict_source_route, pointer, slots),
                 "strict_source_route()");
}
wire::Ipv4Option ipv4_timestamp(wire::Ipv4TimestampFlag flag,
                                const std::vector<wire::Ipv4TimestampEntry>& entries, std::uint8_t pointer,
                                std::uint8_t overflow) {
  return checked(wire::Ipv4Option::timestamp(flag, pointer, overflow, entries), "ipv4_timestamp()");
}
wire::Ipv4Option ipv4_option(std::uint8_t type, ByteArg data) {
  return checked(wire::Ipv4Option::raw(type, data.bytes), "ipv4_option()");
}

void Ipv4Layer::add_option(const Ipv4OptionArg& o) {
  if (!repr.options.push_back(o.option))
    builder_failure("ipv4().options(): over the 40 bytes a header holds (use raw_options())");
}

Ipv4Layer ipv4(Ipv4Arg src, Ipv4Arg dst) {
  Ipv4Layer l;
  l.repr.src = src.value;
  l.repr.dst = dst.value;
  return l;
}

Ipv6Layer ipv6(Ipv6Arg src, Ipv6Arg dst) {
  Ipv6Layer l;
  l.repr.src = src.value;
  l.repr.dst = dst.value;
  return l;
}

TlvOption::TlvOption(RouterAlert ra)
    : type(static_cast<std::uint8_t>(wire::Ipv6OptionType::router_alert)),
      data{std::byte(ra.value >> 8), std::byte(ra.value & 0xff)} {}

TlvOption pad1() { return {static_cast<std::uint8_t>(wire::Ipv6OptionType::pad1), {}}; }
TlvOption padn(std::size_t total_len) {
  if (total_len < 2) builder_failure("padn(%zu): PadN is 2 bytes or more (pad1() for one)", total_len);
  return {static_cast<std::uint8_t>(wire::Ipv6OptionType::padn), std::vector<std::byte>(total_len - 2)};
}
TlvOption jumbo_payload(std::uint32_t length) {
  return {static_cast<std::uint8_t>(wire::Ipv6OptionType::jumbo_payload),
          {std::byte(length >> 24), std::byte((length >> 16) & 0xff), std::byte((length >> 8) & 0xff),
           std::byte(length & 0xff)}};
}
TlvOption tlv(std::uint8_t type, ByteArg data) { return {type, std::move(data.bytes)}; }

std::optional<wire::Ipv6Address> Ipv6RoutingLayer::final_destination() const {
  constexpr std::size_t reserved = 4;
  if (routing_type != 0 || segments_left == 0 || data.size() < reserved + 16) return std::nullopt;
  const std::size_t count = (data.size() - reserved) / 16;
  return wire::Ipv6Address::load(data, reserved + (count - 1) * 16);
}

Ipv6RoutingLayer routing(std::uint8_t routing_type, std::uint8_t segments_left, ByteArg data) {
  Ipv6RoutingLayer l;
  l.routing_type = routing_type;
  l.segments_left = segments_left;
  l.data = std::move(data.bytes);
  return l;
}

Ipv6RoutingLayer routing_type0(std::uint8_t segments_left, const std::vector<wire::Ipv6Address>& addresses) {
  std::vector<std::byte> data(4);  // RFC 2460 4.4: reserved
  for (const auto& a : addresses)
    for (const auto o : a.octets) data.push_back(std::byte{o});
  return routing(0, segments_left, std::move(data));
}

Ipv6FragmentLayer frag(std::uint16_t offset_units, bool more_fragments, std::uint32_t identification) {
  Ipv6FragmentLayer l;
  l.repr.fragment_offset = offset_units;
  l.repr.more_fragments = more_fragments;
  l.repr.identification = identification;
  return l;
}

UdpLayer udp(std::uint16_t src_port, std::uint16_t dst_port) {
  UdpLayer l;
  l.repr.src_port = src_port;
  l.repr.dst_port = dst_port;
  return l;
}

wire::TcpFlags tcp_flags(std::string_view letters) {
  wire::TcpFlags f;
  for (const char c : letters) {
    switch (c) {
      case 'F': f |= wire::TcpFlag::fin; break;
      case 'S': f |= wire::TcpFlag::syn; break;
      case 'R': f |= wire::TcpFlag::rst; break;
      case 'P': f |= wire::TcpFlag::psh; break;
      case 'A': f |= wire::TcpFlag::ack; break;
      case 'U': f |= wire::TcpFlag::urg; break;
      case 'E': f |= wire::TcpFlag::ece; break;
      case 'C': f |= wire::TcpFlag::cwr; break;
      case 'N': f |= wire::TcpFlags::from_bits(0x100); break;
      default:
        builder_failure("tcp flags \"%.*s\": '%c' is none of FSRPAUECN", static_cast<int>(letters.size()),
                        letters.data(), c);
    }
  }
  return f;
}

TcpLayer TcpLayer::sack(std::initializer_list<wire::TcpSackBlock> blocks) const {
  TcpLayer l = *this;
  l.repr.options.sack_blocks.clear();
  for (const auto& b : blocks)
    if (!l.repr.options.sack_blocks.push_back(b)) builder_failure("tcp().sack(): more than 4 blocks");
  return l;
}

TcpLayer TcpLayer::option(std::uint8_t kind, ByteArg data) const {
  TcpLayer l = *this;
  if (!l.repr.options.unknown.push_back(kind, data.bytes))
    builder_failure("tcp().option(%u): over the 40 bytes of an option area", kind);
  return l;
}

TcpLayer tcp(std::uint16_t src_port, std::uint16_t dst_port) {
  TcpLayer l;
  l.repr.src_port = src_port;
  l.repr.dst_port = dst_port;
  l.repr.window = 65535;
  return l;
}

namespace {
template <typename Message>
Icmpv4Layer icmpv4_layer(Message m, ByteArg data) {
  Icmpv4Layer l;
  l.message = std::move(m);
  l.data = std::move(data.bytes);
  return l;
}
template <typename Message>
Icmpv6Layer icmpv6_layer(Message m, ByteArg data) {
  Icmpv6Layer l;
  l.message = std::move(m);
  l.data = std::move(data.bytes);
  return l;
}
// A type the wire layer gives no kind of its own: what raw messages are
// emitted as before their type byte is written over (the checksum follows).
constexpr std::uint8_t kindless_type = 255;
}  // namespace

Icmpv4Layer icmp_echo_request(std::uint16_t identifier, std::uint16_t sequence, ByteArg data) {
  return icmpv4_layer(wire::Icmpv4EchoRequest{identifier, sequence, {}}, std::move(data));
}
Icmpv4Layer icmp_echo_reply(std::uint16_t identifier, std::uint16_t sequence, ByteArg data) {
  return icmpv4_layer(wire::Icmpv4EchoReply{identifier, sequence, {}}, std::move(data));
}
Icmpv4Layer icmp_dest_unreachable(std::uint8_t code, ByteArg quote) {
  return icmpv4_layer(
      wire::Icmpv4DestinationUnreachable{static_cast<wire::Icmpv4UnreachableCode>(code), 0, {}},
      std::move(quote));
}
Icmpv4Layer icmp_time_exceeded(std::uint8_t code, ByteArg quote) {
  return icmpv4_layer(wire::Icmpv4TimeExceeded{static_cast<wire::Icmpv4TimeExceededCode>(code), {}},
                      std::move(quote));
}
Icmpv4Layer icmp_param_problem(std::uint8_t pointer, ByteArg quote) {
  return icmpv4_layer(
      wire::Icmpv4ParameterProblem{wire::Icmpv4ParameterProblemCode::pointer_indicates_error, pointer, {}},
      std::move(quote));
}
Icmpv4Layer icmp_redirect(std::uint8_t code, Ipv4Arg gateway, ByteArg quote) {
  return icmpv4_layer(wire::Icmpv4Redirect{static_cast<wire::Icmpv4RedirectCode>(code), gateway.value, {}},
                      std::move(quote));
}
Icmpv4Layer icmp_raw(std::uint8_t type, std::uint8_t code, std::uint32_t rest_of_header, ByteArg data) {
  const bool has_kind = wire::icmpv4_type_has_kind(type);
  auto l = icmpv4_layer(wire::Icmpv4Other{has_kind ? kindless_type : type, code, rest_of_header, {}},
                        std::move(data));
  return has_kind ? l.type(type) : l;
}

Icmpv6Layer icmpv6_echo_request(std::uint16_t identifier, std::uint16_t sequence, ByteArg data) {
  return icmpv6_layer(wire::Icmpv6EchoRequest{identifier, sequence, {}}, std::move(data));
}
Icmpv6Layer icmpv6_echo_reply(std::uint16_t identifier, std::uint16_t sequence, ByteArg data) {
  return icmpv6_layer(wire::Icmpv6EchoReply{identifier, sequence, {}}, std::move(data));
}
Icmpv6Layer icmpv6_dest_unreachable(std::uint8_t code, ByteArg quote) {
  return icmpv6_layer(wire::Icmpv6DestinationUnreachable{static_cast<wire::Icmpv6UnreachableCode>(code), {}},
                      std::move(quote));
}
Icmpv6Layer icmpv6_packet_too_big(std::uint32_t mtu, ByteArg quote) {
  return icmpv6_layer(wire::Icmpv6PacketTooBig{mtu, {}}, std::move(quote));
}
Icmpv6Layer icmpv6_time_exceeded(std::uint8_t code, ByteArg quote) {
  return icmpv6_layer(wire::Icmpv6TimeExceeded{static_cast<wire::Icmpv6TimeExceededCode>(code), {}},
                      std::move(quote));
}
Icmpv6Layer icmpv6_param_problem(std::uint8_t code, std::uint32_t pointer, ByteArg quote) {
  return icmpv6_layer(
      wire::Icmpv6ParameterProblem{static_cast<wire::Icmpv6ParameterProblemCode>(code), pointer, {}},
      std::move(quote));
}
Icmpv6Layer icmpv6_raw(std::uint8_t type, std::uint8_t code, ByteArg body) {
  const bool has_kind = wire::icmpv6_type_has_kind(type);
  auto l = icmpv6_layer(wire::Icmpv6Other{has_kind ? kindless_type : type, code, {}}, std::move(body));
  return has_kind ? l.type(type) : l;
}
Icmpv6Layer nd_rs() { return icmpv6_layer(wire::NdRouterSolicitation{}, {}); }
Icmpv6Layer nd_ra() { return icmpv6_layer(wire::NdRouterAdvertisement{}, {}); }
Icmpv6Layer nd_ns(Ipv6Arg target) { return icmpv6_layer(wire::NdNeighborSolicitation{target.value, {}}, {}); }
Icmpv6Layer nd_na(Ipv6Arg target) {
  return icmpv6_layer(wire::NdNeighborAdvertisement{false, false, false, target.value, {}}, {});
}
Icmpv6Layer nd_redirect(Ipv6Arg target, Ipv6Arg destination) {
  return icmpv6_layer(wire::NdRedirect{target.value, destination.value, {}}, {});
}

NdRawOption nd_option(std::uint8_t type, ByteArg data) { return {type, std::move(data.bytes)}; }

namespace {
template <typename Message, typename F>
Icmpv6Layer edit_nd(const Icmpv6Layer& layer, const char* what, F f) {
  Icmpv6Layer l = layer;
  auto* m = std::get_if<Message>(&l.message);
  if (m == nullptr) builder_failure("%s applies to another ND message", what);
  f(*m);
  return l;
}
}  // namespace

Icmpv6Layer Icmpv6Layer::router(bool v) const {
  return edit_nd<wire::NdNeighborAdvertisement>(*this, "router()", [&](auto& m) { m.router = v; });
}
Icmpv6Layer Icmpv6Layer::solicited(bool v) const {
  return edit_nd<wire::NdNeighborAdvertisement>(*this, "solicited()", [&](auto& m) { m.solicited = v; });
}
Icmpv6Layer Icmpv6Layer::override_flag(bool v) const {
  return edit_nd<wire::NdNeighborAdvertisement>(*this, "override_flag()",
                                                [&](auto& m) { m.override_flag = v; });
}
Icmpv6Layer Icmpv6Layer::cur_hop_limit(std::uint8_t v) const {
  return edit_nd<wire::NdRouterAdvertisement>(*this, "cur_hop_limit()",
                                              [&](auto& m) { m.cur_hop_limit = v; });
}
Icmpv6Layer Icmpv6Layer::managed(bool v) const {
  return edit_nd<wire::NdRouterAdvertisement>(*this, "managed()",
                                              [&](auto& m) { m.managed_address_configuration = v; });
}
Icmpv6Layer Icmpv6Layer::other_configuration(bool v) const {
  return edit_nd<wire::NdRouterAdvertisement>(*this, "other_configuration()",
                                              [&](auto& m) { m.other_configuration = v; });
}
Icmpv6Layer Icmpv6Layer::router_lifetime(std::uint16_t seconds) const {
  return edit_nd<wire::NdRouterAdvertisement>(*this, "router_lifetime()",
                                              [&](auto& m) { m.router_lifetime = seconds; });
}
Icmpv6Layer Icmpv6Layer::reachable_time(std::uint32_t ms) const {
  return edit_nd<wire::NdRouterAdvertisement>(*this, "reachable_time()",
                                              [&](auto& m) { m.reachable_time = ms; });
}
Icmpv6Layer Icmpv6Layer::retrans_timer(std::uint32_t ms) const {
  return edit_nd<wire::NdRouterAdvertisement>(*this, "retrans_timer()",
                                              [&](auto& m) { m.retrans_timer = ms; });
}

Payload payload(ByteArg bytes) { return {std::move(bytes.bytes)}; }
Payload payload(std::size_t count, std::uint8_t fill) {
  return {std::vector<std::byte>(count, std::byte{fill})};
}
Padding padding(std::size_t count, std::uint8_t fill) {
  return {std::vector<std::byte>(count, std::byte{fill})};
}
Padding padding(ByteArg bytes) { return {std::move(bytes.bytes)}; }

net::LinkType Packet::link_type() const {
  return !layers_.empty() && std::holds_alternative<EthLayer>(layers_.front()) ? net::LinkType::ethernet
                                                                               : net::LinkType::raw_ip;
}

}  // namespace hardstack::harness

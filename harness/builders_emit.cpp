// Packet::build(): the layers are emitted innermost first, so each one knows
// the bytes it carries (for its lengths and checksum) and which layer comes
// next (for its EtherType, Protocol or Next Header).
#include <algorithm>

#include "builders.hpp"
#include "builders_internal.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "hardstack/wire/overloaded.hpp"

namespace hardstack::harness {

using detail::builder_failure;
using detail::emitted;
using wire::Bytes;

namespace {

constexpr std::uint16_t ethertype_unknown = 0x9000;  // Scapy's default (Ethernet loopback)
constexpr std::uint8_t no_next_header = 59;          // RFC 8200 4.7

// What the enclosing layer writes in its EtherType / Protocol / Next Header
// field for this layer.
struct Identity {
  std::optional<std::uint16_t> ethertype;
  std::optional<std::uint8_t> protocol;
};

Identity identity(const Layer& layer) {
  return std::visit(wire::Overloaded{
                        [](const EthLayer&) { return Identity{}; },
                        [](const ArpLayer&) {
                          return Identity{0x0806, {}};
                        },
                        [](const Ipv4Layer&) {
                          return Identity{0x0800, 4};
                        },
                        [](const Ipv6Layer&) {
                          return Identity{0x86dd, 41};
                        },
                        [](const Ipv6OptionsLayer& h) {
                          return Identity{{}, static_cast<std::uint8_t>(h.hop_by_hop ? 0 : 60)};
                        },
                        [](const Ipv6RoutingLayer&) {
                          return Identity{{}, 43};
                        },
                        [](const Ipv6FragmentLayer&) {
                          return Identity{{}, 44};
                        },
                        [](const UdpLayer&) {
                          return Identity{{}, wire::ip_protocol_udp};
                        },
                        [](const TcpLayer&) {
                          return Identity{{}, wire::ip_protocol_tcp};
                        },
                        [](const Icmpv4Layer&) {
                          return Identity{{}, 1};
                        },
                        [](const Icmpv6Layer&) {
                          return Identity{{}, wire::icmpv6_field::next_header};
                        },
                        [](const Payload& p) {
                          // An IP datagram given as bytes (a fragment): by its version nibble.
                          if (p.bytes.empty()) return Identity{};
                          const auto version = static_cast<unsigned>(p.bytes[0]) >> 4;
                          if (version == 4) return Identity{0x0800, {}};
                          if (version == 6) return Identity{0x86dd, {}};
                          return Identity{};
                        },
                        [](const Padding&) { return Identity{}; },
                    },
                    layer);
}

struct Context {
  std::optional<wire::PseudoHeader> pseudo;  // of the nearest IP layer before
  Identity next;                             // of the layer after
};

std::vector<std::byte> concat(Bytes head, Bytes tail) {
  std::vector<std::byte> out(head.begin(), head.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

void apply_patches(std::vector<std::byte>& bytes, const std::vector<Patch>& patches, const char* what) {
  for (const auto& p : patches) {
    if (p.offset > bytes.size() || p.bytes.size() > bytes.size() - p.offset)
      builder_failure("%s.patch(%zu, %zu bytes): past the layer's %zu bytes", what, p.offset, p.bytes.size(),
                      bytes.size());
    const auto mask = std::byte{p.mask};
    for (std::size_t i = 0; i < p.bytes.size(); ++i)
      bytes[p.offset + i] = (bytes[p.offset + i] & ~mask) | (p.bytes[i] & mask);
  }
}

// Writes the checksum at `field`, over bytes [0, end) and `seed` (the
// pseudo-header), then applies the override. `bad` flips the low bit, which
// moves the sum off 0xffff; where that gives 0 (UDP's "no checksum") it
// flips the next bit instead.
void finish_checksum(std::vector<std::byte>& bytes, std::size_t field, std::size_t end,
                     wire::ChecksumAccumulator seed, const ChecksumOverride& o, bool zero_means_none) {
  wire::store_be16(bytes, field, 0);
  seed.add(Bytes(bytes).first(std::min(end, bytes.size())));
  std::uint16_t c = seed.checksum();
  if (zero_means_none && c == 0) c = 0xffff;  // RFC 768: a computed 0 is sent as all ones
  if (o.value) {
    c = *o.value;
  } else if (o.bad) {
    const auto flipped = static_cast<std::uint16_t>(c ^ 1);
    c = flipped != 0 ? flipped : static_cast<std::uint16_t>(c ^ 2);
  }
  wire::store_be16(bytes, field, c);
}

std::uint8_t next_protocol(const std::optional<std::uint8_t>& given, const Context& c) {
  return given.value_or(c.next.protocol.value_or(no_next_header));
}

// ---- One function per layer: its bytes followed by `inner` ------------------------------

std::vector<std::byte> emit_layer(const EthLayer& l, Bytes inner, const Context& c) {
  wire::EthernetRepr r = l.repr;
  r.ethertype =
      static_cast<wire::EtherType>(l.ethertype.value_or(c.next.ethertype.value_or(ethertype_unknown)));
  std::vector<std::byte> out(r.header_len() + inner.size());
  emitted(r.emit(out, inner), "eth()");
  apply_patches(out, l.patches(), "eth()");
  return out;
}

std::vector<std::byte> emit_layer(const ArpLayer& l, Bytes inner, const Context&) {
  std::vector<std::byte> out(wire::ArpRepr::packet_len());
  emitted(l.repr.emit(out), "arp()");
  out = concat(out, inner);
  apply_patches(out, l.patches(), "arp()");
  return out;
}

std::vector<std::byte> emit_layer(const Ipv4Layer& l, Bytes inner, const Context& c) {
  wire::Ipv4Repr r = l.repr;
  r.protocol = l.protocol_value.value_or(c.next.protocol.value_or(0));  // Scapy's default: 0
  std::vector<std::byte> area;
  if (l.raw_option_area) {
    r.options = {};
    area = *l.raw_option_area;
    area.resize((area.size() + 3) / 4 * 4);  // zeros: EOL
    if (area.size() > wire::ipv4_option_field::max_area_len)
      builder_failure("ipv4().raw_options(): %zu bytes, over the 40 an IHL describes", area.size());
  }
  const std::size_t header_len = r.header_len() + area.size();
  if (header_len + inner.size() > wire::ipv4_field::max_total_len)
    builder_failure("ipv4(): %zu bytes, over a Total Length", header_len + inner.size());
  // The raw area goes out as the start of the payload, then IHL is moved past it.
  r.payload_len = static_cast<std::uint16_t>(area.size() + inner.size());
  std::vector<std::byte> out(header_len + inner.size());
  emitted(r.emit_header(out), "ipv4()");
  std::copy(area.begin(), area.end(), out.begin() + static_cast<std::ptrdiff_t>(r.header_len()));
  std::copy(inner.begin(), inner.end(), out.begin() + static_cast<std::ptrdiff_t>(header_len));
  wire::store_u8(out, 0, static_cast<std::uint8_t>(wire::ipv4_field::version << 4 | header_len / 4));
  apply_patches(out, l.patches(), "ipv4()");
  finish_checksum(out, wire::ipv4_field::checksum.begin, header_len, {}, l.checksum_override(), false);
  return out;
}

std::vector<std::byte> emit_layer(const Ipv6Layer& l, Bytes inner, const Context& c) {
  wire::Ipv6Repr r = l.repr;
  r.next_header = static_cast<wire::Ipv6NextHeader>(next_protocol(l.next_header_value, c));
  // Above 65535 the length travels in a Jumbo Payload option (RFC 2675): 0 here.
  r.payload_len = l.payload_length_value.value_or(
      inner.size() <= wire::ipv6_field::max_payload_len ? static_cast<std::uint16_t>(inner.size()) : 0);
  std::vector<std::byte> out(wire::ipv6_field::header_len + inner.size());
  emitted(r.emit(out, inner), "ipv6()");
  apply_patches(out, l.patches(), "ipv6()");
  return out;
}

std::vector<std::byte> emit_layer(const Ipv6OptionsLayer& l, Bytes inner, const Context& c) {
  const char* what = l.hop_by_hop ? "hop_by_hop()" : "destination_options()";
  const std::uint8_t nh = next_protocol(l.next_header_value, c);
  const bool exact = std::any_of(l.options.begin(), l.options.end(), [](const TlvOption& o) {
    return o.type == static_cast<std::uint8_t>(wire::Ipv6OptionType::pad1) ||
           o.type == static_cast<std::uint8_t>(wire::Ipv6OptionType::padn);
  });
  std::vector<std::byte> header{std::byte{nh}, std::byte{0}};
  if (l.raw_area || exact) {
    if (l.raw_area) {
      header.insert(header.end(), l.raw_area->begin(), l.raw_area->end());
      header.resize((header.size() + 7) / 8 * 8);  // zeros: Pad1s
    } else {
      for (const auto& o : l.options) {
        header.push_back(std::byte{o.type});
        if (o.type == static_cast<std::uint8_t>(wire::Ipv6OptionType::pad1)) continue;
        if (o.data.size() > 0xff)
          builder_failure("%s: option data of %zu bytes, over 255", what, o.data.size());
        header.push_back(std::byte(o.data.size()));
        header.insert(header.end(), o.data.begin(), o.data.end());
      }
      // RFC 8200 4.2: padding to a multiple of 8, Pad1 for one byte, PadN above.
      const std::size_t pad = (8 - header.size() % 8) % 8;
      if (pad == 1) header.push_back(std::byte{0});
      if (pad >= 2) {
        header.push_back(std::byte{1});
        header.push_back(std::byte(pad - 2));
        header.resize(header.size() + pad - 2);
      }
    }
    if (header.size() > wire::ipv6_ext_field::max_header_len)
      builder_failure("%s: %zu bytes, over 2048", what, header.size());
    header[1] = std::byte(header.size() / 8 - 1);
  } else {
    wire::Ipv6OptionsHeaderRepr h;
    h.next_header = static_cast<wire::Ipv6NextHeader>(nh);
    for (const auto& o : l.options)
      if (!h.options.push_back({static_cast<wire::Ipv6OptionType>(o.type), o.data}))
        builder_failure("%s: more than %zu options (use raw_options())", what, wire::ipv6_repr_max_options);
    header.resize(h.header_len(l.hop_by_hop));
    emitted(h.emit(header, l.hop_by_hop), what);
  }
  auto out = concat(header, inner);
  apply_patches(out, l.patches(), what);
  return out;
}

std::vector<std::byte> emit_layer(const Ipv6RoutingLayer& l, Bytes inner, const Context& c) {
  const wire::Ipv6RoutingHeaderRepr r{
      static_cast<wire::Ipv6NextHeader>(next_protocol(l.next_header_value, c)),
      static_cast<wire::Ipv6RoutingType>(l.routing_type), l.segments_left, l.data};
  std::vector<std::byte> header(r.header_len());
  emitted(r.emit(header), "routing()");
  auto out = concat(header, inner);
  apply_patches(out, l.patches(), "routing()");
  return out;
}

std::vector<std::byte> emit_layer(const Ipv6FragmentLayer& l, Bytes inner, const Context& c) {
  wire::Ipv6FragmentHeaderRepr r = l.repr;
  r.next_header = static_cast<wire::Ipv6NextHeader>(next_protocol(l.next_header_value, c));
  std::vector<std::byte> header(r.header_len());
  emitted(r.emit(header), "frag()");
  auto out = concat(header, inner);
  apply_patches(out, l.patches(), "frag()");
  return out;
}

// Without an IP layer before it, a transport checksum covers a pseudo-header of zeros.
wire::PseudoHeader pseudo_or_zero(const Context& c, bool v6) {
  if (c.pseudo) return *c.pseudo;
  return v6 ? wire::PseudoHeader::v6({}, {}) : wire::PseudoHeader::v4({}, {});
}

std::vector<std::byte> emit_layer(const UdpLayer& l, Bytes inner, const Context& c) {
  const auto pseudo = pseudo_or_zero(c, false);
  wire::UdpRepr r = l.repr;
  r.payload_len = inner.size();
  if (r.datagram_len() > wire::udp_field::max_datagram_len)
    builder_failure("udp(): %zu bytes, over a UDP Length", r.datagram_len());
  std::vector<std::byte> out(r.datagram_len());
  emitted(r.emit(out, inner, pseudo), "udp()");
  std::size_t covered = out.size();
  if (l.length_value) {
    wire::store_be16(out, wire::udp_field::length.begin, *l.length_value);
    covered = std::min<std::size_t>(covered, *l.length_value);
  }
  apply_patches(out, l.patches(), "udp()");
  finish_checksum(out, wire::udp_field::checksum.begin, covered,
                  pseudo.start(wire::ip_protocol_udp, static_cast<std::uint32_t>(covered)),
                  l.checksum_override(), true);
  return out;
}

std::vector<std::byte> emit_layer(const TcpLayer& l, Bytes inner, const Context& c) {
  const auto pseudo = pseudo_or_zero(c, false);
  wire::TcpRepr r = l.repr;
  r.payload_len = inner.size();
  if (l.raw_option_area) r.options = {};
  const auto header_len = r.header_len();
  if (!header_len)
    builder_failure("tcp(): the options do not fit 40 bytes (%s)", wire::to_string(header_len.error()));
  std::vector<std::byte> out(*header_len + inner.size());
  emitted(r.emit(out, inner, pseudo), "tcp()");
  if (l.raw_option_area) {
    auto area = *l.raw_option_area;
    area.resize((area.size() + 3) / 4 * 4);  // zeros: EOL
    if (area.size() > wire::tcp_option_len::max_option_space)
      builder_failure("tcp().raw_options(): %zu bytes, over the 40 a data offset describes", area.size());
    out.insert(out.begin() + wire::tcp_field::options_begin, area.begin(), area.end());
    // The data offset nibble; the reserved bits below it stay.
    const std::size_t words = (wire::tcp_field::header_len + area.size()) / 4;
    const std::uint8_t reserved = wire::load_u8(out, wire::tcp_field::data_offset.begin) & 0x0f;
    wire::store_u8(out, wire::tcp_field::data_offset.begin, static_cast<std::uint8_t>(words << 4 | reserved));
  }
  apply_patches(out, l.patches(), "tcp()");
  finish_checksum(out, wire::tcp_field::checksum.begin, out.size(),
                  pseudo.start(wire::ip_protocol_tcp, static_cast<std::uint32_t>(out.size())),
                  l.checksum_override(), false);
  return out;
}

// Points the borrowed bytes of a message at `data`.
template <typename Message>
void attach_data(Message& message, Bytes data) {
  std::visit(
      [&](auto& m) {
        if constexpr (requires { m.data; }) {
          m.data = data;
        } else if constexpr (requires { m.invoking_datagram; }) {
          m.invoking_datagram = data;
        } else if constexpr (requires { m.invoking_packet; }) {
          m.invoking_packet = data;
        } else if constexpr (requires { m.body; }) {
          m.body = data;
        }
      },
      message);
}

std::vector<std::byte> emit_layer(const Icmpv4Layer& l, Bytes inner, const Context&) {
  wire::Icmpv4Repr r{l.message};
  attach_data(r.message, l.data);
  std::vector<std::byte> out(r.buffer_len());
  emitted(r.emit(out), "icmp_*()");
  out = concat(out, inner);
  apply_patches(out, l.patches(), "icmp_*()");
  finish_checksum(out, wire::icmpv4_field::checksum.begin, out.size(), {}, l.checksum_override(), false);
  return out;
}

// ND options in order: those the wire layer emits through it, raw ones as
// type, length in 8-byte units, data and zeros (whatever the type).
std::vector<std::byte> nd_option_bytes(const std::vector<NdOptionSpec>& specs) {
  std::vector<std::byte> out;
  for (const auto& spec : specs) {
    if (const auto* raw = std::get_if<NdRawOption>(&spec)) {
      const std::size_t len = (2 + raw->data.size() + 7) / 8 * 8;
      if (len > wire::nd_option_field::max_len) builder_failure("nd_option(%u): over 2040 bytes", raw->type);
      out.push_back(std::byte{raw->type});
      out.push_back(std::byte(len / 8));
      out.insert(out.end(), raw->data.begin(), raw->data.end());
      out.resize(out.size() + len - 2 - raw->data.size());
      continue;
    }
    const wire::NdOption option = std::visit(
        [](const auto& o) -> wire::NdOption {
          if constexpr (std::is_same_v<std::decay_t<decltype(o)>, NdRawOption>) {
            return wire::NdUnknownOption{};  // handled above
          } else {
            return o;
          }
        },
        spec);
    std::vector<std::byte> bytes(wire::nd_option_len(option));
    emitted(wire::emit_nd_option(option, bytes), "nd option");
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

std::vector<std::byte> emit_layer(const Icmpv6Layer& l, Bytes inner, const Context& c) {
  const auto pseudo = pseudo_or_zero(c, true);
  wire::Icmpv6Repr r{l.message};
  attach_data(r.message, l.data);
  // ND targets and destinations go in after emit, so that messages the wire
  // layer would refuse (a multicast target: RFC 4861 7.1.1) can be built.
  struct Address {
    std::size_t at;
    wire::Ipv6Address value;
  };
  std::vector<Address> addresses;
  std::visit(
      [&](auto& m) {
        if constexpr (requires { m.target; }) {
          addresses.push_back({wire::nd_field::target.begin, m.target});
          m.target = {};
        }
        if constexpr (requires { m.destination; }) {
          addresses.push_back({wire::nd_field::destination.begin, m.destination});
          m.destination = {};
        }
      },
      r.message);
  std::vector<std::byte> out(r.buffer_len());
  emitted(r.emit(out, pseudo), "icmpv6_*()");
  for (const auto& a : addresses) a.value.store(out, a.at);
  if (!l.nd_options.empty() || !l.raw_nd_options.empty()) {
    const bool is_nd = std::visit(
        [](const auto& m) {
          return requires { m.options; };
        },
        r.message);
    if (!is_nd) builder_failure("icmpv6 options(): only ND messages carry options");
    out = concat(out, nd_option_bytes(l.nd_options));
    out = concat(out, l.raw_nd_options);
  }
  out = concat(out, inner);
  apply_patches(out, l.patches(), "icmpv6_*()");
  finish_checksum(out, wire::icmpv6_field::checksum.begin, out.size(),
                  pseudo.start(wire::icmpv6_field::next_header, static_cast<std::uint32_t>(out.size())),
                  l.checksum_override(), false);
  return out;
}

std::vector<std::byte> emit_layer(const Payload& l, Bytes inner, const Context&) {
  return concat(l.bytes, inner);
}

std::vector<std::byte> emit_layer(const Padding&, Bytes, const Context&) {
  builder_failure("padding() goes after every other layer");
}

}  // namespace

std::vector<std::byte> Packet::build() const {
  std::size_t end = layers_.size();
  while (end > 0 && std::holds_alternative<Padding>(layers_[end - 1])) --end;

  // Outermost first: the pseudo-header each layer sees, and what follows it.
  std::vector<Context> context(end);
  std::optional<wire::PseudoHeader> pseudo;
  wire::Ipv6Address v6_src;
  for (std::size_t i = 0; i < end; ++i) {
    context[i].pseudo = pseudo;
    if (i + 1 < end) context[i].next = identity(layers_[i + 1]);
    if (const auto* v4 = std::get_if<Ipv4Layer>(&layers_[i])) {
      pseudo = wire::PseudoHeader::v4(v4->repr.src, v4->repr.dst);
    } else if (const auto* v6 = std::get_if<Ipv6Layer>(&layers_[i])) {
      pseudo = wire::PseudoHeader::v6(v6->repr.src, v6->repr.dst);
      v6_src = v6->repr.src;
    } else if (const auto* rh = std::get_if<Ipv6RoutingLayer>(&layers_[i])) {
      // RFC 8200 8.1: with a Routing header, the final destination.
      if (const auto final_destination = rh->final_destination();
          final_destination && pseudo && pseudo->is_v6())
        pseudo = wire::PseudoHeader::v6(v6_src, *final_destination);
    }
  }

  std::vector<std::byte> bytes;
  for (std::size_t i = end; i > 0; --i)  // innermost first
    bytes = std::visit([&](const auto& l) { return emit_layer(l, bytes, context[i - 1]); }, layers_[i - 1]);
  for (std::size_t i = end; i < layers_.size(); ++i) {
    const auto& pad = std::get<Padding>(layers_[i]).bytes;
    bytes.insert(bytes.end(), pad.begin(), pad.end());
  }
  return bytes;
}

}  // namespace hardstack::harness

#include "decode.hpp"

#include <cstdio>
#include <variant>

#include "builders.hpp"
#include "decode_internal.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "hardstack/wire/ndp.hpp"
#include "hardstack/wire/overloaded.hpp"
#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/udp.hpp"
#include "hex.hpp"

namespace hardstack::harness {

namespace w = hardstack::wire;
using w::Bytes;

// ---- Formats ------------------------------------------------------------------------

namespace format {

std::string number(unsigned long long v) { return std::to_string(v); }

std::string hex16(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

std::string bytes(std::span<const std::byte> b) { return to_hex(b); }

std::string boolean(bool v) { return v ? "true" : "false"; }

std::string tcp_flags(std::uint16_t bits) {
  static constexpr char letters[] = "FSRPAUECN";
  std::string out;
  for (unsigned i = 0; i < 9; ++i)
    if ((bits >> i) & 1u) out.push_back(letters[i]);
  return out;
}

std::string abbreviated(const std::string& value) {
  constexpr std::size_t shown = 64;  // hex digits: 32 bytes
  if (value.size() <= shown + 16) return value;
  const bool is_hex = value.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!is_hex) return value;
  return value.substr(0, shown) + "...(" + std::to_string(value.size() / 2) + " bytes)";
}

}  // namespace format

// ---- Printing -----------------------------------------------------------------------

const DecodedField* DecodedLayer::field(std::string_view n) const {
  for (const auto& f : fields)
    if (f.name == n) return &f;
  return nullptr;
}

std::string DecodedLayer::to_string() const {
  std::string out(2 * depth, ' ');
  out += name + ":";
  for (const auto& f : fields) {
    out += " " + f.name + "=" + format::abbreviated(f.value);
    if (!f.note.empty()) out += " (" + f.note + ")";
  }
  return out;
}

std::string DecodeError::to_string() const { return layer + ": " + w::describe(error); }

const DecodedLayer* DecodedFrame::find(std::string_view n, unsigned depth, std::size_t from) const {
  for (std::size_t i = from; i < layers.size(); ++i)
    if (layers[i].depth == depth && layers[i].name == n) return &layers[i];
  return nullptr;
}

std::string DecodedFrame::to_string(std::string_view indent) const {
  std::string out;
  for (const auto& l : layers) out += std::string(indent) + l.to_string() + "\n";
  if (error) out += std::string(indent) + "error: " + error->to_string() + "\n";
  return out;
}

}  // namespace hardstack::harness

namespace hardstack::harness::detail {

namespace w = hardstack::wire;
using w::Bytes;

// ---- Names for notes ------------------------------------------------------------------

namespace {
const char* ethertype_name(std::uint16_t t) {
  switch (t) {
    case 0x0800: return "IPv4";
    case 0x0806: return "ARP";
    case 0x86dd: return "IPv6";
    case 0x8100: return "802.1Q";
    default: return "";
  }
}
}  // namespace

const char* protocol_name(std::uint8_t p) {
  switch (p) {
    case 0: return "Hop-by-Hop";
    case 1: return "ICMP";
    case 4: return "IPv4";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 43: return "Routing";
    case 44: return "Fragment";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMPv6";
    case 59: return "No Next Header";
    case 60: return "Destination Options";
    default: return "";
  }
}

std::uint16_t correct_checksum(Bytes region, std::size_t field, w::ChecksumAccumulator seed) {
  std::vector<std::byte> copy(region.begin(), region.end());
  w::store_be16(copy, field, 0);
  return seed.add(copy).checksum();
}

// ---- Link layer ------------------------------------------------------------------------

void Decoder::ethernet(Bytes b, Where at) {
  const auto v = w::EthernetView::parse(b);
  if (!v) return fail("Ethernet", v.error(), b, at);
  auto l = start("Ethernet", b, at);
  add(l, "dst", v->destination().to_string());
  add(l, "src", v->source().to_string());
  if (v->is_tagged()) add(l, "vlan", format::number(v->vlan_tci()));
  const auto type = static_cast<std::uint16_t>(v->ethertype());
  add(l, "type", format::hex16(type), ethertype_name(type));
  out_.layers.push_back(std::move(l));
  switch (v->ethertype()) {
    case w::EtherType::ipv4: return ipv4(v->payload(), at);
    case w::EtherType::ipv6: return ipv6(v->payload(), at);
    case w::EtherType::arp: return arp(v->payload(), at);
    default: return data(v->payload(), at);
  }
}

void Decoder::arp(Bytes b, Where at) {
  const auto v = w::ArpView::parse(b);
  if (!v) return fail("ARP", v.error(), b, at);
  const auto r = w::ArpRepr::parse(*v);
  if (!r) return fail("ARP", r.error(), b, at);
  auto l = start("ARP", b, at);
  const auto op = static_cast<std::uint16_t>(r->operation);
  add(l, "operation", format::number(op), op == 1 ? "request" : "reply");
  add(l, "sender_mac", r->sender_hardware_address.to_string());
  add(l, "sender_ip", r->sender_protocol_address.to_string());
  add(l, "target_mac", r->target_hardware_address.to_string());
  add(l, "target_ip", r->target_protocol_address.to_string());
  out_.layers.push_back(std::move(l));
  // Ethernet padding after the 28 bytes is not ARP's.
}

void Decoder::ip(Bytes b, Where at) {
  if (!b.empty() && (static_cast<unsigned>(b[0]) >> 4) == 6) return ipv6(b, at);
  return ipv4(b, at);
}

// ---- IPv4 ---------------------------------------------------------------------------------

namespace {
std::string ipv4_option_summary(const w::Ipv4Options& options) {
  std::string out;
  for (const auto o : options) {
    if (!out.empty()) out += " ";
    switch (o.kind()) {
      case w::Ipv4OptionKind::no_operation: out += "NOP"; break;
      case w::Ipv4OptionKind::record_route: out += "RR"; break;
      case w::Ipv4OptionKind::loose_source_route: out += "LSRR"; break;
      case w::Ipv4OptionKind::strict_source_route: out += "SSRR"; break;
      case w::Ipv4OptionKind::timestamp: out += "TS"; break;
      case w::Ipv4OptionKind::router_alert: out += "RA=" + std::to_string(o.router_alert_value()); break;
      default: out += "type " + std::to_string(o.type()); break;
    }
    if (o.kind() != w::Ipv4OptionKind::no_operation && o.kind() != w::Ipv4OptionKind::router_alert)
      out += "(" + std::to_string(o.wire_len()) + " bytes)";
  }
  return out;
}
}  // namespace

void Decoder::ipv4(Bytes b, Where at) {
  const auto v = w::Ipv4View::parse(b, w::ChecksumMode::ignore);
  if (!v) return fail("IPv4", v.error(), b, at);
  const auto r = w::Ipv4Repr::parse(*v);
  auto l = start("IPv4", b, at);
  add(l, "version", format::number(v->version()));
  add(l, "ihl", format::number(v->ihl()));
  add(l, "dscp", format::number(v->dscp()));
  add(l, "ecn", format::number(v->ecn()));
  add(l, "total_length", format::number(v->total_len()));
  add(l, "identification", format::number(v->identification()));
  if (v->reserved_flag()) add(l, "reserved_flag", format::boolean(true));
  add(l, "dont_fragment", format::boolean(v->dont_fragment()));
  add(l, "more_fragments", format::boolean(v->more_fragments()));
  add(l, "fragment_offset", format::number(v->fragment_offset()));
  add(l, "ttl", format::number(v->ttl()));
  add(l, "protocol", format::number(v->protocol()), protocol_name(v->protocol()));
  const bool ok = w::checksum_verifies(w::ChecksumAccumulator{}.add(v->header()));
  checksum(l, v->checksum(), ok, ok ? v->checksum() : correct_checksum(v->header(), 10, {}), at);
  add(l, "src", v->src().to_string());
  add(l, "dst", v->dst().to_string());
  if (!v->options().empty())
    add(l, "options", format::bytes(v->options()), r ? ipv4_option_summary(r->options) : "");
  out_.layers.push_back(std::move(l));
  if (!r) return fail("IPv4", r.error(), b, at);

  // RFC 791: only the first fragment starts with the upper-layer header.
  if (v->fragment_offset() != 0) return data(v->payload(), at, "fragment data");
  Where inner = at;
  if (v->more_fragments()) inner.lenient = true;  // a first fragment: its upper layer is cut
  upper_layer(v->protocol(), v->payload(), w::PseudoHeader::v4(v->src(), v->dst()), inner);
}

// ---- IPv6 ---------------------------------------------------------------------------------

void Decoder::ipv6(Bytes b, Where at) {
  const auto v = w::Ipv6View::parse(b);
  if (!v) return fail("IPv6", v.error(), b, at);
  auto l = start("IPv6", b, at);
  add(l, "version", format::number(v->version()));
  add(l, "traffic_class", format::number(v->traffic_class()));
  add(l, "flow_label", format::number(v->flow_label()));
  add(l, "payload_length", format::number(v->payload_len()));
  const auto nh = static_cast<std::uint8_t>(v->next_header());
  add(l, "next_header", format::number(nh), protocol_name(nh));
  add(l, "hop_limit", format::number(v->hop_limit()));
  add(l, "src", v->src().to_string());
  add(l, "dst", v->dst().to_string());
  out_.layers.push_back(std::move(l));

  const auto chain = w::Ipv6ExtChainRepr::parse(*v);
  if (!chain) return fail("IPv6 extension headers", chain.error(), b, at);
  const Bytes d = v->datagram();
  std::size_t pos = w::ipv6_field::header_len;
  std::uint8_t upper = nh;
  bool fragment_data = false, first_fragment = false;
  for (const auto& h : chain->headers) {
    // The header's length on the wire (the value drops padding).
    const std::size_t len = h.kind == w::Ipv6NextHeader::fragment
                                ? w::ipv6_ext_field::fragment_header_len
                                : (std::size_t{w::load_u8(d, pos + 1)} + 1) * w::ipv6_ext_field::unit;
    ipv6_extension(h, d.subspan(pos, len), at);
    upper = static_cast<std::uint8_t>(h.next_header());
    pos += len;
    if (const auto* f = std::get_if<w::Ipv6FragmentHeaderRepr>(&h.header); f && !f->is_atomic()) {
      fragment_data = true;
      first_fragment = f->fragment_offset == 0;
    }
  }
  const Bytes rest = d.subspan(pos);
  if (fragment_data && !first_fragment) return data(rest, at, "fragment data");
  Where inner = at;
  if (fragment_data) inner.lenient = true;
  upper_layer(upper, rest, w::PseudoHeader::v6(v->src(), v->dst()), inner);
}

void Decoder::ipv6_extension(const w::Ipv6ExtHeaderRepr& h, Bytes bytes, Where at) {
  const auto nh = static_cast<std::uint8_t>(h.next_header());
  std::visit(w::Overloaded{
                 [&](const w::Ipv6OptionsHeaderRepr& o) {
                   auto l =
                       start(h.kind == w::Ipv6NextHeader::hop_by_hop ? "Hop-by-Hop" : "Destination Options",
                             bytes, at);
                   add(l, "next_header", format::number(nh), protocol_name(nh));
                   add(l, "header_ext_len", format::number(w::load_u8(bytes, 1)));
                   for (const auto& opt : o.options) {
                     const auto type = static_cast<std::uint8_t>(opt.type);
                     if (opt.type == w::Ipv6OptionType::router_alert && opt.data.size() == 2)
                       add(l, "router_alert", format::number(w::load_be16(opt.data, 0)));
                     else if (opt.type == w::Ipv6OptionType::jumbo_payload && opt.data.size() == 4)
                       add(l, "jumbo_payload", format::number(w::load_be32(opt.data, 0)));
                     else
                       add(l, "option_" + std::to_string(type), format::bytes(opt.data));
                   }
                   out_.layers.push_back(std::move(l));
                 },
                 [&](const w::Ipv6RoutingHeaderRepr& r) {
                   auto l = start("Routing", bytes, at);
                   add(l, "next_header", format::number(nh), protocol_name(nh));
                   add(l, "header_ext_len", format::number(w::load_u8(bytes, 1)));
                   add(l, "routing_type", format::number(static_cast<std::uint8_t>(r.routing_type)));
                   add(l, "segments_left", format::number(r.segments_left));
                   add(l, "data", format::bytes(r.data));
                   out_.layers.push_back(std::move(l));
                 },
                 [&](const w::Ipv6FragmentHeaderRepr& f) {
                   auto l = start("Fragment", bytes, at);
                   add(l, "next_header", format::number(nh), protocol_name(nh));
                   add(l, "fragment_offset", format::number(f.fragment_offset));
                   add(l, "more_fragments", format::boolean(f.more_fragments));
                   add(l, "identification", format::number(f.identification));
                   if (f.reserved != 0) add(l, "reserved", format::number(f.reserved));
                   if (f.reserved_bits != 0) add(l, "reserved_bits", format::number(f.reserved_bits));
                   out_.layers.push_back(std::move(l));
                 },
             },
             h.header);
}

// ---- Upper layers -------------------------------------------------------------------------

void Decoder::upper_layer(std::uint8_t protocol, Bytes b, const w::PseudoHeader& pseudo, Where at) {
  switch (protocol) {
    case 1: return icmpv4(b, at);
    case 4:
    case 41: return ip(b, at);  // IP in IP
    case w::ip_protocol_tcp: return tcp(b, pseudo, at);
    case w::ip_protocol_udp: return udp(b, pseudo, at);
    case w::icmpv6_field::next_header: return icmpv6(b, pseudo, at);
    case 59:  // RFC 8200 4.7: nothing follows (bytes that do are ignored)
      if (!b.empty()) data(b, at, "after No Next Header");
      return;
    default: return data(b, at);
  }
}

void Decoder::udp(Bytes b, const w::PseudoHeader& pseudo, Where at) {
  const auto v = w::UdpView::parse(b);
  if (!v) return fail("UDP", v.error(), b, at);
  const auto r = w::UdpRepr::parse(*v, pseudo, w::ChecksumMode::ignore);
  if (!r) return fail("UDP", r.error(), b, at);
  auto l = start("UDP", b, at);
  add(l, "sport", format::number(v->src_port()));
  add(l, "dport", format::number(v->dst_port()));
  add(l, "length", format::number(v->length()));
  if (!pseudo.is_v6() && !v->has_checksum() && !at.lenient) {
    l.fields.push_back({"checksum", format::hex16(0), "none"});  // RFC 768: not computed
  } else {
    const auto len = static_cast<std::uint32_t>(v->datagram().size());
    std::uint16_t correct = correct_checksum(v->datagram(), 6, pseudo.start(w::ip_protocol_udp, len));
    if (correct == 0) correct = 0xffff;
    checksum(l, v->checksum(), v->verify_checksum(pseudo), correct, at);
  }
  add(l, "payload", format::bytes(v->payload()));
  if (v->trailing_len() != 0) add(l, "trailing", format::number(v->trailing_len()), "bytes after Length");
  out_.layers.push_back(std::move(l));
}

void Decoder::tcp(Bytes b, const w::PseudoHeader& pseudo, Where at) {
  const auto v = w::TcpView::parse(b);
  if (!v) return fail("TCP", v.error(), b, at);
  const auto r = w::TcpRepr::parse(*v, pseudo, w::ChecksumMode::ignore);
  if (!r) return fail("TCP", r.error(), b, at);
  auto l = start("TCP", b, at);
  add(l, "sport", format::number(r->src_port));
  add(l, "dport", format::number(r->dst_port));
  add(l, "seq", format::number(r->seq.value()));
  add(l, "ack", format::number(r->ack.value()));
  add(l, "data_offset", format::number(v->data_offset()));
  add(l, "flags", format::tcp_flags(r->flags.bits()));
  if ((r->flags.bits() & 0xe00) != 0) add(l, "reserved", format::number(r->flags.reserved()));
  add(l, "window", format::number(r->window));
  const auto len = static_cast<std::uint32_t>(b.size());
  checksum(l, v->checksum(), v->verify_checksum(pseudo),
           correct_checksum(b, 16, pseudo.start(w::ip_protocol_tcp, len)), at);
  add(l, "urgent_pointer", format::number(r->urgent_pointer));
  const auto& o = r->options;
  if (o.maximum_segment_size) add(l, "mss", format::number(*o.maximum_segment_size));
  if (o.window_scale) add(l, "window_scale", format::number(o.window_scale->shift));
  if (o.sack_permitted) add(l, "sack_permitted", format::boolean(true));
  if (o.timestamps)
    add(l, "timestamps",
        "tsval=" + std::to_string(o.timestamps->tsval) + " tsecr=" + std::to_string(o.timestamps->tsecr));
  if (!o.sack_blocks.empty()) {
    std::string blocks;
    for (const auto& s : o.sack_blocks)
      blocks += (blocks.empty() ? "" : " ") + std::to_string(s.left) + "-" + std::to_string(s.right);
    add(l, "sack", blocks);
  }
  for (const auto u : o.unknown) add(l, "option_" + std::to_string(u.kind), format::bytes(u.data.span()));
  const auto stop = w::TcpOptions::parse(v->options()).stop;
  if (stop.reason != w::TcpOptionStop::end_of_header && stop.reason != w::TcpOptionStop::end_of_option_list)
    add(l, "options_stop", w::to_string(stop.reason), "at byte " + std::to_string(offset(b) + stop.offset));
  add(l, "payload", format::bytes(v->payload()));
  out_.layers.push_back(std::move(l));
}

void Decoder::data(Bytes b, Where at, std::string note) {
  auto l = start("data", b, at);
  l.fields.push_back({"payload", format::bytes(b), std::move(note)});
  out_.layers.push_back(std::move(l));
}

}  // namespace hardstack::harness::detail

namespace hardstack::harness {

DecodedFrame decode(const Frame& frame) {
  DecodedFrame out;
  out.size = frame.bytes.size();
  out.link = frame.link;
  detail::Decoder d(frame.bytes, out);
  if (frame.link == net::LinkType::ethernet)
    d.ethernet(frame.bytes, {});
  else
    d.ip(frame.bytes, {});
  return out;
}

DecodedFrame decode(const Packet& packet) {
  const auto bytes = packet.build();
  return decode(Frame(bytes, packet.link_type()));
}

}  // namespace hardstack::harness

// wire_dump: decode Ethernet frames with hardstack's wire layer and print one
// JSON object per frame, layer by layer, or the first error:
//   {"eth": {...}, "ip": {..., "options": [...]}, "udp": {...}}
//   {"eth": {...}, "error": "bad_option_length", "layer": "ip", "offset": 35}
// Error offsets count from the start of the frame. Every checksum is verified
// (ChecksumMode::verify, with the pseudo-header of the IP layer below), so a
// layer that carries one reports "chksum_ok": true or the frame ends in a
// bad_checksum error. Layer and field names follow Scapy's (Ether, IP, TCP,
// ICMP...) so tools/crosscheck_scapy.py compares them directly.
//
//   echo ffffffffffff02...0806... | wire_dump
#include <iostream>
#include <string>
#include <variant>

#include "hardstack/harness/hex.hpp"
#include "hardstack/wire/arp.hpp"
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
#include "json_out.hpp"

using namespace hardstack::wire;
using hardstack::harness::to_hex;
using hardstack::tools::JsonArray;
using hardstack::tools::JsonObject;

namespace {

// Collects the layers of one frame; stops at the first error.
class Dump {
 public:
  void layer(std::string_view name, const JsonObject& o) { top_.raw(name, o.str()); }
  void layer(std::string_view name, const JsonArray& a) { top_.raw(name, a.str()); }
  void error(std::string_view layer, const ParseError& e, std::size_t base) {
    top_.field("error", to_string(e.code)).field("layer", layer).field("offset", e.offset + base);
  }
  std::string str() const { return top_.str(); }

 private:
  JsonObject top_;
};

constexpr std::uint8_t u8(auto e) { return static_cast<std::uint8_t>(e); }

// ---- ARP ---------------------------------------------------------------

void dump_arp(Dump& d, Bytes packet, std::size_t base) {
  const auto view = ArpView::parse(packet);
  if (!view) return d.error("arp", view.error(), base);
  const auto arp = ArpRepr::parse(*view);
  if (!arp) return d.error("arp", arp.error(), base);
  d.layer("arp", JsonObject()
                     .field("op", static_cast<unsigned>(arp->operation))
                     .field("hwsrc", arp->sender_hardware_address.to_string())
                     .field("psrc", arp->sender_protocol_address.to_string())
                     .field("hwdst", arp->target_hardware_address.to_string())
                     .field("pdst", arp->target_protocol_address.to_string()));
}

// ---- UDP, TCP (over either IP version) -------------------------------------

void dump_udp(Dump& d, Bytes payload, const PseudoHeader& pseudo, std::size_t base) {
  const auto view = UdpView::parse(payload);
  if (!view) return d.error("udp", view.error(), base);
  const auto udp = UdpRepr::parse(*view, pseudo, ChecksumMode::verify);
  if (!udp) return d.error("udp", udp.error(), base);
  d.layer("udp", JsonObject()
                     .field("sport", udp->src_port)
                     .field("dport", udp->dst_port)
                     .field("len", view->length())
                     .field("chksum", view->checksum())
                     .field("chksum_ok", true)
                     .field("payload_len", udp->payload_len));
}

// One option, decoded by the core: the option's own bytes go through
// TcpOptions::parse alone, so the list keeps the order of the header.
JsonObject tcp_option(const TcpView& view, const TcpOptionTlv& tlv) {
  JsonObject o;
  o.field("kind", tlv.kind).field("len", tlv.data.size() + 2);
  const Bytes bytes = view.bytes().subspan(tlv.offset, tlv.data.size() + 2);
  const auto one = TcpOptions::parse(bytes, tlv.offset);
  const TcpOptions& v = one.options;
  if (one.ignored != 0) return o.field("ignored", true);
  if (v.maximum_segment_size) o.field("MSS", *v.maximum_segment_size);
  if (v.window_scale) o.field("WScale", v.window_scale->shift);
  if (v.sack_permitted) o.field("SAckOK", true);
  if (v.timestamps) o.raw("Timestamp", JsonArray().push(v.timestamps->tsval).push(v.timestamps->tsecr).str());
  if (!v.sack_blocks.empty()) {
    JsonArray blocks;
    for (const auto& b : v.sack_blocks) blocks.push(b.left).push(b.right);
    o.raw("SAck", blocks.str());
  }
  for (const auto& u : v.unknown) o.field("value", to_hex(u.data.span()));
  return o;
}

void dump_tcp(Dump& d, Bytes payload, const PseudoHeader& pseudo, std::size_t base) {
  const auto view = TcpView::parse(payload);
  if (!view) return d.error("tcp", view.error(), base);
  const auto tcp = TcpRepr::parse(*view, pseudo, ChecksumMode::verify);
  if (!tcp) return d.error("tcp", tcp.error(), base);
  JsonArray options;
  auto walker = view->option_walker();
  while (const auto tlv = walker.next()) options.push(tcp_option(*view, *tlv));
  // Scapy's TCP "flags" holds the 8 control bits and the old NS bit (0x100);
  // "reserved" the 3 bits above.
  const std::uint16_t bits = tcp->flags.bits();
  d.layer("tcp", JsonObject()
                     .field("sport", tcp->src_port)
                     .field("dport", tcp->dst_port)
                     .field("seq", tcp->seq.value())
                     .field("ack", tcp->ack.value())
                     .field("dataofs", view->data_offset())
                     .field("reserved", bits >> 9)
                     .field("flags", bits & 0x1ff)
                     .field("window", tcp->window)
                     .field("chksum", view->checksum())
                     .field("chksum_ok", true)
                     .field("urgptr", tcp->urgent_pointer)
                     .raw("options", options.str())
                     .field("options_stop", to_string(walker.stop().reason))
                     .field("payload_len", tcp->payload_len));
}

// ---- ICMPv4 ------------------------------------------------------------------

void dump_icmp(Dump& d, Bytes payload, std::size_t base) {
  const auto view = Icmpv4View::parse(payload, ChecksumMode::verify);
  if (!view) return d.error("icmp", view.error(), base);
  const auto icmp = Icmpv4Repr::parse(*view);
  if (!icmp) return d.error("icmp", icmp.error(), base);
  JsonObject o;
  o.field("type", icmp->type())
      .field("code", icmp->code())
      .field("chksum", view->checksum())
      .field("chksum_ok", true)
      .field("data_len", view->data().size());
  std::visit(Overloaded{[&](const Icmpv4EchoRequest& m) {
    o.field("id", m.identifier).field("seq", m.sequence_number); },
                        [&](const Icmpv4EchoReply& m) {
    o.field("id", m.identifier).field("seq", m.sequence_number); },
                        [&](const Icmpv4DestinationUnreachable& m) {
    o.field("nexthopmtu", m.next_hop_mtu); },
                        [&](const Icmpv4TimeExceeded&) {},
                        [&](const Icmpv4ParameterProblem& m) {
    o.field("ptr", m.pointer); },
                        [&](const Icmpv4Redirect& m) {
    o.field("gw", m.gateway.to_string()); },
                        [&](const auto& m) requires requires { m.originate_timestamp;
}
{
  o.field("id", m.identifier)
      .field("seq", m.sequence_number)
      .field("ts_ori", m.originate_timestamp)
      .field("ts_rx", m.receive_timestamp)
      .field("ts_tx", m.transmit_timestamp);
}
, [&](const Icmpv4Other& m) { o.field("rest_of_header", m.rest_of_header); }
}  // namespace
,
             icmp->message);
d.layer("icmp", o);
}

// ---- IPv4 --------------------------------------------------------------------

JsonObject ipv4_option(const Ipv4Option& opt) {
  JsonObject o;
  const std::uint8_t type = opt.type();
  // RFC 791 3.1 option type octet, in Scapy's three fields.
  o.field("copy_flag", type >> 7).field("optclass", (type >> 5) & 3).field("option", type & 0x1f);
  if (opt.kind() == Ipv4OptionKind::no_operation) return o;
  o.field("length", opt.wire_len());
  switch (opt.kind()) {
    case Ipv4OptionKind::record_route:
    case Ipv4OptionKind::loose_source_route:
    case Ipv4OptionKind::strict_source_route: {
      JsonArray routers;
      for (const auto& a : opt.addresses()) routers.push(a.to_string());
      o.field("pointer", opt.pointer()).raw("routers", routers.str());
      break;
    }
    case Ipv4OptionKind::timestamp: {
      const bool with_addresses = opt.timestamp_flag() != u8(Ipv4TimestampFlag::timestamps_only);
      o.field("pointer", opt.pointer()).field("oflw", opt.overflow()).field("flg", opt.timestamp_flag());
      const auto entries = opt.timestamp_entries();
      JsonArray all;
      for (const auto& e : entries) {
        JsonObject entry;
        if (with_addresses) entry.field("internet_address", e.address.to_string());
        all.push(entry.field("timestamp", e.timestamp));
      }
      // Scapy decodes the first slot only, under these names.
      if (!entries.empty()) {
        if (with_addresses) o.field("internet_address", entries[0].address.to_string());
        o.field("timestamp", entries[0].timestamp);
      }
      o.raw("timestamps", all.str());
      break;
    }
    case Ipv4OptionKind::router_alert: o.field("alert", opt.router_alert_value()); break;
    default: o.field("value", to_hex(opt.data())); break;
  }
  return o;
}

// RFC 791 3.1, RFC 1122 3.2.1.8: the UDP/TCP pseudo-header carries the final
// destination. While a loose or strict source route still has hops to visit
// (pointer not past its length), that is the route's last address; once the
// route is done the header's destination is the final one. (Wireshark checks
// checksums the same way.)
Ipv4Address final_destination(const Ipv4Repr& ip) {
  const auto route = ip.options.source_route();
  if (!route || route->is_full()) return ip.dst;
  const auto hops = route->addresses();
  return hops.empty() ? ip.dst : hops.back();
}

void dump_ipv4(Dump& d, Bytes packet, std::size_t base) {
  const auto view = Ipv4View::parse(packet, ChecksumMode::verify);
  if (!view) return d.error("ip", view.error(), base);
  const auto ip = Ipv4Repr::parse(*view);
  if (!ip) return d.error("ip", ip.error(), base);
  JsonArray options;
  for (const auto& opt : ip->options) options.push(ipv4_option(opt));
  const unsigned flags = (view->reserved_flag() ? 4u : 0u) | (view->dont_fragment() ? 2u : 0u) |
                         (view->more_fragments() ? 1u : 0u);
  d.layer("ip", JsonObject()
                    .field("version", view->version())
                    .field("ihl", view->ihl())
                    .field("tos", (ip->dscp << 2) | ip->ecn)
                    .field("len", view->total_len())
                    .field("id", ip->identification)
                    .field("flags", flags)
                    .field("frag", ip->fragment_offset)
                    .field("ttl", ip->ttl)
                    .field("proto", ip->protocol)
                    .field("chksum", view->checksum())
                    .field("chksum_ok", true)
                    .field("src", ip->src.to_string())
                    .field("dst", ip->dst.to_string())
                    .raw("options", options.str()));
  // A fragment's payload is not a whole upper-layer message: stop here.
  if (view->is_fragment()) return;
  const auto pseudo = PseudoHeader::v4(ip->src, final_destination(*ip));
  const std::size_t next = base + view->header_len();
  switch (ip->protocol) {
    case ip_protocol_udp: return dump_udp(d, view->payload(), pseudo, next);
    case ip_protocol_tcp: return dump_tcp(d, view->payload(), pseudo, next);
    case 1: return dump_icmp(d, view->payload(), next);
    default: return;
  }
}

// ---- ICMPv6 and Neighbor Discovery --------------------------------------------

JsonObject nd_option(const NdOption& option) {
  JsonObject o;
  const std::size_t len = nd_option_len(option) / nd_option_field::unit;
  std::visit(
      Overloaded{[&](const NdSourceLinkLayerAddress& s) {
                   o.field("type", 1).field("len", len).field("lladdr", s.address.to_string());
                 },
                 [&](const NdTargetLinkLayerAddress& t) {
                   o.field("type", 2).field("len", len).field("lladdr", t.address.to_string());
                 },
                 [&](const NdPrefixInformation& p) {
                   o.field("type", 3)
                       .field("len", len)
                       .field("prefixlen", p.prefix_length)
                       .field("L", p.on_link ? 1 : 0)
                       .field("A", p.autonomous ? 1 : 0)
                       .field("reserved_flags", p.reserved_flags)
                       .field("validlifetime", p.valid_lifetime)
                       .field("preferredlifetime", p.preferred_lifetime)
                       .field("prefix", p.prefix.to_string());
                 },
                 [&](const NdRedirectedHeader& r) {
                   o.field("type", 4).field("len", len).field("pkt_len", r.packet.size());
                 },
                 [&](const NdMtu& m) { o.field("type", 5).field("len", len).field("mtu", m.mtu); },
                 [&](const NdRecursiveDnsServer& r) {
                   JsonArray dns;
                   for (std::size_t i = 0; i < r.count(); ++i) dns.push(r.address(i).to_string());
                   o.field("type", 25).field("len", len).field("lifetime", r.lifetime).raw("dns", dns.str());
                 },
                 [&](const NdUnknownOption& u) {
                   o.field("type", u.type).field("len", len).field("data", to_hex(u.data));
                 }},
      option);
  return o;
}

JsonArray nd_options(const NdOptions& options) {
  JsonArray a;
  for (const auto& opt : options) a.push(nd_option(opt));
  return a;
}

// Scapy's field names per ICMPv6 message class (ICMPv6EchoRequest,
// ICMPv6ND_RA, ...); "type", "code", "cksum" are common.
void icmpv6_fields(JsonObject& o, const Icmpv6Message& message) {
  std::visit(
      Overloaded{
          [&](const Icmpv6DestinationUnreachable&) {},
          [&](const Icmpv6PacketTooBig& m) { o.field("mtu", m.mtu); }, [&](const Icmpv6TimeExceeded&) {},
          [&](const Icmpv6ParameterProblem& m) { o.field("ptr", m.pointer); },
          [&](const Icmpv6EchoRequest& m) { o.field("id", m.identifier).field("seq", m.sequence_number); },
          [&](const Icmpv6EchoReply& m) { o.field("id", m.identifier).field("seq", m.sequence_number); },
          [&](const NdRouterSolicitation& m) { o.raw("options", nd_options(m.options).str()); },
          [&](const NdRouterAdvertisement& m) {
            o.field("chlim", m.cur_hop_limit)
                .field("M", m.managed_address_configuration ? 1 : 0)
                .field("O", m.other_configuration ? 1 : 0)
                .field("reserved_flags", m.reserved_flags)
                .field("routerlifetime", m.router_lifetime)
                .field("reachabletime", m.reachable_time)
                .field("retranstimer", m.retrans_timer)
                .raw("options", nd_options(m.options).str());
          },
          [&](const NdNeighborSolicitation& m) {
            o.field("tgt", m.target.to_string()).raw("options", nd_options(m.options).str());
          },
          [&](const NdNeighborAdvertisement& m) {
            o.field("R", m.router ? 1 : 0)
                .field("S", m.solicited ? 1 : 0)
                .field("O", m.override_flag ? 1 : 0)
                .field("tgt", m.target.to_string())
                .raw("options", nd_options(m.options).str());
          },
          [&](const NdRedirect& m) {
            o.field("tgt", m.target.to_string())
                .field("dst", m.destination.to_string())
                .raw("options", nd_options(m.options).str());
          },
          [&](const Icmpv6Other& m) { o.field("body_len", m.body.size()); }},
      message);
}

void dump_icmpv6(Dump& d, Bytes payload, const PseudoHeader& pseudo, std::size_t base) {
  const auto view = Icmpv6View::parse(payload, pseudo, ChecksumMode::verify);
  if (!view) return d.error("icmpv6", view.error(), base);
  const auto icmp = Icmpv6Repr::parse(*view);
  if (!icmp) return d.error("icmpv6", icmp.error(), base);
  JsonObject o;
  o.field("type", icmp->type())
      .field("code", view->code())
      .field("cksum", view->checksum())
      .field("cksum_ok", true);
  o.field("data_len", view->body().size());
  icmpv6_fields(o, icmp->message);
  d.layer("icmpv6", o);
}

// ---- IPv6 and its extension headers ---------------------------------------------

// RFC 8200 8.1: the pseudo-header carries the final destination. With a
// Routing header that still has segments to visit it is in that header: the
// last address of RH0 (RFC 8200 4.4), the home address of type 2 (RFC 6275
// 6.4), Segment List[0] of an SRH (RFC 8754 2); at the recipient it is the
// IPv6 destination.
Ipv6Address final_destination(const Ipv6Repr& ip, const Ipv6ExtChainRepr& chain) {
  for (const auto& h : chain.headers) {
    const auto* r = std::get_if<Ipv6RoutingHeaderRepr>(&h.header);
    if (r == nullptr || r->segments_left == 0) continue;
    const std::size_t first = 4;  // after RH0's / type 2's reserved word, or the SRH's Last Entry..Tag
    if (r->data.size() < first + 16) continue;
    switch (r->routing_type) {
      case Ipv6RoutingType::source_route: return Ipv6Address::load(r->data, r->data.size() - 16);
      case Ipv6RoutingType::mobile_ipv6:
      case Ipv6RoutingType::segment_routing: return Ipv6Address::load(r->data, first);
      default: break;
    }
  }
  return ip.dst;
}

// The 16-byte addresses a Routing header of type 0, 2 or 4 carries, after its
// first 4 data bytes (as Scapy lists them).
JsonArray routing_addresses(const Ipv6RoutingHeaderView& rh) {
  JsonArray a;
  const Bytes data = rh.data();
  for (std::size_t at = 4; at + 16 <= data.size(); at += 16) a.push(Ipv6Address::load(data, at).to_string());
  return a;
}

// One TLV option as it sits in the header, padding included. Router Alert
// and Jumbo Payload values are the chain walk's decode.
JsonObject ipv6_option(const Ipv6Option& opt, const Ipv6ExtChain& walk) {
  JsonObject o;
  o.field("otype", u8(opt.type));
  if (opt.type == Ipv6OptionType::pad1) return o;
  o.field("optlen", opt.data.size()).field("optdata", to_hex(opt.data));
  if (walk.router_alert && opt.offset == walk.router_alert_offset) o.field("value", *walk.router_alert);
  if (walk.jumbo_payload_length && opt.offset == walk.jumbo_offset)
    o.field("jumboplen", *walk.jumbo_payload_length);
  return o;
}

const char* chain_end_name(Ipv6ChainEnd e) {
  switch (e) {
    case Ipv6ChainEnd::upper_layer: return "upper_layer";
    case Ipv6ChainEnd::fragment: return "fragment";
    case Ipv6ChainEnd::routing: return "routing";
    case Ipv6ChainEnd::unknown_option: return "unknown_option";
  }
  return "?";
}

void dump_ipv6(Dump& d, Bytes packet, std::size_t base) {
  const auto view = Ipv6View::parse(packet);
  if (!view) return d.error("ipv6", view.error(), base);
  const Ipv6Repr ip = Ipv6Repr::parse(*view);
  // The walk applies every check and says where a host stops; the chain
  // representation holds every header (it goes past a Routing header or an
  // unrecognised option, as Scapy's dissection does).
  const auto walk = Ipv6ExtChain::walk(*view);
  if (!walk) return d.error("ipv6", walk.error(), base);
  const auto chain = Ipv6ExtChainRepr::parse(*view);
  if (!chain) return d.error("ipv6", chain.error(), base);
  d.layer("ipv6", JsonObject()
                      .field("version", view->version())
                      .field("tc", ip.traffic_class)
                      .field("fl", ip.flow_label)
                      .field("plen", ip.payload_len)
                      .field("nh", u8(ip.next_header))
                      .field("hlim", ip.hop_limit)
                      .field("src", ip.src.to_string())
                      .field("dst", ip.dst.to_string())
                      .field("jumbogram", view->is_jumbogram())
                      .field("chain_end", chain_end_name(walk->end)));

  // Each header through its view, at its offset in the datagram.
  const Bytes datagram = view->datagram();
  std::size_t at = ipv6_field::header_len;
  bool fragment = false;
  JsonArray ext;
  for (const auto& h : chain->headers) {
    JsonObject o;
    o.field("header", u8(h.kind));
    if (h.kind == Ipv6NextHeader::hop_by_hop || h.kind == Ipv6NextHeader::destination_options) {
      const auto hv = Ipv6OptionsHeaderView::parse(datagram, at);
      if (!hv) return d.error("ipv6", hv.error(), base);
      JsonArray options;
      for (const auto& opt : *hv) options.push(ipv6_option(opt, *walk));
      o.field("nh", u8(hv->next_header()))
          .field("len", hv->header_len() / 8 - 1)
          .raw("options", options.str());
      at += hv->header_len();
    } else if (h.kind == Ipv6NextHeader::routing) {
      const auto rv = Ipv6RoutingHeaderView::parse(datagram, at);
      if (!rv) return d.error("ipv6", rv.error(), base);
      o.field("nh", u8(rv->next_header()))
          .field("len", rv->header_len() / 8 - 1)
          .field("type", u8(rv->routing_type()))
          .field("segleft", rv->segments_left())
          .field("data", to_hex(rv->data()));
      if (rv->routing_type() == Ipv6RoutingType::source_route ||
          rv->routing_type() == Ipv6RoutingType::mobile_ipv6 ||
          rv->routing_type() == Ipv6RoutingType::segment_routing)
        o.raw("addresses", routing_addresses(*rv).str());
      at += rv->header_len();
    } else {
      const auto fv = Ipv6FragmentHeaderView::parse(datagram, at);
      if (!fv) return d.error("ipv6", fv.error(), base);
      o.field("nh", u8(fv->next_header()))
          .field("res1", fv->reserved())
          .field("offset", fv->fragment_offset())
          .field("res2", fv->reserved_bits())
          .field("m", fv->more_fragments() ? 1 : 0)
          .field("id", fv->identification());
      fragment = !fv->is_atomic();
      at += Ipv6FragmentHeaderRepr::header_len();
    }
    ext.push(o);
  }
  if (!chain->headers.empty()) d.layer("ipv6_ext", ext);
  // A fragment's data is not a whole upper-layer message: stop here.
  if (fragment) return;
  const auto upper = chain->headers.empty() ? ip.next_header : chain->headers.back().next_header();
  const auto pseudo = PseudoHeader::v6(ip.src, final_destination(ip, *chain));
  const Bytes payload = datagram.subspan(at);
  switch (upper) {
    case Ipv6NextHeader::udp: return dump_udp(d, payload, pseudo, base + at);
    case Ipv6NextHeader::tcp: return dump_tcp(d, payload, pseudo, base + at);
    case Ipv6NextHeader::icmpv6: return dump_icmpv6(d, payload, pseudo, base + at);
    default: return;
  }
}

// ---- Ethernet ------------------------------------------------------------------

std::string dump_frame(Bytes frame) {
  Dump d;
  const auto eth = EthernetView::parse(frame);
  if (!eth) {
    d.error("eth", eth.error(), 0);
    return d.str();
  }
  JsonObject e;
  e.field("dst", eth->destination().to_string())
      .field("src", eth->source().to_string())
      .field("type", static_cast<unsigned>(eth->ethertype()));
  if (eth->is_tagged()) e.field("vlan_tci", eth->vlan_tci());
  d.layer("eth", e);
  const auto base = eth->header_len();
  switch (eth->ethertype()) {
    case EtherType::arp: dump_arp(d, eth->payload(), base); break;
    case EtherType::ipv4: dump_ipv4(d, eth->payload(), base); break;
    case EtherType::ipv6: dump_ipv6(d, eth->payload(), base); break;
    default: break;
  }
  return d.str();
}

}  // namespace

int main() {
  std::string line;
  int status = 0;
  while (std::getline(std::cin, line)) {
    const auto bytes = hardstack::harness::parse_hex(line);
    if (!bytes) {
      std::cerr << "wire_dump: not a hex line: " << line << "\n";
      status = 2;
      std::cout << "{\"error\":\"not_hex\"}\n";
      continue;
    }
    std::cout << dump_frame(*bytes) << "\n";
  }
  return status;
}

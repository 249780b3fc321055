// IPv6 input and output: header checks (V6-HDR-*), the extension-header chain
// and its ICMPv6 answers (V6-EXT-*), fragments and reassembly (V6-FRAG-*),
// delivery, and output with extension headers and source fragmentation.
// ICMPv6 and Neighbor Discovery are in stack_icmpv6.cpp.
//
// Input follows Linux's order (ipv6_rcv / ip6_rcv_core, ipv6_parse_hopopts,
// ip6_route_input, ip6_input_finish): header and address checks, the
// Hop-by-Hop header (acted on even for a datagram not for us), the
// destination, then the rest of the chain. The chain is walked once by
// wire::Ipv6ExtChain::walk; this file maps its verdict to drops and ICMPv6.
//
// Choices where Linux and the RFCs leave room, with what Linux does:
// - Our own address as the source of a datagram from a device: accepted
//   (ip6_rcv_core has no such check, unlike IPv4's fib_validate_source);
//   answers to it go out through loopback.
// - A routing header with Segments Left > 0 of any type is refused with a
//   parameter problem at the Routing Type (RFC 8200 4.4; Linux drops types 3
//   and 4 silently when RPL / SRv6 are disabled, the RFC's answer is kept).
// - Jumbograms (RFC 2675) cannot arrive whole on links of MTU < 65575 and are
//   dropped if one does (V6-HDR-1).
// - Atomic fragments (RFC 6946) are processed in place, never handed to the
//   reassembler (so reassembly counters do not count them; Linux counts them
//   in ReasmReqds / ReasmOKs).
// - A reassembled datagram that is itself a fragment again (nested Fragment
//   headers) is dropped: bounded work, no second reassembly.
// - Reassembly time exceeded quotes the first fragment and, not knowing how
//   the first fragment's frame was addressed at the link layer, treats it as
//   link unicast (Linux keeps the head skb's pkt_type).
// - Output: a source that is not ours -> EINVAL (Linux's IPV6_PKTINFO check);
//   a Routing header with Segments Left > 0 -> EINVAL (no source routing);
//   a Jumbo option -> EINVAL; IP_PMTUDISC_DO / PROBE and larger than the MTU
//   -> EMSGSIZE (Linux ip6_fragment without ignore_df); default hop limit 1
//   towards a multicast group (IPV6_MULTICAST_HOPS).

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "stack_internal.hpp"

namespace hardstack::net {

namespace {

namespace f6 = wire::ipv6_field;
namespace fx = wire::ipv6_ext_field;

constexpr std::uint8_t kParamProblem = 4;
constexpr std::uint8_t kDestUnreachable = 1;
constexpr std::uint8_t kTimeExceeded = 3;
constexpr std::uint8_t kJumboOption = 0xc2;
constexpr std::size_t kMaxDatagram = f6::header_len + f6::max_payload_len;

// Where the Hop-by-Hop header (first after the fixed header) ends, 0 when
// there is none. What lies before it is what ipv6_parse_hopopts acts on
// before the routing decision.
std::size_t hop_by_hop_end(const wire::Ipv6View& ip) {
  if (ip.next_header() != wire::Ipv6NextHeader::hop_by_hop) return 0;
  const wire::Bytes p = ip.payload();
  const std::size_t units = p.size() >= 2 ? std::size_t{wire::load_u8(p, 1)} + 1 : 1;
  return f6::header_len + units * fx::unit;
}

// The walk error is about the Hop-by-Hop header (LINUX ipv6_parse_hopopts),
// not about a header after it (ip6_input_finish).
bool hop_by_hop_error(const wire::Ipv6View& ip, const wire::ParseError& e) {
  const std::size_t end = hop_by_hop_end(ip);
  if (end == 0) return false;
  switch (e.code) {
    case wire::WireError::hop_by_hop_not_first:
    case wire::WireError::incomplete_header_chain:
    case wire::WireError::bad_field: return false;
    // @4: RFC 2675's missing Jumbo (Payload Length 0) is the Hop-by-Hop's;
    // with a Payload Length it is a fragment's (V6-FRAG-2).
    case wire::WireError::bad_total_length:
      return e.offset != f6::payload_length.begin || ip.payload_len() == 0;
    default: return e.offset < end;
  }
}

// The offset of the Next Header field that names the header at `target`
// (a header the walk has passed, so every length on the way is checked).
std::size_t naming_field(wire::Bytes dg, std::size_t target) {
  std::size_t field = f6::next_header.begin;
  std::size_t at = f6::header_len;
  auto nh = static_cast<wire::Ipv6NextHeader>(wire::load_u8(dg, field));
  while (at < target) {
    const std::size_t len = nh == wire::Ipv6NextHeader::fragment
                                ? fx::fragment_header_len
                                : (std::size_t{wire::load_u8(dg, at + 1)} + 1) * fx::unit;
    field = at;
    nh = static_cast<wire::Ipv6NextHeader>(wire::load_u8(dg, at));
    at += len;
  }
  return field;
}

Unexpected<Errno> fail(Errno e) { return Unexpected(e); }

}  // namespace

// ---------------------------------------------------------------------------
// Input

void Stack::Impl::ipv6_input(Interface& in, wire::Bytes packet, const LinkInfo& link, Instant now) {
  IpStats& st = stats.ipv6;
  ++st.in_receives;
  // LINUX ipv6_rcv: no IPv6 on the interface -> InDiscards.
  if (in.ipv6.empty()) {
    ++st.in_discards;
    return drop(DropReason::interface_down);
  }
  // V6-HDR-1: the fixed header, version 6 (InHdrErrors).
  if (packet.size() < f6::header_len) {
    ++st.in_hdr_errors;
    return drop(DropReason::ipv6_truncated);
  }
  if ((wire::load_u8(packet, 0) >> 4) != 6) {
    ++st.in_hdr_errors;
    return drop(DropReason::ipv6_bad_version);
  }
  // V6-HDR-2, in ip6_rcv_core's order (InHdrErrors for each).
  const auto src = wire::Ipv6Address::load(packet, f6::source.begin);
  const auto dst = wire::Ipv6Address::load(packet, f6::destination.begin);
  const bool from_loopback = in.is_loopback() || link.destination == LinkDestination::loopback;
  // RFC 4291 2.5.3: ::1 never leaves a node.
  if (!from_loopback && (src.is_loopback() || dst.is_loopback())) {
    ++st.in_hdr_errors;
    return drop(DropReason::ipv6_loopback_on_device);
  }
  if (dst.is_multicast()) {
    // RFC 4291 2.7: scope 0 is reserved; interface-local (1) never comes from
    // another node (RFC 4291 erratum 3480).
    const auto scope = dst.octets[1] & 0x0f;
    if (scope == 0 || (scope == 1 && !from_loopback)) {
      ++st.in_hdr_errors;
      return drop(DropReason::ipv6_not_for_us);
    }
  }
  // RFC 4291 2.7: a multicast address is never a source.
  if (src.is_multicast()) {
    ++st.in_hdr_errors;
    return drop(DropReason::ipv6_martian_source);
  }
  // V6-HDR-1: 40 + Payload Length within the bytes (InTruncatedPkts); the
  // view trims link padding.
  const auto ip = wire::Ipv6View::parse(packet);
  if (!ip) {
    ++st.in_truncated_pkts;
    return drop(DropReason::ipv6_truncated);
  }
  const auto chain = wire::Ipv6ExtChain::walk(*ip, config.ipv6_ext_limits);
  // LINUX ipv6_parse_hopopts: the Hop-by-Hop header is acted on before the
  // routing decision, so its errors are answered whoever the datagram is for.
  if (!chain) {
    if (hop_by_hop_error(*ip, chain.error())) return ipv6_chain_error(in, *ip, chain.error(), link, now);
  } else if (chain->end == wire::Ipv6ChainEnd::unknown_option && chain->end_offset < hop_by_hop_end(*ip)) {
    return ipv6_unknown_option(in, *ip, *chain, link, now);
  } else if (ip->is_jumbogram()) {
    // A well-formed Jumbo Payload whose value fits the bytes needs a frame
    // over 65575 bytes, which no link here carries (RFC 2675 not supported).
    ++st.in_hdr_errors;
    return drop(DropReason::ipv6_bad_extension);
  }

  // The routing decision: a host takes what is addressed to it (any of its
  // unicast addresses, link-local ones only on their own link) and the
  // groups the arrival interface has joined; it forwards nothing (InAddrErrors).
  bool for_us = false;
  if (dst.is_multicast()) {
    for_us = in.joined_ipv6_group(dst) || (from_loopback && dst.octets[1] == 0x01);
  } else if (is_link_local(dst) && !from_loopback) {
    for_us = in.find_ipv6(dst) != nullptr;
  } else {
    for_us = ipv6_owner(dst) != nullptr;
  }
  if (!for_us) {
    ++st.in_addr_errors;
    return drop(DropReason::ipv6_not_for_us);
  }

  if (!chain) return ipv6_chain_error(in, *ip, chain.error(), link, now);
  ipv6_after_chain(in, *ip, *chain, link, false, now);
}

void Stack::Impl::ipv6_after_chain(Interface& in, const wire::Ipv6View& ip, const wire::Ipv6ExtChain& chain,
                                   const LinkInfo& link, bool reassembled, Instant now) {
  IpStats& st = stats.ipv6;
  switch (chain.end) {
    case wire::Ipv6ChainEnd::upper_layer: return ipv6_deliver(in, ip, chain, link, now);
    case wire::Ipv6ChainEnd::unknown_option: return ipv6_unknown_option(in, ip, chain, link, now);
    case wire::Ipv6ChainEnd::routing: {
      // V6-EXT-7: RH0 (RFC 5095) and every type we do not process, with
      // Segments Left > 0 -> param problem code 0 @ Routing Type.
      ++st.in_hdr_errors;
      drop(DropReason::ipv6_routing_header);
      return send_icmpv6_error(in, ip.datagram(), link, kParamProblem, 0,
                               static_cast<std::uint32_t>(chain.end_offset + fx::routing_type.begin), false,
                               now);
    }
    case wire::Ipv6ChainEnd::fragment:
      if (reassembled) {
        // Nested fragmentation: not reassembled twice (bounded work).
        ++st.in_hdr_errors;
        return drop(DropReason::ipv6_fragment);
      }
      return ipv6_fragment_input(in, ip, chain, link, now);
  }
}

// Each walk error with the answer RFC 8200 / 2675 / 7112 and Linux give it
// (the table in ipv6_ext.hpp).
void Stack::Impl::ipv6_chain_error(Interface& in, const wire::Ipv6View& ip, const wire::ParseError& e,
                                   const LinkInfo& link, Instant now) {
  IpStats& st = stats.ipv6;
  const wire::Bytes dg = ip.datagram();
  auto param_problem = [&](std::uint8_t code, std::uint32_t pointer) {
    send_icmpv6_error(in, dg, link, kParamProblem, code, pointer, false, now);
  };
  switch (e.code) {
    case wire::WireError::hop_by_hop_not_first:
      // V6-EXT-1 (LINUX ip6_input_finish: no handler for 0 there): code 1 @ the Next Header.
      ++st.in_unknown_protos;
      drop(DropReason::ipv6_bad_extension);
      return param_problem(1, e.offset);
    case wire::WireError::bad_total_length:
      ++st.in_hdr_errors;
      // V6-FRAG-2 (@4, a fragment of a datagram with a Payload Length), or
      // RFC 2675 3: Payload Length 0 without Jumbo (@4), Jumbo with one (@option).
      drop(e.offset == f6::payload_length.begin && ip.payload_len() != 0 ? DropReason::ipv6_fragment
                                                                         : DropReason::ipv6_bad_extension);
      return param_problem(0, e.offset);
    case wire::WireError::bad_field:
      ++st.in_hdr_errors;
      // V6-FRAG-3 (@ Fragment Offset), or a Fragment header in a jumbogram
      // (Payload Length 0, @ the Fragment header).
      drop(ip.payload_len() != 0 ? DropReason::ipv6_fragment : DropReason::ipv6_bad_extension);
      return param_problem(0, e.offset);
    case wire::WireError::incomplete_header_chain:
      // V6-FRAG-6 (RFC 7112): code 3 @ 0.
      ++st.in_hdr_errors;
      drop(DropReason::ipv6_incomplete_chain);
      return param_problem(3, 0);
    case wire::WireError::bad_option_value:
      ++st.in_hdr_errors;
      drop(DropReason::ipv6_bad_extension);
      // V6-EXT-6: a Jumbo Payload Length <= 65535 -> code 0 @ the value (its
      // first byte is then 0, never the option type); a misaligned Jumbo
      // option (@ the type) is dropped silently (LINUX ipv6_hop_jumbo).
      if (e.offset < dg.size() && wire::load_u8(dg, e.offset) != kJumboOption) param_problem(0, e.offset);
      return;
    default:
      // Truncated headers, lengths past the datagram, bad option lengths and
      // padding, too many options or headers (V6-EXT-4/5/8): silent.
      ++st.in_hdr_errors;
      return drop(DropReason::ipv6_bad_extension);
  }
}

void Stack::Impl::ipv6_unknown_option(Interface& in, const wire::Ipv6View& ip,
                                      const wire::Ipv6ExtChain& chain, const LinkInfo& link, Instant now) {
  // V6-EXT-3 (RFC 8200 4.2, LINUX ip6_tlvopt_unknown): 01 discard; 10 code 2
  // even to multicast; 11 code 2 unless the destination is multicast.
  ++stats.ipv6.in_hdr_errors;
  drop(DropReason::ipv6_option_discard);
  const auto action = chain.unknown_option.action();
  if (action == wire::TlvAction::discard) return;
  // 11 to a group is refused by send_icmpv6_error's ICMP6-2 rule (counted there).
  send_icmpv6_error(in, ip.datagram(), link, kParamProblem, 2,
                    static_cast<std::uint32_t>(chain.unknown_option.offset),
                    action == wire::TlvAction::discard_icmp, now);
}

void Stack::Impl::ipv6_fragment_input(Interface& in, const wire::Ipv6View& ip,
                                      const wire::Ipv6ExtChain& chain, const LinkInfo& link, Instant now) {
  const wire::Bytes dg = ip.datagram();
  const auto frag = wire::Ipv6FragmentHeaderView::parse(dg, chain.fragment_header_offset);
  if (!frag) {  // the walk checked it: unreachable
    ++stats.ipv6.in_hdr_errors;
    return drop(DropReason::ipv6_fragment);
  }
  // Expire first so a queue past its time is not completed late.
  ipv6_poll(now);
  Reassembler<Ipv6Family>::Fragment fragment;
  fragment.key = Ipv6FragmentKey{ip.src(), ip.dst(), frag->identification()};  // V6-FRAG-1
  fragment.offset = static_cast<std::uint32_t>(frag->fragment_offset_bytes());
  fragment.more_fragments = frag->more_fragments();
  fragment.payload = dg.subspan(chain.end_offset);
  fragment.header = dg.first(chain.end_offset);
  fragment.next_header_offset = static_cast<std::uint16_t>(naming_field(dg, chain.fragment_header_offset));
  const auto outcome = reassembly_v6.submit(fragment, now);
  switch (outcome.status) {
    case ReassemblyStatus::held: return;
    case ReassemblyStatus::duplicate: return drop(DropReason::ipv6_fragment);  // RFC 5722: ignored
    case ReassemblyStatus::dropped:
      // V6-FRAG-4 overlaps (RFC 5722), V6-FRAG-8 caps, oversize: silent;
      // ReasmFails / ReasmOverlaps are the reassembler's counters.
      if (outcome.reason == ReassemblyDrop::not_multiple_of_8 ||
          outcome.reason == ReassemblyDrop::invalid_header)
        ++stats.ipv6.in_hdr_errors;
      return drop(DropReason::ipv6_fragment);
    case ReassemblyStatus::complete: break;
  }
  // The whole datagram (Fragment header removed): its chain is walked again
  // and processed as if it had come so (RFC 8200 4.5).
  const auto whole = wire::Ipv6View::parse(outcome.datagram);
  if (!whole) {
    ++stats.ipv6.in_hdr_errors;
    return drop(DropReason::ipv6_fragment);
  }
  const auto chain2 = wire::Ipv6ExtChain::walk(*whole, config.ipv6_ext_limits);
  if (!chain2) return ipv6_chain_error(in, *whole, chain2.error(), link, now);
  ipv6_after_chain(in, *whole, *chain2, link, true, now);
}

void Stack::Impl::ipv6_deliver(Interface& in, const wire::Ipv6View& ip, const wire::Ipv6ExtChain& chain,
                               const LinkInfo& link, Instant now) {
  IpStats& st = stats.ipv6;
  const auto nh = static_cast<std::uint8_t>(chain.next_header);
  switch (chain.next_header) {
    case wire::Ipv6NextHeader::icmpv6:
      ++st.in_delivers;
      return icmpv6_input(in, ip, chain.end_offset, link, now);
    case wire::Ipv6NextHeader::no_next_header:
      // RFC 8200 4.7: nothing follows; consumed (LINUX: delivered to a discard handler).
      ++st.in_delivers;
      return;
    default: break;
  }
  TransportProtocol* handler = protocols[nh];
  if (handler == nullptr) {
    // V6-EXT-2: code 1 @ the Next Header field that named it.
    ++st.in_unknown_protos;
    drop(DropReason::ipv6_unknown_next_header);
    return send_icmpv6_error(in, ip.datagram(), link, kParamProblem, 1,
                             static_cast<std::uint32_t>(chain.next_header_offset), false, now);
  }
  Ipv6Delivery meta;
  meta.interface = in.id;
  meta.source = ip.src();
  meta.destination = ip.dst();
  meta.next_header = nh;
  meta.hop_limit = ip.hop_limit();
  meta.traffic_class = ip.traffic_class();
  meta.flow_label = ip.flow_label();
  meta.to_multicast = meta.destination.is_multicast();
  meta.datagram = ip.datagram();
  meta.transport_offset = chain.end_offset;
  ++st.in_delivers;
  if (handler->deliver_ipv6(meta, ip.datagram().subspan(chain.end_offset), now) ==
      DeliveryResult::port_unreachable) {
    drop(DropReason::no_transport);
    send_icmpv6_error(in, ip.datagram(), link, kDestUnreachable, 4, 0, false, now);
  }
}

void Stack::Impl::ipv6_poll(Instant now) {
  reassembly_v6.poll(now, [&](const Reassembler<Ipv6Family>::Expired& e) {
    drop(DropReason::ipv6_reassembly_timeout);
    // V6-FRAG-7: time exceeded code 1 when the offset-0 fragment came.
    if (!e.first_fragment_received) return;
    Interface* in = ipv6_owner(e.key.destination);
    if (in == nullptr) in = &interfaces.front();
    send_icmpv6_error(*in, e.first_fragment, LinkInfo{}, kTimeExceeded, 1, 0, false, now);
  });
}

void Stack::Impl::ipv6_unreachable_neighbor(Interface& out, wire::Bytes datagram, Instant now) {
  // LINUX ndisc_error_report: address unreachable to the datagram's source;
  // ours as a rule, so it comes back through loopback to the transport.
  send_icmpv6_error(out, datagram, LinkInfo{}, kDestUnreachable, 3, 0, false, now);
}

// ---------------------------------------------------------------------------
// Output

std::optional<wire::Ipv6Address> Stack::Impl::ipv6_interface_source(const Interface& in,
                                                                    const wire::Ipv6Address& to) const {
  if (in.ipv6.empty()) return std::nullopt;
  const bool want_link_local = is_link_local(to) || (to.is_multicast() && (to.octets[1] & 0x0f) <= 2);
  for (const auto& a : in.ipv6)
    if (is_link_local(a.address) == want_link_local) return a.address;
  return in.ipv6.front().address;
}

Result<Stack::Impl::Ipv6Route, Errno> Stack::Impl::ipv6_route(const wire::Ipv6Address& destination,
                                                              const std::optional<wire::Ipv6Address>& source,
                                                              std::optional<InterfaceId> interface) {
  Ipv6Route r;
  r.neighbor = destination;
  if (interface && this->interface(*interface) == nullptr) return fail(ENODEV);
  if (destination.is_unspecified()) return fail(EINVAL);
  if (const Interface* owner = destination.is_loopback() ? &interfaces.front() : ipv6_owner(destination)) {
    // Our own addresses go through loopback (LINUX: the local table). Their
    // route names the address's own interface (loopback for ::1): an output
    // interface asked for (IPV6_PKTINFO, a bound device) that is another one
    // finds no route (LINUX ip6_route_output: RT6_LOOKUP_F_IFACE).
    if (interface && this->interface(*interface) != owner) return fail(ENETUNREACH);
    r.out = &interfaces.front();
    r.source = source.value_or(destination);
    return r;
  }
  if (destination.is_multicast()) {
    // No multicast routes: the interface named, else the first with IPv6.
    if (interface) {
      r.out = this->interface(*interface);
    } else {
      for (auto& i : interfaces)
        if (!i.is_loopback() && !i.ipv6.empty()) {
          r.out = &i;
          break;
        }
    }
    if (r.out == nullptr || r.out->ipv6.empty()) return fail(ENETUNREACH);
    r.source = source ? *source : *ipv6_interface_source(*r.out, destination);
    return r;
  }
  const auto hop = routes.lookup(destination, interface);
  if (!hop) return fail(ENETUNREACH);
  r.out = this->interface(hop->interface);
  if (r.out == nullptr) return fail(ENETUNREACH);
  r.neighbor = hop->neighbor;
  r.source = source.value_or(hop->source);
  return r;
}

std::uint32_t Stack::Impl::next_ipv6_fragment_id(const wire::Ipv6Address& source,
                                                 const wire::Ipv6Address& destination) {
  // RFC 7739 5.3: a counter per destination (hashed into a small table) that
  // starts at a secret offset: unpredictable off-path, never repeating soon
  // for one pair.
  if (!ipv6_id_ready) {
    ipv6_id_key = SipHashKey{entropy->next_u64(), entropy->next_u64()};
    for (auto& c : ipv6_id_counters) c = entropy->next_u32();
    ipv6_id_ready = true;
  }
  std::array<std::byte, 32> pair{};
  std::memcpy(pair.data(), source.octets.data(), 16);
  std::memcpy(pair.data() + 16, destination.octets.data(), 16);
  const std::uint64_t h = siphash24(ipv6_id_key, std::span<const std::byte, 32>(pair));
  auto& counter = ipv6_id_counters[h % ipv6_id_counters.size()];
  counter = counter == 0xffffffffu ? 0 : counter + 1;
  return static_cast<std::uint32_t>(h >> 32) ^ counter;
}

Result<void, Errno> Stack::Impl::ipv6_output(const Ipv6SendParams& params, wire::Bytes payload, Instant now) {
  IpStats& st = stats.ipv6;
  // Invalid requests are refused before anything is counted as sent.
  if (params.flow_label > f6::max_flow_label) return fail(EINVAL);
  if (params.source && (params.source->is_multicast() || ipv6_owner(*params.source) == nullptr))
    return fail(EINVAL);
  // CMSG-7 / V6-EXT-*: the headers the caller gives are checked by the code
  // that checks received ones.
  if (!params.hop_by_hop.empty()) {
    const auto h = wire::Ipv6OptionsHeaderRepr::parse(params.hop_by_hop, true, config.ipv6_ext_limits);
    if (!h) return fail(EINVAL);
    for (const auto& o : h->options)
      if (o.type == wire::Ipv6OptionType::jumbo_payload) return fail(EINVAL);  // no jumbograms
  }
  if (!params.destination_options.empty() &&
      !wire::Ipv6OptionsHeaderRepr::parse(params.destination_options, false, config.ipv6_ext_limits))
    return fail(EINVAL);
  if (!params.routing.empty()) {
    const auto rh = wire::Ipv6RoutingHeaderRepr::parse(params.routing);
    if (!rh || rh->segments_left != 0) return fail(EINVAL);  // no source routing
  }

  ++st.out_requests;
  const auto route = ipv6_route(params.destination, params.source, params.interface);
  if (!route) return route_failed(st, route.error());
  const std::uint8_t hop_limit =
      params.hop_limit.value_or(params.destination.is_multicast() ? 1 : config.default_hop_limit);
  return ipv6_emit(*route, params, hop_limit, payload, now);
}

Result<void, Errno> Stack::Impl::ipv6_emit(const Ipv6Route& route, const Ipv6SendParams& params,
                                           std::uint8_t hop_limit, wire::Bytes payload, Instant now) {
  IpStats& st = stats.ipv6;
  Interface& out = *route.out;
  const wire::Bytes hbh = params.hop_by_hop;
  const wire::Bytes rh = params.routing;
  const wire::Bytes dst_opts = params.destination_options;
  const std::size_t unfragmentable = f6::header_len + hbh.size() + rh.size();
  const std::size_t fragmentable = dst_opts.size() + payload.size();
  if (fragmentable > kMaxDatagram - unfragmentable) {  // no jumbograms
    ++st.out_discards;
    drop(DropReason::message_too_big);
    return fail(EMSGSIZE);
  }
  // The Next Header values down the chain: HBH, RH, [Fragment], DST, upper.
  const auto upper = params.next_header;
  const std::uint8_t after_rh = dst_opts.empty() ? upper : std::uint8_t{60};
  const std::uint8_t after_hbh = rh.empty() ? after_rh : std::uint8_t{43};
  const std::uint8_t first = hbh.empty() ? after_hbh : std::uint8_t{0};

  wire::Ipv6Repr h;
  h.src = route.source;
  h.dst = params.destination;
  h.hop_limit = hop_limit;
  h.traffic_class = params.traffic_class;
  h.flow_label = params.flow_label;

  // The datagram or fragment being built: ipv6_tx from link_headroom on (set below).
  wire::MutableBytes tx;
  // Writes the unfragmentable part; `last` is what the last of its headers names.
  auto write_unfragmentable = [&](std::uint8_t last, std::size_t payload_len) {
    h.next_header = static_cast<wire::Ipv6NextHeader>(hbh.empty() && rh.empty() ? last : first);
    h.payload_len = static_cast<std::uint16_t>(payload_len);
    (void)h.emit(tx);
    std::size_t at = f6::header_len;
    if (!hbh.empty()) {
      std::memcpy(tx.data() + at, hbh.data(), hbh.size());
      tx[at] = std::byte{rh.empty() ? last : std::uint8_t{43}};
      at += hbh.size();
    }
    if (!rh.empty()) {
      std::memcpy(tx.data() + at, rh.data(), rh.size());
      tx[at] = std::byte{last};
      at += rh.size();
    }
    return at;
  };
  // Copies [from, from + n) of the fragmentable part (DST header, then payload).
  auto copy_fragmentable = [&](std::size_t to, std::size_t from, std::size_t n) {
    if (from < dst_opts.size()) {
      const std::size_t k = std::min(n, dst_opts.size() - from);
      std::memcpy(tx.data() + to, dst_opts.data() + from, k);
      if (k > 0 && from == 0) tx[to] = std::byte{upper};
      to += k;
      from += k;
      n -= k;
    }
    if (n > 0) std::memcpy(tx.data() + to, payload.data() + (from - dst_opts.size()), n);
  };

  const std::size_t total = unfragmentable + fragmentable;
  // The buffer grows to the largest datagram or fragment sent, once.
  const std::size_t needed = std::min(total, std::max(out.mtu, unfragmentable + fx::fragment_header_len + 8));
  if (ipv6_tx.size() < link_headroom + needed) ipv6_tx.resize(link_headroom + needed);
  tx = wire::MutableBytes(ipv6_tx).subspan(link_headroom);
  if (total <= out.mtu) {
    const std::size_t at =
        write_unfragmentable(after_hbh == 43 ? after_rh : after_hbh, total - f6::header_len);
    copy_fragmentable(at, 0, fragmentable);
    return transmit_ipv6(out, route.neighbor, wire::Bytes(tx.data(), total), now, link_headroom);
  }
  // V6-FRAG-9: only the source fragments. LINUX ip6_fragment: a socket that
  // forces path MTU discovery gets EMSGSIZE instead.
  const std::size_t room = out.mtu > unfragmentable + fx::fragment_header_len
                               ? (out.mtu - unfragmentable - fx::fragment_header_len) / 8 * 8
                               : 0;
  if (params.pmtu == PmtuDiscovery::do_ || params.pmtu == PmtuDiscovery::probe || room == 0) {
    ++st.frag_fails;
    drop(DropReason::message_too_big);
    return fail(EMSGSIZE);
  }
  const std::uint32_t id = next_ipv6_fragment_id(route.source, params.destination);
  const std::uint8_t fragment_next = dst_opts.empty() ? upper : std::uint8_t{60};
  for (std::size_t offset = 0; offset < fragmentable;) {
    const std::size_t n = std::min(room, fragmentable - offset);
    const bool more = offset + n < fragmentable;
    // RFC 8200 4.5: the unfragmentable part in every fragment, then the
    // Fragment header, then this piece of the rest.
    const std::size_t at =
        write_unfragmentable(44, unfragmentable - f6::header_len + fx::fragment_header_len + n);
    wire::Ipv6FragmentHeaderRepr fh;
    fh.next_header = static_cast<wire::Ipv6NextHeader>(fragment_next);
    fh.fragment_offset = static_cast<std::uint16_t>(offset / 8);
    fh.more_fragments = more;
    fh.identification = id;
    (void)fh.emit(tx.subspan(at));
    copy_fragmentable(at + fx::fragment_header_len, offset, n);
    const auto sent = transmit_ipv6(
        out, route.neighbor, wire::Bytes(tx.data(), at + fx::fragment_header_len + n), now, link_headroom);
    if (!sent) return sent;
    ++st.frag_creates;
    offset += n;
  }
  ++st.frag_oks;
  return {};
}

}  // namespace hardstack::net

// IPv4 input and output: header checks, the receive routing decision,
// options, reassembly wiring, delivery to ICMP and the transports, output
// with options, DF and fragmentation, identifications. ICMPv4 is in
// stack_icmpv4.cpp.
//
// Input follows Linux's order (seed 001): ip_rcv_core (header), ip_route_input
// (martians, is it for us), ip_rcv_options, ip_local_deliver (defragment),
// ip_protocol_deliver. Output follows ip_queue_xmit / ip_fragment (seed 003).
//
// Counters where Linux counts none (each also noted where it happens):
//   martian source (multicast, broadcast, 0/8, ours, 127/8 on a device)
//     InHdrErrors: RFC 4293's InAddrErrors speaks of the destination field
//     only, and a source no host may use is a header error (Linux: the
//     rt_cache statistic in_martian_src only);
//   martian destination (0/8, 127/8 on a device) and a multicast group not
//     joined: InAddrErrors, as "not for us" (Linux: in_martian_dst);
//   a source-routed datagram refused (accept_source_route off): InDiscards,
//     nothing was wrong with it (Linux: no counter);
//   RFC 1858 TCP fragment at offset 8: InHdrErrors.

#include <algorithm>
#include <cerrno>

#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "modular.hpp"
#include "stack_internal.hpp"

namespace hardstack::net {

namespace {

namespace f = wire::ipv4_field;
namespace o = wire::ipv4_option_field;

constexpr std::uint8_t protocol_icmp = 1;
constexpr std::uint8_t protocol_tcp = 6;
constexpr wire::Ipv4Address all_hosts_group{{224, 0, 0, 1}};  // RFC 1112: every host is a member
constexpr wire::Ipv4Address loopback_address{{127, 0, 0, 1}};
constexpr std::size_t max_datagram_len = f::max_total_len;

constexpr auto kind(wire::Ipv4OptionKind k) { return static_cast<std::uint8_t>(k); }

HARDSTACK_MODULAR_ARITHMETIC std::uint32_t add_modular(std::uint32_t a, std::uint32_t b) { return a + b; }

// Header errors (V4-HDR-1..3), counted as ip_rcv_core does: a bad checksum
// is InCsumErrors and InHdrErrors, a total length past the data
// InTruncatedPkts, everything else InHdrErrors.
void header_error(Stack::Impl& s, wire::Bytes packet, const wire::ParseError& e) {
  auto& st = s.stats.ipv4;
  switch (e.code) {
    case wire::WireError::bad_version: ++st.in_hdr_errors; return s.drop(DropReason::ipv4_bad_version);
    case wire::WireError::bad_checksum:
      ++st.in_csum_errors;
      ++st.in_hdr_errors;
      return s.drop(DropReason::ipv4_bad_checksum);
    case wire::WireError::bad_total_length:
      // The view reports both "past the data" and "shorter than the header" here.
      if (wire::load_be16(packet, f::total_length.begin) > packet.size()) {
        ++st.in_truncated_pkts;
        return s.drop(DropReason::ipv4_truncated);
      }
      break;
    default: break;  // shorter than 20 bytes or than IHL * 4, IHL < 5
  }
  ++st.in_hdr_errors;
  s.drop(DropReason::ipv4_header_malformed);
}

}  // namespace

// ---------------------------------------------------------------------------
// Input

void Stack::Impl::ipv4_input(Interface& in, wire::Bytes packet, const LinkInfo& link, Instant now) {
  auto& st = stats.ipv4;
  ++st.in_receives;

  // 1. The header (V4-HDR-1..3; LINUX ip_rcv_core). The view trims link padding.
  const auto parsed = wire::Ipv4View::parse(packet);
  if (!parsed) return header_error(*this, packet, parsed.error());
  const wire::Ipv4View& ip = *parsed;
  if (in.ipv4.empty()) {
    ++st.in_discards;
    return drop(DropReason::interface_down);
  }

  // 2. Is it for us (LINUX ip_route_input_slow, ip_route_input_mc; V4-HDR-4, V4-HDR-5).
  const auto src = ip.src();
  const auto dst = ip.dst();
  const bool on_loopback = in.is_loopback();
  auto martian_source = [&] {
    ++st.in_hdr_errors;  // see the file comment
    drop(DropReason::ipv4_martian_source);
  };
  auto not_for_us = [&] {
    ++st.in_addr_errors;  // RFC 4293: a host counts datagrams not for it here
    drop(DropReason::ipv4_not_for_us);
  };
  Ipv4Cast cast = Ipv4Cast::unicast;
  if (dst.is_multicast()) {
    // RFC 1112: all-hosts is joined on every interface; no other group is yet.
    if (dst != all_hosts_group) return not_for_us();
    cast = Ipv4Cast::multicast;
  }
  // RFC 1122 3.2.1.3, RFC 1812 5.3.7: a source is never multicast or broadcast.
  if (src.is_multicast() || src.is_broadcast()) return martian_source();
  if (dst.is_broadcast()) {
    cast = Ipv4Cast::broadcast;  // LINUX: from 0.0.0.0 too (a DHCP client has no address yet)
  } else {
    if (is_zeronet(src)) return martian_source();
    if (is_zeronet(dst)) return not_for_us();
    if (!on_loopback && (dst.is_loopback() || src.is_loopback())) {
      // RFC 1122 3.2.1.3: 127/8 never appears outside a host.
      if (dst.is_loopback())
        ++st.in_addr_errors;
      else
        ++st.in_hdr_errors;
      return drop(DropReason::ipv4_loopback_on_device);
    }
    if (cast != Ipv4Cast::multicast) {
      // LINUX weak host model: any of our addresses, on whichever interface.
      if (ipv4_owner(dst) != nullptr || (on_loopback && dst.is_loopback()))
        cast = Ipv4Cast::unicast;
      else if (in.is_ipv4_broadcast(dst))
        cast = Ipv4Cast::broadcast;
      else
        return not_for_us();  // V4-HDR-5: a host does not forward, and sends nothing
    }
  }
  // LINUX fib_validate_source: our own address, or one of our broadcast
  // addresses, as the source of a datagram from outside is spoofed.
  if (!on_loopback && !is_zeronet(src) && (ipv4_owner(src) != nullptr || ipv4_is_any_broadcast(src)))
    return martian_source();

  // 3. Options (V4-OPT-*; LINUX ip_rcv_options / ip_options_compile).
  if (ip.ihl() > f::min_ihl) {
    const auto options = wire::Ipv4Options::parse(ip.options(), f::options);
    if (!options) {
      ++st.in_hdr_errors;
      drop(DropReason::ipv4_bad_options);
      // V4-OPT-1: the pointer is the wire layer's offset, from the header start.
      const auto pointer = std::min<std::uint32_t>(options.error().offset, 0xff);
      return send_icmpv4_error(in, ip.bytes(), link, 12, 0, pointer << 24, now);
    }
    if (const auto route = options->source_route()) {
      // V4-OPT-5 (LINUX accept_source_route = 0): refused, whatever its state.
      if (!config.accept_source_route) {
        ++st.in_discards;  // see the file comment
        return drop(DropReason::ipv4_source_route);
      }
      // Allowed: a route with hops left asks us to forward, which a host does not.
      if (!route->is_full()) return not_for_us();
    }
  }

  // 4. Fragments (LINUX ip_local_deliver -> ip_defrag).
  if (ip.is_fragment()) {
    // RFC 1858 3.2, RFC 3128: a TCP fragment at offset 8 can only serve to
    // rewrite the TCP header's flags (tiny and tiny-overlapping fragments).
    if (ip.protocol() == protocol_tcp && ip.fragment_offset() == 1) {
      ++st.in_hdr_errors;
      return drop(DropReason::ipv4_fragment);
    }
    // Expire first, so that a queue past its time is not completed late.
    ipv4_poll(now);
    Reassembler<Ipv4Family>::Fragment fragment;
    fragment.key = Ipv4FragmentKey{src, dst, ip.protocol(), ip.identification()};
    fragment.offset = static_cast<std::uint32_t>(ip.fragment_offset_bytes());
    fragment.more_fragments = ip.more_fragments();
    fragment.payload = ip.payload();
    fragment.header = ip.header();
    const auto outcome = reassembly_v4.submit(fragment, now);
    switch (outcome.status) {
      case ReassemblyStatus::held: return;
      case ReassemblyStatus::duplicate: return drop(DropReason::ipv4_fragment);
      case ReassemblyStatus::dropped:
        // V4-FRAG-2..4, V4-FRAG-6. ReasmFails is the reassembler's; these two
        // are header errors (LINUX: InHdrErrors).
        if (outcome.reason == ReassemblyDrop::not_multiple_of_8 ||
            outcome.reason == ReassemblyDrop::invalid_header)
          ++st.in_hdr_errors;
        return drop(DropReason::ipv4_fragment);
      case ReassemblyStatus::complete: break;
    }
    // The reassembled datagram (header rebuilt, checksum valid), in the
    // reassembler's buffer until its next call: delivery does not call it.
    const auto whole = wire::Ipv4View::parse(outcome.datagram);
    if (!whole) return header_error(*this, outcome.datagram, whole.error());
    return ipv4_deliver(in, *whole, cast, link, now);
  }
  ipv4_deliver(in, ip, cast, link, now);
}

// 5. Delivery (LINUX ip_protocol_deliver_rcu; V4-HDR-6).
void Stack::Impl::ipv4_deliver(Interface& in, const wire::Ipv4View& ip, Ipv4Cast cast, const LinkInfo& link,
                               Instant now) {
  auto& st = stats.ipv4;
  // RR / TS record this host (LINUX ip_options_compile on receive): the
  // address the datagram reached, or ours on its interface for a broadcast.
  wire::Bytes options;
  if (ip.ihl() > f::min_ihl) {
    const auto area = ip.options();
    const auto copy = wire::MutableBytes(ipv4_state.rx_options).first(area.size());
    std::copy(area.begin(), area.end(), copy.begin());
    const auto here = cast == Ipv4Cast::unicast ? ip.dst() : ipv4_select_address(in, ip.src());
    ipv4_stamp_options(copy, here, ipv4_timestamp(now), true);
    options = copy;
  }
  const std::uint8_t protocol = ip.protocol();
  if (protocol == protocol_icmp) {
    ++st.in_delivers;
    return icmpv4_input(in, ip, cast, options, link, now);
  }
  TransportProtocol* handler = protocols[protocol];
  if (handler == nullptr) {
    ++st.in_unknown_protos;
    drop(DropReason::ipv4_unknown_protocol);
    return send_icmpv4_error(in, ip.bytes(), link, 3, 2, 0, now);  // protocol unreachable
  }
  Ipv4Delivery meta;
  meta.interface = in.id;
  meta.source = ip.src();
  meta.destination = ip.dst();
  meta.protocol = protocol;
  meta.ttl = ip.ttl();
  meta.tos = static_cast<std::uint8_t>(ip.dscp() << 2 | ip.ecn());
  meta.to_broadcast = cast == Ipv4Cast::broadcast;
  meta.to_multicast = cast == Ipv4Cast::multicast;
  meta.spec_dst = cast == Ipv4Cast::unicast ? ip.dst() : ipv4_select_address(in, ip.src());
  meta.options = options;
  meta.datagram = ip.bytes();
  ++st.in_delivers;
  if (handler->deliver_ipv4(meta, ip.payload(), now) == DeliveryResult::port_unreachable) {
    drop(DropReason::no_transport);
    send_icmpv4_error(in, ip.bytes(), link, 3, 3, 0, now);  // port unreachable
  }
}

void Stack::Impl::ipv4_poll(Instant now) {
  reassembly_v4.poll(now, [&](const Reassembler<Ipv4Family>::Expired& expired) {
    drop(DropReason::ipv4_reassembly_timeout);
    // V4-FRAG-5 (RFC 792, LINUX ip_expire): time exceeded code 1, when the
    // first fragment came, quoting it; from the interface towards its source.
    if (!expired.first_fragment_received) return;
    const auto hop = routes.lookup(expired.key.source);
    Interface* in = hop ? interface(hop->interface) : nullptr;
    if (in == nullptr) in = &interfaces.front();
    // The arrival's link-level destination is not kept with the queue: taken
    // as unicast (the IP-level never-send rules still apply to the quote).
    send_icmpv4_error(*in, expired.first_fragment, LinkInfo{}, 11, 1, 0, now);
  });
}

// ---------------------------------------------------------------------------
// Options

std::uint32_t Stack::Impl::ipv4_timestamp(Instant now) {
  constexpr std::int64_t ms_per_day = 86'400'000;
  const std::int64_t ms = now.ns() / 1'000'000;
  const auto of_day = static_cast<std::uint32_t>(((ms % ms_per_day) + ms_per_day) % ms_per_day);
  return of_day | 0x8000'0000u;
}

void Stack::Impl::ipv4_stamp_options(wire::MutableBytes area, const wire::Ipv4Address& address,
                                     std::uint32_t timestamp, bool receiving) const {
  wire::for_each_ipv4_option(area, [&](std::uint8_t type, wire::MutableBytes opt) {
    const std::size_t len = opt.size();
    if (type == kind(wire::Ipv4OptionKind::record_route) && len >= o::route_min_len) {
      // RFC 791: the address goes where the pointer (1-based) points, if a whole one fits.
      const std::size_t pointer = wire::load_u8(opt, o::pointer);
      if (pointer < o::route_min_pointer || pointer + 3 > len) return;
      address.store(opt, pointer - 1);
      wire::store_u8(opt, o::pointer, static_cast<std::uint8_t>(pointer + 4));
    } else if (type == kind(wire::Ipv4OptionKind::timestamp) && len >= o::timestamp_min_len) {
      const std::size_t pointer = wire::load_u8(opt, o::pointer);
      const std::uint8_t flags = wire::load_u8(opt, o::overflow_flags);
      const auto flag = static_cast<wire::Ipv4TimestampFlag>(flags & 0x0f);
      if (pointer < o::timestamp_min_pointer) return;
      if (pointer > len) {
        // Full: RFC 791 counts the hosts that could not record, LINUX on
        // receive only and never for a prespecified list.
        const std::uint8_t overflow = flags >> 4;
        if (receiving && flag != wire::Ipv4TimestampFlag::prespecified && overflow < o::overflow_max)
          wire::store_u8(opt, o::overflow_flags,
                         static_cast<std::uint8_t>((overflow + 1) << 4 | (flags & 0x0f)));
        return;
      }
      std::size_t advance = 0;
      switch (flag) {
        case wire::Ipv4TimestampFlag::timestamps_only:
          if (pointer + 3 > len) break;
          wire::store_be32(opt, pointer - 1, timestamp);
          advance = 4;
          break;
        case wire::Ipv4TimestampFlag::with_addresses:
          if (pointer + 7 > len) break;
          address.store(opt, pointer - 1);
          wire::store_be32(opt, pointer + 3, timestamp);
          advance = 8;
          break;
        case wire::Ipv4TimestampFlag::prespecified: {
          if (pointer + 7 > len) break;
          // LINUX: only the host the slot names stamps it; others pass it on.
          const auto named = wire::Ipv4Address::load(opt, pointer - 1);
          if (ipv4_owner(named) == nullptr) break;
          wire::store_be32(opt, pointer + 3, timestamp);
          advance = 8;
          break;
        }
      }
      if (advance != 0) wire::store_u8(opt, o::pointer, static_cast<std::uint8_t>(pointer + advance));
    }
  });
}

namespace {

// V4-OPT-7, LINUX ip_options_compile (socket) / ip_options_build: a source
// route a socket gives lists the hops, first hop first; the datagram goes to
// the first hop and the option carries the others then the final destination.
wire::Ipv4Options with_source_route_for_output(const wire::Ipv4Options& given,
                                               const wire::Ipv4Address& final_dst,
                                               wire::Ipv4Address& first_hop) {
  wire::Ipv4Options out;
  for (const auto option : given) {
    if (option.kind() != wire::Ipv4OptionKind::loose_source_route &&
        option.kind() != wire::Ipv4OptionKind::strict_source_route) {
      (void)out.push_back(option);  // fits: same total length
      continue;
    }
    const auto hops = option.addresses();  // the socket check: at least one, whole slots
    first_hop = hops[0];
    std::array<wire::Ipv4Address, o::max_route_addresses> rest{};
    std::copy(hops.begin() + 1, hops.end(), rest.begin());
    rest[hops.size() - 1] = final_dst;
    const auto rewritten =
        wire::Ipv4Option::route(option.kind(), o::route_min_pointer, std::span(rest).first(hops.size()));
    (void)out.push_back(rewritten.value());
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Output

bool Stack::Impl::ipv4_is_any_broadcast(const wire::Ipv4Address& a) const {
  if (a.is_broadcast()) return true;
  for (const auto& i : interfaces)
    if (i.is_ipv4_broadcast(a)) return true;
  return false;
}

wire::Ipv4Address Stack::Impl::ipv4_select_address(const Interface& in, const wire::Ipv4Address& peer) const {
  for (const auto& a : in.ipv4) {
    const std::uint32_t mask = a.prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - a.prefix_length);
    if ((a.address.to_u32() & mask) == (peer.to_u32() & mask)) return a.address;
  }
  return in.ipv4.empty() ? wire::Ipv4Address{} : in.ipv4.front().address;
}

Result<Stack::Impl::Ipv4Route, Errno> Stack::Impl::ipv4_route_output(const wire::Ipv4Address& destination,
                                                                     const wire::Ipv4Address& source,
                                                                     std::optional<InterfaceId> interface) {
  Ipv4Route route;
  const bool local = ipv4_owner(destination) != nullptr;
  if (local || destination.is_loopback()) {
    // LINUX: local destinations are routed through lo; the source is the
    // destination itself (127.0.0.1 for the rest of 127/8).
    route.out = &interfaces.front();
    route.neighbor = destination;
    route.source = local ? destination : loopback_address;
  } else {
    if (is_zeronet(destination)) return Unexpected(EINVAL);
    const auto hop = routes.lookup(destination, interface);
    if (!hop) return Unexpected(ENETUNREACH);
    route.out = this->interface(hop->interface);
    if (route.out == nullptr) return Unexpected(ENETUNREACH);
    route.via_gateway = hop->via_gateway;
    // Broadcast and multicast are framed for the group, never resolved.
    const bool group =
        destination.is_broadcast() || destination.is_multicast() || route.out->is_ipv4_broadcast(destination);
    route.neighbor = group ? destination : hop->neighbor;
    route.source = hop->source;
  }
  if (!source.is_unspecified()) {
    // LINUX ip_route_output_key_hash: a source must be one of ours (EINVAL),
    // and 127/8 stays on loopback.
    const bool ours = ipv4_owner(source) != nullptr || (source.is_loopback() && route.out->is_loopback());
    if (!ours || (source.is_loopback() && !route.out->is_loopback())) return Unexpected(EINVAL);
    route.source = source;
  }
  return route;
}

Result<void, Errno> Stack::Impl::ipv4_output(const Ipv4SendParams& params, wire::Bytes payload, Instant now) {
  auto& st = stats.ipv4;
  // V4-OPT-7: socket options go through the walker that checks received
  // ones (the socket layer decides who may set unknown kinds: CMSG-2), at
  // most 40 bytes; EINVAL, as Linux's ip_options_get, before anything is counted.
  const auto options =
      wire::Ipv4Options::parse(params.options, f::options, wire::Ipv4OptionsOrigin::privileged_socket);
  if (!options) return Unexpected(EINVAL);
  ++st.out_requests;

  wire::Ipv4Repr header;
  header.dst = params.destination;
  header.options = *options;
  wire::Ipv4Address next = params.destination;
  if (options->has_source_route())
    header.options = with_source_route_for_output(*options, params.destination, next);

  const auto route = ipv4_route_output(next, params.source.value_or(wire::Ipv4Address{}), params.interface);
  if (!route) return route_failed(st, route.error());
  // LINUX ip_queue_xmit: a strict route's first hop must be on-link.
  if (header.options.is_strict_source_route() && route->via_gateway) return no_route(st, EHOSTUNREACH);
  header.src = route->source;
  header.dst = next;
  header.protocol = params.protocol;
  // LINUX: unicast TTL ip_default_ttl, multicast TTL 1 (IP_MULTICAST_TTL).
  header.ttl = params.ttl.value_or(next.is_multicast() ? 1 : config.default_ttl);
  header.dscp = static_cast<std::uint8_t>(params.tos >> 2);
  header.ecn = static_cast<std::uint8_t>(params.tos & 0x03);
  return ipv4_transmit(*route, header, payload, params.pmtu, now);
}

Result<void, Errno> Stack::Impl::ipv4_transmit(const Ipv4Route& route, wire::Ipv4Repr& header,
                                               wire::Bytes payload, PmtuDiscovery pmtu, Instant now) {
  auto& st = stats.ipv4;
  Interface& out = *route.out;
  const std::size_t header_len = header.header_len();
  // RFC 791: 65535 bytes at most, whatever the MTU (LINUX ip_append_data: EMSGSIZE).
  if (payload.size() > max_datagram_len - header_len) {
    ++st.out_discards;
    drop(DropReason::message_too_big);
    return Unexpected(EMSGSIZE);
  }
  const std::size_t mtu = std::min(out.mtu, max_datagram_len);
  const bool fits = header_len + payload.size() <= mtu;
  // PmtuDiscovery as Linux's ip_dont_fragment / __ip_make_skb: WANT sets DF
  // on what fits and fragments the rest without it.
  bool dont_fragment = false;
  switch (pmtu) {
    case PmtuDiscovery::dont: dont_fragment = false; break;
    case PmtuDiscovery::want: dont_fragment = fits; break;
    case PmtuDiscovery::do_:
    case PmtuDiscovery::probe: dont_fragment = true; break;
  }
  if (!fits && dont_fragment) {
    // V4-FRAG-7: IP_PMTUDISC_DO and too big: the sender gets EMSGSIZE.
    ++st.frag_fails;
    drop(DropReason::message_too_big);
    return Unexpected(EMSGSIZE);
  }
  header.identification = next_ipv4_id(header.dst);
  header.dont_fragment = dont_fragment;

  // Grown to the largest datagram or fragment sent, then reused (no
  // allocation per packet); the datagram starts link_headroom bytes in.
  auto& storage = ipv4_state.datagram;
  const std::size_t largest = std::min(header_len + payload.size(), mtu);
  if (storage.size() < link_headroom + largest) storage.resize(link_headroom + largest);
  const wire::MutableBytes buffer = wire::MutableBytes(storage).subspan(link_headroom);
  const std::uint32_t timestamp = ipv4_timestamp(now);
  // Emits one datagram or fragment: header (RR / TS recorded, LINUX
  // ip_options_build), then its share of the payload; and hands it on.
  auto emit = [&](const wire::Ipv4Repr& h, wire::Bytes part) -> Result<void, Errno> {
    const auto hlen = h.emit_header(buffer);
    if (!hlen) return Unexpected(EINVAL);  // unreachable: the options and sizes were checked
    if (*hlen > f::header_len) {
      ipv4_stamp_options(wire::MutableBytes(buffer).subspan(f::options, *hlen - f::header_len), h.src,
                         timestamp, false);
      wire::store_be16(buffer, f::checksum.begin, 0);
      wire::store_be16(buffer, f::checksum.begin, wire::internet_checksum(wire::Bytes(buffer).first(*hlen)));
    }
    std::copy(part.begin(), part.end(), buffer.begin() + static_cast<std::ptrdiff_t>(*hlen));
    ipv4_state.in_output = true;
    auto sent = transmit_ipv4(out, route.neighbor, wire::Bytes(buffer).first(*hlen + part.size()), now,
                              link_headroom);
    ipv4_state.in_output = false;
    return sent;
  };

  if (fits) {
    header.payload_len = static_cast<std::uint16_t>(payload.size());
    return emit(header, payload);
  }
  // V4-FRAG-7 (RFC 791 3.2, LINUX ip_do_fragment): 8-byte aligned data in
  // every fragment but the last; the first carries every option, the others
  // only those with the copied flag.
  wire::Ipv4Repr fragment = header;
  const wire::Ipv4Options copied = header.options.copied_only();
  std::size_t offset = 0;
  while (offset < payload.size()) {
    if (offset != 0) fragment.options = copied;
    const std::size_t room = (mtu - fragment.header_len()) & ~std::size_t{7};  // >= 8: MTU >= 68
    const std::size_t len = std::min(room, payload.size() - offset);
    fragment.more_fragments = offset + len < payload.size();
    fragment.fragment_offset = static_cast<std::uint16_t>(offset / 8);
    fragment.payload_len = static_cast<std::uint16_t>(len);
    if (auto sent = emit(fragment, payload.subspan(offset, len)); !sent) {
      ++st.frag_fails;
      return sent;
    }
    ++st.frag_creates;
    offset += len;
  }
  ++st.frag_oks;
  return {};
}

// Identifications (RFC 6864, RFC 7739; LINUX __ip_select_ident): one counter
// per bucket of destinations, the bucket chosen by SipHash-2-4 of the
// destination under a secret key; the ID is that counter plus an offset the
// same hash gives the destination, and the counter jumps ahead by a random
// amount that grows with the time since the bucket was last used. An
// observer of one destination's IDs learns nothing of another's traffic,
// and IDs do not repeat within a reassembly timeout for a busy destination.
std::uint16_t Stack::Impl::next_ipv4_id(const wire::Ipv4Address& destination) {
  auto& st = ipv4_state;
  if (!st.id_seeded) {
    st.id_key = SipHashKey{entropy->next_u64(), entropy->next_u64()};
    st.id_stamps.fill(latest);
    st.id_seeded = true;
  }
  std::array<std::byte, 4> key{};
  destination.store(key, 0);
  const std::uint64_t hash = siphash24(st.id_key, std::span<const std::byte, 4>(key));
  const std::size_t bucket = hash % st.id_counters.size();
  const auto offset = static_cast<std::uint32_t>(hash >> 48);
  // LINUX ip_idents_reserve: a random step bounded by the idle time (here in ms, at most 2^16).
  std::uint32_t step = 1;
  const auto idle_ms = (latest - st.id_stamps[bucket]).count_ms();
  if (idle_ms > 0) {
    step += entropy->uniform(static_cast<std::uint32_t>(std::min<std::int64_t>(idle_ms, 0x10000)));
    st.id_stamps[bucket] = latest;
  }
  st.id_counters[bucket] = add_modular(st.id_counters[bucket], step);
  return static_cast<std::uint16_t>(add_modular(st.id_counters[bucket], offset) & 0xffff);
}

}  // namespace hardstack::net

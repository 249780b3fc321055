// ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861) for the stack: echo,
// errors out with their never-send rules, quoting and rate limit, errors in
// to the transports, and NS / NA (plus the host's handling of RS, RA and
// Redirect).
//
// Choices where Linux and the RFCs leave room, with what Linux does:
// - Echo replies carry code 0 (Linux copies the request's code); an echo to a
//   group we joined (ff02::1) is answered from the arrival interface's
//   address (icmpv6_echo_ignore_multicast is 0). echo_ignore_all applies to
//   both families.
// - A Neighbor Advertisement answering a unicast NS has S=1, O=0 and no
//   Target Link-Layer Address option; a multicast NS gets S=1, O=1 and the
//   option; a DAD probe (unspecified source) gets S=0, O=1, the option, to
//   ff02::1 (LINUX ndisc_recv_ns / ndisc_send_na). An NS without a source
//   link-layer option is answered through normal resolution of its source.
// - A Router Advertisement from a link-local source refreshes the router's
//   link-layer address and the Reachable Time / Retrans Timer (RFC 4861
//   6.3.4); prefixes, MTU and default routers are not taken (no SLAAC).
//   Router Solicitations (a host discards them, RFC 4861 6.2.6) and
//   Redirects (no destination cache) are validated, then ignored.
// - Errors received are handed to the transport only when the quoted
//   datagram is ours and its upper-layer header is in the quote; one about
//   a non-first fragment is dropped (its "header" would be data).

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ndp.hpp"
#include "stack_internal.hpp"

namespace hardstack::net {

namespace {

constexpr std::uint32_t kMaxRetransTimerMs = 3'600'000;  // RFC 4861 10 MAX_REACHABLE_TIME

namespace f6 = wire::ipv6_field;
namespace fi = wire::icmpv6_field;

constexpr std::uint8_t kNextHeaderIcmpv6 = 58;
constexpr std::uint8_t kRedirect = 137;
constexpr std::uint8_t kNdHopLimit = 255;

bool is_solicited_node(const wire::Ipv6Address& a) {
  return solicited_node(a) == a;  // ff02::1:ffXX:XXXX keeps its own low 24 bits
}

// Where the upper-layer header of a possibly truncated or malformed datagram
// starts (LINUX ipv6_skip_exthdr): lengths only, at most `max_headers`
// extension headers, nothing read past `packet`.
struct UpperLayer {
  std::uint8_t next_header = 0;
  std::size_t offset = 0;
  bool non_first_fragment = false;  // what follows is fragment data, not a header
};

std::optional<UpperLayer> skip_extension_headers(wire::Bytes packet, std::size_t max_headers) {
  if (packet.size() < f6::header_len) return std::nullopt;
  std::uint8_t nh = wire::load_u8(packet, f6::next_header.begin);
  std::size_t at = f6::header_len;
  for (std::size_t n = 0;; ++n) {
    const bool fragment = nh == 44;
    if (nh != 0 && nh != 43 && nh != 60 && nh != 51 && !fragment) return UpperLayer{nh, at, false};
    if (n == max_headers || packet.size() - at < 8) return std::nullopt;
    const std::size_t len = fragment   ? 8
                            : nh == 51 ? (std::size_t{wire::load_u8(packet, at + 1)} + 2) * 4  // RFC 4302 2.2
                                       : (std::size_t{wire::load_u8(packet, at + 1)} + 1) * 8;
    if (fragment && (wire::load_be16(packet, at + 2) >> 3) != 0)
      return UpperLayer{wire::load_u8(packet, at), at + 8, true};
    if (len > packet.size() - at) return std::nullopt;
    nh = wire::load_u8(packet, at);
    at += len;
  }
}

// RFC 4443 2.4 (e.1, e.2): the offending datagram is an ICMPv6 error or a
// Redirect (LINUX is_ineligible; a datagram whose chain cannot be followed
// is eligible, an ICMPv6 one too short to show its type is not). The walk is
// bounded only by the datagram (8 bytes a header at least), as Linux's: a
// chain too long for the input limits must not hide an error.
bool about_icmpv6_error(wire::Bytes offending) {
  const auto upper = skip_extension_headers(offending, offending.size() / 8);
  if (!upper || upper->next_header != kNextHeaderIcmpv6 || upper->non_first_fragment) return false;
  if (upper->offset >= offending.size()) return true;
  const std::uint8_t type = wire::load_u8(offending, upper->offset);
  return type < 128 || type == kRedirect;
}

template <typename T>
std::optional<T> find_option(const wire::NdOptions& options) {
  for (const auto& o : options)
    if (const auto* v = std::get_if<T>(&o)) return *v;
  return std::nullopt;
}

DropReason nd_parse_drop(const wire::ParseError& e) {
  switch (e.code) {
    // ND-1: an option of length 0 or past the message (RFC 4861 7.1.1, 7.1.2).
    case wire::WireError::bad_option_length:
    case wire::WireError::bad_option_value:
    case wire::WireError::too_many_options:
    case wire::WireError::truncated: return DropReason::nd_bad_option;
    default: return DropReason::nd_malformed;  // code != 0, multicast target...
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Output

Result<void, Errno> Stack::Impl::send_icmpv6(const Interface& in, const wire::Ipv6Address& source,
                                             const wire::Ipv6Address& destination, wire::MutableBytes message,
                                             Instant now) {
  wire::store_be16(message, fi::checksum.begin, 0);
  const auto sum = wire::PseudoHeader::v6(source, destination)
                       .start(kNextHeaderIcmpv6, static_cast<std::uint32_t>(message.size()))
                       .add(message)
                       .checksum();
  wire::store_be16(message, fi::checksum.begin, sum);
  Ipv6SendParams p;
  p.source = source;
  p.destination = destination;
  p.next_header = kNextHeaderIcmpv6;
  // A link-local peer is on the link the message came from (scope).
  if (is_link_local(destination) && !in.is_loopback()) p.interface = in.id;
  const auto sent = ipv6_output(p, message, now);
  if (sent) ++stats.icmpv6.out_msgs;
  return sent;
}

void Stack::Impl::send_icmpv6_error(Interface& in, wire::Bytes offending, const LinkInfo& link,
                                    std::uint8_t type, std::uint8_t code, std::uint32_t rest,
                                    bool allow_multicast, Instant now) {
  IcmpStats& st = stats.icmpv6;
  if (offending.size() < f6::header_len) {
    ++st.suppressed;
    return;
  }
  const auto src = wire::Ipv6Address::load(offending, f6::source.begin);
  const auto dst = wire::Ipv6Address::load(offending, f6::destination.begin);
  // ICMP6-2 (RFC 4443 2.4 e.3-e.5): nothing about a datagram sent to a group
  // or as a link-layer multicast / broadcast, but Packet Too Big and code 2
  // for an option of type 10xxxxxx.
  const bool multicast = dst.is_multicast() || !link.link_unicast();
  if ((multicast && !allow_multicast) ||
      // (e.6): nor to a source that does not name one node.
      src.is_unspecified() || src.is_multicast() ||
      // (e.1, e.2): nor about an error or a Redirect.
      about_icmpv6_error(offending)) {
    ++st.suppressed;
    return;
  }
  // ICMP6-5: errors share one token bucket (LINUX: none on loopback).
  if (!in.is_loopback() && !icmpv6_bucket.allow(now)) {
    ++st.out_rate_limited;
    return;
  }
  // From the address the datagram was sent to when it was ours, else from
  // the arrival interface (LINUX icmp6_send).
  std::optional<wire::Ipv6Address> from;
  if (!multicast && ipv6_owner(dst) != nullptr)
    from = dst;
  else
    from = ipv6_interface_source(in, src);
  if (!from) {
    ++st.out_errors;
    return;
  }
  // ICMP6-3: as much of the datagram as fits in 1280 bytes.
  const wire::Bytes quote = wire::icmpv6_error_quote(offending);
  const std::size_t len = fi::error_header_len + quote.size();
  if (icmpv6_tx.size() < len) icmpv6_tx.resize(wire::icmpv6_error_max_len);
  const wire::MutableBytes msg(icmpv6_tx.data(), len);
  wire::store_u8(msg, fi::type.begin, type);
  wire::store_u8(msg, fi::code.begin, code);
  wire::store_be32(msg, fi::pointer.begin, rest);
  std::memcpy(msg.data() + fi::error_header_len, quote.data(), quote.size());
  if (!send_icmpv6(in, *from, src, msg, now)) {
    ++st.out_errors;
    return;
  }
  switch (type) {
    case 1: ++st.out_dest_unreachs; break;
    case 3: ++st.out_time_excds; break;
    case 4: ++st.out_parm_probs; break;
    default: break;
  }
}

// ---------------------------------------------------------------------------
// Input

void Stack::Impl::icmpv6_input(Interface& in, const wire::Ipv6View& ip, std::size_t offset,
                               const LinkInfo& link, Instant now) {
  IcmpStats& st = stats.icmpv6;
  ++st.in_msgs;
  const wire::Bytes message = ip.datagram().subspan(offset);
  // ICMP6-4: the checksum covers the pseudo-header.
  const auto view = wire::Icmpv6View::parse(message, wire::PseudoHeader::v6(ip.src(), ip.dst()));
  if (!view) {
    ++st.in_errors;
    if (view.error().code == wire::WireError::bad_checksum) {
      ++st.in_csum_errors;
      return drop(DropReason::icmp_bad_checksum);
    }
    return drop(DropReason::icmp_malformed);
  }
  const auto type = static_cast<std::uint8_t>(view->type());
  switch (view->type()) {
    case wire::Icmpv6Type::echo_request: {
      // ICMP6-1: the same identifier, sequence and data back.
      ++st.in_echos;
      if (config.echo_ignore_all) return drop(DropReason::icmp_echo_ignored);
      const auto requester = ip.src();
      if (requester.is_unspecified()) return drop(DropReason::icmp_malformed);
      std::optional<wire::Ipv6Address> from;
      if (ip.dst().is_multicast())
        from = ipv6_interface_source(in, requester);
      else
        from = ip.dst();
      if (!from) return drop(DropReason::icmp_echo_ignored);
      if (icmpv6_tx.size() < message.size()) icmpv6_tx.resize(message.size());
      const wire::MutableBytes reply(icmpv6_tx.data(), message.size());
      std::memcpy(reply.data(), message.data(), message.size());
      wire::store_u8(reply, fi::type.begin, static_cast<std::uint8_t>(wire::Icmpv6Type::echo_reply));
      wire::store_u8(reply, fi::code.begin, 0);
      if (send_icmpv6(in, *from, requester, reply, now))
        ++st.out_echo_replies;
      else
        ++st.out_errors;
      return;
    }
    case wire::Icmpv6Type::echo_reply: ++st.in_echo_replies; return;  // no ping sockets yet
    case wire::Icmpv6Type::destination_unreachable: ++st.in_dest_unreachs; break;
    case wire::Icmpv6Type::packet_too_big: ++st.in_pkt_too_bigs; break;
    case wire::Icmpv6Type::time_exceeded: ++st.in_time_excds; break;
    case wire::Icmpv6Type::parameter_problem: ++st.in_parm_probs; break;
    case wire::Icmpv6Type::router_solicitation:
    case wire::Icmpv6Type::router_advertisement:
    case wire::Icmpv6Type::neighbor_solicitation:
    case wire::Icmpv6Type::neighbor_advertisement:
    case wire::Icmpv6Type::redirect: return nd_input(in, ip, message, link, now);
    default:
      // RFC 4443 2.4 (b): an unknown informational message is discarded.
      if (!view->is_error()) return drop(DropReason::icmp_unknown_type);
      break;  // (d): an unknown error goes to the upper layer
  }
  icmpv6_error_input(in, ip, type, view->code(), view->body(), now);
}

void Stack::Impl::icmpv6_error_input(Interface& in, const wire::Ipv6View& ip, std::uint8_t type,
                                     std::uint8_t code, wire::Bytes body, Instant now) {
  // The 4 bytes after the checksum, then the invoking packet: its IPv6
  // header, from one of our addresses, and 8 bytes of its upper-layer header.
  if (body.size() < 4 + f6::header_len) return drop(DropReason::icmp_malformed);
  const wire::Bytes quote = body.subspan(4);
  const auto quoted_source = wire::Ipv6Address::load(quote, f6::source.begin);
  if (ipv6_owner(quoted_source) == nullptr) return drop(DropReason::icmp_malformed);
  const auto upper = skip_extension_headers(quote, config.ipv6_ext_limits.max_headers);
  if (!upper || upper->non_first_fragment || quote.size() - upper->offset < 8)
    return drop(DropReason::icmp_malformed);
  TransportProtocol* handler = protocols[upper->next_header];
  if (handler == nullptr) return drop(DropReason::no_transport);
  IcmpErrorReport r;
  r.ipv6 = true;
  r.type = type;
  r.code = code;
  // Next-hop MTU for Packet Too Big, the pointer for a parameter problem, the
  // raw field for unknown errors; 0 where it is unused.
  const bool unused = type == 1 || type == 3;
  r.info = unused ? 0 : wire::load_be32(body, 0);
  r.interface = in.id;
  r.reporter_v6 = ip.src();
  r.quoted_source_v6 = quoted_source;
  r.quoted_destination_v6 = wire::Ipv6Address::load(quote, f6::destination.begin);
  r.protocol = upper->next_header;
  r.quoted_transport = quote.subspan(upper->offset);
  handler->icmp_error(r, now);
}

// ---------------------------------------------------------------------------
// Neighbor Discovery

bool Stack::Impl::send_nd(Interface& out, const wire::Ipv6Address& source,
                          const wire::Ipv6Address& destination, const std::optional<wire::MacAddress>& mac,
                          wire::Bytes message, Instant now) {
  wire::Ipv6Repr h;
  h.src = source;
  h.dst = destination;
  h.next_header = wire::Ipv6NextHeader::icmpv6;
  h.hop_limit = kNdHopLimit;  // RFC 4861 7.1: receivers check it is 255
  h.payload_len = static_cast<std::uint16_t>(message.size());
  if (ipv6_tx.size() < f6::header_len + message.size()) ipv6_tx.resize(f6::header_len + message.size());
  const auto len = h.emit(ipv6_tx, message);
  if (!len) return false;
  ++stats.ipv6.out_requests;
  const wire::Bytes datagram(ipv6_tx.data(), *len);
  const bool sent =
      mac ? transmit_frame(out, *mac, static_cast<std::uint16_t>(wire::EtherType::ipv6), datagram)
          : static_cast<bool>(transmit_ipv6(out, destination, datagram, now));
  if (sent) ++stats.icmpv6.out_msgs;
  return sent;
}

void Stack::Impl::send_neighbor_solicitation(Interface& out, const Solicitation<wire::Ipv6Address>& s) {
  if (out.ipv6.empty() || !out.ethernet()) return;
  // RFC 4861 7.2.2 / LINUX ndisc_solicit: the source of the packet that
  // prompted it when that is ours here, else the link-local address.
  wire::Ipv6Address source = out.ipv6.front().address;
  if (s.first_queued.size() >= f6::header_len) {
    const auto queued = wire::Ipv6Address::load(s.first_queued, f6::source.begin);
    if (out.find_ipv6(queued) != nullptr) source = queued;
  }
  // Multicast to the solicited-node group, or a unicast probe (7.3.3).
  const wire::Ipv6Address destination = s.unicast_to ? s.target : solicited_node(s.target);
  const wire::MacAddress mac = s.unicast_to ? *s.unicast_to : multicast_mac(destination);
  wire::NdNeighborSolicitation ns;
  ns.target = s.target;
  (void)ns.options.push_back(wire::NdSourceLinkLayerAddress{out.mac});
  const wire::Icmpv6Repr repr{ns};
  std::array<std::byte, 64> msg{};
  const auto len = repr.emit(msg, wire::PseudoHeader::v6(source, destination));
  if (!len) return;
  if (send_nd(out, source, destination, mac, wire::Bytes(msg.data(), *len), out.nd_events.now))
    ++stats.icmpv6.out_neighbor_solicits;
}

void Stack::Impl::nd_input(Interface& in, const wire::Ipv6View& ip, wire::Bytes message, const LinkInfo& link,
                           Instant now) {
  (void)link;
  IcmpStats& st = stats.icmpv6;
  const auto type = static_cast<wire::Icmpv6Type>(wire::load_u8(message, fi::type.begin));
  if (type == wire::Icmpv6Type::neighbor_solicitation) ++st.in_neighbor_solicits;
  if (type == wire::Icmpv6Type::neighbor_advertisement) ++st.in_neighbor_advertisements;
  // ND-1 (RFC 4861 6.1, 7.1, 8.1): hop limit 255 proves no router forwarded it.
  if (ip.hop_limit() != kNdHopLimit) return drop(DropReason::nd_bad_hop_limit);
  const auto src = ip.src();
  const auto dst = ip.dst();
  in.nd_events.now = now;

  switch (type) {
    case wire::Icmpv6Type::neighbor_solicitation: {
      const auto ns = wire::NdNeighborSolicitation::parse(message);
      if (!ns) return drop(nd_parse_drop(ns.error()));
      const auto slla = find_option<wire::NdSourceLinkLayerAddress>(ns->options);
      const bool dad = src.is_unspecified();
      // RFC 4861 7.1.1: a DAD probe goes to the solicited-node group and has
      // no source link-layer address.
      if (dad && (!is_solicited_node(dst) || slla)) return drop(DropReason::nd_malformed);
      if (in.find_ipv6(ns->target) == nullptr) return drop(DropReason::ipv6_not_for_us);
      // 7.2.3: learn the sender (created stale, queued packets released).
      if (!dad && slla && in.nd) in.nd->on_solicitation(src, slla->address, now, in.nd_events);
      const bool to_group = dst.is_multicast();
      wire::NdNeighborAdvertisement na;
      na.solicited = !dad;
      na.override_flag = dad || to_group;
      na.target = ns->target;
      if ((dad || to_group) && in.ethernet())
        (void)na.options.push_back(wire::NdTargetLinkLayerAddress{in.mac});
      const wire::Ipv6Address to = dad ? all_nodes_group : src;
      const wire::Icmpv6Repr repr{na};
      std::array<std::byte, 64> msg{};
      const auto len = repr.emit(msg, wire::PseudoHeader::v6(ns->target, to));
      if (!len) return;
      if (send_nd(in, ns->target, to, std::nullopt, wire::Bytes(msg.data(), *len), now))
        ++st.out_neighbor_advertisements;
      return;
    }
    case wire::Icmpv6Type::neighbor_advertisement: {
      const auto na = wire::NdNeighborAdvertisement::parse(message);
      if (!na) return drop(nd_parse_drop(na.error()));
      // RFC 4861 7.1.2: a solicited advertisement is never multicast.
      if (dst.is_multicast() && na->solicited) return drop(DropReason::nd_malformed);
      // Someone else claims one of our addresses (no DAD here): not learnt.
      if (ipv6_owner(na->target) != nullptr) return drop(DropReason::nd_malformed);
      if (!in.nd) return;
      const auto tlla = find_option<wire::NdTargetLinkLayerAddress>(na->options);
      in.nd->on_advertisement(na->target, tlla ? std::optional(tlla->address) : std::nullopt,
                              AdvertisementFlags{na->solicited, na->override_flag, na->router, false}, now,
                              in.nd_events);
      return;
    }
    case wire::Icmpv6Type::router_advertisement: {
      const auto ra = wire::NdRouterAdvertisement::parse(message);
      if (!ra) return drop(nd_parse_drop(ra.error()));
      // RFC 4861 6.1.2: from a link-local address.
      if (!is_link_local(src)) return drop(DropReason::nd_malformed);
      if (!in.nd) return;
      // 6.3.4: the router's link-layer address and the link's ND timers.
      if (const auto slla = find_option<wire::NdSourceLinkLayerAddress>(ra->options))
        in.nd->on_solicitation(src, slla->address, now, in.nd_events);
      if (ra->reachable_time != 0)
        (void)in.nd->set_base_reachable_time(Duration::milliseconds(ra->reachable_time), now);
      // RFC 4861 gives Retrans Timer no ceiling (LINUX takes up to its
      // MAX_SCHEDULE_TIMEOUT); hardstack ignores one above MAX_REACHABLE_TIME
      // (3,600,000 ms), so a hostile RA cannot park resolutions, and the
      // packets queued behind them, for weeks (found by ipv6_input).
      if (ra->retrans_timer != 0 && ra->retrans_timer <= kMaxRetransTimerMs)
        (void)in.nd->set_retrans_time(Duration::milliseconds(ra->retrans_timer));
      return;
    }
    case wire::Icmpv6Type::router_solicitation: {
      const auto rs = wire::NdRouterSolicitation::parse(message);
      if (!rs) return drop(nd_parse_drop(rs.error()));
      return drop(DropReason::icmp_unknown_type);  // RFC 4861 6.2.6: hosts discard them
    }
    case wire::Icmpv6Type::redirect: {
      const auto r = wire::NdRedirect::parse(message);
      if (!r) return drop(nd_parse_drop(r.error()));
      if (!is_link_local(src)) return drop(DropReason::nd_malformed);  // RFC 4861 8.1
      return drop(DropReason::icmp_unknown_type);  // valid, not acted on (no destination cache)
    }
    default: return;
  }
}

}  // namespace hardstack::net

// ICMP for IPv4 (RFC 792, RFC 1122 3.2.2, RFC 1812 4.3.2): input (echo, and
// errors handed to the transport that sent the quoted datagram), errors out
// under the never-send rules and the rate limit. Linux's icmp_rcv, icmp_echo,
// icmp_unreach and __icmp_send, in their order.
//
// Choices (each noted where made):
// - ICMP errors carry no IP options; echo replies carry the request's Record
//   Route and Timestamp back (RFC 1122 3.2.2.6), recorded on the way in and
//   on the way out, as Linux does. Source routes are not reversed (a
//   source-routed datagram is dropped unless accept_source_route is on).
// - Redirects are ignored (there is no route cache to update), as are source
//   quench (RFC 6633), timestamp, information and address-mask messages and
//   router discovery: counted as DropReason::icmp_unknown_type.
// - A received error whose quote cannot be about a datagram we sent (shorter
//   than a header and 8 bytes, IHL < 5, not version 4, a source not ours, a
//   non-initial fragment) counts in InErrors; Linux counts the first two kinds.

#include <algorithm>

#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "stack_internal.hpp"

namespace hardstack::net {

namespace {

namespace f = wire::ipv4_field;

constexpr std::uint8_t type_echo_reply = 0;
constexpr std::uint8_t type_destination_unreachable = 3;
constexpr std::uint8_t type_source_quench = 4;
constexpr std::uint8_t type_redirect = 5;
constexpr std::uint8_t type_echo_request = 8;
constexpr std::uint8_t type_time_exceeded = 11;
constexpr std::uint8_t type_parameter_problem = 12;
constexpr std::uint8_t type_timestamp = 13;
constexpr std::uint8_t type_address_mask_request = 17;
constexpr std::uint8_t type_address_mask_reply = 18;
constexpr std::uint8_t max_type = 18;                  // LINUX NR_ICMP_TYPES
constexpr std::uint8_t max_unreachable_code = 15;      // LINUX NR_ICMP_UNREACH
constexpr std::uint8_t code_fragmentation_needed = 4;  // RFC 1191
constexpr std::uint8_t code_reassembly_time_exceeded = 1;
constexpr std::uint8_t protocol_icmp = 1;
constexpr std::uint8_t tos_internetwork_control =
    0xc0;                                // RFC 1812 4.3.2.5 / LINUX IPTOS_PREC_INTERNETCONTROL
constexpr std::uint8_t tos_mask = 0x1e;  // LINUX IPTOS_TOS_MASK

// LINUX icmp_pointers[].error: the types that report an error, and the
// unassigned or obsolete types below 13 (1, 2, 6 alternate host address, 7,
// 9 router advertisement, 10 router solicitation), which Linux marks as
// errors too: a datagram carrying one never gets an ICMP error back.
bool is_error_type(std::uint8_t type) {
  switch (type) {
    case 1:
    case 2:
    case type_destination_unreachable:
    case type_source_quench:
    case type_redirect:
    case 6:
    case 7:
    case 9:
    case 10:
    case type_time_exceeded:
    case type_parameter_problem: return true;
    default: return false;
  }
}

void count_in(IcmpStats& st, std::uint8_t type) {
  switch (type) {
    case type_echo_reply: ++st.in_echo_replies; break;
    case type_destination_unreachable: ++st.in_dest_unreachs; break;
    case type_echo_request: ++st.in_echos; break;
    case type_time_exceeded: ++st.in_time_excds; break;
    case type_parameter_problem: ++st.in_parm_probs; break;
    default: break;
  }
}

void count_out(IcmpStats& st, std::uint8_t type) {
  ++st.out_msgs;
  switch (type) {
    case type_echo_reply: ++st.out_echo_replies; break;
    case type_destination_unreachable: ++st.out_dest_unreachs; break;
    case type_time_exceeded: ++st.out_time_excds; break;
    case type_parameter_problem: ++st.out_parm_probs; break;
    default: break;
  }
}

// Writes an ICMP message (type, code, the 4 bytes after the checksum, then
// `data`) into `buffer` with its checksum; returns its bytes.
wire::Bytes build_message(std::vector<std::byte>& buffer, std::uint8_t type, std::uint8_t code,
                          std::uint32_t rest, wire::Bytes data) {
  const std::size_t len = wire::icmpv4_field::header_len + data.size();
  if (buffer.size() < len) buffer.resize(std::max(len, buffer.size() * 2));
  const wire::MutableBytes out = wire::MutableBytes(buffer).first(len);
  wire::store_u8(out, wire::icmpv4_field::type.begin, type);
  wire::store_u8(out, wire::icmpv4_field::code.begin, code);
  wire::store_be16(out, wire::icmpv4_field::checksum.begin, 0);
  wire::store_be32(out, wire::icmpv4_field::rest_of_header.begin, rest);
  std::copy(data.begin(), data.end(), out.begin() + wire::icmpv4_field::header_len);
  wire::store_be16(out, wire::icmpv4_field::checksum.begin, wire::internet_checksum(out));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Input (LINUX icmp_rcv)

void Stack::Impl::icmpv4_input(Interface& in, const wire::Ipv4View& ip, Ipv4Cast cast, wire::Bytes options,
                               const LinkInfo& link, Instant now) {
  (void)link;
  auto& st = stats.icmp;
  ++st.in_msgs;
  // ICMP4-4: the checksum covers the whole message.
  const auto parsed = wire::Icmpv4View::parse(ip.payload());
  if (!parsed) {
    ++st.in_errors;
    if (parsed.error().code == wire::WireError::bad_checksum) {
      ++st.in_csum_errors;
      return drop(DropReason::icmp_bad_checksum);
    }
    return drop(DropReason::icmp_malformed);
  }
  const wire::Icmpv4View& message = *parsed;
  const auto type = static_cast<std::uint8_t>(message.type());
  count_in(st, type);
  if (type > max_type) {
    // LINUX: a type past the last one it knows is an error (ICMP4-4: no answer).
    ++st.in_errors;
    return drop(DropReason::icmp_unknown_type);
  }
  if (cast != Ipv4Cast::unicast) {
    // RFC 1122 3.2.2.6 / 3.2.2.8, LINUX: echo and timestamp to a broadcast or
    // multicast address MAY be ignored (echo_ignore_broadcasts); only those
    // and address-mask messages are valid there at all.
    if (type == type_echo_request || type == type_timestamp) {
      if (config.echo_ignore_broadcasts) {
        ++st.in_errors;
        return drop(DropReason::icmp_echo_ignored);
      }
    } else if (type != type_address_mask_request && type != type_address_mask_reply) {
      ++st.in_errors;
      return drop(DropReason::icmp_malformed);
    }
  }
  switch (type) {
    case type_echo_request: return icmpv4_echo(in, ip, cast, message, options, now);
    case type_echo_reply: return;  // LINUX: for ping sockets, which this stack has none of
    case type_destination_unreachable:
    case type_time_exceeded:
    case type_parameter_problem: return icmpv4_error_input(in, ip, message, now);
    default: return drop(DropReason::icmp_unknown_type);  // see the file comment
  }
}

// ICMP4-1 (RFC 792, RFC 1122 3.2.2.6; LINUX icmp_echo / icmp_reply).
void Stack::Impl::icmpv4_echo(Interface& in, const wire::Ipv4View& ip, Ipv4Cast cast,
                              const wire::Icmpv4View& request, wire::Bytes options, Instant now) {
  auto& st = stats.icmp;
  if (config.echo_ignore_all) return drop(DropReason::icmp_echo_ignored);
  const auto peer = ip.src();
  // From 0.0.0.0 (to the limited broadcast): there is no one to answer.
  if (is_zeronet(peer)) return drop(DropReason::icmp_echo_ignored);
  // The reply comes from the address the request was sent to; for a
  // broadcast, from our address on the interface (LINUX fib_compute_spec_dst).
  const auto source = cast == Ipv4Cast::unicast ? ip.dst() : ipv4_select_address(in, peer);
  const auto route = ipv4_route_output(peer, source, std::nullopt);
  if (!route) {
    ++st.out_errors;
    return drop(DropReason::no_route);
  }
  // Identifier and sequence number are the 4 bytes after the checksum.
  const auto reply =
      build_message(ipv4_state.icmp, type_echo_reply, 0, request.rest_of_header(), request.data());
  wire::Ipv4Repr header;
  header.src = route->source;
  header.dst = peer;
  header.protocol = protocol_icmp;
  header.ttl = config.default_ttl;
  header.dscp = ip.dscp();  // LINUX: the request's TOS byte
  header.ecn = ip.ecn();
  if (!options.empty()) header.options = wire::ipv4_echo_options(options);
  ++stats.ipv4.out_requests;
  // LINUX: the ICMP socket does not set DF (IP_PMTUDISC_DONT): a large reply is fragmented.
  if (!ipv4_transmit(*route, header, reply, PmtuDiscovery::dont, now)) {
    ++st.out_errors;
    return;
  }
  count_out(st, type_echo_reply);
}

// An error about a datagram we sent, for the transport that sent it
// (RFC 1122 3.2.2.1, 3.2.2.2, 3.2.2.5: MUST pass up; LINUX icmp_unreach).
void Stack::Impl::icmpv4_error_input(Interface& in, const wire::Ipv4View& ip, const wire::Icmpv4View& message,
                                     Instant now) {
  auto& st = stats.icmp;
  const auto type = static_cast<std::uint8_t>(message.type());
  const std::uint8_t code = message.code();
  // LINUX: an unknown unreachable code, or a reassembly timeout, is for no one.
  if (type == type_destination_unreachable && code > max_unreachable_code) return;
  if (type == type_time_exceeded && code == code_reassembly_time_exceeded) return;

  // RFC 792: the quote is the IP header and at least 64 bits of the datagram.
  const wire::Bytes quote = message.data();
  auto unusable = [&] {
    ++st.in_errors;  // see the file comment
    drop(DropReason::icmp_malformed);
  };
  if (quote.size() < f::header_len) return unusable();
  const std::uint8_t version_ihl = wire::load_u8(quote, f::version_ihl.begin);
  const std::size_t header_len = std::size_t{version_ihl & 0x0fu} * 4;
  if ((version_ihl >> 4) != f::version || header_len < f::header_len) return unusable();
  if (quote.size() < header_len + 8) return unusable();
  const auto quoted_source = wire::Ipv4Address::load(quote, f::source.begin);
  const bool ours = ipv4_owner(quoted_source) != nullptr || (quoted_source.is_loopback() && in.is_loopback());
  if (!ours) return unusable();
  // ICMP4-2: no one reports about a non-initial fragment: no transport header there.
  if ((wire::load_be16(quote, f::flags_fragment_offset.begin) & f::fragment_offset_mask) != 0)
    return unusable();

  const std::uint8_t protocol = wire::load_u8(quote, f::protocol.begin);
  TransportProtocol* handler = protocols[protocol];
  if (handler == nullptr) return drop(DropReason::no_transport);
  IcmpErrorReport report;
  report.type = type;
  report.code = code;
  if (type == type_destination_unreachable && code == code_fragmentation_needed)
    report.info = message.next_hop_mtu();  // RFC 1191
  else if (type == type_parameter_problem)
    report.info = message.pointer();
  report.interface = in.id;
  report.reporter_v4 = ip.src();
  report.quoted_source_v4 = quoted_source;
  report.quoted_destination_v4 = wire::Ipv4Address::load(quote, f::destination.begin);
  report.protocol = protocol;
  report.quoted_transport = quote.subspan(header_len);
  handler->icmp_error(report, now);
}

// ---------------------------------------------------------------------------
// Output (LINUX __icmp_send)

void Stack::Impl::send_icmpv4_error(Interface& in, wire::Bytes offending, const LinkInfo& link,
                                    std::uint8_t type, std::uint8_t code, std::uint32_t rest, Instant now) {
  auto& st = stats.icmp;
  auto suppress = [&] { ++st.suppressed; };
  if (offending.size() < f::header_len) return suppress();
  const std::size_t header_len = std::size_t{wire::load_u8(offending, f::version_ihl.begin) & 0x0fu} * 4;
  const auto source = wire::Ipv4Address::load(offending, f::source.begin);
  const auto destination = wire::Ipv4Address::load(offending, f::destination.begin);
  const std::uint8_t protocol = wire::load_u8(offending, f::protocol.begin);
  const std::uint16_t fragment = wire::load_be16(offending, f::flags_fragment_offset.begin);

  // ICMP4-2 (RFC 1122 3.2.2, RFC 1812 4.3.2.7): never about a datagram sent
  // to a link-layer broadcast or multicast address,
  if (!link.link_unicast()) return suppress();
  // to an IP broadcast or multicast address,
  if (destination.is_multicast() || ipv4_is_any_broadcast(destination)) return suppress();
  // a fragment other than the first,
  if ((fragment & f::fragment_offset_mask) != 0) return suppress();
  // an ICMP error (LINUX: or an ICMP message of a type it does not know),
  if (protocol == protocol_icmp) {
    if (header_len < f::header_len || offending.size() <= header_len) return suppress();
    const std::uint8_t inner = wire::load_u8(offending, header_len);
    if (inner > max_type || is_error_type(inner)) return suppress();
  }
  // or a datagram whose source does not name a single host (RFC 1122 3.2.2
  // names zero, loopback, broadcast, multicast and Class E addresses).
  if (is_zeronet(source) || source.is_multicast() || ipv4_is_any_broadcast(source) || is_class_e(source) ||
      (source.is_loopback() && !in.is_loopback()))
    return suppress();
  // Not while a datagram of ours is being handed to the link (its buffer is in use).
  if (ipv4_state.in_output) {
    ++st.out_errors;
    return;
  }
  // ICMP4-5: the token bucket (LINUX: errors about loopback traffic are not limited).
  if (!in.is_loopback() && !icmp_bucket.allow(now)) {
    ++st.out_rate_limited;
    return;
  }
  // From the address the datagram was sent to when it was ours, else the
  // route's (LINUX: saddr = iph->daddr for a local route).
  const bool to_us = ipv4_owner(destination) != nullptr || (destination.is_loopback() && in.is_loopback());
  const auto route = ipv4_route_output(source, to_us ? destination : wire::Ipv4Address{}, std::nullopt);
  if (!route) {
    ++st.out_errors;
    return;
  }
  // ICMP4-3 (LINUX): the quote fills the error up to 576 bytes, or the route's MTU if smaller.
  const std::size_t max_len = std::min(wire::icmpv4_error_max_len, route->out->mtu);
  const auto message = build_message(ipv4_state.icmp, type, code, rest,
                                     wire::icmpv4_error_quote(offending, f::header_len, max_len));
  wire::Ipv4Repr header;
  header.src = route->source;
  header.dst = source;
  header.protocol = protocol_icmp;
  header.ttl = config.default_ttl;
  const std::uint8_t tos =
      tos_internetwork_control | (wire::load_u8(offending, f::dscp_ecn.begin) & tos_mask);
  header.dscp = static_cast<std::uint8_t>(tos >> 2);
  header.ecn = static_cast<std::uint8_t>(tos & 0x03);
  ++stats.ipv4.out_requests;
  if (!ipv4_transmit(*route, header, message, PmtuDiscovery::dont, now)) {
    ++st.out_errors;
    return;
  }
  count_out(st, type);
}

void Stack::Impl::ipv4_unreachable_neighbor(Interface& out, wire::Bytes datagram, Instant now) {
  const auto ip = wire::Ipv4View::parse(datagram);
  if (!ip) return;
  // Not from us (a host only queues its own datagrams; kept for completeness).
  if (ipv4_owner(ip->src()) == nullptr && !ip->src().is_loopback())
    return send_icmpv4_error(out, ip->bytes(), LinkInfo{}, type_destination_unreachable, 1, 0, now);
  // LINUX ipv4_link_failure sends host unreachable to our own address, which
  // reaches the transport's error handler: we hand it the report directly,
  // once per datagram (for its first fragment), with 8 bytes of transport header.
  if (ip->fragment_offset() != 0 || ip->payload_len() < 8) return;
  TransportProtocol* handler = protocols[ip->protocol()];
  if (handler == nullptr) return;
  IcmpErrorReport report;
  report.type = type_destination_unreachable;
  report.code = 1;  // host unreachable
  report.interface = out.id;
  report.reporter_v4 = ip->src();
  report.quoted_source_v4 = ip->src();
  report.quoted_destination_v4 = ip->dst();
  report.protocol = ip->protocol();
  report.quoted_transport = ip->payload();
  handler->icmp_error(report, now);
}

}  // namespace hardstack::net

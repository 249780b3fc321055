// UDP (RFC 768) with Linux's socket semantics: LINUX net/ipv4/udp.c and
// net/ipv6/udp.c (udp_lib_get_port, compute_score, __udp_enqueue_schedule_skb,
// udp_sendmsg, udp_send_skb, udp_recvmsg, __udp4_lib_err).

#include "udp.hpp"

#include <netinet/udp.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv4_options.hpp"
#include "hardstack/wire/udp.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace hardstack::transport {

using socket::Endpoint;
using socket::map_v4;
using socket::PendingDatagram;
using socket::Socket;
using socket::unmap_v4;

namespace {

namespace uf = wire::udp_field;
constexpr std::size_t max_segments = 64;  // LINUX UDP_MAX_SEGMENTS
constexpr std::size_t ipv4_header = 20;
constexpr std::size_t ipv6_header = 40;

bool v4_family(const wire::Ipv6Address& a) { return socket::is_v4_mapped(a); }

// Copies the iovecs' bytes to `out` (the caller checked the total fits).
void gather(const msghdr& message, std::byte* out) {
  for (std::size_t i = 0; i < message.msg_iovlen; ++i) {
    const iovec& v = message.msg_iov[i];
    if (v.iov_len > 0) std::memcpy(out, v.iov_base, v.iov_len);
    out += v.iov_len;
  }
}

// ICMP errors as socket errors (LINUX icmp_err_convert / icmpv6_err_convert):
// the errno, and whether it is "hard" (reported to a connected socket without IP_RECVERR).
struct ErrorConversion {
  int error = 0;
  bool hard = false;
};

ErrorConversion convert_icmp_error(const net::IcmpErrorReport& r) {
  if (!r.ipv6) {
    switch (r.type) {
      case 3: {  // destination unreachable
        static constexpr ErrorConversion table[] = {
            {ENETUNREACH, false},  {EHOSTUNREACH, false}, {ENOPROTOOPT, true},  {ECONNREFUSED, true},
            {EMSGSIZE, false},     {EOPNOTSUPP, false},   {ENETUNREACH, true},  {EHOSTDOWN, true},
            {ENONET, true},        {ENETUNREACH, true},   {EHOSTUNREACH, true}, {ENETUNREACH, false},
            {EHOSTUNREACH, false}, {EHOSTUNREACH, true},  {EHOSTUNREACH, true}, {EHOSTUNREACH, true},
        };
        if (r.code < std::size(table)) return table[r.code];
        return {EHOSTUNREACH, false};
      }
      case 11: return {EHOSTUNREACH, false};  // time exceeded
      case 12: return {EPROTO, true};         // parameter problem
      default: return {};
    }
  }
  switch (r.type) {
    case 1: {  // destination unreachable
      static constexpr ErrorConversion table[] = {
          {ENETUNREACH, false}, {EACCES, true}, {EHOSTUNREACH, false}, {EHOSTUNREACH, false},
          {ECONNREFUSED, true}, {EACCES, true}, {EACCES, true},
      };
      if (r.code < std::size(table)) return table[r.code];
      return {EPROTO, true};
    }
    case 2: return {EMSGSIZE, false};      // packet too big
    case 3: return {EHOSTUNREACH, false};  // time exceeded
    case 4: return {EPROTO, true};         // parameter problem
    default: return {};
  }
}

std::size_t padded(std::size_t options) { return (options + 3) & ~std::size_t{3}; }

// Where an options area's list ends: at its EOL (RFC 791 3.1), else its end.
std::size_t options_end(wire::Bytes area) {
  std::size_t at = 0;
  while (at < area.size()) {
    const std::uint8_t type = wire::load_u8(area, at);
    if (type == static_cast<std::uint8_t>(wire::Ipv4OptionKind::end_of_list)) return at;
    if (type == static_cast<std::uint8_t>(wire::Ipv4OptionKind::no_operation) || area.size() - at < 2) {
      ++at;
      continue;
    }
    at += std::max<std::size_t>(wire::load_u8(area, at + 1), 1);
  }
  return area.size();
}

// Where IP sends a datagram: the first hop of a source route (V4-OPT-7), else its destination.
wire::Ipv4Address routed_destination(wire::Bytes options, const wire::Ipv4Address& destination) {
  if (options.empty()) return destination;
  const auto parsed = wire::Ipv4Options::parse(options, 20, wire::Ipv4OptionsOrigin::privileged_socket);
  if (!parsed) return destination;
  const auto route = parsed->source_route();
  if (!route) return destination;
  const auto hops = route->addresses();
  return hops.empty() ? destination : hops[0];
}

}  // namespace

struct Udp::Incoming {
  bool ipv4 = true;
  Endpoint source;
  wire::Ipv6Address destination;  // v4-mapped for IPv4
  std::uint16_t port = 0;         // destination port
  unsigned interface = 0;         // ifindex it arrived on
  bool group = false;             // broadcast or multicast
  wire::Bytes payload;
  const net::Ipv4Delivery* v4 = nullptr;
  const net::Ipv6Delivery* v6 = nullptr;
};

// ---------------------------------------------------------------------------
// Binding

// LINUX udp_lib_lport_inuse: another socket on the port whose address overlaps,
// unless both set SO_REUSEADDR or both SO_REUSEPORT, or they are bound to
// different interfaces.
bool Udp::in_use(const Socket& s, const Endpoint& local) const {
  const auto [begin, end] = ports_.equal_range(local.port);
  for (auto it = begin; it != end; ++it) {
    const Socket& other = *it->second;
    if (&other == &s) continue;
    if (s.reuseaddr && other.reuseaddr) continue;
    if (s.reuseport && other.reuseport) continue;
    if (s.bound_interface != 0 && other.bound_interface != 0 && s.bound_interface != other.bound_interface)
      continue;
    if (addresses_overlap(s, local, other)) return true;
  }
  return false;
}

void Udp::hash(Socket& s) { ports_.emplace(s.local.port, &s); }

void Udp::unhash(Socket& s) {
  if (!s.bound) return;
  const auto [begin, end] = ports_.equal_range(s.local.port);
  for (auto it = begin; it != end; ++it) {
    if (it->second == &s) {
      ports_.erase(it);
      break;
    }
  }
  s.bound = false;
}

int Udp::bind(Socket& s, const Endpoint& local) {
  Endpoint e = local;
  if (e.port == 0) {
    // RFC 6056 3.3.1 (LINUX udp_lib_get_port): a random start in the
    // ephemeral range, then every port of it once.
    const auto& cfg = context_.config;
    const std::uint32_t count = static_cast<std::uint32_t>(cfg.ephemeral_high - cfg.ephemeral_low) + 1;
    const std::uint32_t start = context_.entropy.uniform(count);
    bool found = false;
    for (std::uint32_t i = 0; i < count && !found; ++i) {
      e.port = static_cast<std::uint16_t>(cfg.ephemeral_low + (start + i) % count);
      found = !in_use(s, e);
    }
    if (!found) return -EADDRINUSE;
  } else if (in_use(s, e)) {
    return -EADDRINUSE;
  }
  s.local = e;
  s.bound = true;
  s.port_locked = local.port != 0;
  s.address_locked = !socket::is_any(e.address);
  hash(s);
  return 0;
}

int Udp::autobind(Socket& s) {
  if (s.bound) return 0;
  Endpoint any;
  any.address = socket::any_address(s.domain);
  if (bind(s, any) < 0) return -EAGAIN;
  s.port_locked = false;
  return 0;
}

int Udp::connect(Socket& s, const Endpoint& remote) {
  // LINUX inet_dgram_connect: an unbound socket gets a port first.
  if (!s.bound && autobind(s) < 0) return -EAGAIN;
  std::optional<net::InterfaceId> interface;
  const unsigned index = remote.scope != 0 ? remote.scope : s.bound_interface;
  if (index != 0) interface = socket::interface_from_index(index);
  wire::Ipv6Address source;
  if (v4_family(remote.address)) {
    const auto dst = unmap_v4(remote.address);
    const auto src = context_.stack.select_source(dst, interface);
    if (!src) return -src.error();
    // LINUX ip4_datagram_connect: a broadcast peer needs SO_BROADCAST.
    if (context_.stack.is_broadcast(dst) && !s.broadcast) return -EACCES;
    source = map_v4(*src);
  } else {
    const auto src = context_.stack.select_source(remote.address, interface);
    if (!src) return -src.error();
    source = *src;
  }
  // The local address becomes the route's source unless bind() chose one.
  if (socket::is_any(s.local.address) &&
      !(s.domain == AF_INET6 && !v4_family(remote.address) && v4_family(s.local.address))) {
    s.local.address = source;
    s.local.scope = remote.scope;
  }
  if (remote.scope != 0) s.bound_interface = remote.scope;
  s.remote = remote;
  s.connected = true;
  return 0;
}

int Udp::disconnect(Socket& s) {
  // LINUX udp_disconnect: forget the peer; what bind() did not choose goes back.
  s.connected = false;
  s.remote = Endpoint{};
  s.remote.address = socket::any_address(s.domain);
  if (!s.address_locked) {
    s.local.address = socket::any_address(s.domain);
    s.local.scope = 0;
    s.bound_interface = 0;
  }
  if (!s.port_locked) {
    unhash(s);
    s.local.port = 0;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Sending

ssize_t Udp::sendmsg(Socket& s, const msghdr& message, int flags, const Endpoint* to, std::size_t length) {
  // LINUX inet_send_prepare: an unbound socket gets a port first.
  if (!s.bound && autobind(s) < 0) return -EAGAIN;
  // LINUX udpv6_sendmsg hands to udp_sendmsg a v4-mapped destination, and
  // any send while an IPv4 datagram is pending.
  bool v4 = true;
  if (s.domain == AF_INET6) {
    if (to != nullptr && v4_family(to->address))
      v4 = true;
    else if (s.udp->pending.active)
      v4 = s.udp->pending.ipv4;
    else
      v4 = to == nullptr && s.connected && v4_family(s.remote.address);
  }
  return v4 ? send_v4(s, message, flags, to, length) : send_v6(s, message, flags, to, length);
}

namespace {

net::PmtuDiscovery pmtu_mode(int mode) {
  switch (mode) {
    case IP_PMTUDISC_DONT: return net::PmtuDiscovery::dont;
    case IP_PMTUDISC_DO: return net::PmtuDiscovery::do_;
    case IP_PMTUDISC_PROBE:
    case IP_PMTUDISC_INTERFACE:
    case IP_PMTUDISC_OMIT: return net::PmtuDiscovery::probe;
    default: return net::PmtuDiscovery::want;
  }
}

}  // namespace

ssize_t Udp::send_v4(Socket& s, const msghdr& message, int flags, const Endpoint* to, std::size_t length) {
  // LINUX udp_sendmsg, in its order.
  if (length > 0xffff) return -EMSGSIZE;
  if ((flags & MSG_OOB) != 0) return -EOPNOTSUPP;
  if (s.udp->pending.active) {
    if (!s.udp->pending.ipv4) return -EINVAL;
    return append(s, s.udp->pending, message, flags, length);
  }
  Endpoint destination;
  if (to != nullptr) {
    destination = *to;
  } else {
    if (!s.connected) return -EDESTADDRREQ;
    destination = s.remote;
  }
  socket::Ipv4SendAncillary ancillary;
  if (message.msg_controllen > 0) {
    if (const int r = socket::parse_ipv4_send_cmsgs(message, ancillary, s.domain == AF_INET6); r < 0)
      return r;
  }
  const auto dst = unmap_v4(destination.address);
  // The source: IP_PKTINFO's ipi_spec_dst (LINUX ipc.addr, 0.0.0.0 included),
  // else the bound address (none when bound to a multicast or broadcast
  // address, LINUX inet_bind), else the route's.
  wire::Ipv4Address source = v4_family(s.local.address) ? unmap_v4(s.local.address) : wire::Ipv4Address{};
  if (source.is_multicast() || context_.stack.is_broadcast(source)) source = {};
  if (ancillary.source) {
    source = *ancillary.source;
    // LINUX ip_route_output_key_hash_rcu, before the interface: a source no
    // host sends from -> EINVAL; one that is not ours -> ENETUNREACH.
    if (!source.is_unspecified()) {
      if (source.is_multicast() || source == wire::Ipv4Address{{255, 255, 255, 255}} || source.octets[0] == 0)
        return -EINVAL;
      if (!context_.stack.is_local(source)) return -ENETUNREACH;
    }
  }
  unsigned index = s.bound_interface;
  if (ancillary.interface_index && *ancillary.interface_index != 0) index = *ancillary.interface_index;
  std::optional<net::InterfaceId> interface;
  if (index != 0) {
    interface = socket::interface_from_index(index);
    if (!interface || !context_.stack.has_interface(*interface)) return -ENODEV;
  }
  // This datagram's parameters, kept in the socket only if it is corked.
  PendingDatagram d;
  if (ancillary.options)
    d.options.assign(ancillary.options->begin(), ancillary.options->end());
  else
    d.options = s.ip_options;
  // LINUX udp_sendmsg routes every call, a corked one too, towards a source
  // route's first hop; the route chooses the source when none is given.
  if (const auto routed = context_.stack.route_output(routed_destination(d.options, dst), source, interface);
      !routed)
    return -routed.error();
  if (source.is_unspecified()) {
    const auto chosen = context_.stack.select_source(dst, interface);
    if (!chosen) return -chosen.error();
    source = *chosen;
  }
  // UDP-8: a broadcast destination needs SO_BROADCAST.
  if (context_.stack.is_broadcast(dst) && !s.broadcast) return -EACCES;

  d.ipv4 = true;
  d.destination = destination;
  d.source = map_v4(source);
  d.gso_size = ancillary.gso_size.value_or(s.udp->gso_size);
  d.v4.source = source;
  d.v4.destination = dst;
  d.v4.protocol = wire::ip_protocol_udp;
  // LINUX __ip_make_skb: the cmsg's TTL, else IP_MULTICAST_TTL when routed
  // to a group (the stack's default, 1), else IP_TTL.
  if (ancillary.ttl)
    d.v4.ttl = *ancillary.ttl;
  else if (s.ttl != -1 && !routed_destination(d.options, dst).is_multicast())
    d.v4.ttl = static_cast<std::uint8_t>(s.ttl);
  d.v4.tos = ancillary.tos.value_or(s.tos);
  d.v4.pmtu = pmtu_mode(s.pmtudisc);
  d.v4.interface = interface;
  return append(s, d, message, flags, length);
}

ssize_t Udp::send_v6(Socket& s, const msghdr& message, int flags, const Endpoint* to, std::size_t length) {
  // LINUX udpv6_sendmsg, in its order (it has no MSG_OOB check: the flag is ignored).
  if (length > 0xffff) return -EMSGSIZE;
  if (s.udp->pending.active) {
    if (s.udp->pending.ipv4) return -EINVAL;
    return append(s, s.udp->pending, message, flags, length);
  }
  Endpoint destination;
  if (to != nullptr) {
    destination = *to;
  } else {
    if (!s.connected) return -EDESTADDRREQ;
    destination = s.remote;
  }
  socket::Ipv6SendAncillary ancillary;
  if (message.msg_controllen > 0) {
    if (const int r = socket::parse_ipv6_send_cmsgs(message, ancillary); r < 0) return r;
  }
  // The stack sends no Routing header with Segments Left > 0 (no source
  // routing, Mobile IPv6 included), and every IPV6_RTHDR the parser takes
  // has one: refused here, not when a corked datagram goes (LINUX without
  // CONFIG_IPV6_MIP6 refuses every IPV6_RTHDR in ip6_datagram_send_ctl).
  if (!ancillary.routing.empty()) return -EINVAL;
  unsigned index = destination.scope != 0 ? destination.scope : s.bound_interface;
  if (ancillary.interface_index && *ancillary.interface_index != 0) {
    // LINUX ip6_datagram_send_ctl: IPV6_PKTINFO may not contradict the bound interface.
    if (index != 0 && *ancillary.interface_index != index) return -EINVAL;
    index = *ancillary.interface_index;
  }
  std::optional<net::InterfaceId> interface;
  if (index != 0) {
    interface = socket::interface_from_index(index);
    if (!interface || !context_.stack.has_interface(*interface)) return -ENODEV;
  }
  wire::Ipv6Address source = v4_family(s.local.address) ? wire::Ipv6Address{} : s.local.address;
  if (ancillary.source && !ancillary.source->is_unspecified()) {
    const auto& a = *ancillary.source;
    const bool link_local = a.octets[0] == 0xfe && (a.octets[1] & 0xc0) == 0x80;
    if (link_local && !interface) return -EINVAL;
    if (!context_.stack.is_local(a)) return -EINVAL;
    source = a;
  } else if (v4_family(s.local.address)) {
    // LINUX ip6_dst_lookup_tail: the socket's address (bound, or set by a
    // connect to a v4-mapped peer, even ::ffff:0.0.0.0) is IPv4.
    return -EAFNOSUPPORT;
  }
  // LINUX udpv6_sendmsg routes every call, a corked one too; the route
  // chooses the source when none is given.
  if (const auto routed = context_.stack.route_output(
          destination.address, source.is_unspecified() ? std::nullopt : std::optional(source), interface);
      !routed)
    return -routed.error();
  if (source.is_unspecified()) {
    const auto chosen = context_.stack.select_source(destination.address, interface);
    if (!chosen) return -chosen.error();
    source = *chosen;
  }

  PendingDatagram d;
  d.ipv4 = false;
  d.destination = destination;
  d.source = source;
  d.gso_size = ancillary.gso_size.value_or(s.udp->gso_size);
  d.hop_by_hop = std::move(ancillary.hop_by_hop);
  d.destination_options = std::move(ancillary.destination_options);
  d.routing = std::move(ancillary.routing);
  d.v6.source = source;
  d.v6.destination = destination.address;
  d.v6.next_header = wire::ip_protocol_udp;
  // LINUX ip6_sk_dst_hoplimit: the cmsg's (-1: none given), else
  // IPV6_MULTICAST_HOPS for a group (the stack's default, 1), else IPV6_UNICAST_HOPS.
  int hops = ancillary.hop_limit.value_or(-1);
  if (hops == -1 && !destination.address.is_multicast()) hops = s.unicast_hops;
  if (hops != -1) d.v6.hop_limit = static_cast<std::uint8_t>(hops);
  const int tclass = ancillary.traffic_class.value_or(-1);
  d.v6.traffic_class = static_cast<std::uint8_t>(tclass == -1 ? s.tclass : tclass);
  const int dontfrag = ancillary.dontfrag.value_or(-1) == -1 ? s.dontfrag : *ancillary.dontfrag;
  d.v6.pmtu = dontfrag != 0 ? net::PmtuDiscovery::do_ : pmtu_mode(s.pmtudisc6);
  d.v6.interface = interface;
  return append(s, d, message, flags, length);
}

// LINUX ip_append_data / udp_push_pending_frames: `d` holds the datagram's
// parameters (s.udp->pending when a corked datagram is under way, else a new
// one); this call's bytes join it, and unless corked it goes.
ssize_t Udp::append(Socket& s, PendingDatagram& d, const msghdr& message, int flags, std::size_t length) {
  const bool corked = s.udp->cork || (flags & MSG_MORE) != 0;
  const std::size_t network =
      d.ipv4 ? ipv4_header + padded(d.options.size())
             : ipv6_header + d.hop_by_hop.size() + d.destination_options.size() + d.routing.size();
  // UDP-6: the datagram must fit a 16-bit length, and the IPv4 header with it.
  const std::size_t limit = d.ipv4 ? 0xffff - network : 0xffff;
  int error = 0;
  if (uf::header_len + d.data.size() + length > limit) {
    error = EMSGSIZE;
  } else if (s.error != 0) {
    error = s.error;
    s.error = 0;
  } else if ((s.shutdown & socket::send_shutdown) != 0) {
    error = EPIPE;
  }
  if (error != 0) {
    s.udp->pending = PendingDatagram{};  // a corked datagram is abandoned too
    return -error;
  }
  if (corked || d.active) {
    PendingDatagram& p = s.udp->pending;
    if (&p != &d) p = std::move(d);
    const std::size_t old = p.data.size();
    p.data.resize(old + length);
    gather(message, p.data.data() + old);
    p.active = true;
    if (corked) return static_cast<ssize_t>(length);
    const int r = push_pending(s);
    return r < 0 ? r : static_cast<ssize_t>(length);
  }
  // Not corked: straight from the caller's buffers into the datagram.
  datagram_.resize(uf::header_len + length);
  gather(message, datagram_.data() + uf::header_len);
  const int r = transmit(s, d);
  return r < 0 ? r : static_cast<ssize_t>(length);
}

int Udp::push_pending(Socket& s) {
  PendingDatagram d = std::move(s.udp->pending);
  s.udp->pending = PendingDatagram{};
  if (!d.active) return 0;
  context_.notify(s);  // what the corked datagram held of the send buffer is free again
  datagram_.resize(uf::header_len + d.data.size());
  if (!d.data.empty()) std::memcpy(datagram_.data() + uf::header_len, d.data.data(), d.data.size());
  return transmit(s, d);
}

// Sends datagram_ (header space + payload) as one datagram, or as gso_size
// segments (UDP-7, LINUX udp_send_skb), each with its own header and checksum.
int Udp::transmit(Socket& s, const PendingDatagram& d) {
  auto& stack = context_.stack;
  const std::size_t payload_len = datagram_.size() - uf::header_len;
  const std::size_t network =
      d.ipv4 ? ipv4_header + padded(d.options.size())
             : ipv6_header + d.hop_by_hop.size() + d.destination_options.size() + d.routing.size();
  std::size_t segment = payload_len;
  if (d.gso_size != 0) {
    auto mtu = d.ipv4 ? stack.path_mtu(d.v4.destination) : stack.path_mtu(d.v6.destination);
    if (!mtu) return -ENETUNREACH;
    if (d.ipv4) mtu = std::min<std::size_t>(*mtu, 0xffff);  // LINUX ipv4_mtu: at most IP_MAX_MTU
    if (network + uf::header_len + d.gso_size > *mtu) return -EINVAL;
    if (payload_len > std::size_t{d.gso_size} * max_segments) return -EINVAL;
    if (payload_len > d.gso_size) segment = d.gso_size;
  }
  net::Ipv4SendParams p4;
  net::Ipv6SendParams p6;
  if (d.ipv4) {
    p4 = d.v4;
    p4.options = d.options;
  } else {
    p6 = d.v6;
    p6.hop_by_hop = d.hop_by_hop;
    p6.destination_options = d.destination_options;
    p6.routing = d.routing;
  }
  const auto pseudo = d.ipv4 ? wire::PseudoHeader::v4(p4.source.value_or(wire::Ipv4Address{}), p4.destination)
                             : wire::PseudoHeader::v6(*p6.source, p6.destination);
  const std::uint16_t src_port = s.local.port;
  const std::uint16_t dst_port = d.destination.port;
  std::vector<std::byte> scratch;
  std::size_t offset = 0;
  do {
    const std::size_t n = std::min(segment, payload_len - offset);
    // Each segment goes out of its own buffer: the first in place, the rest
    // copied behind a header.
    wire::MutableBytes out;
    if (offset == 0) {
      out = wire::MutableBytes(datagram_).first(uf::header_len + n);
    } else {
      scratch.resize(uf::header_len + n);
      std::memcpy(scratch.data() + uf::header_len, datagram_.data() + uf::header_len + offset, n);
      out = wire::MutableBytes(scratch);
    }
    const auto total = static_cast<std::uint16_t>(uf::header_len + n);
    wire::store_be16(out, uf::source_port.begin, src_port);
    wire::store_be16(out, uf::destination_port.begin, dst_port);
    wire::store_be16(out, uf::length.begin, total);
    wire::store_be16(out, uf::checksum.begin, 0);
    std::uint16_t checksum = pseudo.start(wire::ip_protocol_udp, total).add(out).checksum();
    if (checksum == 0) checksum = 0xffff;  // UDP-2: a computed 0 goes as all ones
    wire::store_be16(out, uf::checksum.begin, checksum);
    const auto sent = d.ipv4 ? stack.send_ipv4(p4, out, stack.now()) : stack.send_ipv6(p6, out, stack.now());
    if (!sent) {
      // LINUX udp_send_skb: ENOBUFS (a full device queue) is counted, and
      // reported only with IP_RECVERR.
      if (sent.error() == ENOBUFS) {
        ++context_.udp.sndbuf_errors;
        if (!(d.ipv4 ? s.recverr : s.recverr6)) return 0;
      }
      return -sent.error();
    }
    ++context_.udp.out_datagrams;
    offset += n;
  } while (offset < payload_len);
  return 0;
}

// ---------------------------------------------------------------------------
// Receiving

net::DeliveryResult Udp::deliver_ipv4(const net::Ipv4Delivery& meta, wire::Bytes payload, net::Instant) {
  auto& st = context_.udp;
  const auto view = wire::UdpView::parse(payload);
  if (!view) {
    ++st.in_errors;
    context_.drop(socket::TransportDropReason::udp_bad_length);
    return net::DeliveryResult::delivered;
  }
  // UDP-2: a zero checksum means none over IPv4.
  if (!wire::UdpRepr::parse(*view, wire::PseudoHeader::v4(meta.source, meta.destination))) {
    ++st.in_errors;
    ++st.in_csum_errors;
    context_.drop(socket::TransportDropReason::udp_bad_checksum);
    return net::DeliveryResult::delivered;
  }
  Incoming in;
  in.ipv4 = true;
  in.source = Endpoint{map_v4(meta.source), view->src_port(), 0};
  in.destination = map_v4(meta.destination);
  in.port = view->dst_port();
  in.interface = socket::interface_index(meta.interface);
  in.group = meta.to_broadcast || meta.to_multicast;
  in.payload = view->payload();
  in.v4 = &meta;
  return lookup_and_deliver(in);
}

net::DeliveryResult Udp::deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload, net::Instant) {
  auto& st = context_.udp;
  const auto view = wire::UdpView::parse(payload);
  if (!view) {
    ++st.in_errors;
    context_.drop(socket::TransportDropReason::udp_bad_length);
    return net::DeliveryResult::delivered;
  }
  // UDP-2: over IPv6 a zero checksum is an error, and any other must verify.
  if (!wire::UdpRepr::parse(*view, wire::PseudoHeader::v6(meta.source, meta.destination))) {
    ++st.in_errors;
    ++st.in_csum_errors;
    context_.drop(socket::TransportDropReason::udp_bad_checksum);
    return net::DeliveryResult::delivered;
  }
  Incoming in;
  in.ipv4 = false;
  const bool link_local = meta.source.octets[0] == 0xfe && (meta.source.octets[1] & 0xc0) == 0x80;
  in.source =
      Endpoint{meta.source, view->src_port(), link_local ? socket::interface_index(meta.interface) : 0};
  in.destination = meta.destination;
  in.port = view->dst_port();
  in.interface = socket::interface_index(meta.interface);
  in.group = meta.to_multicast;
  in.payload = view->payload();
  in.v6 = &meta;
  return lookup_and_deliver(in);
}

namespace {

// LINUX compute_score: -1 when the socket cannot take the datagram, else
// higher for more specific matches (bound address, connected peer, interface).
int score(const Socket& s, const wire::Ipv6Address& destination, std::uint16_t port, const Endpoint& source,
          unsigned interface, bool ipv4) {
  if (!s.bound || s.local.port != port) return -1;
  int points = 0;
  if (ipv4) {
    if (s.domain == AF_INET6) {
      if (s.v6only) return -1;
      if (!s.local.address.is_unspecified() && !v4_family(s.local.address)) return -1;
      points = 1;
    } else {
      points = 2;
    }
  } else {
    if (s.domain != AF_INET6 || v4_family(s.local.address)) return -1;
    points = 1;
  }
  if (!socket::is_any(s.local.address)) {
    if (s.local.address != destination) return -1;
    points += 4;
  }
  if (s.connected) {
    if (s.remote.address != source.address || s.remote.port != source.port) return -1;
    points += 4;
  }
  if (s.bound_interface != 0) {
    if (s.bound_interface != interface) return -1;
    points += 4;
  }
  return points;
}

}  // namespace

net::DeliveryResult Udp::lookup_and_deliver(const Incoming& in) {
  auto& st = context_.udp;
  const auto [begin, end] = ports_.equal_range(in.port);
  if (in.group) {
    // LINUX __udp4_lib_mcast_deliver: every socket that matches gets a copy.
    bool any = false;
    for (auto it = begin; it != end; ++it) {
      Socket& s = *it->second;
      if (score(s, in.destination, in.port, in.source, in.interface, in.ipv4) < 0) continue;
      any = true;
      enqueue(s, in);
    }
    if (!any) {
      ++st.ignored_multi;
      context_.drop(socket::TransportDropReason::udp_no_socket);
    }
    return net::DeliveryResult::delivered;
  }
  Socket* best = nullptr;
  int best_score = -1;
  for (auto it = begin; it != end; ++it) {
    const int points = score(*it->second, in.destination, in.port, in.source, in.interface, in.ipv4);
    if (points > best_score) {
      best_score = points;
      best = it->second;
    }
  }
  if (best == nullptr) {
    // UDP-3: nobody listens: the stack answers port unreachable.
    ++st.no_ports;
    context_.drop(socket::TransportDropReason::udp_no_socket);
    return net::DeliveryResult::port_unreachable;
  }
  enqueue(*best, in);
  return net::DeliveryResult::delivered;
}

// UDP-5 (LINUX __udp_enqueue_schedule_skb): a datagram is dropped when the
// queue already holds more than SO_RCVBUF.
bool Udp::enqueue(Socket& s, const Incoming& in) {
  auto& st = context_.udp;
  if (s.rmem > static_cast<std::size_t>(s.rcvbuf)) {
    ++st.rcvbuf_errors;
    ++st.in_errors;
    context_.drop(socket::TransportDropReason::udp_receive_buffer);
    return false;
  }
  socket::ReceivedDatagram& d = s.udp->queue.push_back(in.payload.size());
  if (!in.payload.empty()) std::memcpy(d.payload.data(), in.payload.data(), in.payload.size());
  d.from = in.source;
  d.ipv4 = in.ipv4;
  d.interface_index = in.interface;
  if (in.ipv4) {
    d.destination4 = in.v4->destination;
    d.spec_dst = in.v4->spec_dst;  // IP_PKTINFO ipi_spec_dst
    d.ttl = in.v4->ttl;
    d.tos = in.v4->tos;
    const std::size_t n = std::min<std::size_t>(in.v4->options.size(), 40);
    const std::size_t end = options_end(in.v4->options.first(n));
    // LINUX ip_options_compile (receive) writes EOL over what follows the
    // list's EOL, and IP_RECVOPTS shows the header so.
    for (std::size_t i = 0; i < n; ++i) (void)d.options.push_back(i < end ? in.v4->options[i] : std::byte{0});
  } else {
    d.destination6 = in.v6->destination;
    d.ttl = in.v6->hop_limit;
    d.tos = in.v6->traffic_class;
  }
  d.truesize = d.payload.size() + datagram_overhead;
  s.rmem += d.truesize;
  context_.notify(s);
  return true;
}

void Udp::icmp_error(const net::IcmpErrorReport& report, net::Instant) {
  if (report.protocol != wire::ip_protocol_udp || report.quoted_transport.size() < 4) return;
  const auto conversion = convert_icmp_error(report);
  if (conversion.error == 0) return;
  // The socket that sent the quoted datagram: its local end is the quoted
  // source, its peer the quoted destination.
  const std::uint16_t sport = wire::load_be16(report.quoted_transport, 0);
  const std::uint16_t dport = wire::load_be16(report.quoted_transport, 2);
  const wire::Ipv6Address local = report.ipv6 ? report.quoted_source_v6 : map_v4(report.quoted_source_v4);
  const wire::Ipv6Address peer =
      report.ipv6 ? report.quoted_destination_v6 : map_v4(report.quoted_destination_v4);
  const unsigned interface = socket::interface_index(report.interface);
  Socket* best = nullptr;
  int best_score = -1;
  const auto [begin, end] = ports_.equal_range(sport);
  for (auto it = begin; it != end; ++it) {
    const Socket& s = *it->second;
    // The interface the error came in on need not be the one the socket is bound to.
    const int points = score(s, local, sport, Endpoint{peer, dport, 0},
                             s.bound_interface != 0 ? s.bound_interface : interface, !report.ipv6);
    if (points > best_score) {
      best_score = points;
      best = it->second;
    }
  }
  if (best == nullptr) return;
  // ICMP4-6 (LINUX __udp4_lib_err): without IP_RECVERR only hard errors on a
  // connected socket are reported.
  if (!(report.ipv6 ? best->recverr6 : best->recverr) && (!conversion.hard || !best->connected)) return;
  best->error = conversion.error;
  context_.notify(*best);
}

ssize_t Udp::recvmsg(Socket& s, msghdr& message, int flags) {
  // No error queue: IP_RECVERR reports through SO_ERROR only.
  if ((flags & MSG_ERRQUEUE) != 0) return -EAGAIN;
  // LINUX __skb_recv_udp: a pending socket error comes first.
  if (s.error != 0) {
    const int e = s.error;
    s.error = 0;
    return -e;
  }
  if (s.udp->queue.empty()) {
    const bool blocking = !s.nonblock && (flags & MSG_DONTWAIT) == 0;
    if ((s.shutdown & socket::rcv_shutdown) != 0 && blocking) return 0;
    return -EAGAIN;
  }
  socket::ReceivedDatagram& d = s.udp->queue.front();
  // UDP-4: copy what fits; MSG_TRUNC says some was cut, and asked for in
  // flags makes the call return the real length.
  std::size_t room = 0;
  for (std::size_t i = 0; i < message.msg_iovlen; ++i) room += message.msg_iov[i].iov_len;
  const std::size_t copied = std::min(room, d.payload.size());
  std::size_t done = 0;
  for (std::size_t i = 0; i < message.msg_iovlen && done < copied; ++i) {
    const std::size_t n = std::min(message.msg_iov[i].iov_len, copied - done);
    std::memcpy(message.msg_iov[i].iov_base, d.payload.data() + done, n);
    done += n;
  }
  if (copied < d.payload.size()) message.msg_flags |= MSG_TRUNC;

  if (message.msg_name != nullptr) {
    sockaddr_storage ss{};
    socklen_t n = 0;
    if (s.domain == AF_INET) {
      sockaddr_in sin{};
      sin.sin_family = AF_INET;
      sin.sin_port = htons(d.from.port);
      std::memcpy(&sin.sin_addr, unmap_v4(d.from.address).octets.data(), 4);
      std::memcpy(&ss, &sin, sizeof sin);
      n = sizeof sin;
    } else {
      sockaddr_in6 sin6{};
      sin6.sin6_family = AF_INET6;
      sin6.sin6_port = htons(d.from.port);
      std::memcpy(&sin6.sin6_addr, d.from.address.octets.data(), 16);
      sin6.sin6_scope_id = d.from.scope;
      std::memcpy(&ss, &sin6, sizeof sin6);
      n = sizeof sin6;
    }
    std::memcpy(message.msg_name, &ss, std::min(n, message.msg_namelen));
    message.msg_namelen = n;
  }

  // CMSG-8: the enabled receive options, MSG_CTRUNC when they do not fit.
  socket::CmsgWriter writer(message);
  socket::Ipv4RecvInfo info4;
  if (d.ipv4) {
    info4.interface_index = d.interface_index;
    info4.spec_dst = d.spec_dst;
    info4.destination = d.destination4;
    info4.ttl = d.ttl;
    info4.tos = d.tos;
    info4.options = d.options.span();
  }
  if (s.domain == AF_INET) {
    socket::put_ipv4_recv_cmsgs(writer, s.recv, info4);
  } else if (d.ipv4) {
    // IPV6_PKTINFO (v4-mapped), then the IP_* messages (LINUX udpv6_recvmsg).
    socket::put_ipv6_recv_cmsgs_for_ipv4(writer, s.recv, info4);
  } else {
    socket::Ipv6RecvInfo info6;
    info6.interface_index = d.interface_index;
    info6.destination = d.destination6;
    info6.hop_limit = d.ttl;
    info6.traffic_class = d.tos;
    socket::put_ipv6_recv_cmsgs(writer, s.recv, info6);
  }
  writer.finish();

  const std::size_t full = d.payload.size();
  if ((flags & MSG_PEEK) == 0) {
    s.rmem -= d.truesize;
    s.udp->queue.pop_front(static_cast<std::size_t>(s.rcvbuf));
    ++context_.udp.in_datagrams;
  }
  return static_cast<ssize_t>((flags & MSG_TRUNC) != 0 ? full : copied);
}

short Udp::poll(const Socket& s) const {
  // LINUX udp_poll / datagram_poll.
  short mask = 0;
  if (s.error != 0) mask |= POLLERR;
  if ((s.shutdown & socket::rcv_shutdown) != 0) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
  if (s.shutdown == (socket::rcv_shutdown | socket::send_shutdown)) mask |= POLLHUP;
  if (!s.udp->queue.empty()) mask |= POLLIN | POLLRDNORM;
  // LINUX sock_writeable: writable while less than half of SO_SNDBUF is
  // charged. Sent datagrams leave at once; a corked one is charged as a
  // received one is (its payload + datagram_overhead).
  const std::size_t charged = s.udp->pending.active ? s.udp->pending.data.size() + datagram_overhead : 0;
  if (charged < static_cast<std::size_t>(s.sndbuf) / 2) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
  return mask;
}

int Udp::shutdown(Socket& s, int how) {
  // LINUX inet_shutdown: an unconnected datagram socket answers ENOTCONN but
  // still records the shutdown (so poll reports it).
  s.shutdown |= how;
  context_.notify(s);
  return s.connected ? 0 : -ENOTCONN;
}

void Udp::close(std::unique_ptr<Socket> s) {
  // A datagram socket goes at once, with its queue and any corked datagram.
  unhash(*s);
}

int Udp::setsockopt(Socket& s, int level, int name, const void* value, socklen_t length) {
  if (level != SOL_UDP) return -ENOPROTOOPT;
  // LINUX udp_lib_setsockopt.
  if (length < sizeof(int)) return -EINVAL;
  if (value == nullptr) return -EFAULT;
  int v = 0;
  std::memcpy(&v, value, sizeof v);
  switch (name) {
    case UDP_CORK:
      if (v != 0) {
        s.udp->cork = true;
      } else {
        s.udp->cork = false;
        return push_pending(s);
      }
      return 0;
    case UDP_SEGMENT:
      if (v < 0 || v > USHRT_MAX) return -EINVAL;
      s.udp->gso_size = static_cast<std::uint16_t>(v);
      return 0;
    default: return -ENOPROTOOPT;
  }
}

int Udp::getsockopt(Socket& s, int level, int name, void* value, socklen_t* length) {
  if (level != SOL_UDP) return -ENOPROTOOPT;
  int v = 0;
  switch (name) {
    case UDP_CORK: v = s.udp->cork ? 1 : 0; break;
    case UDP_SEGMENT: v = s.udp->gso_size; break;
    default: return -ENOPROTOOPT;
  }
  if (static_cast<int>(*length) < 0) return -EINVAL;
  const socklen_t n = std::min<socklen_t>(*length, sizeof(int));
  if (n > 0 && value == nullptr) return -EFAULT;
  std::memcpy(value, &v, n);
  *length = n;
  return 0;
}

}  // namespace hardstack::transport

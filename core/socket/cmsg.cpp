#include "cmsg.hpp"

#include <netinet/udp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>

#include "hardstack/wire/ipv4_options.hpp"
#include "hardstack/wire/ipv6_ext.hpp"

namespace hardstack::socket {

namespace c = cmsg_constant;

// The C library's values, where it has them, are the ones used here.
#ifdef UDP_SEGMENT
static_assert(UDP_SEGMENT == c::udp_segment);
#endif
static_assert(SOL_UDP == c::sol_udp);
#ifdef SO_TIMESTAMPING_OLD
static_assert(SO_TIMESTAMPING_OLD == c::so_timestamping);
#endif
#ifdef SCM_TXTIME
static_assert(SCM_TXTIME == c::scm_txtime);
#endif

namespace {

// SO_MARK, SCM_RIGHTS, SCM_CREDENTIALS are in <sys/socket.h> on Linux.
constexpr int so_mark = SO_MARK;

// IP_RETOPTS: the header's share of an options area is a multiple of 4.
constexpr std::size_t ipv4_header_len = 20;  // where the area starts (error offsets)
// The Routing header LINUX accepts (type 2): Hdr Ext Len 2, Segments Left 1.
constexpr std::uint8_t mobile_ipv6_hdr_ext_len = 2;
constexpr std::uint8_t mobile_ipv6_segments_left = 1;

template <class T>
T load(std::span<const std::byte> data) {
  T value{};
  std::memcpy(&value, data.data(), sizeof(T));
  return value;
}

// A message whose data is exactly one T.
template <class T>
bool holds_exactly(const CmsgItem& item) {
  return item.cmsg_len == cmsg_len_for(sizeof(T));
}
// A message whose data holds at least one T (LINUX's `cmsg_len < CMSG_LEN(sizeof(T))` checks).
template <class T>
bool holds_at_least(const CmsgItem& item) {
  return item.cmsg_len >= cmsg_len_for(sizeof(T));
}

// LINUX udp_cmsg_send: the SOL_UDP messages. Returns -errno, 0 when the
// buffer holds only SOL_UDP messages, 1 when it holds others (the IP walk
// follows).
int parse_udp_send_cmsgs(const msghdr& msg, std::optional<std::uint16_t>& gso_size) {
  bool others = false;
  const int err = walk_cmsgs(msg, [&](const CmsgItem& item) {
    if (item.level != SOL_UDP) {
      others = true;
      return 0;
    }
    // UDP-7, LINUX __udp_cmsg_send: UDP_SEGMENT is exactly a u16; nothing else is known.
    if (item.type != c::udp_segment || !holds_exactly<std::uint16_t>(item)) return -EINVAL;
    gso_size = load<std::uint16_t>(item.data);
    return 0;
  });
  if (err != 0) return err;
  return others ? 1 : 0;
}

// LINUX __sock_cmsg_send (6.1): the SOL_SOCKET messages an IP socket accepts.
int check_socket_cmsg(const CmsgItem& item) {
  switch (item.type) {
    case so_mark:
      // LINUX: CAP_NET_ADMIN (this stack's caller has it), then exactly a u32.
      return holds_exactly<std::uint32_t>(item) ? 0 : -EINVAL;
    case c::so_timestamping: {
      if (!holds_exactly<std::uint32_t>(item)) return -EINVAL;
      const auto flags = load<std::uint32_t>(item.data);
      return (flags & ~c::timestamping_tx_record_mask) != 0 ? -EINVAL : 0;
    }
    case c::scm_txtime: return -EINVAL;  // LINUX: only with SO_TXTIME enabled, which this stack never is
    case SCM_RIGHTS:
    case SCM_CREDENTIALS: return 0;  // LINUX: SOL_UNIX's in all but name; ignored by IP sockets
    default: return -EINVAL;
  }
}

// ---- IPv4 ----

wire::Ipv4Address address_of(const in_addr& a) {
  // s_addr is in network order: its bytes are the address's octets in order.
  std::array<std::uint8_t, 4> octets{};
  std::memcpy(octets.data(), &a.s_addr, octets.size());
  return wire::Ipv4Address{octets};
}

bool is_v4_mapped(const wire::Ipv6Address& a) {
  // RFC 4291 2.5.5.2: ::ffff:a.b.c.d.
  // (One memcmp: sendmsg asks this several times, and a fuzz build traces a
  // byte-by-byte comparison at every byte.)
  constexpr std::array<std::uint8_t, 12> prefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.octets.data(), prefix.data(), prefix.size()) == 0;
}

wire::Ipv6Address address_of(const in6_addr& a) {
  wire::Ipv6Address out;
  std::memcpy(out.octets.data(), &a, out.octets.size());
  return out;
}

// CMSG-3, LINUX ip_cmsg_send IP_PKTINFO (and its IPV6_PKTINFO form).
void take_pktinfo(Ipv4SendAncillary& out, unsigned interface_index, const wire::Ipv4Address& source) {
  if (interface_index != 0) out.interface_index = interface_index;
  out.source = source;
}

// CMSG-2, LINUX ip_cmsg_send IP_RETOPTS / ip_options_get: the first 40 bytes
// at most, padded with EOL to a multiple of 4, then validated: the padding
// takes part (an option may end in it).
int take_ipv4_options(Ipv4SendAncillary& out, std::span<const std::byte> data) {
  const std::size_t used = std::min(data.size(), c::max_ipv4_options);
  const std::size_t padded = (used + 3) / 4 * 4;
  wire::InlineVector<std::byte, c::max_ipv4_options> area;
  for (std::size_t i = 0; i < padded; ++i) (void)area.push_back(i < used ? data[i] : std::byte{0});
  if (!area.empty() &&
      !wire::Ipv4Options::parse(area.span(), ipv4_header_len, wire::Ipv4OptionsOrigin::privileged_socket))
    return -EINVAL;
  out.options = area;
  return 0;
}

int parse_ip_cmsg(const CmsgItem& item, Ipv4SendAncillary& out) {
  switch (item.type) {
    case IP_RETOPTS: return take_ipv4_options(out, item.data);
    case IP_PKTINFO: {
      if (!holds_exactly<in_pktinfo>(item)) return -EINVAL;  // CMSG-3
      const auto info = load<in_pktinfo>(item.data);
      take_pktinfo(out, static_cast<unsigned>(info.ipi_ifindex), address_of(info.ipi_spec_dst));
      return 0;
    }
    case IP_TTL: {
      if (!holds_exactly<int>(item)) return -EINVAL;  // CMSG-4
      const int ttl = load<int>(item.data);
      if (ttl < 1 || ttl > 255) return -EINVAL;
      out.ttl = static_cast<std::uint8_t>(ttl);
      return 0;
    }
    case IP_TOS: {
      // CMSG-5: an int or a single byte.
      int tos = 0;
      if (holds_exactly<int>(item))
        tos = load<int>(item.data);
      else if (holds_exactly<std::uint8_t>(item))
        tos = load<std::uint8_t>(item.data);
      else
        return -EINVAL;
      if (tos < 0 || tos > 255) return -EINVAL;
      out.tos = static_cast<std::uint8_t>(tos);
      return 0;
    }
    default: return -EINVAL;  // CMSG-6
  }
}

// ---- IPv6 ----

// CMSG-7: one extension header given as a cmsg: its length field must
// account for the cmsg's data exactly (LINUX accepts bytes after it: its
// check is `cmsg_len < CMSG_LEN(len)`), and the options must validate as a
// received header's would (V6-EXT-*).
// A second header of a kind: what LINUX ip6_datagram_send_ctl does, EINVAL
// for Hop-by-Hop and IPV6_2292DSTOPTS (Repeat::refused), else the last one is used.
enum class Repeat : bool { last_wins, refused };
int take_options_header(std::span<const std::byte> data, bool hop_by_hop, std::vector<std::byte>& slot,
                        Repeat repeat) {
  if (repeat == Repeat::refused && !slot.empty()) return -EINVAL;
  if (data.size() < wire::ipv6_ext_field::options_begin) return -EINVAL;
  const std::size_t len = (std::size_t{wire::load_u8(data, wire::ipv6_ext_field::header_ext_len.begin)} + 1) *
                          wire::ipv6_ext_field::unit;
  if (data.size() != len) return -EINVAL;
  if (!wire::Ipv6OptionsHeaderRepr::parse(data, hop_by_hop)) return -EINVAL;
  slot.assign(data.begin(), data.end());
  return 0;
}

// LINUX ip6_datagram_send_ctl IPV6_RTHDR: type 2 only, Hdr Ext Len 2,
// Segments Left 1 (so hdrlen / 2 == segments_left, which LINUX checks too);
// the length as for the option headers (CMSG-7).
int take_routing_header(std::span<const std::byte> data, std::vector<std::byte>& slot) {
  namespace f = wire::ipv6_ext_field;
  if (data.size() < f::routing_data_begin) return -EINVAL;
  const std::uint8_t hdr_ext_len = wire::load_u8(data, f::header_ext_len.begin);
  const std::uint8_t segments_left = wire::load_u8(data, f::segments_left.begin);
  if (wire::load_u8(data, f::routing_type.begin) != c::mobile_ipv6_routing_type ||
      hdr_ext_len != mobile_ipv6_hdr_ext_len || segments_left != mobile_ipv6_segments_left)
    return -EINVAL;
  if (data.size() != (std::size_t{hdr_ext_len} + 1) * f::unit) return -EINVAL;
  if ((hdr_ext_len >> 1) != segments_left) return -EINVAL;
  if (!wire::Ipv6RoutingHeaderRepr::parse(data)) return -EINVAL;
  slot.assign(data.begin(), data.end());  // LINUX: a second one replaces the first
  return 0;
}

// IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_DONTFRAG: exactly an int in [low, high].
int take_int(const CmsgItem& item, int low, int high, std::optional<int>& slot) {
  if (!holds_exactly<int>(item)) return -EINVAL;
  const int value = load<int>(item.data);
  if (value < low || value > high) return -EINVAL;
  slot = value;
  return 0;
}

int parse_ipv6_cmsg(const CmsgItem& item, Ipv6SendAncillary& out) {
  switch (item.type) {
    case IPV6_PKTINFO:
    case IPV6_2292PKTINFO: {
      if (!holds_at_least<in6_pktinfo>(item)) return -EINVAL;
      const auto info = load<in6_pktinfo>(item.data);
      if (info.ipi6_ifindex != 0) {
        // LINUX: an interface already chosen (an earlier IPV6_PKTINFO here) must agree.
        if (out.interface_index && *out.interface_index != info.ipi6_ifindex) return -EINVAL;
        out.interface_index = info.ipi6_ifindex;
      }
      const auto source = address_of(info.ipi6_addr);
      if (!source.is_unspecified()) out.source = source;
      return 0;
    }
    case c::ipv6_flowinfo: {
      if (!holds_at_least<std::uint32_t>(item)) return -EINVAL;
      const std::uint32_t value = wire::load_be32(item.data, 0);
      // LINUX: with flow information already set, the new value's version bits must be 0.
      if (out.flow_information.value_or(0) != 0 && (value & ~c::flowinfo_mask) != 0) return -EINVAL;
      out.flow_information = value & c::flowinfo_mask;
      return 0;
    }
    case IPV6_HOPOPTS:
    case IPV6_2292HOPOPTS: return take_options_header(item.data, true, out.hop_by_hop, Repeat::refused);
    case IPV6_DSTOPTS:
      return take_options_header(item.data, false, out.destination_options, Repeat::last_wins);
    case IPV6_2292DSTOPTS:
      return take_options_header(item.data, false, out.destination_options, Repeat::refused);
    case IPV6_RTHDRDSTOPTS:
      return take_options_header(item.data, false, out.routing_destination_options, Repeat::last_wins);
    case IPV6_RTHDR:
    case IPV6_2292RTHDR: {
      if (const int err = take_routing_header(item.data, out.routing); err != 0) return err;
      // LINUX (RFC 2292): destination options given before an IPV6_2292RTHDR
      // go before the Routing header.
      if (item.type == IPV6_2292RTHDR && !out.destination_options.empty()) {
        out.routing_destination_options = std::move(out.destination_options);
        out.destination_options.clear();
      }
      return 0;
    }
    case IPV6_HOPLIMIT:
    case IPV6_2292HOPLIMIT: return take_int(item, -1, 255, out.hop_limit);
    case IPV6_TCLASS: return take_int(item, -1, 255, out.traffic_class);
    case IPV6_DONTFRAG: return take_int(item, 0, 1, out.dontfrag);
    default: return -EINVAL;
  }
}

}  // namespace

namespace detail {

int control_bytes(const msghdr& msg, std::span<const std::byte>& out) {
  // LINUX ____sys_sendmsg: the length is checked first, then the buffer copied.
  if (msg.msg_controllen > static_cast<std::size_t>(INT_MAX)) return -ENOBUFS;
  if (msg.msg_controllen == 0) {
    out = {};
    return 0;
  }
  if (msg.msg_control == nullptr) return -EFAULT;
  out = {static_cast<const std::byte*>(msg.msg_control), msg.msg_controllen};
  return 0;
}

CmsgItem read_header(std::span<const std::byte> control, std::size_t at) {
  cmsghdr header{};
  std::memcpy(&header, control.data() + at, sizeof(header));
  const std::size_t len = header.cmsg_len;
  // The data span is only meaningful once CMSG_OK passed: empty before.
  const bool ok = len >= cmsg_header_len && len <= control.size() - at;
  return {header.cmsg_level, header.cmsg_type, len,
          ok ? control.subspan(at + cmsg_header_len, len - cmsg_header_len) : std::span<const std::byte>{}};
}

}  // namespace detail

int parse_ipv4_send_cmsgs(const msghdr& msg, Ipv4SendAncillary& out, bool allow_ipv6) {
  const int udp = parse_udp_send_cmsgs(msg, out.gso_size);
  if (udp <= 0) return udp;
  return walk_cmsgs(msg, [&](const CmsgItem& item) {
    if (allow_ipv6 && item.level == SOL_IPV6 && item.type == IPV6_PKTINFO) {
      // LINUX ip_cmsg_send: a dual-stack socket's IPV6_PKTINFO, v4-mapped.
      if (!holds_at_least<in6_pktinfo>(item)) return -EINVAL;
      const auto info = load<in6_pktinfo>(item.data);
      const auto mapped = address_of(info.ipi6_addr);
      if (!is_v4_mapped(mapped)) return -EINVAL;
      take_pktinfo(
          out, info.ipi6_ifindex,
          wire::Ipv4Address{{mapped.octets[12], mapped.octets[13], mapped.octets[14], mapped.octets[15]}});
      return 0;
    }
    if (item.level == SOL_SOCKET) return check_socket_cmsg(item);
    if (item.level != SOL_IP) return 0;  // CMSG-6: other levels are ignored
    return parse_ip_cmsg(item, out);
  });
}

int parse_ipv6_send_cmsgs(const msghdr& msg, Ipv6SendAncillary& out) {
  const int udp = parse_udp_send_cmsgs(msg, out.gso_size);
  if (udp <= 0) return udp;
  return walk_cmsgs(msg, [&](const CmsgItem& item) {
    if (item.level == SOL_SOCKET) return check_socket_cmsg(item);
    if (item.level != SOL_IPV6) return 0;
    return parse_ipv6_cmsg(item, out);
  });
}

// ---- CmsgWriter ----

CmsgWriter::CmsgWriter(msghdr& msg)
    : msg_(msg), control_(static_cast<std::byte*>(msg.msg_control)), capacity_(msg.msg_controllen) {}

void CmsgWriter::put(int level, int type, std::span<const std::byte> data) {
  const std::size_t left = capacity_ - used_;  // used_ <= capacity_
  // LINUX put_cmsg: no room for a header: nothing written.
  if (control_ == nullptr || left < sizeof(cmsghdr)) {
    msg_.msg_flags |= MSG_CTRUNC;
    return;
  }
  std::size_t len = cmsg_len_for(data.size());
  if (len > left) {
    msg_.msg_flags |= MSG_CTRUNC;
    len = left;
  }
  cmsghdr header{};
  header.cmsg_len = len;
  header.cmsg_level = level;
  header.cmsg_type = type;
  std::byte* at = control_ + used_;
  std::memcpy(at, &header, sizeof(header));
  if (len > cmsg_header_len) std::memcpy(at + cmsg_header_len, data.data(), len - cmsg_header_len);
  used_ += std::min(cmsg_space_for(data.size()), left);
}

void CmsgWriter::finish() { msg_.msg_controllen = used_; }

// ---- Receive messages ----

namespace {

in_addr in_addr_of(const wire::Ipv4Address& a) {
  in_addr out{};
  std::memcpy(&out.s_addr, a.octets.data(), a.octets.size());
  return out;
}

in6_addr in6_addr_of(const wire::Ipv6Address& a) {
  in6_addr out{};
  std::memcpy(&out, a.octets.data(), a.octets.size());
  return out;
}

void put_ipv6_pktinfo(CmsgWriter& w, unsigned interface_index, const wire::Ipv6Address& destination) {
  in6_pktinfo info{};
  info.ipi6_addr = in6_addr_of(destination);
  info.ipi6_ifindex = interface_index;
  w.put_value(SOL_IPV6, IPV6_PKTINFO, info);
}

}  // namespace

void put_ipv4_recv_cmsgs(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv4RecvInfo& info) {
  if (flags.pktinfo) {
    in_pktinfo pktinfo{};
    pktinfo.ipi_ifindex = static_cast<int>(info.interface_index);
    pktinfo.ipi_spec_dst = in_addr_of(info.spec_dst);
    pktinfo.ipi_addr = in_addr_of(info.destination);
    w.put_value(SOL_IP, IP_PKTINFO, pktinfo);
  }
  if (flags.ttl) w.put_value(SOL_IP, IP_TTL, int{info.ttl});
  if (flags.tos) w.put_value(SOL_IP, IP_TOS, info.tos);
  // LINUX ip_cmsg_recv_opts / _retopts: only for a datagram with options.
  if (flags.recvopts && !info.options.empty()) w.put(SOL_IP, IP_RECVOPTS, info.options);
  if (flags.retopts && !info.options.empty()) {
    std::array<std::byte, c::max_ipv4_options> area{};
    const auto written = wire::ipv4_echo_options(info.options).emit(area);
    w.put(SOL_IP, IP_RETOPTS, std::span<const std::byte>(area).first(written.value_or(0)));
  }
}

void put_ipv6_recv_cmsgs(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv6RecvInfo& info) {
  if (flags.v6_pktinfo) put_ipv6_pktinfo(w, info.interface_index, info.destination);
  if (flags.v6_hoplimit) w.put_value(SOL_IPV6, IPV6_HOPLIMIT, int{info.hop_limit});
  if (flags.v6_tclass) w.put_value(SOL_IPV6, IPV6_TCLASS, int{info.traffic_class});
}

void put_ipv6_recv_cmsgs_for_ipv4(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv4RecvInfo& info) {
  if (flags.v6_pktinfo) {
    // RFC 4291 2.5.5.2: ::ffff:a.b.c.d.
    wire::Ipv6Address mapped;
    mapped.octets[10] = 0xff;
    mapped.octets[11] = 0xff;
    std::copy(info.destination.octets.begin(), info.destination.octets.end(), mapped.octets.begin() + 12);
    put_ipv6_pktinfo(w, info.interface_index, mapped);
  }
  put_ipv4_recv_cmsgs(w, flags, info);
}

}  // namespace hardstack::socket

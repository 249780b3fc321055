// Ancillary data (control messages) of sendmsg and recvmsg, with Linux's
// rules (seed 000: udp_cmsg_send, ip_cmsg_send, put_cmsg; ip6_datagram_send_ctl,
// ip_cmsg_recv_offset, ip6_datagram_recv_ctl of Linux 6.1).
//
// Send: the control buffer the application hands in is walked as
// CMSG_FIRSTHDR / CMSG_NXTHDR walk it (CMSG-1) and each message the socket's
// protocol knows is checked and read into a plain value (Ipv4SendAncillary,
// Ipv6SendAncillary); the socket layer then applies it. The buffer is the
// application's: it may sit at any address and have any length, so it is only
// ever read with memcpy and never past msg_control + msg_controllen.
//
// Receive: CmsgWriter appends control messages to the application's buffer as
// Linux's put_cmsg does (CMSG-8), cutting what does not fit and saying so with
// MSG_CTRUNC, never writing past msg_controllen.
//
// Errors are -errno, as Linux's in-kernel calls return them. Where the
// requirements say more than Linux, the rule is cited (CMSG-7); where Linux
// checks something this layer cannot know (whether an interface exists, an
// address is local) the caller checks it, as noted at each field.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "hardstack/wire/address.hpp"
#include "hardstack/wire/inline_vector.hpp"

namespace hardstack::socket {

// ---- Linux constants the C library headers may lack ------------------------

namespace cmsg_constant {
inline constexpr int sol_udp = 17;          // SOL_UDP (netinet/udp.h; == IPPROTO_UDP)
inline constexpr int udp_segment = 103;     // UDP_SEGMENT (linux/udp.h; not in every netinet/udp.h)
inline constexpr int ipv6_flowinfo = 11;    // IPV6_FLOWINFO (linux/in6.h only)
inline constexpr int so_timestamping = 37;  // SO_TIMESTAMPING_OLD (asm-generic/socket.h)
inline constexpr int scm_txtime = 61;       // SCM_TXTIME == SO_TXTIME
// SOF_TIMESTAMPING_TX_RECORD_MASK (linux/net_tstamp.h): TX_HARDWARE | TX_SOFTWARE | TX_SCHED | TX_ACK.
inline constexpr std::uint32_t timestamping_tx_record_mask = 0x0001 | 0x0002 | 0x0100 | 0x0200;
// The flow information bits of IPV6_FLOWINFO (traffic class and flow label, host order).
inline constexpr std::uint32_t flowinfo_mask = 0x0fff'ffff;
// IP_RETOPTS: at most this much of a cmsg's data is used (LINUX ip_cmsg_send).
inline constexpr std::size_t max_ipv4_options = 40;
// IPV6_RTHDR: the only type accepted (LINUX with CONFIG_IPV6_MIP6: RFC 6275 type 2).
inline constexpr std::uint8_t mobile_ipv6_routing_type = 2;
}  // namespace cmsg_constant

// ---- CMSG_ALIGN / CMSG_LEN / CMSG_SPACE as constant expressions ------------
// The same values as the C library's macros (checked in cmsg_test.cpp),
// without their casts.

constexpr std::size_t cmsg_align(std::size_t len) {
  return (len + sizeof(std::size_t) - 1) & ~(sizeof(std::size_t) - 1);
}
inline constexpr std::size_t cmsg_header_len = cmsg_align(sizeof(cmsghdr));  // CMSG_DATA's offset
constexpr std::size_t cmsg_len_for(std::size_t data_len) { return cmsg_header_len + data_len; }
constexpr std::size_t cmsg_space_for(std::size_t data_len) { return cmsg_header_len + cmsg_align(data_len); }
// LINUX: the kernel's cmsghdr needs no padding before its data.
static_assert(cmsg_header_len == sizeof(cmsghdr));

// ---- Walking a control buffer (CMSG-1) -------------------------------------

// One control message: its header fields and its data (cmsg_len -
// cmsg_header_len bytes, inside the control buffer).
struct CmsgItem {
  int level;
  int type;
  std::size_t cmsg_len;
  std::span<const std::byte> data;
};

namespace detail {
// The control buffer as bytes, or -errno (the checks of LINUX ____sys_sendmsg
// before anything is read): msg_controllen > INT_MAX -> ENOBUFS; a null
// msg_control with msg_controllen > 0 -> EFAULT (the copy from the
// application faults). msg_controllen 0 -> an empty buffer.
int control_bytes(const msghdr& msg, std::span<const std::byte>& out);
// The header at `at` (the caller has checked that sizeof(cmsghdr) bytes lie there).
CmsgItem read_header(std::span<const std::byte> control, std::size_t at);
}  // namespace detail

// Walks msg_control as CMSG_FIRSTHDR / CMSG_NXTHDR do (the kernel's: a header
// needs sizeof(cmsghdr) bytes left; the next header is CMSG_ALIGN(cmsg_len)
// further on) and calls visit(const CmsgItem&) for each message. A header
// failing CMSG_OK (cmsg_len < sizeof(cmsghdr), or past msg_controllen) ->
// -EINVAL. visit returns 0 to go on or -errno to stop; that value is
// returned. 0 at the end, and for a buffer shorter than one header.
template <class Visit>
int walk_cmsgs(const msghdr& msg, Visit&& visit) {
  std::span<const std::byte> control;
  if (const int err = detail::control_bytes(msg, control); err != 0) return err;
  std::size_t at = 0;  // always <= control.size()
  while (control.size() - at >= sizeof(cmsghdr)) {
    const CmsgItem item = detail::read_header(control, at);
    // CMSG_OK, LINUX: a message must hold its header and end inside the buffer.
    if (item.cmsg_len < sizeof(cmsghdr) || item.cmsg_len > control.size() - at) return -EINVAL;
    if (const int r = visit(item); r != 0) return r;
    // cmsg_len <= control.size() - at: the step cannot overflow.
    const std::size_t step = cmsg_align(item.cmsg_len);
    if (step > control.size() - at) break;
    at += step;
  }
  return 0;
}

// ---- Send ------------------------------------------------------------------

// What one sendmsg's control buffer asks of an IPv4 datagram (LINUX
// struct ipcm_cookie). A field is set only when a message named it.
struct Ipv4SendAncillary {
  // IP_PKTINFO ipi_ifindex, when non-zero (LINUX: 0 leaves the socket's).
  // The caller checks that the interface exists (ENODEV).
  std::optional<unsigned> interface_index;
  // IP_PKTINFO ipi_spec_dst, set whenever IP_PKTINFO is given, 0.0.0.0 too:
  // LINUX ipc->addr = ipi_spec_dst replaces the socket's bound address, so
  // 0.0.0.0 lets the route choose the source. The caller checks that a
  // non-zero one is local (EINVAL).
  std::optional<wire::Ipv4Address> source;
  std::optional<std::uint8_t> ttl;  // IP_TTL, 1..255
  std::optional<std::uint8_t> tos;  // IP_TOS, an int or one byte
  // IP_RETOPTS: the options area as Linux keeps it (ip_options_get): the
  // first <= 40 bytes of the data, padded with EOL to a multiple of 4, and
  // validated as a socket's options (V4-OPT-*). May be empty (no options).
  std::optional<wire::InlineVector<std::byte, cmsg_constant::max_ipv4_options>> options;
  std::optional<std::uint16_t> gso_size;  // SOL_UDP UDP_SEGMENT (host order)
};

// LINUX udp_cmsg_send then ip_cmsg_send. 0, or -errno: EINVAL for every
// CMSG-1..6 rule; EFAULT, ENOBUFS (see walk_cmsgs). `out` is filled in place
// (start from a default value); on an error it may hold part of the buffer.
//   SOL_UDP: UDP_SEGMENT with exactly a u16 (UDP-7), any other type -> EINVAL.
//   SOL_IP: IP_PKTINFO (exactly an in_pktinfo), IP_TTL (exactly an int,
//     1..255), IP_TOS (an int or a byte, 0..255), IP_RETOPTS; other types -> EINVAL.
//   SOL_SOCKET: what LINUX __sock_cmsg_send accepts: SO_MARK (this stack acts
//     as CAP_NET_ADMIN: a u32, not used), SO_TIMESTAMPING_OLD (a u32 of TX
//     record flags only, not used), SCM_TXTIME (-> EINVAL: SO_TXTIME is never
//     enabled here), SCM_RIGHTS / SCM_CREDENTIALS (ignored: they are
//     SOL_UNIX's); any other type -> EINVAL.
//   Other levels are ignored. With `allow_ipv6` (an IPv6 socket sending to a
//   v4-mapped address, LINUX ip_cmsg_send(.., sk_family == AF_INET6)),
//   SOL_IPV6 IPV6_PKTINFO counts as IP_PKTINFO: at least an in6_pktinfo, the
//   address v4-mapped (else EINVAL); other SOL_IPV6 messages are ignored.
int parse_ipv4_send_cmsgs(const msghdr& msg, Ipv4SendAncillary& out, bool allow_ipv6 = false);

// What one sendmsg's control buffer asks of an IPv6 datagram (LINUX
// struct ipcm6_cookie, flowi6 and ipv6_txoptions).
struct Ipv6SendAncillary {
  // IPV6_PKTINFO ipi6_ifindex, when non-zero. The caller checks that it is
  // the socket's bound interface, if any, and exists (EINVAL, ENODEV), and
  // that a link-local source comes with an interface (EINVAL).
  std::optional<unsigned> interface_index;
  // IPV6_PKTINFO ipi6_addr, when not ::. The caller checks that it is local (EINVAL).
  std::optional<wire::Ipv6Address> source;
  std::optional<int> hop_limit;      // IPV6_HOPLIMIT, -1 (the default) .. 255
  std::optional<int> traffic_class;  // IPV6_TCLASS, -1 (the default) .. 255
  std::optional<int> dontfrag;       // IPV6_DONTFRAG, 0..1 (LINUX: -1 is EINVAL here)
  // IPV6_FLOWINFO: traffic class and flow label (host order, 28 bits). On
  // entry it may hold the flow information already chosen for this send
  // (sin6_flowinfo with IPV6_FLOWINFO_SEND): LINUX then refuses a message
  // whose top four bits (the version's place) are not 0.
  std::optional<std::uint32_t> flow_information;
  // Whole extension headers as the cmsgs gave them (Next Header and Hdr Ext
  // Len as written; the stack sets Next Header on output); empty = none.
  //   hop_by_hop: IPV6_HOPOPTS; destination_options: IPV6_DSTOPTS (after the
  //   Routing header); routing: IPV6_RTHDR; routing_destination_options:
  //   IPV6_RTHDRDSTOPTS (before the Routing header). RFC 2292 variants map
  //   onto these, IPV6_2292DSTOPTS before an IPV6_2292RTHDR moving to the
  //   routing slot as in LINUX.
  std::vector<std::byte> hop_by_hop, destination_options, routing, routing_destination_options;
  std::optional<std::uint16_t> gso_size;  // SOL_UDP UDP_SEGMENT (host order)
};

// LINUX udp_cmsg_send then ip6_datagram_send_ctl. 0 or -errno (EINVAL,
// EFAULT, ENOBUFS). `out` starts default-constructed but for
// flow_information (see above).
//   SOL_IPV6: IPV6_PKTINFO / IPV6_2292PKTINFO (at least an in6_pktinfo; a
//     second non-zero interface unlike the first -> EINVAL), IPV6_FLOWINFO
//     (at least 4 bytes), IPV6_HOPLIMIT / IPV6_2292HOPLIMIT, IPV6_TCLASS,
//     IPV6_DONTFRAG (exactly an int each), the extension headers:
//     HOPOPTS / DSTOPTS / RTHDRDSTOPTS / RTHDR and their 2292 forms. A header's
//     cmsg length must equal CMSG_LEN((hdrlen + 1) * 8) exactly (CMSG-7;
//     LINUX accepts bytes after the header) and the header must validate as a
//     received one would (V6-EXT-*: TLV bounds, padding rules, the option
//     limit); RTHDR: only type 2 with hdrlen 2 and segments_left 1 (LINUX with
//     MIP6). A second header of a kind, as LINUX: a second HOPOPTS, or a
//     2292DSTOPTS after a DSTOPTS -> EINVAL; a later DSTOPTS / RTHDR /
//     RTHDRDSTOPTS replaces the earlier one.
//     This stack acts as CAP_NET_RAW: no EPERM for option headers. Any other
//     type -> EINVAL.
//   SOL_UDP and SOL_SOCKET as for IPv4; other levels are ignored.
int parse_ipv6_send_cmsgs(const msghdr& msg, Ipv6SendAncillary& out);

// ---- Receive (CMSG-8) ------------------------------------------------------

// Appends control messages to msg.msg_control as LINUX put_cmsg does:
//  - fewer than sizeof(cmsghdr) bytes left (or no buffer): nothing is
//    written, MSG_CTRUNC is set in msg.msg_flags;
//  - a message that does not fit whole: its header and as much data as fits
//    are written, the header's cmsg_len saying the bytes written (LINUX sets
//    cmsg_len to what is left, so CMSG_NXTHDR stays inside the buffer), and
//    MSG_CTRUNC is set;
//  - each message takes CMSG_SPACE(len) bytes (the last one what is left);
//    padding bytes are not written (LINUX leaves them as they were).
// Nothing is ever written past the msg_controllen given at construction.
// finish() sets msg.msg_controllen to the bytes taken (LINUX ____sys_recvmsg).
class CmsgWriter {
 public:
  explicit CmsgWriter(msghdr& msg);
  void put(int level, int type, std::span<const std::byte> data);
  template <class T>
  void put_value(int level, int type, const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    put(level, type, std::as_bytes(std::span<const T, 1>(&value, 1)));
  }
  void finish();
  // Bytes taken so far.
  std::size_t used() const { return used_; }

 private:
  msghdr& msg_;
  std::byte* control_;
  std::size_t capacity_;
  std::size_t used_ = 0;
};

// Which receive-side messages a socket asked for (IP_PKTINFO, IP_RECVTTL,
// IP_RECVTOS, IP_RECVOPTS, IP_RETOPTS; IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT,
// IPV6_RECVTCLASS).
struct RecvCmsgFlags {
  bool pktinfo = false, ttl = false, tos = false, recvopts = false, retopts = false;
  bool v6_pktinfo = false, v6_hoplimit = false, v6_tclass = false;
};

// What an IPv4 datagram's receive messages report.
struct Ipv4RecvInfo {
  unsigned interface_index = 0;  // the interface it came in on
  // The local address a reply would come from (LINUX fib_compute_spec_dst),
  // and the header's destination.
  wire::Ipv4Address spec_dst, destination;
  std::uint8_t ttl = 0, tos = 0;
  // The header's options area as received (IHL * 4 - 20 bytes, with this
  // host's Record Route / Timestamp entries as the input path wrote them).
  std::span<const std::byte> options;
};

// What an IPv6 datagram's receive messages report.
struct Ipv6RecvInfo {
  unsigned interface_index = 0;
  wire::Ipv6Address destination;
  std::uint8_t hop_limit = 0, traffic_class = 0;
};

// LINUX ip_cmsg_recv_offset's order: IP_PKTINFO (in_pktinfo: interface,
// spec_dst, destination), IP_TTL (an int), IP_TOS (one byte), IP_RECVOPTS
// (the options area as received, when there are options), IP_RETOPTS (the
// options a reply would carry, LINUX ip_options_echo: Record Route then
// Timestamp, padded with EOL to a multiple of 4; when there are options,
// possibly none to echo: then no data).
void put_ipv4_recv_cmsgs(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv4RecvInfo& info);

// LINUX ip6_datagram_recv_ctl's order: IPV6_PKTINFO (in6_pktinfo), IPV6_HOPLIMIT
// (an int), IPV6_TCLASS (an int).
void put_ipv6_recv_cmsgs(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv6RecvInfo& info);

// An IPv4 datagram received on a dual-stack IPv6 socket, LINUX udpv6_recvmsg:
// IPV6_PKTINFO (the v4-mapped destination) when v6_pktinfo, then the IPv4
// messages the IP_* flags ask for, as put_ipv4_recv_cmsgs. No IPV6_HOPLIMIT
// or IPV6_TCLASS: LINUX reports those for IPv6 datagrams only
// (ip6_datagram_recv_specific_ctl).
void put_ipv6_recv_cmsgs_for_ipv4(CmsgWriter& w, const RecvCmsgFlags& flags, const Ipv4RecvInfo& info);

}  // namespace hardstack::socket

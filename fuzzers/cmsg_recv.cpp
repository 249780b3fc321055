// recvmsg's ancillary data (CMSG-8, UDP-4): datagrams that arrive with IPv4
// options, TTL / TOS, IPv6 hop limit / traffic class, read through control
// buffers of any size (0 up, odd sizes, misaligned starts, a null pointer).
//
// One stack and one Sockets serve every input: a raw-IP interface tun0
// (192.0.2.1/24, 2001:db8::1/64; the peer is 192.0.2.2 / 2001:db8::2) and
// loopback. Each input makes one socket on port 7 with the receive options
// it asks for, injects datagrams and reads each one twice: MSG_PEEK with a
// control buffer large enough for everything (the cmsgs it reports are
// checked against what arrived), then with the input's control buffer,
// whose result must be exactly what Linux's put_cmsg makes of that list.
//
// Input:
//   byte 0  bits 0-1 family: 0 AF_INET, 1 AF_INET6, 2 AF_INET6 + IPV6_V6ONLY, 3 AF_INET
//   byte 1  receive options: bit 0 IP_PKTINFO, 1 IP_RECVTTL, 2 IP_RECVTOS, 3 IP_RECVOPTS,
//           4 IP_RETOPTS, 5 IPV6_RECVPKTINFO, 6 IPV6_RECVHOPLIMIT, 7 IPV6_RECVTCLASS
//           (the IPv4 ones at SOL_IP also on an AF_INET6 socket, as Linux allows)
//   then up to 4 datagrams, each:
//     kind    bit 0 raw: the bytes are an IP packet (checksums repaired), else built:
//             bit 1 IPv6; bits 2-3 destination (ours, broadcast / all-nodes, 255.255.255.255, ours);
//             bit 4 null msg_control; bits 5-7 control buffer misalignment (0..7)
//     size    control buffer size (0..255)
//     iov     bit 0: an 8-byte data buffer (MSG_TRUNC), bit 1 MSG_TRUNC in flags
//     built:  TTL / hop limit, TOS / traffic class, options length (IPv4, 0..40) and
//             bytes, payload length (a fixed pattern)
//     raw:    u16 LE length, bytes
//
// Checks:
//   - the peeked cmsgs are those enabled for the datagram's family, in
//     Linux's order (ip_cmsg_recv_offset; ip6_datagram_recv_common_ctl and
//     _specific_ctl; for an IPv4 datagram on an AF_INET6 socket
//     IPV6_PKTINFO then the IPv4 ones), with the values the datagram
//     carried (interface, addresses, TTL, TOS, options as received);
//   - with the input's buffer: never a byte written outside it (ASan: it is
//     an exact-size heap block; the bytes before a misaligned start are a
//     guard, checked), msg_controllen never grows and is what put_cmsg
//     leaves, MSG_CTRUNC exactly when a cmsg did not fit (CMSG_SPACE per
//     cmsg, the last needing only CMSG_LEN), and every byte written is the
//     peeked cmsgs' (cut ones carry their cut cmsg_len);
//   - the datagram itself: its bytes, MSG_TRUNC, the return value, the source.
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "socket_fuzz.hpp"

using namespace hardstack;

namespace {

constexpr wire::Ipv4Address our4{{192, 0, 2, 1}};
constexpr wire::Ipv4Address peer4{{192, 0, 2, 2}};
const wire::Ipv6Address our6 = fuzz::doc_ipv6_src;   // 2001:db8::1
const wire::Ipv6Address peer6 = fuzz::doc_ipv6_dst;  // 2001:db8::2
constexpr std::uint16_t port = 7;
constexpr unsigned tun_ifindex = 2;

struct World {
  harness::VirtualClock clock;
  net::SeededEntropy entropy{0x7ec5};
  fuzz::ArenaDevice device{1500};
  net::Stack stack = std::move(net::Stack::create(net::StackConfig{}, entropy).value());
  socket::Sockets sockets = std::move(socket::Sockets::create(stack, entropy).value());
  net::InterfaceId tun{};
  std::array<std::byte, 1600> pattern{};
  std::array<std::byte, 66000> packet{};
  std::array<std::byte, 66000> data{};

  World() {
    tun = stack.add_interface(device, net::InterfaceConfig{}).value();
    HS_FUZZ_CHECK(socket::interface_index(tun) == tun_ifindex);
    HS_FUZZ_CHECK(stack.add_address(tun, our4, 24).has_value());
    HS_FUZZ_CHECK(stack.add_address(tun, our6, 64).has_value());
    for (std::size_t i = 0; i < pattern.size(); ++i)
      pattern[i] = std::byte{static_cast<std::uint8_t>(i * 7 + 3)};
  }
};

World* world = nullptr;

}  // namespace

// Every allocation but the world's lives within one input.
HS_FUZZ_SMALL_ASAN_QUARANTINE()

namespace {

// ---- Packets

// RFC 791 / RFC 768 / RFC 8200 8.1: an IPv4 or IPv6 header with a valid
// checksum around a UDP datagram to our port, from the peer.
struct Built {
  std::size_t size = 0;
  bool ipv6 = false;
  wire::Ipv6Address destination;  // v4-mapped for IPv4
  std::uint8_t ttl = 0, tos = 0;
  std::size_t options = 0;  // IPv4 options area length
};

std::uint16_t udp_checksum(wire::Bytes udp, const wire::Ipv6Address& src, const wire::Ipv6Address& dst,
                           bool v4) {
  const auto pseudo =
      v4 ? fuzz::pseudo_header_bytes(
               wire::Ipv4Address{{src.octets[12], src.octets[13], src.octets[14], src.octets[15]}},
               wire::Ipv4Address{{dst.octets[12], dst.octets[13], dst.octets[14], dst.octets[15]}}, 17,
               static_cast<std::uint16_t>(udp.size()))
         : fuzz::pseudo_header_bytes(src, dst, 17, static_cast<std::uint32_t>(udp.size()));
  const std::uint16_t sum = static_cast<std::uint16_t>(~fuzz::ones_complement_sum({pseudo.span(), udp}));
  return sum == 0 ? 0xffff : sum;
}

void write_udp(wire::MutableBytes udp, const wire::Ipv6Address& src, const wire::Ipv6Address& dst, bool v4) {
  wire::store_be16(udp, 0, 5000);
  wire::store_be16(udp, 2, port);
  wire::store_be16(udp, 4, static_cast<std::uint16_t>(udp.size()));
  wire::store_be16(udp, 6, 0);
  wire::store_be16(udp, 6, udp_checksum(udp, src, dst, v4));
}

Built build(World& w, std::uint8_t kind, fuzz::ByteReader& in) {
  Built b;
  b.ipv6 = (kind & 2) != 0;
  b.ttl = in.u8();
  b.tos = in.u8();
  const std::size_t options = b.ipv6 ? 0 : std::min<std::size_t>(in.u8(), 40);
  const auto option_bytes = in.take(options);
  const std::size_t payload = in.u8();
  const wire::MutableBytes p(w.packet);
  const unsigned to = (kind >> 2) & 3;
  if (!b.ipv6) {
    static constexpr std::array<wire::Ipv4Address, 4> dsts = {our4, wire::Ipv4Address{{192, 0, 2, 255}},
                                                              wire::Ipv4Address{{255, 255, 255, 255}}, our4};
    const std::size_t area = (options + 3) / 4 * 4;
    const std::size_t header = 20 + area;
    b.size = header + 8 + payload;
    std::fill(w.packet.begin(), w.packet.begin() + static_cast<std::ptrdiff_t>(header), std::byte{0});
    wire::store_u8(p, 0, static_cast<std::uint8_t>(0x40 | (header / 4)));
    wire::store_u8(p, 1, b.tos);
    wire::store_be16(p, 2, static_cast<std::uint16_t>(b.size));
    wire::store_u8(p, 8, b.ttl);
    wire::store_u8(p, 9, 17);
    peer4.store(p, 12);
    dsts[to].store(p, 16);
    if (!option_bytes.empty()) std::memcpy(w.packet.data() + 20, option_bytes.data(), option_bytes.size());
    wire::store_be16(
        p, 10, static_cast<std::uint16_t>(~fuzz::ones_complement_sum({wire::Bytes(w.packet).first(header)})));
    b.destination = fuzz::mapped(dsts[to]);
    b.options = area;
    std::memcpy(w.packet.data() + header + 8, w.pattern.data(), payload);
    write_udp(p.subspan(header, 8 + payload), fuzz::mapped(peer4), b.destination, true);
  } else {
    wire::Ipv6Address dst = our6;
    if (to == 1 || to == 2) dst = wire::Ipv6Address{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    b.size = 40 + 8 + payload;
    wire::store_be32(p, 0, 0x60000000u | (std::uint32_t{b.tos} << 20) | 0x12345);
    wire::store_be16(p, 4, static_cast<std::uint16_t>(8 + payload));
    wire::store_u8(p, 6, 17);
    wire::store_u8(p, 7, b.ttl);
    peer6.store(p, 8);
    dst.store(p, 24);
    b.destination = dst;
    std::memcpy(w.packet.data() + 48, w.pattern.data(), payload);
    write_udp(p.subspan(40, 8 + payload), peer6, dst, false);
  }
  return b;
}

// A raw packet from the input: the IPv4 header checksum and the UDP checksum
// of an unfragmented datagram repaired, so it gets as far as its other bytes let it.
std::size_t raw(World& w, fuzz::ByteReader& in) {
  const std::size_t low = in.u8();
  const std::size_t n = std::min<std::size_t>(low | std::size_t{in.u8()} << 8, w.packet.size());
  const auto bytes = in.take(n);
  if (bytes.empty()) return 0;
  std::memcpy(w.packet.data(), bytes.data(), bytes.size());
  const wire::MutableBytes p = wire::MutableBytes(w.packet).first(bytes.size());
  const std::uint8_t version = wire::load_u8(p, 0) >> 4;
  if (version == 4 && p.size() >= 20) {
    const std::size_t header = std::size_t{wire::load_u8(p, 0) & 0x0fu} * 4;
    if (header < 20 || header > p.size()) return p.size();
    wire::store_be16(p, 10, 0);
    wire::store_be16(p, 10,
                     static_cast<std::uint16_t>(~fuzz::ones_complement_sum({wire::Bytes(p).first(header)})));
    const std::size_t total = std::min<std::size_t>(wire::load_be16(p, 2), p.size());
    const bool fragment = (wire::load_be16(p, 6) & 0x3fff) != 0;
    if (wire::load_u8(p, 9) == 17 && !fragment && total >= header + 8) {
      const auto src = fuzz::mapped(wire::Ipv4Address::load(p, 12));
      const auto dst = fuzz::mapped(wire::Ipv4Address::load(p, 16));
      const wire::MutableBytes udp = p.subspan(header, total - header);
      if (wire::load_be16(udp, 4) == udp.size()) {
        wire::store_be16(udp, 6, 0);
        wire::store_be16(udp, 6, udp_checksum(udp, src, dst, true));
      }
    }
  } else if (version == 6 && p.size() >= 48 && wire::load_u8(p, 6) == 17) {
    const std::size_t total = std::min<std::size_t>(40 + std::size_t{wire::load_be16(p, 4)}, p.size());
    const wire::MutableBytes udp = p.subspan(40, total - 40);
    if (udp.size() >= 8 && wire::load_be16(udp, 4) == udp.size()) {
      wire::store_be16(udp, 6, 0);
      wire::store_be16(
          udp, 6, udp_checksum(udp, wire::Ipv6Address::load(p, 8), wire::Ipv6Address::load(p, 24), false));
    }
  }
  return p.size();
}

// ---- What arrived, as the stack saw it

struct Arrival {
  bool ipv6 = false;
  wire::Ipv6Address source, destination;  // v4-mapped for IPv4
  std::uint8_t ttl = 0, tos = 0;
  wire::Bytes options;  // the IPv4 options area as injected
};

// The datagram a packet carries, read back from the bytes injected (only
// used once the socket received one: it parsed).
Arrival arrival_of(wire::Bytes packet) {
  Arrival a;
  a.ipv6 = (std::to_integer<std::uint8_t>(packet[0]) >> 4) == 6;
  if (!a.ipv6) {
    const std::size_t header = std::size_t{std::to_integer<std::uint8_t>(packet[0]) & 0x0fu} * 4;
    a.source = fuzz::mapped(wire::Ipv4Address::load(packet, 12));
    a.destination = fuzz::mapped(wire::Ipv4Address::load(packet, 16));
    a.ttl = wire::load_u8(packet, 8);
    a.tos = wire::load_u8(packet, 1);
    a.options = packet.subspan(20, header - 20);
  } else {
    a.source = wire::Ipv6Address::load(packet, 8);
    a.destination = wire::Ipv6Address::load(packet, 24);
    a.ttl = wire::load_u8(packet, 7);
    a.tos = static_cast<std::uint8_t>((wire::load_be16(packet, 0) >> 4) & 0xff);
  }
  return a;
}

struct Cmsg {
  int level = 0;
  int type = 0;
  wire::Bytes data;
};

template <class T>
T load(wire::Bytes b) {
  T v{};
  std::memcpy(&v, b.data(), std::min(sizeof v, b.size()));
  return v;
}

// The options a receiver reports (IP_RECVOPTS): the area as it arrived,
// Record Route and Timestamp bodies possibly filled in by this host (LINUX
// ip_options_compile on input), nothing but EOL after an EOL.
HS_FUZZ_NO_COVERAGE void check_received_options(wire::Bytes got, wire::Bytes sent) {
  HS_FUZZ_CHECK(got.size() == sent.size());
  std::size_t at = 0;
  while (at < sent.size()) {
    const std::uint8_t type = wire::load_u8(sent, at);
    HS_FUZZ_CHECK(wire::load_u8(got, at) == type);
    if (type == 0) break;
    if (type == 1) {
      ++at;
      continue;
    }
    const std::size_t len = wire::load_u8(sent, at + 1);  // validated on input
    HS_FUZZ_CHECK(wire::load_u8(got, at + 1) == len);
    if (type != 7 && type != 68) HS_FUZZ_CHECK(std::memcmp(got.data() + at, sent.data() + at, len) == 0);
    at += len;
  }
  for (; at < got.size(); ++at) HS_FUZZ_CHECK(wire::load_u8(got, at) == 0);
}

// The peeked cmsgs against what arrived and what the socket enabled.
HS_FUZZ_NO_COVERAGE void check_cmsgs(const std::vector<Cmsg>& list, int family, std::uint8_t enabled, const Arrival& a) {
  if (fuzz::trace()) {
    std::fprintf(stderr, "peeked (family %d, enabled %02x, %s):", family, enabled, a.ipv6 ? "IPv6" : "IPv4");
    for (const Cmsg& c : list) std::fprintf(stderr, " %d/%d[%zu]", c.level, c.type, c.data.size());
    std::fprintf(stderr, "\n");
  }
  std::size_t i = 0;
  auto next = [&](int level, int type) -> const Cmsg& {
    HS_FUZZ_CHECK(i < list.size());
    const Cmsg& c = list[i++];
    HS_FUZZ_CHECK(c.level == level && c.type == type);
    return c;
  };
  if (a.ipv6) {
    // LINUX ip6_datagram_recv_common_ctl then _specific_ctl.
    if ((enabled & 0x20) != 0) {
      const Cmsg& c = next(SOL_IPV6, IPV6_PKTINFO);
      HS_FUZZ_CHECK(c.data.size() == sizeof(in6_pktinfo));
      const auto info = load<in6_pktinfo>(c.data);
      HS_FUZZ_CHECK(info.ipi6_ifindex == tun_ifindex);
      HS_FUZZ_CHECK(std::memcmp(&info.ipi6_addr, a.destination.octets.data(), 16) == 0);
    }
    if ((enabled & 0x40) != 0) {
      const Cmsg& c = next(SOL_IPV6, IPV6_HOPLIMIT);
      HS_FUZZ_CHECK(c.data.size() == sizeof(int) && load<int>(c.data) == a.ttl);
    }
    if ((enabled & 0x80) != 0) {
      const Cmsg& c = next(SOL_IPV6, IPV6_TCLASS);
      HS_FUZZ_CHECK(c.data.size() == sizeof(int) && load<int>(c.data) == a.tos);
    }
    HS_FUZZ_CHECK(i == list.size());
    return;
  }
  // An IPv4 datagram on an AF_INET6 socket: IPV6_PKTINFO with the v4-mapped
  // destination (LINUX ip6_datagram_recv_common_ctl), never IPV6_HOPLIMIT /
  // IPV6_TCLASS (those are _specific_ctl, for IPv6 only), then the IPv4 ones.
  if (family == AF_INET6 && (enabled & 0x20) != 0) {
    const Cmsg& c = next(SOL_IPV6, IPV6_PKTINFO);
    HS_FUZZ_CHECK(c.data.size() == sizeof(in6_pktinfo));
    const auto info = load<in6_pktinfo>(c.data);
    HS_FUZZ_CHECK(info.ipi6_ifindex == tun_ifindex);
    HS_FUZZ_CHECK(std::memcmp(&info.ipi6_addr, a.destination.octets.data(), 16) == 0);
  }
  // LINUX ip_cmsg_recv_offset: PKTINFO, TTL, TOS, RECVOPTS, RETOPTS.
  if ((enabled & 0x01) != 0) {
    const Cmsg& c = next(SOL_IP, IP_PKTINFO);
    HS_FUZZ_CHECK(c.data.size() == sizeof(in_pktinfo));
    const auto info = load<in_pktinfo>(c.data);
    HS_FUZZ_CHECK(info.ipi_ifindex == static_cast<int>(tun_ifindex));
    HS_FUZZ_CHECK(std::memcmp(&info.ipi_addr, a.destination.octets.data() + 12, 4) == 0);
    // ipi_spec_dst: the address it reached, ours for a broadcast (LINUX fib_compute_spec_dst).
    HS_FUZZ_CHECK(std::memcmp(&info.ipi_spec_dst, our4.octets.data(), 4) == 0);
  }
  if ((enabled & 0x02) != 0) {
    const Cmsg& c = next(SOL_IP, IP_TTL);
    HS_FUZZ_CHECK(c.data.size() == sizeof(int) && load<int>(c.data) == a.ttl);
  }
  if ((enabled & 0x04) != 0) {
    const Cmsg& c = next(SOL_IP, IP_TOS);
    HS_FUZZ_CHECK(c.data.size() == 1 && std::to_integer<std::uint8_t>(c.data[0]) == a.tos);
  }
  if ((enabled & 0x08) != 0 && !a.options.empty()) {
    const Cmsg& c = next(SOL_IP, IP_RECVOPTS);
    check_received_options(c.data, a.options);
  }
  if ((enabled & 0x10) != 0 && !a.options.empty()) {
    // LINUX ip_options_echo: the options to send back, padded to 4 bytes.
    const Cmsg& c = next(SOL_IP, IP_RETOPTS);
    HS_FUZZ_CHECK(c.data.size() % 4 == 0 && c.data.size() <= 40);
  }
  HS_FUZZ_CHECK(i == list.size());
}

// LINUX put_cmsg over a buffer of `size` bytes: where each cmsg goes, whether
// it is cut, how much is used.
struct Placement {
  std::size_t used = 0;
  bool truncated = false;
};

HS_FUZZ_NO_COVERAGE Placement place(const std::vector<Cmsg>& list, std::size_t size, bool null_control, const std::byte* peeked,
                const std::byte* written) {
  Placement p;
  std::size_t left = null_control ? 0 : size;
  std::size_t from = 0;  // where each cmsg sits in the peeked (large) buffer
  for (const Cmsg& c : list) {
    const std::size_t full = CMSG_LEN(c.data.size());
    if (left < sizeof(cmsghdr)) {
      p.truncated = true;
      from += CMSG_SPACE(c.data.size());
      continue;
    }
    std::size_t len = full;
    if (left < full) {
      p.truncated = true;
      len = left;
    }
    if (written != nullptr) {
      // The header says how much is there; the bytes after it are the cmsg's.
      cmsghdr h;
      std::memcpy(&h, written + p.used, sizeof h);
      HS_FUZZ_CHECK(h.cmsg_len == len && h.cmsg_level == c.level && h.cmsg_type == c.type);
      HS_FUZZ_CHECK(std::memcmp(written + p.used + sizeof(cmsghdr), peeked + from + sizeof(cmsghdr),
                                len - sizeof(cmsghdr)) == 0);
    }
    const std::size_t step = std::min<std::size_t>(CMSG_SPACE(c.data.size()), left);
    p.used += step;
    left -= step;
    from += CMSG_SPACE(c.data.size());
  }
  return p;
}

void read_one(World& w, int fd, int family, std::uint8_t enabled, std::uint8_t kind, std::uint8_t size_byte,
              std::uint8_t iov_byte, wire::Bytes packet) {
  // 1. MSG_PEEK with room for everything: the full cmsg list.
  alignas(cmsghdr) static std::array<std::byte, 1024> big;
  sockaddr_storage from{};
  iovec v{w.data.data(), w.data.size()};
  msghdr m = fuzz::receive_message(v, from, big);
  const auto peeked = w.sockets.recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT);
  if (peeked == -EAGAIN) return;  // the stack refused the packet
  fuzz::check_result(fuzz::Call::recvmsg, peeked);
  HS_FUZZ_CHECK(peeked >= 0);
  HS_FUZZ_CHECK((m.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) == 0);
  HS_FUZZ_CHECK(m.msg_controllen <= big.size());
  std::vector<Cmsg> list;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    HS_FUZZ_CHECK(c->cmsg_len >= CMSG_LEN(0));
    list.push_back(
        {c->cmsg_level, c->cmsg_type,
         wire::Bytes(reinterpret_cast<const std::byte*>(CMSG_DATA(c)), c->cmsg_len - CMSG_LEN(0))});
  }
  // (CMSG_NXTHDR stops at a last cmsg without padding: what is used ends there.)
  if (!list.empty()) {
    const auto* end = list.back().data.data() + list.back().data.size();
    HS_FUZZ_CHECK(static_cast<std::size_t>(end - big.data()) <= m.msg_controllen);
  }
  const std::size_t payload_len = static_cast<std::size_t>(peeked);
  if ((kind & 1) == 0) {
    HS_FUZZ_CHECK(payload_len + 8 <= packet.size());
    HS_FUZZ_CHECK(std::memcmp(w.data.data(), packet.data() + (packet.size() - payload_len), payload_len) ==
                  0);
  }
  const Arrival a = arrival_of(packet);
  // A raw packet's header tells what the datagram carried unless it was a
  // fragment or had extension headers (the values then are another packet's).
  const bool v4_fragment = !a.ipv6 && (wire::load_be16(packet, 6) & 0x3fff) != 0;
  const bool v6_chain = a.ipv6 && wire::load_u8(packet, 6) != 17;
  if ((kind & 1) == 0 || !(v4_fragment || v6_chain)) check_cmsgs(list, family, enabled, a);
  if (family == AF_INET) {
    sockaddr_in sin;
    std::memcpy(&sin, &from, sizeof sin);
    HS_FUZZ_CHECK(m.msg_namelen == sizeof sin && sin.sin_family == AF_INET);
    HS_FUZZ_CHECK(std::memcmp(&sin.sin_addr, a.source.octets.data() + 12, 4) == 0);
  } else {
    sockaddr_in6 sin6;
    std::memcpy(&sin6, &from, sizeof sin6);
    HS_FUZZ_CHECK(m.msg_namelen == sizeof sin6 && sin6.sin6_family == AF_INET6);
    HS_FUZZ_CHECK(std::memcmp(&sin6.sin6_addr, a.source.octets.data(), 16) == 0);
  }

  // 2. The input's control buffer: an exact-size heap block, `offset` guard
  // bytes before the part handed over.
  const bool null_control = (kind & 0x10) != 0;
  const std::size_t offset = (kind >> 5) & 7;
  const std::size_t size = size_byte;
  auto* block = static_cast<std::byte*>(std::malloc(offset + size + 1));  // + 1: malloc(0) may be null
  HS_FUZZ_CHECK(block != nullptr);
  std::memset(block, 0xa5, offset + size + 1);
  fuzz::poison(block + offset + size, 1);
  std::byte* control = block + offset;
  const bool small = (iov_byte & 1) != 0;
  iovec v2{w.data.data(), small ? std::size_t{8} : w.data.size()};
  msghdr m2{};
  m2.msg_iov = &v2;
  m2.msg_iovlen = 1;
  m2.msg_control = null_control ? nullptr : control;
  m2.msg_controllen = size;
  const int flags = MSG_DONTWAIT | ((iov_byte & 2) != 0 ? MSG_TRUNC : 0);
  const auto got = w.sockets.recvmsg(fd, &m2, flags);
  fuzz::check_result(fuzz::Call::recvmsg, got);
  const Placement p = place(list, size, null_control, big.data(), null_control ? nullptr : control);
  if (fuzz::trace())
    std::fprintf(stderr,
                 "recv: %zu cmsgs, buffer %zu%s at +%zu -> %zd, controllen %zu (expected %zu), flags %x\n",
                 list.size(), size, null_control ? " (null)" : "", offset, got,
                 static_cast<std::size_t>(m2.msg_controllen), p.used, m2.msg_flags);
  // UDP-4: what fits is copied; MSG_TRUNC says the rest was cut; asked for, the full length.
  const std::size_t copied = std::min(payload_len, v2.iov_len);
  HS_FUZZ_CHECK(got == static_cast<ssize_t>((flags & MSG_TRUNC) != 0 ? payload_len : copied));
  HS_FUZZ_CHECK(((m2.msg_flags & MSG_TRUNC) != 0) == (copied < payload_len));
  // CMSG-8: never grows, exactly what put_cmsg used, MSG_CTRUNC exactly when cut.
  HS_FUZZ_CHECK(m2.msg_controllen <= size);
  HS_FUZZ_CHECK(m2.msg_controllen == p.used);
  HS_FUZZ_CHECK(((m2.msg_flags & MSG_CTRUNC) != 0) == p.truncated);
  for (std::size_t i = 0; i < offset; ++i) HS_FUZZ_CHECK(block[i] == std::byte{0xa5});
  // Nothing past what was used is touched but the padding of a cmsg (not written).
  for (std::size_t i = p.used; i < size; ++i) HS_FUZZ_CHECK(control[i] == std::byte{0xa5});
  fuzz::unpoison(block + offset + size, 1);
  std::free(block);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (world == nullptr) world = new World();
  World& w = *world;
  w.entropy = net::SeededEntropy(0x7ec5);
  fuzz::ByteReader in{data, size};
  const std::uint8_t b0 = in.u8();
  const std::uint8_t enabled = in.u8();
  const int family = (b0 & 3) == 1 || (b0 & 3) == 2 ? AF_INET6 : AF_INET;
  auto& so = w.sockets;
  const int fd = so.socket(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  HS_FUZZ_CHECK(fd >= 0);
  const int one = 1;
  if ((b0 & 3) == 2) HS_FUZZ_CHECK(so.setsockopt(fd, SOL_IPV6, IPV6_V6ONLY, &one, sizeof one) == 0);
  static constexpr std::array<int, 5> ip_options = {IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS,
                                                    IP_RETOPTS};
  static constexpr std::array<int, 3> ipv6_options = {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS};
  std::uint8_t on = 0;  // what the socket accepted
  for (std::size_t i = 0; i < ip_options.size(); ++i)
    if ((enabled & (1u << i)) != 0 && so.setsockopt(fd, SOL_IP, ip_options[i], &one, sizeof one) == 0)
      on = static_cast<std::uint8_t>(on | (1u << i));
  for (std::size_t i = 0; i < ipv6_options.size(); ++i) {
    if ((enabled & (0x20u << i)) == 0) continue;
    const int r = so.setsockopt(fd, SOL_IPV6, ipv6_options[i], &one, sizeof one);
    HS_FUZZ_CHECK(r == (family == AF_INET6 ? 0 : -ENOPROTOOPT));  // LINUX: an IPv4 socket has no SOL_IPV6
    if (r == 0) on = static_cast<std::uint8_t>(on | (0x20u << i));
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    std::memcpy(&ss, &sin, sizeof sin);
    len = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    std::memcpy(&ss, &sin6, sizeof sin6);
    len = sizeof sin6;
  }
  HS_FUZZ_CHECK(so.bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) == 0);

  for (int n = 0; n < 4 && !in.done(); ++n) {
    const std::uint8_t kind = in.u8();
    const std::uint8_t size_byte = in.u8();
    const std::uint8_t iov_byte = in.u8();
    const std::size_t packet_len = (kind & 1) != 0 ? raw(w, in) : build(w, kind, in).size;
    if (packet_len == 0) continue;
    const wire::Bytes packet = wire::Bytes(w.packet).first(packet_len);
    w.stack.input(w.tun, packet, w.clock.now());
    w.device.clear();  // answers (ICMP errors) are other targets' business
    read_one(w, fd, family, on, kind, size_byte, iov_byte, packet);
    char byte;
    while (so.recv(fd, &byte, 1, MSG_DONTWAIT) >= 0) {
    }
  }
  HS_FUZZ_CHECK(so.close(fd) == 0);
  // Fragments of a raw packet wait for the rest: time runs their queues out.
  if (w.stack.reassembly_memory() > 0) {
    w.clock.advance(net::Duration::seconds(61));
    w.stack.poll(w.clock.now());
    w.device.clear();
  }
  HS_FUZZ_CHECK(w.stack.reassembly_memory() == 0);
  HS_FUZZ_CHECK(so.open_sockets() == 0);
  return 0;
}

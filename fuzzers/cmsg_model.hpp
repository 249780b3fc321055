// The model of Linux 6.1's ancillary-data rules the cmsg_send target checks
// the stack against: which control buffers udp_cmsg_send, ip_cmsg_send,
// ip6_datagram_send_ctl and __sock_cmsg_send accept and what each accepted
// cmsg asks of the datagram; and how the IPv4 options and IPv6 extension
// headers a datagram carries compare with those asked for. Written from the
// kernel's rules (cited per case), not from the stack's code.
#pragma once

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

#include "fuzz_support.hpp"
#include "hardstack/wire/address.hpp"
#include "hardstack/wire/bytes.hpp"
#include "hardstack/wire/ipv4_options.hpp"
#include "socket_fuzz.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

HS_FUZZ_HARNESS_BEGIN

namespace hardstack::fuzz::linux_cmsg {

// Linux constants the libc headers may not name.
inline constexpr int so_timestamping_old = 37;
inline constexpr int ip_protocol_option = 52;  // IP_PROTOCOL
inline constexpr unsigned timestamping_tx_record_mask = 0x303;
inline constexpr int ipv6_2292pktinfo = 2, ipv6_2292hopopts = 3, ipv6_2292dstopts = 4, ipv6_2292rthdr = 5,
                     ipv6_2292hoplimit = 8, ipv6_flowinfo = 11;

inline bool is_mapped(const wire::Ipv6Address& a) {
  for (std::size_t i = 0; i < 10; ++i)
    if (a.octets[i] != 0) return false;
  return a.octets[10] == 0xff && a.octets[11] == 0xff;
}

// Bytes kept past the call that gave them (the control buffer is reused).
template <std::size_t N>
struct Owned {
  std::array<std::byte, N> bytes;  // (not zeroed: only the first `size` are read)
  std::size_t size = 0;
  void assign(wire::Bytes b) {
    size = std::min(b.size(), N);
    if (size > 0) std::memcpy(bytes.data(), b.data(), size);
  }
  wire::Bytes span() const { return wire::Bytes(bytes).first(size); }
};

// ---- Linux's rules for one control buffer (udp_cmsg_send, ip_cmsg_send,
// ip6_datagram_send_ctl, __sock_cmsg_send on Linux 6.1)

struct Cmsgs {
  bool invalid = false;         // a rule Linux checks is broken: EINVAL
  bool stricter = false;        // accepted by Linux, but the stack may check more (CMSG-7, IP_PROTOCOL)
  bool enodev_first = false;    // LINUX checks IPV6_PKTINFO's ifindex during the walk: ENODEV may come first
  std::optional<int> ttl, tos;  // IPv4
  std::optional<Owned<40>> options;  // IP_RETOPTS's area, padded
  std::optional<unsigned> ifindex;
  std::optional<wire::Ipv6Address> source;  // v4-mapped for IPv4 (0.0.0.0 when given as such)
  std::optional<std::uint16_t> gso;
  std::optional<int> hop_limit, tclass, dontfrag;  // IPv6
  wire::Bytes hop_by_hop, destination_options;
  bool flowinfo = false;
};

template <class T>
T load(wire::Bytes b) {
  T v{};
  std::memcpy(&v, b.data(), std::min(sizeof v, b.size()));
  return v;
}

HS_FUZZ_NO_COVERAGE inline Cmsgs model_cmsgs(wire::Bytes control, bool ipv4_path, bool allow_ipv6) {
  Cmsgs m;
  if (control.size() < sizeof(cmsghdr)) return m;
  std::size_t at = 0;
  bool dst1_set = false;
  for (;;) {
    const auto header = load<cmsghdr>(control.subspan(at, sizeof(cmsghdr)));
    const std::size_t len = header.cmsg_len;
    // CMSG-1: CMSG_OK.
    if (len < sizeof(cmsghdr) || len > control.size() - at) {
      m.invalid = true;
      return m;
    }
    const wire::Bytes data = control.subspan(at + sizeof(cmsghdr), len - sizeof(cmsghdr));
    const int level = header.cmsg_level;
    const int type = header.cmsg_type;
    const auto value = load<int>(data);
    const bool int_len = len == CMSG_LEN(sizeof(int));
    if (level == SOL_UDP) {
      if (type == UDP_SEGMENT && len == CMSG_LEN(2))
        m.gso = load<std::uint16_t>(data);
      else
        m.invalid = true;
    } else if (level == SOL_SOCKET) {
      switch (type) {
        case SO_MARK: m.invalid |= !int_len; break;  // as CAP_NET_ADMIN
        case so_timestamping_old:
          m.invalid |= !int_len || (static_cast<unsigned>(value) & ~timestamping_tx_record_mask) != 0;
          break;
        case SCM_RIGHTS:
        case SCM_CREDENTIALS: break;
        default: m.invalid = true;  // SCM_TXTIME (61) too: SO_TXTIME is never on
      }
    } else if (ipv4_path) {
      if (allow_ipv6 && level == SOL_IPV6 && type == IPV6_PKTINFO) {
        if (len < CMSG_LEN(sizeof(in6_pktinfo))) {
          m.invalid = true;
        } else {
          const auto info = load<in6_pktinfo>(data);
          wire::Ipv6Address a;
          std::memcpy(a.octets.data(), &info.ipi6_addr, 16);
          if (!is_mapped(a)) m.invalid = true;
          if (info.ipi6_ifindex != 0) m.ifindex = info.ipi6_ifindex;
          m.source = a;
        }
      } else if (level == SOL_IP) {
        switch (type) {
          case IP_RETOPTS: {
            // LINUX ip_options_get: the first 40 bytes, padded with EOL to a
            // multiple of 4 before they are checked (an option may end in the padding).
            const auto given = data.first(std::min<std::size_t>(data.size(), 40));
            Owned<40> area;
            area.assign(given);
            while (area.size % 4 != 0) area.bytes[area.size++] = std::byte{0};
            if (area.size != 0 &&
                !wire::Ipv4Options::parse(area.span(), 20, wire::Ipv4OptionsOrigin::privileged_socket))
              m.invalid = true;
            m.options = area;
            break;
          }
          case IP_PKTINFO: {
            if (len != CMSG_LEN(sizeof(in_pktinfo))) {
              m.invalid = true;
              break;
            }
            const auto info = load<in_pktinfo>(data);
            if (info.ipi_ifindex != 0) m.ifindex = static_cast<unsigned>(info.ipi_ifindex);
            wire::Ipv4Address a;
            std::memcpy(a.octets.data(), &info.ipi_spec_dst, 4);
            m.source = mapped(a);
            break;
          }
          case IP_TTL:
            if (!int_len || value < 1 || value > 255) m.invalid = true;
            m.ttl = value;
            break;
          case IP_TOS: {
            int v = value;
            if (len == CMSG_LEN(1))
              v = std::to_integer<std::uint8_t>(data[0]);
            else if (!int_len)
              m.invalid = true;
            if (v < 0 || v > 255) m.invalid = true;
            m.tos = v;
            break;
          }
          case ip_protocol_option:
            if (!int_len || value < 1 || value > 255) m.invalid = true;
            m.stricter = true;
            break;
          default: m.invalid = true;
        }
      }
    } else if (level == SOL_IPV6) {
      // Options headers: LINUX needs the length byte and the whole header in
      // the cmsg; the stack may want the exact length and valid options (CMSG-7).
      auto options_header = [&]() -> std::optional<wire::Bytes> {
        if (data.size() < 2) return std::nullopt;
        const std::size_t hlen = (std::size_t{std::to_integer<std::uint8_t>(data[1])} + 1) * 8;
        if (data.size() < hlen) return std::nullopt;
        m.stricter = true;
        return data.first(hlen);
      };
      switch (type) {
        case IPV6_PKTINFO:
        case ipv6_2292pktinfo: {
          if (len < CMSG_LEN(sizeof(in6_pktinfo))) {
            m.invalid = true;
            break;
          }
          const auto info = load<in6_pktinfo>(data);
          if (info.ipi6_ifindex != 0) {
            m.ifindex = info.ipi6_ifindex;
            if (info.ipi6_ifindex > 3) m.enodev_first = true;
          }
          wire::Ipv6Address a;
          std::memcpy(a.octets.data(), &info.ipi6_addr, 16);
          m.source = a;
          break;
        }
        case ipv6_flowinfo:
          if (len < CMSG_LEN(4)) m.invalid = true;
          m.flowinfo = true;
          m.stricter = true;
          break;
        case IPV6_HOPOPTS:
        case ipv6_2292hopopts: {
          if (!m.hop_by_hop.empty()) m.invalid = true;  // LINUX: one Hop-by-Hop header
          const auto h = options_header();
          if (!h) m.invalid = true;
          if (h) m.hop_by_hop = *h;
          break;
        }
        case IPV6_DSTOPTS:
        case ipv6_2292dstopts: {
          if (type == ipv6_2292dstopts && dst1_set) m.invalid = true;
          const auto h = options_header();
          if (!h) m.invalid = true;
          if (h) m.destination_options = *h;
          if (!m.destination_options.empty() && dst1_set)
            m.stricter = true;  // a second one: the stack refuses
          dst1_set = true;
          break;
        }
        case IPV6_RTHDRDSTOPTS:
          // Used only with a routing header (RFC 3542), which is never accepted here.
          if (!options_header()) m.invalid = true;
          break;
        case IPV6_RTHDR:
        case ipv6_2292rthdr:
          // LINUX without CONFIG_IPV6_MIP6 (Debian's 6.1) knows no type; the
          // stack refuses Segments Left > 0 (no source routing).
          m.invalid = true;
          break;
        case IPV6_HOPLIMIT:
        case ipv6_2292hoplimit:
          if (!int_len || value < -1 || value > 255) m.invalid = true;
          m.hop_limit = value;
          break;
        case IPV6_TCLASS:
          if (!int_len || value < -1 || value > 255) m.invalid = true;
          m.tclass = value;
          break;
        case IPV6_DONTFRAG:
          if (!int_len || value < 0 || value > 1) m.invalid = true;
          m.dontfrag = value;
          break;
        default: m.invalid = true;
      }
    }
    if (m.invalid) return m;
    // CMSG_NXTHDR: the next header must fit whole.
    const std::size_t next = at + CMSG_ALIGN(len);
    if (next > control.size() || control.size() - next < sizeof(cmsghdr)) return m;
    at = next;
  }
}

HS_FUZZ_NO_COVERAGE inline bool has_source_route(wire::Bytes options) {
  const auto parsed = wire::Ipv4Options::parse(options, 20, wire::Ipv4OptionsOrigin::privileged_socket);
  return parsed && parsed->has_source_route();
}

// The options sent against those asked for (valid, as the call took them):
// the same options in order, walked by their type and length bytes (what
// went out need not pass the walker: a Timestamp pointer between slots is
// accepted and stamped as Linux does, leaving one a receiver refuses). RR and
// TS may have their pointer moved and slots filled (LINUX ip_options_build);
// a source route lists the remaining hops then the final destination, the
// datagram going to the first hop. Past the options: EOL padding only.
HS_FUZZ_NO_COVERAGE inline void check_options(wire::Bytes sent, wire::Bytes given,
                                              const wire::Ipv6Address& header_dst,
                                              const wire::Ipv6Address& final_dst) {
  const auto b = wire::Ipv4Options::parse(given, 20, wire::Ipv4OptionsOrigin::privileged_socket);
  if (trace()) {
    std::fprintf(stderr, "options sent:");
    for (const auto x : sent) std::fprintf(stderr, " %02x", std::to_integer<unsigned>(x));
    std::fprintf(stderr, "\noptions given:");
    for (const auto x : given) std::fprintf(stderr, " %02x", std::to_integer<unsigned>(x));
    std::fprintf(stderr, "\n");
  }
  HS_FUZZ_CHECK(b.has_value());
  HS_FUZZ_CHECK(sent.size() == b->padded_len());
  std::size_t at = 0;
  for (const auto y : *b) {
    HS_FUZZ_CHECK(at < sent.size() && wire::load_u8(sent, at) == y.type());
    if (y.type() == 1) {
      at += 1;
      continue;
    }
    HS_FUZZ_CHECK(sent.size() - at >= 2 && wire::load_u8(sent, at + 1) == y.wire_len());
    HS_FUZZ_CHECK(sent.size() - at >= y.wire_len());
    const wire::Bytes x = sent.subspan(at + 2, y.wire_len() - 2);
    at += y.wire_len();
    switch (y.kind()) {
      case wire::Ipv4OptionKind::record_route:
      case wire::Ipv4OptionKind::timestamp: break;
      case wire::Ipv4OptionKind::loose_source_route:
      case wire::Ipv4OptionKind::strict_source_route: {
        const auto hops = y.addresses();
        HS_FUZZ_CHECK(!hops.empty() && x.size() == 1 + 4 * hops.size());
        HS_FUZZ_CHECK(wire::load_u8(x, 0) == 4);  // pointer: the first slot
        HS_FUZZ_CHECK(header_dst == mapped(hops[0]));
        for (std::size_t k = 1; k < hops.size(); ++k)
          HS_FUZZ_CHECK(wire::Ipv4Address::load(x, 1 + 4 * (k - 1)) == hops[k]);
        HS_FUZZ_CHECK(mapped(wire::Ipv4Address::load(x, 1 + 4 * (hops.size() - 1))) == final_dst);
        break;
      }
      default: HS_FUZZ_CHECK(std::equal(x.begin(), x.end(), y.data().begin(), y.data().end()));
    }
  }
  for (; at < sent.size(); ++at) HS_FUZZ_CHECK(wire::load_u8(sent, at) == 0);
}

// An IPv6 extension header as sent against the one asked for: the same bytes
// but the Next Header byte.
HS_FUZZ_NO_COVERAGE inline void check_extension(wire::Bytes sent, wire::Bytes given) {
  HS_FUZZ_CHECK(sent.size() == given.size());
  if (!given.empty()) HS_FUZZ_CHECK(std::memcmp(sent.data() + 1, given.data() + 1, given.size() - 1) == 0);
}

}  // namespace hardstack::fuzz::linux_cmsg

HS_FUZZ_HARNESS_END

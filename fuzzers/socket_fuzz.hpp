// What the socket-layer targets (cmsg_send, cmsg_recv, socket_calls) share:
// a raw-IP device that keeps what the stack sends in one arena (no
// allocation per frame), the datagrams those frames carry put back together
// (IPv4 and IPv6 fragments, the IPv6 extension headers) with every checksum
// checked by hand, and the errno values Linux can return from each socket call.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

#include "fuzz_support.hpp"
#include "hardstack/net/device.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/wire/address.hpp"
#include "hardstack/wire/bytes.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv4_options.hpp"
#include "hardstack/wire/ipv6.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HS_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define HS_FUZZ_ASAN 1
#endif
#if defined(HS_FUZZ_ASAN)
#include <sanitizer/asan_interface.h>
#endif

// The checks repeat what the stack decided: libFuzzer's coverage and
// comparison tracing stays out of them (clang; g++ builds only replay), for speed.
#if defined(__clang__)
#define HS_FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define HS_FUZZ_NO_COVERAGE
#endif

// A target's harness (its set-up, the decoding of an input into calls, its
// model and checks) repeats what the stack decided: every function between
// HS_FUZZ_HARNESS_BEGIN and HS_FUZZ_HARNESS_END is built without libFuzzer's
// edge and comparison tracing (clang), so only the stack's edges count as
// features (each one costs libFuzzer's feature bookkeeping on every run).
#if defined(__clang__)
#define HS_FUZZ_HARNESS_BEGIN \
  _Pragma("clang attribute push (__attribute__((no_sanitize(\"coverage\"))), apply_to = function)")
#define HS_FUZZ_HARNESS_END _Pragma("clang attribute pop")
#else
#define HS_FUZZ_HARNESS_BEGIN
#define HS_FUZZ_HARNESS_END
#endif

HS_FUZZ_HARNESS_BEGIN

namespace hardstack::fuzz {

// Marks bytes no one may read or write (ASan builds; a no-op elsewhere).
inline void poison(const void* p, std::size_t n) {
#if defined(HS_FUZZ_ASAN)
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}
inline void unpoison(const void* p, std::size_t n) {
#if defined(HS_FUZZ_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p;
  (void)n;
#endif
}

// HARDSTACK_FUZZ_TRACE=1 (any value): the socket targets print each call and
// what they expected on stderr, to read a crasher's story.
inline bool trace() {
  static const bool on = std::getenv("HARDSTACK_FUZZ_TRACE") != nullptr;
  return on;
}

// Reads an input front to back; past its end every byte reads 0.
struct ByteReader {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;
  HS_FUZZ_NO_COVERAGE std::uint8_t u8() { return pos < size ? data[pos++] : 0; }
  HS_FUZZ_NO_COVERAGE std::uint16_t u16() {  // little-endian
    const std::uint16_t low = u8();
    return static_cast<std::uint16_t>(low | (std::uint16_t{u8()} << 8));
  }
  HS_FUZZ_NO_COVERAGE std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, size - std::min(pos, size));
    const std::span<const std::uint8_t> s(data + pos, n);
    pos += n;
    return s;
  }
  HS_FUZZ_NO_COVERAGE bool done() const { return pos >= size; }
};

// ---- errno sets: what Linux can return from each call on an AF_INET /
// AF_INET6 datagram or stream socket (man pages socket(2), bind(2), connect(2),
// send(2), recv(2), setsockopt(2), shutdown(2), close(2), poll(2),
// getsockname(2), and the kernel paths: __sys_socket / inet_create,
// inet_bind / inet6_bind, ip4_datagram_connect / ip6_datagram_connect,
// udp_sendmsg / udpv6_sendmsg with ip_cmsg_send / ip6_datagram_send_ctl,
// udp_recvmsg / udpv6_recvmsg, tcp_v4_connect / tcp_sendmsg / tcp_recvmsg,
// do_ip_setsockopt / do_ipv6_setsockopt /
// sock_setsockopt / udp_lib_setsockopt and their getsockopt twins,
// inet_shutdown). ENOMEM / ENOBUFS are allowed where the kernel allocates.

// Errors an ICMP error leaves in SO_ERROR (LINUX icmp_err_convert,
// icmpv6_err_convert): any call that reports sk_err may return them.
inline constexpr std::initializer_list<int> icmp_errors = {
    ENETUNREACH, EHOSTUNREACH, ENOPROTOOPT, ECONNREFUSED, EMSGSIZE,
    EOPNOTSUPP,  EHOSTDOWN,    ENONET,      EPROTO,       EACCES};

enum class Call : std::uint8_t {
  socket,
  bind,
  connect,
  sendmsg,  // also send / sendto
  recvmsg,  // also recv / recvfrom
  setsockopt,
  getsockopt,
  shutdown,
  close,
  poll,
  getsockname,
  getpeername,
};

HS_FUZZ_NO_COVERAGE inline bool linux_errno(Call call, int e) {
  auto in = [e](std::initializer_list<int> set) HS_FUZZ_NO_COVERAGE {
    for (const int x : set)  // (not std::find: its instantiation would be traced)
      if (x == e) return true;
    return false;
  };
  switch (call) {
    case Call::socket:
      return in({EINVAL, EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EMFILE, ENFILE, ENOBUFS, ENOMEM,
                 EACCES, EPERM});
    case Call::bind:
      return in(
          {EBADF, ENOTSOCK, EINVAL, EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL, EACCES, EFAULT, ENODEV, ENOMEM});
    case Call::connect:
      // LINUX ip4_datagram_connect / ip6_datagram_connect: route and source
      // errors, a broadcast peer without SO_BROADCAST, no ephemeral port left;
      // tcp_v4_connect / __inet_stream_connect: in progress, already,
      // connected, what a failed handshake leaves in sk_err, else ECONNABORTED.
      return in({EBADF,         ENOTSOCK, EINVAL,  EAFNOSUPPORT, ENETUNREACH, EHOSTUNREACH, EACCES,
                 EADDRNOTAVAIL, EAGAIN,   EFAULT,  ENODEV,       EPERM,       ENOMEM,       EADDRINUSE,
                 EINPROGRESS,   EALREADY, EISCONN, ETIMEDOUT,    ECONNRESET,  ECONNABORTED}) ||
             in(icmp_errors);
    case Call::sendmsg:
      // udp_sendmsg / udpv6_sendmsg; tcp_sendmsg: not connected, reset, timed out.
      return in({EBADF,      ENOTSOCK, EINVAL,      EAFNOSUPPORT, EDESTADDRREQ, EMSGSIZE,
                 EOPNOTSUPP, EACCES,   ENETUNREACH, EHOSTUNREACH, ENODEV,       EADDRNOTAVAIL,
                 EAGAIN,     EPIPE,    EFAULT,      ENOBUFS,      ENOMEM,       EPERM,
                 EIO,        ENOTCONN, EISCONN,     ECONNRESET,   ETIMEDOUT}) ||
             in(icmp_errors);
    case Call::recvmsg:
      // udp_recvmsg; tcp_recvmsg: not connected, reset, timed out.
      return in({EBADF, ENOTSOCK, EAGAIN, EINVAL, EFAULT, EMSGSIZE, ENOMEM, ENOTCONN, ECONNRESET,
                 ETIMEDOUT}) ||
             in(icmp_errors);
    case Call::setsockopt:
      return in({EBADF, ENOTSOCK, EINVAL, ENOPROTOOPT, EFAULT, EPERM, ENOMEM, ENOBUFS, EADDRNOTAVAIL, ENODEV,
                 EOPNOTSUPP}) ||
             in(icmp_errors);  // UDP_CORK off pushes a pending datagram
    case Call::getsockopt: return in({EBADF, ENOTSOCK, EINVAL, ENOPROTOOPT, EFAULT, ENOTCONN, EOPNOTSUPP});
    case Call::shutdown: return in({EBADF, ENOTSOCK, EINVAL, ENOTCONN});
    case Call::close: return in({EBADF});
    case Call::poll: return in({EFAULT, EINVAL, ENOMEM});
    case Call::getsockname: return in({EBADF, ENOTSOCK, EFAULT, EINVAL, ENOBUFS});
    case Call::getpeername: return in({EBADF, ENOTSOCK, ENOTCONN, EFAULT, EINVAL, ENOBUFS});
  }
  return false;
}

// A call's result: >= 0, or -errno with errno in Linux's set for the call.
HS_FUZZ_NO_COVERAGE inline void check_result(Call call, long result) {
  if (result < 0) HS_FUZZ_CHECK(result >= -4095 && linux_errno(call, static_cast<int>(-result)));
}

// A recvmsg message over one buffer, with room for an address and `control`.
inline msghdr receive_message(iovec& data, sockaddr_storage& from, std::span<std::byte> control) {
  msghdr m{};
  m.msg_name = &from;
  m.msg_namelen = sizeof from;
  m.msg_iov = &data;
  m.msg_iovlen = 1;
  m.msg_control = control.data();
  m.msg_controllen = control.size();
  return m;
}

// The port a socket is bound to (sin_port and sin6_port share their place), if it has a name.
inline std::optional<std::uint16_t> local_port(socket::Sockets& sockets, int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (sockets.getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
  std::uint16_t be = 0;
  std::memcpy(&be, reinterpret_cast<const std::byte*>(&ss) + offsetof(sockaddr_in, sin_port), sizeof be);
  return ntohs(be);
}

// ---- A raw-IP (TUN) device whose frames wait in one arena

class ArenaDevice final : public net::Device {
 public:
  static constexpr std::size_t max_frames = 256;
  explicit ArenaDevice(std::size_t mtu) : mtu_(mtu), arena_(std::size_t{1} << 20) {}

  net::LinkType link_type() const override { return net::LinkType::raw_ip; }
  std::size_t mtu() const override { return mtu_; }
  HS_FUZZ_NO_COVERAGE bool transmit(std::span<const std::byte> frame) override {
    HS_FUZZ_CHECK(frame.size() <= mtu_);  // the stack fragments to the device's MTU
    if (count_ == max_frames || frame.size() > arena_.size() - used_) return false;
    std::memcpy(arena_.data() + used_, frame.data(), frame.size());
    frames_[count_++] = {used_, frame.size()};
    used_ += frame.size();
    return true;
  }
  std::optional<std::size_t> receive(std::span<std::byte>) override { return std::nullopt; }

  std::size_t count() const { return count_; }
  wire::Bytes frame(std::size_t i) const {
    return wire::Bytes(arena_).subspan(frames_[i].at, frames_[i].size);
  }
  void clear() { count_ = used_ = 0; }

 private:
  struct Slot {
    std::size_t at = 0;
    std::size_t size = 0;
  };
  std::size_t mtu_;
  std::vector<std::byte> arena_;
  std::array<Slot, max_frames> frames_{};
  std::size_t count_ = 0;
  std::size_t used_ = 0;
};

// ---- Datagrams put back together from a device's frames

// One IP datagram the stack sent (reassembled when it went in fragments):
// its header fields and, for UDP, the transport bytes in `transport`.
struct SentDatagram {
  bool ipv4 = true;
  wire::Ipv6Address src;  // IPv4 as v4-mapped
  wire::Ipv6Address dst;
  wire::Ipv6Address final_dst;  // RFC 791: the last hop of a source route, else dst
  std::uint8_t ttl = 0;         // TTL or hop limit
  std::uint8_t tos = 0;         // TOS or traffic class
  std::uint32_t flow_label = 0;
  std::uint8_t protocol = 0;  // the upper layer
  bool dont_fragment = false;
  std::size_t fragments = 1;
  wire::Bytes options;              // IPv4 options of the first (or only) fragment
  wire::Bytes hop_by_hop;           // IPv6 extension headers, as sent
  wire::Bytes routing;              // (next header bytes included)
  wire::Bytes destination_options;  // the one after the Fragment header's place
  wire::Bytes transport;
};

inline wire::Ipv4Address unmapped(const wire::Ipv6Address& a) {
  return {{a.octets[12], a.octets[13], a.octets[14], a.octets[15]}};
}

inline wire::Ipv6Address mapped(const wire::Ipv4Address& a) {
  wire::Ipv6Address m;
  m.octets[10] = 0xff;
  m.octets[11] = 0xff;
  for (std::size_t i = 0; i < 4; ++i) m.octets[12 + i] = a.octets[i];
  return m;
}

// RFC 791: the last address of a Loose or Strict Source Route among IPv4
// options (their type-length walk only), mapped; none without a whole slot.
HS_FUZZ_NO_COVERAGE inline std::optional<wire::Ipv6Address> source_route_end(wire::Bytes options) {
  std::size_t at = 0;
  while (at < options.size()) {
    const std::uint8_t kind = wire::load_u8(options, at);
    if (kind == 0) break;  // End of Option List
    if (kind == 1 || options.size() - at < 2) {
      ++at;
      continue;
    }
    const std::size_t length = wire::load_u8(options, at + 1);
    if (length < 2 || length > options.size() - at) break;
    const std::size_t slots = length < 3 ? 0 : (length - 3) / 4;
    if ((kind == 0x83 || kind == 0x89) && slots > 0) {
      wire::Ipv4Address last;
      std::memcpy(last.octets.data(), options.data() + at + 3 + 4 * (slots - 1), 4);
      return mapped(last);
    }
    at += length;
  }
  return std::nullopt;
}

// Walks one device's frames in order and hands each whole datagram to
// `visit`. Frames are what one call sent: fragments of a datagram come
// together and in order (the stack sends them so), and every one must parse
// with a valid header checksum. Reassembly happens in `buffer`.
class DatagramReader {
 public:
  template <class Visit>
  HS_FUZZ_NO_COVERAGE void read(const ArenaDevice& device, Visit&& visit) {
    for (std::size_t i = 0; i < device.count(); ++i) {
      const wire::Bytes frame = device.frame(i);
      HS_FUZZ_CHECK(!frame.empty());
      const auto version = std::to_integer<std::uint8_t>(frame[0]) >> 4;
      HS_FUZZ_CHECK(version == 4 || version == 6);
      const bool done = version == 4 ? add_ipv4(frame) : add_ipv6(frame);
      if (done) {
        visit(static_cast<const SentDatagram&>(current_));
        open_ = false;
      }
    }
    HS_FUZZ_CHECK(!open_);  // no datagram left without its last fragment
  }

 private:
  HS_FUZZ_NO_COVERAGE bool add_ipv4(wire::Bytes frame) {
    const auto ip = wire::Ipv4View::parse(frame, wire::ChecksumMode::verify);
    HS_FUZZ_CHECK(ip.has_value());
    HS_FUZZ_CHECK(ip->total_len() == frame.size());
    HS_FUZZ_CHECK(!ip->reserved_flag());
    const std::size_t offset = ip->fragment_offset_bytes();
    if (offset == 0) {
      HS_FUZZ_CHECK(!open_);
      current_ = SentDatagram{};
      current_.ipv4 = true;
      current_.src = mapped(ip->src());
      current_.dst = mapped(ip->dst());
      current_.ttl = ip->ttl();
      current_.tos = static_cast<std::uint8_t>(ip->dscp() << 2 | ip->ecn());
      current_.protocol = ip->protocol();
      current_.dont_fragment = ip->dont_fragment();
      std::memcpy(options_.data(), ip->options().data(), ip->options().size());
      current_.options = wire::Bytes(options_).first(ip->options().size());
      // (Options need not pass the receive-side walker: a Record Route a
      // socket gave with its pointer inside a slot goes out as Linux sends
      // it, see cmsg_send's check_options. The route is found by kind.)
      current_.final_dst = source_route_end(current_.options).value_or(current_.dst);
      identification_ = ip->identification();
      length_ = 0;
      open_ = true;
    } else {
      // RFC 791: the fragments of one datagram share these; only copied
      // options go past the first (V4-OPT-7); no DF on a fragment.
      HS_FUZZ_CHECK(open_);
      current_.fragments += 1;
      HS_FUZZ_CHECK(ip->identification() == identification_);
      HS_FUZZ_CHECK(mapped(ip->src()) == current_.src && mapped(ip->dst()) == current_.dst);
      HS_FUZZ_CHECK(ip->ttl() == current_.ttl && ip->protocol() == current_.protocol);
      HS_FUZZ_CHECK(static_cast<std::uint8_t>(ip->dscp() << 2 | ip->ecn()) == current_.tos);
      // Only options with the copied flag (raw walk: RR / TS are not copied).
      const wire::Bytes area = ip->options();
      for (std::size_t at = 0; at < area.size();) {
        const std::uint8_t type = wire::load_u8(area, at);
        if (type == 0) break;
        HS_FUZZ_CHECK((type & 0x80) != 0 && area.size() - at >= 2);
        const std::size_t len = wire::load_u8(area, at + 1);
        HS_FUZZ_CHECK(len >= 2 && area.size() - at >= len);
        at += len;
      }
    }
    if (ip->is_fragment()) HS_FUZZ_CHECK(!ip->dont_fragment());
    HS_FUZZ_CHECK(offset == length_);
    // RFC 791: every fragment but the last carries a multiple of 8 bytes.
    if (ip->more_fragments()) HS_FUZZ_CHECK(ip->payload_len() % 8 == 0);
    append(ip->payload());
    if (ip->more_fragments()) return false;
    current_.transport = wire::Bytes(buffer_).first(length_);
    return true;
  }

  HS_FUZZ_NO_COVERAGE bool add_ipv6(wire::Bytes frame) {
    const auto ip = wire::Ipv6View::parse(frame);
    HS_FUZZ_CHECK(ip.has_value());
    HS_FUZZ_CHECK(ip->datagram_len() == frame.size());
    const wire::Bytes dg = ip->datagram();
    // The chain as the stack writes it: Hop-by-Hop, Routing, Fragment,
    // Destination Options, upper layer.
    std::uint8_t next = wire::load_u8(dg, 6);
    std::size_t at = 40;
    wire::Bytes hop_by_hop, routing;
    auto take = [&](std::size_t unit) {
      HS_FUZZ_CHECK(dg.size() - at >= 8);
      const std::size_t len = (std::size_t{wire::load_u8(dg, at + 1)} + 1) * unit;
      HS_FUZZ_CHECK(dg.size() - at >= len);
      const wire::Bytes h = dg.subspan(at, len);
      next = wire::load_u8(dg, at);
      at += len;
      return h;
    };
    if (next == 0) hop_by_hop = take(8);
    if (next == 43) routing = take(8);
    bool fragment = false;
    std::size_t offset = 0;
    bool more = false;
    std::uint32_t id = 0;
    if (next == 44) {
      HS_FUZZ_CHECK(dg.size() - at >= 8);
      fragment = true;
      const std::uint16_t field = wire::load_be16(dg, at + 2);
      offset = static_cast<std::size_t>(field >> 3) * 8;
      more = (field & 1) != 0;
      HS_FUZZ_CHECK((field & 6) == 0);  // reserved bits
      id = wire::load_be32(dg, at + 4);
      next = wire::load_u8(dg, at);
      at += 8;
    }
    const wire::Ipv6Address src = wire::Ipv6Address::load(dg, 8);
    const wire::Ipv6Address dst = wire::Ipv6Address::load(dg, 24);
    if (offset == 0) {
      HS_FUZZ_CHECK(!open_);
      current_ = SentDatagram{};
      current_.ipv4 = false;
      current_.src = src;
      current_.dst = dst;
      current_.final_dst = dst;
      current_.ttl = ip->hop_limit();
      current_.tos = ip->traffic_class();
      current_.flow_label = wire::load_be32(dg, 0) & 0xfffff;
      std::memcpy(unfragmentable_.data(), dg.data() + 40, at - 40);
      current_.hop_by_hop = wire::Bytes(unfragmentable_).first(hop_by_hop.size());
      current_.routing = wire::Bytes(unfragmentable_).subspan(hop_by_hop.size(), routing.size());
      first_next_ = next;
      identification_ = id;
      length_ = 0;
      open_ = fragment;
    } else {
      HS_FUZZ_CHECK(open_ && fragment && id == identification_);
      current_.fragments += 1;
      HS_FUZZ_CHECK(src == current_.src && dst == current_.dst && ip->hop_limit() == current_.ttl);
      HS_FUZZ_CHECK(ip->traffic_class() == current_.tos);
      HS_FUZZ_CHECK(next == first_next_);
      // RFC 8200 4.5: the unfragmentable part repeats in every fragment.
      HS_FUZZ_CHECK(hop_by_hop.size() == current_.hop_by_hop.size() &&
                    routing.size() == current_.routing.size());
      HS_FUZZ_CHECK(std::memcmp(unfragmentable_.data(), dg.data() + 40, at - 40 - 8) == 0);
    }
    HS_FUZZ_CHECK(offset == length_);
    if (more) HS_FUZZ_CHECK((dg.size() - at) % 8 == 0);
    append(dg.subspan(at));
    if (more) return false;
    // The fragmentable part: [Destination Options] then the upper layer.
    wire::Bytes rest = wire::Bytes(buffer_).first(length_);
    next = first_next_;
    if (next == 60) {
      HS_FUZZ_CHECK(rest.size() >= 8);
      const std::size_t len = (std::size_t{wire::load_u8(rest, 1)} + 1) * 8;
      HS_FUZZ_CHECK(rest.size() >= len);
      current_.destination_options = rest.first(len);
      next = wire::load_u8(rest, 0);
      rest = rest.subspan(len);
    }
    current_.protocol = next;
    current_.transport = rest;
    open_ = false;
    return true;
  }

  HS_FUZZ_NO_COVERAGE void append(wire::Bytes part) {
    HS_FUZZ_CHECK(part.size() <= buffer_.size() - length_);
    std::memcpy(buffer_.data() + length_, part.data(), part.size());
    length_ += part.size();
  }

  SentDatagram current_;
  bool open_ = false;
  std::uint32_t identification_ = 0;
  std::uint8_t first_next_ = 0;
  std::size_t length_ = 0;
  std::array<std::byte, 40> options_{};
  std::array<std::byte, 4096> unfragmentable_{};
  std::array<std::byte, 70000> buffer_{};
};

// A UDP datagram the stack sent: length and checksum right (RFC 768, checked
// by hand, over the final destination of a source route, as RFC 9293 3.1
// says for TCP's pseudo-header; a zero checksum is never sent), and its payload.
// (flatten: the by-hand sum is inlined, so its per-word loop is not traced either.)
HS_FUZZ_NO_COVERAGE __attribute__((flatten)) inline wire::Bytes check_udp(const SentDatagram& d) {
  HS_FUZZ_CHECK(d.protocol == 17);
  const wire::Bytes t = d.transport;
  HS_FUZZ_CHECK(t.size() >= 8 && t.size() <= 0xffff);
  HS_FUZZ_CHECK(wire::load_be16(t, 4) == t.size());
  HS_FUZZ_CHECK(wire::load_be16(t, 6) != 0);  // UDP-2: computed 0 goes as 0xffff
  const auto pseudo = d.ipv4 ? pseudo_header_bytes(unmapped(d.src), unmapped(d.final_dst), 17,
                                                   static_cast<std::uint16_t>(t.size()))
                             : pseudo_header_bytes(d.src, d.dst, 17, static_cast<std::uint32_t>(t.size()));
  HS_FUZZ_CHECK(ones_complement_sum({pseudo.span(), t}) == 0xffff);
  return t.subspan(8);
}

}  // namespace hardstack::fuzz

HS_FUZZ_HARNESS_END

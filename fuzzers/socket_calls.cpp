// The socket API as a program would misuse it (SOCK-1, SOCK-2, SOCK-4,
// SOCK-5, UDP-*): a sequence of socket / bind / connect / sendto / sendmsg /
// recvmsg / setsockopt / getsockopt / shutdown / close / poll / getsockname
// calls with arbitrary descriptors, families, address lengths, option levels,
// names and lengths and flags, with datagrams and ICMP errors arriving in
// between.
//
// One stack and one Sockets (at most 6 sockets, SO_RCVBUF up to 64 KiB)
// serve every input: a raw-IP interface tun0 (192.0.2.1/24, 2001:db8::1/64,
// the peer .2 / ::2) and loopback. An input closes what it opened; the
// entropy is re-seeded (ephemeral ports) and the clock moves a minute on
// (ICMP token buckets full again), so each input starts from the same state.
//
// Input: records, each an op byte (low nibble: the call; high nibble: the
// descriptor, nibble - 2, so -2..13 with 0..5 the table's) and its argument
// bytes, read from tables below (see run_op).
//
// Checks, after every call:
//   - the result is >= 0 or -errno with errno in Linux's set for that call
//     (socket_fuzz.hpp's table); a descriptor that is not open gives EBADF
//     (POLLNVAL in poll) and socket() returns the lowest free descriptor;
//   - open_sockets() is what the calls opened and closed, never over 6;
//   - a datagram arriving adds at most one datagram's charge to a socket's
//     receive queue, and only to a queue not over its SO_RCVBUF
//     (receive_queue_bytes within SO_RCVBUF + one datagram);
//   - every frame the stack sends is IPv4 / IPv6 with a valid header checksum
//     carrying UDP or ICMP / ICMPv6 with a valid checksum (fragments put
//     back together first);
//   - recv never returns more than was asked unless MSG_TRUNC asked for the
//     real length; getsockname / getpeername fill the socket's family;
//     poll reports only what was asked, POLLERR / POLLHUP, or POLLNVAL.
// And no leak (libFuzzer's LeakSanitizer) once everything is closed.
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <span>

#include "fuzz_support.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"
#include "socket_fuzz.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

using namespace hardstack;

namespace {

constexpr std::size_t max_sockets = 6;
constexpr std::size_t max_fd = 16;  // descriptors the input names: -2..13
constexpr wire::Ipv4Address our4{{192, 0, 2, 1}};
constexpr wire::Ipv4Address peer4{{192, 0, 2, 2}};
const wire::Ipv6Address our6 = fuzz::doc_ipv6_src;
const wire::Ipv6Address peer6 = fuzz::doc_ipv6_dst;

socket::SocketConfig socket_config() {
  socket::SocketConfig c;
  c.max_sockets = max_sockets;
  c.rmem_max = 65536;
  c.rmem_default = 16384;
  return c;
}

struct World {
  harness::VirtualClock clock;
  net::SeededEntropy entropy{0x50c4};
  fuzz::ArenaDevice device{1500};
  net::Stack stack = std::move(net::Stack::create(net::StackConfig{}, entropy).value());
  socket::Sockets sockets = std::move(socket::Sockets::create(stack, entropy, socket_config()).value());
  net::InterfaceId tun{};
  fuzz::DatagramReader reader;
  std::array<std::byte, 70000> buffer{};
  std::array<std::byte, 2048> frame{};

  World() {
    tun = stack.add_interface(device, net::InterfaceConfig{}).value();
    HS_FUZZ_CHECK(stack.add_address(tun, our4, 24).has_value());
    HS_FUZZ_CHECK(stack.add_address(tun, our6, 64).has_value());
    HS_FUZZ_CHECK(stack.set_default_gateway(wire::Ipv4Address{{192, 0, 2, 254}}).has_value());
    for (std::size_t i = 0; i < buffer.size(); ++i)
      buffer[i] = std::byte{static_cast<std::uint8_t>(i * 13 + 1)};
  }
};

World* world = nullptr;

}  // namespace

// Every allocation but the world's lives within one input.
HS_FUZZ_SMALL_ASAN_QUARANTINE()

namespace {

// ---- Argument tables

constexpr std::array<int, 8> domains = {AF_INET, AF_INET6, AF_INET, AF_INET6, AF_UNIX, AF_PACKET, -1, AF_MAX};
constexpr std::array<int, 16> types = {SOCK_DGRAM,
                                       SOCK_DGRAM | SOCK_NONBLOCK,
                                       SOCK_DGRAM | SOCK_CLOEXEC,
                                       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                       SOCK_STREAM,
                                       SOCK_RAW,
                                       SOCK_SEQPACKET,
                                       SOCK_DGRAM | 0x100,
                                       11,
                                       0,
                                       -1,
                                       SOCK_PACKET,
                                       SOCK_DGRAM,
                                       SOCK_DGRAM | SOCK_NONBLOCK,
                                       SOCK_RDM,
                                       SOCK_DGRAM | 0x40000};
constexpr std::array<int, 8> protocols = {0,   IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP,
                                          255, 256,         -1,          IPPROTO_UDPLITE};

struct Address {
  sockaddr_storage ss{};
  socklen_t len = 0;
};

Address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint16_t port) {
  Address x;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  const std::array<std::uint8_t, 4> o = {a, b, c, d};
  std::memcpy(&sin.sin_addr, o.data(), 4);
  std::memcpy(&x.ss, &sin, sizeof sin);
  x.len = sizeof sin;
  return x;
}
Address v6(std::initializer_list<std::uint8_t> head, std::uint8_t last, std::uint16_t port,
           unsigned scope = 0, bool mapped = false) {
  Address x;
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  std::array<std::uint8_t, 16> o{};
  std::size_t i = mapped ? 12 : 0;
  if (mapped) o[10] = o[11] = 0xff;
  for (const auto b : head) o[i++] = b;
  if (!mapped) o[15] = last;
  std::memcpy(&sin6.sin6_addr, o.data(), 16);
  sin6.sin6_scope_id = scope;
  std::memcpy(&x.ss, &sin6, sizeof sin6);
  x.len = sizeof sin6;
  return x;
}
Address family_only(sa_family_t family) {
  Address x;
  x.ss.ss_family = family;
  x.len = sizeof(sockaddr_in6);
  return x;
}

const std::array<Address, 32> addresses = {
    v4(0, 0, 0, 0, 0),
    v4(192, 0, 2, 1, 0),
    v4(192, 0, 2, 1, 7000),
    v4(127, 0, 0, 1, 7001),
    v4(192, 0, 2, 99, 0),
    v4(224, 0, 0, 1, 7000),
    v4(192, 0, 2, 255, 7000),
    v4(192, 0, 2, 2, 9),
    v4(255, 255, 255, 255, 9),
    v4(0, 0, 0, 0, 7000),
    v4(127, 0, 0, 1, 7000),
    v4(203, 0, 113, 5, 53),
    v4(192, 0, 2, 1, 7002),
    v4(0, 0, 0, 0, 9),
    family_only(AF_UNSPEC),
    family_only(AF_UNIX),
    v6({}, 0, 0),
    v6({}, 0, 7000),
    v6({0x20, 0x01, 0x0d, 0xb8}, 1, 7002),
    v6({}, 1, 7001),
    v6({192, 0, 2, 1}, 0, 7000, 0, true),
    v6({0, 0, 0, 0}, 0, 0, 0, true),
    v6({0xfe, 0x80}, 1, 0, 2),
    v6({0x20, 0x01, 0x0d, 0xb8}, 2, 9),
    v6({0xff, 0x02}, 1, 9, 2),
    v6({0x20, 0x01, 0x0d, 0xb8}, 0x99, 0),
    v6({127, 0, 0, 1}, 0, 7001, 0, true),
    v6({}, 1, 0),
    v6({0xfe, 0x80}, 2, 9, 9),
    v6({}, 0, 7001),
    v6({192, 0, 2, 2}, 0, 9, 0, true),
    v6({0x20, 0x01, 0x0d, 0xb8}, 1, 7000),
};
// Address lengths: as it is (index 0 and the spares), then odd ones; 255 for a null pointer.
constexpr std::array<unsigned, 16> lengths = {0u,  0u,  0u,  0u,  1u,   2u,   15u,         16u,
                                              23u, 24u, 27u, 28u, 128u, 129u, 0xffffffffu, 255u};

constexpr std::array<int, 16> send_flags = {0,           MSG_DONTWAIT, MSG_MORE,
                                            MSG_OOB,     MSG_CONFIRM,  MSG_NOSIGNAL,
                                            MSG_EOR,     MSG_TRUNC,    MSG_PEEK,
                                            MSG_WAITALL, MSG_ERRQUEUE, 0x10000000,
                                            0,           MSG_DONTWAIT, MSG_MORE | MSG_DONTWAIT,
                                            -1};
constexpr std::array<int, 8> recv_flags = {
    MSG_DONTWAIT, MSG_DONTWAIT | MSG_PEEK, MSG_DONTWAIT | MSG_TRUNC,   0,
    MSG_ERRQUEUE, MSG_OOB | MSG_DONTWAIT,  MSG_WAITALL | MSG_DONTWAIT, -1};
constexpr std::array<std::size_t, 8> buffer_lengths = {0, 1, 8, 100, 1472, 65535, 65536, 70000};

struct Option {
  int level;
  int name;
};
constexpr std::array<Option, 40> options = {{
    {SOL_SOCKET, SO_REUSEADDR},
    {SOL_SOCKET, SO_REUSEPORT},
    {SOL_SOCKET, SO_BROADCAST},
    {SOL_SOCKET, SO_KEEPALIVE},
    {SOL_SOCKET, SO_SNDBUF},
    {SOL_SOCKET, SO_RCVBUF},
    {SOL_SOCKET, SO_LINGER},
    {SOL_SOCKET, SO_ERROR},
    {SOL_SOCKET, SO_TYPE},
    {SOL_SOCKET, 9999},
    {SOL_IP, IP_TTL},
    {SOL_IP, IP_TOS},
    {SOL_IP, IP_OPTIONS},
    {SOL_IP, IP_PKTINFO},
    {SOL_IP, IP_RECVTTL},
    {SOL_IP, IP_RECVTOS},
    {SOL_IP, IP_RECVOPTS},
    {SOL_IP, IP_RETOPTS},
    {SOL_IP, IP_RECVERR},
    {SOL_IP, IP_MTU_DISCOVER},
    {SOL_IP, IP_MTU},
    {SOL_IP, 999},
    {SOL_IPV6, IPV6_V6ONLY},
    {SOL_IPV6, IPV6_UNICAST_HOPS},
    {SOL_IPV6, IPV6_TCLASS},
    {SOL_IPV6, IPV6_RECVPKTINFO},
    {SOL_IPV6, IPV6_RECVHOPLIMIT},
    {SOL_IPV6, IPV6_RECVTCLASS},
    {SOL_IPV6, IPV6_DONTFRAG},
    {SOL_IPV6, IPV6_MTU_DISCOVER},
    {SOL_IPV6, IPV6_MTU},
    {SOL_IPV6, IPV6_RECVERR},
    {SOL_IPV6, 999},
    {SOL_UDP, UDP_CORK},
    {SOL_UDP, UDP_SEGMENT},
    {SOL_UDP, 999},
    {IPPROTO_TCP, 1},
    {999, 1},
    {-1, 1},
    {SOL_SOCKET, SO_PROTOCOL},
}};
constexpr std::array<int, 16> values = {0,    1,    -1,    2,          4,       64, 255, 256,
                                        1000, 4096, 65536, 0x7fffffff, INT_MIN, 3,  5,   1472};
// Option lengths; 0xffffffff is -1 as a socklen_t; 255 asks for a null pointer.
constexpr std::array<unsigned, 16> option_lengths = {4u,  4u,  4u,  0u,          1u, 2u, 3u,   8u,
                                                     16u, 40u, 41u, 0xffffffffu, 4u, 4u, 255u, 12u};
// IP_OPTIONS values: Record Route, Router Alert, a bad length, a Timestamp.
constexpr std::array<std::array<std::uint8_t, 12>, 4> ip_options = {{
    {7, 7, 4, 0, 0, 0, 0, 0},
    {148, 4, 0, 0},
    {7, 2, 4, 0},
    {68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0},
}};

// ---- The model of the descriptor table

struct Table {
  std::array<bool, max_fd> open{};
  std::array<int, max_fd> family{};
  std::size_t count = 0;
  std::size_t largest_datagram = 0;  // the largest payload that arrived this input
  bool is_open(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < max_fd && open[static_cast<std::size_t>(fd)];
  }
};

HS_FUZZ_NO_COVERAGE void check_frames(World& w) {
  w.reader.read(w.device, [](const fuzz::SentDatagram& d) HS_FUZZ_NO_COVERAGE {
    if (d.protocol == 17) {
      (void)fuzz::check_udp(d);
    } else if (d.protocol == 1) {
      // ICMP (RFC 792): the checksum covers the message.
      HS_FUZZ_CHECK(d.ipv4 && d.transport.size() >= 8);
      HS_FUZZ_CHECK(fuzz::ones_complement_sum({d.transport}) == 0xffff);
    } else {
      // ICMPv6 (RFC 4443 2.3): over the pseudo-header too.
      HS_FUZZ_CHECK(!d.ipv4 && d.protocol == 58 && d.transport.size() >= 8);
      const auto pseudo =
          fuzz::pseudo_header_bytes(d.src, d.dst, 58, static_cast<std::uint32_t>(d.transport.size()));
      HS_FUZZ_CHECK(fuzz::ones_complement_sum({pseudo.span(), d.transport}) == 0xffff);
    }
  });
  w.device.clear();
}

long queue_bytes(World& w, int fd) { return w.sockets.receive_queue_bytes(fd); }

int rcvbuf(World& w, int fd) {
  int v = 0;
  socklen_t len = sizeof v;
  HS_FUZZ_CHECK(w.sockets.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0);
  return v;
}

// What every open socket's queue held, before something arrived.
struct Queues {
  std::array<long, max_fd> bytes{};
  std::array<int, max_fd> limit{};
};

Queues snapshot(World& w, const Table& t) {
  Queues q;
  for (std::size_t fd = 0; fd < max_fd; ++fd) {
    if (!t.open[fd]) continue;
    q.bytes[fd] = queue_bytes(w, static_cast<int>(fd));
    q.limit[fd] = rcvbuf(w, static_cast<int>(fd));
  }
  return q;
}

// UDP-5 (LINUX __udp_enqueue_schedule_skb): a datagram is queued only while
// the queue holds no more than SO_RCVBUF; it charges its payload and the
// overhead (at most 65,535 + 256). So a queue grows only from at most
// SO_RCVBUF, by at most one datagram past it; one datagram from the peer
// adds at most one datagram's charge.
HS_FUZZ_NO_COVERAGE void check_queues(World& w, const Table& t, const Queues& before, bool one_datagram) {
  const long largest = 65535 + 256;
  const long one = static_cast<long>(t.largest_datagram) + 256;
  for (std::size_t fd = 0; fd < max_fd; ++fd) {
    if (!t.open[fd]) continue;
    const long now = queue_bytes(w, static_cast<int>(fd));
    HS_FUZZ_CHECK(now >= 0);
    if (now > before.bytes[fd]) {
      HS_FUZZ_CHECK(before.bytes[fd] <= before.limit[fd]);
      if (one_datagram) HS_FUZZ_CHECK(now - before.bytes[fd] <= one);
    }
    HS_FUZZ_CHECK(now <= std::max<long>(before.bytes[fd], before.limit[fd]) + largest);
  }
}

// ---- Calls

struct AddressArg {
  const sockaddr* pointer = nullptr;
  socklen_t len = 0;
};

// An address and a length (byte 1 picks the length: as it is, odd ones, a
// null pointer).
AddressArg decode_address(std::uint8_t which, std::uint8_t length) {
  const Address& a = addresses[which & 31];
  AddressArg r{reinterpret_cast<const sockaddr*>(&a.ss), a.len};
  const unsigned l = lengths[length & 15];
  if (l == 255u) {
    r.pointer = nullptr;
    r.len = a.len;
  } else if ((length & 15) >= 4) {
    r.len = static_cast<socklen_t>(l);
  }
  return r;
}

// A call on `fd`: a descriptor that is not open answers EBADF (LINUX sockfd_lookup).
void expect_ebadf(const Table& t, int fd, long r) {
  if (!t.is_open(fd)) HS_FUZZ_CHECK(r == -EBADF);
  if (r == -EBADF) HS_FUZZ_CHECK(!t.is_open(fd));
}

void check_sockaddr(const Table& t, int fd, const sockaddr_storage& ss, socklen_t len, socklen_t given) {
  const int family = t.family[static_cast<std::size_t>(fd)];
  const socklen_t full = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  HS_FUZZ_CHECK(len == full);  // the full length, whatever fitted
  if (given >= sizeof(sa_family_t)) HS_FUZZ_CHECK(ss.ss_family == family);
}

void run_op(World& w, Table& t, fuzz::ByteReader& in) {
  const std::uint8_t op = in.u8();
  const int fd = (op >> 4) - 2;
  auto& so = w.sockets;
  long r = 0;
  fuzz::Call call = fuzz::Call::close;
  switch (op & 15) {
    case 0: {  // socket
      const std::uint8_t a = in.u8();
      const int domain = domains[a & 7];
      const int type = types[(a >> 3) & 15];
      const int protocol = protocols[in.u8() & 7];
      call = fuzz::Call::socket;
      r = so.socket(domain, type, protocol);
      if (r >= 0) {
        // LINUX: the lowest free descriptor.
        std::size_t lowest = 0;
        while (lowest < max_fd && t.open[lowest]) ++lowest;
        HS_FUZZ_CHECK(static_cast<std::size_t>(r) == lowest);
        HS_FUZZ_CHECK(t.count < max_sockets);
        t.open[lowest] = true;
        t.family[lowest] = domain;
        ++t.count;
      } else if (r == -EMFILE) {
        HS_FUZZ_CHECK(t.count == max_sockets);
      }
      break;
    }
    case 1:
    case 2: {  // bind, connect
      const std::uint8_t which = in.u8();
      const auto a = decode_address(which, in.u8());
      call = (op & 15) == 1 ? fuzz::Call::bind : fuzz::Call::connect;
      r = (op & 15) == 1 ? so.bind(fd, a.pointer, a.len) : so.connect(fd, a.pointer, a.len);
      expect_ebadf(t, fd, r);
      break;
    }
    case 3:
    case 4: {  // sendto, sendmsg
      const std::uint8_t which = in.u8();
      const std::uint8_t length = in.u8();
      const std::uint8_t b = in.u8();
      const std::size_t n = (b & 7) < 4 ? (b >> 3) * 9u + buffer_lengths[b & 7] : buffer_lengths[b & 7];
      const int flags = send_flags[in.u8() & 15];
      const auto a = (length & 15) == 0 && (which & 0x80) != 0 ? AddressArg{} : decode_address(which, length);
      call = fuzz::Call::sendmsg;
      if ((op & 15) == 3) {
        r = so.sendto(fd, w.buffer.data(), std::min(n, w.buffer.size()), flags, a.pointer, a.len);
      } else {
        // Two iovecs; a control buffer of one IP_TTL / IPV6_HOPLIMIT cmsg, or none.
        alignas(cmsghdr) std::array<std::byte, CMSG_SPACE(sizeof(int))> control{};
        cmsghdr h{};
        h.cmsg_len = CMSG_LEN(sizeof(int));
        h.cmsg_level = (b & 1) != 0 ? SOL_IPV6 : SOL_IP;
        h.cmsg_type = (b & 1) != 0 ? IPV6_HOPLIMIT : IP_TTL;
        const int ttl = values[(b >> 1) & 15];
        std::memcpy(control.data(), &h, sizeof h);
        std::memcpy(control.data() + sizeof h, &ttl, sizeof ttl);
        const std::size_t half = std::min(n, w.buffer.size()) / 2;
        std::array<iovec, 2> iov = {iovec{w.buffer.data(), half}, iovec{w.buffer.data() + half, half}};
        msghdr m{};
        m.msg_name = const_cast<sockaddr*>(a.pointer);
        m.msg_namelen = a.len;
        m.msg_iov = iov.data();
        m.msg_iovlen = iov.size();
        if ((which & 0x40) != 0) {
          m.msg_control = control.data();
          m.msg_controllen = control.size();
        }
        r = so.sendmsg(fd, &m, flags);
      }
      expect_ebadf(t, fd, r);
      break;
    }
    case 5: {  // recvmsg / recvfrom
      const std::uint8_t b = in.u8();
      const std::size_t n = buffer_lengths[b & 7];
      const int flags = recv_flags[(b >> 3) & 7];
      const std::uint8_t c = in.u8();
      sockaddr_storage from{};
      socklen_t from_len = static_cast<socklen_t>(lengths[c & 15] == 255u ? 0 : lengths[c & 15]);
      call = fuzz::Call::recvmsg;
      if ((b & 0x40) != 0) {
        r = so.recvfrom(fd, w.buffer.data(), std::min(n, w.buffer.size()), flags,
                        (c & 15) == 15 ? nullptr : reinterpret_cast<sockaddr*>(&from),
                        (c & 0x10) != 0 ? nullptr : &from_len);
      } else {
        alignas(cmsghdr) std::array<std::byte, 256> control{};
        iovec v{w.buffer.data(), std::min(n, w.buffer.size())};
        msghdr m{};
        m.msg_name = (c & 15) == 15 ? nullptr : &from;
        m.msg_namelen = std::min<socklen_t>(from_len, sizeof from);
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        m.msg_control = control.data();
        m.msg_controllen = (c >> 5) * 36u;
        const std::size_t given = m.msg_controllen;
        r = so.recvmsg(fd, &m, flags);
        if (r >= 0) HS_FUZZ_CHECK(m.msg_controllen <= given);
      }
      expect_ebadf(t, fd, r);
      // UDP-4: never more than asked, unless MSG_TRUNC asked for the real length.
      if (r >= 0 && flags != -1 && (flags & MSG_TRUNC) == 0) HS_FUZZ_CHECK(static_cast<std::size_t>(r) <= n);
      break;
    }
    case 6: {  // setsockopt
      const Option o = options[in.u8() % options.size()];
      const std::uint8_t b = in.u8();
      const int v = values[b & 15];
      const unsigned l = option_lengths[b >> 4];
      std::array<std::byte, 64> value{};
      std::memcpy(value.data(), &v, sizeof v);
      if (o.level == SOL_IP && o.name == IP_OPTIONS)
        std::memcpy(value.data(), ip_options[static_cast<std::size_t>(v) & 3].data(), 12);
      call = fuzz::Call::setsockopt;
      r = so.setsockopt(fd, o.level, o.name, l == 255u ? nullptr : value.data(),
                        static_cast<socklen_t>(l == 255u ? 4 : l));
      expect_ebadf(t, fd, r);
      break;
    }
    case 7: {  // getsockopt
      const Option o = options[in.u8() % options.size()];
      const unsigned l = option_lengths[in.u8() & 15];
      std::array<std::byte, 64> value{};
      socklen_t len = static_cast<socklen_t>(l == 255u ? 4 : l);
      const socklen_t given = len;
      call = fuzz::Call::getsockopt;
      r = so.getsockopt(fd, o.level, o.name, l == 255u ? nullptr : value.data(), &len);
      expect_ebadf(t, fd, r);
      // What is written never passes the length given.
      if (r == 0 && given <= value.size()) HS_FUZZ_CHECK(len <= given);
      break;
    }
    case 8: {  // shutdown
      const int how = static_cast<int>(in.u8() % 5) - 1;
      call = fuzz::Call::shutdown;
      r = so.shutdown(fd, how);
      expect_ebadf(t, fd, r);
      break;
    }
    case 9: {  // close
      call = fuzz::Call::close;
      r = so.close(fd);
      expect_ebadf(t, fd, r);
      if (r == 0) {
        t.open[static_cast<std::size_t>(fd)] = false;
        --t.count;
      }
      break;
    }
    case 10: {  // poll
      const std::uint8_t mask = in.u8();
      const std::uint16_t events_low = in.u8();
      const auto events = static_cast<short>(events_low | (in.u16() & 0xff) << 8);
      std::array<pollfd, 8> fds{};
      for (std::size_t i = 0; i < fds.size(); ++i) {
        fds[i].fd = (mask >> i) & 1 ? static_cast<int>(i) : static_cast<int>(i) - 9;  // negative: ignored
        fds[i].events = events;
        fds[i].revents = static_cast<short>(0x5a5a);
      }
      call = fuzz::Call::poll;
      r = so.poll(fds.data(), fds.size());
      int ready = 0;
      for (const pollfd& p : fds) {
        if (p.fd < 0) {
          HS_FUZZ_CHECK(p.revents == 0);
          continue;
        }
        if (!t.is_open(p.fd)) {
          HS_FUZZ_CHECK(p.revents == POLLNVAL);
        } else {
          // Only what was asked, and POLLERR / POLLHUP always.
          HS_FUZZ_CHECK((p.revents & ~(p.events | POLLERR | POLLHUP)) == 0);
          // A datagram socket is always writable (nothing waits in a send queue).
          HS_FUZZ_CHECK((p.revents & POLLOUT) == (p.events & POLLOUT));
        }
        if (p.revents != 0) ++ready;
      }
      HS_FUZZ_CHECK(r == ready);
      break;
    }
    case 11:
    case 12: {  // getsockname, getpeername
      const std::uint8_t b = in.u8();
      sockaddr_storage ss{};
      socklen_t len = static_cast<socklen_t>(lengths[b & 15] == 255u ? 128 : std::min(lengths[b & 15], 128u));
      const socklen_t given = len;
      const bool null_address = (b & 0x10) != 0;
      call = (op & 15) == 11 ? fuzz::Call::getsockname : fuzz::Call::getpeername;
      r = (op & 15) == 11
              ? so.getsockname(fd, null_address ? nullptr : reinterpret_cast<sockaddr*>(&ss), &len)
              : so.getpeername(fd, null_address ? nullptr : reinterpret_cast<sockaddr*>(&ss), &len);
      expect_ebadf(t, fd, r);
      if (r == 0 && !null_address) check_sockaddr(t, fd, ss, len, given);
      break;
    }
    case 13: {  // a datagram from the peer
      const std::uint8_t b = in.u8();
      const std::size_t payload = std::size_t{in.u8()} * ((b & 0x40) != 0 ? 8u : 1u);
      const bool ipv6 = (b & 1) != 0;
      // To the port of socket b >> 1 & 7, or 7000 / 7001 / 9.
      std::uint16_t port = 7000;
      const std::size_t k = (b >> 1) & 7;
      if (k < max_sockets && t.open[k]) {
        port = fuzz::local_port(so, static_cast<int>(k)).value_or(port);
      } else if (k == 7) {
        port = 9;
      }
      const bool broadcast = (b & 0x80) != 0;
      const std::size_t size = (ipv6 ? 40 : 20) + 8 + payload;
      const wire::MutableBytes f = wire::MutableBytes(w.frame).first(std::min(size, w.frame.size()));
      std::fill(f.begin(), f.end(), std::byte{0x42});
      const wire::Ipv6Address src = ipv6 ? peer6 : fuzz::mapped(peer4);
      const wire::Ipv6Address dst =
          ipv6
              ? (broadcast ? wire::Ipv6Address{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}} : our6)
              : fuzz::mapped(broadcast ? wire::Ipv4Address{{192, 0, 2, 255}} : our4);
      std::size_t at = 0;
      if (ipv6) {
        wire::store_be32(f, 0, 0x60000000u);
        wire::store_be16(f, 4, static_cast<std::uint16_t>(f.size() - 40));
        wire::store_u8(f, 6, 17);
        wire::store_u8(f, 7, 64);
        src.store(f, 8);
        dst.store(f, 24);
        at = 40;
      } else {
        wire::store_be32(f, 0, 0x45000000u | static_cast<std::uint32_t>(f.size()));
        wire::store_be32(f, 4, 0);
        wire::store_be32(f, 8, 0x40110000u);  // TTL 64, UDP
        wire::Ipv4Address{{192, 0, 2, 2}}.store(f, 12);
        wire::Ipv4Address{{dst.octets[12], dst.octets[13], dst.octets[14], dst.octets[15]}}.store(f, 16);
        wire::store_be16(f, 10,
                         static_cast<std::uint16_t>(~fuzz::ones_complement_sum({wire::Bytes(f).first(20)})));
        at = 20;
      }
      const wire::MutableBytes udp = f.subspan(at);
      wire::store_be16(udp, 0, 5353);
      wire::store_be16(udp, 2, port);
      wire::store_be16(udp, 4, static_cast<std::uint16_t>(udp.size()));
      wire::store_be16(udp, 6, 0);
      const auto pseudo =
          ipv6 ? fuzz::pseudo_header_bytes(src, dst, 17, static_cast<std::uint32_t>(udp.size()))
               : fuzz::pseudo_header_bytes(
                     peer4,
                     wire::Ipv4Address{{dst.octets[12], dst.octets[13], dst.octets[14], dst.octets[15]}}, 17,
                     static_cast<std::uint16_t>(udp.size()));
      std::uint16_t sum =
          static_cast<std::uint16_t>(~fuzz::ones_complement_sum({pseudo.span(), wire::Bytes(udp)}));
      if (sum == 0) sum = 0xffff;
      if ((b & 0x20) != 0) sum = static_cast<std::uint16_t>(sum ^ 1);  // a bad checksum: dropped
      wire::store_be16(udp, 6, sum);
      t.largest_datagram = std::max(t.largest_datagram, udp.size() - 8);
      const Queues before = snapshot(w, t);
      w.stack.input(w.tun, f, w.clock.now());
      check_queues(w, t, before, true);
      check_frames(w);
      return;
    }
    case 14: {  // time passes
      w.clock.advance(net::Duration::milliseconds(std::int64_t{in.u8()} * 100));
      const Queues before = snapshot(w, t);
      w.stack.poll(w.clock.now());
      check_queues(w, t, before, false);
      check_frames(w);
      return;
    }
    default: {  // 15: an ICMP port unreachable from the peer about a datagram of socket (byte & 7)
      const std::uint8_t b = in.u8();
      const std::size_t k = b & 7;
      std::uint16_t sport = 7000;
      if (k < max_sockets && t.open[k]) sport = fuzz::local_port(so, static_cast<int>(k)).value_or(sport);
      const bool ipv6 = (b & 8) != 0;
      const std::uint16_t dport = (b & 0x10) != 0 ? 53 : 9;
      // The quote: the datagram's IP header and its first 8 bytes (RFC 792 / RFC 4443 3.1).
      const std::size_t quote = (ipv6 ? 40 : 20) + 8;
      const std::size_t size = (ipv6 ? 40 : 20) + 8 + quote;
      const wire::MutableBytes f = wire::MutableBytes(w.frame).first(size);
      std::fill(f.begin(), f.end(), std::byte{0});
      const std::size_t ip = ipv6 ? 40 : 20;
      const wire::MutableBytes icmp = f.subspan(ip);
      const wire::MutableBytes q = icmp.subspan(8);
      if (ipv6) {
        wire::store_be32(f, 0, 0x60000000u);
        wire::store_be16(f, 4, static_cast<std::uint16_t>(8 + quote));
        wire::store_u8(f, 6, 58);
        wire::store_u8(f, 7, 64);
        peer6.store(f, 8);
        our6.store(f, 24);
        wire::store_u8(icmp, 0, 1);  // destination unreachable
        wire::store_u8(icmp, 1, 4);  // port unreachable
        wire::store_be32(q, 0, 0x60000000u);
        wire::store_be16(q, 4, 8);
        wire::store_u8(q, 6, 17);
        wire::store_u8(q, 7, 64);
        our6.store(q, 8);
        peer6.store(q, 24);
      } else {
        wire::store_be32(f, 0, 0x45000000u | static_cast<std::uint32_t>(size));
        wire::store_be32(f, 8, 0x40010000u);  // TTL 64, ICMP
        peer4.store(f, 12);
        our4.store(f, 16);
        wire::store_be16(f, 10,
                         static_cast<std::uint16_t>(~fuzz::ones_complement_sum({wire::Bytes(f).first(20)})));
        wire::store_u8(icmp, 0, 3);  // destination unreachable
        wire::store_u8(icmp, 1, 3);  // port unreachable
        wire::store_be32(q, 0, 0x45000000u | 28u);
        wire::store_be32(q, 8, 0x40110000u);
        our4.store(q, 12);
        peer4.store(q, 16);
        wire::store_be16(q, 10,
                         static_cast<std::uint16_t>(~fuzz::ones_complement_sum({wire::Bytes(q).first(20)})));
      }
      const wire::MutableBytes u = q.subspan(ip);
      wire::store_be16(u, 0, sport);
      wire::store_be16(u, 2, dport);
      wire::store_be16(u, 4, 8);
      std::uint16_t sum = 0;
      if (ipv6) {
        const auto pseudo =
            fuzz::pseudo_header_bytes(peer6, our6, 58, static_cast<std::uint32_t>(icmp.size()));
        sum = static_cast<std::uint16_t>(~fuzz::ones_complement_sum({pseudo.span(), wire::Bytes(icmp)}));
      } else {
        sum = static_cast<std::uint16_t>(~fuzz::ones_complement_sum({wire::Bytes(icmp)}));
      }
      wire::store_be16(icmp, 2, sum);
      w.stack.input(w.tun, f, w.clock.now());
      check_frames(w);
      return;
    }
  }
  if (fuzz::trace()) std::fprintf(stderr, "op %u fd %d -> %ld\n", op & 15u, fd, r);
  fuzz::check_result(call, r);
  // Loopback traffic arrives as a host polling would let it.
  const Queues before = snapshot(w, t);
  w.stack.poll(w.clock.now());
  check_queues(w, t, before, false);
  check_frames(w);
  HS_FUZZ_CHECK(so.open_sockets() == t.count && t.count <= max_sockets);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (world == nullptr) world = new World();
  World& w = *world;
  w.entropy = net::SeededEntropy(0x50c4);
  fuzz::ByteReader in{data, size};
  Table t;
  for (int n = 0; n < 64 && !in.done(); ++n) run_op(w, t, in);
  for (std::size_t fd = 0; fd < max_fd; ++fd)
    if (t.open[fd]) HS_FUZZ_CHECK(w.sockets.close(static_cast<int>(fd)) == 0);
  HS_FUZZ_CHECK(w.sockets.open_sockets() == 0);
  // A minute on: ICMP token buckets full again, nothing pending.
  w.clock.advance(net::Duration::seconds(60));
  w.stack.poll(w.clock.now());
  check_frames(w);
  return 0;
}

#pragma once

// What the socket-level suites share (udp_test.cpp, cmsg_test.cpp,
// socket_test.cpp): the stack of StackFixture with a socket::Sockets on it,
// socket addresses, UDP datagrams from the peer, and the UDP datagrams the
// stack sent, decoded field by field.
//
//   BOOST_FIXTURE_TEST_CASE(UDP_4_..., SocketFixture) {
//     const int fd = udp4_bound(7000);
//     inject(udp4_from_peer(5000, 7000, "hello"));
//     char buf[3];
//     BOOST_TEST(sockets.recv(fd, buf, sizeof buf, 0) == 3);
//     ...
//     BOOST_TEST(sockets.send(fd, "x", 1, 0) == 1);
//     const auto out = sent_udp();            // every UDP datagram sent since the last call
//     BOOST_TEST(out[0].ttl == 64);
//   }

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "hardstack/harness/builders.hpp"
#include "hardstack/harness/dut_scenarios.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/socket/socket_internal.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/udp.hpp"
#include "stack_fixture.hpp"

namespace hardstack::socket {
inline std::ostream& operator<<(std::ostream& os, TransportDropReason r) { return os << to_string(r); }
}  // namespace hardstack::socket

namespace hardstack::conformance {

inline constexpr std::uint8_t udp_protocol_number = 17;
inline constexpr wire::Ipv4Address loopback4{{127, 0, 0, 1}};
inline constexpr wire::Ipv6Address loopback6{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
inline constexpr wire::Ipv4Address subnet_broadcast4{{192, 0, 2, 255}};  // our4's /24
inline constexpr wire::Ipv4Address limited_broadcast4{{255, 255, 255, 255}};
inline constexpr unsigned eth0_index = 2;  // socket::interface_index(first interface added)

// ---- Socket addresses ------------------------------------------------------------

inline sockaddr_in sin4(const wire::Ipv4Address& a, std::uint16_t port) {
  return harness::scenarios::socket_address(a, port);
}
inline sockaddr_in6 sin6(const wire::Ipv6Address& a, std::uint16_t port, unsigned scope = 0) {
  auto s = harness::scenarios::socket_address(a, port);
  s.sin6_scope_id = scope;
  return s;
}
// ::ffff:a.b.c.d, as a dual-stack socket names an IPv4 peer.
constexpr wire::Ipv6Address v4_mapped(const wire::Ipv4Address& a) { return socket::map_v4(a); }
inline const sockaddr* sa(const sockaddr_in& s) { return reinterpret_cast<const sockaddr*>(&s); }
inline const sockaddr* sa(const sockaddr_in6& s) { return reinterpret_cast<const sockaddr*>(&s); }
inline sockaddr* sa(sockaddr_in& s) { return reinterpret_cast<sockaddr*>(&s); }
inline sockaddr* sa(sockaddr_in6& s) { return reinterpret_cast<sockaddr*>(&s); }
inline sockaddr* sa(sockaddr_storage& s) { return reinterpret_cast<sockaddr*>(&s); }

// A msghdr: the name (or none), the iovecs, the control buffer (or none).
inline msghdr message(const void* name, socklen_t namelen, iovec* iov, std::size_t iovlen,
                      const void* control = nullptr, std::size_t controllen = 0) {
  msghdr m{};
  m.msg_name = const_cast<void*>(name);
  m.msg_namelen = namelen;
  m.msg_iov = iov;
  m.msg_iovlen = iovlen;
  m.msg_control = const_cast<void*>(control);
  m.msg_controllen = controllen;
  return m;
}

inline wire::Ipv4Address address_of(const sockaddr_in& s) {
  wire::Ipv4Address a;
  std::memcpy(a.octets.data(), &s.sin_addr, 4);
  return a;
}
inline wire::Ipv6Address address_of(const sockaddr_in6& s) {
  wire::Ipv6Address a;
  std::memcpy(a.octets.data(), &s.sin6_addr, 16);
  return a;
}

inline std::vector<std::byte> bytes_of(std::string_view text) {
  std::vector<std::byte> b(text.size());
  if (!text.empty()) std::memcpy(b.data(), text.data(), text.size());
  return b;
}
// n bytes of a pattern that differs with `seed`.
inline std::vector<std::byte> pattern(std::size_t n, std::uint8_t seed = 0) {
  std::vector<std::byte> d(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = std::byte(static_cast<std::uint8_t>(i * 7 + seed));
  return d;
}

// ---- Datagrams the stack sent ------------------------------------------------------

// One frame the stack sent, decoded down to UDP. `udp` is false for a frame
// that carries no UDP header (a non-initial fragment, ICMP, ...).
struct SentDatagram {
  std::vector<std::byte> frame;
  bool ipv6 = false;
  // IPv4 / IPv6 header
  wire::Ipv4Address src4, dst4;
  wire::Ipv6Address src6, dst6;
  std::uint8_t ttl = 0;       // TTL or hop limit
  std::uint8_t tos = 0;       // TOS byte (DSCP | ECN) or traffic class
  std::uint8_t protocol = 0;  // IPv4 protocol or the upper-layer next header
  std::uint16_t identification = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;                      // in 8-byte units
  std::vector<std::byte> ipv4_options;                    // the options area as sent, EOL padding included
  std::vector<std::vector<std::byte>> extension_headers;  // IPv6: each whole header, in order
  std::vector<std::uint8_t> extension_types;              // IPv6: their Next Header values
  // UDP
  bool udp = false;
  std::uint16_t sport = 0, dport = 0, length = 0, checksum = 0;
  bool checksum_ok = false;  // verifies against the pseudo-header (0 never counts as ok)
  std::vector<std::byte> payload;

  std::string payload_text() const { return {reinterpret_cast<const char*>(payload.data()), payload.size()}; }
};

// Decodes one Ethernet frame; nullopt when it is neither IPv4 nor IPv6.
inline std::optional<SentDatagram> decode_sent(const std::vector<std::byte>& frame) {
  if (frame.size() < 14) return std::nullopt;
  const auto type = (std::to_integer<unsigned>(frame[12]) << 8) | std::to_integer<unsigned>(frame[13]);
  const wire::Bytes ip = wire::Bytes(frame).subspan(14);
  SentDatagram d;
  d.frame = frame;
  wire::Bytes transport;
  std::optional<wire::PseudoHeader> pseudo;
  if (type == 0x0800) {
    const auto v = wire::Ipv4View::parse(ip);
    if (!v) return std::nullopt;
    d.src4 = v->src();
    d.dst4 = v->dst();
    d.ttl = v->ttl();
    d.tos = static_cast<std::uint8_t>(v->dscp() << 2 | v->ecn());
    d.protocol = v->protocol();
    d.identification = v->identification();
    d.dont_fragment = v->dont_fragment();
    d.more_fragments = v->more_fragments();
    d.fragment_offset = v->fragment_offset();
    d.ipv4_options.assign(v->options().begin(), v->options().end());
    if (v->fragment_offset() != 0) return d;
    transport = v->payload();
    pseudo = wire::PseudoHeader::v4(d.src4, d.dst4);
  } else if (type == 0x86dd) {
    const auto v = wire::Ipv6View::parse(ip);
    if (!v) return std::nullopt;
    d.ipv6 = true;
    d.src6 = v->src();
    d.dst6 = v->dst();
    d.ttl = v->hop_limit();
    d.tos = v->traffic_class();
    auto rest = v->payload();
    auto next = static_cast<std::uint8_t>(v->next_header());
    // Hop-by-Hop (0), Routing (43), Destination Options (60): 8 * (1 + length)
    // bytes; Fragment (44): 8.
    while (next == 0 || next == 43 || next == 60 || next == 44) {
      if (rest.size() < 8) return d;
      const std::size_t n = next == 44 ? 8 : 8 * (1 + std::to_integer<std::size_t>(rest[1]));
      if (rest.size() < n) return d;
      d.extension_types.push_back(next);
      d.extension_headers.emplace_back(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n));
      if (next == 44) {
        d.fragment_offset = static_cast<std::uint16_t>(wire::load_be16(rest, 2) >> 3);
        d.more_fragments = (std::to_integer<unsigned>(rest[3]) & 1) != 0;
        d.identification = static_cast<std::uint16_t>(wire::load_be32(rest, 4));
      }
      next = std::to_integer<std::uint8_t>(rest[0]);
      rest = rest.subspan(n);
      if (d.fragment_offset != 0) return d;
    }
    d.protocol = next;
    transport = rest;
    pseudo = wire::PseudoHeader::v6(d.src6, d.dst6);
  } else {
    return std::nullopt;
  }
  if (d.protocol != udp_protocol_number || transport.size() < 8) return d;
  d.udp = true;
  d.sport = wire::load_be16(transport, 0);
  d.dport = wire::load_be16(transport, 2);
  d.length = wire::load_be16(transport, 4);
  d.checksum = wire::load_be16(transport, 6);
  if (!d.more_fragments && d.length >= 8 && d.length <= transport.size()) {
    const auto datagram = transport.first(d.length);
    d.checksum_ok =
        d.checksum != 0 && pseudo->start(udp_protocol_number, d.length).add(datagram).checksum() == 0;
    d.payload.assign(datagram.begin() + 8, datagram.end());
  } else {
    d.payload.assign(transport.begin() + 8, transport.end());
  }
  return d;
}

// ---- The fixture ------------------------------------------------------------------------

struct SocketFixtureOptions {
  StackFixtureOptions stack{};
  socket::SocketConfig sockets{};
  std::uint64_t socket_entropy_seed = 0xda7a;
};

class SocketFixture : public StackFixture {
 public:
  SocketFixture() : SocketFixture(SocketFixtureOptions{}) {}
  explicit SocketFixture(const SocketFixtureOptions& options)
      : StackFixture(options.stack),
        socket_entropy(options.socket_entropy_seed),
        sockets(make_sockets(stack, socket_entropy, options.sockets)) {
    sockets.set_readiness_callback([this](int fd) { notified.push_back(fd); });
  }

  // A non-blocking UDP socket of `domain` (SOCK-1 checks the errno cases; these must succeed).
  int udp_socket(int domain, int flags = SOCK_NONBLOCK) {
    const int fd = sockets.socket(domain, SOCK_DGRAM | flags, 0);
    BOOST_REQUIRE_GE(fd, 0);
    return fd;
  }
  int udp4() { return udp_socket(AF_INET); }
  int udp6() { return udp_socket(AF_INET6); }
  // Bound to `port` on every address of its family.
  int udp4_bound(std::uint16_t port, wire::Ipv4Address at = {}) {
    const int fd = udp4();
    const auto a = sin4(at, port);
    BOOST_REQUIRE_EQUAL(sockets.bind(fd, sa(a), sizeof a), 0);
    return fd;
  }
  int udp6_bound(std::uint16_t port, wire::Ipv6Address at = {}) {
    const int fd = udp6();
    const auto a = sin6(at, port);
    BOOST_REQUIRE_EQUAL(sockets.bind(fd, sa(a), sizeof a), 0);
    return fd;
  }
  void connect4(int fd, const wire::Ipv4Address& to, std::uint16_t port) {
    const auto a = sin4(to, port);
    BOOST_REQUIRE_EQUAL(sockets.connect(fd, sa(a), sizeof a), 0);
  }
  void connect6(int fd, const wire::Ipv6Address& to, std::uint16_t port) {
    const auto a = sin6(to, port);
    BOOST_REQUIRE_EQUAL(sockets.connect(fd, sa(a), sizeof a), 0);
  }
  // The port the socket is bound to (getsockname).
  std::uint16_t local_port(int fd) {
    sockaddr_storage ss{};
    socklen_t n = sizeof ss;
    BOOST_REQUIRE_EQUAL(sockets.getsockname(fd, sa(ss), &n), 0);
    return ss.ss_family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port)
                                   : ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  }
  ssize_t sendto4(int fd, std::string_view data, const wire::Ipv4Address& to, std::uint16_t port,
                  int flags = 0) {
    const auto a = sin4(to, port);
    return sockets.sendto(fd, data.data(), data.size(), flags, sa(a), sizeof a);
  }
  ssize_t sendto6(int fd, std::string_view data, const wire::Ipv6Address& to, std::uint16_t port,
                  int flags = 0) {
    const auto a = sin6(to, port);
    return sockets.sendto(fd, data.data(), data.size(), flags, sa(a), sizeof a);
  }
  int set_int(int fd, int level, int name, int value) {
    return sockets.setsockopt(fd, level, name, &value, sizeof value);
  }
  // getsockopt of an int; the errno (negative) if it fails.
  int get_int(int fd, int level, int name) {
    int v = 0;
    socklen_t n = sizeof v;
    const int r = sockets.getsockopt(fd, level, name, &v, &n);
    return r < 0 ? r : v;
  }
  // One datagram's payload as text, or recv_failed(-errno) (non-blocking sockets: -EAGAIN when none).
  std::string receive(int fd, std::size_t room = 65536, int flags = 0) {
    std::vector<char> buf(room);
    const ssize_t n = sockets.recv(fd, buf.data(), buf.size(), flags);
    if (n < 0) return recv_failed(static_cast<int>(n));
    return std::string(buf.data(), std::min(static_cast<std::size_t>(n), room));
  }
  static std::string recv_failed(int error) { return "(recv failed: " + std::to_string(error) + ")"; }
  // Nothing waits in the queue: recv says EAGAIN.
  bool nothing_queued(int fd) { return receive(fd) == recv_failed(-EAGAIN); }
  short revents(int fd, short events = POLLIN | POLLOUT | POLLRDHUP) {
    pollfd p{fd, events, 0};
    BOOST_REQUIRE_GE(sockets.poll(&p, 1), 0);
    return p.revents;
  }

  // UDP from the peer to us, over Ethernet; the IP and UDP layers may carry
  // any override (ttl, tos, options, length, checksum, ...).
  template <class IpLayer>
  static harness::Packet udp_from_peer(const IpLayer& ip, const harness::UdpLayer& u, harness::ByteArg data) {
    return harness::eth(peer_mac, our_mac) / ip / u / harness::payload(std::move(data));
  }
  static harness::Packet udp4_from_peer(const harness::UdpLayer& u, harness::ByteArg data,
                                        const harness::Ipv4Layer& ip = harness::ipv4(peer4, our4)) {
    return udp_from_peer(ip, u, std::move(data));
  }
  static harness::Packet udp4_from_peer(std::uint16_t sport, std::uint16_t dport, harness::ByteArg data,
                                        const harness::Ipv4Layer& ip = harness::ipv4(peer4, our4)) {
    return udp_from_peer(ip, harness::udp(sport, dport), std::move(data));
  }
  static harness::Packet udp6_from_peer(const harness::UdpLayer& u, harness::ByteArg data,
                                        const harness::Ipv6Layer& ip = harness::ipv6(peer6, our6)) {
    return udp_from_peer(ip, u, std::move(data));
  }
  static harness::Packet udp6_from_peer(std::uint16_t sport, std::uint16_t dport, harness::ByteArg data,
                                        const harness::Ipv6Layer& ip = harness::ipv6(peer6, our6)) {
    return udp_from_peer(ip, harness::udp(sport, dport), std::move(data));
  }
  // To a broadcast address, in a broadcast frame.
  static harness::Packet udp4_broadcast(std::uint16_t sport, std::uint16_t dport, harness::ByteArg data,
                                        const wire::Ipv4Address& to = subnet_broadcast4) {
    return harness::eth(peer_mac, wire::MacAddress::broadcast()) / harness::ipv4(peer4, to) /
           harness::udp(sport, dport) / harness::payload(std::move(data));
  }

  // Every UDP datagram (or fragment of one) the stack sent since the last
  // call; neighbour traffic is skipped, any other frame fails the test.
  std::vector<SentDatagram> sent_udp() {
    std::vector<SentDatagram> out;
    for (const auto& f : sent_ip()) {
      auto d = decode_sent(f);
      if (!d || d->protocol != udp_protocol_number) {
        BOOST_ERROR("a frame that is not UDP was sent: " << f.size() << " bytes");
        continue;
      }
      out.push_back(std::move(*d));
    }
    return out;
  }
  // Every IP frame sent since the last call, decoded (ICMP included).
  std::vector<SentDatagram> sent_decoded() {
    std::vector<SentDatagram> out;
    for (const auto& f : sent_ip())
      if (auto d = decode_sent(f)) out.push_back(std::move(*d));
    return out;
  }
  // Transport drops of `reason`, none of any other, and the reason last.
  bool only_transport_drop(socket::TransportDropReason reason, std::uint64_t count) const {
    for (std::size_t i = 0; i < static_cast<std::size_t>(socket::TransportDropReason::count_); ++i) {
      const auto r = static_cast<socket::TransportDropReason>(i);
      if (sockets.drops(r) != (r == reason ? count : 0)) return false;
    }
    return sockets.last_drop() == reason;
  }

  net::SeededEntropy socket_entropy;
  socket::Sockets sockets;
  std::vector<int> notified;  // readiness callbacks, in order

 private:
  static socket::Sockets make_sockets(net::Stack& stack, net::Entropy& entropy,
                                      const socket::SocketConfig& c) {
    auto s = socket::Sockets::create(stack, entropy, c);
    if (!s) BOOST_FAIL("Sockets::create: " << s.error().message());
    return std::move(s.value());
  }
};

// A SocketFixture made with Options(): Boost fixtures take no arguments.
template <SocketFixtureOptions (*Options)()>
struct SocketFixtureWith : SocketFixture {
  SocketFixtureWith() : SocketFixture(Options()) {}
};

}  // namespace hardstack::conformance

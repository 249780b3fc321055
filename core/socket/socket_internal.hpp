#pragma once

// Inside the socket layer: the socket record every protocol shares (Linux's
// struct sock + inet_sock + ipv6_pinfo) and the interface a protocol implements
// (Linux's struct proto). Not part of the public API.

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "cmsg.hpp"
#include "datagram_queue.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/wire/address.hpp"
#include "hardstack/wire/inline_vector.hpp"
#include "socket.hpp"

namespace hardstack::transport {
struct TcpConnection;
}

namespace hardstack::socket {

// Both families in one form: IPv4 addresses as v4-mapped IPv6 (::ffff:a.b.c.d),
// as a dual-stack socket sees them.
struct Endpoint {
  wire::Ipv6Address address;
  std::uint16_t port = 0;
  unsigned scope = 0;  // sin6_scope_id (link-local), else 0
  bool operator==(const Endpoint&) const = default;
};

constexpr bool is_v4_mapped(const wire::Ipv6Address& a) {
  for (std::size_t i = 0; i < 10; ++i)
    if (a.octets[i] != 0) return false;
  return a.octets[10] == 0xff && a.octets[11] == 0xff;
}
constexpr wire::Ipv6Address map_v4(const wire::Ipv4Address& a) {
  wire::Ipv6Address m;
  m.octets[10] = 0xff;
  m.octets[11] = 0xff;
  for (std::size_t i = 0; i < 4; ++i) m.octets[12 + i] = a.octets[i];
  return m;
}
constexpr wire::Ipv4Address unmap_v4(const wire::Ipv6Address& a) {
  return {{a.octets[12], a.octets[13], a.octets[14], a.octets[15]}};
}
// The "any" address of a socket's family: 0.0.0.0 (mapped) or ::.
constexpr wire::Ipv6Address any_address(int domain) {
  return domain == AF_INET ? map_v4(wire::Ipv4Address{}) : wire::Ipv6Address{};
}
constexpr bool is_any(const wire::Ipv6Address& a) {
  return a.is_unspecified() || (is_v4_mapped(a) && unmap_v4(a).is_unspecified());
}

// One datagram waiting in a receive queue, with what IP said about it.
struct ReceivedDatagram {
  ByteBuffer payload;
  Endpoint from;
  bool ipv4 = true;
  unsigned interface_index = 0;
  wire::Ipv4Address spec_dst;      // IPv4: the local address it reached (ours for a broadcast)
  wire::Ipv4Address destination4;  // IPv4: the header's destination
  wire::Ipv6Address destination6;
  std::uint8_t ttl = 0;  // TTL or hop limit
  std::uint8_t tos = 0;  // TOS or traffic class
  wire::InlineVector<std::byte, 40> options;
  std::size_t truesize = 0;  // what it charges against SO_RCVBUF
};

// A corked UDP datagram (LINUX up->pending): MSG_MORE / UDP_CORK append to it.
struct PendingDatagram {
  bool active = false;
  bool ipv4 = true;
  Endpoint destination;
  wire::Ipv6Address source;  // chosen when the first part was sent
  net::Ipv4SendParams v4;
  net::Ipv6SendParams v6;
  std::vector<std::byte> options;  // storage the params' spans point into
  std::vector<std::byte> hop_by_hop, destination_options, routing;
  std::uint16_t gso_size = 0;
  std::vector<std::byte> data;  // UDP payload so far
};

// What only a UDP socket holds (LINUX struct udp_sock beyond inet_sock).
struct UdpState {
  bool cork = false;
  std::uint16_t gso_size = 0;  // UDP_SEGMENT
  PendingDatagram pending;
  DatagramQueue<ReceivedDatagram> queue;
};

class Protocol;

// A unique_ptr whose copy is a copy of what it owns (the pointee's own copy
// constructor, explicit ones included): the socket records and connection
// state it holds copy along with their owner (Sockets::checkpoint).
template <typename T>
class Owned : public std::unique_ptr<T> {
 public:
  Owned() = default;
  Owned(std::nullptr_t) noexcept {}                                           // implicit, as unique_ptr's
  Owned(std::unique_ptr<T> p) noexcept : std::unique_ptr<T>(std::move(p)) {}  // implicit too
  Owned(const Owned& other) : std::unique_ptr<T>(other ? std::make_unique<T>(*other) : nullptr) {}
  Owned(Owned&&) noexcept = default;
  Owned& operator=(const Owned& other) {
    if (this != &other) std::unique_ptr<T>::operator=(other ? std::make_unique<T>(*other) : nullptr);
    return *this;
  }
  Owned& operator=(Owned&&) noexcept = default;
  Owned& operator=(std::unique_ptr<T>&& p) noexcept {
    std::unique_ptr<T>::operator=(std::move(p));
    return *this;
  }
  ~Owned() = default;
};

struct Socket {
  Socket();
  ~Socket();  // out of line: TcpConnection is complete only in the socket layer's sources
  // Copies every field, the protocol's state with them (Sockets::checkpoint
  // and restore, which then point the copy's references at the copies).
  // Explicit: a socket is never copied by accident.
  explicit Socket(const Socket& other);
  Socket& operator=(const Socket&) = delete;

  int fd = -1;
  int domain = AF_INET;
  int type = SOCK_DGRAM;
  int protocol = 0;
  bool nonblock = false;
  Protocol* proto = nullptr;

  Endpoint local;               // address any + port 0 until bound
  bool bound = false;           // has a port
  bool port_locked = false;     // bind() chose the port (LINUX SOCK_BINDPORT_LOCK)
  bool address_locked = false;  // bind() chose the address (LINUX SOCK_BINDADDR_LOCK)
  Endpoint remote;
  bool connected = false;
  unsigned bound_interface = 0;  // ifindex (IP_PKTINFO / scope of a link-local bind), 0 = any

  // SOL_SOCKET
  int error = 0;  // SO_ERROR: read (and cleared) by the next call that reports it
  int rcvbuf = 0;
  int sndbuf = 0;
  bool reuseaddr = false;
  bool reuseport = false;
  bool broadcast = false;
  bool keepalive = false;
  linger lingering{};
  int shutdown = 0;  // RCV_SHUTDOWN 1 | SEND_SHUTDOWN 2

  // IPPROTO_IP
  int ttl = -1;  // -1: the stack's default
  std::uint8_t tos = 0;
  std::vector<std::byte> ip_options;  // IP_OPTIONS, validated, at most 40 bytes
  int pmtudisc = IP_PMTUDISC_WANT;
  RecvCmsgFlags recv;
  bool recverr = false;

  // IPPROTO_IPV6
  bool v6only = false;
  bool recverr6 = false;  // IPV6_RECVERR (IP_RECVERR is IPv4's own flag, as on Linux)
  int unicast_hops = -1;
  int tclass = 0;
  int pmtudisc6 = IP_PMTUDISC_WANT;
  int dontfrag = 0;

  std::size_t rmem = 0;  // bytes charged to the receive queue

  // The protocol's own state: one of them, the other null (a TCP connection
  // carries no UDP queues, and the other way round).
  Owned<UdpState> udp;
  Owned<transport::TcpConnection> tcp;
};

// Which copy each socket has (Sockets::checkpoint, restore): the pointers a
// copied table or connection holds are looked up here. Kept from one copy
// to the next, so that a restore allocates nothing for it.
class SocketCopies {
 public:
  void clear() {
    copies_.clear();
    sorted_ = true;
  }
  // `to` is the copy of `from`, and the children in its accept queue (a
  // listener's) the copies of those in `from`'s.
  void add(const Socket& from, Socket& to);
  // The copy of `from` (null for null; every other socket must have one).
  Socket* operator()(const Socket* from);
  template <typename Visit>
  void for_each(Visit&& visit) {
    sort();
    for (const auto& [from, to] : copies_) visit(*from, *to);
  }

 private:
  void sort();

  std::vector<std::pair<const Socket*, Socket*>> copies_;
  bool sorted_ = true;
};

// Whether socket `a` bound to `local_a` and socket `b` (as bound) would both
// take a packet to some address (the port checks of bind, LINUX
// inet_rcv_saddr_equal): the same family (IPv4 includes a dual-stack
// wildcard and v4-mapped addresses), and a wildcard or the same address.
inline bool addresses_overlap(const Socket& a, const Endpoint& local_a, const Socket& b) {
  auto takes_v4 = [](const Socket& s, const wire::Ipv6Address& address) {
    return s.domain == AF_INET || is_v4_mapped(address) || (address.is_unspecified() && !s.v6only);
  };
  auto takes_v6 = [](const Socket& s, const wire::Ipv6Address& address) {
    return s.domain == AF_INET6 && !is_v4_mapped(address);
  };
  const auto& x = local_a.address;
  const auto& y = b.local.address;
  if (takes_v4(a, x) && takes_v4(b, y)) {
    const auto x4 = is_v4_mapped(x) ? unmap_v4(x) : wire::Ipv4Address{};
    const auto y4 = is_v4_mapped(y) ? unmap_v4(y) : wire::Ipv4Address{};
    if (x4.is_unspecified() || y4.is_unspecified() || x4 == y4) return true;
  }
  return takes_v6(a, x) && takes_v6(b, y) && (x.is_unspecified() || y.is_unspecified() || x == y);
}

// What a protocol implements (LINUX struct proto). The socket layer has
// checked the descriptor, the address length and family before calling.
class Protocol {
 public:
  virtual int bind(Socket& s, const Endpoint& local) = 0;
  // Gives an unbound socket an ephemeral port (LINUX inet_autobind); -EAGAIN if none.
  virtual int autobind(Socket& s) = 0;
  virtual int connect(Socket& s, const Endpoint& remote) = 0;
  virtual int disconnect(Socket& s) = 0;
  // `to` is null for a connected send.
  virtual ssize_t sendmsg(Socket& s, const msghdr& message, int flags, const Endpoint* to,
                          std::size_t length) = 0;
  virtual ssize_t recvmsg(Socket& s, msghdr& message, int flags) = 0;
  virtual short poll(const Socket& s) const = 0;
  virtual int shutdown(Socket& s, int how) = 0;  // how: RCV 1 | SEND 2 (Linux's how + 1)
  // The descriptor is gone; the protocol may keep the socket (a TCP
  // connection still closing) or let it go.
  virtual void close(std::unique_ptr<Socket> s) = 0;
  // Levels the socket layer does not own (SOL_UDP, SOL_TCP): -ENOPROTOOPT if unknown.
  virtual int setsockopt(Socket& s, int level, int name, const void* value, socklen_t length) = 0;
  virtual int getsockopt(Socket& s, int level, int name, void* value, socklen_t* length) = 0;
  virtual int listen(Socket&, int) { return -EOPNOTSUPP; }
  // A connection from the listener's queue, or -EAGAIN / -EINVAL.
  virtual int accept(Socket&, std::unique_ptr<Socket>&) { return -EOPNOTSUPP; }

 protected:
  ~Protocol() = default;
};

// What protocols share with the socket layer: the stack, entropy, limits,
// counters, and the readiness callback.
struct SocketContext {
  net::Stack& stack;
  net::Entropy& entropy;
  SocketConfig config;
  UdpStats udp;
  TcpStats tcp;
  std::array<std::uint64_t, static_cast<std::size_t>(TransportDropReason::count_)> drop_counts{};
  std::optional<TransportDropReason> last_drop;
  Sockets::ReadinessCallback on_ready;

  void drop(TransportDropReason reason) {
    ++drop_counts[static_cast<std::size_t>(reason)];
    last_drop = reason;
  }
  void notify(const Socket& s) const;
};

inline constexpr int rcv_shutdown = 1;
inline constexpr int send_shutdown = 2;

}  // namespace hardstack::socket

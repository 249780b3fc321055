#pragma once

// UDP over IPv4 and IPv6 (RFC 768, RFC 8200 8.1) as Linux's udp.c / udp6.c
// behave: port binding with SO_REUSEADDR / SO_REUSEPORT, RFC 6056 ephemeral
// ports from the injected entropy, demultiplexing to the best-matching socket,
// receive queues bounded by SO_RCVBUF with counted drops, corking (UDP_CORK /
// MSG_MORE), UDP_SEGMENT, SO_BROADCAST, and ICMP errors reported to connected
// sockets. Used through socket::Sockets; not a public API of its own.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket_internal.hpp"

namespace hardstack::transport {

class Udp final : public socket::Protocol, public net::TransportProtocol {
 public:
  explicit Udp(socket::SocketContext& context) : context_(context) {}
  Udp(const Udp&) = delete;
  Udp& operator=(const Udp&) = delete;
  ~Udp() = default;

  // socket::Protocol
  int bind(socket::Socket& s, const socket::Endpoint& local) override;
  int autobind(socket::Socket& s) override;
  int connect(socket::Socket& s, const socket::Endpoint& remote) override;
  int disconnect(socket::Socket& s) override;
  ssize_t sendmsg(socket::Socket& s, const msghdr& message, int flags, const socket::Endpoint* to,
                  std::size_t length) override;
  ssize_t recvmsg(socket::Socket& s, msghdr& message, int flags) override;
  short poll(const socket::Socket& s) const override;
  int shutdown(socket::Socket& s, int how) override;
  void close(std::unique_ptr<socket::Socket> s) override;
  int setsockopt(socket::Socket& s, int level, int name, const void* value, socklen_t length) override;
  int getsockopt(socket::Socket& s, int level, int name, void* value, socklen_t* length) override;

  // net::TransportProtocol
  net::DeliveryResult deliver_ipv4(const net::Ipv4Delivery& meta, wire::Bytes payload,
                                   net::Instant now) override;
  net::DeliveryResult deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload,
                                   net::Instant now) override;
  void icmp_error(const net::IcmpErrorReport& report, net::Instant now) override;

  // What a received datagram is charged against SO_RCVBUF besides its payload
  // (Linux charges skb->truesize: the buffer and its bookkeeping).
  static constexpr std::size_t datagram_overhead = 256;

  // Sockets::checkpoint and restore: the port table of `from`, pointing at
  // the sockets' copies.
  void copy_tables(const Udp& from, socket::SocketCopies& copies) {
    ports_ = from.ports_;
    for (auto& entry : ports_) entry.second = copies(entry.second);
  }

 private:
  struct Incoming;
  bool in_use(const socket::Socket& s, const socket::Endpoint& local) const;
  void hash(socket::Socket& s);
  void unhash(socket::Socket& s);
  socket::Socket* lookup(const Incoming& in);
  net::DeliveryResult lookup_and_deliver(const Incoming& in);
  bool enqueue(socket::Socket& s, const Incoming& in);
  ssize_t send_v4(socket::Socket& s, const msghdr& message, int flags, const socket::Endpoint* to,
                  std::size_t length);
  ssize_t send_v6(socket::Socket& s, const msghdr& message, int flags, const socket::Endpoint* to,
                  std::size_t length);
  ssize_t append(socket::Socket& s, socket::PendingDatagram& d, const msghdr& message, int flags,
                 std::size_t length);
  int push_pending(socket::Socket& s);
  int transmit(socket::Socket& s, const socket::PendingDatagram& d);

  socket::SocketContext& context_;
  std::unordered_multimap<std::uint16_t, socket::Socket*> ports_;
  std::vector<std::byte> datagram_;  // one datagram being built (reused)
};

}  // namespace hardstack::transport

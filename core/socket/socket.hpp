#pragma once

// The BSD-style socket API on a Stack: the stack's own descriptor table and the
// calls code written against Linux sockets knows, taking the POSIX structs and
// returning -errno where Linux's in-kernel calls return an error (SOCK-*).
//
//   net::Stack stack = ...;
//   auto sockets = socket::Sockets::create(stack, entropy).value();
//   int fd = sockets.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
//   sockets.bind(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
//   ssize_t n = sockets.recvfrom(fd, buf, sizeof buf, 0, ...);   // -EAGAIN until data came
//
// Descriptors are small integers of this table, not the process's: pass them
// only to the Sockets that made them. Nothing blocks: a call that would block on
// Linux returns -EAGAIN (the host waits for readiness with poll() or the
// readiness callback and calls again). A blocking socket differs from a
// non-blocking one only where Linux's answer differs without waiting (recv after
// SHUT_RD returns 0 on a blocking socket). No call raises a signal: EPIPE is
// returned as if MSG_NOSIGNAL were always set.
//
// Threading: as the Stack's: one thread drives both. Sends are stamped with
// Stack::now(), the time of the latest poll() / input().
//
// Layering (as Linux's proto_ops / proto): this file decodes arguments and
// handles the SOL_SOCKET, IPPROTO_IP and IPPROTO_IPV6 levels common to every
// protocol; core/transport/ implements each protocol (UDP now, TCP next) behind
// socket::Protocol (socket_internal.hpp).

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/wire/result.hpp"

namespace hardstack::socket {

// Linux's ifindex for an interface: InterfaceId + 1 (loopback is 1, as on Linux).
constexpr unsigned interface_index(net::InterfaceId id) { return static_cast<unsigned>(id) + 1; }
std::optional<net::InterfaceId> interface_from_index(unsigned index);

struct SocketConfig {
  std::size_t max_sockets = 1024;  // socket() -> EMFILE beyond it
  int rmem_default = 212992;       // LINUX net.core.rmem_default / rmem_max
  int rmem_max = 212992;
  int wmem_default = 212992;  // LINUX net.core.wmem_default / wmem_max
  int wmem_max = 212992;
  std::uint16_t ephemeral_low = 32768;  // LINUX net.ipv4.ip_local_port_range
  std::uint16_t ephemeral_high = 60999;
};

// RFC 4113 / Linux /proc/net/snmp Udp: names.
struct UdpStats {
  std::uint64_t in_datagrams = 0;    // InDatagrams: queued to a socket
  std::uint64_t no_ports = 0;        // NoPorts: no socket (answered with port unreachable)
  std::uint64_t in_errors = 0;       // InErrors: malformed, bad checksum, receive buffer full
  std::uint64_t out_datagrams = 0;   // OutDatagrams
  std::uint64_t rcvbuf_errors = 0;   // RcvbufErrors (also counted in InErrors)
  std::uint64_t sndbuf_errors = 0;   // SndbufErrors
  std::uint64_t in_csum_errors = 0;  // InCsumErrors (also counted in InErrors)
  std::uint64_t ignored_multi = 0;   // IgnoredMulti: broadcast / multicast nobody wanted
  bool operator==(const UdpStats&) const = default;
};

enum class TransportDropReason : std::uint8_t {
  udp_bad_length,      // UDP-1: length field < 8 or above the IP payload
  udp_bad_checksum,    // UDP-2: a non-zero checksum that does not verify (or 0 over IPv6)
  udp_no_socket,       // UDP-3: nobody bound to the port (port unreachable unless multicast/broadcast)
  udp_receive_buffer,  // UDP-5: the socket's receive buffer is full (SO_RCVBUF)
  count_,
};
const char* to_string(TransportDropReason reason);

struct SocketInfo;  // internal (socket_internal.hpp)

class Sockets {
 public:
  // Registers UDP with `stack` (ConfigError if a handler for it is already
  // registered). `stack` and `entropy` must outlive the Sockets.
  static Result<Sockets, net::ConfigError> create(net::Stack& stack, net::Entropy& entropy,
                                                  const SocketConfig& config = {});
  Sockets(Sockets&&) noexcept;
  Sockets& operator=(Sockets&&) noexcept;
  Sockets(const Sockets&) = delete;
  Sockets& operator=(const Sockets&) = delete;
  ~Sockets();

  int socket(int domain, int type, int protocol);
  int bind(int fd, const sockaddr* address, socklen_t length);
  int connect(int fd, const sockaddr* address, socklen_t length);
  int listen(int fd, int backlog);
  int accept4(int fd, sockaddr* address, socklen_t* length, int flags);
  int accept(int fd, sockaddr* address, socklen_t* length) { return accept4(fd, address, length, 0); }
  ssize_t send(int fd, const void* buffer, std::size_t length, int flags);
  ssize_t sendto(int fd, const void* buffer, std::size_t length, int flags, const sockaddr* to,
                 socklen_t to_length);
  ssize_t sendmsg(int fd, const msghdr* message, int flags);
  ssize_t recv(int fd, void* buffer, std::size_t length, int flags);
  ssize_t recvfrom(int fd, void* buffer, std::size_t length, int flags, sockaddr* from,
                   socklen_t* from_length);
  ssize_t recvmsg(int fd, msghdr* message, int flags);
  int setsockopt(int fd, int level, int name, const void* value, socklen_t length);
  int getsockopt(int fd, int level, int name, void* value, socklen_t* length);
  int getsockname(int fd, sockaddr* address, socklen_t* length);
  int getpeername(int fd, sockaddr* address, socklen_t* length);
  int shutdown(int fd, int how);
  int close(int fd);
  // poll(2) without waiting: fills revents (POLLNVAL for a descriptor not in
  // the table, negative fds ignored) and returns how many have revents != 0.
  int poll(pollfd* fds, nfds_t count);

  // Called when a socket's readiness may have changed (data queued, error
  // set, peer closed, buffer space freed), from inside poll()/input() or a call.
  // The host re-polls that descriptor; spurious calls are allowed.
  using ReadinessCallback = std::function<void(int fd)>;
  void set_readiness_callback(ReadinessCallback callback);

  const UdpStats& udp_stats() const;
  std::uint64_t drops(TransportDropReason reason) const;
  std::optional<TransportDropReason> last_drop() const;
  std::size_t open_sockets() const;
  // Bytes charged to `fd`'s receive queue (as Linux's sk_rmem_alloc), or -EBADF.
  long receive_queue_bytes(int fd) const;

  struct Impl;

 private:
  explicit Sockets(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hardstack::socket

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
// SHUT_RD returns 0 on a blocking socket). So connect() on a TCP socket,
// blocking or not, sends the SYN and returns -EINPROGRESS; the outcome comes as
// POLLOUT (established) or POLLERR with SO_ERROR (refused, reset, timed out). A
// close() with SO_LINGER on and a non-zero time returns at once and the
// connection closes in the background as without SO_LINGER (Linux would hold
// the caller until the FIN is acknowledged or the time runs out); with a zero
// time it aborts with a RST, as Linux. No call raises a signal: EPIPE is
// returned as if MSG_NOSIGNAL were always set.
//
// Threading: as the Stack's: one thread drives both. Sends are stamped with
// Stack::now(), the time of the latest poll() / input().
//
// Layering (as Linux's proto_ops / proto): this file decodes arguments and
// handles the SOL_SOCKET, IPPROTO_IP and IPPROTO_IPV6 levels common to every
// protocol; core/transport/ implements each protocol (UDP, TCP) behind
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
#include <vector>

#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/wire/result.hpp"

namespace hardstack::transport {
class Tcp;
}

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

  // TCP (LINUX net.ipv4.tcp_* sysctls; times as Linux's defaults)
  int tcp_rmem_default = 131072;  // tcp_rmem[1]: the receive buffer (no autotuning here)
  int tcp_wmem_default = 131072;  // tcp_wmem[1] is 16384, autotuned upwards; a fixed 128 KiB here
  int somaxconn = 4096;           // net.core.somaxconn: listen() backlog cap
  bool tcp_syncookies = true;     // answer with a SYN cookie when the SYN queue is full
  bool tcp_timestamps = true;
  bool tcp_sack = true;
  bool tcp_window_scaling = true;
  int tcp_syn_retries = 6;
  int tcp_synack_retries = 5;
  int tcp_retries2 = 15;
  net::Duration tcp_rto_initial = net::Duration::seconds(1);        // RFC 6298 2.1
  net::Duration tcp_rto_min = net::Duration::milliseconds(200);     // LINUX TCP_RTO_MIN
  net::Duration tcp_rto_max = net::Duration::seconds(120);          // LINUX TCP_RTO_MAX
  net::Duration tcp_delayed_ack = net::Duration::milliseconds(40);  // LINUX TCP_DELACK_MIN
  net::Duration tcp_time_wait = net::Duration::seconds(60);         // LINUX TCP_TIMEWAIT_LEN
  net::Duration tcp_fin_timeout = net::Duration::seconds(60);       // tcp_fin_timeout
  net::Duration tcp_keepalive_time = net::Duration::seconds(7200);
  net::Duration tcp_keepalive_intvl = net::Duration::seconds(75);
  int tcp_keepalive_probes = 9;
  // Per connection, at most one ACK per this to segments out of the window
  // or failing PAWS, challenge ACKs included (tcp_invalid_ratelimit).
  net::Duration tcp_invalid_ratelimit = net::Duration::milliseconds(500);
  // Challenge ACKs per second, every connection together (each second's
  // count drawn at random around it); from 0x7fffffff up no host-wide limit,
  // Linux's default since 6.0.
  std::uint32_t tcp_challenge_ack_limit = 0x7fffffff;
};

// RFC 4022 / Linux /proc/net/snmp Tcp: and the TcpExt: counters tests look at.
struct TcpStats {
  std::uint64_t active_opens = 0;       // ActiveOpens: CLOSED -> SYN-SENT
  std::uint64_t passive_opens = 0;      // PassiveOpens: LISTEN -> SYN-RECEIVED
  std::uint64_t attempt_fails = 0;      // AttemptFails
  std::uint64_t estab_resets = 0;       // EstabResets
  std::uint64_t in_segs = 0;            // InSegs
  std::uint64_t out_segs = 0;           // OutSegs
  std::uint64_t retrans_segs = 0;       // RetransSegs
  std::uint64_t in_errs = 0;            // InErrs: bad checksum or header
  std::uint64_t in_csum_errors = 0;     // InCsumErrors
  std::uint64_t out_rsts = 0;           // OutRsts
  std::uint64_t syncookies_sent = 0;    // TcpExt SyncookiesSent
  std::uint64_t syncookies_recv = 0;    // TcpExt SyncookiesRecv
  std::uint64_t syncookies_failed = 0;  // TcpExt SyncookiesFailed
  std::uint64_t listen_overflows = 0;   // TcpExt ListenOverflows
  std::uint64_t challenge_acks = 0;     // TcpExt TCPChallengeACK
  std::uint64_t acks_skipped = 0;       // TcpExt TCPACKSkipped*: ACKs the rate limit held back
  std::uint64_t abort_on_data = 0;      // TcpExt TCPAbortOnData
  std::uint64_t abort_on_close = 0;     // TcpExt TCPAbortOnClose
  std::uint64_t abort_on_linger = 0;    // TcpExt TCPAbortOnLinger
  std::uint64_t abort_on_timeout = 0;   // TcpExt TCPAbortOnTimeout
  std::uint64_t paws_rejected = 0;      // TcpExt PAWSEstab
  std::uint64_t timeouts = 0;           // TcpExt TCPTimeouts
  std::uint64_t fast_retransmits = 0;   // TcpExt TCPFastRetrans (NewReno or SACK recovery)
  std::uint64_t sack_discards = 0;      // TcpExt TCPSACKDiscard: SACK blocks ignored (bogus, bound)
  bool operator==(const TcpStats&) const = default;
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
  udp_bad_length,         // UDP-1: length field < 8 or above the IP payload
  udp_bad_checksum,       // UDP-2: a non-zero checksum that does not verify (or 0 over IPv6)
  udp_no_socket,          // UDP-3: nobody bound to the port (port unreachable unless multicast/broadcast)
  udp_receive_buffer,     // UDP-5: the socket's receive buffer is full (SO_RCVBUF)
  tcp_bad_header,         // TCP-HDR-1: shorter than 20 bytes, data offset < 5 or past the segment
  tcp_bad_checksum,       // TCP-HDR-1
  tcp_no_socket,          // TCP-SM-2: no connection or listener (answered with RST unless RST)
  tcp_listen_rst,         // TCP-SM-3: RST to a listener
  tcp_listen_ack,         // TCP-SM-3: ACK to a listener (answered with RST)
  tcp_listen_syn_fin,     // TCP-SM-3: SYN with FIN to a listener, dropped unanswered
  tcp_listen_overflow,    // TCP-SM-3: SYN to a full listener without cookies, or accept queue full
  tcp_bad_cookie,         // an ACK to a listener that is no valid SYN cookie (answered with RST)
  tcp_syn_sent_bad_ack,   // TCP-SM-4: unacceptable ACK in SYN-SENT (answered with RST)
  tcp_syn_sent_no_syn,    // SYN-SENT: neither SYN nor RST
  tcp_paws,               // TCP-TS-1: timestamp older than TS.Recent (answered with ACK)
  tcp_out_of_window,      // TCP-SEQ-1: unacceptable segment (answered with ACK)
  tcp_rst_out_of_window,  // TCP-RST-1: RST outside the window, dropped
  tcp_rst_challenged,     // TCP-RST-1: RST in the window but not at RCV.NXT (challenge ACK)
  tcp_syn_challenged,     // TCP-SYN-1: SYN in a synchronized state (challenge ACK)
  tcp_ack_out_of_window,  // TCP-ACK-1: ACK outside [SND.UNA - MAX.SND.WND, SND.NXT]
  tcp_no_ack,             // a segment without ACK in a synchronized state
  tcp_receive_buffer,     // TCP-OOO-1: data beyond the receive buffer
  tcp_data_after_close,   // TCP-CLOSE-2: data for a closed reader (answered with RST)
  tcp_time_wait,          // a segment TIME-WAIT has nothing to do with
  tcp_ofo_after_fin,      // out-of-order data beyond an in-order FIN, purged with it (LINUX tcp_fin)
  count_,
};
const char* to_string(TransportDropReason reason);

// One row of the TCP table as `ss -tan` lists it (LINUX inet_diag): every
// listener and connection, those no descriptor holds any more (closing, in
// TIME-WAIT, not yet accepted) included.
struct TcpTableEntry {
  wire::Ipv6Address local_address;  // IPv4 as v4-mapped (::ffff:a.b.c.d)
  std::uint16_t local_port = 0;
  wire::Ipv6Address remote_address;
  std::uint16_t remote_port = 0;
  int state = 0;  // Linux's number: TCP_ESTABLISHED (1) ... TCP_CLOSING (11), netinet/tcp.h
  int fd = -1;    // -1: no descriptor holds it
  bool operator==(const TcpTableEntry&) const = default;
};

struct Socket;  // internal (socket_internal.hpp)

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

  // Tests and fuzzers: sockets set up once (connections open, data queued,
  // timers running) and put back before every run instead of set up again,
  // as Stack::checkpoint does for the stack. checkpoint() copies every
  // socket, connection, queue, table, timer, key and counter; the copy shares
  // this one's stack and entropy source (drawing nothing from it) and is
  // registered with neither, so it is for restore(), not for use. restore()
  // makes these sockets equal to `checkpoint` again: every socket this one
  // holds goes without a segment sent or a callback made, and copies of the
  // checkpoint's take their place. Not from inside a call of this one's or
  // its readiness callback. The readiness callback and the buffers pooled
  // for reuse stay. The caller puts back the stack (with Stack::restore from
  // a checkpoint taken at the same time) and the entropy source.
  Sockets checkpoint() const;
  void restore(const Sockets& checkpoint);

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
  const TcpStats& tcp_stats() const;
  std::uint64_t drops(TransportDropReason reason) const;
  std::optional<TransportDropReason> last_drop() const;
  std::size_t open_sockets() const;
  // The TCP table, in no particular order.
  std::vector<TcpTableEntry> tcp_table() const;
  // Bytes charged to `fd`'s receive queue (as Linux's sk_rmem_alloc), or -EBADF.
  long receive_queue_bytes(int fd) const;

  // For tests and fuzzers that look inside (internal types: socket_internal.hpp,
  // hardstack/transport/tcp.hpp): a descriptor's socket record (null when the
  // descriptor is not open) and the TCP layer with its connection table.
  const Socket* socket_record(int fd) const;
  const transport::Tcp& tcp() const;

  struct Impl;

 private:
  explicit Sockets(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hardstack::socket

// The device under test: what a TestBench (test_bench.hpp) plays the remote
// peer against. One scenario, written against Dut, runs against every kind:
//
//   - the in-process core (StackDut, beside the Stack): virtual time, exact
//     and instant, every run the same;
//   - the Linux kernel through a TAP device in a namespace of its own
//     (KernelDut, kernel_dut.hpp): real time, so the same scenario shows what
//     Linux does.
//
// A DUT has one interface, on one link, with the addresses in its identity.
// The wire is frames: to_dut() hands the DUT a frame as if it arrived on the
// link; from_dut() takes the next frame the DUT transmitted. Time is the
// DUT's: a virtual DUT's clock moves only in advance() and from_dut(); a real
// one's moves on its own.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hardstack/net/device.hpp"
#include "hardstack/net/time.hpp"
#include "hardstack/wire/address.hpp"

namespace hardstack::harness {

// Who the DUT is on its link: what the peer addresses frames to.
struct DutIdentity {
  wire::MacAddress mac{};  // unused on a raw-IP link
  std::optional<wire::Ipv4Address> ipv4{};
  std::uint8_t ipv4_prefix = 24;
  std::optional<wire::Ipv6Address> ipv6{};
  std::uint8_t ipv6_prefix = 64;
  // Absent: the DUT forms none of its own choosing (a KernelDut fills in the
  // EUI-64 address from the MAC, RFC 4291 2.5.1, so its identity says which).
  std::optional<wire::Ipv6Address> ipv6_link_local{};
  std::size_t mtu = 1500;  // the largest IP datagram one frame carries
};

// The link-local address RFC 4291 2.5.1 / RFC 2464 4 form from a MAC:
// fe80::, then the MAC with ff:fe in the middle and the U/L bit flipped.
wire::Ipv6Address eui64_link_local(const wire::MacAddress& mac);

// A frame the DUT transmitted, and when (by its clock). For a virtual DUT
// that is the instant its timer or input made it send, which may be before
// the bench asked (a retransmission at exactly 1 s shows as 1 s).
struct DutFrame {
  std::vector<std::byte> bytes;
  net::Instant time{};
};

class Dut {
 public:
  Dut() = default;
  Dut(const Dut&) = delete;
  Dut& operator=(const Dut&) = delete;
  virtual ~Dut() = default;

  // "hardstack", "linux": which implementation, for messages and pcap names.
  virtual std::string_view name() const = 0;
  virtual const DutIdentity& identity() const = 0;
  virtual net::LinkType link_type() const = 0;
  // True: time is virtual, advance() and from_dut()'s wait are exact and take
  // no real time, and a scenario runs the same every time. False: real time,
  // waits are upper bounds and the DUT may act between calls.
  virtual bool virtual_time() const = 0;

  // ---- The wire ----------------------------------------------------------------
  //
  // The DUT receives `frame` now, whatever its bytes (malformed frames are
  // the point). A virtual DUT processes it before returning (its answers wait
  // in from_dut()); a real one whenever its kernel does. False when the
  // frame could not be delivered at all (queue full, link down).
  virtual bool to_dut(std::span<const std::byte> frame) = 0;
  // The next frame the DUT transmitted, waiting at most `wait` of DUT time
  // for one. A virtual DUT hands out what it already sent, else runs its
  // timers forward up to now() + wait and stops at the first frame (its
  // clock then reads that frame's time), else leaves its clock at exactly
  // now() + wait. A real DUT polls for up to `wait`. Duration::zero(): only
  // what was sent already.
  virtual std::optional<DutFrame> from_dut(net::Duration wait) = 0;

  // ---- Time ----------------------------------------------------------------------
  //
  // Virtual: moves the clock forward by `d`, running every timer that falls
  // due on the way (frames they send wait in from_dut()). Real: sleeps `d`.
  virtual void advance(net::Duration d) = 0;
  virtual net::Instant now() const = 0;

  // ---- Sockets ---------------------------------------------------------------------
  //
  // Scenarios drive the DUT's applications through these calls, with Linux's
  // signatures and POSIX structs, on the DUT's own descriptors: a StackDut's
  // socket::Sockets, or real sockets a KernelDut made inside its namespace.
  // Each returns what Linux's call returns, an error as -errno (never an
  // abort), so one scenario asserts the same errno on both. A DUT without
  // sockets answers -ENOSYS (has_sockets() false).
  virtual bool has_sockets() const { return false; }
  virtual int socket(int domain, int type, int protocol);
  virtual int bind(int fd, const sockaddr* address, socklen_t length);
  virtual int connect(int fd, const sockaddr* address, socklen_t length);
  virtual int listen(int fd, int backlog);
  // A connection from the listener's queue: a descriptor of the DUT's, or -EAGAIN.
  virtual int accept4(int fd, sockaddr* address, socklen_t* length, int flags);
  virtual ssize_t sendmsg(int fd, const msghdr* message, int flags);
  virtual ssize_t recvmsg(int fd, msghdr* message, int flags);
  virtual int setsockopt(int fd, int level, int name, const void* value, socklen_t length);
  virtual int getsockopt(int fd, int level, int name, void* value, socklen_t* length);
  virtual int getsockname(int fd, sockaddr* address, socklen_t* length);
  virtual int shutdown(int fd, int how);
  virtual int close(int fd);
  // Waits up to `wait` of DUT time for any of `events` (or POLLERR / POLLHUP)
  // on `fd`: the revents, 0 when none came, POLLNVAL for a bad descriptor. A
  // virtual DUT looks now, and if nothing is ready runs its timers for `wait`
  // and looks again.
  virtual short wait_for(int fd, short events, net::Duration wait);

  // sendto / recvfrom on top of sendmsg / recvmsg.
  ssize_t sendto(int fd, std::span<const std::byte> data, int flags, const sockaddr* to, socklen_t to_length);
  ssize_t recvfrom(int fd, std::span<std::byte> buffer, int flags, sockaddr* from = nullptr,
                   socklen_t* from_length = nullptr);
};

}  // namespace hardstack::harness

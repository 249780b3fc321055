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

  // ---- Sockets (the UDP and TCP issues add them here) -------------------------------
  //
  // Scenarios drive the DUT's applications through calls on this class:
  // open / bind / connect / listen / accept / send / receive / close, each
  // with a result value (an errno-like error, never an abort), so that the
  // same scenario opens a socket in the Stack (StackDut) or in the kernel's
  // namespace (KernelDut: a socket made there with setns). They are virtual
  // functions here, with a default that answers "not supported" so a DUT
  // without sockets still builds.
};

}  // namespace hardstack::harness

// A network device as the stack sees it: frames out, frames in, an MTU and a
// link type. In-memory links and pcap taps (harness/) and Linux TAP/TUN
// (core/devices/) implement it. Devices never block: receive() returns
// nothing when no frame is waiting, transmit() reports a full queue.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace hardstack::net {

enum class LinkType {
  ethernet,  // frames start with an Ethernet header (TAP)
  raw_ip,    // frames are IPv4 or IPv6 datagrams (TUN)
};

class Device {
 public:
  virtual ~Device() = default;
  virtual LinkType link_type() const = 0;
  // The largest IP datagram one frame carries (1500 on Ethernet).
  virtual std::size_t mtu() const = 0;
  // Queues one frame; false when the device dropped it (queue full, link down).
  virtual bool transmit(std::span<const std::byte> frame) = 0;
  // Copies the next waiting frame into `buffer` and returns its length, or
  // nullopt when none is waiting. A frame longer than `buffer` is cut to it
  // (the returned length is the frame's full length, as recv's MSG_TRUNC).
  virtual std::optional<std::size_t> receive(std::span<std::byte> buffer) = 0;
};

}  // namespace hardstack::net

// A Linux TAP or TUN interface as a net::Device, for real use (the examples'
// servers, the Linux-over-TAP runner). TAP carries Ethernet frames, TUN raw
// IPv4/IPv6 datagrams; both without the 4-byte packet-information prefix
// (IFF_NO_PI). The descriptor is non-blocking: the host polls fd() for
// POLLIN and calls receive() until it returns nothing, and transmit() says
// false instead of waiting when the kernel's queue is full.
//
// open() creates the interface, or attaches to a persistent one of the same
// kind made earlier with `ip tuntap add` (that is how an unprivileged user
// runs on a TAP an administrator set up for them). A non-persistent
// interface disappears when the device is destroyed. Bringing the link up
// and giving the kernel side an address is the host's business (ip link /
// ip addr): the device only moves frames.
//
// Not thread-safe; one Stack (one thread) owns a device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../net/device.hpp"
#include "../wire/result.hpp"

namespace hardstack::devices {

enum class TunMode : std::uint8_t {
  tap,  // IFF_TAP: Ethernet frames, LinkType::ethernet
  tun,  // IFF_TUN: IP datagrams, LinkType::raw_ip
};

struct TapConfig {
  // Interface name, at most 15 bytes (IFNAMSIZ - 1). Empty, or a pattern
  // with one "%d" ("hs%d"), lets the kernel pick; name() tells which.
  std::string name{};
  TunMode mode = TunMode::tap;
  // Set on the interface at open (SIOCSIFMTU), 68..65535; when absent the
  // interface's MTU is read (SIOCGIFMTU, 1500 for a new interface).
  std::optional<std::size_t> mtu = std::nullopt;
  // The clone device; only tests point it elsewhere.
  std::string clone_device = "/dev/net/tun";
};

enum class DeviceErrorKind : std::uint8_t {
  tun_missing,        // no clone device (tun module not loaded, no /dev/net/tun in a container)
  permission_denied,  // not root: needs CAP_NET_ADMIN, or access to the clone device
  name_taken,         // the name is in use: another process holds it, or it is another kind of device
  bad_name,           // empty after the kernel's rules, too long, or with '/', ':' or whitespace
  bad_mtu,            // configured MTU outside 68..65535, or refused by the kernel
  system,             // any other failure of a system call
};

const char* to_string(DeviceErrorKind kind);

struct DeviceError {
  DeviceErrorKind kind = DeviceErrorKind::system;
  int error_number = 0;  // errno of the failed call; 0 when refused before any call
  std::string message;   // a whole sentence naming the device, the call and what to do
};

// What the device saw since open. Errors other than "nothing waiting" /
// "queue full" do not stop the device: they are counted and the last errno kept.
struct TapStats {
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_truncated = 0;  // frames longer than the caller's buffer
  std::uint64_t rx_errors = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_queue_full = 0;  // EAGAIN: transmit() returned false
  std::uint64_t tx_errors = 0;      // EIO (link down), EINVAL (bad frame), ...
  int last_errno = 0;
};

class TapDevice final : public net::Device {
 public:
  static Result<TapDevice, DeviceError> open(const TapConfig& config);

  TapDevice(TapDevice&& other) noexcept;
  TapDevice& operator=(TapDevice&& other) noexcept;
  TapDevice(const TapDevice&) = delete;
  TapDevice& operator=(const TapDevice&) = delete;
  ~TapDevice() override;

  // The non-blocking descriptor, for poll()/epoll (POLLIN: a frame is waiting).
  int fd() const { return fd_; }
  // The interface name the kernel gave (the pattern filled in).
  const std::string& name() const { return name_; }
  TunMode mode() const { return mode_; }

  net::LinkType link_type() const override;
  // The MTU read or set at open, or by the latest refresh_mtu().
  std::size_t mtu() const override { return mtu_; }
  // Reads the interface's MTU again (an administrator may have changed it).
  Result<std::size_t, DeviceError> refresh_mtu();

  // One write(2) per frame. False on a full queue (EAGAIN) or an error
  // (link down, frame the kernel refuses), counted in stats().
  bool transmit(std::span<const std::byte> frame) override;
  // One readv(2): the frame's length, nullopt when none is waiting (EAGAIN)
  // or on an error (counted). A frame longer than `buffer` is cut to it and
  // its full length returned, as the contract in net::Device says (a 64 KiB
  // scratch area allocated at open takes the cut tail).
  std::optional<std::size_t> receive(std::span<std::byte> buffer) override;

  const TapStats& stats() const { return stats_; }

 private:
  TapDevice(int fd, std::string name, TunMode mode, std::size_t mtu)
      : fd_(fd), name_(std::move(name)), mode_(mode), mtu_(mtu), overflow_(max_frame_len) {}

  // The longest frame the driver hands out without IFF_VNET_HDR: an MTU of
  // 65535 plus an Ethernet header with one 802.1Q tag.
  static constexpr std::size_t max_frame_len = 65535 + 18;

  int fd_ = -1;
  std::string name_;
  TunMode mode_ = TunMode::tap;
  std::size_t mtu_ = 0;
  TapStats stats_;
  std::vector<std::byte> overflow_;  // where the tail of a frame longer than receive()'s buffer goes
};

}  // namespace hardstack::devices

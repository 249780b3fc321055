#include "tap_device.hpp"

#include <fcntl.h>
// glibc's <net/if.h> for ifreq and the IFF_ link flags: <linux/if.h> would
// define them a second time. <linux/if_tun.h> adds TUNSETIFF, IFF_TAP, IFF_TUN.
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

namespace hardstack::devices {

namespace {
constexpr std::size_t min_mtu = 68;  // RFC 791: every IPv4 link carries 68 octets (LINUX ETH_MIN_MTU)
constexpr std::size_t max_mtu = 65535;

std::string errno_text(int error) {
  return std::string(std::strerror(error)) + " (errno " + std::to_string(error) + ")";
}

Unexpected<DeviceError> fail(DeviceErrorKind kind, int error, std::string message) {
  return Unexpected(DeviceError{kind, error, std::move(message)});
}

const char* mode_name(TunMode mode) { return mode == TunMode::tap ? "TAP" : "TUN"; }

// LINUX dev_valid_name, checked here so the kernel's EINVAL is never ambiguous,
// and so a long name is refused rather than cut to IFNAMSIZ - 1.
std::optional<std::string> name_problem(const std::string& name) {
  if (name.size() >= IFNAMSIZ) {
    return "is " + std::to_string(name.size()) + " bytes; interface names have at most " +
           std::to_string(IFNAMSIZ - 1);
  }
  // string_view compares lengths first; libstdc++ 12's string == const char*
  // subtracts them unsigned, which the intwrap preset reports.
  const std::string_view text = name;
  if (text == "." || text == "..") return std::string("is not an interface name");
  for (const char c : name) {
    if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
        c == '\0') {
      return std::string("contains '/', ':', whitespace or NUL");
    }
  }
  return std::nullopt;
}

// A datagram socket for the SIOC*IF* ioctls, in the caller's network namespace.
class ControlSocket {
 public:
  ControlSocket() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {}
  ~ControlSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

ifreq request_for(const std::string& name) {
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size() < IFNAMSIZ ? name.size() : IFNAMSIZ - 1);
  return ifr;
}

Result<std::size_t, DeviceError> get_mtu(const std::string& name) {
  ControlSocket sock;
  if (sock.fd() < 0) {
    const int error = errno;
    return fail(DeviceErrorKind::system, error,
                "socket(AF_INET) for SIOCGIFMTU failed: " + errno_text(error));
  }
  ifreq ifr = request_for(name);
  if (::ioctl(sock.fd(), SIOCGIFMTU, &ifr) != 0) {
    const int error = errno;
    return fail(DeviceErrorKind::system, error, "SIOCGIFMTU on " + name + " failed: " + errno_text(error));
  }
  if (ifr.ifr_mtu <= 0) {
    return fail(DeviceErrorKind::bad_mtu, 0, name + " reports MTU " + std::to_string(ifr.ifr_mtu));
  }
  return static_cast<std::size_t>(ifr.ifr_mtu);
}

Result<void, DeviceError> set_mtu(const std::string& name, std::size_t mtu) {
  ControlSocket sock;
  if (sock.fd() < 0) {
    const int error = errno;
    return fail(DeviceErrorKind::system, error,
                "socket(AF_INET) for SIOCSIFMTU failed: " + errno_text(error));
  }
  ifreq ifr = request_for(name);
  ifr.ifr_mtu = static_cast<int>(mtu);
  if (::ioctl(sock.fd(), SIOCSIFMTU, &ifr) != 0) {
    const int error = errno;
    const DeviceErrorKind kind = error == EPERM    ? DeviceErrorKind::permission_denied
                                 : error == EINVAL ? DeviceErrorKind::bad_mtu
                                                   : DeviceErrorKind::system;
    return fail(
        kind, error,
        "setting MTU " + std::to_string(mtu) + " on " + name + " (SIOCSIFMTU) failed: " + errno_text(error));
  }
  return {};
}

Unexpected<DeviceError> open_clone_error(const std::string& path, int error) {
  switch (error) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return fail(DeviceErrorKind::tun_missing, error,
                  "cannot open " + path + ": " + errno_text(error) +
                      "; the kernel's TUN/TAP driver is missing (modprobe tun), or the container has no " +
                      path);
    case EACCES:
    case EPERM:
      return fail(DeviceErrorKind::permission_denied, error,
                  "cannot open " + path + ": " + errno_text(error) +
                      "; run as root (CAP_NET_ADMIN) or get read/write access to " + path);
    default: return fail(DeviceErrorKind::system, error, "cannot open " + path + ": " + errno_text(error));
  }
}

Unexpected<DeviceError> set_iff_error(const TapConfig& config, int error) {
  const std::string what = std::string("creating ") + mode_name(config.mode) + " interface '" + config.name +
                           "' (TUNSETIFF) failed: " + errno_text(error);
  const bool exists = !config.name.empty() && ::if_nametoindex(config.name.c_str()) != 0;
  switch (error) {
    case EPERM:
      return fail(DeviceErrorKind::permission_denied, error,
                  what + "; needs CAP_NET_ADMIN (run as root), or a persistent interface owned by this user");
    case EBUSY:
      return fail(DeviceErrorKind::name_taken, error,
                  what + "; the name is taken: another process has it open");
    case EINVAL:
      if (exists) {
        return fail(DeviceErrorKind::name_taken, error,
                    what + "; the name is taken by an interface that is not a " + mode_name(config.mode));
      }
      return fail(DeviceErrorKind::bad_name, error, what + "; the kernel refused the name");
    case ENFILE: return fail(DeviceErrorKind::bad_name, error, what + "; no free name matches the pattern");
    default: return fail(DeviceErrorKind::system, error, what);
  }
}

}  // namespace

const char* to_string(DeviceErrorKind kind) {
  switch (kind) {
    case DeviceErrorKind::tun_missing: return "tun_missing";
    case DeviceErrorKind::permission_denied: return "permission_denied";
    case DeviceErrorKind::name_taken: return "name_taken";
    case DeviceErrorKind::bad_name: return "bad_name";
    case DeviceErrorKind::bad_mtu: return "bad_mtu";
    case DeviceErrorKind::system: return "system";
  }
  return "unknown";
}

Result<TapDevice, DeviceError> TapDevice::open(const TapConfig& config) {
  if (const auto problem = name_problem(config.name)) {
    return fail(DeviceErrorKind::bad_name, 0, "interface name '" + config.name + "' " + *problem);
  }
  if (config.mtu && (*config.mtu < min_mtu || *config.mtu > max_mtu)) {
    return fail(DeviceErrorKind::bad_mtu, 0,
                "MTU " + std::to_string(*config.mtu) + " for '" + config.name + "' is outside " +
                    std::to_string(min_mtu) + ".." + std::to_string(max_mtu));
  }

  const int fd = ::open(config.clone_device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return open_clone_error(config.clone_device, errno);
  // From here the TapDevice owns fd and closes it on every error path.
  TapDevice device(fd, config.name, config.mode, 0);

  ifreq ifr = request_for(config.name);
  ifr.ifr_flags = static_cast<short>((config.mode == TunMode::tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI);
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) return set_iff_error(config, errno);
  ifr.ifr_name[IFNAMSIZ - 1] = '\0';
  device.name_ = ifr.ifr_name;

  if (config.mtu) {
    if (auto set = set_mtu(device.name_, *config.mtu); !set) return Unexpected(set.error());
  }
  if (auto read = device.refresh_mtu(); !read) return Unexpected(read.error());
  return device;
}

TapDevice::TapDevice(TapDevice&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      mode_(other.mode_),
      mtu_(other.mtu_),
      stats_(other.stats_),
      overflow_(std::move(other.overflow_)) {}

TapDevice& TapDevice::operator=(TapDevice&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    name_ = std::move(other.name_);
    mode_ = other.mode_;
    mtu_ = other.mtu_;
    stats_ = other.stats_;
    overflow_ = std::move(other.overflow_);
  }
  return *this;
}

TapDevice::~TapDevice() {
  if (fd_ >= 0) ::close(fd_);
}

net::LinkType TapDevice::link_type() const {
  return mode_ == TunMode::tap ? net::LinkType::ethernet : net::LinkType::raw_ip;
}

Result<std::size_t, DeviceError> TapDevice::refresh_mtu() {
  auto mtu = get_mtu(name_);
  if (mtu) mtu_ = *mtu;
  return mtu;
}

bool TapDevice::transmit(std::span<const std::byte> frame) {
  for (;;) {
    const ssize_t n = ::write(fd_, frame.data(), frame.size());
    if (n >= 0) {
      // The driver takes a frame whole or not at all.
      if (static_cast<std::size_t>(n) != frame.size()) break;
      ++stats_.tx_frames;
      return true;
    }
    const int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN || error == EWOULDBLOCK) {
      ++stats_.tx_queue_full;
      return false;
    }
    stats_.last_errno = error;
    break;
  }
  ++stats_.tx_errors;
  return false;
}

std::optional<std::size_t> TapDevice::receive(std::span<std::byte> buffer) {
  // LINUX tun_chr_read_iter returns min(frame, buffer): read(2) alone cannot
  // tell a cut frame's length. The bytes past `buffer` land in overflow_,
  // big enough for any frame, so the count returned is the frame's length.
  // An empty buffer still takes the frame off the queue.
  iovec parts[2] = {{buffer.data(), buffer.size()}, {overflow_.data(), overflow_.size()}};
  for (;;) {
    const ssize_t n = ::readv(fd_, parts, 2);
    if (n > 0) {
      const auto length = static_cast<std::size_t>(n);
      ++stats_.rx_frames;
      if (length > buffer.size()) ++stats_.rx_truncated;
      return length;
    }
    if (n == 0) return std::nullopt;
    const int error = errno;
    if (error == EINTR) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) {
      ++stats_.rx_errors;
      stats_.last_errno = error;
    }
    return std::nullopt;
  }
}

}  // namespace hardstack::devices

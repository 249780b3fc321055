// TapDevice tests in two groups (tap_kernel_peer_test.cpp has the third, the
// peer half of tools/tap_selftest.sh):
// - error paths that need no privilege (run everywhere);
// - the device against the kernel, as root, each in a child process inside a
//   new, empty network namespace (unshare(CLONE_NEWNET)): every interface
//   made there vanishes with the child, the host's are never seen.
#include "tap_device.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../wire/ipv4.hpp"

using namespace hardstack;
using namespace hardstack::devices;
namespace utf = boost::unit_test;

namespace {

DeviceError open_error(const TapConfig& config) {
  auto device = TapDevice::open(config);
  BOOST_REQUIRE_MESSAGE(!device.has_value(), "open unexpectedly succeeded for '" << config.name << "'");
  return device.error();
}

// A config whose open() fails at the clone device unless refused earlier.
TapConfig without_clone_device(std::string name, std::optional<std::size_t> mtu = std::nullopt) {
  TapConfig config;
  config.name = std::move(name);
  config.mtu = mtu;
  config.clone_device = "/nonexistent/net/tun";
  return config;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool is_root() { return ::geteuid() == 0; }
bool have_clone_device() { return ::access("/dev/net/tun", F_OK) == 0; }

// ---- running a check in a throwaway network namespace ---------------------

// Failures found in the child, sent back to the parent as text.
class Report {
 public:
  void check(bool ok, const std::string& what) {
    if (!ok) failures_ += what + "\n";
  }
  const std::string& failures() const { return failures_; }

 private:
  std::string failures_;
};

// Runs `body` in a forked child inside a new network namespace and returns
// what it reported ("" when every check passed).
std::string in_fresh_netns(const std::function<void(Report&)>& body) {
  int pipe_fds[2];
  BOOST_REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::signal(SIGABRT, SIG_DFL);  // a crash ends the child, not a second Boost run
    Report report;
    if (::unshare(CLONE_NEWNET) != 0) {
      report.check(false, std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno));
    } else {
      body(report);
    }
    const std::string& text = report.failures();
    std::size_t written = 0;
    while (written < text.size()) {
      const ssize_t n = ::write(pipe_fds[1], text.data() + written, text.size() - written);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string failures;
  char chunk[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], chunk, sizeof chunk)) > 0;) failures.append(chunk, n);
  ::close(pipe_fds[0]);
  int status = 0;
  BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failures += "child did not exit cleanly\n";
  return failures;
}

// Root, a clone device, and permission to make network namespaces.
bool can_use_fresh_netns() {
  static const bool answer = [] {
    if (!is_root() || !have_clone_device()) return false;
    const pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) ::_exit(::unshare(CLONE_NEWNET) == 0 ? 0 : 1);
    int status = 0;
    return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }();
  return answer;
}

boost::test_tools::assertion_result needs_fresh_netns(utf::test_unit_id) {
  boost::test_tools::assertion_result result(can_use_fresh_netns());
  result.message() << "skipped: needs root, /dev/net/tun and unshare(CLONE_NEWNET)";
  return result;
}

boost::test_tools::assertion_result needs_unprivileged_user(utf::test_unit_id) {
  boost::test_tools::assertion_result result(!is_root() && have_clone_device());
  result.message() << "skipped: run as a user without root and with /dev/net/tun present";
  return result;
}

// Interface set-up through the ioctls `ip` uses, for the child's namespace.
class Interface {
 public:
  explicit Interface(const std::string& name) : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    std::memcpy(ifr_.ifr_name, name.data(), name.size() < IFNAMSIZ ? name.size() : IFNAMSIZ - 1);
  }
  ~Interface() { ::close(fd_); }
  Interface(const Interface&) = delete;
  Interface& operator=(const Interface&) = delete;

  bool set_address(const char* address) { return set_ipv4(SIOCSIFADDR, address); }
  bool set_netmask(const char* mask) { return set_ipv4(SIOCSIFNETMASK, mask); }
  bool set_peer(const char* address) { return set_ipv4(SIOCSIFDSTADDR, address); }
  bool set_mtu(int mtu) {
    ifreq ifr = ifr_;
    ifr.ifr_mtu = mtu;
    return ::ioctl(fd_, SIOCSIFMTU, &ifr) == 0;
  }
  bool up() {
    ifreq ifr = ifr_;
    if (::ioctl(fd_, SIOCGIFFLAGS, &ifr) != 0) return false;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    return ::ioctl(fd_, SIOCSIFFLAGS, &ifr) == 0;
  }

 private:
  bool set_ipv4(unsigned long request, const char* address) {
    ifreq ifr = ifr_;
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    if (::inet_pton(AF_INET, address, &sin.sin_addr) != 1) return false;
    std::memcpy(&ifr.ifr_addr, &sin, sizeof sin);
    return ::ioctl(fd_, request, &ifr) == 0;
  }
  int fd_;
  ifreq ifr_{};
};

// A UDP datagram from the kernel's side, which makes it emit a frame on the
// interface routing `to` (an ARP request first on Ethernet).
bool kernel_sends_udp(const char* to, const char* text) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(9);
  ::inet_pton(AF_INET, to, &sin.sin_addr);
  const ssize_t n =
      ::sendto(fd, text, std::strlen(text), 0, reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
  ::close(fd);
  return n == static_cast<ssize_t>(std::strlen(text));
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

// The first frame within `timeout_ms` that `match` accepts, read with a
// buffer of `buffer_len` bytes: its reported length and the bytes read.
struct Received {
  std::size_t length = 0;
  std::vector<std::byte> bytes;
};
std::optional<Received> receive_matching(TapDevice& device, std::size_t buffer_len, int timeout_ms,
                                         const std::function<bool(const Received&)>& match) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!wait_readable(device.fd(), 50)) continue;
    Received r;
    r.bytes.resize(buffer_len);
    const auto n = device.receive(r.bytes);
    if (!n) continue;
    r.length = *n;
    r.bytes.resize(std::min(*n, buffer_len));
    if (match(r)) return r;
  }
  return std::nullopt;
}

}  // namespace

// ---- error paths, no privilege needed ---------------------------------------

BOOST_AUTO_TEST_CASE(open_refuses_a_name_longer_than_15_bytes_before_any_system_call) {
  // The kernel would silently cut it to IFNAMSIZ - 1 = 15 bytes.
  const DeviceError e = open_error(without_clone_device("hardstack-tap-01"));
  BOOST_TEST(to_string(e.kind) == std::string("bad_name"));
  BOOST_TEST(e.error_number == 0);
  BOOST_TEST(contains(e.message, "'hardstack-tap-01' is 16 bytes; interface names have at most 15"),
             e.message);
}

BOOST_AUTO_TEST_CASE(open_refuses_names_the_kernel_would_refuse) {
  for (const char* name : {".", "..", "a/b", "a:b", "a b", "tab\tx"}) {
    const DeviceError e = open_error(without_clone_device(name));
    BOOST_TEST((e.kind == DeviceErrorKind::bad_name), name);
    BOOST_TEST(e.error_number == 0);
  }
  // 15 bytes is fine as a name: the open then fails on the clone device.
  BOOST_TEST((open_error(without_clone_device("hardstack-tap01")).kind == DeviceErrorKind::tun_missing));
}

BOOST_AUTO_TEST_CASE(open_refuses_an_mtu_outside_68_to_65535) {
  for (const std::size_t mtu : {std::size_t{0}, std::size_t{67}, std::size_t{65536}}) {
    const DeviceError e = open_error(without_clone_device("hs0", mtu));
    BOOST_TEST((e.kind == DeviceErrorKind::bad_mtu));
    BOOST_TEST(e.error_number == 0);
    BOOST_TEST(contains(e.message, "MTU " + std::to_string(mtu) + " for 'hs0' is outside 68..65535"),
               e.message);
  }
  for (const std::size_t mtu : {std::size_t{68}, std::size_t{65535}}) {
    BOOST_TEST((open_error(without_clone_device("hs0", mtu)).kind == DeviceErrorKind::tun_missing));
  }
}

BOOST_AUTO_TEST_CASE(open_reports_a_missing_clone_device) {
  const DeviceError e = open_error(without_clone_device("hs0"));
  BOOST_TEST((e.kind == DeviceErrorKind::tun_missing));
  BOOST_TEST(e.error_number == ENOENT);
  BOOST_TEST(contains(e.message, "cannot open /nonexistent/net/tun: No such file or directory (errno 2)"),
             e.message);
  BOOST_TEST(contains(e.message, "modprobe tun"), e.message);
}

BOOST_AUTO_TEST_CASE(open_reports_a_clone_device_that_is_not_tun) {
  // /dev/null opens, but knows no TUNSETIFF.
  TapConfig config = without_clone_device("hs0");
  config.clone_device = "/dev/null";
  const DeviceError e = open_error(config);
  BOOST_TEST((e.kind == DeviceErrorKind::system));
  BOOST_TEST(e.error_number == ENOTTY);
  BOOST_TEST(contains(e.message, "creating TAP interface 'hs0' (TUNSETIFF) failed"), e.message);
}

BOOST_AUTO_TEST_CASE(error_kinds_have_names) {
  BOOST_TEST(to_string(DeviceErrorKind::tun_missing) == std::string("tun_missing"));
  BOOST_TEST(to_string(DeviceErrorKind::permission_denied) == std::string("permission_denied"));
  BOOST_TEST(to_string(DeviceErrorKind::name_taken) == std::string("name_taken"));
  BOOST_TEST(to_string(DeviceErrorKind::bad_name) == std::string("bad_name"));
  BOOST_TEST(to_string(DeviceErrorKind::bad_mtu) == std::string("bad_mtu"));
  BOOST_TEST(to_string(DeviceErrorKind::system) == std::string("system"));
}

BOOST_AUTO_TEST_CASE(open_without_root_is_permission_denied, *utf::precondition(needs_unprivileged_user)) {
  // Either the clone device is root-only (EACCES) or TUNSETIFF wants CAP_NET_ADMIN (EPERM).
  const DeviceError e = open_error({.name = "hsuser0"});
  BOOST_TEST((e.kind == DeviceErrorKind::permission_denied), e.message);
  BOOST_TEST((e.error_number == EACCES || e.error_number == EPERM));
  BOOST_TEST(contains(e.message, "root"), e.message);
}

// ---- against the kernel, as root, in a fresh namespace ----------------------

BOOST_AUTO_TEST_CASE(open_as_nobody_is_permission_denied, *utf::precondition(needs_fresh_netns)) {
  const std::string failures = in_fresh_netns([](Report& report) {
    // Drop root in the child (the namespace is already made).
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      report.check(false, "could not drop to uid 65534");
      return;
    }
    auto device = TapDevice::open({.name = "hsnobody0"});
    report.check(!device.has_value(), "open as nobody succeeded");
    if (device) return;
    const DeviceError& e = device.error();
    report.check(e.kind == DeviceErrorKind::permission_denied, "kind " + std::string(to_string(e.kind)));
    report.check(e.error_number == EACCES || e.error_number == EPERM,
                 "errno " + std::to_string(e.error_number));
    report.check(contains(e.message, "run as root"), "message: " + e.message);
  });
  BOOST_TEST(failures.empty(), failures);
}

BOOST_AUTO_TEST_CASE(tap_opens_non_blocking_as_ethernet_with_mtu_1500,
                     *utf::precondition(needs_fresh_netns)) {
  const std::string failures = in_fresh_netns([](Report& report) {
    {
      auto device = TapDevice::open({.name = "hs%d"});
      report.check(device.has_value(), device ? "" : device.error().message);
      if (!device) return;
      report.check(device->name() == std::string("hs0"), "name " + device->name());
      report.check(device->mode() == TunMode::tap, "mode");
      report.check(device->link_type() == net::LinkType::ethernet, "link type");
      report.check(device->mtu() == 1500, "mtu " + std::to_string(device->mtu()));
      const int flags = ::fcntl(device->fd(), F_GETFL);
      report.check(flags >= 0 && (flags & O_NONBLOCK) != 0, "O_NONBLOCK");
      report.check((::fcntl(device->fd(), F_GETFD) & FD_CLOEXEC) != 0, "FD_CLOEXEC");
      report.check(::if_nametoindex("hs0") != 0, "hs0 exists while open");
      // Nothing waiting: nullopt at once, no error counted.
      std::array<std::byte, 2048> buffer{};
      const auto start = std::chrono::steady_clock::now();
      report.check(!device->receive(buffer).has_value(), "receive on an empty queue");
      report.check(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(100),
                   "receive blocked");
      report.check(device->stats().rx_errors == 0 && device->stats().rx_frames == 0, "rx stats");
      // Moving the device keeps the descriptor open.
      TapDevice moved = std::move(*device);
      report.check(moved.fd() >= 0 && moved.name() == std::string("hs0"), "moved device");
      report.check(::if_nametoindex("hs0") != 0, "hs0 exists after the move");
    }
    report.check(::if_nametoindex("hs0") == 0, "hs0 still exists after the device closed");
  });
  BOOST_TEST(failures.empty(), failures);
}

BOOST_AUTO_TEST_CASE(tun_opens_as_raw_ip, *utf::precondition(needs_fresh_netns)) {
  const std::string failures = in_fresh_netns([](Report& report) {
    auto device = TapDevice::open({.name = "hstun0", .mode = TunMode::tun});
    report.check(device.has_value(), device ? "" : device.error().message);
    if (!device) return;
    report.check(device->link_type() == net::LinkType::raw_ip, "link type");
    report.check(device->mtu() == 1500, "mtu " + std::to_string(device->mtu()));
    // No name: the kernel picks one.
    auto unnamed = TapDevice::open({.name = "", .mode = TunMode::tun});
    report.check(unnamed.has_value() && unnamed->name() == std::string("tun0"), "kernel-picked name");
  });
  BOOST_TEST(failures.empty(), failures);
}

BOOST_AUTO_TEST_CASE(open_reports_a_name_that_is_taken, *utf::precondition(needs_fresh_netns)) {
  const std::string failures = in_fresh_netns([](Report& report) {
    auto first = TapDevice::open({.name = "hs0"});
    report.check(first.has_value(), first ? "" : first.error().message);
    if (!first) return;
    const auto expect_taken = [&](const TapConfig& config, int error_number, const std::string& says) {
      auto again = TapDevice::open(config);
      report.check(!again.has_value(), config.name + " opened twice");
      if (again) return;
      const DeviceError& e = again.error();
      report.check(e.kind == DeviceErrorKind::name_taken, config.name + ": kind " + to_string(e.kind));
      report.check(e.error_number == error_number, config.name + ": errno " + std::to_string(e.error_number));
      report.check(contains(e.message, says), config.name + ": message " + e.message);
    };
    // Held by another open descriptor (LINUX tun_attach: EBUSY).
    expect_taken({.name = "hs0"}, EBUSY, "another process has it open");
    // A device that is not a TAP (LINUX tun_set_iff: EINVAL); lo is left untouched.
    expect_taken({.name = "lo"}, EINVAL, "is not a TAP");
    expect_taken({.name = "hs0", .mode = TunMode::tun}, EINVAL, "is not a TUN");
  });
  BOOST_TEST(failures.empty(), failures);
}

BOOST_AUTO_TEST_CASE(configured_mtu_is_set_and_refresh_reads_changes, *utf::precondition(needs_fresh_netns)) {
  const std::string failures = in_fresh_netns([](Report& report) {
    auto device = TapDevice::open({.name = "hs0", .mtu = 9000});
    report.check(device.has_value(), device ? "" : device.error().message);
    if (!device) return;
    report.check(device->mtu() == 9000, "configured mtu " + std::to_string(device->mtu()));
    Interface link("hs0");
    report.check(link.set_mtu(1280), "SIOCSIFMTU 1280");
    report.check(device->mtu() == 9000, "mtu() is the cached value until refreshed");
    const auto refreshed = device->refresh_mtu();
    report.check(refreshed.has_value() && *refreshed == 1280 && device->mtu() == 1280, "refreshed mtu");
  });
  BOOST_TEST(failures.empty(), failures);
}

BOOST_AUTO_TEST_CASE(transmit_is_refused_while_the_link_is_down, *utf::precondition(needs_fresh_netns)) {
  const std::string failures = in_fresh_netns([](Report& report) {
    auto device = TapDevice::open({.name = "hs0"});
    report.check(device.has_value(), device ? "" : device.error().message);
    if (!device) return;
    std::array<std::byte, 60> frame{};
    frame[0] = std::byte{0xff};  // any frame: the kernel drops what it cannot use
    report.check(!device->transmit(frame), "transmit on a down link");
    report.check(device->stats().tx_errors == 1 && device->stats().last_errno == EIO, "counted as EIO");
    Interface link("hs0");
    report.check(link.up(), "link up");
    report.check(device->transmit(frame), "transmit on an up link");
    report.check(device->stats().tx_frames == 1, "tx_frames");
  });
  BOOST_TEST(failures.empty(), failures);
}

BOOST_AUTO_TEST_CASE(receive_cuts_a_long_frame_and_reports_its_full_length,
                     *utf::precondition(needs_fresh_netns)) {
  const std::string failures = in_fresh_netns([](Report& report) {
    auto device = TapDevice::open({.name = "hs0"});
    report.check(device.has_value(), device ? "" : device.error().message);
    if (!device) return;
    Interface link("hs0");
    report.check(link.set_address("192.0.2.1") && link.set_netmask("255.255.255.0") && link.up(),
                 "link setup");
    // The kernel resolves 192.0.2.2 first: a 42-byte ARP request, read into 10 bytes.
    report.check(kernel_sends_udp("192.0.2.2", "x"), "sendto");
    const auto arp = receive_matching(*device, 10, 3000, [](const Received& r) {
      return r.length == 42 && std::to_integer<unsigned>(r.bytes[0]) == 0xff;
    });
    report.check(arp.has_value(), "no 42-byte broadcast frame within 3 s");
    if (arp) {
      report.check(arp->bytes.size() == 10, "bytes delivered");
      for (std::size_t i = 0; i < 6; ++i)
        report.check(std::to_integer<unsigned>(arp->bytes[i]) == 0xff, "dst");
    }
    report.check(device->stats().rx_truncated >= 1, "rx_truncated counted");
    // An empty buffer takes a frame and still says how long it was (the
    // kernel retries the ARP request every second).
    report.check(kernel_sends_udp("192.0.2.3", "y"), "sendto");
    const auto whole = receive_matching(*device, 0, 3000, [](const Received& r) { return r.length == 42; });
    report.check(whole.has_value() && whole->bytes.empty(), "empty-buffer receive");
  });
  BOOST_TEST(failures.empty(), failures);
}

BOOST_AUTO_TEST_CASE(tun_receives_the_kernels_ipv4_datagram, *utf::precondition(needs_fresh_netns)) {
  const std::string failures = in_fresh_netns([](Report& report) {
    auto device = TapDevice::open({.name = "hstun0", .mode = TunMode::tun});
    report.check(device.has_value(), device ? "" : device.error().message);
    if (!device) return;
    Interface link("hstun0");
    report.check(link.set_address("198.51.100.1") && link.set_peer("198.51.100.2") && link.up(),
                 "link setup");
    report.check(kernel_sends_udp("198.51.100.2", "hello"), "sendto");
    // IPv4 (20) + UDP (8) + "hello" (5), no Ethernet header, no packet-information prefix.
    const auto datagram =
        receive_matching(*device, 2048, 3000, [](const Received& r) { return r.length == 33; });
    report.check(datagram.has_value(), "no 33-byte datagram within 3 s");
    if (!datagram) return;
    const auto ip = wire::Ipv4View::parse(wire::Bytes(datagram->bytes));
    report.check(ip.has_value(), "parses as IPv4");
    if (!ip) return;
    report.check(ip->src() == *wire::Ipv4Address::from_string("198.51.100.1"), "src");
    report.check(ip->dst() == *wire::Ipv4Address::from_string("198.51.100.2"), "dst");
    report.check(ip->protocol() == 17, "protocol UDP");
  });
  BOOST_TEST(failures.empty(), failures);
}

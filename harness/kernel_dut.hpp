// KernelDut: the Linux kernel as the device under test, so the scenarios
// written for the in-process core show what Linux does with the same frames.
//
// create() makes a network namespace of its own (hs-dut-<pid>-<n>), opens a
// TAP device (core/devices TapDevice) and moves it into the namespace (the
// descriptor keeps working there), then, with `ip` run through fork/exec:
// sets the TAP's MAC, gives the kernel side the identity's addresses with
// duplicate address detection off (`nodad`, and accept_dad=0 on the
// interface, so the addresses answer at once), the link-local address given
// or the MAC's EUI-64 one (the kernel forms none of its own: addrgenmode
// none), and brings lo and the TAP up. The bench's frames are what the TAP
// receives from "the wire"; what the kernel sends out of the TAP is the DUT's
// output. The host's own interfaces are never touched.
//
// The destructor closes the TAP (the interface goes with it) and deletes the
// namespace; a create() that fails half-way removes what it made, and
// create() first deletes namespaces of this prefix whose process is gone
// (left by a run killed before its destructor). Needs
// root (CAP_NET_ADMIN and CAP_SYS_ADMIN), /dev/net/tun and iproute2's `ip`;
// create()'s error says which is missing so tests can skip.
//
// Real time: advance() sleeps, from_dut() polls the TAP for up to its wait,
// now() is CLOCK_MONOTONIC. The kernel talks on its own after the link comes
// up (MLD reports, router solicitations): scenarios skip(link_chatter()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dut.hpp"
#include "hardstack/devices/steady_clock.hpp"
#include "hardstack/devices/tap_device.hpp"
#include "hardstack/wire/result.hpp"

namespace hardstack::harness {

struct KernelDutConfig {
  // The kernel's MAC (unicast, not zero), addresses and MTU (68..65535;
  // at least 1280 with an IPv6 address: the kernel turns IPv6 off below).
  DutIdentity identity{};
  // The namespace is <prefix>-<pid>-<n>; the TAP gets the kernel's name for "hsdut%d".
  std::string namespace_prefix = "hs-dut";
};

enum class KernelDutErrorKind : std::uint8_t {
  not_root,           // the effective user is not root
  tun_missing,        // no /dev/net/tun, or it cannot be opened
  ip_missing,         // no `ip` (iproute2) on PATH, /sbin or /usr/sbin
  namespace_refused,  // `ip netns add` failed (a container without CAP_SYS_ADMIN, no /run/netns)
  bad_identity,       // the configuration: zero or multicast MAC, prefix or MTU out of range
  tap_failed,         // TapDevice::open failed
  setup_failed,       // an `ip` command or sysctl write that configures the namespace failed
};

const char* to_string(KernelDutErrorKind kind);

struct KernelDutError {
  KernelDutErrorKind kind = KernelDutErrorKind::setup_failed;
  std::string message;  // a sentence: what failed, the command's own words, what to do
  // What the machine lacks rather than a fault: tests skip on these.
  bool environment() const {
    return kind == KernelDutErrorKind::not_root || kind == KernelDutErrorKind::tun_missing ||
           kind == KernelDutErrorKind::ip_missing || kind == KernelDutErrorKind::namespace_refused;
  }
};

// A program's exit and what it printed (stdout and stderr together).
struct CommandResult {
  int exit_status = -1;  // the exit code; 128 + n when killed by signal n; -1 when it could not start
  std::string output;
  bool ok() const { return exit_status == 0; }
};

// Runs argv[0] (a path, or a name looked up in PATH) with fork/exec, stdin
// from /dev/null, and waits for it. No shell is involved.
CommandResult run_command(const std::vector<std::string>& argv);

// The path of an executable `name` in PATH, /usr/sbin or /sbin, if any.
std::optional<std::string> find_program(std::string_view name);

class KernelDut final : public Dut {
 public:
  static Result<std::unique_ptr<KernelDut>, KernelDutError> create(const KernelDutConfig& config);
  ~KernelDut() override;

  std::string_view name() const override { return "linux"; }
  const DutIdentity& identity() const override { return identity_; }
  net::LinkType link_type() const override { return net::LinkType::ethernet; }
  bool virtual_time() const override { return false; }
  bool to_dut(std::span<const std::byte> frame) override;
  std::optional<DutFrame> from_dut(net::Duration wait) override;
  void advance(net::Duration d) override;
  net::Instant now() const override { return clock_.now(); }

  // Real sockets of the kernel, made inside the namespace (setns around
  // socket()); the calls are the system calls, errors as -errno.
  bool has_sockets() const override { return true; }
  int socket(int domain, int type, int protocol) override;
  int bind(int fd, const sockaddr* address, socklen_t length) override;
  int connect(int fd, const sockaddr* address, socklen_t length) override;
  int listen(int fd, int backlog) override;
  int accept4(int fd, sockaddr* address, socklen_t* length, int flags) override;
  ssize_t sendmsg(int fd, const msghdr* message, int flags) override;
  ssize_t recvmsg(int fd, msghdr* message, int flags) override;
  int setsockopt(int fd, int level, int name, const void* value, socklen_t length) override;
  int getsockopt(int fd, int level, int name, void* value, socklen_t* length) override;
  int getsockname(int fd, sockaddr* address, socklen_t* length) override;
  int shutdown(int fd, int how) override;
  int close(int fd) override;
  short wait_for(int fd, short events, net::Duration wait) override;

  const std::string& namespace_name() const { return namespace_; }
  const std::string& interface_name() const { return interface_; }
  // `ip -n <namespace> args...`: for a test that looks at the kernel's state
  // (ip neigh show, ip -6 addr show).
  CommandResult ip_in_namespace(const std::vector<std::string>& args) const;

 private:
  KernelDut(std::string ip, std::string ns) : ip_(std::move(ip)), namespace_(std::move(ns)) {}
  bool owns(int fd) const;
  Result<bool, KernelDutError> set_up(const KernelDutConfig& config);
  Result<bool, KernelDutError> ip_step(const std::vector<std::string>& args, std::string_view what) const;
  Result<bool, KernelDutError> write_sysctl(const std::string& path, std::string_view value) const;

  std::string ip_;         // the ip program
  std::string namespace_;  // made by create(); deleted by the destructor
  std::string interface_;
  DutIdentity identity_{};
  std::optional<devices::TapDevice> tap_;
  std::vector<std::byte> buffer_;
  std::vector<int> sockets_;  // descriptors socket() made, closed with the DUT
  mutable devices::SteadyClock clock_;
};

}  // namespace hardstack::harness

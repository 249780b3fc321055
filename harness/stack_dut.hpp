// The in-process core as a device under test: a net::Stack on one
// CaptureDevice, in virtual time. The first Dut every scenario runs against;
// KernelDut (kernel_dut.hpp) runs the same scenario on Linux.
//
//   auto dut = StackDut::create(identity).value();
//   TestBench bench(*dut, config);
//   bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / icmp_echo_request(1, 1));
//   BOOST_TEST(bench.expect_ipv4(icmp(echo_reply())));
#pragma once

#include <deque>
#include <memory>
#include <optional>

#include "dut.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/wire/result.hpp"
#include "memory_link.hpp"
#include "virtual_clock.hpp"

namespace hardstack::harness {

struct StackDutConfig {
  DutIdentity identity{};
  net::StackConfig stack{};
  net::LinkType link_type = net::LinkType::ethernet;
  std::uint64_t seed = 1;  // the stack's entropy: the same seed, the same run
};

class StackDut final : public Dut {
 public:
  // Refused when the stack refuses the identity (an MTU below 68, an address
  // that is not unicast...): the error says which setting.
  static Result<std::unique_ptr<StackDut>, net::ConfigError> create(const StackDutConfig& config);

  std::string_view name() const override { return "hardstack"; }
  const DutIdentity& identity() const override { return identity_; }
  net::LinkType link_type() const override { return link_type_; }
  bool virtual_time() const override { return true; }
  bool to_dut(std::span<const std::byte> frame) override;
  std::optional<DutFrame> from_dut(net::Duration wait) override;
  void advance(net::Duration d) override;
  net::Instant now() const override { return clock_.current(); }

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

  // The stack itself, for what the wire cannot show: drop reasons, counters.
  net::Stack& stack() { return *stack_; }
  net::InterfaceId interface() const { return interface_; }
  socket::Sockets& sockets() { return *sockets_; }

 private:
  explicit StackDut(const StackDutConfig& config);
  // Polls the stack at the clock's time and stamps what it sent.
  void poll();
  // Runs every deadline up to `until`, stopping at the first frame sent when
  // `stop_at_frame`. Leaves the clock at the stop, else at `until`.
  void run_until(net::Instant until, bool stop_at_frame);

  DutIdentity identity_;
  net::LinkType link_type_;
  VirtualClock clock_;
  net::SeededEntropy entropy_;
  std::optional<CaptureDevice> device_;  // made once clock_ has its final address
  std::optional<net::Stack> stack_;
  std::optional<socket::Sockets> sockets_;
  net::InterfaceId interface_{};
  std::deque<DutFrame> outbox_;
};

}  // namespace hardstack::harness

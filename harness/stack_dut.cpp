#include "stack_dut.hpp"

#include <utility>

namespace hardstack::harness {

namespace {
// A stack whose deadline does not move after a poll at that deadline would
// spin: step time on by this much instead (it is a bug the run reports by
// getting slower, never by hanging).
constexpr net::Duration kStall = net::Duration::milliseconds(1);
}  // namespace

StackDut::StackDut(const StackDutConfig& config)
    : identity_(config.identity), link_type_(config.link_type), entropy_(config.seed) {}

Result<std::unique_ptr<StackDut>, net::ConfigError> StackDut::create(const StackDutConfig& config) {
  std::unique_ptr<StackDut> dut(new StackDut(config));
  CaptureDeviceConfig dc;
  dc.link_type = config.link_type;
  dc.mtu = config.identity.mtu;
  auto device = CaptureDevice::create(dc, dut->clock_);
  if (!device)
    return Unexpected(net::ConfigError{
        dc.mtu < 68 ? net::ConfigErrorCode::mtu_too_small_ipv4 : net::ConfigErrorCode::mtu_too_large, 0});
  dut->device_.emplace(std::move(device.value()));
  auto stack = net::Stack::create(config.stack, dut->entropy_);
  if (!stack) return Unexpected(stack.error());
  dut->stack_.emplace(std::move(stack.value()));
  auto sockets = socket::Sockets::create(*dut->stack_, dut->entropy_);
  if (!sockets) return Unexpected(sockets.error());
  dut->sockets_.emplace(std::move(sockets.value()));
  net::InterfaceConfig ic;
  ic.name = "dut0";
  if (config.link_type == net::LinkType::ethernet) ic.mac = config.identity.mac;
  auto id = dut->stack_->add_interface(*dut->device_, ic);
  if (!id) return Unexpected(id.error());
  dut->interface_ = *id;
  const auto& who = config.identity;
  if (who.ipv4) {
    if (auto r = dut->stack_->add_address(*id, *who.ipv4, who.ipv4_prefix); !r) return Unexpected(r.error());
  }
  if (who.ipv6) {
    if (auto r = dut->stack_->add_address(*id, *who.ipv6, who.ipv6_prefix); !r) return Unexpected(r.error());
  }
  // The stack forms its link-local address from the MAC (EUI-64): say which.
  if (!dut->identity_.ipv6_link_local) dut->identity_.ipv6_link_local = dut->stack_->link_local_address(*id);
  return dut;
}

void StackDut::poll() {
  stack_->poll(clock_.current());
  while (auto f = device_->take()) outbox_.push_back(DutFrame{std::move(*f), clock_.current()});
}

bool StackDut::to_dut(std::span<const std::byte> frame) {
  if (!device_->inject(frame)) return false;
  poll();
  return true;
}

void StackDut::run_until(net::Instant until, bool stop_at_frame) {
  for (;;) {
    if (stop_at_frame && !outbox_.empty()) return;
    net::Instant next = stack_->next_deadline();
    if (next > until) break;
    if (next <= clock_.current()) {
      poll();
      if (stack_->next_deadline() > clock_.current()) continue;
      next = clock_.current() + kStall;
      if (next > until) break;
    }
    clock_.set(next);
    poll();
  }
  if (stop_at_frame && !outbox_.empty()) return;
  if (until > clock_.current()) clock_.set(until);
  poll();
}

std::optional<DutFrame> StackDut::from_dut(net::Duration wait) {
  if (outbox_.empty()) run_until(clock_.current() + wait, true);
  if (outbox_.empty()) return std::nullopt;
  DutFrame f = std::move(outbox_.front());
  outbox_.pop_front();
  return f;
}

void StackDut::advance(net::Duration d) { run_until(clock_.current() + d, false); }

// Socket calls: the call, then a poll at the same instant so what it sent is
// stamped and waits in from_dut().
int StackDut::socket(int domain, int type, int protocol) { return sockets_->socket(domain, type, protocol); }
int StackDut::bind(int fd, const sockaddr* address, socklen_t length) {
  return sockets_->bind(fd, address, length);
}
int StackDut::connect(int fd, const sockaddr* address, socklen_t length) {
  const int r = sockets_->connect(fd, address, length);
  poll();
  return r;
}
int StackDut::listen(int fd, int backlog) { return sockets_->listen(fd, backlog); }
int StackDut::accept4(int fd, sockaddr* address, socklen_t* length, int flags) {
  return sockets_->accept4(fd, address, length, flags);
}
ssize_t StackDut::sendmsg(int fd, const msghdr* message, int flags) {
  const ssize_t r = sockets_->sendmsg(fd, message, flags);
  poll();
  return r;
}
ssize_t StackDut::recvmsg(int fd, msghdr* message, int flags) {
  return sockets_->recvmsg(fd, message, flags);
}
int StackDut::setsockopt(int fd, int level, int name, const void* value, socklen_t length) {
  const int r = sockets_->setsockopt(fd, level, name, value, length);
  poll();  // UDP_CORK off sends the corked datagram
  return r;
}
int StackDut::getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  return sockets_->getsockopt(fd, level, name, value, length);
}
int StackDut::getsockname(int fd, sockaddr* address, socklen_t* length) {
  return sockets_->getsockname(fd, address, length);
}
int StackDut::shutdown(int fd, int how) {
  const int r = sockets_->shutdown(fd, how);
  poll();
  return r;
}
int StackDut::close(int fd) {
  const int r = sockets_->close(fd);
  poll();
  return r;
}
short StackDut::wait_for(int fd, short events, net::Duration wait) {
  pollfd p{fd, events, 0};
  sockets_->poll(&p, 1);
  if (p.revents != 0) return p.revents;
  run_until(clock_.current() + wait, false);
  sockets_->poll(&p, 1);
  return p.revents;
}

}  // namespace hardstack::harness

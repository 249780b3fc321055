#include "dut.hpp"

#include <cerrno>

#include "hardstack/net/stack.hpp"

namespace hardstack::harness {

wire::Ipv6Address eui64_link_local(const wire::MacAddress& mac) { return net::eui64_link_local(mac); }

// A DUT without sockets answers ENOSYS to every call.
int Dut::socket(int, int, int) { return -ENOSYS; }
int Dut::bind(int, const sockaddr*, socklen_t) { return -ENOSYS; }
int Dut::connect(int, const sockaddr*, socklen_t) { return -ENOSYS; }
int Dut::listen(int, int) { return -ENOSYS; }
int Dut::accept4(int, sockaddr*, socklen_t*, int) { return -ENOSYS; }
ssize_t Dut::sendmsg(int, const msghdr*, int) { return -ENOSYS; }
ssize_t Dut::recvmsg(int, msghdr*, int) { return -ENOSYS; }
int Dut::setsockopt(int, int, int, const void*, socklen_t) { return -ENOSYS; }
int Dut::getsockopt(int, int, int, void*, socklen_t*) { return -ENOSYS; }
int Dut::getsockname(int, sockaddr*, socklen_t*) { return -ENOSYS; }
int Dut::shutdown(int, int) { return -ENOSYS; }
int Dut::close(int) { return -ENOSYS; }
short Dut::wait_for(int, short, net::Duration) { return POLLNVAL; }

ssize_t Dut::sendto(int fd, std::span<const std::byte> data, int flags, const sockaddr* to,
                    socklen_t to_length) {
  iovec v{const_cast<std::byte*>(data.data()), data.size()};
  msghdr m{};
  m.msg_name = const_cast<sockaddr*>(to);
  m.msg_namelen = to != nullptr ? to_length : 0;
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  return sendmsg(fd, &m, flags);
}

ssize_t Dut::recvfrom(int fd, std::span<std::byte> buffer, int flags, sockaddr* from,
                      socklen_t* from_length) {
  iovec v{buffer.data(), buffer.size()};
  msghdr m{};
  m.msg_name = from;
  m.msg_namelen = from != nullptr && from_length != nullptr ? *from_length : 0;
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  const ssize_t r = recvmsg(fd, &m, flags);
  if (r >= 0 && from_length != nullptr) *from_length = m.msg_namelen;
  return r;
}

}  // namespace hardstack::harness

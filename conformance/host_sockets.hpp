#pragma once

// One socket API, two implementations: the stack's socket::Sockets and the
// host kernel's real sockets. A scenario written once against SocketApi runs
// on both, so a test can assert that the stack answers every call as Linux
// does (SOCK-1, SOCK-2, SOCK-4, SOCK-5).
//
//   Outcome o = run(api, [](SocketApi& t) {
//     const int fd = t.open(AF_INET, SOCK_DGRAM, 0);
//     t.rec(t.bind(fd, ...));            // every recorded result is compared
//   });
//
// Results are recorded as Linux's syscalls return them, with -errno for an
// error: descriptors as 0 (they differ between the two), lengths and values
// as they are. Every descriptor a scenario opens is closed after it.

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "hardstack/socket/socket.hpp"

namespace hardstack::conformance {

class SocketApi {
 public:
  virtual ~SocketApi() = default;
  virtual int socket(int domain, int type, int protocol) = 0;
  virtual int bind(int fd, const sockaddr* a, socklen_t n) = 0;
  virtual int connect(int fd, const sockaddr* a, socklen_t n) = 0;
  virtual int listen(int fd, int backlog) = 0;
  virtual int accept4(int fd, sockaddr* a, socklen_t* n, int flags) = 0;
  virtual ssize_t sendto(int fd, const void* b, std::size_t n, int flags, const sockaddr* a,
                         socklen_t an) = 0;
  virtual ssize_t sendmsg(int fd, const msghdr* m, int flags) = 0;
  virtual ssize_t recvfrom(int fd, void* b, std::size_t n, int flags, sockaddr* a, socklen_t* an) = 0;
  virtual ssize_t recvmsg(int fd, msghdr* m, int flags) = 0;
  virtual int setsockopt(int fd, int level, int name, const void* v, socklen_t n) = 0;
  virtual int getsockopt(int fd, int level, int name, void* v, socklen_t* n) = 0;
  virtual int getsockname(int fd, sockaddr* a, socklen_t* n) = 0;
  virtual int getpeername(int fd, sockaddr* a, socklen_t* n) = 0;
  virtual int shutdown(int fd, int how) = 0;
  virtual int close(int fd) = 0;
  virtual int poll(pollfd* fds, nfds_t n) = 0;
  // Lets traffic on loopback be processed (the stack polls; the kernel already has).
  virtual void settle() {}
  virtual const char* name() const = 0;

  ssize_t send(int fd, const void* b, std::size_t n, int flags) {
    return sendto(fd, b, n, flags, nullptr, 0);
  }
  ssize_t recv(int fd, void* b, std::size_t n, int flags) {
    return recvfrom(fd, b, n, flags, nullptr, nullptr);
  }

  // Records a result.
  long rec(long r) {
    results.push_back(r);
    return r;
  }
  // socket() whose result is recorded as 0 / -errno; the descriptor is closed after the scenario.
  int open(int domain, int type, int protocol = 0) {
    const int fd = socket(domain, type, protocol);
    rec(fd < 0 ? fd : 0);
    if (fd >= 0) opened.push_back(fd);
    return fd;
  }
  // A value read with getsockopt as an int, recorded as the value or -errno.
  int get_int(int fd, int level, int name) {
    int v = -12345;
    socklen_t n = sizeof v;
    const int r = getsockopt(fd, level, name, &v, &n);
    rec(r < 0 ? r : v);
    if (r == 0) rec(static_cast<long>(n));
    return v;
  }
  // An option read, set to `v` and read again, each call recorded.
  void get_set_get(int fd, int level, int name, int v) {
    get_int(fd, level, name);
    set_int(fd, level, name, v);
    get_int(fd, level, name);
  }
  int set_int(int fd, int level, int name, int v) {
    return static_cast<int>(rec(setsockopt(fd, level, name, &v, sizeof v)));
  }
  // The port a socket is bound to (not recorded: it differs).
  std::uint16_t port_of(int fd) {
    sockaddr_storage ss{};
    socklen_t n = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &n) < 0) return 0;
    return ss.ss_family == AF_INET ? ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port)
                                   : ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  }
  short revents(int fd, short events) {
    pollfd p{fd, events, 0};
    settle();
    const int r = poll(&p, 1);
    return r < 0 ? static_cast<short>(r) : p.revents;
  }
  void close_all() {
    for (const int fd : opened) close(fd);
    opened.clear();
  }

  std::vector<long> results;
  std::vector<int> opened;
};

class StackSocketApi final : public SocketApi {
 public:
  StackSocketApi(socket::Sockets& s, net::Stack& stack) : s_(s), stack_(stack) {}
  int socket(int d, int t, int p) override { return after(s_.socket(d, t, p)); }
  int bind(int fd, const sockaddr* a, socklen_t n) override { return after(s_.bind(fd, a, n)); }
  int connect(int fd, const sockaddr* a, socklen_t n) override { return after(s_.connect(fd, a, n)); }
  int listen(int fd, int b) override { return after(s_.listen(fd, b)); }
  int accept4(int fd, sockaddr* a, socklen_t* n, int f) override { return after(s_.accept4(fd, a, n, f)); }
  ssize_t sendto(int fd, const void* b, std::size_t n, int f, const sockaddr* a, socklen_t an) override {
    return after(s_.sendto(fd, b, n, f, a, an));
  }
  ssize_t sendmsg(int fd, const msghdr* m, int f) override { return after(s_.sendmsg(fd, m, f)); }
  ssize_t recvfrom(int fd, void* b, std::size_t n, int f, sockaddr* a, socklen_t* an) override {
    return after(s_.recvfrom(fd, b, n, f, a, an));
  }
  ssize_t recvmsg(int fd, msghdr* m, int f) override { return after(s_.recvmsg(fd, m, f)); }
  int setsockopt(int fd, int l, int o, const void* v, socklen_t n) override {
    return after(s_.setsockopt(fd, l, o, v, n));
  }
  int getsockopt(int fd, int l, int o, void* v, socklen_t* n) override {
    return after(s_.getsockopt(fd, l, o, v, n));
  }
  int getsockname(int fd, sockaddr* a, socklen_t* n) override { return s_.getsockname(fd, a, n); }
  int getpeername(int fd, sockaddr* a, socklen_t* n) override { return s_.getpeername(fd, a, n); }
  int shutdown(int fd, int how) override { return after(s_.shutdown(fd, how)); }
  int close(int fd) override { return after(s_.close(fd)); }
  int poll(pollfd* fds, nfds_t n) override { return s_.poll(fds, n); }
  // The kernel answers loopback traffic before the call returns (an ICMP
  // error about a datagram included): a few polls do the same here.
  void settle() override {
    for (int i = 0; i < 4; ++i) stack_.poll(stack_.now());
  }
  const char* name() const override { return "stack"; }

 private:
  // Loopback traffic a call queued is processed before the next call, as the kernel does.
  template <class T>
  T after(T r) {
    settle();
    return r;
  }
  socket::Sockets& s_;
  net::Stack& stack_;
};

class HostSocketApi final : public SocketApi {
 public:
  int socket(int d, int t, int p) override { return e(::socket(d, t, p)); }
  int bind(int fd, const sockaddr* a, socklen_t n) override { return e(::bind(fd, a, n)); }
  int connect(int fd, const sockaddr* a, socklen_t n) override { return e(::connect(fd, a, n)); }
  int listen(int fd, int b) override { return e(::listen(fd, b)); }
  int accept4(int fd, sockaddr* a, socklen_t* n, int f) override { return e(::accept4(fd, a, n, f)); }
  ssize_t sendto(int fd, const void* b, std::size_t n, int f, const sockaddr* a, socklen_t an) override {
    return e(::sendto(fd, b, n, f | MSG_NOSIGNAL, a, an));
  }
  ssize_t sendmsg(int fd, const msghdr* m, int f) override { return e(::sendmsg(fd, m, f | MSG_NOSIGNAL)); }
  ssize_t recvfrom(int fd, void* b, std::size_t n, int f, sockaddr* a, socklen_t* an) override {
    return e(::recvfrom(fd, b, n, f, a, an));
  }
  ssize_t recvmsg(int fd, msghdr* m, int f) override { return e(::recvmsg(fd, m, f)); }
  int setsockopt(int fd, int l, int o, const void* v, socklen_t n) override {
    return e(::setsockopt(fd, l, o, v, n));
  }
  int getsockopt(int fd, int l, int o, void* v, socklen_t* n) override {
    return e(::getsockopt(fd, l, o, v, n));
  }
  int getsockname(int fd, sockaddr* a, socklen_t* n) override { return e(::getsockname(fd, a, n)); }
  int getpeername(int fd, sockaddr* a, socklen_t* n) override { return e(::getpeername(fd, a, n)); }
  int shutdown(int fd, int how) override { return e(::shutdown(fd, how)); }
  int close(int fd) override { return e(::close(fd)); }
  int poll(pollfd* fds, nfds_t n) override { return e(::poll(fds, n, 0)); }
  // ICMP about loopback traffic is handled in softirq context on the sending
  // CPU, normally before the send returns; a short pause covers the rest.
  void settle() override { ::usleep(2000); }
  const char* name() const override { return "host"; }

  // Descriptors the host gives: far from the small numbers the stack uses,
  // so a "bad descriptor" row uses a number neither has open.
  static constexpr int unused_fd = 987654;

 private:
  template <class T>
  static T e(T r) {
    return r < 0 ? static_cast<T>(-errno) : r;
  }
};

// "[0, -22, 5]": a scenario's results as the failure message shows them.
inline std::string to_text(const std::vector<long>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

}  // namespace hardstack::conformance

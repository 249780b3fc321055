// What the TCP benchmarks share: a host (a Stack with its Sockets on one
// device, with an IPv4 address), a fatal-error exit, peak RSS and the
// thread's CPU clock.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>

#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"

namespace hardstack::bench {

[[noreturn]] inline void die(const char* what, long error) {
  std::fprintf(stderr, "bench: %s: %s\n", what, std::strerror(static_cast<int>(-error)));
  std::exit(1);
}

// Peak resident set of the process, KiB (getrusage: Linux's ru_maxrss).
inline long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Current resident set, KiB (/proc/self/statm).
inline long rss_kib() {
  long pages = 0;
  long resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

inline double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

inline double wall_seconds() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// One host: a Stack on `device` with one IPv4 address (/24), and its Sockets.
struct Host {
  net::SeededEntropy entropy;
  net::Stack stack;
  socket::Sockets sockets;
  net::InterfaceId interface {};

  Host(std::uint64_t seed, net::Device& device, const wire::MacAddress& mac, const wire::Ipv4Address& address,
       const net::StackConfig& stack_config = {}, const socket::SocketConfig& socket_config = {})
      : entropy(seed),
        stack(make_stack(entropy, stack_config)),
        sockets(make_sockets(stack, entropy, socket_config)) {
    net::InterfaceConfig ic;
    ic.mac = mac;
    auto id = stack.add_interface(device, ic);
    if (!id) die("add_interface", -EINVAL);
    interface = *id;
    if (!stack.add_address(interface, address, 24)) die("add_address", -EINVAL);
  }
  // A non-blocking TCP listener on `port` of every IPv4 address.
  int listen_tcp(std::uint16_t port, int backlog) {
    const int fd = sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    if (const int r = sockets.bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at); r < 0)
      die("bind", r);
    if (const int r = sockets.listen(fd, backlog); r < 0) die("listen", r);
    return fd;
  }
  static net::Stack make_stack(net::Entropy& e, const net::StackConfig& config) {
    auto s = net::Stack::create(config, e);
    if (!s) die("Stack::create", -EINVAL);
    return std::move(s.value());
  }
  static socket::Sockets make_sockets(net::Stack& s, net::Entropy& e, const socket::SocketConfig& config) {
    auto r = socket::Sockets::create(s, e, config);
    if (!r) die("Sockets::create", -EINVAL);
    return std::move(r.value());
  }
};

}  // namespace hardstack::bench

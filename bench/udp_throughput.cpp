// UDP throughput through the socket API: two Stacks, each with its Sockets,
// joined by an in-memory Ethernet link (harness::MemoryLink), in one thread.
// Datagrams go from sendto() on stack A to recvfrom() on stack B (IPv4): the
// whole path, socket layer, UDP, IP output (fragmenting where the MTU asks),
// Ethernet, the link, Ethernet and IP input (reassembling), UDP demultiplexing
// and the receive queue. The same traffic then crosses Linux's loopback
// through the kernel's own non-blocking UDP sockets in the same run: the same
// sizes and counts, the sender sending a batch that fits the receiver's buffer
// and the receiver draining it before the next batch, so only delivered
// datagrams count. When the bench may make a network namespace of its own
// (root), the kernel's loopback there is set to each case's MTU, so Linux
// fragments and reassembles as the stack does; otherwise it runs on the host's
// loopback (MTU 65536: never fragmented), and says so.
//
//   - 64-byte datagrams, MTU 1500: datagrams/s        target >= 2,000,000
//   - 8 KiB datagrams, MTU 9000 (one frame each): Gbit/s of payload
//                                                     target >= 20
//   - 16 KiB datagrams, MTU 9000 (two fragments each, reassembled): Gbit/s
//                                                     target >= 20
//   - 8 KiB datagrams, MTU 1500 (six fragments each): Gbit/s (no target)
//
// Every datagram the stack sends must arrive whole (its length checked, its
// bytes compared every 256th): the run aborts otherwise, so a stack that drops
// cannot post a figure. Prints both figures and the ratio for each case, and
// PASS/FAIL against the targets (exit 1 on FAIL).
//
//   cmake --preset release -B build/release && cmake --build build/release --target bench_udp_throughput
//   build/release/bench/bench_udp_throughput
//
// `--stack-only` skips the kernel's runs and `--case N` runs the Nth case
// alone (for profiling the stack);
// `--cpu-time` times each run by the thread's CPU time instead of the wall
// clock (user + system: for a machine shared with other work, where the wall
// clock counts time the thread was not running).
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <time.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hardstack/harness/memory_link.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"

using namespace hardstack;

namespace {

constexpr wire::MacAddress mac_a{{0x02, 0, 0, 0, 0, 0x0a}};
constexpr wire::MacAddress mac_b{{0x02, 0, 0, 0, 0, 0x0b}};
const auto addr_a = *wire::Ipv4Address::from_string("192.0.2.1");
const auto addr_b = *wire::Ipv4Address::from_string("192.0.2.2");
constexpr std::uint16_t port_b = 9;

struct Case {
  const char* name;
  std::size_t payload;
  std::size_t mtu;
  std::uint64_t count;
  std::size_t batch;  // datagrams sent before the receiver drains its queue
  double target;      // datagrams/s (small) or Gbit/s (large); 0: none
  bool in_gbits;
};

constexpr Case cases[] = {
    {"64 B, MTU 1500", 64, 1500, 4'000'000, 32, 2e6, false},
    {"8 KiB, MTU 9000 (1 frame)", 8192, 9000, 600'000, 8, 20, true},
    {"16 KiB, MTU 9000 (2 fragments)", 16384, 9000, 300'000, 8, 20, true},
    {"8 KiB, MTU 1500 (6 fragments)", 8192, 1500, 300'000, 8, 0, true},
};

struct Outcome {
  std::uint64_t delivered = 0;
  double seconds = 0;
  std::uint64_t lost = 0;  // sent but never received (the kernel's loopback only)
};

bool use_cpu_time = false;

// Seconds on the chosen clock.
double clock_seconds() {
  if (use_cpu_time) {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void die(const char* what, long error) {
  std::fprintf(stderr, "bench_udp_throughput: %s: %s\n", what, std::strerror(static_cast<int>(-error)));
  std::exit(1);
}

std::vector<std::byte> pattern(std::size_t size) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((i * 7 + 3) & 0xff);
  return out;
}

// One host: a Stack on one end of the link, with its Sockets.
struct Host {
  net::SeededEntropy entropy;
  net::Stack stack;
  socket::Sockets sockets;
  net::InterfaceId interface {};

  Host(std::uint64_t seed, net::Device& device, const wire::MacAddress& mac, const wire::Ipv4Address& address)
      : entropy(seed), stack(make_stack(entropy)), sockets(make_sockets(stack, entropy)) {
    net::InterfaceConfig ic;
    ic.mac = mac;
    interface = stack.add_interface(device, ic).value();
    if (!stack.add_address(interface, address, 24)) die("add_address", -EINVAL);
  }
  static net::Stack make_stack(net::Entropy& e) {
    net::StackConfig config;
    config.poll_frame_budget = 1024;
    auto s = net::Stack::create(config, e);
    if (!s) die("Stack::create", -EINVAL);
    return std::move(s.value());
  }
  static socket::Sockets make_sockets(net::Stack& s, net::Entropy& e) {
    auto r = socket::Sockets::create(s, e);
    if (!r) die("Sockets::create", -EINVAL);
    return std::move(r.value());
  }
};

Outcome run_stack(const Case& c) {
  harness::VirtualClock clock(net::Instant::from_ns(1'000'000'000));
  harness::MemoryLinkConfig lc;
  lc.mtu = c.mtu;
  lc.queue_frames = 512;
  auto link = harness::MemoryLink::create(lc, clock);
  if (!link) die("MemoryLink::create", -EINVAL);
  Host a(1, link->a(), mac_a, addr_a);
  Host b(2, link->b(), mac_b, addr_b);

  const int tx = a.sockets.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const int rx = b.sockets.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (tx < 0 || rx < 0) die("socket", tx < 0 ? tx : rx);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port_b);
  std::memcpy(&to.sin_addr, addr_b.octets.data(), 4);
  if (const int r = b.sockets.bind(rx, reinterpret_cast<const sockaddr*>(&to), sizeof to); r < 0)
    die("bind", r);
  const int rcvbuf = 4 << 20;
  (void)b.sockets.setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  const auto data = pattern(c.payload);
  std::vector<std::byte> buffer(65536);
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  const auto send_one = [&] {
    const ssize_t n =
        a.sockets.sendto(tx, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    if (n != static_cast<ssize_t>(data.size())) die("sendto", n < 0 ? n : -EIO);
    ++sent;
  };
  const auto drain = [&] {
    for (;;) {
      const ssize_t n = b.sockets.recvfrom(rx, buffer.data(), buffer.size(), 0, nullptr, nullptr);
      if (n == -EAGAIN) return;
      if (n != static_cast<ssize_t>(data.size())) die("recvfrom", n < 0 ? n : -EIO);
      if ((delivered & 255) == 0 && std::memcmp(buffer.data(), data.data(), data.size()) != 0)
        die("recvfrom: payload differs", -EIO);
      ++delivered;
    }
  };
  // Both ends poll until the link is empty (ARP on the first datagram).
  const auto pump = [&] {
    do {
      b.stack.poll(clock.now());
      a.stack.poll(clock.now());
    } while (link->pending_to_a() != 0 || link->pending_to_b() != 0);
  };

  // Warm-up: ARP resolution, and queues grown to their working size.
  for (std::size_t i = 0; i < 10 * c.batch; ++i) {
    send_one();
    pump();
    drain();
  }
  sent = delivered = 0;

  const double t0 = clock_seconds();
  while (sent < c.count) {
    for (std::size_t i = 0; i < c.batch && sent < c.count; ++i) send_one();
    pump();
    drain();
    clock.advance(net::Duration::microseconds(1));
  }
  const double seconds = clock_seconds() - t0;
  if (delivered != sent) {
    std::fprintf(stderr,
                 "bench_udp_throughput: stack: %llu of %llu datagrams delivered (UDP drop: %s, IP: %s)\n",
                 static_cast<unsigned long long>(delivered), static_cast<unsigned long long>(sent),
                 b.sockets.last_drop() ? socket::to_string(*b.sockets.last_drop()) : "none",
                 b.stack.last_drop() ? net::to_string(*b.stack.last_drop()) : "none");
    std::exit(1);
  }
  return {delivered, seconds, 0};
}

// Whether Linux's side runs in a network namespace of the bench's own.
bool private_loopback = false;

// Sets this namespace's loopback to `mtu` and up; false when not allowed.
bool set_loopback(int mtu) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  ifr.ifr_mtu = mtu;
  bool ok = ::ioctl(fd, SIOCSIFMTU, &ifr) == 0;
  ifr.ifr_flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING;
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  ::close(fd);
  return ok;
}

Outcome run_kernel(const Case& c) {
  if (private_loopback && !set_loopback(static_cast<int>(c.mtu))) die("loopback MTU", -errno);
  const int tx = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const int rx = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (tx < 0 || rx < 0) die("socket (kernel)", -errno);
  const int big = 4 << 20;  // capped at net.core.rmem_max / wmem_max
  (void)::setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  (void)::setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(rx, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0) die("bind (kernel)", -errno);
  socklen_t length = sizeof to;
  if (::getsockname(rx, reinterpret_cast<sockaddr*>(&to), &length) < 0) die("getsockname", -errno);

  const auto data = pattern(c.payload);
  std::vector<std::byte> buffer(65536);
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  // One batch, then drain: what is not received by then was dropped (each
  // round starts with an empty queue).
  const auto round = [&](std::uint64_t goal) {
    for (std::size_t i = 0; i < c.batch && delivered + i < goal; ++i) {
      const ssize_t n =
          ::sendto(tx, data.data(), data.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
      if (n < 0 && errno == EAGAIN) break;  // the send buffer is full: drain first
      if (n != static_cast<ssize_t>(data.size())) die("sendto (kernel)", -errno);
      ++sent;
    }
    for (;;) {
      const ssize_t n = ::recv(rx, buffer.data(), buffer.size(), 0);
      if (n < 0 && errno == EAGAIN) return;
      if (n != static_cast<ssize_t>(data.size())) die("recv (kernel)", -errno);
      ++delivered;
    }
  };
  for (std::size_t i = 0; i < 10; ++i) round(10 * c.batch);
  sent = delivered = 0;
  const double t0 = clock_seconds();
  while (delivered < c.count) round(c.count);
  const double seconds = clock_seconds() - t0;
  ::close(tx);
  ::close(rx);
  return {delivered, seconds, sent - delivered};
}

double rate(const Case& c, const Outcome& o) {
  const double per_second = static_cast<double>(o.delivered) / o.seconds;
  return c.in_gbits ? per_second * static_cast<double>(c.payload) * 8 / 1e9 : per_second;
}

}  // namespace

int main(int argc, char** argv) {
  bool stack_only = false;
  int only = -1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--case") == 0 && i + 1 < argc) {
      only = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--stack-only") == 0) {
      stack_only = true;
    } else if (std::strcmp(argv[i], "--cpu-time") == 0) {
      use_cpu_time = true;
    } else {
      std::fprintf(stderr, "usage: bench_udp_throughput [--stack-only] [--cpu-time] [--case N]\n");
      return 2;
    }
  }
  bool ok = true;
  // A namespace of its own (root only): Linux's loopback can take each case's MTU there.
  if (!stack_only && ::unshare(CLONE_NEWNET) == 0) private_loopback = set_loopback(65536);
  if (!stack_only && !private_loopback)
    std::printf(
        "Linux runs on the host's loopback (MTU 65536, no fragmentation): not root, or no namespaces\n");
  for (int n = 0; n < static_cast<int>(std::size(cases)); ++n) {
    if (only >= 0 && n != only) continue;
    const Case& c = cases[n];
    const Outcome s = run_stack(c);
    const Outcome k = stack_only ? Outcome{1, 1, 0} : run_kernel(c);
    const double rs = rate(c, s);
    const double rk = rate(c, k);
    const bool pass = c.target == 0 || rs >= c.target;
    ok = ok && pass;
    const char* unit = c.in_gbits ? "Gbit/s" : "M datagrams/s";
    const double scale = c.in_gbits ? 1 : 1e6;
    std::printf("%-32s %llu datagrams: hardstack %7.2f %s, Linux loopback%s %7.2f %s (%llu lost), ratio %.2f",
                c.name, static_cast<unsigned long long>(c.count), rs / scale, unit,
                private_loopback ? " (same MTU)" : "", rk / scale, unit,
                static_cast<unsigned long long>(k.lost), rs / rk);
    if (c.target != 0)
      std::printf("  (target %.2f) %s\n", c.target / scale, pass ? "PASS" : "FAIL");
    else
      std::printf("\n");
  }
  return ok ? 0 : 1;
}

// TCP bulk transfer through the socket API: two Stacks, each with its
// Sockets, joined by an in-memory Ethernet link (harness::MemoryLink, MTU
// 1500) in one thread. send() on stack A to recv() on stack B over IPv4 with
// SACK and timestamps on (the defaults): socket layer, TCP output, IP,
// Ethernet, the link, and back up to the receive queue, with the ACKs the
// other way. Virtual time moves 1 us per round and jumps to the next timer
// when nothing else can happen (a lost frame waiting for its retransmission
// timeout), so the figures are CPU work per byte, not link timing.
//
//   - loss-free: Gbit/s of payload                       target >= 10
//   - 1% of frames lost at random, both directions (MemoryLink's loss from a
//     seeded Entropy): Gbit/s, and its share of the loss-free figure
//                                                         target >= 60%
//   - the same transfer over Linux's loopback TCP (kernel sockets, same
//     thread, MTU 65536): Gbit/s, and the stack's ratio to it
//
// Every byte received is compared with what was sent; the run aborts on a
// difference or a stall. Times are wall-clock; the thread's CPU time is
// printed beside them (for a machine shared with other work).
//
//   cmake --preset release -B build/release && cmake --build build/release --target bench_tcp_bulk
//   build/release/bench/bench_tcp_bulk [--bytes N] [--stack-only] [--loss-only] [--loss-free-only]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "bench_host.hpp"
#include "hardstack/harness/memory_link.hpp"
#include "hardstack/harness/virtual_clock.hpp"

using namespace hardstack;
using bench::die;

namespace {

constexpr wire::MacAddress mac_a{{0x02, 0, 0, 0, 0, 0x0a}};
constexpr wire::MacAddress mac_b{{0x02, 0, 0, 0, 0, 0x0b}};
const auto addr_a = *wire::Ipv4Address::from_string("192.0.2.1");
const auto addr_b = *wire::Ipv4Address::from_string("192.0.2.2");
constexpr std::uint16_t port_b = 5001;
constexpr std::size_t chunk = 256 * 1024;  // per send() / recv()
constexpr std::size_t period = 1'000'003;  // the data repeats with this period (not a multiple of any MSS)

// The bytes of the transfer: byte i is pattern[i % period]; pattern is long
// enough that any chunk starting below `period` is contiguous.
std::vector<std::byte> make_pattern() {
  std::vector<std::byte> p(period + chunk);
  std::uint64_t x = 12345;
  for (std::size_t i = 0; i < period; ++i) {
    x = (x * 1103515245u + 12345u) & 0xffffffffu;
    p[i] = static_cast<std::byte>(x >> 23);
  }
  std::copy(p.begin(), p.begin() + chunk, p.begin() + period);
  return p;
}

struct Outcome {
  std::uint64_t bytes = 0;
  double wall = 0;
  double cpu = 0;
  double gbits() const { return static_cast<double>(bytes) * 8 / wall / 1e9; }
  double cpu_gbits() const { return static_cast<double>(bytes) * 8 / cpu / 1e9; }
  // Stack runs only.
  std::uint64_t frames_lost = 0;
  socket::TcpStats sender;
  socket::TcpStats receiver;
};

// Moves `total` bytes of the pattern: each round, `send` as much as it takes
// (each call returns bytes or -errno, -EAGAIN when full), `between`, `recv`
// everything there is (checked against the pattern), then `after(moved)`,
// `moved` false when the round sent and received nothing. Times the loop.
template <typename Send, typename Recv, typename Between, typename After>
Outcome transfer(std::uint64_t total, const std::vector<std::byte>& pattern, Send send, Recv recv,
                 Between between, After after) {
  std::vector<std::byte> buffer(chunk);
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  const double wall0 = bench::wall_seconds();
  const double cpu0 = bench::thread_cpu_seconds();
  while (received < total) {
    const std::uint64_t before = sent + received;
    while (sent < total) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, total - sent));
      const ssize_t r = send(pattern.data() + sent % period, n);
      if (r == -EAGAIN) break;
      if (r <= 0) die("send", r);
      sent += static_cast<std::uint64_t>(r);
    }
    between();
    for (;;) {
      const ssize_t r = recv(buffer.data(), buffer.size());
      if (r == -EAGAIN) break;
      if (r <= 0) die("recv", r == 0 ? -EPIPE : r);
      if (std::memcmp(buffer.data(), pattern.data() + received % period, static_cast<std::size_t>(r)) != 0)
        die("recv: the bytes differ from those sent", -EIO);
      received += static_cast<std::uint64_t>(r);
    }
    after(sent + received != before);
  }
  Outcome o;
  o.wall = bench::wall_seconds() - wall0;
  o.cpu = bench::thread_cpu_seconds() - cpu0;
  o.bytes = received;
  return o;
}

sockaddr_in v4(const wire::Ipv4Address& a, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  std::memcpy(&sin.sin_addr, a.octets.data(), 4);
  return sin;
}

Outcome run_stack(std::uint64_t total, std::uint32_t loss_ppm, const std::vector<std::byte>& pattern) {
  harness::VirtualClock clock(net::Instant::from_ns(1'000'000'000));
  net::SeededEntropy link_entropy(99);
  harness::MemoryLinkConfig lc;
  lc.mtu = 1500;
  // More than a window of segments (SO_RCVBUF 128 KiB: 91 of 1448 bytes), so
  // the queue never refuses one; as few as that, as a NIC's ring.
  lc.queue_frames = 256;
  lc.a_to_b.loss_ppm = loss_ppm;
  lc.b_to_a.loss_ppm = loss_ppm;
  auto link = harness::MemoryLink::create(lc, clock, &link_entropy);
  if (!link) die("MemoryLink::create", -EINVAL);
  net::StackConfig sc;
  sc.poll_frame_budget = 4096;
  bench::Host a(1, link->a(), mac_a, addr_a, sc);
  bench::Host b(2, link->b(), mac_b, addr_b, sc);

  const int listener = b.listen_tcp(port_b, 8);
  const auto at = v4(addr_b, port_b);
  a.stack.poll(clock.now());  // connect() stamps its SYN with the time of the last poll
  const int tx = a.sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (const int r = a.sockets.connect(tx, reinterpret_cast<const sockaddr*>(&at), sizeof at);
      r != -EINPROGRESS)
    die("connect", r);
  int rx = -EAGAIN;
  for (int i = 0; i < 100 && rx == -EAGAIN; ++i) {
    clock.advance(net::Duration::milliseconds(1));
    b.stack.poll(clock.now());
    a.stack.poll(clock.now());
    rx = b.sockets.accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
  }
  if (rx < 0) die("accept", rx);

  Outcome o = transfer(
      total, pattern, [&](const std::byte* data, std::size_t n) { return a.sockets.send(tx, data, n, 0); },
      [&](std::byte* data, std::size_t n) { return b.sockets.recv(rx, data, n, 0); },
      [&] { b.stack.poll(clock.now()); },
      [&](bool moved) {
        a.stack.poll(clock.now());
        if (moved || link->pending_to_a() != 0 || link->pending_to_b() != 0) {
          clock.advance(net::Duration::microseconds(1));
          return;
        }
        // Only a timer can move things now (a retransmission timeout, a delayed ACK).
        const net::Instant next = std::min(a.stack.next_deadline(), b.stack.next_deadline());
        if (next == net::Instant::never()) die("stalled: nothing in flight and no timer", -EIO);
        clock.set(std::max(next, clock.now()));
      });
  o.frames_lost = link->a_to_b().lost + link->b_to_a().lost;
  for (std::size_t r = 0; r < static_cast<std::size_t>(socket::TransportDropReason::count_); ++r) {
    const auto reason = static_cast<socket::TransportDropReason>(r);
    for (const auto* h : {&a, &b})
      if (h->sockets.drops(reason) != 0)
        std::printf("  %s drop %s: %llu\n", h == &a ? "sender" : "receiver", socket::to_string(reason),
                    static_cast<unsigned long long>(h->sockets.drops(reason)));
  }
  std::printf("  link refused %llu frames (queue full)\n",
              static_cast<unsigned long long>(link->a_to_b().queue_full + link->b_to_a().queue_full));
  o.sender = a.sockets.tcp_stats();
  o.receiver = b.sockets.tcp_stats();
  return o;
}

Outcome run_kernel(std::uint64_t total, const std::vector<std::byte>& pattern) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in at = v4(*wire::Ipv4Address::from_string("127.0.0.1"), 0);
  socklen_t length = sizeof at;
  if (listener < 0 || ::bind(listener, reinterpret_cast<const sockaddr*>(&at), sizeof at) < 0 ||
      ::listen(listener, 8) < 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&at), &length) < 0)
    die("kernel listener", -errno);
  const int tx = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (::connect(tx, reinterpret_cast<const sockaddr*>(&at), sizeof at) < 0 && errno != EINPROGRESS)
    die("kernel connect", -errno);
  const int rx = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
  if (rx < 0) die("kernel accept", -errno);
  const auto errno_of = [](ssize_t r) { return r < 0 ? static_cast<ssize_t>(-errno) : r; };
  Outcome o = transfer(
      total, pattern,
      [&](const std::byte* data, std::size_t n) { return errno_of(::send(tx, data, n, MSG_NOSIGNAL)); },
      [&](std::byte* data, std::size_t n) { return errno_of(::recv(rx, data, n, 0)); }, [] {}, [](bool) {});
  ::close(tx);
  ::close(rx);
  ::close(listener);
  return o;
}

void print_stack(const char* name, const Outcome& o) {
  std::printf(
      "%-34s %7.2f Gbit/s (%llu MB in %.3f s; CPU %.3f s, %.2f Gbit/s per CPU second); %llu frames lost, "
      "%llu segments retransmitted (%llu fast retransmits, %llu timeouts)\n",
      name, o.gbits(), static_cast<unsigned long long>(o.bytes / 1000000), o.wall, o.cpu, o.cpu_gbits(),
      static_cast<unsigned long long>(o.frames_lost), static_cast<unsigned long long>(o.sender.retrans_segs),
      static_cast<unsigned long long>(o.sender.fast_retransmits),
      static_cast<unsigned long long>(o.sender.timeouts));
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t bytes = 2'000'000'000;
  bool stack_only = false;
  bool loss = true;
  bool loss_free = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--stack-only") {
      stack_only = true;
    } else if (a == "--loss-only") {
      loss_free = false;
    } else if (a == "--loss-free-only") {
      loss = false;
    } else if (a == "--bytes" && i + 1 < argc) {
      bytes = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--bytes N] [--stack-only] [--loss-only] [--loss-free-only]\n",
                   argv[0]);
      return 2;
    }
  }
  const auto pattern = make_pattern();
  bool ok = true;
  Outcome clean;
  if (loss_free) {
    clean = run_stack(bytes, 0, pattern);
    print_stack("stack, loss-free:", clean);
    const bool pass = clean.gbits() >= 10;
    std::printf("  target >= 10 Gbit/s: %s\n", pass ? "PASS" : "FAIL");
    ok = ok && pass;
  }
  if (loss) {
    const Outcome lossy = run_stack(bytes / 4, 10'000, pattern);
    print_stack("stack, 1% loss both ways:", lossy);
    if (loss_free) {
      const double share = lossy.gbits() / clean.gbits();
      const bool pass = share >= 0.6;
      std::printf("  %.0f%% of loss-free (target >= 60%%): %s\n", share * 100, pass ? "PASS" : "FAIL");
      ok = ok && pass;
    }
  }
  if (!stack_only) {
    const Outcome kernel = run_kernel(bytes, pattern);
    std::printf("%-34s %7.2f Gbit/s (%llu MB in %.3f s; CPU %.3f s)\n", "Linux loopback TCP:", kernel.gbits(),
                static_cast<unsigned long long>(kernel.bytes / 1000000), kernel.wall, kernel.cpu);
    if (loss_free) std::printf("  stack / Linux loopback: %.2f\n", clean.gbits() / kernel.gbits());
  }
  return ok ? 0 : 1;
}

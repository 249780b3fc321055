// 100,000 concurrent established, idle TCP connections in one stack: what
// each costs in memory. The benchmark plays 100,000 Linux-like clients (one
// address each, 10.0.0.0/8 behind the stack's gateway): each sends its SYN,
// the stack answers with a SYN-ACK, the client ACKs, and the server accepts the
// connection (one descriptor each). Only the server stack holds state
// (bench/tcp_peers.hpp), so the process's memory growth is the stack's.
//
//   - RSS growth / connections                         target <= 1 KiB
//   - heap growth / connections (operator new counted: usable size plus the
//     allocator's 8-byte chunk header)                 target <= 1 KiB
//   - sizeof(Socket) + sizeof(TcpConnection), and what the tables add
//   - then two idle hours of virtual time: the stack sends nothing (no
//     keepalive by default) and its memory does not grow
//
//   cmake --preset release -B build/release && cmake --build build/release --target bench_tcp_idle
//   build/release/bench/bench_tcp_idle [--connections N]
#include <arpa/inet.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "bench_host.hpp"
#include "hardstack/harness/builders.hpp"
#include "hardstack/transport/tcp.hpp"
#include "heap_count.hpp"
#include "tcp_peers.hpp"

using namespace hardstack;

namespace {

using bench::die;

constexpr wire::MacAddress our_mac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr wire::MacAddress gateway_mac{{0x02, 0, 0, 0, 0, 0xfe}};
const auto our_address = *wire::Ipv4Address::from_string("192.0.2.1");
const auto gateway = *wire::Ipv4Address::from_string("192.0.2.254");
constexpr std::uint16_t server_port = 80;

wire::Ipv4Address client_address(std::uint32_t i) {
  const std::uint32_t a = 0x0a000001u + i;  // 10.0.0.1 on
  return wire::Ipv4Address{{static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                            static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)}};
}

}  // namespace

int main(int argc, char** argv) {
  std::uint32_t connections = 100'000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--connections" && i + 1 < argc) {
      connections = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: %s [--connections N]\n", argv[0]);
      return 2;
    }
  }

  bench::PeerWire wire;
  socket::SocketConfig sc;
  sc.max_sockets = connections + 16;
  bench::Host server(1, wire, our_mac, our_address, {}, sc);
  if (!server.stack.set_default_gateway(gateway)) die("set_default_gateway", -EINVAL);
  net::Instant now = net::Instant::from_ns(1'000'000'000);
  // The gateway makes itself known (the stack learns its MAC from the request).
  const std::vector<std::byte> hello = harness::eth(gateway_mac, wire::MacAddress::broadcast()) /
                                       harness::arp_request(gateway_mac, gateway, our_address);
  server.stack.input(server.interface, hello, now);

  const int listener = server.listen_tcp(server_port, 4096);

  bench::SegmentFrame frame(gateway_mac, our_mac, our_address);
  std::uint32_t accepted = 0;
  const auto accept_all = [&] {
    for (int fd; (fd = server.sockets.accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) ++accepted;
  };
  // One connection first, so that every one-time allocation (table buckets,
  // the descriptor table's first growth) is in the baseline as far as possible.
  const auto open_one = [&](std::uint32_t i) {
    const wire::Ipv4Address peer = client_address(i);
    const auto port = static_cast<std::uint16_t>(32768 + i % 28000);
    const std::uint32_t tsval = static_cast<std::uint32_t>(now.ns() / 1'000'000);
    wire.last_syn_ack.reset();
    server.stack.input(
        server.interface,
        frame.build(peer,
                    bench::linux_syn(port, server_port,
                                     static_cast<std::uint32_t>(std::uint64_t{i} * 2654435761u), tsval)),
        now);
    if (!wire.last_syn_ack || wire.last_syn_ack->peer != peer) die("no SYN-ACK", -EPROTO);
    server.stack.input(server.interface,
                       frame.build(peer, bench::third_ack(*wire.last_syn_ack, server_port, tsval)), now);
    now += net::Duration::microseconds(10);
  };
  open_one(0);
  accept_all();
  malloc_trim(0);
  const long rss0 = bench::rss_kib();
  const std::int64_t heap0 = bench::heap.bytes;
  const std::int64_t blocks0 = bench::heap.blocks;
  const double t0 = bench::wall_seconds();
  for (std::uint32_t i = 1; i < connections; ++i) {
    open_one(i);
    if ((i & 63) == 0) {
      accept_all();
      server.stack.poll(now);
    }
  }
  accept_all();
  const double seconds = bench::wall_seconds() - t0;
  const long rss1 = bench::rss_kib();
  const std::int64_t heap1 = bench::heap.bytes;
  const std::int64_t blocks1 = bench::heap.blocks;
  const std::uint32_t added = connections - 1;

  // Two idle hours: nothing to send, nothing to grow.
  const std::uint64_t segments_before_idle = wire.segments;
  for (int s = 0; s < 7200; ++s) {
    now += net::Duration::seconds(1);
    server.stack.poll(now);
  }
  const long rss2 = bench::rss_kib();
  const std::int64_t heap2 = bench::heap.bytes;
  const std::uint64_t idle_segments = wire.segments - segments_before_idle;

  const double rss_each = static_cast<double>(rss1 - rss0) * 1024 / added;
  const double heap_each = static_cast<double>(heap1 - heap0) / added;
  const bool all_open = accepted == connections && server.sockets.open_sockets() == connections + 1;
  const bool rss_ok = rss_each <= 1024;
  const bool heap_ok = heap_each <= 1024;
  const bool idle_ok = heap2 <= heap1 && idle_segments == 0;
  std::printf("%u connections established and accepted in %.2f s (%.0f per second): %s\n", accepted, seconds,
              added / seconds, all_open ? "PASS" : "FAIL");
  std::printf("RSS %ld KiB -> %ld KiB: %.0f bytes per connection (target <= 1024): %s\n", rss0, rss1,
              rss_each, rss_ok ? "PASS" : "FAIL");
  std::printf(
      "heap %.1f MiB -> %.1f MiB in %lld blocks: %.0f bytes and %.2f blocks per connection (target <= 1024): "
      "%s\n",
      static_cast<double>(heap0) / 1048576, static_cast<double>(heap1) / 1048576,
      static_cast<long long>(blocks1), heap_each, static_cast<double>(blocks1 - blocks0) / added,
      heap_ok ? "PASS" : "FAIL");
  std::printf(
      "sizeof(Socket) %zu + sizeof(TcpConnection) %zu = %zu bytes; the rest is the connection table, the "
      "descriptor table and allocator headers\n",
      sizeof(socket::Socket), sizeof(transport::TcpConnection),
      sizeof(socket::Socket) + sizeof(transport::TcpConnection));
  std::printf("two idle hours: %llu TCP segments sent, heap %+lld bytes, RSS %ld KiB: %s\n",
              static_cast<unsigned long long>(idle_segments), static_cast<long long>(heap2 - heap1), rss2,
              idle_ok ? "PASS" : "FAIL");
  return all_open && rss_ok && heap_ok && idle_ok ? 0 : 1;
}

// SYN flood: 1,000,000 SYNs from random sources (random IPv4 addresses behind
// the stack's gateway, random ports and ISNs) at a listener with a backlog of
// 128, as Ethernet frames given to Stack::input() as the device would; virtual
// time moves 50 us per SYN (50 s in all), so SYN-ACK retransmissions and
// give-ups run during the flood. Halfway through, a legitimate client opens a
// connection: its SYN is answered with a SYN cookie (the SYN queue is full of
// flood connections), its ACK carries 5 bytes of data; the server must accept
// the connection, read those bytes and answer, and the client must see the
// answer. bench/tcp_peers.hpp plays every peer.
//
//   - SYNs per second through the stack
//   - memory bounded: the stack's heap at its peak and at the end, and the
//     process's peak RSS                               target: RSS < 64 MiB
//   - the legitimate connection completes              target: yes
//
//   cmake --preset release -B build/release && cmake --build build/release --target bench_tcp_synflood
//   build/release/bench/bench_tcp_synflood
#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "bench_host.hpp"
#include "hardstack/harness/builders.hpp"
#include "heap_count.hpp"
#include "tcp_peers.hpp"

using namespace hardstack;
using bench::die;

namespace {

constexpr std::uint32_t flood_syns = 1'000'000;
constexpr std::uint32_t legit_at = flood_syns / 2;
constexpr long rss_limit_kib = 64 * 1024;
constexpr int backlog = 128;
constexpr wire::MacAddress our_mac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr wire::MacAddress gateway_mac{{0x02, 0, 0, 0, 0, 0xfe}};
const auto our_address = *wire::Ipv4Address::from_string("192.0.2.1");
const auto gateway = *wire::Ipv4Address::from_string("192.0.2.254");
const auto legit_address = *wire::Ipv4Address::from_string("198.51.100.7");
constexpr std::uint16_t legit_port = 40000;
constexpr std::uint16_t server_port = 80;

}  // namespace

int main() {
  bench::PeerWire wire;
  bench::Host server(1, wire, our_mac, our_address);
  if (!server.stack.set_default_gateway(gateway)) die("set_default_gateway", -EINVAL);
  net::Instant now = net::Instant::from_ns(1'000'000'000);
  // The gateway makes itself known, and answers the stack's ARP probes.
  const std::vector<std::byte> hello = harness::eth(gateway_mac, wire::MacAddress::broadcast()) /
                                       harness::arp_request(gateway_mac, gateway, our_address);
  const std::vector<std::byte> is_at =
      harness::eth(gateway_mac, our_mac) / harness::arp_reply(gateway_mac, gateway, our_mac, our_address);
  server.stack.input(server.interface, hello, now);
  std::uint64_t arp_answered = 0;

  const int listener = server.listen_tcp(server_port, backlog);

  bench::SegmentFrame frame(gateway_mac, our_mac, our_address);
  net::SeededEntropy rng(1234);
  const std::int64_t heap0 = bench::heap.bytes;
  bool legit_answered = false;
  bool legit_accepted = false;
  bool legit_read = false;
  std::uint64_t data_segments_to_legit = 0;
  const double t0 = bench::wall_seconds();
  for (std::uint32_t n = 0; n < flood_syns; ++n) {
    now += net::Duration::microseconds(50);
    // A unicast address outside 0/8, 127/8 and 224/3 (never a martian source).
    std::uint32_t a = rng.next_u32();
    while ((a >> 24) == 0 || (a >> 24) == 127 || (a >> 24) >= 224) a = rng.next_u32();
    const wire::Ipv4Address source{{static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                                    static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)}};
    const auto port = static_cast<std::uint16_t>(1024 + rng.uniform(64512));
    server.stack.input(
        server.interface,
        frame.build(source, bench::linux_syn(port, server_port, rng.next_u32(), rng.next_u32())), now);
    if ((n & 1023) == 0) server.stack.poll(now);
    if (wire.arp_requests != arp_answered) {
      arp_answered = wire.arp_requests;
      server.stack.input(server.interface, is_at, now);
    }

    if (n == legit_at) {
      // The legitimate client: SYN, then the third segment with 5 bytes of data.
      wire.last_syn_ack.reset();
      const std::uint32_t tsval = static_cast<std::uint32_t>(now.ns() / 1'000'000);
      server.stack.input(server.interface,
                         frame.build(legit_address, bench::linux_syn(legit_port, server_port, 777, tsval)),
                         now);
      legit_answered = wire.last_syn_ack && wire.last_syn_ack->peer == legit_address;
      if (legit_answered) {
        wire::TcpRepr ack = bench::third_ack(*wire.last_syn_ack, server_port, tsval);
        ack.flags |= wire::TcpFlags(wire::TcpFlag::psh);
        const char hello_data[] = "hello";
        ack.payload_len = 5;
        server.stack.input(server.interface,
                           frame.build(legit_address, ack, std::as_bytes(std::span(hello_data).first(5))),
                           now);
      }
      const int fd = server.sockets.accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
      legit_accepted = fd >= 0;
      if (legit_accepted) {
        char got[16] = {};
        legit_read = server.sockets.recv(fd, got, sizeof got, 0) == 5 && std::memcmp(got, "hello", 5) == 0;
        wire.watched = legit_address;
        if (server.sockets.send(fd, "world", 5, 0) != 5) die("send", -EIO);
        data_segments_to_legit = wire.watched_data_segments;
      }
    }
  }
  const double seconds = bench::wall_seconds() - t0;
  const auto& st = server.sockets.tcp_stats();
  const long rss = bench::peak_rss_kib();
  const bool completed = legit_answered && legit_accepted && legit_read && data_segments_to_legit == 1;
  const bool rss_ok = rss < rss_limit_kib;
  std::printf(
      "%u SYNs at %.2f M SYNs/s (%.1f s of virtual time); %llu SYN-ACKs sent, %llu of them SYN cookies (the "
      "SYN queue holds backlog + 1 = %d, as Linux's); %llu passive opens\n",
      flood_syns, flood_syns / seconds / 1e6, flood_syns * 50e-6,
      static_cast<unsigned long long>(wire.syn_acks), static_cast<unsigned long long>(st.syncookies_sent),
      backlog + 1, static_cast<unsigned long long>(st.passive_opens));
  std::printf(
      "stack heap: %.1f KiB before, peak %.1f KiB, %.1f KiB after; peak RSS %ld KiB (limit %ld KiB): %s\n",
      static_cast<double>(heap0) / 1024, static_cast<double>(bench::heap.peak_bytes) / 1024,
      static_cast<double>(bench::heap.bytes) / 1024, rss, rss_limit_kib, rss_ok ? "PASS" : "FAIL");
  std::printf(
      "legitimate connection amid the flood: SYN-ACK %s, accepted %s, its 5 bytes read %s, the answer "
      "sent %s (cookies validated %llu, failed %llu): %s\n",
      legit_answered ? "yes" : "no", legit_accepted ? "yes" : "no", legit_read ? "yes" : "no",
      data_segments_to_legit == 1 ? "yes" : "no", static_cast<unsigned long long>(st.syncookies_recv),
      static_cast<unsigned long long>(st.syncookies_failed), completed ? "PASS" : "FAIL");
  for (std::size_t r = 0; r < net::drop_reason_count; ++r) {
    const auto reason = static_cast<net::DropReason>(r);
    if (server.stack.drops(reason) != 0)
      std::printf("  stack drop %s: %llu\n", net::to_string(reason),
                  static_cast<unsigned long long>(server.stack.drops(reason)));
  }
  return completed && rss_ok ? 0 : 1;
}

// TCP's buffers: the byte ring (in-order data, out-of-order data written in
// place past it, wrap-around, growth keeping both), the pool rings give their
// buffers to, and a transfer over a lossy, reordering link whose receiver
// reassembles out-of-order segments in place.
#include <arpa/inet.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <numeric>
#include <vector>

#include "hardstack/harness/memory_link.hpp"
#include "hardstack/harness/print.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/transport/tcp.hpp"

using namespace hardstack;
using transport::BufferPool;
using transport::ByteRing;

namespace {

std::vector<std::byte> counting(std::size_t n, unsigned from = 0) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((from + i) & 0xff);
  return v;
}

std::vector<std::byte> read(const ByteRing& r, std::size_t offset, std::size_t n) {
  std::vector<std::byte> v(n);
  r.copy_out(offset, v.data(), n);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ring_wraps_and_gives_contiguous_spans_only_where_the_bytes_are_in_one_piece) {
  BufferPool pool;
  ByteRing r;
  const auto a = counting(3000);
  r.append(a.data(), a.size(), pool);
  BOOST_TEST(r.capacity() == 4096u);  // the first buffer: 4 KiB
  r.consume(2000);
  const auto b = counting(2000, 3000);
  r.append(b.data(), b.size(), pool);  // 1000 + 2000 bytes: wraps past 4096
  BOOST_TEST(r.capacity() == 4096u);
  BOOST_TEST(r.size() == 3000u);
  BOOST_TEST(read(r, 0, 3000) == counting(3000, 2000));
  BOOST_TEST(r.contiguous(0, 2096).size() == 2096u);  // 2000..4095 of the buffer
  BOOST_TEST(r.contiguous(0, 2097).empty());          // one byte more wraps
  BOOST_TEST(r.contiguous(2096, 904).size() == 904u);
  BOOST_TEST(std::memcmp(r.contiguous(2096, 904).data(), counting(904, 4096).data(), 904) == 0);
}

BOOST_AUTO_TEST_CASE(bytes_written_past_the_end_count_once_committed_and_survive_growth_and_wrap) {
  BufferPool pool;
  ByteRing r;
  const auto a = counting(3500);
  r.append(a.data(), a.size(), pool);
  r.consume(3000);  // head at 3000 of 4096: what follows wraps
  // Out of order: 1000 bytes at offset 1500 (500 in order + a hole of 1000).
  const auto ooo = counting(1000, 5000);
  r.write_at(1500, ooo.data(), ooo.size(), 500, pool);
  BOOST_TEST(r.size() == 500u);
  // More out of order, far enough to need a bigger buffer: the earlier bytes move with it.
  const auto far = counting(3000, 9000);
  r.write_at(5000, far.data(), far.size(), 2500, pool);
  BOOST_TEST(r.capacity() == 8192u);
  BOOST_TEST(r.size() == 500u);
  // The hole fills: everything up to the first range's end is in order now.
  const auto hole = counting(1000, 4000);
  r.write_at(500, hole.data(), hole.size(), 8000, pool);
  r.commit(1000 + 1000);
  BOOST_TEST(r.size() == 2500u);
  BOOST_TEST(read(r, 0, 500) == counting(500, 3000));
  BOOST_TEST(read(r, 500, 2000) == counting(2000, 4000));
  // Reading everything in order leaves the far bytes where they were.
  r.consume(2500);
  BOOST_TEST(r.size() == 0u);
  const auto gap = counting(2500, 6500);
  r.write_at(0, gap.data(), gap.size(), 5500, pool);
  r.commit(2500 + 3000);
  BOOST_TEST(read(r, 2500, 3000) == counting(3000, 9000));
}

BOOST_AUTO_TEST_CASE(released_buffers_go_to_the_pool_and_come_back_without_allocation) {
  BufferPool pool;
  ByteRing r;
  const auto a = counting(100'000);
  r.append(a.data(), a.size(), pool);  // one buffer of the size needed: 128 KiB
  BOOST_TEST(r.capacity() == 131072u);
  BOOST_TEST(pool.buffered_bytes() == 0u);
  r.consume(100'000);
  r.release(pool);
  BOOST_TEST(r.capacity() == 0u);
  BOOST_TEST(pool.buffered_bytes() == 131072u);
  // The next ring that needs a buffer takes it (the smallest one big enough).
  ByteRing other;
  other.append(a.data(), 20'000, pool);
  BOOST_TEST(other.capacity() == 131072u);
  BOOST_TEST(pool.buffered_bytes() == 0u);
  // The pool keeps at most max_buffers, and the biggest ones.
  std::vector<ByteRing> rings(BufferPool::max_buffers + 4);
  for (auto& x : rings) x.append(a.data(), 10, pool);
  for (auto& x : rings) x.release(pool);
  BOOST_TEST(pool.buffered_bytes() == BufferPool::max_buffers * 4096u);
  other.release(pool);
  BOOST_TEST(pool.buffered_bytes() == (BufferPool::max_buffers - 1) * 4096u + 131072u);
}

// Two stacks over a link that loses 3% of frames and reorders 3% each way:
// 4 MB arrive intact, in order, and loss recovery ran (out-of-order segments
// were held in place and SACKed).
BOOST_AUTO_TEST_CASE(a_transfer_over_a_lossy_reordering_link_arrives_intact) {
  harness::VirtualClock clock(net::Instant::from_ns(1'000'000'000));
  net::SeededEntropy link_entropy(5);
  harness::MemoryLinkConfig lc;
  lc.queue_frames = 1024;
  lc.latency = net::Duration::microseconds(50);
  lc.a_to_b = lc.b_to_a = harness::LinkImpairments{30'000, 0, 30'000};
  auto link = harness::MemoryLink::create(lc, clock, &link_entropy);
  BOOST_REQUIRE(link);
  struct Host {
    net::SeededEntropy entropy;
    net::Stack stack;
    socket::Sockets sockets;
    Host(std::uint64_t seed, net::Device& d, std::uint8_t last)
        : entropy(seed),
          stack(net::Stack::create({}, entropy).value()),
          sockets(socket::Sockets::create(stack, entropy).value()) {
      net::InterfaceConfig ic;
      ic.mac = wire::MacAddress{{2, 0, 0, 0, 0, last}};
      const auto id = stack.add_interface(d, ic).value();
      BOOST_REQUIRE(stack.add_address(id, wire::Ipv4Address{{192, 0, 2, last}}, 24));
    }
  };
  Host a(1, link->a(), 1);
  Host b(2, link->b(), 2);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(5001);
  at.sin_addr.s_addr = htonl(0xc0000202);
  const int l = b.sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  BOOST_REQUIRE(b.sockets.bind(l, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0);
  BOOST_REQUIRE(b.sockets.listen(l, 4) == 0);
  const int tx = a.sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  BOOST_REQUIRE(a.sockets.connect(tx, reinterpret_cast<const sockaddr*>(&at), sizeof at) == -EINPROGRESS);

  const auto data = counting(4'000'000, 7);
  std::vector<std::byte> got;
  std::vector<std::byte> buffer(65536);
  std::size_t sent = 0;
  int rx = -1;
  for (int round = 0; round < 2'000'000 && got.size() < data.size(); ++round) {
    a.stack.poll(clock.now());
    b.stack.poll(clock.now());
    if (rx < 0) rx = b.sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
    if (sent < data.size()) {
      const ssize_t n =
          a.sockets.send(tx, data.data() + sent, std::min<std::size_t>(65536, data.size() - sent), 0);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    for (ssize_t n; rx >= 0 && (n = b.sockets.recv(rx, buffer.data(), buffer.size(), 0)) > 0;)
      got.insert(got.end(), buffer.begin(), buffer.begin() + n);
    // Time moves with the link; when nothing is queued, to the next timer.
    net::Instant next = std::min({link->next_delivery(), a.stack.next_deadline(), b.stack.next_deadline()});
    if (link->next_delivery() == net::Instant::never() && sent < data.size()) next = clock.now();
    clock.set(std::max(clock.now() + net::Duration::microseconds(10), std::min(next, net::Instant::never())));
  }
  BOOST_REQUIRE(got.size() == data.size());
  BOOST_TEST((got == data));
  BOOST_TEST(link->a_to_b().lost > 0u);
  BOOST_TEST(link->a_to_b().reordered > 0u);
  BOOST_TEST(a.sockets.tcp_stats().fast_retransmits > 0u);
}

// TCP through the socket API on one stack's loopback: handshake, data both
// ways, orderly close through TIME-WAIT, RST on close with unread data,
// refused connections, a bulk transfer. The wire-level rules with their IDs
// are in conformance/tcp_*_test.cpp.
#include "hardstack/transport/tcp.hpp"

#include <arpa/inet.h>
#include <netinet/tcp.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "hardstack/harness/print.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"

using namespace hardstack;
using net::Duration;

namespace {

sockaddr_in v4(const char* address, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  BOOST_REQUIRE(inet_pton(AF_INET, address, &sin.sin_addr) == 1);
  return sin;
}

template <typename T>
const sockaddr* sa(const T& s) {
  return reinterpret_cast<const sockaddr*>(&s);
}

struct Loopback {
  net::SeededEntropy entropy{11};
  net::Stack stack = net::Stack::create({}, entropy).value();
  socket::Sockets sockets = socket::Sockets::create(stack, entropy).value();
  net::Instant now = net::Instant::from_ns(1000000000);

  // The stack's clock reads `now` from the start (calls are stamped with the last poll's time).
  Loopback() { stack.poll(now); }

  // Polls until nothing is due now; time stays.
  void settle() {
    for (int i = 0; i < 1000; ++i) {
      stack.poll(now);
      if (stack.next_deadline() > now) return;
    }
  }
  // Runs timers forward for `d`.
  void run_for(Duration d) {
    const net::Instant end = now + d;
    settle();
    while (stack.next_deadline() <= end) {
      now = std::max(now, stack.next_deadline());
      settle();
    }
    now = end;
    settle();
  }
  int tcp() { return sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0); }
  int listener(std::uint16_t port) {
    const int fd = tcp();
    const auto at = v4("127.0.0.1", port);
    BOOST_REQUIRE(sockets.bind(fd, sa(at), sizeof at) == 0);
    BOOST_REQUIRE(sockets.listen(fd, 16) == 0);
    return fd;
  }
  // A client whose handshake with `port`'s listener completed, not accepted.
  int connected_not_accepted(std::uint16_t port) {
    const int c = tcp();
    const auto to = v4("127.0.0.1", port);
    BOOST_TEST(sockets.connect(c, sa(to), sizeof to) == -EINPROGRESS);
    settle();
    return c;
  }
  // A connected pair: client fd, server (accepted) fd.
  std::pair<int, int> connected_pair(int listen_fd, std::uint16_t port) {
    settle();  // the stack's clock reads `now` (it stamps the SYN's timer)
    const int c = tcp();
    const auto to = v4("127.0.0.1", port);
    BOOST_TEST(sockets.connect(c, sa(to), sizeof to) == -EINPROGRESS);
    settle();
    const int s = sockets.accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK);
    BOOST_TEST(s >= 0);
    BOOST_TEST(sockets.connect(c, sa(to), sizeof to) == 0);  // LINUX: completes the non-blocking connect
    BOOST_TEST(sockets.connect(c, sa(to), sizeof to) == -EISCONN);
    return {c, s};
  }
  std::string read_all(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
      const ssize_t n = sockets.recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tcp_loopback)

BOOST_FIXTURE_TEST_CASE(handshake_data_and_orderly_close_through_time_wait, Loopback) {
  const int l = listener(8000);
  auto [c, s] = connected_pair(l, 8000);
  BOOST_TEST(sockets.send(c, "hello", 5, 0) == 5);
  settle();
  BOOST_TEST(read_all(s) == "hello");
  BOOST_TEST(sockets.send(s, "world!", 6, 0) == 6);
  settle();
  BOOST_TEST(read_all(c) == "world!");
  char b[8];
  BOOST_TEST(sockets.recv(c, b, sizeof b, 0) == -EAGAIN);
  // The client closes first: FIN-WAIT-1 -> FIN-WAIT-2; the server reads EOF.
  BOOST_TEST(sockets.shutdown(c, SHUT_WR) == 0);
  settle();
  BOOST_TEST(sockets.recv(s, b, sizeof b, 0) == 0);
  pollfd p{s, POLLIN | POLLRDHUP, 0};
  BOOST_TEST(sockets.poll(&p, 1) == 1);
  BOOST_TEST((p.revents & POLLRDHUP) != 0);
  BOOST_TEST(sockets.close(s) == 0);  // CLOSE-WAIT -> LAST-ACK
  settle();
  BOOST_TEST(sockets.recv(c, b, sizeof b, 0) == 0);
  BOOST_TEST(sockets.close(c) == 0);  // TIME-WAIT keeps the connection as an orphan
  settle();
  BOOST_TEST(sockets.tcp_stats().active_opens == 1u);
  BOOST_TEST(sockets.tcp_stats().passive_opens == 1u);
  run_for(Duration::seconds(61));
  BOOST_TEST(sockets.tcp_stats().estab_resets == 0u);
  BOOST_TEST(sockets.tcp_stats().out_rsts == 0u);
  BOOST_TEST(stack.next_deadline() == net::Instant::never());
}

BOOST_FIXTURE_TEST_CASE(close_with_unread_data_resets_and_the_peer_sees_econnreset, Loopback) {
  const int l = listener(8001);
  auto [c, s] = connected_pair(l, 8001);
  BOOST_TEST(sockets.send(c, "unread", 6, 0) == 6);
  settle();
  BOOST_TEST(sockets.close(s) == 0);
  settle();
  BOOST_TEST(sockets.tcp_stats().abort_on_close == 1u);
  BOOST_TEST(sockets.tcp_stats().out_rsts == 1u);
  char b[8];
  BOOST_TEST(sockets.recv(c, b, sizeof b, 0) == -ECONNRESET);
  BOOST_TEST(sockets.recv(c, b, sizeof b, 0) == 0);
  BOOST_TEST(sockets.send(c, "x", 1, 0) == -EPIPE);
}

BOOST_FIXTURE_TEST_CASE(a_connection_reset_holding_data_gives_its_buffer_to_the_pool_at_once, Loopback) {
  const int l = listener(8007);
  auto [c, s] = connected_pair(l, 8007);
  BOOST_TEST(sockets.send(c, "unread", 6, 0) == 6);
  settle();
  // Closed with unread data: RST, CLOSED, freed; its receive ring (4096
  // bytes, the smallest) serves the next connection instead of going back
  // to malloc.
  const std::size_t pooled = sockets.tcp().pooled_bytes();
  BOOST_TEST(sockets.close(s) == 0);
  BOOST_TEST(sockets.tcp().pooled_bytes() == pooled + 4096u);
  (void)c;
}

BOOST_FIXTURE_TEST_CASE(closing_a_listener_frees_its_reset_children_at_once, Loopback) {
  const int l = listener(8008);
  const int c = connected_not_accepted(8008);
  BOOST_TEST(sockets.send(c, "queued", 6, 0) == 6);
  settle();
  // The child waiting for accept() holds the data; the listener's close
  // resets it and frees it before close() returns, its ring into the pool.
  const std::size_t pooled = sockets.tcp().pooled_bytes();
  BOOST_TEST(sockets.close(l) == 0);
  BOOST_TEST(sockets.tcp().pooled_bytes() == pooled + 4096u);
  BOOST_TEST(sockets.tcp().orphan_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(connect_to_a_closed_port_is_refused, Loopback) {
  const int c = tcp();
  const auto to = v4("127.0.0.1", 8002);
  BOOST_TEST(sockets.connect(c, sa(to), sizeof to) == -EINPROGRESS);
  BOOST_TEST(sockets.connect(c, sa(to), sizeof to) == -EALREADY);
  settle();
  pollfd p{c, POLLOUT, 0};
  BOOST_TEST(sockets.poll(&p, 1) == 1);
  BOOST_TEST((p.revents & POLLERR) != 0);
  BOOST_TEST(sockets.connect(c, sa(to), sizeof to) == -ECONNREFUSED);
  BOOST_TEST(sockets.tcp_stats().attempt_fails == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_megabyte_goes_through_intact, Loopback) {
  const int l = listener(8003);
  auto [c, s] = connected_pair(l, 8003);
  std::string data(1 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) ^ (i >> 8));
  std::size_t sent = 0;
  std::string got;
  for (int round = 0; round < 100000 && got.size() < data.size(); ++round) {
    if (sent < data.size()) {
      const ssize_t n = sockets.send(c, data.data() + sent, data.size() - sent, 0);
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    settle();
    got += read_all(s);
    if (round % 64 == 63) run_for(Duration::milliseconds(50));
  }
  BOOST_TEST(got.size() == data.size());
  BOOST_TEST((got == data));
  BOOST_TEST(sockets.tcp_stats().retrans_segs == 0u);
  BOOST_TEST(sockets.tcp_stats().timeouts == 0u);
  BOOST_TEST(sockets.tcp_stats().fast_retransmits == 0u);
}

BOOST_FIXTURE_TEST_CASE(closing_a_listener_resets_connections_not_yet_accepted, Loopback) {
  const int l = listener(8004);
  const int c = connected_not_accepted(8004);
  BOOST_TEST(sockets.close(l) == 0);
  settle();
  char b[4];
  BOOST_TEST(sockets.recv(c, b, sizeof b, 0) == -ECONNRESET);
}

BOOST_FIXTURE_TEST_CASE(so_linger_zero_aborts_without_time_wait, Loopback) {
  const int l = listener(8005);
  auto [c, s] = connected_pair(l, 8005);
  const linger off{1, 0};
  BOOST_TEST(sockets.setsockopt(c, SOL_SOCKET, SO_LINGER, &off, sizeof off) == 0);
  BOOST_TEST(sockets.close(c) == 0);
  settle();
  char b[4];
  BOOST_TEST(sockets.recv(s, b, sizeof b, 0) == -ECONNRESET);
  BOOST_TEST(stack.next_deadline() == net::Instant::never());
}

BOOST_FIXTURE_TEST_CASE(so_keepalive_set_on_an_established_connection_starts_probing, Loopback) {
  const int l = listener(8006);
  auto [c, s] = connected_pair(l, 8006);
  settle();
  // LINUX tcp_set_keepalive: turning keepalive on after the handshake arms
  // the timer; TCP_KEEPIDLE then restarts it from the last segment received.
  const int on = 1;
  const int idle = 1;
  BOOST_TEST(sockets.setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0);
  BOOST_TEST(sockets.setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) == 0);
  BOOST_TEST(stack.next_deadline() == now + Duration::seconds(1));
  const auto before = sockets.tcp_stats().out_segs;
  run_for(Duration::milliseconds(1500));
  BOOST_TEST(sockets.tcp_stats().out_segs == before + 2);  // the probe and the peer's answer
  const int off = 0;
  BOOST_TEST(sockets.setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &off, sizeof off) == 0);
  BOOST_TEST(stack.next_deadline() == net::Instant::never());
  (void)s;
}

// Sockets::checkpoint / restore: a checkpoint taken with connections in
// every kind of holding (accepted, waiting in the accept queue, orphaned in
// TIME-WAIT, data unread, timers running, a UDP datagram queued) is put
// back twice, and the same script then runs to the same end each time.
BOOST_FIXTURE_TEST_CASE(sockets_restored_from_a_checkpoint_run_as_they_did_from_it, Loopback) {
  const int l = listener(8100);
  auto [c, s] = connected_pair(l, 8100);
  BOOST_TEST(sockets.send(c, "unread", 6, 0) == 6);
  const int on = 1;
  BOOST_TEST(sockets.setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0);
  auto [c2, s2] = connected_pair(l, 8100);
  BOOST_TEST(sockets.shutdown(c2, SHUT_WR) == 0);
  settle();
  BOOST_TEST(sockets.close(s2) == 0);
  settle();
  BOOST_TEST(sockets.close(c2) == 0);  // TIME-WAIT: an orphan with a timer
  settle();
  const int waiting = connected_not_accepted(8100);
  const int u = sockets.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const auto ua = v4("127.0.0.1", 8101);
  BOOST_TEST(sockets.bind(u, sa(ua), sizeof ua) == 0);
  BOOST_TEST(sockets.sendto(u, "datagram", 8, 0, sa(ua), sizeof ua) == 8);
  settle();
  BOOST_REQUIRE(sockets.tcp().orphan_count() == 1u);

  const net::SeededEntropy entropy_then = entropy;
  const auto table_then = sockets.tcp_table();
  const std::size_t open_then = sockets.open_sockets();
  const net::Instant now_then = now;
  const net::Stack stack_checkpoint = stack.checkpoint();
  const socket::Sockets checkpoint = sockets.checkpoint();
  {
    // Taking it drew nothing from the entropy source.
    net::SeededEntropy a = entropy_then;
    net::SeededEntropy b = entropy;
    BOOST_TEST(a.next_u64() == b.next_u64());
  }

  // Reads and writes on every connection, accepts the waiting one, opens a
  // new one, lets keepalive and TIME-WAIT run out, closes everything: what
  // every call returned and every counter at the end.
  auto script = [&, c = c, s = s, waiting = waiting] {
    std::string log;
    auto note = [&](long long v) { log += std::to_string(v) + ' '; };
    log += read_all(s) + '|';
    note(sockets.send(s, "reply", 5, 0));
    settle();
    log += read_all(c) + '|';
    const int a = sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
    note(a);
    note(sockets.send(waiting, "late", 4, 0));
    settle();
    log += read_all(a) + '|';
    char d[16];
    note(sockets.recv(u, d, sizeof d, 0));
    auto [c3, s3] = connected_pair(l, 8100);
    note(c3);
    note(s3);
    run_for(Duration::seconds(7300));  // keepalive probes answered; TIME-WAIT over
    for (const auto& e : sockets.tcp_table()) {
      note(e.local_port);
      note(e.remote_port);
      note(e.state);
    }
    for (int fd : {c, s, a, waiting, c3, s3, l, u}) note(sockets.close(fd));
    run_for(Duration::seconds(120));
    const auto& st = sockets.tcp_stats();
    for (auto v : {st.active_opens, st.passive_opens, st.out_segs, st.in_segs, st.out_rsts, st.estab_resets})
      note(static_cast<long long>(v));
    note(static_cast<long long>(stack.stats().ipv4.out_requests));
    note(static_cast<long long>(sockets.open_sockets()));
    note(stack.next_deadline() == net::Instant::never());
    return log;
  };
  const std::string first = script();
  // Something happened: the data went both ways and the child was accepted.
  BOOST_TEST(first.rfind("unread|", 0) == 0u);
  BOOST_TEST(first.find(" reply|") != std::string::npos);
  BOOST_TEST(first.find(" late|") != std::string::npos);
  BOOST_TEST(sockets.open_sockets() == 0u);
  for (int run = 0; run < 2; ++run) {
    stack.restore(stack_checkpoint);
    sockets.restore(checkpoint);
    entropy = entropy_then;
    now = now_then;
    BOOST_TEST(sockets.open_sockets() == open_then);
    BOOST_TEST((sockets.tcp_table() == table_then));
    BOOST_TEST(sockets.tcp().orphan_count() == 1u);
    BOOST_TEST(script() == first);
  }
}

BOOST_AUTO_TEST_SUITE_END()

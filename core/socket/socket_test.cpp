// The socket layer and UDP on a stack's loopback: descriptors, port binding
// (conflicts, SO_REUSEADDR/SO_REUSEPORT, dual stack, ephemeral exhaustion),
// connect/disconnect, demultiplexing preferences, receive-buffer accounting,
// corking and the readiness callback. The wire-level rules with requirement
// IDs are in conformance/udp_test.cpp, cmsg_test.cpp and socket_test.cpp.
#include "hardstack/socket/socket.hpp"

#include <arpa/inet.h>
#include <netinet/udp.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "hardstack/harness/print.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"

using namespace hardstack;

namespace {

sockaddr_in v4(const char* address, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  BOOST_REQUIRE(inet_pton(AF_INET, address, &sin.sin_addr) == 1);
  return sin;
}

sockaddr_in6 v6(const char* address, std::uint16_t port) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  BOOST_REQUIRE(inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1);
  return sin6;
}

template <typename T>
const sockaddr* sa(const T& s) {
  return reinterpret_cast<const sockaddr*>(&s);
}

struct Loopback {
  net::SeededEntropy entropy{7};
  net::Stack stack = make_stack();
  socket::Sockets sockets = make_sockets({});
  net::Instant now{};

  net::Stack make_stack() {
    auto s = net::Stack::create({}, entropy);
    if (!s) BOOST_FAIL("Stack::create: " << s.error().message());
    return std::move(s.value());
  }
  socket::Sockets make_sockets(const socket::SocketConfig& config) {
    auto s = socket::Sockets::create(stack, entropy, config);
    if (!s) BOOST_FAIL("Sockets::create: " << s.error().message());
    return std::move(s.value());
  }
  // Loopback traffic is delivered when the stack polls.
  void run() {
    now = now + net::Duration::milliseconds(1);
    stack.poll(now);
  }
  int udp(int domain = AF_INET) { return sockets.socket(domain, SOCK_DGRAM | SOCK_NONBLOCK, 0); }
  std::uint16_t port_of(int fd) {
    sockaddr_in6 a{};
    socklen_t n = sizeof a;
    BOOST_REQUIRE(sockets.getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) == 0);
    return ntohs(a.sin6_port);  // sin_port and sin6_port sit at the same offset
  }
  std::string receive(int fd, int flags = 0) {
    std::vector<char> buffer(70000);
    const ssize_t n = sockets.recv(fd, buffer.data(), buffer.size(), flags);
    if (n < 0) return "errno " + std::to_string(-n);
    return std::string(buffer.data(), static_cast<std::size_t>(n));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sockets)

BOOST_FIXTURE_TEST_CASE(descriptors_are_the_lowest_free_and_bad_ones_are_ebadf, Loopback) {
  const int a = udp();
  const int b = udp();
  BOOST_TEST(a == 0);
  BOOST_TEST(b == 1);
  BOOST_TEST(sockets.close(a) == 0);
  BOOST_TEST(sockets.close(a) == -EBADF);
  BOOST_TEST(udp() == 0);
  BOOST_TEST(sockets.bind(17, nullptr, 0) == -EBADF);
  BOOST_TEST(sockets.send(-1, "x", 1, 0) == -EBADF);
  BOOST_TEST(sockets.open_sockets() == 2u);
  // Lowest first, whatever order they were closed in.
  BOOST_TEST(udp() == 2);
  BOOST_TEST(sockets.close(1) == 0);
  BOOST_TEST(sockets.close(0) == 0);
  BOOST_TEST(udp() == 0);
  BOOST_TEST(udp() == 1);
  BOOST_TEST(udp() == 3);
}

BOOST_AUTO_TEST_CASE(the_table_is_bounded_by_max_sockets) {
  net::SeededEntropy entropy(1);
  auto stack = net::Stack::create({}, entropy).value();
  socket::SocketConfig config;
  config.max_sockets = 3;
  auto sockets = socket::Sockets::create(stack, entropy, config).value();
  for (int i = 0; i < 3; ++i) BOOST_TEST(sockets.socket(AF_INET, SOCK_DGRAM, 0) == i);
  BOOST_TEST(sockets.socket(AF_INET, SOCK_DGRAM, 0) == -EMFILE);
  BOOST_TEST(sockets.close(1) == 0);
  BOOST_TEST(sockets.socket(AF_INET, SOCK_DGRAM, 0) == 1);
}

BOOST_FIXTURE_TEST_CASE(a_second_sockets_on_the_same_stack_is_refused, Loopback) {
  auto second = socket::Sockets::create(stack, entropy);
  BOOST_TEST(!second.has_value());
}

BOOST_FIXTURE_TEST_CASE(loopback_datagram_round_trip_with_the_sender_address, Loopback) {
  const int server = udp();
  const int client = udp();
  const auto at = v4("127.0.0.1", 4000);
  BOOST_TEST(sockets.bind(server, sa(at), sizeof at) == 0);
  BOOST_TEST(sockets.sendto(client, "hello", 5, 0, sa(at), sizeof at) == 5);
  run();
  char buffer[16];
  sockaddr_in from{};
  socklen_t n = sizeof from;
  BOOST_TEST(sockets.recvfrom(server, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &n) == 5);
  BOOST_TEST(std::string(buffer, 5) == "hello");
  BOOST_TEST(n == sizeof(sockaddr_in));
  BOOST_TEST(ntohs(from.sin_port) == port_of(client));
  BOOST_TEST(from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
  BOOST_TEST(sockets.udp_stats().in_datagrams == 1u);
  BOOST_TEST(sockets.udp_stats().out_datagrams == 1u);
}

BOOST_FIXTURE_TEST_CASE(ephemeral_ports_come_from_the_range_and_exhaustion_is_reported, Loopback) {
  auto stack2_entropy = net::SeededEntropy(3);
  auto stack2 = net::Stack::create({}, stack2_entropy).value();
  socket::SocketConfig config;
  config.ephemeral_low = 50000;
  config.ephemeral_high = 50003;
  auto s = socket::Sockets::create(stack2, stack2_entropy, config).value();
  std::set<int> ports;
  const auto any = v4("0.0.0.0", 0);
  for (int i = 0; i < 4; ++i) {
    const int fd = s.socket(AF_INET, SOCK_DGRAM, 0);
    BOOST_TEST_REQUIRE(s.bind(fd, sa(any), sizeof any) == 0);
    sockaddr_in a{};
    socklen_t n = sizeof a;
    BOOST_TEST(s.getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) == 0);
    ports.insert(ntohs(a.sin_port));
  }
  BOOST_TEST(ports.size() == 4u);
  BOOST_TEST(*ports.begin() == 50000);
  BOOST_TEST(*ports.rbegin() == 50003);
  // LINUX: bind(port 0) with the range used up is EADDRINUSE; an implicit
  // bind (send, connect) is EAGAIN.
  const int fd = s.socket(AF_INET, SOCK_DGRAM, 0);
  BOOST_TEST(s.bind(fd, sa(any), sizeof any) == -EADDRINUSE);
  const auto to = v4("127.0.0.1", 9);
  BOOST_TEST(s.sendto(fd, "x", 1, 0, sa(to), sizeof to) == -EAGAIN);
  BOOST_TEST(s.connect(fd, sa(to), sizeof to) == -EAGAIN);
}

BOOST_FIXTURE_TEST_CASE(bind_conflicts_follow_reuseaddr_reuseport_and_addresses, Loopback) {
  const auto any = v4("0.0.0.0", 5000);
  const auto lo = v4("127.0.0.1", 5000);
  const auto lo2 = v4("127.0.0.2", 5000);
  const int a = udp();
  const int b = udp();
  BOOST_TEST(sockets.bind(a, sa(lo), sizeof lo) == 0);
  BOOST_TEST(sockets.bind(b, sa(any), sizeof any) == -EADDRINUSE);  // the wildcard overlaps
  BOOST_TEST(sockets.bind(b, sa(lo2), sizeof lo2) == 0);            // another address does not
  const int c = udp();
  const int d = udp();
  const int on = 1;
  const auto p = v4("0.0.0.0", 5001);
  BOOST_TEST(sockets.setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
  BOOST_TEST(sockets.bind(c, sa(p), sizeof p) == 0);
  BOOST_TEST(sockets.bind(d, sa(p), sizeof p) == -EADDRINUSE);  // both must ask
  BOOST_TEST(sockets.setsockopt(d, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
  BOOST_TEST(sockets.bind(d, sa(p), sizeof p) == 0);
  // Closing frees the port.
  BOOST_TEST(sockets.close(a) == 0);
  const int e = udp();
  BOOST_TEST(sockets.bind(e, sa(any), sizeof any) == -EADDRINUSE);  // b still holds 127.0.0.2
  BOOST_TEST(sockets.close(b) == 0);
  BOOST_TEST(sockets.bind(e, sa(any), sizeof any) == 0);
}

BOOST_FIXTURE_TEST_CASE(dual_stack_wildcard_conflicts_with_ipv4_unless_v6only, Loopback) {
  const auto any4 = v4("0.0.0.0", 6000);
  const auto any6 = v6("::", 6000);
  const int a = udp(AF_INET);
  BOOST_TEST(sockets.bind(a, sa(any4), sizeof any4) == 0);
  const int b = udp(AF_INET6);
  BOOST_TEST(sockets.bind(b, sa(any6), sizeof any6) == -EADDRINUSE);
  const int on = 1;
  BOOST_TEST(sockets.setsockopt(b, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == 0);
  BOOST_TEST(sockets.bind(b, sa(any6), sizeof any6) == 0);
  // LINUX: IPV6_V6ONLY cannot change once bound.
  BOOST_TEST(sockets.setsockopt(b, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == -EINVAL);
  // An IPv4 datagram goes to the IPv4 socket, an IPv6 one to the IPv6 socket.
  const int client4 = udp(AF_INET);
  const int client6 = udp(AF_INET6);
  const auto to4 = v4("127.0.0.1", 6000);
  const auto to6 = v6("::1", 6000);
  BOOST_TEST(sockets.sendto(client4, "four", 4, 0, sa(to4), sizeof to4) == 4);
  BOOST_TEST(sockets.sendto(client6, "six", 3, 0, sa(to6), sizeof to6) == 3);
  run();
  BOOST_TEST(receive(a) == "four");
  BOOST_TEST(receive(b) == "six");
}

BOOST_FIXTURE_TEST_CASE(a_dual_stack_socket_receives_ipv4_as_mapped_addresses, Loopback) {
  const int server = udp(AF_INET6);
  const auto any6 = v6("::", 6100);
  BOOST_TEST(sockets.bind(server, sa(any6), sizeof any6) == 0);
  const int client = udp(AF_INET);
  const auto to = v4("127.0.0.1", 6100);
  BOOST_TEST(sockets.sendto(client, "mapped", 6, 0, sa(to), sizeof to) == 6);
  run();
  char buffer[16];
  sockaddr_in6 from{};
  socklen_t n = sizeof from;
  BOOST_TEST(sockets.recvfrom(server, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &n) == 6);
  BOOST_TEST(n == sizeof(sockaddr_in6));
  char text[INET6_ADDRSTRLEN];
  BOOST_TEST(std::string(inet_ntop(AF_INET6, &from.sin6_addr, text, sizeof text)) == "::ffff:127.0.0.1");
  // And answers through the mapped address.
  BOOST_TEST(sockets.sendto(server, "back", 4, 0, reinterpret_cast<sockaddr*>(&from), n) == 4);
  run();
  BOOST_TEST(receive(client) == "back");
}

BOOST_FIXTURE_TEST_CASE(the_most_specific_socket_gets_the_datagram, Loopback) {
  const int wildcard = udp();
  const int specific = udp();
  const int connected = udp();
  const int on = 1;
  for (const int fd : {wildcard, specific, connected})
    BOOST_TEST(sockets.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0);
  const auto any = v4("0.0.0.0", 7000);
  const auto lo = v4("127.0.0.1", 7000);
  BOOST_TEST(sockets.bind(wildcard, sa(any), sizeof any) == 0);
  BOOST_TEST(sockets.bind(specific, sa(lo), sizeof lo) == 0);
  BOOST_TEST(sockets.bind(connected, sa(lo), sizeof lo) == 0);
  const int client = udp();
  const auto client_at = v4("127.0.0.1", 7001);
  BOOST_TEST(sockets.bind(client, sa(client_at), sizeof client_at) == 0);
  BOOST_TEST(sockets.connect(connected, sa(client_at), sizeof client_at) == 0);
  // From 7001: the connected socket; from elsewhere: the specific one.
  BOOST_TEST(sockets.sendto(client, "one", 3, 0, sa(lo), sizeof lo) == 3);
  const int other = udp();
  BOOST_TEST(sockets.sendto(other, "two", 3, 0, sa(lo), sizeof lo) == 3);
  run();
  BOOST_TEST(receive(connected) == "one");
  BOOST_TEST(receive(specific) == "two");
  BOOST_TEST(receive(wildcard) == "errno " + std::to_string(EAGAIN));
}

BOOST_FIXTURE_TEST_CASE(connect_binds_implicitly_and_af_unspec_undoes_it, Loopback) {
  const int fd = udp();
  const auto to = v4("127.0.0.1", 9);
  BOOST_TEST(sockets.connect(fd, sa(to), sizeof to) == 0);
  const std::uint16_t port = port_of(fd);
  BOOST_TEST(port >= 32768);
  BOOST_TEST(port <= 60999);
  sockaddr_in peer{};
  socklen_t n = sizeof peer;
  BOOST_TEST(sockets.getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &n) == 0);
  BOOST_TEST(ntohs(peer.sin_port) == 9);
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  BOOST_TEST(sockets.connect(fd, &unspec, sizeof unspec) == 0);
  BOOST_TEST(sockets.getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &n) == -ENOTCONN);
  // LINUX udp_disconnect: a port the socket did not bind to explicitly is released.
  BOOST_TEST(port_of(fd) == 0);
  BOOST_TEST(sockets.send(fd, "x", 1, 0) == -EDESTADDRREQ);
}

BOOST_FIXTURE_TEST_CASE(the_receive_buffer_bounds_the_queue_and_counts_drops, Loopback) {
  const int server = udp();
  const int small = 1;  // becomes Linux's minimum, 2304
  BOOST_TEST(sockets.setsockopt(server, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) == 0);
  int rcvbuf = 0;
  socklen_t n = sizeof rcvbuf;
  BOOST_TEST(sockets.getsockopt(server, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &n) == 0);
  BOOST_TEST(rcvbuf == 2304);
  const auto at = v4("127.0.0.1", 7100);
  BOOST_TEST(sockets.bind(server, sa(at), sizeof at) == 0);
  const int client = udp();
  const std::string datagram(1000, 'd');
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(sockets.sendto(client, datagram.data(), datagram.size(), 0, sa(at), sizeof at) == 1000);
  run();
  // Each charges 1000 + 256; a datagram is taken while the queue holds no more
  // than SO_RCVBUF: 0 and 1256 do, 2512 > 2304 does not (LINUX __udp_enqueue_schedule_skb).
  BOOST_TEST(sockets.receive_queue_bytes(server) == 2 * 1256);
  BOOST_TEST(sockets.udp_stats().rcvbuf_errors == 3u);
  BOOST_TEST(sockets.drops(socket::TransportDropReason::udp_receive_buffer) == 3u);
  BOOST_TEST(receive(server).size() == 1000u);
  BOOST_TEST(receive(server).size() == 1000u);
  BOOST_TEST(sockets.receive_queue_bytes(server) == 0);
}

BOOST_FIXTURE_TEST_CASE(cork_joins_sends_into_one_datagram_and_uncorking_sends_it, Loopback) {
  const int server = udp();
  const auto at = v4("127.0.0.1", 7200);
  BOOST_TEST(sockets.bind(server, sa(at), sizeof at) == 0);
  const int client = udp();
  BOOST_TEST(sockets.connect(client, sa(at), sizeof at) == 0);
  const int on = 1;
  const int off = 0;
  BOOST_TEST(sockets.setsockopt(client, SOL_UDP, UDP_CORK, &on, sizeof on) == 0);
  BOOST_TEST(sockets.send(client, "ab", 2, 0) == 2);
  BOOST_TEST(sockets.send(client, "cd", 2, 0) == 2);
  run();
  BOOST_TEST(receive(server) == "errno " + std::to_string(EAGAIN));
  BOOST_TEST(sockets.setsockopt(client, SOL_UDP, UDP_CORK, &off, sizeof off) == 0);
  run();
  BOOST_TEST(receive(server) == "abcd");
  // MSG_MORE does the same for one call.
  BOOST_TEST(sockets.send(client, "ef", 2, MSG_MORE) == 2);
  BOOST_TEST(sockets.send(client, "gh", 2, 0) == 2);
  run();
  BOOST_TEST(receive(server) == "efgh");
}

BOOST_FIXTURE_TEST_CASE(a_corked_datagram_over_65535_bytes_is_emsgsize_and_discarded, Loopback) {
  const int server = udp();
  const auto at = v4("127.0.0.1", 7300);
  BOOST_TEST(sockets.bind(server, sa(at), sizeof at) == 0);
  const int client = udp();
  BOOST_TEST(sockets.connect(client, sa(at), sizeof at) == 0);
  const std::string big(40000, 'b');
  BOOST_TEST(sockets.send(client, big.data(), big.size(), MSG_MORE) == 40000);
  BOOST_TEST(sockets.send(client, big.data(), big.size(), MSG_MORE) == -EMSGSIZE);
  // LINUX udp_flush_pending_frames: the pending datagram is gone.
  BOOST_TEST(sockets.send(client, "new", 3, 0) == 3);
  run();
  BOOST_TEST(receive(server) == "new");
  // 65507 bytes is the largest IPv4 UDP payload without options.
  const std::string largest(65507, 'l');
  BOOST_TEST(sockets.send(client, largest.data(), largest.size(), 0) == 65507);
  BOOST_TEST(sockets.send(client, largest.data(), largest.size() + 1, 0) == -EMSGSIZE);
}

BOOST_FIXTURE_TEST_CASE(udp_segment_splits_one_send_into_segments, Loopback) {
  const int server = udp();
  const auto at = v4("127.0.0.1", 7400);
  BOOST_TEST(sockets.bind(server, sa(at), sizeof at) == 0);
  const int client = udp();
  const int gso = 1000;
  BOOST_TEST(sockets.setsockopt(client, SOL_UDP, UDP_SEGMENT, &gso, sizeof gso) == 0);
  const std::string data(2500, 's');
  BOOST_TEST(sockets.sendto(client, data.data(), data.size(), 0, sa(at), sizeof at) == 2500);
  run();
  BOOST_TEST(receive(server).size() == 1000u);
  BOOST_TEST(receive(server).size() == 1000u);
  BOOST_TEST(receive(server).size() == 500u);
  BOOST_TEST(sockets.udp_stats().out_datagrams == 3u);
  // UDP-7: more than 64 segments is EINVAL.
  const std::string too_many(65 * 1000, 't');
  BOOST_TEST(sockets.sendto(client, too_many.data(), too_many.size(), 0, sa(at), sizeof at) == -EINVAL);
}

BOOST_FIXTURE_TEST_CASE(the_readiness_callback_names_the_socket_that_got_data, Loopback) {
  std::vector<int> ready;
  sockets.set_readiness_callback([&](int fd) { ready.push_back(fd); });
  const int server = udp();
  const auto at = v4("127.0.0.1", 7500);
  BOOST_TEST(sockets.bind(server, sa(at), sizeof at) == 0);
  const int client = udp();
  pollfd p{server, POLLIN, 0};
  BOOST_TEST(sockets.poll(&p, 1) == 0);  // only POLLIN was asked for
  BOOST_TEST(p.revents == 0);
  BOOST_TEST(sockets.sendto(client, "x", 1, 0, sa(at), sizeof at) == 1);
  run();
  BOOST_TEST(ready == std::vector<int>{server});
  BOOST_TEST(sockets.poll(&p, 1) == 1);
  BOOST_TEST(p.revents == POLLIN);
  pollfd bad{42, POLLIN, 0};
  BOOST_TEST(sockets.poll(&bad, 1) == 1);
  BOOST_TEST(bad.revents == POLLNVAL);
}

BOOST_FIXTURE_TEST_CASE(shutdown_on_an_unconnected_socket_is_enotconn_but_recorded, Loopback) {
  const int fd = sockets.socket(AF_INET, SOCK_DGRAM, 0);  // blocking
  BOOST_TEST(sockets.shutdown(fd, SHUT_RD) == -ENOTCONN);
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  BOOST_TEST(sockets.poll(&p, 1) == 1);
  BOOST_TEST((p.revents & POLLRDHUP) != 0);
  // LINUX: a blocking receive after SHUT_RD returns 0 rather than waiting.
  char buffer[4];
  BOOST_TEST(sockets.recv(fd, buffer, sizeof buffer, 0) == 0);
  BOOST_TEST(sockets.recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) == -EAGAIN);
  BOOST_TEST(sockets.shutdown(fd, 3) == -EINVAL);
  const auto to = v4("127.0.0.1", 9);
  BOOST_TEST(sockets.connect(fd, sa(to), sizeof to) == 0);
  BOOST_TEST(sockets.shutdown(fd, SHUT_WR) == 0);
  BOOST_TEST(sockets.send(fd, "x", 1, 0) == -EPIPE);
}

BOOST_AUTO_TEST_SUITE_END()

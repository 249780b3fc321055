// Scenarios written against a Dut, run by harness/stack_dut_test.cpp on the
// in-process core and by harness/kernel_dut_test.cpp on the Linux kernel: the
// same bytes, the same expectations, so a scenario that passes on Linux and
// on hardstack tests hardstack against Linux's behaviour, not against our
// reading of the RFC. Boost.Test assertions; included by tests only.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "test_bench.hpp"

namespace hardstack::harness::scenarios {

// RFC 792 / ICMP4-1: an echo reply with the same identifier, sequence and data.
inline void ipv4_echo(TestBench& bench, const DutIdentity& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  BOOST_TEST(bench.pcap_status());
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() /
                          icmp_echo_request(0x4853, 1, "hardstack bench")));
  BOOST_TEST(
      bench.expect_ipv4(src(*dut.ipv4), dst(*peer.peer_ipv4), ethernet(src(dut.mac), dst(peer.peer_mac)),
                        icmp(echo_reply(identifier(0x4853), sequence(1), payload("hardstack bench")))));
  BOOST_TEST(bench.neighbor_answers() >= 1u);  // the DUT asked for our MAC (ARP) and got it
}

// RFC 4443 4.2 / ICMP6-1, after the DUT resolved the peer with an NS (RFC 4861 7.2).
inline void ipv6_echo(TestBench& bench, const DutIdentity& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  BOOST_TEST(
      bench.inject(bench.link_to_dut() / bench.ipv6_to_dut() / icmpv6_echo_request(0x4853, 7, "over IPv6")));
  BOOST_TEST(bench.expect_ipv6(src(*dut.ipv6), dst(*peer.peer_ipv6),
                               ethernet(src(dut.mac), dst(peer.peer_mac)),
                               icmpv6(echo_reply(identifier(0x4853), sequence(7), payload("over IPv6")))));
  BOOST_TEST(bench.neighbor_answers() >= 1u);
}

// RFC 1122 3.2.2.1 / V4-HDR-6: a protocol nobody handles gets protocol
// unreachable (code 2) quoting the datagram, once.
inline void ipv4_protocol_unreachable(TestBench& bench, const DutIdentity& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const Packet datagram = bench.ipv4_to_dut().identification(0x4242).protocol(253) / payload("experimental");
  BOOST_TEST(bench.inject(bench.link_to_dut() / datagram));
  BOOST_TEST(bench.expect_ipv4(src(*dut.ipv4), dst(*peer.peer_ipv4),
                               icmp(dest_unreachable(code(2), quote(datagram),
                                                     quoted_ipv4(src(*peer.peer_ipv4), dst(*dut.ipv4),
                                                                 identification(0x4242), protocol(253))))));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(200)));
}

// RFC 8200 4 / V6-EXT-2: an unknown Next Header gets param problem code 1
// pointing at the Next Header field that named it (byte 6 of the IPv6 header).
inline void ipv6_unknown_next_header(TestBench& bench, const DutIdentity& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const Packet datagram = bench.ipv6_to_dut().next_header(253) / payload("experimental....");
  BOOST_TEST(bench.inject(bench.link_to_dut() / datagram));
  BOOST_TEST(bench.expect_ipv6(src(*dut.ipv6), dst(*peer.peer_ipv6),
                               icmpv6(param_problem(code(1), pointer(6), quote(datagram)))));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(200)));
}

// ---- UDP through the DUT's sockets --------------------------------------------------------------
//
// The DUT's application is driven through Dut's socket calls; the peer is the
// bench. On the kernel these are real sockets in the DUT's namespace, so each
// errno and byte asserted here is what Linux does.

inline sockaddr_in socket_address(const wire::Ipv4Address& a, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  std::memcpy(&sin.sin_addr, a.octets.data(), 4);
  return sin;
}
inline sockaddr_in6 socket_address(const wire::Ipv6Address& a, std::uint16_t port) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  std::memcpy(&sin6.sin6_addr, a.octets.data(), 16);
  return sin6;
}
template <typename Sockaddr>
const sockaddr* as_sockaddr(const Sockaddr& s) {
  return reinterpret_cast<const sockaddr*>(&s);
}
inline std::span<const std::byte> text_bytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}
// The IP datagram in an Ethernet frame the DUT sent (for quoting in an ICMP error).
inline std::vector<std::byte> ip_datagram_of(const std::optional<DutFrame>& frame) {
  if (!frame || frame->bytes.size() < 14) return {};
  return {frame->bytes.begin() + 14, frame->bytes.end()};
}

// A UDP socket of `domain` bound to `port` on the any address; -1 after a failed check.
inline int bound_udp_socket(Dut& dut, int domain, std::uint16_t port) {
  const int fd = dut.socket(domain, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  BOOST_TEST_REQUIRE(fd >= 0);
  int r = 0;
  if (domain == AF_INET) {
    const auto a = socket_address(wire::Ipv4Address{}, port);
    r = dut.bind(fd, as_sockaddr(a), sizeof a);
  } else {
    const auto a = socket_address(wire::Ipv6Address{}, port);
    r = dut.bind(fd, as_sockaddr(a), sizeof a);
  }
  BOOST_TEST_REQUIRE(r == 0);
  return fd;
}

// RFC 768: a datagram to a bound port reaches the socket with its source
// address and port; the next receive finds nothing (EAGAIN).
inline void udp_receive_ipv4(TestBench& bench, Dut& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const int fd = bound_udp_socket(dut, AF_INET, 7000);
  BOOST_TEST(
      bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / udp(5000, 7000) / payload("to the app")));
  BOOST_TEST((dut.wait_for(fd, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  std::vector<std::byte> buffer(64);
  sockaddr_in from{};
  socklen_t from_length = sizeof from;
  const ssize_t n = dut.recvfrom(fd, buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_length);
  BOOST_TEST(n == 10);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(buffer.data()),
                         n > 0 ? static_cast<std::size_t>(n) : 0) == "to the app");
  BOOST_TEST(from_length == sizeof(sockaddr_in));
  BOOST_TEST(from.sin_family == AF_INET);
  BOOST_TEST(ntohs(from.sin_port) == 5000);
  BOOST_TEST(std::memcmp(&from.sin_addr, peer.peer_ipv4->octets.data(), 4) == 0);
  BOOST_TEST(dut.recvfrom(fd, buffer, 0) == -EAGAIN);
  BOOST_TEST(dut.close(fd) == 0);
}

inline void udp_receive_ipv6(TestBench& bench, Dut& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const int fd = bound_udp_socket(dut, AF_INET6, 7000);
  BOOST_TEST(
      bench.inject(bench.link_to_dut() / bench.ipv6_to_dut() / udp(5000, 7000) / payload("over IPv6")));
  BOOST_TEST((dut.wait_for(fd, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  std::vector<std::byte> buffer(64);
  sockaddr_in6 from{};
  socklen_t from_length = sizeof from;
  const ssize_t n = dut.recvfrom(fd, buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_length);
  BOOST_TEST(n == 9);
  BOOST_TEST(from_length == sizeof(sockaddr_in6));
  BOOST_TEST(from.sin6_family == AF_INET6);
  BOOST_TEST(ntohs(from.sin6_port) == 5000);
  BOOST_TEST(std::memcmp(&from.sin6_addr, peer.peer_ipv6->octets.data(), 16) == 0);
  BOOST_TEST(dut.recvfrom(fd, buffer, 0) == -EAGAIN);
  BOOST_TEST(dut.close(fd) == 0);
}

// The DUT's sendto: one datagram with the bound source port, the default
// TTL 64, and a checksum the decoder verified.
inline void udp_send_ipv4(TestBench& bench, Dut& dut, const DutIdentity& id, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const int fd = bound_udp_socket(dut, AF_INET, 7001);
  const auto to = socket_address(*peer.peer_ipv4, 5001);
  BOOST_TEST(dut.sendto(fd, text_bytes("from the app"), 0, as_sockaddr(to), sizeof to) == 12);
  BOOST_TEST(bench.expect_ipv4(src(*id.ipv4), dst(*peer.peer_ipv4), ttl(64),
                               udp(sport(7001), dport(5001), length(20), payload("from the app"))));
  BOOST_TEST(dut.close(fd) == 0);
}

inline void udp_send_ipv6(TestBench& bench, Dut& dut, const DutIdentity& id, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const int fd = bound_udp_socket(dut, AF_INET6, 7001);
  const auto to = socket_address(*peer.peer_ipv6, 5001);
  BOOST_TEST(dut.sendto(fd, text_bytes("from the app"), 0, as_sockaddr(to), sizeof to) == 12);
  BOOST_TEST(bench.expect_ipv6(src(*id.ipv6), dst(*peer.peer_ipv6), hop_limit(64),
                               udp(sport(7001), dport(5001), length(20), payload("from the app"))));
  BOOST_TEST(dut.close(fd) == 0);
}

// ICMP4-6: port unreachable about a connected socket's datagram is reported
// to it as ECONNREFUSED by the next call, once.
inline void udp_connected_port_unreachable(TestBench& bench, Dut& dut, const DutIdentity& id,
                                           const TestBenchConfig& peer, bool ipv6) {
  bench.skip(link_chatter());
  const int fd = bound_udp_socket(dut, ipv6 ? AF_INET6 : AF_INET, 7002);
  const auto to4 = socket_address(peer.peer_ipv4.value_or(wire::Ipv4Address{}), 5002);
  const auto to6 = socket_address(peer.peer_ipv6.value_or(wire::Ipv6Address{}), 5002);
  const int connected =
      ipv6 ? dut.connect(fd, as_sockaddr(to6), sizeof to6) : dut.connect(fd, as_sockaddr(to4), sizeof to4);
  BOOST_TEST_REQUIRE(connected == 0);
  BOOST_TEST(dut.sendto(fd, text_bytes("anyone?"), 0, nullptr, 0) == 7);
  const auto sent = ipv6 ? bench.expect_ipv6(src(*id.ipv6), udp(sport(7002), dport(5002)))
                         : bench.expect_ipv4(src(*id.ipv4), udp(sport(7002), dport(5002)));
  BOOST_TEST_REQUIRE(static_cast<bool>(sent));
  const auto quote_of = ip_datagram_of(sent.frame());
  if (ipv6)
    BOOST_TEST(
        bench.inject(bench.link_to_dut() / bench.ipv6_to_dut() / icmpv6_dest_unreachable(4, quote_of)));
  else
    BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / icmp_dest_unreachable(3, quote_of)));
  BOOST_TEST((dut.wait_for(fd, POLLIN, net::Duration::seconds(1)) & POLLERR) != 0);
  std::vector<std::byte> buffer(16);
  BOOST_TEST(dut.recvfrom(fd, buffer, 0) == -ECONNREFUSED);
  BOOST_TEST(dut.recvfrom(fd, buffer, 0) == -EAGAIN);
  BOOST_TEST(dut.close(fd) == 0);
}

// UDP-4 / UDP-5: a short buffer gets the start and MSG_TRUNC; MSG_TRUNC in the
// flags returns the real length; MSG_PEEK leaves the datagram queued.
inline void udp_truncate_and_peek(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  bench.skip(link_chatter());
  const int fd = bound_udp_socket(dut, AF_INET, 7003);
  const std::string text(100, 'x');
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / udp(5003, 7003) /
                          payload(std::string_view(text))));
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / udp(5003, 7003) /
                          payload(std::string_view(text))));
  BOOST_TEST((dut.wait_for(fd, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  std::vector<std::byte> buffer(10);
  iovec v{buffer.data(), buffer.size()};
  msghdr m{};
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  BOOST_TEST(dut.recvmsg(fd, &m, MSG_PEEK) == 10);
  BOOST_TEST((m.msg_flags & MSG_TRUNC) != 0);
  m.msg_flags = 0;
  BOOST_TEST(dut.recvmsg(fd, &m, 0) == 10);
  BOOST_TEST((m.msg_flags & MSG_TRUNC) != 0);
  BOOST_TEST((dut.wait_for(fd, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  m.msg_flags = 0;
  BOOST_TEST(dut.recvmsg(fd, &m, MSG_TRUNC) == 100);
  BOOST_TEST((m.msg_flags & MSG_TRUNC) != 0);
  BOOST_TEST(dut.recvfrom(fd, buffer, 0) == -EAGAIN);
  BOOST_TEST(dut.close(fd) == 0);
}

// CMSG-4: IP_TTL in sendmsg's control buffer sets that datagram's TTL; an
// out-of-range one is EINVAL and nothing is sent.
inline void udp_ttl_cmsg(TestBench& bench, Dut& dut, const DutIdentity& id, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const int fd = bound_udp_socket(dut, AF_INET, 7004);
  const auto to = socket_address(*peer.peer_ipv4, 5004);
  auto send_with_ttl = [&](int ttl_value) {
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))] = {};
    std::string text = "ttl";
    iovec v{text.data(), text.size()};
    msghdr m{};
    m.msg_name = const_cast<sockaddr_in*>(&to);
    m.msg_namelen = sizeof to;
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_TTL;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &ttl_value, sizeof ttl_value);
    return dut.sendmsg(fd, &m, 0);
  };
  BOOST_TEST(send_with_ttl(5) == 3);
  BOOST_TEST(bench.expect_ipv4(src(*id.ipv4), ttl(5), udp(sport(7004), dport(5004), payload("ttl"))));
  BOOST_TEST(send_with_ttl(0) == -EINVAL);
  BOOST_TEST(send_with_ttl(256) == -EINVAL);
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(200)));
  BOOST_TEST(dut.close(fd) == 0);
}

// CMSG-8: IP_PKTINFO and IP_RECVTTL deliver the header's destination and TTL.
inline void udp_pktinfo_and_ttl_received(TestBench& bench, Dut& dut, const DutIdentity& id,
                                         const TestBenchConfig&) {
  bench.skip(link_chatter());
  const int fd = bound_udp_socket(dut, AF_INET, 7005);
  const int on = 1;
  BOOST_TEST(dut.setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) == 0);
  BOOST_TEST(dut.setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on) == 0);
  BOOST_TEST(
      bench.inject(bench.link_to_dut() / bench.ipv4_to_dut().ttl(33) / udp(5005, 7005) / payload("info")));
  BOOST_TEST((dut.wait_for(fd, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  std::vector<std::byte> buffer(16);
  iovec v{buffer.data(), buffer.size()};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  BOOST_TEST(dut.recvmsg(fd, &m, 0) == 4);
  BOOST_TEST((m.msg_flags & MSG_CTRUNC) == 0);
  BOOST_TEST(m.msg_controllen == sizeof control);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST(c->cmsg_level == IPPROTO_IP);
  BOOST_TEST(c->cmsg_type == IP_PKTINFO);
  in_pktinfo info{};
  std::memcpy(&info, CMSG_DATA(c), sizeof info);
  BOOST_TEST(std::memcmp(&info.ipi_addr, id.ipv4->octets.data(), 4) == 0);
  BOOST_TEST(std::memcmp(&info.ipi_spec_dst, id.ipv4->octets.data(), 4) == 0);
  BOOST_TEST(info.ipi_ifindex > 0);
  c = CMSG_NXTHDR(&m, c);
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST(c->cmsg_type == IP_TTL);
  int ttl_value = 0;
  std::memcpy(&ttl_value, CMSG_DATA(c), sizeof ttl_value);
  BOOST_TEST(ttl_value == 33);
  BOOST_TEST(dut.close(fd) == 0);
}

// UDP-3 on the DUT: no socket on the port -> port unreachable quoting the datagram.
inline void udp_port_unreachable_ipv6(TestBench& bench, const DutIdentity& id, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const Packet datagram = bench.ipv6_to_dut() / udp(40000, 9) / payload("anyone?");
  BOOST_TEST(bench.inject(bench.link_to_dut() / datagram));
  BOOST_TEST(bench.expect_ipv6(src(*id.ipv6), dst(*peer.peer_ipv6),
                               icmpv6(dest_unreachable(code(4), quote(datagram)))));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(200)));
}

// ---- TCP with the bench as the peer ------------------------------------------------------------
//
// The bench plays the remote TCP by hand: it answers the DUT's SYN, sends
// segments with numbers relative to the connection, and reads the DUT's
// segments back (the same bytes on both DUTs; the DUT's ISN, ports and
// timestamps are learnt from what it sends).

// A connection between the bench and the DUT, as the bench keeps it.
struct BenchTcp {
  int fd = -1;  // the DUT's descriptor
  std::uint16_t bench_port = 0;
  std::uint16_t dut_port = 0;
  std::uint32_t dut_isn = 0;
  std::uint32_t bench_isn = 0;
  std::uint32_t bench_nxt = 0;  // the next sequence number the bench sends
  std::uint32_t bench_ack = 0;  // the next DUT byte the bench expects
  std::uint16_t window = 65535;

  std::uint32_t dut_seq(std::uint32_t n) const { return dut_isn + 1 + n; }      // NOLINT: modular
  std::uint32_t bench_seq(std::uint32_t n) const { return bench_isn + 1 + n; }  // NOLINT: modular
  TcpLayer segment(std::string_view flags) const {
    return tcp(bench_port, dut_port).flags(flags).seq(bench_nxt).ack(bench_ack).window(window);
  }
};

// The TCP header of a frame the DUT sent (IPv4 or IPv6, no extension headers),
// with the payload's size; none if it is not TCP.
struct DutSegment {
  wire::TcpRepr tcp;
  std::size_t payload = 0;
};
inline std::optional<DutSegment> dut_segment(const std::optional<DutFrame>& frame) {
  if (!frame) return std::nullopt;
  const auto d = decode(Frame(frame->bytes));
  const DecodedLayer* t = d.find("TCP");
  if (t == nullptr) return std::nullopt;
  auto number = [&](const char* name) -> std::uint32_t {
    const DecodedField* f = t->field(name);
    return f != nullptr ? static_cast<std::uint32_t>(std::stoul(f->value)) : 0u;
  };
  DutSegment s;
  s.tcp.src_port = static_cast<std::uint16_t>(number("sport"));
  s.tcp.dst_port = static_cast<std::uint16_t>(number("dport"));
  s.tcp.seq = wire::SeqNum(number("seq"));
  s.tcp.ack = wire::SeqNum(number("ack"));
  s.tcp.window = static_cast<std::uint16_t>(number("window"));
  if (const DecodedField* f = t->field("flags")) s.tcp.flags = tcp_flags(f->value);
  if (const DecodedField* f = t->field("payload")) s.payload = f->value.size() / 2;
  return s;
}

// The DUT connects to the bench's `port` over IPv4; the bench answers with a
// SYN-ACK carrying only an MSS option (`mss` 0: none) and `window`, and takes
// the DUT's ACK. A connection with fd -1 after a failed check.
inline BenchTcp dut_connects(TestBench& bench, Dut& dut, const TestBenchConfig& peer, std::uint16_t port,
                             std::uint16_t mss = 1460, std::uint16_t window = 65535, int nodelay = 0) {
  BenchTcp c;
  c.bench_port = port;
  c.bench_isn = 0x10000000;
  c.window = window;
  const int fd = dut.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return c;
  if (nodelay != 0) BOOST_TEST(dut.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay) == 0);
  const auto to = socket_address(*peer.peer_ipv4, port);
  BOOST_TEST(dut.connect(fd, as_sockaddr(to), sizeof to) == -EINPROGRESS);
  const auto syn = bench.expect_ipv4(tcp(flags("S"), dport(port)));
  BOOST_TEST(static_cast<bool>(syn));
  const auto s = dut_segment(syn.frame());
  if (!s) return c;
  c.dut_port = s->tcp.src_port;
  c.dut_isn = s->tcp.seq.value();
  c.bench_ack = c.dut_seq(0);
  c.bench_nxt = c.bench_isn;
  auto synack = c.segment("SA");
  if (mss != 0) synack = synack.mss(mss);
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / synack));
  c.bench_nxt = c.bench_seq(0);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(0)), ack(c.bench_seq(0)))));
  BOOST_TEST((dut.wait_for(fd, POLLOUT, net::Duration::seconds(1)) & POLLOUT) != 0);
  c.fd = fd;
  return c;
}

// The bench sends `data` on the connection and moves its sequence number on.
inline void bench_sends(TestBench& bench, BenchTcp& c, std::string_view data, std::string_view flags = "PA") {
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / c.segment(flags) / payload(data)));
  c.bench_nxt += static_cast<std::uint32_t>(data.size());
  if (flags.find('F') != std::string_view::npos) c.bench_nxt += 1;
}
inline void bench_acks(TestBench& bench, BenchTcp& c, std::uint32_t dut_bytes) {
  c.bench_ack = c.dut_seq(dut_bytes);
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / c.segment("A")));
}

}  // namespace hardstack::harness::scenarios

// The TCP state machine and closing rules (TCP-SM-*, TCP-RST-1, TCP-CLOSE-*, SOCK-4 ...).
#include "dut_scenarios_tcp.hpp"  // NOLINT(llvm-include-order): uses the helpers above

// Every socket scenario, for a test file to turn into one test case each:
//   #define RUN(name, call) BOOST_AUTO_TEST_CASE(name) { ...make dut, bench, config...; call; }
//   HARDSTACK_SOCKET_SCENARIOS(RUN)
// `call` uses `bench`, `dut` (a pointer-like Dut), `config` (the TestBenchConfig).
#define HARDSTACK_SOCKET_SCENARIOS(X)                                                                   \
  X(udp_datagram_reaches_the_bound_socket_ipv4, scenarios::udp_receive_ipv4(bench, *dut, config))       \
  X(udp_datagram_reaches_the_bound_socket_ipv6, scenarios::udp_receive_ipv6(bench, *dut, config))       \
  X(udp_sendto_sends_one_datagram_ipv4, scenarios::udp_send_ipv4(bench, *dut, dut->identity(), config)) \
  X(udp_sendto_sends_one_datagram_ipv6, scenarios::udp_send_ipv6(bench, *dut, dut->identity(), config)) \
  X(ICMP4_6_port_unreachable_refuses_the_connected_socket_ipv4,                                         \
    scenarios::udp_connected_port_unreachable(bench, *dut, dut->identity(), config, false))             \
  X(ICMP4_6_port_unreachable_refuses_the_connected_socket_ipv6,                                         \
    scenarios::udp_connected_port_unreachable(bench, *dut, dut->identity(), config, true))              \
  X(UDP_4_UDP_5_truncation_and_peek, scenarios::udp_truncate_and_peek(bench, *dut, config))             \
  X(CMSG_4_ip_ttl_cmsg_sets_the_ttl_or_einval,                                                          \
    scenarios::udp_ttl_cmsg(bench, *dut, dut->identity(), config))                                      \
  X(CMSG_8_pktinfo_and_ttl_are_received,                                                                \
    scenarios::udp_pktinfo_and_ttl_received(bench, *dut, dut->identity(), config))                      \
  X(UDP_3_no_socket_gets_port_unreachable_ipv6,                                                         \
    scenarios::udp_port_unreachable_ipv6(bench, dut->identity(), config))                               \
  HARDSTACK_TCP_STATE_SCENARIOS(X)

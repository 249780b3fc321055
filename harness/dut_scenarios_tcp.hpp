// TCP scenarios for both DUTs (included by dut_scenarios.hpp, whose helpers
// they use): the state machine and the closing rules the conformance suites
// check on the stack alone (conformance/tcp_state_test.cpp,
// tcp_close_test.cpp), here with the bench as the peer of the Linux kernel
// too, so each asserted segment, errno and poll mask is Linux's. Fields that
// differ by design between the two (windows, window scale, timestamps,
// ISNs) are not compared; sequence numbers are, relative to each side's ISN.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <string>

#include "dut_scenarios.hpp"  // the helpers these build on (BenchTcp, dut_segment ...)

namespace hardstack::harness::scenarios {

// A listening socket of the DUT on `port` (IPv4 any); -1 after a failed check.
inline int dut_listener(Dut& dut, std::uint16_t port, int backlog = 8) {
  const int fd = dut.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  BOOST_TEST_REQUIRE(fd >= 0);
  const auto at = socket_address(wire::Ipv4Address{}, port);
  BOOST_TEST_REQUIRE(dut.bind(fd, as_sockaddr(at), sizeof at) == 0);
  BOOST_TEST_REQUIRE(dut.listen(fd, backlog) == 0);
  return fd;
}

// The bench connects to the DUT's listener on `dut_port` from `bench_port`:
// SYN with an MSS option, the DUT's SYN-ACK, the ACK, accept4(). A
// connection with fd -1 after a failed check.
inline BenchTcp bench_connects(TestBench& bench, Dut& dut, int listener, std::uint16_t dut_port,
                               std::uint16_t bench_port) {
  BenchTcp c;
  c.bench_port = bench_port;
  c.dut_port = dut_port;
  c.bench_isn = 0x20000000;
  c.bench_nxt = c.bench_isn;
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / c.segment("S").mss(1460)));
  const auto synack =
      bench.expect_ipv4(tcp(flags("SA"), sport(dut_port), dport(bench_port), ack(c.bench_seq(0))));
  BOOST_TEST(static_cast<bool>(synack));
  const auto s = dut_segment(synack.frame());
  if (!s) return c;
  c.dut_isn = s->tcp.seq.value();
  c.bench_nxt = c.bench_seq(0);
  c.bench_ack = c.dut_seq(0);
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / c.segment("A")));
  BOOST_TEST((dut.wait_for(listener, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  c.fd = dut.accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_TEST(c.fd >= 0);
  return c;
}

// The DUT connects to the bench's `port` over IPv4: -EINPROGRESS and its SYN,
// taken. The connection as the bench keeps it (bench ISN 0x30000000, nothing
// acknowledged yet); fd -1 after a failed check.
inline BenchTcp dut_sends_syn(TestBench& bench, Dut& dut, const TestBenchConfig& peer, std::uint16_t port) {
  BenchTcp c;
  c.bench_port = port;
  c.bench_isn = 0x30000000;
  c.bench_nxt = c.bench_isn;
  const int fd = dut.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return c;
  const auto to = socket_address(*peer.peer_ipv4, port);
  BOOST_TEST(dut.connect(fd, as_sockaddr(to), sizeof to) == -EINPROGRESS);
  const auto syn = dut_segment(bench.expect_ipv4(tcp(flags("S"), dport(port))).frame());
  if (!syn) return c;
  c.dut_port = syn->tcp.src_port;
  c.dut_isn = syn->tcp.seq.value();
  c.fd = fd;
  return c;
}

// A DUT listener on `dut_port` and the connection the bench made to it from
// `bench_port`, accepted (the scenario's usual start; link chatter skipped).
struct AcceptedTcp {
  int listener = -1;
  BenchTcp c;
};
inline AcceptedTcp accepted_tcp(TestBench& bench, Dut& dut, std::uint16_t dut_port,
                                std::uint16_t bench_port) {
  bench.skip(link_chatter());
  AcceptedTcp a;
  a.listener = dut_listener(dut, dut_port);
  a.c = bench_connects(bench, dut, a.listener, dut_port, bench_port);
  return a;
}

// TCP_INFO's state of a DUT socket (TCP_ESTABLISHED ...), or -errno.
inline int dut_tcp_state(Dut& dut, int fd) {
  tcp_info info{};
  socklen_t n = sizeof info;
  const int r = dut.getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &n);
  return r < 0 ? r : info.tcpi_state;
}
// The same once it reads `state`, looking again for up to a second of DUT
// time (a real kernel may take the bench's last frame a moment later).
inline int dut_tcp_state_becomes(Dut& dut, int fd, int state) {
  int now = dut_tcp_state(dut, fd);
  for (int i = 0; i < 100 && now != state; ++i) {
    dut.advance(net::Duration::milliseconds(10));
    now = dut_tcp_state(dut, fd);
  }
  return now;
}
// Readiness now, whatever it was asked for (POLLERR and POLLHUP always come).
inline short dut_revents(Dut& dut, int fd) {
  return dut.wait_for(fd, POLLIN | POLLOUT | POLLRDHUP, net::Duration::zero());
}
inline int dut_so_error(Dut& dut, int fd) {
  int e = 0;
  socklen_t n = sizeof e;
  BOOST_TEST(dut.getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &n) == 0);
  return e;
}
// Whether a TCP frame the DUT sent carries the option field `name` (decode.hpp's: "window_scale").
inline bool has_tcp_option(const ExpectResult& r, const char* name) {
  if (!r.frame()) return false;
  const auto d = decode(Frame(r.frame()->bytes));
  const DecodedLayer* t = d.find("TCP");
  return t != nullptr && t->field(name) != nullptr;
}
inline void bench_segment(TestBench& bench, const TcpLayer& t, std::string_view data = {}) {
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / t / payload(data)));
}

constexpr short tcp_with_error = POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP;
constexpr short tcp_both_shut = POLLIN | POLLOUT | POLLHUP | POLLRDHUP;

// TCP-SM-2: a segment for no connection gets a RST: <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
// <CTL=RST,ACK> without ACK in it, <SEQ=SEG.ACK><CTL=RST> with; never one for a RST.
inline void tcp_no_connection_gets_rst(TestBench& bench, const DutIdentity& dut,
                                       const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  bench_segment(bench, tcp(40000, 9).flags("S").seq(1000).mss(1460));
  BOOST_TEST(bench.expect_ipv4(src(*dut.ipv4), dst(*peer.peer_ipv4),
                               tcp(sport(9), dport(40000), flags("RA"), seq(0), ack(1001), window(0))));
  bench_segment(bench, tcp(40000, 9).flags("PA").seq(1001).ack(777), "data");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("R"), seq(777), ack(0), window(0))));
  bench_segment(bench, tcp(40000, 9).flags("P").seq(1005), "0123456789");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("RA"), seq(0), ack(1015))));
  bench_segment(bench, tcp(40000, 9).flags("R").seq(1015));
  bench_segment(bench, tcp(40000, 9).flags("RA").seq(1015).ack(5));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));
}

inline void tcp_no_connection_gets_rst_ipv6(TestBench& bench, const DutIdentity& dut,
                                            const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv6_to_dut() / tcp(40000, 9).flags("S").seq(1000)));
  BOOST_TEST(bench.expect_ipv6(src(*dut.ipv6), dst(*peer.peer_ipv6),
                               tcp(sport(9), dport(40000), flags("RA"), seq(0), ack(1001), window(0))));
}

// TCP-SM-3: LISTEN ignores a RST, answers an ACK with a RST at its ACK, a SYN with a SYN-ACK.
inline void tcp_listen_answers(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  bench.skip(link_chatter());
  const int l = dut_listener(dut, 7100);
  bench_segment(bench, tcp(40000, 7100).flags("R").seq(5));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));
  bench_segment(bench, tcp(40000, 7100).flags("A").seq(5).ack(424242));
  BOOST_TEST(bench.expect_ipv4(tcp(flags("R"), seq(424242), ack(0), window(0))));
  bench_segment(bench, tcp(40000, 7100).flags("S").seq(1000).mss(1460));
  BOOST_TEST(bench.expect_ipv4(tcp(flags("SA"), ack(1001), mss(1460))));
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-SM-3: with the SYN queue full (listen(fd, 0) holds one), a SYN is
// answered with a SYN cookie: no window scale or SACK without timestamps to
// keep them; its ACK still makes a connection.
inline void tcp_full_syn_queue_answers_with_a_cookie(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  bench.skip(link_chatter());
  const int l = dut_listener(dut, 7101, 0);
  auto syn = [](std::uint16_t port) {
    return tcp(port, 7101).flags("S").seq(1000).mss(1460).window_scale(2).sack_permitted();
  };
  bench_segment(bench, syn(40001));
  const auto full = bench.expect_ipv4(tcp(flags("SA"), dport(40001), ack(1001)));
  BOOST_TEST(has_tcp_option(full, "window_scale"));
  bench_segment(bench, syn(40002));
  const auto cookie = bench.expect_ipv4(tcp(flags("SA"), dport(40002), ack(1001)));
  BOOST_TEST(!has_tcp_option(cookie, "window_scale"));
  BOOST_TEST(!has_tcp_option(cookie, "sack_permitted"));
  const auto a = dut_segment(full.frame());
  const auto b = dut_segment(cookie.frame());
  BOOST_TEST_REQUIRE((a && b));
  bench_segment(bench, tcp(40001, 7101).flags("A").seq(1001).ack(a->tcp.seq.value() + 1));
  BOOST_TEST((dut.wait_for(l, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  const int first = dut.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_TEST(first >= 0);
  bench_segment(bench, tcp(40002, 7101).flags("A").seq(1001).ack(b->tcp.seq.value() + 1));
  BOOST_TEST((dut.wait_for(l, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  const int second = dut.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_TEST(second >= 0);
  BOOST_TEST(dut_tcp_state(dut, second) == TCP_ESTABLISHED);
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));
}

// TCP-SM-1 and TCP-CLOSE-5: a passive open, data both ways, the DUT's FIN
// after its data, FIN-WAIT-1, FIN-WAIT-2, the peer's FIN ACKed, TIME-WAIT
// (the descriptor reads CLOSE, as Linux's socket does), and a retransmitted
// FIN ACKed again.
inline void tcp_open_data_and_active_close(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] = accepted_tcp(bench, dut, 7102, 40003);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  BOOST_TEST(dut_tcp_state(dut, c.fd) == TCP_ESTABLISHED);
  bench_sends(bench, c, "ping");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(0)), ack(c.bench_seq(4)))));
  BOOST_TEST((dut.wait_for(c.fd, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  std::vector<std::byte> buffer(16);
  BOOST_TEST(dut.recvfrom(c.fd, buffer, 0) == 4);
  BOOST_TEST(dut.sendto(c.fd, text_bytes("pong"), 0, nullptr, 0) == 4);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("PA"), seq(c.dut_seq(0)), ack(c.bench_seq(4)), payload("pong"))));
  BOOST_TEST(dut.shutdown(c.fd, SHUT_WR) == 0);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("FA"), seq(c.dut_seq(4)), ack(c.bench_seq(4)))));
  BOOST_TEST(dut_tcp_state(dut, c.fd) == TCP_FIN_WAIT1);
  bench_acks(bench, c, 5);
  BOOST_TEST(dut_tcp_state_becomes(dut, c.fd, TCP_FIN_WAIT2) == TCP_FIN_WAIT2);
  bench_sends(bench, c, "", "FA");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(5)), ack(c.bench_seq(5)))));
  BOOST_TEST(dut_tcp_state(dut, c.fd) == TCP_CLOSE);
  BOOST_TEST(dut_revents(dut, c.fd) == tcp_both_shut);
  bench_segment(bench, c.segment("FA").seq(c.bench_seq(4)));  // the FIN again
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(5)), ack(c.bench_seq(5)))));
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-CLOSE-5 (RFC 1122 4.2.2.13, LINUX): a SYN above RCV.NXT to a listener's
// four-tuple in TIME-WAIT opens a new connection with ISN = the old SND.NXT + 65537.
inline void tcp_time_wait_reopened_by_a_new_syn(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] = accepted_tcp(bench, dut, 7103, 40004);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("FA"), seq(c.dut_seq(0)))));
  bench_acks(bench, c, 1);
  bench_sends(bench, c, "", "FA");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(1)), ack(c.bench_seq(1)))));
  bench_segment(bench, tcp(40004, 7103).flags("S").seq(c.bench_seq(100000)).mss(1460));
  BOOST_TEST(bench.expect_ipv4(tcp(flags("SA"), seq(c.dut_seq(1) + 65537), ack(c.bench_seq(100001)))));
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-CLOSE-1 (RFC 2525 2.17): close() with unread data sends <RST,ACK> at SND.NXT, not a FIN.
inline void tcp_close_with_unread_data_sends_rst(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] = accepted_tcp(bench, dut, 7104, 40005);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  bench_sends(bench, c, "unread");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(0)), ack(c.bench_seq(6)))));
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("RA"), seq(c.dut_seq(0)), ack(c.bench_seq(6)))));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-CLOSE-2: data for a connection closed in FIN-WAIT-1 is answered with <SEQ=SEG.ACK><CTL=RST>.
inline void tcp_data_after_close_gets_rst(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] = accepted_tcp(bench, dut, 7105, 40006);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("FA"), seq(c.dut_seq(0)), ack(c.bench_seq(0)))));
  bench_sends(bench, c, "late");  // not acknowledging the FIN
  BOOST_TEST(bench.expect_ipv4(tcp(flags("R"), seq(c.dut_seq(0)), ack(0), window(0))));
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-CLOSE-3: SO_LINGER {1, 0}: close() sends <RST,ACK> at once.
inline void tcp_linger_zero_sends_rst(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] = accepted_tcp(bench, dut, 7106, 40007);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const linger now{1, 0};
  BOOST_TEST(dut.setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &now, sizeof now) == 0);
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("RA"), seq(c.dut_seq(0)), ack(c.bench_seq(0)))));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-RST-1 and TCP-SYN-1 (RFC 5961): a RST in the window but not at RCV.NXT
// and a SYN get a challenge ACK, a second within 500 ms none (LINUX
// tcp_invalid_ratelimit); a RST at RCV.NXT resets: ECONNRESET.
inline void tcp_challenge_acks_and_reset(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] = accepted_tcp(bench, dut, 7107, 40008);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const auto challenge = tcp(flags("A"), seq(c.dut_seq(0)), ack(c.bench_seq(0)));
  bench_segment(bench, c.segment("R").seq(c.bench_seq(100)));
  BOOST_TEST(bench.expect_ipv4(challenge));
  bench_segment(bench, c.segment("S").seq(c.bench_seq(100)));
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));  // within 500 ms of the last
  bench.advance(net::Duration::milliseconds(500));
  bench_segment(bench, c.segment("S").seq(c.bench_seq(100)));
  BOOST_TEST(bench.expect_ipv4(challenge));
  BOOST_TEST(dut_tcp_state(dut, c.fd) == TCP_ESTABLISHED);
  bench_segment(bench, c.segment("R").seq(c.bench_seq(0)));
  BOOST_TEST(dut_tcp_state_becomes(dut, c.fd, TCP_CLOSE) == TCP_CLOSE);
  BOOST_TEST(dut_revents(dut, c.fd) == tcp_with_error);
  std::vector<std::byte> buffer(8);
  BOOST_TEST(dut.recvfrom(c.fd, buffer, 0) == -ECONNRESET);
  BOOST_TEST(dut.sendto(c.fd, text_bytes("x"), 0, nullptr, 0) == -EPIPE);
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-SEQ-1 (LINUX tcp_oow_rate_limited): an out-of-window ACK gets an ACK,
// a second at once none; out-of-window data always gets one.
inline void tcp_out_of_window_acks_rate_limited(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] = accepted_tcp(bench, dut, 7108, 40009);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const auto ack_now = tcp(flags("A"), seq(c.dut_seq(0)), ack(c.bench_seq(0)));
  const auto stale = c.segment("A").seq(c.bench_seq(200000));
  bench_segment(bench, stale);
  BOOST_TEST(bench.expect_ipv4(ack_now));
  bench_segment(bench, stale);
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));
  bench_segment(bench, stale, "x");
  BOOST_TEST(bench.expect_ipv4(ack_now));
  bench_segment(bench, stale, "x");
  BOOST_TEST(bench.expect_ipv4(ack_now));
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-SM-1: simultaneous open. The DUT's SYN crosses the bench's: the DUT
// answers SYN-ACK (its ISN again) in SYN-RECEIVED, and the bench's SYN-ACK
// establishes it with an ACK.
inline void tcp_simultaneous_open(TestBench& bench, Dut& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  auto c = dut_sends_syn(bench, dut, peer, 7109);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const int fd = c.fd;
  const auto to = socket_address(*peer.peer_ipv4, 7109);
  bench_segment(bench, c.segment("S").ack(0).mss(1460));
  BOOST_TEST(bench.expect_ipv4(tcp(flags("SA"), seq(c.dut_isn), ack(c.bench_seq(0)))));
  BOOST_TEST(dut_tcp_state(dut, fd) == TCP_SYN_RECV);
  BOOST_TEST(dut_revents(dut, fd) == 0);
  bench_segment(bench, c.segment("SA").ack(c.dut_seq(0)).mss(1460));
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(0)), ack(c.bench_seq(0)))));
  BOOST_TEST(dut_tcp_state(dut, fd) == TCP_ESTABLISHED);
  BOOST_TEST(dut.connect(fd, as_sockaddr(to), sizeof to) == 0);
  BOOST_TEST(dut.close(fd) == 0);
}

// TCP-SM-4: in SYN-SENT an unacceptable ACK gets <SEQ=SEG.ACK><CTL=RST> and
// the attempt goes on; a RST with an acceptable ACK refuses it.
inline void tcp_syn_sent_checks(TestBench& bench, Dut& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  const auto c = dut_sends_syn(bench, dut, peer, 7110);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const int fd = c.fd;
  const auto to = socket_address(*peer.peer_ipv4, 7110);
  const std::uint16_t port = c.dut_port;
  const std::uint32_t iss = c.dut_isn;
  bench_segment(bench, tcp(7110, port).flags("A").seq(5000).ack(iss + 2));
  BOOST_TEST(bench.expect_ipv4(tcp(flags("R"), seq(iss + 2), ack(0))));
  bench_segment(bench, tcp(7110, port).flags("R").seq(5000));  // no ACK: ignored
  BOOST_TEST(dut_tcp_state(dut, fd) == TCP_SYN_SENT);
  bench.clear_skips();
  bench.skip(link_chatter());
  bench.skip(FrameFilter{"the DUT's SYN sent again", [](const DecodedFrame& d) {
                           const auto* t = d.find("TCP");
                           return t != nullptr && t->field("flags")->value == "S";
                         }});
  bench_segment(bench, tcp(7110, port).flags("RA").seq(5000).ack(iss + 1));
  BOOST_TEST(dut_tcp_state_becomes(dut, fd, TCP_CLOSE) == TCP_CLOSE);
  BOOST_TEST(dut_revents(dut, fd) == tcp_with_error);
  BOOST_TEST(dut.connect(fd, as_sockaddr(to), sizeof to) == -ECONNREFUSED);
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(100)));
  BOOST_TEST(dut.close(fd) == 0);
}

// SOCK-4: readiness through a passive close: ESTABLISHED (POLLOUT), data
// (POLLIN), CLOSE-WAIT (POLLRDHUP, no POLLHUP), LAST-ACK (POLLHUP), CLOSED.
inline void tcp_readiness_through_a_passive_close(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  bench.skip(link_chatter());
  const int l = dut_listener(dut, 7111);
  BOOST_TEST(dut_revents(dut, l) == 0);
  auto c = bench_connects(bench, dut, l, 7111, 40010);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  BOOST_TEST(dut_revents(dut, l) == 0);
  BOOST_TEST(dut_revents(dut, c.fd) == POLLOUT);
  bench_sends(bench, c, "data");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), ack(c.bench_seq(4)))));
  BOOST_TEST(dut_revents(dut, c.fd) == (POLLIN | POLLOUT));
  bench_sends(bench, c, "", "FA");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), ack(c.bench_seq(5)))));
  BOOST_TEST(dut_revents(dut, c.fd) == (POLLIN | POLLOUT | POLLRDHUP));
  BOOST_TEST(dut_tcp_state(dut, c.fd) == TCP_CLOSE_WAIT);
  BOOST_TEST(dut.shutdown(c.fd, SHUT_WR) == 0);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("FA"), seq(c.dut_seq(0)), ack(c.bench_seq(5)))));
  BOOST_TEST(dut_tcp_state(dut, c.fd) == TCP_LAST_ACK);
  BOOST_TEST(dut_revents(dut, c.fd) == tcp_both_shut);
  bench_acks(bench, c, 1);
  BOOST_TEST(dut_tcp_state_becomes(dut, c.fd, TCP_CLOSE) == TCP_CLOSE);
  BOOST_TEST(dut_revents(dut, c.fd) == tcp_both_shut);
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(dut.close(l) == 0);
}

}  // namespace hardstack::harness::scenarios

// One test case each (see HARDSTACK_SOCKET_SCENARIOS).
#define HARDSTACK_TCP_STATE_SCENARIOS(X)                                                                    \
  X(TCP_SM_2_no_connection_gets_rst, scenarios::tcp_no_connection_gets_rst(bench, dut->identity(), config)) \
  X(TCP_SM_2_no_connection_gets_rst_ipv6,                                                                   \
    scenarios::tcp_no_connection_gets_rst_ipv6(bench, dut->identity(), config))                             \
  X(TCP_SM_3_listen_ignores_rst_resets_ack_answers_syn, scenarios::tcp_listen_answers(bench, *dut, config)) \
  X(TCP_SM_3_full_syn_queue_answers_with_a_cookie,                                                          \
    scenarios::tcp_full_syn_queue_answers_with_a_cookie(bench, *dut, config))                               \
  X(TCP_SM_1_open_data_and_active_close_through_time_wait,                                                  \
    scenarios::tcp_open_data_and_active_close(bench, *dut, config))                                         \
  X(TCP_SM_1_simultaneous_open, scenarios::tcp_simultaneous_open(bench, *dut, config))                      \
  X(TCP_SM_4_syn_sent_bad_ack_rst_and_refusal, scenarios::tcp_syn_sent_checks(bench, *dut, config))         \
  X(TCP_SEQ_1_out_of_window_acks_rate_limited,                                                              \
    scenarios::tcp_out_of_window_acks_rate_limited(bench, *dut, config))                                    \
  X(TCP_RST_1_TCP_SYN_1_challenge_acks_then_reset,                                                          \
    scenarios::tcp_challenge_acks_and_reset(bench, *dut, config))                                           \
  X(TCP_CLOSE_1_close_with_unread_data_sends_rst,                                                           \
    scenarios::tcp_close_with_unread_data_sends_rst(bench, *dut, config))                                   \
  X(TCP_CLOSE_2_data_after_close_gets_rst, scenarios::tcp_data_after_close_gets_rst(bench, *dut, config))   \
  X(TCP_CLOSE_3_linger_zero_sends_rst, scenarios::tcp_linger_zero_sends_rst(bench, *dut, config))           \
  X(TCP_CLOSE_5_time_wait_reopened_by_a_new_syn,                                                            \
    scenarios::tcp_time_wait_reopened_by_a_new_syn(bench, *dut, config))                                    \
  X(SOCK_4_tcp_readiness_through_a_passive_close,                                                           \
    scenarios::tcp_readiness_through_a_passive_close(bench, *dut, config))

// TCP data-transfer scenarios on a Dut (part of dut_scenarios.hpp, which
// includes this file after the helpers it builds on): Nagle, the persist
// timer, MSS, keepalive, SACK, timestamps and RFC 2525's wire-visible
// problems, each passing on Linux 6.1 (KernelDut) and on the stack.
#pragma once

#include <netinet/tcp.h>
#include <poll.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <string>
#include <vector>

#include "dut_scenarios_tcp.hpp"

namespace hardstack::harness::scenarios {

// TCP-NAGLE-1 (LINUX tcp_nagle_check with Minshall's rule): a 2000-byte write
// goes at once as 1460 + 540 (no small segment was out); a further small write
// waits until the 540 bytes are acknowledged.
inline void tcp_nagle_minshall(TestBench& bench, Dut& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  auto c = dut_connects(bench, dut, peer, 6001);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const std::string data(2000, 'n');
  BOOST_TEST(dut.sendto(c.fd, text_bytes(data), 0, nullptr, 0) == 2000);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(0)), payload(1460, 'n'))));
  BOOST_TEST(bench.expect_ipv4(tcp(flags("PA"), seq(c.dut_seq(1460)), payload(540, 'n'))));
  BOOST_TEST(dut.sendto(c.fd, text_bytes("y"), 0, nullptr, 0) == 1);
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(150)));
  bench_acks(bench, c, 2000);
  BOOST_TEST(bench.expect_ipv4(tcp(flags("PA"), seq(c.dut_seq(2000)), payload("y"))));
  BOOST_TEST(dut.close(c.fd) == 0);
}

// TCP-WIN-1 / RFC 2525 2.12 (LINUX tcp_write_xmit + tcp_write_wakeup): the
// peer's window shrinks to 100 bytes after it offered 65535: a segment of
// 100 bytes is below half the largest window, so nothing goes at once (sender
// SWS avoidance); the persist timer then sends the 100 bytes the window takes,
// so the connection cannot deadlock.
inline void tcp_small_window_filled_by_the_persist_timer(TestBench& bench, Dut& dut,
                                                         const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  auto c = dut_connects(bench, dut, peer, 6002);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  c.window = 100;
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / c.segment("A")));
  const std::string data(1000, 'w');
  BOOST_TEST(dut.sendto(c.fd, text_bytes(data), 0, nullptr, 0) == 1000);
  BOOST_TEST(bench.expect_none(net::Duration::milliseconds(150)));
  BOOST_TEST(bench.expect_ipv4(tcp(seq(c.dut_seq(0)), payload(100, 'w')), within(net::Duration::seconds(2))));
  BOOST_TEST(dut.close(c.fd) == 0);
}

// TCP-MSS-1: a SYN-ACK without an MSS option means 536 bytes per segment.
inline void tcp_mss_default_536(TestBench& bench, Dut& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  auto c = dut_connects(bench, dut, peer, 6003, 0, 65535, 1);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const std::string data(1000, 'm');
  BOOST_TEST(dut.sendto(c.fd, text_bytes(data), 0, nullptr, 0) == 1000);
  BOOST_TEST(bench.expect_ipv4(tcp(seq(c.dut_seq(0)), payload(536, 'm'))));
  BOOST_TEST(bench.expect_ipv4(tcp(seq(c.dut_seq(536)), payload(464, 'm'))));
  BOOST_TEST(dut.close(c.fd) == 0);
}

// TCP-KA-1: TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 2: two probes at
// SND.UNA - 1 a second apart, then RST and ETIMEDOUT (LINUX tcp_keepalive_timer).
inline void tcp_keepalive_probes_then_reset(TestBench& bench, Dut& dut, const TestBenchConfig& peer) {
  bench.skip(link_chatter());
  auto c = dut_connects(bench, dut, peer, 6004);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const int on = 1;
  const int two = 2;
  BOOST_TEST(dut.setsockopt(c.fd, IPPROTO_TCP, TCP_KEEPIDLE, &on, sizeof on) == 0);
  BOOST_TEST(dut.setsockopt(c.fd, IPPROTO_TCP, TCP_KEEPINTVL, &on, sizeof on) == 0);
  BOOST_TEST(dut.setsockopt(c.fd, IPPROTO_TCP, TCP_KEEPCNT, &two, sizeof two) == 0);
  BOOST_TEST(dut.setsockopt(c.fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) == 0);
  for (int k = 0; k < 2; ++k)
    BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), seq(c.dut_seq(0) - 1), ack(c.bench_nxt), payload("")),
                                 within(net::Duration::seconds(3))));
  BOOST_TEST(bench.expect_ipv4(tcp(flags("RA"), seq(c.dut_seq(0))), within(net::Duration::seconds(3))));
  std::vector<std::byte> buffer(8);
  BOOST_TEST(dut.recvfrom(c.fd, buffer, 0) == -ETIMEDOUT);
  BOOST_TEST(dut.close(c.fd) == 0);
}

// TCP-SACK-1: the DUT receiving out of order reports SACK blocks, the block
// of the segment just arrived first (RFC 2018 4), and acknowledges at once.
inline void tcp_sack_blocks_most_recent_first(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] =
      accepted_tcp(bench, dut, 6005, 45000, [](TcpLayer t) { return t.mss(1460).sack_permitted(); });
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const std::uint32_t base = c.bench_nxt;
  auto piece = [&](std::uint32_t k) {
    return std::to_string(base + k * 100) + "-" + std::to_string(base + k * 100 + 100);
  };
  c.bench_nxt = base + 100;
  bench_sends(bench, c, std::string(100, 'b'), "A");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), ack(base), field("sack", piece(1)))));
  c.bench_nxt = base + 300;
  bench_sends(bench, c, std::string(100, 'd'), "A");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), ack(base), field("sack", piece(3) + " " + piece(1)))));
  c.bench_nxt = base;
  bench_sends(bench, c, std::string(100, 'a'), "A");  // fills the first hole
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), ack(base + 200), field("sack", piece(3)))));
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(dut.close(l) == 0);
}

// TCP-TS-1: the SYN-ACK echoes the SYN's TSval; later ACKs echo the latest
// in-order TSval (RFC 7323 4.3).
inline void tcp_timestamps_echoed(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] =
      accepted_tcp(bench, dut, 6006, 45000, [](TcpLayer t) { return t.mss(1460).timestamps(1000, 0); });
  BOOST_TEST_REQUIRE(c.fd >= 0);
  BOOST_TEST(bench.inject(bench.link_to_dut() / bench.ipv4_to_dut() / c.segment("PA").timestamps(2000, 0) /
                          payload("stamp")));
  c.bench_nxt += 5;
  // Its ACK (at once on Linux, after the delayed-ACK time here) echoes 2000.
  const auto r = bench.expect_ipv4(tcp(flags("A"), ack(c.bench_nxt), payload("")));
  if (!r) BOOST_ERROR(r.message());
  const auto d = r.frame() ? decode(Frame(r.frame()->bytes)) : DecodedFrame{};
  const DecodedLayer* t = d.find("TCP");
  const DecodedField* ts = t != nullptr ? t->field("timestamps") : nullptr;
  BOOST_TEST_REQUIRE(ts != nullptr);
  BOOST_TEST(ts->value.substr(ts->value.find(' ')) == " tsecr=2000");
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(dut.close(l) == 0);
}

// RFC 2525 2.5: data above a hole is kept: the segment filling the hole is
// acknowledged together with it.
inline void rfc2525_above_sequence_data_retained(TestBench& bench, Dut& dut, const TestBenchConfig&) {
  auto [l, c] = accepted_tcp(bench, dut, 6007, 45000);
  BOOST_TEST_REQUIRE(c.fd >= 0);
  const std::uint32_t base = c.bench_nxt;
  c.bench_nxt = base + 500;
  bench_sends(bench, c, std::string(500, 'y'), "A");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), ack(base))));
  c.bench_nxt = base;
  bench_sends(bench, c, std::string(500, 'x'), "A");
  BOOST_TEST(bench.expect_ipv4(tcp(flags("A"), ack(base + 1000))));
  BOOST_TEST((dut.wait_for(c.fd, POLLIN, net::Duration::seconds(1)) & POLLIN) != 0);
  std::vector<std::byte> buffer(2000);
  BOOST_TEST(dut.recvfrom(c.fd, buffer, 0) == 1000);
  BOOST_TEST(dut.close(c.fd) == 0);
  BOOST_TEST(dut.close(l) == 0);
}

}  // namespace hardstack::harness::scenarios

#define HARDSTACK_TCP_TRANSFER_SCENARIOS(X)                                                                 \
  X(TCP_NAGLE_1_minshall_small_segment_waits_for_the_small_one_out,                                         \
    scenarios::tcp_nagle_minshall(bench, *dut, config))                                                     \
  X(TCP_WIN_1_small_window_filled_by_the_persist_timer,                                                     \
    scenarios::tcp_small_window_filled_by_the_persist_timer(bench, *dut, config))                           \
  X(TCP_MSS_1_no_option_means_536, scenarios::tcp_mss_default_536(bench, *dut, config))                     \
  X(TCP_KA_1_probes_then_reset_and_etimedout,                                                               \
    scenarios::tcp_keepalive_probes_then_reset(bench, *dut, config))                                        \
  X(TCP_SACK_1_blocks_most_recent_first, scenarios::tcp_sack_blocks_most_recent_first(bench, *dut, config)) \
  X(TCP_TS_1_timestamps_echoed, scenarios::tcp_timestamps_echoed(bench, *dut, config))                      \
  X(RFC2525_2_5_above_sequence_data_retained,                                                               \
    scenarios::rfc2525_above_sequence_data_retained(bench, *dut, config))

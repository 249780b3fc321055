// TCP data transfer conformance (REQUIREMENTS.md TCP-RTO-1, TCP-DACK-1,
// TCP-NAGLE-1, TCP-MSS-1, TCP-WIN-1, TCP-TS-1, TCP-SACK-1, TCP-CC-1,
// TCP-ISN-1, TCP-OOO-1, TCP-KA-1 and SOCK-5's TCP options). The bench plays
// the remote peer (tcp_transfer_fixture.hpp); every case asserts the segments the
// stack sends, or that it sends none, at exact virtual times, and what the
// application sees.
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "tcp_transfer_fixture.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::Duration;
using socket::TransportDropReason;

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_RTO_1)

BOOST_FIXTURE_TEST_CASE(TCP_RTO_1_syn_retransmitted_after_1_2_4_8_16_32_s_then_etimedout, TcpFixture) {
  // RFC 6298 2.1 / 5.5: the initial RTO is 1 s and doubles; LINUX
  // tcp_syn_retries 6: six retransmissions, then the attempt fails 64 s after
  // the last (127 s in all) with ETIMEDOUT, and no RST.
  const int fd = tcp_socket();
  BOOST_TEST_REQUIRE(connect_to_bench(fd, BenchSyn{}) == -EINPROGRESS);
  const auto first = one_segment();
  BOOST_TEST_REQUIRE(first.is("S"));
  TcpConn c;
  c.stack_port = first.tcp.src_port;
  c.bench_port = 40000;
  for (const std::int64_t wait_s : {1, 2, 4, 8, 16, 32}) {
    BOOST_TEST(ms(run_until_segment(Duration::seconds(100))) == wait_s * 1000);
    const auto again = one_segment();
    BOOST_TEST(again.is("S"));
    BOOST_TEST(again.seq() == first.seq());  // the same SYN and options, a fresh TSval
    BOOST_TEST(
        expect_segment(again, c, mss(1460), window_scale(7), sack_permitted(), timestamps(ts_now(), 0)));
  }
  run_for(Duration::seconds(64) - Duration::milliseconds(1));
  BOOST_TEST(connect_to_bench(fd, BenchSyn{}) == -EALREADY);  // still trying at 126.999 s
  BOOST_TEST(ms(run_until_segment(Duration::seconds(200))) == never_ms);
  BOOST_TEST((revents(fd) & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP));
  BOOST_TEST(connect_to_bench(fd, BenchSyn{}) == -ETIMEDOUT);
  BOOST_TEST(sockets.tcp_stats().attempt_fails == 1u);
  BOOST_TEST(sockets.tcp_stats().retrans_segs == 6u);
}

BOOST_FIXTURE_TEST_CASE(TCP_RTO_1_syn_ack_retransmitted_five_times_then_dropped, TcpFixture) {
  // LINUX tcp_synack_retries 5: the SYN-ACK again after 1, 2, 4, 8, 16 s; 32 s
  // later the half-open connection is gone: the bench's late ACK gets a RST.
  const int l = listener();
  TcpConn c;
  c.bench_port = 40000;
  c.stack_port = stack_port;
  c.bench_nxt = 5000;
  inject(c, c.segment("S").mss(1460));
  const auto synack = one_segment();
  BOOST_TEST_REQUIRE(synack.is("SA"));
  for (const std::int64_t wait_s : {1, 2, 4, 8, 16}) {
    BOOST_TEST(ms(run_until_segment(Duration::seconds(100))) == wait_s * 1000);
    const auto again = one_segment();
    BOOST_TEST(again.is("SA"));
    BOOST_TEST(again.seq() == synack.seq());
  }
  BOOST_TEST(ms(run_until_segment(Duration::seconds(32))) == never_ms);
  BOOST_TEST(sockets.accept(l, nullptr, nullptr) == -EAGAIN);
  c.bench_nxt = 5001;
  c.bench_ack = synack.seq() + 1;
  inject(c, c.segment("A"));
  const auto rst = one_segment();
  BOOST_TEST(expect_segment(rst, c, flags("R"), seq(synack.seq() + 1)));
  BOOST_TEST(sockets.accept(l, nullptr, nullptr) == -EAGAIN);
}

BOOST_FIXTURE_TEST_CASE(TCP_RTO_1_rto_from_srtt_and_rttvar, TcpFixture) {
  // RFC 6298 2.2: the first sample R = 100 ms (the handshake) gives SRTT = R,
  // RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR) = 300 ms.
  auto& c = active_open({}, Duration::milliseconds(100));
  auto i = info(c);
  BOOST_TEST(i.tcpi_rtt == 100000u);
  BOOST_TEST(i.tcpi_rttvar == 50000u);
  BOOST_TEST(i.tcpi_rto == 300000u);
  BOOST_TEST(app_send(c, "one") == 3);
  const auto sent = one_segment();
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 300);
  const auto again = one_segment();
  BOOST_TEST(expect_segment(again, c, flags("PA"), seq(c.stack_seq(0)), payload("one")));
  BOOST_TEST(sent.seq() == again.seq());
  // RFC 6298 2.3: a second sample R' = 200 ms (a new segment, acknowledged
  // 200 ms after it went): RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5 ms,
  // SRTT = 7/8 * 100 + 1/8 * 200 = 112.5 ms, RTO = 112.5 + 4 * 62.5 = 362.5 ms.
  bench_acks(c, 3);
  BOOST_TEST(nothing_sent());
  BOOST_TEST(app_send(c, "two") == 3);
  BOOST_TEST(one_segment().text() == "two");
  run_for(Duration::milliseconds(200));
  bench_acks(c, 6);
  i = info(c);
  BOOST_TEST(i.tcpi_rtt == 112500u);
  BOOST_TEST(i.tcpi_rttvar == 62500u);
  BOOST_TEST(i.tcpi_rto == 362500u);
  BOOST_TEST(app_send(c, "three") == 5);
  BOOST_TEST(one_segment().text() == "three");
  BOOST_TEST(us(run_until_segment(Duration::seconds(10))) == 362500);
  BOOST_TEST(one_segment().text() == "three");
}

BOOST_FIXTURE_TEST_CASE(TCP_RTO_1_rto_floor_is_200_ms, TcpFixture) {
  // LINUX TCP_RTO_MIN: the variance term is at least 200 ms, so a 10 ms path
  // gets RTO = 10 + 200 ms, not RFC 6298's 1 s floor (a choice the RFC allows
  // for a MAY-level lower bound).
  auto& c = active_open({}, Duration::milliseconds(10));
  BOOST_TEST(info(c).tcpi_rto == 210000u);
  BOOST_TEST(app_send(c, "x") == 1);
  BOOST_TEST(one_segment().text() == "x");
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 210);
}

BOOST_FIXTURE_TEST_CASE(TCP_RTO_1_karn_no_sample_from_a_retransmitted_segment, TcpFixture) {
  // RFC 6298 3 (Karn): the ACK of a retransmitted segment gives no sample, and
  // the backed-off RTO stays until a segment that was not retransmitted is
  // acknowledged (LINUX tcp_ack_update_rtt resets the backoff only then).
  auto& c = active_open({}, Duration::milliseconds(100));  // RTO 300 ms
  BOOST_TEST(app_send(c, "first") == 5);
  BOOST_TEST(one_segment().text() == "first");
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 300);
  BOOST_TEST(one_segment().text() == "first");
  run_for(Duration::milliseconds(50));  // 350 ms after the original, 50 ms after the copy
  bench_acks(c, 5);
  auto i = info(c);
  BOOST_TEST(i.tcpi_rtt == 100000u);  // unchanged: no sample
  BOOST_TEST(i.tcpi_rttvar == 50000u);
  BOOST_TEST(i.tcpi_rto == 600000u);  // still backed off
  BOOST_TEST(app_send(c, "second") == 6);
  BOOST_TEST(one_segment().text() == "second");
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 600);
  BOOST_TEST(one_segment().text() == "second");
  // Its ACK is for a retransmission too: still no sample. A fresh segment
  // acknowledged after 100 ms is one: RTTVAR = 37.5 ms, RTO collapses to 300 ms.
  bench_acks(c, 11);
  BOOST_TEST(info(c).tcpi_rto == 1200000u);
  BOOST_TEST(app_send(c, "third") == 5);
  BOOST_TEST(one_segment().text() == "third");
  run_for(Duration::milliseconds(100));
  bench_acks(c, 16);
  i = info(c);
  BOOST_TEST(i.tcpi_rtt == 100000u);
  BOOST_TEST(i.tcpi_rttvar == 37500u);
  BOOST_TEST(i.tcpi_rto == 300000u);
  BOOST_TEST(i.tcpi_backoff == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_RTO_1_backoff_doubles_to_120_s_then_etimedout_without_rst, TcpFixture) {
  // RFC 6298 5.5: each timeout doubles the RTO; LINUX caps it at 120 s and,
  // with tcp_retries2 15, gives up once 924.6 s (the time 15 doublings of
  // 200 ms would take) have passed since the first retransmission: here the
  // 16th timeout, 993.3 s after the data went. The application gets
  // ETIMEDOUT; Linux sends no RST (tcp_write_err).
  auto& c = active_open({}, Duration::milliseconds(100));
  BOOST_TEST(app_send(c, "lost") == 4);
  BOOST_TEST(one_segment().text() == "lost");
  std::vector<std::int64_t> waits;
  for (int i = 0; i < 20; ++i) {
    const auto w = run_until_segment(Duration::seconds(200));
    if (!w) break;
    waits.push_back(ms(w));
    const auto s = one_segment();
    BOOST_TEST(s.text() == "lost");
  }
  const std::vector<std::int64_t> expected{300,   600,    1200,   2400,   4800,   9600,   19200, 38400,
                                           76800, 120000, 120000, 120000, 120000, 120000, 120000};
  BOOST_TEST(waits == expected, boost::test_tools::per_element());
  BOOST_TEST(app_recv(c, 1) == -ETIMEDOUT);
  BOOST_TEST(sockets.tcp_stats().abort_on_timeout == 1u);
  BOOST_TEST(sockets.tcp_stats().out_rsts == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_RTO_1_fin_is_retransmitted_with_backoff_in_fin_wait_1_and_last_ack, TcpFixture) {
  // The FIN occupies a sequence number and is retransmitted like data.
  auto& c = active_open({}, Duration::milliseconds(100));
  to_fin_wait_1(c);
  BOOST_TEST(info(c).tcpi_state == TCP_FIN_WAIT1);
  for (const std::int64_t wait : {300, 600, 1200}) {
    BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == wait);
    BOOST_TEST(expect_segment(one_segment(), c, flags("FA"), seq(c.stack_seq(0)), payload("")));
  }
  c.bench_ack = c.stack_seq(0) + 1;
  inject(c, c.segment("A"));
  BOOST_TEST(info(c).tcpi_state == TCP_FIN_WAIT2);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == never_ms);
  // LAST-ACK: the passive closer's FIN likewise, until its ACK ends the connection.
  BenchSyn other;
  other.port = 40001;
  auto& p = active_open(other, Duration::milliseconds(100));
  to_last_ack(p);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 300);
  BOOST_TEST(expect_segment(one_segment(), p, flags("FA"), seq(p.stack_seq(0))));
  p.bench_ack = p.stack_seq(0) + 1;
  inject(p, p.segment("A"));
  BOOST_TEST(ms(run_until_segment(Duration::seconds(100))) == never_ms);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_DACK_1)

BOOST_FIXTURE_TEST_CASE(TCP_DACK_1_second_full_sized_segment_is_acked_at_once, TcpFixture) {
  // RFC 1122 4.2.3.2 / RFC 5681 4.2: an ACK at least for every second
  // full-sized segment. The first waits for the delayed-ACK timer.
  auto& c = passive_open();
  bench_sends(c, 1460, 'a');
  BOOST_TEST(nothing_sent());
  bench_sends(c, 1460, 'b');
  const auto a = one_segment();
  BOOST_TEST(expect_segment(a, c, flags("A"), seq(c.stack_seq(0)), ack(c.bench_seq(2920)), window(65535),
                            data_offset(5), payload("")));
  bench_sends(c, 1460, 'c');
  BOOST_TEST(nothing_sent());
  bench_sends(c, 1460, 'd');
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(5840))));
  BOOST_TEST(app_read(c).size() == 5840u);
}

BOOST_FIXTURE_TEST_CASE(TCP_DACK_1_delayed_ack_goes_after_40_ms, TcpFixture) {
  // RFC 1122 4.2.3.2: the delay MUST be under 0.5 s; LINUX TCP_DELACK_MIN 40 ms.
  auto& c = passive_open();
  bench_sends(c, "small");
  BOOST_TEST(nothing_sent());
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 40);
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), seq(c.stack_seq(0)), ack(c.bench_seq(5))));
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == never_ms);  // once
}

BOOST_FIXTURE_TEST_CASE(TCP_DACK_1_data_to_send_carries_the_ack, TcpFixture) {
  // The ACK rides on data the application sends before the timer: no pure ACK.
  auto& c = passive_open();
  bench_sends(c, "question");
  BOOST_TEST(app_read(c) == "question");
  BOOST_TEST(app_send(c, "answer") == 6);
  BOOST_TEST(expect_segment(one_segment(), c, flags("PA"), seq(c.stack_seq(0)), ack(c.bench_seq(8)),
                            payload("answer")));
  BOOST_TEST(ms(run_until_segment(Duration::milliseconds(100))) == never_ms);
}

BOOST_FIXTURE_TEST_CASE(TCP_DACK_1_out_of_order_and_gap_filling_segments_are_acked_at_once, TcpFixture) {
  // RFC 5681 4.2: an out-of-order segment gets an immediate (duplicate) ACK,
  // and so does the segment that fills the gap.
  auto& c = passive_open();
  const auto start = c.bench_nxt;
  c.bench_nxt = start + 100;
  bench_sends(c, 100, 'b');
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(0))));
  c.bench_nxt = start;
  bench_sends(c, 100, 'a');
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(200))));
  BOOST_TEST(app_read(c) == std::string(100, 'a') + std::string(100, 'b'));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_NAGLE_1)

BOOST_FIXTURE_TEST_CASE(TCP_NAGLE_1_on_by_default_small_writes_wait_for_the_ack, TcpFixture) {
  // RFC 1122 4.2.3.4: while a small segment is unacknowledged, more small
  // data waits; the ACK releases it in one segment.
  auto& c = active_open();
  BOOST_TEST(get_int(c.fd, IPPROTO_TCP, TCP_NODELAY) == 0);
  BOOST_TEST(app_send(c, "a") == 1);
  BOOST_TEST(expect_segment(one_segment(), c, flags("PA"), seq(c.stack_seq(0)), payload("a")));
  BOOST_TEST(app_send(c, "b") == 1);
  BOOST_TEST(app_send(c, "c") == 1);
  BOOST_TEST(nothing_sent());
  bench_acks(c, 1);
  BOOST_TEST(expect_segment(one_segment(), c, flags("PA"), seq(c.stack_seq(1)), payload("bc")));
}

BOOST_FIXTURE_TEST_CASE(TCP_NAGLE_1_tcp_nodelay_sends_every_write_at_once, TcpFixture) {
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) == 0);
  BOOST_TEST(get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 1);
  auto& c = connect_from(fd);
  for (const char* text : {"a", "b", "c"}) {
    BOOST_TEST(app_send(c, text) == 1);
    BOOST_TEST(expect_segment(one_segment(), c, flags("PA"), payload(text)));
  }
}

BOOST_FIXTURE_TEST_CASE(TCP_NAGLE_1_setting_tcp_nodelay_sends_what_waits, TcpFixture) {
  // LINUX tcp_sock_set_nodelay: pending frames are pushed at once.
  auto& c = active_open();
  BOOST_TEST(app_send(c, "a") == 1);
  BOOST_TEST(one_segment().text() == "a");
  BOOST_TEST(app_send(c, "b") == 1);
  BOOST_TEST(nothing_sent());
  BOOST_TEST(set_int(c.fd, IPPROTO_TCP, TCP_NODELAY, 1) == 0);
  BOOST_TEST(expect_segment(one_segment(), c, flags("PA"), seq(c.stack_seq(1)), payload("b")));
}

BOOST_FIXTURE_TEST_CASE(TCP_NAGLE_1_full_segments_go_and_the_tail_goes_when_no_small_one_is_out, TcpFixture) {
  // LINUX tcp_nagle_check with Minshall's rule: a small segment waits only
  // while an earlier small segment is unacknowledged, so a 2000-byte write
  // goes as 1460 + 540 at once; a further small write waits for the 540's ACK.
  auto& c = active_open();
  BOOST_TEST(app_send(c, 2000) == 2000);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_segment(out[0], c, flags("A"), seq(c.stack_seq(0)), payload(1460, 'x')));
  BOOST_TEST(expect_segment(out[1], c, flags("PA"), seq(c.stack_seq(1460)), payload(540, 'x')));
  BOOST_TEST(app_send(c, "y") == 1);
  BOOST_TEST(nothing_sent());
  bench_acks(c, 1460);
  BOOST_TEST(nothing_sent());  // the 540-byte segment is still out
  bench_acks(c, 2000);
  BOOST_TEST(expect_segment(one_segment(), c, flags("PA"), seq(c.stack_seq(2000)), payload("y")));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_MSS_1)

BOOST_FIXTURE_TEST_CASE(TCP_MSS_1_syn_announces_mtu_minus_headers, TcpFixture) {
  // RFC 9293 3.7.1 / RFC 6691: MSS = MTU - 40 over IPv4, MTU - 60 over IPv6.
  auto& v4 = active_open();
  BOOST_TEST(v4.stack_mss == 1460u);
  BenchSyn over6;
  over6.ipv6 = true;
  over6.port = 40001;
  auto& v6 = active_open(over6);
  BOOST_TEST(v6.stack_mss == 1440u);
  const int l = listener(stack_port, true);
  BenchSyn in6 = over6;
  in6.port = 40002;
  BOOST_TEST(accept_from(l, in6).stack_mss == 1440u);
  BenchSyn in4;
  in4.port = 40003;
  BOOST_TEST(accept_from(l, in4).stack_mss == 1460u);
}

BOOST_FIXTURE_TEST_CASE(TCP_MSS_1_mss_option_only_in_syn_segments, TcpFixture) {
  auto& c = active_open();
  BOOST_TEST(set_int(c.fd, IPPROTO_TCP, TCP_NODELAY, 1) == 0);
  BOOST_TEST(app_send(c, "data") == 4);
  BOOST_TEST(expect_segment(one_segment(), c, absent("mss"), data_offset(5)));
  bench_sends(c, 1460, 'a');
  bench_sends(c, 1460, 'b');
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), absent("mss"), data_offset(5)));
}

BOOST_FIXTURE_TEST_CASE(TCP_MSS_1_no_option_means_536_over_ipv4_and_1220_over_ipv6, TcpFixture) {
  // RFC 9293 3.7.1 / RFC 8200 8.3: without an MSS option the sender assumes 536 (1220 over IPv6).
  BenchSyn no_mss;
  no_mss.mss.reset();
  auto& c4 = active_open(no_mss);
  BOOST_TEST(set_int(c4.fd, IPPROTO_TCP, TCP_NODELAY, 1) == 0);
  BOOST_TEST(app_send(c4, 1200) == 1200);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(out[0].payload.size() == 536u);
  BOOST_TEST(out[1].payload.size() == 536u);
  BOOST_TEST(out[2].payload.size() == 128u);
  BOOST_TEST(get_int(c4.fd, IPPROTO_TCP, TCP_MAXSEG) == 536);
  no_mss.ipv6 = true;
  no_mss.port = 40001;
  auto& c6 = active_open(no_mss);
  BOOST_TEST(set_int(c6.fd, IPPROTO_TCP, TCP_NODELAY, 1) == 0);
  BOOST_TEST(app_send(c6, 2000) == 2000);
  out = segments();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(out[0].payload.size() == 1220u);
  BOOST_TEST(out[1].payload.size() == 780u);
}

BOOST_FIXTURE_TEST_CASE(TCP_MSS_1_segments_fit_the_smaller_of_peer_mss_and_our_mtu, TcpFixture) {
  BenchSyn small;
  small.mss = 1000;
  auto& c = active_open(small);
  BOOST_TEST(app_send(c, 2500) == 2500);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(out[0].payload.size() == 1000u);
  BOOST_TEST(out[1].payload.size() == 1000u);
  BOOST_TEST(out[2].payload.size() == 500u);
  BenchSyn jumbo;
  jumbo.mss = 9000;
  jumbo.port = 40001;
  auto& j = active_open(jumbo);
  BOOST_TEST(app_send(j, 3000) == 3000);
  out = segments();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(out[0].payload.size() == 1460u);
  BOOST_TEST(out[1].payload.size() == 1460u);
  BOOST_TEST(out[2].payload.size() == 80u);
}

BOOST_FIXTURE_TEST_CASE(TCP_MSS_1_timestamps_are_taken_from_the_segment_size, TcpFixture) {
  // RFC 6691 / RFC 2525 2.18: data + TCP options fit the MSS: 1460 - 12 with timestamps.
  auto& c = active_open(BenchSyn::linux_like());
  BOOST_TEST(app_send(c, 3000) == 3000);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(out[0].payload.size() == 1448u);
  BOOST_TEST(expect_segment(out[0], c, data_offset(8), timestamps(ts_now(), c.bench_tsval)));
  BOOST_TEST(out[2].payload.size() == 104u);
  BOOST_TEST(get_int(c.fd, IPPROTO_TCP, TCP_MAXSEG) == 1448);
}

BOOST_FIXTURE_TEST_CASE(TCP_MSS_1_tcp_maxseg_lowers_the_announced_and_the_sent_size, TcpFixture) {
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 1000) == 0);
  BOOST_TEST(get_int(fd, IPPROTO_TCP, TCP_MAXSEG) == 1000);
  auto& c = connect_from(fd);
  BOOST_TEST(c.stack_mss == 1000u);
  BOOST_TEST(app_send(c, 1500) == 1500);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(out[0].payload.size() == 1000u);
  BOOST_TEST(out[1].payload.size() == 500u);
}

BOOST_FIXTURE_TEST_CASE(TCP_MSS_1_path_mtu_lowers_the_segment_size, TcpFixture) {
  // RFC 1191 / RFC 9293 3.7.2: fragmentation needed with MTU 1000 -> segments of 960.
  auto& c = active_open();
  BOOST_TEST(app_send(c, 1460) == 1460);
  const auto big = one_segment();
  const std::vector<std::byte> quoted(big.frame.begin() + 14, big.frame.begin() + 14 + 28);
  StackFixture::inject(eth(peer_mac, our_mac) / ipv4(gateway4, our4) /
                       icmp_dest_unreachable(4, quoted).next_hop_mtu(1000));
  bench_acks(c, 1460);
  BOOST_TEST(app_send(c, 2000) == 2000);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() >= 2u);
  BOOST_TEST(out[0].payload.size() == 960u);
  BOOST_TEST(out[1].payload.size() == 960u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_WIN_1)

BOOST_FIXTURE_TEST_CASE(TCP_WIN_1_no_scaling_unless_both_syns_carry_the_option, TcpFixture) {
  // RFC 7323 2.2: our SYN offers shift 7; a SYN-ACK without WS means neither
  // side scales: our windows are plain byte counts (at most 65535) and the
  // bench's are too. A window update of 200 takes no full segment: nothing goes.
  auto& c = active_open();
  BOOST_TEST(c.stack_wscale.value_or(0) == 7);
  BOOST_TEST(c.syn_window == 65535u);  // RFC 7323 2.2: never scaled in a SYN
  BOOST_TEST((info(c).tcpi_options & TCPI_OPT_WSCALE) == 0);
  c.bench_window = 200;
  inject(c, c.segment("A"));
  BOOST_TEST(app_send(c, 5000) == 5000);
  BOOST_TEST(nothing_sent());
  bench_sends(c, "x");
  BOOST_TEST(ms(run_until_segment(Duration::milliseconds(100))) == 40);
  // Unscaled, and one byte less: the edge moves right only by a useful amount.
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), window(65534), data_offset(5)));
}

BOOST_FIXTURE_TEST_CASE(TCP_WIN_1_both_windows_scaled_when_negotiated, TcpFixture) {
  // The bench announces shift 4: its window field 200 means 3200 bytes, two
  // full segments. Our shift is 7: 131072 free bytes are sent as 1024.
  BenchSyn syn;
  syn.window_scale = 4;
  auto& c = active_open(syn);
  const auto i = info(c);
  BOOST_TEST((i.tcpi_options & TCPI_OPT_WSCALE) != 0);
  BOOST_TEST(i.tcpi_snd_wscale == 4u);
  BOOST_TEST(i.tcpi_rcv_wscale == 7u);
  c.bench_window = 200;
  inject(c, c.segment("A"));
  BOOST_TEST(app_send(c, 5000) == 5000);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_segment(out[0], c, seq(c.stack_seq(0)), window(1024), payload(1460, 'x')));
  BOOST_TEST(expect_segment(out[1], c, seq(c.stack_seq(1460)), window(1024), payload(1460, 'x')));
}

BOOST_FIXTURE_TEST_CASE(TCP_WIN_1_syn_ack_scales_only_for_a_syn_that_asked, TcpFixture) {
  const int l = listener();
  BenchSyn with;
  with.window_scale = 2;
  auto& a = accept_from(l, with);
  BOOST_TEST(a.stack_wscale.value_or(0) == 7);
  BOOST_TEST(a.syn_window == 65535u);
  BenchSyn without;
  without.port = 40001;
  auto& b = accept_from(l, without);
  BOOST_TEST(!b.stack_wscale.has_value());
  BOOST_TEST((info(b).tcpi_options & TCPI_OPT_WSCALE) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_WIN_1_shift_above_14_is_used_as_14, TcpFixture) {
  // RFC 7323 2.3: a shift of 15 is treated as 14 (and logged).
  BenchSyn syn;
  syn.window_scale = 15;
  auto& c = active_open(syn);
  BOOST_TEST(info(c).tcpi_snd_wscale == 14u);
}

BOOST_FIXTURE_TEST_CASE(TCP_WIN_1_receiver_window_follows_the_buffer_and_avoids_silly_updates, TcpFixture) {
  // RFC 1122 4.2.3.3: the window closes as data waits unread, its right edge
  // never moves left, and it reopens only by a useful amount (min(buffer/2,
  // MSS)): reading 100 bytes from a full buffer sends nothing, reading 3100
  // sends a window update.
  const int l = listener();
  BOOST_TEST(set_int(l, SOL_SOCKET, SO_RCVBUF, 4096) == 0);  // 8192 with Linux's doubling
  auto& c = accept_from(l);
  BOOST_TEST(c.syn_window == 8192u);
  bench_sends(c, 1460, 'a');
  bench_sends(c, 1460, 'b');
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(2920)), window(5272)));
  bench_sends(c, 1460, 'c');
  bench_sends(c, 1460, 'd');
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(5840)), window(2352)));
  bench_sends(c, 2352, 'e');  // exactly what is left
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 40);
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(8192)), window(0)));
  // One more byte does not fit: dropped, and the ACK says the window is closed.
  const auto drops = sockets.drops(TransportDropReason::tcp_receive_buffer);
  inject(c, c.segment("PA"), "!");
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(8192)), window(0)));
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_receive_buffer) == drops + 1);
  BOOST_TEST(sockets.receive_queue_bytes(c.fd) == 8192);
  BOOST_TEST(app_recv(c, 100) == 100);
  BOOST_TEST(nothing_sent());
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == never_ms);
  BOOST_TEST(app_recv(c, 3000) == 3000);
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(8192)), window(3100)));
}

BOOST_FIXTURE_TEST_CASE(TCP_WIN_1_zero_window_probes_back_off_while_answered_and_stop_when_it_opens,
                        TcpFixture) {
  // RFC 1122 4.2.2.17 / RFC 9293 3.8.6.1: a closed window is probed after an
  // RTO (300 ms here), then at doubling intervals up to 120 s; as long as the
  // peer answers, the connection stays (here 20 probes, past tcp_retries2).
  // LINUX tcp_xmit_probe_skb: the probe is SND.UNA - 1 with no data.
  auto& c = active_open({}, Duration::milliseconds(100));
  BOOST_TEST(app_send(c, 1000) == 1000);
  BOOST_TEST(one_segment().payload.size() == 1000u);
  run_for(Duration::milliseconds(100));
  c.bench_window = 0;
  bench_acks(c, 1000);  // RTT 100 ms again: RTO stays 300 ms
  BOOST_TEST(info(c).tcpi_rto == 300000u);
  BOOST_TEST(app_send(c, 500) == 500);
  BOOST_TEST(nothing_sent());
  std::vector<std::int64_t> waits;
  for (int i = 0; i < 20; ++i) {
    waits.push_back(ms(run_until_segment(Duration::seconds(200))));
    const auto probe = one_segment();
    BOOST_TEST(expect_segment(probe, c, flags("A"), seq(c.stack_seq(999)), ack(c.bench_nxt), payload("")));
    inject(c, c.segment("A"));  // still closed
  }
  const std::vector<std::int64_t> expected{300,    600,    1200,   2400,   4800,   9600,   19200,
                                           38400,  76800,  120000, 120000, 120000, 120000, 120000,
                                           120000, 120000, 120000, 120000, 120000, 120000};
  BOOST_TEST(waits == expected, boost::test_tools::per_element());
  c.bench_window = 65535;
  inject(c, c.segment("A"));
  BOOST_TEST(expect_segment(one_segment(), c, flags("PA"), seq(c.stack_seq(1000)), payload(500, 'x')));
  BOOST_TEST(sockets.tcp_stats().abort_on_timeout == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_WIN_1_unanswered_zero_window_probes_end_with_etimedout, TcpFixture) {
  // LINUX tcp_probe_timer: tcp_retries2 (15) probes without an answer ->
  // ETIMEDOUT, no RST.
  auto& c = active_open({}, Duration::milliseconds(100));
  c.bench_window = 0;
  inject(c, c.segment("A"));
  BOOST_TEST(app_send(c, 10) == 10);
  int probes = 0;
  while (run_until_segment(Duration::seconds(200))) {
    const auto probe = one_segment();
    BOOST_TEST(probe.seq() == c.stack_seq(0) - 1);
    ++probes;
  }
  BOOST_TEST(probes == 15);
  BOOST_TEST(app_recv(c, 1) == -ETIMEDOUT);
  BOOST_TEST(sockets.tcp_stats().out_rsts == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_WIN_1_sender_sws_small_window_filled_by_the_persist_timer, TcpFixture) {
  // RFC 1122 4.2.3.4 (LINUX tcp_write_xmit / tcp_write_wakeup): a window of
  // 100 bytes after one of 65535 takes no full segment: nothing at once, then
  // the persist timer (RTO 300 ms) sends the 100 bytes; RFC 2525 2.12.
  auto& c = active_open({}, Duration::milliseconds(100));
  c.bench_window = 100;
  inject(c, c.segment("A"));
  BOOST_TEST(app_send(c, 1000) == 1000);
  BOOST_TEST(nothing_sent());
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 300);
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), seq(c.stack_seq(0)), payload(100, 'x')));
  // A peer whose largest window is small gets segments of that size at once.
  BenchSyn tiny;
  tiny.window = 100;
  tiny.port = 40001;
  auto& t = active_open(tiny);
  BOOST_TEST(app_send(t, 1000) == 1000);
  BOOST_TEST(expect_segment(one_segment(), t, seq(t.stack_seq(0)), payload(100, 'x')));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_TS_1)

BOOST_FIXTURE_TEST_CASE(TCP_TS_1_negotiated_only_when_both_syns_carry_it, TcpFixture) {
  // RFC 7323 3.2: our SYN offers TSopt; without it in the SYN-ACK no segment carries one.
  auto& plain = active_open();
  BOOST_TEST(app_send(plain, "a") == 1);
  BOOST_TEST(expect_segment(one_segment(), plain, data_offset(5), absent("timestamps")));
  // Passive: the SYN-ACK echoes the SYN's TSval, only if the SYN had one.
  const int l = listener();
  BenchSyn with;
  with.timestamps = true;
  with.port = 40001;
  TcpConn c;
  c.bench_port = 40001;
  c.stack_port = stack_port;
  c.bench_nxt = 5000;
  inject(c, c.segment("S").mss(1460).timestamps(4242, 0));
  BOOST_TEST(expect_segment(one_segment(), c, flags("SA"), timestamps(ts_now(), 4242)));
  c.bench_port = 40002;
  inject(c, c.segment("S").mss(1460));
  BOOST_TEST(expect_segment(one_segment(), c, flags("SA"), absent("timestamps")));
  (void)l;
}

BOOST_FIXTURE_TEST_CASE(TCP_TS_1_every_segment_carries_tsval_and_echoes_ts_recent, TcpFixture) {
  // RFC 7323 3.2 / 4.3: TSval is our clock (1 ms ticks, LINUX), TSecr the
  // peer's latest in-order TSval.
  auto& c = active_open(BenchSyn::linux_like());
  BOOST_TEST((info(c).tcpi_options & TCPI_OPT_TIMESTAMPS) != 0);
  run_for(Duration::milliseconds(5));
  c.bench_tsval = 8000;
  bench_sends(c, "ping");
  BOOST_TEST(app_read(c) == "ping");
  BOOST_TEST(app_send(c, "pong") == 4);
  BOOST_TEST(expect_segment(one_segment(), c, flags("PA"), data_offset(8), timestamps(ts_now(), 8000),
                            payload("pong")));
}

BOOST_FIXTURE_TEST_CASE(TCP_TS_1_paws_drops_a_segment_with_an_older_timestamp, TcpFixture) {
  // RFC 7323 5.3: TSval older than TS.Recent -> dropped, an ACK sent, nothing delivered.
  auto& c = active_open(BenchSyn::linux_like());
  c.bench_tsval = 8000;
  bench_sends(c, "new");
  BOOST_TEST(app_read(c) == "new");
  c.bench_tsval = 7999;
  inject(c, c.segment("PA"), "old");
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(3)), timestamps(ts_now(), 8000)));
  BOOST_TEST(sockets.last_drop() == TransportDropReason::tcp_paws);
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_paws) == 1u);
  BOOST_TEST(sockets.tcp_stats().paws_rejected == 1u);
  BOOST_TEST(app_recv(c, 10) == -EAGAIN);
  // Positive control: the same bytes with a TSval not older are taken.
  c.bench_tsval = 8000;
  bench_sends(c, "old");
  BOOST_TEST(app_read(c) == "old");
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_paws) == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_TS_1_paws_lets_through_after_24_days_idle, TcpFixture) {
  // RFC 7323 5.5: TS.Recent older than 24 days is invalid: the segment is accepted.
  auto& c = active_open(BenchSyn::linux_like());
  c.bench_tsval = 8000;
  bench_sends(c, "a");
  BOOST_TEST(app_read(c) == "a");
  segments();
  advance(Duration::seconds(25 * 24 * 3600));
  c.bench_tsval = 10;  // the peer's clock wrapped or restarted
  bench_sends(c, "b");
  BOOST_TEST(app_read(c) == "b");
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_paws) == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_TS_1_ts_recent_only_from_a_segment_at_the_left_edge, TcpFixture) {
  // RFC 7323 4.3: an out-of-order segment does not update TS.Recent (its ACK
  // echoes the older value); the segment that fills the gap does. Two
  // segments under one delayed ACK: the first one's TSval is echoed.
  auto& c = active_open(BenchSyn::linux_like());
  c.bench_tsval = 8000;
  bench_sends(c, "0123");
  const auto left = c.bench_nxt;
  c.bench_nxt = left + 4;
  c.bench_tsval = 9000;
  bench_sends(c, "89ab");
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(left), timestamps(ts_now(), 8000)));
  c.bench_nxt = left;
  c.bench_tsval = 8500;
  bench_sends(c, "4567");
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(left + 8), timestamps(ts_now(), 8500)));
  BOOST_TEST(app_read(c) == "0123456789ab");
  c.bench_nxt = left + 8;
  c.bench_tsval = 9100;
  bench_sends(c, "cd");
  c.bench_tsval = 9200;
  bench_sends(c, "ef");
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 40);
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(left + 12), timestamps(ts_now(), 9100)));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_SACK_1)

namespace {

// "left-right ..." as the decoder writes a SACK option's blocks.
std::string blocks(std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> list) {
  std::string out;
  for (const auto& [l, r] : list)
    out += (out.empty() ? "" : " ") + std::to_string(l) + "-" + std::to_string(r);
  return out;
}

BenchSyn with_sack() {
  BenchSyn s;
  s.sack_permitted = true;
  return s;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(TCP_SACK_1_permitted_only_when_both_syns_carry_it, TcpFixture) {
  // RFC 2018 2: our SYN offers it; without it in the SYN-ACK, no block is ever sent.
  auto& c = active_open();
  BOOST_TEST(c.sack == false);
  c.bench_nxt += 100;
  bench_sends(c, 100, 'b');
  BOOST_TEST(
      expect_segment(one_segment(), c, flags("A"), ack(c.bench_seq(0)), absent("sack"), data_offset(5)));
  // Passive: SACK-permitted in the SYN-ACK only for a SYN that had it.
  const int l = listener();
  BenchSyn a = with_sack();
  a.port = 40001;
  BOOST_TEST(accept_from(l, a).sack);
  BenchSyn b;
  b.port = 40002;
  auto& nb = accept_from(l, b);
  BOOST_TEST(!nb.sack);
  BOOST_TEST((info(nb).tcpi_options & TCPI_OPT_SACK) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_SACK_1_receiver_reports_blocks_most_recent_first, TcpFixture) {
  // RFC 2018 4: the first block holds the segment that triggered the ACK;
  // then the most recently reported others; gaps filled merge blocks.
  auto& c = active_open(with_sack());
  const std::uint32_t base = c.bench_nxt;
  auto send_piece = [&](std::uint32_t k) {
    c.bench_nxt = base + k * 100;
    bench_sends(c, 100, static_cast<std::uint8_t>('a' + k));
  };
  auto piece = [&](std::uint32_t k) {
    return std::pair<std::uint32_t, std::uint32_t>{base + k * 100, base + k * 100 + 100};
  };
  send_piece(1);
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(base), field("sack", blocks({piece(1)}))));
  send_piece(3);
  BOOST_TEST(expect_segment(one_segment(), c, ack(base), field("sack", blocks({piece(3), piece(1)}))));
  send_piece(5);
  BOOST_TEST(
      expect_segment(one_segment(), c, ack(base), field("sack", blocks({piece(5), piece(3), piece(1)}))));
  send_piece(2);  // joins 1 and 3
  BOOST_TEST(expect_segment(one_segment(), c, ack(base),
                            field("sack", blocks({{base + 100, base + 400}, piece(5)}))));
  send_piece(0);  // the cumulative ACK covers 0..3
  BOOST_TEST(expect_segment(one_segment(), c, ack(base + 400), field("sack", blocks({piece(5)}))));
  send_piece(4);
  BOOST_TEST(expect_segment(one_segment(), c, ack(base + 600), absent("sack"), data_offset(5)));
  std::string expected;
  for (char k = 'a'; k <= 'f'; ++k) expected += std::string(100, k);
  BOOST_TEST(app_read(c) == expected);
}

BOOST_FIXTURE_TEST_CASE(TCP_SACK_1_three_blocks_fit_beside_timestamps_four_without, TcpFixture) {
  // RFC 2018 3: 40 option bytes take 4 blocks, 3 with the 12-byte timestamp option.
  auto check = [&](TcpConn& c, std::size_t expected_blocks) {
    const std::uint32_t base = c.bench_nxt;
    std::size_t got = 0;
    for (std::uint32_t k = 1; k <= 5; ++k) {
      c.bench_nxt = base + k * 200;
      bench_sends(c, 100, 'z');
      const auto a = one_segment();
      got = a.tcp.options.sack_blocks.size();
      BOOST_TEST(a.tcp.options.sack_blocks[0].left == base + k * 200);  // the newest first
    }
    BOOST_TEST(got == expected_blocks);
  };
  auto& plain = active_open(with_sack());
  check(plain, 4u);
  BenchSyn ts = BenchSyn::linux_like();
  ts.port = 40001;
  auto& stamped = active_open(ts);
  check(stamped, 3u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SACK_1_sender_retransmits_the_holes_and_never_sacked_data, TcpFixture) {
  // RFC 6675: ten segments out, the 2nd and 5th lost. The peer's duplicate
  // ACKs SACK 3-4 and 6-7: more than 3 segments' worth SACKed above the hole
  // starts recovery (RFC 6675 5, IsLost): the 2nd is sent again, then the 5th
  // (NextSeg rule 3: below the highest SACKed byte). Later SACKs covering the
  // rest send nothing more; the cumulative ACK ends recovery.
  auto& c = active_open(with_sack());
  BOOST_TEST(app_send(c, 14600) == 14600);
  BOOST_TEST(segments().size() == 10u);
  const std::uint32_t mss = 1460;
  auto sacked = [&](std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> list) {
    auto t = c.segment("A");
    std::vector<wire::TcpSackBlock> bl;
    for (const auto& [l, r] : list) bl.push_back({c.stack_seq(l * mss), c.stack_seq(r * mss)});
    if (bl.size() == 1) return t.sack({bl[0]});
    if (bl.size() == 2) return t.sack({bl[0], bl[1]});
    return t.sack({bl[0], bl[1], bl[2]});
  };
  bench_acks(c, mss);  // segment 1 arrived
  BOOST_TEST(nothing_sent());
  c.bench_ack = c.stack_seq(mss);
  inject(c, sacked({{2, 4}}));
  BOOST_TEST(nothing_sent());
  inject(c, sacked({{5, 7}, {2, 4}}));
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_segment(out[0], c, flags("A"), seq(c.stack_seq(mss)), payload(mss, 'x')));
  BOOST_TEST(expect_segment(out[1], c, flags("A"), seq(c.stack_seq(4 * mss)), payload(mss, 'x')));
  BOOST_TEST(sockets.tcp_stats().fast_retransmits == 1u);
  inject(c, sacked({{5, 10}, {2, 4}}));
  BOOST_TEST(nothing_sent());
  bench_acks(c, 10 * mss);
  BOOST_TEST(nothing_sent());
  const auto i = info(c);
  BOOST_TEST(i.tcpi_total_retrans == 2u);
  BOOST_TEST(i.tcpi_ca_state == TCP_CA_Open);
  BOOST_TEST(i.tcpi_snd_ssthresh == 4u);  // half of the 9 segments in flight (RFC 5681 (4))
}

BOOST_FIXTURE_TEST_CASE(TCP_SACK_1_bogus_blocks_are_ignored_and_counted, TcpFixture) {
  // Blocks above SND.NXT, wholly below SND.UNA, or with left >= right tell
  // nothing: no recovery starts however many bytes they claim (LINUX
  // tcp_is_sackblock_valid, TCPSACKDiscard). Positive control: one valid
  // block of four segments starts it.
  auto& c = active_open(with_sack());
  BOOST_TEST(app_send(c, 14600) == 14600);
  BOOST_TEST(segments().size() == 10u);
  bench_acks(c, 1460);
  const std::uint32_t una = c.stack_seq(1460);
  inject(c, c.segment("A").sack({{c.stack_seq(2920), c.stack_seq(20000)},    // past SND.NXT
                                 {c.stack_seq(0) - 5000, c.stack_seq(0)},    // below SND.UNA
                                 {c.stack_seq(9000), c.stack_seq(3000)}}));  // reversed
  BOOST_TEST(nothing_sent());
  BOOST_TEST(sockets.tcp_stats().sack_discards == 3u);
  BOOST_TEST(info(c).tcpi_sacked == 0u);
  inject(c, c.segment("A").sack({{c.stack_seq(2920), c.stack_seq(2920 + 4 * 1460)}}));
  const auto out = segments();
  BOOST_TEST_REQUIRE(!out.empty());
  BOOST_TEST(expect_segment(out[0], c, seq(una), payload(1460, 'x')));
  BOOST_TEST(sockets.tcp_stats().sack_discards == 3u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SACK_1_scoreboard_and_work_per_segment_stay_bounded, TcpFixture) {
  // SEC-TCP-1 class: a peer SACKing thousands of separate 1-byte ranges. The
  // scoreboard keeps a bounded number of ranges (the rest are discarded and
  // counted), so each ACK costs bounded work; the connection goes on.
  auto& c = active_open(with_sack());
  BOOST_TEST(app_send(c, 14600) == 14600);
  BOOST_TEST(segments().size() == 10u);
  const auto started = std::chrono::steady_clock::now();
  std::uint32_t offset = 2;
  for (int i = 0; i < 3000; ++i) {
    auto t = c.segment("A").window(static_cast<std::uint16_t>(65535 - (i % 2)));  // not duplicates
    std::vector<wire::TcpSackBlock> bl;
    for (int k = 0; k < 4; ++k, offset += 2) {
      const std::uint32_t at = 1 + offset % 14590;
      bl.push_back({c.stack_seq(at), c.stack_seq(at + 1)});
    }
    inject(c, t.sack({bl[0], bl[1], bl[2], bl[3]}));
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  BOOST_TEST(sockets.tcp_stats().sack_discards > 10000u);
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 5000);
  segments();
  bench_acks(c, 14600);
  BOOST_TEST(info(c).tcpi_sacked == 0u);
  BOOST_TEST(app_send(c, "after") == 5);
  BOOST_TEST(expect_segment(one_segment(), c, seq(c.stack_seq(14600)), payload("after")));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_CC_1)

BOOST_FIXTURE_TEST_CASE(TCP_CC_1_initial_window_is_ten_segments, TcpFixture) {
  // RFC 6928: IW = min(10 MSS, max(2 MSS, 14600)); the rest waits for ACKs.
  auto& c = active_open();
  BOOST_TEST(app_send(c, 30000) == 30000);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 10u);
  for (std::uint32_t i = 0; i < 10; ++i)
    BOOST_TEST(expect_segment(out[i], c, seq(c.stack_seq(i * 1460)), payload(1460, 'x')));
  BOOST_TEST(info(c).tcpi_snd_cwnd == 10u);
  BOOST_TEST(info(c).tcpi_snd_ssthresh == 0x7fffffffu);  // LINUX TCP_INFINITE_SSTHRESH
  // The same for a passive open (RFC 2525 2.3: the window is set up for both).
  BenchSyn in;
  in.port = 40001;
  auto& p = accept_from(listener(), in);
  BOOST_TEST(app_send(p, 30000) == 30000);
  BOOST_TEST(segments().size() == 10u);
}

BOOST_FIXTURE_TEST_CASE(TCP_CC_1_slow_start_grows_by_what_each_ack_acknowledges, TcpFixture) {
  // RFC 5681 3.1 / RFC 3465 (LINUX tcp_slow_start counts acknowledged
  // segments): an ACK of one segment lets two go, one of two lets four go.
  auto& c = active_open();
  BOOST_TEST(app_send(c, 40000) == 40000);
  BOOST_TEST(segments().size() == 10u);
  bench_acks(c, 1460);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(out[0].seq() == c.stack_seq(14600));
  bench_acks(c, 3 * 1460);
  BOOST_TEST(segments().size() == 4u);
  BOOST_TEST(info(c).tcpi_snd_cwnd == 13u);
}

BOOST_FIXTURE_TEST_CASE(TCP_CC_1_timeout_restarts_slow_start_then_congestion_avoidance, TcpFixture) {
  // RFC 5681 3.1 (4): a timeout sets ssthresh to half the flight (5 segments)
  // and cwnd to one segment; slow start up to ssthresh, then one segment per
  // window acknowledged.
  auto& c = active_open({}, Duration::milliseconds(100));
  BOOST_TEST(app_send(c, 40000) == 40000);
  BOOST_TEST(segments().size() == 10u);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 300);
  BOOST_TEST(expect_segment(one_segment(), c, seq(c.stack_seq(0))));  // only one (RFC 2525 2.14)
  auto i = info(c);
  BOOST_TEST(i.tcpi_snd_cwnd == 1u);
  BOOST_TEST(i.tcpi_snd_ssthresh == 5u);
  std::vector<std::uint32_t> cwnds;
  std::vector<std::size_t> sent;
  for (std::uint32_t n = 1; n <= 10; ++n) {
    bench_acks(c, n * 1460);
    cwnds.push_back(info(c).tcpi_snd_cwnd);
    sent.push_back(segments().size());
  }
  const std::vector<std::uint32_t> expected_cwnd{2, 3, 4, 5, 5, 5, 5, 5, 6, 6};
  BOOST_TEST(cwnds == expected_cwnd, boost::test_tools::per_element());
  const std::vector<std::size_t> expected_sent{2, 2, 2, 2, 1, 1, 1, 1, 2, 1};
  BOOST_TEST(sent == expected_sent, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(TCP_CC_1_fast_retransmit_on_the_third_duplicate_ack, TcpFixture) {
  // RFC 5681 3.2: the third duplicate ACK (not the first or second) resends
  // the first unacknowledged segment; ssthresh = FlightSize / 2, cwnd =
  // ssthresh + 3 MSS, inflated by one MSS per further duplicate, which lets
  // new data go once it exceeds what is in flight.
  auto& c = active_open();
  eleven_in_flight(c, 40000);
  inject(c, c.segment("A"));
  inject(c, c.segment("A"));
  BOOST_TEST(nothing_sent());
  inject(c, c.segment("A"));
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), seq(c.stack_seq(1460)), payload(1460, 'x')));
  BOOST_TEST(sockets.tcp_stats().fast_retransmits == 1u);
  const auto i = info(c);
  BOOST_TEST(i.tcpi_ca_state == TCP_CA_Recovery);
  BOOST_TEST(i.tcpi_snd_ssthresh == 5u);  // 8030 bytes
  BOOST_TEST(i.tcpi_snd_cwnd == 8u);      // 8030 + 3 * 1460 = 12410
  std::vector<std::size_t> sent;
  for (int k = 0; k < 4; ++k) {
    inject(c, c.segment("A"));
    sent.push_back(segments().size());
  }
  const std::vector<std::size_t> expected{0, 0, 0, 1};  // cwnd passes the 16060 bytes out at the 7th
  BOOST_TEST(sent == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(TCP_CC_1_newreno_partial_ack_resends_the_next_hole_full_ack_deflates, TcpFixture) {
  // RFC 6582 3.2: segments 2 and 5 lost. After the fast retransmit, the ACK
  // up to the 5th is partial: the 5th goes at once. The ACK of everything
  // ends recovery with cwnd = min(ssthresh, FlightSize + MSS): two segments,
  // not a burst (RFC 2525 2.8).
  auto& c = active_open();
  eleven_in_flight(c, 40000);
  fast_retransmit(c);
  bench_acks(c, 4 * 1460);
  BOOST_TEST(expect_segment(one_segment(), c, seq(c.stack_seq(4 * 1460)), payload(1460, 'x')));
  BOOST_TEST(info(c).tcpi_ca_state == TCP_CA_Recovery);
  bench_acks(c, 12 * 1460);
  const auto i = info(c);
  BOOST_TEST(i.tcpi_ca_state == TCP_CA_Open);
  BOOST_TEST(i.tcpi_snd_cwnd == 2u);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(out[0].seq() == c.stack_seq(12 * 1460));
  BOOST_TEST(sockets.tcp_stats().fast_retransmits == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_CC_1_one_segment_initial_window_after_syn_retransmissions, TcpFixture) {
  // RFC 5681 3.1 (LINUX tcp_init_transfer: more than one retransmission of
  // the SYN): the initial window is one segment; RFC 6298 5.7: no RTT sample
  // from the handshake, so the RTO is 3 s.
  auto& c = active_open({}, Duration::milliseconds(3500));  // SYNs again at 1 s and 3 s
  BOOST_TEST(c.syn_retransmissions == 2);
  auto i = info(c);
  BOOST_TEST(i.tcpi_snd_cwnd == 1u);
  BOOST_TEST(i.tcpi_rto == 3000000u);
  BOOST_TEST(app_send(c, 5000) == 5000);
  BOOST_TEST(segments().size() == 1u);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 3000);
  BOOST_TEST(one_segment().seq() == c.stack_seq(0));
  bench_acks(c, 5000);
  segments();
  // One retransmission of the SYN: the usual IW10, still the 3 s RTO.
  BenchSyn other;
  other.port = 40001;
  auto& d = active_open(other, Duration::milliseconds(1500));
  BOOST_TEST(d.syn_retransmissions == 1);
  i = info(d);
  BOOST_TEST(i.tcpi_snd_cwnd == 10u);
  BOOST_TEST(i.tcpi_rto == 3000000u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_ISN_1)

namespace {

// The first SYN of a fresh stack seeded with `seed`, connecting from `port` (0: ephemeral).
SentSegment first_syn(std::uint64_t seed, std::uint16_t port = 0) {
  TcpFixtureOptions o;
  o.stack.seed = seed;
  o.stack.pcap_suffix = "_seed" + std::to_string(seed);
  TcpFixture t(o);
  const int fd = t.tcp_socket();
  if (port != 0) {
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    BOOST_TEST(t.sockets.bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0);
  }
  BOOST_TEST(t.connect_to_bench(fd, BenchSyn{}) == -EINPROGRESS);
  return t.one_segment();
}

}  // namespace

BOOST_AUTO_TEST_CASE(TCP_ISN_1_isn_and_port_differ_across_entropy_seeds) {
  // RFC 6528: ISN = M + F(four-tuple, secret); RFC 6056: a random ephemeral
  // port. Stacks seeded differently, at the same virtual time, with the same
  // four-tuple even, choose different ISNs; and different ports.
  std::vector<std::uint32_t> isns;
  std::vector<std::uint16_t> ports;
  std::vector<std::uint32_t> fixed_port_isns;
  for (const std::uint64_t seed : {1u, 2u, 3u, 4u}) {
    const auto syn = first_syn(seed);
    isns.push_back(syn.seq());
    ports.push_back(syn.tcp.src_port);
    BOOST_TEST(syn.tcp.src_port >= 32768u);
    BOOST_TEST(syn.tcp.src_port <= 60999u);
    fixed_port_isns.push_back(first_syn(seed, 33333).seq());
  }
  auto all_different = [](auto v) {
    std::sort(v.begin(), v.end());
    return std::adjacent_find(v.begin(), v.end()) == v.end();
  };
  BOOST_TEST(all_different(isns));
  BOOST_TEST(all_different(ports));
  BOOST_TEST(all_different(fixed_port_isns));
  // The same seed, the same choices: the entropy is the only source.
  BOOST_TEST(first_syn(2).seq() == isns[1]);
}

BOOST_FIXTURE_TEST_CASE(TCP_ISN_1_isns_differ_across_connections_and_advance_with_the_clock, TcpFixture) {
  // Connections to other ports get unrelated ISNs (F differs) and random
  // ephemeral ports; the same four-tuple 1 s later gets its old ISN plus the
  // 4-microsecond clock M: 250000 more (RFC 6528 3).
  std::vector<std::uint32_t> isns;
  std::vector<std::uint16_t> ports;
  for (std::uint16_t k = 0; k < 5; ++k) {
    BenchSyn to;
    to.port = static_cast<std::uint16_t>(40000 + k);
    auto& c = active_open(to);
    isns.push_back(c.stack_isn);
    ports.push_back(c.stack_port);
  }
  for (std::size_t k = 1; k < isns.size(); ++k) {
    BOOST_TEST(isns[k] != isns[k - 1]);
    const std::uint32_t step = distance(wire::SeqNum(isns[k - 1]), wire::SeqNum(isns[k]));
    BOOST_TEST((step > 1000000u && step < 0xfff00000u));  // not a small clock tick apart
    BOOST_TEST(ports[k] != ports[k - 1] + 1);             // not sequential (RFC 6056 3.1)
  }
  // The same four-tuple again.
  auto bound = [&]() {
    const int fd = tcp_socket();
    BOOST_TEST(set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
    sockaddr_in at{};
    at.sin_family = AF_INET;
    at.sin_port = htons(33333);
    BOOST_TEST(sockets.bind(fd, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0);
    return fd;
  };
  BenchSyn to;
  to.port = 41000;
  auto& first = connect_from(bound(), to);
  const linger abort_close{1, 0};
  BOOST_TEST(sockets.setsockopt(first.fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close) == 0);
  BOOST_TEST(sockets.close(first.fd) == 0);
  BOOST_TEST(one_segment().flags().rst());
  run_for(Duration::seconds(1));
  auto& second = connect_from(bound(), to);
  BOOST_TEST(second.stack_isn - first.stack_isn == 250000u);  // NOLINT: modular
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_OOO_1)

BOOST_FIXTURE_TEST_CASE(TCP_OOO_1_out_of_order_data_is_bounded_by_the_receive_buffer, TcpFixture) {
  // RFC 9293 3.10.7.4 / RFC 2525 2.5: data beyond a hole is kept, within the
  // window and SO_RCVBUF (8192 here); what lies past it is dropped and
  // counted. Filling the hole delivers it all, in order.
  const int l = listener();
  BOOST_TEST(set_int(l, SOL_SOCKET, SO_RCVBUF, 4096) == 0);
  auto& c = accept_from(l);
  const std::uint32_t base = c.bench_nxt;
  std::string stream;
  for (int k = 0; k < 10; ++k) stream += std::string(1000, static_cast<char>('A' + k));
  const auto drops = sockets.drops(TransportDropReason::tcp_out_of_window);
  for (std::uint32_t k = 1; k < 10; ++k) {
    c.bench_nxt = base + k * 1000;
    inject(c, c.segment("A"), std::string_view(stream).substr(k * 1000, 1000));
    BOOST_TEST(sockets.receive_queue_bytes(c.fd) <= 8192);
  }
  BOOST_TEST(sockets.receive_queue_bytes(c.fd) == 7192);  // 1000..8192: what the window offered
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_out_of_window) == drops + 1);  // 9000.. lies past it
  segments();
  c.bench_nxt = base;
  inject(c, c.segment("A"), std::string_view(stream).substr(0, 1000));
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(base + 8192), window(0)));
  BOOST_TEST(app_read(c) == stream.substr(0, 8192));
}

BOOST_FIXTURE_TEST_CASE(TCP_OOO_1_thousands_of_tiny_segments_cost_bounded_memory_and_work, TcpFixture) {
  // SegmentSmack class: 5000 one-byte segments, each beyond a hole and apart
  // from the others. A bounded number is kept (64 segments), the rest is
  // dropped and counted, each costs bounded work; once the peer sends the
  // stream in order it arrives intact.
  auto& c = passive_open();
  const std::uint32_t base = c.bench_nxt;
  std::string stream(12000, '\0');
  for (std::size_t i = 0; i < stream.size(); ++i) stream[i] = static_cast<char>('a' + i % 26);
  const auto drops = sockets.drops(TransportDropReason::tcp_receive_buffer);
  const auto started = std::chrono::steady_clock::now();
  for (std::uint32_t k = 0; k < 5000; ++k) {
    const std::uint32_t at = 2 + 2 * ((k * 7919) % 5000);  // scattered odd gaps
    c.bench_nxt = base + at;
    inject(c, c.segment("A"), std::string_view(stream).substr(at, 1));
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  BOOST_TEST(sockets.receive_queue_bytes(c.fd) == 64);
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_receive_buffer) - drops == 5000u - 64u);
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() < 5000);
  segments();
  c.bench_nxt = base;
  for (std::uint32_t off = 0; off < stream.size(); off += 1000) {
    inject(c, c.segment("A"), std::string_view(stream).substr(off, 1000));
    c.bench_nxt = base + off + 1000;
  }
  BOOST_TEST(app_read(c) == stream);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(TCP_KA_1)

BOOST_FIXTURE_TEST_CASE(TCP_KA_1_off_by_default, TcpFixture) {
  // RFC 1122 4.2.3.6: keepalives default off; LINUX defaults 7200 s idle,
  // 75 s apart, 9 probes.
  auto& c = active_open();
  BOOST_TEST(get_int(c.fd, SOL_SOCKET, SO_KEEPALIVE) == 0);
  BOOST_TEST(get_int(c.fd, IPPROTO_TCP, TCP_KEEPIDLE) == 7200);
  BOOST_TEST(get_int(c.fd, IPPROTO_TCP, TCP_KEEPINTVL) == 75);
  BOOST_TEST(get_int(c.fd, IPPROTO_TCP, TCP_KEEPCNT) == 9);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(3 * 3600))) == never_ms);
  BOOST_TEST(app_send(c, "still") == 5);
  BOOST_TEST(one_segment().text() == "still");
}

BOOST_FIXTURE_TEST_CASE(TCP_KA_1_probes_after_idle_every_interval_then_rst_and_etimedout, TcpFixture) {
  // LINUX tcp_keepalive_timer: TCP_KEEPIDLE 10 s, TCP_KEEPINTVL 5 s,
  // TCP_KEEPCNT 3: probes (SND.UNA - 1, no data) at 10, 15 and 20 s; at 25 s
  // the connection is reset and the application gets ETIMEDOUT.
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 10) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 5) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 3) == 0);
  auto& c = connect_from(fd);
  std::vector<std::int64_t> waits;
  for (int k = 0; k < 3; ++k) {
    waits.push_back(ms(run_until_segment(Duration::seconds(60))));
    BOOST_TEST(
        expect_segment(one_segment(), c, flags("A"), seq(c.stack_seq(0) - 1), ack(c.bench_nxt), payload("")));
  }
  const std::vector<std::int64_t> expected{10000, 5000, 5000};
  BOOST_TEST(waits == expected, boost::test_tools::per_element());
  BOOST_TEST(ms(run_until_segment(Duration::seconds(60))) == 5000);
  BOOST_TEST(expect_segment(one_segment(), c, flags("RA"), seq(c.stack_seq(0))));
  BOOST_TEST(app_recv(c, 1) == -ETIMEDOUT);
}

BOOST_FIXTURE_TEST_CASE(TCP_KA_1_answered_probes_keep_the_connection, TcpFixture) {
  // Each answer resets the count: the next probe comes a full idle time later.
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 10) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 5) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 2) == 0);
  auto& c = connect_from(fd);
  for (int k = 0; k < 6; ++k) {
    BOOST_TEST(ms(run_until_segment(Duration::seconds(60))) == 10000);
    BOOST_TEST(one_segment().seq() == c.stack_seq(0) - 1);
    inject(c, c.segment("A"));
    BOOST_TEST(nothing_sent());
  }
  BOOST_TEST(app_send(c, "alive") == 5);
  BOOST_TEST(one_segment().text() == "alive");
}

BOOST_FIXTURE_TEST_CASE(TCP_KA_1_turned_on_in_a_connection_counts_from_then, TcpFixture) {
  // LINUX tcp_set_keepalive: SO_KEEPALIVE on an established connection starts
  // the idle time then; TCP_KEEPIDLE while on counts from the last segment
  // received; off stops the probes.
  auto& c = active_open();
  run_for(Duration::seconds(100));
  BOOST_TEST(set_int(c.fd, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  BOOST_TEST(set_int(c.fd, IPPROTO_TCP, TCP_KEEPIDLE, 150) == 0);  // 100 s ago + 150 s: 50 s from now
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1000))) == 50000);
  BOOST_TEST(one_segment().seq() == c.stack_seq(0) - 1);
  BOOST_TEST(set_int(c.fd, SOL_SOCKET, SO_KEEPALIVE, 0) == 0);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10000))) == never_ms);
  BOOST_TEST(set_int(c.fd, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1000))) == 150000);
}

BOOST_FIXTURE_TEST_CASE(TCP_KA_1_probes_go_on_in_close_wait, TcpFixture) {
  // LINUX tcp_keepalive_timer runs in every state but CLOSE and SYN-SENT:
  // after the peer's FIN the connection is still probed.
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 10) == 0);
  auto& c = connect_from(fd);
  to_close_wait(c);
  BOOST_TEST(info(c).tcpi_state == TCP_CLOSE_WAIT);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(60))) == 10000);
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), seq(c.stack_seq(0) - 1), ack(c.bench_nxt)));
}

BOOST_FIXTURE_TEST_CASE(TCP_KA_1_no_probes_in_time_wait, TcpFixture) {
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 10) == 0);
  auto& c = connect_from(fd);
  to_time_wait(c);
  BOOST_TEST(info(c).tcpi_state ==
             TCP_CLOSE);  // LINUX: the descriptor's sock is closed, a timewait sock waits
  BOOST_TEST(ms(run_until_segment(Duration::seconds(59))) == never_ms);
}

BOOST_FIXTURE_TEST_CASE(TCP_KA_1_option_ranges, TcpFixture) {
  // LINUX: TCP_KEEPIDLE and TCP_KEEPINTVL 1..32767, TCP_KEEPCNT 1..127, else EINVAL.
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 0) == -EINVAL);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 32768) == -EINVAL);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, 32767) == 0);
  BOOST_TEST(get_int(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 32767);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 0) == -EINVAL);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 32768) == -EINVAL);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, 1) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 0) == -EINVAL);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 128) == -EINVAL);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_KEEPCNT, 127) == 0);
  BOOST_TEST(get_int(fd, IPPROTO_TCP, TCP_KEEPCNT) == 127);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_AUTO_TEST_SUITE(SOCK_5)

BOOST_FIXTURE_TEST_CASE(SOCK_5_tcp_nodelay_and_tcp_maxseg_values_and_lengths, TcpFixture) {
  // LINUX do_tcp_setsockopt / do_tcp_getsockopt (checked on Linux 6.1).
  const int fd = tcp_socket();
  char three[3] = {1, 0, 0};
  BOOST_TEST(sockets.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, three, 3) == -EINVAL);
  const long long eight = 7;
  BOOST_TEST(sockets.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &eight, 8) == 0);
  BOOST_TEST(get_int(fd, IPPROTO_TCP, TCP_NODELAY) == 1);  // any non-zero value is on
  unsigned char two[4] = {0x55, 0x55, 0x55, 0x55};
  socklen_t n = 2;
  BOOST_TEST(sockets.getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, two, &n) == 0);
  BOOST_TEST(n == 2u);
  BOOST_TEST((two[0] == 1 && two[1] == 0 && two[2] == 0x55));  // only the first two bytes
  n = static_cast<socklen_t>(-1);
  int v = 0;
  BOOST_TEST(sockets.getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &n) == -EINVAL);
  BOOST_TEST(get_int(fd, IPPROTO_TCP, TCP_MAXSEG) == 536);          // LINUX TCP_MSS_DEFAULT before connecting
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 87) == -EINVAL);  // below TCP_MIN_MSS
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 32768) == -EINVAL);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, -1) == -EINVAL);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 88) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 32767) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 0) == 0);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, TCP_MAXSEG, 1000) == 0);
  BOOST_TEST(get_int(fd, IPPROTO_TCP, TCP_MAXSEG) == 1000);
  BOOST_TEST(set_int(fd, IPPROTO_TCP, 9999, 1) == -ENOPROTOOPT);
  BOOST_TEST(get_int(fd, IPPROTO_TCP, 9999) == -ENOPROTOOPT);
}

BOOST_FIXTURE_TEST_CASE(SOCK_5_so_keepalive_and_so_linger_values_and_lengths, TcpFixture) {
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 5) == 0);
  BOOST_TEST(get_int(fd, SOL_SOCKET, SO_KEEPALIVE) == 1);
  char three[3] = {1, 0, 0};
  BOOST_TEST(sockets.setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, three, 3) == -EINVAL);
  linger l{1, 5};
  BOOST_TEST(sockets.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(int)) == -EINVAL);  // 1003.1g
  auto get_linger = [&]() {
    linger g{-9, -9};
    socklen_t n = sizeof g;
    BOOST_TEST(sockets.getsockopt(fd, SOL_SOCKET, SO_LINGER, &g, &n) == 0);
    BOOST_TEST(n == sizeof g);
    return std::pair<int, int>{g.l_onoff, g.l_linger};
  };
  BOOST_TEST((get_linger() == std::pair<int, int>{0, 0}));
  BOOST_TEST(sockets.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) == 0);
  BOOST_TEST((get_linger() == std::pair<int, int>{1, 5}));
  l = {0, 7};  // off: the time is kept (LINUX sk_lingertime untouched)
  BOOST_TEST(sockets.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) == 0);
  BOOST_TEST((get_linger() == std::pair<int, int>{0, 5}));
  l = {2, 100000};  // any non-zero l_onoff is on
  BOOST_TEST(sockets.setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) == 0);
  BOOST_TEST((get_linger() == std::pair<int, int>{1, 100000}));
  linger g{};
  socklen_t n = sizeof(int);
  BOOST_TEST(sockets.getsockopt(fd, SOL_SOCKET, SO_LINGER, &g, &n) == 0);
  BOOST_TEST(n == sizeof(int));  // truncated to what was asked
}

BOOST_FIXTURE_TEST_CASE(SOCK_5_tcp_maxseg_reads_the_mss_in_use_once_connected, TcpFixture) {
  // LINUX: the current MSS, less the timestamp option.
  auto& c = active_open(BenchSyn::linux_like());
  BOOST_TEST(get_int(c.fd, IPPROTO_TCP, TCP_MAXSEG) == 1448);
  BenchSyn small;
  small.mss = 1000;
  small.port = 40001;
  auto& d = active_open(small);
  BOOST_TEST(get_int(d.fd, IPPROTO_TCP, TCP_MAXSEG) == 1000);
}

BOOST_AUTO_TEST_SUITE_END()

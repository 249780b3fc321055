// RFC 2525's known TCP implementation problems, each as the peer sees it on
// the wire (REQUIREMENTS.md RFC2525-2.x, numbered as RFC 2525 section 2).
// Every case drives the stack into the situation the RFC describes and
// asserts the segments that show the problem is absent.
#include <boost/test/unit_test.hpp>

#include "tcp_transfer_fixture.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::Duration;
using socket::TransportDropReason;

namespace {

// A stream whose every byte says where it is, so a byte out of place shows.
std::string numbered_stream(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('A' + (i * 7 + i / 26) % 26);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(RFC2525)

BOOST_FIXTURE_TEST_CASE(RFC2525_2_1_initial_slow_start, TcpFixture) {
  // At most the initial window before an ACK; one ACK of one segment opens it by one.
  auto& c = active_open();
  BOOST_TEST(app_send(c, 60000) == 60000);
  BOOST_TEST(segments().size() == 10u);
  BOOST_TEST(ms(run_until_segment(Duration::milliseconds(150))) == never_ms);  // nothing more without an ACK
  bench_acks(c, 1460);
  BOOST_TEST(segments().size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_2_slow_start_after_a_retransmission_timeout, TcpFixture) {
  // After the timeout: one segment; its ACK lets two go; their ACK four.
  auto& c = active_open({}, Duration::milliseconds(100));
  BOOST_TEST(app_send(c, 60000) == 60000);
  BOOST_TEST(segments().size() == 10u);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 300);
  BOOST_TEST(segments().size() == 1u);
  bench_acks(c, 1460);
  auto out = segments();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(out[0].seq() == c.stack_seq(1460));
  bench_acks(c, 3 * 1460);
  BOOST_TEST(segments().size() == 4u);
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_3_congestion_window_initialised_for_passive_opens, TcpFixture) {
  auto& c = passive_open();
  BOOST_TEST(info(c).tcpi_snd_cwnd == 10u);
  BOOST_TEST(app_send(c, 60000) == 60000);
  BOOST_TEST(segments().size() == 10u);
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_4_retransmission_carries_the_original_bytes, TcpFixture) {
  // Two writes, both lost, and more written before the timeout: what goes
  // again at each sequence number is what went there first.
  auto& c = active_open({}, Duration::milliseconds(100));
  BOOST_TEST(set_int(c.fd, IPPROTO_TCP, TCP_NODELAY, 1) == 0);
  const auto stream = numbered_stream(5000);
  BOOST_TEST(app_send(c, stream.substr(0, 700)) == 700);
  BOOST_TEST(app_send(c, stream.substr(700, 700)) == 700);
  const auto first = segments();
  BOOST_TEST_REQUIRE(first.size() == 2u);
  BOOST_TEST(first[0].text() == stream.substr(0, 700));
  BOOST_TEST(first[1].text() == stream.substr(700, 700));
  BOOST_TEST(app_send(c, stream.substr(1400)) == 3600);
  segments();  // what the window let go of the rest
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 300);
  const auto again = one_segment();
  const std::uint32_t offset = again.seq() - c.stack_seq(0);  // NOLINT: modular
  BOOST_TEST(offset == 0u);
  BOOST_TEST(again.text() == stream.substr(offset, again.payload.size()));
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_5_above_sequence_data_is_retained, TcpFixture) {
  // The second half arrives first; when the first half comes, one ACK covers both.
  auto& c = passive_open();
  const auto stream = numbered_stream(2000);
  const std::uint32_t base = c.bench_nxt;
  c.bench_nxt = base + 1000;
  inject(c, c.segment("A"), std::string_view(stream).substr(1000));
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(base)));
  c.bench_nxt = base;
  inject(c, c.segment("A"), std::string_view(stream).substr(0, 1000));
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), ack(base + 2000)));
  BOOST_TEST(app_read(c) == stream);
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_6_no_extra_additive_constant_in_congestion_avoidance, TcpFixture) {
  // ssthresh 5 segments after a timeout: in congestion avoidance cwnd grows
  // by exactly one segment per window acknowledged (5 ACKs at cwnd 5, then 6
  // at cwnd 6), never MSS/8 more per ACK.
  auto& c = active_open({}, Duration::milliseconds(100));
  BOOST_TEST(app_send(c, 60000) == 60000);
  segments();
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 300);
  std::vector<std::uint32_t> cwnds;
  for (std::uint32_t n = 1; n <= 15; ++n) {
    bench_acks(c, n * 1460);
    segments();
    cwnds.push_back(info(c).tcpi_snd_cwnd);
  }
  const std::vector<std::uint32_t> expected{2, 3, 4, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 7};
  BOOST_TEST(cwnds == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_7_first_syn_waits_one_second, TcpFixture) {
  // RFC 6298 2.1: an initial RTO of 1 s (RFC 2525 asked for 3 s, RFC 6298 lowered it).
  const int fd = tcp_socket();
  BOOST_TEST(connect_to_bench(fd, BenchSyn{}) == -EINPROGRESS);
  BOOST_TEST(one_segment().is("S"));
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 1000);
  BOOST_TEST(one_segment().is("S"));
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_7_data_waits_three_seconds_after_a_lost_syn, TcpFixture) {
  // RFC 6298 5.7: the SYN was sent again, so the handshake gave no RTT
  // sample: the data's RTO is 3 s.
  auto& c = active_open({}, Duration::milliseconds(1200));
  BOOST_TEST(c.syn_retransmissions == 1);
  BOOST_TEST(app_send(c, "x") == 1);
  BOOST_TEST(one_segment().text() == "x");
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 3000);
  BOOST_TEST(one_segment().text() == "x");
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_8_window_deflates_after_fast_recovery, TcpFixture) {
  // Duplicate ACKs inflate cwnd during recovery (new data goes); the ACK
  // ending recovery brings cwnd to at most ssthresh: two segments follow,
  // not the 18 the inflated window would allow.
  auto& c = active_open();
  eleven_in_flight(c, 100000);
  fast_retransmit(c);
  std::size_t during = 0;
  for (int k = 0; k < 10; ++k) {
    inject(c, c.segment("A"));
    during += segments().size();
  }
  BOOST_TEST(during == 7u);
  BOOST_TEST(info(c).tcpi_snd_cwnd == 18u);  // 8030 + 13 * 1460 bytes
  bench_acks(c, (12 + 7) * 1460);
  const auto i = info(c);
  BOOST_TEST(i.tcpi_snd_cwnd <= i.tcpi_snd_ssthresh);
  BOOST_TEST(segments().size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_9_keepalive_gives_up_only_after_nine_unanswered_probes, TcpFixture) {
  // LINUX defaults: 7200 s idle, 9 probes 75 s apart: the RST at 7875 s.
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  auto& c = connect_from(fd);
  const auto start = clock.now();
  int probes = 0;
  for (;;) {
    const auto w = run_until_segment(Duration::seconds(10000));
    BOOST_TEST_REQUIRE(w.has_value());
    const auto s = one_segment();
    if (s.flags().rst()) break;
    BOOST_TEST(s.seq() == c.stack_seq(0) - 1);
    ++probes;
  }
  BOOST_TEST(probes == 9);
  BOOST_TEST((clock.now() - start).count_ms() == 7875000);
  BOOST_TEST(app_recv(c, 1) == -ETIMEDOUT);
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_10_each_timeout_doubles_the_rto, TcpFixture) {
  auto& c = active_open({}, Duration::milliseconds(100));
  BOOST_TEST(app_send(c, "lost") == 4);
  segments();
  std::vector<std::int64_t> waits;
  for (int k = 0; k < 5; ++k) {
    waits.push_back(ms(run_until_segment(Duration::seconds(100))));
    BOOST_TEST(one_segment().text() == "lost");
  }
  const std::vector<std::int64_t> expected{300, 600, 1200, 2400, 4800};
  BOOST_TEST(waits == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_11_keepalives_come_two_hours_apart, TcpFixture) {
  // RFC 1122 4.2.3.6: the interval defaults to no less than two hours; an
  // answered probe starts a new two hours.
  const int fd = tcp_socket();
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) == 0);
  auto& c = connect_from(fd);
  for (int k = 0; k < 3; ++k) {
    BOOST_TEST(ms(run_until_segment(Duration::seconds(10000))) == 7200000);
    BOOST_TEST(one_segment().seq() == c.stack_seq(0) - 1);
    inject(c, c.segment("A"));
  }
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_12_no_window_probe_deadlock, TcpFixture) {
  // A window that closes, or shrinks below a segment, while data waits: the
  // persist timer probes it (SND.UNA - 1) or fills it, until the peer's
  // update (which could have been lost) is heard.
  auto& c = active_open({}, Duration::milliseconds(100));
  c.bench_window = 0;
  inject(c, c.segment("A"));
  BOOST_TEST(app_send(c, 3000) == 3000);
  BOOST_TEST(nothing_sent());
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 300);
  BOOST_TEST(expect_segment(one_segment(), c, flags("A"), seq(c.stack_seq(0) - 1), payload("")));
  c.bench_window = 500;  // the update the stack hears only through its probe
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 600);
  BOOST_TEST(one_segment().seq() == c.stack_seq(0) - 1);
  inject(c, c.segment("A"));
  BOOST_TEST(nothing_sent());  // 500 bytes: less than a segment and half the largest window
  // LINUX tcp_ack_probe: the probe timer goes on with its backoff (300 << 2).
  BOOST_TEST(ms(run_until_segment(Duration::seconds(10))) == 1200);
  BOOST_TEST(expect_segment(one_segment(), c, seq(c.stack_seq(0)), payload(500, 'x')));
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_13_no_stretch_acks, TcpFixture) {
  // Six full-sized segments back to back: an ACK after every second.
  auto& c = passive_open();
  std::vector<std::uint32_t> acks;
  for (int k = 0; k < 6; ++k) {
    bench_sends(c, 1460, 'a');
    for (const auto& s : segments()) acks.push_back(s.ack() - c.bench_seq(0));
  }
  const std::vector<std::uint32_t> expected{2920, 5840, 8760};
  BOOST_TEST(acks == expected, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_14_a_timeout_resends_one_segment, TcpFixture) {
  auto& c = active_open({}, Duration::milliseconds(100));
  BOOST_TEST(app_send(c, 14600) == 14600);
  BOOST_TEST(segments().size() == 10u);
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 300);
  BOOST_TEST(expect_segment(one_segment(), c, seq(c.stack_seq(0)), payload(1460, 'x')));
  BOOST_TEST(ms(run_until_segment(Duration::milliseconds(550))) == never_ms);  // until the next timeout
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_15_fin_goes_promptly, TcpFixture) {
  // close() with nothing queued: the FIN at once. shutdown(SHUT_WR) with a
  // small write Nagle holds: that write and the FIN at once, no ACK awaited.
  auto& a = active_open();
  BOOST_TEST(sockets.close(a.fd) == 0);
  BOOST_TEST(expect_segment(one_segment(), a, flags("FA"), seq(a.stack_seq(0))));
  BenchSyn other;
  other.port = 40001;
  auto& c = active_open(other);
  BOOST_TEST(app_send(c, "a") == 1);
  BOOST_TEST(one_segment().text() == "a");
  BOOST_TEST(app_send(c, "b") == 1);
  BOOST_TEST(nothing_sent());  // Nagle: "a" is not acknowledged
  BOOST_TEST(sockets.shutdown(c.fd, SHUT_WR) == 0);
  const auto out = segments();
  BOOST_TEST_REQUIRE(!out.empty());
  std::string data;
  for (const auto& s : out) data += s.text();
  BOOST_TEST(data == "b");
  BOOST_TEST(out.back().flags().fin());
  BOOST_TEST(out.back().seq() + out.back().payload.size() == c.stack_seq(2));
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_16_data_after_close_gets_a_rst, TcpFixture) {
  // The application closed (FIN sent and acknowledged: FIN-WAIT-2); data
  // for it can never be read: RST, counted, and the connection is gone.
  auto& c = passive_open();
  BOOST_TEST(sockets.close(c.fd) == 0);
  const auto fin = one_segment();
  BOOST_TEST(fin.is("FA"));
  c.bench_ack = c.stack_seq(0) + 1;
  inject(c, c.segment("A"));
  BOOST_TEST(nothing_sent());
  bench_sends(c, "late");
  const auto rst = one_segment();
  BOOST_TEST(rst.flags().rst());
  BOOST_TEST(rst.seq() == c.stack_seq(0) + 1);
  BOOST_TEST(sockets.tcp_stats().abort_on_data == 1u);
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_data_after_close) == 1u);
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_17_close_with_unread_data_sends_rst, TcpFixture) {
  // RFC 1122 4.2.2.13: data unread at close() -> RST, not FIN (LINUX tcp_close:
  // RST|ACK at SND.NXT acknowledging what arrived).
  auto& c = passive_open();
  bench_sends(c, "unread");
  BOOST_TEST(ms(run_until_segment(Duration::seconds(1))) == 40);
  segments();
  BOOST_TEST(sockets.close(c.fd) == 0);
  BOOST_TEST(expect_segment(one_segment(), c, flags("RA"), seq(c.stack_seq(0)), ack(c.bench_nxt)));
  BOOST_TEST(sockets.tcp_stats().abort_on_close == 1u);
  inject(c, c.segment("A"));  // the connection is gone: its peer's segments get RSTs
  BOOST_TEST(one_segment().flags().rst());
}

BOOST_FIXTURE_TEST_CASE(RFC2525_2_18_options_are_taken_from_the_mss, TcpFixture) {
  // RFC 6691: data + TCP options <= MSS. Timestamps (12 bytes) leave 1448 of
  // 1460; SACK blocks reported beside data take their room too (LINUX
  // tcp_current_mss): 1448 - (4 + 8) with one block.
  auto& c = active_open(BenchSyn::linux_like());
  BOOST_TEST(app_send(c, 1448 * 3) == 1448 * 3);
  for (const auto& s : segments()) {
    BOOST_TEST(s.payload.size() == 1448u);
    BOOST_TEST(s.payload.size() + (s.tcp.options.timestamps ? 12u : 0u) <= 1460u);
  }
  bench_acks(c, 1448 * 3);
  // The bench's data arrives with a hole: the stack reports a SACK block.
  c.bench_nxt += 100;
  bench_sends(c, 100, 'o');
  BOOST_TEST(one_segment().tcp.options.sack_blocks.size() == 1u);
  BOOST_TEST(app_send(c, 3000) == 3000);
  const auto out = segments();
  BOOST_TEST_REQUIRE(!out.empty());
  BOOST_TEST(out[0].tcp.options.sack_blocks.size() == 1u);
  BOOST_TEST(out[0].payload.size() == 1436u);
  BOOST_TEST(out[0].payload.size() + 12 + 12 <= 1460u);
}

BOOST_AUTO_TEST_SUITE_END()

// TCP conformance, closing (REQUIREMENTS.md TCP-CLOSE-1..6, TCP-SHUT-1) and
// the socket calls of TCP sockets (SOCK-3 listen/accept, SOCK-4 readiness in
// every state). The bench is the remote TCP (tcp_fixture.hpp). Linux's
// close/shutdown/linger semantics are the reference (seed 004: tcp_close,
// tcp_close_state's new_state table, inet_shutdown, tcp_disconnect); the
// readiness masks were read from Linux with the same sequences through
// KernelDut, and the rules that run on both are also scenarios in
// harness/dut_scenarios.hpp.
#include <boost/test/unit_test.hpp>

#include "hardstack/harness/builders.hpp"
#include "tcp_fixture.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::Duration;
using socket::TransportDropReason;

namespace {

// The masks of tcp_fixture.hpp, by shorter names.
constexpr short none = 0;
constexpr short out = POLLOUT;
constexpr short in_out = POLLIN | POLLOUT;
constexpr short closed = closed_mask;
constexpr short peer_closed = peer_closed_mask;
constexpr short both_shut = both_shut_mask;
constexpr short with_error = reset_mask;

// Loopback frames go one hop per poll: enough polls at the same instant for an exchange to end.
void settle(TcpFixture& f) {
  for (int i = 0; i < 8; ++i) f.advance(Duration::zero());
}

}  // namespace

// ---- TCP-CLOSE-1: close() with unread data ---------------------------------------------------

BOOST_AUTO_TEST_SUITE(TCP_CLOSE_SUITE)  // not TCP_CLOSE / TCP_CLOSING: netinet/tcp.h states

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_1_close_with_unread_data_sends_rst_not_fin, TcpFixture) {
  TcpPeer p = passive_open();
  p.sends("PA", "unread");
  BOOST_TEST(sockets.close(p.fd) == 0);
  // RFC 2525 2.17, LINUX tcp_close: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>
  // with the window as any segment of the connection carries it.
  p.window_took(6);
  BOOST_TEST(sent_segments() == segments(p.expect("RA")));
  BOOST_TEST(table_state(p) == 0);  // CLOSED at once: no FIN-WAIT, no TIME-WAIT
  BOOST_TEST(tcp_stats().abort_on_close == 1u);
  BOOST_TEST(tcp_stats().estab_resets == 1u);
  run_for(Duration::seconds(120));
  BOOST_TEST(sent_segments().empty());  // nothing more, ever
  // The peer's next segment finds no connection.
  p.sends("PA", "more");
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_1_close_with_unread_data_in_close_wait_sends_rst, TcpFixture) {
  TcpPeer p = passive_open();
  p.sends("PA", "unread");
  p.window_took(6);
  to_close_wait(p);  // the FIN is not data: it counts for nothing unread
  BOOST_TEST(sockets.close(p.fd) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("RA")));
  BOOST_TEST(table_state(p) == 0);
  BOOST_TEST(tcp_stats().abort_on_close == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_1_data_read_then_close_sends_fin, TcpFixture) {
  // Control: the same data read first, and close() is orderly.
  TcpPeer p = passive_open();
  p.sends("PA", "read");
  BOOST_TEST(receive(p.fd) == "read");
  p.window_took(4);
  to_fin_wait_1(p, true);
  BOOST_TEST(table_state(p) == TCP_FIN_WAIT1);
  BOOST_TEST(tcp_stats().abort_on_close == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_1_the_peer_sees_econnreset, TcpFixture) {
  // Both ends on this stack, over loopback: the end that closes with unread
  // data resets the other, whose next call reports ECONNRESET.
  const int l = tcp_socket();
  const auto at = tcp_sin4({{127, 0, 0, 1}}, 8080);
  BOOST_TEST_REQUIRE(sockets.bind(l, as_sockaddr(at), sizeof at) == 0);
  BOOST_TEST_REQUIRE(sockets.listen(l, 4) == 0);
  const int client = tcp_socket();
  BOOST_TEST(sockets.connect(client, as_sockaddr(at), sizeof at) == -EINPROGRESS);
  settle(*this);
  const int server = sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_TEST_REQUIRE(server >= 0);
  BOOST_TEST(send_text(client, "never read") == 10);
  settle(*this);
  BOOST_TEST(sockets.close(server) == 0);  // "never read" is still queued
  settle(*this);
  BOOST_TEST(revents(client, all_events) == with_error);
  BOOST_TEST(receive(client) == failed(ECONNRESET));
  BOOST_TEST(send_text(client, "x") == -EPIPE);
}

// ---- TCP-CLOSE-2: data after close() --------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_2_data_after_close_in_fin_wait_1_gets_rst, TcpFixture) {
  TcpPeer p = passive_open();
  to_fin_wait_1(p, true);
  // Nobody can read it: LINUX answers the segment with <SEQ=SEG.ACK><CTL=RST>.
  p.send(p.segment("PA").ack(p.rcv_nxt - 1), "late");  // not acknowledging our FIN
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_seq(p.rcv_nxt - 1).with_window(0)));
  BOOST_TEST(dropped(TransportDropReason::tcp_data_after_close, 1));
  BOOST_TEST(tcp_stats().abort_on_data == 1u);
  BOOST_TEST(table_state(p) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_2_data_after_close_in_fin_wait_2_gets_rst, TcpFixture) {
  const int l = listener();
  TcpPeer p = passive_open(l);
  to_fin_wait_2(p, true);
  p.sends("PA", "late");
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
  BOOST_TEST(dropped(TransportDropReason::tcp_data_after_close, 1));
  BOOST_TEST(table_state(p) == 0);
  // Control: a FIN alone is the orderly end (TIME-WAIT), not data.
  TcpPeer q = passive_open(l, {}, false, bench_port + 1);
  to_time_wait(q, true);
  BOOST_TEST(table_state(q) == TCP_TIME_WAIT);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_2_data_after_shut_rd_in_fin_wait_resets_and_reports_it, TcpFixture) {
  TcpPeer p = passive_open();
  to_fin_wait_1(p);  // shutdown(SHUT_WR)
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_RD) == 0);
  p.send(p.segment("PA").ack(p.rcv_nxt - 1), "data");
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_seq(p.rcv_nxt - 1).with_window(0)));
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(revents(p.fd, all_events) == with_error);
  BOOST_TEST(so_error(p.fd) == ECONNRESET);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_2_data_after_shut_rd_in_established_is_still_taken, TcpFixture) {
  // LINUX: SHUT_RD alone sends nothing and resets nothing; the data is
  // queued, ACKed and readable (tcp_rcv_state_process resets only in FIN-WAIT).
  TcpPeer p = passive_open();
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_RD) == 0);
  BOOST_TEST(sent_segments().empty());
  p.sends("PA", "data");
  run_for(Duration::milliseconds(40));
  p.window_took(4);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(receive(p.fd) == "data");
  BOOST_TEST(receive(p.fd) == "(eof)");
}

// ---- TCP-CLOSE-3: SO_LINGER with linger 0 ---------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_3_linger_zero_sends_rst_and_discards_the_send_queue, TcpFixture) {
  TcpPeer p = passive_open();
  p.window = 0;
  p.sends("A");  // the peer's window closes: what the application writes waits
  BOOST_TEST(send_text(p.fd, "never sent") == 10);
  BOOST_TEST(sent_segments().empty());
  const linger now{1, 0};
  BOOST_TEST(sockets.setsockopt(p.fd, SOL_SOCKET, SO_LINGER, &now, sizeof now) == 0);
  BOOST_TEST(sockets.close(p.fd) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("RA")));
  BOOST_TEST(tcp_stats().abort_on_linger == 1u);
  BOOST_TEST(table_state(p) == 0);  // no TIME-WAIT
  // The window opens: nothing of the queue goes, ever; the connection is gone.
  p.window = 65535;
  p.sends("A");
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
  run_for(Duration::seconds(120));
  BOOST_TEST(sent_segments().empty());
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_3_linger_zero_in_close_wait_sends_rst, TcpFixture) {
  TcpPeer p = passive_open();
  to_close_wait(p);
  const linger now{1, 0};
  BOOST_TEST(sockets.setsockopt(p.fd, SOL_SOCKET, SO_LINGER, &now, sizeof now) == 0);
  BOOST_TEST(sockets.close(p.fd) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("RA")));
  BOOST_TEST(table_state(p) == 0);  // not LAST-ACK
  BOOST_TEST(tcp_stats().estab_resets == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_3_linger_with_a_timeout_closes_in_order, TcpFixture) {
  // Control: l_linger > 0 is an orderly close (nothing blocks here).
  TcpPeer p = passive_open();
  const linger later{1, 5};
  BOOST_TEST(sockets.setsockopt(p.fd, SOL_SOCKET, SO_LINGER, &later, sizeof later) == 0);
  to_fin_wait_1(p, true);
  BOOST_TEST(tcp_stats().abort_on_linger == 0u);
}

// ---- TCP-CLOSE-4: LINUX tcp_close_state ------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_4_close_in_established_sends_the_fin_after_queued_data, TcpFixture) {
  TcpPeer p = passive_open();
  p.window = 0;
  p.sends("A");
  BOOST_TEST(send_text(p.fd, "queued") == 6);
  BOOST_TEST(sockets.close(p.fd) == 0);
  BOOST_TEST(sent_segments().empty());  // the FIN waits behind the data
  BOOST_TEST(table_state(p) == TCP_FIN_WAIT1);
  p.window = 65535;
  p.sends("A");
  // LINUX tcp_send_fin: the FIN rides on the last data segment.
  BOOST_TEST(sent_segments() == segments(p.expect("FPA").data("queued")));
  p.rcv_nxt += 7;
  p.sends("A");
  BOOST_TEST(table_state(p) == TCP_FIN_WAIT2);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_4_close_in_close_wait_goes_to_last_ack, TcpFixture) {
  TcpPeer p = passive_open();
  to_last_ack(p, true);
  BOOST_TEST(table_state(p) == TCP_LAST_ACK);
  p.sends("A");
  BOOST_TEST(table_state(p) == 0);
  BOOST_TEST(sent_segments().empty());
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_4_close_in_syn_sent_closes_without_a_segment, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  syn_from_stack(p);
  BOOST_TEST(sockets.close(p.fd) == 0);
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(table_state(p) == 0);
  run_for(Duration::seconds(10));
  BOOST_TEST(sent_segments().empty());  // no SYN sent again
  // The late SYN-ACK finds no connection.
  p.send(p.segment("SA"));
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_4_closing_a_listener_resets_connections_not_yet_accepted, TcpFixture) {
  const int l = listener();
  TcpPeer accepted = passive_open(l);
  // One connection established but not accepted, one half-open (SYN-RECEIVED).
  TcpPeer queued(*this, false, bench_port + 1, listen_port);
  queued.sends("S");
  const auto synack = sent_one();
  queued.dut_iss = synack.seq;
  queued.rcv_nxt = synack.seq + 1;
  queued.sends("A");
  TcpPeer half(*this, false, bench_port + 2, listen_port);
  half.sends("S");
  const auto half_synack = sent_one();
  half.rcv_nxt = half_synack.seq + 1;
  BOOST_TEST(sockets.close(l) == 0);
  // LINUX inet_csk_listen_stop: the queued one is reset, the half-open one dropped silently.
  BOOST_TEST(sent_segments() == segments(queued.expect("RA")));
  BOOST_TEST(table_state(queued) == 0);
  BOOST_TEST(table_state(half) == 0);
  half.sends("A");  // its handshake's end finds nothing now
  BOOST_TEST(sent_segments() == segments(half.expect("R").with_window(0)));
  // The accepted one is the application's and goes on.
  BOOST_TEST(state(accepted.fd) == TCP_ESTABLISHED);
  BOOST_TEST(send_text(accepted.fd, "still here") == 10);
  BOOST_TEST(sent_segments() == segments(accepted.expect("PA").data("still here")));
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_4_close_in_fin_wait_states_sends_nothing_more, TcpFixture) {
  // new_state: FIN-WAIT-1 and FIN-WAIT-2 stay as they are on close().
  TcpPeer p = passive_open();
  to_fin_wait_1(p);
  BOOST_TEST(sockets.close(p.fd) == 0);
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(table_state(p) == TCP_FIN_WAIT1);
}

// ---- TCP-CLOSE-5: TIME-WAIT ------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_5_time_wait_lasts_60_seconds, TcpFixture) {
  TcpPeer p = passive_open();
  to_time_wait(p, true);
  lasts_exactly(p, TCP_TIME_WAIT, Duration::seconds(60));
  BOOST_TEST(sent_segments().empty());  // it ends silently
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_5_retransmitted_fin_is_acked_again_and_restarts_time_wait, TcpFixture) {
  TcpPeer p = passive_open();
  to_time_wait(p, true);
  run_for(Duration::seconds(30));
  p.send(p.segment("FA").seq(p.snd_nxt - 1));  // our ACK was lost: the FIN again
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  lasts_exactly(p, TCP_TIME_WAIT, Duration::seconds(60));  // 90 s after it began
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_5_time_wait_acks_stray_segments_under_the_rate_limit, TcpFixture) {
  // LINUX tcp_timewait_state_process: a segment at RCV.NXT without data is
  // taken silently; anything else is ACKed (one per 500 ms without data).
  TcpPeer p = passive_open();
  to_time_wait(p, true);
  p.sends("A");  // a bare ACK at RCV.NXT
  BOOST_TEST(sent_segments().empty());
  p.send(p.segment("PA"), "late");
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  p.send(p.segment("A").seq(p.snd_nxt + 5000));
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  p.send(p.segment("A").seq(p.snd_nxt + 5000));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_time_wait) == 3u);
  BOOST_TEST(table_state(p) == TCP_TIME_WAIT);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_5_only_a_rst_at_rcv_nxt_ends_time_wait, TcpFixture) {
  TcpPeer p = passive_open();
  to_time_wait(p, true);
  p.send(p.segment("R").seq(p.snd_nxt + 10));  // elsewhere: dropped
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(table_state(p) == TCP_TIME_WAIT);
  p.send(p.segment("R"));  // RFC 1337 left open, as Linux's tcp_rfc1337 0
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(table_state(p) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_5_new_syn_reopens_time_wait_above_the_old_sequence_space, TcpFixture) {
  // RFC 1122 4.2.2.13 (LINUX): a SYN above RCV.NXT for a listener's four-tuple
  // in TIME-WAIT starts a new connection whose ISN is the old SND.NXT + 65537.
  const int l = listener();
  TcpPeer p = passive_open(l);
  to_time_wait(p, true);
  const std::uint32_t old_snd_nxt = p.rcv_nxt;
  TcpPeer again(*this, false, bench_port, listen_port);
  again.iss = p.snd_nxt + 100000;
  again.snd_nxt = again.iss;
  again.sends("S");
  const auto synack = sent_one();
  BOOST_TEST(synack.seq == old_snd_nxt + 65537);
  BOOST_TEST(synack.ack == again.iss + 1);
  again.rcv_nxt = synack.seq + 1;
  again.sends("A");
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK) >= 0);
  BOOST_TEST(table_state(again) == TCP_ESTABLISHED);
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_5_old_syn_in_time_wait_is_acked_not_a_new_connection, TcpFixture) {
  const int l = listener();
  TcpPeer p = passive_open(l);
  to_time_wait(p, true);
  p.send(p.segment("S").seq(p.snd_nxt - 5));  // at or below RCV.NXT: an old duplicate
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(table_state(p) == TCP_TIME_WAIT);
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK) == -EAGAIN);
}

// ---- TCP-CLOSE-6: FIN-WAIT-2 orphans and TCP_LINGER2 -------------------------------------------

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_6_fin_wait_2_orphan_times_out_after_60_seconds, TcpFixture) {
  TcpPeer p = passive_open();
  to_fin_wait_2(p, true);
  lasts_exactly(p, TCP_FIN_WAIT2, Duration::seconds(60));
  BOOST_TEST(sent_segments().empty());  // tcp_fin_timeout ends it silently
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_6_fin_wait_2_with_a_descriptor_waits_for_the_peer, TcpFixture) {
  TcpPeer p = passive_open();
  to_fin_wait_2(p);  // shutdown(SHUT_WR): the application can still read
  run_for(Duration::seconds(600));
  BOOST_TEST(state(p.fd) == TCP_FIN_WAIT2);
  p.sends("PA", "late but read");
  BOOST_TEST(receive(p.fd) == "late but read");
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_6_linger2_sets_the_orphan_timeout, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(set_int(p.fd, IPPROTO_TCP, TCP_LINGER2, 10) == 0);
  to_fin_wait_2(p, true);
  lasts_exactly(p, TCP_FIN_WAIT2, Duration::seconds(10));
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_6_negative_linger2_resets_when_the_fin_is_acked, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(set_int(p.fd, IPPROTO_TCP, TCP_LINGER2, -1) == 0);
  to_fin_wait_1(p, true);
  // The ACK of our FIN would make an orphan FIN-WAIT-2: LINUX answers it with a RST.
  p.sends("A");
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
  BOOST_TEST(table_state(p) == 0);
  BOOST_TEST(tcp_stats().abort_on_data == 1u);  // LINUX counts it so
}

BOOST_FIXTURE_TEST_CASE(TCP_CLOSE_6_negative_linger2_resets_at_close_in_fin_wait_2, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(set_int(p.fd, IPPROTO_TCP, TCP_LINGER2, -1) == 0);
  to_fin_wait_2(p);  // shutdown(SHUT_WR), FIN acknowledged
  BOOST_TEST(sockets.close(p.fd) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("RA")));
  BOOST_TEST(table_state(p) == 0);
  BOOST_TEST(tcp_stats().abort_on_linger == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- TCP-SHUT-1 -----------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(TCP_SHUT)

BOOST_FIXTURE_TEST_CASE(TCP_SHUT_1_shut_wr_sends_fin_after_queued_data_and_reading_goes_on, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(send_text(p.fd, "before") == 6);
  BOOST_TEST(sent_segments() == segments(p.expect("PA").data("before")));
  p.rcv_nxt += 6;
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("FA")));
  p.rcv_nxt += 1;
  BOOST_TEST(state(p.fd) == TCP_FIN_WAIT1);
  p.sends("PA", "reply");
  run_for(Duration::milliseconds(40));
  BOOST_TEST(receive(p.fd) == "reply");
  BOOST_TEST(send_text(p.fd, "no") == -EPIPE);
}

BOOST_FIXTURE_TEST_CASE(TCP_SHUT_1_shut_rd_sends_nothing, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_RD) == 0);
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(receive(p.fd) == "(eof)");       // reading is over for the application
  BOOST_TEST(send_text(p.fd, "still") == 5);  // writing is not
  BOOST_TEST(sent_segments() == segments(p.expect("PA").data("still")));
}

BOOST_FIXTURE_TEST_CASE(TCP_SHUT_1_shut_rdwr_does_both, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_RDWR) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("FA")));
  BOOST_TEST(state(p.fd) == TCP_FIN_WAIT1);
  BOOST_TEST(receive(p.fd) == "(eof)");
  BOOST_TEST(send_text(p.fd, "x") == -EPIPE);
  BOOST_TEST(revents(p.fd, all_events) == both_shut);
}

BOOST_FIXTURE_TEST_CASE(TCP_SHUT_1_not_connected_is_enotconn, TcpFixture) {
  const int fresh = tcp_socket();
  BOOST_TEST(sockets.shutdown(fresh, SHUT_WR) == -ENOTCONN);
  BOOST_TEST(sockets.shutdown(fresh, SHUT_RDWR) == -ENOTCONN);
  const int l = listener();
  TcpPeer p = passive_open(l);
  p.send(p.segment("R"));
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == -ENOTCONN);  // reset: CLOSE again
  TcpPeer q = passive_open(l, {}, false, bench_port + 1);
  to_time_wait(q);
  BOOST_TEST(sockets.shutdown(q.fd, SHUT_RD) == -ENOTCONN);  // TIME-WAIT reads CLOSE (LINUX)
  BOOST_TEST(sent_segments().empty());
}

BOOST_FIXTURE_TEST_CASE(TCP_SHUT_1_bad_how_is_einval, TcpFixture) {
  TcpPeer p = passive_open();
  for (const int how : {-1, 3, 7, 0x10000}) BOOST_TEST(sockets.shutdown(p.fd, how) == -EINVAL);
  const int fresh = tcp_socket();
  BOOST_TEST(sockets.shutdown(fresh, 3) == -EINVAL);  // checked before the state
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
}

BOOST_FIXTURE_TEST_CASE(TCP_SHUT_1_shutdown_of_a_listener_and_in_syn_sent, TcpFixture) {
  // LINUX inet_shutdown: SHUT_WR leaves a listener listening; SHUT_RD stops
  // it. In SYN-SENT any shutdown aborts the attempt (tcp_disconnect: ECONNRESET).
  const int l = listener();
  BOOST_TEST(sockets.shutdown(l, SHUT_WR) == 0);
  BOOST_TEST(state(l) == TCP_LISTEN);
  BOOST_TEST(sockets.shutdown(l, SHUT_RD) == 0);
  BOOST_TEST(state(l) == TCP_CLOSE);
  BOOST_TEST(revents(l, all_events) == closed);
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, 0) == -EINVAL);
  TcpPeer p(*this, false, listen_port, 0);
  syn_from_stack(p);
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == 0);
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(revents(p.fd, all_events) == (POLLOUT | POLLERR | POLLHUP));
  BOOST_TEST(so_error(p.fd) == ECONNRESET);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- SOCK-3: listen and accept ---------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(SOCK_TCP)

BOOST_FIXTURE_TEST_CASE(SOCK_3_accept_on_a_socket_not_listening_is_einval, TcpFixture) {
  const int fresh = tcp_socket();
  BOOST_TEST(sockets.accept4(fresh, nullptr, nullptr, 0) == -EINVAL);
  const auto a = tcp_sin4({}, 7000);
  BOOST_TEST(sockets.bind(fresh, as_sockaddr(a), sizeof a) == 0);
  BOOST_TEST(sockets.accept4(fresh, nullptr, nullptr, 0) == -EINVAL);
  TcpPeer p = passive_open();
  BOOST_TEST(sockets.accept4(p.fd, nullptr, nullptr, 0) == -EINVAL);
  const int udp = sockets.socket(AF_INET, SOCK_DGRAM, 0);
  BOOST_TEST(sockets.accept4(udp, nullptr, nullptr, 0) == -EOPNOTSUPP);
  BOOST_TEST(sockets.listen(udp, 1) == -EOPNOTSUPP);
}

BOOST_FIXTURE_TEST_CASE(SOCK_3_nonblocking_accept_with_an_empty_queue_is_eagain, TcpFixture) {
  const int l = listener();
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK) == -EAGAIN);
  TcpPeer p(*this, false, bench_port, listen_port);
  p.sends("S");  // half-open: nothing to accept yet
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, 0) == -EAGAIN);
  p.rcv_nxt = sent_one().seq + 1;
  p.sends("A");
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, 0) >= 0);
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, 0) == -EAGAIN);
}

BOOST_FIXTURE_TEST_CASE(SOCK_3_accept_gives_the_peer_address_and_takes_flags, TcpFixture) {
  const int l = listener(listen_port, 16, AF_INET6);  // dual-stack: an IPv4 peer is v4-mapped
  TcpPeer p(*this, false, bench_port, listen_port);
  p.sends("S");
  p.rcv_nxt = sent_one().seq + 1;
  p.sends("A");
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, SOCK_STREAM) == -EINVAL);  // only NONBLOCK | CLOEXEC
  sockaddr_in6 from{};
  socklen_t n = sizeof from;
  const int fd = sockets.accept4(l, reinterpret_cast<sockaddr*>(&from), &n, SOCK_NONBLOCK | SOCK_CLOEXEC);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST(n == sizeof(sockaddr_in6));
  BOOST_TEST(from.sin6_family == AF_INET6);
  BOOST_TEST(ntohs(from.sin6_port) == bench_port);
  const unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 2};  // ::ffff:peer4
  BOOST_TEST(std::memcmp(&from.sin6_addr, mapped, 16) == 0);
  BOOST_TEST(receive(fd) == failed(EAGAIN));  // non-blocking, from the flag
}

BOOST_FIXTURE_TEST_CASE(SOCK_3_listen_on_a_connected_socket_is_einval, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(sockets.listen(p.fd, 4) == -EINVAL);
  TcpPeer q(*this, false, listen_port, 0);
  syn_from_stack(q);
  BOOST_TEST(sockets.listen(q.fd, 4) == -EINVAL);  // connecting
}

BOOST_AUTO_TEST_SUITE_END()

// ---- SOCK-4: readiness in every state (the masks Linux 6.x's tcp_poll gives) -----------------------

BOOST_AUTO_TEST_SUITE(SOCK_TCP_READINESS)

BOOST_FIXTURE_TEST_CASE(SOCK_4_tcp_readiness_before_a_connection, TcpFixture) {
  const int fresh = tcp_socket();
  BOOST_TEST(poll_text(revents(fresh, all_events)) == poll_text(closed));
  const auto a = tcp_sin4({}, listen_port);
  BOOST_TEST(sockets.bind(fresh, as_sockaddr(a), sizeof a) == 0);
  BOOST_TEST(poll_text(revents(fresh, all_events)) == poll_text(closed));
  BOOST_TEST(sockets.listen(fresh, 4) == 0);
  BOOST_TEST(poll_text(revents(fresh, all_events)) == poll_text(none));
  TcpPeer p(*this, false, bench_port, listen_port);
  p.sends("S");
  p.rcv_nxt = sent_one().seq + 1;
  BOOST_TEST(poll_text(revents(fresh, all_events)) == poll_text(none));  // half-open is not ready
  p.sends("A");
  BOOST_TEST(poll_text(revents(fresh, all_events)) == poll_text(POLLIN));
  TcpPeer q(*this, false, listen_port, 0);
  syn_from_stack(q);
  BOOST_TEST(poll_text(revents(q.fd, all_events)) == poll_text(none));  // SYN-SENT
  q.send(q.segment("S").mss(bench_mss));                                // SYN-RECEIVED (simultaneous)
  BOOST_TEST(poll_text(revents(q.fd, all_events)) == poll_text(none));
}

BOOST_FIXTURE_TEST_CASE(SOCK_4_tcp_readiness_while_connected, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(out));
  p.sends("PA", "data");
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(in_out));
  BOOST_TEST(receive(p.fd) == "data");
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(out));
  // A full send buffer: not writable (sk_stream_is_writeable).
  BOOST_TEST(set_int(p.fd, SOL_SOCKET, SO_SNDBUF, 4096) == 0);
  p.window = 0;
  p.sends("A");
  const std::string chunk(100000, 'x');
  while (send_text(p.fd, chunk) > 0) {
  }
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(none));
  BOOST_TEST(send_text(p.fd, "x") == -EAGAIN);
}

BOOST_FIXTURE_TEST_CASE(SOCK_4_tcp_readiness_through_an_active_close, TcpFixture) {
  TcpPeer p = passive_open();
  to_fin_wait_1(p);
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(out));  // SEND_SHUTDOWN reads writable
  p.sends("A");
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(out));  // FIN-WAIT-2
  p.sends("FA");
  BOOST_TEST(poll_text(revents(p.fd, all_events)) ==
             poll_text(both_shut));  // TIME-WAIT (CLOSE to Linux's socket)
}

BOOST_FIXTURE_TEST_CASE(SOCK_4_tcp_readiness_through_a_passive_close, TcpFixture) {
  TcpPeer p = passive_open();
  to_close_wait(p);
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(peer_closed));
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == 0);  // LAST-ACK
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(both_shut));
  p.rcv_nxt += 1;
  p.sends("A");  // CLOSED
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(both_shut));
}

BOOST_FIXTURE_TEST_CASE(SOCK_4_tcp_readiness_in_closing_and_after_shutdowns, TcpFixture) {
  const int l = listener();
  TcpPeer p = passive_open(l);
  to_closing(p);
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(both_shut));
  TcpPeer q = passive_open(l, {}, false, bench_port + 1);
  BOOST_TEST(sockets.shutdown(q.fd, SHUT_RD) == 0);
  BOOST_TEST(poll_text(revents(q.fd, all_events)) == poll_text(peer_closed));  // no HUP for SHUT_RD alone
  TcpPeer r = passive_open(l, {}, false, bench_port + 2);
  BOOST_TEST(sockets.shutdown(r.fd, SHUT_RDWR) == 0);
  BOOST_TEST(poll_text(revents(r.fd, all_events)) == poll_text(both_shut));
}

BOOST_FIXTURE_TEST_CASE(SOCK_4_tcp_readiness_after_a_reset_and_a_refusal, TcpFixture) {
  TcpPeer p = passive_open();
  p.send(p.segment("R"));
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(with_error));
  BOOST_TEST(so_error(p.fd) == ECONNRESET);  // reading the error clears POLLERR
  BOOST_TEST(poll_text(revents(p.fd, all_events)) == poll_text(both_shut));
  TcpPeer q(*this, false, listen_port, 0);
  syn_from_stack(q);
  q.send(q.segment("RA"));
  BOOST_TEST(poll_text(revents(q.fd, all_events)) == poll_text(with_error));
  // POLLERR and POLLHUP come whatever was asked for.
  BOOST_TEST(poll_text(revents(q.fd, 0)) == poll_text(POLLERR | POLLHUP));
}

BOOST_FIXTURE_TEST_CASE(SOCK_4_tcp_readiness_is_signalled_on_state_changes, TcpFixture) {
  std::vector<int> told;
  sockets.set_readiness_callback([&](int fd) { told.push_back(fd); });
  TcpPeer p = passive_open();
  told.clear();
  p.sends("PA", "x");
  BOOST_TEST(std::count(told.begin(), told.end(), p.fd) >= 1);
  told.clear();
  p.sends("FA");
  BOOST_TEST(std::count(told.begin(), told.end(), p.fd) >= 1);
  told.clear();
  p.send(p.segment("R"));
  BOOST_TEST(std::count(told.begin(), told.end(), p.fd) >= 1);
  BOOST_TEST(std::count(told.begin(), told.end(), -1) == 0);  // never for an orphan
}

BOOST_AUTO_TEST_SUITE_END()

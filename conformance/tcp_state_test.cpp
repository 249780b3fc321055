// TCP conformance, the state machine (REQUIREMENTS.md TCP-HDR-1, TCP-SM-*,
// TCP-SEQ-1, TCP-RST-1, TCP-SYN-1, TCP-ACK-1, TCP-ERR-1, ICMP4-6's TCP part).
// The bench is the remote TCP (tcp_fixture.hpp); every case states the exact
// segments the stack sends (or none), the drop reason and counter of a
// discard next to a positive control, and what the application sees. Where
// the RFCs leave a choice the stack does what Linux does; the rules that can
// run on Linux too are also scenarios in harness/dut_scenarios.hpp.
#include <boost/test/unit_test.hpp>

#include "hardstack/harness/builders.hpp"
#include "tcp_fixture.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using net::Duration;
using socket::TransportDropReason;

namespace {

// The stack's SYN for an active open: every option it offers (RFC 9293 3.7.1
// MSS, RFC 7323 window scale and timestamps, RFC 2018 SACK-permitted).
TcpSegment stack_syn(const TcpPeer& p, std::uint32_t tsval) {
  TcpSegment s;
  s.sport = p.dut_port;
  s.dport = p.port;
  s.seq = p.dut_iss;
  s.flags = tcp_flags("S");
  s.window = 65535;
  return s.mss(bench_mss).wscale(stack_wscale).sack_permitted().timestamps(tsval, 0);
}

TcpFixtureOptions without_cookies() {
  TcpFixtureOptions o;
  o.sockets.tcp_syncookies = false;
  return o;
}

}  // namespace

// ---- TCP-HDR-1 --------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(TCP_HDR)

BOOST_FIXTURE_TEST_CASE(TCP_HDR_1_bad_checksum_discarded_without_an_answer, TcpFixture) {
  const int l = listener();
  TcpPeer p(*this, false, bench_port, listen_port);
  p.send(p.segment("S").mss(bench_mss).bad_checksum());
  BOOST_TEST(sent_segments().empty());  // no SYN-ACK, no RST
  BOOST_TEST(dropped(TransportDropReason::tcp_bad_checksum, 1));
  BOOST_TEST(tcp_stats().in_csum_errors == 1u);
  BOOST_TEST(tcp_stats().in_errs == 1u);
  // Positive control: the same SYN with its checksum is answered.
  p.send(p.segment("S").mss(bench_mss));
  const auto synack = sent_one();
  BOOST_TEST(synack.flags == tcp_flags("SA"));
  BOOST_TEST(synack.ack == bench_isn + 1);
  BOOST_TEST(tcp_stats().in_segs == 2u);
  (void)l;
}

BOOST_FIXTURE_TEST_CASE(TCP_HDR_1_bad_checksum_over_ipv6_uses_the_v6_pseudo_header, TcpFixture) {
  TcpPeer p(*this, true, bench_port, 9);
  p.send(p.segment("S").bad_checksum());
  BOOST_TEST(sent_segments().empty());  // not even the RST a closed port gets
  BOOST_TEST(dropped(TransportDropReason::tcp_bad_checksum, 1));
  p.send(p.segment("S"));
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 1).with_window(0)));
}

BOOST_FIXTURE_TEST_CASE(TCP_HDR_1_data_offset_below_5_discarded, TcpFixture) {
  TcpPeer p(*this, false, bench_port, 9);
  for (const std::uint8_t words : {0, 1, 4}) p.send(p.segment("S").data_offset(words));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_bad_header, 3));
  BOOST_TEST(tcp_stats().in_errs == 3u);
  BOOST_TEST(tcp_stats().in_csum_errors == 0u);
  p.send(p.segment("S").data_offset(5));  // control: a closed port answers RST
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 1).with_window(0)));
}

BOOST_FIXTURE_TEST_CASE(TCP_HDR_1_data_offset_beyond_the_segment_discarded, TcpFixture) {
  TcpPeer p(*this, false, bench_port, 9);
  // 15 words (60 bytes) in a 20-byte segment; 6 words in a 20-byte one.
  p.send(p.segment("S").data_offset(15));
  p.send(p.segment("S").data_offset(6));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_bad_header, 2));
  // Control: 6 words when 4 bytes of data follow is a header with an option
  // area (the data are read as options: EOL), answered by the closed port.
  p.send(p.segment("S").data_offset(6), std::string_view("\0\0\0\0", 4));
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 1).with_window(0)));
}

BOOST_FIXTURE_TEST_CASE(TCP_HDR_1_segment_shorter_than_a_header_discarded, TcpFixture) {
  // 19 bytes of "TCP" in an IPv4 datagram of protocol 6.
  const auto header = raw(tcp(bench_port, 9).flags("S").seq(1));
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4).protocol(6) /
         payload(std::vector<std::byte>(header.begin(), header.begin() + 19)));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_bad_header, 1));
  // Control: the same SYN whole (20 bytes, checksummed) to the closed port is answered with a RST.
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / tcp(bench_port, 9).flags("S").seq(1));
  const auto answer = sent_segments();
  BOOST_TEST_REQUIRE(answer.size() == 1u);
  BOOST_TEST(answer[0].flags == tcp_flags("RA"));
}

BOOST_FIXTURE_TEST_CASE(TCP_HDR_1_bad_checksum_data_in_established_not_delivered, TcpFixture) {
  TcpPeer p = passive_open();
  p.send(p.segment("PA").bad_checksum(), "forged");
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(receive(p.fd) == failed(EAGAIN));
  BOOST_TEST(dropped(TransportDropReason::tcp_bad_checksum, 1));
  p.sends("PA", "good");
  run_for(Duration::milliseconds(40));  // the delayed ACK
  p.window_took(4);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(receive(p.fd) == "good");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- TCP-SM-1: states and transitions ------------------------------------------------------

BOOST_AUTO_TEST_SUITE(TCP_SM)

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_active_open_closed_syn_sent_established, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  const int fd = tcp_socket();
  BOOST_TEST(state(fd) == TCP_CLOSE);
  p.fd = fd;
  const auto to = tcp_sin4(peer4, listen_port);
  BOOST_TEST(sockets.connect(fd, as_sockaddr(to), sizeof to) == -EINPROGRESS);
  const auto syn = sent_one();
  p.dut_port = syn.sport;
  p.dut_iss = syn.seq;
  p.rcv_nxt = syn.seq + 1;
  BOOST_TEST(syn == stack_syn(p, 0));
  BOOST_TEST(p.dut_port >= 32768);  // an ephemeral port (LINUX ip_local_port_range)
  BOOST_TEST(state(fd) == TCP_SYN_SENT);
  BOOST_TEST(revents(fd) == 0);  // LINUX tcp_poll: nothing in SYN-SENT
  BOOST_TEST(sockets.connect(fd, as_sockaddr(to), sizeof to) == -EALREADY);
  BOOST_TEST(tcp_stats().active_opens == 1u);
  // SYN-ACK acknowledging the SYN: ESTABLISHED, and the ACK.
  advance(Duration::milliseconds(10));
  p.send(p.segment("SA").mss(bench_mss));
  p.snd_nxt = bench_isn + 1;
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(state(fd) == TCP_ESTABLISHED);
  BOOST_TEST(revents(fd) == POLLOUT);
  BOOST_TEST(sockets.connect(fd, as_sockaddr(to), sizeof to) == 0);  // LINUX: reports the completion once
  BOOST_TEST(sockets.connect(fd, as_sockaddr(to), sizeof to) == -EISCONN);
  BOOST_TEST(info(fd).tcpi_snd_mss == bench_mss);
  BOOST_TEST(info(fd).tcpi_options == 0);  // the SYN-ACK offered no option but MSS
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_passive_open_listen_syn_received_established, TcpFixture) {
  const int l = listener();
  BOOST_TEST(state(l) == TCP_LISTEN);
  BOOST_TEST(revents(l) == 0);
  TcpPeer p(*this, false, bench_port, listen_port);
  p.sends("S");
  const auto synack = sent_one();
  p.dut_iss = synack.seq;
  p.rcv_nxt = synack.seq + 1;
  // RFC 9293 3.10.7.2: SYN-ACK with ISS, acknowledging the SYN; MSS from
  // the path (1500 - 40), no option the SYN did not offer.
  BOOST_TEST(synack == p.expect("SA").with_seq(p.dut_iss).mss(bench_mss));
  BOOST_TEST(table_state(p) == TCP_SYN_RECV);
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, 0) == -EAGAIN);
  BOOST_TEST(tcp_stats().passive_opens == 1u);
  p.sends("A");
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(revents(l) == POLLIN);
  sockaddr_in from{};
  socklen_t n = sizeof from;
  p.fd = sockets.accept4(l, reinterpret_cast<sockaddr*>(&from), &n, SOCK_NONBLOCK);
  BOOST_TEST_REQUIRE(p.fd >= 0);
  BOOST_TEST(ntohs(from.sin_port) == bench_port);
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(info(p.fd).tcpi_snd_mss == 536u);  // no MSS option: RFC 9293 3.7.1's 536
  BOOST_TEST(revents(l) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_simultaneous_open_through_syn_received, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  const auto syn = syn_from_stack(p);
  BOOST_TEST(syn == stack_syn(p, 0));
  // RFC 9293 3.5 figure 7: the peer's SYN crosses ours. The stack answers
  // SYN-ACK with its own ISS again, offering only what the peer's SYN did.
  p.send(p.segment("S").mss(bench_mss));
  p.snd_nxt = bench_isn + 1;
  BOOST_TEST(sent_segments() == segments(p.expect("SA").with_seq(p.dut_iss).mss(bench_mss)));
  BOOST_TEST(state(p.fd) == TCP_SYN_RECV);
  BOOST_TEST(revents(p.fd) == 0);
  // The peer's SYN-ACK (its SYN again, acknowledging ours): ESTABLISHED, ACKed (LINUX).
  p.send(p.segment("SA").seq(bench_isn));
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(connect_again(p) == 0);
  BOOST_TEST(send_text(p.fd, "both") == 4);
  BOOST_TEST(sent_segments() == segments(p.expect("PA").data("both")));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_simultaneous_open_completed_by_an_ack, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  syn_from_stack(p);
  p.send(p.segment("S").mss(bench_mss));
  p.snd_nxt = bench_isn + 1;
  BOOST_TEST(sent_one().flags == tcp_flags("SA"));
  p.sends("A");  // the peer's ACK of our SYN-ACK
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(connect_again(p) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_active_close_fin_wait_1_fin_wait_2_time_wait_closed, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("FA")));
  p.rcv_nxt += 1;
  BOOST_TEST(state(p.fd) == TCP_FIN_WAIT1);
  p.sends("A");
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_FIN_WAIT2);
  p.sends("FA");
  p.window_took(1);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(table_state(p) == TCP_TIME_WAIT);
  BOOST_TEST(state(p.fd) == TCP_CLOSE);  // LINUX: the descriptor's socket is CLOSE, TIME-WAIT lives on
  run_for(Duration::seconds(60));
  BOOST_TEST(table_state(p) == 0);
  BOOST_TEST(sent_segments().empty());
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_passive_close_close_wait_last_ack_closed, TcpFixture) {
  TcpPeer p = passive_open();
  p.sends("FA");
  p.window_took(1);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(state(p.fd) == TCP_CLOSE_WAIT);
  BOOST_TEST(receive(p.fd) == "(eof)");
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("FA")));
  p.rcv_nxt += 1;
  BOOST_TEST(state(p.fd) == TCP_LAST_ACK);
  p.sends("A");
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(table_state(p) == 0);  // no TIME-WAIT for the side that closed second
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_simultaneous_close_through_closing, TcpFixture) {
  TcpPeer p = passive_open();
  to_closing(p);
  BOOST_TEST(state(p.fd) == TCP_CLOSING);
  BOOST_TEST(receive(p.fd) == "(eof)");
  p.sends("A");  // the ACK of our FIN
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(table_state(p) == TCP_TIME_WAIT);
  run_for(Duration::seconds(60));
  BOOST_TEST(table_state(p) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_fin_wait_1_fin_that_acks_ours_goes_to_time_wait, TcpFixture) {
  TcpPeer p = passive_open();
  to_fin_wait_1(p);
  p.sends("FA");  // acknowledges our FIN and carries the peer's
  p.window_took(1);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(table_state(p) == TCP_TIME_WAIT);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_syn_received_close_sends_fin, TcpFixture) {
  // LINUX tcp_close_state: SYN-RECEIVED -> FIN-WAIT-1 with a FIN.
  TcpPeer p(*this, false, listen_port, 0);
  syn_from_stack(p);
  p.send(p.segment("S").mss(bench_mss));
  p.snd_nxt = bench_isn + 1;
  BOOST_TEST(sent_one().flags == tcp_flags("SA"));
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == 0);
  BOOST_TEST(sent_segments() == segments(p.expect("FA")));
  BOOST_TEST(state(p.fd) == TCP_FIN_WAIT1);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_1_ipv6_open_and_close, TcpFixture) {
  const int l = listener(listen_port, 16, AF_INET6);
  TcpPeer p = passive_open(l, {}, true);
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(info(p.fd).tcpi_snd_mss == 1440u);  // 1500 - 60: the path, below the peer's 1460
  p.sends("PA", "six");
  run_for(Duration::milliseconds(40));
  p.window_took(3);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(receive(p.fd) == "six");
  to_time_wait(p);
  BOOST_TEST(table_state(p) == TCP_TIME_WAIT);
}

// ---- TCP-SM-2: a segment for no connection --------------------------------------------------

BOOST_FIXTURE_TEST_CASE(TCP_SM_2_syn_for_no_connection_gets_rst_ack_of_seq_plus_1, TcpFixture) {
  TcpPeer p(*this, false, bench_port, 9);
  p.send(p.segment("S").mss(bench_mss));
  // RFC 9293 3.10.7.1: no ACK in it -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 1).with_window(0)));
  BOOST_TEST(dropped(TransportDropReason::tcp_no_socket, 1));
  BOOST_TEST(tcp_stats().out_rsts == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_2_ack_for_no_connection_gets_rst_at_its_ack, TcpFixture) {
  TcpPeer p(*this, false, bench_port, 9);
  p.rcv_nxt = 0xdeadbeef;
  p.send(p.segment("A"));
  // ACK in it -> <SEQ=SEG.ACK><CTL=RST>, no ACK.
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
  p.send(p.segment("PA"), "data");
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
  BOOST_TEST(dropped(TransportDropReason::tcp_no_socket, 2));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_2_ackless_segment_gets_rst_acking_its_length, TcpFixture) {
  TcpPeer p(*this, false, bench_port, 9);
  p.send(p.segment("P"), "0123456789");  // SEG.LEN 10
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 10).with_window(0)));
  p.send(p.segment("SF"), "abc");  // SYN and FIN count one each: 5
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 5).with_window(0)));
  p.send(p.segment("F"));
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 1).with_window(0)));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_2_never_rst_a_rst, TcpFixture) {
  TcpPeer p(*this, false, bench_port, 9);
  p.send(p.segment("R"));
  p.send(p.segment("RA"));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_no_socket, 2));
  BOOST_TEST(tcp_stats().out_rsts == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_2_bound_but_not_listening_port_gets_rst, TcpFixture) {
  const int fd = tcp_socket();
  const auto a = tcp_sin4({}, 7070);
  BOOST_TEST(sockets.bind(fd, as_sockaddr(a), sizeof a) == 0);
  TcpPeer p(*this, false, bench_port, 7070);
  p.send(p.segment("S"));
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 1).with_window(0)));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_2_ipv6_segment_for_no_connection_gets_rst, TcpFixture) {
  TcpPeer p(*this, true, bench_port, 9);
  p.send(p.segment("S"));
  BOOST_TEST(sent_segments() == segments(p.expect("RA").with_seq(0).with_ack(bench_isn + 1).with_window(0)));
  p.rcv_nxt = 77;
  p.send(p.segment("A"));
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_2_segment_to_a_broadcast_address_gets_nothing, TcpFixture) {
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / ipv4(peer4, wire::Ipv4Address{{192, 0, 2, 255}}) /
         tcp(bench_port, 9).flags("S").seq(bench_isn));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_no_socket, 1));
}

// ---- TCP-SM-3: LISTEN --------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_listen_ignores_rst, TcpFixture) {
  const int l = listener();
  TcpPeer p(*this, false, bench_port, listen_port);
  p.send(p.segment("R"));
  p.send(p.segment("RA"));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_listen_rst, 2));
  BOOST_TEST(state(l) == TCP_LISTEN);
  p.send(p.segment("S"));  // control
  BOOST_TEST(sent_one().flags == tcp_flags("SA"));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_listen_answers_an_ack_with_rst, TcpFixture) {
  listener();
  TcpPeer p(*this, false, bench_port, listen_port);
  p.rcv_nxt = 424242;
  p.send(p.segment("A"));
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_window(0)));
  BOOST_TEST(dropped(TransportDropReason::tcp_listen_ack, 1));  // no cookie was ever sent: not one to check
  BOOST_TEST(tcp_stats().syncookies_failed == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_listen_drops_a_syn_carrying_a_fin, TcpFixture) {
  // LINUX tcp_rcv_state_process: SYN+FIN to a listener is discarded, no
  // SYN-ACK, no RST, no half-open connection.
  const int l = listener();
  TcpPeer p(*this, false, bench_port, listen_port);
  p.send(p.segment("SF"));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_listen_syn_fin, 1));
  BOOST_TEST(tcp_stats().passive_opens == 0u);
  BOOST_TEST(state(l) == TCP_LISTEN);
  p.send(p.segment("S"));  // control: the same SYN without the FIN opens
  BOOST_TEST(sent_one().flags == tcp_flags("SA"));
  BOOST_TEST(tcp_stats().passive_opens == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_listen_answers_a_syn_with_syn_ack_and_its_options, TcpFixture) {
  listener();
  TcpPeer p(*this, false, bench_port, listen_port);
  advance(Duration::milliseconds(5));
  const auto synack =
      syn_ack_for(p, p.segment("S").mss(1400).window_scale(2).sack_permitted().timestamps(777, 0));
  // Every option the SYN offered, answered; TSecr echoes the SYN's TSval;
  // the SYN-ACK's own window is not scaled (RFC 7323 2.2).
  BOOST_TEST(synack == p.expect("SA")
                           .with_seq(p.dut_iss)
                           .with_window(65535)
                           .mss(bench_mss)
                           .sack_permitted()
                           .timestamps(5, 777)
                           .wscale(stack_wscale));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_retransmitted_syn_gets_the_syn_ack_again, TcpFixture) {
  listener();
  TcpPeer p(*this, false, bench_port, listen_port);
  p.send(p.segment("S"));
  const auto first = sent_one();
  p.send(p.segment("S"));
  const auto again = sent_one();
  BOOST_TEST(again == first);
  BOOST_TEST(tcp_stats().passive_opens == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_full_syn_queue_answers_with_a_cookie_that_completes, TcpFixture) {
  // LINUX: the SYN queue holds backlog + 1; listen(fd, 0) takes one SYN into it.
  const int l = listener(listen_port, 0);
  TcpPeer a(*this, false, bench_port, listen_port);
  TcpPeer b(*this, false, bench_port + 1, listen_port);
  const auto synack_a = syn_ack_for(a, a.segment("S").mss(bench_mss).window_scale(2).sack_permitted());
  BOOST_TEST(synack_a.options.window_scale.has_value());  // a connection of its own
  const auto cookie = syn_ack_for(b, b.segment("S").mss(bench_mss).window_scale(2).sack_permitted());
  // A cookie: stateless, so no window scale or SACK without timestamps to keep them.
  BOOST_TEST(cookie == b.expect("SA").with_seq(b.dut_iss).mss(bench_mss));
  BOOST_TEST(tcp_stats().syncookies_sent == 1u);
  BOOST_TEST(table_state(b) == 0);  // nothing kept for it
  // The first completes and is accepted; then the cookie's ACK makes the second.
  a.sends("A");
  a.fd = sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_TEST(a.fd >= 0);
  b.sends("A");
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(tcp_stats().syncookies_recv == 1u);
  b.fd = sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_TEST_REQUIRE(b.fd >= 0);
  BOOST_TEST(state(b.fd) == TCP_ESTABLISHED);
  BOOST_TEST(info(b.fd).tcpi_snd_mss == bench_mss);  // from the cookie's MSS bits
  BOOST_TEST(info(b.fd).tcpi_options == 0);
  b.sends("PA", "via cookie");
  BOOST_TEST(receive(b.fd) == "via cookie");
  BOOST_TEST(send_text(b.fd, "answer") == 6);
  b.window_took(10);
  BOOST_TEST(sent_segments() == segments(b.expect("PA").data("answer")));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_cookie_keeps_window_scale_and_sack_in_its_timestamp, TcpFixture) {
  const int l = listener(listen_port, 0);
  TcpPeer a(*this, false, bench_port, listen_port);
  a.send(a.segment("S"));  // fills the SYN queue
  sent_one();
  TcpPeer b(*this, false, bench_port + 1, listen_port);
  advance(Duration::milliseconds(950));  // before a's SYN-ACK is sent again (1 s)
  const auto cookie =
      syn_ack_for(b, b.segment("S").mss(bench_mss).window_scale(3).sack_permitted().timestamps(4242, 0));
  // LINUX cookie_init_timestamp: TSval not ahead of the clock (950 ms), its
  // low 6 bits the peer's shift (3) and SACK-permitted (0x10): 950 & ~63 | 0x13 = 915.
  BOOST_TEST(cookie ==
             b.expect("SA").with_seq(b.dut_iss).mss(bench_mss).sack_permitted().timestamps(915, 4242).wscale(
                 stack_wscale));
  b.timestamps = true;
  b.tsval = 4243;
  b.send(b.segment("A").timestamps(4243, 915));
  b.fd = sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_TEST_REQUIRE(b.fd >= 0);
  const auto i = info(b.fd);
  BOOST_TEST(i.tcpi_options == (TCPI_OPT_TIMESTAMPS | TCPI_OPT_SACK | TCPI_OPT_WSCALE));
  BOOST_TEST(i.tcpi_snd_wscale == 3);
  BOOST_TEST(i.tcpi_rcv_wscale == stack_wscale);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_ack_that_is_no_cookie_gets_rst_and_is_counted, TcpFixture) {
  listener(listen_port, 0);
  TcpPeer a(*this, false, bench_port, listen_port);
  a.send(a.segment("S"));
  TcpPeer b(*this, false, bench_port + 1, listen_port);
  b.send(b.segment("S"));  // a cookie: the listener checks cookies now
  BOOST_TEST(sent_segments().size() == 2u);
  TcpPeer c(*this, false, bench_port + 2, listen_port);
  c.snd_nxt = bench_isn + 1;
  c.rcv_nxt = 0x12345678;
  c.send(c.segment("A"));
  BOOST_TEST(sent_segments() == segments(c.expect("R").with_window(0)));
  BOOST_TEST(dropped(TransportDropReason::tcp_bad_cookie, 1));
  BOOST_TEST(tcp_stats().syncookies_failed == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_full_accept_queue_drops_the_syn, TcpFixture) {
  const int l = listener(listen_port, 0);
  TcpPeer a = passive_open(l);  // accepted: the queue is empty again
  (void)a;
  TcpPeer b(*this, false, bench_port + 1, listen_port);
  syn_ack_for(b, b.segment("S"));
  b.sends("A");  // queued, not accepted: the accept queue (backlog + 1) is full
  TcpPeer c(*this, false, bench_port + 2, listen_port);
  c.send(c.segment("S"));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_listen_overflow, 1));
  BOOST_TEST(tcp_stats().listen_overflows == 1u);
  // Control: once accepted there is room again.
  BOOST_TEST(sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK) >= 0);
  c.send(c.segment("S"));
  BOOST_TEST(sent_one().flags == tcp_flags("SA"));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_3_without_cookies_a_full_syn_queue_drops_the_syn,
                        TcpFixtureWith<without_cookies>) {
  listener(listen_port, 0);
  TcpPeer a(*this, false, bench_port, listen_port);
  a.send(a.segment("S"));
  BOOST_TEST(sent_one().flags == tcp_flags("SA"));
  TcpPeer b(*this, false, bench_port + 1, listen_port);
  b.send(b.segment("S"));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_listen_overflow, 1));
  BOOST_TEST(tcp_stats().syncookies_sent == 0u);
}

// ---- TCP-SM-4: SYN-SENT ------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(TCP_SM_4_unacceptable_ack_gets_rst_and_the_attempt_goes_on, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  syn_from_stack(p);
  // SEG.ACK =< ISS or > SND.NXT: <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.3).
  for (const std::uint32_t bad : {p.dut_iss, p.dut_iss + 2, p.dut_iss - 1000}) {
    p.send(p.segment("A").ack(bad));
    BOOST_TEST(sent_segments() == segments(p.expect("R").with_seq(bad).with_window(0)));
  }
  p.send(p.segment("SA").ack(p.dut_iss + 9));
  BOOST_TEST(sent_segments() == segments(p.expect("R").with_seq(p.dut_iss + 9).with_window(0)));
  BOOST_TEST(dropped(TransportDropReason::tcp_syn_sent_bad_ack, 4));
  BOOST_TEST(state(p.fd) == TCP_SYN_SENT);
  // Control: the right SYN-ACK completes it.
  p.send(p.segment("SA"));
  p.snd_nxt = bench_isn + 1;
  p.dut_window = 65535;
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_4_rst_with_acceptable_ack_refuses_the_connection, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  syn_from_stack(p);
  p.send(p.segment("RA"));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(revents(p.fd, all_events) == reset_mask);
  BOOST_TEST(table_state(p) == 0);
  BOOST_TEST(tcp_stats().attempt_fails == 1u);
  BOOST_TEST(connect_again(p) == -ECONNREFUSED);  // the attempt's end, reported once
  BOOST_TEST(so_error(p.fd) == 0);
  // LINUX __inet_stream_connect: the socket is unconnected again; the next connect() tries anew.
  BOOST_TEST(connect_again(p) == -EINPROGRESS);
  BOOST_TEST(sent_one().flags == tcp_flags("S"));
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_4_rst_without_an_acceptable_ack_is_ignored, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  syn_from_stack(p);
  p.send(p.segment("R"));                      // no ACK
  p.send(p.segment("RA").ack(p.dut_iss + 5));  // an ACK of nothing sent
  BOOST_TEST(sent_segments().empty());         // never a RST for a RST
  BOOST_TEST(dropped(TransportDropReason::tcp_syn_sent_bad_ack, 2));
  BOOST_TEST(state(p.fd) == TCP_SYN_SENT);
  BOOST_TEST(so_error(p.fd) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_SM_4_segment_without_syn_or_rst_is_dropped, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  syn_from_stack(p);
  p.send(p.segment("A"));  // acceptable ACK, neither SYN nor RST
  p.send(p.segment("PA"), "early");
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_syn_sent_no_syn, 2));
  BOOST_TEST(state(p.fd) == TCP_SYN_SENT);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- TCP-SEQ-1: the acceptability test -----------------------------------------------------

BOOST_AUTO_TEST_SUITE(TCP_SEQ)

BOOST_FIXTURE_TEST_CASE(TCP_SEQ_1_retransmitted_data_is_acked_at_once_not_delivered_twice, TcpFixture) {
  TcpPeer p = passive_open();
  p.sends("PA", "abcdef");
  run_for(Duration::milliseconds(40));
  p.window_took(6);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  // The same segment again: it ends at RCV.NXT, nothing new. An ACK at once (LINUX: a duplicate).
  p.send(p.segment("PA").seq(p.snd_nxt - 6), "abcdef");
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(receive(p.fd) == "abcdef");
  BOOST_TEST(receive(p.fd) == failed(EAGAIN));
}

BOOST_FIXTURE_TEST_CASE(TCP_SEQ_1_segment_wholly_below_the_window_is_acked_and_dropped, TcpFixture) {
  TcpPeer p = passive_open();
  p.sends("PA", "0123456789");
  run_for(Duration::milliseconds(40));
  p.window_took(10);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  p.send(p.segment("PA").seq(p.snd_nxt - 10), "0123");  // ends 6 before RCV.NXT
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(dropped(TransportDropReason::tcp_out_of_window, 1));
  BOOST_TEST(receive(p.fd) == "0123456789");
}

BOOST_FIXTURE_TEST_CASE(TCP_SEQ_1_segment_beyond_the_window_is_acked_and_dropped, TcpFixture) {
  TcpPeer p = passive_open();
  // The window the SYN-ACK offered: 65535 from RCV.NXT. One past its right edge:
  p.send(p.segment("PA").seq(p.snd_nxt + 65536), "late");
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(dropped(TransportDropReason::tcp_out_of_window, 1));
  BOOST_TEST(receive(p.fd) == failed(EAGAIN));
  // Control: at RCV.NXT it is taken.
  p.sends("PA", "now");
  BOOST_TEST(receive(p.fd) == "now");
}

BOOST_FIXTURE_TEST_CASE(TCP_SEQ_1_overlapping_segment_delivers_only_the_new_bytes, TcpFixture) {
  TcpPeer p = passive_open();
  p.sends("PA", "hello");
  p.send(p.segment("PA").seq(p.snd_nxt - 2), "loworld");  // "lo" again, then "world"
  p.snd_nxt += 5;
  run_for(Duration::milliseconds(40));
  p.window_took(10);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(receive(p.fd) == "helloworld");
  BOOST_TEST(transport_drops() == 0u);
}

BOOST_FIXTURE_TEST_CASE(TCP_SEQ_1_acks_to_bad_segments_without_data_are_rate_limited, TcpFixture) {
  TcpPeer p = passive_open();
  // LINUX tcp_oow_rate_limited: one ACK per 500 ms (tcp_invalid_ratelimit)
  // to out-of-window segments without data, so that two TCPs cannot ACK
  // each other's stale ACKs for ever; a segment with data always gets one.
  const auto stale = p.segment("A").seq(p.snd_nxt + 100000);
  p.send(stale);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  p.send(stale);
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(tcp_stats().acks_skipped == 1u);
  p.send(stale, "data");
  p.send(stale, "data");
  BOOST_TEST(sent_segments() == segments(p.expect("A"), p.expect("A")));
  advance(Duration::milliseconds(499));
  p.send(stale);
  BOOST_TEST(sent_segments().empty());
  advance(Duration::milliseconds(1));
  p.send(stale);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(dropped(TransportDropReason::tcp_out_of_window, 6));
  BOOST_TEST(tcp_stats().acks_skipped == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- TCP-RST-1 (RFC 5961 3) -----------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(TCP_RST)

BOOST_FIXTURE_TEST_CASE(TCP_RST_1_rst_at_rcv_nxt_resets, TcpFixture) {
  TcpPeer p = passive_open();
  p.send(p.segment("R"));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(revents(p.fd, all_events) == reset_mask);
  BOOST_TEST(receive(p.fd) == failed(ECONNRESET));
  BOOST_TEST(tcp_stats().estab_resets == 1u);
  BOOST_TEST(table_state(p) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_RST_1_rst_in_the_window_not_at_rcv_nxt_gets_a_challenge_ack, TcpFixture) {
  TcpPeer p = passive_open();
  p.send(p.segment("R").seq(p.snd_nxt + 1000));
  BOOST_TEST(sent_segments() == segments(p.expect("A")));  // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
  BOOST_TEST(dropped(TransportDropReason::tcp_rst_challenged, 1));
  BOOST_TEST(tcp_stats().challenge_acks == 1u);
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(so_error(p.fd) == 0);
  // The peer, if it really reset, answers the challenge with a RST at RCV.NXT:
  p.send(p.segment("R"));
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(receive(p.fd) == failed(ECONNRESET));
}

BOOST_FIXTURE_TEST_CASE(TCP_RST_1_rst_outside_the_window_is_dropped_silently, TcpFixture) {
  TcpPeer p = passive_open();
  p.send(p.segment("R").seq(p.snd_nxt + 70000));  // past the right edge
  p.send(p.segment("R").seq(p.snd_nxt - 1));      // below RCV.NXT
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(dropped(TransportDropReason::tcp_rst_out_of_window, 2));
  BOOST_TEST(tcp_stats().challenge_acks == 0u);
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
}

BOOST_FIXTURE_TEST_CASE(TCP_RST_1_rst_at_rcv_nxt_minus_1_after_the_fin_resets, TcpFixture) {
  // LINUX tcp_reset_check: a peer that sent FIN may send its RST with the
  // FIN's sequence number (RCV.NXT - 1) in CLOSE-WAIT, CLOSING or LAST-ACK.
  const int l = listener();
  TcpPeer p = passive_open(l);
  to_close_wait(p);
  p.send(p.segment("R").seq(p.snd_nxt - 1));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(so_error(p.fd) == EPIPE);   // LINUX tcp_reset: EPIPE in CLOSE-WAIT
  BOOST_TEST(receive(p.fd) == "(eof)");  // the FIN came first
  // In ESTABLISHED the same offset is below the window.
  TcpPeer q = passive_open(l, {}, false, bench_port + 1);
  q.send(q.segment("R").seq(q.snd_nxt - 1));
  BOOST_TEST(state(q.fd) == TCP_ESTABLISHED);
}

BOOST_FIXTURE_TEST_CASE(TCP_RST_1_rst_at_the_right_edge_of_our_sack_blocks_resets, TcpFixture) {
  // LINUX tcp_validate_incoming: with SACK, a RST at the highest right edge
  // of the blocks we report counts as at RCV.NXT.
  PeerOptions sack;
  sack.sack_permitted = true;
  TcpPeer p = passive_open(-1, sack);
  p.send(p.segment("PA").seq(p.snd_nxt + 10), "0123456789");  // a hole of 10 bytes before it
  const auto left = p.snd_nxt + 10;
  BOOST_TEST(sent_segments() == segments(p.expect("A").sack({{left, left + 10}})));
  p.send(p.segment("R").seq(left));  // inside the block: a challenge
  BOOST_TEST(sent_segments() == segments(p.expect("A").sack({{left, left + 10}})));
  p.send(p.segment("R").seq(left + 10));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- TCP-SYN-1 (RFC 5961 4) -----------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(TCP_SYN)

BOOST_FIXTURE_TEST_CASE(TCP_SYN_1_syn_in_established_gets_a_challenge_ack_no_reset, TcpFixture) {
  TcpPeer p = passive_open();
  p.send(p.segment("S").seq(p.snd_nxt));  // in the window
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(dropped(TransportDropReason::tcp_syn_challenged, 1));
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  advance(Duration::milliseconds(500));
  p.send(p.segment("S").seq(p.snd_nxt + 1000000));  // far outside it: the same
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  advance(Duration::milliseconds(500));
  p.send(p.segment("SA").seq(p.snd_nxt - 1));  // a SYN-ACK too
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(dropped(TransportDropReason::tcp_syn_challenged, 3));
  BOOST_TEST(tcp_stats().challenge_acks == 3u);
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(so_error(p.fd) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_SYN_1_syn_in_close_wait_and_fin_wait_2_gets_a_challenge_ack, TcpFixture) {
  const int l = listener();
  TcpPeer p = passive_open(l);
  to_close_wait(p);
  p.send(p.segment("S").seq(p.snd_nxt + 5));
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(state(p.fd) == TCP_CLOSE_WAIT);
  TcpPeer q = passive_open(l, {}, false, bench_port + 1);
  to_fin_wait_2(q);
  q.send(q.segment("S").seq(q.snd_nxt + 5));
  BOOST_TEST(sent_segments() == segments(q.expect("A")));
  BOOST_TEST(state(q.fd) == TCP_FIN_WAIT2);
  BOOST_TEST(tcp_stats().challenge_acks == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- TCP-ACK-1 (RFC 5961 5) -----------------------------------------------------------------

namespace {

// ESTABLISHED with 10 bytes the stack sent and the bench acknowledged:
// SND.UNA = ISS + 11, every sequence number acknowledged so far: 11.
TcpPeer with_ten_bytes_acked(TcpFixture& f) {
  TcpPeer p = f.passive_open();
  BOOST_TEST(f.send_text(p.fd, "0123456789") == 10);
  BOOST_TEST(f.sent_segments() == segments(p.expect("PA").data("0123456789")));
  p.rcv_nxt += 10;
  p.sends("A");
  BOOST_TEST(f.sent_segments().empty());
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(TCP_ACK)

BOOST_FIXTURE_TEST_CASE(TCP_ACK_1_ack_of_data_not_yet_sent_is_dropped_and_acked, TcpFixture) {
  TcpPeer p = with_ten_bytes_acked(*this);
  p.send(p.segment("PA").ack(p.rcv_nxt + 5), "forged");
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(dropped(TransportDropReason::tcp_ack_out_of_window, 1));
  BOOST_TEST(receive(p.fd) == failed(EAGAIN));  // the data went with it
  BOOST_TEST(tcp_stats().challenge_acks == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_ACK_1_ack_older_than_snd_una_minus_max_snd_wnd_is_dropped_and_acked, TcpFixture) {
  TcpPeer p = with_ten_bytes_acked(*this);
  // LINUX (no ACK of bytes never sent): MAX.SND.WND is capped by what was
  // ever acknowledged, 11 here, so SND.UNA - 12 is too old...
  p.send(p.segment("PA").ack(p.rcv_nxt - 12), "forged");
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(dropped(TransportDropReason::tcp_ack_out_of_window, 1));
  BOOST_TEST(receive(p.fd) == failed(EAGAIN));
  // ... and SND.UNA - 11 only old: ignored, its data taken, no ACK at once.
  p.send(p.segment("PA").ack(p.rcv_nxt - 11), "fine");
  p.snd_nxt += 4;
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(receive(p.fd) == "fine");
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_ack_out_of_window) == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_ACK_1_ack_below_snd_una_before_any_data_is_challenged, TcpFixture) {
  // Nothing but the SYN was ever acknowledged: any ACK below SND.UNA is of
  // bytes never sent (LINUX; plain RFC 5961 would allow 65535 of them).
  TcpPeer p = passive_open();
  p.send(p.segment("A").ack(p.rcv_nxt - 2));
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(dropped(TransportDropReason::tcp_ack_out_of_window, 1));
  advance(Duration::milliseconds(500));
  p.send(p.segment("A").ack(p.rcv_nxt - 1));  // the SYN's own number: old, not forged
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(sockets.drops(TransportDropReason::tcp_ack_out_of_window) == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_ACK_1_challenge_acks_are_limited_per_connection, TcpFixture) {
  TcpPeer p = with_ten_bytes_acked(*this);
  const auto forged = p.segment("A").ack(p.rcv_nxt + 1000);
  p.send(forged);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  p.send(forged);
  p.send(p.segment("R").seq(p.snd_nxt + 1));  // a RST to challenge shares the limit
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(tcp_stats().challenge_acks == 1u);
  BOOST_TEST(tcp_stats().acks_skipped == 2u);
  advance(Duration::milliseconds(500));
  p.send(forged);
  BOOST_TEST(sent_segments() == segments(p.expect("A")));
  BOOST_TEST(tcp_stats().challenge_acks == 2u);
  BOOST_TEST(dropped(TransportDropReason::tcp_ack_out_of_window, 3));
}

namespace {
TcpFixtureOptions challenge_limit_4() {
  TcpFixtureOptions o;
  o.sockets.tcp_challenge_ack_limit = 4;
  return o;
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(TCP_ACK_1_host_wide_challenge_limit_is_drawn_at_random_each_second,
                        TcpFixtureWith<challenge_limit_4>) {
  // LINUX tcp_send_challenge_ack with tcp_challenge_ack_limit set: each
  // second allows a count drawn from [limit/2, limit*3/2), so that an
  // attacker cannot count them (CVE-2016-5696).
  const int l = listener();
  std::vector<TcpPeer> peers;
  for (std::uint16_t i = 0; i < 8; ++i) peers.push_back(passive_open(l, {}, false, bench_port + i));
  auto challenge_all = [&] {
    for (auto& p : peers) p.send(p.segment("R").seq(p.snd_nxt + 1));
    return sent_segments().size();
  };
  const std::size_t first = challenge_all();
  BOOST_TEST(first >= 2u);
  BOOST_TEST(first <= 5u);
  BOOST_TEST(tcp_stats().challenge_acks == first);
  advance(Duration::milliseconds(500));  // the same second, past each connection's own limit
  BOOST_TEST(challenge_all() == 0u);
  advance(Duration::milliseconds(500));  // a new second, a new count
  const std::size_t second = challenge_all();
  BOOST_TEST(second >= 2u);
  BOOST_TEST(second <= 5u);
  for (const auto& p : peers) BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
}

BOOST_FIXTURE_TEST_CASE(TCP_ACK_1_without_a_host_wide_limit_by_default, TcpFixture) {
  // Linux 6.0 and later: tcp_challenge_ack_limit INT_MAX, only the per-connection limit.
  BOOST_TEST(socket::SocketConfig{}.tcp_challenge_ack_limit == 0x7fffffffu);
  const int l = listener();
  std::vector<TcpPeer> peers;
  for (std::uint16_t i = 0; i < 40; ++i) peers.push_back(passive_open(l, {}, false, bench_port + i));
  for (auto& p : peers) p.send(p.segment("R").seq(p.snd_nxt + 1));
  BOOST_TEST(sent_segments().size() == 40u);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- TCP-ERR-1 -------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(TCP_ERR)

BOOST_FIXTURE_TEST_CASE(TCP_ERR_1_rst_in_established_reports_econnreset_then_epipe, TcpFixture) {
  TcpPeer p = passive_open();
  p.send(p.segment("R"));
  BOOST_TEST(revents(p.fd, all_events) == reset_mask);
  BOOST_TEST(receive(p.fd) == failed(ECONNRESET));  // once
  BOOST_TEST(receive(p.fd) == "(eof)");
  BOOST_TEST(revents(p.fd, all_events) == (POLLIN | POLLOUT | POLLHUP | POLLRDHUP));
  // No call raises SIGPIPE: the socket layer returns EPIPE as with MSG_NOSIGNAL.
  BOOST_TEST(send_text(p.fd, "x") == -EPIPE);
  BOOST_TEST(send_text(p.fd, "x") == -EPIPE);
  BOOST_TEST(sockets.shutdown(p.fd, SHUT_WR) == -ENOTCONN);
  BOOST_TEST(sent_segments().empty());
}

BOOST_FIXTURE_TEST_CASE(TCP_ERR_1_send_after_a_reset_reports_econnreset_first, TcpFixture) {
  TcpPeer p = passive_open();
  p.send(p.segment("R"));
  BOOST_TEST(send_text(p.fd, "x") == -ECONNRESET);  // LINUX sk_stream_error: the pending error first
  BOOST_TEST(send_text(p.fd, "x") == -EPIPE);
  BOOST_TEST(so_error(p.fd) == 0);
}

BOOST_FIXTURE_TEST_CASE(TCP_ERR_1_rst_in_close_wait_reports_epipe, TcpFixture) {
  TcpPeer p = passive_open();
  to_close_wait(p);
  p.send(p.segment("R"));
  BOOST_TEST(so_error(p.fd) == EPIPE);  // LINUX tcp_reset
  BOOST_TEST(send_text(p.fd, "x") == -EPIPE);
  BOOST_TEST(tcp_stats().estab_resets == 1u);
}

BOOST_FIXTURE_TEST_CASE(TCP_ERR_1_send_after_shut_wr_is_epipe, TcpFixture) {
  TcpPeer p = passive_open();
  to_fin_wait_1(p);
  BOOST_TEST(send_text(p.fd, "late") == -EPIPE);
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(so_error(p.fd) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- ICMP4-6, TCP's part (RFC 1122 4.2.3.9, RFC 5927) -------------------------------------------

BOOST_AUTO_TEST_SUITE(ICMP4_6_TCP)

BOOST_FIXTURE_TEST_CASE(ICMP4_6_tcp_port_unreachable_in_syn_sent_aborts_with_econnrefused, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  const auto syn = syn_from_stack(p);
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_dest_unreachable(3, p.ip_of(syn)));
  BOOST_TEST(sent_segments().empty());
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(connect_again(p) == -ECONNREFUSED);
  BOOST_TEST(tcp_stats().attempt_fails == 1u);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_tcp_protocol_unreachable_in_syn_sent_aborts, TcpFixture) {
  TcpPeer p(*this, false, listen_port, 0);
  const auto syn = syn_from_stack(p);
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_dest_unreachable(2, p.ip_of(syn)));
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(so_error(p.fd) == ENOPROTOOPT);  // LINUX icmp_err_convert
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_tcp_icmpv6_port_unreachable_in_syn_sent_aborts, TcpFixture) {
  TcpPeer p(*this, true, listen_port, 0);
  const auto syn = syn_from_stack(p);
  inject(eth(peer_mac, our_mac) / ipv6(peer6, our6) / icmpv6_dest_unreachable(4, p.ip_of(syn)));
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(connect_again(p) == -ECONNREFUSED);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_tcp_net_unreachable_in_syn_sent_is_a_soft_error, TcpFixture) {
  // RFC 1122 4.2.3.9: codes 0, 1 and 5 are soft errors, TCP MUST NOT abort;
  // the error is reported when the attempt times out instead of ETIMEDOUT.
  // (Linux aborts at once in SYN-SENT, against that MUST NOT.)
  TcpPeer p(*this, false, listen_port, 0);
  const auto syn = syn_from_stack(p);
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_dest_unreachable(0, p.ip_of(syn)));
  BOOST_TEST(state(p.fd) == TCP_SYN_SENT);
  BOOST_TEST(so_error(p.fd) == 0);
  BOOST_TEST(revents(p.fd) == 0);
  // The SYN is sent again 6 times (1 + 2 + ... + 64 s), then the attempt ends at 127 s.
  run_with_peer(Duration::seconds(126));
  // Each at its time (TSval in ms): RFC 6298's doubling from 1 s.
  BOOST_TEST(sent_segments() == segments(syn.timestamps(1000, 0), syn.timestamps(3000, 0),
                                         syn.timestamps(7000, 0), syn.timestamps(15000, 0),
                                         syn.timestamps(31000, 0), syn.timestamps(63000, 0)));
  BOOST_TEST(state(p.fd) == TCP_SYN_SENT);
  run_with_peer(Duration::seconds(1));
  BOOST_TEST(state(p.fd) == TCP_CLOSE);
  BOOST_TEST(connect_again(p) == -ENETUNREACH);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_tcp_errors_in_established_are_soft, TcpFixture) {
  TcpPeer p = passive_open();
  BOOST_TEST(send_text(p.fd, "data") == 4);
  const auto data = sent_one();
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_dest_unreachable(3, p.ip_of(data)));
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
  BOOST_TEST(so_error(p.fd) == 0);
  BOOST_TEST(revents(p.fd) == POLLOUT);
  p.rcv_nxt += 4;
  p.sends("A");  // the peer was there after all
  BOOST_TEST(send_text(p.fd, "more") == 4);
  BOOST_TEST(sent_segments() == segments(p.expect("PA").data("more")));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_tcp_ip_recverr_reports_errors_in_established_at_once, TcpFixture) {
  // LINUX tcp_v4_err: with IP_RECVERR the error is the socket's at once, the connection stays.
  TcpPeer p = passive_open();
  BOOST_TEST(set_int(p.fd, IPPROTO_IP, IP_RECVERR, 1) == 0);
  BOOST_TEST(send_text(p.fd, "data") == 4);
  const auto data = sent_one();
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_dest_unreachable(1, p.ip_of(data)));
  BOOST_TEST((revents(p.fd) & POLLERR) != 0);
  BOOST_TEST(so_error(p.fd) == EHOSTUNREACH);
  BOOST_TEST(state(p.fd) == TCP_ESTABLISHED);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_tcp_quoted_sequence_outside_snd_una_snd_nxt_is_ignored, TcpFixture) {
  // RFC 5927 4.1: SND.UNA =< SEG.SEQ < SND.NXT, else the error is not about
  // anything in flight (a blind attack) and is ignored.
  TcpPeer p(*this, false, listen_port, 0);
  const auto syn = syn_from_stack(p);
  for (const std::uint32_t seq : {p.dut_iss - 1, p.dut_iss + 1}) {
    inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_dest_unreachable(3, p.ip_of(syn.with_seq(seq))));
    BOOST_TEST(state(p.fd) == TCP_SYN_SENT);
  }
  // Other ports, another peer: no connection of ours.
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) /
         icmp_dest_unreachable(3, p.ip_of(syn.with_seq(p.dut_iss)).build()));
  BOOST_TEST(state(p.fd) == TCP_CLOSE);  // control: the right one aborts
}

BOOST_AUTO_TEST_SUITE_END()

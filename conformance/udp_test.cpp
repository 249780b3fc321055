// UDP conformance through the socket API (REQUIREMENTS.md UDP-*, and the UDP
// part of ICMP4-6). Datagrams come from the peer as frames; what the stack
// sends is decoded from its frames. Every silent discard asserts the drop
// reason, the UdpStats counter, that nothing was sent, and shows the same
// datagram made valid being delivered (the positive control).
#include <boost/test/unit_test.hpp>

#include <netinet/udp.h>

#include <set>

#include "hardstack/harness/match.hpp"
#include "host_rows.hpp"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;
using socket::TransportDropReason;

namespace {

constexpr std::uint16_t port = 7000;   // ours (IPv4)
constexpr std::uint16_t port6 = 7001;  // ours (IPv6: a dual-stack socket on 7000 would clash, as on Linux)
constexpr std::uint16_t peer_port = 5000;  // the peer's

std::vector<std::byte> ip_of(const std::vector<std::byte>& frame) {
  return {frame.begin() + 14, frame.end()};
}
std::vector<std::byte> first_bytes(const std::vector<std::byte>& b, std::size_t n) {
  return {b.begin(), b.begin() + static_cast<std::ptrdiff_t>(std::min(n, b.size()))};
}

// recvmsg into a buffer of `room` bytes: the return value and msg_flags.
struct Received {
  ssize_t result = 0;
  int flags = 0;
  std::string data;
};
Received recv_message(socket::Sockets& sockets, int fd, std::size_t room, int flags = 0) {
  std::vector<char> buf(room + 1, '#');
  iovec v{buf.data(), room};
  auto m = message(nullptr, 0, &v, 1);
  Received r;
  r.result = sockets.recvmsg(fd, &m, flags);
  r.flags = m.msg_flags;
  if (r.result >= 0) r.data.assign(buf.data(), std::min(static_cast<std::size_t>(r.result), room));
  BOOST_TEST(buf[room] == '#');  // never written past the buffer
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(UDP_length)

BOOST_FIXTURE_TEST_CASE(UDP_1_length_below_8_discarded, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  for (std::uint16_t length = 0; length < 8; ++length) {
    inject(udp4_from_peer(udp(peer_port, port).length(length), "payload"));
    inject(udp6_from_peer(udp(peer_port, port6).length(length), "payload"));
  }
  BOOST_TEST(sent_ip().empty());  // no ICMP about a malformed datagram
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_bad_length, 16));
  BOOST_TEST(sockets.udp_stats().in_errors == 16u);
  BOOST_TEST(sockets.udp_stats().in_datagrams == 0u);
  BOOST_TEST(sockets.udp_stats().no_ports == 0u);
  BOOST_TEST(nothing_queued(fd4));
  BOOST_TEST(nothing_queued(fd6));
  // Positive control: the same datagrams with their length.
  inject(udp4_from_peer(peer_port, port, "payload"));
  inject(udp6_from_peer(peer_port, port6, "payload"));
  BOOST_TEST(receive(fd4) == "payload");
  BOOST_TEST(receive(fd6) == "payload");
  BOOST_TEST(sockets.udp_stats().in_datagrams == 2u);
}

BOOST_FIXTURE_TEST_CASE(UDP_1_length_above_ip_payload_discarded, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  // 8 + 7 bytes present; the header claims one more, and 0xffff.
  for (const std::uint16_t length : {16, 0xffff}) {
    inject(udp4_from_peer(udp(peer_port, port).length(length), "payload"));
    inject(udp6_from_peer(udp(peer_port, port6).length(length), "payload"));
  }
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_bad_length, 4));
  BOOST_TEST(sockets.udp_stats().in_errors == 4u);
  BOOST_TEST(nothing_queued(fd4));
  BOOST_TEST(nothing_queued(fd6));
  inject(udp4_from_peer(udp(peer_port, port).length(15), "payload"));
  inject(udp6_from_peer(udp(peer_port, port6).length(15), "payload"));
  BOOST_TEST(receive(fd4) == "payload");
  BOOST_TEST(receive(fd6) == "payload");
}

BOOST_FIXTURE_TEST_CASE(UDP_1_bytes_beyond_udp_length_trimmed, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  // The IP payload holds "abcdefgh"; the UDP length says 8 + 3. The checksum
  // covers the 11 bytes the length names (as a receiver that trims verifies).
  inject(udp4_from_peer(udp(peer_port, port).length(11), "abcdefgh"));
  inject(udp6_from_peer(udp(peer_port, port6).length(11), "abcdefgh"));
  auto r4 = recv_message(sockets, fd4, 100);
  BOOST_TEST(r4.result == 3);
  BOOST_TEST(r4.data == "abc");
  BOOST_TEST(r4.flags == 0);  // nothing was cut from the datagram itself
  auto r6 = recv_message(sockets, fd6, 100);
  BOOST_TEST(r6.result == 3);
  BOOST_TEST(r6.data == "abc");
  BOOST_TEST(sockets.udp_stats().in_datagrams == 2u);
  BOOST_TEST(sockets.udp_stats().in_errors == 0u);
  // A length of exactly 8: an empty datagram, delivered as one.
  inject(udp4_from_peer(udp(peer_port, port).length(8), "xyz"));
  BOOST_TEST(recv_message(sockets, fd4, 100).result == 0);
  BOOST_TEST(nothing_queued(fd4));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDP_checksum)

BOOST_FIXTURE_TEST_CASE(UDP_2_ipv4_zero_checksum_means_none, SocketFixture) {
  const int fd = udp4_bound(port);
  inject(udp4_from_peer(udp(peer_port, port).checksum(0), "no checksum"));
  BOOST_TEST(receive(fd) == "no checksum");
  BOOST_TEST(sockets.udp_stats().in_csum_errors == 0u);
  BOOST_TEST(!sockets.last_drop().has_value());
}

BOOST_FIXTURE_TEST_CASE(UDP_2_bad_checksum_discarded, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  inject(udp4_from_peer(udp(peer_port, port).bad_checksum(), "corrupt"));
  inject(udp6_from_peer(udp(peer_port, port6).bad_checksum(), "corrupt"));
  // One bit flipped in the payload after the checksum was computed.
  auto flipped = raw(udp4_from_peer(peer_port, port, "corrupt"));
  flipped.back() ^= std::byte{0x01};
  inject(flipped);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_bad_checksum, 3));
  BOOST_TEST(sockets.udp_stats().in_csum_errors == 3u);
  BOOST_TEST(sockets.udp_stats().in_errors == 3u);  // LINUX: InCsumErrors and InErrors
  BOOST_TEST(nothing_queued(fd4));
  BOOST_TEST(nothing_queued(fd6));
  inject(udp4_from_peer(peer_port, port, "corrupt"));
  inject(udp6_from_peer(peer_port, port6, "corrupt"));
  BOOST_TEST(receive(fd4) == "corrupt");
  BOOST_TEST(receive(fd6) == "corrupt");
}

BOOST_FIXTURE_TEST_CASE(UDP_2_bad_checksum_to_closed_port_gets_no_icmp, SocketFixture) {
  // LINUX __udp4_lib_rcv: the checksum is verified before port unreachable is considered.
  inject(udp4_from_peer(udp(peer_port, 9).bad_checksum(), "x"));
  inject(udp6_from_peer(udp(peer_port, 9).bad_checksum(), "x"));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_bad_checksum, 2));
  BOOST_TEST(sockets.udp_stats().no_ports == 0u);
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
}

BOOST_FIXTURE_TEST_CASE(UDP_2_ipv6_zero_checksum_discarded, SocketFixture) {
  const int fd = udp6_bound(port6);
  inject(udp6_from_peer(udp(peer_port, port6).checksum(0), "no checksum"));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_bad_checksum, 1));
  BOOST_TEST(sockets.udp_stats().in_csum_errors == 1u);
  BOOST_TEST(nothing_queued(fd));
  inject(udp6_from_peer(peer_port, port6, "no checksum"));
  BOOST_TEST(receive(fd) == "no checksum");
}

BOOST_FIXTURE_TEST_CASE(UDP_2_computed_zero_checksum_sent_as_ffff, SocketFixture) {
  // A payload whose last two bytes are the checksum computed with them 0:
  // the sum then comes to 0xffff and the checksum to 0, which goes as 0xffff.
  auto payload_with_zero_sum = [](const wire::PseudoHeader& pseudo, std::uint16_t sport,
                                  std::uint16_t dport) {
    std::vector<std::byte> datagram(8 + 4);
    wire::store_be16(datagram, 0, sport);
    wire::store_be16(datagram, 2, dport);
    wire::store_be16(datagram, 4, 12);
    datagram[8] = std::byte{'o'};
    datagram[9] = std::byte{'k'};
    const auto c0 = pseudo.start(udp_protocol_number, 12).add(datagram).checksum();
    wire::store_be16(datagram, 10, c0);
    return std::string(reinterpret_cast<const char*>(datagram.data()) + 8, 4);
  };
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  const auto p4 = payload_with_zero_sum(wire::PseudoHeader::v4(our4, peer4), port, 9000);
  const auto p6 = payload_with_zero_sum(wire::PseudoHeader::v6(our6, peer6), port6, 9000);
  BOOST_TEST(sendto4(fd4, p4, peer4, 9000) == 4);
  BOOST_TEST(sendto6(fd6, p6, peer6, 9000) == 4);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  for (const auto& d : out) {
    BOOST_TEST(d.checksum == 0xffffu);
    BOOST_TEST(d.checksum_ok);
    BOOST_TEST(d.length == 12u);
  }
  BOOST_TEST(out[0].payload_text() == p4);
  BOOST_TEST(out[1].payload_text() == p6);
  // The receiving side takes 0xffff as a checksum that verifies.
  inject(udp4_from_peer(udp(9000, port).checksum(0xffff), bytes_of(p4)));
  BOOST_TEST(receive(fd4) == p4);
  BOOST_TEST(sockets.udp_stats().in_csum_errors == 0u);
}

BOOST_FIXTURE_TEST_CASE(UDP_2_sent_checksums_verify, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  BOOST_TEST(sendto4(fd4, "odd", peer4, 53) == 3);  // odd length: the pad byte is not sent
  BOOST_TEST(sendto6(fd6, "even", peer6, 53) == 4);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_ipv4(out[0].frame, src(our4), dst(peer4), protocol(17),
                         udp(sport(port), dport(53), length(11), payload("odd"))));
  BOOST_TEST(expect_ipv6(out[1].frame, src(our6), dst(peer6), next_header(17),
                         udp(sport(port6), dport(53), length(12), payload("even"))));
  BOOST_TEST(out[0].checksum_ok);
  BOOST_TEST(out[1].checksum_ok);
  BOOST_TEST(sockets.udp_stats().out_datagrams == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDP_port_unreachable)

BOOST_FIXTURE_TEST_CASE(UDP_3_closed_port_answered_with_port_unreachable, SocketFixture) {
  (void)udp4_bound(port);  // another port is open
  const auto offending =
      raw(udp4_from_peer(peer_port, 9, "anyone?", ipv4(peer4, our4).identification(0x1234)));
  inject(offending);
  auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  // RFC 1122 3.2.2.1 / LINUX: the whole datagram fits the 576-byte quote.
  BOOST_TEST(expect_ipv4(out[0], src(our4), dst(peer4), protocol(1),
                         icmp(dest_unreachable(code(3), quote(ip_of(offending))))));
  BOOST_TEST(sockets.udp_stats().no_ports == 1u);
  BOOST_TEST(sockets.udp_stats().in_errors == 0u);
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_no_socket, 1));

  // A long datagram: the quote stops where the error reaches 576 bytes.
  const auto long_one = raw(udp4_from_peer(peer_port, 9, pattern(1000)));
  inject(long_one);
  out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].size() == 14u + 576u);
  BOOST_TEST(expect_ipv4(out[0], icmp(dest_unreachable(code(3), quote(first_bytes(ip_of(long_one), 548))))));
}

BOOST_FIXTURE_TEST_CASE(UDP_3_closed_port_answered_over_ipv6, SocketFixture) {
  const auto offending = raw(udp6_from_peer(peer_port, 9, "anyone?"));
  inject(offending);
  auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_ipv6(out[0], src(our6), dst(peer6), icmpv6(dest_unreachable(code(4), quote(ip_of(offending))))));
  BOOST_TEST(sockets.udp_stats().no_ports == 1u);
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_no_socket, 1));
  // RFC 4443 2.4(c): as much as fits in 1280 bytes.
  const auto long_one = raw(udp6_from_peer(peer_port, 9, pattern(1400)));
  inject(long_one);
  out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].size() == 14u + 1280u);
  BOOST_TEST(
      expect_ipv6(out[0], icmpv6(dest_unreachable(code(4), quote(first_bytes(ip_of(long_one), 1232))))));
}

BOOST_FIXTURE_TEST_CASE(UDP_3_connected_socket_takes_only_its_peer, SocketFixture) {
  // LINUX compute_score: a connected socket is no match for another source,
  // so that datagram finds nobody and is answered with port unreachable.
  const int fd = udp4_bound(port);
  connect4(fd, peer4, peer_port);
  const auto offending = raw(udp4_from_peer(peer_port + 1, port, "not my peer"));
  inject(offending);
  const auto out = sent_ip();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv4(out[0], icmp(dest_unreachable(code(3), quote(ip_of(offending))))));
  BOOST_TEST(nothing_queued(fd));
  inject(udp4_from_peer(peer_port, port, "my peer"));
  BOOST_TEST(receive(fd) == "my peer");
  BOOST_TEST(sent_ip().empty());
}

BOOST_FIXTURE_TEST_CASE(UDP_3_never_for_broadcast_or_multicast, SocketFixture) {
  inject(udp4_broadcast(peer_port, 9, "who?", subnet_broadcast4));
  inject(udp4_broadcast(peer_port, 9, "who?", limited_broadcast4));
  inject(eth(peer_mac, "01:00:5e:00:00:01") / ipv4(peer4, "224.0.0.1") / udp(peer_port, 9) / payload("who?"));
  inject(eth(peer_mac, "33:33:00:00:00:01") / ipv6(peer6, "ff02::1") / udp(peer_port, 9) / payload("who?"));
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(stack.stats().icmp.out_msgs == 0u);
  BOOST_TEST(sockets.udp_stats().ignored_multi == 4u);  // LINUX: IgnoredMulti, not NoPorts
  BOOST_TEST(sockets.udp_stats().no_ports == 0u);
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_no_socket, 4));
  // Positive control: a socket on the port takes the broadcast (without SO_BROADCAST: that is for sending).
  const int fd = udp4_bound(9);
  inject(udp4_broadcast(peer_port, 9, "who?", subnet_broadcast4));
  BOOST_TEST(receive(fd) == "who?");
  BOOST_TEST(sent_ip().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDP_receive)

BOOST_FIXTURE_TEST_CASE(UDP_4_truncated_datagram_sets_msg_trunc, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  inject(udp4_from_peer(peer_port, port, "0123456789"));
  inject(udp6_from_peer(peer_port, port6, "0123456789"));
  for (const int fd : {fd4, fd6}) {
    const auto r = recv_message(sockets, fd, 4);
    BOOST_TEST(r.result == 4);
    BOOST_TEST(r.data == "0123");
    BOOST_TEST(r.flags == MSG_TRUNC);
    // The rest of the datagram is gone with it.
    BOOST_TEST(nothing_queued(fd));
  }
  // A buffer exactly the datagram's size: no MSG_TRUNC.
  inject(udp4_from_peer(peer_port, port, "0123456789"));
  const auto exact = recv_message(sockets, fd4, 10);
  BOOST_TEST(exact.result == 10);
  BOOST_TEST(exact.flags == 0);
}

BOOST_FIXTURE_TEST_CASE(UDP_4_msg_trunc_flag_returns_real_length, SocketFixture) {
  const int fd = udp4_bound(port);
  inject(udp4_from_peer(peer_port, port, "0123456789"));
  inject(udp4_from_peer(peer_port, port, "abc"));
  // LINUX udp_recvmsg: MSG_TRUNC in flags returns the datagram's length.
  const auto r = recv_message(sockets, fd, 4, MSG_TRUNC);
  BOOST_TEST(r.result == 10);
  BOOST_TEST(r.data == "0123");
  BOOST_TEST(r.flags == MSG_TRUNC);
  // With a zero-length buffer: the length of the next datagram, nothing copied.
  char none = '#';
  BOOST_TEST(sockets.recv(fd, &none, 0, MSG_TRUNC | MSG_PEEK) == 3);
  BOOST_TEST(none == '#');
  BOOST_TEST(receive(fd) == "abc");
}

BOOST_FIXTURE_TEST_CASE(UDP_5_msg_peek_leaves_datagram_queued, SocketFixture) {
  const int fd = udp4_bound(port);
  inject(udp4_from_peer(peer_port, port, "first"));
  inject(udp4_from_peer(peer_port, port, "second"));
  const long queued = sockets.receive_queue_bytes(fd);
  BOOST_TEST(receive(fd, 100, MSG_PEEK) == "first");
  BOOST_TEST(receive(fd, 3, MSG_PEEK) == "fir");
  const auto peeked = recv_message(sockets, fd, 3, MSG_PEEK);
  BOOST_TEST(peeked.flags == MSG_TRUNC);  // a truncated peek says so too
  BOOST_TEST(sockets.receive_queue_bytes(fd) == queued);
  BOOST_TEST(sockets.udp_stats().in_datagrams == 0u);  // LINUX: counted when taken, not peeked
  BOOST_TEST(receive(fd) == "first");
  BOOST_TEST(receive(fd) == "second");
  BOOST_TEST(sockets.receive_queue_bytes(fd) == 0);
  BOOST_TEST(sockets.udp_stats().in_datagrams == 2u);
}

BOOST_FIXTURE_TEST_CASE(UDP_5_full_receive_buffer_drops_and_counts, SocketFixture) {
  const int fd = udp4_bound(port);
  // SO_RCVBUF 1 is raised to LINUX SOCK_MIN_RCVBUF (2304). A datagram charges its
  // payload + 256; one is refused once the queue already holds more than the buffer.
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_RCVBUF, 1) == 0);
  BOOST_TEST(get_int(fd, SOL_SOCKET, SO_RCVBUF) == 2304);
  const auto data = pattern(1000);
  for (int i = 0; i < 4; ++i) inject(udp4_from_peer(peer_port, port, data));
  // 0 -> 1256 -> 2512 (> 2304): the third and fourth are dropped.
  BOOST_TEST(sockets.receive_queue_bytes(fd) == 2 * 1256);
  BOOST_TEST(sockets.udp_stats().rcvbuf_errors == 2u);
  BOOST_TEST(sockets.udp_stats().in_errors == 2u);
  BOOST_TEST(only_transport_drop(TransportDropReason::udp_receive_buffer, 2));
  BOOST_TEST(sent_ip().empty());  // no ICMP for a full buffer
  BOOST_TEST(receive(fd).size() == 1000u);
  BOOST_TEST(receive(fd).size() == 1000u);
  BOOST_TEST(nothing_queued(fd));
  // With room again, the next datagram is taken.
  inject(udp4_from_peer(peer_port, port, "room again"));
  BOOST_TEST(receive(fd) == "room again");
  BOOST_TEST(sockets.udp_stats().rcvbuf_errors == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDP_cork)

BOOST_FIXTURE_TEST_CASE(UDP_6_msg_more_appends_to_one_datagram, SocketFixture) {
  const int fd = udp4_bound(port);
  BOOST_TEST(sendto4(fd, "ab", peer4, 53, MSG_MORE) == 2);
  BOOST_TEST(sendto4(fd, "cd", peer4, 53, MSG_MORE) == 2);
  BOOST_TEST(sent_ip().empty());
  // LINUX udp_sendmsg: with a datagram pending, a later address is not looked at.
  BOOST_TEST(sendto4(fd, "ef", other4, 99) == 2);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].dst4 == peer4);
  BOOST_TEST(out[0].dport == 53u);
  BOOST_TEST(out[0].payload_text() == "abcdef");
  BOOST_TEST(out[0].length == 14u);
  BOOST_TEST(out[0].checksum_ok);
  BOOST_TEST(sockets.udp_stats().out_datagrams == 1u);
}

BOOST_FIXTURE_TEST_CASE(UDP_6_udp_cork_holds_until_uncorked, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  BOOST_TEST(get_int(fd4, SOL_UDP, UDP_CORK) == 0);
  for (const int fd : {fd4, fd6}) BOOST_TEST(set_int(fd, SOL_UDP, UDP_CORK, 1) == 0);
  BOOST_TEST(get_int(fd4, SOL_UDP, UDP_CORK) == 1);
  BOOST_TEST(sendto4(fd4, "one ", peer4, 53) == 4);
  BOOST_TEST(sendto4(fd4, "two", peer4, 53) == 3);
  BOOST_TEST(sendto6(fd6, "three ", peer6, 53) == 6);
  BOOST_TEST(sendto6(fd6, "four", peer6, 53) == 4);
  BOOST_TEST(sent_ip().empty());
  for (const int fd : {fd4, fd6}) BOOST_TEST(set_int(fd, SOL_UDP, UDP_CORK, 0) == 0);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(out[0].payload_text() == "one two");
  BOOST_TEST(!out[0].ipv6);
  BOOST_TEST(out[1].payload_text() == "three four");
  BOOST_TEST(out[1].ipv6);
  BOOST_TEST(out[1].checksum_ok);
  // Uncorking with nothing pending sends nothing.
  BOOST_TEST(set_int(fd4, SOL_UDP, UDP_CORK, 0) == 0);
  BOOST_TEST(sent_ip().empty());
}

BOOST_FIXTURE_TEST_CASE(UDP_6_datagram_over_65535_bytes_emsgsize, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  // IPv4: 20 + 8 + 65507 = 65535 fits (fragmented on the 1500-byte link); one byte more does not.
  const std::string max4(65507, 'x');
  BOOST_TEST(sendto4(fd4, max4 + "x", peer4, 53) == -EMSGSIZE);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(sendto4(fd4, max4, peer4, 53) == 65507);
  const auto fragments = sent_udp();
  BOOST_TEST(fragments.size() == 45u);  // ceil(65515 / 1480)
  // IPv6: the UDP length field bounds it (8 + 65527), as on Linux.
  const std::string max6(65527, 'y');
  BOOST_TEST(sendto6(fd6, max6 + "y", peer6, 53) == -EMSGSIZE);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(sendto6(fd6, max6, peer6, 53) == 65527);
  BOOST_TEST(!sent_ip().empty());
  // Corked parts that together pass the limit: EMSGSIZE, and the pending
  // datagram is thrown away (LINUX udp_flush_pending_frames).
  BOOST_TEST(sendto4(fd4, std::string(40000, 'a'), peer4, 53, MSG_MORE) == 40000);
  BOOST_TEST(sendto4(fd4, std::string(40000, 'b'), peer4, 53, MSG_MORE) == -EMSGSIZE);
  BOOST_TEST(sendto4(fd4, "fresh", peer4, 53) == 5);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].payload_text() == "fresh");
}

BOOST_FIXTURE_TEST_CASE(UDP_6_msg_oob_eopnotsupp_on_ipv4, SocketFixture) {
  const int fd4 = udp4_bound(port);
  BOOST_TEST(sendto4(fd4, "urgent", peer4, 53, MSG_OOB) == -EOPNOTSUPP);
  BOOST_TEST(sent_ip().empty());
  // LINUX: udpv6_sendmsg has no such check: MSG_OOB is ignored over IPv6
  // (but a dual-stack socket sending to a v4-mapped address takes udp_sendmsg).
  const int fd6 = udp6_bound(port6);
  BOOST_TEST(sendto6(fd6, "urgent", peer6, 53, MSG_OOB) == 6);
  BOOST_TEST(sendto6(fd6, "urgent", v4_mapped(peer4), 53, MSG_OOB) == -EOPNOTSUPP);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0].ipv6);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDP_segment)

namespace {

// sendmsg of `data` with one SOL_UDP cmsg of `cmsg_data_len` bytes holding `gso_size`.
ssize_t send_with_segment_cmsg(socket::Sockets& sockets, int fd, const std::string& data,
                               const sockaddr_in& to, std::uint16_t gso_size,
                               std::size_t cmsg_data_len = sizeof(std::uint16_t)) {
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))] = {};
  iovec v{const_cast<char*>(data.data()), data.size()};
  auto m = message(&to, sizeof to, &v, 1, control, CMSG_SPACE(cmsg_data_len));
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(cmsg_data_len);
  std::memcpy(CMSG_DATA(c), &gso_size, sizeof gso_size);
  return sockets.sendmsg(fd, &m, 0);
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(UDP_7_udp_segment_splits_send_into_gso_size_datagrams, SocketFixture) {
  const int fd = udp4_bound(port);
  BOOST_TEST(set_int(fd, SOL_UDP, UDP_SEGMENT, 100) == 0);
  BOOST_TEST(get_int(fd, SOL_UDP, UDP_SEGMENT) == 100);
  const auto data = pattern(250);
  const std::string text(reinterpret_cast<const char*>(data.data()), data.size());
  BOOST_TEST(sendto4(fd, text, peer4, 53) == 250);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  const std::size_t sizes[] = {100, 100, 50};
  std::size_t offset = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(out[i].sport == port);
    BOOST_TEST(out[i].dport == 53u);
    BOOST_TEST(out[i].length == 8 + sizes[i]);
    BOOST_TEST(out[i].checksum_ok);
    BOOST_TEST(!out[i].more_fragments);
    BOOST_TEST(out[i].payload_text() == text.substr(offset, sizes[i]));
    offset += sizes[i];
  }
  BOOST_TEST(sockets.udp_stats().out_datagrams == 3u);
  // A send no larger than gso_size goes as one datagram.
  BOOST_TEST(sendto4(fd, text.substr(0, 100), peer4, 53) == 100);
  BOOST_TEST(sent_udp().size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(UDP_7_segment_cmsg_overrides_the_option, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const std::string text(95, 'z');
  BOOST_TEST(send_with_segment_cmsg(sockets, fd4, text, sin4(peer4, 53), 40) == 95);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 3u);
  BOOST_TEST(out[0].length == 48u);
  BOOST_TEST(out[1].length == 48u);
  BOOST_TEST(out[2].length == 23u);
  // IPv6 too.
  const int fd6 = udp6_bound(port6);
  BOOST_TEST(set_int(fd6, SOL_UDP, UDP_SEGMENT, 30) == 0);
  BOOST_TEST(sendto6(fd6, std::string(61, 'q'), peer6, 53) == 61);
  const auto out6 = sent_udp();
  BOOST_TEST_REQUIRE(out6.size() == 3u);
  BOOST_TEST(out6[2].length == 9u);
  BOOST_TEST(out6[2].checksum_ok);
}

BOOST_FIXTURE_TEST_CASE(UDP_7_segment_cmsg_length_not_cmsg_len_2_einval, SocketFixture) {
  const int fd = udp4_bound(port);
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{3}, sizeof(int)})
    BOOST_TEST(send_with_segment_cmsg(sockets, fd, "data", sin4(peer4, 53), 2, n) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(send_with_segment_cmsg(sockets, fd, "data", sin4(peer4, 53), 2) == 4);
  BOOST_TEST(sent_udp().size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(UDP_7_headers_plus_gso_size_over_mtu_einval, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  const std::string text(3000, 'm');
  // IPv4: 20 + 8 + 1473 > 1500.
  BOOST_TEST(set_int(fd4, SOL_UDP, UDP_SEGMENT, 1473) == 0);
  BOOST_TEST(sendto4(fd4, text, peer4, 53) == -EINVAL);
  // LINUX udp_send_skb: checked whatever the send's size.
  BOOST_TEST(sendto4(fd4, "short", peer4, 53) == -EINVAL);
  BOOST_TEST(set_int(fd4, SOL_UDP, UDP_SEGMENT, 1472) == 0);
  // IPv6: 40 + 8 + 1453 > 1500.
  BOOST_TEST(set_int(fd6, SOL_UDP, UDP_SEGMENT, 1453) == 0);
  BOOST_TEST(sendto6(fd6, text, peer6, 53) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(set_int(fd6, SOL_UDP, UDP_SEGMENT, 1452) == 0);
  BOOST_TEST(sendto4(fd4, text, peer4, 53) == 3000);
  BOOST_TEST(sendto6(fd6, text, peer6, 53) == 3000);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 6u);  // 1472 1472 56, 1452 1452 96
  BOOST_TEST(out[0].length == 1480u);
  BOOST_TEST(!out[0].more_fragments);
  BOOST_TEST(out[0].frame.size() == 14u + 1500u);
  BOOST_TEST(out[3].frame.size() == 14u + 1500u);
  BOOST_TEST(out[5].length == 104u);
}

BOOST_FIXTURE_TEST_CASE(UDP_7_more_than_64_segments_einval, SocketFixture) {
  const int fd = udp4_bound(port);
  BOOST_TEST(set_int(fd, SOL_UDP, UDP_SEGMENT, 10) == 0);
  BOOST_TEST(sendto4(fd, std::string(641, 's'), peer4, 53) == -EINVAL);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(sendto4(fd, std::string(640, 's'), peer4, 53) == 640);
  BOOST_TEST(sent_udp().size() == 64u);
  // Out-of-range option values.
  BOOST_TEST(set_int(fd, SOL_UDP, UDP_SEGMENT, -1) == -EINVAL);
  BOOST_TEST(set_int(fd, SOL_UDP, UDP_SEGMENT, 65536) == -EINVAL);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDP_broadcast)

BOOST_FIXTURE_TEST_CASE(UDP_8_broadcast_without_so_broadcast_eacces, SocketFixture) {
  // 255.255.255.255 takes the default route (LINUX: ENETUNREACH without one).
  BOOST_TEST_REQUIRE(stack.set_default_gateway(conformance::gateway4).has_value());
  const int fd = udp4_bound(port);
  BOOST_TEST(get_int(fd, SOL_SOCKET, SO_BROADCAST) == 0);
  BOOST_TEST(sendto4(fd, "all", subnet_broadcast4, 53) == -EACCES);
  BOOST_TEST(sendto4(fd, "all", limited_broadcast4, 53) == -EACCES);
  const auto to = sin4(subnet_broadcast4, 53);
  BOOST_TEST(sockets.connect(fd, sa(to), sizeof to) == -EACCES);  // LINUX ip4_datagram_connect
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(set_int(fd, SOL_SOCKET, SO_BROADCAST, 1) == 0);
  BOOST_TEST(sendto4(fd, "all", subnet_broadcast4, 53) == 3);
  BOOST_TEST(sendto4(fd, "all", limited_broadcast4, 53) == 3);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_ipv4(out[0].frame, ethernet(dst(wire::MacAddress::broadcast())), src(our4),
                         dst(subnet_broadcast4), udp(sport(port), dport(53))));
  BOOST_TEST(
      expect_ipv4(out[1].frame, ethernet(dst(wire::MacAddress::broadcast())), dst(limited_broadcast4)));
  BOOST_TEST(sockets.connect(fd, sa(to), sizeof to) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(UDP_ports)

BOOST_AUTO_TEST_CASE(UDP_9_ephemeral_ports_differ_across_seeds) {
  // RFC 6056 3.3.1: the first ephemeral port is random; a host seeded
  // differently picks a different one. 16 stacks, 16 seeds.
  std::set<std::uint16_t> first_ports;
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    net::SeededEntropy stack_entropy(0x5eed);
    net::SeededEntropy port_entropy(seed);
    auto stack = net::Stack::create({}, stack_entropy);
    BOOST_TEST_REQUIRE(stack.has_value());
    auto sockets = socket::Sockets::create(*stack, port_entropy);
    BOOST_TEST_REQUIRE(sockets.has_value());
    const int fd = sockets->socket(AF_INET, SOCK_DGRAM, 0);
    const auto any = sin4({}, 0);
    BOOST_TEST_REQUIRE(sockets->bind(fd, sa(any), sizeof any) == 0);
    sockaddr_in got{};
    socklen_t n = sizeof got;
    BOOST_TEST_REQUIRE(sockets->getsockname(fd, sa(got), &n) == 0);
    const auto p = ntohs(got.sin_port);
    BOOST_TEST(p >= 32768u);
    BOOST_TEST(p <= 60999u);
    first_ports.insert(p);
  }
  // 16 uniform draws from 28232 ports: a collision has odds ~0.4%.
  BOOST_TEST(first_ports.size() >= 15u);
}

BOOST_FIXTURE_TEST_CASE(UDP_9_successive_ports_random_within_range, SocketFixture) {
  // Every autobind (bind to port 0, connect, sendto on an unbound socket)
  // draws a fresh random start: the ports are not a sequence.
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < 32; ++i) {
    const int fd = udp4();
    if (i % 3 == 0) {
      const auto any = sin4({}, 0);
      BOOST_TEST_REQUIRE(sockets.bind(fd, sa(any), sizeof any) == 0);
    } else if (i % 3 == 1) {
      connect4(fd, peer4, 53);
    } else {
      BOOST_TEST_REQUIRE(sendto4(fd, "x", peer4, 53) == 1);
    }
    ports.push_back(local_port(fd));
  }
  std::size_t sequential = 0;
  for (std::size_t i = 0; i < ports.size(); ++i) {
    BOOST_TEST(ports[i] >= 32768u);
    BOOST_TEST(ports[i] <= 60999u);
    if (i > 0 && ports[i] == ports[i - 1] + 1) ++sequential;
  }
  BOOST_TEST(std::set<std::uint16_t>(ports.begin(), ports.end()).size() == ports.size());
  BOOST_TEST(sequential <= 1u);
  // The datagrams sent from the autobound sockets carry their ports.
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 10u);
  BOOST_TEST(out[0].sport == ports[2]);
}

namespace {
SocketFixtureOptions four_ports() {
  SocketFixtureOptions o;
  o.sockets.ephemeral_low = 40000;
  o.sockets.ephemeral_high = 40003;
  return o;
}
}  // namespace

BOOST_FIXTURE_TEST_CASE(UDP_9_exhausted_range_refuses, SocketFixtureWith<four_ports>) {
  std::set<std::uint16_t> got;
  for (int i = 0; i < 4; ++i) {
    const int fd = udp4();
    const auto any = sin4({}, 0);
    BOOST_TEST_REQUIRE(sockets.bind(fd, sa(any), sizeof any) == 0);
    got.insert(local_port(fd));
  }
  BOOST_TEST((got == std::set<std::uint16_t>{40000, 40001, 40002, 40003}));
  const int fd = udp4();
  const auto any = sin4({}, 0);
  BOOST_TEST(sockets.bind(fd, sa(any), sizeof any) == -EADDRINUSE);  // LINUX inet_bind
  BOOST_TEST(sendto4(fd, "x", peer4, 53) == -EAGAIN);                // LINUX inet_autobind
  const auto to = sin4(peer4, 53);
  BOOST_TEST(sockets.connect(fd, sa(to), sizeof to) == -EAGAIN);
  BOOST_TEST(sent_ip().empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// The same rules against the host kernel: scenario tables over loopback
// (host_rows.hpp), every call's result and what the receiver got.

namespace {

// A receiving socket bound to 127.0.0.1 (or ::1) and a sending one: open, bind, open.
struct Loop {
  int rx = -1;
  int tx = -1;
  sockaddr_in to4{};
  sockaddr_in6 to6{};
};
Loop loop4(SocketApi& t, int tx_domain = AF_INET) {
  Loop l;
  l.rx = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
  const auto lo = sin4(loopback4, 0);
  t.rec(t.bind(l.rx, sa(lo), sizeof lo));
  l.to4 = sin4(loopback4, t.port_of(l.rx));
  l.to6 = sin6(v4_mapped(loopback4), t.port_of(l.rx));
  l.tx = t.open(tx_domain, SOCK_DGRAM | SOCK_NONBLOCK);
  return l;
}
Loop loop6(SocketApi& t) {
  Loop l;
  l.rx = t.open(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK);
  const auto lo = sin6(loopback6, 0);
  t.rec(t.bind(l.rx, sa(lo), sizeof lo));
  l.to6 = sin6(loopback6, t.port_of(l.rx));
  l.tx = t.open(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK);
  return l;
}
constexpr long setup_done = 0;  // what loop4() / loop6() record: three zeros
const std::vector<long> loop_setup(3, setup_done);

ssize_t send_text(SocketApi& t, int fd, std::string_view text, const sockaddr_in& to, int flags = 0) {
  return t.sendto(fd, text.data(), text.size(), flags, sa(to), sizeof to);
}
ssize_t send_text(SocketApi& t, int fd, std::string_view text, const sockaddr_in6& to, int flags = 0) {
  return t.sendto(fd, text.data(), text.size(), flags, sa(to), sizeof to);
}
// One recvmsg into `room` bytes: the result, msg_flags, then the bytes copied.
void take_one(SocketApi& t, int fd, std::size_t room = 64, int flags = 0) {
  std::vector<char> buf(room + 1, '#');
  iovec v{buf.data(), room};
  auto m = message(nullptr, 0, &v, 1);
  t.settle();
  const ssize_t r = t.recvmsg(fd, &m, flags | MSG_DONTWAIT);
  t.rec(r);
  if (r < 0) return;
  t.rec(m.msg_flags);
  for (std::size_t i = 0; i < std::min(static_cast<std::size_t>(r), room); ++i) t.rec(buf[i]);
  t.rec(buf[room] == '#' ? 0 : 1);  // nothing written past the buffer
}
// What take_one() records for `text` received whole (and nothing past the buffer).
std::vector<long> got(std::string_view text, int flags = 0) {
  std::vector<long> v{static_cast<long>(text.size()), flags};
  for (const char c : text) v.push_back(c);
  v.push_back(0);
  return v;
}
// Datagrams waiting, by their lengths (reads them all).
void drain_lengths(SocketApi& t, int fd) {
  char buf[70000];
  t.settle();
  for (;;) {
    const ssize_t r = t.recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    t.rec(r);
    if (r < 0) break;
  }
}
std::vector<long> operator+(std::vector<long> a, const std::vector<long>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
const std::vector<long> none_waiting = {-EAGAIN};

}  // namespace

BOOST_AUTO_TEST_SUITE(UDP_host)

BOOST_FIXTURE_TEST_CASE(UDP_4_truncation_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"a short buffer: MSG_TRUNC, the rest is gone",
       loop_setup + std::vector<long>{10} + got("0123", MSG_TRUNC) + none_waiting,
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.rec(send_text(t, l.tx, "0123456789", l.to4));
         take_one(t, l.rx, 4);
         take_one(t, l.rx, 4);
       }},
      {"MSG_TRUNC in flags: the datagram's length",
       loop_setup + std::vector<long>{10, 10, MSG_TRUNC, '0', '1', '2', '3', 0},
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.rec(send_text(t, l.tx, "0123456789", l.to4));
         take_one(t, l.rx, 4, MSG_TRUNC);
       }},
      {"MSG_TRUNC | MSG_PEEK with no buffer: the length, the datagram stays",
       loop_setup + std::vector<long>{3, 3, MSG_TRUNC, 0} + got("abc"),
       [](SocketApi& t) {
         const auto l = loop6(t);
         t.rec(send_text(t, l.tx, "abc", l.to6));
         take_one(t, l.rx, 0, MSG_TRUNC | MSG_PEEK);
         take_one(t, l.rx, 16);
       },
       nullptr, true},
      {"iovecs are filled in order", loop_setup + std::vector<long>{10, 10, 0, 3, 3, 4},
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.rec(send_text(t, l.tx, "0123456789", l.to4));
         char a[3], b[3], c[8];
         iovec v[3] = {{a, 3}, {b, 3}, {c, 8}};
         auto m = message(nullptr, 0, v, 3);
         t.settle();
         t.rec(t.recvmsg(l.rx, &m, MSG_DONTWAIT));
         t.rec(m.msg_flags);
         t.rec(a[0] == '0' && a[2] == '2' ? 3 : 0);
         t.rec(b[0] == '3' && b[2] == '5' ? 3 : 0);
         t.rec(std::string(c, 4) == "6789" ? 4 : 0);
       }},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(UDP_5_peek_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"MSG_PEEK leaves the datagram; the next read takes it",
       loop_setup + std::vector<long>{5, 1} + got("first") + got("fi", MSG_TRUNC) + got("first") + got("x") +
           none_waiting,
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.rec(send_text(t, l.tx, "first", l.to4));
         t.rec(send_text(t, l.tx, "x", l.to4));
         take_one(t, l.rx, 16, MSG_PEEK);
         take_one(t, l.rx, 2, MSG_PEEK);
         take_one(t, l.rx, 16);
         take_one(t, l.rx, 16);
         take_one(t, l.rx, 16);
       }},
      {"an empty datagram is one datagram",
       loop_setup + std::vector<long>{0, 0, 0, 0, 0, 0, 0} + none_waiting,
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.rec(send_text(t, l.tx, "", l.to4));
         take_one(t, l.rx, 16, MSG_PEEK);
         take_one(t, l.rx, 16);
         take_one(t, l.rx, 16);
       }},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(UDP_6_cork_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"MSG_MORE parts join one datagram; a later address is not looked at",
       loop_setup + std::vector<long>{2, 2} + none_waiting + std::vector<long>{2} + got("abcdef") +
           none_waiting,
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.rec(send_text(t, l.tx, "ab", l.to4, MSG_MORE));
         t.rec(send_text(t, l.tx, "cd", l.to4, MSG_MORE));
         take_one(t, l.rx);
         t.rec(send_text(t, l.tx, "ef", sin4(loopback4, 9)));
         take_one(t, l.rx);
         take_one(t, l.rx);
       }},
      {"UDP_CORK holds until uncorked; uncorking with nothing pending sends nothing",
       loop_setup + std::vector<long>{0, 4, 3} + none_waiting + std::vector<long>{0} + got("one two") +
           std::vector<long>{0} + none_waiting,
       [](SocketApi& t) {
         const auto l = loop6(t);
         t.set_int(l.tx, SOL_UDP, UDP_CORK, 1);
         t.rec(send_text(t, l.tx, "one ", l.to6));
         t.rec(send_text(t, l.tx, "two", l.to6));
         take_one(t, l.rx);
         t.set_int(l.tx, SOL_UDP, UDP_CORK, 0);
         take_one(t, l.rx);
         t.set_int(l.tx, SOL_UDP, UDP_CORK, 0);
         take_one(t, l.rx);
       },
       nullptr, true},
      {"IPv4: a pending datagram takes the bytes whatever the address; the length and MSG_OOB still count",
       loop_setup + std::vector<long>{2, 2, 2, 2, -EMSGSIZE, -EOPNOTSUPP, 2, 2} + got("abcdefghabcdefgh") +
           std::vector<long>{2, 2} + got("ijkl"),
       [](SocketApi& t) {
         const auto l = loop4(t);
         auto port0 = l.to4;
         port0.sin_port = 0;
         const auto v6 = sin6(loopback6, 9);
         t.rec(send_text(t, l.tx, "ab", l.to4, MSG_MORE));
         t.rec(send_text(t, l.tx, "cd", port0, MSG_MORE));
         t.rec(t.sendto(l.tx, "ef", 2, MSG_MORE, sa(l.to4), 8));
         t.rec(send_text(t, l.tx, "gh", v6, MSG_MORE));
         t.rec(send_text(t, l.tx, std::string(70000, 'x'), v6, MSG_MORE));
         t.rec(send_text(t, l.tx, "xx", v6, MSG_MORE | MSG_OOB));
         // Refused before the pending datagram was looked at: it is still there.
         t.rec(send_text(t, l.tx, "abcdef", l.to4, MSG_MORE) == 6 ? 2 : -1);
         t.rec(t.send(l.tx, "gh", 2, 0));
         take_one(t, l.rx);
         t.rec(send_text(t, l.tx, "ij", l.to4, MSG_MORE));
         t.rec(t.send(l.tx, "kl", 2, 0));  // unconnected: the pending datagram's address
         take_one(t, l.rx);
       }},
      {"IPv6: the address's family is checked, then a pending datagram takes the bytes (port 0 too)",
       loop_setup + std::vector<long>{2, 2, -EINVAL, -EINVAL, 2} + got("abcdef"),
       [](SocketApi& t) {
         const auto l = loop6(t);
         auto port0 = l.to6;
         port0.sin6_port = 0;
         auto odd = l.to6;
         odd.sin6_family = AF_APPLETALK;
         t.rec(send_text(t, l.tx, "ab", l.to6, MSG_MORE));
         t.rec(send_text(t, l.tx, "cd", port0, MSG_MORE));
         t.rec(send_text(t, l.tx, "xx", odd, MSG_MORE));
         t.rec(t.sendto(l.tx, "xx", 2, MSG_MORE, sa(l.to6), 20));
         t.rec(t.send(l.tx, "ef", 2, 0));
         take_one(t, l.rx);
       },
       nullptr, true},
      {"too much corked: EMSGSIZE and the pending datagram is dropped",
       loop_setup + std::vector<long>{40000, -EMSGSIZE, 5} + got("fresh") + none_waiting,
       [](SocketApi& t) {
         const auto l = loop4(t);
         const std::string big(40000, 'a');
         t.rec(send_text(t, l.tx, big, l.to4, MSG_MORE));
         t.rec(send_text(t, l.tx, big, l.to4, MSG_MORE));
         t.rec(send_text(t, l.tx, "fresh", l.to4));
         take_one(t, l.rx);
         take_one(t, l.rx);
       }},
      {"a dual-stack socket: IPv4 pending takes an IPv6 send's bytes; IPv6 pending refuses an IPv4 send",
       loop_setup + std::vector<long>{0, 0, 2, 2} + got("v4v6") + std::vector<long>{2, -EINVAL, 2} +
           got("v6v6"),
       [](SocketApi& t) {
         const auto l = loop4(t, AF_INET6);
         const int rx6 = t.open(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto lo6 = sin6(loopback6, 0);
         t.rec(t.bind(rx6, sa(lo6), sizeof lo6));
         const auto to6 = sin6(loopback6, t.port_of(rx6));
         // LINUX udpv6_sendmsg: pending AF_INET goes to udp_sendmsg, which appends.
         t.rec(send_text(t, l.tx, "v4", l.to6, MSG_MORE));
         t.rec(send_text(t, l.tx, "v6", to6));
         take_one(t, l.rx);
         // LINUX udp_sendmsg: pending AF_INET6 -> EINVAL (and it stays pending).
         t.rec(send_text(t, l.tx, "v6", to6, MSG_MORE));
         t.rec(send_text(t, l.tx, "v4", l.to6));
         t.rec(send_text(t, l.tx, "v6", to6));
         take_one(t, rx6);
       },
       nullptr, true},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(UDP_7_segment_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"UDP_SEGMENT: one send, gso_size datagrams",
       loop_setup + std::vector<long>{0, 250, 100, 100, 50, -EAGAIN},
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.set_int(l.tx, SOL_UDP, 103, 100);
         t.rec(send_text(t, l.tx, std::string(250, 's'), l.to4));
         drain_lengths(t, l.rx);
       }},
      {"UDP_SEGMENT: 64 segments go; far more -> EINVAL",
       loop_setup + std::vector<long>{0, -EINVAL, 640} + std::vector<long>(64, 10) + none_waiting,
       [](SocketApi& t) {
         const auto l = loop6(t);
         t.set_int(l.tx, SOL_UDP, 103, 10);
         t.rec(send_text(t, l.tx, std::string(2000, 's'), l.to6));
         t.rec(send_text(t, l.tx, std::string(640, 's'), l.to6));
         drain_lengths(t, l.rx);
       },
       nullptr, true},
      {"UDP_SEGMENT: 65 segments -> EINVAL (UDP_MAX_SEGMENTS 64)",
       loop_setup + std::vector<long>{0, -EINVAL} + none_waiting,
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.set_int(l.tx, SOL_UDP, 103, 10);
         t.rec(send_text(t, l.tx, std::string(641, 's'), l.to4));
         drain_lengths(t, l.rx);
       },
       "later kernels raised UDP_MAX_SEGMENTS to 128; the reference (Linux 6.1, UDP-7) has 64"},
      {"UDP_SEGMENT: headers + gso_size over the MTU (65535 on loopback: IP_MAX_MTU) -> EINVAL, whatever the "
       "send's size",
       loop_setup + std::vector<long>{0, -EINVAL, 0, 100, 100, -EAGAIN},
       [](SocketApi& t) {
         const auto l = loop4(t);
         t.set_int(l.tx, SOL_UDP, 103, 65535 - 28 + 1);
         t.rec(send_text(t, l.tx, std::string(100, 's'), l.to4));
         t.set_int(l.tx, SOL_UDP, 103, 65535 - 28);
         t.rec(send_text(t, l.tx, std::string(100, 's'), l.to4));
         drain_lengths(t, l.rx);
       },
       "later kernels compare only what the send needs with the MTU; the reference (Linux 6.1 udp_send_skb) "
       "compares headers + gso_size"},
  };
  check_rows(*this, rows);
}

BOOST_FIXTURE_TEST_CASE(UDP_8_broadcast_matches_host_kernel, HostLike) {
  const std::vector<Row> rows = {
      {"loopback's broadcast 127.255.255.255: EACCES without SO_BROADCAST",
       {0, 0, 0, -EACCES, -EACCES, 0, 3, 3},
       [](SocketApi& t) {
         const int rx = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         const auto any = sin4({}, 0);
         t.rec(t.bind(rx, sa(any), sizeof any));
         const auto to = sin4({{127, 255, 255, 255}}, t.port_of(rx));
         const int tx = t.open(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK);
         t.rec(send_text(t, tx, "all", to));
         t.rec(t.connect(tx, sa(to), sizeof to));
         t.set_int(tx, SOL_SOCKET, SO_BROADCAST, 1);
         t.rec(send_text(t, tx, "all", to));
         char b[8];
         t.settle();
         t.rec(t.recv(rx, b, sizeof b, MSG_DONTWAIT));
       }},
  };
  check_rows(*this, rows);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ICMP4_6_udp)

namespace {

// The peer answers our last datagram with an ICMP error quoting it.
void peer_refuses_v4(SocketFixture& t, const SentDatagram& ours, std::uint8_t code = 3) {
  t.inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_dest_unreachable(code, ip_of(ours.frame)));
}
void peer_refuses_v6(SocketFixture& t, const SentDatagram& ours, std::uint8_t code = 4) {
  t.inject(eth(peer_mac, our_mac) / ipv6(peer6, our6) / icmpv6_dest_unreachable(code, ip_of(ours.frame)));
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(ICMP4_6_port_unreachable_on_connected_udp4_econnrefused, SocketFixture) {
  const int fd = udp4_bound(port);
  connect4(fd, peer4, 9);
  BOOST_TEST(sockets.send(fd, "hello", 5, 0) == 5);
  auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  notified.clear();
  peer_refuses_v4(*this, out[0]);
  BOOST_TEST(notified == std::vector<int>{fd});
  BOOST_TEST(revents(fd) == (POLLOUT | POLLERR));  // as Linux: 0xc
  // The next call reports it, once.
  BOOST_TEST(sockets.send(fd, "again", 5, 0) == -ECONNREFUSED);
  BOOST_TEST(sent_ip().empty());
  BOOST_TEST(revents(fd) == POLLOUT);
  BOOST_TEST(sockets.send(fd, "again", 5, 0) == 5);
  out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  // recv reports it too; then the queue's state (empty).
  peer_refuses_v4(*this, out[0]);
  BOOST_TEST(receive(fd) == recv_failed(-ECONNREFUSED));
  BOOST_TEST(nothing_queued(fd));
  // And SO_ERROR reads (and clears) it.
  BOOST_TEST(sockets.send(fd, "third", 5, 0) == 5);
  peer_refuses_v4(*this, sent_udp().at(0));
  BOOST_TEST(get_int(fd, SOL_SOCKET, SO_ERROR) == ECONNREFUSED);
  BOOST_TEST(get_int(fd, SOL_SOCKET, SO_ERROR) == 0);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_port_unreachable_on_connected_udp6_econnrefused, SocketFixture) {
  const int fd = udp6_bound(port);
  connect6(fd, peer6, 9);
  BOOST_TEST(sockets.send(fd, "hello", 5, 0) == 5);
  auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  peer_refuses_v6(*this, out[0]);
  BOOST_TEST(revents(fd) == (POLLOUT | POLLERR));
  BOOST_TEST(sockets.send(fd, "again", 5, 0) == -ECONNREFUSED);
  BOOST_TEST(sockets.send(fd, "again", 5, 0) == 5);
  peer_refuses_v6(*this, sent_udp().at(0));
  BOOST_TEST(receive(fd) == recv_failed(-ECONNREFUSED));
  // A dual-stack socket connected to a v4-mapped peer hears ICMPv4.
  const int dual = udp6_bound(port6);
  connect6(dual, v4_mapped(peer4), 9);
  BOOST_TEST(sockets.send(dual, "v4", 2, 0) == 2);
  peer_refuses_v4(*this, sent_udp().at(0));
  BOOST_TEST(sockets.send(dual, "v4", 2, 0) == -ECONNREFUSED);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_unconnected_udp_socket_not_told, SocketFixture) {
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  BOOST_TEST(sendto4(fd4, "hello", peer4, 9) == 5);
  BOOST_TEST(sendto6(fd6, "hello", peer6, 9) == 5);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  notified.clear();
  peer_refuses_v4(*this, out[0]);
  peer_refuses_v6(*this, out[1]);
  // LINUX __udp4_lib_err: without IP_RECVERR only a connected socket hears it.
  BOOST_TEST(notified.empty());
  for (const int fd : {fd4, fd6}) {
    BOOST_TEST(revents(fd) == POLLOUT);
    BOOST_TEST(get_int(fd, SOL_SOCKET, SO_ERROR) == 0);
    BOOST_TEST(nothing_queued(fd));
  }
  BOOST_TEST(sendto4(fd4, "hello", peer4, 9) == 5);
  BOOST_TEST(sendto6(fd6, "hello", peer6, 9) == 5);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_soft_errors_not_reported_to_connected_udp, SocketFixture) {
  // Net / host unreachable are soft errors (LINUX icmp_err_convert): a
  // connected socket without IP_RECVERR is not told.
  const int fd = udp4_bound(port);
  connect4(fd, peer4, 9);
  BOOST_TEST(sockets.send(fd, "hello", 5, 0) == 5);
  const auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  peer_refuses_v4(*this, out[0], 0);
  peer_refuses_v4(*this, out[0], 1);
  BOOST_TEST(revents(fd) == POLLOUT);
  BOOST_TEST(sockets.send(fd, "hello", 5, 0) == 5);
  // Protocol unreachable is hard: ENOPROTOOPT.
  peer_refuses_v4(*this, out[0], 2);
  BOOST_TEST(get_int(fd, SOL_SOCKET, SO_ERROR) == ENOPROTOOPT);
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_ip_recverr_reports_every_error_to_any_socket, SocketFixture) {
  // LINUX __udp4_lib_err: with IP_RECVERR, soft errors and unconnected
  // sockets are told too. IPV6_RECVERR is IPv6's own flag.
  const int fd4 = udp4_bound(port);
  const int fd6 = udp6_bound(port6);
  BOOST_TEST(set_int(fd4, SOL_IP, IP_RECVERR, 1) == 0);
  BOOST_TEST(set_int(fd6, SOL_IP, IP_RECVERR, 1) == 0);
  BOOST_TEST(sendto4(fd4, "hello", peer4, 9) == 5);
  BOOST_TEST(sendto6(fd6, "hello", peer6, 9) == 5);
  auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  peer_refuses_v4(*this, out[0], 0);  // net unreachable: soft
  peer_refuses_v6(*this, out[1]);
  BOOST_TEST(get_int(fd4, SOL_SOCKET, SO_ERROR) == ENETUNREACH);
  BOOST_TEST(get_int(fd6, SOL_SOCKET, SO_ERROR) == 0);  // IP_RECVERR says nothing about ICMPv6
  BOOST_TEST(set_int(fd6, SOL_IPV6, IPV6_RECVERR, 1) == 0);
  peer_refuses_v6(*this, out[1]);
  BOOST_TEST(receive(fd6) == recv_failed(-ECONNREFUSED));
}

BOOST_FIXTURE_TEST_CASE(ICMP4_6_error_for_another_flow_ignored, SocketFixture) {
  // The quote names a different peer port: it is not this socket's datagram.
  const int fd = udp4_bound(port);
  connect4(fd, peer4, 9);
  BOOST_TEST(sockets.send(fd, "hello", 5, 0) == 5);
  auto out = sent_udp();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  auto ip = ip_of(out[0].frame);
  wire::store_be16(ip, 20 + 2, 10);  // destination port 10, not 9
  inject(eth(peer_mac, our_mac) / ipv4(peer4, our4) / icmp_dest_unreachable(3, ip));
  BOOST_TEST(revents(fd) == POLLOUT);
  BOOST_TEST(sockets.send(fd, "hello", 5, 0) == 5);
}

BOOST_AUTO_TEST_SUITE_END()

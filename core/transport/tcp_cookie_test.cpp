// SYN cookies end to end, with the test as the peer: once the SYN queue is
// full, a SYN is answered with a cookie, and the ACK that returns it opens a
// connection the listener accepts, with the data it carried; nothing else is
// sent on the way (no second SYN-ACK, no RST).
#include <arpa/inet.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <optional>

#include "hardstack/harness/builders.hpp"
#include "hardstack/harness/memory_link.hpp"
#include "hardstack/harness/print.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"

using namespace hardstack;
using namespace hardstack::harness;

namespace {

const wire::MacAddress our_mac{{2, 0, 0, 0, 0, 1}};
const wire::MacAddress peer_mac{{2, 0, 0, 0, 0, 2}};
const auto our_ip = *wire::Ipv4Address::from_string("192.0.2.1");
const auto peer_ip = *wire::Ipv4Address::from_string("192.0.2.2");

// The TCP segments among the frames the stack sent.
std::vector<wire::TcpRepr> tcp_sent(CaptureDevice& device) {
  std::vector<wire::TcpRepr> out;
  for (const auto& f : device.take_all()) {
    const auto eth = wire::EthernetView::parse(f);
    if (!eth || eth->ethertype() != wire::EtherType::ipv4) continue;
    const auto ip = wire::Ipv4View::parse(eth->payload());
    if (!ip || ip->protocol() != wire::ip_protocol_tcp) continue;
    const auto view = wire::TcpView::parse(ip->payload());
    BOOST_REQUIRE(view);
    const auto repr = wire::TcpRepr::parse(*view, wire::PseudoHeader::v4(ip->src(), ip->dst()));
    BOOST_REQUIRE(repr);
    out.push_back(*repr);
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_cookie_ack_opens_a_connection_with_its_data_and_nothing_else_is_sent) {
  VirtualClock clock(net::Instant::from_ns(1'000'000'000));
  auto device = CaptureDevice::create({}, clock).value();
  net::SeededEntropy entropy(3);
  auto stack = net::Stack::create({}, entropy).value();
  net::InterfaceConfig ic;
  ic.mac = our_mac;
  const auto id = stack.add_interface(device, ic).value();
  BOOST_REQUIRE(stack.add_address(id, our_ip, 24));
  auto sockets = socket::Sockets::create(stack, entropy).value();
  const int l = sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(80);
  BOOST_REQUIRE(sockets.bind(l, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0);
  BOOST_REQUIRE(sockets.listen(l, 0) == 0);  // LINUX: the SYN queue holds backlog + 1: one
  const auto in = [&](const std::vector<std::byte>& frame) { stack.input(id, frame, clock.now()); };
  // The peer makes itself known (its ARP request), then fills the SYN queue
  // with a SYN it never completes.
  in(eth(peer_mac, wire::MacAddress::broadcast()) / arp_request(peer_mac, peer_ip, our_ip));
  in(eth(peer_mac, our_mac) / ipv4(peer_ip, our_ip) / tcp(1000, 80).flags(flag::syn).seq(5000).mss(1460));
  BOOST_REQUIRE(tcp_sent(device).size() == 1u);  // its SYN-ACK
  BOOST_TEST(sockets.tcp_stats().syncookies_sent == 0u);

  // The next SYN gets a cookie.
  in(eth(peer_mac, our_mac) / ipv4(peer_ip, our_ip) / tcp(1001, 80).flags(flag::syn).seq(9000).mss(1460));
  const auto syn_ack = tcp_sent(device);
  BOOST_REQUIRE(syn_ack.size() == 1u);
  BOOST_TEST((syn_ack[0].flags.syn() && syn_ack[0].flags.ack()));
  BOOST_TEST(syn_ack[0].ack.value() == 9001u);
  BOOST_TEST(sockets.tcp_stats().syncookies_sent == 1u);

  // Its ACK returns the cookie with 5 bytes of data: accepted, readable.
  clock.advance(net::Duration::milliseconds(10));
  in(eth(peer_mac, our_mac) / ipv4(peer_ip, our_ip) /
     tcp(1001, 80).flags(flag::ack | flag::psh).seq(9001).ack((syn_ack[0].seq + 1).value()) /
     payload("hello"));
  BOOST_TEST(sockets.tcp_stats().syncookies_recv == 1u);
  const int fd = sockets.accept4(l, nullptr, nullptr, SOCK_NONBLOCK);
  BOOST_REQUIRE(fd >= 0);
  char got[8] = {};
  BOOST_TEST(sockets.recv(fd, got, sizeof got, 0) == 5);
  BOOST_TEST(std::string(got, 5) == "hello");
  // What the stack sent in answer: at most an ACK of the data, never a
  // SYN-ACK or a RST.
  for (const auto& t : tcp_sent(device)) {
    BOOST_TEST(!t.flags.syn());
    BOOST_TEST(!t.flags.rst());
  }
  // And the connection works both ways: our answer goes out with the cookie's sequence numbers.
  BOOST_TEST(sockets.send(fd, "world", 5, 0) == 5);
  const auto answer = tcp_sent(device);
  BOOST_REQUIRE(answer.size() == 1u);
  BOOST_TEST(answer[0].seq.value() == (syn_ack[0].seq + 1).value());
  BOOST_TEST(answer[0].ack.value() == 9006u);
  BOOST_TEST(answer[0].payload_len == 5u);
}

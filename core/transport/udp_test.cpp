// UDP's Linux behaviours the socket fuzz targets found missing, one case
// each: the source and TTL rules of udp_sendmsg / udpv6_sendmsg, the errors
// of a sendmsg Linux refuses, and the receive cmsgs' values. Through a raw-IP
// device whose frames the test reads (and loopback).
#include "hardstack/transport/udp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

#include "hardstack/harness/dut_scenarios.hpp"
#include "hardstack/harness/memory_link.hpp"
#include "hardstack/harness/print.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"

using namespace hardstack;

namespace {

sockaddr_in v4(const char* address, std::uint16_t port) {
  return harness::scenarios::socket_address(wire::Ipv4Address::from_string(address).value(), port);
}
sockaddr_in6 v6(const char* address, std::uint16_t port) {
  return harness::scenarios::socket_address(wire::Ipv6Address::from_string(address).value(), port);
}

template <typename T>
const sockaddr* sa(const T& s) {
  return reinterpret_cast<const sockaddr*>(&s);
}

// One control message, aligned as the CMSG macros want it.
struct Control {
  alignas(cmsghdr) std::array<std::byte, 128> bytes{};
  std::size_t size = 0;
  template <class T>
  Control& add(int level, int type, const T& value) {
    cmsghdr h{};
    h.cmsg_len = CMSG_LEN(sizeof value);
    h.cmsg_level = level;
    h.cmsg_type = type;
    std::memcpy(bytes.data() + size, &h, sizeof h);
    std::memcpy(bytes.data() + size + sizeof h, &value, sizeof value);
    size += CMSG_SPACE(sizeof value);
    return *this;
  }
};

// A stack with tun0 (raw IP, 192.0.2.1/24, 2001:db8::1/64) and loopback.
struct Tun {
  harness::VirtualClock clock;
  net::SeededEntropy entropy{11};
  harness::CaptureDevice device = make_device();
  net::Stack stack = std::move(net::Stack::create({}, entropy).value());
  socket::Sockets sockets = std::move(socket::Sockets::create(stack, entropy).value());
  net::InterfaceId tun{};

  explicit Tun(bool gateways = true) {
    tun = stack.add_interface(device, net::InterfaceConfig{}).value();
    BOOST_REQUIRE(stack.add_address(tun, wire::Ipv4Address{{192, 0, 2, 1}}, 24).has_value());
    BOOST_REQUIRE(
        stack.add_address(tun, wire::Ipv6Address::from_string("2001:db8::1").value(), 64).has_value());
    if (!gateways) return;
    BOOST_REQUIRE(stack.set_default_gateway(wire::Ipv4Address{{192, 0, 2, 254}}).has_value());
    BOOST_REQUIRE(
        stack.set_default_gateway(wire::Ipv6Address::from_string("2001:db8::fe").value()).has_value());
  }
  harness::CaptureDevice make_device() {
    harness::CaptureDeviceConfig c;
    c.link_type = net::LinkType::raw_ip;
    return std::move(harness::CaptureDevice::create(c, clock).value());
  }
  int udp(int domain = AF_INET) { return sockets.socket(domain, SOCK_DGRAM | SOCK_NONBLOCK, 0); }
  ssize_t send_with(int fd, const sockaddr* to, socklen_t to_len, const Control& c, int flags = 0) {
    char byte = 'x';
    iovec v{&byte, 1};
    msghdr m{};
    m.msg_name = const_cast<sockaddr*>(to);
    m.msg_namelen = to_len;
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_control = c.size > 0 ? const_cast<std::byte*>(c.bytes.data()) : nullptr;
    m.msg_controllen = c.size;
    return sockets.sendmsg(fd, &m, flags);
  }
  // One datagram's cmsgs (1 byte of data read): level, type, data.
  struct Cmsg {
    int level = 0;
    int type = 0;
    std::vector<std::uint8_t> data;
  };
  std::vector<Cmsg> receive_cmsgs(int fd) {
    char byte;
    iovec v{&byte, 1};
    alignas(cmsghdr) std::array<std::byte, 256> control{};
    msghdr m{};
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_control = control.data();
    m.msg_controllen = control.size();
    std::vector<Cmsg> out;
    if (sockets.recvmsg(fd, &m, 0) != 1) return out;
    for (const cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, const_cast<cmsghdr*>(c)))
      out.push_back({c->cmsg_level, c->cmsg_type,
                     std::vector<std::uint8_t>(CMSG_DATA(c), CMSG_DATA(c) + (c->cmsg_len - CMSG_LEN(0)))});
    return out;
  }
};

struct TunWithoutGateways : Tun {
  TunWithoutGateways() : Tun(false) {}
};

// The one IPv4 datagram sent on tun0.
wire::Ipv4View sent_ipv4(harness::CaptureDevice& device, std::vector<std::byte>& keep) {
  BOOST_REQUIRE_EQUAL(device.sent_count(), 1u);
  keep = *device.take();
  const auto ip = wire::Ipv4View::parse(keep);
  BOOST_REQUIRE(ip.has_value());
  return *ip;
}

// A UDP datagram from 192.0.2.2 / `src` to `dst`:7 with `options`, its checksums set.
std::vector<std::byte> udp4(const char* src, const char* dst, std::vector<std::uint8_t> options) {
  const std::size_t header = 20 + options.size();
  std::vector<std::byte> p(header + 8 + 1);
  const wire::MutableBytes b(p);
  wire::store_u8(b, 0, static_cast<std::uint8_t>(0x40 | header / 4));
  wire::store_be16(b, 2, static_cast<std::uint16_t>(p.size()));
  wire::store_u8(b, 8, 64);
  wire::store_u8(b, 9, 17);
  wire::Ipv4Address::from_string(src).value().store(b, 12);
  wire::Ipv4Address::from_string(dst).value().store(b, 16);
  for (std::size_t i = 0; i < options.size(); ++i) wire::store_u8(b, 20 + i, options[i]);
  wire::store_be16(b, 10, wire::internet_checksum(wire::Bytes(p).first(header)));
  wire::store_be16(b, header, 5000);
  wire::store_be16(b, header + 2, 7);
  wire::store_be16(b, header + 4, 9);  // UDP checksum 0: none (UDP-2)
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(udp_linux)

// LINUX ip6_dst_lookup_tail: an IPv6 datagram cannot leave from an IPv4 address.
BOOST_FIXTURE_TEST_CASE(ipv6_send_from_a_socket_bound_to_a_v4_mapped_address_is_eafnosupport, Tun) {
  for (const char* bound : {"::ffff:192.0.2.1", "::ffff:0.0.0.0"}) {
    const int fd = udp(AF_INET6);
    const auto local = v6(bound, 0);
    BOOST_REQUIRE(sockets.bind(fd, sa(local), sizeof local) == 0);
    const auto to = v6("2001:db8::2", 9);
    BOOST_TEST(sockets.sendto(fd, "x", 1, 0, sa(to), sizeof to) == -EAFNOSUPPORT);
    BOOST_TEST(device.sent_count() == 0u);
    // An IPv6 source from IPV6_PKTINFO is allowed.
    in6_pktinfo info{};
    BOOST_REQUIRE(inet_pton(AF_INET6, "2001:db8::1", &info.ipi6_addr) == 1);
    BOOST_TEST(send_with(fd, sa(to), sizeof to, Control{}.add(SOL_IPV6, IPV6_PKTINFO, info)) == 1);
    BOOST_TEST(device.sent_count() == 1u);
    (void)device.take_all();
    BOOST_TEST(sockets.close(fd) == 0);
  }
}

// LINUX __ip_make_skb / ip6_sk_dst_hoplimit: a group gets the multicast TTL (1), not IP_TTL.
BOOST_FIXTURE_TEST_CASE(ip_ttl_and_unicast_hops_do_not_apply_to_a_group, Tun) {
  const int fd = udp();
  const int ttl = 77;
  BOOST_REQUIRE(sockets.setsockopt(fd, SOL_IP, IP_TTL, &ttl, sizeof ttl) == 0);
  const auto group = v4("224.0.0.251", 5353);
  BOOST_REQUIRE(sockets.sendto(fd, "x", 1, 0, sa(group), sizeof group) == 1);
  std::vector<std::byte> keep;
  BOOST_TEST(sent_ipv4(device, keep).ttl() == 1);
  const auto unicast = v4("192.0.2.2", 9);
  BOOST_REQUIRE(sockets.sendto(fd, "x", 1, 0, sa(unicast), sizeof unicast) == 1);
  BOOST_TEST(sent_ipv4(device, keep).ttl() == 77);

  const int fd6 = udp(AF_INET6);
  BOOST_REQUIRE(sockets.setsockopt(fd6, SOL_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl) == 0);
  const auto group6 = v6("ff0e::1", 5353);
  BOOST_REQUIRE(sockets.sendto(fd6, "x", 1, 0, sa(group6), sizeof group6) == 1);
  BOOST_REQUIRE_EQUAL(device.sent_count(), 1u);
  const auto frame = *device.take();
  const auto ip6 = wire::Ipv6View::parse(frame);
  BOOST_REQUIRE(ip6.has_value());
  BOOST_TEST(ip6->hop_limit() == 1);
}

// LINUX ip_cmsg_send / ip_route_output_key_hash_rcu: ipi_spec_dst 0.0.0.0
// lets the route choose even on a bound socket; a group or 255.255.255.255
// is EINVAL, an address not ours ENETUNREACH.
BOOST_FIXTURE_TEST_CASE(ip_pktinfo_spec_dst_rules, Tun) {
  const int fd = udp();
  const auto local = v4("127.0.0.1", 0);
  BOOST_REQUIRE(sockets.bind(fd, sa(local), sizeof local) == 0);
  const auto to = v4("192.0.2.2", 9);
  // Bound to 127.0.0.1: that source cannot go out of tun0.
  BOOST_TEST(sockets.sendto(fd, "x", 1, 0, sa(to), sizeof to) == -EINVAL);
  in_pktinfo info{};
  BOOST_TEST(send_with(fd, sa(to), sizeof to, Control{}.add(SOL_IP, IP_PKTINFO, info)) == 1);
  std::vector<std::byte> keep;
  BOOST_TEST(sent_ipv4(device, keep).src() == (wire::Ipv4Address{{192, 0, 2, 1}}));
  BOOST_REQUIRE(inet_pton(AF_INET, "224.0.0.1", &info.ipi_spec_dst) == 1);
  BOOST_TEST(send_with(fd, sa(to), sizeof to, Control{}.add(SOL_IP, IP_PKTINFO, info)) == -EINVAL);
  BOOST_REQUIRE(inet_pton(AF_INET, "255.255.255.255", &info.ipi_spec_dst) == 1);
  BOOST_TEST(send_with(fd, sa(to), sizeof to, Control{}.add(SOL_IP, IP_PKTINFO, info)) == -EINVAL);
  BOOST_REQUIRE(inet_pton(AF_INET, "192.0.2.77", &info.ipi_spec_dst) == 1);
  BOOST_TEST(send_with(fd, sa(to), sizeof to, Control{}.add(SOL_IP, IP_PKTINFO, info)) == -ENETUNREACH);
  BOOST_TEST(device.sent_count() == 0u);
}

// LINUX ____sys_sendmsg copies the control buffer in first: a null one faults.
BOOST_FIXTURE_TEST_CASE(null_control_buffer_is_efault_before_anything_else, Tun) {
  const int fd = udp();
  for (const std::size_t length : {std::size_t{1}, std::size_t{15}, std::size_t{16}, std::size_t{100}}) {
    char byte = 'x';
    iovec v{&byte, 1};
    msghdr m{};
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_controllen = length;
    // No address and not connected (EDESTADDRREQ), MSG_OOB (EOPNOTSUPP): EFAULT comes first.
    BOOST_TEST(sockets.sendmsg(fd, &m, MSG_OOB) == -EFAULT);
  }
}

// The stack sends no Routing header with Segments Left > 0: refused at once, even corked.
BOOST_FIXTURE_TEST_CASE(ipv6_rthdr_is_refused_by_the_sendmsg_that_gives_it, Tun) {
  const int fd = udp(AF_INET6);
  std::array<std::uint8_t, 24> type2{0, 2, 2, 1};
  BOOST_REQUIRE(inet_pton(AF_INET6, "2001:db8::7", type2.data() + 8) == 1);
  const auto to = v6("2001:db8::2", 9);
  BOOST_TEST(send_with(fd, sa(to), sizeof to, Control{}.add(SOL_IPV6, IPV6_RTHDR, type2), MSG_MORE) ==
             -EINVAL);
  BOOST_TEST(sockets.sendto(fd, "y", 1, 0, sa(to), sizeof to) == 1);  // nothing was left pending
  BOOST_REQUIRE_EQUAL(device.sent_count(), 1u);
  const auto frame = *device.take();
  BOOST_TEST(frame.size() == 40u + 8u + 1u);
}

// LINUX fib_compute_spec_dst: a broadcast's ipi_spec_dst is our address on
// the interface, even from a sender there is no route back to.
BOOST_FIXTURE_TEST_CASE(broadcast_pktinfo_spec_dst_is_our_address_on_the_interface, TunWithoutGateways) {
  const int fd = udp();
  const int one = 1;
  BOOST_REQUIRE(sockets.setsockopt(fd, SOL_IP, IP_PKTINFO, &one, sizeof one) == 0);
  const auto local = v4("0.0.0.0", 7);
  BOOST_REQUIRE(sockets.bind(fd, sa(local), sizeof local) == 0);
  stack.input(tun, udp4("203.0.113.9", "192.0.2.255", {}), clock.now());
  const auto cmsgs = receive_cmsgs(fd);
  BOOST_REQUIRE_EQUAL(cmsgs.size(), 1u);
  BOOST_REQUIRE(cmsgs[0].type == IP_PKTINFO && cmsgs[0].data.size() == sizeof(in_pktinfo));
  in_pktinfo info{};
  std::memcpy(&info, cmsgs[0].data.data(), sizeof info);
  char text[INET_ADDRSTRLEN];
  BOOST_TEST(inet_ntop(AF_INET, &info.ipi_spec_dst, text, sizeof text) == std::string("192.0.2.1"));
  BOOST_TEST(inet_ntop(AF_INET, &info.ipi_addr, text, sizeof text) == std::string("192.0.2.255"));
}

// LINUX ip_options_compile (input) writes EOL over what follows the list's
// EOL; IP_RECVOPTS shows that. An IPv4 datagram on an AF_INET6 socket
// reports IPV6_PKTINFO and each IP_* cmsg once.
BOOST_FIXTURE_TEST_CASE(received_options_end_at_eol_and_dual_stack_reports_each_cmsg_once, Tun) {
  const int fd = udp(AF_INET6);
  const int one = 1;
  BOOST_REQUIRE(sockets.setsockopt(fd, SOL_IP, IP_RECVOPTS, &one, sizeof one) == 0);
  BOOST_REQUIRE(sockets.setsockopt(fd, SOL_IP, IP_RECVTTL, &one, sizeof one) == 0);
  BOOST_REQUIRE(sockets.setsockopt(fd, SOL_IPV6, IPV6_RECVPKTINFO, &one, sizeof one) == 0);
  const auto local = v6("::", 7);
  BOOST_REQUIRE(sockets.bind(fd, sa(local), sizeof local) == 0);
  // Router Alert, EOL, then bytes that are not options.
  stack.input(tun, udp4("192.0.2.2", "192.0.2.1", {148, 4, 0, 0, 0, 0x77, 0x88, 0x99}), clock.now());
  const auto cmsgs = receive_cmsgs(fd);
  BOOST_REQUIRE_EQUAL(cmsgs.size(), 3u);
  BOOST_TEST(cmsgs[0].type == IPV6_PKTINFO);
  BOOST_TEST(cmsgs[1].type == IP_TTL);
  BOOST_TEST(cmsgs[2].type == IP_RECVOPTS);
  BOOST_TEST(cmsgs[2].data == (std::vector<std::uint8_t>{148, 4, 0, 0, 0, 0, 0, 0}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// LINUX udp_sendmsg / udpv6_sendmsg route every call, a corked one too: a
// send that cannot be routed fails when it is made, leaves nothing pending,
// and is counted as a send without a route. The next datagram, routable,
// goes alone (the positive control).
BOOST_FIXTURE_TEST_CASE(a_corked_send_is_routed_when_it_is_made, TunWithoutGateways) {
  const int fd4 = udp();
  const auto far4 = v4("203.0.113.9", 9);
  const auto near4 = v4("192.0.2.2", 9);
  BOOST_TEST(sockets.sendto(fd4, "ab", 2, MSG_MORE, sa(far4), sizeof far4) == -ENETUNREACH);
  BOOST_TEST(stack.stats().ipv4.out_no_routes == 1u);
  BOOST_TEST(stack.drops(net::DropReason::no_route) == 1u);
  BOOST_TEST(sockets.sendto(fd4, "x", 1, 0, sa(near4), sizeof near4) == 1);
  std::vector<std::byte> keep;
  const auto ip = sent_ipv4(device, keep);
  BOOST_TEST(ip.dst() == (wire::Ipv4Address{{192, 0, 2, 2}}));
  BOOST_TEST(ip.total_len() == 20u + 8u + 1u);

  // Bound to 127.0.0.1, a corked send off the host is EINVAL at once.
  const int lo4 = udp();
  const auto local = v4("127.0.0.1", 0);
  BOOST_REQUIRE(sockets.bind(lo4, sa(local), sizeof local) == 0);
  BOOST_TEST(sockets.sendto(lo4, "ab", 2, MSG_MORE, sa(near4), sizeof near4) == -EINVAL);

  const int fd6 = udp(AF_INET6);
  const auto far6 = v6("2001:db8:1::9", 9);
  const auto near6 = v6("2001:db8::2", 9);
  const int on = 1;
  const int off = 0;
  BOOST_REQUIRE(sockets.setsockopt(fd6, SOL_UDP, UDP_CORK, &on, sizeof on) == 0);
  BOOST_TEST(sockets.sendto(fd6, "ab", 2, 0, sa(far6), sizeof far6) == -ENETUNREACH);
  BOOST_TEST(stack.stats().ipv6.out_no_routes == 1u);
  BOOST_TEST(sockets.sendto(fd6, "y", 1, 0, sa(near6), sizeof near6) == 1);
  BOOST_REQUIRE(sockets.setsockopt(fd6, SOL_UDP, UDP_CORK, &off, sizeof off) == 0);
  BOOST_TEST(stack.drops(net::DropReason::no_route) == 2u);
  BOOST_REQUIRE_EQUAL(device.sent_count(), 1u);
  const auto frame = *device.take();
  const auto ip6 = wire::Ipv6View::parse(frame);
  BOOST_REQUIRE(ip6.has_value());
  BOOST_TEST(ip6->payload_len() == 8u + 1u);
}

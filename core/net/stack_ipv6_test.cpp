// The IPv6 path's behaviour that is not a requirement line of its own:
// output checks and layout, loopback, multicast and raw-IP links, what the
// transports are handed, fragment identifications.
#include <boost/test/unit_test.hpp>
#include <cerrno>

#include "hardstack/harness/builders.hpp"
#include "hardstack/harness/hex.hpp"
#include "hardstack/harness/match.hpp"
#include "hardstack/harness/memory_link.hpp"
#include "hardstack/harness/print.hpp"
#include "hardstack/harness/virtual_clock.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using net::DropReason;

namespace {

const wire::MacAddress us_mac = mac("02:00:00:00:00:01");
const wire::MacAddress them_mac = mac("02:00:00:00:00:02");
const wire::Ipv6Address us = ip6("2001:db8::1");
const wire::Ipv6Address them = ip6("2001:db8::2");
const wire::Ipv6Address far = ip6("2001:db8:ffff::9");
const wire::Ipv6Address gateway6 = ip6("2001:db8::fe");
const wire::Ipv6Address lo6 = ip6("::1");
constexpr std::uint8_t udp_protocol = 17;

struct Recorder final : net::TransportProtocol {
  struct Item {
    net::Ipv6Delivery meta;
    std::vector<std::byte> payload;
  };
  std::vector<Item> items;
  bool refuse = false;
  net::DeliveryResult deliver_ipv4(const net::Ipv4Delivery&, wire::Bytes, net::Instant) override {
    return net::DeliveryResult::delivered;
  }
  net::DeliveryResult deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload,
                                   net::Instant) override {
    items.push_back({meta, {payload.begin(), payload.end()}});
    items.back().meta.datagram = {};
    return refuse ? net::DeliveryResult::port_unreachable : net::DeliveryResult::delivered;
  }
  void icmp_error(const net::IcmpErrorReport&, net::Instant) override {}
};

// One stack on one Ethernet (or raw IP) capture device; the neighbour `them`
// is learnt from an NS so answers go out at once.
struct Host {
  explicit Host(std::uint64_t seed = 7, net::LinkType link = net::LinkType::ethernet)
      : entropy(seed), device(make_device(link)), stack(make_stack()) {
    net::InterfaceConfig ic;
    ic.name = "eth0";
    if (link == net::LinkType::ethernet) ic.mac = us_mac;
    id = stack.add_interface(device, ic).value();
    BOOST_REQUIRE(stack.add_address(id, us, 64));
    BOOST_REQUIRE(stack.register_protocol(udp_protocol, transport));
    if (link == net::LinkType::ethernet) {
      const auto group = ip6("ff02::1:ff00:1");
      input(eth(them_mac, mac("33:33:ff:00:00:01")) / ipv6(them, group).hop_limit(255) /
            nd_ns(us).options(slla(them_mac)));
      (void)device.take_all();
    }
  }
  void input(const std::vector<std::byte>& frame) { stack.input(id, frame, clock.now()); }
  void poll() { stack.poll(clock.now()); }
  net::Ipv6SendParams to(const wire::Ipv6Address& dst) {
    net::Ipv6SendParams p;
    p.destination = dst;
    p.next_header = udp_protocol;
    return p;
  }
  Result<void, net::Errno> send(const net::Ipv6SendParams& p, const std::vector<std::byte>& payload) {
    return stack.send_ipv6(p, payload, clock.now());
  }

  VirtualClock clock;
  net::SeededEntropy entropy;
  CaptureDevice device;
  net::Stack stack;
  net::InterfaceId id{};
  Recorder transport;

 private:
  CaptureDevice make_device(net::LinkType link) {
    CaptureDeviceConfig c;
    c.link_type = link;
    return CaptureDevice::create(c, clock).value();
  }
  net::Stack make_stack() { return std::move(net::Stack::create({}, entropy).value()); }
};

// A UDP datagram with its checksum over the pseudo-header of src -> dst.
std::vector<std::byte> udp_bytes(std::size_t n, const wire::Ipv6Address& src = us,
                                 const wire::Ipv6Address& dst = them) {
  const auto whole = raw(ipv6(src, dst) / udp(1000, 2000) / payload(n, 0x5a));
  return {whole.begin() + 40, whole.end()};
}

std::uint32_t fragment_id(const std::vector<std::byte>& frame) {
  const auto ip = wire::Ipv6View::parse(wire::Bytes(frame).subspan(14)).value();
  const auto chain = wire::Ipv6ExtChain::walk(ip).value();
  return wire::Ipv6FragmentHeaderView::parse(ip.datagram(), chain.fragment_header_offset)->identification();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ipv6_output)

BOOST_AUTO_TEST_CASE(invalid_requests_refused_before_anything_is_sent) {
  Host h;
  const auto before = h.stack.stats().ipv6.out_requests;
  auto p = h.to(them);
  p.flow_label = 0x100000;
  BOOST_TEST(h.send(p, udp_bytes(8)).error() == EINVAL);
  p = h.to(them);
  p.source = far;  // not ours (LINUX IPV6_PKTINFO: EINVAL)
  BOOST_TEST(h.send(p, udp_bytes(8)).error() == EINVAL);
  p.source = ip6("ff02::1");
  BOOST_TEST(h.send(p, udp_bytes(8)).error() == EINVAL);
  // Headers checked as received ones are (V6-EXT-*); the spans must outlive the call.
  const auto past_header = hex("1100 1e0a 0000 0000");  // option past the header (V6-EXT-4)
  const auto jumbo = hex("1100 c204 0001 1170");        // no jumbograms
  const auto long_header = hex("1101 0000 0000 0000");  // Hdr Ext Len says 16 bytes
  const auto rh0 = raw(routing_type0(1, {far}));        // no source routing
  const auto padn_past = hex("1100 0108 0000 0000");    // PadN past the header
  p = h.to(them);
  for (const auto* hbh : {&past_header, &jumbo, &long_header}) {
    p.hop_by_hop = *hbh;
    BOOST_TEST(h.send(p, udp_bytes(8)).error() == EINVAL);
  }
  p = h.to(them);
  p.routing = rh0;
  BOOST_TEST(h.send(p, udp_bytes(8)).error() == EINVAL);
  p = h.to(them);
  p.destination_options = padn_past;
  BOOST_TEST(h.send(p, udp_bytes(8)).error() == EINVAL);
  BOOST_TEST(h.send(h.to(wire::Ipv6Address{}), udp_bytes(8)).error() == EINVAL);
  p = h.to(them);
  p.interface = net::InterfaceId{9};
  BOOST_TEST(h.send(p, udp_bytes(8)).error() == ENODEV);
  BOOST_TEST(h.device.take_all().empty());
  BOOST_TEST(h.stack.stats().ipv6.out_requests == before + 2u);  // the last two reached routing
}

BOOST_AUTO_TEST_CASE(no_route_is_enetunreach) {
  Host h;
  BOOST_TEST(h.send(h.to(far), udp_bytes(8)).error() == ENETUNREACH);
  BOOST_TEST(h.stack.stats().ipv6.out_no_routes == 1u);
  BOOST_TEST(h.stack.drops(DropReason::no_route) == 1u);
}

BOOST_AUTO_TEST_CASE(larger_than_ipv6_can_carry_is_emsgsize) {
  Host h;
  BOOST_TEST(h.send(h.to(them), std::vector<std::byte>(65536)).error() == EMSGSIZE);
  BOOST_TEST(h.stack.drops(DropReason::message_too_big) == 1u);
  BOOST_TEST(h.send(h.to(them), std::vector<std::byte>(65535)).has_value());  // 45 fragments
}

BOOST_AUTO_TEST_CASE(off_link_destination_resolves_the_gateway) {
  Host h;
  BOOST_REQUIRE(h.stack.set_default_gateway(gateway6));
  BOOST_TEST(h.send(h.to(far), udp_bytes(8)).has_value());
  h.poll();  // solicitations go out from poll
  const auto out = h.device.take_all();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ipv6(out[0], src(us), dst(ip6("ff02::1:ff00:fe")),
                         icmpv6(neighbor_solicitation(target(gateway6)))));
}

BOOST_AUTO_TEST_CASE(extension_headers_in_rfc_8200_order_with_next_headers_rewritten) {
  Host h;
  auto p = h.to(them);
  const auto hbh = raw(hop_by_hop(router_alert(0)).next_header(99));  // the byte is rewritten
  const auto rh = raw(routing(4, 0, std::vector<std::byte>(4)).next_header(99));
  const auto dst_opts = raw(destination_options(padn(6)).next_header(99));
  p.hop_by_hop = hbh;
  p.routing = rh;
  p.destination_options = dst_opts;
  const auto body = udp_bytes(20);
  const auto sent = h.send(p, body);
  BOOST_TEST_REQUIRE(sent.has_value(), "errno " << (sent ? 0 : sent.error()));
  const auto out = h.device.take_all();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(out[0], eth(us_mac, them_mac) / ipv6(us, them) / hop_by_hop(router_alert(0)) /
                                      routing(4, 0, std::vector<std::byte>(4)) /
                                      destination_options(padn(6)).next_header(17) / payload(body)));
}

BOOST_AUTO_TEST_CASE(destination_options_travel_in_the_first_fragment_only) {
  Host h;
  auto p = h.to(them);
  const auto rh = raw(routing(4, 0, std::vector<std::byte>(4)));
  const auto dst_opts = raw(destination_options(padn(6)));
  p.routing = rh;
  p.destination_options = dst_opts;
  BOOST_TEST(h.send(p, udp_bytes(2000)).has_value());
  const auto out = h.device.take_all();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(expect_ipv6(out[0], next_header(43), routing_header(next_header(44)),
                         fragment_header(next_header(60), fragment_offset(0), more_fragments(true))));
  BOOST_TEST(expect_ipv6(out[1], next_header(43), routing_header(next_header(44)),
                         fragment_header(next_header(60), more_fragments(false))));
  BOOST_TEST(out[0].size() <= 1514u);
}

BOOST_AUTO_TEST_CASE(fragment_identifications_come_from_entropy) {
  // RFC 7739: the same seed gives the same sequence, another seed another.
  auto first_ids = [](std::uint64_t seed) {
    Host h(seed);
    std::vector<std::uint32_t> ids;
    for (int i = 0; i < 3; ++i) {
      BOOST_REQUIRE(h.send(h.to(them), udp_bytes(2000)));
      ids.push_back(fragment_id(h.device.take_all().at(0)));
    }
    return ids;
  };
  const auto a = first_ids(1);
  BOOST_TEST(a == first_ids(1));
  BOOST_TEST(a != first_ids(2));
  BOOST_TEST(a[0] != a[1]);
  BOOST_TEST(a[1] != a[2]);
}

BOOST_AUTO_TEST_CASE(own_addresses_go_through_loopback) {
  Host h;
  BOOST_TEST(h.send(h.to(us), udp_bytes(10)).has_value());
  BOOST_TEST(h.send(h.to(lo6), udp_bytes(11)).has_value());
  BOOST_TEST(h.device.take_all().empty());
  BOOST_TEST(h.transport.items.empty());  // delivered at the next poll
  h.poll();
  BOOST_TEST_REQUIRE(h.transport.items.size() == 2u);
  BOOST_TEST(h.transport.items[0].meta.source == us);
  BOOST_TEST(h.transport.items[0].meta.destination == us);
  BOOST_TEST(h.transport.items[0].meta.interface == net::loopback_interface);
  BOOST_TEST(h.transport.items[1].meta.source == lo6);
  BOOST_TEST(h.transport.items[1].payload.size() == 19u);
}

BOOST_AUTO_TEST_CASE(multicast_goes_to_the_group_mac_with_hop_limit_1_from_link_local) {
  Host h;
  auto p = h.to(ip6("ff02::1"));
  p.interface = h.id;
  BOOST_TEST(h.send(p, udp_bytes(4, *h.stack.link_local_address(h.id), ip6("ff02::1"))).has_value());
  const auto out = h.device.take_all();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_ethernet(out[0], dst(mac("33:33:00:00:00:01"))));
  BOOST_TEST(expect_ipv6(out[0], src(*h.stack.link_local_address(h.id)), hop_limit(1)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ipv6_input)

BOOST_AUTO_TEST_CASE(transport_gets_the_header_fields_and_the_upper_layer_offset) {
  Host h;
  const auto before = h.stack.stats().ipv6.in_delivers;
  h.input(eth(them_mac, us_mac) / ipv6(them, us).hop_limit(7).traffic_class(0xb8).flow_label(0x12345) /
          hop_by_hop(router_alert(0)) / destination_options(padn(6)) / udp(1, 2) / payload("abc"));
  BOOST_TEST_REQUIRE(h.transport.items.size() == 1u);
  const auto& m = h.transport.items[0].meta;
  BOOST_TEST(m.interface == h.id);
  BOOST_TEST(m.source == them);
  BOOST_TEST(m.destination == us);
  BOOST_TEST(m.next_header == udp_protocol);
  BOOST_TEST(m.hop_limit == 7u);
  BOOST_TEST(m.traffic_class == 0xb8u);
  BOOST_TEST(m.flow_label == 0x12345u);
  BOOST_TEST(!m.to_multicast);
  BOOST_TEST(m.transport_offset == 56u);
  BOOST_TEST(h.transport.items[0].payload.size() == 11u);
  BOOST_TEST(h.stack.stats().ipv6.in_delivers == before + 1u);
}

BOOST_AUTO_TEST_CASE(port_unreachable_answered_unless_to_a_group) {
  Host h;
  h.transport.refuse = true;
  const Packet p = ipv6(them, us) / udp(1, 2) / payload("abc");
  h.input(eth(them_mac, us_mac) / p);
  const auto out = h.device.take_all();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(
      expect_frame(out[0], eth(us_mac, them_mac) / ipv6(us, them) / icmpv6_dest_unreachable(4, raw(p))));
  h.input(eth(them_mac, mac("33:33:00:00:00:01")) / ipv6(them, ip6("ff02::1")) / udp(1, 2) / payload("abc"));
  BOOST_TEST(h.device.take_all().empty());
  BOOST_TEST(h.transport.items.back().meta.to_multicast);
  BOOST_TEST(h.stack.drops(DropReason::no_transport) == 2u);
  BOOST_TEST(h.stack.stats().icmpv6.suppressed == 1u);
}

BOOST_AUTO_TEST_CASE(nested_fragments_are_not_reassembled_twice) {
  Host h;
  // Outer fragments whose reassembled data starts with a Fragment header again.
  std::vector<std::byte> inner = hex("1100 0001 00000002");  // offset 0, M, id 2, UDP
  inner.resize(8 + 1200, std::byte{1});
  const std::vector<std::byte> first(inner.begin(), inner.begin() + 608);
  const std::vector<std::byte> rest(inner.begin() + 608, inner.end());
  h.input(eth(them_mac, us_mac) / ipv6(them, us) / frag(0, true, 3).next_header(44) / payload(first));
  h.input(eth(them_mac, us_mac) / ipv6(them, us) / frag(76, false, 3).next_header(44) / payload(rest));
  BOOST_TEST(h.stack.reassembly_v6_counters().reasm_oks == 1u);
  BOOST_TEST(h.transport.items.empty());
  BOOST_TEST(h.stack.drops(DropReason::ipv6_fragment) == 1u);
}

BOOST_AUTO_TEST_CASE(raw_ip_link_answers_echo_and_solicitations_without_link_options) {
  Host h(7, net::LinkType::raw_ip);
  h.input(raw(ipv6(them, us) / icmpv6_echo_request(1, 2, "tun")));
  auto out = h.device.take_all();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(raw_ip(out[0]), ipv6(us, them) / icmpv6_echo_reply(1, 2, "tun")));
  h.input(raw(ipv6(them, us).hop_limit(255) / nd_ns(us)));
  out = h.device.take_all();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(expect_frame(raw_ip(out[0]), ipv6(us, them).hop_limit(255) / nd_na(us).solicited()));
}

BOOST_AUTO_TEST_CASE(garbage_of_every_length_is_dropped_without_answer) {
  Host h;
  std::vector<std::byte> frame = raw(eth(them_mac, us_mac).type(0x86dd));
  net::SeededEntropy noise(3);
  for (std::size_t n = 0; n < 300; ++n) {
    frame.push_back(std::byte(static_cast<std::uint8_t>(noise.next_u32())));
    if (frame.size() > 14) frame[14] = std::byte{0x60};  // version 6
    h.input(frame);
  }
  for (const auto& f : h.device.take_all()) BOOST_TEST(expect_ipv6(f));  // whatever goes out is valid
  BOOST_TEST(h.stack.total_drops() >= 250u);
}

BOOST_AUTO_TEST_SUITE_END()

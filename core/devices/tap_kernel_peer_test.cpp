// The peer half of tools/tap_selftest.sh (CTest test tap_selftest, label
// `tap`): run by that script inside its network namespace, skipped anywhere
// else. It opens a TAP and a TUN through TapDevice and plays the hosts the
// kernel pings: answers the kernel's ARP request with an ArpRepr-built reply,
// then parses the ICMP echo requests the kernel sends (core/wire, checksums
// verified) and answers them, so the script's unmodified `ping` succeeds.
#include <poll.h>

#include <array>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "../wire/arp.hpp"
#include "../wire/ethernet.hpp"
#include "../wire/icmpv4.hpp"
#include "../wire/ipv4.hpp"
#include "tap_device.hpp"

using namespace hardstack;
using namespace hardstack::devices;
namespace utf = boost::unit_test;

namespace {

const char* selftest_env(const char* name) {
  const char* value = std::getenv(name);
  BOOST_REQUIRE_MESSAGE(value != nullptr && *value != '\0', name << " is not set");
  return value;
}

boost::test_tools::assertion_result run_by_tap_selftest(utf::test_unit_id) {
  boost::test_tools::assertion_result result(std::getenv("HARDSTACK_TAP_SELFTEST") != nullptr);
  result.message() << "skipped: the peer half of tools/tap_selftest.sh (CTest test tap_selftest, label tap)";
  return result;
}

// An echo reply to `request`, from its destination: the IPv4 datagram.
std::vector<std::byte> echo_reply(const wire::Ipv4Repr& request_ip, const wire::Icmpv4EchoRequest& request) {
  const wire::Icmpv4Repr icmp{
      wire::Icmpv4EchoReply{request.identifier, request.sequence_number, request.data}};
  std::vector<std::byte> icmp_bytes(icmp.buffer_len());
  BOOST_REQUIRE(icmp.emit(icmp_bytes).has_value());
  wire::Ipv4Repr ip;
  ip.src = request_ip.dst;
  ip.dst = request_ip.src;
  ip.protocol = 1;
  ip.ttl = 64;
  ip.payload_len = static_cast<std::uint16_t>(icmp_bytes.size());
  std::vector<std::byte> datagram(ip.total_len());
  BOOST_REQUIRE(ip.emit(datagram, icmp_bytes).has_value());
  return datagram;
}

// The echo request inside an IPv4 datagram addressed to `to`, checksums verified.
struct EchoRequestSeen {
  wire::Ipv4Repr ip;
  std::uint16_t identifier = 0;
  std::uint16_t sequence_number = 0;
  wire::Bytes data;  // in the caller's buffer
};
std::optional<EchoRequestSeen> echo_request_to(wire::Bytes datagram, wire::Ipv4Address to) {
  const auto view = wire::Ipv4View::parse(datagram);
  if (!view || view->dst() != to || view->protocol() != 1) return std::nullopt;
  const auto ip = wire::Ipv4Repr::parse(*view);
  const auto icmp_view = wire::Icmpv4View::parse(view->payload());
  BOOST_REQUIRE_MESSAGE(ip.has_value() && icmp_view.has_value(), "the kernel's ICMP datagram does not parse");
  const auto icmp = wire::Icmpv4Repr::parse(*icmp_view);
  BOOST_REQUIRE(icmp.has_value());
  const auto* echo = std::get_if<wire::Icmpv4EchoRequest>(&icmp->message);
  if (echo == nullptr) return std::nullopt;
  return EchoRequestSeen{*ip, echo->identifier, echo->sequence_number, echo->data};
}

}  // namespace

// Env (set by tools/tap_selftest.sh, which runs this inside its namespace):
// HARDSTACK_TAP_SELFTEST_{TAP,TUN} interface names, _MAC our MAC on the TAP,
// _NEIGHBOUR the IPv4 address we answer ARP and ping for on the TAP,
// _TUN_PEER the same on the TUN, _MTU the TAP MTU the script sets.
BOOST_AUTO_TEST_CASE(kernel_answers_arp_then_pings_over_tap_and_tun,
                     *utf::precondition(run_by_tap_selftest)) {
  const std::string tap_name = selftest_env("HARDSTACK_TAP_SELFTEST_TAP");
  const std::string tun_name = selftest_env("HARDSTACK_TAP_SELFTEST_TUN");
  const auto our_mac = wire::MacAddress::from_string(selftest_env("HARDSTACK_TAP_SELFTEST_MAC"));
  const auto neighbour = wire::Ipv4Address::from_string(selftest_env("HARDSTACK_TAP_SELFTEST_NEIGHBOUR"));
  const auto tun_peer = wire::Ipv4Address::from_string(selftest_env("HARDSTACK_TAP_SELFTEST_TUN_PEER"));
  const std::size_t expected_mtu = std::stoul(selftest_env("HARDSTACK_TAP_SELFTEST_MTU"));
  BOOST_REQUIRE(our_mac && neighbour && tun_peer);

  auto tap = TapDevice::open({.name = tap_name});
  BOOST_REQUIRE_MESSAGE(tap.has_value(), (tap ? "" : tap.error().message));
  auto tun = TapDevice::open({.name = tun_name, .mode = TunMode::tun});
  BOOST_REQUIRE_MESSAGE(tun.has_value(), (tun ? "" : tun.error().message));
  BOOST_TEST_MESSAGE("peer: " << tap->name() << " and " << tun->name() << " open");

  int arp_replies = 0;
  int ignored = 0;
  bool tap_echo_answered = false;
  bool tun_echo_answered = false;
  std::array<std::byte, 2048> buffer{};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!(tap_echo_answered && tun_echo_answered) && std::chrono::steady_clock::now() < deadline) {
    std::array<pollfd, 2> fds{{{tap->fd(), POLLIN, 0}, {tun->fd(), POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;

    while (const auto n = tap->receive(buffer)) {
      BOOST_REQUIRE(*n <= buffer.size());
      const wire::Bytes frame(buffer.data(), *n);
      const auto eth_view = wire::EthernetView::parse(frame);
      BOOST_REQUIRE_MESSAGE(eth_view.has_value(), "the kernel sent a frame that does not parse");
      const wire::EthernetRepr eth = wire::EthernetRepr::parse(*eth_view);
      if (eth.ethertype == wire::EtherType::arp) {
        const auto arp_view = wire::ArpView::parse(eth_view->payload());
        BOOST_REQUIRE(arp_view.has_value());
        const auto arp = wire::ArpRepr::parse(*arp_view);
        BOOST_REQUIRE(arp.has_value());
        if (arp->operation != wire::ArpOperation::request || arp->target_protocol_address != *neighbour) {
          ++ignored;
          continue;
        }
        BOOST_TEST_MESSAGE("peer: ARP who-has " << neighbour->to_string() << " tell "
                                                << arp->sender_protocol_address.to_string());
        BOOST_TEST((eth.destination == wire::MacAddress::broadcast() || eth.destination == *our_mac));
        const wire::ArpRepr reply{wire::ArpOperation::reply, *our_mac, *neighbour,
                                  arp->sender_hardware_address, arp->sender_protocol_address};
        std::array<std::byte, wire::ArpRepr::packet_len()> arp_bytes{};
        BOOST_REQUIRE(reply.emit(arp_bytes).has_value());
        std::array<std::byte, 64> out{};
        const auto len =
            wire::EthernetRepr{arp->sender_hardware_address, *our_mac, wire::EtherType::arp, {}}.emit(
                out, arp_bytes);
        BOOST_REQUIRE(len.has_value());
        BOOST_TEST(tap->transmit(wire::Bytes(out.data(), *len)));
        ++arp_replies;
      } else if (eth.ethertype == wire::EtherType::ipv4 && eth.destination == *our_mac) {
        const auto echo = echo_request_to(eth_view->payload(), *neighbour);
        if (!echo) {
          ++ignored;
          continue;
        }
        BOOST_TEST_MESSAGE("peer: TAP echo request id " << echo->identifier << " seq "
                                                        << echo->sequence_number);
        BOOST_TEST(echo->data.size() == 56u);  // ping's default -s 56
        BOOST_TEST(arp_replies >= 1);          // the kernel learnt our MAC from our reply
        const std::vector<std::byte> reply =
            echo_reply(echo->ip, {echo->identifier, echo->sequence_number, echo->data});
        std::vector<std::byte> out(wire::ethernet_field::header_len + reply.size());
        BOOST_REQUIRE((wire::EthernetRepr{eth.source, *our_mac, wire::EtherType::ipv4, {}}
                           .emit(out, reply)
                           .has_value()));
        BOOST_TEST(tap->transmit(out));
        tap_echo_answered = true;
      } else {
        ++ignored;  // IPv6 router solicitations, MLD reports, ...
      }
    }

    while (const auto n = tun->receive(buffer)) {
      BOOST_REQUIRE(*n <= buffer.size());
      const wire::Bytes datagram(buffer.data(), *n);
      const auto echo = echo_request_to(datagram, *tun_peer);
      if (!echo) {
        ++ignored;
        continue;
      }
      BOOST_TEST_MESSAGE("peer: TUN echo request id " << echo->identifier << " seq "
                                                      << echo->sequence_number);
      BOOST_TEST(echo->data.size() == 56u);
      const std::vector<std::byte> reply =
          echo_reply(echo->ip, {echo->identifier, echo->sequence_number, echo->data});
      BOOST_TEST(tun->transmit(reply));
      tun_echo_answered = true;
    }
  }
  BOOST_TEST_MESSAGE("peer: " << arp_replies << " ARP replies sent, " << ignored << " other frames ignored");
  BOOST_TEST(arp_replies >= 1);
  BOOST_TEST(tap_echo_answered);
  BOOST_TEST(tun_echo_answered);
  // The script changed the TAP's MTU after we opened it.
  const auto mtu = tap->refresh_mtu();
  BOOST_REQUIRE(mtu.has_value());
  BOOST_TEST(*mtu == expected_mtu);
  BOOST_TEST(tap->stats().tx_errors == 0u);
  BOOST_TEST(tun->stats().tx_errors == 0u);
}

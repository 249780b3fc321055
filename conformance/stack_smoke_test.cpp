// The fixture itself: the stack comes up on the link, learns the peer and
// answers ARP. (The per-ID suites are ipv4_test.cpp, ipv6_test.cpp, ...)
#include "stack_fixture.hpp"

#include "hardstack/harness/match.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::conformance;

namespace {
wire::MacAddress other_mac() { return {{0x02, 0, 0, 0, 0, 0x09}}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(STACK)

BOOST_FIXTURE_TEST_CASE(arp_request_for_our_address_is_answered, StackFixture) {
  inject(eth(other_mac(), wire::MacAddress::broadcast()) /
         arp_request(other_mac(), wire::Ipv4Address{{192, 0, 2, 9}}, our4));
  const auto out = sent();
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  BOOST_TEST(expect_frame(out[0], eth(our_mac, other_mac()) / arp_reply(our_mac, our4, other_mac(),
                                                                        wire::Ipv4Address{{192, 0, 2, 9}})));
  BOOST_TEST(stack.arp_entry(eth0, wire::Ipv4Address{{192, 0, 2, 9}}).has_value());
}

BOOST_FIXTURE_TEST_CASE(arp_request_for_another_address_is_dropped, StackFixture) {
  inject(eth(peer_mac, wire::MacAddress::broadcast()) / arp_request(peer_mac, peer4, other4));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(net::DropReason::arp_not_for_us) == 1u);
  BOOST_TEST(stack.last_drop() == net::DropReason::arp_not_for_us);
}

BOOST_FIXTURE_TEST_CASE(frame_for_another_mac_is_dropped, StackFixture) {
  inject(eth(peer_mac, other_mac()) / arp_request(peer_mac, peer4, our4));
  BOOST_TEST(sent().empty());
  BOOST_TEST(stack.drops(net::DropReason::frame_not_for_us) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

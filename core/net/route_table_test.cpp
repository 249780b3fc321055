#include "route_table.hpp"

#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>

using namespace hardstack;
using namespace hardstack::net;
using wire::Ipv4Address;
using wire::Ipv6Address;

namespace hardstack::net {
std::ostream& operator<<(std::ostream& os, RouteError e) { return os << to_string(e); }
std::ostream& operator<<(std::ostream& os, InterfaceId i) { return os << "if" << static_cast<unsigned>(i); }
}  // namespace hardstack::net

namespace {

Ipv4Address v4(const char* s) { return Ipv4Address::from_string(s).value(); }
Ipv6Address v6(const char* s) { return Ipv6Address::from_string(s).value(); }

constexpr InterfaceId eth0{1};
constexpr InterfaceId eth1{2};
constexpr InterfaceId lo{0};

RouteTable table(std::size_t max_routes = 256) { return RouteTable::create({max_routes}).value(); }

template <typename T>
RouteError error_of(const Result<T, RouteError>& r) {
  BOOST_REQUIRE(!r.has_value());
  return r.error();
}

}  // namespace

BOOST_AUTO_TEST_CASE(config_max_routes_out_of_range_is_rejected) {
  BOOST_TEST(error_of(RouteTable::create({0})) == RouteError::max_routes_out_of_range);
  BOOST_TEST(error_of(RouteTable::create({65537})) == RouteError::max_routes_out_of_range);
  BOOST_TEST(RouteTable::create({65536}).has_value());
  BOOST_TEST(RouteTable::create().has_value());
}

BOOST_AUTO_TEST_CASE(connected_route_next_hop_is_the_destination) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  const auto hop = t.lookup(v4("192.0.2.77"));
  BOOST_REQUIRE(hop.has_value());
  BOOST_TEST((*hop == NextHop<Ipv4Address>{eth0, v4("192.0.2.77"), v4("192.0.2.10"), false}));
  BOOST_TEST(!t.lookup(v4("192.0.3.1")).has_value());  // no default route: unreachable
  BOOST_REQUIRE(t.routes_v4().size() == 1u);
  BOOST_TEST((t.routes_v4()[0].prefix == v4("192.0.2.0")));  // host bits cleared
  BOOST_TEST(t.routes_v4()[0].prefix_length == 24);
  BOOST_TEST(!t.routes_v4()[0].gateway.has_value());
}

BOOST_AUTO_TEST_CASE(default_gateway_is_the_slash_0_route_and_catches_everything_else) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_REQUIRE(t.set_default_gateway(v4("192.0.2.1")).has_value());
  BOOST_TEST(
      (*t.lookup(v4("198.51.100.7")) == NextHop<Ipv4Address>{eth0, v4("192.0.2.1"), v4("192.0.2.10"), true}));
  BOOST_TEST(
      (*t.lookup(v4("0.0.0.0")) == NextHop<Ipv4Address>{eth0, v4("192.0.2.1"), v4("192.0.2.10"), true}));
  BOOST_TEST((*t.lookup(v4("255.255.255.255")) ==
              NextHop<Ipv4Address>{eth0, v4("192.0.2.1"), v4("192.0.2.10"), true}));
  // On-link destinations still go direct: /24 beats /0.
  BOOST_TEST(!t.lookup(v4("192.0.2.1"))->via_gateway);
  BOOST_TEST((t.lookup(v4("192.0.2.1"))->neighbor == v4("192.0.2.1")));
}

BOOST_AUTO_TEST_CASE(set_default_gateway_replaces_and_keeps_the_old_one_on_error) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_REQUIRE(t.add_connected(eth1, v4("198.51.100.10"), 24).has_value());
  BOOST_REQUIRE(t.set_default_gateway(v4("192.0.2.1")).has_value());
  BOOST_REQUIRE(t.set_default_gateway(v4("198.51.100.1")).has_value());
  BOOST_TEST(t.routes_v4().size() == 3u);
  BOOST_TEST((*t.lookup(v4("8.8.8.8")) ==
              NextHop<Ipv4Address>{eth1, v4("198.51.100.1"), v4("198.51.100.10"), true}));
  BOOST_TEST(error_of(t.set_default_gateway(v4("203.0.113.1"))) == RouteError::gateway_not_on_link);
  BOOST_TEST((t.lookup(v4("8.8.8.8"))->neighbor == v4("198.51.100.1")));
  BOOST_TEST(error_of(t.add_gateway(v4("0.0.0.0"), 0, v4("192.0.2.1"))) == RouteError::duplicate_route);
  BOOST_REQUIRE(t.remove_gateway(v4("0.0.0.0"), 0).has_value());
  BOOST_TEST(!t.lookup(v4("8.8.8.8")).has_value());
  BOOST_TEST(error_of(t.remove_gateway(v4("0.0.0.0"), 0)) == RouteError::no_such_route);
}

BOOST_AUTO_TEST_CASE(longest_prefix_wins_whatever_the_insertion_order) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v4("10.1.2.3"), 24).has_value());
  BOOST_REQUIRE(t.add_connected(eth1, v4("172.16.0.1"), 16).has_value());
  BOOST_REQUIRE(t.set_default_gateway(v4("172.16.0.254")).has_value());
  BOOST_REQUIRE(t.add_gateway(v4("10.0.0.0"), 8, v4("172.16.0.8")).has_value());
  BOOST_REQUIRE(t.add_gateway(v4("10.1.0.0"), 16, v4("172.16.0.16")).has_value());
  BOOST_REQUIRE(t.add_gateway(v4("10.1.2.128"), 25, v4("10.1.2.1")).has_value());
  BOOST_TEST((t.lookup(v4("10.9.9.9"))->neighbor == v4("172.16.0.8")));    // /8
  BOOST_TEST((t.lookup(v4("10.1.9.9"))->neighbor == v4("172.16.0.16")));   // /16
  BOOST_TEST((t.lookup(v4("10.1.2.127"))->neighbor == v4("10.1.2.127")));  // /24 connected
  BOOST_TEST((t.lookup(v4("10.1.2.128"))->neighbor == v4("10.1.2.1")));    // /25
  BOOST_TEST((t.lookup(v4("10.1.2.128"))->interface == eth0));
  BOOST_TEST((t.lookup(v4("11.0.0.1"))->neighbor == v4("172.16.0.254")));  // /0
  // Sorted longest first.
  std::uint8_t previous = 32;
  for (const auto& r : t.routes_v4()) {
    BOOST_TEST(r.prefix_length <= previous);
    previous = r.prefix_length;
  }
}

BOOST_AUTO_TEST_CASE(slash_32_and_slash_128_match_one_address_only) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_REQUIRE(t.add_gateway(v4("203.0.113.5"), 32, v4("192.0.2.5")).has_value());
  BOOST_TEST((t.lookup(v4("203.0.113.5"))->neighbor == v4("192.0.2.5")));
  BOOST_TEST(!t.lookup(v4("203.0.113.4")).has_value());
  BOOST_TEST(!t.lookup(v4("203.0.113.6")).has_value());
  BOOST_REQUIRE(t.add_connected(eth1, v4("100.64.0.1"), 32).has_value());  // point-to-point style
  BOOST_TEST((t.lookup(v4("100.64.0.1"))->interface == eth1));
  BOOST_TEST(!t.lookup(v4("100.64.0.2")).has_value());

  BOOST_REQUIRE(t.add_connected(eth0, v6("2001:db8::10"), 64).has_value());
  BOOST_REQUIRE(t.add_gateway(v6("2001:db8:ffff::1"), 128, v6("2001:db8::1")).has_value());
  BOOST_TEST((t.lookup(v6("2001:db8:ffff::1"))->neighbor == v6("2001:db8::1")));
  BOOST_TEST(!t.lookup(v6("2001:db8:ffff::2")).has_value());
  BOOST_TEST(!t.lookup(v6("2001:db8:ffff::")).has_value());
  BOOST_REQUIRE(t.add_connected(eth1, v6("2001:db8:1::1"), 128).has_value());
  BOOST_TEST((t.lookup(v6("2001:db8:1::1"))->interface == eth1));
  BOOST_TEST(!t.lookup(v6("2001:db8:1::2")).has_value());
}

BOOST_AUTO_TEST_CASE(ipv6_prefixes_not_on_byte_boundaries) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v6("2001:db8::10"), 64).has_value());
  BOOST_REQUIRE(t.add_gateway(v6("2001:db8:0:80::"), 57, v6("2001:db8::57")).has_value());
  BOOST_REQUIRE(t.add_gateway(v6("2001:db8:1::"), 63, v6("2001:db8::63")).has_value());
  BOOST_REQUIRE(t.add_gateway(v6("2001:db8:1:0:8000::"), 65, v6("2001:db8::65")).has_value());
  BOOST_TEST((t.lookup(v6("2001:db8:0:80::1"))->neighbor == v6("2001:db8::57")));
  BOOST_TEST((t.lookup(v6("2001:db8:0:ff::1"))->neighbor == v6("2001:db8::57")));
  BOOST_TEST(!t.lookup(v6("2001:db8:0:7f::1")).has_value());
  BOOST_TEST(!t.lookup(v6("2001:db8:0:100::1")).has_value());
  BOOST_TEST((t.lookup(v6("2001:db8:1:1::1"))->neighbor == v6("2001:db8::63")));
  BOOST_TEST(!t.lookup(v6("2001:db8:1:2::1")).has_value());
  BOOST_TEST((t.lookup(v6("2001:db8:1:0:8000::1"))->neighbor == v6("2001:db8::65")));
  BOOST_TEST((t.lookup(v6("2001:db8:1:0:7fff::1"))->neighbor == v6("2001:db8::63")));
  BOOST_TEST(error_of(t.add_gateway(v6("2001:db8:1:0:4000::"), 65, v6("2001:db8::65"))) ==
             RouteError::host_bits_set);
}

BOOST_AUTO_TEST_CASE(ties_go_to_the_route_added_first_like_linux) {
  RouteTable t = table();
  // The same prefix on two interfaces (Linux appends the connected route).
  BOOST_REQUIRE(t.add_connected(eth1, v4("192.0.2.20"), 24).has_value());
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_TEST(
      (*t.lookup(v4("192.0.2.99")) == NextHop<Ipv4Address>{eth1, v4("192.0.2.99"), v4("192.0.2.20"), false}));
  // Restricted to one interface (bound socket, scope id): that one's route.
  BOOST_TEST((*t.lookup(v4("192.0.2.99"), eth0) ==
              NextHop<Ipv4Address>{eth0, v4("192.0.2.99"), v4("192.0.2.10"), false}));
  BOOST_TEST(!t.lookup(v4("192.0.2.99"), lo).has_value());
  // A gateway on that prefix: on the first interface unless one is named.
  BOOST_REQUIRE(t.add_gateway(v4("10.0.0.0"), 8, v4("192.0.2.1")).has_value());
  BOOST_TEST((t.lookup(v4("10.0.0.1"))->interface == eth1));
  BOOST_REQUIRE(t.add_gateway(v4("10.0.0.0"), 16, v4("192.0.2.1"), eth0).has_value());
  BOOST_TEST(
      (*t.lookup(v4("10.0.0.1")) == NextHop<Ipv4Address>{eth0, v4("192.0.2.1"), v4("192.0.2.10"), true}));
}

BOOST_AUTO_TEST_CASE(ipv6_link_local_gateway_on_a_named_interface) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v6("fe80::1"), 64).has_value());
  BOOST_REQUIRE(t.add_connected(eth1, v6("fe80::2"), 64).has_value());
  BOOST_REQUIRE(t.add_connected(eth1, v6("2001:db8::2"), 64).has_value());
  BOOST_REQUIRE(t.set_default_gateway(v6("fe80::ff"), eth1).has_value());
  BOOST_TEST(
      (*t.lookup(v6("2001:db8:5::1")) == NextHop<Ipv6Address>{eth1, v6("fe80::ff"), v6("fe80::2"), true}));
  BOOST_TEST((t.lookup(v6("fe80::77"), eth1)->interface == eth1));
  BOOST_TEST((t.lookup(v6("fe80::77"))->interface == eth0));  // first added
  BOOST_TEST(error_of(t.set_default_gateway(v6("fe80::ff"), lo)) == RouteError::gateway_not_on_link);
}

BOOST_AUTO_TEST_CASE(prefix_length_beyond_the_address_is_rejected) {
  RouteTable t = table();
  BOOST_TEST(error_of(t.add_connected(eth0, v4("192.0.2.1"), 33)) == RouteError::prefix_length_too_long);
  BOOST_TEST(error_of(t.add_connected(eth0, v6("2001:db8::1"), 129)) == RouteError::prefix_length_too_long);
  BOOST_TEST(error_of(t.add_connected(eth0, v6("2001:db8::1"), 255)) == RouteError::prefix_length_too_long);
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_TEST(error_of(t.add_gateway(v4("10.0.0.0"), 33, v4("192.0.2.1"))) ==
             RouteError::prefix_length_too_long);
  BOOST_TEST(error_of(t.remove_gateway(v4("10.0.0.0"), 33)) == RouteError::prefix_length_too_long);
  BOOST_TEST(error_of(t.remove_connected(eth0, v4("192.0.2.10"), 40)) == RouteError::prefix_length_too_long);
  BOOST_TEST(t.routes_v4().size() == 1u);
  BOOST_TEST(t.routes_v6().empty());
}

BOOST_AUTO_TEST_CASE(gateway_prefix_with_host_bits_is_rejected) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_TEST(error_of(t.add_gateway(v4("10.0.0.1"), 8, v4("192.0.2.1"))) == RouteError::host_bits_set);
  BOOST_TEST(error_of(t.add_gateway(v4("10.0.0.0"), 0, v4("192.0.2.1"))) == RouteError::host_bits_set);
  BOOST_TEST(error_of(t.remove_gateway(v4("10.0.0.1"), 8)) == RouteError::host_bits_set);
  BOOST_TEST(t.add_gateway(v4("10.0.0.1"), 32, v4("192.0.2.1")).has_value());
}

BOOST_AUTO_TEST_CASE(addresses_and_gateways_must_be_unicast) {
  RouteTable t = table();
  for (const char* bad : {"0.0.0.0", "224.0.0.1", "239.255.255.255", "255.255.255.255"})
    BOOST_TEST(error_of(t.add_connected(eth0, v4(bad), 24)) == RouteError::address_not_unicast, bad);
  for (const char* bad : {"::", "ff02::1"})
    BOOST_TEST(error_of(t.add_connected(eth0, v6(bad), 64)) == RouteError::address_not_unicast, bad);
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_REQUIRE(t.add_connected(eth0, v6("2001:db8::10"), 64).has_value());
  for (const char* bad : {"0.0.0.0", "224.0.0.1", "255.255.255.255"})
    BOOST_TEST(error_of(t.set_default_gateway(v4(bad))) == RouteError::gateway_not_unicast, bad);
  for (const char* bad : {"::", "ff02::2"})
    BOOST_TEST(error_of(t.set_default_gateway(v6(bad))) == RouteError::gateway_not_unicast, bad);
}

BOOST_AUTO_TEST_CASE(gateway_must_be_on_link_and_not_ours) {
  RouteTable t = table();
  BOOST_TEST(error_of(t.set_default_gateway(v4("192.0.2.1"))) ==
             RouteError::gateway_not_on_link);  // no routes yet
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_TEST(error_of(t.set_default_gateway(v4("192.0.3.1"))) == RouteError::gateway_not_on_link);
  BOOST_TEST(error_of(t.set_default_gateway(v4("192.0.2.1"), eth1)) == RouteError::gateway_not_on_link);
  BOOST_TEST(error_of(t.set_default_gateway(v4("192.0.2.10"))) == RouteError::gateway_is_local);
  BOOST_TEST(error_of(t.add_gateway(v4("10.0.0.0"), 8, v4("192.0.2.10"))) == RouteError::gateway_is_local);
  // Reachable only through another gateway is not on-link either.
  BOOST_REQUIRE(t.add_gateway(v4("10.0.0.0"), 8, v4("192.0.2.1")).has_value());
  BOOST_TEST(error_of(t.add_gateway(v4("172.16.0.0"), 12, v4("10.0.0.1"))) ==
             RouteError::gateway_not_on_link);
  BOOST_TEST(t.routes_v4().size() == 2u);
}

BOOST_AUTO_TEST_CASE(duplicate_routes_are_rejected) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_TEST(error_of(t.add_connected(eth0, v4("192.0.2.10"), 24)) == RouteError::duplicate_route);
  BOOST_TEST(error_of(t.add_connected(eth0, v4("192.0.2.11"), 24)) ==
             RouteError::duplicate_route);                              // same prefix
  BOOST_TEST(t.add_connected(eth0, v4("192.0.2.11"), 25).has_value());  // another length: another route
  BOOST_TEST(error_of(t.add_gateway(v4("192.0.2.0"), 24, v4("192.0.2.1"))) == RouteError::duplicate_route);
  BOOST_REQUIRE(t.add_gateway(v4("10.0.0.0"), 8, v4("192.0.2.1")).has_value());
  BOOST_TEST(error_of(t.add_gateway(v4("10.0.0.0"), 8, v4("192.0.2.2"))) == RouteError::duplicate_route);
  BOOST_TEST(error_of(t.add_connected(eth1, v4("10.0.0.1"), 8)) == RouteError::duplicate_route);
  // A connected /0 leaves no room for a default gateway.
  RouteTable u = table();
  BOOST_REQUIRE(u.add_connected(eth0, v6("2001:db8::1"), 0).has_value());
  BOOST_TEST(error_of(u.set_default_gateway(v6("2001:db8::2"))) == RouteError::duplicate_route);
}

BOOST_AUTO_TEST_CASE(table_full_is_rejected_per_family) {
  RouteTable t = table(2);
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_REQUIRE(t.add_gateway(v4("10.0.0.0"), 8, v4("192.0.2.1")).has_value());
  BOOST_TEST(error_of(t.add_gateway(v4("11.0.0.0"), 8, v4("192.0.2.1"))) == RouteError::table_full);
  BOOST_TEST(error_of(t.set_default_gateway(v4("192.0.2.1"))) == RouteError::table_full);
  BOOST_TEST(error_of(t.add_connected(eth1, v4("198.51.100.1"), 24)) == RouteError::table_full);
  BOOST_TEST(t.add_connected(eth0, v6("2001:db8::1"), 64).has_value());  // IPv6 has its own room
}

BOOST_AUTO_TEST_CASE(removing_a_connected_route_removes_the_gateways_through_it) {
  RouteTable t = table();
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_REQUIRE(t.add_connected(eth0, v4("192.0.2.200"), 25).has_value());
  BOOST_REQUIRE(t.add_connected(eth1, v4("198.51.100.10"), 24).has_value());
  BOOST_REQUIRE(t.set_default_gateway(v4("192.0.2.1")).has_value());
  BOOST_REQUIRE(t.add_gateway(v4("10.0.0.0"), 8, v4("192.0.2.129")).has_value());  // on the /25 first
  BOOST_REQUIRE(t.add_gateway(v4("11.0.0.0"), 8, v4("198.51.100.1")).has_value());
  BOOST_TEST((t.lookup(v4("10.0.0.1"))->source == v4("192.0.2.200")));
  BOOST_TEST(error_of(t.remove_connected(eth0, v4("192.0.2.11"), 24)) == RouteError::no_such_route);
  BOOST_TEST(error_of(t.remove_connected(eth1, v4("192.0.2.10"), 24)) == RouteError::no_such_route);
  // Removing the /25: 10/8's gateway is still on the /24, source re-derived.
  BOOST_REQUIRE(t.remove_connected(eth0, v4("192.0.2.200"), 25).has_value());
  BOOST_TEST(
      (*t.lookup(v4("10.0.0.1")) == NextHop<Ipv4Address>{eth0, v4("192.0.2.129"), v4("192.0.2.10"), true}));
  // Removing the /24: the default route and 10/8 go with it, 11/8 stays.
  BOOST_REQUIRE(t.remove_connected(eth0, v4("192.0.2.10"), 24).has_value());
  BOOST_TEST(!t.lookup(v4("10.0.0.1")).has_value());
  BOOST_TEST(!t.lookup(v4("8.8.8.8")).has_value());
  BOOST_TEST((t.lookup(v4("11.0.0.1"))->neighbor == v4("198.51.100.1")));
  BOOST_TEST(t.routes_v4().size() == 2u);
}

BOOST_AUTO_TEST_CASE(route_errors_have_messages) {
  for (int e = 0; e <= static_cast<int>(RouteError::max_routes_out_of_range); ++e)
    BOOST_TEST(std::string(to_string(static_cast<RouteError>(e))).size() > 5u);
}

// The routing table: IPv4 and IPv6 routes of one stack, longest-prefix match.
//
// Routes are of two kinds:
//   connected  a prefix on an interface, made from an interface address and
//              its prefix length (Linux's "proto kernel scope link" route):
//              destinations in it are on-link, the next hop is the
//              destination itself
//   gateway    a prefix reached through a neighbour router on a connected
//              network; the default gateway is the gateway route 0.0.0.0/0 or
//              ::/0, one per family (set_default_gateway replaces it)
// lookup(destination) picks the route with the longest matching prefix; of
// equal lengths the one added first (Linux: first in the alias list at equal
// metric). It returns the interface, the neighbour to resolve (gateway or
// destination) and a source address (the interface address the route comes
// from, as Linux's prefsrc).
//
// Rejected at configuration time, with a RouteError:
//   prefix length above 32 / 128                         prefix_length_too_long
//   a gateway route prefix with host bits set (Linux:
//     "Invalid prefix for given prefix length")          host_bits_set
//   an interface address that is not unicast             address_not_unicast
//   a gateway not unicast                                gateway_not_unicast
//   a gateway on no connected network (of the interface
//     given, if one is)                                  gateway_not_on_link
//   a gateway that is one of our addresses               gateway_is_local
//   the same prefix and length again (Linux EEXIST); only two connected
//     routes of the same prefix on different interfaces
//     may coexist                                        duplicate_route
//   more than max_routes routes in a family              table_full
// Removing a connected route also removes the gateway routes that depended on
// it (their gateway is no longer on-link there).
//
// A sorted vector per family (longest prefix first, stable): small and fast
// for the tens of routes a host has; lookup is one linear scan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hardstack/wire/address.hpp"
#include "hardstack/wire/result.hpp"

namespace hardstack::net {

enum class InterfaceId : std::uint16_t {};

enum class RouteError : std::uint8_t {
  prefix_length_too_long,
  host_bits_set,
  address_not_unicast,
  gateway_not_unicast,
  gateway_not_on_link,
  gateway_is_local,
  duplicate_route,
  table_full,
  no_such_route,
  max_routes_out_of_range,  // RouteTableConfig::max_routes not in [1, 65536]
};
const char* to_string(RouteError);

template <typename Address>
struct Route {
  Address prefix{};  // host bits zero
  std::uint8_t prefix_length = 0;
  InterfaceId interface {};
  std::optional<Address> gateway;  // empty: connected
  Address source{};                // the interface address behind the route
  bool operator==(const Route&) const = default;
};

template <typename Address>
struct NextHop {
  InterfaceId interface {};
  Address neighbor{};  // what the neighbour cache resolves: the gateway, or the destination
  Address source{};
  bool via_gateway = false;
  bool operator==(const NextHop&) const = default;
};

struct RouteTableConfig {
  std::size_t max_routes = 256;  // per family
};

namespace detail {

template <typename Address>
class RouteList {
 public:
  explicit RouteList(std::size_t max_routes) : max_routes_(max_routes) { routes_.reserve(max_routes); }

  Result<void, RouteError> add_connected(InterfaceId interface, const Address& address, std::uint8_t length);
  Result<void, RouteError> remove_connected(InterfaceId interface, const Address& address,
                                            std::uint8_t length);
  Result<void, RouteError> add_gateway(const Address& prefix, std::uint8_t length, const Address& gateway,
                                       std::optional<InterfaceId> interface);
  Result<void, RouteError> set_default_gateway(const Address& gateway, std::optional<InterfaceId> interface);
  Result<void, RouteError> remove_gateway(const Address& prefix, std::uint8_t length);
  std::optional<NextHop<Address>> lookup(const Address& destination,
                                         std::optional<InterfaceId> interface) const;
  std::span<const Route<Address>> routes() const { return routes_; }

 private:
  Result<Route<Address>, RouteError> make_gateway_route(const Address& prefix, std::uint8_t length,
                                                        const Address& gateway,
                                                        std::optional<InterfaceId> interface) const;
  void insert(const Route<Address>& route);

  std::size_t max_routes_;
  std::vector<Route<Address>> routes_;  // longest prefix first; equal lengths in insertion order
};

}  // namespace detail

class RouteTable {
 public:
  static Result<RouteTable, RouteError> create(const RouteTableConfig& config = {});

  Result<void, RouteError> add_connected(InterfaceId interface, const wire::Ipv4Address& address,
                                         std::uint8_t prefix_length) {
    return v4_.add_connected(interface, address, prefix_length);
  }
  Result<void, RouteError> add_connected(InterfaceId interface, const wire::Ipv6Address& address,
                                         std::uint8_t prefix_length) {
    return v6_.add_connected(interface, address, prefix_length);
  }
  Result<void, RouteError> remove_connected(InterfaceId interface, const wire::Ipv4Address& address,
                                            std::uint8_t prefix_length) {
    return v4_.remove_connected(interface, address, prefix_length);
  }
  Result<void, RouteError> remove_connected(InterfaceId interface, const wire::Ipv6Address& address,
                                            std::uint8_t prefix_length) {
    return v6_.remove_connected(interface, address, prefix_length);
  }
  // A route to prefix/prefix_length through `gateway`, on `interface` when
  // given (an IPv6 link-local gateway is on every interface: name one).
  Result<void, RouteError> add_gateway(const wire::Ipv4Address& prefix, std::uint8_t prefix_length,
                                       const wire::Ipv4Address& gateway,
                                       std::optional<InterfaceId> interface = {}) {
    return v4_.add_gateway(prefix, prefix_length, gateway, interface);
  }
  Result<void, RouteError> add_gateway(const wire::Ipv6Address& prefix, std::uint8_t prefix_length,
                                       const wire::Ipv6Address& gateway,
                                       std::optional<InterfaceId> interface = {}) {
    return v6_.add_gateway(prefix, prefix_length, gateway, interface);
  }
  Result<void, RouteError> remove_gateway(const wire::Ipv4Address& prefix, std::uint8_t prefix_length) {
    return v4_.remove_gateway(prefix, prefix_length);
  }
  Result<void, RouteError> remove_gateway(const wire::Ipv6Address& prefix, std::uint8_t prefix_length) {
    return v6_.remove_gateway(prefix, prefix_length);
  }
  // Sets or replaces the family's default route; on error the old one stays.
  Result<void, RouteError> set_default_gateway(const wire::Ipv4Address& gateway,
                                               std::optional<InterfaceId> interface = {}) {
    return v4_.set_default_gateway(gateway, interface);
  }
  Result<void, RouteError> set_default_gateway(const wire::Ipv6Address& gateway,
                                               std::optional<InterfaceId> interface = {}) {
    return v6_.set_default_gateway(gateway, interface);
  }

  // `interface`: only routes on it (a socket bound to a device, an IPv6 scope id).
  std::optional<NextHop<wire::Ipv4Address>> lookup(const wire::Ipv4Address& destination,
                                                   std::optional<InterfaceId> interface = {}) const {
    return v4_.lookup(destination, interface);
  }
  std::optional<NextHop<wire::Ipv6Address>> lookup(const wire::Ipv6Address& destination,
                                                   std::optional<InterfaceId> interface = {}) const {
    return v6_.lookup(destination, interface);
  }

  std::span<const Route<wire::Ipv4Address>> routes_v4() const { return v4_.routes(); }
  std::span<const Route<wire::Ipv6Address>> routes_v6() const { return v6_.routes(); }

 private:
  explicit RouteTable(const RouteTableConfig& config) : v4_(config.max_routes), v6_(config.max_routes) {}

  detail::RouteList<wire::Ipv4Address> v4_;
  detail::RouteList<wire::Ipv6Address> v6_;
};

extern template class detail::RouteList<wire::Ipv4Address>;
extern template class detail::RouteList<wire::Ipv6Address>;

}  // namespace hardstack::net

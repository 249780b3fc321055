#include "route_table.hpp"

namespace hardstack::net {

namespace {

bool is_unicast(const wire::Ipv4Address& a) {
  return !a.is_unspecified() && !a.is_multicast() && !a.is_broadcast();
}
bool is_unicast(const wire::Ipv6Address& a) { return !a.is_unspecified() && !a.is_multicast(); }

template <typename Address>
constexpr std::size_t address_bits = sizeof(Address{}.octets) * 8;

// The first `length` bits of `a`, the rest zero.
template <typename Address>
Address masked(const Address& a, std::uint8_t length) {
  Address out{};
  const std::size_t full = length / 8;
  for (std::size_t i = 0; i < full; ++i) out.octets[i] = a.octets[i];
  if (const unsigned rest = length % 8; rest != 0)
    out.octets[full] = static_cast<std::uint8_t>(a.octets[full] & (0xff00u >> rest));
  return out;
}

// Byte by byte with an early exit (IPv6): most routes differ in the first byte.
template <typename Address>
bool in_prefix(const Route<Address>& r, const Address& a) {
  const std::size_t full = r.prefix_length / 8;
  for (std::size_t i = 0; i < full; ++i)
    if (a.octets[i] != r.prefix.octets[i]) return false;
  const unsigned rest = r.prefix_length % 8;
  return rest == 0 || (a.octets[full] & (0xff00u >> rest)) == r.prefix.octets[full];
}

// IPv4 as one word under the prefix's mask (this runs on every datagram sent).
bool in_prefix(const Route<wire::Ipv4Address>& r, const wire::Ipv4Address& a) {
  const std::uint32_t mask = r.prefix_length == 0 ? 0 : ~std::uint32_t{0} << (32 - r.prefix_length);
  return ((a.to_u32() ^ r.prefix.to_u32()) & mask) == 0;
}

}  // namespace

const char* to_string(RouteError e) {
  switch (e) {
    case RouteError::prefix_length_too_long: return "prefix length longer than the address (32 / 128)";
    case RouteError::host_bits_set: return "prefix has bits set beyond its length";
    case RouteError::address_not_unicast: return "interface address is not unicast";
    case RouteError::gateway_not_unicast: return "gateway is not a unicast address";
    case RouteError::gateway_not_on_link: return "gateway is on no connected network";
    case RouteError::gateway_is_local: return "gateway is one of our own addresses";
    case RouteError::duplicate_route: return "a route to this prefix exists already";
    case RouteError::table_full: return "routing table full";
    case RouteError::no_such_route: return "no such route";
    case RouteError::max_routes_out_of_range: return "max_routes must be in [1, 65536]";
  }
  return "?";
}

Result<RouteTable, RouteError> RouteTable::create(const RouteTableConfig& config) {
  if (config.max_routes == 0 || config.max_routes > 65536)
    return Unexpected(RouteError::max_routes_out_of_range);
  return RouteTable(config);
}

namespace detail {

template <typename Address>
void RouteList<Address>::insert(const Route<Address>& route) {
  // After every route at least as long: longest first, ties in insertion order.
  auto it = routes_.begin();
  while (it != routes_.end() && it->prefix_length >= route.prefix_length) ++it;
  routes_.insert(it, route);
}

template <typename Address>
Result<void, RouteError> RouteList<Address>::add_connected(InterfaceId interface, const Address& address,
                                                           std::uint8_t length) {
  if (length > address_bits<Address>) return Unexpected(RouteError::prefix_length_too_long);
  if (!is_unicast(address)) return Unexpected(RouteError::address_not_unicast);
  const Address prefix = masked(address, length);
  for (const auto& r : routes_) {
    // Linux appends connected routes of one prefix on several interfaces;
    // anything else to the same prefix is EEXIST.
    if (r.prefix == prefix && r.prefix_length == length && (r.gateway || r.interface == interface))
      return Unexpected(RouteError::duplicate_route);
  }
  if (routes_.size() >= max_routes_) return Unexpected(RouteError::table_full);
  insert(Route<Address>{prefix, length, interface, std::nullopt, address});
  return {};
}

template <typename Address>
Result<Route<Address>, RouteError> RouteList<Address>::make_gateway_route(
    const Address& prefix, std::uint8_t length, const Address& gateway,
    std::optional<InterfaceId> interface) const {
  if (length > address_bits<Address>) return Unexpected(RouteError::prefix_length_too_long);
  if (masked(prefix, length) != prefix) return Unexpected(RouteError::host_bits_set);
  if (!is_unicast(gateway)) return Unexpected(RouteError::gateway_not_unicast);
  for (const auto& r : routes_)
    if (!r.gateway && r.source == gateway) return Unexpected(RouteError::gateway_is_local);
  // The gateway must be on-link: the longest connected route holding it.
  for (const auto& r : routes_) {
    if (r.gateway || (interface && r.interface != *interface) || !in_prefix(r, gateway)) continue;
    return Route<Address>{prefix, length, r.interface, gateway, r.source};
  }
  return Unexpected(RouteError::gateway_not_on_link);
}

template <typename Address>
Result<void, RouteError> RouteList<Address>::add_gateway(const Address& prefix, std::uint8_t length,
                                                         const Address& gateway,
                                                         std::optional<InterfaceId> interface) {
  auto route = make_gateway_route(prefix, length, gateway, interface);
  if (!route) return Unexpected(route.error());
  for (const auto& r : routes_)
    if (r.prefix == prefix && r.prefix_length == length) return Unexpected(RouteError::duplicate_route);
  if (routes_.size() >= max_routes_) return Unexpected(RouteError::table_full);
  insert(*route);
  return {};
}

template <typename Address>
Result<void, RouteError> RouteList<Address>::set_default_gateway(const Address& gateway,
                                                                 std::optional<InterfaceId> interface) {
  auto route = make_gateway_route(Address{}, 0, gateway, interface);
  if (!route) return Unexpected(route.error());
  for (auto& r : routes_) {
    if (r.prefix_length != 0) continue;
    if (!r.gateway) return Unexpected(RouteError::duplicate_route);  // a connected /0
    r = *route;                                                      // replaced in place
    return {};
  }
  if (routes_.size() >= max_routes_) return Unexpected(RouteError::table_full);
  insert(*route);
  return {};
}

template <typename Address>
Result<void, RouteError> RouteList<Address>::remove_gateway(const Address& prefix, std::uint8_t length) {
  if (length > address_bits<Address>) return Unexpected(RouteError::prefix_length_too_long);
  if (masked(prefix, length) != prefix) return Unexpected(RouteError::host_bits_set);
  for (auto it = routes_.begin(); it != routes_.end(); ++it) {
    if (it->gateway && it->prefix == prefix && it->prefix_length == length) {
      routes_.erase(it);
      return {};
    }
  }
  return Unexpected(RouteError::no_such_route);
}

template <typename Address>
Result<void, RouteError> RouteList<Address>::remove_connected(InterfaceId interface, const Address& address,
                                                              std::uint8_t length) {
  if (length > address_bits<Address>) return Unexpected(RouteError::prefix_length_too_long);
  const Address prefix = masked(address, length);
  auto it = routes_.begin();
  for (; it != routes_.end(); ++it)
    if (!it->gateway && it->interface == interface && it->prefix == prefix && it->prefix_length == length &&
        it->source == address)
      break;
  if (it == routes_.end()) return Unexpected(RouteError::no_such_route);
  routes_.erase(it);
  // Gateway routes through it: kept if their gateway is still on-link on
  // their interface (source re-derived), removed otherwise.
  for (std::size_t i = 0; i < routes_.size();) {
    Route<Address>& r = routes_[i];
    if (r.gateway) {
      auto again = make_gateway_route(r.prefix, r.prefix_length, *r.gateway, r.interface);
      if (!again) {
        routes_.erase(routes_.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      r.source = again->source;
    }
    ++i;
  }
  return {};
}

template <typename Address>
std::optional<NextHop<Address>> RouteList<Address>::lookup(const Address& destination,
                                                           std::optional<InterfaceId> interface) const {
  for (const auto& r : routes_) {
    if (interface && r.interface != *interface) continue;
    if (!in_prefix(r, destination)) continue;
    if (r.gateway) return NextHop<Address>{r.interface, *r.gateway, r.source, true};
    return NextHop<Address>{r.interface, destination, r.source, false};
  }
  return std::nullopt;
}

template class RouteList<wire::Ipv4Address>;
template class RouteList<wire::Ipv6Address>;

}  // namespace detail

}  // namespace hardstack::net

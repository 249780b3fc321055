#include "address.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

namespace hardstack::wire {

namespace {

// inet_pton wants a NUL-terminated string: copy into a stack buffer (no
// allocation); anything longer than the longest valid form is not an address.
template <typename Address>
std::optional<Address> parse_inet(int family, std::string_view s) {
  std::array<char, INET6_ADDRSTRLEN + 1> buf{};
  if (s.size() >= buf.size()) return std::nullopt;
  std::memcpy(buf.data(), s.data(), s.size());
  Address a;
  if (inet_pton(family, buf.data(), a.octets.data()) != 1) return std::nullopt;
  return a;
}

AddressText format_inet(int family, const void* octets) {
  AddressText t;
  if (inet_ntop(family, octets, t.chars.data(), t.chars.size()) != nullptr)
    t.size = std::strlen(t.chars.data());
  return t;
}

}  // namespace

AddressText MacAddress::text() const {
  AddressText t;
  const int n = std::snprintf(t.chars.data(), t.chars.size(), "%02x:%02x:%02x:%02x:%02x:%02x", octets[0],
                              octets[1], octets[2], octets[3], octets[4], octets[5]);
  t.size = n > 0 ? static_cast<std::size_t>(n) : 0;
  return t;
}

std::optional<MacAddress> MacAddress::from_string(std::string_view s) {
  MacAddress m;
  if (s.size() != 17) return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 6; ++i) {
    const int hi = hex(s[i * 3]);
    const int lo = hex(s[i * 3 + 1]);
    if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':')) return std::nullopt;
    m.octets[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return m;
}

AddressText Ipv4Address::text() const { return format_inet(AF_INET, octets.data()); }

std::optional<Ipv4Address> Ipv4Address::from_string(std::string_view s) {
  return parse_inet<Ipv4Address>(AF_INET, s);
}

AddressText Ipv6Address::text() const { return format_inet(AF_INET6, octets.data()); }

std::optional<Ipv6Address> Ipv6Address::from_string(std::string_view s) {
  return parse_inet<Ipv6Address>(AF_INET6, s);
}

}  // namespace hardstack::wire

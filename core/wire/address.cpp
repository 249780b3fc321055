#include "address.hpp"

#include <arpa/inet.h>

#include <cstdio>

namespace hardstack::wire {

std::string MacAddress::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", octets[0], octets[1], octets[2], octets[3],
                octets[4], octets[5]);
  return buf;
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

std::string Ipv4Address::to_string() const {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, octets.data(), buf, sizeof buf);
  return buf;
}

std::optional<Ipv4Address> Ipv4Address::from_string(std::string_view s) {
  const std::string text(s);
  Ipv4Address a;
  if (inet_pton(AF_INET, text.c_str(), a.octets.data()) != 1) return std::nullopt;
  return a;
}

std::string Ipv6Address::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, octets.data(), buf, sizeof buf);
  return buf;
}

std::optional<Ipv6Address> Ipv6Address::from_string(std::string_view s) {
  const std::string text(s);
  Ipv6Address a;
  if (inet_pton(AF_INET6, text.c_str(), a.octets.data()) != 1) return std::nullopt;
  return a;
}

}  // namespace hardstack::wire

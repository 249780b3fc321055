// Link and network addresses as plain values.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "bytes.hpp"

namespace hardstack::wire {

// An address's text form in a fixed buffer: formatting never allocates, so
// it can sit on per-packet paths (logs, fuzz invariants). 46 bytes hold any
// IPv6 text form (INET6_ADDRSTRLEN).
struct AddressText {
  std::array<char, 46> chars{};
  std::size_t size = 0;
  std::string_view view() const { return {chars.data(), size}; }
  std::string str() const { return std::string(view()); }
};

struct MacAddress {
  std::array<std::uint8_t, 6> octets{};

  static constexpr MacAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  static constexpr MacAddress load(Bytes b, std::size_t at) {
    MacAddress m;
    if (std::is_constant_evaluated()) {
      for (std::size_t i = 0; i < 6; ++i) m.octets[i] = load_u8(b, at + i);
    } else {
      std::memcpy(m.octets.data(), b.data() + at, m.octets.size());
    }
    return m;
  }
  constexpr void store(MutableBytes b, std::size_t at) const {
    if (std::is_constant_evaluated()) {
      for (std::size_t i = 0; i < 6; ++i) store_u8(b, at + i, octets[i]);
    } else {
      std::memcpy(b.data() + at, octets.data(), octets.size());
    }
  }
  constexpr bool is_broadcast() const { return *this == broadcast(); }
  constexpr bool is_multicast() const { return (octets[0] & 0x01) != 0; }
  constexpr bool operator==(const MacAddress&) const = default;
  AddressText text() const;  // "02:00:00:00:00:01"
  std::string to_string() const { return text().str(); }
  static std::optional<MacAddress> from_string(std::string_view);
};

struct Ipv4Address {
  std::array<std::uint8_t, 4> octets{};

  // The octets as one word in network order, byte-swapped on a little-endian machine.
  static constexpr Ipv4Address from_u32(std::uint32_t v) {
    return {std::bit_cast<std::array<std::uint8_t, 4>>(swap_be32(v))};
  }
  constexpr std::uint32_t to_u32() const { return swap_be32(std::bit_cast<std::uint32_t>(octets)); }
  static constexpr Ipv4Address load(Bytes b, std::size_t at) { return from_u32(load_be32(b, at)); }
  constexpr void store(MutableBytes b, std::size_t at) const { store_be32(b, at, to_u32()); }
  constexpr bool is_unspecified() const { return to_u32() == 0; }
  constexpr bool is_broadcast() const { return to_u32() == 0xffffffffu; }
  constexpr bool is_multicast() const { return (octets[0] & 0xf0) == 0xe0; }
  constexpr bool is_loopback() const { return octets[0] == 127; }
  // As one word: a defaulted comparison of the array becomes a call to
  // memcmp with g++ 12, on every route and address lookup.
  constexpr bool operator==(const Ipv4Address& other) const {
    return std::bit_cast<std::uint32_t>(octets) == std::bit_cast<std::uint32_t>(other.octets);
  }
  AddressText text() const;
  std::string to_string() const { return text().str(); }
  static std::optional<Ipv4Address> from_string(std::string_view);
};

struct Ipv6Address {
  std::array<std::uint8_t, 16> octets{};

  // One 16-byte copy at run time (see bytes.hpp).
  static constexpr Ipv6Address load(Bytes b, std::size_t at) {
    Ipv6Address a;
    if (std::is_constant_evaluated()) {
      for (std::size_t i = 0; i < 16; ++i) a.octets[i] = load_u8(b, at + i);
    } else {
      std::memcpy(a.octets.data(), b.data() + at, a.octets.size());
    }
    return a;
  }
  constexpr void store(MutableBytes b, std::size_t at) const {
    if (std::is_constant_evaluated()) {
      for (std::size_t i = 0; i < 16; ++i) store_u8(b, at + i, octets[i]);
    } else {
      std::memcpy(b.data() + at, octets.data(), octets.size());
    }
  }
  constexpr bool is_unspecified() const { return *this == Ipv6Address{}; }
  constexpr bool is_multicast() const { return octets[0] == 0xff; }
  constexpr bool is_loopback() const {
    for (std::size_t i = 0; i < 15; ++i)
      if (octets[i] != 0) return false;
    return octets[15] == 1;
  }
  // As two words (see Ipv4Address::operator==).
  constexpr bool operator==(const Ipv6Address& other) const {
    using Words = std::array<std::uint64_t, 2>;
    const auto a = std::bit_cast<Words>(octets);
    const auto b = std::bit_cast<Words>(other.octets);
    return a[0] == b[0] && a[1] == b[1];
  }
  AddressText text() const;  // RFC 5952 text form
  std::string to_string() const { return text().str(); }
  static std::optional<Ipv6Address> from_string(std::string_view);
};

}  // namespace hardstack::wire

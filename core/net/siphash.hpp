// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash for tables whose
// keys come off the wire (reassembly queues, neighbour and socket tables).
// With a secret key drawn from Entropy an attacker cannot choose keys that
// collide, so chains stay short whatever they send.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "modular.hpp"

namespace hardstack::net {

struct SipHashKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

namespace detail {
HARDSTACK_MODULAR_ARITHMETIC constexpr std::uint64_t sip_rotl(std::uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}
struct SipState {
  std::uint64_t v0, v1, v2, v3;
  HARDSTACK_MODULAR_ARITHMETIC constexpr void round() {
    v0 += v1;
    v1 = sip_rotl(v1, 13);
    v1 ^= v0;
    v0 = sip_rotl(v0, 32);
    v2 += v3;
    v3 = sip_rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = sip_rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = sip_rotl(v1, 17);
    v1 ^= v2;
    v2 = sip_rotl(v2, 32);
  }
  // Little-endian word at p: written out, not looped, so that instrumented
  // builds (fuzzers trace every comparison) stay fast.
  static constexpr std::uint64_t load_le64(const std::byte* p) {
    return static_cast<std::uint64_t>(p[0]) | static_cast<std::uint64_t>(p[1]) << 8 |
           static_cast<std::uint64_t>(p[2]) << 16 | static_cast<std::uint64_t>(p[3]) << 24 |
           static_cast<std::uint64_t>(p[4]) << 32 | static_cast<std::uint64_t>(p[5]) << 40 |
           static_cast<std::uint64_t>(p[6]) << 48 | static_cast<std::uint64_t>(p[7]) << 56;
  }
  constexpr void absorb(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};
}  // namespace detail

// The 64-bit SipHash-2-4 of `data`; words are read little-endian, as the
// reference implementation does, so the published test vectors apply. With
// a fixed-size span (a table key) the loops unroll completely.
template <std::size_t Extent = std::dynamic_extent>
constexpr std::uint64_t siphash24(const SipHashKey& key, std::span<const std::byte, Extent> data) {
  detail::SipState s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
                     key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull};
  const std::size_t whole = data.size() - data.size() % 8;
  for (std::size_t i = 0; i < whole; i += 8) s.absorb(detail::SipState::load_le64(data.data() + i));
  // Last word: the remaining bytes, and the length's low byte on top.
  std::array<std::byte, 8> tail{};
  std::copy(data.begin() + static_cast<std::ptrdiff_t>(whole), data.end(), tail.begin());
  tail[7] = static_cast<std::byte>(data.size() & 0xff);
  s.absorb(detail::SipState::load_le64(tail.data()));
  s.v2 ^= 0xff;
  s.round();
  s.round();
  s.round();
  s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace hardstack::net

// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash for tables whose
// keys come off the wire (reassembly queues, neighbour and socket tables).
// With a secret key drawn from Entropy an attacker cannot choose keys that
// collide, so chains stay short whatever they send.
#pragma once

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
  constexpr void absorb(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};
}  // namespace detail

// The 64-bit SipHash-2-4 of `data`; words are read little-endian, as the
// reference implementation does, so the published test vectors apply.
constexpr std::uint64_t siphash24(const SipHashKey& key, std::span<const std::byte> data) {
  detail::SipState s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
                     key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull};
  const std::size_t whole = data.size() - data.size() % 8;
  for (std::size_t i = 0; i < whole; i += 8) {
    std::uint64_t m = 0;
    for (std::size_t j = 0; j < 8; ++j) m |= static_cast<std::uint64_t>(data[i + j]) << (8 * j);
    s.absorb(m);
  }
  // Last word: the remaining bytes, and the length's low byte on top.
  std::uint64_t last = static_cast<std::uint64_t>(data.size() & 0xff) << 56;
  for (std::size_t j = 0; whole + j < data.size(); ++j)
    last |= static_cast<std::uint64_t>(data[whole + j]) << (8 * j);
  s.absorb(last);
  s.v2 ^= 0xff;
  for (int r = 0; r < 4; ++r) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace hardstack::net

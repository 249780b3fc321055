#include "entropy.hpp"

#include <cstring>

#include "modular.hpp"

namespace hardstack::net {

namespace {
// The generators below are defined on arithmetic modulo 2^64.
HARDSTACK_MODULAR_ARITHMETIC std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
HARDSTACK_MODULAR_ARITHMETIC constexpr std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

std::uint32_t Entropy::next_u32() {
  std::uint32_t v = 0;
  fill(std::as_writable_bytes(std::span(&v, 1)));
  return v;
}

std::uint64_t Entropy::next_u64() {
  std::uint64_t v = 0;
  fill(std::as_writable_bytes(std::span(&v, 1)));
  return v;
}

std::uint32_t Entropy::uniform(std::uint32_t bound) {
  if (bound == 0) return 0;
  // Lemire's multiply-shift with rejection of the biased low range.
  std::uint64_t m = std::uint64_t{next_u32()} * bound;
  auto low = static_cast<std::uint32_t>(m & 0xffffffffu);
  if (low < bound) {
    const std::uint32_t threshold = static_cast<std::uint32_t>(0x100000000ull % bound);
    while (low < threshold) {
      m = std::uint64_t{next_u32()} * bound;
      low = static_cast<std::uint32_t>(m & 0xffffffffu);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

SeededEntropy::SeededEntropy(std::uint64_t seed) {
  for (auto& s : state_) s = splitmix64(seed);
}

HARDSTACK_MODULAR_ARITHMETIC std::uint64_t SeededEntropy::next() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

void SeededEntropy::fill(std::span<std::byte> out) {
  std::size_t i = 0;
  while (i < out.size()) {
    const std::uint64_t v = next();
    const std::size_t n = out.size() - i < 8 ? out.size() - i : 8;
    std::memcpy(out.data() + i, &v, n);
    i += n;
  }
}

}  // namespace hardstack::net

#include "sha256.hpp"

#include <cstring>

#include "hex.hpp"

namespace hardstack::harness {

namespace {

// FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
// roots of the first 64 primes.
constexpr std::uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// FIPS 180-4 5.3.3: the initial hash value.
constexpr std::array<std::uint32_t, 8> initial_state = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr std::uint32_t rotr(std::uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

std::uint32_t load_be32(const std::byte* p) {
  return (std::to_integer<std::uint32_t>(p[0]) << 24) | (std::to_integer<std::uint32_t>(p[1]) << 16) |
         (std::to_integer<std::uint32_t>(p[2]) << 8) | std::to_integer<std::uint32_t>(p[3]);
}

}  // namespace

Sha256::Sha256() : state_(initial_state) {}

// FIPS 180-4 6.2.2: one 512-bit block. The additions wrap modulo 2^32 by
// definition, so they are done in 64 bits and masked (no unsigned overflow
// for the intwrap preset to flag).
void Sha256::compress(const std::byte* block) {
  constexpr std::uint64_t mask = 0xffffffffu;
  const auto add = [](auto... v) { return static_cast<std::uint32_t>((std::uint64_t{0} + ... + v) & mask); };
  std::uint32_t w[64];
  for (std::size_t t = 0; t < 16; ++t) w[t] = load_be32(block + 4 * t);
  for (std::size_t t = 16; t < 64; ++t) {
    const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = add(std::uint64_t{w[t - 16]}, std::uint64_t{s0}, std::uint64_t{w[t - 7]}, std::uint64_t{s1});
  }
  std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (std::size_t t = 0; t < 64; ++t) {
    const std::uint32_t big_s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const std::uint32_t ch = (e & f) ^ (~e & g);
    const std::uint32_t t1 = add(std::uint64_t{h}, std::uint64_t{big_s1}, std::uint64_t{ch},
                                 std::uint64_t{round_constants[t]}, std::uint64_t{w[t]});
    const std::uint32_t big_s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const std::uint32_t t2 = add(std::uint64_t{big_s0}, std::uint64_t{maj});
    h = g;
    g = f;
    f = e;
    e = add(std::uint64_t{d}, std::uint64_t{t1});
    d = c;
    c = b;
    b = a;
    a = add(std::uint64_t{t1}, std::uint64_t{t2});
  }
  const std::uint32_t out[8] = {a, b, c, d, e, f, g, h};
  for (std::size_t i = 0; i < 8; ++i) state_[i] = add(std::uint64_t{state_[i]}, std::uint64_t{out[i]});
}

void Sha256::update(std::span<const std::byte> data) {
  total_bytes_ += data.size();
  std::size_t at = 0;
  if (block_used_ > 0) {
    const std::size_t take = std::min(data.size(), block_.size() - block_used_);
    std::memcpy(block_.data() + block_used_, data.data(), take);
    block_used_ += take;
    at = take;
    if (block_used_ < block_.size()) return;
    compress(block_.data());
    block_used_ = 0;
  }
  for (; data.size() - at >= 64; at += 64) compress(data.data() + at);
  std::memcpy(block_.data(), data.data() + at, data.size() - at);
  block_used_ = data.size() - at;
}

// FIPS 180-4 5.1.1: a 1 bit, zeros to 56 bytes mod 64, the length in bits.
Sha256::Digest Sha256::finish() {
  const std::uint64_t bits = total_bytes_ * 8;
  block_[block_used_++] = std::byte{0x80};
  if (block_used_ > 56) {
    std::memset(block_.data() + block_used_, 0, 64 - block_used_);
    compress(block_.data());
    block_used_ = 0;
  }
  std::memset(block_.data() + block_used_, 0, 56 - block_used_);
  for (std::size_t i = 0; i < 8; ++i) block_[56 + i] = static_cast<std::byte>((bits >> (56 - 8 * i)) & 0xff);
  compress(block_.data());
  Digest d{};
  for (std::size_t i = 0; i < 8; ++i)
    for (std::size_t j = 0; j < 4; ++j)
      d[4 * i + j] = static_cast<std::byte>((state_[i] >> (24 - 8 * j)) & 0xff);
  *this = Sha256();
  return d;
}

std::string Sha256::finish_hex() {
  const Digest d = finish();
  return to_hex(d);
}

}  // namespace hardstack::harness

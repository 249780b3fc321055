// Randomness, injected. ISNs, ephemeral ports, IPv4/IPv6 identifications and
// timer jitter come from an Entropy the host provides: SeededEntropy in tests
// and fuzzers (same seed, same bytes), SystemEntropy (core/devices) in real use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace hardstack::net {

class Entropy {
 public:
  virtual ~Entropy() = default;
  virtual void fill(std::span<std::byte> out) = 0;

  std::uint32_t next_u32();
  std::uint64_t next_u64();
  // Uniform in [0, bound), without modulo bias; bound 0 gives 0.
  std::uint32_t uniform(std::uint32_t bound);
};

// Deterministic: xoshiro256** seeded through splitmix64. For tests and
// fuzzers only: its output is predictable by design.
class SeededEntropy final : public Entropy {
 public:
  explicit SeededEntropy(std::uint64_t seed);
  void fill(std::span<std::byte> out) override;

 private:
  std::uint64_t next();
  std::uint64_t state_[4];
};

}  // namespace hardstack::net

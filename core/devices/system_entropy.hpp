// Randomness for real use: the kernel's CSPRNG through getrandom(2) (blocks
// only until the kernel pool is first initialised, early at boot). ISNs,
// ephemeral ports and fragment identifications drawn from it are
// unpredictable to an off-path attacker.
//
// It never falls back to something predictable: if the kernel cannot give
// bytes (no getrandom, a seccomp filter, any error but EINTR) fill() prints
// why to stderr and aborts. Interrupted calls and short reads are retried.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <span>

#include "../net/entropy.hpp"

namespace hardstack::devices {

class SystemEntropy final : public net::Entropy {
 public:
  // getrandom(2)'s shape: fills up to `length` bytes, returns how many, or
  // -1 with errno set.
  using Source = ssize_t (*)(void* buffer, std::size_t length, unsigned int flags);

  SystemEntropy();  // getrandom(2)
  // For tests: a stand-in with getrandom's contract (short reads, EINTR, errors).
  explicit SystemEntropy(Source source) : source_(source) {}

  void fill(std::span<std::byte> out) override;

 private:
  Source source_;
};

}  // namespace hardstack::devices

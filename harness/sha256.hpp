// SHA-256 (FIPS 180-4), incremental, for comparing transferred data with
// what sha256sum says at the other end (examples/tap_server's discard service,
// tools/tap_server_test.sh). Not for anything secret: no effort against
// side channels.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace hardstack::harness {

class Sha256 {
 public:
  using Digest = std::array<std::byte, 32>;

  Sha256();
  void update(std::span<const std::byte> data);
  // The digest of everything updated so far; the object starts over afterwards.
  Digest finish();
  // finish() as 64 lowercase hex digits, as sha256sum prints it.
  std::string finish_hex();

 private:
  void compress(const std::byte* block);

  std::array<std::uint32_t, 8> state_{};
  std::array<std::byte, 64> block_{};
  std::size_t block_used_ = 0;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace hardstack::harness

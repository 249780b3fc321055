// Big-endian field access over byte spans. Every multi-byte wire field goes
// through these helpers: no casts onto packed structs. At run time a field
// is copied with memcpy into a local (one load or store, which the
// sanitizers check as one access of the field's size); in constant
// evaluation, a byte at a time.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace hardstack::wire {

using Bytes = std::span<const std::byte>;
using MutableBytes = std::span<std::byte>;

constexpr std::uint8_t load_u8(Bytes b, std::size_t at) { return static_cast<std::uint8_t>(b[at]); }
// Network byte order to the machine's and back (its own inverse); the
// compilers turn these into one byte-swap instruction.
constexpr std::uint16_t swap_be16(std::uint16_t v) {
  if constexpr (std::endian::native == std::endian::big) return v;
  return static_cast<std::uint16_t>((v >> 8) | (v << 8));
}
constexpr std::uint32_t swap_be32(std::uint32_t v) {
  if constexpr (std::endian::native == std::endian::big) return v;
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}
constexpr std::uint16_t load_be16(Bytes b, std::size_t at) {
  if (std::is_constant_evaluated())
    return static_cast<std::uint16_t>((static_cast<unsigned>(b[at]) << 8) | static_cast<unsigned>(b[at + 1]));
  std::uint16_t v = 0;
  std::memcpy(&v, b.data() + at, sizeof v);
  return swap_be16(v);
}
constexpr std::uint32_t load_be32(Bytes b, std::size_t at) {
  if (std::is_constant_evaluated())
    return (static_cast<std::uint32_t>(b[at]) << 24) | (static_cast<std::uint32_t>(b[at + 1]) << 16) |
           (static_cast<std::uint32_t>(b[at + 2]) << 8) | static_cast<std::uint32_t>(b[at + 3]);
  std::uint32_t v = 0;
  std::memcpy(&v, b.data() + at, sizeof v);
  return swap_be32(v);
}
constexpr void store_u8(MutableBytes b, std::size_t at, std::uint8_t v) { b[at] = static_cast<std::byte>(v); }
constexpr void store_be16(MutableBytes b, std::size_t at, std::uint16_t v) {
  if (std::is_constant_evaluated()) {
    b[at] = static_cast<std::byte>(v >> 8);
    b[at + 1] = static_cast<std::byte>(v & 0xff);
    return;
  }
  const std::uint16_t w = swap_be16(v);
  std::memcpy(b.data() + at, &w, sizeof w);
}
constexpr void store_be32(MutableBytes b, std::size_t at, std::uint32_t v) {
  if (std::is_constant_evaluated()) {
    b[at] = static_cast<std::byte>(v >> 24);
    b[at + 1] = static_cast<std::byte>((v >> 16) & 0xff);
    b[at + 2] = static_cast<std::byte>((v >> 8) & 0xff);
    b[at + 3] = static_cast<std::byte>(v & 0xff);
    return;
  }
  const std::uint32_t w = swap_be32(v);
  std::memcpy(b.data() + at, &w, sizeof w);
}

// A half-open byte range [begin, end) naming where a field sits in a header;
// the per-protocol `field` namespaces are built from these.
struct Field {
  std::size_t begin;
  std::size_t end;
  constexpr std::size_t size() const { return end - begin; }
};

// Copies `src` into `dst` at `at`; the caller has checked the sizes.
constexpr void copy_into(MutableBytes dst, std::size_t at, Bytes src) {
  if (std::is_constant_evaluated()) {
    for (std::size_t i = 0; i < src.size(); ++i) dst[at + i] = src[i];
  } else if (!src.empty()) {
    std::memcpy(dst.data() + at, src.data(), src.size());
  }
}

template <std::size_t N>
constexpr std::array<std::byte, N> load_array(Bytes b, std::size_t at) {
  std::array<std::byte, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = b[at + i];
  return out;
}

}  // namespace hardstack::wire

// The Internet checksum (RFC 1071), the IPv4/IPv6 pseudo-headers for UDP, TCP
// and ICMPv6, and incremental update (RFC 1624). constexpr throughout, so the
// RFC examples are checked at compile time (see checksum_test.cpp).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "address.hpp"
#include "bytes.hpp"

namespace hardstack::wire {

// A running one's-complement sum. 32-bit big-endian words go into a 64-bit
// accumulator (2^16 = 1 modulo 0xffff, so summing 32-bit words and folding
// gives the RFC 1071 16-bit sum); it cannot overflow below 2^32 words.
class ChecksumAccumulator {
 public:
  constexpr ChecksumAccumulator& add(Bytes data) {
    std::size_t i = 0;
    // An odd byte left by the previous call pairs with this call's first byte.
    if (odd_ && !data.empty()) {
      sum_ += static_cast<std::uint16_t>(pending_ << 8 | load_u8(data, 0));
      odd_ = false;
      i = 1;
    }
    if (std::is_constant_evaluated()) {
      for (; data.size() - i >= 4; i += 4) sum_ += load_be32(data, i);
    } else {
      i += add_words(data.subspan(i));
    }
    if (data.size() - i >= 2) {
      sum_ += load_be16(data, i);
      i += 2;
    }
    if (i < data.size()) {
      pending_ = load_u8(data, i);
      odd_ = true;
    }
    return *this;
  }
  constexpr ChecksumAccumulator& add_u16(std::uint16_t v) {
    sum_ += v;
    return *this;
  }
  constexpr ChecksumAccumulator& add_u32(std::uint32_t v) {
    sum_ += v;
    return *this;
  }
  // The folded one's-complement sum (not yet complemented).
  constexpr std::uint16_t sum() const {
    std::uint64_t s = sum_;
    if (odd_) s += static_cast<std::uint64_t>(pending_) << 8;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(s);
  }
  // The value to put in a checksum field.
  constexpr std::uint16_t checksum() const { return static_cast<std::uint16_t>(~sum() & 0xffff); }

 private:
  // The bulk of add() at run time: every whole 32-bit word of `data`, read in
  // the machine's byte order (RFC 1071 2(B): the one's-complement sum does not
  // depend on byte order, so a little-endian sum is the big-endian one with its
  // bytes swapped once at the end). Loaded 8 bytes at a time, two words per
  // load (half the loads to check under AddressSanitizer); a loop the compiler
  // vectorises. Returns the bytes consumed (a multiple of 4).
  std::size_t add_words(Bytes data) {
    const std::size_t words = data.size() / 4;
    const std::byte* p = data.data();
    std::uint64_t native = 0;  // below 2^31 loads per call (16 GiB): no overflow
    std::size_t w = 0;
    for (; words - w >= 2; w += 2) {
      std::uint64_t v;
      std::memcpy(&v, p + 4 * w, sizeof v);
      native += (v & 0xffffffffu) + (v >> 32);
    }
    if (w < words) {
      std::uint32_t v;
      std::memcpy(&v, p + 4 * w, sizeof v);
      native += v;
    }
    while (native >> 16) native = (native & 0xffff) + (native >> 16);
    if constexpr (std::endian::native == std::endian::little) native = ((native & 0xff) << 8) | (native >> 8);
    sum_ += native;
    return words * 4;
  }

  std::uint64_t sum_ = 0;
  std::uint8_t pending_ = 0;
  bool odd_ = false;
};

constexpr std::uint16_t internet_checksum(Bytes data) { return ChecksumAccumulator{}.add(data).checksum(); }

// A buffer whose checksum field is filled in verifies when its sum is 0xffff.
constexpr bool checksum_verifies(const ChecksumAccumulator& acc) { return acc.sum() == 0xffff; }

// RFC 768 / RFC 793 pseudo-header: src, dst, zero, protocol, upper-layer length.
constexpr ChecksumAccumulator pseudo_header_v4(const Ipv4Address& src, const Ipv4Address& dst,
                                               std::uint8_t protocol, std::uint16_t length) {
  ChecksumAccumulator acc;
  acc.add_u32(src.to_u32()).add_u32(dst.to_u32()).add_u16(protocol).add_u16(length);
  return acc;
}

// RFC 8200 8.1 pseudo-header: src, dst, 32-bit upper-layer length, next header.
constexpr ChecksumAccumulator pseudo_header_v6(const Ipv6Address& src, const Ipv6Address& dst,
                                               std::uint8_t next_header, std::uint32_t length) {
  ChecksumAccumulator acc;
  for (std::size_t i = 0; i < 16; i += 2)
    acc.add_u16(static_cast<std::uint16_t>(src.octets[i] << 8 | src.octets[i + 1]));
  for (std::size_t i = 0; i < 16; i += 2)
    acc.add_u16(static_cast<std::uint16_t>(dst.octets[i] << 8 | dst.octets[i + 1]));
  acc.add_u32(length).add_u16(next_header);
  return acc;
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), when one 16-bit word changes from
// m to m'. Never yields 0x0000 for a non-zero sum (the RFC 1071 eqn. 4 pitfall).
constexpr std::uint16_t checksum_update16(std::uint16_t old_checksum, std::uint16_t old_word,
                                          std::uint16_t new_word) {
  std::uint32_t s = static_cast<std::uint16_t>(~old_checksum & 0xffff);
  s += static_cast<std::uint16_t>(~old_word & 0xffff);
  s += new_word;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(~s & 0xffff);
}

constexpr std::uint16_t checksum_update32(std::uint16_t old_checksum, std::uint32_t old_value,
                                          std::uint32_t new_value) {
  const std::uint16_t c = checksum_update16(old_checksum, static_cast<std::uint16_t>(old_value >> 16),
                                            static_cast<std::uint16_t>(new_value >> 16));
  return checksum_update16(c, static_cast<std::uint16_t>(old_value & 0xffff),
                           static_cast<std::uint16_t>(new_value & 0xffff));
}

}  // namespace hardstack::wire

namespace hardstack::wire {

// The addresses of the IP header a UDP, TCP or ICMPv6 checksum covers.
class PseudoHeader {
 public:
  static constexpr PseudoHeader v4(const Ipv4Address& src, const Ipv4Address& dst) {
    PseudoHeader p;
    p.v6_ = false;
    p.src4_ = src;
    p.dst4_ = dst;
    return p;
  }
  static constexpr PseudoHeader v6(const Ipv6Address& src, const Ipv6Address& dst) {
    PseudoHeader p;
    p.v6_ = true;
    p.src6_ = src;
    p.dst6_ = dst;
    return p;
  }
  // The accumulator seeded with the pseudo-header for `protocol` and `length`.
  constexpr ChecksumAccumulator start(std::uint8_t protocol, std::uint32_t length) const {
    return v6_ ? pseudo_header_v6(src6_, dst6_, protocol, length)
               : pseudo_header_v4(src4_, dst4_, protocol, static_cast<std::uint16_t>(length));
  }
  constexpr bool is_v6() const { return v6_; }

 private:
  bool v6_ = false;
  Ipv4Address src4_{}, dst4_{};
  Ipv6Address src6_{}, dst6_{};
};

}  // namespace hardstack::wire

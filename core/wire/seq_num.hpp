// TCP sequence numbers (RFC 9293 3.4): 32-bit values compared modulo 2^32.
// Wrap-around makes them a circle, not a line, so there is no operator<:
// comparisons are named (`before`, `after`, ...) the way Linux names them.
//
// All arithmetic goes through `mod32`, which adds in 64 bits and masks, so no
// unsigned operation ever wraps (clean under -fsanitize=unsigned-integer-overflow).
#pragma once

#include <cstdint>

namespace hardstack::wire {

class SeqNum {
 public:
  constexpr SeqNum() = default;
  constexpr explicit SeqNum(std::uint32_t value) : value_(value) {}

  constexpr std::uint32_t value() const { return value_; }

  // RFC 9293 3.4: "a + n" and "a - n" are taken modulo 2^32.
  friend constexpr SeqNum operator+(SeqNum a, std::uint32_t n) { return SeqNum(mod32(a.value_, n)); }
  friend constexpr SeqNum operator-(SeqNum a, std::uint32_t n) {
    return SeqNum(mod32(a.value_, two_to_32 - n));
  }
  constexpr SeqNum& operator+=(std::uint32_t n) { return *this = *this + n; }
  constexpr SeqNum& operator-=(std::uint32_t n) { return *this = *this - n; }

  // How far `to` lies ahead of `from`: (to - from) mod 2^32, in [0, 2^32).
  friend constexpr std::uint32_t distance(SeqNum from, SeqNum to) {
    return mod32(to.value_, two_to_32 - from.value_);
  }

  // a < b in sequence space. Linux `before()`: (s32)(a - b) < 0, i.e. a is
  // before b when b - a lies in (0, 2^31] -- at exactly 2^31 apart both
  // before(a, b) and before(b, a) hold, as in Linux (RFC 1982 3.2 leaves it
  // undefined).
  friend constexpr bool before(SeqNum a, SeqNum b) { return distance(b, a) >= half; }
  friend constexpr bool after(SeqNum a, SeqNum b) { return before(b, a); }
  friend constexpr bool before_or_equal(SeqNum a, SeqNum b) { return a == b || before(a, b); }
  friend constexpr bool after_or_equal(SeqNum a, SeqNum b) { return a == b || after(a, b); }

  // RFC 9293 3.10.7.4: start =< this < start + size (modulo 2^32). An empty
  // window holds nothing; a window of 2^32 - 1 holds all but start - 1.
  constexpr bool in_window(SeqNum start, std::uint32_t size) const { return distance(start, *this) < size; }

  constexpr bool operator==(const SeqNum&) const = default;

 private:
  static constexpr std::uint64_t two_to_32 = std::uint64_t{1} << 32;
  static constexpr std::uint32_t half = std::uint32_t{1} << 31;
  // (a + b) mod 2^32 for b <= 2^32: the sum fits in 64 bits, the mask drops
  // the carry, so nothing wraps.
  static constexpr std::uint32_t mod32(std::uint32_t a, std::uint64_t b) {
    return static_cast<std::uint32_t>((std::uint64_t{a} + b) & 0xffffffffu);
  }

  std::uint32_t value_ = 0;
};

}  // namespace hardstack::wire

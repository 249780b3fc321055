// A fixed-capacity vector for representations: options lists, address lists,
// extension-header chains. No allocation; push_back refuses when full, so a
// hostile packet cannot grow a representation beyond its declared capacity.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>

namespace hardstack::wire {

template <typename T, std::size_t Capacity>
class InlineVector {
  // Elements are never destroyed one by one: representations hold plain values.
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  // Construction and copies touch only the elements in use: an empty vector
  // of 16 extension headers costs nothing to make, a copy costs its size.
  constexpr InlineVector() {}
  constexpr InlineVector(const InlineVector& other) { copy_from(other); }
  constexpr InlineVector& operator=(const InlineVector& other) {
    if (this != &other) copy_from(other);
    return *this;
  }

  [[nodiscard]] constexpr bool push_back(const T& v) {
    if (size_ == Capacity) return false;
    std::construct_at(&slots_.items[size_], v);
    ++size_;
    return true;
  }
  constexpr void clear() { size_ = 0; }
  constexpr std::size_t size() const { return size_; }
  static constexpr std::size_t capacity() { return Capacity; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr bool full() const { return size_ == Capacity; }
  constexpr T& operator[](std::size_t i) { return slots_.items[i]; }
  constexpr const T& operator[](std::size_t i) const { return slots_.items[i]; }
  constexpr T& back() { return slots_.items[size_ - 1]; }
  constexpr const T& back() const { return slots_.items[size_ - 1]; }
  constexpr T* begin() { return slots_.items; }
  constexpr T* end() { return slots_.items + size_; }
  constexpr const T* begin() const { return slots_.items; }
  constexpr const T* end() const { return slots_.items + size_; }
  constexpr std::span<const T> span() const { return {slots_.items, size_}; }

  // Equal when the used parts are equal; what lies beyond size() is ignored.
  friend constexpr bool operator==(const InlineVector& a, const InlineVector& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i)
      if (!(a.slots_.items[i] == b.slots_.items[i])) return false;
    return true;
  }

 private:
  constexpr void copy_from(const InlineVector& other) {
    for (std::size_t i = 0; i < other.size_; ++i) std::construct_at(&slots_.items[i], other.slots_.items[i]);
    size_ = other.size_;
  }

  // The smallest count type that holds Capacity: a vector of 38 bytes takes 39.
  using Count = std::conditional_t<(Capacity <= 0xff), std::uint8_t,
                                   std::conditional_t<(Capacity <= 0xffff), std::uint16_t, std::size_t>>;

  // Storage without construction: slots past size() hold no object.
  union Slots {
    constexpr Slots() {}
    T items[Capacity];
  } slots_;
  Count size_ = 0;
};

// Byte-content equality for spans held by representations (payloads, quoted
// datagrams): two reprs are equal when their bytes are, wherever they live.
inline bool same_bytes(std::span<const std::byte> a, std::span<const std::byte> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace hardstack::wire

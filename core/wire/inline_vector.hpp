// A fixed-capacity vector for representations: options lists, address lists,
// extension-header chains. No allocation; push_back refuses when full, so a
// hostile packet cannot grow a representation beyond its declared capacity.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace hardstack::wire {

template <typename T, std::size_t Capacity>
class InlineVector {
 public:
  constexpr InlineVector() = default;

  [[nodiscard]] constexpr bool push_back(const T& v) {
    if (size_ == Capacity) return false;
    items_[size_++] = v;
    return true;
  }
  constexpr void clear() { size_ = 0; }
  constexpr std::size_t size() const { return size_; }
  static constexpr std::size_t capacity() { return Capacity; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr bool full() const { return size_ == Capacity; }
  constexpr T& operator[](std::size_t i) { return items_[i]; }
  constexpr const T& operator[](std::size_t i) const { return items_[i]; }
  constexpr T& back() { return items_[size_ - 1]; }
  constexpr const T& back() const { return items_[size_ - 1]; }
  constexpr T* begin() { return items_.data(); }
  constexpr T* end() { return items_.data() + size_; }
  constexpr const T* begin() const { return items_.data(); }
  constexpr const T* end() const { return items_.data() + size_; }
  constexpr std::span<const T> span() const { return {items_.data(), size_}; }

  // Equal when the used parts are equal; what lies beyond size() is ignored.
  friend constexpr bool operator==(const InlineVector& a, const InlineVector& b) {
    if (a.size_ != b.size_) return false;
    for (std::size_t i = 0; i < a.size_; ++i)
      if (!(a.items_[i] == b.items_[i])) return false;
    return true;
  }

 private:
  // The smallest count type that holds Capacity: a vector of 38 bytes takes 39.
  using Count = std::conditional_t<(Capacity <= 0xff), std::uint8_t,
                                   std::conditional_t<(Capacity <= 0xffff), std::uint16_t, std::size_t>>;

  std::array<T, Capacity> items_{};
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

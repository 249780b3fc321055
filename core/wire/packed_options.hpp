// Iteration over options stored back to back in their wire form (IPv4
// options, unknown TCP options): each step reads one length byte, and each
// element is handed out as a view by value. `Owner` provides
// option_at(offset) -> View and option_len_at(offset) -> bytes, and makes
// this class a friend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

namespace hardstack::wire {

template <typename Owner, typename View>
class PackedOptionIterator {
 public:
  using value_type = View;
  using reference = View;
  using difference_type = std::ptrdiff_t;
  using iterator_category = std::input_iterator_tag;  // *it is a value, not a reference
  using iterator_concept = std::forward_iterator_tag;

  struct Arrow {
    View option;
    const View* operator->() const { return &option; }
  };

  PackedOptionIterator() = default;
  View operator*() const { return owner_->option_at(at_); }
  Arrow operator->() const { return {**this}; }
  PackedOptionIterator& operator++() {
    at_ = static_cast<std::uint8_t>(at_ + owner_->option_len_at(at_));
    return *this;
  }
  PackedOptionIterator operator++(int) {
    PackedOptionIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const PackedOptionIterator&) const = default;

 private:
  friend Owner;
  PackedOptionIterator(const Owner* owner, std::uint8_t at) : owner_(owner), at_(at) {}
  const Owner* owner_ = nullptr;
  std::uint8_t at_ = 0;  // offset of the current option's first byte
};

}  // namespace hardstack::wire

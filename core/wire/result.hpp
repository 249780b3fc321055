// A small Result<T, E>: std::expected's member names, for C++20 compilers
// that lack it (clang 14, g++ 12 without C++23). No exceptions: value() on an
// error, or error() on a value, is a programming error caught by an assertion.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace hardstack {

template <typename E>
class Unexpected {
 public:
  constexpr explicit Unexpected(E e) : error_(std::move(e)) {}
  constexpr const E& error() const { return error_; }

 private:
  E error_;
};

template <typename E>
Unexpected(E) -> Unexpected<E>;

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  constexpr Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  template <typename G>
  constexpr Result(Unexpected<G> e)  // NOLINT
      : storage_(std::in_place_index<1>, E(e.error())) {}

  constexpr bool has_value() const { return storage_.index() == 0; }
  constexpr explicit operator bool() const { return has_value(); }

  constexpr T& value() & {
    assert(has_value());
    return *std::get_if<0>(&storage_);
  }
  constexpr const T& value() const& {
    assert(has_value());
    return *std::get_if<0>(&storage_);
  }
  constexpr T&& value() && {
    assert(has_value());
    return std::move(*std::get_if<0>(&storage_));
  }
  constexpr const E& error() const {
    assert(!has_value());
    return *std::get_if<1>(&storage_);
  }
  constexpr T& operator*() & { return value(); }
  constexpr const T& operator*() const& { return value(); }
  constexpr T* operator->() { return &value(); }
  constexpr const T* operator->() const { return &value(); }
  constexpr T value_or(T fallback) const { return has_value() ? value() : fallback; }

 private:
  std::variant<T, E> storage_;
};

// Result<void, E>: success carries nothing.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  constexpr Result() = default;
  template <typename G>
  constexpr Result(Unexpected<G> e) : error_(E(e.error())), ok_(false) {}  // NOLINT

  constexpr bool has_value() const { return ok_; }
  constexpr explicit operator bool() const { return ok_; }
  constexpr const E& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace hardstack

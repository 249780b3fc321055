#include "seq_num.hpp"

#include <boost/test/unit_test.hpp>
#include <type_traits>

using namespace hardstack::wire;

namespace {
constexpr SeqNum s(std::uint32_t v) { return SeqNum(v); }
constexpr std::uint32_t top = 0xffffffffu;
constexpr std::uint32_t half = 0x80000000u;

// No operator<: wrap-around is not a total order (STYLE.md).
template <typename T>
concept LessComparable = requires(T a, T b) {
  a < b;
};
static_assert(!LessComparable<SeqNum>);
static_assert(std::is_trivially_copyable_v<SeqNum>);

// RFC 9293 3.4: arithmetic modulo 2^32, checked at compile time.
static_assert((s(top) + 1) == s(0));
static_assert((s(top) + top) == s(top - 1));
static_assert((s(0) - 1) == s(top));
static_assert((s(5) - 0) == s(5));
static_assert((s(5) + 0) == s(5));
static_assert(distance(s(top - 9), s(10)) == 20);
static_assert(distance(s(10), s(top - 9)) == top - 19);
static_assert(distance(s(7), s(7)) == 0);
static_assert(before(s(top - 9), s(10)));
static_assert(after(s(10), s(top - 9)));
static_assert(s(3).in_window(s(top), 5));
}  // namespace

BOOST_AUTO_TEST_CASE(addition_and_subtraction_wrap_modulo_2_32) {
  SeqNum a(0xfffffff0u);
  a += 0x20;
  BOOST_TEST(a.value() == 0x10u);
  a -= 0x11;
  BOOST_TEST(a.value() == 0xffffffffu);
  BOOST_TEST((s(1) - top).value() == 2u);
  BOOST_TEST((s(top) + top).value() == top - 1);
}

BOOST_AUTO_TEST_CASE(distance_is_forward_modulo_2_32) {
  BOOST_TEST(distance(s(top), s(0)) == 1u);
  BOOST_TEST(distance(s(0), s(top)) == top);
  BOOST_TEST(distance(s(100), s(50)) == top - 49);
  // a + distance(a, b) == b for values on both sides of the wrap.
  for (const std::uint32_t a : {0u, 1u, 1000u, half - 1, half, half + 1, top - 1, top}) {
    for (const std::uint32_t b : {0u, 7u, half, top - 3, top}) {
      BOOST_TEST((s(a) + distance(s(a), s(b))).value() == b, a << " -> " << b);
    }
  }
}

BOOST_AUTO_TEST_CASE(before_and_after_across_the_wrap) {
  // Plain order away from the wrap.
  BOOST_TEST(before(s(1), s(2)));
  BOOST_TEST(!before(s(2), s(1)));
  BOOST_TEST(after(s(2), s(1)));
  BOOST_TEST(!before(s(5), s(5)));
  BOOST_TEST(!after(s(5), s(5)));
  // Across the wrap: 0xffffffff is just before 0.
  BOOST_TEST(before(s(top), s(0)));
  BOOST_TEST(after(s(0), s(top)));
  BOOST_TEST(!after(s(top), s(0)));
  // Up to 2^31 - 1 ahead is "after"; the order is anti-symmetric there.
  BOOST_TEST(before(s(10), s(10 + half - 1)));
  BOOST_TEST(!before(s(10 + half - 1), s(10)));
  BOOST_TEST(before(s(top), s(half - 2)));
  // Exactly 2^31 apart: Linux's (s32)(a - b) < 0 is true both ways.
  BOOST_TEST(before(s(10), s(10 + half)));
  BOOST_TEST(before(s(10 + half), s(10)));
  BOOST_TEST(before(s(0), s(half)));
  BOOST_TEST(before(s(half), s(0)));
}

BOOST_AUTO_TEST_CASE(or_equal_forms) {
  BOOST_TEST(before_or_equal(s(5), s(5)));
  BOOST_TEST(after_or_equal(s(5), s(5)));
  BOOST_TEST(before_or_equal(s(top), s(0)));
  BOOST_TEST(!before_or_equal(s(0), s(top)));
  BOOST_TEST(after_or_equal(s(0), s(top)));
  BOOST_TEST(!after_or_equal(s(top), s(0)));
}

BOOST_AUTO_TEST_CASE(in_window_is_half_open_and_wraps) {
  // RFC 9293 3.10.7.4: RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND.
  const SeqNum start(top - 1);
  BOOST_TEST(!s(top - 2).in_window(start, 4));
  BOOST_TEST(s(top - 1).in_window(start, 4));
  BOOST_TEST(s(top).in_window(start, 4));
  BOOST_TEST(s(0).in_window(start, 4));
  BOOST_TEST(s(1).in_window(start, 4));
  BOOST_TEST(!s(2).in_window(start, 4));
  // A zero window holds nothing, not even its start.
  BOOST_TEST(!start.in_window(start, 0));
  // The largest window holds everything but the byte before its start.
  BOOST_TEST(s(top - 3).in_window(start, top));
  BOOST_TEST(!s(top - 2).in_window(start, top));
}

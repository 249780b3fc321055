#include "entropy.hpp"

#include <array>
#include <boost/test/unit_test.hpp>

using namespace hardstack::net;

BOOST_AUTO_TEST_CASE(seeded_entropy_is_deterministic_and_seed_dependent) {
  SeededEntropy a(42), b(42), c(43);
  std::array<std::byte, 37> x{}, y{}, z{};
  a.fill(x);
  b.fill(y);
  c.fill(z);
  BOOST_TEST(x == y);
  BOOST_TEST(!(x == z));
  BOOST_TEST(a.next_u64() == b.next_u64());
}

BOOST_AUTO_TEST_CASE(uniform_stays_in_bounds_and_reaches_every_value) {
  SeededEntropy e(7);
  std::array<int, 6> seen{};
  for (int i = 0; i < 6000; ++i) {
    const auto v = e.uniform(6);
    BOOST_REQUIRE(v < 6u);
    ++seen[v];
  }
  for (const int n : seen) BOOST_TEST((n > 800 && n < 1200));  // ~1000 each
  BOOST_TEST(e.uniform(0) == 0u);
  BOOST_TEST(e.uniform(1) == 0u);
}

#include "siphash.hpp"

#include <array>
#include <boost/test/unit_test.hpp>

using namespace hardstack::net;

namespace {
// The reference test setup: key 00 01 .. 0f, message 00 01 .. (n-1).
constexpr SipHashKey reference_key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
constexpr std::array<std::byte, 64> counting = [] {
  std::array<std::byte, 64> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::byte>(i);
  return a;
}();
constexpr std::uint64_t reference(std::size_t n) {
  return siphash24(reference_key, std::span(counting).first(n));
}
}  // namespace

// The SipHash paper's vectors (Appendix A: 15 bytes) and the reference
// implementation's vectors.h (empty input, 8 bytes: one whole word).
static_assert(reference(0) == 0x726fdb47dd0e0e31ull);
static_assert(reference(15) == 0xa129ca6149be45e5ull);

BOOST_AUTO_TEST_CASE(siphash24_matches_the_reference_vectors) {
  BOOST_TEST(reference(0) == 0x726fdb47dd0e0e31ull);
  BOOST_TEST(reference(1) == 0x74f839c593dc67fdull);
  BOOST_TEST(reference(8) == 0x93f5f5799a932462ull);
  BOOST_TEST(reference(15) == 0xa129ca6149be45e5ull);
  BOOST_TEST(reference(63) == 0x958a324ceb064572ull);
}

BOOST_AUTO_TEST_CASE(siphash24_depends_on_the_key) {
  const SipHashKey other{reference_key.k0 ^ 1, reference_key.k1};
  BOOST_TEST(siphash24(other, std::span(counting).first(15)) != reference(15));
}

#include "hex.hpp"

#include <boost/test/unit_test.hpp>

using hardstack::harness::parse_hex;
using hardstack::harness::to_hex;

BOOST_AUTO_TEST_CASE(parses_with_separators_and_round_trips) {
  const auto b = parse_hex("45 00:00-1c\n\tFF");
  BOOST_REQUIRE(b);
  BOOST_TEST(b->size() == 5u);
  BOOST_TEST(to_hex(*b) == "4500001cff");
  BOOST_TEST(parse_hex("")->empty());
}

BOOST_AUTO_TEST_CASE(rejects_odd_digits_bad_characters_and_split_pairs) {
  BOOST_TEST(!parse_hex("450"));
  BOOST_TEST(!parse_hex("4g"));
  BOOST_TEST(!parse_hex("4 5"));
  BOOST_TEST(!parse_hex("0x45"));
}

#include "address.hpp"

#include <boost/test/unit_test.hpp>

using namespace hardstack::wire;

BOOST_AUTO_TEST_CASE(text_forms_round_trip_without_allocation) {
  const auto mac = MacAddress{{0x02, 0x00, 0x5e, 0x10, 0xab, 0xff}};
  BOOST_TEST(mac.text().view() == "02:00:5e:10:ab:ff");
  BOOST_TEST((MacAddress::from_string("02:00:5E:10:AB:FF") == mac));
  BOOST_TEST(!MacAddress::from_string("02:00:5e:10:ab"));
  BOOST_TEST(!MacAddress::from_string("02-00-5e-10-ab-ff"));

  const auto v4 = Ipv4Address::from_u32(0xc0000201);
  BOOST_TEST(v4.text().view() == "192.0.2.1");
  BOOST_TEST((Ipv4Address::from_string("192.0.2.1") == v4));
  BOOST_TEST(!Ipv4Address::from_string("192.0.2.256"));
  BOOST_TEST(!Ipv4Address::from_string(std::string(100, '1')));  // longer than any address

  const auto v6 = *Ipv6Address::from_string("2001:DB8::1");
  BOOST_TEST(v6.text().view() == "2001:db8::1");  // RFC 5952: lower case, :: for zeros
  BOOST_TEST(Ipv6Address::from_string("::ffff:192.0.2.1")->text().view() == "::ffff:192.0.2.1");
  BOOST_TEST(!Ipv6Address::from_string("2001:db8:::1"));
}

BOOST_AUTO_TEST_CASE(address_classes) {
  BOOST_TEST(Ipv4Address::from_u32(0xe0000001).is_multicast());
  BOOST_TEST(!Ipv4Address::from_u32(0xf0000001).is_multicast());
  BOOST_TEST(Ipv4Address::from_u32(0x7f000001).is_loopback());
  BOOST_TEST(Ipv4Address::from_u32(0xffffffff).is_broadcast());
  BOOST_TEST(Ipv6Address::from_string("::1")->is_loopback());
  BOOST_TEST(Ipv6Address::from_string("::")->is_unspecified());
  BOOST_TEST(Ipv6Address::from_string("ff02::1")->is_multicast());
  BOOST_TEST(MacAddress::broadcast().is_broadcast());
  BOOST_TEST(MacAddress::broadcast().is_multicast());
  const MacAddress unicast{{0x02, 0, 0, 0, 0, 1}};
  BOOST_TEST(!unicast.is_multicast());
}

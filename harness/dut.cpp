#include "dut.hpp"

namespace hardstack::harness {

wire::Ipv6Address eui64_link_local(const wire::MacAddress& mac) {
  // RFC 4291 2.5.6: fe80::/64; RFC 4291 2.5.1 / RFC 2464 4: the interface
  // identifier is the MAC with 0xfffe inserted and the universal/local bit inverted.
  wire::Ipv6Address a;
  a.octets[0] = 0xfe;
  a.octets[1] = 0x80;
  a.octets[8] = static_cast<std::uint8_t>(mac.octets[0] ^ 0x02);
  a.octets[9] = mac.octets[1];
  a.octets[10] = mac.octets[2];
  a.octets[11] = 0xff;
  a.octets[12] = 0xfe;
  a.octets[13] = mac.octets[3];
  a.octets[14] = mac.octets[4];
  a.octets[15] = mac.octets[5];
  return a;
}

}  // namespace hardstack::harness

#include "dut.hpp"

#include "hardstack/net/stack.hpp"

namespace hardstack::harness {

wire::Ipv6Address eui64_link_local(const wire::MacAddress& mac) { return net::eui64_link_local(mac); }

}  // namespace hardstack::harness

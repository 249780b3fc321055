// KernelDut's checks that need no root (label unit, so every preset runs
// them): configuration refused before anything is made, and the program
// runner it configures the namespace with.
#include <boost/test/unit_test.hpp>
#include <string>

#include "builders.hpp"
#include "kernel_dut.hpp"

using namespace hardstack;
using namespace hardstack::harness;

namespace {
KernelDutConfig kernel_config() {
  KernelDutConfig c;
  c.identity.mac = mac("02:00:00:00:00:02");
  c.identity.ipv4 = ip4("192.0.2.2");
  c.identity.ipv6 = ip6("2001:db8::2");
  return c;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(kernel_dut_setup)

BOOST_AUTO_TEST_CASE(a_bad_identity_is_refused_before_anything_is_made) {
  auto config = kernel_config();
  config.identity.mac = mac("01:00:5e:00:00:01");
  const auto multicast = KernelDut::create(config);
  BOOST_REQUIRE(!multicast);
  BOOST_TEST(to_string(multicast.error().kind) == std::string("bad_identity"));
  BOOST_TEST(!multicast.error().environment());
  BOOST_TEST(
      multicast.error().message ==
      "KernelDut: the MAC 01:00:5e:00:00:01 is zero or multicast; the kernel needs a unicast address.");

  config = kernel_config();
  config.identity.mtu = 1000;
  const auto small = KernelDut::create(config);
  BOOST_REQUIRE(!small);
  BOOST_TEST(small.error().message ==
             "KernelDut: the MTU 1000 is below IPv6's 1280 and the identity has IPv6 addresses.");
  config.identity.ipv6.reset();
  config.identity.ipv4_prefix = 33;
  const auto prefix = KernelDut::create(config);
  BOOST_REQUIRE(!prefix);
  BOOST_TEST(prefix.error().message == "KernelDut: the IPv4 prefix /33 is over 32.");

  config = kernel_config();
  config.identity.mac = {};
  const auto zero = KernelDut::create(config);
  BOOST_REQUIRE(!zero);
  BOOST_TEST(
      zero.error().message ==
      "KernelDut: the MAC 00:00:00:00:00:00 is zero or multicast; the kernel needs a unicast address.");
  config = kernel_config();
  config.identity.ipv6_prefix = 129;
  const auto prefix6 = KernelDut::create(config);
  BOOST_REQUIRE(!prefix6);
  BOOST_TEST(prefix6.error().message == "KernelDut: the IPv6 prefix /129 is over 128.");
  config = kernel_config();
  config.identity.mtu = 65536;
  const auto big = KernelDut::create(config);
  BOOST_REQUIRE(!big);
  BOOST_TEST(big.error().message == "KernelDut: the MTU 65536 is outside 68..65535.");
}

BOOST_AUTO_TEST_CASE(commands_run_without_a_shell_and_report_their_exit) {
  const auto ok = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  BOOST_TEST(ok.exit_status == 3);
  BOOST_TEST(ok.output == "out\nerr\n");
  const auto missing = run_command({"/nonexistent/hardstack-program"});
  BOOST_TEST(missing.exit_status == 127);
  const auto literal = run_command({"echo", "$HOME;", "|"});  // no shell: nothing expands
  BOOST_TEST(literal.output == "$HOME; |\n");
  BOOST_TEST(!run_command({}).ok());
  BOOST_TEST(find_program("sh").has_value());
  BOOST_TEST(!find_program("hardstack-no-such-program").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

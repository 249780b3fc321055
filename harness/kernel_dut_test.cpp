// KernelDut: scenarios run through a TestBench against the Linux kernel in a
// namespace of its own (CTest label `tap`). Without root, /dev/net/tun, ip
// or permission to make namespaces, each case prints "SKIP: <why>" and
// passes, and CTest reports the test skipped. What needs no root is in
// kernel_dut_setup_test.cpp (label unit).
#include "kernel_dut.hpp"

#include <net/if.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "dut_scenarios.hpp"
#include "test_bench.hpp"
#include "test_bench_boost.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using net::Duration;

namespace {

const auto peer_mac = mac("02:00:00:00:00:01");
const auto dut_mac = mac("02:00:00:00:00:02");
const auto peer4 = ip4("192.0.2.1");  // TEST-NET-1 (RFC 5737)
const auto dut4 = ip4("192.0.2.2");
const auto peer6 = ip6("2001:db8::1");  // RFC 3849
const auto dut6 = ip6("2001:db8::2");

KernelDutConfig kernel_config() {
  KernelDutConfig c;
  c.identity.mac = dut_mac;
  c.identity.ipv4 = dut4;
  c.identity.ipv4_prefix = 24;
  c.identity.ipv6 = dut6;
  c.identity.ipv6_prefix = 64;
  return c;
}

// The kernel as a DUT, or null after printing why this machine cannot have one.
std::unique_ptr<KernelDut> kernel_or_skip() {
  auto dut = KernelDut::create(kernel_config());
  if (dut) return std::move(*dut);
  if (dut.error().environment()) {
    std::cout << "SKIP: " << dut.error().message << std::endl;
    return nullptr;
  }
  BOOST_TEST_REQUIRE(false,
                     "KernelDut::create: " << to_string(dut.error().kind) << ": " << dut.error().message);
  return nullptr;
}

TestBenchConfig peer() {
  auto c = this_test({.peer_mac = peer_mac, .peer_ipv4 = peer4, .peer_ipv6 = peer6});
  c.timeout = Duration::seconds(3);  // real time: an upper bound on a loaded machine
  c.answer_neighbor_solicitations = true;
  return c;
}

bool interface_exists_here(const std::string& name) { return ::if_nametoindex(name.c_str()) != 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(kernel_dut)

// The scenarios shared with stack_dut_test.cpp are in dut_scenarios.hpp.
BOOST_AUTO_TEST_CASE(ipv4_echo_request_gets_a_reply_with_the_same_identifier_sequence_and_data) {
  const auto dut = kernel_or_skip();
  if (!dut) return;
  const auto config = peer();
  TestBench bench(*dut, config);
  scenarios::ipv4_echo(bench, dut->identity(), config);
}

BOOST_AUTO_TEST_CASE(ipv6_echo_request_gets_a_reply_after_the_bench_answers_neighbor_solicitation) {
  const auto dut = kernel_or_skip();
  if (!dut) return;
  const auto config = peer();
  TestBench bench(*dut, config);
  scenarios::ipv6_echo(bench, dut->identity(), config);
}

BOOST_AUTO_TEST_CASE(unknown_protocol_gets_protocol_unreachable) {
  const auto dut = kernel_or_skip();
  if (!dut) return;
  const auto config = peer();
  TestBench bench(*dut, config);
  scenarios::ipv4_protocol_unreachable(bench, dut->identity(), config);
}

BOOST_AUTO_TEST_CASE(unknown_next_header_gets_param_problem_code_1_at_the_field) {
  const auto dut = kernel_or_skip();
  if (!dut) return;
  const auto config = peer();
  TestBench bench(*dut, config);
  scenarios::ipv6_unknown_next_header(bench, dut->identity(), config);
}

BOOST_AUTO_TEST_CASE(udp_to_an_unused_port_gets_port_unreachable_quoting_the_datagram) {
  const auto dut = kernel_or_skip();
  if (!dut) return;
  TestBench bench(*dut, peer());
  bench.skip(link_chatter());

  const Packet datagram = bench.ipv4_to_dut().identification(0x1234) / udp(40000, 9) / payload("anyone?");
  BOOST_TEST(bench.inject(bench.link_to_dut() / datagram));
  // RFC 1122 3.2.2.1 / RFC 792: port unreachable (code 3), quoting the IP
  // header and (here) the whole datagram, which is short.
  BOOST_TEST(bench.expect_ipv4(
      src(dut4), dst(peer4),
      icmp(dest_unreachable(
          code(3), quote(datagram),
          quoted_ipv4(src(peer4), dst(dut4), identification(0x1234), udp(sport(40000), dport(9)))))));
  BOOST_TEST(bench.expect_none(Duration::milliseconds(200)));
}

#define HARDSTACK_RUN_ON_KERNEL(name, call) \
  BOOST_AUTO_TEST_CASE(name) {              \
    const auto dut = kernel_or_skip();      \
    if (!dut) return;                       \
    const auto config = peer();             \
    TestBench bench(*dut, config);          \
    call;                                   \
  }
HARDSTACK_SOCKET_SCENARIOS(HARDSTACK_RUN_ON_KERNEL)
#undef HARDSTACK_RUN_ON_KERNEL

BOOST_AUTO_TEST_CASE(the_kernel_has_the_identity_and_everything_is_removed_afterwards) {
  std::string ns;
  std::string interface;
  {
    const auto dut = kernel_or_skip();
    if (!dut) return;
    ns = dut->namespace_name();
    interface = dut->interface_name();
    BOOST_TEST(ns.find("hs-dut-") == 0u);
    BOOST_TEST(dut->identity().ipv6_link_local.value().to_string() == "fe80::ff:fe00:2");

    const auto link = dut->ip_in_namespace({"link", "show", "dev", interface});
    BOOST_TEST(link.ok(), link.output);
    BOOST_TEST(link.output.find("link/ether 02:00:00:00:00:02") != std::string::npos, link.output);
    BOOST_TEST(link.output.find("mtu 1500") != std::string::npos, link.output);
    const auto addresses = dut->ip_in_namespace({"addr", "show", "dev", interface});
    BOOST_TEST(addresses.output.find("inet 192.0.2.2/24") != std::string::npos, addresses.output);
    BOOST_TEST(addresses.output.find("inet6 2001:db8::2/64") != std::string::npos, addresses.output);
    BOOST_TEST(addresses.output.find("inet6 fe80::ff:fe00:2/64") != std::string::npos, addresses.output);
    BOOST_TEST(addresses.output.find("tentative") == std::string::npos, addresses.output);  // no DAD
    BOOST_TEST(!interface_exists_here(interface));  // in the DUT's namespace, not ours

    const auto listed = run_command({*find_program("ip"), "netns", "list"});
    BOOST_TEST(listed.output.find(ns) != std::string::npos, listed.output);
  }
  const auto listed = run_command({*find_program("ip"), "netns", "list"});
  BOOST_TEST(listed.ok());
  BOOST_TEST(listed.output.find(ns) == std::string::npos, listed.output);
  BOOST_TEST(!interface_exists_here(interface));
}

BOOST_AUTO_TEST_CASE(namespaces_left_by_a_killed_run_are_removed) {
  // A process that has exited, and a namespace named as if it had made it.
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  BOOST_REQUIRE(gone > 0);
  int status = 0;
  BOOST_REQUIRE(::waitpid(gone, &status, 0) == gone);
  const std::string stale = "hs-dut-" + std::to_string(gone) + "-0";
  const auto ip = find_program("ip");
  if (::geteuid() != 0 || !ip) {
    std::cout << "SKIP: needs root and ip" << std::endl;
    return;
  }
  const auto added = run_command({*ip, "netns", "add", stale});
  BOOST_TEST_REQUIRE(added.ok(), added.output);
  const auto dut = kernel_or_skip();
  const auto listed = run_command({*ip, "netns", "list"});
  BOOST_TEST(listed.output.find(stale) == std::string::npos, listed.output);
  if (listed.output.find(stale) != std::string::npos) run_command({*ip, "netns", "delete", stale});
}

BOOST_AUTO_TEST_SUITE_END()

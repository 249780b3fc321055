// StackDut: the in-process core as a Dut, and the scenarios of
// dut_scenarios.hpp run on it (kernel_dut_test.cpp runs them on Linux).
#include "stack_dut.hpp"

#include <boost/test/unit_test.hpp>

#include "dut_scenarios.hpp"
#include "print.hpp"
#include "test_bench.hpp"
#include "test_bench_boost.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using net::Duration;

namespace {

const auto peer_mac = mac("02:00:00:00:00:01");
const auto dut_mac = mac("02:00:00:00:00:02");
const auto peer4 = ip4("192.0.2.1");
const auto dut4 = ip4("192.0.2.2");
const auto peer6 = ip6("2001:db8::1");
const auto dut6 = ip6("2001:db8::2");

StackDutConfig stack_config() {
  StackDutConfig c;
  c.identity.mac = dut_mac;
  c.identity.ipv4 = dut4;
  c.identity.ipv6 = dut6;
  return c;
}

std::unique_ptr<StackDut> make_dut(const StackDutConfig& c = stack_config()) {
  auto dut = StackDut::create(c);
  if (!dut) BOOST_FAIL("StackDut::create: " << dut.error().message());
  return std::move(dut.value());
}

TestBenchConfig peer() {
  auto c = this_test({.peer_mac = peer_mac, .peer_ipv4 = peer4, .peer_ipv6 = peer6});
  c.answer_neighbor_solicitations = true;
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stack_dut)

BOOST_AUTO_TEST_CASE(identity_reports_the_eui64_link_local_address) {
  const auto dut = make_dut();
  BOOST_TEST(dut->identity().ipv6_link_local.value().to_string() == "fe80::ff:fe00:2");
  BOOST_TEST(dut->virtual_time());
  BOOST_TEST(dut->name() == "hardstack");
  BOOST_TEST(dut->stack().is_local(dut4));
}

BOOST_AUTO_TEST_CASE(a_refused_identity_says_why) {
  auto c = stack_config();
  c.identity.ipv4 = ip4("224.0.0.9");
  const auto dut = StackDut::create(c);
  BOOST_REQUIRE(!dut);
  BOOST_TEST(dut.error().code == net::ConfigErrorCode::address_not_unicast);
  c = stack_config();
  c.identity.mtu = 1000;  // IPv6 needs 1280
  BOOST_TEST(StackDut::create(c).error().code == net::ConfigErrorCode::mtu_too_small_ipv6);
}

BOOST_AUTO_TEST_CASE(time_moves_only_when_asked_and_timers_fire_at_their_instant) {
  const auto dut = make_dut();
  const auto t0 = dut->now();
  BOOST_TEST(!dut->from_dut(Duration::zero()).has_value());
  BOOST_TEST((dut->now() == t0));
  dut->advance(Duration::seconds(5));
  BOOST_TEST((dut->now() - t0).count_ms() == 5000);
  // An ARP request from the stack for an unknown neighbour: sending to it
  // queues the datagram and solicits at once; the retry comes 1 s later.
  net::Ipv4SendParams p;
  p.destination = ip4("192.0.2.77");
  p.protocol = 253;
  const std::array<std::byte, 4> data{};
  BOOST_TEST_REQUIRE(dut->stack().send_ipv4(p, data, dut->now()).has_value());
  const auto first = dut->from_dut(Duration::zero());  // the ARP request, due at once
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST((first->time == dut->now()));
  const auto second = dut->from_dut(Duration::seconds(10));
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST((second->time - first->time).count_ms() == 1000);  // RFC 1122 2.3.2.1, LINUX retrans_time
}

BOOST_AUTO_TEST_CASE(ipv4_echo_request_gets_a_reply_with_the_same_identifier_sequence_and_data) {
  const auto dut = make_dut();
  const auto config = peer();
  TestBench bench(*dut, config);
  scenarios::ipv4_echo(bench, dut->identity(), config);
}

BOOST_AUTO_TEST_CASE(ipv6_echo_request_gets_a_reply_after_the_bench_answers_neighbor_solicitation) {
  const auto dut = make_dut();
  const auto config = peer();
  TestBench bench(*dut, config);
  scenarios::ipv6_echo(bench, dut->identity(), config);
}

BOOST_AUTO_TEST_CASE(unknown_protocol_gets_protocol_unreachable) {
  const auto dut = make_dut();
  const auto config = peer();
  TestBench bench(*dut, config);
  scenarios::ipv4_protocol_unreachable(bench, dut->identity(), config);
}

BOOST_AUTO_TEST_CASE(unknown_next_header_gets_param_problem_code_1_at_the_field) {
  const auto dut = make_dut();
  const auto config = peer();
  TestBench bench(*dut, config);
  scenarios::ipv6_unknown_next_header(bench, dut->identity(), config);
}

#define HARDSTACK_RUN_ON_STACK(name, call) \
  BOOST_AUTO_TEST_CASE(name) {             \
    const auto dut = make_dut();           \
    const auto config = peer();            \
    TestBench bench(*dut, config);         \
    call;                                  \
  }
HARDSTACK_SOCKET_SCENARIOS(HARDSTACK_RUN_ON_STACK)
#undef HARDSTACK_RUN_ON_STACK

BOOST_AUTO_TEST_SUITE_END()

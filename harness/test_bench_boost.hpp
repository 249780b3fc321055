// TestBench with Boost.Test: the capture named after the running test case.
// Only tests include this (the harness library does not use Boost).
//
//   TestBench bench(dut, this_test({.peer_ipv4 = ip4("192.0.2.1")}));
//   // captures to $HARDSTACK_PCAP_DIR/<suite>.<case>.pcap (default ./pcap/)
#pragma once

#include <boost/test/unit_test.hpp>
#include <string>

#include "test_bench.hpp"

namespace hardstack::harness {

// "suite.case" for a case in a suite, "case" at the top level (the master
// suite, named after the test module, is left out).
inline std::string current_test_name() {
  namespace utf = boost::unit_test;
  const utf::test_case& tc = utf::framework::current_test_case();
  std::string name = tc.p_name;
  for (utf::test_unit_id id = tc.p_parent_id; id != utf::framework::master_test_suite().p_id;) {
    const utf::test_unit& suite = utf::framework::get(id, utf::TUT_SUITE);
    name = std::string(suite.p_name) + "." + name;
    id = suite.p_parent_id;
  }
  return name;
}

// `config` with test_name set to the running test case (when it has none),
// so its pcap is default_pcap_path(current_test_name()) unless `config`
// gives a pcap_path.
inline TestBenchConfig this_test(TestBenchConfig config = {}) {
  if (config.test_name.empty()) config.test_name = current_test_name();
  return config;
}

}  // namespace hardstack::harness

#include "steady_clock.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <thread>

using namespace hardstack;
using namespace hardstack::devices;

BOOST_AUTO_TEST_CASE(steady_clock_never_goes_backwards) {
  SteadyClock clock;
  net::Instant previous = clock.now();
  for (int i = 0; i < 100000; ++i) {
    const net::Instant t = clock.now();
    BOOST_REQUIRE(t.ns() >= previous.ns());
    previous = t;
  }
}

BOOST_AUTO_TEST_CASE(steady_clock_advances_with_real_time) {
  SteadyClock clock;
  const net::Instant before = clock.now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const net::Duration slept = clock.now() - before;
  BOOST_TEST(slept.count_ns() >= 20'000'000);
  BOOST_TEST(slept.count_ns() < 5'000'000'000);  // generous: a loaded CI machine
}

BOOST_AUTO_TEST_CASE(steady_clock_is_clock_monotonic) {
  // std::chrono::steady_clock is CLOCK_MONOTONIC on Linux (libstdc++ and libc++).
  SteadyClock clock;
  const auto reference = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  const std::int64_t ours = clock.now().ns();
  BOOST_TEST(ours >= reference);
  BOOST_TEST(ours - reference < 1'000'000'000);
}

BOOST_AUTO_TEST_CASE(steady_clock_is_a_net_clock) {
  SteadyClock steady;
  net::Clock& clock = steady;
  const net::Instant a = clock.now();
  BOOST_TEST((clock.now() >= a));
}

#include "time.hpp"

#include <boost/test/unit_test.hpp>

using namespace hardstack::net;

static_assert(Duration::seconds(2) == Duration::milliseconds(2000));
static_assert((Instant::from_ns(5) + Duration::nanoseconds(3)).ns() == 8);
static_assert(Instant::from_ns(10) - Instant::from_ns(4) == Duration::nanoseconds(6));
static_assert(Instant::from_ns(0) < Instant::never());

BOOST_AUTO_TEST_CASE(durations_and_instants_order_and_convert) {
  const Instant t0 = Instant::from_ns(1'000'000'000);
  const Instant t1 = t0 + Duration::seconds(30);
  BOOST_TEST((t1 - t0).count_ms() == 30000);
  BOOST_TEST((t1 > t0));
  BOOST_TEST((Duration::seconds(60) / 2 == Duration::seconds(30)));
}

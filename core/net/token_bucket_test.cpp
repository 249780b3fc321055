#include "token_bucket.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <limits>

#include "entropy.hpp"

using namespace hardstack::net;

namespace {
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t second = 1'000'000'000;

TokenBucket make(TokenBucket::Config config = {}) {
  auto bucket = TokenBucket::create(config);
  BOOST_REQUIRE(bucket.has_value());
  return *bucket;
}

Instant at_ns(std::int64_t ns) { return Instant::from_ns(ns); }

// How many of `n` calls at `now` are allowed.
int allowed_of(TokenBucket& bucket, Instant now, int n) {
  int allowed = 0;
  for (int i = 0; i < n; ++i) allowed += bucket.allow(now) ? 1 : 0;
  return allowed;
}
}  // namespace

BOOST_AUTO_TEST_CASE(ICMP4_5_defaults_are_linux_icmp_ratelimit_1000ms_and_msgs_burst_50) {
  const TokenBucket::Config config;
  BOOST_TEST(config.interval.count_ms() == 1000);
  BOOST_TEST(config.burst == 50);
}

BOOST_AUTO_TEST_CASE(ICMP4_5_starts_full_burst_of_50_then_refuses) {
  TokenBucket bucket = make();
  const Instant t0 = at_ns(7 * second);
  BOOST_TEST(bucket.tokens(t0) == 50);
  BOOST_TEST(allowed_of(bucket, t0, 50) == 50);
  BOOST_TEST(!bucket.allow(t0));
  BOOST_TEST(bucket.tokens(t0) == 0);
}

BOOST_AUTO_TEST_CASE(ICMP4_5_one_token_per_second_exactly_at_the_interval) {
  TokenBucket bucket = make();
  const Instant t0 = at_ns(0);
  BOOST_TEST(allowed_of(bucket, t0, 60) == 50);
  BOOST_TEST(!bucket.allow(t0 + Duration::nanoseconds(second - 1)));
  BOOST_TEST(bucket.allow(t0 + Duration::seconds(1)));
  BOOST_TEST(!bucket.allow(t0 + Duration::seconds(1)));
  // The denied call at 1 s - 1 ns lost nothing: the next token is due at 2 s.
  BOOST_TEST(!bucket.allow(t0 + Duration::nanoseconds(2 * second - 1)));
  BOOST_TEST(bucket.allow(t0 + Duration::seconds(2)));
  // 3.5 s: one token earned (2 -> 3 s), half a token carried to 4 s.
  BOOST_TEST(allowed_of(bucket, t0 + Duration::milliseconds(3500), 5) == 1);
  BOOST_TEST(!bucket.allow(t0 + Duration::nanoseconds(4 * second - 1)));
  BOOST_TEST(bucket.allow(t0 + Duration::seconds(4)));
}

BOOST_AUTO_TEST_CASE(ICMP4_5_refill_stops_at_the_burst) {
  TokenBucket bucket = make();
  BOOST_TEST(allowed_of(bucket, at_ns(0), 50) == 50);
  BOOST_TEST(bucket.tokens(at_ns(20 * second)) == 20);
  BOOST_TEST(bucket.tokens(at_ns(50 * second)) == 50);
  BOOST_TEST(bucket.tokens(at_ns(1000 * second)) == 50);
  BOOST_TEST(allowed_of(bucket, at_ns(1000 * second), 100) == 50);
  // Full for 950 s earned nothing beyond the burst: the next token is 1 s later.
  BOOST_TEST(!bucket.allow(at_ns(1001 * second - 1)));
  BOOST_TEST(bucket.allow(at_ns(1001 * second)));
}

BOOST_AUTO_TEST_CASE(ICMP6_5_configured_interval_and_burst) {
  TokenBucket bucket = make({.interval = Duration::milliseconds(100), .burst = 3});
  BOOST_TEST(allowed_of(bucket, at_ns(0), 10) == 3);
  BOOST_TEST(allowed_of(bucket, at_ns(250'000'000), 10) == 2);  // 2.5 tokens earned
  BOOST_TEST(allowed_of(bucket, at_ns(300'000'000), 10) == 1);  // the carried half + half
  BOOST_TEST(allowed_of(bucket, at_ns(10 * second), 10) == 3);
}

BOOST_AUTO_TEST_CASE(ICMP4_5_refill_has_no_drift_over_many_small_steps) {
  // 3 ns per token, time advanced 1 ns per call for 3,000,000 ns: exactly
  // 1,000,000 tokens earned on top of the initial burst of 1.
  TokenBucket bucket = make({.interval = Duration::nanoseconds(3), .burst = 1});
  int allowed = 0;
  for (std::int64_t t = 0; t <= 3'000'000; ++t) allowed += bucket.allow(at_ns(t)) ? 1 : 0;
  BOOST_TEST(allowed == 1'000'001);
}

BOOST_AUTO_TEST_CASE(ICMP4_5_time_going_backwards_earns_nothing) {
  TokenBucket bucket = make({.interval = Duration::seconds(1), .burst = 2});
  BOOST_TEST(allowed_of(bucket, at_ns(10 * second), 2) == 2);
  BOOST_TEST(!bucket.allow(at_ns(5 * second)));  // backwards: no time elapsed
  // Back at 10 s and on to 11 s: one token, not the 6 a "last = 5 s" would give.
  BOOST_TEST(!bucket.allow(at_ns(10 * second)));
  BOOST_TEST(allowed_of(bucket, at_ns(11 * second), 5) == 1);
  // Oscillating between two instants earns nothing either.
  for (int i = 0; i < 100; ++i) {
    BOOST_TEST(!bucket.allow(at_ns(11 * second - 500'000'000)));
    BOOST_TEST(!bucket.allow(at_ns(11 * second)));
  }
  BOOST_TEST(bucket.allow(at_ns(12 * second)));
}

BOOST_AUTO_TEST_CASE(ICMP4_5_extreme_instants_do_not_overflow) {
  TokenBucket bucket = make();
  BOOST_TEST(allowed_of(bucket, at_ns(int64_min), 50) == 50);
  BOOST_TEST(!bucket.allow(at_ns(int64_min)));
  // A jump of 2^64 - 1 ns: the bucket is full, not wrapped to empty.
  BOOST_TEST(bucket.tokens(at_ns(int64_max)) == 50);
  BOOST_TEST(allowed_of(bucket, at_ns(int64_max), 60) == 50);
  BOOST_TEST(!bucket.allow(at_ns(int64_min)));
  BOOST_TEST(!bucket.allow(at_ns(int64_max)));

  // The largest capacity that fits: burst * interval == 2^63 - 1 ns.
  TokenBucket big = make({.interval = Duration::nanoseconds(int64_max / 7), .burst = 7});
  BOOST_TEST(allowed_of(big, at_ns(int64_min), 10) == 7);
  BOOST_TEST(big.tokens(at_ns(int64_min + int64_max / 7)) == 1);
  BOOST_TEST(big.tokens(at_ns(-2)) == 6);  // 2^63 - 2 ns: 1 ns short of 7 tokens
  BOOST_TEST(big.tokens(at_ns(-1)) == 7);
  BOOST_TEST(big.tokens(at_ns(int64_max)) == 7);
}

BOOST_AUTO_TEST_CASE(ICMP4_5_matches_a_reference_model_on_random_instants) {
  // Reference: credit in ns, capped, spent one interval per token; times stay
  // within a few seconds, so the model's plain arithmetic cannot overflow.
  SeededEntropy entropy(2024);
  for (int round = 0; round < 20; ++round) {
    const std::int64_t interval = 1 + entropy.uniform(1'000'000);
    const std::int32_t burst = static_cast<std::int32_t>(1 + entropy.uniform(60));
    TokenBucket bucket = make({.interval = Duration::nanoseconds(interval), .burst = burst});
    const std::int64_t capacity = interval * burst;
    std::int64_t credit = capacity;
    std::int64_t last = 0;
    bool started = false;
    for (int step = 0; step < 2000; ++step) {
      // Mostly forwards by up to ~3 tokens, sometimes backwards.
      const std::int64_t delta =
          static_cast<std::int64_t>(entropy.uniform(static_cast<std::uint32_t>(3 * interval))) -
          (entropy.uniform(8) == 0 ? 2 * interval : 0);
      const std::int64_t now = last + delta;
      if (!started) {
        last = now;
        started = true;
      } else if (now > last) {
        credit = std::min(capacity, credit + (now - last));
        last = now;
      }
      const bool expected = credit >= interval;
      if (expected) credit -= interval;
      BOOST_REQUIRE_EQUAL(bucket.allow(at_ns(now)), expected);
      BOOST_REQUIRE_EQUAL(bucket.tokens(at_ns(now)), credit / interval);
    }
  }
}

BOOST_AUTO_TEST_CASE(ICMP4_5_rejects_zero_and_negative_configuration) {
  using E = TokenBucketConfigError;
  const auto error_of = [](TokenBucket::Config c) {
    const auto r = TokenBucket::create(c);
    BOOST_REQUIRE(!r.has_value());
    return r.error();
  };
  BOOST_TEST((error_of({.interval = Duration::zero(), .burst = 50}) == E::interval_not_positive));
  BOOST_TEST(
      (error_of({.interval = Duration::milliseconds(-1000), .burst = 50}) == E::interval_not_positive));
  BOOST_TEST((error_of({.interval = Duration::seconds(1), .burst = 0}) == E::burst_not_positive));
  BOOST_TEST((error_of({.interval = Duration::seconds(1), .burst = -5}) == E::burst_not_positive));
  BOOST_TEST((error_of({.interval = Duration::max(), .burst = 2}) == E::capacity_overflow));
  BOOST_TEST(
      (error_of({.interval = Duration::nanoseconds(int64_max / 7 + 1), .burst = 7}) == E::capacity_overflow));
  BOOST_TEST(TokenBucket::create({.interval = Duration::max(), .burst = 1}).has_value());
  BOOST_TEST(std::strstr(to_string(E::burst_not_positive), "burst") != nullptr);
  BOOST_TEST(std::strstr(to_string(E::interval_not_positive), "interval") != nullptr);
  BOOST_TEST(std::strstr(to_string(E::capacity_overflow), "burst * interval") != nullptr);
}

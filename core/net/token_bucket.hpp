// The ICMP / ICMPv6 error rate limiter (ICMP4-5, ICMP6-5): a token bucket
// in Linux's terms. One token is earned every `interval` (LINUX sysctl
// net.ipv4.icmp_ratelimit / net.ipv6.icmp.ratelimit, 1000 ms), the bucket
// holds at most `burst` tokens (LINUX net.ipv4.icmp_msgs_burst, 50), and it
// starts full, as Linux's per-peer limiter does. Sending one error costs one
// token.
//
// Time is an argument: allow(now) refills from the time elapsed since the
// latest instant it has seen. Credit is kept in nanoseconds, so refill has no
// rounding drift however the calls are spaced, and every sum is bounded by
// the capacity (burst * interval), which create() checks fits in 64 bits.
// Time going backwards counts as no time elapsed and the latest instant seen
// is kept, so a clock that jitters back and forth earns nothing extra.
//
// Linux turns the limit off with icmp_ratelimit 0; here a zero interval is a
// configuration error and "no limit" is the stack holding no bucket at all.
#pragma once

#include <cstdint>

#include "../wire/result.hpp"
#include "time.hpp"

namespace hardstack::net {

enum class TokenBucketConfigError : std::uint8_t {
  interval_not_positive,  // interval <= 0
  burst_not_positive,     // burst <= 0
  capacity_overflow,      // burst * interval does not fit in 63 bits of nanoseconds
};

// "burst must be at least 1 (got a value <= 0)"-style text for config errors.
const char* to_string(TokenBucketConfigError e);

class TokenBucket {
 public:
  struct Config {
    Duration interval = Duration::milliseconds(1000);  // one token per interval
    std::int32_t burst = 50;                           // bucket size in tokens
  };

  static Result<TokenBucket, TokenBucketConfigError> create(const Config& config);

  // True (and one token spent) when an error may be sent at `now`.
  bool allow(Instant now);
  // Whole tokens that allow(now) could spend at `now`, without spending any.
  std::int64_t tokens(Instant now) const;
  const Config& config() const { return config_; }

 private:
  explicit TokenBucket(const Config& config);
  // Credit, in nanoseconds, the bucket would hold at `now`.
  std::int64_t credit_at(Instant now) const;

  Config config_;
  std::int64_t cost_ns_;      // one token: interval in nanoseconds
  std::int64_t capacity_ns_;  // burst tokens
  std::int64_t credit_ns_;    // 0 <= credit_ns_ <= capacity_ns_
  Instant last_;              // latest instant seen (meaningful once started_)
  bool started_ = false;
};

}  // namespace hardstack::net

#include "token_bucket.hpp"

#include <limits>

namespace hardstack::net {

namespace {
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// later - earlier for later > earlier, or int64_max when the true difference
// does not fit (only possible when earlier is negative).
constexpr std::int64_t elapsed_ns(std::int64_t earlier, std::int64_t later) {
  if (earlier < 0 && later > int64_max + earlier) return int64_max;
  return later - earlier;
}
}  // namespace

const char* to_string(TokenBucketConfigError e) {
  switch (e) {
    case TokenBucketConfigError::interval_not_positive:
      return "token bucket: the interval per token must be positive (LINUX icmp_ratelimit is in ms, "
             "1000 by default)";
    case TokenBucketConfigError::burst_not_positive:
      return "token bucket: the burst must be at least 1 token (LINUX icmp_msgs_burst, 50 by default)";
    case TokenBucketConfigError::capacity_overflow:
      return "token bucket: burst * interval exceeds 2^63 - 1 nanoseconds (about 292 years)";
  }
  return "token bucket: unknown configuration error";
}

Result<TokenBucket, TokenBucketConfigError> TokenBucket::create(const Config& config) {
  if (config.interval <= Duration::zero()) {
    return Unexpected(TokenBucketConfigError::interval_not_positive);
  }
  if (config.burst <= 0) return Unexpected(TokenBucketConfigError::burst_not_positive);
  if (config.interval.count_ns() > int64_max / config.burst) {
    return Unexpected(TokenBucketConfigError::capacity_overflow);
  }
  return TokenBucket(config);
}

TokenBucket::TokenBucket(const Config& config)
    : config_(config),
      cost_ns_(config.interval.count_ns()),
      capacity_ns_(config.interval.count_ns() * config.burst),
      credit_ns_(capacity_ns_) {}

std::int64_t TokenBucket::credit_at(Instant now) const {
  // Before the first call the bucket is full; time going backwards earns nothing.
  if (!started_ || now <= last_) return credit_ns_;
  const std::int64_t room = capacity_ns_ - credit_ns_;  // both in [0, capacity]
  const std::int64_t elapsed = elapsed_ns(last_.ns(), now.ns());
  return elapsed >= room ? capacity_ns_ : credit_ns_ + elapsed;
}

bool TokenBucket::allow(Instant now) {
  credit_ns_ = credit_at(now);
  if (!started_ || now > last_) last_ = now;
  started_ = true;
  if (credit_ns_ < cost_ns_) return false;
  credit_ns_ -= cost_ns_;
  return true;
}

std::int64_t TokenBucket::tokens(Instant now) const { return credit_at(now) / cost_ns_; }

}  // namespace hardstack::net

// Virtual time for tests, fuzzers and benchmarks: a Clock that moves only
// when told to, so every run of a scenario sees the same instants.
#pragma once

#include "hardstack/net/time.hpp"

namespace hardstack::harness {

class VirtualClock final : public net::Clock {
 public:
  explicit VirtualClock(net::Instant start = net::Instant::from_ns(0)) : now_(start) {}

  net::Instant now() override { return now_; }
  // The same, for callers holding a const clock (a link's pcap tap).
  net::Instant current() const { return now_; }

  // Moves time forward by `d`. Time is steady, as the stack assumes of every
  // host clock: a negative step, or one past Instant::never(), aborts with a
  // message (a mistake in the test, not a condition to handle).
  void advance(net::Duration d);
  // Moves time to `t`, which must not be earlier than now().
  void set(net::Instant t);

 private:
  net::Instant now_;
};

}  // namespace hardstack::harness

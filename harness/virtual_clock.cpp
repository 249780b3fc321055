#include "virtual_clock.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace hardstack::harness {

namespace {
[[noreturn]] void fail(const char* what, long long a, long long b) {
  std::fprintf(stderr, "hardstack::harness::VirtualClock: %s (now %lld ns, argument %lld ns)\n", what, a, b);
  std::abort();
}
}  // namespace

void VirtualClock::advance(net::Duration d) {
  if (d < net::Duration::zero()) fail("advance by a negative duration", now_.ns(), d.count_ns());
  // Compare before adding (a negative now cannot overflow with d >= 0).
  const std::int64_t room = std::numeric_limits<std::int64_t>::max() - std::max<std::int64_t>(now_.ns(), 0);
  if (d.count_ns() > room) fail("advance past Instant::never()", now_.ns(), d.count_ns());
  now_ += d;
}

void VirtualClock::set(net::Instant t) {
  if (t < now_) fail("set to an earlier instant", now_.ns(), t.ns());
  now_ = t;
}

}  // namespace hardstack::harness

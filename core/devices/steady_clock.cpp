#include "steady_clock.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace hardstack::devices {

net::Instant SteadyClock::now() {
  timespec ts{};
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
    const int error = errno;
    std::fprintf(stderr, "hardstack: SteadyClock: clock_gettime(CLOCK_MONOTONIC) failed: %s (errno %d)\n",
                 std::strerror(error), error);
    std::abort();
  }
  // Seconds since boot: 2^63 ns is 292 years, so this cannot overflow.
  return net::Instant::from_ns(static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 +
                               static_cast<std::int64_t>(ts.tv_nsec));
}

}  // namespace hardstack::devices

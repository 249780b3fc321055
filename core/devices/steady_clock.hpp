// The host's clock for real use: CLOCK_MONOTONIC in nanoseconds. It never
// jumps with wall-clock changes (NTP steps, date -s) and keeps counting while
// the process runs; Instants from it are only compared and subtracted.
#pragma once

#include "../net/time.hpp"

namespace hardstack::devices {

class SteadyClock final : public net::Clock {
 public:
  // Aborts with a message if the kernel has no CLOCK_MONOTONIC (it always
  // has on Linux): a stack without time cannot run its timers.
  net::Instant now() override;
};

}  // namespace hardstack::devices

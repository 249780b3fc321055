#include "virtual_clock.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>

using namespace hardstack::harness;
using hardstack::net::Duration;
using hardstack::net::Instant;

namespace {
// Runs `f` in a child process; true when it aborted (SIGABRT), its message to /dev/null.
template <typename F>
bool aborts(F f) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDERR_FILENO);
    std::signal(SIGABRT, SIG_DFL);  // Boost.Test's handler would report it as a failure
    f();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}
}  // namespace

BOOST_AUTO_TEST_CASE(moves_only_when_told) {
  VirtualClock clock(Instant::from_ns(1'000));
  hardstack::net::Clock& host = clock;  // what a host loop holds
  BOOST_TEST(host.now().ns() == 1'000);
  BOOST_TEST(host.now().ns() == 1'000);
  clock.advance(Duration::milliseconds(5));
  BOOST_TEST(host.now().ns() == 5'001'000);
  clock.advance(Duration::zero());
  BOOST_TEST(clock.current().ns() == 5'001'000);
  clock.set(Instant::from_ns(7'000'000));
  BOOST_TEST(host.now().ns() == 7'000'000);
  clock.set(Instant::from_ns(7'000'000));  // setting to now is allowed
  BOOST_TEST(VirtualClock().now().ns() == 0);
}

BOOST_AUTO_TEST_CASE(reaches_never_but_not_past_it) {
  VirtualClock clock;
  clock.advance(Instant::never() - Instant::from_ns(0));
  BOOST_TEST((clock.now() == Instant::never()));
  VirtualClock negative(Instant::from_ns(-10));
  negative.advance(Duration::max());  // -10 + max fits
  BOOST_TEST(negative.now().ns() == Instant::never().ns() - 10);
}

BOOST_AUTO_TEST_CASE(time_never_goes_back) {
  BOOST_TEST(aborts([] { VirtualClock(Instant::from_ns(5)).set(Instant::from_ns(4)); }));
  BOOST_TEST(aborts([] { VirtualClock().advance(Duration::nanoseconds(-1)); }));
  BOOST_TEST(aborts([] {
    VirtualClock c(Instant::from_ns(1));
    c.advance(Duration::max());
  }));
  BOOST_TEST(!aborts([] { VirtualClock().advance(Duration::seconds(1)); }));
}

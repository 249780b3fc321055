#include "system_entropy.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>
#include <vector>

using namespace hardstack::devices;

namespace {
// Stand-ins with getrandom(2)'s contract. State is global: Source is a plain
// function pointer.
int calls = 0;

// Odd calls fail with EINTR; call 2k hands out min(length, k) bytes,
// numbered 1, 2, 3, ... across calls. Every requested length is recorded.
std::size_t produced = 0;
std::vector<std::size_t> lengths_asked;
ssize_t interrupted_and_short(void* buffer, std::size_t length, unsigned int) {
  ++calls;
  lengths_asked.push_back(length);
  if (calls % 2 == 1) {
    errno = EINTR;
    return -1;
  }
  const std::size_t n = std::min<std::size_t>(length, static_cast<std::size_t>(calls / 2));
  auto* out = static_cast<unsigned char*>(buffer);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>(++produced);
  return static_cast<ssize_t>(n);
}

ssize_t no_syscall(void*, std::size_t, unsigned int) {
  errno = ENOSYS;
  return -1;
}
ssize_t seccomp_denied(void*, std::size_t, unsigned int) {
  errno = EPERM;
  return -1;
}
ssize_t returns_nothing(void*, std::size_t, unsigned int) { return 0; }

struct ChildOutcome {
  bool aborted = false;
  std::string stderr_text;
};

// Runs fill() on `source` in a child process; reports whether it died by
// SIGABRT and what it printed.
ChildOutcome fill_in_child(SystemEntropy::Source source) {
  int pipe_fds[2];
  BOOST_REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    std::signal(SIGABRT, SIG_DFL);  // Boost.Test's handler would carry on with the tests
    SystemEntropy entropy(source);
    std::array<std::byte, 16> out{};
    entropy.fill(out);
    ::_exit(0);  // reached only if fill() fell back to something
  }
  ::close(pipe_fds[1]);
  ChildOutcome outcome;
  char chunk[256];
  for (ssize_t n; (n = ::read(pipe_fds[0], chunk, sizeof chunk)) > 0;) outcome.stderr_text.append(chunk, n);
  ::close(pipe_fds[0]);
  int status = 0;
  BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
  outcome.aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
  return outcome;
}
}  // namespace

BOOST_AUTO_TEST_CASE(system_entropy_is_not_constant) {
  SystemEntropy entropy;
  std::array<std::byte, 32> a{}, b{};
  entropy.fill(a);
  entropy.fill(b);
  BOOST_TEST(!(a == b));
  BOOST_TEST(entropy.next_u64() != entropy.next_u64());
}

BOOST_AUTO_TEST_CASE(system_entropy_covers_every_byte_value) {
  // 16 KiB of uniform bytes miss a given value with probability e^-64.
  SystemEntropy entropy;
  std::vector<std::byte> bytes(16384);
  entropy.fill(bytes);
  std::bitset<256> seen;
  for (const std::byte b : bytes) seen.set(std::to_integer<unsigned>(b));
  BOOST_TEST(seen.count() == 256u);
}

BOOST_AUTO_TEST_CASE(system_entropy_fills_past_getrandoms_32_mib_per_call_limit) {
  // getrandom(2) returns at most 2^25 - 1 bytes per call: this fill takes a
  // short read and must ask again for the rest.
  SystemEntropy entropy;
  std::vector<std::byte> bytes((std::size_t{1} << 25) + 4096, std::byte{0});
  entropy.fill(bytes);
  std::bitset<256> seen;
  for (std::size_t i = bytes.size() - 4096; i < bytes.size(); ++i)
    seen.set(std::to_integer<unsigned>(bytes[i]));
  BOOST_TEST(seen.count() > 200u);  // the tail was written, not left zero
}

BOOST_AUTO_TEST_CASE(system_entropy_retries_eintr_and_short_reads) {
  calls = 0;
  produced = 0;
  lengths_asked.clear();
  SystemEntropy entropy(&interrupted_and_short);
  std::array<std::byte, 20> out{};
  entropy.fill(out);
  // Reads of 1, 2, 3, 4, 5 and 5 bytes, each after an EINTR, land in order.
  for (std::size_t i = 0; i < out.size(); ++i) BOOST_TEST(std::to_integer<std::size_t>(out[i]) == i + 1);
  BOOST_TEST(calls == 12);
  const std::vector<std::size_t> expected{20, 20, 19, 19, 17, 17, 14, 14, 10, 10, 5, 5};
  BOOST_TEST(lengths_asked == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(system_entropy_aborts_with_a_message_when_the_kernel_has_no_getrandom) {
  const ChildOutcome outcome = fill_in_child(&no_syscall);
  BOOST_TEST(outcome.aborted);
  BOOST_TEST(outcome.stderr_text.find("getrandom(2) is not available") != std::string::npos,
             outcome.stderr_text);
  BOOST_TEST(outcome.stderr_text.find("errno 38") != std::string::npos, outcome.stderr_text);
  BOOST_TEST(outcome.stderr_text.find("refusing to run") != std::string::npos, outcome.stderr_text);
}

BOOST_AUTO_TEST_CASE(system_entropy_aborts_when_getrandom_is_denied) {
  const ChildOutcome outcome = fill_in_child(&seccomp_denied);
  BOOST_TEST(outcome.aborted);
  BOOST_TEST(
      outcome.stderr_text.find("getrandom(2) failed: Operation not permitted (errno 1)") != std::string::npos,
      outcome.stderr_text);
}

BOOST_AUTO_TEST_CASE(system_entropy_aborts_rather_than_loop_on_a_zero_return) {
  const ChildOutcome outcome = fill_in_child(&returns_nothing);
  BOOST_TEST(outcome.aborted);
  BOOST_TEST(outcome.stderr_text.find("returned no bytes") != std::string::npos, outcome.stderr_text);
}

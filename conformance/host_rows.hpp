#pragma once

// Scenario tables that run on the stack and on the host kernel (socket_test.cpp,
// cmsg_test.cpp): each Row is written once against SocketApi (host_sockets.hpp)
// and states the results Linux gives; check_rows() runs it on a SocketFixture's
// stack and on the host's real sockets (loopback) and requires both to give
// exactly those results. A row the host cannot reproduce says why and runs on
// the stack only.

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <functional>
#include <vector>

#include "host_sockets.hpp"
#include "socket_fixture.hpp"

namespace hardstack::conformance {

inline long read_proc(const char* path, long fallback) {
  std::ifstream f(path);
  long v = fallback;
  if (!(f >> v)) return fallback;
  return v;
}

// The stack's limits and defaults set to the host's, so values compare equal.
inline SocketFixtureOptions host_like() {
  SocketFixtureOptions o;
  o.sockets.rmem_default = static_cast<int>(read_proc("/proc/sys/net/core/rmem_default", 212992));
  o.sockets.rmem_max = static_cast<int>(read_proc("/proc/sys/net/core/rmem_max", 212992));
  o.sockets.wmem_default = static_cast<int>(read_proc("/proc/sys/net/core/wmem_default", 212992));
  o.sockets.wmem_max = static_cast<int>(read_proc("/proc/sys/net/core/wmem_max", 212992));
  o.stack.config.default_ttl = static_cast<std::uint8_t>(read_proc("/proc/sys/net/ipv4/ip_default_ttl", 64));
  o.stack.config.default_hop_limit =
      static_cast<std::uint8_t>(read_proc("/proc/sys/net/ipv6/conf/all/hop_limit", 64));
  return o;
}
using HostLike = SocketFixtureWith<host_like>;

// Whether the host can run the IPv6 rows (::1 on loopback, dual-stack by default).
inline bool host_has_ipv6() {
  const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  const auto a = sin6(loopback6, 0);
  const bool ok = ::bind(fd, sa(a), sizeof a) == 0;
  ::close(fd);
  return ok && read_proc("/proc/sys/net/ipv6/bindv6only", 0) == 0;
}

struct Row {
  const char* what;
  std::vector<long> expected;
  std::function<void(SocketApi&)> run;
  const char* host_skip = nullptr;  // why the host cannot reproduce it (runs on the stack only)
  bool ipv6 = false;                // needs IPv6 on the host's loopback
  bool privileged = false;          // needs CAP_NET_RAW on the host (IPV6_HOPOPTS ...)
};

inline std::vector<long> run_row(SocketApi& api, const Row& row) {
  api.results.clear();
  row.run(api);
  api.close_all();
  return api.results;
}

// Every row on the stack and on the host: both give what the row expects.
inline void check_rows(SocketFixture& t, const std::vector<Row>& rows) {
  StackSocketApi stack_api(t.sockets, t.stack);
  HostSocketApi host_api;
  const bool v6 = host_has_ipv6();
  const bool root = ::geteuid() == 0;
  std::size_t host_rows = 0;
  for (const auto& row : rows) {
    BOOST_TEST_CONTEXT(row.what) {
      const auto stack = run_row(stack_api, row);
      BOOST_TEST(to_text(stack) == to_text(row.expected));
      if (row.host_skip != nullptr || (row.ipv6 && !v6) || (row.privileged && !root)) continue;
      const auto host = run_row(host_api, row);
      BOOST_TEST(to_text(host) == to_text(row.expected));
      ++host_rows;
    }
  }
  BOOST_TEST_MESSAGE(host_rows << " of " << rows.size() << " rows also ran on the host kernel");
  BOOST_TEST(host_rows > 0u);
}

}  // namespace hardstack::conformance

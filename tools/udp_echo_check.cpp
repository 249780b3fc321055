// udp_echo_check: a UDP echo client on the host's own (Linux) sockets, for
// tools/tap_server_test.sh. Sends --count datagrams of each --size to ADDRESS PORT
// and checks that each comes back byte for byte from that same address and
// port; with --expect-refused, checks instead that a connected socket gets
// ECONNREFUSED (the peer answered ICMP port unreachable).
//
//   udp_echo_check 192.0.2.2 7 --size 100 --size 4000 --size 30000
//   udp_echo_check 2001:db8::2 9 --expect-refused
//
// Every datagram's bytes differ (a pattern seeded by its size and number), so a
// late or stray reply cannot pass for the one awaited. A datagram with no reply
// within --timeout-ms is sent again, at most --attempts times in all. Exit 0
// when every check passed, 1 when one failed, 2 on a usage error.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  std::string address;
  unsigned port = 0;
  std::vector<std::size_t> sizes;
  unsigned count = 1;
  int timeout_ms = 1000;
  unsigned attempts = 2;
  bool expect_refused = false;
};

constexpr const char* kUsage =
    "usage: udp_echo_check ADDRESS PORT [--size N]... [--count N] [--timeout-ms MS] [--attempts N]\n"
    "       udp_echo_check ADDRESS PORT --expect-refused [--timeout-ms MS]\n";

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "udp_echo_check: %s\n%s", why.c_str(), kUsage);
  std::exit(2);
}

template <typename T>
T number(std::string_view text, const char* what) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) usage_error(std::string("bad ") + what);
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  if (argc < 3) usage_error("ADDRESS and PORT are required");
  o.address = argv[1];
  o.port = number<unsigned>(argv[2], "PORT");
  if (o.port == 0 || o.port > 65535) usage_error("PORT out of range");
  for (int i = 3; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--expect-refused") {
      o.expect_refused = true;
      continue;
    }
    if (i + 1 >= argc) usage_error(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    if (flag == "--size") {
      o.sizes.push_back(number<std::size_t>(value, "--size"));
      if (o.sizes.back() > 65527) usage_error("--size above 65527");
    } else if (flag == "--count") {
      o.count = number<unsigned>(value, "--count");
    } else if (flag == "--timeout-ms") {
      o.timeout_ms = number<int>(value, "--timeout-ms");
    } else if (flag == "--attempts") {
      o.attempts = number<unsigned>(value, "--attempts");
      if (o.attempts == 0) usage_error("--attempts must be at least 1");
    } else {
      usage_error("unknown option " + std::string(flag));
    }
  }
  if (!o.expect_refused && o.sizes.empty()) usage_error("give --size at least once (or --expect-refused)");
  return o;
}

struct Peer {
  sockaddr_storage address{};
  socklen_t length = 0;
  int family = AF_UNSPEC;
};

Peer resolve(const Options& o) {
  Peer p;
  sockaddr_in sin{};
  sockaddr_in6 sin6{};
  if (inet_pton(AF_INET, o.address.c_str(), &sin.sin_addr) == 1) {
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<std::uint16_t>(o.port));
    std::memcpy(&p.address, &sin, sizeof sin);
    p.length = sizeof sin;
    p.family = AF_INET;
  } else if (inet_pton(AF_INET6, o.address.c_str(), &sin6.sin6_addr) == 1) {
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(static_cast<std::uint16_t>(o.port));
    std::memcpy(&p.address, &sin6, sizeof sin6);
    p.length = sizeof sin6;
    p.family = AF_INET6;
  } else {
    usage_error("ADDRESS is neither IPv4 nor IPv6: " + o.address);
  }
  return p;
}

// The same address family, address and port (what a reply must come from).
bool same_endpoint(const Peer& want, const sockaddr_storage& got, socklen_t length) {
  if (got.ss_family != want.family) return false;
  if (want.family == AF_INET) {
    if (length < sizeof(sockaddr_in)) return false;
    sockaddr_in a{}, b{};
    std::memcpy(&a, &want.address, sizeof a);
    std::memcpy(&b, &got, sizeof b);
    return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
  }
  if (length < sizeof(sockaddr_in6)) return false;
  sockaddr_in6 a{}, b{};
  std::memcpy(&a, &want.address, sizeof a);
  std::memcpy(&b, &got, sizeof b);
  return a.sin6_port == b.sin6_port && std::memcmp(&a.sin6_addr, &b.sin6_addr, sizeof a.sin6_addr) == 0;
}

std::vector<unsigned char> pattern(std::size_t size, unsigned number) {
  std::vector<unsigned char> out(size);
  std::uint32_t x = static_cast<std::uint32_t>(size) * 2654435761u ^ (number + 1) * 40503u;
  for (auto& b : out) {
    x = x * 1664525u + 1013904223u;  // a linear congruential sequence: bytes differ everywhere
    b = static_cast<unsigned char>(x >> 24);
  }
  return out;
}

// Waits for the echo of `sent`. 1: echoed intact; 0: nothing within the timeout; -1: a wrong reply.
int await_echo(int fd, const Peer& peer, const std::vector<unsigned char>& sent, int timeout_ms,
               std::vector<unsigned char>& buffer) {
  pollfd p{fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, timeout_ms);
  if (ready < 0) {
    std::printf("  poll: %s\n", std::strerror(errno));
    return -1;
  }
  if (ready == 0) return 0;
  sockaddr_storage from{};
  socklen_t from_length = sizeof from;
  const ssize_t n = ::recvfrom(fd, buffer.data(), buffer.size(), MSG_TRUNC,
                               reinterpret_cast<sockaddr*>(&from), &from_length);
  if (n < 0) {
    std::printf("  recvfrom: %s\n", std::strerror(errno));
    return -1;
  }
  if (!same_endpoint(peer, from, from_length)) {
    std::printf("  the reply came from another address or port\n");
    return -1;
  }
  if (static_cast<std::size_t>(n) != sent.size()) {
    std::printf("  the reply has %zd bytes, %zu were sent\n", n, sent.size());
    return -1;
  }
  for (std::size_t i = 0; i < sent.size(); ++i) {
    if (buffer[i] != sent[i]) {
      std::printf("  the reply differs at byte %zu: 0x%02x, 0x%02x was sent\n", i, buffer[i], sent[i]);
      return -1;
    }
  }
  return 1;
}

int check_echo(const Options& o, const Peer& peer) {
  const int fd = ::socket(peer.family, SOCK_DGRAM, 0);
  if (fd < 0) {
    std::printf("FAIL: socket: %s\n", std::strerror(errno));
    return 1;
  }
  std::vector<unsigned char> buffer(65536);
  int failures = 0;
  for (const std::size_t size : o.sizes) {
    for (unsigned number = 0; number < o.count; ++number) {
      const auto sent = pattern(size, number);
      int outcome = 0;
      unsigned attempt = 0;
      while (outcome == 0 && attempt < o.attempts) {
        ++attempt;
        if (::sendto(fd, sent.data(), sent.size(), 0, reinterpret_cast<const sockaddr*>(&peer.address),
                     peer.length) < 0) {
          std::printf("  sendto: %s\n", std::strerror(errno));
          outcome = -1;
          break;
        }
        outcome = await_echo(fd, peer, sent, o.timeout_ms, buffer);
      }
      if (outcome == 1) {
        std::printf("ok:   %zu bytes echoed by %s port %u%s\n", size, o.address.c_str(), o.port,
                    attempt > 1 ? " (after a resend)" : "");
      } else {
        std::printf("FAIL: %zu bytes to %s port %u: %s (the rest of this size skipped)\n", size,
                    o.address.c_str(), o.port, outcome == 0 ? "no reply" : "wrong reply");
        ++failures;
        break;
      }
    }
  }
  ::close(fd);
  return failures == 0 ? 0 : 1;
}

// A connected socket learns of ICMP port unreachable as ECONNREFUSED on its
// next receive (Linux reports hard errors to connected UDP sockets).
int check_refused(const Options& o, const Peer& peer) {
  const int fd = ::socket(peer.family, SOCK_DGRAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&peer.address), peer.length) < 0) {
    std::printf("FAIL: socket/connect: %s\n", std::strerror(errno));
    return 1;
  }
  const char probe[] = "anyone?";
  int result = 1;
  if (::send(fd, probe, sizeof probe, 0) < 0) {
    std::printf("FAIL: send: %s\n", std::strerror(errno));
  } else {
    pollfd p{fd, POLLIN, 0};
    char reply[64];
    if (::poll(&p, 1, o.timeout_ms) <= 0) {
      std::printf("FAIL: %s port %u: no error and no reply within %d ms\n", o.address.c_str(), o.port,
                  o.timeout_ms);
    } else if (::recv(fd, reply, sizeof reply, 0) >= 0) {
      std::printf("FAIL: %s port %u answered, ECONNREFUSED was expected\n", o.address.c_str(), o.port);
    } else if (errno != ECONNREFUSED) {
      std::printf("FAIL: %s port %u: %s, ECONNREFUSED was expected\n", o.address.c_str(), o.port,
                  std::strerror(errno));
    } else {
      std::printf("ok:   %s port %u refused (ICMP port unreachable)\n", o.address.c_str(), o.port);
      result = 0;
    }
  }
  ::close(fd);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const Peer peer = resolve(o);
  return o.expect_refused ? check_refused(o, peer) : check_echo(o, peer);
}

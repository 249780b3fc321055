// tap_server: the hardstack core on a Linux TAP device, with the system's
// steady clock and entropy, until SIGINT or SIGTERM. It answers ARP, neighbour
// discovery and ping (IPv4 and IPv6, fragmented or not), and runs a UDP echo
// service (RFC 862) on port 7 for both families through the stack's own socket
// API: one dual-stack socket, every datagram sent back to whoever sent it.
//
//   tap_server --tap hs0 --mac 02:00:00:00:00:02 --ipv4 192.0.2.2/24 --ipv6 2001:db8::2/64
//
// The TAP interface is the kernel's side of the link: give it an address in the
// same subnet (ip addr add 192.0.2.1/24 dev hs0; ip link set hs0 up) and ping
// 192.0.2.2. Needs CAP_NET_ADMIN (or a TAP made beforehand that the user owns).
// tools/tap_server_test.sh runs it in a network namespace against Linux's ping.
//
// The loop: wait on the TAP descriptor until the stack's next deadline, then
// stack.poll(now), then answer every datagram the echo socket holds (the
// sockets' readiness callback says when there are some). Nothing else wakes the
// stack, so an idle server sleeps.

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hardstack/devices/steady_clock.hpp"
#include "hardstack/devices/system_entropy.hpp"
#include "hardstack/devices/tap_device.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/socket/socket.hpp"

namespace {

using namespace hardstack;

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

constexpr const char* kUsage =
    "usage: tap_server --tap NAME --mac MAC [--ipv4 ADDR/LEN]... [--ipv6 ADDR/LEN]...\n"
    "                  [--gateway4 ADDR] [--gateway6 ADDR] [--mtu N]\n"
    "                  [--reasm-timeout-v4 SECONDS] [--reasm-timeout-v6 SECONDS]\n"
    "                  [--reasm-memory BYTES] [--reasm-fragments N]\n"
    "                  [--icmp-ratelimit-ms N] [--icmp-burst N] [--ttl N] [--echo-broadcasts]\n"
    "                  [--no-udp-echo] [--ready-file PATH]\n"
    "\n"
    "  --tap NAME              TAP interface to create or attach to (kernel side of the link)\n"
    "  --mac MAC               the stack's Ethernet address\n"
    "  --ipv4 / --ipv6         the stack's addresses (repeatable)\n"
    "  --gateway4 / --gateway6 default routers (on a configured subnet)\n"
    "  --mtu N                 the stack's IP MTU (default: the TAP's)\n"
    "  --reasm-timeout-v4 S    IPv4 reassembly timeout (default 30)\n"
    "  --reasm-timeout-v6 S    IPv6 reassembly timeout (default 60)\n"
    "  --reasm-memory BYTES    reassembly memory cap per family (default 4194304)\n"
    "  --reasm-fragments N     fragments per datagram (default 64)\n"
    "  --icmp-ratelimit-ms N   one ICMP error token per N ms (default 1000), both families\n"
    "  --icmp-burst N          token bucket size (default 50)\n"
    "  --ttl N                 default TTL and hop limit (default 64)\n"
    "  --echo-broadcasts       answer echo requests sent to a broadcast address\n"
    "  --no-udp-echo           no UDP echo service on port 7\n"
    "  --ready-file PATH       write PATH once the device is up (for scripts)\n";

struct Prefix4 {
  wire::Ipv4Address address;
  std::uint8_t length = 0;
};
struct Prefix6 {
  wire::Ipv6Address address;
  std::uint8_t length = 0;
};

struct Options {
  std::string tap;
  std::optional<wire::MacAddress> mac;
  std::vector<Prefix4> ipv4;
  std::vector<Prefix6> ipv6;
  std::optional<wire::Ipv4Address> gateway4;
  std::optional<wire::Ipv6Address> gateway6;
  std::optional<std::size_t> mtu;
  net::StackConfig stack;
  std::string ready_file;
  bool udp_echo = true;
};

template <typename T>
std::optional<T> number(std::string_view text) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

template <typename Address>
std::optional<std::pair<Address, std::uint8_t>> prefix(std::string_view text, unsigned max_length) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto a = Address::from_string(text.substr(0, slash));
  const auto l = number<unsigned>(text.substr(slash + 1));
  if (!a || !l || *l > max_length) return std::nullopt;
  return std::pair{*a, static_cast<std::uint8_t>(*l)};
}

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "tap_server: %s\n\n%s", why.c_str(), kUsage);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (flag == "--echo-broadcasts") {
      o.stack.echo_ignore_broadcasts = false;
      continue;
    }
    if (flag == "--no-udp-echo") {
      o.udp_echo = false;
      continue;
    }
    if (i + 1 >= argc) usage_error(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    const auto bad = [&] { usage_error("bad value for " + std::string(flag) + ": " + std::string(value)); };
    const auto seconds = [&]() -> net::Duration {
      const auto s = number<std::uint32_t>(value);
      if (!s || *s == 0 || *s > 86400) bad();
      return net::Duration::seconds(*s);
    };
    if (flag == "--tap") {
      o.tap = value;
    } else if (flag == "--mac") {
      o.mac = wire::MacAddress::from_string(value);
      if (!o.mac) bad();
    } else if (flag == "--ipv4") {
      const auto p = prefix<wire::Ipv4Address>(value, 32);
      if (!p) bad();
      o.ipv4.push_back({p->first, p->second});
    } else if (flag == "--ipv6") {
      const auto p = prefix<wire::Ipv6Address>(value, 128);
      if (!p) bad();
      o.ipv6.push_back({p->first, p->second});
    } else if (flag == "--gateway4") {
      o.gateway4 = wire::Ipv4Address::from_string(value);
      if (!o.gateway4) bad();
    } else if (flag == "--gateway6") {
      o.gateway6 = wire::Ipv6Address::from_string(value);
      if (!o.gateway6) bad();
    } else if (flag == "--mtu") {
      o.mtu = number<std::size_t>(value);
      if (!o.mtu) bad();
    } else if (flag == "--reasm-timeout-v4") {
      o.stack.reassembly_v4.timeout = seconds();
    } else if (flag == "--reasm-timeout-v6") {
      o.stack.reassembly_v6.timeout = seconds();
    } else if (flag == "--reasm-memory") {
      const auto n = number<std::size_t>(value);
      if (!n) bad();
      o.stack.reassembly_v4.memory_cap = o.stack.reassembly_v6.memory_cap = *n;
    } else if (flag == "--reasm-fragments") {
      const auto n = number<std::uint32_t>(value);
      if (!n) bad();
      o.stack.reassembly_v4.max_fragments_per_datagram = o.stack.reassembly_v6.max_fragments_per_datagram =
          *n;
    } else if (flag == "--icmp-ratelimit-ms") {
      const auto n = number<std::uint32_t>(value);
      if (!n) bad();
      o.stack.icmp_rate_limit.interval = o.stack.icmpv6_rate_limit.interval = net::Duration::milliseconds(*n);
    } else if (flag == "--icmp-burst") {
      const auto n = number<std::int32_t>(value);
      if (!n) bad();
      o.stack.icmp_rate_limit.burst = o.stack.icmpv6_rate_limit.burst = *n;
    } else if (flag == "--ttl") {
      const auto n = number<std::uint8_t>(value);
      if (!n) bad();
      o.stack.default_ttl = o.stack.default_hop_limit = *n;
    } else if (flag == "--ready-file") {
      o.ready_file = value;
    } else {
      usage_error("unknown option " + std::string(flag));
    }
  }
  if (o.tap.empty()) usage_error("--tap is required");
  if (!o.mac) usage_error("--mac is required");
  if (o.ipv4.empty() && o.ipv6.empty()) usage_error("give at least one --ipv4 or --ipv6 address");
  return o;
}

template <typename T>
T or_die(Result<T, net::ConfigError> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "tap_server: %s: %s\n", what, r.error().message().c_str());
    std::exit(1);
  }
  if constexpr (!std::is_void_v<T>) return std::move(r.value());
}

void print_stats(const net::Stack& s) {
  const auto& st = s.stats();
  std::fprintf(
      stderr,
      "tap_server: frames in %llu out %llu; IPv4 in %llu delivered %llu; IPv6 in %llu delivered %llu; "
      "ICMP echo replies %llu, ICMPv6 echo replies %llu; drops %llu\n",
      static_cast<unsigned long long>(st.link.rx_frames), static_cast<unsigned long long>(st.link.tx_frames),
      static_cast<unsigned long long>(st.ipv4.in_receives),
      static_cast<unsigned long long>(st.ipv4.in_delivers),
      static_cast<unsigned long long>(st.ipv6.in_receives),
      static_cast<unsigned long long>(st.ipv6.in_delivers),
      static_cast<unsigned long long>(st.icmp.out_echo_replies),
      static_cast<unsigned long long>(st.icmpv6.out_echo_replies),
      static_cast<unsigned long long>(s.total_drops()));
  for (std::size_t r = 0; r < net::drop_reason_count; ++r) {
    const auto reason = static_cast<net::DropReason>(r);
    if (s.drops(reason) != 0)
      std::fprintf(stderr, "tap_server:   %-28s %llu\n", net::to_string(reason),
                   static_cast<unsigned long long>(s.drops(reason)));
  }
}

// RFC 862 over UDP: every datagram to port 7 goes back to its sender, whole.
// One dual-stack socket (IPV6_V6ONLY off): IPv4 peers arrive as
// ::ffff:a.b.c.d and the reply to them leaves over IPv4.
class UdpEcho {
 public:
  static constexpr std::uint16_t port = 7;
  static constexpr std::size_t max_datagram = 65535;  // any UDP payload fits (65507 / 65527)

  // Opens and binds the socket; -errno from the call that failed.
  int open(socket::Sockets& sockets) {
    sockets_ = &sockets;
    fd_ = sockets.socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return fd_;
    const int off = 0;
    if (const int r = sockets.setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off); r < 0) return r;
    sockaddr_in6 any{};
    any.sin6_family = AF_INET6;
    any.sin6_port = htons(port);
    return sockets.bind(fd_, reinterpret_cast<const sockaddr*>(&any), sizeof any);
  }
  int fd() const { return fd_; }

  // Answers every datagram queued on the socket, until it would block.
  void serve() {
    for (;;) {
      sockaddr_in6 from{};
      socklen_t from_length = sizeof from;
      const ssize_t n = sockets_->recvfrom(fd_, buffer_.data(), buffer_.size(), 0,
                                           reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n == -EAGAIN) return;
      if (n < 0) {  // a socket error, reported (and cleared) once
        ++receive_errors;
        continue;
      }
      const ssize_t sent = sockets_->sendto(fd_, buffer_.data(), static_cast<std::size_t>(n), 0,
                                            reinterpret_cast<const sockaddr*>(&from), from_length);
      if (sent < 0) {
        ++send_errors;
        last_send_error = static_cast<int>(-sent);
        continue;
      }
      ++datagrams;
      bytes += static_cast<std::uint64_t>(n);
    }
  }

  std::uint64_t datagrams = 0;
  std::uint64_t bytes = 0;
  std::uint64_t receive_errors = 0;
  std::uint64_t send_errors = 0;
  int last_send_error = 0;

 private:
  socket::Sockets* sockets_ = nullptr;
  int fd_ = -1;
  std::vector<std::byte> buffer_ = std::vector<std::byte>(max_datagram);
};

void print_echo_stats(const UdpEcho& echo, const socket::Sockets& sockets) {
  const auto& u = sockets.udp_stats();
  std::fprintf(
      stderr,
      "tap_server: UDP echo: %llu datagrams (%llu bytes) echoed, %llu receive errors, %llu send "
      "errors; UDP in %llu, out %llu, no port %llu, in errors %llu\n",
      static_cast<unsigned long long>(echo.datagrams), static_cast<unsigned long long>(echo.bytes),
      static_cast<unsigned long long>(echo.receive_errors), static_cast<unsigned long long>(echo.send_errors),
      static_cast<unsigned long long>(u.in_datagrams), static_cast<unsigned long long>(u.out_datagrams),
      static_cast<unsigned long long>(u.no_ports), static_cast<unsigned long long>(u.in_errors));
  if (echo.send_errors != 0)
    std::fprintf(stderr, "tap_server:   last send error: %s\n", std::strerror(echo.last_send_error));
  for (std::size_t r = 0; r < static_cast<std::size_t>(socket::TransportDropReason::count_); ++r) {
    const auto reason = static_cast<socket::TransportDropReason>(r);
    if (sockets.drops(reason) != 0)
      std::fprintf(stderr, "tap_server:   %-28s %llu\n", socket::to_string(reason),
                   static_cast<unsigned long long>(sockets.drops(reason)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);  // no SA_RESTART: poll() returns EINTR
  sigaction(SIGTERM, &sa, nullptr);

  devices::TapConfig tc;
  tc.name = o.tap;
  tc.mode = devices::TunMode::tap;
  auto tap = devices::TapDevice::open(tc);
  if (!tap) {
    std::fprintf(stderr, "tap_server: %s\n", tap.error().message.c_str());
    return 1;
  }
  devices::SteadyClock clock;
  devices::SystemEntropy entropy;
  auto stack = or_die(net::Stack::create(o.stack, entropy), "stack settings");
  net::InterfaceConfig ic;
  ic.name = tap->name();
  ic.mac = o.mac;
  ic.mtu = o.mtu;
  const auto id = or_die(stack.add_interface(*tap, ic), "interface");
  for (const auto& p : o.ipv4) or_die(stack.add_address(id, p.address, p.length), "--ipv4");
  for (const auto& p : o.ipv6) or_die(stack.add_address(id, p.address, p.length), "--ipv6");
  if (o.gateway4) or_die(stack.set_default_gateway(*o.gateway4), "--gateway4");
  if (o.gateway6) or_die(stack.set_default_gateway(*o.gateway6), "--gateway6");
  auto sockets = or_die(socket::Sockets::create(stack, entropy), "sockets");
  UdpEcho echo;
  bool echo_ready = false;
  if (o.udp_echo) {
    if (const int r = echo.open(sockets); r < 0) {
      std::fprintf(stderr, "tap_server: UDP echo on port %u: %s\n", UdpEcho::port, std::strerror(-r));
      return 1;
    }
    sockets.set_readiness_callback([&](int fd) { echo_ready = echo_ready || fd == echo.fd(); });
  }

  std::fprintf(stderr, "tap_server: up on %s (MTU %zu)%s\n", tap->name().c_str(), stack.mtu(id),
               o.udp_echo ? ", UDP echo on port 7" : "");
  if (!o.ready_file.empty()) {
    if (FILE* f = std::fopen(o.ready_file.c_str(), "w")) {
      std::fprintf(f, "%s\n", tap->name().c_str());
      std::fclose(f);
    }
  }

  while (g_stop == 0) {
    const net::Instant now = clock.now();
    stack.poll(now);
    if (echo_ready) {
      echo_ready = false;
      echo.serve();
    }
    const net::Instant next = stack.next_deadline();
    // Sleep until a frame arrives or the next deadline, at most a second.
    std::int64_t wait_ms = 1000;
    if (next != net::Instant::never()) {
      const auto until = next - clock.now();
      wait_ms = std::clamp<std::int64_t>((until.count_ns() + 999999) / 1000000, 0, 1000);
    }
    pollfd p{tap->fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait_ms)) < 0 && errno != EINTR) {
      std::fprintf(stderr, "tap_server: poll: %s\n", std::strerror(errno));
      return 1;
    }
  }
  print_stats(stack);
  if (o.udp_echo) print_echo_stats(echo, sockets);
  return 0;
}

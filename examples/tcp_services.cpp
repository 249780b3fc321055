#include "tcp_services.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "hardstack/harness/sha256.hpp"

namespace hardstack::examples {

namespace {

enum class Service : std::uint8_t { echo, discard, close_unread };

const char* name(Service s) {
  switch (s) {
    case Service::echo: return "echo";
    case Service::discard: return "discard";
    case Service::close_unread: return "close-unread";
  }
  return "?";
}

constexpr std::size_t chunk = 64 * 1024;  // one recv / send at a time

// "[2001:db8::1]:40000", or "192.0.2.1:40000" for a v4-mapped peer.
std::string peer_name(const sockaddr_in6& a) {
  char text[INET6_ADDRSTRLEN] = "?";
  const bool mapped = IN6_IS_ADDR_V4MAPPED(&a.sin6_addr);
  if (mapped)
    inet_ntop(AF_INET, a.sin6_addr.s6_addr + 12, text, sizeof text);
  else
    inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
  const std::string port = std::to_string(ntohs(a.sin6_port));
  return mapped ? std::string(text) + ":" + port : "[" + std::string(text) + "]:" + port;
}

struct Connection {
  Service service = Service::echo;
  std::string peer;
  std::uint64_t bytes = 0;
  // echo: bytes received and not yet sent back, from `pending_at`
  std::vector<std::byte> pending;
  std::size_t pending_at = 0;
  bool eof = false;
  // discard
  harness::Sha256 digest;
  // close-unread
  net::Instant close_at = net::Instant::never();
};

}  // namespace

struct TcpServices::State {
  socket::Sockets* sockets = nullptr;
  TcpServiceConfig config;
  std::FILE* log = nullptr;
  TcpServiceStats stats;
  std::unordered_map<int, Service> listeners;
  std::unordered_map<int, Connection> connections;
  std::vector<int> ready;  // marked by on_ready, served by serve()
  std::vector<std::byte> buffer = std::vector<std::byte>(chunk);

  int listen_on(Service service, std::uint16_t port, std::string& failed);
  void accept_all(int listener, Service service, net::Instant now);
  void serve(int fd, net::Instant now);
  void echo(int fd, Connection& c);
  void discard(int fd, Connection& c);
  void finish(int fd, Connection& c, const char* how);
  void fail(int fd, Connection& c, long error);
};

// A dual-stack listener on `port` (IPV6_V6ONLY off: IPv4 peers too).
int TcpServices::State::listen_on(Service service, std::uint16_t port, std::string& failed) {
  const auto failure = [&](const char* call, int error) {
    failed = std::string("TCP ") + name(service) + " on port " + std::to_string(port) + ": " + call;
    return error;
  };
  const int fd = sockets->socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return failure("socket", fd);
  const int off = 0;
  if (const int r = sockets->setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off); r < 0)
    return failure("IPV6_V6ONLY", r);
  sockaddr_in6 any{};
  any.sin6_family = AF_INET6;
  any.sin6_port = htons(port);
  if (const int r = sockets->bind(fd, reinterpret_cast<const sockaddr*>(&any), sizeof any); r < 0)
    return failure("bind", r);
  if (const int r = sockets->listen(fd, 128); r < 0) return failure("listen", r);
  listeners.emplace(fd, service);
  return 0;
}

void TcpServices::State::accept_all(int listener, Service service, net::Instant now) {
  for (;;) {
    sockaddr_in6 from{};
    socklen_t length = sizeof from;
    const int fd = sockets->accept4(listener, reinterpret_cast<sockaddr*>(&from), &length, SOCK_NONBLOCK);
    if (fd < 0) {
      if (fd != -EAGAIN) ++stats.errors;
      return;
    }
    ++stats.accepted;
    Connection& c = connections[fd];
    c.service = service;
    c.peer = peer_name(from);
    if (service == Service::close_unread) c.close_at = now + config.close_unread_delay;
    // Data (or a FIN) may have come with the handshake: no notice will follow for it.
    ready.push_back(fd);
  }
}

// Echo: send back what is pending, then read more, until either side would
// block. At the peer's FIN with nothing left to send, close (our FIN).
void TcpServices::State::echo(int fd, Connection& c) {
  for (;;) {
    while (c.pending_at < c.pending.size()) {
      const ssize_t n =
          sockets->send(fd, c.pending.data() + c.pending_at, c.pending.size() - c.pending_at, 0);
      if (n == -EAGAIN) return;  // the send buffer is full: an ACK will notify
      if (n < 0) return fail(fd, c, n);
      c.pending_at += static_cast<std::size_t>(n);
      c.bytes += static_cast<std::uint64_t>(n);
      stats.echoed_bytes += static_cast<std::uint64_t>(n);
    }
    if (c.eof) return finish(fd, c, "echoed");
    c.pending.resize(chunk);
    c.pending_at = 0;
    const ssize_t n = sockets->recv(fd, c.pending.data(), c.pending.size(), 0);
    if (n <= 0) c.pending.clear();
    if (n == -EAGAIN) return;
    if (n < 0) return fail(fd, c, n);
    if (n == 0) c.eof = true;
    c.pending.resize(static_cast<std::size_t>(n));
  }
}

// Discard: read everything there is; at the FIN, report and close.
void TcpServices::State::discard(int fd, Connection& c) {
  for (;;) {
    const ssize_t n = sockets->recv(fd, buffer.data(), buffer.size(), 0);
    if (n == -EAGAIN) return;
    if (n < 0) return fail(fd, c, n);
    if (n == 0) return finish(fd, c, "discarded");
    c.digest.update(std::span<const std::byte>(buffer).first(static_cast<std::size_t>(n)));
    c.bytes += static_cast<std::uint64_t>(n);
    stats.discarded_bytes += static_cast<std::uint64_t>(n);
  }
}

void TcpServices::State::finish(int fd, Connection& c, const char* how) {
  if (log != nullptr) {
    if (c.service == Service::discard)
      std::fprintf(log, "tap_server: TCP %s from %s: %llu bytes %s, sha256 %s\n", name(c.service),
                   c.peer.c_str(), static_cast<unsigned long long>(c.bytes), how,
                   c.digest.finish_hex().c_str());
    else
      std::fprintf(log, "tap_server: TCP %s from %s: %llu bytes %s\n", name(c.service), c.peer.c_str(),
                   static_cast<unsigned long long>(c.bytes), how);
  }
  sockets->close(fd);
  connections.erase(fd);
}

void TcpServices::State::fail(int fd, Connection& c, long error) {
  ++stats.errors;
  if (log != nullptr)
    std::fprintf(log, "tap_server: TCP %s from %s: %s after %llu bytes\n", name(c.service), c.peer.c_str(),
                 std::strerror(static_cast<int>(-error)), static_cast<unsigned long long>(c.bytes));
  sockets->close(fd);
  connections.erase(fd);
}

void TcpServices::State::serve(int fd, net::Instant now) {
  if (const auto l = listeners.find(fd); l != listeners.end()) return accept_all(fd, l->second, now);
  const auto it = connections.find(fd);
  if (it == connections.end()) return;
  Connection& c = it->second;
  switch (c.service) {
    case Service::echo: return echo(fd, c);
    case Service::discard: return discard(fd, c);
    case Service::close_unread: return;  // never reads: the deadline closes it
  }
}

TcpServices::TcpServices() : state_(std::make_unique<State>()) {}
TcpServices::~TcpServices() = default;

int TcpServices::open(socket::Sockets& sockets, const TcpServiceConfig& config, std::string& failed) {
  State& st = *state_;
  st.sockets = &sockets;
  st.config = config;
  const std::pair<Service, std::uint16_t> wanted[] = {
      {Service::echo, config.echo ? config.echo_port : std::uint16_t{0}},
      {Service::discard, config.discard ? config.discard_port : std::uint16_t{0}},
      {Service::close_unread, config.close_unread ? config.close_unread_port : std::uint16_t{0}},
  };
  for (const auto& [service, port] : wanted) {
    if (port == 0) continue;
    if (const int r = st.listen_on(service, port, failed); r < 0) return r;
  }
  return 0;
}

void TcpServices::on_ready(int fd) {
  if (fd >= 0) state_->ready.push_back(fd);
}

void TcpServices::serve(net::Instant now) {
  State& st = *state_;
  // Serving may mark more (a send that frees nothing, an accept): go until quiet.
  std::vector<int> batch;
  while (!st.ready.empty()) {
    batch.swap(st.ready);
    std::sort(batch.begin(), batch.end());
    batch.erase(std::unique(batch.begin(), batch.end()), batch.end());
    for (const int fd : batch) st.serve(fd, now);
    batch.clear();
  }
  for (auto it = st.connections.begin(); it != st.connections.end();) {
    Connection& c = it->second;
    if (c.service != Service::close_unread || c.close_at > now) {
      ++it;
      continue;
    }
    const int fd = it->first;
    // A peek reads nothing: > 0 means data is waiting (0 a FIN alone).
    std::byte probe{};
    const bool unread = st.sockets->recv(fd, &probe, 1, MSG_PEEK) > 0;
    ++(unread ? st.stats.closed_unread : st.stats.closed_empty);
    if (st.log != nullptr)
      std::fprintf(st.log, "tap_server: TCP close-unread from %s: closed after %lld ms, %s\n", c.peer.c_str(),
                   static_cast<long long>(st.config.close_unread_delay.count_ms()),
                   unread ? "data unread (RST)" : "nothing received");
    st.sockets->close(fd);
    it = st.connections.erase(it);
  }
}

net::Instant TcpServices::next_deadline() const {
  net::Instant next = net::Instant::never();
  for (const auto& [fd, c] : state_->connections) next = std::min(next, c.close_at);
  return next;
}

const TcpServiceStats& TcpServices::stats() const { return state_->stats; }

void TcpServices::set_log(std::FILE* log) { state_->log = log; }

}  // namespace hardstack::examples

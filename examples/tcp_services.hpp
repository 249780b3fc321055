// tap_server's TCP services, through the stack's own socket API: one
// dual-stack listener per service (IPV6_V6ONLY off, so IPv4 peers arrive as
// ::ffff:a.b.c.d and are answered over IPv4), every socket non-blocking,
// driven by the sockets' readiness callback.
//
//   port 7   echo (RFC 862): every byte goes back; when the peer has sent its
//            FIN and everything is echoed, the service closes (FIN).
//   port 9   discard (RFC 863): every byte is read and thrown away; at the
//            peer's FIN the service logs the byte count and their SHA-256 (so
//            a test can compare with sha256sum at the sending end) and closes.
//   port 10  close-unread: accepts, waits 200 ms and closes without reading.
//            Data the peer sent by then is unread, so the close is a RST
//            (RFC 2525 2.17, RFC 1122 4.2.2.13): the peer's next read or write
//            fails with ECONNRESET.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "hardstack/net/time.hpp"
#include "hardstack/socket/socket.hpp"

namespace hardstack::examples {

struct TcpServiceConfig {
  bool echo = true;
  bool discard = true;
  bool close_unread = true;
  std::uint16_t echo_port = 7;
  std::uint16_t discard_port = 9;
  std::uint16_t close_unread_port = 10;
  net::Duration close_unread_delay = net::Duration::milliseconds(200);
};

// What the services did, for the exit report.
struct TcpServiceStats {
  std::uint64_t accepted = 0;
  std::uint64_t echoed_bytes = 0;
  std::uint64_t discarded_bytes = 0;
  std::uint64_t closed_unread = 0;  // port 10 closes with data waiting (a RST went out)
  std::uint64_t closed_empty = 0;   // port 10 closes with nothing sent by the peer (a FIN)
  std::uint64_t errors = 0;         // connections that ended on a socket error
};

class TcpServices {
 public:
  TcpServices();
  TcpServices(const TcpServices&) = delete;
  TcpServices& operator=(const TcpServices&) = delete;
  ~TcpServices();

  // Opens the enabled services' listeners on `sockets` (which must outlive
  // this object). Returns 0, or -errno with `failed` saying which call.
  int open(socket::Sockets& sockets, const TcpServiceConfig& config, std::string& failed);

  // The sockets' readiness callback for `fd` (any descriptor: others are ignored).
  void on_ready(int fd);
  // Serves every socket marked ready and every close-unread deadline due at `now`.
  void serve(net::Instant now);
  // The next close-unread deadline, or Instant::never().
  net::Instant next_deadline() const;

  const TcpServiceStats& stats() const;
  // One line per connection as it ends ("tap_server: TCP discard from ...: N bytes, sha256 H").
  void set_log(std::FILE* log);

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace hardstack::examples

#pragma once

// Shared by tcp.cpp, tcp_input.cpp and tcp_output.cpp.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/tcp_options.hpp"
#include "tcp.hpp"

namespace hardstack::transport {

// One received segment, decoded (addresses v4-mapped for IPv4).
struct Segment {
  bool ipv4 = true;
  wire::Ipv6Address source;
  wire::Ipv6Address destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  unsigned interface = 0;
  SeqNum seq;
  SeqNum ack;
  wire::TcpFlags flags;
  std::uint16_t window = 0;
  const wire::TcpOptions* options = nullptr;
  wire::Bytes payload;
  // A SYN that reopens a four-tuple in TIME-WAIT: the ISN the new connection
  // takes (LINUX TCP_SKB_CB(skb)->tcp_tw_isn).
  std::optional<SeqNum> time_wait_isn;
  // SEG.LEN: data, plus one for SYN and one for FIN.
  std::uint32_t length() const {
    return static_cast<std::uint32_t>(payload.size()) + (flags.syn() ? 1u : 0u) + (flags.fin() ? 1u : 0u);
  }
  SeqNum end() const { return seq + length(); }
};

inline constexpr std::uint16_t default_mss_v4 = 536;   // RFC 9293 3.7.1
inline constexpr std::uint16_t default_mss_v6 = 1220;  // RFC 8200 8.3
inline constexpr std::uint16_t min_mss = 88;           // LINUX TCP_MIN_MSS
inline constexpr std::uint32_t max_window = 65535;
inline constexpr std::uint8_t max_wscale = 14;
inline constexpr std::size_t timestamp_option_len = 12;               // NOP NOP TS
inline constexpr int keepalive_max_idle_s = 32767;                    // LINUX MAX_TCP_KEEPIDLE
inline constexpr int keepalive_max_count = 127;                       // LINUX MAX_TCP_KEEPCNT
inline constexpr int fin_timeout_max_s = 120;                         // LINUX TCP_FIN_TIMEOUT_MAX
inline constexpr std::uint32_t challenge_ack_unlimited = 0x7fffffff;  // LINUX INT_MAX: no host-wide limit
inline constexpr int orphan_retries = 8;                              // LINUX tcp_orphan_retries(), sysctl 0
inline constexpr std::uint32_t max_ts_rtt_ms = 2147483;  // LINUX tcp_rtt_tsopt_us: INT_MAX / 1000

// What is left of the window last advertised (LINUX tcp_receive_window): 0
// once data accepted past its right edge has moved RCV.NXT beyond it.
inline std::uint32_t advertised_window(const TcpConnection& c) {
  return before(c.rcv_nxt, c.rcv_adv) ? distance(c.rcv_nxt, c.rcv_adv) : 0;
}

inline bool synchronized(TcpState s) {
  return s != TcpState::closed && s != TcpState::listen && s != TcpState::syn_sent;
}

// RFC 7323 5.3: timestamps compare modulo 2^32, as sequence numbers do (no
// unsigned wrap-around in the subtraction).
inline bool ts_before(std::uint32_t a, std::uint32_t b) { return before(SeqNum(a), SeqNum(b)); }

// Our SYN unacknowledged in a synchronized state: closed or shut down in
// SYN-RECEIVED (simultaneous open). The data and FIN go after it.
inline bool syn_unacked(const TcpConnection& c) {
  return synchronized(c.state) && !c.syn_acked && c.snd_una == c.iss;
}

// Milliseconds for the timestamp clock (RFC 7323 5.4: 1 ms ticks, as Linux).
inline std::uint32_t ts_clock(net::Instant now) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(now.ns() / 1000000) & 0xffffffffu);
}

}  // namespace hardstack::transport

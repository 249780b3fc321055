// TCP output and timers (LINUX tcp_output.c / tcp_timer.c): segments with
// their options, what the send and congestion windows allow (Nagle, SWS
// avoidance), RST generation, RFC 6298 retransmission, the persist,
// delayed-ACK, keepalive and TIME-WAIT / FIN-WAIT-2 timers.

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hardstack/net/siphash.hpp"
#include "tcp_internal.hpp"

namespace hardstack::transport {

using socket::Socket;

namespace {

constexpr std::size_t max_header = 60;

net::Ipv4SendParams v4_params(const Socket& s, std::optional<net::InterfaceId> interface) {
  net::Ipv4SendParams p;
  p.source = socket::unmap_v4(s.local.address);
  p.destination = socket::unmap_v4(s.remote.address);
  p.protocol = wire::ip_protocol_tcp;
  if (s.ttl != -1) p.ttl = static_cast<std::uint8_t>(s.ttl);
  p.tos = s.tos;
  p.pmtu = net::PmtuDiscovery::want;
  p.options = s.ip_options;
  p.interface = interface;
  return p;
}

net::Ipv6SendParams v6_params(const Socket& s, std::optional<net::InterfaceId> interface) {
  net::Ipv6SendParams p;
  p.source = s.local.address;
  p.destination = s.remote.address;
  p.next_header = wire::ip_protocol_tcp;
  if (s.unicast_hops != -1) p.hop_limit = static_cast<std::uint8_t>(s.unicast_hops);
  p.traffic_class = static_cast<std::uint8_t>(s.tclass);
  p.pmtu = net::PmtuDiscovery::want;
  p.interface = interface;
  return p;
}

}  // namespace

std::uint16_t Tcp::advertised_mss(const Socket& s) const {
  const bool v4 = s.tcp->ipv4;
  const auto mtu = v4 ? context_.stack.path_mtu(socket::unmap_v4(s.remote.address))
                      : context_.stack.path_mtu(s.remote.address);
  const std::size_t headers = v4 ? 40 : 60;
  // IPv4 datagrams end at 65535 bytes whatever the MTU (loopback's is 65536).
  const std::size_t usable = mtu ? std::min<std::size_t>(*mtu, 65535) : 0;
  std::size_t m = usable > headers ? usable - headers : (v4 ? default_mss_v4 : default_mss_v6);
  if (s.tcp->user_mss != 0) m = std::min<std::size_t>(m, s.tcp->user_mss);
  return static_cast<std::uint16_t>(std::min<std::size_t>(m, 65535));
}

// TCP-MSS-1: data per segment is min(peer MSS, path MTU - headers, TCP_MAXSEG),
// less the timestamp option when it rides on every segment.
std::uint16_t Tcp::compute_mss(const Socket& s) const {
  const TcpConnection& c = *s.tcp;
  std::size_t m = std::min<std::size_t>(advertised_mss(s), c.peer_mss);
  if (c.ts_ok) m -= std::min(m, timestamp_option_len);
  return static_cast<std::uint16_t>(std::max<std::size_t>(m, 48));  // LINUX TCP_MIN_SND_MSS
}

// RFC 6528: ISN = M + F(four-tuple, secret), M a 4-microsecond clock.
SeqNum Tcp::make_isn(const Socket& s) const {
  std::array<std::byte, 36> bytes{};
  std::memcpy(bytes.data(), s.local.address.octets.data(), 16);
  std::memcpy(bytes.data() + 16, s.remote.address.octets.data(), 16);
  wire::store_be16(bytes, 32, s.local.port);
  wire::store_be16(bytes, 34, s.remote.port);
  const auto f = net::siphash24(net::SipHashKey{isn_key0_, isn_key1_}, std::span<const std::byte, 36>(bytes));
  const auto m = static_cast<std::uint32_t>(static_cast<std::uint64_t>(now().ns() / 4000) & 0xffffffffu);
  return SeqNum(static_cast<std::uint32_t>(f)) + m;
}

std::uint32_t Tcp::receive_window(const Socket& s) const {
  const TcpConnection& c = *s.tcp;
  const std::size_t capacity = static_cast<std::size_t>(s.rcvbuf);
  const std::size_t held = c.receive.size() + c.out_of_order_bytes;
  std::size_t free = held < capacity ? capacity - held : 0;
  free = std::min<std::size_t>(free, std::size_t{max_window} << c.rcv_wscale);
  return static_cast<std::uint32_t>(free);
}

std::uint32_t Tcp::flight_size(const TcpConnection& c) const { return distance(c.snd_una, c.snd_max); }

// RFC 6675 4 (simplified): bytes in flight less those the peer SACKed.
std::uint32_t Tcp::pipe(const TcpConnection& c) const {
  std::uint32_t sacked = 0;
  for (const auto& b : c.sacked) sacked += distance(SeqNum(b.left), SeqNum(b.right));
  const std::uint32_t flight = distance(c.snd_una, c.snd_nxt);
  return flight > sacked ? flight - sacked : 0;
}

// One segment: `data_len` bytes from `data_offset` past SND.UNA in the send
// buffer. Writes header and options, checksum, hands it to IP.
bool Tcp::send_segment(Socket& s, SeqNum seq, wire::TcpFlags flags, std::size_t data_offset,
                       std::size_t data_len, bool retransmission) {
  TcpConnection& c = *s.tcp;
  auto& st = context_.tcp;
  const net::Instant t = now();
  wire::TcpRepr h;
  h.src_port = s.local.port;
  h.dst_port = s.remote.port;
  h.seq = seq;
  h.flags = flags;
  if (flags.ack()) h.ack = c.rcv_nxt;
  if (flags.syn()) {
    // RFC 7323 2.2: the window in a SYN is not scaled.
    h.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(receive_window(s), max_window));
    // A SYN-ACK's window sets the right edge the next segments keep to
    // (receiver SWS avoidance starts from it, as for any other segment).
    if (flags.ack()) c.rcv_adv = c.rcv_nxt + h.window;
    h.options.maximum_segment_size = advertised_mss(s);
    const auto& cfg = context_.config;
    // A SYN-ACK answers a SYN, in SYN-RECEIVED or after a close there
    // (FIN-WAIT-1, LAST-ACK): only the options that SYN offered (RFC 7323
    // 1.3, RFC 2018 2).
    const bool answering = flags.ack();
    if (cfg.tcp_window_scaling && (!answering || c.wscale_ok)) {
      h.options.window_scale = wire::TcpWindowScale{answering ? c.rcv_wscale : std::uint8_t{7}};
    }
    if (cfg.tcp_sack && (!answering || c.sack_ok)) h.options.sack_permitted = true;
    if (cfg.tcp_timestamps && (!answering || c.ts_ok))
      h.options.timestamps =
          wire::TcpTimestamps{c.synack_tsval.value_or(ts_clock(t)), answering ? c.ts_recent : 0};
  } else {
    // Every segment but a SYN, a connection's RST included (LINUX
    // tcp_transmit_skb; a RST for a segment nobody takes, from a blank
    // connection, gets window 0 and no options).
    // The window: what the buffer holds free, never shrinking the right edge
    // already advertised, and grown only by useful amounts (receiver SWS
    // avoidance, RFC 1122 4.2.3.3).
    const SeqNum previous = before(c.rcv_adv, c.rcv_nxt) ? c.rcv_nxt : c.rcv_adv;
    const std::uint32_t free = receive_window(s);
    const SeqNum edge = c.rcv_nxt + free;
    const std::uint32_t step = std::min<std::uint32_t>(static_cast<std::uint32_t>(s.rcvbuf) / 2, c.mss);
    if (after(edge, c.rcv_adv) && (distance(c.rcv_adv, edge) >= step || before(c.rcv_adv, c.rcv_nxt)))
      c.rcv_adv = edge;
    if (before(c.rcv_adv, c.rcv_nxt)) c.rcv_adv = c.rcv_nxt;
    const std::uint32_t window = distance(c.rcv_nxt, c.rcv_adv);
    std::uint32_t field = std::min<std::uint32_t>(window >> c.rcv_wscale, max_window);
    // RFC 7323 2.4 (LINUX tcp_select_window): scaling rounds down, which
    // would pull the right edge left of one already advertised; round up then.
    if (before(c.rcv_nxt + (field << c.rcv_wscale), previous) && field < max_window) ++field;
    h.window = static_cast<std::uint16_t>(field);
    // Keep the edge where the scaled field says it is.
    c.rcv_adv = c.rcv_nxt + (field << c.rcv_wscale);
    if (c.ts_ok) h.options.timestamps = wire::TcpTimestamps{ts_clock(t), c.ts_recent};
    if (c.sack_ok && !c.sack_report.empty()) {
      const std::size_t room = c.ts_ok ? 3 : 4;
      for (std::size_t i = 0; i < c.sack_report.size() && i < room; ++i)
        (void)h.options.sack_blocks.push_back(c.sack_report[i]);
    }
  }
  h.payload_len = data_len;
  if (segment_.size() < max_header + data_len) segment_.resize(max_header + data_len);
  // The data straight from the send ring, or gathered where the ring wraps.
  wire::Bytes data = c.send.contiguous(data_offset, data_len);
  if (data.size() != data_len) {
    if (scratch_.size() < data_len) scratch_.resize(data_len);
    c.send.copy_out(data_offset, scratch_.data(), data_len);
    data = wire::Bytes(scratch_).first(data_len);
  }
  const auto pseudo =
      c.ipv4 ? wire::PseudoHeader::v4(socket::unmap_v4(s.local.address), socket::unmap_v4(s.remote.address))
             : wire::PseudoHeader::v6(s.local.address, s.remote.address);
  const auto written = h.emit(wire::MutableBytes(segment_), data, pseudo);
  if (!written) return false;
  if (flags.ack()) {
    c.last_ack_sent = c.rcv_nxt.value();
    c.delack_at = net::Instant::never();
    c.segments_unacked = 0;
    c.ack_now = false;
  }
  ++st.out_segs;
  if (retransmission) {
    ++st.retrans_segs;
    ++c.total_retrans;
  }
  if (flags.rst()) ++st.out_rsts;
  std::optional<net::InterfaceId> interface;
  if (s.bound_interface != 0) interface = socket::interface_from_index(s.bound_interface);
  const wire::Bytes out = wire::Bytes(segment_).first(*written);
  const auto sent = c.ipv4 ? context_.stack.send_ipv4(v4_params(s, interface), out, t)
                           : context_.stack.send_ipv6(v6_params(s, interface), out, t);
  return sent.has_value();
}

void Tcp::send_ack(Socket& s) {
  TcpConnection& c = *s.tcp;
  send_segment(s, c.snd_nxt, wire::TcpFlags(wire::TcpFlag::ack), 0, 0, false);
}

void Tcp::send_syn(Socket& s, bool with_ack) {
  TcpConnection& c = *s.tcp;
  wire::TcpFlags flags(wire::TcpFlag::syn);
  if (with_ack) flags |= wire::TcpFlags(wire::TcpFlag::ack);
  const bool again = c.snd_max != c.iss;
  send_segment(s, c.iss, flags, 0, 0, again);
  c.snd_nxt = c.iss + 1;
  c.snd_max = c.iss + 1;
  if (!again && !c.rtt_pending) {
    c.rtt_pending = true;
    c.rtt_seq = c.iss;
    c.rtt_start = now();
  }
  arm_rto(s);
}

// A zero-window or keepalive probe: SND.UNA - 1, no data, so the peer answers
// with its window (LINUX tcp_xmit_probe_skb).
void Tcp::send_probe(Socket& s) {
  TcpConnection& c = *s.tcp;
  send_segment(s, c.snd_una - 1, wire::TcpFlags(wire::TcpFlag::ack), 0, 0, false);
}

// TCP-SM-2 (RFC 9293 3.10.7.1): the RST for a segment nobody takes.
void Tcp::send_reset_for(const Segment& seg) {
  // The RST goes out from a socket of no connection, made once: a RST for
  // every stray segment (a scan, a flood to a closed port) allocates nothing.
  if (reset_probe_ == nullptr) {
    reset_probe_ = std::make_unique<Socket>();
    reset_probe_->tcp = std::make_unique<TcpConnection>();
  }
  Socket& probe = *reset_probe_;
  probe.domain = seg.ipv4 ? AF_INET : AF_INET6;
  probe.local = socket::Endpoint{seg.destination, seg.destination_port, 0};
  probe.remote = socket::Endpoint{seg.source, seg.source_port, 0};
  probe.bound_interface = 0;
  TcpConnection& c = *probe.tcp;
  c = TcpConnection{};  // (send_segment moves its sequence and window fields)
  c.ipv4 = seg.ipv4;
  c.state = TcpState::closed;
  if (seg.flags.ack()) {
    send_segment(probe, seg.ack, wire::TcpFlags(wire::TcpFlag::rst), 0, 0, false);
  } else {
    c.rcv_nxt = seg.seq + seg.length();
    wire::TcpFlags flags(wire::TcpFlag::rst);
    flags |= wire::TcpFlags(wire::TcpFlag::ack);
    send_segment(probe, SeqNum(0), flags, 0, 0, false);
  }
}

// An active reset from a connection (close with unread data, SO_LINGER 0, abort).
void Tcp::send_reset(Socket& s) {
  TcpConnection& c = *s.tcp;
  wire::TcpFlags flags(wire::TcpFlag::rst);
  flags |= wire::TcpFlags(wire::TcpFlag::ack);
  send_segment(s, c.snd_max, flags, 0, 0, false);
}

std::int64_t Tcp::current_rto_us(const TcpConnection& c) const {
  const std::int64_t max_us = context_.config.tcp_rto_max.count_ns() / 1000;
  std::int64_t rto = c.rto_us;
  for (int i = 0; i < c.backoff && rto < max_us; ++i) rto *= 2;
  return std::min(rto, max_us);
}

// LINUX tcp_model_timeout: how long `boundary` doublings of TCP_RTO_MIN take,
// the RTO capped at its maximum: with tcp_retries2 15, 924.6 s. A connection
// gives up at the first timeout that long after its first retransmission.
net::Duration Tcp::retransmit_budget(int boundary) const {
  const std::int64_t base = context_.config.tcp_rto_min.count_ns();
  const std::int64_t max = context_.config.tcp_rto_max.count_ns();
  int linear_threshold = 0;  // ilog2(max / base)
  while (linear_threshold < 60 && (base << (linear_threshold + 1)) <= max) ++linear_threshold;
  if (boundary <= linear_threshold)
    return net::Duration::nanoseconds(((std::int64_t{2} << boundary) - 1) * base);
  return net::Duration::nanoseconds(((std::int64_t{2} << linear_threshold) - 1) * base +
                                    (boundary - linear_threshold) * max);
}

void Tcp::arm_rto(Socket& s) {
  TcpConnection& c = *s.tcp;
  c.rto_at = now() + net::Duration::microseconds(current_rto_us(c));
}

// RFC 6298 2: SRTT, RTTVAR and RTO from one measurement.
void Tcp::rtt_sample(TcpConnection& c, std::int64_t r) {
  if (r < 0) return;
  if (r == 0) r = 1;
  if (c.srtt_us == 0) {
    c.srtt_us = r;
    c.rttvar_us = r / 2;
  } else {
    const std::int64_t delta = c.srtt_us > r ? c.srtt_us - r : r - c.srtt_us;
    c.rttvar_us = (3 * c.rttvar_us + delta) / 4;
    c.srtt_us = (7 * c.srtt_us + r) / 8;
  }
  const std::int64_t min_us = context_.config.tcp_rto_min.count_ns() / 1000;
  const std::int64_t max_us = context_.config.tcp_rto_max.count_ns() / 1000;
  // LINUX: the variance term is at least TCP_RTO_MIN (rto = srtt + max(4 rttvar, 200 ms)).
  c.rto_us = std::clamp(c.srtt_us + std::max<std::int64_t>(4 * c.rttvar_us, min_us), min_us, max_us);
}

// RFC 6675 (simplified NextSeg): in recovery with SACK, resend the holes
// below the highest SACKed byte while the pipe leaves room.
bool Tcp::retransmit_lost(Socket& s) {
  TcpConnection& c = *s.tcp;
  if (!c.in_recovery || !c.sack_ok || c.sacked.empty()) return false;
  bool sent = false;
  SeqNum cursor = after(c.high_rxt, c.snd_una) ? c.high_rxt : c.snd_una;
  for (const auto& b : c.sacked) {
    const SeqNum left(b.left);
    const SeqNum right(b.right);
    while (before(cursor, left) && pipe(c) + c.mss <= c.cwnd) {
      const std::uint32_t len = std::min<std::uint32_t>(send_mss(c), distance(cursor, left));
      const std::size_t offset = distance(c.snd_una, cursor);
      if (offset >= c.send.size()) return sent;
      const std::size_t n = std::min<std::size_t>(len, c.send.size() - offset);
      send_segment(s, cursor, wire::TcpFlags(wire::TcpFlag::ack), offset, n, true);
      cursor += static_cast<std::uint32_t>(n);
      c.high_rxt = cursor;
      sent = true;
    }
    if (before(cursor, right)) cursor = right;
  }
  return sent;
}

void Tcp::output(Socket& s) {
  TcpConnection& c = *s.tcp;
  const TcpState state = c.state;
  const bool can_send_data = state == TcpState::established || state == TcpState::close_wait ||
                             state == TcpState::fin_wait_1 || state == TcpState::closing ||
                             state == TcpState::last_ack;
  if (can_send_data) {
    retransmit_lost(s);
    const std::uint32_t mss_now = send_mss(c);
    for (;;) {
      const std::size_t sent_data = std::min<std::size_t>(distance(c.snd_una, c.snd_nxt), c.send.size());
      const std::size_t unsent = c.send.size() - sent_data;
      if (unsent == 0) break;
      const std::uint32_t in_flight = c.in_recovery && c.sack_ok ? pipe(c) : distance(c.snd_una, c.snd_nxt);
      const std::uint32_t usable_send =
          distance(c.snd_una, c.snd_nxt) < c.snd_wnd ? c.snd_wnd - distance(c.snd_una, c.snd_nxt) : 0;
      const std::uint32_t usable_cwnd = in_flight < c.cwnd ? c.cwnd - in_flight : 0;
      const std::size_t usable = std::min(usable_send, usable_cwnd);
      const std::size_t len = std::min<std::size_t>({mss_now, unsent, usable});
      // Sender SWS avoidance (RFC 1122 4.2.3.4, LINUX tcp_write_xmit): a
      // segment cut short by the window goes only from the persist timer.
      if (len == 0 || (len < mss_now && len < unsent)) break;
      // TCP-NAGLE-1 (LINUX tcp_nagle_check with Minshall's rule): a small
      // segment waits while an earlier small one is unacknowledged.
      const bool small_out = after(c.snd_sml, c.snd_una) && !after(c.snd_sml, c.snd_nxt);
      if (len < mss_now && !c.nodelay && c.snd_una != c.snd_nxt && small_out && !c.fin_queued) break;
      wire::TcpFlags flags(wire::TcpFlag::ack);
      if (len == unsent) flags |= wire::TcpFlags(wire::TcpFlag::psh);
      // LINUX tcp_send_fin: a FIN asked for while data waits rides on the last data segment.
      if (c.fin_queued && len == unsent) flags |= wire::TcpFlags(wire::TcpFlag::fin);
      send_data(s, sent_data, len, flags);
      if (len < mss_now) c.snd_sml = c.snd_nxt;  // LINUX tcp_minshall_update
    }
    // TCP-WIN-1 (LINUX tcp_check_probe_timer): data waiting with nothing in
    // flight starts the persist timer; data in flight stops it.
    const std::size_t waiting =
        c.send.size() - std::min<std::size_t>(distance(c.snd_una, c.snd_nxt), c.send.size());
    if (c.snd_una != c.snd_nxt || waiting == 0) {
      c.persist_at = net::Instant::never();
      c.persist_backoff = 0;
    } else if (c.persist_at == net::Instant::never()) {
      c.persist_at = now() + persist_interval(c);
    }
    // The FIN, after every byte of data (TCP-CLOSE-4 / TCP-SHUT-1); the data
    // start after our SYN while it is unacknowledged (a close in SYN-RECEIVED).
    const SeqNum data_start = syn_unacked(c) ? c.iss + 1 : c.snd_una;
    const std::size_t sent_data = std::min<std::size_t>(distance(data_start, c.snd_nxt), c.send.size());
    // TCP-WIN-1 (LINUX tcp_check_probe_timer): data held back, by a zero
    // window or by SWS avoidance, with nothing in flight starts the persist
    // timer; no ACK is due that would bring a window update (and one lost
    // must not stall the connection).
    if (sent_data < c.send.size() && c.snd_una == c.snd_nxt && c.persist_at == net::Instant::never()) {
      std::int64_t t = c.rto_us;
      for (int i = 0; i < c.persist_backoff; ++i) t = std::min<std::int64_t>(t * 2, 120000000);
      c.persist_at = now() + net::Duration::microseconds(t);
    }
    if (c.fin_queued && sent_data == c.send.size() &&
        c.snd_nxt == data_start + static_cast<std::uint32_t>(c.send.size())) {
      wire::TcpFlags flags(wire::TcpFlag::fin);
      flags |= wire::TcpFlags(wire::TcpFlag::ack);
      const bool retransmission = c.fin_sent;
      send_segment(s, c.snd_nxt, flags, 0, 0, retransmission);
      c.snd_nxt += 1;
      if (after(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
      c.fin_sent = true;
      if (c.rto_at == net::Instant::never()) arm_rto(s);
    }
  }
  if (c.ack_now && synchronized(state) && state != TcpState::syn_received) send_ack(s);
}

// The data a segment takes now (LINUX tcp_current_mss): the MSS less the
// SACK blocks that ride on it (RFC 6691, RFC 2525 2.18: options count), and
// no more than half the largest window the peer offered (all of it when
// that is at most 536 bytes), so a small window still takes whole segments
// (sender SWS avoidance, LINUX tcp_bound_to_half_wnd).
std::uint32_t Tcp::send_mss(const TcpConnection& c) const {
  std::uint32_t m = c.mss;
  if (c.sack_ok && !c.sack_report.empty()) {
    const std::size_t blocks = std::min<std::size_t>(c.sack_report.size(), c.ts_ok ? 3 : 4);
    const std::uint32_t option =
        static_cast<std::uint32_t>(4 + 8 * blocks);  // NOP NOP kind length, 8 per block
    m = m > option + 48 ? m - option : 48;
  }
  const std::uint32_t cutoff = c.max_snd_wnd > default_mss_v4 ? c.max_snd_wnd / 2 : c.max_snd_wnd;
  if (cutoff == 0 || m <= cutoff) return m;
  return std::max<std::uint32_t>(cutoff, 48);  // LINUX: 68 - the header
}

// New data (or data sent again after a timeout) from `offset` past SND.NXT's
// place in the send buffer, with the FIN when `flags` has it: sent, timed
// (Karn: never a retransmission), and the retransmission timer armed.
void Tcp::send_data(Socket& s, std::size_t offset, std::size_t len, wire::TcpFlags flags) {
  TcpConnection& c = *s.tcp;
  const bool retransmission = before(c.snd_nxt, c.snd_max);
  send_segment(s, c.snd_nxt, flags, offset, len, retransmission);
  if (!c.rtt_pending && !retransmission) {
    c.rtt_pending = true;
    c.rtt_seq = c.snd_nxt;
    c.rtt_start = now();
  }
  c.snd_nxt += static_cast<std::uint32_t>(len) + (flags.fin() ? 1u : 0u);
  if (flags.fin()) c.fin_sent = true;
  if (after(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
  if (c.rto_at == net::Instant::never()) arm_rto(s);
}

// LINUX tcp_probe0_when: the RTO (at least TCP_RTO_MIN) doubled per probe, at most 120 s.
net::Duration Tcp::persist_interval(const TcpConnection& c) const {
  const std::int64_t max_us = context_.config.tcp_rto_max.count_ns() / 1000;
  std::int64_t t = std::max<std::int64_t>(current_rto_us(c), context_.config.tcp_rto_min.count_ns() / 1000);
  for (int i = 0; i < c.persist_backoff && t < max_us; ++i) t *= 2;
  return net::Duration::microseconds(std::min(t, max_us));
}

// The persist timer (LINUX tcp_probe_timer / tcp_send_probe0 / tcp_write_wakeup).
void Tcp::on_persist(Socket& s) {
  TcpConnection& c = *s.tcp;
  const std::size_t waiting =
      c.send.size() - std::min<std::size_t>(distance(c.snd_una, c.snd_nxt), c.send.size());
  if (c.snd_una != c.snd_nxt || waiting == 0) {
    c.persist_backoff = 0;
    c.persist_probes = 0;
    output(s);
    return;
  }
  // Unanswered probes (LINUX tcp_probe_timer): a connection with a user gives
  // up after tcp_retries2 of them, an orphan after tcp_orphan_retries (RFC
  // 1122 4.2.2.17 keeps probing only while the peer answers).
  const int max_probes = c.user_closed ? orphan_retries : context_.config.tcp_retries2;
  if (c.persist_probes >= max_probes) {
    ++context_.tcp.abort_on_timeout;
    reset_connection(s, c.soft_error != 0 ? c.soft_error : ETIMEDOUT);
    return;
  }
  const std::uint32_t len =
      std::min<std::uint32_t>({c.snd_wnd, send_mss(c), static_cast<std::uint32_t>(waiting)});
  if (len > 0) {
    // The window takes some data: send what fits; the RTO takes over.
    wire::TcpFlags flags(wire::TcpFlag::ack);
    if (len == waiting) flags |= wire::TcpFlags(wire::TcpFlag::psh);
    send_data(s, distance(c.snd_una, c.snd_nxt), len, flags);
    c.persist_backoff = 0;
    c.persist_probes = 0;
    return;
  }
  // A zero-window probe: SND.UNA - 1, so the peer answers with its window.
  send_probe(s);
  ++c.persist_probes;
  if (c.persist_backoff < context_.config.tcp_retries2) ++c.persist_backoff;
  c.persist_at = now() + persist_interval(c);
}

net::Duration Tcp::keepalive_idle(const TcpConnection& c) const {
  return c.keepalive_idle_s != 0 ? net::Duration::seconds(c.keepalive_idle_s)
                                 : context_.config.tcp_keepalive_time;
}

// SO_KEEPALIVE (LINUX tcp_set_keepalive): turning it on in a connection
// starts the idle time now; off stops it.
void Tcp::set_keepalive(Socket& s, bool on) {
  TcpConnection& c = *s.tcp;
  if (c.state == TcpState::closed || c.state == TcpState::listen) return;
  if (on && !s.keepalive) {
    c.keepalive_probes_sent = 0;
    c.keepalive_at = now() + keepalive_idle(c);
  } else if (!on) {
    c.keepalive_at = net::Instant::never();
  }
  update_timer(s);
}

void Tcp::on_rto(Socket& s, net::Instant) {
  TcpConnection& c = *s.tcp;
  auto& st = context_.tcp;
  ++st.timeouts;
  c.rtt_pending = false;  // Karn: nothing retransmitted is timed
  if (c.state == TcpState::syn_sent || c.state == TcpState::syn_received) {
    const int limit =
        c.state == TcpState::syn_sent ? context_.config.tcp_syn_retries : context_.config.tcp_synack_retries;
    if (c.retransmits >= limit) {
      // TCP-RTO-1: too many SYN retries -> ETIMEDOUT (or the ICMP error seen).
      if (c.parent != nullptr) {
        done(s);
        destroy_if_orphan(s);
        return;
      }
      ++st.attempt_fails;
      reset_connection(s, c.soft_error != 0 ? c.soft_error : ETIMEDOUT);
      return;
    }
    ++c.retransmits;
    ++c.backoff;
    send_syn(s, c.state == TcpState::syn_received);
    return;
  }
  if (c.snd_una == c.snd_max) {
    c.rto_at = net::Instant::never();
    return;
  }
  if (syn_unacked(c)) {
    // Closed in SYN-RECEIVED (FIN-WAIT-1 or LAST-ACK with our SYN-ACK not yet
    // acknowledged): the SYN-ACK again, then the FIN after it.
    if (c.retransmits >= context_.config.tcp_synack_retries) {
      reset_connection(s, ETIMEDOUT);
      return;
    }
    ++c.retransmits;
    ++c.backoff;
    send_syn(s, true);
    output(s);
    return;
  }
  if (c.retransmits > 0 && now() - c.retrans_stamp >= retransmit_budget(context_.config.tcp_retries2)) {
    // TCP-RTO-1 (LINUX tcp_write_timeout / tcp_write_err): ETIMEDOUT, no RST.
    ++st.abort_on_timeout;
    reset_connection(s, c.soft_error != 0 ? c.soft_error : ETIMEDOUT);
    return;
  }
  if (c.retransmits == 0) c.retrans_stamp = now();
  ++c.retransmits;
  ++c.backoff;
  // RFC 5681 3.1 (4): ssthresh halves the flight, cwnd one segment; go back to SND.UNA.
  c.ssthresh = std::max<std::uint32_t>(flight_size(c) / 2, 2u * c.mss);
  c.cwnd = c.mss;
  c.bytes_acked = 0;
  c.in_recovery = false;
  c.dupacks = 0;
  c.sacked.clear();
  c.snd_nxt = c.snd_una;
  c.rto_at = net::Instant::never();
  output(s);
  arm_rto(s);
}

void Tcp::run_timers(Socket& s, net::Instant t) {
  TcpConnection& c = *s.tcp;
  if (c.state_timer_at <= t) {
    c.state_timer_at = net::Instant::never();
    if (c.state == TcpState::time_wait || c.state == TcpState::fin_wait_2) {
      // TCP-CLOSE-5 / TCP-CLOSE-6: TIME-WAIT over, or the orphan FIN-WAIT-2 timeout.
      done(s);
      destroy_if_orphan(s);
      return;
    }
  }
  if (c.rto_at <= t) {
    c.rto_at = net::Instant::never();
    on_rto(s, t);
    if (c.state == TcpState::closed) {
      destroy_if_orphan(s);
      return;
    }
  }
  if (c.persist_at <= t) {
    c.persist_at = net::Instant::never();
    on_persist(s);
    if (c.state == TcpState::closed) {
      destroy_if_orphan(s);
      return;
    }
  }
  if (c.delack_at <= t) {
    c.delack_at = net::Instant::never();
    if (synchronized(c.state)) send_ack(s);
  }
  if (c.keepalive_at <= t) {
    c.keepalive_at = net::Instant::never();
    if (s.keepalive && (c.state == TcpState::established || c.state == TcpState::close_wait)) {
      const int count = c.keepalive_count != 0 ? c.keepalive_count : context_.config.tcp_keepalive_probes;
      if (c.snd_una != c.snd_max || !c.send.empty()) {
        // LINUX tcp_keepalive_timer: data in flight or waiting has its own
        // timers; look again after the idle time.
        c.keepalive_at = t + keepalive_idle(c);
        update_timer(s);
        return;
      }
      if (c.keepalive_probes_sent >= count) {
        send_reset(s);
        reset_connection(s, ETIMEDOUT);
        return;
      }
      send_probe(s);
      ++c.keepalive_probes_sent;
      const auto interval = c.keepalive_intvl_s != 0 ? net::Duration::seconds(c.keepalive_intvl_s)
                                                     : context_.config.tcp_keepalive_intvl;
      c.keepalive_at = t + interval;
    }
  }
  update_timer(s);
}

}  // namespace hardstack::transport

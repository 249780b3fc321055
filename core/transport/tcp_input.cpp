// TCP segment arrival (RFC 9293 3.10.7, with RFC 5961, RFC 7323 PAWS and
// LINUX tcp_v4_rcv / tcp_rcv_state_process / tcp_validate_incoming / tcp_ack /
// tcp_data_queue / tcp_fin / tcp_timewait_state_process where the RFCs leave
// a choice).

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "hardstack/net/siphash.hpp"
#include "tcp_internal.hpp"

namespace hardstack::transport {

using socket::Endpoint;
using socket::Socket;
using socket::TransportDropReason;

namespace {

// RFC 9293 3.10.7: the out-of-order queue holds at most this many segments,
// whatever the buffer (the work per arriving segment stays bounded: TCP-OOO-1).
constexpr std::size_t max_out_of_order_segments = 64;
// The SACK scoreboard holds at most this many separate ranges (TCP-SACK-1).
constexpr std::size_t max_sack_scoreboard = 64;
// SYN cookies (LINUX msstab): the MSS values a cookie can carry.
constexpr std::uint16_t cookie_mss[8] = {536, 1220, 1300, 1400, 1440, 1460, 4312, 8960};
// LINUX syncookies.c TSBITS: the low 6 bits of a cookie SYN-ACK's TSval are
// the peer's window scale (0xf: none) and SACK-permitted.
constexpr std::uint32_t cookie_ts_mask = 0x3f;
constexpr std::uint32_t cookie_no_wscale = 0xf;
constexpr std::uint32_t cookie_sack = 0x10;
// LINUX TCP_SYNCOOKIE_VALID: how long after its last cookie a listener checks ACKs for one.
constexpr net::Duration cookie_valid = net::Duration::seconds(120);
// RFC 7323 5.5: TS.Recent older than 24 days no longer rejects.
constexpr std::int64_t paws_idle_ns = std::int64_t{24} * 24 * 3600 * 1000000000;

bool is_link_local(const wire::Ipv6Address& a) { return a.octets[0] == 0xfe && (a.octets[1] & 0xc0) == 0x80; }

// RFC 5961 3.2 as Linux extends it (tcp_reset_check): after the peer's FIN,
// a RST may carry the FIN's sequence number, RCV.NXT - 1.
bool reset_after_fin(const TcpConnection& c, const Segment& seg) {
  return seg.seq == c.rcv_nxt - 1 &&
         (c.state == TcpState::close_wait || c.state == TcpState::last_ack || c.state == TcpState::closing);
}

// LINUX tcp_validate_incoming: a RST at the highest right edge of the SACK
// blocks we report is taken as at RCV.NXT.
bool at_highest_sack(const TcpConnection& c, const Segment& seg) {
  if (!c.sack_ok || c.sack_report.empty()) return false;
  SeqNum highest(c.sack_report.front().right);
  for (const auto& b : c.sack_report)
    if (after(SeqNum(b.right), highest)) highest = SeqNum(b.right);
  return seg.seq == highest;
}

// The peer's window in bytes: RFC 7323 2.2, the window field of a SYN is never scaled.
std::uint32_t send_window_of(const TcpConnection& c, const Segment& seg) {
  return seg.flags.syn() ? seg.window : static_cast<std::uint32_t>(seg.window) << c.snd_wscale;
}

}  // namespace

net::DeliveryResult Tcp::deliver_ipv4(const net::Ipv4Delivery& meta, wire::Bytes payload, net::Instant) {
  auto& st = context_.tcp;
  ++st.in_segs;
  const auto view = wire::TcpView::parse(payload);
  if (!view) {
    ++st.in_errs;
    context_.drop(TransportDropReason::tcp_bad_header);
    return net::DeliveryResult::delivered;
  }
  const auto repr = wire::TcpRepr::parse(*view, wire::PseudoHeader::v4(meta.source, meta.destination));
  if (!repr) {
    ++st.in_errs;
    ++st.in_csum_errors;
    context_.drop(TransportDropReason::tcp_bad_checksum);
    return net::DeliveryResult::delivered;
  }
  if (meta.to_broadcast || meta.to_multicast) {
    // LINUX tcp_v4_rcv: TCP is for one host only.
    context_.drop(TransportDropReason::tcp_no_socket);
    return net::DeliveryResult::delivered;
  }
  Segment seg;
  seg.ipv4 = true;
  seg.source = socket::map_v4(meta.source);
  seg.destination = socket::map_v4(meta.destination);
  seg.source_port = repr->src_port;
  seg.destination_port = repr->dst_port;
  seg.interface = socket::interface_index(meta.interface);
  seg.seq = repr->seq;
  seg.ack = repr->ack;
  seg.flags = repr->flags;
  seg.window = repr->window;
  seg.options = &repr->options;
  seg.payload = view->payload();
  const auto result = input(seg);
  clear_graveyard();
  return result;
}

net::DeliveryResult Tcp::deliver_ipv6(const net::Ipv6Delivery& meta, wire::Bytes payload, net::Instant) {
  auto& st = context_.tcp;
  ++st.in_segs;
  const auto view = wire::TcpView::parse(payload);
  if (!view) {
    ++st.in_errs;
    context_.drop(TransportDropReason::tcp_bad_header);
    return net::DeliveryResult::delivered;
  }
  const auto repr = wire::TcpRepr::parse(*view, wire::PseudoHeader::v6(meta.source, meta.destination));
  if (!repr) {
    ++st.in_errs;
    ++st.in_csum_errors;
    context_.drop(TransportDropReason::tcp_bad_checksum);
    return net::DeliveryResult::delivered;
  }
  if (meta.to_multicast) {
    context_.drop(TransportDropReason::tcp_no_socket);
    return net::DeliveryResult::delivered;
  }
  Segment seg;
  seg.ipv4 = false;
  seg.source = meta.source;
  seg.destination = meta.destination;
  seg.source_port = repr->src_port;
  seg.destination_port = repr->dst_port;
  seg.interface = socket::interface_index(meta.interface);
  seg.seq = repr->seq;
  seg.ack = repr->ack;
  seg.flags = repr->flags;
  seg.window = repr->window;
  seg.options = &repr->options;
  seg.payload = view->payload();
  const auto result = input(seg);
  clear_graveyard();
  return result;
}

socket::Socket* Tcp::find_listener(const Segment& seg) const {
  Socket* best = nullptr;
  int best_score = -1;
  const auto [begin, end] = bound_.equal_range(seg.destination_port);
  for (auto it = begin; it != end; ++it) {
    Socket* s = it->second;
    if (s->tcp->state != TcpState::listen) continue;
    int score = 0;
    if (seg.ipv4) {
      if (s->domain == AF_INET6) {
        if (s->v6only) continue;
        if (!s->local.address.is_unspecified() && !socket::is_v4_mapped(s->local.address)) continue;
        score = 1;
      } else {
        score = 2;
      }
    } else {
      if (s->domain != AF_INET6 || socket::is_v4_mapped(s->local.address)) continue;
      score = 1;
    }
    if (!socket::is_any(s->local.address)) {
      if (s->local.address != seg.destination) continue;
      score += 4;
    }
    if (s->bound_interface != 0) {
      if (s->bound_interface != seg.interface) continue;
      score += 4;
    }
    if (score > best_score) {
      best_score = score;
      best = s;
    }
  }
  return best;
}

net::DeliveryResult Tcp::input(Segment& seg) {
  const Key key{seg.destination, seg.source, seg.destination_port, seg.source_port};
  Socket* found = last_input_ != nullptr && key_of(*last_input_) == key ? last_input_ : nullptr;
  if (found == nullptr) {
    const auto it = connections_.find(key);
    if (it != connections_.end()) found = last_input_ = it->second;
  }
  if (found != nullptr) {
    Socket& s = *found;
    if (s.tcp->state == TcpState::syn_sent)
      syn_sent_input(s, seg);
    else
      established_input(s, seg);
    return net::DeliveryResult::delivered;
  }
  if (Socket* listener = find_listener(seg)) {
    listen_input(*listener, seg);
    return net::DeliveryResult::delivered;
  }
  // TCP-SM-2: no connection: RST, never in answer to a RST.
  context_.drop(TransportDropReason::tcp_no_socket);
  if (!seg.flags.rst()) send_reset_for(seg);
  return net::DeliveryResult::delivered;
}

// ---------------------------------------------------------------------------
// LISTEN (RFC 9293 3.10.7.2, TCP-SM-3)

void Tcp::listen_input(Socket& listener, const Segment& seg) {
  TcpConnection& l = *listener.tcp;
  auto& st = context_.tcp;
  if (seg.flags.rst()) {
    context_.drop(TransportDropReason::tcp_listen_rst);
    return;
  }
  if (seg.flags.ack()) {
    // The third segment of a handshake answered with a SYN cookie; LINUX
    // tcp_synq_no_recent_overflow: looked for only while the listener sent
    // cookies in the last 2 minutes, so no blind ACK opens a connection else.
    const bool cookies_recent = l.listen->last_cookie && now() - *l.listen->last_cookie <= cookie_valid;
    if (context_.config.tcp_syncookies && !seg.flags.syn() && cookies_recent) {
      if (cookie_ack(listener, seg)) return;  // the connection made, or the ACK dropped
      send_reset_for(seg);                    // no cookie of ours (tcp_bad_cookie)
      return;
    }
    context_.drop(TransportDropReason::tcp_listen_ack);
    send_reset_for(seg);
    return;
  }
  if (!seg.flags.syn()) {
    context_.drop(TransportDropReason::tcp_no_socket);
    return;
  }
  if (seg.flags.fin()) {
    // LINUX tcp_rcv_state_process (SKB_DROP_REASON_TCP_FLAGS): a SYN that
    // also carries a FIN opens nothing and gets no answer.
    context_.drop(TransportDropReason::tcp_listen_syn_fin);
    return;
  }
  // LINUX tcp_conn_request: a full accept queue drops the SYN; a full SYN
  // queue answers with a cookie (or drops without cookies). Both queues hold
  // one more than the backlog, as Linux's (listen(fd, 0) takes one).
  if (l.listen->accept_queue.size() > static_cast<std::size_t>(l.listen->backlog)) {
    ++st.listen_overflows;
    context_.drop(TransportDropReason::tcp_listen_overflow);
    return;
  }
  // A SYN that reopens a TIME-WAIT four-tuple never gets a cookie.
  if (l.listen->embryonic > static_cast<std::size_t>(l.listen->backlog) && !seg.time_wait_isn) {
    if (!context_.config.tcp_syncookies) {
      ++st.listen_overflows;
      context_.drop(TransportDropReason::tcp_listen_overflow);
      return;
    }
    send_cookie(listener, seg);
    return;
  }
  make_child(listener, seg, true);
}

// A stateless SYN-ACK (LINUX cookie_v4_init_sequence / cookie_init_timestamp):
// the ISN carries the four-tuple's hash and the MSS; with timestamps, the
// low 6 bits of TSval carry the peer's window scale and SACK-permitted, else
// the connection does without them.
void Tcp::send_cookie(Socket& listener, const Segment& seg) {
  const auto& cfg = context_.config;
  const std::uint16_t peer =
      seg.options->maximum_segment_size.value_or(seg.ipv4 ? default_mss_v4 : default_mss_v6);
  std::uint8_t index = 0;
  for (std::uint8_t i = 0; i < 8; ++i)
    if (cookie_mss[i] <= peer) index = i;
  const auto counter = static_cast<std::uint32_t>(now().ns() / 1000000000 / 64);
  Socket probe;
  probe.domain = listener.domain;
  probe.local = Endpoint{seg.destination, seg.destination_port, 0};
  probe.remote = Endpoint{seg.source, seg.source_port, is_link_local(seg.source) ? seg.interface : 0};
  probe.ttl = listener.ttl;
  probe.tos = listener.tos;
  probe.tclass = listener.tclass;
  probe.unicast_hops = listener.unicast_hops;
  init(probe);
  probe.rcvbuf = listener.rcvbuf;
  TcpConnection& c = *probe.tcp;
  c.ipv4 = seg.ipv4;
  c.iss = SeqNum(syn_cookie(seg, counter, index)) + seg.seq.value();
  c.snd_una = c.iss;
  c.snd_nxt = c.iss;
  c.rcv_nxt = seg.seq + 1;
  c.irs = seg.seq;
  c.state = TcpState::syn_received;
  c.mss = cookie_mss[index];
  const auto& o = *seg.options;
  if (cfg.tcp_timestamps && o.timestamps) {
    c.ts_ok = true;
    c.ts_recent = o.timestamps->tsval;
    c.wscale_ok = cfg.tcp_window_scaling && o.window_scale.has_value();
    c.rcv_wscale = c.wscale_ok ? 7 : 0;
    c.sack_ok = cfg.tcp_sack && o.sack_permitted;
    std::uint32_t options = c.wscale_ok ? o.window_scale->effective_shift() : cookie_no_wscale;
    if (c.sack_ok) options |= cookie_sack;
    const std::uint32_t now_ms = ts_clock(now());
    std::uint32_t tsval = (now_ms & ~cookie_ts_mask) | options;
    // Never ahead of the clock (modulo 2^32, in 64 bits so nothing wraps).
    if (tsval > now_ms)
      tsval = static_cast<std::uint32_t>((std::uint64_t{tsval} + 0x100000000u - (cookie_ts_mask + 1)) &
                                         0xffffffffu);
    c.synack_tsval = tsval;
  }
  send_syn(probe, true);
  listener.tcp->listen->last_cookie = now();
  ++context_.tcp.syncookies_sent;
}

// The cookie's hash part: the four-tuple and a 64-second counter under a
// secret key; its low 3 bits are left for the MSS index.
std::uint32_t Tcp::syn_cookie(const Segment& seg, std::uint32_t counter, std::uint8_t mss_index) const {
  std::array<std::byte, 40> bytes{};
  std::memcpy(bytes.data(), seg.source.octets.data(), 16);
  std::memcpy(bytes.data() + 16, seg.destination.octets.data(), 16);
  wire::store_be16(bytes, 32, seg.source_port);
  wire::store_be16(bytes, 34, seg.destination_port);
  wire::store_be32(bytes, 36, counter);
  const auto h =
      net::siphash24(net::SipHashKey{cookie_key0_, cookie_key1_}, std::span<const std::byte, 40>(bytes));
  return (static_cast<std::uint32_t>(h) & ~std::uint32_t{7}) | (mss_index & 7u);
}

bool Tcp::cookie_ack(Socket& listener, const Segment& seg) {
  auto& st = context_.tcp;
  const auto& cfg = context_.config;
  // Our SYN-ACK carried ISN = cookie + the peer's ISN: undo the addition.
  const SeqNum peer_isn = seg.seq - 1;
  const SeqNum iss = seg.ack - 1;
  const std::uint32_t value = distance(peer_isn, iss);
  const auto index = static_cast<std::uint8_t>(value & 7u);
  const auto current = static_cast<std::uint32_t>(now().ns() / 1000000000 / 64);
  bool valid = false;
  for (std::uint32_t age = 0; age < 2 && age <= current && !valid; ++age)
    valid = syn_cookie(seg, current - age, index) == value;
  // LINUX cookie_timestamp_decode: the options the SYN-ACK's TSval kept.
  wire::TcpOptions options;
  options.maximum_segment_size = cookie_mss[index];
  if (valid && seg.options->timestamps) {
    const std::uint32_t bits = seg.options->timestamps->tsecr & cookie_ts_mask;
    const std::uint32_t shift = bits & cookie_no_wscale;
    options.timestamps = seg.options->timestamps;
    options.sack_permitted = (bits & cookie_sack) != 0;
    if (shift != cookie_no_wscale)
      options.window_scale = wire::TcpWindowScale{static_cast<std::uint8_t>(shift)};
    valid = cfg.tcp_timestamps && (!options.sack_permitted || cfg.tcp_sack) &&
            (shift == cookie_no_wscale || (shift <= max_wscale && cfg.tcp_window_scaling));
  }
  if (!valid) {
    ++st.syncookies_failed;
    context_.drop(TransportDropReason::tcp_bad_cookie);
    return false;
  }
  TcpConnection& l = *listener.tcp;
  if (l.listen->accept_queue.size() > static_cast<std::size_t>(l.listen->backlog)) {
    // LINUX tcp_abort_on_overflow 0: dropped, the peer sends it again.
    ++st.listen_overflows;
    context_.drop(TransportDropReason::tcp_listen_overflow);
    return true;
  }
  ++st.syncookies_recv;
  // The connection as the SYN made it, in SYN-RECEIVED with our SYN-ACK sent;
  // the ACK then completes it as any handshake.
  Segment as_syn = seg;
  as_syn.seq = peer_isn;
  as_syn.flags = wire::TcpFlags(wire::TcpFlag::syn);
  as_syn.payload = {};
  as_syn.options = &options;
  Socket& child = *make_child(listener, as_syn, false);
  TcpConnection& c = *child.tcp;
  c.iss = iss;
  c.snd_una = iss;
  c.snd_nxt = iss + 1;
  c.snd_max = iss + 1;
  c.snd_sml = iss;
  // The right edge the cookie's SYN-ACK advertised (the same buffer, so the same window).
  c.rcv_adv = c.rcv_nxt + std::min<std::uint32_t>(receive_window(child), max_window);
  established_input(child, seg);
  return true;
}

Socket* Tcp::make_child(Socket& listener, const Segment& seg, bool send_synack) {
  TcpConnection& l = *listener.tcp;
  auto owned = std::make_unique<Socket>();
  Socket& s = *owned;
  s.domain = listener.domain;
  s.type = listener.type;
  s.protocol = listener.protocol;
  s.proto = &protocol();
  init(s);
  // LINUX: a child inherits the listener's options.
  s.rcvbuf = listener.rcvbuf;
  s.sndbuf = listener.sndbuf;
  s.reuseaddr = listener.reuseaddr;
  s.keepalive = listener.keepalive;
  s.lingering = listener.lingering;
  s.ttl = listener.ttl;
  s.tos = listener.tos;
  s.ip_options = listener.ip_options;
  s.pmtudisc = listener.pmtudisc;
  s.v6only = listener.v6only;
  s.unicast_hops = listener.unicast_hops;
  s.tclass = listener.tclass;
  s.recv = listener.recv;
  TcpConnection& c = *s.tcp;
  c.nodelay = l.nodelay;
  c.user_mss = l.user_mss;
  c.keepalive_idle_s = l.keepalive_idle_s;
  c.keepalive_intvl_s = l.keepalive_intvl_s;
  c.keepalive_count = l.keepalive_count;
  c.linger2 = l.linger2;
  c.ipv4 = seg.ipv4;
  const unsigned scope = is_link_local(seg.destination) ? seg.interface : 0;
  s.local = Endpoint{seg.destination, seg.destination_port, scope};
  s.remote = Endpoint{seg.source, seg.source_port, scope};
  s.bound = true;
  s.connected = true;
  if (scope != 0) s.bound_interface = scope;
  c.irs = seg.seq;
  c.rcv_nxt = seg.seq + 1;
  c.rcv_adv = c.rcv_nxt;
  c.last_ack_sent = c.rcv_nxt.value();
  c.iss = seg.time_wait_isn ? *seg.time_wait_isn : make_isn(s);
  c.snd_una = c.iss;
  c.snd_nxt = c.iss;
  c.snd_max = c.iss;
  c.snd_sml = c.iss;
  c.rto_us = context_.config.tcp_rto_initial.count_ns() / 1000;
  c.last_received = now();
  take_options(s, seg);
  c.parent = &listener;
  ++l.listen->embryonic;
  hash_connection(s);
  c.state = TcpState::syn_received;
  ++context_.tcp.passive_opens;
  adopt_orphan(std::move(owned));
  if (send_synack) send_syn(s, true);
  update_timer(s);
  return &s;
}

void Tcp::take_options(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  const auto& o = *seg.options;
  const auto& cfg = context_.config;
  const std::uint16_t fallback = c.ipv4 ? default_mss_v4 : default_mss_v6;
  // TCP-MSS-1: without the option, 536 / 1220; LINUX ignores an MSS of 0.
  c.peer_mss = o.maximum_segment_size && *o.maximum_segment_size != 0 ? *o.maximum_segment_size : fallback;
  // TCP-WIN-1: scaling only when both SYNs carry the option.
  c.wscale_ok = cfg.tcp_window_scaling && o.window_scale.has_value();
  if (c.wscale_ok) {
    c.snd_wscale = o.window_scale->effective_shift();
    // Room for tcp_rmem[2] (6 MiB), as Linux: shift 7.
    c.rcv_wscale = 7;
  } else {
    c.snd_wscale = 0;
    c.rcv_wscale = 0;
  }
  c.sack_ok = cfg.tcp_sack && o.sack_permitted;
  c.ts_ok = cfg.tcp_timestamps && o.timestamps.has_value();
  if (c.ts_ok) {
    c.ts_recent = o.timestamps->tsval;
    c.ts_recent_stamp = now();
  }
  c.mss = compute_mss(s);
}

// The handshake is over (LINUX tcp_init_transfer / tcp_init_metrics).
void Tcp::begin_transfer(Socket& s) {
  TcpConnection& c = *s.tcp;
  // RFC 6298 5.7: no RTT sample from the handshake (its SYN was retransmitted)
  // -> RTO 3 s for the data (LINUX TCP_TIMEOUT_FALLBACK, RTTVAR too).
  if (c.srtt_us == 0) {
    c.rto_us = 3000000;
    c.rttvar_us = 3000000;
  }
  // RFC 6928: IW10; RFC 5681 3.1 (LINUX: after more than one retransmission of
  // the SYN or SYN-ACK): one segment.
  c.cwnd = c.retransmits > 1
               ? c.mss
               : std::min<std::uint32_t>(10u * c.mss, std::max<std::uint32_t>(2u * c.mss, 14600));
  c.retransmits = 0;
  c.backoff = 0;
  c.rto_at = net::Instant::never();
}

// ---------------------------------------------------------------------------
// SYN-SENT (RFC 9293 3.10.7.3, TCP-SM-4)

void Tcp::syn_sent_input(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  const bool ack = seg.flags.ack();
  if (ack && (before_or_equal(seg.ack, c.iss) || after(seg.ack, c.snd_max))) {
    context_.drop(TransportDropReason::tcp_syn_sent_bad_ack);
    if (!seg.flags.rst()) send_reset_for(seg);
    return;
  }
  if (seg.flags.rst()) {
    if (!ack) {
      context_.drop(TransportDropReason::tcp_syn_sent_bad_ack);
      return;
    }
    ++context_.tcp.attempt_fails;
    reset_connection(s, ECONNREFUSED);
    return;
  }
  if (!seg.flags.syn()) {
    context_.drop(TransportDropReason::tcp_syn_sent_no_syn);
    return;
  }
  c.irs = seg.seq;
  c.rcv_nxt = seg.seq + 1;
  c.rcv_adv = c.rcv_nxt;
  c.last_received = now();
  take_options(s, seg);
  if (ack) {
    // Our SYN is acknowledged: ESTABLISHED.
    c.snd_una = seg.ack;
    c.acked_total = 1;
    // RFC 7323 2.2: the window of a SYN is never scaled.
    c.snd_wnd = seg.window;
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = seg.seq;
    c.snd_wl2 = seg.ack;
    // The handshake's RTT (Karn: not from a retransmitted SYN).
    if (c.rtt_pending && c.retransmits == 0) rtt_sample(c, (now() - c.rtt_start).count_ns() / 1000);
    c.rtt_pending = false;
    begin_transfer(s);
    set_state(s, TcpState::established);
    send_ack(s);
    output(s);
  } else {
    // Simultaneous open (RFC 9293 3.5): SYN-RECEIVED, our SYN again with an ACK.
    c.snd_wnd = seg.window;
    c.snd_wl1 = seg.seq;
    set_state(s, TcpState::syn_received);
    c.snd_nxt = c.iss;
    send_syn(s, true);
  }
  update_timer(s);
}

// ---------------------------------------------------------------------------
// Synchronized states and SYN-RECEIVED (RFC 9293 3.10.7.4)

// LINUX __tcp_oow_rate_limited: one ACK per tcp_invalid_ratelimit (500 ms)
// per connection for segments that fail the window or PAWS checks and for
// challenge ACKs, so a flood of bad segments cannot make an ACK storm.
bool Tcp::oow_rate_limited(TcpConnection& c) {
  const net::Instant t = now();
  if (c.oow_acked_once && t - c.last_oow_ack < context_.config.tcp_invalid_ratelimit) {
    ++context_.tcp.acks_skipped;
    return true;
  }
  c.oow_acked_once = true;
  c.last_oow_ack = t;
  return false;
}

// The ACK for a segment the window or PAWS rejected (LINUX tcp_send_dupack
// under tcp_oow_rate_limited): a segment with data (not a SYN) always gets
// one, as the sender needs it to recover.
void Tcp::send_dupack(Socket& s, const Segment& seg) {
  if (seg.length() != 0 && !seg.flags.syn()) {
    send_ack(s);
    return;
  }
  if (!oow_rate_limited(*s.tcp)) send_ack(s);
}

void Tcp::send_challenge_ack(Socket& s) {
  TcpConnection& c = *s.tcp;
  // LINUX tcp_send_challenge_ack: first the connection's limit, then (when
  // tcp_challenge_ack_limit is set below INT_MAX; off by default since Linux
  // 6.0) the host-wide one, whose count per second is drawn at random from
  // [limit/2, limit*3/2) so that it cannot be counted from outside
  // (CVE-2016-5696).
  if (oow_rate_limited(c)) return;
  const std::uint32_t limit = context_.config.tcp_challenge_ack_limit;
  if (limit < challenge_ack_unlimited) {
    const std::int64_t second = now().ns() / 1000000000;
    if (second != challenge_second_) {
      challenge_second_ = second;
      challenge_count_ = limit == 0 ? 0 : (limit + 1) / 2 + context_.entropy.uniform(limit);
    }
    if (challenge_count_ == 0) return;
    --challenge_count_;
  }
  ++context_.tcp.challenge_acks;
  send_ack(s);
}

bool Tcp::check_sequence(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  // RFC 7323 5.3 PAWS (LINUX tcp_paws_discard): an older timestamp than
  // TS.Recent is a duplicate from an earlier incarnation. A RST is exempt.
  if (c.ts_ok && seg.options->timestamps && !seg.flags.rst()) {
    const auto tsval = seg.options->timestamps->tsval;
    const bool older = ts_before(tsval, c.ts_recent);
    if (older && (now() - c.ts_recent_stamp).count_ns() <= paws_idle_ns) {
      ++context_.tcp.paws_rejected;
      context_.drop(TransportDropReason::tcp_paws);
      if (seg.flags.syn())
        send_challenge_ack(s);  // LINUX: a SYN goes to syn_challenge
      else
        send_dupack(s, seg);
      return false;
    }
  }
  // TCP-SEQ-1 (LINUX tcp_sequence): the segment must overlap what we can
  // take: its end not before the last ACKed RCV.NXT, its start not past the
  // window's right edge.
  const std::uint32_t window = advertised_window(c);
  const SeqNum wup(c.last_ack_sent);
  const bool acceptable = !before(seg.end(), wup) && !after(seg.seq, c.rcv_nxt + window);
  if (acceptable) return true;
  if (seg.flags.rst()) {
    if (reset_after_fin(c, seg)) return true;
    context_.drop(TransportDropReason::tcp_rst_out_of_window);
    return false;
  }
  if (seg.flags.syn()) {
    // TCP-SYN-1 (RFC 5961 4.2): a SYN gets a challenge ACK wherever it falls.
    context_.drop(TransportDropReason::tcp_syn_challenged);
    send_challenge_ack(s);
    return false;
  }
  context_.drop(TransportDropReason::tcp_out_of_window);
  send_dupack(s, seg);
  return false;
}

// TIME-WAIT (RFC 9293 3.10.7.4, LINUX tcp_timewait_state_process).
void Tcp::time_wait_input(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  const auto* ts = seg.options->timestamps ? &*seg.options->timestamps : nullptr;
  // RFC 7323 5.3: PAWS here too (a RST is exempt).
  const bool paws_reject = c.ts_ok && ts != nullptr && !seg.flags.rst() &&
                           ts_before(ts->tsval, c.ts_recent) &&
                           (now() - c.ts_recent_stamp).count_ns() <= paws_idle_ns;
  const auto restart = [&] {
    c.state_timer_at = now() + context_.config.tcp_time_wait;
    update_timer(s);
  };
  if (!paws_reject && seg.seq == c.rcv_nxt && (seg.length() == 0 || seg.flags.rst())) {
    // In the window: a bare ACK restarts TIME-WAIT; a RST ends it (RFC 1337
    // left unprotected, as Linux's tcp_rfc1337 default).
    if (seg.flags.rst()) {
      done(s);
      destroy_if_orphan(s);
      return;
    }
    if (ts != nullptr && c.ts_ok) {
      c.ts_recent = ts->tsval;
      c.ts_recent_stamp = now();
    }
    restart();
    return;
  }
  // RFC 1122 4.2.2.13: a new SYN above the old sequence space (or with a newer
  // timestamp) may reopen the four-tuple when someone listens; the new
  // connection's ISN is then past everything the old one sent (LINUX
  // tw_snd_nxt + 65537).
  if (seg.flags.syn() && !seg.flags.rst() && !seg.flags.ack() && !paws_reject &&
      (after(seg.seq, c.rcv_nxt) || (c.ts_ok && ts != nullptr && ts_before(c.ts_recent, ts->tsval)))) {
    Segment again = seg;
    again.time_wait_isn = c.snd_nxt + 65537;
    if (*again.time_wait_isn == SeqNum(0)) *again.time_wait_isn += 1;
    if (Socket* listener = find_listener(again)) {
      done(s);
      destroy_if_orphan(s);
      listen_input(*listener, again);
      return;
    }
  }
  if (paws_reject) ++context_.tcp.paws_rejected;
  context_.drop(paws_reject ? TransportDropReason::tcp_paws : TransportDropReason::tcp_time_wait);
  if (seg.flags.rst()) return;
  // Everything else out of the window is ACKed (TCP-CLOSE-5: a retransmitted
  // FIN, data), under the out-of-window limit; an ACK in it restarts
  // TIME-WAIT (an ACK-less SYN may be an old duplicate and does not).
  if (paws_reject || seg.flags.ack()) restart();
  send_dupack(s, seg);
}

void Tcp::established_input(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  if (c.state == TcpState::time_wait) {
    time_wait_input(s, seg);
    return;
  }
  if (!check_sequence(s, seg)) {
    update_timer(s);
    return;
  }
  // RFC 5961 3.2 (TCP-RST-1): a RST resets only at RCV.NXT (LINUX: also at
  // RCV.NXT - 1 after a FIN, and at the right edge of the SACK blocks we report).
  if (seg.flags.rst()) {
    if (seg.seq != c.rcv_nxt && !reset_after_fin(c, seg) && !at_highest_sack(c, seg)) {
      context_.drop(TransportDropReason::tcp_rst_challenged);
      send_challenge_ack(s);
      update_timer(s);
      return;
    }
    switch (c.state) {
      case TcpState::syn_received:
        if (c.parent != nullptr) {
          // Passive open: back to LISTEN, which here means the embryo goes.
          done(s);
          destroy_if_orphan(s);
        } else {
          reset_connection(s, ECONNREFUSED);
        }
        return;
      // LINUX tcp_reset: CLOSE-WAIT reports EPIPE, every other state ECONNRESET.
      case TcpState::close_wait: reset_connection(s, EPIPE); return;
      default: reset_connection(s, ECONNRESET); return;
    }
  }
  // RFC 5961 4.2 (TCP-SYN-1): a SYN in a synchronized state gets a challenge ACK.
  bool simultaneous_synack = false;
  if (seg.flags.syn()) {
    if (c.state == TcpState::syn_received && seg.seq == c.irs && !seg.flags.ack()) {
      // Our SYN-ACK was lost: the SYN again gets it again.
      send_syn(s, true);
      update_timer(s);
      return;
    }
    // LINUX tcp_validate_incoming: in a simultaneous open the peer's SYN-ACK
    // (its SYN again, now acknowledging ours) completes the handshake.
    simultaneous_synack = c.state == TcpState::syn_received && c.parent == nullptr && seg.flags.ack() &&
                          seg.seq == c.irs && seg.length() == 1 && seg.ack == c.snd_nxt;
    if (!simultaneous_synack) {
      context_.drop(TransportDropReason::tcp_syn_challenged);
      send_challenge_ack(s);
      update_timer(s);
      return;
    }
  }
  if (!seg.flags.ack()) {
    context_.drop(TransportDropReason::tcp_no_ack);
    return;
  }
  c.last_received = now();
  if (c.keepalive_at != net::Instant::never()) {
    c.keepalive_probes_sent = 0;
    c.keepalive_at = now() + keepalive_idle(c);
  }
  if (c.state == TcpState::syn_received) {
    // RFC 9293 3.10.7.4: acceptable if ISS < SEG.ACK =< SND.NXT.
    if (!after(seg.ack, c.iss) || after(seg.ack, c.snd_max)) {
      // RFC 9293: an unacceptable ACK in SYN-RECEIVED gets a RST.
      context_.drop(TransportDropReason::tcp_ack_out_of_window);
      send_reset_for(seg);
      return;
    }
    Socket* parent = c.parent;
    if (parent != nullptr) {
      TcpConnection& l = *parent->tcp;
      if (l.listen->accept_queue.size() > static_cast<std::size_t>(l.listen->backlog)) {
        // LINUX tcp_abort_on_overflow 0: the ACK is dropped, the peer retries.
        ++context_.tcp.listen_overflows;
        context_.drop(TransportDropReason::tcp_listen_overflow);
        return;
      }
    }
    c.snd_wnd = send_window_of(c, seg);
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = seg.seq;
    c.snd_wl2 = seg.ack;
    // Our SYN is acknowledged here, with the handshake's RTT (Karn: not from
    // a retransmitted SYN-ACK), so ACK processing sees no new data acked.
    if (c.rtt_pending && c.retransmits == 0) rtt_sample(c, (now() - c.rtt_start).count_ns() / 1000);
    c.rtt_pending = false;
    if (before(c.snd_una, c.iss + 1)) {
      c.snd_una = c.iss + 1;
      c.acked_total = 1;  // the SYN's sequence number
    }
    begin_transfer(s);
    set_state(s, TcpState::established);
    // The SYN in it is old now: ACK it, as Linux's tcp_data_queue does a duplicate.
    if (simultaneous_synack) c.ack_now = true;
    if (parent != nullptr) {
      TcpConnection& l = *parent->tcp;
      if (l.listen->embryonic > 0) --l.listen->embryonic;
      if (c.orphan_slot != TcpConnection::not_orphan) l.listen->accept_queue.push_back(release_orphan(s));
      context_.notify(*parent);
    } else {
      c.sock_state = SockState::connecting;  // a simultaneous open completes
    }
  }
  if (!process_ack(s, seg)) {
    update_timer(s);
    return;
  }
  if (c.state == TcpState::closed) return;  // LAST-ACK done: `s` may be gone
  process_data(s, seg);
  if (c.state == TcpState::closed) return;
  process_fin(s, seg);
  if (c.state == TcpState::closed) return;
  output(s);
  update_timer(s);
}

void Tcp::update_sack_scoreboard(TcpConnection& c, const Segment& seg) {
  for (const auto& b : seg.options->sack_blocks) {
    const SeqNum right(b.right);
    // A block reaching below SND.UNA counts from SND.UNA (the ACK crossed it).
    const SeqNum left =
        before(SeqNum(b.left), c.snd_una) && after(right, c.snd_una) ? c.snd_una : SeqNum(b.left);
    // Bogus blocks (outside SND.UNA..SND.MAX, empty or reversed) are ignored
    // and never grow the scoreboard beyond what was sent (TCP-SACK-1); nor
    // does a block that would take the scoreboard past its bound, so the work
    // per segment stays bounded whatever the peer SACKs (LINUX TCPSACKDiscard).
    const bool overlaps = std::any_of(c.sacked.begin(), c.sacked.end(), [&](const wire::TcpSackBlock& e) {
      return !after(left, SeqNum(e.right)) && !before(right, SeqNum(e.left));
    });
    if (!before(left, right) || before_or_equal(right, c.snd_una) || after(right, c.snd_max) ||
        (!overlaps && c.sacked.size() >= max_sack_scoreboard)) {
      ++context_.tcp.sack_discards;
      continue;
    }
    // Merge into the sorted list in place: the first block that reaches this
    // one up to the first that starts beyond it become one.
    auto& sacked = c.sacked;
    auto first = std::find_if(sacked.begin(), sacked.end(),
                              [&](const wire::TcpSackBlock& e) { return !before(SeqNum(e.right), left); });
    auto last = first;
    while (last != sacked.end() && !after(SeqNum(last->left), right)) ++last;
    wire::TcpSackBlock merged{left.value(), right.value()};
    for (auto it = first; it != last; ++it) {
      if (before(SeqNum(it->left), SeqNum(merged.left))) merged.left = it->left;
      if (after(SeqNum(it->right), SeqNum(merged.right))) merged.right = it->right;
    }
    if (first == last) {
      sacked.insert(first, merged);
    } else {
      *first = merged;
      sacked.erase(std::next(first), last);
    }
  }
  prune_sacked(c);
}

// Everything at or below SND.UNA is acknowledged cumulatively: out of the scoreboard.
void Tcp::prune_sacked(TcpConnection& c) {
  std::erase_if(c.sacked,
                [&](const wire::TcpSackBlock& b) { return before_or_equal(SeqNum(b.right), c.snd_una); });
  for (auto& b : c.sacked)
    if (before(SeqNum(b.left), c.snd_una)) b.left = c.snd_una.value();
}

bool Tcp::process_ack(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  auto& st = context_.tcp;
  // RFC 5961 5.2 (TCP-ACK-1): acceptable from SND.UNA - MAX.SND.WND to SND.NXT;
  // LINUX: MAX.SND.WND no larger than what was ever acknowledged (no ACK for
  // bytes never sent).
  const auto span = static_cast<std::uint32_t>(std::min<std::uint64_t>(c.max_snd_wnd, c.acked_total));
  const SeqNum oldest = c.snd_una - span;
  if (before(seg.ack, oldest) || after(seg.ack, c.snd_max)) {
    context_.drop(TransportDropReason::tcp_ack_out_of_window);
    send_challenge_ack(s);
    return false;
  }
  // RFC 7323 4.3: TS.Recent from a segment that covers our last ACK.
  if (c.ts_ok && seg.options->timestamps && !after(seg.seq, SeqNum(c.last_ack_sent))) {
    c.ts_recent = seg.options->timestamps->tsval;
    c.ts_recent_stamp = now();
  }
  if (c.sack_ok) update_sack_scoreboard(c, seg);
  const std::uint32_t window = send_window_of(c, seg);
  if (after(seg.ack, c.snd_una)) {
    c.syn_acked = true;  // the SYN is the first sequence number
    const std::uint32_t acked = distance(c.snd_una, seg.ack);
    c.acked_total += acked;
    // Data acknowledged (the FIN's sequence number is not in the buffer).
    const std::size_t data_acked = std::min<std::size_t>(acked, c.send.size());
    c.send.consume(data_acked);
    if (c.send.empty()) c.send.release(buffers_);
    c.snd_una = seg.ack;
    if (before(c.snd_nxt, c.snd_una)) c.snd_nxt = c.snd_una;
    prune_sacked(c);
    // RTT (RFC 6298 / RFC 7323 4.1): from the echoed timestamp, else the timed
    // segment unless it was retransmitted (Karn).
    bool sampled = false;
    if (c.ts_ok && seg.options->timestamps && seg.options->timestamps->tsecr != 0) {
      const std::uint32_t sent_ms = seg.options->timestamps->tsecr;
      const std::uint32_t now_ms = ts_clock(now());
      const std::uint32_t rtt_ms = distance(SeqNum(sent_ms), SeqNum(now_ms));  // modulo 2^32, no wrap
      // LINUX tcp_rtt_tsopt_us: an echo older than INT_MAX / 1000 ms (about
      // 36 minutes), or from the future, is no sample.
      if (rtt_ms < max_ts_rtt_ms) {
        rtt_sample(c, std::int64_t{rtt_ms} * 1000);
        sampled = true;
      }
      c.rtt_pending = false;
    } else if (c.rtt_pending && after(seg.ack, c.rtt_seq)) {
      rtt_sample(c, (now() - c.rtt_start).count_ns() / 1000);
      c.rtt_pending = false;
      sampled = true;
    }
    c.retransmits = 0;
    // RFC 6298 5.7 / Karn (LINUX tcp_ack_update_rtt): the backed-off RTO stays
    // until a valid sample.
    if (sampled) c.backoff = 0;
    // Congestion control.
    if (c.in_recovery) {
      if (!before(seg.ack, c.recover)) {
        // RFC 6582 3.2 (5): a full ACK ends recovery.
        c.in_recovery = false;
        c.cwnd = std::min(c.ssthresh, std::max<std::uint32_t>(flight_size(c), c.mss) + c.mss);
        c.dupacks = 0;
      } else {
        // Partial ACK: the next hole goes now; cwnd deflates by what was ACKed.
        c.cwnd = c.cwnd > acked ? c.cwnd - acked + c.mss : c.mss;
        if (!c.sack_ok) {
          const std::size_t len = std::min<std::size_t>(send_mss(c), c.send.size());
          if (len > 0) send_segment(s, c.snd_una, wire::TcpFlags(wire::TcpFlag::ack), 0, len, true);
        }
      }
    } else {
      c.dupacks = 0;
      std::uint32_t left = acked;
      if (c.cwnd < c.ssthresh) {
        // Slow start (RFC 5681 3.1 with RFC 3465's byte counting; LINUX
        // tcp_slow_start: by all that was acknowledged, up to ssthresh).
        const std::uint32_t grow = std::min(left, c.ssthresh - c.cwnd);
        c.cwnd += grow;
        left -= grow;
      }
      if (left > 0 && c.cwnd >= c.ssthresh) {
        // Congestion avoidance (RFC 5681 3.1, LINUX tcp_cong_avoid_ai): one MSS per window acknowledged.
        c.bytes_acked += left;
        if (c.bytes_acked >= c.cwnd) {
          c.bytes_acked -= c.cwnd;
          c.cwnd += c.mss;
        }
      }
    }
    // RFC 6298 5.2 / 5.3: off when everything is acknowledged, else restarted.
    c.rto_at = net::Instant::never();
    if (c.snd_una != c.snd_max) arm_rto(s);
    context_.notify(s);  // buffer space freed
  } else if (seg.ack == c.snd_una && seg.payload.empty() && !seg.flags.fin() && window == c.snd_wnd &&
             c.snd_una != c.snd_max) {
    // RFC 5681 2: a duplicate ACK.
    ++c.dupacks;
    const std::uint32_t sacked_bytes = [&] {
      std::uint32_t n = 0;
      for (const auto& b : c.sacked) n += distance(SeqNum(b.left), SeqNum(b.right));
      return n;
    }();
    if (c.in_recovery) {
      c.cwnd += c.mss;  // RFC 6582: inflate while duplicates arrive
    } else if (c.dupacks >= 3 || (c.sack_ok && sacked_bytes > 3u * c.mss)) {
      // Fast retransmit (RFC 5681 3.2 / RFC 6675 5).
      ++st.fast_retransmits;
      c.in_recovery = true;
      c.recover = c.snd_max;
      c.high_rxt = c.snd_una;
      c.ssthresh = std::max<std::uint32_t>(flight_size(c) / 2, 2u * c.mss);
      c.cwnd = c.ssthresh + 3u * c.mss;
      const std::size_t len = std::min<std::size_t>(send_mss(c), c.send.size());
      if (len > 0) {
        send_segment(s, c.snd_una, wire::TcpFlags(wire::TcpFlag::ack), 0, len, true);
        c.high_rxt = c.snd_una + static_cast<std::uint32_t>(len);
      }
      c.rtt_pending = false;
    }
  }
  // Window update (RFC 9293 3.10.7.4): only from an ACK at or above SND.UNA
  // (an old one carries an old window), from a newer segment or the same one
  // acknowledging more.
  if (!before(seg.ack, c.snd_una) &&
      (before(c.snd_wl1, seg.seq) || (c.snd_wl1 == seg.seq && before_or_equal(c.snd_wl2, seg.ack)))) {
    c.snd_wnd = window;
    c.max_snd_wnd = std::max(c.max_snd_wnd, window);
    c.snd_wl1 = seg.seq;
    c.snd_wl2 = seg.ack;
  }
  c.persist_probes = 0;  // the peer answers (LINUX tcp_ack: icsk_probes_out = 0)
  // Our FIN acknowledged?
  const bool fin_acked = c.fin_sent && c.snd_una == c.snd_max;
  switch (c.state) {
    case TcpState::fin_wait_1:
      if (fin_acked) {
        set_state(s, TcpState::fin_wait_2);
        if (c.user_closed) {
          if (c.linger2 < 0) {
            // TCP-CLOSE-6 (LINUX tcp_rcv_state_process): an orphan with
            // TCP_LINGER2 < 0 ends when its FIN is acknowledged, the RST
            // answering that ACK; counted as TCPAbortOnData, as Linux does.
            ++st.abort_on_data;
            send_reset_for(seg);
            done(s);
            destroy_if_orphan(s);
            return false;
          }
          const auto timeout =
              c.linger2 > 0 ? net::Duration::seconds(c.linger2) : context_.config.tcp_fin_timeout;
          c.state_timer_at = now() + timeout;
        }
      }
      break;
    case TcpState::closing:
      if (fin_acked) {
        enter_time_wait(s);
        return false;
      }
      break;
    case TcpState::last_ack:
      if (fin_acked) {
        done(s);
        destroy_if_orphan(s);
        return false;
      }
      break;
    default: break;
  }
  return true;
}

void Tcp::process_data(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  if (seg.payload.empty()) return;
  if (c.state != TcpState::established && c.state != TcpState::fin_wait_1 &&
      c.state != TcpState::fin_wait_2) {
    return;  // RFC 9293: CLOSE-WAIT and later ignore text
  }
  const SeqNum data_end = seg.seq + static_cast<std::uint32_t>(seg.payload.size());
  // TCP-CLOSE-2 (RFC 1122 4.2.2.13, LINUX tcp_rcv_state_process): in
  // FIN-WAIT-1/2, new data for a reader that closed or shut reading down
  // resets the connection, the RST answering the segment (in ESTABLISHED,
  // data after SHUT_RD is still queued and readable, as on Linux).
  if ((c.state == TcpState::fin_wait_1 || c.state == TcpState::fin_wait_2) &&
      (c.user_closed || (s.shutdown & socket::rcv_shutdown) != 0) && after(data_end, c.rcv_nxt)) {
    ++context_.tcp.abort_on_data;
    context_.drop(TransportDropReason::tcp_data_after_close);
    send_reset_for(seg);
    reset_connection(s, ECONNRESET);
    return;
  }
  if (!after(data_end, c.rcv_nxt)) {
    // All old: a retransmission. ACK at once (LINUX: quick ACK for duplicates).
    c.ack_now = true;
    return;
  }
  // Received bytes live in the receive ring at their place from RCV.NXT on:
  // in order at size(), out of order past it. Nothing goes beyond the
  // receive buffer (SO_RCVBUF) counted from the ring's front, or beyond the
  // window advertised (which scaling may round past the buffer).
  const std::size_t in_order = c.receive.size();
  const std::size_t capacity =
      std::max<std::size_t>(static_cast<std::size_t>(s.rcvbuf), in_order + advertised_window(c));
  const auto offset_of = [&](SeqNum seq) { return in_order + distance(c.rcv_nxt, seq); };
  const std::size_t extent = c.out_of_order.empty() ? in_order : offset_of(c.out_of_order.back().end);
  if (!after(seg.seq, c.rcv_nxt)) {
    // In order (possibly overlapping RCV.NXT): take what is new and fits.
    if (advertised_window(c) == 0) {
      // LINUX tcp_data_queue (TCPZeroWindowDrop): nothing goes into a closed
      // window, a zero-window probe included; the ACK repeats the window.
      context_.drop(TransportDropReason::tcp_receive_buffer);
      c.ack_now = true;
      return;
    }
    const std::uint32_t skip = distance(seg.seq, c.rcv_nxt);
    std::size_t n = seg.payload.size() - skip;
    const std::size_t room = in_order < capacity ? capacity - in_order : 0;
    if (n > room) {
      context_.drop(TransportDropReason::tcp_receive_buffer);
      n = room;
    }
    if (n == 0) {
      c.ack_now = true;
      return;
    }
    c.receive.write_at(in_order, seg.payload.data() + skip, n, extent, buffers_);
    c.receive.commit(n);
    c.rcv_nxt += static_cast<std::uint32_t>(n);
    // What was waiting out of order may follow now: its bytes are in place already.
    std::size_t filled = 0;
    while (filled < c.out_of_order.size() && !after(c.out_of_order[filled].seq, c.rcv_nxt)) {
      const SeqRange& o = c.out_of_order[filled];
      if (after(o.end, c.rcv_nxt)) {
        c.receive.commit(distance(c.rcv_nxt, o.end));
        c.rcv_nxt = o.end;
      }
      c.out_of_order_bytes -= o.length();
      ++filled;
    }
    if (filled > 0) {
      c.out_of_order.erase(c.out_of_order.begin(),
                           c.out_of_order.begin() + static_cast<std::ptrdiff_t>(filled));
      c.ack_now = true;
    }
    // Drop SACK reports the cumulative ACK now covers.
    std::erase_if(c.sack_report,
                  [&](const wire::TcpSackBlock& b) { return before_or_equal(SeqNum(b.right), c.rcv_nxt); });
    // TCP-DACK-1: an ACK for every second full-sized segment, else delayed.
    if (n >= c.mss) ++c.segments_unacked;
    if (c.segments_unacked >= 2 || !c.out_of_order.empty()) c.ack_now = true;
    if (!c.ack_now && c.delack_at == net::Instant::never())
      c.delack_at = now() + context_.config.tcp_delayed_ack;
    context_.notify(s);
    return;
  }
  // Out of order (RFC 9293 3.10.7.4, TCP-OOO-1): kept within the window and
  // the buffer, in a bounded number of ranges; overlaps merge.
  c.ack_now = true;  // a duplicate ACK (with SACK) tells the sender at once
  const std::uint32_t window = advertised_window(c);
  const SeqNum start = seg.seq;
  SeqNum end = data_end;
  if (after(end, c.rcv_nxt + window)) end = c.rcv_nxt + window;
  if (capacity < offset_of(end)) {
    const std::size_t over = offset_of(end) - capacity;
    end = over < distance(start, end) ? end - static_cast<std::uint32_t>(over) : start;
  }
  if (!before(start, end)) {
    context_.drop(TransportDropReason::tcp_receive_buffer);
    return;
  }
  // Where [start, end) goes: `first` is the first range reaching it (or
  // touching it), `last` the one after the last such range.
  auto& ranges = c.out_of_order;
  if (ranges.capacity() == 0) ranges.reserve(max_out_of_order_segments);  // before taking iterators
  auto first =
      std::find_if(ranges.begin(), ranges.end(), [&](const SeqRange& r) { return !before(r.end, start); });
  auto last = first;
  while (last != ranges.end() && !after(last->seq, end)) ++last;
  if (first != last && !after(first->seq, start) && !before(first->end, end)) return;  // all held already
  if (first == last && ranges.size() >= max_out_of_order_segments) {
    context_.drop(TransportDropReason::tcp_receive_buffer);
    return;
  }
  c.receive.write_at(offset_of(start), seg.payload.data() + distance(seg.seq, start), distance(start, end),
                     extent, buffers_);
  SeqRange merged{start, end};
  for (auto it = first; it != last; ++it) {
    if (before(it->seq, merged.seq)) merged.seq = it->seq;
    if (after(it->end, merged.end)) merged.end = it->end;
    c.out_of_order_bytes -= it->length();
  }
  c.out_of_order_bytes += merged.length();
  if (first == last) {
    ranges.insert(first, merged);
  } else {
    *first = merged;
    ranges.erase(std::next(first), last);
  }
  // RFC 2018 4: the block holding this segment first, then the others.
  if (c.sack_ok) {
    std::erase_if(c.sack_report, [&](const wire::TcpSackBlock& b) {
      return !before(SeqNum(b.left), merged.seq) && !after(SeqNum(b.right), merged.end);
    });
    c.sack_report.insert(c.sack_report.begin(), wire::TcpSackBlock{merged.seq.value(), merged.end.value()});
    if (c.sack_report.size() > 4) c.sack_report.resize(4);
  }
}

void Tcp::process_fin(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  if (!seg.flags.fin()) return;
  // Only a FIN in order counts; one beyond a hole waits for the retransmission.
  const SeqNum fin_seq = seg.seq + static_cast<std::uint32_t>(seg.payload.size());
  if (fin_seq != c.rcv_nxt) return;
  if (c.fin_received) {
    c.ack_now = true;
    return;
  }
  c.rcv_nxt += 1;
  c.fin_received = true;
  // LINUX tcp_fin: out-of-order data beyond the FIN can never be delivered:
  // it goes, and so do the SACK blocks reporting it.
  if (!c.out_of_order.empty()) {
    context_.drop(TransportDropReason::tcp_ofo_after_fin);
    c.out_of_order.clear();
    c.out_of_order_bytes = 0;
    c.sack_report.clear();
  }
  s.shutdown |= socket::rcv_shutdown;
  c.ack_now = true;
  switch (c.state) {
    case TcpState::syn_received:
    case TcpState::established: set_state(s, TcpState::close_wait); break;
    case TcpState::fin_wait_1:
      if (c.fin_sent && c.snd_una == c.snd_max) {
        send_ack(s);
        enter_time_wait(s);
      } else {
        set_state(s, TcpState::closing);
      }
      break;
    case TcpState::fin_wait_2:
      send_ack(s);
      enter_time_wait(s);
      break;
    default: break;
  }
  context_.notify(s);
}

// ---------------------------------------------------------------------------
// ICMP (RFC 5927, ICMP4-6)

void Tcp::icmp_error(const net::IcmpErrorReport& report, net::Instant) {
  if (report.protocol != wire::ip_protocol_tcp || report.quoted_transport.size() < 8) return;
  const std::uint16_t sport = wire::load_be16(report.quoted_transport, 0);
  const std::uint16_t dport = wire::load_be16(report.quoted_transport, 2);
  const SeqNum seq(wire::load_be32(report.quoted_transport, 4));
  const wire::Ipv6Address local =
      report.ipv6 ? report.quoted_source_v6 : socket::map_v4(report.quoted_source_v4);
  const wire::Ipv6Address peer =
      report.ipv6 ? report.quoted_destination_v6 : socket::map_v4(report.quoted_destination_v4);
  const auto it = connections_.find(Key{local, peer, sport, dport});
  if (it == connections_.end()) return;
  Socket& s = *it->second;
  TcpConnection& c = *s.tcp;
  // RFC 5927 4.1: the quoted sequence number must be one in flight.
  if (before(seq, c.snd_una) || !before(seq, c.snd_max)) return;
  int error = 0;
  bool hard = false;
  if (!report.ipv6) {
    if (report.type == 3) {
      if (report.code == 4) {
        // Fragmentation needed: a smaller MSS (path MTU, RFC 1191).
        if (report.info >= 68) {
          const auto mtu = static_cast<std::uint16_t>(std::min<std::uint32_t>(report.info, 65535));
          const std::uint16_t m = static_cast<std::uint16_t>(std::max<int>(mtu - 40, min_mss));
          if (m < c.mss) {
            c.mss = m;
            output(s);
            update_timer(s);
          }
        }
        return;
      }
      hard = report.code == 2 || report.code == 3 || (report.code >= 6 && report.code <= 10) ||
             report.code >= 13;
      error = report.code == 3 ? ECONNREFUSED : report.code == 2 ? ENOPROTOOPT : EHOSTUNREACH;
      if (report.code == 0 || report.code == 6 || report.code == 9 || report.code == 11) error = ENETUNREACH;
    } else if (report.type == 11) {
      error = EHOSTUNREACH;
    } else if (report.type == 12) {
      error = EPROTO;
      hard = true;
    } else {
      return;
    }
  } else {
    if (report.type == 2) {
      if (report.info >= 1280) {
        const std::uint16_t m = static_cast<std::uint16_t>(
            std::max<std::uint32_t>(std::min<std::uint32_t>(report.info, 65535) - 60, 1220));
        if (m < c.mss) {
          c.mss = m;
          output(s);
          update_timer(s);
        }
      }
      return;
    }
    if (report.type == 1) {
      error = report.code == 4                         ? ECONNREFUSED
              : (report.code == 1 || report.code >= 5) ? EACCES
              : report.code == 0                       ? ENETUNREACH
                                                       : EHOSTUNREACH;
      hard = report.code == 1 || report.code == 4 || report.code >= 5;
    } else if (report.type == 3) {
      error = EHOSTUNREACH;
    } else if (report.type == 4) {
      error = EPROTO;
      hard = true;
    } else {
      return;
    }
  }
  // ICMP4-6 (RFC 1122 4.2.3.9, LINUX tcp_v4_err): in SYN-SENT a hard error
  // aborts the attempt; otherwise errors are soft (reported on a timeout),
  // unless IP_RECVERR asks for them at once.
  if ((c.state == TcpState::syn_sent || c.state == TcpState::syn_received) && hard) {
    if (c.parent != nullptr) {
      done(s);
      destroy_if_orphan(s);
      clear_graveyard();  // (freed now, not at the next segment or timer)
      return;
    }
    ++context_.tcp.attempt_fails;
    reset_connection(s, error);
    clear_graveyard();
    return;
  }
  if (s.recverr) {
    s.error = error;
    context_.notify(s);
  } else {
    c.soft_error = error;
  }
}

}  // namespace hardstack::transport

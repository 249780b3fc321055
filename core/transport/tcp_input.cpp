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
// SYN cookies (LINUX msstab): the MSS values a cookie can carry.
constexpr std::uint16_t cookie_mss[8] = {536, 1220, 1300, 1400, 1440, 1460, 4312, 8960};
// RFC 7323 5.5: TS.Recent older than 24 days no longer rejects.
constexpr std::int64_t paws_idle_ns = std::int64_t{24} * 24 * 3600 * 1000000000;

bool is_link_local(const wire::Ipv6Address& a) { return a.octets[0] == 0xfe && (a.octets[1] & 0xc0) == 0x80; }

// Everything at or below SND.UNA is acknowledged cumulatively: out of the
// SACK scoreboard (which must hold only SND.UNA..SND.MAX, or pipe() counts
// acknowledged bytes as delivered out of order).
void trim_sack_scoreboard(TcpConnection& c) {
  std::erase_if(c.sacked,
                [&](const wire::TcpSackBlock& b) { return before_or_equal(SeqNum(b.right), c.snd_una); });
  for (auto& b : c.sacked)
    if (before(SeqNum(b.left), c.snd_una)) b.left = c.snd_una.value();
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
  graveyard_.clear();
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
  graveyard_.clear();
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
  const auto it = connections_.find(key);
  if (it != connections_.end()) {
    Socket& s = *it->second;
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
    // The third segment of a handshake answered with a SYN cookie.
    if (context_.config.tcp_syncookies && !seg.flags.syn()) {
      if (Socket* child = child_from_cookie(listener, seg)) {
        established_input(*child, seg);
        return;
      }
    }
    context_.drop(TransportDropReason::tcp_listen_ack);
    send_reset_for(seg);
    return;
  }
  if (!seg.flags.syn()) {
    context_.drop(TransportDropReason::tcp_no_socket);
    return;
  }
  // LINUX tcp_conn_request: a full accept queue drops the SYN; a full SYN
  // queue answers with a cookie (or drops without cookies).
  if (l.accept_queue.size() > static_cast<std::size_t>(l.backlog)) {
    ++st.listen_overflows;
    context_.drop(TransportDropReason::tcp_listen_overflow);
    return;
  }
  if (l.embryonic >= static_cast<std::size_t>(std::max(l.backlog, 1))) {
    if (!context_.config.tcp_syncookies) {
      ++st.listen_overflows;
      context_.drop(TransportDropReason::tcp_listen_overflow);
      return;
    }
    // A stateless SYN-ACK: everything the connection needs is in its ISN.
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
    probe.rcvbuf = listener.rcvbuf;
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
    send_syn(probe, true);
    ++st.syncookies_sent;
    return;
  }
  make_child(listener, seg);
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

Socket* Tcp::child_from_cookie(Socket& listener, const Segment& seg) {
  auto& st = context_.tcp;
  // Our SYN-ACK carried ISN = cookie + the peer's ISN: undo the addition.
  const SeqNum peer_isn = seg.seq - 1;
  const SeqNum iss = seg.ack - 1;
  const std::uint32_t value = distance(peer_isn, iss);
  const auto index = static_cast<std::uint8_t>(value & 7u);
  const auto current = static_cast<std::uint32_t>(now().ns() / 1000000000 / 64);
  for (std::uint32_t age = 0; age < 2 && age <= current; ++age) {
    if (syn_cookie(seg, current - age, index) != value) continue;
    TcpConnection& l = *listener.tcp;
    if (l.accept_queue.size() > static_cast<std::size_t>(l.backlog)) {
      ++st.listen_overflows;
      return nullptr;
    }
    ++st.syncookies_recv;
    Segment as_syn = seg;
    as_syn.seq = peer_isn;
    as_syn.flags = wire::TcpFlags(wire::TcpFlag::syn);
    Socket* child = make_child(listener, as_syn, true);
    if (child == nullptr) return nullptr;
    TcpConnection& c = *child->tcp;
    // The child starts as the cookie said: in SYN-RECEIVED with the SYN-ACK
    // sent, which this ACK acknowledges (LINUX cookie_v4_check, then the ACK
    // completes the handshake in tcp_child_process).
    c.iss = iss;
    c.snd_una = iss;
    c.snd_nxt = iss + 1;
    c.snd_max = iss + 1;
    c.mss = cookie_mss[index];
    c.peer_mss = cookie_mss[index];
    c.wscale_ok = c.sack_ok = c.ts_ok = false;
    c.snd_wscale = c.rcv_wscale = 0;
    c.rto_at = net::Instant::never();
    c.retransmits = 0;
    update_timer(*child);
    return child;
  }
  ++st.syncookies_failed;
  context_.drop(TransportDropReason::tcp_bad_cookie);
  return nullptr;
}

Socket* Tcp::make_child(Socket& listener, const Segment& seg, bool from_cookie) {
  TcpConnection& l = *listener.tcp;
  auto owned = std::make_unique<Socket>();
  Socket& s = *owned;
  s.domain = listener.domain;
  s.type = listener.type;
  s.protocol = listener.protocol;
  s.proto = this;
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
  c.iss = make_isn(s);
  c.snd_una = c.iss;
  c.snd_nxt = c.iss;
  c.snd_max = c.iss;
  c.rto_us = context_.config.tcp_rto_initial.count_ns() / 1000;
  c.last_received = now();
  take_options(s, seg);
  c.parent = &listener;
  ++l.embryonic;
  hash_connection(s);
  c.state = TcpState::syn_received;
  ++context_.tcp.passive_opens;
  orphans_.emplace(&s, std::move(owned));
  if (!from_cookie) send_syn(s, true);
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
    // RFC 7323 2.2: the window of a SYN is never scaled.
    c.snd_wnd = seg.window;
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = seg.seq;
    c.snd_wl2 = seg.ack;
    if (c.rtt_pending && c.retransmits == 0) rtt_sample(c, (now() - c.rtt_start).count_ns() / 1000);
    c.rtt_pending = false;
    c.retransmits = 0;
    c.backoff = 0;
    c.rto_at = net::Instant::never();
    c.cwnd = std::min<std::uint32_t>(10u * c.mss, std::max<std::uint32_t>(2u * c.mss, 14600));  // RFC 6928
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

void Tcp::send_challenge_ack(Socket& s) {
  TcpConnection& c = *s.tcp;
  const net::Instant t = now();
  // LINUX: one per connection per 500 ms (tcp_invalid_ratelimit), and at most
  // tcp_challenge_ack_limit per second across the host (RFC 5961 7).
  if (c.challenge_acked_once && t - c.last_challenge_ack < net::Duration::milliseconds(500)) return;
  const std::int64_t second = t.ns() / 1000000000;
  if (second != challenge_second_) {
    challenge_second_ = second;
    challenge_count_ = 0;
  }
  if (challenge_count_ >= context_.config.tcp_challenge_ack_limit) return;
  ++challenge_count_;
  c.challenge_acked_once = true;
  c.last_challenge_ack = t;
  ++context_.tcp.challenge_acks;
  send_ack(s);
}

bool Tcp::check_sequence(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  // RFC 7323 5.3 PAWS (LINUX tcp_paws_discard): an older timestamp than
  // TS.Recent is a duplicate from an earlier incarnation.
  if (c.ts_ok && seg.options->timestamps && !seg.flags.rst()) {
    const auto tsval = seg.options->timestamps->tsval;
    // RFC 7323 5.3: timestamps compare modulo 2^32, as sequence numbers do
    // (LINUX (s32)(tsval - ts_recent) < 0, without the wrap).
    const bool older = before(SeqNum(tsval), SeqNum(c.ts_recent));
    if (older && (now() - c.ts_recent_stamp).count_ns() <= paws_idle_ns) {
      ++context_.tcp.paws_rejected;
      context_.drop(TransportDropReason::tcp_paws);
      send_ack(s);
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
    context_.drop(TransportDropReason::tcp_rst_out_of_window);
    return false;
  }
  context_.drop(TransportDropReason::tcp_out_of_window);
  send_ack(s);
  return false;
}

void Tcp::established_input(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  if (c.state == TcpState::time_wait) {
    // LINUX tcp_timewait_state_process.
    if (seg.flags.syn() && !seg.flags.rst() && !seg.flags.ack() && after(seg.seq, c.rcv_nxt)) {
      // A new connection for the same four-tuple: TIME-WAIT gives way.
      done(s);
      destroy_if_orphan(s);
      Segment again = seg;
      if (Socket* listener = find_listener(again)) listen_input(*listener, again);
      return;
    }
    if (seg.flags.rst()) {
      // RFC 1337 unprotected, as Linux by default: a RST ends TIME-WAIT.
      done(s);
      destroy_if_orphan(s);
      return;
    }
    if (seg.flags.fin() && seg.end() == c.rcv_nxt) {
      // TCP-CLOSE-5: a retransmitted FIN is ACKed again and TIME-WAIT restarts.
      send_ack(s);
      c.state_timer_at = now() + context_.config.tcp_time_wait;
      update_timer(s);
      return;
    }
    context_.drop(TransportDropReason::tcp_time_wait);
    if (seg.length() > 0 || seg.flags.syn()) send_ack(s);
    return;
  }
  if (!check_sequence(s, seg)) {
    update_timer(s);
    return;
  }
  // RFC 5961 3.2 (TCP-RST-1).
  if (seg.flags.rst()) {
    if (seg.seq != c.rcv_nxt) {
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
      case TcpState::close_wait: reset_connection(s, EPIPE); return;
      case TcpState::closing:
      case TcpState::last_ack:
        done(s);
        destroy_if_orphan(s);
        return;
      default: reset_connection(s, ECONNRESET); return;
    }
  }
  // RFC 5961 4.2 (TCP-SYN-1): a SYN in a synchronized state gets a challenge ACK.
  if (seg.flags.syn()) {
    if (c.state == TcpState::syn_received && seg.seq == c.irs && !seg.flags.ack()) {
      // Our SYN-ACK was lost: the SYN again gets it again.
      send_syn(s, true);
      update_timer(s);
      return;
    }
    context_.drop(TransportDropReason::tcp_syn_challenged);
    send_challenge_ack(s);
    update_timer(s);
    return;
  }
  if (!seg.flags.ack()) {
    context_.drop(TransportDropReason::tcp_no_ack);
    return;
  }
  c.last_received = now();
  if (c.keepalive_at != net::Instant::never()) {
    c.keepalive_probes_sent = 0;
    const auto idle = c.keepalive_idle_s != 0 ? net::Duration::seconds(c.keepalive_idle_s)
                                              : context_.config.tcp_keepalive_time;
    c.keepalive_at = now() + idle;
  }
  if (c.state == TcpState::syn_received) {
    if (!after(seg.ack, c.snd_una) || after(seg.ack, c.snd_max)) {
      // RFC 9293: an unacceptable ACK in SYN-RECEIVED gets a RST.
      context_.drop(TransportDropReason::tcp_ack_out_of_window);
      send_reset_for(seg);
      return;
    }
    Socket* parent = c.parent;
    if (parent != nullptr) {
      TcpConnection& l = *parent->tcp;
      if (l.accept_queue.size() > static_cast<std::size_t>(l.backlog)) {
        // LINUX tcp_abort_on_overflow 0: the ACK is dropped, the peer retries.
        ++context_.tcp.listen_overflows;
        context_.drop(TransportDropReason::tcp_listen_overflow);
        return;
      }
    }
    c.snd_wnd = static_cast<std::uint32_t>(seg.window) << c.snd_wscale;
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = seg.seq;
    c.snd_wl2 = seg.ack;
    c.cwnd = std::min<std::uint32_t>(10u * c.mss, std::max<std::uint32_t>(2u * c.mss, 14600));
    set_state(s, TcpState::established);
    if (parent != nullptr) {
      TcpConnection& l = *parent->tcp;
      if (l.embryonic > 0) --l.embryonic;
      const auto it = orphans_.find(&s);
      if (it != orphans_.end()) {
        l.accept_queue.push_back(std::move(it->second));
        orphans_.erase(it);
      }
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
    const SeqNum left(b.left);
    const SeqNum right(b.right);
    // Bogus blocks (outside SND.UNA..SND.MAX, empty or reversed) are ignored
    // and never grow the scoreboard beyond what was sent (TCP-SACK-1).
    if (!before(left, right) || before_or_equal(right, c.snd_una) || after(right, c.snd_max) ||
        before(left, c.snd_una))
      continue;
    wire::TcpSackBlock block{left.value(), right.value()};
    // Merge into the sorted list.
    std::vector<wire::TcpSackBlock> merged;
    merged.reserve(c.sacked.size() + 1);
    bool placed = false;
    for (const auto& e : c.sacked) {
      if (!placed && before(SeqNum(block.left), SeqNum(e.left))) {
        merged.push_back(block);
        placed = true;
      }
      merged.push_back(e);
    }
    if (!placed) merged.push_back(block);
    c.sacked.clear();
    for (const auto& e : merged) {
      if (!c.sacked.empty() && !before(SeqNum(c.sacked.back().right), SeqNum(e.left))) {
        if (after(SeqNum(e.right), SeqNum(c.sacked.back().right))) c.sacked.back().right = e.right;
      } else {
        c.sacked.push_back(e);
      }
    }
  }
  trim_sack_scoreboard(c);
}

bool Tcp::process_ack(Socket& s, const Segment& seg) {
  TcpConnection& c = *s.tcp;
  auto& st = context_.tcp;
  // RFC 5961 5.2 (TCP-ACK-1): acceptable from SND.UNA - MAX.SND.WND to SND.NXT.
  const SeqNum oldest = c.snd_una - std::max<std::uint32_t>(c.max_snd_wnd, 1);
  if (before(seg.ack, oldest) || after(seg.ack, c.snd_max)) {
    context_.drop(TransportDropReason::tcp_ack_out_of_window);
    send_challenge_ack(s);
    return false;
  }
  // LINUX tcp_ack: any acceptable ACK answers the zero-window probes.
  c.probes_out = 0;
  // RFC 7323 4.3: TS.Recent from a segment that covers our last ACK.
  if (c.ts_ok && seg.options->timestamps && !after(seg.seq, SeqNum(c.last_ack_sent))) {
    c.ts_recent = seg.options->timestamps->tsval;
    c.ts_recent_stamp = now();
  }
  if (c.sack_ok) update_sack_scoreboard(c, seg);
  const std::uint32_t window = static_cast<std::uint32_t>(seg.window) << c.snd_wscale;
  if (after(seg.ack, c.snd_una)) {
    c.syn_acked = true;  // the SYN is the first sequence number
    const std::uint32_t acked = distance(c.snd_una, seg.ack);
    // Data acknowledged (the FIN's sequence number is not in the buffer).
    const std::size_t data_acked = std::min<std::size_t>(acked, c.send.size());
    c.send.consume(data_acked);
    if (c.send.empty()) c.send.shrink_if_empty();
    c.snd_una = seg.ack;
    if (before(c.snd_nxt, c.snd_una)) c.snd_nxt = c.snd_una;
    trim_sack_scoreboard(c);
    // RTT (RFC 6298 / RFC 7323 4.1): from the echoed timestamp, else the timed
    // segment unless it was retransmitted (Karn).
    if (c.ts_ok && seg.options->timestamps && seg.options->timestamps->tsecr != 0) {
      const std::uint32_t sent_ms = seg.options->timestamps->tsecr;
      const std::uint32_t now_ms = ts_clock(now());
      const std::uint32_t rtt_ms = distance(SeqNum(sent_ms), SeqNum(now_ms));  // modulo 2^32, no wrap
      // LINUX tcp_rtt_tsopt_us: an echo older than INT_MAX / 1000 ms (about
      // 36 minutes), or from the future, is no sample.
      if (rtt_ms < max_ts_rtt_ms) rtt_sample(c, std::int64_t{rtt_ms} * 1000);
      c.rtt_pending = false;
    } else if (c.rtt_pending && after(seg.ack, c.rtt_seq)) {
      rtt_sample(c, (now() - c.rtt_start).count_ns() / 1000);
      c.rtt_pending = false;
    }
    c.retransmits = 0;
    c.backoff = 0;
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
          const std::size_t len = std::min<std::size_t>(current_mss(c), c.send.size());
          if (len > 0) send_segment(s, c.snd_una, wire::TcpFlags(wire::TcpFlag::ack), 0, len, true);
        }
      }
    } else {
      c.dupacks = 0;
      if (c.cwnd < c.ssthresh) {
        c.cwnd += std::min<std::uint32_t>(acked, c.mss);  // slow start (RFC 5681 3.1, ABC L=1)
      } else {
        c.bytes_acked += acked;
        if (c.bytes_acked >= c.cwnd) {
          c.bytes_acked -= c.cwnd;
          c.cwnd += c.mss;  // congestion avoidance: one MSS per window
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
      const std::size_t len = std::min<std::size_t>(current_mss(c), c.send.size());
      if (len > 0) {
        send_segment(s, c.snd_una, wire::TcpFlags(wire::TcpFlag::ack), 0, len, true);
        c.high_rxt = c.snd_una + static_cast<std::uint32_t>(len);
      }
      c.rtt_pending = false;
    }
  }
  // Window update (RFC 9293 3.10.7.4): from a newer segment, or the same one
  // acknowledging more.
  if (before(c.snd_wl1, seg.seq) || (c.snd_wl1 == seg.seq && before_or_equal(c.snd_wl2, seg.ack))) {
    const bool opened = c.snd_wnd == 0 && window > 0;
    c.snd_wnd = window;
    c.max_snd_wnd = std::max(c.max_snd_wnd, window);
    c.snd_wl1 = seg.seq;
    c.snd_wl2 = seg.ack;
    if (opened) {
      c.persist_at = net::Instant::never();
      c.persist_backoff = 0;
    }
  }
  // Our FIN acknowledged?
  const bool fin_acked = c.fin_sent && c.snd_una == c.snd_max;
  switch (c.state) {
    case TcpState::fin_wait_1:
      if (fin_acked) {
        set_state(s, TcpState::fin_wait_2);
        if (c.user_closed) {
          if (c.linger2 < 0) {
            ++st.abort_on_linger;
            send_reset(s);
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
  // TCP-CLOSE-2 (LINUX tcp_rcv_state_process): new data for a reader that has
  // closed or shut down reading, in FIN-WAIT-1/2, resets the connection.
  if ((c.user_closed || (s.shutdown & socket::rcv_shutdown) != 0) && after(data_end, c.rcv_nxt)) {
    ++context_.tcp.abort_on_data;
    context_.drop(TransportDropReason::tcp_data_after_close);
    send_reset(s);
    done(s);
    destroy_if_orphan(s);
    return;
  }
  if (!after(data_end, c.rcv_nxt)) {
    // All old: a retransmission. ACK at once (LINUX: quick ACK for duplicates).
    c.ack_now = true;
    return;
  }
  const std::size_t capacity = static_cast<std::size_t>(s.rcvbuf);
  const std::size_t held = c.receive.size() + c.out_of_order_bytes;
  if (!after(seg.seq, c.rcv_nxt)) {
    // In order (possibly overlapping RCV.NXT): take what is new and fits.
    const std::uint32_t skip = distance(seg.seq, c.rcv_nxt);
    std::size_t n = seg.payload.size() - skip;
    const std::size_t room = held < capacity ? capacity - held : 0;
    if (n > room) {
      context_.drop(TransportDropReason::tcp_receive_buffer);
      n = room;
    }
    if (n == 0) {
      c.ack_now = true;
      return;
    }
    c.receive.append(seg.payload.data() + skip, n);
    c.rcv_nxt += static_cast<std::uint32_t>(n);
    // What was waiting out of order may follow now.
    bool filled = false;
    while (!c.out_of_order.empty() && !after(c.out_of_order.front().seq, c.rcv_nxt)) {
      OutOfOrderSegment& o = c.out_of_order.front();
      if (after(o.end(), c.rcv_nxt)) {
        const std::uint32_t over = distance(o.seq, c.rcv_nxt);
        c.receive.append(o.data.data() + over, o.data.size() - over);
        c.rcv_nxt = o.end();
      }
      c.out_of_order_bytes -= o.data.size();
      c.out_of_order.erase(c.out_of_order.begin());
      filled = true;
    }
    if (filled) c.ack_now = true;
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
  // Out of order (RFC 9293 3.10.7.4, TCP-OOO-1): kept within the buffer and
  // a bounded number of segments, duplicates and overlaps trimmed.
  c.ack_now = true;  // a duplicate ACK (with SACK) tells the sender at once
  const std::uint32_t window = advertised_window(c);
  SeqNum start = seg.seq;
  SeqNum end = data_end;
  if (after(end, c.rcv_nxt + window)) end = c.rcv_nxt + window;
  if (!before(start, end)) {
    context_.drop(TransportDropReason::tcp_receive_buffer);
    return;
  }
  // Trim against what is already held.
  for (const auto& o : c.out_of_order) {
    if (!before(start, o.seq) && !after(end, o.end())) {
      start = end;  // fully duplicate
      break;
    }
    if (before(start, o.seq) && after(end, o.seq) && !after(end, o.end())) end = o.seq;
    if (before(start, o.end()) && !before(start, o.seq) && after(end, o.end())) start = o.end();
  }
  const std::size_t n = before(start, end) ? distance(start, end) : 0;
  if (n == 0) return;
  if (held + n > capacity || c.out_of_order.size() >= max_out_of_order_segments) {
    context_.drop(TransportDropReason::tcp_receive_buffer);
    return;
  }
  OutOfOrderSegment o;
  o.seq = start;
  const std::uint32_t offset = distance(seg.seq, start);
  o.data.assign(seg.payload.begin() + offset, seg.payload.begin() + offset + static_cast<std::ptrdiff_t>(n));
  // Insert sorted; a segment it covers entirely goes.
  auto pos = std::find_if(c.out_of_order.begin(), c.out_of_order.end(),
                          [&](const OutOfOrderSegment& x) { return after(x.seq, start); });
  pos = c.out_of_order.insert(pos, std::move(o));
  c.out_of_order_bytes += n;
  for (auto it = std::next(pos); it != c.out_of_order.end();) {
    if (!after(it->end(), pos->end())) {
      c.out_of_order_bytes -= it->data.size();
      it = c.out_of_order.erase(it);
    } else {
      ++it;
    }
  }
  // RFC 2018 4: the block holding this segment first, then the others.
  if (c.sack_ok) {
    SeqNum left = start;
    SeqNum right = end;
    for (const auto& x : c.out_of_order) {
      if (!after(x.seq, right) && !before(x.end(), left)) {
        if (before(x.seq, left)) left = x.seq;
        if (after(x.end(), right)) right = x.end();
      }
    }
    std::erase_if(c.sack_report, [&](const wire::TcpSackBlock& b) {
      return !before(SeqNum(b.left), left) && !after(SeqNum(b.right), right);
    });
    c.sack_report.insert(c.sack_report.begin(), wire::TcpSackBlock{left.value(), right.value()});
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
      return;
    }
    ++context_.tcp.attempt_fails;
    reset_connection(s, error);
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

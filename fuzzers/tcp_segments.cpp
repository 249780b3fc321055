// tcp_segments: one TCP connection driven to a chosen state, then crafted
// segments, time steps, ICMP errors and socket calls, with the invariants of
// tcp_peer.hpp checked after every step and everything drained at the end.
//
// Input:
//   4 bytes of configuration (tcp_model.hpp decode_config): family, active or
//   passive open, timestamps / SACK / window scaling offered, the state to
//   reach (ESTABLISHED, SYN-SENT or SYN-RECEIVED, CLOSE-WAIT, FIN-WAIT-1,
//   FIN-WAIT-2, CLOSING, LAST-ACK, TIME-WAIT), the peer's window scale and
//   MSS, small buffers, TCP_NODELAY, whether the peer ends cleanly or falls
//   silent, the peer's ISN;
//   then records (at most max_records, 16), each a tag byte t:
//   0x00-0x7f  a segment: flags, seq selector + 16-bit delta, ack selector +
//              16-bit delta, window byte, options byte (MSS, WS,
//              SACK-permitted, timestamps relative or raw, 0-4 SACK blocks,
//              each with its bytes after), 16-bit payload length (at most
//              2048; the bytes are the peer's stream at those numbers);
//              t bits 0-3 scale the window (<< t & 15, capped at 65535),
//              bit 4 sends it to a closed port, bits 5-6 from another of
//              the peer's ports (more connections, SYN cookies; not modelled)
//   0x80-0x9f  a time step: (byte + 1) << min(t & 0x1f, 24) milliseconds
//   0xa0-0xbf  a socket call (t & 0x0f, see app_call; bit 4: on the
//              listener) with an argument byte
//   0xc0-0xdf  a well-behaved segment (t & 0x1f, see peer_move) with an
//              argument byte: ACK everything, data in order, FIN, ...
//   0xe0-0xff  an ICMP / ICMPv6 error about the last segment sent
//              (t & 0x1f: the kind), argument byte (MTU, quoted sequence)
// A record cut short reads missing bytes as 0. Sequence and ACK numbers are
// relative: seq from the peer's next sequence number, the stack's last ACK,
// its advertised right edge, or the peer's ISN; ack from the highest
// sequence number the stack sent, the peer's last ACK, the ISS + 1 of the
// last SYN-ACK the stack sent (to any port), or the start of the stack's last
// data segment; the delta is shifted left by the selector's bits 2-4. SACK
// blocks are relative to the peer's last ACK (64-byte units), timestamps to
// the peer's clock and the stack's last TSval.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "tcp_model.hpp"
#include "tcp_peer.hpp"

using namespace hardstack;
using namespace hardstack::fuzz::tcp;

HS_FUZZ_TCP_HARNESS_BEGIN

namespace {

constexpr std::size_t max_records = 16;

SeqNum seq_base(const World& w, unsigned which) {
  switch (which & 3) {
    case 0: return w.peer_next();
    case 1: return w.stack_ack();
    case 2: return w.stack_edge();
    default: return w.peer_isn();
  }
}

SeqNum ack_base(const World& w, unsigned which) {
  switch (which & 3) {
    case 0: return w.stack_max();
    case 1: return w.peer_acked();
    case 2: return w.last_syn_ack_iss() + 1;
    default: {
      const Sent* d = w.last_data();
      return d != nullptr ? d->seq : w.stack_max();
    }
  }
}

SeqNum relative(SeqNum base, std::uint8_t selector, std::uint16_t raw_delta) {
  const auto delta = static_cast<std::int16_t>(raw_delta);
  const unsigned shift = (selector >> 2) & 7;
  return offset(base, static_cast<std::int64_t>(delta) * (std::int64_t{1} << shift));
}

void crafted_segment(World& w, std::uint8_t t, Cursor& in) {
  PeerSegment p;
  p.flags = TcpFlags::from_bits(in.u8());
  const std::uint8_t seq_sel = in.u8();
  const std::uint16_t seq_delta = in.u16();
  const std::uint8_t ack_sel = in.u8();
  const std::uint16_t ack_delta = in.u16();
  const std::uint8_t window = in.u8();
  const std::uint8_t opts = in.u8();
  p.seq = relative(seq_base(w, seq_sel), seq_sel, seq_delta);
  p.ack = relative(ack_base(w, ack_sel), ack_sel, ack_delta);
  const std::uint32_t scaled = std::uint32_t{window} << (t & 0x0f);
  p.window = static_cast<std::uint16_t>(std::min<std::uint32_t>(scaled, 65535));
  if ((t & 0x10) != 0) p.dst_port = closed_port;
  p.other_port = static_cast<std::uint8_t>((t >> 5) & 3);
  auto& o = p.options;
  if ((opts & 0x01) != 0) o.maximum_segment_size = in.u16();
  if ((opts & 0x02) != 0) o.window_scale = wire::TcpWindowScale{in.u8()};
  if ((opts & 0x04) != 0) o.sack_permitted = true;
  if ((opts & 0x08) != 0) {
    if ((opts & 0x80) != 0) {
      const std::uint32_t tsval = in.u32();
      o.timestamps = wire::TcpTimestamps{tsval, in.u32()};
    } else {
      const auto dv = static_cast<std::int8_t>(in.u8());
      const auto de = static_cast<std::int8_t>(in.u8());
      o.timestamps = wire::TcpTimestamps{offset(SeqNum(w.peer_tsval()), std::int64_t{dv} * 64).value(),
                                         offset(SeqNum(w.stack_tsval()), de).value()};
    }
  }
  const unsigned blocks = std::min<unsigned>((opts >> 4) & 0x07, 4);
  for (unsigned i = 0; i < blocks; ++i) {
    const auto left = static_cast<std::int8_t>(in.u8());
    const std::uint8_t len = in.u8();
    const SeqNum l = offset(w.peer_acked(), std::int64_t{left} * 64);
    (void)o.sack_blocks.push_back(wire::TcpSackBlock{l.value(), (l + std::uint32_t{len} * 16u).value()});
  }
  // Options that do not fit go: the area holds 40 bytes.
  if (!o.encoded_len()) o.sack_blocks.clear();
  if (!o.encoded_len()) o = wire::TcpOptions{};
  p.payload_len = in.u16();
  w.send(p);
}

// The moves of a peer that follows the rules, the shortest way to deep states.
void peer_move(World& w, std::uint8_t t, std::uint8_t arg) {
  const TcpFlags ack(TcpFlag::ack);
  TcpFlags fin_ack(TcpFlag::fin);
  fin_ack |= ack;
  const std::uint32_t len = (std::uint32_t{arg} + 1) * 16;
  switch ((t & 0x1f) % 12) {
    case 0: w.send(w.make(ack)); break;  // ACK everything
    case 1: w.send(w.make(ack, len)); break;
    case 2: w.send(w.make(fin_ack)); break;
    case 3: w.send(w.make(fin_ack, len)); break;
    case 4: {  // a zero window
      PeerSegment p = w.make(ack);
      p.window = 0;
      w.send(p);
      break;
    }
    case 5: {  // duplicate ACKs: the last data segment lost, what follows SACKed
      const int n = 1 + (arg & 3);
      for (int i = 0; i < n; ++i) {
        PeerSegment p = w.make(ack);
        const Sent* d = w.last_data();
        p.ack = d != nullptr ? d->seq : w.peer_acked();
        if (w.negotiated_sack() && d != nullptr && before(d->seq + d->payload_len, w.stack_max()))
          (void)p.options.sack_blocks.push_back(
              wire::TcpSackBlock{(d->seq + d->payload_len).value(), w.stack_max().value()});
        w.send(p);
      }
      break;
    }
    case 6: {  // data beyond a hole
      PeerSegment p = w.make(ack, len);
      p.seq = w.peer_next() + (static_cast<std::uint32_t>(arg & 0x0f) + 1) * 100;
      w.send(p);
      break;
    }
    case 7: {  // RST at RCV.NXT
      PeerSegment p = w.make(TcpFlags(TcpFlag::rst));
      p.seq = w.stack_ack();
      p.options = wire::TcpOptions{};
      w.send(p);
      break;
    }
    case 8: {  // a SYN (a new connection if the old one is gone, else a challenge)
      PeerSegment p = w.make(TcpFlags(TcpFlag::syn));
      p.seq = w.peer_next() + 100000;
      p.ack = SeqNum(0);
      p.options.sack_permitted = w.config().sack;
      if (w.config().window_scale) p.options.window_scale = wire::TcpWindowScale{w.config().peer_wscale};
      w.send(p);
      break;
    }
    case 9: {  // the window reopened after a zero window
      PeerSegment p = w.make(ack);
      p.window = static_cast<std::uint16_t>(std::uint32_t{arg} << 8);
      w.send(p);
      break;
    }
    case 10: {  // a retransmission of data already sent
      PeerSegment p = w.make(ack, len);
      p.seq = offset(w.peer_next(), -static_cast<std::int64_t>(len));
      w.send(p);
      break;
    }
    default: {  // ACK part of what was sent
      PeerSegment p = w.make(ack);
      p.ack = offset(w.stack_max(), -static_cast<std::int64_t>(arg) * 8);
      w.send(p);
      break;
    }
  }
}

void app_call(World& w, std::uint8_t t, std::uint8_t arg) {
  const std::size_t n = (std::size_t{arg} + 1) * 8;
  const bool listener = (t & 0x10) != 0;
  switch ((t & 0x0f) % 12) {
    case 0: w.app_send(n); break;
    case 1: w.app_recv(n, 0); break;
    case 2: w.app_recv(n, MSG_PEEK); break;
    case 3: w.app_shutdown(arg % 3); break;
    case 4: w.app_close(listener); break;
    case 5: {
      const int on = arg & 1;
      w.app_setsockopt(IPPROTO_TCP, TCP_NODELAY, &on, sizeof on, listener);
      break;
    }
    case 6: {
      const linger l{arg == 0 ? 0 : 1, arg <= 1 ? 0 : arg};
      w.app_setsockopt(SOL_SOCKET, SO_LINGER, &l, sizeof l, listener);
      break;
    }
    case 7: w.app_accept(); break;
    case 8: w.app_poll(); break;
    case 9: {
      const int mss = arg < 11 ? 0 : arg * 4;  // 0 or 88 and up: accepted
      w.app_setsockopt(IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss, listener);
      break;
    }
    case 10: {  // keepalive, probing soon
      const int on = 1;
      const int idle = 1 + (arg & 0x0f);
      const int count = 1 + (arg >> 4);
      w.app_setsockopt(SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on, listener);
      w.app_setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle, listener);
      w.app_setsockopt(IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof idle, listener);
      w.app_setsockopt(IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count, listener);
      break;
    }
    default: {
      const int linger2 = static_cast<std::int8_t>(arg);
      w.app_setsockopt(IPPROTO_TCP, TCP_LINGER2, &linger2, sizeof linger2, listener);
      break;
    }
  }
}

}  // namespace

HS_FUZZ_TCP_ASAN_OPTIONS()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::array<std::uint8_t, config_bytes> prelude{};
  for (std::size_t i = 0; i < prelude.size() && i < size; ++i) prelude[i] = data[i];
  const Config config = decode_config(prelude);
  run_input(config, [&](World& w) {
    Cursor in(data, size);
    in.skip(config_bytes);
    for (std::size_t n = 0; n < max_records && !in.done(); ++n) {
      const std::uint8_t t = in.u8();
      if (tracing()) {
        static constexpr std::array<const char*, 8> kinds{"segment", "segment", "segment", "segment",
                                                          "time",    "call",    "move",    "icmp"};
        std::fprintf(stderr, "record %zu: %s %02x\n", n, kinds[t >> 5], t);
      }
      if (t < 0x80) {
        crafted_segment(w, t, in);
      } else if (t < 0xa0) {
        const unsigned shift = std::min<unsigned>(t & 0x1f, 24);
        w.advance(
            net::Duration::milliseconds(static_cast<std::int64_t>(std::uint64_t{in.u8()} + 1) << shift));
      } else if (t < 0xc0) {
        app_call(w, t, in.u8());
      } else if (t < 0xe0) {
        peer_move(w, t, in.u8());
      } else {
        w.send_icmp(t & 0x1f, in.u8());
      }
      if (tracing()) w.trace_state("after");
    }
  });
  return 0;
}

HS_FUZZ_TCP_HARNESS_END

// tcp_options: TCP option areas as the peer writes them, byte for byte, on
// the SYN (passive open) or SYN-ACK (active open) that opens a connection and
// on the segments after it: the wire parse (TcpOptions, TCP-OPT-1) and the
// stack's use of what it parsed.
//
// Input:
//   4 configuration bytes as tcp_segments' (tcp_model.hpp decode_config), but
//   the handshake's options are not the bits' but the area that follows:
//   1 byte, the handshake's option area length (& 0x3f, at most 40), then its
//   bytes (zero-padded to a multiple of 4);
//   then records (at most max_records): a tag t, a length byte n (& 0x3f, at
//   most 40), n bytes of option area for one segment:
//     t bits 0-2  the segment: 0 data in order, 1 ACK of everything, 2 a
//                 duplicate ACK of the last data segment, 3 data after a
//                 hole, 4 SYN, 5 FIN, 6 ACK closing the window, 7 ACK of half
//                 of what is in flight
//     bit 3       relocate: SACK edges are offsets from the peer's last ACK,
//                 TSval from the peer's clock, TSecr from the stack's last
//                 TSval (so blocks and echoes land in the connection's windows)
//     bits 4-5    time passing first: none, 10 ms, 1 s, 70 s
//     bit 6       the application writes 2 KiB first
//     bit 7       the application reads up to 4 KiB after
//
// Invariants: tcp_peer.hpp's after every step (every segment sent valid;
// mss >= 48 and window scales <= 14; the SACK scoreboard within
// SND.UNA..SND.MAX; RTT samples within what Linux takes from a timestamp;
// ...), and after the handshake, what the connection took from the peer's
// options is what they say, TcpOptions::parse (the wire layer's TCP-OPT-1
// walk, tested on its own) being the reference: the MSS the option's, 0
// ignored (as Linux), else 536 / 1220 (TCP-MSS-1); window scaling, SACK and
// timestamps on exactly when offered (TCP-WIN-1, TCP-SACK-1, TCP-TS-1), the
// shift min(offered, 14) (TCP-OPT-1); a passive open's SYN-ACK answers with
// exactly those options and an MSS.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>

#include "tcp_model.hpp"
#include "tcp_peer.hpp"

using namespace hardstack;
using namespace hardstack::fuzz::tcp;

HS_FUZZ_TCP_HARNESS_BEGIN

namespace {

constexpr std::size_t max_records = 24;

// SACK edges and timestamps made relative to the connection (bit 3).
void relocate(std::span<std::byte> area, const World& w) {
  wire::TcpOptionWalker walk(area);
  while (const auto o = walk.next()) {
    const auto at = static_cast<std::size_t>(o->data.data() - area.data());
    const wire::MutableBytes data = area.subspan(at, o->data.size());
    if (o->kind == 5 && data.size() % 8 == 0) {
      for (std::size_t i = 0; i < data.size(); i += 4)
        wire::store_be32(data, i, (w.peer_acked() + wire::load_be32(data, i)).value());
    } else if (o->kind == 8 && data.size() == 8) {
      wire::store_be32(data, 0, (SeqNum(w.peer_tsval()) + wire::load_be32(data, 0)).value());
      wire::store_be32(data, 4, (SeqNum(w.stack_tsval()) + wire::load_be32(data, 4)).value());
    }
  }
}

// What the connection took from the handshake is what the options say.
void check_handshake(World& w, std::span<const std::byte> area) {
  const wire::TcpOptions offered = wire::TcpOptions::parse(area).options;
  const transport::TcpConnection* c = w.connection();
  if (c == nullptr || c->state != transport::TcpState::established) return;
  const std::uint16_t fallback = w.config().ipv6 ? 1220 : 536;
  const auto mss = offered.maximum_segment_size;
  HS_FUZZ_CHECK(c->peer_mss == (mss && *mss != 0 ? *mss : fallback));
  HS_FUZZ_CHECK(c->wscale_ok == offered.window_scale.has_value());
  if (c->wscale_ok) HS_FUZZ_CHECK(c->snd_wscale == offered.window_scale->effective_shift());
  HS_FUZZ_CHECK(c->sack_ok == offered.sack_permitted);
  HS_FUZZ_CHECK(c->ts_ok == offered.timestamps.has_value());
  if (!w.config().active) {
    // RFC 7323 1.3 / 2.2, RFC 2018 2: the SYN-ACK offers back what the SYN did.
    const wire::TcpOptions& answer = w.stack_syn_options();
    HS_FUZZ_CHECK(answer.maximum_segment_size.has_value());
    HS_FUZZ_CHECK(answer.window_scale.has_value() == offered.window_scale.has_value());
    HS_FUZZ_CHECK(answer.sack_permitted == offered.sack_permitted);
    HS_FUZZ_CHECK(answer.timestamps.has_value() == offered.timestamps.has_value());
  }
}

void segment(World& w, std::uint8_t t, std::span<const std::byte> options) {
  const TcpFlags ack(TcpFlag::ack);
  PeerSegment p;
  switch (t & 0x07) {
    case 0: p = w.make(ack, 300); break;
    case 1: p = w.make(ack); break;
    case 2: {
      p = w.make(ack);
      const Sent* d = w.last_data();
      if (d != nullptr) p.ack = d->seq;
      break;
    }
    case 3:
      p = w.make(ack, 200);
      p.seq = w.peer_next() + 500;
      break;
    case 4:
      p = w.make(TcpFlags(TcpFlag::syn));
      p.seq = w.peer_next() + 70000;
      break;
    case 5: {
      TcpFlags fin(TcpFlag::fin);
      fin |= ack;
      p = w.make(fin);
      break;
    }
    case 6:
      p = w.make(ack);
      p.window = 0;
      break;
    default:
      p = w.make(ack);
      p.ack = w.peer_acked() + distance(w.peer_acked(), w.stack_max()) / 2;
      break;
  }
  p.raw_options = options;
  p.use_raw = true;
  w.send(p);
}

}  // namespace

HS_FUZZ_TCP_ASAN_OPTIONS()

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::array<std::uint8_t, config_bytes> prelude{};
  for (std::size_t i = 0; i < prelude.size() && i < size; ++i) prelude[i] = data[i];
  Config config = decode_config(prelude);
  Cursor in(data, size);
  in.skip(config_bytes);
  const std::span<const std::byte> handshake = in.bytes(std::min<std::size_t>(in.u8() & 0x3f, 40));
  config.raw_syn_options = handshake;
  config.use_raw_syn_options = true;
  // The area as the stack sees it: zero-padded to a multiple of 4.
  std::array<std::byte, 40> padded{};
  std::copy(handshake.begin(), handshake.end(), padded.begin());
  const std::span<const std::byte> seen(padded.data(), (handshake.size() + 3) & ~std::size_t{3});
  run_input(config, [&](World& w) {
    check_handshake(w, seen);
    Cursor records = in;
    std::array<std::byte, 40> area{};
    static constexpr std::array<std::int64_t, 4> steps_ms{0, 10, 1000, 70000};
    for (std::size_t n = 0; n < max_records && !records.done(); ++n) {
      const std::uint8_t t = records.u8();
      const std::span<const std::byte> raw = records.bytes(std::min<std::size_t>(records.u8() & 0x3f, 40));
      if (tracing()) std::fprintf(stderr, "record %zu: %02x, %zu option bytes\n", n, t, raw.size());
      std::copy(raw.begin(), raw.end(), area.begin());
      const std::span<std::byte> options(area.data(), raw.size());
      if ((t & 0x08) != 0) relocate(options, w);
      if (const std::int64_t ms = steps_ms[(t >> 4) & 3]; ms != 0) w.advance(net::Duration::milliseconds(ms));
      if ((t & 0x40) != 0) w.app_send(2048);
      segment(w, t, options);
      if ((t & 0x80) != 0) w.app_recv(4096, 0);
      if (tracing()) w.trace_state("after");
    }
  });
  return 0;
}

HS_FUZZ_TCP_HARNESS_END

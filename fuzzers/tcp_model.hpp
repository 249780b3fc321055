// The TCP targets' bookkeeping (tcp_segments, tcp_options; driven by
// tcp_peer.hpp): the configuration byte layout, the two streams' bytes as
// functions of their sequence numbers, and what the peer remembers of what it
// sent and what the stack sent.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

#include "hardstack/net/modular.hpp"
#include "hardstack/wire/seq_num.hpp"
#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/tcp_options.hpp"

// The TCP harness repeats what the stack decided (its model, its checks, the
// decoding of records into segments and calls): its branches give libFuzzer
// no feedback the stack's do not, and tracing them costs more than the stack
// itself (every check runs after every step). HS_FUZZ_TCP_HARNESS_BEGIN/END
// keep libFuzzer's edge and comparison tracing out of every function between
// them (clang; GCC builds only replay), so only the stack's edges count.
#if defined(__clang__)
#define HS_FUZZ_TCP_HARNESS_BEGIN \
  _Pragma("clang attribute push (__attribute__((no_sanitize(\"coverage\"))), apply_to = function)")
#define HS_FUZZ_TCP_HARNESS_END _Pragma("clang attribute pop")
#else
#define HS_FUZZ_TCP_HARNESS_BEGIN
#define HS_FUZZ_TCP_HARNESS_END
#endif

HS_FUZZ_TCP_HARNESS_BEGIN

namespace hardstack::fuzz::tcp {

using wire::SeqNum;
using wire::TcpFlag;
using wire::TcpFlags;

// The two streams' bytes as functions of their sequence numbers: a
// retransmission carries the same bytes, and a byte that was lost,
// duplicated or put at the wrong offset differs from the one due there (255
// times in 256). Sequence numbers go in aligned blocks of 8 (2^32 is a
// multiple of 8, so the blocks wrap with them); a block's 8 bytes are one
// 64-bit mix of its number and the stream's seed (the SplitMix64 finalizer),
// the byte at s being byte s % 8 of its block's word: one mix per 8 bytes
// made or compared.
struct Stream {
  std::uint64_t seed;
  HARDSTACK_MODULAR_ARITHMETIC constexpr std::uint64_t block(std::uint32_t b) const {
    std::uint64_t x = (std::uint64_t{b} << 3) ^ seed;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
  }
  constexpr std::byte at(SeqNum s) const {
    return static_cast<std::byte>(static_cast<std::uint8_t>(block(s.value() >> 3) >> (8 * (s.value() & 7))));
  }
};
inline constexpr Stream peer_stream{0x9e3779b97f4a7c15u};
inline constexpr Stream stack_stream{0x85ebca6bc2b2ae35u};
inline std::byte peer_byte(SeqNum s) { return peer_stream.at(s); }
inline std::byte stack_byte(SeqNum s) { return stack_stream.at(s); }

// The streams are made and compared 8 bytes at a time, each group built in
// a register (in memory order) and then stored or compared as one 8-byte
// word: under ASan and UBSan a byte at a time cost a shadow check and a
// pointer-overflow check per byte, several times the byte's own work (and a
// local array or memcmp, a fake stack frame and an interceptor call).
// StreamWords yields the words from a sequence number on, mixing each
// block once.
template <Stream S>
class StreamWords {
 public:
  explicit constexpr StreamWords(SeqNum from)
      : next_block_((from.value() >> 3) + 1),
        offset_(8 * (from.value() & 7)),
        low_(S.block(from.value() >> 3)) {}
  // The 8 bytes from here on, byte k of them at bits 8k; then 8 further.
  constexpr std::uint64_t next() {
    const std::uint64_t high = S.block(next_block_++ & block_mask);
    const std::uint64_t w = offset_ == 0 ? low_ : (low_ >> offset_) | (high << (64 - offset_));
    low_ = high;
    return w;
  }

 private:
  static constexpr std::uint32_t block_mask = 0x1fffffffu;  // 2^32 / 8 blocks
  std::uint32_t next_block_;
  unsigned offset_;
  std::uint64_t low_;
};
// A word of StreamWords in memory order.
constexpr std::uint64_t to_memory_order(std::uint64_t w) {
  if constexpr (std::endian::native == std::endian::little) return w;
  std::uint64_t r = 0;
  for (int k = 0; k < 8; ++k) r |= ((w >> (8 * k)) & 0xff) << (8 * (7 - k));
  return r;
}
// Fills `out` with the bytes due from sequence number `from` on, and returns
// their RFC 1071 sum (folded, not complemented, as ChecksumAccumulator::sum;
// `out` starts at an even offset of what is summed): a payload is summed as
// it is made instead of read back afterwards (ASan checks every load). 32-bit words in memory order
// summed and folded give the big-endian sum with its bytes swapped (RFC 1071
// 2(B)).
template <Stream S>
std::uint16_t fill_stream_sum(std::span<std::byte> out, SeqNum from) {
  StreamWords<S> words(from);
  std::uint64_t native = 0;
  std::size_t i = 0;
  for (; out.size() - i >= 8; i += 8) {
    const std::uint64_t w = to_memory_order(words.next());
    std::memcpy(out.data() + i, &w, sizeof w);
    native += (w & 0xffffffffu) + (w >> 32);
  }
  while (native >> 16) native = (native & 0xffff) + (native >> 16);
  if constexpr (std::endian::native == std::endian::little) native = ((native & 0xff) << 8) | (native >> 8);
  std::uint64_t sum = native;
  if (i < out.size()) {
    const std::uint64_t tail = words.next();  // byte k at bits 8k
    for (std::size_t k = 0; i < out.size(); ++i, ++k) {
      const std::uint64_t b = (tail >> (8 * k)) & 0xff;
      out[i] = static_cast<std::byte>(b);
      sum += (i % 2 == 0) ? b << 8 : b;  // i is even at the first tail byte
    }
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}
template <Stream S>
void fill_stream(std::span<std::byte> out, SeqNum from) {
  (void)fill_stream_sum<S>(out, from);
}
// Whether `bytes` are the ones due from `from` on.
template <Stream S>
bool is_stream(std::span<const std::byte> bytes, SeqNum from) {
  StreamWords<S> words(from);
  std::size_t i = 0;
  for (; bytes.size() - i >= 8; i += 8) {
    std::uint64_t got = 0;
    std::memcpy(&got, bytes.data() + i, sizeof got);
    if (got != to_memory_order(words.next())) return false;
  }
  if (i < bytes.size()) {
    const std::uint64_t tail = words.next();
    for (std::size_t k = 0; i < bytes.size(); ++i, ++k)
      if (bytes[i] != static_cast<std::byte>((tail >> (8 * k)) & 0xff)) return false;
  }
  return true;
}

// Reads an input front to back; past its end every byte reads 0.
class Cursor {
 public:
  Cursor(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  void skip(std::size_t n) { pos_ += std::min(n, size_ - std::min(pos_, size_)); }
  std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint16_t u16() {  // little-endian
    const std::uint8_t low = u8();
    return static_cast<std::uint16_t>(low | (u8() << 8));
  }
  std::uint32_t u32() {
    const std::uint16_t low = u16();
    return static_cast<std::uint32_t>(low) | (static_cast<std::uint32_t>(u16()) << 16);
  }
  // Up to `n` bytes (fewer at the end of the input).
  std::span<const std::byte> bytes(std::size_t n) {
    const std::size_t take = std::min(n, size_ - std::min(pos_, size_));
    const auto out = std::span<const std::byte>(reinterpret_cast<const std::byte*>(data_) + pos_, take);
    pos_ += take;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

// `base + delta` in sequence space, delta signed.
inline SeqNum offset(SeqNum base, std::int64_t delta) {
  return base + static_cast<std::uint32_t>(static_cast<std::uint64_t>(delta) & 0xffffffffu);
}

// The state the connection is driven to before the input's records.
enum class Target : std::uint8_t {
  established,
  handshake,  // active: SYN-SENT (SYN unanswered); passive: SYN-RECEIVED (SYN-ACK unanswered)
  close_wait,
  fin_wait_1,
  fin_wait_2,
  closing,
  last_ack,
  time_wait,
};

struct Config {
  bool ipv6 = false;
  bool active = false;  // the stack connects (else it listens and the peer connects)
  bool timestamps = false;
  bool sack = false;
  bool window_scale = false;
  Target target = Target::established;
  std::uint8_t peer_wscale = 0;  // the shift the peer offers (0-15)
  std::uint16_t peer_mss = 0;    // the MSS the peer offers (0: no option)
  bool small_buffers = false;    // SO_RCVBUF / SO_SNDBUF at their minimum
  bool nodelay = false;          // TCP_NODELAY from the start
  bool clean_end = false;        // at the end the peer ACKs what it gets and sends its FIN
  SeqNum peer_isn;
  // tcp_options: the peer's SYN (passive) or SYN-ACK (active) carries this
  // option area as it is, instead of the options above.
  std::span<const std::byte> raw_syn_options;
  bool use_raw_syn_options = false;
};

inline constexpr std::size_t config_bytes = 4;

// Byte 0: bit 0 IPv6, bit 1 active open, bit 2 timestamps, bit 3 SACK,
// bit 4 window scaling, bits 5-7 the target state. Byte 1: bits 0-3 the
// peer's window scale shift, bits 4-6 its MSS (none, 1, 48, 88, 536, 1220,
// 1460, 65535), bit 7 small buffers. Byte 2: bit 0 TCP_NODELAY, bit 1 the
// peer ends cleanly (else it falls silent); bytes 2 and 3 make the peer's
// ISN, which can sit just below the wrap.
inline Config decode_config(std::span<const std::uint8_t, config_bytes> b) {
  static constexpr std::array<std::uint16_t, 8> mss{0, 1, 48, 88, 536, 1220, 1460, 65535};
  Config c;
  c.ipv6 = (b[0] & 0x01) != 0;
  c.active = (b[0] & 0x02) != 0;
  c.timestamps = (b[0] & 0x04) != 0;
  c.sack = (b[0] & 0x08) != 0;
  c.window_scale = (b[0] & 0x10) != 0;
  c.target = static_cast<Target>(b[0] >> 5);
  c.peer_wscale = b[1] & 0x0f;
  c.peer_mss = mss[(b[1] >> 4) & 0x07];
  c.small_buffers = (b[1] & 0x80) != 0;
  c.nodelay = (b[2] & 0x01) != 0;
  c.clean_end = (b[2] & 0x02) != 0;
  c.peer_isn = SeqNum((std::uint32_t{b[2]} << 24) | (std::uint32_t{b[3]} << 16) | 0xfff0u);
  return c;
}

// A set of sequence-number ranges, merged, kept relative to an anchor so
// that they order as integers. Past `capacity` ranges it stops knowing
// (exact() false) and the checks that need it are skipped.
class SeqRanges {
 public:
  void reset(SeqNum anchor) {
    anchor_ = anchor;
    size_ = 0;
    exact_ = true;
  }
  bool exact() const { return exact_; }
  void add(SeqNum from, std::uint32_t len) {
    if (len == 0 || !exact_) return;
    const std::uint64_t lo = distance(anchor_, from);
    const std::uint64_t hi = lo + len;
    if (hi > wrap) {  // crosses the anchor: two ranges
      insert(lo, wrap);
      insert(0, hi - wrap);
      return;
    }
    insert(lo, hi);
  }
  // Whether every sequence number in [from, from + len) is in the set.
  bool covers(SeqNum from, std::uint32_t len) const {
    if (len == 0) return true;
    const std::uint64_t lo = distance(anchor_, from);
    const std::uint64_t hi = lo + len;
    if (hi > wrap) return covers_plain(lo, wrap) && covers_plain(0, hi - wrap);
    return covers_plain(lo, hi);
  }
  bool contains(SeqNum s) const { return covers(s, 1); }

 private:
  static constexpr std::size_t capacity = 64;
  static constexpr std::uint64_t wrap = std::uint64_t{1} << 32;
  struct Range {
    std::uint64_t lo;
    std::uint64_t hi;
  };
  bool covers_plain(std::uint64_t lo, std::uint64_t hi) const {
    for (std::size_t i = 0; i < size_; ++i)
      if (ranges_[i].lo <= lo && hi <= ranges_[i].hi) return true;
    return false;
  }
  void insert(std::uint64_t lo, std::uint64_t hi) {
    // Every range touching [lo, hi) merges into it; the rest stay in order.
    std::size_t out = 0;
    for (std::size_t i = 0; i < size_; ++i) {
      const Range r = ranges_[i];
      if (r.hi < lo || r.lo > hi) {
        ranges_[out++] = r;
      } else {
        lo = std::min(lo, r.lo);
        hi = std::max(hi, r.hi);
      }
    }
    size_ = out;
    if (size_ == capacity) {
      exact_ = false;
      return;
    }
    std::size_t at = size_;
    while (at > 0 && ranges_[at - 1].lo > lo) {
      ranges_[at] = ranges_[at - 1];
      --at;
    }
    ranges_[at] = Range{lo, hi};
    ++size_;
  }

  SeqNum anchor_;
  std::array<Range, capacity> ranges_{};
  std::size_t size_ = 0;
  bool exact_ = true;
};

// A few sequence numbers (the SYNs and FINs the peer sent); past capacity
// it stops knowing (full()), and the checks that need it are skipped.
class SeqSet {
 public:
  void add(SeqNum s) {
    if (contains(s) || full()) return;
    items_[size_++] = s;
  }
  bool contains(SeqNum s) const {
    for (std::size_t i = 0; i < size_; ++i)
      if (items_[i] == s) return true;
    return false;
  }
  bool full() const { return size_ == items_.size(); }

 private:
  std::array<SeqNum, 32> items_{};
  std::size_t size_ = 0;
};

// What the application wrote on one connection (keyed by its ISS).
struct Written {
  bool used = false;
  SeqNum iss;
  std::uint32_t bytes = 0;
  bool fin_allowed = false;  // shutdown(SHUT_WR) or close() was called
};

// A segment the stack sent, as much of it as the after-step checks need.
struct Sent {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  TcpFlags flags;
  SeqNum seq;
  SeqNum ack;
  std::uint16_t window = 0;
  std::uint32_t payload_len = 0;
  std::size_t options_len = 0;
};

// An application descriptor and what it has read.
struct AppFd {
  int fd = -1;
  bool listener = false;
  std::uint32_t generation = 0;  // the calls use the newest connection
  bool has_irs = false;
  SeqNum irs;
  std::uint32_t received = 0;  // bytes recv() returned (not peeked)
};

// HARDSTACK_FUZZ_TRACE=1 prints every step to stderr (triage of a crasher).
inline bool tracing() {
  static const bool on = [] {
    const char* env = std::getenv("HARDSTACK_FUZZ_TRACE");
    return env != nullptr && std::strcmp(env, "1") == 0;
  }();
  return on;
}

inline void trace_segment(const char* who, std::int64_t at_ms, TcpFlags f, SeqNum seq, SeqNum ack,
                          std::uint16_t window, std::size_t len, const wire::TcpOptions& o) {
  std::fprintf(stderr, "%9lld ms %s %c%c%c%c%c seq %u ack %u win %u len %zu", static_cast<long long>(at_ms),
               who, f.syn() ? 'S' : '.', f.fin() ? 'F' : '.', f.rst() ? 'R' : '.', f.psh() ? 'P' : '.',
               f.ack() ? 'A' : '.', seq.value(), ack.value(), window, len);
  if (o.maximum_segment_size) std::fprintf(stderr, " mss %u", *o.maximum_segment_size);
  if (o.window_scale) std::fprintf(stderr, " ws %u", o.window_scale->shift);
  if (o.sack_permitted) std::fprintf(stderr, " sackok");
  if (o.timestamps) std::fprintf(stderr, " ts %u/%u", o.timestamps->tsval, o.timestamps->tsecr);
  for (const auto& b : o.sack_blocks) std::fprintf(stderr, " sack %u-%u", b.left, b.right);
  std::fprintf(stderr, "\n");
}

}  // namespace hardstack::fuzz::tcp

HS_FUZZ_TCP_HARNESS_END

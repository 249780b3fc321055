// The replayable log a stateful fuzz target reads: a fixed prelude (the
// target's configuration bytes), then records, each a time step or a frame.
// A crasher is such a log, so it replays bit for bit (corpus/regressions/),
// converts to a pcap for Wireshark (tools/frame_log_to_pcap) and back
// (tools/pcap_to_frame_log: a capture from a real network becomes a seed).
// tools/corpus/_frame_log.py writes the same bytes from Python.
//
// Encoding (every byte string is a valid log; nothing is ever rejected):
//   prelude   the first `prelude_size` bytes (the target fixes the size; a
//             shorter log reads the missing bytes as 0 and has no records)
//   records   one after another, each starting with a tag byte t:
//     t >= 0xf0  time step: u16 little-endian v; the clock moves
//                v << (t & 0x0f) milliseconds (at most 65535 << 15 ms, about
//                24.9 days, in one record; 1 ms resolution; small steps are
//                exact, big ones reachable with few bytes)
//     t < 0xf0   frame: u16 little-endian length n, then n bytes, the frame;
//                t is the frame's selector, for the target to use or ignore
//                (e.g. which device it arrives on); tools keep it as 0
//   A frame longer than what is left of the log is cut at the log's end (so
//   appending bytes grows the last frame). A record cut inside its tag or
//   length/value bytes is ignored and ends the log.
// Time: the log starts at `log_start` (1 s, the Instant targets start their
// virtual clock at, and the first timestamp in a converted pcap); the time
// since then saturates at `max_elapsed` (2^62 ns, about 146 years; a step
// that would pass it is cut short), so Instants never come near overflow.
// Each record carries the time after it: a frame arrives at the time the
// steps before it added up to.
//
// Decoding is a bounds-checked walk over the bytes: no allocation, no
// exception, O(1) per record. The Writer (tests, tools) allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "hardstack/net/time.hpp"

namespace hardstack::fuzz::frame_log {

using Bytes = std::span<const std::byte>;

inline constexpr std::uint8_t time_tag = 0xf0;      // t >= time_tag: a time step
inline constexpr std::uint8_t max_selector = 0xef;  // frames: t in [0, max_selector]
inline constexpr unsigned max_shift = 15;
inline constexpr std::size_t max_frame_len = 0xffff;
inline constexpr std::int64_t ns_per_ms = 1'000'000;
inline constexpr net::Instant log_start = net::Instant::from_ns(1'000'000'000);
inline constexpr net::Duration max_elapsed = net::Duration::nanoseconds(std::int64_t{1} << 62);

enum class RecordKind : std::uint8_t { time, frame };

struct Record {
  RecordKind kind = RecordKind::time;
  std::size_t offset = 0;  // of the tag byte, in the whole log (prelude included)
  net::Instant at;         // the virtual time after this record
  // time: how far the clock moved (after saturation) and the raw encoding.
  net::Duration step;
  std::uint8_t shift = 0;
  std::uint16_t value = 0;
  // frame: the selector (the tag byte) and the bytes, a view into the log.
  std::uint8_t selector = 0;
  Bytes frame;
  bool truncated = false;  // the length said more than the log held
};

// A log split into its prelude and its records.
class Log {
 public:
  Log(Bytes log, std::size_t prelude_size)
      : log_(log), prelude_(log.first(log.size() < prelude_size ? log.size() : prelude_size)) {}

  Bytes bytes() const { return log_; }
  Bytes prelude() const { return prelude_; }
  // Prelude byte i, 0 past the log's end.
  std::uint8_t prelude_byte(std::size_t i) const {
    return i < prelude_.size() ? std::to_integer<std::uint8_t>(prelude_[i]) : 0;
  }
  std::size_t records_offset() const { return prelude_.size(); }

 private:
  Bytes log_;
  Bytes prelude_;
};

// Walks the records of a log, one next() at a time.
class Reader {
 public:
  explicit Reader(const Log& log, net::Instant start = log_start)
      : bytes_(log.bytes()), pos_(log.records_offset()), start_(start), now_(start) {}

  // The next record into `r`; false at the end of the log (nothing written).
  bool next(Record& r) {
    const std::size_t left = bytes_.size() - pos_;  // pos_ <= size always
    if (left < 3) return false;                     // no record fits: tag + 2 bytes
    const std::uint8_t tag = byte_at(pos_);
    const auto word = static_cast<std::uint16_t>(byte_at(pos_ + 1) | (byte_at(pos_ + 2) << 8));
    r.offset = pos_;
    if (tag >= time_tag) {
      r.kind = RecordKind::time;
      r.shift = static_cast<std::uint8_t>(tag & 0x0f);
      r.value = word;
      r.step = advance(std::int64_t{word} << r.shift);
      r.selector = 0;
      r.frame = {};
      r.truncated = false;
      pos_ += 3;
    } else {
      const std::size_t body = left - 3;
      const std::size_t n = word <= body ? word : body;
      r.kind = RecordKind::frame;
      r.step = net::Duration::zero();
      r.shift = 0;
      r.value = 0;
      r.selector = tag;
      r.frame = bytes_.subspan(pos_ + 3, n);
      r.truncated = n < word;
      pos_ += 3 + n;
    }
    r.at = now_;
    return true;
  }

  net::Instant now() const { return now_; }
  std::size_t offset() const { return pos_; }

 private:
  std::uint8_t byte_at(std::size_t i) const { return std::to_integer<std::uint8_t>(bytes_[i]); }

  // Moves the clock `ms` milliseconds (at most 65535 << 15), saturating at
  // start + max_elapsed; returns the step taken.
  net::Duration advance(std::int64_t ms) {
    const net::Duration room = max_elapsed - (now_ - start_);
    const net::Duration want = net::Duration::milliseconds(ms);
    const net::Duration step = want < room ? want : room;
    now_ += step;
    return step;
  }

  Bytes bytes_;
  std::size_t pos_;
  net::Instant start_;
  net::Instant now_;
};

// Calls visit(const Record&) for each record, at most max_records of them
// (a target bounds an input's cost so); returns how many it visited.
template <typename Visit>
std::size_t for_each_record(const Log& log, Visit&& visit,
                            std::size_t max_records = std::numeric_limits<std::size_t>::max(),
                            net::Instant start = log_start) {
  Reader reader(log, start);
  Record r;
  std::size_t n = 0;
  while (n < max_records && reader.next(r)) {
    visit(static_cast<const Record&>(r));
    ++n;
  }
  return n;
}

// ---- Encoding (tests, tools, seed generators) -------------------------------

// The time steps Writer::time_ms writes for `ms` milliseconds, greedily: the
// smallest shift whose value fits 16 bits, the remainder in further steps
// (tools/corpus/_frame_log.py splits the same way). Calls emit(shift, value).
template <typename Emit>
void split_ms(std::uint64_t ms, Emit&& emit) {
  while (ms > 0) {
    unsigned shift = 0;
    while (shift < max_shift && (ms >> shift) > 0xffff) ++shift;
    const std::uint64_t value = (ms >> shift) > 0xffff ? 0xffff : ms >> shift;
    emit(shift, static_cast<std::uint16_t>(value));
    ms -= value << shift;
  }
}

class Writer {
 public:
  explicit Writer(Bytes prelude = {}) : bytes_(prelude.begin(), prelude.end()) {}

  // One time step record as given (shift 0-15).
  Writer& time_step(unsigned shift, std::uint16_t value) {
    put(static_cast<std::uint8_t>(time_tag | (shift & 0x0f)));
    put16(value);
    return *this;
  }
  // `ms` milliseconds in as few records as split_ms gives (none for 0).
  Writer& time_ms(std::uint64_t ms) {
    split_ms(ms, [this](unsigned shift, std::uint16_t value) { time_step(shift, value); });
    return *this;
  }
  // A frame; false (and nothing written) when it is longer than 65535 bytes
  // or the selector is a time tag.
  bool frame(Bytes frame, std::uint8_t selector = 0) {
    if (frame.size() > max_frame_len || selector > max_selector) return false;
    put(selector);
    put16(static_cast<std::uint16_t>(frame.size()));
    bytes_.insert(bytes_.end(), frame.begin(), frame.end());
    return true;
  }

  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  void put(std::uint8_t b) { bytes_.push_back(std::byte{b}); }
  void put16(std::uint16_t v) {
    put(static_cast<std::uint8_t>(v & 0xff));
    put(static_cast<std::uint8_t>(v >> 8));
  }

  std::vector<std::byte> bytes_;
};

}  // namespace hardstack::fuzz::frame_log

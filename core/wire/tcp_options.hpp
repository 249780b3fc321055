// TCP options (RFC 9293 3.1, 3.2): the walker over the option area, the
// TcpOptions value, and the emitter.
//
// Receive side follows Linux tcp_parse_options() and FreeBSD tcp_dooptions()
// (TCP-OPT-1): a bad option layout never makes the segment an error; parsing
// just stops, and what was read before the stop is kept. The walker reports
// where and why it stopped, for counters and tests.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>

#include "bytes.hpp"
#include "error.hpp"
#include "inline_vector.hpp"
#include "packed_options.hpp"

namespace hardstack::wire {

// Option kinds (IANA "TCP Option Kind Numbers").
enum class TcpOptionKind : std::uint8_t {
  end_of_option_list = 0,    // RFC 9293
  no_operation = 1,          // RFC 9293
  maximum_segment_size = 2,  // RFC 9293, RFC 6691
  window_scale = 3,          // RFC 7323 2
  sack_permitted = 4,        // RFC 2018
  sack = 5,                  // RFC 2018
  timestamps = 8,            // RFC 7323 3
  md5_signature = 19,        // RFC 2385
  user_timeout = 28,         // RFC 5482
  authentication = 29,       // RFC 5925 (TCP-AO)
  multipath = 30,            // RFC 8684 (MPTCP)
  fast_open_cookie = 34,     // RFC 7413
  experiment_1 = 253,        // RFC 4727, RFC 6994
  experiment_2 = 254,        // RFC 4727, RFC 6994
};

namespace tcp_option_len {
inline constexpr std::size_t maximum_segment_size = 4;
inline constexpr std::size_t window_scale = 3;
inline constexpr std::size_t sack_permitted = 2;
inline constexpr std::size_t sack_base = 2;  // then 8 bytes per block
inline constexpr std::size_t sack_per_block = 8;
inline constexpr std::size_t timestamps = 10;
inline constexpr std::size_t max_option_space = 40;  // data offset 15 -> 60 - 20
}  // namespace tcp_option_len

// Why the walker stopped. Only `end_of_header` means it read the whole area;
// the others leave the rest of the area unread (and the segment is kept).
enum class TcpOptionStop : std::uint8_t {
  end_of_header,       // ran to the end of the option area
  end_of_option_list,  // an EOL (kind 0): RFC 9293 3.1, the rest is padding
  missing_length,      // a kind other than EOL/NOP in the last byte: no length byte
  length_too_small,    // a length byte below 2 (Linux: "silly options")
  length_past_header,  // a length running past the option area (Linux: "partial options")
};

const char* to_string(TcpOptionStop s);

// Where and why the walk stopped. `offset` counts from the start of the TCP
// header: the EOL byte, the (missing or bad) length byte, or the end of the
// option area for end_of_header.
struct TcpOptionStopNote {
  TcpOptionStop reason = TcpOptionStop::end_of_header;
  std::uint32_t offset = 0;
  constexpr bool operator==(const TcpOptionStopNote&) const = default;
};

// One kind-length-data option as found in the area (NOP and EOL are not
// yielded). `data` excludes the kind and length bytes and lies inside the area.
struct TcpOptionTlv {
  std::uint8_t kind = 0;
  std::uint32_t offset = 0;  // of the kind byte, from the start of the TCP header
  Bytes data;
};

// Walks an option area. `base` is the area's offset in the TCP header (20).
// Never reads outside `area`, whatever its bytes.
class TcpOptionWalker {
 public:
  explicit constexpr TcpOptionWalker(Bytes area, std::size_t base = 20) : area_(area), base_(base) {}

  // The next kind-length option, or nullopt once stopped (see stop()).
  std::optional<TcpOptionTlv> next();
  // Meaningful once next() has returned nullopt.
  TcpOptionStopNote stop() const { return stop_; }

 private:
  Bytes area_;
  std::size_t base_;
  std::size_t pos_ = 0;
  bool done_ = false;
  TcpOptionStopNote stop_{};
};

// RFC 7323 2.3: shifts above 14 are used as 14 (Linux tcp_parse_options,
// FreeBSD tcp_dooptions). The raw value is kept so the bytes round-trip.
struct TcpWindowScale {
  static constexpr std::uint8_t max_shift = 14;
  std::uint8_t shift = 0;  // as received
  constexpr std::uint8_t effective_shift() const { return shift > max_shift ? max_shift : shift; }
  constexpr bool operator==(const TcpWindowScale&) const = default;
};

// RFC 7323 3.2.
struct TcpTimestamps {
  std::uint32_t tsval = 0;
  std::uint32_t tsecr = 0;
  constexpr bool operator==(const TcpTimestamps&) const = default;
};

// RFC 2018 3: [left, right) in sequence space, as raw 32-bit values.
struct TcpSackBlock {
  std::uint32_t left = 0;
  std::uint32_t right = 0;
  constexpr bool operator==(const TcpSackBlock&) const = default;
};

// An option this layer does not interpret, kept with its data for the layers
// above (MD5, AO, MPTCP, Fast Open...). The owning form, to build one and
// push it onto TcpOptions::unknown.
struct TcpUnknownOption {
  static constexpr std::size_t max_data_len = tcp_option_len::max_option_space - 2;
  std::uint8_t kind = 0;
  InlineVector<std::byte, max_data_len> data;
  bool operator==(const TcpUnknownOption&) const = default;
};

// The data of an unknown option read in place inside a TcpOptions value.
// Reads like the InlineVector of TcpUnknownOption (span(), size(), ...).
class TcpOptionData {
 public:
  constexpr TcpOptionData() = default;
  constexpr explicit TcpOptionData(Bytes bytes) : bytes_(bytes) {}
  constexpr Bytes span() const { return bytes_; }
  constexpr operator Bytes() const { return bytes_; }  // NOLINT(google-explicit-constructor)
  constexpr std::size_t size() const { return bytes_.size(); }
  constexpr bool empty() const { return bytes_.empty(); }
  constexpr std::byte operator[](std::size_t i) const { return bytes_[i]; }
  constexpr const std::byte* begin() const { return bytes_.data(); }
  constexpr const std::byte* end() const { return bytes_.data() + bytes_.size(); }

 private:
  Bytes bytes_;
};

// An unknown option read in place: its kind and data (without the kind and
// length bytes), borrowed from the TcpOptions it came from.
struct TcpUnknownOptionView {
  std::uint8_t kind = 0;
  TcpOptionData data;
  friend bool operator==(const TcpUnknownOptionView& a, const TcpUnknownOptionView& b) {
    return a.kind == b.kind && same_bytes(a.data, b.data);
  }
};

// The unknown options of a segment, in order, compactly: their kind-length-
// data bytes back to back (at most 40, what an option area holds) and how
// many there are. Reads like an InlineVector of options, handing out
// TcpUnknownOptionView values; each step of operator[] reads one length byte.
class TcpUnknownOptions {
 public:
  using Iterator = PackedOptionIterator<TcpUnknownOptions, TcpUnknownOptionView>;
  friend Iterator;

  // Every option takes at least 2 bytes: 20 fit in 40.
  static constexpr std::size_t capacity() { return tcp_option_len::max_option_space / 2; }

  // Fails (and changes nothing) when the option's 2 + data bytes would take
  // the unknown options past the 40 bytes of an option area: such a value
  // could never be emitted.
  [[nodiscard]] bool push_back(const TcpUnknownOption& option) {
    return push_back(option.kind, option.data.span());
  }
  [[nodiscard]] bool push_back(std::uint8_t kind, Bytes data);
  void clear() {
    used_ = 0;
    size_ = 0;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The i-th option (i < size()), found by stepping over the i before it.
  TcpUnknownOptionView operator[](std::size_t i) const;
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, used_}; }
  // The options' kind-length-data bytes back to back (no NOP padding).
  Bytes bytes() const { return Bytes(bytes_).first(used_); }

  friend bool operator==(const TcpUnknownOptions& a, const TcpUnknownOptions& b) {
    return a.size_ == b.size_ && same_bytes(a.bytes(), b.bytes());
  }

 private:
  std::size_t option_len_at(std::size_t at) const { return load_u8(bytes_, at + 1); }
  TcpUnknownOptionView option_at(std::size_t at) const {
    return {load_u8(bytes_, at), TcpOptionData(Bytes(bytes_).subspan(at + 2, option_len_at(at) - 2))};
  }

  std::array<std::byte, tcp_option_len::max_option_space> bytes_{};
  std::uint8_t used_ = 0;  // bytes
  std::uint8_t size_ = 0;  // options
};

// 40 bytes and two counts, not 20 options of 38 bytes each (1 KB), since the
// stack builds a TcpOptions per segment.
static_assert(sizeof(TcpUnknownOptions) <= tcp_option_len::max_option_space + 2);

struct TcpOptionsParse;
struct TcpRepr;

// The options of one segment, as a value. Options seen twice: the last one
// counts (Linux overwrites as it walks); unknown options are all kept, in order
// (a header's 40-byte area always fits TcpUnknownOptions).
struct TcpOptions {
  // Every option takes 2 bytes or more: at most 20 in 40 bytes.
  static constexpr std::size_t max_unknown = TcpUnknownOptions::capacity();
  // RFC 2018 3: at most 4 blocks fit in 40 bytes (Linux TCP_NUM_SACKS).
  static constexpr std::size_t max_sack_blocks = 4;

  std::optional<std::uint16_t> maximum_segment_size;  // raw; 0 is kept (Linux ignores it)
  std::optional<TcpWindowScale> window_scale;
  bool sack_permitted = false;
  std::optional<TcpTimestamps> timestamps;
  InlineVector<TcpSackBlock, max_sack_blocks> sack_blocks;  // empty: no SACK option
  TcpUnknownOptions unknown;

  // Parses an option area (TCP-OPT-1); `base` as for TcpOptionWalker.
  static TcpOptionsParse parse(Bytes area, std::size_t base = 20);

  // Bytes emit() writes: a multiple of 4, at most 40; unrepresentable when
  // the options cannot fit, or an unknown option uses a kind this layer
  // interprets (0, 1, 2, 3, 4, 5, 8), which would not parse back the same.
  Result<std::size_t, WireError> encoded_len() const;
  // Lays the options out as Linux tcp_options_write() does (MSS; SACK-permitted
  // folded before Timestamps or NOP NOP TS; NOP NOP SACK-permitted; NOP WS;
  // NOP NOP SACK; unknown options NOP-padded to 4 bytes like Fast Open). When
  // that aligned layout exceeds 40 bytes the options are packed instead and the
  // area padded with zeros (RFC 9293 3.1), so that anything parsed re-emits.
  EmitResult emit(MutableBytes out) const;

  bool operator==(const TcpOptions&) const = default;

 private:
  friend struct TcpRepr;
  // parse() into a value in place (TcpRepr::parse fills its result's options
  // without copying them); `o` is empty on entry. Returns where the walk stopped.
  static TcpOptionStopNote parse_into(TcpOptions& o, std::uint8_t& ignored, Bytes area, std::size_t base);
};

struct TcpOptionsParse {
  TcpOptions options;
  TcpOptionStopNote stop;
  // Known kinds with a wrong length, and SACK blocks beyond 4: skipped, as
  // Linux skips them (RFC 9293 3.1 lets a receiver ignore such options).
  std::uint8_t ignored = 0;
};

}  // namespace hardstack::wire

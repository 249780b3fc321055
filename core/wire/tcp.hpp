// TCP segments (RFC 9293 3.1): the checked view and the representation.
// Options: tcp_options.hpp. Sequence numbers: seq_num.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "bytes.hpp"
#include "checksum.hpp"
#include "error.hpp"
#include "seq_num.hpp"
#include "tcp_options.hpp"

namespace hardstack::wire {

inline constexpr std::uint8_t ip_protocol_tcp = 6;

namespace tcp_field {
inline constexpr Field source_port{0, 2};
inline constexpr Field destination_port{2, 4};
inline constexpr Field sequence_number{4, 8};
inline constexpr Field acknowledgment_number{8, 12};
inline constexpr Field data_offset{12, 13};  // high 4 bits, in 32-bit words
inline constexpr Field flags{12, 14};        // low 12 bits: 4 reserved, CWR ... FIN
inline constexpr Field window{14, 16};
inline constexpr Field checksum{16, 18};
inline constexpr Field urgent_pointer{18, 20};
inline constexpr std::size_t header_len = 20;      // data offset 5
inline constexpr std::size_t max_header_len = 60;  // data offset 15
inline constexpr std::size_t options_begin = header_len;
inline constexpr std::uint8_t min_data_offset = 5;
}  // namespace tcp_field

// RFC 9293 3.1 control bits (byte 13) and RFC 3168 6.1 ECE/CWR.
enum class TcpFlag : std::uint16_t {
  fin = 0x001,
  syn = 0x002,
  rst = 0x004,
  psh = 0x008,
  ack = 0x010,
  urg = 0x020,
  ece = 0x040,
  cwr = 0x080,
};

// The 12 bits after the data offset: 4 reserved bits (byte 12, low nibble;
// the lowest was RFC 3540's NS, now historic) and the 8 control bits. Reserved
// bits "must be ignored in received segments" (RFC 9293 3.1) but are kept
// here, raw, so a segment re-emits unchanged.
class TcpFlags {
 public:
  static constexpr std::uint16_t control_mask = 0x0ff;
  static constexpr std::uint16_t reserved_mask = 0xf00;

  constexpr TcpFlags() = default;
  constexpr TcpFlags(TcpFlag f) : bits_(static_cast<std::uint16_t>(f)) {}  // NOLINT: flags read like Scapy's
  static constexpr TcpFlags from_bits(std::uint16_t bits) {
    TcpFlags f;
    f.bits_ = static_cast<std::uint16_t>(bits & (control_mask | reserved_mask));
    return f;
  }

  constexpr std::uint16_t bits() const { return bits_; }
  constexpr std::uint8_t control_bits() const { return static_cast<std::uint8_t>(bits_ & control_mask); }
  constexpr std::uint8_t reserved() const { return static_cast<std::uint8_t>(bits_ >> 8); }
  constexpr bool has(TcpFlag f) const { return (bits_ & static_cast<std::uint16_t>(f)) != 0; }
  constexpr bool fin() const { return has(TcpFlag::fin); }
  constexpr bool syn() const { return has(TcpFlag::syn); }
  constexpr bool rst() const { return has(TcpFlag::rst); }
  constexpr bool psh() const { return has(TcpFlag::psh); }
  constexpr bool ack() const { return has(TcpFlag::ack); }
  constexpr bool urg() const { return has(TcpFlag::urg); }
  constexpr bool ece() const { return has(TcpFlag::ece); }
  constexpr bool cwr() const { return has(TcpFlag::cwr); }

  constexpr TcpFlags& operator|=(TcpFlags o) {
    bits_ = static_cast<std::uint16_t>(bits_ | o.bits_);
    return *this;
  }
  friend constexpr TcpFlags operator|(TcpFlags a, TcpFlags b) { return a |= b; }
  constexpr bool operator==(const TcpFlags&) const = default;

 private:
  std::uint16_t bits_ = 0;
};

constexpr TcpFlags operator|(TcpFlag a, TcpFlag b) { return TcpFlags(a) | TcpFlags(b); }

// Checked view. parse() takes the whole segment (the IP payload): TCP has no
// length field of its own, so everything after the header is payload.
class TcpView {
 public:
  // A view borrows its bytes: viewing a temporary buffer does not compile.
  static ParseResult<TcpView> parse(std::vector<std::byte>&&) = delete;
  // truncated (under 20 bytes); bad_header_length @12 when the data offset is
  // below 5 or reaches past the segment (TCP-HDR-1).
  static ParseResult<TcpView> parse(Bytes segment);

  std::uint16_t src_port() const { return load_be16(bytes_, tcp_field::source_port.begin); }
  std::uint16_t dst_port() const { return load_be16(bytes_, tcp_field::destination_port.begin); }
  SeqNum seq() const { return SeqNum(load_be32(bytes_, tcp_field::sequence_number.begin)); }
  SeqNum ack() const { return SeqNum(load_be32(bytes_, tcp_field::acknowledgment_number.begin)); }
  std::uint8_t data_offset() const { return load_u8(bytes_, tcp_field::data_offset.begin) >> 4; }
  std::size_t header_len() const { return std::size_t{data_offset()} * 4; }
  TcpFlags flags() const { return TcpFlags::from_bits(load_be16(bytes_, tcp_field::flags.begin)); }
  std::uint16_t window() const { return load_be16(bytes_, tcp_field::window.begin); }
  std::uint16_t checksum() const { return load_be16(bytes_, tcp_field::checksum.begin); }
  std::uint16_t urgent_pointer() const { return load_be16(bytes_, tcp_field::urgent_pointer.begin); }
  // The option area (0 to 40 bytes) and a walker over it.
  Bytes options() const {
    return bytes_.subspan(tcp_field::options_begin, header_len() - tcp_field::header_len);
  }
  TcpOptionWalker option_walker() const { return TcpOptionWalker(options(), tcp_field::options_begin); }
  Bytes payload() const { return bytes_.subspan(header_len()); }
  Bytes bytes() const { return bytes_; }
  // RFC 9293 3.1: the checksum over the pseudo-header (TCP length = the whole
  // segment) and the segment verifies.
  bool verify_checksum(const PseudoHeader& pseudo) const;

 private:
  explicit TcpView(Bytes b) : bytes_(b) {}
  Bytes bytes_;
};

struct TcpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  SeqNum seq;
  SeqNum ack;  // kept even without ACK, so bytes round-trip
  TcpFlags flags;
  std::uint16_t window = 0;          // raw, unscaled
  std::uint16_t urgent_pointer = 0;  // kept even without URG
  TcpOptions options;
  std::size_t payload_len = 0;

  // TCP-HDR-1: bad_checksum @16 when `mode` is verify and the checksum fails.
  // Option trouble is never an error (TCP-OPT-1): see TcpOptions::parse.
  static ParseResult<TcpRepr> parse(const TcpView& view, const PseudoHeader& pseudo,
                                    ChecksumMode mode = ChecksumMode::verify);
  // 20 + the options' encoded length, or unrepresentable.
  Result<std::size_t, WireError> header_len() const;
  // Writes the header, options and `payload` (whose size must be payload_len,
  // else unrepresentable) with the checksum over `pseudo`. Over IPv4 a segment
  // above 65535 bytes is unrepresentable (the pseudo-header length is 16 bits).
  EmitResult emit(MutableBytes out, Bytes payload, const PseudoHeader& pseudo) const;
  bool operator==(const TcpRepr&) const = default;
};

// The stack builds one per segment on its input and output paths: keep it
// within two cache lines. The options take 100 bytes (unknown options 42,
// SACK blocks 33, MSS/WS/SACK-permitted/timestamps 20, padding); the bound
// first asked for was 160, this layout reaches 128.
static_assert(sizeof(TcpRepr) <= 128);

}  // namespace hardstack::wire

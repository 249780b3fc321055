// The IPv4 header (RFC 791 3.1, RFC 1122 3.2.1). Options: ipv4_options.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "address.hpp"
#include "bytes.hpp"
#include "error.hpp"
#include "ipv4_options.hpp"

namespace hardstack::wire {

namespace ipv4_field {
inline constexpr Field version_ihl{0, 1};
inline constexpr Field dscp_ecn{1, 2};
inline constexpr Field total_length{2, 4};
inline constexpr Field identification{4, 6};
inline constexpr Field flags_fragment_offset{6, 8};
inline constexpr Field ttl{8, 9};
inline constexpr Field protocol{9, 10};
inline constexpr Field checksum{10, 12};
inline constexpr Field source{12, 16};
inline constexpr Field destination{16, 20};
inline constexpr std::size_t options = 20;  // options start here when IHL > 5
inline constexpr std::size_t header_len = 20;
inline constexpr std::size_t max_header_len = 60;
inline constexpr std::size_t max_total_len = 65535;
inline constexpr std::uint8_t version = 4;
inline constexpr std::uint8_t min_ihl = 5;
inline constexpr std::uint16_t flag_reserved = 0x8000;
inline constexpr std::uint16_t flag_dont_fragment = 0x4000;
inline constexpr std::uint16_t flag_more_fragments = 0x2000;
inline constexpr std::uint16_t fragment_offset_mask = 0x1fff;  // in 8-byte units
inline constexpr std::uint8_t max_dscp = 63;
inline constexpr std::uint8_t max_ecn = 3;
}  // namespace ipv4_field

// Checked view. parse() runs Linux ip_rcv's header checks, in its order
// (seed 001, RFC 1122 3.2.1.1-3.2.1.2, V4-HDR-1..3):
//   fewer than 20 bytes          -> truncated        @ size
//   version != 4                 -> bad_version       @ 0
//   IHL < 5                      -> bad_header_length @ 0
//   IHL * 4 > bytes              -> truncated        @ size
//   header checksum (verify)     -> bad_checksum      @ 10
//   total length > bytes or < IHL*4 -> bad_total_length @ 2
// Bytes past the total length (link padding) are cut off: no accessor exposes
// them (V4-HDR-2). Options are not looked at here; Ipv4Repr::parse walks them.
class Ipv4View {
 public:
  // A view borrows its bytes: viewing a temporary buffer does not compile.
  static ParseResult<Ipv4View> parse(std::vector<std::byte>&&, ChecksumMode = ChecksumMode::verify) = delete;
  static ParseResult<Ipv4View> parse(Bytes packet, ChecksumMode mode = ChecksumMode::verify);

  std::uint8_t version() const { return load_u8(bytes_, ipv4_field::version_ihl.begin) >> 4; }
  std::uint8_t ihl() const { return load_u8(bytes_, ipv4_field::version_ihl.begin) & 0x0f; }
  std::size_t header_len() const { return std::size_t{ihl()} * 4; }
  std::uint8_t dscp() const { return load_u8(bytes_, ipv4_field::dscp_ecn.begin) >> 2; }
  std::uint8_t ecn() const { return load_u8(bytes_, ipv4_field::dscp_ecn.begin) & 0x03; }
  std::uint16_t total_len() const { return load_be16(bytes_, ipv4_field::total_length.begin); }
  std::uint16_t identification() const { return load_be16(bytes_, ipv4_field::identification.begin); }
  // RFC 791 "reserved, must be zero" (RFC 3514's evil bit): exposed, never checked.
  bool reserved_flag() const { return (flags_fragment() & ipv4_field::flag_reserved) != 0; }
  bool dont_fragment() const { return (flags_fragment() & ipv4_field::flag_dont_fragment) != 0; }
  bool more_fragments() const { return (flags_fragment() & ipv4_field::flag_more_fragments) != 0; }
  // In 8-byte units, as on the wire; and in bytes.
  std::uint16_t fragment_offset() const { return flags_fragment() & ipv4_field::fragment_offset_mask; }
  std::size_t fragment_offset_bytes() const { return std::size_t{fragment_offset()} * 8; }
  // A fragment of a larger datagram: MF set or a non-zero offset.
  bool is_fragment() const { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const { return load_u8(bytes_, ipv4_field::ttl.begin); }
  std::uint8_t protocol() const { return load_u8(bytes_, ipv4_field::protocol.begin); }
  std::uint16_t checksum() const { return load_be16(bytes_, ipv4_field::checksum.begin); }
  Ipv4Address src() const { return Ipv4Address::load(bytes_, ipv4_field::source.begin); }
  Ipv4Address dst() const { return Ipv4Address::load(bytes_, ipv4_field::destination.begin); }
  // The raw options area, IHL*4 - 20 bytes, EOL padding included.
  Bytes options() const { return bytes_.subspan(ipv4_field::options, header_len() - ipv4_field::header_len); }
  Bytes header() const { return bytes_.first(header_len()); }
  // The payload, up to the total length.
  Bytes payload() const { return bytes_.subspan(header_len()); }
  std::size_t payload_len() const { return bytes_.size() - header_len(); }
  // Header and payload: the packet trimmed to its total length.
  Bytes bytes() const { return bytes_; }

 private:
  explicit Ipv4View(Bytes trimmed) : bytes_(trimmed) {}
  std::uint16_t flags_fragment() const { return load_be16(bytes_, ipv4_field::flags_fragment_offset.begin); }
  Bytes bytes_;  // exactly total_len() bytes
};

// The header as a value.
//
// Round trip: a packet whose view and representation parse re-emits to bytes
// that parse to an equal value. What the value leaves out on purpose:
// - the reserved flag: RFC 791 says zero; Linux neither checks nor keeps it,
//   so parse ignores it and emit writes zero;
// - the options area after the first EOL, and its length: emit writes the
//   options then EOL padding to a 4-byte multiple, so IHL may shrink;
// - the checksum: emit computes it.
struct Ipv4Repr {
  Ipv4Address src;
  Ipv4Address dst;
  std::uint8_t protocol = 0;
  std::uint8_t ttl = 64;
  std::uint8_t dscp = 0;  // 6 bits
  std::uint8_t ecn = 0;   // 2 bits
  std::uint16_t identification = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // 13 bits, in 8-byte units
  Ipv4Options options;
  std::uint16_t payload_len = 0;

  // Walks the options (Ipv4Options::parse, received origin, offsets from the
  // header start) and takes every other field as it is.
  static ParseResult<Ipv4Repr> parse(const Ipv4View& view);

  // 20 + options padded to 4 bytes (may exceed 60: emit refuses those).
  std::size_t header_len() const { return ipv4_field::header_len + options.padded_len(); }
  std::size_t total_len() const { return header_len() + payload_len; }
  std::size_t fragment_offset_bytes() const { return std::size_t{fragment_offset} * 8; }

  // Writes the header (total length covers payload_len, checksum computed)
  // and returns header_len(); the caller puts payload_len bytes after it.
  EmitResult emit_header(MutableBytes out) const;
  // Writes header then `payload`, which must be payload_len bytes; returns total_len().
  // `unrepresentable`: options over 40 bytes, dscp > 63, ecn > 3, offset over
  // 13 bits, total length over 65535, payload size != payload_len.
  EmitResult emit(MutableBytes out, Bytes payload) const;

  bool operator==(const Ipv4Repr&) const = default;
};

// The stack builds one per packet on its input and output paths: keep it
// within a cache line (the options are 40 bytes and two counts, 42 in all;
// the bound first asked for was 128, this layout reaches 62).
static_assert(sizeof(Ipv4Repr) <= 64);

}  // namespace hardstack::wire

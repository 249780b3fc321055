// The IPv6 fixed header (RFC 8200 3), with the Jumbo Payload rule of
// RFC 2675 for finding where the datagram ends. Extension headers are walked
// by ipv6_ext.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "address.hpp"
#include "bytes.hpp"
#include "error.hpp"

namespace hardstack::wire {

// Next Header / Protocol values (IANA "Assigned Internet Protocol Numbers")
// that IPv6 processing names. Any other byte value is representable too.
enum class Ipv6NextHeader : std::uint8_t {
  hop_by_hop = 0,  // RFC 8200 4.3
  ipv4 = 4,
  tcp = 6,
  udp = 17,
  ipv6 = 41,
  routing = 43,   // RFC 8200 4.4
  fragment = 44,  // RFC 8200 4.5
  gre = 47,
  esp = 50,             // RFC 4303
  authentication = 51,  // RFC 4302
  icmpv6 = 58,
  no_next_header = 59,       // RFC 8200 4.7
  destination_options = 60,  // RFC 8200 4.6
  mobility = 135,            // RFC 6275
  hip = 139,                 // RFC 7401
  shim6 = 140,               // RFC 5533
  experimental_253 = 253,    // RFC 3692
  experimental_254 = 254,
};

namespace ipv6_field {
inline constexpr Field version_class_flow{0, 4};  // version:4 traffic class:8 flow label:20
inline constexpr Field payload_length{4, 6};
inline constexpr Field next_header{6, 7};
inline constexpr Field hop_limit{7, 8};
inline constexpr Field source{8, 24};
inline constexpr Field destination{24, 40};
inline constexpr std::size_t header_len = 40;
inline constexpr std::uint32_t max_flow_label = 0xfffff;
inline constexpr std::uint32_t max_payload_len = 0xffff;  // beyond it only a Jumbo option
}  // namespace ipv6_field

// Checked view of an IPv6 datagram. parse() checks:
//   fewer than 40 bytes                         -> truncated @ size
//   version != 6                                -> bad_version @ 0
//   40 + payload length > bytes                 -> bad_total_length @ 4 (V6-HDR-1)
// and trims payload() to the payload length (bytes after it are link padding).
//
// Payload length 0 with a Hop-by-Hop header first (RFC 2675): the length is
// the Jumbo Payload option's. parse() locates the first Jumbo option of the
// Hop-by-Hop header; if it is well formed (length 4, 4n+2, value > 65535),
// payload() is trimmed to its value, and a value past the bytes received is
// bad_total_length @ the Jumbo Payload Length field. Without a usable Jumbo
// option payload() runs to the end of the input and payload_length_missing()
// is true: the chain walk (Ipv6ExtChain::walk) then fails with the precise
// error, so use payload() only from a datagram whose chain walked.
class Ipv6View {
 public:
  // A view borrows its bytes: viewing a temporary buffer does not compile.
  static ParseResult<Ipv6View> parse(std::vector<std::byte>&&) = delete;
  static ParseResult<Ipv6View> parse(Bytes packet);

  std::uint8_t version() const { return load_u8(bytes_, 0) >> 4; }
  std::uint8_t traffic_class() const { return static_cast<std::uint8_t>((load_be16(bytes_, 0) >> 4) & 0xff); }
  std::uint32_t flow_label() const { return load_be32(bytes_, 0) & ipv6_field::max_flow_label; }
  // The Payload Length field as received (0 for a jumbogram).
  std::uint16_t payload_len() const { return load_be16(bytes_, ipv6_field::payload_length.begin); }
  Ipv6NextHeader next_header() const {
    return static_cast<Ipv6NextHeader>(load_u8(bytes_, ipv6_field::next_header.begin));
  }
  std::uint8_t hop_limit() const { return load_u8(bytes_, ipv6_field::hop_limit.begin); }
  Ipv6Address src() const { return Ipv6Address::load(bytes_, ipv6_field::source.begin); }
  Ipv6Address dst() const { return Ipv6Address::load(bytes_, ipv6_field::destination.begin); }

  // Everything after the fixed header up to the datagram's end: the
  // extension headers, then the upper-layer data.
  Bytes payload() const {
    return bytes_.subspan(ipv6_field::header_len, datagram_len_ - ipv6_field::header_len);
  }
  // The fixed header and payload(): offsets into it are ICMPv6 pointers.
  Bytes datagram() const { return bytes_.first(datagram_len_); }
  std::size_t datagram_len() const { return datagram_len_; }
  // The datagram's length came from a Jumbo Payload option (RFC 2675).
  bool is_jumbogram() const { return jumbo_; }
  // Payload length 0, Hop-by-Hop first, and no usable Jumbo option found.
  bool payload_length_missing() const {
    return !jumbo_ && payload_len() == 0 && next_header() == Ipv6NextHeader::hop_by_hop;
  }
  Bytes bytes() const { return bytes_; }

 private:
  Ipv6View(Bytes b, std::size_t datagram_len, bool jumbo)
      : bytes_(b), datagram_len_(datagram_len), jumbo_(jumbo) {}
  Bytes bytes_;
  std::size_t datagram_len_;
  bool jumbo_;
};

// The fixed header as a value. payload_len is the field as written: 0 for a
// jumbogram, whose length travels in the Hop-by-Hop header.
struct Ipv6Repr {
  Ipv6Address src;
  Ipv6Address dst;
  Ipv6NextHeader next_header = Ipv6NextHeader::no_next_header;
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;  // 20 bits
  std::uint16_t payload_len = 0;

  static Ipv6Repr parse(const Ipv6View& view);
  static constexpr std::size_t header_len() { return ipv6_field::header_len; }
  // Writes the header then `payload`; returns 40 + payload.size(). The
  // Payload Length field is `payload_len` as given, so it is the caller who
  // keeps it equal to payload.size() (or 0 with a Jumbo option).
  // flow_label above 20 bits -> unrepresentable.
  EmitResult emit(MutableBytes out, Bytes payload = {}) const;
  bool operator==(const Ipv6Repr&) const = default;
};

}  // namespace hardstack::wire

// UDP (RFC 768), with the IPv6 checksum rule of RFC 8200 8.1.
#pragma once

#include <cstdint>
#include <vector>

#include "bytes.hpp"
#include "checksum.hpp"
#include "error.hpp"

namespace hardstack::wire {

inline constexpr std::uint8_t ip_protocol_udp = 17;

namespace udp_field {
inline constexpr Field source_port{0, 2};
inline constexpr Field destination_port{2, 4};
inline constexpr Field length{4, 6};
inline constexpr Field checksum{6, 8};
inline constexpr std::size_t header_len = 8;
// The largest datagram a 16-bit length field describes (no jumbograms).
inline constexpr std::size_t max_datagram_len = 0xffff;
}  // namespace udp_field

// Checked view. parse() takes the IP payload; the datagram is the first
// `length()` bytes of it (UDP-1: a shorter length trims trailing bytes).
class UdpView {
 public:
  // A view borrows its bytes: viewing a temporary buffer does not compile.
  static ParseResult<UdpView> parse(std::vector<std::byte>&&) = delete;
  // truncated (fewer than 8 bytes); bad_length @4 when the length field is
  // below 8 or above the bytes given (UDP-1).
  static ParseResult<UdpView> parse(Bytes ip_payload);

  std::uint16_t src_port() const { return load_be16(bytes_, udp_field::source_port.begin); }
  std::uint16_t dst_port() const { return load_be16(bytes_, udp_field::destination_port.begin); }
  std::uint16_t length() const { return load_be16(bytes_, udp_field::length.begin); }
  std::uint16_t checksum() const { return load_be16(bytes_, udp_field::checksum.begin); }
  // RFC 768: a zero checksum field means the sender computed none (IPv4 only;
  // over IPv6 it is an error, see UdpRepr::parse).
  bool has_checksum() const { return checksum() != 0; }
  // Header and payload, trimmed to the length field.
  Bytes datagram() const { return bytes_.first(length()); }
  Bytes payload() const { return datagram().subspan(udp_field::header_len); }
  // Bytes after the datagram that the IP layer delivered (trimmed off).
  std::size_t trailing_len() const { return bytes_.size() - length(); }
  // True when the checksum field verifies against `pseudo` (whatever its value;
  // a zero field does not verify unless the sum happens to be 0xffff).
  bool verify_checksum(const PseudoHeader& pseudo) const;

 private:
  explicit UdpView(Bytes b) : bytes_(b) {}
  Bytes bytes_;
};

struct UdpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::size_t payload_len = 0;

  // UDP-2: over IPv4 a zero checksum means none and is accepted; a non-zero
  // one must verify (bad_checksum @6). Over IPv6 a zero checksum is
  // bad_checksum @6 in either mode (RFC 8200 8.1 makes it a discard, not a
  // verification); `ignore` only skips verifying a non-zero one.
  static ParseResult<UdpRepr> parse(const UdpView& view, const PseudoHeader& pseudo,
                                    ChecksumMode mode = ChecksumMode::verify);
  static constexpr std::size_t header_len() { return udp_field::header_len; }
  std::size_t datagram_len() const { return udp_field::header_len + payload_len; }
  // Writes header and `payload` (whose size must be payload_len, else
  // unrepresentable) with the checksum over `pseudo`; a computed 0 is sent as
  // 0xffff (RFC 768, UDP-2). A datagram above 65535 bytes is unrepresentable.
  EmitResult emit(MutableBytes out, Bytes payload, const PseudoHeader& pseudo) const;
  bool operator==(const UdpRepr&) const = default;
};

}  // namespace hardstack::wire

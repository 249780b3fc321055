// Parse and emit errors of the wire layer. A parse error names what is wrong
// and the byte offset, from the start of the buffer handed to the parser, of
// the byte that is wrong: the value an ICMP/ICMPv6 parameter-problem pointer
// carries. For `truncated` the offset is where the missing bytes would start.
#pragma once

#include <cstdint>
#include <string>

#include "result.hpp"

namespace hardstack::wire {

enum class WireError : std::uint8_t {
  truncated,                // fewer bytes than the header or a field needs
  bad_version,              // IP version field is not the expected one
  bad_header_length,        // IHL < 5, TCP data offset < 5, header length past the data
  bad_total_length,         // IPv4 total length / IPv6 payload length vs bytes received
  bad_length,               // another length field is inconsistent (UDP length, ARP sizes...)
  bad_checksum,             // checksum does not verify
  bad_option_length,        // an option's length byte is too small or runs past its area
  bad_option_pointer,       // RR/TS/LSRR/SSRR pointer out of range
  bad_option_value,         // an option field with a value the RFC forbids (TS flag, RA length...)
  duplicate_option,         // an option that may appear once appears twice
  option_overflow,          // Timestamp overflow counter would wrap
  bad_padding,              // padding with non-zero bytes or too long a run
  too_many_options,         // more options than the configured bound
  hop_by_hop_not_first,     // RFC 8200 4.1: Hop-by-Hop only right after the IPv6 header
  unknown_next_header,      // IPv6 Next Header names nothing we know
  chain_too_long,           // extension chain beyond the walk bounds
  unsupported,              // a well-formed value this layer does not handle (ARP hw type...)
  bad_field,                // any other field with a forbidden value
  buffer_too_small,         // emit: the caller's buffer cannot hold the encoding
  unrepresentable,          // emit: the value cannot be encoded (too many options, too long...)
  incomplete_header_chain,  // RFC 7112: a first fragment without the chain through the upper-layer header
};

const char* to_string(WireError e);

struct ParseError {
  WireError code;
  std::uint32_t offset;  // byte offset into the parsed buffer (see above)
  constexpr bool operator==(const ParseError&) const = default;
};

// "bad_option_length at byte 22"
std::string describe(const ParseError& e);

template <typename T>
using ParseResult = Result<T, ParseError>;

constexpr Unexpected<ParseError> parse_error(WireError code, std::size_t offset) {
  return Unexpected<ParseError>(ParseError{code, static_cast<std::uint32_t>(offset)});
}

// Emit returns the number of bytes written.
using EmitResult = Result<std::size_t, WireError>;

constexpr Unexpected<WireError> emit_error(WireError code) { return Unexpected<WireError>(code); }

// Whether parsers verify checksums. Run-time, so fuzzers reach past the
// checksum without a separate build; `verify` everywhere else.
enum class ChecksumMode : std::uint8_t { verify, ignore };

}  // namespace hardstack::wire

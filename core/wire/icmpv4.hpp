// ICMP for IPv4 (RFC 792, RFC 1122 3.2.2, RFC 1191 for the next-hop MTU).
// The view checks the 8-byte header and the checksum over the whole message;
// the representation is one value per message kind. Types the stack does not
// handle (source quench, information and address-mask messages, anything
// unassigned) parse as Icmpv4Other so they round-trip: ICMP4-4 has the stack
// ignore them, not the parser reject them.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "address.hpp"
#include "bytes.hpp"
#include "error.hpp"
#include "inline_vector.hpp"

namespace hardstack::wire {

enum class Icmpv4Type : std::uint8_t {
  echo_reply = 0,
  destination_unreachable = 3,
  source_quench = 4,  // RFC 6633: deprecated; parsed as Icmpv4Other
  redirect = 5,
  echo_request = 8,
  router_advertisement = 9,  // RFC 1256; parsed as Icmpv4Other
  router_solicitation = 10,  // RFC 1256; parsed as Icmpv4Other
  time_exceeded = 11,
  parameter_problem = 12,
  timestamp = 13,
  timestamp_reply = 14,
  information_request = 15,  // RFC 6918: deprecated; parsed as Icmpv4Other
  information_reply = 16,
  address_mask_request = 17,  // RFC 6918: deprecated; parsed as Icmpv4Other
  address_mask_reply = 18,
};

// RFC 792, RFC 1122 3.2.2.1, RFC 1812 5.2.7.1.
enum class Icmpv4UnreachableCode : std::uint8_t {
  net_unreachable = 0,
  host_unreachable = 1,
  protocol_unreachable = 2,
  port_unreachable = 3,
  fragmentation_needed = 4,  // RFC 1191: carries the next-hop MTU
  source_route_failed = 5,
  destination_network_unknown = 6,
  destination_host_unknown = 7,
  source_host_isolated = 8,
  network_administratively_prohibited = 9,
  host_administratively_prohibited = 10,
  network_unreachable_for_tos = 11,
  host_unreachable_for_tos = 12,
  communication_administratively_prohibited = 13,
  host_precedence_violation = 14,
  precedence_cutoff_in_effect = 15,
};

enum class Icmpv4TimeExceededCode : std::uint8_t {
  ttl_exceeded_in_transit = 0,
  fragment_reassembly_time_exceeded = 1,
};

enum class Icmpv4RedirectCode : std::uint8_t {
  network = 0,
  host = 1,
  tos_and_network = 2,
  tos_and_host = 3,
};

// RFC 792, RFC 1108 (missing option), RFC 1812 4.3.2.4 (bad length).
enum class Icmpv4ParameterProblemCode : std::uint8_t {
  pointer_indicates_error = 0,
  missing_required_option = 1,
  bad_length = 2,
};

namespace icmpv4_field {
inline constexpr Field type{0, 1};
inline constexpr Field code{1, 2};
inline constexpr Field checksum{2, 4};
inline constexpr Field rest_of_header{4, 8};
// The rest of the header, by message kind.
inline constexpr Field identifier{4, 6};       // echo, timestamp
inline constexpr Field sequence_number{6, 8};  // echo, timestamp
inline constexpr Field next_hop_mtu{6, 8};     // unreachable, code 4 (RFC 1191)
inline constexpr Field pointer{4, 5};          // parameter problem
inline constexpr Field gateway{4, 8};          // redirect
inline constexpr Field originate_timestamp{8, 12};
inline constexpr Field receive_timestamp{12, 16};
inline constexpr Field transmit_timestamp{16, 20};
inline constexpr std::size_t header_len = 8;  // then data / the invoking datagram
inline constexpr std::size_t timestamp_len = 20;
}  // namespace icmpv4_field

// Checked view: at least the 8-byte header, checksum verified when asked.
class Icmpv4View {
 public:
  // A view borrows its bytes: viewing a temporary buffer does not compile.
  static ParseResult<Icmpv4View> parse(std::vector<std::byte>&&,
                                       ChecksumMode = ChecksumMode::verify) = delete;
  // Errors: truncated (fewer than 8 bytes) at the input size; bad_checksum at 2.
  static ParseResult<Icmpv4View> parse(Bytes message, ChecksumMode mode = ChecksumMode::verify);

  Icmpv4Type type() const { return static_cast<Icmpv4Type>(load_u8(bytes_, icmpv4_field::type.begin)); }
  std::uint8_t code() const { return load_u8(bytes_, icmpv4_field::code.begin); }
  std::uint16_t checksum() const { return load_be16(bytes_, icmpv4_field::checksum.begin); }
  std::uint32_t rest_of_header() const { return load_be32(bytes_, icmpv4_field::rest_of_header.begin); }
  // Readings of the rest of the header; meaningful for the kinds named above.
  std::uint16_t identifier() const { return load_be16(bytes_, icmpv4_field::identifier.begin); }
  std::uint16_t sequence_number() const { return load_be16(bytes_, icmpv4_field::sequence_number.begin); }
  std::uint16_t next_hop_mtu() const { return load_be16(bytes_, icmpv4_field::next_hop_mtu.begin); }
  std::uint8_t pointer() const { return load_u8(bytes_, icmpv4_field::pointer.begin); }
  Ipv4Address gateway() const { return Ipv4Address::load(bytes_, icmpv4_field::gateway.begin); }
  // Everything after the 8-byte header: echo data or the invoking datagram.
  Bytes data() const { return bytes_.subspan(icmpv4_field::header_len); }
  Bytes bytes() const { return bytes_; }

 private:
  explicit Icmpv4View(Bytes b) : bytes_(b) {}
  Bytes bytes_;
};

// Echo request / reply (RFC 792). ICMP4-1: the reply carries the request's
// identifier, sequence number and data.
template <Icmpv4Type Type>
struct Icmpv4Echo {
  static constexpr Icmpv4Type type = Type;
  std::uint16_t identifier = 0;
  std::uint16_t sequence_number = 0;
  Bytes data;
  friend bool operator==(const Icmpv4Echo& a, const Icmpv4Echo& b) {
    return a.identifier == b.identifier && a.sequence_number == b.sequence_number &&
           same_bytes(a.data, b.data);
  }
};
using Icmpv4EchoRequest = Icmpv4Echo<Icmpv4Type::echo_request>;
using Icmpv4EchoReply = Icmpv4Echo<Icmpv4Type::echo_reply>;

struct Icmpv4DestinationUnreachable {
  static constexpr Icmpv4Type type = Icmpv4Type::destination_unreachable;
  Icmpv4UnreachableCode code = Icmpv4UnreachableCode::net_unreachable;
  // RFC 1191: the MTU of the next-hop network, for code 4 only (0 from a
  // pre-RFC 1191 router); must be 0 for every other code.
  std::uint16_t next_hop_mtu = 0;
  Bytes invoking_datagram;  // IP header + at least 8 bytes of its payload
  friend bool operator==(const Icmpv4DestinationUnreachable& a, const Icmpv4DestinationUnreachable& b) {
    return a.code == b.code && a.next_hop_mtu == b.next_hop_mtu &&
           same_bytes(a.invoking_datagram, b.invoking_datagram);
  }
};

struct Icmpv4TimeExceeded {
  static constexpr Icmpv4Type type = Icmpv4Type::time_exceeded;
  Icmpv4TimeExceededCode code = Icmpv4TimeExceededCode::ttl_exceeded_in_transit;
  Bytes invoking_datagram;
  friend bool operator==(const Icmpv4TimeExceeded& a, const Icmpv4TimeExceeded& b) {
    return a.code == b.code && same_bytes(a.invoking_datagram, b.invoking_datagram);
  }
};

struct Icmpv4ParameterProblem {
  static constexpr Icmpv4Type type = Icmpv4Type::parameter_problem;
  Icmpv4ParameterProblemCode code = Icmpv4ParameterProblemCode::pointer_indicates_error;
  std::uint8_t pointer = 0;  // octet of the invoking datagram in error (code 0)
  Bytes invoking_datagram;
  friend bool operator==(const Icmpv4ParameterProblem& a, const Icmpv4ParameterProblem& b) {
    return a.code == b.code && a.pointer == b.pointer && same_bytes(a.invoking_datagram, b.invoking_datagram);
  }
};

struct Icmpv4Redirect {
  static constexpr Icmpv4Type type = Icmpv4Type::redirect;
  Icmpv4RedirectCode code = Icmpv4RedirectCode::network;
  Ipv4Address gateway;
  Bytes invoking_datagram;
  friend bool operator==(const Icmpv4Redirect& a, const Icmpv4Redirect& b) {
    return a.code == b.code && a.gateway == b.gateway && same_bytes(a.invoking_datagram, b.invoking_datagram);
  }
};

// Timestamp / timestamp reply (RFC 792): exactly 20 bytes.
template <Icmpv4Type Type>
struct Icmpv4TimestampMessage {
  static constexpr Icmpv4Type type = Type;
  std::uint16_t identifier = 0;
  std::uint16_t sequence_number = 0;
  std::uint32_t originate_timestamp = 0;  // ms since midnight UT (RFC 792)
  std::uint32_t receive_timestamp = 0;
  std::uint32_t transmit_timestamp = 0;
  bool operator==(const Icmpv4TimestampMessage&) const = default;
};
using Icmpv4Timestamp = Icmpv4TimestampMessage<Icmpv4Type::timestamp>;
using Icmpv4TimestampReply = Icmpv4TimestampMessage<Icmpv4Type::timestamp_reply>;

// Any type without a kind above, kept whole so it round-trips. emit refuses
// a type that has its own kind (it would come back as that kind).
struct Icmpv4Other {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;
  Bytes data;
  friend bool operator==(const Icmpv4Other& a, const Icmpv4Other& b) {
    return a.type == b.type && a.code == b.code && a.rest_of_header == b.rest_of_header &&
           same_bytes(a.data, b.data);
  }
};

using Icmpv4Message =
    std::variant<Icmpv4EchoRequest, Icmpv4EchoReply, Icmpv4DestinationUnreachable, Icmpv4TimeExceeded,
                 Icmpv4ParameterProblem, Icmpv4Redirect, Icmpv4Timestamp, Icmpv4TimestampReply, Icmpv4Other>;

// True for the types parsed into a kind of their own (not Icmpv4Other).
bool icmpv4_type_has_kind(std::uint8_t type);

struct Icmpv4Repr {
  Icmpv4Message message;

  // Errors: a timestamp (reply) shorter than 20 bytes is truncated at the
  // message end, a longer one bad_length at byte 20.
  static ParseResult<Icmpv4Repr> parse(const Icmpv4View& view);
  std::uint8_t type() const;
  std::uint8_t code() const;
  // The whole message: 8-byte header + data (20 for timestamps).
  std::size_t buffer_len() const;
  // Writes the message with its checksum; returns buffer_len(). Errors:
  // buffer_too_small; unrepresentable for an Icmpv4Other whose type has its
  // own kind, or a next-hop MTU on an unreachable code other than 4.
  EmitResult emit(MutableBytes out) const;
  bool operator==(const Icmpv4Repr&) const = default;
};

// ICMP4-3 (RFC 1812 4.3.2.3; LINUX icmp_send): an ICMP error datagram is at
// most 576 bytes: its IP header, the 8-byte ICMP header and the quote.
inline constexpr std::size_t icmpv4_error_max_len = 576;

// How many bytes of `offending` (an IPv4 datagram as received) an ICMP error
// quotes so that the error, sent with an IP header of `ip_header_len` bytes,
// stays within `error_max_len`. The datagram counts up to its IPv4 Total
// Length when that is sane and shorter than the bytes (link padding is not
// quoted). 0 when even the headers do not fit in `error_max_len`.
std::size_t icmpv4_error_quote_len(Bytes offending, std::size_t ip_header_len = 20,
                                   std::size_t error_max_len = icmpv4_error_max_len);

// The quote itself: the first icmpv4_error_quote_len() bytes of `offending`.
inline Bytes icmpv4_error_quote(Bytes offending, std::size_t ip_header_len = 20,
                                std::size_t error_max_len = icmpv4_error_max_len) {
  return offending.first(icmpv4_error_quote_len(offending, ip_header_len, error_max_len));
}

}  // namespace hardstack::wire

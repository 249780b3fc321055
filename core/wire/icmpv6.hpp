// ICMP for IPv6 (RFC 4443) and the Neighbor Discovery messages it carries
// (RFC 4861, bodies and options in ndp.hpp). The view checks the base header,
// each known type's minimum length and the checksum, which covers the IPv6
// pseudo-header with next header 58 (ICMP6-4). The representation is one
// value per message kind; other types (MLD, unassigned) parse as Icmpv6Other
// so the stack can apply RFC 4443 2.4: unknown errors go to the upper layer,
// unknown informational messages are discarded.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "address.hpp"
#include "bytes.hpp"
#include "checksum.hpp"
#include "error.hpp"
#include "inline_vector.hpp"
#include "ndp.hpp"

namespace hardstack::wire {

enum class Icmpv6Type : std::uint8_t {
  destination_unreachable = 1,
  packet_too_big = 2,
  time_exceeded = 3,
  parameter_problem = 4,
  echo_request = 128,
  echo_reply = 129,
  multicast_listener_query = 130,   // RFC 2710 / 3810; parsed as Icmpv6Other
  multicast_listener_report = 131,  // RFC 2710; parsed as Icmpv6Other
  multicast_listener_done = 132,    // RFC 2710; parsed as Icmpv6Other
  router_solicitation = 133,
  router_advertisement = 134,
  neighbor_solicitation = 135,
  neighbor_advertisement = 136,
  redirect = 137,
  multicast_listener_report_v2 = 143,  // RFC 3810; parsed as Icmpv6Other
};

// RFC 4443 3.1, RFC 4443 errata / RFC 7112 / RFC 8883 additions.
enum class Icmpv6UnreachableCode : std::uint8_t {
  no_route = 0,
  administratively_prohibited = 1,
  beyond_scope_of_source = 2,
  address_unreachable = 3,
  port_unreachable = 4,
  source_address_failed_policy = 5,
  reject_route = 6,
  error_in_source_routing_header = 7,
  headers_too_long = 8,  // RFC 8883
};

enum class Icmpv6TimeExceededCode : std::uint8_t {
  hop_limit_exceeded = 0,
  fragment_reassembly_time_exceeded = 1,
};

// RFC 4443 3.4, RFC 7112 (3), RFC 8883 (4..7).
enum class Icmpv6ParameterProblemCode : std::uint8_t {
  erroneous_header_field = 0,
  unrecognized_next_header = 1,
  unrecognized_option = 2,
  incomplete_header_chain = 3,
  sr_upper_layer_header_error = 4,
  unrecognized_next_header_by_intermediate = 5,
  extension_header_too_big = 6,
  extension_header_chain_too_long = 7,
};

namespace icmpv6_field {
inline constexpr Field type{0, 1};
inline constexpr Field code{1, 2};
inline constexpr Field checksum{2, 4};
inline constexpr std::size_t header_len = 4;        // the base header; the body follows
inline constexpr Field mtu{4, 8};                   // packet too big
inline constexpr Field pointer{4, 8};               // parameter problem
inline constexpr Field identifier{4, 6};            // echo
inline constexpr Field sequence_number{6, 8};       // echo
inline constexpr std::size_t error_header_len = 8;  // errors: then the invoking packet
inline constexpr std::size_t echo_header_len = 8;   // echo: then data
inline constexpr std::uint8_t next_header = 58;     // in the pseudo-header
inline constexpr std::size_t ipv6_header_len = 40;  // of the error packet (ICMP6-3)
}  // namespace icmpv6_field

// The smallest message of `type` (RFC 4443 3, 4; RFC 4861 4): 4 for types
// without a kind of their own.
std::size_t icmpv6_min_len(std::uint8_t type);

// Checked view: the 4-byte base header, the minimum length of its type, and
// the checksum when asked.
class Icmpv6View {
 public:
  // A view borrows its bytes: viewing a temporary buffer does not compile.
  static ParseResult<Icmpv6View> parse(std::vector<std::byte>&&, const PseudoHeader&,
                                       ChecksumMode = ChecksumMode::verify) = delete;
  // `pseudo`: the IPv6 source and destination the message came with.
  // Errors: truncated at the input size (below 4, or below icmpv6_min_len of
  // its type); bad_checksum at 2.
  static ParseResult<Icmpv6View> parse(Bytes message, const PseudoHeader& pseudo,
                                       ChecksumMode mode = ChecksumMode::verify);

  Icmpv6Type type() const { return static_cast<Icmpv6Type>(load_u8(bytes_, icmpv6_field::type.begin)); }
  std::uint8_t code() const { return load_u8(bytes_, icmpv6_field::code.begin); }
  std::uint16_t checksum() const { return load_be16(bytes_, icmpv6_field::checksum.begin); }
  // Everything after the checksum.
  Bytes body() const { return bytes_.subspan(icmpv6_field::header_len); }
  bool is_error() const { return load_u8(bytes_, icmpv6_field::type.begin) < 128; }  // RFC 4443 2.1
  Bytes bytes() const { return bytes_; }

 private:
  explicit Icmpv6View(Bytes b) : bytes_(b) {}
  Bytes bytes_;
};

struct Icmpv6DestinationUnreachable {
  static constexpr Icmpv6Type type = Icmpv6Type::destination_unreachable;
  Icmpv6UnreachableCode code = Icmpv6UnreachableCode::no_route;
  Bytes invoking_packet;
  friend bool operator==(const Icmpv6DestinationUnreachable& a, const Icmpv6DestinationUnreachable& b) {
    return a.code == b.code && same_bytes(a.invoking_packet, b.invoking_packet);
  }
};

struct Icmpv6PacketTooBig {
  static constexpr Icmpv6Type type = Icmpv6Type::packet_too_big;
  std::uint32_t mtu = 0;
  Bytes invoking_packet;
  friend bool operator==(const Icmpv6PacketTooBig& a, const Icmpv6PacketTooBig& b) {
    return a.mtu == b.mtu && same_bytes(a.invoking_packet, b.invoking_packet);
  }
};

struct Icmpv6TimeExceeded {
  static constexpr Icmpv6Type type = Icmpv6Type::time_exceeded;
  Icmpv6TimeExceededCode code = Icmpv6TimeExceededCode::hop_limit_exceeded;
  Bytes invoking_packet;
  friend bool operator==(const Icmpv6TimeExceeded& a, const Icmpv6TimeExceeded& b) {
    return a.code == b.code && same_bytes(a.invoking_packet, b.invoking_packet);
  }
};

struct Icmpv6ParameterProblem {
  static constexpr Icmpv6Type type = Icmpv6Type::parameter_problem;
  Icmpv6ParameterProblemCode code = Icmpv6ParameterProblemCode::erroneous_header_field;
  std::uint32_t pointer = 0;  // offset in the invoking packet of the octet in error
  Bytes invoking_packet;
  friend bool operator==(const Icmpv6ParameterProblem& a, const Icmpv6ParameterProblem& b) {
    return a.code == b.code && a.pointer == b.pointer && same_bytes(a.invoking_packet, b.invoking_packet);
  }
};

// ICMP6-1: the reply carries the request's identifier, sequence and data.
template <Icmpv6Type Type>
struct Icmpv6Echo {
  static constexpr Icmpv6Type type = Type;
  std::uint16_t identifier = 0;
  std::uint16_t sequence_number = 0;
  Bytes data;
  friend bool operator==(const Icmpv6Echo& a, const Icmpv6Echo& b) {
    return a.identifier == b.identifier && a.sequence_number == b.sequence_number &&
           same_bytes(a.data, b.data);
  }
};
using Icmpv6EchoRequest = Icmpv6Echo<Icmpv6Type::echo_request>;
using Icmpv6EchoReply = Icmpv6Echo<Icmpv6Type::echo_reply>;

// Any type without a kind of its own, kept whole so it round-trips. emit
// refuses a type that has its own kind (it would come back as that kind).
struct Icmpv6Other {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  Bytes body;  // everything after the checksum
  friend bool operator==(const Icmpv6Other& a, const Icmpv6Other& b) {
    return a.type == b.type && a.code == b.code && same_bytes(a.body, b.body);
  }
};

using Icmpv6Message =
    std::variant<Icmpv6DestinationUnreachable, Icmpv6PacketTooBig, Icmpv6TimeExceeded, Icmpv6ParameterProblem,
                 Icmpv6EchoRequest, Icmpv6EchoReply, NdRouterSolicitation, NdRouterAdvertisement,
                 NdNeighborSolicitation, NdNeighborAdvertisement, NdRedirect, Icmpv6Other>;

// True for the types parsed into a kind of their own (not Icmpv6Other).
bool icmpv6_type_has_kind(std::uint8_t type);

struct Icmpv6Repr {
  Icmpv6Message message;

  // Errors: those of the ND messages (ndp.hpp), offsets from the message start.
  static ParseResult<Icmpv6Repr> parse(const Icmpv6View& view);
  std::uint8_t type() const;
  std::uint8_t code() const;  // 0 for echo, packet too big and ND
  bool is_error() const { return type() < 128; }
  std::size_t buffer_len() const;
  // Writes the message with its checksum over `pseudo`; returns buffer_len().
  // Errors: buffer_too_small; unrepresentable for an Icmpv6Other whose type
  // has its own kind, or an ND value the parser would refuse.
  EmitResult emit(MutableBytes out, const PseudoHeader& pseudo) const;
  bool operator==(const Icmpv6Repr&) const = default;
};

// ICMP6-3 (RFC 4443 2.4 (c)): an error carries as much of the offending
// packet as fits without the error packet exceeding the minimum IPv6 MTU.
inline constexpr std::size_t icmpv6_error_max_len = 1280;

// How many bytes of `offending` (an IPv6 packet as received) an ICMPv6 error
// quotes so that IPv6 header + ICMPv6 header + quote <= `error_max_len`
// (LINUX icmp6_send: 1280 - 40 - 8 = 1232 at most). The packet counts up to
// 40 + Payload Length when that is non-zero and shorter than the bytes (link
// padding is not quoted). 0 when even the headers do not fit.
std::size_t icmpv6_error_quote_len(Bytes offending, std::size_t error_max_len = icmpv6_error_max_len);

inline Bytes icmpv6_error_quote(Bytes offending, std::size_t error_max_len = icmpv6_error_max_len) {
  return offending.first(icmpv6_error_quote_len(offending, error_max_len));
}

}  // namespace hardstack::wire

// Neighbor Discovery for IPv6 (RFC 4861): the five message bodies (Router
// Solicitation / Advertisement, Neighbor Solicitation / Advertisement,
// Redirect) and their options. Icmpv6Repr (icmpv6.hpp) holds these messages;
// offsets in every error count from the start of the ICMPv6 message.
//
// What this layer checks (RFC 4861 6.1, 7.1, 8.1 "validation"): ICMP code 0,
// the minimum lengths, no multicast target / Redirect destination, a Redirect
// target that is link-local or the destination, options bounded by the
// message, no option of length 0 (ND-1: the whole message is invalid).
// What the stack checks, having the IP header: hop limit 255 (ND-1, RFC 4861
// 6.1.1 / 7.1.1: a message that crossed a router is discarded), link-local
// source for RA and Redirect, no Source Link-Layer Address option when the
// source is unspecified, S flag clear on an NA to a multicast destination.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

#include "address.hpp"
#include "bytes.hpp"
#include "error.hpp"
#include "inline_vector.hpp"

namespace hardstack::wire {

enum class NdOptionType : std::uint8_t {
  source_link_layer_address = 1,
  target_link_layer_address = 2,
  prefix_information = 3,
  redirected_header = 4,
  mtu = 5,
  nonce = 14,                 // RFC 3971 (SEND) / RFC 7527; kept as NdUnknownOption
  route_information = 24,     // RFC 4191; kept as NdUnknownOption
  recursive_dns_server = 25,  // RFC 8106
  dns_search_list = 31,       // RFC 8106; kept as NdUnknownOption
};

namespace nd_option_field {
inline constexpr Field type{0, 1};
inline constexpr Field length{1, 2};  // in units of 8 octets, type and length included
inline constexpr std::size_t unit = 8;
inline constexpr std::size_t max_len = 255 * unit;
// Source / Target Link-Layer Address, Ethernet (RFC 2464 6: length 1).
inline constexpr Field link_layer_address{2, 8};
// Prefix Information (RFC 4861 4.6.2): length 4.
inline constexpr Field prefix_length{2, 3};
inline constexpr Field prefix_flags{3, 4};
inline constexpr Field valid_lifetime{4, 8};
inline constexpr Field preferred_lifetime{8, 12};
inline constexpr Field prefix_reserved{12, 16};
inline constexpr Field prefix{16, 32};
inline constexpr std::size_t prefix_information_len = 32;
inline constexpr std::uint8_t prefix_flag_on_link = 0x80;     // L
inline constexpr std::uint8_t prefix_flag_autonomous = 0x40;  // A
// Redirected Header (RFC 4861 4.6.3): 6 reserved bytes, then the packet.
inline constexpr std::size_t redirected_packet_begin = 8;
// MTU (RFC 4861 4.6.4): length 1.
inline constexpr Field mtu{4, 8};
inline constexpr std::size_t mtu_len = 8;
// Recursive DNS Server (RFC 8106 5.1): length 1 + 2n, n >= 1.
inline constexpr Field rdnss_lifetime{4, 8};
inline constexpr std::size_t rdnss_addresses_begin = 8;
}  // namespace nd_option_field

// One option as found by NdOptionReader: type, length and bytes are checked
// to lie inside the options area; its content is not interpreted yet.
struct NdOptionView {
  std::uint8_t type = 0;
  std::size_t offset = 0;  // of the type byte, from the start of the ICMPv6 message
  Bytes bytes;             // the whole option: length * 8 bytes
  std::size_t length_units() const { return bytes.size() / nd_option_field::unit; }
  Bytes data() const { return bytes.subspan(nd_option_field::length.end); }  // after type and length
};

// Walks an options area one option at a time, for any number of options.
// Errors stop the walk, and RFC 4861 makes each one invalidate the message:
//   bad_option_length at an option's length byte when it is 0 (ND-1) or the
//   option runs past the area; truncated at the area's end when a lone byte
//   is left (no room for a length).
class NdOptionReader {
 public:
  // `base`: the offset of `options` from the start of the ICMPv6 message.
  NdOptionReader(Bytes options, std::size_t base) : area_(options), base_(base) {}
  // The next option; nullopt after the last one.
  ParseResult<std::optional<NdOptionView>> next();

 private:
  Bytes area_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

struct NdSourceLinkLayerAddress {
  MacAddress address;
  bool operator==(const NdSourceLinkLayerAddress&) const = default;
};
struct NdTargetLinkLayerAddress {
  MacAddress address;
  bool operator==(const NdTargetLinkLayerAddress&) const = default;
};

struct NdPrefixInformation {
  std::uint8_t prefix_length = 0;        // 0..128
  bool on_link = false;                  // L
  bool autonomous = false;               // A
  std::uint8_t reserved_flags = 0;       // the flag byte's other bits, as on the wire (kept to round-trip)
  std::uint32_t valid_lifetime = 0;      // seconds; 0xffffffff = infinity
  std::uint32_t preferred_lifetime = 0;  // seconds
  Ipv6Address prefix;
  bool operator==(const NdPrefixInformation&) const = default;
};

// The invoking packet (IP header + data) a Redirect quotes, after 6 reserved bytes.
struct NdRedirectedHeader {
  Bytes packet;  // emit pads with zeros to a multiple of 8
  friend bool operator==(const NdRedirectedHeader& a, const NdRedirectedHeader& b) {
    return same_bytes(a.packet, b.packet);
  }
};

struct NdMtu {
  std::uint32_t mtu = 0;
  bool operator==(const NdMtu&) const = default;
};

// RFC 8106 5.1. The addresses stay a span of 16-byte entries (1..127 of
// them) so an option list has a fixed size whatever the packet.
struct NdRecursiveDnsServer {
  std::uint32_t lifetime = 0;  // seconds; 0xffffffff = infinity
  Bytes addresses;             // count() * 16 bytes
  std::size_t count() const { return addresses.size() / 16; }
  Ipv6Address address(std::size_t i) const { return Ipv6Address::load(addresses, i * 16); }
  friend bool operator==(const NdRecursiveDnsServer& a, const NdRecursiveDnsServer& b) {
    return a.lifetime == b.lifetime && same_bytes(a.addresses, b.addresses);
  }
};

// Any other option (RFC 4861 4.6: receivers skip options they do not know),
// and Source/Target Link-Layer Address options of a length other than
// Ethernet's. emit pads `data` with zeros to a multiple of 8 with type and
// length, and refuses a value that would read back as one of the kinds above.
struct NdUnknownOption {
  std::uint8_t type = 0;
  Bytes data;  // after type and length: length * 8 - 2 bytes
  friend bool operator==(const NdUnknownOption& a, const NdUnknownOption& b) {
    return a.type == b.type && same_bytes(a.data, b.data);
  }
};

using NdOption = std::variant<NdSourceLinkLayerAddress, NdTargetLinkLayerAddress, NdPrefixInformation,
                              NdRedirectedHeader, NdMtu, NdRecursiveDnsServer, NdUnknownOption>;

// The bound on options one message keeps. RFC 4861 sets none; a message with
// more is refused with too_many_options at the type byte of option 17 (a
// real RA carries a handful: SLLA, MTU, a few prefixes, RDNSS, DNSSL).
inline constexpr std::size_t nd_max_options = 16;
using NdOptions = InlineVector<NdOption, nd_max_options>;

// Interprets one option. Errors (offsets from the message start):
// bad_option_length at the length byte for Prefix Information not 4, MTU not
// 1, RDNSS below 3 or even (RFC 8106 5.1: 1 + 2n; the CVE-2020-16898 class);
// bad_option_value at the prefix-length byte when it exceeds 128.
ParseResult<NdOption> parse_nd_option(const NdOptionView& option);
// Walks and interprets a whole options area (`base` as for NdOptionReader).
ParseResult<NdOptions> parse_nd_options(Bytes options, std::size_t base);

std::size_t nd_option_len(const NdOption& option);  // on the wire, padding included
std::size_t nd_options_len(const NdOptions& options);
// Errors: buffer_too_small; unrepresentable for a value the parser would not
// read back (over 2040 bytes, RDNSS without addresses or not in 16-byte
// entries, prefix length over 128, L or A in reserved_flags, an
// NdUnknownOption of a known kind).
EmitResult emit_nd_option(const NdOption& option, MutableBytes out);
EmitResult emit_nd_options(const NdOptions& options, MutableBytes out);

// ---- Messages. parse() takes the whole ICMPv6 message (type, code and
// checksum included, checksum already checked by Icmpv6View); emit_fields()
// writes everything after the checksum into a message_len() buffer whose
// first 4 bytes are the caller's. Common errors: truncated below the minimum
// length; bad_field at 1 for a code other than 0 (RFC 4861: silently discard).

namespace nd_field {
inline constexpr Field code{1, 2};
inline constexpr Field reserved{4, 8};  // RS, NS, Redirect
// Router Solicitation (4.1)
inline constexpr std::size_t rs_options_begin = 8;
// Router Advertisement (4.2)
inline constexpr Field cur_hop_limit{4, 5};
inline constexpr Field ra_flags{5, 6};
inline constexpr Field router_lifetime{6, 8};
inline constexpr Field reachable_time{8, 12};
inline constexpr Field retrans_timer{12, 16};
inline constexpr std::size_t ra_options_begin = 16;
inline constexpr std::uint8_t ra_flag_managed = 0x80;  // M
inline constexpr std::uint8_t ra_flag_other = 0x40;    // O
// Neighbor Solicitation (4.3) / Advertisement (4.4)
inline constexpr Field na_flags{4, 5};
inline constexpr std::uint8_t na_flag_router = 0x80;     // R
inline constexpr std::uint8_t na_flag_solicited = 0x40;  // S
inline constexpr std::uint8_t na_flag_override = 0x20;   // O
inline constexpr Field target{8, 24};
inline constexpr std::size_t ns_options_begin = 24;
inline constexpr std::size_t na_options_begin = 24;
// Redirect (4.5)
inline constexpr Field destination{24, 40};
inline constexpr std::size_t redirect_options_begin = 40;
}  // namespace nd_field

struct NdRouterSolicitation {
  NdOptions options;

  static ParseResult<NdRouterSolicitation> parse(Bytes message);
  std::size_t message_len() const;
  EmitResult emit_fields(MutableBytes message) const;
  bool operator==(const NdRouterSolicitation&) const = default;
};

struct NdRouterAdvertisement {
  std::uint8_t cur_hop_limit = 0;              // 0: unspecified
  bool managed_address_configuration = false;  // M
  bool other_configuration = false;            // O
  // The flag byte's other bits as on the wire (RFC 4191 Prf, RFC 5175 ...),
  // kept so they round-trip.
  std::uint8_t reserved_flags = 0;
  std::uint16_t router_lifetime = 0;  // seconds; 0: not a default router
  std::uint32_t reachable_time = 0;   // ms; 0: unspecified
  std::uint32_t retrans_timer = 0;    // ms; 0: unspecified
  NdOptions options;

  static ParseResult<NdRouterAdvertisement> parse(Bytes message);
  std::size_t message_len() const;
  EmitResult emit_fields(MutableBytes message) const;
  bool operator==(const NdRouterAdvertisement&) const = default;
};

// Extra error: bad_field at 8 for a multicast target (RFC 4861 7.1.1).
struct NdNeighborSolicitation {
  Ipv6Address target;
  NdOptions options;

  static ParseResult<NdNeighborSolicitation> parse(Bytes message);
  std::size_t message_len() const;
  EmitResult emit_fields(MutableBytes message) const;
  bool operator==(const NdNeighborSolicitation&) const = default;
};

// Extra error: bad_field at 8 for a multicast target (RFC 4861 7.1.2).
struct NdNeighborAdvertisement {
  bool router = false;         // R
  bool solicited = false;      // S
  bool override_flag = false;  // O
  Ipv6Address target;
  NdOptions options;

  static ParseResult<NdNeighborAdvertisement> parse(Bytes message);
  std::size_t message_len() const;
  EmitResult emit_fields(MutableBytes message) const;
  bool operator==(const NdNeighborAdvertisement&) const = default;
};

// Extra errors (RFC 4861 8.1): bad_field at 24 for a multicast destination;
// bad_field at 8 for a target neither link-local nor equal to the destination.
struct NdRedirect {
  Ipv6Address target;       // the better first hop
  Ipv6Address destination;  // the address redirected
  NdOptions options;

  static ParseResult<NdRedirect> parse(Bytes message);
  std::size_t message_len() const;
  EmitResult emit_fields(MutableBytes message) const;
  bool operator==(const NdRedirect&) const = default;
};

}  // namespace hardstack::wire

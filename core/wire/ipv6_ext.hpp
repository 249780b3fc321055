// IPv6 extension headers (RFC 8200 4): the chain walk, TLV options (Hop-by-Hop
// and Destination Options, with RFC 2711 Router Alert and RFC 2675 Jumbo
// Payload), the Routing header (RFC 5095) and the Fragment header (RFC 6946,
// RFC 7112).
//
// Every offset here, in results and in errors, counts from the first byte of
// the IPv6 header: it is the ICMPv6 Parameter Problem pointer.
//
// Errors of the walk and what Linux answers them with (the stack's choice):
//   truncated @ datagram end      fewer than 8 bytes left for a header        silent
//   bad_header_length @ hdr+1     Hdr Ext Len runs past the datagram          silent
//   hop_by_hop_not_first @ NH     V6-EXT-1                                    param problem code 1
//   chain_too_long @ NH           a header beyond Ipv6ExtLimits (V6-EXT-8)    silent
//   bad_option_length @ option    option past its header, Router Alert length
//                                 != 2, Jumbo length != 4 (V6-EXT-4/6)        silent
//   bad_padding @ byte            > 7 padding bytes in a row, @ the 8th;
//                                 PadN with data, @ the non-zero byte         silent
//   too_many_options @ option     more non-padding options than the limit    silent
//   duplicate_option @ option     a second Jumbo Payload option               silent
//   bad_option_value @ option     Jumbo not at 4n+2 (V6-EXT-6)                silent in Linux
//   bad_option_value @ option+2   Jumbo Payload Length <= 65535 (RFC 2675 3) param problem code 0
//   bad_total_length @ option     Jumbo with Payload Length != 0 (RFC 2675)  param problem code 0
//   bad_total_length @ 4          Payload Length 0, Hop-by-Hop, no Jumbo
//                                 (RFC 2675 3); non-last fragment whose data
//                                 is not a multiple of 8 (V6-FRAG-2)          param problem code 0
//   bad_field @ fragment header   Fragment header with a Jumbo option        param problem code 0
//   bad_field @ hdr+2             fragment offset + length > 65535 (V6-FRAG-3) param problem code 0
//   truncated @ datagram end      non-atomic fragment with no data            silent
//   incomplete_header_chain @ 0   first fragment without the whole chain
//                                 through the upper-layer header (RFC 7112)   param problem code 3
// Not errors, reported in Ipv6ExtChain for the stack to act on: the upper-layer
// Next Header (V6-EXT-2), an unrecognised option's action (V6-EXT-3), a Routing
// header with Segments Left > 0 (V6-EXT-7), a fragment (V6-FRAG-*).
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "bytes.hpp"
#include "error.hpp"
#include "inline_vector.hpp"
#include "ipv6.hpp"

namespace hardstack::wire {

// TLV Option Types (IANA "Destination Options and Hop-by-Hop Options").
// Any other byte value is representable too.
enum class Ipv6OptionType : std::uint8_t {
  pad1 = 0x00,
  padn = 0x01,
  tunnel_encapsulation_limit = 0x04,  // RFC 2473, Destination Options
  router_alert = 0x05,                // RFC 2711, Hop-by-Hop
  calipso = 0x07,                     // RFC 5570
  quick_start = 0x26,                 // RFC 4782
  ioam = 0x31,                        // RFC 9486
  rpl = 0x63,                         // RFC 6553
  jumbo_payload = 0xc2,               // RFC 2675, Hop-by-Hop
  home_address = 0xc9,                // RFC 6275, Destination Options
};

// RFC 8200 4.2: the two high bits of an option type say what a node that does
// not recognise the option does.
enum class TlvAction : std::uint8_t {
  skip = 0,                           // 00: skip over it
  discard = 1,                        // 01: discard the packet silently
  discard_icmp = 2,                   // 10: discard, param problem code 2 even to multicast
  discard_icmp_unless_multicast = 3,  // 11: the same unless the destination is multicast
};
constexpr TlvAction tlv_action(Ipv6OptionType type) {
  return static_cast<TlvAction>(static_cast<std::uint8_t>(type) >> 6);
}
// RFC 8200 4.2: third-highest bit: the option data may change en route.
constexpr bool tlv_may_change(Ipv6OptionType type) { return (static_cast<std::uint8_t>(type) & 0x20) != 0; }

// Routing Types (IANA "Routing Types").
enum class Ipv6RoutingType : std::uint8_t {
  source_route = 0,  // RH0, deprecated by RFC 5095
  nimrod = 1,
  mobile_ipv6 = 2,       // RFC 6275
  rpl_source_route = 3,  // RFC 6554
  segment_routing = 4,   // RFC 8754
};

namespace ipv6_ext_field {
// Common to Hop-by-Hop, Routing and Destination Options (RFC 8200 4.3, 4.4, 4.6).
inline constexpr Field next_header{0, 1};
inline constexpr Field header_ext_len{1, 2};  // in 8-octet units, not counting the first 8
inline constexpr std::size_t options_begin = 2;
inline constexpr std::size_t unit = 8;
inline constexpr std::size_t min_header_len = 8;
inline constexpr std::size_t max_header_len = 256 * unit;
// Routing header (RFC 8200 4.4).
inline constexpr Field routing_type{2, 3};
inline constexpr Field segments_left{3, 4};
inline constexpr std::size_t routing_data_begin = 4;
// Fragment header (RFC 8200 4.5).
inline constexpr Field fragment_reserved{1, 2};
inline constexpr Field fragment_offset_flags{2, 4};  // offset:13 res:2 M:1
inline constexpr Field identification{4, 8};
inline constexpr std::size_t fragment_header_len = 8;
inline constexpr std::uint16_t more_fragments_flag = 0x0001;
inline constexpr std::uint16_t fragment_reserved_bits = 0x0006;
// A TLV option.
inline constexpr Field option_type{0, 1};
inline constexpr Field option_data_len{1, 2};
inline constexpr std::size_t option_data_begin = 2;
inline constexpr std::size_t max_padding_run = 7;  // RFC 4942 2.1.9.5, Linux ip6_parse_tlv
}  // namespace ipv6_ext_field

// Bounds of a chain walk (V6-EXT-5, V6-EXT-8). Linux bounds only the options
// per header (net.ipv6.max_{hbh,dst}_opts_number = 8); the chain bounds
// follow KAME's ip6_hdrnestlimit (15) and keep a chain within a page.
struct Ipv6ExtLimits {
  std::size_t max_headers = 16;            // extension headers walked
  std::size_t max_chain_bytes = 4096;      // bytes of extension headers
  std::size_t max_options_per_header = 8;  // non-padding TLV options in one header
};

// One TLV option as it sits in a header (padding included).
struct Ipv6Option {
  Ipv6OptionType type{};
  std::size_t offset = 0;  // of the Option Type byte, from the IPv6 header
  Bytes data;              // Option Data (empty for Pad1)
  TlvAction action() const { return tlv_action(type); }
  bool is_padding() const { return type == Ipv6OptionType::pad1 || type == Ipv6OptionType::padn; }
};

// Iterates the options of a Hop-by-Hop or Destination Options header. It
// never reads out of bounds: on bytes that do not form an option it ends
// (the chain walk reports such bytes as errors).
class Ipv6OptionIterator {
 public:
  Ipv6OptionIterator() = default;
  Ipv6OptionIterator(Bytes area, std::size_t base_offset) : area_(area), base_(base_offset) { settle(); }
  const Ipv6Option& operator*() const { return current_; }
  const Ipv6Option* operator->() const { return &current_; }
  Ipv6OptionIterator& operator++();
  bool operator==(const Ipv6OptionIterator& o) const { return at_end() == o.at_end(); }

 private:
  bool at_end() const { return len_ == 0; }
  void settle();
  Bytes area_;
  std::size_t base_ = 0;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;  // bytes of the current option, 0 at the end
  Ipv6Option current_;
};

// Checked view of a Hop-by-Hop or Destination Options header at `offset`
// of a datagram: the header lies inside it. The TLV contents are checked by
// the chain walk or Ipv6OptionsHeaderRepr::parse, not here.
class Ipv6OptionsHeaderView {
 public:
  static ParseResult<Ipv6OptionsHeaderView> parse(std::vector<std::byte>&&, std::size_t) = delete;
  // fewer than 8 bytes -> truncated @ datagram.size(); Hdr Ext Len past
  // the datagram -> bad_header_length @ offset + 1.
  static ParseResult<Ipv6OptionsHeaderView> parse(Bytes datagram, std::size_t offset);

  Ipv6NextHeader next_header() const { return static_cast<Ipv6NextHeader>(load_u8(header_, 0)); }
  std::size_t header_len() const { return header_.size(); }
  std::size_t offset() const { return offset_; }
  Ipv6OptionIterator begin() const {
    return {header_.subspan(ipv6_ext_field::options_begin), offset_ + ipv6_ext_field::options_begin};
  }
  Ipv6OptionIterator end() const { return {}; }
  Bytes bytes() const { return header_; }

 private:
  Ipv6OptionsHeaderView(Bytes header, std::size_t offset) : header_(header), offset_(offset) {}
  Bytes header_;
  std::size_t offset_;
};

class Ipv6RoutingHeaderView {
 public:
  static ParseResult<Ipv6RoutingHeaderView> parse(std::vector<std::byte>&&, std::size_t) = delete;
  // As Ipv6OptionsHeaderView::parse.
  static ParseResult<Ipv6RoutingHeaderView> parse(Bytes datagram, std::size_t offset);

  Ipv6NextHeader next_header() const { return static_cast<Ipv6NextHeader>(load_u8(header_, 0)); }
  std::size_t header_len() const { return header_.size(); }
  Ipv6RoutingType routing_type() const {
    return static_cast<Ipv6RoutingType>(load_u8(header_, ipv6_ext_field::routing_type.begin));
  }
  std::uint8_t segments_left() const { return load_u8(header_, ipv6_ext_field::segments_left.begin); }
  // Type-specific data: everything after Segments Left.
  Bytes data() const { return header_.subspan(ipv6_ext_field::routing_data_begin); }
  std::size_t offset() const { return offset_; }
  // V6-EXT-7: the param-problem pointer for an unsupported type with Segments Left > 0.
  std::size_t routing_type_offset() const { return offset_ + ipv6_ext_field::routing_type.begin; }
  Bytes bytes() const { return header_; }

 private:
  Ipv6RoutingHeaderView(Bytes header, std::size_t offset) : header_(header), offset_(offset) {}
  Bytes header_;
  std::size_t offset_;
};

class Ipv6FragmentHeaderView {
 public:
  static ParseResult<Ipv6FragmentHeaderView> parse(std::vector<std::byte>&&, std::size_t) = delete;
  // fewer than 8 bytes -> truncated @ datagram.size().
  static ParseResult<Ipv6FragmentHeaderView> parse(Bytes datagram, std::size_t offset);

  Ipv6NextHeader next_header() const { return static_cast<Ipv6NextHeader>(load_u8(header_, 0)); }
  std::uint8_t reserved() const { return load_u8(header_, ipv6_ext_field::fragment_reserved.begin); }
  // In 8-octet units, as on the wire.
  std::uint16_t fragment_offset() const { return flags() >> 3; }
  std::size_t fragment_offset_bytes() const { return std::size_t{fragment_offset()} * 8; }
  std::uint8_t reserved_bits() const {
    return static_cast<std::uint8_t>((flags() & ipv6_ext_field::fragment_reserved_bits) >> 1);
  }
  bool more_fragments() const { return (flags() & ipv6_ext_field::more_fragments_flag) != 0; }
  std::uint32_t identification() const { return load_be32(header_, ipv6_ext_field::identification.begin); }
  // RFC 6946: offset 0 and M=0: a whole datagram, never reassembled.
  bool is_atomic() const { return fragment_offset() == 0 && !more_fragments(); }
  std::size_t offset() const { return offset_; }
  std::size_t fragment_offset_field_offset() const {
    return offset_ + ipv6_ext_field::fragment_offset_flags.begin;
  }
  Bytes bytes() const { return header_; }

 private:
  Ipv6FragmentHeaderView(Bytes header, std::size_t offset) : header_(header), offset_(offset) {}
  std::uint16_t flags() const { return load_be16(header_, ipv6_ext_field::fragment_offset_flags.begin); }
  Bytes header_;
  std::size_t offset_;
};

// Why the walk stopped.
enum class Ipv6ChainEnd : std::uint8_t {
  // next_header names no header walked here (0, 43, 44, 60): an upper-layer
  // protocol, 59, ESP, AH, or a value nobody knows (V6-EXT-2: the stack's).
  upper_layer,
  // A Fragment header that is not atomic: what follows is fragment data, to
  // reassemble and walk again (RFC 8200 4.5). A first fragment was checked
  // to hold the whole chain through the upper-layer header (RFC 7112).
  fragment,
  // A Routing header with Segments Left > 0 (V6-EXT-7: the stack processes
  // the types it supports, else param problem @ routing type).
  routing,
  // An unrecognised option whose action is not `skip` (V6-EXT-3): the stack
  // discards the packet, with or without a param problem code 2.
  unknown_option,
};

struct Ipv6UnknownOption {
  Ipv6OptionType type{};
  std::size_t offset = 0;  // of the Option Type byte: the code 2 pointer
  TlvAction action() const { return tlv_action(type); }
  bool operator==(const Ipv6UnknownOption&) const = default;
};

// The result of walking a datagram's extension headers: single pass, no
// allocation, bounded by Ipv6ExtLimits. Every check in the table above is
// done; the walk stops at the first of the Ipv6ChainEnd conditions, which is
// where Linux stops processing the packet too (later headers are not read).
struct Ipv6ExtChain {
  Ipv6ChainEnd end = Ipv6ChainEnd::upper_layer;
  // upper_layer: the value that ended the walk; fragment, routing,
  // unknown_option: the Next Header of the header where the walk stopped.
  Ipv6NextHeader next_header = Ipv6NextHeader::no_next_header;
  // Offset of the Next Header field holding next_header (V6-EXT-2 pointer).
  std::size_t next_header_offset = ipv6_field::next_header.begin;
  // upper_layer: first byte of the upper-layer header; fragment: first byte
  // of the fragment data; routing: first byte of the Routing header;
  // unknown_option: the option's type byte.
  std::size_t end_offset = ipv6_field::header_len;
  // Just past the last extension header walked (40 when there is none).
  std::size_t chain_end = ipv6_field::header_len;
  std::size_t header_count = 0;
  // Hop-by-Hop findings. Router Alert: the last one wins, as in Linux.
  std::optional<std::uint16_t> router_alert;
  std::size_t router_alert_offset = 0;
  std::optional<std::uint32_t> jumbo_payload_length;
  std::size_t jumbo_offset = 0;
  // The last Fragment header and Routing header walked; 0 when none (no
  // extension header starts before byte 40).
  std::size_t fragment_header_offset = 0;
  std::size_t routing_header_offset = 0;
  Ipv6UnknownOption unknown_option;  // when end == unknown_option

  static ParseResult<Ipv6ExtChain> walk(const Ipv6View& ip, const Ipv6ExtLimits& limits = {});
  std::size_t chain_len() const { return chain_end - ipv6_field::header_len; }
};

// ---- Representations ----------------------------------------------------

// A non-padding TLV option. Data is borrowed; equality compares its bytes.
struct Ipv6OptionRepr {
  Ipv6OptionType type{};
  Bytes data;  // at most 255 bytes
  bool operator==(const Ipv6OptionRepr& o) const { return type == o.type && same_bytes(data, o.data); }
};

inline constexpr std::size_t ipv6_repr_max_options = 16;
inline constexpr std::size_t ipv6_repr_max_headers = 16;

// Hop-by-Hop (RFC 8200 4.3) or Destination Options (4.6) header. Padding is
// not kept: emit() puts Pad1/PadN at the end to an 8-byte multiple and, in a
// Hop-by-Hop header, before a Jumbo option to align it at 4n+2 (elsewhere
// 0xc2 is an unrecognised option with no alignment); never more than 7 bytes
// in a row. So a parsed header re-emits no longer than it came.
struct Ipv6OptionsHeaderRepr {
  Ipv6NextHeader next_header = Ipv6NextHeader::no_next_header;
  InlineVector<Ipv6OptionRepr, ipv6_repr_max_options> options;

  // One whole header on its own (e.g. an IPV6_HOPOPTS cmsg, CMSG-7): `header`
  // is exactly the header, offsets in errors count from its start. Checks as
  // the walk, but the Jumbo option's relation to a Payload Length, which this
  // header does not have. Length mismatch -> bad_header_length @ 1.
  static ParseResult<Ipv6OptionsHeaderRepr> parse(Bytes header, bool hop_by_hop,
                                                  const Ipv6ExtLimits& limits = {});
  std::size_t header_len(bool hop_by_hop) const;
  EmitResult emit(MutableBytes out, bool hop_by_hop) const;
  bool operator==(const Ipv6OptionsHeaderRepr&) const = default;
};

// Routing header (RFC 8200 4.4); the type-specific data is borrowed.
struct Ipv6RoutingHeaderRepr {
  Ipv6NextHeader next_header = Ipv6NextHeader::no_next_header;
  Ipv6RoutingType routing_type = Ipv6RoutingType::segment_routing;
  std::uint8_t segments_left = 0;
  Bytes data;  // 4 + data.size() must be a multiple of 8, at most 2048

  static ParseResult<Ipv6RoutingHeaderRepr> parse(Bytes header);  // exactly one header
  std::size_t header_len() const { return ipv6_ext_field::routing_data_begin + data.size(); }
  EmitResult emit(MutableBytes out) const;
  bool operator==(const Ipv6RoutingHeaderRepr& o) const {
    return next_header == o.next_header && routing_type == o.routing_type &&
           segments_left == o.segments_left && same_bytes(data, o.data);
  }
};

// Fragment header (RFC 8200 4.5). Reserved fields are kept so a round trip
// is exact; a sender leaves them 0.
struct Ipv6FragmentHeaderRepr {
  Ipv6NextHeader next_header = Ipv6NextHeader::no_next_header;
  std::uint16_t fragment_offset = 0;  // in 8-octet units, 13 bits
  bool more_fragments = false;
  std::uint32_t identification = 0;
  std::uint8_t reserved = 0;       // the 8-bit field after Next Header
  std::uint8_t reserved_bits = 0;  // the 2 bits between offset and M

  static ParseResult<Ipv6FragmentHeaderRepr> parse(Bytes header);  // exactly 8 bytes
  static ParseResult<Ipv6FragmentHeaderRepr> parse(const Ipv6FragmentHeaderView& view);
  static constexpr std::size_t header_len() { return ipv6_ext_field::fragment_header_len; }
  bool is_atomic() const { return fragment_offset == 0 && !more_fragments; }
  // fragment_offset above 13 bits or reserved_bits above 2 -> unrepresentable.
  EmitResult emit(MutableBytes out) const;
  bool operator==(const Ipv6FragmentHeaderRepr&) const = default;
};

// One extension header of a chain. `kind` is the Next Header value that
// names it: hop_by_hop and destination_options hold Ipv6OptionsHeaderRepr.
struct Ipv6ExtHeaderRepr {
  Ipv6NextHeader kind = Ipv6NextHeader::destination_options;
  std::variant<Ipv6OptionsHeaderRepr, Ipv6RoutingHeaderRepr, Ipv6FragmentHeaderRepr> header;

  static Ipv6ExtHeaderRepr hop_by_hop(const Ipv6OptionsHeaderRepr& h) {
    return {Ipv6NextHeader::hop_by_hop, h};
  }
  static Ipv6ExtHeaderRepr destination_options(const Ipv6OptionsHeaderRepr& h) {
    return {Ipv6NextHeader::destination_options, h};
  }
  static Ipv6ExtHeaderRepr routing(const Ipv6RoutingHeaderRepr& h) { return {Ipv6NextHeader::routing, h}; }
  static Ipv6ExtHeaderRepr fragment(const Ipv6FragmentHeaderRepr& h) { return {Ipv6NextHeader::fragment, h}; }

  Ipv6NextHeader next_header() const;
  std::size_t header_len() const;
  // A kind that does not match the alternative -> unrepresentable.
  EmitResult emit(MutableBytes out) const;
  bool operator==(const Ipv6ExtHeaderRepr&) const = default;
};

// The extension headers of a datagram, in order: what the fuzz round trip
// and packet builders use. parse() walks like Ipv6ExtChain::walk with every
// check, but does not stop at a Routing header or an unrecognised option
// (they are kept as values); it stops at the upper layer or after a
// non-atomic Fragment header. More headers than ipv6_repr_max_headers, or
// options than ipv6_repr_max_options, fail as chain_too_long /
// too_many_options whatever the limits say.
struct Ipv6ExtChainRepr {
  InlineVector<Ipv6ExtHeaderRepr, ipv6_repr_max_headers> headers;

  static ParseResult<Ipv6ExtChainRepr> parse(const Ipv6View& ip, const Ipv6ExtLimits& limits = {});
  std::size_t chain_len() const;
  // What the IPv6 header's Next Header field names: the first header's
  // kind, or `upper_layer` for an empty chain.
  Ipv6NextHeader first_header(Ipv6NextHeader upper_layer) const {
    return headers.empty() ? upper_layer : headers[0].kind;
  }
  // Writes the headers back to back. A header's Next Header that does not
  // name the header after it, or Hop-by-Hop not first -> unrepresentable.
  EmitResult emit(MutableBytes out) const;
  bool operator==(const Ipv6ExtChainRepr&) const = default;
};

}  // namespace hardstack::wire

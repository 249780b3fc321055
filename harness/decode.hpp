// Frames decoded layer by layer into named fields, through the wire layer's
// views and representations: what matchers compare and what a failing test
// prints. Field values are text in one canonical form per kind (decimal
// numbers, "0x0800" for EtherTypes and checksums, RFC 5952 addresses, hex for
// bytes, "true"/"false"), so a matcher states its expectation in the same
// form; a note carries what helps a reader ("port_unreachable", "ok").
//
//   Ethernet: dst=02:00:00:00:00:02 src=02:00:00:00:00:01 type=0x0800 (IPv4)
//   IPv4: version=4 ihl=5 ... ttl=64 protocol=1 (ICMP) checksum=0x1c46 (ok) src=192.0.2.1 dst=192.0.2.2
//   ICMPv4: message=destination_unreachable type=3 code=3 (port_unreachable) ... quote=4500...(36 bytes)
//     IPv4: ...            <- the quoted datagram, one level in
//
// Decoding stops at the first layer that does not parse; the error names it
// and the byte (from the frame's start). Checksums are verified and reported
// per layer (a bad one is not a decode error: the fields are still shown).
// An ICMP error's quote, or a first fragment's upper layer, is decoded as
// far as it goes without making the frame an error.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hardstack/net/device.hpp"
#include "hardstack/wire/error.hpp"

namespace hardstack::harness {

// Bytes and how to read them: an Ethernet frame (the default) or raw IP.
// Borrows the bytes, which must outlive it (a temporary lives as long as the
// full expression that passes it to a matcher).
struct Frame {
  std::span<const std::byte> bytes;
  net::LinkType link = net::LinkType::ethernet;
  Frame(std::span<const std::byte> b, net::LinkType l = net::LinkType::ethernet)  // NOLINT
      : bytes(b), link(l) {}
  Frame(const std::vector<std::byte>& b, net::LinkType l = net::LinkType::ethernet)  // NOLINT
      : bytes(b), link(l) {}
};
inline Frame raw_ip(std::span<const std::byte> bytes) { return {bytes, net::LinkType::raw_ip}; }

struct DecodedField {
  std::string name;
  std::string value;  // what matchers compare
  std::string note;   // for readers only
  bool operator==(const DecodedField&) const = default;
};

struct DecodedLayer {
  std::string name;        // "Ethernet", "IPv4", "Hop-by-Hop", "UDP", "ICMPv6", "data", ...
  unsigned depth = 0;      // 0: the frame; 1: inside an ICMP error's quote, ...
  std::size_t offset = 0;  // of the layer's first byte in the frame
  std::vector<DecodedField> fields;
  std::optional<bool> checksum_ok;  // for layers with a verified checksum

  const DecodedField* field(std::string_view name) const;
  // "IPv4: version=4 ihl=5 ..." (indented two spaces per depth).
  std::string to_string() const;
};

struct DecodeError {
  std::string layer;       // the layer that did not parse
  wire::ParseError error;  // offset from the frame's start
  unsigned depth = 0;
  std::string to_string() const;  // "UDP: bad_length at byte 38"
};

struct DecodedFrame {
  std::size_t size = 0;
  net::LinkType link = net::LinkType::ethernet;
  std::vector<DecodedLayer> layers;
  std::optional<DecodeError> error;  // at depth 0: the frame itself is malformed

  // The first layer named `name` at `depth`, at or after index `from`.
  const DecodedLayer* find(std::string_view name, unsigned depth = 0, std::size_t from = 0) const;
  // Every layer on its own line, then the error if any.
  std::string to_string(std::string_view indent = "") const;
};

DecodedFrame decode(const Frame& frame);
// A packet from the builders, read by its link type.
class Packet;
DecodedFrame decode(const Packet& packet);

// The ways values are written, shared with the matchers.
namespace format {
std::string number(unsigned long long v);
std::string hex16(std::uint16_t v);               // "0x0800"
std::string bytes(std::span<const std::byte> b);  // "68690a" (full)
std::string boolean(bool v);                      // "true" / "false"
std::string tcp_flags(std::uint16_t bits);        // "SA": Scapy's letters, FSRPAUECN order
// A value as printed: long hex cut to its first 32 bytes, with the length.
std::string abbreviated(const std::string& value);
}  // namespace format

}  // namespace hardstack::harness

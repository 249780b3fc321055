// What every packet builder shares (builders.hpp is what tests include):
// the argument types that take text or values, and the overrides every
// layer has (patches) or layers with a checksum have.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "hardstack/wire/address.hpp"

namespace hardstack::harness {

class Packet;

// ---- Arguments -----------------------------------------------------------------

// Address text, parsed (aborting on a typo); also the wire types themselves.
wire::MacAddress mac(std::string_view text);
wire::Ipv4Address ip4(std::string_view text);
wire::Ipv6Address ip6(std::string_view text);

struct MacArg {
  wire::MacAddress value;
  MacArg(wire::MacAddress v) : value(v) {}             // NOLINT(google-explicit-constructor)
  MacArg(const char* text) : value(mac(text)) {}       // NOLINT(google-explicit-constructor)
  MacArg(std::string_view text) : value(mac(text)) {}  // NOLINT(google-explicit-constructor)
};
struct Ipv4Arg {
  wire::Ipv4Address value;
  Ipv4Arg(wire::Ipv4Address v) : value(v) {}            // NOLINT(google-explicit-constructor)
  Ipv4Arg(const char* text) : value(ip4(text)) {}       // NOLINT(google-explicit-constructor)
  Ipv4Arg(std::string_view text) : value(ip4(text)) {}  // NOLINT(google-explicit-constructor)
};
struct Ipv6Arg {
  wire::Ipv6Address value;
  Ipv6Arg(wire::Ipv6Address v) : value(v) {}            // NOLINT(google-explicit-constructor)
  Ipv6Arg(const char* text) : value(ip6(text)) {}       // NOLINT(google-explicit-constructor)
  Ipv6Arg(std::string_view text) : value(ip6(text)) {}  // NOLINT(google-explicit-constructor)
};

// Bytes given to a builder, owned: a byte vector or span, a Packet (its
// bytes: an ICMP error's quote), or text taken as ASCII ("hi").
struct ByteArg {
  std::vector<std::byte> bytes;
  ByteArg() = default;
  ByteArg(std::span<const std::byte> b) : bytes(b.begin(), b.end()) {}  // NOLINT(google-explicit-constructor)
  ByteArg(const std::vector<std::byte>& b) : bytes(b) {}                // NOLINT(google-explicit-constructor)
  ByteArg(std::vector<std::byte>&& b) : bytes(std::move(b)) {}          // NOLINT(google-explicit-constructor)
  ByteArg(const Packet& p);                                             // NOLINT(google-explicit-constructor)
  ByteArg(const char* text) : ByteArg(std::string_view(text)) {}        // NOLINT(google-explicit-constructor)
  ByteArg(std::string_view text);                                       // NOLINT(google-explicit-constructor)
};

// ---- What every layer can override ---------------------------------------------

// A write over a built layer: `bytes` at `offset` from the layer's first byte,
// each byte merged under `mask` (0xff: replaced; 0x0f: low nibble only).
struct Patch {
  std::size_t offset = 0;
  std::vector<std::byte> bytes;
  std::uint8_t mask = 0xff;
};

template <typename Derived>
class Patchable {
 public:
  Derived patch(std::size_t offset, ByteArg bytes) const {
    return with(Patch{offset, std::move(bytes.bytes)});
  }
  const std::vector<Patch>& patches() const { return patches_; }

 protected:
  Derived with(Patch p) const {
    Derived d = static_cast<const Derived&>(*this);
    d.patches_.push_back(std::move(p));
    return d;
  }
  Derived with_u8(std::size_t offset, std::uint8_t v, std::uint8_t mask = 0xff) const {
    return with(Patch{offset, {std::byte{v}}, mask});
  }
  Derived with_be16(std::size_t offset, std::uint16_t v) const {
    return with(Patch{offset, {std::byte(v >> 8), std::byte(v & 0xff)}});
  }
  std::vector<Patch> patches_;
};

// The checksum of a layer that has one.
struct ChecksumOverride {
  std::optional<std::uint16_t> value;  // written as given
  bool bad = false;                    // the correct value with a bit flipped, never 0
};

template <typename Derived>
class Checksummed : public Patchable<Derived> {
 public:
  Derived checksum(std::uint16_t value) const {
    Derived d = static_cast<const Derived&>(*this);
    d.checksum_.value = value;
    return d;
  }
  Derived bad_checksum() const {
    Derived d = static_cast<const Derived&>(*this);
    d.checksum_.bad = true;
    return d;
  }
  const ChecksumOverride& checksum_override() const { return checksum_; }

 protected:
  ChecksumOverride checksum_;
};

// ---- Data ------------------------------------------------------------------------------

// Upper-layer data, counted in every length and checksum before it. Also a
// matcher argument (match.hpp): the payload a layer must carry.
struct Payload {
  std::vector<std::byte> bytes;
};
Payload payload(ByteArg bytes);
Payload payload(std::size_t count, std::uint8_t fill);

// Link-layer padding after the packet: counted in no length or checksum
// (Ethernet's minimum frame, trailing bytes past an IP Total Length).
struct Padding {
  std::vector<std::byte> bytes;
};
Padding padding(std::size_t count, std::uint8_t fill = 0);
Padding padding(ByteArg bytes);

}  // namespace hardstack::harness

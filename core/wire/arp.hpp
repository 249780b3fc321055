// ARP (RFC 826). The view accepts any hardware/protocol sizes the packet
// declares; the representation is Ethernet + IPv4, the only pairing a stack
// on Ethernet resolves.
#pragma once

#include <cstdint>
#include <vector>

#include "address.hpp"
#include "bytes.hpp"
#include "error.hpp"

namespace hardstack::wire {

enum class ArpOperation : std::uint16_t { request = 1, reply = 2 };

namespace arp_field {
inline constexpr Field hardware_type{0, 2};
inline constexpr Field protocol_type{2, 4};
inline constexpr Field hardware_len{4, 5};
inline constexpr Field protocol_len{5, 6};
inline constexpr Field operation{6, 8};
inline constexpr std::size_t fixed_len = 8;  // then sha, spa, tha, tpa
inline constexpr std::uint16_t hardware_ethernet = 1;
inline constexpr std::uint16_t protocol_ipv4 = 0x0800;
inline constexpr std::size_t ethernet_ipv4_len = fixed_len + 2 * (6 + 4);
}  // namespace arp_field

class ArpView {
 public:
  // A view borrows its bytes: viewing a temporary buffer does not compile.
  static ParseResult<ArpView> parse(std::vector<std::byte>&&) = delete;
  static ParseResult<ArpView> parse(Bytes packet);

  std::uint16_t hardware_type() const { return load_be16(bytes_, arp_field::hardware_type.begin); }
  std::uint16_t protocol_type() const { return load_be16(bytes_, arp_field::protocol_type.begin); }
  std::uint8_t hardware_len() const { return load_u8(bytes_, arp_field::hardware_len.begin); }
  std::uint8_t protocol_len() const { return load_u8(bytes_, arp_field::protocol_len.begin); }
  std::uint16_t operation() const { return load_be16(bytes_, arp_field::operation.begin); }
  Bytes sender_hardware_address() const { return bytes_.subspan(arp_field::fixed_len, hardware_len()); }
  Bytes sender_protocol_address() const {
    return bytes_.subspan(arp_field::fixed_len + hardware_len(), protocol_len());
  }
  Bytes target_hardware_address() const {
    return bytes_.subspan(arp_field::fixed_len + hardware_len() + protocol_len(), hardware_len());
  }
  Bytes target_protocol_address() const {
    return bytes_.subspan(arp_field::fixed_len + 2 * hardware_len() + protocol_len(), protocol_len());
  }
  // Fixed part plus the four addresses; Ethernet padding after it is not ARP's.
  std::size_t packet_len() const { return arp_field::fixed_len + 2u * (hardware_len() + protocol_len()); }
  Bytes bytes() const { return bytes_; }

 private:
  explicit ArpView(Bytes b) : bytes_(b) {}
  Bytes bytes_;
};

struct ArpRepr {
  ArpOperation operation = ArpOperation::request;
  MacAddress sender_hardware_address;
  Ipv4Address sender_protocol_address;
  MacAddress target_hardware_address;
  Ipv4Address target_protocol_address;

  // Fails with `unsupported` (at the offending field) for anything but
  // Ethernet/IPv4, and with `bad_field` for an operation other than 1 or 2.
  static ParseResult<ArpRepr> parse(const ArpView& view);
  static constexpr std::size_t packet_len() { return arp_field::ethernet_ipv4_len; }
  EmitResult emit(MutableBytes out) const;
  bool operator==(const ArpRepr&) const = default;
};

}  // namespace hardstack::wire

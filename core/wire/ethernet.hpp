// Ethernet II frames (IEEE 802.3 with EtherType), with at most one 802.1Q tag.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "address.hpp"
#include "bytes.hpp"
#include "error.hpp"

namespace hardstack::wire {

enum class EtherType : std::uint16_t {
  ipv4 = 0x0800,
  arp = 0x0806,
  vlan = 0x8100,  // IEEE 802.1Q tag
  ipv6 = 0x86dd,
};

namespace ethernet_field {
inline constexpr Field destination{0, 6};
inline constexpr Field source{6, 12};
inline constexpr Field ethertype{12, 14};
inline constexpr Field vlan_tci{14, 16};         // when ethertype is 0x8100
inline constexpr Field vlan_inner_type{16, 18};  // when ethertype is 0x8100
inline constexpr std::size_t header_len = 14;
inline constexpr std::size_t tagged_header_len = 18;
}  // namespace ethernet_field

// Checked view: after parse() succeeds every accessor stays inside the frame.
class EthernetView {
 public:
  // A view borrows its bytes: viewing a temporary buffer does not compile.
  static ParseResult<EthernetView> parse(std::vector<std::byte>&&) = delete;
  static ParseResult<EthernetView> parse(Bytes frame);

  MacAddress destination() const { return MacAddress::load(bytes_, ethernet_field::destination.begin); }
  MacAddress source() const { return MacAddress::load(bytes_, ethernet_field::source.begin); }
  // The EtherType of the payload (the inner one when the frame is tagged).
  EtherType ethertype() const;
  bool is_tagged() const { return header_len_ == ethernet_field::tagged_header_len; }
  std::uint16_t vlan_tci() const;  // 0 when untagged
  std::size_t header_len() const { return header_len_; }
  Bytes payload() const { return bytes_.subspan(header_len_); }
  Bytes bytes() const { return bytes_; }

 private:
  EthernetView(Bytes b, std::size_t header_len) : bytes_(b), header_len_(header_len) {}
  Bytes bytes_;
  std::size_t header_len_;
};

struct EthernetRepr {
  MacAddress destination;
  MacAddress source;
  EtherType ethertype = EtherType::ipv4;
  std::optional<std::uint16_t> vlan_tci;  // 802.1Q tag control information

  static EthernetRepr parse(const EthernetView& view);
  std::size_t header_len() const {
    return vlan_tci ? ethernet_field::tagged_header_len : ethernet_field::header_len;
  }
  // Writes the header then `payload`; returns the frame length.
  EmitResult emit(MutableBytes out, Bytes payload = {}) const;
  bool operator==(const EthernetRepr&) const = default;
};

}  // namespace hardstack::wire

#include "ipv6.hpp"

namespace hardstack::wire {

namespace f = ipv6_field;

namespace {

constexpr std::uint8_t jumbo_payload_type = 0xc2;  // RFC 2675 2
constexpr std::uint8_t pad1_type = 0x00;

struct JumboLocation {
  std::size_t option_offset = 0;  // 0: none found
  std::uint32_t value = 0;
};

// The first Jumbo Payload option of the Hop-by-Hop header at byte 40, if it
// is usable (length 4, alignment 4n+2, value > 65535). A structurally broken
// header or a bad Jumbo option yields none: the chain walk reports why.
JumboLocation find_jumbo(Bytes packet) {
  constexpr std::size_t at = f::header_len;
  if (packet.size() < at + 8) return {};
  const std::size_t end = at + (static_cast<std::size_t>(load_u8(packet, at + 1)) + 1) * 8;
  if (end > packet.size()) return {};
  std::size_t off = at + 2;
  while (off < end) {
    const std::uint8_t type = load_u8(packet, off);
    if (type == pad1_type) {
      ++off;
      continue;
    }
    if (end - off < 2) return {};
    const std::size_t optlen = static_cast<std::size_t>(load_u8(packet, off + 1)) + 2;
    if (optlen > end - off) return {};
    if (type == jumbo_payload_type) {
      if (optlen != 6 || (off & 3) != 2) return {};
      const std::uint32_t value = load_be32(packet, off + 2);
      if (value <= f::max_payload_len) return {};
      return {off, value};
    }
    off += optlen;
  }
  return {};
}

}  // namespace

ParseResult<Ipv6View> Ipv6View::parse(Bytes packet) {
  if (packet.size() < f::header_len) return parse_error(WireError::truncated, packet.size());
  if ((load_u8(packet, 0) >> 4) != 6) return parse_error(WireError::bad_version, 0);
  const std::size_t payload_len = load_be16(packet, f::payload_length.begin);
  const auto next = static_cast<Ipv6NextHeader>(load_u8(packet, f::next_header.begin));
  if (payload_len != 0 || next != Ipv6NextHeader::hop_by_hop) {
    // RFC 8200 3 / V6-HDR-1: the datagram must be all there; trailing bytes are not ours.
    if (payload_len > packet.size() - f::header_len)
      return parse_error(WireError::bad_total_length, f::payload_length.begin);
    return Ipv6View(packet, f::header_len + payload_len, false);
  }
  // RFC 2675 3: payload length 0 with Hop-by-Hop first: the Jumbo option decides.
  const JumboLocation jumbo = find_jumbo(packet);
  if (jumbo.option_offset == 0) return Ipv6View(packet, packet.size(), false);
  if (jumbo.value > packet.size() - f::header_len)
    return parse_error(WireError::bad_total_length, jumbo.option_offset + 2);
  return Ipv6View(packet, f::header_len + jumbo.value, true);
}

Ipv6Repr Ipv6Repr::parse(const Ipv6View& view) {
  Ipv6Repr r;
  r.src = view.src();
  r.dst = view.dst();
  r.next_header = view.next_header();
  r.hop_limit = view.hop_limit();
  r.traffic_class = view.traffic_class();
  r.flow_label = view.flow_label();
  r.payload_len = view.payload_len();
  return r;
}

EmitResult Ipv6Repr::emit(MutableBytes out, Bytes payload) const {
  if (flow_label > f::max_flow_label) return emit_error(WireError::unrepresentable);
  if (out.size() < f::header_len || payload.size() > out.size() - f::header_len)
    return emit_error(WireError::buffer_too_small);
  store_be32(out, f::version_class_flow.begin,
             (std::uint32_t{6} << 28) | (std::uint32_t{traffic_class} << 20) | flow_label);
  store_be16(out, f::payload_length.begin, payload_len);
  store_u8(out, f::next_header.begin, static_cast<std::uint8_t>(next_header));
  store_u8(out, f::hop_limit.begin, hop_limit);
  src.store(out, f::source.begin);
  dst.store(out, f::destination.begin);
  copy_into(out, f::header_len, payload);
  return f::header_len + payload.size();
}

}  // namespace hardstack::wire

#include "ipv4.hpp"

#include "checksum.hpp"

namespace hardstack::wire {

namespace f = ipv4_field;

ParseResult<Ipv4View> Ipv4View::parse(Bytes packet, ChecksumMode mode) {
  // Linux ip_rcv_core order (seed 001). First the fixed header must be there.
  if (packet.size() < f::header_len) return parse_error(WireError::truncated, packet.size());
  const std::uint8_t version_ihl = load_u8(packet, f::version_ihl.begin);
  // V4-HDR-1, RFC 1122 3.2.1.1: version 4 only.
  if ((version_ihl >> 4) != f::version) return parse_error(WireError::bad_version, f::version_ihl.begin);
  // V4-HDR-2, RFC 791: IHL counts 32-bit words, at least 5.
  const std::size_t header_len = std::size_t{version_ihl & 0x0fu} * 4;
  if (header_len < f::header_len) return parse_error(WireError::bad_header_length, f::version_ihl.begin);
  if (packet.size() < header_len) return parse_error(WireError::truncated, packet.size());
  // V4-HDR-3, RFC 1122 3.2.1.2: the header checksum covers the header only.
  if (mode == ChecksumMode::verify && !checksum_verifies(ChecksumAccumulator{}.add(packet.first(header_len))))
    return parse_error(WireError::bad_checksum, f::checksum.begin);
  // V4-HDR-2: total length within what arrived, and not shorter than the header.
  const std::size_t total_len = load_be16(packet, f::total_length.begin);
  if (total_len > packet.size() || total_len < header_len)
    return parse_error(WireError::bad_total_length, f::total_length.begin);
  // V4-HDR-2: bytes past the total length are link padding, never delivered.
  return Ipv4View(packet.first(total_len));
}

ParseResult<Ipv4Repr> Ipv4Repr::parse(const Ipv4View& view) {
  // One return object, filled in place: the repr is not copied on the way out.
  ParseResult<Ipv4Repr> result{Ipv4Repr{}};
  Ipv4Repr& r = *result;
  if (auto ok = Ipv4Options::parse_into(r.options, view.options(), f::options, Ipv4OptionsOrigin::received);
      !ok) {
    result = Unexpected(ok.error());
    return result;
  }
  r.src = view.src();
  r.dst = view.dst();
  r.protocol = view.protocol();
  r.ttl = view.ttl();
  r.dscp = view.dscp();
  r.ecn = view.ecn();
  r.identification = view.identification();
  r.dont_fragment = view.dont_fragment();
  r.more_fragments = view.more_fragments();
  r.fragment_offset = view.fragment_offset();
  r.payload_len = static_cast<std::uint16_t>(view.payload_len());
  return result;
}

namespace {

// Every field fits its bits, the options their 40 bytes, the datagram 65535.
bool representable(const Ipv4Repr& r) {
  return r.options.padded_len() <= ipv4_option_field::max_area_len && r.dscp <= f::max_dscp &&
         r.ecn <= f::max_ecn && r.fragment_offset <= f::fragment_offset_mask &&
         r.total_len() <= f::max_total_len;
}

}  // namespace

EmitResult Ipv4Repr::emit_header(MutableBytes out) const {
  if (!representable(*this)) return emit_error(WireError::unrepresentable);
  const std::size_t hlen = header_len();
  if (out.size() < hlen) return emit_error(WireError::buffer_too_small);
  store_u8(out, f::version_ihl.begin, static_cast<std::uint8_t>(f::version << 4 | hlen / 4));
  store_u8(out, f::dscp_ecn.begin, static_cast<std::uint8_t>(dscp << 2 | ecn));
  store_be16(out, f::total_length.begin, static_cast<std::uint16_t>(total_len()));
  store_be16(out, f::identification.begin, identification);
  std::uint16_t flags_fragment = fragment_offset;
  if (dont_fragment) flags_fragment |= f::flag_dont_fragment;
  if (more_fragments) flags_fragment |= f::flag_more_fragments;
  store_be16(out, f::flags_fragment_offset.begin, flags_fragment);
  store_u8(out, f::ttl.begin, ttl);
  store_u8(out, f::protocol.begin, protocol);
  store_be16(out, f::checksum.begin, 0);
  src.store(out, f::source.begin);
  dst.store(out, f::destination.begin);
  (void)options.emit(out.subspan(f::options)).value();  // size and length checked above
  store_be16(out, f::checksum.begin, internet_checksum(Bytes(out).first(hlen)));
  return hlen;
}

EmitResult Ipv4Repr::emit(MutableBytes out, Bytes payload) const {
  if (payload.size() != payload_len || !representable(*this)) return emit_error(WireError::unrepresentable);
  if (out.size() < total_len()) return emit_error(WireError::buffer_too_small);
  auto written = emit_header(out);
  if (!written) return written;
  copy_into(out, *written, payload);
  return *written + payload.size();
}

}  // namespace hardstack::wire

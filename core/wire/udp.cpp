#include "udp.hpp"

namespace hardstack::wire {

namespace f = udp_field;

ParseResult<UdpView> UdpView::parse(Bytes ip_payload) {
  if (ip_payload.size() < f::header_len) return parse_error(WireError::truncated, ip_payload.size());
  // UDP-1 (RFC 768; Linux __udp4_lib_rcv: ulen > skb->len or ulen < 8 ->
  // short_packet, else trim to ulen): the length covers the header and may not
  // claim more than the IP layer delivered. RFC 2675 jumbograms (length 0 over
  // IPv6) are not supported and fail here too.
  const std::size_t length = load_be16(ip_payload, f::length.begin);
  if (length < f::header_len || length > ip_payload.size())
    return parse_error(WireError::bad_length, f::length.begin);
  return UdpView(ip_payload);
}

bool UdpView::verify_checksum(const PseudoHeader& pseudo) const {
  // RFC 768 / RFC 8200 8.1: the pseudo-header length is the UDP length field.
  auto acc = pseudo.start(ip_protocol_udp, length());
  acc.add(datagram());
  return checksum_verifies(acc);
}

ParseResult<UdpRepr> UdpRepr::parse(const UdpView& view, const PseudoHeader& pseudo, ChecksumMode mode) {
  if (!view.has_checksum()) {
    // RFC 8200 8.1: IPv6 receivers discard UDP packets with a zero checksum.
    if (pseudo.is_v6()) return parse_error(WireError::bad_checksum, f::checksum.begin);
    // RFC 768: over IPv4, zero means the sender computed no checksum.
  } else if (mode == ChecksumMode::verify && !view.verify_checksum(pseudo)) {
    return parse_error(WireError::bad_checksum, f::checksum.begin);
  }
  UdpRepr r;
  r.src_port = view.src_port();
  r.dst_port = view.dst_port();
  r.payload_len = view.payload().size();
  return r;
}

EmitResult UdpRepr::emit(MutableBytes out, Bytes payload, const PseudoHeader& pseudo) const {
  if (payload.size() != payload_len) return emit_error(WireError::unrepresentable);
  if (payload_len > f::max_datagram_len - f::header_len) return emit_error(WireError::unrepresentable);
  const std::size_t total = datagram_len();
  if (out.size() < total) return emit_error(WireError::buffer_too_small);
  store_be16(out, f::source_port.begin, src_port);
  store_be16(out, f::destination_port.begin, dst_port);
  store_be16(out, f::length.begin, static_cast<std::uint16_t>(total));
  store_be16(out, f::checksum.begin, 0);
  copy_into(out, f::header_len, payload);
  auto acc = pseudo.start(ip_protocol_udp, static_cast<std::uint32_t>(total));
  acc.add(Bytes(out).first(total));
  std::uint16_t checksum = acc.checksum();
  // RFC 768: a computed zero is transmitted as all ones (zero means "none").
  if (checksum == 0) checksum = 0xffff;
  store_be16(out, f::checksum.begin, checksum);
  return total;
}

}  // namespace hardstack::wire

#include "tcp.hpp"

namespace hardstack::wire {

namespace f = tcp_field;

ParseResult<TcpView> TcpView::parse(Bytes segment) {
  if (segment.size() < f::header_len) return parse_error(WireError::truncated, segment.size());
  // TCP-HDR-1 (RFC 9293 3.1, Linux tcp_v4_rcv: doff < sizeof(tcphdr)/4 -> bad
  // segment): the data offset counts the 20-byte header, and may not reach past
  // the segment.
  const std::size_t data_offset = load_u8(segment, f::data_offset.begin) >> 4;
  if (data_offset < f::min_data_offset || data_offset * 4 > segment.size())
    return parse_error(WireError::bad_header_length, f::data_offset.begin);
  return TcpView(segment);
}

bool TcpView::verify_checksum(const PseudoHeader& pseudo) const {
  auto acc = pseudo.start(ip_protocol_tcp, static_cast<std::uint32_t>(bytes_.size()));
  acc.add(bytes_);
  return checksum_verifies(acc);
}

ParseResult<TcpRepr> TcpRepr::parse(const TcpView& view, const PseudoHeader& pseudo, ChecksumMode mode) {
  // One return object, filled in place: the repr is not copied on the way out.
  ParseResult<TcpRepr> result{TcpRepr{}};
  if (mode == ChecksumMode::verify && !view.verify_checksum(pseudo)) {
    result = parse_error(WireError::bad_checksum, f::checksum.begin);
    return result;
  }
  TcpRepr& r = *result;
  r.src_port = view.src_port();
  r.dst_port = view.dst_port();
  r.seq = view.seq();
  r.ack = view.ack();
  r.flags = view.flags();
  r.window = view.window();
  r.urgent_pointer = view.urgent_pointer();
  std::uint8_t ignored = 0;  // TCP-OPT-1: never an error
  (void)TcpOptions::parse_into(r.options, ignored, view.options(), f::options_begin);
  r.payload_len = view.payload().size();
  return result;
}

Result<std::size_t, WireError> TcpRepr::header_len() const {
  const auto options_len = options.encoded_len();
  if (!options_len) return emit_error(options_len.error());
  return f::header_len + *options_len;
}

EmitResult TcpRepr::emit(MutableBytes out, Bytes payload, const PseudoHeader& pseudo) const {
  if (payload.size() != payload_len) return emit_error(WireError::unrepresentable);
  const auto hlen = header_len();
  if (!hlen) return emit_error(hlen.error());
  const std::size_t limit = pseudo.is_v6() ? 0xffffffffu : 0xffffu;
  if (payload_len > limit - *hlen) return emit_error(WireError::unrepresentable);
  const std::size_t total = *hlen + payload_len;
  if (out.size() < total) return emit_error(WireError::buffer_too_small);

  store_be16(out, f::source_port.begin, src_port);
  store_be16(out, f::destination_port.begin, dst_port);
  store_be32(out, f::sequence_number.begin, seq.value());
  store_be32(out, f::acknowledgment_number.begin, ack.value());
  // Data offset in the high nibble, then the reserved and control bits.
  const auto data_offset = static_cast<std::uint16_t>(*hlen / 4);
  store_be16(out, f::flags.begin, static_cast<std::uint16_t>(data_offset << 12 | flags.bits()));
  store_be16(out, f::window.begin, window);
  store_be16(out, f::checksum.begin, 0);
  store_be16(out, f::urgent_pointer.begin, urgent_pointer);
  const auto written = options.emit(out.subspan(f::options_begin, *hlen - f::header_len));
  if (!written) return emit_error(written.error());
  copy_into(out, *hlen, payload);

  auto acc = pseudo.start(ip_protocol_tcp, static_cast<std::uint32_t>(total));
  acc.add(Bytes(out).first(total));
  // RFC 9293 3.1: unlike UDP, a TCP checksum of 0 is sent as is.
  store_be16(out, f::checksum.begin, acc.checksum());
  return total;
}

}  // namespace hardstack::wire

#include "arp.hpp"

namespace hardstack::wire {

namespace f = arp_field;

ParseResult<ArpView> ArpView::parse(Bytes packet) {
  if (packet.size() < f::fixed_len) return parse_error(WireError::truncated, packet.size());
  const ArpView view(packet);
  if (packet.size() < view.packet_len()) return parse_error(WireError::truncated, packet.size());
  return view;
}

ParseResult<ArpRepr> ArpRepr::parse(const ArpView& view) {
  if (view.hardware_type() != f::hardware_ethernet)
    return parse_error(WireError::unsupported, f::hardware_type.begin);
  if (view.protocol_type() != f::protocol_ipv4)
    return parse_error(WireError::unsupported, f::protocol_type.begin);
  if (view.hardware_len() != 6) return parse_error(WireError::bad_length, f::hardware_len.begin);
  if (view.protocol_len() != 4) return parse_error(WireError::bad_length, f::protocol_len.begin);
  const auto op = view.operation();
  if (op != static_cast<std::uint16_t>(ArpOperation::request) &&
      op != static_cast<std::uint16_t>(ArpOperation::reply))
    return parse_error(WireError::bad_field, f::operation.begin);
  ArpRepr r;
  r.operation = static_cast<ArpOperation>(op);
  r.sender_hardware_address = MacAddress::load(view.sender_hardware_address(), 0);
  r.sender_protocol_address = Ipv4Address::load(view.sender_protocol_address(), 0);
  r.target_hardware_address = MacAddress::load(view.target_hardware_address(), 0);
  r.target_protocol_address = Ipv4Address::load(view.target_protocol_address(), 0);
  return r;
}

EmitResult ArpRepr::emit(MutableBytes out) const {
  if (out.size() < packet_len()) return emit_error(WireError::buffer_too_small);
  store_be16(out, f::hardware_type.begin, f::hardware_ethernet);
  store_be16(out, f::protocol_type.begin, f::protocol_ipv4);
  store_u8(out, f::hardware_len.begin, 6);
  store_u8(out, f::protocol_len.begin, 4);
  store_be16(out, f::operation.begin, static_cast<std::uint16_t>(operation));
  sender_hardware_address.store(out, 8);
  sender_protocol_address.store(out, 14);
  target_hardware_address.store(out, 18);
  target_protocol_address.store(out, 24);
  return packet_len();
}

}  // namespace hardstack::wire

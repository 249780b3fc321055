#include "ethernet.hpp"

namespace hardstack::wire {

namespace f = ethernet_field;

ParseResult<EthernetView> EthernetView::parse(Bytes frame) {
  if (frame.size() < f::header_len) return parse_error(WireError::truncated, frame.size());
  if (load_be16(frame, f::ethertype.begin) != static_cast<std::uint16_t>(EtherType::vlan))
    return EthernetView(frame, f::header_len);
  if (frame.size() < f::tagged_header_len) return parse_error(WireError::truncated, frame.size());
  // A second tag (QinQ) is not handled: say so at the inner type field.
  if (load_be16(frame, f::vlan_inner_type.begin) == static_cast<std::uint16_t>(EtherType::vlan))
    return parse_error(WireError::unsupported, f::vlan_inner_type.begin);
  return EthernetView(frame, f::tagged_header_len);
}

EtherType EthernetView::ethertype() const {
  const auto at = is_tagged() ? f::vlan_inner_type.begin : f::ethertype.begin;
  return static_cast<EtherType>(load_be16(bytes_, at));
}

std::uint16_t EthernetView::vlan_tci() const {
  return is_tagged() ? load_be16(bytes_, f::vlan_tci.begin) : 0;
}

EthernetRepr EthernetRepr::parse(const EthernetView& view) {
  EthernetRepr r;
  r.destination = view.destination();
  r.source = view.source();
  r.ethertype = view.ethertype();
  if (view.is_tagged()) r.vlan_tci = view.vlan_tci();
  return r;
}

EmitResult EthernetRepr::emit(MutableBytes out, Bytes payload) const {
  if (ethertype == EtherType::vlan) return emit_error(WireError::unrepresentable);
  const std::size_t hlen = header_len();
  if (out.size() < hlen + payload.size()) return emit_error(WireError::buffer_too_small);
  destination.store(out, f::destination.begin);
  source.store(out, f::source.begin);
  if (vlan_tci) {
    store_be16(out, f::ethertype.begin, static_cast<std::uint16_t>(EtherType::vlan));
    store_be16(out, f::vlan_tci.begin, *vlan_tci);
    store_be16(out, f::vlan_inner_type.begin, static_cast<std::uint16_t>(ethertype));
  } else {
    store_be16(out, f::ethertype.begin, static_cast<std::uint16_t>(ethertype));
  }
  copy_into(out, hlen, payload);
  return hlen + payload.size();
}

}  // namespace hardstack::wire

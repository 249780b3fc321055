// Ethernet II (with one optional 802.1Q tag) and ARP.
// Invariants: errors point inside the input; a frame that parses re-emits to
// bytes that parse to the same value, and emit never writes into a buffer
// too small for the frame; an ARP packet likewise; views borrow the input;
// the addresses carried are classified as IEEE 802 / RFC 1122 define and
// their text forms read back.
#include <array>

#include "fuzz_support.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/ethernet.hpp"

using namespace hardstack::wire;

namespace {

void check_arp(Bytes packet, std::size_t base, std::size_t input_size) {
  auto view = ArpView::parse(packet);
  if (!view) {
    auto e = view.error();
    e.offset += static_cast<std::uint32_t>(base);
    hardstack::fuzz::check_error_offset(e, input_size);
    return;
  }
  HS_FUZZ_CHECK(view->bytes().data() == packet.data() && view->bytes().size() == packet.size());
  HS_FUZZ_CHECK(view->packet_len() <= packet.size());
  auto repr = ArpRepr::parse(*view);
  if (!repr) {
    HS_FUZZ_CHECK(repr.error().offset < view->packet_len());
    return;
  }
  hardstack::fuzz::check_address(repr->sender_hardware_address);
  hardstack::fuzz::check_address(repr->sender_protocol_address);
  hardstack::fuzz::check_address(repr->target_protocol_address);
  std::array<std::byte, ArpRepr::packet_len()> out{};
  // One byte short: refused, not cut.
  auto too_small = repr->emit(MutableBytes(out).first(ArpRepr::packet_len() - 1));
  HS_FUZZ_CHECK(!too_small && too_small.error() == WireError::buffer_too_small);
  auto written = repr->emit(out);
  HS_FUZZ_CHECK(written && *written == ArpRepr::packet_len());
  auto again = ArpView::parse(out);
  HS_FUZZ_CHECK(again.has_value());
  auto again_repr = ArpRepr::parse(*again);
  HS_FUZZ_CHECK(again_repr && *again_repr == *repr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = hardstack::fuzz::as_bytes(data, size);
  auto view = EthernetView::parse(input);
  if (!view) {
    hardstack::fuzz::check_error_offset(view.error(), size);
    return 0;
  }
  HS_FUZZ_CHECK(view->bytes().data() == input.data() && view->bytes().size() == size);
  const auto repr = EthernetRepr::parse(*view);
  hardstack::fuzz::check_address(repr.destination);
  hardstack::fuzz::check_address(repr.source);
  std::array<std::byte, 1600> out{};
  const auto payload = view->payload().first(std::min<std::size_t>(view->payload().size(), 1500));
  // A tag is taken apart at parse, so the value never names 0x8100 itself.
  HS_FUZZ_CHECK(repr.ethertype != EtherType::vlan);
  const std::size_t frame_len = repr.header_len() + payload.size();
  auto too_small = repr.emit(MutableBytes(out).first(frame_len - 1), payload);
  HS_FUZZ_CHECK(!too_small && too_small.error() == WireError::buffer_too_small);
  auto written = repr.emit(out, payload);
  HS_FUZZ_CHECK(written && *written == frame_len);
  auto again = EthernetView::parse(Bytes(out).first(*written));
  HS_FUZZ_CHECK(again && EthernetRepr::parse(*again) == repr);
  if (view->ethertype() == EtherType::arp) check_arp(view->payload(), view->header_len(), size);
  return 0;
}

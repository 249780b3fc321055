// frame_info: parse an Ethernet frame given as hex and say what it is, or
// exactly what is wrong with it and where. Shows the embedding API: checked
// views, plain representations, typed errors with byte offsets.
//
//   frame_info ffffffffffff0200000000010806...
#include <cstdio>
#include <string>

#include <hardstack/harness/hex.hpp>
#include <hardstack/wire/arp.hpp>
#include <hardstack/wire/ethernet.hpp>

using namespace hardstack::wire;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s HEX_FRAME\n", argv[0]);
    return 2;
  }
  const auto bytes = hardstack::harness::parse_hex(argv[1]);
  if (!bytes) {
    std::fprintf(stderr, "frame_info: not hex: %s\n", argv[1]);
    return 2;
  }
  const auto frame = EthernetView::parse(*bytes);
  if (!frame) {
    std::printf("ethernet: %s\n", describe(frame.error()).c_str());
    return 1;
  }
  std::printf("ethernet %s -> %s type 0x%04x\n", frame->source().to_string().c_str(),
              frame->destination().to_string().c_str(), static_cast<unsigned>(frame->ethertype()));
  if (frame->ethertype() == EtherType::arp) {
    const auto view = ArpView::parse(frame->payload());
    if (!view) {
      std::printf("arp: %s (from the start of the ARP packet)\n", describe(view.error()).c_str());
      return 1;
    }
    const auto arp = ArpRepr::parse(*view);
    if (!arp) {
      std::printf("arp: %s (from the start of the ARP packet)\n", describe(arp.error()).c_str());
      return 1;
    }
    std::printf(
        "arp %s: who has %s? tell %s\n", arp->operation == ArpOperation::request ? "request" : "reply",
        arp->target_protocol_address.to_string().c_str(), arp->sender_protocol_address.to_string().c_str());
  }
  return 0;
}

// wire_dump: decode Ethernet frames with hardstack's wire layer and print one
// JSON object per frame, layer by layer ({"eth": {...}, "arp": {...}}), or the
// first error ({"error": "bad_option_length", "layer": "ipv4", "offset": 22}).
// tools/crosscheck_scapy.py feeds it packets built by Scapy and compares the
// fields with Scapy's own dissection.
//
//   echo ffffffffffff02...0806... | wire_dump
#include <iostream>
#include <string>

#include "hardstack/harness/hex.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "json_out.hpp"

using namespace hardstack::wire;
using hardstack::tools::JsonObject;

namespace {

// Collects the layers of one frame; stops at the first error.
class Dump {
 public:
  void layer(std::string_view name, const JsonObject& o) { top_.raw(name, o.str()); }
  void error(std::string_view layer, const ParseError& e, std::size_t base) {
    top_.field("error", to_string(e.code)).field("layer", layer).field("offset", e.offset + base);
  }
  std::string str() const { return top_.str(); }

 private:
  JsonObject top_;
};

void dump_arp(Dump& d, Bytes packet, std::size_t base) {
  const auto view = ArpView::parse(packet);
  if (!view) return d.error("arp", view.error(), base);
  const auto arp = ArpRepr::parse(*view);
  if (!arp) return d.error("arp", arp.error(), base);
  d.layer("arp", JsonObject()
                     .field("op", static_cast<unsigned>(arp->operation))
                     .field("hwsrc", arp->sender_hardware_address.to_string())
                     .field("psrc", arp->sender_protocol_address.to_string())
                     .field("hwdst", arp->target_hardware_address.to_string())
                     .field("pdst", arp->target_protocol_address.to_string()));
}

std::string dump_frame(Bytes frame) {
  Dump d;
  const auto eth = EthernetView::parse(frame);
  if (!eth) {
    d.error("eth", eth.error(), 0);
    return d.str();
  }
  JsonObject e;
  e.field("dst", eth->destination().to_string())
      .field("src", eth->source().to_string())
      .field("type", static_cast<unsigned>(eth->ethertype()));
  if (eth->is_tagged()) e.field("vlan_tci", eth->vlan_tci());
  d.layer("eth", e);
  const auto base = eth->header_len();
  switch (eth->ethertype()) {
    case EtherType::arp: dump_arp(d, eth->payload(), base); break;
    default: break;
  }
  return d.str();
}

}  // namespace

int main() {
  std::string line;
  int status = 0;
  while (std::getline(std::cin, line)) {
    const auto bytes = hardstack::harness::parse_hex(line);
    if (!bytes) {
      std::cerr << "wire_dump: not a hex line: " << line << "\n";
      status = 2;
      std::cout << "{\"error\":\"not_hex\"}\n";
      continue;
    }
    std::cout << dump_frame(*bytes) << "\n";
  }
  return status;
}

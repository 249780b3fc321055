// emit_samples: build frames with hardstack's representations and emit() only
// (no hand-written bytes), write them to a pcap, and write beside it the
// protocol stack each frame should dissect as (tshark's frame.protocols).
// tools/check_pcap_tshark.py then has tshark dissect them with checksum
// validation on and fails on any malformed packet or expert error.
//
//   emit_samples OUT.pcap   # also writes OUT.pcap.expected
#include <array>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "hardstack/harness/pcap.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/ethernet.hpp"

using namespace hardstack::wire;

namespace {

const MacAddress mac_a = *MacAddress::from_string("02:00:00:00:00:01");
const MacAddress mac_b = *MacAddress::from_string("02:00:00:00:00:02");

struct Sample {
  std::string expected_protocols;  // e.g. "eth:ethertype:arp"
  std::vector<std::byte> frame;
};

// Wraps an emitted payload in an Ethernet header.
Sample ethernet(std::string protocols, EtherType type, std::span<const std::byte> payload,
                std::optional<std::uint16_t> vlan = std::nullopt) {
  EthernetRepr eth{mac_b, mac_a, type, vlan};
  Sample s{std::move(protocols), std::vector<std::byte>(eth.header_len() + payload.size())};
  const auto n = eth.emit(s.frame, payload);
  if (!n) {
    std::fprintf(stderr, "emit_samples: ethernet emit failed: %s\n", to_string(n.error()));
    std::exit(1);
  }
  return s;
}

template <typename Repr>
std::vector<std::byte> emit_arp(const Repr& r) {
  std::vector<std::byte> out(ArpRepr::packet_len());
  if (!r.emit(out)) std::exit(1);
  return out;
}

std::vector<Sample> samples() {
  std::vector<Sample> all;
  const ArpRepr request{ArpOperation::request, mac_a, *Ipv4Address::from_string("192.0.2.1"), MacAddress{},
                        *Ipv4Address::from_string("192.0.2.2")};
  const ArpRepr reply{ArpOperation::reply, mac_b, *Ipv4Address::from_string("192.0.2.2"), mac_a,
                      *Ipv4Address::from_string("192.0.2.1")};
  all.push_back(ethernet("eth:ethertype:arp", EtherType::arp, emit_arp(request)));
  all.push_back(ethernet("eth:ethertype:arp", EtherType::arp, emit_arp(reply)));
  all.push_back(ethernet("eth:ethertype:vlan:ethertype:arp", EtherType::arp, emit_arp(request), 0x6064));
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.pcap\n", argv[0]);
    return 2;
  }
  hardstack::harness::PcapWriter pcap;
  if (!pcap.open(argv[1], hardstack::harness::LinkType::ethernet)) {
    std::fprintf(stderr, "emit_samples: cannot write %s\n", argv[1]);
    return 1;
  }
  std::ofstream expected(std::string(argv[1]) + ".expected");
  std::uint64_t t = 0;
  for (const auto& s : samples()) {
    pcap.write(s.frame, t += 1000);
    expected << s.expected_protocols << "\n";
  }
  return pcap.close() && expected.good() ? 0 : 1;
}

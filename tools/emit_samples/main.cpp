// emit_samples: build frames with hardstack's representations and emit() only
// (no hand-written bytes), write them to a pcap, and write beside it, per
// frame, the protocol stack it should dissect as (tshark's frame.protocols)
// and the sample's name. tools/check_pcap_tshark.py then has tshark dissect
// them with checksum validation on and fails on any malformed packet or
// expert warning/error.
//
// The samples are in samples_v4.cpp and samples_v6.cpp, built from what
// samples.hpp declares; here they are put in order and written out.
//
//   emit_samples OUT.pcap   # also writes OUT.pcap.expected: "<protocols> <name>" per frame
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "hardstack/harness/pcap.hpp"
#include "samples.hpp"

using namespace hardstack::tools::samples;

namespace {

// Every sample, in the order the frames are written.
std::vector<Sample> samples() {
  Samples s;
  arp_samples(s);
  ipv4_samples(s);
  udp_samples(s);
  tcp_samples(s, false);
  icmp_samples(s);
  ipv6_samples(s);
  udp6_samples(s);
  tcp_samples(s, true);
  icmpv6_samples(s);
  return s.all();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.pcap\n", argv[0]);
    return 2;
  }
  hardstack::harness::PcapWriter pcap;
  if (!pcap.open(argv[1], hardstack::harness::PcapLinkType::ethernet)) {
    std::fprintf(stderr, "emit_samples: cannot write %s\n", argv[1]);
    return 1;
  }
  std::ofstream expected(std::string(argv[1]) + ".expected");
  std::uint64_t t = 0;
  for (const auto& s : samples()) {
    pcap.write(s.frame, t += 1000);
    expected << s.protocols << " " << s.name << "\n";
  }
  return pcap.close() && expected.good() ? 0 : 1;
}

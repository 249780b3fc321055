// frame_log_to_pcap: turn a stateful fuzz target's input (a frame log,
// fuzzers/frame_log.hpp: a crasher, a seed, a regression) into a pcap that
// Wireshark opens: one packet per frame record, stamped with the virtual time
// the log had reached (the log starts at 1 s), so the capture shows the
// sequence and its timing as the target saw it.
//
//   frame_log_to_pcap [--link ethernet|raw] [--prelude N] [--list] LOG OUT.pcap
//
//   --link     the pcap's link type: ethernet (LINKTYPE_ETHERNET, default) or
//              raw (LINKTYPE_RAW, IPv4/IPv6 without a link header)
//   --prelude  how many configuration bytes the target reads before the
//              records (default 1; see fuzzers/README.md for each target)
//   --list     also print every record on stdout, one line each
//
// Lost in the pcap: the prelude (printed on stderr), frame selectors, and
// time steps after the last frame. A truncated last frame is written as it
// is in the log (cut). Exit status 0, or 1 on an I/O error, 2 on bad usage.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "frame_log.hpp"
#include "hardstack/harness/file.hpp"
#include "hardstack/harness/pcap.hpp"

namespace fl = hardstack::fuzz::frame_log;
using hardstack::harness::PcapLinkType;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: frame_log_to_pcap [--link ethernet|raw] [--prelude N] [--list] LOG OUT.pcap\n");
  return 2;
}

bool parse_size(const char* s, std::size_t& out) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || *end != '\0' || v > 1024) return false;
  out = static_cast<std::size_t>(v);
  return true;
}

void print_time(hardstack::net::Instant t) {
  std::printf("%" PRId64 ".%09" PRId64, t.ns() / 1'000'000'000, t.ns() % 1'000'000'000);
}

}  // namespace

int main(int argc, char** argv) {
  PcapLinkType link = PcapLinkType::ethernet;
  std::size_t prelude_size = 1;
  bool list = false;
  std::vector<const char*> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--link" && i + 1 < argc) {
      const std::string v = argv[++i];
      if (v == "ethernet") {
        link = PcapLinkType::ethernet;
      } else if (v == "raw") {
        link = PcapLinkType::raw_ip;
      } else {
        return usage();
      }
    } else if (arg == "--prelude" && i + 1 < argc) {
      if (!parse_size(argv[++i], prelude_size)) return usage();
    } else if (arg == "--list") {
      list = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage();
    } else {
      paths.push_back(argv[i]);
    }
  }
  if (paths.size() != 2) return usage();

  std::vector<std::byte> bytes;
  if (!hardstack::harness::read_file(paths[0], bytes)) {
    std::fprintf(stderr, "frame_log_to_pcap: cannot read %s\n", paths[0]);
    return 1;
  }
  hardstack::harness::PcapWriter pcap;
  if (!pcap.open(paths[1], link)) {
    std::fprintf(stderr, "frame_log_to_pcap: cannot write %s\n", paths[1]);
    return 1;
  }
  const fl::Log log(bytes, prelude_size);
  std::fprintf(stderr, "frame_log_to_pcap: prelude");
  for (const std::byte b : log.prelude()) std::fprintf(stderr, " %02x", std::to_integer<unsigned>(b));
  if (log.prelude().size() < prelude_size) std::fprintf(stderr, " (short: the rest reads as 00)");
  std::fprintf(stderr, "\n");

  std::size_t frames = 0;
  std::size_t steps = 0;
  bool ok = true;
  fl::for_each_record(log, [&](const fl::Record& r) {
    if (list) {
      std::printf("%6zu  ", r.offset);
      print_time(r.at);
      if (r.kind == fl::RecordKind::time) {
        std::printf("  time   +%" PRId64 " ms (%u << %u)\n", r.step.count_ms(), unsigned{r.value},
                    unsigned{r.shift});
      } else {
        std::printf("  frame  %zu bytes, selector %u%s\n", r.frame.size(), unsigned{r.selector},
                    r.truncated ? ", cut at the log's end" : "");
      }
    }
    if (r.kind == fl::RecordKind::time) {
      ++steps;
      return;
    }
    ++frames;
    ok = ok && pcap.write(r.frame, static_cast<std::uint64_t>(r.at.ns()));
  });
  ok = pcap.close() && ok;
  if (!ok) {
    std::fprintf(stderr, "frame_log_to_pcap: error writing %s\n", paths[1]);
    return 1;
  }
  std::fprintf(stderr, "frame_log_to_pcap: %zu frames, %zu time steps -> %s\n", frames, steps, paths[1]);
  return 0;
}

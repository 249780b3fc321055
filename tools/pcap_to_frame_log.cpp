// pcap_to_frame_log: turn a capture (a real network's, or one
// frame_log_to_pcap wrote) into a frame log (fuzzers/frame_log.hpp) for a
// stateful fuzz target: a seed, or an edited crasher. Each packet becomes a
// frame record; the time between packets becomes time steps (whole
// milliseconds: each packet lands on its capture time rounded down to the
// millisecond since the start, so rounding never accumulates).
//
//   pcap_to_frame_log [--prelude HEX] [--selector N] [--absolute] IN.pcap OUT.log
//
//   --prelude   the target's configuration bytes, in hex (default 00: one
//               zero byte; "" for none); see fuzzers/README.md
//   --selector  the selector every frame gets (default 0)
//   --absolute  timestamps are the log's own virtual times (the pcap came
//               from frame_log_to_pcap): the log's clock starts at 1 s, so a
//               first packet at 3.5 s comes after 2500 ms of steps. Without
//               it the first packet arrives at the log's start.
//
// Reads classic pcap (microsecond or nanosecond, either byte order) and
// pcapng (Enhanced, Simple and obsolete Packet blocks; per-interface
// timestamp resolution). The link type is printed, not converted: the
// target decides what a frame is (Ethernet for stack_packets). A packet
// longer than 65535 bytes is cut to it (a warning says so); packets going
// back in time arrive at the log's current time. Exit status 0, 1 on an
// I/O or format error, 2 on bad usage.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "frame_log.hpp"
#include "hardstack/harness/file.hpp"
#include "hardstack/harness/hex.hpp"

namespace fl = hardstack::fuzz::frame_log;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: pcap_to_frame_log [--prelude HEX] [--selector N] [--absolute] IN.pcap OUT.log\n");
  return 2;
}

// One captured packet: its bytes (a view into the file), its timestamp in
// nanoseconds, its link type.
struct Packet {
  std::span<const std::byte> data;
  std::int64_t ns = 0;
  std::uint32_t link = 0;
  std::uint32_t original_len = 0;
};

// Reads integers of either byte order from a file image, bounds-checked.
class Image {
 public:
  explicit Image(std::span<const std::byte> b) : b_(b) {}
  std::size_t size() const { return b_.size(); }
  bool has(std::size_t at, std::size_t n) const { return at <= b_.size() && n <= b_.size() - at; }
  std::uint32_t u32(std::size_t at) const {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const std::size_t k = little_ ? 3 - i : i;
      v = (v << 8) | std::to_integer<std::uint32_t>(b_[at + k]);
    }
    return v;
  }
  std::uint16_t u16(std::size_t at) const {
    const auto a = std::to_integer<std::uint16_t>(b_[at]);
    const auto b = std::to_integer<std::uint16_t>(b_[at + 1]);
    return static_cast<std::uint16_t>(little_ ? (b << 8 | a) : (a << 8 | b));
  }
  std::uint8_t u8(std::size_t at) const { return std::to_integer<std::uint8_t>(b_[at]); }
  std::span<const std::byte> bytes(std::size_t at, std::size_t n) const { return b_.subspan(at, n); }
  void set_little(bool little) { little_ = little; }

 private:
  std::span<const std::byte> b_;
  bool little_ = true;
};

bool fail(const char* what, std::size_t at) {
  std::fprintf(stderr, "pcap_to_frame_log: %s at byte %zu\n", what, at);
  return false;
}

// Classic libpcap format.
bool read_pcap(Image& img, std::vector<Packet>& out) {
  if (!img.has(0, 24)) return fail("file shorter than a pcap header", 0);
  img.set_little(true);
  const std::uint32_t magic = img.u32(0);
  bool nano = false;
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
    nano = magic == 0xa1b23c4d;
  } else {
    img.set_little(false);
    const std::uint32_t be = img.u32(0);
    if (be != 0xa1b2c3d4 && be != 0xa1b23c4d) return fail("not a pcap or pcapng file (magic)", 0);
    nano = be == 0xa1b23c4d;
  }
  const std::uint32_t link = img.u32(20) & 0x0fffffff;  // upper bits: FCS length flags
  for (std::size_t at = 24; at < img.size();) {
    if (!img.has(at, 16)) return fail("packet header cut", at);
    const std::uint32_t sec = img.u32(at);
    const std::uint32_t frac = img.u32(at + 4);
    const std::uint32_t caplen = img.u32(at + 8);
    const std::uint32_t len = img.u32(at + 12);
    if (!img.has(at + 16, caplen)) return fail("packet data cut", at);
    const std::int64_t ns =
        std::int64_t{sec} * 1'000'000'000 + (nano ? std::int64_t{frac} : std::int64_t{frac} * 1000);
    out.push_back({img.bytes(at + 16, caplen), ns, link, len});
    at += 16 + std::size_t{caplen};
  }
  return true;
}

// pcapng: one or more sections, each with its interfaces.
struct Interface {
  std::uint32_t link = 0;
  bool binary = false;  // if_tsresol: 2^-exp seconds, else 10^-exp
  unsigned exp = 6;
};

std::int64_t to_ns(std::uint64_t ts, const Interface& itf) {
  if (itf.binary)
    return static_cast<std::int64_t>(
        std::ldexp(static_cast<long double>(ts) * 1e9L, -static_cast<int>(itf.exp)));
  if (itf.exp <= 9) {
    std::uint64_t scale = 1;
    for (unsigned i = itf.exp; i < 9; ++i) scale *= 10;
    return static_cast<std::int64_t>(ts * scale);
  }
  std::uint64_t div = 1;
  for (unsigned i = 9; i < itf.exp && i < 28; ++i) div *= 10;
  return static_cast<std::int64_t>(ts / div);
}

bool read_pcapng(Image& img, std::vector<Packet>& out) {
  std::vector<Interface> interfaces;
  std::int64_t last_ns = 0;
  for (std::size_t at = 0; at < img.size();) {
    if (!img.has(at, 12)) return fail("block header cut", at);
    std::uint32_t type = img.u32(at);
    if (type == 0x0a0d0d0a) {  // Section Header: its byte-order magic sets the order
      img.set_little(true);
      if (img.u32(at + 8) != 0x1a2b3c4d) {
        img.set_little(false);
        if (img.u32(at + 8) != 0x1a2b3c4d) return fail("bad section byte-order magic", at + 8);
      }
      type = img.u32(at);
      interfaces.clear();
    }
    const std::uint32_t total = img.u32(at + 4);
    if (total < 12 || total % 4 != 0 || !img.has(at, total)) return fail("bad block length", at + 4);
    const std::size_t body = at + 8;
    const std::size_t body_len = total - 12;
    if (type == 1) {  // Interface Description
      if (body_len < 8) return fail("interface block too short", at);
      Interface itf;
      itf.link = img.u16(body);
      for (std::size_t o = body + 8; o + 4 <= body + body_len;) {
        const std::uint16_t code = img.u16(o);
        const std::uint16_t len = img.u16(o + 2);
        if (code == 0) break;  // opt_endofopt
        if (len > body + body_len - (o + 4)) return fail("interface option cut", o);
        if (code == 9 && len >= 1) {  // if_tsresol
          const std::uint8_t v = img.u8(o + 4);
          itf.binary = (v & 0x80) != 0;
          itf.exp = v & 0x7f;
        }
        o += 4 + ((std::size_t{len} + 3) / 4) * 4;
      }
      interfaces.push_back(itf);
    } else if (type == 6 || type == 2) {  // Enhanced Packet, obsolete Packet
      if (body_len < 20) return fail("packet block too short", at);
      const std::uint32_t id = type == 6 ? img.u32(body) : img.u16(body);
      if (id >= interfaces.size()) return fail("packet of an undescribed interface", at);
      const std::uint64_t ts = (std::uint64_t{img.u32(body + 4)} << 32) | img.u32(body + 8);
      const std::uint32_t caplen = img.u32(body + 12);
      const std::uint32_t len = img.u32(body + 16);
      if (caplen > body_len - 20) return fail("packet data cut", at);
      last_ns = to_ns(ts, interfaces[id]);
      out.push_back({img.bytes(body + 20, caplen), last_ns, interfaces[id].link, len});
    } else if (type == 3) {  // Simple Packet: interface 0, no timestamp
      if (body_len < 4) return fail("simple packet block too short", at);
      if (interfaces.empty()) return fail("packet of an undescribed interface", at);
      const std::uint32_t len = img.u32(body);
      const std::size_t caplen = len < body_len - 4 ? len : body_len - 4;
      out.push_back({img.bytes(body + 4, caplen), last_ns, interfaces[0].link, len});
    }
    at += total;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::byte> prelude{std::byte{0}};
  unsigned selector = 0;
  bool absolute = false;
  std::vector<const char*> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--prelude" && i + 1 < argc) {
      const auto parsed = hardstack::harness::parse_hex(argv[++i]);
      if (!parsed) return usage();
      prelude = *parsed;
    } else if (arg == "--selector" && i + 1 < argc) {
      char* end = nullptr;
      const unsigned long v = std::strtoul(argv[++i], &end, 0);
      if (end == argv[i] || *end != '\0' || v > fl::max_selector) return usage();
      selector = static_cast<unsigned>(v);
    } else if (arg == "--absolute") {
      absolute = true;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage();
    } else {
      paths.push_back(argv[i]);
    }
  }
  if (paths.size() != 2) return usage();

  std::vector<std::byte> file;
  if (!hardstack::harness::read_file(paths[0], file)) {
    std::fprintf(stderr, "pcap_to_frame_log: cannot read %s\n", paths[0]);
    return 1;
  }
  Image img(file);
  std::vector<Packet> packets;
  const bool ng = img.has(0, 4) && img.u32(0) == 0x0a0d0d0a;  // the same in both byte orders
  if (!(ng ? read_pcapng(img, packets) : read_pcap(img, packets))) return 1;

  fl::Writer log(prelude);
  std::uint64_t log_ms = 0;  // the log's clock, in ms since its start
  const std::int64_t origin = absolute ? fl::log_start.ns() : packets.empty() ? 0 : packets.front().ns;
  std::size_t cut = 0;
  std::size_t backwards = 0;
  std::size_t snapped = 0;
  std::size_t other_link = 0;
  for (const Packet& p : packets) {
    if (p.link != packets.front().link) ++other_link;
    const std::int64_t since = p.ns > origin ? p.ns - origin : 0;
    const auto at_ms = static_cast<std::uint64_t>(since / fl::ns_per_ms);
    if (at_ms >= log_ms) {
      log.time_ms(at_ms - log_ms);
      log_ms = at_ms;
    } else {
      ++backwards;
    }
    if (p.original_len > p.data.size()) ++snapped;
    const auto data = p.data.size() > fl::max_frame_len ? p.data.first(fl::max_frame_len) : p.data;
    if (data.size() < p.data.size()) ++cut;
    log.frame(data, static_cast<std::uint8_t>(selector));
  }
  if (cut > 0) std::fprintf(stderr, "pcap_to_frame_log: warning: %zu packets cut to 65535 bytes\n", cut);
  if (backwards > 0)
    std::fprintf(stderr,
                 "pcap_to_frame_log: warning: %zu packets earlier than the one before (no step back)\n",
                 backwards);
  if (other_link > 0)
    std::fprintf(stderr, "pcap_to_frame_log: warning: %zu packets have another link type than the first\n",
                 other_link);
  if (snapped > 0)
    std::fprintf(stderr, "pcap_to_frame_log: warning: %zu packets were captured cut (snaplen)\n", snapped);

  std::FILE* f = std::fopen(paths[1], "wb");
  const auto& bytes = log.bytes();
  const bool ok = f != nullptr && std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (f == nullptr || std::fclose(f) != 0 || !ok) {
    std::fprintf(stderr, "pcap_to_frame_log: cannot write %s\n", paths[1]);
    return 1;
  }
  std::fprintf(stderr, "pcap_to_frame_log: %zu packets (link type %u), %" PRIu64 " ms -> %s (%zu bytes)\n",
               packets.size(), packets.empty() ? 0u : static_cast<unsigned>(packets.front().link), log_ms,
               paths[1], bytes.size());
  return 0;
}

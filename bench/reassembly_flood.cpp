// Fragment flood (issue 3, "Must reach"): 1,000,000 random overlapping and
// incomplete fragments from 10,000 sources into a reassembler with the
// default 4 MiB cap, once for IPv4 and once for IPv6. In the middle of each
// flood a well-formed 3-fragment ICMP echo request arrives, its fragments
// spread 2,000 flood fragments apart (about 1.8 MB of flood between two of
// its fragments): it must come out whole, byte for byte, checksums valid.
// Prints the reassembler's peak memory, the process's peak RSS (getrusage,
// must stay below 64 MiB) and fragments/s. Exit status 1 if any of it fails.
//
//   cmake --preset release -B build/reasm-release
//   cmake --build build/reasm-release --target bench_reassembly_flood
//   build/reasm-release/bench/bench_reassembly_flood
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "hardstack/net/entropy.hpp"
#include "hardstack/net/reassembly.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"

using namespace hardstack;
using namespace hardstack::net;
using namespace hardstack::wire;

namespace {

constexpr std::uint32_t flood_fragments = 1'000'000;
constexpr std::uint32_t sources = 10'000;
constexpr std::uint32_t ids_per_source = 4;  // keys are revisited: overlaps happen
constexpr std::uint32_t inject_at = flood_fragments / 2;
constexpr std::uint32_t inject_gap = 2'000;
// 60 s of virtual time for the whole flood: queues time out (30 s / 60 s) too.
constexpr Duration step = Duration::microseconds(60);
constexpr std::size_t rss_limit_kib = 64 * 1024;

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;  // KiB on Linux
}

bool check(bool ok, const char* what) {
  if (!ok) std::printf("  FAILED: %s\n", what);
  return ok;
}

// The echo request's ICMP message: 8-byte header + 2,972 bytes of data, so
// that the IPv4 datagram is 3,000 bytes: 1480 + 1480 + 20 of fragment data.
std::vector<std::byte> echo_data() {
  std::vector<std::byte> data(2972);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 31 + 7);
  return data;
}

struct Result {
  bool delivered = false;
  std::size_t peak_memory = 0;
  double seconds = 0;
  ReassemblyCounters counters;
  std::size_t completed_by_chance = 0;
  std::size_t flood_bytes_during_echo = 0;  // flood data submitted between the echo's first and last fragment
};

// ---- IPv4 -------------------------------------------------------------------

struct V4 {
  using R = Ipv4Reassembler;
  static constexpr const char* name = "IPv4";
  static Ipv4FragmentKey flood_key(std::uint32_t source, std::uint32_t id) {
    return {Ipv4Address::from_u32(0x0a000000u + source), Ipv4Address::from_u32(0xc0000202u), 1,
            static_cast<std::uint16_t>(id)};
  }
  static std::size_t first_header(std::array<std::byte, 64>& h, const Ipv4FragmentKey& k, std::size_t len) {
    Ipv4Repr ip;
    ip.src = k.source;
    ip.dst = k.destination;
    ip.protocol = k.protocol;
    ip.identification = k.identification;
    ip.more_fragments = true;
    ip.payload_len = static_cast<std::uint16_t>(len);
    return *ip.emit_header(h);
  }

  // The legitimate datagram, cut in three at 1480-byte boundaries.
  struct Echo {
    Ipv4FragmentKey key{*Ipv4Address::from_string("198.51.100.7"), *Ipv4Address::from_string("192.0.2.2"), 1,
                        0x4242};
    std::vector<std::byte> data = echo_data();
    std::vector<std::byte> message;
    std::vector<std::byte> header;  // the first fragment's
    Echo() {
      const Icmpv4Repr icmp{Icmpv4EchoRequest{0x1234, 1, data}};
      message.resize(icmp.buffer_len());
      (void)icmp.emit(message);
      Ipv4Repr ip;
      ip.src = key.source;
      ip.dst = key.destination;
      ip.protocol = 1;
      ip.identification = key.identification;
      ip.more_fragments = true;
      ip.payload_len = 1480;
      header.resize(20);
      (void)ip.emit_header(header);
    }
    R::Fragment part(int i) const {
      static constexpr std::array<std::uint32_t, 4> cut{0, 1480, 2960, 2980};
      R::Fragment f;
      f.key = key;
      f.offset = cut[i];
      f.more_fragments = i < 2;
      f.payload = Bytes(message).subspan(cut[i], cut[i + 1] - cut[i]);
      if (i == 0) f.header = header;
      return f;
    }
    bool matches(Bytes datagram) const {
      auto ip = Ipv4View::parse(datagram, ChecksumMode::verify);
      if (!ip || ip->is_fragment() || ip->total_len() != 3000 || ip->src() != key.source) return false;
      auto icmp = Icmpv4View::parse(ip->payload(), ChecksumMode::verify);
      return icmp.has_value() && same_bytes(ip->payload(), message);
    }
  };
};

// ---- IPv6 -------------------------------------------------------------------

struct V6 {
  using R = Ipv6Reassembler;
  static constexpr const char* name = "IPv6";
  static Ipv6Address address(std::uint8_t net, std::uint32_t host) {
    Ipv6Address a = *Ipv6Address::from_string("2001:db8::");
    a.octets[7] = net;
    a.octets[12] = static_cast<std::uint8_t>(host >> 24);
    a.octets[13] = static_cast<std::uint8_t>(host >> 16);
    a.octets[14] = static_cast<std::uint8_t>(host >> 8);
    a.octets[15] = static_cast<std::uint8_t>(host);
    return a;
  }
  static Ipv6FragmentKey flood_key(std::uint32_t source, std::uint32_t id) {
    return {address(1, source), address(2, 2), id};
  }
  // Fixed header + Fragment header (offset 0, M=1).
  static std::size_t first_header(std::array<std::byte, 64>& h, const Ipv6FragmentKey& k, std::size_t len) {
    Ipv6Repr ip;
    ip.src = k.source;
    ip.dst = k.destination;
    ip.next_header = Ipv6NextHeader::fragment;
    ip.payload_len = static_cast<std::uint16_t>(8 + len);
    (void)ip.emit(MutableBytes(h).first(40));
    Ipv6FragmentHeaderRepr frag;
    frag.next_header = Ipv6NextHeader::icmpv6;
    frag.more_fragments = true;
    frag.identification = k.identification;
    (void)frag.emit(MutableBytes(h).subspan(40, 8));
    return 48;
  }

  struct Echo {
    Ipv6FragmentKey key{*Ipv6Address::from_string("2001:db8:7::7"), address(2, 2), 0x42424242};
    std::vector<std::byte> data = echo_data();
    std::vector<std::byte> message;
    std::array<std::byte, 64> header{};
    Echo() {
      const Icmpv6Repr icmp{Icmpv6EchoRequest{0x1234, 1, data}};
      message.resize(icmp.buffer_len());
      (void)icmp.emit(message, PseudoHeader::v6(key.source, key.destination));
      first_header(header, key, 1448);
    }
    R::Fragment part(int i) const {
      // 1448-byte pieces: what fits a 1500-byte MTU after 40 + 8 bytes of headers.
      static constexpr std::array<std::uint32_t, 4> cut{0, 1448, 2896, 2980};
      R::Fragment f;
      f.key = key;
      f.offset = cut[i];
      f.more_fragments = i < 2;
      f.payload = Bytes(message).subspan(cut[i], cut[i + 1] - cut[i]);
      if (i == 0) {
        f.header = Bytes(header).first(48);
        f.next_header_offset = 6;
      }
      return f;
    }
    bool matches(Bytes datagram) const {
      auto ip = Ipv6View::parse(datagram);
      if (!ip || ip->payload_len() != 2980 || ip->next_header() != Ipv6NextHeader::icmpv6) return false;
      auto icmp = Icmpv6View::parse(ip->payload(), PseudoHeader::v6(key.source, key.destination));
      return icmp.has_value() && same_bytes(ip->payload(), message);
    }
  };
};

// ---- The flood ----------------------------------------------------------------

template <typename Family>
Result flood(std::uint64_t seed) {
  using R = typename Family::R;
  SeededEntropy entropy(seed);
  auto made = R::create(R::default_config(), entropy);
  if (!made) return {};
  R r = std::move(made).value();
  SeededEntropy rng(seed + 1);
  std::vector<std::byte> noise(65536);
  rng.fill(noise);
  const typename Family::Echo echo;
  std::array<std::byte, 64> header{};

  Result res;
  Instant now = Instant::from_ns(1'000'000'000);
  const auto start = std::chrono::steady_clock::now();
  for (std::uint32_t i = 0; i < flood_fragments; ++i) {
    now += step;
    if (i % 1024 == 0) r.poll(now);
    typename R::Fragment f;
    const std::uint32_t source = rng.uniform(sources);
    f.key = Family::flood_key(source, source * ids_per_source + rng.uniform(ids_per_source));
    // Offsets in the first 4 KiB, so fragments of a key often overlap; 90%
    // with MF set, so datagrams rarely complete.
    f.offset = 8 * rng.uniform(512);
    f.more_fragments = rng.uniform(10) != 0;
    const std::uint32_t len = f.more_fragments ? 8 * (1 + rng.uniform(185)) : 1 + rng.uniform(1480);
    f.payload = Bytes(noise).subspan(rng.uniform(65536 - 1480), len);
    if (f.offset == 0) {
      const std::size_t n = Family::first_header(header, f.key, len);
      f.header = Bytes(header).first(n);
      f.next_header_offset = 6;
    }
    if (r.submit(f, now).status == ReassemblyStatus::complete) ++res.completed_by_chance;
    if (i >= inject_at && i < inject_at + 2 * inject_gap) res.flood_bytes_during_echo += len;
    res.peak_memory = std::max(res.peak_memory, r.memory_in_use());

    // The echo request: middle, then last, then first fragment.
    for (int k = 0; k < 3; ++k) {
      if (i != inject_at + static_cast<std::uint32_t>(k) * inject_gap) continue;
      const int part = k == 0 ? 1 : k == 1 ? 2 : 0;
      const auto out = r.submit(echo.part(part), now);
      res.peak_memory = std::max(res.peak_memory, r.memory_in_use());
      if (part != 0) {
        if (out.status != ReassemblyStatus::held)
          std::printf(
              "  echo fragment %d not held: %s\n", part,
              out.status == ReassemblyStatus::dropped ? to_string(out.reason) : to_string(out.status));
      } else {
        res.delivered = out.status == ReassemblyStatus::complete && echo.matches(out.datagram);
      }
    }
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  res.counters = r.counters();
  r.poll(now + Duration::seconds(3600));
  if (r.memory_in_use() != 0) std::printf("  memory not drained: %zu\n", r.memory_in_use());
  return res;
}

template <typename Family>
bool report(const Result& res) {
  const auto& c = res.counters;
  std::printf("%s: %u fragments from %u sources into a 4 MiB cap in %.2f s: %.2f M fragments/s\n",
              Family::name, flood_fragments, sources, res.seconds, flood_fragments / res.seconds / 1e6);
  std::printf("  peak reassembly memory %zu bytes (cap 4194304)\n", res.peak_memory);
  std::printf(
      "  ReasmReqds %llu ReasmOKs %llu ReasmFails %llu ReasmTimeout %llu ReasmOverlaps %llu evictions %llu\n",
      static_cast<unsigned long long>(c.reasm_reqds), static_cast<unsigned long long>(c.reasm_oks),
      static_cast<unsigned long long>(c.reasm_fails), static_cast<unsigned long long>(c.reasm_timeout),
      static_cast<unsigned long long>(c.reasm_overlaps), static_cast<unsigned long long>(c.evictions));
  std::printf("  echo request mid-flood (fragments %u apart, %.2f MB of flood data while it was held): %s\n",
              inject_gap, static_cast<double>(res.flood_bytes_during_echo) / 1e6,
              res.delivered ? "reassembled, bytes and checksums verified" : "LOST");
  bool ok = check(res.delivered, "the echo request came out whole");
  ok &= check(res.peak_memory <= std::size_t{4} << 20, "memory within the cap");
  return ok;
}

}  // namespace

int main() {
  bool ok = report<V4>(flood<V4>(1));
  ok &= report<V6>(flood<V6>(2));
  const long rss = peak_rss_kib();
  std::printf("peak RSS of the process: %.1f MiB (limit 64 MiB)\n", static_cast<double>(rss) / 1024.0);
  ok &= check(rss > 0 && static_cast<std::size_t>(rss) < rss_limit_kib, "peak RSS below 64 MiB");
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

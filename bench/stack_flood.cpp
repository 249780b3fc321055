// Fragment flood through the whole stack (issue 3, "Must reach"): 1,000,000
// random overlapping and incomplete fragments from 10,000 sources, as
// Ethernet frames into Stack::input() with the default 4 MiB reassembly cap,
// once for IPv4 and once for IPv6. In the middle of each flood a well-formed
// ICMP echo request of 3000 bytes arrives in three fragments, 2,000 flood
// fragments apart: the stack must answer it (an echo reply with its
// identifier leaves the device). Virtual time moves 60 us per fragment, so
// reassembly timeouts fire during the flood too. Reassembly memory is checked
// after every fragment; the process's peak RSS (getrusage) must stay below
// 64 MiB. bench_reassembly_flood measures the reassembler alone.
//
//   cmake --preset release -B build/release && cmake --build build/release --target bench_stack_flood
//   build/release/bench/bench_stack_flood
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "hardstack/harness/builders.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"
#include "hardstack/wire/checksum.hpp"
#include "hardstack/wire/ethernet.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::net;

namespace {

constexpr std::uint32_t flood_fragments = 1'000'000;
constexpr std::uint32_t sources = 10'000;
constexpr std::uint32_t inject_at = flood_fragments / 2;
constexpr std::uint32_t echo_spacing = 2'000;
constexpr std::uint16_t echo_id = 0x4242;
constexpr std::size_t cap = std::size_t{4} << 20;
constexpr std::size_t rss_limit_kib = 64 * 1024;
constexpr wire::MacAddress our_mac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr wire::MacAddress peer_mac{{0x02, 0, 0, 0, 0, 0x02}};
const auto our4 = *wire::Ipv4Address::from_string("192.0.2.1");
const auto peer4 = *wire::Ipv4Address::from_string("192.0.2.2");
const auto our6 = *wire::Ipv6Address::from_string("2001:db8::1");
const auto peer6 = *wire::Ipv6Address::from_string("2001:db8::2");

// RFC 4861 4.6.1: Source Link-Layer Address option, type 1, length 1 (8 bytes).
std::vector<std::byte> slla_option() {
  std::vector<std::byte> o{std::byte{1}, std::byte{1}};
  for (const auto b : peer_mac.octets) o.push_back(static_cast<std::byte>(b));
  return o;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Counts the echo replies the stack sends (and how many frames it sent).
class ReplyCounter final : public Device {
 public:
  LinkType link_type() const override { return LinkType::ethernet; }
  std::size_t mtu() const override { return 1500; }
  bool transmit(std::span<const std::byte> f) override {
    ++frames;
    if (f.size() < 14 + 48) return true;
    const auto u8 = [&](std::size_t i) { return std::to_integer<unsigned>(f[i]); };
    const unsigned type = (u8(12) << 8) | u8(13);
    if (type == 0x0800 && u8(14 + 9) == 1) {
      const std::size_t at = 14 + (u8(14) & 0x0fu) * 4;
      if (u8(at) == 0 && ((u8(at + 4) << 8) | u8(at + 5)) == echo_id) ++replies;
    } else if (type == 0x86dd) {
      // The reply is fragmented: its first fragment carries the ICMPv6 header
      // after the Fragment header.
      std::size_t at = 54;
      if (u8(20) == 44 && u8(54) == 58 && ((u8(56) << 8) | u8(57)) >> 3 == 0) {
        at = 62;
      } else if (u8(20) != 58) {
        return true;
      }
      if (u8(at) == 129 && ((u8(at + 4) << 8) | u8(at + 5)) == echo_id) ++replies;
    }
    return true;
  }
  std::optional<std::size_t> receive(std::span<std::byte>) override { return std::nullopt; }
  std::uint64_t frames = 0;
  std::uint64_t replies = 0;
};

void put16(std::vector<std::byte>& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::byte>((v >> 8) & 0xff);
  b[at + 1] = static_cast<std::byte>(v & 0xff);
}

// One random flood fragment: a source among `sources`, one of 4 IDs each (so
// queues are revisited and overlap), a random 8-byte-aligned offset and a
// length of 8..1024 bytes, more-fragments set unless the dice say last.
void flood_frame(bool v6, SeededEntropy& rng, std::vector<std::byte>& f) {
  const std::uint32_t src = rng.uniform(sources);
  const std::uint32_t id = rng.uniform(4);
  const std::uint32_t offset_units = rng.uniform(8000);
  const std::size_t len = 8 * (1 + rng.uniform(128));
  const bool more = rng.uniform(8) != 0;
  const std::size_t ip_header = v6 ? 48 : 20;
  f.assign(14 + ip_header + len, std::byte{0x5a});
  std::fill(f.begin(), f.begin() + 14 + static_cast<std::ptrdiff_t>(ip_header), std::byte{0});
  for (std::size_t i = 0; i < 6; ++i) {
    f[i] = static_cast<std::byte>(our_mac.octets[i]);
    f[6 + i] = static_cast<std::byte>(peer_mac.octets[i]);
  }
  if (!v6) {
    put16(f, 12, 0x0800);
    f[14] = std::byte{0x45};
    put16(f, 16, static_cast<std::uint32_t>(20 + len));
    put16(f, 18, src * 4 + id);
    put16(f, 20, (more ? 0x2000u : 0u) | offset_units);
    f[22] = std::byte{64};
    f[23] = std::byte{17};
    // 10.x.y.z: off-link sources (time exceeded goes to the default gateway).
    f[26] = std::byte{10};
    f[27] = static_cast<std::byte>(src >> 16);
    f[28] = static_cast<std::byte>((src >> 8) & 0xff);
    f[29] = static_cast<std::byte>(src & 0xff);
    for (std::size_t i = 0; i < 4; ++i) f[30 + i] = static_cast<std::byte>(our4.octets[i]);
    wire::ChecksumAccumulator sum;
    sum.add(std::span<const std::byte>(f).subspan(14, 20));
    put16(f, 24, sum.checksum());
  } else {
    put16(f, 12, 0x86dd);
    f[14] = std::byte{0x60};
    put16(f, 18, static_cast<std::uint32_t>(8 + len));
    f[20] = std::byte{44};
    f[21] = std::byte{64};
    const std::byte prefix[8] = {std::byte{0x20}, std::byte{0x01}, std::byte{0x0d}, std::byte{0xb8},
                                 std::byte{0x00}, std::byte{0x07}, std::byte{0},    std::byte{0}};
    for (std::size_t i = 0; i < 8; ++i) f[22 + i] = prefix[i];
    for (std::size_t i = 8; i < 12; ++i) f[22 + i] = std::byte{0};
    f[34] = static_cast<std::byte>(src >> 24);
    f[35] = static_cast<std::byte>((src >> 16) & 0xff);
    f[36] = static_cast<std::byte>((src >> 8) & 0xff);
    f[37] = static_cast<std::byte>(src & 0xff);
    for (std::size_t i = 0; i < 16; ++i) f[38 + i] = static_cast<std::byte>(our6.octets[i]);
    f[54] = std::byte{17};  // fragment header: next header UDP
    f[55] = std::byte{0};
    put16(f, 56, (offset_units << 3) | (more ? 1u : 0u));
    put16(f, 58, 0);
    put16(f, 60, id);
  }
}

struct Outcome {
  double fragments_per_second = 0;
  std::size_t peak_memory = 0;
  std::uint64_t replies = 0;
  std::uint64_t evictions = 0;
  std::uint64_t timeouts = 0;
};

Outcome run(bool v6) {
  SeededEntropy entropy(7);
  StackConfig config;
  config.reassembly_v4.memory_cap = config.reassembly_v6.memory_cap = cap;
  Stack stack = std::move(Stack::create(config, entropy).value());
  ReplyCounter device;
  InterfaceConfig ic;
  ic.mac = our_mac;
  const auto id = stack.add_interface(device, ic).value();
  (void)stack.add_address(id, our4, 24);
  (void)stack.add_address(id, our6, 64);
  (void)stack.set_default_gateway(*wire::Ipv4Address::from_string("192.0.2.254"));
  Instant now = Instant::from_ns(1'000'000'000);
  const std::vector<std::byte> data(3000, std::byte{0x61});
  const auto echo =
      v6 ? fragment_ipv6(eth(peer_mac, our_mac) / ipv6(peer6, our6) / icmpv6_echo_request(echo_id, 1, data),
                         {1232, 1232}, 0x5151)
         : fragment_ipv4(eth(peer_mac, our_mac) / ipv4(peer4, our4).identification(0x7777) /
                             icmp_echo_request(echo_id, 1, data),
                         {1480, 1480});
  device.replies = 0;

  // The peer makes itself known just before its echo request (the reply needs
  // its MAC; the bench does not answer the stack's probes, so an entry learnt
  // at the start would have failed by mid-flood): an ARP request, or a
  // neighbour solicitation with its link-layer address (RFC 4861 7.2.3).
  const std::vector<std::byte> hello =
      v6 ? std::vector<std::byte>(eth(peer_mac, our_mac) / ipv6(peer6, our6).hop_limit(255) /
                                  nd_ns(our6).raw_options(slla_option()))
         : std::vector<std::byte>(eth(peer_mac, wire::MacAddress::broadcast()) /
                                  arp_request(peer_mac, peer4, our4));
  SeededEntropy rng(v6 ? 66 : 44);
  std::vector<std::byte> frame;
  Outcome out;
  std::size_t next_echo = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint32_t n = 0; n < flood_fragments; ++n) {
    now += Duration::microseconds(60);
    if (next_echo < echo.size() && n == inject_at + next_echo * echo_spacing) {
      if (next_echo == 0) stack.input(id, hello, now);
      stack.input(id, echo[next_echo++], now);
    }
    flood_frame(v6, rng, frame);
    stack.input(id, frame, now);
    if ((n & 1023) == 0) stack.poll(now);  // timers: reassembly timeouts, neighbour retries
    const std::size_t m = stack.reassembly_memory();
    if (m > out.peak_memory) out.peak_memory = m;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.fragments_per_second = flood_fragments / seconds;
  out.replies = device.replies;
  const auto& c = v6 ? stack.reassembly_v6_counters() : stack.reassembly_v4_counters();
  out.evictions = c.evictions;
  out.timeouts = c.reasm_timeout;
  return out;
}

}  // namespace

int main() {
  bool ok = true;
  for (const bool v6 : {false, true}) {
    const Outcome o = run(v6);
    const bool answered = o.replies == 1;
    const bool capped = o.peak_memory <= cap;
    ok = ok && answered && capped;
    std::printf(
        "%s: %u fragments at %.2f M fragments/s; reassembly memory peak %zu bytes (cap %zu) %s; "
        "%llu queues evicted, %llu timed out; echo request amid the flood answered: %s\n",
        v6 ? "IPv6" : "IPv4", flood_fragments, o.fragments_per_second / 1e6, o.peak_memory, cap,
        capped ? "PASS" : "FAIL", static_cast<unsigned long long>(o.evictions),
        static_cast<unsigned long long>(o.timeouts), answered ? "yes PASS" : "no FAIL");
  }
  const long rss = peak_rss_kib();
  const bool rss_ok = rss < static_cast<long>(rss_limit_kib);
  std::printf("peak RSS %ld KiB (limit %zu KiB) %s\n", rss, rss_limit_kib, rss_ok ? "PASS" : "FAIL");
  return ok && rss_ok ? 0 : 1;
}

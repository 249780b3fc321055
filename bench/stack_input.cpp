// Input path (issue 3, "Must reach"): packets per second through the stack's
// whole input path, from an Ethernet frame handed to Stack::input() to a no-op
// upper layer registered for UDP, on one core:
//   - IPv4: Ethernet / IPv4 (no options) / UDP, 64 bytes of data
//       target >= 5,000,000 packets/s
//   - IPv6: Ethernet / IPv6 / Hop-by-Hop (PadN) / Routing (type 0 with
//       segments left 0, ignored per RFC 8200 4.4) / Destination Options
//       (PadN) / UDP, 64 bytes of data: three extension headers walked
//       target >= 4,000,000 packets/s
// Each packet is validated in full (IPv4 header checksum, the extension chain,
// the addresses) and must reach the upper layer: the run aborts if a single
// one is not delivered, so a stack that drops everything cannot post a figure.
// Prints packets/s for each and PASS/FAIL against the targets (exit 1 on FAIL).
//
//   cmake --preset release -B build/release && cmake --build build/release --target bench_stack_input
//   build/release/bench/bench_stack_input
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "hardstack/harness/builders.hpp"
#include "hardstack/net/entropy.hpp"
#include "hardstack/net/stack.hpp"

using namespace hardstack;
using namespace hardstack::harness;
using namespace hardstack::net;

namespace {

constexpr wire::MacAddress our_mac{{0x02, 0, 0, 0, 0, 0x01}};
constexpr wire::MacAddress peer_mac{{0x02, 0, 0, 0, 0, 0x02}};
const auto our4 = *wire::Ipv4Address::from_string("192.0.2.1");
const auto peer4 = *wire::Ipv4Address::from_string("192.0.2.2");
const auto our6 = *wire::Ipv6Address::from_string("2001:db8::1");
const auto peer6 = *wire::Ipv6Address::from_string("2001:db8::2");

// A link nobody reads: the input path under test sends nothing.
class NullDevice final : public Device {
 public:
  LinkType link_type() const override { return LinkType::ethernet; }
  std::size_t mtu() const override { return 1500; }
  bool transmit(std::span<const std::byte>) override {
    ++transmitted;
    return true;
  }
  std::optional<std::size_t> receive(std::span<std::byte>) override { return std::nullopt; }
  std::uint64_t transmitted = 0;
};

class NoopUdp final : public TransportProtocol {
 public:
  DeliveryResult deliver_ipv4(const Ipv4Delivery&, wire::Bytes payload, Instant) override {
    ++v4;
    bytes += payload.size();
    return DeliveryResult::delivered;
  }
  DeliveryResult deliver_ipv6(const Ipv6Delivery&, wire::Bytes payload, Instant) override {
    ++v6;
    bytes += payload.size();
    return DeliveryResult::delivered;
  }
  void icmp_error(const IcmpErrorReport&, Instant) override {}
  std::uint64_t v4 = 0;
  std::uint64_t v6 = 0;
  std::uint64_t bytes = 0;
};

struct RunResult {
  double packets_per_second = 0;
  std::uint64_t delivered = 0;
};

template <typename Delivered>
RunResult run(Stack& stack, InterfaceId id, const std::vector<std::byte>& frame, Delivered delivered) {
  constexpr std::uint64_t batch = 1'000'000;
  const auto start_count = delivered();
  Instant now = Instant::from_ns(1'000'000'000);
  // Warm up, then time whole batches for at least a second.
  for (std::uint64_t i = 0; i < batch / 10; ++i) stack.input(id, frame, now);
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t n = 0;
  double elapsed = 0;
  do {
    for (std::uint64_t i = 0; i < batch; ++i) stack.input(id, frame, now);
    n += batch;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < 1.0);
  const auto got = delivered() - start_count;
  const auto expected = n + batch / 10;
  if (got != expected) {
    std::fprintf(stderr, "bench_stack_input: %llu of %llu packets delivered (drops: %llu, last: %s)\n",
                 static_cast<unsigned long long>(got), static_cast<unsigned long long>(expected),
                 static_cast<unsigned long long>(stack.total_drops()),
                 stack.last_drop() ? to_string(*stack.last_drop()) : "none");
    std::exit(1);
  }
  return {static_cast<double>(n) / elapsed, got};
}

}  // namespace

int main() {
  SeededEntropy entropy(42);
  auto created = Stack::create({}, entropy);
  if (!created) {
    std::fprintf(stderr, "Stack::create: %s\n", created.error().message().c_str());
    return 1;
  }
  Stack stack = std::move(created.value());
  NullDevice device;
  InterfaceConfig ic;
  ic.name = "bench0";
  ic.mac = our_mac;
  const auto id = stack.add_interface(device, ic).value();
  if (!stack.add_address(id, our4, 24) || !stack.add_address(id, our6, 64)) return 1;
  NoopUdp udp_sink;
  if (!stack.register_protocol(17, udp_sink)) return 1;

  const std::vector<std::byte> v4 =
      eth(peer_mac, our_mac) / ipv4(peer4, our4) / udp(40000, 9) / payload(64, 0x5a);
  const std::vector<std::byte> v6 = eth(peer_mac, our_mac) / ipv6(peer6, our6) / hop_by_hop(padn(6)) /
                                    routing(0, 0, std::vector<std::byte>(12)) / destination_options(padn(6)) /
                                    udp(40000, 9) / payload(64, 0x5a);

  const auto r4 = run(stack, id, v4, [&] { return udp_sink.v4; });
  const auto r6 = run(stack, id, v6, [&] { return udp_sink.v6; });
  const bool ok4 = r4.packets_per_second >= 5e6;
  const bool ok6 = r6.packets_per_second >= 4e6;
  std::printf("IPv4 / UDP (%zu-byte frame):                 %6.2f M packets/s  (target 5.00)  %s\n",
              v4.size(), r4.packets_per_second / 1e6, ok4 ? "PASS" : "FAIL");
  std::printf("IPv6 + HBH + RH(SL 0) + DST / UDP (%zu-byte frame): %6.2f M packets/s  (target 4.00)  %s\n",
              v6.size(), r6.packets_per_second / 1e6, ok6 ? "PASS" : "FAIL");
  std::printf("frames sent by the stack during the run: %llu (expected 0)\n",
              static_cast<unsigned long long>(device.transmitted));
  return ok4 && ok6 && device.transmitted == 0 ? 0 : 1;
}

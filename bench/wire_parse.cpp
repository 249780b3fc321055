// ns per packet to parse and validate with core/wire: the views' checked
// constructors, checksum verification and the representations' full parse
// (options walked and decoded). Packets are built with the representations'
// emit(), never by hand.
//
//   cmake --workflow --preset release && build/release/bench_wire_parse
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/tcp.hpp"

using namespace hardstack::wire;
using hardstack::Result;

namespace {

template <typename T>
T must(Result<T, WireError> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "bench setup: %s: %s\n", what, to_string(r.error()));
    std::abort();
  }
  return std::move(r).value();
}

const Ipv4Address src4 = *Ipv4Address::from_string("192.0.2.1");
const Ipv4Address dst4 = *Ipv4Address::from_string("192.0.2.2");

// IPv4 with Router Alert, Record Route (3 slots, 1 filled) and a timestamp
// option (flag 1, 2 slots): 36 bytes of options, 16-byte payload.
std::vector<std::byte> ipv4_with_options() {
  Ipv4Repr ip;
  ip.src = src4;
  ip.dst = dst4;
  ip.protocol = 17;
  ip.identification = 0x1234;
  const std::array<Ipv4Address, 3> route{src4, Ipv4Address{}, Ipv4Address{}};
  const std::array<Ipv4TimestampEntry, 2> stamps{Ipv4TimestampEntry{src4, 1000}, Ipv4TimestampEntry{}};
  if (!ip.options.push_back(Ipv4Option::router_alert(0)) ||
      !ip.options.push_back(must(Ipv4Option::route(Ipv4OptionKind::record_route, 8, route), "rr")) ||
      !ip.options.push_back(
          must(Ipv4Option::timestamp(Ipv4TimestampFlag::with_addresses, 13, 0, stamps), "ts")))
    std::abort();
  const std::array<std::byte, 16> payload{};
  ip.payload_len = payload.size();
  std::vector<std::byte> out(ip.total_len());
  must(ip.emit(out, payload), "ipv4 emit");
  return out;
}

// TCP SYN with MSS, SACK-permitted, Timestamps and Window Scale (Linux's layout).
std::vector<std::byte> tcp_with_four_options() {
  TcpRepr tcp;
  tcp.src_port = 40000;
  tcp.dst_port = 80;
  tcp.seq = SeqNum(0x01020304);
  tcp.flags = TcpFlags::from_bits(static_cast<std::uint16_t>(TcpFlag::syn));
  tcp.window = 64240;
  tcp.options.maximum_segment_size = 1460;
  tcp.options.sack_permitted = true;
  tcp.options.timestamps = TcpTimestamps{123456, 0};
  tcp.options.window_scale = TcpWindowScale{7};
  std::vector<std::byte> out(60);
  const auto n = must(tcp.emit(out, {}, PseudoHeader::v4(src4, dst4)), "tcp emit");
  out.resize(n);
  return out;
}

void BM_ipv4_with_options(benchmark::State& state) {
  const auto packet = ipv4_with_options();
  for (auto _ : state) {
    auto view = Ipv4View::parse(packet, ChecksumMode::verify);
    if (!view) state.SkipWithError("ipv4 parse failed");
    auto repr = Ipv4Repr::parse(*view);
    if (!repr || repr->options.size() != 3) state.SkipWithError("ipv4 repr failed");
    benchmark::DoNotOptimize(repr);
  }
  state.counters["bytes"] = static_cast<double>(packet.size());
}
BENCHMARK(BM_ipv4_with_options);

void BM_tcp_with_four_options(benchmark::State& state) {
  const auto segment = tcp_with_four_options();
  const auto pseudo = PseudoHeader::v4(src4, dst4);
  for (auto _ : state) {
    auto view = TcpView::parse(segment);
    if (!view) state.SkipWithError("tcp parse failed");
    auto repr = TcpRepr::parse(*view, pseudo, ChecksumMode::verify);
    if (!repr || !repr->options.timestamps) state.SkipWithError("tcp repr failed");
    benchmark::DoNotOptimize(repr);
  }
  state.counters["bytes"] = static_cast<double>(segment.size());
}
BENCHMARK(BM_tcp_with_four_options);

}  // namespace

BENCHMARK_MAIN();

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
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
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

// IPv6 with three extension headers: Hop-by-Hop (Router Alert), Destination
// Options (Tunnel Encapsulation Limit), Routing (segment routing, segments
// left 0: processed and passed), then an 8-byte UDP header.
std::vector<std::byte> ipv6_three_ext_headers() {
  const std::array<std::byte, 2> ra_value{};
  const std::array<std::byte, 1> tunnel_limit{std::byte{4}};
  const std::array<std::byte, 4> routing_data{};
  Ipv6OptionsHeaderRepr hbh;
  hbh.next_header = Ipv6NextHeader::destination_options;
  Ipv6OptionsHeaderRepr dest;
  dest.next_header = Ipv6NextHeader::routing;
  if (!hbh.options.push_back({Ipv6OptionType::router_alert, ra_value}) ||
      !dest.options.push_back({Ipv6OptionType::tunnel_encapsulation_limit, tunnel_limit}))
    std::abort();
  const Ipv6RoutingHeaderRepr routing{Ipv6NextHeader::udp, Ipv6RoutingType::segment_routing, 0, routing_data};
  Ipv6ExtChainRepr chain;
  if (!chain.headers.push_back(Ipv6ExtHeaderRepr::hop_by_hop(hbh)) ||
      !chain.headers.push_back(Ipv6ExtHeaderRepr::destination_options(dest)) ||
      !chain.headers.push_back(Ipv6ExtHeaderRepr::routing(routing)))
    std::abort();
  std::vector<std::byte> payload(chain.chain_len() + 8);
  const auto n = must(chain.emit(payload), "chain emit");
  store_be16(payload, n + 4, 8);  // UDP length; ports and checksum 0
  Ipv6Repr ip;
  ip.src = *Ipv6Address::from_string("2001:db8::1");
  ip.dst = *Ipv6Address::from_string("2001:db8::2");
  ip.next_header = chain.first_header(Ipv6NextHeader::udp);
  ip.payload_len = static_cast<std::uint16_t>(payload.size());
  std::vector<std::byte> out(Ipv6Repr::header_len() + payload.size());
  must(ip.emit(out, payload), "ipv6 emit");
  return out;
}

void BM_ipv6_three_ext_headers(benchmark::State& state) {
  const auto packet = ipv6_three_ext_headers();
  for (auto _ : state) {
    auto view = Ipv6View::parse(packet);
    if (!view) state.SkipWithError("ipv6 parse failed");
    auto chain = Ipv6ExtChain::walk(*view);
    if (!chain || chain->header_count != 3 || chain->end != Ipv6ChainEnd::upper_layer)
      state.SkipWithError("ipv6 walk failed");
    benchmark::DoNotOptimize(chain);
  }
  state.counters["bytes"] = static_cast<double>(packet.size());
}
BENCHMARK(BM_ipv6_three_ext_headers);

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

#include "samples.hpp"

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <utility>

namespace hardstack::tools::samples {

using namespace hardstack::wire;

void die(const std::string& what, WireError e) {
  std::fprintf(stderr, "emit_samples: %s: emit failed: %s\n", what.c_str(), to_string(e));
  std::exit(1);
}

const MacAddress mac_a = *MacAddress::from_string("02:00:00:00:00:01");
const MacAddress mac_b = *MacAddress::from_string("02:00:00:00:00:02");
Ipv4Address v4(const char* s) { return *Ipv4Address::from_string(s); }
Ipv6Address v6(const char* s) { return *Ipv6Address::from_string(s); }
const Ipv4Address ip4_a = v4("192.0.2.1");
const Ipv4Address ip4_b = v4("192.0.2.2");
const Ipv6Address ip6_a = v6("2001:db8::1");
const Ipv6Address ip6_b = v6("2001:db8::2");
const Ipv6Address ll_a = v6("fe80::1");
const Ipv6Address ll_b = v6("fe80::2");

namespace {
// Reprs borrow payloads, quotes and option data: they live here for the run.
std::deque<Buf> arena;
}  // namespace

Bytes keep(Buf b) { return arena.emplace_back(std::move(b)); }
Bytes text(std::string_view s) {
  Buf b(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
  return keep(std::move(b));
}
Bytes pattern(std::size_t n, unsigned mul) {
  Buf b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::byte>((i * mul) & 0xff);
  return keep(std::move(b));
}
Bytes zeros(std::size_t n) { return keep(Buf(n)); }
Bytes concat(Bytes a, Bytes b) {
  Buf out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return keep(std::move(out));
}
Bytes address_list(std::initializer_list<Ipv6Address> addresses, std::size_t lead) {
  Buf out(lead + 16 * addresses.size());
  std::size_t at = lead;
  for (const auto& a : addresses) {
    a.store(out, at);
    at += 16;
  }
  return keep(std::move(out));
}

// ---- Emitters: each layer through its repr's emit() ------------------------------

Bytes emit_ipv4(Ipv4Repr ip, Bytes payload) {
  ip.payload_len = static_cast<std::uint16_t>(payload.size());
  Buf out(ip.total_len());
  must(ip.emit(out, payload), "ipv4");
  return keep(std::move(out));
}

Bytes emit_udp(UdpRepr udp, Bytes payload, const PseudoHeader& pseudo) {
  udp.payload_len = payload.size();
  Buf out(udp.datagram_len());
  must(udp.emit(out, payload, pseudo), "udp");
  return keep(std::move(out));
}

Bytes emit_tcp(TcpRepr tcp, Bytes payload, const PseudoHeader& pseudo) {
  tcp.payload_len = payload.size();
  Buf out(must(tcp.header_len(), "tcp header") + payload.size());
  must(tcp.emit(out, payload, pseudo), "tcp");
  return keep(std::move(out));
}

Bytes emit_icmp(const Icmpv4Repr& icmp) {
  Buf out(icmp.buffer_len());
  must(icmp.emit(out), "icmp");
  return keep(std::move(out));
}

Bytes emit_icmpv6(const Icmpv6Repr& icmp, const PseudoHeader& pseudo) {
  Buf out(icmp.buffer_len());
  must(icmp.emit(out, pseudo), "icmpv6");
  return keep(std::move(out));
}

Bytes emit_ipv6(Ipv6Repr ip, const Ipv6ExtChainRepr& chain, Ipv6NextHeader upper, Bytes upper_bytes,
                bool jumbo) {
  Buf ext(chain.chain_len());
  must(chain.emit(ext), "ipv6 extension headers");
  const Bytes payload = concat(keep(std::move(ext)), upper_bytes);
  ip.next_header = chain.first_header(upper);
  ip.payload_len = jumbo ? 0 : static_cast<std::uint16_t>(payload.size());
  Buf out(Ipv6Repr::header_len() + payload.size());
  must(ip.emit(out, payload), "ipv6");
  return keep(std::move(out));
}

// ---- Samples ---------------------------------------------------------------------

void Samples::add(std::string name, std::string protocols, EtherType type, Bytes payload,
                  std::optional<std::uint16_t> vlan, MacAddress dst) {
  const EthernetRepr eth{dst, mac_a, type, vlan};
  Sample s{std::move(name), std::move(protocols), Buf(eth.header_len() + payload.size())};
  must(eth.emit(s.frame, payload), "ethernet");
  all_.push_back(std::move(s));
}

Ipv4Repr ip4(std::uint8_t protocol, Ipv4Address src, Ipv4Address dst) {
  Ipv4Repr ip;
  ip.src = src;
  ip.dst = dst;
  ip.protocol = protocol;
  ip.identification = 0x1234;
  return ip;
}

Ipv6Repr ip6(Ipv6Address src, Ipv6Address dst, std::uint8_t hop_limit) {
  Ipv6Repr ip;
  ip.src = src;
  ip.dst = dst;
  ip.hop_limit = hop_limit;
  return ip;
}

UdpRepr udp(std::uint16_t src, std::uint16_t dst) { return UdpRepr{src, dst, 0}; }

TcpRepr tcp(TcpFlags flags, std::uint32_t seq, std::uint32_t ack) {
  TcpRepr t;
  t.src_port = 40000;
  t.dst_port = 40001;
  t.seq = SeqNum(seq);
  t.ack = SeqNum(ack);
  t.flags = flags;
  t.window = 65535;
  return t;
}

Bytes v4_udp(Ipv4Repr ip, Bytes payload, std::optional<Ipv4Address> final_dst) {
  const auto pseudo = PseudoHeader::v4(ip.src, final_dst.value_or(ip.dst));
  return emit_ipv4(ip, emit_udp(udp(), payload, pseudo));
}

}  // namespace hardstack::tools::samples

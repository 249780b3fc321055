// emit_samples: build frames with hardstack's representations and emit() only
// (no hand-written bytes), write them to a pcap, and write beside it, per
// frame, the protocol stack it should dissect as (tshark's frame.protocols)
// and the sample's name. tools/check_pcap_tshark.py then has tshark dissect
// them with checksum validation on and fails on any malformed packet or
// expert warning/error.
//
//   emit_samples OUT.pcap   # also writes OUT.pcap.expected: "<protocols> <name>" per frame
#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "hardstack/harness/pcap.hpp"
#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "hardstack/wire/ndp.hpp"
#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/udp.hpp"

using namespace hardstack::wire;
using hardstack::Result;

namespace {

using Buf = std::vector<std::byte>;

[[noreturn]] void die(const std::string& what, WireError e) {
  std::fprintf(stderr, "emit_samples: %s: emit failed: %s\n", what.c_str(), to_string(e));
  std::exit(1);
}

template <typename T>
T must(Result<T, WireError> r, const std::string& what) {
  if (!r) die(what, r.error());
  return *r;
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

// Reprs borrow payloads, quotes and option data: they live here for the run.
std::deque<Buf> arena;
Bytes keep(Buf b) { return arena.emplace_back(std::move(b)); }
Bytes text(std::string_view s) {
  Buf b(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) b[i] = static_cast<std::byte>(s[i]);
  return keep(std::move(b));
}
Bytes pattern(std::size_t n, unsigned mul = 1) {
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
Bytes address_list(std::initializer_list<Ipv6Address> addresses, std::size_t lead = 0) {
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

// The IPv6 header, the extension headers, then the upper-layer bytes. The
// Payload Length is the bytes' (0 with a Jumbo option: `jumbo`).
Bytes emit_ipv6(Ipv6Repr ip, const Ipv6ExtChainRepr& chain, Ipv6NextHeader upper, Bytes upper_bytes,
                bool jumbo = false) {
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

struct Sample {
  std::string name;
  std::string protocols;  // tshark's frame.protocols, e.g. "eth:ethertype:arp"
  Buf frame;
};

class Samples {
 public:
  void add(std::string name, std::string protocols, EtherType type, Bytes payload,
           std::optional<std::uint16_t> vlan = std::nullopt, MacAddress dst = mac_b) {
    const EthernetRepr eth{dst, mac_a, type, vlan};
    Sample s{std::move(name), std::move(protocols), Buf(eth.header_len() + payload.size())};
    must(eth.emit(s.frame, payload), "ethernet");
    all_.push_back(std::move(s));
  }
  const std::vector<Sample>& all() const { return all_; }

 private:
  std::vector<Sample> all_;
};

Ipv4Repr ip4(std::uint8_t protocol, Ipv4Address src = ip4_a, Ipv4Address dst = ip4_b) {
  Ipv4Repr ip;
  ip.src = src;
  ip.dst = dst;
  ip.protocol = protocol;
  ip.identification = 0x1234;
  return ip;
}

Ipv6Repr ip6(Ipv6Address src = ip6_a, Ipv6Address dst = ip6_b, std::uint8_t hop_limit = 64) {
  Ipv6Repr ip;
  ip.src = src;
  ip.dst = dst;
  ip.hop_limit = hop_limit;
  return ip;
}

UdpRepr udp(std::uint16_t src = 40000, std::uint16_t dst = 40001) { return UdpRepr{src, dst, 0}; }

TcpRepr tcp(TcpFlags flags, std::uint32_t seq = 1000, std::uint32_t ack = 0) {
  TcpRepr t;
  t.src_port = 40000;
  t.dst_port = 40001;
  t.seq = SeqNum(seq);
  t.ack = SeqNum(ack);
  t.flags = flags;
  t.window = 65535;
  return t;
}

// An IPv4 datagram carrying UDP `payload`, checksummed over `final_dst`.
Bytes v4_udp(Ipv4Repr ip, Bytes payload, std::optional<Ipv4Address> final_dst = std::nullopt) {
  const auto pseudo = PseudoHeader::v4(ip.src, final_dst.value_or(ip.dst));
  return emit_ipv4(ip, emit_udp(udp(), payload, pseudo));
}

// ---- ARP, IPv4 and its options ------------------------------------------------------

void arp_samples(Samples& s) {
  const auto emit_arp = [](const ArpRepr& r) {
    Buf out(ArpRepr::packet_len());
    must(r.emit(out), "arp");
    return keep(std::move(out));
  };
  const ArpRepr request{ArpOperation::request, mac_a, ip4_a, MacAddress{}, ip4_b};
  const ArpRepr reply{ArpOperation::reply, mac_b, ip4_b, mac_a, ip4_a};
  const ArpRepr probe{ArpOperation::request, mac_a, Ipv4Address{}, MacAddress{}, ip4_a};
  s.add("arp_request", "eth:ethertype:arp", EtherType::arp, emit_arp(request));
  s.add("arp_reply", "eth:ethertype:arp", EtherType::arp, emit_arp(reply));
  s.add("arp_tagged", "eth:ethertype:vlan:ethertype:arp", EtherType::arp, emit_arp(request), 0x6064);
  s.add("arp_probe", "eth:ethertype:arp", EtherType::arp, emit_arp(probe), std::nullopt,
        MacAddress::broadcast());
}

Ipv4Option route(Ipv4OptionKind kind, std::uint8_t pointer, std::initializer_list<Ipv4Address> hops) {
  const std::vector<Ipv4Address> list(hops);
  return must(Ipv4Option::route(kind, pointer, list), "route option");
}

Ipv4Option timestamp(Ipv4TimestampFlag flag, std::uint8_t pointer, std::uint8_t overflow,
                     std::initializer_list<Ipv4TimestampEntry> entries) {
  const std::vector<Ipv4TimestampEntry> list(entries);
  return must(Ipv4Option::timestamp(flag, pointer, overflow, list), "timestamp option");
}

Ipv4Options options(std::initializer_list<Ipv4Option> list) {
  Ipv4Options o;
  for (const auto& opt : list)
    if (!o.push_back(opt)) die("ipv4 options", WireError::unrepresentable);
  return o;
}

void ipv4_samples(Samples& s) {
  const std::string udp_data = "eth:ethertype:ip:udp:data";
  const Bytes data = text("hardstack");
  s.add("ip_udp", udp_data, EtherType::ipv4, v4_udp(ip4(ip_protocol_udp), data));
  for (const auto& [dscp, ecn] : {std::pair{0, 1}, {0, 2}, {0, 3}, {10, 0}, {46, 0}, {46, 3}, {63, 3}}) {
    auto ip = ip4(ip_protocol_udp);
    ip.dscp = static_cast<std::uint8_t>(dscp);
    ip.ecn = static_cast<std::uint8_t>(ecn);
    s.add("ip_dscp_" + std::to_string(dscp) + "_ecn_" + std::to_string(ecn), udp_data, EtherType::ipv4,
          v4_udp(ip, data));
  }
  for (const std::uint8_t ttl : {1, 255}) {
    auto ip = ip4(ip_protocol_udp);
    ip.ttl = ttl;
    s.add("ip_ttl_" + std::to_string(ttl), udp_data, EtherType::ipv4, v4_udp(ip, data));
  }
  auto df = ip4(ip_protocol_udp);
  df.dont_fragment = true;
  df.identification = 0;
  s.add("ip_df", udp_data, EtherType::ipv4, v4_udp(df, data));
  s.add("ip_tagged", "eth:ethertype:vlan:ethertype:ip:udp:data", EtherType::ipv4,
        v4_udp(ip4(ip_protocol_udp), data), 0x2007);
  s.add("ip_no_payload", "eth:ethertype:ip", EtherType::ipv4, emit_ipv4(ip4(59), {}));

  // A 1208-byte UDP datagram in three fragments (RFC 791 3.2: 8-byte units);
  // the record route option is not copied into the later ones, the router
  // alert is (V4-OPT-7). tshark reassembles them at the last one.
  {
    auto whole = ip4(ip_protocol_udp);
    whole.identification = 0x4242;
    whole.options = options({Ipv4Option::router_alert(0), route(Ipv4OptionKind::record_route, 4, {{}, {}})});
    const Bytes datagram = emit_udp(udp(), pattern(1200, 7), PseudoHeader::v4(whole.src, whole.dst));
    const std::size_t piece = 480;
    for (std::size_t at = 0, i = 0; at < datagram.size(); at += piece, ++i) {
      auto frag = whole;
      frag.fragment_offset = static_cast<std::uint16_t>(at / 8);
      frag.more_fragments = at + piece < datagram.size();
      if (at != 0) frag.options = whole.options.copied_only();
      const Bytes part = datagram.subspan(at, std::min(piece, datagram.size() - at));
      s.add("ip_fragment_" + std::to_string(i), frag.more_fragments ? "eth:ethertype:ip:data" : udp_data,
            EtherType::ipv4, emit_ipv4(frag, part));
    }
  }

  // Every option kind. Each option rides a UDP datagram.
  const auto with = [&](const std::string& name, Ipv4Options opts,
                        std::optional<Ipv4Address> final_dst = {}) {
    auto ip = ip4(ip_protocol_udp);
    ip.options = std::move(opts);
    s.add("opt_" + name, udp_data, EtherType::ipv4, v4_udp(ip, text("options"), final_dst));
  };
  const Ipv4Address hop1 = v4("192.0.2.10"), hop2 = v4("192.0.2.11"), hop3 = v4("198.51.100.1");
  with("nop", options({Ipv4Option::no_operation()}));
  with("nop_x4", options({Ipv4Option::no_operation(), Ipv4Option::no_operation(), Ipv4Option::no_operation(),
                          Ipv4Option::no_operation()}));
  with("rr_empty", options({route(Ipv4OptionKind::record_route, 4, {{}, {}, {}})}));
  with("rr_one_recorded", options({route(Ipv4OptionKind::record_route, 8, {hop1, {}, {}})}));
  with("rr_full", options({route(Ipv4OptionKind::record_route, 16, {hop1, hop2, hop3})}));
  with("rr_nine", options({route(Ipv4OptionKind::record_route, 4, {{}, {}, {}, {}, {}, {}, {}, {}, {}})}));
  // RFC 791 3.1 / RFC 1122 3.2.1.8: while a source route has hops to visit the
  // UDP pseudo-header carries its last address (the final destination).
  with("lsrr_ptr4", options({route(Ipv4OptionKind::loose_source_route, 4, {hop1, hop2, hop3})}), hop3);
  with("lsrr_ptr12", options({route(Ipv4OptionKind::loose_source_route, 12, {hop1, hop2, hop3})}), hop3);
  with("lsrr_done", options({route(Ipv4OptionKind::loose_source_route, 16, {hop1, hop2, hop3})}));
  with("ssrr_ptr4", options({route(Ipv4OptionKind::strict_source_route, 4, {hop1, hop2})}), hop2);
  with("ssrr_done", options({route(Ipv4OptionKind::strict_source_route, 12, {hop1, hop2})}));
  using TsFlag = Ipv4TimestampFlag;
  with("ts_flag0_empty", options({timestamp(TsFlag::timestamps_only, 5, 0, {{{}, 0}, {{}, 0}})}));
  with("ts_flag0_one", options({timestamp(TsFlag::timestamps_only, 9, 0, {{{}, 86399999}, {{}, 0}})}));
  with("ts_flag0_full", options({timestamp(TsFlag::timestamps_only, 13, 0, {{{}, 1}, {{}, 2}})}));
  with("ts_flag0_overflow", options({timestamp(TsFlag::timestamps_only, 9, 5, {{{}, 3}})}));
  with("ts_flag1_empty", options({timestamp(TsFlag::with_addresses, 5, 0, {{{}, 0}, {{}, 0}})}));
  with("ts_flag1_one", options({timestamp(TsFlag::with_addresses, 13, 0, {{hop1, 1000}, {{}, 0}})}));
  with("ts_flag3_prespecified", options({timestamp(TsFlag::prespecified, 5, 0, {{hop1, 0}, {hop2, 0}})}));
  with("ts_flag3_full", options({timestamp(TsFlag::prespecified, 21, 0, {{hop1, 7}, {hop2, 8}})}));
  with("ra_0", options({Ipv4Option::router_alert(0)}));
  with("ra_1", options({Ipv4Option::router_alert(1)}));
  with("stream_id", options({must(Ipv4Option::raw(136, text("\x12\x34")), "stream id")}));
  with("security", options({must(Ipv4Option::raw(130, zeros(9)), "security")}));
  with("unknown_30", options({must(Ipv4Option::raw(30, pattern(6)), "unknown")}));
  with("ra_nop_rr", options({Ipv4Option::router_alert(0), Ipv4Option::no_operation(),
                             route(Ipv4OptionKind::record_route, 4, {{}, {}})}));
  with("lsrr_ts",
       options({route(Ipv4OptionKind::loose_source_route, 8, {hop1, hop2}), Ipv4Option::no_operation(),
                timestamp(TsFlag::timestamps_only, 5, 0, {{{}, 0}, {{}, 0}})}),
       hop2);
  with("max_40_bytes",
       options({route(Ipv4OptionKind::record_route, 4, {{}, {}, {}, {}, {}, {}, {}, {}, {}})}));
}

// ---- UDP and TCP ----------------------------------------------------------------------

void udp_samples(Samples& s) {
  for (const std::size_t n : {0, 1, 7, 8, 255, 1472}) {
    const std::string protocols = n ? "eth:ethertype:ip:udp:data" : "eth:ethertype:ip:udp";
    s.add("udp_payload_" + std::to_string(n), protocols, EtherType::ipv4,
          v4_udp(ip4(ip_protocol_udp), pattern(n, 3)));
  }
  // RFC 768: a checksum that computes to 0 is sent as 0xffff.
  auto zero = ip4(ip_protocol_udp, Ipv4Address{}, Ipv4Address{});
  const auto pseudo0 = PseudoHeader::v4(zero.src, zero.dst);
  s.add("udp_checksum_ffff", "eth:ethertype:ip:udp:data", EtherType::ipv4,
        emit_ipv4(zero, emit_udp(UdpRepr{0, 0, 0}, text("\xff\xe6"), pseudo0)));
}

TcpOptions tcp_options(std::optional<std::uint16_t> mss, std::optional<std::uint8_t> ws, bool sack_ok,
                       std::optional<TcpTimestamps> ts, std::initializer_list<TcpSackBlock> sack = {}) {
  TcpOptions o;
  o.maximum_segment_size = mss;
  if (ws) o.window_scale = TcpWindowScale{*ws};
  o.sack_permitted = sack_ok;
  o.timestamps = ts;
  for (const auto& b : sack)
    if (!o.sack_blocks.push_back(b)) die("sack blocks", WireError::unrepresentable);
  return o;
}

TcpUnknownOption unknown_tcp_option(std::uint8_t kind, Bytes data) {
  TcpUnknownOption u;
  u.kind = kind;
  for (const auto b : data)
    if (!u.data.push_back(b)) die("tcp option data", WireError::unrepresentable);
  return u;
}

void tcp_samples(Samples& s, bool over_v6) {
  const std::string net = over_v6 ? "eth:ethertype:ipv6" : "eth:ethertype:ip";
  const std::string prefix = over_v6 ? "tcp6_" : "tcp_";
  const auto add = [&](const std::string& name, TcpRepr t, Bytes payload = {}) {
    Bytes packet;
    if (over_v6) {
      const auto ip = ip6();
      packet = emit_ipv6(ip, {}, Ipv6NextHeader::tcp, emit_tcp(t, payload, PseudoHeader::v6(ip.src, ip.dst)));
    } else {
      const auto ip = ip4(ip_protocol_tcp);
      packet = emit_ipv4(ip, emit_tcp(t, payload, PseudoHeader::v4(ip.src, ip.dst)));
    }
    s.add(prefix + name, net + (payload.empty() ? ":tcp" : ":tcp:data"),
          over_v6 ? EtherType::ipv6 : EtherType::ipv4, packet);
  };
  // Every combination of the 8 control bits over IPv4; a handful over IPv6.
  for (unsigned bits = 0; bits < 256; ++bits) {
    if (over_v6 && bits != 0x02 && bits != 0x12 && bits != 0x10 && bits != 0x18 && bits != 0x11 &&
        bits != 0x04 && bits != 0xc2 && bits != 0xff)
      continue;
    auto t = tcp(TcpFlags::from_bits(static_cast<std::uint16_t>(bits)), bits * 1000003u, bits * 7u);
    if (t.flags.urg()) t.urgent_pointer = 1;
    char name[16];
    std::snprintf(name, sizeof name, "flags_%02x", bits);
    add(name, t);
  }
  const auto syn = [](TcpOptions o) {
    auto t = tcp(TcpFlag::syn, 0x01020304);
    t.options = std::move(o);
    return t;
  };
  add("opt_mss", syn(tcp_options(1460, {}, false, {})));
  add("opt_wscale_7", syn(tcp_options({}, 7, false, {})));
  add("opt_wscale_14", syn(tcp_options({}, 14, false, {})));
  add("opt_sackok", syn(tcp_options({}, {}, true, {})));
  add("opt_timestamps", syn(tcp_options({}, {}, false, TcpTimestamps{0x11223344, 0})));
  add("opt_linux_syn", syn(tcp_options(1460, 7, true, TcpTimestamps{123456, 0})));
  add("opt_no_timestamps", syn(tcp_options(1460, 9, true, {})));
  auto ack = [](TcpOptions o) {
    auto t = tcp(TcpFlag::ack, 5000, 9000);
    t.options = std::move(o);
    return t;
  };
  add("opt_sack_1", ack(tcp_options({}, {}, false, {}, {{10000, 11000}})));
  add("opt_sack_3_ts",
      ack(tcp_options({}, {}, false, TcpTimestamps{5, 6}, {{10000, 11000}, {12000, 13000}, {14000, 15000}})));
  add("opt_sack_4",
      ack(tcp_options({}, {}, false, {}, {{10000, 11000}, {12000, 13000}, {14000, 15000}, {16000, 17000}})));
  add("opt_ts_ack", ack(tcp_options({}, {}, false, TcpTimestamps{0xfffffff0, 0x0000000f})));
  {
    // Options this layer keeps raw: User Timeout (RFC 5482), Fast Open cookie
    // (RFC 7413), an experimental one (RFC 6994 ExID), an unassigned kind.
    auto t = syn(tcp_options(1460, {}, false, {}));
    if (!t.options.unknown.push_back(unknown_tcp_option(34, pattern(8, 17))) ||
        !t.options.unknown.push_back(unknown_tcp_option(28, text("\x80\x3c"))))
      die("tcp unknown options", WireError::unrepresentable);
    add("opt_tfo_uto", t);
    auto e = ack(tcp_options({}, {}, false, {}));
    if (!e.options.unknown.push_back(unknown_tcp_option(253, text("\xab\xcd\x01\x02"))) ||
        !e.options.unknown.push_back(unknown_tcp_option(99, text("xy"))))
      die("tcp unknown options", WireError::unrepresentable);
    add("opt_experimental_unknown", e);
  }
  {
    // Linux's aligned layout would take 48 bytes here; emit packs the options
    // and pads the area with zeros (RFC 9293 3.1) to fit in 40.
    auto t = syn(tcp_options(1460, 7, true, TcpTimestamps{1, 2}, {{100, 200}}));
    if (!t.options.unknown.push_back(unknown_tcp_option(100, text("xyz"))) ||
        !t.options.unknown.push_back(unknown_tcp_option(99, text("abc"))))
      die("tcp unknown options", WireError::unrepresentable);
    add("opt_packed_40_bytes", t);
  }
  auto psh = tcp(TcpFlag::psh | TcpFlag::ack, 7000, 8000);
  add("payload_1", psh, text("x"));
  add("payload_odd", psh, pattern(255));
  auto urg = tcp(TcpFlag::urg | TcpFlag::ack | TcpFlag::psh, 7000, 8000);
  urg.urgent_pointer = 5;
  add("urgent", urg, text("urgent data"));
}

// ---- ICMP -----------------------------------------------------------------------------

void icmp_samples(Samples& s) {
  const auto add = [&](const std::string& name, const std::string& protocols, const Icmpv4Message& m,
                       Ipv4Address src = ip4_a) {
    s.add("icmp_" + name, "eth:ethertype:ip:icmp" + protocols, EtherType::ipv4,
          emit_ipv4(ip4(1, src, ip4_b), emit_icmp(Icmpv4Repr{m})));
  };
  add("echo_request", ":data", Icmpv4EchoRequest{0x1234, 1, pattern(56)});
  add("echo_request_empty", "", Icmpv4EchoRequest{1, 2, {}});
  add("echo_reply", ":data", Icmpv4EchoReply{0x1234, 1, pattern(56)});
  // Errors quote the offending datagram (ICMP4-3): here an emitted IPv4/UDP one.
  auto offending_ip = ip4(ip_protocol_udp, ip4_b, v4("198.51.100.9"));
  offending_ip.ttl = 1;
  offending_ip.identification = 7;
  const Bytes offending = v4_udp(offending_ip, pattern(32));
  const Bytes quote = icmpv4_error_quote(offending);
  const Bytes short_quote = offending.first(28);
  const Ipv4Address router = v4("198.51.100.1");
  for (unsigned code = 0; code < 16; ++code) {
    const auto c = static_cast<Icmpv4UnreachableCode>(code);
    const std::uint16_t mtu = c == Icmpv4UnreachableCode::fragmentation_needed ? 1400 : 0;
    add("unreachable_" + std::to_string(code), ":ip:udp:data", Icmpv4DestinationUnreachable{c, mtu, quote},
        router);
  }
  add("frag_needed_short_quote", ":ip:udp",
      Icmpv4DestinationUnreachable{Icmpv4UnreachableCode::fragmentation_needed, 576, short_quote}, router);
  add("time_exceeded_0", ":ip:udp:data",
      Icmpv4TimeExceeded{Icmpv4TimeExceededCode::ttl_exceeded_in_transit, quote}, router);
  add("time_exceeded_1", ":ip:udp:data",
      Icmpv4TimeExceeded{Icmpv4TimeExceededCode::fragment_reassembly_time_exceeded, quote}, router);
  add("param_problem_0", ":ip:udp:data",
      Icmpv4ParameterProblem{Icmpv4ParameterProblemCode::pointer_indicates_error, 8, quote}, router);
  add("param_problem_1", ":ip:udp:data",
      Icmpv4ParameterProblem{Icmpv4ParameterProblemCode::missing_required_option, 0, quote}, router);
  add("param_problem_2", ":ip:udp:data",
      Icmpv4ParameterProblem{Icmpv4ParameterProblemCode::bad_length, 0, quote}, router);
  // tshark dissects a Redirect's quote down to the UDP header only (the 64 bits
  // RFC 792 asks for), not its data, whatever the quote's length.
  for (unsigned code = 0; code < 4; ++code)
    add("redirect_" + std::to_string(code), ":ip:udp",
        Icmpv4Redirect{static_cast<Icmpv4RedirectCode>(code), v4("192.0.2.253"), quote}, v4("192.0.2.254"));
  add("timestamp", "", Icmpv4Timestamp{5, 6, 1000, 0, 0});
  add("timestamp_reply", "", Icmpv4TimestampReply{5, 6, 1000, 86399999, 86400000});
  // Types without a kind of their own, kept whole.
  add("source_quench", ":ip:udp:data", Icmpv4Other{4, 0, 0, quote}, router);
  add("router_solicitation", "", Icmpv4Other{10, 0, 0, {}});
  add("information_request", "", Icmpv4Other{15, 0, 0x00030004, {}});
  add("address_mask_request", "", Icmpv4Other{17, 0, 0x00030004, zeros(4)});
}

// ---- IPv6 and its extension headers ----------------------------------------------------

Ipv6OptionsHeaderRepr options_header(Ipv6NextHeader next, std::initializer_list<Ipv6OptionRepr> opts) {
  Ipv6OptionsHeaderRepr h;
  h.next_header = next;
  for (const auto& o : opts)
    if (!h.options.push_back(o)) die("ipv6 options", WireError::unrepresentable);
  return h;
}

Ipv6ExtChainRepr chain(std::initializer_list<Ipv6ExtHeaderRepr> headers) {
  Ipv6ExtChainRepr c;
  for (const auto& h : headers)
    if (!c.headers.push_back(h)) die("ipv6 chain", WireError::unrepresentable);
  return c;
}

Ipv6OptionRepr ipv6_option(Ipv6OptionType type, Bytes data) { return {type, data}; }
Ipv6OptionRepr ipv6_option(std::uint8_t type, Bytes data) {
  return {static_cast<Ipv6OptionType>(type), data};
}

void ipv6_samples(Samples& s) {
  using NH = Ipv6NextHeader;
  using Ext = Ipv6ExtHeaderRepr;
  const std::string net = "eth:ethertype:ipv6";
  const Bytes data = text("hardstack");
  // UDP over a chain, checksummed over `final_dst` (RFC 8200 8.1).
  const auto add_udp = [&](const std::string& name, const std::string& protocols, Ipv6Repr ip,
                           const Ipv6ExtChainRepr& c, std::optional<Ipv6Address> final_dst = {}) {
    const auto pseudo = PseudoHeader::v6(ip.src, final_dst.value_or(ip.dst));
    s.add(name, net + protocols, EtherType::ipv6, emit_ipv6(ip, c, NH::udp, emit_udp(udp(), data, pseudo)));
  };
  add_udp("ip6_udp", ":udp:data", ip6(), {});
  for (const auto& [tc, fl] : {std::pair{0xb8u, 0u}, {0x01u, 0x12345u}, {0xffu, 0xfffffu}}) {
    auto ip = ip6();
    ip.traffic_class = static_cast<std::uint8_t>(tc);
    ip.flow_label = fl;
    add_udp("ip6_tc_" + std::to_string(tc) + "_fl_" + std::to_string(fl), ":udp:data", ip, {});
  }
  add_udp("ip6_link_local", ":udp:data", ip6(ll_a, ll_b, 255), {});
  add_udp("ip6_hlim_1", ":udp:data", ip6(ip6_a, ip6_b, 1), {});
  s.add("ip6_no_next_header", net, EtherType::ipv6, emit_ipv6(ip6(), {}, NH::no_next_header, {}));
  s.add("ip6_tagged", "eth:ethertype:vlan:ethertype:ipv6:udp:data", EtherType::ipv6,
        emit_ipv6(ip6(), {}, NH::udp, emit_udp(udp(), data, PseudoHeader::v6(ip6_a, ip6_b))), 0x0003);

  // Hop-by-Hop: Router Alert (RFC 2711), an unknown option of each action, padding.
  const Bytes ra0 = text(std::string("\0\0", 2));
  add_udp(
      "ip6_hbh_ra", ":ipv6.hopopts:udp:data", ip6(),
      chain({Ext::hop_by_hop(options_header(NH::udp, {ipv6_option(Ipv6OptionType::router_alert, ra0)}))}));
  add_udp("ip6_hbh_empty", ":ipv6.hopopts:udp:data", ip6(),
          chain({Ext::hop_by_hop(options_header(NH::udp, {}))}));
  for (const std::uint8_t type : {0x1e, 0x5e, 0x9e, 0xde, 0x3e}) {
    char name[32];
    std::snprintf(name, sizeof name, "ip6_hbh_unknown_%02x", type);
    add_udp(name, ":ipv6.hopopts:udp:data", ip6(),
            chain({Ext::hop_by_hop(options_header(NH::udp, {ipv6_option(type, text("\x01\x02"))}))}));
  }
  add_udp("ip6_hbh_ra_and_long_option", ":ipv6.hopopts:udp:data", ip6(),
          chain({Ext::hop_by_hop(options_header(
              NH::udp, {ipv6_option(Ipv6OptionType::router_alert, ra0), ipv6_option(0x1e, pattern(21))}))}));
  {
    // MLDv2 report (RFC 3810 5.2) with its Router Alert, as a host sends it: an ICMPv6 type without a kind of
    // its own.
    auto ip = ip6(ll_a, v6("ff02::16"), 1);
    const auto pseudo = PseudoHeader::v6(ip.src, ip.dst);
    const Bytes report = emit_icmpv6(Icmpv6Repr{Icmpv6Other{143, 0, zeros(4)}}, pseudo);
    s.add("ip6_hbh_mldv2_report", net + ":ipv6.hopopts:icmpv6", EtherType::ipv6,
          emit_ipv6(ip,
                    chain({Ext::hop_by_hop(
                        options_header(NH::icmpv6, {ipv6_option(Ipv6OptionType::router_alert, ra0)}))}),
                    NH::icmpv6, report),
          std::nullopt, *MacAddress::from_string("33:33:00:00:00:16"));
  }
  {
    // RFC 2675 jumbogram: Payload Length 0, the length in a Jumbo option (emit aligns it at 4n+2).
    const Bytes jumbo_data = pattern(70000, 5);
    Buf len(4);
    store_be32(len, 0, static_cast<std::uint32_t>(8 + jumbo_data.size()));
    const auto c = chain({Ext::hop_by_hop(options_header(
        NH::no_next_header, {ipv6_option(Ipv6OptionType::jumbo_payload, keep(std::move(len)))}))});
    s.add("ip6_jumbogram", net + ":ipv6.hopopts:data", EtherType::ipv6,
          emit_ipv6(ip6(), c, NH::no_next_header, jumbo_data, true));
  }

  // Destination Options: Tunnel Encapsulation Limit (RFC 2473), unknown ones, Home Address (RFC 6275).
  add_udp("ip6_dest_empty", ":ipv6.dstopts:udp:data", ip6(),
          chain({Ext::destination_options(options_header(NH::udp, {}))}));
  add_udp("ip6_dest_unknown", ":ipv6.dstopts:udp:data", ip6(),
          chain({Ext::destination_options(options_header(NH::udp, {ipv6_option(0x22, pattern(10))}))}));
  {
    const auto c = chain({Ext::destination_options(
        options_header(NH::ipv6, {ipv6_option(Ipv6OptionType::tunnel_encapsulation_limit, text("\x04"))}))});
    const Bytes inner = emit_ipv6(ip6(ip6_b, ip6_a), {}, NH::no_next_header, {});
    s.add("ip6_dest_tunnel_limit", net + ":ipv6.dstopts:ipv6", EtherType::ipv6,
          emit_ipv6(ip6(), c, NH::ipv6, inner));
  }

  // Routing: RH0 with Segments Left 0 (RFC 5095), with segments to visit (the
  // pseudo-header takes the last address), type 2 (RFC 6275), SRH (RFC 8754).
  const auto routing = [](NH next, Ipv6RoutingType type, std::uint8_t left, Bytes routing_data) {
    Ipv6RoutingHeaderRepr r;
    r.next_header = next;
    r.routing_type = type;
    r.segments_left = left;
    r.data = routing_data;
    return Ext::routing(r);
  };
  const Ipv6Address seg1 = v6("2001:db8::11"), seg2 = v6("2001:db8::12");
  add_udp("ip6_rh0_segleft_0", ":ipv6.routing:udp:data", ip6(),
          chain({routing(NH::udp, Ipv6RoutingType::source_route, 0, address_list({ip6_b}, 4))}));
  add_udp("ip6_rh0_segleft_2", ":ipv6.routing:udp:data", ip6(ip6_a, v6("2001:db8::10")),
          chain({routing(NH::udp, Ipv6RoutingType::source_route, 2, address_list({seg1, seg2}, 4))}), seg2);
  const Ipv6Address home = v6("2001:db8:1::9");
  add_udp("ip6_rh2_home", ":ipv6.routing:udp:data", ip6(ip6_a, v6("2001:db8:c0::1")),
          chain({routing(NH::udp, Ipv6RoutingType::mobile_ipv6, 1, address_list({home}, 4))}), home);
  {
    // SRH: Last Entry 1, flags 0, tag 0, Segment List [final, next].
    Buf srh(4 + 32);
    store_u8(srh, 0, 1);
    seg2.store(srh, 4);
    seg1.store(srh, 20);
    add_udp("ip6_srh_segleft_1", ":ipv6.routing:udp:data", ip6(ip6_a, seg1),
            chain({routing(NH::udp, Ipv6RoutingType::segment_routing, 1, keep(std::move(srh)))}), seg2);
  }

  // Fragment: atomic (RFC 6946), and a UDP datagram in three fragments.
  const auto fragment = [](NH next, std::uint16_t offset, bool more, std::uint32_t id) {
    Ipv6FragmentHeaderRepr f;
    f.next_header = next;
    f.fragment_offset = offset;
    f.more_fragments = more;
    f.identification = id;
    return Ext::fragment(f);
  };
  add_udp("ip6_frag_atomic", ":ipv6.fraghdr:udp:data", ip6(),
          chain({fragment(NH::udp, 0, false, 0x11223344)}));
  {
    const Bytes datagram = emit_udp(udp(), pattern(1200, 11), PseudoHeader::v6(ip6_a, ip6_b));
    const std::size_t piece = 496;
    for (std::size_t at = 0, i = 0; at < datagram.size(); at += piece, ++i) {
      const bool more = at + piece < datagram.size();
      const Bytes part = datagram.subspan(at, std::min(piece, datagram.size() - at));
      s.add("ip6_fragment_" + std::to_string(i),
            net + (more ? ":ipv6.fraghdr:data" : ":ipv6.fraghdr:udp:data"), EtherType::ipv6,
            emit_ipv6(ip6(), chain({fragment(NH::udp, static_cast<std::uint16_t>(at / 8), more, 0xcafe)}),
                      NH::fragment, part));
    }
  }
  // Chains: Destination Options before and after Routing; every kind at once.
  add_udp("ip6_chain_dest_routing_dest", ":ipv6.dstopts:ipv6.routing:ipv6.dstopts:udp:data", ip6(),
          chain({Ext::destination_options(options_header(NH::routing, {})),
                 routing(NH::destination_options, Ipv6RoutingType::source_route, 0, address_list({}, 4)),
                 Ext::destination_options(options_header(NH::udp, {ipv6_option(0x1e, pattern(3))}))}));
  add_udp("ip6_chain_all", ":ipv6.hopopts:ipv6.dstopts:ipv6.routing:ipv6.fraghdr:ipv6.dstopts:udp:data",
          ip6(),
          chain({Ext::hop_by_hop(options_header(NH::destination_options,
                                                {ipv6_option(Ipv6OptionType::router_alert, ra0)})),
                 Ext::destination_options(options_header(NH::routing, {})),
                 routing(NH::fragment, Ipv6RoutingType::source_route, 0, address_list({}, 4)),
                 fragment(NH::destination_options, 0, false, 9),
                 Ext::destination_options(options_header(NH::udp, {}))}));
}

void udp6_samples(Samples& s) {
  for (const std::size_t n : {0, 1, 8, 1232}) {
    const auto pseudo = PseudoHeader::v6(ip6_a, ip6_b);
    s.add("udp6_payload_" + std::to_string(n), n ? "eth:ethertype:ipv6:udp:data" : "eth:ethertype:ipv6:udp",
          EtherType::ipv6, emit_ipv6(ip6(), {}, Ipv6NextHeader::udp, emit_udp(udp(), pattern(n, 3), pseudo)));
  }
  // RFC 8200 8.1: a checksum that computes to 0 is sent as 0xffff.
  const auto pseudo0 = PseudoHeader::v6(Ipv6Address{}, Ipv6Address{});
  s.add("udp6_checksum_ffff", "eth:ethertype:ipv6:udp:data", EtherType::ipv6,
        emit_ipv6(ip6(Ipv6Address{}, Ipv6Address{}), {}, Ipv6NextHeader::udp,
                  emit_udp(UdpRepr{0, 0, 0}, text("\xff\xb6"), pseudo0)));
}

// ---- ICMPv6 and Neighbor Discovery --------------------------------------------------------

NdOptions nd_options(std::initializer_list<NdOption> list) {
  NdOptions o;
  for (const auto& opt : list)
    if (!o.push_back(opt)) die("nd options", WireError::unrepresentable);
  return o;
}

void icmpv6_samples(Samples& s) {
  const std::string icmp = "eth:ethertype:ipv6:icmpv6";
  const auto add = [&](const std::string& name, const std::string& protocols, const Icmpv6Message& m,
                       Ipv6Repr ip = ip6(), MacAddress dst = mac_b) {
    const auto pseudo = PseudoHeader::v6(ip.src, ip.dst);
    s.add(name, icmp + protocols, EtherType::ipv6,
          emit_ipv6(ip, {}, Ipv6NextHeader::icmpv6, emit_icmpv6(Icmpv6Repr{m}, pseudo)), std::nullopt, dst);
  };
  add("icmp6_echo_request", ":data", Icmpv6EchoRequest{0x1234, 1, pattern(56)});
  add("icmp6_echo_request_empty", "", Icmpv6EchoRequest{1, 2, {}});
  add("icmp6_echo_reply", ":data", Icmpv6EchoReply{0x1234, 1, pattern(56)}, ip6(ip6_b, ip6_a));
  // Errors quote the offending packet (ICMP6-3): an emitted IPv6/UDP one.
  auto offending_ip = ip6(ip6_b, v6("2001:db8:9::9"), 1);
  const Bytes offending =
      emit_ipv6(offending_ip, {}, Ipv6NextHeader::udp,
                emit_udp(udp(), pattern(20), PseudoHeader::v6(offending_ip.src, offending_ip.dst)));
  const Bytes quote = icmpv6_error_quote(offending);
  const auto from_router = ip6(v6("2001:db8::fe"), ip6_b);
  for (unsigned code = 0; code <= 8; ++code)
    add("icmp6_unreachable_" + std::to_string(code), ":ipv6:udp:data",
        Icmpv6DestinationUnreachable{static_cast<Icmpv6UnreachableCode>(code), quote}, from_router);
  add("icmp6_packet_too_big", ":ipv6:udp:data", Icmpv6PacketTooBig{1280, quote}, from_router);
  add("icmp6_time_exceeded_0", ":ipv6:udp:data",
      Icmpv6TimeExceeded{Icmpv6TimeExceededCode::hop_limit_exceeded, quote}, from_router);
  add("icmp6_time_exceeded_1", ":ipv6:udp:data",
      Icmpv6TimeExceeded{Icmpv6TimeExceededCode::fragment_reassembly_time_exceeded, quote}, from_router);
  add("icmp6_param_problem_0", ":ipv6:udp:data",
      Icmpv6ParameterProblem{Icmpv6ParameterProblemCode::erroneous_header_field, 4, quote}, from_router);
  add("icmp6_param_problem_1", ":ipv6:udp:data",
      Icmpv6ParameterProblem{Icmpv6ParameterProblemCode::unrecognized_next_header, 6, quote}, from_router);
  add("icmp6_param_problem_2", ":ipv6:udp:data",
      Icmpv6ParameterProblem{Icmpv6ParameterProblemCode::unrecognized_option, 42, quote}, from_router);

  // Neighbor Discovery (RFC 4861): hop limit 255, link-local sources.
  const auto nd_ip = [](Ipv6Address src, Ipv6Address dst) { return ip6(src, dst, 255); };
  const MacAddress all_nodes = *MacAddress::from_string("33:33:00:00:00:01");
  const MacAddress all_routers = *MacAddress::from_string("33:33:00:00:00:02");
  const MacAddress solicited_mac = *MacAddress::from_string("33:33:ff:00:00:02");
  const Ipv6Address solicited = v6("ff02::1:ff00:2");
  const NdOption slla = NdSourceLinkLayerAddress{mac_a};
  const NdOption tlla = NdTargetLinkLayerAddress{mac_a};
  add("nd_rs", "", NdRouterSolicitation{}, nd_ip(ll_a, v6("ff02::2")), all_routers);
  add("nd_rs_slla", "", NdRouterSolicitation{nd_options({slla})}, nd_ip(ll_a, v6("ff02::2")), all_routers);

  NdRouterAdvertisement ra;
  ra.cur_hop_limit = 64;
  ra.router_lifetime = 1800;
  ra.reachable_time = 30000;
  ra.retrans_timer = 1000;
  add("nd_ra_bare", "", ra, nd_ip(ll_a, v6("ff02::1")), all_nodes);
  auto ra_flags = ra;
  ra_flags.managed_address_configuration = true;
  ra_flags.other_configuration = true;
  ra_flags.reserved_flags = 0x08;  // RFC 4191 Prf = high
  add("nd_ra_flags", "", ra_flags, nd_ip(ll_a, v6("ff02::1")), all_nodes);
  NdPrefixInformation prefix;
  prefix.prefix_length = 64;
  prefix.on_link = true;
  prefix.autonomous = true;
  prefix.valid_lifetime = 86400;
  prefix.preferred_lifetime = 14400;
  prefix.prefix = v6("2001:db8:1::");
  auto prefix_l_only = prefix;
  prefix_l_only.autonomous = false;
  prefix_l_only.prefix = v6("2001:db8:2::");
  auto ra_full = ra;
  ra_full.options =
      nd_options({slla, NdMtu{1500}, prefix, prefix_l_only,
                  NdRecursiveDnsServer{600, address_list({v6("2001:db8::53"), v6("2001:db8::54")})}});
  add("nd_ra_full", "", ra_full, nd_ip(ll_a, v6("ff02::1")), all_nodes);
  auto ra_route = ra;
  // RFC 4191 Route Information, kept raw by this layer: prefix length 0, lifetime 300.
  ra_route.options = nd_options({NdUnknownOption{24, text(std::string("\x00\x00\x00\x00\x01\x2c", 6))}});
  add("nd_ra_route_information", "", ra_route, nd_ip(ll_a, v6("ff02::1")), all_nodes);

  add("nd_ns", "", NdNeighborSolicitation{ll_b, nd_options({slla})}, nd_ip(ll_a, solicited), solicited_mac);
  add("nd_ns_dad", "", NdNeighborSolicitation{ll_b, {}}, nd_ip(Ipv6Address{}, solicited), solicited_mac);
  add("nd_ns_unicast", "", NdNeighborSolicitation{ll_b, nd_options({slla})}, nd_ip(ll_a, ll_b));
  for (unsigned flags = 0; flags < 8; ++flags) {
    NdNeighborAdvertisement na;
    na.router = (flags & 4) != 0;
    na.solicited = (flags & 2) != 0;
    na.override_flag = (flags & 1) != 0;
    na.target = ll_a;
    na.options = nd_options({tlla});
    add("nd_na_flags_" + std::to_string(flags), "", na, nd_ip(ll_a, ll_b));
  }
  NdNeighborAdvertisement unsolicited;
  unsolicited.override_flag = true;
  unsolicited.target = ll_a;
  unsolicited.options = nd_options({tlla});
  add("nd_na_unsolicited", "", unsolicited, nd_ip(ll_a, v6("ff02::1")), all_nodes);

  const Ipv6Address better = v6("fe80::99"), redirected_dst = v6("2001:db8:7::7");
  add("nd_redirect", "", NdRedirect{better, redirected_dst, {}}, nd_ip(v6("fe80::fe"), ll_b));
  auto redirected_ip = ip6(ip6_b, redirected_dst);
  const Bytes redirected =
      emit_ipv6(redirected_ip, {}, Ipv6NextHeader::udp,
                emit_udp(udp(), pattern(16), PseudoHeader::v6(redirected_ip.src, redirected_ip.dst)));
  add("nd_redirect_tlla_header", ":ipv6:udp:data",
      NdRedirect{better, redirected_dst, nd_options({tlla, NdRedirectedHeader{redirected}})},
      nd_ip(v6("fe80::fe"), ll_b));
}

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
  if (!pcap.open(argv[1], hardstack::harness::LinkType::ethernet)) {
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

// emit_samples: the IPv4 side. ARP, IPv4 and each of its options, fragments,
// UDP, TCP (over IPv4 and, with the same cases, over IPv6) and ICMP.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hardstack/wire/arp.hpp"
#include "hardstack/wire/icmpv4.hpp"
#include "hardstack/wire/ipv4.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/tcp.hpp"
#include "hardstack/wire/udp.hpp"
#include "samples.hpp"

namespace hardstack::tools::samples {

using namespace hardstack::wire;

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

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace hardstack::tools::samples

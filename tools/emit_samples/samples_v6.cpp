// emit_samples: the IPv6 side. IPv6 and its extension headers (options,
// routing, fragments, chains), UDP over IPv6, ICMPv6 and Neighbor Discovery.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "hardstack/wire/ethernet.hpp"
#include "hardstack/wire/icmpv6.hpp"
#include "hardstack/wire/ipv6.hpp"
#include "hardstack/wire/ipv6_ext.hpp"
#include "hardstack/wire/ndp.hpp"
#include "hardstack/wire/udp.hpp"
#include "samples.hpp"

namespace hardstack::tools::samples {

using namespace hardstack::wire;

// ---- IPv6 and its extension headers ----------------------------------------------------

namespace {

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

}  // namespace

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

namespace {

NdOptions nd_options(std::initializer_list<NdOption> list) {
  NdOptions o;
  for (const auto& opt : list)
    if (!o.push_back(opt)) die("nd options", WireError::unrepresentable);
  return o;
}

}  // namespace

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

}  // namespace hardstack::tools::samples

"""Seeds for fuzzers/ipv6_input.cpp: a flags byte, an address byte, then up
to four packets, each behind a 2-byte length (see the target's comment).

Every wire_ipv6 seed comes along as a single packet from the peer to the
stack (addresses rewritten, ICMPv6 checksum repaired by the target), and
sequences of our own: echo, neighbour discovery, fragments (in order, out of
order, overlapping, timing out), the never-send cases, errors to us."""
from scapy.all import (Ether, ICMPv6DestUnreach, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6ND_Redirect, ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, ICMPv6PacketTooBig,
                       ICMPv6ParamProblem, ICMPv6TimeExceeded, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN, UDP, raw)

import wire_ipv6
from _common import MAC_A, MAC_B

TARGET = "ipv6_input"

OUR6 = "2001:db8::1"
PEER6 = "2001:db8::2"
THIRD6 = "2001:db8::3"
PEER_LL = "fe80::2"
ALL_NODES = "ff02::1"
SOLICITED_OUR6 = "ff02::1:ff00:1"
MAC_C = "02:00:00:00:00:03"

# Flags byte (fuzzers/ipv6_input.cpp).
TO_OUR_MAC, TO_GROUP_MAC, WHOLE_FRAME, RAW_IP = 0, 1, 2, 3
REPAIR, REWRITE = 4, 8
STEP_1S, STEP_30S, STEP_61S = 0x10, 0x20, 0x30
# Address byte: table indexes (low nibble source, high nibble destination).
A_OUR6, A_PEER6, A_PEER_LL, A_ALL_NODES = 0, 1, 2, 3
FROM_PEER_TO_US = A_PEER6 | (A_OUR6 << 4)


def record(*packets, flags=TO_OUR_MAC, addresses=0):
    out = bytes([flags, addresses])
    for p in packets:
        b = bytes(p)
        out += len(b).to_bytes(2, "big") + b
    return out


def ip6(src=PEER6, dst=OUR6, hlim=64, **kw):
    return IPv6(src=src, dst=dst, fl=0, tc=0, hlim=hlim, **kw)


def echo(seq=1, data=b"hardstack"):
    return ICMPv6EchoRequest(id=0x1234, seq=seq, data=data)


def fragments(packet, size, ident):
    """RFC 8200 4.5 by hand: the fixed header, then Fragment headers over the rest."""
    whole = raw(packet)
    nh, rest = whole[6], whole[40:]
    out = []
    for offset in range(0, len(rest), size):
        chunk = rest[offset:offset + size]
        more = offset + size < len(rest)
        hdr = bytearray(whole[:40])
        hdr[4:6] = (8 + len(chunk)).to_bytes(2, "big")
        hdr[6] = 44
        fh = bytes([nh, 0]) + ((offset // 8) << 3 | (1 if more else 0)).to_bytes(2, "big") + ident.to_bytes(4, "big")
        out.append(bytes(hdr) + fh + chunk)
    return out


def own_seeds():
    yield "echo", record(ip6() / echo())
    yield "echo_to_all_nodes_group_frame", record(ip6(dst=ALL_NODES) / echo(), flags=TO_GROUP_MAC)
    yield "echo_from_link_local_then_na", record(
        ip6(src=PEER_LL, dst="fe80::ff:fe00:1") / echo(),
        ip6(src=PEER_LL, dst="fe80::ff:fe00:1", hlim=255) / ICMPv6ND_NA(tgt=PEER_LL, S=1, O=1, R=0) /
        ICMPv6NDOptDstLLAddr(lladdr=MAC_B))
    yield "echo_whole_ethernet_frame", record(Ether(src=MAC_B, dst=MAC_A) / ip6() / echo(), flags=WHOLE_FRAME)
    yield "echo_raw_ip", record(ip6() / echo(), flags=RAW_IP)
    yield "echo_rewritten_repaired", record(ip6(src="::1", dst="::2") / echo(), flags=REWRITE | REPAIR,
                                            addresses=FROM_PEER_TO_US)
    # ND-1.
    ns = ip6(dst=SOLICITED_OUR6, hlim=255) / ICMPv6ND_NS(tgt=OUR6) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_B)
    yield "ns_multicast_then_echo", record(ns, ip6() / echo(), flags=TO_GROUP_MAC)
    yield "ns_unicast", record(ip6(hlim=255) / ICMPv6ND_NS(tgt=OUR6) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_B))
    yield "ns_dad", record(ip6(src="::", dst=SOLICITED_OUR6, hlim=255) / ICMPv6ND_NS(tgt=OUR6), flags=TO_GROUP_MAC)
    yield "ns_hop_limit_64", record(ip6(dst=SOLICITED_OUR6) / ICMPv6ND_NS(tgt=OUR6), flags=TO_GROUP_MAC)
    yield "ns_zero_length_option", record(
        raw(ip6(dst=SOLICITED_OUR6, hlim=255, plen=40) / ICMPv6ND_NS(tgt=OUR6) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_B)) +
        bytes([14, 0, 0, 0, 0, 0, 0, 0]), flags=TO_GROUP_MAC | REPAIR)
    yield "resolution_then_na", record(
        ip6(src=THIRD6) / echo(),
        ip6(src=THIRD6, hlim=255) / ICMPv6ND_NA(tgt=THIRD6, S=1, O=1, R=0) / ICMPv6NDOptDstLLAddr(lladdr=MAC_C))
    yield "resolution_unanswered", record(ip6(src=THIRD6) / echo(), flags=STEP_1S)
    yield "na_solicited_to_group", record(
        ip6(src=THIRD6) / echo(),
        ip6(src=THIRD6, dst=ALL_NODES, hlim=255) / ICMPv6ND_NA(tgt=THIRD6, S=1, O=1, R=0) /
        ICMPv6NDOptDstLLAddr(lladdr=MAC_C))
    yield "ra_with_slla", record(
        ip6(src="fe80::1", dst=ALL_NODES, hlim=255) /
        ICMPv6ND_RA(chlim=64, M=0, O=0, routerlifetime=1800, reachabletime=20000, retranstimer=500) /
        ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:fe"), flags=TO_GROUP_MAC)
    yield "rs", record(ip6(src="fe80::9", dst="ff02::2", hlim=255) / ICMPv6ND_RS(), flags=TO_GROUP_MAC)
    yield "redirect", record(ip6(src="fe80::1", hlim=255) / ICMPv6ND_Redirect(tgt=PEER_LL, dst="2001:db8:ff::7"))
    # Errors to us about our datagram.
    ours = raw(IPv6(src=OUR6, dst=PEER6, fl=0, tc=0, hlim=64) / UDP(sport=5000, dport=53) / b"query")
    yield "port_unreachable_to_us", record(ip6() / ICMPv6DestUnreach(code=4) / ours)
    yield "packet_too_big_to_us", record(ip6() / ICMPv6PacketTooBig(mtu=1280) / ours)
    yield "time_exceeded_to_us", record(ip6() / ICMPv6TimeExceeded(code=0) / ours)
    yield "param_problem_to_us", record(ip6() / ICMPv6ParamProblem(code=1, ptr=6) / ours)
    # Transport: port 9 listens, others are unreachable.
    yield "udp_discard_port", record(ip6() / UDP(sport=1000, dport=9) / b"x")
    yield "udp_closed_port", record(ip6() / UDP(sport=1000, dport=7) / b"x")
    yield "udp_closed_port_to_group", record(ip6(dst=ALL_NODES) / UDP(sport=1000, dport=7) / b"x", flags=TO_GROUP_MAC)
    # ICMP6-2: never-send cases.
    yield "unknown_option_10_to_group", record(
        ip6(dst=ALL_NODES) / IPv6ExtHdrDestOpt(options=[PadN(otype=0x9e, optdata=b"\x00\x00")]) / echo(),
        flags=TO_GROUP_MAC)
    yield "unknown_next_header_in_group_frame", record(ip6(nh=253) / b"payload!", flags=TO_GROUP_MAC)
    yield "rh0_segments_left", record(ip6() / IPv6ExtHdrRouting(addresses=["2001:db8::7"], segleft=1) / echo())
    # V6-FRAG: in order, out of order, overlapping, duplicated, timing out.
    big = ip6() / echo(data=bytes(range(256)) * 10)
    f = fragments(big, 1024, 0x2222)
    yield "fragments_in_order", record(*f)
    yield "fragments_reversed", record(*reversed(f))
    yield "fragments_duplicate", record(f[0], f[0], f[1], f[2])
    overlap = bytearray(f[1])
    overlap[42:44] = ((1000 // 8) << 3 | 1).to_bytes(2, "big")
    yield "fragments_overlap", record(f[0], bytes(overlap), f[1], f[2])
    yield "fragment_first_times_out", record(f[0], flags=STEP_61S)
    yield "fragment_last_times_out", record(f[2], flags=STEP_61S)
    yield "fragments_slow", record(*f, flags=STEP_30S)
    yield "fragments_atomic_same_id", record(f[0], raw(ip6() / IPv6ExtHdrFragment(id=0x2222, offset=0, m=0) / echo()),
                                             f[1], f[2])
    yield "fragments_with_hbh", record(*fragments_after_hbh(ip6() / IPv6ExtHdrHopByHop(options=[PadN(optdata=bytes(4))]) /
                                                            UDP(sport=1, dport=9) / bytes(2000), 1232, 0x3333))


def fragments_after_hbh(packet, size, ident):
    """Fragments of a datagram whose Hop-by-Hop header stays unfragmentable."""
    whole = raw(packet)
    hbh_len = (whole[41] + 1) * 8
    unfrag, nh, rest = whole[:40 + hbh_len], whole[40], whole[40 + hbh_len:]
    out = []
    for offset in range(0, len(rest), size):
        chunk = rest[offset:offset + size]
        more = offset + size < len(rest)
        hdr = bytearray(unfrag)
        hdr[4:6] = (hbh_len + 8 + len(chunk)).to_bytes(2, "big")
        hdr[40] = 44
        fh = bytes([nh, 0]) + ((offset // 8) << 3 | (1 if more else 0)).to_bytes(2, "big") + ident.to_bytes(4, "big")
        out.append(bytes(hdr) + fh + chunk)
    return out


def seeds():
    yield from own_seeds()
    for name, data in wire_ipv6.seeds():
        if len(data) <= 0xffff:
            yield "wire_" + name, record(data, flags=REWRITE | REPAIR, addresses=FROM_PEER_TO_US)

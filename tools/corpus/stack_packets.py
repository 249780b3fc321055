"""Seeds for fuzzers/stack_packets.cpp: frame logs (tools/corpus/_frame_log.py)
of conversations with a stack at 192.0.2.1 / 2001:db8::1 (MAC 02:00:00:00:00:01)
from a peer at 192.0.2.2 / 2001:db8::2 (MAC 02:00:00:00:00:02).

Prelude byte 0: bit 0 the peer is known, bit 1 small caps, bit 2 no ICMP rate
limit. Frame selector: 0 whole Ethernet frame, 1 IP datagram to our MAC,
2 to broadcast, 3 to an IP multicast MAC; +4 repair checksums."""
from scapy.all import (ARP, ICMP, IP, UDP, Ether, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, PadN, Raw, fragment, raw)

from _frame_log import log

TARGET = "stack_packets"

US_MAC, PEER_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
US4, PEER4 = "192.0.2.1", "192.0.2.2"
US6, PEER6 = "2001:db8::1", "2001:db8::2"
SOLICITED_US6 = "ff02::1:ff00:1"


def eth(p, dst=US_MAC):
    return raw(Ether(src=PEER_MAC, dst=dst) / p)


def ip4(**kw):
    return IP(src=PEER4, dst=US4, id=kw.pop("id", 0x1234), **kw)


def ip6(**kw):
    return IPv6(src=PEER6, dst=US6, **kw)


def ns():
    return eth(IPv6(src=PEER6, dst=SOLICITED_US6, hlim=255) / ICMPv6ND_NS(tgt=US6) /
               ICMPv6NDOptSrcLLAddr(lladdr=PEER_MAC), dst="33:33:ff:00:00:01")


def seeds():
    arp_req = eth(ARP(op=1, hwsrc=PEER_MAC, psrc=PEER4, pdst=US4), dst="ff:ff:ff:ff:ff:ff")
    echo4 = raw(ip4() / ICMP(type=8, id=7, seq=1) / Raw(b"hardstack"))
    echo6 = raw(ip6() / ICMPv6EchoRequest(id=7, seq=1, data=b"hardstack"))
    big4 = ip4(id=0x4321) / ICMP(type=8, id=8, seq=2) / Raw(bytes(range(256)) * 12)
    frags4 = [raw(f) for f in fragment(big4, fragsize=1024)]
    big6 = ip6() / IPv6ExtHdrFragment(id=0xabcd) / ICMPv6EchoRequest(id=8, seq=2, data=bytes(3000))
    frags6 = [raw(f) for f in fragment6_fixed(big6, 1280)]

    yield "echo_v4_known_peer", log([("frame", echo4, 1)], prelude=b"\x01\x00")
    yield "arp_then_echo_v4", log([("frame", arp_req), ("frame", echo4, 1), ("time", 1000)], prelude=b"\x00\x00")
    yield "echo_v4_unknown_peer_arp_times_out", log([("frame", echo4, 1), ("time", 5000)], prelude=b"\x00\x00")
    yield "echo_v6_after_ns", log([("frame", ns()), ("frame", echo6, 1), ("time", 100)], prelude=b"\x01\x00")
    yield "echo_v6_nd_resolution", log([("frame", echo6, 1), ("time", 1000),
                                        ("frame", eth(IPv6(src=PEER6, dst=US6, hlim=255) /
                                                      ICMPv6ND_NA(tgt=PEER6, S=1, O=1) /
                                                      ICMPv6NDOptDstLLAddr(lladdr=PEER_MAC)))],
                                       prelude=b"\x00\x00")
    yield "fragmented_echo_v4", log([("frame", f, 1) for f in frags4], prelude=b"\x01\x00")
    yield "fragmented_echo_v4_reversed", log([("frame", f, 1) for f in reversed(frags4)], prelude=b"\x01\x00")
    yield "incomplete_v4_timeout", log([("frame", frags4[0], 1), ("time", 31000)], prelude=b"\x01\x04")
    yield "fragmented_echo_v6", log([("frame", ns())] + [("frame", f, 1) for f in frags6], prelude=b"\x01\x00")
    yield "incomplete_v6_timeout", log([("frame", ns()), ("frame", frags6[0], 1), ("time", 61000)],
                                       prelude=b"\x01\x04")
    yield "udp_port_unreachable_v4", log([("frame", raw(ip4() / UDP(sport=4000, dport=9) / Raw(b"x")), 1)],
                                         prelude=b"\x01\x04")
    yield "unknown_protocol_v4", log([("frame", raw(ip4(proto=253) / Raw(b"abcd")), 1)], prelude=b"\x01\x04")
    yield "options_rr_v4", log([("frame", raw(IP(src=PEER4, dst=US4, id=9, options=b"\x07\x0b\x04" + bytes(8) +
                                                  b"\x00") / ICMP(type=8, id=1, seq=1)), 1)], prelude=b"\x01\x00")
    yield "ext_chain_v6", log([("frame", ns()),
                               ("frame", raw(ip6() / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)]) /
                                             IPv6ExtHdrRouting(segleft=0) / IPv6ExtHdrDestOpt() /
                                             ICMPv6EchoRequest(id=3, seq=3)), 1)], prelude=b"\x01\x04")
    yield "unknown_next_header_v6", log([("frame", ns()), ("frame", raw(ip6(nh=253) / Raw(b"x" * 8)), 1)],
                                        prelude=b"\x01\x04")
    yield "broadcast_echo_v4", log([("frame", raw(IP(src=PEER4, dst="192.0.2.255", id=5) /
                                                  ICMP(type=8, id=2, seq=2)), 2)], prelude=b"\x01\x00")
    yield "multicast_echo_v6", log([("frame", ns()), ("frame", raw(IPv6(src=PEER6, dst="ff02::1") /
                                                                   ICMPv6EchoRequest(id=4, seq=4)), 3)],
                                   prelude=b"\x01\x00")


def fragment6_fixed(packet, mtu):
    """Scapy's fragment6, with the identification kept (it is already set)."""
    from scapy.all import fragment6
    return fragment6(packet, mtu)

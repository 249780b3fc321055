"""Seeds for fuzzers/ipv4_input.cpp: two control bytes, then one IPv4 packet
(or a whole Ethernet frame) from the peer 192.0.2.2 to the stack at 192.0.2.1
(198.51.100.2 -> 198.51.100.1 on the raw-IP interface).

Control byte 0: bit 0 whole Ethernet frame; bits 1-2 link (0 ours, 1
broadcast, 2 multicast, 3 raw IP); bit 3 repair checksums; bit 4 also
send_ipv4(); bits 5-6 fragment (1 in order, 2 reversed, 3 last first); bit 7
a whole copy after the fragments. Byte 1: fragment size in 8-byte units - 1
(bits 0-4), PmtuDiscovery for send_ipv4 (bits 5-6). See the target's comment.
"""
import struct

from scapy.all import ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, IPv6, Raw, raw

from wire_ipv4 import HOP1, opt, option_seeds, route, rr, ts

TARGET = "ipv4_input"

US = "192.0.2.1"
PEER = "192.0.2.2"
TUN_US = "198.51.100.1"
TUN_PEER = "198.51.100.2"
OUR_MAC = "02:00:00:00:00:01"
PEER_MAC = "02:00:00:00:00:02"

ETH, BCAST, MCAST, TUN = 0, 1, 2, 3
REPAIR = 0x08
SEND = 0x10
IN_ORDER, REVERSED, LAST_FIRST = 0x20, 0x40, 0x60
WHOLE_COPY = 0x80


def control(link=ETH, repair=True, frag=0, send=False, copy=False, units=2, pmtu=0):
    b0 = (link << 1) | (REPAIR if repair else 0) | frag | (SEND if send else 0) | (WHOLE_COPY if copy else 0)
    return bytes([b0, (units - 1) & 0x1f | (pmtu << 5)])


def ip(src=PEER, dst=US, options=b"", **fields):
    base = dict(src=src, dst=dst, id=0x1234, ttl=64)
    base.update(fields)
    if options:
        base["options"] = [Raw(load=options)]
    return IP(**base)


def echo(data=b"hardstack ping", **fields):
    return ip(**fields) / ICMP(type=8, id=0x77, seq=1) / data


def our_udp(data=b"query"):
    """A datagram this host sent: what an error from the peer quotes."""
    return raw(IP(src=US, dst=PEER, id=0x4242, ttl=64) / UDP(sport=40000, dport=53) / data)


def packet_seeds():
    yield "echo", control(), raw(echo())
    yield "echo_tos_ecn", control(), raw(echo(tos=0xbb))
    yield "echo_bad_ip_checksum", control(repair=False), raw(echo(chksum=0x1234))
    yield "echo_bad_icmp_checksum", control(repair=False), raw(ip() / ICMP(type=8, id=1, seq=1, chksum=1) / b"x")
    yield "echo_broadcast", control(link=BCAST), raw(echo(dst="192.0.2.255"))
    yield "echo_limited_broadcast", control(link=BCAST), raw(echo(dst="255.255.255.255"))
    yield "echo_all_hosts", control(link=MCAST), raw(echo(dst="224.0.0.1"))
    yield "echo_tun", control(link=TUN), raw(echo(src=TUN_PEER, dst=TUN_US))
    yield "echo_not_for_us", control(), raw(echo(dst="198.51.100.7"))
    yield "echo_martian_source", control(), raw(echo(src="224.0.0.5"))
    yield "echo_loopback_source", control(), raw(echo(src="127.0.0.1"))
    yield "udp_even_port", control(), raw(ip() / UDP(sport=1000, dport=2000) / b"data")
    yield "udp_odd_port", control(), raw(ip() / UDP(sport=1000, dport=2001) / b"data")
    yield "udp_broadcast_odd_port", control(link=BCAST), raw(ip(dst="192.0.2.255") / UDP(sport=1, dport=3))
    yield "udp_link_broadcast_odd_port", control(link=BCAST), raw(ip() / UDP(sport=1, dport=3))
    yield "tcp_syn", control(), raw(ip() / TCP(sport=40000, dport=22, seq=1, flags="S", window=65535))
    yield "unknown_protocol", control(), raw(ip(proto=253) / b"what is this")
    inner = bytes.fromhex("4f00ffff000000004011 0000 0a000001 c0000201".replace(" ", ""))
    yield "ipip_bogus_inner", control(), raw(ip(proto=4) / inner)
    yield "ipip_one_byte", control(), raw(ip(proto=4) / b"\x4f")
    yield "truncated_total_length", control(), raw(echo(len=200))
    yield "ihl15_short", control(repair=False), raw(echo(ihl=15))[:40]
    # ICMP errors about a datagram we sent, and malformed quotes.
    quoted = our_udp()
    yield "err_port_unreachable", control(), raw(ip() / ICMP(type=3, code=3) / quoted)
    yield "err_frag_needed", control(), raw(ip() / ICMP(type=3, code=4, nexthopmtu=1400) / quoted)
    yield "err_time_exceeded", control(), raw(ip() / ICMP(type=11, code=0) / quoted)
    yield "err_param_problem", control(), raw(ip() / ICMP(type=12, ptr=9) / quoted)
    yield "err_quote_short", control(), raw(ip() / ICMP(type=3, code=3) / quoted[:19])
    yield "err_quote_ihl15", control(), raw(ip() / ICMP(type=3, code=3) / (b"\x4f" + quoted[1:]))
    yield "err_quote_no_transport", control(), raw(ip() / ICMP(type=3, code=3) / quoted[:20])
    yield "err_to_broadcast", control(link=BCAST), raw(ip(dst="192.0.2.255") / ICMP(type=3, code=3) / quoted)
    yield "icmp_unknown_type", control(), raw(ip() / ICMP(type=42) / b"x")
    yield "icmp_timestamp", control(), raw(ip() / ICMP(type=13, id=1, seq=1, ts_ori=0, ts_rx=0, ts_tx=0))
    yield "icmp_redirect", control(), raw(ip() / ICMP(type=5, code=1, gw="192.0.2.254") / quoted)
    # Errors that must not be answered with errors.
    yield "err_with_bad_options", control(), raw(ip(options=rr(3, [bytes(4)])) / ICMP(type=3, code=3) / quoted)
    yield "echo_with_bad_options", control(), raw(echo(options=rr(3, [bytes(4)])))


def option_packets():
    for name, options in option_seeds():
        yield "opt_" + name, control(), raw(echo(options=options))


def fragment_packets():
    big = echo(data=bytes(range(256)) * 8)
    yield "frag_echo_in_order", control(frag=IN_ORDER, units=32), raw(big)
    yield "frag_echo_reversed", control(frag=REVERSED, units=16), raw(big)
    yield "frag_echo_last_first", control(frag=LAST_FIRST, units=8), raw(big)
    yield "frag_echo_with_copy", control(frag=IN_ORDER, copy=True, units=32), raw(big)
    yield "frag_echo_tiny", control(frag=IN_ORDER, units=1), raw(echo(data=bytes(200)))
    yield "frag_udp_tun", control(link=TUN, frag=REVERSED, units=4),\
        raw(ip(src=TUN_PEER, dst=TUN_US) / UDP(sport=5, dport=7) / bytes(300))
    yield "frag_tcp_8", control(frag=IN_ORDER, units=1),\
        raw(ip() / TCP(sport=1, dport=2, flags="S", seq=5, window=1024) / b"rfc1858")
    yield "frag_with_options", control(frag=IN_ORDER, units=4),\
        raw(echo(data=bytes(100), options=opt(148, b"\x00\x00") + rr(4, [bytes(4)])))
    yield "frag_broadcast", control(link=BCAST, frag=IN_ORDER, units=4), raw(echo(dst="192.0.2.255", data=bytes(64)))
    yield "first_fragment_only", control(), raw(ip(flags="MF", proto=1) / ICMP(type=8, id=1, seq=1) / bytes(64))
    yield "ping_of_death_last", control(), raw(ip(frag=8189, proto=1) / bytes(100))
    yield "frag_not_multiple_of_8", control(), raw(ip(flags="MF", proto=17) / bytes(13))


def output_packets():
    # Addressed to the peer: the packet itself is not for us (dropped), what matters is send_ipv4().
    yield "send_rr", control(send=True), raw(ip(dst=PEER, options=rr(4, [bytes(4)]), proto=253) / b"out")
    yield "send_big_want", control(send=True, pmtu=1), raw(ip(dst=PEER, proto=253) / bytes(3000))
    yield "send_big_do", control(send=True, pmtu=2), raw(ip(dst=PEER, proto=253) / bytes(3000))
    yield "send_big_dont_options", control(send=True, pmtu=0),\
        raw(ip(dst=PEER, proto=253, options=opt(148, b"\x00\x00") + rr(4, [bytes(4)] * 2)) / bytes(4000))
    yield "send_lsrr", control(send=True), raw(ip(dst="203.0.113.5", proto=253,
                                                   options=route(131, 4, [HOP1, bytes([198, 51, 100, 9])])) / b"x")
    yield "send_ssrr_off_link", control(send=True), raw(ip(dst="203.0.113.5", proto=253,
                                                           options=route(137, 4, [bytes([203, 0, 113, 1])])) / b"x")
    yield "send_ts_copied", control(send=True), raw(ip(dst=PEER, proto=253, options=ts(5, 0, 1, bytes(16)) +
                                                       opt(148, b"\x00\x00")) / bytes(2000))
    yield "send_bad_options", control(send=True), raw(ip(dst=PEER, proto=253, options=b"\x07\x01\x00\x00") / b"x")
    yield "send_to_self", control(send=True), raw(ip(dst=US, proto=17) / UDP(sport=1, dport=2) / b"me")
    yield "send_tun", control(link=TUN, send=True), raw(ip(src=TUN_PEER, dst="198.51.100.9", proto=253) / bytes(1600))


def frame_seeds():
    arp = Ether(src=PEER_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=PEER_MAC, psrc=PEER, pdst=US)
    yield "frame_arp_request", bytes([0x01, 0x00]), raw(arp)
    yield "frame_echo", bytes([0x09, 0x00]), raw(Ether(src=PEER_MAC, dst=OUR_MAC) / echo())
    yield "frame_echo_padded", bytes([0x09, 0x00]), raw(Ether(src=PEER_MAC, dst=OUR_MAC) / echo(data=b"")) + bytes(18)
    yield "frame_vlan", bytes([0x09, 0x00]), raw(Ether(src=PEER_MAC, dst=OUR_MAC) / Dot1Q(vlan=5) / echo())
    yield "frame_ipv6", bytes([0x01, 0x00]), raw(Ether(src=PEER_MAC, dst=OUR_MAC) /
                                                 IPv6(src="2001:db8::2", dst="2001:db8::1", hlim=64) / b"")
    yield "frame_other_mac", bytes([0x09, 0x00]), raw(Ether(src=PEER_MAC, dst="02:00:00:00:00:09") / echo())


def seeds():
    for group in (packet_seeds(), option_packets(), fragment_packets(), output_packets(), frame_seeds()):
        for name, ctl, data in group:
            yield name, ctl + data
    yield "empty", b""
    yield "control_only", control()
    yield "ts_value", control() + raw(echo(options=ts(5, 0, 0, struct.pack(">II", 0, 0))))

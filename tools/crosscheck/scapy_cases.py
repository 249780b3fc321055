"""Packets for tools/crosscheck_scapy.py and how Scapy's dissection maps onto
tools/wire_dump's JSON (layer name -> field name -> value; lists compare
element by element).

cases():            valid packets built by Scapy; hardstack must accept each one,
                    every checksum verified, and decode every field Scapy decodes
                    to the same value.
malformed_cases():  deliberately broken packets and the exact error hardstack must
                    report ({"error", "layer", "offset"}, offset from the frame start).

Every field Scapy would randomise or take from the host (IDs, ports, sequence
numbers, MACs) is set, so the packet list is the same on every run.
"""
import struct

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, IPOption, IPOption_NOP, Padding, Raw, fragment,
                       raw)
from scapy.layers.inet import TCPOptions
from scapy.layers.inet6 import (HAO, HBHOptUnknown, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6DestUnreach,
                                ICMPv6MLDone, ICMPv6MLQuery, ICMPv6MLReport, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                                ICMPv6ND_Redirect, ICMPv6ND_RS, ICMPv6NDOptDNSSL, ICMPv6NDOptDstLLAddr,
                                ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS, ICMPv6NDOptRedirectedHdr,
                                ICMPv6NDOptRouteInfo, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptUnknown,
                                ICMPv6PacketTooBig, ICMPv6ParamProblem, ICMPv6TimeExceeded, ICMPv6Unknown, IPv6,
                                IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                                IPv6ExtHdrSegmentRouting, Jumbo, Pad1, PadN, RouterAlert, _ICMPv6, fragment6,
                                in6_chksum)
from scapy.utils import checksum

MAC_A, MAC_B = "02:00:00:00:00:01", "02:00:00:00:00:02"
IP4_A, IP4_B = "192.0.2.1", "192.0.2.2"
IP6_A, IP6_B = "2001:db8::1", "2001:db8::2"
LL_A, LL_B = "fe80::1", "fe80::2"
HOPS = ["192.0.2.10", "192.0.2.11", "198.51.100.1", "198.51.100.2", "203.0.113.7", "203.0.113.8",
        "10.0.0.1", "10.0.0.2", "10.0.0.3"]


def eth(dst=MAC_B):
    return Ether(dst=dst, src=MAC_A)


def ip4(**fields):
    base = dict(src=IP4_A, dst=IP4_B, id=0x1234, ttl=64)
    base.update(fields)
    return IP(**base)


def udp(sport=40000, dport=7):
    return UDP(sport=sport, dport=dport)


def tcp(**fields):
    base = dict(sport=40000, dport=80, seq=1000, ack=0, flags="S", window=65535)
    base.update(fields)
    return TCP(**base)


def ip_addr(text):
    return bytes(int(x) for x in text.split("."))


# ---- IPv4 options, as raw bytes so every length/pointer is what we say -----------

def opt_route(kind, pointer, hops):
    return bytes([kind, 3 + 4 * len(hops), pointer]) + b"".join(ip_addr(h) for h in hops)


def opt_ts(pointer, overflow, flag, slots):
    """slots: list of timestamps (flag 0) or (address, timestamp) pairs."""
    body = b""
    for s in slots:
        body += struct.pack(">I", s) if flag == 0 else ip_addr(s[0]) + struct.pack(">I", s[1])
    return bytes([68, 4 + len(body), pointer, overflow << 4 | flag]) + body


def opt_ra(value):
    return bytes([148, 4]) + struct.pack(">H", value)


def final_destination(ip_header):
    """RFC 791 3.1, RFC 1122 3.2.1.8: the pseudo-header's destination is the final
    one: the last address of a loose/strict source route that still has hops to
    visit (pointer <= length), else the header's. (Wireshark's rule too; Scapy's
    in4_chksum takes the last address even of a finished route.)"""
    area = ip_header[20:]
    while area and area[0] != 0:
        if area[0] == 1:
            area = area[1:]
            continue
        if len(area) < 3 or area[1] < 2:
            break  # malformed: no source route to honour
        length = area[1]
        if area[0] in (131, 137) and area[2] <= length and length >= 7:
            slots = (length - 3) // 4
            return area[3 + 4 * (slots - 1):3 + 4 * slots]
        area = area[length:]
    return ip_header[16:20]


def l4_checksum_ok(ip_bytes, proto):
    """The UDP/TCP checksum of an IPv4 packet verifies over the final destination."""
    ihl = (ip_bytes[0] & 0x0f) * 4
    total = struct.unpack(">H", ip_bytes[2:4])[0]
    segment = ip_bytes[ihl:total]
    if proto == 17:
        segment = segment[:struct.unpack(">H", segment[4:6])[0]]
    pseudo = ip_bytes[12:16] + final_destination(ip_bytes[:ihl]) + struct.pack(">HH", proto, len(segment))
    return checksum(pseudo + segment) == 0


def fix_l4_checksum(pkt):
    """Recomputes the UDP/TCP checksum of a packet whose options Scapy built as raw
    bytes (so it took the header's destination) over the final destination."""
    frame = bytearray(raw(pkt))
    ip_at = 14
    ihl = (frame[ip_at] & 0x0f) * 4
    proto = frame[ip_at + 9]
    total = struct.unpack(">H", frame[ip_at + 2:ip_at + 4])[0]
    at = {6: 16, 17: 6}.get(proto)
    if at is None:
        return pkt
    seg = ip_at + ihl
    frame[seg + at:seg + at + 2] = b"\x00\x00"
    segment = bytes(frame[seg:ip_at + total])
    pseudo = bytes(frame[ip_at + 12:ip_at + 16]) + final_destination(bytes(frame[ip_at:seg])) + \
        struct.pack(">HH", proto, len(segment))
    value = checksum(pseudo + segment)
    frame[seg + at:seg + at + 2] = struct.pack(">H", value if value or proto != 17 else 0xffff)
    return Ether(bytes(frame))


def with_options(raw_options, payload=None, **fields):
    pkt = ip4(options=[Raw(load=raw_options)], **fields)
    return fix_l4_checksum(eth() / pkt / (payload if payload is not None else udp() / b"options"))


def ipv4_cases():
    payload = b"hardstack"
    yield "ip_udp_plain", eth() / ip4() / udp() / payload
    for tos in (0x00, 0x01, 0x02, 0x03, 0x10, 0x28, 0x2e << 2, 0xb8, 0xfc, 0xff):
        yield f"ip_tos_{tos:02x}", eth() / ip4(tos=tos) / udp() / payload
    for ttl in (0, 1, 128, 255):
        yield f"ip_ttl_{ttl}", eth() / ip4(ttl=ttl) / udp() / payload
    for ident in (0, 0xffff):
        yield f"ip_id_{ident}", eth() / ip4(id=ident) / udp() / payload
    yield "ip_df", eth() / ip4(flags="DF") / udp() / payload
    yield "ip_df_id0", eth() / ip4(flags="DF", id=0) / udp() / payload
    yield "ip_evil_bit", eth() / ip4(flags="evil") / udp() / payload  # RFC 3514: exposed, not checked
    yield "ip_tagged", eth() / Dot1Q(vlan=7, prio=5) / ip4() / udp() / payload
    yield "ip_padded_short", eth() / ip4() / udp() / b"x" / Padding(load=bytes(17))
    yield "ip_proto_gre", eth() / ip4(proto=47) / Raw(load=bytes(8))
    yield "ip_proto_253", eth() / ip4(proto=253) / Raw(load=b"experiment")
    yield "ip_no_payload", eth() / ip4(proto=59)
    yield "ip_multicast_dst", Ether(dst="01:00:5e:00:00:fb", src=MAC_A) / ip4(dst="224.0.0.251", ttl=255) / \
        udp(5353, 5353) / payload
    yield "ip_broadcast", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / ip4(dst="255.255.255.255") / \
        udp(68, 67) / payload
    # Fragments: Scapy cuts a 1400-byte UDP datagram into 3 pieces (MF, MF, last).
    big = ip4(id=0x4242) / udp() / bytes(range(256)) * 5
    for i, frag in enumerate(fragment(big, fragsize=480)):
        yield f"ip_fragment_{i}", eth() / frag
    for i, frag in enumerate(fragment(ip4(id=0x4343, flags="DF") / udp() / bytes(100), fragsize=48)):
        if i < 3:
            yield f"ip_fragment_df_{i}", eth() / frag  # DF with MF: odd, but legal on the wire
    yield "ip_fragment_last_offset_max", eth() / ip4(frag=8191, proto=17) / Raw(load=bytes(8))
    yield "ip_fragment_mf_offset_100", eth() / ip4(flags="MF", frag=100, proto=17) / Raw(load=bytes(64))

    # Options. NOP and EOL padding.
    yield "opt_nop_x4", with_options(b"\x01\x01\x01\x01")
    yield "opt_nop_eol", with_options(b"\x01\x00\x00\x00")
    yield "opt_eol_only", with_options(b"\x00\x00\x00\x00")
    yield "opt_eol_then_junk", with_options(b"\x00\x07\x07\x04")  # bytes after EOL are not options
    # Record Route: empty, partly filled, full, 1..9 slots.
    for n in range(1, 10):
        yield f"opt_rr_empty_{n}", with_options(opt_route(7, 4, ["0.0.0.0"] * n))
    yield "opt_rr_one_recorded", with_options(opt_route(7, 8, [HOPS[0], "0.0.0.0", "0.0.0.0"]))
    yield "opt_rr_full", with_options(opt_route(7, 16, HOPS[:3]))
    yield "opt_rr_nine_full", with_options(opt_route(7, 40, HOPS))
    yield "opt_rr_ptr_past_end", with_options(opt_route(7, 40, HOPS[:2]))  # full: pointer > length
    yield "opt_rr_after_nop", with_options(b"\x01" + opt_route(7, 4, ["0.0.0.0"] * 2))
    # Loose / strict source routes, pointer at each hop.
    for kind, name in ((131, "lsrr"), (137, "ssrr")):
        for ptr in (4, 8, 12, 16):
            yield f"opt_{name}_ptr{ptr}", with_options(opt_route(kind, ptr, HOPS[:3]))
        yield f"opt_{name}_one_hop", with_options(opt_route(kind, 4, HOPS[:1]))
        yield f"opt_{name}_nine_hops", with_options(opt_route(kind, 4, HOPS))
    yield "opt_rr_and_lsrr", with_options(opt_route(7, 4, ["0.0.0.0"]) + opt_route(131, 4, HOPS[:2]))
    # Timestamp: each flag, empty / partly filled / full, overflow values.
    yield "opt_ts_flag0_empty", with_options(opt_ts(5, 0, 0, [0]))
    yield "opt_ts_flag0_full", with_options(opt_ts(9, 0, 0, [86400]))
    yield "opt_ts_flag0_three", with_options(opt_ts(9, 0, 0, [1000, 0, 0]))
    yield "opt_ts_flag0_nine", with_options(opt_ts(5, 0, 0, list(range(9))))
    yield "opt_ts_flag1_empty", with_options(opt_ts(5, 0, 1, [("0.0.0.0", 0)]))
    yield "opt_ts_flag1_full", with_options(opt_ts(13, 0, 1, [(HOPS[0], 12345)]))
    yield "opt_ts_flag1_two", with_options(opt_ts(13, 0, 1, [(HOPS[0], 1), ("0.0.0.0", 0)]))
    yield "opt_ts_flag1_four", with_options(opt_ts(5, 0, 1, [("0.0.0.0", 0)] * 4))
    yield "opt_ts_flag3_prespecified", with_options(opt_ts(5, 0, 3, [(HOPS[1], 0)]))
    yield "opt_ts_flag3_two", with_options(opt_ts(5, 0, 3, [(HOPS[1], 0), (HOPS[2], 0)]))
    yield "opt_ts_flag3_full", with_options(opt_ts(21, 0, 3, [(HOPS[1], 5), (HOPS[2], 6)]))
    for ovf in (1, 7, 14, 15):
        yield f"opt_ts_overflow_{ovf}", with_options(opt_ts(5, ovf, 0, [0]))
    yield "opt_ts_full_overflow_3", with_options(opt_ts(9, 3, 0, [42]))
    # Router Alert (RFC 2113), Security, Stream ID, MTU probe, unknown kinds.
    yield "opt_ra_0", with_options(opt_ra(0))
    yield "opt_ra_1", with_options(opt_ra(1))
    yield "opt_ra_ffff", with_options(opt_ra(0xffff))
    yield "opt_ra_igmp", eth() / ip4(ttl=1, proto=2, options=[Raw(load=opt_ra(0))]) / Raw(load=bytes(8))
    yield "opt_security", with_options(bytes([130, 11]) + bytes([0xf1, 0x35, 0, 0, 0, 0, 0, 0, 0]) + b"\x00")
    yield "opt_stream_id", with_options(bytes([136, 4, 0x12, 0x34]))
    yield "opt_mtu_probe", with_options(bytes([11, 4, 0x05, 0xdc]))
    yield "opt_mtu_reply", with_options(bytes([12, 4, 0x05, 0xdc]))
    yield "opt_cipso", with_options(bytes([134, 10, 0, 0, 0, 1, 1, 4, 0, 3]) + b"\x00\x00")
    yield "opt_unknown_25", with_options(bytes([25, 8]) + bytes(range(6)))
    yield "opt_unknown_30_len2", with_options(bytes([30, 2, 1, 1]))
    yield "opt_unknown_158", with_options(bytes([158, 4, 0xaa, 0xbb]))
    yield "opt_unknown_222_long", with_options(bytes([222, 38]) + bytes(range(36)) + b"\x01\x00")
    # Combinations, up to the whole 40 bytes.
    yield "opt_ra_nop_rr", with_options(opt_ra(0) + b"\x01" + opt_route(7, 4, ["0.0.0.0"] * 2))
    yield "opt_lsrr_ts", with_options(opt_route(131, 4, HOPS[:2]) + b"\x01" + opt_ts(5, 0, 0, [0, 0]))
    yield "opt_all_kinds", with_options(b"\x01" + opt_ra(0) + opt_route(7, 4, ["0.0.0.0"]) +
                                        opt_ts(5, 0, 0, [0]) + bytes([136, 4, 0, 1]) + opt_route(137, 4, HOPS[:1]) +
                                        b"\x00\x00")
    yield "opt_max_area", with_options(opt_route(7, 4, ["0.0.0.0"] * 9) + b"\x00")
    yield "opt_with_tcp", with_options(opt_ra(0), payload=tcp() / b"")
    yield "opt_with_icmp", with_options(opt_route(7, 4, ["0.0.0.0"] * 2),
                                        payload=ICMP(type=8, id=1, seq=1) / b"ping")


def udp_cases():
    for sport, dport in ((1, 1), (53, 40000), (65535, 65535), (0, 9), (123, 123), (5353, 5353)):
        yield f"udp_ports_{sport}_{dport}", eth() / ip4() / udp(sport, dport) / b"payload"
    for n in (0, 1, 2, 7, 8, 255, 1472):
        yield f"udp_payload_{n}", eth() / ip4() / udp() / bytes((i * 7) & 0xff for i in range(n))
    yield "udp_checksum_zero_v4", eth() / ip4() / UDP(sport=40000, dport=7, chksum=0) / b"no checksum"
    yield "udp_checksum_zero_v4_empty", eth() / ip4() / UDP(sport=40000, dport=7, chksum=0)
    yield "udp_checksum_ffff", eth() / ip4(src="0.0.0.0", dst="0.0.0.0") / \
        UDP(sport=0, dport=0) / bytes.fromhex("ffe6")  # sum is 0: sent as 0xffff
    yield "udp_dhcp_discover", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / \
        ip4(src="0.0.0.0", dst="255.255.255.255") / udp(68, 67) / bytes(240)
    # UDP-1: a length below the IP payload's trims the datagram (checksum over the 12 bytes).
    trimmed = UDP(raw(ip4() / udp() / b"abcd")[20:])
    yield "udp_trailing_bytes", eth() / ip4() / UDP(sport=40000, dport=7, len=12, chksum=trimmed.chksum) / \
        b"abcd" / Raw(load=b"junk")
    yield "udp_padded_frame", eth() / ip4() / udp() / b"" / Padding(load=bytes(18))


def tcp_option_cases():
    base = dict(flags="S", seq=0x01020304)
    opts = {
        "mss": [("MSS", 1460)],
        "mss_0": [("MSS", 0)],
        "mss_ffff": [("MSS", 65535)],
        "wscale_0": [("WScale", 0)],
        "wscale_14": [("WScale", 14)],
        "wscale_15": [("WScale", 15)],  # used as 14, kept raw
        "sackok": [("SAckOK", b"")],
        "sack_1": [("SAck", (1000, 2000))],
        "sack_2": [("NOP", None), ("NOP", None), ("SAck", (1000, 2000, 3000, 4000))],
        "sack_3": [("NOP", None), ("NOP", None), ("SAck", (1, 2, 3, 4, 5, 6))],
        "sack_4": [("NOP", None), ("NOP", None), ("SAck", (1, 2, 3, 4, 5, 6, 0xfffffff0, 0xffffffff))],
        "timestamp": [("NOP", None), ("NOP", None), ("Timestamp", (0x11223344, 0x55667788))],
        "timestamp_zero": [("Timestamp", (0, 0))],
        "linux_syn": [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456, 0)), ("NOP", None),
                      ("WScale", 7)],
        "linux_synack_nots": [("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b""), ("NOP", None),
                              ("WScale", 9)],
        "freebsd_syn": [("MSS", 1460), ("NOP", None), ("WScale", 6), ("SAckOK", b""), ("Timestamp", (1, 0))],
        "windows_syn": [("MSS", 1460), ("NOP", None), ("WScale", 8), ("NOP", None), ("NOP", None),
                        ("SAckOK", b"")],
        "eol_only": [("EOL", None)],
        "nop_eol": [("NOP", None), ("EOL", None)],
        "mss_eol_padding": [("MSS", 536), ("EOL", None)],
        "nops_8": [("NOP", None)] * 8,
        "unknown_99": [(99, b"ab")],
        "unknown_99_empty": [(99, b"")],
        "md5": [("NOP", None), ("NOP", None), ("MD5", (bytes(range(16)),))],
        "uto": [("UTO", 0x8123)],
        "tfo_cookie": [("MSS", 1460), (34, bytes.fromhex("0011223344556677"))],
        "tfo_request": [(34, b"")],
        "mptcp_capable": [(30, bytes.fromhex("0181a1b2c3d4e5f60718"))],
        "experimental_253": [(253, bytes.fromhex("f989aabb"))],
        "experimental_254": [(254, bytes.fromhex("abcd"))],
        "unknown_then_known": [(77, b"\x00\x01\x02"), ("MSS", 1400), ("WScale", 2)],
        "max_40_bytes": [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 2)), ("NOP", None), ("WScale", 7),
                         ("NOP", None), ("NOP", None), ("SAck", (10, 20, 30, 40))],
    }
    for name, o in opts.items():
        yield f"tcp_opt_{name}", eth() / ip4() / tcp(options=o, **base)
    # Known kinds repeated: each one is listed in order.
    yield "tcp_opt_mss_twice", eth() / ip4() / tcp(options=[("MSS", 1000), ("MSS", 1200)], **base)


def tcp_cases():
    # Every combination of the 8 control bits (RFC 9293 3.1, RFC 3168 ECE/CWR).
    for bits in range(256):
        yield f"tcp_flags_{bits:02x}", eth() / ip4() / tcp(flags=bits, seq=bits * 1000003, ack=bits * 7,
                                                          urgptr=bits if bits & 0x20 else 0)
    yield "tcp_flag_ns", eth() / ip4() / tcp(flags=0x110)  # RFC 3540 NS (historic)
    for reserved in (1, 2, 4, 7):
        yield f"tcp_reserved_{reserved}", eth() / ip4() / tcp(flags="A", reserved=reserved)
    yield "tcp_seq_max", eth() / ip4() / tcp(flags="A", seq=0xffffffff, ack=0xffffffff)
    yield "tcp_window_0", eth() / ip4() / tcp(flags="A", window=0)
    yield "tcp_urg_data", eth() / ip4() / tcp(flags="PAU", urgptr=5) / b"urgent data"
    yield "tcp_payload_1", eth() / ip4() / tcp(flags="PA") / b"x"
    yield "tcp_payload_odd", eth() / ip4() / tcp(flags="PA") / bytes(range(255))
    yield "tcp_payload_1460", eth() / ip4(flags="DF") / tcp(flags="A") / bytes(i & 0xff for i in range(1460))
    yield "tcp_rst_ack", eth() / ip4() / tcp(flags="RA", seq=0, ack=1001, window=0)
    yield "tcp_padded_frame", eth() / ip4() / tcp(flags="A") / Padding(load=bytes(6))
    yield "tcp_dataofs_15_nops", eth() / ip4() / tcp(options=[("NOP", None)] * 40)
    yield from tcp_option_cases()


def quote(inner):
    """The first bytes of an offending datagram, as an ICMP error quotes them."""
    return raw(inner)[:28]


def icmp_cases():
    for ident, seq, data in ((0, 0, b""), (1, 1, b"ping"), (0xffff, 0xffff, bytes(56)),
                             (0x1234, 7, bytes(range(255))), (42, 1, b"o")):
        yield f"icmp_echo_{ident}_{seq}_{len(data)}", eth() / ip4() / ICMP(type=8, id=ident, seq=seq) / data
        yield f"icmp_echo_reply_{ident}_{seq}_{len(data)}", eth() / ip4(src=IP4_B, dst=IP4_A) / \
            ICMP(type=0, id=ident, seq=seq) / data
    offending_udp = IP(src=IP4_B, dst="198.51.100.9", id=7, ttl=1) / UDP(sport=33434, dport=33435) / bytes(12)
    offending_tcp = IP(src=IP4_B, dst="198.51.100.9", id=8, flags="DF") / TCP(sport=40000, dport=443, seq=5)
    for code in range(16):
        mtu = 1400 if code == 4 else 0
        yield f"icmp_unreach_{code}", eth() / ip4(src="198.51.100.1", dst=IP4_B) / \
            ICMP(type=3, code=code, nexthopmtu=mtu) / quote(offending_udp)
    yield "icmp_frag_needed_mtu_0", eth() / ip4() / ICMP(type=3, code=4, nexthopmtu=0) / quote(offending_tcp)
    yield "icmp_frag_needed_mtu_576", eth() / ip4() / ICMP(type=3, code=4, nexthopmtu=576) / quote(offending_tcp)
    yield "icmp_frag_needed_mtu_ffff", eth() / ip4() / ICMP(type=3, code=4, nexthopmtu=65535) / \
        raw(offending_tcp)
    yield "icmp_unreach_full_quote", eth() / ip4() / ICMP(type=3, code=3) / raw(offending_udp)
    yield "icmp_unreach_short_quote", eth() / ip4() / ICMP(type=3, code=1) / raw(offending_udp)[:20]
    for code in (0, 1):
        yield f"icmp_time_exceeded_{code}", eth() / ip4(src="198.51.100.1", dst=IP4_B) / \
            ICMP(type=11, code=code) / quote(offending_udp)
    for code, ptr in ((0, 0), (0, 1), (0, 20), (0, 255), (1, 0), (2, 0)):
        yield f"icmp_param_problem_{code}_{ptr}", eth() / ip4() / ICMP(type=12, code=code, ptr=ptr) / \
            quote(offending_tcp)
    for code in range(4):
        yield f"icmp_redirect_{code}", eth() / ip4(src="192.0.2.254", dst=IP4_A) / \
            ICMP(type=5, code=code, gw="192.0.2.253") / quote(offending_tcp)
    yield "icmp_timestamp", eth() / ip4() / ICMP(type=13, id=5, seq=6, ts_ori=1000, ts_rx=0, ts_tx=0)
    yield "icmp_timestamp_reply", eth() / ip4() / ICMP(type=14, id=5, seq=6, ts_ori=1000, ts_rx=86399999,
                                                       ts_tx=86400000)
    yield "icmp_timestamp_max", eth() / ip4() / ICMP(type=13, id=0xffff, seq=0xffff, ts_ori=0xffffffff,
                                                     ts_rx=0x80000000, ts_tx=1)
    # Types without a kind of their own: kept whole (rest of header + data).
    yield "icmp_source_quench", eth() / ip4() / ICMP(type=4, code=0) / quote(offending_udp)
    yield "icmp_router_solicitation", eth() / ip4(dst="224.0.0.2", ttl=1) / ICMP(type=10)
    yield "icmp_info_request", eth() / ip4() / ICMP(type=15, id=3, seq=4)
    yield "icmp_address_mask_request", eth() / ip4() / ICMP(type=17, id=3, seq=4) / bytes(4)
    yield "icmp_type_42", eth() / ip4() / ICMP(type=42, code=9) / b"extended echo?"
    yield "icmp_type_255", eth() / ip4() / ICMP(type=255, code=255)


def arp_cases():
    yield "arp_request", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / ARP(op=1, hwsrc=MAC_A, psrc=IP4_A,
                                                                        pdst=IP4_B)
    yield "arp_reply", Ether(dst=MAC_A, src=MAC_B) / ARP(op=2, hwsrc=MAC_B, psrc=IP4_B, hwdst=MAC_A, pdst=IP4_A)
    yield "arp_tagged", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / Dot1Q(vlan=100, prio=3) / \
        ARP(op=1, hwsrc=MAC_A, psrc="10.1.2.3", pdst="10.1.2.4")
    yield "arp_probe", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / ARP(op=1, hwsrc=MAC_A, psrc="0.0.0.0",
                                                                      pdst=IP4_A)
    yield "arp_gratuitous", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / ARP(op=2, hwsrc=MAC_A, psrc=IP4_A,
                                                                           hwdst="ff:ff:ff:ff:ff:ff", pdst=IP4_A)
    yield "arp_padded", Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / ARP(op=1, hwsrc=MAC_A, psrc=IP4_A,
                                                                       pdst=IP4_B) / Padding(load=bytes(18))


# ---- IPv6 -----------------------------------------------------------------------------

def ip6(**fields):
    base = dict(src=IP6_A, dst=IP6_B, hlim=64)
    base.update(fields)
    return IPv6(**base)


def eth6(dst=MAC_B):
    return Ether(dst=dst, src=MAC_A, type=0x86dd)


def ipv6_cases():
    data = b"hardstack"
    yield "ip6_udp_plain", eth6() / ip6() / udp() / data
    for tc in (0x00, 0x01, 0x03, 0xb8, 0xff):
        yield f"ip6_tc_{tc:02x}", eth6() / ip6(tc=tc) / udp() / data
    for fl in (1, 0x12345, 0xfffff):
        yield f"ip6_fl_{fl:x}", eth6() / ip6(fl=fl) / udp() / data
    for hlim in (0, 1, 255):
        yield f"ip6_hlim_{hlim}", eth6() / ip6(hlim=hlim) / udp() / data
    for name, src, dst in (("link_local", LL_A, LL_B), ("loopback", "::1", "::1"),
                           ("unspecified_src", "::", "ff02::1:ff00:1"),
                           ("v4_mapped", "::ffff:192.0.2.1", "::ffff:192.0.2.2"),
                           ("zero_runs", "2001:db8:0:0:1:0:0:1", "2001:0:0:1::1"),
                           ("one_zero_field", "2001:db8:0:1:1:1:1:1", "2001:db8:1:1:1:1:1:0"),
                           ("full", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", "fd00::ff:fe00:1"),
                           # RFC 5952 text forms: the longest run, the first of equal runs, no single-field ::.
                           ("trailing_run", "1::", "0:0:1::"), ("second_run_longer", "2001:0:0:1:0:0:0:1", "::2"),
                           ("alternating", "1:0:2:0:3:0:4:0", "1:2:3:4:5:6:7:8"),
                           ("v4_compatible", "::192.0.2.1", "::ffff:0.0.0.1"),
                           ("nat64", "64:ff9b::192.0.2.1", "::ffff:0:192.0.2.1")):
        yield f"ip6_addr_{name}", eth6() / ip6(src=src, dst=dst) / udp() / data
    yield "ip6_no_next_header", eth6() / ip6(nh=59)
    yield "ip6_no_next_header_data", eth6() / ip6(nh=59) / Raw(load=b"ignored")
    yield "ip6_padded_short", eth6() / ip6(nh=59) / Padding(load=bytes(6))
    yield "ip6_tagged", Ether(dst=MAC_B, src=MAC_A) / Dot1Q(vlan=3) / ip6() / udp() / data
    yield "ip6_unknown_upper", eth6() / ip6(nh=132) / Raw(load=bytes(12))  # SCTP: not decoded
    # Hop-by-Hop (RFC 8200 4.3): Router Alert (RFC 2711), padding, unknown options of each action.
    for value in (0, 1, 2, 0xffff):
        yield f"ip6_hbh_ra_{value}", eth6() / ip6(dst="ff02::16", hlim=1) / \
            IPv6ExtHdrHopByHop(options=[RouterAlert(value=value)]) / ICMPv6MLReport()
    yield "ip6_hbh_empty", eth6() / ip6() / IPv6ExtHdrHopByHop() / udp() / data
    yield "ip6_hbh_pad1s", eth6() / ip6() / IPv6ExtHdrHopByHop(autopad=0, options=[Pad1()] * 6) / udp() / data
    yield "ip6_hbh_padn_4", eth6() / ip6() / IPv6ExtHdrHopByHop(autopad=0, options=[PadN(optdata=bytes(4))]) / \
        udp() / data
    yield "ip6_hbh_pad1_padn", eth6() / ip6() / \
        IPv6ExtHdrHopByHop(autopad=0, options=[Pad1(), PadN(optdata=bytes(3))]) / udp() / data
    yield "ip6_hbh_ra_padn_16", eth6() / ip6() / \
        IPv6ExtHdrHopByHop(options=[RouterAlert(value=0), PadN(optdata=bytes(4)),
                                    HBHOptUnknown(otype=0x1e, optdata=b"abcdef")]) / udp() / data
    for otype in (0x1e, 0x3e, 0x5e, 0x9e, 0xde, 0x7e, 0xfe):
        # RFC 8200 4.2: the two high bits say what a node that does not know it does.
        yield f"ip6_hbh_unknown_{otype:02x}", eth6() / ip6() / \
            IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=otype, optdata=b"\x01\x02")]) / udp() / data
    yield "ip6_hbh_8_options", eth6() / ip6() / \
        IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=0x1e, optdata=bytes([i])) for i in range(8)]) / \
        udp() / data
    yield "ip6_hbh_long", eth6() / ip6() / \
        IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=0x1e, optdata=bytes(range(200)))]) / udp() / data
    # RFC 2675 Jumbo Payload: Payload Length 0, the length in the option (at 4n+2).
    yield "ip6_jumbo_no_next", eth6() / ip6(plen=0) / IPv6ExtHdrHopByHop(nh=59, options=[Jumbo(jumboplen=70008)]) / \
        Raw(load=bytes(70000))
    yield "ip6_jumbo_tcp", eth6() / ip6(plen=0) / IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=65568)]) / \
        tcp(flags="A") / bytes(i & 0xff for i in range(65540))
    # Destination Options (4.6): padding, Tunnel Encapsulation Limit, Home Address, unknown.
    yield "ip6_dest_empty", eth6() / ip6() / IPv6ExtHdrDestOpt() / udp() / data
    yield "ip6_dest_padn_max", eth6() / ip6() / IPv6ExtHdrDestOpt(autopad=0, options=[PadN(optdata=bytes(4))]) / \
        udp() / data
    yield "ip6_dest_tunnel_limit", eth6() / ip6(nh=60) / \
        IPv6ExtHdrDestOpt(nh=41, options=[HBHOptUnknown(otype=0x04, optdata=b"\x04")]) / \
        IPv6(src=IP6_B, dst=IP6_A, nh=59)
    yield "ip6_dest_home_address", eth6() / ip6() / IPv6ExtHdrDestOpt(nh=59, options=[HAO(hoa="2001:db8:1::9")])
    yield "ip6_dest_unknown_skip", eth6() / ip6() / \
        IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x22, optdata=bytes(10))]) / udp() / data
    yield "ip6_dest_unknown_icmp", eth6() / ip6() / \
        IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x8f, optdata=b"")]) / udp() / data
    # Routing (4.4): RH0 with Segments Left 0 (RFC 5095: ignored) and not, type 2, SRH, unknown types.
    yield "ip6_rh0_segleft_0", eth6() / ip6() / IPv6ExtHdrRouting(type=0, segleft=0, addresses=[IP6_B]) / udp() / data
    yield "ip6_rh0_segleft_0_empty", eth6() / ip6() / IPv6ExtHdrRouting(type=0, segleft=0, addresses=[]) / \
        udp() / data
    yield "ip6_rh0_segleft_2", eth6() / ip6(dst="2001:db8::10") / \
        IPv6ExtHdrRouting(type=0, segleft=2, addresses=["2001:db8::11", "2001:db8::12"]) / udp() / data
    yield "ip6_rh0_segleft_1_of_3", eth6() / ip6(dst="2001:db8::10") / \
        IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:db8::11", "2001:db8::12", "2001:db8::13"]) / \
        tcp(flags="S")
    yield "ip6_rh2_home", eth6() / ip6(dst="2001:db8:c0::1") / \
        IPv6ExtHdrRouting(type=2, segleft=1, addresses=["2001:db8:1::9"]) / udp() / data
    yield "ip6_rh2_done", eth6() / ip6(dst="2001:db8:1::9") / \
        IPv6ExtHdrRouting(type=2, segleft=0, addresses=["2001:db8:1::9"]) / udp() / data
    yield "ip6_srh_segleft_1", eth6() / ip6(dst="2001:db8::21") / \
        IPv6ExtHdrSegmentRouting(segleft=1, lastentry=1, addresses=["2001:db8::22", "2001:db8::21"]) / \
        udp() / data
    yield "ip6_srh_segleft_0", eth6() / ip6(dst="2001:db8::22") / \
        IPv6ExtHdrSegmentRouting(segleft=0, lastentry=1, addresses=["2001:db8::22", "2001:db8::21"]) / \
        udp() / data
    for rtype in (1, 3, 5, 253):
        yield f"ip6_routing_type_{rtype}_segleft_0", eth6() / ip6() / \
            IPv6ExtHdrRouting(type=rtype, segleft=0, addresses=["2001:db8::99"]) / udp() / data
    # Fragment (4.5): atomic (RFC 6946), first / middle / last, reserved fields.
    yield "ip6_frag_atomic", eth6() / ip6() / IPv6ExtHdrFragment(id=0x11223344, offset=0, m=0) / udp() / data
    yield "ip6_frag_atomic_reserved", eth6() / ip6() / \
        IPv6ExtHdrFragment(id=5, offset=0, m=0, res1=0xab, res2=3) / udp() / data
    whole = ip6() / IPv6ExtHdrFragment(id=0xcafe) / udp() / bytes(i & 0xff for i in range(1200))
    for i, frag in enumerate(fragment6(whole, 500)):
        yield f"ip6_fragment_{i}", eth6() / frag
    yield "ip6_fragment_offset_max", eth6() / ip6() / IPv6ExtHdrFragment(nh=17, id=1, offset=8188, m=0) / \
        Raw(load=bytes(16))
    # Chains: every kind, Destination Options before and after Routing.
    yield "ip6_chain_dest_routing_dest", eth6() / ip6() / IPv6ExtHdrDestOpt() / \
        IPv6ExtHdrRouting(type=0, segleft=0, addresses=[IP6_B]) / IPv6ExtHdrDestOpt() / udp() / data
    yield "ip6_chain_all", eth6() / ip6() / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) / \
        IPv6ExtHdrDestOpt(options=[PadN(optdata=bytes(2))]) / IPv6ExtHdrRouting(type=0, segleft=0, addresses=[]) / \
        IPv6ExtHdrFragment(id=9) / IPv6ExtHdrDestOpt() / tcp(flags="S", options=[("MSS", 1440)])
    yield "ip6_chain_hbh_frag_icmp", eth6() / ip6() / IPv6ExtHdrHopByHop() / IPv6ExtHdrFragment(id=3) / \
        ICMPv6EchoRequest(id=1, seq=2, data=b"ping")
    yield "ip6_chain_dest_x3", eth6() / ip6() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / \
        udp() / data


def udp6_cases():
    for n in (0, 1, 8, 1232):
        yield f"udp6_payload_{n}", eth6() / ip6() / udp() / bytes((i * 3) & 0xff for i in range(n))
    yield "udp6_dns", eth6() / ip6() / udp(53000, 53) / bytes.fromhex("12340100000100000000000003777777000001")
    yield "udp6_link_local_dhcp", Ether(dst="33:33:00:01:00:02", src=MAC_A) / \
        ip6(src=LL_A, dst="ff02::1:2") / udp(546, 547) / bytes(16)
    # A checksum that computes to 0 is sent as 0xffff (RFC 8200 8.1, RFC 768).
    yield "udp6_checksum_ffff", eth6() / ip6(src="::", dst="::") / udp(0, 0) / bytes.fromhex("ffb6")
    trimmed = UDP(raw(ip6() / udp(1, 2) / b"ab")[40:])
    yield "udp6_trailing", eth6() / ip6() / UDP(sport=1, dport=2, len=10, chksum=trimmed.chksum) / b"ab" / \
        Raw(load=b"cd")


def tcp6_cases():
    for flags in ("S", "SA", "A", "PA", "FA", "R", "RA", "SEC", "FSRPAUEC"):
        yield f"tcp6_flags_{flags}", eth6() / ip6() / tcp(flags=flags, seq=77, ack=88)
    yield "tcp6_syn_options", eth6() / ip6() / tcp(options=[("MSS", 1440), ("SAckOK", b""),
                                                            ("Timestamp", (5, 0)), ("NOP", None), ("WScale", 7)])
    yield "tcp6_sack", eth6() / ip6() / tcp(flags="A", options=[("NOP", None), ("NOP", None),
                                                                ("SAck", (100, 200, 300, 400))])
    yield "tcp6_payload", eth6() / ip6() / tcp(flags="PA") / bytes(range(100))


def nd_mac_mcast(addr_tail):
    return "33:33:" + addr_tail


def icmpv6_cases():
    for ident, seq, payload in ((0, 0, b""), (1, 1, b"ping"), (0xffff, 0xffff, bytes(56)), (7, 8, bytes(1000))):
        yield f"icmp6_echo_{ident}_{seq}_{len(payload)}", eth6() / ip6() / \
            ICMPv6EchoRequest(id=ident, seq=seq, data=payload)
        yield f"icmp6_echo_reply_{ident}_{seq}_{len(payload)}", eth6() / ip6(src=IP6_B, dst=IP6_A) / \
            ICMPv6EchoReply(id=ident, seq=seq, data=payload)
    offending = IPv6(src=IP6_B, dst="2001:db8:9::9", hlim=1) / UDP(sport=33434, dport=33435) / bytes(20)
    quote = raw(offending)
    for code in range(9):
        yield f"icmp6_unreach_{code}", eth6() / ip6(src="2001:db8::fe") / ICMPv6DestUnreach(code=code) / quote
    for mtu in (1280, 1500, 9000, 0xffffffff):
        yield f"icmp6_packet_too_big_{mtu}", eth6() / ip6(src="2001:db8::fe") / ICMPv6PacketTooBig(mtu=mtu) / quote
    for code in (0, 1):
        yield f"icmp6_time_exceeded_{code}", eth6() / ip6(src="2001:db8::fe") / ICMPv6TimeExceeded(code=code) / quote
    for code, ptr in ((0, 4), (0, 40), (1, 6), (2, 42), (3, 0), (0, 0xffffffff)):
        yield f"icmp6_param_problem_{code}_{ptr}", eth6() / ip6(src="2001:db8::fe") / \
            ICMPv6ParamProblem(code=code, ptr=ptr) / quote
    yield "icmp6_unreach_empty_quote", eth6() / ip6() / ICMPv6DestUnreach(code=4)
    # Types without a kind of their own (MLD, private experimentation): kept whole.
    yield "icmp6_mld_query", eth6() / ip6(src=LL_A, dst="ff02::1", hlim=1) / ICMPv6MLQuery()
    yield "icmp6_mld_done", eth6() / ip6(src=LL_A, dst="ff02::2", hlim=1) / ICMPv6MLDone(mladdr="ff02::fb")
    yield "icmp6_type_200", eth6() / ip6() / ICMPv6Unknown(type=200, code=3, msgbody=b"experimental")
    yield "icmp6_type_100_error", eth6() / ip6() / ICMPv6Unknown(type=100, code=0, msgbody=bytes(12))

    # Neighbor Discovery (RFC 4861), hop limit 255.
    all_nodes = ("33:33:00:00:00:01", "ff02::1")
    all_routers = ("33:33:00:00:00:02", "ff02::2")
    slla = ICMPv6NDOptSrcLLAddr(lladdr=MAC_A)
    tlla = ICMPv6NDOptDstLLAddr(lladdr=MAC_A)

    def nd(dst, msg, src=LL_A, mac=MAC_B):
        return Ether(dst=mac, src=MAC_A) / IPv6(src=src, dst=dst, hlim=255) / msg

    yield "nd_rs", nd(all_routers[1], ICMPv6ND_RS(), mac=all_routers[0])
    yield "nd_rs_slla", nd(all_routers[1], ICMPv6ND_RS() / slla, mac=all_routers[0])
    yield "nd_rs_unspecified", nd(all_routers[1], ICMPv6ND_RS(), src="::", mac=all_routers[0])
    ra = dict(chlim=64, routerlifetime=1800, reachabletime=30000, retranstimer=1000)
    yield "nd_ra_bare", nd(all_nodes[1], ICMPv6ND_RA(**ra), mac=all_nodes[0])
    for m_flag, o_flag in ((1, 0), (0, 1), (1, 1)):
        yield f"nd_ra_m{m_flag}_o{o_flag}", nd(all_nodes[1], ICMPv6ND_RA(M=m_flag, O=o_flag, **ra), mac=all_nodes[0])
    for h, prf, p in ((1, 0, 0), (0, 1, 0), (0, 3, 0), (0, 0, 1)):
        yield f"nd_ra_h{h}_prf{prf}_p{p}", nd(all_nodes[1], ICMPv6ND_RA(H=h, prf=prf, P=p, **ra), mac=all_nodes[0])
    yield "nd_ra_not_default", nd(all_nodes[1], ICMPv6ND_RA(chlim=0, routerlifetime=0), mac=all_nodes[0])
    yield "nd_ra_full", nd(all_nodes[1], ICMPv6ND_RA(**ra) / slla / ICMPv6NDOptMTU(mtu=1500) /
                           ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64, validlifetime=86400,
                                                 preferredlifetime=14400) /
                           ICMPv6NDOptRDNSS(lifetime=600, dns=["2001:db8::53", "2001:db8::54"]), mac=all_nodes[0])
    for L, A in ((0, 0), (1, 0), (0, 1), (1, 1)):
        yield f"nd_ra_prefix_L{L}_A{A}", nd(all_nodes[1], ICMPv6ND_RA(**ra) /
                                            ICMPv6NDOptPrefixInfo(prefix="2001:db8:2::", prefixlen=64, L=L, A=A),
                                            mac=all_nodes[0])
    yield "nd_ra_prefix_R", nd(all_nodes[1], ICMPv6ND_RA(**ra) /
                               ICMPv6NDOptPrefixInfo(prefix="2001:db8:3::1", prefixlen=128, R=1, res1=5),
                               mac=all_nodes[0])
    for plen in (0, 48, 127):
        yield f"nd_ra_prefix_len_{plen}", nd(all_nodes[1], ICMPv6ND_RA(**ra) /
                                             ICMPv6NDOptPrefixInfo(prefix="::", prefixlen=plen, validlifetime=0,
                                                                   preferredlifetime=0), mac=all_nodes[0])
    yield "nd_ra_two_prefixes", nd(all_nodes[1], ICMPv6ND_RA(**ra) / ICMPv6NDOptPrefixInfo(prefix="2001:db8:4::") /
                                   ICMPv6NDOptPrefixInfo(prefix="2001:db8:5::"), mac=all_nodes[0])
    yield "nd_ra_mtu_9000", nd(all_nodes[1], ICMPv6ND_RA(**ra) / ICMPv6NDOptMTU(mtu=9000), mac=all_nodes[0])
    yield "nd_ra_rdnss_1", nd(all_nodes[1], ICMPv6ND_RA(**ra) / ICMPv6NDOptRDNSS(lifetime=0xffffffff,
                                                                                dns=["2001:4860:4860::8888"]),
                              mac=all_nodes[0])
    yield "nd_ra_route_info", nd(all_nodes[1], ICMPv6ND_RA(**ra) /
                                 ICMPv6NDOptRouteInfo(prefix="2001:db8:6::", plen=48, rtlifetime=300),
                                 mac=all_nodes[0])
    yield "nd_ra_dnssl", nd(all_nodes[1], ICMPv6ND_RA(**ra) / ICMPv6NDOptDNSSL(lifetime=60,
                                                                              searchlist=["example.com"]),
                            mac=all_nodes[0])
    yield "nd_ra_unknown_option", nd(all_nodes[1], ICMPv6ND_RA(**ra) / ICMPv6NDOptUnknown(type=200, len=2,
                                                                                          data=bytes(range(14))),
                                     mac=all_nodes[0])
    solicited = "ff02::1:ff00:2"
    yield "nd_ns", nd(solicited, ICMPv6ND_NS(tgt=LL_B) / slla, mac="33:33:ff:00:00:02")
    yield "nd_ns_global", nd("ff02::1:ff00:2", ICMPv6ND_NS(tgt=IP6_B) / slla, src=IP6_A, mac="33:33:ff:00:00:02")
    yield "nd_ns_dad", nd(solicited, ICMPv6ND_NS(tgt=LL_B), src="::", mac="33:33:ff:00:00:02")
    yield "nd_ns_unicast", nd(LL_B, ICMPv6ND_NS(tgt=LL_B) / slla)
    yield "nd_ns_nonce", nd(solicited, ICMPv6ND_NS(tgt=LL_B) / ICMPv6NDOptUnknown(type=14, len=1, data=bytes(6)),
                            src="::", mac="33:33:ff:00:00:02")
    for r in (0, 1):
        for s_flag in (0, 1):
            for o_flag in (0, 1):
                yield f"nd_na_r{r}_s{s_flag}_o{o_flag}", nd(LL_B, ICMPv6ND_NA(R=r, S=s_flag, O=o_flag, tgt=LL_A) /
                                                            tlla)
    yield "nd_na_unsolicited", nd(all_nodes[1], ICMPv6ND_NA(R=0, S=0, O=1, tgt=LL_A) / tlla, mac=all_nodes[0])
    yield "nd_na_no_option", nd(LL_B, ICMPv6ND_NA(S=1, tgt=IP6_A))
    redirected = raw(IPv6(src=IP6_B, dst="2001:db8:7::7") / UDP(sport=1, dport=2) / bytes(10))
    yield "nd_redirect", nd(LL_B, ICMPv6ND_Redirect(tgt="fe80::99", dst="2001:db8:7::7"), src="fe80::fe")
    yield "nd_redirect_tlla", nd(LL_B, ICMPv6ND_Redirect(tgt="fe80::99", dst="2001:db8:7::7") / tlla, src="fe80::fe")
    yield "nd_redirect_header", nd(LL_B, ICMPv6ND_Redirect(tgt="fe80::99", dst="2001:db8:7::7") / tlla /
                                   ICMPv6NDOptRedirectedHdr(pkt=redirected), src="fe80::fe")
    yield "nd_redirect_on_link", nd(LL_B, ICMPv6ND_Redirect(tgt="2001:db8:7::7", dst="2001:db8:7::7"),
                                    src="fe80::fe")


def cases():
    yield from arp_cases()
    yield from ipv4_cases()
    yield from udp_cases()
    yield from tcp_cases()
    yield from icmp_cases()
    yield from ipv6_cases()
    yield from udp6_cases()
    yield from tcp6_cases()
    yield from icmpv6_cases()


# ---- Malformed packets and the exact error -------------------------------------------

def fix_ip_checksum(frame, ip_at=14):
    """Recomputes the IPv4 header checksum after a header byte was changed."""
    b = bytearray(frame)
    ihl = (b[ip_at] & 0x0f) * 4
    b[ip_at + 10:ip_at + 12] = b"\x00\x00"
    b[ip_at + 10:ip_at + 12] = struct.pack(">H", checksum(bytes(b[ip_at:ip_at + ihl])))
    return bytes(b)


def malformed_cases():
    """(name, frame bytes, expected error). Offsets count from the frame start."""
    def err(code, layer, offset):
        return {"error": code, "layer": layer, "offset": offset}

    plain = raw(eth() / ip4() / udp() / b"hardstack")
    yield "eth_short", plain[:13], err("truncated", "eth", 13)
    yield "ip_truncated_header", plain[:14 + 19], err("truncated", "ip", 33)
    b = bytearray(plain)
    b[14] = 0x65
    yield "ip_version_6_in_v4_frame", bytes(b), err("bad_version", "ip", 14)
    b = bytearray(plain)
    b[14] = 0x44
    yield "ip_ihl_4", fix_ip_checksum(bytes(b)), err("bad_header_length", "ip", 14)
    b = bytearray(plain)
    b[24] ^= 0x01
    yield "ip_bad_checksum", bytes(b), err("bad_checksum", "ip", 24)
    b = bytearray(plain)
    b[16:18] = struct.pack(">H", len(plain) - 14 + 1)
    yield "ip_total_length_past_frame", fix_ip_checksum(bytes(b)), err("bad_total_length", "ip", 16)
    # Option length 0 (RFC 791 / Linux ip_options_compile: optlen < 2): at its length byte.
    # Option length 0 or 1, or past the options area: Linux ip_options_compile
    # points at the option's type byte (pp_ptr = optptr).
    yield "ip_option_length_0", raw(with_options(b"\x07\x00\x00\x00")), err("bad_option_length", "ip", 34)
    yield "ip_option_length_1", raw(with_options(b"\x01\x44\x01\x00")), err("bad_option_length", "ip", 35)
    yield "ip_option_past_area", raw(with_options(b"\x01\x94\x08\x00")), err("bad_option_length", "ip", 35)
    yield "ip_rr_pointer_3", raw(with_options(opt_route(7, 3, ["0.0.0.0"]) + b"\x00")), \
        err("bad_option_pointer", "ip", 36)
    yield "ip_ts_pointer_4", raw(with_options(opt_ts(4, 0, 0, [0]))), err("bad_option_pointer", "ip", 36)
    # V4-OPT-4: flag 2 is not a Timestamp flag (hardstack refuses it on receive;
    # Linux passes it on, see ipv4_options.cpp).
    yield "ip_ts_flag_2", raw(with_options(bytes([68, 8, 5, 0x02]) + bytes(4))), err("bad_option_value", "ip", 37)
    yield "ip_rr_pointer_no_room", raw(with_options(opt_route(7, 9, ["0.0.0.0", "0.0.0.0"]) + b"\x00")), \
        err("bad_option_pointer", "ip", 36)
    yield "ip_ts_full_overflow_15", raw(with_options(opt_ts(9, 15, 0, [1]))), err("option_overflow", "ip", 37)
    yield "ip_ra_length_3", raw(with_options(bytes([148, 3, 0, 0]))), err("bad_option_length", "ip", 35)
    yield "ip_lsrr_and_ssrr", raw(with_options(opt_route(131, 4, HOPS[:1]) + opt_route(137, 4, HOPS[:1]) +
                                                b"\x00\x00")), err("duplicate_option", "ip", 41)
    # UDP length below 8, or past the IP payload.
    b = bytearray(plain)
    b[38:40] = struct.pack(">H", 7)
    yield "udp_length_7", bytes(b), err("bad_length", "udp", 38)
    b = bytearray(plain)
    b[38:40] = struct.pack(">H", 18)
    yield "udp_length_past_ip", bytes(b), err("bad_length", "udp", 38)
    b = bytearray(plain)
    b[40] ^= 0xff
    yield "udp_bad_checksum", bytes(b), err("bad_checksum", "udp", 40)
    # TCP data offset 4 (below 5) and past the segment.
    seg = raw(eth() / ip4() / tcp(flags="A"))
    b = bytearray(seg)
    b[46] = 0x40 | (b[46] & 0x0f)
    yield "tcp_data_offset_4", bytes(b), err("bad_header_length", "tcp", 46)
    b = bytearray(seg)
    b[46] = 0x60 | (b[46] & 0x0f)
    yield "tcp_data_offset_past_segment", bytes(b), err("bad_header_length", "tcp", 46)
    b = bytearray(seg)
    b[50] ^= 0x80
    yield "tcp_bad_checksum", bytes(b), err("bad_checksum", "tcp", 50)
    yield "tcp_truncated", raw(eth() / ip4(proto=6) / Raw(load=bytes(19))), err("truncated", "tcp", 53)
    # ICMP: short, bad checksum, timestamp of the wrong size.
    yield "icmp_truncated", raw(eth() / ip4(proto=1) / Raw(load=b"\x08\x00\xf7\xff\x00\x00\x00")), \
        err("truncated", "icmp", 41)
    ping = bytearray(raw(eth() / ip4() / ICMP(type=8, id=1, seq=1) / b"ping"))
    ping[36] ^= 0x10
    yield "icmp_bad_checksum", bytes(ping), err("bad_checksum", "icmp", 36)
    yield "icmp_timestamp_long", raw(eth() / ip4() / ICMP(type=13, id=1, seq=1) / b"x"), \
        err("bad_length", "icmp", 54)
    # IPv6 (offsets: the IPv6 header at 14, so a header offset n is 14 + n).
    v6 = raw(eth6() / ip6() / udp() / b"hardstack")
    yield "ip6_truncated", v6[:14 + 39], err("truncated", "ipv6", 53)
    b = bytearray(v6)
    b[14] = 0x40
    yield "ip6_version_4", bytes(b), err("bad_version", "ipv6", 14)
    b = bytearray(v6)
    b[18:20] = struct.pack(">H", len(v6) - 54 + 1)
    yield "ip6_payload_length_past_frame", bytes(b), err("bad_total_length", "ipv6", 18)
    # RFC 8200 4.1: Hop-by-Hop only first; the error points at the Next Header naming it.
    yield "ip6_hbh_not_first", raw(eth6() / ip6() / IPv6ExtHdrDestOpt(nh=0) / IPv6ExtHdrHopByHop() / udp()), \
        err("hop_by_hop_not_first", "ipv6", 54)
    # Over 7 padding bytes in a row (RFC 4942 2.1.9.5): at the 8th.
    yield "ip6_hbh_padding_run_8", raw(eth6() / ip6() / IPv6ExtHdrHopByHop(autopad=0, options=[
        PadN(optdata=bytes(12))]) / udp()), err("bad_padding", "ipv6", 63)
    yield "ip6_dest_padn_nonzero", raw(eth6() / ip6() / IPv6ExtHdrDestOpt(autopad=0, options=[
        PadN(optdata=b"\x00\x07\x00\x00")]) / udp()), err("bad_padding", "ipv6", 59)
    yield "ip6_hbh_ra_length_3", raw(eth6() / ip6() / IPv6ExtHdrHopByHop(autopad=0, options=[
        HBHOptUnknown(otype=5, optdata=b"\x00\x00\x00"), Pad1()]) / udp()), err("bad_option_length", "ipv6", 56)
    yield "ip6_hbh_option_past_header", raw(eth6() / ip6() / IPv6ExtHdrHopByHop(len=0, autopad=0, options=[
        HBHOptUnknown(otype=0x1e, optdata=b"\x00\x00\x00\x00\x00")]) / udp()), \
        err("bad_option_length", "ipv6", 56)
    yield "ip6_jumbo_with_payload_length", raw(eth6() / ip6() / IPv6ExtHdrHopByHop(nh=59, options=[
        Jumbo(jumboplen=70000)])), err("bad_total_length", "ipv6", 56)
    yield "ip6_routing_past_datagram", raw(eth6() / ip6() / IPv6ExtHdrRouting(nh=59, len=2, addresses=[])), \
        err("bad_header_length", "ipv6", 55)
    # RFC 8200 4.5: a non-last fragment's data is a multiple of 8 bytes.
    yield "ip6_fragment_not_multiple_of_8", raw(eth6() / ip6() / IPv6ExtHdrFragment(nh=17, m=1, id=1) /
                                                Raw(load=bytes(12))), err("bad_total_length", "ipv6", 18)
    # RFC 7112: a first fragment carries the whole chain through the upper-layer header.
    yield "ip6_first_fragment_incomplete_chain", raw(eth6() / ip6() / IPv6ExtHdrFragment(nh=60, m=1, id=1) /
                                                     IPv6ExtHdrDestOpt(nh=6)), \
        err("incomplete_header_chain", "ipv6", 14)
    # UDP over IPv6 with checksum 0 (RFC 8200 8.1: discarded), bad TCP data offset.
    yield "udp6_checksum_zero", raw(eth6() / ip6() / UDP(sport=1, dport=2, chksum=0) / b"x"), \
        err("bad_checksum", "udp", 60)
    seg6 = bytearray(raw(eth6() / ip6() / tcp(flags="A")))
    seg6[66] = 0x40
    yield "tcp6_data_offset_4", bytes(seg6), err("bad_header_length", "tcp", 66)
    # ICMPv6 and Neighbor Discovery (the ICMPv6 message at 54).
    ping6 = bytearray(raw(eth6() / ip6() / ICMPv6EchoRequest(id=1, seq=1)))
    ping6[56] ^= 0x01
    yield "icmp6_bad_checksum", bytes(ping6), err("bad_checksum", "icmpv6", 56)
    # An echo of 7 bytes, checksum right (Linux checks the checksum first too).
    yield "icmp6_echo_truncated", raw(eth6() / ip6() / ICMPv6Unknown(type=128, msgbody=b"\x00\x01\x00")), \
        err("truncated", "icmpv6", 61)

    def nd(msg, src=LL_A, dst=LL_B):
        return raw(Ether(dst=MAC_B, src=MAC_A) / IPv6(src=src, dst=dst, hlim=255) / msg)

    # RFC 4861 4.6: an option of length 0 invalidates the message; at its length byte.
    yield "nd_option_length_0", nd(ICMPv6ND_NS(tgt=LL_B) / ICMPv6NDOptUnknown(type=1, len=0, data=bytes(6))), \
        err("bad_option_length", "icmpv6", 79)
    yield "nd_option_past_message", nd(ICMPv6ND_NS(tgt=LL_B) / ICMPv6NDOptUnknown(type=1, len=2, data=bytes(6))), \
        err("bad_option_length", "icmpv6", 79)
    yield "nd_ns_multicast_target", nd(ICMPv6ND_NS(tgt="ff02::1")), err("bad_field", "icmpv6", 62)
    yield "nd_na_multicast_target", nd(ICMPv6ND_NA(tgt="ff02::1")), err("bad_field", "icmpv6", 62)
    yield "nd_ra_code_1", nd(ICMPv6ND_RA(code=1), dst="ff02::1"), err("bad_field", "icmpv6", 55)
    yield "nd_prefix_length_3", nd(ICMPv6ND_RA() / ICMPv6NDOptPrefixInfo(len=3), dst="ff02::1"), \
        err("bad_option_length", "icmpv6", 71)
    yield "nd_prefix_length_129", nd(ICMPv6ND_RA() / ICMPv6NDOptPrefixInfo(prefixlen=129), dst="ff02::1"), \
        err("bad_option_value", "icmpv6", 72)
    yield "nd_mtu_length_2", nd(ICMPv6ND_RA() / ICMPv6NDOptMTU(len=2) / Raw(load=bytes(8)), dst="ff02::1"), \
        err("bad_option_length", "icmpv6", 71)
    yield "nd_rdnss_length_2", nd(ICMPv6ND_RA() / ICMPv6NDOptUnknown(type=25, len=2, data=bytes(14)),
                                  dst="ff02::1"), err("bad_option_length", "icmpv6", 71)
    yield "nd_redirect_multicast_destination", nd(ICMPv6ND_Redirect(tgt="fe80::9", dst="ff02::1")), \
        err("bad_field", "icmpv6", 78)
    yield "nd_redirect_global_target", nd(ICMPv6ND_Redirect(tgt="2001:db8::9", dst="2001:db8::7")), \
        err("bad_field", "icmpv6", 62)
    # ARP for another hardware type.
    b = bytearray(raw(Ether(dst="ff:ff:ff:ff:ff:ff", src=MAC_A) / ARP(hwsrc=MAC_A, psrc=IP4_A, pdst=IP4_B)))
    b[14:16] = struct.pack(">H", 6)  # IEEE 802 hardware type
    yield "arp_hw_type_6", bytes(b), err("unsupported", "arp", 14)


# ---- Scapy's dissection, in wire_dump's terms ----------------------------------------

def ipv4_options_fields(ip):
    """Scapy's decode of each option before the first EOL. Each option's bytes are
    dissected on their own: Scapy's Timestamp class decodes one slot only and would
    read later slots as options, so the area is split by the length bytes here
    (what Scapy does itself for every other kind)."""
    area = raw(ip)[20:ip.ihl * 4]
    out = []
    while area:
        if area[0] == 0:
            break
        if area[0] == 1:
            opt, area = IPOption_NOP(area[:1]), area[1:]
        else:
            opt, area = IPOption(area[:area[1]]), area[area[1]:]
        o = {"copy_flag": opt.copy_flag, "optclass": opt.optclass, "option": opt.option}
        if opt.option == 1:
            out.append(o)
            continue
        o["length"] = opt.length
        name = type(opt).__name__
        if name in ("IPOption_RR", "IPOption_LSRR", "IPOption_SSRR"):
            o.update(pointer=opt.pointer, routers=list(opt.routers))
        elif name == "IPOption_Timestamp":
            o.update(pointer=opt.pointer, oflw=opt.oflw, flg=opt.flg, timestamp=opt.timestamp)
            if opt.flg != 0:
                o["internet_address"] = opt.internet_address
        elif name == "IPOption_Router_Alert":
            o["alert"] = opt.alert
        else:
            o["value"] = raw(opt)[2:opt.length].hex()
        out.append(o)
    return out


def tcp_options_fields(t):
    """Scapy's option list without NOPs, up to the first EOL."""
    out = []
    for name, value in t.options:
        if name == "EOL":
            break
        if name == "NOP":
            continue
        kind = TCPOptions[1].get(name, name)
        if name == "MSS":
            out.append({"kind": kind, "MSS": value})
        elif name == "WScale":
            out.append({"kind": kind, "WScale": value})
        elif name == "SAckOK":
            out.append({"kind": kind, "SAckOK": True})
        elif name == "SAck":
            out.append({"kind": kind, "SAck": list(value)})
        elif name == "Timestamp":
            out.append({"kind": kind, "Timestamp": list(value)})
        else:
            # A kind hardstack keeps raw: Scapy's value back to its bytes.
            if not isinstance(value, bytes):
                fmt = TCPOptions[0][kind][1]
                value = struct.pack(fmt, *(value if isinstance(value, tuple) else (value,)))
            out.append({"kind": kind, "len": 2 + len(value), "value": value.hex()})
    return out


def icmp_fields(ip, icmp):
    data_len = ip.len - ip.ihl * 4 - 8
    o = {"type": icmp.type, "code": icmp.code, "chksum": icmp.chksum,
         "chksum_ok": checksum(raw(ip)[ip.ihl * 4:ip.len]) == 0, "data_len": data_len}
    if icmp.type in (0, 8):
        o.update(id=icmp.id, seq=icmp.seq)
    elif icmp.type in (13, 14):
        o.update(id=icmp.id, seq=icmp.seq, ts_ori=icmp.ts_ori, ts_rx=icmp.ts_rx, ts_tx=icmp.ts_tx, data_len=12)
    elif icmp.type == 3:
        # RFC 1191: the field is the next-hop MTU for code 4 only; hardstack reads 0 otherwise.
        o["nexthopmtu"] = icmp.nexthopmtu if icmp.code == 4 else 0
    elif icmp.type == 5:
        o["gw"] = icmp.gw
    elif icmp.type == 12:
        o["ptr"] = icmp.ptr
    elif icmp.type != 11:
        o["rest_of_header"] = struct.unpack(">I", raw(icmp)[4:8])[0]
    return o


EXT_HEADERS = {IPv6ExtHdrHopByHop: 0, IPv6ExtHdrDestOpt: 60, IPv6ExtHdrRouting: 43, IPv6ExtHdrSegmentRouting: 43,
               IPv6ExtHdrFragment: 44}


def tlv_options_fields(header):
    out = []
    for opt in header.options:
        if isinstance(opt, Pad1):
            out.append({"otype": 0})
            continue
        o = {"otype": opt.otype, "optlen": opt.optlen, "optdata": raw(opt)[2:2 + opt.optlen].hex()}
        if isinstance(opt, RouterAlert):
            o["value"] = opt.value
        elif isinstance(opt, Jumbo):
            o["jumboplen"] = opt.jumboplen
        out.append(o)
    return out


def nd_options_fields(layer):
    out = []
    while True:
        if type(layer) is Raw and len(layer.load) >= 2:
            # Scapy leaves an option type it has no class for as Raw, and its generic
            # ICMPv6NDOptUnknown takes the length as bytes: keep its type and length,
            # cut the option by the length in 8-byte units, and go on after it.
            own = layer.load[:layer.load[1] * 8]
            unknown = ICMPv6NDOptUnknown(own)
            out.append({"type": unknown.type, "len": unknown.len, "data": own[2:].hex()})
            layer = Raw(layer.load[len(own):])
            continue
        if not type(layer).__name__.startswith("ICMPv6NDOpt"):
            break
        own = raw(layer)[:layer.len * 8]
        o = {"type": layer.type, "len": layer.len}
        if isinstance(layer, (ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr)):
            o["lladdr"] = layer.lladdr
        elif isinstance(layer, ICMPv6NDOptPrefixInfo):
            o.update(prefixlen=layer.prefixlen, L=layer.L, A=layer.A, reserved_flags=layer.R << 5 | layer.res1,
                     validlifetime=layer.validlifetime, preferredlifetime=layer.preferredlifetime,
                     prefix=layer.prefix)
        elif isinstance(layer, ICMPv6NDOptRedirectedHdr):
            o["pkt_len"] = len(own) - 8
        elif isinstance(layer, ICMPv6NDOptMTU):
            o["mtu"] = layer.mtu
        elif isinstance(layer, ICMPv6NDOptRDNSS):
            o.update(lifetime=layer.lifetime, dns=list(layer.dns))
        else:
            o["data"] = own[2:].hex()
        out.append(o)
        layer = layer.payload
    return out


def icmpv6_fields(msg, message):
    anchor = msg  # the layer under which Scapy finds the IPv6 header for the checksum
    if type(msg) is Raw:
        # Scapy leaves a type it has no class for as Raw: dissect it with its generic class.
        msg = ICMPv6Unknown(msg.load)
    o = {"type": msg.type, "code": msg.code, "cksum": msg.cksum, "cksum_ok": in6_chksum(58, anchor, message) == 0,
         "data_len": len(message) - 4}
    if isinstance(msg, ICMPv6PacketTooBig):
        o["mtu"] = msg.mtu
    elif isinstance(msg, ICMPv6ParamProblem):
        o["ptr"] = msg.ptr
    elif isinstance(msg, (ICMPv6EchoRequest, ICMPv6EchoReply)):
        o.update(id=msg.id, seq=msg.seq)
    elif isinstance(msg, ICMPv6ND_RS):
        o["options"] = nd_options_fields(msg.payload)
    elif isinstance(msg, ICMPv6ND_RA):
        o.update(chlim=msg.chlim, M=msg.M, O=msg.O, reserved_flags=msg.H << 5 | msg.prf << 3 | msg.P << 2 | msg.res,
                 routerlifetime=msg.routerlifetime, reachabletime=msg.reachabletime,
                 retranstimer=msg.retranstimer, options=nd_options_fields(msg.payload))
    elif isinstance(msg, ICMPv6ND_NS):
        o.update(tgt=msg.tgt, options=nd_options_fields(msg.payload))
    elif isinstance(msg, ICMPv6ND_NA):
        o.update(R=msg.R, S=msg.S, O=msg.O, tgt=msg.tgt, options=nd_options_fields(msg.payload))
    elif isinstance(msg, ICMPv6ND_Redirect):
        o.update(tgt=msg.tgt, dst=msg.dst, options=nd_options_fields(msg.payload))
    elif not isinstance(msg, (ICMPv6DestUnreach, ICMPv6TimeExceeded)):
        o["body_len"] = len(message) - 4
    return o


def ipv6_fields(out, ip):
    """IPv6, its extension headers (each from its own Scapy layer), the upper layer."""
    datagram = raw(ip)
    if ip.plen or ip.nh != 0:
        datagram = datagram[:40 + ip.plen]
    else:  # RFC 2675: the Jumbo option's length
        jumbo = [o for o in ip.payload.options if isinstance(o, Jumbo)]
        datagram = datagram[:40 + jumbo[0].jumboplen] if jumbo else datagram
    out["ipv6"] = {"version": ip.version, "tc": ip.tc, "fl": ip.fl, "plen": ip.plen, "nh": ip.nh, "hlim": ip.hlim,
                   "src": ip.src, "dst": ip.dst}
    layer, at, ext, last_nh = ip.payload, 40, [], ip.nh
    while type(layer) in EXT_HEADERS:
        last_nh = layer.nh
        h = {"header": EXT_HEADERS[type(layer)], "nh": layer.nh}
        if isinstance(layer, IPv6ExtHdrFragment):
            h.update(res1=layer.res1, offset=layer.offset, res2=layer.res2, m=layer.m, id=layer.id)
            ext.append(h)
            at += 8
            if layer.offset or layer.m:
                out["ipv6_ext"] = ext
                return out  # fragment data: hardstack stops here
        else:
            size = (layer.len + 1) * 8
            h["len"] = layer.len
            if isinstance(layer, (IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt)):
                h["options"] = tlv_options_fields(layer)
            else:
                h.update(type=layer.type, segleft=layer.segleft, data=datagram[at + 4:at + size].hex())
                if layer.type in (0, 2, 4):
                    h["addresses"] = list(layer.addresses)
            ext.append(h)
            at += size
        layer = layer.payload
    if ext:
        out["ipv6_ext"] = ext
    upper = datagram[at:]
    if type(layer) is UDP:
        out["udp"] = {"sport": layer.sport, "dport": layer.dport, "len": layer.len, "chksum": layer.chksum,
                      "chksum_ok": in6_chksum(17, layer, upper[:layer.len]) == 0, "payload_len": layer.len - 8}
    elif type(layer) is TCP:
        out["tcp"] = {"sport": layer.sport, "dport": layer.dport, "seq": layer.seq, "ack": layer.ack,
                      "dataofs": layer.dataofs, "reserved": layer.reserved, "flags": int(layer.flags),
                      "window": layer.window, "chksum": layer.chksum,
                      "chksum_ok": in6_chksum(6, layer, upper) == 0, "urgptr": layer.urgptr,
                      "options": tcp_options_fields(layer), "payload_len": len(upper) - layer.dataofs * 4}
    elif isinstance(layer, _ICMPv6) or (type(layer) is Raw and last_nh == 58):
        out["icmpv6"] = icmpv6_fields(layer, upper)
    return out


def scapy_fields(pkt):
    """The fields both sides decode, from Scapy's dissection of the raw bytes.
    Layers are followed by their exact class: an ICMP error's quote dissects as
    IPerror/UDPerror (subclasses of IP/UDP), which hardstack does not decode."""
    out = {}
    e = pkt[Ether]
    out["eth"] = {"dst": e.dst, "src": e.src, "type": e.type}
    layer = e.payload
    if type(layer) is Dot1Q:
        out["eth"]["type"] = layer.type
        out["eth"]["vlan_tci"] = (layer.prio << 13) | (layer.id << 12) | layer.vlan
        layer = layer.payload
    if type(layer) is ARP:
        out["arp"] = {"op": layer.op, "hwsrc": layer.hwsrc, "psrc": layer.psrc, "hwdst": layer.hwdst,
                      "pdst": layer.pdst}
    elif type(layer) is IP:
        ip = layer
        header = raw(ip)[:ip.ihl * 4]
        out["ip"] = {"version": ip.version, "ihl": ip.ihl, "tos": ip.tos, "len": ip.len, "id": ip.id,
                     "flags": int(ip.flags), "frag": ip.frag, "ttl": ip.ttl, "proto": ip.proto,
                     "chksum": ip.chksum, "chksum_ok": checksum(header) == 0, "src": ip.src, "dst": ip.dst,
                     "options": ipv4_options_fields(ip)}
        if ip.flags.MF or ip.frag:
            return out  # a fragment: hardstack stops at the IP layer
        segment = raw(ip)[ip.ihl * 4:ip.len]
        upper = ip.payload
        if type(upper) is UDP:
            out["udp"] = {"sport": upper.sport, "dport": upper.dport, "len": upper.len, "chksum": upper.chksum,
                          "chksum_ok": upper.chksum == 0 or l4_checksum_ok(raw(ip), 17),
                          "payload_len": upper.len - 8}
        elif type(upper) is TCP:
            out["tcp"] = {"sport": upper.sport, "dport": upper.dport, "seq": upper.seq, "ack": upper.ack,
                          "dataofs": upper.dataofs, "reserved": upper.reserved, "flags": int(upper.flags),
                          "window": upper.window, "chksum": upper.chksum,
                          "chksum_ok": l4_checksum_ok(raw(ip), 6), "urgptr": upper.urgptr,
                          "options": tcp_options_fields(upper),
                          "payload_len": len(segment) - upper.dataofs * 4}
        elif type(upper) is ICMP:
            out["icmp"] = icmp_fields(ip, upper)
    elif type(layer) is IPv6:
        ipv6_fields(out, layer)
    return out

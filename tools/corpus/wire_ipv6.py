"""Seeds for fuzzers/wire_ipv6.cpp: an IPv6 datagram (no link header), its
extension-header chain and TLV options. Valid packets are built with Scapy;
malformed headers are spelled out byte by byte so they stay exactly wrong."""
from scapy.all import (ICMPv6EchoRequest, ICMPv6MLReport, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, IPv6ExtHdrSegmentRouting, PadN, RouterAlert, TCP, UDP,
                       raw)

from _common import IP6_A, IP6_B, truncations

TARGET = "wire_ipv6"

HOP, TCP_NH, UDP_NH, RT, FRAG, ESP, AH, ICMP6, NONE, DST = 0, 6, 17, 43, 44, 50, 51, 58, 59, 60
MULTICAST = "ff02::1"


def ip6(dst=IP6_B, **kw):
    return IPv6(src=IP6_A, dst=dst, fl=0, tc=0, hlim=64, **kw)


def echo(data=b"hardstack"):
    return ICMPv6EchoRequest(id=0x1234, seq=1, data=data)


def syn():
    return TCP(sport=40000, dport=80, seq=1000, ack=0, flags="S", window=8192)


def udp(data=b"payload!"):
    return UDP(sport=40000, dport=53) / data


def v6(nh, payload, plen=None, dst=IP6_B):
    """The fixed header by hand: payload length as given (default: exact)."""
    hdr = raw(ip6(dst=dst, nh=nh, plen=len(payload) if plen is None else plen))
    return hdr + payload


def opts(nh, body):
    """A Hop-by-Hop / Destination Options header holding exactly `body`."""
    assert (2 + len(body)) % 8 == 0, len(body)
    return bytes([nh, (2 + len(body)) // 8 - 1]) + body


def padn(n):
    """n bytes of padding as one PadN (n >= 2)."""
    return bytes([1, n - 2]) + bytes(n - 2)


def opt(kind, data):
    return bytes([kind, len(data)]) + data


def routing(nh, rtype, segleft, data):
    assert (4 + len(data)) % 8 == 0
    return bytes([nh, (4 + len(data)) // 8 - 1, rtype, segleft]) + data


def frag(nh, offset_units, more, ident, res=0, resbits=0):
    word = (offset_units << 3) | (resbits << 1) | (1 if more else 0)
    return bytes([nh, res]) + word.to_bytes(2, "big") + ident.to_bytes(4, "big")


def upper(layer):
    """An upper-layer header with its checksum computed over the plain datagram."""
    return raw(ip6() / layer)[40:]


ECHO = upper(echo())
SYN = upper(syn())
UDP_BYTES = upper(udp())
ADDR = bytes.fromhex("20010db8000000000000000000000003")


def valid_packets():
    yield "icmpv6_echo", raw(ip6() / echo())
    yield "tcp_syn", raw(ip6() / syn())
    yield "udp", raw(ip6() / udp())
    yield "no_next_header", v6(NONE, b"")
    yield "no_next_header_with_bytes", v6(NONE, b"ignored!")
    yield "link_padding_after_datagram", raw(ip6() / echo()) + bytes(14)
    yield "traffic_class_flow_label", raw(IPv6(src=IP6_A, dst=IP6_B, tc=0xb8, fl=0xabcde, hlim=1) / udp())
    yield "mld_report_router_alert", raw(ip6(dst="ff02::16") / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) /
                                         ICMPv6MLReport(mladdr="ff02::1:ff00:1"))
    yield "hbh_padn_only", raw(ip6() / IPv6ExtHdrHopByHop(options=[PadN(optdata=b"\x00" * 4)]) / echo())
    yield "dst_pad1_only", v6(DST, opts(ICMP6, bytes(6)) + ECHO)
    yield "three_headers", raw(ip6() / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) /
                               IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) /
                               IPv6ExtHdrSegmentRouting(addresses=["2001:db8::3"], segleft=0) / syn())
    # V6-EXT-8: Destination Options before and after Routing; headers repeated; any order.
    yield "dst_routing_dst", v6(DST, opts(RT, padn(6)) + routing(DST, 4, 0, bytes(4) + ADDR) +
                                opts(ICMP6, padn(6)) + ECHO)
    yield "hbh_dst_rt_dst_atomic_frag", v6(HOP, opts(DST, padn(6)) + opts(RT, padn(6)) + routing(DST, 0, 0, bytes(4)) +
                                           opts(FRAG, padn(6)) + frag(TCP_NH, 0, False, 0x01020304) + SYN)
    yield "repeated_headers", v6(DST, opts(DST, padn(6)) + opts(DST, padn(6)) + opts(RT, padn(6)) +
                                 routing(RT, 4, 0, bytes(4)) + routing(UDP_NH, 4, 0, bytes(4)) + UDP_BYTES)
    yield "fragment_first_in_chain", v6(FRAG, frag(DST, 0, False, 7) + opts(ICMP6, padn(6)) + ECHO)
    yield "tunnel_limit_option", v6(DST, opts(ICMP6, opt(0x04, b"\x04") + bytes([1, 1, 0])) + ECHO)
    yield "home_address_option", v6(DST, opts(ICMP6, padn(4) + opt(0xc9, ADDR)) + ECHO)  # 8n+6
    yield "calipso_option", v6(HOP, opts(ICMP6, opt(0x07, bytes.fromhex("00000001 00 00 0000")) + bytes(4)) + ECHO)
    yield "upper_mobility", v6(135, bytes([NONE, 0, 0, 0, 0, 0, 0, 0]))
    yield "upper_esp", v6(ESP, bytes.fromhex("00000100 00000001") + bytes(16))
    yield "upper_ah", v6(AH, bytes([ICMP6, 4, 0, 0]) + bytes(20) + ECHO)
    yield "unknown_next_header_253", v6(253, b"experiment")
    yield "unknown_next_header_after_dst", v6(DST, opts(143, padn(6)) + b"unknown!")


def option_seeds():
    # V6-EXT-3: unknown options of each action, in Destination Options and Hop-by-Hop.
    for kind, name in ((0x3e, "skip"), (0x7e, "discard"), (0xbe, "icmp"), (0xfe, "icmp_unless_multicast")):
        yield f"dst_unknown_{name}", v6(DST, opts(ICMP6, opt(kind, b"ab") + bytes(2)) + ECHO)
        yield f"hbh_unknown_{name}", v6(HOP, opts(ICMP6, opt(kind, b"ab") + bytes(2)) + ECHO)
    yield "dst_unknown_icmp_unless_multicast_to_multicast", v6(DST, opts(ICMP6, opt(0xfe, b"ab") + bytes(2)) + ECHO,
                                                                dst=MULTICAST)
    yield "dst_unknown_skip_then_icmp", v6(DST, opts(ICMP6, opt(0x3e, b"") + opt(0xbe, b"") + bytes(2)) + ECHO)
    yield "router_alert_in_dst_is_unknown", v6(DST, opts(ICMP6, opt(0x05, b"\x00\x00") + bytes(2)) + ECHO)
    yield "jumbo_in_dst_is_unknown", v6(DST, opts(ICMP6, opt(0xc2, b"\x00\x01\x00\x00")) + ECHO)
    # V6-EXT-5: padding edges.
    yield "padn_7", v6(DST, opts(ICMP6, opt(0x3e, b"") + padn(7) + opt(0x3e, b"abc")) + ECHO)
    yield "pad1_x7", v6(DST, opts(ICMP6, opt(0x3e, b"ab") + bytes(7) + opt(0x3e, b"a")) + ECHO)
    yield "padding_8_pad1", v6(DST, opts(ICMP6, bytes(14)) + ECHO)
    yield "padding_8_padn", v6(DST, opts(ICMP6, bytes([0]) + padn(7) + padn(6)) + ECHO)
    yield "padn_nonzero", v6(DST, opts(ICMP6, bytes([1, 4, 0, 0, 0, 9])) + ECHO)
    yield "padn_max_length_255", v6(DST, opts(ICMP6, bytes([1, 255]) + bytes(255) + padn(5)) + ECHO)
    # V6-EXT-4: an option past its header, a type byte without its length.
    yield "option_past_header", v6(DST, opts(ICMP6, opt(0x3e, b"") + bytes([0x3e, 10, 0, 0])) + ECHO)
    yield "option_type_last_byte", v6(DST, opts(ICMP6, bytes([1, 3, 0, 0, 0, 0x3e])) + ECHO)
    yield "too_many_options", v6(DST, opts(ICMP6, opt(0x3e, b"") * 9 + padn(4)) + ECHO)
    yield "eight_options", v6(DST, opts(ICMP6, opt(0x3e, b"") * 8 + padn(6)) + ECHO)
    # Past the representation's 16 options a header (reached with loose limits).
    yield "seventeen_options", v6(DST, opts(ICMP6, opt(0x3e, b"") * 17 + padn(4)) + ECHO)
    # Compacted, the options leave one byte: re-emitted with a Pad1.
    yield "option_then_pad1", v6(DST, opts(ICMP6, opt(0x3e, b"abc") + bytes(1)) + ECHO)
    # V6-EXT-6: Router Alert and Jumbo Payload.
    yield "router_alert_good", v6(HOP, opts(ICMP6, opt(0x05, b"\x00\x00") + padn(2)) + ECHO)
    yield "router_alert_twice", v6(HOP, opts(ICMP6, opt(0x05, b"\x00\x00") + opt(0x05, b"\x00\x01") + padn(6)) + ECHO)
    yield "router_alert_length_4", v6(HOP, opts(ICMP6, opt(0x05, b"\x00\x00\x00\x00")) + ECHO)
    big = (70000).to_bytes(4, "big")
    yield "jumbo_length_3", v6(HOP, opts(UDP_NH, opt(0xc2, big[:3]) + bytes(1)) + UDP_BYTES, plen=0)
    yield "jumbo_misaligned", v6(HOP, opts(UDP_NH, bytes([1, 0]) + opt(0xc2, big) + padn(6)) + UDP_BYTES, plen=0)
    yield "jumbo_misaligned_pad1", v6(HOP, opts(UDP_NH, bytes([0]) + opt(0xc2, big) + bytes(7)) + UDP_BYTES, plen=0)
    yield "jumbo_value_65535", v6(HOP, opts(UDP_NH, opt(0xc2, (65535).to_bytes(4, "big"))) + UDP_BYTES, plen=0)
    yield "jumbo_with_payload_length", v6(HOP, opts(UDP_NH, opt(0xc2, (70000).to_bytes(4, "big"))) + UDP_BYTES)
    yield "jumbo_past_bytes", v6(HOP, opts(UDP_NH, opt(0xc2, (70000).to_bytes(4, "big"))) + UDP_BYTES, plen=0)
    yield "jumbo_missing", v6(HOP, opts(UDP_NH, padn(6)) + UDP_BYTES, plen=0)
    jumbo_len = 65536
    body = opts(UDP_NH, opt(0xc2, jumbo_len.to_bytes(4, "big")))
    udp_hdr = (40000).to_bytes(2, "big") + (53).to_bytes(2, "big") + bytes(4)  # UDP length 0: RFC 2675 4
    yield "jumbo_valid_65536", v6(HOP, body + udp_hdr + bytes(jumbo_len - len(body) - len(udp_hdr)), plen=0)
    body = opts(FRAG, opt(0xc2, jumbo_len.to_bytes(4, "big"))) + frag(UDP_NH, 0, True, 0x4a4a4a4a)
    yield "jumbo_with_fragment", v6(HOP, body + bytes(jumbo_len - len(body)), plen=0)


def chain_seeds():
    # V6-EXT-1: Hop-by-Hop anywhere but first.
    yield "hbh_after_dst", v6(DST, opts(HOP, padn(6)) + opts(ICMP6, padn(6)) + ECHO)
    yield "hbh_after_routing", v6(RT, routing(HOP, 4, 0, bytes(4)) + opts(ICMP6, padn(6)) + ECHO)
    yield "hbh_twice", v6(HOP, opts(HOP, padn(6)) + opts(ICMP6, padn(6)) + ECHO)
    # V6-EXT-7: RH0 and an unknown type, Segments Left 0 and > 0; RH2 and SRH.
    for rtype, name in ((0, "rh0"), (2, "rh2"), (4, "srh"), (250, "rh250")):
        data = bytes(4) + ADDR
        yield f"{name}_segments_left_0", v6(RT, routing(ICMP6, rtype, 0, data) + ECHO)
        yield f"{name}_segments_left_1", v6(RT, routing(ICMP6, rtype, 1, data) + ECHO)
    yield "rh0_scapy_two_addresses", raw(ip6() / IPv6ExtHdrRouting(addresses=["2001:db8::3", "2001:db8::4"],
                                                                   segleft=2) / echo())
    yield "rh0_then_bad_option", v6(RT, routing(DST, 0, 1, bytes(4)) + opts(ICMP6, bytes([1, 4, 0, 0, 0, 9])) + ECHO)
    # V6-EXT-8: bounds.
    for n in (15, 16, 17, 20):
        chain = b"".join(opts(DST, padn(6)) for _ in range(n - 1)) + opts(ICMP6, padn(6))
        yield f"dst_x{n}", v6(DST, chain + ECHO)
    # Two 2048-byte headers (7 options of 255 bytes and one of 245) fill 4096; a third goes over.
    full = opts(DST, opt(0x3e, bytes(255)) * 7 + opt(0x3e, bytes(245)))
    yield "chain_4096_bytes", v6(DST, full + bytes([ICMP6]) + full[1:] + ECHO)
    yield "chain_over_4096_bytes", v6(DST, full + full + opts(ICMP6, padn(6)) + ECHO)
    # Lengths past the datagram.
    yield "dst_length_past_datagram", v6(DST, bytes([ICMP6, 3]) + padn(6))
    yield "routing_length_past_datagram", v6(RT, bytes([ICMP6, 2, 4, 0]) + bytes(12))
    yield "dst_header_6_bytes", v6(DST, bytes([ICMP6, 0, 1, 2, 0, 0]))
    yield "fragment_header_5_bytes", v6(FRAG, frag(ICMP6, 1, False, 9)[:5])
    yield "chain_with_nothing_after_dst", v6(DST, opts(DST, padn(6)))
    # Header-level errors.
    yield "version_4", bytes([0x45]) + raw(ip6() / echo())[1:]
    yield "payload_length_past_bytes", v6(ICMP6, ECHO, plen=len(ECHO) + 1)
    yield "payload_length_shorter", v6(ICMP6, ECHO, plen=8)
    three = raw(ip6() / IPv6ExtHdrHopByHop(options=[RouterAlert(value=0)]) /
                IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 4)]) /
                IPv6ExtHdrSegmentRouting(addresses=["2001:db8::3"], segleft=0) / syn())
    yield from truncations("three_headers", three, [0, 1, 39, 40, 47, 48, 60, 100, 120])
    # Cut with the payload length following the cut: the walk sees the cut.
    for n in (41, 47, 49, 55, 57, 70, 80):
        cut = bytearray(three[:n])
        cut[4:6] = (n - 40).to_bytes(2, "big")
        yield f"three_headers_plen_cut{n}", bytes(cut)


def fragment_seeds():
    ident = 0x00c0ffee
    payload = upper(ICMPv6EchoRequest(id=0x1234, seq=2, data=bytes(range(96))))  # 104 bytes
    first, middle, last = payload[:48], payload[48:96], payload[96:]
    yield "frag_first", v6(FRAG, frag(ICMP6, 0, True, ident) + first)
    yield "frag_middle", v6(FRAG, frag(ICMP6, 6, True, ident) + middle)
    yield "frag_last", v6(FRAG, frag(ICMP6, 12, False, ident) + last)
    yield "frag_overlap_second", v6(FRAG, frag(ICMP6, 5, True, ident) + middle)
    yield "frag_duplicate_first_other_data", v6(FRAG, frag(ICMP6, 0, True, ident) + bytes(48))
    yield "frag_out_of_order_last_first", v6(FRAG, frag(ICMP6, 12, False, ident + 1) + last)
    yield "frag_atomic", v6(FRAG, frag(ICMP6, 0, False, ident + 2) + ECHO)
    yield "frag_atomic_reserved_bits", v6(FRAG, frag(ICMP6, 0, False, ident + 3, res=0xff, resbits=3) + ECHO)
    yield "frag_tiny_tcp", v6(FRAG, frag(TCP_NH, 0, True, ident + 4) + SYN[:8])
    yield "frag_tiny_icmp_ok", v6(FRAG, frag(ICMP6, 0, True, ident + 5) + ECHO[:8])
    yield "frag_first_without_upper_layer", v6(FRAG, frag(DST, 0, True, ident + 6) + opts(DST, padn(6)) +
                                               bytes([ICMP6, 1]) + bytes(6))
    yield "frag_first_dst_then_tcp_cut", v6(FRAG, frag(DST, 0, True, ident + 7) + opts(TCP_NH, padn(6)) + SYN[:16])
    yield "frag_first_with_dst_ok", v6(FRAG, frag(DST, 0, True, ident + 8) + opts(TCP_NH, padn(6)) + SYN[:16] +
                                       bytes(8))
    yield "frag_not_multiple_of_8", v6(FRAG, frag(ICMP6, 0, True, ident + 9) + ECHO[:13])
    yield "frag_offset_plus_length_over_65535", v6(FRAG, frag(ICMP6, 8189, True, ident + 10) + bytes(32))
    yield "frag_last_ends_at_65535", v6(FRAG, frag(ICMP6, 8191, False, ident + 11) + bytes(7))
    yield "frag_empty", v6(FRAG, frag(ICMP6, 5, True, ident + 12))
    # RFC 7112 walk of a first fragment: a later Fragment header ends it (what
    # follows is data); No Next Header and ESP need nothing after them; a chain
    # past the tight 64-byte bound.
    yield "frag_first_then_later_fragment", v6(FRAG, frag(FRAG, 0, True, ident + 15) +
                                               frag(ICMP6, 3, True, ident + 16) + bytes(16))
    yield "frag_first_no_next_header", v6(FRAG, frag(NONE, 0, True, ident + 17) + bytes(8))
    yield "frag_first_esp", v6(FRAG, frag(ESP, 0, True, ident + 18) + bytes.fromhex("00000100 00000001"))
    yield "frag_first_chain_72_bytes", v6(FRAG, frag(DST, 0, True, ident + 19) + opts(ICMP6, opt(0x3e, bytes(60))) +
                                          ECHO[:8])
    yield "frag_after_routing", v6(RT, routing(FRAG, 4, 0, bytes(4)) + frag(UDP_NH, 3, True, ident + 13) + bytes(16))
    yield "frag_scapy_first", raw(ip6() / IPv6ExtHdrFragment(id=ident + 14, offset=0, m=1) / udp(bytes(40)))


def seeds():
    yield from valid_packets()
    yield from option_seeds()
    yield from chain_seeds()
    yield from fragment_seeds()

"""Seeds for fuzzers/wire_icmpv6.cpp: one ICMPv6 message each (no IPv6 header).

The fuzz target checks checksums against a fixed pseudo-header: source
fe80::1, destination ff02::1:ff00:2 for a Neighbor Solicitation (type 135),
ff02::1 otherwise. Every message is built under an IPv6 header with those
addresses so Scapy's checksum is the right one, then the header is cut off:
valid seeds also pass with HARDSTACK_FUZZ_CHECKSUMS=verify.
"""
from scapy.all import (ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6MLDone, ICMPv6MLQuery,
                       ICMPv6MLReport, ICMPv6MLReport2, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS,
                       ICMPv6ND_Redirect, ICMPv6NDOptDNSSL, ICMPv6NDOptDstLLAddr, ICMPv6NDOptMTU,
                       ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS, ICMPv6NDOptRedirectedHdr, ICMPv6NDOptRouteInfo,
                       ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, ICMPv6ParamProblem, ICMPv6TimeExceeded,
                       ICMPv6Unknown, IPv6, IPv6ExtHdrFragment, Raw, UDP, raw)

from _common import IP6_A, IP6_B, MAC_A, MAC_B, truncations

TARGET = "wire_icmpv6"

SOURCE = "fe80::1"
ALL_NODES = "ff02::1"
SOLICITED_NODE = "ff02::1:ff00:2"  # of 2001:db8::2, the NS target below


def msg(layer):
    """The ICMPv6 message `layer`, checksummed for the target's pseudo-header."""
    dst = SOLICITED_NODE if layer.type == 135 else ALL_NODES
    return raw(IPv6(src=SOURCE, dst=dst, hlim=255, fl=0) / layer)[40:]


# The packet the errors quote: IPv6 2001:db8::2 -> 2001:db8::7, UDP 5000 -> 53.
INVOKING = raw(IPv6(src=IP6_B, dst="2001:db8::7", hlim=64, fl=0) / UDP(sport=5000, dport=53) / b"query")
INVOKING_FRAG = raw(IPv6(src=IP6_B, dst="2001:db8::7", hlim=64, fl=0) /
                    IPv6ExtHdrFragment(offset=0, m=1, id=0x1234) / UDP(sport=5000, dport=53) / bytes(64))
BIG = raw(IPv6(src=IP6_A, dst=IP6_B, hlim=64, fl=0) / UDP(sport=1, dport=2) / bytes(1400))

SLLA = ICMPv6NDOptSrcLLAddr(lladdr=MAC_A)
TLLA = ICMPv6NDOptDstLLAddr(lladdr=MAC_B)
PREFIX = ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=1, validlifetime=86400, preferredlifetime=14400,
                               prefix="2001:db8::")
MTU = ICMPv6NDOptMTU(mtu=1500)
RDNSS1 = ICMPv6NDOptRDNSS(lifetime=600, dns=["2001:db8::53"])
RDNSS2 = ICMPv6NDOptRDNSS(lifetime=600, dns=["2001:db8::53", "2001:db8::54"])
DNSSL = ICMPv6NDOptDNSSL(lifetime=600, searchlist=["example.com"])
ROUTE = ICMPv6NDOptRouteInfo(prefix="2001:db8:1::", plen=48, prf=0, rtlifetime=600)
NONCE = bytes.fromhex("0e01 010203040506")
UNKNOWN_OPT = bytes.fromhex("c801 aabbccddeeff")
SERVER = bytes.fromhex("20010db8000000000000000000000053")

NS_TARGET = "2001:db8::2"


def ra(**kw):
    fields = dict(chlim=64, M=0, O=0, prf=0, routerlifetime=1800, reachabletime=30000, retranstimer=1000)
    fields.update(kw)
    return ICMPv6ND_RA(**fields)


def ns():
    return ICMPv6ND_NS(tgt=NS_TARGET)


def seeds():
    # ---- Errors (RFC 4443 3)
    for code in range(9):
        yield f"unreachable_code{code}", msg(ICMPv6DestUnreach(code=code) / INVOKING)
    for mtu in (0, 1280, 1500, 65535):
        yield f"packet_too_big_{mtu}", msg(ICMPv6PacketTooBig(mtu=mtu) / INVOKING)
    for code in (0, 1):
        yield f"time_exceeded_code{code}", msg(ICMPv6TimeExceeded(code=code) / INVOKING_FRAG)
    for code, ptr in ((0, 4), (0, 40), (1, 6), (1, 40), (2, 42), (3, 0), (0, 0xffffffff)):
        yield f"param_problem_code{code}_ptr{ptr}", msg(ICMPv6ParamProblem(code=code, ptr=ptr) / INVOKING_FRAG)
    # SEC-ICMP-1: errors quoting truncated or malformed IPv6 headers.
    yield "unreachable_quote_empty", msg(ICMPv6DestUnreach(code=4))
    yield "unreachable_quote_cut10", msg(ICMPv6DestUnreach(code=4) / INVOKING[:10])
    yield "unreachable_quote_cut39", msg(ICMPv6DestUnreach(code=4) / INVOKING[:39])
    yield "unreachable_quote_version4", msg(ICMPv6DestUnreach(code=4) / Raw(b"\x45" + INVOKING[1:]))
    yield "unreachable_quote_bad_payload_len", msg(ICMPv6DestUnreach(code=4) /
                                                   Raw(INVOKING[:4] + b"\xff\xff" + INVOKING[6:]))
    yield "unreachable_quote_link_padding", msg(ICMPv6DestUnreach(code=4) / Raw(INVOKING + bytes(6)))
    yield "packet_too_big_quote_1232", msg(ICMPv6PacketTooBig(mtu=1280) / BIG[:1232])
    yield "packet_too_big_quote_1440", msg(ICMPv6PacketTooBig(mtu=1280) / BIG)
    yield "unknown_error_type100", msg(ICMPv6Unknown(type=100, code=3, msgbody=b"\x00\x00\x00\x00" + INVOKING))
    yield "unknown_error_type127_bare", msg(ICMPv6Unknown(type=127, code=0))

    # ---- Informational (RFC 4443 4), MLD and unknown types
    echo = msg(ICMPv6EchoRequest(id=0x1234, seq=1, data=b"abcdefgh"))
    yield "echo_request", echo
    yield "echo_request_empty", msg(ICMPv6EchoRequest(id=1, seq=0))
    yield "echo_request_large", msg(ICMPv6EchoRequest(id=7, seq=65535, data=bytes(range(256)) * 4))
    yield "echo_reply", msg(ICMPv6EchoReply(id=0x1234, seq=1, data=b"abcdefgh"))
    yield "echo_request_code1", msg(ICMPv6EchoRequest(code=1, id=2, seq=2, data=b"x"))
    yield "mld_query", msg(ICMPv6MLQuery(mrd=10000))
    yield "mld_report", msg(ICMPv6MLReport(mladdr="ff02::1:ff00:2"))
    yield "mld_done", msg(ICMPv6MLDone(mladdr="ff02::1:ff00:2"))
    yield "mldv2_report", msg(ICMPv6MLReport2())
    yield "unknown_informational_200", msg(ICMPv6Unknown(type=200, code=9, msgbody=b"hello"))
    yield "unknown_informational_255_bare", msg(ICMPv6Unknown(type=255, code=0))

    # ---- Router Solicitation / Advertisement
    yield "rs", msg(ICMPv6ND_RS())
    yield "rs_slla", msg(ICMPv6ND_RS() / SLLA)
    yield "rs_code1", msg(ICMPv6ND_RS(code=1) / SLLA)
    yield "ra", msg(ra())
    yield "ra_full", msg(ra(M=1, O=1, prf=1) / SLLA / MTU / PREFIX / RDNSS2 / DNSSL / ROUTE)
    yield "ra_prefix", msg(ra() / PREFIX)
    yield "ra_prefix_len3", msg(ra() / Raw(raw(PREFIX)[:1] + b"\x03" + raw(PREFIX)[2:24]))
    yield "ra_prefix_len129", msg(ra() / ICMPv6NDOptPrefixInfo(prefixlen=129, prefix="2001:db8::"))
    yield "ra_prefix_reserved_flags", msg(ra() / ICMPv6NDOptPrefixInfo(prefixlen=64, L=1, A=0, R=1, res1=3,
                                                                      prefix="2001:db8::"))
    yield "ra_mtu", msg(ra() / MTU)
    yield "ra_mtu_len2", msg(ra() / Raw(bytes.fromhex("0502 0000 000005dc 0000000000000000")))
    yield "ra_rdnss_len3", msg(ra() / RDNSS1)
    yield "ra_rdnss_len5", msg(ra() / RDNSS2)
    yield "ra_rdnss_len1", msg(ra() / Raw(bytes.fromhex("1901 0000 00000258")))
    yield "ra_rdnss_len2", msg(ra() / Raw(bytes.fromhex("1902 0000 00000258") + SERVER[:8]))
    yield "ra_rdnss_len4", msg(ra() / Raw(bytes.fromhex("1904 0000 00000258") + SERVER + SERVER[:8]))
    yield "ra_dnssl", msg(ra() / DNSSL)
    yield "ra_route_info", msg(ra() / ROUTE)
    yield "ra_unknown_option", msg(ra() / Raw(UNKNOWN_OPT))
    yield "ra_40_options", msg(ra() / Raw(UNKNOWN_OPT * 40))
    yield "ra_prf_and_flags", msg(ra(M=1, O=1, H=1, prf=3, P=1) / SLLA)

    # ---- Neighbor Solicitation / Advertisement
    yield "ns", msg(ns())
    yield "ns_slla", msg(ns() / SLLA)
    yield "ns_nonce", msg(ns() / SLLA / Raw(NONCE))
    yield "ns_slla_len2", msg(ns() / Raw(bytes.fromhex("0102") + bytes(range(14))))
    yield "ns_16_options", msg(ns() / Raw(raw(SLLA) * 16))
    yield "ns_17_options", msg(ns() / Raw(raw(SLLA) * 17))
    yield "ns_option_len0", msg(ns() / Raw(bytes.fromhex("0100 020000000001")))
    yield "ns_second_option_len0", msg(ns() / SLLA / Raw(bytes.fromhex("0e00 000000000000")))
    yield "ns_option_past_end", msg(ns() / Raw(bytes.fromhex("0103 020000000001")))
    yield "ns_option_lone_byte", msg(ns() / SLLA / Raw(b"\x01"))
    yield "ns_code1", msg(ICMPv6ND_NS(code=1, tgt=NS_TARGET) / SLLA)
    yield "ns_multicast_target", msg(ICMPv6ND_NS(tgt="ff02::1") / SLLA)
    yield "na", msg(ICMPv6ND_NA(R=0, S=1, O=1, tgt=NS_TARGET) / TLLA)
    yield "na_router", msg(ICMPv6ND_NA(R=1, S=0, O=0, tgt="fe80::2"))
    yield "na_unsolicited_tlla", msg(ICMPv6ND_NA(R=0, S=0, O=1, tgt=NS_TARGET) / TLLA)
    yield "na_tlla_len2", msg(ICMPv6ND_NA(R=0, S=1, O=1, tgt=NS_TARGET) / Raw(bytes.fromhex("0202") + bytes(range(14))))
    yield "na_multicast_target", msg(ICMPv6ND_NA(tgt="ff02::1") / TLLA)

    # ---- Redirect
    redirect = ICMPv6ND_Redirect(tgt="fe80::99", dst="2001:db8::7")
    yield "redirect", msg(redirect)
    yield "redirect_tlla_header", msg(redirect / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:99") /
                                      ICMPv6NDOptRedirectedHdr(pkt=INVOKING))
    yield "redirect_on_link", msg(ICMPv6ND_Redirect(tgt="2001:db8::7", dst="2001:db8::7") / TLLA)
    yield "redirect_global_target", msg(ICMPv6ND_Redirect(tgt="2001:db8::99", dst="2001:db8::7"))
    yield "redirect_multicast_destination", msg(ICMPv6ND_Redirect(tgt="fe80::99", dst="ff02::1"))
    yield "redirect_header_len0", msg(redirect / Raw(bytes.fromhex("0400 000000000000")))

    # ---- Truncations and checksums
    yield from truncations("echo_request", echo, [0, 1, 3, 4, 7])
    ns_slla = msg(ns() / SLLA)
    yield from truncations("ns_slla", ns_slla, [8, 23, 24, 25, 31])
    yield from truncations("ra_full", msg(ra() / SLLA / PREFIX), [15, 16, 17, 40])
    yield from truncations("redirect", msg(redirect), [39])
    bad = bytearray(echo)
    bad[3] ^= 0x01
    yield "echo_request_bad_checksum", bytes(bad)
    bad_ns = bytearray(ns_slla)
    bad_ns[2:4] = b"\x00\x00"
    yield "ns_zero_checksum", bytes(bad_ns)

"""Seeds for fuzzers/cmsg_send.cpp: a socket set-up, then sends, each with a
control buffer (the layout is in the target's header comment)."""
import struct

from _cmsg import (IP_PKTINFO, IP_PROTOCOL, IP_RETOPTS, IP_TOS, IP_TTL, IPV6_2292DSTOPTS, IPV6_DONTFRAG,
                   IPV6_DSTOPTS, IPV6_FLOWINFO, IPV6_HOPLIMIT, IPV6_HOPOPTS, IPV6_PKTINFO, IPV6_RTHDR,
                   IPV6_TCLASS, SO_MARK, SO_TIMESTAMPING_OLD, SCM_TXTIME, SOL_IP, SOL_IPV6, SOL_SOCKET, SOL_UDP,
                   UDP_SEGMENT, cmsg, i32, in6_pktinfo, in_pktinfo, mapped, options_header, u16, v4, v6)

TARGET = "cmsg_send"

# Destination indexes (the target's table).
TUN0, TUN1, VIA_GW, LO4, OWN4, BCAST, LBCAST, MCAST4, ANY4 = 0, 1, 2, 3, 4, 5, 6, 7, 8
TUN0_6, TUN1_6, VIA_GW6, LO6, OWN6, ALLNODES, MCAST6, ANY6, MAPPED, MAPPED_LO = 16, 17, 18, 19, 20, 21, 22, 23, 24, 25
NO_ADDRESS = 7 << 5
MORE, NULL_CONTROL, BIG = 1, 8, 0x80

# Set-up byte 0.
INET, INET6, INET6_ONLY = 0, 1, 2
BIND, CONNECT, TTL, TOS, OPTIONS, SEGMENT = 4, 8, 0x10, 0x20, 0x40, 0x80
# Byte 3.
BROADCAST, CORK, PMTU_DO = 0x20, 0x40, 0x80


def send(dest, control=b"", length=100, flags=0, iov=0):
    """One send; a length over 255 goes as 1200 + 17 * n (at least `length`), 65500 and up as 65500 + 8 * n."""
    if length >= 65500:
        flags |= BIG
        length = 250 + (length - 65500 + 7) // 8
    elif length > 255:
        flags |= BIG
        length = max(0, (length - 1200 + 16) // 17)
    return bytes([flags, dest, iov, length]) + struct.pack("<H", len(control)) + control


def seed(b0=INET, b1=0, b2=0, b3=0, sends=()):
    return bytes([b0, b1, b2, b3]) + b"".join(sends)


RR = bytes([7, 11, 4]) + b"\0" * 8
RA = bytes([148, 4, 0, 0])
TS = bytes([68, 12, 5, 1]) + b"\0" * 8
LSRR = bytes([131, 7, 4, 198, 51, 100, 2])
PADN = options_header([])


def seeds():
    ttl = cmsg(SOL_IP, IP_TTL, i32(9))
    tos = cmsg(SOL_IP, IP_TOS, i32(0x28))
    yield "v4_plain", seed(sends=[send(TUN0)])
    yield "v4_ttl", seed(sends=[send(TUN0, ttl)])
    yield "v4_ttl_tos_byte", seed(sends=[send(TUN1, ttl + cmsg(SOL_IP, IP_TOS, b"\x10"))])
    yield "v4_tos_int", seed(sends=[send(VIA_GW, tos)])
    yield "v4_pktinfo_tun1", seed(sends=[send(TUN1, cmsg(SOL_IP, IP_PKTINFO, in_pktinfo(3, v4(198, 51, 100, 1))))])
    yield "v4_pktinfo_source", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_PKTINFO, in_pktinfo(0, v4(192, 0, 2, 1))))])
    yield "v4_pktinfo_loopback", seed(sends=[send(LO4, cmsg(SOL_IP, IP_PKTINFO, in_pktinfo(0, v4(127, 0, 0, 5))))])
    yield "v4_retopts_rr", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_RETOPTS, RR))])
    yield "v4_retopts_ra_ts", seed(sends=[send(TUN1, cmsg(SOL_IP, IP_RETOPTS, RA + TS))])
    yield "v4_retopts_lsrr", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_RETOPTS, LSRR))])
    yield "v4_retopts_empty", seed(b0=INET | OPTIONS, sends=[send(TUN0, cmsg(SOL_IP, IP_RETOPTS, b""))])
    yield "v4_retopts_loopback", seed(sends=[send(LO4, cmsg(SOL_IP, IP_RETOPTS, RR) + ttl + tos)])
    yield "v4_segment", seed(sends=[send(TUN0, cmsg(SOL_UDP, UDP_SEGMENT, u16(500)), length=3000)])
    yield "v4_segment_loopback", seed(sends=[send(LO4, cmsg(SOL_UDP, UDP_SEGMENT, u16(1000)), length=2500)])
    yield "v4_segment_too_big", seed(sends=[send(TUN1, cmsg(SOL_UDP, UDP_SEGMENT, u16(1300)), length=3000)])
    yield "v4_fragments", seed(sends=[send(TUN1, ttl + tos, length=4000, iov=0x12)])
    yield "v4_fragments_options", seed(b0=INET | OPTIONS, b3=0, sends=[send(TUN1, length=3000)])
    yield "v4_pmtu_do", seed(b3=PMTU_DO, sends=[send(TUN1, length=2000)])
    yield "v4_largest", seed(sends=[send(TUN0, length=65500)])
    yield "v4_too_large", seed(sends=[send(TUN0, length=65508)])
    yield "v6_too_large_corked", seed(b0=INET6, sends=[send(TUN0_6, length=65500, flags=MORE), send(TUN0_6, length=200)])
    yield "v4_so_mark_timestamping", seed(sends=[send(TUN0, cmsg(SOL_SOCKET, SO_MARK, i32(5)) +
                                                      cmsg(SOL_SOCKET, SO_TIMESTAMPING_OLD, i32(2)))])
    yield "v4_ip_protocol", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_PROTOCOL, i32(17)))])
    yield "v4_sticky_all", seed(b0=INET | TTL | TOS | OPTIONS | SEGMENT, b2=0x1b, b3=0x0d,
                                sends=[send(TUN0, length=1000), send(LO4, ttl)])
    yield "v4_broadcast", seed(b3=BROADCAST, sends=[send(BCAST, ttl), send(LBCAST)])
    yield "v4_multicast", seed(b0=INET | TTL, b2=0x20, sends=[send(MCAST4), send(MCAST4, ttl)])
    yield "v4_bound_connected", seed(b0=INET | BIND | CONNECT, b1=TUN1, b2=2,
                                     sends=[send(NO_ADDRESS, ttl), send(TUN1 | (0 << 5))])
    yield "v4_cork", seed(sends=[send(TUN0, ttl, flags=MORE), send(TUN0, tos, length=50), send(TUN1)])
    yield "v4_udp_cork", seed(b3=CORK, sends=[send(TUN0, ttl, length=10), send(TUN0, length=20)])
    yield "v4_unaligned", seed(sends=[send(TUN0, ttl + tos, flags=0x30)])
    yield "v4_null_control", seed(sends=[send(TUN0, b"\0" * 20, flags=NULL_CONTROL)])
    # Refused: nothing may go out.
    yield "bad_ttl_zero", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_TTL, i32(0)))])
    yield "bad_ttl_short", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_TTL, b"\x05"))])
    yield "bad_tos_256", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_TOS, i32(256)))])
    yield "bad_tos_len2", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_TOS, b"\x01\x02"))])
    yield "bad_pktinfo_len", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_PKTINFO, in_pktinfo(0, v4(0, 0, 0, 0)) + b"\0"))])
    yield "bad_pktinfo_ifindex", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_PKTINFO, in_pktinfo(77, v4(0, 0, 0, 0))))])
    yield "bad_pktinfo_multicast", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_PKTINFO, in_pktinfo(0, v4(224, 0, 0, 1))))])
    yield "bad_retopts", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_RETOPTS, bytes([7, 2, 4, 0])))])
    yield "bad_unknown_ip", seed(sends=[send(TUN0, cmsg(SOL_IP, 99, i32(1)))])
    yield "bad_udp_type", seed(sends=[send(TUN0, cmsg(SOL_UDP, 1, i32(1)))])
    yield "bad_segment_len", seed(sends=[send(TUN0, cmsg(SOL_UDP, UDP_SEGMENT, i32(500)))])
    yield "bad_txtime", seed(sends=[send(TUN0, cmsg(SOL_SOCKET, SCM_TXTIME, b"\0" * 8))])
    yield "bad_cmsg_len_short", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_TTL, i32(9), length=8))])
    yield "bad_cmsg_len_past_end", seed(sends=[send(TUN0, cmsg(SOL_IP, IP_TTL, i32(9), length=64))])
    yield "bad_second_past_end", seed(sends=[send(TUN0, ttl + cmsg(SOL_IP, IP_TOS, i32(1), pad=False)[:18])])
    yield "ignored_other_level", seed(sends=[send(TUN0, cmsg(SOL_IPV6, IPV6_TCLASS, i32(999)) + cmsg(99, 1, b"x"))])
    # IPv6.
    hl = cmsg(SOL_IPV6, IPV6_HOPLIMIT, i32(3))
    tc = cmsg(SOL_IPV6, IPV6_TCLASS, i32(0xb8))
    yield "v6_plain", seed(b0=INET6, sends=[send(TUN0_6)])
    yield "v6_hoplimit_tclass", seed(b0=INET6, sends=[send(TUN0_6, hl + tc)])
    yield "v6_hoplimit_default", seed(b0=INET6 | TTL, b2=0x20, sends=[send(TUN1_6, cmsg(SOL_IPV6, IPV6_HOPLIMIT, i32(-1)))])
    yield "v6_pktinfo", seed(b0=INET6, sends=[send(TUN1_6, cmsg(SOL_IPV6, IPV6_PKTINFO,
                                                                   in6_pktinfo(v6(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1), 3)))])
    yield "v6_hopopts", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, IPV6_HOPOPTS, PADN))])
    yield "v6_dstopts", seed(b0=INET6, sends=[send(TUN1_6, cmsg(SOL_IPV6, IPV6_DSTOPTS, options_header([1, 4, 0, 0, 0, 0])),
                                                   length=3000)])
    yield "v6_2292dstopts", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, IPV6_2292DSTOPTS, PADN))])
    yield "v6_dontfrag", seed(b0=INET6, sends=[send(TUN1_6, cmsg(SOL_IPV6, IPV6_DONTFRAG, i32(1)), length=2000)])
    yield "v6_flowinfo", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, IPV6_FLOWINFO, struct.pack(">I", 0x00b00000)))])
    yield "v6_segment", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_UDP, UDP_SEGMENT, u16(700)) + hl, length=5000)])
    yield "v6_loopback", seed(b0=INET6, sends=[send(LO6, hl + tc), send(OWN6, tc), send(ANY6)])
    yield "v6_multicast", seed(b0=INET6 | TTL, b2=0x10, sends=[send(ALLNODES), send(MCAST6, hl)])
    yield "v6_cork", seed(b0=INET6, sends=[send(TUN0_6, hl, flags=MORE), send(TUN0_6, length=40)])
    yield "v6_sticky", seed(b0=INET6 | TTL | TOS | OPTIONS | SEGMENT, b2=0x50, b3=0x08, sends=[send(TUN0_6, length=1500)])
    yield "v6_bad_hoplimit", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, IPV6_HOPLIMIT, i32(256)))])
    yield "v6_bad_dontfrag", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, IPV6_DONTFRAG, i32(-1)))])
    yield "v6_bad_rthdr", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, IPV6_RTHDR, bytes([0, 2, 2, 1]) + b"\0" * 20))])
    yield "v6_bad_two_hopopts", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, IPV6_HOPOPTS, PADN) * 2)])
    yield "v6_bad_hopopts_short", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, IPV6_HOPOPTS, bytes([0, 1]) + b"\0" * 6))])
    yield "v6_bad_type", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IPV6, 1, i32(0)))])
    yield "v6_ignores_sol_ip", seed(b0=INET6, sends=[send(TUN0_6, cmsg(SOL_IP, IP_TTL, i32(0)))])
    # Dual stack: IPv4 datagrams of an AF_INET6 socket.
    yield "dual_mapped_pktinfo", seed(b0=INET6, sends=[send(MAPPED, cmsg(SOL_IPV6, IPV6_PKTINFO,
                                                                            in6_pktinfo(mapped(192, 0, 2, 1), 2)) + ttl)])
    yield "dual_mapped_loopback", seed(b0=INET6, sends=[send(MAPPED_LO, ttl + tos), send(LO4)])
    yield "dual_bad_pktinfo", seed(b0=INET6, sends=[send(MAPPED, cmsg(SOL_IPV6, IPV6_PKTINFO,
                                                                         in6_pktinfo(v6(0, 0, 0, 0, 0, 0, 0, 1), 0)))])
    yield "dual_v6only", seed(b0=INET6_ONLY, sends=[send(MAPPED)])
    yield "dual_bound_mapped_to_v6", seed(b0=INET6 | BIND, b2=4, sends=[send(TUN0_6), send(MAPPED)])

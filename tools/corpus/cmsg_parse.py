"""Seeds for fuzzers/cmsg_parse.cpp: a flags byte (bit 0 allow_ipv6, bit 1 null
msg_control, bits 2-4 misalignment, bit 5 receive messages too), then a
sendmsg control buffer laid out as on Linux x86-64: struct cmsghdr is a size_t
cmsg_len and two ints, data at 16, each message CMSG_SPACE(len) long. Written
with struct, no Scapy: the bytes are what an application's CMSG_* macros make."""
import struct

TARGET = "cmsg_parse"

SOL_SOCKET, SOL_IP, SOL_UDP, SOL_IPV6 = 1, 0, 17, 41
IP_TOS, IP_TTL, IP_RETOPTS, IP_PKTINFO = 1, 2, 7, 8
UDP_SEGMENT = 103
SO_MARK, SO_TIMESTAMPING_OLD, SCM_TXTIME, SCM_RIGHTS = 36, 37, 61, 1
(IPV6_2292PKTINFO, IPV6_2292HOPOPTS, IPV6_2292DSTOPTS, IPV6_2292RTHDR, IPV6_2292HOPLIMIT,
 IPV6_FLOWINFO) = 2, 3, 4, 5, 8, 11
IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_HOPOPTS, IPV6_RTHDRDSTOPTS, IPV6_RTHDR, IPV6_DSTOPTS = 50, 52, 54, 55, 57, 59
IPV6_DONTFRAG, IPV6_TCLASS = 62, 67

HEADER = 16


def align(n):
    return (n + 7) & ~7


def cmsg(level, typ, data=b"", length=None, pad=True):
    """One message: header (cmsg_len = CMSG_LEN(len(data)) unless given), data, padding."""
    out = struct.pack("<Qii", HEADER + len(data) if length is None else length, level, typ) + data
    return out + bytes(align(len(out)) - len(out)) if pad else out


def i32(v):
    return struct.pack("<i", v)


def u32(v):
    return struct.pack("<I", v)


def pktinfo(ifindex, spec_dst):
    return struct.pack("<i", ifindex) + bytes(spec_dst) + bytes(4)


def pktinfo6(ifindex, addr):
    return bytes(addr) + struct.pack("<I", ifindex)


V4_MAPPED = bytes(10) + b"\xff\xff" + bytes([192, 0, 2, 7])
DOC6 = bytes([0x20, 0x01, 0x0d, 0xb8]) + bytes(11) + b"\x09"
PADDED_OPTIONS = bytes([0x3a, 0, 1, 4, 0, 0, 0, 0])          # Hop-by-Hop / Destination: PadN 4
ROUTER_ALERT = bytes([0x3a, 0, 5, 2, 0, 0, 1, 0])            # Router Alert, PadN 0
TYPE2_ROUTING = bytes([0x3a, 2, 2, 1, 0, 0, 0, 0]) + DOC6   # RFC 6275 type 2, one address
RECORD_ROUTE = bytes([7, 7, 4, 0, 0, 0, 0])
TIMESTAMP = bytes([0x44, 8, 5, 0, 0, 0, 0, 0])


def flags(allow_ipv6=False, null=False, misalign=0, receive=False):
    return bytes([(1 if allow_ipv6 else 0) | (2 if null else 0) | (misalign << 2) | (0x20 if receive else 0)])


def seeds():
    plain = flags()
    # IPv4 (CMSG-2..6, UDP-7), one message each.
    yield "v4_ttl", plain + cmsg(SOL_IP, IP_TTL, i32(64))
    yield "v4_tos_int", plain + cmsg(SOL_IP, IP_TOS, i32(0xb8))
    yield "v4_tos_byte", plain + cmsg(SOL_IP, IP_TOS, b"\x10")
    yield "v4_pktinfo", plain + cmsg(SOL_IP, IP_PKTINFO, pktinfo(2, [192, 0, 2, 1]))
    yield "v4_retopts_rr", plain + cmsg(SOL_IP, IP_RETOPTS, RECORD_ROUTE)
    yield "v4_retopts_ts_cut", plain + cmsg(SOL_IP, IP_RETOPTS, TIMESTAMP[:5])
    yield "v4_retopts_44", plain + cmsg(SOL_IP, IP_RETOPTS, bytes([1]) * 40 + bytes([7, 0, 0, 0]))
    yield "v4_retopts_lsrr", plain + cmsg(SOL_IP, IP_RETOPTS, bytes([0x83, 7, 4, 192, 0, 2, 1, 0]))
    yield "udp_segment", plain + cmsg(SOL_UDP, UDP_SEGMENT, struct.pack("<H", 1400))
    yield "so_mark", plain + cmsg(SOL_SOCKET, SO_MARK, u32(7))
    yield "so_timestamping", plain + cmsg(SOL_SOCKET, SO_TIMESTAMPING_OLD, u32(0x303))
    yield "scm_txtime", plain + cmsg(SOL_SOCKET, SCM_TXTIME, struct.pack("<Q", 1))
    yield "scm_rights", plain + cmsg(SOL_SOCKET, SCM_RIGHTS, i32(3) + i32(4))
    yield "other_level", plain + cmsg(6, 1, i32(1))
    everything = (cmsg(SOL_IP, IP_PKTINFO, pktinfo(3, [192, 0, 2, 1])) + cmsg(SOL_IP, IP_TTL, i32(9)) +
                  cmsg(SOL_IP, IP_TOS, b"\x2e") + cmsg(SOL_IP, IP_RETOPTS, RECORD_ROUTE + TIMESTAMP) +
                  cmsg(SOL_UDP, UDP_SEGMENT, struct.pack("<H", 512)) + cmsg(SOL_SOCKET, SO_MARK, u32(1)))
    yield "v4_everything", plain + everything
    yield "v4_everything_misaligned", flags(misalign=3) + everything
    yield "v4_last_unpadded", plain + cmsg(SOL_IP, IP_TTL, i32(1)) + cmsg(SOL_IP, IP_TOS, b"\x04", pad=False)
    yield "dual_stack_pktinfo", flags(allow_ipv6=True) + cmsg(SOL_IPV6, IPV6_PKTINFO, pktinfo6(2, V4_MAPPED))

    # IPv6 (CMSG-7).
    yield "v6_pktinfo", plain + cmsg(SOL_IPV6, IPV6_PKTINFO, pktinfo6(5, DOC6))
    yield "v6_2292pktinfo", plain + cmsg(SOL_IPV6, IPV6_2292PKTINFO, pktinfo6(0, DOC6))
    yield "v6_hoplimit", plain + cmsg(SOL_IPV6, IPV6_HOPLIMIT, i32(-1))
    yield "v6_2292hoplimit", plain + cmsg(SOL_IPV6, IPV6_2292HOPLIMIT, i32(255))
    yield "v6_tclass", plain + cmsg(SOL_IPV6, IPV6_TCLASS, i32(0xb8))
    yield "v6_dontfrag", plain + cmsg(SOL_IPV6, IPV6_DONTFRAG, i32(1))
    yield "v6_flowinfo", plain + cmsg(SOL_IPV6, IPV6_FLOWINFO, bytes([0, 1, 0x23, 0x45]))
    yield "v6_hopopts", plain + cmsg(SOL_IPV6, IPV6_HOPOPTS, ROUTER_ALERT)
    yield "v6_2292hopopts", plain + cmsg(SOL_IPV6, IPV6_2292HOPOPTS, PADDED_OPTIONS)
    yield "v6_dstopts", plain + cmsg(SOL_IPV6, IPV6_DSTOPTS, PADDED_OPTIONS)
    yield "v6_rthdrdstopts", plain + cmsg(SOL_IPV6, IPV6_RTHDRDSTOPTS, PADDED_OPTIONS)
    yield "v6_rthdr", plain + cmsg(SOL_IPV6, IPV6_RTHDR, TYPE2_ROUTING)
    yield "v6_2292_dstopts_rthdr", plain + (cmsg(SOL_IPV6, IPV6_2292DSTOPTS, PADDED_OPTIONS) +
                                            cmsg(SOL_IPV6, IPV6_2292RTHDR, TYPE2_ROUTING))
    yield "v6_everything", flags(misalign=5) + (
        cmsg(SOL_IPV6, IPV6_PKTINFO, pktinfo6(1, DOC6)) + cmsg(SOL_IPV6, IPV6_HOPLIMIT, i32(7)) +
        cmsg(SOL_IPV6, IPV6_TCLASS, i32(4)) + cmsg(SOL_IPV6, IPV6_HOPOPTS, PADDED_OPTIONS) +
        cmsg(SOL_IPV6, IPV6_RTHDRDSTOPTS, PADDED_OPTIONS) + cmsg(SOL_IPV6, IPV6_RTHDR, TYPE2_ROUTING) +
        cmsg(SOL_IPV6, IPV6_DSTOPTS, PADDED_OPTIONS) + cmsg(SOL_UDP, UDP_SEGMENT, struct.pack("<H", 1200)))

    # CMSG-1: headers that fail CMSG_OK, short and missing buffers.
    yield "len_zero", plain + cmsg(SOL_IP, IP_TTL, i32(1), length=0)
    yield "len_past_end", plain + cmsg(SOL_IP, IP_TTL, i32(1), length=HEADER + 5, pad=False)
    yield "second_partly_past_end", plain + cmsg(SOL_IP, IP_TTL, i32(1)) + cmsg(SOL_IP, IP_TOS, length=24,
                                                                                pad=False)
    yield "short_tail", plain + cmsg(SOL_IP, IP_TTL, i32(1)) + b"\xff" * 15
    yield "empty", plain
    yield "null_control", flags(null=True) + cmsg(SOL_IP, IP_TTL, i32(1))

    # Receive messages over options as received.
    yield "receive_options", flags(receive=True) + bytes([0x94, 4, 0, 0]) + RECORD_ROUTE + TIMESTAMP + bytes(21)

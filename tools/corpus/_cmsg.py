"""Control buffers as Linux lays them out on x86-64 (struct cmsghdr: a
size_t length, int level, int type; CMSG_ALIGN to 8), for the socket-layer
seed modules. Plain struct: no Scapy needed."""
import struct

SOL_SOCKET, SOL_IP, SOL_IPV6, SOL_UDP = 1, 0, 41, 17
IP_TOS, IP_TTL, IP_RETOPTS, IP_PKTINFO, IP_PROTOCOL = 1, 2, 7, 8, 52
IPV6_2292PKTINFO, IPV6_2292HOPOPTS, IPV6_2292DSTOPTS, IPV6_2292RTHDR, IPV6_2292HOPLIMIT = 2, 3, 4, 5, 8
IPV6_FLOWINFO, IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_HOPOPTS = 11, 50, 52, 54
IPV6_RTHDRDSTOPTS, IPV6_RTHDR, IPV6_DSTOPTS, IPV6_DONTFRAG, IPV6_TCLASS = 55, 57, 59, 62, 67
UDP_SEGMENT = 103
SO_MARK, SO_TIMESTAMPING_OLD, SCM_TXTIME, SCM_RIGHTS = 36, 37, 61, 1
HDR = 16


def align(n):
    return (n + 7) & ~7


def cmsg(level, ctype, data, length=None, pad=True):
    """One cmsg; `length` overrides cmsg_len, `pad` adds CMSG_SPACE's padding."""
    body = struct.pack("<Qii", HDR + len(data) if length is None else length, level, ctype) + data
    return body + b"\0" * (align(len(body)) - len(body)) if pad else body


def i32(v):
    return struct.pack("<i", v)


def u16(v):
    return struct.pack("<H", v)


def in_pktinfo(ifindex, spec_dst, addr=b"\0\0\0\0"):
    return struct.pack("<i", ifindex) + bytes(spec_dst) + bytes(addr)


def in6_pktinfo(addr, ifindex):
    return bytes(addr) + struct.pack("<I", ifindex)


def v4(a, b, c, d):
    return bytes([a, b, c, d])


def v6(*groups):
    """An IPv6 address from its eight 16-bit groups."""
    return b"".join(struct.pack(">H", g) for g in groups)


def mapped(a, b, c, d):
    return b"\0" * 10 + b"\xff\xff" + bytes([a, b, c, d])


def options_header(options, next_header=0):
    """A Hop-by-Hop / Destination Options header around `options`, padded with PadN."""
    body = bytes(options)
    total = (2 + len(body) + 7) // 8 * 8
    pad = total - 2 - len(body)
    if pad == 1:
        body += b"\0"
    elif pad > 1:
        body += bytes([1, pad - 2]) + b"\0" * (pad - 2)
    return bytes([next_header, total // 8 - 1]) + body

"""The input formats of the TCP targets (fuzzers/tcp_segments.cpp,
fuzzers/tcp_options.cpp; the configuration bytes are fuzzers/tcp_model.hpp's
decode_config), for their seed modules. Option areas are built with Scapy."""
import struct

from scapy.all import TCP, raw

# Byte 0: the state the set-up reaches.
ESTABLISHED, HANDSHAKE, CLOSE_WAIT, FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK, TIME_WAIT = range(8)
STATES = ["established", "handshake", "close_wait", "fin_wait_1", "fin_wait_2", "closing", "last_ack", "time_wait"]
# Byte 1 bits 4-6: the peer's MSS.
MSS_NONE, MSS_1, MSS_48, MSS_88, MSS_536, MSS_1220, MSS_1460, MSS_65535 = range(8)

# TCP flags.
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 1, 2, 4, 8, 16, 32, 64, 128

# Crafted segments: where seq and ack are counted from.
SEQ_PEER_NEXT, SEQ_STACK_ACK, SEQ_STACK_EDGE, SEQ_PEER_ISN = range(4)
ACK_STACK_MAX, ACK_PEER_ACKED, ACK_SYN_ACK, ACK_LAST_DATA = range(4)

# Socket calls (tcp_segments: tag 0xa0 + call, + 0x10 for the listener).
SEND, RECV, PEEK, SHUTDOWN, CLOSE, NODELAY, LINGER, ACCEPT, POLL, MAXSEG, KEEPALIVE, LINGER2 = range(12)
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2

# Peer moves (tag 0xc0 + move).
M_ACK_ALL, M_DATA, M_FIN, M_DATA_FIN, M_ZERO_WINDOW, M_DUP_ACKS, M_HOLE_DATA, M_RST, M_SYN, M_OPEN_WINDOW, \
    M_RETRANSMIT, M_ACK_PART = range(12)

# ICMP errors (tag 0xe0 + kind).
I_FRAG_NEEDED, I_PORT_UNREACHABLE, I_HOST_UNREACHABLE, I_PROTO_UNREACHABLE, I_TIME_EXCEEDED, I_PARAM_PROBLEM = range(6)


def config(ipv6=False, active=False, ts=True, sack=True, ws=True, state=ESTABLISHED, wscale=7, mss=MSS_1460,
           small=False, nodelay=False, clean_end=True, isn=0x1234):
    """The 4 configuration bytes; `isn` gives the high half of the peer's ISN (the low half is 0xfff0)."""
    b0 = int(ipv6) | int(active) << 1 | int(ts) << 2 | int(sack) << 3 | int(ws) << 4 | state << 5
    b1 = (wscale & 0x0f) | mss << 4 | int(small) << 7
    b2 = ((isn >> 8) & 0xfc) | int(nodelay) | int(clean_end) << 1
    return bytes([b0, b1, b2, isn & 0xff])


def seg(flags, seq=(SEQ_PEER_NEXT, 0, 0), ack=(ACK_STACK_MAX, 0, 0), window=255, wshift=8, payload=0,
        mss=None, wscale=None, sack_permitted=False, ts=None, ts_raw=None, sack=(), closed_port=False,
        other_port=0):
    """A crafted segment (tcp_segments): seq and ack are (base, delta, shift); ts is (tsval delta in 64 ms
    units, tsecr delta); sack is [(left in 64-byte units from the peer's last ACK, length in 16-byte
    units)]. The window field is window << wshift, capped at 65535."""
    t = (wshift & 0x0f) | int(closed_port) << 4 | (other_port & 3) << 5
    opts = (int(mss is not None) | int(wscale is not None) << 1 | int(sack_permitted) << 2 |
            int(ts is not None or ts_raw is not None) << 3 | min(len(sack), 7) << 4 | int(ts_raw is not None) << 7)
    out = bytes([t, flags, seq[0] | seq[2] << 2]) + struct.pack("<h", seq[1])
    out += bytes([ack[0] | ack[2] << 2]) + struct.pack("<h", ack[1]) + bytes([window, opts])
    if mss is not None:
        out += struct.pack("<H", mss)
    if wscale is not None:
        out += bytes([wscale])
    if ts_raw is not None:
        out += struct.pack("<II", *ts_raw)
    elif ts is not None:
        out += struct.pack("<bb", *ts)
    for left, length in sack:
        out += struct.pack("<bB", left, length)
    return out + struct.pack("<H", payload)


def wait(ms):
    """Time steps adding up to `ms` (each (byte + 1) << shift milliseconds)."""
    out = b""
    while ms > 0:
        shift = 0
        while (ms >> shift) > 256 and shift < 24:
            shift += 1
        units = min(ms >> shift, 256)
        if units == 0:
            break
        out += bytes([0x80 | shift, units - 1])
        ms -= units << shift
    return out


def call(which, arg=0, listener=False):
    return bytes([0xa0 | which | int(listener) << 4, arg])


def move(which, arg=0):
    return bytes([0xc0 | which, arg])


def icmp(kind, arg=0):
    return bytes([0xe0 | kind, arg])


def options(*opts):
    """An option area as Scapy lays it out (e.g. ("MSS", 1460), ("WScale", 7), ("SAckOK", b""),
    ("Timestamp", (1, 0)), ("SAck", (left, right)), ("NOP", None), ("EOL", None))."""
    return raw(TCP(options=list(opts)))[20:]

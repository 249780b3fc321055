"""Seeds for fuzzers/wire_icmpv4.cpp: one ICMPv4 message each (no IP header).

Scapy computes every checksum, so valid seeds also pass with
HARDSTACK_FUZZ_CHECKSUMS=verify. Timestamps and IDs are set explicitly
(Scapy would take the originate timestamp from the clock).
"""
from scapy.all import ICMP, IP, TCP, UDP, raw

from _common import IP4_A, IP4_B, truncations

TARGET = "wire_icmpv4"

# The datagram the errors quote: IPv4 192.0.2.2 -> 198.51.100.7, UDP 5000 -> 53.
INVOKING_UDP = raw(IP(src=IP4_B, dst="198.51.100.7", id=2, flags="DF", ttl=64) /
                   UDP(sport=5000, dport=53) / b"query")
INVOKING_TCP = raw(IP(src=IP4_B, dst="198.51.100.7", id=3, ttl=1) /
                   TCP(sport=40000, dport=80, seq=1000, ack=0, flags="S", window=65535))
# With 4 bytes of IP options (IHL 6): a parameter-problem pointer can name them.
INVOKING_OPTIONS = raw(IP(src=IP4_B, dst="198.51.100.7", id=4, ttl=64, options=b"\x94\x04\x00\x00") /
                       UDP(sport=5000, dport=53))


def icmp(**fields):
    return ICMP(**fields)


def seeds():
    echo = raw(icmp(type=8, id=0x1234, seq=1) / b"abcdefgh")
    yield "echo_request", echo
    yield "echo_request_empty", raw(icmp(type=8, id=1, seq=0))
    yield "echo_request_large", raw(icmp(type=8, id=7, seq=65535) / (bytes(range(256)) * 4))
    yield "echo_reply", raw(icmp(type=0, id=0x1234, seq=1) / b"abcdefgh")
    yield "echo_request_code5", raw(icmp(type=8, code=5, id=2, seq=2) / b"x")

    # Destination unreachable: every code, quoting a UDP datagram.
    for code in range(16):
        mtu = 1400 if code == 4 else 0
        yield f"unreachable_code{code}", raw(icmp(type=3, code=code, nexthopmtu=mtu) / INVOKING_UDP)
    yield "unreachable_code4_mtu0", raw(icmp(type=3, code=4, nexthopmtu=0) / INVOKING_UDP)  # pre-RFC 1191 router
    yield "unreachable_code4_mtu68", raw(icmp(type=3, code=4, nexthopmtu=68) / INVOKING_TCP)
    yield "unreachable_code3_unused_set", raw(icmp(type=3, code=3, reserved=0xff, length=7, nexthopmtu=1500) / INVOKING_UDP)
    yield "unreachable_code16", raw(icmp(type=3, code=16) / INVOKING_UDP)
    yield "unreachable_tcp", raw(icmp(type=3, code=1) / INVOKING_TCP[:28])
    # SEC-ICMP-1: errors quoting a truncated or malformed header.
    yield "unreachable_quote_cut10", raw(icmp(type=3, code=3) / INVOKING_UDP[:10])
    yield "unreachable_quote_empty", raw(icmp(type=3, code=3))
    yield "unreachable_quote_ihl15", raw(icmp(type=3, code=2) / (b"\x4f" + INVOKING_UDP[1:28]))
    yield "unreachable_quote_ihl2", raw(icmp(type=3, code=2) / (b"\x42" + INVOKING_UDP[1:28]))
    yield "unreachable_quote_v6", raw(icmp(type=3, code=3) / (b"\x60" + bytes(39)))
    yield "unreachable_quote_576", raw(icmp(type=3, code=4, nexthopmtu=576) /
                                       raw(IP(src=IP4_B, dst=IP4_A, id=9, flags="DF") / UDP(sport=1, dport=2) /
                                           bytes(520)))

    for code in (0, 1):
        yield f"time_exceeded_code{code}", raw(icmp(type=11, code=code) / INVOKING_TCP)

    for code, ptr in ((0, 0), (0, 1), (0, 8), (0, 9), (0, 20), (0, 255), (1, 0), (2, 0)):
        yield f"param_problem_code{code}_ptr{ptr}", raw(icmp(type=12, code=code, ptr=ptr) / INVOKING_OPTIONS)

    for code in range(4):
        yield f"redirect_code{code}", raw(icmp(type=5, code=code, gw="192.0.2.254") / INVOKING_UDP)

    def timestamp(t, **kw):
        return icmp(type=t, id=7, seq=9, ts_ori=1000, ts_rx=kw.get("rx", 0), ts_tx=kw.get("tx", 0))

    yield "timestamp", raw(timestamp(13))
    yield "timestamp_reply", raw(timestamp(14, rx=2000, tx=3000))
    yield "timestamp_long21", raw(timestamp(13) / b"\x00")
    yield "timestamp_long24", raw(timestamp(14, rx=1, tx=2) / b"\x00\x00\x00\x00")
    yield "timestamp_short16", raw(timestamp(13))[:16]
    yield "timestamp_short8", raw(timestamp(13))[:8]

    yield "source_quench", raw(icmp(type=4) / INVOKING_UDP)
    yield "router_advertisement", raw(icmp(type=9) / bytes.fromhex("c0000201 00000000"))
    yield "router_solicitation", raw(icmp(type=10))
    yield "info_request", raw(icmp(type=15, id=5, seq=6))
    yield "info_reply", raw(icmp(type=16, id=5, seq=6))
    yield "address_mask_request", raw(icmp(type=17, id=5, seq=6, addr_mask="0.0.0.0"))
    yield "address_mask_reply", raw(icmp(type=18, id=5, seq=6, addr_mask="255.255.255.0"))
    yield "unknown_type42", raw(icmp(type=42, code=5, unused=0xdeadbeef) / b"xyz")
    yield "unknown_type255", raw(icmp(type=255, code=255))

    yield from truncations("echo_request", echo, [0, 1, 2, 4, 7])
    bad = bytearray(echo)
    bad[2] ^= 0x01
    yield "echo_request_bad_checksum", bytes(bad)
    zero = bytearray(echo)
    zero[2:4] = b"\x00\x00"
    yield "echo_request_zero_checksum", bytes(zero)

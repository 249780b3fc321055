"""Seeds for fuzzers/wire_udp.cpp: a selector byte (0x04: IPv4 pseudo-header
192.0.2.1 -> 192.0.2.2, 0x06: IPv6 2001:db8::1 -> 2001:db8::2), then the UDP
datagram. Checksums are Scapy's, over the matching pseudo-header."""
from scapy.all import IP, UDP, IPv6, raw

from _common import IP4_A, IP4_B, IP6_A, IP6_B, truncations

TARGET = "wire_udp"
V4 = b"\x04"
V6 = b"\x06"


def udp4(payload=b"", **kw):
    pkt = IP(src=IP4_A, dst=IP4_B, id=1) / UDP(**kw) / payload
    return raw(pkt[UDP])


def udp6(payload=b"", **kw):
    pkt = IPv6(src=IP6_A, dst=IP6_B) / UDP(**kw) / payload
    return raw(pkt[UDP])


def with_length(datagram, length):
    """The datagram with its length field overwritten (checksum left as is)."""
    return datagram[:4] + length.to_bytes(2, "big") + datagram[6:]


def with_checksum(datagram, checksum):
    return datagram[:6] + checksum.to_bytes(2, "big") + datagram[8:]


def zero_sum_payload():
    """A 2-byte payload making the IPv4 sum 0xffff for ports 0/0: the computed
    checksum is 0 and must go out as 0xffff."""
    words = [0xc000, 0x0201, 0xc000, 0x0202, 0x0011, 0x000a, 0, 0, 0x000a, 0]
    s = sum(words)
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (0xffff - s).to_bytes(2, "big")


def seeds():
    dns = udp4(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01",
               sport=53000, dport=53)
    yield "v4_dns_query", V4 + dns
    yield "v4_hello", V4 + udp4(b"hello", sport=5353, dport=53)
    yield "v6_hello", V6 + udp6(b"hello", sport=5353, dport=53)
    yield "v6_dhcpv6", V6 + udp6(b"\x01\x00\x00\x01", sport=546, dport=547)
    yield "v4_ntp", V4 + udp4(b"\x23" + bytes(47), sport=123, dport=123)
    yield "v4_syslog", V4 + udp4(b"<13>test", sport=514, dport=514)
    yield "v4_empty", V4 + udp4(b"", sport=1, dport=7)
    yield "v6_empty", V6 + udp6(b"", sport=1, dport=7)
    # UDP-2: checksum 0 means none over IPv4, is an error over IPv6.
    yield "v4_no_checksum", V4 + with_checksum(udp4(b"hello", sport=5353, dport=53), 0)
    yield "v6_zero_checksum", V6 + with_checksum(udp6(b"hello", sport=5353, dport=53), 0)
    yield "v4_bad_checksum", V4 + with_checksum(udp4(b"hello", sport=5353, dport=53), 0x1234)
    yield "v6_bad_checksum", V6 + with_checksum(udp6(b"hello", sport=5353, dport=53), 0x1234)
    yield "v4_checksum_ffff", V4 + udp4(zero_sum_payload(), sport=0, dport=0)
    yield "v4_wrong_family", V6 + udp4(b"hello", sport=5353, dport=53)
    # UDP-1 length edges.
    hello = udp4(b"hello", sport=5353, dport=53)
    yield "len_7", V4 + with_length(hello, 7)
    yield "len_0", V4 + with_length(hello, 0)
    yield "len_8_of_13", V4 + with_length(hello, 8)
    yield "len_14_of_13", V4 + with_length(hello, 14)
    yield "len_ffff", V4 + with_length(hello, 0xffff)
    yield "trailing_padding", V4 + hello + b"\x00" * 5
    yield "trailing_padding_v6", V6 + udp6(b"hello", sport=5353, dport=53) + b"\xee" * 3
    yield "header_only_8", V4 + b"\x00\x01\x00\x02\x00\x08\x00\x00"
    yield from truncations("v4_hello", V4 + hello, [1, 2, 7, 8, 9])
    yield "selector_only", V4

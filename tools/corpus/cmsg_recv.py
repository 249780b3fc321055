"""Seeds for fuzzers/cmsg_recv.cpp: a socket with receive options, then
datagrams (built from fields, or raw packets made with Scapy) each read
through a control buffer of a given size (the layout is in the target's
header comment)."""
import struct

from scapy.all import IP, IPv6, IPOption_RR, IPOption_Router_Alert, IPOption_Timestamp, UDP, raw

TARGET = "cmsg_recv"

INET, INET6, INET6_ONLY = 0, 1, 2
PKTINFO, RECVTTL, RECVTOS, RECVOPTS, RETOPTS, V6PKTINFO, V6HOPLIMIT, V6TCLASS = 1, 2, 4, 8, 16, 32, 64, 128
ALL4 = PKTINFO | RECVTTL | RECVTOS | RECVOPTS | RETOPTS
ALL6 = V6PKTINFO | V6HOPLIMIT | V6TCLASS
RAW, V6, BCAST, LBCAST, NULL_CONTROL = 1, 2, 1 << 2, 2 << 2, 0x10
SMALL_IOV, TRUNC_FLAG = 1, 2

RR = bytes([7, 11, 4]) + b"\0" * 8
RA = bytes([148, 4, 0, 0])
TS = bytes([68, 12, 5, 1]) + b"\0" * 8


def misaligned(n):
    return (n & 7) << 5


def built(kind=0, size=255, iov=0, ttl=64, tos=0, options=b"", payload=20):
    body = bytes([kind, size, iov, ttl, tos])
    if not kind & V6:
        body += bytes([len(options)]) + options
    return body + bytes([payload])


def raw_packet(pkt, kind=RAW, size=255, iov=0):
    data = raw(pkt)
    return bytes([kind | RAW, size, iov]) + struct.pack("<H", len(data)) + data


def seed(family, enabled, records):
    return bytes([family, enabled]) + b"".join(records)


def seeds():
    yield "v4_all_full", seed(INET, ALL4, [built(ttl=9, tos=0x28, options=RR)])
    yield "v4_all_no_options", seed(INET, ALL4, [built(ttl=200, tos=0xff)])
    yield "v4_pktinfo_only", seed(INET, PKTINFO, [built(size=32), built(size=28), built(size=27)])
    yield "v4_cut_every_size", seed(INET, ALL4, [built(size=s, options=RA + TS) for s in (0, 15, 16, 17, 31)])
    yield "v4_cut_more_sizes", seed(INET, ALL4, [built(size=s, options=RR + RA) for s in (44, 52, 56, 72)])
    yield "v4_misaligned", seed(INET, ALL4, [built(kind=misaligned(3), size=100, options=RR),
                                             built(kind=misaligned(7), size=33)])
    yield "v4_null_control", seed(INET, RECVTTL, [built(kind=NULL_CONTROL, size=64)])
    yield "v4_null_nothing_enabled", seed(INET, 0, [built(kind=NULL_CONTROL, size=64), built(size=0)])
    yield "v4_broadcast", seed(INET, PKTINFO | RECVTTL, [built(kind=BCAST), built(kind=LBCAST)])
    yield "v4_truncated_data", seed(INET, RECVTOS, [built(iov=SMALL_IOV, payload=100),
                                                   built(iov=SMALL_IOV | TRUNC_FLAG, payload=100)])
    yield "v4_retopts_only", seed(INET, RETOPTS, [built(options=RR + TS, size=40)])
    yield "dual_v4_datagram", seed(INET6, ALL6 | ALL4, [built(ttl=3, tos=0x10, options=RR, size=255),
                                                       built(size=40), built(size=60)])
    yield "dual_v6_pktinfo_only", seed(INET6, V6PKTINFO, [built(size=40), built(kind=V6, size=39)])
    yield "v6_all", seed(INET6, ALL6, [built(kind=V6, ttl=5, tos=0xb8, size=255)])
    yield "v6_cut", seed(INET6_ONLY, ALL6, [built(kind=V6, size=s) for s in (16, 36, 40, 56, 60)])
    yield "v6_multicast", seed(INET6, ALL6, [built(kind=V6 | BCAST, ttl=1)])
    yield "v6_misaligned_null", seed(INET6, ALL6, [built(kind=V6 | misaligned(5), size=77),
                                                   built(kind=V6 | NULL_CONTROL, size=77)])
    # Raw packets: checksums are repaired by the target.
    yield "raw_v4_options", seed(INET, ALL4, [raw_packet(
        IP(src="192.0.2.2", dst="192.0.2.1", ttl=17, tos=0x20, options=[IPOption_RR(routers=["0.0.0.0"] * 2)]) /
        UDP(sport=5000, dport=7) / b"hello")])
    yield "raw_v4_router_alert", seed(INET, ALL4, [raw_packet(
        IP(src="192.0.2.2", dst="192.0.2.1", options=[IPOption_Router_Alert()]) / UDP(sport=5000, dport=7) / b"x")])
    yield "raw_v4_timestamp", seed(INET6, ALL4 | ALL6, [raw_packet(
        IP(src="192.0.2.2", dst="192.0.2.1", options=[IPOption_Timestamp(flg=0, timestamp=[0, 0])]) /
        UDP(sport=5000, dport=7) / b"ts")])
    yield "raw_v6", seed(INET6, ALL6, [raw_packet(
        IPv6(src="2001:db8::2", dst="2001:db8::1", hlim=33, tc=0x48) / UDP(sport=5000, dport=7) / b"six")])

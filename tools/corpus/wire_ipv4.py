"""Seeds for fuzzers/wire_ipv4.cpp: IPv4 headers, every option kind at its
length/pointer edges, IHL/total-length edges, fragments.

Scapy computes IHL, total length and the header checksum (option bytes are
given raw so malformed ones stay as written; Scapy pads them with EOL); only
the bad_checksum seeds carry a wrong one.
"""
import struct

from scapy.all import ICMP, IP, TCP, UDP, Raw, fragment, raw

from _common import IP4_A, IP4_B, truncations

TARGET = "wire_ipv4"

HOP1 = bytes([192, 0, 2, 10])
HOP2 = bytes([192, 0, 2, 11])
HOP3 = bytes([198, 51, 100, 1])


def ip(options=b"", **fields):
    """An IPv4 header with fixed id/ttl and `options` as raw bytes."""
    base = dict(src=IP4_A, dst=IP4_B, id=0x1234, ttl=64)
    base.update(fields)
    if options:
        base["options"] = [Raw(load=options)]
    return IP(**base)


def udp(data=b"hardstack"):
    return UDP(sport=40000, dport=7) / data


def opt(kind, body):
    """type, length (2 + len(body)), body."""
    return bytes([kind, 2 + len(body)]) + body


def rr(pointer, slots, length=None):
    body = bytes([pointer]) + b"".join(slots)
    return bytes([7, length if length is not None else 2 + len(body)]) + body


def route(kind, pointer, hops):
    return bytes([kind, 3 + 4 * len(hops), pointer]) + b"".join(hops)


def ts(pointer, overflow, flag, slots, length=None):
    body = bytes([pointer, overflow << 4 | flag]) + slots
    return bytes([68, length if length is not None else 2 + len(body)]) + body


def option_seeds():
    zero = bytes(4)
    # Record Route: pointer 3 (bad), 4 (first slot), full, past the end, no room, misaligned.
    yield "rr_ptr4", rr(4, [zero, zero, zero])
    yield "rr_ptr3", rr(3, [zero, zero])
    yield "rr_ptr8_one_recorded", rr(8, [HOP1, zero])
    yield "rr_full", rr(12, [HOP1, HOP2])
    yield "rr_ptr_past_end", rr(40, [HOP1, HOP2])
    yield "rr_ptr_no_room", rr(9, [HOP1, zero])            # 9 + 3 > 11
    yield "rr_ptr_misaligned", rr(5, [zero, zero])          # Linux: accepted
    yield "rr_len2", bytes([7, 2]) + b"\x01\x01"
    yield "rr_len3_empty", bytes([7, 3, 4]) + b"\x00"
    yield "rr_len_trailing", bytes([7, 9, 4]) + zero + b"\xaa\xbb"   # one slot + 2 stray bytes
    yield "rr_nine_slots_40", rr(4, [zero] * 9) + b"\x00"
    yield "rr_twice", rr(4, [zero]) + rr(4, [zero])
    # Timestamp: flags 0/1/3/2, overflow 0/15, full, pointer/length edges.
    yield "ts_flag0", ts(5, 0, 0, bytes(8))
    yield "ts_flag0_one_stamp", ts(9, 0, 0, struct.pack(">II", 1000, 0))
    yield "ts_flag1", ts(5, 0, 1, bytes(16))
    yield "ts_flag3_prespec", ts(5, 0, 3, HOP1 + bytes(4) + HOP2 + bytes(4))
    yield "ts_flag2", ts(5, 0, 2, bytes(8))
    yield "ts_flag0_ovf15_room", ts(5, 15, 0, bytes(8))
    yield "ts_full_ovf0", ts(13, 0, 0, struct.pack(">II", 1, 2))
    yield "ts_full_ovf14", ts(13, 14, 0, struct.pack(">II", 1, 2))
    yield "ts_full_ovf15", ts(13, 15, 0, struct.pack(">II", 1, 2))
    yield "ts_full_flag1_ovf15", ts(13, 15, 1, HOP1 + struct.pack(">I", 7))
    yield "ts_full_prespec_ovf15", ts(13, 15, 3, HOP1 + struct.pack(">I", 7))
    yield "ts_full_flag2", ts(13, 0, 2, bytes(8))
    yield "ts_ptr4", ts(4, 0, 0, bytes(8))
    yield "ts_len3", bytes([68, 3, 5, 0])
    yield "ts_ptr_no_room", ts(10, 0, 0, bytes(8))          # 10 + 3 > 12
    yield "ts_flag1_no_room", ts(9, 0, 1, bytes(8))          # 9 + 7 > 12
    yield "ts_max_36", ts(5, 0, 0, bytes(36))
    yield "ts_twice", ts(5, 0, 0, bytes(4)) + ts(5, 0, 0, bytes(4))
    # Source routes.
    yield "lsrr", route(131, 4, [HOP1, HOP2])
    yield "ssrr", route(137, 4, [HOP1, HOP3])
    yield "lsrr_done", route(131, 12, [HOP1, HOP2])
    yield "lsrr_ptr3", route(131, 3, [HOP1])
    yield "lsrr_len2", bytes([131, 2, 1, 1])
    yield "lsrr_ptr_no_room", route(131, 6, [HOP1])
    yield "lsrr_and_ssrr", route(131, 4, [HOP1]) + route(137, 4, [HOP2])
    yield "ssrr_twice", route(137, 4, [HOP1]) + route(137, 4, [HOP2])
    # Router Alert.
    yield "ra_len4", opt(148, b"\x00\x00")
    yield "ra_value1", opt(148, b"\x00\x01")
    yield "ra_len3", bytes([148, 3, 0, 1])
    yield "ra_len6", opt(148, bytes(4))
    yield "ra_with_rr", opt(148, b"\x00\x00") + rr(4, [zero])
    # Unknown and skipped kinds.
    yield "security_130", opt(130, bytes(9))
    yield "cipso_134", opt(134, struct.pack(">I", 3) + bytes([1, 4, 0, 0]))
    yield "stream_id_136", opt(136, b"\x12\x34")
    yield "unknown_133", opt(133, b"\xaa\xbb")
    yield "unknown_30", opt(30, b"")
    yield "unknown_158_max", opt(158, bytes(38))
    # EOL, NOP, lengths.
    yield "eol_in_middle", b"\x01\x00" + b"\x07\x00\xff\xff"   # junk after EOL is ignored
    yield "eol_first", b"\x00\x94\x04\x00"
    yield "nop_run_40", b"\x01" * 40
    yield "nop_then_rr", b"\x01" * 3 + rr(4, [zero, zero])
    yield "optlen0", b"\x01\x83\x00\x00"
    yield "optlen1", b"\x01\x44\x01\x00"
    yield "optlen_past_end", b"\x01\x07\x08\x04" + zero
    yield "type_last_byte", b"\x01\x01\x01\x07"
    yield "everything_40", (route(131, 4, [HOP1]) + rr(4, [zero, zero]) + opt(148, b"\x00\x00") +
                            ts(5, 0, 0, bytes(8)) + b"\x01\x01" + b"\x00" * 2)


def header_seeds():
    basic = raw(ip() / udp())
    yield "udp_basic", basic
    yield "tcp_syn", raw(ip(flags="DF") / TCP(sport=40000, dport=80, seq=1, flags="S", window=65535))
    yield "icmp_echo", raw(ip(tos=0xb8) / ICMP(type=8, id=7, seq=1) / b"ping")
    yield "ecn_ce_dscp46", raw(ip(tos=0xbb) / udp())
    yield "reserved_flag", raw(ip(flags="evil") / udp())
    yield "ttl0_proto255", raw(ip(ttl=0, proto=255) / bytes(4))
    yield "header_only", raw(ip(proto=59))
    yield "eth_padding", basic + bytes(17)
    yield from truncations("udp_basic", basic, [0, 1, 19, 20, 28])
    yield "version6", b"\x65" + basic[1:]
    yield "version0", b"\x05" + basic[1:]
    yield "ihl4", raw(ip(ihl=4) / udp())
    yield "ihl0", raw(ip(ihl=0) / udp())
    yield "ihl6_20_bytes", raw(ip(ihl=6, len=20))[:20]
    yield "ihl15_short", raw(ip(ihl=15) / udp())[:50]
    yield "len_below_ihl", raw(ip(len=19) / udp())
    yield "len_below_ihl_opts", raw(ip(options=b"\x01" * 4, len=20) / udp())
    yield "len_past_end", raw(ip(len=200) / udp())
    yield "len_zero", raw(ip(len=0) / udp())
    yield "len_max_short", raw(ip(len=65535) / udp())
    bad = bytearray(basic)
    bad[10] ^= 0x01
    yield "bad_checksum", bytes(bad)
    bad_opts = bytearray(raw(ip(options=rr(4, [bytes(4)])) / udp()))
    bad_opts[11] ^= 0x80
    yield "bad_checksum_options", bytes(bad_opts)
    yield "zero_checksum_field", raw(ip(chksum=0) / udp())


def fragment_seeds():
    big = ip(proto=1) / ICMP(type=8, id=9, seq=1) / (bytes(range(256)) * 2)
    frags = fragment(big, fragsize=200)
    yield "frag_first", raw(frags[0])
    yield "frag_middle", raw(frags[1])
    yield "frag_last", raw(frags[-1])
    # Same fragments in the order a reassembler may see them; each is one seed.
    yield "frag_out_of_order_last_first", raw(frags[-1])
    yield "frag_duplicate_first", raw(frags[0])
    body = bytes(range(64))
    yield "frag_overlap_a", raw(ip(flags="MF", frag=0, proto=17) / body[:32])
    yield "frag_overlap_b", raw(ip(flags="MF", frag=2, proto=17) / body[16:48])
    yield "frag_tiny_8", raw(ip(flags="MF", frag=0, proto=6) / body[:8])
    yield "frag_not_multiple_of_8", raw(ip(flags="MF", frag=1, proto=17) / body[:13])
    yield "frag_ping_of_death", raw(ip(frag=8189, proto=1) / bytes(100))   # 65512 + 100 > 65535
    yield "frag_offset_max", raw(ip(flags="MF", frag=8191, proto=17) / bytes(8))
    yield "frag_df_and_mf", raw(ip(flags="DF+MF", frag=3, proto=17) / bytes(8))
    yield "frag_with_copied_options", raw(ip(flags="MF", frag=0, proto=17,
                                              options=route(131, 4, [HOP1]) + rr(4, [bytes(4)]) +
                                              opt(148, b"\x00\x00") + b"\x01") / body[:16])


def seeds():
    yield from header_seeds()
    for name, options in option_seeds():
        yield "opt_" + name, raw(ip(options=options) / udp(b"x"))
    yield from fragment_seeds()

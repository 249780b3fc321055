"""Seeds for fuzzers/wire_tcp.cpp: TCP segments (the IP payload) with Scapy
checksums over the IPv4 pseudo-header 192.0.2.1 -> 192.0.2.2, the one the
target uses. Options are mostly given as raw bytes so every length, good and
bad, can be written: TCP has no length field, so bytes after the 20-byte header
are options up to the data offset."""
from scapy.all import IP, TCP, Raw, raw

from _common import IP4_A, IP4_B, truncations

TARGET = "wire_tcp"

H = bytes.fromhex


def seg(opts=b"", payload=b"", dataofs=None, pad=True, **kw):
    """A segment whose option area is `opts` (zero-padded to 4 bytes unless
    pad=False); `dataofs` overrides the computed data offset."""
    if pad and len(opts) % 4:
        opts += b"\x00" * (4 - len(opts) % 4)
    if dataofs is None:
        dataofs = 5 + len(opts) // 4
    fields = dict(sport=40000, dport=80, seq=0x01020304, ack=0, flags="S", window=64240)
    fields.update(kw)
    tcp = TCP(dataofs=dataofs, **fields)
    body = opts + payload
    pkt = IP(src=IP4_A, dst=IP4_B, id=1) / (tcp / Raw(body) if body else tcp)
    return raw(pkt[TCP])


def scapy_seg(options, payload=b"", **kw):
    """A segment with Scapy laying the options out itself."""
    fields = dict(sport=40000, dport=80, seq=0x01020304, ack=0, flags="S", window=64240)
    fields.update(kw)
    tcp = TCP(options=options, **fields)
    pkt = IP(src=IP4_A, dst=IP4_B, id=1) / (tcp / payload if payload else tcp)
    return raw(pkt[TCP])


def sack(n, base=1000):
    blocks = b"".join((base + 100 * i).to_bytes(4, "big") + (base + 100 * i + 50).to_bytes(4, "big")
                      for i in range(n))
    return bytes([5, 2 + 8 * n]) + blocks


TS = H("080a 0001e240 00001e61")


def option_seeds():
    # Good lengths, each option alone and in the usual Linux layouts.
    yield "opt_mss", seg(H("020405b4"))
    yield "opt_mss_zero", seg(H("02040000"))
    yield "opt_ws_7", seg(H("01030307"))
    yield "opt_ws_14", seg(H("0103030e"))
    yield "opt_ws_15", seg(H("0103030f"))
    yield "opt_ws_255", seg(H("010303ff"))
    yield "opt_sackok", seg(H("01010402"))
    yield "opt_ts", seg(H("0101") + TS, flags="A", ack=1)
    for n in range(1, 5):
        yield f"opt_sack_{n}_blocks", seg(H("0101") + sack(n), flags="A", ack=1)
    # Five blocks need 42 bytes: past any header (data offset 15 = 40 bytes).
    yield "opt_sack_5_blocks", seg(sack(5)[:40], flags="A", ack=1)
    yield "opt_ts_sack_3_packed", seg(H("030307") + TS + sack(3), flags="A", ack=1)  # 39 bytes, no NOPs
    yield "linux_syn", scapy_seg([("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456, 0)),
                                  ("NOP", None), ("WScale", 7)])
    yield "linux_synack", scapy_seg([("MSS", 1440), ("SAckOK", b""), ("Timestamp", (7777, 123456)),
                                     ("NOP", None), ("WScale", 7)], flags="SA", ack=0x01020305,
                                    sport=80, dport=40000)
    yield "linux_ack_ts_sack", scapy_seg([("NOP", None), ("NOP", None), ("Timestamp", (123500, 7777)),
                                          ("NOP", None), ("NOP", None), ("SAck", (100, 200, 300, 400))],
                                         payload=b"GET / HTTP/1.0\r\n\r\n", flags="PA", ack=0xfffffff1)
    yield "windows_syn", scapy_seg([("MSS", 1460), ("NOP", None), ("WScale", 8), ("NOP", None),
                                    ("NOP", None), ("SAckOK", b"")])
    # Known kinds with wrong lengths (Linux skips them by their length).
    yield "opt_mss_len2", seg(H("0202 0101"))
    yield "opt_mss_len3", seg(H("020305 01"))
    yield "opt_mss_len5", seg(H("020505b4 00"))
    yield "opt_mss_len6", seg(H("020605b4 0000 01030307"))
    yield "opt_ws_len2", seg(H("0302 0101"))
    yield "opt_ws_len4", seg(H("030407 00"))
    yield "opt_sackok_len3", seg(H("040300 01"))
    yield "opt_sackok_len4", seg(H("04040000"))
    yield "opt_sack_len2", seg(H("0502 0101"), flags="A", ack=1)
    yield "opt_sack_len3", seg(H("050300 01"), flags="A", ack=1)
    yield "opt_sack_len9", seg(H("0509 000003e8 000004") + H("01"), flags="A", ack=1)
    yield "opt_sack_len11", seg(H("050b 000003e8 0000041a 00") + H("01"), flags="A", ack=1)
    yield "opt_ts_len9", seg(H("0809 0001e240 00001e") + H("0101"), flags="A", ack=1)
    yield "opt_ts_len11", seg(H("080b 0001e240 00001e61 00") + H("01"), flags="A", ack=1)
    yield "opt_ts_len8", seg(H("0808 0001e240 0000") + H("0101"), flags="A", ack=1)
    # Unknown kinds, skipped by length and kept.
    yield "opt_md5", seg(H("0101 1312") + bytes(range(16)), flags="A", ack=1)
    yield "opt_user_timeout", seg(H("1c04 8001"), flags="A", ack=1)
    yield "opt_tcp_ao", seg(H("1d10 0102") + bytes(range(12)), flags="A", ack=1)
    yield "opt_mptcp_capable", seg(H("1e0c 0181") + bytes(8))
    yield "opt_fast_open", seg(H("220a") + bytes(range(8)))
    yield "opt_fast_open_request", seg(H("2202 0101"))
    yield "opt_exp_253", seg(H("fd04 abcd"))
    yield "opt_exp_254_tfo", seg(H("fe0c f989") + bytes(range(8)))
    yield "opt_unknown_99", seg(H("6303 aa 00"))
    yield "opt_twenty_unknown", seg(H("fd02") * 20)
    # Layout trouble: EOL, NOP runs, bad length bytes.
    yield "opt_eol_first", seg(H("00 020405b4 000000"))
    yield "opt_eol_mid", seg(H("020405b4 00") + TS + H("000000"))
    yield "opt_nop_run", seg(H("01") * 40)
    yield "opt_nop_run_then_mss", seg(H("01") * 36 + H("020405b4"))
    yield "opt_len0", seg(H("0402 fe00 020405b4"))
    yield "opt_len1", seg(H("0402 fe01 020405b4"))
    yield "opt_len_past_header", seg(H("01 0303 07 080b 00000001 00000002"), flags="A", ack=1)
    yield "opt_len_255", seg(H("0101 22ff"))
    yield "opt_kind_last_byte", seg(H("010101 02"))
    yield "opt_kind_last_byte_unknown", seg(H("020405b4 010101 fd"))
    # Repeated options: the last one counts.
    yield "opt_dup_mss", seg(H("020405b4 02040218"))
    yield "opt_dup_ws", seg(H("01030302 01030305"))
    yield "opt_dup_ts", seg(H("0101") + TS + H("0101 080a 00000001 00000002"), flags="A", ack=1)
    yield "opt_dup_sack", seg(H("0101") + sack(1) + H("0101") + sack(2, base=5000), flags="A", ack=1)


def flag_seeds():
    yield "syn_bare", seg()
    yield "synack_bare", seg(flags="SA", ack=0x01020305, sport=80, dport=40000)
    yield "ack", seg(flags="A", ack=0x05060708)
    yield "psh_ack_data", seg(flags="PA", ack=0x05060708, payload=b"hello, world\n")
    yield "rst", seg(flags="R", sport=80, dport=40000, window=0)
    yield "rst_ack", seg(flags="RA", ack=0x01020305, sport=80, dport=40000, window=0)
    yield "fin_ack", seg(flags="FA", ack=3000, seq=2000, window=502)
    yield "fin_psh_ack_data", seg(flags="FPA", ack=3000, seq=2000, payload=b"bye")
    yield "urg_ptr", seg(flags="PAU", ack=3000, seq=2000, urgptr=3, payload=b"abc")
    yield "urg_ptr_no_flag", seg(flags="A", ack=3000, seq=2000, urgptr=0xffff)
    yield "syn_ecn_setup", seg(H("020405b4"), flags="SEC")
    yield "synack_ece", seg(H("020405b4"), flags="SAE", ack=0x01020305, sport=80, dport=40000)
    yield "all_flags_reserved", seg(flags="FSRPAUECN", reserved=7, window=0, seq=0)
    yield "reserved_only", seg(flags="", reserved=5)
    yield "no_flags", seg(flags="")
    yield "syn_fin", seg(flags="SF")
    yield "syn_rst", seg(flags="SR")
    yield "seq_near_wrap", seg(flags="PA", seq=0xfffffffe, ack=0xffffffff, payload=b"wrap")
    yield "window_max", seg(flags="A", ack=1, window=0xffff)


def layout_seeds():
    syn = scapy_seg([("MSS", 1460), ("SAckOK", b""), ("Timestamp", (123456, 0)), ("NOP", None), ("WScale", 7)])
    yield "bad_checksum", syn[:16] + b"\x12\x34" + syn[18:]
    yield "doff_4", seg(dataofs=4)
    yield "doff_0", seg(dataofs=0)
    yield "doff_5_with_data", seg(dataofs=5, flags="A", ack=1, payload=b"\x01\x01\x01\x01")
    yield "doff_15_nops_data", seg(H("01") * 40, payload=b"xy", flags="PA", ack=1)
    yield "doff_15_past_segment", seg(dataofs=15)
    yield "doff_6_past_by_one", seg(H("010101"), dataofs=6, pad=False)
    yield from truncations("linux_syn", syn, [0, 1, 12, 19, 20, 21, 39])


def seeds():
    yield from option_seeds()
    yield from flag_seeds()
    yield from layout_seeds()

"""Seeds for fuzzers/tcp_options.cpp: option areas, well-formed and not, on the
opening SYN (passive) or SYN-ACK (active), then segments with SACK blocks and
timestamps relative to the connection. The input layout is in the target's
header comment."""
import struct

from _tcp import ESTABLISHED, FIN_WAIT_1, TIME_WAIT, config, options

TARGET = "tcp_options"

# Record tag bits.
DATA, ACK_ALL, DUP_ACK, HOLE, SYN, FIN, ZERO_WINDOW, ACK_HALF = range(8)
RELOCATE, WAIT_10MS, WAIT_1S, WAIT_70S, WRITE, READ = 0x08, 0x10, 0x20, 0x30, 0x40, 0x80


def area(data):
    return bytes([len(data)]) + data


def record(tag, data=b""):
    return bytes([tag, len(data)]) + data


def sack(*blocks):
    """A SACK option whose edges, relocated, count from the peer's last ACK."""
    return bytes([5, 2 + 8 * len(blocks)]) + b"".join(struct.pack(">II", left, right) for left, right in blocks)


def ts(tsval, tsecr):
    return bytes([8, 10]) + struct.pack(">II", tsval, tsecr)


NOP2 = bytes([1, 1])

HANDSHAKES = {
    "none": b"",
    "linux": options(("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1000, 0)), ("NOP", None), ("WScale", 7)),
    "mss_only": options(("MSS", 1460)),
    "mss_zero": options(("MSS", 0)),
    "mss_one": options(("MSS", 1)),
    "mss_max": options(("MSS", 65535)),
    "mss_twice": options(("MSS", 1460), ("MSS", 100)),
    "wscale_14": options(("WScale", 14)),
    "wscale_15": options(("WScale", 15)),
    "wscale_255": bytes([3, 3, 255, 0]),
    "sack_permitted": options(("SAckOK", b"")),
    "timestamps": options(("Timestamp", (7, 0))),
    "timestamps_zero": options(("Timestamp", (0, 0))),
    "mss_bad_length": bytes([2, 3, 5, 0xb4]),
    "wscale_bad_length": bytes([3, 4, 7, 0]),
    "timestamps_bad_length": bytes([8, 8]) + b"\0" * 6,
    "sack_permitted_bad_length": bytes([4, 3, 0, 0]),
    "length_zero": bytes([2, 0, 5, 0xb4]),
    "length_one": bytes([1, 1, 3, 1]),
    "length_past_end": bytes([8, 40]) + b"\0" * 6,
    "eol_first": bytes([0, 2, 4, 5, 0xb4]),
    "kind_without_length": bytes([1, 1, 1, 2]),
    "unknown_kinds": bytes([19, 18]) + b"\0" * 16 + bytes([34, 2, 254, 4, 0xf9, 0x89]),
    "sack_on_syn": sack((0, 100)),
    "full_40_bytes": options(("MSS", 536), ("NOP", None), ("WScale", 3), ("SAckOK", b""),
                             ("Timestamp", (5, 0))) + bytes([1] * 20),
}


def seeds():
    data_then_acks = [record(WRITE | ACK_ALL), record(DUP_ACK | RELOCATE, sack((0, 500))),
                      record(ACK_ALL | READ)]
    for name, opts in HANDSHAKES.items():
        for active in (False, True):
            for ipv6 in (False, True):
                cfg = config(ipv6=ipv6, active=active, state=ESTABLISHED, clean_end=True)
                yield (f"{name}_{'active' if active else 'passive'}_{'v6' if ipv6 else 'v4'}",
                       cfg + area(opts) + b"".join(data_then_acks))
    linux = HANDSHAKES["linux"]
    est = config() + area(linux)
    yield "sack_blocks_relocated", est + record(WRITE | ACK_HALF) + record(
        DUP_ACK | RELOCATE, NOP2 + sack((200, 400), (600, 800), (1000, 1200))) + record(
        DUP_ACK | RELOCATE, NOP2 + sack((0, 1800))) + record(ACK_ALL | WAIT_1S)
    yield "sack_blocks_bogus", est + record(WRITE | DUP_ACK | RELOCATE, NOP2 + sack(
        (0xfffff000, 0x100), (5000, 100), (100, 100), (0x80000000, 0x80000010))) + record(ACK_ALL)
    yield "sack_five_blocks", est + record(WRITE | DUP_ACK | RELOCATE, sack(
        (0, 8), (16, 24), (32, 40), (48, 56), (64, 72)))
    yield "timestamps_relocated", est + record(DATA | RELOCATE, NOP2 + ts(1, 0)) + record(
        WRITE | ACK_ALL | RELOCATE | WAIT_10MS, NOP2 + ts(11, 0)) + record(READ | DATA | RELOCATE, NOP2 + ts(12, 0))
    yield "timestamps_paws", est + record(DATA | RELOCATE, NOP2 + ts(100, 0)) + record(
        DATA | RELOCATE, NOP2 + ts(0xffffff00, 0)) + record(DATA | RELOCATE | WAIT_70S, NOP2 + ts(50, 0))
    yield "timestamps_echo_future_and_old", est + record(WRITE | ACK_ALL | RELOCATE, NOP2 + ts(1, 1000)) + record(
        WRITE | ACK_ALL | RELOCATE, NOP2 + ts(2, 0x90000000))
    yield "mss_after_syn", est + record(WRITE | ACK_ALL, options(("MSS", 88))) + record(
        WRITE | ACK_ALL, options(("WScale", 0)))
    yield "syn_with_options", est + record(SYN, linux) + record(ACK_ALL)
    yield "fin_with_options", config(state=FIN_WAIT_1) + area(linux) + record(FIN | RELOCATE, NOP2 + ts(3, 0))
    yield "zero_window_options", est + record(WRITE | ZERO_WINDOW, bytes([1] * 40)) + record(
        WAIT_1S | ACK_ALL | RELOCATE, NOP2 + ts(1000, 0))
    yield "hole_with_sack_permitted", est + record(HOLE, options(("SAckOK", b""))) + record(DATA) + record(READ)
    yield "time_wait_options", config(state=TIME_WAIT) + area(linux) + record(FIN, linux)

"""Frame logs for the stateful fuzz targets (fuzzers/frame_log.hpp has the
format): a prelude (the target's configuration bytes), then records, each a
time step or a frame. Plain bytes, no Scapy needed; a corpus module builds its
frames with Scapy and hands them here:

    from _frame_log import log
    seeds = log([("frame", raw(eth / ip / icmp)), ("time", 30000), ("frame", raw(...))],
                prelude=bytes([config]))

Records: ("time", ms) moves the virtual clock ms milliseconds (split into as
few 3-byte steps as frame_log.hpp's split_ms gives: the same bytes), and
("frame", data) or ("frame", data, selector) is one frame (at most 65535
bytes; selector 0-0xef, 0 unless given).
"""

TIME_TAG = 0xF0
MAX_SELECTOR = 0xEF
MAX_SHIFT = 15
MAX_FRAME_LEN = 0xFFFF


def time_step(shift, value):
    """One time step record: value << shift milliseconds."""
    assert 0 <= shift <= MAX_SHIFT and 0 <= value <= 0xFFFF
    return bytes([TIME_TAG | shift]) + value.to_bytes(2, "little")


def split_ms(ms):
    """[(shift, value)]: the steps for ms milliseconds, greedily (as split_ms in C++)."""
    assert ms >= 0
    steps = []
    while ms > 0:
        shift = 0
        while shift < MAX_SHIFT and (ms >> shift) > 0xFFFF:
            shift += 1
        value = min(ms >> shift, 0xFFFF)
        steps.append((shift, value))
        ms -= value << shift
    return steps


def time_ms(ms):
    return b"".join(time_step(s, v) for s, v in split_ms(ms))


def frame(data, selector=0):
    data = bytes(data)
    assert len(data) <= MAX_FRAME_LEN, "a frame holds at most 65535 bytes"
    assert 0 <= selector <= MAX_SELECTOR
    return bytes([selector]) + len(data).to_bytes(2, "little") + data


def log(records, prelude=b""):
    """The log's bytes: `prelude`, then each record in order."""
    out = bytearray(prelude)
    for rec in records:
        kind = rec[0]
        if kind == "time":
            out += time_ms(rec[1])
        elif kind == "frame":
            out += frame(rec[1], *rec[2:])
        else:
            raise ValueError(f"unknown record kind {kind!r} (time or frame)")
    return bytes(out)

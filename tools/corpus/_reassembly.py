"""Records for the stateful reassembly targets (fuzzers/reassembly_model.hpp
has the format): plain bytes, no Scapy needed. Shared by reassembly_v4.py and
reassembly_v6.py, which differ only in TARGET."""

# Configuration byte: memory cap (600, 4096, 32768, 4 MiB), fragments per
# datagram (2, 4, 16, 64), queues (1, 3, 8, 64).
CAP_600, CAP_4K, CAP_32K, CAP_4M = 0, 1, 2, 3
FRAGS_2, FRAGS_4, FRAGS_16, FRAGS_64 = 0, 1, 2, 3
QUEUES_1, QUEUES_3, QUEUES_8, QUEUES_64 = 0, 1, 2, 3

# Header variants of an offset-0 fragment. IPv4: 20, 24, 60-byte header,
# invalid (22). IPv6: no extension header, Destination Options, Hop-by-Hop +
# Destination Options, invalid Next Header offset.
PLAIN, OPTS, BIG, BAD_HEADER = 0, 1, 2, 3


def config(cap=CAP_4M, frags=FRAGS_64, queues=QUEUES_64):
    return bytes([cap | frags << 2 | queues << 4])


def frag(key, offset, length, more, pattern=0x5a, variant=PLAIN, misaligned=False):
    """A fragment of key `key` (0-7) at byte `offset` (a multiple of 8)."""
    assert offset % 8 == 0 and 0 <= offset < 65536 and 0 <= length < 4096 and 0 <= key < 8
    units = offset // 8
    if misaligned:
        assert units < 1 << 13
        units |= 0xe000  # top bits all set: 4 bytes more, not in 8-byte units
    tag = key | (0x08 if more else 0) | variant << 4
    return bytes([tag]) + units.to_bytes(2, "big") + length.to_bytes(2, "big") + bytes([pattern])


def advance(ms_units, shift=0):
    """Time moves ms_units << shift milliseconds, then the stack polls."""
    assert 0 <= ms_units < 256 and 0 <= shift < 16
    return bytes([0xf0 | shift, ms_units])


def seconds(n):
    """About n seconds (n * 1024 ms) at once."""
    return advance(n, 10)


def cut(total, size):
    """(offset, length, more) covering [0, total) in `size`-byte pieces."""
    out = []
    off = 0
    while off < total:
        n = min(size, total - off)
        out.append((off, n, off + n < total))
        off += n
    return out


def seeds():
    s = {}
    full = config()
    s["in_order"] = full + b"".join(frag(0, o, n, m) for o, n, m in cut(1500, 504))
    s["reverse_order"] = full + b"".join(frag(0, o, n, m) for o, n, m in reversed(cut(1500, 504)))
    s["last_first_then_timeout"] = full + frag(1, 1000, 20, False) + seconds(20) + frag(1, 0, 1000, True, variant=OPTS) + seconds(40)
    s["header_variants"] = full + b"".join(
        frag(k, 16, 24, False, pattern=k) + frag(k, 0, 16, True, pattern=k, variant=v)
        for k, v in ((0, PLAIN), (1, OPTS), (2, BIG), (3, BAD_HEADER)))
    s["duplicates"] = full + frag(2, 0, 64, True) + frag(2, 0, 64, True) + frag(2, 64, 8, False) + frag(2, 64, 8, False)
    s["same_range_other_bytes"] = full + frag(2, 0, 64, True, pattern=1) + frag(2, 0, 64, True, pattern=2)
    s["overlap_start"] = full + frag(3, 16, 16, True) + frag(3, 8, 16, True) + frag(3, 0, 8, True) + frag(3, 8, 24, False)
    s["overlap_inside"] = full + frag(3, 0, 64, True) + frag(3, 16, 8, True)
    s["teardrop"] = full + frag(4, 0, 32, True) + frag(4, 24, 4, False)
    s["tiny_first_rfc1858"] = full + frag(5, 0, 8, True) + frag(5, 8, 32, False) + frag(6, 0, 16, True) + frag(6, 8, 32, False)
    s["ping_of_death"] = full + frag(0, 0, 1480, True) + frag(0, 65528, 100, False) + frag(1, 65512, 24, False)
    s["largest_datagram"] = full + b"".join(frag(7, o, n, m) for o, n, m in cut(65515, 4088))
    s["not_multiple_of_8"] = full + frag(0, 0, 20, True) + frag(0, 8, 16, True, misaligned=True) + frag(0, 0, 16, True)
    s["empty_fragment"] = full + frag(1, 0, 16, True) + frag(1, 16, 0, True)
    s["inconsistent_last"] = full + frag(2, 32, 8, False) + frag(2, 40, 8, False) + frag(2, 32, 8, False) + frag(2, 48, 8, True)
    s["atomic_beside_queue"] = full + frag(3, 8, 8, True) + frag(3, 0, 40, False, pattern=9) + frag(3, 0, 0, False)
    s["too_many_fragments"] = config(frags=FRAGS_4) + b"".join(frag(4, o, n, m) for o, n, m in cut(48, 8))
    s["timeout_without_first"] = full + frag(5, 64, 64, True) + seconds(29) + seconds(2) + seconds(60)
    s["memory_cap_drop"] = config(cap=CAP_600) + frag(6, 8, 8, True) + frag(6, 16, 4088, True) + frag(7, 0, 512, True)
    s["eviction_small_cap"] = config(cap=CAP_4K, queues=QUEUES_8) + b"".join(frag(k, 8, 1000, True, pattern=k) for k in range(8)) + frag(0, 0, 8, True)
    s["queue_cap"] = config(queues=QUEUES_3) + b"".join(frag(k, 0, 8, True) for k in range(5)) + b"".join(frag(k, 8, 8, False) for k in range(5))
    s["flood_then_good"] = config(cap=CAP_32K, queues=QUEUES_64) + b"".join(
        frag(k % 7, 8 * (1 + (k * 37) % 500), 8 * (1 + (k * 11) % 100), True, pattern=k & 0xff) for k in range(60)
    ) + frag(7, 1480, 1480, True) + frag(7, 2960, 40, False) + frag(7, 0, 1480, True)
    s["time_steps"] = full + frag(0, 8, 8, False) + advance(255, 0) + advance(1, 15) + frag(0, 0, 8, True)
    return sorted(s.items())

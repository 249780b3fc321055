"""tools/corpus/_frame_log.py writes exactly the bytes fuzzers/frame_log.hpp
decodes: the shared vector below is the one fuzzers/tests/frame_log_test.cpp
decodes record by record and its Writer reproduces."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "corpus"))
import _frame_log as fl  # noqa: E402

# prelude 2a; frame 010203; time 30000 ms; frame aa (selector 5);
# time 65537 ms; time 3,000,000,000 ms; empty frame.
SHARED_VECTOR = bytes.fromhex(
    "2a"
    "00 0300 010203"
    "f0 3075"
    "05 0100 aa"
    "f1 0080 f0 0100"
    "ff ffff fe 43cb f0 001e"
    "00 0000")


class FrameLogTest(unittest.TestCase):
    def test_shared_vector(self):
        got = fl.log([("frame", b"\x01\x02\x03"), ("time", 30000), ("frame", b"\xaa", 5),
                      ("time", 65537), ("time", 3_000_000_000), ("frame", b"")], prelude=b"\x2a")
        self.assertEqual(got.hex(), SHARED_VECTOR.hex())

    def test_split_ms_matches_the_cpp_cases(self):
        cases = {
            0: [],
            1: [(0, 1)],
            65535: [(0, 65535)],
            65536: [(1, 32768)],
            100000: [(1, 50000)],
            0xFFFF << 15: [(15, 0xFFFF)],
            (0xFFFF << 15) + 1: [(15, 0xFFFF), (0, 1)],
            3_000_000_000: [(15, 0xFFFF), (14, 52035), (0, 7680)],
        }
        for ms, want in cases.items():
            self.assertEqual(fl.split_ms(ms), want, ms)
            self.assertEqual(sum(v << s for s, v in want), ms)

    def test_records(self):
        self.assertEqual(fl.time_step(3, 7), bytes.fromhex("f30700"))
        self.assertEqual(fl.frame(b"\xde\xad", 0xEF), bytes.fromhex("ef0200dead"))
        self.assertEqual(fl.log([("time", 0)]), b"")  # no step for no time
        self.assertEqual(len(fl.frame(bytes(65535))), 65538)
        with self.assertRaises(AssertionError):
            fl.frame(bytes(65536))
        with self.assertRaises(AssertionError):
            fl.frame(b"", 0xF0)
        with self.assertRaises(ValueError):
            fl.log([("sleep", 1)])


if __name__ == "__main__":
    unittest.main()

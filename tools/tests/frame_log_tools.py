#!/usr/bin/python3
"""frame_log_to_pcap and pcap_to_frame_log (CTest frame_log_tools, label unit).

    frame_log_tools.py FRAME_LOG_TO_PCAP PCAP_TO_FRAME_LOG

A log made by tools/corpus/_frame_log.py from Scapy frames is decoded by the
C++ reader (frame_log_to_pcap); Scapy reads the pcap back (frames, virtual
timestamps, link type); pcap_to_frame_log --absolute turns it into the same
bytes again. Captures Scapy writes (pcap in microseconds, pcapng) and a
big-endian pcap convert to the log their timestamps call for.
"""
import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "corpus"))
import _frame_log as fl  # noqa: E402
from scapy.all import ARP, ICMP, IP, Ether, ICMPv6EchoRequest, IPv6, raw, rdpcap, wrpcap  # noqa: E402
from scapy.utils import PcapNgWriter  # noqa: E402

TO_PCAP = None
TO_LOG = None

MAC_A = "02:00:00:00:00:01"
MAC_B = "02:00:00:00:00:02"


def frames():
    return [
        raw(Ether(src=MAC_A, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=MAC_A, psrc="192.0.2.1", pdst="192.0.2.2")),
        raw(Ether(src=MAC_A, dst=MAC_B) / IP(src="192.0.2.1", dst="192.0.2.2", id=7) / ICMP(id=1, seq=1)),
        raw(Ether(src=MAC_A, dst=MAC_B) / IPv6(src="2001:db8::1", dst="2001:db8::2") /
            ICMPv6EchoRequest(id=2, seq=3, data=b"x" * 100)),
    ]


def run(*args, expect=0):
    r = subprocess.run(list(args), capture_output=True)
    if r.returncode != expect:
        raise AssertionError(f"{args}: exit {r.returncode}, want {expect}\n{r.stderr.decode(errors='replace')}")
    return r


def ns_of(pkt):
    return int(round(pkt.time * 10**9))


class FrameLogTools(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def read(self, name):
        with open(self.path(name), "rb") as f:
            return f.read()

    def test_python_log_to_pcap_and_back(self):
        f = frames()
        # Canonical: one time record between frames, nothing after the last.
        log = fl.log([("time", 500), ("frame", f[0]), ("frame", f[1]), ("time", 30000), ("frame", f[2]),
                      ("time", 3_000_000_000), ("frame", f[1])], prelude=b"\x2a")
        src = self.write("in.log", log)
        run(TO_PCAP, src, self.path("out.pcap"))
        pkts = rdpcap(self.path("out.pcap"))
        self.assertEqual([raw(p) for p in pkts], [f[0], f[1], f[2], f[1]])
        self.assertEqual([ns_of(p) for p in pkts],
                         [1_500_000_000, 1_500_000_000, 31_500_000_000, 31_500_000_000 + 3_000_000_000 * 10**6])
        self.assertIsInstance(pkts[0], Ether)
        header = self.read("out.pcap")[:24]
        self.assertEqual(struct.unpack("<IHHiIII", header), (0xA1B23C4D, 2, 4, 0, 0, 262144, 1))

        run(TO_LOG, "--absolute", "--prelude", "2a", self.path("out.pcap"), self.path("back.log"))
        self.assertEqual(self.read("back.log").hex(), log.hex())
        # Without --absolute the first frame comes at the log's start.
        run(TO_LOG, "--prelude", "2a", self.path("out.pcap"), self.path("rel.log"))
        self.assertEqual(self.read("rel.log").hex(), (b"\x2a" + log[1 + 3:]).hex())  # no 500 ms step

    def test_list_and_selectors_and_prelude_size(self):
        log = fl.log([("frame", b"\x45" + bytes(19), 3), ("time", 65537), ("frame", b"\x60" + bytes(39))],
                     prelude=b"\x01\x02")
        src = self.write("in.log", log)
        r = run(TO_PCAP, "--prelude", "2", "--link", "raw", "--list", src, self.path("raw.pcap"))
        self.assertEqual(r.stdout.decode().splitlines(), [
            "     2  1.000000000  frame  20 bytes, selector 3",
            "    25  66.536000000  time   +65536 ms (32768 << 1)",
            "    28  66.537000000  time   +1 ms (1 << 0)",
            "    31  66.537000000  frame  40 bytes, selector 0",
        ])
        self.assertIn(b"prelude 01 02", r.stderr)
        self.assertEqual(struct.unpack("<I", self.read("raw.pcap")[20:24])[0], 101)
        # Selectors are not in a pcap: frames come back with --selector's.
        run(TO_LOG, "--absolute", "--prelude", "0102", "--selector", "3", self.path("raw.pcap"), self.path("b.log"))
        self.assertEqual(self.read("b.log").hex(), fl.log(
            [("frame", b"\x45" + bytes(19), 3), ("time", 65537), ("frame", b"\x60" + bytes(39), 3)],
            prelude=b"\x01\x02").hex())

    def test_cut_last_frame_goes_to_the_pcap_cut(self):
        log = fl.log([("frame", b"\x01\x02\x03\x04")], prelude=b"\x00")[:-2]
        run(TO_PCAP, self.write("cut.log", log), self.path("cut.pcap"))
        self.assertEqual([raw(p) for p in rdpcap(self.path("cut.pcap"))], [b"\x01\x02"])

    def expected_capture_log(self, f):
        # Packets at 0, 1.5 ms and 61,251.5 ms: each lands on its own time
        # rounded down to the millisecond, so rounding does not add up.
        return fl.log([("frame", f[0]), ("time", 1), ("frame", f[1]), ("time", 61250), ("frame", f[2])],
                      prelude=b"\x00")

    def captured(self):
        pkts = [Ether(x) for x in frames()]
        t0 = 1_700_000_000
        pkts[0].time = t0
        pkts[1].time = t0 + 0.0015
        pkts[2].time = t0 + 61.2515
        return pkts

    def test_scapy_pcap_converts(self):
        wrpcap(self.path("cap.pcap"), self.captured())
        run(TO_LOG, self.path("cap.pcap"), self.path("cap.log"))
        self.assertEqual(self.read("cap.log").hex(), self.expected_capture_log(frames()).hex())

    def test_scapy_pcapng_converts(self):
        with PcapNgWriter(self.path("cap.pcapng")) as w:
            for p in self.captured():
                w.write(p)
        run(TO_LOG, self.path("cap.pcapng"), self.path("cap.log"))
        self.assertEqual(self.read("cap.log").hex(), self.expected_capture_log(frames()).hex())

    def test_big_endian_pcap_converts(self):
        f = frames()
        data = struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        for (sec, usec), frame in zip([(100, 0), (100, 1500), (161, 251500)], f):
            data += struct.pack(">IIII", sec, usec, len(frame), len(frame)) + frame
        run(TO_LOG, self.write("be.pcap", data), self.path("be.log"))
        self.assertEqual(self.read("be.log").hex(), self.expected_capture_log(f).hex())

    def test_bad_input_and_usage(self):
        wrpcap(self.path("cap.pcap"), self.captured())
        whole = self.read("cap.pcap")
        run(TO_LOG, self.write("short.pcap", whole[:-5]), self.path("x.log"), expect=1)
        run(TO_LOG, self.write("junk.pcap", b"not a capture at all...."), self.path("x.log"), expect=1)
        run(TO_LOG, self.path("missing.pcap"), self.path("x.log"), expect=1)
        run(TO_LOG, "--prelude", "zz", self.path("cap.pcap"), self.path("x.log"), expect=2)
        run(TO_LOG, "--selector", "240", self.path("cap.pcap"), self.path("x.log"), expect=2)
        run(TO_PCAP, "--link", "tokenring", self.write("a.log", b""), self.path("x.pcap"), expect=2)
        run(TO_PCAP, self.path("a.log"), expect=2)
        # Any bytes are a log: random junk converts.
        run(TO_PCAP, self.write("junk.log", bytes(range(256)) * 3), self.path("junk.pcap"))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    TO_PCAP, TO_LOG = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])

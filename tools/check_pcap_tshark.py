#!/usr/bin/python3
"""Dissect the frames hardstack emits (tools/emit_samples) with tshark, checksum
validation on, and fail on any malformed packet, any expert error or warning
(but the few in ALLOWED_EXPERT), or a frame that does not dissect as the
protocol stack the emitter intended (emit_samples writes "<frame.protocols>
<sample name>" per frame beside the pcap). Every frame must also decode in
hardstack's own tools/wire_dump, checksums verified.

    tools/check_pcap_tshark.py BUILD_DIR
    tools/check_pcap_tshark.py --selftest   # proves a bad checksum is caught
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

# Expert warnings that describe the conversation rather than a fault in the
# frame, and that a correct emitter produces on purpose:
# - TCP "Connection reset (RST)": Wireshark reports every RST at warning level;
#   the flag-combination samples set RST deliberately.
# - IPv4 "N NOP in a row": a heuristic (a router may have blanked options);
#   RFC 791 allows any number of NOPs, and the opt_nop_x4 sample carries four.
ALLOWED_EXPERT = [re.compile(r"^Connection reset \(RST\)$"),
                  re.compile(r"^\d+ NOP in a row - a router may have removed some options$")]

# Checksum validation: IPv4, TCP and UDP have preferences (off by default);
# Wireshark's ICMP and ICMPv6 dissectors always verify theirs (no preference).
PREFS = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
         "-o", "tcp.analyze_sequence_numbers:FALSE"]


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, frame in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(frame), len(frame)))
            f.write(frame)


def read_pcap(path):
    """The frames of a classic little-endian pcap, as PcapWriter writes it."""
    data = open(path, "rb").read()
    frames, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack("<I", data[at + 8:at + 12])[0]
        frames.append(data[at + 16:at + 16 + caplen])
        at += 16 + caplen
    return frames


def reparse(build_dir, pcap, expected):
    """hardstack's own decoder (tools/wire_dump) must accept every frame it emitted,
    checksums verified over the same pseudo-headers."""
    frames = read_pcap(pcap)
    out = subprocess.run([os.path.join(build_dir, "tools", "wire_dump")],
                         input="".join(f.hex() + "\n" for f in frames), capture_output=True, text=True,
                         check=True).stdout.splitlines()
    failures = 0
    for (_, name), line in zip(expected, out):
        decoded = json.loads(line)
        if "error" in decoded:
            failures += 1
            print(f"FAIL {name}: wire_dump rejects the emitted frame: {decoded['error']} in {decoded['layer']} "
                  f"at byte {decoded['offset']}")
    print(f"check_pcap_tshark: {len(out)} frames re-parsed by wire_dump, {failures} rejected")
    return failures + (len(out) != len(expected))


def dissect(pcap, expected):
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, HOME=tmp)  # no user preferences
        fields = subprocess.run(
            ["tshark", "-n", "-r", pcap] + PREFS +
            # Control characters as separators: expert messages contain commas.
            ["-T", "fields", "-E", "separator=\x1f", "-E", "aggregator=\x1e", "-e", "frame.number",
             "-e", "frame.protocols",
             "-e", "_ws.malformed", "-e", "_ws.expert.severity", "-e", "_ws.expert.message"],
            capture_output=True, text=True, env=env)
        if fields.returncode != 0:
            sys.exit(f"tshark failed: {fields.stderr}")
        # split("\n"), not splitlines(): that also ends a line at \x1e.
        rows = [line.split("\x1f") for line in fields.stdout.split("\n") if line]
    failures = 0
    if len(rows) != len(expected):
        print(f"FAIL: {len(expected)} frames written, tshark read {len(rows)}")
        failures += 1
    for row, (want, name) in zip(rows, expected):
        number, protocols, malformed, severity, message = (row + [""] * 5)[:5]
        problems = []
        if protocols != want:
            problems.append(f"dissected as {protocols}, emitted as {want}")
        if malformed:
            problems.append("tshark: malformed packet")
        # Expert severities: chat 0x200000, note 0x400000, warn 0x600000, error 0x800000.
        for sev, msg in zip(severity.split("\x1e"), message.split("\x1e")):
            if sev and int(sev) >= 0x00600000 and not any(a.match(msg) for a in ALLOWED_EXPERT):
                problems.append(f"tshark expert: {msg}")
        if problems:
            failures += 1
            print(f"FAIL frame {number} ({name}): " + "; ".join(problems))
    print(f"check_pcap_tshark: {len(rows)} frames dissected, {failures} with problems")
    return failures


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if shutil.which("tshark") is None:
        sys.exit("check_pcap_tshark.py: tshark is missing: run ci/setup")
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "emitted.pcap")
        if sys.argv[1] == "--selftest":
            # IPv4/UDP with the header checksum off by one: must be reported.
            frame = bytes.fromhex("020000000002020000000001 0800 4500001c00010000401100000a0000010a000002"
                                  "04d2005000080000".replace(" ", ""))
            ip = bytearray(frame)
            ip[24:26] = (0xdead).to_bytes(2, "big")
            write_pcap(pcap, [bytes(ip)])
            failed = dissect(pcap, [("eth:ethertype:ip:udp", "bad_ip_checksum")])
            print("selftest: " + ("bad checksum caught" if failed else "bad checksum NOT caught"))
            return 0 if failed else 1
        subprocess.run([os.path.join(sys.argv[1], "tools", "emit_samples"), pcap], check=True)
        expected = [tuple(line.split(" ", 1)) for line in open(pcap + ".expected").read().splitlines()]
        failures = dissect(pcap, expected) + reparse(sys.argv[1], pcap, expected)
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Cross-check hardstack's parsers against Scapy's dissectors.

Builds packets with Scapy, has hardstack decode them (tools/wire_dump, one JSON
object per frame), and compares every field both sides decode. A packet Scapy
builds as valid must parse; each field hardstack reports must equal the value
Scapy dissects from the same bytes.

    tools/crosscheck_scapy.py BUILD_DIR
"""
import json
import os
import subprocess
import sys

try:
    from scapy.all import ARP, Dot1Q, Ether, raw
except ImportError:
    sys.exit("crosscheck_scapy.py: Scapy is missing (python3-scapy): run ci/setup, "
             "and run this script with /usr/bin/python3")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "crosscheck"))
import scapy_cases  # noqa: E402  (the packet list and the field mapping)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    dumper = os.path.join(sys.argv[1], "tools", "wire_dump")
    if not os.path.exists(dumper):
        sys.exit(f"crosscheck_scapy.py: {dumper} not built")
    cases = list(scapy_cases.cases())
    frames = [raw(pkt) for _, pkt in cases]
    out = subprocess.run([dumper], input="\n".join(f.hex() for f in frames) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(frames):
        sys.exit(f"crosscheck_scapy.py: {len(frames)} frames in, {len(out)} lines out")
    failures = 0
    compared = 0
    for (name, _), frame, line in zip(cases, frames, out):
        ours = json.loads(line)
        theirs = scapy_cases.scapy_fields(Ether(frame))
        problems = []
        if "error" in ours:
            problems.append(f"hardstack rejects it: {ours['error']} in {ours['layer']} at byte {ours['offset']}")
        for layer, fields in theirs.items():
            if layer not in ours:
                problems.append(f"layer {layer} missing from hardstack's decode")
                continue
            for key, value in fields.items():
                compared += 1
                if key not in ours[layer]:
                    problems.append(f"{layer}.{key}: hardstack does not report it")
                elif ours[layer][key] != value:
                    problems.append(f"{layer}.{key}: hardstack {ours[layer][key]!r}, Scapy {value!r}")
        if problems:
            failures += 1
            print(f"FAIL {name}: {frame.hex()}")
            for p in problems:
                print("     " + p)
    print(f"crosscheck_scapy: {len(cases)} packets, {compared} fields compared, {failures} mismatching packets")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

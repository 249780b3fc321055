#!/usr/bin/python3
"""Cross-check hardstack's parsers against Scapy's dissectors.

Builds packets with Scapy (tools/crosscheck/scapy_cases.py), has hardstack
decode them (tools/wire_dump, one JSON object per frame), and compares every
field both sides decode:
- a packet Scapy builds as valid must parse, every checksum verified, and each
  field Scapy dissects must equal hardstack's value (lists element by element);
- each deliberately malformed packet must fail with the exact error, layer and
  offset listed for it.
Prints the number of fields compared per layer.

    tools/crosscheck_scapy.py BUILD_DIR
"""
import collections
import json
import os
import subprocess
import sys

try:
    from scapy.all import Ether, raw
except ImportError:
    sys.exit("crosscheck_scapy.py: Scapy is missing (python3-scapy): run ci/setup, "
             "and run this script with /usr/bin/python3")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "crosscheck"))
import scapy_cases  # noqa: E402  (the packet lists and the field mapping)


def compare(path, ours, theirs, problems, counted):
    """Compares Scapy's value `theirs` with hardstack's `ours`; counts leaves."""
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            problems.append(f"{path}: hardstack {ours!r}, Scapy {theirs!r}")
            return
        for key, value in theirs.items():
            if key not in ours:
                counted[0] += 1
                problems.append(f"{path}.{key}: hardstack does not report it (Scapy {value!r})")
            else:
                compare(f"{path}.{key}", ours[key], value, problems, counted)
    elif isinstance(theirs, list) and theirs and isinstance(theirs[0], dict):
        counted[0] += 1  # the number of elements
        if not isinstance(ours, list) or len(ours) != len(theirs):
            problems.append(f"{path}: hardstack {ours!r}, Scapy {theirs!r}")
            return
        for i, (a, b) in enumerate(zip(ours, theirs)):
            compare(f"{path}[{i}]", a, b, problems, counted)
    else:
        counted[0] += 1
        if ours != theirs:
            problems.append(f"{path}: hardstack {ours!r}, Scapy {theirs!r}")


def run_dumper(dumper, frames):
    out = subprocess.run([dumper], input="".join(f.hex() + "\n" for f in frames),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(frames):
        sys.exit(f"crosscheck_scapy.py: {len(frames)} frames in, {len(out)} lines out")
    return [json.loads(line) for line in out]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    dumper = os.path.join(sys.argv[1], "tools", "wire_dump")
    if not os.path.exists(dumper):
        sys.exit(f"crosscheck_scapy.py: {dumper} not built")

    cases = list(scapy_cases.cases())
    frames = [raw(pkt) for _, pkt in cases]
    failures = 0
    per_layer = collections.Counter()
    packets_per_layer = collections.Counter()
    for (name, _), frame, ours in zip(cases, frames, run_dumper(dumper, frames)):
        theirs = scapy_cases.scapy_fields(Ether(frame))
        problems = []
        if "error" in ours:
            problems.append(f"hardstack rejects it: {ours['error']} in {ours['layer']} at byte {ours['offset']}")
        for layer, fields in theirs.items():
            packets_per_layer[layer] += 1
            if layer not in ours:
                problems.append(f"layer {layer} missing from hardstack's decode")
                continue
            counted = [0]
            compare(layer, ours[layer], fields, problems, counted)
            per_layer[layer] += counted[0]
        extra = set(ours) - set(theirs) - {"error", "layer", "offset"}
        if extra:
            problems.append(f"hardstack decodes layers Scapy does not: {sorted(extra)}")
        if problems:
            failures += 1
            print(f"FAIL {name}: {frame.hex()}")
            for p in problems:
                print("     " + p)

    bad = list(scapy_cases.malformed_cases())
    bad_failures = 0
    for (name, frame, want), ours in zip(bad, run_dumper(dumper, [f for _, f, _ in bad])):
        got = {k: ours.get(k) for k in ("error", "layer", "offset")}
        if got != want:
            bad_failures += 1
            print(f"FAIL malformed {name}: {frame.hex()}\n     hardstack {got}, expected {want}")

    for layer in sorted(per_layer, key=lambda k: -per_layer[k]):
        print(f"  {layer:8} {packets_per_layer[layer]:5} packets {per_layer[layer]:7} fields compared")
    print(f"crosscheck_scapy: {len(cases)} valid packets, {sum(per_layer.values())} fields compared, "
          f"{failures} mismatching; {len(bad)} malformed packets, {bad_failures} with the wrong error")
    return 1 if failures or bad_failures else 0


if __name__ == "__main__":
    sys.exit(main())

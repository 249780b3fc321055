#!/usr/bin/python3
"""Render hardstack's conformance report: every requirement ID in
conformance/REQUIREMENTS.md with pass / fail / not covered.

Results come from the JUnit XML the conformance suites write
(<build>/conformance-results/*.xml). A test case covers an ID when its name is
the ID with '-' and '.' written '_', followed by '_' and a description
(V6-FRAG-4 -> V6_FRAG_4_overlap_discards_datagram, RFC2525-2.17 ->
RFC2525_2_17_rst_on_close). An ID with several test cases passes only if all
of them pass. An ID with none is "not covered": a
visible gap, never a pass.

    tools/conformance_report.py [--results DIR] [--markdown FILE] [--json FILE]
"""
import argparse
import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ID_LINE = re.compile(r"^- ((?:[A-Z][A-Z0-9]*-)+[0-9]+(?:\.[0-9]+)?) ([A-Z]+(?: \([^)]*\))?):\s*(.*)$")


def case_prefix(rid):
    """The test case name an ID starts: '-' and '.' written '_' (RFC2525-2.17 -> RFC2525_2_17)."""
    return rid.replace("-", "_").replace(".", "_")


def requirement_ids(path):
    ids = []
    for line in open(path, encoding="utf-8"):
        m = ID_LINE.match(line.strip())
        if m:
            ids.append((m.group(1), m.group(2), m.group(3)))
    return ids


def test_results(folder):
    """{testcase name: 'pass'|'fail'} from every JUnit file in folder."""
    out = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.xml"))):
        try:
            tree = ET.parse(path)
        except ET.ParseError as e:
            sys.exit(f"conformance_report: {path}: not valid XML ({e})")
        for case in tree.iter("testcase"):
            name = case.get("name", "")
            failed = case.find("failure") is not None or case.find("error") is not None
            skipped = case.find("skipped") is not None
            status = "fail" if failed else ("skip" if skipped else "pass")
            if out.get(name) != "fail":
                out[name] = status
    return out


def classify(ids, results):
    rows = []
    for rid, level, text in ids:
        prefix = case_prefix(rid) + "_"
        cases = {n: s for n, s in results.items() if n.startswith(prefix) or n == prefix[:-1]}
        ran = {n: s for n, s in cases.items() if s != "skip"}
        if not ran:
            status = "not covered"
        elif all(s == "pass" for s in ran.values()):
            status = "pass"
        else:
            status = "fail"
        rows.append({"id": rid, "level": level, "status": status, "tests": sorted(cases), "text": text})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requirements", default=os.path.join(ROOT, "conformance", "REQUIREMENTS.md"))
    ap.add_argument("--results", default=os.path.join(ROOT, "build", "default", "conformance-results"))
    ap.add_argument("--markdown")
    ap.add_argument("--json")
    args = ap.parse_args()
    ids = requirement_ids(args.requirements)
    if not ids:
        sys.exit(f"conformance_report: no requirement IDs found in {args.requirements}")
    results = test_results(args.results) if os.path.isdir(args.results) else {}
    rows = classify(ids, results)
    known = {case_prefix(r["id"]) for r in rows}
    orphans = sorted(n for n in results if not any(n.startswith(k + "_") or n == k for k in known))
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in ("pass", "fail", "not covered")}

    lines = ["# hardstack conformance report", "",
             f"{len(rows)} requirements: {counts['pass']} pass, {counts['fail']} fail, "
             f"{counts['not covered']} not covered.", "",
             "| ID | level | status | tests |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['id']} | {r['level']} | {r['status']} | {', '.join(r['tests'])} |")
    if orphans:
        lines += ["", "Test cases named after no requirement ID: " + ", ".join(orphans)]
    text = "\n".join(lines) + "\n"
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"counts": counts, "requirements": rows, "orphans": orphans}, f, indent=2)
    for r in rows:
        print(f"{r['id']:<14} {r['status']}")
    print(f"conformance: {len(rows)} requirements, {counts['pass']} pass, {counts['fail']} fail, "
          f"{counts['not covered']} not covered")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Write hardstack's seed corpora with Scapy: corpus/<target>/<seed-name>.

Each module tools/corpus/<target>.py defines TARGET (the fuzz target's name)
and seeds(), yielding (name, bytes). Output is deterministic: every field
Scapy would randomise is set, and names are fixed, so the same bytes come out
on every run (`--check` compares a fresh run with what is committed).

    tools/gen_corpus.py                 # rewrite corpus/<target>/ for every module
    tools/gen_corpus.py --out DIR       # write elsewhere
    tools/gen_corpus.py --check         # exit 1 if corpus/ differs from a fresh run
    tools/gen_corpus.py cmsg_parse      # only the named targets (with --check too)
"""
import argparse
import filecmp
import importlib.util
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NAME_OK = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def require_scapy():
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        sys.exit("gen_corpus.py: Scapy is missing (python3-scapy): run ci/setup, "
                 "and run this script with /usr/bin/python3")


def load_modules(targets=None):
    folder = os.path.join(HERE, "corpus")
    modules = []
    for fname in sorted(os.listdir(folder)):
        if not fname.endswith(".py") or fname.startswith("_"):
            continue
        if targets and fname[:-3] not in targets:
            continue
        spec = importlib.util.spec_from_file_location("corpus_" + fname[:-3], os.path.join(folder, fname))
        mod = importlib.util.module_from_spec(spec)
        sys.path.insert(0, folder)
        spec.loader.exec_module(mod)
        sys.path.pop(0)
        modules.append(mod)
    return modules


def generate(out_root, targets=None):
    counts = {}
    for mod in load_modules(targets):
        target = mod.TARGET
        folder = os.path.join(out_root, target)
        if os.path.isdir(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)
        seen = set()
        for name, data in mod.seeds():
            if not NAME_OK.match(name) or name in seen:
                sys.exit(f"gen_corpus.py: {target}: bad or repeated seed name {name!r}")
            if not isinstance(data, (bytes, bytearray)):
                sys.exit(f"gen_corpus.py: {target}/{name}: seed is not bytes")
            seen.add(name)
            with open(os.path.join(folder, name), "wb") as f:
                f.write(bytes(data))
        counts[target] = len(seen)
    return counts


def compare(fresh, committed):
    problems = []
    for target in sorted(os.listdir(fresh)):
        a, b = os.path.join(fresh, target), os.path.join(committed, target)
        if not os.path.isdir(b):
            problems.append(f"{target}: not committed")
            continue
        cmp = filecmp.dircmp(a, b)
        names = set(os.listdir(a))
        for n in sorted(cmp.left_only):
            problems.append(f"{target}/{n}: generated but not committed")
        for n in sorted(x for x in cmp.right_only if not x.startswith(".")):
            problems.append(f"{target}/{n}: committed but not generated")
        for n in sorted(names & set(os.listdir(b))):
            if not filecmp.cmp(os.path.join(a, n), os.path.join(b, n), shallow=False):
                problems.append(f"{target}/{n}: bytes differ")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "corpus"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("targets", nargs="*", help="only these targets (tools/corpus/<target>.py)")
    args = ap.parse_args()
    missing = [t for t in args.targets if not os.path.exists(os.path.join(HERE, "corpus", t + ".py"))]
    if missing:
        sys.exit(f"gen_corpus.py: no tools/corpus/{missing[0]}.py")
    require_scapy()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp, args.targets)
            problems = compare(tmp, args.out)
        if problems:
            print("corpus differs from a fresh tools/gen_corpus.py run:")
            for p in problems:
                print("  " + p)
            return 1
        print("corpus matches a fresh run")
        return 0
    counts = generate(args.out, args.targets)
    for target, n in counts.items():
        print(f"{target}: {n} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())

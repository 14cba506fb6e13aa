#!/usr/bin/env python3
"""Times Hyperscan finding the rules' keywords, beside trawl's whole scan.

    python3 benches/hyperscan_keywords.py bench-data/corpus_1G/d01
    python3 benches/hyperscan_keywords.py --triggers FILE_OR_DIR [...]

trawl finds keywords with its own word walk (DESIGN.md, "Keywords"): a
trigram filter over every 64-byte block, then the few word starts that pass
it. A SIMD multi-literal automaton (Hyperscan, or its fork Vectorscan) is
the usual alternative. This measures that alternative on the same files:
every keyword of the rule files under `patterns/` (or, with `--triggers`,
only those of `keyword_required` rules, which are the ones the walk looks
for everywhere), ASCII case-insensitive, a space in a keyword also matching
`_`, `-` or nothing, compiled into one Hyperscan database and run over each
file in block mode. Each pattern reports at most one match per file
(`HS_FLAG_SINGLEMATCH`), so that Python's match callbacks stay out of the
time; Hyperscan still scans every byte. This is a lower bound on what a
first stage built on Hyperscan would cost: it does not check word
boundaries, look at literals, or verify anything.

It then runs `target/release/trawl scan -j1` (every rule, with validation)
over the same files and prints both throughputs, best of `--runs` each.
Installs the `hyperscan` Python package (which bundles the library) if
missing.
"""

import argparse
import os
import re
import subprocess
import sys
import time

from keywords import rule_keywords

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pattern(keyword):
    """A keyword as a regex: a space may also be `_`, `-` or nothing."""
    return "[ _-]?".join(re.escape(w) for w in keyword.split(" ")).encode()


def files_of(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, _, names in os.walk(p):
                yield from (os.path.join(d, n) for n in sorted(names))
        else:
            yield p


def import_hyperscan():
    try:
        import hyperscan
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "hyperscan"], check=True)
        import hyperscan
    return hyperscan


def best_of(runs, f):
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--triggers", action="store_true", help="only the keywords of keyword_required rules")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--trawl", default=os.path.join(ROOT, "target", "release", "trawl"))
    args = ap.parse_args()
    if not os.access(args.trawl, os.X_OK):
        sys.exit(f"{args.trawl} not found: build it with `cargo build --release`, or pass --trawl")
    hs = import_hyperscan()

    kws = sorted(rule_keywords(ROOT, args.triggers))
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    flags = [hs.HS_FLAG_CASELESS | hs.HS_FLAG_SINGLEMATCH] * len(kws)
    db.compile(expressions=[pattern(k) for k in kws], ids=list(range(len(kws))), elements=len(kws), flags=flags)

    files = list(files_of(args.paths))
    datas = [open(f, "rb").read() for f in files]
    mb = sum(map(len, datas)) / 1e6
    hits = [0]

    def on_match(*_):
        hits[0] += 1

    def scan_all():
        hits[0] = 0
        for d in datas:
            db.scan(d, match_event_handler=on_match)

    t_hs = best_of(args.runs, scan_all)
    cmd = [args.trawl, "scan", "-j1", "-q", "--format", "jsonl", "-o", os.devnull, *files]
    t_trawl = best_of(args.runs, lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    print(f"{len(files)} files, {mb:.0f} MB, {len(kws)} keywords")
    print(f"hyperscan, keywords only:           {t_hs:.3f} s  {mb / t_hs:6.0f} MB/s  ({hits[0]} keywords found per file, summed)")
    print(f"trawl scan -j1, every rule, whole:  {t_trawl:.3f} s  {mb / t_trawl:6.0f} MB/s")


if __name__ == "__main__":
    main()

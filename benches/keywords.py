#!/usr/bin/env python3
"""Counts which trigger keywords a sample holds most, to see where scan work goes.

    python3 benches/keywords.py bench-data/corpus_1G/big/app-server.log
    python3 benches/keywords.py --top 30 FILE [FILE ...]

A keyword of a rule with `keyword_required = true` opens a window for its
rules wherever it occurs as a whole word (see DESIGN.md, "Keywords"), and a
keyword of several phone or account rules makes their keyword group judge
every digit group nearby. A word that is common in some kind of data but is
no label there costs work for nothing: the `Mobile` of browser user agents
was one. This prints each such keyword found in the files (read as trawl
normalizes text: ASCII lowercased, anything but letters, digits and
non-ASCII bytes a space), how often, and how many rules it triggers. It
reads the rule files under `patterns/`; user rules are not counted. It
counts words only: the keywords trawl then sets aside (a product name
followed by its version, `Mobile/15E148`) are still counted here.
"""

import argparse
import collections
import glob
import os
import re
import tomllib


def rule_keywords(root, triggers_only=True):
    """The built-in rules' keywords (lowercased), each with the ids of its
    rules: only those of `keyword_required` rules unless `triggers_only`
    is false."""
    rules = collections.defaultdict(set)
    for path in glob.glob(os.path.join(root, "patterns", "*", "*.toml")):
        with open(path, "rb") as f:
            for rule in tomllib.load(f).get("rule", []):
                if not triggers_only or rule.get("keyword_required"):
                    for k in rule.get("keywords", []):
                        rules[k.lower()].add(rule["id"])
    return rules


def words(path):
    with open(path, "rb") as f:
        text = f.read().lower()
    return re.sub(rb"[^a-z0-9\x80-\xff]+", b" ", text).split()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    rules = rule_keywords(root)
    longest = max(len(k.split()) for k in rules)
    counts = collections.Counter()
    total = 0
    for path in args.files:
        ws = words(path)
        total += os.path.getsize(path)
        for n in range(1, longest + 1):
            grams = collections.Counter(b" ".join(ws[i : i + n]) for i in range(len(ws) - n + 1))
            for k in rules:
                if len(k.split()) == n:
                    counts[k] += grams[k.encode()]
    print(f"{total / 1e6:.1f} MB; trigger keywords by count (per MB), with the rules each triggers")
    for k, c in counts.most_common(args.top):
        if c:
            print(f"{k:28} {c:8} {c / (total / 1e6):8.1f}  {len(rules[k])} rules")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Scores trawl's findings on a benchmark corpus against its generator's labels.

    python3 benches/score.py bench-data/corpus_1G            # runs target/release/trawl
    python3 benches/score.py DATA --findings findings.jsonl  # scores a saved run

DATA is a directory written by ../shared/bench/gen_corpus.py; its labels are
DATA.truth.jsonl (file, line, type, value of every planted value). trawl
scans DATA with values shown (the data is synthetic) and each label counts
as found when a finding of its kind in its file, on its line, holds its
value (ignoring separators). Multi-line values (an AWS key id with its
secret on the next line, a private key) are labeled at their first line, so
their findings may be one line below. Findings that match no label are
counted by type: the generator labels only ten kinds of values, so most of
them (IP addresses in web logs) are not errors; the table names them so
that they can be looked at.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys

# Which finding types count for each kind of label.
KINDS = {
    "email": lambda t: t == "EMAIL_ADDRESS",
    "phone": lambda t: t.endswith("PHONE_NUMBER"),
    "credit_card": lambda t: t.startswith("CREDIT_CARD_NUMBER"),
    "ssn": lambda t: t == "USA_SOCIAL_SECURITY_NUMBER",
    "jwt": lambda t: t == "JSON_WEB_TOKEN",
    "github_token": lambda t: t == "GITHUB_TOKEN",
    "iban": lambda t: t.endswith("BANK_ACCOUNT_NUMBER"),
    "aws_access_key_id": lambda t: t == "AWS_ACCESS_KEY_ID",
    "aws_secret_access_key": lambda t: t == "AWS_CREDENTIALS",
    "private_key": lambda t: t in ("PKCS", "OPENSSH_PRIVATE_KEY", "PGP_PRIVATE_KEY", "PUTTY_PRIVATE_KEY"),
}

# Labels whose value may be found on a later line than the label's.
SPREAD = {"aws_secret_access_key": 1, "private_key": 1}


def bare(value):
    return re.sub(r"[^A-Za-z0-9]", "", value)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("--findings", help="trawl's JSON Lines output with --show-values (default: run trawl)")
    ap.add_argument("--trawl", default="target/release/trawl")
    args = ap.parse_args()
    data = args.data.rstrip("/")

    labels = collections.defaultdict(list)
    with open(data + ".truth.jsonl") as f:
        for line in f:
            t = json.loads(line)
            labels[(os.path.normpath(t["file"]), t["line"])].append(t)

    if args.findings:
        with open(args.findings) as f:
            out = f.read()
    else:
        cmd = [os.path.abspath(args.trawl), "scan", "--format", "jsonl", "--show-values", "."]
        out = subprocess.run(cmd, cwd=data, capture_output=True, text=True).stdout

    found = set()
    unlabeled = collections.Counter()
    for line in out.splitlines():
        f = json.loads(line)
        at = f["location"].get("line")
        value = bare(f.get("value", ""))
        if not value:
            sys.exit("findings have no values: run trawl with --show-values")
        path = os.path.normpath(f["source"])
        hit = None
        for back in (0, 1):
            for i, t in enumerate(labels.get((path, at - back if at else None), [])):
                if back > SPREAD.get(t["type"], 0) or not KINDS[t["type"]](f["type"]):
                    continue
                v = bare(t["value"])
                if value in v or v in value:
                    hit = (path, t["line"], i)
                    break
            if hit:
                break
        if hit:
            found.add(hit)
        else:
            unlabeled[f["type"]] += 1

    total = collections.Counter()
    missed = collections.Counter()
    for (path, line), ts in labels.items():
        for i, t in enumerate(ts):
            total[t["type"]] += 1
            if (path, line, i) not in found:
                missed[t["type"]] += 1

    print(f"{'label':24} {'labeled':>8} {'missed':>7} {'recall':>7}")
    for kind in sorted(total):
        n, m = total[kind], missed[kind]
        print(f"{kind:24} {n:8} {m:7} {(n - m) / n:7.3f}")
    n, m = sum(total.values()), sum(missed.values())
    print(f"{'ALL':24} {n:8} {m:7} {(n - m) / n:7.3f}")
    print()
    print(f"{'findings with no label':40} {'count':>7}")
    for typ, c in unlabeled.most_common():
        print(f"{typ:40} {c:7}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Mutation run: damaged copies of real files, each scanned alone.

    tools/mutation_run.py SOURCES_DIR [--seeds 1-11] [--trawl target/release/trawl]

For each file in SOURCES_DIR and each seed, writes 40 damaged copies (cut
short, bytes flipped, a range zeroed, bytes inserted; the extension kept)
and scans each alone with `trawl scan -j1` under a 4 GB address-space limit
and a 20 s timeout. Prints every copy whose scan did not end with exit code
0, 1 or 2 (a panic, an abort, a kill, a hang), keeping it and its standard
error under `mutation-failures/`; exits 1 if there was one.
"""
import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile


def mutants(data, rng):
    for k in range(40):
        d = bytearray(data)
        kind = k % 4
        if kind == 0:
            d = d[: rng.randrange(1, len(d))]
        elif kind == 1:
            for _ in range(rng.randint(1, 20)):
                d[rng.randrange(len(d))] = rng.randrange(256)
        elif kind == 2:
            a = rng.randrange(len(d))
            b = min(len(d), a + rng.randint(1, 4096))
            d[a:b] = bytes(b - a)
        else:
            a = rng.randrange(len(d))
            d[a:a] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        yield k, bytes(d)


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sources")
    ap.add_argument("--seeds", default="1-11")
    ap.add_argument("--trawl", default="target/release/trawl")
    args = ap.parse_args()
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    failed = 0
    files = sorted(f for f in os.listdir(args.sources) if os.path.isfile(os.path.join(args.sources, f)))
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            rng = random.Random(seed)
            count = 0
            for name in files:
                data = open(os.path.join(args.sources, name), "rb").read()
                if not data:
                    continue
                base, ext = os.path.splitext(name)
                for k, d in mutants(data, rng):
                    path = os.path.join(tmp, f"{base}_{k}{ext}")
                    with open(path, "wb") as f:
                        f.write(d)
                    count += 1
                    try:
                        r = subprocess.run(
                            [args.trawl, "scan", "-q", "-j1", "-f", "jsonl", "-o", "/dev/null", path],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20, preexec_fn=limit,
                        )
                        code, err = r.returncode, r.stderr
                    except subprocess.TimeoutExpired as e:
                        code, err = "timeout", e.stderr or b""
                    if code not in (0, 1, 2):
                        failed += 1
                        os.makedirs("mutation-failures", exist_ok=True)
                        keep = os.path.join("mutation-failures", f"s{seed}_{base}_{k}{ext}")
                        shutil.copy(path, keep)
                        open(keep + ".stderr", "wb").write(err)
                        print(f"seed {seed}: {keep}: exit {code}")
                    os.remove(path)
            print(f"seed {seed}: {count} copies scanned")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

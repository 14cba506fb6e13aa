#!/usr/bin/env bash
# Compares trawl with ripgrep on the standard benchmark corpus.
#
#   benches/compare.sh                # 1 GiB corpus
#   benches/compare.sh --size 200M    # smaller run
#   benches/compare.sh --runs 5 --data /path/to/existing/corpus
#   benches/compare.sh --pgo          # trawl built by scripts/build-pgo
#   benches/compare.sh --size 100M --density-kib 0.25   # dense in findings
#
# Generates data with ../shared/bench/gen_corpus.py (deterministic, seed 42;
# one planted value per 10 KiB, or per --density-kib KiB),
# builds trawl in release mode, then times trawl (every built-in rule, with
# validation) and ripgrep (9 equivalent patterns) on the same files, warm
# cache, with hyperfine: single-threaded (-j1 for both) and with all cores,
# in rounds that run each of the four commands once in turn.
# Prints MB/s per core, the trawl/ripgrep time ratio, trawl's scaling (with
# its CPU time) and peak RSS (from /usr/bin/time -v). Installs ripgrep,
# hyperfine and GNU time if missing.
set -euo pipefail

SIZE=1G
RUNS=3
DATA=""
PGO=0
DENSITY=""
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --pgo) PGO=1; shift ;;
        --density-kib) DENSITY="$2"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2..." >&2
    if command -v apt-get >/dev/null 2>&1; then
        (apt-get install -y "$2" >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null 2>&1)) && return 0
    fi
    # The newest release first; if it needs a newer Rust than the one
    # installed, the last release known to build with an older one.
    case "$1" in
        rg) cargo install --locked ripgrep || cargo install --locked ripgrep --version 15.2.0 ;;
        hyperfine) cargo install --locked hyperfine || cargo install --locked hyperfine --version 1.20.0 ;;
        *) echo "please install $2" >&2; exit 2 ;;
    esac
}
need rg ripgrep
need hyperfine hyperfine
[ -x /usr/bin/time ] || need /usr/bin/time time

if [ -z "$DATA" ]; then
    DATA="$ROOT/bench-data/corpus_$SIZE${DENSITY:+_density_$DENSITY}"
    if [ ! -d "$DATA" ]; then
        mkdir -p "$ROOT/bench-data"
        python3 "$ROOT/../shared/bench/gen_corpus.py" "$DATA" --size "$SIZE" ${DENSITY:+--density-kib "$DENSITY"} >/dev/null
    fi
fi
BYTES=$(du -sb "$DATA" | cut -f1)
CORES=$(nproc)

if [ "$PGO" = 1 ]; then
    TRAWL="$("$ROOT/scripts/build-pgo")"
else
    cargo build --release --quiet
    TRAWL="$ROOT/target/release/trawl"
fi

# ripgrep's equivalent pattern set: card numbers, SSN, e-mail, phone, IBAN,
# AWS access key id, GitHub token, PEM header, JWT.
RG_PATTERNS=(
    -e '\b(?:4[0-9]{3}|5[1-5][0-9]{2}|2[2-7][0-9]{2}|6011|3[47][0-9]{2})[ -]?[0-9]{4,6}[ -]?[0-9]{4,5}(?:[ -]?[0-9]{4})?\b'
    -e '\b[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}\b'
    -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
    -e '(?:\+?[0-9]{1,3}[ .-]?)?\(?[0-9]{3}\)?[ .-]?[0-9]{3}[ .-]?[0-9]{4}\b'
    -e '\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b'
    -e '\b(?:AKIA|ASIA)[A-Z2-7]{16}\b'
    -e '\bgh[pousr]_[A-Za-z0-9]{36}\b'
    -e '-----BEGIN [A-Z ]*PRIVATE KEY-----'
    -e '\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+'
)
printf '%q ' "${RG_PATTERNS[@]}" > "$ROOT/bench-data/rg-patterns.args"
# Exit status 1 is "found something" for both tools; 2 (an error, a file
# not scanned) fails the benchmark instead of timing a partial scan.
rg_cmd() { echo "rg --no-ignore --hidden -c $1 $(cat "$ROOT/bench-data/rg-patterns.args") '$DATA' > /dev/null; test \$? -le 1"; }
trawl_cmd() { echo "'$TRAWL' scan -q -f jsonl $1 '$DATA' > /dev/null; test \$? -le 1"; }

OUT="$ROOT/bench-data/compare.json"
# Rounds: each round times every command once, in turn, so that the
# machine's drift (its speed varies from minute to minute) weighs on all of
# them alike and the ratios compare like with like.
rm -f "$OUT".round*
for round in $(seq "$RUNS"); do
    warm=(); [ "$round" = 1 ] && warm=(--warmup 1)
    hyperfine "${warm[@]}" --runs 1 --export-json "$OUT.round$round" \
        -n "trawl j1" "$(trawl_cmd -j1)" \
        -n "rg j1" "$(rg_cmd -j1)" \
        -n "trawl all" "$(trawl_cmd "")" \
        -n "rg all" "$(rg_cmd "")" >/dev/null
done

rss() { { /usr/bin/time -v bash -c "$1" 2>&1 || true; } | awk -F': ' '/Maximum resident set size/ {print $2}'; }
TRAWL_RSS_1=$(rss "$(trawl_cmd -j1)")
TRAWL_RSS_N=$(rss "$(trawl_cmd "")")
RG_RSS_1=$(rss "$(rg_cmd -j1)")
RG_RSS_N=$(rss "$(rg_cmd "")")

BUILD=$([ "$PGO" = 1 ] && echo "release with PGO (scripts/build-pgo)" || echo "release")
python3 - "$OUT" "$BYTES" "$CORES" "$TRAWL_RSS_1" "$TRAWL_RSS_N" "$RG_RSS_1" "$RG_RSS_N" "$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}')" "$BUILD" "$(rg --version | head -1)" <<'PY'
import glob, json, statistics, sys
out, nbytes, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rss = dict(zip(["trawl j1", "trawl all", "rg j1", "rg all"], sys.argv[4:8]))
cpu, build, rg_version = sys.argv[8], sys.argv[9], sys.argv[10]
times, cpu_times = {}, {}
for path in sorted(glob.glob(f"{out}.round*")):
    for r in json.load(open(path))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
        cpu_times.setdefault(r["command"], []).append(r["user"] + r["system"])
rows = {c: (statistics.mean(t), statistics.stdev(t) if len(t) > 1 else 0.0) for c, t in times.items()}
mb = nbytes / 1e6
print(f"data: {mb:.0f} MB ({nbytes} bytes), machine: {cpu}, {cores} cores, trawl build: {build}, {rg_version}")
print(f"{'run':<10} {'threads':>7} {'time s':>9} {'MB/s':>8} {'MB/s/core':>10} {'peak RSS':>10}")
for tool in ["trawl", "rg"]:
    for label, threads in [("j1", 1), ("all", cores)]:
        mean, sd = rows[f"{tool} {label}"]
        print(f"{tool:<10} {threads:>7} {mean:>6.3f}±{sd:<.2f} {mb/mean:>8.0f} {mb/mean/threads:>10.0f} {int(rss[f'{tool} {label}'])/1024:>7.0f} MiB")
for label in ["j1", "all"]:
    t, r = rows[f"trawl {label}"][0], rows[f"rg {label}"][0]
    print(f"trawl/rg time ratio ({label}): {t/r:.2f} ({'trawl faster' if t < r else 'ripgrep faster'})")
t1, tn = rows["trawl j1"][0], rows["trawl all"][0]
c1, cn = (statistics.mean(cpu_times[f"trawl {label}"]) for label in ["j1", "all"])
print(f"trawl scaling {cores} threads vs 1: {t1/tn:.2f}x (CPU time {c1:.2f} s on 1 thread, {cn:.2f} s on {cores})")
# Within a round the four commands ran a few seconds apart: per-round
# ratios are least affected by the machine's drift, and their median by a
# round where something else ran.
per_round = list(zip(*(times[c] for c in ["trawl j1", "rg j1", "trawl all", "rg all"])))
if len(per_round) > 1:
    fmt = lambda xs: ", ".join(f"{x:.2f}" for x in xs) + f" (median {statistics.median(xs):.2f})"
    print("per round, trawl/rg time ratio (j1):", fmt([a / b for a, b, _, _ in per_round]))
    print(f"per round, trawl scaling {cores} threads vs 1:", fmt([a / c for a, _, c, _ in per_round]))
PY

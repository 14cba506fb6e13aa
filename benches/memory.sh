#!/usr/bin/env bash
# Peak memory and throughput of trawl on large inputs.
#
#   benches/memory.sh              # full sizes (needs about 16 GB of disk)
#   benches/memory.sh --scale 10   # every input 10 times smaller
#   benches/memory.sh --only csv,jsonl,json
#   benches/memory.sh --only dense,slow
#
# Inputs, built under bench-data/memory-SCALE/ from the standard benchmark corpus
# (../shared/bench/gen_corpus.py, seed 42) and kept between runs:
#   big.log      one 10 GiB log file (the corpus's app-server.log repeated)
#   small/       a directory of 100,000 small files (gen_corpus --files 100000)
#   big.csv      a 2 GB CSV export (orders-export.csv's rows repeated)
#   big.jsonl    a 2 GB JSONL file (events.jsonl repeated)
#   big.json     the same records as one JSON document (an array, one
#                record per line)
#   big.parquet  10 million rows (benches/gen_parquet.rs, the parquet writer)
#   log.gz       1 GiB of the log, gzip -1: decompressed on a second thread
#                while it is scanned (MB/s here are of the compressed bytes)
#   dense.log    a 1 GB log whose every line holds an SSN and an e-mail
#                address (generated here, fixed seed): memory must not grow
#                with the number of findings
#   slow         dense.log again, its output piped to a reader that waits
#                10 s before reading: the scan must wait for the reader
#                rather than hold the findings (time and MB/s include the wait)
#
# For each it prints the wall time, the CPU time (user + system), MB/s, MB/s
# per core (bytes over CPU time: a large plain-text, JSONL, JSON or CSV file
# is split among the threads, and so are Parquet row groups) and peak RSS
# (/usr/bin/time -v), with all cores and with one thread; for the CSV, JSONL
# and JSON files also the same bytes scanned as plain text (--text), and the
# ratio of structured to plain-text throughput.
set -euo pipefail

SCALE=1
ONLY="log,small,csv,jsonl,json,parquet,gz,dense,slow"
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE="$2"; shift 2 ;;
        --only) ONLY="$2"; shift 2 ;;
        -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ -x /usr/bin/time ] || { echo "please install GNU time (/usr/bin/time)" >&2; exit 2; }

DIR="$ROOT/bench-data/memory-$SCALE"
SRC="$ROOT/bench-data/corpus_1G"
mkdir -p "$DIR"
if [ ! -d "$SRC" ]; then
    python3 "$ROOT/../shared/bench/gen_corpus.py" "$SRC" --size 1G >/dev/null
fi

cargo build --release --quiet
TRAWL="$ROOT/target/release/trawl"
CORES=$(nproc)

# repeat SRC_FILE TARGET_BYTES OUT [skip-header]: OUT holds SRC_FILE's lines
# (its header once) until it reaches TARGET_BYTES.
repeat() {
    python3 - "$@" <<'PY'
import sys
src, target, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
skip_header = len(sys.argv) > 4
data = open(src, "rb").read()
header = b""
if skip_header:
    nl = data.index(b"\n") + 1
    header, data = data[:nl], data[nl:]
with open(out, "wb") as f:
    f.write(header)
    n = len(header)
    while n < target:
        chunk = data[: target - n]
        f.write(chunk)
        n += len(chunk)
PY
}

G=$((1000 * 1000 * 1000))
if want log && [ ! -f "$DIR/big.log" ]; then
    repeat "$SRC/big/app-server.log" $((10 * 1024 * 1024 * 1024 / SCALE)) "$DIR/big.log"
fi
if want csv && [ ! -f "$DIR/big.csv" ]; then
    repeat "$SRC/big/orders-export.csv" $((2 * G / SCALE)) "$DIR/big.csv" header
fi
if want jsonl && [ ! -f "$DIR/big.jsonl" ]; then
    repeat "$SRC/big/events.jsonl" $((2 * G / SCALE)) "$DIR/big.jsonl"
fi
if want json && [ ! -f "$DIR/big.json" ]; then
    [ -f "$DIR/big.jsonl" ] || repeat "$SRC/big/events.jsonl" $((2 * G / SCALE)) "$DIR/big.jsonl"
    # The JSONL lines as the elements of one array.
    python3 - "$DIR/big.jsonl" "$DIR/big.json" <<'PY'
import sys
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as out:
    out.write(b"[\n")
    first = True
    for line in src:
        line = line.strip()
        if line:
            out.write((b"" if first else b",\n") + b"  " + line)
            first = False
    out.write(b"\n]\n")
PY
fi
if want small && [ ! -d "$DIR/small" ]; then
    python3 "$ROOT/../shared/bench/gen_corpus.py" "$DIR/small" --size $((400 / SCALE))M \
        --files $((100000 / SCALE)) >/dev/null
    rm -rf "$DIR/small/big" # keep only the small files
fi
if want gz && [ ! -f "$DIR/log.gz" ]; then
    repeat "$SRC/big/app-server.log" $((1024 * 1024 * 1024 / SCALE)) "$DIR/log.1g"
    gzip -1 -c "$DIR/log.1g" >"$DIR/log.gz"
    rm -f "$DIR/log.1g"
fi
if { want dense || want slow; } && [ ! -f "$DIR/dense.log" ]; then
    python3 - $((G / SCALE)) "$DIR/dense.log" <<'PY'
import random, sys
target, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
with open(out, "w") as f:
    n = 0
    while n < target:
        line = "2026-01-01T00:00:00Z user=%d ssn=536-22-%04d email=user%d@example.com note=%s\n" % (
            rng.randrange(10**6), rng.randrange(10**4), rng.randrange(10**6), "x" * rng.randrange(200))
        f.write(line)
        n += len(line)
PY
fi
if want parquet && [ ! -f "$DIR/big.parquet" ]; then
    cargo run --release --quiet --example gen_parquet -- "$DIR/big.parquet" $((10000000 / SCALE))
fi

printf '%-34s %7s %8s %8s %8s %10s %10s\n' "input" "threads" "time s" "CPU s" "MB/s" "MB/s/core" "peak RSS"
# measure LABEL THREADS PATH [trawl flags...]: prints one row, sets LAST_SECS.
# A size in the labels: the full-size input's, divided by the scale.
size() { python3 -c "n = $1 / $SCALE; print(f'{n / 1024:g} GiB' if '$2' == 'MiB' and n >= 1024 else f'{n / 1000:g} GB' if n >= 1000 else f'{n:.3g} $2')"; }

measure() {
    local label="$1" threads="$2" path="$3"
    shift 3
    local bytes log
    bytes=$(du -sb "$path" | cut -f1)
    log=$(mktemp)
    # Warm the page cache so that the figures measure trawl, not the disk.
    cat "$path" >/dev/null 2>&1 || find "$path" -type f -exec cat {} + >/dev/null
    if [ "${SLOW_READER:-0}" = 1 ]; then
        /usr/bin/time -v "$TRAWL" scan -q -f jsonl -j "$threads" "$@" "$path" 2>"$log" | (sleep 10; cat >/dev/null) || true
    else
        /usr/bin/time -v "$TRAWL" scan -q -f jsonl -o /dev/null -j "$threads" "$@" "$path" 2>"$log" || true
    fi
    local secs rss cpu status
    # 1 is "found something"; 2 means a file was not scanned: no figure then.
    status=$(awk -F': ' '/Exit status/ {print $2}' "$log")
    if [ "${status:-0}" -gt 1 ]; then
        echo "$label: trawl exited with status $status (something was not scanned):" >&2
        grep -v '^\s' "$log" | head -5 >&2
        rm -f "$log"
        exit 1
    fi
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$log")
    rm -f "$log"
    LAST_SECS=$secs
    python3 -c "
b, s, c, t, r = $bytes, $secs, $cpu, $threads, $rss
print(f'{\"$label\":<34} {t:>7} {s:>8.2f} {c:>8.2f} {b/1e6/s:>8.0f} {b/1e6/c:>10.0f} {r/1024:>6.0f} MiB')"
}

if want log; then
    measure "$(size 10240 MiB) log file" "$CORES" "$DIR/big.log"
    measure "$(size 10240 MiB) log file" 1 "$DIR/big.log"
fi
if want small; then
    measure "$((100000 / SCALE)) small files" "$CORES" "$DIR/small"
    measure "$((100000 / SCALE)) small files" 1 "$DIR/small"
fi
for kind in csv jsonl json; do
    want "$kind" || continue
    measure "$(size 2000 MB) $kind" "$CORES" "$DIR/big.$kind"
    measure "$(size 2000 MB) $kind" 1 "$DIR/big.$kind"
    structured=$LAST_SECS
    measure "$(size 2000 MB) $kind as plain text (--text)" 1 "$DIR/big.$kind" --text
    python3 -c "print(f'  $kind throughput / plain-text throughput: {$LAST_SECS / $structured:.2f}')"
done
if want gz; then
    measure "$(size 1024 MiB) log, gzip -1 ($(du -m "$DIR/log.gz" | cut -f1) MB)" "$CORES" "$DIR/log.gz"
    measure "$(size 1024 MiB) log, gzip -1" 1 "$DIR/log.gz"
fi
if want dense; then
    measure "$(size 1000 MB) findings-dense log" "$CORES" "$DIR/dense.log"
    measure "$(size 1000 MB) findings-dense log" 1 "$DIR/dense.log"
fi
if want slow; then
    SLOW_READER=1 measure "dense log, output read after 10 s" "$CORES" "$DIR/dense.log"
fi
if want parquet; then
    measure "Parquet, $((10000000 / SCALE)) rows" "$CORES" "$DIR/big.parquet"
    measure "Parquet, $((10000000 / SCALE)) rows" 1 "$DIR/big.parquet"
fi

#!/usr/bin/env bash
# Times `trawl scan` of one generated corpus read from a local S3-compatible
# server (examples/s3_server.rs: s3s-fs on 127.0.0.1) and from local disk,
# and prints MB/s both ways.
#
#   benches/s3_vs_local.sh [--size 100M] [--runs 3]
#
# Environment: FEATURES (cargo features to build, default "s3"),
# CARGO_TARGET_DIR (as usual). Uses hyperfine when installed, else `time`.
# The corpus comes from ../shared/bench/gen_corpus.py (relative to the repo).
set -euo pipefail

size=100M
runs=3
while [ $# -gt 0 ]; do
    case "$1" in
        --size) size=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: $0 [--size 100M] [--runs 3]" >&2; exit 2 ;;
    esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
# ../shared beside the repository (or beside the directory holding a git worktree of it).
gen=${GEN_CORPUS:-}
for d in ../shared ../../shared; do
    [ -z "$gen" ] && [ -f "$d/bench/gen_corpus.py" ] && gen=$d/bench/gen_corpus.py
done
[ -n "$gen" ] || { echo "missing ../shared/bench/gen_corpus.py (or set GEN_CORPUS)" >&2; exit 2; }
target=${CARGO_TARGET_DIR:-$repo/target}
features=${FEATURES:-s3}

work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "== building (release, features: $features)"
cargo build --release --locked --no-default-features --features "$features" --bin trawl --example s3_server >&2
trawl=$target/release/trawl
server=$target/release/examples/s3_server

echo "== generating a $size corpus"
python3 "$gen" "$work/corpus" --size "$size" >&2
bytes=$(du -sb "$work/corpus" | cut -f1)
files=$(find "$work/corpus" -type f | wc -l)

# The server's store: one bucket holding the same files (s3s-fs serves a directory as a bucket).
mkdir -p "$work/s3root/bench"
cp -r "$work/corpus/." "$work/s3root/bench/"

export AWS_ACCESS_KEY_ID=AKIDTRAWLBENCH000001 AWS_SECRET_ACCESS_KEY=trawl-bench-secret AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
"$server" "$work/s3root" 0 "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" > "$work/server.url" &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/server.url" ] && break; sleep 0.1; done
url=$(head -1 "$work/server.url")
[ -n "$url" ] || { echo "the S3 server did not start" >&2; exit 1; }

# The rules in patterns/ (the same as the built-in set).
common="scan --no-builtin-rules --rules $repo/patterns --no-progress --quiet --format jsonl --output /dev/null"
local_cmd="$trawl $common $work/corpus"
s3_cmd="$trawl $common s3://bench/ --endpoint-url $url --path-style"

# Both must find the same number of findings before anything is timed.
count() { $trawl scan --no-builtin-rules --rules "$repo/patterns" --no-progress --quiet --format jsonl "$@" | wc -l; }
n_local=$(count "$work/corpus" || true)
n_s3=$(count s3://bench/ --endpoint-url "$url" --path-style || true)
echo "== $files files, $bytes bytes; findings: local $n_local, s3 $n_s3"
[ "$n_local" = "$n_s3" ] || { echo "different findings: not timing" >&2; exit 1; }

mbps() { python3 -c "import sys; print(f'{$bytes / float(sys.argv[1]) / 1e6:.1f}')" "$1"; }
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs "$runs" -i --export-json "$work/times.json" \
        -n local "$local_cmd" -n s3 "$s3_cmd" >&2
    read -r t_local t_s3 < <(python3 -c "
import json; r = {x['command']: x['mean'] for x in json.load(open('$work/times.json'))['results']}
print(r['local'], r['s3'])")
else
    t() { local s e; s=$(date +%s.%N); eval "$1" || true; e=$(date +%s.%N); python3 -c "print($e - $s)"; }
    eval "$local_cmd" || true
    t_local=$(t "$local_cmd")
    t_s3=$(t "$s3_cmd")
fi
printf 'local disk: %6.2f s  %8s MB/s\n' "$t_local" "$(mbps "$t_local")"
printf 'local S3:   %6.2f s  %8s MB/s\n' "$t_s3" "$(mbps "$t_s3")"

#!/usr/bin/env bash
# Scans the deterministic benchmark corpora (../shared/bench/gen-corpus) of 1k, 10k and 100k
# objects with every rule on, and prints wall time, objects per second and peak memory (RSS).
# Usage: hack/bench-scan.sh [SIZES...]   (default: 1000 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
gen=../shared/bench/gen-corpus
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1000 10000 100000); fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
bin=$(mktemp -d)/palisade
go build -o "$bin" ./cmd/palisade
cache=${TMPDIR:-/tmp}
printf '%-8s %10s %12s %12s\n' objects seconds objects/s peak-MiB
for n in "${sizes[@]}"; do
  dir="$cache/palisade-corpus-$n"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    "$gen" "$n" "$dir" 2>/dev/null
    touch "$dir/.done"
  fi
  stats=$( { /usr/bin/time -f '%e %M' "$bin" scan "$dir" -o json --output /dev/null --fail-on none >/dev/null; } 2>&1 | tail -n 1)
  read -r secs kib <<<"$stats"
  awk -v n="$n" -v s="$secs" -v k="$kib" 'BEGIN { printf "%-8d %10.2f %12.0f %12.0f\n", n, s, n/s, k/1024 }'
done

#!/usr/bin/env bash
# Scans the deterministic benchmark corpora (package internal/testcorpus, written by
# hack/gencorpus) of 1k, 10k and 100k objects with every rule on, and prints wall time,
# objects per second and peak memory (RSS). Corpora are kept in $TMPDIR between runs.
# Usage: hack/bench-scan.sh [SIZES...]   (default: 1000 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1000 10000 100000); fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
go build -o "$tools/palisade" ./cmd/palisade
go build -o "$tools/gencorpus" ./hack/gencorpus
cache=${TMPDIR:-/tmp}
printf '%-8s %10s %12s %12s\n' objects seconds objects/s peak-MiB
for n in "${sizes[@]}"; do
  dir="$cache/palisade-testcorpus-$n"
  "$tools/gencorpus" -cached "$n" "$dir"
  stats=$( { /usr/bin/time -f '%e %M' "$tools/palisade" scan "$dir" -o json --output /dev/null --fail-on none >/dev/null; } 2>&1 | tail -n 1)
  read -r secs kib <<<"$stats"
  awk -v n="$n" -v s="$secs" -v k="$kib" 'BEGIN { printf "%-8d %10.2f %12.0f %12.0f\n", n, s, n/s, k/1024 }'
done

#!/usr/bin/env bash
# Scans the deterministic benchmark corpora (package internal/testcorpus, written by
# hack/gencorpus) of 1k, 10k and 100k objects with every rule on, and prints wall time,
# objects per second and peak memory (RSS), writing a JSON report. At the largest size it then
# times every other report format, and the scan on one core (GOMAXPROCS=1) for the speed-up
# that decoding and judging files in parallel gives. Corpora are kept in $TMPDIR between runs.
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
# run prints "SECONDS KIB" for a scan whose report is thrown away.
run() {
  /usr/bin/time -o "$tools/time" -f '%e %M' "$@" --output /dev/null --fail-on none >/dev/null
  tail -n 1 "$tools/time"
}
row() { awk -v n="$1" -v what="$2" -v s="$3" -v k="$4" 'BEGIN { printf "%-8d %-18s %10.2f %12.0f %12.0f\n", n, what, s, n/s, k/1024 }'; }
printf '%-8s %-18s %10s %12s %12s\n' objects report seconds objects/s peak-MiB
for n in "${sizes[@]}"; do
  dir="$cache/palisade-testcorpus-$n"
  "$tools/gencorpus" -cached "$n" "$dir"
  read -r secs kib <<<"$(run "$tools/palisade" scan "$dir" -o json)"
  row "$n" json "$secs" "$kib"
done
n=${sizes[-1]}
dir="$cache/palisade-testcorpus-$n"
for format in text sarif junit; do
  read -r secs kib <<<"$(run "$tools/palisade" scan "$dir" -o "$format")"
  row "$n" "$format" "$secs" "$kib"
done
read -r two _ <<<"$(run "$tools/palisade" scan "$dir" -o json)"
read -r one kib <<<"$(GOMAXPROCS=1 run "$tools/palisade" scan "$dir" -o json)"
row "$n" "json, 1 core" "$one" "$kib"
awk -v one="$one" -v two="$two" -v p="$(nproc)" 'BEGIN { printf "speed-up of %d cores over 1: %.2fx\n", p, one/two }'

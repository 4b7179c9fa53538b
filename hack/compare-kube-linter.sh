#!/usr/bin/env bash
# Times `palisade scan` and kube-linter side by side on the same generated benchmark corpus
# (package internal/testcorpus, written by hack/gencorpus and kept in $TMPDIR between runs),
# each writing a JSON report, and prints wall time, peak memory (RSS) and the ratio of the two.
#
# kube-linter is whichever binary is on PATH (or $KUBE_LINTER); when there is none, the script
# says so and exits 0, so that `make bench` runs on any machine. $KUBE_LINTER_ARGS replaces its
# default arguments (`lint --format json`), for instance to add `--add-all-built-in`.
# Usage: hack/compare-kube-linter.sh [SIZES...]   (default: 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
linter=${KUBE_LINTER:-$(command -v kube-linter || true)}
if [ -z "$linter" ]; then
  echo "compare-kube-linter: no kube-linter on PATH (or in \$KUBE_LINTER): comparison skipped" >&2
  exit 0
fi
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(10000 100000); fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package: time)" >&2; exit 2; }
read -r -a linter_args <<<"${KUBE_LINTER_ARGS:-lint --format json}"
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
go build -o "$tools/palisade" ./cmd/palisade
go build -o "$tools/gencorpus" ./hack/gencorpus
cache=${TMPDIR:-/tmp}

# measure prints "SECONDS KIB" for a command whose output is thrown away; a tool that finds
# problems exits non-zero, which is not a failure here.
measure() {
  /usr/bin/time -o "$tools/time" -f '%e %M' "$@" >/dev/null 2>&1 || true
  tail -n 1 "$tools/time"
}

echo "kube-linter: $("$linter" version 2>/dev/null || echo unknown version)"
printf '%-8s %-12s %10s %10s\n' objects tool seconds peak-MiB
for n in "${sizes[@]}"; do
  dir="$cache/palisade-testcorpus-$n"
  "$tools/gencorpus" -cached "$n" "$dir"
  read -r ps pk <<<"$(measure "$tools/palisade" scan "$dir" -o json --output /dev/null --fail-on none)"
  read -r ls lk <<<"$(measure "$linter" "${linter_args[@]}" "$dir")"
  awk -v n="$n" -v s="$ps" -v k="$pk" 'BEGIN { printf "%-8d %-12s %10.2f %10.0f\n", n, "palisade", s, k/1024 }'
  awk -v n="$n" -v s="$ls" -v k="$lk" 'BEGIN { printf "%-8d %-12s %10.2f %10.0f\n", n, "kube-linter", s, k/1024 }'
  awk -v ps="$ps" -v pk="$pk" -v ls="$ls" -v lk="$lk" \
    'BEGIN { printf "%-8s %-12s %9.1fx %9.1fx   (kube-linter / palisade)\n", "", "ratio", ls/ps, lk/pk }'
done

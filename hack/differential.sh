#!/usr/bin/env bash
# Differential run: builds palisade at a base revision and from the work tree, runs both on the
# same inputs and diffs their reports. A change of shape must leave every report identical.
#
# Inputs: the rule catalog (palisade rules -o json and -o markdown); palisade scan -o json on
# examples/, every testdata folder and the generated 10,000-object corpus (hack/gencorpus); palisade node -o json --show-passed on every node test
# tree and on the node trees of hack/differential/nodes (each a root, with its proc/ as the
# host's /proc when it has one, so that processes with flags and environment are read too).
#
# Usage: hack/differential.sh [BASE]   (default: main)
# Exit status: 0 when every report is identical, 1 when one differs (the diff is printed).
# The base binary and its outputs are kept in $TMPDIR/palisade-differential/<commit>: the base
# runs once per input (an input added later, a new fixture, is run by the base then).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-main}
commit=$(git rev-parse --verify "$base^{commit}")
cache=${TMPDIR:-/tmp}/palisade-differential/$commit
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$cache/palisade" ]; then
  mkdir -p "$cache/src"
  git archive "$commit" | tar -x -C "$cache/src"
  (cd "$cache/src" && go build -o "$cache/palisade" ./cmd/palisade)
  rm -rf "$cache/src"
fi
go build -o "$work/palisade" ./cmd/palisade
go build -o "$work/gencorpus" ./hack/gencorpus
corpus=${TMPDIR:-/tmp}/palisade-testcorpus-10000
"$work/gencorpus" -cached 10000 "$corpus"

# The node trees.
nodes=()
for tree in internal/source/node/testdata/* internal/kubeletconfig/testdata/* hack/differential/nodes/*; do
  [ -d "$tree" ] || continue
  nodes+=("$tree")
done
empty="$work/empty-proc"
mkdir -p "$empty"

# report BINARY OUT NAME ARGS... writes one report (standard output in OUT/NAME.json, standard
# error and a failing exit status in OUT/NAME.err) unless OUT already holds it.
report() {
  local bin=$1 out=$2 name=$3
  shift 3
  [ -f "$out/$name.json" ] && return
  "$bin" "$@" >"$out/$name.json.tmp" 2>"$out/$name.err" || echo "exit $?" >>"$out/$name.err"
  # Reports carry the time a node was audited; everything else is deterministic.
  sed -i -E 's/"(scannedAt|generatedAt|startedAt|finishedAt|duration)": *"[^"]*"/"\1": "-"/g' "$out/$name.json.tmp"
  mv "$out/$name.json.tmp" "$out/$name.json"
}

# run BINARY OUTDIR writes every report of one binary.
run() {
  local bin=$1 out=$2 tree proc
  mkdir -p "$out"
  report "$bin" "$out" rules-json rules -o json
  report "$bin" "$out" rules-markdown rules -o markdown
  for dir in examples/* $(find internal -type d -name testdata -prune | sort); do
    [ -d "$dir" ] || continue
    report "$bin" "$out" "scan-$(echo "$dir" | tr / _)" scan "$dir" -o json --fail-on none
  done
  report "$bin" "$out" scan-corpus-10000 scan "$corpus" -o json --fail-on none
  for tree in "${nodes[@]}"; do
    proc=$empty
    [ -d "$tree/proc" ] && proc=$tree/proc
    report "$bin" "$out" "node-$(echo "$tree" | tr / _)" node --root "$tree" --proc "$proc" \
      --hostname differential --show-passed -o json --fail-on none
  done
}

run "$cache/palisade" "$cache/out"
run "$work/palisade" "$work/new"
# Compare only what the work tree produced: the base's cache may hold inputs since removed.
mkdir -p "$work/base"
for f in "$work/new"/*; do cp "$cache/out/$(basename "$f")" "$work/base/"; done
if diff -ru "$work/base" "$work/new"; then
  echo "differential: $(ls "$work/new" | wc -l) files identical to $base ($commit)"
else
  echo "differential: reports differ from $base ($commit)" >&2
  exit 1
fi

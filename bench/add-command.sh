#!/usr/bin/env bash
# Benchmark: `qga-forge add-command` of the statvfs example on a workspace of
# the real QEMU 7.2 tree (the el7 fixture src.rpm), ROUNDS times each:
#   - without the generator cross-check (--no-generator-check): budget 100 ms
#   - with it (the tree's own scripts/qapi-gen.py runs on a copy)
# Each round is undone with remove-command (not timed). Prints the median of
# each, the first as a ratio of its 100 ms budget, and (from add-command -v)
# the median time of each step, to show which part of the work costs what.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-7}
QGA_FORGE=${QGA_FORGE:-$PWD/qga-forge}
SRPM=${1:-$(tests/fixtures/mk-el7-srpm.sh 2>/dev/null)}
EX=$PWD/examples
export QGA_FORGE_DATADIR=${QGA_FORGE_DATADIR:-$PWD}
work=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

"$QGA_FORGE" init -q -w "$work/ws" "$SRPM" >/dev/null
add() {
	"$QGA_FORGE" add-command -v -w "$work/ws" "$@" \
		"$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c" >/dev/null
}
undo() { "$QGA_FORGE" remove-command -q -w "$work/ws" guest-get-statvfs; }

fast=() full=()
for _ in $(seq "$ROUNDS"); do
	t0=$(now_ms); add --no-generator-check 2>>"$work/steps"; t1=$(now_ms); undo
	fast+=($((t1 - t0)))
	t0=$(now_ms); add 2>/dev/null; t1=$(now_ms); undo
	full+=($((t1 - t0)))
done

f=$(printf '%s\n' "${fast[@]}" | median)
g=$(printf '%s\n' "${full[@]}" | median)
echo "add-command on QEMU $(cat "$work/ws/src/VERSION"), median of $ROUNDS:"
echo "  without generator check: ${f} ms  (budget 100 ms, ratio $(awk "BEGIN {printf \"%.2f\", $f / 100}"))"
echo "  with generator check:    ${g} ms  (generator share $(awk "BEGIN {printf \"%.0f%%\", ($g - $f) * 100 / ($g ? $g : 1)}"))"
echo "  steps without the generator (median ms):"
python3 - "$work/steps" <<'PY'
import re, statistics, sys
steps = {}
for line in open(sys.argv[1]):
    m = re.match(r"qga-forge: add-command: ([0-9.]+) ms (.*)", line)
    if m:
        steps.setdefault(m.group(2), []).append(float(m.group(1)))
for name, times in steps.items():
    print("    %7.1f  %s" % (statistics.median(times), name))
PY

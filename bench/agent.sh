#!/usr/bin/env bash
# Benchmark: the developer's loop. After a one-line change to a handler,
# `qga-forge agent` (the spec's own %build, incrementally, on a mirror of the
# work tree) against a full `rpmbuild -bb` of the same spec, in the same run.
# Prints both and the ratio (target <= 0.4).
set -euo pipefail
cd "$(dirname "$0")/.."
QGA_FORGE=${QGA_FORGE:-$PWD/qga-forge}
SRPM=${1:-$(tests/fixtures/mk-el7-srpm.sh 2>/dev/null)}
work=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }

"$QGA_FORGE" init -q -w "$work/ws" "$SRPM" >/dev/null
"$QGA_FORGE" add-command -q -w "$work/ws" examples/statvfs/statvfs.qapi \
	--handler examples/statvfs/statvfs.c >/dev/null
echo "warming up: first agent build (configure + full compile)"
"$QGA_FORGE" agent -q -w "$work/ws" >/dev/null

# The one-line change: a different error message in the new handler.
f=$work/ws/src/qga/commands-posix.c
sed -i '0,/cannot get the statistics of/s//cannot read the statistics of/' "$f"
grep -q 'cannot read the statistics of' "$f" || echo "x" >>"$f"

t0=$(now)
"$QGA_FORGE" agent -q -w "$work/ws" >/dev/null
t1=$(now)
inc=$(awk "BEGIN {printf \"%.2f\", $t1 - $t0}")

spec=$(ls "$work"/ws/rpmbuild/SPECS/*.spec)
t0=$(now)
rpmbuild -bb --nodeps --define "_topdir $work/full" --define "_sourcedir $work/ws/rpmbuild/SOURCES" \
	"$spec" >"$work/full.log" 2>&1
t1=$(now)
full=$(awk "BEGIN {printf \"%.2f\", $t1 - $t0}")

printf 'qga-forge agent after a one-line change: %6.2f s\n' "$inc"
printf 'full rpmbuild -bb:                       %6.2f s\n' "$full"
printf 'ratio agent/full: %.2f (target <= 0.40)\n' "$(awk "BEGIN {print $inc / $full}")"

#!/usr/bin/env bash
# Benchmark: `qga-forge init` against the manual routine it replaces
# (rpm -i into a private topdir, rpmbuild -bp, cp -r of the prepared tree,
# git init && git add -A && git commit), on the QEMU 7.2 fixture src.rpm.
# Both run in the same invocation, alternating, ROUNDS times each; prints the
# median of each and the ratio init/manual. Target: ratio <= 0.6.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
QGA_FORGE=${QGA_FORGE:-$PWD/qga-forge}
SRPM=${1:-$(tests/fixtures/mk-el7-srpm.sh 2>/dev/null)}
work=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

manual() {
	local d=$1
	mkdir -p "$d"
	rpm -i --define "_topdir $d/rpmbuild" "$SRPM" 2>/dev/null
	rpmbuild -bp --nodeps --define "_topdir $d/rpmbuild" "$d"/rpmbuild/SPECS/*.spec >/dev/null 2>&1
	cp -r "$d"/rpmbuild/BUILD/*/ "$d/src"
	(cd "$d/src" && git init -q && git add -A &&
		git -c user.name=bench -c user.email=bench@localhost commit -qm baseline)
}

forge() {
	"$QGA_FORGE" init -q -w "$1" "$SRPM" >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

m_times=() f_times=()
for i in $(seq "$ROUNDS"); do
	sync
	t0=$(now); manual "$work/m$i"; t1=$(now)
	m_times+=("$(awk "BEGIN {print $t1 - $t0}")")
	rm -rf "$work/m$i"
	sync
	t0=$(now); forge "$work/f$i"; t1=$(now)
	f_times+=("$(awk "BEGIN {print $t1 - $t0}")")
	rm -rf "$work/f$i"
done
m=$(printf '%s\n' "${m_times[@]}" | median)
f=$(printf '%s\n' "${f_times[@]}" | median)
printf 'manual steps:    %6.2f s (median of %d: %s)\n' "$m" "$ROUNDS" "${m_times[*]}"
printf 'qga-forge init:  %6.2f s (median of %d: %s)\n' "$f" "$ROUNDS" "${f_times[*]}"
printf 'ratio init/manual: %.2f (target <= 0.60)\n' "$(awk "BEGIN {print $f / $m}")"

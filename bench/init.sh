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

# Each timed run starts from the same state: earlier rounds' dirty pages
# written out and, where allowed, the page cache dropped.
settle() {
	sync
	if [ -w /proc/sys/vm/drop_caches ]; then echo 3 >/proc/sys/vm/drop_caches; fi
	sleep 1
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

m_times=() f_times=()
time_manual() {
	settle
	t0=$(now); manual "$work/m$1"; t1=$(now)
	m_times+=("$(awk "BEGIN {print $t1 - $t0}")")
	rm -rf "$work/m$1"
}
time_forge() {
	settle
	t0=$(now); forge "$work/f$1"; t1=$(now)
	f_times+=("$(awk "BEGIN {print $t1 - $t0}")")
	rm -rf "$work/f$1"
}
# Alternate which goes first, so neither always pays for the other's writeback.
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then time_manual "$i"; time_forge "$i"
	else time_forge "$i"; time_manual "$i"; fi
done
m=$(printf '%s\n' "${m_times[@]}" | median)
f=$(printf '%s\n' "${f_times[@]}" | median)
printf 'manual steps:    %6.2f s (median of %d: %s)\n' "$m" "$ROUNDS" "${m_times[*]}"
printf 'qga-forge init:  %6.2f s (median of %d: %s)\n' "$f" "$ROUNDS" "${f_times[*]}"
printf 'ratio init/manual: %.2f (target <= 0.60)\n' "$(awk "BEGIN {print $f / $m}")"

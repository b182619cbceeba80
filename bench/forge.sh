#!/usr/bin/env bash
# Benchmark: `qga-forge forge` against the manual routine it replaces, on the
# same src.rpm and command, plus a bare `rpmbuild --rebuild` of forge's own
# src.rpm (the floor: compiling the agent).
#
#   manual: rpm -i, rpmbuild -bp, cp -r, git init/add/commit, the edit,
#           git diff > SOURCES/x.patch, PatchN/%patchN added to the spec,
#           rpmbuild -bb
#   forge:  qga-forge forge SRPM --command ... -o OUT --nodeps --no-smoke
#
# The "edit" of the manual routine applies the change forge made (what a
# developer would type by hand), so both build the same agent.
# Prints the times and: forge/manual (target <= 0.95) and forge minus the
# bare rebuild (target <= 5 s).
set -euo pipefail
cd "$(dirname "$0")/.."
QGA_FORGE=${QGA_FORGE:-$PWD/qga-forge}
SRPM=${1:-$(tests/fixtures/mk-el7-srpm.sh 2>/dev/null)}
CMD=${2:-examples/statvfs/statvfs.qapi:examples/statvfs/statvfs.c}
work=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
sub() { awk "BEGIN {printf \"%.2f\", $1 - $2}"; }

t0=$(now)
"$QGA_FORGE" forge "$SRPM" --command "$CMD" -o "$work/forge" --nodeps --no-smoke -q >/dev/null
t1=$(now)
forge=$(sub "$t1" "$t0")
patchfile=$(ls "$work"/forge/workspace/rpmbuild/SOURCES/qga-forge-*.patch | head -n 1)

m=$work/manual
mkdir -p "$m"
t0=$(now)
rpm -i --define "_topdir $m/rb" "$SRPM" 2>/dev/null
rpmbuild -bp --nodeps --define "_topdir $m/rb" "$m"/rb/SPECS/*.spec >/dev/null 2>&1
cp -r "$m"/rb/BUILD/*/ "$m/src"
(cd "$m/src" && git init -q && git add -A &&
	git -c user.name=bench -c user.email=bench@localhost commit -qm baseline)
(cd "$m/src" && patch -s -p1 <"$patchfile" && git diff >"$m/rb/SOURCES/custom.patch")
spec=$(ls "$m"/rb/SPECS/*.spec)
last=$(sed -n 's/^Patch\([0-9]*\):.*/\1/p' "$spec" | sort -n | tail -n 1)
next=$((last + 1))
sed -i "0,/^Patch$last:.*/s//&\nPatch$next: custom.patch/" "$spec"
if grep -q "^%patch$last " "$spec"; then
	sed -i "0,/^%patch$last .*/s//&\n%patch$next -p1/" "$spec"
fi
rpmbuild -bb --nodeps --define "_topdir $m/rb" "$spec" >/dev/null 2>&1
t1=$(now)
manual=$(sub "$t1" "$t0")

t0=$(now)
rpmbuild --rebuild --nodeps --define "_topdir $work/bare" "$work"/forge/SRPMS/*.src.rpm >/dev/null 2>&1
t1=$(now)
bare=$(sub "$t1" "$t0")

printf 'manual routine:          %7.2f s\n' "$manual"
printf 'qga-forge forge:         %7.2f s\n' "$forge"
printf 'bare rpmbuild --rebuild: %7.2f s\n' "$bare"
printf 'forge/manual:            %7.2f (target <= 0.95)\n' "$(awk "BEGIN {print $forge / $manual}")"
printf 'forge - bare rebuild:    %7.2f s (target <= 5 s)\n' "$(sub "$forge" "$bare")"

#!/usr/bin/env bash
# Runs the test suites and prints one closing line "N passed, N failed".
#   --unit   cmocka unit tests ($UNIT_DIR/test_*, default build/tests)
#   --cli    shell tests (tests/cli/t*.sh)
#   --e2e    end-to-end tests (tests/e2e/t*.sh)
#   (none)   all three
# Exit status is non-zero when a test failed or when no test ran.
#
# With QGA_FORGE_SAN_BUILD=DIR (a build made with AddressSanitizer and
# UndefinedBehaviorSanitizer, `make check` makes build/asan): the unit tests
# of DIR/tests run too, and the command-line suites run against DIR/bin once,
# with the sanitizers' options of tests/sanitizers/env.sh, instead of once
# plain and once more sanitized (but the kill suites, see SAN_PLAIN). The end-to-end suites and the host matrix's
# chroots run the plain build.
#
# The suites run with a private TMPDIR and a mark in their environment that
# every process they start inherits. At the end, a process that carries the
# mark and still runs, or a temporary or staging directory of qga-forge left
# in that TMPDIR, counts as a failed test ("leftover processes", "leftover
# files"); the processes are killed and named.
set -u
cd "$(dirname "$0")/.." || exit 1

want_unit=1 want_cli=1 want_e2e=1
if [ $# -gt 0 ]; then
	want_unit=0 want_cli=0 want_e2e=0
	for a in "$@"; do
		case "$a" in
		--unit) want_unit=1 ;;
		--cli) want_cli=1 ;;
		--e2e) want_e2e=1 ;;
		*) echo "usage: $0 [--unit] [--cli] [--e2e]" >&2; exit 2 ;;
		esac
	done
fi
UNIT_DIR=${UNIT_DIR:-build/tests}

passed=0 failed=0 skipped=0 failed_names=()

CHECK_MARK="QGA_FORGE_CHECK_MARK=$$-$(date +%s%N)"
export "${CHECK_MARK?}"
# A run inside a run (the sanitizer suite runs the suites again) makes its
# directory beside the outer one, not inside it: socket paths under it must stay
# within the 108 bytes of sun_path.
export QGA_FORGE_CHECK_TMPBASE="${QGA_FORGE_CHECK_TMPBASE:-${TMPDIR:-/tmp}}"
CHECK_TMP=$(mktemp -d "$QGA_FORGE_CHECK_TMPBASE/qga-forge-check.XXXXXX") || exit 1
export TMPDIR="$CHECK_TMP"

SAN_BUILD=${QGA_FORGE_SAN_BUILD:-}
# The kill suites run the plain build even then: a process killed with SIGKILL
# makes no sanitizer report, their subject is the journal and the supervision
# of children, and under the sanitizers each of their hundreds of runs is
# several times slower (t6000: 12 minutes instead of 2).
SAN_PLAIN="t6000-kill t6020-kill-litter t6030-random-kill"
unit_dirs=$UNIT_DIR
if [ -n "$SAN_BUILD" ] && [ "$SAN_BUILD/tests" != "$UNIT_DIR" ]; then
	unit_dirs="$UNIT_DIR $SAN_BUILD/tests"
fi

if [ $want_unit = 1 ]; then
	for t in $(for d in $unit_dirs; do ls -d "$d"/test_* 2>/dev/null; done); do
		[ -x "$t" ] || continue
		echo "=== $t"
		log=$(mktemp)
		if [ -n "$SAN_BUILD" ] && [ "${t#"$SAN_BUILD"/}" != "$t" ]; then
			(. tests/sanitizers/env.sh && CMOCKA_MESSAGE_OUTPUT=stdout "$t") >"$log" 2>&1
		else
			CMOCKA_MESSAGE_OUTPUT=stdout "$t" >"$log" 2>&1
		fi
		rc=$?
		cat "$log"
		p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		passed=$((passed + ${p:-0}))
		failed=$((failed + ${f:-0}))
		if [ $rc -ne 0 ] && [ "${f:-0}" = 0 ]; then
			failed=$((failed + 1))
		fi
		[ $rc -eq 0 ] || failed_names+=("$t")
		rm -f "$log"
	done
fi

run_shell_suite() {
	local t log rc line p f s t0
	for t in "$@"; do
		[ -f "$t" ] || continue
		echo "=== $t"
		t0=$(date +%s)
		log=$(mktemp)
		if [ -n "$SAN_BUILD" ] && [ "${t#tests/cli/}" != "$t" ] &&
			[[ " $SAN_PLAIN " != *" $(basename "$t" .sh) "* ]]; then
			(. tests/sanitizers/env.sh && QGA_FORGE_BIN_DIR=$PWD/$SAN_BUILD/bin bash "$t") >"$log" 2>&1
		else
			bash "$t" >"$log" 2>&1
		fi
		rc=$?
		cat "$log"
		line=$(grep -E '^# .*: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
		p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
		if [ -z "$line" ]; then
			p=0 f=1 s=0
			echo "# $t ended without a summary (status $rc)"
		fi
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + ${s:-0}))
		if [ $rc -ne 0 ] && [ "$f" = 0 ]; then
			failed=$((failed + 1))
		fi
		[ $rc -eq 0 ] || failed_names+=("$t")
		echo "# $(basename "$t" .sh): $(($(date +%s) - t0)) s"
		rm -f "$log"
	done
}

[ $want_cli = 1 ] && run_shell_suite tests/cli/t*.sh
[ $want_e2e = 1 ] && run_shell_suite tests/e2e/t*.sh

# Processes that carry the mark (none of this script's own: its environment
# was fixed before it set the mark). Orphans may take a moment to go.
leftover_processes() {
	local f pid
	for f in $(env -u QGA_FORGE_CHECK_MARK grep -lsxzF "$CHECK_MARK" /proc/[0-9]*/environ); do
		pid=${f#/proc/}
		pid=${pid%/environ}
		printf '%s %s\n' "$pid" "$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)"
	done
}
left=
for _ in $(seq 100); do
	left=$(leftover_processes)
	[ -z "$left" ] && break
	sleep 0.1
done
if [ -n "$left" ]; then
	echo
	echo "leftover processes (killed now):"
	printf '%s\n' "$left" | sed 's/^/  /'
	for pid in $(printf '%s\n' "$left" | cut -d' ' -f1); do
		kill -9 "$pid" 2>/dev/null
	done
	failed=$((failed + 1))
	failed_names+=("leftover processes")
fi
# What an interrupted or careless run of qga-forge leaves (a failed suite's
# own trash directory, qga-forge-tNNNN-*, is kept on purpose).
left=$(find "$CHECK_TMP" -maxdepth 2 \( -name 'qga-forge-gen.*' -o -name 'qga-forge-smoke.*' \
	-o -name 'qga-forge-rebuild-*' -o -name '*.qga-forge-new-*' -o -name '*.qga-forge-old-*' \) \
	-print 2>/dev/null)
if [ -n "$left" ]; then
	echo
	echo "leftover files in TMPDIR:"
	printf '%s\n' "$left" | sed 's/^/  /'
	failed=$((failed + 1))
	failed_names+=("leftover files")
fi
if [ ${#failed_names[@]} -eq 0 ]; then
	rm -rf "$CHECK_TMP"
else
	echo "TMPDIR of this run kept: $CHECK_TMP"
fi

echo
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed suites: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ $failed -ne 0 ]; then
	exit 1
fi
if [ $passed -eq 0 ]; then
	echo "no test ran" >&2
	exit 1
fi
exit 0

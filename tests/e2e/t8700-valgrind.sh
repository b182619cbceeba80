#!/usr/bin/env bash
# The memory check of make check that the sanitizer build does not make: the
# unit tests with a set of command-line runs under valgrind memcheck (make
# check-valgrind). Any report fails; the run's whole output stays in the trash
# directory when it fails. (The command-line suites themselves run against the
# AddressSanitizer and UndefinedBehaviorSanitizer build: tests/run-all.sh,
# QGA_FORGE_SAN_BUILD.)
. "$(dirname "$0")/../cli/lib.sh"

mk() {
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$SRC_ROOT" --no-print-directory "$@"
}

# The last "N passed, N failed" line of a run: it must show tests and no failure.
summary_ok() {
	local line p f
	line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	[ -n "$line" ] || return 1
	p=$(sed -E 's/^(.*: )?([0-9]+) passed.*/\2/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	[ "$p" -gt 0 ] && [ "$f" -eq 0 ]
}

test_expect_success 'make check-valgrind: zero errors, zero definite leaks' '
	command -v valgrind >/dev/null &&
	mk check-valgrind >valgrind.log 2>&1 &&
	summary_ok valgrind.log ||
	{ grep -E "^not ok" -A 20 valgrind.log | head -n 60; tail -n 20 valgrind.log; false; }
'
say "# check-valgrind -> $(grep -E '^valgrind: [0-9]+ passed' "$TRASH/valgrind.log" 2>/dev/null | tail -n 1 | sed 's/^valgrind: //')"

test_done

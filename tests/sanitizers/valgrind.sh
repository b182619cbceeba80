#!/usr/bin/env bash
# The unit tests and a set of command-line runs under valgrind memcheck.
# A run passes with zero errors and zero definite leaks (memory still
# reachable at exit, such as the libraries' global state, is not counted).
#
# qga-forge forks children that run an rpm stage through librpmbuild and end
# with _exit() without freeing what librpm allocated: valgrind follows those
# forks and would count that memory as leaked. Each process writes its own log
# (--log-file=...%p); the process we started is judged on errors and definite
# leaks, its forked children on errors only (an invalid read there is as real
# as anywhere).
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }

passed=0 failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
export QGA_FORGE_DATADIR=$top LC_ALL=C

# Memcheck's messages for errors other than leaks.
VG_ERRORS='Invalid (read|write|free)|Mismatched free|uninitialised|Syscall param|overlap|Conditional jump|Argument .* of function'

# vg NAME ARGV...: VG_WANT_OK=1 also requires exit status 0 (unit tests);
# command-line runs may fail on purpose (the bad inputs below).
vg() {
	local name=$1 pid log bad= rc
	shift
	rm -f "$work"/vg.*
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --track-fds=no --log-file="$work/vg.%p" \
		"$@" >"$work/out" 2>"$work/err" &
	pid=$!
	wait "$pid"
	rc=$?
	if [ "${VG_WANT_OK:-0}" = 1 ] && [ "$rc" != 0 ]; then
		echo "# $name exited with status $rc" >"$work/vg.status"
		bad="$work/vg.status $work/out"
	fi
	for log in "$work"/vg.*; do
		[ -s "$log" ] || continue
		if [ "$log" = "$work/vg.$pid" ]; then
			grep -Eq "$VG_ERRORS|are definitely lost" "$log" && bad="$bad $log"
		else
			grep -Eq "$VG_ERRORS" "$log" && bad="$bad $log"
		fi
	done
	if [ -n "$bad" ]; then
		failed=$((failed + 1))
		echo "not ok - $name"
		# shellcheck disable=SC2086
		cat $bad | sed 's/^/#   /' | head -40
	else
		passed=$((passed + 1))
		echo "ok - $name"
	fi
}

for t in build/tests/test_*; do
	[ -x "$t" ] || continue
	CMOCKA_MESSAGE_OUTPUT=stdout VG_WANT_OK=1 vg "$(basename "$t")" "$t"
done

fx=$(tests/fixtures/mk-tiny-srpm.sh 2>/dev/null)
bin=$top/qga-forge
vg "help" "$bin" help
vg "init --help" "$bin" init --help
vg "init (7.2)" "$bin" init -q -w "$work/ws" "$fx/qemu-guest-agent-7.2.0-1.el7.src.rpm"
vg "init (not an rpm)" "$bin" init -w "$work/bad" "$fx/bad/x.src.rpm"
vg "init (truncated)" "$bin" init -w "$work/bad" "$fx/bad/truncated-payload.src.rpm"
vg "init (binary rpm)" "$bin" init -w "$work/bad" "$fx/bad/qemu-guest-agent-7.2.0-1.el7.noarch.rpm"
vg "status" "$bin" status -w "$work/ws"
vg "status --json" "$bin" status --json -w "$work/ws"
if "$bin" help | grep -q '^  commands '; then
	vg "commands" "$bin" commands -w "$work/ws"
fi
if "$bin" help | grep -q '^  add-command '; then
	vg "add-command (statvfs)" "$bin" add-command -w "$work/ws" \
		examples/statvfs/statvfs.qapi --handler examples/statvfs/statvfs.c
	vg "add-command (flags)" "$bin" add-command -w "$work/ws" --name guest-vg-test \
		--arg 'count:int' --returns int --doc 'A test command.'
	vg "remove-command" "$bin" remove-command -w "$work/ws" guest-vg-test
fi
if "$bin" help | grep -q '^  patch '; then
	vg "patch" "$bin" patch -w "$work/ws"
fi
if "$bin" help | grep -q '^  spec '; then
	vg "spec check" "$bin" spec check "$work/ws/rpmbuild/SPECS/qemu-guest-agent.spec"
	vg "spec check --no-spec-code" "$bin" spec check --no-spec-code \
		"$work/ws/rpmbuild/SPECS/qemu-guest-agent.spec"
	mkdir -p "$work/sp/SPECS" && cp "$work/ws/rpmbuild/SPECS/qemu-guest-agent.spec" "$work/sp/SPECS/" &&
		sed 's/Fix typos/Fix more typos/' tests/fixtures/tiny/7.2/*.patch >"$work/new.patch"
	vg "spec add-patch (journaled)" "$bin" spec add-patch --comment 'a 100% test' \
		"$work/sp/SPECS/qemu-guest-agent.spec" "$work/new.patch"
fi
if "$bin" help | grep -q '^  exec '; then
	vg "exec (no socket)" "$bin" exec -s "$work/none.sock" guest-ping
	vg "exec (bad json)" "$bin" exec -s "$work/none.sock" guest-ping '{"a":'
fi

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

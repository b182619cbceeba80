#!/usr/bin/env bash
# One writer at a time: a second qga-forge process on the same workspace
# waits for the first (QGA_FORGE_LOCK_TIMEOUT, default 30 s) or fails with a
# clear lock error, and nothing is corrupted; the lock of a process killed
# with SIGKILL is gone with it (flock: the kernel drops it), children
# included.
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"
export SOURCE_DATE_EPOCH=1700000000

add_statvfs() {
	"$QGA_FORGE" add-command -q -w "$1" "$EX/statvfs/statvfs.qapi" \
		--handler "$EX/statvfs/statvfs.c" --no-generator-check
}
add_watchdog() {
	"$QGA_FORGE" add-command -q -w "$1" "$EX/watchdog/watchdog.qapi" \
		--handler "$EX/watchdog/watchdog.c" --no-generator-check
}

# Both commands are in the schema, the state and the branch, and git is clean.
both_added() {
	local ws=$1
	"$QGA_FORGE" commands -w "$ws" >cmds &&
	test_grep "guest-get-statvfs" cmds &&
	test_grep "guest-set-watchdog\|watchdog" cmds &&
	test "$(grep -c '"commit"' "$ws/.qga-forge/state.json")" -ge 2 &&
	test "$(git -C "$ws/src" rev-list --count upstream..forge)" = 2 &&
	git -C "$ws/src" status --porcelain >st && test_must_be_empty st
}

test_must_be_empty() {
	if [ -s "$1" ]; then
		echo "'$1' is not empty:" >&2
		cat "$1" >&2
		return 1
	fi
}

# hold_lock WS: take the workspace lock in another process (flock(1), the same
# kind of lock) until `release` is called.
hold_lock() {
	local i=0
	rm -f gate held && mkfifo gate || return 1
	{ flock -x 9 && echo "pid $BASHPID" >&9 && echo held >held && read -r _ <gate; } \
		9>"$1/.qga-forge/lock" &
	holder=$!
	while [ ! -s held ]; do
		i=$((i + 1))
		[ $i -le 3000 ] || { echo "the lock holder did not start" >&2; return 1; }
		sleep 0.01
	done
}
release() { echo go >gate; wait "$holder"; }

test_expect_success 'setup' '
	"$QGA_FORGE" init -q -w ws0 "$SRPM72" >/dev/null &&
	grep -q guest-set-watchdog "$EX/watchdog/watchdog.qapi"
'

test_expect_success 'a second writer fails at once with QGA_FORGE_LOCK_TIMEOUT=0, naming the holder' '
	rm -rf ws && cp -a ws0 ws && tree_digest ws | grep -v "/lock " >before &&
	hold_lock ws &&
	rc=0 && { QGA_FORGE_LOCK_TIMEOUT=0 add_statvfs ws 2>err || rc=$?; } &&
	release &&
	test "$rc" = 1 &&
	test_grep "workspace .* is in use by another qga-forge process" err &&
	test_grep "try again when it has finished" err &&
	tree_digest ws | grep -v "/lock " >after && test_cmp before after
'

test_expect_success 'readers wait for the lock too: status fails the same way' '
	hold_lock ws &&
	rc=0 && { QGA_FORGE_LOCK_TIMEOUT=0 "$QGA_FORGE" status -w ws 2>err || rc=$?; } &&
	release &&
	test "$rc" = 1 && test_grep "is in use by another qga-forge process" err
'

test_expect_success 'a writer waits for the lock and proceeds when it is released' '
	rm -rf ws && cp -a ws0 ws &&
	hold_lock ws &&
	{ add_statvfs ws >out 2>err & } &&
	writer=$! &&
	release &&
	wait "$writer" &&
	"$QGA_FORGE" commands -w ws >cmds && test_grep guest-get-statvfs cmds
'

test_expect_success 'two add-commands started together: both get in, one after the other' '
	for i in 1 2 3 4 5 6 7 8 9 10; do
		rm -rf ws && cp -a ws0 ws &&
		{ add_statvfs ws >out1 2>err1 & } && p1=$! &&
		{ add_watchdog ws >out2 2>err2 & } && p2=$! &&
		rc1=0 && { wait "$p1" || rc1=$?; } &&
		rc2=0 && { wait "$p2" || rc2=$?; } &&
		if [ "$rc1" != 0 ] || [ "$rc2" != 0 ]; then
			echo "round $i: status $rc1 and $rc2" >&2; cat err1 err2 >&2; return 1
		fi &&
		both_added ws || return 1
	done
'

test_expect_success 'a lock held by a process killed with SIGKILL is gone with it' '
	rm -rf ws && cp -a ws0 ws &&
	hold_lock ws &&
	kill -9 "$holder" && { wait "$holder" 2>/dev/null || true; } &&
	test -s ws/.qga-forge/lock &&
	QGA_FORGE_LOCK_TIMEOUT=0 add_statvfs ws >/dev/null &&
	"$QGA_FORGE" commands -w ws >cmds && test_grep guest-get-statvfs cmds
'

# build_holding WS: start `build` with a %build that blocks on the fifo
# $TRASH/fifo; returns when rpm runs that %build (qga-forge holds the lock).
build_holding() {
	local i=0
	rm -f fifo && mkfifo fifo &&
	sed -i -e "/^%build/a cat $TRASH/fifo >/dev/null" "$1/rpmbuild/SPECS/qemu-guest-agent.spec" ||
		return 1
	# Alone on its line: with `a && b &` the whole list, not qga-forge, would be $!.
	"$QGA_FORGE" build -q -w "$1" --nodeps >build.out 2>&1 &
	builder=$!
	while ! grep -qs "Executing(%build)" "$1/out/build.log"; do
		i=$((i + 1))
		if [ $i -gt 3000 ] || ! kill -0 "$builder" 2>/dev/null; then
			echo "build did not reach %build:" >&2
			cat build.out "$1/out/build.log" >&2
			return 1
		fi
		sleep 0.01
	done
}

test_expect_success 'killing qga-forge while its rpm child runs leaves no lock behind' '
	rm -rf ws && cp -a ws0 ws && add_statvfs ws >/dev/null &&
	build_holding ws &&
	rc=0 && { QGA_FORGE_LOCK_TIMEOUT=0 "$QGA_FORGE" status -w ws >/dev/null 2>err || rc=$?; } &&
	test "$rc" = 1 &&
	test_grep "is in use by another qga-forge process (pid $builder)" err &&
	kill -9 "$builder" && { wait "$builder" 2>/dev/null || true; } &&
	QGA_FORGE_LOCK_TIMEOUT=5 "$QGA_FORGE" status -w ws >/dev/null &&
	# The %build shell reading the fifo died with qga-forge: nobody opens it any more.
	test_expect_code 124 timeout 3 sh -c "echo done >$TRASH/fifo"
'

test_done

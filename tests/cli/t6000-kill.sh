#!/usr/bin/env bash
# Crash safety: add-command, remove-command, patch and spec add-patch are
# killed with SIGKILL at random instants of their run (and, for each step of
# the commit, with QGA_FORGE_TXN_CRASH_AT). After every kill the next
# qga-forge command must find every file all old or all new (the schema, the
# handler files, the spec, SOURCES and state.json digested against the two
# known-good snapshots), the state must agree with the git tree (branch forge
# at the commit the state names, nothing to commit), and running the killed
# command again must succeed (or say it is already done). No process of the
# killed run may be left, and nothing of it in the workspace or TMPDIR
# (tests/cli/lib-kill.sh).
#
# QGA_FORGE_KILL_ROUNDS (default 50) is the number of kills per command that
# must land while the command runs.
. "$(dirname "$0")/lib.sh"
. "$SRC_ROOT/tests/cli/lib-kill.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"
ROUNDS=${QGA_FORGE_KILL_ROUNDS:-50}
# Same commits and changelog dates in every round, so snapshots compare.
export SOURCE_DATE_EPOCH=1700000000 QGA_FORGE_AUTHOR_NAME=Tester QGA_FORGE_AUTHOR_EMAIL=t@example.com
SPEC=rpmbuild/SPECS/qemu-guest-agent.spec

# The files an edit may touch, with their digests; no file of a journal or
# transaction may be left over either.
ws_digest() {
	(cd "$1" && {
		sha256sum src/qga/qapi-schema.json src/qga/commands-posix.c src/qga/commands-win32.c \
			.qga-forge/state.json
		find rpmbuild/SPECS rpmbuild/SOURCES -type f | LC_ALL=C sort | xargs sha256sum
		ls -d .qga-forge/txn rpmbuild/SPECS/.*journal* src/.git/*.lock 2>/dev/null
		true
	})
}

# The state agrees with the tree: forge is where the state's last command
# (or the baseline) says, HEAD is forge, and git has nothing to commit.
ws_consistent() {
	local ws=$1 want have st
	# The commit of the last entry of "commands", else the baseline, as
	# qga-forge itself reads the state.
	"$QGA_FORGE" status --json -w "$ws" >status.json &&
	want=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
c = s.get("commands") or []
print(c[-1]["commit"] if c else s["baseline"])' status.json) &&
	have=$(git -C "$ws/src" rev-parse refs/heads/forge) &&
	if [ "$want" != "$have" ]; then
		echo "state says $want, branch forge is at $have" >&2
		return 1
	fi &&
	test "$(git -C "$ws/src" symbolic-ref HEAD)" = refs/heads/forge &&
	st=$(git -C "$ws/src" status --porcelain) &&
	if [ -n "$st" ]; then
		echo "git status is not clean:" >&2
		echo "$st" >&2
		return 1
	fi
}

# The commands, each run on a workspace copy called ws (run from $TRASH).
args_add=(add-command -q -w ws "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c"
	--no-generator-check)
args_remove=(remove-command -q -w ws guest-get-statvfs)
args_patch=(patch -q -w ws)
args_addpatch=(spec add-patch ws/$SPEC "$TRASH/qga-extra.patch")
# args_of NAME: set `args` to the command's arguments.
args_of() { eval "args=(\"\${args_$1[@]}\")"; }
run_cmd() {
	local args
	args_of "$1"
	"$QGA_FORGE" "${args[@]}"
}

# What "already done" looks like when a command is run again after it completed.
done_add='is already defined in qga/qapi-schema.json'
done_remove="no command 'guest-get-statvfs'"
done_patch='^$'
done_addpatch='already declared'

# Recovery: the next qga-forge command on the workspace (or on the spec).
recover_ws() { "$QGA_FORGE" status -w ws >/dev/null; }
recover_spec() { "$QGA_FORGE" spec check ws/$SPEC >/dev/null; }

# check_after NAME BEFORE AFTER: after recovery, the copy is BEFORE or AFTER,
# consistent, and running the command again leaves it AFTER.
check_after() {
	local name=$1 before=$2 after=$3 recover=recover_ws d rc=0 done_re
	[ "$name" = addpatch ] && recover=recover_spec
	$recover || return 1
	no_survivors || return 1
	no_litter ws || return 1
	d=$(ws_digest ws) || return 1
	if [ "$d" = "$(cat "$before")" ]; then
		echo old >>"outcomes.$name"
	elif [ "$d" = "$(cat "$after")" ]; then
		echo new >>"outcomes.$name"
	else
		echo "$name: neither all old nor all new:" >&2
		diff "$before" <(echo "$d") >&2
		diff "$after" <(echo "$d") >&2
		return 1
	fi
	ws_consistent ws || return 1
	run_cmd "$name" >rerun.out 2>rerun.err || rc=$?
	eval "done_re=\$done_$name"
	case $rc in
	0) ;;
	1) grep -q -e "$done_re" rerun.err || { cat rerun.err >&2; return 1; } ;;
	*) echo "$name: run again: status $rc" >&2; cat rerun.err >&2; return 1 ;;
	esac
	d=$(ws_digest ws) &&
	if [ "$d" != "$(cat "$after")" ]; then
		echo "$name: run again, the workspace is not the known result" >&2
		diff "$after" <(echo "$d") >&2
		return 1
	fi &&
	ws_consistent ws &&
	no_litter ws
}

# Milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# measure NAME SNAPSHOT: the median of five undisturbed runs, in ms.
measure() {
	local name=$1 snap=$2 i t0 t1 times=()
	for i in 1 2 3 4 5; do
		rm -rf ws && cp -a "$snap" ws || return 1
		t0=$(now_ms)
		run_cmd "$name" >/dev/null 2>&1 || return 1
		t1=$(now_ms)
		times+=($((t1 - t0)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

# kill_rounds NAME SNAPSHOT BEFORE AFTER: kill the command ROUNDS times while
# it runs (a random instant within a window that starts at its measured run
# time, shrinks when a run finishes first and grows when a kill lands, so
# that it follows the real run time on a busy machine), check each.
kill_rounds() {
	local name=$1 snap=$2 before=$3 after=$4 ms window kills=0 finished=0 tries=0 pid rc delay args
	ms=$(measure "$name" "$snap") || return 1
	[ "$ms" -ge 1 ] || ms=1
	window=$ms
	while [ $kills -lt "$ROUNDS" ]; do
		tries=$((tries + 1))
		if [ $tries -gt $((ROUNDS * 4)) ]; then
			echo "$name: only $kills kills landed in $tries tries" >&2
			return 1
		fi
		rm -rf ws && cp -a "$snap" ws || return 1
		delay=$((RANDOM % (window + 1)))
		# A simple command alone on its line: $! is qga-forge itself (env execs it).
		args_of "$name"
		env "$KILL_MARK" "$QGA_FORGE" "${args[@]}" >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -9 "$pid" 2>/dev/null
		rc=0
		wait "$pid" 2>/dev/null || rc=$?
		case $rc in
		137)
			kills=$((kills + 1))
			# Creep back up towards the end of the run, where the commit is.
			[ $window -ge $((2 * ms)) ] || window=$((window + ms / 8 + 1)) ;;
		0) finished=$((finished + 1)) && window=$((window * 3 / 4)) ;;
		*) echo "$name: ended with status $rc" >&2; return 1 ;;
		esac
		check_after "$name" "$before" "$after" || {
			echo "$name: after a kill at $delay ms (run time $ms ms)" >&2
			return 1
		}
	done
	echo "$name: $kills kills (run time $ms ms), $finished runs finished first" >"kills.$name"
}

# crash_steps NAME SNAPSHOT BEFORE AFTER: QGA_FORGE_TXN_CRASH_AT at every step
# of the commit (0 before the commit point, 1 after it, 10+ after each file,
# 2 after the ref, 3 after the index), until a run gets through.
crash_steps() {
	local name=$1 snap=$2 before=$3 after=$4 step rc n=0
	for step in 0 1 $(seq 10 20) 2 3; do
		rm -rf ws && cp -a "$snap" ws || return 1
		rc=0
		QGA_FORGE_TXN_CRASH_AT=$step run_cmd "$name" >/dev/null 2>&1 || rc=$?
		case $rc in
		99) n=$((n + 1)) ;;
		0)
			# Steps 10+ count the files; the journal of spec add-patch has no ref.
			if [ "$step" -lt 10 ] && ! { [ "$name" = addpatch ] && [ "$step" -ge 2 ]; }; then
				echo "$name: step $step was never reached" >&2
				return 1
			fi
			continue ;;
		*) echo "$name: crash at step $step: status $rc" >&2; return 1 ;;
		esac
		check_after "$name" "$before" "$after" || {
			echo "$name: after a crash at step $step" >&2
			return 1
		}
	done
	echo "$name: $n crash points" >"steps.$name"
}

test_expect_success 'setup: the workspace before and after each command' '
	sed -e "s/Fix typos/Fix more typos/" \
		"$SRC_ROOT/tests/fixtures/tiny/7.2/qemuga-qga-Fix-typos-in-guest-sync-delimited-documentation.patch" \
		>qga-extra.patch &&
	"$QGA_FORGE" init -q -w s0 "$SRPM72" >/dev/null &&
	cp -a s0 ws && run_cmd add >/dev/null && mv ws s1 &&
	cp -a s1 ws && run_cmd patch >/dev/null && mv ws s2 &&
	cp -a s0 ws && run_cmd addpatch >/dev/null && mv ws s3 &&
	ws_digest s0 >d0 && ws_digest s1 >d1 && ws_digest s2 >d2 && ws_digest s3 >d3 &&
	! cmp -s d0 d1 && ! cmp -s d1 d2 && ! cmp -s d0 d3 &&
	ws_consistent s0 && ws_consistent s1 && ws_consistent s2 &&
	cp -a s1 ws && run_cmd remove >/dev/null && ws_digest ws >d1r && test_cmp d0 d1r
'

test_expect_success 'the checks see a half-applied change' '
	rm -rf ws && cp -a s0 ws &&
	cp s1/src/qga/qapi-schema.json ws/src/qga/qapi-schema.json &&
	test_must_fail check_after add d0 d1
'

test_expect_success 'lock files git left when the commit was killed do not block recovery' '
	rm -rf ws && cp -a s0 ws &&
	test_expect_code 99 env QGA_FORGE_TXN_CRASH_AT=1 "$QGA_FORGE" "${args_add[@]}" &&
	: >ws/src/.git/refs/heads/forge.lock && : >ws/src/.git/index.lock &&
	"$QGA_FORGE" status -w ws >/dev/null &&
	test ! -e ws/src/.git/refs/heads/forge.lock && test ! -e ws/src/.git/index.lock &&
	ws_digest ws >d && test_cmp d1 d && ws_consistent ws
'

test_expect_success 'without an interrupted commit, git lock files are left alone' '
	rm -rf ws && cp -a s0 ws &&
	: >ws/src/.git/index.lock &&
	"$QGA_FORGE" status -w ws >/dev/null &&
	test -e ws/src/.git/index.lock
'

test_expect_success 'add-command: every commit step' 'crash_steps add s0 d0 d1'
test_expect_success 'remove-command: every commit step' 'crash_steps remove s1 d1 d0'
test_expect_success 'patch: every commit step' 'crash_steps patch s1 d1 d2'
test_expect_success 'spec add-patch: every commit step' 'crash_steps addpatch s0 d0 d3'

test_expect_success "add-command: $ROUNDS random kills" 'kill_rounds add s0 d0 d1'
test_expect_success "remove-command: $ROUNDS random kills" 'kill_rounds remove s1 d1 d0'
test_expect_success "patch: $ROUNDS random kills" 'kill_rounds patch s1 d1 d2'
test_expect_success "spec add-patch: $ROUNDS random kills" 'kill_rounds addpatch s0 d0 d3'

test_expect_success 'kills landed before and after the commit point' '
	for n in add remove patch addpatch; do
		cat "kills.$n" "steps.$n" &&
		grep -q "^old$" "outcomes.$n" && grep -q "^new$" "outcomes.$n" || return 1
	done
'

# The tally, for the log.
cat "$TRASH"/kills.* "$TRASH"/steps.* 2>/dev/null | sed 's/^/# /'

test_done

#!/usr/bin/env bash
# Random kills across init, add-command, remove-command, patch, build and
# forge on the tiny fixture: each round picks a command at random, kills it
# with SIGKILL at a random instant of its run, checks that no process of it
# is left, runs the next command (the same one again, which must succeed or
# say it is already done) and checks that nothing is left: no staging
# directory beside a workspace or OUTDIR, nothing in TMPDIR, no temporary
# file of an interrupted write, no process.
#
# QGA_FORGE_RANDOM_KILLS (default 25) is the number of kills that must land
# while a command runs; `make check-kill` runs 200. QGA_FORGE_KILL_SEED
# repeats a sequence (default: the pid).
. "$(dirname "$0")/lib.sh"
. "$SRC_ROOT/tests/cli/lib-kill.sh"

EX="$SRC_ROOT/examples"
KILLS=${QGA_FORGE_RANDOM_KILLS:-25}
RANDOM=${QGA_FORGE_KILL_SEED:-$$}
SRPM="$TRASH/fx.src.rpm"
COMMANDS="init add remove patch build forge"

args_init=(init -q --force -w ws "$SRPM")
args_add=(add-command -q -w ws "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c")
args_remove=(remove-command -q -w ws guest-get-statvfs)
args_patch=(patch -q -w ws)
args_build=(build -q -w ws --nodeps -o out)
args_forge=(forge -q "$SRPM" --command "$EX/statvfs/statvfs.qapi:$EX/statvfs/statvfs.c"
	-o fo --nodeps --no-smoke)
# The workspace each command starts from (none: no workspace).
from_init=none from_add=s0 from_remove=s1 from_patch=s1 from_build=s1 from_forge=none
# What "already done" says when the command is run again after it completed.
done_add='is already defined'
done_remove="no command 'guest-get-statvfs'"

args_of() { eval "args=(\"\${args_$1[@]}\")"; }
fresh() {
	local from
	eval "from=\$from_$1"
	rm -rf ws fo out && { [ "$from" = none ] || cp -a "$from" ws; }
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# measure NAME: the median of three undisturbed runs, in ms.
measure() {
	local i t0 times=() args
	args_of "$1"
	for i in 1 2 3; do
		fresh "$1" || return 1
		t0=$(now_ms)
		"$QGA_FORGE" "${args[@]}" >/dev/null 2>&1 || return 1
		times+=($(($(now_ms) - t0)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n 2p
}

# after NAME: the next command (NAME again) succeeds or says it is done, then nothing is left.
after() {
	local rc=0 want args
	args_of "$1"
	"$QGA_FORGE" "${args[@]}" >rerun.out 2>rerun.err || rc=$?
	eval "want=\${done_$1:-}"
	if [ $rc != 0 ] && ! { [ $rc = 1 ] && [ -n "$want" ] && grep -q -e "$want" rerun.err; }; then
		echo "$1: run again: status $rc" >&2
		cat rerun.err >&2
		return 1
	fi
	if [ -d ws ]; then
		"$QGA_FORGE" status -q -w ws >/dev/null || return 1
	fi
	no_litter "$TRASH" && no_survivors
}

test_expect_success 'setup: the fixture and the workspaces the commands start from' '
	kill_fixture "$SRPM" &&
	"$QGA_FORGE" init -q -w s0 "$SRPM" >/dev/null &&
	cp -a s0 s1 &&
	"$QGA_FORGE" add-command -q -w s1 "$EX/statvfs/statvfs.qapi" \
		--handler "$EX/statvfs/statvfs.c" >/dev/null &&
	for c in $COMMANDS; do
		ms=$(measure $c) || { echo "$c does not run" >&2; exit 1; }
		echo "$ms" >"ms.$c" || exit 1
	done &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success "$KILLS random kills leave no litter and no process" '
	kills=0 tries=0 t0=$(now_ms) &&
	set -- $COMMANDS &&
	while [ $kills -lt $KILLS ]; do
		tries=$((tries + 1))
		if [ $tries -gt $((KILLS * 4)) ]; then
			echo "only $kills kills landed in $tries tries" >&2
			exit 1
		fi
		shift $((RANDOM % 6)); c=$1; set -- $COMMANDS
		ms=$(cat "ms.$c") && fresh $c || exit 1
		delay=$((RANDOM % (ms + ms / 4 + 1)))
		args_of $c
		env "$KILL_MARK" "$QGA_FORGE" "${args[@]}" >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf "%d.%03d" $((delay / 1000)) $((delay % 1000)))"
		kill -9 $pid 2>/dev/null
		rc=0
		wait $pid 2>/dev/null || rc=$?
		case $rc in
		137) kills=$((kills + 1)); echo "$c" >>landed ;;
		0) ;;
		*) echo "$c: ended with status $rc" >&2; exit 1 ;;
		esac
		no_survivors || { echo "$c: after a kill at $delay ms" >&2; exit 1; }
		after $c || { echo "$c: after a kill at $delay ms (run time $ms ms)" >&2; exit 1; }
	done &&
	echo "$kills kills in $tries runs, $((($(now_ms) - t0) / 1000)) s:" \
		$(sort landed | uniq -c | sed "s/^ *\([0-9]*\) \(.*\)/\2 \1/") >tally
'

cat "$TRASH/tally" 2>/dev/null | sed 's/^/# /'

test_done

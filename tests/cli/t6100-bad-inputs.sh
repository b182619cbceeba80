#!/usr/bin/env bash
# The corpus of bad inputs in tests/bad/: every case is refused with the
# expected exit status (1 or 2, never a crash) and message, and changes no
# file: neither the workspace nor the inputs (tree digests before and after).
#
# A case is a directory tests/bad/NAME/ holding
#   cmd        the qga-forge arguments, one per line (no shell: blanks and quotes
#              are literal; a line that starts with @ESC@ is the rest of the line
#              with printf's %b escapes decoded, for newlines and raw bytes), with
#              these replaced:
#                @WS@    a fresh copy of a workspace (see `workspace`)
#                @NEW@   a path that does not exist yet (for init)
#                @FX@    the fixture directory of tests/fixtures/mk-tiny-srpm.sh
#                @SOCK@  the socket of a fake agent (see `agent`)
#   expect     "status N" and one or more "stderr REGEX" lines (grep -E, each must
#              match the standard error)
#   workspace  optional: "7.2" or "2.12", the tiny fixture the workspace comes from
#   agent      optional: the tests/fixtures/fake-agent.py mode to start
#   env        optional: NAME=VALUE lines for the command's environment
#   README     optional: what the case is about
# and the case's input files. The command runs in a copy of the case directory.
#
# QGA_FORGE_BAD_SHOW=FILE appends each case's status and standard error to FILE
# instead of checking them (for writing a new case's `expect`).
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
BAD="$SRC_ROOT/tests/bad"
AGENT="$SRC_ROOT/tests/fixtures/fake-agent.py"
export SOURCE_DATE_EPOCH=1700000000

# Everything a case may not change; the lock file's text is only informational.
digest_all() {
	local c=$1 w=$2 n=$3
	tree_digest "$c" | sed 's/^/case /'
	[ -z "$w" ] || tree_digest "$w" | grep -v '^\./\.qga-forge/lock ' | sed 's/^/ws /'
	tree_digest "$FX" | sed 's/^/fixtures /'
	ls -a "$n" | sed 's/^/new /'
}

start_agent() {
	local mode=$1 sock=$2 i=0
	FAKE_AGENT_WATCH_PID=$$ python3 "$AGENT" -m unix-listen -p "$sock" --mode "$mode" \
		>/dev/null 2>&1 &
	agent_pid=$!
	while [ ! -S "$sock" ]; do
		i=$((i + 1))
		if [ $i -gt 2000 ] || ! kill -0 "$agent_pid" 2>/dev/null; then
			echo "the fake agent did not start" >&2
			return 1
		fi
		sleep 0.01
	done
}

stop_agent() {
	kill "$agent_pid" 2>/dev/null
	wait "$agent_pid" 2>/dev/null
	agent_pid=
}

run_case() {
	local name=$1 src=$BAD/$1 c w= n sock= rc=0 want= line key val env=() args=() a
	c=$TRASH/c/$name
	n=$TRASH/n/$name
	rm -rf "$c" "$n" && mkdir -p "$TRASH/c" "$n" && cp -a "$src" "$c" || return 1
	# Where rpm rejects %patchN, each spec is as --convert-patch-macros leaves it
	# (t3060 checks that refusal): the case is about its own fault.
	if rpm_rejects_patchn; then
		while IFS= read -r -d '' a; do
			patchn_to_p <"$a" >"$a.conv" && mv "$a.conv" "$a" || return 1
		done < <(find "$c" -name '*.spec' -print0)
	fi
	if [ -f "$src/workspace" ]; then
		w=$TRASH/w/$name
		rm -rf "$w" && mkdir -p "$TRASH/w" && cp -a "$TRASH/ws-$(cat "$src/workspace")" "$w" ||
			return 1
	fi
	if [ -f "$src/agent" ]; then
		sock=$TRASH/a/$name.sock
		mkdir -p "$TRASH/a" && start_agent "$(cat "$src/agent")" "$sock" || return 1
	fi
	if [ -f "$src/env" ]; then
		mapfile -t env <"$src/env"
	fi
	while IFS= read -r a || [ -n "$a" ]; do
		case $a in
		@ESC@*) a=$(printf '%b.' "${a#@ESC@}") && a=${a%.} ;;
		esac
		a=${a//@WS@/$w}
		a=${a//@NEW@/$n/new}
		a=${a//@FX@/$FX}
		a=${a//@SOCK@/$sock}
		args+=("$a")
	done <"$src/cmd"

	digest_all "$c" "$w" "$n" >"$TRASH/before" || return 1
	(cd "$c" && env "${env[@]}" "$QGA_FORGE" "${args[@]}") >"$TRASH/out" 2>"$TRASH/err" || rc=$?
	[ -z "$sock" ] || stop_agent
	digest_all "$c" "$w" "$n" >"$TRASH/after" || return 1

	if [ -n "${QGA_FORGE_BAD_SHOW:-}" ]; then
		{ echo "== $name: status $rc"; cat "$TRASH/err"
		  cmp -s "$TRASH/before" "$TRASH/after" || echo "(files changed)"; } >>"$QGA_FORGE_BAD_SHOW"
		return 0
	fi
	if [ "$rc" -ge 128 ]; then
		echo "$name: qga-forge died (status $rc)" >&2
		cat "$TRASH/err" >&2
		return 1
	fi
	while read -r key val; do
		case $key in
		status)
			want=$val
			if [ "$rc" != "$val" ]; then
				echo "$name: status $rc, expected $val" >&2
				cat "$TRASH/err" >&2
				return 1
			fi ;;
		stderr)
			if ! grep -Eq -e "$val" "$TRASH/err"; then
				echo "$name: standard error does not match '$val':" >&2
				cat "$TRASH/err" >&2
				return 1
			fi ;;
		'') ;;
		*) echo "$name: bad line in expect: $key $val" >&2; return 1 ;;
		esac
	done <"$src/expect"
	case $want in
	1|2) ;;
	*) echo "$name: expect must say 'status 1' or 'status 2'" >&2; return 1 ;;
	esac
	if ! cmp -s "$TRASH/before" "$TRASH/after"; then
		echo "$name: files changed:" >&2
		diff "$TRASH/before" "$TRASH/after" >&2
		return 1
	fi
}

test_expect_success 'setup: workspaces of the tiny fixtures' '
	"$QGA_FORGE" init -q -w ws-7.2 "$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm" >/dev/null &&
	"$QGA_FORGE" init -q -w ws-2.12 "$FX/qemu-guest-agent-2.12.0-1.el7.src.rpm" >/dev/null
'

n=0
for dir in "$BAD"/*/; do
	name=$(basename "$dir")
	n=$((n + 1))
	if [ ! -f "$dir/cmd" ] || { [ ! -f "$dir/expect" ] && [ -z "${QGA_FORGE_BAD_SHOW:-}" ]; }; then
		test_expect_success "$name: has cmd and expect" 'false'
		continue
	fi
	test_expect_success "$name" "run_case '$name'"
done

test_expect_success 'the corpus has at least 40 cases' 'test '"$n"' -ge 40'

test_expect_success 'the check sees a changed file' '
	mkdir -p probe && echo a >probe/f && digest_all probe "" "$TRASH/probe" >b1 &&
	echo b >probe/f && digest_all probe "" "$TRASH/probe" >b2 &&
	! cmp -s b1 b2
'

test_done

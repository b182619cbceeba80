#!/usr/bin/env bash
# exec and smoke against the real thing: QEMU 7.2's stock qemu-ga, built from
# Debian's source by tests/fixtures/build-stock-agent.sh (cached; the first
# build takes about half a minute). The agent runs with -m unix-listen on a
# socket in the trash directory, as QEMU's own tests run it.
#
# Set QGA_FORGE_SKIP_STOCK_AGENT=1 to skip these tests where no QEMU source can
# be had; otherwise a failed build fails the test.
. "$(dirname "$0")/lib.sh"

LIMIT=60

if [ -n "${QGA_FORGE_SKIP_STOCK_AGENT:-}" ]; then
	test_skip 'the stock qemu-ga' 'QGA_FORGE_SKIP_STOCK_AGENT is set'
	test_done
fi

# QEMU 7.2's configure wants meson 0.61.3 or later (Debian 11 has 0.56): the
# stock agent cannot be built on such a host, which says nothing of qga-forge.
meson_ver=$(meson --version 2>/dev/null)
if [ -n "$meson_ver" ] && [ "$(printf '%s\n' 0.61.3 "$meson_ver" | sort -V | head -n 1)" != 0.61.3 ]; then
	test_skip 'the stock qemu-ga' "QEMU 7.2 needs meson 0.61.3 or later, this host has $meson_ver"
	test_done
fi

AGENT=$("$SRC_ROOT/tests/fixtures/build-stock-agent.sh" 2>"$TRASH/build.err")

test_expect_success 'the stock qemu-ga 7.2 is built' '
	{ test -x "$AGENT" || { cat build.err; false; }; } &&
	"$AGENT" --version >version &&
	test_grep "7\.2\.0" version
'

SOCK="$TRASH/qga.sock"
BLOCKED="$TRASH/blocked.sock"
agent_pid= blocked_pid=
if [ -x "$AGENT" ]; then
	mkdir -p "$TRASH/state" "$TRASH/state2"
	# Bounded by timeout(1) in case this script dies without its trap.
	timeout 900 "$AGENT" -m unix-listen -p "$SOCK" -t "$TRASH/state" \
		-l "$TRASH/qga.log" -f "$TRASH/qga.pid" &
	agent_pid=$!
	# A second agent with a host configuration that blocks a command.
	printf '[general]\nblock-rpcs=guest-get-osinfo\n' >"$TRASH/blocking.conf"
	QGA_CONF="$TRASH/blocking.conf" timeout 900 "$AGENT" -m unix-listen -p "$BLOCKED" \
		-t "$TRASH/state2" -l "$TRASH/qga2.log" -f "$TRASH/qga2.pid" &
	blocked_pid=$!
	trap 'kill $agent_pid $blocked_pid 2>/dev/null' EXIT
fi

qx() {
	timeout $LIMIT qga-forge exec -s "$SOCK" "$@"
}

test_expect_success 'the agent listens' '
	for i in $(seq 100); do
		test -S "$SOCK" && break
		sleep 0.1
	done &&
	test -S "$SOCK"
'

test_expect_success 'exec guest-info lists the commands of 7.2' '
	qx guest-info >out &&
	python3 - out <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["version"] == "7.2.0", d["version"]
	cmds = {c["name"]: c for c in d["supported_commands"]}
	for n in ("guest-ping", "guest-get-osinfo", "guest-sync-delimited", "guest-exec"):
	    assert cmds[n]["enabled"], n
	assert cmds["guest-shutdown"]["success-response"] is False
	EOF
'

test_expect_success 'exec guest-ping returns an empty object' '
	qx --json guest-ping >out &&
	python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == {\"return\": {}}" out
'

test_expect_success 'exec guest-get-osinfo describes this system' '
	qx guest-get-osinfo >out &&
	test_grep "\"kernel-release\": \"$(uname -r)\"" out &&
	test_grep "\"machine\": \"$(uname -m)\"" out
'

test_expect_success 'exec guest-sync-delimited echoes its id' '
	qx guest-sync-delimited "{\"id\": 4711}" >out &&
	echo 4711 >expect &&
	test_cmp expect out
'

test_expect_success 'an unknown command is an error reply (exit 1)' '
	test_expect_code 1 qx guest-no-such-command >out 2>err &&
	test_grep "'\''guest-no-such-command'\'' failed: CommandNotFound: The command guest-no-such-command has not been found" err &&
	test ! -s out
'

test_expect_success 'missing arguments are an error reply naming the parameter' '
	test_expect_code 1 qx guest-exec "{}" 2>err &&
	test_grep "GenericError: .*path" err
'

test_expect_success 'a bad argument of guest-shutdown is refused before anything happens' '
	test_expect_code 1 qx guest-shutdown "{\"mode\": \"no-such-mode\"}" 2>err &&
	test_grep "GenericError: mode is invalid" err
'

test_expect_success 'guest-exec and guest-exec-status run df, the usual workaround' '
	qx guest-exec "{\"path\": \"df\", \"arg\": [\"-P\", \"/\"], \"capture-output\": true}" >pid.json &&
	pid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"pid\"])" pid.json) &&
	for i in $(seq 200); do
		qx guest-exec-status "{\"pid\": $pid}" >st.json &&
		python3 -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))[\"exited\"] else 1)" st.json &&
		break
		sleep 0.05
	done &&
	python3 - st.json <<-\EOF
	import base64, json, sys
	d = json.load(open(sys.argv[1]))
	assert d["exited"] and d["exitcode"] == 0, d
	assert "Filesystem" in base64.b64decode(d["out-data"]).decode(), d
	EOF
'

test_expect_success 'many clients one after another each get their own replies' '
	for i in 1 2 3 4 5 6 7 8 9 10; do
		qx guest-sync-delimited "{\"id\": $i}" >out &&
		echo $i >expect &&
		test_cmp expect out || return 1
	done
'

test_expect_success 'the agent is still alive' '
	kill -0 $agent_pid
'

export TMPDIR="$TRASH/tmp"
mkdir -p "$TMPDIR"

# no_smoke_agent_left: no process runs from a smoke directory, none is left.
no_smoke_agent_left() {
	! grep -l "$TMPDIR/qga-forge-smoke" /proc/[0-9]*/cmdline 2>/dev/null &&
	test -z "$(ls -A "$TMPDIR")"
}

test_expect_success 'smoke --agent with --call guest-get-osinfo passes' '
	timeout $LIMIT qga-forge smoke --agent "$AGENT" --call guest-get-osinfo >out &&
	test_grep "^agent: $AGENT (version 7.2.0)" out &&
	test_grep "^command guest-get-osinfo: listed, enabled" out &&
	test_grep "\"kernel-release\"" out &&
	test_grep "^smoke: 1 of 1 call passed" out &&
	no_smoke_agent_left
'

test_expect_success 'smoke --json with several calls' '
	timeout $LIMIT qga-forge smoke --agent "$AGENT" --json --call guest-get-osinfo \
		--call "guest-sync {\"id\": 99}" --call guest-get-timezone >out &&
	python3 - out <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["ok"] and d["agent_version"] == "7.2.0", d
	assert d["calls"][1]["return"] == 99, d["calls"][1]
	assert all(c["ok"] for c in d["calls"]), d
	EOF
	no_smoke_agent_left
'

test_expect_success 'smoke fails for a command the agent does not have' '
	test_expect_code 1 timeout $LIMIT qga-forge smoke --agent "$AGENT" \
		--call guest-get-statvfs >out 2>err &&
	test_grep "'\''guest-get-statvfs'\'' is not among the agent'\''s commands" err &&
	no_smoke_agent_left
'

test_expect_success 'smoke fails on an error reply and still makes the next call' '
	test_expect_code 1 timeout $LIMIT qga-forge smoke --agent "$AGENT" \
		--call "guest-exec {}" --call guest-ping >out 2>err &&
	test_grep "'\''guest-exec'\'' answered with an error: GenericError" err &&
	test_grep "^call 2: guest-ping" out &&
	no_smoke_agent_left
'

test_expect_success 'the host agent configuration does not reach a smoke run' '
	for i in $(seq 100); do test -S "$BLOCKED" && break; sleep 0.1; done &&
	test_expect_code 1 timeout $LIMIT qga-forge exec -s "$BLOCKED" guest-get-osinfo 2>err &&
	test_grep "guest-get-osinfo has been disabled" err &&
	QGA_CONF="$TRASH/blocking.conf" timeout $LIMIT qga-forge smoke --agent "$AGENT" \
		--call guest-get-osinfo >out &&
	test_grep "^command guest-get-osinfo: listed, enabled" out &&
	no_smoke_agent_left
'

test_done

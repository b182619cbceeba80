#!/usr/bin/env bash
# qga-forge smoke --agent with tests/fixtures/fake-agent.py: the agent is
# started in a private directory, every command under test is checked with
# guest-info and called, failures are reported clearly, and the agent is
# always stopped and its directory removed, whatever happened.
. "$(dirname "$0")/lib.sh"

FAKE="$SRC_ROOT/tests/fixtures/fake-agent.py"
LIMIT=60
export FAKE_AGENT_LOG="$TRASH/fake.log"
export FAKE_AGENT_WATCH_PID=$$
export TMPDIR="$TRASH/tmp"
mkdir -p "$TMPDIR"

smoke() {
	timeout $LIMIT qga-forge smoke --agent "$FAKE" "$@"
}

# The pid of the last agent started (first field of its start line).
last_pid() {
	grep -E '^[0-9]+ ' "$FAKE_AGENT_LOG" | tail -n 1 | cut -d' ' -f1
}

# no_agent_left: the last agent is gone and its private directory removed.
no_agent_left() {
	local pid
	pid=$(last_pid) &&
	test -n "$pid" &&
	! kill -0 "$pid" 2>/dev/null &&
	test -z "$(ls -A "$TMPDIR")"
}

test_expect_success 'a passing run calls every command and prints each reply' '
	: >"$FAKE_AGENT_LOG" &&
	smoke --call "fake-echo {\"a\": 1}" --call guest-ping >out 2>err &&
	test_grep "^agent: $FAKE (version 0.0-fake)" out &&
	test_grep "^command fake-echo: listed, enabled" out &&
	test_grep "^call 1: fake-echo {\"a\":1} (--call)" out &&
	test_grep "\"a\": 1" out &&
	test_grep "^call 2: guest-ping (--call)" out &&
	test_grep "^smoke: 2 of 2 calls passed" out &&
	grep "^request " "$FAKE_AGENT_LOG" >requests &&
	cat >expect <<-\EOF &&
	request guest-sync-delimited
	request guest-info
	request guest-sync-delimited
	request fake-echo
	request guest-sync-delimited
	request guest-ping
	request guest-sync-delimited
	EOF
	test_cmp expect requests &&
	no_agent_left
'

test_expect_success 'the agent runs with socket, state, log, pid file and config in one private directory' '
	: >"$FAKE_AGENT_LOG" &&
	QGA_CONF=/etc/host-config.conf smoke --call guest-ping >out &&
	args=$(grep -E "^[0-9]+ " "$FAKE_AGENT_LOG" | cut -d" " -f2-) &&
	dir=$(echo "$args" | sed -n "s|.* -p \(.*\)/qga.sock .*|\1|p") &&
	test -n "$dir" &&
	case "$dir" in "$TMPDIR"/qga-forge-smoke.*) ;; *) false ;; esac &&
	echo "$args" | grep -q -- "-m unix-listen -p $dir/qga.sock -t $dir/state -l $dir/agent.log -f $dir/agent.pid" &&
	test_grep "^conf $dir/" "$FAKE_AGENT_LOG" &&
	test ! -e "$dir" &&
	no_agent_left
'

test_expect_success 'no calls: the agent is only checked (handshake and guest-info)' '
	smoke >out &&
	test_grep "^smoke: 0 of 0 calls passed" out
'

test_expect_success '--json prints the results as JSON' '
	smoke --json --call "fake-echo {\"x\": [true]}" --call fake-noreply >out &&
	python3 - out <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["ok"] is True, d
	assert d["agent_version"] == "0.0-fake", d
	assert [c["name"] for c in d["commands"]] == ["fake-echo", "fake-noreply"], d
	assert d["commands"][1]["success-response"] is False, d
	c = d["calls"]
	assert c[0]["arguments"] == {"x": [True]} and c[0]["return"] == {"x": [True]}, c
	assert c[1]["no-reply"] is True and c[1]["ok"] is True, c
	assert "agent_log" not in d
	EOF
'

test_expect_success 'an error reply fails the run, and the other calls are still made' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 smoke --call fake-error --call guest-ping >out 2>err &&
	test_grep "'\''fake-error'\'' answered with an error: GenericError: fake failure" err &&
	test_grep "^FAILED: " out &&
	test_grep "request guest-ping" "$FAKE_AGENT_LOG" &&
	test_grep "^agent log:" err &&
	no_agent_left
'

test_expect_success '--json on failure: ok is false, the agent log is included, exit 1' '
	test_expect_code 1 smoke --json --call fake-error >out 2>err &&
	python3 - out <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["ok"] is False
	assert d["calls"][0]["error"] == {"class": "GenericError", "desc": "fake failure"}, d
	assert "fake agent started" in d["agent_log"], d
	EOF
'

test_expect_success 'a command the agent does not list fails without being called' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 smoke --call guest-not-there --call guest-ping >out 2>err &&
	test_grep "'\''guest-not-there'\'' is not among the agent'\''s commands" err &&
	test_grep "command guest-not-there: NOT LISTED" out &&
	test_grep -v "request guest-not-there" "$FAKE_AGENT_LOG" &&
	test_grep "request guest-ping" "$FAKE_AGENT_LOG"
'

test_expect_success 'a disabled command fails without being called' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 smoke --call fake-disabled 2>err >out &&
	test_grep "'\''fake-disabled'\'' is disabled in the agent" err &&
	test_grep -v "request fake-disabled" "$FAKE_AGENT_LOG"
'

test_expect_success 'several failures are counted' '
	test_expect_code 1 smoke --call fake-error --call guest-ping --call fake-error 2>err >out &&
	test_grep "2 of 3 calls failed; the first: '\''fake-error'\''" err
'

test_expect_success 'after a reply that is garbage no further calls are made' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 smoke --call fake-garbage --call guest-ping 2>err >out &&
	test_grep "2 of 2 calls failed; the first: .*'\''fake-garbage'\'' is not valid JSON" err &&
	test_grep "not run: an earlier call failed to get a reply" out &&
	test_grep -v "request guest-ping" "$FAKE_AGENT_LOG"
'

test_expect_success 'an agent that crashes on a call is reported with its signal' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 smoke --call fake-crash --call guest-ping >out 2>err &&
	test_grep "closed the connection before it answered '\''fake-crash'\''" err &&
	test_grep "the agent exited with signal 11" err &&
	test_grep "not run: an earlier call failed" out &&
	no_agent_left
'

test_expect_success 'an agent that exits at once is reported with its status' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 env FAKE_AGENT_MODE=exit qga-forge smoke --agent "$FAKE" >out 2>err &&
	test_grep "exited with status 3 before it listened" err &&
	test_grep "exiting as asked" err &&
	no_agent_left
'

test_expect_success 'an agent that never listens times out and is stopped' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 env FAKE_AGENT_MODE=no-listen timeout $LIMIT \
		qga-forge smoke --agent "$FAKE" --timeout 0.5 >out 2>err &&
	test_grep "did not listen on .* within 0.5 s" err &&
	no_agent_left
'

test_expect_success 'an agent that never answers times out and is stopped' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 env FAKE_AGENT_MODE=silent timeout $LIMIT \
		qga-forge smoke --agent "$FAKE" --timeout 0.5 --call guest-ping >out 2>err &&
	test_grep "no answer to the handshake" err &&
	no_agent_left
'

test_expect_success 'a command that never answers times out and the agent is stopped' '
	: >"$FAKE_AGENT_LOG" &&
	test_expect_code 1 smoke --timeout 0.5 --call fake-silent --call guest-ping >out 2>err &&
	test_grep "no answer to '\''fake-silent'\'' within 0.5 s" err &&
	no_agent_left
'

test_expect_success 'an agent that ignores SIGTERM is killed' '
	: >"$FAKE_AGENT_LOG" &&
	env FAKE_AGENT_MODE=stubborn timeout $LIMIT \
		qga-forge smoke --agent "$FAKE" --json --call guest-ping >out &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"agent_status\"] == 137, d" out &&
	no_agent_left
'

test_expect_success 'stale data and split replies do not disturb a run' '
	env FAKE_AGENT_MODE=stale timeout $LIMIT qga-forge smoke --agent "$FAKE" --call guest-ping >out &&
	test_grep "1 of 1 call passed" out &&
	env FAKE_AGENT_MODE=split timeout $LIMIT qga-forge smoke --agent "$FAKE" --call guest-ping >out &&
	test_grep "1 of 1 call passed" out
'

test_expect_success 'the agent is stopped when qga-forge itself is killed' '
	: >"$FAKE_AGENT_LOG" &&
	(env FAKE_AGENT_MODE=silent qga-forge smoke --agent "$FAKE" --timeout 30 >/dev/null 2>&1 &
	 echo $! >smoke.pid; wait) &
	for i in $(seq 100); do
		grep -qE "^[0-9]+ " "$FAKE_AGENT_LOG" && break
		sleep 0.1
	done &&
	pid=$(last_pid) && kill -0 "$pid" &&
	kill -KILL "$(cat smoke.pid)" &&
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done &&
	! kill -0 "$pid" 2>/dev/null &&
	rm -rf "$TMPDIR"/qga-forge-smoke.*
'

test_done

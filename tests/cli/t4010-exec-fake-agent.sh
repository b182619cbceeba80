#!/usr/bin/env bash
# qga-forge exec against tests/fixtures/fake-agent.py: replies are printed,
# error replies and commands without a reply are handled, and every kind of
# misbehaviour (garbage, a huge reply, silence, a closed connection, stale
# data of earlier clients, replies in pieces) ends with a clear error in
# bounded time, never a hang or a crash.
. "$(dirname "$0")/lib.sh"

FAKE="$SRC_ROOT/tests/fixtures/fake-agent.py"
# Each command runs under `timeout`: a hang would show as status 124.
LIMIT=60

fake_pids=()
stop_fakes() {
	local p
	for p in "${fake_pids[@]}"; do kill "$p" 2>/dev/null; done
	return 0
}
trap stop_fakes EXIT

# start_fake MODE SOCKET: run the fake agent in MODE (it exits with this script).
start_fake() {
	FAKE_AGENT_WATCH_PID=$$ python3 "$FAKE" -m unix-listen -p "$2" --mode "$1" 2>"$2.err" &
	fake_pids+=($!)
}

# wait_socket SOCKET: the fake agent is listening.
wait_socket() {
	local i
	for i in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	echo "the fake agent did not create $1" >&2
	cat "$1.err" >&2
	return 1
}

for mode in normal stale split silent close; do
	start_fake $mode "$TRASH/$mode.sock"
done

qx() {
	timeout $LIMIT qga-forge exec --timeout 1 "$@"
}

test_expect_success 'the fake agents listen' '
	wait_socket normal.sock &&
	wait_socket stale.sock &&
	wait_socket split.sock &&
	wait_socket silent.sock &&
	wait_socket close.sock
'

test_expect_success 'a return value is printed as pretty JSON' '
	qx -s normal.sock fake-echo "{\"path\": \"/\", \"list\": [1, 2]}" >out &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d == {\"path\": \"/\", \"list\": [1, 2]}, d" out &&
	test $(wc -l <out) -gt 1
'

test_expect_success 'no JSON-ARGS sends no arguments' '
	qx -s normal.sock fake-echo >out &&
	python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == {}" out
'

test_expect_success '--json prints the whole reply' '
	qx -s normal.sock --json fake-echo "{\"a\": 1}" >out &&
	python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == {\"return\": {\"a\": 1}}" out
'

test_expect_success 'an error reply prints class and desc and exits 1' '
	test_expect_code 1 qx -s normal.sock fake-error >out 2>err &&
	test_grep "'\''fake-error'\'' failed: GenericError: fake failure" err &&
	test ! -s out
'

test_expect_success 'an unknown command is an error reply' '
	test_expect_code 1 qx -s normal.sock guest-no-such-thing 2>err &&
	test_grep "CommandNotFound" err
'

test_expect_success '--json prints an error reply too, and still exits 1' '
	test_expect_code 1 qx -s normal.sock --json fake-error >out 2>err &&
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"error\"][\"class\"] == \"GenericError\"" out
'

test_expect_success 'a command without a success response (guest-shutdown kind) succeeds' '
	qx -s normal.sock fake-noreply >out 2>err &&
	test ! -s out &&
	test_grep "sent no reply" err &&
	qx -s normal.sock --json fake-noreply >out &&
	python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == {\"no-reply\": True}" out
'

test_expect_success 'guest-sync-delimited itself can be run' '
	qx -s normal.sock guest-sync-delimited "{\"id\": 1234}" >out &&
	echo 1234 >expect &&
	test_cmp expect out
'

test_expect_success 'garbage is an error that shows the garbage' '
	test_expect_code 1 qx -s normal.sock fake-garbage 2>err &&
	test_grep "the reply to '\''fake-garbage'\'' is not valid JSON" err &&
	test_grep "near '\''this is not JSON at all'\''" err
'

test_expect_success 'a reply that is not an object is an error' '
	test_expect_code 1 qx -s normal.sock fake-nonobject 2>err &&
	test_grep "is not a JSON object" err
'

test_expect_success 'a reply with neither return nor error is an error' '
	test_expect_code 1 qx -s normal.sock fake-noreturn 2>err &&
	test_grep "neither \"return\" nor \"error\"" err
'

test_expect_success 'a reply cut short by a delimiter is an error' '
	test_expect_code 1 qx -s normal.sock fake-cut 2>err &&
	test_grep "cut short by a 0xFF delimiter" err
'

test_expect_success 'two replies to one request are an error' '
	test_expect_code 1 qx -s normal.sock fake-twice 2>err &&
	test_grep "more than one reply" err
'

test_expect_success 'a reply over 16 MiB is refused' '
	test_expect_code 1 qx -s normal.sock fake-huge 2>err &&
	test_grep "exceeds the limit of 16777216 bytes" err
'

test_expect_success 'silence after the handshake times out with a clear error' '
	test_expect_code 1 qx -s normal.sock fake-silent 2>err &&
	test_grep "no answer to '\''fake-silent'\'' within 1 s" err
'

test_expect_success 'a connection closed instead of a reply is an error' '
	test_expect_code 1 qx -s normal.sock fake-close 2>err &&
	test_grep "closed the connection before it answered '\''fake-close'\''" err
'

test_expect_success 'the agent still answers after all that' '
	qx -s normal.sock guest-ping >out &&
	test_grep "{" out
'

test_expect_success 'stale data of earlier clients before the handshake is discarded' '
	qx -s stale.sock fake-echo "{\"k\": \"v\"}" >out &&
	python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == {\"k\": \"v\"}" out &&
	test_expect_code 1 qx -s stale.sock fake-error 2>err &&
	test_grep "fake failure" err
'

test_expect_success 'replies that arrive one byte at a time are put together' '
	qx -s split.sock fake-echo "{\"s\": \"caf\\u00e9 \\\"quoted\\\"\"}" >out &&
	python3 -c "import json,sys; assert json.load(open(sys.argv[1])) == {\"s\": \"caf\u00e9 \\\"quoted\\\"\"}" out &&
	qx -s split.sock fake-noreply 2>err &&
	test_grep "sent no reply" err
'

test_expect_success 'an agent that never answers the handshake times out' '
	test_expect_code 1 qx -s silent.sock guest-ping 2>err &&
	test_grep "no answer to the handshake (guest-sync-delimited) within 1 s" err &&
	test_grep "another client" err
'

test_expect_success 'an agent that hangs up during the handshake is an error' '
	test_expect_code 1 qx -s close.sock guest-ping 2>err &&
	test_grep "closed the connection before it answered the handshake" err
'

test_expect_success 'a fractional --timeout is honoured' '
	test_expect_code 1 timeout $LIMIT qga-forge exec --timeout 0.3 -s silent.sock guest-ping 2>err &&
	test_grep "within 0.3 s" err
'

test_done

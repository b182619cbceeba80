#!/usr/bin/env bash
# smoke and the commands it cannot really exercise: a generated stub answers
# "not implemented" (reported as a stub), a command with required arguments and
# neither a doc example nor --call is checked through guest-info only (reported
# "not called: give --call"); --call always wins; --strict makes both failures;
# --json gives each call's status. The state is written by hand, in the form
# add-command records ("stub", "required").
. "$(dirname "$0")/lib.sh"

FAKE="$SRC_ROOT/tests/fixtures/fake-agent.py"
LIMIT=60
export FAKE_AGENT_WATCH_PID=$$

make_ws() {
	mkdir -p "$1/.qga-forge" &&
	printf '%s\n' "$2" >"$1/.qga-forge/state.json"
}

test_expect_success 'set up a workspace: a stub, a command with required arguments, one with an example' '
	make_ws ws "{
	  \"format\": 1,
	  \"agent\": \"$FAKE\",
	  \"commands\": [
	    {\"name\": \"fake-stub\", \"example\": null, \"required\": [], \"stub\": true},
	    {\"name\": \"fake-args\", \"example\": null, \"required\": [\"timeout\"], \"stub\": false},
	    {\"name\": \"fake-echo\", \"stub\": false, \"required\": [\"path\"],
	     \"example\": {\"execute\": \"fake-echo\", \"arguments\": {\"path\": \"/\"}}}
	  ]
	}"
'

test_expect_success 'a stub and a command not called are reported as such, and smoke passes' '
	timeout $LIMIT qga-forge smoke -w ws >out 2>err &&
	test_grep "^call 1: fake-stub (no arguments)$" out &&
	test_grep "^stub: the handler is the generated stub; replace it with the implementation$" out &&
	test_grep "^call 2: fake-args (guest-info only)$" out &&
	test_grep "^not called: .fake-args. has required arguments (timeout) and no example in its documentation; give --call .fake-args {...}.$" out &&
	test_grep "^call 3: fake-echo {\"path\":\"/\"} (example)$" out &&
	test_grep "^smoke: 1 of 3 calls passed, 1 stub, 1 not called (give --call)$" out
'

export FAKE_AGENT_LOG="$TRASH/fake.log"

test_expect_success 'the command not called is not sent at all' '
	: >"$FAKE_AGENT_LOG" &&
	timeout $LIMIT qga-forge smoke -w ws >out 2>err &&
	test_grep "request guest-info" "$FAKE_AGENT_LOG" &&
	test_grep "request fake-stub" "$FAKE_AGENT_LOG" &&
	test_grep -v "request fake-args" "$FAKE_AGENT_LOG"
'

test_expect_success '--json gives each call its status' '
	timeout $LIMIT qga-forge smoke -w ws --json >out.json &&
	python3 - out.json <<-\PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	assert r["ok"] is True, r
	got = [(c["name"], c["status"], c["ok"]) for c in r["calls"]]
	assert got == [("fake-stub", "stub", True), ("fake-args", "not-called", True),
	               ("fake-echo", "passed", True)], got
	assert r["calls"][1]["message"].startswith("not called: "), r["calls"][1]
	assert "error" in r["calls"][0] and "error" not in r["calls"][1]
	PY
'

test_expect_success '--strict: both are failures, named' '
	test_expect_code 1 timeout $LIMIT qga-forge smoke -w ws --strict >out 2>err &&
	test_grep "^FAILED: stub: " out &&
	test_grep "^FAILED: not called: " out &&
	test_grep "error: 2 of 3 calls failed; the first: .fake-stub.: stub: the handler is the generated stub" err &&
	test_expect_code 1 timeout $LIMIT qga-forge smoke -w ws --strict --json >out.json 2>err &&
	python3 -c "import json,sys; r=json.load(open(\"out.json\")); \
		assert r[\"ok\"] is False; \
		assert [c[\"status\"] for c in r[\"calls\"]] == [\"stub\", \"not-called\", \"passed\"]; \
		assert [c[\"ok\"] for c in r[\"calls\"]] == [False, False, True]"
'

test_expect_success '--call always wins: the command is called with it, --strict or not' '
	timeout $LIMIT qga-forge smoke -w ws --call "fake-args {\"timeout\": 5}" \
		--call "fake-echo {\"path\": \"/tmp\"}" >out 2>err &&
	test_grep "^call 2: fake-args {\"timeout\":5} (--call)$" out &&
	test_grep "^call 3: fake-echo {\"path\":\"/tmp\"} (--call)$" out &&
	test_grep "^smoke: 2 of 3 calls passed, 1 stub$" out &&
	test_expect_code 1 timeout $LIMIT qga-forge smoke -w ws --strict \
		--call "fake-args {\"timeout\": 5}" >out 2>err &&
	test_grep "error: .fake-stub.: stub: " err
'

test_expect_success 'a --call without the required argument is a real failure' '
	test_expect_code 1 timeout $LIMIT qga-forge smoke -w ws --call "fake-args {}" >out 2>err &&
	test_grep "answered with an error: GenericError: Parameter .timeout. is missing" err
'

test_expect_success 'a command not called must still be listed and enabled' '
	make_ws ws2 "{
	  \"format\": 1, \"agent\": \"$FAKE\",
	  \"commands\": [{\"name\": \"fake-disabled\", \"example\": null, \"required\": [\"x\"]}]
	}" &&
	test_expect_code 1 timeout $LIMIT qga-forge smoke -w ws2 >out 2>err &&
	test_grep "fake-disabled. is disabled in the agent" err
'

test_expect_success 'only the generated stub is a stub: the same answer from a real handler fails' '
	make_ws ws3 "{
	  \"format\": 1, \"agent\": \"$FAKE\",
	  \"commands\": [{\"name\": \"fake-stub\", \"example\": null, \"required\": [], \"stub\": false}]
	}" &&
	test_expect_code 1 timeout $LIMIT qga-forge smoke -w ws3 >out 2>err &&
	test_grep "answered with an error: GenericError: command .fake-stub. is not implemented" err
'

test_expect_success 'a state without "required" (older workspaces): called without arguments' '
	make_ws ws4 "{
	  \"format\": 1, \"agent\": \"$FAKE\",
	  \"commands\": [{\"name\": \"guest-ping\", \"example\": null}]
	}" &&
	timeout $LIMIT qga-forge smoke -w ws4 >out 2>err &&
	test_grep "^call 1: guest-ping (no arguments)$" out &&
	test_grep "^smoke: 1 of 1 call passed$" out
'

test_expect_success 'add-command records what smoke needs: required arguments, stub or not' '
	qga-forge init "$(tiny_fixtures)/qemu-guest-agent-7.2.0-1.el7.src.rpm" -w real >/dev/null 2>&1 &&
	qga-forge add-command -w real --name guest-set-thing --arg timeout:int --arg "*mode:str" \
		--doc "Set the thing." >/dev/null 2>&1 &&
	qga-forge add-command -w real --name guest-get-thing --returns int --doc "Get it." >/dev/null 2>&1 &&
	qga-forge add-command -w real "$SRC_ROOT/examples/statvfs/statvfs.qapi" \
		--handler "$SRC_ROOT/examples/statvfs/statvfs.c" >/dev/null 2>&1 &&
	python3 - real/.qga-forge/state.json <<-\PY
	import json, sys
	s = json.load(open(sys.argv[1]))
	got = [(c["name"], c["required"], c["stub"]) for c in s["commands"]]
	assert got == [("guest-set-thing", ["timeout"], True), ("guest-get-thing", [], True),
	               ("guest-get-statvfs", ["path"], False)], got
	PY
'

test_done

#!/usr/bin/env bash
# qga-forge smoke -w DIR: the commands under test and the agent come from the
# workspace state ("commands": [{name, example}], "agent"). Each command is
# called with its --call requests, else with its doc Example, else without arguments.
# The state is written by hand here, in the documented form, so that this test
# does not depend on a src.rpm build.
. "$(dirname "$0")/lib.sh"

FAKE="$SRC_ROOT/tests/fixtures/fake-agent.py"
LIMIT=60
export FAKE_AGENT_LOG="$TRASH/fake.log"
export FAKE_AGENT_WATCH_PID=$$

# make_ws DIR STATE-JSON
make_ws() {
	mkdir -p "$1/.qga-forge" &&
	printf '%s\n' "$2" >"$1/.qga-forge/state.json"
}

test_expect_success 'set up a workspace with three commands' '
	make_ws ws "{
	  \"format\": 1,
	  \"agent\": \"$FAKE\",
	  \"commands\": [
	    {\"name\": \"fake-echo\",
	     \"example\": {\"execute\": \"fake-echo\", \"arguments\": {\"path\": \"/\"}}},
	    {\"name\": \"guest-ping\", \"example\": null},
	    {\"name\": \"fake-noreply\", \"example\": {\"execute\": \"fake-noreply\"}}
	  ]
	}"
'

test_expect_success 'each command is called with its example, or with no arguments' '
	: >"$FAKE_AGENT_LOG" &&
	timeout $LIMIT qga-forge smoke -w ws >out &&
	test_grep "^call 1: fake-echo {\"path\":\"/\"} (example)" out &&
	test_grep "\"path\": \"/\"" out &&
	test_grep "^call 2: guest-ping (no arguments)" out &&
	test_grep "^call 3: fake-noreply (example)" out &&
	test_grep "^smoke: 3 of 3 calls passed" out
'

test_expect_success 'the workspace is found from a directory inside it' '
	mkdir -p ws/src/qga &&
	(cd ws/src/qga && timeout $LIMIT qga-forge smoke >../../../out) &&
	test_grep "^smoke: 3 of 3 calls passed" out
'

test_expect_success '--call wins over the example of a workspace command' '
	timeout $LIMIT qga-forge smoke -w ws --call "fake-echo {\"path\": \"/tmp\"}" \
		--call "guest-ping {}" >out &&
	test_grep "^call 1: fake-echo {\"path\":\"/tmp\"} (--call)" out &&
	test_grep -v "^call .: fake-echo {\"path\":\"/\"}" out &&
	test_grep "^call 2: guest-ping {} (--call)" out &&
	test_grep "^call 3: fake-noreply (example)" out &&
	test_grep -v "(no arguments)" out &&
	test_grep "^smoke: 3 of 3 calls passed" out
'

test_expect_success '--call of a command outside the workspace is called too, last' '
	timeout $LIMIT qga-forge smoke -w ws --call fake-error >out 2>err;
	test $? = 1 &&
	test_grep "^call 4: fake-error (--call)" out &&
	test_grep "'\''fake-error'\'' answered with an error" err
'

test_expect_success '--agent overrides the workspace agent' '
	printf "#!/bin/sh\nexit 7\n" >other-agent &&
	chmod +x other-agent &&
	test_expect_code 1 timeout $LIMIT qga-forge smoke -w ws --agent ./other-agent 2>err &&
	test_grep "exited with status 7" err
'

test_expect_success 'a relative agent path is taken from the workspace root' '
	make_ws rel "{\"format\": 1, \"agent\": \"out/agent/qemu-ga\", \"commands\": []}" &&
	mkdir -p rel/out/agent &&
	ln -s "$FAKE" rel/out/agent/qemu-ga &&
	timeout $LIMIT qga-forge smoke -w rel >out 2>err &&
	test_grep "^agent: .*/rel/out/agent/qemu-ga (version 0.0-fake)" out &&
	test_grep "no added commands" err
'

test_expect_success 'a workspace without a built agent says to build first' '
	make_ws nobuild "{\"format\": 1, \"commands\": [{\"name\": \"guest-ping\", \"example\": null}]}" &&
	test_expect_code 1 qga-forge smoke -w nobuild 2>err &&
	test_grep "no built agent; run '\''qga-forge build'\'' first" err
'

test_expect_success 'an example for another command is refused' '
	make_ws badex "{\"format\": 1, \"agent\": \"$FAKE\", \"commands\": [
	  {\"name\": \"fake-echo\", \"example\": {\"execute\": \"guest-ping\"}}]}" &&
	test_expect_code 1 qga-forge smoke -w badex 2>err &&
	test_grep "example request of '\''fake-echo'\'' executes '\''guest-ping'\''" err
'

test_expect_success 'a bad commands list is refused' '
	make_ws badlist "{\"format\": 1, \"agent\": \"$FAKE\", \"commands\": {\"x\": 1}}" &&
	test_expect_code 1 qga-forge smoke -w badlist 2>err &&
	test_grep "\"commands\" in the workspace state is not a list" err &&
	make_ws noname "{\"format\": 1, \"agent\": \"$FAKE\", \"commands\": [{\"example\": null}]}" &&
	test_expect_code 1 qga-forge smoke -w noname 2>err &&
	test_grep "command 1 of the workspace state has no name" err &&
	make_ws badname "{\"format\": 1, \"agent\": \"$FAKE\", \"commands\": [{\"name\": \"x y\"}]}" &&
	test_expect_code 1 qga-forge smoke -w badname 2>err &&
	test_grep "not a command name" err
'

test_expect_success 'a directory that is not a workspace is refused' '
	mkdir plain &&
	test_expect_code 1 qga-forge smoke -w plain 2>err &&
	test_grep "not a qga-forge workspace" err
'

test_done

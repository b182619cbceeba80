#!/usr/bin/env bash
# qga-forge smoke: wrong command lines are usage errors (exit 2) that say what
# is wrong; a missing agent or workspace is a clean failure (exit 1). Nothing
# is started in any of these cases.
. "$(dirname "$0")/lib.sh"

FAKE="$SRC_ROOT/tests/fixtures/fake-agent.py"
export FAKE_AGENT_LOG="$TRASH/fake.log"
export FAKE_AGENT_WATCH_PID=$$

test_expect_success 'smoke --help describes the options' '
	qga-forge smoke --help >out &&
	test_grep "[-]-agent" out &&
	test_grep "[-]-call" out &&
	test_grep "[-]-timeout" out &&
	test_grep "[-]-json" out
'

test_expect_success 'positional arguments are a usage error' '
	test_expect_code 2 qga-forge smoke --agent "$FAKE" guest-ping 2>err &&
	test_grep "unexpected arguments" err
'

test_expect_success 'a --call with a bad name is a usage error' '
	test_expect_code 2 qga-forge smoke --agent "$FAKE" --call "guest-ping! {}" 2>err &&
	test_grep "[-]-call: '\''guest-ping!'\'': not a command name" err &&
	test_expect_code 2 qga-forge smoke --agent "$FAKE" --call "2fast" 2>err &&
	test_grep "[-]-call: '\''2fast'\'': not a command name" err
'

test_expect_success 'a --call with bad JSON says where, within the option' '
	test_expect_code 2 qga-forge smoke --agent "$FAKE" --call "fake-echo {\"a\": ]}" 2>err &&
	test_grep "[-]-call: arguments of '\''fake-echo'\'':1:17: unexpected character" err
'

test_expect_success 'a --call whose arguments are not an object is a usage error' '
	test_expect_code 2 qga-forge smoke --agent "$FAKE" --call "fake-echo [1]" 2>err &&
	test_grep "expected a JSON object" err
'

test_expect_success 'an empty --call is a usage error' '
	test_expect_code 2 qga-forge smoke --agent "$FAKE" --call "  " 2>err &&
	test_grep "expected '\''NAME \[JSON-ARGS\]'\''" err
'

test_expect_success 'a bad --timeout is a usage error' '
	test_expect_code 2 qga-forge smoke --agent "$FAKE" --timeout soon 2>err &&
	test_grep "[-]-timeout '\''soon'\''" err
'

test_expect_success 'a missing agent program fails cleanly' '
	test_expect_code 1 qga-forge smoke --agent ./no-such-agent 2>err &&
	test_grep "no such agent program" err
'

test_expect_success 'an agent that is not executable fails cleanly' '
	echo "not a program" >agent.txt &&
	test_expect_code 1 qga-forge smoke --agent ./agent.txt 2>err &&
	test_grep "not an executable file" err
'

test_expect_success 'an agent name not found in PATH fails cleanly' '
	test_expect_code 1 qga-forge smoke --agent no-such-qemu-ga-anywhere 2>err &&
	test_grep "not found in PATH" err
'

test_expect_success 'without --agent, outside a workspace, smoke says what to do' '
	mkdir empty &&
	(cd empty && test_expect_code 1 qga-forge smoke 2>../err) &&
	test_grep "not inside a qga-forge workspace" err
'

test_expect_success 'nothing was started by any of the above' '
	test ! -e "$FAKE_AGENT_LOG"
'

test_done

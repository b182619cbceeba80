#!/usr/bin/env bash
# qga-forge exec: a wrong command line is a usage error (exit 2) that says
# what is wrong, and a socket that cannot be used is a clean failure (exit 1);
# nothing here needs an agent.
. "$(dirname "$0")/lib.sh"

test_expect_success 'exec --help describes the command' '
	qga-forge exec --help >out &&
	test_grep "NAME \[JSON-ARGS\]" out &&
	test_grep "[-]-socket" out &&
	test_grep "[-]-timeout" out
'

test_expect_success 'the socket is required' '
	test_expect_code 2 qga-forge exec guest-ping 2>err &&
	test_grep "socket is required" err
'

test_expect_success 'a command name is required' '
	test_expect_code 2 qga-forge exec -s sock 2>err &&
	test_grep "NAME is required" err
'

test_expect_success 'more than NAME and JSON-ARGS is a usage error' '
	test_expect_code 2 qga-forge exec -s sock guest-ping "{}" extra 2>err &&
	test_grep "too many arguments" err
'

test_expect_success 'an invalid command name is refused before connecting' '
	test_expect_code 2 qga-forge exec -s missing.sock "guest ping" 2>err &&
	test_grep "'\''guest ping'\'': not a command name" err &&
	test_expect_code 2 qga-forge exec -s missing.sock 9lives 2>err &&
	test_grep "not a command name" err &&
	test_grep -v "no such socket" err
'

test_expect_success 'JSON-ARGS that is not JSON says where' '
	test_expect_code 2 qga-forge exec -s missing.sock guest-exec "{\"path\": }" 2>err &&
	test_grep "JSON-ARGS:1:10: unexpected character" err
'

test_expect_success 'JSON-ARGS on several lines gives line and column' '
	test_expect_code 2 qga-forge exec -s missing.sock guest-exec "{
  \"path\": \"df\",
  \"arg\": [\"-h\",]
}" 2>err &&
	test_grep "JSON-ARGS:3:" err
'

test_expect_success 'JSON-ARGS must be an object' '
	test_expect_code 2 qga-forge exec -s missing.sock guest-ping "[1, 2]" 2>err &&
	test_grep "JSON-ARGS:1:1: expected a JSON object" err &&
	test_expect_code 2 qga-forge exec -s missing.sock guest-ping "\"x\"" 2>err &&
	test_grep "expected a JSON object" err
'

test_expect_success 'text after the JSON object is refused' '
	test_expect_code 2 qga-forge exec -s missing.sock guest-ping "{} {}" 2>err &&
	test_grep "JSON-ARGS:1:4: unexpected text after the JSON object" err
'

test_expect_success 'invalid UTF-8 in JSON-ARGS is refused' '
	test_expect_code 2 qga-forge exec -s missing.sock guest-ping "$(printf "{\"a\": \"\\377\"}")" 2>err &&
	test_grep "JSON-ARGS:1:" err
'

for bad in 0 -1 abc 5s nan inf 1e9 ""; do
	test_expect_success "--timeout '$bad' is a usage error" "
		test_expect_code 2 qga-forge exec -s missing.sock --timeout '$bad' guest-ping 2>err &&
		test_grep \"expected a number of seconds\" err
	"
done

test_expect_success 'a missing socket fails cleanly' '
	test_expect_code 1 qga-forge exec -s missing.sock guest-ping 2>err &&
	test_grep "'\''missing.sock'\'': no such socket" err
'

test_expect_success 'a file that is not a socket fails cleanly' '
	echo hello >file &&
	test_expect_code 1 qga-forge exec -s file guest-ping 2>err &&
	test_grep "'\''file'\'': not a socket" err
'

test_expect_success 'a socket nobody listens on fails cleanly' '
	python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
" dead.sock &&
	test -S dead.sock &&
	test_expect_code 1 qga-forge exec -s dead.sock guest-ping 2>err &&
	test_grep "connection refused" err
'

test_done

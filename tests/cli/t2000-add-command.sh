#!/usr/bin/env bash
# qga-forge add-command on a QEMU 7.2 workspace: a declaration file with its
# handler, a command built from the command line with a stub, --after, and
# what the workspace records.
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"

test_expect_success 'setup: a 7.2 workspace' '
	qga-forge init -q -w ws "$SRPM72" >/dev/null
'

test_expect_success 'add a declaration with its handler' '
	qga-forge add-command -w ws "$EX/watchdog/watchdog.qapi" \
		--handler "$EX/watchdog/watchdog.c" >out 2>err &&
	test_grep "^added guest-set-watchdog-timeout (commit [0-9a-f]\{12\})$" out &&
	test_grep "^  void qmp_guest_set_watchdog_timeout(int64_t timeout, Error \*\*errp);$" out
'

test_expect_success 'one commit on forge, touching the schema and commands-posix.c only' '
	git -C ws/src log --format=%s upstream..forge >log &&
	echo "qga: add guest-set-watchdog-timeout" >expect &&
	test_cmp expect log &&
	git -C ws/src show --name-only --format= forge >files &&
	printf "qga/commands-posix.c\nqga/qapi-schema.json\n" >expect &&
	test_cmp expect files &&
	git -C ws/src status --porcelain >st &&
	test ! -s st
'

test_expect_success 'the schema keeps the command off Windows with its if' '
	tail -n 3 ws/src/qga/qapi-schema.json >tail &&
	printf "%s\n" "{ '\''command'\'': '\''guest-set-watchdog-timeout'\''," \
		"  '\''data'\'': { '\''timeout'\'': '\''int'\'' }," \
		"  '\''if'\'': '\''CONFIG_POSIX'\'' }" >expect &&
	test_cmp expect tail
'

test_expect_success 'the handler and its static helper are at the end of commands-posix.c' '
	test_grep "^/\* guest-set-watchdog-timeout: added by qga-forge from watchdog.c \*/$" ws/src/qga/commands-posix.c &&
	test_grep "^static int ga_watchdog_write_all(int fd, const char \*buf, size_t len)$" ws/src/qga/commands-posix.c &&
	test_grep "^void qmp_guest_set_watchdog_timeout(int64_t timeout, Error \*\*errp)$" ws/src/qga/commands-posix.c &&
	tail -n 1 ws/src/qga/commands-posix.c >last &&
	echo "}" >expect && test_cmp expect last
'

test_expect_success 'the state records name, commit, prototype, example and files' '
	git -C ws/src rev-parse forge >head &&
	python3 - ws/.qga-forge/state.json "$(cat head)" <<-\PY
	import json, sys
	st = json.load(open(sys.argv[1]))
	c = st["commands"]
	assert len(c) == 1, c
	c = c[0]
	assert c["name"] == "guest-set-watchdog-timeout", c
	assert c["commit"] == sys.argv[2], c
	assert c["prototype"] == "void qmp_guest_set_watchdog_timeout(int64_t timeout, Error **errp);", c
	assert c["example"] == {"execute": "guest-set-watchdog-timeout", "arguments": {"timeout": 60}}, c
	assert c["files"] == ["qga/qapi-schema.json", "qga/commands-posix.c"], c
	PY
'

test_expect_success 'a second command: its include joins the include block once' '
	(cd ws/src/qga && qga-forge add-command -q "$EX/statvfs/statvfs.qapi" \
		--handler "$EX/statvfs/statvfs.c") &&
	grep -n "^#include <sys/statvfs.h>$" ws/src/qga/commands-posix.c >inc &&
	test $(wc -l <inc) = 2 &&
	head -n 1 inc | cut -d: -f1 >first &&
	test $(cat first) -lt 40 &&
	git -C ws/src log --format=%s upstream..forge >log &&
	printf "qga: add guest-get-statvfs\nqga: add guest-set-watchdog-timeout\n" >expect &&
	test_cmp expect log
'

test_expect_success 'a command from the command line, with a stub and the pragma entry' '
	qga-forge add-command -w ws --name guest-count-things --arg "kind:str:what to count" \
		--arg "*limit:int" --returns int --doc "Count the things of a kind." >out &&
	test_grep "^  int64_t qmp_guest_count_things(const char \*kind, bool has_limit, int64_t limit, Error \*\*errp);$" out &&
	test_grep "^        '\''guest-count-things'\'',$" ws/src/qga/qapi-schema.json &&
	test_grep "^# @kind: what to count$" ws/src/qga/qapi-schema.json &&
	test_grep "^# Since: 7.2$" ws/src/qga/qapi-schema.json &&
	test_grep "error_setg(errp, \"command '\''guest-count-things'\'' is not implemented\");" ws/src/qga/commands-posix.c
'

test_expect_success '--after puts the declaration after that definition' '
	qga-forge add-command -q -w ws --name guest-hello --after guest-ping &&
	grep -n "^{ '\''command'\'': '\''guest-ping'\'' }$\|^# @guest-hello:$" ws/src/qga/qapi-schema.json >lines &&
	test $(wc -l <lines) = 2 &&
	sed -n "1s/:.*//p" lines >a && sed -n "2s/:.*//p" lines >b &&
	test $(($(cat b) - $(cat a))) = 3
'

test_expect_success '--json prints what was added' '
	qga-forge add-command -w ws --json --name guest-json-test --arg "n:int" >out.json &&
	python3 - out.json <<-\PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	a = r["added"]
	assert len(a) == 1 and a[0]["name"] == "guest-json-test", r
	assert a[0]["prototype"] == "void qmp_guest_json_test(int64_t n, Error **errp);", r
	assert a[0]["example"] is None, r
	assert len(a[0]["commit"]) == 40, r
	assert "fragment" not in a[0], r
	PY
'

test_expect_success 'status lists the added commands' '
	qga-forge status -w ws >out &&
	test_grep "^  guest-get-statvfs$" out &&
	test_grep "^  guest-json-test$" out
'

test_done

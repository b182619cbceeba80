#!/usr/bin/env bash
# qga-forge add-command on a QEMU 2.12-era workspace: 2.12's rules (every
# optional argument has a has_ flag, the 'returns-whitelist' pragma) and
# its way of keeping a command off Windows (a stub answering
# QERR_UNSUPPORTED and an entry in ga_command_blacklist_init()).
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM212="$FX/qemu-guest-agent-2.12.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"

test_expect_success 'setup: a 2.12 workspace' '
	qga-forge init -q -w ws "$SRPM212" >/dev/null &&
	cat ws/src/VERSION >v && echo 2.12.0 >expect && test_cmp expect v
'

test_expect_success 'the watchdog example: handler, Windows stub and blacklist entry' '
	qga-forge add-command -w ws "$EX/watchdog/watchdog.qapi" --handler "$EX/watchdog/watchdog.c" >out &&
	test_grep "^  void qmp_guest_set_watchdog_timeout(int64_t timeout, Error \*\*errp);$" out &&
	git -C ws/src show --name-only --format= forge >files &&
	printf "qga/commands-posix.c\nqga/commands-win32.c\nqga/qapi-schema.json\n" >expect &&
	test_cmp expect files &&
	test_grep -v "CONFIG_POSIX" ws/src/qga/qapi-schema.json &&
	test_grep "^    blacklist = g_list_append(blacklist, g_strdup(\"guest-set-watchdog-timeout\"));$" ws/src/qga/commands-win32.c &&
	test_grep "^void qmp_guest_set_watchdog_timeout(int64_t timeout, Error \*\*errp)$" ws/src/qga/commands-win32.c &&
	test_grep "^    error_setg(errp, QERR_UNSUPPORTED);$" ws/src/qga/commands-win32.c &&
	test_grep "^void qmp_guest_set_watchdog_timeout(int64_t timeout, Error \*\*errp)$" ws/src/qga/commands-posix.c
'

test_expect_success 'the blacklist entry goes right before the function returns' '
	grep -n "guest-set-watchdog-timeout\|^    return blacklist;" ws/src/qga/commands-win32.c >lines &&
	sed -n "1s/:.*//p" lines >a && sed -n "2s/:.*//p" lines >b &&
	test $(($(cat b) - $(cat a))) = 1
'

test_expect_success 'a non-dictionary return joins returns-whitelist, in order' '
	qga-forge add-command -w ws --name guest-get-count --arg "*path:str" --returns int >out &&
	test_grep "^  int64_t qmp_guest_get_count(bool has_path, const char \*path, Error \*\*errp);$" out &&
	sed -n "/returns-whitelist/,/\]/p" ws/src/qga/qapi-schema.json >list &&
	test_grep "'\''guest-get-count'\''" list &&
	grep -o "'\''guest-[a-z-]*'\''" list >names &&
	LC_ALL=C sort names >sorted &&
	test_cmp sorted names &&
	test_grep "^# Since: 2.12$" ws/src/qga/qapi-schema.json
'

test_expect_success 'the commit message says where the code went' '
	git -C ws/src log -1 --format=%B forge~1 >msg &&
	test_grep "^answered with QERR_UNSUPPORTED in qga/commands-win32.c.$" msg
'

test_expect_success 'removing the first command takes its Windows stub too' '
	qga-forge remove-command -q -w ws guest-set-watchdog-timeout &&
	test_grep -v "watchdog" ws/src/qga/commands-win32.c &&
	test_grep "guest-get-count" ws/src/qga/commands-win32.c
'

test_done

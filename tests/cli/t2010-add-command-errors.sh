#!/usr/bin/env bash
# qga-forge add-command refuses bad input with a message that says what and
# where, a non-zero exit, and a workspace left byte for byte as it was.
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"

# The lock file records its last holder (ws.h); everything else must not change.
ws_digest() {
	tree_digest ws | grep -v "^\./\.qga-forge/lock "
}

test_expect_success 'setup: a workspace and bad inputs' '
	qga-forge init -q -w ws "$SRPM72" >/dev/null &&
	ws_digest >digest.before &&
	printf "{ '\''command'\'': '\''guest-x'\'',\n  '\''data'\'': { '\''a'\'': '\''int'\'' }\n" >syntax.qapi &&
	printf "##\n# @guest-x:\n#\n# X.\n#\n# @a: an a\n#\n# Since: 7.2\n##\n{ '\''command'\'': '\''guest-x'\'',\n  '\''data'\'': { '\''a'\'': '\''frob'\'' } }\n" >unknown.qapi &&
	printf "##\n# @guest-sync:\n#\n# Again.\n#\n# Since: 7.2\n##\n{ '\''command'\'': '\''guest-sync'\'' }\n" >dup.qapi &&
	printf "{ '\''command'\'': '\''guest-x'\'' }\n" >nodoc.qapi &&
	printf "{ '\''pragma'\'': { '\''doc-required'\'': false } }\n" >pragma.qapi &&
	printf "#include \"qemu/osdep.h\"\n\nvoid qmp_guest_set_watchdog_timeout(int timeout, Error **errp)\n{\n}\n" >mismatch.c &&
	printf "#include \"qemu/osdep.h\"\n\nint helper(void)\n{\n    return 0;\n}\n\nvoid qmp_guest_set_watchdog_timeout(int64_t timeout, Error **errp)\n{\n}\n" >nonstatic.c &&
	printf "#include \"qemu/osdep.h\"\n\nstatic void ga_wait_child(void)\n{\n}\n\nvoid qmp_guest_set_watchdog_timeout(int64_t timeout, Error **errp)\n{\n}\n" >clash.c &&
	printf "#include \"qemu/osdep.h\"\n\nstatic void helper(void)\n{\n}\n" >nohandler.c
'

test_expect_success 'no declaration at all is a usage error' '
	check_fails 2 "qga-forge add-command: a FILE.qapi or --name NAME is required"
'
test_expect_success 'a file and --name is a usage error' '
	check_fails 2 "qga-forge add-command: give FILE.qapi or --name, not both" x.qapi --name guest-x
'
test_expect_success '--arg without --name is a usage error' '
	check_fails 2 "qga-forge add-command: --arg, --returns, --doc and --since go with --name" x.qapi --arg x:int
'
test_expect_success 'a missing declaration file' '
	check_fails 1 "qga-forge: error: '\''nope.qapi'\'': no such file" nope.qapi
'
test_expect_success 'a syntax error, located in the declaration file' '
	check_fails 1 "qga-forge: error: syntax.qapi:2:26: expected '\'','\'' or '\''}'\''" syntax.qapi
'
test_expect_success 'an unknown type, located in the declaration file' '
	check_fails 1 "qga-forge: error: unknown.qapi:11:18: '\''data'\'' member '\''a'\'' uses unknown type '\''frob'\''" unknown.qapi
'
test_expect_success 'a command the schema already has' '
	check_fails 1 "qga-forge: error: dup.qapi:8:1: '\''guest-sync'\'' is already defined in qga/qapi-schema.json:108:1 (command '\''guest-sync'\'' of the tree)" dup.qapi
'
test_expect_success 'a declaration without the documentation 7.2 requires' '
	check_fails 1 "qga-forge: error: nodoc.qapi:1:1: command '\''guest-x'\'' needs a documentation comment (pragma '\''doc-required'\'')" nodoc.qapi
'
test_expect_success 'a declaration file may not carry pragmas' '
	check_fails 1 "qga-forge: error: pragma.qapi:1:1: a fragment may not contain '\''pragma'\'' (qga-forge keeps the schema'\''s pragma lists itself)" pragma.qapi
'
test_expect_success 'a handler that does not match the prototype shows the expected one' '
	check_fails 1 "qga-forge: error: mismatch.c:3:1: '\''qmp_guest_set_watchdog_timeout'\'' does not match the prototype of command '\''guest-set-watchdog-timeout'\''; expected: void qmp_guest_set_watchdog_timeout(int64_t timeout, Error **errp);" \
		"$EX/watchdog/watchdog.qapi" --handler mismatch.c
'
test_expect_success 'a handler file without the handler' '
	check_fails 1 "qga-forge: error: nohandler.c: no definition of '\''qmp_guest_set_watchdog_timeout'\'' (command '\''guest-set-watchdog-timeout'\''); expected: void qmp_guest_set_watchdog_timeout(int64_t timeout, Error **errp);" \
		"$EX/watchdog/watchdog.qapi" --handler nohandler.c
'
test_expect_success 'a helper that is not static' '
	check_fails 1 "qga-forge: error: nonstatic.c:3:1: helper function '\''helper'\'' must be static (only the qmp_ handlers are shared)" \
		"$EX/watchdog/watchdog.qapi" --handler nonstatic.c
'
test_expect_success 'a helper whose name commands-posix.c already uses' '
	check_fails 1 "qga-forge: error: clash.c:3:1: '\''ga_wait_child'\'' is already defined in qga/commands-posix.c" \
		"$EX/watchdog/watchdog.qapi" --handler clash.c
'
test_expect_success 'a missing handler file' '
	check_fails 1 "qga-forge: error: '\''nope.c'\'': no such file" "$EX/watchdog/watchdog.qapi" --handler nope.c
'
test_expect_success '--name with an invalid name' '
	check_fails 2 "qga-forge: error: '\''Guest_X'\'' is not a valid command name (lower case letters, digits and '\''-'\'', starting with a letter)" --name Guest_X
'
test_expect_success '--name of a command that exists' '
	check_fails 1 "qga-forge: error: --name: '\''guest-sync'\'' is already defined in qga/qapi-schema.json:108:1 (command '\''guest-sync'\'' of the tree)" --name guest-sync
'
test_expect_success '--arg without a type' '
	check_fails 2 "qga-forge: error: --arg '\''x'\'': expected NAME:TYPE" --name guest-x --arg x
'
test_expect_success '--arg with an unknown type' '
	check_fails 2 "qga-forge: error: --arg: unknown type '\''frob'\'' (built-in types: str, int, int8..int64, uint8..uint64, size, number, bool, any; or a type of the schema)" --name guest-x --arg x:frob
'
test_expect_success '--returns with an unknown type' '
	check_fails 2 "qga-forge: error: --returns: unknown type '\''frob'\'' (built-in types: str, int, int8..int64, uint8..uint64, size, number, bool, any; or a type of the schema)" --name guest-x --returns "[frob]"
'
test_expect_success '--doc text that would read as markup' '
	check_fails 2 "qga-forge: error: --doc: a line may not start with '\''@'\'' (QAPI doc markup)" --name guest-x --doc "@a: b"
'
test_expect_success '--since that is not a version' '
	check_fails 2 "qga-forge: error: --since '\''soon'\'': expected a version like 7.2" --name guest-x --since soon
'
test_expect_success '--after a definition that does not exist' '
	check_fails 1 "qga-forge: error: qga/qapi-schema.json: no definition '\''guest-nope'\'' to insert after" --name guest-x --after guest-nope
'
test_expect_success 'uncommitted changes in the work tree are refused' '
	cp ws/src/qga/commands.c commands.c.orig &&
	echo "/* local edit */" >>ws/src/qga/commands.c &&
	ws_digest >digest.dirty &&
	test_expect_code 1 qga-forge add-command -w ws --name guest-x 2>err &&
	test_grep "^qga-forge: error: the work tree '\''.*/ws/src'\'' has uncommitted changes (.*qga/commands.c.*); commit or discard them first$" err &&
	ws_digest >digest.after &&
	test_cmp digest.dirty digest.after &&
	cp commands.c.orig ws/src/qga/commands.c &&
	ws_digest >digest.after &&
	test_cmp digest.before digest.after
'
test_expect_success 'outside a workspace' '
	mkdir elsewhere &&
	(cd elsewhere && test_expect_code 1 qga-forge add-command --name guest-x 2>../err) &&
	test_grep "^qga-forge: error: " err
'

test_done

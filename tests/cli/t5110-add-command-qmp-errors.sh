#!/usr/bin/env bash
# qga-forge add-command --qmp refuses bad input with a message that says what and
# where, a non-zero exit, and a workspace left byte for byte as it was: a name the
# monitor schema already has (in any of its modules), an argument HMP cannot express,
# a handler with the wrong prototype, a command that returns a non-object, an HMP name
# the tree already has, --hmp without --qmp. On Debian's real QEMU 7.2 tree.
. "$(dirname "$0")/lib.sh"

EX="$SRC_ROOT/examples"

if ! SRPM=$("$SRC_ROOT/tests/fixtures/mk-qemu-kvm-srpm.sh" --release 7.2 --parts 2>/dev/null); then
	test_skip "all" "no QEMU 7.2 source (tests/fixtures/qemu-source.sh --release 7.2)"
	test_done
fi
export SRPM

# The lock file records its last holder (ws.h); everything else must not change.
ws_digest() {
	tree_digest ws | grep -v "^\./\.qga-forge/lock "
}

doc() {
	printf "##\n# @%s:\n#\n# Do it.\n#\n%b# Since: 7.2\n##\n" "$1" "$2"
}

test_expect_success 'setup: a qemu-kvm workspace and bad inputs' '
	qga-forge init -q -w ws "$SRPM" >/dev/null 2>&1 &&
	ws_digest >digest.before &&
	{ doc query-status "" && printf "{ '\''command'\'': '\''query-status'\'' }\n"; } >status.qapi &&
	{ doc QemuFx "# @a: x\n#\n" && printf "{ '\''struct'\'': '\''StatusInfo'\'', '\''data'\'': { '\''a'\'': '\''int'\'' } }\n"; } >type.qapi &&
	{ doc take-names "# @names: x\n#\n" && printf "{ '\''command'\'': '\''take-names'\'', '\''data'\'': { '\''names'\'': [ '\''str'\'' ] } }\n"; } >list.qapi &&
	{ doc count-fx "# Returns: x\n#\n" && printf "{ '\''command'\'': '\''count-fx'\'', '\''returns'\'': '\''int'\'' }\n"; } >int.qapi &&
	{ doc balloon "# @value: x\n#\n" && printf "{ '\''command'\'': '\''balloon'\'', '\''data'\'': { '\''value'\'': '\''int'\'' } }\n"; } >balloon.qapi &&
	{ doc sum "" && printf "{ '\''command'\'': '\''sum'\'' }\n"; } >sum.qapi &&
	printf "#include \"qemu/osdep.h\"\n#include \"qapi/error.h\"\n\nHelloWorld *qmp_hello_world(const char *message, Error **errp)\n{\n    return NULL;\n}\n" >wrong.c
'

test_expect_success 'a command the tree has in another module (query-status)' '
	check_fails 1 "qga-forge: error: status.qapi:8:1: '\''query-status'\'' is already defined in qapi/run-state.json:135:1 (command '\''query-status'\'' of the tree)" \
		--qmp status.qapi
'
test_expect_success 'a type the tree already has' '
	check_fails 1 "qga-forge: error: type.qapi:10:1: '\''StatusInfo'\'' is already defined in qapi/run-state.json:115:1 (struct '\''StatusInfo'\'' of the tree)" \
		--qmp type.qapi
'
test_expect_success 'the flag form: a name the tree has' '
	test_expect_code 1 qga-forge add-command -w ws --qmp --name query-status 2>err &&
	printf "%s\n" "qga-forge: error: --name: '\''query-status'\'' is already defined in qapi/run-state.json:135:1 (command '\''query-status'\'' of the tree)" >expect &&
	test_cmp expect err &&
	ws_digest >digest.after &&
	test_cmp digest.before digest.after
'
test_expect_success 'an argument HMP cannot express' '
	check_fails 1 "qga-forge: error: --hmp: argument '\''names'\'' of '\''take-names'\'' is a list: HMP cannot express it (hmp-commands.hx takes strings, integers, sizes, numbers, booleans and enum names); declare the command without --hmp" \
		--qmp --hmp list.qapi
'
test_expect_success '... which goes in without --hmp' '
	cp -a ws ws-copy &&
	qga-forge add-command -q -w ws-copy --qmp list.qapi &&
	test_grep "take-names" ws-copy/src/qapi/misc.json &&
	test_grep -v "take-names" ws-copy/src/hmp-commands.hx
'
test_expect_success 'a handler with the wrong prototype (7.2 has has_message)' '
	check_fails 1 "qga-forge: error: wrong.c:4:1: '\''qmp_hello_world'\'' does not match the prototype of command '\''hello-world'\''; expected: HelloWorld *qmp_hello_world(bool has_message, const char *message, Error **errp);" \
		--qmp --hmp "$EX/monitor/hello-world.qapi" --handler wrong.c
'
test_expect_success 'a new command that returns a non-object' '
	check_fails 1 "qga-forge: error: int.qapi:10:37: a QMP command returns an object (a struct, or a list of structs), not the builtin '\''int'\'': QEMU'\''s '\''command-returns-exceptions'\'' pragma is for its old commands" \
		--qmp int.qapi
'
test_expect_success 'a name the tree already has in QMP and HMP' '
	check_fails 1 "qga-forge: error: balloon.qapi:10:1: '\''balloon'\'' is already defined in qapi/machine.json:1047:1 (command '\''balloon'\'' of the tree)" \
		--qmp --hmp balloon.qapi
'
test_expect_success 'a new QMP name that HMP already has' '
	check_fails 1 "qga-forge: error: hmp-commands.hx:663:23: the tree already has an HMP command '\''sum'\''" \
		--qmp --hmp sum.qapi
'
test_expect_success '--hmp without --qmp is a usage error' '
	check_fails 2 "qga-forge add-command: --hmp goes with --qmp" --hmp "$EX/monitor/hello-world.qapi"
'
test_expect_success 'forge: --hmp without --qmp-command is a usage error' '
	test_expect_code 2 qga-forge forge "$SRPM" --hmp -o out 2>err &&
	test_grep "qga-forge forge: --hmp goes with --qmp-command" err &&
	test_must_fail test -e out/workspace
'
test_expect_success 'forge: --qmp-command with --agent-only is a usage error' '
	test_expect_code 2 qga-forge forge "$SRPM" --agent-only --qmp-command "$EX/monitor/hello-world.qapi" -o out 2>err &&
	test_grep "qga-forge forge: --qmp-command needs the emulator: not with --agent-only" err &&
	test_must_fail test -e out/workspace
'
test_expect_success 'a monitor command in an agent-only tree: its files are missing' '
	TINY=$(tiny_fixtures) &&
	qga-forge init -q -w agent "$TINY/qemu-guest-agent-7.2.0-1.el7.src.rpm" >/dev/null 2>&1 &&
	test_expect_code 1 qga-forge add-command -w agent --qmp "$EX/monitor/hello-world.qapi" 2>err &&
	test_grep "the work tree has no '\''qapi/misc.json'\''" err
'

test_done

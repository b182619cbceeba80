#!/usr/bin/env bash
# qga-forge remove-command: takes back a command add-command added, from any
# position in the series, and refuses the others.
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"

add_watchdog() { qga-forge add-command -q -w "$1" "$EX/watchdog/watchdog.qapi" --handler "$EX/watchdog/watchdog.c"; }
add_statvfs() { qga-forge add-command -q -w "$1" "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c"; }
add_frob() { qga-forge add-command -q -w "$1" --name guest-frob --arg n:int --returns int; }
names() { python3 -c "import json,sys; print(' '.join(c['name'] for c in json.load(open(sys.argv[1]))['commands']))" "$1/.qga-forge/state.json"; }

test_expect_success 'setup: three commands in one workspace, two in another' '
	qga-forge init -q -w ws "$SRPM72" >/dev/null &&
	add_watchdog ws && add_statvfs ws && add_frob ws &&
	qga-forge init -q -w ref "$SRPM72" >/dev/null &&
	add_statvfs ref && add_frob ref
'

test_expect_success 'removing the first command keeps the later ones' '
	qga-forge remove-command -w ws guest-set-watchdog-timeout >out &&
	test_grep "^removed guest-set-watchdog-timeout (commit [0-9a-f]\{12\})$" out &&
	git -C ws/src log --format=%s upstream..forge >log &&
	printf "qga: add guest-frob\nqga: add guest-get-statvfs\n" >expect &&
	test_cmp expect log &&
	test_grep -v watchdog ws/src/qga/qapi-schema.json &&
	test_grep -v watchdog ws/src/qga/commands-posix.c &&
	git -C ws/src status --porcelain >st && test ! -s st
'

test_expect_success 'the result is the tree of adding only the other two' '
	git -C ws/src rev-parse "forge^{tree}" >a &&
	git -C ref/src rev-parse "forge^{tree}" >b &&
	test_cmp b a
'

test_expect_success 'the state lists the remaining commands with their new commits' '
	names ws >n && echo "guest-get-statvfs guest-frob" >expect && test_cmp expect n &&
	git -C ws/src rev-parse forge forge~1 >heads &&
	python3 - ws/.qga-forge/state.json heads <<-\PY
	import json, sys
	c = {x["name"]: x["commit"] for x in json.load(open(sys.argv[1]))["commands"]}
	h = open(sys.argv[2]).read().split()
	assert c["guest-frob"] == h[0] and c["guest-get-statvfs"] == h[1], (c, h)
	PY
'

test_expect_success 'a vendor command is refused' '
	test_expect_code 1 qga-forge remove-command -w ws guest-sync 2>err &&
	echo "qga-forge: error: '\''guest-sync'\'' was not added by qga-forge (it comes with the source package); refusing to remove it" >expect &&
	test_cmp expect err
'

test_expect_success 'an unknown command is refused' '
	test_expect_code 1 qga-forge remove-command -w ws guest-nope 2>err &&
	echo "qga-forge: error: no command '\''guest-nope'\'' in the workspace" >expect &&
	test_cmp expect err
'

test_expect_success 'usage errors' '
	test_expect_code 2 qga-forge remove-command -w ws 2>err &&
	test_grep "a command NAME is required" err &&
	test_expect_code 2 qga-forge remove-command -w ws a b 2>err &&
	test_grep "one NAME at a time" err
'

test_expect_success 'uncommitted changes are refused and left alone' '
	cp ws/src/qga/commands.c c.orig &&
	echo "/* mine */" >>ws/src/qga/commands.c &&
	test_expect_code 1 qga-forge remove-command -w ws guest-frob 2>err &&
	test_grep "has uncommitted changes" err &&
	test_grep "/\* mine \*/" ws/src/qga/commands.c &&
	names ws >n && echo "guest-get-statvfs guest-frob" >expect && test_cmp expect n &&
	cp c.orig ws/src/qga/commands.c
'

test_expect_success 'removing the rest gives back the prepared tree' '
	qga-forge remove-command -q -w ws guest-frob &&
	qga-forge remove-command -q -w ws guest-get-statvfs &&
	git -C ws/src rev-parse "forge^{tree}" "upstream^{tree}" >t &&
	test $(sort -u t | wc -l) = 1 &&
	names ws >n && echo "" >expect && test_cmp expect n &&
	git -C ws/src status --porcelain >st && test ! -s st
'

test_expect_success 'a commit made with plain git after ours is kept' '
	add_frob ws &&
	echo "/* a local fix */" >>ws/src/qga/commands.c &&
	git -C ws/src -c user.name=T -c user.email=t@example.com commit -q -am "qga: a local fix" &&
	qga-forge remove-command -q -w ws guest-frob &&
	git -C ws/src log --format=%s upstream..forge >log &&
	echo "qga: a local fix" >expect &&
	test_cmp expect log &&
	test_grep "a local fix" ws/src/qga/commands.c
'

test_expect_success 'a removal that plain git edits depend on is refused, nothing changed' '
	add_watchdog ws && add_statvfs ws &&
	sed -i "s/cannot get the statistics of/statvfs failed for/" ws/src/qga/commands-posix.c &&
	git -C ws/src -c user.name=T -c user.email=t@example.com commit -q -am "qga: reword an error" &&
	git -C ws/src rev-parse forge >before &&
	cp ws/.qga-forge/state.json state.before &&
	test_expect_code 1 qga-forge remove-command -w ws guest-get-statvfs 2>err &&
	test_grep "^qga-forge: error: .*qga: reword an error" err &&
	test_expect_code 1 qga-forge remove-command -w ws guest-set-watchdog-timeout 2>err &&
	test_grep "^qga-forge: error: " err &&
	git -C ws/src rev-parse forge >after &&
	test_cmp before after &&
	test_cmp state.before ws/.qga-forge/state.json &&
	git -C ws/src status --porcelain >st && test ! -s st
'

test_done

#!/usr/bin/env bash
# End to end on the real QEMU 7.2 tree: add both example commands to a
# workspace (the tree's own QAPI generator confirms the prototypes), build
# qemu-ga from the resulting branch, run it, and call the new commands.
. "$(dirname "$0")/../cli/lib.sh"

EX="$SRC_ROOT/examples"

missing=
for p in python3 meson ninja gcc pkg-config; do
	command -v $p >/dev/null 2>&1 || missing="$missing $p"
done
pkg-config --exists glib-2.0 2>/dev/null || missing="$missing glib-2.0"

if [ -n "$missing" ]; then
	test_skip 'build qemu-ga with the added commands' "missing:$missing"
	test_done
fi

# The agent is a simple command alone in the background, so $! is the agent
# itself (after `mkdir && agent &`, $! was a subshell, and stopping that left
# the agent running).
start_agent() {
	mkdir -p "$1/state" || return 1
	QGA_WATCHDOG_CONF="$1/watchdog.conf" "$2" -m unix-listen -p "$1/qga.sock" -t "$1/state" \
		-l "$1/qga.log" &
	echo $! >"$1/pid"
	for _ in $(seq 100); do [ -S "$1/qga.sock" ] && return 0; sleep 0.1; done
	return 1
}
stop_agent() { kill "$(cat "$1/pid")" 2>/dev/null; wait "$(cat "$1/pid")" 2>/dev/null; true; }
# Whatever ends this script, no agent outlives it.
trap 'for d in run run2; do [ -f "$TRASH/$d/pid" ] && kill "$(cat "$TRASH/$d/pid")" 2>/dev/null; done' EXIT

test_expect_success 'setup: a workspace of the real 7.2 tree' '
	"$SRC_ROOT/tests/fixtures/mk-el7-srpm.sh" >srpm 2>/dev/null &&
	qga-forge init -q -w ws "$(cat srpm)" >/dev/null &&
	test -f ws/src/scripts/qapi-gen.py
'

test_expect_success 'add both examples; the generator check runs and agrees' '
	qga-forge add-command -w ws "$EX/watchdog/watchdog.qapi" \
		--handler "$EX/watchdog/watchdog.c" >out 2>err &&
	test_grep -v "generator check skipped" err &&
	qga-forge add-command -w ws "$EX/statvfs/statvfs.qapi" \
		--handler "$EX/statvfs/statvfs.c" >>out 2>err &&
	test_grep -v "generator check skipped" err &&
	test_grep "^added guest-get-statvfs" out
'

test_expect_success 'the generator declares exactly the recorded prototypes' '
	python3 ws/src/scripts/qapi-gen.py -o gen -p qga- ws/src/qga/qapi-schema.json &&
	python3 -c "import json; [print(c[\"prototype\"]) for c in json.load(open(\"ws/.qga-forge/state.json\"))[\"commands\"]]" >protos &&
	while read -r p; do grep -qxF "$p" gen/qga-qapi-commands.h || { echo "missing: $p"; exit 1; }; done <protos
'

test_expect_success 'a command the generator would reject is refused before anything changes' '
	printf "##\n# @guest-bad:\n#\n# Bad.\n#\n# @x: x\n#\n# Since: 7.2\n##\n{ '\''command'\'': '\''guest-bad'\'', '\''data'\'': { '\''x'\'': '\''GuestFileSystemStatistics'\'' }, '\''boxed'\'': true }\n" >bad.qapi &&
	git -C ws/src rev-parse forge >before &&
	test_expect_code 1 qga-forge add-command -w ws bad.qapi 2>err &&
	test_grep "^qga-forge: error: " err &&
	git -C ws/src rev-parse forge >after &&
	test_cmp before after
'

test_expect_success 'qemu-ga builds from the forge branch without warnings in the new code' '
	mkdir tree &&
	git -C ws/src archive forge | tar -x -C tree &&
	mkdir tree/build &&
	(cd tree/build && ../configure --without-default-features --disable-system --disable-user \
		--enable-guest-agent --disable-docs --disable-tools --disable-install-blobs >../../configure.log 2>&1) &&
	ninja -C tree/build qga/qemu-ga >ninja.log 2>&1 &&
	test -x tree/build/qga/qemu-ga &&
	test_grep -v "commands-posix.c.*warning" ninja.log
'

test_expect_success 'the agent lists and answers the new commands' '
	start_agent run "$PWD/tree/build/qga/qemu-ga" &&
	qga-forge exec -s run/qga.sock guest-info >info.json &&
	qga-forge exec -s run/qga.sock guest-get-statvfs "{\"path\": \"/\"}" >statvfs.json &&
	qga-forge exec -s run/qga.sock guest-set-watchdog-timeout "{\"timeout\": 45}" >wd.json;
	rc=$?; stop_agent run; test $rc = 0 &&
	test_grep "\"guest-get-statvfs\"" info.json &&
	test_grep "\"guest-set-watchdog-timeout\"" info.json &&
	python3 -c "import json,os; r=json.load(open(\"statvfs.json\")); s=os.statvfs(\"/\"); assert r[\"total-bytes\"] == s.f_blocks*s.f_frsize and r[\"max-name-length\"] == s.f_namemax, r" &&
	test_grep "^options softdog soft_margin=45$" run/watchdog.conf
'

test_expect_success 'errors come back through errp' '
	start_agent run2 "$PWD/tree/build/qga/qemu-ga" &&
	rc=0 && qga-forge exec -s run2/qga.sock guest-get-statvfs "{\"path\": \"/no/such/dir\"}" 2>err || rc=$?;
	rc2=0 && qga-forge exec -s run2/qga.sock guest-set-watchdog-timeout "{\"timeout\": 0}" 2>err2 || rc2=$?;
	stop_agent run2 &&
	test $rc = 1 && test $rc2 = 1 &&
	test_grep "cannot get the statistics of '\''/no/such/dir'\'': No such file or directory" err &&
	test_grep "timeout 0 is out of range" err2 &&
	test ! -e run2/watchdog.conf
'

test_done

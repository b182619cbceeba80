#!/usr/bin/env bash
# qga-forge commands: every command of the schema with its C prototype, the
# ones qga-forge added marked.
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"

test_expect_success 'setup' '
	qga-forge init -q -w ws "$SRPM72" >/dev/null
'

test_expect_success 'a fresh workspace lists the vendor commands, none added' '
	qga-forge commands -w ws >out &&
	test_grep "^  guest-sync-delimited  *int64_t qmp_guest_sync_delimited(int64_t id, Error \*\*errp);$" out &&
	test_grep "^  guest-file-open  *int64_t qmp_guest_file_open(const char \*path, bool has_mode, const char \*mode, Error \*\*errp);$" out &&
	grep -c "^{ '\''command'\'':" ws/src/qga/qapi-schema.json >n &&
	test_grep "^$(cat n) commands, 0 added by qga-forge (marked +)$" out
'

test_expect_success 'added commands are marked' '
	qga-forge add-command -q -w ws "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c" &&
	(cd ws/src && qga-forge commands) >out &&
	test_grep "^+ guest-get-statvfs  *GuestFileSystemStatistics \*qmp_guest_get_statvfs(const char \*path, Error \*\*errp);$" out &&
	test_grep " 1 added by qga-forge" out
'

test_expect_success '--json' '
	qga-forge commands -w ws --json >out.json &&
	git -C ws/src rev-parse forge >head &&
	grep -c "^{ '\''command'\'':" ws/src/qga/qapi-schema.json >n &&
	python3 - out.json "$(cat head)" "$(cat n)" <<-\PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	assert r["qemu_version"] == "7.2.0", r["qemu_version"]
	c = {x["name"]: x for x in r["commands"]}
	assert c["guest-ping"] == {"name": "guest-ping", "prototype": "void qmp_guest_ping(Error **errp);", "added": False}, c["guest-ping"]
	s = c["guest-get-statvfs"]
	assert s["added"] is True and s["commit"] == sys.argv[2], s
	assert len(c) == int(sys.argv[3]), (len(c), sys.argv[3])
	PY
'

test_expect_success 'arguments are a usage error' '
	test_expect_code 2 qga-forge commands -w ws extra 2>err &&
	test_grep "unexpected arguments" err
'

test_done

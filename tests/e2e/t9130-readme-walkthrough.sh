#!/usr/bin/env bash
# The README's walk-through, command for command, on a real CentOS 7 style src.rpm (QEMU 7.2,
# tests/fixtures/mk-el7-srpm.sh): every step exits 0. The command added with --name has the
# generated stub: smoke reports it as a stub, not as a failure (and --strict fails on it).
# The last line (exec on a libvirt channel) is run against the agent smoke would start.
. "$(dirname "$0")/../cli/lib.sh"

EX="$SRC_ROOT/examples"

test_expect_success 'setup: the CentOS 7 style src.rpm' '
	srpm=$("$SRC_ROOT/tests/fixtures/mk-el7-srpm.sh" 2>fixture.log) &&
	cp "$srpm" . &&
	ls *.src.rpm >name
'

test_expect_success 'init, then cd into the workspace' '
	qga-forge init "$(cat name)" >init.out &&
	test_grep "^dist:      .el7 (from the src.rpm.s Release 3.el7)$" init.out &&
	test -d "$(basename "$(cat name)" .src.rpm)/src"
'

test_expect_success 'the walk-through: add-command twice, commands, build, smoke' '
	cd "$(basename "$(cat name)" .src.rpm)" &&
	qga-forge add-command "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c" &&
	qga-forge add-command --name guest-get-load --returns int --doc "Return the 1-minute load average." &&
	qga-forge commands >../commands.out &&
	qga-forge build --nodeps 2>../build.err &&
	qga-forge smoke >../smoke.out &&
	test_grep "^call 2: guest-get-load (no arguments)$" ../smoke.out &&
	test_grep "^stub: the handler is the generated stub" ../smoke.out &&
	test_grep "^smoke: 1 of 2 calls passed, 1 stub$" ../smoke.out &&
	test_expect_code 1 qga-forge smoke --strict >/dev/null 2>../strict.err &&
	test_grep "guest-get-load.: stub" ../strict.err
'

test_expect_success 'the rpm keeps the dist tag; exec talks to the agent built' '
	ws="$(basename "$(cat name)" .src.rpm)" &&
	ls $ws/out/RPMS/*/ >rpms &&
	test_grep "^qemu-guest-agent-7.2.0-3.el7.qga1\." rpms &&
	mkdir -p run/state &&
	{ $ws/out/agent/qemu-ga -m unix-listen -p run/qga.sock -t run/state -l run/log & echo $! >run/pid; } &&
	for _ in $(seq 100); do [ -S run/qga.sock ] && break; sleep 0.1; done &&
	qga-forge exec -s run/qga.sock guest-get-statvfs "{\"path\": \"/\"}" >exec.out;
	rc=$?; kill "$(cat run/pid)"; wait "$(cat run/pid)" 2>/dev/null;
	test $rc = 0 && test_grep "block-size" exec.out
'

test_done

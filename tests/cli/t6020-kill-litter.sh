#!/usr/bin/env bash
# Interrupted runs leave nothing behind. Each command is killed with SIGKILL
# while a child of a child of qga-forge runs (a `sleep` in the spec's %prep or
# %build, under rpmbuild's shell; a generator; an agent): that process must
# die with qga-forge, and the next qga-forge command must remove the
# temporary or staging directory the killed run left, saying so in one line.
# Then the command runs again to the end and leaves nothing either.
#
# The src.rpm is lib-kill.sh's kill_fixture: it sleeps in %prep or %build on demand.
. "$(dirname "$0")/lib.sh"
. "$SRC_ROOT/tests/cli/lib-kill.sh"

EX="$SRC_ROOT/examples"
FAKE="$SRC_ROOT/tests/fixtures/fake-agent.py"

# wait_marked PATTERN: a marked process whose command line matches PATTERN runs (30 s at most).
wait_marked() {
	local i
	for i in $(seq 300); do
		survivors | grep -q -e "$1" && return 0
		sleep 0.1
	done
	echo "no process matching '$1' started" >&2
	survivors >&2
	return 1
}

# kill_marked PID: SIGKILL, and wait for it.
kill_marked() {
	kill -9 "$1" && { wait "$1" 2>/dev/null; true; }
}

test_expect_success 'setup: a src.rpm that sleeps on demand and packages a qemu-ga' '
	kill_fixture "$TRASH/slow.src.rpm" &&
	"$QGA_FORGE" init -q -w w1 "$TRASH/slow.src.rpm" >/dev/null &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success 'init killed in %prep: no process left; the next init of DIR removes its staging' '
	touch slow-prep &&
	{ env "$KILL_MARK" "$QGA_FORGE" init -q -w ws "$TRASH/slow.src.rpm" >/dev/null 2>&1 & } &&
	pid=$! &&
	wait_marked "^[0-9]* sleep 30" &&
	kill_marked $pid &&
	no_survivors &&
	ls -d ws.qga-forge-new-* | grep -v "\.lock$" >staging &&
	test $(wc -l <staging) = 1 &&
	test ! -e ws &&
	rm slow-prep &&
	"$QGA_FORGE" init -w ws "$TRASH/slow.src.rpm" >out 2>err &&
	test_grep "^qga-forge: removed .$TRASH/$(cat staging)., left by an interrupted run (pid $pid)$" err &&
	test -f ws/.qga-forge/state.json &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success 'init --force killed in %prep keeps the old workspace' '
	"$QGA_FORGE" status -w ws >before &&
	touch slow-prep &&
	{ env "$KILL_MARK" "$QGA_FORGE" init -q --force -w ws "$TRASH/slow.src.rpm" >/dev/null 2>&1 & } &&
	pid=$! &&
	wait_marked "^[0-9]* sleep 30" &&
	kill_marked $pid &&
	no_survivors &&
	rm slow-prep &&
	"$QGA_FORGE" status -w ws >after 2>err &&
	test_cmp before after &&
	"$QGA_FORGE" init --force -w ws "$TRASH/slow.src.rpm" >/dev/null 2>err &&
	test_grep "removed .*ws.qga-forge-new-" err &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success 'build killed in %build: rpmbuild and its shell die; the next command removes the rebuild topdir' '
	cp -a w1 wb &&
	touch slow-build &&
	{ env "$KILL_MARK" "$QGA_FORGE" build -q -w wb --nodeps -o ob >/dev/null 2>&1 & } &&
	pid=$! &&
	wait_marked "^[0-9]* sleep 30" &&
	ls -d "$TMPDIR"/qga-forge-rebuild-*/qemu-guest-agent-* | grep -v "\.lock$" >rebuild &&
	kill_marked $pid &&
	no_survivors &&
	test -d "$(head -n 1 rebuild)" &&
	rm slow-build &&
	"$QGA_FORGE" status -w wb >/dev/null 2>err &&
	test_grep "^qga-forge: removed .*qga-forge-rebuild-.*, left by an interrupted run (pid $pid)$" err &&
	no_litter "$TRASH" &&
	"$QGA_FORGE" build -q -w wb --nodeps -o ob >/dev/null &&
	test -x ob/agent/qemu-ga &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success 'publish: what a killed publish left in the repository goes with the next one' '
	"$QGA_FORGE" publish -q ob --repo repo >/dev/null &&
	pkg=$(cd repo/Packages && ls *.rpm | head -n 1) &&
	cp "repo/Packages/$pkg" "repo/Packages/.$pkg.qga-forge-AbC123" &&
	mkdir repo/.repodata.Dead12 && echo "999999 1" >repo/.repodata.Dead12.lock &&
	"$QGA_FORGE" publish ob --repo repo >/dev/null 2>err &&
	test_grep "^qga-forge: removed .repo/Packages/\.$pkg\.qga-forge-AbC123., left by an interrupted run$" err &&
	test_grep "^qga-forge: removed .repo/\.repodata\.Dead12., left by an interrupted run (pid 999999)$" err &&
	ls -a repo repo/Packages >ls &&
	test_grep -v "qga-forge-\|repodata\." ls
'

test_expect_success 'spec: the temporary copy a killed bump left beside the spec goes with the next spec command' '
	mkdir specs && cp w1/rpmbuild/SPECS/qemu-guest-agent.spec specs/ &&
	cp specs/qemu-guest-agent.spec specs/qemu-guest-agent.spec.qga-forge-Zz9Yx8 &&
	cp specs/qemu-guest-agent.spec specs/other.spec.qga-forge-Zz9Yx8 &&
	"$QGA_FORGE" spec check specs/qemu-guest-agent.spec >/dev/null 2>err &&
	test_grep "^qga-forge: removed .specs/qemu-guest-agent.spec.qga-forge-Zz9Yx8., left by an interrupted run$" err &&
	test ! -e specs/qemu-guest-agent.spec.qga-forge-Zz9Yx8 &&
	test -e specs/other.spec.qga-forge-Zz9Yx8 &&
	rm -r specs
'

test_expect_success 'forge killed in the rebuild: nothing left; forge again succeeds' '
	touch slow-build &&
	{ env "$KILL_MARK" "$QGA_FORGE" forge -q "$TRASH/slow.src.rpm" \
		--command "$EX/statvfs/statvfs.qapi:$EX/statvfs/statvfs.c" \
		-o fo --nodeps --no-smoke >/dev/null 2>&1 & } &&
	pid=$! &&
	wait_marked "^[0-9]* sleep 30" &&
	kill_marked $pid &&
	no_survivors &&
	rm slow-build &&
	"$QGA_FORGE" forge -q "$TRASH/slow.src.rpm" \
		--command "$EX/statvfs/statvfs.qapi:$EX/statvfs/statvfs.c" \
		-o fo --nodeps --no-smoke >/dev/null 2>err &&
	test -x fo/agent/qemu-ga &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success 'forge killed while init runs its %prep: the next forge cleans OUT' '
	rm -rf fo &&
	touch slow-prep &&
	{ env "$KILL_MARK" "$QGA_FORGE" forge -q "$TRASH/slow.src.rpm" \
		--command "$EX/statvfs/statvfs.qapi:$EX/statvfs/statvfs.c" \
		-o fo --nodeps --no-smoke >/dev/null 2>&1 & } &&
	pid=$! &&
	wait_marked "^[0-9]* sleep 30" &&
	ls -d fo/workspace.qga-forge-new-* &&
	kill_marked $pid &&
	no_survivors &&
	rm slow-prep &&
	"$QGA_FORGE" forge "$TRASH/slow.src.rpm" \
		--command "$EX/statvfs/statvfs.qapi:$EX/statvfs/statvfs.c" \
		-o fo --nodeps --no-smoke >/dev/null 2>err &&
	test -x fo/agent/qemu-ga &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success 'add-command killed in the generator check: the generator dies, its copy goes' '
	cp -a w1 wa &&
	mkdir -p wa/src/scripts &&
	printf "import time\ntime.sleep(30)\n" >wa/src/scripts/qapi-gen.py &&
	{ env "$KILL_MARK" "$QGA_FORGE" add-command -q -w wa "$EX/statvfs/statvfs.qapi" \
		--handler "$EX/statvfs/statvfs.c" >/dev/null 2>&1 & } &&
	pid=$! &&
	wait_marked "python3 .*qapi-gen.py" &&
	ls -d "$TMPDIR"/qga-forge-gen.* | grep -v "\.lock$" >gen &&
	kill_marked $pid &&
	no_survivors &&
	"$QGA_FORGE" status -w wa >/dev/null 2>err &&
	test_grep "^qga-forge: removed .$(head -n 1 gen)., left by an interrupted run (pid $pid)$" err &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success 'smoke killed while its agent runs: the agent dies, its directory goes' '
	{ env FAKE_AGENT_MODE=silent "$KILL_MARK" "$QGA_FORGE" smoke --agent "$FAKE" --timeout 30 \
		--call guest-ping >/dev/null 2>&1 & } &&
	pid=$! &&
	wait_marked "fake-agent.py -m unix-listen" &&
	kill_marked $pid &&
	no_survivors &&
	ls -d "$TMPDIR"/qga-forge-smoke.* &&
	"$QGA_FORGE" status -w w1 >/dev/null 2>err &&
	test_grep "^qga-forge: removed .*qga-forge-smoke\..*, left by an interrupted run (pid $pid)$" err &&
	no_litter "$TRASH" && no_survivors
'

test_expect_success 'a live run is never touched: a sweep during a build keeps its directory' '
	touch slow-build &&
	{ env "$KILL_MARK" "$QGA_FORGE" build -q -w wb --nodeps -o ob >/dev/null 2>&1 & } &&
	pid=$! &&
	wait_marked "^[0-9]* sleep 30" &&
	"$QGA_FORGE" status -w w1 >/dev/null 2>err &&
	test_grep -v "removed" err &&
	ls -d "$TMPDIR"/qga-forge-rebuild-*/qemu-guest-agent-* &&
	rm slow-build &&
	kill_marked $pid &&
	no_survivors &&
	"$QGA_FORGE" status -w w1 >/dev/null 2>err &&
	no_litter "$TRASH"
'

test_done

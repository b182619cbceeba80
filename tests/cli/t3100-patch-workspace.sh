#!/usr/bin/env bash
# qga-forge patch: the workspace's commits become format-patch files in
# SOURCES and the spec follows (tags, %prep, Release once, a changelog entry
# naming the commands); a second run changes nothing; the series rebuilds
# the forge tree with patch -p1, git am and rpmbuild -bp; a crash leaves the
# workspace all old or all new.
. "$(dirname "$0")/lib.sh"

SRPM="$(tiny_fixtures)/qemu-guest-agent-7.2.0-1.el7.src.rpm"
WS="$TRASH/ws"
SPEC="$WS/rpmbuild/SPECS/qemu-guest-agent.spec"
SRC="$WS/rpmbuild/SOURCES"
P1=qga-forge-0001-qga-add-guest-foo.patch
P2=qga-forge-0002-qga-add-guest-bar.patch
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$TRASH"
export QGA_FORGE_AUTHOR_NAME="Jane Dev" QGA_FORGE_AUTHOR_EMAIL="jane@example.com"
export SOURCE_DATE_EPOCH=1704067200
unset QGA_FORGE_PACKAGER

# unpack REV DIR: a fresh copy of the workspace tree at REV
unpack() { mkdir -p "$2" && git -C "$WS/src" archive "$1" | tar -x -C "$2"; }

# ws_digest: every file of the workspace but the lock
ws_digest() { tree_digest "$WS" | grep -v "^./.qga-forge/lock "; }

test_expect_success 'setup: a workspace from the tiny src.rpm' '
	qga-forge init "$SRPM" -w "$WS" >/dev/null 2>&1 &&
	cp "$SPEC" vendor.spec
'

test_expect_success 'no commits yet: nothing to do, nothing changes' '
	ws_digest >before &&
	qga-forge patch -w "$WS" >out 2>err &&
	test_grep "up to date" err &&
	ws_digest >after && test_cmp before after
'

test_expect_success 'one command: its patch, its tag and %prep line, Release bumped once' '
	qga-forge add-command -w "$WS" --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	qga-forge patch -w "$WS" >out &&
	test_grep "^patch 2 $P1$" out &&
	test -f "$SRC/$P1" &&
	test_grep "^# qga-forge: $P1$" "$SPEC" &&
	test_grep "^Patch2: $P1$" "$SPEC" &&
	if rpm_rejects_patchn; then
		test_grep "^%patch -P 2 -p1$" "$SPEC"
	else
		test_grep "^%patch2 -p1$" "$SPEC"
	fi &&
	test_grep "^Release: 1%{?dist}.qga1$" "$SPEC" &&
	test_grep "^- Add guest agent command .guest-foo. (qga-forge)$" "$SPEC" &&
	qga-forge spec check "$SPEC" >check &&
	tail -n 1 check >last &&
	echo "patch 2 $P1" >expect && test_cmp expect last &&
	test_grep "^Subject: \[PATCH\] qga: add guest-foo$" "$SRC/$P1"
'

test_expect_success 'a second run changes nothing' '
	ws_digest >before &&
	qga-forge patch -w "$WS" >out 2>err &&
	test_grep "up to date" err &&
	ws_digest >after && test_cmp before after
'

test_expect_success 'two commands: two patches in order, still one bump, one entry' '
	qga-forge add-command -w "$WS" --name guest-bar --arg count:int --doc "Say bar" >/dev/null 2>&1 &&
	qga-forge patch -w "$WS" >out &&
	test_grep "^patch 3 $P2$" out &&
	test_grep "^Release: 1%{?dist}.qga1$" "$SPEC" &&
	test $(grep -c "qga-forge <qga-forge@localhost>" "$SPEC") = 1 &&
	test_grep "^- Add guest agent command .guest-bar. (qga-forge)$" "$SPEC" &&
	test_grep "^Subject: \[PATCH 2/2\] qga: add guest-bar$" "$SRC/$P2" &&
	test_expect_code 1 diff -u vendor.spec "$SPEC" >spec.diff &&
	test_grep "^+Patch3: $P2$" spec.diff &&
	if rpm_rejects_patchn; then
		test_grep "^+%patch -P 3 -p1$" spec.diff
	else
		test_grep "^+%patch3 -p1$" spec.diff
	fi &&
	test $(grep -c "^+Release:" spec.diff) = 1
'

test_expect_success 'the series rebuilds forge from the baseline with patch -p1' '
	unpack upstream plain && unpack forge want &&
	for p in "$SRC"/qga-forge-*.patch; do
		patch -p1 --fuzz=0 -s -d plain <"$p" || return 1
	done &&
	diff -r want plain
'

test_expect_success 'and with git am, keeping subjects and authors' '
	unpack upstream am &&
	git -C am init -q && git -C am add -A &&
	git -C am -c user.name=x -c user.email=x@y commit -qm base &&
	git -C am -c user.name=x -c user.email=x@y am -q "$SRC"/qga-forge-*.patch &&
	git -C am log --format="%an <%ae>|%s" -2 >log &&
	printf "%s\n" "Jane Dev <jane@example.com>|qga: add guest-bar" \
		"Jane Dev <jane@example.com>|qga: add guest-foo" >expect &&
	test_cmp expect log &&
	rm -rf am/.git && diff -r want am
'

test_expect_success 'rpmbuild -bp of the spec gives the forge tree' '
	cp -r "$WS/rpmbuild" rb &&
	rpmbuild -bp --nodeps --define "_topdir $PWD/rb" --define "_tmppath $PWD/rb" \
		rb/SPECS/qemu-guest-agent.spec >bp.log 2>&1 &&
	diff -r want "$(prep_tree rb)"
'

test_expect_success 'removing a command renames and removes patches, spec follows' '
	qga-forge remove-command -w "$WS" guest-foo >/dev/null 2>&1 &&
	qga-forge patch -w "$WS" >out &&
	test_grep "^removed $P1$" out &&
	test ! -e "$SRC/$P1" && test ! -e "$SRC/$P2" &&
	test -f "$SRC/qga-forge-0001-qga-add-guest-bar.patch" &&
	test_grep -v "guest-foo" "$SPEC" &&
	test_grep "^Patch2: qga-forge-0001-qga-add-guest-bar.patch$" "$SPEC" &&
	test $(grep -c "^%patch" "$SPEC") = 2 &&
	ws_digest >before &&
	qga-forge patch -w "$WS" >/dev/null 2>&1 &&
	ws_digest >after && test_cmp before after
'

test_expect_success 'a crash before the commit point leaves everything as it was' '
	qga-forge add-command -w "$WS" --name guest-baz --doc "Say baz" >/dev/null 2>&1 &&
	ws_digest >before &&
	QGA_FORGE_TXN_CRASH_AT=0 test_expect_code 99 qga-forge patch -w "$WS" >/dev/null 2>&1 &&
	qga-forge status -w "$WS" >/dev/null &&
	ws_digest >after && test_cmp before after
'

test_expect_success 'a crash after it: the next command finishes the change' '
	QGA_FORGE_TXN_CRASH_AT=11 test_expect_code 99 qga-forge patch -w "$WS" >/dev/null 2>&1 &&
	qga-forge status -w "$WS" >/dev/null &&
	test_grep "^Patch3: qga-forge-0002-qga-add-guest-baz.patch$" "$SPEC" &&
	test -f "$SRC/qga-forge-0002-qga-add-guest-baz.patch" &&
	ws_digest >before &&
	qga-forge patch -w "$WS" >out 2>err &&
	test_grep "up to date" err &&
	ws_digest >after && test_cmp before after
'

test_expect_success 'a spec the workspace cannot sync: refused, nothing written' '
	cp "$SPEC" good.spec &&
	sed -i "s/^Patch1: .*/&\nPatch1: duplicate.patch/" "$SPEC" &&
	qga-forge add-command -w "$WS" --name guest-qux --doc "Say qux" >/dev/null 2>&1 &&
	ws_digest >before &&
	test_expect_code 1 qga-forge patch -w "$WS" 2>err &&
	test_grep "qemu-guest-agent.spec:[0-9]*:1: duplicate patch number 1" err &&
	ws_digest >after && test_cmp before after
'

test_done

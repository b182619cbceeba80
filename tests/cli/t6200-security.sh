#!/usr/bin/env bash
# Security: user text cannot steer the C, QAPI and spec text qga-forge
# writes; paths from inputs and links planted in a workspace or OUTDIR
# cannot make it write outside them; a spec that runs code while rpm parses
# it can be refused (--no-spec-code, QGA_FORGE_REFUSE_SPEC_CODE=1) before
# rpm sees it.
. "$(dirname "$0")/lib.sh"

FX=$(tiny_fixtures)
SRPM72="$FX/qemu-guest-agent-7.2.0-1.el7.src.rpm"
EX="$SRC_ROOT/examples"
export SOURCE_DATE_EPOCH=1700000000
SPEC=rpmbuild/SPECS/qemu-guest-agent.spec
PATCH_SRC="$SRC_ROOT/tests/fixtures/tiny/7.2/qemuga-qga-Fix-typos-in-guest-sync-delimited-documentation.patch"

# A directory outside everything qga-forge is given, with a file in it: it must
# never change.
outside_digest() { tree_digest "$TRASH/outside"; }

# The commands the schema declares, one per line.
schema_commands() { sed -n "s/^{ 'command': '\([^']*\)'.*/\1/p" "$1"; }

test_expect_success 'setup' '
	"$QGA_FORGE" init -q -w ws0 "$SRPM72" >/dev/null &&
	mkdir -p outside/dir && echo "keep me" >outside/file && echo "keep me too" >outside/dir/f &&
	outside_digest >outside.before &&
	sed -e "s/Fix typos/Fix more typos/" "$PATCH_SRC" >new.patch
'

# ---- (a) generated text cannot be steered ----

DOC="Does x */ int pwned; /* with 'single' and \"double\" quotes, 100% of %{name} and %(touch pwned)
and a second line that holds ## and @member: in its middle"

test_expect_success '--doc text stays inside the doc block; the C code never sees it' '
	rm -rf ws && cp -a ws0 ws &&
	schema_commands ws/src/qga/qapi-schema.json >before.cmds &&
	"$QGA_FORGE" add-command -q -w ws --no-generator-check --name guest-safe-x \
		--arg "path:str:a path with */ and \"quotes\"" --doc "$DOC" &&
	schema_commands ws/src/qga/qapi-schema.json >after.cmds &&
	echo guest-safe-x >>before.cmds && sort before.cmds >b && sort after.cmds >a && test_cmp b a &&
	git -C ws/src diff upstream forge -- qga/qapi-schema.json >diff &&
	grep "^+" diff | grep -v "^+++" | sed "s/^+//" >added &&
	! grep -v -e "^#" -e "^$" -e "^{ '\''command'\'': '\''guest-safe-x'\''" -e "^  '\''data'\''" \
		-e "^  '\''if'\''" -e "^  '\''returns'\''" -e "^ *'\''[a-z-]*'\'': " -e "^ *} *}*$" added &&
	grep "pwned" added >doc && ! grep -v "^# " doc &&
	! grep -r "pwned" ws/src/qga/*.c &&
	"$QGA_FORGE" commands -w ws >cmds && test_grep "qmp_guest_safe_x(const char \*path" cmds
'

test_expect_success 'a --doc or --arg that would close the doc block or start a section is refused' '
	rm -rf ws && cp -a ws0 ws && tree_digest ws | grep -v "/lock " >before &&
	test_expect_code 2 "$QGA_FORGE" add-command -w ws --name guest-x --doc "ok
##
{ '\''command'\'': '\''guest-evil'\'' }" 2>err &&
	test_grep "may not start with" err &&
	test_expect_code 2 "$QGA_FORGE" add-command -w ws --name guest-x --doc "ok
# Returns: forged" 2>err &&
	test_expect_code 2 "$QGA_FORGE" add-command -w ws --name guest-x \
		--arg "p:str:x
@evil: forged" 2>err &&
	tree_digest ws | grep -v "/lock " >after && test_cmp before after
'

test_expect_success 'names with blanks, quotes or ../ are refused everywhere' '
	rm -rf ws && cp -a ws0 ws && tree_digest ws | grep -v "/lock " >before &&
	for n in "guest x" "guest-x'\''y" "guest-x\"y" "../../etc/x" "guest-x/../y" "guest-x;y"; do
		test_must_fail "$QGA_FORGE" add-command -w ws --name "$n" 2>err &&
		test_must_fail "$QGA_FORGE" add-command -w ws --name guest-x --arg "$n:str" 2>err &&
		test_must_fail "$QGA_FORGE" add-command -w ws --name guest-x --returns "$n" 2>err &&
		test_must_fail "$QGA_FORGE" remove-command -w ws "$n" 2>err || return 1
	done &&
	tree_digest ws | grep -v "/lock " >after && test_cmp before after
'

test_expect_success 'changelog and comment text: % is escaped, rpm runs nothing of it' '
	mkdir -p sp/SPECS sp/SOURCES && cp ws0/$SPEC sp/SPECS/x.spec &&
	"$QGA_FORGE" spec add-patch --comment "100% %{name} %(touch $TRASH/pwned)" \
		sp/SPECS/x.spec new.patch >/dev/null &&
	"$QGA_FORGE" spec bump --changelog "- fixes 100% of %{name}: %(touch $TRASH/pwned) %{lua: os.exit(1)}" \
		sp/SPECS/x.spec >/dev/null &&
	test_grep "^# 100%% %%{name} %%(touch" sp/SPECS/x.spec &&
	test_grep "^- fixes 100%% of %%{name}: %%(touch" sp/SPECS/x.spec &&
	"$QGA_FORGE" spec check sp/SPECS/x.spec >/dev/null &&
	QGA_FORGE_REFUSE_SPEC_CODE=1 "$QGA_FORGE" spec check sp/SPECS/x.spec >/dev/null &&
	rpmspec -q --srpm --qf "[%{CHANGELOGTEXT}\n]" sp/SPECS/x.spec >log &&
	test_grep "fixes 100% of %{name}: %(touch" log &&
	test ! -e pwned
'

# ---- (b) paths and links ----

test_expect_success 'Patch tags with ../ or absolute paths: spec edits write only the spec and SOURCES' '
	mkdir -p pp/a/SPECS pp/a/SOURCES &&
	sed -e "/^Patch1:/a Patch9: ../../outside/file\nPatch10: $TRASH/outside/dir/f" \
		-e "/^%patch1/a %patch9 -p1\n%patch10 -p1" ws0/$SPEC >pp/a/SPECS/x.spec &&
	test_grep "^Patch10: /" pp/a/SPECS/x.spec &&
	"$QGA_FORGE" spec add-patch pp/a/SPECS/x.spec new.patch >/dev/null &&
	"$QGA_FORGE" spec renumber pp/a/SPECS/x.spec >/dev/null &&
	"$QGA_FORGE" spec bump pp/a/SPECS/x.spec >/dev/null &&
	"$QGA_FORGE" spec check pp/a/SPECS/x.spec >/dev/null &&
	outside_digest >outside.after && test_cmp outside.before outside.after &&
	(cd pp && find . -type f | sort) >files &&
	printf "%s\n" ./a/SOURCES/new.patch ./a/SPECS/x.spec >want && test_cmp want files
'

test_expect_success 'a spec or patch that is a symbolic link is not written through' '
	mkdir -p ln/SPECS ln/SOURCES specs-elsewhere && cp ws0/$SPEC specs-elsewhere/x.spec &&
	tree_digest specs-elsewhere >elsewhere.before &&
	ln -s "$TRASH/specs-elsewhere/x.spec" ln/SPECS/x.spec &&
	test_must_fail "$QGA_FORGE" spec add-patch ln/SPECS/x.spec new.patch 2>err &&
	test_grep "is a symbolic link" err &&
	test_must_fail "$QGA_FORGE" spec bump ln/SPECS/x.spec 2>err &&
	rm ln/SPECS/x.spec && cp ws0/$SPEC ln/SPECS/x.spec &&
	ln -s "$TRASH/outside/file" ln/SOURCES/new.patch &&
	test_must_fail "$QGA_FORGE" spec add-patch ln/SPECS/x.spec new.patch 2>err &&
	test_grep "is a symbolic link" err &&
	outside_digest >outside.after && test_cmp outside.before outside.after &&
	tree_digest specs-elsewhere >elsewhere.after && test_cmp elsewhere.before elsewhere.after &&
	test ! -e ln/SPECS/.x.spec.qga-forge-journal
'

test_expect_success 'workspace: a planted link at a patch file qga-forge writes is refused' '
	rm -rf ws && cp -a ws0 ws &&
	"$QGA_FORGE" add-command -q -w ws "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c" &&
	ln -s "$TRASH/outside/file" ws/rpmbuild/SOURCES/qga-forge-0001-qga-add-guest-get-statvfs.patch &&
	test_must_fail "$QGA_FORGE" patch -w ws 2>err &&
	test_grep "is a symbolic link" err &&
	test -L ws/rpmbuild/SOURCES/qga-forge-0001-qga-add-guest-get-statvfs.patch &&
	outside_digest >outside.after && test_cmp outside.before outside.after
'

test_expect_success 'workspace: SOURCES or SPECS a link out of the workspace is refused' '
	rm -rf ws && cp -a ws0 ws &&
	"$QGA_FORGE" add-command -q -w ws "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c" &&
	rm -rf outside/SOURCES && mv ws/rpmbuild/SOURCES outside/SOURCES &&
	ln -s "$TRASH/outside/SOURCES" ws/rpmbuild/SOURCES &&
	tree_digest outside >o.before &&
	test_must_fail "$QGA_FORGE" patch -w ws 2>err &&
	test_grep "outside the workspace" err &&
	tree_digest outside >o.after && test_cmp o.before o.after &&
	rm ws/rpmbuild/SOURCES && mv outside/SOURCES ws/rpmbuild/SOURCES &&
	mkdir -p spec-out && cp ws/$SPEC spec-out/x.spec && rm ws/$SPEC &&
	ln -s "$TRASH/spec-out/x.spec" ws/$SPEC &&
	tree_digest spec-out >o.before &&
	test_must_fail "$QGA_FORGE" patch -w ws 2>err &&
	test_grep "is a symbolic link" err &&
	tree_digest spec-out >o.after && test_cmp o.before o.after
'

test_expect_success 'workspace: src a link out of the workspace: add-command refuses to write there' '
	rm -rf ws outside/src && cp -a ws0 ws && mv ws/src outside/src && ln -s "$TRASH/outside/src" ws/src &&
	tree_digest outside >o.before &&
	test_must_fail "$QGA_FORGE" add-command -w ws "$EX/statvfs/statvfs.qapi" \
		--handler "$EX/statvfs/statvfs.c" 2>err &&
	test_grep "outside the workspace" err &&
	git -C outside/src status --porcelain >st && test ! -s st &&
	test "$(git -C outside/src rev-parse forge)" = "$(git -C outside/src rev-parse upstream)" &&
	tree_digest outside | grep -v "/\.git/" >o.after && grep -v "/\.git/" o.before >o.b &&
	test_cmp o.b o.after && rm -rf outside/src
'

test_expect_success 'workspace: a state.json naming a patch ../something is refused, nothing deleted' '
	rm -rf ws && cp -a ws0 ws &&
	"$QGA_FORGE" add-command -q -w ws "$EX/statvfs/statvfs.qapi" --handler "$EX/statvfs/statvfs.c" &&
	"$QGA_FORGE" patch -q -w ws >/dev/null &&
	sed -i "s|\"name\": \"qga-forge-0001-qga-add-guest-get-statvfs.patch\"|\"name\": \"../SPECS/qemu-guest-agent.spec\"|" \
		ws/.qga-forge/state.json &&
	test_grep "../SPECS/qemu-guest-agent.spec" ws/.qga-forge/state.json &&
	tree_digest ws | grep -v "/lock " >before &&
	test_must_fail "$QGA_FORGE" patch -w ws 2>err &&
	test_grep "not a plain file name" err &&
	tree_digest ws | grep -v "/lock " >after && test_cmp before after
'

test_expect_success 'build -o OUTDIR: links planted in OUTDIR are replaced, never written through' '
	rm -rf ws out && cp -a ws0 ws && mkdir out &&
	ln -s "$TRASH/outside/dir" out/SRPMS && ln -s "$TRASH/outside/dir" out/RPMS &&
	ln -s "$TRASH/outside/dir" out/agent && ln -s "$TRASH/outside/file" out/build.log &&
	ln -s "$TRASH/outside/file" out/manifest.json &&
	{ "$QGA_FORGE" build -q -w ws -o out --nodeps >/dev/null 2>&1 || true; } &&
	test -d out/SRPMS && ! test -L out/SRPMS && ls out/SRPMS/*.src.rpm &&
	outside_digest >outside.after && test_cmp outside.before outside.after
'

test_expect_success 'init: a link planted at the kept %prep log is not written through' '
	log="${TMPDIR:-/tmp}/qga-forge-qemu-guest-agent-7.2.0-1.prepfail-prep.log" &&
	rm -f "$log" && ln -s "$TRASH/outside/file" "$log" &&
	test_must_fail "$QGA_FORGE" init -w prepfail "$FX/bad/qemu-guest-agent-7.2.0-1.prepfail.src.rpm" 2>err &&
	test -L "$log" && rm -f "$log" &&
	outside_digest >outside.after && test_cmp outside.before outside.after
'

# ---- (c) code in specs ----

# mk_srpm NAME LINE: a small src.rpm whose spec has LINE in its preamble and a
# %prep that makes a qga/ tree (rpmbuild runs LINE too: its trace is removed).
mk_srpm() {
	mkdir -p "rb/$1/SPECS" &&
	cat >"rb/$1/SPECS/$1.spec" <<-EOF &&
	Name: $1
	Version: 1
	Release: 1
	Summary: spec code test
	License: MIT
	$2

	%description
	x

	%prep
	mkdir -p %{name}-1/qga && echo "{ 'command': 'guest-ping' }" >%{name}-1/qga/qapi-schema.json
	cd %{name}-1

	%files
	EOF
	rpmbuild -bs --quiet --nodeps --define "_topdir $TRASH/rb/$1" "rb/$1/SPECS/$1.spec" >/dev/null &&
	rm -f pwned
}

test_expect_success 'init --no-spec-code refuses %(...) before rpm parses the spec' '
	# (macro names of three letters or more: rpm up to 4.16 refuses shorter ones)
	mk_srpm shellcode "%global pwn %(touch $TRASH/pwned)" &&
	test_expect_code 1 "$QGA_FORGE" init --no-spec-code -w sc rb/shellcode/SRPMS/shellcode-1-1.src.rpm 2>err &&
	test_grep "shellcode-1-1.src.rpm: shellcode.spec:6:13: '\''%('\'' runs a shell command" err &&
	test ! -e pwned && test ! -e sc &&
	QGA_FORGE_REFUSE_SPEC_CODE=1 test_expect_code 1 "$QGA_FORGE" init -w sc \
		rb/shellcode/SRPMS/shellcode-1-1.src.rpm 2>err &&
	test_grep "QGA_FORGE_REFUSE_SPEC_CODE" err &&
	test ! -e pwned && test ! -e sc &&
	{ "$QGA_FORGE" init -w sc rb/shellcode/SRPMS/shellcode-1-1.src.rpm >/dev/null 2>&1 || true; } &&
	test -e pwned
'

test_expect_success 'init --no-spec-code refuses Lua and %include' '
	mk_srpm luacode "%global pwn %{lua: io.open(\"$TRASH/pwned\", \"w\"):close()}" &&
	test_expect_code 1 "$QGA_FORGE" init --no-spec-code -w lc rb/luacode/SRPMS/luacode-1-1.src.rpm 2>err &&
	test_grep "luacode.spec:6:13: '\''%{lua:'\'' runs Lua code" err &&
	test ! -e pwned &&
	mk_srpm inc "%include /dev/null" &&
	test_expect_code 1 "$QGA_FORGE" init --no-spec-code -w ic rb/inc/SRPMS/inc-1-1.src.rpm 2>err &&
	test_grep "inc.spec:6:1: '\''%include'\''" err
'

test_expect_success 'the scan knows escapes: %%( is text, except where it is expanded again' '
	cp ws0/$SPEC plain.spec &&
	"$QGA_FORGE" spec check --no-spec-code plain.spec >/dev/null &&
	sed -e "s/^Release:/# 100%%(not code)\nRelease:/" ws0/$SPEC >escaped.spec &&
	"$QGA_FORGE" spec check --no-spec-code escaped.spec >/dev/null &&
	sed -e "s/^Release:/%global y %%(touch pwned)\nRelease:/" ws0/$SPEC >global.spec &&
	test_expect_code 1 "$QGA_FORGE" spec check --no-spec-code global.spec 2>err &&
	test_grep "global.spec:5:12: '\''%('\''" err &&
	sed -e "s/^Release:/%global y \\\\\n  %%(touch pwned)\nRelease:/" ws0/$SPEC >cont.spec &&
	test_expect_code 1 "$QGA_FORGE" spec check --no-spec-code cont.spec 2>err &&
	test_grep "cont.spec:6:4: '\''%('\''" err &&
	sed -e "s/^Release:/%{?lua: print(1)}\nRelease:/" ws0/$SPEC >qlua.spec &&
	test_expect_code 1 "$QGA_FORGE" spec check --no-spec-code qlua.spec 2>err &&
	test_grep "qlua.spec:5:1: '\''%{lua:'\''" err &&
	test ! -e pwned
'

test_expect_success 'with QGA_FORGE_REFUSE_SPEC_CODE=1, patch and build refuse a workspace spec with code' '
	rm -rf ws && cp -a ws0 ws &&
	sed -i -e "s/^Release:/%global z %(true)\nRelease:/" ws/$SPEC &&
	tree_digest ws | grep -v "/lock " >before &&
	QGA_FORGE_REFUSE_SPEC_CODE=1 test_expect_code 1 "$QGA_FORGE" patch -w ws 2>err &&
	test_grep "qemu-guest-agent.spec:5:11: '\''%('\''" err &&
	QGA_FORGE_REFUSE_SPEC_CODE=1 test_expect_code 1 "$QGA_FORGE" build -w ws --nodeps 2>err &&
	test_grep "refused (QGA_FORGE_REFUSE_SPEC_CODE is set)" err &&
	QGA_FORGE_REFUSE_SPEC_CODE=0 "$QGA_FORGE" patch -w ws >/dev/null &&
	tree_digest ws | grep -v "/lock " >after && test_cmp before after
'

test_done

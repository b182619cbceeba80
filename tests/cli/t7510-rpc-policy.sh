#!/usr/bin/env bash
# The vendor's RPC policy: `patch` makes each added command callable under
# the configuration the package ships. A workspace from the tiny src.rpm
# gets a Source that is /etc/sysconfig/qemu-ga (or qemu-ga.conf) in each
# vendor style; an allow-list gains the command through a new Source file
# (the vendor's stays), a block list naming it is refused with its line, and
# the built rpm installs the edited file.
. "$(dirname "$0")/lib.sh"

SRPM="$(tiny_fixtures)/qemu-guest-agent-7.2.0-1.el7.src.rpm"
DATA="$SRC_ROOT/tests/data/deploy"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$TRASH"
export QGA_FORGE_AUTHOR_NAME="Jane Dev" QGA_FORGE_AUTHOR_EMAIL="jane@example.com"
export SOURCE_DATE_EPOCH=1704067200
unset QGA_FORGE_PACKAGER

# mkws DIR FILE [conf|byname]: a workspace whose spec ships FILE as Source1
# (/etc/sysconfig/qemu-ga, or /etc/qemu-ga/qemu-ga.conf), %config(noreplace),
# installed as %{SOURCE1}, or with byname as real RHEL and CentOS specs do:
# %{_sourcedir}/qemu-ga.sysconfig
mkws() {
	local ws=$1 file=$2 dest=%{_sysconfdir}/sysconfig/qemu-ga name=qemu-ga.sysconfig src=%{SOURCE1}
	if [ "${3:-}" = conf ]; then dest=%{_sysconfdir}/qemu-ga/qemu-ga.conf name=qemu-ga.conf; fi
	if [ "${3:-}" = byname ]; then src=%{_sourcedir}/$name; fi
	qga-forge init "$SRPM" -w "$ws" >/dev/null 2>&1 &&
	cp "$file" "$ws/rpmbuild/SOURCES/$name" &&
	sed -i -e "s|^Source0: .*|&\nSource1: $name|" \
		-e "s|^install -D -p -m 0644 qga/qapi-schema.json.*|&\ninstall -D -p -m 0644 $src %{buildroot}$dest|" \
		-e "s|^    %{_datadir}/%{name}/qapi-schema.json|&\n    %config(noreplace) $dest|" \
		"$ws/rpmbuild/SPECS/qemu-guest-agent.spec" &&
	grep -q "^Source1: $name$" "$ws/rpmbuild/SPECS/qemu-guest-agent.spec" &&
	grep -q "^    %config(noreplace) $dest$" "$ws/rpmbuild/SPECS/qemu-guest-agent.spec"
}

ws_digest() { tree_digest "$1" | grep -v "^./.qga-forge/lock "; }

test_expect_success 'RHEL 9.4 style allow-list: the command joins FILTER_RPC_ARGS' '
	mkws ws94 "$DATA/sysconfig-el9.4" &&
	S=ws94/rpmbuild/SOURCES &&
	qga-forge add-command -w ws94 --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	qga-forge patch -w ws94 >out 2>err &&
	test_cmp "$DATA/sysconfig-el9.4" $S/qemu-ga.sysconfig &&
	test_grep "^Source1: qemu-ga.sysconfig.qga-forge$" ws94/rpmbuild/SPECS/qemu-guest-agent.spec &&
	test_expect_code 1 diff $S/qemu-ga.sysconfig $S/qemu-ga.sysconfig.qga-forge >d &&
	grep "^[<>]" d >changed &&
	test $(wc -l <changed) = 2 &&
	test_grep "^> FILTER_RPC_ARGS=\"--allow-rpcs=guest-sync-delimited,.*,guest-get-users,guest-foo\"$" changed
'

test_expect_success 'the changelog entry warns about %config(noreplace)' '
	test_grep "^- Allow the added commands in qemu-ga.sysconfig.s FILTER_RPC_ARGS (--allow-rpcs) (Source1 is now qemu-ga.sysconfig.qga-forge); it is %%config(noreplace): a host that changed its copy keeps it and needs the commands added by hand$" \
		ws94/rpmbuild/SPECS/qemu-guest-agent.spec &&
	qga-forge spec check ws94/rpmbuild/SPECS/qemu-guest-agent.spec >/dev/null
'

test_expect_success 'a second patch changes nothing' '
	ws_digest ws94 >before &&
	qga-forge patch -w ws94 >out 2>err &&
	ws_digest ws94 >after && test_cmp before after
'

test_expect_success 'a second command is added to the same list' '
	qga-forge add-command -w ws94 --name guest-bar --doc "Say bar" >/dev/null 2>&1 &&
	qga-forge patch -w ws94 >out 2>err &&
	test_grep ",guest-get-users,guest-foo,guest-bar\"$" ws94/rpmbuild/SOURCES/qemu-ga.sysconfig.qga-forge
'

# rpmbuild of rpm 4.20 and later makes a debuginfo package by default, which
# fails on the tiny package (no ELF file in it): none is asked for.
test_expect_success 'the built rpm installs the edited file where the unit reads it' '
	qga-forge build -w ws94 --srpm-only -o out94 >out 2>err &&
	rpmbuild --rebuild --quiet --nodeps --define "_topdir $TRASH/rb" \
		--define "_binary_payload w9.gzdio" --define "debug_package %{nil}" \
		out94/SRPMS/*.src.rpm >/dev/null 2>&1 &&
	rpm=$(ls rb/RPMS/*/*.rpm) &&
	rpm --root "$TRASH/root" --initdb &&
	rpm --root "$TRASH/root" -i --nodeps --noscripts --excludedocs "$rpm" 2>/dev/null &&
	test_cmp ws94/rpmbuild/SOURCES/qemu-ga.sysconfig.qga-forge "$TRASH/root/etc/sysconfig/qemu-ga" &&
	rpm --root "$TRASH/root" -qc qemu-guest-agent >config &&
	test_grep "^/etc/sysconfig/qemu-ga$" config
'

test_expect_success 'without commands the vendor file comes back' '
	qga-forge remove-command -w ws94 guest-bar >/dev/null 2>&1 &&
	qga-forge remove-command -w ws94 guest-foo >/dev/null 2>&1 &&
	qga-forge patch -w ws94 >out 2>err &&
	test_grep "^Source1: qemu-ga.sysconfig$" ws94/rpmbuild/SPECS/qemu-guest-agent.spec &&
	! test -e ws94/rpmbuild/SOURCES/qemu-ga.sysconfig.qga-forge
'

test_expect_success 'a spec that installs the file by name (%{_sourcedir}/NAME) installs the edited one' '
	mkws wsn "$DATA/sysconfig-el9.4" byname &&
	spec=wsn/rpmbuild/SPECS/qemu-guest-agent.spec &&
	qga-forge add-command -w wsn --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	qga-forge patch -w wsn >out 2>err &&
	test_grep "^Source1: qemu-ga.sysconfig.qga-forge$" $spec &&
	test_grep "^install -D -p -m 0644 %{_sourcedir}/qemu-ga.sysconfig.qga-forge %{buildroot}%{_sysconfdir}/sysconfig/qemu-ga$" $spec &&
	test_grep "(Source1 is now qemu-ga.sysconfig.qga-forge, and so is the 1 line that installs it by name)" $spec &&
	qga-forge build -w wsn --srpm-only -o outn >/dev/null 2>&1 &&
	rpmbuild --rebuild --quiet --nodeps --define "_topdir $TRASH/rbn" \
		--define "_binary_payload w9.gzdio" --define "debug_package %{nil}" \
		outn/SRPMS/*.src.rpm >/dev/null 2>&1 &&
	rpm --root "$TRASH/rootn" --initdb &&
	rpm --root "$TRASH/rootn" -i --nodeps --noscripts --excludedocs rbn/RPMS/*/*.rpm 2>/dev/null &&
	test_cmp wsn/rpmbuild/SOURCES/qemu-ga.sysconfig.qga-forge "$TRASH/rootn/etc/sysconfig/qemu-ga" &&
	qga-forge remove-command -w wsn guest-foo >/dev/null 2>&1 &&
	qga-forge patch -w wsn >out 2>err &&
	test_grep "^install -D -p -m 0644 %{_sourcedir}/qemu-ga.sysconfig %{buildroot}%{_sysconfdir}/sysconfig/qemu-ga$" $spec &&
	test_grep -v "qga-forge %{buildroot}" $spec
'

test_expect_success 'CentOS 7 style BLACKLIST_RPC without the command: nothing to change' '
	mkws ws7 "$DATA/sysconfig-el7" &&
	qga-forge add-command -w ws7 --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	qga-forge patch -w ws7 >out 2>err &&
	test_grep "^Source1: qemu-ga.sysconfig$" ws7/rpmbuild/SPECS/qemu-guest-agent.spec &&
	! test -e ws7/rpmbuild/SOURCES/qemu-ga.sysconfig.qga-forge &&
	test_grep -v "Allow the added commands" ws7/rpmbuild/SPECS/qemu-guest-agent.spec
'

test_expect_success 'a block list naming the command is refused at its line; nothing changes' '
	sed "s/^BLOCK_RPCS=guest-file-open,/BLOCK_RPCS=guest-file-open,guest-foo,/" \
		"$DATA/sysconfig-el9.0" >blocked &&
	mkws ws90 blocked &&
	qga-forge add-command -w ws90 --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	ws_digest ws90 >before &&
	test_expect_code 1 qga-forge patch -w ws90 >out 2>err &&
	test_grep "ws90/rpmbuild/SOURCES/qemu-ga.sysconfig:8:12: BLOCK_RPCS (--block-rpcs) blocks .guest-foo.: the command would answer \"has been disabled\"" err &&
	ws_digest ws90 >after && test_cmp before after
'

test_expect_success 'the same in CentOS 7 style: BLACKLIST_RPC' '
	sed "s/^BLACKLIST_RPC=guest-file-open,/BLACKLIST_RPC=guest-foo,guest-file-open,/" \
		"$DATA/sysconfig-el7" >blocked7 &&
	mkws ws7b blocked7 &&
	qga-forge add-command -w ws7b --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	test_expect_code 1 qga-forge patch -w ws7b >out 2>err &&
	test_grep "qemu-ga.sysconfig:8:15: BLACKLIST_RPC (--blacklist) blocks .guest-foo." err
'

test_expect_success 'qemu-ga.conf: allow-rpcs in [general] gains the command' '
	mkws wsconf "$DATA/qemu-ga-allow.conf" conf &&
	qga-forge add-command -w wsconf --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	qga-forge patch -w wsconf >out 2>err &&
	test_grep "^Source1: qemu-ga.conf.qga-forge$" wsconf/rpmbuild/SPECS/qemu-guest-agent.spec &&
	test_grep "^allow-rpcs=guest-sync-delimited,guest-sync,guest-ping,guest-info,guest-foo$" \
		wsconf/rpmbuild/SOURCES/qemu-ga.conf.qga-forge &&
	test_grep "^allow-rpcs=not-this-one$" wsconf/rpmbuild/SOURCES/qemu-ga.conf.qga-forge
'

test_expect_success 'qemu-ga.conf: block-rpcs naming the command is refused' '
	sed "s/^block-rpcs = /block-rpcs = guest-foo,/" "$DATA/qemu-ga-block.conf" >blocked.conf &&
	mkws wsconfb blocked.conf conf &&
	qga-forge add-command -w wsconfb --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	test_expect_code 1 qga-forge patch -w wsconfb >out 2>err &&
	test_grep "qemu-ga.conf:9:14: block-rpcs (--block-rpcs) blocks .guest-foo." err
'

test_done

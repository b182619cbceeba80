#!/usr/bin/env bash
# build --agent-only and forge --agent-only on tiny src.rpms (tests/fixtures/mk-qemu-srpm.sh):
# a qemu-kvm in the RHEL 9 layout whose configure is a stand-in (no compiler), one with no
# qemu-guest-agent subpackage, and a plain qemu-guest-agent src.rpm. The real builds over
# QEMU 7.2 and 10.0 are tests/e2e/t9600 and t9610.
. "$(dirname "$0")/lib.sh"

MK="$SRC_ROOT/tests/fixtures/mk-qemu-srpm.sh"
# rpm 4.20 and later make a debuginfo package by default, which fails on the tiny
# fixtures (their qemu-ga is a shell script): none is asked for.
NODEBUG=(--define "debug_package %{nil}")
DEFS=(--define "_unitdir /usr/lib/systemd/system" --define "_udevrulesdir /usr/lib/udev/rules.d" "${NODEBUG[@]}")

# section FILE HEADER: the lines of the section that starts with HEADER, up to the next one
section() {
	awk -v h="$2" '
		/^%(package|description|prep|build|install|check|clean|files|changelog|pre|post|preun|postun)( |$)/ { on = ($0 == h) ; if (on) { print; next } }
		on' "$1"
}

test_expect_success 'the tiny fixtures build' '
	"$MK" --layout tiny >tiny 2>fixture.log &&
	"$MK" --layout noagent >noagent 2>>fixture.log &&
	"$SRC_ROOT/tests/fixtures/mk-tiny-srpm.sh" >plain 2>>fixture.log &&
	test -f "$(cat tiny)" && test -f "$(cat noagent)" &&
	test -f "$(cat plain)/qemu-guest-agent-7.2.0-1.el7.src.rpm"
'

test_expect_success 'init, add-command and patch work on the qemu-kvm spec' '
	qga-forge init "$(cat tiny)" -w ws "${DEFS[@]}" >init.out 2>init.err &&
	test_grep "2 distribution patches" init.out &&
	qga-forge add-command -w ws --name guest-forge-hello --doc "Say hello." >add.out 2>&1 &&
	qga-forge patch -w ws >patch.out 2>&1 &&
	test_grep "^Release: 11%{?rcrel}%{?dist}%{?cc_suffix}\.qga1$" ws/rpmbuild/SPECS/qemu-kvm.spec &&
	test_grep "^Patch0006: qga-forge-0001-qga-add-guest-forge-hello.patch" ws/rpmbuild/SPECS/qemu-kvm.spec &&
	cp ws/rpmbuild/SPECS/qemu-kvm.spec vendor.spec
'

test_expect_success 'build --agent-only builds the qemu-guest-agent subpackage alone' '
	qga-forge build -w ws --agent-only --nodeps -o out >build.out 2>build.err &&
	cp out/manifest.json manifest.json &&
	ls out/RPMS/*/ >rpms &&
	echo qemu-guest-agent-7.2.0-11.el9.qga1.x86_64.rpm >expect &&
	test_cmp expect rpms &&
	ls out/SRPMS >srpms &&
	echo qemu-kvm-7.2.0-11.el9.qga1.src.rpm >expect &&
	test_cmp expect srpms &&
	test_grep "agent-only: qemu-guest-agent 17:7.2.0-11.el9.qga1 from qemu-kvm.spec" build.err &&
	python3 - manifest.json <<-\PY
	import json, sys
	m = json.load(open(sys.argv[1]))
	ao = m["agent_only"]
	assert ao["derived"] and ao["vendor_package"] == "qemu-kvm", ao
	assert ao["spec"].endswith("/out/qemu-kvm.agent-only.spec"), ao
	assert m["agent"].endswith("/out/agent/qemu-ga"), m["agent"]
	PY
'

test_expect_success 'the src.rpm of record is the whole vendor package, patched' '
	rpm -qlp out/SRPMS/*.src.rpm >srpm-files 2>/dev/null &&
	test_grep "^qemu-kvm.spec$" srpm-files &&
	test_grep "guest-forge-hello" srpm-files &&
	rpm -qp --qf "%{NAME}\n" out/SRPMS/*.src.rpm >name 2>/dev/null &&
	echo qemu-kvm >expect &&
	test_cmp expect name
'

test_expect_success 'the derived spec keeps the subpackage sections verbatim and drops the others' '
	spec=out/qemu-kvm.agent-only.spec &&
	for h in "%package -n qemu-guest-agent" "%description -n qemu-guest-agent" \
		"%files -n qemu-guest-agent" "%post -n qemu-guest-agent" \
		"%preun -n qemu-guest-agent" "%postun -n qemu-guest-agent" "%prep" "%changelog"; do
		section vendor.spec "$h" >want &&
		section "$spec" "$h" >got &&
		test -s want &&
		test_cmp want got || return 1
	done &&
	test_grep -v "^%package core" "$spec" &&
	test_grep -v "^%files -n qemu-img" "$spec" &&
	test_grep -v "^%check" "$spec" &&
	test_grep -v "make check" "$spec" &&
	test_grep -v "enable-system" "$spec"
'

test_expect_success 'the derived spec keeps only the BuildRequires the agent needs' '
	grep "^BuildRequires:" out/qemu-kvm.agent-only.spec >br &&
	cat >expect <<-\EOF &&
	BuildRequires: meson >= %{meson_version}
	BuildRequires: glib2-devel
	BuildRequires: python3-devel
	BuildRequires: systemd-devel
	BuildRequires: gcc
	BuildRequires: ninja-build
	EOF
	test_cmp expect br
'

test_expect_success 'the agent is configured alone, with the options of its QEMU release' '
	test_grep "tiny configure: .*--without-default-features --disable-system --disable-user --enable-guest-agent" out/build.log &&
	test_grep -v "download" out/build.log
'

test_expect_success 'the rpm has the subpackage files and config flags' '
	rpm -qlp out/RPMS/*/*.rpm >files 2>/dev/null &&
	cat >expect <<-\EOF &&
	/etc/qemu-ga
	/etc/qemu-ga/fsfreeze-hook
	/etc/qemu-ga/fsfreeze-hook.d
	/etc/sysconfig/qemu-ga
	/usr/bin/qemu-ga
	/usr/lib/systemd/system/qemu-guest-agent.service
	/usr/lib/udev/rules.d/99-qemu-guest-agent.rules
	/usr/share/doc/qemu-guest-agent-7.2.0
	/usr/share/doc/qemu-guest-agent-7.2.0/COPYING
	/usr/share/doc/qemu-guest-agent-7.2.0/README.rst
	/usr/share/qemu-kvm/qemu-ga
	/usr/share/qemu-kvm/qemu-ga/fsfreeze-hook.d
	/usr/share/qemu-kvm/qemu-ga/fsfreeze-hook.d/mysql-flush.sh.sample
	/var/log/qemu-ga
	EOF
	test_cmp expect files &&
	rpm -qcp out/RPMS/*/*.rpm >config 2>/dev/null &&
	echo /etc/sysconfig/qemu-ga >expect &&
	test_cmp expect config &&
	rpm -qp --qf "[%{FILEFLAGS:fflags} %{FILENAMES}\n]" out/RPMS/*/*.rpm >fflags 2>/dev/null &&
	test_grep "^cn /etc/sysconfig/qemu-ga$" fflags &&
	rpm -qp --qf "%{EPOCH}:%{VERSION}-%{RELEASE} %{SUMMARY}\n" out/RPMS/*/*.rpm >evr 2>/dev/null &&
	echo "17:7.2.0-11.el9.qga1 QEMU guest agent" >expect &&
	test_cmp expect evr &&
	rpm -qp --scripts out/RPMS/*/*.rpm >scripts 2>/dev/null &&
	test_grep "^%systemd_post qemu-guest-agent.service" scripts &&
	cmp out/agent/qemu-ga ws/.qga-forge/../out/agent/qemu-ga 2>/dev/null || test -x out/agent/qemu-ga
'

test_expect_success 'a later build into the same OUT leaves no derived spec behind' '
	cp -a out out-again &&
	qga-forge build -w ws --srpm-only -o out-again >/dev/null 2>&1 &&
	test ! -e out-again/qemu-kvm.agent-only.spec &&
	test -f out-again/SRPMS/qemu-kvm-7.2.0-11.el9.qga1.src.rpm
'

test_expect_success 'check-rpm reads the agent rpm' '
	test_expect_code 1 qga-forge check-rpm out/RPMS/*/*.rpm >check.out 2>&1 &&
	test_grep "qemu-guest-agent-7.2.0-11.el9.qga1.x86_64.rpm: %post: line 1 is the unexpanded macro" check.out
'

test_expect_success 'no qemu-guest-agent subpackage: a clear error, nothing changed' '
	qga-forge init "$(cat noagent)" -w ws2 >/dev/null 2>&1 &&
	(cd ws2 && find . -path ./src -prune -o -type f ! -name lock -print0 | sort -z | xargs -0 sha256sum) >before &&
	test_expect_code 1 qga-forge build -w ws2 --agent-only --nodeps -o out2 2>err &&
	test_grep "rpmbuild/SPECS/qemu-kvm.spec: no .qemu-guest-agent. package (the spec makes .qemu-kvm., .qemu-img.): --agent-only needs a qemu or qemu-kvm src.rpm whose spec has .%package -n qemu-guest-agent." err &&
	(cd ws2 && find . -path ./src -prune -o -type f ! -name lock -print0 | sort -z | xargs -0 sha256sum) >after &&
	test_cmp before after &&
	test ! -d out2/RPMS
'

test_expect_success 'forge --agent-only without a qemu-guest-agent package stops after init' '
	test_expect_code 1 qga-forge forge "$(cat noagent)" --agent-only --no-smoke \
		--command "$SRC_ROOT/examples/watchdog/watchdog.qapi:$SRC_ROOT/examples/watchdog/watchdog.c" \
		--nodeps -o fout2 2>err &&
	test_grep "no .qemu-guest-agent. package" err &&
	test_grep -v "add-command" err &&
	test ! -d fout2/RPMS
'

test_expect_success 'a plain qemu-guest-agent src.rpm: built as it is, and said so' '
	qga-forge init "$(cat plain)/qemu-guest-agent-7.2.0-1.el7.src.rpm" -w ws3 >/dev/null 2>&1 &&
	{ qga-forge build -w ws3 --agent-only --nodeps -o out3 "${NODEBUG[@]}" >out3.out 2>out3.err; rc3=$?; } &&
	{ qga-forge build -w ws3 --nodeps -o out4 "${NODEBUG[@]}" >out4.out 2>out4.err; rc4=$?; } &&
	test_grep "agent-only: the src.rpm is qemu-guest-agent itself: it is built as it is" out3.err &&
	test "$rc3" = "$rc4" &&
	ls out3/RPMS/*/ >a && ls out4/RPMS/*/ >b &&
	test_cmp a b
'

test_expect_success '--agent-only with --srpm-only, --container or --mock is a usage error' '
	test_expect_code 2 qga-forge build -w ws --agent-only --srpm-only 2>err &&
	test_grep "agent-only builds on this host" err &&
	test_expect_code 2 qga-forge build -w ws --agent-only --mock fedora-42-x86_64 2>err &&
	test_grep "agent-only builds on this host" err
'

test_expect_success 'forge --agent-only runs init, add-command, patch and the agent-only build' '
	qga-forge forge "$(cat tiny)" --agent-only --no-smoke "${DEFS[@]}" \
		--command "$SRC_ROOT/examples/watchdog/watchdog.qapi:$SRC_ROOT/examples/watchdog/watchdog.c" \
		--nodeps -o fout --json >fman.json 2>forge.err &&
	ls fout/RPMS/*/ >rpms &&
	echo qemu-guest-agent-7.2.0-11.el9.qga1.x86_64.rpm >expect &&
	test_cmp expect rpms &&
	test -f fout/qemu-kvm.agent-only.spec &&
	python3 -c "import json,sys; m=json.load(open(\"fman.json\")); assert m[\"agent_only\"][\"derived\"], m" &&
	ls fout/SRPMS >srpms &&
	test_grep "^qemu-kvm-7.2.0-11.el9.qga1.src.rpm$" srpms
'

test_done

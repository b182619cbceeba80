#!/usr/bin/env bash
# smoke --as-installed: the agent started the way the package's systemd unit
# starts it. Packages are built here with rpmbuild around QEMU 7.2's stock
# qemu-ga (tests/fixtures/build-stock-agent.sh, cached), each with a unit and
# the policy files of one vendor style; a command the vendor blocks answers
# "disabled" as installed, while a plain smoke of the same binary passes.
#
# QGA_FORGE_SKIP_STOCK_AGENT=1 skips these tests (no QEMU source at hand).
. "$(dirname "$0")/lib.sh"

DATA="$SRC_ROOT/tests/data/deploy"

if [ -n "${QGA_FORGE_SKIP_STOCK_AGENT:-}" ] || ! command -v rpmbuild >/dev/null 2>&1; then
	test_skip 'smoke --as-installed' 'QGA_FORGE_SKIP_STOCK_AGENT is set or rpmbuild is missing'
	test_done
fi

AGENT=$("$SRC_ROOT/tests/fixtures/build-stock-agent.sh" 2>"$TRASH/build.err")

# mkpkg NAME UNIT-EXEC-ARGS SYSCONFIG [CONF]: out-NAME/RPMS/*/NAME-1-1.*.rpm with
# /usr/bin/qemu-ga, its unit (EnvironmentFile=-/etc/sysconfig/qemu-ga), the
# sysconfig file and optionally /etc/qemu-ga/qemu-ga.conf
mkpkg() {
	local name=$1 args=$2 sysconfig=$3 conf=${4:-}
	mkdir -p "src-$name" &&
	cp "$AGENT" "src-$name/qemu-ga" &&
	cp "$sysconfig" "src-$name/qemu-ga.sysconfig" &&
	{ if [ -n "$conf" ]; then cp "$conf" "src-$name/qemu-ga.conf"; else : >"src-$name/qemu-ga.conf"; fi; } &&
	cat >"src-$name/qemu-guest-agent.service" <<-EOF &&
	[Unit]
	Description=QEMU Guest Agent
	BindsTo=dev-virtio\x2dports-org.qemu.guest_agent.0.device

	[Service]
	UMask=0077
	EnvironmentFile=/etc/sysconfig/qemu-ga
	ExecStart=/usr/bin/qemu-ga \\
	  --method=virtio-serial \\
	  --path=/dev/virtio-ports/org.qemu.guest_agent.0 \\
	  $args
	Restart=always

	[Install]
	WantedBy=multi-user.target
	EOF
	cat >"$name.spec" <<-EOF &&
	Name: $name
	Version: 1
	Release: 1
	Summary: t
	License: GPLv2
	%description
	t
	%install
	install -D -m 0755 %{_sourcedir}/qemu-ga %{buildroot}/usr/bin/qemu-ga
	install -D -m 0644 %{_sourcedir}/qemu-guest-agent.service %{buildroot}/usr/lib/systemd/system/qemu-guest-agent.service
	install -D -m 0644 %{_sourcedir}/qemu-ga.sysconfig %{buildroot}/etc/sysconfig/qemu-ga
	if [ -s %{_sourcedir}/qemu-ga.conf ]; then install -D -m 0644 %{_sourcedir}/qemu-ga.conf %{buildroot}/etc/qemu-ga/qemu-ga.conf; fi
	%files
	/usr/bin/qemu-ga
	/usr/lib/systemd/system/qemu-guest-agent.service
	%config(noreplace) /etc/sysconfig/qemu-ga
	EOF
	if [ -n "$conf" ]; then echo "%config(noreplace) /etc/qemu-ga/qemu-ga.conf" >>"$name.spec"; fi &&
	rpmbuild -bb --quiet --nodeps --define "_topdir $TRASH/top-$name" \
		--define "_sourcedir $TRASH/src-$name" --define "_rpmdir $TRASH/out-$name" \
		--define '_binary_payload w9.gzdio' --define '__spec_install_post %{nil}' \
		--define 'debug_package %{nil}' "$name.spec" >/dev/null 2>&1 &&
	ls out-$name/*/$name-1-1.*.rpm
}

test_expect_success 'setup: the stock agent and a package per vendor style' '
	{ test -x "$AGENT" || { cat build.err; false; }; } &&
	sed "s/^BLACKLIST_RPC=/BLACKLIST_RPC=guest-get-time,/" "$DATA/sysconfig-el7" >el7 &&
	mkpkg el7 "--blacklist=\${BLACKLIST_RPC} -F\${FSFREEZE_HOOK_PATHNAME}" el7 &&
	sed "s/^BLOCK_RPCS=/BLOCK_RPCS=guest-get-time,/" "$DATA/sysconfig-el9.0" >el90 &&
	mkpkg el90 "--block-rpcs=\${BLOCK_RPCS} -F\${FSFREEZE_HOOK_PATHNAME}" el90 &&
	mkpkg el94 "\$FILTER_RPC_ARGS -F\${FSFREEZE_HOOK_PATHNAME}" "$DATA/sysconfig-el9.4" &&
	sed "s/^block-rpcs = /block-rpcs = guest-get-time,/" "$DATA/qemu-ga-block.conf" >conf &&
	printf "# no policy here\n" >plain &&
	mkpkg conf "" plain conf
'

test_expect_success 'CentOS 7 style: the unit command line with the vendor blacklist' '
	qga-forge smoke --as-installed --rpm out-el7/*/el7-1-1.*.rpm --call guest-ping >out &&
	test_grep "^as installed: /usr/lib/systemd/system/qemu-guest-agent.service of .*el7-1-1" out &&
	test_grep "^command line: .*/qemu-ga --blacklist=guest-get-time,guest-file-open,.*,guest-exec-status -F/etc/qemu-ga/fsfreeze-hook -m unix-listen -p " out &&
	test_grep -v "virtio" out &&
	test_grep "^smoke: 1 of 1 call passed" out
'

test_expect_success 'a command the vendor blocks is disabled as installed' '
	test_expect_code 1 qga-forge smoke --as-installed --rpm out-el7/*/el7-1-1.*.rpm \
		--call guest-get-time >out 2>err &&
	test_grep "^command guest-get-time: DISABLED" out &&
	qga-forge smoke --agent "$AGENT" --call guest-get-time >plain.out &&
	test_grep "^command guest-get-time: listed, enabled" plain.out
'

test_expect_success 'RHEL 9.0 style: BLOCK_RPCS through --block-rpcs' '
	test_expect_code 1 qga-forge smoke --as-installed --rpm out-el90/*/el90-1-1.*.rpm \
		--call guest-get-time >out 2>err &&
	test_grep "^command line: .*/qemu-ga --block-rpcs=guest-get-time,guest-file-open," out &&
	test_grep "^command guest-get-time: DISABLED" out
'

test_expect_success 'qemu-ga.conf: the packaged block-rpcs applies ($QGA_CONF)' '
	test_expect_code 1 qga-forge smoke --as-installed --rpm out-conf/*/conf-1-1.*.rpm \
		--call guest-get-time >out 2>err &&
	test_grep "^command guest-get-time: DISABLED" out &&
	qga-forge smoke --as-installed --rpm out-conf/*/conf-1-1.*.rpm --call guest-ping --json >j &&
	python3 - j <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	ai = d["as_installed"]
	assert ai["unit"] == "/usr/lib/systemd/system/qemu-guest-agent.service", ai
	assert ai["config"] == "/etc/qemu-ga/qemu-ga.conf", ai
	assert ai["environment_files"] == ["/etc/sysconfig/qemu-ga"], ai
	assert d["ok"] is True and d["argv"][1:3] == ["-m", "unix-listen"], d
	EOF
'

test_expect_success 'RHEL 9.4 style: $FILTER_RPC_ARGS splits into the unit words' '
	test_expect_code 1 qga-forge smoke --as-installed --rpm out-el94/*/el94-1-1.*.rpm \
		--call guest-ping --json >j 2>err &&
	python3 - j <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	a = d["argv"]
	assert a[1].startswith("--allow-rpcs=guest-sync-delimited,guest-sync,") and a[1].endswith(",guest-get-users"), a
	assert a[2] == "-F/etc/qemu-ga/fsfreeze-hook", a
	EOF
	test_grep "exited" err
'

test_expect_success 'usage: --rpm needs --as-installed; a package without a unit' '
	test_expect_code 2 qga-forge smoke --agent "$AGENT" --rpm out-el7/*/el7-1-1.*.rpm 2>err &&
	test_grep "rpm is for --as-installed" err &&
	printf "Name: nounit\nVersion: 1\nRelease: 1\nSummary: t\nLicense: MIT\nBuildArch: noarch\n%%description\nt\n%%install\nmkdir -p %%{buildroot}/usr/share/n\necho x >%%{buildroot}/usr/share/n/x\n%%files\n/usr/share/n/x\n" >nounit.spec &&
	rpmbuild -bb --quiet --define "_topdir $TRASH/top-nounit" --define "_rpmdir $TRASH/out-nounit" nounit.spec >/dev/null 2>&1 &&
	qga-forge smoke --as-installed --rpm out-nounit/noarch/nounit-1-1.noarch.rpm --agent "$AGENT" \
		--call guest-ping >out 2>err &&
	test_grep "no systemd unit of the packages starts qemu-ga" err &&
	test_expect_code 1 qga-forge smoke --as-installed --rpm out-nounit/noarch/nounit-1-1.noarch.rpm \
		--call guest-ping 2>err &&
	test_grep "no agent to run: give --agent PATH" err
'

test_done

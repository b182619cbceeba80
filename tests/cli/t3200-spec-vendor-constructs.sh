#!/usr/bin/env bash
# Constructs of real vendor specs through a whole workspace (init, add-command,
# patch, build): %if/%else/%endif among the options of a backslash-continued
# configure call (CentOS 7 specs have them; rpm evaluates conditionals on every
# physical line), the vendor's dist tag kept on a host without %dist, and the
# stages of a build reported with their own durations.
. "$(dirname "$0")/lib.sh"

# A copy: the shared fixture cache may move on while this test runs.
cp "$(tiny_fixtures)/qemu-guest-agent-7.2.0-1.el7.src.rpm" "$TRASH/tiny.src.rpm" || exit 1
TINY="$TRASH/tiny.src.rpm"
SPECIN="$SRC_ROOT/tests/data/srpm/el7-configure-conditionals.spec"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$TRASH"
export SOURCE_DATE_EPOCH=1704067200
unset QGA_FORGE_PACKAGER

# host_spec SPEC DEST: SPEC as this rpm can write it into a src.rpm: rpm 4.20 and
# later refuse %patchN, so there it is written %patch -P N (the conditionals
# inside the continued command, which this suite is about, stay as they are).
host_spec() {
	if rpm_rejects_patchn; then patchn_to_p <"$1" >"$2"; else cp "$1" "$2"; fi
}
PATCH2_LINE='%patch2 -p1'
rpm_rejects_patchn && PATCH2_LINE='%patch -P 2 -p1'

# unpack_tiny TOP: the tiny fixture's sources in TOP/SOURCES (rpm2cpio: rpm -i of
# a src.rpm needs --force-debian on some Debian releases, which others lack)
unpack_tiny() {
	mkdir -p "$1/SOURCES" "$1/SPECS" &&
	(cd "$1/SOURCES" && rpm2cpio "$TINY" | cpio -idm --quiet)
}

# mk_srpm SPEC DIST OUTDIR: a src.rpm of SPEC with the tiny fixture's sources, built with
# %dist DIST (as the vendor's build host had it)
mk_srpm() {
	local top="$TRASH/top.$(basename "$3")"
	mkdir -p "$top" "$3" &&
	unpack_tiny "$top" &&
	host_spec "$1" "$top/SPECS/qemu-guest-agent.spec" &&
	rpmbuild -bs --nodeps --define "_topdir $top" --define "dist $2" \
		"$top/SPECS/qemu-guest-agent.spec" >/dev/null 2>&1 &&
	mv "$top"/SRPMS/*.src.rpm "$3/"
}

case $(uname -m) in
i?86 | x86_64) kvm=' --enable-kvm' ;;
*) kvm= ;;
esac

test_expect_success 'setup: a CentOS 7 style src.rpm 7.2.0-7.el7 with conditionals in %build' '
	mk_srpm "$SPECIN" .el7 srpm &&
	test -f srpm/qemu-guest-agent-7.2.0-7.el7.src.rpm
'

test_expect_success 'rpm itself evaluates the conditionals inside the continued command' '
	host_spec "$SPECIN" host.spec &&
	rpmspec -P host.spec >parsed 2>/dev/null &&
	test_grep "^    --disable-spice \\\\$" parsed &&
	test_grep -v "%if\|%else\|%endif" parsed
'

test_expect_success 'init infers the dist tag from the src.rpm and records it' '
	qga-forge init srpm/qemu-guest-agent-7.2.0-7.el7.src.rpm -w ws >out 2>err.init &&
	test_grep "^dist:      .el7 (from the src.rpm.s Release 7.el7)$" out &&
	python3 -c "import json,sys; s=json.load(open(\"ws/.qga-forge/state.json\")); \
		assert s[\"dist\"] == {\"value\": \".el7\", \"from\": \"src.rpm\"}, s[\"dist\"]; \
		assert \"dist .el7\" in s[\"defines\"], s[\"defines\"]"
'

test_expect_success 'patch goes through the spec: tag and %prep line added, %build untouched' '
	qga-forge add-command -w ws --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	qga-forge patch -w ws >out 2>err &&
	spec=ws/rpmbuild/SPECS/qemu-guest-agent.spec &&
	test_grep "^Patch2: qga-forge-0001-qga-add-guest-foo.patch$" $spec &&
	test_grep "^$PATCH2_LINE$" $spec &&
	sed -n "/^%build/,/^%install/p" "$SPECIN" >build.want &&
	sed -n "/^%build/,/^%install/p" $spec >build.got &&
	test_cmp build.want build.got &&
	test_grep "^Release: 7%{?dist}.qga1$" $spec &&
	test_grep "^\* .* - 10:7.2.0-7.el7.qga1$" $spec
'

# rpm 4.20 and later make a debuginfo package by default, which fails on the
# tiny package (no ELF file in it): none is asked for.
test_expect_success 'build keeps the vendor dist tag; the options are those rpm chose' '
	qga-forge build -w ws --nodeps -o built --define "qga_test_build_seconds 2" \
		--define "debug_package %{nil}" >build.out 2>build.err &&
	test -f built/SRPMS/qemu-guest-agent-7.2.0-7.el7.qga1.src.rpm &&
	ls built/RPMS/*/ >rpms &&
	test_grep "^qemu-guest-agent-7.2.0-7.el7.qga1\.[a-z0-9_]*\.rpm$" rpms &&
	rpm -qp --qf "%{RELEASE}\n" built/SRPMS/*.src.rpm >rel 2>/dev/null &&
	echo 7.el7.qga1 >rel.want && test_cmp rel.want rel &&
	mkdir x && (cd x && rpm2cpio ../built/RPMS/*/*.rpm | cpio -idm --quiet) &&
	echo "../configure --prefix=/usr --disable-spice$kvm --enable-guest-agent" >opts.want &&
	test_cmp opts.want x/usr/share/qemu-guest-agent/configure-options
'

# rpm 4.20 and later add a %mkbuilddir stage before %prep.
test_expect_success 'build labels each stage with its own duration, when it ends' '
	grep "^qga-forge: rebuild: %" build.err >stages &&
	sed -n "s/^qga-forge: rebuild: \(%[a-z]*\) .*/\1/p" stages | grep -vx %mkbuilddir >names &&
	printf "%s\n" %prep %build %install >names.want &&
	head -n 3 names >names.got && test_cmp names.want names.got &&
	test_grep "^qga-forge: rebuild: %build ([23] s)$" stages &&
	test_grep "^qga-forge: rebuild: %install (0 s)$" stages &&
	test_grep "^qga-forge: rebuild: %prep (0 s)$" stages
'

test_expect_success 'macros of distribution macro packages the host lacks are reported' '
	line=$(grep -n "^%systemd_post" "$SPECIN" | cut -d: -f1) &&
	test_grep "warning: srpm/qemu-guest-agent-7.2.0-7.el7.src.rpm: qemu-guest-agent.spec:$line:1: .%systemd_post. is not defined on this host (it comes from systemd-rpm-macros)" err.init &&
	python3 -c "import json; s=json.load(open(\"ws/.qga-forge/state.json\")); \
		assert s[\"missing_macros\"] == [{\"name\": \"systemd_post\", \"package\": \"systemd-rpm-macros\", \"line\": $line, \"col\": 1}], s[\"missing_macros\"]" &&
	bline=$(grep -n "^%systemd_post" ws/rpmbuild/SPECS/qemu-guest-agent.spec | cut -d: -f1) &&
	test "$bline" -gt "$line" &&
	test_grep "warning: rpmbuild/SPECS/qemu-guest-agent.spec:$bline:1: .%systemd_post. is not defined on this host" build.err &&
	rpm -qp --scripts built/RPMS/*/*.rpm >scripts 2>/dev/null &&
	test_grep "^%systemd_post qemu-guest-agent.service" scripts &&
	mkdir host && host_spec "$SPECIN" host/el7-configure-conditionals.spec &&
	qga-forge spec check host/el7-configure-conditionals.spec >check.out 2>check.err &&
	test_grep "el7-configure-conditionals.spec:$line:1: .%systemd_post. is not defined on this host" check.err
'

test_expect_success 'a dist given with --define wins over the inferred one' '
	qga-forge init srpm/qemu-guest-agent-7.2.0-7.el7.src.rpm -w ws2 --define "dist .el7_9" >out 2>err &&
	test_grep -v "^dist:" out &&
	python3 -c "import json; s=json.load(open(\"ws2/.qga-forge/state.json\")); \
		assert s[\"dist\"] == {\"value\": \".el7_9\", \"from\": \"define\"}, s[\"dist\"]; \
		assert s[\"defines\"] == [\"dist .el7_9\"], s[\"defines\"]" &&
	qga-forge add-command -w ws2 --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	qga-forge build -w ws2 --nodeps --srpm-only -o out2 >/dev/null 2>&1 &&
	test -f out2/SRPMS/qemu-guest-agent-7.2.0-7.el7_9.qga1.src.rpm
'

test_expect_success 'a package built without a dist tag is rebuilt without one' '
	mk_srpm "$SPECIN" "%{nil}" srpm-nodist &&
	qga-forge init srpm-nodist/qemu-guest-agent-7.2.0-7.src.rpm -w ws3 >out 2>err &&
	test_grep "^dist:      (none) (from the src.rpm.s Release 7)$" out &&
	qga-forge add-command -w ws3 --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
	qga-forge build -w ws3 --nodeps --srpm-only -o out3 >/dev/null 2>&1 &&
	test -f out3/SRPMS/qemu-guest-agent-7.2.0-7.qga1.src.rpm
'

test_expect_success 'a Release that does not fit the spec: a warning, nothing defined' '
	sed "s/^Release: 7%{?dist}$/Release: %{?rel}%{!?rel:7}%{?dist}/" "$SPECIN" >odd.spec &&
	top="$TRASH/top.odd" && mkdir -p "$top" srpm-odd &&
	unpack_tiny "$top" &&
	host_spec odd.spec "$top/SPECS/qemu-guest-agent.spec" &&
	rpmbuild -bs --nodeps --define "_topdir $top" --define "dist .el7" --define "rel 9" \
		"$top/SPECS/qemu-guest-agent.spec" >/dev/null 2>&1 &&
	qga-forge init "$top"/SRPMS/qemu-guest-agent-7.2.0-9.el7.src.rpm -w ws4 >out 2>err &&
	test_grep "warning: .*the src.rpm.s Release .9.el7. does not fit the spec.s Release .7%{dist}." err &&
	python3 -c "import json; s=json.load(open(\"ws4/.qga-forge/state.json\")); \
		assert \"dist\" not in s and s[\"defines\"] == [], s"
'

test_done

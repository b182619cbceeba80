# shellcheck shell=bash
# Shared by the agent-only end-to-end tests (t9600 qemu-kvm in the RHEL 9 layout over QEMU
# 7.2, t9610 qemu in the Fedora layout over QEMU 10.0): the src.rpm of
# tests/fixtures/mk-qemu-srpm.sh, forged with --agent-only and the statvfs example. The
# rpm is compared with what rpm says of the vendor's qemu-guest-agent subpackage (rpmspec
# on the workspace's spec: name, EVR, Summary, Requires, scriptlets; its %files section as
# rpmspec -P expands it: the file list and the %config files), the build log must show the
# agent linked and no system emulator, and the rpm must upgrade the vendor's. Source after
# ../cli/lib.sh; call agent_only_run LAYOUT [--define 'MACRO VALUE']...

EX="$SRC_ROOT/examples"

# ao_rpmspec ARGS...: rpmspec on the workspace's spec with the workspace's defines
ao_rpmspec() {
	rpmspec --define "dist $AO_DIST" "${AO_DEFINES[@]}" "$@"
}

# ao_expected_files SPEC: the paths the vendor's %files -n qemu-guest-agent names, one a
# line, as "PATH<TAB>KIND" (KIND: file (a directory brings its contents), onlydir for
# %dir, config or config-noreplace for %config, doc for %doc/%license files).
ao_expected_files() {
	ao_rpmspec -P "$1" | python3 -c '
import re, sys
lines = sys.stdin.read().split("\n")
out, on = [], False
for l in lines:
    if re.match(r"^%(package|description|prep|build|install|check|clean|files|changelog|pre|post|preun|postun|pretrans|posttrans)\b", l):
        on = bool(re.match(r"^%files\s+-n\s+qemu-guest-agent\s*$", l))
        continue
    if not on or not l.strip() or l.startswith("#"):
        continue
    words = l.split()
    kind = "file"
    while words and words[0].startswith("%"):
        w = words.pop(0)
        if w.startswith("%config"):
            kind = "config-noreplace" if "noreplace" in w else "config"
        elif w == "%dir":
            kind = "onlydir"
        elif w in ("%doc", "%license"):
            kind = "doc"
    for p in words:
        out.append("%s\t%s" % (p, kind))
print("\n".join(out))
'
}

agent_only_run() {
	AO_LAYOUT="$1"
	shift
	AO_DEFINES=("$@")

	test_expect_success "$AO_LAYOUT: the src.rpm builds" '
		t0=$(date +%s.%N) &&
		"$SRC_ROOT/tests/fixtures/mk-qemu-srpm.sh" --layout '"$AO_LAYOUT"' >srpm 2>fixture.log &&
		test -f "$(cat srpm)" &&
		echo "fixture $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" >>timings
	'

	test_expect_success "$AO_LAYOUT: forge --agent-only builds the agent rpm and smoke-tests it" '
		t0=$(date +%s.%N) &&
		qga-forge forge "$(cat srpm)" --agent-only \
			--command "$EX/statvfs/statvfs.qapi:$EX/statvfs/statvfs.c" \
			"${AO_DEFINES[@]}" --nodeps --strict -o out --json >manifest.json 2>forge.err &&
		echo "forge $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" >>timings &&
		python3 - manifest.json <<-\PY
		import json, sys
		m = json.load(open(sys.argv[1]))
		calls = m["smoke"]["calls"]
		assert m["smoke"]["ok"], m["smoke"]
		assert [c["name"] for c in calls if c.get("status") == "passed"] == ["guest-get-statvfs"], calls
		assert m["agent_only"]["derived"], m["agent_only"]
		with open("timings", "a") as t:
		    for k, v in sorted(m["timings"].items()):
		        t.write("forge.%s %s\n" % (k, v))
		PY
	'

	test_expect_success "$AO_LAYOUT: OUT has the agent rpm alone, and the vendor's whole package as src.rpm" '
		ls out/RPMS/*/ >rpms &&
		test "$(wc -l <rpms)" -eq 1 &&
		test_grep "^qemu-guest-agent-" rpms &&
		vendor=$(rpm -qp --qf "%{NAME}" "$(cat srpm)" 2>/dev/null) &&
		ls out/SRPMS >srpms &&
		test "$(wc -l <srpms)" -eq 1 &&
		test_grep "^$vendor-" srpms &&
		rpm -qlp out/SRPMS/*.src.rpm >srpm-files 2>/dev/null &&
		test_grep "statvfs" srpm-files &&
		test -f out/*.agent-only.spec
	'

	test_expect_success "$AO_LAYOUT: name, EVR, Summary, Requires and scriptlets are the vendor subpackage's" '
		AO_DIST=$(rpm -qp --qf "%{RELEASE}" "$(cat srpm)" 2>/dev/null) &&
		AO_DIST=".${AO_DIST#*.}" &&
		spec=$(ls out/workspace/rpmbuild/SPECS/*.spec) &&
		qf="@@%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\n%{SUMMARY}\n[%{REQUIREFLAGS:deptype} %{REQUIRENAME}\n]%{POSTIN}\n%{PREUN}\n%{POSTUN}\n" &&
		ao_rpmspec -q --qf "$qf" "$spec" 2>/dev/null | awk "/^@@/ { on = /^@@qemu-guest-agent / } on" >want &&
		test -s want &&
		rpm -qp --qf "$qf" out/RPMS/*/*.rpm >got 2>/dev/null &&
		grep -v -e "rpmlib(" -e "^auto " -e "^config config(" got >got.norpmlib &&
		grep -v -e "rpmlib(" want >want.norpmlib &&
		test_cmp want.norpmlib got.norpmlib
	'

	test_expect_success "$AO_LAYOUT: the file list and the %config files are the vendor subpackage's" '
		AO_DIST=$(rpm -qp --qf "%{RELEASE}" "$(cat srpm)" 2>/dev/null) &&
		AO_DIST=".${AO_DIST#*.}" &&
		spec=$(ls out/workspace/rpmbuild/SPECS/*.spec) &&
		ao_expected_files "$spec" >expected 2>/dev/null &&
		test -s expected &&
		rpm -qlp out/RPMS/*/*.rpm >files 2>/dev/null &&
		rpm -qcp out/RPMS/*/*.rpm >config 2>/dev/null &&
		rpm -qp --qf "[%{FILEFLAGS:fflags}\t%{FILENAMES}\n]" out/RPMS/*/*.rpm >fflags 2>/dev/null &&
		python3 - expected files config fflags <<-\PY
		import sys
		exp = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
		files = set(open(sys.argv[2]).read().split())
		config = set(open(sys.argv[3]).read().split())
		docs = [p for p, k in exp if k == "doc"]
		named = {p for p, k in exp if k != "doc"}
		trees = [p for p, k in exp if k in ("file", "config")]  # an entry that is a directory brings its contents
		for p in named:
		    assert p in files, ("named by %files, not in the rpm", p)
		for f in files:
		    if f == "/usr/lib/.build-id" or f.startswith("/usr/lib/.build-id/"):
		        continue  # rpm's own links to ELF files, in the vendor's build too
		    ok = f in named or any(f.startswith(t + "/") for t in trees) or \
		         (f.startswith("/usr/share/doc/qemu-guest-agent") and
		          (f.count("/") == 4 or f.rsplit("/", 1)[1] in [d.rsplit("/", 1)[-1] for d in docs]))
		    assert ok, ("in the rpm, not named by %files", f)
		want_config = {p for p, k in exp if k.startswith("config")}
		assert config == want_config, (config, want_config)
		flags = dict(reversed(l.split("\t")) for l in open(sys.argv[4]).read().split("\n") if l)
		for p, k in exp:
		    if k.startswith("config"):
		        assert "c" in flags[p] and ("n" in flags[p]) == (k == "config-noreplace"), (p, k, flags[p])
		assert flags["/etc/sysconfig/qemu-ga"] == "cn", flags
		assert "/etc/sysconfig/qemu-ga" in config
		assert any(f.endswith("/99-qemu-guest-agent.rules") and f.startswith("/usr/lib/udev/") for f in files)
		assert any(f.endswith("/qemu-guest-agent.service") and f.startswith("/usr/lib/systemd/") for f in files)
		PY
	'

	test_expect_success "$AO_LAYOUT: the agent was linked and no system emulator was compiled" '
		test_grep "Linking target qga/qemu-ga" out/build.log &&
		test_grep -v "qemu-system-" out/build.log &&
		test_grep -v "softmmu" out/build.log &&
		test_grep "system-mode emulation *: NO" out/build.log &&
		test_grep "user-mode emulation *: NO" out/build.log &&
		test_grep "build guest agent *: YES" out/build.log &&
		test_grep "without-default-features" out/*.agent-only.spec &&
		grep -c "Compiling C object" out/build.log >compiled &&
		echo "compiled $(cat compiled)" >>timings
	'

	test_expect_success "$AO_LAYOUT: the rpm upgrades the vendor's subpackage (same name, higher EVR)" '
		vendor_evr=$(rpm -qp --qf "%{EPOCH}:%{VERSION}-%{RELEASE}" "$(cat srpm)" 2>/dev/null) &&
		evr=$(rpm -qp --qf "%{EPOCH}:%{VERSION}-%{RELEASE}" out/RPMS/*/*.rpm 2>/dev/null) &&
		name=$(rpm -qp --qf "%{NAME}" out/RPMS/*/*.rpm 2>/dev/null) &&
		test "$name" = qemu-guest-agent &&
		test "$(rpm --eval "%{lua: print(rpm.vercmp(\"$evr\", \"$vendor_evr\"))}")" = 1 &&
		echo "$vendor_evr -> $evr" >upgrade
	'

	test_expect_success "$AO_LAYOUT: check-rpm reads the agent rpm" '
		{ qga-forge check-rpm --json out/RPMS/*/*.rpm >check.json 2>check.err; rc=$?; } &&
		test "$rc" -le 1 &&
		test_grep "qemu-guest-agent" check.json
	'
}

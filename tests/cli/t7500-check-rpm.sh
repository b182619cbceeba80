#!/usr/bin/env bash
# check-rpm: rpms built here with rpmbuild from tiny specs, one per problem a
# package built on the wrong host carries (a literal %systemd_post scriptlet,
# a file under an empty macro, a binary needing this host's glibc, a soname
# the target lacks, a macro in a trigger), and a clean one.
. "$(dirname "$0")/lib.sh"

if ! command -v rpmbuild >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
	test_skip 'check-rpm tests' 'rpmbuild or cc is not installed'
	test_done
fi

# mkrpm SPEC [DIST]: build SPEC into out-SPECNAME/ (binary rpm) and srpm/
mkrpm() {
	local name dist=${2:-}
	name=$(basename "$1" .spec)
	[ -n "$dist" ] || dist=%{nil}
	rpmbuild -ba --quiet --nodeps --define "_topdir $TRASH/top" --define "_sourcedir $TRASH/src" \
		--define "_rpmdir $TRASH/out-$name" --define "_srcrpmdir $TRASH/srpm" \
		--define "dist $dist" --define '_binary_payload w9.gzdio' \
		--define '__spec_install_post %{nil}' --define 'debug_package %{nil}' "$1" >/dev/null
}

header='Version: 1
Release: 1%{?dist}
Summary: t
License: MIT
%description
t'

glibc_minor=$(getconf GNU_LIBC_VERSION 2>/dev/null | sed -n 's/^glibc 2\.\([0-9]*\).*/\1/p')

test_expect_success 'setup: the packages' '
	mkdir -p src &&
	printf "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n" >src/main.c &&
	printf "int ssl_thing(void) { return 3; }\n" >src/fake.c &&
	cat >clean.spec <<-EOF &&
	Name: clean
	$header
	%install
	mkdir -p %{buildroot}/usr/share/clean %{buildroot}/usr/lib/systemd/system
	echo x >%{buildroot}/usr/share/clean/x
	echo "[Unit]" >%{buildroot}/usr/lib/systemd/system/clean.service
	%post
	printf "%%s\n" done >/dev/null; date +%%Y%%m%%d >/dev/null
	%files
	/usr/share/clean/x
	/usr/lib/systemd/system/clean.service
	EOF
	cat >macro.spec <<-EOF &&
	Name: macro
	BuildArch: noarch
	$header
	%install
	mkdir -p %{buildroot}/usr/share/macro
	echo x >%{buildroot}/usr/share/macro/x
	%post
	%%systemd_post macro.service
	%triggerin -- bash
	cp x %%{_unitdir}/
	%files
	/usr/share/macro/x
	EOF
	cat >emptydir.spec <<-EOF &&
	Name: emptydir
	BuildArch: noarch
	$header
	%install
	mkdir -p %{buildroot}%{?qga_forge_no_such_macro}/rules.d
	echo x >%{buildroot}%{?qga_forge_no_such_macro}/rules.d/99-emptydir.rules
	echo x >%{buildroot}%{?qga_forge_no_such_macro}/emptydir.service
	%files
	%{?qga_forge_no_such_macro}/rules.d/99-emptydir.rules
	%{?qga_forge_no_such_macro}/emptydir.service
	EOF
	cat >binary.spec <<-EOF &&
	Name: binary
	$header
	%install
	mkdir -p %{buildroot}/usr/bin
	cc -o %{buildroot}/usr/bin/binary %{_sourcedir}/main.c
	%files
	/usr/bin/binary
	EOF
	cat >soname.spec <<-EOF &&
	Name: soname
	$header
	%install
	mkdir -p %{buildroot}/usr/bin fake
	cc -shared -fPIC -Wl,-soname,libssl.so.3 -o fake/libssl.so.3 %{_sourcedir}/fake.c
	ln -sf libssl.so.3 fake/libssl.so
	printf "int ssl_thing(void);\nint main(void) { return ssl_thing(); }\n" >m.c
	cc -o %{buildroot}/usr/bin/soname m.c -Lfake -lssl
	%files
	/usr/bin/soname
	EOF
	mkrpm clean.spec .el9 &&
	mkrpm macro.spec .el7 &&
	mkrpm emptydir.spec .el8 &&
	mkrpm binary.spec .el7 &&
	mkrpm soname.spec .el7 &&
	ls out-clean/*/clean-1-1.el9.*.rpm out-macro/noarch/macro-1-1.el7.noarch.rpm \
		out-emptydir/noarch/emptydir-1-1.el8.noarch.rpm out-binary/*/binary-1-1.el7.*.rpm \
		out-soname/*/soname-1-1.el7.*.rpm
'

test_expect_success 'a clean package is deployable on its target' '
	qga-forge check-rpm out-clean >actual &&
	test_grep "^clean-1-1.el9.*: built for el9 (dist tag), glibc 2.34 there; needs glibc -: deployable$" actual &&
	test_grep -v "error:" actual
'

test_expect_success 'a literal %systemd_post scriptlet and a macro in a trigger are errors' '
	test_expect_code 1 qga-forge check-rpm out-macro/noarch/macro-1-1.el7.noarch.rpm >actual 2>err &&
	test_grep "NOT deployable" actual &&
	test_grep "error: macro-1-1.el7.noarch.rpm: %post: line 1 is the unexpanded macro .%systemd_post." actual &&
	test_grep "status 127 on the target" actual &&
	test_grep "error: macro-1-1.el7.noarch.rpm: %triggerin -- bash: line 1 is the unexpanded macro .%{_unitdir}." actual &&
	test_grep "fix: rebuild for el7: .qga-forge build --container el7. or .qga-forge build --mock centos+epel-7-x86_64., where systemd" actual &&
	test_grep "qga-forge: error: 2 problems make the rpm not deployable on its target" err
'

test_expect_success 'files under an empty macro are errors naming the macro and its package' '
	test_expect_code 1 qga-forge check-rpm out-emptydir >actual &&
	test_grep "/rules.d/99-emptydir.rules: installed outside the standard directories: %{_udevrulesdir} expanded to nothing" actual &&
	test_grep "/emptydir.service: installed outside the standard directories: %{_unitdir}" actual &&
	test_grep "fix: rebuild for el8: .qga-forge build --mock almalinux-8-x86_64., where systemd-rpm-macros defines the macro" actual
'

if [ -n "$glibc_minor" ] && [ "$glibc_minor" -ge 34 ]; then
	test_expect_success 'a binary linked here needs a newer glibc than el7 has' '
		test_expect_code 1 qga-forge check-rpm out-binary >actual &&
		test_grep "built for el7 (dist tag), glibc 2.17 there; needs glibc 2\.3[4-9]: NOT deployable" actual &&
		test_grep "/usr/bin/binary: needs GLIBC_2\.3[4-9] (from libc.so.6" actual &&
		test_grep "but el7 (CentOS/RHEL 7) has glibc 2.17" actual &&
		test_grep "fix: rebuild for el7: .qga-forge build --container el7." actual
	'

	test_expect_success 'the same rpm passes for a target with a newer glibc' '
		qga-forge check-rpm --target fedora out-binary >actual &&
		test_grep "built for fedora (--target), glibc 2.42 there; needs glibc 2\.3[4-9]: deployable$" actual
	'

	test_expect_success 'without the payload, rpm requirements tell the same' '
		test_expect_code 1 qga-forge check-rpm --no-payload out-binary >actual &&
		test_grep "Requires: libc.so.6(GLIBC_2\.3[4-9])(64bit): needs glibc 2\.3[4-9], but el7" actual
	'
else
	test_skip 'glibc checks' "this host's glibc is older than 2.34"
fi

test_expect_success 'a soname the target ships under another name is an error' '
	test_expect_code 1 qga-forge check-rpm out-soname >actual &&
	test_grep "/usr/bin/soname: needs libssl.so.3, but el7 has libssl.so.10" actual &&
	qga-forge check-rpm --target el9 out-soname >actual &&
	test_grep "deployable$" actual
'

test_expect_success 'a directory of several rpms: one line each, src.rpms left out' '
	mkdir all && cp out-*/*/*.rpm srpm/*.src.rpm all/ &&
	test_expect_code 1 qga-forge check-rpm all >actual &&
	test $(grep -c "^[a-z]*-1-1\..*: built for" actual) = 5 &&
	test_grep -v "src.rpm" actual
'

test_expect_success '--json reports each package, its target and its problems' '
	test_expect_code 1 qga-forge check-rpm --json out-macro out-clean >out.json &&
	python3 - out.json <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["ok"] is False and d["errors"] == 2 and d["warnings"] == 0, d
	m, c = d["rpms"]
	assert m["nevra"] == "macro-1-1.el7.noarch" and m["target"] == "el7", m
	assert m["target_source"] == "dist tag" and m["target_glibc"] == "2.17", m
	assert [p["kind"] for p in m["problems"]] == ["macro-in-scriptlet", "macro-in-trigger"], m
	assert all(p["severity"] == "error" and p["fix"] for p in m["problems"])
	assert c["ok"] is True and c["problems"] == [] and c["target"] == "el9", c
	EOF
'

test_expect_success 'no dist tag and no --target: a warning, the requirements unchecked' '
	mkrpm clean.spec &&
	qga-forge check-rpm out-clean/*/clean-1-1.*.rpm >actual &&
	test_grep "clean-1-1\.[a-z0-9_]*: target unknown" actual &&
	test_grep "warning: .*has no dist tag" actual &&
	test_grep "fix: pass --target el7|el8|el9|el10|fedora" actual
'

test_expect_success 'usage errors and bad inputs' '
	test_expect_code 2 qga-forge check-rpm 2>err &&
	test_grep "missing OUTDIR or RPM" err &&
	test_expect_code 2 qga-forge check-rpm --target el6 out-clean 2>err &&
	test_grep "\-\-target el6: expected el7, el8, el9, el10 or fedora" err &&
	test_expect_code 1 qga-forge check-rpm nowhere.rpm 2>err &&
	test_grep "cannot read .nowhere.rpm." err &&
	test_expect_code 1 qga-forge check-rpm srpm/clean-1-1.el9.src.rpm 2>err &&
	test_grep "is a source package" err &&
	printf "not an rpm\n" >junk.rpm &&
	test_expect_code 1 qga-forge check-rpm junk.rpm 2>err &&
	test_grep "junk.rpm" err &&
	mkdir empty &&
	test_expect_code 1 qga-forge check-rpm empty 2>err &&
	test_grep "no binary rpm found in empty" err
'

test_done

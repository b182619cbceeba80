#!/usr/bin/env bash
# `make rpm` packages qga-forge itself with qga-forge.spec: the payload holds
# the binary, its templates, the el7 Containerfile, the manual page and the
# bash completion, and the unpacked binary runs and finds its templates.
. "$(dirname "$0")/lib.sh"

if ! command -v rpmbuild >/dev/null 2>&1 || ! command -v cpio >/dev/null 2>&1; then
	test_skip 'make rpm' 'rpmbuild or cpio is not installed'
	test_done
fi

VERSION=$(sed -n 's/^VERSION *:= *//p' "$SRC_ROOT/Makefile")

test_expect_success 'the spec and the Makefile agree on the version' '
	test -n "$VERSION" &&
	sed -n "s/^Version: *//p" "$SRC_ROOT/qga-forge.spec" >spec-version &&
	echo "$VERSION" >make-version &&
	test_cmp make-version spec-version
'

test_expect_success 'make rpm builds the source and binary packages' '
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$SRC_ROOT" --no-print-directory rpm \
		RPM_TOPDIR="$TRASH/top" >make.log 2>&1 || { tail -n 30 make.log; exit 1; } &&
	ls top/SRPMS/qga-forge-$VERSION-1*.src.rpm >srpm &&
	ls top/RPMS/*/qga-forge-$VERSION-1*.rpm >rpm &&
	test "$(wc -l <rpm)" = 1
'
RPM="$TRASH/$(cat rpm 2>/dev/null)"

test_expect_success 'the package is named and versioned as the tool' '
	rpm -qp --qf "%{NAME} %{VERSION}\n" "$RPM" >nv 2>/dev/null &&
	echo "qga-forge $VERSION" >expect &&
	test_cmp expect nv
'

test_expect_success 'the payload holds the binary, templates, containers, man page and completion' '
	rpm -qlp "$RPM" >files 2>/dev/null &&
	test_grep "^/usr/bin/qga-forge$" files &&
	for t in "$SRC_ROOT"/templates/*; do
		test_grep "^/usr/share/qga-forge/templates/$(basename "$t")$" files || exit 1
	done &&
	test_grep "^/usr/share/qga-forge/containers/el7/Containerfile$" files &&
	test_grep "^/usr/share/qga-forge/containers/el7/rebuild.sh$" files &&
	test_grep "^/usr/share/man/man1/qga-forge.1" files &&
	test_grep "^/usr/share/bash-completion/completions/qga-forge$" files
'

test_expect_success 'the source package carries the spec and the tarball of the tree' '
	rpm -qlp "$(cat srpm)" >sfiles 2>/dev/null &&
	test_grep "^qga-forge.spec$" sfiles &&
	test_grep "^qga-forge-$VERSION.tar.gz$" sfiles &&
	tar -tzf top/SOURCES/qga-forge-$VERSION.tar.gz >members &&
	test_grep "^qga-forge-$VERSION/Makefile$" members &&
	test_grep "^qga-forge-$VERSION/src/cli/main.c$" members &&
	test_grep -v "^qga-forge-$VERSION/build/" members
'

test_expect_success 'the unpacked binary runs and finds its templates beside it' '
	mkdir root &&
	(cd root && rpm2cpio "$RPM" | cpio -idm --quiet) &&
	root/usr/bin/qga-forge --version >v &&
	echo "qga-forge $VERSION" >expect &&
	test_cmp expect v &&
	env -u QGA_FORGE_DATADIR root/usr/bin/qga-forge help >h &&
	test_grep "^  publish " h &&
	tiny=$(tiny_fixtures) &&
	qga-forge init -q "$tiny/qemu-guest-agent-7.2.0-1.el7.src.rpm" -w ws >/dev/null &&
	env -u QGA_FORGE_DATADIR root/usr/bin/qga-forge add-command -w ws --name guest-frob \
		--doc "Frob the guest." --no-generator-check >added &&
	test_grep "a stub written by qga-forge" ws/src/qga/commands-posix.c &&
	# brp-compress gzips manual pages where the host rpm has it (Debian 11)
	for m in root/usr/share/man/man1/qga-forge.1*; do
		case $m in *.gz) gzip -dc "$m" ;; *) cat "$m" ;; esac
	done >man.1 &&
	cmp man.1 "$SRC_ROOT/doc/qga-forge.1" &&
	cmp root/usr/share/bash-completion/completions/qga-forge "$SRC_ROOT/completion/qga-forge.bash"
'

test_done

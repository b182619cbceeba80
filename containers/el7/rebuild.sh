#!/bin/bash
# qga-forge-rebuild: the entry point of the qga-forge-el7 image (and of any
# image that rebuilds for `qga-forge build --container`).
#
#   qga-forge-rebuild [--nodeps] [--define 'MACRO VALUE']... /in/NAME.src.rpm
#
# Rebuilds the src.rpm with this image's own rpmbuild and compiler and copies
# the binary rpms to /out/<arch>/, owned like /out. The build directory is
# ${TMPDIR:-/var/tmp}/qga-forge-rebuild-UID/NAME-VERSION-RELEASE, the path a
# host rebuild by qga-forge uses: with the same toolchain, the same inputs
# give the same payloads. Written for bash 4.2 (CentOS 7).
set -euo pipefail

out=${QGA_FORGE_OUT:-/out}

usage() {
	echo "usage: qga-forge-rebuild [--nodeps] [--define 'MACRO VALUE']... SRPM" >&2
	exit 2
}

opts=()
srpm=
while [ $# -gt 0 ]; do
	case $1 in
	--nodeps)
		opts+=(--nodeps)
		shift
		;;
	--define)
		[ $# -ge 2 ] || usage
		opts+=(--define "$2")
		shift 2
		;;
	-h | --help)
		usage
		;;
	-*)
		echo "qga-forge-rebuild: unknown option '$1'" >&2
		usage
		;;
	*)
		[ -z "$srpm" ] || usage
		srpm=$1
		shift
		;;
	esac
done
[ -n "$srpm" ] || usage
[ -f "$srpm" ] || { echo "qga-forge-rebuild: '$srpm': no such file" >&2; exit 1; }
[ -d "$out" ] || { echo "qga-forge-rebuild: '$out': no such directory (mount one)" >&2; exit 1; }

nvr=$(rpm -qp --nosignature --qf '%{NAME}-%{VERSION}-%{RELEASE}' "$srpm" 2>/dev/null) || {
	echo "qga-forge-rebuild: '$srpm': not a package this rpm can read" >&2
	exit 1
}
top=${TMPDIR:-/var/tmp}/qga-forge-rebuild-$(id -u)/$nvr
rm -rf "$top"
mkdir -p "$top"

echo "qga-forge-rebuild: $(rpmbuild --version) on $(cat /etc/system-release 2>/dev/null ||
	sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
# "${opts[@]}" of an empty array is an error under set -u in bash 4.2.
LC_ALL=C rpmbuild --rebuild --define "_topdir $top" ${opts[@]+"${opts[@]}"} "$srpm"

owner=$(stat -c %u:%g "$out")
n=0
for rpm in "$top"/RPMS/*/*.rpm; do
	[ -f "$rpm" ] || continue
	arch=$(basename "$(dirname "$rpm")")
	mkdir -p "$out/$arch"
	cp -p "$rpm" "$out/$arch/"
	chown "$owner" "$out/$arch" "$out/$arch/$(basename "$rpm")"
	n=$((n + 1))
done
rm -rf "$top"
[ "$n" -gt 0 ] || { echo "qga-forge-rebuild: rpmbuild made no binary rpm" >&2; exit 1; }
echo "qga-forge-rebuild: $n binary rpm(s) in $out"

#!/usr/bin/env bash
# Install what qga-forge needs to build, test and run its demo: the C
# libraries (librpm, librpmbuild, libgit2, json-c, popt), cmocka for the unit
# tests, rpmbuild, and what building a QEMU guest agent needs (python3, meson,
# ninja, glib). Idempotent: when everything is present it only checks.
#
#   scripts/deps.sh               the above, plus libcreaterepo_c and gpg (publish),
#                                 groff and man-db (the manual page test), clang with
#                                 libFuzzer and valgrind (fuzzing, check-valgrind), and
#                                 debootstrap (the host matrix, tests/matrix/)
#   scripts/deps.sh --matrix      what a host of the matrix needs: building, the unit
#                                 and command-line suites (no QEMU build, no fuzzing,
#                                 no valgrind)
#   scripts/deps.sh --containers  only what the container tests need: podman with
#                                 the runc runtime, and debootstrap for base images
#   scripts/deps.sh --print ...   print the package names chosen, install nothing
#
# Names differ between releases (libclang-rt-14-dev exists on Debian 12 only,
# libgit2-devel is in EPEL on RHEL 8 and 9, cmocka in CRB/PowerTools): every
# package is a list of candidates, and the first one the package manager knows
# on this release is taken (apt-cache show, dnf info). Works on Debian 11 to sid,
# Ubuntu 22.04 and later, Fedora, RHEL, CentOS Stream, Alma and Rocky 8 to 10.
set -euo pipefail

profile=full print=0
while [ $# -gt 0 ]; do
	case "$1" in
	--containers) profile=containers ;;
	--matrix) profile=matrix ;;
	--print) print=1 ;;
	*) echo "usage: scripts/deps.sh [--matrix | --containers] [--print]" >&2; exit 2 ;;
	esac
	shift
done

sudo_cmd=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
	sudo_cmd=(sudo)
fi

# elfutils: rpmbuild's find-debuginfo (Debian 13 and later) runs eu-strip.
# Each entry: one package, given as alternatives separated by '|', first known wins.
# An entry starting with '?' is optional: nothing on this release provides it, no error.
debian_wants() {
	case $profile in
	containers) echo podman runc debootstrap; return ;;
	esac
	echo gcc make pkg-config librpm-dev libgit2-dev libjson-c-dev libpopt-dev \
		libcmocka-dev zlib1g-dev rpm python3 xz-utils patch git cpio ca-certificates \
		file libcreaterepo-c-dev gnupg groff-base man-db util-linux elfutils
	# ninja: the agent-only %build runs it (t5000's stub configure too).
	echo ninja-build
	[ $profile = matrix ] && return
	# Building a QEMU guest agent (the demo, the end-to-end tests, t4200), and a
	# small system emulator for the monitor commands' tests (pixman).
	echo meson libglib2.0-dev libpixman-1-dev
	# smoke --vm: QEMU for the host side, a static busybox for the guest's init.
	echo qemu-system-x86 busybox-static
	# clang's sanitizer and libFuzzer runtimes: a package named after clang's
	# major version from Debian 12 on (libclang-rt-N-dev); Debian 11 and Ubuntu
	# 22.04 keep them in libclang-common-N-dev, which clang pulls in.
	local n
	n=$(debian_clang_major)
	echo clang valgrind debootstrap "?libclang-rt-dev${n:+|libclang-rt-$n-dev}"
}

fedora_wants() {
	case $profile in
	containers) echo podman runc debootstrap; return ;;
	esac
	echo gcc make pkgconf-pkg-config rpm-devel rpm-build libgit2-devel json-c-devel \
		popt-devel libcmocka-devel zlib-devel python3 xz patch git cpio \
		file createrepo_c-devel rpm-sign gnupg2 groff-base man-db util-linux elfutils ninja-build
	[ $profile = matrix ] && return
	echo meson glib2-devel pixman-devel clang compiler-rt valgrind "?debootstrap"
	# smoke --vm: QEMU for the host side, a busybox for the guest's init.
	echo "qemu-system-x86-core|qemu-kvm" "?busybox"
}

# The major version of the clang the default 'clang' package depends on.
debian_clang_major() {
	apt-cache depends clang 2>/dev/null | sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1
}

# load_wants FN: the entries FN prints (several lines, never globbed) into wants.
load_wants() {
	local w
	wants=()
	while read -r -a w; do
		wants+=("${w[@]}")
	done < <("$1")
}

apt_knows() {
	# A real package with a candidate version (virtual names have none).
	local c
	c=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[ -n "$c" ] && [ "$c" != "(none)" ]
}

apt_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

dnf_knows() {
	"${dnf[@]}" -q info "$1" >/dev/null 2>&1
}

rpm_installed() {
	rpm -q --whatprovides "$1" >/dev/null 2>&1
}

# resolve KNOWS_FN ENTRY...: prints the chosen name of each entry; an entry
# nothing matches is reported on stderr and makes the function return 1.
resolve() {
	local knows=$1 entry alt optional rc=0 found
	shift
	for entry in "$@"; do
		optional=0
		case $entry in \?*) optional=1; entry=${entry#\?} ;; esac
		found=
		IFS='|' read -r -a alts <<<"$entry"
		for alt in "${alts[@]}"; do
			if "$knows" "$alt"; then found=$alt; break; fi
		done
		if [ -n "$found" ]; then
			printf '%s\n' "$found"
		elif [ $optional = 0 ]; then
			echo "deps: no package on this release provides '$entry'" >&2
			rc=1
		fi
	done
	return $rc
}

# RHEL and its rebuilds keep cmocka, createrepo_c's and json-c's headers in CRB
# (PowerTools on 8) and libgit2 in EPEL: enable them when a name is not found.
el_enable_extra_repos() {
	local ver
	ver=$(. /etc/os-release && echo "${VERSION_ID%%.*}")
	echo "deps: enabling CRB and EPEL (some names are only there on EL $ver)"
	"${sudo_cmd[@]}" "${dnf[@]}" install -y dnf-plugins-core || true
	if [ "$ver" = 8 ]; then
		"${sudo_cmd[@]}" "${dnf[@]}" config-manager --set-enabled powertools || true
	else
		"${sudo_cmd[@]}" "${dnf[@]}" config-manager --set-enabled crb || true
	fi
	if ! rpm -q epel-release >/dev/null 2>&1; then
		"${sudo_cmd[@]}" "${dnf[@]}" install -y epel-release ||
			"${sudo_cmd[@]}" "${dnf[@]}" install -y \
				"https://dl.fedoraproject.org/pub/epel/epel-release-latest-$ver.noarch.rpm"
	fi
}

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	load_wants debian_wants
	# Only check what is installed first: no network when all is there. An
	# optional entry this release does not have is not missing.
	missing=()
	for entry in "${wants[@]}"; do
		e=${entry#\?} ok=0
		IFS='|' read -r -a alts <<<"$e"
		for alt in "${alts[@]}"; do apt_installed "$alt" && { ok=1; break; }; done
		if [ $ok = 0 ] && [ "$e" != "$entry" ]; then
			ok=1
			for alt in "${alts[@]}"; do apt_knows "$alt" && { ok=0; break; }; done
		fi
		[ $ok = 1 ] || missing+=("$entry")
	done
	if [ $print = 0 ] && [ ${#missing[@]} -eq 0 ]; then
		exit 0
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Package lists are needed to know what this release calls things.
	if [ $print = 0 ] || ! apt_knows make; then
		"${sudo_cmd[@]}" apt-get update -qq
	fi
	# clang's version is known only now that the lists are there.
	load_wants debian_wants
	if [ $print = 1 ]; then
		resolve apt_knows "${wants[@]}"
		exit
	fi
	names=$(resolve apt_knows "${wants[@]}")
	todo=()
	for n in $names; do apt_installed "$n" || todo+=("$n"); done
	[ ${#todo[@]} -eq 0 ] && exit 0
	echo "deps: installing ${todo[*]}"
	"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${todo[@]}"
elif command -v rpm >/dev/null 2>&1 && { command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; }; then
	if command -v dnf >/dev/null 2>&1; then dnf=(dnf); else dnf=(yum); fi
	load_wants fedora_wants
	missing=()
	for entry in "${wants[@]}"; do
		e=${entry#\?} ok=0
		IFS='|' read -r -a alts <<<"$e"
		for alt in "${alts[@]}"; do rpm_installed "$alt" && { ok=1; break; }; done
		[ $ok = 1 ] || missing+=("$entry")
	done
	if [ $print = 0 ] && [ ${#missing[@]} -eq 0 ]; then
		exit 0
	fi
	if ! names=$(resolve dnf_knows "${missing[@]}" 2>/dev/null); then
		if [ $print = 0 ] && grep -qsE '^ID_LIKE=.*(rhel|centos)' /etc/os-release; then
			el_enable_extra_repos
		fi
		names=$(resolve dnf_knows "${missing[@]}") || exit 1
	fi
	if [ $print = 1 ]; then
		printf '%s\n' "$names"
		exit 0
	fi
	[ -n "$names" ] || exit 0
	# shellcheck disable=SC2086
	echo "deps: installing" $names
	# shellcheck disable=SC2086
	"${sudo_cmd[@]}" "${dnf[@]}" install -y $names
else
	echo "deps: unknown distribution; install by hand: a C compiler, make, pkg-config," >&2
	echo "deps: librpm/librpmbuild, libgit2, json-c, popt and cmocka development files, rpmbuild" >&2
	exit 1
fi

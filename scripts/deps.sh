#!/usr/bin/env bash
# Install what qga-forge needs to build, test and run its demo: the C
# libraries (librpm, librpmbuild, libgit2, json-c, popt), cmocka for the unit
# tests, rpmbuild, and what building a QEMU guest agent needs (python3, meson,
# ninja, glib). Idempotent: when everything is present it only checks.
#
#   scripts/deps.sh               the above, plus libcreaterepo_c and gpg (publish),
#                                 groff and man-db (the manual page test)
#   scripts/deps.sh --containers  only what the container tests need: podman with
#                                 the runc runtime, and debootstrap for base images
set -euo pipefail

debian_pkgs=(gcc make pkg-config librpm-dev libgit2-dev libjson-c-dev libpopt-dev
	libcmocka-dev zlib1g-dev rpm python3 meson ninja-build libglib2.0-dev xz-utils patch git cpio
	ca-certificates)
fedora_pkgs=(gcc make pkgconf-pkg-config rpm-devel rpm-build libgit2-devel json-c-devel
	popt-devel libcmocka-devel zlib-devel python3 meson ninja-build glib2-devel xz patch git cpio)
# file: rpmbuild's brp-strip finds the binaries to strip with it (Fedora's rpm-build
# requires it; Debian's rpm does not, and then packages ship unstripped).
debian_pkgs+=(file libcreaterepo-c-dev gnupg groff-base man-db)
# smoke --vm: QEMU for the host side, a static busybox for the guest's init
debian_pkgs+=(qemu-system-x86 busybox-static)
fedora_pkgs+=(qemu-system-x86-core busybox)
fedora_pkgs+=(createrepo_c-devel rpm-sign gnupg2 groff-base man-db)
# The fuzzers (make fuzz, tests/e2e/t8600-fuzz.sh): clang with libFuzzer and the
# sanitizer runtimes; valgrind for make check-valgrind; flock (util-linux) for
# the lock tests.
debian_pkgs+=(clang libclang-rt-14-dev valgrind util-linux)
fedora_pkgs+=(clang compiler-rt valgrind util-linux)

if [ "${1:-}" = --containers ]; then
	debian_pkgs=(podman runc debootstrap)
	fedora_pkgs=(podman runc debootstrap)
elif [ $# -gt 0 ]; then
	echo "usage: scripts/deps.sh [--containers]" >&2
	exit 2
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo_cmd=(sudo)
	fi
fi

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	missing=()
	for p in "${debian_pkgs[@]}"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo_cmd[@]}" apt-get update -qq
	"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
elif command -v rpm >/dev/null 2>&1 && { command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; }; then
	missing=()
	for p in "${fedora_pkgs[@]}"; do
		rpm -q --whatprovides "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps: installing ${missing[*]}"
	if command -v dnf >/dev/null 2>&1; then
		"${sudo_cmd[@]}" dnf install -y "${missing[@]}"
	else
		"${sudo_cmd[@]}" yum install -y "${missing[@]}"
	fi
else
	echo "deps: unknown distribution; install by hand: a C compiler, make, pkg-config," >&2
	echo "deps: librpm/librpmbuild, libgit2, json-c, popt and cmocka development files, rpmbuild" >&2
	exit 1
fi

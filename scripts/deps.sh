#!/usr/bin/env bash
# Install what qga-forge needs to build, test and run its demo: the C
# libraries (librpm, librpmbuild, libgit2, json-c, popt), cmocka for the unit
# tests, rpmbuild, and what building a QEMU guest agent needs (python3, meson,
# ninja, glib). Idempotent: when everything is present it only checks.
set -euo pipefail

debian_pkgs=(gcc make pkg-config librpm-dev libgit2-dev libjson-c-dev libpopt-dev
	libcmocka-dev rpm python3 meson ninja-build libglib2.0-dev xz-utils patch git
	ca-certificates)
fedora_pkgs=(gcc make pkgconf-pkg-config rpm-devel rpm-build libgit2-devel json-c-devel
	popt-devel libcmocka-devel python3 meson ninja-build glib2-devel xz patch git)

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

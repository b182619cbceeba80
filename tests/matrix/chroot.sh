#!/bin/bash
#
# chroot.sh: makes a Debian chroot for the host matrix (tests/matrix/README.md) and
# prints its directory: debootstrap --variant=minbase of SUITE, then what
# `scripts/deps.sh --matrix` chooses on that release (the build and test
# dependencies), installed by the chroot's own apt.
#
# The chroot is cached in $QGA_FORGE_TEST_CACHE/chroots/SUITE/KEY/, KEY being the
# sha256 of the package lists of scripts/deps.sh, the archive address and
# CHROOT_FORMAT; a changed list makes a new one and removes the old. The archive is the
# one this machine's apt already uses (its `deb` entry of the main suite, read with
# `apt-get indextargets`): no host name is written here.
#
# Usage: chroot.sh SUITE           ensure the chroot, print its directory
#        chroot.sh --print-mirror  print the archive address that would be used
#        chroot.sh --run DIR CMD.. run CMD inside chroot DIR (see matrix_run below)
set -euo pipefail

MATRIX_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=../fixtures/lib.sh
. "$MATRIX_DIR/../fixtures/lib.sh"
SRC_ROOT="$(cd "$MATRIX_DIR/../.." && pwd)"
# Raise when build_chroot below makes a different chroot from the same list.
CHROOT_FORMAT=1

# The address of the Debian archive this machine installs from: the first `deb`
# index target whose release is a plain suite (not -security, -updates, ...).
matrix_mirror() {
	local uri rel
	# shellcheck disable=SC2016 # apt's own $(FIELD) syntax
	while read -r uri rel; do
		case "$rel" in *-*) continue ;; esac
		printf '%s\n' "${uri%/}"
		return 0
	done < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null)
	return 1
}

# matrix_run ROOT [--bind SRC DST]... [--overlay UPPERDIR] -- CMD...
# Runs CMD (no shell) chrooted into ROOT, with /proc, /dev and /tmp, inside a
# private mount namespace: every mount vanishes with the process, however it
# ends. --overlay makes the chroot's own files writable through a throwaway upper
# directory (the cached tree is never changed by a test run). --bind mounts SRC
# at ROOT/DST.
matrix_run() {
	local root="$1" binds=() upper=''
	shift
	while [ $# -gt 0 ]; do
		case "$1" in
		--bind) binds+=("$2" "$3"); shift 3 ;;
		--overlay) upper="$2"; shift 2 ;;
		--) shift; break ;;
		*) fixture_die "matrix_run: unknown option '$1'" ;;
		esac
	done
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare --mount --propagation private -- /bin/bash -euc '
		root=$1 upper=$2 nb=$3
		shift 3
		if [ -n "$upper" ]; then
			mkdir -p "$upper/u" "$upper/w" "$upper/m"
			mount -t overlay overlay -o "lowerdir=$root,upperdir=$upper/u,workdir=$upper/w" "$upper/m"
			root=$upper/m
		fi
		mount -t proc proc "$root/proc"
		mount --rbind /dev "$root/dev"
		mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
		while [ "$nb" -gt 0 ]; do
			mkdir -p "$root/$2"
			mount --bind "$1" "$root/$2"
			shift 2
			nb=$((nb - 1))
		done
		exec chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
	' matrix-run "$root" "$upper" $((${#binds[@]} / 2)) "${binds[@]}" "$@"
}

# What decides a chroot's packages: the Debian lists of scripts/deps.sh (the
# debian_wants function and the clang version rule it calls), not the rest of
# the script.
matrix_package_list() {
	sed -n '/^debian_wants() {/,/^}/p; /^debian_clang_major() {/,/^}/p' "$SRC_ROOT/scripts/deps.sh" |
		sha256sum | cut -d' ' -f1
}

# The archive's Release file carries Valid-Until (sid's is renewed daily); a
# machine whose clock runs ahead of the archive sees it as expired and apt
# refuses it. Only then, and only in that chroot, is the check turned off, and
# the log says so.
matrix_apt_update() {
	local root="$1" suite="$2" log
	log="$(mktemp)"
	if matrix_run "$root" -- apt-get update >"$log" 2>&1 && ! grep -q '^[EW]:.*expired' "$log"; then
		rm -f "$log"
		return 0
	fi
	cat "$log" >&2
	if grep -qE 'is expired|is not valid yet' "$log"; then
		fixture_log "$suite: the archive's Release file has expired by this machine's clock ($(date -u +%FT%TZ)); Acquire::Check-Valid-Until is turned off in this chroot"
		printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' \
			>"$root/etc/apt/apt.conf.d/99qga-forge-valid-until"
		rm -f "$log"
		matrix_run "$root" -- apt-get update >&2 || return 1
		return 0
	fi
	rm -f "$log"
	return 1
}

build_chroot() {
	local out="$1" suite="$2" mirror="$3" start
	start=$(date +%s)
	fixture_log "debootstrap $suite from $mirror"
	debootstrap --variant=minbase "$suite" "$out" "$mirror" >&2 || return 1
	matrix_apt_update "$out" "$suite" || return 1
	cp "$SRC_ROOT/scripts/deps.sh" "$out/root/deps.sh" || return 1
	matrix_run "$out" -- /bin/bash /root/deps.sh --matrix >&2 || return 1
	matrix_run "$out" -- /bin/bash /root/deps.sh --matrix --print >"$out/root/packages" || return 1
	matrix_run "$out" -- apt-get clean >&2 || return 1
	rm -f "$out/root/deps.sh"
	fixture_log "$suite: chroot made in $(($(date +%s) - start)) s"
}

main() {
	case "${1:-}" in
	--print-mirror) matrix_mirror || fixture_die "no deb entry in this machine's apt sources"; return ;;
	--run) shift; matrix_run "$@"; return ;;
	''|-*) fixture_die "usage: chroot.sh SUITE | --print-mirror | --run ROOT [...] -- CMD..." ;;
	esac
	local suite="$1" mirror key
	[ "$(id -u)" = 0 ] || fixture_die "making a chroot needs root"
	fixture_need debootstrap unshare chroot
	mirror="$(matrix_mirror)" || fixture_die "no deb entry in this machine's apt sources"
	key="$(fixture_key "$suite $mirror chroot-format $CHROOT_FORMAT $(matrix_package_list)")"
	fixture_cached "chroots/$suite" "$key" build_chroot "$suite" "$mirror"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi

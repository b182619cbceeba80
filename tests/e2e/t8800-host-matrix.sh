#!/usr/bin/env bash
# The host matrix (tests/matrix/README.md): Debian 11 (rpm 4.16, libgit2 1.1),
# 13 (rpm 4.20, libgit2 1.9) and sid (rpm 6.x) as debootstrap chroots, cached
# in $QGA_FORGE_TEST_CACHE/chroots. In each: plain make, the unit and
# command-line suites, every spec layout through that rpm's rpmbuild -bp, and
# a CentOS 7 layout src.rpm through init, add-command, patch and
# build --srpm-only; the specs written on rpm 4.20 and 6.x must still parse
# under rpm 4.16. QGA_FORGE_MATRIX="bullseye trixie sid" picks the chroots
# (empty: skip); QGA_FORGE_SKIP_MATRIX=1 skips them all.
. "$(dirname "$0")/../cli/lib.sh"

MATRIX="$SRC_ROOT/tests/matrix"
suites=${QGA_FORGE_MATRIX-trixie sid bullseye}

why=
if [ -n "${QGA_FORGE_SKIP_MATRIX:-}" ] || [ -z "$suites" ]; then
	why='QGA_FORGE_SKIP_MATRIX is set or QGA_FORGE_MATRIX is empty'
elif [ "$(id -u)" != 0 ]; then
	why='chroots need root'
elif ! command -v debootstrap >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
	why='debootstrap or unshare is not installed (make deps installs them)'
elif ! "$MATRIX/chroot.sh" --print-mirror >/dev/null 2>&1; then
	why='no Debian archive in this machine'"'"'s apt sources'
fi
if [ -n "$why" ]; then
	test_skip 'host matrix' "$why"
	test_done
fi

# Left to the machine itself, to keep make check within its time: the kill
# tests (the journal's crash safety and the supervision of children: the same
# code and kernel on every host, a minute or two a run each) and the stock
# agent (a QEMU build; the agent client's json-c is covered by the fake-agent
# suites). QGA_FORGE_MATRIX_SKIP_CLI overrides.
skip_cli=${QGA_FORGE_MATRIX_SKIP_CLI-t6000-kill t6020-kill-litter t6030-random-kill}

cache=${QGA_FORGE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qga-forge-test}
export QGA_FORGE_TEST_CACHE=$cache
out="$TRASH/out"
mkdir -p "$out"

# The tree as git would ship it (the files git knows or would add), so a
# build directory of the host never reaches a chroot.
tree_tar="$TRASH/tree.tar"
(
	cd "$SRC_ROOT" &&
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files -z -co --exclude-standard
	else
		find . -path ./build -prune -o ! -name qga-forge -type f -print0
	fi | tar --null -T - --ignore-failed-read -cf "$tree_tar"
) || { echo "cannot pack the tree" >&2; exit 1; }

qemu_tar=$("$SRC_ROOT/tests/fixtures/qemu-source.sh" 2>"$TRASH/qemu-source.log") || qemu_tar=
# rpm 4.20 and later cannot write a CentOS 7 style (%patchN) src.rpm: the chroots
# that have it take those made here (QGA_FORGE_FIXTURE_SEED, tests/fixtures/lib.sh),
# as users bring them from CentOS 7 build hosts.
# They are copied out of the cache first: a run of another tree may replace a
# cache entry while the chroots use it.
seed_binds=()
if ! rpm_rejects_patchn; then
	seed_copy() {
		local dir
		dir=$("$SRC_ROOT/tests/fixtures/$1" 2>>"$TRASH/seed.log") || return 1
		case $2 in el7-*) dir=$(dirname "$dir") ;; esac
		mkdir -p "$TRASH/seed/$2" && cp -a "$dir" "$TRASH/seed/$2/"
	}
	if seed_copy mk-tiny-srpm.sh tiny && seed_copy mk-el7-srpm.sh el7-srpm-patchN; then
		seed_binds=(--bind "$TRASH/seed" /seed)
	fi
fi

for suite in $suites; do
	test_count=$((test_count + 1))
	start=$(date +%s)
	if root=$("$MATRIX/chroot.sh" "$suite" 2>"$TRASH/chroot.$suite.log") && [ -d "$root" ]; then
		test_passed=$((test_passed + 1))
		say "ok $test_count - $suite: chroot ready in $(($(date +%s) - start)) s ($root)"
		grep -E '^chroot.sh: ' "$TRASH/chroot.$suite.log" | sed 's/^/# /'
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $suite: chroot (debootstrap, then scripts/deps.sh --matrix)"
		tail -n 30 "$TRASH/chroot.$suite.log" | sed 's/^/#   /'
		continue
	fi
	[ -f "$root/etc/apt/apt.conf.d/99qga-forge-valid-until" ] &&
		say "# $suite: the archive's Valid-Until check is off in this chroot (the clock runs ahead of the archive)"

	work=$(mktemp -d "$TRASH/$suite.XXXXXX")
	mkdir -p "$work/tree" "$cache/chroots/cache-$suite" "$out/$suite" &&
	tar -C "$work/tree" -xf "$tree_tar"
	binds=(--bind "$work/tree" /src --bind "$cache/chroots/cache-$suite" /cache --bind "$out" /matrix-out
		"${seed_binds[@]}")
	if [ -n "$qemu_tar" ]; then
		binds+=(--bind "$(dirname "$qemu_tar")" /cache/qemu-source)
	fi
	specs_from=
	[ "$suite" = bullseye ] && specs_from=/matrix-out
	start=$(date +%s)
	"$MATRIX/chroot.sh" --run "$root" --overlay "$work/ov" "${binds[@]}" -- \
		env MATRIX_SUITE="$suite" MATRIX_OUT="/matrix-out/$suite" MATRIX_SPECS_FROM="$specs_from" \
		QGA_FORGE_TEST_CACHE=/cache QGA_FORGE_SKIP_STOCK_AGENT=1 MATRIX_SKIP_CLI="$skip_cli" \
		QGA_FORGE_FIXTURE_SEED="${seed_binds[*]:+/seed}" \
		/bin/bash /src/tests/matrix/inside.sh >"$work/inside.log" 2>&1
	rc=$?
	cat "$work/inside.log"
	line=$(grep -E "^# matrix-$suite: [0-9]+ passed" "$work/inside.log" | tail -n 1)
	if [ -z "$line" ]; then
		test_count=$((test_count + 1)) test_failed=$((test_failed + 1))
		say "not ok $test_count - $suite: the run in the chroot ended without a summary (status $rc)"
	else
		p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		test_count=$((test_count + p + f)) test_passed=$((test_passed + p)) test_failed=$((test_failed + f))
	fi
	say "# $suite: run in the chroot took $(($(date +%s) - start)) s"
	# The overlay's upper directory holds what the run wrote: gone with the run.
	rm -rf "$work"
done

test_done

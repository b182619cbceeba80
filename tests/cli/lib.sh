# Shared helpers for the CLI tests (tests/cli/tNNNN-*.sh), in the spirit of
# git's t/test-lib.sh. Source it first; end the script with test_done.
#
#   test_expect_success 'what it checks' '
#           step1 &&
#           step2
#   '
#
# Each test body runs in the script's own trash directory ($TRASH), which is
# removed when every test passed. A body must be an && chain: a step that
# fails fails the test.

set -u

TEST_NAME=$(basename "$0" .sh)
SRC_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export SRC_ROOT
# QGA_FORGE_BIN_DIR picks another build of the binary (the sanitizer builds).
QGA_FORGE_BIN_DIR=${QGA_FORGE_BIN_DIR:-$SRC_ROOT}
QGA_FORGE="$QGA_FORGE_BIN_DIR/qga-forge"
export PATH="$QGA_FORGE_BIN_DIR:$PATH"
export QGA_FORGE_DATADIR="$SRC_ROOT"
export LC_ALL=C TZ=UTC
unset QGA_FORGE_TXN_CRASH_AT

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-$TEST_NAME.XXXXXX")
cd "$TRASH" || exit 1

test_count=0
test_passed=0
test_failed=0
test_skipped=0

say() { printf '%s\n' "$*"; }

test_expect_success() {
	local desc=$1 body=$2
	test_count=$((test_count + 1))
	if (cd "$TRASH" && eval "$body") >"$TRASH/.out.$test_count" 2>&1; then
		test_passed=$((test_passed + 1))
		say "ok $test_count - $desc"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $desc"
		sed -e 's/^/#   /' "$TRASH/.out.$test_count"
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	say "ok $test_count # SKIP $1 ($2)"
}

# test_must_fail CMD...: CMD exits 1 or 2 (a clean failure, not a crash).
test_must_fail() {
	local rc=0
	"$@" || rc=$?
	case $rc in
	1|2) return 0 ;;
	0) echo "test_must_fail: '$*' succeeded" >&2; return 1 ;;
	*) echo "test_must_fail: '$*' died with status $rc" >&2; return 1 ;;
	esac
}

# test_expect_code N CMD...: CMD exits exactly N.
test_expect_code() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "test_expect_code: '$*' exited $rc, expected $want" >&2
		return 1
	fi
}

# prep_tree TOPDIR: the tree rpmbuild -bp made under TOPDIR/BUILD. rpm up to
# 4.19 unpacks into BUILD/qemu-X; 4.20 and later into BUILD/NAME-VERSION-build/qemu-X
# (%{builddir}). Prints nothing when there is none.
prep_tree() {
	local d
	for d in "$1"/BUILD/*-build/qemu-*/ "$1"/BUILD/qemu-*/; do
		[ -d "$d" ] && { printf '%s\n' "${d%/}"; return 0; }
	done
	return 1
}

# rpm_rejects_patchn: true when this host's rpm rejects %patchN (4.20 and later).
rpm_rejects_patchn() {
	case $(rpm --version | sed 's/[^0-9.]//g') in
	4.1[0-9].* | 4.[0-9].*) return 1 ;;
	*) return 0 ;;
	esac
}

# patchn_to_p: stdin to stdout with every %patchN directive written as
# %patch -P N, as qga-forge converts it (a sed of its own, so a test compares
# qga-forge with something it did not make). "%%patch" stays.
patchn_to_p() {
	sed -E 's/(^|[^%])%patch0*([0-9]+)/\1%patch -P \2/g'
}

# spec_fixtures: the directory of the spec layout fixtures to use. Where this
# rpm rejects %patchN, a copy in $TRASH with every fixture and expected file
# as `--convert-patch-macros` leaves it (t3060 checks that step itself);
# else tests/data/specs.
spec_fixtures() {
	local src="$SRC_ROOT/tests/data/specs" dst="$TRASH/specs" f
	if ! rpm_rejects_patchn; then
		printf '%s\n' "$src"
		return 0
	fi
	if [ ! -d "$dst" ]; then
		mkdir -p "$dst/expected" "$dst/bad" &&
		for f in "$src"/*.spec "$src"/expected/*.spec "$src"/bad/*.spec; do
			patchn_to_p <"$f" >"$dst/${f#"$src"/}" || return 1
		done &&
		cp "$src/mksources.sh" "$dst/" || return 1
	fi
	printf '%s\n' "$dst"
}

# test_cmp EXPECTED ACTUAL
test_cmp() {
	diff -u "$1" "$2"
}

# test_grep [-v] PATTERN FILE (shows the file when the check fails)
test_grep() {
	local neg=
	if [ "$1" = -v ]; then neg=1; shift; fi
	if [ -n "$neg" ]; then
		if grep -q -e "$1" "$2"; then
			echo "test_grep: '$1' found in $2:" >&2; cat "$2" >&2; return 1
		fi
	else
		if ! grep -q -e "$1" "$2"; then
			echo "test_grep: '$1' not found in $2:" >&2; cat "$2" >&2; return 1
		fi
	fi
}

# tree_digest DIR: one line per file (path, mode, sha256) for "unchanged" checks.
tree_digest() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%p %m\n' | LC_ALL=C sort |
		while read -r p m; do
			if [ -L "$p" ]; then
				printf '%s %s link %s\n' "$p" "$m" "$(readlink "$p")"
			else
				printf '%s %s %s\n' "$p" "$m" "$(sha256sum <"$p" | cut -d' ' -f1)"
			fi
		done)
}

# Fixtures: tiny src.rpms built by tests/fixtures/mk-tiny-srpm.sh (cached).
tiny_fixtures() {
	"$SRC_ROOT/tests/fixtures/mk-tiny-srpm.sh" 2>/dev/null
}

test_done() {
	say "# $TEST_NAME: $test_passed passed, $test_failed failed, $test_skipped skipped"
	if [ "$test_failed" -eq 0 ]; then
		cd / && rm -rf "$TRASH"
		exit 0
	fi
	say "# trash directory kept: $TRASH"
	exit 1
}

# check_fails STATUS MESSAGE ARGS...: `add-command -w ws ARGS...` exits STATUS, its
# first line of stderr is MESSAGE, and nothing changed: `ws_digest` (the caller's)
# prints what digest.before holds.
check_fails() {
	local want=$1 msg=$2
	shift 2
	test_expect_code "$want" qga-forge add-command -w ws "$@" 2>err &&
	printf "%s\n" "$msg" >expect &&
	head -n 1 err >actual &&
	test_cmp expect actual &&
	ws_digest >digest.after &&
	test_cmp digest.before digest.after
}

# skip_without_emulator_build: skip the whole suite unless this host can build a QEMU
# 7.2 system emulator (meson, ninja, glib, pixman).
skip_without_emulator_build() {
	if ! pkg-config --exists pixman-1 glib-2.0 || ! command -v ninja >/dev/null ||
		! command -v meson >/dev/null; then
		test_skip "all" "a QEMU 7.2 system emulator build needs meson, ninja, glib and pixman (libpixman-1-dev)"
		test_done
	fi
}

#!/bin/bash
#
# inside.sh: the host matrix's run inside one chroot (tests/matrix/README.md).
# Runs from a private copy of the tree; prints "ok N - ..." / "not ok N - ..."
# per step and ends with "# matrix-SUITE: N passed, N failed, N skipped".
# Logs go to $MATRIX_OUT (the host keeps them).
#
#   1. plain `make`, no flags
#   2. the unit tests (run-all.sh --unit)
#   3. the command-line tests, among them t3010 and t3030, where this
#      chroot's rpmbuild -bp checks every spec layout of tests/data/specs;
#      those named in MATRIX_SKIP_CLI are left to the machine itself
#   4. a CentOS 7 layout src.rpm (tests/fixtures/el7) through init,
#      add-command, patch and build --srpm-only; the spec of the src.rpm it
#      writes is kept in $MATRIX_OUT for the rpm 4.16 parse check
#   5. with MATRIX_SPECS_FROM=DIR: every spec in DIR parses with this rpm
set -u
cd "$(dirname "$0")/../.." || exit 1
suite=${MATRIX_SUITE:-chroot}
out=${MATRIX_OUT:-/tmp/matrix-out}
mkdir -p "$out"
n=0 passed=0 failed=0 skipped=0
export LC_ALL=C TZ=UTC

step() {
	local desc=$1 log=$2 start rc
	shift 2
	n=$((n + 1))
	start=$(date +%s)
	"$@" >"$out/$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok $n - $suite: $desc ($(($(date +%s) - start)) s)"
	else
		failed=$((failed + 1))
		echo "not ok $n - $suite: $desc (status $rc, $(($(date +%s) - start)) s; log $log)"
		tail -n 40 "$out/$log" | sed 's/^/#   /'
	fi
	return $rc
}

# The command-line suites but those in MATRIX_SKIP_CLI (names without .sh):
# each as run-all.sh runs it, then one "N passed, N failed, N skipped" line.
cli_suites() {
	local t name line p=0 f=0 s=0 rc=0
	for t in tests/cli/t*.sh; do
		name=$(basename "$t" .sh)
		case " ${MATRIX_SKIP_CLI:-} " in *" $name "*) continue ;; esac
		echo "=== $t"
		bash "$t" >"$out/cli-$name.log" 2>&1 || rc=1
		cat "$out/cli-$name.log"
		line=$(grep -E '^# .*: [0-9]+ passed, [0-9]+ failed' "$out/cli-$name.log" | tail -n 1)
		if [ -z "$line" ]; then
			f=$((f + 1)) rc=1
			continue
		fi
		p=$((p + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
		f=$((f + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
		s=$((s + $(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")))
		rm -f "$out/cli-$name.log"
	done
	echo "$p passed, $f failed, $s skipped"
	[ $rc = 0 ] && [ $f = 0 ]
}

suite_summary() { grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/$1" | tail -n 1; }

echo "# $suite: $(rpm --version), libgit2 $(pkg-config --modversion libgit2), json-c $(pkg-config --modversion json-c), popt $(pkg-config --modversion popt 2>/dev/null || echo '?'), createrepo_c $(pkg-config --modversion createrepo_c)"

if step 'plain make' make.log make -j"$(nproc)"; then
	sed -n 's/^config: /# config: /p' "$out/make.log"
	step 'unit tests' unit.log make check-unit && echo "#   unit: $(suite_summary unit.log)"
	step 'command-line tests' cli.log cli_suites
	echo "#   cli: $(suite_summary cli.log)"
	echo "#   left to the machine itself: ${MATRIX_SKIP_CLI:-nothing}"
	grep -E '^not ok' "$out/cli.log" | head -n 20 | sed 's/^/#   /'

	el7() {
		local srpm ws=/tmp/matrix-el7/ws o=/tmp/matrix-el7/out
		rm -rf /tmp/matrix-el7 && mkdir -p /tmp/matrix-el7 || return 1
		srpm=$(tests/fixtures/mk-el7-srpm.sh) || return 1
		./qga-forge init -w $ws "$srpm" || return 1
		./qga-forge add-command -w $ws examples/watchdog/watchdog.qapi \
			--handler examples/watchdog/watchdog.c || return 1
		./qga-forge patch -w $ws || return 1
		./qga-forge build -w $ws --srpm-only --nodeps -o $o || return 1
		rpm -qp --qf '%{NEVR}\n' $o/SRPMS/*.src.rpm || return 1
		mkdir -p "$out/el7-spec" &&
		rpm2archive - <$o/SRPMS/*.src.rpm 2>/dev/null | tar -xzf - -C "$out/el7-spec" \
			--wildcards '*.spec' || return 1
		grep -n '^%patch' "$out"/el7-spec/*.spec
	}
	QGA_FORGE_DATADIR=$PWD step 'CentOS 7 src.rpm: init, add-command, patch, build --srpm-only' el7.log el7
	grep -E '^(package|qemu|patches):|converted|%patch' "$out/el7.log" | head -n 20 | sed 's/^/#   /'
fi

if [ -n "${MATRIX_SPECS_FROM:-}" ]; then
	for spec in "$MATRIX_SPECS_FROM"/*/el7-spec/*.spec; do
		[ -f "$spec" ] || continue
		from=$(basename "$(dirname "$(dirname "$spec")")")
		step "the spec written on $from parses with this rpm" "parse-$from.log" \
			./qga-forge spec check "$spec"
	done
fi

echo "# matrix-$suite: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]

#!/usr/bin/env bash
# Runs the libFuzzer harnesses built by `make fuzz-build` (build/fuzz/fuzzers).
#
#   tests/fuzz/run.sh [-t SECONDS] [-s SEED] [-d BINDIR] [-w WORKDIR] [TARGET...]
#
# For each target (default: all of qapi spec reply patch cfile):
#   1. replays every input in tests/fuzz/regressions/TARGET/ (each one a crash
#      or hang found earlier, fixed since): any failure fails the target;
#   2. unless SECONDS is 0, fuzzes for SECONDS seconds, starting from
#      tests/fuzz/corpus/TARGET/ plus what earlier runs kept in
#      WORKDIR/corpus/TARGET/ (WORKDIR default build/fuzz/work). The source
#      tree is never written to. A crash, leak or hang (an input that runs
#      longer than 10 s) fails the target; its input is kept under
#      WORKDIR/artifacts/ and the log says where: add it to
#      tests/fuzz/regressions/TARGET/ with the fix.
#      With -s SEED the run is repeatable: the same seed, corpus and binary
#      try the same inputs in the same order (make check uses a fixed seed so
#      that a CI run fails only for a change of the code, never by chance;
#      without -s, libFuzzer picks a new seed and explores further).
# Prints "ok"/"not ok" per step and ends with "# fuzz: N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=30
seed=
bindir=$top/build/fuzz/fuzzers
work=$top/build/fuzz/work
while getopts t:s:d:w: opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	s) seed=$OPTARG ;;
	d) bindir=$OPTARG ;;
	w) work=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-s SEED] [-d BINDIR] [-w WORKDIR] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $seconds in
''|*[!0-9]*) echo "$0: -t wants a whole number of seconds" >&2; exit 2 ;;
esac
case $seed in
*[!0-9]*) echo "$0: -s wants a whole number" >&2; exit 2 ;;
esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(qapi spec reply patch cfile)

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $*"; }

# Leaks are findings too; the suppressions cover the libraries' own globals.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/sanitizers/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in "${targets[@]}"; do
	bin=$bindir/fuzz_$t
	if [ ! -x "$bin" ]; then
		not_ok "fuzz_$t: $bin is not built (make fuzz-build)"
		continue
	fi
	mkdir -p "$work/corpus/$t" "$work/artifacts" "$work/logs" || exit 1
	log=$work/logs/$t.log

	regs=()
	if [ -d "$top/tests/fuzz/regressions/$t" ]; then
		while IFS= read -r -d '' f; do
			regs+=("$f")
		done < <(find "$top/tests/fuzz/regressions/$t" -type f ! -name '*.md' -print0 | sort -z)
	fi
	if [ ${#regs[@]} -gt 0 ]; then
		if "$bin" -timeout=10 -rss_limit_mb=4096 "${regs[@]}" >"$log" 2>&1; then
			ok "fuzz_$t: ${#regs[@]} regression input(s) replayed"
		else
			not_ok "fuzz_$t: a regression input fails again (log: $log)"
			tail -n 40 "$log" | sed 's/^/#   /'
		fi
	else
		ok "fuzz_$t: no regression inputs"
	fi

	[ "$seconds" -gt 0 ] || continue
	seeds=$top/tests/fuzz/corpus/$t
	[ -d "$seeds" ] || seeds=
	dict=()
	[ -f "$top/tests/fuzz/$t.dict" ] && dict=(-dict="$top/tests/fuzz/$t.dict")
	# New inputs go to the work corpus (first directory); the seeds are read only.
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/$t-" "${dict[@]}" \
		${seed:+-seed="$seed"} \
		"$work/corpus/$t" ${seeds:+"$seeds"} >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		used=$(sed -n 's/^INFO: Seed: *//p' "$log" | head -n 1)
		ok "fuzz_$t: ${seconds} s, ${runs:-?} inputs, seed ${used:-?}, no crash"
	else
		not_ok "fuzz_$t: found a failing input (log: $log)"
		grep -E 'ERROR|SUMMARY|invariant|Test unit written|artifact' "$log" | head -n 20 | sed 's/^/#   /'
		tail -n 40 "$log" | sed 's/^/#   /'
	fi
done

echo "# fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

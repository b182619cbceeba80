#!/usr/bin/env bash
# The libFuzzer harnesses of tests/fuzz/: build them (clang, AddressSanitizer,
# UndefinedBehaviorSanitizer), replay every regression input under
# tests/fuzz/regressions/, then fuzz each reader for QGA_FORGE_FUZZ_SECONDS
# (default 30) seconds from its seed corpus. A crash, leak, hang or broken
# invariant fails the test; tests/fuzz/run.sh's log says where the input was
# kept. The libFuzzer seed is fixed (QGA_FORGE_FUZZ_SEED, default 1; "random"
# for a new one each run), so that the same tree always tries the same
# inputs: CI fails for a change of the code, not by the luck of a run.
# Exploration with new seeds is `make fuzz`.
. "$(dirname "$0")/../cli/lib.sh"

SECONDS_EACH=${QGA_FORGE_FUZZ_SECONDS:-30}
SEED=${QGA_FORGE_FUZZ_SEED:-1}
[ "$SEED" = random ] && SEED=

test_expect_success 'build the fuzzers (make fuzz-build)' '
	command -v "${FUZZ_CC:-clang}" >/dev/null &&
	env -u MAKEFLAGS -u MAKELEVEL make -C "$SRC_ROOT" --no-print-directory fuzz-build >build.log 2>&1 ||
	{ tail -n 30 build.log; false; }
'

for t in qapi spec reply patch cfile; do
	test_expect_success "fuzz_$t: regressions replay, then $SECONDS_EACH s of fuzzing" "
		\"\$SRC_ROOT/tests/fuzz/run.sh\" -t $SECONDS_EACH ${SEED:+-s $SEED} -w \"\$TRASH/work\" $t >run.log 2>&1 ||
		{ cat run.log; false; }
	"
	grep -E '^ok - fuzz_' "$TRASH/run.log" 2>/dev/null | sed 's/^ok - /#   /'
done

test_expect_success 'the runner reports a fuzzer that finds something' '
	mkdir -p fake &&
	printf "#!/bin/sh\necho \"==1==ERROR: AddressSanitizer: heap-buffer-overflow\"\nexit 1\n" >fake/fuzz_qapi &&
	chmod +x fake/fuzz_qapi &&
	test_must_fail "$SRC_ROOT/tests/fuzz/run.sh" -t 1 -d "$TRASH/fake" -w "$TRASH/fw" qapi >out &&
	test_grep "^not ok - fuzz_qapi" out &&
	test_grep "^# fuzz: [0-9]* passed, [1-9][0-9]* failed" out
'

test_done

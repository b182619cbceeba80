# The sanitizers' options for runs of the AddressSanitizer and
# UndefinedBehaviorSanitizer build (make check, make check-asan): leaks are
# reported, any report fails the process with its own exit status (86 ASan,
# 87 UBSan), and the leaks of libraries named in lsan.supp are not counted.
# Sourced by tests/run-all.sh.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87

#!/usr/bin/env bash
# End to end on QEMU 5.2 (Debian 11's source) in the CentOS 7 spec layout: %patchN lines,
# a gap in the numbers, %if/%else/%endif among the configure options, the returns-whitelist
# pragma and Windows stubs of that era. See era-lib.sh.
. "$(dirname "$0")/../cli/lib.sh"
. "$SRC_ROOT/tests/e2e/era-lib.sh"

era_run 5.2
test_done

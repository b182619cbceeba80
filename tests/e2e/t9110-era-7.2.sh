#!/usr/bin/env bash
# End to end on QEMU 7.2 (Debian 12's source) in the RHEL 8/9 spec layout: padded Patch0001
# tags beside unpadded ones, %setup + %autopatch. See era-lib.sh.
. "$(dirname "$0")/../cli/lib.sh"
. "$SRC_ROOT/tests/e2e/era-lib.sh"

era_run 7.2
test_done

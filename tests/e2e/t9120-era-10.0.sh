#!/usr/bin/env bash
# End to end on QEMU 10.0 (Debian 13's source) in the Fedora spec layout: unnumbered Patch:
# tags, %autosetup, %global baserelease; handlers in commands-linux.c under CONFIG_LINUX.
# Building 10.0 needs meson >= 1.5: tests/fixtures/meson-backports.sh puts one from the
# release's backports first in PATH for this test. See era-lib.sh.
. "$(dirname "$0")/../cli/lib.sh"
. "$SRC_ROOT/tests/e2e/era-lib.sh"

if ! env_lines=$("$SRC_ROOT/tests/fixtures/meson-backports.sh" --env 2>"$TRASH/meson.log"); then
	cat "$TRASH/meson.log"
	test_skip "10.0 end to end" "no meson >= 1.5 could be set up"
	test_done
fi
defs=()
while IFS= read -r line; do
	export "${line?}"
done <<<"$(printf '%s\n' "$env_lines" | grep -E '^(PATH|PYTHONPATH)=')"

# The Fedora spec takes %__python3 and %_unitdir from Fedora's macro packages; where the
# host lacks them (Debian), init names them, and they are given as a user would.
if [ -z "$(rpm --eval '%{?__python3}')" ]; then
	defs+=(--define "__python3 /usr/bin/python3")
fi
if [ -z "$(rpm --eval '%{?_unitdir}')" ]; then
	defs+=(--define "_unitdir /usr/lib/systemd/system")
fi
era_run 10.0 "${defs[@]}"
test_done

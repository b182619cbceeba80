#!/usr/bin/env bash
# End to end: forge --agent-only on a qemu src.rpm in the Fedora layout over QEMU 10.0
# (unnumbered Patch:, %autosetup -S git_am, %global baserelease). Building 10.0 needs meson
# >= 1.5: tests/fixtures/meson-backports.sh puts one first in PATH. See agent-only-lib.sh.
. "$(dirname "$0")/../cli/lib.sh"
. "$SRC_ROOT/tests/e2e/agent-only-lib.sh"

if ! env_lines=$("$SRC_ROOT/tests/fixtures/meson-backports.sh" --env 2>"$TRASH/meson.log"); then
	cat "$TRASH/meson.log"
	test_skip "10.0 agent-only end to end" "no meson >= 1.5 could be set up"
	test_done
fi
while IFS= read -r line; do
	export "${line?}"
done <<<"$(printf '%s\n' "$env_lines" | grep -E '^(PATH|PYTHONPATH)=')"

defs=()
[ -n "$(rpm --eval '%{?_unitdir}')" ] || defs+=(--define "_unitdir /usr/lib/systemd/system")
[ -n "$(rpm --eval '%{?_udevrulesdir}')" ] || defs+=(--define "_udevrulesdir /usr/lib/udev/rules.d")
agent_only_run fedora "${defs[@]}"
test_done

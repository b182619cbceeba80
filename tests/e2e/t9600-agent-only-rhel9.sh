#!/usr/bin/env bash
# End to end: forge --agent-only on a qemu-kvm src.rpm in the RHEL 9 layout over QEMU 7.2
# (%autopatch, padded Patch0004 beside Patch17, ~30 BuildRequires, subpackages). See
# agent-only-lib.sh.
. "$(dirname "$0")/../cli/lib.sh"
. "$SRC_ROOT/tests/e2e/agent-only-lib.sh"

# RHEL takes %_unitdir and %_udevrulesdir from systemd-rpm-macros; where the host lacks them
# (Debian), they are given as a user would.
defs=()
[ -n "$(rpm --eval '%{?_unitdir}')" ] || defs+=(--define "_unitdir /usr/lib/systemd/system")
[ -n "$(rpm --eval '%{?_udevrulesdir}')" ] || defs+=(--define "_udevrulesdir /usr/lib/udev/rules.d")
agent_only_run rhel9 "${defs[@]}"
test_done

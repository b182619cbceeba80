#!/usr/bin/env bash
# `make demo`: the main job on the built-in example. Builds a CentOS 7 style
# qemu-guest-agent src.rpm from Debian's QEMU 7.2 source (fetched once and
# cached), forges the statvfs and watchdog example commands into it, builds
# the binary rpm by a clean rebuild of the forged src.rpm, starts the agent
# it contains and calls the new commands over the guest-agent protocol.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=${DEMO_OUT:-$top/demo-out}

echo "demo: preparing the example src.rpm (Debian's QEMU 7.2 source, CentOS 7 spec layout)"
srpm=$(tests/fixtures/mk-el7-srpm.sh)
echo "demo: $srpm"

echo "demo: qga-forge forge ... -o $out"
./qga-forge forge "$srpm" \
	--command examples/statvfs/statvfs.qapi:examples/statvfs/statvfs.c \
	--command examples/watchdog/watchdog.qapi:examples/watchdog/watchdog.c \
	--nodeps -o "$out"

echo
echo "demo: the forged rpm:"
ls -1 "$out"/RPMS/*/*.rpm
# Be honest about where it runs: built on this host for a CentOS 7 spec, it
# carries this host's glibc, not CentOS 7's.
host=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || uname -sr)
echo "demo: what it is built for (qga-forge check-rpm --target el7):"
if ./qga-forge check-rpm --target el7 "$out"; then
	echo "demo: the rpm installs and runs on CentOS 7"
else
	echo "demo: built on $host, this rpm runs on hosts like this one, not on CentOS 7;"
	echo "demo: 'qga-forge build --container el7' (or --mock) rebuilds it for CentOS 7"
fi
echo "demo: asking the agent from that rpm for guest-get-statvfs of /:"
dir=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-demo.XXXXXX")
# The watchdog example writes /etc/modprobe.d on a real guest; here, a file of the demo.
export QGA_WATCHDOG_CONF="$dir/qemu-ga-watchdog.conf"
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
mkdir "$dir/state"
"$out/agent/qemu-ga" -m unix-listen -p "$dir/qga.sock" -t "$dir/state" -l "$dir/qga.log" &
pid=$!
for _ in $(seq 50); do [ -S "$dir/qga.sock" ] && break; sleep 0.1; done
./qga-forge exec -s "$dir/qga.sock" guest-get-statvfs '{"path": "/"}'
echo "demo: and guest-set-watchdog-timeout 60 (written to $QGA_WATCHDOG_CONF):"
./qga-forge exec -s "$dir/qga.sock" guest-set-watchdog-timeout '{"timeout": 60}'
cat "$QGA_WATCHDOG_CONF"
echo
if command -v qemu-system-x86_64 >/dev/null 2>&1 && command -v busybox >/dev/null 2>&1; then
	echo "demo: the rpm inside a VM (qga-forge smoke --vm): Debian's kernel, the rpm's payload,"
	echo "demo: the agent started as its unit starts it, called over a virtio-serial port:"
	./qga-forge smoke --vm -w "$out/workspace" --call guest-get-osinfo
else
	echo "demo: (smoke --vm skipped: qemu-system-x86_64 or busybox is missing; make deps installs them)"
fi
echo
echo "demo: done. The rpm, the agent and manifest.json are in $out"

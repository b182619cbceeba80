#!/usr/bin/env bash
# Benchmark: smoke --vm, from QEMU's start to the first reply of the agent in
# the guest (its boot_seconds), for the uncompressed kernel (vmlinux, started
# through its PVH entry) and for the bzImage of the same package (vmlinuz,
# which decompresses itself on the emulated CPU). Target: at most 10 s under
# TCG on a 2-core machine.
#
# The rpm is RPM=PATH, or one made here around QEMU 7.2's stock qemu-ga
# (tests/fixtures/build-stock-agent.sh, cached) with a unit that starts it as
# CentOS 7's does. Environment: R (runs per kernel, default 3), ACCEL (kvm or
# tcg; default: the probe's answer), QGA_FORGE (the binary, default ./qga-forge).
set -euo pipefail
cd "$(dirname "$0")/.."
R=${R:-3}
QGA_FORGE=${QGA_FORGE:-$PWD/qga-forge}
[ -x "$QGA_FORGE" ] || { echo "bench/vm.sh: build qga-forge first (make)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/qga-forge-bench-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

kdir=$(scripts/vm-kernel.sh)
if [ -z "${RPM:-}" ]; then
	agent=$(tests/fixtures/build-stock-agent.sh 2>/dev/null)
	mkdir -p "$work/src"
	cp "$agent" "$work/src/qemu-ga"
	printf '[Service]\nExecStart=/usr/bin/qemu-ga --method=virtio-serial --path=/dev/virtio-ports/org.qemu.guest_agent.0\n' \
		>"$work/src/qemu-guest-agent.service"
	cat >"$work/b.spec" <<'SPEC'
Name: bench-agent
Version: 1
Release: 1
Summary: bench
License: GPLv2
%description
bench
%install
install -D -m 0755 %{_sourcedir}/qemu-ga %{buildroot}/usr/bin/qemu-ga
install -D -m 0644 %{_sourcedir}/qemu-guest-agent.service %{buildroot}/usr/lib/systemd/system/qemu-guest-agent.service
%files
/usr/bin/qemu-ga
/usr/lib/systemd/system/qemu-guest-agent.service
SPEC
	rpmbuild -bb --quiet --nodeps --define "_topdir $work/top" --define "_sourcedir $work/src" \
		--define "_rpmdir $work/rpms" --define '__spec_install_post %{nil}' \
		--define 'debug_package %{nil}' "$work/b.spec" >/dev/null 2>&1
	RPM=$(ls "$work"/rpms/*/bench-agent-*.rpm)
fi

# the bzImage alone: the same directory without vmlinux
mkdir -p "$work/bz"
for f in vmlinuz release modules.list modules kvm-probe; do
	[ -e "$kdir/$f" ] && ln -s "$kdir/$f" "$work/bz/$f"
done

run() {
	local dir=$1 i
	for i in $(seq "$R"); do
		"$QGA_FORGE" smoke --vm ${ACCEL:+--accel "$ACCEL"} --kernel-dir "$dir" --rpm "$RPM" \
			--call guest-ping --json 2>/dev/null |
			python3 -c 'import json,sys; d=json.load(sys.stdin); v=d["vm"]; print(v["boot_seconds"], v["accelerator"], v["release"])'
	done
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "rpm: $RPM"
run "$kdir" >"$work/vmlinux.txt"
run "$work/bz" >"$work/vmlinuz.txt"
acc=$(awk 'NR==1 {print $2}' "$work/vmlinux.txt")
rel=$(awk 'NR==1 {print $3}' "$work/vmlinux.txt")
a=$(cut -d' ' -f1 "$work/vmlinux.txt" | median)
b=$(cut -d' ' -f1 "$work/vmlinuz.txt" | median)
echo "kernel $rel, accelerator $acc, $R runs each (median boot-to-first-reply):"
echo "  vmlinux (uncompressed, PVH entry): $a s   [$(cut -d' ' -f1 "$work/vmlinux.txt" | tr '\n' ' ')]"
echo "  vmlinuz (bzImage):                 $b s   [$(cut -d' ' -f1 "$work/vmlinuz.txt" | tr '\n' ' ')]"
awk -v a="$a" -v b="$b" 'BEGIN { printf "  ratio vmlinux/vmlinuz: %.2fx; target: at most 10 s\n", a / b }'

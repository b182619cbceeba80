#!/usr/bin/env bash
# smoke --vm on the demo's rpm: forge the two example commands into the
# CentOS 7 layout src.rpm (the real QEMU 7.2 tree), then boot Debian's kernel
# under QEMU with the rpm's payload and call the commands over a virtio-serial
# port wired as libvirt wires it. guest-get-osinfo answers with the VM's
# kernel release, not this host's: the reply came from the guest. The VM
# dies with qga-forge, even under kill -9.
#
# Needs qemu-system-x86_64 and a static busybox (`make deps`); Debian's
# kernel is fetched once by scripts/vm-kernel.sh into the test cache.
. "$(dirname "$0")/../cli/lib.sh"

EX="$SRC_ROOT/examples"
QGA_FORGE_TEST_CACHE="${QGA_FORGE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qga-forge-test}"
export QGA_FORGE_VM_CACHE="$QGA_FORGE_TEST_CACHE/vm-kernel"
export QGA_WATCHDOG_CONF="$TRASH/watchdog.conf"

if ! command -v qemu-system-x86_64 >/dev/null 2>&1 || ! command -v busybox >/dev/null 2>&1; then
	test_skip 'smoke --vm' 'qemu-system-x86_64 or busybox is not installed (make deps)'
	test_done
fi

# vm_procs: QEMU processes started for a smoke --vm (their initrd lives in qga-forge-vm.*)
vm_procs() { pgrep -f 'qemu-system-x86_64 .*qga-forge-vm\.' || true; }

test_expect_success 'setup: the kernel, and the demo rpm forged' '
	"$SRC_ROOT/scripts/vm-kernel.sh" >kdir 2>kernel.err &&
	test -f "$(cat kdir)/release" &&
	"$SRC_ROOT/tests/fixtures/mk-el7-srpm.sh" >srpm 2>/dev/null &&
	qga-forge forge "$(cat srpm)" \
		--command "$EX/statvfs/statvfs.qapi:$EX/statvfs/statvfs.c" \
		--command "$EX/watchdog/watchdog.qapi:$EX/watchdog/watchdog.c" \
		--nodeps -o out >forge.out 2>forge.err &&
	ls out/RPMS/*/qemu-guest-agent-*.rpm
'

test_expect_success 'forge recorded check-rpm and the as-installed smoke in the manifest' '
	python3 - out/manifest.json <<-\EOF
	import json, sys
	m = json.load(open(sys.argv[1]))
	d = m["deploy"]
	r = d["rpms"][0]
	# built here for a CentOS 7 spec: the rpm keeps the vendor dist tag (.el7), which names
	# the target; the glibc of this host is newer
	assert r["target"] == "el7" and r["target_source"] == "dist tag", r
	assert d["ok"] is False and any(p["kind"] == "glibc" and p["where"] == "/usr/bin/qemu-ga"
	                                 for p in r["problems"]), d
	assert m["smoke"]["ok"] is True, m["smoke"]
	assert m["smoke"]["as_installed"]["unit"] == "/usr/lib/systemd/system/qemu-guest-agent.service", m["smoke"]
	EOF
'

test_expect_success 'smoke --vm: the new commands answer from inside the VM' '
	vm_procs >before &&
	qga-forge smoke --vm -w out/workspace --call guest-get-osinfo --json >vm.json 2>vm.err &&
	python3 - vm.json "$(cat "$(cat kdir)/release")" "$(uname -r)" <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	guest, host = sys.argv[2], sys.argv[3]
	assert d["ok"] is True, d
	vm = d["vm"]
	assert vm["release"] == guest and vm["accelerator"] in ("kvm", "tcg"), vm
	assert vm["boot_seconds"] and vm["boot_seconds"] > 0, vm
	assert any("virtserialport" in a and "name=org.qemu.guest_agent.0" in a for a in vm["qemu"]), vm
	assert any(a == "virtio-serial-pci,id=vs0" for a in vm["qemu"]), vm
	assert any(a.startswith("socket,id=qga0,path=") and a.endswith(",server=on,wait=off") for a in vm["qemu"]), vm
	assert "--path=/dev/virtio-ports/org.qemu.guest_agent.0" in vm["guest_command"], vm
	assert d["as_installed"]["unit"] == "/usr/lib/systemd/system/qemu-guest-agent.service", d
	calls = {c["name"]: c for c in d["calls"]}
	osinfo = calls["guest-get-osinfo"]["return"]
	# the reply names the VM kernel: it came from the guest
	assert osinfo["kernel-release"] == guest, (osinfo, guest)
	if guest != host:
	    assert osinfo["kernel-release"] != host
	assert calls["guest-get-statvfs"]["ok"] is True, calls
	assert calls["guest-set-watchdog-timeout"]["ok"] is True, calls
	cmds = {c["name"]: c for c in d["commands"]}
	assert cmds["guest-get-statvfs"]["enabled"] and cmds["guest-set-watchdog-timeout"]["enabled"], cmds
	print("boot", vm["boot_seconds"], vm["accelerator"])
	EOF
	vm_procs >after && test_cmp before after
'

test_expect_success 'the text report names the VM and the guest command line' '
	qga-forge smoke --vm -w out/workspace >vm.txt 2>vm.err &&
	test_grep "^vm: kernel $(cat "$(cat kdir)/release"), \(kvm\|tcg\) (" vm.txt &&
	test_grep "^guest: ./usr/bin/qemu-ga. .--method=virtio-serial." vm.txt &&
	test_grep "^smoke: 2 of 2 calls passed" vm.txt
'

test_expect_success 'kill -9 of qga-forge takes the VM with it; the next command removes its directory' '
	vm_procs >before &&
	{ qga-forge smoke --vm -w out/workspace >/dev/null 2>&1 & pid=$!; } &&
	for _ in $(seq 100); do [ -n "$(vm_procs)" ] && break; sleep 0.1; done &&
	test -n "$(vm_procs)" &&
	kill -9 $pid && { wait $pid 2>/dev/null; true; } &&
	for _ in $(seq 50); do [ -z "$(vm_procs | grep -vxFf before)" ] && break; sleep 0.1; done &&
	test -z "$(vm_procs | grep -vxFf before)" &&
	grep -l "^$pid " /tmp/qga-forge-vm.*.lock >left &&
	test $(wc -l <left) = 1 &&
	dir=$(sed "s/\.lock\$//" left) &&
	test -d "$dir" &&
	qga-forge status -w out/workspace >/dev/null 2>err &&
	test_grep "removed .$dir., left by an interrupted run (pid $pid)" err &&
	test ! -e "$dir" && test ! -e "$dir.lock"
'

test_expect_success 'usage: --accel and --kernel-dir are for --vm; a bad kernel directory' '
	test_expect_code 2 qga-forge smoke -w out/workspace --accel tcg 2>err &&
	test_grep "are for --vm" err &&
	test_expect_code 2 qga-forge smoke --vm -w out/workspace --accel xen 2>err &&
	test_grep "expected kvm or tcg" err &&
	mkdir nokernel &&
	test_expect_code 1 qga-forge smoke --vm -w out/workspace --kernel-dir nokernel 2>err &&
	test_grep "is not a kernel directory made by vm-kernel.sh" err
'

test_done

#!/usr/bin/env bash
# End to end, QEMU monitor commands on QEMU 7.2 (Debian 12's source): a qemu-kvm style
# src.rpm (subpackages, %autopatch; tests/fixtures/mk-qemu-kvm-srpm.sh --full) whose
# %build makes one small system emulator (avr: -M none works with any target; no default
# devices), qemu-img and the agent. The seed hello-world (optional str, HMP
# `hello-world [message]`) and query-int-info (a struct from an int) go in with HMP
# wrappers; the rebuilt rpm's emulator answers both over QMP and HMP, through
# `smoke --qmp` and through `exec --qmp` on a monitor socket of our own.
#
# The binary build (a few minutes) is cached under $QGA_FORGE_TEST_CACHE/qmp-build-7.2/KEY,
# KEY the sha256 of the input src.rpm, the spec and the patch series qga-forge wrote (less
# what changes with the clock: changelog headers, commit ids and dates): the same inputs
# reuse the rpms. The timings are printed at the end (fresh: about 3 minutes on 2 shared
# cores; warm: seconds).
. "$(dirname "$0")/../cli/lib.sh"

EX="$SRC_ROOT/examples/monitor"
QGA_FORGE_TEST_CACHE="${QGA_FORGE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qga-forge-test}"
export QGA_FORGE_TEST_CACHE

skip_without_emulator_build

test_expect_success '7.2: the qemu-kvm src.rpm' '
	t0=$(date +%s.%N) &&
	"$SRC_ROOT/tests/fixtures/mk-qemu-kvm-srpm.sh" --release 7.2 --full >srpm 2>fixture.log &&
	test -f "$(cat srpm)" &&
	echo "fixture $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" >>timings
'

test_expect_success '7.2: init, two monitor commands with HMP wrappers, patch' '
	t0=$(date +%s.%N) &&
	qga-forge init -q -w ws "$(cat srpm)" >/dev/null 2>init.err &&
	qga-forge add-command --qmp --hmp -w ws "$EX/hello-world.qapi" --handler "$EX/hello-world.c" >add.out &&
	qga-forge add-command --qmp --hmp -w ws "$EX/int-info.qapi" --handler "$EX/int-info.c" >>add.out 2>add.err &&
	test_grep -v "generator check skipped" add.err &&
	qga-forge patch -q -w ws &&
	ls ws/rpmbuild/SOURCES/*.patch >patches &&
	test_grep "qmp-add-hello-world" patches &&
	test_grep "qmp-add-query-int-info" patches &&
	echo "workspace $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" >>timings
'

# The build, once per distinct input (spec and patch series).
test_expect_success '7.2: build (cached by its inputs)' '
	key=$({ sed "/^\* /d" ws/rpmbuild/SPECS/*.spec &&
		sed "/^From [0-9a-f]\{40\} /d; /^Date: /d" ws/rpmbuild/SOURCES/*.patch &&
		cat "$(cat srpm)"; } | sha256sum | cut -c1-64) &&
	cache="$QGA_FORGE_TEST_CACHE/qmp-build-7.2" &&
	mkdir -p "$cache" &&
	t0=$(date +%s.%N) &&
	(
		flock 9 &&
		if [ ! -f "$cache/$key/.complete" ]; then
			rm -rf "$cache"/.tmp.* &&
			tmp=$(mktemp -d "$cache/.tmp.XXXXXX") &&
			qga-forge build -w ws -o "$tmp/out" --nodeps >build.out 2>build.err &&
			: >"$tmp/.complete" &&
			for old in "$cache"/*; do rm -rf "$old"; done &&
			mv "$tmp" "$cache/$key" &&
			echo fresh >kind
		else
			echo warm >kind
		fi
	) 9>"$cache/.lock" &&
	cp -a "$cache/$key/out" out &&
	echo "build-$(cat kind) $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" >>timings &&
	test -x out/emulator/qemu-kvm &&
	python3 -c "import json,sys; m=json.load(open(\"out/manifest.json\")); sys.exit(not m[\"emulator\"].endswith(\"/emulator/qemu-kvm\"))" &&
	ls out/RPMS/*/qemu-kvm-core-7.2.0-*.rpm out/RPMS/*/qemu-guest-agent-7.2.0-*.rpm out/RPMS/*/qemu-img-7.2.0-*.rpm
'

test_expect_success '7.2: the emulator of the rpm answers over QMP and HMP (smoke --qmp)' '
	t0=$(date +%s.%N) &&
	qga-forge smoke --qmp -w ws --emulator out/emulator/qemu-kvm --json >smoke.json 2>smoke.err &&
	echo "smoke $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" >>timings &&
	python3 - smoke.json <<-\PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	assert r["ok"], r
	calls = {(c["name"], c["source"]): c for c in r["calls"]}
	assert all(c["status"] == "passed" for c in r["calls"]), r["calls"]
	assert calls[("hello-world", "example")]["return"] == {"message": "hi"}, calls
	assert calls[("query-int-info", "example")]["return"] == {"value": 12, "square": 144, "even": True, "hex": "0xc"}, calls
	assert calls[("human-monitor-command", "HMP \x27hello-world hi\x27")]["return"] == "message: hi\r\n", calls
	assert calls[("human-monitor-command", "HMP \x27query-int-info 12\x27")]["return"] == "value: 12\r\nsquare: 144\r\neven: true\r\nhex: 0xc\r\n", calls
	listed = {c["name"]: c["listed"] for c in r["commands"]}
	assert listed["hello-world"] and listed["query-int-info"], listed
	PY
'

# The emulator alone in the background, so that $! is the emulator itself (`a && b &`
# would background a subshell, and killing it would leave the emulator running).
start_emulator() {
	mkdir -p run || return 1
	out/emulator/qemu-kvm -M none -nodefaults -display none \
		-qmp unix:run/qmp.sock,server=on,wait=off >run/emu.log 2>&1 &
	echo $! >run/pid
	for _ in $(seq 100); do [ -S run/qmp.sock ] && return 0; sleep 0.1; done
	return 1
}

test_expect_success '7.2: exec --qmp on a monitor socket, as virsh qemu-monitor-command would' '
	start_emulator &&
	qga-forge exec --qmp -s run/qmp.sock hello-world >hello.out &&
	qga-forge exec --qmp -s run/qmp.sock human-monitor-command \
		"{\"command-line\": \"hello-world \\\"from HMP\\\"\"}" >hmp.out &&
	qga-forge exec --qmp -s run/qmp.sock human-monitor-command "{\"command-line\": \"query-int-info -5\"}" >hmp2.out &&
	qga-forge exec --qmp -s run/qmp.sock query-int-info "{\"value\": 7}" >int.out ;
	rc=$? ;
	kill "$(cat run/pid)" ; wait "$(cat run/pid)" 2>/dev/null ;
	test $rc -eq 0 &&
	test_grep "\"message\": \"Hello, world!\"" hello.out &&
	test_grep "message: from HMP" hmp.out &&
	test_grep "square: 25" hmp2.out &&
	test_grep "\"square\": 49" int.out
'

say "# timings (seconds):"
sed "s/^/#   /" timings

test_done

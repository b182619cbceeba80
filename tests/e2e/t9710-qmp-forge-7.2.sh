#!/usr/bin/env bash
# One forge, QEMU 7.2: the qemu-kvm style src.rpm of t9700 (its %build makes one small
# system emulator, qemu-img and the agent) and the two monitor commands given as
# --qmp-command with --hmp become a qemu-kvm rpm whose emulator answers them over QMP and
# HMP (the manifest's smoke_qmp), the agent's smoke run beside it.
#
# The forge output is cached under $QGA_FORGE_TEST_CACHE/qmp-forge-7.2/KEY, KEY the sha256
# of the src.rpm, the command files, the qga-forge binary and its templates: a run with a new binary
# forges again (a few minutes), one with the same binary reuses the manifest it made.
. "$(dirname "$0")/../cli/lib.sh"

EX="$SRC_ROOT/examples/monitor"
QGA_FORGE_TEST_CACHE="${QGA_FORGE_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qga-forge-test}"
export QGA_FORGE_TEST_CACHE

skip_without_emulator_build

test_expect_success '7.2: the qemu-kvm src.rpm' '
	"$SRC_ROOT/tests/fixtures/mk-qemu-kvm-srpm.sh" --release 7.2 --full >srpm 2>fixture.log
'

test_expect_success '7.2: one forge: monitor commands with HMP wrappers, built and smoked' '
	key=$(cat "$(cat srpm)" "$EX"/* "$QGA_FORGE" $(find "$SRC_ROOT/templates" -type f | LC_ALL=C sort) |
		sha256sum | cut -c1-64) &&
	cache="$QGA_FORGE_TEST_CACHE/qmp-forge-7.2" &&
	mkdir -p "$cache" &&
	t0=$(date +%s.%N) &&
	(
		flock 9 &&
		if [ ! -f "$cache/$key/.complete" ]; then
			rm -rf "$cache"/.tmp.* &&
			tmp=$(mktemp -d "$cache/.tmp.XXXXXX") &&
			qga-forge forge "$(cat srpm)" --hmp \
				--qmp-command "$EX/hello-world.qapi:$EX/hello-world.c" \
				--qmp-command "$EX/int-info.qapi:$EX/int-info.c" \
				--nodeps -o "$tmp/out" --json >"$tmp/manifest.json" 2>forge.err &&
			rm -rf "$tmp/out/workspace" &&
			: >"$tmp/.complete" &&
			for old in "$cache"/*; do rm -rf "$old"; done &&
			mv "$tmp" "$cache/$key" &&
			echo fresh >kind
		else
			echo warm >kind
		fi
	) 9>"$cache/.lock" &&
	echo "forge-$(cat kind) $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" &&
	cp "$cache/$key/manifest.json" manifest.json &&
	python3 - manifest.json <<-\PY
	import json, sys
	m = json.load(open(sys.argv[1]))
	q = m["smoke_qmp"]
	assert q["ok"], q
	got = {(c["name"], c["source"]): c.get("return") for c in q["calls"]}
	assert got[("hello-world", "example")] == {"message": "hi"}, got
	assert got[("human-monitor-command", "HMP \x27hello-world hi\x27")] == "message: hi\r\n", got
	assert got[("human-monitor-command", "HMP \x27query-int-info 12\x27")].startswith("value: 12\r\nsquare: 144\r\n"), got
	assert m["emulator"].endswith("/emulator/qemu-kvm"), m["emulator"]
	assert m["smoke"]["ok"], m["smoke"]
	for k, v in sorted(m["timings"].items()):
	    print("forge.%s %s" % (k, v))
	PY
'

test_done

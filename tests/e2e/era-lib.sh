# shellcheck shell=bash
# Shared by the end-to-end tests of one QEMU generation each (t9100 5.2, t9110 7.2,
# t9120 10.0): a src.rpm in the spec layout of its era (tests/fixtures/mk-era-srpm.sh),
# forged with commands of every argument kind (tests/data/era-commands: optional str,
# optional int, list, enum, struct return, an int return that needs the returns pragma, no
# arguments) and the examples of examples/, unchanged. Then the prototypes are compared
# with the tree's own QAPI generator, and the agent taken from the binary rpm is run and
# each command called by a client that is not qga-forge's. Source after ../cli/lib.sh;
# call era_run RELEASE.

ERA_CMDS="$SRC_ROOT/tests/data/era-commands"
EX="$SRC_ROOT/examples"
export QGA_WATCHDOG_CONF="$TRASH/watchdog.conf"

# era_handlers VERSION DIR: the handlers of tests/data/era-commands for QEMU VERSION. Up to
# 7.2 every optional argument has a has_ flag; from 8.0 optional pointers have none.
era_handlers() {
	local v="$1" out="$2" f major
	major="${v%%.*}"
	mkdir -p "$out" || return 1
	for f in "$ERA_CMDS"/*.c.in; do
		if [ "$major" -lt 8 ]; then
			sed 's/@HAS_TEXT@/bool has_text, /; s/@TEXT_GIVEN@/has_text/' "$f"
		else
			sed 's/@HAS_TEXT@//; s/@TEXT_GIVEN@/text/' "$f"
		fi >"$out/$(basename "$f" .c.in).c" || return 1
	done
}

# A minimal guest-agent client (stdlib only): sync, then one command; prints the reply.
era_client() {
	cat >qga.py <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
s.sendall(b'\xff{"execute": "guest-sync-delimited", "arguments": {"id": 4242}}\n')
buf = b""
while True:
    data = s.recv(65536)
    if not data:
        sys.exit("closed")
    buf += data
    i = buf.rfind(b"\xff")
    if i >= 0 and b'"return": 4242' in buf[i:]:
        break
req = {"execute": sys.argv[2]}
if len(sys.argv) > 3:
    req["arguments"] = json.loads(sys.argv[3])
s.sendall(json.dumps(req).encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    data = s.recv(65536)
    if not data:
        sys.exit("closed")
    buf += data
print(json.dumps(json.loads(buf), sort_keys=True))
PY
}

# era_start_agent DIR AGENT: the agent alone in the background, so that $! is the
# agent itself and not a subshell (`a && b &` backgrounds the whole list, and killing
# that subshell would leave the agent running).
era_start_agent() {
	mkdir -p "$1/state" || return 1
	"$2" -m unix-listen -p "$1/qga.sock" -t "$1/state" -l "$1/qga.log" &
	echo $! >"$1/pid"
	for _ in $(seq 100); do [ -S "$1/qga.sock" ] && return 0; sleep 0.1; done
	return 1
}
era_stop_agent() { kill "$(cat "$1/pid")" 2>/dev/null; wait "$(cat "$1/pid")" 2>/dev/null; true; }

# era_call NAME [JSON-ARGS]: one call to the running agent; the reply on stdout
era_call() { python3 qga.py run/qga.sock "$@"; }

# era_run RELEASE [--define 'MACRO VALUE']...: the defines go to forge (macros the era's
# distribution has and this host may lack, as its warnings name them)
era_run() {
	local rel="$1"
	shift
	ERA_DEFINES=("$@")

	era_client

	test_expect_success "$rel: the era's src.rpm builds" '
		t0=$(date +%s.%N) &&
		"$SRC_ROOT/tests/fixtures/mk-era-srpm.sh" --release '"$rel"' >srpm 2>fixture.log &&
		test -f "$(cat srpm)" &&
		echo "fixture $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" >>timings
	'

	test_expect_success "$rel: forge adds every kind of command and the examples, builds, smoke-tests" '
		ver=$(rpm -qp --qf "%{VERSION}" "$(cat srpm)" 2>/dev/null) &&
		era_handlers "$ver" h &&
		t0=$(date +%s.%N) &&
		qga-forge forge "$(cat srpm)" \
			--command "$ERA_CMDS/echo.qapi:h/echo.c" \
			--command "$ERA_CMDS/count.qapi:h/count.c" \
			--command "$ERA_CMDS/sum.qapi:h/sum.c" \
			--command "$ERA_CMDS/mode.qapi:h/mode.c" \
			--command "$ERA_CMDS/noop.qapi:h/noop.c" \
			--command "$EX/statvfs/statvfs.qapi:$EX/statvfs/statvfs.c" \
			--command "$EX/watchdog/watchdog.qapi:$EX/watchdog/watchdog.c" \
			--call "guest-forge-sum {\"values\": [1, 2, 3]}" \
			--call "guest-forge-mode {\"mode\": \"slow\"}" \
			"${ERA_DEFINES[@]}" --nodeps --strict -o out --json >manifest.json 2>forge.err &&
		echo "forge $(awk "BEGIN { print $(date +%s.%N) - $t0 }")" >>timings &&
		test -x out/agent/qemu-ga &&
		python3 - manifest.json <<-\PY
		import json, sys
		m = json.load(open(sys.argv[1]))
		calls = m["smoke"]["calls"]
		bad = [c for c in calls if c.get("status") != "passed"]
		assert m["smoke"]["ok"] and not bad, bad
		names = sorted({c["name"] for c in calls})
		want = sorted(["guest-forge-echo", "guest-forge-count", "guest-forge-sum", "guest-forge-mode",
		               "guest-forge-noop", "guest-get-statvfs", "guest-set-watchdog-timeout"])
		assert names == want, names
		with open("timings", "a") as t:
		    for k, v in sorted(m["timings"].items()):
		        t.write("forge.%s %s\n" % (k, v))
		PY
	'

	test_expect_success "$rel: the generator cross-check ran for every command" '
		test_grep -v "generator check skipped" forge.err
	'

	test_expect_success "$rel: every prototype equals the tree's own generator's" '
		src=out/workspace/src &&
		(cd $src && python3 scripts/qapi-gen.py -o "$TRASH/gen" -p qga- qga/qapi-schema.json) &&
		qga-forge commands -w out/workspace --json >commands.json &&
		python3 - commands.json "$TRASH/gen/qga-qapi-commands.h" <<-\PY
		import json, re, sys
		cmds = json.load(open(sys.argv[1]))["commands"]
		header = open(sys.argv[2]).read()
		protos = {re.sub(r"\s+", " ", p) for p in re.findall(r"^[A-Za-z][^;()]*\bqmp_\w+\([^)]*\);", header, re.M)}
		added = [c for c in cmds if c["added"]]
		assert len(added) == 7, [c["name"] for c in added]
		for c in added:
		    assert c["prototype"] in protos, (c["prototype"], sorted(p for p in protos if "forge" in p or "statvfs" in p or "watchdog" in p))
		PY
	'

	test_expect_success "$rel: the rebuilt package keeps the vendor's dist tag" '
		ver=$(rpm -qp --qf "%{VERSION}" "$(cat srpm)" 2>/dev/null) &&
		vrel=$(rpm -qp --qf "%{RELEASE}" "$(cat srpm)" 2>/dev/null) &&
		ls out/RPMS/*/ >rpms &&
		test_grep "^qemu-guest-agent-$ver-$vrel\.qga1\." rpms
	'

	test_expect_success "$rel: the agent taken from the binary rpm answers every command" '
		mkdir -p unpack &&
		(cd unpack && rpm2cpio "$(ls ../out/RPMS/*/qemu-guest-agent-[0-9]*.rpm | head -n 1)" | cpio -idm --quiet) &&
		agent=unpack/usr/bin/qemu-ga && test -x $agent &&
		era_start_agent run $agent &&
		era_call guest-forge-echo "{\"text\": \"hello\"}" >r1 &&
		test_grep "\"return\": {\"length\": 5, \"text\": \"hello\"}" r1 &&
		era_call guest-forge-echo >r2 &&
		test_grep "\"return\": {\"length\": 4, \"text\": \"none\"}" r2 &&
		era_call guest-forge-count "{\"count\": 21}" >r3 &&
		test_grep "\"return\": 42" r3 &&
		era_call guest-forge-count "{\"count\": -1}" >r4 &&
		test_grep "count -1 is negative" r4 &&
		era_call guest-forge-sum "{\"values\": [1, 2, 39]}" >r5 &&
		test_grep "\"return\": 42" r5 &&
		era_call guest-forge-mode "{\"mode\": \"slow\"}" >r6 &&
		test_grep "\"return\": {\"length\": 1, \"text\": \"slow\"}" r6 &&
		era_call guest-forge-mode "{\"mode\": \"sideways\"}" >r7 &&
		test_grep "\"error\"" r7 &&
		era_call guest-forge-noop >r8 &&
		test_grep "\"return\": {}" r8 &&
		era_call guest-get-statvfs "{\"path\": \"/\"}" >r9 &&
		test_grep "\"block-size\": [1-9]" r9 &&
		era_call guest-set-watchdog-timeout "{\"timeout\": 60}" >r10 &&
		test_grep "\"return\": {}" r10 &&
		test_grep "soft_margin=60" "$QGA_WATCHDOG_CONF";
		rc=$?; era_stop_agent run; exit $rc
	'

	if [ -f timings ]; then
		sed "s/^/# $rel timing: /" timings
	fi
}

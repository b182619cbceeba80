#!/usr/bin/env bash
# End to end on the real QEMU 7.2 tree and a real rpmbuild: forge the two
# example commands into src.rpms of two spec layouts (%patchN lines, and
# %autopatch), then unpack each binary rpm independently, run its qemu-ga,
# and check the new commands' replies over the socket with a client that is
# not qga-forge's, and with `qga-forge exec`. Also: two builds of the same
# inputs give identical payload digests.
. "$(dirname "$0")/../cli/lib.sh"

# The client, and starting and stopping an agent, as the era tests do them.
. "$SRC_ROOT/tests/e2e/era-lib.sh"
era_client
start_agent() { era_start_agent "$@"; }
stop_agent() { era_stop_agent "$@"; }
# Whatever ends this script, no agent outlives it.
trap 'for f in "$TRASH"/run.*/pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done' EXIT

for layout in patchN autopatch; do
	test_expect_success "$layout: the fixture src.rpm builds" "
		\"\$SRC_ROOT/tests/fixtures/mk-el7-srpm.sh\" --layout $layout >srpm.$layout 2>/dev/null &&
		test -f \"\$(cat srpm.$layout)\"
	"

	test_expect_success "$layout: forge adds both commands, builds and smoke-tests" "
		qga-forge forge \"\$(cat srpm.$layout)\" \
			--command \"\$EX/statvfs/statvfs.qapi:\$EX/statvfs/statvfs.c\" \
			--command \"\$EX/watchdog/watchdog.qapi:\$EX/watchdog/watchdog.c\" \
			--nodeps -o out.$layout --json >manifest.$layout 2>err.$layout &&
		test_grep '\"guest-get-statvfs\"' manifest.$layout &&
		test_grep '\"guest-set-watchdog-timeout\"' manifest.$layout &&
		test -x out.$layout/agent/qemu-ga &&
		ls out.$layout/RPMS/*/*.rpm >rpms.$layout && test -s rpms.$layout
	"

	test_expect_success "$layout: the spec carries the patch the way the layout does" "
		spec=\$(ls out.$layout/workspace/rpmbuild/SPECS/*.spec) &&
		test_grep '^# qga-forge: ' \$spec &&
		if [ $layout = patchN ]; then
			test_grep '^%patch' \$spec
		else
			test_grep '^%autopatch' \$spec
		fi
	"

	test_expect_success "$layout: the agent unpacked from the rpm answers the new commands" "
		mkdir -p unpack.$layout run.$layout &&
		(cd unpack.$layout && rpm2cpio \"../\$(head -n 1 ../rpms.$layout)\" | cpio -idm --quiet) &&
		agent=\$(find unpack.$layout -name qemu-ga -type f | head -n 1) &&
		test -x \"\$agent\" &&
		start_agent run.$layout \"\$agent\" &&
		python3 qga.py run.$layout/qga.sock guest-get-statvfs '{\"path\": \"/\"}' >statvfs.$layout &&
		test_grep '\"block-size\": [1-9]' statvfs.$layout &&
		test_grep '\"total-bytes\": [1-9]' statvfs.$layout &&
		python3 qga.py run.$layout/qga.sock guest-set-watchdog-timeout '{\"timeout\": 60}' >wd.$layout &&
		test_grep '\"return\": {}' wd.$layout &&
		test_grep 'soft_margin=60' \"\$QGA_WATCHDOG_CONF\" &&
		python3 qga.py run.$layout/qga.sock guest-set-watchdog-timeout '{\"timeout\": 0}' >wd0.$layout &&
		test_grep 'out of range' wd0.$layout &&
		qga-forge exec -s run.$layout/qga.sock guest-get-statvfs '{\"path\": \"/\"}' >exec.$layout &&
		test_grep 'max-name-length' exec.$layout &&
		python3 qga.py run.$layout/qga.sock guest-info >info.$layout &&
		test_grep 'guest-get-statvfs' info.$layout;
		rc=\$?; stop_agent run.$layout; exit \$rc
	"
done

test_expect_success 'two builds of the same inputs give identical payload digests' '
	ws=out.patchN/workspace &&
	qga-forge build -q -w $ws --nodeps -o again >/dev/null 2>&1 &&
	for r in out.patchN/RPMS/*/*.rpm; do
		b=again/RPMS/$(basename "$(dirname "$r")")/$(basename "$r") &&
		rpm -qp --qf "%{PAYLOADDIGEST}\n" "$r" >d1 2>/dev/null &&
		rpm -qp --qf "%{PAYLOADDIGEST}\n" "$b" >d2 2>/dev/null &&
		test_cmp d1 d2 || exit 1
	done
'

test_done

#!/usr/bin/env bash
# qga-forge spec check: rpm's name, epoch, version, release, and the patches
# in the order the expanded %prep applies them; rpm's errors with their line.
. "$(dirname "$0")/lib.sh"

SPECS=$(spec_fixtures)

test_expect_success 'el7 layout: NEVR and patches in %prep order, gaps kept' '
	qga-forge spec check "$SPECS/el7-qemu-guest-agent.spec" >out &&
	cat >expect <<-\EOF &&
	qemu-guest-agent-10:2.12.0-3
	patch 1 qemuga-qga-unset-frozen-state-if-no-mount-points-are-frozen.patch
	patch 2 qemuga-qga-fix-driver-leak-in-guest-get-fsinfo.patch
	patch 3 qemuga-qga-guest-file-seek-fix-whence.patch
	patch 5 qemuga-qga-close-pipes-on-exec-error.patch
	patch 6 qemuga-qga-close-stdin-on-exec-error.patch
	patch 7 qemuga-qga-fix-guest-get-users-duplicates.patch
	EOF
	test_cmp expect out
'

test_expect_success 'conditional patches: the skipped one is named on stderr' '
	qga-forge spec check "$SPECS/opensuse-qemu.spec" >out 2>err &&
	head -n 1 out >nevr && echo qemu-7.1.0-0 >expect && test_cmp expect nevr &&
	test_grep -v "linux-user-add-more-compat-ioctl-def" out &&
	test_grep "patch 2 .linux-user-add-more-compat-ioctl-def.patch. is declared but %prep does not apply it" err &&
	test $(wc -l <out) = 7
'

test_expect_success 'unnumbered patches get rpm numbers; macros in names expanded; --json' '
	qga-forge spec check "$SPECS/fedora-qemu.spec" >out &&
	test_grep "^patch 0 0001-linux-user-fix-compat-with-glibc-2.36.patch$" out &&
	test_grep "^patch 2 0003-tests-qtest-netdev-test-stream-and-dgram-checks.patch$" out &&
	qga-forge spec check --json "$SPECS/others-fix.spec" >j &&
	test_grep "\"file\": \"qemu-guest-agent-fix.patch\"" j &&
	test_grep "\"nevr\": \"qemu-guest-agent-5.2.0-1\"" j
'

test_expect_success 'parse errors: status 1, rpm message at its line' '
	test_expect_code 1 qga-forge spec check "$SPECS/bad/rpm-unknown-tag.spec" 2>err &&
	test_grep "rpm-unknown-tag.spec:9:1: rpm: Unknown tag: Frobnicate: yes" err &&
	test_expect_code 1 qga-forge spec check "$SPECS/bad/endif-without-if.spec" 2>err &&
	test_grep "endif-without-if.spec:9:1: rpm: %endif with no %if" err
'

test_expect_success 'spec code runs in a child: a spec that kills its parser fails cleanly' '
	cp "$SPECS/nopatches.spec" k.spec &&
	sed -i "1i %{lua: os.exit(7)}" k.spec &&
	test_expect_code 1 qga-forge spec check k.spec 2>err &&
	test_grep "k.spec" err
'

test_done

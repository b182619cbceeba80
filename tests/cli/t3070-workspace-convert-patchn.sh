#!/usr/bin/env bash
# init and patch on a CentOS 7 style src.rpm (%patchN lines) where this host's
# rpm rejects %patchN (4.20 and later): the workspace spec is rewritten as
# %patch -P N in a step of its own, with a message, and the step is recorded in
# the workspace state; the patch that follows is added in the same form. Where
# rpm takes %patchN, the spec stays as the vendor wrote it.
. "$(dirname "$0")/lib.sh"

TINY=$(tiny_fixtures)
SRPM="$TINY/qemu-guest-agent-7.2.0-1.el7.src.rpm"
SPEC=ws/rpmbuild/SPECS/qemu-guest-agent.spec
STATE=ws/.qga-forge/state.json

# conversions FILE: the spec_conversions of a state file, one "step lines" per entry
conversions() {
	python3 -c 'import json,sys
for e in json.load(open(sys.argv[1])).get("spec_conversions", []):
	print(e["step"], " ".join(map(str, e["lines"])), e["conversion"])' "$1"
}

if rpm_rejects_patchn; then
	test_expect_success 'init rewrites %patchN before %prep, says why, records it' '
		qga-forge init -w ws "$SRPM" >out 2>err &&
		test_grep "rpm [0-9.]* rejects %patchN: rewrote 1 line of the spec as .%patch -P N. before %prep" err &&
		test_grep "^%patch -P 1 -p1$" $SPEC &&
		test_grep -v "^%patch1" $SPEC &&
		line=$(grep -n "^%patch -P 1 -p1$" $SPEC | cut -d: -f1) &&
		conversions $STATE >got &&
		echo "init $line %patchN -> %patch -P N" >expect &&
		test_cmp expect got
	'
	test_expect_success 'apart from those lines the spec is the vendor'"'"'s' '
		mkdir orig && (cd orig && rpm2archive - <"$SRPM" | tar -xzf - --wildcards "*.spec") &&
		patchn_to_p <orig/*qemu-guest-agent.spec >expect &&
		test_cmp expect $SPEC
	'
	test_expect_success 'patch rewrites a workspace spec that still has %patchN, on its own' '
		sed -i "s/^%patch -P 1 -p1$/%patch1 -p1/" $SPEC &&
		line=$(grep -n "^%patch1 -p1$" $SPEC | cut -d: -f1) &&
		qga-forge add-command -w ws --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
		qga-forge patch -w ws >out 2>err &&
		test_grep "rpm [0-9.]* rejects %patchN: rewrote 1 line of the spec as .%patch -P N." err &&
		test_grep "^%patch -P 1 -p1$" $SPEC &&
		test_grep "^%patch -P 2 -p1$" $SPEC &&
		conversions $STATE >got &&
		test $(wc -l <got) = 2 &&
		test_grep "^patch $line " got &&
		qga-forge spec check $SPEC >check &&
		test_grep "^patch 2 qga-forge-0001-qga-add-guest-foo.patch$" check
	'
	test_expect_success 'a second patch run has nothing to rewrite' '
		qga-forge patch -w ws >out 2>err &&
		test_grep -v "rejects %patchN" err &&
		conversions $STATE >got &&
		test $(wc -l <got) = 2
	'
else
	test_expect_success 'init keeps %patchN where this rpm takes it; nothing recorded' '
		qga-forge init -w ws "$SRPM" >out 2>err &&
		test_grep -v "rejects %patchN" err &&
		test_grep "^%patch1 -p1$" $SPEC &&
		conversions $STATE >got &&
		test ! -s got
	'
	test_expect_success 'patch adds the next line in the spec'"'"'s own form' '
		qga-forge add-command -w ws --name guest-foo --doc "Say foo" >/dev/null 2>&1 &&
		qga-forge patch -w ws >out 2>err &&
		test_grep -v "rejects %patchN" err &&
		test_grep "^%patch2 -p1$" $SPEC
	'
fi

test_done

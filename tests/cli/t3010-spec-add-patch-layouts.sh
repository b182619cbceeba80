#!/usr/bin/env bash
# qga-forge spec add-patch on every spec layout of tests/data/specs: the
# result is byte for byte the expected one, and rpmbuild -bp applies the
# vendor's patches as before (conditions kept) and the new patch last. The
# patches of mksources.sh form a chain: with fuzz 0 they apply only in the
# order the file ORDER ends up listing.
. "$(dirname "$0")/lib.sh"

SPECS="$SRC_ROOT/tests/data/specs"
PATCH=qga-forge-0001-qga-add-guest-foo.patch
SPECS=$(spec_fixtures)

# applied SPEC: the patches rpm's expanded %prep applies, one per line
applied() { qga-forge spec check "$1" 2>/dev/null | sed -n 's/^patch [0-9]* //p'; }

# bp TOPDIR SPEC: rpmbuild -bp into TOPDIR/BUILD
bp() {
	rpmbuild -bp --nodeps --define "_topdir $1" --define "_tmppath $1/tmp" "$1/SPECS/$2" \
		>"$1/bp.log" 2>&1 || { cat "$1/bp.log"; return 1; }
}

for spec in "$SPECS"/*.spec; do
	name=$(basename "$spec" .spec)
	test_expect_success "$name: the new patch is declared and applied in the spec's style" '
		"$SPECS/mksources.sh" "$spec" $name &&
		applied $name/SPECS/$name.spec >$name.before &&
		qga-forge spec add-patch $name/SPECS/$name.spec $name/$PATCH \
			--comment "qga-forge: $PATCH" >$name.out &&
		test_grep "^$name/SPECS/$name.spec:[0-9]*: Patch" $name.out &&
		cmp $name/$PATCH $name/SOURCES/$PATCH &&
		test_cmp "$SPECS/expected/$name.add-patch.spec" $name/SPECS/$name.spec &&
		applied $name/SPECS/$name.spec >$name.after &&
		{ cat $name.before && echo $PATCH; } >$name.want &&
		test_cmp $name.want $name.after
	'
	test_expect_success "$name: rpmbuild -bp applies the vendor patches, then ours" '
		bp "$PWD/$name" $name.spec &&
		{ echo base && cat $name.want; } >$name.order &&
		test_cmp $name.order "$(prep_tree $name)/ORDER" &&
		grep -q "return 42" "$(prep_tree $name)/qga/main.c"
	'
done

test_expect_success 'adding the same patch again is refused, nothing changes' '
	spec=el7-qemu-guest-agent/SPECS/el7-qemu-guest-agent.spec &&
	cp $spec before.spec &&
	test_must_fail qga-forge spec add-patch $spec el7-qemu-guest-agent/$PATCH 2>err &&
	test_grep "already declared as patch 8" err &&
	test_cmp before.spec $spec
'

test_expect_success 'a second patch applies after the first' '
	top=el7-qemu-guest-agent &&
	cp "$(prep_tree $top)/ORDER" order.old && cp order.old order.new &&
	echo qga-forge-0002-qga-add-guest-bar.patch >>order.new &&
	{
		printf "From: Dev <dev@example.com>\nSubject: [PATCH] qga: add guest-bar\n\n---\n" &&
		{ diff -u --label a/ORDER --label b/ORDER order.old order.new || test $? = 1; }
	} >qga-forge-0002-qga-add-guest-bar.patch &&
	qga-forge spec add-patch $top/SPECS/el7-qemu-guest-agent.spec \
		qga-forge-0002-qga-add-guest-bar.patch >out &&
	test_grep "^Patch9: qga-forge-0002-qga-add-guest-bar.patch$" $top/SPECS/el7-qemu-guest-agent.spec &&
	bp "$PWD/$top" el7-qemu-guest-agent.spec &&
	test_cmp order.new "$(prep_tree $top)/ORDER"
'

test_expect_success 'a patch already in SOURCES with other bytes is refused' '
	"$SPECS/mksources.sh" "$SPECS/nopatches.spec" np &&
	echo other >np/SOURCES/$PATCH &&
	cp np/SPECS/nopatches.spec before.spec &&
	test_must_fail qga-forge spec add-patch np/SPECS/nopatches.spec np/$PATCH 2>err &&
	test_grep "already exists with other content" err &&
	test_cmp before.spec np/SPECS/nopatches.spec &&
	echo other >expect && test_cmp expect np/SOURCES/$PATCH
'

test_expect_success 'a spec outside SPECS/ takes the patch into its own directory; --json' '
	mkdir flat && cp "$SPECS/autosetup-plain.spec" flat/ &&
	qga-forge spec add-patch --json flat/autosetup-plain.spec np/$PATCH >out.json &&
	cmp np/$PATCH flat/$PATCH &&
	test_grep "\"number\": 3" out.json &&
	test_grep "\"prep_line\": null" out.json
'

test_expect_success 'the patch file already in SOURCES is used where it is' '
	"$SPECS/mksources.sh" "$SPECS/autosetup-plain.spec" inplace &&
	cp inplace/$PATCH inplace/SOURCES/ &&
	qga-forge spec add-patch inplace/SPECS/autosetup-plain.spec inplace/SOURCES/$PATCH &&
	cmp inplace/$PATCH inplace/SOURCES/$PATCH &&
	bp "$PWD/inplace" autosetup-plain.spec
'

test_done

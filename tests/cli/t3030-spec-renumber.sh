#!/usr/bin/env bash
# qga-forge spec renumber on every layout: the expected text, references
# rewritten, and rpm still applies the same patches in the same order.
. "$(dirname "$0")/lib.sh"

SPECS=$(spec_fixtures)

applied() { qga-forge spec check "$1" 2>/dev/null | sed -n 's/^patch [0-9]* //p'; }

for spec in "$SPECS"/*.spec; do
	name=$(basename "$spec" .spec)
	test_expect_success "$name: renumbered in declaration order, rpm agrees" '
		"$SPECS/mksources.sh" "$spec" $name &&
		s=$name/SPECS/$name.spec &&
		applied $s >$name.before &&
		qga-forge spec renumber $s >$name.out &&
		test_cmp "$SPECS/expected/$name.renumber.spec" $s &&
		rpmspec -q --srpm $s >/dev/null &&
		applied $s >$name.after &&
		test_cmp $name.before $name.after &&
		rpmbuild -bp --nodeps --define "_topdir $PWD/$name" --define "_tmppath $PWD/$name/tmp" \
			$s >$name.bp 2>&1 &&
		{ echo base && cat $name.before; } >$name.order &&
		test_cmp $name.order "$(prep_tree $name)/ORDER"
	'
	test_expect_success "$name: a second renumber changes nothing" '
		s=$name/SPECS/$name.spec &&
		cp $s $name.once &&
		qga-forge spec renumber $s >out &&
		test_grep "already numbered in order" out &&
		test_cmp $name.once $s
	'
done

test_expect_success 'the numbers printed are the ones changed' '
	qga-forge spec renumber --json el7-qemu-guest-agent/SPECS/el7-qemu-guest-agent.spec >j &&
	test_grep "\"changed\": false" j &&
	cp "$SPECS/el7-qemu-guest-agent.spec" e.spec &&
	qga-forge spec renumber e.spec >out &&
	printf "%s\n" "e.spec:26: patch 5 -> 4" "e.spec:28: patch 6 -> 5" "e.spec:30: patch 7 -> 6" >expect &&
	test_cmp expect out
'

test_expect_success 'refused: a range that would select other patches, a duplicate number' '
	cat >r.spec <<-\EOF &&
	Name: t
	Version: 1
	Release: 1
	Summary: s
	License: MIT
	Source0: t-1.tar.gz
	Patch1: a.patch
	Patch9: b.patch
	Patch2: c.patch

	%description
	d

	%prep
	%autosetup -N
	%autopatch -p1 -M 2
	%autopatch -p1 -m 3
	EOF
	cp r.spec r.orig &&
	test_expect_code 1 qga-forge spec renumber r.spec 2>err &&
	test_grep "r.spec:16:1: renumbering would change which patches .%autopatch -p1 -M 2. applies" err &&
	test_cmp r.orig r.spec &&
	cp "$SPECS/bad/duplicate-number.spec" d.spec &&
	test_expect_code 1 qga-forge spec renumber d.spec 2>err &&
	test_grep "duplicate patch number 2" err &&
	test_cmp "$SPECS/bad/duplicate-number.spec" d.spec
'

test_done
